//! The on-disk index and its in-memory view: tantivy documents for places, the place table, the
//! housenumber store, and the point index of reverse geocoding, all written at ingest.

pub mod completion_counts;
pub mod doc_info;
pub mod hilbert;
pub mod important_words;
pub mod layout;
pub mod memo;
pub mod numbers;
pub mod overlay;
pub mod packed_tree;
pub mod places;
pub mod points;
pub mod resident;
pub mod schema;
pub mod snapshot;
pub mod spatial;
pub mod word_cards;
pub mod word_counts;
pub mod word_ids;
pub mod word_lists;

use std::path::Path;

use rustc_hash::FxHashSet;
use tantivy::{IndexReader, ReloadPolicy};

use crate::error::{Error, Result};
use crate::text::housenumber::{suffix_key, HouseNumber};

use completion_counts::CompletionCounts;
pub use doc_info::DocInfo;
use important_words::ImportantWords;
pub use layout::Manifest;
use numbers::{NumberRecord, Numbers};
use places::{PlaceRef, PlaceTable};
use points::{PointIndex, StorePositions};
use schema::Fields;
use word_cards::WordCards;
use word_counts::WordCounts;
use word_ids::{Stage, WordIds};

/// File names inside a generation directory.
pub const TANTIVY_DIR: &str = "tantivy";
pub const PLACES_FILE: &str = "places.bin";
pub const NUMBERS_FILE: &str = "numbers.bin";
pub const POINTS_FILE: &str = "points.bin";

/// An opened index generation, read-only and shared by all requests.
pub struct Index {
    pub manifest: Manifest,
    pub reader: IndexReader,
    pub fields: Fields,
    /// Document → place and ranking facts, for candidate retrieval.
    pub docs: DocInfo,
    /// Each place's words as numbers, for scoring common words in candidate retrieval.
    pub word_ids: WordIds,
    /// The same words on one card per place, for scoring the common words of many matches.
    pub word_cards: WordCards,
    /// The words of `docs.most_important()`, side by side.
    pub important_words: ImportantWords,
    /// How many documents hold the completions of the prefixes asked for so far.
    pub completion_counts: CompletionCounts,
    /// How many documents hold the words asked for so far.
    pub word_counts: WordCounts,
    pub table: PlaceTable,
    /// The comparison key of every housenumber suffix in `numbers`: a query's reading of a
    /// suffix no record has is dropped before it costs a lookup per street, or keeps a word
    /// from selecting ("12 ada lovelace": "ada" is no suffix here).
    pub suffix_keys: FxHashSet<String>,
    pub numbers: Numbers,
    /// The nearest-point trees of reverse geocoding, memory-mapped.
    pub points: PointIndex,
}

impl Index {
    /// Opens the generation `INDEX_DIR/current` points to, refusing anything incomplete or of
    /// another format version.
    pub fn open(root: &Path) -> Result<Index> {
        let started = std::time::Instant::now();
        let (dir, manifest) = layout::current_generation(root)?;
        let tantivy_index = tantivy::Index::open_in_dir(dir.join(TANTIVY_DIR)).map_err(|e| {
            Error::Index(format!(
                "{}: cannot open the full-text index ({e}); re-run `adresse ingest`",
                dir.display()
            ))
        })?;
        schema::register_tokenizer(&tantivy_index);
        let fields = schema::fields_of(&tantivy_index)?;
        let reader = tantivy_index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        // Mapped, not decoded: places and their word hashes are read in place when asked for.
        let (table, word_ids, word_cards) = PlaceTable::open(&dir.join(PLACES_FILE))?;
        let table_read = started.elapsed();
        let numbers = Numbers::open(&dir.join(NUMBERS_FILE))?;
        let docs = DocInfo::read(&reader.searcher(), fields.ord, &table.places)?;
        let important_words = ImportantWords::copy(docs.most_important(), &word_ids, &table.texts);
        let doc_info_read = started.elapsed();
        let points = PointIndex::open(&dir.join(POINTS_FILE))?;
        check_points(&table, &numbers, &points)?;
        tracing::debug!(
            dir = %dir.display(),
            places = table.places.len(),
            housenumbers = numbers.len(),
            table_read_ms = table_read.as_millis() as u64,
            doc_info_ms = (doc_info_read - table_read).as_millis() as u64,
            points_opened_ms = (started.elapsed() - doc_info_read).as_millis() as u64,
            "index opened"
        );
        Ok(Index {
            manifest,
            reader,
            fields,
            docs,
            word_ids,
            word_cards,
            important_words,
            completion_counts: CompletionCounts::default(),
            word_counts: WordCounts::default(),
            suffix_keys: table.suffix_keys().collect(),
            table,
            numbers,
            points,
        })
    }

    /// Where the point index's targets are, for its searches.
    pub fn positions(&self) -> StorePositions<'_> {
        StorePositions {
            places: points::PlacePoints::Mapped(&self.table.places),
            numbers: &self.numbers,
        }
    }

    pub fn place(&self, ord: u32) -> Option<PlaceRef<'_>> {
        self.table.places.get(ord as usize)
    }

    /// Asks the processor to bring in the start of what rescoring a place reads: its record,
    /// and the entries of its name and place-field texts.
    pub fn prefetch_place(&self, ord: u32) {
        self.table.places.prefetch(ord as usize);
        self.table.texts.prefetch_name(ord, Stage::Lookup);
        self.word_ids.prefetch(ord, Stage::Lookup);
    }

    /// Finds a housenumber on a street: same number and same suffix key ("12 bis" finds the
    /// stored "12b" and "12bis"); a number without suffix finds only the plain number.
    pub fn find_housenumber(
        &self,
        place: &PlaceRef,
        wanted: &HouseNumber,
    ) -> Option<(u32, NumberRecord)> {
        let start = place.housenumbers_start as usize;
        let len = place.housenumbers_len as usize;
        // Records are sorted by number within a street: binary search for the first one.
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.numbers.get(start + mid) {
                Some(r) if r.number < wanted.number => lo = mid + 1,
                _ => hi = mid,
            }
        }
        (start + lo..start + len)
            .map_while(|i| {
                self.numbers
                    .get(i)
                    .filter(|r| r.number == wanted.number)
                    .map(|r| (i as u32, r))
            })
            .find(|(_, r)| suffix_key(self.table.suffix(r.suffix)) == wanted.suffix)
    }
}

/// The point index must hold every housenumber and place of the stores beside it: a file from
/// another build would answer with the wrong places.
///
/// The counts come from the headers: nothing is scanned. A place whose housenumber range passes
/// the end of the store (a damaged file) needs no check here, as every read of the store is
/// bounds-checked (`Numbers::get`) and such a place only lacks numbers.
fn check_points(table: &PlaceTable, numbers: &Numbers, points: &PointIndex) -> Result<()> {
    use points::PointSet;
    let municipalities = table.municipalities();
    let expected = [
        (PointSet::Housenumbers, numbers.len()),
        (PointSet::Streets, table.places.len() - municipalities),
        (PointSet::Municipalities, municipalities),
    ];
    for (set, count) in expected {
        if points.len(set) != count {
            return Err(Error::Index(format!(
                "the point index holds {} points of {set:?} but the stores {count}; the index is damaged, re-run `adresse ingest`",
                points.len(set)
            )));
        }
    }
    Ok(())
}
