//! The indexes a search reads, as one: the base and the overlay of corrected communes, with
//! word statistics counted over the places they serve (the base's masked places left out).

use std::sync::Arc;

use rustc_hash::FxHashSet;
use tantivy::collector::Collector;
use tantivy::query::{Bm25StatisticsProvider, Query};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use crate::index::completion_counts::CompletionCounts;
use crate::index::important_words::ImportantWords;
use crate::index::overlay::Mask;
use crate::index::places::Texts;
use crate::index::word_cards::WordCards;
use crate::index::word_counts::WordCounts;
use crate::index::word_ids::WordIds;
use crate::index::{DocInfo, Index};

use super::query::ParsedQuery;

/// One index to retrieve candidates from: the base, or the overlay of corrected communes.
pub struct Source<'a> {
    pub searcher: Searcher,
    pub docs: &'a DocInfo,
    /// Each place's indexed words, as text and as hashes, to score common words.
    pub texts: &'a Texts,
    pub word_ids: &'a WordIds,
    /// The same words on one card per place.
    pub word_cards: &'a WordCards,
    /// The words of `docs.most_important()`, side by side.
    pub important_words: &'a ImportantWords,
    /// How many documents hold a typed prefix's completions, remembered per index.
    pub completion_counts: &'a CompletionCounts,
    /// How many documents hold a word, remembered per index.
    pub word_counts: &'a WordCounts,
    /// The comparison key of every housenumber suffix of the index.
    pub suffix_keys: &'a FxHashSet<String>,
    /// Places this index must not answer for (the base's places of corrected communes).
    pub mask: Option<&'a Arc<Mask>>,
}

impl<'a> Source<'a> {
    /// The source of `index`, without the places of `mask`.
    pub fn of(index: &'a Index, mask: Option<&'a Arc<Mask>>) -> Source<'a> {
        Source {
            searcher: index.reader.searcher(),
            docs: &index.docs,
            texts: &index.table.texts,
            word_ids: &index.word_ids,
            word_cards: &index.word_cards,
            important_words: &index.important_words,
            completion_counts: &index.completion_counts,
            word_counts: &index.word_counts,
            suffix_keys: &index.suffix_keys,
            mask,
        }
    }
}

/// The indexes of one snapshot, read as if they were one: how many documents hold a word is
/// summed over them, so a word is rare or common, a typo or not, and weighs in BM25 the same
/// in each, and their candidates compete for one cut.
pub struct Sources<'a>(pub Vec<Source<'a>>);

impl Sources<'_> {
    /// The query `q` read for these indexes: its housenumber readings whose suffix no
    /// housenumber of theirs has are dropped (`ParsedQuery::keep_suffixes`), so that they cost
    /// no lookup per street and their suffix word still selects candidates ("12 ada ...").
    pub fn read_query(&self, q: &str, autocomplete: bool) -> ParsedQuery {
        let mut query = ParsedQuery::parse(q, autocomplete);
        query.keep_suffixes(|key| self.0.iter().any(|source| source.suffix_keys.contains(key)));
        query
    }

    /// Runs `query` on the source at `i` with the word statistics of all sources, so that
    /// scores compare across them (with one source, they are its own), and the word counts
    /// each source remembers.
    pub(super) fn search<C: Collector>(
        &self,
        i: usize,
        query: &dyn Query,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        self.0[i]
            .searcher
            .search_with_statistics_provider(query, collector, self)
    }

    /// Documents holding `term`, in all sources, none of a mask.
    pub(super) fn docs_holding(&self, term: &Term) -> u64 {
        self.doc_freq(term).unwrap_or(0)
    }

    pub(super) fn num_docs(&self) -> u64 {
        self.served(|s| Ok(s.searcher.num_docs()), Mask::hidden_docs)
            .unwrap_or(0)
    }

    /// `count` summed over the sources, less what each one's mask hides of it.
    fn served(
        &self,
        count: impl Fn(&Source) -> tantivy::Result<u64>,
        hidden: impl Fn(&Mask) -> u64,
    ) -> tantivy::Result<u64> {
        let mut total = 0;
        for s in &self.0 {
            total += count(s)?.saturating_sub(s.mask.map_or(0, |mask| hidden(mask)));
        }
        Ok(total)
    }
}

/// The word statistics of the served places: the masked places of the base do not count, so
/// that a commune served by the overlay counts once.
impl Bm25StatisticsProvider for Sources<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.served(
            |s| s.searcher.total_num_tokens(field),
            |mask| mask.hidden_tokens(field),
        )
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.served(|s| s.searcher.total_num_docs(), Mask::hidden_docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.served(
            |s| s.word_counts.doc_freq(&s.searcher, term),
            |mask| mask.hidden_doc_freq(term),
        )
    }
}
