//! Builds an index generation from rows already grouped by commune: the corrected communes a
//! running server lays over its base index (see `index::overlay`).
//!
//! It goes through the very steps a BAN file ingest takes for each commune (`group_commune`,
//! then `GenerationWriter` in the same order, with the same `Reference`), so a corrected commune
//! is indexed and ranked exactly as a national ingest of the same rows would do it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::index::layout::{Manifest, PartialGeneration, FORMAT_NAME, FORMAT_VERSION};

use super::ban_csv::BanRow;
use super::group::group_commune;
use super::reference::Reference;
use super::writer::GenerationWriter;

/// Writes a generation holding only `communes` (INSEE code → all its rows) into `index_root`
/// and points its `current` at it. Every row must belong to the commune it is filed under.
///
/// Unlike a national ingest, no city municipality (Paris 75056…) is added above corrected
/// arrondissements: the base index keeps its own, which stands for all the arrondissements.
pub fn ingest_communes(
    communes: BTreeMap<String, Vec<BanRow>>,
    reference: &Reference,
    index_root: &Path,
) -> Result<Manifest> {
    check_rows(&communes)?;
    let partial = PartialGeneration::create(index_root)?;
    let manifest = match write(communes, reference, &partial.dir) {
        Ok(manifest) => manifest,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial.dir);
            return Err(e);
        }
    };
    partial.publish(&manifest)?;
    Ok(manifest)
}

/// A row filed under another commune would be indexed with the wrong commune's name and
/// postcodes while the right commune kept its base data: refuse it.
fn check_rows(communes: &BTreeMap<String, Vec<BanRow>>) -> Result<()> {
    for (code, rows) in communes {
        if code.len() != 5 {
            return Err(Error::Input(format!(
                "corrections: {code:?} is not a 5-character INSEE code"
            )));
        }
        if let Some(row) = rows.iter().find(|r| r.code_insee != *code) {
            return Err(Error::Input(format!(
                "corrections for commune {code}: row {} belongs to commune {}",
                row.id, row.code_insee
            )));
        }
    }
    Ok(())
}

fn write(
    communes: BTreeMap<String, Vec<BanRow>>,
    reference: &Reference,
    dir: &Path,
) -> Result<Manifest> {
    // One thread: a few communes index in milliseconds, and the server's searches need the
    // other cores more than this build does.
    let mut writer = GenerationWriter::create(dir, 1)?;
    let mut rows_read = 0u64;
    for (code, rows) in communes {
        rows_read += rows.len() as u64;
        // Same order as `ingest::build`: municipality, localities, streets with their numbers.
        let Some(draft) = group_commune(&code, rows, reference) else {
            continue;
        };
        writer.add_place(draft.municipality)?;
        for locality in draft.localities {
            writer.add_place(locality)?;
        }
        for street in draft.streets {
            writer.add_street(street.place, &street.numbers)?;
        }
    }
    let counts = writer.finish(dir)?;
    let built_at = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        built_at,
        sources: Vec::new(),
        rows_read,
        rows_rejected: 0,
        municipalities: counts.municipalities,
        streets: counts.streets,
        localities: counts.localities,
        housenumbers: counts.housenumbers,
    })
}
