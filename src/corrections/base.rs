//! What the national index holds for one commune, read back from the opened index: the starting
//! point of JSON edits when the commune has published nothing yet, the addresses the
//! mass-deletion guard counts, and the postcodes a BAL file does not carry.

use std::collections::HashMap;

use crate::index::Index;
use crate::ingest::ban_csv::BanRow;
use crate::model::Kind;

use super::bal::Postcodes;
use super::validation::NO_NUMBER;

/// The commune's addresses as BAN rows: every housenumber of its streets and every named place
/// without number. The position type is not kept by the index; lieux-dits (`nom_ld`) are kept
/// when a street has only one.
pub fn rows(index: &Index, commune: &str) -> Vec<BanRow> {
    let mut rows = Vec::new();
    for place in index.table.places.iter() {
        if place.citycode != commune {
            continue;
        }
        let base = |id: String, numero: u32, rep: String, p: crate::model::Position| BanRow {
            id,
            numero,
            rep,
            nom_voie: place.name.to_string(),
            code_postal: place.postcode.unwrap_or_default().to_string(),
            code_insee: place.citycode.to_string(),
            nom_commune: place.district.unwrap_or(place.city).to_string(),
            old_code: place.oldcitycode.unwrap_or_default().to_string(),
            old_name: place.oldcity.unwrap_or_default().to_string(),
            x: p.x,
            y: p.y,
            lon: p.lon,
            lat: p.lat,
            nom_ld: match place.localities.len() {
                1 => place.localities.first().unwrap_or_default().to_string(),
                _ => String::new(),
            },
        };
        match place.kind {
            Kind::Street => {
                let start = place.housenumbers_start;
                for position in start..start + place.housenumbers_len {
                    let Some(record) = index.numbers.get(position as usize) else {
                        continue;
                    };
                    let hn = index.table.housenumber(&place, position, &record);
                    rows.push(base(hn.id, hn.number, hn.suffix, hn.position));
                }
            }
            // Localities built from `nom_ld` (`<code>_ld_…`) are not rows of their own.
            Kind::Locality if !place.id.contains("_ld_") => {
                let id = crate::index::places::derived_housenumber_id(&place.id, NO_NUMBER, "");
                let mut row = base(id, NO_NUMBER, String::new(), place.position);
                row.nom_ld = String::new();
                rows.push(row);
            }
            _ => {}
        }
    }
    rows
}

/// Postcodes of the commune's streets in the index, and its most frequent one.
pub fn postcodes(index: &Index, commune: &str) -> Postcodes {
    let mut by_street = HashMap::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for place in index.table.places.iter() {
        if place.citycode != commune || place.kind == Kind::Municipality {
            continue;
        }
        if let Some(postcode) = place.postcode {
            by_street.insert(place.id.to_string(), postcode.to_string());
            *counts.entry(postcode.to_string()).or_default() += place.housenumbers_len as usize + 1;
        }
    }
    let default = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(p, _)| p)
        .unwrap_or_default();
    Postcodes { by_street, default }
}
