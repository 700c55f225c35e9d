//! POST /search/csv/ and /reverse/csv/ over HTTP, in-process, on the real data: real addresses
//! found with their BAN id and the same answer as /search, every dialect and encoding a
//! spreadsheet writes, and bad rows that only mark themselves.

use crate::common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use adresse::server::{app_with, ServerConfig};
use common::{enc, geocoder, get, props, sample_rows};

/// A multipart form part.
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

const BOUNDARY: &str = "adresse-test-boundary-7d1f";

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"data\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Answer {
    status: StatusCode,
    disposition: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The output CSV as rows of fields (header first), read with `delimiter`.
    fn rows(&self, delimiter: u8) -> Vec<Vec<String>> {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        let text = String::from_utf8(self.body.clone()).expect("the output is UTF-8");
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }
}

async fn post_with(config: ServerConfig, uri: &str, parts: &[Part<'_>]) -> Answer {
    let request = Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(parts)))
        .unwrap();
    let response = app_with(geocoder().clone(), config)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let disposition = response
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        disposition,
        body,
    }
}

async fn post(uri: &str, parts: &[Part<'_>]) -> Answer {
    post_with(ServerConfig::default(), uri, parts).await
}

/// The value of `column` in each data row of an output.
fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

/// Real full addresses as users' files hold them: one column for the number and street, one
/// for the postcode, one for the city; the expected BAN id last.
fn real_address_csv(delimiter: char) -> (String, Vec<String>) {
    let mut rows = sample_rows("adresses-75.csv.gz", 1500);
    rows.extend(sample_rows("adresses-05.csv.gz", 700));
    let d = delimiter;
    let mut text = format!("ref{d}adresse{d}cp{d}ville{d}attendu\n");
    let mut ids = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(d as u8)
            .from_writer(Vec::new());
        writer
            .write_record([
                (i + 1).to_string(),
                format!("{}{} {}", row.numero, row.rep, row.nom_voie),
                row.code_postal.clone(),
                row.nom_commune.clone(),
                row.id.clone(),
            ])
            .unwrap();
        text.push_str(&String::from_utf8(writer.into_inner().unwrap()).unwrap());
        ids.push(row.id.clone());
    }
    (text, ids)
}

#[tokio::test]
async fn real_addresses_are_found_with_their_ban_id_street_and_status() {
    let (text, ids) = real_address_csv(',');
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("columns", "cp"),
            Part::Text("columns", "ville"),
            Part::File("mes adresses.csv", text.as_bytes()),
        ],
    )
    .await;
    assert_eq!(
        answer.disposition,
        "attachment; filename=\"mes_adresses.geocoded.csv\""
    );
    let rows = answer.rows(b',');
    assert_eq!(rows.len(), ids.len() + 1);
    // The input columns come back untouched, then the result columns of the public API.
    assert_eq!(&rows[0][..5], ["ref", "adresse", "cp", "ville", "attendu"]);
    assert_eq!(rows[0][5], "latitude");
    assert_eq!(rows[0].last().unwrap(), "result_status");
    let found = column(&rows, "result_id");
    let hits = found.iter().zip(&ids).filter(|(a, b)| a == b).count();
    let accuracy = hits as f64 / ids.len() as f64;
    println!(
        "batch top-1 on {} real addresses: {:.2}%",
        ids.len(),
        accuracy * 100.0
    );
    assert!(accuracy >= 0.98, "accuracy {accuracy}");
    for (status, street) in column(&rows, "result_status")
        .iter()
        .zip(column(&rows, "result_street"))
    {
        assert_eq!(status, "ok");
        assert!(!street.is_empty(), "result_street is filled");
    }
    for score in column(&rows, "result_score") {
        let score: f64 = score.parse().unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
}

#[tokio::test]
async fn each_row_gets_the_same_answer_as_search_with_the_same_filters() {
    let text = "adresse,cp,insee\n\
                8 rue de Rivoli,75004,\n\
                rue de la paix,,\n\
                33 Rue Pérolière Gap,,05061\n\
                12 avenue de la république,75011,\n\
                route de briançon,05100,\n\
                gare,,05061\n";
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("postcode", "cp"),
            Part::Text("citycode", "insee"),
            Part::File("f.csv", text.as_bytes()),
        ],
    )
    .await;
    let rows = answer.rows(b',');
    let (ids, scores, labels) = (
        column(&rows, "result_id"),
        column(&rows, "result_score"),
        column(&rows, "result_label"),
    );
    for (i, row) in rows[1..].iter().enumerate() {
        let mut uri = format!("/search/?q={}&autocomplete=0&limit=2", enc(&row[0]));
        if !row[1].is_empty() {
            uri.push_str(&format!("&postcode={}", row[1]));
        }
        if !row[2].is_empty() {
            uri.push_str(&format!("&citycode={}", row[2]));
        }
        let (status, body) = get(&uri).await;
        assert_eq!(status, 200);
        let best = props(&body)[0];
        assert_eq!(ids[i], best["id"].as_str().unwrap(), "{uri}");
        assert_eq!(labels[i], best["label"].as_str().unwrap(), "{uri}");
        // The same number written the same way in both answers; serde_json reads it within
        // an ulp (its exact reading is the `float_roundtrip` feature), `str::parse` exactly.
        let (in_csv, in_json) = (
            scores[i].parse::<f64>().unwrap(),
            best["score"].as_f64().unwrap(),
        );
        assert!(
            (in_csv - in_json).abs() <= 1e-15,
            "{uri}: {in_csv} {in_json}"
        );
    }
    // The filters were applied: the Rivoli row is in the 4th arrondissement.
    assert!(ids[0].starts_with("75104_"), "{}", ids[0]);
}

#[tokio::test]
async fn parameters_before_or_after_the_file_give_the_same_output() {
    let (text, _) = real_address_csv(';');
    let text: String = text.lines().take(120).map(|l| format!("{l}\n")).collect();
    let streamed = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("columns", "ville"),
            Part::File("a.csv", text.as_bytes()),
        ],
    )
    .await;
    let spooled = post(
        "/search/csv/",
        &[
            Part::File("a.csv", text.as_bytes()),
            Part::Text("columns", "adresse"),
            Part::Text("columns", "ville"),
        ],
    )
    .await;
    let in_query = post(
        "/search/csv/?columns=adresse&columns=ville",
        &[Part::File("a.csv", text.as_bytes())],
    )
    .await;
    assert_eq!(streamed.rows(b';').len(), 120);
    assert_eq!(streamed.body, spooled.body);
    assert_eq!(streamed.body, in_query.body);
}

#[tokio::test]
async fn latin1_semicolon_files_from_spreadsheets_come_out_right() {
    let text = "adresse;code postal;ville\r\n\
                33 Rue Pérolière;05000;Gap\r\n\
                4 Avenue de la République;05100;Briançon\r\n";
    let (latin1, _, lossy) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!lossy);
    assert!(std::str::from_utf8(&latin1).is_err(), "really not UTF-8");
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("columns", "ville"),
            Part::File("export.csv", &latin1),
        ],
    )
    .await;
    // A BOM, so that Excel reads the UTF-8 output's accents right; the CRLF line ends are kept.
    assert!(answer.body.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&answer.body).contains("\r\n"));
    let rows = answer.rows(b';');
    assert_eq!(rows[1][0], "33 Rue Pérolière");
    assert_eq!(rows[2][2], "Briançon");
    assert_eq!(
        column(&rows, "result_id"),
        ["05061_1620_00033", "05023_0710_00004"]
    );
    assert_eq!(column(&rows, "result_city")[1], "Briançon");
    assert_eq!(column(&rows, "result_status"), ["ok", "ok"]);
}

#[tokio::test]
async fn an_apostrophe_in_an_address_does_not_fool_the_delimiter() {
    // addok's sniffer takes the apostrophe for a quote character and fails the whole file.
    let text = "id;adresse;ville\n1;2 RUE L 'EST ' B;Gap\n2;33 Rue Pérolière;Gap\n";
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("columns", "ville"),
            Part::File("f.csv", text.as_bytes()),
        ],
    )
    .await;
    let rows = answer.rows(b';');
    assert_eq!(rows[1][1], "2 RUE L 'EST ' B");
    assert_eq!(rows.len(), 3);
    assert_eq!(column(&rows, "result_id")[1], "05061_1620_00033");
}

#[tokio::test]
async fn tabs_pipes_quotes_and_embedded_newlines_round_trip() {
    for (delimiter, name) in [(b'\t', "tab"), (b'|', "pipe")] {
        let d = delimiter as char;
        let text = format!("adresse{d}note\n33 Rue Pérolière Gap{d}\"deux\nlignes\"\n");
        let answer = post(
            "/search/csv/",
            &[
                Part::Text("columns", "adresse"),
                Part::File("f.csv", text.as_bytes()),
            ],
        )
        .await;
        let rows = answer.rows(delimiter);
        assert_eq!(rows[1][1], "deux\nlignes", "{name}");
        assert_eq!(column(&rows, "result_id"), ["05061_1620_00033"], "{name}");
    }
    // A declared delimiter and quote win over detection.
    let text = "a,dresse;ville\n'33 Rue Pérolière; bis';Gap\n";
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("delimiter", ";"),
            Part::Text("quote", "'"),
            Part::Text("columns", "ville"),
            Part::File("f.csv", text.as_bytes()),
        ],
    )
    .await;
    // The output keeps the file's own quote character.
    let output = String::from_utf8(answer.body).unwrap();
    assert!(output.starts_with("a,dresse;ville;"), "{output}");
    assert!(
        output.contains("\n'33 Rue Pérolière; bis';Gap;"),
        "{output}"
    );
}

#[tokio::test]
async fn a_bad_row_marks_only_itself() {
    let long = "x".repeat(10_000);
    let text = format!(
        "adresse,ville\n\
         33 Rue Pérolière,Gap\n\
         {long},Gap\n\
         8 rue de Rivoli,Paris,en trop\n\
         seul\n\
         ,\n\
         8 rue de Rivoli,Paris\n"
    );
    let answer = post("/search/csv/", &[Part::File("f.csv", text.as_bytes())]).await;
    let rows = answer.rows(b',');
    assert_eq!(rows.len(), 7, "every row is written");
    let status = column(&rows, "result_status");
    assert_eq!(status[0], "ok");
    assert!(
        status[1].starts_with("error: the address is 10004 characters"),
        "{}",
        status[1]
    );
    assert!(
        status[2].starts_with("error: the row has 3 columns"),
        "{}",
        status[2]
    );
    assert!(
        status[3].starts_with("error: the row has 1 columns"),
        "{}",
        status[3]
    );
    assert!(
        status[4].starts_with("error: the address columns are empty"),
        "{}",
        status[4]
    );
    assert_eq!(status[5], "ok");
    // Nothing of a row is lost: the surplus field stays in the last column.
    assert_eq!(rows[3][1], "Paris,en trop");
    assert_eq!(rows[2][0].len(), 10_000);
    assert_eq!(column(&rows, "result_id")[5], "75104_8249_00008");
}

#[tokio::test]
async fn invalid_bytes_under_a_declared_encoding_mark_the_row() {
    let mut text =
        b"adresse\n33 Rue P\xC3\xA9roli\xC3\xA8re Gap\n8 rue de l'\xC9glise Gap\n".to_vec();
    text.extend_from_slice(b"8 rue de Rivoli Paris\n");
    let answer = post(
        "/search/csv/",
        &[Part::Text("encoding", "utf-8"), Part::File("f.csv", &text)],
    )
    .await;
    let status = column(&answer.rows(b','), "result_status");
    assert_eq!(status[0], "ok");
    assert!(status[1].contains("not valid UTF-8"), "{}", status[1]);
    assert_eq!(status[2], "ok");
}

#[tokio::test]
async fn per_row_filters_and_bias_apply_and_bad_values_mark_the_row() {
    let text = "adresse,cp,type,lat,lon\n\
                rue de la paix,75002,,,\n\
                rue de la paix,,street,,\n\
                gap,,municipality,,\n\
                rue de la paix,750021,,,\n\
                rue de la paix,,house,,\n\
                rue de la paix,,,abc,2.3\n\
                route de gap,,,44.56,6.08\n";
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("columns", "adresse"),
            Part::Text("postcode", "cp"),
            Part::Text("type", "type"),
            Part::Text("lat", "lat"),
            Part::Text("lon", "lon"),
            Part::File("f.csv", text.as_bytes()),
        ],
    )
    .await;
    let rows = answer.rows(b',');
    let (status, postcode, kind) = (
        column(&rows, "result_status"),
        column(&rows, "result_postcode"),
        column(&rows, "result_type"),
    );
    assert_eq!(postcode[0], "75002");
    assert_eq!(kind[1], "street");
    assert_eq!(kind[2], "municipality");
    assert!(status[3].contains("postcode \"750021\""), "{}", status[3]);
    assert!(status[4].contains("type \"house\""), "{}", status[4]);
    assert!(status[5].contains("latitude \"abc\""), "{}", status[5]);
    assert_eq!(status[6], "ok");
    // The bias applies as in /search: the same answer, in Hautes-Alpes.
    let (_, body) = get("/search/?q=route+de+gap&autocomplete=0&limit=2&lat=44.56&lon=6.08").await;
    assert_eq!(
        column(&rows, "result_id")[6],
        props(&body)[0]["id"].as_str().unwrap()
    );
    assert!(column(&rows, "result_citycode")[6].starts_with("05"));
}

#[tokio::test]
async fn reverse_batches_find_the_nearest_address_and_mark_bad_coordinates() {
    let text = "id;latitude;longitude\n\
                1;44.5594;6.0794\n\
                2;abc;6.07\n\
                3;48,8566;2,3522\n\
                4;91;2\n\
                5;;\n";
    let answer = post(
        "/reverse/csv/",
        &[Part::File("points.csv", text.as_bytes())],
    )
    .await;
    let rows = answer.rows(b';');
    assert_eq!(rows[0][3], "result_latitude");
    let (status, city, distance) = (
        column(&rows, "result_status"),
        column(&rows, "result_city"),
        column(&rows, "result_distance"),
    );
    assert_eq!(status[0], "ok");
    assert_eq!(city[0], "Gap");
    assert!(distance[0].parse::<u64>().unwrap() < 100);
    assert!(status[1].contains("latitude \"abc\""), "{}", status[1]);
    assert_eq!(city[2], "Paris", "a decimal comma is read");
    assert!(status[3].contains("latitude \"91\""), "{}", status[3]);
    assert!(status[4].starts_with("error:"), "{}", status[4]);
    // The same answer as /reverse.
    let (_, body) = get("/reverse/?lat=44.5594&lon=6.0794").await;
    assert_eq!(
        column(&rows, "result_id")[0],
        props(&body)[0]["id"].as_str().unwrap()
    );
}

#[tokio::test]
async fn mistakes_the_caller_can_fix_are_json_400s_before_any_output() {
    let text = b"adresse,ville\n8 rue de Rivoli,Paris\n";
    let cases: Vec<(&str, Vec<Part>, &str)> = vec![
        (
            "/search/csv/",
            vec![Part::Text("columns", "adresse")],
            "part named \"data\"",
        ),
        (
            "/search/csv/",
            vec![Part::Text("columns", "voie"), Part::File("f.csv", text)],
            "\"voie\"",
        ),
        (
            "/search/csv/",
            vec![
                Part::Text("result_columns", "result_color"),
                Part::File("f.csv", text),
            ],
            "result_color",
        ),
        (
            "/search/csv/",
            vec![Part::Text("encoding", "utf-16"), Part::File("f.csv", text)],
            "encoding",
        ),
        (
            "/search/csv/",
            vec![Part::Text("delimiter", "ab"), Part::File("f.csv", text)],
            "delimiter",
        ),
        ("/search/csv/", vec![Part::File("f.csv", b"\n")], "empty"),
        ("/reverse/csv/", vec![Part::File("f.csv", text)], "latitude"),
    ];
    for (uri, parts, expected) in cases {
        let answer = post(uri, &parts).await;
        assert_eq!(
            answer.status,
            400,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        let json = answer.json();
        assert!(json["title"].is_string());
        let description = json["description"].as_str().unwrap();
        assert!(description.contains(expected), "{description}");
    }
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_413() {
    let config = ServerConfig {
        max_upload_bytes: 10_000,
        ..ServerConfig::default()
    };
    let text = "adresse\n".to_string() + &"8 rue de Rivoli Paris\n".repeat(1000);
    let answer = post_with(
        config,
        "/search/csv/",
        &[Part::File("big.csv", text.as_bytes())],
    )
    .await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json()["title"], "File too large");
}

#[tokio::test]
async fn chosen_result_columns_are_written_in_their_order() {
    let answer = post(
        "/search/csv/",
        &[
            Part::Text("result_columns", "result_id"),
            Part::Text("result_columns", "result_score"),
            Part::File("f.csv", b"adresse\n8 rue de Rivoli Paris\n"),
        ],
    )
    .await;
    let rows = answer.rows(b',');
    assert_eq!(rows[0], ["adresse", "result_id", "result_score"]);
    assert_eq!(rows[1][1], "75104_8249_00008");
}
