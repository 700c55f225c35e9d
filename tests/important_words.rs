//! The copy of the most important places' words (`ImportantWords`) must be the words of the
//! mapped place table, place for place: queries of only common words are ranked from it.

mod common;

use adresse::index::Index;
use common::fixture_index;

#[test]
fn the_important_places_words_are_copied_as_the_table_holds_them() {
    let index = Index::open(fixture_index()).unwrap();
    let important = &index.important_words;
    let ords = important.ords();
    assert_eq!(ords, index.docs.most_important());
    assert!(ords.len() >= 1_000, "{} important places", ords.len());
    let mut place_texts = std::collections::HashSet::new();
    for (local, &ord) in ords.iter().enumerate() {
        let local = local as u32;
        assert_eq!(
            important.name(local),
            index.word_ids.name(ord),
            "place {ord}"
        );
        assert_eq!(
            Some(important.name_text(local)),
            index.table.texts.name(ord as usize),
            "place {ord}"
        );
        let mapped_id = index.word_ids.place_text_id(ord).unwrap();
        let local_id = important.place_text_id(local).unwrap();
        assert_eq!(
            important.place_text(local_id),
            index.word_ids.place_text(mapped_id),
            "place {ord}"
        );
        place_texts.insert(local_id);
    }
    // Places of one city share their place-field text, and it is copied once.
    assert!(
        place_texts.len() < ords.len(),
        "{} texts",
        place_texts.len()
    );
    assert!(important.name(ords.len() as u32).is_empty());
}
