//! The integrator-facing routes: `/openapi.json` covers every route the server has (and no
//! route it lacks), `/metrics` counts real traffic, `/health` describes the served index, and
//! the page, widget and assets are served from the binary.

use crate::common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::{enc, geocoder, props};

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

async fn call(method: Method, uri: &str, body: Body, content_type: Option<&str>) -> Answer {
    let app = adresse::server::app(geocoder().clone());
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let response = app.oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(uri: &str) -> Answer {
    call(Method::GET, uri, Body::empty(), None).await
}

fn spec() -> serde_json::Value {
    serde_json::from_str(&adresse::server::openapi::spec_json()).unwrap()
}

/// `/search` and `/search/` are one route to a client; the spec names the slash form.
fn canonical(path: &str) -> String {
    path.trim_end_matches('/').to_owned()
}

/// Every route pattern registered with `.route("…", …)` in the server's source files. Reading
/// the source (rather than a hand-kept list) means a route added anywhere under `src/server/`
/// without documentation fails this test.
fn routes_in_source() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for piece in text.split(".route(\"").skip(1) {
                let pattern = &piece[..piece.find('"').unwrap()];
                routes.insert(canonical(pattern));
            }
        }
    }
    routes
}

#[test]
fn every_route_of_the_server_is_in_the_spec() {
    let spec = spec();
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| canonical(p))
        .collect();
    let routes = routes_in_source();
    // The scan itself must see the routes we know of, or it proves nothing.
    for known in [
        "/search",
        "/reverse/csv",
        "/health",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(
            routes.contains(known),
            "route scan missed {known}: {routes:?}"
        );
    }
    let missing: Vec<_> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from /openapi.json: {missing:?}"
    );
}

#[tokio::test]
async fn every_path_of_the_spec_is_answered_by_the_server() {
    let spec = spec();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // The corrections routes need a token and their own store: tests/corrections_api.rs
            // answers them end to end.
            if operation["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t == "corrections"))
            {
                continue;
            }
            let uri = path.replace("{file}", "app.js");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = if method == Method::POST {
                let csv = if uri.starts_with("/reverse") {
                    "lat,lon\n44.5594,6.0794\n"
                } else {
                    "adresse\n8 rue de rivoli paris\n"
                };
                call(
                    method.clone(),
                    &uri,
                    Body::from(format!("--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--b--\r\n")),
                    Some("multipart/form-data; boundary=b"),
                )
                .await
            } else {
                call(
                    method.clone(),
                    &format!("{uri}?q=rivoli&lat=48.85&lon=2.35"),
                    Body::empty(),
                    None,
                )
                .await
            };
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "{method} {uri} is in the spec but answers {}: {}",
                answer.status,
                answer.body
            );
        }
    }
}

#[test]
fn the_spec_documents_parameters_and_errors() {
    let spec = spec();
    let search = &spec["paths"]["/search/"]["get"];
    let params: Vec<&str> = search["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "q",
        "limit",
        "autocomplete",
        "lat",
        "lon",
        "type",
        "citycode",
        "postcode",
    ] {
        assert!(params.contains(&name), "/search/ lacks parameter {name}");
    }
    assert!(search["responses"]["400"]["content"]["application/json"].is_object());
    let error = &spec["components"]["schemas"]["ErrorBody"]["required"];
    assert_eq!(error, &serde_json::json!(["title", "description"]));
}

#[tokio::test]
async fn openapi_json_is_served() {
    let answer = get("/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.content_type.starts_with("application/json"));
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert!(body["openapi"].as_str().unwrap().starts_with("3."));
}

/// The value of the metric line that starts with `series ` (0 when absent).
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

#[tokio::test]
async fn metrics_count_requests_results_and_batch_rows() {
    let found = "adresse_lookups_total{endpoint=\"search\",outcome=\"found\"}";
    let empty = "adresse_lookups_total{endpoint=\"search\",outcome=\"empty\"}";
    let reverse_found = "adresse_lookups_total{endpoint=\"reverse\",outcome=\"found\"}";
    let requests = "adresse_http_request_duration_seconds_count{route=\"/search/\",method=\"GET\",status=\"200\"}";
    let bad = "adresse_http_request_duration_seconds_count{route=\"/search/\",method=\"GET\",status=\"400\"}";
    let batch_ok = "adresse_batch_rows_total{status=\"ok\"}";
    let batch_not_found = "adresse_batch_rows_total{status=\"not-found\"}";
    let before = get("/metrics").await.body;

    let hit = get(&format!("/search/?q={}", enc("8 rue de rivoli paris"))).await;
    assert!(!props(&serde_json::from_str(&hit.body).unwrap()).is_empty());
    let miss = get(&format!("/search/?q={}", enc("xqzwv kjhgf"))).await;
    assert!(props(&serde_json::from_str(&miss.body).unwrap()).is_empty());
    assert_eq!(
        get("/search/?limit=0&q=rivoli").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get("/reverse/?lon=6.0794&lat=44.5594").await.status,
        StatusCode::OK
    );
    let csv = "adresse\n8 rue de rivoli paris\n12 avenue des champs-élysées paris\nxqzwv kjhgf\n";
    let batch = call(
        Method::POST,
        "/search/csv/",
        Body::from(format!("--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--b--\r\n")),
        Some("multipart/form-data; boundary=b"),
    )
    .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);

    let after = get("/metrics").await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.content_type.starts_with("text/plain; version=0.0.4"));
    let m = &after.body;
    // Other tests of this binary run in parallel: counters only grow, so compare with ≥.
    assert!(metric(m, found) >= metric(&before, found) + 1.0, "{m}");
    assert!(metric(m, empty) >= metric(&before, empty) + 1.0, "{m}");
    assert!(
        metric(m, reverse_found) >= metric(&before, reverse_found) + 1.0,
        "{m}"
    );
    assert!(
        metric(m, requests) >= metric(&before, requests) + 2.0,
        "{m}"
    );
    assert!(metric(m, bad) >= metric(&before, bad) + 1.0, "{m}");
    assert!(
        metric(m, batch_ok) >= metric(&before, batch_ok) + 2.0,
        "{m}"
    );
    assert!(
        metric(m, batch_not_found) >= metric(&before, batch_not_found) + 1.0,
        "{m}"
    );
    // The histogram's +Inf bucket equals its count.
    let inf = "adresse_http_request_duration_seconds_bucket{route=\"/search/\",method=\"GET\",status=\"200\",le=\"+Inf\"}";
    assert_eq!(metric(m, inf), metric(m, requests));
    let manifest = &geocoder().index().manifest;
    assert_eq!(
        metric(m, "adresse_index_documents{type=\"housenumber\"}"),
        manifest.housenumbers as f64
    );
    assert_eq!(
        metric(m, "adresse_index_built_timestamp_seconds"),
        manifest.built_at as f64
    );
    assert!(metric(m, "adresse_index_data_timestamp_seconds") > 1.5e9);
}

#[tokio::test]
async fn corrections_published_is_a_counter_others_can_increment() {
    let series = "adresse_corrections_published_total";
    let before = metric(&get("/metrics").await.body, series);
    adresse::server::metrics::corrections_published(3);
    let after = metric(&get("/metrics").await.body, series);
    assert!(after >= before + 3.0);
}

#[tokio::test]
async fn health_gives_version_dates_and_counts_per_type() {
    let answer = get("/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let manifest = &geocoder().index().manifest;
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["documents"]["housenumber"], 236_825);
    let total =
        manifest.municipalities + manifest.streets + manifest.localities + manifest.housenumbers;
    assert_eq!(body["documents"]["total"], total);
    // Dates are RFC 3339 UTC, the index built after its data was published.
    let index_date = body["index_date"].as_str().unwrap();
    let data_date = body["data_date"].as_str().unwrap();
    assert!(
        index_date.ends_with('Z') && index_date.len() == 20,
        "{index_date}"
    );
    assert!(
        data_date.ends_with('Z') && data_date.len() == 20,
        "{data_date}"
    );
    assert!(data_date <= index_date, "{data_date} > {index_date}");
    assert_eq!(body["sources"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_page_widget_and_assets_come_from_the_binary() {
    let page = get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    // Everything the page loads is on this server: no CDN.
    for line in page
        .body
        .lines()
        .filter(|l| l.contains("src=") || l.contains("href="))
    {
        assert!(
            !line.contains("//"),
            "external reference in the page: {line}"
        );
    }
    for src in [
        "/assets/leaflet.js",
        "/assets/app.js",
        "/assets/csv.js",
        "/widget.js",
    ] {
        assert!(
            page.body.contains(&format!("src=\"{src}\"")),
            "page lacks {src}"
        );
        let asset = get(src).await;
        assert_eq!(asset.status, StatusCode::OK, "{src}");
        assert!(asset.content_type.starts_with("text/javascript"), "{src}");
    }
    let css = get("/assets/leaflet.css").await;
    assert!(css.content_type.starts_with("text/css"));
    assert!(css.body.contains(".leaflet-container"));
    let example = get("/widget-example.html").await;
    assert!(example
        .body
        .contains("<script src=\"/widget.js\" data-input=\"#address\">"));
    let missing = get("/assets/nope.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let error: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
    assert!(error["title"].is_string() && error["description"].is_string());
}

#[test]
fn logs_are_json_lines_when_stderr_is_not_a_terminal() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_adresse"))
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(common::fixture_index())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut loaded = None;
    for line in stderr.lines().take(5) {
        let line = line.unwrap();
        if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) {
            if event["fields"]["message"] == "index loaded" {
                loaded = Some(event);
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let event = loaded.expect("no JSON 'index loaded' line on stderr");
    assert_eq!(event["level"], "INFO");
    assert!(event["timestamp"].is_string());
    assert!(event["fields"]["load_ms"].is_u64());
}
