//! `adresse synth`: the synthetic corpus is deterministic for a seed, is read by our own BAN
//! reader without a single reject, and looks like the real file it was modelled on.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use adresse::ingest::ban_csv;
use adresse::synth::profile::{mean, quantile, Profile};
use adresse::synth::{generate, SynthOptions};

fn options(scale: f64, seed: u64, departements: &[&str]) -> SynthOptions {
    SynthOptions {
        scale,
        seed,
        departements: departements.iter().map(|d| d.to_string()).collect(),
        data_dir: common::data_dir(),
    }
}

fn file_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.insert(name, std::fs::read(&path).unwrap());
    }
    files
}

/// All of France at a tiny scale (every commune keeps one street at least): twice the same
/// bytes for one seed, other bytes for another, and every row valid for the ingest's reader —
/// including overseas communes, whose points must fall in the reader's boxes of France.
#[test]
fn tiny_france_is_deterministic_and_reads_without_rejects() {
    let a = common::temp_dir("synth-a");
    let b = common::temp_dir("synth-b");
    let report = generate(&options(0.001, 7, &[]), &a).unwrap();
    generate(&options(0.001, 7, &[]), &b).unwrap();
    let (files_a, files_b) = (file_bytes(&a), file_bytes(&b));
    assert_eq!(files_a.len(), files_b.len());
    assert!(files_a == files_b, "same seed, different output");
    // ~100 départements, mainland, Corsica and overseas, plus the two real files.
    assert!(files_a.len() >= 100, "{} files", files_a.len());
    for dep in ["2A", "2B", "971", "974", "976", "05", "75"] {
        assert!(
            files_a.contains_key(&format!("adresses-{dep}.csv.gz")),
            "no file for {dep}"
        );
    }
    assert!(report.communes > 34_000, "{} communes", report.communes);
    assert_eq!(report.real_rows, 236_825);

    let mut synthetic = 0;
    for (path, rows) in &report.files {
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "adresses-05.csv.gz" || name == "adresses-75.csv.gz" {
            continue; // the real files, copied: checked by the ingest tests
        }
        let mut rejects = Vec::new();
        let read = ban_csv::read_file(path, |_| {}, |r| rejects.push(r.to_string())).unwrap();
        assert!(
            rejects.is_empty(),
            "{name}: {:?}",
            &rejects[..rejects.len().min(5)]
        );
        assert_eq!(read, *rows, "{name}");
        synthetic += read;
    }
    assert_eq!(synthetic, report.synthetic_rows);

    // A département's rows do not depend on which others are generated (each commune draws
    // from its own stream), and another seed draws other addresses.
    let alone = common::temp_dir("synth-e");
    generate(&options(0.001, 7, &["04"]), &alone).unwrap();
    assert_eq!(
        file_bytes(&alone)["adresses-04.csv.gz"],
        files_a["adresses-04.csv.gz"]
    );
    assert_eq!(
        file_bytes(&alone).len(),
        1,
        "only the département asked for"
    );
    let other = common::temp_dir("synth-c");
    generate(&options(0.001, 8, &["04"]), &other).unwrap();
    assert_ne!(
        file_bytes(&other)["adresses-04.csv.gz"],
        files_a["adresses-04.csv.gz"],
        "another seed must draw other addresses"
    );
}

/// Alpes-de-Haute-Provence at full scale, drawn from the Hautes-Alpes profile (its rural
/// neighbour), measured again the same way. Tolerances: the generator draws each street's size
/// and each gap from the real samples, so the means differ by sampling noise (a few percent
/// with thousands of streets) and by the cut of each commune's last street to the commune's
/// total (which shortens one street per commune: ~10% of streets here) — hence 20% on means,
/// exact-ish medians (±1), and 0.02 to 0.05 on shares of rows.
#[test]
fn a_rural_departement_looks_like_the_real_rural_one() {
    let out = common::temp_dir("synth-04");
    let report = generate(&options(1.0, 1, &["04"]), &out).unwrap();
    let path: PathBuf = out.join("adresses-04.csv.gz");
    assert!(report.synthetic_rows > 20_000, "{}", report.synthetic_rows);
    let real = Profile::measure(&common::data_dir().join("ban/adresses-05.csv.gz")).unwrap();
    let synth = Profile::measure(&path).unwrap();

    let close = |what: &str, s: f64, r: f64, tolerance: f64| {
        eprintln!("{what}: synthetic {s:.4}, real {r:.4}");
        assert!(
            (s - r).abs() <= tolerance,
            "{what}: synthetic {s}, real {r}"
        );
    };
    let (s_sizes, r_sizes) = (&synth.street_sizes, &real.street_sizes);
    close(
        "rows per street, mean",
        mean(s_sizes),
        mean(r_sizes),
        0.2 * mean(r_sizes),
    );
    close(
        "rows per street, median",
        quantile(s_sizes, 0.5) as f64,
        quantile(r_sizes, 0.5) as f64,
        1.0,
    );
    close(
        "rows per street, p90",
        quantile(s_sizes, 0.9) as f64,
        quantile(r_sizes, 0.9) as f64,
        0.2 * quantile(r_sizes, 0.9) as f64,
    );
    close(
        "gap between numbers, mean",
        mean(&synth.number_gaps),
        mean(&real.number_gaps),
        0.2 * mean(&real.number_gaps),
    );
    close("suffix share", synth.suffix_share, real.suffix_share, 0.02);
    close(
        "lieu-dit share",
        synth.lieu_dit_share,
        real.lieu_dit_share,
        0.05,
    );
    close(
        "99999 share",
        synth.locality_share,
        real.locality_share,
        0.01,
    );
    close(
        "spacing (m)",
        synth.spacing_m,
        real.spacing_m,
        0.3 * real.spacing_m,
    );
    let (s_types, r_types) = (synth.type_position.shares(), real.type_position.shares());
    for (value, share) in &r_types {
        close(
            &format!("type_position {value:?}"),
            s_types.get(value).copied().unwrap_or(0.0),
            *share,
            0.02,
        );
    }
    // Communes of 04 with former communes in the reference get them on their rows.
    assert!(synth.former_share > 0.0, "no former commune in 04");
    close(
        "former commune share",
        synth.former_share,
        real.former_share,
        0.1,
    );
}
