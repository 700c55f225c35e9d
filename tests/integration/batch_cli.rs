//! `adresse geocode` and `adresse reverse-geocode`, run as the real binary on the real-data
//! index: the same answers as the library, CSV and GeoJSON output, standard input and output,
//! a summary, and clear errors naming the file.

use crate::common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use adresse::search::SearchRequest;
use common::{fixture_index, geocoder, sample_rows, temp_dir};

fn adresse(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adresse"))
        .args(args)
        .arg("--index")
        .arg(fixture_index())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn rows_of(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn geocode_writes_the_same_answers_as_the_library_and_a_summary() {
    let dir = temp_dir("cli-geocode");
    let rows = sample_rows("adresses-05.csv.gz", 2000);
    let mut text = String::from("numero;voie;commune\n");
    for row in &rows {
        text.push_str(&format!(
            "{}{};{};{}\n",
            row.numero, row.rep, row.nom_voie, row.nom_commune
        ));
    }
    let input = dir.join("in.csv");
    std::fs::write(&input, &text).unwrap();
    let output = dir.join("out.csv");
    let run = adresse(
        &[
            "geocode",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--columns",
            "numero",
            "--columns",
            "voie",
            "--columns",
            "commune",
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("{} rows in", rows.len())) && stderr.contains("ok"),
        "{stderr}"
    );
    let out = rows_of(&std::fs::read(&output).unwrap(), b';');
    assert_eq!(out.len(), rows.len() + 1);
    let id = out[0].iter().position(|h| h == "result_id").unwrap();
    let mut same_as_expected = 0;
    for (row, line) in rows.iter().zip(&out[1..]) {
        let q = format!(
            "{}{} {} {}",
            row.numero, row.rep, row.nom_voie, row.nom_commune
        );
        let hits = geocoder()
            .search(&SearchRequest {
                q,
                limit: 2,
                autocomplete: false,
                near: None,
                filters: Default::default(),
            })
            .unwrap();
        let snapshot = geocoder().snapshot();
        let best = adresse::result_view::ResultView::of(&snapshot, &hits[0]).unwrap();
        assert_eq!(line[id], best.id);
        same_as_expected += usize::from(line[id] == row.id);
    }
    assert!(same_as_expected as f64 >= 0.97 * rows.len() as f64);
}

#[test]
fn geocode_reads_stdin_and_writes_geojson_to_stdout() {
    let input = "adresse,ville\n33 Rue Pérolière,Gap\nnulle part du tout,Zzyzx\n";
    let run = adresse(
        &["geocode", "-", "-o", "-", "--format", "geojson"],
        Some(input.as_bytes()),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["type"], "FeatureCollection");
    let features = json["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["properties"]["adresse"], "33 Rue Pérolière");
    assert_eq!(features[0]["properties"]["result_id"], "05061_1620_00033");
    let coordinates = features[0]["geometry"]["coordinates"].as_array().unwrap();
    assert!((coordinates[0].as_f64().unwrap() - 6.08).abs() < 0.1);
    // Whatever the second row finds, its status says so and its geometry matches.
    let second = &features[1];
    match second["properties"]["result_status"].as_str().unwrap() {
        "ok" => assert!(second["geometry"].is_object()),
        "not-found" => assert!(second["geometry"].is_null()),
        other => panic!("unexpected status {other}"),
    }
}

#[test]
fn reverse_geocode_finds_the_nearest_address() {
    let run = adresse(
        &["reverse-geocode", "-", "-o", "-"],
        Some(b"name,lat,lon\nmairie,44.5594,6.0794\nnowhere,abc,1\n"),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = rows_of(&run.stdout, b',');
    let city = out[0].iter().position(|h| h == "result_city").unwrap();
    let status = out[0].iter().position(|h| h == "result_status").unwrap();
    assert_eq!(out[1][city], "Gap");
    assert!(out[2][status].starts_with("error:"));
    // The bad row is reported on stderr with its line.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("-:3: latitude"), "{stderr}");
}

#[test]
fn a_missing_column_fails_with_a_message_naming_the_file() {
    let dir = temp_dir("cli-errors");
    let input = dir.join("adresses.csv");
    std::fs::write(&input, "adresse\n8 rue de Rivoli Paris\n").unwrap();
    let run = adresse(
        &[
            "geocode",
            input.to_str().unwrap(),
            "-o",
            dir.join("out.csv").to_str().unwrap(),
            "--columns",
            "voie",
        ],
        None,
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("adresses.csv") && stderr.contains("\"voie\""),
        "{stderr}"
    );
    let missing = adresse(&["geocode", "/nonexistent.csv", "-o", "-"], None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent.csv"));
}

/// An input that fails partway (a broken upload, a disk error) stops the batch with an error
/// that names the line, and every chunk geocoded before the failure is written first: with
/// 1,024-row chunks and a failure in the third, the first 2,048 rows are in the output.
#[test]
fn rows_read_before_the_input_fails_are_written() {
    use adresse::batch::{BatchKind, BatchOptions, ColumnOptions, Format, Job};

    /// Gives `data`, then fails.
    struct FailingAfter {
        data: std::io::Cursor<Vec<u8>>,
    }
    impl std::io::Read for FailingAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(std::io::Error::other("the upload was cut")),
                n => Ok(n),
            }
        }
    }

    let rows = sample_rows("adresses-75.csv.gz", 40);
    assert!(rows.len() > 2_500, "{}", rows.len());
    let mut text = String::from("adresse,commune\n");
    for row in &rows[..2_500] {
        text.push_str(&format!(
            "{}{} {},Paris\n",
            row.numero, row.rep, row.nom_voie
        ));
    }
    let input = FailingAfter {
        data: std::io::Cursor::new(text.into_bytes()),
    };
    let options = BatchOptions {
        kind: BatchKind::Search,
        columns: ColumnOptions {
            columns: vec!["adresse".into(), "commune".into()],
            ..Default::default()
        },
        dialect: Default::default(),
        format: Format::default(),
    };
    let job = Job::prepare(geocoder().clone(), input, options).unwrap();
    let mut output = Vec::new();
    let error = job.run(&mut output, |_| {}).unwrap_err().to_string();
    assert!(error.contains("the upload was cut"), "{error}");
    let written = rows_of(&output, b',');
    assert_eq!(written.len(), 1 + 2_048);
    let status = written[0]
        .iter()
        .position(|h| h == "result_status")
        .unwrap();
    assert!(written[1..].iter().all(|row| row[status] == "ok"));
}
