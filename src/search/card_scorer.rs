//! What the common words of a query add to each of many matches, read from the places' word
//! cards (`index::word_cards`): one cache line per match, and one per commune, instead of the
//! five dependent reads of `CommonWordsScorer`. The query's words are first looked up in the
//! index's vocabulary (a few microseconds), so `ranking::best_of` uses this scorer for matches
//! by the thousand and the other for a handful.
//!
//! Scores are `CommonWordsScorer`'s to the last bit: the same parts summed in the same order,
//! with a word's occurrences counted by ordinal instead of hash, and a completion found by
//! ordinal range instead of in the text. A text too long for its card is scored the other way.

use std::ops::Range;
use std::slice;

use crate::index::places::Texts;
use crate::index::word_cards::{Card, WordCards};
use crate::index::word_ids::WordIds;

use super::common_words::{field_score, CommonWord, FieldStats, Part, SelectingWord, TextField};

/// A common word's part, its word known by its ordinal in one index's vocabulary.
enum CardPart {
    /// `Part::Term`; no ordinal when the index holds no such word.
    Term {
        field: TextField,
        ordinal: Option<u32>,
        weight: f32,
        stats: FieldStats,
    },
    /// `Part::Prefix`: the ordinals of the words starting with the prefix.
    Prefix {
        field: TextField,
        completions: Range<u32>,
        score: f32,
    },
}

/// A common word of the query, looked up in one index's vocabulary.
struct CardWord {
    parts: Vec<CardPart>,
}

impl CardWord {
    fn of(word: &CommonWord, cards: &WordCards) -> CardWord {
        let parts = word
            .parts
            .iter()
            .map(|part| match part {
                Part::Term {
                    field,
                    word,
                    weight,
                    stats,
                    ..
                } => CardPart::Term {
                    field: *field,
                    ordinal: cards.ordinal(word),
                    weight: *weight,
                    stats: *stats,
                },
                Part::Prefix {
                    field,
                    prefix,
                    score,
                    ..
                } => CardPart::Prefix {
                    field: *field,
                    completions: cards.completions(prefix),
                    score: *score,
                },
            })
            .collect();
        CardWord { parts }
    }

    /// What this word adds through one field, given as its words' ordinals: as
    /// `CommonWord::score_field` computes it, part by part in the same order.
    fn score_field(&self, field: TextField, words: &[u32]) -> f32 {
        let mut total = 0.0;
        for part in &self.parts {
            match part {
                CardPart::Term {
                    field: f,
                    ordinal: Some(ordinal),
                    weight,
                    stats,
                } if *f == field => {
                    let tf = words.iter().filter(|w| *w == ordinal).count() as u32;
                    if tf > 0 {
                        total += weight * stats.tf_part(tf, words.len());
                    }
                }
                CardPart::Prefix {
                    field: f,
                    completions,
                    score,
                } if *f == field => {
                    if words.iter().any(|w| completions.contains(w)) {
                        total += score;
                    }
                }
                _ => {}
            }
        }
        total
    }
}

/// What `words` add through one field given as ordinals, summed as `field_score` sums them.
fn card_field_score(words: &[CardWord], field: TextField, on_card: &[u32]) -> f32 {
    words.iter().map(|w| w.score_field(field, on_card)).sum()
}

/// How many places ahead `CardScorer::score_all` asks for a name card; the place-field card is
/// asked for half as far ahead, once the name card (which names it) has arrived.
const CARD_PREFETCH_DISTANCE: usize = 16;

/// What the common words of a query add to each of many places of one index (and, for the
/// places of a word list, what the selecting word scores).
pub struct CardScorer<'a> {
    words: &'a [CommonWord],
    card_words: Vec<CardWord>,
    /// The word that selected, when its places come from its word list: as a common word
    /// weighted as tantivy weighs it, and looked up in the vocabulary.
    selecting: Option<(&'a CommonWord, CardWord)>,
    /// The glued word tantivy would add to the selecting word's score, the same way.
    glued: Option<(&'a CommonWord, CardWord)>,
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
        CardScorer {
            words,
            card_words: words.iter().map(|w| CardWord::of(w, cards)).collect(),
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
        self.selecting = Some((
            &selecting.scored,
            CardWord::of(&selecting.scored, self.cards),
        ));
        self.glued = selecting
            .glued
            .as_ref()
            .map(|glued| (glued, CardWord::of(glued, self.cards)));
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
                        card_field_score(&self.card_words, TextField::Place, on_card),
                        self.selecting.as_ref().map_or(0.0, |(_, card_word)| {
                            card_word.score_field(TextField::Place, on_card)
                        }),
                    ),
                    None => {
                        let (hashes, text) = self.ids.place_text(id);
                        (
                            field_score(self.words, TextField::Place, hashes, text),
                            self.selecting.as_ref().map_or(0.0, |(word, _)| {
                                field_score(slice::from_ref(*word), TextField::Place, hashes, text)
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
                let on_name = |word: &Option<(&CommonWord, CardWord)>| {
                    word.as_ref().map_or(0.0, |(_, card_word)| {
                        card_word.score_field(TextField::Name, on_card)
                    })
                };
                (
                    card_field_score(&self.card_words, TextField::Name, on_card),
                    on_name(&self.selecting),
                    on_name(&self.glued),
                )
            }
            None => {
                let hashes = self.ids.name(place);
                let text = self.texts.name(place as usize).unwrap_or_default();
                let on_name = |word: &Option<(&CommonWord, CardWord)>| {
                    word.as_ref().map_or(0.0, |(word, _)| {
                        field_score(slice::from_ref(*word), TextField::Name, hashes, text)
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
