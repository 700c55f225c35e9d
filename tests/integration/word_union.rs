//! `WordUnion` must match what a `BooleanQuery` of the same `Should` clauses matches, document
//! for document and score for score (to the bit), alone and intersected with another word, where
//! each side seeks through the other: that is where it differs from tantivy's buffered union.

use crate::common;

use adresse::index::Index;
use adresse::search::completion::CompletionQuery;
use adresse::search::word_union::WordUnion;
use common::{fixture_index, scored_matches as matches};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

/// A query word's alternatives as search builds them: the word in the name (boosted) and in the
/// place field, and, while it is typed, its completions in both.
fn alternatives(index: &Index, word: &str, typed: bool) -> Vec<Box<dyn Query>> {
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    for (field, boost) in [(index.fields.name, 2.0), (index.fields.place, 1.0)] {
        let term = TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        );
        alternatives.push(Box::new(BoostQuery::new(Box::new(term), boost)));
        if typed {
            let completions = CompletionQuery::new(field, word);
            alternatives.push(Box::new(BoostQuery::new(
                Box::new(completions),
                7.5 * boost,
            )));
        }
    }
    alternatives
}

fn union(index: &Index, word: &str, typed: bool) -> Box<dyn Query> {
    Box::new(WordUnion::new(alternatives(index, word, typed)))
}

fn boolean(index: &Index, word: &str, typed: bool) -> Box<dyn Query> {
    let clauses = alternatives(index, word, typed)
        .into_iter()
        .map(|query| (Occur::Should, query))
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

fn both(first: Box<dyn Query>, second: Box<dyn Query>) -> BooleanQuery {
    BooleanQuery::new(vec![(Occur::Must, first), (Occur::Must, second)])
}

#[test]
fn a_word_union_scores_as_tantivy_unions_alone_and_intersected() {
    let index = Index::open(fixture_index()).unwrap();
    let searcher = index.reader.searcher();
    // Common and rare words, a postcode, a city, a start being typed, and a word held nowhere.
    let words = [
        ("rue", false),
        ("rivoli", false),
        ("gap", false),
        ("75011", false),
        ("paris", false),
        ("bou", true),
        ("chem", true),
        ("zzq", true),
    ];
    let mut intersections_found = 0;
    for (word, typed) in words {
        let ours = matches(&searcher, union(&index, word, typed).as_ref());
        let theirs = matches(&searcher, boolean(&index, word, typed).as_ref());
        assert_eq!(ours, theirs, "{word:?}");
        for (other, other_typed) in words {
            if other == word {
                continue;
            }
            let ours = both(
                union(&index, word, typed),
                union(&index, other, other_typed),
            );
            let theirs = both(
                boolean(&index, word, typed),
                boolean(&index, other, other_typed),
            );
            let found = matches(&searcher, &ours);
            assert_eq!(found, matches(&searcher, &theirs), "{word:?} + {other:?}");
            assert_eq!(
                searcher.search(&ours, &Count).unwrap(),
                found.len(),
                "{word:?} + {other:?}"
            );
            if !found.is_empty() {
                intersections_found += 1;
            }
        }
    }
    // The pairs must have found something for the comparison to mean anything.
    assert!(intersections_found >= 20, "{intersections_found}");
}
