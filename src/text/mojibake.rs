//! Mojibake repair: "BrianÃ§on" → "Briançon".
//!
//! A file written in UTF-8 and opened as Windows-1252 (the default of many spreadsheets on
//! Windows) shows each accented letter as two characters: "é" (bytes C3 A9) becomes "Ã©",
//! and the typographic apostrophe (E2 80 99) "â€™". Saved again, the damage is in the data
//! that reaches us. Folded as it is, "Ã©" would read "a", one letter off in every accented
//! word, enough to lose "Rue Réaumur" to its neighbours.
//!
//! Repaired here are only the sequences that decode to a Latin letter of U+0080–U+017F (the
//! letters of French and its neighbours, and the Latin-1 symbols) or to a punctuation mark of
//! U+2000–U+206F. No French word holds "Ã" followed by a symbol, so such text is left as it
//! came. A text damaged twice ("ÃƒÂ©") is repaired twice.

use std::borrow::Cow;

/// `text` with its Windows-1252 mojibake repaired, borrowed when there is none.
pub fn repair(text: &str) -> Cow<'_, str> {
    if !looks_damaged(text) {
        return Cow::Borrowed(text);
    }
    let mut repaired = repair_once(text);
    // Twice damaged text needs a second pass; a third is not seen in practice.
    if looks_damaged(&repaired) {
        repaired = repair_once(&repaired);
    }
    Cow::Owned(repaired)
}

/// Whether `text` holds "Â", "Ã", "Ä", "Å" or "â" followed by a character that Windows-1252
/// writes as a UTF-8 continuation byte, or "Ã" followed by a space (an "à" whose second byte,
/// a no-break space, became a plain space). A quick test on bytes: the fast path of every
/// query and every indexed name.
fn looks_damaged(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).enumerate().any(|(i, pair)| {
        // "Â" … "Å" are C3 82 … C3 85, "â" is C3 A2.
        pair[0] == 0xC3
            && matches!(pair[1], 0x82..=0x85 | 0xA2)
            && text[i + 2..]
                .chars()
                .next()
                .is_some_and(|next| continuation_byte(next).is_some() || next == ' ')
    })
}

fn repair_once(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((repaired, used)) = decode_at(&chars[i..]) {
            out.push(repaired);
            i += used;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The character that `chars` starts with once read back as UTF-8, and how many of `chars`
/// it took, if they are the mojibake of a letter or of a punctuation mark.
fn decode_at(chars: &[char]) -> Option<(char, usize)> {
    let lead = *chars.first()?;
    match lead {
        // Two-byte sequences: C2–C5 lead bytes give U+0080–U+017F.
        'Â' | 'Ã' | 'Ä' | 'Å' => {
            let next = *chars.get(1)?;
            let low = if lead == 'Ã' && next == ' ' {
                0xA0 // "à": its no-break space turned into a space
            } else {
                continuation_byte(next)?
            };
            let code = ((u32::from(lead) & 0x1F) << 6) | u32::from(low & 0x3F);
            let decoded = char::from_u32(code)?;
            (lead != 'Â' || !decoded.is_control()).then_some((decoded, 2))
        }
        // Three-byte sequences of lead byte E2 ("â"): typographic punctuation U+2000–U+206F.
        'â' => {
            let (second, third) = (
                continuation_byte(*chars.get(1)?)?,
                continuation_byte(*chars.get(2)?)?,
            );
            let code = (0x2 << 12) | (u32::from(second & 0x3F) << 6) | u32::from(third & 0x3F);
            let decoded = char::from_u32(code)?;
            ((0x2000..=0x206F).contains(&code)).then_some((decoded, 3))
        }
        _ => None,
    }
}

/// The byte 0x80–0xBF that Windows-1252 (or Latin-1, for the five bytes 1252 leaves
/// undefined) shows as `c`, if any: the bytes that continue a UTF-8 sequence.
fn continuation_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    if (0x80..=0xBF).contains(&code) {
        return u8::try_from(code).ok();
    }
    let byte = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(byte)
}

#[cfg(test)]
mod tests {
    use super::repair;
    use proptest::prelude::*;

    /// What a spreadsheet shows of `text`'s UTF-8 bytes read as Windows-1252.
    fn damage(text: &str) -> String {
        let (decoded, _, _) = encoding_rs::WINDOWS_1252.decode(text.as_bytes());
        decoded.into_owned()
    }

    #[test]
    fn repairs_accents_apostrophes_and_capitals() {
        for clean in [
            "13 Rue du Moulin 05100 Briançon",
            "112 Rue Réaumur 75002 Paris",
            "5 Charrière de la Trône 05600 Risoul",
            "Rue de l’Église",
            "ÉCOLE DES ŒUVRES",
            "Chemin de la Croix à l'Âne",
            "Noël, Ancienne Route d'Aïga",
        ] {
            let damaged = damage(clean);
            assert_ne!(damaged, clean);
            assert_eq!(repair(&damaged), clean, "{damaged}");
        }
    }

    #[test]
    fn repairs_text_damaged_twice() {
        let twice = damage(&damage("Rue Réaumur"));
        assert_eq!(repair(&twice), "Rue Réaumur");
    }

    #[test]
    fn repairs_an_a_grave_whose_no_break_space_became_a_space() {
        assert_eq!(repair("Chemin Ã  la Croix"), "Chemin à la Croix");
    }

    #[test]
    fn leaves_french_text_alone() {
        for clean in [
            "Château-Ville-Vieille",
            "Âne, Å, Ä, Ão et â.",
            "12 rue de l'Église",
            "ÂGE D'OR",
            "Ã",
            "â",
        ] {
            assert!(
                matches!(repair(clean), std::borrow::Cow::Borrowed(_)),
                "{clean}"
            );
        }
    }

    proptest! {
        /// Any text of Latin letters and French punctuation comes back whole from its mojibake.
        /// ("Â" is left out: "Â°" is the mojibake of "°" and is repaired as such.)
        #[test]
        fn the_mojibake_of_latin_text_comes_back(clean in "[a-zA-Z0-9 ,'éèêëàâäîïôöùûüçÉÈÊÀÎÔÙÛÇœŒæ’«»°-]{0,40}") {
            let repaired = repair(&damage(&clean)).into_owned();
            prop_assert_eq!(repaired, clean);
        }

        /// Text that is not mojibake is returned as it is.
        #[test]
        fn clean_latin_text_is_left_as_it_is(clean in "[a-zA-Z0-9 ,'éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÙÛÇœŒæ’-]{0,40}") {
            let repaired = repair(&clean).into_owned();
            prop_assert_eq!(repaired, clean);
        }
    }
}
