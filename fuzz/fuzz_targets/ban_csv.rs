//! The BAN CSV reader, plain and gzipped: any bytes must give rows, rejected rows with a line,
//! or an error — never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
    let path = adresse_fuzz::scratch_dir().join(name);
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
});
