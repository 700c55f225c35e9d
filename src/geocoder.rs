//! The one facade the server, the CLI and tests call: an opened index and the operations on it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::error::{Error, Result};
use crate::index::overlay::OverlayBuilder;
use crate::index::snapshot::Snapshot;
use crate::index::Index;
use crate::ingest::ban_csv::BanRow;
use crate::low_priority;
use crate::reverse::{self, ReverseRequest};
use crate::search::{self, Hit, SearchRequest};

/// Cheap to clone: every clone serves the same snapshot, and sees a new one as soon as
/// [`Geocoder::set_corrections`] publishes it.
#[derive(Clone)]
pub struct Geocoder {
    base: Arc<Index>,
    served: Arc<ArcSwap<Snapshot>>,
    corrections: Arc<Corrections>,
}

/// What publishing corrections needs, shared by all clones.
#[derive(Default)]
struct Corrections {
    /// One publish at a time, so the set asked for last is the one served.
    publishing: Mutex<()>,
    builder: OverlayBuilder,
}

impl Geocoder {
    pub fn open(index_root: &Path) -> Result<Geocoder> {
        let base = Arc::new(Index::open(index_root)?);
        Ok(Geocoder {
            served: Arc::new(ArcSwap::from_pointee(Snapshot::new(base.clone(), None))),
            base,
            corrections: Arc::default(),
        })
    }

    /// The base index, as ingested, without corrections. To read a hit's fields, use the
    /// [`snapshot`](Geocoder::snapshot) it was found in.
    pub fn index(&self) -> &Index {
        &self.base
    }

    /// What is served now. Search, reverse and read the results of one request on one snapshot:
    /// a hit's place means something only in the snapshot it came from.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.served.load_full()
    }

    pub fn search(&self, request: &SearchRequest) -> Result<Vec<Hit>> {
        search::search(&self.served.load(), request)
    }

    pub fn reverse(&self, request: &ReverseRequest) -> Vec<Hit> {
        reverse::reverse(&self.served.load(), request)
    }

    /// Serves `communes` (INSEE code → every BAN-shaped row of that commune's current published
    /// revision) in place of the base index's data for those communes; communes not in the map are
    /// served from the base index. Replaces the previous set of corrections as a whole, atomically:
    /// a concurrent search sees the old or the new state, never a mix.
    ///
    /// On error (a row filed under another commune, a disk full while writing the overlay), the
    /// previous set stays served.
    pub fn set_corrections(&self, communes: BTreeMap<String, Vec<BanRow>>) -> Result<()> {
        let corrections = &self.corrections;
        let _one_at_a_time = corrections
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let overlay = if communes.is_empty() {
            None
        } else {
            // Searches go on meanwhile, on the cores this build would otherwise take.
            let build = || corrections.builder.build(&self.base, communes);
            let built = low_priority::run("overlay-build", build)
                .map_err(|e| Error::Internal(format!("cannot start the overlay build: {e}")))?;
            Some(built?)
        };
        let old = self
            .served
            .swap(Arc::new(Snapshot::new(self.base.clone(), overlay)));
        retire(old);
        Ok(())
    }
}

/// Drops a replaced snapshot here, on the publishing thread, once the requests still reading
/// it are done: the last holder pays for closing its overlay and deleting its directory, and
/// that should not be a search. Gives up after a second (a long batch row may hold it) and
/// lets that holder drop it.
fn retire(old: Arc<Snapshot>) {
    let mut old = old;
    for _ in 0..100 {
        match Arc::try_unwrap(old) {
            Ok(snapshot) => return drop(snapshot),
            Err(still_read) => old = still_read,
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
