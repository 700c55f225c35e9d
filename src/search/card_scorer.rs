//! What the common words of a query add to each of many matches, read from the places' word
//! cards (`index::word_cards`): one cache line per match, and one per commune, instead of the
//! five dependent reads of `CommonWordsScorer`. The query's words are first looked up in the
//! index's vocabulary (a few microseconds), so `ranking::best_of` uses this scorer for matches
//! by the thousand and the other for a handful.
//!
//! Scores are `CommonWordsScorer`'s to the last bit: the same parts summed in the same order,
//! with a word's occurrences counted by ordinal instead of hash, and a completion found by
//! ordinal range instead of in the text. A text too long for its card is scored the other way.
//!
//! The query's parts are laid out field by field (`FieldParts`), and a text holding none of the
//! whole words of a field is known at a glance by a 64-bit filter of their ordinals: on the
//! 150 slowest France keystrokes, scoring took 30% fewer instructions (cachegrind).

use std::ops::Range;
use std::slice;

use crate::index::places::Texts;
use crate::index::word_cards::{Card, WordCards};
use crate::index::word_ids::WordIds;

use super::common_words::{field_score, CommonWord, FieldStats, Part, SelectingWord, TextField};

/// A part of a query word, its word known by its ordinal in one index's vocabulary.
enum CardPart {
    /// `Part::Term` of a word the index holds.
    Term {
        ordinal: u32,
        /// `filter_bit(ordinal)`.
        bit: u64,
        weight: f32,
        stats: FieldStats,
    },
    /// `Part::Prefix`: the ordinals of the words starting with the prefix.
    Prefix { completions: Range<u32>, score: f32 },
}

/// The parts of some query words that score through one field, looked up in one index's
/// vocabulary and laid out word after word in the order they are summed: what those words
/// add through the field of a text given as its card.
struct FieldParts {
    /// Where each word's parts end in `parts` (a word may have none in this field).
    word_ends: Vec<usize>,
    parts: Vec<CardPart>,
    /// A bit for each ordinal of a `Term` part (`filter_bit`), when there is no `Prefix`
    /// part: a text none of whose words has its bit set scores `nothing`. Most places of a
    /// selecting word hold few of the query's other words.
    filter: Option<u64>,
    /// What the words add through a text holding none of them.
    nothing: f32,
}

/// The bit of `ordinal` in `FieldParts::filter`.
fn filter_bit(ordinal: u32) -> u64 {
    1 << (ordinal.wrapping_mul(0x9E37_79B1) >> 26)
}

impl FieldParts {
    /// The parts of `words` in `field`. A term the index does not hold never scores, and is
    /// left out.
    fn of(words: &[&CommonWord], field: TextField, cards: &WordCards) -> FieldParts {
        let mut word_ends = Vec::with_capacity(words.len());
        let mut parts = Vec::new();
        for word in words {
            for part in word.parts.iter().filter(|p| p.field() == field) {
                match part {
                    Part::Term {
                        word,
                        weight,
                        stats,
                        ..
                    } => {
                        if let Some(ordinal) = cards.ordinal(word) {
                            parts.push(CardPart::Term {
                                ordinal,
                                bit: filter_bit(ordinal),
                                weight: *weight,
                                stats: *stats,
                            });
                        }
                    }
                    Part::Prefix { prefix, score, .. } => parts.push(CardPart::Prefix {
                        completions: cards.completions(prefix),
                        score: *score,
                    }),
                }
            }
            word_ends.push(parts.len());
        }
        let filter = parts.iter().try_fold(0u64, |bits, part| match part {
            CardPart::Term { bit, .. } => Some(bits | bit),
            CardPart::Prefix { .. } => None,
        });
        let mut field_parts = FieldParts {
            word_ends,
            parts,
            filter: None,
            nothing: 0.0,
        };
        field_parts.nothing = field_parts.score(&[]);
        field_parts.filter = filter;
        field_parts
    }

    /// What the words add through a text given as its words' ordinals: as `field_score`
    /// computes it, word by word and part by part in the same order.
    ///
    /// The bits of the text's words, set once, tell at a glance that most terms are not
    /// there (a term whose bit is unset is not); only the others are counted.
    fn score(&self, on_card: &[u32]) -> f32 {
        let held = on_card.iter().fold(0, |bits, &w| bits | filter_bit(w));
        if self.filter.is_some_and(|filter| held & filter == 0) {
            return self.nothing;
        }
        let mut start = 0;
        self.word_ends
            .iter()
            .map(|&end| {
                let mut total = 0.0;
                for part in self.parts.get(start..end).unwrap_or_default() {
                    match part {
                        CardPart::Term {
                            ordinal,
                            bit,
                            weight,
                            stats,
                        } => {
                            if held & bit == 0 {
                                continue;
                            }
                            let tf = on_card.iter().filter(|w| *w == ordinal).count() as u32;
                            if tf > 0 {
                                total += weight * stats.tf_part(tf, on_card.len());
                            }
                        }
                        CardPart::Prefix { completions, score } => {
                            if on_card.iter().any(|w| completions.contains(w)) {
                                total += score;
                            }
                        }
                    }
                }
                start = end;
                total
            })
            .sum()
    }
}

/// One query word (the selecting word, or the glued word) on its own, both fields.
struct WordParts<'a> {
    word: &'a CommonWord,
    name: FieldParts,
    place: FieldParts,
}

impl<'a> WordParts<'a> {
    fn of(word: &'a CommonWord, cards: &WordCards) -> WordParts<'a> {
        WordParts {
            word,
            name: FieldParts::of(&[word], TextField::Name, cards),
            place: FieldParts::of(&[word], TextField::Place, cards),
        }
    }
}

/// How many places ahead `CardScorer::score_all` asks for a name card; the place-field card is
/// asked for half as far ahead, once the name card (which names it) has arrived.
const CARD_PREFETCH_DISTANCE: usize = 16;

/// What the common words of a query add to each of many places of one index (and, for the
/// places of a word list, what the selecting word scores).
pub struct CardScorer<'a> {
    words: &'a [CommonWord],
    name: FieldParts,
    place: FieldParts,
    /// The word that selected, when its places come from its word list: as a common word
    /// weighted as tantivy weighs it, and looked up in the vocabulary.
    selecting: Option<WordParts<'a>>,
    /// The glued word tantivy would add to the selecting word's score, the same way.
    glued: Option<WordParts<'a>>,
    cards: &'a WordCards,
    ids: &'a WordIds,
    texts: &'a Texts,
    /// The last place-field text scored, with what the common words and the selecting word
    /// score through it: the places of a commune come one after the other, and share it.
    last_place: Option<(u32, f32, f32)>,
}

impl<'a> CardScorer<'a> {
    pub fn new(
        words: &'a [CommonWord],
        cards: &'a WordCards,
        ids: &'a WordIds,
        texts: &'a Texts,
    ) -> CardScorer<'a> {
        let all: Vec<&CommonWord> = words.iter().collect();
        CardScorer {
            words,
            name: FieldParts::of(&all, TextField::Name, cards),
            place: FieldParts::of(&all, TextField::Place, cards),
            selecting: None,
            glued: None,
            cards,
            ids,
            texts,
            last_place: None,
        }
    }

    /// Also scores `selecting` (see `score_card`).
    pub fn with_selecting(mut self, selecting: &'a SelectingWord) -> CardScorer<'a> {
        self.selecting = Some(WordParts::of(&selecting.scored, self.cards));
        self.glued = selecting
            .glued
            .as_ref()
            .map(|glued| WordParts::of(glued, self.cards));
        self
    }

    /// The scores of `places`, in the same order (place order: places of one commune follow
    /// each other and share a place-field text), the cards of those a little further on
    /// requested from memory meanwhile.
    pub fn score_all(&mut self, places: &[u32]) -> Vec<f32> {
        if self.words.is_empty() {
            return vec![0.0; places.len()];
        }
        (0..places.len())
            .map(|i| {
                if let Some(&ahead) = places.get(i + CARD_PREFETCH_DISTANCE) {
                    self.cards.prefetch_name(ahead);
                }
                if let Some(&ahead) = places.get(i + CARD_PREFETCH_DISTANCE / 2) {
                    if let Some(card) = self.cards.name(ahead) {
                        self.cards.prefetch_place_text(card.place_text);
                    }
                }
                // Every place of the table has a card; a place beyond it has no words.
                match self.cards.name(places[i]) {
                    Some(card) => self.score_card(places[i], &card).1,
                    None => 0.0,
                }
            })
            .collect()
    }

    /// What the selecting word (0 without one) and the common words score on a place, given
    /// its name card.
    pub fn score_card(&mut self, place: u32, card: &Card) -> (f32, f32) {
        let id = card.place_text;
        let (place_common, place_selecting) = match self.last_place {
            Some((last, common, selecting)) if last == id => (common, selecting),
            _ => {
                let scores = match self.cards.place_text(id).as_ref().and_then(|c| c.words()) {
                    Some(on_card) => (
                        self.place.score(on_card),
                        self.selecting
                            .as_ref()
                            .map_or(0.0, |word| word.place.score(on_card)),
                    ),
                    None => {
                        let (hashes, text) = self.ids.place_text(id);
                        (
                            field_score(self.words, TextField::Place, hashes, text),
                            self.selecting.as_ref().map_or(0.0, |word| {
                                field_score(
                                    slice::from_ref(word.word),
                                    TextField::Place,
                                    hashes,
                                    text,
                                )
                            }),
                        )
                    }
                };
                self.last_place = Some((id, scores.0, scores.1));
                scores
            }
        };
        let (name_common, name_selecting, glued) = match card.words() {
            Some(on_card) => {
                let on_name = |word: &Option<WordParts>| {
                    word.as_ref().map_or(0.0, |word| word.name.score(on_card))
                };
                (
                    self.name.score(on_card),
                    on_name(&self.selecting),
                    on_name(&self.glued),
                )
            }
            None => {
                let hashes = self.ids.name(place);
                let text = self.texts.name(place as usize).unwrap_or_default();
                let on_name = |word: &Option<WordParts>| {
                    word.as_ref().map_or(0.0, |word| {
                        field_score(slice::from_ref(word.word), TextField::Name, hashes, text)
                    })
                };
                (
                    field_score(self.words, TextField::Name, hashes, text),
                    on_name(&self.selecting),
                    on_name(&self.glued),
                )
            }
        };
        // Summed as tantivy sums the clause's fields, then the glued word's clause beside it;
        // the common words as the other scorers sum them.
        (
            name_selecting + place_selecting + glued,
            place_common + name_common,
        )
    }
}
