//! Overload and shutdown over real HTTP on loopback: load shedding (503 + Retry-After) instead
//! of queueing, the per-client rate limit (429 + Retry-After, loopback exempt by default), and
//! a graceful shutdown that lets requests in flight finish, refuses new connections, and is
//! bounded when a request never ends.
//!
//! A batch upload held half-sent is the request "in flight": it keeps its slot for as long as
//! the test wants, without any timing.

use crate::common;
use crate::net;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use adresse::server::{Limits, ServerConfig};
use net::{multipart, multipart_type, request, TestServer, HANG_GUARD};

/// Rows of the held upload: with their filler column, past the 64 KiB the server reads
/// before it starts answering.
const ROWS: usize = 600;

fn config(limits: Limits) -> ServerConfig {
    ServerConfig {
        max_upload_bytes: 64 << 20,
        limits,
    }
}

/// A batch upload sent but for its last bytes, once its answer has started: it holds a batch
/// slot until [`InFlight::finish`].
struct InFlight {
    stream: TcpStream,
    rest: Vec<u8>,
    received: Vec<u8>,
}

impl InFlight {
    fn start(server: &TestServer) -> InFlight {
        // Parameters first, so rows are geocoded as they arrive and the answer starts before
        // the upload ends (the first 64 KiB are enough to start).
        let mut file = String::from("adresse,note\n");
        let filler = "x".repeat(120);
        for _ in 0..ROWS {
            file.push_str(&format!("8 rue de rivoli paris,{filler}\n"));
        }
        let body = multipart(&[("columns", "adresse")], Some(file.as_bytes()));
        let raw = request(
            "POST",
            b"/search/csv/",
            &[("Content-Type", &multipart_type())],
            &body,
        );
        let cut = raw.len() - 200;
        let mut stream = server.connect();
        stream.write_all(&raw[..cut]).unwrap();
        let mut received = Vec::new();
        let mut buffer = [0u8; 16 * 1024];
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).unwrap();
            assert!(n > 0, "closed before answering: {received:?}");
            received.extend_from_slice(&buffer[..n]);
        }
        assert!(
            received.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&received)
        );
        InFlight {
            stream,
            rest: raw[cut..].to_vec(),
            received,
        }
    }

    /// Sends the end of the upload and reads the whole answer.
    fn finish(mut self) -> net::Reply {
        self.stream.write_all(&self.rest).unwrap();
        let rest = net::read_reply_bytes(&mut self.stream);
        self.received.extend_from_slice(&rest);
        net::parse_reply(&self.received)
    }

    /// Reads until the server closes, without sending the end of the upload.
    fn abandoned(mut self) -> Vec<u8> {
        let rest = net::read_reply_bytes(&mut self.stream);
        self.received.extend_from_slice(&rest);
        self.received
    }
}

/// Every row of a complete batch answer was geocoded to the real address.
#[track_caller]
fn all_rows_found(reply: &net::Reply) {
    assert_eq!(reply.status, 200, "{}", reply.short());
    assert!(
        reply.complete,
        "the chunked answer did not end: {}",
        reply.short()
    );
    let mut reader = csv::Reader::from_reader(reply.body.as_slice());
    let status = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "result_status")
        .unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), ROWS);
    for row in &rows {
        assert_eq!(&row[status], "ok", "{row:?}");
    }
}

#[track_caller]
fn refused_with_retry_after(reply: &net::Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text());
    let retry: u64 = reply
        .header("retry-after")
        .expect("no Retry-After")
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body = reply.json();
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["description"].as_str().is_some_and(|t| !t.is_empty()));
}

#[test]
fn batches_over_the_limit_are_shed_with_503() {
    let server = TestServer::start(
        common::geocoder().clone(),
        config(Limits {
            max_batch_jobs: 1,
            ..Limits::default()
        }),
    );
    let first = InFlight::start(&server);
    let small = multipart(
        &[("columns", "adresse")],
        Some(b"adresse\n8 rue de rivoli paris\n"),
    );
    let post = || {
        server.exchange(&request(
            "POST",
            b"/search/csv/",
            &[("Content-Type", &multipart_type())],
            &small,
        ))
    };
    refused_with_retry_after(&post(), 503);
    // Searches have their own slots, and /health is never shed.
    assert_eq!(server.get("/search/?q=8+rue+de+rivoli+paris").status, 200);
    assert_eq!(server.get("/health").status, 200);
    all_rows_found(&first.finish());
    // The slot is free again once the first answer is done.
    let reply = post();
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("Rivoli"));
}

#[test]
fn rate_limit_answers_429_and_spares_loopback_by_default() {
    let strict = TestServer::start(
        common::geocoder().clone(),
        config(Limits {
            rate_limit: 1,
            rate_burst: 1,
            rate_limit_loopback: true,
            ..Limits::default()
        }),
    );
    let replies: Vec<net::Reply> = (0..5)
        .map(|_| strict.get("/search/?q=8+rue+de+rivoli+paris"))
        .collect();
    assert_eq!(replies[0].status, 200);
    let limited: Vec<&net::Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert!(
        !limited.is_empty(),
        "5 requests at once at 1/s: none limited"
    );
    for reply in limited {
        refused_with_retry_after(reply, 429);
    }
    assert_eq!(strict.get("/health").status, 200);

    // As shipped: 50/s for remote clients, none for loopback.
    let default = TestServer::start(common::geocoder().clone(), config(Limits::default()));
    for _ in 0..300 {
        assert_eq!(default.get("/reverse/?lon=2.3522&lat=48.8566").status, 200);
    }
}

#[test]
fn graceful_shutdown_finishes_requests_in_flight_and_refuses_new_ones() {
    let mut server = TestServer::start(
        common::geocoder().clone(),
        config(Limits {
            shutdown_grace_secs: 60,
            ..Limits::default()
        }),
    );
    let in_flight = InFlight::start(&server);
    // An idle keep-alive connection, after one answer.
    let mut idle = server.connect();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buffer = [0u8; 4096];
    let n = idle.read(&mut buffer).unwrap();
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));

    server.signal_shutdown();
    // New connections are refused once the listener is closed.
    let deadline = std::time::Instant::now() + HANG_GUARD;
    loop {
        match TcpStream::connect(server.addr) {
            Err(_) => break,
            Ok(_) => {
                assert!(std::time::Instant::now() < deadline, "still accepting");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    // The idle connection is closed by the server rather than left to linger.
    assert_eq!(idle.read(&mut buffer).unwrap_or(0), 0);
    // The request in flight completes, every row.
    all_rows_found(&in_flight.finish());
    server.join().unwrap();
}

#[test]
fn graceful_shutdown_is_bounded() {
    let mut server = TestServer::start(
        common::geocoder().clone(),
        config(Limits {
            shutdown_grace_secs: 1,
            body_timeout_secs: 600,
            ..Limits::default()
        }),
    );
    let in_flight = InFlight::start(&server);
    server.signal_shutdown();
    // The upload never ends: the server must stop anyway once the grace period is over.
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(server.join());
    });
    let joined = done_rx
        .recv_timeout(HANG_GUARD)
        .expect("the server did not stop after its grace period");
    joined.unwrap();
    let received = in_flight.abandoned();
    assert!(
        !received.ends_with(b"0\r\n\r\n"),
        "a request cut by shutdown must not look complete"
    );
}
