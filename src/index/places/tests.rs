//! The place table written and read back, and damaged in every way we could think of.

use super::*;
use crate::error::Error;
use crate::index::schema::search_text;
use crate::index::word_ids::word_hash;
use crate::model::{Kind, Place, Position};

fn place(kind: Kind, id: &str, name: &str, city: &str, postcodes: &[&str]) -> Place {
    Place {
        kind,
        id: id.into(),
        name: name.into(),
        postcode: postcodes.first().map(|p| p.to_string()),
        postcodes: postcodes.iter().map(|p| p.to_string()).collect(),
        citycode: id.split('_').next().unwrap_or_default().into(),
        citycodes: vec![id.split('_').next().unwrap_or_default().into()],
        city: city.into(),
        district: None,
        oldcity: None,
        oldcitycode: None,
        context: "05, Hautes-Alpes, Provence-Alpes-Côte d'Azur".into(),
        position: Position {
            lon: 6.0794,
            lat: 44.5594,
            x: 944_000.5,
            y: 6_396_000.25,
        },
        importance: 0.47651,
        population: None,
        localities: vec![],
        housenumbers_start: 0,
        housenumbers_len: 0,
    }
}

fn builder() -> PlaceTableBuilder {
    let mut gap = place(
        Kind::Municipality,
        "05061",
        "Gap",
        "Gap",
        &["05000", "05010"],
    );
    gap.population = Some(41_293);
    gap.localities = vec!["Hautes-Alpes".into()];
    let mut street = place(Kind::Street, "05061_0120", "Rue Carnot", "Gap", &["05000"]);
    street.housenumbers_start = 0;
    street.housenumbers_len = 3;
    street.position.x = f64::NAN;
    let mut former = place(
        Kind::Locality,
        "05061_ld_01",
        "Les Éyssagnières",
        "Gap",
        &[],
    );
    former.district = Some("Romette".into());
    former.oldcity = Some("Romette".into());
    former.oldcitycode = Some("05125".into());
    former.citycodes.push("05125".into());
    former.localities = vec!["Les Éyssagnières".into(), "Le Forest".into()];
    let paris = place(
        Kind::Street,
        "75102_5678",
        "Rue de la Paix",
        "Paris",
        &["75002"],
    );
    let places = vec![gap, street, former, paris];
    let texts = places.iter().map(search_text).collect();
    PlaceTableBuilder {
        places,
        texts,
        suffixes: vec![String::new(), "bis".into(), "ter".into()],
        id_exceptions: vec![(1, "05061_0120_odd".into()), (2, "05061_x".into())],
    }
}

fn written(builder: &PlaceTableBuilder) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("adresse-places-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("places.bin");
    builder.write(&path).unwrap();
    (dir, path)
}

#[test]
fn places_round_trip_through_the_file() {
    let built = builder();
    let (_dir, path) = written(&built);
    let (table, words, cards) = PlaceTable::open(&path).unwrap();
    assert_eq!(table.places.len(), 4);
    assert_eq!(table.municipalities(), 1);
    for (ord, original) in built.places.iter().enumerate() {
        let read = table.places.get(ord).unwrap();
        let mut back = read.to_place();
        // NaN != NaN: the street's missing projection is compared as bits, then set aside.
        assert_eq!(back.position.x.to_bits(), original.position.x.to_bits());
        if original.position.x.is_nan() {
            let mut expected = original.clone();
            expected.position.x = 0.0;
            back.position.x = 0.0;
            assert_eq!(back, expected);
        } else {
            assert_eq!(&back, original);
        }
        assert_eq!(read.label(), PlaceRef::from(original).label());
        assert_eq!(
            table.places.importance(ord as u32),
            Some(original.importance)
        );
        let text = table.texts.get(ord).unwrap();
        assert_eq!(text, built.texts[ord].as_ref());
        assert_eq!(table.texts.name(ord), Some(built.texts[ord].name.as_str()));
    }
    let former = table.places.get(2).unwrap();
    assert_eq!(former.oldcitycode, Some("05125".into()));
    assert_eq!(
        former.localities.to_vec(),
        ["Les Éyssagnières", "Le Forest"]
    );
    assert_eq!(table.places.get(0).unwrap().population, Some(41_293));
    assert!(table.places.get(4).is_none());
    assert!(table.texts.get(4).is_none());
    let ranks: Vec<_> = table.places.rank_facts().collect();
    assert_eq!(ranks.len(), 4);
    assert_eq!(ranks[0], (0.47651, 6.0794, 44.5594));

    // Word hashes, stored at ingest: the two Gap streets share their place text.
    assert_eq!(
        words.name(3),
        ["rue", "de", "la", "paix"].map(word_hash).as_slice()
    );
    assert!(words.name(9).is_empty());
    let (gap_id, gap_words, gap_text) = words.place(1).unwrap();
    assert_eq!(gap_text, "gap 05000");
    assert_eq!(gap_words, ["gap", "05000"].map(word_hash).as_slice());
    let (paris_id, _, paris_text) = words.place(3).unwrap();
    assert_eq!(paris_text, "paris 75002");
    assert_ne!(gap_id, paris_id);
    assert_eq!(words.place(4), None);
    assert_eq!(words.place_text_count(), 4);

    // The same words on cards, as ordinals of the sorted vocabulary.
    let all_words: Vec<&str> = built
        .texts
        .iter()
        .flat_map(|t| t.name.split(' ').chain(t.place.split(' ')))
        .collect();
    let vocabulary = |ordinal: u32| {
        all_words
            .iter()
            .copied()
            .find(|w| cards.ordinal(w) == Some(ordinal))
    };
    let mut sorted = all_words.clone();
    sorted.sort_unstable();
    sorted.dedup();
    for (ordinal, word) in sorted.iter().enumerate() {
        assert_eq!(cards.ordinal(word), Some(ordinal as u32), "{word}");
    }
    // A card's words, as text.
    let text_of = |card: crate::index::word_cards::Card| {
        let words: Vec<&str> = card
            .words()
            .unwrap()
            .iter()
            .map(|&o| vocabulary(o).unwrap_or("?"))
            .collect();
        words.join(" ")
    };
    for ord in 0..4u32 {
        let card = cards.name(ord).unwrap();
        assert_eq!(text_of(card), built.texts[ord as usize].name, "place {ord}");
        assert_eq!(Some(card.place_text), words.place_text_id(ord));
        let (_, _, place_text) = words.place(ord).unwrap();
        let place_card = cards.place_text(card.place_text).unwrap();
        assert_eq!(text_of(place_card), place_text, "place {ord}");
    }
    assert!(cards.name(4).is_none());
    assert_eq!(
        cards
            .ordinal("carnot")
            .map(|o| cards.completions("carn").contains(&o)),
        Some(true)
    );
    assert_eq!(cards.completions("pa").len(), 2, "paix, paris");
    assert_eq!(cards.completions("paris").len(), 1);
    assert!(cards.completions("zz").is_empty());
    assert!(cards.completions("parisien").is_empty());
    assert_eq!(cards.ordinal("pari"), None);

    // Suffixes and the ids that cannot be derived.
    assert_eq!(table.suffix(1), "bis");
    assert_eq!(table.suffix(7), "");
    let street = table.places.get(1).unwrap();
    let number = |n, suffix| NumberRecord::new(n, suffix, 6.0, 44.0, f64::NAN, f64::NAN);
    assert_eq!(
        table.housenumber_id(&street, 0, &number(1, 0)),
        "05061_0120_00001"
    );
    assert_eq!(
        table.housenumber_id(&street, 1, &number(3, 1)),
        "05061_0120_odd"
    );
    assert_eq!(table.housenumber_id(&street, 2, &number(5, 0)), "05061_x");
    assert_eq!(
        table.housenumber(&street, 0, &number(7, 2)).id,
        "05061_0120_00007_ter"
    );
}

#[test]
fn hot_sections_read_the_same_from_their_copies_on_huge_pages() {
    if !crate::index::resident::enabled() {
        eprintln!("transparent huge pages are off here: nothing is copied");
        return;
    }
    let (_dir, path) = written(&builder());
    let file = PlaceFile::open(&path).unwrap();
    let mapped: Vec<Vec<u8>> = file::HOT_SECTIONS
        .iter()
        .map(|&section| file.bytes(section).to_vec())
        .collect();
    // The cards at least (no word of these four places is common enough to have a list).
    assert!(!file.bytes(Section::NameCards).is_empty());
    assert!(!file.bytes(Section::PlaceCards).is_empty());
    file.copy_hot_sections().unwrap();
    for (&section, mapped) in file::HOT_SECTIONS.iter().zip(&mapped) {
        assert!(file.reads_copy(section), "{section:?}");
        assert_eq!(file.bytes(section), &mapped[..], "{section:?}");
    }
    assert!(!file.reads_copy(Section::Records));
    // Read through the copies, a card is the card written.
    let cards = WordCards {
        file: std::sync::Arc::new(file),
    };
    let street = cards.name(1).unwrap();
    let words: Vec<&str> = street
        .words()
        .unwrap()
        .iter()
        .map(|&ordinal| cards.word(ordinal as usize))
        .collect();
    assert_eq!(words, ["rue", "carnot"]);
}

#[test]
fn an_empty_table_opens() {
    let (_dir, path) = written(&PlaceTableBuilder::default());
    let (table, words, cards) = PlaceTable::open(&path).unwrap();
    assert!(table.places.is_empty());
    assert_eq!(table.places.iter().count(), 0);
    assert_eq!(words.place(0), None);
    assert!(cards.name(0).is_none());
    assert_eq!(cards.completions("a"), 0..0);
    assert_eq!(cards.ordinal("a"), None);
}

#[test]
fn a_truncated_or_foreign_table_is_refused() {
    let (_dir, path) = written(&builder());
    let good = std::fs::read(&path).unwrap();
    for cut in [0, 7, 8, 100, good.len() / 2, good.len() - 1] {
        std::fs::write(&path, &good[..cut]).unwrap();
        match PlaceTable::open(&path) {
            Err(Error::Index(message)) => assert!(message.contains("places.bin"), "{message}"),
            Err(e) => panic!("cut at {cut}: {e}"),
            Ok(_) => panic!("a table cut at byte {cut} of {} opened", good.len()),
        }
    }
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 8]);
    std::fs::write(&path, &longer).unwrap();
    assert!(matches!(PlaceTable::open(&path), Err(Error::Index(_))));
    let mut old = good.clone();
    old[..8].copy_from_slice(b"ADRPLC03");
    std::fs::write(&path, &old).unwrap();
    let Err(Error::Index(message)) = PlaceTable::open(&path) else {
        panic!("an older table opened");
    };
    assert!(message.contains("re-run `adresse ingest`"), "{message}");
}

/// Reads everything a server could read of the table.
fn read_all(table: &PlaceTable, words: &WordIds, cards: &WordCards) -> usize {
    let mut seen = cards.completions("r").len() + cards.ordinal("rue").map_or(0, |_| 1);
    for ord in 0..table.places.len() + 2 {
        if let Some(card) = cards.name(ord as u32) {
            seen += card.words().map_or(0, |w| w.len());
            seen += cards
                .place_text(card.place_text)
                .and_then(|c| c.words().map(|w| w.len()))
                .unwrap_or(0);
        }
        if let Some(p) = table.places.get(ord) {
            let p = p.to_place();
            seen += p.id.len() + p.postcodes.len() + p.localities.len() + p.citycodes.len();
            seen += PlaceRef::from(&p).label().len();
        }
        seen += table
            .texts
            .get(ord)
            .map_or(0, |t| t.name.len() + t.place.len());
        seen += words.name(ord as u32).len();
        seen += words
            .place(ord as u32)
            .map_or(0, |(_, w, t)| w.len() + t.len());
        let _ = table.places.importance(ord as u32);
        let _ = table.places.lon_lat(ord as u32);
        let street = table.places.get(ord.min(1));
        if let Some(street) = street {
            for position in 0..4 {
                let record = NumberRecord::new(position, position as u16, 0.0, 0.0, 0.0, 0.0);
                seen += table.housenumber(&street, position, &record).id.len();
            }
        }
    }
    seen + table.places.rank_facts().count() + table.suffix(u16::MAX).len()
}

#[test]
fn a_scrambled_table_gives_errors_or_wrong_values_never_a_panic() {
    use rand::{Rng, SeedableRng};
    let (_dir, path) = written(&builder());
    let good = std::fs::read(&path).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut opened, mut refused) = (0, 0);
    for round in 0..2_000 {
        let mut bytes = good.clone();
        // Few changes keep most of the file plausible, so that the reads after a successful
        // open are exercised; the header's first bytes are kept half the time.
        let changes = 1 + round % 4;
        let from = if round % 2 == 0 { 8 } else { 0 };
        for _ in 0..changes {
            let i = rng.gen_range(from..bytes.len());
            bytes[i] = match round % 3 {
                0 => rng.gen(),
                1 => bytes[i] ^ 1 << rng.gen_range(0..8),
                _ => 0xff,
            };
        }
        std::fs::write(&path, &bytes).unwrap();
        match PlaceTable::open(&path) {
            Ok((table, words, cards)) => {
                opened += 1;
                read_all(&table, &words, &cards);
            }
            Err(Error::Index(_)) => refused += 1,
            Err(e) => panic!("not an index error: {e}"),
        }
    }
    // Both outcomes happen: the test exercises reads of a damaged table, not only refusals.
    assert!(
        opened > 100 && refused > 100,
        "{opened} opened, {refused} refused"
    );
}

#[test]
fn word_hashes_of_another_hasher_are_refused() {
    use crate::index::word_ids::word_hash;

    let (_dir, path) = written(&builder());
    let mut bytes = std::fs::read(&path).unwrap();
    // "carnot", the second word of the second place's name, as another hasher would write it.
    let stored = word_hash("carnot").to_le_bytes();
    let at = bytes
        .windows(8)
        .position(|w| w == stored)
        .expect("the hash of \"carnot\" is stored");
    bytes[at] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let Err(Error::Index(message)) = PlaceTable::open(&path) else {
        panic!("a table with foreign word hashes opened");
    };
    assert!(message.contains("word hashes"), "{message}");
    assert!(message.contains("re-run `adresse ingest`"), "{message}");
}
