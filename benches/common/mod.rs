//! Shared by `benches/hot_paths.rs` and `examples/latency.rs` (included with `#[path]`): reading
//! real BAN rows, seeded samples of them, the queries built from a row, and the index build.
//!
//! The rows are read with the `csv` crate directly, not with the library's own reader, so that
//! the workload does not depend on the code being measured.
#![allow(dead_code)] // each includer uses a different part

pub mod cpu;

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use adresse::ingest::{self, IngestReport};
use adresse::reverse::{ReverseRequest, DEFAULT_RADIUS_M};
use adresse::search::{Filters, SearchRequest};

/// `limit` of the forward queries: the API's default.
pub const SEARCH_LIMIT: usize = 5;
/// `limit` of the reverse queries: the API's default.
pub const REVERSE_LIMIT: usize = 1;
/// Reverse points are drawn uniformly in a disc of this radius around a real address.
pub const REVERSE_JITTER_M: f64 = 100.0;
/// Share of the characters of a full query kept for the autocomplete prefixes.
pub const PREFIX_SHARE: f64 = 0.6;

/// One address row of a BAN file, with the columns the workload needs.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub numero: String,
    pub rep: String,
    pub nom_voie: String,
    pub code_postal: String,
    pub nom_commune: String,
    pub lon: f64,
    pub lat: f64,
}

impl Row {
    /// `"<numero><rep> <nom_voie> <code_postal> <nom_commune>"`, e.g. `"8bis Rue de la Paix
    /// 75002 Paris"`.
    pub fn full_query(&self) -> String {
        format!(
            "{}{} {} {} {}",
            self.numero, self.rep, self.nom_voie, self.code_postal, self.nom_commune
        )
    }
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data_ban() -> PathBuf {
    manifest_dir().join("data/ban")
}

pub fn data_ref() -> PathBuf {
    manifest_dir().join("data/ref")
}

/// The BAN files of `data/ban`, as the ingest sees them.
pub fn ban_files() -> Vec<PathBuf> {
    ingest::source_files(&[data_ban()]).expect("BAN files in data/ban")
}

/// Builds a fresh index generation of `data/ban` into `index_dir`, with the commune data of
/// `data/ref`.
pub fn build_index(index_dir: &Path) -> IngestReport {
    ingest::ingest(&ban_files(), Some(&data_ref()), index_dir, |_| {}).expect("ingest of data/ban")
}

/// Every address row of `files`, in file order. Rows without a real housenumber (`numero` 0, or
/// 99999 which stands for a named place) or without coordinates are left out.
pub fn load_rows(files: &[PathBuf]) -> Vec<Row> {
    let mut rows = Vec::new();
    for path in files {
        let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|ext| ext == "gz") {
            Box::new(MultiGzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .flexible(true)
            .from_reader(reader);
        let headers = csv.headers().expect("BAN header").clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{}: no column {name}", path.display()))
        };
        let (id, numero, rep, nom_voie) = (
            column("id"),
            column("numero"),
            column("rep"),
            column("nom_voie"),
        );
        let (code_postal, nom_commune, lon, lat) = (
            column("code_postal"),
            column("nom_commune"),
            column("lon"),
            column("lat"),
        );
        for record in csv.records() {
            let Ok(record) = record else { continue };
            let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
            let n: u32 = match field(numero).parse() {
                Ok(n) if n > 0 && n < 99_999 => n,
                _ => continue,
            };
            let (Ok(x), Ok(y)) = (field(lon).parse::<f64>(), field(lat).parse::<f64>()) else {
                continue;
            };
            rows.push(Row {
                id: field(id),
                numero: n.to_string(),
                rep: field(rep),
                nom_voie: field(nom_voie),
                code_postal: field(code_postal),
                nom_commune: field(nom_commune),
                lon: x,
                lat: y,
            });
        }
    }
    rows
}

/// `n` distinct items drawn with a seeded generator: the same items on every run and machine.
/// A clap value parser for counts that must be at least 1.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text:?} is not a whole number of at least 1")),
    }
}

pub fn sample<T: Clone>(items: &[T], n: usize, seed: u64) -> Vec<T> {
    let mut rng = StdRng::seed_from_u64(seed);
    rand::seq::index::sample(&mut rng, items.len(), n.min(items.len()))
        .into_iter()
        .map(|i| items[i].clone())
        .collect()
}

/// The full-address query of `row`, autocomplete off.
pub fn full_request(row: &Row) -> SearchRequest {
    SearchRequest {
        q: row.full_query(),
        limit: SEARCH_LIMIT,
        autocomplete: false,
        near: None,
        filters: Filters::default(),
    }
}

/// The first 60% of the characters of `row`'s full query (trailing spaces trimmed), as typed
/// in a search box, autocomplete on.
pub fn prefix_request(row: &Row) -> SearchRequest {
    SearchRequest {
        q: prefix(&row.full_query()),
        limit: SEARCH_LIMIT,
        autocomplete: true,
        near: None,
        filters: Filters::default(),
    }
}

pub fn prefix(q: &str) -> String {
    let chars = q.chars().count();
    let keep = ((chars as f64) * PREFIX_SHARE).ceil() as usize;
    q.chars()
        .take(keep)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// One point per row, drawn uniformly in a disc of [`REVERSE_JITTER_M`] around it (seeded).
pub fn reverse_requests(rows: &[Row], seed: u64) -> Vec<ReverseRequest> {
    let mut rng = StdRng::seed_from_u64(seed);
    rows.iter()
        .map(|row| {
            let distance = REVERSE_JITTER_M * rng.gen::<f64>().sqrt();
            let bearing = rng.gen::<f64>() * std::f64::consts::TAU;
            let metres_per_degree = 111_320.0;
            let lat = row.lat + distance * bearing.cos() / metres_per_degree;
            let lon = row.lon
                + distance * bearing.sin() / (metres_per_degree * row.lat.to_radians().cos());
            ReverseRequest {
                lon,
                lat,
                limit: REVERSE_LIMIT,
                radius_m: DEFAULT_RADIUS_M,
                filters: Filters::default(),
            }
        })
        .collect()
}

/// Request path of a forward query for the HTTP API, same parameters as [`full_request`].
pub fn search_path(request: &SearchRequest) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &request.q)
        .append_pair("limit", &request.limit.to_string())
        .append_pair("autocomplete", if request.autocomplete { "1" } else { "0" })
        .finish();
    format!("/search/?{query}")
}

/// Request path of a reverse query for the HTTP API (the default radius of each engine).
pub fn reverse_path(request: &ReverseRequest) -> String {
    format!(
        "/reverse/?lon={:.6}&lat={:.6}&limit={}",
        request.lon, request.lat, request.limit
    )
}
