//! Positions along a Hilbert curve: the order in which the point index (`points.rs`) lays its
//! points out, so that points next to each other in the file are next to each other on the
//! ground and every node of the packed tree covers a small area.
//!
//! The curve fills the whole lon/lat rectangle of the Earth on a 2³² × 2³² grid (about 1 cm
//! at the equator). It only decides the grouping: the search stays exact whatever the order
//! (boxes are computed from the points they hold), so the curve's seam at the antimeridian
//! costs a little pruning there, never a wrong answer.

/// The distance along the curve of the grid cell holding (lon, lat), in degrees. Values outside
/// the valid ranges are clamped.
pub fn key(lon: f64, lat: f64) -> u64 {
    let cell = |v: f64, min: f64, span: f64| {
        let unit = ((v - min) / span).clamp(0.0, 1.0);
        // `as` saturates, and NaN becomes 0: any input gives a cell.
        (unit * u32::MAX as f64) as u32
    };
    distance(cell(lon, -180.0, 360.0), cell(lat, -90.0, 180.0))
}

/// Hilbert distance of cell (x, y) on the 2³² grid: at each scale, from the coarsest, the
/// quadrant holding the cell adds its rank times the quadrant's area, and the cell is then
/// expressed in that quadrant's own orientation (the curve turns in the lower quadrants).
fn distance(mut x: u32, mut y: u32) -> u64 {
    let mut d = 0u64;
    let mut half = 1u32 << 31;
    while half > 0 {
        let right = x & half != 0;
        let top = y & half != 0;
        let area = u64::from(half) * u64::from(half);
        let rank = match (right, top) {
            (false, false) => 0,
            (false, true) => 1,
            (true, true) => 2,
            (true, false) => 3,
        };
        d += rank * area;
        if !top {
            if right {
                // Lower-right quadrant: mirrored on both axes (only the lower bits still matter).
                x = !x;
                y = !y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        half >>= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a small grid, consecutive distances are neighbouring cells and every cell is visited
    /// once: the defining properties of the curve.
    #[test]
    fn walks_neighbouring_cells_once() {
        // The 8×8 cells in the corner of the 2³² grid: the curve's first 64 steps.
        let mut by_distance: Vec<(u64, u32, u32)> = (0..8u32)
            .flat_map(|x| (0..8u32).map(move |y| (distance(x, y), x, y)))
            .collect();
        by_distance.sort();
        assert_eq!(by_distance.last().map(|c| c.0), Some(63));
        for (i, w) in by_distance.windows(2).enumerate() {
            assert_eq!(w[0].0, i as u64, "cells are not visited once each");
            let (dx, dy) = (w[0].1.abs_diff(w[1].1), w[0].2.abs_diff(w[1].2));
            assert_eq!(dx + dy, 1, "{:?} then {:?} are not neighbours", w[0], w[1]);
        }
    }

    #[test]
    fn any_input_gives_a_key() {
        assert_eq!(key(-180.0, -90.0), 0);
        assert_eq!(key(f64::NAN, f64::NAN), 0);
        assert!(key(180.0, 0.0) > 0);
        assert!(key(2.35, 48.85) != key(2.35, 48.86));
    }
}
