//! Commune corrections served live: a small second index of the corrected communes, laid over
//! the immutable base index, and the mask that hides those communes' places in the base.
//!
//! The overlay is written with the ingest code itself (`ingest::communes`) into a temporary
//! directory and opened as any generation, so what a correction indexes and how it ranks cannot
//! drift from a national ingest. It is derived only from the rows it is given: whoever holds the
//! published corrections (the SQLite store) rebuilds it at start, which makes the database the
//! one commit point for crash safety and for replay over a re-ingested base.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use fixedbitset::FixedBitSet;
use tantivy::schema::Field;
use tantivy::Term;
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::ingest::ban_csv::BanRow;
use crate::ingest::communes::ingest_communes;
use crate::ingest::reference::Reference;

use super::word_ids::word_hash;
use super::Index;

/// Base places (by `ord`) hidden because their commune is served by the overlay, and what they
/// hold, to take out of the base's word statistics: served with the overlay, the corrected
/// communes must count once, as the overlay has them, so that how rare a word is (which words
/// select candidates, BM25) is the same as in an index built with the corrections.
pub struct Mask {
    ords: FixedBitSet,
    /// Hidden places.
    docs: u64,
    /// Words of the hidden places, by field.
    tokens: HashMap<Field, u64>,
    /// Hidden places holding a word (by field and `word_hash`).
    doc_freq: HashMap<(Field, u64), u64>,
}

impl Mask {
    pub fn contains(&self, ord: u32) -> bool {
        self.ords.contains(ord as usize)
    }

    /// How many places are hidden.
    pub fn hidden_docs(&self) -> u64 {
        self.docs
    }

    /// How many words of `field` the hidden places hold.
    pub fn hidden_tokens(&self, field: Field) -> u64 {
        self.tokens.get(&field).copied().unwrap_or(0)
    }

    /// How many hidden places hold `term` (a word of the name or place field).
    pub fn hidden_doc_freq(&self, term: &Term) -> u64 {
        let value = term.value();
        let Some(word) = value.as_str() else {
            return 0;
        };
        self.doc_freq
            .get(&(term.field(), word_hash(word)))
            .copied()
            .unwrap_or(0)
    }

    /// The mask hiding `ords` of `base`, with what those places hold.
    fn of(base: &Index, ords: FixedBitSet) -> Mask {
        let mut mask = Mask {
            ords,
            docs: 0,
            tokens: HashMap::new(),
            doc_freq: HashMap::new(),
        };
        let (name, place) = (base.fields.name, base.fields.place);
        for ord in mask.ords.ones() {
            let ord = ord as u32;
            let place_words = base
                .word_ids
                .place(ord)
                .map_or(&[][..], |(_, words, _)| words);
            for (field, words) in [(name, base.word_ids.name(ord)), (place, place_words)] {
                *mask.tokens.entry(field).or_default() += words.len() as u64;
                let distinct: BTreeSet<u64> = words.iter().copied().collect();
                for word in distinct {
                    *mask.doc_freq.entry((field, word)).or_default() += 1;
                }
            }
            mask.docs += 1;
        }
        mask
    }
}

/// The corrected communes, indexed, and what they hide in the base.
pub struct Overlay {
    // Field order matters: the index (open files, memory maps) is dropped before its directory.
    pub index: Index,
    pub mask: Arc<Mask>,
    communes: BTreeSet<String>,
    _dir: TempDir,
}

impl Overlay {
    /// The INSEE codes the overlay answers for.
    pub fn communes(&self) -> &BTreeSet<String> {
        &self.communes
    }
}

/// Builds overlays for one base index, keeping what every build needs. The caller runs one
/// build at a time (the geocoder's publish lock).
#[derive(Default)]
pub struct OverlayBuilder {
    reference: OnceLock<Reference>,
    base_places: OnceLock<HashMap<String, Vec<u32>>>,
    stale_swept: OnceLock<()>,
}

/// Overlay directories are named `adresse-overlay-<pid>-<random>` in the temporary directory,
/// so that the ones a killed server left behind can be told from a running server's.
const DIR_PREFIX: &str = "adresse-overlay-";

impl OverlayBuilder {
    /// The overlay serving `communes` (INSEE code → every row of the commune) over `base`.
    pub fn build(&self, base: &Index, communes: BTreeMap<String, Vec<BanRow>>) -> Result<Overlay> {
        let reference = match self.reference.get() {
            Some(reference) => reference,
            // The built-in copy of `data/ref`, as `ingest` uses by default. Should two builds
            // race here, both copies are equal and one is kept.
            None => {
                let _ = self.reference.set(Reference::embedded()?);
                self.reference
                    .get()
                    .ok_or_else(|| Error::Internal("reference data not kept".into()))?
            }
        };
        let codes: BTreeSet<String> = communes.keys().cloned().collect();
        let temp = std::env::temp_dir();
        self.stale_swept.get_or_init(|| remove_stale_dirs(&temp));
        let dir = tempfile::Builder::new()
            .prefix(&format!("{DIR_PREFIX}{}-", std::process::id()))
            .tempdir_in(&temp)
            .map_err(|e| Error::io(&temp, e))?;
        ingest_communes(communes, reference, dir.path())?;
        let index = Index::open(dir.path())?;
        let base_places = self.base_places.get_or_init(|| places_by_commune(base));
        let mut ords = FixedBitSet::with_capacity(base.table.places.len());
        for ord in codes.iter().filter_map(|c| base_places.get(c)).flatten() {
            ords.insert(*ord as usize);
        }
        Ok(Overlay {
            index,
            mask: Arc::new(Mask::of(base, ords)),
            communes: codes,
            _dir: dir,
        })
    }
}

/// The base's places by the commune they belong to (`citycode`, the arrondissement in Paris,
/// Lyon, Marseille): what a correction of that commune replaces. A city municipality (75056)
/// belongs to none of its arrondissements and stays.
fn places_by_commune(base: &Index) -> HashMap<String, Vec<u32>> {
    let mut by_commune: HashMap<String, Vec<u32>> = HashMap::new();
    for (ord, place) in base.table.places.iter().enumerate() {
        by_commune
            .entry(place.citycode.to_string())
            .or_default()
            .push(ord as u32);
    }
    by_commune
}

/// Removes the overlay directories under `parent` whose server process is gone (killed before
/// it could delete them): they are copies of published corrections, which SQLite keeps anyway.
/// A directory whose process still runs, or whose name does not parse, is left alone.
fn remove_stale_dirs(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_is_running(pid) {
            let path = entry.path();
            match std::fs::remove_dir_all(&path) {
                Ok(()) => tracing::info!(dir = %path.display(), "removed a dead server's overlay"),
                Err(e) => {
                    tracing::warn!(dir = %path.display(), error = %e, "cannot remove a dead server's overlay")
                }
            }
        }
    }
}

/// Whether process `pid` exists. Where that cannot be told (no `/proc`), it is assumed to.
/// Also what the tests' scratch directories are cleaned by (`fuzz/src/scratch.rs`).
pub fn process_is_running(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_overlays_of_dead_processes() {
        let parent = tempfile::tempdir().unwrap();
        // A process that has exited: its pid names no running process (until reused, which
        // the kernel avoids for a long while).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let dead_dir = parent.path().join(format!("{DIR_PREFIX}{dead}-abc"));
        let live_dir = parent
            .path()
            .join(format!("{DIR_PREFIX}{}-abc", std::process::id()));
        let foreign_dir = parent.path().join(format!("{DIR_PREFIX}notapid-abc"));
        for dir in [&dead_dir, &live_dir, &foreign_dir] {
            std::fs::create_dir_all(dir.join("gen-1")).unwrap();
        }
        remove_stale_dirs(parent.path());
        assert!(!dead_dir.exists(), "a dead server's overlay stays");
        assert!(live_dir.exists(), "a running server's overlay was removed");
        assert!(
            foreign_dir.exists(),
            "a directory that is not ours was removed"
        );
    }
}
