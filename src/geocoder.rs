//! The one facade the server, the CLI and tests call: an opened index and the operations on it.

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::index::Index;
use crate::reverse::{self, ReverseRequest};
use crate::search::{self, Hit, SearchRequest};

#[derive(Clone)]
pub struct Geocoder {
    index: Arc<Index>,
}

impl Geocoder {
    pub fn open(index_root: &Path) -> Result<Geocoder> {
        Ok(Geocoder {
            index: Arc::new(Index::open(index_root)?),
        })
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    pub fn search(&self, request: &SearchRequest) -> Result<Vec<Hit>> {
        search::search(&self.index, request)
    }

    pub fn reverse(&self, request: &ReverseRequest) -> Vec<Hit> {
        reverse::reverse(&self.index, request)
    }
}
