//! The place table (`places.bin`): every street, locality and municipality with what results
//! show (names, codes, position, importance) and its normalised search text, addressed by the
//! `ord` fast field of its tantivy document; plus the suffix table and the rare housenumber ids that cannot be derived.
//!
//! Layout: the magic `ADRPLC03`; the byte length of the places section (u64, little-endian);
//! the places section (`Vec<Place>`, postcard); the texts section (search texts, suffixes and
//! id exceptions, postcard). Two sections so that opening decodes them on two cores at once:
//! at France scale (3.65 M places, 709 MB) decoding the table whole took about 5 s.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{HouseNumberRecord, Place, Position};

use super::numbers::NumberRecord;

const MAGIC: &[u8; 8] = b"ADRPLC03";

/// The normalised words of a place, as indexed: kept beside the place so that rescoring reads
/// them instead of normalising names again for every candidate of every query.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchText {
    /// Words of the name, space-separated.
    pub name: String,
    /// Words of where the place is (city, district, former commune, lieux-dits, postcodes).
    pub place: String,
}

#[derive(Debug, Default)]
pub struct PlaceTable {
    pub places: Vec<Place>,
    /// Search text of each place, by the same position.
    pub texts: Vec<SearchText>,
    /// Housenumber suffixes as BAN writes them; index 0 is the empty suffix.
    pub suffixes: Vec<String>,
    /// (housenumber position, id) for the housenumbers whose id is not
    /// `<street id>_<number on 5 digits>[_<suffix>]`, sorted by position.
    pub id_exceptions: Vec<(u32, String)>,
}

/// The texts section of the file: everything but the places.
#[derive(Serialize)]
struct TextsSection<'a> {
    texts: &'a [SearchText],
    suffixes: &'a [String],
    id_exceptions: &'a [(u32, String)],
}

#[derive(Deserialize)]
struct OwnedTextsSection {
    texts: Vec<SearchText>,
    suffixes: Vec<String>,
    id_exceptions: Vec<(u32, String)>,
}

impl PlaceTable {
    pub fn write(&self, path: &Path) -> Result<()> {
        let encoding = |e: postcard::Error| Error::Internal(format!("encoding places: {e}"));
        let places = postcard::to_stdvec(&self.places).map_err(encoding)?;
        let texts = postcard::to_stdvec(&TextsSection {
            texts: &self.texts,
            suffixes: &self.suffixes,
            id_exceptions: &self.id_exceptions,
        })
        .map_err(encoding)?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + 8 + places.len() + texts.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(places.len() as u64).to_le_bytes());
        bytes.extend(places);
        bytes.extend(texts);
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    pub fn read(path: &Path) -> Result<PlaceTable> {
        Ok(PlaceTable::read_with(path, |_| ())?.0)
    }

    /// Reads the table, decoding its two sections on two threads; `with_texts` runs on the
    /// search texts as soon as they are decoded, while the places may still be.
    pub fn read_with<T: Send>(
        path: &Path,
        with_texts: impl FnOnce(&[SearchText]) -> T + Send,
    ) -> Result<(PlaceTable, T)> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let damaged = |what: String| Error::Index(format!("{}: {what}", path.display()));
        if bytes.len() < MAGIC.len() + 8 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(damaged("not a place table of this version".into()));
        }
        let mut length = [0u8; 8];
        length.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + 8]);
        let rest = &bytes[MAGIC.len() + 8..];
        let places_len = usize::try_from(u64::from_le_bytes(length))
            .ok()
            .filter(|&n| n <= rest.len())
            .ok_or_else(|| damaged("damaged place table: sections past the end".into()))?;
        let (places_bytes, texts_bytes) = rest.split_at(places_len);
        let (places, texts) = std::thread::scope(|scope| {
            let texts = scope.spawn(|| {
                postcard::from_bytes::<OwnedTextsSection>(texts_bytes).map(|section| {
                    let done = with_texts(&section.texts);
                    (section, done)
                })
            });
            let places = postcard::from_bytes::<Vec<Place>>(places_bytes);
            (places, texts.join())
        });
        let places = places.map_err(|e| damaged(format!("damaged place table: {e}")))?;
        let (section, done) = texts
            .map_err(|_| Error::Internal("decoding the search texts panicked".into()))?
            .map_err(|e| damaged(format!("damaged place table: {e}")))?;
        let table = PlaceTable {
            places,
            texts: section.texts,
            suffixes: section.suffixes,
            id_exceptions: section.id_exceptions,
        };
        Ok((table, done))
    }

    pub fn suffix(&self, index: u16) -> &str {
        self.suffixes.get(index as usize).map_or("", String::as_str)
    }

    /// The id BAN gives this housenumber.
    pub fn housenumber_id(&self, place: &Place, position: u32, record: &NumberRecord) -> String {
        if let Ok(i) = self
            .id_exceptions
            .binary_search_by_key(&position, |(p, _)| *p)
        {
            return self.id_exceptions[i].1.clone();
        }
        derived_housenumber_id(&place.id, record.number, self.suffix(record.suffix))
    }

    /// The full housenumber (id, suffix text, position) of a stored record.
    pub fn housenumber(
        &self,
        place: &Place,
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
mod tests {
    use super::*;

    #[test]
    fn derived_ids_match_ban_keys() {
        assert_eq!(
            derived_housenumber_id("05001_fuxrfi", 1, ""),
            "05001_fuxrfi_00001"
        );
        assert_eq!(
            derived_housenumber_id("75111_1234", 12, "bis"),
            "75111_1234_00012_bis"
        );
    }
}
