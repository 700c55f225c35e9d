//! The share of common words in a candidate's retrieval score, computed from the candidate's own
//! indexed words instead of tantivy's posting lists.
//!
//! Common words ("rue", "de", "paris", a possible housenumber) rank candidates but do not bring
//! them in. Handed to tantivy as optional clauses, each one's posting list was walked in windows
//! of 4,096 documents every time the rare words moved to the next candidate: on a full-address
//! query, most of the retrieval time went there. The place table already holds every place's
//! indexed words, so each candidate of the rare words is scored here, with the formula tantivy
//! applies (BM25 with its defaults and quantised field lengths; a constant for a completion).

use memchr::memmem;
use rustc_hash::FxHashMap;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;

use crate::index::important_words::ImportantWords;
use crate::index::places::Texts;
use crate::index::word_ids::{word_hash, Stage, WordIds};

/// tantivy's BM25 parameters.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// What BM25 needs of one field across the whole index.
#[derive(Debug, Clone, Copy)]
pub struct FieldStats {
    doc_count: u64,
    average_length: f32,
    /// BM25's length normalisation of the shortest fields, worked out once per query.
    short_fields: [f32; SHORT_FIELD_WORDS],
}

/// Fields of fewer words than this have their length normalisation ready.
const SHORT_FIELD_WORDS: usize = 32;

impl FieldStats {
    /// The field's statistics across `statistics` (one index, or the base and its overlay).
    pub fn of(statistics: &dyn Bm25StatisticsProvider, field: Field) -> FieldStats {
        let tokens = statistics.total_num_tokens(field).unwrap_or(0);
        let docs = statistics.total_num_docs().unwrap_or(0);
        let mut stats = FieldStats {
            doc_count: docs,
            average_length: if docs == 0 {
                1.0
            } else {
                tokens as f32 / docs as f32
            },
            short_fields: [0.0; SHORT_FIELD_WORDS],
        };
        for length in 0..SHORT_FIELD_WORDS {
            stats.short_fields[length] = stats.length_part(length);
        }
        stats
    }

    /// BM25's normalisation of a field of `length` words against the average.
    fn length_part(&self, length: usize) -> f32 {
        // tantivy stores lengths on one byte, exact for short fields and rounded beyond.
        let length = FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(
            length.min(u32::MAX as usize) as u32,
        ));
        K1 * (1.0 - B + B * length as f32 / self.average_length)
    }

    /// tantivy's inverse document frequency.
    fn idf(&self, doc_freq: u64) -> f32 {
        let n = self.doc_count.max(doc_freq);
        let x = ((n - doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
        (1.0 + x).ln()
    }

    /// The term-frequency part of BM25 for `tf` occurrences in a field of `length` words.
    pub(super) fn tf_part(&self, tf: u32, length: usize) -> f32 {
        let normalisation = match self.short_fields.get(length) {
            Some(ready) => *ready,
            None => self.length_part(length),
        };
        let tf = tf as f32;
        tf / (tf + normalisation)
    }
}

/// Which of a place's two indexed fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Name,
    Place,
}

/// One alternative of a common word, as the tantivy clause it stands for would score it.
#[derive(Debug, Clone)]
pub(super) enum Part {
    /// The word itself: BM25 of its occurrences, times `weight` (the boosts, idf and 1 + k1).
    Term {
        field: TextField,
        word: Box<str>,
        hash: u64,
        weight: f32,
        /// The same weight multiplied in tantivy's order (idf, 1 + k1, then the boost): what
        /// a selecting word is scored with, to match tantivy's score of its clause exactly.
        tantivy_weight: f32,
        stats: FieldStats,
    },
    /// Some word of the field starts with `prefix`: a constant, as tantivy scores completions.
    Prefix {
        field: TextField,
        prefix: String,
        /// Finds the prefix after a space, that is at the start of any word but the first.
        after_space: memmem::Finder<'static>,
        score: f32,
    },
}

impl Part {
    /// The field this alternative scores through.
    pub(super) fn field(&self) -> TextField {
        match self {
            Part::Term { field, .. } | Part::Prefix { field, .. } => *field,
        }
    }
}

/// The one word that brings a retrieval's candidates in, when it is a plain word: read from
/// the word lists (`index::word_lists`) instead of tantivy's postings, and scored from each
/// place's card as tantivy would score its clause.
#[derive(Debug, Clone)]
pub struct SelectingWord {
    pub word: Box<str>,
    /// Its parts weighted as tantivy weighs them (`Part::Term::tantivy_weight`).
    pub(super) scored: CommonWord,
    /// A glued reading of two query words that tantivy would add to the word's score
    /// (`candidates::Clause::glued`), weighted the same way.
    pub(super) glued: Option<CommonWord>,
}

/// A common word of the query: the sum of its alternatives that a place matches.
#[derive(Debug, Clone, Default)]
pub struct CommonWord {
    pub(super) parts: Vec<Part>,
}

impl CommonWord {
    /// The word `word` itself in `field`, held by `doc_freq` documents, with the clause's boost.
    pub fn add_term(
        &mut self,
        which: TextField,
        word: &str,
        doc_freq: u64,
        boost: f32,
        stats: FieldStats,
    ) {
        self.parts.push(Part::Term {
            field: which,
            word: word.into(),
            hash: word_hash(word),
            weight: boost * stats.idf(doc_freq) * (1.0 + K1),
            tantivy_weight: stats.idf(doc_freq) * (1.0 + K1) * boost,
            stats,
        });
    }

    /// This word's clause scored as tantivy scores it when the word alone selects (its
    /// BM25 in each field where it occurs, summed), if it is one word in each field: not a
    /// word being typed (a completion), not a number that is also an ordinal ("11e").
    pub fn as_selecting(&self) -> Option<SelectingWord> {
        let mut word: Option<&str> = None;
        let mut parts = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let Part::Term {
                field,
                word: w,
                hash,
                tantivy_weight,
                stats,
                ..
            } = part
            else {
                return None;
            };
            if word.is_some_and(|word| word != &**w) {
                return None;
            }
            word = Some(w);
            parts.push(Part::Term {
                field: *field,
                word: w.clone(),
                hash: *hash,
                weight: *tantivy_weight,
                tantivy_weight: *tantivy_weight,
                stats: *stats,
            });
        }
        Some(SelectingWord {
            word: word?.into(),
            scored: CommonWord { parts },
            glued: None,
        })
    }

    /// Any word of `field` starting with `prefix`, scoring `score`.
    pub fn add_prefix(&mut self, which: TextField, prefix: &str, score: f32) {
        self.parts.push(Part::Prefix {
            field: which,
            prefix: prefix.to_string(),
            after_space: memmem::Finder::new(format!(" {prefix}").as_bytes()).into_owned(),
            score,
        });
    }

    /// Whether scoring `field` needs its text (for completions), not only its word hashes.
    fn reads_text(&self, field: TextField) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Prefix { field: f, .. } if *f == field))
    }

    /// What this word adds through one field of a place, given as word hashes (and as text,
    /// for completions).
    fn score_field(&self, field: TextField, hashes: &[u64], text: &str) -> f32 {
        let mut total = 0.0;
        for part in &self.parts {
            match part {
                Part::Term {
                    field: f,
                    hash,
                    weight,
                    stats,
                    ..
                } if *f == field => {
                    let tf = hashes.iter().filter(|h| *h == hash).count() as u32;
                    if tf > 0 {
                        total += weight * stats.tf_part(tf, hashes.len());
                    }
                }
                Part::Prefix {
                    field: f,
                    prefix,
                    after_space,
                    score,
                } if *f == field => {
                    if text.starts_with(prefix.as_str())
                        || after_space.find(text.as_bytes()).is_some()
                    {
                        total += score;
                    }
                }
                _ => {}
            }
        }
        total
    }
}

/// How many candidates ahead `CommonWordsScorer::score_all` asks for the words it will read:
/// enough to cover a memory load while scoring the ones between.
const PREFETCH_DISTANCE: usize = 8;

/// What `words` add through one field of a place, the field given as word hashes (and as
/// text, for completions). Every scorer sums the words in this order, so that scores agree to
/// the last bit.
pub(super) fn field_score(
    words: &[CommonWord],
    field: TextField,
    hashes: &[u64],
    text: &str,
) -> f32 {
    words
        .iter()
        .map(|w| w.score_field(field, hashes, text))
        .sum()
}

/// Where a scorer reads the places' words: the mapped place table, or the copy of the most
/// important places' words (`ImportantWords`), whose places are known by a local index.
pub trait PlaceWords {
    /// The hashes of a place's name words.
    fn name(&self, place: u32) -> &[u64];
    /// A place's name text.
    fn name_text(&self, place: u32) -> &str;
    /// The id of a place's place-field text.
    fn place_text_id(&self, place: u32) -> Option<u32>;
    /// A place-field text's word hashes, and the text.
    fn place_text(&self, id: u32) -> (&[u64], &str);
    /// Asks for what scoring `place` will read, a stage at a time (see `Stage`).
    fn prefetch(&self, place: u32, stage: Stage, name_text: bool);
}

/// The words of the mapped place table.
pub struct MappedWords<'a> {
    pub ids: &'a WordIds,
    pub texts: &'a Texts,
}

impl PlaceWords for MappedWords<'_> {
    fn name(&self, place: u32) -> &[u64] {
        self.ids.name(place)
    }

    fn name_text(&self, place: u32) -> &str {
        self.texts.name(place as usize).unwrap_or_default()
    }

    fn place_text_id(&self, place: u32) -> Option<u32> {
        self.ids.place_text_id(place)
    }

    fn place_text(&self, id: u32) -> (&[u64], &str) {
        self.ids.place_text(id)
    }

    fn prefetch(&self, place: u32, stage: Stage, name_text: bool) {
        self.ids.prefetch(place, stage);
        if name_text {
            self.texts.prefetch_name(place, stage);
        }
    }
}

/// The copied words of the most important places, place by place: the reference that
/// `score_important` must agree with (see its test).
impl PlaceWords for ImportantWords {
    fn name(&self, place: u32) -> &[u64] {
        ImportantWords::name(self, place)
    }

    fn name_text(&self, place: u32) -> &str {
        ImportantWords::name_text(self, place)
    }

    fn place_text_id(&self, place: u32) -> Option<u32> {
        ImportantWords::place_text_id(self, place)
    }

    fn place_text(&self, id: u32) -> (&[u64], &str) {
        ImportantWords::place_text(self, id)
    }

    fn prefetch(&self, _: u32, _: Stage, _: bool) {}
}

/// The scores of the most important places `places` (local indexes, in order), the same as
/// `CommonWordsScorer` computes them, but word by word over the names' postings rather than
/// place by place over every part of every word. A query of only common words scores all of
/// these places (a third of keystroke requests); those requests took half the time this way
/// on the France-scale index (188-289 against 363-526 µs).
pub fn score_important(
    words: &[CommonWord],
    important: &ImportantWords,
    places: &[u32],
) -> Vec<f32> {
    if words.is_empty() {
        return vec![0.0; places.len()];
    }
    // What each word adds through the name field, by place; added part by part in the order
    // `CommonWord::score_field` adds them, so that every sum is the same to the last bit.
    let mut by_word: Vec<Vec<f32>> = Vec::with_capacity(words.len());
    let mut completes = vec![false; important.len()];
    for word in words {
        let mut adds = vec![0.0f32; important.len()];
        for part in &word.parts {
            match part {
                Part::Term {
                    field: TextField::Name,
                    hash,
                    weight,
                    stats,
                    ..
                } => {
                    for &(place, tf) in important.holding(*hash) {
                        let length = important.name(place).len();
                        adds[place as usize] += weight * stats.tf_part(tf, length);
                    }
                }
                Part::Prefix {
                    field: TextField::Name,
                    prefix,
                    score,
                    ..
                } => {
                    completes.fill(false);
                    for place in important.completing(prefix) {
                        completes[place as usize] = true;
                    }
                    for (add, completed) in adds.iter_mut().zip(&completes) {
                        if *completed {
                            *add += score;
                        }
                    }
                }
                _ => {}
            }
        }
        by_word.push(adds);
    }
    let mut place_scores: FxHashMap<u32, f32> = FxHashMap::default();
    places
        .iter()
        .map(|&place| {
            let place_field = important.place_text_id(place).map_or(0.0, |id| {
                *place_scores.entry(id).or_insert_with(|| {
                    let (hashes, text) = important.place_text(id);
                    field_score(words, TextField::Place, hashes, text)
                })
            });
            place_field + by_word.iter().map(|adds| adds[place as usize]).sum::<f32>()
        })
        .collect()
}

/// What the common words of a query add to each candidate's score. Places of one commune
/// mostly share their place-field text (city, postcode), so that field's share is computed
/// once per distinct text; candidates come in place order, so the last one is kept at hand.
pub struct CommonWordsScorer<'a, W: PlaceWords> {
    words: &'a [CommonWord],
    places: &'a W,
    /// Whether a name's text is needed (a completion to look for), or its hashes suffice.
    names_read_text: bool,
    last_place: Option<(u32, f32)>,
    place_scores: FxHashMap<u32, f32>,
}

impl<'a, W: PlaceWords> CommonWordsScorer<'a, W> {
    pub fn new(words: &'a [CommonWord], places: &'a W) -> Self {
        CommonWordsScorer {
            words,
            places,
            names_read_text: words.iter().any(|w| w.reads_text(TextField::Name)),
            last_place: None,
            place_scores: FxHashMap::default(),
        }
    }

    /// The scores of `places`, in the same order (place order, for the commune cache), with
    /// the words of the candidates a little further on requested from memory meanwhile.
    pub fn score_all(&mut self, places: &[u32]) -> Vec<f32> {
        if self.words.is_empty() {
            return vec![0.0; places.len()];
        }
        // Candidates of different communes have different place texts: room for all, rather
        // than growing the table a dozen times over thousands of them.
        self.place_scores.reserve(places.len());
        let ahead = |i: usize| places.get(i).copied();
        let stages = [
            (3 * PREFETCH_DISTANCE, Stage::Lookup),
            (2 * PREFETCH_DISTANCE, Stage::Words),
            (PREFETCH_DISTANCE, Stage::PlaceText),
        ];
        (0..places.len())
            .map(|i| {
                for (distance, stage) in stages {
                    if let Some(place) = ahead(i + distance) {
                        self.places.prefetch(place, stage, self.names_read_text);
                    }
                }
                self.score(places[i])
            })
            .collect()
    }

    fn score(&mut self, place: u32) -> f32 {
        let words = self.words;
        let places = self.places;
        let place_field = match places.place_text_id(place) {
            Some(id) => match self.last_place {
                Some((last, score)) if last == id => score,
                _ => {
                    let score = *self.place_scores.entry(id).or_insert_with(|| {
                        let (hashes, text) = places.place_text(id);
                        field_score(words, TextField::Place, hashes, text)
                    });
                    self.last_place = Some((id, score));
                    score
                }
            },
            None => 0.0,
        };
        let hashes = places.name(place);
        let name_text = if self.names_read_text {
            places.name_text(place)
        } else {
            ""
        };
        place_field + field_score(words, TextField::Name, hashes, name_text)
    }
}
