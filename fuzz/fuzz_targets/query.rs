//! Query parsing and normalisation, then a whole search and the same text as a batch row's
//! address: any string must give a parse and an answer (possibly empty), never a panic.
#![no_main]

use adresse::search::{Filters, ParsedQuery, SearchRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The HTTP layer refuses longer queries; the parser must still cope with any length.
    let _ = adresse::text::normalize(text);
    let _ = adresse::text::tokens(text);
    for autocomplete in [false, true] {
        let parsed = ParsedQuery::parse(text, autocomplete);
        for reading in &parsed.housenumbers {
            assert!(reading.token < parsed.tokens.len());
        }
    }
    if text.chars().count() <= 200 {
        let request = SearchRequest {
            q: text.to_string(),
            limit: 10,
            autocomplete: data.len() % 2 == 0,
            near: None,
            filters: Filters::default(),
        };
        let hits = adresse_fuzz::geocoder()
            .search(&request)
            .expect("search failed");
        assert!(hits.len() <= 10);
    }
});
