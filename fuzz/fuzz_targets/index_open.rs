//! The on-disk index opener: a generation whose manifest, place table, housenumber store or
//! tantivy meta file is replaced by arbitrary bytes must be refused with an error (or, when the
//! bytes happen to be valid, opened) — never a panic, never a crash.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = [
    "manifest.json",
    "places.bin",
    "numbers.bin",
    "tantivy/meta.json",
];

/// The small index's generation directory and the good bytes of each file.
fn originals() -> &'static (PathBuf, Vec<Vec<u8>>) {
    static ORIGINALS: OnceLock<(PathBuf, Vec<Vec<u8>>)> = OnceLock::new();
    ORIGINALS.get_or_init(|| {
        let root = adresse_fuzz::small_index();
        let generation = std::fs::canonicalize(root.join("current")).unwrap();
        let bytes = FILES
            .iter()
            .map(|f| std::fs::read(generation.join(f)).unwrap())
            .collect();
        (generation, bytes)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let (generation, good) = originals();
    let which = choice as usize % FILES.len();
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
    let path = generation.join(FILES[which]);
    std::fs::write(&path, &bytes).unwrap();
    let opened = adresse::index::Index::open(adresse_fuzz::small_index());
    std::fs::write(&path, &good[which]).unwrap();
    if let Err(e) = opened {
        assert!(!e.to_string().is_empty());
    }
});
