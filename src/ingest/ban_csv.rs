//! Streaming reader of the official BAN address CSV (`adresses-XX.csv[.gz]`, `;`-separated,
//! 23 columns). Bad rows are rejected one by one with their line and reason; a wrong header or
//! an unreadable file (a truncated `.gz`) fails the whole file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};
use crate::text::housenumber::MAX_HOUSENUMBER;

/// The header of the official export, in order.
pub const BAN_COLUMNS: [&str; 23] = [
    "id",
    "id_fantoir",
    "numero",
    "rep",
    "nom_voie",
    "code_postal",
    "code_insee",
    "nom_commune",
    "code_insee_ancienne_commune",
    "nom_ancienne_commune",
    "x",
    "y",
    "lon",
    "lat",
    "type_position",
    "alias",
    "nom_ld",
    "libelle_acheminement",
    "nom_afnor",
    "source_position",
    "source_nom_voie",
    "certification_commune",
    "cad_parcelles",
];

/// Positions of the columns we read in [`BAN_COLUMNS`].
mod col {
    pub const ID: usize = 0;
    pub const NUMERO: usize = 2;
    pub const REP: usize = 3;
    pub const NOM_VOIE: usize = 4;
    pub const CODE_POSTAL: usize = 5;
    pub const CODE_INSEE: usize = 6;
    pub const NOM_COMMUNE: usize = 7;
    pub const CODE_INSEE_ANCIENNE_COMMUNE: usize = 8;
    pub const NOM_ANCIENNE_COMMUNE: usize = 9;
    pub const X: usize = 10;
    pub const Y: usize = 11;
    pub const LON: usize = 12;
    pub const LAT: usize = 13;
    pub const NOM_LD: usize = 16;
}

/// `numero` of the legacy rows that stand for a named place rather than an address.
pub const LOCALITY_NUMBER: u32 = 99_999;

/// One valid row, with the fields the index uses.
#[derive(Debug, Clone, PartialEq)]
pub struct BanRow {
    pub id: String,
    pub numero: u32,
    pub rep: String,
    pub nom_voie: String,
    pub code_postal: String,
    pub code_insee: String,
    pub nom_commune: String,
    pub old_code: String,
    pub old_name: String,
    pub x: f64,
    pub y: f64,
    pub lon: f64,
    pub lat: f64,
    pub nom_ld: String,
}

impl BanRow {
    /// The street part of the id: `05001_fuxrfi` for `05001_fuxrfi_00001`.
    pub fn voie_id(&self) -> String {
        let mut parts = self.id.splitn(3, '_');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(city), Some(voie), Some(_)) => format!("{city}_{voie}").to_lowercase(),
            _ => format!(
                "{}_{}",
                self.code_insee,
                crate::text::normalize(&self.nom_voie).replace(' ', "-")
            ),
        }
    }
}

/// A row left out of the index, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub file: PathBuf,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.reason)
    }
}

/// Column positions of the fields we read, found from the header by name.
struct Columns {
    idx: [usize; 23],
}

impl Columns {
    fn from_header(header: &csv::ByteRecord, file: &Path) -> Result<Columns> {
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        let mut idx = [0usize; 23];
        let mut missing = Vec::new();
        for (i, expected) in BAN_COLUMNS.iter().enumerate() {
            match names.iter().position(|n| n == expected) {
                Some(p) => idx[i] = p,
                None => missing.push(*expected),
            }
        }
        if !missing.is_empty() {
            return Err(Error::Input(format!(
                "{}:1: not a BAN address CSV: missing column(s) {}; expected the ';'-separated header {}",
                file.display(),
                missing.join(", "),
                BAN_COLUMNS.join(";")
            )));
        }
        Ok(Columns { idx })
    }

    /// The trimmed value of column `column` (an index into [`BAN_COLUMNS`]).
    fn get<'r>(&self, record: &'r csv::StringRecord, column: usize) -> &'r str {
        record.get(self.idx[column]).unwrap_or("").trim()
    }
}

/// Opens a BAN file, decompressing `.gz` on the fly.
fn open(path: &Path) -> Result<Box<dyn Read>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = BufReader::with_capacity(1 << 16, file);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(MultiGzDecoder::new(reader)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads every row of `path`, giving valid rows to `on_row` and rejected ones to `on_reject`.
/// Returns the number of data rows read.
pub fn read_file(
    path: &Path,
    mut on_row: impl FnMut(BanRow),
    mut on_reject: impl FnMut(Rejected),
) -> Result<u64> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .has_headers(true)
        .from_reader(open(path)?);
    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(path, e))?
        .clone();
    let columns = Columns::from_header(&header, path)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        let reject = |reason: String| Rejected {
            file: path.to_path_buf(),
            line,
            reason,
        };
        if record.len() != header.len() {
            on_reject(reject(format!(
                "{} fields, the header has {}",
                record.len(),
                header.len()
            )));
            continue;
        }
        let text = match csv::StringRecord::from_byte_record(record.clone()) {
            Ok(text) => text,
            Err(_) => {
                on_reject(reject("not valid UTF-8".into()));
                continue;
            }
        };
        match parse_row(&columns, &text) {
            Ok(row) => on_row(row),
            Err(reason) => on_reject(reject(reason)),
        }
    }
    Ok(rows)
}

/// A reading error ends the file: a truncated gzip stream or an I/O error cannot be skipped.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    Error::Input(format!(
        "{}:{line}: cannot read the file: {e}",
        path.display()
    ))
}

fn parse_row(columns: &Columns, record: &csv::StringRecord) -> Result<BanRow, String> {
    let field = |column: usize| columns.get(record, column);
    let id = field(col::ID);
    if id.is_empty() {
        return Err("empty id".into());
    }
    let numero: u32 = field(col::NUMERO)
        .parse()
        .map_err(|_| format!("numero {:?} is not a number", field(col::NUMERO)))?;
    if numero > MAX_HOUSENUMBER && numero != LOCALITY_NUMBER {
        return Err(format!(
            "numero {numero} is neither a housenumber nor 99999 (named place)"
        ));
    }
    let nom_voie = field(col::NOM_VOIE);
    if nom_voie.is_empty() {
        return Err("empty street name (nom_voie)".into());
    }
    let code_insee = field(col::CODE_INSEE);
    if code_insee.len() != 5 {
        return Err(format!(
            "code_insee {code_insee:?} is not a 5-character INSEE code"
        ));
    }
    let coordinate = |column: usize| -> Result<f64, String> {
        let name = BAN_COLUMNS[column];
        let raw = field(column);
        if raw.is_empty() {
            return Err(format!("missing {name}"));
        }
        raw.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{name} {raw:?} is not a number"))
    };
    let (lon, lat) = (coordinate(col::LON)?, coordinate(col::LAT)?);
    if !in_france(lon, lat) {
        return Err(format!("lon/lat {lon}, {lat} is outside France"));
    }
    // x/y (Lambert-93) are shown, not searched: a row without them keeps its lon/lat.
    let x = coordinate(col::X).unwrap_or(f64::NAN);
    let y = coordinate(col::Y).unwrap_or(f64::NAN);
    Ok(BanRow {
        id: id.to_lowercase(),
        numero,
        rep: field(col::REP).to_lowercase(),
        nom_voie: nom_voie.to_string(),
        code_postal: field(col::CODE_POSTAL).to_string(),
        code_insee: code_insee.to_string(),
        nom_commune: field(col::NOM_COMMUNE).to_string(),
        old_code: field(col::CODE_INSEE_ANCIENNE_COMMUNE).to_string(),
        old_name: field(col::NOM_ANCIENNE_COMMUNE).to_string(),
        x,
        y,
        lon,
        lat,
        nom_ld: field(col::NOM_LD).to_string(),
    })
}

/// Bounding boxes of mainland France with Corsica and of the overseas départements and
/// collectivities that BAN covers (lon min, lat min, lon max, lat max).
const FRANCE_BOXES: [[f64; 4]; 8] = [
    [-5.3, 41.2, 9.7, 51.2],    // mainland and Corsica
    [-61.9, 15.8, -60.9, 16.6], // Guadeloupe
    [-63.2, 17.8, -62.7, 18.2], // Saint-Martin, Saint-Barthélemy
    [-61.3, 14.3, -60.7, 14.9], // Martinique
    [-54.7, 2.0, -51.5, 6.0],   // Guyane
    [55.1, -21.5, 55.9, -20.8], // La Réunion
    [44.9, -13.1, 45.4, -12.5], // Mayotte
    [-56.5, 46.7, -56.1, 47.2], // Saint-Pierre-et-Miquelon
];

fn in_france(lon: f64, lat: f64) -> bool {
    FRANCE_BOXES
        .iter()
        .any(|b| lon >= b[0] && lat >= b[1] && lon <= b[2] && lat <= b[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn france_boxes_hold_real_places_and_not_null_island() {
        assert!(in_france(2.3522, 48.8566)); // Paris
        assert!(in_france(6.0794, 44.5594)); // Gap
        assert!(in_france(55.45, -20.88)); // Saint-Denis de La Réunion
        assert!(!in_france(0.0, 0.0));
        assert!(!in_france(-0.1276, 51.5072)); // London
    }
}
