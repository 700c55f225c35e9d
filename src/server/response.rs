//! The GeocodeJSON FeatureCollection of the public API: field names and order as addok writes
//! them, keys without a value left out.

use serde::Serialize;

use crate::index::Index;
use crate::model::Kind;
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

pub fn collection(index: &Index, hits: &[Hit], echo: Echo<'_>) -> FeatureCollection {
    FeatureCollection {
        kind: "FeatureCollection",
        version: "draft",
        features: hits.iter().filter_map(|h| feature(index, h)).collect(),
        attribution: "BAN",
        licence: "ETALAB-2.0",
        query: echo.query.map(str::to_string),
        filters: filters_echo(echo.filters),
        center: echo.center.map(|(lon, lat)| [lon, lat]),
        limit: echo.limit,
    }
}

fn feature(index: &Index, hit: &Hit) -> Option<Feature> {
    let place = index.place(hit.place)?;
    let finite = |v: f64| v.is_finite().then_some(v);
    let (position, housenumber) = match &hit.housenumber {
        Some(hn) => (hn.position, Some(hn)),
        None => (place.position, None),
    };
    let (label, name, id) = match housenumber {
        Some(hn) => {
            let number = hn.display();
            (
                format!("{number} {}", place.label()),
                format!("{number} {}", place.name),
                hn.id.clone(),
            )
        }
        None => (place.label(), place.name.clone(), place.id.clone()),
    };
    let own_name = |kind: Kind| (place.kind == kind).then(|| place.name.clone());
    Some(Feature {
        kind: "Feature",
        geometry: Geometry {
            kind: "Point",
            coordinates: [position.lon, position.lat],
        },
        properties: Properties {
            label,
            score: hit.score,
            housenumber: housenumber.map(|h| h.display()),
            id,
            name,
            postcode: place.postcode.clone(),
            citycode: place.citycode.clone(),
            oldcitycode: place.oldcitycode.clone(),
            x: finite(position.x),
            y: finite(position.y),
            population: place
                .population
                .filter(|_| place.kind == Kind::Municipality),
            city: place.city.clone(),
            district: place.district.clone(),
            oldcity: place.oldcity.clone(),
            context: place.context.clone(),
            kind: hit.kind.as_str(),
            importance: place.importance,
            street: own_name(Kind::Street),
            locality: own_name(Kind::Locality),
            municipality: own_name(Kind::Municipality),
            distance: hit.distance_m.map(|d| d.round() as u64),
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
