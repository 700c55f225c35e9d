//! The batch CSV reader with dialect detection (encodings, delimiters, quotes, BOMs), through a
//! whole forward or reverse job on a small real index: any bytes must give an output or a
//! clear input error — never a panic.
#![no_main]

use adresse::batch::{
    BatchKind, BatchOptions, ColumnOptions, DialectOptions, Format, Job, TextEncoding,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let geocoder = adresse_fuzz::geocoder().clone();
    match Job::prepare(geocoder, file, options) {
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
});
