//! Candidate retrieval: a tantivy query built from the parsed query, giving the hundred or so places
//! that share words with it, ranked by BM25 tweaked by importance (and proximity when a
//! location is given; the matches are scored and the best kept in `ranking`). The real ranking
//! happens afterwards, in `score`.

use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use crate::error::Result;
use crate::index::schema::Fields;
use crate::model::Kind;
use crate::text::is_stopword;

pub use super::sources::{Source, Sources};

use super::common_words::{CommonWord, FieldStats, SelectingWord, TextField};
use super::completion::CompletionQuery;
use super::query::{is_postcode, ParsedQuery, QueryToken};
use super::ranking::{best_of, best_ranked, most_important, top_places};
use super::short_typos;
use super::word_union::WordUnion;
use super::Filters;

/// A token's own name matters more than where the place is.
const NAME_BOOST: f32 = 2.0;
const STOPWORD_BOOST: f32 = 0.2;
/// Shortest word that may match with one typo, and with two.
pub const FUZZY_1_MIN_LEN: usize = 4;
pub const FUZZY_2_MIN_LEN: usize = 9;
/// Prefix and typo matches score a constant in tantivy, not BM25; they are weighted as a
/// fraction of the weight of the rarest possible word, so that a street found through a typo
/// is not crowded out by the hundreds of streets that merely share the city's name.
const PREFIX_WEIGHT: f32 = 0.5;
/// Near spellings are looked for only for words the field does not hold.
const TYPO_WEIGHT: f32 = 0.7;

/// Which words bring candidates in. The rarest word always does, if no more than
/// `SELECTABLE_MAX_DOCS` documents hold it; the next rarest join it while all of them together
/// hold no more than `SELECT_BUDGET` documents. The others ("rue", "de", the city of a query
/// that has a rarer postcode) only rank those candidates. Both are counts, not shares of the
/// index, so that the work of a query stays the same from two départements to all of France:
/// with a share (2% of documents), a street word held by tens of thousands of streets across
/// France still brought them all in.
const SELECT_BUDGET: u64 = 1_000;
const SELECTABLE_MAX_DOCS: u64 = 10_000;
/// The budget of `Retrieval::widen`: a second chance for a query whose first candidates all fit
/// it poorly, bounded so that a query of nothing but noise still costs a few milliseconds (on
/// the 237k real data, "rue", "de", "la" and "paris" are each held by fewer than 10,000).
const WIDE_BUDGET: u64 = SELECTABLE_MAX_DOCS;
/// The budget of `Breadth::Narrow` (`narrow_selection`): the rarest words only, if they are
/// this rare. A full address's street name usually is ("bourseul": one street), and then its
/// few places are the candidates, instead of the hundreds a postcode or city brings with it.
const NARROW_BUDGET: u64 = 100;

/// How many of the words that may select do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breadth {
    /// The rarest words, when together they are held by at most `NARROW_BUDGET` documents;
    /// else the places holding both of the two rarest (`narrow_selection`). A first try for a
    /// query that names its place exactly.
    Narrow,
    /// The rarest, within `SELECT_BUDGET`. When they find fewer than `MIN_CANDIDATES` places,
    /// those are returned as they are, marked `few` (`Retrieved::few`): the caller rescores
    /// them and asks for `Every` only if none fits.
    Budget,
    /// The rarest within `SELECT_BUDGET`, then, if they find too few places, every word that
    /// may select (the rare word was noise: a typo, a word of another place).
    Every,
}

/// The candidates of a query, and whether a wider selection of words could bring others.
#[derive(Debug, Default)]
pub struct Retrieved {
    /// (index in `sources`, `ord` there), best first.
    pub found: Vec<(usize, u32)>,
    /// When some word that may select was left out of the selection, the words that selected
    /// and the scores of `found`, in order: what `Retrieval::widen` builds on.
    selection: Option<(Vec<bool>, Vec<f32>)>,
    /// A `Budget` retrieval whose rare words found fewer than `MIN_CANDIDATES` places, and
    /// which `Every` would have taken further.
    few: bool,
}

impl Retrieved {
    /// Some word that may select was left out of the selection.
    pub fn narrowed(&self) -> bool {
        self.selection.is_some()
    }

    /// The rare words found few places, and `Breadth::Every` may find others.
    pub fn few(&self) -> bool {
        self.few
    }
}

/// A query's words made into clauses once (documents holding each, near spellings, glued and
/// split readings), to retrieve candidates at one breadth and then, if need be, at another.
pub struct Retrieval<'s, 'a> {
    sources: &'s Sources<'a>,
    clauses: Vec<Clause>,
    filter: Vec<(Occur, Box<dyn Query>)>,
}

impl<'s, 'a> Retrieval<'s, 'a> {
    pub fn new(
        sources: &'s Sources<'a>,
        fields: &Fields,
        query: &ParsedQuery,
        filters: &Filters,
    ) -> Retrieval<'s, 'a> {
        Retrieval {
            sources,
            clauses: clauses(sources, fields, query),
            filter: filter_clauses(fields, filters),
        }
    }

    /// Places worth rescoring, as (index in `sources`, `ord` there), none of a source's mask;
    /// `breadth` says how many of the words that may select do. At most `limit` for
    /// `results` asked, or `results + EXTRA_CANDIDATES_COMMON_ONLY` when every word is too
    /// common to walk.
    pub fn retrieve(
        &self,
        near: Option<(f64, f64)>,
        results: usize,
        limit: usize,
        breadth: Breadth,
    ) -> Result<Retrieved> {
        retrieve(
            self.sources,
            &self.clauses,
            &self.filter,
            near,
            limit,
            limit.min(results + EXTRA_CANDIDATES_COMMON_ONLY),
            breadth,
        )
    }

    /// The candidates a wider selection of words adds to `budgeted` (the words held by at most
    /// `WIDE_BUDGET` documents together), for a query whose budgeted candidates all fit it
    /// poorly. The places the budgeted words hold were all scored already: only the others are
    /// walked and scored, and the best of both make the `limit` best, of which those not
    /// already found are returned. Walking them all again ("41 b quai de la l": the 9,418
    /// places of "quai" across France, then those 9,418 and 175 more) scored every one of them
    /// a second time.
    pub fn widen(
        &self,
        budgeted: &Retrieved,
        near: Option<(f64, f64)>,
        limit: usize,
    ) -> Result<Vec<(usize, u32)>> {
        let (Some((before, scores)), Some(wide)) = (
            budgeted.selection.as_ref(),
            select(&self.clauses, WIDE_BUDGET),
        ) else {
            return Ok(Vec::new());
        };
        // The words the wide selection adds select and the other words rank, as they would in
        // a wide retrieval; the budgeted words neither select nor rank, for the places left
        // hold none of them and score the same without them.
        let added: Vec<bool> = wide.iter().zip(before).map(|(w, b)| *w && !*b).collect();
        if !added.iter().any(|a| *a) {
            return Ok(Vec::new());
        }
        let others = self
            .clauses
            .iter()
            .zip(before.iter().zip(&added))
            .filter(|(_, (held_before, _))| !**held_before)
            .map(|(clause, (_, added))| (clause, *added));
        // Not the selecting word: the query gets a clause more below.
        let SelectionQuery {
            mut query,
            common_words,
            ..
        } = selection_query(others, false, &self.filter);
        let held_before: Vec<(Occur, Box<dyn Query>)> = self
            .clauses
            .iter()
            .zip(before)
            .filter(|(_, selected)| **selected)
            .map(|(clause, _)| (Occur::Should, clause.query.box_clone()))
            .collect();
        query.push((Occur::MustNot, Box::new(BooleanQuery::new(held_before))));
        let scored_others = best_of(
            self.sources,
            &BooleanQuery::new(query),
            None,
            &common_words,
            near,
            limit,
        )?;
        let found_before = budgeted
            .found
            .iter()
            .zip(scores)
            .map(|(&(source, ord), &score)| (score, source, ord));
        Ok(
            best_ranked(found_before.chain(scored_others).collect(), limit)
                .into_iter()
                .map(|(_, source, ord)| (source, ord))
                .filter(|candidate| !budgeted.found.contains(candidate))
                .collect(),
        )
    }
}

/// The query of the clauses that select (all of them required when `together`, else any), with
/// the others ranking what it finds: those that can be scored from a place's words (returned),
/// the others as tantivy clauses; and the filters. When one plain word selects and the query
/// is nothing else, that word too, for `best_of` to read its places from its word list.
fn selection_query<'c>(
    clauses: impl Iterator<Item = (&'c Clause, bool)>,
    together: bool,
    filter: &[(Occur, Box<dyn Query>)],
) -> SelectionQuery {
    let mut selecting: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut selecting_words: Vec<Option<SelectingWord>> = Vec::new();
    let mut common_words: Vec<CommonWord> = Vec::new();
    let mut common_in_tantivy: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut glued_in_tantivy: Vec<Option<&CommonWord>> = Vec::new();
    for (clause, selects) in clauses {
        if selects {
            selecting.push((Occur::Should, clause.query.box_clone()));
            selecting_words.push(clause.common.as_ref().and_then(CommonWord::as_selecting));
        } else if let Some(common) = &clause.common {
            common_words.push(common.clone());
        } else {
            common_in_tantivy.push((Occur::Should, clause.query.box_clone()));
            glued_in_tantivy.push(clause.glued.as_ref());
        }
    }
    let mut query: Vec<(Occur, Box<dyn Query>)> = if together {
        selecting
            .into_iter()
            .map(|(_, query)| (Occur::Must, query))
            .collect()
    } else {
        vec![(Occur::Must, Box::new(BooleanQuery::new(selecting)))]
    };
    // One word selects, and tantivy would score nothing but it and at most one glued word
    // (two would be summed in an order of tantivy's): the word's list may stand for the query.
    let selecting_word = match (&selecting_words[..], &glued_in_tantivy[..]) {
        ([Some(word)], []) if filter.is_empty() => Some(word.clone()),
        ([Some(word)], [Some(glued)]) if filter.is_empty() => Some(SelectingWord {
            glued: Some((*glued).clone()),
            ..word.clone()
        }),
        _ => None,
    };
    query.extend(common_in_tantivy);
    query.extend(filter.iter().map(|(o, q)| (*o, q.box_clone())));
    SelectionQuery {
        query,
        selecting: selecting_word,
        common_words,
    }
}

/// What `selection_query` makes of a query's clauses.
struct SelectionQuery {
    query: Vec<(Occur, Box<dyn Query>)>,
    /// The one plain word that selects, when nothing else is asked of tantivy.
    selecting: Option<SelectingWord>,
    common_words: Vec<CommonWord>,
}

/// The clauses of a query's words, and of its words glued or split as names spell them.
fn clauses(sources: &Sources, fields: &Fields, query: &ParsedQuery) -> Vec<Clause> {
    let num_docs = sources.num_docs();
    let rarest = (1.0 + num_docs as f32).ln();
    let stats = [
        FieldStats::of(sources, fields.name),
        FieldStats::of(sources, fields.place),
    ];
    let mut clauses: Vec<Clause> = Vec::new();
    // How many documents hold each query word in their name and in their place field.
    let mut held = Vec::with_capacity(query.tokens.len());
    for (i, token) in query.tokens.iter().enumerate() {
        let where_clause = || where_clause(fields, query, i);
        // "12 ter": a housenumber's suffix is no short word with a typo.
        let suffix = query.housenumbers.iter().any(|r| r.suffix_token == Some(i));
        let word = word_clause(sources, fields, &stats, token, rarest, where_clause, suffix);
        held.push(word.in_fields);
        // Three or four digits being typed after other words start a postcode ("rue du four
        // 051"): they select like one, through their completions.
        let postcode_start =
            i > 0 && token.is_prefix && (3..=4).contains(&token.text.len()) && token.numeric;
        clauses.push(Clause {
            query: word.clause,
            doc_freq: if postcode_start {
                word.walk
            } else {
                word.doc_freq
            },
            walk: word.walk,
            common: word.common,
            glued: None,
            respelling: false,
        });
    }
    for (query, doc_freq, glued) in reglued_clauses(sources, fields, query, &held) {
        let glued = glued.and_then(|word| {
            let mut common = CommonWord::default();
            common.add_term(TextField::Name, &word, doc_freq, NAME_BOOST, stats[0]);
            common.as_selecting().map(|weighted| weighted.scored)
        });
        clauses.push(Clause {
            query,
            doc_freq,
            walk: doc_freq,
            common: None,
            glued,
            respelling: true,
        });
    }
    // The suffix of a possible housenumber ("84 b") ranks, but does not select: "b" is also the
    // name of thousands of lanes ("Voie B").
    for reading in &query.housenumbers {
        if let Some(clause) = reading.suffix_token.and_then(|i| clauses.get_mut(i)) {
            clause.doc_freq = u64::MAX;
        }
    }
    clauses
}

/// Candidates beyond the results asked for a query whose every word is too common to walk
/// ("29 ru", "4 passage d": a third of the keystrokes of the load benchmark's streams). Their
/// candidates are the most important places, ranked by those common words alone; rescoring
/// 105 of them took as long as finding them. With 35 rather than 100, the address being typed
/// was in the top 5 at 58.06% of the keystroke-stream requests on the France-scale index
/// (58.14% with 100) and 72.70% on the 237k real data (72.72%), in a fifth less time.
const EXTRA_CANDIDATES_COMMON_ONLY: usize = 35;

fn retrieve(
    sources: &Sources,
    clauses: &[Clause],
    filter: &[(Occur, Box<dyn Query>)],
    near: Option<(f64, f64)>,
    limit: usize,
    // The limit when every word is too common to walk (`most_important`).
    common_only: usize,
    breadth: Breadth,
) -> Result<Retrieved> {
    if clauses.is_empty() {
        return Ok(Retrieved::default());
    }
    // Candidates share a selecting word; the other words only rank them. When that finds too
    // few (the rare word was noise), every word that may select does (`Breadth::Every`; a
    // `Budget` retrieval returns the few instead, for the caller to rescore first).
    let mut tried: Option<Vec<bool>> = None;
    let mut found = Vec::new();
    let wide = select(clauses, WIDE_BUDGET);
    let budgets: &[u64] = match breadth {
        // One pass, whose words `narrow_selection` chooses.
        Breadth::Narrow => &[NARROW_BUDGET],
        Breadth::Budget => &[SELECT_BUDGET],
        Breadth::Every => &[SELECT_BUDGET, u64::MAX],
    };
    for &budget in budgets {
        let (selected, together) = if breadth == Breadth::Narrow {
            match narrow_selection(clauses) {
                Some(narrow) => narrow,
                None => return Ok(Retrieved::default()),
            }
        } else {
            match select(clauses, budget) {
                Some(selected) => (selected, false),
                None => break,
            }
        };
        if tried.as_ref() == Some(&selected) {
            break;
        }
        tracing::trace!(
            budget,
            doc_freqs = ?clauses.iter().map(|c| c.doc_freq).collect::<Vec<_>>(),
            ?selected,
            "selecting words"
        );
        let selection = selection_query(
            clauses.iter().zip(selected.iter().copied()),
            together,
            filter,
        );
        let scored = best_of(
            sources,
            &BooleanQuery::new(selection.query),
            selection.selecting.as_ref(),
            &selection.common_words,
            near,
            limit,
        )?;
        found = scored
            .iter()
            .map(|&(_, source, ord)| (source, ord))
            .collect();
        // When every clause selects, the fallback below would find the same places. A narrow
        // try has no fallback: the caller goes on to the budget.
        if found.len() >= limit.min(MIN_CANDIDATES)
            || selected.iter().all(|s| *s)
            || breadth == Breadth::Narrow
        {
            // Only a word the wide selection takes and this one did not can bring others.
            let narrowed = breadth != Breadth::Narrow
                && wide.as_ref().is_some_and(|wide| {
                    wide.iter()
                        .zip(&selected)
                        .any(|(in_wide, here)| *in_wide && !*here)
                });
            let selection = narrowed.then(|| {
                (
                    selected,
                    scored.iter().map(|&(score, _, _)| score).collect(),
                )
            });
            return Ok(Retrieved {
                found,
                selection,
                few: false,
            });
        }
        if breadth == Breadth::Budget {
            // Walking every word that may select costs tens of times what the rare words did
            // ("49 rue de la chaussee d" on the 237k real data: the 4 places of "chaussee",
            // then 11,560 of "rue", "de" and "la"), and it is needed only if none of the few
            // found fits: the caller rescores them first.
            return Ok(Retrieved {
                found,
                selection: None,
                few: true,
            });
        }
        tried = Some(selected);
    }
    let walk = clauses
        .iter()
        .fold(0u64, |total, c| total.saturating_add(c.walk));
    if filter.is_empty() && walk > SELECTABLE_MAX_DOCS {
        // Every word is held by too many places to walk them all ("10 chemin d" across
        // France): the most important places are ranked by their own words instead.
        let common_words: Vec<CommonWord> =
            clauses.iter().filter_map(|c| c.common.clone()).collect();
        for candidate in most_important(sources, &common_words, near, common_only) {
            if found.len() >= common_only {
                break;
            }
            if !found.contains(&candidate) {
                found.push(candidate);
            }
        }
        return Ok(Retrieved {
            found,
            selection: None,
            few: false,
        });
    }
    let any_word = BooleanQuery::new(
        clauses
            .iter()
            .map(|clause| (Occur::Should, clause.query.box_clone()))
            .collect(),
    );
    let mut query_clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(any_word))];
    query_clauses.extend(filter.iter().map(|(o, q)| (*o, q.box_clone())));
    Ok(Retrieved {
        found: top_places(sources, &BooleanQuery::new(query_clauses), near, limit)?,
        selection: None,
        few: false,
    })
}

/// One clause of the query (a word, or words glued or split), and what choosing how it is
/// used needs to know of it.
struct Clause {
    query: Box<dyn Query>,
    /// Documents it may bring in; u64::MAX when it must not bring any on its own.
    doc_freq: u64,
    /// Documents it would bring in if walked (see `WordClause::walk`).
    walk: u64,
    /// It scored from a place's own words, when it can be.
    common: Option<CommonWord>,
    /// Two query words glued as one name word ("la tour" → "latour"): that word, weighted as
    /// tantivy weighs it (`CommonWord::as_selecting`), for `best_of` to score it when it walks
    /// a word list.
    glued: Option<CommonWord>,
    /// Words of the query glued together or one split in two: another reading of typed words.
    respelling: bool,
}

/// Which clauses bring candidates in, given how many documents each may bring: the rarest
/// that may select at all, then the next rarest while they fit in `budget` together. None when
/// no clause may select.
///
/// Respellings come after the words as typed, whatever their counts: a respelling is rare by
/// construction, and it would otherwise push out the words it was made from. Across France,
/// "du rance" (split from "durance") is held by 175 streets and "dubois" (glued from "du bois")
/// by 1,160; selecting them first left out the 1,242 streets named "Durance", and the postcode
/// of "5 allée du bois de saint jean 05000 gap", so that the right street was not a candidate.
/// They still select when no typed word can, which is what they are for ("rue du bois").
fn select(clauses: &[Clause], budget: u64) -> Option<Vec<bool>> {
    let mut order: Vec<usize> = (0..clauses.len())
        .filter(|&i| clauses[i].doc_freq <= SELECTABLE_MAX_DOCS)
        .collect();
    if order.is_empty() {
        return None;
    }
    order.sort_by_key(|&i| (clauses[i].respelling, clauses[i].doc_freq));
    let mut selected = vec![false; clauses.len()];
    let mut total: u64 = 0;
    for (rank, &i) in order.iter().enumerate() {
        total = total.saturating_add(clauses[i].doc_freq);
        if rank > 0 && total > budget {
            break;
        }
        selected[i] = true;
    }
    Some(selected)
}

/// The words of a narrow try, and whether a place must hold all of them (else any): the rarest
/// words while together they are held by at most `NARROW_BUDGET` documents; else, when the
/// rarest is held by more, the two rarest together: across France a street's name is held by
/// hundreds of places and its postcode or city by hundreds more, while the places holding both
/// are a handful. Only words as typed, held somewhere ("50a", a housenumber, is held nowhere)
/// and that may select.
fn narrow_selection(clauses: &[Clause]) -> Option<(Vec<bool>, bool)> {
    let mut order: Vec<usize> = (0..clauses.len())
        .filter(|&i| {
            !clauses[i].respelling && (1..=SELECTABLE_MAX_DOCS).contains(&clauses[i].doc_freq)
        })
        .collect();
    order.sort_by_key(|&i| clauses[i].doc_freq);
    let mut selected = vec![false; clauses.len()];
    let mut total = 0;
    for &i in &order {
        total += clauses[i].doc_freq;
        if total > NARROW_BUDGET {
            break;
        }
        selected[i] = true;
    }
    if selected.iter().any(|s| *s) {
        return Some((selected, false));
    }
    let [first, second, ..] = order[..] else {
        return None;
    };
    selected[first] = true;
    selected[second] = true;
    Some((selected, true))
}

/// Shortest start of a word being typed that may bring candidates in by itself.
const PREFIX_SELECTS_MIN_LEN: usize = 3;

/// Fewer candidates than this from rare words alone sends the query to the fallback.
const MIN_CANDIDATES: usize = 10;

/// The clause of one query word: the word itself in the name and place fields, its
/// completions while it is being typed, its near spellings; and how many documents hold it.
fn word_clause(
    sources: &Sources,
    fields: &Fields,
    stats: &[FieldStats; 2],
    token: &QueryToken,
    rarest: f32,
    where_clause: impl Fn() -> Option<Box<dyn Query>>,
    suffix: bool,
) -> WordClause {
    let boost = if is_stopword(&token.text) {
        STOPWORD_BOOST
    } else {
        1.0
    };
    let (len, numeric) = (token.chars, token.numeric);
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    // The same alternatives, scored from a place's own words (see `common_words`); None as soon
    // as one alternative cannot be (a near spelling).
    let mut common = Some(CommonWord::default());
    let searched_fields = [(fields.name, NAME_BOOST), (fields.place, 1.0)];
    // A word being typed brings in every completion (the word itself among them), as typed
    // and as expanded, in either field: counted once here, as far as it matters, for what the
    // word may bring in and for whether it completes at all.
    let completions: Vec<(&str, u64)> = if token.is_prefix {
        searched_fields
            .iter()
            .flat_map(|(field, _)| {
                dedup([token.typed.as_str(), token.text.as_str()])
                    .into_iter()
                    .map(move |prefix| {
                        let docs = completion_docs(sources, *field, prefix, SELECTABLE_MAX_DOCS);
                        (prefix, docs)
                    })
            })
            .collect()
    } else {
        Vec::new()
    };
    let completes = completions
        .iter()
        .any(|(prefix, docs)| *prefix == token.text && *docs > 0);
    let in_fields = searched_fields
        .map(|(field, _)| sources.docs_holding(&Term::from_field_text(field, &token.text)));
    let mut total_doc_freq: u64 = in_fields.iter().sum();
    // A word the index holds somewhere is no typo: walking the term dictionary with a typo
    // automaton for it (a city word in the name field, say) only costs time.
    let unknown_word = total_doc_freq == 0;
    for (((field, field_boost), (which, stats)), held) in searched_fields
        .into_iter()
        .zip([TextField::Name, TextField::Place].into_iter().zip(*stats))
        .zip(in_fields)
    {
        let term = Term::from_field_text(field, &token.text);
        alternatives.push(boosted(
            TermQuery::new(term.clone(), IndexRecordOption::WithFreqs),
            boost * field_boost,
        ));
        if let Some(common) = common.as_mut() {
            common.add_term(which, &token.text, held, boost * field_boost, stats);
        }
        let typo_boost = TYPO_WEIGHT * rarest * boost * field_boost;
        if token.is_prefix {
            // Completions of the word being typed, as typed and as expanded.
            for prefix in dedup([token.typed.as_str(), token.text.as_str()]) {
                let prefix_boost = PREFIX_WEIGHT * rarest * boost * field_boost;
                alternatives.push(boosted(CompletionQuery::new(field, prefix), prefix_boost));
                if let Some(common) = common.as_mut() {
                    common.add_prefix(which, prefix, prefix_boost);
                }
            }
            // Near spellings only when nothing starts as typed, in either field: walking the
            // term dictionary with a typo automaton is the dearest part of a query, and at
            // France scale a typo of a word's start matches thousands of places.
            if len > FUZZY_1_MIN_LEN && !completes {
                alternatives.push(boosted(
                    FuzzyTermQuery::new_prefix(term, 1, true),
                    typo_boost * 0.5,
                ));
                common = None;
            }
        } else if numeric && len <= 2 && field == fields.name {
            // "Paris 11" means the 11th: the number also finds the ordinal "11e" ("1er") in a
            // name (the arrondissement), not in every street's "Paris 11e Arrondissement".
            let ordinal = if token.text == "1" {
                "1er".to_string()
            } else {
                format!("{}e", token.text)
            };
            let term = Term::from_field_text(field, &ordinal);
            if let Some(common) = common.as_mut() {
                let doc_freq = sources.docs_holding(&term);
                common.add_term(which, &ordinal, doc_freq, 0.9 * boost * field_boost, stats);
            }
            alternatives.push(boosted(
                TermQuery::new(term, IndexRecordOption::WithFreqs),
                0.9 * boost * field_boost,
            ));
        } else if len >= FUZZY_1_MIN_LEN && !numeric && unknown_word {
            let distance = if len >= FUZZY_2_MIN_LEN { 2 } else { 1 };
            alternatives.push(boosted(
                FuzzyTermQuery::new(term, distance, true),
                typo_boost,
            ));
            common = None;
        }
    }
    let near_spellings = if suffix {
        [None, None]
    } else {
        [
            short_typos::in_names(fields, token, in_fields, &where_clause),
            short_typos::in_places(fields, token, in_fields, completes),
        ]
    };
    for clause in near_spellings.into_iter().flatten() {
        alternatives.push(boosted(
            clause,
            TYPO_WEIGHT * rarest * short_typos::WEIGHT_SHARE,
        ));
        common = None;
    }
    // Words that must not bring candidates in by themselves: a short start of a word being
    // typed ("pa" completes to thousands of words) and a number that may be the housenumber
    // (it is rarely part of the street's name, and "12" would bring in "Voie A/12").
    let typed_start = token.is_prefix && len < PREFIX_SELECTS_MIN_LEN;
    if token.is_prefix {
        total_doc_freq = completions
            .iter()
            .fold(0, |total, (_, docs)| total.saturating_add(*docs));
    }
    let selects = !(typed_start || (numeric && !is_postcode(&token.text)));
    WordClause {
        clause: Box::new(WordUnion::new(
            alternatives.into_iter().map(|(_, query)| query).collect(),
        )),
        doc_freq: if selects { total_doc_freq } else { u64::MAX },
        walk: total_doc_freq,
        in_fields,
        common,
    }
}

/// One query word's clause, and what retrieval needs to know of it.
struct WordClause {
    clause: Box<dyn Query>,
    /// Documents that hold it (u64::MAX for a word that must not select on its own).
    doc_freq: u64,
    /// Documents that hold it, even when it must not select (counted no further than
    /// `SELECTABLE_MAX_DOCS` for a word being typed).
    walk: u64,
    /// Documents that hold it in the name and in the place field.
    in_fields: [u64; 2],
    /// The clause scored from a place's words, when it can be.
    common: Option<CommonWord>,
}

/// Words that are elided or glued to the next in French names ("Le Nain" / "Lenain"): the
/// places where a query word may be split into two name words.
const GLUED_ARTICLES: [&str; 6] = ["le", "la", "les", "de", "du", "des"];

/// Clauses for query words that names spell split or glued differently: two adjacent query
/// words that an indexed name word joins ("la tour" → "latour"), and a query word that is two
/// name words ("lesueur" → "le sueur"; any split of a word the index does not hold). Each with
/// how many documents it may bring in.
fn reglued_clauses(
    sources: &Sources,
    fields: &Fields,
    query: &ParsedQuery,
    held: &[[u64; 2]],
) -> Vec<(Box<dyn Query>, u64, Option<String>)> {
    let name_term = |word: &str| Term::from_field_text(fields.name, word);
    let is_word = |t: &QueryToken| !t.is_prefix && t.text.bytes().all(|b| b.is_ascii_lowercase());
    let mut clauses: Vec<(Box<dyn Query>, u64, Option<String>)> = Vec::new();
    for pair in query.tokens.windows(2) {
        if !is_word(&pair[0]) || !is_word(&pair[1]) {
            continue;
        }
        let glued = format!("{}{}", pair[0].text, pair[1].text);
        let joined = name_term(&glued);
        let freq = sources.docs_holding(&joined);
        if freq > 0 {
            let (_, clause) = boosted(
                TermQuery::new(joined, IndexRecordOption::WithFreqs),
                NAME_BOOST,
            );
            clauses.push((clause, freq, Some(glued)));
        }
    }
    for (token, held) in query.tokens.iter().zip(held) {
        let word = token.text.as_str();
        if word.len() < 4 || !is_word(token) {
            continue;
        }
        let known = held[0] > 0 || held[1] > 0;
        // A known word is only split after an article; an unknown one anywhere.
        let splits: Vec<usize> = if known {
            GLUED_ARTICLES
                .iter()
                .filter(|a| word.len() >= a.len() + 3 && word.starts_with(**a))
                .map(|a| a.len())
                .collect()
        } else {
            (2..=word.len() - 2).collect()
        };
        for at in splits {
            let (a, b) = word.split_at(at);
            let (a, b) = (name_term(a), name_term(b));
            let freq = sources.docs_holding(&a).min(sources.docs_holding(&b));
            if freq == 0 {
                continue;
            }
            let both = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(TermQuery::new(a, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                ),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(b, IndexRecordOption::WithFreqs)),
                ),
            ]);
            let (_, clause) = boosted(both, NAME_BOOST);
            clauses.push((clause, freq, None));
        }
    }
    clauses
}

/// Any other word of the query in the place field (postcode, city, district), or None when the
/// query has no such word.
fn where_clause(fields: &Fields, query: &ParsedQuery, except: usize) -> Option<Box<dyn Query>> {
    let words: Vec<(Occur, Box<dyn Query>)> = query
        .tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            *i != except
                && !is_stopword(&t.text)
                && (is_postcode(&t.text) || t.text.bytes().all(|b| b.is_ascii_lowercase()))
        })
        .map(|(_, t)| {
            let term = Term::from_field_text(fields.place, &t.text);
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            (Occur::Should, q)
        })
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(words)))
    }
}

fn boosted(query: impl Query + 'static, boost: f32) -> (Occur, Box<dyn Query>) {
    (
        Occur::Should,
        Box::new(BoostQuery::new(Box::new(query), boost)),
    )
}

fn dedup(items: [&str; 2]) -> Vec<&str> {
    if items[0] == items[1] {
        vec![items[0]]
    } else {
        items.to_vec()
    }
}

/// How many documents hold a word of `field` that starts with `prefix` in all sources (a word
/// held by a document twice over counts twice), counting no further than just past `enough`
/// (each source remembers its counts: `CompletionCounts`).
fn completion_docs(sources: &Sources, field: Field, prefix: &str, enough: u64) -> u64 {
    let mut total: u64 = 0;
    for source in &sources.0 {
        total += source
            .completion_counts
            .docs(&source.searcher, field, prefix, enough);
        if total > enough {
            return total;
        }
    }
    total
}

/// Each filter is one Must clause; the values within a filter are ORed.
fn filter_clauses(fields: &Fields, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
    let mut clauses = Vec::new();
    let kinds: Vec<&str> = filters
        .kinds
        .iter()
        .map(|k| match k {
            // Housenumbers are found through their street.
            Kind::Housenumber => Kind::Street.as_str(),
            other => other.as_str(),
        })
        .collect();
    for (field, values) in [
        (fields.kind, kinds),
        (fields.citycode, as_strs(&filters.citycodes)),
        (fields.postcode, as_strs(&filters.postcodes)),
    ] {
        if values.is_empty() {
            continue;
        }
        let any: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        clauses.push((
            Occur::Must,
            Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
        ));
    }
    clauses
}

fn as_strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::query::AllQuery;

    fn clause(doc_freq: u64) -> Clause {
        Clause {
            query: Box::new(AllQuery),
            doc_freq,
            walk: doc_freq,
            common: None,
            glued: None,
            respelling: false,
        }
    }

    fn respelling(doc_freq: u64) -> Clause {
        Clause {
            respelling: true,
            ..clause(doc_freq)
        }
    }

    #[test]
    fn the_rarest_words_select_within_the_budget() {
        // "rue" (common), a postcode, a street word, a city word.
        let clauses = [clause(400_000), clause(450), clause(700), clause(3_000)];
        assert_eq!(
            select(&clauses, SELECT_BUDGET),
            Some(vec![false, true, false, false]),
            "450 + 700 documents exceed the budget of 1,000"
        );
        assert_eq!(
            select(&clauses, u64::MAX),
            Some(vec![false, true, true, true])
        );
    }

    #[test]
    fn the_rarest_word_selects_even_beyond_the_budget_but_not_beyond_the_cap() {
        let clauses = [clause(8_000), clause(u64::MAX), clause(9_000)];
        assert_eq!(
            select(&clauses, SELECT_BUDGET),
            Some(vec![true, false, false])
        );
        let too_common = [clause(SELECTABLE_MAX_DOCS + 1), clause(u64::MAX)];
        assert_eq!(select(&too_common, SELECT_BUDGET), None);
    }

    #[test]
    fn respellings_select_after_the_typed_words() {
        // "rue de la durance 05000 gap" across France: "du rance" (175) and "ladurance" (42)
        // are respellings; "durance" (1,242) is the rarest typed word.
        let clauses = [
            clause(1_426_937),
            clause(1_242),
            clause(1_250),
            clause(3_996),
            respelling(175),
            respelling(42),
        ];
        assert_eq!(
            select(&clauses, SELECT_BUDGET),
            Some(vec![false, true, false, false, false, false])
        );
        // With no budget, everything that may select does, respellings included.
        assert_eq!(
            select(&clauses, u64::MAX),
            Some(vec![false, true, true, true, true, true])
        );
        // "rue du bois": no typed word is rare enough, and the glued "dubois" selects.
        let rue_du_bois = [clause(1_426_937), clause(46_501), respelling(1_160)];
        assert_eq!(
            select(&rue_du_bois, SELECT_BUDGET),
            Some(vec![false, false, true])
        );
    }
}
