//! French text processing shared by ingest and query: one pipeline, so that what is indexed and
//! what is searched can never drift apart.
//!
//! `tokens("AV. de l'Opéra")` gives `["avenue", "de", "l", "opera"]`: lower case, accents folded,
//! split on anything that is not a letter or digit, abbreviations expanded to their full word,
//! ordinals written one way.

pub mod distance;
mod fold;
pub mod housenumber;
mod mojibake;
pub mod number_words;
mod synonyms;

pub use fold::fold;
pub use synonyms::canonical;

/// Normalised tokens of a text, in order. Every token is non-empty, `[a-z0-9]+`.
pub fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    for raw in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        push_split_token(raw, &mut out);
    }
    out
}

/// Pushes the canonical form of one raw token (which may be two words, "zi" → "zone
/// industrielle").
fn push_split_token(raw: &str, out: &mut Vec<String>) {
    out.extend(canonical(raw).split(' ').map(str::to_string));
}

/// The tokens joined by single spaces: the form given to tantivy, whose whitespace tokenizer
/// then sees exactly the same tokens as the query side.
pub fn normalize(text: &str) -> String {
    tokens(text).join(" ")
}

/// Words too common in French street names to say much on their own ("rue de la gare": "de" and
/// "la" identify nothing). They still count, with a lower weight.
pub fn is_stopword(token: &str) -> bool {
    matches!(
        token,
        "de" | "du"
            | "des"
            | "la"
            | "le"
            | "les"
            | "l"
            | "d"
            | "a"
            | "au"
            | "aux"
            | "en"
            | "et"
            | "sur"
            | "sous"
            | "un"
            | "une"
    )
}

/// Words that say what kind of way a street is ("rue", "impasse", "allée"), canonical forms.
/// People often get them wrong (an "impasse" they call "rue", an "allée" written "chemin"),
/// rarely the words that name the street or its commune: they say less than those.
pub fn is_way_kind(token: &str) -> bool {
    matches!(
        token,
        "allee"
            | "avenue"
            | "boulevard"
            | "carrefour"
            | "chaussee"
            | "chemin"
            | "cite"
            | "corniche"
            | "cours"
            | "esplanade"
            | "impasse"
            | "montee"
            | "parvis"
            | "passage"
            | "place"
            | "promenade"
            | "quai"
            | "route"
            | "rue"
            | "ruelle"
            | "sentier"
            | "square"
            | "traverse"
            | "villa"
            | "voie"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_apostrophes_are_normalised() {
        assert_eq!(tokens("AV. DE L'OPERA"), ["avenue", "de", "l", "opera"]);
        assert_eq!(tokens("avenue de l opéra"), ["avenue", "de", "l", "opera"]);
        assert_eq!(tokens("Saint-Germain"), ["saint", "germain"]);
        assert_eq!(tokens("ST GERMAIN"), ["saint", "germain"]);
        assert_eq!(tokens("Œuvre  Ÿ"), ["oeuvre", "y"]);
    }

    #[test]
    fn abbreviations_are_expanded() {
        assert_eq!(tokens("bd st michel"), ["boulevard", "saint", "michel"]);
        assert_eq!(tokens("r des lilas"), ["rue", "des", "lilas"]);
        assert_eq!(
            tokens("pl. de la République"),
            ["place", "de", "la", "republique"]
        );
    }

    #[test]
    fn normalize_is_idempotent_on_real_names() {
        for name in [
            "Rue du Faubourg Saint-Honoré",
            "Impasse de l'Église",
            "Place du 8 Mai 1945",
        ] {
            let once = normalize(name);
            assert_eq!(normalize(&once), once);
        }
    }
}
