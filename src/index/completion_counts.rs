//! How many documents hold a completion of a word being typed, per field: counted from the
//! term dictionary the first time a prefix is asked for, then remembered for the life of the
//! index (its files never change).
//!
//! Retrieval asks it for every word being typed, in both fields, to know whether the word may
//! bring candidates in. Counting walks the prefix's terms until the count passes the largest
//! that matters. A short prefix of a small index has thousands of terms each held by a few
//! documents ("c" on the 237k real data), and walking them was 13% of the instructions of
//! the keystroke stream there; keystrokes ask for the same short prefixes over and over.

use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::schema::Field;
use tantivy::Searcher;

/// Counts kept at most: beyond, prefixes are counted each time (the counts of the first ones,
/// the short and frequent prefixes, stay). About 3 MB at most.
const MAX_REMEMBERED: usize = 65_536;

/// Remembered counts, by field, prefix and the count past which counting stopped.
#[derive(Default)]
pub struct CompletionCounts {
    counts: Mutex<HashMap<(Field, u64, Box<str>), u64>>,
}

impl CompletionCounts {
    /// How many documents of `searcher` hold a word of `field` that starts with `prefix` (a
    /// word held by a document twice over counts twice), counting no further than just past
    /// `enough`.
    pub fn docs(&self, searcher: &Searcher, field: Field, prefix: &str, enough: u64) -> u64 {
        let key = (field, enough, Box::<str>::from(prefix));
        // A poisoned lock only means a panic elsewhere while it was held: the map is intact.
        let counts = || {
            self.counts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(&count) = counts().get(&key) {
            return count;
        }
        let count = count_completions(searcher, field, prefix, enough);
        let mut counts = counts();
        if counts.len() < MAX_REMEMBERED {
            counts.insert(key, count);
        }
        count
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
