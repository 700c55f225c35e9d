//! The integration tests, one module per subject, built as a single test binary.
//!
//! One binary rather than one per file: the fixture index of the real data (`common`) is built
//! once for all of them instead of once per file, cargo links one executable instead of two
//! dozen, and `cargo test` spreads every test over the cores instead of running the files one
//! after another. Run a subject alone with `cargo test --test integration search_api::`.

mod common;
mod net;
mod support_bal;

mod batch_api;
mod batch_cli;
mod completion_query;
mod corrections_api;
mod corrections_live;
mod corrections_validation;
mod errors_api;
mod faults;
mod fuzz_corpora;
mod hostile_http;
mod important_words;
mod ingest;
mod operations_api;
mod overload;
mod point_index;
mod quality;
mod reverse;
mod search_api;
mod search_behaviours;
mod synth;
mod word_cards;
mod word_lists;
mod word_union;
