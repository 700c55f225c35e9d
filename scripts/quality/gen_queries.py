#!/usr/bin/env python3
"""Generate seeded search-quality query sets from the real BAN rows shipped in data/ban/.

Each query is built from one real address row, so its expected result id is known. The sets
are read by scripts/compare_addok.py (top-1 / top-K accuracy of our server and of addok); the
whole comparison is driven by scripts/quality/run.sh, and the results are in QUALITY.md.

Output: one TSV per (category, sub-category), OUT/<category>.<sub>.tsv, with a header line and
the columns q (the query), id (the expected id; several acceptable ids are '|'-separated) and
info (free text: the original street name, the typo made, ...). Tabs never occur in the data.

Categories (the first 8 draw --n rows per department; a row gives one query per sub-category):
  a_clean              "12 Rue de Rivoli 75004 Paris": number, street, postcode, city as in the BAN
  b_lower_noaccent     a_clean lower-cased, accents removed
  c_number_end         "Rue de Rivoli 12 Paris": number after the street, no postcode
  d_abbrev             a_clean with street words abbreviated (Boulevard->bd, Saint->st, ...)
  e_typo               a_clean with one typo (delete / double / swap a letter) in the longest
                       word of the street name
  f_wrong_cp           a_clean with another postcode of the same department
  g_prefix60           the first 60% of the characters of a_clean (for autocomplete=1)
  h_street             "Rue de Rivoli Paris": street and city; expected: the street
  i_municipality       every municipality name once; expected: the municipality (INSEE code)
  i_municipality_lower the same, lower-cased without accents (Hautes-Alpes only)
  j_suffix             a_clean on rows whose number has a suffix (bis, ter, a, b, ...)
  k_suffix_e_digit     a_clean on every row whose suffix is "e" or digits (e.g. "57e", "3152")
  l_suffix_apart       j_suffix with a space between the number and its suffix, as the BAN's
                       numero and rep columns give them ("38 ba Rue Paul Valéry 75016 Paris")
  m_municipality_head  a commune of several words called by its head, lower-cased without
                       accents: the words up to its first that is not an article or Saint
                       ("laragne" for Laragne-Montéglin, "saint bonnet" for Saint-Bonnet-en-
                       Champsaur); expected: any commune whose name has that head, articles
                       aside ("monetier": Monêtier-Allemont or Le Monêtier-les-Bains)
  n_postcode           a postcode alone; expected: any commune of that postcode (in the BAN
                       rows or in data/ref/communes.json.gz)
  o_former_commune     number, street and the former commune the row lies in, instead of the
                       commune it merged into ("3 route de la cluse agnieres-en-devoluy" for
                       Dévoluy), lower-cased without accents, no postcode (Hautes-Alpes only)
  p_no_street_type     number, street without its type word (Rue, Avenue, Chemin, ...) and
                       city, lower-cased without accents ("14 de l'odeon paris"); the street
                       type is then a guess, so several streets may fit (Rue Cels, Impasse Cels)
  q_city_typo          number, street and the commune with one typo in its longest word
                       (Hautes-Alpes only)
  r_departement        each Hautes-Alpes commune followed by its département's number, as
                       "Name 05" and "name (05)"; expected: the commune
  s_typo_kinds         number, street and city (no postcode), lower-cased without accents,
                       with one typo of any kind (a letter dropped, doubled, added, replaced
                       by a neighbour on an AZERTY keyboard, or two swapped) in any word of
                       three letters or more, street or city, the last word included
  t_written_noise      a full address as forms and spreadsheets write it, one way per row:
                       ", France" after it, fields joined by commas, capitals, a flat or
                       staircase, a postal box and Cedex, postcode and city first, mojibake
                       (UTF-8 read as Windows-1252: "Ã©" for "é"), or "Hautes-Alpes" after it
  u_number_lacking     a street asked with the first number it lacks (from 1 up), with its
                       postcode and city, or lower-cased with its city; expected: the street
                       (any of its parts, for a Paris street over several arrondissements)
Sub-categories: d05 = Hautes-Alpes rows; paris = Paris rows with the city written "Paris";
arr = the same Paris rows with the city written as in the BAN ("Paris 11e Arrondissement").
Identical queries within a file are written once.

    python3 scripts/quality/gen_queries.py                      # from the repository root
    python3 scripts/quality/gen_queries.py --data data/ban --out target/quality/queries \\
        --n 500 --seed 42

Standard library only; the same seed and data give the same files.
"""
import argparse
import collections
import csv
import gzip
import json
import os
import random
import re
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = {"05": "adresses-05.csv.gz", "75": "adresses-75.csv.gz"}

ABBR = [("Boulevard", "bd"), ("Avenue", "av"), ("Rue", "r"), ("Saint", "st"),
        ("Place", "pl"), ("Chemin", "ch"), ("Impasse", "imp"), ("Route", "rte"),
        ("Allée", "all")]
ABBR_RE = [(re.compile(r"(?<![\w])" + w + r"(?![\w])"), a) for w, a in ABBR]
# Street types that people leave out ("12 oberkampf paris"), for p_no_street_type.
STREET_TYPES = {"rue", "avenue", "boulevard", "chemin", "route", "place", "impasse", "allée",
                "quai", "montée", "traverse", "passage", "square"}


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def street_id(row_id):
    """BAN housenumber id 75104_2054_00003 -> street id 75104_2054."""
    return "_".join(row_id.split("_")[:2])


def number(r):
    return r["numero"] + r["rep"]  # as in the BAN label: "22s", "5bis"


def city(r, sub):
    return "Paris" if sub == "paris" else r["nom_commune"]


def full(r, sub, voie=None, cp=None):
    return f"{number(r)} {voie or r['nom_voie']} {cp or r['code_postal']} {city(r, sub)}"


def abbreviate(voie):
    out = voie
    for rx, a in ABBR_RE:
        out = rx.sub(a, out)
    return out


def typo(voie, rng):
    """One typo in the longest word of voie. Returns (new voie, description) or (None, "")."""
    words = re.findall(r"[^\W\d_]+", voie)
    if not words:
        return None, ""
    w = max(words, key=len)
    kinds = ["delete", "double", "swap"]
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "delete" and len(w) >= 2:
            i = rng.randrange(len(w))
            nw = w[:i] + w[i + 1:]
        elif kind == "double":
            i = rng.randrange(len(w))
            nw = w[:i + 1] + w[i] + w[i + 1:]
        elif kind == "swap" and len(w) >= 2:
            cands = [i for i in range(len(w) - 1) if w[i].lower() != w[i + 1].lower()]
            if not cands:
                continue
            i = rng.choice(cands)
            nw = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        else:
            continue
        new_voie = re.sub(r"(?<![\w])" + re.escape(w) + r"(?![\w])", nw, voie, count=1)
        return new_voie, f"{kind}:{w}->{nw}:len{len(w)}"
    return None, ""


# Neighbouring keys on a French AZERTY keyboard, for typos that replace a letter.
AZERTY_ROWS = ["azertyuiop", "qsdfghjklm", "wxcvbn"]


def azerty_neighbours(ch):
    for r, row in enumerate(AZERTY_ROWS):
        i = row.find(ch)
        if i < 0:
            continue
        near = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
        for other in (r - 1, r + 1):
            if 0 <= other < len(AZERTY_ROWS) and i < len(AZERTY_ROWS[other]):
                near.append(AZERTY_ROWS[other][i])
        return near
    return []


def any_typo(text, rng):
    """One typo of any kind in one word (3 letters or more) of a lower-case ASCII text.
    Returns (new text, description) or (None, "")."""
    words = [m for m in re.finditer(r"[a-z]{3,}", text)]
    if not words:
        return None, ""
    m = rng.choice(words)
    w = m.group()
    kind = rng.choice(["delete", "double", "insert", "replace", "swap"])
    i = rng.randrange(len(w))
    if kind == "delete":
        nw = w[:i] + w[i + 1:]
    elif kind == "double":
        nw = w[:i + 1] + w[i] + w[i + 1:]
    elif kind == "insert":
        nw = w[:i] + rng.choice(azerty_neighbours(w[i]) or ["e"]) + w[i:]
    elif kind == "replace":
        near = azerty_neighbours(w[i])
        if not near:
            return None, ""
        nw = w[:i] + rng.choice(near) + w[i + 1:]
    else:
        cands = [j for j in range(len(w) - 1) if w[j] != w[j + 1]]
        if not cands:
            return None, ""
        j = rng.choice(cands)
        nw = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return text[:m.start()] + nw + text[m.end():], f"{kind}:{w}->{nw}"


def load_rows(data_dir):
    rows = {}
    for dep, name in FILES.items():
        path = os.path.join(data_dir, name)
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            rows[dep] = list(csv.DictReader(fh, delimiter=";"))
    return rows


def generate(rows, n, seed, data_dir):
    """Returns {(category, sub): [(q, expected_id, info), ...]}."""
    # acceptable street ids for (nom_voie, city): a Paris street spans arrondissements
    street_ids = collections.defaultdict(set)
    postcodes = collections.defaultdict(set)
    for dep, rs in rows.items():
        for r in rs:
            sid = street_id(r["id"])
            street_ids[(r["nom_voie"], r["code_insee"])].add(sid)
            if dep == "75":
                street_ids[(r["nom_voie"], "Paris")].add(sid)
            postcodes[dep].add(r["code_postal"])
    postcodes = {k: sorted(v) for k, v in postcodes.items()}

    rng = random.Random(seed)
    out = collections.defaultdict(list)

    def sample(dep, pred=None):
        pool = rows[dep] if pred is None else [r for r in rows[dep] if pred(r)]
        return rng.sample(pool, min(n, len(pool)))

    def subs(dep):
        return ["d05"] if dep == "05" else ["paris", "arr"]

    for dep in ("05", "75"):
        for r in sample(dep):  # a, b, g share their rows
            for sub in subs(dep):
                q = full(r, sub)
                out[("a_clean", sub)].append((q, r["id"], ""))
                out[("b_lower_noaccent", sub)].append((strip_accents(q).lower(), r["id"], ""))
                pre = q[: max(1, round(len(q) * 0.6))].rstrip()
                out[("g_prefix60", sub)].append((pre, r["id"], q))
        for r in sample(dep):
            for sub in subs(dep):
                q = f"{r['nom_voie']} {number(r)} {city(r, sub)}"
                out[("c_number_end", sub)].append((q, r["id"], ""))
        for r in sample(dep, lambda r: abbreviate(r["nom_voie"]) != r["nom_voie"]):
            v = abbreviate(r["nom_voie"])
            for sub in subs(dep):
                out[("d_abbrev", sub)].append((full(r, sub, voie=v), r["id"], r["nom_voie"]))
        for r in sample(dep):
            v, info = typo(r["nom_voie"], rng)
            if v is None:
                continue
            for sub in subs(dep):
                out[("e_typo", sub)].append((full(r, sub, voie=v), r["id"], info))
        for r in sample(dep):
            cp = rng.choice([p for p in postcodes[dep] if p != r["code_postal"]])
            for sub in subs(dep):
                out[("f_wrong_cp", sub)].append((full(r, sub, cp=cp), r["id"], r["code_postal"]))
        for r in sample(dep):
            for sub in subs(dep):
                key = (r["nom_voie"], "Paris" if sub == "paris" else r["code_insee"])
                q = f"{r['nom_voie']} {city(r, sub)}"
                out[("h_street", sub)].append(
                    (q, "|".join(sorted(street_ids[key])), street_id(r["id"])))
        communes = sorted({(r["nom_commune"], r["code_insee"]) for r in rows[dep]})
        for name, insee in communes:
            out[("i_municipality", "d05" if dep == "05" else "arr")].append((name, insee, ""))
            if dep == "05":
                out[("i_municipality_lower", "d05")].append(
                    (strip_accents(name).lower(), insee, ""))
        if dep == "75":
            out[("i_municipality", "paris")].append(("Paris", "75056", ""))

    # added after the loop above so that a..i stay the same for a given seed
    for dep in ("05", "75"):
        for r in sample(dep, lambda r: r["rep"] != ""):
            for sub in subs(dep):
                out[("j_suffix", sub)].append((full(r, sub), r["id"], "rep=" + r["rep"]))
        for r in rows[dep]:
            if r["rep"] == "e" or r["rep"].isdigit():
                for sub in subs(dep):
                    out[("k_suffix_e_digit", sub)].append((full(r, sub), r["id"], "rep=" + r["rep"]))
    # after j and k, for the same reason
    for dep in ("05", "75"):
        for r in sample(dep, lambda r: r["rep"] != ""):
            for sub in subs(dep):
                q = f"{r['numero']} {r['rep']} {r['nom_voie']} {r['code_postal']} {city(r, sub)}"
                out[("l_suffix_apart", sub)].append((q, r["id"], "rep=" + r["rep"]))
    # after l, for the same reason
    articles = {"le", "la", "les", "l"}
    lead_words = articles | {"saint", "sainte"}
    heads = {}  # head as asked -> the same without its articles
    communes_of_head = collections.defaultdict(set)
    for name, insee in sorted({(r["nom_commune"], r["code_insee"]) for r in rows["05"]}):
        words = re.split(r"[\s'\-]+", strip_accents(name).lower())
        first = next((i for i, w in enumerate(words) if w not in lead_words), None)
        if first is not None and first + 1 < len(words):
            key = " ".join(w for w in words[: first + 1] if w not in articles)
            heads[" ".join(words[: first + 1])] = key
            communes_of_head[key].add(insee)
    for head, key in sorted(heads.items()):
        out[("m_municipality_head", "d05")].append(
            (head, "|".join(sorted(communes_of_head[key])), ""))
    # a commune's postcodes without addresses count too (Vallouise-Pelvoux's 05290)
    listed = collections.defaultdict(set)
    with gzip.open(os.path.join(os.path.dirname(os.path.normpath(data_dir)), "ref",
                                "communes.json.gz"), "rt",
                   encoding="utf-8") as fh:
        for commune in json.load(fh):
            for cp in commune.get("codesPostaux", []):
                listed[cp].add(commune["code"])
    for dep in ("05", "75"):
        communes_of = collections.defaultdict(set)
        for r in rows[dep]:
            communes_of[r["code_postal"]].add(r["code_insee"])
            communes_of[r["code_postal"]].update(listed[r["code_postal"]])
        for cp, insees in sorted(communes_of.items()):
            sub = "d05" if dep == "05" else "paris"
            out[("n_postcode", sub)].append((cp, "|".join(sorted(insees)), ""))
    # after n, for the same reason
    former = [r for r in rows["05"]
              if r["nom_ancienne_commune"] and r["nom_ancienne_commune"] != r["nom_commune"]]
    for r in rng.sample(former, min(n, len(former))):
        q = strip_accents(f"{number(r)} {r['nom_voie']} {r['nom_ancienne_commune']}").lower()
        out[("o_former_commune", "d05")].append((q, r["id"], r["nom_commune"]))
    for dep in ("05", "75"):
        typed = [r for r in rows[dep]
                 if len(r["nom_voie"].split(" ")) > 1
                 and r["nom_voie"].split(" ")[0].lower() in STREET_TYPES]
        for r in rng.sample(typed, min(n, len(typed))):
            sub = "d05" if dep == "05" else "paris"
            rest = r["nom_voie"].split(" ", 1)[1]
            q = strip_accents(f"{number(r)} {rest} {city(r, sub)}").lower()
            out[("p_no_street_type", sub)].append((q, r["id"], r["nom_voie"]))
    for r in rng.sample(rows["05"], n):
        c, info = typo(r["nom_commune"], rng)
        if c is not None:
            q = f"{number(r)} {r['nom_voie']} {c}"
            out[("q_city_typo", "d05")].append((q, r["id"], info))
    for name, insee in sorted({(r["nom_commune"], r["code_insee"]) for r in rows["05"]}):
        out[("r_departement", "d05")].append((f"{name} 05", insee, ""))
        out[("r_departement", "d05")].append((f"{strip_accents(name).lower()} (05)", insee, ""))
    # after r, for the same reason
    for dep in ("05", "75"):
        sub = "d05" if dep == "05" else "paris"
        for r in rng.sample(rows[dep], n):
            clean = strip_accents(f"{number(r)} {r['nom_voie']} {city(r, sub)}").lower()
            q, info = any_typo(clean, rng)
            if q is not None:
                out[("s_typo_kinds", sub)].append((q, r["id"], info))
    # after s, for the same reason
    for dep in ("05", "75"):
        sub = "d05" if dep == "05" else "paris"
        for r in rng.sample(rows[dep], n):
            q, kind = written_noise(r, sub, rng)
            out[("t_written_noise", sub)].append((q, r["id"], kind))
    # after t, for the same reason
    for dep in ("05", "75"):
        sub = "d05" if dep == "05" else "paris"
        # a Paris street's parts in several arrondissements share the code after the '_'
        held = collections.defaultdict(set)
        ids = collections.defaultdict(set)
        first_row = {}
        for r in rows[dep]:
            key = street_id(r["id"]).split("_")[1] if dep == "75" else street_id(r["id"])
            held[key].add(r["numero"])
            ids[key].add(street_id(r["id"]))
            first_row.setdefault(key, r)
        keys = sorted(k for k in held
                      if not first_row[k]["nom_voie"][:1].isdigit()
                      and not held[k] & {"0", "99999"})
        for k in rng.sample(keys, min(n, len(keys))):
            r = first_row[k]
            lacking = next(i for i in range(1, 100000) if str(i) not in held[k])
            if rng.random() < 0.5:
                q = f"{lacking} {r['nom_voie']} {r['code_postal']} {city(r, sub)}"
            else:
                q = f"{lacking} {r['nom_voie']} {city(r, sub)}".lower()
            out[("u_number_lacking", sub)].append((q, "|".join(sorted(ids[k])), r["nom_voie"]))
    return out


def mojibake(text):
    """text as it reads when its UTF-8 bytes are taken for Windows-1252 (Latin-1 where 1252
    has no character), as a spreadsheet opened with the wrong encoding shows it."""
    out = []
    for b in text.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(bytes([b]).decode("latin-1"))
    return "".join(out)


def written_noise(r, sub, rng):
    """One of the ways forms and spreadsheets write a full address: the country after it,
    fields joined by commas, capitals, mojibake, the département's name, a flat or a postal
    box around it, or the postcode and city first. Returns (query, kind)."""
    num, voie, cp, town = number(r), r["nom_voie"], r["code_postal"], city(r, sub)
    clean = full(r, sub)
    kinds = ["country", "commas", "capitals", "unit", "cedex", "town_first"]
    if clean != strip_accents(clean):
        kinds.append("mojibake")
    if sub == "d05":
        kinds.append("departement")
    kind = rng.choice(kinds)
    if kind == "country":
        return rng.choice([f"{clean}, France", f"{clean} FRANCE", f"{clean} France"]), kind
    if kind == "commas":
        return f"{num}, {voie}, {cp}, {town}", kind
    if kind == "capitals":
        return clean.upper(), kind
    if kind == "unit":
        unit = rng.choice([f"Appt {rng.randint(1, 40)}", f"Bât {rng.choice('ABCD')}",
                           f"Escalier {rng.randint(1, 4)}", f"Apt {rng.randint(1, 40)}",
                           f"Etage {rng.randint(1, 9)}"])
        if rng.random() < 0.5:
            return f"{unit}, {clean}", kind
        return f"{num} {voie} {unit} {cp} {town}", kind
    if kind == "cedex":
        box = rng.choice([f"BP {rng.randint(1, 400)}", f"CS {rng.randint(10001, 90999)}", ""])
        cedex = rng.choice(["Cedex", "CEDEX", f"Cedex {rng.randint(1, 20)}"])
        return " ".join(w for w in [num, voie, box, cp, town, cedex] if w), kind
    if kind == "town_first":
        return f"{cp} {town}, {num} {voie}", kind
    if kind == "mojibake":
        return mojibake(clean), kind
    return rng.choice([f"{clean} Hautes-Alpes", f"{clean}, Hautes Alpes"]), kind


def write(out, out_dir, max_per_file):
    os.makedirs(out_dir, exist_ok=True)
    for (cat, sub), items in sorted(out.items()):
        seen = set()
        path = os.path.join(out_dir, f"{cat}.{sub}.tsv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE,
                           escapechar="\\")
            w.writerow(["q", "id", "info"])
            for q, i, info in items:
                if q in seen or len(seen) >= max_per_file:
                    continue
                seen.add(q)
                w.writerow([q, i, info])
        print(f"{path}: {len(seen)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(REPO, "data", "ban"),
                    help="folder holding adresses-05.csv.gz and adresses-75.csv.gz "
                         "(default: data/ban of the repository)")
    ap.add_argument("--out", default=os.path.join(REPO, "target", "quality", "queries"),
                    help="output folder (default: target/quality/queries of the repository)")
    ap.add_argument("--n", type=int, default=500,
                    help="rows drawn per department and category (default 500)")
    ap.add_argument("--max", type=int, default=500,
                    help="at most this many queries per file (default 500)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = ap.parse_args()
    write(generate(load_rows(args.data), args.n, args.seed, args.data), args.out, args.max)


if __name__ == "__main__":
    main()
