//! The completions of a word being typed as one tantivy query: every document holding a word of
//! a field that starts with a prefix, scoring a constant (the boost), as tantivy scores a prefix
//! automaton.
//!
//! tantivy's `AutomatonWeight` gathers the matching documents into a bitset as large as the
//! segment: on the France-scale index (3.7 million documents) that is 456 KiB cleared, then
//! scanned word by word, for every completion clause of every keystroke, when a few hundred
//! documents match. Here the completions' postings are gathered into a sorted list when they are
//! that few, and into a bitset only when they are many.

use std::fmt;

use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError, TERMINATED};

/// Documents holding a word of `field` that starts with `prefix`.
#[derive(Clone)]
pub struct CompletionQuery {
    field: Field,
    prefix: String,
}

impl CompletionQuery {
    pub fn new(field: Field, prefix: &str) -> CompletionQuery {
        CompletionQuery {
            field,
            prefix: prefix.to_string(),
        }
    }
}

impl fmt::Debug for CompletionQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Completion({:?}, {:?}*)", self.field, self.prefix)
    }
}

impl Query for CompletionQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

/// A list costs 4 bytes a posting and a sort; a bitset, a bit a document cleared and scanned.
/// Past one posting in this many documents, the bitset is cheaper.
const LIST_UP_TO_ONE_IN: u64 = 16;

impl Weight for CompletionQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let index = reader.inverted_index(self.field)?;
        // No word has a byte 0xff (UTF-8 never does): every completion sorts below this bound.
        let mut upper = self.prefix.as_bytes().to_vec();
        upper.push(0xff);
        let mut stream = index
            .terms()
            .range()
            .ge(self.prefix.as_bytes())
            .lt(&upper)
            .into_stream()?;
        let mut terms = Vec::new();
        let mut postings: u64 = 0;
        while stream.advance() {
            postings += u64::from(stream.value().doc_freq);
            terms.push(stream.value().clone());
        }
        let max_doc = reader.max_doc();
        let each_doc = |add: &mut dyn FnMut(DocId)| -> tantivy::Result<()> {
            for term in &terms {
                let mut block =
                    index.read_block_postings_from_terminfo(term, IndexRecordOption::Basic)?;
                while !block.docs().is_empty() {
                    block.docs().iter().for_each(|&doc| add(doc));
                    block.advance();
                }
            }
            Ok(())
        };
        if postings.saturating_mul(LIST_UP_TO_ONE_IN) <= u64::from(max_doc) {
            let mut docs: Vec<DocId> = Vec::with_capacity(postings as usize);
            each_doc(&mut |doc| docs.push(doc))?;
            docs.sort_unstable();
            docs.dedup();
            Ok(Box::new(ConstScorer::new(SortedDocs::new(docs), boost)))
        } else {
            let mut docs = BitSet::with_max_value(max_doc);
            each_doc(&mut |doc| {
                docs.insert(doc);
            })?;
            Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("Completion", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not hold a word starting with {:?}",
                self.prefix
            )))
        }
    }
}

/// A sorted list of distinct documents, as a `DocSet`.
struct SortedDocs {
    docs: Vec<DocId>,
    at: usize,
}

impl SortedDocs {
    fn new(docs: Vec<DocId>) -> SortedDocs {
        debug_assert!(docs.windows(2).all(|w| w[0] < w[1]));
        SortedDocs { docs, at: 0 }
    }
}

impl DocSet for SortedDocs {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        // Intersections seek far ahead: a binary search over what is left.
        if self.doc() < target {
            self.at += self.docs[self.at..].partition_point(|&doc| doc < target);
        }
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}
