//! The index directory and its generations.
//!
//! ```text
//! INDEX_DIR/
//!   current -> gen-1732790000123     symlink to the generation being served
//!   gen-1732790000123/
//!     manifest.json                  format name and version, counts, source files; written last
//!     tantivy/                       place documents
//!     places.bin                     place table (see places/file.rs)
//!     numbers.bin                    housenumber store (see numbers.rs)
//!     points.bin                     point index of reverse geocoding (see points.rs)
//! ```
//! A build writes `gen-<millis>.partial/`, renames it to `gen-<millis>/` once complete, then
//! swaps the `current` link with an atomic rename. A reader therefore sees the old or the new
//! generation, never a half-written one; a crash mid-build leaves only a `.partial` behind,
//! removed by the next build.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const FORMAT_NAME: &str = "adresse-index";
/// Bump on any change of the on-disk formats: an index of another version is refused.
pub const FORMAT_VERSION: u32 = 6;
const MANIFEST: &str = "manifest.json";
const CURRENT: &str = "current";

/// What a generation holds and was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// Unix seconds of the build.
    pub built_at: u64,
    pub sources: Vec<SourceFile>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub municipalities: u64,
    pub streets: u64,
    pub localities: u64,
    pub housenumbers: u64,
}

/// A source file by name, size and modification time: enough to tell the data changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub name: String,
    pub size: u64,
    pub modified: u64,
}

impl SourceFile {
    pub fn of(path: &Path) -> Result<SourceFile> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(SourceFile {
            name,
            size: meta.len(),
            modified,
        })
    }
}

/// A generation being written. Holds the index directory's write lock while alive, so two
/// ingests into one directory cannot remove each other's work.
pub struct PartialGeneration {
    root: PathBuf,
    pub dir: PathBuf,
    name: String,
    _lock: std::fs::File,
}

impl PartialGeneration {
    /// Creates `INDEX_DIR/gen-<millis>.partial/`, removing leftovers of interrupted builds.
    pub fn create(root: &Path) -> Result<PartialGeneration> {
        std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        let lock = lock_for_writing(root)?;
        remove_leftovers(root)?;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let name = format!("gen-{millis}");
        let dir = root.join(format!("{name}.partial"));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(PartialGeneration {
            root: root.to_path_buf(),
            dir,
            name,
            _lock: lock,
        })
    }

    /// Writes the manifest, publishes the generation and points `current` at it; older
    /// generations are then removed.
    pub fn publish(self, manifest: &Manifest) -> Result<PathBuf> {
        let manifest_path = self.dir.join(MANIFEST);
        let json =
            serde_json::to_vec_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
        std::fs::write(&manifest_path, json).map_err(|e| Error::io(&manifest_path, e))?;
        sync_dir(&self.dir)?;
        let final_dir = self.root.join(&self.name);
        std::fs::rename(&self.dir, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
        let link_tmp = self.root.join(format!("{CURRENT}.tmp"));
        let _ = std::fs::remove_file(&link_tmp);
        symlink(Path::new(&self.name), &link_tmp)?;
        let link = self.root.join(CURRENT);
        std::fs::rename(&link_tmp, &link).map_err(|e| Error::io(&link, e))?;
        sync_dir(&self.root)?;
        remove_old_generations(&self.root, &self.name);
        Ok(final_dir)
    }
}

/// Where `current` points, with its manifest checked.
pub fn current_generation(root: &Path) -> Result<(PathBuf, Manifest)> {
    let link = root.join(CURRENT);
    let dir = std::fs::canonicalize(&link).map_err(|_| {
        Error::Index(format!(
            "no index in {}: build it with `adresse ingest --index {} data/ban`",
            root.display(),
            root.display()
        ))
    })?;
    let manifest = read_manifest(&dir)?;
    Ok((dir, manifest))
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let rebuild = "re-run `adresse ingest` to rebuild it";
    let bytes = std::fs::read(&path).map_err(|_| {
        Error::Index(format!(
            "{}: no manifest, the index is half-written; {rebuild}",
            dir.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        Error::Index(format!(
            "{}: unreadable manifest ({e}); {rebuild}",
            path.display()
        ))
    })?;
    if manifest.format != FORMAT_NAME || manifest.version != FORMAT_VERSION {
        return Err(Error::Index(format!(
            "{}: index format {} v{} but this program reads {FORMAT_NAME} v{FORMAT_VERSION}; {rebuild}",
            dir.display(),
            manifest.format,
            manifest.version
        )));
    }
    Ok(manifest)
}

/// An advisory lock on `INDEX_DIR/ingest.lock`, released by the system when the process ends,
/// even by a crash.
fn lock_for_writing(root: &Path) -> Result<std::fs::File> {
    let path = root.join("ingest.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Input(format!(
            "{}: another ingest is writing this index directory; wait for it to finish",
            root.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

fn remove_leftovers(root: &Path) -> Result<()> {
    for entry in std::fs::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("gen-") && name.ends_with(".partial") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

/// Best effort: a generation still open by a running server stays readable on Unix after
/// removal, and a failure here only leaves disk space behind.
fn remove_old_generations(root: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("gen-") && name != keep && !name.ends_with(".partial") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn symlink(target: &Path, link: &Path) -> Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::symlink(target, link).map_err(|e| Error::io(link, e));
    #[cfg(not(unix))]
    return Err(Error::Internal(format!(
        "{}: symbolic links are needed (Unix only)",
        link.display()
    )));
}

fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))
}
