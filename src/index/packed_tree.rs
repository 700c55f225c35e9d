//! A packed static R-tree of points on the unit sphere, searched in place in the bytes of a
//! memory-mapped file: nothing is built or allocated at open.
//!
//! The design follows V. Agafonkin's "flatbush": items sorted along a Hilbert curve
//! (`hilbert.rs`), grouped [`NODE_SIZE`] by [`NODE_SIZE`] under a bounding box, those boxes
//! grouped the same way, level by level, up to a single root. A node's children are found by
//! arithmetic (box `j` of a level covers entries `16j..16j+16` of the level below), so no
//! pointers are stored. Unlike flatbush the boxes are 3-D, around the points' unit vectors
//! (see `spatial.rs`): the Euclidean nearest is then the great-circle nearest, anywhere on
//! Earth, antimeridian and poles included.
//!
//! Bytes of a tree of `n` items (all little-endian):
//! - the items in curve order, 8 bytes each: `place u32 | housenumber u32` (a [`Target`]);
//! - the boxes, lowest level first (the one over the items), root last, 24 bytes each:
//!   `min x, y, z | max x, y, z` as f32, rounded outwards so that a box always holds the exact
//!   (f64) unit vectors of its points.
//!
//! Items carry no coordinates: a point's position is read from the stores ([`Positions`]), so
//! distances and their order are computed in f64 from the very positions results show; the
//! f32 boxes only decide which nodes to open, and never exclude a point they hold.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::hilbert;
use super::spatial::{haversine_m, unit_vector, Found, Positions, Target, EARTH_RADIUS_M};

/// Children per node.
pub const NODE_SIZE: usize = 16;
pub const ITEM_LEN: usize = 8;
pub const BOX_LEN: usize = 24;

/// One level of boxes: where its first box is among all the boxes, and how many it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub first: usize,
    pub count: usize,
}

/// The levels of boxes above `items` items, lowest first; none for an empty tree.
pub fn levels(items: usize) -> Vec<Level> {
    let mut levels = Vec::new();
    let (mut below, mut first) = (items, 0);
    while below > 0 && levels.last().is_none_or(|l: &Level| l.count > 1) {
        let count = below.div_ceil(NODE_SIZE);
        levels.push(Level { first, count });
        first += count;
        below = count;
    }
    levels
}

/// Bytes a tree of `items` items takes; `None` if it overflows.
pub fn byte_len(items: usize) -> Option<usize> {
    let boxes: usize = levels(items).iter().map(|l| l.count).sum();
    items
        .checked_mul(ITEM_LEN)?
        .checked_add(boxes.checked_mul(BOX_LEN)?)
}

/// A tree being built: its items in curve order and its boxes, ready to be written.
pub struct Packed {
    items: Vec<Target>,
    boxes: Vec<[f32; 6]>,
}

impl Packed {
    /// Sorts the targets along the curve and computes the boxes. Targets without a position
    /// are left out.
    pub fn build(targets: impl Iterator<Item = Target>, positions: &impl Positions) -> Packed {
        let mut keyed: Vec<(u64, Target)> = targets
            .filter_map(|t| {
                let (lon, lat) = positions.position(t)?;
                Some((hilbert::key(lon, lat), t))
            })
            .collect();
        // Ties broken by target, so that a build is reproducible.
        keyed.sort_unstable_by_key(|&(key, t)| (key, t.place, t.housenumber));
        let items: Vec<Target> = keyed.into_iter().map(|(_, t)| t).collect();
        let levels = levels(items.len());
        let mut boxes = Vec::with_capacity(levels.iter().map(|l| l.count).sum());
        for chunk in items.chunks(NODE_SIZE) {
            let mut b = Box64::EMPTY;
            for (lon, lat) in chunk.iter().filter_map(|&t| positions.position(t)) {
                b.add(unit_vector(lon, lat));
            }
            boxes.push(b.outward_f32());
        }
        for pair in levels.windows(2) {
            let (below, level) = (pair[0], pair[1]);
            for j in 0..level.count {
                let start = below.first + j * NODE_SIZE;
                let end = (start + NODE_SIZE).min(below.first + below.count);
                let union = boxes[start..end]
                    .iter()
                    .fold(EMPTY_F32, |acc, b| union(&acc, b));
                boxes.push(union);
            }
        }
        Packed { items, boxes }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The tree's bytes, as [`PackedTree`] reads them.
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        for t in &self.items {
            out.write_all(&t.place.to_le_bytes())?;
            out.write_all(&t.housenumber.to_le_bytes())?;
        }
        for b in &self.boxes {
            for v in b {
                out.write_all(&v.to_le_bytes())?;
            }
        }
        Ok(())
    }
}

const EMPTY_F32: [f32; 6] = [
    f32::INFINITY,
    f32::INFINITY,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NEG_INFINITY,
    f32::NEG_INFINITY,
];

fn union(a: &[f32; 6], b: &[f32; 6]) -> [f32; 6] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].min(b[2]),
        a[3].max(b[3]),
        a[4].max(b[4]),
        a[5].max(b[5]),
    ]
}

/// A box in f64, grown point by point.
struct Box64 {
    min: [f64; 3],
    max: [f64; 3],
}

impl Box64 {
    const EMPTY: Box64 = Box64 {
        min: [f64::INFINITY; 3],
        max: [f64::NEG_INFINITY; 3],
    };

    fn add(&mut self, p: [f64; 3]) {
        for d in 0..3 {
            self.min[d] = self.min[d].min(p[d]);
            self.max[d] = self.max[d].max(p[d]);
        }
    }

    /// The smallest f32 box holding this one.
    fn outward_f32(&self) -> [f32; 6] {
        let down = |v: f64| {
            let f = v as f32;
            if f64::from(f) > v {
                f.next_down()
            } else {
                f
            }
        };
        let up = |v: f64| {
            let f = v as f32;
            if f64::from(f) < v {
                f.next_up()
            } else {
                f
            }
        };
        [
            down(self.min[0]),
            down(self.min[1]),
            down(self.min[2]),
            up(self.max[0]),
            up(self.max[1]),
            up(self.max[2]),
        ]
    }
}

/// A tree read in place from its bytes (checked to be [`byte_len`] long by whoever opened
/// them; a shorter slice loses points, it cannot panic).
pub struct PackedTree<'a> {
    bytes: &'a [u8],
    items: usize,
    levels: &'a [Level],
}

impl<'a> PackedTree<'a> {
    /// `levels` must be `levels(items)`.
    pub fn new(bytes: &'a [u8], items: usize, levels: &'a [Level]) -> PackedTree<'a> {
        PackedTree {
            bytes,
            items,
            levels,
        }
    }

    pub fn len(&self) -> usize {
        self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    fn item(&self, i: usize) -> Option<Target> {
        let at = i.checked_mul(ITEM_LEN)?;
        let b = self.bytes.get(at..at + ITEM_LEN)?;
        Some(Target {
            place: u32::from_le_bytes(b[0..4].try_into().ok()?),
            housenumber: u32::from_le_bytes(b[4..8].try_into().ok()?),
        })
    }

    /// Box `j` of all the boxes; an unreadable one is empty (never opened).
    fn bbox(&self, j: usize) -> [f32; 6] {
        let read = || -> Option<[f32; 6]> {
            let at = self.items.checked_mul(ITEM_LEN)? + j.checked_mul(BOX_LEN)?;
            let b = self.bytes.get(at..at.checked_add(BOX_LEN)?)?;
            let f = |k: usize| f32::from_le_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
            Some([f(0), f(4), f(8), f(12), f(16), f(20)])
        };
        read().unwrap_or(EMPTY_F32)
    }

    /// Points within `radius_m` of (lon, lat), nearest first, that `keep` accepts; at most
    /// `limit` of them. Best-first search: nodes and points wait in one queue ordered by their
    /// (lower bound of) distance, so a point comes out only when nothing left can be nearer.
    pub fn nearest(
        &self,
        lon: f64,
        lat: f64,
        radius_m: f64,
        limit: usize,
        positions: &impl Positions,
        mut keep: impl FnMut(&Target) -> bool,
    ) -> Vec<Found> {
        let mut found = Vec::new();
        let Some(top) = self.levels.len().checked_sub(1) else {
            return found;
        };
        if limit == 0 {
            return found;
        }
        let query = unit_vector(lon, lat);
        // Chord length of the radius: the Euclidean bound matching the great-circle one.
        let max_chord = 2.0
            * (radius_m / (2.0 * EARTH_RADIUS_M))
                .min(std::f64::consts::FRAC_PI_2)
                .sin();
        let max_d2 = max_chord * max_chord;
        let mut queue = BinaryHeap::new();
        let root = self.levels[top].first;
        let d2 = box_distance2(&query, &self.bbox(root));
        if d2 <= max_d2 {
            queue.push(Queued {
                d2,
                entry: Entry::Node { level: top, j: 0 },
            });
        }
        while let Some(Queued { entry, .. }) = queue.pop() {
            match entry {
                Entry::Point {
                    target,
                    lon: plon,
                    lat: plat,
                } => {
                    if keep(&target) {
                        found.push(Found {
                            target,
                            distance_m: haversine_m(lon, lat, plon, plat),
                        });
                        if found.len() >= limit {
                            break;
                        }
                    }
                }
                Entry::Node { level, j } => {
                    let start = j * NODE_SIZE;
                    if level == 0 {
                        let end = (start + NODE_SIZE).min(self.items);
                        for target in (start..end).filter_map(|i| self.item(i)) {
                            let Some((plon, plat)) = positions.position(target) else {
                                continue;
                            };
                            let d2 = distance2(&query, &unit_vector(plon, plat));
                            if d2 <= max_d2 {
                                queue.push(Queued {
                                    d2,
                                    entry: Entry::Point {
                                        target,
                                        lon: plon,
                                        lat: plat,
                                    },
                                });
                            }
                        }
                    } else {
                        let below = self.levels[level - 1];
                        let end = (start + NODE_SIZE).min(below.count);
                        for child in start..end {
                            let d2 = box_distance2(&query, &self.bbox(below.first + child));
                            if d2 <= max_d2 {
                                queue.push(Queued {
                                    d2,
                                    entry: Entry::Node {
                                        level: level - 1,
                                        j: child,
                                    },
                                });
                            }
                        }
                    }
                }
            }
        }
        found
    }
}

fn distance2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (0..3).map(|d| (a[d] - b[d]).powi(2)).sum()
}

/// Squared distance from `p` to the nearest point of the box (0 inside); NaN boxes (a damaged
/// file) give NaN, which no radius accepts.
fn box_distance2(p: &[f64; 3], b: &[f32; 6]) -> f64 {
    (0..3)
        .map(|d| {
            let (lo, hi) = (f64::from(b[d]), f64::from(b[d + 3]));
            if p[d] < lo {
                (lo - p[d]).powi(2)
            } else if p[d] > hi {
                (p[d] - hi).powi(2)
            } else if lo <= hi {
                0.0
            } else {
                f64::NAN
            }
        })
        .sum()
}

#[derive(Debug)]
enum Entry {
    Node { level: usize, j: usize },
    Point { target: Target, lon: f64, lat: f64 },
}

/// A queue entry: `BinaryHeap` pops the greatest, so the nearest must compare greatest. At
/// equal distance points come before nodes (a node can then hold nothing nearer), and points
/// by target, so the order does not depend on the file's layout.
#[derive(Debug)]
struct Queued {
    d2: f64,
    entry: Entry,
}

impl Queued {
    fn tie_key(&self) -> (u8, u32, u32) {
        match self.entry {
            Entry::Point { target, .. } => (0, target.place, target.housenumber),
            Entry::Node { .. } => (1, 0, 0),
        }
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .d2
            .total_cmp(&self.d2)
            .then_with(|| other.tie_key().cmp(&self.tie_key()))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Queued {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Points by `place`: the positions of a test tree.
    struct Points(Vec<(f64, f64)>);

    impl Positions for Points {
        fn position(&self, t: Target) -> Option<(f64, f64)> {
            self.0.get(t.place as usize).copied()
        }
    }

    fn tree_bytes(points: &Points) -> (Vec<u8>, usize) {
        let targets = (0..points.0.len() as u32).map(|place| Target {
            place,
            housenumber: u32::MAX,
        });
        let packed = Packed::build(targets, points);
        let mut bytes = Vec::new();
        packed.write_to(&mut bytes).unwrap();
        assert_eq!(Some(bytes.len()), byte_len(packed.len()));
        (bytes, packed.len())
    }

    /// What the search must find: every point scanned, the same distance bound and order.
    fn brute_force(
        points: &Points,
        (lon, lat, radius_m, limit): (f64, f64, f64, usize),
        keep: impl Fn(&Target) -> bool,
    ) -> Vec<u32> {
        let query = unit_vector(lon, lat);
        let max_chord = 2.0
            * (radius_m / (2.0 * EARTH_RADIUS_M))
                .min(1.5707963267948966)
                .sin();
        let mut all: Vec<(f64, u32)> = points
            .0
            .iter()
            .enumerate()
            .map(|(i, &(plon, plat))| (distance2(&query, &unit_vector(plon, plat)), i as u32))
            .filter(|&(d2, i)| {
                d2 <= max_chord * max_chord
                    && keep(&Target {
                        place: i,
                        housenumber: u32::MAX,
                    })
            })
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.into_iter().take(limit).map(|(_, i)| i).collect()
    }

    #[test]
    fn levels_cover_the_items() {
        assert!(levels(0).is_empty());
        assert_eq!(levels(1), [Level { first: 0, count: 1 }]);
        assert_eq!(levels(16), [Level { first: 0, count: 1 }]);
        assert_eq!(
            levels(17),
            [Level { first: 0, count: 2 }, Level { first: 2, count: 1 }]
        );
        assert_eq!(
            levels(4097).iter().map(|l| l.count).collect::<Vec<_>>(),
            [257, 17, 2, 1]
        );
    }

    #[test]
    fn nearest_respects_radius_filter_and_order() {
        let points = Points(vec![(6.0, 44.0), (6.001, 44.0), (6.1, 44.0)]);
        let (bytes, n) = tree_bytes(&points);
        let levels = levels(n);
        let tree = PackedTree::new(&bytes, n, &levels);
        let found = tree.nearest(6.0, 44.0, 1_000.0, 10, &points, |_| true);
        assert_eq!(
            found.iter().map(|f| f.target.place).collect::<Vec<_>>(),
            [0, 1]
        );
        let found = tree.nearest(6.0, 44.0, 100_000.0, 10, &points, |t| t.place != 0);
        assert_eq!(
            found.iter().map(|f| f.target.place).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!((found[0].distance_m - 80.0).abs() < 1.0);
        assert!(tree
            .nearest(6.0, 44.0, 100_000.0, 0, &points, |_| true)
            .is_empty());
    }

    /// Where French addresses are, and the places where a lon/lat layout breaks: the
    /// antimeridian (Wallis-et-Futuna, and its other side), the poles, Adélie Land.
    fn region() -> impl Strategy<Value = (f64, f64, f64, f64)> {
        prop_oneof![
            Just((-5.0, 9.6, 41.3, 51.1)),        // mainland and Corsica
            Just((2.2, 2.5, 48.8, 48.9)),         // Paris: dense
            Just((-61.9, -60.8, 14.3, 16.6)),     // Antilles
            Just((55.2, 55.9, -21.4, -20.8)),     // La Réunion
            Just((163.5, 168.2, -22.8, -19.5)),   // New Caledonia
            Just((179.0, 180.0, -15.0, -13.0)),   // antimeridian, east side
            Just((-180.0, -176.0, -15.0, -13.0)), // antimeridian, west side (Wallis)
            Just((-180.0, 180.0, 85.0, 90.0)),    // north pole
            Just((-180.0, 180.0, -90.0, -66.0)),  // south pole, Adélie Land
        ]
    }

    fn points_in(
        (lon0, lon1, lat0, lat1): (f64, f64, f64, f64),
        n: usize,
    ) -> impl Strategy<Value = Vec<(f64, f64)>> {
        // Rounded to 1e-6°, as stored, with duplicates likely in small ranges.
        proptest::collection::vec((lon0..=lon1, lat0..=lat1), 0..n).prop_map(|v| {
            v.into_iter()
                .map(|(lon, lat)| ((lon * 1e6_f64).round() / 1e6, (lat * 1e6_f64).round() / 1e6))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The tree finds exactly what a scan of every point finds, in the same order, for
        /// points spread over two regions (one query may straddle them) and any radius.
        #[test]
        fn nearest_matches_a_brute_force_scan(
            (points_a, points_b) in (region(), region())
                .prop_flat_map(|(a, b)| (points_in(a, 400), points_in(b, 400))),
            query_region in region(),
            query_at in (0.0..=1.0f64, 0.0..=1.0f64),
            radius_m in prop_oneof![Just(50.0), 1.0..20_000.0f64, 1e5..3e7f64],
            limit in 1usize..40,
            modulo in 1u32..4,
        ) {
            let mut all = points_a;
            all.extend(points_b);
            let points = Points(all);
            let (lon0, lon1, lat0, lat1) = query_region;
            let lon = lon0 + (lon1 - lon0) * query_at.0;
            let lat = lat0 + (lat1 - lat0) * query_at.1;
            let (bytes, n) = tree_bytes(&points);
            let levels = levels(n);
            let tree = PackedTree::new(&bytes, n, &levels);
            let keep = |t: &Target| t.place % modulo == 0;
            let found = tree.nearest(lon, lat, radius_m, limit, &points, keep);
            let expected = brute_force(&points, (lon, lat, radius_m, limit), keep);
            prop_assert_eq!(
                found.iter().map(|f| f.target.place).collect::<Vec<_>>(),
                expected
            );
            for f in &found {
                let (plon, plat) = points.0[f.target.place as usize];
                prop_assert_eq!(f.distance_m, haversine_m(lon, lat, plon, plat));
            }
        }

        /// Damaged bytes (any length, any content) lose or misplace points; they never panic.
        #[test]
        fn damaged_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2_000),
            items in 0usize..200,
            lon in -180.0..180.0f64,
            lat in -90.0..90.0f64,
        ) {
            let points = Points(vec![(lon, lat); 50]);
            let levels = levels(items);
            let tree = PackedTree::new(&bytes, items, &levels);
            let found = tree.nearest(lon, lat, 1e7, 10, &points, |_| true);
            prop_assert!(found.len() <= 10);
        }
    }
}
