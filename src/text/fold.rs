//! Lower-casing and accent folding: "Évêché" → "eveche", "Œil" → "oeil".

use unicode_normalization::UnicodeNormalization;

/// Lower case, with diacritics removed and ligatures spelled out. Characters that are neither
/// letters nor digits are kept (the tokenizer splits on them). Mojibake ("BrianÃ§on") is
/// repaired first (`mojibake.rs`).
pub fn fold(text: &str) -> String {
    let text = super::mojibake::repair(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            // Typographic apostrophes and dashes are separators like their ASCII forms.
            '\u{2019}' | '\u{2018}' | '\u{2013}' | '\u{2014}' => out.push(' '),
            _ => {
                for d in c.to_lowercase().nfd() {
                    if d.is_ascii() {
                        out.push(d);
                    } else if !is_combining_mark(d) {
                        // Anything else outside ASCII (other scripts, symbols) separates words:
                        // BAN names are Latin script, and tokens stay `[a-z0-9]+`.
                        out.push(' ');
                    }
                }
            }
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_french_accents_and_ligatures() {
        assert_eq!(fold("Évêché Noël Œuf çà"), "eveche noel oeuf ca");
    }

    #[test]
    fn mojibake_folds_as_the_text_it_damaged() {
        assert_eq!(fold("BrianÃ§on, lâ€™Ã‰glise"), "briancon, l eglise");
    }

    #[test]
    fn typographic_apostrophe_separates_words() {
        assert_eq!(fold("l’Opéra"), "l opera");
    }
}
