//! Geometry of nearest-neighbour search on the sphere: points as 3-D unit vectors, so that the
//! Euclidean nearest point is the great-circle nearest one, exactly, anywhere (overseas, the
//! antimeridian and the poles included); distances are then computed with the haversine
//! formula. The points themselves are indexed on disk by `points.rs` in packed trees
//! (`packed_tree.rs`).

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

/// Where a target is (lon, lat in degrees), read from the stores: the index files hold targets,
/// not coordinates, so distances come from the same positions results show.
pub trait Positions {
    fn position(&self, target: Target) -> Option<(f64, f64)>;
}

/// A point found near the query, with its great-circle distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    pub target: Target,
    pub distance_m: f64,
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
}
