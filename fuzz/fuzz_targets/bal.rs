//! The BAL parser and validator, and the conversion a publish makes.
//! The body, and what it checks, is `adresse_fuzz::targets::bal`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| adresse_fuzz::targets::bal(data));
