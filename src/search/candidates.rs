//! Candidate retrieval: a tantivy query built from the parsed query, giving a few dozen places
//! that share words with it, ranked by BM25 tweaked by importance (and proximity when a
//! location is given). The real ranking happens afterwards, in `score`.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use crate::error::Result;
use crate::index::schema::Fields;
use crate::index::spatial::haversine_m;
use crate::model::Kind;
use crate::text::is_stopword;

use super::query::ParsedQuery;
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
const UNKNOWN_WORD_TYPO_WEIGHT: f32 = 0.7;
const KNOWN_WORD_TYPO_WEIGHT: f32 = 0.25;

/// Places (by `ord`) worth rescoring.
pub fn retrieve(
    searcher: &Searcher,
    fields: &Fields,
    query: &ParsedQuery,
    filters: &Filters,
    near: Option<(f64, f64)>,
    limit: usize,
) -> Result<Vec<u32>> {
    let rarest = (1.0 + searcher.num_docs() as f32).ln();
    let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for token in &query.tokens {
        let boost = if is_stopword(&token.text) {
            STOPWORD_BOOST
        } else {
            1.0
        };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, field_boost) in [(fields.name, NAME_BOOST), (fields.place, 1.0)] {
            let term = Term::from_field_text(field, &token.text);
            alternatives.push(boosted(
                TermQuery::new(term.clone(), IndexRecordOption::WithFreqs),
                boost * field_boost,
            ));
            let len = token.text.chars().count();
            let numeric = token.text.bytes().all(|b| b.is_ascii_digit());
            let typo_weight = if doc_freq(searcher, &term) > 0 {
                KNOWN_WORD_TYPO_WEIGHT
            } else {
                UNKNOWN_WORD_TYPO_WEIGHT
            };
            let typo_boost = typo_weight * rarest * boost * field_boost;
            if token.is_prefix {
                // Completions of the word being typed, as typed and as expanded.
                for prefix in dedup([token.typed.as_str(), token.text.as_str()]) {
                    let term = Term::from_field_text(field, prefix);
                    alternatives.push(boosted(
                        FuzzyTermQuery::new_prefix(term, 0, false),
                        PREFIX_WEIGHT * rarest * boost * field_boost,
                    ));
                }
                if len >= FUZZY_1_MIN_LEN + 1 {
                    alternatives.push(boosted(
                        FuzzyTermQuery::new_prefix(term, 1, true),
                        typo_boost * 0.5,
                    ));
                }
            } else if len >= FUZZY_1_MIN_LEN && !numeric {
                let distance = if len >= FUZZY_2_MIN_LEN { 2 } else { 1 };
                alternatives.push(boosted(
                    FuzzyTermQuery::new(term, distance, true),
                    typo_boost,
                ));
            }
        }
        words.push((Occur::Should, Box::new(BooleanQuery::new(alternatives))));
    }
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, Box::new(BooleanQuery::new(words)))];
    clauses.extend(filter_clauses(fields, filters));
    let tantivy_query = BooleanQuery::new(clauses);

    let importance_field = fields.importance;
    let (lon_field, lat_field) = (fields.lon, fields.lat);
    let ord_field = fields.ord;
    let collector = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
        let fast = segment.fast_fields();
        let importance = fast.f64(field_name(segment, importance_field)).ok();
        let lon = fast.f64(field_name(segment, lon_field)).ok();
        let lat = fast.f64(field_name(segment, lat_field)).ok();
        move |doc: DocId, score: Score| {
            let imp = importance
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(0.0);
            let mut factor = 1.0 + imp;
            if let (Some((qlon, qlat)), Some(lon), Some(lat)) = (near, &lon, &lat) {
                if let (Some(plon), Some(plat)) = (lon.first(doc), lat.first(doc)) {
                    let km = haversine_m(qlon, qlat, plon, plat) / 1000.0;
                    factor *= 1.0 + 2.0 * (-(km / 50.0).powi(2)).exp();
                }
            }
            score * factor as f32
        }
    });
    let top = searcher.search(&tantivy_query, &collector)?;
    let mut ords = Vec::with_capacity(top.len());
    for (_, address) in top {
        let segment = searcher.segment_reader(address.segment_ord);
        if let Ok(column) = segment.fast_fields().u64(field_name(segment, ord_field)) {
            if let Some(ord) = column.first(address.doc_id) {
                ords.push(ord as u32);
            }
        }
    }
    Ok(ords)
}

fn field_name(segment: &SegmentReader, field: Field) -> &str {
    segment.schema().get_field_name(field)
}

fn boosted(query: impl Query + 'static, boost: f32) -> (Occur, Box<dyn Query>) {
    (
        Occur::Should,
        Box::new(BoostQuery::new(Box::new(query), boost)),
    )
}

fn dedup<'a>(items: [&'a str; 2]) -> Vec<&'a str> {
    if items[0] == items[1] {
        vec![items[0]]
    } else {
        items.to_vec()
    }
}

fn doc_freq(searcher: &Searcher, term: &Term) -> u64 {
    searcher.doc_freq(term).unwrap_or(0)
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
