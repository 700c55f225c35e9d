//! French cardinal numbers spelled in words, from 1 to 99, read from folded tokens: street names
//! hold dates both ways ("Rue du Quatre Septembre", "Rue du 11 Novembre 1918"), and people
//! write them the other way as often as not.
//!
//! Ordinals are not read here: `synonyms` folds them ("premier" → "1er", "deuxieme" → "2e").

/// Reads the number spelled by the first tokens of `tokens` (folded words: "vingt-neuf" is
/// "vingt", "neuf"), the longest reading: its value and how many tokens it takes.
pub fn french_cardinal(tokens: &[&str]) -> Option<(u32, usize)> {
    let first = *tokens.first()?;
    let rest = &tokens[1..];
    // "quatre vingt(s)", then 1 to 19 without "et" ("quatre vingt onze").
    if first == "quatre" && matches!(rest.first(), Some(&("vingt" | "vingts"))) {
        return Some(match one_to_nineteen(&rest[1..]) {
            Some((units, taken)) => (80 + units, 2 + taken),
            None => (80, 2),
        });
    }
    if let Some(tens) = tens(first) {
        // "vingt et un", "soixante et onze".
        if rest.first() == Some(&"et") {
            match rest.get(1) {
                Some(&"un") => return Some((tens + 1, 3)),
                Some(&"onze") if tens == 60 => return Some((71, 3)),
                _ => {}
            }
        }
        if tens == 60 {
            // "soixante dix", "soixante douze", "soixante dix sept".
            if let Some((units, taken)) = one_to_nineteen(rest).filter(|(u, _)| *u >= 2) {
                return Some((60 + units, 1 + taken));
            }
        } else if let Some(units) = rest
            .first()
            .and_then(|t| unit(t))
            .filter(|u| (2..=9).contains(u))
        {
            return Some((tens + units, 2));
        }
        return Some((tens, 1));
    }
    one_to_nineteen(tokens)
}

/// 1 to 19: "un" to "seize", "dix sept" to "dix neuf".
fn one_to_nineteen(tokens: &[&str]) -> Option<(u32, usize)> {
    let first = *tokens.first()?;
    if first == "dix" {
        return Some(match tokens.get(1).and_then(|t| unit(t)) {
            Some(units @ 7..=9) => (10 + units, 2),
            _ => (10, 1),
        });
    }
    unit(first).map(|units| (units, 1))
}

/// "un" to "seize" ("dix" included).
fn unit(token: &str) -> Option<u32> {
    let value = match token {
        "un" | "une" => 1,
        "deux" => 2,
        "trois" => 3,
        "quatre" => 4,
        "cinq" => 5,
        "six" => 6,
        "sept" => 7,
        "huit" => 8,
        "neuf" => 9,
        "dix" => 10,
        "onze" => 11,
        "douze" => 12,
        "treize" => 13,
        "quatorze" => 14,
        "quinze" => 15,
        "seize" => 16,
        _ => return None,
    };
    Some(value)
}

fn tens(token: &str) -> Option<u32> {
    let value = match token {
        "vingt" => 20,
        "trente" => 30,
        "quarante" => 40,
        "cinquante" => 50,
        "soixante" => 60,
        _ => return None,
    };
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::french_cardinal;

    fn read(words: &str) -> Option<(u32, usize)> {
        let tokens: Vec<&str> = words.split(' ').collect();
        french_cardinal(&tokens)
    }

    #[test]
    fn reads_the_numbers_of_street_names() {
        for (words, value, taken) in [
            ("quatre septembre", 4, 1),
            ("onze novembre", 11, 1),
            ("dix huit juin 1940", 18, 2),
            ("dix juin", 10, 1),
            ("vingt neuf juillet", 29, 2),
            ("vingt et un", 21, 3),
            ("vingt cinq aout", 25, 2),
            ("trente et un", 31, 3),
            ("soixante et onze", 71, 3),
            ("soixante dix sept", 77, 3),
            ("soixante douze", 72, 2),
            ("quatre vingts", 80, 2),
            ("quatre vingt onze", 91, 3),
            ("quatre vingt dix neuf", 99, 4),
            ("trente", 30, 1),
        ] {
            assert_eq!(read(words), Some((value, taken)), "{words}");
        }
    }

    #[test]
    fn other_words_are_not_numbers() {
        for words in ["rue du quatre", "vingtaine", "et un", "", "1918"] {
            assert_eq!(read(words), None, "{words}");
        }
        // "vingt et" alone is twenty, followed by another word.
        assert_eq!(read("vingt et deux"), Some((20, 1)));
        assert_eq!(read("vingt dix"), Some((20, 1)));
    }
}
