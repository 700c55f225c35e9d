//! What the fuzz targets share: a small real index (the first 2,000 addresses of the shipped
//! Hautes-Alpes file), built once per fuzzing process in a private temporary directory.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adresse::Geocoder;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data")
}

/// A temporary directory for this process, removed at exit by nobody: it lives under the
/// system temporary folder, named after the process.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("adresse-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// The root of the small index.
pub fn small_index() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let source = scratch_dir().join("src");
        std::fs::create_dir_all(&source).unwrap();
        let gz = std::fs::File::open(data_dir().join("ban/adresses-05.csv.gz")).unwrap();
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(gz));
        let mut out = std::fs::File::create(source.join("adresses-05.csv")).unwrap();
        for line in reader.lines().take(2001) {
            writeln!(out, "{}", line.unwrap()).unwrap();
        }
        drop(out);
        let root = scratch_dir().join("index");
        let files = adresse::ingest::source_files(&[source]).unwrap();
        adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
        root
    })
}

/// The geocoder over the small index.
pub fn geocoder() -> &'static Geocoder {
    static GEOCODER: OnceLock<Geocoder> = OnceLock::new();
    GEOCODER.get_or_init(|| Geocoder::open(small_index()).unwrap())
}
