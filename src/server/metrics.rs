//! `/metrics` in the Prometheus text format: requests and latency per route, search/reverse
//! answers found vs empty, batch rows by status, corrections published, and the served index's
//! document counts and data date.
//!
//! The counters live in one process-wide registry so that code outside the HTTP layer (the batch
//! job, the corrections workflow) can count without a handle threaded through: call
//! [`lookup_answered`], [`batch_rows`] or [`corrections_published`]. The encoder is a few lines
//! of text writing; the format is simple enough that a crate would add more than it saves.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::Geocoder;

/// Upper bounds of the latency buckets, in seconds: from a cached autocomplete (sub-ms) to a
/// large batch upload (minutes, counted in `+Inf`).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0,
];

/// One route × method × status series.
#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Registry {
    /// (route, method, status) → latency histogram (its count is the request count).
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    search_found: AtomicU64,
    search_empty: AtomicU64,
    reverse_found: AtomicU64,
    reverse_empty: AtomicU64,
    batch_ok: AtomicU64,
    batch_not_found: AtomicU64,
    batch_errors: AtomicU64,
    corrections: AtomicU64,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// Which lookup answered: `/search` or `/reverse`.
#[derive(Debug, Clone, Copy)]
pub enum Lookup {
    Search,
    Reverse,
}

/// Counts one search or reverse answer as found (at least one feature) or empty.
pub fn lookup_answered(lookup: Lookup, found: bool) {
    let r = registry();
    let counter = match (lookup, found) {
        (Lookup::Search, true) => &r.search_found,
        (Lookup::Search, false) => &r.search_empty,
        (Lookup::Reverse, true) => &r.reverse_found,
        (Lookup::Reverse, false) => &r.reverse_empty,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Counts the rows of a finished batch file (HTTP or CLI) by status.
pub fn batch_rows(ok: u64, not_found: u64, errors: u64) {
    let r = registry();
    r.batch_ok.fetch_add(ok, Ordering::Relaxed);
    r.batch_not_found.fetch_add(not_found, Ordering::Relaxed);
    r.batch_errors.fetch_add(errors, Ordering::Relaxed);
}

/// A batch job's progress callback that counts its rows as each chunk is written, so that a
/// long file shows up in the metrics while it runs.
pub fn batch_progress() -> impl FnMut(&crate::batch::Summary) {
    let mut seen = crate::batch::Summary::default();
    move |now: &crate::batch::Summary| {
        batch_rows(
            now.ok - seen.ok,
            now.not_found - seen.not_found,
            now.errors - seen.errors,
        );
        seen.ok = now.ok;
        seen.not_found = now.not_found;
        seen.errors = now.errors;
    }
}

/// Counts corrections made public (the corrections workflow calls this when it publishes).
pub fn corrections_published(count: u64) {
    registry().corrections.fetch_add(count, Ordering::Relaxed);
}

/// Middleware: times every request and counts it under its route pattern (`/search/`, not the
/// query), so that the number of series stays bounded whatever clients send.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    record(route.clone(), method.clone(), status, elapsed.as_secs_f64());
    // Successes are logged at debug level only: one line per autocomplete keystroke would drown
    // the log and cost more than the lookup itself.
    let ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %route, status, ms, "request failed");
    } else {
        tracing::debug!(%method, %route, status, ms, "request");
    }
    response
}

fn record(route: String, method: String, status: u16, seconds: f64) {
    let mut requests = registry()
        .requests
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let h = requests.entry((route, method, status)).or_default();
    h.count += 1;
    h.sum += seconds;
    if let Some(i) = BUCKETS.iter().position(|&bound| seconds <= bound) {
        h.buckets[i] += 1;
    }
}

/// The `/metrics` route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(geocoder): State<Geocoder>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        render(&geocoder),
    )
        .into_response()
}

/// The whole exposition text.
pub fn render(geocoder: &Geocoder) -> String {
    let r = registry();
    let mut out = String::with_capacity(4096);
    family(
        &mut out,
        "adresse_http_request_duration_seconds",
        "histogram",
        "HTTP requests by route pattern, method and status, and their duration.",
    );
    {
        let requests = r.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((route, method, status), h) in requests.iter() {
            let labels = format!(
                "route=\"{}\",method=\"{}\",status=\"{status}\"",
                escape(route),
                escape(method)
            );
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "adresse_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "adresse_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "adresse_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "adresse_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }
    family(
        &mut out,
        "adresse_lookups_total",
        "counter",
        "Search and reverse answers, by whether they held at least one result.",
    );
    for (endpoint, outcome, counter) in [
        ("search", "found", &r.search_found),
        ("search", "empty", &r.search_empty),
        ("reverse", "found", &r.reverse_found),
        ("reverse", "empty", &r.reverse_empty),
    ] {
        let _ = writeln!(
            out,
            "adresse_lookups_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "adresse_batch_rows_total",
        "counter",
        "Rows of batch CSV files processed, by result status.",
    );
    for (status, counter) in [
        ("ok", &r.batch_ok),
        ("not-found", &r.batch_not_found),
        ("error", &r.batch_errors),
    ] {
        let _ = writeln!(
            out,
            "adresse_batch_rows_total{{status=\"{status}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    family(
        &mut out,
        "adresse_corrections_published_total",
        "counter",
        "Address corrections made public.",
    );
    let _ = writeln!(
        out,
        "adresse_corrections_published_total {}",
        r.corrections.load(Ordering::Relaxed)
    );
    let m = &geocoder.index().manifest;
    family(
        &mut out,
        "adresse_index_documents",
        "gauge",
        "Documents in the served index, by type.",
    );
    for (kind, n) in [
        ("municipality", m.municipalities),
        ("street", m.streets),
        ("locality", m.localities),
        ("housenumber", m.housenumbers),
    ] {
        let _ = writeln!(out, "adresse_index_documents{{type=\"{kind}\"}} {n}");
    }
    family(
        &mut out,
        "adresse_index_built_timestamp_seconds",
        "gauge",
        "When the served index was built (Unix seconds).",
    );
    let _ = writeln!(out, "adresse_index_built_timestamp_seconds {}", m.built_at);
    family(
        &mut out,
        "adresse_index_data_timestamp_seconds",
        "gauge",
        "Modification time of the newest BAN file in the served index (Unix seconds).",
    );
    let _ = writeln!(
        out,
        "adresse_index_data_timestamp_seconds {}",
        super::health::data_timestamp(m)
    );
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values are route patterns and methods, but escape them as the format asks anyway.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_every_bucket_at_or_above_its_duration() {
        record("/test-bucket".into(), "GET".into(), 200, 0.003);
        let requests = registry().requests.lock().unwrap();
        let h = &requests[&("/test-bucket".to_string(), "GET".to_string(), 200)];
        assert_eq!(h.count, 1);
        // 3 ms is above the 2.5 ms bound and at or below 5 ms.
        let first = h.buckets.iter().position(|&n| n > 0).unwrap();
        assert_eq!(BUCKETS[first], 0.005);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\n"), "a\\\"b\\\\c\\n");
    }
}
