//! Which input columns feed the geocoder and which result columns are written: the caller's
//! column names, checked against the file's header once, before any row is read.

use crate::error::{Error, Result};

/// Forward (address → point) or reverse (point → address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    Search,
    Reverse,
}

/// Result columns of a forward batch, in the public API's order.
pub const SEARCH_RESULT_COLUMNS: &[&str] = &[
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_score_next",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_oldcitycode",
    "result_oldcity",
    "result_district",
    "result_status",
];

/// Result columns of a reverse batch, in the public API's order (plus the score).
pub const REVERSE_RESULT_COLUMNS: &[&str] = &[
    "result_latitude",
    "result_longitude",
    "result_label",
    "result_distance",
    "result_score",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_name",
    "result_street",
    "result_postcode",
    "result_city",
    "result_context",
    "result_citycode",
    "result_oldcitycode",
    "result_oldcity",
    "result_district",
    "result_status",
];

/// Column names a reverse batch reads coordinates from when none is named.
const LATITUDE_NAMES: &[&str] = &["lat", "latitude"];
const LONGITUDE_NAMES: &[&str] = &["lon", "lng", "long", "longitude"];

/// The caller's choice of columns, by name (as the public API's multipart fields give them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnOptions {
    /// Columns joined with spaces to form the address (forward); all columns when empty.
    pub columns: Vec<String>,
    /// Columns whose per-row value filters that row's results.
    pub postcode: Option<String>,
    pub citycode: Option<String>,
    pub kind: Option<String>,
    /// Columns holding a point: a location bias (forward) or the point itself (reverse).
    pub lat: Option<String>,
    pub lon: Option<String>,
    /// Result columns to write, in this order; all of them when empty.
    pub result_columns: Vec<String>,
}

/// Column positions in the file, resolved from [`ColumnOptions`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPlan {
    pub address: Vec<usize>,
    pub postcode: Option<usize>,
    pub citycode: Option<usize>,
    pub kind: Option<usize>,
    /// (lat, lon)
    pub point: Option<(usize, usize)>,
    pub result_columns: Vec<&'static str>,
}

impl ColumnPlan {
    pub fn resolve(header: &[String], options: &ColumnOptions, kind: BatchKind) -> Result<Self> {
        let find = |name: &str, role: &str| -> Result<usize> {
            find_column(header, name).ok_or_else(|| {
                Error::Input(format!(
                    "the {role} column {name:?} is not in the file; its columns are: {}",
                    list(header)
                ))
            })
        };
        let optional = |name: &Option<String>, role: &str| -> Result<Option<usize>> {
            name.as_deref().map(|n| find(n, role)).transpose()
        };
        let address = if options.columns.is_empty() {
            (0..header.len()).collect()
        } else {
            options
                .columns
                .iter()
                .map(|c| find(c, "address"))
                .collect::<Result<Vec<_>>>()?
        };
        let lat = optional(&options.lat, "latitude")?;
        let lon = optional(&options.lon, "longitude")?;
        let point = match (kind, lat, lon) {
            (_, Some(lat), Some(lon)) => Some((lat, lon)),
            (BatchKind::Search, None, None) => None,
            (BatchKind::Search, _, _) => {
                return Err(Error::Input(
                    "name both the lat and the lon columns, or neither".into(),
                ))
            }
            (BatchKind::Reverse, lat, lon) => {
                let lat = lat.or_else(|| find_any(header, LATITUDE_NAMES));
                let lon = lon.or_else(|| find_any(header, LONGITUDE_NAMES));
                match (lat, lon) {
                    (Some(lat), Some(lon)) => Some((lat, lon)),
                    _ => {
                        return Err(Error::Input(format!(
                            "reverse geocoding needs a latitude column (lat or latitude) and a \
                             longitude column (lon, lng, long or longitude), or their names in \
                             the lat and lon parameters; the file's columns are: {}",
                            list(header)
                        )))
                    }
                }
            }
        };
        let all = match kind {
            BatchKind::Search => SEARCH_RESULT_COLUMNS,
            BatchKind::Reverse => REVERSE_RESULT_COLUMNS,
        };
        let result_columns = if options.result_columns.is_empty() {
            all.to_vec()
        } else {
            options
                .result_columns
                .iter()
                .map(|name| {
                    all.iter()
                        .copied()
                        .find(|c| *c == name.trim())
                        .ok_or_else(|| {
                            Error::Input(format!(
                                "{name:?} is not a result column; choose among: {}",
                                all.join(", ")
                            ))
                        })
                })
                .collect::<Result<Vec<_>>>()?
        };
        Ok(ColumnPlan {
            address,
            postcode: optional(&options.postcode, "postcode")?,
            citycode: optional(&options.citycode, "citycode")?,
            kind: optional(&options.kind, "type")?,
            point,
            result_columns,
        })
    }
}

/// A column by its exact name, else ignoring case and surrounding spaces (spreadsheet headers
/// often carry both).
fn find_column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name).or_else(|| {
        let wanted = name.trim().to_lowercase();
        header
            .iter()
            .position(|h| h.trim().to_lowercase() == wanted)
    })
}

fn find_any(header: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| find_column(header, n))
}

fn list(header: &[String]) -> String {
    header
        .iter()
        .map(|h| format!("{h:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_are_found_by_name_ignoring_case_and_spaces() {
        let options = ColumnOptions {
            columns: vec!["adresse".into(), "Ville".into()],
            postcode: Some("cp".into()),
            ..Default::default()
        };
        let plan = ColumnPlan::resolve(
            &header(&["id", " Adresse ", "ville", "CP"]),
            &options,
            BatchKind::Search,
        )
        .unwrap();
        assert_eq!(plan.address, vec![1, 2]);
        assert_eq!(plan.postcode, Some(3));
        assert_eq!(plan.result_columns, SEARCH_RESULT_COLUMNS);
    }

    #[test]
    fn an_unknown_column_is_an_error_naming_the_file_columns() {
        let options = ColumnOptions {
            columns: vec!["voie".into()],
            ..Default::default()
        };
        let err = ColumnPlan::resolve(&header(&["adresse"]), &options, BatchKind::Search)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"voie\"") && err.contains("\"adresse\""),
            "{err}"
        );
    }

    #[test]
    fn reverse_finds_coordinate_columns_by_their_usual_names() {
        let plan = ColumnPlan::resolve(
            &header(&["id", "Latitude", "lng"]),
            &ColumnOptions::default(),
            BatchKind::Reverse,
        )
        .unwrap();
        assert_eq!(plan.point, Some((1, 2)));
        assert!(ColumnPlan::resolve(
            &header(&["id", "y"]),
            &ColumnOptions::default(),
            BatchKind::Reverse
        )
        .is_err());
    }

    #[test]
    fn result_columns_can_be_chosen_but_not_invented() {
        let options = ColumnOptions {
            result_columns: vec!["result_id".into(), "result_score".into()],
            ..Default::default()
        };
        let plan = ColumnPlan::resolve(&header(&["a"]), &options, BatchKind::Search).unwrap();
        assert_eq!(plan.result_columns, vec!["result_id", "result_score"]);
        let options = ColumnOptions {
            result_columns: vec!["result_color".into()],
            ..Default::default()
        };
        assert!(ColumnPlan::resolve(&header(&["a"]), &options, BatchKind::Search).is_err());
    }
}
