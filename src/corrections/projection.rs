//! Lambert-93 (EPSG:2154, the metric coordinates `x`/`y` of a BAL) to and from WGS84
//! longitude/latitude, with the `proj4rs` crate.

use proj4rs::proj::Proj;

use crate::error::{Error, Result};

/// EPSG:2154 as a PROJ string (RGF93 is WGS84-compatible at this precision: no datum shift).
const LAMBERT_93: &str = "+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs";
const WGS84: &str = "+proj=longlat +ellps=WGS84 +datum=WGS84 +no_defs +type=crs";

fn projections() -> Result<(Proj, Proj)> {
    let parse = |s: &str| {
        Proj::from_proj_string(s).map_err(|e| Error::Internal(format!("projection {s}: {e}")))
    };
    Ok((parse(WGS84)?, parse(LAMBERT_93)?))
}

/// Lambert-93 metres of a WGS84 point in degrees.
pub fn to_lambert93(lon: f64, lat: f64) -> Result<(f64, f64)> {
    let (wgs84, l93) = projections()?;
    let mut point = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&wgs84, &l93, &mut point)
        .map_err(|e| Error::Input(format!("cannot project {lon}, {lat} to Lambert-93: {e}")))?;
    Ok((point.0, point.1))
}

/// WGS84 degrees of a Lambert-93 point in metres.
pub fn from_lambert93(x: f64, y: f64) -> Result<(f64, f64)> {
    let (wgs84, l93) = projections()?;
    let mut point = (x, y, 0.0);
    proj4rs::transform::transform(&l93, &wgs84, &mut point)
        .map_err(|e| Error::Input(format!("cannot project {x}, {y} from Lambert-93: {e}")))?;
    Ok((point.0.to_degrees(), point.1.to_degrees()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_ban_point_projects_to_its_published_lambert93() {
        // 05001_fuxrfi_00001 in data/ban/adresses-05.csv.gz: x 1010832.86, y 6417719.23.
        let (x, y) = to_lambert93(6.931431, 44.788965).unwrap();
        assert!((x - 1010832.86).abs() < 0.5, "{x}");
        assert!((y - 6417719.23).abs() < 0.5, "{y}");
        let (lon, lat) = from_lambert93(1010832.86, 6417719.23).unwrap();
        assert!((lon - 6.931431).abs() < 1e-5 && (lat - 44.788965).abs() < 1e-5);
    }
}
