//! The body of each fuzz target: what any input must satisfy. `fuzz_targets/*.rs` hand
//! libFuzzer's bytes to these; `tests/integration/fuzz_corpora.rs` (main crate) replays the corpora
//! through them. A panic is a finding.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use adresse::batch::{
    BatchKind, BatchOptions, ColumnOptions, DialectOptions, Format, Job, TextEncoding,
};
use adresse::corrections::{bal, validation};
use adresse::search::{Filters, ParsedQuery, SearchRequest};

use super::{geocoder, index_to_damage, scratch_dir};

/// Builds and opens what the targets read (the two small indexes), so that no input pays
/// for it.
pub fn prepare() {
    let _ = geocoder();
    let _ = index_originals();
}

/// Query parsing and normalisation, then a whole search: any string must give a parse and an
/// answer (possibly empty), never a panic.
pub fn query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The HTTP layer refuses longer queries; the parser must still cope with any length.
    let _ = adresse::text::normalize(text);
    let _ = adresse::text::tokens(text);
    for autocomplete in [false, true] {
        let parsed = ParsedQuery::parse(text, autocomplete);
        for reading in &parsed.housenumbers {
            assert!(reading.token < parsed.tokens.len());
        }
    }
    if text.chars().count() <= 200 {
        let request = SearchRequest {
            q: text.to_string(),
            limit: 10,
            autocomplete: data.len() % 2 == 0,
            near: None,
            filters: Filters::default(),
        };
        let hits = geocoder().search(&request).expect("search failed");
        assert!(hits.len() <= 10);
    }
}

/// The BAN CSV reader, plain and gzipped: any bytes must give rows, rejected rows with a
/// reason, or an error — never a panic.
pub fn ban_csv(data: &[u8]) {
    // The first byte picks the file's name: `.csv.gz` feeds the bytes to the gzip decoder.
    let (gz, bytes) = match data.split_first() {
        Some((first, rest)) => (first & 1 == 1, rest),
        None => (false, data),
    };
    let name = if gz {
        "adresses-05.csv.gz"
    } else {
        "adresses-05.csv"
    };
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).unwrap();
    let mut rows = 0u64;
    let result = adresse::ingest::ban_csv::read_file(
        &path,
        |row| {
            rows += 1;
            let _ = row.voie_id();
            let _ = adresse::text::tokens(&row.nom_voie);
        },
        |rejected| assert!(!rejected.reason.is_empty(), "a reject without a reason"),
    );
    if let Ok(read) = result {
        assert!(rows <= read);
    }
}

/// The batch CSV reader with dialect detection (encodings, delimiters, quotes, BOMs), through
/// a whole forward or reverse job on the small index: any bytes must give an output or a
/// clear input error — never a panic.
pub fn batch_csv(data: &[u8]) {
    let Some((&choice, file)) = data.split_first() else {
        return;
    };
    let kind = if choice & 1 == 0 {
        BatchKind::Search
    } else {
        BatchKind::Reverse
    };
    let encoding = match (choice >> 1) & 3 {
        1 => Some(TextEncoding::from_label("utf-8").unwrap()),
        2 => Some(TextEncoding::from_label("latin1").unwrap()),
        _ => None,
    };
    let delimiter = match (choice >> 3) & 3 {
        1 => Some(b';'),
        2 => Some(b'\t'),
        _ => None,
    };
    let format = if choice & 0x20 == 0 {
        Format::Csv
    } else {
        Format::GeoJson
    };
    let options = BatchOptions {
        kind,
        columns: ColumnOptions::default(),
        dialect: DialectOptions {
            encoding,
            delimiter,
            ..DialectOptions::default()
        },
        format,
    };
    match Job::prepare(geocoder().clone(), file, options) {
        Ok(job) => {
            let mut out = Vec::new();
            let summary = job.run(&mut out, |_| {}).expect("an in-memory job failed");
            assert_eq!(
                summary.rows,
                summary.ok + summary.not_found + summary.errors
            );
        }
        Err(adresse::Error::Input(message)) => assert!(!message.is_empty()),
        Err(other) => panic!("not an input error: {other}"),
    }
}

const INDEX_FILES: [&str; 4] = [
    "manifest.json",
    "places.bin",
    "numbers.bin",
    "tantivy/meta.json",
];

/// The damaged index's generation directory and the good bytes of each file.
fn index_originals() -> &'static (PathBuf, Vec<Vec<u8>>) {
    static ORIGINALS: OnceLock<(PathBuf, Vec<Vec<u8>>)> = OnceLock::new();
    ORIGINALS.get_or_init(|| {
        let generation = std::fs::canonicalize(index_to_damage().join("current")).unwrap();
        let bytes = INDEX_FILES
            .iter()
            .map(|f| std::fs::read(generation.join(f)).unwrap())
            .collect();
        (generation, bytes)
    })
}

/// The on-disk index opener: a generation whose manifest, place table, housenumber store or
/// tantivy meta file is replaced by arbitrary bytes must be refused with an error (or, when
/// the bytes happen to be valid, opened) — never a panic, never a crash.
pub fn index_open(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let (generation, good) = index_originals();
    let which = choice as usize % INDEX_FILES.len();
    // Half the time the fuzzer's bytes replace the file; else they overwrite its start, which
    // keeps magic numbers and lengths plausible deeper into the file.
    let bytes = if choice & 0x80 == 0 {
        rest.to_vec()
    } else {
        let mut patched = good[which].clone();
        let n = rest.len().min(patched.len());
        patched[..n].copy_from_slice(&rest[..n]);
        patched
    };
    let path = generation.join(INDEX_FILES[which]);
    std::fs::write(&path, &bytes).unwrap();
    let opened = adresse::index::Index::open(index_to_damage());
    std::fs::write(&path, &good[which]).unwrap();
    if let Err(e) = opened {
        assert!(!e.to_string().is_empty());
    }
}

/// The communes a BAL input is checked against: a large one, a small one, a Paris
/// arrondissement.
const BAL_COMMUNES: [&str; 3] = ["05061", "05012", "75112"];

fn reference() -> &'static adresse::ingest::reference::Reference {
    static REFERENCE: OnceLock<adresse::ingest::reference::Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| adresse::ingest::reference::Reference::embedded().unwrap())
}

/// The BAL parser and validator, then the conversion a publish makes: any bytes must give a
/// report whose every finding has a code, a message and a line inside the file; a file found
/// valid must belong to its commune, lie in its bounding box, and survive being written and
/// read back (edits are stored that way) unchanged.
pub fn bal(data: &[u8]) {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let commune = BAL_COMMUNES[choice as usize % BAL_COMMUNES.len()];
    let bbox = if choice & 0x10 == 0 {
        reference().geo(commune).map(|g| g.bbox)
    } else {
        None
    };
    let file = bal::parse(bytes);
    // Half the time the commune holds, besides this file's addresses, as many others: the
    // mass-deletion guard then has something to say.
    let mut current_ids: HashSet<String> = file.rows.iter().map(bal::row_id).collect();
    if choice & 0x20 != 0 {
        let extra = current_ids.len().max(1);
        current_ids.extend((0..extra).map(|i| format!("{commune}_fuzz_{i:05}")));
    }
    let context = validation::Context {
        commune,
        bbox,
        current_ids: &current_ids,
        today: "2026-11-28",
    };
    let report = validation::validate(&file, &context);
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for issue in report.errors.iter().chain(&report.warnings) {
        assert!(
            !issue.code.is_empty() && !issue.message.is_empty(),
            "{issue:?}"
        );
        assert!(issue.line <= lines, "{issue:?} beyond line {lines}");
    }
    if !report.is_valid() {
        return;
    }
    let postcodes = bal::Postcodes {
        default: "05000".into(),
        ..bal::Postcodes::default()
    };
    for row in bal::to_ban_rows(&file.rows, &postcodes) {
        assert_eq!(
            row.code_insee, commune,
            "a valid file's row in another commune"
        );
        assert!(row.lon.is_finite() && row.lat.is_finite());
        if let Some([lon_min, lat_min, lon_max, lat_max]) = bbox {
            let m = validation::BBOX_MARGIN_DEG;
            let (lon_min, lat_min, lon_max, lat_max) =
                (lon_min - m, lat_min - m, lon_max + m, lat_max + m);
            assert!(
                (lon_min..=lon_max).contains(&row.lon) && (lat_min..=lat_max).contains(&row.lat),
                "a valid file's point outside the commune: {} {}",
                row.lon,
                row.lat
            );
        }
    }
    let mut rows = file.rows.clone();
    let written = bal::write(&mut rows);
    let again = bal::parse(&written);
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert_eq!(again.rows.len(), file.rows.len());
    for (before, after) in file.rows.iter().zip(&again.rows) {
        for column in bal::BAL_COLUMNS {
            assert_eq!(before.get(column), after.get(column), "column {column}");
        }
    }
}
