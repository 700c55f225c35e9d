//! The GeocodeJSON FeatureCollection of the public API: field names and order as addok writes
//! them, keys without a value left out.

use serde::Serialize;

use crate::index::places::PlaceStr;
use crate::index::snapshot::Snapshot;
use crate::model::Kind;
use crate::result_view::ResultView;
use crate::search::{Filters, Hit};

/// Borrows what it can from the index and the request: it is serialized at once, and ten
/// strings copied per feature were allocations for nothing.
#[derive(Serialize)]
pub struct FeatureCollection<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    features: Vec<Feature<'a>>,
    attribution: &'static str,
    licence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    center: Option<[f64; 2]>,
    limit: usize,
}

#[derive(Serialize)]
struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Geometry,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties<'a> {
    label: String,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    housenumber: Option<String>,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    postcode: Option<&'a str>,
    citycode: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldcitycode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    population: Option<u64>,
    city: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldcity: Option<&'a str>,
    context: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    importance: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locality: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    municipality: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<u64>,
}

/// What the collection echoes of the request.
pub struct Echo<'a> {
    pub query: Option<&'a str>,
    pub filters: &'a Filters,
    pub center: Option<(f64, f64)>,
    pub limit: usize,
}

pub fn collection<'a>(
    snapshot: &'a Snapshot,
    hits: &[Hit],
    echo: Echo<'a>,
) -> FeatureCollection<'a> {
    FeatureCollection {
        kind: "FeatureCollection",
        version: "draft",
        features: hits.iter().filter_map(|h| feature(snapshot, h)).collect(),
        attribution: "BAN",
        licence: "ETALAB-2.0",
        query: echo.query,
        filters: filters_echo(echo.filters),
        center: echo.center.map(|(lon, lat)| [lon, lat]),
        limit: echo.limit,
    }
}

fn feature<'a>(snapshot: &'a Snapshot, hit: &Hit) -> Option<Feature<'a>> {
    let view = ResultView::of(snapshot, hit)?;
    let xy = view.xy();
    Some(Feature {
        kind: "Feature",
        geometry: Geometry {
            kind: "Point",
            coordinates: [view.position.lon, view.position.lat],
        },
        properties: Properties {
            score: view.score,
            housenumber: view.housenumber.clone(),
            postcode: view.place.postcode.map(PlaceStr::as_str),
            citycode: view.place.citycode.as_str(),
            oldcitycode: view.place.oldcitycode.map(PlaceStr::as_str),
            x: xy.map(|(x, _)| x),
            y: xy.map(|(_, y)| y),
            population: view.population(),
            city: view.place.city.as_str(),
            district: view.place.district.map(PlaceStr::as_str),
            oldcity: view.place.oldcity.map(PlaceStr::as_str),
            context: view.place.context.as_str(),
            kind: view.kind.as_str(),
            importance: view.place.importance,
            street: view.own_name(Kind::Street),
            locality: view.own_name(Kind::Locality),
            municipality: view.own_name(Kind::Municipality),
            distance: view.distance_m.map(|d| d.round() as u64),
            label: view.label,
            id: view.id,
            name: view.name,
        },
    })
}

/// Filters as given: one value as a string, several as a list.
fn filters_echo(filters: &Filters) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    let mut put = |name: &str, values: Vec<String>| match values.len() {
        0 => {}
        1 => {
            map.insert(name.into(), serde_json::Value::String(values[0].clone()));
        }
        _ => {
            map.insert(name.into(), serde_json::Value::from(values));
        }
    };
    put(
        "type",
        filters
            .kinds
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
    );
    put("citycode", filters.citycodes.clone());
    put("postcode", filters.postcodes.clone());
    (!map.is_empty()).then_some(map)
}
