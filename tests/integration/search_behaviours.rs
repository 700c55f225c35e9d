//! The ways people write an address that the search must understand (issue 3), each checked on
//! the real data: words split or glued, ordinals in words, every spelling of a suffix, leading
//! zeros, numbers missing from a street, wrong postcodes, postal noise, the keystrokes of
//! autocomplete, and the score scale. Expected answers are BAN ids of real rows, found in the
//! data where the test can derive them.

use crate::common;

use std::collections::BTreeMap;

use adresse::ingest::ban_csv::BanRow;
use adresse::text::number_words::french_cardinal;
use common::{city, enc, full_address, get, props, sample_rows};

/// The results of `/search/` for `q` (autocomplete off unless `params` says otherwise).
async fn search(q: &str, params: &str) -> Vec<serde_json::Value> {
    let (status, body) = get(&format!("/search/?q={}&{params}", enc(q))).await;
    assert_eq!(status, 200, "{q}");
    props(&body).into_iter().cloned().collect()
}

async fn first(q: &str) -> serde_json::Value {
    search(q, "autocomplete=0")
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{q}: no result"))
}

#[tokio::test]
async fn words_split_or_glued_differently_find_the_name() {
    for (q, id) in [
        // "Le Sueur" typed in one word; "Avenue Daniel Lesueur" is another street.
        ("rue lesueur paris", "75116_5622"),
        // "Le Comte" glued; "Rue Lecomte" (17e) exists, but "Michel" and the postcode fit.
        ("12 rue michel lecomte 75003 paris", "75103_6336_00012"),
        // "Latour" typed in two words.
        ("rue fantin la tour paris", "75116_3504"),
        // Both spellings exist, in two communes: the city decides.
        (
            "84 chemin de combebelle saint-sauveur",
            "05156_0bs8lm_00084",
        ),
        (
            "12 chemin de combe belle saint-leger-les-melezes",
            "05149_0450_00012",
        ),
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], id, "{q}: got {}", p["label"]);
        assert!(p["score"].as_f64().unwrap() > 0.8, "{q}: {}", p["score"]);
    }
    // Names written as typed keep their exact match first.
    assert_eq!(first("rue lecomte paris").await["id"], "75117_5449");
    assert_eq!(first("rue le sueur paris").await["id"], "75116_5622");
}

#[tokio::test]
async fn ordinals_in_words_figures_or_roman_numerals_are_one_word() {
    for (queries, name) in [
        (
            &[
                "avenue hussein premier de jordanie paris",
                "av hussein 1er de jordanie paris",
            ][..],
            "Avenue Hussein 1er de Jordanie",
        ),
        (
            &[
                "allee de la deuxieme db paris",
                "allée de la 2e D.B. paris",
                "allee de la 2eme db paris",
            ][..],
            "Allée de la Deuxième D.B.",
        ),
        (
            &["avenue leopold ii paris", "avenue léopold deuxième paris"][..],
            "Avenue Léopold II",
        ),
    ] {
        for q in queries {
            let p = first(q).await;
            assert_eq!(p["name"], name, "{q}: got {}", p["label"]);
            assert_eq!(p["type"], "street", "{q}");
        }
    }
}

/// Real rows with the suffix `rep`, the first of each file that has one.
fn rows_with_suffix(rep: &str) -> Vec<BanRow> {
    ["adresses-75.csv.gz", "adresses-05.csv.gz"]
        .into_iter()
        .filter_map(|file| {
            sample_rows(file, 1)
                .into_iter()
                .find(|r| r.rep == rep && r.numero > 1)
        })
        .collect()
}

#[tokio::test]
async fn ter_and_quater_in_every_spelling_find_the_same_housenumber() {
    for (rep, spellings) in [
        ("ter", &["ter", " ter", " t", "t", " TER"][..]),
        ("t", &["t", " t", " ter", "ter", " T"][..]),
        ("quater", &["quater", " quater", " q", "q"][..]),
        ("q", &["q", " q", " quater", "quater", " Q"][..]),
    ] {
        let rows = rows_with_suffix(rep);
        assert!(!rows.is_empty(), "no row with suffix {rep}");
        for row in rows {
            for spelling in spellings {
                let q = format!(
                    "{}{spelling} {} {} {}",
                    row.numero,
                    row.nom_voie,
                    row.code_postal,
                    city(&row)
                );
                let p = first(&q).await;
                assert_eq!(p["id"], row.id.as_str(), "{q}: got {}", p["label"]);
            }
        }
    }
}

#[tokio::test]
async fn bis_and_b_at_the_same_number_are_told_apart() {
    // Streets of Hautes-Alpes with both "18b" and "18bis" (two addresses).
    let mut by_number: BTreeMap<(String, u32), Vec<BanRow>> = BTreeMap::new();
    for row in sample_rows("adresses-05.csv.gz", 1) {
        if row.rep == "b" || row.rep == "bis" {
            by_number
                .entry((row.voie_id(), row.numero))
                .or_default()
                .push(row);
        }
    }
    let pairs: Vec<&Vec<BanRow>> = by_number.values().filter(|rows| rows.len() == 2).collect();
    assert!(!pairs.is_empty(), "no street holds both b and bis");
    for rows in pairs {
        for row in rows {
            let q = format!(
                "{}{} {} {} {}",
                row.numero, row.rep, row.nom_voie, row.code_postal, row.nom_commune
            );
            let p = first(&q).await;
            assert_eq!(p["id"], row.id.as_str(), "{q}: got {}", p["label"]);
        }
    }
}

#[tokio::test]
async fn unusual_suffixes_are_found() {
    // Suffixes of letters and digits, of two words, or whose first character is a digit.
    let mut rows = Vec::new();
    for row in sample_rows("adresses-05.csv.gz", 1) {
        let unusual = row.rep.len() >= 2
            && row.rep.bytes().any(|b| b.is_ascii_digit())
            && !row.rep.bytes().all(|b| b.is_ascii_digit());
        if unusual && rows.len() < 40 {
            rows.push(row);
        }
    }
    assert!(rows.len() >= 20, "only {} rows", rows.len());
    let mut misses = Vec::new();
    for row in &rows {
        let q = format!(
            "{}{} {} {} {}",
            row.numero, row.rep, row.nom_voie, row.code_postal, row.nom_commune
        );
        let p = first(&q).await;
        if p["id"] != row.id.as_str() {
            misses.push(format!("{q} → {}", p["label"]));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

#[tokio::test]
async fn suffixes_written_apart_as_in_bans_columns_are_found() {
    // "38 ba Rue Paul Valéry", "1 z2 1Z2 Rue Ada Lovelace", "653 d Route de La Selle": the
    // number and its suffix as BAN's `numero` and `rep` columns hold them, a space between.
    // Up to 4 rows of each such suffix in each file: several letters, letters and digits,
    // digits and letters, and the letters also read otherwise ("d", "l": an elided "de", "le";
    // "r": "rue").
    let mut rows = Vec::new();
    for file in ["adresses-75.csv.gz", "adresses-05.csv.gz"] {
        let mut per_suffix: BTreeMap<String, usize> = BTreeMap::new();
        for row in sample_rows(file, 1) {
            let letters = row.rep.bytes().take_while(u8::is_ascii_lowercase).count();
            let digits_first = row.rep.starts_with(|c: char| c.is_ascii_digit())
                && row.rep.bytes().any(|b| b.is_ascii_lowercase());
            let shaped = (2..=3).contains(&row.rep.len()) && (letters >= 1 || digits_first);
            let read_otherwise = matches!(row.rep.as_str(), "d" | "l" | "r");
            let taken = per_suffix.entry(row.rep.clone()).or_default();
            if (read_otherwise || shaped) && row.rep != "bis" && row.rep != "ter" && *taken < 4 {
                *taken += 1;
                rows.push(row);
            }
        }
    }
    assert!(rows.len() >= 100, "only {} rows", rows.len());
    let mut misses = Vec::new();
    for row in &rows {
        let q = format!(
            "{} {} {} {} {}",
            row.numero,
            row.rep,
            row.nom_voie,
            row.code_postal,
            city(row)
        );
        let p = first(&q).await;
        if p["id"] != row.id.as_str() {
            misses.push(format!("{q} → {} ({})", p["label"], p["id"]));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {}:\n{}",
        misses.len(),
        rows.len(),
        misses.join("\n")
    );
}

#[tokio::test]
async fn leading_zeros_are_ignored() {
    for (q, id) in [
        ("008 rue de rivoli 75004 paris", "75104_8249_00008"),
        ("0033 Rue Pérolière 05000 Gap", "05061_1620_00033"),
        ("Rue Pérolière 033 Gap", "05061_1620_00033"),
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], id, "{q}: got {}", p["label"]);
    }
}

/// The largest number of every street of a file, by street id, with a row of that street.
fn streets_with_last_number(file: &str) -> BTreeMap<String, (u32, BanRow)> {
    let mut streets: BTreeMap<String, (u32, BanRow)> = BTreeMap::new();
    for row in sample_rows(file, 1) {
        let entry = streets
            .entry(row.voie_id())
            .or_insert((row.numero, row.clone()));
        entry.0 = entry.0.max(row.numero);
    }
    streets
}

#[tokio::test]
async fn a_number_missing_from_a_street_gives_that_street_never_another_ones_number() {
    let mut checked = 0;
    for file in ["adresses-75.csv.gz", "adresses-05.csv.gz"] {
        for (street_id, (last, row)) in streets_with_last_number(file).iter().step_by(300) {
            if row.numero == 0 || row.numero == 99_999 || row.nom_voie.starts_with(char::is_numeric)
            {
                continue;
            }
            let missing = last + 1000;
            let q = format!(
                "{missing} {} {} {}",
                row.nom_voie,
                row.code_postal,
                city(row)
            );
            let exact = full_address(row);
            let p = first(&q).await;
            assert_eq!(p["type"], "street", "{q}: got {}", p["label"]);
            let id = p["id"].as_str().unwrap();
            let voie = street_id.split_once('_').unwrap().1;
            assert!(id.ends_with(voie), "{q}: got {} ({id})", p["label"]);
            let exact_score = first(&exact).await["score"].as_f64().unwrap();
            assert!(p["score"].as_f64().unwrap() < exact_score, "{q}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "{checked}");
}

/// A number that a street lacks, among the numbers it has (a new building, a number mistyped),
/// still asks for that street: not for the same number on a street of a nearby name ("21
/// impasse des orteaux paris" is not "21 Rue des Orteaux"; "10 avenue d'embrun 05000" is not
/// "10 Avenue des Acacias, Embrun"). Every 15th street of both files, asked with the first
/// number it lacks, alternately with its postcode and city or with its city in lower case.
/// Measured: 989 of 1,001 first, against 889 when a lacking number counted twice against the
/// street like a word found nowhere. The misses are names that another street's name starts
/// with ("1 rue albert paris": 1 Rue Albert Roussel) or hamlets of Gap named like a street.
#[tokio::test]
async fn a_number_a_street_lacks_still_asks_for_that_street() {
    let (mut checked, mut right) = (0, 0);
    let mut misses = Vec::new();
    for file in ["adresses-75.csv.gz", "adresses-05.csv.gz"] {
        // A Paris street's numbers are those of all its arrondissements ("1 boulevard haussmann
        // paris" is in the 9e, not in the 8e's part): its parts share the code after the '_'.
        let street_of = |row: &BanRow| {
            let id = row.voie_id();
            match id.split_once('_') {
                Some((_, voie)) if row.code_insee.starts_with("75") => voie.to_string(),
                _ => id,
            }
        };
        let mut numbers: BTreeMap<String, (Vec<u32>, BanRow)> = BTreeMap::new();
        for row in sample_rows(file, 1) {
            let entry = numbers
                .entry(street_of(&row))
                .or_insert((Vec::new(), row.clone()));
            entry.0.push(row.numero);
        }
        for (street, (held, row)) in numbers.iter().step_by(15) {
            if held.contains(&0)
                || held.contains(&99_999)
                || row.nom_voie.starts_with(char::is_numeric)
            {
                continue;
            }
            let Some(lacking) = (1..).find(|n| !held.contains(n)) else {
                continue;
            };
            let q = if checked % 2 == 0 {
                format!(
                    "{lacking} {} {} {}",
                    row.nom_voie,
                    row.code_postal,
                    city(row)
                )
            } else {
                format!("{lacking} {} {}", row.nom_voie, city(row)).to_lowercase()
            };
            let p = first(&q).await;
            let voie = street.rsplit('_').next().unwrap_or(street);
            let id = p["id"].as_str().unwrap_or_default();
            if p["type"] == "street" && id.ends_with(voie) {
                right += 1;
            } else {
                misses.push(format!("{q}: got {}", p["label"]));
            }
            checked += 1;
        }
    }
    assert!(checked >= 800, "{checked} streets");
    assert!(
        right * 100 >= checked * 98,
        "{right} of {checked} first; misses: {misses:#?}"
    );
}

#[tokio::test]
async fn a_wrong_postcode_with_the_right_city_still_finds_the_address() {
    for (q, id) in [
        // 42 Rue Cambon is in 75001; 75006 has a "42 Rue Madame".
        ("42 Rue Cambon 75006 Paris", "75101_1449_00042"),
        ("33 Rue Pérolière 05100 Gap", "05061_1620_00033"),
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], id, "{q}: got {}", p["label"]);
    }
}

/// A postcode of the right département but of another commune ("05000", Gap's, for a street of
/// Embrun) still says where the street is: a street of that name in Paris must not come first.
/// One address of every Hautes-Alpes street whose name is found in one commune of the
/// département, not Gap, and in Paris.
#[tokio::test]
async fn a_postcode_of_another_commune_of_the_departement_still_says_where() {
    let key = |row: &BanRow| adresse::text::normalize(&row.nom_voie);
    let in_paris: std::collections::HashSet<String> = sample_rows("adresses-75.csv.gz", 1)
        .iter()
        .map(key)
        .collect();
    let mut communes_of: BTreeMap<String, (std::collections::BTreeSet<String>, BanRow)> =
        BTreeMap::new();
    for row in sample_rows("adresses-05.csv.gz", 1) {
        if row.numero == 0 || row.numero == 99_999 || !in_paris.contains(&key(&row)) {
            continue;
        }
        let entry = communes_of
            .entry(key(&row))
            .or_insert_with(|| (Default::default(), row.clone()));
        entry.0.insert(row.code_insee.clone());
    }
    let mut checked = 0;
    for (communes, row) in communes_of.values() {
        if communes.len() != 1 || row.code_postal == "05000" {
            continue;
        }
        let q = format!("{}{} {} 05000", row.numero, row.rep, row.nom_voie);
        let p = first(&q).await;
        assert_eq!(
            p["citycode"],
            row.code_insee.as_str(),
            "{q}: got {}",
            p["label"]
        );
        checked += 1;
    }
    println!("{checked} streets");
    assert!(checked >= 20, "{checked} streets");
}

/// A street called by the wrong kind of way in its commune ("impasse des lilas gap" for Rue
/// des Lilas, Gap) is found there, not as that kind of way in another commune: a kind of way
/// is easily got wrong. Every Hautes-Alpes street whose name, less its kind,
/// is the name of a street of another kind elsewhere (Paris or Hautes-Alpes), its commune
/// having it under one kind only; the query takes the other kind. Some names are near names of
/// the commune's other streets ("chemin de charance": Chemin du Clos de Charance), so a few in
/// a hundred may answer those (9 of 408 sampled cases on 2026-12-01, QUALITY.md).
#[tokio::test]
async fn a_street_called_by_the_wrong_kind_of_way_is_found_in_its_commune() {
    let words = |row: &BanRow| adresse::text::tokens(&row.nom_voie);
    // The name less its kind → (kind, citycode) → a row of that street.
    let mut streets: BTreeMap<String, BTreeMap<(String, String), BanRow>> = BTreeMap::new();
    for file in ["adresses-05.csv.gz", "adresses-75.csv.gz"] {
        for row in sample_rows(file, 1) {
            let words = words(&row);
            if row.numero == 0 || row.numero == 99_999 || !row.rep.is_empty() || words.len() < 2 {
                continue;
            }
            if !adresse::text::is_way_kind(&words[0]) {
                continue;
            }
            streets
                .entry(words[1..].join(" "))
                .or_default()
                .entry((words[0].clone(), row.code_insee.clone()))
                .or_insert(row);
        }
    }
    let mut queries = Vec::new();
    for named in streets.values() {
        for ((kind, citycode), row) in named {
            let kinds_here = named.keys().filter(|(_, c)| c == citycode).count();
            let other = named.keys().map(|(k, _)| k).find(|k| *k != kind);
            if let Some(other) = other.filter(|_| kinds_here == 1 && !citycode.starts_with("75")) {
                let rest = words(row)[1..].join(" ");
                let q = format!("{} {other} {rest} {}", row.numero, row.nom_commune);
                queries.push((q, row));
            }
        }
    }
    // Every third: the debug build of CI answers a thousand in a minute.
    let (mut checked, mut first_found) = (0, 0);
    for (q, row) in queries.iter().step_by(3) {
        let results = search(q, "autocomplete=0").await;
        let ids: Vec<&str> = results.iter().filter_map(|p| p["id"].as_str()).collect();
        assert!(ids.contains(&row.id.as_str()), "{q}: not among {ids:?}");
        first_found += usize::from(ids[0] == row.id);
        checked += 1;
    }
    println!("{first_found} of {checked} first");
    assert!(checked >= 300, "{checked} streets");
    assert!(
        first_found * 100 >= checked * 97,
        "{first_found} of {checked} first"
    );
}

/// "Gare de Gap" is a station's street in Gap, not Route de Gap in La Bâtie-Montsaléon, one of
/// whose fourteen numbers is in a lieu-dit called La Gare.
#[tokio::test]
async fn a_lieu_dit_of_a_few_numbers_says_less_than_the_city() {
    let p = first("gare de gap").await;
    assert_eq!(p["citycode"], "05061", "got {}", p["label"]);
    assert!(
        p["name"].as_str().unwrap().contains("Gare"),
        "got {}",
        p["label"]
    );
}

#[tokio::test]
async fn postal_noise_does_not_break_the_match() {
    for q in [
        "BP 123 8 rue de rivoli 75004 paris cedex 04",
        "Appartement 12, 3e étage, bâtiment B, 8 rue de Rivoli 75004 Paris",
        "8 rue de Rivoli escalier C porte 5 75004 Paris CEDEX",
        "Résidence les Glycines 8 rue de Rivoli 75004 Paris",
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], "75104_8249_00008", "{q}: got {}", p["label"]);
    }
}

/// "Lieu-dit", "lieudit" or "LD" before the name of a lieu-dit, as postal addresses write it:
/// the BAN names it without, and the lieu-dit is found as surely as without the word. The
/// lieux-dits of every 50th Hautes-Alpes address.
#[tokio::test]
async fn the_word_lieu_dit_before_a_name_is_dropped() {
    let mut lieux_dits: BTreeMap<(String, String), BanRow> = BTreeMap::new();
    for row in sample_rows("adresses-05.csv.gz", 50) {
        if !row.nom_ld.is_empty() && row.nom_voie != row.nom_ld {
            lieux_dits.insert((row.code_insee.clone(), row.nom_ld.clone()), row);
        }
    }
    let mut checked = 0;
    for row in lieux_dits.values() {
        let plain = format!("{} {} {}", row.nom_ld, row.code_postal, city(row));
        let expected = first(&plain).await;
        for prefix in ["Lieu-dit", "lieudit", "LD"] {
            let q = format!("{prefix} {plain}");
            let p = first(&q).await;
            assert_eq!(p["id"], expected["id"], "{q}: got {}", p["label"]);
            assert_eq!(p["score"], expected["score"], "{q}");
        }
        checked += 1;
    }
    assert!(checked >= 100, "{checked} lieux-dits");
}

/// A UTF-8 file opened as Windows-1252 and saved again turns "Briançon" into "BrianÃ§on".
/// Such an address must find what the address itself finds, with the same score. Before the
/// repair, 9 of 43 such queries of the quality sets answered another street (QUALITY.md).
#[tokio::test]
async fn an_address_damaged_by_the_wrong_encoding_is_read_as_written() {
    let mut rows = sample_rows("adresses-05.csv.gz", 150);
    rows.extend(sample_rows("adresses-75.csv.gz", 300));
    let mut checked = 0;
    for row in &rows {
        let clean = full_address(row);
        if clean.is_ascii() {
            continue;
        }
        let (damaged, _, _) = encoding_rs::WINDOWS_1252.decode(clean.as_bytes());
        assert_ne!(damaged, clean);
        let expected = first(&clean).await;
        let p = first(&damaged).await;
        assert_eq!(p["id"], row.id, "{damaged}: got {}", p["label"]);
        assert_eq!(p["score"], expected["score"], "{damaged}");
        checked += 1;
    }
    assert!(checked >= 300, "{checked} addresses with accents");
}

#[tokio::test]
async fn addresses_with_paris_arrondissements_in_every_form() {
    for q in [
        "8 rue de rivoli paris 4",
        "8 rue de rivoli paris 4e",
        "8 rue de rivoli 75004",
        "8 rue de rivoli Paris 4e Arrondissement",
        "8 rue de rivoli paris 04",
    ] {
        let p = first(q).await;
        assert_eq!(p["id"], "75104_8249_00008", "{q}: got {}", p["label"]);
    }
    // "04" is "4", not a word the place lacks.
    let padded = first("8 rue de rivoli paris 04").await["score"].as_f64();
    let plain = first("8 rue de rivoli paris 4").await["score"].as_f64();
    assert_eq!(padded, plain);
}

/// Every keystroke of real addresses, autocomplete on: once half of the address is typed, it is
/// among the five suggestions (measured: every keystroke of 64 addresses), and the whole
/// address comes first.
#[tokio::test]
async fn every_keystroke_of_a_real_address_converges_on_it() {
    let mut rows = sample_rows("adresses-75.csv.gz", 5_000);
    rows.extend(sample_rows("adresses-05.csv.gz", 2_500));
    let (mut late, mut late_in_top5) = (0, 0);
    let mut misses = Vec::new();
    for row in &rows {
        let address = full_address(row);
        let chars: Vec<char> = address.chars().collect();
        for typed in 3..=chars.len() {
            if typed * 2 < chars.len() {
                continue;
            }
            let prefix: String = chars[..typed].iter().collect();
            let ids: Vec<String> = search(&prefix, "autocomplete=1&limit=5")
                .await
                .iter()
                .map(|p| p["id"].as_str().unwrap_or_default().to_string())
                .collect();
            late += 1;
            if ids.contains(&row.id) {
                late_in_top5 += 1;
            } else {
                misses.push(format!("{prefix:?} (want {})", row.id));
            }
            if typed == chars.len() {
                assert_eq!(ids.first(), Some(&row.id), "{address}");
            }
        }
    }
    let share = late_in_top5 as f64 / late as f64;
    println!(
        "keystrokes past half of {} addresses: {late_in_top5}/{late} in the top 5",
        rows.len()
    );
    assert!(share >= 0.98, "{share:.3}; misses:\n{}", misses.join("\n"));
}

#[tokio::test]
async fn the_first_keystrokes_suggest_municipalities_and_large_streets() {
    for (typed, name) in [("gap", "Gap"), ("par", "Paris"), ("brian", "Briançon")] {
        let p = search(typed, "autocomplete=1").await[0].clone();
        assert_eq!(p["name"], name, "{typed}: got {}", p["label"]);
        assert_eq!(p["type"], "municipality", "{typed}");
    }
    let p = search("rue de riv", "autocomplete=1").await[0].clone();
    assert_eq!(p["name"], "Rue de Rivoli", "got {}", p["label"]);
}

/// A postcode alone asks for its communes, as addok answers it: every postcode of the data,
/// typed or whole, answers first a municipality that has addresses under that postcode (before
/// the change, "05230" answered "Route des Hameaux du Lac": the communes' documents were never
/// retrieved).
#[tokio::test]
async fn a_postcode_alone_answers_its_communes() {
    let mut communes_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in ["adresses-05.csv.gz", "adresses-75.csv.gz"] {
        for row in sample_rows(file, 1) {
            let communes = communes_of.entry(row.code_postal).or_default();
            if !communes.contains(&row.code_insee) {
                communes.push(row.code_insee);
            }
        }
    }
    // A commune's postcodes without addresses count too (Vallouise-Pelvoux's 05290).
    let reference = common::data_dir().join("ref").join("communes.json.gz");
    let communes: Vec<serde_json::Value> = serde_json::from_reader(flate2::read::GzDecoder::new(
        std::fs::File::open(reference).unwrap(),
    ))
    .unwrap();
    for commune in &communes {
        let code = commune["code"].as_str().unwrap_or_default();
        for postcode in commune["codesPostaux"].as_array().into_iter().flatten() {
            if let Some(listed) = communes_of.get_mut(postcode.as_str().unwrap_or_default()) {
                if !listed.iter().any(|c| c == code) {
                    listed.push(code.to_string());
                }
            }
        }
    }
    assert!(communes_of.len() > 50, "{} postcodes", communes_of.len());
    for (postcode, communes) in &communes_of {
        for autocomplete in ["autocomplete=0", "autocomplete=1"] {
            let p = search(postcode, autocomplete).await[0].clone();
            assert_eq!(p["type"], "municipality", "{postcode}: got {}", p["label"]);
            let citycode = p["citycode"].as_str().unwrap_or_default();
            assert!(
                communes.iter().any(|c| c == citycode),
                "{postcode}: got {}, communes {communes:?}",
                p["label"]
            );
        }
    }
}

/// A commune followed by its département's number, as letters and forms write it ("Gap 05",
/// "Gap (05)", "Paris 75"), is the commune: not the number 5 of a "Route de Gap" elsewhere.
/// Every commune of the two départements, its number taken from its INSEE code.
#[tokio::test]
async fn a_commune_followed_by_its_departement_number_is_the_commune() {
    let mut communes: BTreeMap<String, String> = BTreeMap::new();
    for file in ["adresses-05.csv.gz", "adresses-75.csv.gz"] {
        for row in sample_rows(file, 1) {
            communes.insert(row.code_insee, row.nom_commune);
        }
    }
    // Paris's rows are in its arrondissements; the city itself is asked for too.
    communes.insert("75056".into(), "Paris".into());
    assert!(communes.len() > 150, "{} communes", communes.len());
    for (code, name) in &communes {
        let departement = &code[..2];
        for q in [
            format!("{name} {departement}"),
            format!("{} ({departement})", adresse::text::fold(name)),
        ] {
            let p = first(&q).await;
            assert_eq!(
                (p["type"].as_str(), p["citycode"].as_str()),
                (Some("municipality"), Some(code.as_str())),
                "{q}: got {}",
                p["label"]
            );
        }
    }
}

/// A commune is called by the head of its name ("laragne" for Laragne-Montéglin, "paris 6"):
/// it comes before the streets named after it ("Route de Laragne" in three other communes).
/// Every Hautes-Alpes commune of several words is asked for by its words up to the first that
/// is not an article or "saint", lower-cased without accents. The first answer must be a commune
/// of that head, articles aside ("monetier": Monêtier-Allemont or Le Monêtier-les-Bains), or a
/// place named so and more important (the hamlet Vallouise of Vallouise-Pelvoux); and at least
/// three heads in four must answer a commune.
#[tokio::test]
async fn a_commune_called_by_the_head_of_its_name_comes_before_streets_named_after_it() {
    let articles = ["le", "la", "les", "l"];
    let lead_words = ["le", "la", "les", "l", "saint", "sainte"];
    let without_articles = |words: &[&str]| {
        let kept: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !articles.contains(w))
            .collect();
        kept.join(" ")
    };
    // Heads as asked, and the communes of each head without its articles.
    let mut heads: BTreeMap<String, String> = BTreeMap::new();
    let mut communes_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in sample_rows("adresses-05.csv.gz", 1) {
        let folded = adresse::text::fold(&row.nom_commune);
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let Some(first) = words.iter().position(|w| !lead_words.contains(w)) else {
            continue;
        };
        if first + 1 < words.len() {
            let key = without_articles(&words[..=first]);
            heads.insert(words[..=first].join(" "), key.clone());
            let communes = communes_of.entry(key).or_default();
            if !communes.contains(&row.code_insee) {
                communes.push(row.code_insee);
            }
        }
    }
    assert!(heads.len() > 30, "{} heads", heads.len());
    let mut communes_first = 0;
    for (head, key) in &heads {
        let communes = &communes_of[key];
        let p = first(head).await;
        let citycode = p["citycode"].as_str().unwrap_or_default();
        if p["type"] == "municipality" && communes.iter().any(|c| c == citycode) {
            communes_first += 1;
            continue;
        }
        let name = adresse::text::fold(p["name"].as_str().unwrap_or_default());
        // Spelled as the search reads it ("St Bonnet" is Saint Bonnet).
        let name_words: Vec<&str> = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(adresse::text::canonical)
            .collect();
        assert!(
            without_articles(&name_words) == *key,
            "{head}: got {} ({}), communes {communes:?}",
            p["label"],
            p["type"]
        );
    }
    println!(
        "{communes_first} of {} heads answered a commune first",
        heads.len()
    );
    // The hamlets named so are the exception: most heads answer their commune.
    assert!(
        communes_first * 4 >= heads.len() * 3,
        "{communes_first} of {} heads answered a commune first",
        heads.len()
    );
    for (q, citycode) in [
        ("paris 6", "75106"),
        ("paris 1", "75101"),
        ("laragne", "05070"),
    ] {
        let p = search(q, "autocomplete=1").await[0].clone();
        assert_eq!(p["citycode"], citycode, "{q}: got {}", p["label"]);
        assert_eq!(p["type"], "municipality", "{q}: got {}", p["label"]);
    }
}

/// The days of the month in words, as the other spelling of the dates of street names.
const DAYS_IN_WORDS: [&str; 31] = [
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
    "vingt",
    "vingt et un",
    "vingt-deux",
    "vingt-trois",
    "vingt-quatre",
    "vingt-cinq",
    "vingt-six",
    "vingt-sept",
    "vingt-huit",
    "vingt-neuf",
    "trente",
    "trente et un",
];

/// Street names holding a date ("Rue du Quatre Septembre", "Rue du 11 Novembre 1918") are found
/// with the day written the other way, in figures for words and in words for figures: one
/// address of every such street of the data, each written the other way, comes first.
#[tokio::test]
async fn dates_of_street_names_are_found_in_figures_or_in_words() {
    let months = [
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
    ];
    let mut streets: BTreeMap<(String, String), BanRow> = BTreeMap::new();
    for file in ["adresses-05.csv.gz", "adresses-75.csv.gz"] {
        for row in sample_rows(file, 1) {
            if row.rep.is_empty() {
                streets
                    .entry((row.nom_voie.clone(), row.code_insee.clone()))
                    .or_insert(row);
            }
        }
    }
    let mut checked = 0;
    for row in streets.values() {
        let folded = adresse::text::fold(&row.nom_voie);
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        // The day before a month, in figures or in words (read with the code under test; the
        // words written for figures come from the table above).
        let Some(month) = words.iter().position(|w| months.contains(w)) else {
            continue;
        };
        let day_words = match words[month.saturating_sub(1)].parse::<usize>() {
            Ok(day @ 1..=31) => Some((month - 1, DAYS_IN_WORDS[day - 1].to_string())),
            _ => None,
        };
        let (start, other_day) = match day_words {
            Some(found) => found,
            None => {
                // Words for figures: the day must be spelled as in the table above.
                let Some((start, day)) = (0..month).find_map(|j| {
                    let (day, len) = french_cardinal(&words[j..month])?;
                    (j + len == month).then_some((j, day as usize))
                }) else {
                    continue;
                };
                let spelled = DAYS_IN_WORDS
                    .get(day.wrapping_sub(1))
                    .map(|w| w.replace('-', " "));
                if spelled.as_deref() != Some(&words[start..month].join(" ")) {
                    continue;
                }
                (start, day.to_string())
            }
        };
        let street = format!(
            "{} {other_day} {}",
            words[..start].join(" "),
            words[month..].join(" ")
        );
        let q = format!("{} {street} {} {}", row.numero, row.code_postal, city(row));
        let p = first(&q).await;
        assert_eq!(p["id"], row.id.as_str(), "{q}: got {}", p["label"]);
        checked += 1;
    }
    println!("{checked} streets with a date checked");
    assert!(checked >= 20, "{checked} streets with a date");
}

/// A typo in the city is found when the city is being typed (autocomplete on, "Vetavon" for
/// Ventavon: the word is compared with the city's starts one letter longer or shorter too), and
/// when the city has three letters ("Gpa", "gep", "Gao" for Gap, where a longer word's typos
/// are not looked for). One address of every Hautes-Alpes commune, the middle letter of the
/// longest word of its name left out; and every 200th address of Gap, with autocomplete on and
/// off.
#[tokio::test]
async fn a_typo_in_the_city_is_found_while_typing_and_in_a_three_letter_city() {
    let rows = sample_rows("adresses-05.csv.gz", 1);
    let mut one_per_commune: BTreeMap<&str, &BanRow> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.rep.is_empty()) {
        one_per_commune.entry(&row.code_insee).or_insert(row);
    }
    let mut checked = 0;
    for row in one_per_commune.values() {
        let longest = row
            .nom_commune
            .split(|c: char| !c.is_alphabetic())
            .max_by_key(|w| w.chars().count())
            .unwrap_or_default();
        let letters: Vec<char> = longest.chars().collect();
        if letters.len() < 5 {
            continue;
        }
        let mut dropped = letters.clone();
        dropped.remove(letters.len() / 2);
        let dropped: String = dropped.into_iter().collect();
        let city = row.nom_commune.replacen(longest, &dropped, 1);
        let q = format!("{} {} {city}", row.numero, row.nom_voie);
        let p = search(&q, "autocomplete=1").await;
        assert_eq!(p[0]["id"], row.id.as_str(), "{q}: got {}", p[0]["label"]);
        checked += 1;
    }
    assert!(checked > 140, "{checked} communes");
    let gap: Vec<&BanRow> = rows.iter().filter(|r| r.code_insee == "05061").collect();
    for row in gap.iter().step_by(200) {
        for city in ["Gpa", "gep", "Gao"] {
            let q = format!("{}{} {} {city}", row.numero, row.rep, row.nom_voie);
            for autocomplete in ["autocomplete=0", "autocomplete=1"] {
                let p = search(&q, autocomplete).await;
                assert_eq!(
                    p[0]["id"],
                    row.id.as_str(),
                    "{q} ({autocomplete}): got {}",
                    p[0]["label"]
                );
            }
        }
    }
    assert!(gap.len() > 8_000, "{} addresses in Gap", gap.len());
    // The city alone, typed so, is the city.
    let p = first("gpa").await;
    assert_eq!(
        (p["type"].as_str(), p["id"].as_str()),
        (Some("municipality"), Some("05061"))
    );
}

/// A three-letter word of a street's name with two letters swapped ("boulevard nye" for
/// Boulevard Ney) is found when the city is given. One address of every Paris street with a
/// three-letter word after its type, the last two letters of the word swapped, unless that
/// makes a word of some street name. Two such words may be one letter from two streets
/// ("bau": Rue Le Bua, or Rue Le Vau with one letter changed), so one in a hundred may answer
/// the other; every one is among the first five.
#[tokio::test]
async fn a_three_letter_word_of_a_street_with_a_typo_is_found_in_its_city() {
    let mut vocabulary = std::collections::BTreeSet::new();
    let mut streets: BTreeMap<String, BanRow> = BTreeMap::new();
    for file in ["adresses-05.csv.gz", "adresses-75.csv.gz"] {
        for row in sample_rows(file, 1) {
            let folded = adresse::text::fold(&row.nom_voie);
            vocabulary.extend(
                folded
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .map(str::to_string),
            );
            if row.code_insee.starts_with("75") && row.rep.is_empty() {
                streets.entry(row.nom_voie.clone()).or_insert(row);
            }
        }
    }
    let (mut checked, mut first_misses) = (0, Vec::new());
    for row in streets.values() {
        let folded = adresse::text::fold(&row.nom_voie);
        let mut words: Vec<String> = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let Some(k) = (1..words.len()).find(|&k| {
            words[k].len() == 3
                && words[k].bytes().all(|b| b.is_ascii_lowercase())
                && !adresse::text::is_stopword(&words[k])
        }) else {
            continue;
        };
        let b = words[k].as_bytes();
        let swapped = String::from_utf8(vec![b[0], b[2], b[1]]).unwrap();
        if vocabulary.contains(&swapped) {
            continue;
        }
        words[k] = swapped;
        let q = format!("{} {} paris", row.numero, words.join(" "));
        let results = search(&q, "autocomplete=0").await;
        let rank = results.iter().position(|p| p["id"] == row.id.as_str());
        assert!(rank.is_some(), "{q}: got {}", results[0]["label"]);
        if rank != Some(0) {
            first_misses.push(q);
        }
        checked += 1;
    }
    println!("{checked} streets checked; not first: {first_misses:?}");
    assert!(checked > 100, "{checked} streets");
    assert!(first_misses.len() * 100 <= checked, "{first_misses:?}");
}

#[tokio::test]
async fn scores_keep_addoks_scale() {
    // Exact full addresses: 0.9 and more.
    let mut rows = sample_rows("adresses-75.csv.gz", 2_000);
    rows.extend(sample_rows("adresses-05.csv.gz", 1_000));
    let mut lowest = 1.0f64;
    for row in &rows {
        let q = format!(
            "{}{} {} {} {}",
            row.numero,
            row.rep,
            row.nom_voie,
            row.code_postal,
            city(row)
        );
        let p = first(&q).await;
        if p["id"] == row.id.as_str() {
            lowest = lowest.min(p["score"].as_f64().unwrap());
        }
    }
    assert!(lowest >= 0.9, "lowest score of an exact address: {lowest}");
    // Clear misses, where the street named exists nowhere: below 0.5, or nothing at all.
    for q in [
        "rue imaginaire gap",
        "12 rue imaginaire du néant 05000 gap",
        "avenue des licornes bleues paris",
        "xylophone quetzalcoatl zanzibar",
    ] {
        for p in search(q, "autocomplete=0").await {
            let score = p["score"].as_f64().unwrap();
            assert!(score < 0.5, "{q}: {} scores {score}", p["label"]);
        }
    }
}

/// Candidate retrieval alone on the fixture index, as `search` runs it on the base.
fn retrieve_on_fixture(
    q: &str,
    autocomplete: bool,
    breadth: adresse::search::candidates::Breadth,
) -> adresse::search::candidates::Retrieved {
    use adresse::search::candidates::{Retrieval, Source, Sources};
    use adresse::search::Filters;

    let index = common::geocoder().index();
    let sources = Sources(vec![Source::of(index, None)]);
    let query = sources.read_query(q, autocomplete);
    Retrieval::new(&sources, &index.fields, &query, &Filters::default())
        .retrieve(None, 5, 105, breadth)
        .unwrap()
}

/// "Paris 18e" holds 641 places of the real data and "18e" is the rarest word of this query: the
/// selection within the budget leaves words out, and widening (tried when every candidate fits
/// poorly) takes every word that may select, bringing places the budget did not, among the
/// best of both by score.
#[test]
fn the_wide_selection_takes_the_words_the_budget_left_out() {
    use adresse::search::candidates::{Breadth, Retrieval, Source, Sources};
    use adresse::search::Filters;

    let index = common::geocoder().index();
    let sources = Sources(vec![Source::of(index, None)]);
    let query = sources.read_query("18e avenue de provence gap", false);
    let retrieval = Retrieval::new(&sources, &index.fields, &query, &Filters::default());
    let budget = retrieval.retrieve(None, 5, 105, Breadth::Budget).unwrap();
    assert!(budget.narrowed(), "the budget selection leaves words out");
    let added = retrieval.widen(&budget, None, 105).unwrap();
    assert!(!added.is_empty(), "the wide selection brings other places");
    assert!(added.len() <= 105);
    assert!(added.iter().all(|c| !budget.found.contains(c)));
    // Places of Gap, which the budget ("18e" and the words as rare) left out.
    let in_gap = added
        .iter()
        .filter(|&&(_, ord)| index.place(ord).unwrap().citycode == "05061")
        .count();
    assert!(in_gap > 0, "{added:?}");
    // One word that may select, and it does: nothing was left out, nothing to widen.
    let provence = sources.read_query("provence", false);
    let retrieval = Retrieval::new(&sources, &index.fields, &provence, &Filters::default());
    let budget = retrieval.retrieve(None, 5, 105, Breadth::Budget).unwrap();
    assert!(!budget.narrowed());
    assert!(retrieval.widen(&budget, None, 105).unwrap().is_empty());
}

/// Digits typed after the street start a postcode: "0510" brings in places of the 0510x
/// postcodes, more of them than all the places that "gare" (and its near spellings) finds.
#[test]
fn a_postcode_being_typed_selects_its_places() {
    use adresse::search::candidates::Breadth;

    let index = common::geocoder().index();
    let of_gare = retrieve_on_fixture("2 rue de la gare", false, Breadth::Budget).found;
    let found = retrieve_on_fixture("2 rue de la gare 0510", true, Breadth::Budget).found;
    let in_0510 = found
        .iter()
        .filter(|&&(_, ord)| {
            let place = index.place(ord).unwrap();
            place.postcodes.iter().any(|p| p.starts_with("0510"))
        })
        .count();
    assert!(
        in_0510 > of_gare.len(),
        "{in_0510} candidates in 0510x, {} for \"gare\" alone",
        of_gare.len()
    );
}

/// A narrow try selects only the rarest words, and only when they are rare: "bourseul" names
/// one street of the real data, and that street is found among a handful of places. In
/// "chemin du moulin", "moulin" is held by 172 places, too many: the try takes the places that
/// hold both "moulin" and "chemin", and "moulin" alone finds nothing.
#[test]
fn a_narrow_try_takes_only_rare_words() {
    use adresse::search::candidates::Breadth;

    let index = common::geocoder().index();
    let id_of = |(_, ord): &(usize, u32)| index.place(*ord).unwrap().id.to_string();
    let narrow = retrieve_on_fixture("13 rue bourseul 75015 paris", false, Breadth::Narrow);
    let budget = retrieve_on_fixture("13 rue bourseul 75015 paris", false, Breadth::Budget);
    assert!(
        narrow.found.iter().any(|c| id_of(c) == "75115_1219"),
        "{:?}",
        narrow.found.iter().map(id_of).collect::<Vec<_>>()
    );
    assert!(narrow.found.len() < 10, "{}", narrow.found.len());
    // The budget takes the postcode too, and brings in the 15e's other streets.
    assert!(budget.found.len() > 50, "{}", budget.found.len());

    let both = retrieve_on_fixture("chemin du moulin", false, Breadth::Narrow);
    assert!(!both.found.is_empty());
    for (_, ord) in &both.found {
        let text = index.table.texts.get(*ord as usize).unwrap();
        let words: Vec<&str> = text.name.split(' ').chain(text.place.split(' ')).collect();
        assert!(
            words.contains(&"chemin") && words.contains(&"moulin"),
            "{} {}",
            text.name,
            text.place
        );
    }
    assert!(retrieve_on_fixture("moulin", false, Breadth::Narrow)
        .found
        .is_empty());
    assert!(!retrieve_on_fixture("moulin", false, Breadth::Budget)
        .found
        .is_empty());
}

/// "chaussee" names 4 places of the real data, fewer than the budget's minimum: they are
/// returned as they are, marked few, and the search rescores them before walking every word
/// that may select ("rue", "de", "la": 11,560 places). One of them fits, so the walk is not
/// needed: the address being typed comes first.
#[tokio::test]
async fn few_places_of_a_rare_word_are_rescored_before_every_word_is_walked() {
    use adresse::search::candidates::Breadth;

    let index = common::geocoder().index();
    let typed = "49 rue de la chaussee d";
    let budget = retrieve_on_fixture(typed, true, Breadth::Budget);
    assert!(budget.few());
    assert!(
        (1..10).contains(&budget.found.len()),
        "{}",
        budget.found.len()
    );
    for (_, ord) in &budget.found {
        let text = index.table.texts.get(*ord as usize).unwrap();
        assert!(
            text.name.split(' ').any(|w| w == "chaussee"),
            "{}",
            text.name
        );
    }
    let every = retrieve_on_fixture(typed, true, Breadth::Every);
    assert!(!every.few());
    assert!(every.found.len() > 50, "{}", every.found.len());
    let results = search(typed, "autocomplete=1").await;
    assert_eq!(results[0]["id"], "75109_1949_00049", "{results:?}");
}

/// When none of the few places fits ("4p1" is noise that 7 places of the real data hold, none of
/// them with number 6 of the street being typed), every word that may select does, and brings
/// the street. ("4 p1 4P1 Rue du Te" now finds housenumber 4 p1 of the pseudo-street "4P1 Rue du
/// Texel" among those few: a precise answer.)
#[tokio::test]
async fn few_places_that_fit_poorly_send_the_search_to_every_word() {
    use adresse::search::candidates::Breadth;

    let index = common::geocoder().index();
    let typed = "6 4P1 Rue du Te";
    let budget = retrieve_on_fixture(typed, true, Breadth::Budget);
    assert!(budget.few());
    let texel = |(_, ord): &(usize, u32)| index.place(*ord).unwrap().id.to_string() == "75114_9224";
    assert!(!budget.found.iter().any(texel));
    assert!(retrieve_on_fixture(typed, true, Breadth::Every)
        .found
        .iter()
        .any(texel));
    let results = search(typed, "autocomplete=1").await;
    assert_eq!(results[0]["id"], "75114_9224_00006", "{results:?}");
}

/// A whole-word search settles on the few places of its rarest words when the best of them fits
/// the query nearly word for word: a clean full address is then answered with fewer results
/// than asked, as addok answers it, and the best result does not depend on how many are asked.
/// Checked on real addresses written cleanly, without accents or postcode, and with two letters
/// of the street name swapped (which keeps the best below the bar, so the full retrieval runs).
#[test]
fn a_precise_address_settles_on_its_rarest_words_places() {
    use adresse::search::{search, SearchRequest};

    let snapshot = common::geocoder().snapshot();
    let mut rows = sample_rows("adresses-05.csv.gz", 700);
    rows.extend(sample_rows("adresses-75.csv.gz", 700));
    let swap_letters = |name: &str| {
        let mut words: Vec<String> = name.split(' ').map(str::to_string).collect();
        if let Some(longest) = words.iter_mut().max_by_key(|w| w.len()) {
            let mut chars: Vec<char> = longest.chars().collect();
            if chars.len() >= 6 {
                chars.swap(2, 3);
                *longest = chars.into_iter().collect();
            }
        }
        words.join(" ")
    };
    let mut queries = Vec::new();
    for row in &rows {
        queries.push(full_address(row));
        queries.push(format!(
            "{} {} {}",
            row.numero,
            adresse::text::normalize(&row.nom_voie),
            adresse::text::normalize(city(row))
        ));
        queries.push(format!(
            "{} {} {} {}",
            row.numero,
            swap_letters(&row.nom_voie),
            row.code_postal,
            city(row)
        ));
    }
    assert!(queries.len() > 900, "{}", queries.len());
    let key = |hit: &adresse::search::Hit| {
        (
            hit.place,
            hit.housenumber.as_ref().map(|n| n.id.clone()),
            hit.score,
        )
    };
    let request = |q: &str, limit: usize| SearchRequest {
        q: q.to_string(),
        limit,
        autocomplete: false,
        near: None,
        filters: Default::default(),
    };
    let mut settled = [0usize; 3];
    for (i, q) in queries.iter().enumerate() {
        let one = search(&snapshot, &request(q, 1)).unwrap();
        let ten = search(&snapshot, &request(q, 10)).unwrap();
        assert_eq!(
            one.first().map(key),
            ten.first().map(key),
            "{q}: the best depends on the limit"
        );
        assert!(ten.windows(2).all(|w| w[0].score >= w[1].score), "{q}");
        // Queries answered with fewer results than asked (a settled query may also fill them).
        settled[i % 3] += usize::from(ten.len() < 10);
    }
    // Clean full addresses (every third query, from the first) mostly settle: at the time of
    // writing, 186 of 339 had fewer than 10 results, against 71 with a letter swapped.
    let clean = queries.len().div_ceil(3);
    assert!(settled[0] > clean / 3, "{settled:?}");
    assert!(settled[2] < settled[0], "{settled:?}");
    // "bourseul" names one street: the address alone answers, as with addok.
    let bourseul = search(&snapshot, &request("13 rue bourseul 75015 paris", 5)).unwrap();
    assert_eq!(bourseul.len(), 1);
    assert_eq!(
        bourseul[0].housenumber.as_ref().map(|n| n.id.as_str()),
        Some("75115_1219_00013")
    );
}

/// A query being typed gets the narrow try too, and settles as a full address does: the street
/// name being typed, once rare enough, brings in its few places alone. Two things must hold
/// for that to be right. First, a street name shared by several communes of the real data, typed
/// up to its last two letters with a housenumber that two to four of them have, lists every one
/// of those numbered streets: with no city yet, they are equally good answers, and only
/// rescoring tells them apart from the same streets without the number. Second, a precise
/// address being typed is answered by itself, as addok answers it.
#[test]
fn a_query_being_typed_settles_on_the_streets_having_its_number() {
    use adresse::search::{search, SearchRequest};
    use std::collections::{BTreeMap, BTreeSet};

    let snapshot = common::geocoder().snapshot();
    let request = |q: &str, limit: usize| SearchRequest {
        q: q.to_string(),
        limit,
        autocomplete: true,
        near: None,
        filters: Default::default(),
    };
    let mut rows = sample_rows("adresses-05.csv.gz", 1);
    rows.extend(sample_rows("adresses-75.csv.gz", 1));
    // Street name → communes having it; (name, number) → the ids of that address.
    let mut communes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut numbered: BTreeMap<(&str, u32), Vec<&str>> = BTreeMap::new();
    for row in &rows {
        communes
            .entry(&row.nom_voie)
            .or_default()
            .insert(&row.code_insee);
        if row.rep.is_empty() {
            numbered
                .entry((&row.nom_voie, row.numero))
                .or_default()
                .push(&row.id);
        }
    }
    let mut cases: Vec<(String, Vec<&str>)> = numbered
        .iter()
        .filter(|((name, _), ids)| {
            (2..=4).contains(&ids.len())
                && communes[name].len() <= 5
                && name.chars().count() >= 12
                && name.starts_with(|c: char| c.is_alphabetic())
        })
        .map(|((name, number), ids)| {
            let chars: Vec<char> = name.chars().collect();
            let typed: String = chars[..chars.len() - 2].iter().collect();
            (format!("{number} {typed}"), ids.clone())
        })
        .collect();
    // Every 7th, for a sample spread over the alphabet.
    cases = cases.into_iter().step_by(7).collect();
    assert!(cases.len() >= 40, "{}", cases.len());
    let mut complete = 0;
    let mut incomplete = Vec::new();
    for (q, ids) in &cases {
        let hits = search(&snapshot, &request(q, 5)).unwrap();
        let listed: BTreeSet<&str> = hits
            .iter()
            .filter_map(|hit| hit.housenumber.as_ref().map(|n| n.id.as_str()))
            .collect();
        if ids.iter().all(|id| listed.contains(id)) {
            complete += 1;
        } else {
            incomplete.push(q.as_str());
        }
    }
    println!(
        "{complete} of {} typed shared names list all their numbered streets; not: {incomplete:?}",
        cases.len()
    );
    // At the time of writing, 235 of 241: the others are names typed to a start that many
    // streets share ("4 route du c", "1 rue de l'egli"). A narrow try rescoring 15 places
    // rather than 105 listed 229.
    assert!(complete * 100 >= cases.len() * 97, "{incomplete:?}");

    let rabelais = search(&snapshot, &request("5 Rue Rabelais 7500", 5)).unwrap();
    let ids: Vec<&str> = rabelais
        .iter()
        .filter_map(|hit| hit.housenumber.as_ref().map(|n| n.id.as_str()))
        .collect();
    assert_eq!(ids, ["75108_7980_00005"]);
}
