//! What candidate ranking needs to know of each tantivy document, read once when the index
//! opens: the place it stands for (its `ord`), and that place's importance and position (from
//! the place table's rank section, stored as f32 at ingest).
//!
//! Reading these through tantivy's fast fields inside each query opened and decoded the columns
//! anew every time, a fifth of the cost of a full-address search; here they are plain arrays.
//! A document's place and facts sit side by side in one 16-byte entry: a word held across France
//! matches thousands of documents, and looking up each one's place, then that place's facts,
//! was two dependent cache misses a match, a tenth of the keystroke-stream time.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{DocId, Searcher};

use super::places::Places;
use super::word_ids::prefetch;
use crate::error::{Error, Result};

/// Ranking facts of one place, small so that the table stays in cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankFacts {
    pub importance: f32,
    pub lon: f32,
    pub lat: f32,
}

/// A document's place and that place's ranking facts, one cache line's quarter.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
pub struct DocFacts {
    ord: u32,
    facts: RankFacts,
}

/// Document → place and facts, per segment, and place → ranking facts.
#[derive(Clone)]
pub struct DocInfo {
    segments: Vec<(SegmentId, Arc<[DocFacts]>)>,
    facts: Arc<[RankFacts]>,
    /// The `MOST_IMPORTANT` places of highest importance (ties: lower ord first), in place
    /// order: the candidates of a query whose every word is too common to walk.
    most_important: Arc<[u32]>,
}

/// How many places `DocInfo::most_important` keeps: the municipalities and main streets of the
/// largest cities, ranked in well under a millisecond.
const MOST_IMPORTANT: usize = 2_000;

impl DocInfo {
    pub fn read(searcher: &Searcher, ord_field: Field, places: &Places) -> Result<DocInfo> {
        // From the table's compact rank section (12 bytes a place), not its records.
        let facts = places
            .rank_facts()
            .map(|(importance, lon, lat)| RankFacts {
                importance,
                lon,
                lat,
            })
            .collect::<Vec<_>>();
        let name = searcher.schema().get_field_name(ord_field).to_string();
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64(&name)?;
            let docs = (0..segment.max_doc())
                .map(|doc| {
                    column
                        .first(doc)
                        .and_then(|ord| {
                            let facts = *facts.get(usize::try_from(ord).ok()?)?;
                            Some(DocFacts {
                                ord: ord as u32,
                                facts,
                            })
                        })
                        .ok_or_else(|| {
                            Error::Index(format!(
                                "document {doc} has no valid place; the index is damaged, re-run `adresse ingest`"
                            ))
                        })
                })
                .collect::<Result<Vec<DocFacts>>>()?;
            segments.push((segment.segment_id(), Arc::from(docs)));
        }
        let mut most_important = most_important(&facts, MOST_IMPORTANT);
        // Scored in place order (see `CommonWordsScorer`), sorted once here.
        most_important.sort_unstable();
        Ok(DocInfo {
            segments,
            facts: Arc::from(facts),
            most_important: Arc::from(most_important),
        })
    }

    /// Ranking facts of a place.
    pub fn facts(&self, ord: u32) -> Option<RankFacts> {
        self.facts.get(ord as usize).copied()
    }

    /// The `MOST_IMPORTANT` places of highest importance, in place order.
    pub fn most_important(&self) -> &[u32] {
        &self.most_important
    }

    /// The place of a document, without cloning the segment's view.
    pub fn ord(&self, segment: SegmentId, doc: DocId) -> Option<u32> {
        self.segments
            .iter()
            .find(|(s, _)| *s == segment)
            .and_then(|(_, docs)| docs.get(doc as usize))
            .map(|entry| entry.ord)
    }

    /// The documents of one segment, by doc id.
    pub fn segment(&self, id: SegmentId) -> Option<SegmentDocs> {
        self.segments
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, docs)| SegmentDocs { docs: docs.clone() })
    }
}

/// The ords of the `count` places of highest importance, most important first, ties by ord.
fn most_important(facts: &[RankFacts], count: usize) -> Vec<u32> {
    let by_importance = |a: &u32, b: &u32| {
        facts[*b as usize]
            .importance
            .total_cmp(&facts[*a as usize].importance)
            .then(a.cmp(b))
    };
    let mut ords: Vec<u32> = (0..facts.len() as u32).collect();
    if ords.len() > count {
        ords.select_nth_unstable_by(count, by_importance);
        ords.truncate(count);
    }
    ords.sort_unstable_by(by_importance);
    ords
}

/// One segment's view, cheap to clone into a query's scoring closure.
#[derive(Clone)]
pub struct SegmentDocs {
    docs: Arc<[DocFacts]>,
}

impl SegmentDocs {
    pub fn ord(&self, doc: DocId) -> Option<u32> {
        self.docs.get(doc as usize).map(|entry| entry.ord)
    }

    pub fn facts(&self, doc: DocId) -> Option<RankFacts> {
        self.docs.get(doc as usize).map(|entry| entry.facts)
    }

    /// A document's place and its ranking facts.
    pub fn get(&self, doc: DocId) -> Option<(u32, RankFacts)> {
        self.docs
            .get(doc as usize)
            .map(|entry| (entry.ord, entry.facts))
    }

    /// Asks for a document's entry ahead of `get`.
    pub fn prefetch(&self, doc: DocId) {
        prefetch(self.docs.get(doc as usize));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_important_places_come_first_ties_by_ord() {
        let facts: Vec<RankFacts> = [0.2, 0.9, 0.5, 0.9, 0.1]
            .into_iter()
            .map(|importance| RankFacts {
                importance,
                lon: 0.0,
                lat: 0.0,
            })
            .collect();
        assert_eq!(most_important(&facts, 3), [1, 3, 2]);
        assert_eq!(most_important(&facts, 10), [1, 3, 2, 0, 4]);
    }
}
