//! Ingest: BAN CSV files → a new index generation, published atomically.
//!
//! Files are read one at a time (BAN ships one per département, and a commune never spans two
//! files), grouped by commune into places, and written as they come, so memory holds one
//! département's rows at most. Rejected rows are reported with file, line and reason.

pub mod ban_csv;
pub mod communes;
mod group;
pub mod reference;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::index::layout::{Manifest, PartialGeneration, SourceFile, FORMAT_NAME, FORMAT_VERSION};
use crate::model::{importance, Kind, Place};

pub use ban_csv::Rejected;
use group::{centroid, group_commune};
use reference::Reference;
use writer::GenerationWriter;

/// At most this many rejected rows are kept for the report (all are counted).
const MAX_REPORTED_REJECTS: usize = 1_000;

/// What an ingest did.
#[derive(Debug)]
pub struct IngestReport {
    pub generation: PathBuf,
    pub manifest: Manifest,
    /// The first rejected rows, with file, line and reason.
    pub rejected: Vec<Rejected>,
}

/// The BAN files named by `inputs`: files as given, directories for their
/// `*.csv` / `*.csv.gz` files in name order.
pub fn source_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Error::io(input, e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    name.ends_with(".csv") || name.ends_with(".csv.gz")
                })
                .collect();
            found.sort();
            files.extend(found);
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(Error::Input(format!(
                "{}: no such file or directory",
                input.display()
            )));
        }
    }
    if files.is_empty() {
        return Err(Error::Input(
            "no BAN CSV file (*.csv or *.csv.gz) found in the given paths".into(),
        ));
    }
    Ok(files)
}

/// Builds a new generation of the index in `index_root` from `files`, with commune data from
/// `reference_dir` (the built-in copy when `None`). On any error the served generation is left
/// untouched.
pub fn ingest(
    files: &[PathBuf],
    reference_dir: Option<&Path>,
    index_root: &Path,
    mut progress: impl FnMut(&str),
) -> Result<IngestReport> {
    let reference = match reference_dir {
        Some(dir) => Reference::load(dir)?,
        None => Reference::embedded()?,
    };
    let partial = PartialGeneration::create(index_root)?;
    let result = build(files, &reference, &partial.dir, &mut progress);
    let (manifest, rejected) = match result {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial.dir);
            return Err(e);
        }
    };
    let generation = partial.publish(&manifest)?;
    Ok(IngestReport {
        generation,
        manifest,
        rejected,
    })
}

fn build(
    files: &[PathBuf],
    reference: &Reference,
    dir: &Path,
    progress: &mut impl FnMut(&str),
) -> Result<(Manifest, Vec<Rejected>)> {
    // A national ingest has the machine to itself: up to 4 tantivy threads (more only
    // multiply the segments to merge).
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let mut writer = GenerationWriter::create(dir, threads)?;
    let mut rejected = Vec::new();
    let (mut rows_read, mut rows_rejected) = (0u64, 0u64);
    // Arrondissements seen, by city (Paris, Lyon, Marseille), to add the city itself at the end.
    let mut arrondissements: BTreeMap<String, Vec<Place>> = BTreeMap::new();
    let mut sources = Vec::new();
    for file in files {
        sources.push(SourceFile::of(file)?);
        let mut by_commune: BTreeMap<String, Vec<ban_csv::BanRow>> = BTreeMap::new();
        let read = ban_csv::read_file(
            file,
            |row| {
                by_commune
                    .entry(row.code_insee.clone())
                    .or_default()
                    .push(row)
            },
            |reject| {
                rows_rejected += 1;
                if rejected.len() < MAX_REPORTED_REJECTS {
                    rejected.push(reject);
                }
            },
        )?;
        rows_read += read;
        for (code, rows) in by_commune {
            let Some(draft) = group_commune(&code, rows, reference) else {
                continue;
            };
            if let Some(city) = reference.city_of_arrondissement(&code) {
                arrondissements
                    .entry(city.code.clone())
                    .or_default()
                    .push(draft.municipality.clone());
            }
            writer.add_place(draft.municipality)?;
            for locality in draft.localities {
                writer.add_place(locality)?;
            }
            for street in draft.streets {
                writer.add_street(street.place, &street.numbers)?;
            }
        }
        progress(&format!("{}: {read} rows", file.display()));
    }
    for (code, parts) in arrondissements {
        if let Some(city) = city_municipality(&code, &parts, reference) {
            writer.add_place(city)?;
        }
    }
    progress("writing the index");
    let counts = writer.finish(dir)?;
    let built_at = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        built_at,
        sources,
        rows_read,
        rows_rejected,
        municipalities: counts.municipalities,
        streets: counts.streets,
        localities: counts.localities,
        housenumbers: counts.housenumbers,
    };
    Ok((manifest, rejected))
}

/// Paris, Lyon and Marseille as municipalities of their own (citycode 75056…), besides their
/// arrondissements: people search "Paris", not "Paris 1er Arrondissement".
fn city_municipality(
    code: &str,
    arrondissements: &[Place],
    reference: &Reference,
) -> Option<Place> {
    let commune = reference.commune(code)?;
    let positions: Vec<_> = arrondissements.iter().map(|p| p.position).collect();
    let population = commune.population.unwrap_or(0);
    Some(Place {
        kind: Kind::Municipality,
        id: code.to_string(),
        name: commune.nom.clone(),
        // Its postcodes are its arrondissements': "75011 Paris" means the 11th, not Paris.
        postcode: None,
        postcodes: Vec::new(),
        citycode: code.to_string(),
        citycodes: vec![code.to_string()],
        city: commune.nom.clone(),
        district: None,
        oldcity: None,
        oldcitycode: None,
        context: reference.context(code),
        position: centroid(&positions)?,
        importance: importance(population, 0),
        population: Some(population),
        localities: arrondissements
            .first()
            .map(|a| a.localities.clone())
            .unwrap_or_default(),
        housenumbers_start: 0,
        housenumbers_len: 0,
    })
}
