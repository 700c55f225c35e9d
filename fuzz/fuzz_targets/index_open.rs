//! The on-disk index opener, given damaged files.
//! The body, and what it checks, is `adresse_fuzz::targets::index_open`.
#![no_main]

// The small index is built before the first input: built inside it, it can outlast
// libFuzzer's per-input timeout on a busy machine.
libfuzzer_sys::fuzz_target!(
    init: adresse_fuzz::targets::prepare(),
    |data: &[u8]| adresse_fuzz::targets::index_open(data)
);
