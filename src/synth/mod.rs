//! `adresse synth`: a France-scale synthetic BAN corpus, for measuring how ingest, memory and
//! latency grow before real users find out.
//!
//! Every commune of the reference data gets addresses in the official 23-column format, one
//! `adresses-XX.csv.gz` per département. How many follows its population, by the power law
//! fitted on the real files (`rows = k · population^b`, scaled so that France totals ~26 M rows
//! at `--scale 1`); what they look like follows distributions measured on those files
//! ([`profile`]): the Hautes-Alpes profile for communes below 100,000 inhabitants, the Paris one
//! for bigger cities and arrondissements. The real files are copied as they are. The same seed
//! gives the same bytes: each commune draws from its own ChaCha stream, whatever the thread
//! order.

mod commune;
pub mod lambert;
pub mod profile;
pub mod sources;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::ban_csv::BAN_COLUMNS;
use commune::{write_commune, Draw};
use profile::Profile;
use sources::{load_communes, load_street_names, CommuneSpec};

/// Rows of the whole national base at scale 1 (BAN, 2024: ~26 million addresses).
pub const FRANCE_ROWS: f64 = 26_000_000.0;
/// From this population on, a commune looks like Paris rather than Hautes-Alpes.
pub const URBAN_POPULATION: u64 = 100_000;
/// The real files whose profiles drive the generator.
const RURAL_FILE: &str = "adresses-05.csv.gz";
const URBAN_FILE: &str = "adresses-75.csv.gz";

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Share of France's ~26 M rows (every commune keeps at least one address).
    pub scale: f64,
    pub seed: u64,
    /// Only these départements (all when empty); real files are copied only if named.
    pub departements: Vec<String>,
    /// `data/`: `ban/` (real files, copied and measured), `ref/`, `streets/`.
    pub data_dir: PathBuf,
}

/// What was written.
#[derive(Debug)]
pub struct SynthReport {
    /// Rows per written file (real copies included).
    pub files: BTreeMap<PathBuf, u64>,
    pub synthetic_rows: u64,
    pub real_rows: u64,
    pub communes: usize,
    /// Reference communes left out because communes-geo has no position for them.
    pub without_geo: Vec<String>,
    /// The fitted law: rows = k · population^b at scale 1.
    pub law: (f64, f64),
}

/// Real files and their profiles, by département code.
struct Real {
    files: BTreeMap<String, PathBuf>,
    rural: Profile,
    urban: Profile,
}

fn departement_of_file(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let code = name.strip_prefix("adresses-")?.split('.').next()?;
    Some(code.to_string())
}

fn load_real(ban_dir: &Path) -> Result<Real> {
    let mut files = BTreeMap::new();
    for path in crate::ingest::source_files(&[ban_dir.to_path_buf()])? {
        if let Some(code) = departement_of_file(&path) {
            files.insert(code, path);
        }
    }
    let (rural, urban) = rayon::join(
        || Profile::measure(&ban_dir.join(RURAL_FILE)),
        || Profile::measure(&ban_dir.join(URBAN_FILE)),
    );
    Ok(Real {
        files,
        rural: rural?,
        urban: urban?,
    })
}

/// Least-squares fit of ln(rows) = ln(k) + b·ln(population) over the real communes.
fn fit_law(real: &Real, communes: &[CommuneSpec]) -> (f64, f64) {
    let population: BTreeMap<&str, u64> = communes
        .iter()
        .map(|c| (c.code.as_str(), c.population))
        .collect();
    let points: Vec<(f64, f64)> = [&real.rural, &real.urban]
        .iter()
        .flat_map(|p| p.rows_by_commune.iter())
        .filter_map(|(code, rows)| {
            let pop = *population.get(code.as_str())?;
            (pop > 0).then(|| ((pop as f64).ln(), (*rows as f64).ln()))
        })
        .collect();
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let b = sxy / sxx;
    ((my - b * mx).exp(), b)
}

/// A commune's own random stream: the same rows whatever else is generated, in any order.
fn commune_rng(seed: u64, code: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let stream = code.bytes().fold(0u64, |acc, b| (acc << 8) | u64::from(b));
    rng.set_stream(stream);
    rng
}

/// Writes the corpus into `out`.
pub fn generate(options: &SynthOptions, out: &Path) -> Result<SynthReport> {
    if !(options.scale > 0.0 && options.scale <= 10.0) {
        return Err(Error::Input(format!(
            "--scale {} must be above 0 and at most 10",
            options.scale
        )));
    }
    let data = &options.data_dir;
    let real = load_real(&data.join("ban"))?;
    let all = load_communes(&data.join("ref"))?;
    let names = load_street_names(&data.join("streets"))?;
    let (k, b) = fit_law(&real, &all.communes);
    let wanted = |dep: &str| {
        options.departements.is_empty() || options.departements.iter().any(|d| d == dep)
    };
    // Scale k so that synthetic France plus the real files make FRANCE_ROWS at scale 1.
    let real_total = (real.rural.rows + real.urban.rows) as f64;
    let law_total: f64 = all
        .communes
        .iter()
        .filter(|c| !real.files.contains_key(&c.departement))
        .map(|c| k * (c.population.max(1) as f64).powf(b))
        .sum();
    let k = k * (FRANCE_ROWS - real_total).max(0.0) / law_total;

    let mut by_departement: BTreeMap<&str, Vec<&CommuneSpec>> = BTreeMap::new();
    for c in &all.communes {
        if !real.files.contains_key(&c.departement) && wanted(&c.departement) {
            by_departement.entry(&c.departement).or_default().push(c);
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let written: Vec<Result<(PathBuf, u64, usize)>> = by_departement
        .par_iter()
        .map(|(dep, communes)| {
            let path = out.join(format!("adresses-{dep}.csv.gz"));
            let rows = write_departement(&path, communes, options, &real, &names, (k, b))?;
            Ok((path, rows, communes.len()))
        })
        .collect();
    let mut report = SynthReport {
        files: BTreeMap::new(),
        synthetic_rows: 0,
        real_rows: 0,
        communes: 0,
        without_geo: all.without_geo,
        law: (k, b),
    };
    for result in written {
        let (path, rows, communes) = result?;
        report.synthetic_rows += rows;
        report.communes += communes;
        report.files.insert(path, rows);
    }
    for (dep, source) in &real.files {
        if !wanted(dep) {
            continue;
        }
        let target = out.join(source.file_name().unwrap_or_default());
        std::fs::copy(source, &target).map_err(|e| Error::io(&target, e))?;
        let rows = [&real.rural, &real.urban]
            .iter()
            .flat_map(|p| p.rows_by_commune.iter())
            .filter(|(code, _)| crate::ingest::reference::departement_code(code) == dep)
            .map(|(_, n)| n)
            .sum();
        report.real_rows += rows;
        report.files.insert(target, rows);
    }
    Ok(report)
}

fn write_departement(
    path: &Path,
    communes: &[&CommuneSpec],
    options: &SynthOptions,
    real: &Real,
    names: &[String],
    (k, b): (f64, f64),
) -> Result<u64> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    // Fast compression: at scale 1 gzip is most of the time, and the files are temporary.
    let gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast());
    let mut csv = csv::WriterBuilder::new()
        .delimiter(b';')
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(gz);
    let io = |e: csv::Error| Error::Internal(format!("{}: {e}", path.display()));
    csv.write_record(BAN_COLUMNS).map_err(io)?;
    let mut rows = 0;
    for commune in communes {
        let mut rng = commune_rng(options.seed, &commune.code);
        let expected = options.scale * k * (commune.population.max(1) as f64).powf(b);
        // Stochastic rounding keeps small communes' totals right at small scales.
        let target = expected.floor() as u64
            + u64::from(rand::Rng::gen_bool(
                &mut rng,
                expected.fract().clamp(0.0, 1.0),
            ));
        let profile = if commune.arrondissement || commune.population >= URBAN_POPULATION {
            &real.urban
        } else {
            &real.rural
        };
        let draw = Draw {
            profile,
            street_names: names,
        };
        rows += write_commune(commune, target, &draw, &mut rng, &mut csv)?;
    }
    let gz = csv
        .into_inner()
        .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
    let mut buffered = gz.finish().map_err(|e| Error::io(path, e))?;
    std::io::Write::flush(&mut buffered).map_err(|e| Error::io(path, e))?;
    Ok(rows)
}
