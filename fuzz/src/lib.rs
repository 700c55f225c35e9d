//! The fuzz targets' bodies (`targets`) and what they share: a small real index (the first
//! 2,000 addresses of the shipped Hautes-Alpes file), built once per process in a private
//! temporary directory.
//!
//! The bodies live here rather than in `fuzz_targets/` so that the main crate's test
//! `tests/integration/fuzz_corpora.rs` can include this file and replay the committed corpora through the
//! very same code on every `cargo test`: the fuzz smoke CI runs without libFuzzer's build.

pub mod scratch;
pub mod targets;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use adresse::Geocoder;

/// The project's `data/`: beside `fuzz/` when built as the fuzz crate, in the crate itself
/// when included by the main crate's tests.
fn data_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("data"), here.join("../data")]
        .into_iter()
        .find(|d| d.join("ban").is_dir())
        .expect("the project's data/ban")
}

/// A temporary directory for this process (`scratch`): under cargo's per-target scratch folder
/// in tests, else under the system temporary folder.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let parent = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        scratch::fresh_dir(&parent, "adresse-fuzz")
    })
}

/// The root of the small index, which searches read.
pub fn small_index() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| build_small_index("index"))
}

/// A second copy of the small index, for the target that damages its files: a geocoder
/// reading the first one in the same process must never see them damaged.
pub fn index_to_damage() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| build_small_index("index-to-damage"))
}

fn build_small_index(name: &str) -> PathBuf {
    {
        let source = scratch_dir().join(format!("{name}-source"));
        std::fs::create_dir_all(&source).unwrap();
        let gz = std::fs::File::open(data_dir().join("ban/adresses-05.csv.gz")).unwrap();
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(gz));
        let mut out = std::fs::File::create(source.join("adresses-05.csv")).unwrap();
        for line in reader.lines().take(2001) {
            writeln!(out, "{}", line.unwrap()).unwrap();
        }
        drop(out);
        let root = scratch_dir().join(name);
        let files = adresse::ingest::source_files(&[source]).unwrap();
        adresse::ingest::ingest(&files, Some(&data_dir().join("ref")), &root, |_| {}).unwrap();
        root
    }
}

/// The geocoder over the small index.
pub fn geocoder() -> &'static Geocoder {
    static GEOCODER: OnceLock<Geocoder> = OnceLock::new();
    GEOCODER.get_or_init(|| Geocoder::open(small_index()).unwrap())
}
