//! The copy of the most important places' words (`ImportantWords`) must be the words of the
//! mapped place table, place for place: queries of only common words are ranked from it.

use crate::common;

use adresse::index::Index;
use common::{common_word_queries, fixture_index};

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

/// `score_important` scores the important places word by word over their names' postings; it
/// must give `CommonWordsScorer`'s scores to the last bit, or candidates would change order.
#[test]
fn scoring_the_important_places_by_postings_gives_the_same_scores_bit_for_bit() {
    use adresse::search::common_words::{score_important, CommonWordsScorer};

    let index = Index::open(fixture_index()).unwrap();
    let queries = common_word_queries(&index);
    let important = &index.important_words;
    let every_place: Vec<u32> = (0..important.len() as u32).collect();
    for (n, words) in queries.iter().enumerate() {
        let by_postings = score_important(words, important, &every_place);
        let by_place = CommonWordsScorer::new(words, important).score_all(&every_place);
        let bits = |scores: &[f32]| scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&by_postings), bits(&by_place), "query {n}");
        let scored = by_postings.iter().filter(|s| **s > 0.0).count();
        assert!(scored > 10, "query {n}: only {scored} places score");
    }
}
