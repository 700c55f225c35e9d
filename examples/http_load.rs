//! A bounded, closed-loop HTTP load on a loopback api-adresse server (ours or addok), cycling
//! through a file of request paths, one per line (written by
//! `cargo run --release --example latency -- --paths-out DIR`):
//!
//!     cargo run --release --example http_load -- http://127.0.0.1:7881 target/load-paths/search.txt
//!     cargo run --release --example http_load -- BASE_URL PATHS [--requests 3000] [--concurrency 8] [--warm-up 200]
//!
//! `--concurrency` threads each keep one HTTP/1.1 connection and send the next path as soon as
//! the previous answer is read (reconnecting when the server closes the connection, as
//! gunicorn's sync workers do after every response), until `--requests` answers in total. A
//! warm-up of `--warm-up` requests runs first, not reported. Reports requests/s over the wall
//! time of the measure and the latency percentiles (connection time included). Only loopback
//! addresses are accepted; every response must be 200 or the run fails.
//!
//! `--no-keep-alive` asks for a new connection per request (`Connection: close`), as addok's
//! gunicorn does anyway.
//!
//! `--watch-pid PID` (repeatable: the server's processes) also reports the share of the
//! machine's CPU used during the measure by processes other than this one and the watched ones.

#[path = "../benches/common/cpu.rs"]
mod cpu;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Options {
    addr: SocketAddr,
    host: String,
    paths: Vec<String>,
    requests: usize,
    concurrency: usize,
    warm_up: usize,
    watch: Vec<u32>,
    keep_alive: bool,
}

fn usage(error: &str) -> ! {
    eprintln!("error: {error}");
    eprintln!(
        "usage: cargo run --release --example http_load -- BASE_URL PATHS_FILE \
         [--requests N] [--concurrency N] [--warm-up N] [--no-keep-alive] [--watch-pid PID]…"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let mut positional = Vec::new();
    let mut watch = vec![0];
    let mut keep_alive = true;
    let (mut requests, mut concurrency, mut warm_up) = (3_000usize, 8usize, 200usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match arg.as_str() {
            "--requests" => requests = number("--requests"),
            "--concurrency" => concurrency = number("--concurrency"),
            "--warm-up" => warm_up = number("--warm-up"),
            "--watch-pid" => watch.push(number("--watch-pid") as u32),
            "--no-keep-alive" => keep_alive = false,
            _ => positional.push(arg),
        }
    }
    let [base, paths_file] = <[String; 2]>::try_from(positional)
        .unwrap_or_else(|_| usage("expected BASE_URL and PATHS_FILE"));
    let host = base
        .strip_prefix("http://")
        .unwrap_or_else(|| usage("BASE_URL must start with http://"))
        .trim_end_matches('/')
        .to_string();
    let addr: SocketAddr = host
        .parse()
        .unwrap_or_else(|_| usage("BASE_URL must be http://IP:PORT"));
    if !addr.ip().is_loopback() {
        usage("only loopback servers are accepted");
    }
    let paths: Vec<String> = std::fs::read_to_string(&paths_file)
        .unwrap_or_else(|e| usage(&format!("{paths_file}: {e}")))
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if paths.is_empty() || requests == 0 || concurrency == 0 {
        usage("need at least one path, one request and one connection");
    }
    Options {
        addr,
        host,
        paths,
        requests,
        concurrency,
        warm_up,
        watch,
        keep_alive,
    }
}

/// One keep-alive connection, reopened when the server closes it.
struct Client<'a> {
    options: &'a Options,
    stream: Option<BufReader<TcpStream>>,
}

impl Client<'_> {
    /// Sends one GET and reads the whole answer; returns the status.
    fn get(&mut self, path: &str) -> std::io::Result<u16> {
        if self.stream.is_none() {
            let stream = TcpStream::connect_timeout(&self.options.addr, Duration::from_secs(5))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            self.stream = Some(BufReader::new(stream));
        }
        let reader = self.stream.as_mut().expect("connected");
        write!(
            reader.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n{}\r\n",
            self.options.host,
            if self.options.keep_alive {
                ""
            } else {
                "Connection: close\r\n"
            }
        )?;
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
        let mut keep_alive = line.starts_with("HTTP/1.1");
        let (mut length, mut chunked) = (None, false);
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        if chunked {
            loop {
                line.clear();
                reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
                skip(reader, size + 2)?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            skip(reader, length)?;
        } else {
            std::io::copy(reader, &mut std::io::sink())?;
            keep_alive = false;
        }
        if !keep_alive || !self.options.keep_alive {
            self.stream = None;
        }
        Ok(status)
    }
}

fn skip(reader: &mut impl Read, n: usize) -> std::io::Result<()> {
    let copied = std::io::copy(&mut reader.take(n as u64), &mut std::io::sink())?;
    if copied as usize != n {
        return Err(invalid("connection closed mid-body".into()));
    }
    Ok(())
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// Runs `total` requests over the connections; returns the sorted latencies and the wall time.
fn run(o: &Options, total: usize, first_path: usize) -> (Vec<Duration>, Duration) {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..o.concurrency)
            .map(|_| {
                scope.spawn(|| {
                    let mut client = Client {
                        options: o,
                        stream: None,
                    };
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break mine;
                        }
                        let path = &o.paths[(first_path + i) % o.paths.len()];
                        let t = Instant::now();
                        match client.get(path) {
                            Ok(200) => mine.push(t.elapsed()),
                            Ok(status) => panic!("{path}: HTTP {status}"),
                            Err(e) => panic!("{path}: {e}"),
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("load thread"))
            .collect()
    });
    let wall = started.elapsed();
    latencies.sort();
    (latencies, wall)
}

fn main() {
    let o = options();
    if o.warm_up > 0 {
        // The warm-up takes its paths from the end of the file, the measure from the start.
        let from_end = o.paths.len().saturating_sub(o.warm_up);
        run(&o, o.warm_up, from_end);
    }
    let cpu_before = cpu::sample(&o.watch);
    let (latencies, wall) = run(&o, o.requests, 0);
    let others = cpu_before
        .zip(cpu::sample(&o.watch))
        .and_then(|(before, after)| before.others_percent(&after))
        .map_or("n/a (< 1 s)".to_string(), |p| format!("{p:.0}%"));
    let percentile = |p: f64| {
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1].as_secs_f64() * 1e3
    };
    println!(
        "{} requests, {} connections{}, {:.2} s: {:.0} requests/s; latency ms: median {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}; other processes' CPU {others}",
        latencies.len(),
        o.concurrency,
        if o.keep_alive { "" } else { " (no keep-alive)" },
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        percentile(50.0),
        percentile(90.0),
        percentile(99.0),
        percentile(100.0),
    );
}
