//! The synthetic addresses of one commune: streets with real names, housenumbers drawn from
//! the measured distributions, points along a wandering line inside the commune's bounding box,
//! written as BAN rows.

use std::collections::HashSet;
use std::io::Write;

use rand::seq::SliceRandom;
use rand::Rng;

use super::lambert::to_lambert93;
use super::profile::Profile;
use super::sources::CommuneSpec;
use crate::error::{Error, Result};
use crate::ingest::ban_csv::LOCALITY_NUMBER;
use crate::text::housenumber::MAX_HOUSENUMBER;

/// Metres per degree of latitude; of longitude, times cos(latitude).
const M_PER_DEG: f64 = 111_195.0;
/// Odd numbers on one side of the street, even ones on the other, this far from its middle.
const SIDE_OFFSET_M: f64 = 6.0;
/// A street's heading turns by up to this much (degrees) between two numbers: streets bend.
const MAX_TURN_DEG: f64 = 8.0;

/// What a commune's generation draws from.
pub struct Draw<'a> {
    pub profile: &'a Profile,
    pub street_names: &'a [String],
}

/// Writes about `target` rows for `commune` (at least one street of one number).
pub fn write_commune<W: Write>(
    commune: &CommuneSpec,
    target: u64,
    draw: &Draw<'_>,
    rng: &mut impl Rng,
    out: &mut csv::Writer<W>,
) -> Result<u64> {
    let p = draw.profile;
    let target = target.max(1);
    let mut writer = RowWriter::new(commune, out);
    // Lieux-dits of the commune: as many as the measured rows per lieu-dit ask for.
    let lieux_dits: Vec<&str> = if p.lieu_dit_names.is_empty() || p.lieu_dit_share == 0.0 {
        Vec::new()
    } else {
        let n = ((target as f64 * p.lieu_dit_share) / p.rows_per_lieu_dit.max(1.0)).ceil();
        (0..n as usize)
            .map(|_| {
                p.lieu_dit_names
                    .choose(rng)
                    .map(String::as_str)
                    .unwrap_or("")
            })
            .collect()
    };
    let mut written = 0u64;
    let mut names_used: HashSet<&str> = HashSet::new();
    let mut street_index = 0u32;
    while written < target {
        let size = (*p.street_sizes.choose(rng).unwrap_or(&1) as u64).min(target - written);
        let name = pick_name(draw.street_names, &mut names_used, rng);
        let street = Street {
            voie: voie_id(street_index),
            name,
            postcode: commune
                .postcodes
                .choose(rng)
                .map(String::as_str)
                .unwrap_or(""),
            lieu_dit: if rng.gen_bool(p.lieu_dit_share.clamp(0.0, 1.0)) {
                lieux_dits.choose(rng).copied().unwrap_or("")
            } else {
                ""
            },
            former: if !commune.former.is_empty() && rng.gen_bool(p.former_share.clamp(0.0, 1.0)) {
                commune.former.choose(rng)
            } else {
                None
            },
        };
        written += write_street(&street, size, commune, p, rng, &mut writer)?;
        street_index += 1;
    }
    // Named places without an address (numero 99999), in their measured share.
    let localities = (target as f64 * p.locality_share).round() as u64;
    for _ in 0..localities {
        let Some(name) = lieux_dits.choose(rng).copied() else {
            break;
        };
        let street = Street {
            voie: voie_id(street_index),
            name,
            postcode: commune
                .postcodes
                .choose(rng)
                .map(String::as_str)
                .unwrap_or(""),
            lieu_dit: name,
            former: None,
        };
        let point = start_point(commune, rng);
        writer.write(&street, LOCALITY_NUMBER, "", point, p, rng)?;
        street_index += 1;
        written += 1;
    }
    Ok(written)
}

/// A real name not yet used in this commune (after a few tries, a repeated one: real communes
/// have those too, under another voie id).
fn pick_name<'a>(names: &'a [String], used: &mut HashSet<&'a str>, rng: &mut impl Rng) -> &'a str {
    let mut name = "";
    for _ in 0..20 {
        name = names
            .choose(rng)
            .map(String::as_str)
            .unwrap_or("Rue Principale");
        if used.insert(name) {
            break;
        }
    }
    name
}

/// A voie id like BAN's: four digits (FANTOIR-like), then six base-36 characters.
fn voie_id(index: u32) -> String {
    if index < 10_000 {
        return format!("{index:04}");
    }
    let mut n = index;
    let mut id = [b'0'; 6];
    for slot in id.iter_mut().rev() {
        *slot = b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8_lossy(&id).into_owned()
}

struct Street<'a> {
    voie: String,
    name: &'a str,
    postcode: &'a str,
    lieu_dit: &'a str,
    former: Option<&'a (String, String)>,
}

/// Triangular around the centre, inside the bounding box: addresses gather near the middle.
fn start_point(c: &CommuneSpec, rng: &mut impl Rng) -> (f64, f64) {
    let [x0, y0, x1, y1] = c.bbox;
    let tri = |rng: &mut dyn rand::RngCore| rng.gen::<f64>() + rng.gen::<f64>() - 1.0;
    let lon = c.center[0] + tri(rng) * (x1 - x0) / 2.0;
    let lat = c.center[1] + tri(rng) * (y1 - y0) / 2.0;
    (lon.clamp(x0, x1), lat.clamp(y0, y1))
}

/// Writes `size` rows of one street; returns how many.
fn write_street<W: Write>(
    street: &Street<'_>,
    size: u64,
    commune: &CommuneSpec,
    p: &Profile,
    rng: &mut impl Rng,
    writer: &mut RowWriter<'_, W>,
) -> Result<u64> {
    let [x0, y0, x1, y1] = commune.bbox;
    let (mut lon, mut lat) = start_point(commune, rng);
    let mut heading: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    let mut number = 0u32;
    let mut used_suffixes: Vec<&str> = Vec::new();
    for row in 0..size {
        // A suffixed row repeats the previous number ("12 bis" after "12").
        let suffix = if row > 0 && rng.gen_bool(p.suffix_share.clamp(0.0, 1.0)) {
            let s = p.suffixes.draw(rng);
            if used_suffixes.contains(&s) {
                ""
            } else {
                s
            }
        } else {
            ""
        };
        if suffix.is_empty() {
            let gap = *p.number_gaps.choose(rng).unwrap_or(&1);
            number = (number + gap.max(1)).min(MAX_HOUSENUMBER);
            used_suffixes.clear();
            // Walk along the street, bending a little; turn back at the commune's edge.
            heading += rng.gen_range(-MAX_TURN_DEG..MAX_TURN_DEG).to_radians();
            let step = p.spacing_m / M_PER_DEG;
            let (mut nlon, mut nlat) = (
                lon + step * heading.cos() / lat.to_radians().cos(),
                lat + step * heading.sin(),
            );
            if !(x0..=x1).contains(&nlon) || !(y0..=y1).contains(&nlat) {
                heading += std::f64::consts::PI;
                (nlon, nlat) = (nlon.clamp(x0, x1), nlat.clamp(y0, y1));
            }
            (lon, lat) = (nlon, nlat);
        } else {
            used_suffixes.push(suffix);
        }
        // Odd numbers left of the heading, even ones right.
        let side = if number % 2 == 1 { 1.0 } else { -1.0 };
        let normal = heading + side * std::f64::consts::FRAC_PI_2;
        let off = SIDE_OFFSET_M / M_PER_DEG;
        let point = (
            (lon + off * normal.cos() / lat.to_radians().cos()).clamp(x0, x1),
            (lat + off * normal.sin()).clamp(y0, y1),
        );
        writer.write(street, number, suffix, point, p, rng)?;
    }
    Ok(size)
}

/// Formats rows of one commune.
struct RowWriter<'a, W: Write> {
    commune: &'a CommuneSpec,
    acheminement: String,
    out: &'a mut csv::Writer<W>,
    /// Whether x/y are Lambert-93 here (mainland and Corsica; overseas uses other projections,
    /// which we leave empty as the reader allows).
    lambert: bool,
}

impl<'a, W: Write> RowWriter<'a, W> {
    fn new(commune: &'a CommuneSpec, out: &'a mut csv::Writer<W>) -> Self {
        RowWriter {
            commune,
            acheminement: afnor(&commune.name),
            out,
            lambert: !commune.code.starts_with("97"),
        }
    }

    fn write(
        &mut self,
        street: &Street<'_>,
        numero: u32,
        rep: &str,
        (lon, lat): (f64, f64),
        p: &Profile,
        rng: &mut impl Rng,
    ) -> Result<()> {
        let c = self.commune;
        let voie = format!("{}_{}", c.code, street.voie);
        let mut id = format!("{voie}_{numero:05}");
        if !rep.is_empty() {
            id.push('_');
            id.push_str(rep);
        }
        let (x, y) = if self.lambert {
            let (x, y) = to_lambert93(lon, lat);
            (format!("{x:.2}"), format!("{y:.2}"))
        } else {
            (String::new(), String::new())
        };
        let fantoir = if rng.gen_bool(p.fantoir_share.clamp(0.0, 1.0)) {
            voie.as_str()
        } else {
            ""
        };
        let cad = if rng.gen_bool(p.cad_share.clamp(0.0, 1.0)) {
            format!("{}000A{:04}", c.code, rng.gen_range(1..2000))
        } else {
            String::new()
        };
        let (old_code, old_name) = street
            .former
            .map_or(("", ""), |(code, name)| (code.as_str(), name.as_str()));
        let record: [&str; 23] = [
            &id,
            fantoir,
            &numero.to_string(),
            rep,
            street.name,
            street.postcode,
            &c.code,
            &c.name,
            old_code,
            old_name,
            &x,
            &y,
            &format!("{lon:.6}"),
            &format!("{lat:.6}"),
            p.type_position.draw(rng),
            "",
            street.lieu_dit,
            &self.acheminement,
            &afnor(street.name),
            "commune",
            "commune",
            p.certification.draw(rng),
            &cad,
        ];
        self.out
            .write_record(record)
            .map_err(|e| Error::Internal(format!("writing synthetic rows: {e}")))
    }
}

/// The AFNOR form BAN gives (`nom_afnor`, `libelle_acheminement`): upper case, no accents,
/// apostrophes and hyphens as spaces.
fn afnor(name: &str) -> String {
    crate::text::fold(name)
        .chars()
        .map(|ch| match ch {
            '\'' | '’' | '-' => ' ',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voie_ids_are_distinct_and_shaped_like_ban() {
        assert_eq!(voie_id(7), "0007");
        assert_eq!(voie_id(9_999), "9999");
        assert_eq!(voie_id(10_000).len(), 6);
        assert_ne!(voie_id(10_000), voie_id(10_001));
    }

    #[test]
    fn afnor_names_are_upper_case_without_accents() {
        assert_eq!(afnor("Chemin de l'Hoche"), "CHEMIN DE L HOCHE");
        assert_eq!(afnor("Rue de la Gravière"), "RUE DE LA GRAVIERE");
    }
}
