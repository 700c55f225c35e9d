//! The place table (`places.bin`): every street, locality and municipality with what results
//! show (names, codes, position, importance) and its normalised search text, addressed by the
//! `ord` fast field of its tantivy document; plus the suffix table and the rare housenumber ids that cannot be derived.
//!
//! Layout: the magic `ADRPLC02`, then the [`PlaceTable`] encoded with postcard.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{HouseNumberRecord, Place, Position};

use super::numbers::NumberRecord;

const MAGIC: &[u8; 8] = b"ADRPLC02";

/// The normalised words of a place, as indexed: kept beside the place so that rescoring reads
/// them instead of normalising names again for every candidate of every query.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchText {
    /// Words of the name, space-separated.
    pub name: String,
    /// Words of where the place is (city, district, former commune, lieux-dits, postcodes).
    pub place: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
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

impl PlaceTable {
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend(
            postcard::to_stdvec(self)
                .map_err(|e| Error::Internal(format!("encoding places: {e}")))?,
        );
        std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
    }

    pub fn read(path: &Path) -> Result<PlaceTable> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::Index(format!(
                "{}: not a place table of this version",
                path.display()
            )));
        }
        postcard::from_bytes(&bytes[MAGIC.len()..])
            .map_err(|e| Error::Index(format!("{}: damaged place table: {e}", path.display())))
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
