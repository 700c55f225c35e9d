//! Query parsing and normalisation, then a whole search.
//! The body, and what it checks, is `adresse_fuzz::targets::query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| adresse_fuzz::targets::query(data));
