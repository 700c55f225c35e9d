//! Criterion benchmarks of the search pipeline's stages one by one, on the real data of
//! `data/ban`, so that a change in one shows where it lands (`hot_paths` times whole searches):
//!
//! - `stages/parse_query`: `Sources::read_query` (`ParsedQuery::parse`: noise removal,
//!   normalisation, housenumber readings; then the readings of suffixes the index lacks
//!   dropped) of 200 full-address queries;
//! - `stages/retrieve_full`, `stages/retrieve_autocomplete`: candidate retrieval from tantivy
//!   (`search::candidates::Retrieval`) for the same queries, whole and as typed (first 60%);
//! - `stages/rescore_full`: rescoring of the retrieved candidates (`search::score::score_place`,
//!   housenumber lookup included), with the candidates retrieved once beforehand;
//! - `stages/reverse_nearest`: 200 reverse lookups within 100 m of real addresses.
//!
//! Same queries and seeds as `hot_paths` (200 sampled rows); throughput is per query.
//!
//!     cargo bench --bench stages

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

use adresse::search::{candidates, score, ParsedQuery, SearchRequest};
use adresse::Geocoder;

const QUERIES: usize = 200;
const SEED_QUERIES: u64 = 20_240_501;
const SEED_REVERSE: u64 = 11;
/// What `search` asks for: limit 5 + 50 extra candidates for whole words, 100 while typing.
const CANDIDATES_FULL: usize = 55;
const CANDIDATES_TYPING: usize = 105;

fn stages(c: &mut Criterion) {
    let index_dir: PathBuf = common::manifest_dir().join("target/bench-index");
    common::build_index(&index_dir);
    let geocoder = Geocoder::open(&index_dir).expect("open the bench index");
    let index = geocoder.index();
    let all = common::load_rows(&common::ban_files());
    let rows = common::sample(&all, QUERIES, SEED_QUERIES);
    let full: Vec<SearchRequest> = rows.iter().map(common::full_request).collect();
    let typed: Vec<SearchRequest> = rows.iter().map(common::prefix_request).collect();
    // The base index alone, as a search sees it when no commune has published corrections.
    let sources = candidates::Sources(vec![candidates::Source::of(index, None)]);
    let parse = |r: &SearchRequest| sources.read_query(&r.q, r.autocomplete);
    let full_parsed: Vec<ParsedQuery> = full.iter().map(parse).collect();
    let typed_parsed: Vec<ParsedQuery> = typed.iter().map(parse).collect();
    // At most `limit` candidates for the results the request asks.
    let retrieve = |q: &ParsedQuery, r: &SearchRequest, limit: usize| {
        candidates::Retrieval::new(&sources, &index.fields, q, &r.filters)
            .retrieve(r.near, r.limit, limit, candidates::Breadth::Budget)
            .expect("retrieve")
            .found
    };

    let mut group = c.benchmark_group("stages");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(QUERIES as u64));
    group.bench_function("parse_query", |b| {
        b.iter(|| {
            for r in &full {
                black_box(parse(black_box(r)));
            }
        })
    });
    group.bench_function("retrieve_full", |b| {
        b.iter(|| {
            for (q, r) in full_parsed.iter().zip(&full) {
                black_box(retrieve(q, r, CANDIDATES_FULL));
            }
        })
    });
    group.bench_function("retrieve_autocomplete", |b| {
        b.iter(|| {
            for (q, r) in typed_parsed.iter().zip(&typed) {
                black_box(retrieve(q, r, CANDIDATES_TYPING));
            }
        })
    });
    // One source: keep the ords.
    let retrieved: Vec<Vec<u32>> = full_parsed
        .iter()
        .zip(&full)
        .map(|(q, r)| {
            retrieve(q, r, CANDIDATES_FULL)
                .into_iter()
                .map(|(_, ord)| ord)
                .collect()
        })
        .collect();
    let candidates: usize = retrieved.iter().map(Vec::len).sum();
    eprintln!("rescoring {candidates} candidates of {QUERIES} queries per iteration");
    group.bench_function("rescore_full", |b| {
        b.iter(|| {
            for (q, ords) in full_parsed.iter().zip(&retrieved) {
                for &ord in ords {
                    let (Some(place), Some(text)) =
                        (index.place(ord), index.table.texts.get(ord as usize))
                    else {
                        continue;
                    };
                    black_box(score::score_place(q, &place, &text, |hn| {
                        index.find_housenumber(&place, hn)
                    }));
                }
            }
        })
    });
    let points = common::reverse_requests(&rows, SEED_REVERSE);
    group.bench_function("reverse_nearest", |b| {
        b.iter(|| {
            for r in &points {
                black_box(geocoder.reverse(black_box(r)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
