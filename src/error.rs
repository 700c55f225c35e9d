//! The library's error type: what the user can fix (bad input, a missing or incompatible index)
//! apart from what went wrong inside.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input the user gave us is not what it must be (a file, a parameter).
    #[error("{0}")]
    Input(String),
    /// The index directory is missing, half-written, or of another format version.
    #[error("{0}")]
    Index(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("full-text index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
