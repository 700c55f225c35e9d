//! Abbreviations of French street types, titles and ordinals, mapped to one canonical token.
//!
//! Applied to every token at ingest and at query time, so "bd", "bld" and "boulevard" are the
//! same word to the index. The table covers the abbreviations of the French postal standard
//! (NF Z 10-011 street types) and the forms people type into forms. A canonical form may be two
//! words ("zi" → "zone industrielle"); the tokenizer splits it. Abbreviations that are also words
//! of French place names are left out on purpose ("pres" is "près", not "président"; "chat",
//! "cour", "ru" are words of real street names), and so is "1e", far more often housenumber 1
//! with suffix "e" than "premier".

/// The canonical form of a folded token (itself when it has no other form).
pub fn canonical(token: &str) -> &str {
    match lookup(token) {
        Some(full) => full,
        None => token,
    }
}

fn lookup(token: &str) -> Option<&'static str> {
    Some(match token {
        // Street types.
        "al" | "all" | "allee" | "allees" => "allee",
        "av" | "ave" | "aven" | "avn" | "avenu" => "avenue",
        "bd" | "bld" | "bvd" | "blvd" | "boul" | "boulev" => "boulevard",
        "car" | "carref" | "carr" => "carrefour",
        "cd" => "chemin departemental",
        "ch" | "chem" | "chemins" => "chemin",
        "che" => "chemin",
        "chee" => "chaussee",
        "cor" => "corniche",
        "crs" => "cours",
        "dom" => "domaine",
        "esp" | "espl" => "esplanade",
        "fg" | "fbg" | "faub" | "faubg" => "faubourg",
        "gal" => "general",
        "gr" => "grande",
        "grd" => "grand",
        "ham" => "hameau",
        "imp" | "impas" | "impass" => "impasse",
        "lot" | "lotiss" => "lotissement",
        "mte" => "montee",
        "pas" | "pass" => "passage",
        "pl" | "plc" => "place",
        "pln" => "plaine",
        "plt" => "plateau",
        "prom" | "prm" => "promenade",
        "qu" | "qua" => "quai",
        "r" => "rue",
        "rd" | "rdpt" | "rpt" | "rondpoint" => "rond point",
        "rle" | "ruel" => "ruelle",
        "rte" | "rout" => "route",
        "res" | "resid" => "residence",
        "sent" => "sentier",
        "sq" | "sqr" => "square",
        "tra" | "trav" => "traverse",
        "vla" => "villa",
        "vc" => "voie communale",
        "za" => "zone artisanale",
        "zac" => "zone amenagement concerte",
        "zi" => "zone industrielle",
        // Titles and common words of names.
        "st" | "saint" => "saint",
        "ste" | "sainte" => "sainte",
        "sts" => "saints",
        "stes" => "saintes",
        "mal" | "marech" => "marechal",
        "pdt" | "presid" => "president",
        "dr" | "doct" => "docteur",
        "prof" | "pr" => "professeur",
        "mme" => "madame",
        "mlle" => "mademoiselle",
        "mgr" => "monseigneur",
        "cdt" | "cmdt" => "commandant",
        "cne" => "capitaine",
        "lt" => "lieutenant",
        "col" => "colonel",
        "adj" => "adjudant",
        "sgt" => "sergent",
        "ing" => "ingenieur",
        "fr" | "frs" => "freres",
        "anc" => "ancien",
        "egl" => "eglise",
        "mt" => "mont",
        // Ordinals: one spelling, "<n>e", with "1er" for the first.
        "premier" | "premiere" | "1ere" | "1re" | "1eme" | "1er" => "1er",
        "deuxieme" | "second" | "seconde" | "2eme" | "2e" | "2nd" | "2nde" | "ii" => "2e",
        "troisieme" | "3eme" | "3e" | "iii" => "3e",
        "quatrieme" | "4eme" | "4e" | "iv" => "4e",
        "cinquieme" | "5eme" | "5e" => "5e",
        "sixieme" | "6eme" | "6e" | "vi" => "6e",
        "septieme" | "7eme" | "7e" | "vii" => "7e",
        "huitieme" | "8eme" | "8e" | "viii" => "8e",
        "neuvieme" | "9eme" | "9e" | "ix" => "9e",
        "dixieme" | "10eme" | "10e" => "10e",
        "onzieme" | "11eme" | "11e" | "xi" => "11e",
        "douzieme" | "12eme" | "12e" | "xii" => "12e",
        "treizieme" | "13eme" | "13e" | "xiii" => "13e",
        "quatorzieme" | "14eme" | "14e" | "xiv" => "14e",
        "quinzieme" | "15eme" | "15e" | "xv" => "15e",
        "seizieme" | "16eme" | "16e" | "xvi" => "16e",
        "dixseptieme" | "17eme" | "17e" | "xvii" => "17e",
        "18eme" | "18e" | "xviii" => "18e",
        "19eme" | "19e" | "xix" => "19e",
        "20eme" | "20e" | "xx" => "20e",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn street_types_have_one_form() {
        for (abbr, full) in [
            ("bd", "boulevard"),
            ("bld", "boulevard"),
            ("bvd", "boulevard"),
            ("av", "avenue"),
            ("ave", "avenue"),
            ("imp", "impasse"),
            ("chem", "chemin"),
            ("rte", "route"),
            ("sq", "square"),
            ("crs", "cours"),
            ("qu", "quai"),
            ("fbg", "faubourg"),
            ("sent", "sentier"),
        ] {
            assert_eq!(canonical(abbr), full, "{abbr}");
        }
    }

    #[test]
    fn ordinals_have_one_form() {
        for word in ["premier", "1ere", "1er"] {
            assert_eq!(canonical(word), "1er");
        }
        for word in ["deuxieme", "2eme", "2e", "ii"] {
            assert_eq!(canonical(word), "2e");
        }
    }

    #[test]
    fn canonical_is_a_fixed_point() {
        for word in [
            "boulevard",
            "saint",
            "1er",
            "11e",
            "rue",
            "avenue",
            "general",
        ] {
            assert_eq!(canonical(canonical(word)), canonical(word));
        }
    }
}
