//! Forward geocoding: parse the query, retrieve candidate places with tantivy, rescore each in
//! Rust (finding the housenumber on streets), and keep the best, in a deterministic order.

pub mod candidates;
pub mod query;
pub mod score;

use std::cmp::Ordering;

use crate::error::Result;
use crate::index::spatial::haversine_m;
use crate::index::Index;
use crate::model::{HouseNumberRecord, Kind};

pub use query::ParsedQuery;

/// Candidates retrieved for rescoring, beyond the number of results asked.
const EXTRA_CANDIDATES: usize = 100;

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
    /// Position of the place (the street, for a housenumber) in the place table.
    pub place: u32,
    pub housenumber: Option<HouseNumberRecord>,
    pub score: f64,
    /// Distance to the bias point (search) or query point (reverse), metres.
    pub distance_m: Option<f64>,
}

pub fn search(index: &Index, request: &SearchRequest) -> Result<Vec<Hit>> {
    let query = ParsedQuery::parse(&request.q, request.autocomplete);
    if query.is_empty() || request.limit == 0 {
        return Ok(Vec::new());
    }
    let searcher = index.reader.searcher();
    let ords = candidates::retrieve(
        &searcher,
        &index.fields,
        &query,
        &request.filters,
        request.near,
        request.limit + EXTRA_CANDIDATES,
    )?;
    let kinds = &request.filters.kinds;
    let wants = |kind: Kind| kinds.is_empty() || kinds.contains(&kind);
    let mut hits = Vec::with_capacity(ords.len());
    for ord in ords {
        let (Some(place), Some(text)) = (index.place(ord), index.table.texts.get(ord as usize))
        else {
            continue;
        };
        let scored =
            score::score_place(&query, place, text, |hn| index.find_housenumber(place, hn));
        let housenumber = scored.housenumber.filter(|_| wants(Kind::Housenumber));
        let kind = if housenumber.is_some() {
            Kind::Housenumber
        } else {
            place.kind
        };
        if !wants(kind) {
            continue;
        }
        let position = housenumber.map_or((place.position.lon, place.position.lat), |(_, r)| {
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
        hits.push(Hit {
            kind,
            place: ord,
            housenumber: housenumber.map(|(i, r)| index.table.housenumber(place, i, &r)),
            score,
            distance_m,
        });
    }
    sort_hits(index, &mut hits);
    hits.truncate(request.limit);
    Ok(hits)
}

/// Best score first; ties broken by importance, then id, so that answers never change between
/// runs or builds.
pub fn sort_hits(index: &Index, hits: &mut [Hit]) {
    let key = |h: &Hit| {
        let place = index.place(h.place);
        let importance = place.map_or(0.0, |p| p.importance);
        let id = h
            .housenumber
            .as_ref()
            .map(|n| n.id.clone())
            .or_else(|| place.map(|p| p.id.clone()))
            .unwrap_or_default();
        (importance, id)
    };
    hits.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| {
                let (ia, ida) = key(a);
                let (ib, idb) = key(b);
                ib.partial_cmp(&ia)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| ida.cmp(&idb))
            })
    });
}
