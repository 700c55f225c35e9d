//! A bounded soak of a loopback `adresse serve`: measures the server's capacity on a mixed
//! load, then sends that load open-loop at a multiple of it (2× by default) for a fixed time,
//! and reports, per window of 10 s: requests, answers by kind (200, 503 shed, 429 limited,
//! other statuses, connection errors), p50/p99/max latency and the server's resident memory.
//! Run by `scripts/soak/run.sh`; see RELIABILITY.md for a recorded run.
//!
//!     cargo run --release --example soak -- http://127.0.0.1:7832 --pid PID \
//!         [--duration 300] [--factor 2] [--connections 64] [--measure 20]
//!
//! The mix, from real BAN rows of Paris and Hautes-Alpes: 40% autocomplete (a prefix of an
//! address), 30% full-address search, 28% reverse (a real point, moved by up to ~50 m), 2%
//! batch uploads of 50 addresses. Each connection thread keeps one HTTP/1.1 connection and
//! sends on a fixed schedule; when the server is slower than the schedule, the thread sends as
//! soon as it can and the request counts as "late" (the client could not keep the rate).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adresse::ingest::ban_csv;

const WINDOW: Duration = Duration::from_secs(10);

struct Options {
    addr: SocketAddr,
    pid: Option<u32>,
    duration: Duration,
    factor: f64,
    connections: usize,
    measure: Duration,
}

fn usage(error: &str) -> ! {
    eprintln!("error: {error}");
    eprintln!(
        "usage: soak BASE_URL [--pid PID] [--duration SECS] [--factor X] [--connections N] [--measure SECS]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| usage("no BASE_URL"));
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let addr: SocketAddr = host
        .parse()
        .unwrap_or_else(|_| usage("BASE_URL must be http://IP:PORT"));
    if !addr.ip().is_loopback() {
        usage("only loopback servers are soaked");
    }
    let mut o = Options {
        addr,
        pid: None,
        duration: Duration::from_secs(300),
        factor: 2.0,
        connections: 64,
        measure: Duration::from_secs(20),
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number = || -> f64 {
            value
                .parse()
                .unwrap_or_else(|_| usage(&format!("bad {flag}")))
        };
        match flag.as_str() {
            "--pid" => o.pid = Some(number() as u32),
            "--duration" => o.duration = Duration::from_secs_f64(number()),
            "--factor" => o.factor = number(),
            "--connections" => o.connections = number() as usize,
            "--measure" => o.measure = Duration::from_secs_f64(number()),
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    o
}

/// One request of the mix, ready to send.
#[derive(Clone)]
enum Job {
    Get(String),
    Batch(Vec<u8>),
}

fn percent(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The mix, in a fixed pseudo-random order, from every 50th real row.
fn workload() -> Vec<Job> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ban");
    let mut rows = Vec::new();
    for file in ["adresses-75.csv.gz", "adresses-05.csv.gz"] {
        let mut i = 0usize;
        ban_csv::read_file(
            &data.join(file),
            |row| {
                if i % 50 == 0 {
                    rows.push(row);
                }
                i += 1;
            },
            |_| {},
        )
        .expect("read data/ban");
    }
    let mut jobs = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (i, row) in rows.iter().enumerate() {
        let address = format!(
            "{}{} {} {} {}",
            row.numero, row.rep, row.nom_voie, row.code_postal, row.nom_commune
        );
        let pick = next() % 100;
        let job = if pick < 40 {
            let cut = 4 + (next() as usize % address.len().max(5).saturating_sub(4));
            let prefix: String = address.chars().take(cut).collect();
            Job::Get(format!("/search/?q={}&autocomplete=1", percent(&prefix)))
        } else if pick < 70 {
            Job::Get(format!("/search/?q={}&autocomplete=0", percent(&address)))
        } else if pick < 98 {
            // Up to ±500 µ° (~50 m) off the real point.
            let (dx, dy) = (next() % 1000, next() % 1000);
            let lon = row.lon + (dx as f64 - 500.0) * 1e-6;
            let lat = row.lat + (dy as f64 - 500.0) * 1e-6;
            Job::Get(format!("/reverse/?lon={lon:.6}&lat={lat:.6}"))
        } else {
            let mut csv = String::from("adresse\n");
            for other in rows.iter().skip(i).take(50) {
                csv.push_str(&format!(
                    "\"{} {} {}\"\n",
                    other.numero, other.nom_voie, other.nom_commune
                ));
            }
            Job::Batch(batch_body(&csv))
        };
        jobs.push(job);
    }
    jobs
}

const BOUNDARY: &str = "soak-boundary-1f3a";

fn batch_body(csv: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"columns\"\r\n\r\nadresse\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"soak.csv\"\r\n\r\n{csv}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes()
}

/// What one request came to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Outcome {
    Ok,
    Status(u16),
    ConnectError,
    Reset,
    Timeout,
    OtherIo,
}

impl Outcome {
    fn name(self) -> String {
        match self {
            Outcome::Ok => "200".into(),
            Outcome::Status(s) => s.to_string(),
            Outcome::ConnectError => "connect".into(),
            Outcome::Reset => "reset".into(),
            Outcome::Timeout => "timeout".into(),
            Outcome::OtherIo => "io".into(),
        }
    }
}

struct Connection {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
}

impl Connection {
    fn send(&mut self, job: &Job) -> Outcome {
        if self.stream.is_none() {
            match TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                    self.stream = Some(BufReader::new(s));
                }
                Err(_) => return Outcome::ConnectError,
            }
        }
        let result = self.exchange(job);
        match result {
            Ok((status, keep)) => {
                if !keep {
                    self.stream = None;
                }
                if status == 200 {
                    Outcome::Ok
                } else {
                    Outcome::Status(status)
                }
            }
            Err(e) => {
                self.stream = None;
                match e.kind() {
                    std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof => Outcome::Reset,
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                        Outcome::Timeout
                    }
                    _ => Outcome::OtherIo,
                }
            }
        }
    }

    /// Sends one request and reads its whole answer: (status, connection still usable).
    fn exchange(&mut self, job: &Job) -> std::io::Result<(u16, bool)> {
        let stream = self.stream.as_mut().unwrap();
        let request = match job {
            Job::Get(path) => format!("GET {path} HTTP/1.1\r\nHost: soak\r\n\r\n").into_bytes(),
            Job::Batch(body) => {
                let mut r = format!(
                    "POST /search/csv/ HTTP/1.1\r\nHost: soak\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(body);
                r
            }
        };
        stream.get_mut().write_all(&request)?;
        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or(std::io::ErrorKind::InvalidData)?;
        let (mut length, mut chunked, mut keep) = (None, false, true);
        loop {
            line.clear();
            stream.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            } else if lower.starts_with("connection:") && lower.contains("close") {
                keep = false;
            }
        }
        if chunked {
            loop {
                line.clear();
                stream.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidData))?;
                let mut chunk = vec![0u8; size + 2];
                stream.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            let mut body = vec![0u8; n];
            stream.read_exact(&mut body)?;
        }
        Ok((status, keep))
    }
}

/// One answer: when it was sent (since the start), its latency, its outcome, whether late.
struct Sample {
    at: Duration,
    latency: Duration,
    outcome: Outcome,
    late: bool,
}

/// Runs `connections` threads over `jobs` for `duration`; `rate` (requests/s in total) makes
/// it open-loop, `None` closed-loop (each thread sends as soon as its answer is read).
fn run(
    o: &Options,
    jobs: &Arc<Vec<Job>>,
    connections: usize,
    duration: Duration,
    rate: Option<f64>,
    on_window: impl Fn(usize, &[Sample]) + Send + Sync,
) -> Vec<Sample> {
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let start = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..connections {
            let (jobs, samples) = (jobs.clone(), samples.clone());
            let addr = o.addr;
            scope.spawn(move || {
                let mut connection = Connection { addr, stream: None };
                let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
                let mut due = start
                    + interval
                        .unwrap_or_default()
                        .mul_f64(t as f64 / connections as f64);
                let mut i = t * 7919;
                while start.elapsed() < duration {
                    let mut late = false;
                    if let Some(interval) = interval {
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        } else {
                            late = now - due > interval;
                        }
                        due += interval;
                    }
                    let job = &jobs[i % jobs.len()];
                    i += 1;
                    let sent = Instant::now();
                    let outcome = connection.send(job);
                    // Straight into the shared log: the reporter reads each window as it ends.
                    samples.lock().unwrap().push(Sample {
                        at: sent - start,
                        latency: sent.elapsed(),
                        outcome,
                        late,
                    });
                }
            });
        }
        // The reporter: one line per window, as the run goes.
        scope.spawn(|| {
            let mut window = 0;
            loop {
                let end = start + WINDOW * (window as u32 + 1);
                if end > start + duration + Duration::from_secs(1) {
                    break;
                }
                // A little after the window's end, so that its slow answers are in.
                let settle = end + Duration::from_secs(2);
                std::thread::sleep(settle.saturating_duration_since(Instant::now()));
                let all = samples.lock().unwrap();
                let lo = WINDOW * window as u32;
                let in_window: Vec<&Sample> = all
                    .iter()
                    .filter(|s| s.at >= lo && s.at < lo + WINDOW)
                    .collect();
                let copy: Vec<Sample> = in_window
                    .iter()
                    .map(|s| Sample {
                        at: s.at,
                        latency: s.latency,
                        outcome: s.outcome,
                        late: s.late,
                    })
                    .collect();
                drop(all);
                on_window(window, &copy);
                window += 1;
            }
        });
    });
    Arc::try_unwrap(samples).ok().unwrap().into_inner().unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn rss_mib(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn describe(samples: &[Sample]) -> String {
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    latencies.sort();
    let mut kinds = std::collections::BTreeMap::<Outcome, usize>::new();
    for s in samples {
        *kinds.entry(s.outcome).or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{}:{n}", k.name()))
        .collect();
    let late = samples.iter().filter(|s| s.late).count();
    format!(
        "{:>7} req  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  late {:>6}  {}",
        samples.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        late,
        kinds.join(" ")
    )
}

fn main() {
    let o = options();
    let jobs = Arc::new(workload());
    eprintln!("{} distinct requests in the mix", jobs.len());

    eprintln!(
        "measuring capacity: {} s closed-loop on 8 connections",
        o.measure.as_secs()
    );
    let measured = run(&o, &jobs, 8, o.measure, None, |_, _| {});
    let ok = measured.iter().filter(|s| s.outcome == Outcome::Ok).count();
    let capacity = ok as f64 / o.measure.as_secs_f64();
    println!("capacity: {capacity:.0} req/s ({})", describe(&measured));
    let rate = capacity * o.factor;
    println!(
        "soak: {:.0} req/s ({}× capacity) for {} s on {} connections, server RSS from /proc/{}",
        rate,
        o.factor,
        o.duration.as_secs(),
        o.connections,
        o.pid.map_or("-".into(), |p| p.to_string())
    );
    let rss_log = Mutex::new(Vec::<f64>::new());
    let samples = run(&o, &jobs, o.connections, o.duration, Some(rate), |w, s| {
        let rss = rss_mib(o.pid);
        if let Some(r) = rss {
            rss_log.lock().unwrap().push(r);
        }
        println!(
            "t={:>4}s  {}  rss {}",
            (w + 1) * WINDOW.as_secs() as usize,
            describe(s),
            rss.map_or("-".into(), |r| format!("{r:.1} MiB"))
        );
    });
    println!("total: {}", describe(&samples));
    let rss = rss_log.into_inner().unwrap();
    if let (Some(first), Some(last)) = (rss.first(), rss.last()) {
        let max = rss.iter().cloned().fold(f64::MIN, f64::max);
        println!("server RSS: first window {first:.1} MiB, last {last:.1} MiB, max {max:.1} MiB");
    }
}
