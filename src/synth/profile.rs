//! Distributions measured on a real BAN file, which the generator then draws from, and which
//! the tests measure again on its output to compare: rows per street, gaps between successive
//! numbers, suffixes (`rep`), lieux-dits (`nom_ld`, `numero` 99999), former communes, spacing
//! of numbers along a street, and the categorical columns (`type_position`…).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rand::distributions::{Distribution, WeightedIndex};
use rand::Rng;

use crate::error::{Error, Result};
use crate::ingest::ban_csv::{BAN_COLUMNS, LOCALITY_NUMBER};

/// Values seen in a column and how often: drawn in proportion.
#[derive(Debug, Clone)]
pub struct Categorical {
    values: Vec<String>,
    counts: Vec<u64>,
    index: Option<WeightedIndex<u64>>,
}

impl Categorical {
    fn from_counts(counts: BTreeMap<String, u64>) -> Categorical {
        let (values, counts): (Vec<String>, Vec<u64>) = counts.into_iter().unzip();
        let index = WeightedIndex::new(&counts).ok();
        Categorical {
            values,
            counts,
            index,
        }
    }

    /// A value in proportion to its real count ("" when the column was never seen).
    pub fn draw<'a>(&'a self, rng: &mut impl Rng) -> &'a str {
        match &self.index {
            Some(index) => &self.values[index.sample(rng)],
            None => "",
        }
    }

    /// Share of each value, for comparisons.
    pub fn shares(&self) -> BTreeMap<&str, f64> {
        let total: u64 = self.counts.iter().sum::<u64>().max(1);
        self.values
            .iter()
            .zip(&self.counts)
            .map(|(v, c)| (v.as_str(), *c as f64 / total as f64))
            .collect()
    }
}

/// What a BAN file looks like, in the measures the generator reproduces.
#[derive(Debug, Clone)]
pub struct Profile {
    pub rows: u64,
    /// Rows per commune (INSEE code), to relate address counts to population.
    pub rows_by_commune: BTreeMap<String, u64>,
    /// Rows of each street (addresses, not 99999 rows), one entry per street.
    pub street_sizes: Vec<u32>,
    /// Differences between successive distinct numbers of a street.
    pub number_gaps: Vec<u32>,
    /// Share of address rows with a suffix (`rep`), and the suffixes.
    pub suffix_share: f64,
    pub suffixes: Categorical,
    /// Share of rows with a lieu-dit (`nom_ld`), and how many rows a lieu-dit covers on average.
    pub lieu_dit_share: f64,
    pub rows_per_lieu_dit: f64,
    /// The distinct (commune, lieu-dit) names, so that common names ("Le Village") stay common.
    pub lieu_dit_names: Vec<String>,
    /// Share of `numero = 99999` rows (named places without an address).
    pub locality_share: f64,
    /// In communes where some row names a former commune, the share of rows that do.
    pub former_share: f64,
    /// Median distance in metres between successive numbers of a street.
    pub spacing_m: f64,
    pub type_position: Categorical,
    pub certification: Categorical,
    pub fantoir_share: f64,
    pub cad_share: f64,
}

/// Column positions by name, from the header.
fn positions(header: &csv::StringRecord, path: &Path) -> Result<HashMap<&'static str, usize>> {
    let mut at = HashMap::new();
    for name in BAN_COLUMNS {
        let i = header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .ok_or_else(|| Error::Input(format!("{}:1: no column {name:?}", path.display())))?;
        at.insert(name, i);
    }
    Ok(at)
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Great-circle distance in metres (equirectangular: streets are short).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let lat = ((a.1 + b.1) / 2.0).to_radians();
    let dx = (b.0 - a.0).to_radians() * lat.cos();
    let dy = (b.1 - a.1).to_radians();
    6_371_000.0 * (dx * dx + dy * dy).sqrt()
}

/// One row, the fields measured.
struct Seen {
    commune: String,
    street: String,
    numero: u32,
    rep: String,
    lon: f64,
    lat: f64,
}

impl Profile {
    /// Measures a BAN file (`.csv` or `.csv.gz`, plain or generated).
    pub fn measure(path: &Path) -> Result<Profile> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                file,
            )))
        } else {
            Box::new(std::io::BufReader::new(file))
        };
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(reader);
        let header = csv
            .headers()
            .map_err(|e| Error::Input(format!("{}:1: {e}", path.display())))?
            .clone();
        let at = positions(&header, path)?;
        let mut rows = Vec::new();
        let mut tally = Tally::default();
        for (i, record) in csv.records().enumerate() {
            let record =
                record.map_err(|e| Error::Input(format!("{}:{}: {e}", path.display(), i + 2)))?;
            let get = |name: &str| record.get(at[name]).unwrap_or("").trim();
            let numero: u32 = get("numero")
                .parse()
                .map_err(|_| Error::Input(format!("{}:{}: bad numero", path.display(), i + 2)))?;
            let id = get("id");
            let street = id.rsplitn(2, '_').nth(1).unwrap_or(id);
            let street = if get("rep").is_empty() {
                street
            } else {
                // `<code>_<voie>_<numero>_<rep>`: drop the number too.
                street.rsplitn(2, '_').nth(1).unwrap_or(street)
            };
            tally.count(&get);
            rows.push(Seen {
                commune: get("code_insee").to_string(),
                street: street.to_string(),
                numero,
                rep: get("rep").to_string(),
                lon: get("lon").parse().unwrap_or(f64::NAN),
                lat: get("lat").parse().unwrap_or(f64::NAN),
            });
        }
        Ok(tally.finish(rows))
    }
}

/// Counters filled row by row.
#[derive(Default)]
struct Tally {
    type_position: BTreeMap<String, u64>,
    certification: BTreeMap<String, u64>,
    suffixes: BTreeMap<String, u64>,
    lieux_dits: BTreeMap<(String, String), u64>,
    former_rows_by_commune: HashMap<String, u64>,
    fantoir: u64,
    cad: u64,
}

impl Tally {
    fn count<'r>(&mut self, get: &impl Fn(&str) -> &'r str) {
        *self
            .type_position
            .entry(get("type_position").to_string())
            .or_default() += 1;
        *self
            .certification
            .entry(get("certification_commune").to_string())
            .or_default() += 1;
        if !get("rep").is_empty() {
            *self.suffixes.entry(get("rep").to_string()).or_default() += 1;
        }
        if !get("nom_ld").is_empty() {
            *self
                .lieux_dits
                .entry((get("code_insee").to_string(), get("nom_ld").to_string()))
                .or_default() += 1;
        }
        if !get("code_insee_ancienne_commune").is_empty() {
            *self
                .former_rows_by_commune
                .entry(get("code_insee").to_string())
                .or_default() += 1;
        }
        self.fantoir += u64::from(!get("id_fantoir").is_empty());
        self.cad += u64::from(!get("cad_parcelles").is_empty());
    }

    fn finish(self, mut rows: Vec<Seen>) -> Profile {
        let total = rows.len() as u64;
        let mut rows_by_commune: BTreeMap<String, u64> = BTreeMap::new();
        for r in &rows {
            *rows_by_commune.entry(r.commune.clone()).or_default() += 1;
        }
        let localities = rows.iter().filter(|r| r.numero == LOCALITY_NUMBER).count() as u64;
        rows.retain(|r| r.numero != LOCALITY_NUMBER);
        rows.sort_by(|a, b| (&a.street, a.numero, &a.rep).cmp(&(&b.street, b.numero, &b.rep)));
        let mut street_sizes = Vec::new();
        let mut number_gaps = Vec::new();
        let mut spacings = Vec::new();
        for street in rows.chunk_by(|a, b| a.street == b.street) {
            street_sizes.push(street.len() as u32);
            let mut previous: Option<&Seen> = None;
            for r in street.iter().filter(|r| r.rep.is_empty()) {
                if let Some(p) = previous {
                    if r.numero > p.numero {
                        number_gaps.push(r.numero - p.numero);
                        let d = distance_m((p.lon, p.lat), (r.lon, r.lat));
                        if d.is_finite() {
                            spacings.push(d);
                        }
                    }
                }
                previous = Some(r);
            }
        }
        spacings.sort_by(f64::total_cmp);
        let spacing_m = spacings.get(spacings.len() / 2).copied().unwrap_or(15.0);
        let suffixed: u64 = self.suffixes.values().sum();
        let with_ld: u64 = self.lieux_dits.values().sum();
        let former_communes_rows: u64 = self
            .former_rows_by_commune
            .keys()
            .map(|c| rows_by_commune.get(c).copied().unwrap_or(0))
            .sum();
        let former_rows: u64 = self.former_rows_by_commune.values().sum();
        let lieu_dit_names = self.lieux_dits.keys().map(|(_, n)| n.clone()).collect();
        Profile {
            rows: total,
            rows_by_commune,
            street_sizes,
            number_gaps,
            suffix_share: ratio(suffixed, total),
            suffixes: Categorical::from_counts(self.suffixes),
            lieu_dit_share: ratio(with_ld, total),
            rows_per_lieu_dit: ratio(with_ld, self.lieux_dits.len() as u64),
            lieu_dit_names,
            locality_share: ratio(localities, total),
            former_share: ratio(former_rows, former_communes_rows),
            spacing_m,
            type_position: Categorical::from_counts(self.type_position),
            certification: Categorical::from_counts(self.certification),
            fantoir_share: ratio(self.fantoir, total),
            cad_share: ratio(self.cad, total),
        }
    }
}

/// Mean of a sample.
pub fn mean(values: &[u32]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64
}

/// The q-quantile (0..1) of a sample.
pub fn quantile(values: &[u32], q: f64) -> u32 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or(0)
}
