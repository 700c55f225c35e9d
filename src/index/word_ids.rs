//! Each place's indexed words as numbers, built once at open, so that candidate retrieval can
//! score common words ("rue", "paris") on hundreds of candidates per query by comparing
//! integers rather than splitting and comparing strings (see `search::common_words`).
//!
//! A name word is kept as a 64-bit hash of its text: two distinct words of the index sharing a
//! hash is a one-in-billions event whose only effect would be a slightly different candidate
//! order, never a wrong answer (rescoring compares the real words). The place field (city,
//! postcode, lieux-dits) repeats across a commune's places, so it is kept once per distinct
//! text, which places refer to by id.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::places::SearchText;

/// The hash by which a word is known here.
pub fn word_hash(word: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    word.hash(&mut hasher);
    hasher.finish()
}

/// The two steps of `WordIds::prefetch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Lookup,
    Words,
}

/// A hint that `value` will be read soon; no effect on what the program computes.
#[inline(always)]
pub fn prefetch<T>(value: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(value) = value {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of the x86-64 baseline, and a prefetch only hints the cache: it
        // never faults and changes no value, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Lists of word hashes, one after the other.
#[derive(Debug, Default)]
struct WordLists {
    words: Vec<u64>,
    /// Where each list starts in `words`, and one more entry for the end of the last.
    starts: Vec<u32>,
}

impl WordLists {
    fn push(&mut self, text: &str) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.words
            .extend(text.split(' ').filter(|w| !w.is_empty()).map(word_hash));
        self.starts.push(self.words.len() as u32);
    }

    /// The first word of list `i`, for a prefetch: the list's start must be at hand already.
    fn first_word(&self, i: usize) -> Option<&u64> {
        self.words.get(*self.starts.get(i)? as usize)
    }

    fn get(&self, i: usize) -> &[u64] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&start), Some(&end)) => &self.words[start as usize..end as usize],
            _ => &[],
        }
    }
}

/// Name words by place `ord`; place-field texts by id, and each place's id.
#[derive(Debug, Default)]
pub struct WordIds {
    names: WordLists,
    /// The id of each place's place-field text.
    place_text: Vec<u32>,
    /// Each distinct place-field text, as words and as text.
    place_words: WordLists,
    place_texts: Vec<String>,
}

impl WordIds {
    pub fn build(texts: &[SearchText]) -> WordIds {
        let mut ids = WordIds {
            place_text: Vec::with_capacity(texts.len()),
            ..WordIds::default()
        };
        let mut text_ids: HashMap<&str, u32> = HashMap::new();
        for text in texts {
            ids.names.push(&text.name);
            let next = text_ids.len() as u32;
            let id = *text_ids.entry(text.place.as_str()).or_insert_with(|| {
                ids.place_words.push(&text.place);
                ids.place_texts.push(text.place.clone());
                next
            });
            ids.place_text.push(id);
        }
        ids
    }

    /// The hashes of a place's name words, in order.
    pub fn name(&self, ord: u32) -> &[u64] {
        self.names.get(ord as usize)
    }

    /// The id of a place's place-field text, that text's word hashes, and the text.
    pub fn place(&self, ord: u32) -> Option<(u32, &[u64], &str)> {
        let id = *self.place_text.get(ord as usize)?;
        Some((
            id,
            self.place_words.get(id as usize),
            self.place_texts[id as usize].as_str(),
        ))
    }

    /// Asks the processor to bring in what `name` and `place` will read for `ord`, in two
    /// stages a few candidates apart: `Stage::Lookup` fetches the place's entries in the
    /// per-place arrays, `Stage::Words` (once those have arrived) the word lists they point to.
    /// At France scale a candidate's words are four cache misses away, and common-word scoring
    /// of hundreds of candidates per query spent most of its time waiting for them.
    pub fn prefetch(&self, ord: u32, stage: Stage) {
        let ord = ord as usize;
        match stage {
            Stage::Lookup => {
                prefetch(self.place_text.get(ord));
                prefetch(self.names.starts.get(ord + 1));
            }
            Stage::Words => {
                prefetch(self.names.first_word(ord));
                if let Some(&id) = self.place_text.get(ord) {
                    prefetch(self.place_words.starts.get(id as usize + 1));
                }
            }
        }
    }

    /// How many distinct place-field texts there are.
    pub fn place_text_count(&self) -> usize {
        self.place_texts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_of_one_commune_share_their_place_text_id() {
        let text = |name: &str, place: &str| SearchText {
            name: name.into(),
            place: place.into(),
        };
        let ids = WordIds::build(&[
            text("rue de la paix", "paris 75002"),
            text("", "gap 05000"),
            text("rue bourseul", "paris 75002"),
        ]);
        assert_eq!(
            ids.name(0),
            ["rue", "de", "la", "paix"].map(word_hash).as_slice()
        );
        assert!(ids.name(1).is_empty());
        assert_eq!(ids.name(3), &[] as &[u64]);
        let paris = ["paris", "75002"].map(word_hash);
        assert_eq!(ids.place(0), Some((0, paris.as_slice(), "paris 75002")));
        assert_eq!(ids.place(2), Some((0, paris.as_slice(), "paris 75002")));
        let gap = ["gap", "05000"].map(word_hash);
        assert_eq!(ids.place(1), Some((1, gap.as_slice(), "gap 05000")));
        assert_eq!(ids.place(3), None);
        assert_eq!(ids.place_text_count(), 2);
    }
}
