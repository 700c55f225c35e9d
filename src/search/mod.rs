//! Forward geocoding: parse the query, retrieve candidate places with tantivy, rescore each in
//! Rust (finding the housenumber on streets), and keep the best, in a deterministic order.

pub mod candidates;
pub mod card_scorer;
mod collect;
pub mod common_words;
pub mod completion;
pub mod query;
mod ranking;
pub mod score;
mod short_typos;
pub mod sources;
pub mod word_union;

use std::sync::Arc;

use crate::error::Result;
use crate::index::numbers::NumberRecord;
use crate::index::overlay::Mask;
use crate::index::snapshot::{Layer, Snapshot};
use crate::index::spatial::haversine_m;
use crate::index::Index;
use crate::model::{HouseNumberRecord, Kind};

pub use query::ParsedQuery;
pub use ranking::set_word_lists;

/// Candidates retrieved for rescoring, beyond the number of results asked: a word being typed
/// matches many more places than a whole one, so autocomplete needs more to find the right one.
const EXTRA_CANDIDATES: usize = 100;
const EXTRA_CANDIDATES_WHOLE_WORDS: usize = 50;
/// A narrow try's places all hold the query's rarest words, so the best of them by BM25 are
/// few: on the 20,000-row batch benchmark, 10 rather than 50 found the same best result for
/// every row, about 1.5 times as fast.
const EXTRA_CANDIDATES_NARROW: usize = 10;

/// How many candidates ahead rescoring asks for a candidate's record and texts: each is a
/// cache miss at France scale, and waiting for them one at a time was a tenth of the time of
/// the keystroke requests of the load benchmark.
const RESCORE_AHEAD: usize = 4;

/// A best score below this sends the query back to retrieval with every word that may select
/// (`Retrieval::widen`). On the France-scale index, 453 of the 13,977 quality queries (QUALITY.md)
/// answered below 0.6 and every one of them was wrong; above 0.8, 0.5% were.
const WIDEN_BELOW: f64 = 0.7;

/// The text score (`score::Scored::text`) from which a narrow try's results are final. An
/// exact full address scores about 0.99 (city words count 0.97); one word typed with a typo
/// brings it to about 0.96; one word matching nothing, below 0.8.
const NARROW_SETTLES_AT: f64 = 0.95;

fn extra_candidates(autocomplete: bool, breadth: candidates::Breadth) -> usize {
    match (autocomplete, breadth) {
        // A query being typed often has no city yet, and its narrow try then finds a street
        // name shared across France ("4 cour du pelequ": 64 places); of those, the ones with
        // the housenumber rank first only once rescored, so it keeps as many as the others.
        (true, _) => EXTRA_CANDIDATES,
        (false, candidates::Breadth::Narrow) => EXTRA_CANDIDATES_NARROW,
        (false, _) => EXTRA_CANDIDATES_WHOLE_WORDS,
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
/// together (`candidates::Retrieval`), then rescored and ranked together.
///
/// A query is first tried on the few places holding its rarest words, a word being typed
/// counting as any of its completions (`Breadth::Narrow`). When the best of them explains the
/// query nearly word for word, the answer is those places, ranked, and no other is looked for:
/// a place without those words matches them at best with a typo. So a precise full address is
/// answered by itself and the few places sharing its street's name, as addok answers it by
/// itself alone, rather than by `limit` results padded with other streets of the city.
pub fn search(snapshot: &Snapshot, request: &SearchRequest) -> Result<Vec<Hit>> {
    if request.limit == 0 {
        return Ok(Vec::new());
    }
    let layers: Vec<(Layer, &Index, Option<&Arc<Mask>>)> = snapshot.layers().collect();
    let sources = candidates::Sources(
        layers
            .iter()
            .map(|(_, index, mask)| candidates::Source::of(index, *mask))
            .collect(),
    );
    let query = sources.read_query(&request.q, request.autocomplete);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    // Every layer is written with the one schema, so field handles are the same in all.
    let retrieval =
        candidates::Retrieval::new(&sources, &snapshot.base().fields, &query, &request.filters);
    let retrieve = |breadth| {
        retrieval.retrieve(
            request.near,
            request.limit,
            request.limit + extra_candidates(request.autocomplete, breadth),
            breadth,
        )
    };
    let kinds = &request.filters.kinds;
    let wants = |kind: Kind| kinds.is_empty() || kinds.contains(&kind);
    // Scored readings; a housenumber's full record (its id, a formatted string) is only built
    // for the few that are returned.
    let rescore = |found: &[(usize, u32)]| {
        let mut rescored: Vec<Rescored> = Vec::with_capacity(found.len());
        for (i, &(source, ord)) in found.iter().enumerate() {
            if let Some(&(ahead_source, ahead)) = found.get(i + RESCORE_AHEAD) {
                layers[ahead_source].1.prefetch_place(ahead);
            }
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
            rescored.push(Rescored {
                hit,
                housenumber,
                importance: place.importance,
                text: scored.text,
            });
        }
        rescored
    };
    let place_of = |hit: &Hit| {
        snapshot
            .index(hit.layer)
            .and_then(|index| Some((index, index.place(hit.place)?)))
    };
    let id_of = |rescored: &Rescored| -> String {
        match (place_of(&rescored.hit), &rescored.housenumber) {
            (Some((index, place)), Some((i, r))) => index.table.housenumber_id(&place, *i, r),
            (Some((_, place)), None) => place.id.to_string(),
            _ => String::new(),
        }
    };
    let rank = |hits: &mut Vec<Rescored>| {
        hits.sort_by(|a, b| {
            rank_order((a.hit.score, a.importance), (b.hit.score, b.importance))
                .then_with(|| id_of(a).cmp(&id_of(b)))
        });
    };
    // The narrow try (see above). Its candidates are kept when it does not settle: the usual
    // retrieval's are added to them.
    let mut narrow_found = retrieve(candidates::Breadth::Narrow)?.found;
    if wants(Kind::Municipality) && is_postcode_alone(&query) {
        let communes = municipalities_of(&sources, snapshot, &query, request)?;
        narrow_found.retain(|candidate| !communes.contains(candidate));
        narrow_found.splice(0..0, communes);
    }
    let mut scored_hits = rescore(&narrow_found);
    rank(&mut scored_hits);
    let settled = scored_hits
        .first()
        .is_some_and(|best| best.text >= NARROW_SETTLES_AT);
    if settled {
        scored_hits.truncate(request.limit);
        return Ok(finish(snapshot, scored_hits));
    }
    let retrieved = retrieve(candidates::Breadth::Budget)?;
    let budgeted: Vec<(usize, u32)> = retrieved
        .found
        .iter()
        .filter(|candidate| !narrow_found.contains(candidate))
        .copied()
        .collect();
    scored_hits.extend(rescore(&budgeted));
    // Every candidate fits the query poorly, and words that may select were left out: the right
    // place may hold those words only ("18e chemin champ forain 05000 gap" across France, where
    // the 680 places of Paris 18e took the budget from Gap's postcode).
    let best = scored_hits
        .iter()
        .map(|rescored| rescored.hit.score)
        .fold(0.0, f64::max);
    if retrieved.few() && best < WIDEN_BELOW {
        // The rare words found a few places and none fits: they were noise, every word that
        // may select does.
        tracing::debug!(
            q = request.q,
            best,
            "few places, none fitting: every word selects"
        );
        let every: Vec<(usize, u32)> = retrieve(candidates::Breadth::Every)?
            .found
            .into_iter()
            .filter(|candidate| {
                !narrow_found.contains(candidate) && !retrieved.found.contains(candidate)
            })
            .collect();
        scored_hits.extend(rescore(&every));
    } else if retrieved.narrowed() && best < WIDEN_BELOW {
        tracing::debug!(q = request.q, best, "widening the word selection");
        let limit =
            request.limit + extra_candidates(request.autocomplete, candidates::Breadth::Budget);
        let wider: Vec<(usize, u32)> = retrieval
            .widen(&retrieved, request.near, limit)?
            .into_iter()
            .filter(|candidate| !narrow_found.contains(candidate))
            .collect();
        scored_hits.extend(rescore(&wider));
    }
    rank(&mut scored_hits);
    scored_hits.truncate(request.limit);
    Ok(finish(snapshot, scored_hits))
}

/// Whether the query is a postcode and nothing else ("05230"): addok answers it with the
/// communes of that postcode, and so do we.
fn is_postcode_alone(query: &ParsedQuery) -> bool {
    matches!(query.tokens.as_slice(), [only] if query::is_postcode(&only.text))
}

/// The municipalities holding the query's words, as candidates. A commune's document holds its
/// lieux-dits besides its postcodes, so BM25 ranks it below the hundreds of streets sharing its
/// postcode ("05230": the 300 of Chorges first), and it has to be asked for by kind.
fn municipalities_of(
    sources: &candidates::Sources,
    snapshot: &Snapshot,
    query: &ParsedQuery,
    request: &SearchRequest,
) -> Result<Vec<(usize, u32)>> {
    let filters = Filters {
        kinds: vec![Kind::Municipality],
        ..request.filters.clone()
    };
    let retrieval = candidates::Retrieval::new(sources, &snapshot.base().fields, query, &filters);
    let limit = request.limit + EXTRA_CANDIDATES_NARROW;
    Ok(retrieval
        .retrieve(
            request.near,
            request.limit,
            limit,
            candidates::Breadth::Budget,
        )?
        .found)
}

/// A rescored candidate, with what ranking it needs.
struct Rescored {
    hit: Hit,
    /// The housenumber found on the street, with its store position.
    housenumber: Option<(u32, NumberRecord)>,
    importance: f64,
    /// How well its words fit the query (`score::Scored::text`).
    text: f64,
}

/// The hits of ranked candidates, with the full record of each housenumber found.
fn finish(snapshot: &Snapshot, ranked: Vec<Rescored>) -> Vec<Hit> {
    ranked
        .into_iter()
        .map(|rescored| {
            let mut hit = rescored.hit;
            if let Some((index, (i, r))) = snapshot.index(hit.layer).zip(rescored.housenumber) {
                if let Some(place) = index.place(hit.place) {
                    hit.housenumber = Some(index.table.housenumber(&place, i, &r));
                }
            }
            hit
        })
        .collect()
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
