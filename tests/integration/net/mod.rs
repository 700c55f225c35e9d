//! A real server on loopback and a raw HTTP/1.1 client, for the tests that need the whole
//! stack (hyper's parser, the connection timeouts, shutdown), and bytes no HTTP library sends:
//! invalid UTF-8 in the request line, stalled bodies, conflicting lengths.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use adresse::server::{Limits, ServerConfig};
use adresse::Geocoder;

/// How long a test waits for any answer before calling the server hung (a guard against a
/// hang, not a performance bound).
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A loopback listener: the helper's reserved ports 7830–7839 first, else any free port.
pub fn bind_loopback() -> std::net::TcpListener {
    for port in 7830..=7839 {
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return listener;
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

/// A server running on its own thread and runtime, stopped when `stop` is sent.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub fn start(geocoder: Geocoder, config: ServerConfig) -> TestServer {
        let listener = bind_loopback();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let served = runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                adresse::server::serve_on(listener, geocoder, config, async {
                    let _ = stopped.await;
                })
                .await
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
            served
        });
        TestServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Sends the shutdown signal (as SIGTERM would) without waiting.
    pub fn signal_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for `serve_on` to return.
    pub fn join(&mut self) -> std::io::Result<()> {
        self.signal_shutdown();
        match self.thread.take() {
            Some(thread) => thread.join().expect("the server thread panicked"),
            None => Ok(()),
        }
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(HANG_GUARD)).unwrap();
        stream.set_write_timeout(Some(HANG_GUARD)).unwrap();
        stream
    }

    /// Sends `raw` as is on a new connection and reads the answer until the server closes.
    pub fn exchange(&self, raw: &[u8]) -> Reply {
        let mut stream = self.connect();
        // The server may answer and close before reading everything (431, 413): a failed
        // write is not the test's verdict, the answer is.
        let _ = stream.write_all(raw);
        read_reply(&mut stream)
    }

    /// A GET of `target` (path and query, sent byte for byte).
    pub fn get(&self, target: &str) -> Reply {
        self.exchange(&request("GET", target.as_bytes(), &[], b""))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// A whole HTTP/1.1 request with `Connection: close`, a Host, and a Content-Length when there
/// is a body.
pub fn request(method: &str, target: &[u8], headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    raw.extend_from_slice(method.as_bytes());
    raw.push(b' ');
    raw.extend_from_slice(target);
    raw.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        raw.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !body.is_empty() || method == "POST" {
        raw.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(body);
    raw
}

/// An HTTP answer: status, headers (names lowercased), body with chunking removed.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The server closed the connection without answering anything.
    pub closed_silently: bool,
    /// The body arrived whole: its chunked encoding ended, or its Content-Length was met.
    pub complete: bool,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "status {}: body is not JSON: {:?}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body, for failure messages.
    pub fn short(&self) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned();
        format!("status {} body {text:?}", self.status)
    }
}

/// Reads one answer until the server closes the connection (requests say `Connection: close`).
pub fn read_reply(stream: &mut TcpStream) -> Reply {
    parse_reply(&read_reply_bytes(stream))
}

/// Every byte until the server closes the connection.
pub fn read_reply_bytes(stream: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            // A reset after the answer was sent (the server closed with unread input).
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no answer within {HANG_GUARD:?}: {e}"),
        }
    }
    raw
}

pub fn parse_reply(raw: &[u8]) -> Reply {
    if raw.is_empty() {
        return Reply {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
            closed_silently: true,
            complete: false,
        };
    }
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let (body, complete) = if chunked {
        dechunk(rest)
    } else {
        let declared = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok());
        (rest.to_vec(), declared.is_none_or(|n| rest.len() >= n))
    };
    Reply {
        status,
        headers,
        body,
        closed_silently: false,
        complete,
    }
}

/// The payload of a chunked body, and whether its last (empty) chunk arrived; a truncated
/// body gives what arrived.
fn dechunk(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") else {
            return (body, false);
        };
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
        else {
            return (body, false);
        };
        raw = &raw[line_end + 2..];
        if size == 0 {
            return (body, true);
        }
        if raw.len() < size {
            body.extend_from_slice(raw);
            return (body, false);
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[(size + 2).min(raw.len())..];
    }
}

/// A server config for tests: short slow-client deadlines so that the timeouts can be seen
/// quickly, everything else as shipped.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        max_upload_bytes: 256 << 20,
        limits: Limits {
            header_timeout_secs: 1,
            body_timeout_secs: 1,
            shutdown_grace_secs: 5,
            ..Limits::default()
        },
    }
}

pub const BOUNDARY: &str = "hostile-boundary-5b2e";

/// A multipart body: text parameters, then (if any) the `data` file part.
pub fn multipart(params: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in params {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"in.csv\"\r\nContent-Type: text/csv\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// This process's resident memory now and at its peak since [`reset_peak_rss`], in bytes
/// (Linux; `None` elsewhere).
pub fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets the peak resident memory the kernel reports (Linux ≥ 4.0).
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
