//! Replays a file of `/search` request paths (one per line, as `scripts/load/make_queries.py`
//! writes them) in-process, without HTTP, to time the search itself or to record its answers:
//!
//!     cargo run --release --example replay -- INDEX PATHS [--rounds N] [--slowest K]
//!     cargo run --release --example replay -- INDEX PATHS --answers > answers.tsv
//!
//! `--no-word-lists` makes retrieval ask tantivy for every word (see `index::word_lists`), to
//! compare answers and times with and without them.
//!
//! Timing: one warm-up pass, then `--rounds` passes (default 2); prints the mean per request
//! of the fastest pass (on a shared machine, the least disturbed one) and the `--slowest`
//! requests (default 10) by their mean time. Answers: one line per request, `q`, the ids of the
//! results and their scores (comma-separated), for `scripts/quality/keystrokes.py` or `diff`.
//! Reads `q`, `autocomplete` and `limit` from each path; other parameters are ignored.
//! `RUST_LOG=adresse=trace` logs each retrieval's word selection to stderr.
//!
//! `--compare-huge-pages` opens the index twice, once without its hot sections copied onto huge
//! pages (`index::resident`), and times each request on both, alternately: on a shared
//! machine whose speed drifts by tens of percent from one minute to the next, only requests
//! timed side by side compare. Prints each one's mean, p50, p90 and p99 per request.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use adresse::search::SearchRequest;
use adresse::Geocoder;

fn main() -> ExitCode {
    // `RUST_LOG=adresse=trace` shows how each request selected its words (to stderr).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(index), Some(paths)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: replay INDEX PATHS [--rounds N] [--slowest K] [--answers] [--no-word-lists]"
        );
        return ExitCode::from(2);
    };
    let option = |name: &str, default: usize| -> usize {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let text = match std::fs::read_to_string(paths) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{paths}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut requests = Vec::new();
    for (line_number, line) in text.lines().enumerate() {
        match request_of(line) {
            Some(request) => requests.push(request),
            None => {
                eprintln!("{paths}:{}: not a /search path with q=", line_number + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    if args.iter().any(|a| a == "--no-word-lists") {
        adresse::search::set_word_lists(false);
    }
    if args.iter().any(|a| a == "--compare-huge-pages") {
        return compare_huge_pages(Path::new(index), &requests, option("--rounds", 2).max(1));
    }
    let geocoder = match Geocoder::open(Path::new(index)) {
        Ok(geocoder) => geocoder,
        Err(e) => {
            eprintln!("{index}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let search = |request: &SearchRequest| match geocoder.search(request) {
        Ok(hits) => hits,
        Err(e) => {
            eprintln!("{:?}: {e}", request.q);
            Vec::new()
        }
    };
    if args.iter().any(|a| a == "--answers") {
        for request in &requests {
            let hits = search(request);
            let snapshot = geocoder.snapshot();
            let ids: Vec<String> = hits
                .iter()
                .map(|hit| match &hit.housenumber {
                    Some(number) => number.id.clone(),
                    None => snapshot
                        .place(hit.layer, hit.place)
                        .map_or_else(String::new, |place| place.id.to_string()),
                })
                .collect();
            let scores: Vec<String> = hits.iter().map(|h| format!("{:.3}", h.score)).collect();
            println!("{}\t{}\t{}", request.q, ids.join(","), scores.join(","));
        }
        return ExitCode::SUCCESS;
    }
    let rounds = option("--rounds", 2).max(1);
    for request in &requests {
        search(request);
    }
    let mut total = vec![0.0f64; requests.len()];
    let mut fastest = f64::MAX;
    for _ in 0..rounds {
        let round = Instant::now();
        for (i, request) in requests.iter().enumerate() {
            let start = Instant::now();
            search(request);
            total[i] += start.elapsed().as_secs_f64();
        }
        fastest = fastest.min(round.elapsed().as_secs_f64());
    }
    println!(
        "{} requests, fastest of {rounds} passes: {:.1} µs per request",
        requests.len(),
        fastest * 1e6 / requests.len() as f64
    );
    let mut order: Vec<usize> = (0..requests.len()).collect();
    order.sort_by(|&a, &b| total[b].total_cmp(&total[a]));
    for &i in order.iter().take(option("--slowest", 10)) {
        println!(
            "{:10.1} µs  {}",
            total[i] * 1e6 / rounds as f64,
            requests[i].q
        );
    }
    ExitCode::SUCCESS
}

/// Times every request on the index opened without and with its hot sections on huge pages,
/// the two one after the other for each request, and prints both distributions.
fn compare_huge_pages(index: &Path, requests: &[SearchRequest], rounds: usize) -> ExitCode {
    if requests.is_empty() {
        eprintln!("no request to time");
        return ExitCode::FAILURE;
    }
    // Set before any thread of ours reads the environment: the first index copies nothing.
    std::env::set_var("ADRESSE_HUGE_PAGES", "0");
    let mapped = Geocoder::open(index);
    std::env::remove_var("ADRESSE_HUGE_PAGES");
    let copied = Geocoder::open(index);
    let (mapped, copied) = match (mapped, copied) {
        (Ok(mapped), Ok(copied)) => (mapped, copied),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{}: {e}", index.display());
            return ExitCode::FAILURE;
        }
    };
    // The warm-up pass also leaves the copies time to be made.
    for request in requests {
        let _ = mapped.search(request);
        let _ = copied.search(request);
    }
    std::thread::sleep(std::time::Duration::from_secs(2));
    let mut times = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        for request in requests {
            // Which goes first alternates, so that neither always finds the other's cache.
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let geocoder = if which == 0 { &mapped } else { &copied };
                let start = Instant::now();
                let _ = geocoder.search(request);
                times[which].push(start.elapsed().as_secs_f64() * 1e6);
            }
        }
    }
    for (name, mut times) in ["mapped", "huge pages"].into_iter().zip(times) {
        times.sort_by(f64::total_cmp);
        let at = |share: f64| times[((times.len() as f64 * share) as usize).min(times.len() - 1)];
        println!(
            "{name:>10}: mean {:.1} µs, p50 {:.1}, p90 {:.1}, p99 {:.1} ({} timings)",
            times.iter().sum::<f64>() / times.len() as f64,
            at(0.5),
            at(0.9),
            at(0.99),
            times.len()
        );
    }
    ExitCode::SUCCESS
}

/// The search request of one path: `q`, `autocomplete` and `limit` (default 5).
fn request_of(path: &str) -> Option<SearchRequest> {
    let (_, query) = path.split_once('?')?;
    let mut request = SearchRequest {
        q: String::new(),
        limit: 5,
        autocomplete: false,
        near: None,
        filters: Default::default(),
    };
    let mut has_q = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "q" => {
                request.q = value.into_owned();
                has_q = true;
            }
            "autocomplete" => request.autocomplete = value == "1",
            "limit" => request.limit = value.parse().ok()?,
            _ => {}
        }
    }
    has_q.then_some(request)
}
