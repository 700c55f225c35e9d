//! Reading a user's query: noise removed, tokens normalised, and every reading of a
//! housenumber noted wherever it stands (first, after the street, last).

use crate::text::{self, housenumber};

/// One word of the query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryToken {
    /// Canonical form, as indexed ("bd" → "boulevard").
    pub text: String,
    /// The folded word as typed, before abbreviations are expanded: while typing, "col" is
    /// the start of "colombier" more often than the abbreviation of "colonel".
    pub typed: String,
    /// Whether the query may still be growing at this word (autocomplete on, last word).
    pub is_prefix: bool,
    /// `text` is all digits.
    pub numeric: bool,
    /// Letters in `text` (not bytes: accents are folded, but a rare letter may remain).
    pub chars: usize,
    /// How much the word counts in explaining the query (`score::query_word_weight`), worked
    /// out once here rather than for each candidate place.
    pub weight: f64,
}

/// A possible housenumber of the query: the token(s) it takes and the number read.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseNumberReading {
    pub token: usize,
    /// The separate suffix token ("12 bis"), when the reading uses one.
    pub suffix_token: Option<usize>,
    pub value: housenumber::HouseNumber,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    pub tokens: Vec<QueryToken>,
    /// Readings in order of preference: with a separate suffix first, then without.
    pub housenumbers: Vec<HouseNumberReading>,
    /// Whether the query may write a number of a name the other way (one or two figures after
    /// its first word, or a number in words): only then does rescoring look for it
    /// (`score::match_number_words`), which most queries would pay for nothing.
    pub may_respell_numbers: bool,
}

impl ParsedQuery {
    pub fn parse(q: &str, autocomplete: bool) -> ParsedQuery {
        let folded = text::fold(q);
        // The query may still grow only if it does not end with a separator.
        let ends_in_word = folded
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let words = remove_noise(&words);
        let mut tokens = Vec::new();
        let count = words.len();
        for (i, word) in words.iter().enumerate() {
            let canonical = text::canonical(word);
            let is_prefix = autocomplete && ends_in_word && i + 1 == count;
            for part in canonical.split(' ') {
                tokens.push(QueryToken {
                    text: part.to_string(),
                    typed: word.to_string(),
                    is_prefix,
                    numeric: part.bytes().all(|b| b.is_ascii_digit()),
                    chars: part.chars().count(),
                    weight: super::score::query_word_weight(part),
                });
            }
        }
        let housenumbers = housenumber_readings(&tokens);
        let may_respell_numbers = tokens.iter().enumerate().any(|(i, t)| {
            may_be_spelled_in_a_name(i, t)
                || text::number_words::french_cardinal(&[&t.text]).is_some()
        });
        ParsedQuery {
            tokens,
            housenumbers,
            may_respell_numbers,
        }
    }

    /// Drops the housenumber readings whose suffix `exists` says no housenumber has: they
    /// cannot be found, and their suffix word would not select candidates.
    pub fn keep_suffixes(&mut self, exists: impl Fn(&str) -> bool) {
        self.housenumbers
            .retain(|reading| reading.value.suffix.is_empty() || exists(&reading.value.suffix));
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Whether the `i`-th query word is figures that a name may spell in words: numbers in words
/// go to 99, so two figures at most (not a postcode, not a year), and not the query's first
/// word, its housenumber ("9 chemin" while typing is not "Chemin Neuf").
pub fn may_be_spelled_in_a_name(i: usize, token: &QueryToken) -> bool {
    token.numeric && token.text.len() <= 2 && i > 0
}

/// Whether a token is a French postcode (five digits).
pub fn is_postcode(token: &str) -> bool {
    token.len() == 5 && token.bytes().all(|b| b.is_ascii_digit())
}

fn housenumber_readings(tokens: &[QueryToken]) -> Vec<HouseNumberReading> {
    // Five digits are a postcode, unless the query holds another five-digit word: then one of
    // them is a housenumber with its suffix ("34518 Route de Manteyer 05400" is 345 suffix 18).
    let five_digit_words = tokens.iter().filter(|t| is_postcode(&t.text)).count();
    let may_be_housenumber = |t: &QueryToken| !is_postcode(&t.text) || five_digit_words > 1;
    let mut readings = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if !may_be_housenumber(token) {
            continue;
        }
        let Some(value) = housenumber::parse_token(&token.text) else {
            continue;
        };
        let following = tokens.get(i + 1);
        if value.suffix.is_empty() {
            // As indexed and as typed: "20 bd" is 20 suffix "bd" on a street that has it, though
            // "bd" is read "boulevard" as a word; "48 r" is 48 suffix "r", not "rue".
            if let Some(following) = following {
                let followed = tokens.len() > i + 2;
                let typed = Some(following.typed.as_str()).filter(|typed| *typed != following.text);
                for word in std::iter::once(following.text.as_str()).chain(typed) {
                    if housenumber::is_suffix_word(word, !following.is_prefix, followed) {
                        let suffix = housenumber::suffix_key(word);
                        push_spellings(&mut readings, i, Some(i + 1), value.number, &suffix);
                    }
                }
            }
        } else if let Some(next) = following
            .map(|t| t.text.as_str())
            .filter(|t| t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
        {
            // A suffix in two words: "345lot 7" is 345 suffix "lot 7".
            let suffix = format!("{}{next}", value.suffix);
            push_spellings(&mut readings, i, Some(i + 1), value.number, &suffix);
        }
        push_spellings(&mut readings, i, None, value.number, &value.suffix);
    }
    // Last resort, after every plain reading: the final digits as the start of the suffix
    // ("3152" = 315 suffix 2, "1002c" = 100 suffix 2c).
    for (i, token) in tokens.iter().enumerate() {
        if may_be_housenumber(token) {
            for value in housenumber::digit_suffix_readings(&token.text) {
                readings.push(HouseNumberReading {
                    token: i,
                    suffix_token: None,
                    value,
                });
            }
        }
    }
    readings
}

/// The reading of a number with its suffix as typed, then with the suffix's other spellings
/// ("18bis", then "18b"): a street that has both keeps the one typed.
fn push_spellings(
    readings: &mut Vec<HouseNumberReading>,
    token: usize,
    suffix_token: Option<usize>,
    number: u32,
    suffix: &str,
) {
    let others: Vec<&str> = housenumber::other_spellings(suffix).collect();
    for spelling in std::iter::once(suffix).chain(others) {
        readings.push(HouseNumberReading {
            token,
            suffix_token,
            value: housenumber::HouseNumber {
                number,
                suffix: spelling.to_string(),
            },
        });
    }
}

/// Drops what addresses carry for the mail but the BAN does not know: CEDEX, BP/CS/TSA boxes,
/// apartment, floor, building, staircase, door. The word and the number or letter after it go.
/// "Lieu-dit" ("lieudit", "LD") before a name goes too: the BAN names the place without it.
fn remove_noise<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut kept = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let next = words.get(i + 1).copied().unwrap_or("");
        let next_has_digit = next.len() <= 6 && next.bytes().any(|b| b.is_ascii_digit());
        let next_is_letter = next.len() == 1 && next != "d" && next != "l";
        let noise = match word {
            // "CEDEX 12": the number is a sorting office code; "CEDEX" alone goes too.
            "cedex" => Some(
                if next.len() <= 2 && next.bytes().all(|b| b.is_ascii_digit()) {
                    2
                } else {
                    1
                },
            ),
            "bp" | "cs" | "tsa" | "appartement" | "appart" | "appt" | "apt" | "etage" | "etg"
            | "porte" | "boite"
                if next_has_digit =>
            {
                Some(2)
            }
            "batiment" | "bat" | "bt" | "escalier" | "esc" if next_has_digit || next_is_letter => {
                Some(2)
            }
            // Only before a name: "lieu dit" alone may be what is being looked for.
            "lieu" if next == "dit" && i + 2 < words.len() => Some(2),
            "lieudit" | "ld" if i + 1 < words.len() && !next_has_digit => Some(1),
            _ => None,
        };
        if let Some(skip) = noise {
            i += skip.min(words.len() - i).max(1);
            continue;
        }
        // "3e etage", "1er etage": the ordinal before "etage" goes with it.
        if words
            .get(i + 1)
            .is_some_and(|n| *n == "etage" || *n == "etg")
            && (word.ends_with('e') || word.ends_with("er"))
            && word.starts_with(|c: char| c.is_ascii_digit())
        {
            i += 2;
            continue;
        }
        kept.push(word);
        i += 1;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(q: &ParsedQuery) -> Vec<&str> {
        q.tokens.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn housenumber_is_read_anywhere_with_its_suffix() {
        let q = ParsedQuery::parse("12 bis rue des Lilas", false);
        assert_eq!(
            q.housenumbers[0].value,
            housenumber::HouseNumber {
                number: 12,
                suffix: "bis".into()
            }
        );
        assert_eq!(q.housenumbers[0].suffix_token, Some(1));
        assert_eq!(q.housenumbers[1].value.suffix, "b");
        let q = ParsedQuery::parse("rue des lilas 12 gap", false);
        assert_eq!(q.housenumbers[0].token, 3);
        assert_eq!(q.housenumbers[0].value.number, 12);
        let q = ParsedQuery::parse("12ter av foch", false);
        assert_eq!(q.housenumbers[0].value.suffix, "ter");
        assert_eq!(q.housenumbers[1].value.suffix, "t");
    }

    #[test]
    fn postcodes_are_not_housenumbers() {
        let q = ParsedQuery::parse("rue royale 75008 paris", false);
        assert!(q.housenumbers.is_empty());
        // Unless the query holds two: one of them is then a number with a suffix.
        let q = ParsedQuery::parse("34518 Route de Manteyer 05400 La Roche-des-Arnauds", false);
        assert!(q.housenumbers.iter().any(|r| r.token == 0
            && r.value
                == housenumber::HouseNumber {
                    number: 345,
                    suffix: "18".into()
                }));
    }

    #[test]
    fn unusual_suffixes_are_read() {
        let first = |q: &str| ParsedQuery::parse(q, false).housenumbers[0].clone();
        let r = first("345lot 7 Route de Manteyer");
        assert_eq!((r.value.number, r.value.suffix.as_str()), (345, "lot7"));
        assert_eq!(r.suffix_token, Some(1));
        let r = first("6f3 Rue de l'Esperanto");
        assert_eq!((r.value.number, r.value.suffix.as_str()), (6, "f3"));
        let readings = ParsedQuery::parse("1002c Chemin des Condamines", false).housenumbers;
        assert!(readings
            .iter()
            .any(|r| r.value.number == 100 && r.value.suffix == "2c"));
    }

    #[test]
    fn suffixes_written_apart_are_read_as_ban_writes_them() {
        let separate = |q: &str, autocomplete: bool| -> Vec<(u32, String)> {
            ParsedQuery::parse(q, autocomplete)
                .housenumbers
                .into_iter()
                .filter(|r| r.suffix_token.is_some())
                .map(|r| (r.value.number, r.value.suffix))
                .collect()
        };
        assert_eq!(
            separate("38 ba Rue Paul Valéry", false),
            [(38, "ba".into())]
        );
        assert_eq!(
            separate("1 z2 1Z2 Rue Ada Lovelace", false),
            [(1, "z2".into())]
        );
        assert_eq!(
            separate("17 BV Route de la Porte", false),
            [(17, "bv".into())]
        );
        assert_eq!(
            separate("653 d Route de La Selle", false),
            [(653, "d".into())]
        );
        assert_eq!(separate("78 d Avenue de Veynes", false), [(78, "d".into())]);
        // At the end, "d" and "l" start "de", "du", "la"...
        assert!(separate("12 d", false).is_empty());
        // As typed and as read: "r" is also "rue", "bd" also "boulevard".
        // ("rue" is a suffix's shape too: the search keeps only the suffixes the index has.)
        assert!(separate("48 r Rue du Forest", false).contains(&(48, "r".into())));
        assert_eq!(separate("20 bd Rue Pétrarque", false), [(20, "bd".into())]);
        assert_eq!(
            separate("100 2b Chemin des Condamines", false),
            [(100, "2b".into())]
        );
        // A word still being typed, and stopwords, are not suffixes.
        assert!(separate("38 ba", true).is_empty());
        assert_eq!(separate("38 ba ", true), [(38, "ba".into())]);
        assert!(separate("12 la Canebière", false).is_empty());
    }

    #[test]
    fn readings_of_suffixes_no_housenumber_has_are_dropped() {
        let mut q = ParsedQuery::parse("12 bis rue ada", false);
        let before = q.housenumbers.len();
        q.keep_suffixes(|key| key == "b");
        let suffixes: Vec<&str> = q
            .housenumbers
            .iter()
            .map(|r| r.value.suffix.as_str())
            .collect();
        assert_eq!(suffixes, ["b", ""]);
        assert!(before > suffixes.len());
    }

    #[test]
    fn mail_noise_is_dropped() {
        let q = ParsedQuery::parse("BP 123 12 rue X 05000 Gap CEDEX 9", false);
        assert_eq!(texts(&q), ["12", "rue", "x", "05000", "gap"]);
        let q = ParsedQuery::parse("3e étage, bât. B, 8 rue de la paix", false);
        assert_eq!(texts(&q), ["8", "rue", "de", "la", "paix"]);
        let q = ParsedQuery::parse("Lieu-dit La Garenne 05700", false);
        assert_eq!(texts(&q), ["la", "garenne", "05700"]);
        let q = ParsedQuery::parse("LD les Granges, lieudit Moulin", false);
        assert_eq!(texts(&q), ["les", "granges", "moulin"]);
        // Alone, it is what is looked for.
        let q = ParsedQuery::parse("lieu dit", false);
        assert_eq!(texts(&q), ["lieu", "dit"]);
    }

    #[test]
    fn only_the_last_word_of_a_growing_query_is_a_prefix() {
        let q = ParsedQuery::parse("12 rue de la pa", true);
        assert!(q.tokens.last().unwrap().is_prefix);
        assert!(!q.tokens[0].is_prefix);
        let q = ParsedQuery::parse("12 rue de la pa ", true);
        assert!(!q.tokens.last().unwrap().is_prefix);
        let q = ParsedQuery::parse("12 rue de la pa", false);
        assert!(!q.tokens.last().unwrap().is_prefix);
    }
}
