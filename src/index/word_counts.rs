//! How many documents hold a word in a field: read from the term dictionary the first time the
//! word is asked for, then remembered for the life of the index (its files never change).
//!
//! Every search asks for each of its words in both text fields (is the word rare enough to
//! select a few places? how much does it weigh?), and tantivy asks again for each word it
//! scores, at each retrieval pass. A term dictionary lookup walks down its FST, about 1,300
//! instructions, and the words of addresses ("rue", "de", postcodes, city names) are asked for
//! over and over: on the 237k full-address stream they were 6.6% of a search's instructions.

use smallvec::SmallVec;
use tantivy::{Searcher, Term};

use super::memo::Memo;

/// Remembered counts, by the field's id and the term's value bytes.
#[derive(Default)]
pub struct WordCounts {
    counts: Memo<u64>,
}

impl WordCounts {
    /// How many documents of `searcher` hold `term` (`Searcher::doc_freq`).
    pub fn doc_freq(&self, searcher: &Searcher, term: &Term) -> tantivy::Result<u64> {
        let mut key: SmallVec<[u8; 64]> = SmallVec::new();
        key.extend_from_slice(&term.field().field_id().to_le_bytes());
        key.extend_from_slice(term.serialized_value_bytes());
        self.counts.get_or_compute(&key, || searcher.doc_freq(term))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, Term};

    use super::WordCounts;

    #[test]
    fn remembered_counts_are_the_dictionary_s_field_by_field() {
        let mut schema = Schema::builder();
        let name = schema.add_text_field("name", TEXT);
        let place = schema.add_text_field("place", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (n, p) in [
            ("rue de paris", "gap"),
            ("rue du bac", "paris"),
            ("paris", "rue"),
        ] {
            writer.add_document(doc!(name => n, place => p)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let counts = WordCounts::default();
        // Asked twice each: counted from the dictionary, then remembered; the same word in
        // the other field is another count.
        for _ in 0..2 {
            for (field, word, expected) in [
                (name, "rue", 2),
                (place, "rue", 1),
                (name, "paris", 2),
                (place, "paris", 1),
                (place, "gap", 1),
                (name, "gap", 0),
                (name, "lyon", 0),
            ] {
                let term = Term::from_field_text(field, word);
                assert_eq!(searcher.doc_freq(&term).unwrap(), expected, "{word}");
                assert_eq!(
                    counts.doc_freq(&searcher, &term).unwrap(),
                    expected,
                    "{word}"
                );
            }
        }
    }
}
