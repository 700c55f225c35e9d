//! The batch CSV reader (encodings, delimiters, quotes) through a whole job.
//! The body, and what it checks, is `adresse_fuzz::targets::batch_csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| adresse_fuzz::targets::batch_csv(data));
