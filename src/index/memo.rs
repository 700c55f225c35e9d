//! Values worked out once from an index whose files never change, then remembered for its
//! life: a map behind a lock, keyed by bytes, bounded in size (`completion_counts.rs`,
//! `word_counts.rs`).

use std::sync::Mutex;

use rustc_hash::FxHashMap;

/// Entries kept at most: beyond, values are worked out each time (the first ones, the frequent
/// keys, stay). A few MB at most for the counts kept here.
const MAX_REMEMBERED: usize = 65_536;

pub struct Memo<V> {
    values: Mutex<FxHashMap<Box<[u8]>, V>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Memo<V> {
        Memo {
            values: Mutex::default(),
        }
    }
}

impl<V: Copy> Memo<V> {
    /// The value remembered for `key`, else `compute`'s, remembered if there is room.
    pub fn get_or(&self, key: &[u8], compute: impl FnOnce() -> V) -> V {
        let value: Result<V, std::convert::Infallible> = self.get_or_compute(key, || Ok(compute()));
        value.unwrap_or_else(|never| match never {})
    }

    /// The value remembered for `key`, else `compute`'s, remembered if there is room. The lock
    /// is not held while computing.
    pub fn get_or_compute<E>(
        &self,
        key: &[u8],
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        // A poisoned lock only means a panic elsewhere while it was held: the map is intact.
        let values = || {
            self.values
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(&value) = values().get(key) {
            return Ok(value);
        }
        let value = compute()?;
        let mut values = values();
        if values.len() < MAX_REMEMBERED {
            values.insert(key.into(), value);
        }
        Ok(value)
    }
}
