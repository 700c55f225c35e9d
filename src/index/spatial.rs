//! Nearest-neighbour search on the sphere: points as 3-D unit vectors in R-trees, so that the
//! Euclidean nearest point is the great-circle nearest one, exactly, anywhere in France
//! (including overseas). Distances are then computed with the haversine formula.

use rstar::primitives::GeomWithData;
use rstar::RTree;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// What a point stands for: a housenumber (its position in the store, and its street), or a
/// place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub place: u32,
    /// Position in the housenumber store, or `u32::MAX` for the place itself.
    pub housenumber: u32,
}

type Entry = GeomWithData<[f64; 3], Target>;

/// One R-tree of unit vectors.
pub struct PointTree {
    tree: RTree<Entry>,
}

/// A point found near the query, with its great-circle distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub target: Target,
    pub distance_m: f64,
}

impl PointTree {
    /// Bulk-loads the points (lon, lat in degrees).
    pub fn new(points: Vec<(f64, f64, Target)>) -> PointTree {
        let entries = points
            .into_iter()
            .map(|(lon, lat, t)| Entry::new(unit_vector(lon, lat), t))
            .collect();
        PointTree {
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Points within `radius_m` of (lon, lat), nearest first, that `keep` accepts; at most
    /// `limit` of them.
    pub fn nearest(
        &self,
        lon: f64,
        lat: f64,
        radius_m: f64,
        limit: usize,
        mut keep: impl FnMut(&Target) -> bool,
    ) -> Vec<Found> {
        let query = unit_vector(lon, lat);
        // Chord length of the radius: the Euclidean bound matching the great-circle one.
        let max_chord = 2.0
            * (radius_m / (2.0 * EARTH_RADIUS_M))
                .min(std::f64::consts::FRAC_PI_2)
                .sin();
        let mut found = Vec::new();
        for (entry, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&query) {
            if d2.sqrt() > max_chord || found.len() >= limit {
                break;
            }
            if keep(&entry.data) {
                let [x, y, z] = *entry.geom();
                let (plon, plat) = (
                    y.atan2(x).to_degrees(),
                    z.clamp(-1.0, 1.0).asin().to_degrees(),
                );
                found.push(Found {
                    target: entry.data,
                    distance_m: haversine_m(lon, lat, plon, plat),
                });
            }
        }
        found
    }
}

pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle distance in metres.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_of_known_distance() {
        // Paris (Notre-Dame) to Gap: 555,541.56 m on a sphere of the mean Earth radius
        // (computed independently with Python's math module).
        let d = haversine_m(2.3499, 48.8530, 6.0794, 44.5594);
        assert!((d - 555_541.56).abs() < 0.01, "{d}");
        assert_eq!(haversine_m(6.0, 44.0, 6.0, 44.0), 0.0);
    }

    #[test]
    fn nearest_respects_radius_filter_and_order() {
        let t = |place| Target {
            place,
            housenumber: u32::MAX,
        };
        let tree = PointTree::new(vec![
            (6.0, 44.0, t(0)),
            (6.001, 44.0, t(1)),
            (6.1, 44.0, t(2)),
        ]);
        let found = tree.nearest(6.0, 44.0, 1_000.0, 10, |_| true);
        assert_eq!(
            found.iter().map(|f| f.target.place).collect::<Vec<_>>(),
            [0, 1]
        );
        let found = tree.nearest(6.0, 44.0, 100_000.0, 10, |t| t.place != 0);
        assert_eq!(
            found.iter().map(|f| f.target.place).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!((found[0].distance_m - 80.0).abs() < 1.0);
    }
}
