//! The word lists of `places.bin` (`index::word_lists`) on the real data: each lists exactly the
//! places holding its word, with their facts and cards; and searches answer the same, hit for
//! hit and score for score, whether retrieval walks the lists or asks tantivy, with and
//! without a commune's corrections served over the base.
//!
//! The switch between the two ways is per thread (`set_word_lists`), so the other tests of the
//! binary keep the lists on.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use adresse::index::word_lists::{LIST_MAX_DOCS, LIST_MIN_NAME_DOCS};
use adresse::index::Index;
use adresse::ingest::ban_csv::{self, BanRow};
use adresse::search::{set_word_lists, Filters, SearchRequest};
use adresse::Geocoder;
use common::{data_dir, fixture_index, full_address, sample_rows};
use tantivy::Term;

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|w| !w.is_empty())
}

/// Every listed word's places, checked against the texts and tantivy's counts; returns the
/// listed words.
fn check_lists(index: &Index) -> Vec<String> {
    let cards = &index.word_cards;
    let searcher = index.reader.searcher();
    let places = index.table.places.len() as u32;
    let text_of = |ord: u32| {
        let name = index.table.texts.name(ord as usize).unwrap();
        let id = index.word_ids.place_text_id(ord).unwrap();
        (name, index.word_ids.place_text(id).1)
    };
    // Which words should have a list, by tantivy's own document counts.
    let mut name_words: BTreeSet<&str> = BTreeSet::new();
    for ord in 0..places {
        name_words.extend(words(text_of(ord).0));
    }
    let held = |field, word: &str| {
        searcher
            .doc_freq(&Term::from_field_text(field, word))
            .unwrap()
    };
    let expected: Vec<&str> = name_words
        .into_iter()
        .filter(|word| {
            let (in_names, in_places) = (
                held(index.fields.name, word),
                held(index.fields.place, word),
            );
            in_names >= LIST_MIN_NAME_DOCS && in_names + in_places <= LIST_MAX_DOCS
        })
        .collect();
    let listed: Vec<String> = cards
        .listed_words()
        .into_iter()
        .map(|ordinal| cards.word(ordinal as usize).to_string())
        .collect();
    assert_eq!(listed, expected);
    for word in &listed {
        let list = cards.list(cards.ordinal(word).unwrap()).unwrap();
        let holding: Vec<u32> = (0..places)
            .filter(|&ord| {
                let (name, place) = text_of(ord);
                words(name).chain(words(place)).any(|w| w == word)
            })
            .collect();
        let ords: Vec<u32> = (0..list.len()).map(|i| list.get(i).unwrap().ord).collect();
        assert_eq!(ords, holding, "{word}");
        for i in 0..list.len() {
            let entry = list.get(i).unwrap();
            assert_eq!(Some(entry.facts), index.docs.facts(entry.ord), "{word}");
            let card = cards.name(entry.ord).unwrap();
            assert_eq!(entry.card.words(), card.words(), "{word}");
            assert_eq!(entry.card.place_text, card.place_text, "{word}");
        }
        assert!(list.get(list.len()).is_none());
    }
    listed
}

/// Queries that a listed word selects: the word alone and beside common words, with a
/// housenumber, with a city, being typed after it; and real addresses whose street holds a
/// listed word, in full and keystroke by keystroke.
fn queries(listed: &[String]) -> Vec<(String, bool)> {
    let mut queries = Vec::new();
    for word in listed {
        for q in [
            word.clone(),
            format!("12 {word}"),
            format!("{word} de la"),
            format!("3 bis {word} du p"),
            format!("{word} paris"),
            format!("{word} 05000 gap"),
            // "la place" glued is "laplace" (Rue Laplace, Paris 5e): a clause tantivy adds to
            // the listed word's, which the list walk must add too.
            format!("{word} la place"),
            format!("8 {word} la place paris"),
        ] {
            queries.push((q.clone(), false));
            queries.push((q, true));
        }
    }
    let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    let mut addresses = 0;
    for row in sample_rows("adresses-75.csv.gz", 97)
        .into_iter()
        .chain(sample_rows("adresses-05.csv.gz", 31))
    {
        let street = row.nom_voie.to_lowercase();
        if !words(&street).any(|w| listed.contains(w)) || addresses >= 60 {
            continue;
        }
        addresses += 1;
        let full = full_address(&row);
        queries.push((full.clone(), false));
        for end in (1..=full.len()).filter(|&end| full.is_char_boundary(end)) {
            queries.push((full[..end].to_string(), true));
        }
    }
    assert!(addresses >= 60, "{addresses} addresses");
    queries
}

fn answers(geocoder: &Geocoder, queries: &[(String, bool)]) -> Vec<Vec<adresse::search::Hit>> {
    queries
        .iter()
        .enumerate()
        .map(|(i, (q, autocomplete))| {
            // Every third query with a location bias, which scales scores by proximity.
            let near = (i % 3 == 0).then_some((6.08, 44.56));
            let request = SearchRequest {
                q: q.clone(),
                limit: 10,
                autocomplete: *autocomplete,
                near,
                filters: Filters::default(),
            };
            geocoder.search(&request).unwrap()
        })
        .collect()
}

fn same_answers(geocoder: &Geocoder, queries: &[(String, bool)]) {
    set_word_lists(false);
    let from_tantivy = answers(geocoder, queries);
    set_word_lists(true);
    let from_lists = answers(geocoder, queries);
    let mut found = 0;
    for ((query, tantivy), lists) in queries.iter().zip(&from_tantivy).zip(&from_lists) {
        assert_eq!(lists, tantivy, "{query:?}");
        found += usize::from(!lists.is_empty());
    }
    assert!(
        found * 10 >= queries.len() * 9,
        "{found} of {}",
        queries.len()
    );
}

/// A real commune's rows (Embrun, whose streets hold listed words), served as corrections: its
/// base places are masked, and its overlay has no lists.
fn embrun_rows() -> Vec<BanRow> {
    let mut rows = Vec::new();
    ban_csv::read_file(
        &data_dir().join("ban").join("adresses-05.csv.gz"),
        |row| {
            if row.code_insee == "05046" {
                rows.push(row)
            }
        },
        |_| {},
    )
    .unwrap();
    rows
}

#[test]
fn lists_hold_their_words_places_and_searches_answer_as_through_tantivy() {
    let index = Index::open(fixture_index()).unwrap();
    let listed = check_lists(&index);
    // Paris and Hautes-Alpes: "rue", "de", "chemin"… are each held by thousands of places.
    for word in ["rue", "chemin", "route", "de"] {
        assert!(listed.iter().any(|l| l == word), "{word} not in {listed:?}");
    }
    drop(index);
    let queries = queries(&listed);

    let geocoder = Geocoder::open(fixture_index()).unwrap();
    same_answers(&geocoder, &queries);

    let mut rows = embrun_rows();
    assert!(rows.len() > 2_000, "{} rows in Embrun", rows.len());
    // One street renamed, so that the overlay differs from the base.
    let voie = rows[0]
        .id
        .rsplit_once('_')
        .map(|(v, _)| v.to_string())
        .unwrap();
    for row in rows.iter_mut().filter(|r| r.id.starts_with(&voie)) {
        row.nom_voie = "Rue de la Liste Corrigée".into();
    }
    geocoder
        .set_corrections(BTreeMap::from([("05046".to_string(), rows)]))
        .unwrap();
    same_answers(&geocoder, &queries);
}
