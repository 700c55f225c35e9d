//! Domain types shared by ingest, index and search: the kinds of results, the searchable places
//! (street, locality, municipality) and the housenumbers they carry.

use serde::{Deserialize, Serialize};

/// The four kinds of results of the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    Housenumber,
    Street,
    Locality,
    Municipality,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Housenumber,
        Kind::Street,
        Kind::Locality,
        Kind::Municipality,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Housenumber => "housenumber",
            Kind::Street => "street",
            Kind::Locality => "locality",
            Kind::Municipality => "municipality",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A point in WGS84 degrees with its Lambert-93 projection (metres), as BAN gives both.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lon: f64,
    pub lat: f64,
    pub x: f64,
    pub y: f64,
}

/// A searchable document: a street, a locality (lieu-dit) or a municipality. Housenumbers are
/// not documents of their own; a street points to its run in the housenumber store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub kind: Kind,
    /// `<citycode>_<voie>` for streets and localities, the INSEE code for municipalities.
    pub id: String,
    pub name: String,
    /// Main postcode (the most frequent among the street's rows).
    pub postcode: Option<String>,
    /// Every postcode of a municipality (searchable and filterable); for a street, its own.
    pub postcodes: Vec<String>,
    /// The citycode shown: the commune, or the arrondissement in Paris, Lyon and Marseille.
    pub citycode: String,
    /// Every citycode the place answers a `citycode=` filter for (arrondissement and city for
    /// Paris; the former commune for a street of a former commune).
    pub citycodes: Vec<String>,
    pub city: String,
    pub district: Option<String>,
    pub oldcity: Option<String>,
    pub oldcitycode: Option<String>,
    pub context: String,
    pub position: Position,
    pub importance: f64,
    pub population: Option<u64>,
    /// Other names the place is searched by but that results do not show: the lieux-dits
    /// (`nom_ld`) of a street's numbers; the département of a municipality ("Gap Hautes-Alpes").
    pub localities: Vec<String>,
    /// First housenumber of this place in the housenumber store, and how many there are.
    pub housenumbers_start: u32,
    pub housenumbers_len: u32,
}

impl Place {
    /// Label as the public API writes it: "<street> <postcode> <city>" or "<city>".
    pub fn label(&self) -> String {
        match (self.kind, &self.postcode) {
            (Kind::Municipality, _) => self.name.clone(),
            (_, Some(postcode)) => format!("{} {} {}", self.name, postcode, self.city),
            (_, None) => format!("{} {}", self.name, self.city),
        }
    }
}

/// One housenumber of a street, as stored (see `index::numbers` for the on-disk record).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseNumberRecord {
    pub number: u32,
    /// The suffix as BAN writes it (`rep`: "bis", "b", "ter", "a"…), empty when none.
    pub suffix: String,
    pub id: String,
    pub position: Position,
}

impl HouseNumberRecord {
    /// "12", "12bis": the `housenumber` property of the API.
    pub fn display(&self) -> String {
        format!("{}{}", self.number, self.suffix)
    }
}

/// The importance of a place, as BAN computes it for addok:
/// `round((ln(1 + population / 3) + ln(1 + housenumbers)) / 20, 5)`, capped at 1.
pub fn importance(population: u64, housenumbers: u64) -> f64 {
    let raw = ((1.0 + population as f64 / 3.0).ln() + (1.0 + housenumbers as f64).ln()) / 20.0;
    (raw.min(1.0) * 100_000.0).round() / 100_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importance_follows_the_ban_formula() {
        // Gap: 41,293 inhabitants, as a municipality (no housenumbers).
        assert_eq!(importance(41_293, 0), 0.4765);
        assert_eq!(importance(0, 0), 0.0);
        // The raw formula passes 1 for a city of millions with a long street: capped.
        assert_eq!(importance(2_103_778, 2_000), 1.0);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("house"), None);
    }
}
