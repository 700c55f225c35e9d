//! The alternatives of one query word (the word in each field, its completions, its near
//! spellings) as one tantivy query: a document matching any of them, scoring the sum of those
//! it matches, as a `BooleanQuery` of `Should` clauses scores it, to the last bit.
//!
//! tantivy's union buffers the next 4,096 documents of its clauses and, on every seek beyond
//! them, clears its 4,096 score slots (16 KiB). A word's union is seeked whenever it is
//! intersected with another word (a narrow try's two rarest words must both be held), and on a
//! 3.7-million-document index nearly every seek lands beyond the buffer: on the France keystroke
//! stream, that clearing was a tenth of the instructions of a search. A word has two to five
//! alternatives; here they are kept side by side, unbuffered, and a seek is a seek of each.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, TERMINATED};

/// Documents matching any of `alternatives`, scoring the sum of those they match.
pub struct WordUnion {
    alternatives: Vec<Box<dyn Query>>,
}

impl WordUnion {
    pub fn new(alternatives: Vec<Box<dyn Query>>) -> WordUnion {
        WordUnion { alternatives }
    }
}

impl Clone for WordUnion {
    fn clone(&self) -> WordUnion {
        WordUnion::new(self.alternatives.iter().map(|a| a.box_clone()).collect())
    }
}

impl fmt::Debug for WordUnion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.alternatives).finish()
    }
}

impl Query for WordUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .alternatives
            .iter()
            .map(|a| a.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(WordUnionWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for alternative in &self.alternatives {
            alternative.query_terms(visitor);
        }
    }
}

struct WordUnionWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for WordUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(Box::new(WordUnionScorer::new(scorers, reader.num_docs())))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} matches no alternative of the word"
            )));
        }
        let mut explanation = Explanation::new("WordUnion, the sum of:", scorer.score());
        for weight in &self.weights {
            if let Ok(matched) = weight.explain(reader, doc) {
                explanation.add_detail(matched);
            }
        }
        Ok(explanation)
    }
}

/// The union of a few scorers, none of them terminated when it starts, in clause order.
struct WordUnionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
    num_docs: u32,
}

impl WordUnionScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>, num_docs: u32) -> WordUnionScorer {
        let mut union = WordUnionScorer {
            scorers,
            doc: TERMINATED,
            num_docs,
        };
        union.doc = union.lowest();
        union
    }

    fn lowest(&self) -> DocId {
        self.scorers
            .iter()
            .map(|s| s.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for WordUnionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() == self.doc {
                scorer.advance();
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = self.lowest();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// tantivy's estimate for a union of several (`size_hint::estimate_union`, which it does
    /// not export), so that whatever sizes itself by it sees what it saw.
    fn size_hint(&self) -> u32 {
        let docs = f64::from(self.num_docs.max(1));
        let outside_all = self.scorers.iter().fold(1.0, |outside, scorer| {
            outside * (1.0 - f64::from(scorer.size_hint()) / docs * 0.8)
        });
        (docs * (1.0 - outside_all)).round().min(docs) as u32
    }

    /// The alternatives' costs summed, as tantivy's union reports it (one alternative: its
    /// own). Intersections order their scorers by cost and sum their scores in that order, so
    /// the same cost keeps the same sums.
    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for WordUnionScorer {
    /// The alternatives on the document, summed in clause order from 0, as tantivy's union
    /// sums them.
    fn score(&mut self) -> Score {
        let mut total: Score = 0.0;
        for scorer in &mut self.scorers {
            if scorer.doc() == self.doc {
                total += scorer.score();
            }
        }
        total
    }
}
