//! The words of the most important places (`DocInfo::most_important`), copied together when
//! the index opens.
//!
//! A query whose every word is too common to walk ("29 ru") is answered from these 2,000
//! places, each scored by the query's words (`search::common_words`). In the mapped place
//! table their words lie scattered over a gigabyte at France scale, a few cache misses for
//! each of them at every query. Side by side, they are a few hundred kilobytes that stay in
//! cache from one query to the next. Their names are indexed
//! too (word → places, and the sorted words for completions), so that a query's words are
//! scored word by word (`search::common_words::score_important`).

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use super::places::Texts;
use super::word_ids::WordIds;

/// Places are known here by their position in `ords` (a local index); place-field texts by
/// a local id.
#[derive(Debug, Default)]
pub struct ImportantWords {
    /// The places, in place order.
    ords: Vec<u32>,
    /// Name word hashes of every place, one list after the other; `name_starts[i]..
    /// name_starts[i + 1]` are those of place `i`.
    name_words: Vec<u64>,
    name_starts: Vec<u32>,
    names: Vec<String>,
    /// The local id of each place's place-field text.
    place_text_of: Vec<Option<u32>>,
    /// Place-field word hashes by local text id, as for names, and the texts.
    place_words: Vec<u64>,
    place_starts: Vec<u32>,
    place_texts: Vec<String>,
    /// For each name word hash, the places whose name holds it and how many times.
    name_postings: FxHashMap<u64, Vec<(u32, u32)>>,
    /// Every name word, sorted, with the places whose name holds it: completions of a word
    /// being typed are a range of it.
    name_vocabulary: Vec<(String, Vec<u32>)>,
}

impl ImportantWords {
    /// The words of `ords` (in place order), read from the mapped table.
    pub fn copy(ords: &[u32], word_ids: &WordIds, texts: &Texts) -> ImportantWords {
        let mut words = ImportantWords {
            ords: ords.to_vec(),
            name_starts: vec![0],
            place_starts: vec![0],
            ..ImportantWords::default()
        };
        let mut local_ids: HashMap<u32, u32> = HashMap::new();
        for &ord in ords {
            words.name_words.extend_from_slice(word_ids.name(ord));
            words.name_starts.push(words.name_words.len() as u32);
            words
                .names
                .push(texts.name(ord as usize).unwrap_or_default().to_string());
            let local = word_ids.place_text_id(ord).map(|id| {
                *local_ids.entry(id).or_insert_with(|| {
                    let (hashes, text) = word_ids.place_text(id);
                    words.place_words.extend_from_slice(hashes);
                    words.place_starts.push(words.place_words.len() as u32);
                    words.place_texts.push(text.to_string());
                    (words.place_texts.len() - 1) as u32
                })
            });
            words.place_text_of.push(local);
        }
        words.index_names();
        words
    }

    /// Fills the postings and the vocabulary of the names.
    fn index_names(&mut self) {
        let mut postings: FxHashMap<u64, Vec<(u32, u32)>> = FxHashMap::default();
        let mut vocabulary: HashMap<&str, Vec<u32>> = HashMap::new();
        for i in 0..self.ords.len() as u32 {
            for &hash in self.name(i) {
                let places = postings.entry(hash).or_default();
                match places.last_mut() {
                    Some((place, tf)) if *place == i => *tf += 1,
                    _ => places.push((i, 1)),
                }
            }
            for word in self.names[i as usize].split(' ').filter(|w| !w.is_empty()) {
                let places = vocabulary.entry(word).or_default();
                if places.last() != Some(&i) {
                    places.push(i);
                }
            }
        }
        let mut vocabulary: Vec<(String, Vec<u32>)> = vocabulary
            .into_iter()
            .map(|(word, places)| (word.to_string(), places))
            .collect();
        vocabulary.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.name_postings = postings;
        self.name_vocabulary = vocabulary;
    }

    /// How many places there are.
    pub fn len(&self) -> usize {
        self.ords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ords.is_empty()
    }

    /// The places whose name holds the word of hash `hash`, each with how many times.
    pub fn holding(&self, hash: u64) -> &[(u32, u32)] {
        self.name_postings.get(&hash).map_or(&[], Vec::as_slice)
    }

    /// The places whose name has a word starting with `prefix`, each once per such word.
    pub fn completing<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = u32> + 'a {
        let first = self
            .name_vocabulary
            .partition_point(|(word, _)| word.as_str() < prefix);
        self.name_vocabulary[first..]
            .iter()
            .take_while(move |(word, _)| word.starts_with(prefix))
            .flat_map(|(_, places)| places.iter().copied())
    }

    /// The places, in place order; place `i` here is `ords()[i]` in the index.
    pub fn ords(&self) -> &[u32] {
        &self.ords
    }

    /// The name word hashes of local place `i`.
    pub fn name(&self, i: u32) -> &[u64] {
        list(&self.name_words, &self.name_starts, i)
    }

    /// The name text of local place `i`.
    pub fn name_text(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", String::as_str)
    }

    /// The local id of local place `i`'s place-field text.
    pub fn place_text_id(&self, i: u32) -> Option<u32> {
        self.place_text_of.get(i as usize).copied().flatten()
    }

    /// A place-field text's word hashes, and the text, by local id.
    pub fn place_text(&self, id: u32) -> (&[u64], &str) {
        (
            list(&self.place_words, &self.place_starts, id),
            self.place_texts.get(id as usize).map_or("", String::as_str),
        )
    }
}

/// List `i` of lists stored one after the other; empty past the end.
fn list<'a>(words: &'a [u64], starts: &[u32], i: u32) -> &'a [u64] {
    let i = i as usize;
    match (starts.get(i), starts.get(i + 1)) {
        (Some(&start), Some(&end)) => words.get(start as usize..end as usize).unwrap_or(&[]),
        _ => &[],
    }
}
