//! Forward geocoding: parse the query, retrieve candidate places with tantivy, rescore each in
//! Rust (finding the housenumber on streets), and keep the best, in a deterministic order.

pub mod candidates;
pub mod common_words;
pub mod query;
pub mod score;

use std::sync::Arc;

use crate::error::Result;
use crate::index::numbers::NumberRecord;
use crate::index::overlay::Mask;
use crate::index::snapshot::{Layer, Snapshot};
use crate::index::spatial::haversine_m;
use crate::index::Index;
use crate::model::{HouseNumberRecord, Kind};

pub use query::ParsedQuery;

/// Candidates retrieved for rescoring, beyond the number of results asked: a word being typed
/// matches many more places than a whole one, so autocomplete needs more to find the right one.
const EXTRA_CANDIDATES: usize = 100;
const EXTRA_CANDIDATES_WHOLE_WORDS: usize = 50;

/// A best score below this sends the query back to retrieval with every word that may select
/// (`Breadth::Wide`). On the France-scale index, 453 of the 13,977 quality queries (QUALITY.md)
/// answered below 0.6 and every one of them was wrong; above 0.8, 0.5% were.
const WIDEN_BELOW: f64 = 0.7;

fn extra_candidates(autocomplete: bool) -> usize {
    if autocomplete {
        EXTRA_CANDIDATES
    } else {
        EXTRA_CANDIDATES_WHOLE_WORDS
    }
}

/// Restrictions on results: each list ORed within itself, the lists ANDed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub kinds: Vec<Kind>,
    pub citycodes: Vec<String>,
    pub postcodes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub q: String,
    pub limit: usize,
    pub autocomplete: bool,
    /// Location bias (lon, lat).
    pub near: Option<(f64, f64)>,
    pub filters: Filters,
}

/// One result: a place, or a housenumber of a street.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    /// The index of the snapshot the place comes from.
    pub layer: Layer,
    /// Position of the place (the street, for a housenumber) in the place table.
    pub place: u32,
    pub housenumber: Option<HouseNumberRecord>,
    pub score: f64,
    /// Distance to the bias point (search) or query point (reverse), metres.
    pub distance_m: Option<f64>,
}

/// Searches every layer of the snapshot as one index: candidates are retrieved from the base
/// (without the corrected communes) and the overlay with the same word statistics and cut
/// together (`candidates::retrieve`), then rescored and ranked together.
pub fn search(snapshot: &Snapshot, request: &SearchRequest) -> Result<Vec<Hit>> {
    let query = ParsedQuery::parse(&request.q, request.autocomplete);
    if query.is_empty() || request.limit == 0 {
        return Ok(Vec::new());
    }
    let layers: Vec<(Layer, &Index, Option<&Arc<Mask>>)> = snapshot.layers().collect();
    let sources = candidates::Sources(
        layers
            .iter()
            .map(|(_, index, mask)| candidates::Source {
                searcher: index.reader.searcher(),
                docs: &index.docs,
                texts: &index.table.texts,
                word_ids: &index.word_ids,
                mask: *mask,
            })
            .collect(),
    );
    let retrieve = |breadth| {
        candidates::retrieve(
            &sources,
            // Every layer is written with the one schema, so field handles are the same in all.
            &snapshot.base().fields,
            &query,
            &request.filters,
            request.near,
            request.limit + extra_candidates(request.autocomplete),
            breadth,
        )
    };
    let kinds = &request.filters.kinds;
    let wants = |kind: Kind| kinds.is_empty() || kinds.contains(&kind);
    // Scored readings; a housenumber's full record (its id, a formatted string) is only built
    // for the few that are returned.
    // With each its place's importance, which the sort compares often: read once here.
    let rescore = |found: &[(usize, u32)]| {
        let mut scored_hits: Vec<(Hit, Option<(u32, NumberRecord)>, f64)> =
            Vec::with_capacity(found.len());
        for &(source, ord) in found {
            let (layer, index, _) = layers[source];
            let (Some(place), Some(text)) = (index.place(ord), index.table.texts.get(ord as usize))
            else {
                continue;
            };
            let scored = score::score_place(&query, &place, &text, |hn| {
                index.find_housenumber(&place, hn)
            });
            let housenumber = scored.housenumber.filter(|_| wants(Kind::Housenumber));
            let kind = if housenumber.is_some() {
                Kind::Housenumber
            } else {
                place.kind
            };
            if !wants(kind) {
                continue;
            }
            let position = housenumber
                .map_or((place.position.lon, place.position.lat), |(_, r)| {
                    (r.lon(), r.lat())
                });
            let distance_m = request
                .near
                .map(|(lon, lat)| haversine_m(lon, lat, position.0, position.1));
            let score = score::combine(
                scored.text,
                place.importance,
                distance_m.map(score::proximity),
            );
            let hit = Hit {
                kind,
                layer,
                place: ord,
                housenumber: None,
                score,
                distance_m,
            };
            scored_hits.push((hit, housenumber, place.importance));
        }
        scored_hits
    };
    let retrieved = retrieve(candidates::Breadth::Budget)?;
    let mut scored_hits = rescore(&retrieved.found);
    // Every candidate fits the query poorly, and words that may select were left out: the right
    // place may hold those words only ("18e chemin champ forain 05000 gap" across France, where
    // the 680 places of Paris 18e took the budget from Gap's postcode).
    let best = scored_hits
        .iter()
        .map(|(hit, _, _)| hit.score)
        .fold(0.0, f64::max);
    if retrieved.narrowed && best < WIDEN_BELOW {
        tracing::debug!(q = request.q, best, "widening the word selection");
        let wider: Vec<(usize, u32)> = retrieve(candidates::Breadth::Wide)?
            .found
            .into_iter()
            .filter(|candidate| !retrieved.found.contains(candidate))
            .collect();
        scored_hits.extend(rescore(&wider));
    }
    let place_of = |hit: &Hit| {
        snapshot
            .index(hit.layer)
            .and_then(|index| Some((index, index.place(hit.place)?)))
    };
    let id_of = |(hit, housenumber, _): &(Hit, Option<(u32, NumberRecord)>, f64)| -> String {
        match (place_of(hit), housenumber) {
            (Some((index, place)), Some((i, r))) => index.table.housenumber_id(&place, *i, r),
            (Some((_, place)), None) => place.id.to_string(),
            _ => String::new(),
        }
    };
    scored_hits.sort_by(|a, b| {
        rank_order((a.0.score, a.2), (b.0.score, b.2)).then_with(|| id_of(a).cmp(&id_of(b)))
    });
    scored_hits.truncate(request.limit);
    Ok(scored_hits
        .into_iter()
        .map(|(mut hit, housenumber, _)| {
            if let (Some((index, place)), Some((i, r))) = (place_of(&hit), housenumber) {
                hit.housenumber = Some(index.table.housenumber(&place, i, &r));
            }
            hit
        })
        .collect())
}

/// Best score first; ties broken by importance, then id, so that answers never change between
/// runs or builds.
pub fn sort_hits(snapshot: &Snapshot, hits: &mut [Hit]) {
    fn key<'a>(snapshot: &'a Snapshot, h: &'a Hit) -> (f64, &'a str) {
        let place = snapshot.place(h.layer, h.place);
        let importance = place.map_or(0.0, |p| p.importance);
        let id = h
            .housenumber
            .as_ref()
            .map(|n| n.id.as_str())
            .or_else(|| place.map(|p| p.id.as_str()))
            .unwrap_or_default();
        (importance, id)
    }
    hits.sort_by(|a, b| {
        let ((ia, ida), (ib, idb)) = (key(snapshot, a), key(snapshot, b));
        rank_order((a.score, ia), (b.score, ib)).then_with(|| ida.cmp(idb))
    });
}

/// The order of results by (score, importance): best score first, then the more important.
/// Callers break the ties left by id, so that answers never change between runs or builds.
fn rank_order(a: (f64, f64), b: (f64, f64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| b.1.total_cmp(&a.1))
}
