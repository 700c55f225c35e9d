//! What candidate ranking needs to know of each tantivy document, read once when the index
//! opens: the place it stands for (its `ord`), and that place's importance and position.
//!
//! Reading these through tantivy's fast fields inside each query opened and decoded the columns
//! anew every time, a fifth of the cost of a full-address search; here they are plain arrays.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{DocId, Searcher};

use crate::error::{Error, Result};
use crate::model::Place;

/// Ranking facts of one place, small so that the table stays in cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankFacts {
    pub importance: f32,
    pub lon: f32,
    pub lat: f32,
}

/// Document → place, per segment, and place → ranking facts.
#[derive(Clone)]
pub struct DocInfo {
    segments: Vec<(SegmentId, Arc<[u32]>)>,
    facts: Arc<[RankFacts]>,
}

impl DocInfo {
    pub fn read(searcher: &Searcher, ord_field: Field, places: &[Place]) -> Result<DocInfo> {
        let name = searcher.schema().get_field_name(ord_field).to_string();
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64(&name)?;
            let ords = (0..segment.max_doc())
                .map(|doc| {
                    column
                        .first(doc)
                        .filter(|&ord| (ord as usize) < places.len())
                        .map(|ord| ord as u32)
                        .ok_or_else(|| {
                            Error::Index(format!(
                                "document {doc} has no valid place; the index is damaged, re-run `adresse ingest`"
                            ))
                        })
                })
                .collect::<Result<Vec<u32>>>()?;
            segments.push((segment.segment_id(), Arc::from(ords)));
        }
        let facts = places
            .iter()
            .map(|p| RankFacts {
                importance: p.importance as f32,
                lon: p.position.lon as f32,
                lat: p.position.lat as f32,
            })
            .collect::<Vec<_>>();
        Ok(DocInfo {
            segments,
            facts: Arc::from(facts),
        })
    }

    /// The place of a document, without cloning the segment's view.
    pub fn ord(&self, segment: SegmentId, doc: DocId) -> Option<u32> {
        self.segments
            .iter()
            .find(|(s, _)| *s == segment)
            .and_then(|(_, ords)| ords.get(doc as usize).copied())
    }

    /// The documents of one segment, by doc id.
    pub fn segment(&self, id: SegmentId) -> Option<SegmentDocs> {
        self.segments
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, ords)| SegmentDocs {
                ords: ords.clone(),
                facts: self.facts.clone(),
            })
    }
}

/// One segment's view, cheap to clone into a query's scoring closure.
#[derive(Clone)]
pub struct SegmentDocs {
    ords: Arc<[u32]>,
    facts: Arc<[RankFacts]>,
}

impl SegmentDocs {
    pub fn ord(&self, doc: DocId) -> Option<u32> {
        self.ords.get(doc as usize).copied()
    }

    pub fn facts(&self, doc: DocId) -> Option<RankFacts> {
        self.ord(doc)
            .and_then(|ord| self.facts.get(ord as usize).copied())
    }
}
