//! What the geocoder serves at one instant: the base index and, when communes have been
//! corrected, the overlay serving them. A request works on one snapshot from its search to its
//! last result field, so it sees a set of corrections entirely or not at all, even if another
//! is published meanwhile.

use std::sync::Arc;

use super::overlay::{Mask, Overlay};
use super::places::PlaceRef;
use super::Index;

/// Which index of a snapshot a result comes from: its place `ord` means something only there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layer {
    #[default]
    Base,
    Overlay,
}

pub struct Snapshot {
    base: Arc<Index>,
    overlay: Option<Overlay>,
}

impl Snapshot {
    pub fn new(base: Arc<Index>, overlay: Option<Overlay>) -> Snapshot {
        Snapshot { base, overlay }
    }

    pub fn base(&self) -> &Index {
        &self.base
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn index(&self, layer: Layer) -> Option<&Index> {
        match layer {
            Layer::Base => Some(&self.base),
            Layer::Overlay => self.overlay.as_ref().map(|o| &o.index),
        }
    }

    pub fn place(&self, layer: Layer, ord: u32) -> Option<PlaceRef<'_>> {
        self.index(layer)?.place(ord)
    }

    /// Each index to query, with the places it must not answer for: the base without the
    /// corrected communes, then the overlay.
    pub fn layers(&self) -> impl Iterator<Item = (Layer, &Index, Option<&Arc<Mask>>)> {
        let base = (
            Layer::Base,
            &*self.base,
            self.overlay.as_ref().map(|o| &o.mask),
        );
        let overlay = self
            .overlay
            .as_ref()
            .map(|o| (Layer::Overlay, &o.index, None));
        std::iter::once(base).chain(overlay)
    }
}
