//! JSON edits of a commune's addresses (create, move or delete a housenumber, rename a street,
//! add a lieu-dit), applied to its current BAL rows to give the rows of a new revision. A
//! housenumber is designated by its `cle_interop`, or by street name, number and suffix.

use serde::Deserialize;

use super::bal::{self, BalRow};
use super::projection;
use super::validation::{Issue, NO_NUMBER};

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    CreateHousenumber {
        voie_nom: String,
        numero: u32,
        #[serde(default)]
        suffixe: String,
        lon: f64,
        lat: f64,
        #[serde(default = "default_position")]
        position: String,
        #[serde(default)]
        lieudit_complement_nom: String,
    },
    MoveHousenumber {
        #[serde(flatten)]
        target: Target,
        lon: f64,
        lat: f64,
    },
    DeleteHousenumber {
        #[serde(flatten)]
        target: Target,
    },
    RenameStreet {
        voie_nom: String,
        new_name: String,
    },
    AddLieuDit {
        nom: String,
        lon: f64,
        lat: f64,
    },
}

/// Which housenumber an edit is about.
#[derive(Debug, Clone, Deserialize)]
pub struct Target {
    #[serde(default)]
    pub cle_interop: Option<String>,
    #[serde(default)]
    pub voie_nom: Option<String>,
    #[serde(default)]
    pub numero: Option<u32>,
    #[serde(default)]
    pub suffixe: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    pub edits: Vec<Edit>,
}

fn default_position() -> String {
    "entrée".into()
}

/// Metadata written on the rows an edit creates or changes.
pub struct Stamp<'a> {
    pub commune: &'a str,
    pub commune_nom: &'a str,
    pub source: &'a str,
    pub today: &'a str,
}

fn same_name(a: &str, b: &str) -> bool {
    crate::text::normalize(a) == crate::text::normalize(b)
}

impl Target {
    fn matches(&self, row: &BalRow) -> bool {
        if let Some(cle) = &self.cle_interop {
            return row.get("cle_interop").eq_ignore_ascii_case(cle.trim());
        }
        let (Some(voie), Some(numero)) = (&self.voie_nom, self.numero) else {
            return false;
        };
        same_name(row.get("voie_nom"), voie)
            && row.get("numero") == numero.to_string()
            && row
                .get("suffixe")
                .eq_ignore_ascii_case(self.suffixe.as_deref().unwrap_or(""))
    }

    fn describe(&self) -> String {
        match (&self.cle_interop, &self.voie_nom, self.numero) {
            (Some(cle), _, _) => cle.clone(),
            (None, Some(voie), Some(n)) => {
                format!("{n}{} {voie}", self.suffixe.as_deref().unwrap_or(""))
            }
            _ => String::new(),
        }
    }
}

fn set_position(row: &mut BalRow, lon: f64, lat: f64) {
    row.set("long", format!("{lon:.6}"));
    row.set("lat", format!("{lat:.6}"));
    match projection::to_lambert93(lon, lat) {
        Ok((x, y)) => {
            row.set("x", format!("{x:.2}"));
            row.set("y", format!("{y:.2}"));
        }
        Err(_) => {
            row.set("x", "");
            row.set("y", "");
        }
    }
}

fn stamp(row: &mut BalRow, stamp: &Stamp) {
    row.set("source", stamp.source.to_string());
    row.set("date_der_maj", stamp.today.to_string());
    row.set("certification_commune", "1");
}

/// The street part (`<insee>_<voie>`) of an existing street of that name, if there is one.
fn street_key(rows: &[BalRow], voie_nom: &str) -> Option<String> {
    rows.iter()
        .filter(|r| same_name(r.get("voie_nom"), voie_nom))
        .map(bal::row_id)
        .find_map(|id| {
            let mut parts = id.splitn(3, '_');
            Some(format!("{}_{}", parts.next()?, parts.next()?))
        })
}

fn new_row(rows: &[BalRow], s: &Stamp, voie_nom: &str, numero: u32, suffixe: &str) -> BalRow {
    let mut row = BalRow::default();
    row.set("voie_nom", voie_nom.trim().to_string());
    row.set("numero", numero.to_string());
    row.set("suffixe", suffixe.trim().to_lowercase());
    row.set("commune_insee", s.commune.to_string());
    row.set("commune_nom", s.commune_nom.to_string());
    row.set("position", "entrée");
    if let Some(street) = street_key(rows, voie_nom) {
        let cle = crate::index::places::derived_housenumber_id(
            &street,
            numero,
            &suffixe.trim().to_lowercase(),
        );
        row.set("cle_interop", cle);
    } else {
        // A new street: the id is derived from its name (see bal::row_id), stored as the key.
        let cle = bal::row_id(&row);
        row.set("cle_interop", cle);
    }
    stamp(&mut row, s);
    row
}

/// Applies `edits` in order to `rows`. An edit whose target does not exist is reported (code
/// `edit_target_not_found`, line = the edit's number) and skipped.
pub fn apply(mut rows: Vec<BalRow>, edits: &[Edit], s: &Stamp) -> (Vec<BalRow>, Vec<Issue>) {
    let mut problems = Vec::new();
    for (i, edit) in edits.iter().enumerate() {
        let number = i as u64 + 1;
        let mut not_found = |what: String| {
            problems.push(Issue::new(
                "edit_target_not_found",
                number,
                &format!("edits[{i}]"),
                &what,
                &format!("Modification n°{number} : « {what} » n'existe pas dans la commune."),
            ))
        };
        match edit {
            Edit::CreateHousenumber {
                voie_nom,
                numero,
                suffixe,
                lon,
                lat,
                position,
                lieudit_complement_nom,
            } => {
                let mut row = new_row(&rows, s, voie_nom, *numero, suffixe);
                row.set("position", position.clone());
                row.set("lieudit_complement_nom", lieudit_complement_nom.clone());
                set_position(&mut row, *lon, *lat);
                rows.push(row);
            }
            Edit::MoveHousenumber { target, lon, lat } => {
                let mut found = false;
                for row in rows.iter_mut().filter(|r| target.matches(r)) {
                    set_position(row, *lon, *lat);
                    stamp(row, s);
                    found = true;
                }
                if !found {
                    not_found(target.describe());
                }
            }
            Edit::DeleteHousenumber { target } => {
                let before = rows.len();
                rows.retain(|r| !target.matches(r));
                if rows.len() == before {
                    not_found(target.describe());
                }
            }
            Edit::RenameStreet { voie_nom, new_name } => {
                let mut found = false;
                for row in rows
                    .iter_mut()
                    .filter(|r| same_name(r.get("voie_nom"), voie_nom))
                {
                    // The key keeps the street's identity: a renamed street is the same street.
                    if row.get("cle_interop").is_empty() {
                        let cle = bal::row_id(row);
                        row.set("cle_interop", cle);
                    }
                    row.set("voie_nom", new_name.trim().to_string());
                    stamp(row, s);
                    found = true;
                }
                if !found {
                    not_found(voie_nom.clone());
                }
            }
            Edit::AddLieuDit { nom, lon, lat } => {
                let mut row = new_row(&rows, s, nom, NO_NUMBER, "");
                set_position(&mut row, *lon, *lat);
                rows.push(row);
            }
        }
    }
    (rows, problems)
}
