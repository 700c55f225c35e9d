//! Reverse geocoding: the truly nearest housenumber (or street, locality, municipality) to a
//! point, from the point index, within a radius.

use crate::index::places::{PlaceRef, StrList};
use crate::index::points::PointSet;
use crate::index::snapshot::{Layer, Snapshot};
use crate::index::spatial::Found;
use crate::index::Index;
use crate::model::Kind;
use crate::search::{score, sort_hits, Filters, Hit};

/// Default search radius: far enough that a point in a field or a forest still gets the
/// nearest address (addok looks only ~150 m around).
pub const DEFAULT_RADIUS_M: f64 = 10_000.0;
pub const MAX_RADIUS_M: f64 = 100_000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct ReverseRequest {
    pub lon: f64,
    pub lat: f64,
    pub limit: usize,
    pub radius_m: f64,
    pub filters: Filters,
}

/// The nearest over every layer of the snapshot: the base without the corrected communes, and
/// the corrected communes.
pub fn reverse(snapshot: &Snapshot, request: &ReverseRequest) -> Vec<Hit> {
    let kinds = if request.filters.kinds.is_empty() {
        vec![Kind::Housenumber]
    } else {
        request.filters.kinds.clone()
    };
    let mut hits = Vec::new();
    for kind in kinds {
        for (layer, index, mask) in snapshot.layers() {
            let set = match kind {
                Kind::Housenumber => PointSet::Housenumbers,
                Kind::Street | Kind::Locality => PointSet::Streets,
                Kind::Municipality => PointSet::Municipalities,
            };
            let found = index.points.tree(set).nearest(
                request.lon,
                request.lat,
                request.radius_m,
                request.limit,
                &index.positions(),
                |target| {
                    !mask.is_some_and(|m| m.contains(target.place))
                        && index.place(target.place).is_some_and(|place| {
                            (kind == Kind::Housenumber || place.kind == kind)
                                && passes(&place, &request.filters)
                        })
                },
            );
            hits.extend(
                found
                    .into_iter()
                    .filter_map(|f| to_hit(index, layer, kind, f)),
            );
        }
    }
    sort_hits(snapshot, &mut hits);
    hits.truncate(request.limit);
    hits
}

fn passes(place: &PlaceRef, filters: &Filters) -> bool {
    let any_of = |wanted: &[String], have: StrList| {
        wanted.is_empty() || have.iter().any(|h| wanted.iter().any(|w| w == h))
    };
    any_of(&filters.citycodes, place.citycodes) && any_of(&filters.postcodes, place.postcodes)
}

fn to_hit(index: &Index, layer: Layer, kind: Kind, found: Found) -> Option<Hit> {
    let place = index.place(found.target.place)?;
    let housenumber = if kind == Kind::Housenumber {
        let record = index.numbers.get(found.target.housenumber as usize)?;
        Some(
            index
                .table
                .housenumber(&place, found.target.housenumber, &record),
        )
    } else {
        None
    };
    Some(Hit {
        kind,
        layer,
        place: found.target.place,
        housenumber,
        // addok's reverse score: the proximity term alone.
        score: score::proximity(found.distance_m),
        distance_m: Some(found.distance_m),
    })
}
