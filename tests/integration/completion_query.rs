//! `CompletionQuery` must match what tantivy's prefix automaton matches, document for document
//! and score for score, whether it gathers the documents into a list (few) or a bitset (many),
//! alone or intersected with another word (which seeks through it).

use crate::common;

use adresse::index::Index;
use adresse::search::completion::CompletionQuery;
use common::{fixture_index, scored_matches as matches};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

fn automaton(field: Field, prefix: &str) -> Box<dyn Query> {
    Box::new(FuzzyTermQuery::new_prefix(
        Term::from_field_text(field, prefix),
        0,
        false,
    ))
}

#[test]
fn completions_match_what_the_prefix_automaton_matches() {
    let index = Index::open(fixture_index()).unwrap();
    let searcher = index.reader.searcher();
    let max_doc: u32 = searcher.segment_readers().iter().map(|s| s.max_doc()).sum();
    let fields = [index.fields.name, index.fields.place];
    let (mut few, mut many) = (0, 0);
    // A letter (thousands of documents), common and rare starts, accents, a whole word, and
    // starts that no word has.
    for prefix in [
        "r", "ru", "bou", "rivol", "é", "ch", "gap", "75011", "0", "zzq", "rue d",
    ] {
        for field in fields {
            let ours = CompletionQuery::new(field, prefix);
            let theirs = automaton(field, prefix);
            let found = matches(&searcher, &ours);
            assert_eq!(found, matches(&searcher, theirs.as_ref()), "{prefix:?}");
            // Fewer documents than one in 16 can only come from the list; more, from the bitset.
            if found.is_empty() {
                continue;
            } else if (found.len() as u32) * 16 > max_doc {
                many += 1;
            } else {
                few += 1;
            }
            // Boosted, and intersected with a word that seeks through the completions.
            let street = TermQuery::new(
                Term::from_field_text(index.fields.name, "rue"),
                IndexRecordOption::WithFreqs,
            );
            let both = |completions: Box<dyn Query>| {
                BooleanQuery::new(vec![
                    (Occur::Must, Box::new(street.clone()) as Box<dyn Query>),
                    (Occur::Must, Box::new(BoostQuery::new(completions, 0.7))),
                ])
            };
            let ours_both = both(Box::new(ours.clone()));
            let theirs_both = both(automaton(field, prefix));
            assert_eq!(
                matches(&searcher, &ours_both),
                matches(&searcher, &theirs_both),
                "rue + {prefix:?}"
            );
            assert_eq!(
                searcher.search(&ours_both, &Count).unwrap(),
                searcher.search(&theirs_both, &Count).unwrap()
            );
        }
    }
    assert!(few >= 4 && many >= 2, "{few} lists and {many} bitsets");
}

/// `CompletionCounts` (how many documents hold a prefix's completions, remembered once counted)
/// must give what summing the doc frequencies of every term of the field that starts with the
/// prefix gives; and, when told to stop past `enough`, a count past it, and no more than that
/// sum. Asked again, it must answer the same.
#[test]
fn completion_counts_are_the_doc_frequencies_of_the_prefix_terms() {
    use adresse::index::completion_counts::CompletionCounts;

    let index = Index::open(fixture_index()).unwrap();
    let searcher = index.reader.searcher();
    let counts = CompletionCounts::default();
    for field in [index.fields.name, index.fields.place] {
        for prefix in ["c", "ch", "r", "rue", "bou", "rivol", "é", "75011", "zzq"] {
            let mut expected: u64 = 0;
            for segment in searcher.segment_readers() {
                let terms = segment.inverted_index(field).unwrap();
                let mut stream = terms.terms().stream().unwrap();
                while stream.advance() {
                    if stream.key().starts_with(prefix.as_bytes()) {
                        expected += u64::from(stream.value().doc_freq);
                    }
                }
            }
            assert_eq!(
                counts.docs(&searcher, field, prefix, u64::MAX),
                expected,
                "{prefix:?}"
            );
            for _ in 0..2 {
                let stopped = counts.docs(&searcher, field, prefix, 100);
                if expected > 100 {
                    assert!(
                        stopped > 100 && stopped <= expected,
                        "{prefix:?}: {stopped}"
                    );
                } else {
                    assert_eq!(stopped, expected, "{prefix:?}");
                }
            }
        }
    }
}
