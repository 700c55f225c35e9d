//! The point index (`points.bin`): the reverse geocoder's three packed R-trees (every
//! housenumber; streets and localities; municipalities), written once at ingest and searched
//! straight from a memory map, so that opening an index builds nothing and only the pages a
//! search touches are read.
//!
//! Layout (all little-endian): the magic `ADRPTS01`, the node size (u32, 16), the number of
//! trees (u32, 3), the item count of each tree (u64 × 3), then each tree's bytes in that order,
//! as `packed_tree.rs` describes them (items, then boxes level by level). Every length follows
//! from the counts, so a file of any other length is refused as damaged or half-written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};
use crate::model::{Kind, Place};

use super::numbers::Numbers;
use super::packed_tree::{self, Level, Packed, PackedTree, NODE_SIZE};
use super::places::Places;
use super::spatial::{Positions, Target};

const MAGIC: &[u8; 8] = b"ADRPTS01";
const TREES: usize = 3;
const HEADER_LEN: usize = 16 + 8 * TREES;

/// Which points a tree holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointSet {
    Housenumbers = 0,
    /// Streets and localities.
    Streets = 1,
    Municipalities = 2,
}

/// The places of [`StorePositions`]: owned while ingest writes the index, mapped once served.
pub enum PlacePoints<'a> {
    Owned(&'a [Place]),
    Mapped(&'a Places),
}

/// Positions of targets in an index's stores: a housenumber's record, a place's position.
pub struct StorePositions<'a> {
    pub places: PlacePoints<'a>,
    pub numbers: &'a Numbers,
}

impl Positions for StorePositions<'_> {
    fn position(&self, target: Target) -> Option<(f64, f64)> {
        if target.housenumber == u32::MAX {
            match self.places {
                PlacePoints::Owned(places) => {
                    let p = &places.get(target.place as usize)?.position;
                    Some((p.lon, p.lat))
                }
                PlacePoints::Mapped(places) => places.lon_lat(target.place),
            }
        } else {
            let r = self.numbers.get(target.housenumber as usize)?;
            Some((r.lon(), r.lat()))
        }
    }
}

/// Where a tree lies in the file.
struct TreeLayout {
    offset: usize,
    items: usize,
    levels: Vec<Level>,
}

/// The memory-mapped point index, read-only.
pub struct PointIndex {
    mmap: Mmap,
    trees: Vec<TreeLayout>,
}

impl PointIndex {
    /// Writes the trees of every point of `places` and `numbers` to `path`.
    pub fn write(path: &Path, places: &[Place], numbers: &Numbers) -> Result<()> {
        let positions = StorePositions {
            places: PlacePoints::Owned(places),
            numbers,
        };
        let places_of = |municipalities: bool| {
            places
                .iter()
                .enumerate()
                .filter(move |(_, p)| (p.kind == Kind::Municipality) == municipalities)
                .map(|(ord, _)| Target {
                    place: ord as u32,
                    housenumber: u32::MAX,
                })
        };
        let housenumbers = places.iter().enumerate().flat_map(|(ord, p)| {
            (p.housenumbers_start..p.housenumbers_start.saturating_add(p.housenumbers_len)).map(
                move |i| Target {
                    place: ord as u32,
                    housenumber: i,
                },
            )
        });
        // The trees are built in memory before anything is written (the header needs their
        // counts): the housenumbers' is the big one, 16 bytes a point while sorting, 8 after.
        let io = |e| Error::io(path, e);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
        let trees = [
            Packed::build(housenumbers, &positions),
            Packed::build(places_of(false), &positions),
            Packed::build(places_of(true), &positions),
        ];
        out.write_all(MAGIC).map_err(io)?;
        out.write_all(&(NODE_SIZE as u32).to_le_bytes())
            .map_err(io)?;
        out.write_all(&(TREES as u32).to_le_bytes()).map_err(io)?;
        for tree in &trees {
            out.write_all(&(tree.len() as u64).to_le_bytes())
                .map_err(io)?;
        }
        for tree in &trees {
            tree.write_to(&mut out).map_err(io)?;
        }
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)
    }

    /// Maps `path`, checking its header and that its length is exactly what the header
    /// announces.
    pub fn open(path: &Path) -> Result<PointIndex> {
        let damaged = |why: String| {
            Error::Index(format!(
                "{}: {why}; the point index is damaged, re-run `adresse ingest`",
                path.display()
            ))
        };
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => damaged("missing".into()),
            _ => Error::io(path, e),
        })?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len() as usize;
        if len < HEADER_LEN {
            return Err(damaged(format!("{len} bytes, too short for its header")));
        }
        // SAFETY: the index generation directory is never modified once published (new data
        // goes to a new generation), so the mapped bytes cannot change under us.
        let mmap = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        if &mmap[..8] != MAGIC {
            return Err(damaged("not a point index of this version".into()));
        }
        let u32_at =
            |i: usize| u32::from_le_bytes([mmap[i], mmap[i + 1], mmap[i + 2], mmap[i + 3]]);
        let (node_size, trees) = (u32_at(8) as usize, u32_at(12) as usize);
        if node_size != NODE_SIZE || trees != TREES {
            return Err(damaged(format!(
                "{trees} trees of {node_size} children per node, expected {TREES} of {NODE_SIZE}"
            )));
        }
        let mut layouts = Vec::with_capacity(TREES);
        let mut offset = HEADER_LEN;
        for t in 0..TREES {
            let at = 16 + 8 * t;
            let items = u64::from_le_bytes(mmap[at..at + 8].try_into().unwrap_or_default());
            let size = usize::try_from(items)
                .ok()
                .and_then(packed_tree::byte_len)
                .filter(|size| offset.checked_add(*size).is_some_and(|end| end <= len))
                .ok_or_else(|| {
                    damaged(format!(
                        "tree {t} announces {items} points but the file holds {len} bytes (half-written?)"
                    ))
                })?;
            let items = items as usize;
            layouts.push(TreeLayout {
                offset,
                items,
                levels: packed_tree::levels(items),
            });
            offset += size;
        }
        if offset != len {
            return Err(damaged(format!(
                "{len} bytes where its header announces {offset}"
            )));
        }
        Ok(PointIndex {
            mmap,
            trees: layouts,
        })
    }

    /// The tree of `set`, searched in place.
    pub fn tree(&self, set: PointSet) -> PackedTree<'_> {
        // `open` made one layout per tree, each within the file.
        let layout = &self.trees[set as usize];
        let bytes = self.mmap.get(layout.offset..).unwrap_or(&[]);
        PackedTree::new(bytes, layout.items, &layout.levels)
    }

    /// Points in the tree of `set`.
    pub fn len(&self, set: PointSet) -> usize {
        self.trees[set as usize].items
    }
}
