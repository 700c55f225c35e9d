//! Test support: a commune's addresses exported from the real BAN file in `data/ban` as a BAL
//! 1.4 CSV, the way a town hall would send them; helpers to edit such a file; and a temporary
//! copy of the fixture index, so each test's corrections database is its own.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// The BAL 1.4 header.
pub const HEADER: &str = "cle_interop;uid_adresse;id_ban_commune;id_ban_toponyme;id_ban_adresse;voie_nom;lieudit_complement_nom;numero;suffixe;commune_insee;commune_nom;commune_deleguee_insee;commune_deleguee_nom;position;x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune";

/// A BAL file as a header and rows of named fields, easy to edit in tests.
#[derive(Debug, Clone)]
pub struct Bal {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Bal {
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn get(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }

    pub fn set(&mut self, row: usize, name: &str, value: &str) {
        let c = self.col(name);
        self.rows[row][c] = value.to_string();
    }

    /// The file's bytes; a row's line in the file is its index + 2.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_writer(Vec::new());
        writer.write_record(&self.columns).unwrap();
        for row in &self.rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }
}

/// Every BAN row of `commune` in `data/ban/<file>` as a BAL 1.4 file. BAN's export has no
/// update date: the converter writes 2024-01-01. Empty BAN positions become `entrée`.
pub fn export_commune(file: &str, commune: &str) -> Bal {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/ban")
        .join(file);
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let columns: Vec<String> = HEADER.split(';').map(String::from).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let r = record.unwrap();
        if &r[at("code_insee")] != commune {
            continue;
        }
        let position = match &r[at("type_position")] {
            "" => "entrée",
            p => p,
        };
        let value = |column: &str| -> String {
            match column {
                "cle_interop" => r[at("id")].to_lowercase(),
                "voie_nom" => r[at("nom_voie")].into(),
                "lieudit_complement_nom" => r[at("nom_ld")].into(),
                "numero" => r[at("numero")].into(),
                "suffixe" => r[at("rep")].into(),
                "commune_insee" => r[at("code_insee")].into(),
                "commune_nom" => r[at("nom_commune")].into(),
                "commune_deleguee_insee" => r[at("code_insee_ancienne_commune")].into(),
                "commune_deleguee_nom" => r[at("nom_ancienne_commune")].into(),
                "position" => position.into(),
                "x" => r[at("x")].into(),
                "y" => r[at("y")].into(),
                "long" => r[at("lon")].into(),
                "lat" => r[at("lat")].into(),
                "cad_parcelles" => r[at("cad_parcelles")].into(),
                "source" => r[at("source_position")].into(),
                "date_der_maj" => "2024-01-01".into(),
                "certification_commune" => r[at("certification_commune")].into(),
                _ => String::new(),
            }
        };
        rows.push(columns.iter().map(|c| value(c)).collect());
    }
    assert!(!rows.is_empty(), "no rows for commune {commune} in {file}");
    Bal { columns, rows }
}

/// A copy of an index directory (generations and the `current` link), without its
/// corrections database.
pub fn copy_index(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let target = to.join(&name);
        let kind = entry.file_type().unwrap();
        if name.to_string_lossy().starts_with("corrections.sqlite") || name == "ingest.lock" {
            continue;
        }
        if kind.is_symlink() {
            let link: PathBuf = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else if kind.is_dir() {
            copy_index(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
