//! Housenumbers as people write them: "12", "012", "12b", "12 b", "12 bis", "12bis", "12 B".
//!
//! A housenumber is a number and an optional suffix (`rep` in BAN). Suffixes are compared by a
//! key where the Latin multiplicatives and their initials agree, as on French street plates:
//! bis = b, ter = t, quater = q, quinquies = c, sexies = s.

/// The largest number BAN uses for a real housenumber (99999 marks a named place).
pub const MAX_HOUSENUMBER: u32 = 99_998;

/// A housenumber read from a query token or a BAN row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseNumber {
    pub number: u32,
    /// Suffix key (see [`suffix_key`]), empty when there is none.
    pub suffix: String,
}

/// The comparison key of a suffix: folded, without spaces, multiplicatives shortened.
pub fn suffix_key(raw: &str) -> String {
    let folded: String = super::fold(raw)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    match folded.as_str() {
        "bis" => "b".into(),
        "ter" => "t".into(),
        "quater" | "qua" => "q".into(),
        "quinquies" | "quinq" => "c".into(),
        "sexies" => "s".into(),
        _ => folded,
    }
}

/// Whether a whole token can be the suffix of the number just before it ("12 bis", "12 b").
/// "d" and "l" are left out: after a number they are far more often an elided "de"/"le".
pub fn is_suffix_word(token: &str) -> bool {
    matches!(token, "bis" | "ter" | "quater" | "quinquies" | "sexies")
        || (token.len() == 1
            && token.as_bytes()[0].is_ascii_lowercase()
            && token != "d"
            && token != "l")
}

/// Reads a token that is a housenumber on its own: digits, optionally glued to a suffix
/// ("12", "0012", "12bis", "12b"). Leading zeros are dropped.
pub fn parse_token(token: &str) -> Option<HouseNumber> {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let number: u32 = token[..digits].parse().ok()?;
    if number > MAX_HOUSENUMBER {
        return None;
    }
    let rest = &token[digits..];
    if !rest.is_empty() && !is_glued_suffix(rest) {
        return None;
    }
    Some(HouseNumber {
        number,
        suffix: suffix_key(rest),
    })
}

/// Suffixes seen glued to a number: the multiplicatives, and one to three letters as BAN writes
/// them ("12b", "139e", "8bv"). "12e" is also an ordinal ("douzième"): both readings are kept by
/// the query parser, and a street whose name holds "12e" takes it as a word. "1er", "2eme" are
/// only ordinals.
fn is_glued_suffix(rest: &str) -> bool {
    matches!(rest, "bis" | "ter" | "quater" | "quinquies" | "sexies")
        || (rest.len() <= 3
            && rest.bytes().all(|b| b.is_ascii_lowercase())
            && !matches!(rest, "er" | "em" | "eme" | "me" | "re"))
}

/// Other readings of an all-digit token whose last digit may be a suffix: BAN numbers some
/// addresses "315" with suffix "2", written "3152" by people and by BAN's own labels.
pub fn digit_suffix_reading(token: &str) -> Option<HouseNumber> {
    if token.len() < 2 || token.len() > 5 || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (number, suffix) = token.split_at(token.len() - 1);
    let number: u32 = number.parse().ok()?;
    Some(HouseNumber {
        number,
        suffix: suffix.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hn(number: u32, suffix: &str) -> Option<HouseNumber> {
        Some(HouseNumber {
            number,
            suffix: suffix.into(),
        })
    }

    #[test]
    fn reads_every_spelling_of_a_suffixed_number() {
        assert_eq!(parse_token("12"), hn(12, ""));
        assert_eq!(parse_token("012"), hn(12, ""));
        assert_eq!(parse_token("12bis"), hn(12, "b"));
        assert_eq!(parse_token("12b"), hn(12, "b"));
        assert_eq!(parse_token("12ter"), hn(12, "t"));
        assert_eq!(parse_token("7quater"), hn(7, "q"));
        assert_eq!(parse_token("139e"), hn(139, "e"));
        assert_eq!(parse_token("8bv"), hn(8, "bv"));
        assert_eq!(digit_suffix_reading("3152"), hn(315, "2"));
        assert_eq!(digit_suffix_reading("7"), None);
    }

    #[test]
    fn ordinals_and_words_are_not_housenumbers() {
        assert_eq!(parse_token("1er"), None);
        assert_eq!(parse_token("2eme"), None);
        assert_eq!(parse_token("rue"), None);
        assert_eq!(parse_token("123456"), None);
    }

    #[test]
    fn suffix_keys_agree_between_word_and_initial() {
        assert_eq!(suffix_key("bis"), suffix_key("B"));
        assert_eq!(suffix_key("ter"), suffix_key("t"));
        assert_eq!(suffix_key("Quater"), "q");
        assert_eq!(suffix_key(""), "");
    }
}
