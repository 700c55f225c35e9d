//! Housenumbers as people write them: "12", "012", "12b", "12 b", "12 bis", "12bis", "12 B".
//!
//! A housenumber is a number and an optional suffix (`rep` in BAN). Suffixes are compared by a
//! key, the suffix folded as written; the Latin multiplicatives and their initials are other
//! spellings of one another, as on French street plates (bis = b, ter = t, quater = q,
//! quinquies = c, sexies = s), tried after the spelling typed: a street may hold both "18b"
//! and "18bis", and "18bis" means the latter.

/// The largest number BAN uses for a real housenumber (99999 marks a named place).
pub const MAX_HOUSENUMBER: u32 = 99_998;

/// A housenumber read from a query token or a BAN row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseNumber {
    pub number: u32,
    /// Suffix key (see [`suffix_key`]), empty when there is none.
    pub suffix: String,
}

/// The comparison key of a suffix: folded, without spaces ("Lot 7" → "lot7", "BIS" → "bis").
pub fn suffix_key(raw: &str) -> String {
    super::fold(raw)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Groups of suffix keys that name the same suffix: a multiplicative, its initial, and the
/// short or misspelt forms found in BAN rows ("quarter").
const SAME_SUFFIX: [&[&str]; 5] = [
    &["bis", "b"],
    &["ter", "t"],
    &["quater", "q", "qua", "quarter"],
    &["quinquies", "c", "quinq"],
    &["sexies", "s"],
];

/// The other spellings of a suffix key, to try when the key itself is not on the street.
pub fn other_spellings(key: &str) -> impl Iterator<Item = &'static str> + '_ {
    SAME_SUFFIX
        .iter()
        .filter(move |group| group.contains(&key))
        .flat_map(|group| group.iter().copied())
        .filter(move |other| *other != key)
}

/// Whether a whole token can be the suffix of the number just before it ("12 bis", "12 b",
/// "38 ba", "1 z2", "100 2b"), `followed` saying whether another word comes after it.
///
/// The multiplicatives and single letters can. "d" and "l" only with a word after them: at the
/// end of a query being typed they start "de", "du", "la", "le" far more often. Longer tokens
/// of a glued suffix's shape ("ba", "bv", "p1", "z2": 278 "bv" and 241 "p1" rows in the two
/// real départements, which BAN's `numero` and `rep` columns hold apart) and digits before
/// letters ("2b") can too, but not a word still being typed (`complete` false) nor a stopword
/// ("12 la ..."). Such a reading counts only on a street that has that housenumber, where it
/// is tried before the plain number (`score::score_place`); the search drops the readings of
/// suffixes no housenumber of the index has (`Index::suffix_keys`).
pub fn is_suffix_word(token: &str, complete: bool, followed: bool) -> bool {
    if matches!(token, "bis" | "ter" | "quater" | "quinquies" | "sexies") {
        return true;
    }
    if token.len() == 1 {
        let letter = token.as_bytes()[0];
        return letter.is_ascii_lowercase() && (followed || !matches!(letter, b'd' | b'l'));
    }
    complete
        && !super::is_stopword(token)
        && (is_glued_suffix(token) || is_digits_then_letters(token))
}

/// "2b", "10c": one or two digits, then one or two letters (BAN's "100 2b").
fn is_digits_then_letters(token: &str) -> bool {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    let letters = &token[digits..];
    (1..=2).contains(&digits)
        && (1..=2).contains(&letters.len())
        && letters.bytes().all(|b| b.is_ascii_lowercase())
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

/// Suffixes seen glued to a number: the multiplicatives; one to three letters as BAN writes
/// them ("12b", "139e", "8bv"); letters followed by one or two digits ("6f3", "150m1",
/// "7115chalet10"). "12e" is also an ordinal ("douzième"): both readings are kept by the query
/// parser, and a street whose name holds "12e" takes it as a word. "1er", "2eme" are only
/// ordinals.
fn is_glued_suffix(rest: &str) -> bool {
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = &rest[letters..];
    if letters == 0 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if digits.is_empty() {
        matches!(rest, "bis" | "ter" | "quater" | "quinquies" | "sexies")
            || (letters <= 3 && !matches!(rest, "er" | "em" | "eme" | "me" | "re"))
    } else {
        digits.len() <= 2 && letters <= 6
    }
}

/// Other readings of a token whose last digits may start the suffix: BAN numbers some
/// addresses "315" with suffix "2", or "100" with suffix "2c", written "3152" and "1002c" by
/// people and by BAN's own labels. The last digit first, then, for a number alone, the last two
/// ("34518" is 345 suffix 18).
pub fn digit_suffix_readings(token: &str) -> Vec<HouseNumber> {
    let digits = token.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &token[digits..];
    if !(2..=5).contains(&digits) || !rest.bytes().all(|b| b.is_ascii_lowercase()) || rest.len() > 3
    {
        return Vec::new();
    }
    let moves: &[usize] = if rest.is_empty() && digits > 2 && &token[digits - 2..digits - 1] != "0"
    {
        &[1, 2]
    } else {
        &[1]
    };
    moves
        .iter()
        .filter_map(|moved| {
            let (number, suffix) = token.split_at(digits - moved);
            Some(HouseNumber {
                number: number.parse().ok()?,
                suffix: suffix.to_string(),
            })
        })
        .collect()
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
        assert_eq!(parse_token("12bis"), hn(12, "bis"));
        assert_eq!(parse_token("12b"), hn(12, "b"));
        assert_eq!(parse_token("12ter"), hn(12, "ter"));
        assert_eq!(parse_token("7quater"), hn(7, "quater"));
        assert_eq!(parse_token("139e"), hn(139, "e"));
        assert_eq!(parse_token("8bv"), hn(8, "bv"));
        assert_eq!(parse_token("6f3"), hn(6, "f3"));
        assert_eq!(parse_token("7115chalet10"), hn(7115, "chalet10"));
        assert_eq!(parse_token("345lot"), hn(345, "lot"));
        assert_eq!(parse_token("12rue7"), hn(12, "rue7"));
        assert_eq!(parse_token("12b345"), None);
    }

    #[test]
    fn the_last_digits_of_a_number_may_be_its_suffix() {
        let readings = |t| {
            digit_suffix_readings(t)
                .into_iter()
                .map(|h| (h.number, h.suffix))
                .collect::<Vec<_>>()
        };
        assert_eq!(readings("3152"), [(315, "2".into()), (31, "52".into())]);
        assert_eq!(readings("1002c"), [(100, "2c".into())]);
        assert_eq!(readings("34518"), [(3451, "8".into()), (345, "18".into())]);
        assert_eq!(readings("1205"), [(120, "5".into())]);
        assert_eq!(readings("12"), [(1, "2".into())]);
        assert!(readings("7").is_empty());
        assert!(readings("7b").is_empty());
        assert!(readings("12chalet").is_empty());
    }

    #[test]
    fn ordinals_and_words_are_not_housenumbers() {
        assert_eq!(parse_token("1er"), None);
        assert_eq!(parse_token("2eme"), None);
        assert_eq!(parse_token("rue"), None);
        assert_eq!(parse_token("123456"), None);
    }

    #[test]
    fn suffix_keys_keep_the_spelling_and_list_the_others() {
        assert_eq!(suffix_key("BIS"), "bis");
        assert_eq!(suffix_key("Lot 7"), "lot7");
        assert_eq!(suffix_key(""), "");
        assert_eq!(other_spellings("bis").collect::<Vec<_>>(), ["b"]);
        assert_eq!(other_spellings("b").collect::<Vec<_>>(), ["bis"]);
        assert_eq!(other_spellings("t").collect::<Vec<_>>(), ["ter"]);
        assert_eq!(
            other_spellings("quater").collect::<Vec<_>>(),
            ["q", "qua", "quarter"]
        );
        assert_eq!(other_spellings("a").count(), 0);
        assert_eq!(other_spellings("").count(), 0);
    }
}
