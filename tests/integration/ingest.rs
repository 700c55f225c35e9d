//! Ingest of malformed files: bad rows are skipped and reported with their line, a wrong header
//! or a truncated gzip fails the file, and the index being served is never damaged.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};

use adresse::ingest::{ban_csv::BAN_COLUMNS, ingest};
use adresse::search::{Filters, SearchRequest};
use adresse::{Error, Geocoder};
use common::{data_dir, temp_dir};

const GOOD: &str = "05061_1620_00033;;33;;Rue Pérolière;05000;05061;Gap;05061;Gap;944549.61;6389316.85;6.080041;44.559998;entrée;;;GAP;RUE PEROLIERE;commune;commune;1;";

fn row(numero: &str, nom_voie: &str, lon: &str, lat: &str) -> String {
    format!("05061_1620_{numero:0>5};;{numero};;{nom_voie};05000;05061;Gap;;;944549.61;6389316.85;{lon};{lat};entrée;;;GAP;X;commune;commune;1;")
}

fn write_csv(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "{}", BAN_COLUMNS.join(";")).unwrap();
    for line in lines {
        file.write_all(line.as_bytes()).unwrap();
        file.write_all(b"\n").unwrap();
    }
    path
}

fn search_first_id(geocoder: &Geocoder, q: &str) -> Option<String> {
    let request = SearchRequest {
        q: q.into(),
        limit: 1,
        autocomplete: false,
        near: None,
        filters: Filters::default(),
    };
    let hit = geocoder.search(&request).unwrap().into_iter().next()?;
    Some(hit.housenumber.map(|h| h.id).unwrap_or_default())
}

#[test]
fn bad_rows_are_skipped_and_reported_with_their_line() {
    let dir = temp_dir("ingest-bad-rows");
    let csv = write_csv(
        &dir,
        "adresses-05.csv",
        &[
            GOOD.to_string(),                               // line 2
            row("1", "Rue A", "", "44.56"),                 // 3: missing lon
            row("2", "Rue A", "6.08", "north"),             // 4: lat not a number
            row("3", "Rue A", "0", "0"),                    // 5: outside France
            row("4", "", "6.08", "44.56"),                  // 6: empty street name
            "05061_1620_00005;;5;;Rue A;05000".to_string(), // 7: wrong column count
            row("abc", "Rue A", "6.08", "44.56"),           // 8: numero not a number
        ],
    );
    let index = dir.join("index");
    let report = ingest(&[csv], Some(&data_dir().join("ref")), &index, |_| {}).unwrap();
    assert_eq!(report.manifest.rows_read, 7);
    assert_eq!(report.manifest.rows_rejected, 6);
    assert_eq!(report.manifest.housenumbers, 1);
    let lines: Vec<(u64, &str)> = report
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    let expect = [
        (3, "missing lon"),
        (4, "lat"),
        (5, "outside France"),
        (6, "empty street name"),
        (7, "fields"),
        (8, "numero"),
    ];
    assert_eq!(lines.len(), expect.len(), "{lines:?}");
    for ((line, reason), (want_line, want_reason)) in lines.iter().zip(expect) {
        assert_eq!(*line, want_line, "{reason}");
        assert!(
            reason.contains(want_reason),
            "line {line}: {reason:?} should mention {want_reason:?}"
        );
    }
    assert!(report.rejected[0]
        .to_string()
        .contains("adresses-05.csv:3:"));
    let geocoder = Geocoder::open(&index).unwrap();
    assert_eq!(
        search_first_id(&geocoder, "33 rue perolière gap").as_deref(),
        Some("05061_1620_00033")
    );
}

#[test]
fn a_file_that_is_not_a_ban_export_fails_naming_the_expected_columns() {
    let dir = temp_dir("ingest-bad-header");
    let path = dir.join("other.csv");
    std::fs::write(&path, "name,lon,lat\nfoo,1,2\n").unwrap();
    let err = ingest(
        &[path],
        Some(&data_dir().join("ref")),
        &dir.join("index"),
        |_| {},
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::Input(_)));
    assert!(
        message.contains("other.csv:1")
            && message.contains("nom_voie")
            && message.contains("code_insee"),
        "{message}"
    );
}

#[test]
fn a_truncated_gzip_fails_and_the_served_index_stays_in_place() {
    let dir = temp_dir("ingest-truncated");
    let index = dir.join("index");
    let good = write_csv(&dir, "adresses-05.csv", &[GOOD.to_string()]);
    ingest(&[good], Some(&data_dir().join("ref")), &index, |_| {}).unwrap();
    let before = std::fs::read_link(index.join("current")).unwrap();

    let real = std::fs::read(data_dir().join("ban/adresses-05.csv.gz")).unwrap();
    let truncated = dir.join("adresses-05-truncated.csv.gz");
    std::fs::write(&truncated, &real[..real.len() / 2]).unwrap();
    let err = ingest(&[truncated], Some(&data_dir().join("ref")), &index, |_| {}).unwrap_err();
    assert!(
        err.to_string().contains("adresses-05-truncated.csv.gz"),
        "{err}"
    );

    assert_eq!(std::fs::read_link(index.join("current")).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(&index)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
    let geocoder = Geocoder::open(&index).unwrap();
    assert_eq!(
        search_first_id(&geocoder, "33 rue perolière gap").as_deref(),
        Some("05061_1620_00033")
    );
}

#[test]
fn an_incompatible_or_half_written_index_is_refused_with_advice() {
    let dir = temp_dir("ingest-refuse");
    let index = dir.join("index");
    let good = write_csv(&dir, "adresses-05.csv", &[GOOD.to_string()]);
    let report = ingest(&[good], Some(&data_dir().join("ref")), &index, |_| {}).unwrap();
    let manifest_path = report.generation.join("manifest.json");

    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        &manifest_path,
        manifest.replace(
            &format!("\"version\": {}", adresse::index::layout::FORMAT_VERSION),
            "\"version\": 999",
        ),
    )
    .unwrap();
    let message = Geocoder::open(&index).err().unwrap().to_string();
    assert!(
        message.contains("v999") && message.contains("adresse ingest"),
        "{message}"
    );

    std::fs::remove_file(&manifest_path).unwrap();
    let message = Geocoder::open(&index).err().unwrap().to_string();
    assert!(
        message.contains("half-written") && message.contains("adresse ingest"),
        "{message}"
    );

    let message = Geocoder::open(&dir.join("nothing-here"))
        .err()
        .unwrap()
        .to_string();
    assert!(message.contains("adresse ingest"), "{message}");
}

#[test]
fn the_real_files_ingest_without_a_rejected_row() {
    let dir = temp_dir("ingest-real");
    let files = adresse::ingest::source_files(&[data_dir().join("ban")]).unwrap();
    let report = ingest(
        &files,
        Some(&data_dir().join("ref")),
        &dir.join("index"),
        |_| {},
    )
    .unwrap();
    let m = &report.manifest;
    assert_eq!(
        (m.rows_read, m.rows_rejected, m.housenumbers),
        (236_825, 0, 236_825)
    );
    // 161 communes of Hautes-Alpes, 20 arrondissements and Paris itself.
    assert_eq!(m.municipalities, 182);
    assert!(m.streets > 16_000 && m.localities > 2_000, "{m:?}");
}

#[test]
fn ingest_works_with_the_built_in_reference_data() {
    let dir = temp_dir("ingest-builtin-ref");
    let good = write_csv(&dir, "adresses-05.csv", &[GOOD.to_string()]);
    let report = ingest(&[good], None, &dir.join("index"), |_| {}).unwrap();
    assert_eq!(report.manifest.housenumbers, 1);
    let geocoder = Geocoder::open(&dir.join("index")).unwrap();
    let hit = geocoder
        .search(&SearchRequest {
            q: "gap".into(),
            limit: 1,
            autocomplete: false,
            near: None,
            filters: Filters::default(),
        })
        .unwrap();
    let place = geocoder.index().place(hit[0].place).unwrap();
    assert_eq!(place.population, Some(41_293));
    assert_eq!(
        place.context,
        "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur"
    );
}
