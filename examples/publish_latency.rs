//! Search latency while commune corrections are being published, against the same queries
//! without any (issue 5: "search latency during a publish stays within 2× of normal"):
//!
//!     cargo run --release --example publish_latency
//!     cargo run --release --example publish_latency -- --queries 3000 --commune 05061 --rounds 2
//!
//! Opens the index of `data/ban` in `target/latency-index` (built first if missing), samples
//! `--queries` real full-address queries (seeded, as `examples/latency.rs`), and runs them one
//! at a time on each of `--threads` threads (1 by default; as many as cores saturates the
//! machine, the hardest case for a publish), in alternating phases, `--rounds` times each:
//! - "no corrections": the base index alone;
//! - "corrections held": one commune (`--commune`, Gap by default: the largest of the data)
//!   served from an overlay, nothing being published;
//! - "publishing": meanwhile another thread republishes that commune over and over (its rows
//!   with one street renamed, then as they were), as fast as it can.
//!
//! It prints median, p90 and p99 per phase, their ratios to the base phase, how many publishes
//! ran and how long one took. Phases alternate so that the shared machine's noise falls on
//! all of them alike.

#[path = "../benches/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use adresse::ingest::ban_csv::{self, BanRow};
use adresse::search::SearchRequest;
use adresse::Geocoder;

/// Search latency while corrections of one commune are published over and over.
#[derive(clap::Parser)]
struct Options {
    /// Full-address queries sampled from the real rows.
    #[arg(long, default_value_t = 3_000, value_parser = common::at_least_one)]
    queries: usize,
    /// Times each phase runs.
    #[arg(long, default_value_t = 2, value_parser = common::at_least_one)]
    rounds: usize,
    /// Threads searching at once (as many as cores saturates the machine).
    #[arg(long, default_value_t = 1, value_parser = common::at_least_one)]
    threads: usize,
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// INSEE code of the commune republished.
    #[arg(long, default_value = "05061")]
    commune: String,
    /// Index directory (built first if missing); default `target/latency-index`.
    #[arg(long)]
    index: Option<PathBuf>,
}

/// The rows of one commune, read with the library's reader (they are what a publish passes).
fn commune_rows(code: &str) -> Vec<BanRow> {
    let mut rows = Vec::new();
    for file in common::ban_files() {
        ban_csv::read_file(
            &file,
            |row| {
                if row.code_insee == code {
                    rows.push(row)
                }
            },
            |_| {},
        )
        .expect("read a BAN file");
    }
    rows
}

/// The commune with its first street renamed: a real change for every other publish.
fn renamed(rows: &[BanRow]) -> Vec<BanRow> {
    let mut rows = rows.to_vec();
    let voie = rows[0].voie_id();
    for row in rows.iter_mut().filter(|r| r.voie_id() == voie) {
        row.nom_voie = format!("{} Renommée", row.nom_voie);
    }
    rows
}

/// Runs every query on each of `threads` threads at once, adding each search's time to `into`.
fn run(geocoder: &Geocoder, queries: &[SearchRequest], threads: usize, into: &mut Vec<Duration>) {
    let per_thread: Vec<Vec<Duration>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut took = Vec::with_capacity(queries.len());
                    for q in queries {
                        let t = Instant::now();
                        std::hint::black_box(geocoder.search(q).expect("search"));
                        took.push(t.elapsed());
                    }
                    took
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("search thread"))
            .collect()
    });
    into.extend(per_thread.into_iter().flatten());
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn main() {
    let o = <Options as clap::Parser>::parse();
    let index = o
        .index
        .clone()
        .unwrap_or_else(|| common::manifest_dir().join("target/latency-index"));
    if Geocoder::open(&index).is_err() {
        eprintln!("building the index of data/ban into {} …", index.display());
        common::build_index(&index);
    }
    let geocoder = Geocoder::open(&index).expect("open the index");
    let rows = commune_rows(&o.commune);
    if rows.is_empty() {
        eprintln!("error: commune {} has no rows in data/ban", o.commune);
        std::process::exit(2);
    }
    let versions = [rows.clone(), renamed(&rows)];
    let all = common::load_rows(&common::ban_files());
    let queries: Vec<SearchRequest> = common::sample(&all, o.queries, o.seed)
        .iter()
        .map(common::full_request)
        .collect();

    eprintln!("warming up …");
    run(
        &geocoder,
        &queries[..queries.len().min(500)],
        o.threads,
        &mut Vec::new(),
    );

    let (mut base, mut held, mut publishing) = (Vec::new(), Vec::new(), Vec::new());
    let mut publishes: Vec<Duration> = Vec::new();
    for round in 1..=o.rounds {
        eprintln!("round {round}/{}: no corrections …", o.rounds);
        geocoder.set_corrections(BTreeMap::new()).expect("clear");
        run(&geocoder, &queries, o.threads, &mut base);

        eprintln!("round {round}/{}: corrections held …", o.rounds);
        let one = BTreeMap::from([(o.commune.clone(), versions[0].clone())]);
        geocoder.set_corrections(one).expect("publish");
        run(&geocoder, &queries, o.threads, &mut held);

        eprintln!("round {round}/{}: publishing meanwhile …", o.rounds);
        let done = AtomicBool::new(false);
        let round_publishes = std::thread::scope(|scope| {
            let publisher = scope.spawn(|| {
                let mut took = Vec::new();
                let mut i = 0;
                while !done.load(Ordering::Relaxed) {
                    i += 1;
                    let set = BTreeMap::from([(o.commune.clone(), versions[i % 2].clone())]);
                    let t = Instant::now();
                    geocoder.set_corrections(set).expect("publish");
                    took.push(t.elapsed());
                }
                took
            });
            run(&geocoder, &queries, o.threads, &mut publishing);
            done.store(true, Ordering::Relaxed);
            publisher.join().expect("publisher thread")
        });
        publishes.extend(round_publishes);
    }
    geocoder.set_corrections(BTreeMap::new()).expect("clear");

    for v in [&mut base, &mut held, &mut publishing, &mut publishes] {
        v.sort();
    }
    println!(
        "## Search latency while publishing corrections of commune {} ({} rows): {} full-address queries × {} round(s) on {} search thread(s), seed {}\n",
        o.commune,
        rows.len(),
        queries.len(),
        o.rounds,
        o.threads,
        o.seed
    );
    println!("| phase | median ms | p90 ms | p99 ms | median / base | p99 / base |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (base_50, base_99) = (percentile(&base, 50.0), percentile(&base, 99.0));
    for (name, run) in [
        ("no corrections", &base),
        ("corrections held", &held),
        ("publishing meanwhile", &publishing),
    ] {
        let (p50, p99) = (percentile(run, 50.0), percentile(run, 99.0));
        println!(
            "| {name} | {} | {} | {} | {:.2} | {:.2} |",
            ms(p50),
            ms(percentile(run, 90.0)),
            ms(p99),
            p50.as_secs_f64() / base_50.as_secs_f64(),
            p99.as_secs_f64() / base_99.as_secs_f64(),
        );
    }
    if !publishes.is_empty() {
        println!(
            "\n{} publishes ran during the \"publishing\" phases: median {} ms, max {} ms each.",
            publishes.len(),
            ms(percentile(&publishes, 50.0)),
            ms(percentile(&publishes, 100.0)),
        );
    }
}
