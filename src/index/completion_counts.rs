//! How many documents hold a completion of a word being typed, per field: counted from the
//! term dictionary the first time a prefix is asked for, then remembered for the life of the
//! index (its files never change).
//!
//! Retrieval asks it for every word being typed, in both fields, to know whether the word may
//! bring candidates in. Counting walks the prefix's terms until the count passes the largest
//! that matters. A short prefix of a small index has thousands of terms each held by a few
//! documents ("c" on the 237k real data), and walking them was 13% of the instructions of
//! the keystroke stream there; keystrokes ask for the same short prefixes over and over.

use smallvec::SmallVec;
use tantivy::schema::Field;
use tantivy::Searcher;

use super::memo::Memo;

/// Remembered counts, by field, the count past which counting stopped, and prefix.
#[derive(Default)]
pub struct CompletionCounts {
    counts: Memo<u64>,
}

impl CompletionCounts {
    /// How many documents of `searcher` hold a word of `field` that starts with `prefix` (a
    /// word held by a document twice over counts twice), counting no further than just past
    /// `enough`.
    pub fn docs(&self, searcher: &Searcher, field: Field, prefix: &str, enough: u64) -> u64 {
        let mut key: SmallVec<[u8; 64]> = SmallVec::new();
        key.extend_from_slice(&field.field_id().to_le_bytes());
        key.extend_from_slice(&enough.to_le_bytes());
        key.extend_from_slice(prefix.as_bytes());
        self.counts
            .get_or(&key, || count_completions(searcher, field, prefix, enough))
    }
}

fn count_completions(searcher: &Searcher, field: Field, prefix: &str, enough: u64) -> u64 {
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xff);
    let mut total: u64 = 0;
    for segment in searcher.segment_readers() {
        let Ok(index) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = index
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .lt(&upper)
            .into_stream()
        else {
            continue;
        };
        while stream.advance() {
            total += u64::from(stream.value().doc_freq);
            if total > enough {
                return total;
            }
        }
    }
    total
}
