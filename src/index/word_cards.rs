//! Each place's indexed words on one cache line: the place's "word card", written at ingest in
//! `places.bin` beside the word hashes of `word_ids`, so that scoring the common words of a
//! match (`search::card_scorer`) costs one memory read rather than four.
//!
//! A word here is its ordinal in the index's vocabulary: every distinct word of the names and
//! place-field texts, sorted byte-wise. Two words are the same word when their ordinals are
//! equal, and the completions of a word being typed are one range of ordinals, so a card
//! answers both questions common-word scoring asks (how often does this word occur, does some
//! word start with this) without the place's text. Before, a match of a word held across
//! France read the place's entry in two offset tables, its name's hashes, its name's text and
//! its commune's text: five dependent cache misses, half the time of the slowest keystrokes.
//!
//! A card is `CARD_LEN` bytes, little-endian: the word count (u8, `u8::MAX` for more), three
//! zero bytes, the place-field text id (u32; zero on the cards of place-field texts), then the
//! first `CARD_WORDS` ordinals (u32), zeros after the last. A text of more than `CARD_WORDS`
//! words is not on its card: its reader falls back to `word_ids`.

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::places::file::{PlaceFile, Section, STR_REF_LEN};
use super::places::SearchText;
use super::word_ids::{prefetch, BuiltWordIds};

/// Bytes of one card: one cache line.
pub const CARD_LEN: usize = 64;
/// Words a card holds.
pub const CARD_WORDS: usize = 14;
const WORDS_AT: usize = 8;
/// Where a card holds its place-field text id.
pub(crate) const PLACE_TEXT_ON_CARD: usize = 4;

/// The words of a text, as indexed (split on spaces).
pub(crate) fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|w| !w.is_empty())
}

/// What ingest writes: the vocabulary, a card per place and a card per place-field text.
pub(crate) struct BuiltWordCards<'a> {
    pub vocabulary: Vec<&'a str>,
    /// Each word's ordinal in `vocabulary`.
    pub ordinals: FxHashMap<&'a str, u32>,
    pub name_cards: Vec<u8>,
    pub place_cards: Vec<u8>,
}

impl<'a> BuiltWordCards<'a> {
    /// The cards of the places' names (`texts`, by ord) and of the distinct place-field texts
    /// `ids` numbered.
    pub fn build(texts: &'a [SearchText], ids: &BuiltWordIds<'a>) -> Self {
        let names = texts.iter().map(|text| text.name.as_str());
        let mut ordinals: FxHashMap<&str, u32> = FxHashMap::default();
        for text in names.clone().chain(ids.place_texts.iter().copied()) {
            for word in words_of(text) {
                ordinals.entry(word).or_insert(0);
            }
        }
        let mut vocabulary: Vec<&str> = ordinals.keys().copied().collect();
        vocabulary.sort_unstable();
        for (ordinal, word) in vocabulary.iter().enumerate() {
            ordinals.insert(word, ordinal as u32);
        }
        let card = |text: &str, place_text: u32, out: &mut Vec<u8>| {
            let mut bytes = [0u8; CARD_LEN];
            let count = words_of(text).count();
            bytes[0] = count.min(u8::MAX as usize) as u8;
            bytes[PLACE_TEXT_ON_CARD..PLACE_TEXT_ON_CARD + 4]
                .copy_from_slice(&place_text.to_le_bytes());
            if count <= CARD_WORDS {
                for (i, word) in words_of(text).enumerate() {
                    let at = WORDS_AT + 4 * i;
                    bytes[at..at + 4].copy_from_slice(&ordinals[word].to_le_bytes());
                }
            }
            out.extend_from_slice(&bytes);
        };
        let mut name_cards = Vec::with_capacity(ids.place_text_of.len() * CARD_LEN);
        for (name, &place_text) in names.zip(&ids.place_text_of) {
            card(name, place_text, &mut name_cards);
        }
        let mut place_cards = Vec::with_capacity(ids.place_texts.len() * CARD_LEN);
        for text in &ids.place_texts {
            card(text, 0, &mut place_cards);
        }
        BuiltWordCards {
            vocabulary,
            ordinals,
            name_cards,
            place_cards,
        }
    }
}

/// One text's words, as its card holds them.
#[derive(Debug, Clone, Copy)]
pub struct Card {
    /// How many words the text has.
    pub len: usize,
    /// The place-field text id (name cards).
    pub place_text: u32,
    /// The first `len` are the words, when `len <= CARD_WORDS`.
    words: [u32; CARD_WORDS],
}

impl Card {
    pub(crate) fn read(bytes: &[u8]) -> Option<Card> {
        let bytes: &[u8; CARD_LEN] = bytes.try_into().ok()?;
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let mut words = [0u32; CARD_WORDS];
        for (i, word) in words.iter_mut().enumerate() {
            *word = u32_at(WORDS_AT + 4 * i);
        }
        Some(Card {
            len: bytes[0] as usize,
            place_text: u32_at(PLACE_TEXT_ON_CARD),
            words,
        })
    }

    /// The text's words as vocabulary ordinals; `None` when it has more than the card holds.
    pub fn words(&self) -> Option<&[u32]> {
        self.words.get(..self.len)
    }
}

/// The vocabulary and the cards, read in place from the mapped `places.bin`.
pub struct WordCards {
    pub(crate) file: Arc<PlaceFile>,
}

impl WordCards {
    fn vocabulary_len(&self) -> usize {
        self.file.bytes(Section::Vocabulary).len() / STR_REF_LEN
    }

    /// The word of a vocabulary ordinal ("" beyond the vocabulary).
    pub fn word(&self, ordinal: usize) -> &str {
        self.file
            .item(Section::Vocabulary, STR_REF_LEN, ordinal)
            .map_or("", |r| self.file.str(r))
    }

    /// The first ordinal in `from..to` whose word is not `before` (a binary search: the
    /// vocabulary is sorted, and `before` must hold for a start of it only).
    fn first_not(&self, from: usize, to: usize, before: impl Fn(&str) -> bool) -> usize {
        let (mut low, mut high) = (from, to);
        while low < high {
            let middle = low + (high - low) / 2;
            if before(self.word(middle)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The ordinal of `word`, if the index holds it.
    pub fn ordinal(&self, word: &str) -> Option<u32> {
        let at = self.first_not(0, self.vocabulary_len(), |w| w < word);
        (at < self.vocabulary_len() && self.word(at) == word).then_some(at as u32)
    }

    /// The ordinals of the words starting with `prefix` (the word itself among them).
    pub fn completions(&self, prefix: &str) -> Range<u32> {
        let len = self.vocabulary_len();
        let start = self.first_not(0, len, |w| w < prefix);
        let end = self.first_not(start, len, |w| w.starts_with(prefix));
        start as u32..end as u32
    }

    /// The card of a place's name, with its place-field text id.
    pub fn name(&self, ord: u32) -> Option<Card> {
        Card::read(self.file.item(Section::NameCards, CARD_LEN, ord as usize)?)
    }

    /// The card of a place-field text.
    pub fn place_text(&self, id: u32) -> Option<Card> {
        Card::read(self.file.item(Section::PlaceCards, CARD_LEN, id as usize)?)
    }

    /// Asks the processor to bring in a place's name card.
    pub fn prefetch_name(&self, ord: u32) {
        prefetch(
            self.file
                .bytes(Section::NameCards)
                .get(ord as usize * CARD_LEN),
        );
    }

    /// Asks the processor to bring in a place-field text's card.
    pub fn prefetch_place_text(&self, id: u32) {
        prefetch(
            self.file
                .bytes(Section::PlaceCards)
                .get(id as usize * CARD_LEN),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, place: &str) -> SearchText {
        SearchText {
            name: name.into(),
            place: place.into(),
        }
    }

    #[test]
    fn cards_hold_ordinals_of_the_sorted_words_and_long_texts_only_their_count() {
        let long_name = (1..=CARD_WORDS + 1)
            .map(|i| format!("w{i:02}"))
            .collect::<Vec<_>>()
            .join(" ");
        let texts = [
            text("rue de la paix", "paris 75002"),
            text(&long_name, "gap 05000"),
            text("place  carnot", "paris 75002"),
        ];
        let ids = BuiltWordIds::build(&texts);
        let built = BuiltWordCards::build(&texts, &ids);
        let mut expected: Vec<&str> = texts
            .iter()
            .flat_map(|t| words_of(&t.name).chain(words_of(&t.place)))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(built.vocabulary, expected);
        let ordinal = |w: &str| expected.iter().position(|e| *e == w).unwrap() as u32;
        let cards: Vec<Card> = built
            .name_cards
            .chunks(CARD_LEN)
            .map(|bytes| Card::read(bytes).unwrap())
            .collect();
        assert_eq!(cards.len(), 3);
        assert_eq!(
            cards[0].words().unwrap(),
            ["rue", "de", "la", "paix"].map(ordinal)
        );
        assert_eq!(cards[0].place_text, cards[2].place_text);
        assert_ne!(cards[0].place_text, cards[1].place_text);
        // A double space makes no empty word, as in the index.
        assert_eq!(cards[2].words().unwrap(), ["place", "carnot"].map(ordinal));
        assert_eq!(cards[1].len, CARD_WORDS + 1);
        assert_eq!(cards[1].words(), None);
        let place = Card::read(&built.place_cards[CARD_LEN..2 * CARD_LEN]).unwrap();
        assert_eq!(place.words().unwrap(), ["gap", "05000"].map(ordinal));
        assert!(Card::read(&built.place_cards[..CARD_LEN - 1]).is_none());
    }
}
