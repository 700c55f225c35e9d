//! The place table (`places.bin`): every street, locality and municipality with what results
//! show (names, codes, position, importance) and its normalised search text, addressed by the
//! `ord` fast field of its tantivy document; plus the words of those texts as hashes (see
//! `word_ids`) and on one card per place (`word_cards`), the suffix table and the rare
//! housenumber ids that cannot be derived.
//!
//! Ingest builds it owned ([`PlaceTableBuilder`], `model::Place`s) and writes it once; serving
//! maps the file and reads each place in place ([`PlaceTable`], [`PlaceRef`]), so that opening
//! decodes nothing per place: at France scale (3.65 M places) decoding the former postcard
//! table took 6 to 9 s. The byte layout is in `file.rs` and `view.rs`.

pub mod file;
mod view;

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::{HouseNumberRecord, Kind, Place, Position};

use super::doc_info::RankFacts;
use super::numbers::NumberRecord;
use super::resident;
use super::word_cards::{BuiltWordCards, WordCards};
use super::word_ids::{word_hash, BuiltWordIds, WordIds};
use super::word_lists::BuiltWordLists;
use file::{PlaceFile, Section, SectionsWriter, ID_EXCEPTION_LEN, STR_REF_LEN};

pub use view::{PlaceRef, PlaceStr, Places, StrList, TextRef, Texts};

/// The normalised words of a place, as indexed, while ingest builds them (see [`TextRef`] for
/// the served form).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SearchText {
    /// Words of the name, space-separated.
    pub name: String,
    /// Words of where the place is (city, district, former commune, lieux-dits, postcodes).
    pub place: String,
}

impl SearchText {
    pub fn as_ref(&self) -> TextRef<'_> {
        TextRef {
            name: &self.name,
            place: &self.place,
        }
    }
}

/// The place table as ingest builds it, in memory, before it is written.
#[derive(Debug, Default)]
pub struct PlaceTableBuilder {
    pub places: Vec<Place>,
    /// Search text of each place, by the same position.
    pub texts: Vec<SearchText>,
    /// Housenumber suffixes as BAN writes them; index 0 is the empty suffix.
    pub suffixes: Vec<String>,
    /// (housenumber position, id) for the housenumbers whose id is not
    /// `<street id>_<number on 5 digits>[_<suffix>]`, sorted by position.
    pub id_exceptions: Vec<(u32, String)>,
}

impl PlaceTableBuilder {
    pub fn write(&self, path: &Path) -> Result<()> {
        let municipalities = self
            .places
            .iter()
            .filter(|p| p.kind == Kind::Municipality)
            .count();
        let mut out = SectionsWriter::new(self.places.len() as u64, municipalities as u64);
        if self.texts.len() != self.places.len() || self.places.len() > u32::MAX as usize {
            return Err(crate::error::Error::Internal(format!(
                "{} places but {} search texts",
                self.places.len(),
                self.texts.len()
            )));
        }
        let mut lists = Vec::new();
        let mut records = Vec::with_capacity(self.places.len() * file::RECORD_LEN);
        let mut rank = Vec::with_capacity(self.places.len() * file::RANK_LEN);
        for place in &self.places {
            records.extend_from_slice(&view::encode_record(place, out.strings(), &mut lists)?);
            for v in [place.importance, place.position.lon, place.position.lat] {
                rank.extend_from_slice(&(v as f32).to_le_bytes());
            }
        }
        *out.out(Section::Records) = records;
        *out.out(Section::Rank) = rank;
        *out.out(Section::Lists) = lists;
        let mut text_names = Vec::with_capacity(self.texts.len() * STR_REF_LEN);
        for text in &self.texts {
            text_names.extend_from_slice(&out.strings().add(&text.name)?);
        }
        *out.out(Section::TextNames) = text_names;
        let ids = BuiltWordIds::build(&self.texts);
        let u32s = |v: &[u32]| v.iter().flat_map(|n| n.to_le_bytes()).collect::<Vec<u8>>();
        let u64s = |v: &[u64]| v.iter().flat_map(|n| n.to_le_bytes()).collect::<Vec<u8>>();
        *out.out(Section::NameStarts) = u32s(&ids.names.starts);
        *out.out(Section::NameWords) = u64s(&ids.names.words);
        *out.out(Section::PlaceTextOf) = u32s(&ids.place_text_of);
        *out.out(Section::PlaceStarts) = u32s(&ids.place_words.starts);
        *out.out(Section::PlaceWords) = u64s(&ids.place_words.words);
        let mut place_texts = Vec::new();
        for text in &ids.place_texts {
            place_texts.extend_from_slice(&out.strings().shared(text)?);
        }
        *out.out(Section::PlaceTexts) = place_texts;
        let mut suffixes = Vec::new();
        for suffix in &self.suffixes {
            suffixes.extend_from_slice(&out.strings().shared(suffix)?);
        }
        *out.out(Section::Suffixes) = suffixes;
        let mut exceptions = Vec::with_capacity(self.id_exceptions.len() * ID_EXCEPTION_LEN);
        for (position, id) in &self.id_exceptions {
            exceptions.extend_from_slice(&position.to_le_bytes());
            exceptions.extend_from_slice(&out.strings().add(id)?);
        }
        *out.out(Section::IdExceptions) = exceptions;
        let cards = BuiltWordCards::build(&self.texts, &ids);
        let mut vocabulary = Vec::with_capacity(cards.vocabulary.len() * STR_REF_LEN);
        for word in &cards.vocabulary {
            vocabulary.extend_from_slice(&out.strings().add(word)?);
        }
        *out.out(Section::Vocabulary) = vocabulary;
        let facts: Vec<RankFacts> = self
            .places
            .iter()
            .map(|place| RankFacts {
                importance: place.importance as f32,
                lon: place.position.lon as f32,
                lat: place.position.lat as f32,
            })
            .collect();
        let lists = BuiltWordLists::build(&self.texts, &ids, &cards, &facts);
        *out.out(Section::NameCards) = cards.name_cards;
        *out.out(Section::PlaceCards) = cards.place_cards;
        *out.out(Section::ListWords) = lists.words;
        *out.out(Section::ListEntries) = lists.entries;
        out.write(path)
    }
}

/// Starts copying the file's hot sections onto huge pages (`PlaceFile::copy_hot_sections`) on
/// a thread of its own, when the kernel offers huge pages: searches go on reading the mapped
/// file until each copy is made. The thread holds the file until it is done.
fn copy_hot_sections_meanwhile(path: &Path, file: &Arc<PlaceFile>) {
    if !resident::enabled() {
        return;
    }
    let (file, path) = (file.clone(), path.to_owned());
    let copying = std::thread::Builder::new()
        .name("adresse-huge-pages".into())
        .spawn(move || {
            let started = std::time::Instant::now();
            match file.copy_hot_sections() {
                Ok(()) => tracing::debug!(
                    path = %path.display(),
                    ms = started.elapsed().as_millis() as u64,
                    "hot sections copied onto huge pages"
                ),
                Err(e) => tracing::warn!(
                    path = %path.display(),
                    "hot sections left mapped, not copied onto huge pages: {e}"
                ),
            }
        });
    if let Err(e) = copying {
        tracing::warn!("no thread to copy hot sections onto huge pages: {e}");
    }
}

/// The place table of an opened index, read in place from the mapped file.
pub struct PlaceTable {
    pub places: Places,
    pub texts: Texts,
    file: Arc<PlaceFile>,
}

impl PlaceTable {
    /// Maps the table, checking its sections (see `file.rs`), and the word hashes stored in it;
    /// with the two views of its places' words.
    pub fn open(path: &Path) -> Result<(PlaceTable, WordIds, WordCards)> {
        let file = Arc::new(PlaceFile::open(path)?);
        let table = PlaceTable {
            places: Places { file: file.clone() },
            texts: Texts { file: file.clone() },
            file: file.clone(),
        };
        let word_ids = WordIds { file: file.clone() };
        check_word_hashes(path, &table.texts, &word_ids)?;
        copy_hot_sections_meanwhile(path, &file);
        Ok((table, word_ids, WordCards { file }))
    }

    /// How many of the places are municipalities (counted at ingest).
    pub fn municipalities(&self) -> usize {
        self.file.municipalities()
    }

    pub fn suffix(&self, index: u16) -> &str {
        self.file
            .item(Section::Suffixes, STR_REF_LEN, index as usize)
            .map_or("", |r| self.file.str(r))
    }

    /// The comparison keys of every housenumber suffix of the table (`housenumber::suffix_key`),
    /// the empty one excepted.
    pub fn suffix_keys(&self) -> impl Iterator<Item = String> + '_ {
        let count = self.file.bytes(Section::Suffixes).len() / STR_REF_LEN;
        (1..count.min(u16::MAX as usize + 1))
            .map(|i| crate::text::housenumber::suffix_key(self.suffix(i as u16)))
            .filter(|key| !key.is_empty())
    }

    fn id_exception(&self, i: usize) -> Option<(u32, &str)> {
        let item = self.file.item(Section::IdExceptions, ID_EXCEPTION_LEN, i)?;
        let position = u32::from_le_bytes(item[..4].try_into().ok()?);
        Some((position, self.file.str(&item[4..])))
    }

    /// The id BAN gives this housenumber.
    pub fn housenumber_id(&self, place: &PlaceRef, position: u32, record: &NumberRecord) -> String {
        // Binary search of the exceptions, sorted by position (a damaged file's disorder only
        // gives a wrong id).
        let (mut lo, mut hi) = (
            0,
            self.file.bytes(Section::IdExceptions).len() / ID_EXCEPTION_LEN,
        );
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.id_exception(mid) {
                Some((p, id)) if p == position => return id.to_string(),
                Some((p, _)) if p < position => lo = mid + 1,
                _ => hi = mid,
            }
        }
        derived_housenumber_id(&place.id, record.number, self.suffix(record.suffix))
    }

    /// The full housenumber (id, suffix text, position) of a stored record.
    pub fn housenumber(
        &self,
        place: &PlaceRef,
        position: u32,
        record: &NumberRecord,
    ) -> HouseNumberRecord {
        let (x, y) = record.xy().unwrap_or((f64::NAN, f64::NAN));
        HouseNumberRecord {
            number: record.number,
            suffix: self.suffix(record.suffix).to_string(),
            id: self.housenumber_id(place, position, record),
            position: Position {
                lon: record.lon(),
                lat: record.lat(),
                x,
                y,
            },
        }
    }
}

/// `<street id>_<number on 5 digits>[_<suffix>]`: the interoperability key (cle_interop) BAN
/// uses for nearly every housenumber.
pub fn derived_housenumber_id(street_id: &str, number: u32, suffix: &str) -> String {
    if suffix.is_empty() {
        format!("{street_id}_{number:05}")
    } else {
        format!("{street_id}_{number:05}_{suffix}")
    }
}

#[cfg(test)]
mod tests;

/// How many places' stored name hashes `check_word_hashes` compares with their text.
const HASH_CHECKED_PLACES: usize = 64;

/// The word hashes are written at ingest with `std`'s hasher, whose algorithm Rust does not
/// promise to keep from one release to the next: read by a program built with another one,
/// they would silently stop matching the query's words, and common words would stop ranking.
/// Hashing the names of a few places again at open tells.
fn check_word_hashes(path: &Path, texts: &Texts, word_ids: &WordIds) -> Result<()> {
    for ord in 0..texts.len().min(HASH_CHECKED_PLACES) {
        let Some(name) = texts.name(ord) else {
            continue;
        };
        let stored = word_ids.name(ord as u32);
        let hashed = name.split(' ').filter(|w| !w.is_empty()).map(word_hash);
        if !stored.iter().copied().eq(hashed) {
            return Err(Error::Index(format!(
                "{}: the word hashes of this index do not match this program's (written by a \
                 build of another Rust version?); re-run `adresse ingest`",
                path.display()
            )));
        }
    }
    Ok(())
}
