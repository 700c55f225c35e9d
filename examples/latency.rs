//! In-process latency and throughput of the geocoder on the real data of `data/ban`, in one
//! command:
//!
//!     cargo run --release --example latency
//!     cargo run --release --example latency -- --queries 5000 --ingest-runs 3 --seed 2024
//!
//! 1. ingests both départements into `target/latency-index` (`--ingest-runs` times, wall time,
//!    median reported with rows/s);
//! 2. runs `--queries` real full-address queries (`"<numero><rep> <nom_voie> <code_postal>
//!    <nom_commune>"`, autocomplete off, limit 5; a seeded sample of the rows) one at a time on
//!    one thread (median, p90, p99, max latency and queries/s), then split over 2 threads
//!    (total queries/s);
//! 3. the same for as many reverse queries (a point within 100 m of each sampled address);
//! 4. top-1 id accuracy of the full-address queries (expected: the row's `id`).
//!
//! A warm-up pass of 500 queries of each kind runs before the measures. The last column of the
//! table is the share of the machine's CPU (all CPUs) that other processes used during each
//! measure: on a shared machine, a figure with more than a few percent there is disturbed
//! ("n/a" when the measure took under a second, too short for the kernel's counters). `--paths-out DIR`
//! also writes the same queries as HTTP request paths (`DIR/search.txt`, `DIR/reverse.txt`)
//! for an HTTP load tool (see `benches/http_load.sh`).

#[path = "../benches/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use adresse::reverse::ReverseRequest;
use adresse::search::SearchRequest;
use adresse::Geocoder;

const WARM_UP: usize = 500;
const THREADS: usize = 2;

/// In-process latency and throughput of full-address searches on the index of `data/ban`.
#[derive(clap::Parser)]
struct Options {
    /// Queries sampled from the real rows.
    #[arg(long, default_value_t = 5_000, value_parser = common::at_least_one)]
    queries: usize,
    /// Ingests of `data/ban` to time.
    #[arg(long, default_value_t = 3, value_parser = common::at_least_one)]
    ingest_runs: usize,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Index directory (built first if missing); default `target/latency-index`.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Also write the sampled queries as URL paths for the HTTP load tools.
    #[arg(long)]
    paths_out: Option<PathBuf>,
}

fn options() -> (Options, PathBuf) {
    let o = <Options as clap::Parser>::parse();
    let index = o
        .index
        .clone()
        .unwrap_or_else(|| common::manifest_dir().join("target/latency-index"));
    (o, index)
}

/// Latencies of one run, sorted, its wall time, and the share of the machine's CPU that other
/// processes used meanwhile.
struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
    others: Option<f64>,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn qps(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `queries` through `run_one` on `threads` threads (contiguous shares), timing each query.
fn measure<Q: Sync>(queries: &[Q], threads: usize, run_one: impl Fn(&Q) + Sync) -> Run {
    let share = queries.len().div_ceil(threads);
    let cpu_before = common::cpu::sample(&[0]);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = queries
            .chunks(share)
            .map(|chunk| {
                let run_one = &run_one;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|q| {
                            let t = Instant::now();
                            run_one(q);
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    });
    let wall = started.elapsed();
    let others = cpu_before
        .zip(common::cpu::sample(&[0]))
        .and_then(|(before, after)| before.others_percent(&after));
    latencies.sort();
    Run {
        latencies,
        wall,
        others,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn main() {
    let (o, index) = options();

    // 1. Ingest.
    eprintln!(
        "ingesting data/ban into {} ({} run(s)) …",
        index.display(),
        o.ingest_runs
    );
    let mut ingest_times = Vec::new();
    let mut report = None;
    let cpu_before = common::cpu::sample(&[0]);
    for _ in 0..o.ingest_runs {
        let started = Instant::now();
        let r = common::build_index(&index);
        ingest_times.push(started.elapsed());
        report = Some(r);
    }
    let ingest_others = cpu_before
        .zip(common::cpu::sample(&[0]))
        .and_then(|(before, after)| before.others_percent(&after));
    let report = report.expect("at least one ingest run");
    ingest_times.sort();
    let ingest_median = ingest_times[ingest_times.len() / 2];
    let rows_read = report.manifest.rows_read;
    let index_bytes = dir_size(&report.generation);

    let started = Instant::now();
    let geocoder = Geocoder::open(&index).expect("open the index");
    let open_time = started.elapsed();

    // 2. Workload.
    let all = common::load_rows(&common::ban_files());
    let rows = common::sample(&all, o.queries, o.seed);
    let searches: Vec<SearchRequest> = rows.iter().map(common::full_request).collect();
    let reverses: Vec<ReverseRequest> = common::reverse_requests(&rows, o.seed + 1);
    if let Some(dir) = &o.paths_out {
        std::fs::create_dir_all(dir).expect("create --paths-out");
        let lines = |paths: Vec<String>| paths.join("\n") + "\n";
        std::fs::write(
            dir.join("search.txt"),
            lines(searches.iter().map(common::search_path).collect()),
        )
        .expect("write search.txt");
        std::fs::write(
            dir.join("reverse.txt"),
            lines(reverses.iter().map(common::reverse_path).collect()),
        )
        .expect("write reverse.txt");
        eprintln!("request paths written to {}", dir.display());
    }

    let search = |r: &SearchRequest| {
        std::hint::black_box(geocoder.search(r).expect("search"));
    };
    let reverse = |r: &ReverseRequest| {
        std::hint::black_box(geocoder.reverse(r));
    };
    eprintln!("warming up …");
    measure(&searches[..WARM_UP.min(searches.len())], 1, search);
    measure(&reverses[..WARM_UP.min(reverses.len())], 1, reverse);

    eprintln!("measuring {} queries of each kind …", searches.len());
    let search_1 = measure(&searches, 1, search);
    let search_n = measure(&searches, THREADS, search);
    let reverse_1 = measure(&reverses, 1, reverse);
    let reverse_n = measure(&reverses, THREADS, reverse);

    // 4. Accuracy (outside the timed runs).
    let mut top1 = 0usize;
    let mut found_top5 = 0usize;
    for (row, request) in rows.iter().zip(&searches) {
        let hits = geocoder.search(request).expect("search");
        let id_of = |h: &adresse::search::Hit| h.housenumber.as_ref().map(|n| n.id.clone());
        if hits.first().and_then(id_of).as_deref() == Some(row.id.as_str()) {
            top1 += 1;
        }
        if hits
            .iter()
            .any(|h| id_of(h).as_deref() == Some(row.id.as_str()))
        {
            found_top5 += 1;
        }
    }
    let n = rows.len();

    println!(
        "## adresse, in process ({n} queries of each kind, seed {}, {THREADS} threads for the multi-thread rows)\n",
        o.seed
    );
    println!(
        "Ingest of {} file(s), {rows_read} rows: median {:.2} s of {} run(s) (min {:.2} s, max {:.2} s) = {:.0} rows/s; \
         {} housenumbers, {} streets, {} localities, {} municipalities; index on disk {:.1} MiB; open {:.0} ms; other processes' CPU during the ingests: {}.\n",
        report.manifest.sources.len(),
        ingest_median.as_secs_f64(),
        ingest_times.len(),
        ingest_times[0].as_secs_f64(),
        ingest_times[ingest_times.len() - 1].as_secs_f64(),
        rows_read as f64 / ingest_median.as_secs_f64(),
        report.manifest.housenumbers,
        report.manifest.streets,
        report.manifest.localities,
        report.manifest.municipalities,
        index_bytes as f64 / (1024.0 * 1024.0),
        open_time.as_secs_f64() * 1e3,
        ingest_others.map_or("n/a (< 1 s)".to_string(), |p| format!("{p:.0}%")),
    );
    println!(
        "| queries | threads | median ms | p90 ms | p99 ms | max ms | queries/s | other processes' CPU |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, threads, run) in [
        ("full address, autocomplete off", 1, &search_1),
        ("full address, autocomplete off", THREADS, &search_n),
        ("reverse, ≤ 100 m from an address", 1, &reverse_1),
        ("reverse, ≤ 100 m from an address", THREADS, &reverse_n),
    ] {
        println!(
            "| {name} | {threads} | {} | {} | {} | {} | {:.0} | {} |",
            ms(run.percentile(50.0)),
            ms(run.percentile(90.0)),
            ms(run.percentile(99.0)),
            ms(run.percentile(100.0)),
            run.qps(),
            run.others
                .map_or("n/a (< 1 s)".to_string(), |p| format!("{p:.0}%"))
        );
    }
    println!(
        "\nTop-1 id accuracy of the full-address queries: {top1}/{n} = {:.2}% (expected id in the top 5: {:.2}%).",
        100.0 * top1 as f64 / n as f64,
        100.0 * found_top5 as f64 / n as f64
    );
    if let Some(rss) = peak_rss_mib() {
        println!("Peak resident memory of this process (ingest included): {rss:.0} MiB.");
    }
}
