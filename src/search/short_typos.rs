//! Retrieval of the near spellings of a word too short for tantivy's typo automata (two or
//! three letters): a Levenshtein automaton one edit from "pan" takes thousands of words, so
//! these clauses list the exact one-edit forms in a regular expression, and look for them only
//! where a typo may tell places apart (`score::ShortTypos` reads them when rescoring).

use tantivy::query::{BooleanQuery, Occur, Query, RegexQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::index::schema::Fields;
use crate::model::Kind;
use crate::text::is_stopword;

use super::candidates::FUZZY_1_MIN_LEN;
use super::query::QueryToken;

/// Share of a typo's weight given to the near spellings of a word of two or three letters.
pub const WEIGHT_SHARE: f32 = 0.7;

/// Name words one edit from a word of two or three letters that names hardly hold ("nzy" for
/// "Ney", "pan" for "Péan", "ue" for "rue"), only among the places that also have one of the
/// query's postcode or city words: one letter away from three, there are too many words to
/// take any of them on its own. A word that names where places are ("gap") or that is common
/// ("rue") is not taken for a typo.
pub fn in_names(
    fields: &Fields,
    token: &QueryToken,
    [in_name, in_place]: [u64; 2],
    where_clause: &impl Fn() -> Option<Box<dyn Query>>,
) -> Option<Box<dyn Query>> {
    let text = token.text.as_str();
    if token.is_prefix
        || !(2..FUZZY_1_MIN_LEN).contains(&text.len())
        || !text.bytes().all(|b| b.is_ascii_lowercase())
        || is_stopword(text)
    {
        return None;
    }
    if in_place > 0 || in_name > MAX_NAME_DOCS {
        return None;
    }
    // A three-letter word that a few names hold may still lack a letter of a four-letter one;
    // other typos, many more words away, are looked for only for a word held by none. A
    // two-letter word is a three-letter one less a letter (two letters are hardly a name).
    let edits: &[Edit] = match (text.len(), in_name) {
        (3, 0) => &[Edit::Dropped, Edit::Changed, Edit::Swapped],
        (3, _) => &[Edit::Dropped],
        (_, 0) => &[Edit::Dropped],
        _ => return None,
    };
    let near = RegexQuery::from_pattern(&one_edit_pattern(text, edits)?, fields.name).ok()?;
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Must, Box::new(near) as Box<dyn Query>),
        (Occur::Must, where_clause()?),
    ])))
}

/// The typos a short word's near spellings are looked for with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edit {
    /// The user left out a letter: the indexed word has one more ("pean" for "pan").
    Dropped,
    /// One letter differs ("ney" for "nzy").
    Changed,
    /// Two neighbours are swapped ("gap" for "gpa").
    Swapped,
}

/// A regular expression for the words one of `edits` away from `text` (lower-case ASCII), and
/// nothing else: a Levenshtein automaton would also take every word one letter shorter
/// ("pan": "pa"), thousands of postings.
fn one_edit_pattern(text: &str, edits: &[Edit]) -> Option<String> {
    let n = text.len();
    let mut spellings: Vec<String> = Vec::new();
    for edit in edits {
        match edit {
            Edit::Dropped => {
                spellings.extend((0..=n).map(|at| format!("{}[a-z]{}", &text[..at], &text[at..])))
            }
            Edit::Changed => spellings
                .extend((0..n).map(|at| format!("{}[a-z]{}", &text[..at], &text[at + 1..]))),
            Edit::Swapped => {
                for at in 0..n.saturating_sub(1) {
                    let mut swapped = text.as_bytes().to_vec();
                    swapped.swap(at, at + 1);
                    spellings.push(String::from_utf8(swapped).ok()?);
                }
            }
        }
    }
    Some(spellings.join("|"))
}

/// Places whose city, district or lieu-dit has a word one typo from a three-letter word that
/// the index holds nowhere ("gpa", "gep": Gap), and municipalities whose name has: a letter
/// changed, left out, or two neighbours swapped. Where places are is a small vocabulary, so
/// the pattern meets few words, and it is tried only for a word that explains nothing
/// otherwise (`score::ShortTypos::InPlace`).
pub fn in_places(
    fields: &Fields,
    token: &QueryToken,
    [in_name, in_place]: [u64; 2],
    completes: bool,
) -> Option<Box<dyn Query>> {
    let text = token.text.as_str();
    if text.len() + 1 != FUZZY_1_MIN_LEN
        || !text.bytes().all(|b| b.is_ascii_lowercase())
        || is_stopword(text)
        || in_place + in_name > 0
        || (token.is_prefix && completes)
    {
        return None;
    }
    let pattern = one_edit_pattern(text, &[Edit::Dropped, Edit::Changed, Edit::Swapped])?;
    let in_place = RegexQuery::from_pattern(&pattern, fields.place).ok()?;
    let municipality = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(RegexQuery::from_pattern(&pattern, fields.name).ok()?) as Box<dyn Query>,
        ),
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.kind, Kind::Municipality.as_str()),
                IndexRecordOption::Basic,
            )),
        ),
    ]);
    Some(Box::new(BooleanQuery::new(vec![
        (Occur::Should, Box::new(in_place) as Box<dyn Query>),
        (Occur::Should, Box::new(municipality)),
    ])))
}

/// A three-letter word held by more names than this is a word, not a typo.
const MAX_NAME_DOCS: u64 = 20;
