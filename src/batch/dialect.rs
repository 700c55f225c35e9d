//! How an uploaded CSV is written: its text encoding, delimiter, quote character, byte-order mark
//! and line ending, detected from the first bytes unless the caller says.
//!
//! Spreadsheets export Windows-1252 as often as UTF-8, and French ones use `;` as often as `,`.
//! The delimiter is chosen by parsing the sample with each candidate and keeping the one that
//! splits the header and the rows into the same number of columns; the quote character is never
//! guessed, so an apostrophe in `2 RUE L 'EST ' B` cannot derail detection (as it does addok's).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

use crate::error::{Error, Result};

/// Bytes read ahead to detect the dialect.
pub const SAMPLE_BYTES: usize = 64 * 1024;
/// The delimiters detection chooses from, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Rows of the sample parsed to judge a delimiter.
const SAMPLE_ROWS: usize = 200;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How field bytes become text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextEncoding {
    /// Nothing was said: each field is read as UTF-8 when it is valid UTF-8, else as
    /// Windows-1252 (the superset of Latin-1 that spreadsheets write). A file that mixes both,
    /// as concatenated exports do, comes out right field by field.
    Detect,
    /// The caller named the encoding: bytes invalid in it mark the row as an error.
    Declared(&'static Encoding),
}

impl TextEncoding {
    /// An encoding from its WHATWG label ("utf-8", "latin1", "windows-1252", "iso-8859-15"…).
    /// Only encodings that keep ASCII as ASCII are accepted: delimiters and quotes are found
    /// in the raw bytes.
    pub fn from_label(label: &str) -> Result<TextEncoding> {
        let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            Error::Input(format!(
                "unknown encoding {label:?}; use utf-8, windows-1252, latin1 or iso-8859-15"
            ))
        })?;
        if !encoding.is_ascii_compatible() {
            return Err(Error::Input(format!(
                "the encoding {} is not supported; convert the file to UTF-8",
                encoding.name()
            )));
        }
        Ok(TextEncoding::Declared(encoding))
    }

    /// The text of a field, or why its bytes are not text in this encoding.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> std::result::Result<Cow<'a, str>, String> {
        match self {
            TextEncoding::Detect => Ok(match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
            }),
            TextEncoding::Declared(encoding) => encoding
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or_else(|| format!("bytes that are not valid {}", encoding.name())),
        }
    }

    /// The name reported to the user.
    pub fn name(&self, sample_is_utf8: bool) -> &'static str {
        match self {
            TextEncoding::Detect if sample_is_utf8 => UTF_8.name(),
            TextEncoding::Detect => WINDOWS_1252.name(),
            TextEncoding::Declared(encoding) => encoding.name(),
        }
    }
}

/// What the caller may impose; `None` means detect.
#[derive(Debug, Clone, Default)]
pub struct DialectOptions {
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    pub quote: Option<u8>,
    /// Write a UTF-8 byte-order mark at the start of the output.
    pub with_bom: Option<bool>,
}

/// The dialect of one file, detected or imposed.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialect {
    pub encoding: TextEncoding,
    /// The encoding detection settled on, for the summary ("UTF-8", "windows-1252").
    pub encoding_name: &'static str,
    pub delimiter: u8,
    pub quote: u8,
    /// The input started with a UTF-8 byte-order mark (dropped from the first column's name).
    pub input_bom: bool,
    /// The output starts with one: so that Excel reads accents right in a file that came from it.
    pub output_bom: bool,
    /// Lines end with CR LF (the output does the same).
    pub crlf: bool,
}

impl Dialect {
    /// Detects the dialect from the first bytes of the input (`complete` when they are all of
    /// it). Returns it and how many bytes of BOM to skip.
    pub fn detect(sample: &[u8], complete: bool, options: &DialectOptions) -> Result<Dialect> {
        if let Some(kind) = packed_format(sample) {
            // Read as text, these bytes would "work": every row an error, the binary echoed back.
            return Err(Error::Input(format!(
                "the file is {kind}, not a CSV; send the CSV file itself, uncompressed"
            )));
        }
        let input_bom = sample.starts_with(UTF8_BOM);
        let body = if input_bom {
            &sample[UTF8_BOM.len()..]
        } else {
            sample
        };
        let whole_lines = whole_lines(body, complete);
        let quote = options.quote.unwrap_or(b'"');
        for (name, byte) in [("delimiter", options.delimiter), ("quote", options.quote)] {
            if let Some(byte) = byte {
                if !byte.is_ascii() || byte == b'\n' || byte == b'\r' {
                    return Err(Error::Input(format!(
                        "the {name} must be one ASCII character other than a line break"
                    )));
                }
            }
        }
        let delimiter = match options.delimiter {
            Some(d) => d,
            None => sniff_delimiter(whole_lines, quote),
        };
        if delimiter == quote {
            return Err(Error::Input(
                "the delimiter and the quote character must differ".into(),
            ));
        }
        let sample_is_utf8 = utf8_prefix_is_valid(body, complete);
        let encoding = options.encoding.unwrap_or(TextEncoding::Detect);
        let encoding_name = encoding.name(sample_is_utf8 || input_bom);
        let output_bom = options
            .with_bom
            .unwrap_or(input_bom || encoding_name != UTF_8.name());
        let first_line_end = body.iter().position(|&b| b == b'\n');
        let crlf = first_line_end.is_some_and(|i| i > 0 && body[i - 1] == b'\r');
        Ok(Dialect {
            encoding,
            encoding_name,
            delimiter,
            quote,
            input_bom,
            output_bom,
            crlf,
        })
    }

    /// Bytes to skip at the start of the input.
    pub fn bom_len(&self) -> usize {
        if self.input_bom {
            UTF8_BOM.len()
        } else {
            0
        }
    }
}

/// What a compressed or archive file is, from its magic number.
fn packed_format(sample: &[u8]) -> Option<&'static str> {
    if sample.starts_with(&[0x1f, 0x8b]) {
        Some("gzip-compressed")
    } else if sample.starts_with(b"PK\x03\x04") {
        Some("a ZIP archive (a spreadsheet? export it as CSV)")
    } else {
        None
    }
}

/// A delimiter or quote character as people write it: one ASCII character, or `tab`, `\t`,
/// `comma`, `semicolon`, `pipe`.
pub fn parse_char(text: &str, what: &str) -> Result<u8> {
    let byte = match text {
        "tab" | "\\t" | "\t" => b'\t',
        "comma" => b',',
        "semicolon" => b';',
        "pipe" => b'|',
        _ if text.len() == 1 && text.is_ascii() => text.as_bytes()[0],
        _ => {
            return Err(Error::Input(format!(
                "the {what} {text:?} is not one ASCII character (or tab, comma, semicolon, pipe)"
            )))
        }
    };
    if byte == b'\n' || byte == b'\r' {
        return Err(Error::Input(format!("the {what} cannot be a line break")));
    }
    Ok(byte)
}

/// The sample cut after its last line break, unless it is the whole input.
fn whole_lines(sample: &[u8], complete: bool) -> &[u8] {
    if complete {
        return sample;
    }
    match sample.iter().rposition(|&b| b == b'\n') {
        Some(i) => &sample[..=i],
        None => sample,
    }
}

/// Whether the sample is UTF-8, allowing a character cut at the end of an incomplete sample.
fn utf8_prefix_is_valid(sample: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => !complete && e.error_len().is_none(),
    }
}

/// The candidate that splits the header into at least two columns and the most rows into as
/// many columns as the header; a file with one column gets `,` (it has no delimiter).
pub fn sniff_delimiter(sample: &[u8], quote: u8) -> u8 {
    let mut best: Option<(u8, f64, usize)> = None;
    for &delimiter in DELIMITERS.iter().filter(|&&d| d != quote) {
        let Some((consistency, columns)) = judge(sample, delimiter, quote) else {
            continue;
        };
        let better = match best {
            None => true,
            Some((_, c, n)) => consistency > c + 1e-9 || (consistency > c - 1e-9 && columns > n),
        };
        if better {
            best = Some((delimiter, consistency, columns));
        }
    }
    best.map_or(b',', |(d, _, _)| d)
}

/// (share of rows with the header's column count, header column count), if the header splits.
fn judge(sample: &[u8], delimiter: u8, quote: u8) -> Option<(f64, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote)
        .has_headers(false)
        .flexible(true)
        .from_reader(sample);
    let mut record = csv::ByteRecord::new();
    let mut header_len = None;
    let (mut rows, mut matching) = (0usize, 0usize);
    while rows < SAMPLE_ROWS {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
        match header_len {
            None => header_len = Some(record.len()),
            Some(n) => {
                rows += 1;
                if record.len() == n {
                    matching += 1;
                }
            }
        }
    }
    let columns = header_len.filter(|&n| n >= 2)?;
    let consistency = if rows == 0 {
        1.0
    } else {
        matching as f64 / rows as f64
    };
    Some((consistency, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &[u8]) -> Dialect {
        Dialect::detect(text, true, &DialectOptions::default()).unwrap()
    }

    #[test]
    fn an_apostrophe_does_not_fool_the_delimiter() {
        let text = b"id;adresse;ville\n1;2 RUE L 'EST ' B;Gap\n2;8 rue d'Italie;Gap\n";
        assert_eq!(detect(text).delimiter, b';');
    }

    #[test]
    fn commas_inside_a_semicolon_file_are_not_the_delimiter() {
        let text =
            b"adresse;cp;ville\n12, rue Carnot;05000;Gap\n3 bis, avenue Jean Jaures;05000;Gap\n";
        assert_eq!(detect(text).delimiter, b';');
        let text = b"adresse,cp,ville\n\"12; rue Carnot\",05000,Gap\n";
        assert_eq!(detect(text).delimiter, b',');
    }

    #[test]
    fn tabs_and_pipes_are_detected() {
        assert_eq!(detect(b"a\tb\n1\t2\n").delimiter, b'\t');
        assert_eq!(detect(b"a|b|c\n1|2|3\n").delimiter, b'|');
        assert_eq!(detect(b"adresse\n8 rue de Rivoli Paris\n").delimiter, b',');
    }

    #[test]
    fn latin1_is_detected_and_gets_a_bom_on_output() {
        let dialect = detect(b"adresse;ville\n1 rue de l'\xC9glise;Gap\n");
        assert_eq!(dialect.encoding_name, "windows-1252");
        assert!(dialect.output_bom);
        assert_eq!(
            dialect.encoding.decode(b"rue de l'\xC9glise").unwrap(),
            "rue de l'Église"
        );
        let dialect = detect("adresse\n1 rue de l'Église\n".as_bytes());
        assert_eq!(dialect.encoding_name, "UTF-8");
        assert!(!dialect.output_bom);
    }

    #[test]
    fn a_bom_and_crlf_are_kept() {
        let dialect = detect(b"\xEF\xBB\xBFadresse;ville\r\n1 rue X;Gap\r\n");
        assert!(dialect.input_bom && dialect.output_bom && dialect.crlf);
        assert_eq!(dialect.bom_len(), 3);
        assert_eq!(dialect.delimiter, b';');
    }

    #[test]
    fn a_declared_encoding_is_strict() {
        let utf8 = TextEncoding::from_label("utf-8").unwrap();
        assert!(utf8.decode(b"\xC9glise").is_err());
        let latin1 = TextEncoding::from_label("latin1").unwrap();
        assert_eq!(latin1.decode(b"\xC9glise").unwrap(), "Église");
        assert!(TextEncoding::from_label("utf-16").is_err());
        assert!(TextEncoding::from_label("klingon").is_err());
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_sample_is_still_utf8() {
        let text = "adresse\nrue de l'Église\n".as_bytes();
        let cut = &text[..text.len() - 7]; // ends inside "É"
        let dialect = Dialect::detect(cut, false, &DialectOptions::default()).unwrap();
        assert_eq!(dialect.encoding_name, "UTF-8");
    }
}
