//! WGS84 longitude/latitude → Lambert-93 (RGF93, EPSG:2154) metres, for the `x`/`y` columns of
//! synthetic rows. Lambert-93 is the French official projection: a Lambert conformal conic with
//! standard parallels 44° and 49° N on the GRS80 ellipsoid, origin 3° E 46.5° N at
//! (700,000 m, 6,600,000 m) — the parameters IGN publishes. RGF93 and WGS84 differ by less than
//! a metre, which is below what these columns are used for (display only).

const A: f64 = 6_378_137.0;
const F: f64 = 1.0 / 298.257_222_101;
const LAT1: f64 = 44.0;
const LAT2: f64 = 49.0;
const LAT0: f64 = 46.5;
const LON0: f64 = 3.0;
const X0: f64 = 700_000.0;
const Y0: f64 = 6_600_000.0;

fn eccentricity() -> f64 {
    (2.0 * F - F * F).sqrt()
}

fn m(phi: f64, e: f64) -> f64 {
    phi.cos() / (1.0 - (e * phi.sin()).powi(2)).sqrt()
}

fn t(phi: f64, e: f64) -> f64 {
    let es = e * phi.sin();
    (std::f64::consts::FRAC_PI_4 - phi / 2.0).tan() / ((1.0 - es) / (1.0 + es)).powf(e / 2.0)
}

/// (x, y) in metres of a WGS84 point.
pub fn to_lambert93(lon: f64, lat: f64) -> (f64, f64) {
    let e = eccentricity();
    let (p1, p2, p0) = (LAT1.to_radians(), LAT2.to_radians(), LAT0.to_radians());
    let n = (m(p1, e).ln() - m(p2, e).ln()) / (t(p1, e).ln() - t(p2, e).ln());
    let big_f = m(p1, e) / (n * t(p1, e).powf(n));
    let rho = |phi: f64| A * big_f * t(phi, e).powf(n);
    let theta = n * (lon - LON0).to_radians();
    let r = rho(lat.to_radians());
    (X0 + r * theta.sin(), Y0 + rho(p0) - r * theta.cos())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real BAN rows give both coordinates: the projection must agree within a metre.
    #[test]
    fn agrees_with_real_ban_rows() {
        // 75101_cfq3tf_00001 (Paris) and 05087_0700_00005 (Montmaur, Hautes-Alpes).
        for (lon, lat, x, y) in [
            (2.330113, 48.861299, 650_852.91, 6_862_571.27),
            (5.87133, 44.570669, 927_942.82, 6_389_876.92),
        ] {
            let (px, py) = to_lambert93(lon, lat);
            assert!(
                (px - x).abs() < 1.0 && (py - y).abs() < 1.0,
                "{lon},{lat} → {px},{py}, BAN says {x},{y}"
            );
        }
    }
}
