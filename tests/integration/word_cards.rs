//! The word cards of `places.bin` (`index::word_cards`) against the words they stand for, on
//! the real data: every place's card names its words and its commune's, and common words
//! scored from cards (`CardScorer`) score as from the word hashes and texts, to the last bit.

use crate::common;

use adresse::index::word_cards::CARD_WORDS;
use adresse::index::Index;
use adresse::search::card_scorer::CardScorer;
use adresse::search::common_words::{CommonWordsScorer, MappedWords};
use common::{common_word_queries, fixture_index};

#[test]
fn every_card_holds_its_places_words_as_vocabulary_ordinals() {
    let index = Index::open(fixture_index()).unwrap();
    let cards = &index.word_cards;
    let places = index.table.places.len() as u32;
    let (mut on_cards, mut too_long) = (0, 0);
    for ord in 0..places {
        let card = cards.name(ord).unwrap();
        let name = index.table.texts.name(ord as usize).unwrap();
        let words: Vec<&str> = name.split(' ').filter(|w| !w.is_empty()).collect();
        assert_eq!(card.len, words.len().min(255), "place {ord}");
        assert_eq!(Some(card.place_text), index.word_ids.place_text_id(ord));
        let Some(ordinals) = card.words() else {
            assert!(words.len() > CARD_WORDS, "place {ord}");
            too_long += 1;
            continue;
        };
        on_cards += 1;
        for (word, &ordinal) in words.iter().zip(ordinals) {
            assert_eq!(
                cards.ordinal(word),
                Some(ordinal),
                "{word:?} of place {ord}"
            );
            // Every start of the word completes to it, and its end to nothing shorter.
            for end in (1..=word.len()).filter(|&end| word.is_char_boundary(end)) {
                assert!(
                    cards.completions(&word[..end]).contains(&ordinal),
                    "{word:?}"
                );
            }
        }
    }
    assert!(
        on_cards > 15_000,
        "{on_cards} places on cards, {too_long} too long"
    );
    assert_eq!(cards.ordinal("qzxw"), None);
    assert!(cards.completions("qzx").is_empty());
    assert!(cards.name(places).is_none());
}

#[test]
fn scoring_common_words_from_cards_gives_the_same_scores_bit_for_bit() {
    let index = Index::open(fixture_index()).unwrap();
    let mapped = MappedWords {
        ids: &index.word_ids,
        texts: &index.table.texts,
    };
    let every_place: Vec<u32> = (0..index.table.places.len() as u32).collect();
    // In place order (one commune's places after each other) and not: the place-field scores
    // kept from one place to the next must not leak to the wrong place.
    let mut shuffled = every_place.clone();
    shuffled.reverse();
    shuffled.rotate_left(every_place.len() / 3);
    let bits = |scores: &[f32]| scores.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
    for (n, words) in common_word_queries(&index).iter().enumerate() {
        for places in [&every_place, &shuffled] {
            let from_cards = CardScorer::new(
                words,
                &index.word_cards,
                &index.word_ids,
                &index.table.texts,
            )
            .score_all(places);
            let from_hashes = CommonWordsScorer::new(words, &mapped).score_all(places);
            assert_eq!(bits(&from_cards), bits(&from_hashes), "query {n}");
            let scored = from_cards.iter().filter(|s| **s > 0.0).count();
            assert!(scored > 100, "query {n}: only {scored} places score");
        }
    }
}
