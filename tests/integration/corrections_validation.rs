//! BAL validation on a real commune's addresses (Baratier, 05012, exported from data/ban):
//! the untouched export passes, and each validation code is raised by the one mistake it is
//! about, at the right line.

use crate::support_bal;

use std::collections::HashSet;
use std::path::Path;

use adresse::corrections::bal;
use adresse::corrections::validation::{validate, Context, Report};
use adresse::ingest::reference::Reference;
use support_bal::{export_commune, Bal};

const COMMUNE: &str = "05012";

fn reference() -> &'static Reference {
    static REF: std::sync::OnceLock<Reference> = std::sync::OnceLock::new();
    REF.get_or_init(|| {
        Reference::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ref")).unwrap()
    })
}

fn baratier() -> Bal {
    static BAL: std::sync::OnceLock<Bal> = std::sync::OnceLock::new();
    BAL.get_or_init(|| export_commune("adresses-05.csv.gz", COMMUNE))
        .clone()
}

fn check_with(bytes: &[u8], current: &HashSet<String>) -> Report {
    let context = Context {
        commune: COMMUNE,
        bbox: reference().geo(COMMUNE).map(|g| g.bbox),
        current_ids: current,
        today: "2026-01-01",
    };
    validate(&bal::parse(bytes), &context)
}

fn check(file: &Bal) -> Report {
    check_with(&file.to_csv(), &HashSet::new())
}

/// The one error (or warning) of `report` with `code`, asserting there is exactly one.
fn only<'a>(
    issues: &'a [adresse::corrections::validation::Issue],
    code: &str,
) -> &'a adresse::corrections::validation::Issue {
    let found: Vec<_> = issues.iter().filter(|i| i.code == code).collect();
    assert_eq!(found.len(), 1, "{code}: {issues:#?}");
    found[0]
}

#[test]
fn the_real_export_is_valid() {
    let file = baratier();
    assert!(file.rows.len() > 300);
    let report = check(&file);
    assert!(
        report.errors.is_empty(),
        "{:#?}",
        &report.errors[..report.errors.len().min(5)]
    );
}

#[test]
fn encoding_not_utf8() {
    let mut file = baratier();
    file.set(4, "voie_nom", "Chemin du 140XXme Ria");
    let mut bytes = file.to_csv();
    let at = bytes.windows(3).position(|w| w == b"XXm").unwrap();
    bytes[at] = 0xE8; // "è" in Latin-1
    bytes.remove(at + 1);
    let report = check_with(&bytes, &HashSet::new());
    assert_eq!(only(&report.errors, "encoding_not_utf8").line, 6);
}

#[test]
fn missing_column() {
    let mut file = baratier();
    let c = file.col("position");
    file.columns.remove(c);
    for row in &mut file.rows {
        row.remove(c);
    }
    let e = only(&check(&file).errors, "missing_column").clone();
    assert_eq!((e.line, e.column.as_str()), (1, "position"));
    // A comma-separated file misses them all, and says why.
    let commas = String::from_utf8(baratier().to_csv())
        .unwrap()
        .replace(';', ",");
    let report = check_with(commas.as_bytes(), &HashSet::new());
    assert!(report.errors.len() >= 10);
    assert!(report.errors[0].message.contains("points-virgules"));
}

#[test]
fn field_count() {
    let mut file = baratier();
    file.rows[7].pop();
    assert_eq!(only(&check(&file).errors, "field_count").line, 9);
}

#[test]
fn empty_file() {
    let mut file = baratier();
    file.rows.clear();
    only(&check(&file).errors, "empty_file");
}

#[test]
fn numero_invalid() {
    for bad in ["12a", "100000", "-1", ""] {
        let mut file = baratier();
        file.set(3, "numero", bad);
        let report = check(&file);
        let e = only(&report.errors, "numero_invalid");
        assert_eq!((e.line, e.value.as_str()), (5, bad));
    }
    // 0 and 99999 (a named place) are numbers of the BAL.
    let mut file = baratier();
    file.set(3, "numero", "0");
    file.set(3, "cle_interop", "");
    assert!(check(&file).errors.is_empty());
}

#[test]
fn numero_leading_zero() {
    let mut file = baratier();
    let n = file.get(10, "numero").to_string();
    file.set(10, "numero", &format!("0{n}"));
    assert_eq!(only(&check(&file).errors, "numero_leading_zero").line, 12);
}

#[test]
fn suffixe_invalid() {
    let mut file = baratier();
    file.set(2, "suffixe", "b-1");
    file.set(2, "cle_interop", "");
    assert_eq!(only(&check(&file).errors, "suffixe_invalid").line, 4);
    file.set(2, "suffixe", "bis");
    assert!(check(&file).errors.is_empty());
}

#[test]
fn commune_insee_mismatch() {
    let mut file = baratier();
    file.set(0, "commune_insee", "05061");
    let report = check(&file);
    let e = only(&report.errors, "commune_insee_mismatch");
    assert_eq!((e.line, e.value.as_str()), (2, "05061"));
}

#[test]
fn position_invalid() {
    let mut file = baratier();
    file.set(1, "position", "porte");
    assert_eq!(only(&check(&file).errors, "position_invalid").line, 3);
    file.set(1, "position", "cage d’escalier");
    assert!(check(&file).errors.is_empty());
}

#[test]
fn coordinates_invalid() {
    let mut file = baratier();
    file.set(6, "long", "six");
    assert_eq!(only(&check(&file).errors, "coordinates_invalid").line, 8);
}

#[test]
fn coordinates_outside_commune() {
    let mut file = baratier();
    // Gap's town hall, 15 km away, with coherent Lambert-93 coordinates left empty.
    file.set(6, "long", "6.0794");
    file.set(6, "lat", "44.5594");
    file.set(6, "x", "");
    file.set(6, "y", "");
    assert_eq!(
        only(&check(&file).errors, "coordinates_outside_commune").line,
        8
    );
}

#[test]
fn xy_incoherent() {
    let mut file = baratier();
    let x: f64 = file.get(6, "x").parse().unwrap();
    file.set(6, "x", &format!("{:.2}", x + 500.0));
    let e = only(&check(&file).errors, "xy_incoherent").clone();
    assert_eq!(e.line, 8);
    assert!(e.message.contains("500 m"), "{}", e.message);
    // A few centimetres of rounding are fine.
    file.set(6, "x", &format!("{:.2}", x + 0.05));
    assert!(check(&file).errors.is_empty());
}

#[test]
fn voie_nom_length() {
    let mut file = baratier();
    file.set(5, "voie_nom", "Ru");
    file.set(5, "cle_interop", "");
    assert_eq!(only(&check(&file).errors, "voie_nom_length").line, 7);
}

#[test]
fn voie_nom_all_caps_is_a_warning() {
    let mut file = baratier();
    let name = file.get(5, "voie_nom").to_uppercase();
    file.set(5, "voie_nom", &name);
    let report = check(&file);
    assert!(report.errors.is_empty());
    assert_eq!(only(&report.warnings, "voie_nom_all_caps").line, 7);
}

#[test]
fn cle_interop_incoherent() {
    let mut file = baratier();
    let cle = file.get(9, "cle_interop").to_string();
    let wrong = format!("{}_99998", &cle[..cle.rfind('_').unwrap()]);
    file.set(9, "cle_interop", &wrong);
    assert_eq!(
        only(&check(&file).errors, "cle_interop_incoherent").line,
        11
    );
    file.set(9, "cle_interop", &cle.replacen("05012", "05013", 1));
    assert_eq!(
        only(&check(&file).errors, "cle_interop_incoherent").line,
        11
    );
}

#[test]
fn cle_interop_missing_is_a_warning() {
    let mut file = baratier();
    file.set(9, "cle_interop", "");
    let report = check(&file);
    assert!(report.errors.is_empty());
    assert_eq!(only(&report.warnings, "cle_interop_missing").line, 11);
}

#[test]
fn duplicate_address() {
    let mut file = baratier();
    let copy = file.rows[12].clone();
    file.rows.push(copy);
    let n = file.rows.len();
    let e = only(&check(&file).errors, "duplicate_address").clone();
    assert_eq!(e.line, n as u64 + 1);
    assert!(e.message.contains("ligne 14"), "{}", e.message);
    // The same address at another kind of position is a second position, not a duplicate.
    file.set(n - 1, "position", "bâtiment");
    assert!(check(&file).errors.is_empty());
}

#[test]
fn date_invalid() {
    let mut file = baratier();
    file.set(20, "date_der_maj", "31/12/2023");
    assert_eq!(only(&check(&file).errors, "date_invalid").line, 22);
}

#[test]
fn date_in_future_is_a_warning() {
    let mut file = baratier();
    file.set(20, "date_der_maj", "2999-01-01");
    let report = check(&file);
    assert!(report.errors.is_empty());
    assert_eq!(only(&report.warnings, "date_in_future").line, 22);
}

#[test]
fn certification_invalid() {
    let mut file = baratier();
    file.set(20, "certification_commune", "oui");
    assert_eq!(only(&check(&file).errors, "certification_invalid").line, 22);
}

#[test]
fn commune_bbox_unknown_is_a_warning() {
    let file = baratier();
    let context = Context {
        commune: COMMUNE,
        bbox: None,
        current_ids: &HashSet::new(),
        today: "2026-01-01",
    };
    let report = validate(&bal::parse(&file.to_csv()), &context);
    assert!(report.errors.is_empty());
    only(&report.warnings, "commune_bbox_unknown");
}

fn ids(file: &Bal) -> HashSet<String> {
    bal::parse(&file.to_csv())
        .rows
        .iter()
        .filter(|r| r.get("numero") != "99999")
        .map(bal::row_id)
        .collect()
}

#[test]
fn mass_deletion_guard() {
    let full = baratier();
    let current = ids(&full);
    let keep = |share: f64| {
        let mut file = full.clone();
        file.rows
            .truncate((full.rows.len() as f64 * share) as usize);
        check_with(&file.to_csv(), &current)
    };
    // Keeping 90%: nothing said. 70%: a warning. 15%: refused.
    let report = keep(0.9);
    assert!(report.errors.is_empty() && report.warnings.iter().all(|w| w.code != "many_deletions"));
    let report = keep(0.7);
    assert!(report.errors.is_empty());
    only(&report.warnings, "many_deletions");
    let report = keep(0.15);
    let e = only(&report.errors, "mass_deletion");
    assert!(
        e.message.contains("des 3") || e.message.contains(&current.len().to_string()),
        "{}",
        e.message
    );
}
