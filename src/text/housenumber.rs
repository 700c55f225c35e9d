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

/// Suffixes seen glued to a number: the multiplicatives and one letter ("12b"). Ordinals ("12e")
/// are not housenumbers: "12e" is "douzième" (an arrondissement, a "12e régiment").
fn is_glued_suffix(rest: &str) -> bool {
    matches!(rest, "bis" | "ter" | "quater" | "quinquies" | "sexies")
        || (rest.len() == 1 && rest != "e")
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
    }

    #[test]
    fn ordinals_and_words_are_not_housenumbers() {
        assert_eq!(parse_token("12e"), None);
        assert_eq!(parse_token("1er"), None);
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
