//! The best places among a query's matches: every match of the selecting words scored with
//! what the common words add (`best_of`), tantivy's own top documents (`top_places`), the
//! most important places ranked by their words alone (`most_important`), each scaled by
//! importance and proximity (`rank_factor`), and ties broken the one way (`best_ranked`).

use std::cell::Cell;

use tantivy::query::Query;
use tantivy::{Score, SegmentOrdinal};

use crate::error::Result;
use crate::index::doc_info::{RankFacts, SegmentDocs};
use crate::index::spatial::haversine_m;

use super::card_scorer::CardScorer;
use super::collect::{tweaked_top_docs, EveryMatch, MASKED};
use super::common_words::{
    score_important, CommonWord, CommonWordsScorer, MappedWords, SelectingWord,
};
use super::sources::{Source, Sources};

/// The `limit` best of each source's most important places (`DocInfo::most_important`),
/// scored by the query's words that can be scored from a place's own words, and scaled by
/// `rank_factor`; none of a source's mask.
pub(super) fn most_important(
    sources: &Sources,
    common_words: &[CommonWord],
    near: Option<(f64, f64)>,
    limit: usize,
) -> Vec<(usize, u32)> {
    let mut scored: Vec<(f32, usize, u32)> = Vec::new();
    for (i, source) in sources.0.iter().enumerate() {
        // Their words side by side, by local index.
        let important = source.important_words;
        let ords = important.ords();
        let local: Vec<u32> = (0..ords.len() as u32)
            .filter(|&l| {
                !source
                    .mask
                    .is_some_and(|mask| mask.contains(ords[l as usize]))
            })
            .collect();
        let common_scores = score_important(common_words, important, &local);
        for (l, words) in local.into_iter().zip(common_scores) {
            let ord = ords[l as usize];
            if words <= 0.0 {
                continue;
            }
            let Some(facts) = source.docs.facts(ord) else {
                continue;
            };
            scored.push((words * rank_factor(facts, near), i, ord));
        }
    }
    best_ranked(scored, limit)
        .into_iter()
        .map(|(_, source, ord)| (source, ord))
        .collect()
}

/// The `limit` best of (score, source, ord), best first: ties go to the base, then to the lower
/// `ord`, for answers that do not depend on how documents fell into segments. Only the best
/// are sorted.
pub(super) fn best_ranked(
    mut scored: Vec<(f32, usize, u32)>,
    limit: usize,
) -> Vec<(f32, usize, u32)> {
    let by_rank = |a: &(f32, usize, u32), b: &(f32, usize, u32)| {
        b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
    };
    if scored.len() > limit {
        scored.select_nth_unstable_by(limit, by_rank);
        scored.truncate(limit);
    }
    scored.sort_unstable_by(by_rank);
    scored
}

/// Runs the query on every source; BM25 scaled by importance, and by proximity when a point is
/// given; the best `limit` over all sources. Places of a source's mask rank below every other
/// document, so they are collected only when nothing else is left, then dropped: they can
/// never crowd out a real candidate.
pub(super) fn top_places(
    sources: &Sources,
    query: &dyn Query,
    near: Option<(f64, f64)>,
    limit: usize,
) -> Result<Vec<(usize, u32)>> {
    let mut found: Vec<(Score, usize, u32)> = Vec::new();
    for (i, source) in sources.0.iter().enumerate() {
        let collector = tweaked_top_docs(source, near, limit);
        let top = sources.search(i, query, &collector)?;
        for ((score, _), address) in top {
            if score == MASKED {
                continue;
            }
            let segment = source.searcher.segment_reader(address.segment_ord);
            if let Some(ord) = source.docs.ord(segment.segment_id(), address.doc_id) {
                found.push((score, i, ord));
            }
        }
    }
    if sources.0.len() > 1 {
        // Stable: equal scores keep the base first.
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        found.truncate(limit);
    }
    Ok(found.into_iter().map(|(_, i, ord)| (i, ord)).collect())
}

/// The `limit` best places among every match of `query` (the rare words) in every source, as
/// (score, source, ord): their BM25 plus what the common words add, scaled by `rank_factor`.
/// Ties go to the base, then to the lower `ord`, for answers that do not depend on how
/// documents fell into segments.
///
/// When `selecting` is given, `query` is that one word's clause alone (no filter, no other
/// clause scored by tantivy), and a source holding the word's list walks it instead.
pub(super) fn best_of(
    sources: &Sources,
    query: &dyn Query,
    selecting: Option<&SelectingWord>,
    common_words: &[CommonWord],
    near: Option<(f64, f64)>,
    limit: usize,
) -> Result<Vec<(f32, usize, u32)>> {
    // (score, source, ord)
    let mut scored: Vec<(f32, usize, u32)> = Vec::new();
    for (i, source) in sources.0.iter().enumerate() {
        if let Some(listed) = selecting.and_then(|word| walk_list(source, word, common_words, near))
        {
            scored.extend(listed.into_iter().map(|(score, ord)| (score, i, ord)));
            continue;
        }
        let matches = sources.search(i, query, &EveryMatch)?;
        // (BM25 of the rare words, factor, ord)
        let mut found: Vec<(Score, f32, u32)> = Vec::with_capacity(matches.len());
        let mut segment: Option<(SegmentOrdinal, Option<SegmentDocs>)> = None;
        for (at, &(segment_ord, doc, score)) in matches.iter().enumerate() {
            if segment.as_ref().is_none_or(|(s, _)| *s != segment_ord) {
                let id = source.searcher.segment_reader(segment_ord).segment_id();
                segment = Some((segment_ord, source.docs.segment(id)));
            }
            let Some(segment_docs) = segment.as_ref().and_then(|(_, d)| d.as_ref()) else {
                continue;
            };
            // Thousands of matches are as many cache misses: ask for the ones ahead.
            if let Some(&(ahead_segment, ahead, _)) = matches.get(at + DOC_PREFETCH_DISTANCE) {
                if ahead_segment == segment_ord {
                    segment_docs.prefetch(ahead);
                }
            }
            let Some((ord, facts)) = segment_docs.get(doc) else {
                continue;
            };
            if source.mask.is_some_and(|mask| mask.contains(ord)) {
                continue;
            }
            found.push((score, rank_factor(facts, near), ord));
        }
        tracing::trace!(source = i, matches = found.len(), "rare-word candidates");
        // In place order, places of one commune follow each other (see `CommonWordsScorer`).
        // Ingest adds documents in place order, so each segment's matches come sorted: a
        // stable sort merges those runs in linear time, where an unstable one sorted anew.
        // (Each place has one document, so both give the same order.)
        found.sort_by_key(|&(_, _, ord)| ord);
        let ords: Vec<u32> = found.iter().map(|&(_, _, ord)| ord).collect();
        let common_scores = if ords.len() >= CARDS_FROM_MATCHES {
            CardScorer::new(
                common_words,
                source.word_cards,
                source.word_ids,
                source.texts,
            )
            .score_all(&ords)
        } else {
            let mapped = MappedWords {
                ids: source.word_ids,
                texts: source.texts,
            };
            CommonWordsScorer::new(common_words, &mapped).score_all(&ords)
        };
        scored.extend(
            found
                .into_iter()
                .zip(common_scores)
                .map(|((score, factor, ord), common)| ((score + common) * factor, i, ord)),
        );
    }
    Ok(best_ranked(scored, limit))
}

/// Every place of `selecting`'s word list in `source` (none of its mask) with its score as
/// `best_of` scores a match, or None when the source has no list for the word. The entries
/// are read in order; each commune's card is asked for a few places ahead.
fn walk_list(
    source: &Source,
    selecting: &SelectingWord,
    common_words: &[CommonWord],
    near: Option<(f64, f64)>,
) -> Option<Vec<(f32, u32)>> {
    if !word_lists_enabled() {
        return None;
    }
    let list = source
        .word_cards
        .list(source.word_cards.ordinal(&selecting.word)?)?;
    let mut scorer = CardScorer::new(
        common_words,
        source.word_cards,
        source.word_ids,
        source.texts,
    )
    .with_selecting(selecting);
    let mut scored = Vec::with_capacity(list.len());
    for at in 0..list.len() {
        if let Some(ahead) = list.place_text(at + PLACE_CARD_PREFETCH_DISTANCE) {
            source.word_cards.prefetch_place_text(ahead);
        }
        let Some(entry) = list.get(at) else {
            break;
        };
        if source.mask.is_some_and(|mask| mask.contains(entry.ord)) {
            continue;
        }
        let (selecting_score, common) = scorer.score_card(entry.ord, &entry.card);
        scored.push((
            (selecting_score + common) * rank_factor(entry.facts, near),
            entry.ord,
        ));
    }
    Some(scored)
}

/// How many places of a word list ahead `walk_list` asks for their commune's card.
const PLACE_CARD_PREFETCH_DISTANCE: usize = 8;

thread_local! {
    // Per thread, so that a test comparing the two ways does not switch the lists off under
    // the other tests of its process; a search runs on the thread that asks for it.
    static WORD_LISTS: Cell<bool> = const { Cell::new(true) };
}

fn word_lists_enabled() -> bool {
    WORD_LISTS.with(Cell::get)
}

/// Whether retrieval on the calling thread reads word lists (the default) or always asks
/// tantivy: for tests and benchmarks that compare the two, which must give the same answers.
#[doc(hidden)]
pub fn set_word_lists(enabled: bool) {
    WORD_LISTS.with(|lists| lists.set(enabled));
}

/// From how many matches `best_of` scores common words from the word cards (`CardScorer`):
/// looking the query's words up in the vocabulary first costs more than it saves on a few.
const CARDS_FROM_MATCHES: usize = 256;

/// How many matches ahead `best_of` asks for a document's place and facts.
const DOC_PREFETCH_DISTANCE: usize = 16;

/// How much a place's importance, and its proximity when a point is given, scale its BM25.
pub(super) fn rank_factor(facts: RankFacts, near: Option<(f64, f64)>) -> f32 {
    let mut factor = 1.0 + facts.importance as f64;
    if let Some((qlon, qlat)) = near {
        let km = haversine_m(qlon, qlat, facts.lon as f64, facts.lat as f64) / 1000.0;
        factor *= 1.0 + 2.0 * (-(km / 50.0).powi(2)).exp();
    }
    factor as f32
}
