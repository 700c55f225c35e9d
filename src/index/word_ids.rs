//! Each place's indexed words as numbers, computed at ingest and read in place from
//! `places.bin`, so that candidate retrieval can score common words ("rue", "paris") on
//! hundreds of candidates per query by comparing integers rather than splitting and comparing
//! strings (see `search::common_words`), and opening the index hashes nothing.
//!
//! A name word is kept as a 64-bit hash of its text: two distinct words of the index sharing a
//! hash is a one-in-billions event whose only effect would be a slightly different candidate
//! order, never a wrong answer (rescoring compares the real words). The place field (city,
//! postcode, lieux-dits) repeats across a commune's places, so it is kept once per distinct
//! text, which places refer to by id.
//!
//! The hashes are those of `std`'s `DefaultHasher` (SipHash-1-3 with zero keys): stable for
//! one build of the program, which is all an index needs, as an index is only read by the
//! program version that wrote it (`layout::FORMAT_VERSION`).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use super::places::file::{PlaceFile, Section, STR_REF_LEN};
use super::places::SearchText;

/// The hash by which a word is known here.
pub fn word_hash(word: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    word.hash(&mut hasher);
    hasher.finish()
}

/// The steps of `WordIds::prefetch`, each one reading what the one before brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The place's entries in the per-place sections.
    Lookup,
    /// The name's word hashes; the entries of the place-field text.
    Words,
    /// The place-field text and its word hashes.
    PlaceText,
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

/// Lists of word hashes, one after the other, as written.
#[derive(Debug, Default)]
pub(crate) struct WordLists {
    pub words: Vec<u64>,
    /// Where each list starts in `words`, and one more entry for the end of the last.
    pub starts: Vec<u32>,
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
}

/// What ingest writes: name words by place; the distinct place-field texts, their words, and
/// each place's text id.
#[derive(Debug, Default)]
pub(crate) struct BuiltWordIds<'a> {
    pub names: WordLists,
    pub place_text_of: Vec<u32>,
    pub place_words: WordLists,
    pub place_texts: Vec<&'a str>,
}

impl BuiltWordIds<'_> {
    pub fn build(texts: &[SearchText]) -> BuiltWordIds<'_> {
        let mut ids = BuiltWordIds {
            place_text_of: Vec::with_capacity(texts.len()),
            ..BuiltWordIds::default()
        };
        ids.names.starts.push(0);
        ids.place_words.starts.push(0);
        let mut text_ids: HashMap<&str, u32> = HashMap::new();
        for text in texts {
            ids.names.push(&text.name);
            let next = text_ids.len() as u32;
            let id = *text_ids.entry(text.place.as_str()).or_insert_with(|| {
                ids.place_words.push(&text.place);
                ids.place_texts.push(&text.place);
                next
            });
            ids.place_text_of.push(id);
        }
        ids
    }
}

/// Name words by place `ord`; place-field texts by id, and each place's id; all in the map.
pub struct WordIds {
    pub(crate) file: Arc<PlaceFile>,
}

impl WordIds {
    /// List `i` of a starts/words pair of sections; empty if the file says nonsense.
    fn list(&self, starts: Section, words: Section, i: usize) -> &[u64] {
        // Both bounds in one read: `i` comes from a u32, so `i * 4 + 8` cannot overflow.
        let Some(b) = self.file.bytes(starts).get(i * 4..i * 4 + 8) else {
            return &[];
        };
        let start = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let end = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        self.file.u64s(words, start, end)
    }

    /// The hashes of a place's name words, in order.
    pub fn name(&self, ord: u32) -> &[u64] {
        self.list(Section::NameStarts, Section::NameWords, ord as usize)
    }

    /// The id of a place's place-field text, that text's word hashes, and the text.
    pub fn place(&self, ord: u32) -> Option<(u32, &[u64], &str)> {
        let id = self.place_text_id(ord)?;
        let (words, text) = self.place_text(id);
        Some((id, words, text))
    }

    /// The id of a place's place-field text: one read, for callers that keep what they
    /// computed of each text (most candidates share their commune's).
    pub fn place_text_id(&self, ord: u32) -> Option<u32> {
        self.file.u32_at(Section::PlaceTextOf, ord as usize)
    }

    /// A place-field text's word hashes, and the text.
    pub fn place_text(&self, id: u32) -> (&[u64], &str) {
        let text = self
            .file
            .item(Section::PlaceTexts, STR_REF_LEN, id as usize)
            .map_or("", |r| self.file.str(r));
        (
            self.list(Section::PlaceStarts, Section::PlaceWords, id as usize),
            text,
        )
    }

    /// Asks the processor to bring in what `name`, `place_text_id` and `place_text` will read
    /// for `ord`, in stages a few candidates apart, each reading what the one before fetched
    /// (see `Stage`). At France scale these are cache misses for every candidate, and
    /// common-word scoring of hundreds of candidates per query spent most of its time waiting
    /// for them. The place-field text is fetched too: the places of a word held across France
    /// are in as many communes, and on the slowest 800 keystroke requests waiting for their
    /// texts took a fifth of the time.
    pub fn prefetch(&self, ord: u32, stage: Stage) {
        let i = ord as usize;
        match stage {
            Stage::Lookup => {
                prefetch(self.file.bytes(Section::PlaceTextOf).get(i * 4));
                prefetch(self.file.bytes(Section::NameStarts).get(i * 4));
            }
            Stage::Words => {
                if let Some(start) = self.file.u32_at(Section::NameStarts, i) {
                    prefetch(self.file.bytes(Section::NameWords).get(start as usize * 8));
                }
                if let Some(id) = self.place_text_id(ord) {
                    let id = id as usize;
                    prefetch(self.file.bytes(Section::PlaceTexts).get(id * STR_REF_LEN));
                    prefetch(self.file.bytes(Section::PlaceStarts).get(id * 4));
                }
            }
            Stage::PlaceText => {
                let Some(id) = self.place_text_id(ord) else {
                    return;
                };
                let id = id as usize;
                if let Some(r) = self.file.item(Section::PlaceTexts, STR_REF_LEN, id) {
                    self.file.prefetch_str(r);
                }
                if let Some(start) = self.file.u32_at(Section::PlaceStarts, id) {
                    prefetch(self.file.bytes(Section::PlaceWords).get(start as usize * 8));
                }
            }
        }
    }

    /// How many distinct place-field texts there are.
    pub fn place_text_count(&self) -> usize {
        self.file.bytes(Section::PlaceTexts).len() / STR_REF_LEN
    }
}
