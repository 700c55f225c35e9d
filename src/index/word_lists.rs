//! The places of each name word held across France by thousands of places, copied side by side
//! with what ranking them needs: the "word lists" of `places.bin`, written at ingest.
//!
//! Candidate retrieval walks every place of a query's rarest word. When that word is a street
//! word held by thousands of places ("quai": 9,418 across France, "porte", "neuve"), tantivy
//! gave their documents one by one, and each match then cost random reads in tables of millions
//! of entries: the document's place and facts, the place's word card, its commune's card.
//! Those reads were two thirds of the slowest keystrokes. A word list holds, for each place of
//! the word in place order, its ranking facts and a copy of its word card: walking it reads
//! memory in order, which the processor fetches ahead by itself, and the word's own BM25 is
//! computed from the card (`search::card_scorer`), so tantivy is not asked at all.
//!
//! Only words whose lists are worth their bytes are listed: held in the name of at least
//! `LIST_MIN_NAME_DOCS` places (rarer words are walked quickly anyway), and in at most
//! `LIST_MAX_DOCS` documents in all (more never select, see `search::candidates`). Across
//! France (the scale-1.0 corpus of `adresse synth`) that is 2,639 words and 4.17 million
//! entries, 334 MB; from 1,000 names on it was 606 words and 2.07 million entries, 165 MB, and
//! the keystroke stream took 8% longer. On the 237k real data: 18 words, 40,484 entries.
//!
//! Layout, little-endian. `ListWords`: for each listed word in vocabulary order, its ordinal
//! and the index of its first entry (u32, u32), then `u32::MAX` and the entry count.
//! `ListEntries`: `ENTRY_LEN` bytes each: the place's ord (u32), importance, lon, lat (f32, as
//! in the `Rank` section), then its name card as `NameCards` holds it. A list holds every place
//! whose name or place-field text holds the word, in place order.

use std::collections::BTreeMap;

use super::doc_info::RankFacts;
use super::places::file::{PlaceFile, Section};
use super::places::SearchText;
use super::word_cards::{words_of, BuiltWordCards, Card, WordCards, CARD_LEN, PLACE_TEXT_ON_CARD};
use super::word_ids::BuiltWordIds;

/// Where an entry's card starts, after the ord and facts.
const CARD_AT: usize = 16;
/// Bytes of one entry: ord and facts, then the card.
pub const ENTRY_LEN: usize = CARD_AT + CARD_LEN;
/// Bytes of one `ListWords` item.
pub const LIST_WORD_LEN: usize = 8;
/// A word held in fewer names than this has no list.
pub const LIST_MIN_NAME_DOCS: u64 = 300;
/// A word held by more documents (name and place field counted apart, as tantivy counts them)
/// has no list: retrieval never walks it (`candidates::SELECTABLE_MAX_DOCS`).
pub const LIST_MAX_DOCS: u64 = 10_000;

/// What ingest writes: the `ListWords` and `ListEntries` sections.
pub(crate) struct BuiltWordLists {
    pub words: Vec<u8>,
    pub entries: Vec<u8>,
}

impl BuiltWordLists {
    /// The lists of the words of `texts` (by ord), given their `cards` and the places' facts.
    pub fn build(
        texts: &[SearchText],
        ids: &BuiltWordIds<'_>,
        cards: &BuiltWordCards<'_>,
        facts: &[RankFacts],
    ) -> BuiltWordLists {
        let distinct = |text: &str| {
            let mut words: Vec<u32> = words_of(text)
                .filter_map(|word| cards.ordinals.get(word).copied())
                .collect();
            words.sort_unstable();
            words.dedup();
            words
        };
        let place_text_words: Vec<Vec<u32>> = ids.place_texts.iter().map(|t| distinct(t)).collect();
        // Documents holding each word, per field: a place counts once per field.
        let mut in_names = vec![0u64; cards.vocabulary.len()];
        let mut in_places = vec![0u64; cards.vocabulary.len()];
        let name_words: Vec<Vec<u32>> = texts.iter().map(|t| distinct(&t.name)).collect();
        for (words, &place_text) in name_words.iter().zip(&ids.place_text_of) {
            for &w in words {
                in_names[w as usize] += 1;
            }
            for &w in &place_text_words[place_text as usize] {
                in_places[w as usize] += 1;
            }
        }
        let listed = |w: u32| {
            let (name, place) = (in_names[w as usize], in_places[w as usize]);
            name >= LIST_MIN_NAME_DOCS && name + place <= LIST_MAX_DOCS
        };
        // By word ordinal, the order of `ListWords`.
        let mut lists: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (ord, (words, &place_text)) in name_words.iter().zip(&ids.place_text_of).enumerate() {
            let mut held: Vec<u32> = words
                .iter()
                .chain(&place_text_words[place_text as usize])
                .copied()
                .filter(|&w| listed(w))
                .collect();
            held.sort_unstable();
            held.dedup();
            for w in held {
                lists.entry(w).or_default().push(ord as u32);
            }
        }
        let total: usize = lists.values().map(Vec::len).sum();
        let mut words = Vec::with_capacity((lists.len() + 1) * LIST_WORD_LEN);
        let mut entries = Vec::with_capacity(total * ENTRY_LEN);
        let mut start: u32 = 0;
        for (w, ords) in &lists {
            words.extend_from_slice(&w.to_le_bytes());
            words.extend_from_slice(&start.to_le_bytes());
            for &ord in ords {
                let f = facts[ord as usize];
                entries.extend_from_slice(&ord.to_le_bytes());
                for v in [f.importance, f.lon, f.lat] {
                    entries.extend_from_slice(&v.to_le_bytes());
                }
                let card = ord as usize * CARD_LEN;
                entries.extend_from_slice(&cards.name_cards[card..card + CARD_LEN]);
                start += 1;
            }
        }
        words.extend_from_slice(&u32::MAX.to_le_bytes());
        words.extend_from_slice(&start.to_le_bytes());
        BuiltWordLists { words, entries }
    }
}

/// One place of a word list.
#[derive(Debug, Clone, Copy)]
pub struct ListEntry {
    pub ord: u32,
    pub facts: RankFacts,
    /// The place's name card.
    pub card: Card,
}

/// The places of one listed word, in place order.
#[derive(Clone, Copy)]
pub struct WordList<'a> {
    entries: &'a [u8],
}

impl<'a> WordList<'a> {
    pub fn len(&self) -> usize {
        self.entries.len() / ENTRY_LEN
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The u32 at byte `at` of the `i`-th entry.
    fn u32_at(&self, i: usize, at: usize) -> Option<u32> {
        let start = i.checked_mul(ENTRY_LEN)? + at;
        Some(u32::from_le_bytes(
            self.entries.get(start..start + 4)?.try_into().ok()?,
        ))
    }

    /// The place-field text id on the card of the `i`-th place, read alone.
    pub fn place_text(&self, i: usize) -> Option<u32> {
        self.u32_at(i, CARD_AT + PLACE_TEXT_ON_CARD)
    }

    pub fn get(&self, i: usize) -> Option<ListEntry> {
        let f32_at = |at: usize| self.u32_at(i, at).map(f32::from_bits);
        Some(ListEntry {
            ord: self.u32_at(i, 0)?,
            facts: RankFacts {
                importance: f32_at(4)?,
                lon: f32_at(8)?,
                lat: f32_at(12)?,
            },
            card: Card::read(
                self.entries
                    .get(i * ENTRY_LEN + CARD_AT..(i + 1) * ENTRY_LEN)?,
            )?,
        })
    }
}

impl WordCards {
    /// The list of the word of vocabulary `ordinal`, if it has one.
    pub fn list(&self, ordinal: u32) -> Option<WordList<'_>> {
        list_in(&self.file, ordinal)
    }

    /// The vocabulary ordinals of the listed words, in order.
    pub fn listed_words(&self) -> Vec<u32> {
        let count = (self.file.bytes(Section::ListWords).len() / LIST_WORD_LEN).saturating_sub(1);
        (0..count)
            .filter_map(|i| list_word(&self.file, i).map(|(ordinal, _)| ordinal))
            .collect()
    }
}

/// The `i`-th item of `ListWords`: a word's ordinal and its first entry.
fn list_word(file: &PlaceFile, i: usize) -> Option<(u32, usize)> {
    Some((
        file.u32_at(Section::ListWords, 2 * i)?,
        file.u32_at(Section::ListWords, 2 * i + 1)? as usize,
    ))
}

fn list_in(file: &PlaceFile, ordinal: u32) -> Option<WordList<'_>> {
    let count = (file.bytes(Section::ListWords).len() / LIST_WORD_LEN).checked_sub(1)?;
    // Binary search over the listed words (the sentinel after them is never compared).
    let (mut low, mut high) = (0, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if list_word(file, middle)?.0 < ordinal {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    let (found, start) = list_word(file, low)?;
    if low == count || found != ordinal {
        return None;
    }
    let (_, end) = list_word(file, low + 1)?;
    let entries = file
        .bytes(Section::ListEntries)
        .get(start.checked_mul(ENTRY_LEN)?..end.checked_mul(ENTRY_LEN)?)?;
    Some(WordList { entries })
}
