//! Commune corrections served live (`Geocoder::set_corrections`), on the real data: a real
//! Hautes-Alpes commune with one street renamed, one housenumber moved and one address dropped
//! is answered at once by search, reverse and batch, in process and over HTTP; other communes do
//! not change; an empty set restores the base answers exactly; and searches running while sets
//! are swapped see one set or the other, never a mix.

use crate::common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use adresse::ingest::ban_csv::{self, BanRow};
use adresse::result_view::ResultView;
use adresse::reverse::ReverseRequest;
use adresse::search::{Filters, Hit, SearchRequest};
use adresse::Geocoder;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::{data_dir, enc, fixture_index, full_address, props};

/// Embrun: a real commune of 2,819 addresses, small enough to rebuild quickly.
const COMMUNE: &str = "05046";
const NEW_NAME: &str = "Rue des Corrections Publiées";

/// Every row of `COMMUNE`, read from the real BAN file.
fn commune_rows() -> Vec<BanRow> {
    rows_of("adresses-05.csv.gz", COMMUNE)
}

fn rows_of(file: &str, code: &str) -> Vec<BanRow> {
    let mut rows = Vec::new();
    ban_csv::read_file(
        &data_dir().join("ban").join(file),
        |row| {
            if row.code_insee == code {
                rows.push(row)
            }
        },
        |_| {},
    )
    .unwrap();
    assert!(rows.len() > 2_000, "{code}: {} rows", rows.len());
    rows
}

/// The commune's streets (by voie id), most numbered first: a deterministic choice of streets.
fn streets_by_size(rows: &[BanRow]) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.numero != ban_csv::LOCALITY_NUMBER) {
        *counts.entry(row.voie_id()).or_default() += 1;
    }
    let mut streets: Vec<(String, usize)> = counts.into_iter().collect();
    streets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    streets.into_iter().map(|(voie, _)| voie).collect()
}

/// The published revision of the test: one street renamed, one housenumber moved 1.1 km
/// north, one address dropped.
struct Correction {
    rows: Vec<BanRow>,
    renamed_voie: String,
    old_name: String,
    moved: BanRow,
    moved_from: (f64, f64),
    dropped: BanRow,
}

fn correction(new_name: impl Fn(&str) -> String) -> Correction {
    let mut rows = commune_rows();
    let streets = streets_by_size(&rows);
    let (renamed_voie, moved_voie, dropped_voie) = (&streets[0], &streets[1], &streets[2]);
    let old_name = rows
        .iter()
        .find(|r| r.voie_id() == *renamed_voie)
        .unwrap()
        .nom_voie
        .clone();
    let new_name = new_name(&old_name);
    for row in rows.iter_mut().filter(|r| r.voie_id() == *renamed_voie) {
        row.nom_voie = new_name.clone();
    }
    let moved_at = rows
        .iter()
        .position(|r| r.voie_id() == *moved_voie)
        .unwrap();
    let moved_from = (rows[moved_at].lon, rows[moved_at].lat);
    rows[moved_at].lat += 0.01;
    (rows[moved_at].x, rows[moved_at].y) = (f64::NAN, f64::NAN);
    let moved = rows[moved_at].clone();
    let dropped_at = rows
        .iter()
        .position(|r| r.voie_id() == *dropped_voie)
        .unwrap();
    let dropped = rows.remove(dropped_at);
    Correction {
        rows,
        renamed_voie: renamed_voie.clone(),
        old_name,
        moved,
        moved_from,
        dropped,
    }
}

fn corrections(rows: Vec<BanRow>) -> BTreeMap<String, Vec<BanRow>> {
    BTreeMap::from([(COMMUNE.to_string(), rows)])
}

fn search_request(q: &str, limit: usize) -> SearchRequest {
    SearchRequest {
        q: q.to_string(),
        limit,
        autocomplete: false,
        near: None,
        filters: Filters::default(),
    }
}

fn reverse_request(lon: f64, lat: f64) -> ReverseRequest {
    ReverseRequest {
        lon,
        lat,
        limit: 1,
        radius_m: 10_000.0,
        filters: Filters::default(),
    }
}

/// What a search answers, field by field (id, label, score, position), read on the snapshot
/// it ran on.
fn answer(geocoder: &Geocoder, q: &str, limit: usize) -> Vec<(String, String, String, f64, f64)> {
    let snapshot = geocoder.snapshot();
    let hits = adresse::search::search(&snapshot, &search_request(q, limit)).unwrap();
    views(&snapshot, &hits)
}

fn views(
    snapshot: &adresse::index::snapshot::Snapshot,
    hits: &[Hit],
) -> Vec<(String, String, String, f64, f64)> {
    hits.iter()
        .map(|hit| {
            let v = ResultView::of(snapshot, hit).expect("every hit resolves in its snapshot");
            (
                v.id.clone(),
                v.label.clone(),
                format!("{:.6}", v.score),
                v.position.lon,
                v.position.lat,
            )
        })
        .collect()
}

/// GETs `uri` from an app serving `geocoder`.
async fn get(geocoder: &Geocoder, uri: &str) -> serde_json::Value {
    let response = adresse::server::app(geocoder.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{uri}");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

/// POSTs a one-column CSV of addresses to `/search/csv/`; returns the output rows.
async fn search_csv(geocoder: &Geocoder, addresses: &[String]) -> Vec<BTreeMap<String, String>> {
    let boundary = "corrections-live-boundary";
    let mut csv = String::from("adresse\n");
    for a in addresses {
        csv.push_str(&format!("\"{a}\"\n"));
    }
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"columns\"\r\n\r\nadresse\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let request = Request::post("/search/csv/")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let response = adresse::server::app(geocoder.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Queries whose answers must not move when Embrun is corrected: addresses of other communes
/// of both départements, other towns, streets found in many communes.
fn unrelated_queries() -> Vec<String> {
    let mut queries: Vec<String> = common::sample_rows("adresses-05.csv.gz", 997)
        .iter()
        .chain(&common::sample_rows("adresses-75.csv.gz", 4001))
        .filter(|r| r.code_insee != COMMUNE)
        .map(full_address)
        .collect();
    queries.extend(
        [
            "Gap",
            "Briançon",
            "rue de rivoli paris",
            "avenue de la gare",
        ]
        .map(String::from),
    );
    queries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_commune_is_served_at_once_everywhere_and_an_empty_set_restores_the_base() {
    let geocoder = Geocoder::open(fixture_index()).unwrap();
    let fix = correction(|_| NEW_NAME.to_string());
    let old_street_query = format!("{} Embrun", fix.old_name);
    let moved_query = full_address(&fix.moved);
    let dropped_query = full_address(&fix.dropped);
    let unrelated = unrelated_queries();
    assert!(unrelated.len() > 50, "{}", unrelated.len());

    // Before: the base answers.
    let watched: Vec<String> = unrelated
        .iter()
        .cloned()
        .chain([
            old_street_query.clone(),
            moved_query.clone(),
            dropped_query.clone(),
        ])
        .collect();
    let before: Vec<_> = watched.iter().map(|q| answer(&geocoder, q, 5)).collect();
    let before_hits: Vec<Vec<Hit>> = watched
        .iter()
        .map(|q| geocoder.search(&search_request(q, 5)).unwrap())
        .collect();
    let old_street = &answer(&geocoder, &old_street_query, 1)[0];
    assert!(
        old_street.0 == fix.renamed_voie,
        "the base finds the street by its old name: {old_street:?}"
    );
    assert_eq!(answer(&geocoder, &dropped_query, 1)[0].0, fix.dropped.id);
    let (new_lon, new_lat) = (fix.moved.lon, fix.moved.lat);
    let base_reverse_at_new_point = geocoder.reverse(&reverse_request(new_lon, new_lat));
    let before_http_search = get(
        &geocoder,
        &format!("/search/?q={}&limit=5", enc(&old_street_query)),
    )
    .await;

    geocoder
        .set_corrections(corrections(fix.rows.clone()))
        .unwrap();

    // The renamed street, by its new name, with its numbers and its id unchanged.
    let renamed = answer(&geocoder, &format!("{NEW_NAME} Embrun"), 1);
    assert_eq!(renamed[0].0, fix.renamed_voie, "{renamed:?}");
    assert!(renamed[0].1.starts_with(NEW_NAME), "{renamed:?}");
    // The old name no longer finds the commune's street.
    let old = answer(&geocoder, &old_street_query, 10);
    assert!(
        old.iter()
            .all(|(id, label, ..)| *id != fix.renamed_voie && !label.starts_with(&fix.old_name)),
        "{old:?}"
    );
    // The moved housenumber, at its new point, by search and by reverse.
    let moved = &answer(&geocoder, &moved_query, 1)[0];
    assert_eq!(moved.0, fix.moved.id);
    let near = |a: f64, b: f64| (a - b).abs() < 2e-6;
    assert!(
        near(moved.3, new_lon) && near(moved.4, new_lat),
        "{moved:?}"
    );
    let snapshot = geocoder.snapshot();
    let reversed = adresse::reverse::reverse(&snapshot, &reverse_request(new_lon, new_lat));
    let view = ResultView::of(&snapshot, &reversed[0]).unwrap();
    assert_eq!(view.id, fix.moved.id);
    assert!(reversed[0].distance_m.unwrap() < 1.0);
    assert_ne!(
        base_reverse_at_new_point
            .first()
            .and_then(|h| h.housenumber.as_ref())
            .map(|n| n.id.clone()),
        Some(fix.moved.id.clone()),
        "before, nothing of that id stood there"
    );
    let at_old_point = geocoder.reverse(&reverse_request(fix.moved_from.0, fix.moved_from.1));
    assert_ne!(
        at_old_point[0].housenumber.as_ref().unwrap().id,
        fix.moved.id,
        "the moved number left its old point"
    );
    // The dropped address is gone: nothing answers with its id.
    let dropped = answer(&geocoder, &dropped_query, 10);
    assert!(dropped.iter().all(|a| a.0 != fix.dropped.id), "{dropped:?}");

    // Over HTTP: /search, /reverse, /search/csv.
    let body = get(
        &geocoder,
        &format!("/search/?q={}&limit=1", enc(&moved_query)),
    )
    .await;
    let p = props(&body);
    assert_eq!(p[0]["id"], fix.moved.id.as_str());
    let lat = body["features"][0]["geometry"]["coordinates"][1].as_f64();
    assert!(near(lat.unwrap(), new_lat), "{lat:?}");
    let body = get(
        &geocoder,
        &format!("/search/?q={}&limit=1", enc(&format!("{NEW_NAME} Embrun"))),
    )
    .await;
    assert_eq!(props(&body)[0]["street"], NEW_NAME);
    assert_eq!(props(&body)[0]["citycode"], COMMUNE);
    let body = get(&geocoder, &format!("/reverse/?lon={new_lon}&lat={new_lat}")).await;
    assert_eq!(props(&body)[0]["id"], fix.moved.id.as_str());
    let rows = search_csv(
        &geocoder,
        &[
            moved_query.clone(),
            format!("{NEW_NAME} Embrun"),
            dropped_query.clone(),
        ],
    )
    .await;
    assert_eq!(rows[0]["result_id"], fix.moved.id);
    assert!(near(rows[0]["latitude"].parse().unwrap(), new_lat));
    assert_eq!(rows[1]["result_street"], NEW_NAME);
    assert_ne!(rows[2]["result_id"], fix.dropped.id);

    // Other communes answer exactly as before.
    for (q, was) in watched.iter().zip(&before).take(unrelated.len()) {
        assert_eq!(&answer(&geocoder, q, 5), was, "{q}");
    }

    // An empty set restores the base, to the last field.
    geocoder.set_corrections(BTreeMap::new()).unwrap();
    for ((q, was), hits) in watched.iter().zip(&before).zip(&before_hits) {
        assert_eq!(&answer(&geocoder, q, 5), was, "{q}");
        assert_eq!(
            &geocoder.search(&search_request(q, 5)).unwrap(),
            hits,
            "{q}"
        );
    }
    let after_http_search = get(
        &geocoder,
        &format!("/search/?q={}&limit=5", enc(&old_street_query)),
    )
    .await;
    assert_eq!(after_http_search, before_http_search);
}

#[test]
fn rows_filed_under_another_commune_are_refused_and_the_served_set_stays() {
    let geocoder = Geocoder::open(fixture_index()).unwrap();
    let fix = correction(|_| NEW_NAME.to_string());
    geocoder
        .set_corrections(corrections(fix.rows.clone()))
        .unwrap();
    let mut wrong = fix.rows.clone();
    wrong[0].code_insee = "05061".into();
    let error = geocoder
        .set_corrections(corrections(wrong))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("05061") && error.contains(COMMUNE),
        "{error}"
    );
    let renamed = answer(&geocoder, &format!("{NEW_NAME} Embrun"), 1);
    assert_eq!(
        renamed[0].0, fix.renamed_voie,
        "the previous set is still served"
    );
}

/// Threads search while another swaps between the base and two corrections renaming one
/// street differently: each answer names the street by exactly one of its three names, the one
/// of a set that was served.
#[test]
fn searches_during_swaps_see_one_set_or_the_other_never_a_mix() {
    let geocoder = Geocoder::open(fixture_index()).unwrap();
    let first = correction(|old| format!("{old} Corrigée Une"));
    let second = correction(|old| format!("{old} Corrigée Deux"));
    let names = [
        first.old_name.clone(),
        format!("{} Corrigée Une", first.old_name),
        format!("{} Corrigée Deux", first.old_name),
    ];
    // The query finds the street under any of its names (they share their first words).
    let query = format!("{} Embrun", first.old_name);
    let done = AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let searchers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut seen = [0usize; 3];
                    while !done.load(Ordering::Relaxed) {
                        let snapshot = geocoder.snapshot();
                        let hits = adresse::search::search(&snapshot, &search_request(&query, 10))
                            .unwrap();
                        let named: Vec<usize> = hits
                            .iter()
                            .filter_map(|h| ResultView::of(&snapshot, h))
                            .filter(|v| v.place.id == first.renamed_voie)
                            .filter_map(|v| names.iter().position(|n| *n == v.place.name))
                            .collect();
                        assert_eq!(named.len(), 1, "one street, one name: {named:?}");
                        seen[named[0]] += 1;
                        // Leave the cores gaps: the overlay is built at the lowest priority
                        // (`low_priority.rs`), and two searchers never pausing on two cores
                        // made the nine builds take most of a minute (three in a debug build).
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    seen
                })
            })
            .collect();
        for round in 0..9 {
            let rows = match round % 3 {
                0 => Some(first.rows.clone()),
                1 => Some(second.rows.clone()),
                _ => None,
            };
            geocoder
                .set_corrections(rows.map(corrections).unwrap_or_default())
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        done.store(true, Ordering::Relaxed);
        searchers
            .into_iter()
            .map(|s| s.join().unwrap())
            .fold([0; 3], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]])
    });
    assert!(
        seen.iter().all(|&n| n > 0),
        "every set was seen by some search: {seen:?}"
    );
}

/// An arrondissement is corrected on its own: Paris itself (75056, built above its
/// arrondissements) stays as it was, and the corrected streets still answer Paris's citycode.
#[test]
fn a_corrected_paris_arrondissement_leaves_paris_itself_and_answers_its_citycode() {
    let geocoder = Geocoder::open(fixture_index()).unwrap();
    let mut rows = rows_of("adresses-75.csv.gz", "75104");
    let voie = streets_by_size(&rows)[0].clone();
    let new_name = "Rue des Arrondissements Corrigés";
    for row in rows.iter_mut().filter(|r| r.voie_id() == voie) {
        row.nom_voie = new_name.to_string();
    }
    let paris_before = answer(&geocoder, "Paris", 3);
    assert_eq!(paris_before[0].0, "75056");

    geocoder
        .set_corrections(BTreeMap::from([("75104".to_string(), rows)]))
        .unwrap();
    assert_eq!(answer(&geocoder, "Paris", 3), paris_before);
    let request = SearchRequest {
        filters: Filters {
            citycodes: vec!["75056".into()],
            ..Filters::default()
        },
        ..search_request(new_name, 1)
    };
    let snapshot = geocoder.snapshot();
    let hits = adresse::search::search(&snapshot, &request).unwrap();
    let view = ResultView::of(&snapshot, &hits[0]).unwrap();
    assert_eq!(
        (
            view.id.as_str(),
            view.place.name.as_str(),
            view.place.citycode.as_str()
        ),
        (voie.as_str(), new_name, "75104")
    );
}
