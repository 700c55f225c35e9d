//! The Base Adresse Locale (BAL) CSV format, versions 1.3 and 1.4: reading a commune's file
//! (line numbers kept for the validation report), writing one (every revision is stored and
//! downloadable as a BAL 1.4 file), and turning its rows into the BAN-shaped rows the index is
//! built from.

use std::collections::HashMap;

use crate::ingest::ban_csv::BanRow;

use super::validation::Issue;

/// The BAL 1.4 header, in order.
pub const BAL_COLUMNS: [&str; 22] = [
    "cle_interop",
    "uid_adresse",
    "id_ban_commune",
    "id_ban_toponyme",
    "id_ban_adresse",
    "voie_nom",
    "lieudit_complement_nom",
    "numero",
    "suffixe",
    "commune_insee",
    "commune_nom",
    "commune_deleguee_insee",
    "commune_deleguee_nom",
    "position",
    "x",
    "y",
    "long",
    "lat",
    "cad_parcelles",
    "source",
    "date_der_maj",
    "certification_commune",
];

/// Columns a file must have (BAL 1.3 has all of these; 1.4 adds the `id_ban_*` ones).
pub const REQUIRED_COLUMNS: [&str; 13] = [
    "cle_interop",
    "voie_nom",
    "numero",
    "suffixe",
    "commune_insee",
    "commune_nom",
    "position",
    "x",
    "y",
    "long",
    "lat",
    "source",
    "date_der_maj",
];

/// One data row, every BAL 1.4 column as text (empty when the file lacks the column).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BalRow {
    /// Line of the row in its file (the header is line 1).
    pub line: u64,
    pub values: HashMap<&'static str, String>,
}

impl BalRow {
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map_or("", |v| v.as_str())
    }

    pub fn set(&mut self, column: &'static str, value: impl Into<String>) {
        self.values.insert(column, value.into());
    }
}

/// A file read as far as its structure allows.
#[derive(Debug, Default)]
pub struct BalFile {
    pub version: &'static str,
    pub rows: Vec<BalRow>,
    /// Structural problems: encoding, header, malformed lines (all errors).
    pub errors: Vec<Issue>,
}

/// Reads a BAL CSV. Structural problems are returned as errors with their line, never as a
/// failure: the caller reports them with the rest of the validation.
pub fn parse(bytes: &[u8]) -> BalFile {
    let mut file = BalFile::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            file.errors.push(Issue::new(
                "encoding_not_utf8",
                line,
                "",
                "",
                "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 » et déposez-le à nouveau.",
            ));
            return file;
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    // Line of a byte offset. The CSV reader's own line count skips blank lines, so lines are
    // counted here, from the bytes.
    let newlines: Vec<u64> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i as u64)
        .collect();
    // A record's position may be that of blank lines before it: skip them.
    let line_at = |byte: u64| {
        let mut at = byte as usize;
        while matches!(text.as_bytes().get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        newlines.partition_point(|&n| n < at as u64) as u64 + 1
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            file.errors.push(Issue::new(
                "csv_malformed",
                1,
                "",
                "",
                &format!("La première ligne est illisible : {e}"),
            ));
            return file;
        }
    };
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        let hint = if header.len() == 1 && header[0].contains(',') {
            " Les colonnes doivent être séparées par des points-virgules (;)."
        } else {
            ""
        };
        for column in missing {
            file.errors.push(Issue::new(
                "missing_column",
                1,
                column,
                "",
                &format!("La colonne obligatoire « {column} » manque dans l'en-tête.{hint}"),
            ));
        }
        return file;
    }
    file.version = if header.iter().any(|h| h == "id_ban_adresse") {
        "1.4"
    } else {
        "1.3"
    };
    // Which BAL column each position of the file holds (unknown columns are ignored).
    let columns: Vec<Option<&'static str>> = header
        .iter()
        .map(|h| BAL_COLUMNS.iter().copied().find(|c| c == h))
        .collect();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                file.errors.push(Issue::new(
                    "csv_malformed",
                    line,
                    "",
                    "",
                    &format!("Ligne illisible : {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            file.errors.push(Issue::new(
                "field_count",
                line,
                "",
                &record.len().to_string(),
                &format!(
                    "Cette ligne a {} valeurs alors que l'en-tête a {} colonnes.",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let mut row = BalRow {
            line,
            values: HashMap::new(),
        };
        for (value, column) in record.iter().zip(&columns) {
            if let Some(column) = column {
                row.values.insert(column, value.trim().to_string());
            }
        }
        file.rows.push(row);
    }
    file
}

/// Writes rows as a BAL 1.4 file (renumbering their lines as written).
pub fn write(rows: &mut [BalRow]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(BAL_COLUMNS);
    for (i, row) in rows.iter_mut().enumerate() {
        row.line = i as u64 + 2;
        let _ = writer.write_record(BAL_COLUMNS.iter().map(|c| row.get(c)));
    }
    writer.into_inner().unwrap_or_default()
}

/// Where a BAN row's postcode comes from: BAL files have none, so it is taken from the index
/// (the street of the same id, else the commune's most frequent postcode).
#[derive(Debug, Default, Clone)]
pub struct Postcodes {
    pub by_street: HashMap<String, String>,
    pub default: String,
}

impl Postcodes {
    fn of(&self, voie_id: &str) -> String {
        self.by_street
            .get(voie_id)
            .cloned()
            .unwrap_or_else(|| self.default.clone())
    }
}

/// The id of a row: its `cle_interop` when coherent, else one derived from the street name,
/// as ingest derives ids (`<insee>_<street>_<numero:05>[_<suffix>]`).
pub fn row_id(row: &BalRow) -> String {
    let cle = row.get("cle_interop").to_lowercase();
    if super::validation::cle_interop_problem(row).is_none() && !cle.is_empty() {
        return cle;
    }
    let insee = row.get("commune_insee");
    let street: String = crate::text::normalize(row.get("voie_nom"))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let numero: u32 = row.get("numero").parse().unwrap_or(0);
    crate::index::places::derived_housenumber_id(
        &format!("{insee}_{street}"),
        numero,
        &row.get("suffixe").to_lowercase(),
    )
}

/// The BAN-shaped rows of a valid BAL file: one per address (a BAL may give an address several
/// positions; the `entrée` one, else the first, is the one served).
pub fn to_ban_rows(rows: &[BalRow], postcodes: &Postcodes) -> Vec<BanRow> {
    let mut chosen: Vec<(String, &BalRow)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let id = row_id(row);
        match by_id.get(&id) {
            Some(&i) => {
                if row.get("position") == "entrée" && chosen[i].1.get("position") != "entrée" {
                    chosen[i].1 = row;
                }
            }
            None => {
                by_id.insert(id.clone(), chosen.len());
                chosen.push((id, row));
            }
        }
    }
    chosen
        .into_iter()
        .filter_map(|(id, row)| {
            let lon: f64 = row.get("long").replace(',', ".").parse().ok()?;
            let lat: f64 = row.get("lat").replace(',', ".").parse().ok()?;
            let number = |c: &str| row.get(c).replace(',', ".").parse::<f64>().ok();
            let (x, y) = match (number("x"), number("y")) {
                (Some(x), Some(y)) => (x, y),
                _ => super::projection::to_lambert93(lon, lat).unwrap_or((f64::NAN, f64::NAN)),
            };
            let mut ban = BanRow {
                id,
                numero: row.get("numero").parse().ok()?,
                rep: row.get("suffixe").to_lowercase(),
                nom_voie: row.get("voie_nom").to_string(),
                code_postal: String::new(),
                code_insee: row.get("commune_insee").to_string(),
                nom_commune: row.get("commune_nom").to_string(),
                old_code: row.get("commune_deleguee_insee").to_string(),
                old_name: row.get("commune_deleguee_nom").to_string(),
                x,
                y,
                lon,
                lat,
                nom_ld: row.get("lieudit_complement_nom").to_string(),
            };
            ban.code_postal = postcodes.of(&ban.voie_id());
            Some(ban)
        })
        .collect()
}

/// A BAN row written as a BAL row (the test converter and the base export both use it).
pub fn from_ban_row(row: &BanRow, position: &str, source: &str, date: &str) -> BalRow {
    let mut bal = BalRow::default();
    let fmt = |v: f64| {
        if v.is_finite() {
            format!("{v:.2}")
        } else {
            String::new()
        }
    };
    bal.set("cle_interop", row.id.clone());
    bal.set("voie_nom", row.nom_voie.clone());
    bal.set("lieudit_complement_nom", row.nom_ld.clone());
    bal.set("numero", row.numero.to_string());
    bal.set("suffixe", row.rep.clone());
    bal.set("commune_insee", row.code_insee.clone());
    bal.set("commune_nom", row.nom_commune.clone());
    bal.set("commune_deleguee_insee", row.old_code.clone());
    bal.set("commune_deleguee_nom", row.old_name.clone());
    bal.set("position", position);
    bal.set("x", fmt(row.x));
    bal.set("y", fmt(row.y));
    bal.set("long", format!("{:.6}", row.lon));
    bal.set("lat", format!("{:.6}", row.lat));
    bal.set("source", source);
    bal.set("date_der_maj", date);
    bal.set("certification_commune", "1");
    bal
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "cle_interop;uid_adresse;voie_nom;lieudit_complement_nom;numero;suffixe;commune_insee;commune_nom;commune_deleguee_insee;commune_deleguee_nom;position;x;y;long;lat;cad_parcelles;source;date_der_maj;certification_commune";

    #[test]
    fn reads_bal_13_with_bom_and_keeps_line_numbers() {
        let text = format!(
            "\u{feff}{HEADER}\n05001_fuxrfi_00001;;Montée du Serre Lara;La Garcine;1;;05001;Abriès-Ristolas;05001;Abriès;entrée;1010832.86;6417719.23;6.931431;44.788965;;commune;2024-01-02;1\n\n05001_fuxrfi_00002;;Montée du Serre Lara;;2;;05001;Abriès-Ristolas;;;entrée;;;6.931903;44.788581;;commune;2024-01-02;1\n"
        );
        let file = parse(text.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.version, "1.3");
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(file.rows[1].line, 4);
        let ban = to_ban_rows(
            &file.rows,
            &Postcodes {
                default: "05460".into(),
                ..Default::default()
            },
        );
        assert_eq!(ban[0].id, "05001_fuxrfi_00001");
        assert_eq!(ban[0].voie_id(), "05001_fuxrfi");
        assert_eq!(ban[0].code_postal, "05460");
        // Missing x/y are projected from long/lat.
        assert!((ban[1].x - 1010872.27).abs() < 1.0, "{}", ban[1].x);
        // Written back as BAL 1.4, read again: same rows.
        let mut rows = file.rows.clone();
        let again = parse(&write(&mut rows));
        assert_eq!(again.version, "1.4");
        assert_eq!(again.rows.len(), 2);
        assert_eq!(again.rows[0].get("voie_nom"), "Montée du Serre Lara");
    }
}
