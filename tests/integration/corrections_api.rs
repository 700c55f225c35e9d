//! Municipality corrections end to end, on the real data: Baratier (05012, Hautes-Alpes)
//! exports its addresses as a BAL, moves a housenumber, renames a street and publishes through
//! the HTTP API; /search, /reverse and /search/csv answer the new state; rollback restores the
//! old one; restarts and a re-ingest replay the corrections; tokens are checked; citizens'
//! reports are stored and processed. The kill -9 test runs the real binary.

use crate::common;
use crate::support_bal;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use adresse::corrections::reports::RateLimit;
use adresse::corrections::store::Store;
use adresse::corrections::{tokens, Corrections};
use adresse::server::corrections::{app_with_corrections, routes};
use adresse::server::ServerConfig;
use adresse::Geocoder;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use support_bal::{copy_index, export_commune, Bal};
use tower::ServiceExt;

const COMMUNE: &str = "05012";
const OLD_STREET: &str = "Chemin du 140ème Ria";
const NEW_STREET: &str = "Rue du Conseil Municipal";

/// A private copy of the fixture index, its geocoder, the app with corrections, and a token of
/// Baratier.
struct Setup {
    root: PathBuf,
    geocoder: Geocoder,
    app: Router,
    token: String,
}

fn setup(name: &str) -> Setup {
    let root = common::temp_dir(&format!("corrections-{name}"));
    copy_index(common::fixture_index(), &root);
    let geocoder = Geocoder::open(&root).unwrap();
    let app = app_with_corrections(&root, geocoder.clone(), ServerConfig::default()).unwrap();
    let store = Store::open(&root).unwrap();
    let (_, token) = tokens::create(&store, &[COMMUNE.into()], "Mairie de Baratier").unwrap();
    Setup {
        root,
        geocoder,
        app,
        token,
    }
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.to_vec())
}

async fn call_json(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (ct, bytes) = match body {
        Some(b) => (Some("application/json"), serde_json::to_vec(&b).unwrap()),
        None => (None, Vec::new()),
    };
    let (status, bytes) = call(app, method, uri, token, ct, bytes).await;
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "{method} {uri}: not JSON: {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, json)
}

/// Uploads a BAL as multipart field `data`, as a browser form would.
async fn upload(app: &Router, token: &str, bal: &[u8]) -> (StatusCode, Value) {
    let boundary = "----adresse-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"bal.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bal);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, bytes) = call(
        app,
        "POST",
        &format!("/communes/{COMMUNE}/revisions"),
        Some(token),
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body,
    )
    .await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn publish(app: &Router, token: &str, id: i64) -> (StatusCode, Value) {
    call_json(
        app,
        "POST",
        &format!("/revisions/{id}/publish"),
        Some(token),
        None,
    )
    .await
}

fn features(body: &Value) -> Vec<Value> {
    body["features"].as_array().cloned().unwrap_or_default()
}

async fn search(app: &Router, q: &str, extra: &str) -> Vec<Value> {
    let (status, body) = call_json(
        app,
        "GET",
        &format!("/search/?q={}{extra}", common::enc(q)),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    features(&body)
}

async fn reverse(app: &Router, lon: f64, lat: f64) -> Vec<Value> {
    let (status, body) = call_json(
        app,
        "GET",
        &format!("/reverse/?lon={lon}&lat={lat}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    features(&body)
}

fn baratier() -> Bal {
    static BAL: std::sync::OnceLock<Bal> = std::sync::OnceLock::new();
    BAL.get_or_init(|| export_commune("adresses-05.csv.gz", COMMUNE))
        .clone()
}

/// The moved housenumber: its row, and where it goes (~400 m north-east, inside Baratier).
struct Move {
    row: usize,
    cle: String,
    numero: String,
    lon: f64,
    lat: f64,
}

/// The export with one housenumber of the renamed street moved and another street renamed.
fn corrected() -> (Bal, Move) {
    let mut bal = baratier();
    let row = (0..bal.rows.len())
        .find(|&i| bal.get(i, "voie_nom") == OLD_STREET && bal.get(i, "numero") == "18")
        .expect("18 Chemin du 140ème Ria in the export");
    let lon: f64 = bal.get(row, "long").parse::<f64>().unwrap() + 0.004;
    let lat: f64 = bal.get(row, "lat").parse::<f64>().unwrap() + 0.003;
    let moved = Move {
        row,
        cle: bal.get(row, "cle_interop").to_string(),
        numero: "18".into(),
        lon,
        lat,
    };
    bal.set(row, "long", &format!("{lon:.6}"));
    bal.set(row, "lat", &format!("{lat:.6}"));
    bal.set(row, "x", "");
    bal.set(row, "y", "");
    for i in 0..bal.rows.len() {
        if bal.get(i, "voie_nom") == OLD_STREET {
            bal.set(i, "voie_nom", NEW_STREET);
        }
    }
    (bal, moved)
}

fn in_commune(features: &[Value]) -> Vec<&Value> {
    features
        .iter()
        .filter(|f| f["properties"]["citycode"] == COMMUNE)
        .collect()
}

/// What the corrected state must look like, through search and reverse.
async fn assert_corrected(app: &Router, moved: &Move) {
    let found = search(app, &format!("{NEW_STREET} Baratier"), "").await;
    let top = &found[0]["properties"];
    assert_eq!(top["name"], NEW_STREET, "{found:#?}");
    assert_eq!(top["citycode"], COMMUNE);
    let old = search(app, &format!("{OLD_STREET} Baratier"), "&limit=10").await;
    assert!(
        in_commune(&old)
            .iter()
            .all(|f| f["properties"]["name"] != OLD_STREET
                && f["properties"]["street"] != OLD_STREET),
        "old name still served: {old:#?}"
    );
    let hit = search(
        app,
        &format!("{} {NEW_STREET} 05200 Baratier", moved.numero),
        "",
    )
    .await;
    let p = &hit[0]["properties"];
    assert_eq!(p["type"], "housenumber", "{hit:#?}");
    assert_eq!(p["id"], moved.cle);
    let coords = &hit[0]["geometry"]["coordinates"];
    assert!(
        (coords[0].as_f64().unwrap() - moved.lon).abs() < 1e-5,
        "{coords}"
    );
    assert!(
        (coords[1].as_f64().unwrap() - moved.lat).abs() < 1e-5,
        "{coords}"
    );
    let near = reverse(app, moved.lon, moved.lat).await;
    assert_eq!(near[0]["properties"]["id"], moved.cle, "{near:#?}");
    assert_eq!(near[0]["properties"]["street"], NEW_STREET);
}

/// What the national data says for the same street and number.
async fn assert_original(app: &Router, moved: &Move) {
    let hit = search(
        app,
        &format!("{} {OLD_STREET} 05200 Baratier", moved.numero),
        "",
    )
    .await;
    let p = &hit[0]["properties"];
    assert_eq!(
        (p["id"].as_str(), p["street"].as_str()),
        (Some(moved.cle.as_str()), Some(OLD_STREET)),
        "{hit:#?}"
    );
    let original = baratier();
    let lon: f64 = original.get(moved.row, "long").parse().unwrap();
    assert!((hit[0]["geometry"]["coordinates"][0].as_f64().unwrap() - lon).abs() < 1e-5);
    let renamed = search(app, &format!("{NEW_STREET} Baratier"), "&limit=10").await;
    assert!(
        in_commune(&renamed)
            .iter()
            .all(|f| f["properties"]["name"] != NEW_STREET),
        "{renamed:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_moves_renames_then_rollback_restores_and_restart_replays() {
    let s = setup("e2e");
    let (bal, moved) = corrected();
    assert_original(&s.app, &moved).await;

    // Revision 1: the export as is, published (the state to roll back to).
    let (status, first) = upload(&s.app, &s.token, &baratier().to_csv()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "pending", "{first}");
    let first_id = first["id"].as_i64().unwrap();
    let (status, body) = publish(&s.app, &s.token, first_id).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("published")),
        "{body}"
    );
    assert_original(&s.app, &moved).await;

    // Revision 2: moved and renamed.
    let bytes = bal.to_csv();
    let (status, second) = upload(&s.app, &s.token, &bytes).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["validation"]["errors"], json!([]), "{second}");
    let second_id = second["id"].as_i64().unwrap();
    // Pending: nothing served changes before publication.
    assert_original(&s.app, &moved).await;
    let (status, body) = publish(&s.app, &s.token, second_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");
    assert_corrected(&s.app, &moved).await;

    // Batch geocoding sees it too.
    let csv = format!("adresse,commune\n\"18 {NEW_STREET}\",Baratier\n");
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let (status, out) = call(
        &s.app,
        "POST",
        "/search/csv/",
        None,
        Some(&format!("multipart/form-data; boundary={boundary}")),
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains(&moved.cle) && out.contains(&format!("{:.6}", moved.lon)[..7]),
        "{out}"
    );

    // Published twice: 409. History and files.
    let (status, _) = publish(&s.app, &s.token, second_id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, history) = call_json(
        &s.app,
        "GET",
        &format!("/communes/{COMMUNE}/revisions"),
        Some(&s.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = history["revisions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0]["id"].as_i64(), list[0]["current"].as_bool()),
        (Some(second_id), Some(true))
    );
    assert_eq!(list[1]["current"], false);
    let (status, file) = call(
        &s.app,
        "GET",
        &format!("/revisions/{second_id}/file"),
        Some(&s.token),
        None,
        Vec::new(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file, bytes);

    // Restart (a new geocoder and app on the same directory): still corrected.
    let reopened = Geocoder::open(&s.root).unwrap();
    let app2 = app_with_corrections(&s.root, reopened, ServerConfig::default()).unwrap();
    assert_corrected(&app2, &moved).await;

    // Rollback to revision 1: a new published revision, the original state served.
    let (status, body) = call_json(
        &s.app,
        "POST",
        &format!("/communes/{COMMUNE}/rollback"),
        Some(&s.token),
        Some(json!({"revision": first_id})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["status"].as_str(),
            body["rollback_of"].as_i64(),
            body["current"].as_bool()
        ),
        (Some("published"), Some(first_id), Some(true))
    );
    assert!(body["id"].as_i64().unwrap() > second_id);
    assert_original(&s.app, &moved).await;
    // Rolling back to the current revision is refused.
    let (status, _) = call_json(
        &s.app,
        "POST",
        &format!("/communes/{COMMUNE}/rollback"),
        Some(&s.token),
        Some(json!({"revision": body["id"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The audit log says who published what.
    let (_, audit) = call_json(
        &s.app,
        "GET",
        &format!("/communes/{COMMUNE}/audit"),
        Some(&s.token),
        None,
    )
    .await;
    let publishes: Vec<_> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "revision_publish")
        .collect();
    assert_eq!(publishes.len(), 3);
    assert!(publishes.iter().all(|e| e["actor"] == "Mairie de Baratier"));
    drop(s.geocoder);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_re_ingest_of_ban_files_replays_published_corrections() {
    let s = setup("reingest");
    let (bal, moved) = corrected();
    let (_, rev) = upload(&s.app, &s.token, &bal.to_csv()).await;
    let (status, _) = publish(&s.app, &s.token, rev["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    // A national re-ingest writes a new generation into the same directory.
    let files = adresse::ingest::source_files(&[common::data_dir().join("ban/adresses-05.csv.gz")])
        .unwrap();
    adresse::ingest::ingest(
        &files,
        Some(&common::data_dir().join("ref")),
        &s.root,
        |_| {},
    )
    .unwrap();
    let geocoder = Geocoder::open(&s.root).unwrap();
    assert_ne!(geocoder.index().manifest.built_at, 0);
    let app = app_with_corrections(&s.root, geocoder, ServerConfig::default()).unwrap();
    assert_corrected(&app, &moved).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_edits_create_move_delete_rename_and_add_a_lieu_dit() {
    let s = setup("edits");
    let original = baratier();
    let row = (0..original.rows.len())
        .find(|&i| original.get(i, "voie_nom") == OLD_STREET && original.get(i, "numero") == "19")
        .unwrap();
    let deleted = (0..original.rows.len())
        .find(|&i| original.get(i, "voie_nom") == OLD_STREET && original.get(i, "numero") == "20")
        .unwrap();
    let lon: f64 = original.get(row, "long").parse::<f64>().unwrap() + 0.002;
    let lat: f64 = original.get(row, "lat").parse::<f64>().unwrap();
    let edits = json!({"edits": [
        {"op": "move_housenumber", "cle_interop": original.get(row, "cle_interop"), "lon": lon, "lat": lat},
        {"op": "delete_housenumber", "voie_nom": OLD_STREET, "numero": 20},
        {"op": "create_housenumber", "voie_nom": OLD_STREET, "numero": 777, "suffixe": "bis", "lon": 6.4945, "lat": 44.5352},
        {"op": "rename_street", "voie_nom": OLD_STREET, "new_name": NEW_STREET},
        {"op": "add_lieu_dit", "nom": "Les Prés du Conseil", "lon": 6.4950, "lat": 44.5360}
    ]});
    let (status, rev) = call_json(
        &s.app,
        "POST",
        &format!("/communes/{COMMUNE}/revisions"),
        Some(&s.token),
        Some(edits),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{rev}");
    assert_eq!(rev["status"], "pending", "{rev}");
    let (status, body) = publish(&s.app, &s.token, rev["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let moved = search(&s.app, &format!("19 {NEW_STREET} Baratier"), "").await;
    assert_eq!(
        moved[0]["properties"]["id"],
        original.get(row, "cle_interop")
    );
    assert!((moved[0]["geometry"]["coordinates"][0].as_f64().unwrap() - lon).abs() < 1e-5);
    let created = search(&s.app, &format!("777 bis {NEW_STREET} Baratier"), "").await;
    assert_eq!(
        created[0]["properties"]["housenumber"], "777bis",
        "{created:#?}"
    );
    assert_eq!(created[0]["properties"]["citycode"], COMMUNE);
    let gone = search(&s.app, &format!("20 {NEW_STREET} Baratier"), "").await;
    assert!(
        gone.iter()
            .all(|f| f["properties"]["id"] != original.get(deleted, "cle_interop")),
        "{gone:#?}"
    );
    let place = search(&s.app, "Les Prés du Conseil Baratier", "").await;
    assert_eq!(place[0]["properties"]["type"], "locality", "{place:#?}");
    assert_eq!(place[0]["properties"]["name"], "Les Prés du Conseil");

    // The revision's file is the commune's whole BAL after the edits.
    let (_, file) = call(
        &s.app,
        "GET",
        &format!("/revisions/{}/file", rev["id"]),
        Some(&s.token),
        None,
        Vec::new(),
    )
    .await;
    let parsed = adresse::corrections::bal::parse(&file);
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.rows.len(), original.rows.len() + 1);

    // An edit of an address that does not exist: the revision is invalid and cannot be published.
    let (status, bad) = call_json(
        &s.app,
        "POST",
        &format!("/communes/{COMMUNE}/revisions"),
        Some(&s.token),
        Some(json!({"edits": [{"op": "delete_housenumber", "cle_interop": "05012_nope_00001"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(bad["status"], "invalid");
    assert_eq!(
        bad["validation"]["errors"][0]["code"],
        "edit_target_not_found"
    );
    let (status, body) = publish(&s.app, &s.token, bad["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["validation"]["errors"][0]["code"],
        "edit_target_not_found"
    );
    // A malformed edit is a 400 with the JSON error shape.
    let (status, body) = call_json(
        &s.app,
        "POST",
        &format!("/communes/{COMMUNE}/revisions"),
        Some(&s.token),
        Some(json!({"edits": [{"op": "paint_it_red"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["title"].is_string() && body["description"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn mass_deletion_is_refused_and_nothing_changes() {
    let s = setup("mass");
    let mut bal = baratier();
    bal.rows.truncate(bal.rows.len() / 10);
    let (status, rev) = upload(&s.app, &s.token, &bal.to_csv()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(rev["status"], "invalid");
    assert_eq!(
        rev["validation"]["errors"][0]["code"], "mass_deletion",
        "{rev}"
    );
    let (status, body) = publish(&s.app, &s.token, rev["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["title"], "Conflict");
    let (_, moved) = corrected();
    assert_original(&s.app, &moved).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_required_and_scoped() {
    let s = setup("auth");
    let uri = format!("/communes/{COMMUNE}/revisions");
    let (status, body) = call_json(&s.app, "GET", &uri, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["title"].is_string() && body["description"].is_string(),
        "{body}"
    );
    let (status, _) = call_json(&s.app, "GET", &uri, Some("adr_0000"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call_json(
        &s.app,
        "GET",
        "/communes/05061/revisions",
        Some(&s.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["description"].as_str().unwrap().contains("05012"),
        "{body}"
    );
    let (status, _) = upload(&s.app, &s.token, &baratier().to_csv()).await;
    assert_eq!(status, StatusCode::CREATED);
    // Another commune's token can neither read nor publish Baratier's revision.
    let store = Store::open(&s.root).unwrap();
    let (gap_id, gap) = tokens::create(&store, &["05061".into()], "Mairie de Gap").unwrap();
    let (status, _) = publish(&s.app, &gap, 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call_json(&s.app, "GET", "/revisions/1", Some(&gap), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A token created after the server started works at once; a revoked one stops at once.
    let (status, _) = call_json(&s.app, "GET", "/communes/05061/revisions", Some(&gap), None).await;
    assert_eq!(status, StatusCode::OK);
    store.revoke_token(gap_id).unwrap();
    let (status, _) = call_json(&s.app, "GET", "/communes/05061/revisions", Some(&gap), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Bad ids are 400 in JSON, unknown ones 404.
    let (status, _) = call_json(&s.app, "GET", "/revisions/abc", Some(&s.token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call_json(&s.app, "GET", "/revisions/999", Some(&s.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn citizens_report_problems_and_the_commune_processes_them() {
    let s = setup("reports");
    let service = Arc::new(Corrections::open(&s.root, Arc::new(s.geocoder.clone())).unwrap());
    let app = routes(
        service,
        RateLimit {
            per_minute: 1.0,
            burst: 2.0,
        },
    );
    let report = json!({"commune": COMMUNE, "kind": "missing", "lon": 6.4939, "lat": 44.535, "message": "La maison neuve au bout du chemin n'a pas de numéro."});
    let (status, body) = call_json(&app, "POST", "/signalements", None, Some(report.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    // Bad submissions: 400 with the error shape (and they count against the rate limit).
    let (status, body) = call_json(
        &app,
        "POST",
        "/signalements",
        None,
        Some(json!({"commune": COMMUNE, "kind": "missing", "lon": 2.35, "lat": 48.85})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = call_json(&app, "POST", "/signalements", None, Some(report.clone())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Too large a body: refused before parsing.
    let huge = json!({"commune": COMMUNE, "kind": "missing", "lon": 6.49, "lat": 44.53, "message": "x".repeat(40_000)});
    let (status, _) = call(
        &app,
        "POST",
        "/signalements",
        None,
        Some("application/json"),
        serde_json::to_vec(&huge).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, list) = call_json(
        &app,
        "GET",
        &format!("/communes/{COMMUNE}/signalements?status=open"),
        Some(&s.token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["signalements"][0]["id"], id);
    assert_eq!(list["signalements"][0]["kind"], "missing");
    let uri = format!("/signalements/{id}/process");
    let (status, _) = call_json(
        &app,
        "POST",
        &uri,
        Some(&s.token),
        Some(json!({"status": "rejected"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call_json(
        &app,
        "POST",
        &uri,
        None,
        Some(json!({"status": "processed"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call_json(
        &app,
        "POST",
        &uri,
        Some(&s.token),
        Some(json!({"status": "rejected", "reason": "Le numéro existe déjà : 18."})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["processed_by"].as_str()),
        (Some("rejected"), Some("Mairie de Baratier"))
    );
    let (status, _) = call_json(
        &app,
        "POST",
        &uri,
        Some(&s.token),
        Some(json!({"status": "processed"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, open) = call_json(
        &app,
        "GET",
        &format!("/communes/{COMMUNE}/signalements?status=open"),
        Some(&s.token),
        None,
    )
    .await;
    assert_eq!(open["signalements"], json!([]));
}

// ---- kill -9 ----

const PORT: u16 = 7811;

/// One HTTP/1.1 request to the server under test (connection closed after it).
fn http(
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    http_on(PORT, method, path, token, content_type, body)
}

fn http_on(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    let auth = token
        .map(|t| format!("Authorization: Token {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |p| p + 4);
    Ok((status, response[at..].to_vec()))
}

/// Starts the real binary on `root`, with its temporary files (the overlay) in `temp`.
fn start_server(root: &Path, temp: &Path) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_adresse"));
    command.stderr(std::process::Stdio::null());
    start_server_with(command, root, temp, PORT)
}

/// Starts `command` (the real binary, with whatever output and environment the caller set)
/// serving `root` on `port`, and waits until it answers.
fn start_server_with(
    mut command: std::process::Command,
    root: &Path,
    temp: &Path,
    port: u16,
) -> std::process::Child {
    // A server left by an earlier, failed run would answer in this one's place.
    if let Err(e) = std::net::TcpListener::bind(("127.0.0.1", port)) {
        panic!("port {port} is taken ({e}): a server of an earlier run still running?");
    }
    let mut child = command
        .args(["serve", "--index"])
        .arg(root)
        .env("TMPDIR", temp)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(180) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server exited ({status}) before answering");
        }
        if matches!(
            http_on(port, "GET", "/health", None, "text/plain", b""),
            Ok((200, _))
        ) {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the server did not start within 180 s");
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(bytes)))
}

/// Which name Baratier's street is served under now: the street of the housenumber found by
/// reverse at 19 Chemin du 140ème Ria (a number the corrections do not move).
fn served_name() -> String {
    let bal = baratier();
    let row = (0..bal.rows.len())
        .find(|&i| bal.get(i, "voie_nom") == OLD_STREET && bal.get(i, "numero") == "19")
        .unwrap();
    let (lon, lat) = (bal.get(row, "long"), bal.get(row, "lat"));
    let (status, body) = http(
        "GET",
        &format!("/reverse/?lon={lon}&lat={lat}"),
        None,
        "text/plain",
        b"",
    )
    .unwrap();
    assert_eq!(status, 200);
    json_of(&body)["features"][0]["properties"]["street"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// A token for Baratier from the real CLI (`adresse token create`): its last line.
fn token_from_cli(root: &Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adresse"))
        .args(["token", "create", "--index"])
        .arg(root)
        .args(["--commune", COMMUNE, "--label", "Mairie de Baratier"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_string();
    assert!(token.starts_with("adr_"), "{stdout}");
    token
}

#[test]
fn tokens_never_reach_the_logs() {
    const LOG_PORT: u16 = 7812;
    let root = common::temp_dir("corrections-logs");
    copy_index(common::fixture_index(), &root);
    let temp = common::temp_dir("corrections-logs-tmp");
    let token = token_from_cli(&root);
    let forged = "adr_0123456789abcdef0123456789abcdef";
    let log_path = temp.join("server.log");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_adresse"));
    // The most talkative level, ours and every library's.
    command
        .env("RUST_LOG", "trace")
        .stderr(std::fs::File::create(&log_path).unwrap());
    let mut server = start_server_with(command, &root, &temp, LOG_PORT);
    let history = format!("/communes/{COMMUNE}/revisions");
    let call = |method: &str, path: &str, token: &str, body: &[u8]| {
        http_on(LOG_PORT, method, path, Some(token), "text/csv", body).unwrap()
    };
    assert_eq!(call("GET", &history, &token, b"").0, 200);
    assert_eq!(call("GET", &history, forged, b"").0, 401);
    assert_eq!(call("GET", "/communes/05061/revisions", &token, b"").0, 403);
    let (status, body) = call("POST", &history, &token, &baratier().to_csv());
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = json_of(&body)["id"].as_i64().unwrap();
    assert_eq!(
        call("POST", &format!("/revisions/{id}/publish"), &token, b"").0,
        200
    );
    // The corrections routes sit behind the same layers as the rest: counted in the metrics.
    let (_, metrics) = http_on(LOG_PORT, "GET", "/metrics", None, "text/plain", b"").unwrap();
    let metrics = String::from_utf8_lossy(&metrics);
    assert!(
        metrics.contains("route=\"/revisions/{id}/publish\""),
        "{metrics}"
    );
    server.kill().unwrap();
    server.wait().unwrap();

    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.contains("/communes/{code}/revisions") && logs.contains("/revisions/{id}/publish"),
        "the requests carrying the tokens were not logged, so this test proves nothing:\n{logs}"
    );
    let secret = token.trim_start_matches("adr_");
    assert!(!logs.contains(secret), "the token is in the logs");
    assert!(!logs.contains(forged), "a presented token is in the logs");
}

#[test]
fn kill_9_during_and_after_publication_loses_nothing() {
    let root = common::temp_dir("corrections-kill");
    copy_index(common::fixture_index(), &root);
    let temp = common::temp_dir("corrections-kill-tmp");
    let token = token_from_cli(&root);

    let (bal, _) = corrected();
    let renamed = bal.to_csv();
    let original = baratier().to_csv();
    let mut published: Vec<i64> = Vec::new();
    // Kill at these moments after sending the publish request (ms); None = after its answer.
    // Which state a timed kill catches depends on the machine; both are checked.
    let moments = [Some(0u64), Some(300), None];
    for (round, moment) in moments.into_iter().enumerate() {
        let mut server = start_server(&root, &temp);
        // Everything published before is still current and served.
        if let Some(&last) = published.last() {
            let (_, body) = http(
                "GET",
                &format!("/revisions/{last}"),
                Some(&token),
                "text/plain",
                b"",
            )
            .unwrap();
            assert_eq!(
                json_of(&body)["current"],
                true,
                "round {round}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        // Alternate the two states so each round publishes a real change.
        let content = if served_name() == NEW_STREET {
            &original
        } else {
            &renamed
        };
        let expected_new = if served_name() == NEW_STREET {
            OLD_STREET
        } else {
            NEW_STREET
        };
        let (status, body) = http(
            "POST",
            &format!("/communes/{COMMUNE}/revisions"),
            Some(&token),
            "text/csv",
            content,
        )
        .unwrap();
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let id = json_of(&body)["id"].as_i64().unwrap();
        let token2 = token.clone();
        let mut publisher = Some(std::thread::spawn(move || {
            http(
                "POST",
                &format!("/revisions/{id}/publish"),
                Some(&token2),
                "application/json",
                b"",
            )
        }));
        match moment {
            Some(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
            None => {
                let answer = publisher.take().unwrap().join().unwrap().unwrap();
                assert_eq!(answer.0, 200);
            }
        }
        let killed_pid = server.id();
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        if let Some(publisher) = publisher {
            // The request in flight fails or was answered; either is fine here.
            let _ = publisher.join();
        }

        let server2 = start_server(&root, &temp);
        let (_, body) = http(
            "GET",
            &format!("/revisions/{id}"),
            Some(&token),
            "text/plain",
            b"",
        )
        .unwrap();
        let status = json_of(&body)["status"].as_str().unwrap().to_string();
        let name = served_name();
        if status == "published" {
            published.push(id);
            assert_eq!(
                name, expected_new,
                "round {round}: published revision {id} not served"
            );
        } else {
            assert_eq!(status, "pending", "round {round}");
            assert_ne!(
                name, expected_new,
                "round {round}: unpublished revision {id} served"
            );
        }
        if !published.is_empty() {
            // Serving corrections again, the new server removed the killed one's overlay.
            let left: Vec<_> = std::fs::read_dir(&temp)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("adresse-overlay-{killed_pid}-")))
                .collect();
            assert!(left.is_empty(), "round {round}: left behind {left:?}");
        }
        eprintln!("kill -9 round {round} at {moment:?} ms: revision {id} {status}, served street {name:?}");
        let mut server2 = server2;
        server2.kill().unwrap();
        server2.wait().unwrap();
    }
    assert!(
        !published.is_empty(),
        "the publication answered before the last kill must be kept"
    );
}
