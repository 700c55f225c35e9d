//! Validation of a commune's BAL before publication. Each finding has a stable code (listed in
//! README), the line and column it concerns, the value, and a message a town-hall clerk can act
//! on. Errors block publication; warnings do not.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::bal::{self, BalFile, BalRow};
use super::projection;

/// The `position` values of the BAL specification.
pub const POSITIONS: [&str; 8] = [
    "entrée",
    "bâtiment",
    "cage d'escalier",
    "logement",
    "service technique",
    "délivrance postale",
    "parcelle",
    "segment",
];

/// `numero` of a named place without number (lieu-dit), as in BAN.
pub const NO_NUMBER: u32 = 99_999;

/// Street names outside this length (in characters) are refused, as the BAL specification does.
const VOIE_NOM_LENGTH: std::ops::RangeInclusive<usize> = 3..=200;

/// How far (in degrees, ~200 m) a point may stand outside the commune's bounding box: the
/// reference boxes are rounded to 0.001°.
pub const BBOX_MARGIN_DEG: f64 = 0.002;

/// Largest distance, in metres, between `long`/`lat` and `x`/`y` projected: BAL coordinates
/// are given to the centimetre and the micro-degree, so anything above a few metres is two
/// different points.
const XY_TOLERANCE_M: f64 = 10.0;

/// Share of the current addresses a revision may remove: above the first, a warning; above
/// the second, an error.
pub const DELETION_WARNING: f64 = 0.20;
pub const DELETION_ERROR: f64 = 0.80;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub code: String,
    /// Line in the file (1 = header); 0 when the finding is about the whole file.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub message: String,
}

impl Issue {
    pub fn new(code: &str, line: u64, column: &str, value: &str, message: &str) -> Issue {
        Issue {
            code: code.into(),
            line,
            column: column.into(),
            value: value.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// What a file is checked against.
pub struct Context<'a> {
    /// INSEE code of the commune the revision is for.
    pub commune: &'a str,
    /// The commune's bounding box (lon min, lat min, lon max, lat max) from the reference data.
    pub bbox: Option<[f64; 4]>,
    /// Ids of the housenumbers served now for the commune (for the mass-deletion guard).
    pub current_ids: &'a HashSet<String>,
    /// Today, `YYYY-MM-DD`.
    pub today: &'a str,
}

/// Validates a parsed file; structural errors found while parsing come first.
pub fn validate(file: &BalFile, context: &Context) -> Report {
    let mut report = Report {
        errors: file.errors.clone(),
        warnings: Vec::new(),
    };
    if !report.errors.is_empty() {
        return report;
    }
    if file.rows.is_empty() {
        report.errors.push(Issue::new(
            "empty_file",
            0,
            "",
            "",
            "Le fichier ne contient aucune adresse.",
        ));
        return report;
    }
    if context.bbox.is_none() {
        report.warnings.push(Issue::new(
            "commune_bbox_unknown",
            0,
            "commune_insee",
            context.commune,
            "L'emprise de cette commune est inconnue : les positions n'ont pas pu être vérifiées.",
        ));
    }
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut seen_names: HashMap<(String, String, String, String), u64> = HashMap::new();
    for row in &file.rows {
        check_row(row, context, &mut report);
        let position = row.get("position").to_string();
        let id = bal::row_id(row);
        let name_key = (
            crate::text::normalize(row.get("voie_nom")),
            row.get("numero").to_string(),
            row.get("suffixe").to_lowercase(),
            position.clone(),
        );
        let first = seen
            .get(&(id.clone(), position.clone()))
            .or_else(|| seen_names.get(&name_key))
            .copied();
        if let Some(first) = first {
            report.errors.push(Issue::new(
                "duplicate_address",
                row.line,
                "cle_interop",
                row.get("cle_interop"),
                &format!("Cette adresse (même voie, numéro, suffixe et type de position) figure déjà ligne {first}."),
            ));
        } else {
            seen.insert((id, position), row.line);
            seen_names.insert(name_key, row.line);
        }
    }
    check_deletions(file, context, &mut report);
    report
}

fn check_row(row: &BalRow, context: &Context, report: &mut Report) {
    let line = row.line;
    let mut error = |code: &str, column: &str, message: String| {
        report
            .errors
            .push(Issue::new(code, line, column, row.get(column), &message));
    };
    // numero: digits, no leading zero, 0..=99999.
    let numero = row.get("numero");
    match numero.parse::<u32>() {
        Ok(n) if n <= NO_NUMBER && numero.chars().all(|c| c.is_ascii_digit()) => {
            if numero.len() > 1 && numero.starts_with('0') {
                error("numero_leading_zero", "numero", format!("Le numéro « {numero} » ne doit pas commencer par un zéro : écrivez « {n} »."));
            }
        }
        _ => error("numero_invalid", "numero", format!("Le numéro « {numero} » doit être un nombre entier de 0 à 99999 (99999 pour un lieu-dit sans numéro).")),
    }
    let suffixe = row.get("suffixe");
    if !suffixe.is_empty() && !valid_suffix(suffixe) {
        error("suffixe_invalid", "suffixe", format!("Le suffixe « {suffixe} » doit être une courte suite de lettres et de chiffres commençant par une lettre (ex. « bis », « ter », « a »)."));
    }
    let insee = row.get("commune_insee");
    if insee != context.commune {
        error("commune_insee_mismatch", "commune_insee", format!("Cette ligne est pour la commune « {insee} », mais ce dépôt concerne la commune {}.", context.commune));
    }
    let position = row.get("position");
    // BAN writes "cage d’escalier" with a typographic apostrophe; both spellings are accepted.
    if !POSITIONS.contains(&position.replace('’', "'").as_str()) {
        error(
            "position_invalid",
            "position",
            format!(
                "Le type de position « {position} » n'existe pas ; valeurs possibles : {}.",
                POSITIONS.join(", ")
            ),
        );
    }
    let voie_nom = row.get("voie_nom");
    let length = voie_nom.chars().count();
    if !VOIE_NOM_LENGTH.contains(&length) {
        error(
            "voie_nom_length",
            "voie_nom",
            format!(
                "Le nom de voie doit compter de {} à {} caractères (il en a {length}).",
                VOIE_NOM_LENGTH.start(),
                VOIE_NOM_LENGTH.end()
            ),
        );
    }
    if let Some(problem) = cle_interop_problem(row) {
        error("cle_interop_incoherent", "cle_interop", problem);
    }
    let date = row.get("date_der_maj");
    let parsed_date = parse_date(date);
    if !date.is_empty() && parsed_date.is_none() {
        error(
            "date_invalid",
            "date_der_maj",
            format!("La date « {date} » doit s'écrire AAAA-MM-JJ (ex. 2024-03-31)."),
        );
    }
    let certification = row.get("certification_commune");
    if !["", "0", "1"].contains(&certification) {
        error("certification_invalid", "certification_commune", format!("certification_commune vaut « {certification} » ; elle doit valoir 1 (certifiée) ou 0."));
    }
    let coordinate = |column: &str| {
        row.get(column)
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    match (coordinate("long"), coordinate("lat")) {
        (Some(lon), Some(lat)) => {
            if let Some(b) = context.bbox {
                let m = BBOX_MARGIN_DEG;
                if lon < b[0] - m || lon > b[2] + m || lat < b[1] - m || lat > b[3] + m {
                    error("coordinates_outside_commune", "long", format!("La position {lon}, {lat} est en dehors de la commune {}.", context.commune));
                }
            }
            let (x_raw, y_raw) = (row.get("x"), row.get("y"));
            if !(x_raw.is_empty() && y_raw.is_empty()) {
                match (coordinate("x"), coordinate("y"), projection::to_lambert93(lon, lat)) {
                    (Some(x), Some(y), Ok((px, py))) => {
                        let distance = ((x - px).powi(2) + (y - py).powi(2)).sqrt();
                        if distance > XY_TOLERANCE_M {
                            error("xy_incoherent", "x", format!("Les coordonnées x/y (Lambert-93) désignent un point à {distance:.0} m de long/lat : l'une des deux positions est fausse."));
                        }
                    }
                    _ => error("xy_incoherent", "x", "x et y doivent être deux nombres (Lambert-93, en mètres), ou être laissés vides tous les deux.".into()),
                }
            }
        }
        _ => error("coordinates_invalid", "long", format!("long « {} » et lat « {} » doivent être des nombres (degrés WGS84, ex. 6.0794 et 44.5594).", row.get("long"), row.get("lat"))),
    }
    // Warnings.
    let mut warning = |code: &str, column: &str, message: String| {
        report
            .warnings
            .push(Issue::new(code, line, column, row.get(column), &message));
    };
    if voie_nom.chars().any(char::is_alphabetic) && !voie_nom.chars().any(char::is_lowercase) {
        warning("voie_nom_all_caps", "voie_nom", format!("« {voie_nom} » est écrit tout en majuscules : écrivez-le comme sur la plaque (ex. « Rue de la Paix »)."));
    }
    if row.get("cle_interop").is_empty() {
        warning(
            "cle_interop_missing",
            "cle_interop",
            "Pas de clé d'interopérabilité : une clé sera calculée à partir du nom de la voie."
                .into(),
        );
    }
    if parsed_date.is_some_and(|d| Some(d) > parse_date(context.today)) {
        warning(
            "date_in_future",
            "date_der_maj",
            format!("La date « {date} » est dans le futur."),
        );
    }
}

/// Refuses a revision that would remove most of the commune's addresses (an incomplete export
/// is the usual cause), warns when it removes many.
fn check_deletions(file: &BalFile, context: &Context, report: &mut Report) {
    if context.current_ids.is_empty() {
        return;
    }
    let kept: HashSet<String> = file.rows.iter().map(bal::row_id).collect();
    let removed = context
        .current_ids
        .iter()
        .filter(|id| !kept.contains(*id))
        .count();
    let share = removed as f64 / context.current_ids.len() as f64;
    let what = format!(
        "Ce dépôt supprime {removed} des {} adresses actuelles de la commune ({:.0} %).",
        context.current_ids.len(),
        share * 100.0
    );
    if share > DELETION_ERROR {
        report.errors.push(Issue::new("mass_deletion", 0, "", &removed.to_string(), &format!("{what} Au-delà de {:.0} %, le dépôt est refusé : vérifiez que le fichier est complet.", DELETION_ERROR * 100.0)));
    } else if share > DELETION_WARNING {
        report.warnings.push(Issue::new(
            "many_deletions",
            0,
            "",
            &removed.to_string(),
            &format!("{what} Vérifiez que ces suppressions sont voulues."),
        ));
    }
}

fn valid_suffix(suffix: &str) -> bool {
    let mut chars = suffix.chars();
    suffix.chars().count() <= 9
        && chars.next().is_some_and(|c| c.is_alphabetic())
        && chars.all(char::is_alphanumeric)
}

fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format).ok()
}

/// Today's date as `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::now_utc()
        .date()
        .format(format)
        .unwrap_or_default()
}

/// Why a row's `cle_interop` does not match its commune, number and suffix, if it does not
/// (`<insee>_<voie>_<numero:05>[_<suffixe>]`, lower case). An empty key is not a problem here.
pub fn cle_interop_problem(row: &BalRow) -> Option<String> {
    let cle = row.get("cle_interop").to_lowercase();
    if cle.is_empty() {
        return None;
    }
    let parts: Vec<&str> = cle.split('_').collect();
    if parts.len() < 3 || parts[1].is_empty() {
        return Some(format!("La clé « {cle} » doit s'écrire <code commune>_<code voie>_<numéro sur 5 chiffres>[_<suffixe>]."));
    }
    let insee = row.get("commune_insee").to_lowercase();
    if parts[0] != insee {
        return Some(format!(
            "La clé « {cle} » commence par « {} » au lieu du code de la commune « {insee} ».",
            parts[0]
        ));
    }
    let numero = row.get("numero");
    if parts[2].len() != 5 || parts[2].parse::<u32>().ok() != numero.parse::<u32>().ok() {
        return Some(format!("Le numéro de la clé « {cle} » ne correspond pas au numéro « {numero} » (sur 5 chiffres : {numero:0>5})."));
    }
    let suffix = parts[3..].join("_");
    if suffix != row.get("suffixe").to_lowercase() {
        return Some(format!(
            "Le suffixe de la clé « {cle} » ne correspond pas au suffixe « {} ».",
            row.get("suffixe")
        ));
    }
    None
}
