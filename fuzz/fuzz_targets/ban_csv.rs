//! The BAN CSV reader, plain and gzipped.
//! The body, and what it checks, is `adresse_fuzz::targets::ban_csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| adresse_fuzz::targets::ban_csv(data));
