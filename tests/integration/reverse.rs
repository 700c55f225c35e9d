//! Reverse geocoding on the real data: the R-tree answer equals a brute-force haversine scan
//! (property test), and the HTTP answer has the public API's shape.

use crate::common;

use adresse::index::spatial::haversine_m;
use adresse::reverse::{ReverseRequest, DEFAULT_RADIUS_M};
use adresse::search::Filters;
use common::{geocoder, get, props};
use proptest::prelude::*;

/// The nearest housenumber distance by scanning every stored point.
fn brute_force_nearest(lon: f64, lat: f64) -> f64 {
    let numbers = &geocoder().index().numbers;
    (0..numbers.len())
        .filter_map(|i| numbers.get(i))
        .map(|r| haversine_m(lon, lat, r.lon(), r.lat()))
        .fold(f64::INFINITY, f64::min)
}

fn nearest(lon: f64, lat: f64, radius_m: f64) -> Option<f64> {
    let request = ReverseRequest {
        lon,
        lat,
        limit: 1,
        radius_m,
        filters: Filters::default(),
    };
    geocoder()
        .reverse(&request)
        .first()
        .and_then(|h| h.distance_m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Points over Paris and its surroundings.
    #[test]
    fn nearest_in_paris_equals_brute_force(lon in 2.20f64..2.47, lat in 48.80f64..48.92) {
        let expected = brute_force_nearest(lon, lat);
        let got = nearest(lon, lat, DEFAULT_RADIUS_M);
        prop_assert_eq!(got.map(|d| (d * 1000.0).round()), Some((expected * 1000.0).round()));
    }

    /// Points over Hautes-Alpes, mountains included: far from any address, the default radius
    /// still finds one when there is one within it.
    #[test]
    fn nearest_in_hautes_alpes_equals_brute_force(lon in 5.4f64..7.1, lat in 44.2f64..45.1) {
        let expected = brute_force_nearest(lon, lat);
        let got = nearest(lon, lat, DEFAULT_RADIUS_M);
        if expected <= DEFAULT_RADIUS_M {
            prop_assert_eq!(got.map(|d| (d * 1000.0).round()), Some((expected * 1000.0).round()));
        } else {
            prop_assert_eq!(got, None);
        }
    }
}

#[tokio::test]
async fn reverse_answers_the_housenumber_at_the_point() {
    // 33 Rue Pérolière, Gap is at (6.080041, 44.559998).
    let (status, body) = get("/reverse/?lon=6.08&lat=44.56").await;
    assert_eq!(status, 200);
    assert_eq!(body["limit"], 1);
    let p = props(&body);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["type"], "housenumber");
    assert_eq!(p[0]["id"], "05061_1620_00033");
    assert_eq!(p[0]["distance"], 3);
    assert!(p[0]["score"].as_f64().unwrap() > 0.99);
}

#[tokio::test]
async fn reverse_with_type_limit_and_filters() {
    let (_, body) = get("/reverse/?lon=2.3522&lat=48.8566&type=street").await;
    assert_eq!(body["filters"]["type"], "street");
    assert_eq!(props(&body)[0]["type"], "street");

    let (_, body) = get("/reverse/?lon=2.3522&lat=48.8566&type=municipality").await;
    assert_eq!(props(&body)[0]["type"], "municipality");
    assert_eq!(props(&body)[0]["city"], "Paris 4e Arrondissement");

    let (_, body) = get("/reverse/?lat=48.8566&lng=2.3522&limit=5").await;
    let distances: Vec<u64> = props(&body)
        .iter()
        .map(|p| p["distance"].as_u64().unwrap())
        .collect();
    assert_eq!(distances.len(), 5);
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");

    // A point of the 4th arrondissement, restricted to the 1st: the answer is in the 1st.
    let (_, body) = get("/reverse/?lon=2.3522&lat=48.8566&citycode=75101").await;
    assert_eq!(props(&body)[0]["citycode"], "75101");
}

#[tokio::test]
async fn reverse_in_the_fields_finds_the_nearest_address_and_the_ocean_finds_nothing() {
    // A high pasture of the Écrins massif, kilometres from any address.
    let (_, body) = get("/reverse/?lon=6.35&lat=44.92").await;
    let p = props(&body);
    assert_eq!(p.len(), 1, "{body}");
    assert!(p[0]["distance"].as_u64().unwrap() > 1_000);
    let (_, body) = get("/reverse/?lon=-40&lat=10").await;
    assert!(props(&body).is_empty());
    // A smaller radius leaves the pasture alone.
    let (_, body) = get("/reverse/?lon=6.35&lat=44.92&radius=500").await;
    assert!(props(&body).is_empty());
}
