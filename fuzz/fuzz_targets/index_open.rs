//! The on-disk index opener, given damaged files.
//! The body, and what it checks, is `adresse_fuzz::targets::index_open`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| adresse_fuzz::targets::index_open(data));
