//! Criterion benchmarks of the hot paths, on the real data of `data/ban`:
//!
//! - `normalize/street_names`: `adresse::text::normalize` of 1,000 real street names;
//! - `search/full_address`: 200 full-address queries, autocomplete off;
//! - `search/autocomplete_prefix`: the first 60% of the same 200 queries, autocomplete on;
//! - `reverse/near_address`: 200 points drawn within 100 m of real addresses.
//!
//! Each iteration runs the whole batch, so the reported time is per batch and the throughput
//! (elements/s) is per query; each result is followed by the share of the machine's CPU that
//! other processes used meanwhile. Samples are seeded: every run measures the same queries.
//! The index is built once per run from `data/ban` into `target/bench-index` (about a second).
//!
//!     cargo bench --bench hot_paths

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, Bencher, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};

use adresse::Geocoder;

const QUERIES: usize = 200;
const STREET_NAMES: usize = 1_000;
const SEED_QUERIES: u64 = 20_240_501;
const SEED_NAMES: u64 = 7;
const SEED_REVERSE: u64 = 11;

struct Workload {
    geocoder: Geocoder,
    rows: Vec<common::Row>,
    street_names: Vec<String>,
}

fn workload() -> Workload {
    let index_dir: PathBuf = common::manifest_dir().join("target/bench-index");
    let report = common::build_index(&index_dir);
    eprintln!(
        "bench index: {} rows → {} housenumbers, {} streets in {}",
        report.manifest.rows_read,
        report.manifest.housenumbers,
        report.manifest.streets,
        report.generation.display()
    );
    let geocoder = Geocoder::open(&index_dir).expect("open the bench index");
    let all = common::load_rows(&common::ban_files());
    let rows = common::sample(&all, QUERIES, SEED_QUERIES);
    let distinct: BTreeSet<&str> = all.iter().map(|r| r.nom_voie.as_str()).collect();
    let distinct: Vec<String> = distinct.into_iter().map(str::to_string).collect();
    let street_names = common::sample(&distinct, STREET_NAMES, SEED_NAMES);
    Workload {
        geocoder,
        rows,
        street_names,
    }
}

/// 20 samples in about 10 s, after 2 s of warm-up: the whole run takes about a minute. The
/// search batches take a few hundred ms each, so they are timed once per sample (flat sampling).
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, elements: usize, slow: bool) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .sampling_mode(if slow {
            SamplingMode::Flat
        } else {
            SamplingMode::Auto
        })
        .throughput(Throughput::Elements(elements as u64));
}

/// `group.bench_function`, then the share of the machine's CPU that other processes used
/// meanwhile: on a shared machine, a figure with more than a few percent there is disturbed.
fn bench(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    f: impl FnMut(&mut Bencher<'_, WallTime>),
) {
    let before = common::cpu::sample(&[0]);
    group.bench_function(name, f);
    let after = common::cpu::sample(&[0]);
    if let Some(p) = before.zip(after).and_then(|(b, a)| b.others_percent(&a)) {
        println!("                        other processes' CPU: {p:.0}%");
    }
}

fn hot_paths(c: &mut Criterion) {
    let w = workload();

    let mut group = c.benchmark_group("normalize");
    configure(&mut group, w.street_names.len(), false);
    bench(&mut group, "street_names", |b| {
        b.iter(|| {
            for name in &w.street_names {
                black_box(adresse::text::normalize(black_box(name)));
            }
        })
    });
    group.finish();

    let full: Vec<_> = w.rows.iter().map(common::full_request).collect();
    let prefixes: Vec<_> = w.rows.iter().map(common::prefix_request).collect();
    let mut group = c.benchmark_group("search");
    configure(&mut group, full.len(), true);
    bench(&mut group, "full_address", |b| {
        b.iter(|| {
            for request in &full {
                black_box(w.geocoder.search(black_box(request)).expect("search"));
            }
        })
    });
    bench(&mut group, "autocomplete_prefix", |b| {
        b.iter(|| {
            for request in &prefixes {
                black_box(w.geocoder.search(black_box(request)).expect("search"));
            }
        })
    });
    group.finish();

    let points = common::reverse_requests(&w.rows, SEED_REVERSE);
    let mut group = c.benchmark_group("reverse");
    configure(&mut group, points.len(), false);
    bench(&mut group, "near_address", |b| {
        b.iter(|| {
            for request in &points {
                black_box(w.geocoder.reverse(black_box(request)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, hot_paths);
criterion_main!(benches);
