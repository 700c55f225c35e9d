//! The tantivy collectors of candidate retrieval: every match with its BM25 (rare words), or
//! the top documents by BM25 scaled by importance and proximity, masked places last.

use std::cmp::Reverse;

use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::ranking::rank_factor;
use super::sources::Source;

/// Collects every matching document with its score: rare words match few enough documents
/// that ranking them all in Rust is cheaper than tantivy scoring common words for them.
pub(super) struct EveryMatch;

impl Collector for EveryMatch {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;
    type Child = EveryMatchInSegment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<EveryMatchInSegment> {
        Ok(EveryMatchInSegment {
            segment,
            matches: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

pub(super) struct EveryMatchInSegment {
    segment: SegmentOrdinal,
    matches: Vec<(SegmentOrdinal, DocId, Score)>,
}

impl SegmentCollector for EveryMatchInSegment {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.matches.push((self.segment, doc, score));
    }

    fn harvest(self) -> Self::Fruit {
        self.matches
    }
}

/// The top `limit` documents of one source by tweaked score, ties going to the lower place
/// `ord`: each document's key is (score, its `ord` reversed), so that which of equal scores
/// make the cut does not depend on how documents fell into segments at ingest (tantivy breaks
/// ties by document address: two builds of one France index answered "146" differently).
pub(super) fn tweaked_top_docs(
    source: &Source,
    near: Option<(f64, f64)>,
    limit: usize,
) -> impl Collector<Fruit = Vec<((Score, Reverse<u32>), DocAddress)>> {
    let docs_of = source.docs.clone();
    let mask_of = source.mask.cloned();
    TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
        let segment_docs = docs_of.segment(segment.segment_id());
        let mask = mask_of.clone();
        move |doc: DocId, score: Score| {
            let Some((ord, facts)) = segment_docs.as_ref().and_then(|d| d.get(doc)) else {
                return (score, Reverse(u32::MAX));
            };
            if mask.as_ref().is_some_and(|mask| mask.contains(ord)) {
                return (MASKED, Reverse(ord));
            }
            (score * rank_factor(facts, near), Reverse(ord))
        }
    })
}

/// The ranking score of a masked document: below any real one (BM25 is never negative).
pub(super) const MASKED: Score = Score::NEG_INFINITY;
