//! Hostile input over real HTTP: every case is sent byte for byte to a server on loopback (the
//! whole stack: hyper's parser, the limits, the handlers) and must get a 4xx JSON
//! `{title, description}` or a correct answer; after each, the server must still answer a real
//! query correctly. Cases refused by the HTTP layer itself, before any handler (a request line
//! that is not HTTP, headers over hyper's size limits), get hyper's bare 4xx without a body:
//! those are marked `http_refusal`.
//!
//! Slow-client deadlines are 1 s here (`net::test_config`), so the timeout cases are quick.

use crate::common;
use crate::net;

use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use net::{multipart, multipart_type, request, Reply, TestServer};

fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| TestServer::start(common::geocoder().clone(), net::test_config()))
}

/// The cases run one at a time: the memory case measures this process's peak.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const CANARY: &str = "/search/?q=8+rue+de+rivoli+paris";

/// The first feature's properties.
fn top(reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.status, 200, "{}", reply.short());
    reply.json()["features"][0]["properties"].clone()
}

/// The answer is the real 8 rue de Rivoli.
#[track_caller]
fn is_rivoli(reply: &Reply) {
    let top = top(reply);
    assert_eq!(top["housenumber"], "8", "{top}");
    assert_eq!(top["street"], "Rue de Rivoli", "{top}");
    assert_eq!(top["postcode"], "75004", "{top}");
}

/// The server is alive and right.
#[track_caller]
fn still_answers() {
    is_rivoli(&server().get(CANARY));
}

#[track_caller]
fn json_error(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.short());
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{}",
        reply.short()
    );
    let body = reply.json();
    for field in ["title", "description"] {
        assert!(
            body[field].as_str().is_some_and(|s| !s.is_empty()),
            "no {field} in {body}"
        );
    }
}

/// A 4xx from the HTTP layer, before any handler: no body, or a JSON error.
#[track_caller]
fn http_refusal(reply: &Reply) {
    assert!((400..500).contains(&reply.status), "{}", reply.short());
    if !reply.body.is_empty() {
        json_error(reply, reply.status);
    }
}

/// Runs `send`, checks its answer with `check`, then checks the server still answers.
#[track_caller]
fn case(name: &str, send: impl FnOnce() -> Reply, check: impl FnOnce(&Reply)) {
    let reply = send();
    eprintln!("case {name}: {}", reply.status);
    check(&reply);
    still_answers();
}

fn get(target: &str) -> impl FnOnce() -> Reply + '_ {
    move || server().get(target)
}

fn error(status: u16) -> impl Fn(&Reply) {
    move |reply| json_error(reply, status)
}

#[test]
fn query_text() {
    let _serial = serial();
    let long = |n: usize| format!("/search/?q={}", "a".repeat(n));
    case("q of 10 kB", get(&long(10_000)), error(413));
    case("q of 60 kB", get(&long(60_000)), error(413));
    // Over hyper's URI limit (64 kB: 414) or its request-head buffer (~400 kB: 431), refused
    // before the handler.
    case("q of 300 kB", get(&long(300_000)), http_refusal);
    case("q of 1 MB", get(&long(1 << 20)), http_refusal);
    case("NUL byte", get("/search/?q=8+rue%00de+rivoli"), error(400));
    case(
        "SOH control",
        get("/search/?q=8+rue%01de+rivoli"),
        error(400),
    );
    case(
        "ESC control",
        get("/search/?q=8+rue+%1b[31mrivoli"),
        error(400),
    );
    case("DEL", get("/search/?q=8+rue+de+rivoli%7F"), error(400));
    case("tab", get("/search/?q=8%09rue+de+rivoli"), error(400));
    case(
        "CR LF",
        get("/search/?q=8+rue%0D%0AX-Injected:+1"),
        error(400),
    );
    case(
        "lone %",
        get("/search/?q=8+rue+de+rivoli+paris+%25"),
        is_rivoli,
    );
    case(
        "bad percent escape",
        get("/search/?q=8+rue+de+rivoli+paris+%zz"),
        is_rivoli,
    );
    case(
        "percent at end",
        get("/search/?q=8+rue+de+rivoli+paris%"),
        is_rivoli,
    );
    case(
        "invalid UTF-8 %FF",
        get("/search/?q=8+rue+%FF+rivoli"),
        error(400),
    );
    case(
        "truncated UTF-8",
        get("/search/?q=8+rue+de+rivoli+%C3"),
        error(400),
    );
    case(
        "UTF-16 surrogate",
        get("/search/?q=rivoli%ED%A0%80"),
        error(400),
    );
    case("overlong UTF-8", get("/search/?q=rivoli%C0%AF"), error(400));
    case(
        "invalid UTF-8 in a name",
        get("/search/?q=rivoli&%FF=1"),
        error(400),
    );
    case(
        "raw byte 0xFF in the request line",
        || server().exchange(&request("GET", b"/search/?q=rivoli\xff", &[], b"")),
        http_refusal,
    );
    case(
        "raw space in the request line",
        || {
            server()
                .exchange(b"GET /search/?q=8 rue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        },
        http_refusal,
    );
    let e_acute = "%C3%A9";
    case(
        "201 two-byte characters",
        get(&format!("/search/?q={}", e_acute.repeat(201))),
        error(413),
    );
    case(
        "200 characters exactly",
        get(&format!("/search/?q={}", "rivoli+".repeat(28) + "rivo")),
        |reply| {
            assert_eq!(reply.status, 200, "{}", reply.short());
            assert!(reply.json()["features"].is_array());
        },
    );
    case(
        "right-to-left override",
        get("/search/?q=%E2%80%AE8+rue+de+rivoli+paris"),
        is_rivoli,
    );
    case(
        "only punctuation",
        get("/search/?q=%21%21%3F%3F%2C%2C"),
        |reply| {
            assert_eq!(reply.status, 200, "{}", reply.short());
            assert_eq!(reply.json()["features"], serde_json::json!([]));
        },
    );
    case("only spaces", get("/search/?q=%20%20%20+++"), error(400));
}

#[test]
fn numbers() {
    let _serial = serial();
    for limit in [
        "0",
        "-1",
        "1e9",
        "abc",
        "",
        "101",
        "18446744073709551616",
        "2.5",
    ] {
        case(
            &format!("limit={limit}"),
            get(&format!("/search/?q=rivoli&limit={limit}")),
            error(400),
        );
    }
    case(
        "limit= 3 (spaces)",
        get("/search/?q=rue&limit=+3+"),
        |reply| {
            assert_eq!(reply.json()["features"].as_array().unwrap().len(), 3);
        },
    );
    for (lat, lon) in [
        ("NaN", "2.35"),
        ("48.85", "Infinity"),
        ("-inf", "2.35"),
        ("1e308", "2.35"),
        ("90.0000001", "2.35"),
        ("-90.0000001", "2.35"),
        ("48.85", "180.0000001"),
        ("48,85", "2.35"),
        ("", "2.35"),
        ("0x30", "2.35"),
    ] {
        case(
            &format!("search lat={lat} lon={lon}"),
            get(&format!("/search/?q=rivoli&lat={lat}&lon={lon}")),
            error(400),
        );
    }
    case(
        "search biased to Paris",
        get("/search/?q=8+rue+de+rivoli&lat=48.8556&lon=2.3530"),
        is_rivoli,
    );
    for (lon, lat, radius) in [
        ("1e308", "48.85", "100"),
        ("2.35", "NaN", "100"),
        ("2.35", "48.85", "-1"),
        ("2.35", "48.85", "NaN"),
        ("2.35", "48.85", "1e400"),
    ] {
        case(
            &format!("reverse lon={lon} lat={lat} radius={radius}"),
            get(&format!("/reverse/?lon={lon}&lat={lat}&radius={radius}")),
            error(400),
        );
    }
    case(
        "reverse limit=1e9",
        get("/reverse/?lon=2.35&lat=48.85&limit=1e9"),
        error(400),
    );
    for (lon, lat) in [("0", "90"), ("180", "-90"), ("-180", "0")] {
        case(
            &format!("reverse at the edge {lon},{lat}"),
            get(&format!("/reverse/?lon={lon}&lat={lat}")),
            |reply| {
                assert_eq!(reply.status, 200, "{}", reply.short());
                // Nothing of Paris or Hautes-Alpes is within 10 km of these points.
                assert_eq!(reply.json()["features"], serde_json::json!([]));
            },
        );
    }
    case(
        "reverse in Paris",
        get("/reverse/?lon=2.3522&lat=48.8566"),
        |reply| {
            let top = top(reply);
            assert!(
                top["citycode"].as_str().unwrap().starts_with("751"),
                "{top}"
            );
        },
    );
}

#[test]
fn repeated_and_unknown_parameters() {
    let _serial = serial();
    case(
        "q twice: the first counts",
        get("/search/?q=8+rue+de+rivoli+paris&q=zzzz"),
        is_rivoli,
    );
    case(
        "limit twice",
        get("/search/?q=rue&limit=2&limit=50"),
        |reply| {
            assert_eq!(reply.json()["features"].as_array().unwrap().len(), 2);
        },
    );
    case(
        "type twice: ORed",
        get("/search/?q=gap&type=street&type=municipality&limit=20"),
        |reply| {
            let features = reply.json()["features"].as_array().unwrap().clone();
            assert!(!features.is_empty());
            for f in features {
                let kind = f["properties"]["type"].as_str().unwrap().to_string();
                assert!(kind == "street" || kind == "municipality", "{kind}");
            }
        },
    );
    case(
        "unknown parameters are ignored",
        get("/search/?foo=bar&q=8+rue+de+rivoli+paris&debug=1&format=xml"),
        is_rivoli,
    );
    let many: String = (0..1000).map(|i| format!("p{i}=v&")).collect();
    case(
        "a thousand unknown parameters",
        get(&format!("/search/?{many}q=8+rue+de+rivoli+paris")),
        is_rivoli,
    );
    case(
        "empty names and values",
        get("/search/?&&=&=x&q=8+rue+de+rivoli+paris&"),
        is_rivoli,
    );
    case("q[] is not q", get("/search/?q[]=rivoli"), error(400));
}

#[test]
fn http_level() {
    let _serial = serial();
    let big = "x".repeat(64 * 1024);
    case(
        "a 64 kB header",
        || server().exchange(&request("GET", CANARY.as_bytes(), &[("X-Big", &big)], b"")),
        is_rivoli,
    );
    let huge = "x".repeat(1 << 20);
    case(
        "a 1 MB header",
        || {
            server().exchange(&request(
                "GET",
                CANARY.as_bytes(),
                &[("X-Huge", &huge)],
                b"",
            ))
        },
        http_refusal,
    );
    let names: Vec<String> = (0..500).map(|i| format!("X-H{i}")).collect();
    let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    case(
        "500 headers",
        || server().exchange(&request("GET", CANARY.as_bytes(), &headers, b"")),
        http_refusal,
    );
    case(
        "not HTTP",
        || server().exchange(b"HELLO THERE\r\n\r\n"),
        http_refusal,
    );
    case(
        "HTTP/1.0 without Host",
        || server().exchange(format!("GET {CANARY} HTTP/1.0\r\n\r\n").as_bytes()),
        is_rivoli,
    );
    case(
        "two pipelined requests",
        || {
            let one = format!("GET {CANARY} HTTP/1.1\r\nHost: x\r\n\r\n");
            let two = format!("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            server().exchange(format!("{one}{two}").as_bytes())
        },
        |reply| {
            // Both answers came on the one connection: the first (its Content-Length) is the
            // search, the second follows it.
            let length: usize = reply.header("content-length").unwrap().parse().unwrap();
            let first = net::parse_reply(
                &[b"HTTP/1.1 200 OK\r\n\r\n".as_slice(), &reply.body[..length]].concat(),
            );
            is_rivoli(&first);
            let rest = String::from_utf8_lossy(&reply.body[length..]);
            assert!(
                rest.starts_with("HTTP/1.1 200"),
                "no second answer in {rest}"
            );
        },
    );
    case(
        "Content-Length and Transfer-Encoding both",
        || {
            server().exchange(
                b"POST /search/csv/ HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
            )
        },
        http_refusal,
    );
    case(
        "invalid chunk size",
        || {
            server().exchange(
                format!("POST /search/csv/ HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", multipart_type()).as_bytes(),
            )
        },
        |reply| {
            if reply.status == 400 && !reply.body.is_empty() {
                json_error(reply, 400)
            } else {
                http_refusal(reply)
            }
        },
    );
    case(
        "DELETE",
        || server().exchange(&request("DELETE", CANARY.as_bytes(), &[], b"")),
        error(405),
    );
    case(
        "path traversal",
        get("/search/../../etc/passwd"),
        error(404),
    );
    case(
        "encoded traversal",
        get("/%2e%2e/%2e%2e/etc/passwd"),
        error(404),
    );
    case(
        "a 10 kB path",
        get(&format!("/{}", "a/".repeat(5_000))),
        error(404),
    );
    case(
        "a 100 kB path",
        get(&format!("/{}", "a/".repeat(50_000))),
        http_refusal,
    );
}

/// The rows of a CSV answer, split on `;` or `,` as the input was.
fn csv_rows(reply: &Reply, delimiter: u8) -> Vec<csv::StringRecord> {
    assert_eq!(reply.status, 200, "{}", reply.short());
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(reply.body.as_slice())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

fn post_batch(params: &[(&str, &str)], file: Option<&[u8]>) -> Reply {
    let body = multipart(params, file);
    server().exchange(&request(
        "POST",
        b"/search/csv/",
        &[("Content-Type", &multipart_type())],
        &body,
    ))
}

/// Index of a column in a CSV answer's header.
fn column(reply: &Reply, delimiter: u8, name: &str) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(reply.body.as_slice());
    reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no {name} column"))
}

#[test]
fn batch_uploads() {
    let _serial = serial();
    // 10,000 columns, the address in the first.
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let mut wide = header.join(";");
    wide.push('\n');
    wide.push_str("8 rue de rivoli paris");
    wide.push_str(&";x".repeat(9_999));
    wide.push('\n');
    case(
        "a CSV of 10,000 columns",
        || post_batch(&[("columns", "c0")], Some(wide.as_bytes())),
        |reply| {
            let rows = csv_rows(reply, b';');
            assert_eq!(rows.len(), 1);
            let label = &rows[0][column(reply, b';', "result_label")];
            assert!(label.contains("Rivoli"), "{label}");
            assert_eq!(rows[0].len(), 10_000 + 18);
        },
    );
    case(
        "no data part",
        || post_batch(&[("columns", "a")], None),
        error(400),
    );
    case(
        "two data parts",
        || {
            let mut body = multipart(&[], Some(b"a\nb\n"));
            body.truncate(body.len() - format!("--{}--\r\n", net::BOUNDARY).len());
            body.extend_from_slice(&multipart(&[], Some(b"c\nd\n")));
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", &multipart_type())],
                &body,
            ))
        },
        error(400),
    );
    case(
        "no boundary",
        || {
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", "multipart/form-data")],
                b"adresse\nrivoli\n",
            ))
        },
        error(400),
    );
    case(
        "not multipart",
        || {
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", "application/json")],
                b"{\"q\": \"rivoli\"}",
            ))
        },
        error(400),
    );
    case(
        "empty body",
        || {
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", &multipart_type())],
                b"",
            ))
        },
        error(400),
    );
    let long_value = "c".repeat(20_000);
    case(
        "a 20 kB parameter",
        || post_batch(&[("columns", &long_value)], Some(b"a\nb\n")),
        error(400),
    );
    case(
        "an unknown column",
        || post_batch(&[("columns", "nope")], Some(b"adresse\nrivoli\n")),
        error(400),
    );
    case(
        "an unknown encoding",
        || post_batch(&[("encoding", "klingon")], Some(b"adresse\nrivoli\n")),
        error(400),
    );
    case(
        "a two-character delimiter",
        || post_batch(&[("delimiter", ";;")], Some(b"adresse\nrivoli\n")),
        error(400),
    );
    case(
        "declared 1 GiB, over the limit",
        || {
            server().exchange(
                format!("POST /search/csv/ HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", multipart_type(), 1u64 << 30).as_bytes(),
            )
        },
        error(413),
    );
    // Truncated multipart: the closing boundary never comes.
    let full = multipart(&[], Some(b"adresse\n8 rue de rivoli paris\n"));
    let truncated = &full[..full.len() - 20];
    case(
        "a truncated multipart body (file first)",
        || {
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", &multipart_type())],
                truncated,
            ))
        },
        error(400),
    );
    // A gzip bomb: 200 MB of zeros in ~200 kB. The server never inflates request bodies, so
    // it is bytes, whatever the headers claim.
    let bomb = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..200 {
            encoder.write_all(&zeros).unwrap();
        }
        encoder.finish().unwrap()
    };
    case(
        "a gzip bomb as Content-Encoding",
        || {
            server().exchange(&request(
                "POST",
                b"/search/csv/",
                &[
                    ("Content-Type", &multipart_type()),
                    ("Content-Encoding", "gzip"),
                ],
                &bomb,
            ))
        },
        error(400),
    );
    case(
        "a gzip bomb as the file",
        || post_batch(&[], Some(&bomb)),
        error(400),
    );
}

/// A single CSV field of 100 MB: the row is marked as an error, the next row is geocoded, and
/// the server's memory stays bounded by a small multiple of the field.
#[test]
fn a_100_mb_field() {
    let _serial = serial();
    let field_bytes = 100 << 20;
    let mut file = Vec::with_capacity(field_bytes + 100);
    file.extend_from_slice(b"adresse\n\"");
    file.resize(file.len() + field_bytes, b'a');
    file.extend_from_slice(b"\"\n8 rue de rivoli paris\n");
    let body = multipart(&[("columns", "adresse")], Some(&file));
    drop(file);
    let raw = request(
        "POST",
        b"/search/csv/",
        &[("Content-Type", &multipart_type())],
        &body,
    );
    drop(body);
    still_answers();
    let measured = net::reset_peak_rss();
    let (before, _) = net::rss().unwrap_or((0, 0));
    let reply = server().exchange(&raw);
    let (_, peak) = net::rss().unwrap_or((0, 0));
    drop(raw);
    assert!(reply.complete, "{}", reply.short());
    let rows = csv_rows(&reply, b',');
    eprintln!(
        "100 MB answer: {} bytes; {}",
        reply.body.len(),
        String::from_utf8_lossy(&reply.body[reply.body.len().saturating_sub(300)..])
    );
    assert_eq!(rows.len(), 2);
    let status = column(&reply, b',', "result_status");
    assert!(rows[0][status].starts_with("error"), "{}", &rows[0][status]);
    assert_eq!(rows[1][status].to_string(), "ok");
    assert!(rows[1][column(&reply, b',', "result_label")].contains("Rivoli"));
    if measured {
        // The test's own request (100 MB) and the echoed answer (100 MB) are in this process
        // too; the server may hold the record and its output once each.
        let grown = peak.saturating_sub(before) >> 20;
        eprintln!("peak RSS grew by {grown} MiB for a 100 MiB field");
        assert!(grown < 800, "peak RSS grew by {grown} MiB");
    }
    drop(reply);
    still_answers();
}

#[test]
fn slow_clients() {
    let _serial = serial();
    case(
        "headers that never end",
        || {
            let mut stream = server().connect();
            stream
                .write_all(b"GET /search/?q=rivoli HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            net::read_reply(&mut stream)
        },
        |reply| {
            // hyper closes the connection (with a 408 or silently) once the deadline passes.
            assert!(
                reply.closed_silently || reply.status == 408,
                "{}",
                reply.short()
            );
        },
    );
    case(
        "headers sent a byte every 200 ms",
        || {
            let mut stream = server().connect();
            let head = format!("GET {CANARY} HTTP/1.1\r\nHost: x\r\nX-Slow: slow\r\n\r\n");
            for byte in head.bytes() {
                if stream.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            net::read_reply(&mut stream)
        },
        |reply| {
            // The deadline is for the whole head, not between bytes.
            assert!(
                reply.closed_silently || reply.status == 408,
                "{}",
                reply.short()
            );
        },
    );
    let file = b"adresse\n8 rue de rivoli paris\n".to_vec();
    let body = multipart(&[], Some(&file));
    case(
        "a body that stalls (file first)",
        || {
            let mut stream = server().connect();
            let raw = request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", &multipart_type())],
                &body,
            );
            let cut = raw.len() - 30;
            stream.write_all(&raw[..cut]).unwrap();
            net::read_reply(&mut stream)
        },
        error(400),
    );
    let streamed = multipart(&[("columns", "adresse")], Some(&file));
    case(
        "a slow body that keeps moving",
        || {
            let mut stream = server().connect();
            let raw = request(
                "POST",
                b"/search/csv/",
                &[("Content-Type", &multipart_type())],
                &streamed,
            );
            for piece in raw.chunks(raw.len() / 8 + 1) {
                stream.write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(300));
            }
            net::read_reply(&mut stream)
        },
        |reply| {
            let rows = csv_rows(reply, b',');
            assert!(rows[0][column(reply, b',', "result_label")].contains("Rivoli"));
        },
    );
}
