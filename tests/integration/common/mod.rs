//! Test fixture shared by the integration tests: one index built from the real data in `data/`,
//! once per test binary, and helpers to call the HTTP app in-process.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adresse::ingest::ban_csv::{self, BanRow};
use adresse::Geocoder;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

#[path = "../../../fuzz/src/scratch.rs"]
mod scratch;

/// A fresh directory under cargo's temporary folder for integration tests, removed when the
/// test process exits without a failure (`fuzz/src/scratch.rs`).
pub fn temp_dir(name: &str) -> PathBuf {
    scratch::fresh_dir(Path::new(env!("CARGO_TARGET_TMPDIR")), name)
}

/// The index of both real départements (Paris and Hautes-Alpes), built once per test binary.
pub fn fixture_index() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = temp_dir("fixture-index");
        let files = adresse::ingest::source_files(&[data_dir().join("ban")]).unwrap();
        adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
        root
    })
}

/// The geocoder over the fixture index, opened once.
pub fn geocoder() -> &'static Geocoder {
    static GEOCODER: OnceLock<Geocoder> = OnceLock::new();
    GEOCODER.get_or_init(|| Geocoder::open(fixture_index()).unwrap())
}

/// Every `step`-th valid row of a real BAN file: a deterministic sample of real addresses.
pub fn sample_rows(file: &str, step: usize) -> Vec<BanRow> {
    let mut rows = Vec::new();
    let mut i = 0;
    ban_csv::read_file(
        &data_dir().join("ban").join(file),
        |row| {
            if i % step == 0 {
                rows.push(row);
            }
            i += 1;
        },
        |_| {},
    )
    .unwrap();
    rows
}

/// The city as people write it: "Paris" for any arrondissement, else the commune's name.
pub fn city(row: &BanRow) -> &str {
    if row.code_insee.starts_with("75") {
        "Paris"
    } else {
        &row.nom_commune
    }
}

/// A row written as a full address: "12b Rue Royale 75008 Paris".
pub fn full_address(row: &BanRow) -> String {
    format!(
        "{}{} {} {} {}",
        row.numero,
        row.rep,
        row.nom_voie,
        row.code_postal,
        city(row)
    )
}

/// GETs `uri` from the in-process app; returns the status and the JSON body.
pub async fn get(uri: &str) -> (StatusCode, serde_json::Value) {
    let response = adresse::server::app(geocoder().clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{uri}: body is not JSON: {bytes:?}"));
    (status, json)
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The properties of the features of a FeatureCollection.
pub fn props(body: &serde_json::Value) -> Vec<&serde_json::Value> {
    body["features"]
        .as_array()
        .map(|f| f.iter().map(|f| &f["properties"]).collect())
        .unwrap_or_default()
}

/// Common words as retrieval makes them, for comparing the ways of scoring them: whole words in
/// both fields, a word being typed with its completions, a number with its ordinal ("8" and
/// "8e"), a word no place holds; four queries of them.
pub fn common_word_queries(
    index: &adresse::index::Index,
) -> Vec<Vec<adresse::search::common_words::CommonWord>> {
    use adresse::search::common_words::{CommonWord, FieldStats, TextField};
    use tantivy::Term;

    let searcher = index.reader.searcher();
    let stats = |field| FieldStats::of(&searcher, field);
    let held = |field, word: &str| {
        searcher
            .doc_freq(&Term::from_field_text(field, word))
            .unwrap()
    };
    let whole = |word: &str, boost: f32| {
        let mut common = CommonWord::default();
        for (which, field, field_boost) in [
            (TextField::Name, index.fields.name, 2.0),
            (TextField::Place, index.fields.place, 1.0),
        ] {
            common.add_term(
                which,
                word,
                held(field, word),
                boost * field_boost,
                stats(field),
            );
        }
        common
    };
    let typed = |prefix: &str| {
        let mut common = whole(prefix, 1.0);
        common.add_prefix(TextField::Name, prefix, 7.0);
        common.add_prefix(TextField::Place, prefix, 3.5);
        common
    };
    let mut number = whole("8", 1.0);
    number.add_term(
        TextField::Name,
        "8e",
        held(index.fields.name, "8e"),
        1.8,
        stats(index.fields.name),
    );
    vec![
        vec![number.clone(), typed("ru")],
        vec![
            number.clone(),
            whole("rue", 1.0),
            whole("de", 0.2),
            typed("l"),
        ],
        vec![whole("avenue", 1.0), whole("paris", 1.0), typed("cha")],
        vec![typed("g"), whole("qzxw", 1.0), typed("qzx")],
        // Whole words only: what most places of a selecting word hold none of.
        vec![
            number,
            whole("rue", 1.0),
            whole("de", 0.2),
            whole("qzxw", 1.0),
        ],
        vec![whole("avenue", 1.0), whole("paris", 1.0)],
    ]
}

/// Every match of `query`, by document, with its score's bits: two queries compared with it
/// match the same documents with the same scores, to the bit.
pub fn scored_matches(
    searcher: &tantivy::Searcher,
    query: &dyn tantivy::query::Query,
) -> Vec<(tantivy::DocAddress, u32)> {
    let everything = tantivy::collector::TopDocs::with_limit(1_000_000).order_by_score();
    let mut found: Vec<(tantivy::DocAddress, u32)> = searcher
        .search(query, &everything)
        .unwrap()
        .into_iter()
        .map(|(score, address)| (address, score.to_bits()))
        .collect();
    found.sort_unstable();
    found
}
