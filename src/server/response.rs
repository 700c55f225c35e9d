//! The GeocodeJSON FeatureCollection of the public API: field names and order as addok writes
//! them, keys without a value left out.

use serde::Serialize;

use crate::index::snapshot::Snapshot;
use crate::model::Kind;
use crate::result_view::ResultView;
use crate::search::{Filters, Hit};

#[derive(Serialize)]
pub struct FeatureCollection {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    features: Vec<Feature>,
    attribution: &'static str,
    licence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    center: Option<[f64; 2]>,
    limit: usize,
}

#[derive(Serialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Geometry,
    properties: Properties,
}

#[derive(Serialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties {
    label: String,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    housenumber: Option<String>,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    postcode: Option<String>,
    citycode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldcitycode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    x: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    population: Option<u64>,
    city: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oldcity: Option<String>,
    context: String,
    #[serde(rename = "type")]
    kind: &'static str,
    importance: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    municipality: Option<String>,
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

pub fn collection(snapshot: &Snapshot, hits: &[Hit], echo: Echo<'_>) -> FeatureCollection {
    FeatureCollection {
        kind: "FeatureCollection",
        version: "draft",
        features: hits.iter().filter_map(|h| feature(snapshot, h)).collect(),
        attribution: "BAN",
        licence: "ETALAB-2.0",
        query: echo.query.map(|s| s.to_string()),
        filters: filters_echo(echo.filters),
        center: echo.center.map(|(lon, lat)| [lon, lat]),
        limit: echo.limit,
    }
}

fn feature(snapshot: &Snapshot, hit: &Hit) -> Option<Feature> {
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
            postcode: view.place.postcode.map(|s| s.to_string()),
            citycode: view.place.citycode.to_string(),
            oldcitycode: view.place.oldcitycode.map(|s| s.to_string()),
            x: xy.map(|(x, _)| x),
            y: xy.map(|(_, y)| y),
            population: view.population(),
            city: view.place.city.to_string(),
            district: view.place.district.map(|s| s.to_string()),
            oldcity: view.place.oldcity.map(|s| s.to_string()),
            context: view.place.context.to_string(),
            kind: view.kind.as_str(),
            importance: view.place.importance,
            street: view.own_name(Kind::Street).map(|s| s.to_string()),
            locality: view.own_name(Kind::Locality).map(|s| s.to_string()),
            municipality: view.own_name(Kind::Municipality).map(|s| s.to_string()),
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
