//! One row of a batch: its fields read as text, the request they make (address, per-row filters,
//! bias or point), the geocoder's answer, and the result columns. Anything wrong with the row
//! becomes its status, never an error of the whole file.

use crate::index::snapshot::Snapshot;
use crate::model::Kind;
use crate::result_view::ResultView;
use crate::reverse::{ReverseRequest, DEFAULT_RADIUS_M};
use crate::search::{Filters, Hit, SearchRequest};
use crate::Geocoder;

use super::columns::{BatchKind, ColumnPlan};
use super::dialect::Dialect;

/// Longest address accepted in a row, in characters (as `/search`).
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Shorter addresses find nothing (as `/search`).
const MIN_ADDRESS_CHARS: usize = 3;

/// How a row went, written in `result_status`.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Ok,
    NotFound,
    Error(String),
}

impl Status {
    pub fn text(&self) -> String {
        match self {
            Status::Ok => "ok".into(),
            Status::NotFound => "not-found".into(),
            Status::Error(reason) => format!("error: {reason}"),
        }
    }
}

/// A processed row: the input fields as text (exactly as many as the header has), the values of
/// the plan's result columns, and the result's point for GeoJSON output.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    /// Line of the input where the row starts (1 is the header).
    pub line: u64,
    pub fields: Vec<String>,
    pub results: Vec<String>,
    pub point: Option<(f64, f64)>,
    pub status: Status,
}

/// Everything a row needs besides its own bytes.
pub struct RowContext<'a> {
    pub geocoder: &'a Geocoder,
    pub kind: BatchKind,
    pub plan: &'a ColumnPlan,
    pub dialect: &'a Dialect,
    pub header_len: usize,
}

impl RowContext<'_> {
    pub fn process(&self, record: &csv::ByteRecord) -> RowOutcome {
        let (fields, problem) = self.fields(record);
        // One snapshot for the row's answer and its result columns.
        let snapshot = self.geocoder.snapshot();
        let answer = match problem {
            Some(reason) => Err(reason),
            None => match self.kind {
                BatchKind::Search => self.search(&snapshot, &fields),
                BatchKind::Reverse => self.reverse(&snapshot, &fields),
            },
        };
        let (status, hits) = match answer {
            Err(reason) => (Status::Error(reason), Vec::new()),
            Ok(hits) if hits.is_empty() => (Status::NotFound, hits),
            Ok(hits) => (Status::Ok, hits),
        };
        let best = hits.first().and_then(|hit| ResultView::of(&snapshot, hit));
        let score_next = hits.get(1).map(|h| h.score);
        let results = self
            .plan
            .result_columns
            .iter()
            .map(|column| result_value(column, best.as_ref(), score_next, &status))
            .collect();
        RowOutcome {
            line: record.position().map_or(0, |p| p.line()),
            fields,
            results,
            point: best.as_ref().map(|v| (v.position.lon, v.position.lat)),
            status,
        }
    }

    /// The row's fields as text, made as wide as the header, and what is wrong with them.
    fn fields(&self, record: &csv::ByteRecord) -> (Vec<String>, Option<String>) {
        let mut problem = None;
        let mut fields: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, bytes)| match self.dialect.encoding.decode(bytes) {
                Ok(text) => text.into_owned(),
                Err(why) => {
                    problem.get_or_insert(format!("column {} holds {why}", i + 1));
                    String::from_utf8_lossy(bytes).into_owned()
                }
            })
            .collect();
        let n = self.header_len;
        if fields.len() > n && fields[n..].iter().all(|f| f.is_empty()) {
            // A trailing delimiter, as some spreadsheets write: nothing is lost by dropping it.
            fields.truncate(n);
        }
        if fields.len() != n {
            problem = Some(format!(
                "the row has {} columns, the header {}",
                fields.len(),
                n
            ));
            if fields.len() > n && n > 0 {
                // Keep every byte: the surplus goes back into the last column, as it was read.
                let delimiter = (self.dialect.delimiter as char).to_string();
                let surplus = fields.split_off(n);
                let last = &mut fields[n - 1];
                for extra in surplus {
                    last.push_str(&delimiter);
                    last.push_str(&extra);
                }
            }
            fields.resize(n, String::new());
        }
        if problem.is_none() {
            if let Some(i) = fields.iter().position(|f| {
                f.chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            }) {
                problem = Some(format!("column {} holds control characters", i + 1));
            }
        }
        (fields, problem)
    }

    fn search(&self, snapshot: &Snapshot, fields: &[String]) -> Result<Vec<Hit>, String> {
        let q = self
            .plan
            .address
            .iter()
            .map(|&i| fields[i].trim())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if q.is_empty() {
            return Err("the address columns are empty".into());
        }
        let chars = q.chars().count();
        if chars > MAX_ADDRESS_CHARS {
            return Err(format!(
                "the address is {chars} characters long, the limit is {MAX_ADDRESS_CHARS}"
            ));
        }
        if chars < MIN_ADDRESS_CHARS {
            return Ok(Vec::new());
        }
        let request = SearchRequest {
            q,
            // Two, for result_score_next.
            limit: 2,
            autocomplete: false,
            near: self.point(fields)?,
            filters: self.filters(fields)?,
        };
        crate::search::search(snapshot, &request).map_err(|e| format!("the search failed ({e})"))
    }

    fn reverse(&self, snapshot: &Snapshot, fields: &[String]) -> Result<Vec<Hit>, String> {
        let (lon, lat) = self
            .point(fields)?
            .ok_or_else(|| "the coordinate columns are empty".to_string())?;
        let request = ReverseRequest {
            lon,
            lat,
            limit: 1,
            radius_m: DEFAULT_RADIUS_M,
            filters: self.filters(fields)?,
        };
        Ok(crate::reverse::reverse(snapshot, &request))
    }

    /// The row's (lon, lat), when its coordinate columns are filled.
    fn point(&self, fields: &[String]) -> Result<Option<(f64, f64)>, String> {
        let Some((lat_i, lon_i)) = self.plan.point else {
            return Ok(None);
        };
        let (lat, lon) = (fields[lat_i].trim(), fields[lon_i].trim());
        if lat.is_empty() && lon.is_empty() {
            return Ok(None);
        }
        let lat = coordinate(lat, 90.0).ok_or_else(|| format!("latitude {lat:?} is not valid"))?;
        let lon =
            coordinate(lon, 180.0).ok_or_else(|| format!("longitude {lon:?} is not valid"))?;
        Ok(Some((lon, lat)))
    }

    fn filters(&self, fields: &[String]) -> Result<Filters, String> {
        let mut filters = Filters::default();
        let value = |i: Option<usize>| i.map(|i| fields[i].trim()).filter(|v| !v.is_empty());
        if let Some(v) = value(self.plan.postcode) {
            filters
                .postcodes
                .push(postcode(v).ok_or_else(|| format!("postcode {v:?} is not a postcode"))?);
        }
        if let Some(v) = value(self.plan.citycode) {
            filters
                .citycodes
                .push(citycode(v).ok_or_else(|| format!("citycode {v:?} is not an INSEE code"))?);
        }
        if let Some(v) = value(self.plan.kind) {
            for name in v.split(|c: char| c.is_whitespace() || c == '+' || c == ',') {
                if name.is_empty() {
                    continue;
                }
                let kind = Kind::parse(&name.to_lowercase())
                    .ok_or_else(|| format!("type {name:?} is not a result type"))?;
                filters.kinds.push(kind);
            }
        }
        Ok(filters)
    }
}

/// A coordinate in degrees, with a dot or (as French spreadsheets write it) a comma.
fn coordinate(text: &str, bound: f64) -> Option<f64> {
    let value: f64 = if text.contains('.') {
        text.parse().ok()?
    } else {
        text.replacen(',', ".", 1).parse().ok()?
    };
    (value.is_finite() && value.abs() <= bound).then_some(value)
}

/// Five digits; four are taken as a postcode whose leading zero a spreadsheet dropped ("5000").
fn postcode(text: &str) -> Option<String> {
    let all_digits = text.bytes().all(|b| b.is_ascii_digit());
    match text.len() {
        5 if all_digits => Some(text.to_string()),
        4 if all_digits => Some(format!("0{text}")),
        _ => None,
    }
}

/// An INSEE code (digits, or 2A/2B for Corsica), with a dropped leading zero restored.
fn citycode(text: &str) -> Option<String> {
    let text = text.to_ascii_uppercase();
    let valid = |t: &str| {
        t.len() == 5
            && t.bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || (i == 1 && (b == b'A' || b == b'B')))
    };
    if valid(&text) {
        Some(text)
    } else if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("0{text}"))
    } else {
        None
    }
}

/// The value of one result column for a row.
fn result_value(
    column: &str,
    best: Option<&ResultView<'_>>,
    score_next: Option<f64>,
    status: &Status,
) -> String {
    if column == "result_status" {
        return status.text();
    }
    let Some(view) = best else {
        return String::new();
    };
    let place = view.place;
    let text = |s: Option<&str>| s.unwrap_or_default().to_string();
    match column {
        "latitude" | "result_latitude" => view.position.lat.to_string(),
        "longitude" | "result_longitude" => view.position.lon.to_string(),
        "result_label" => view.label.clone(),
        "result_score" => view.score.to_string(),
        "result_score_next" => score_next.map_or_else(String::new, |s| s.to_string()),
        "result_distance" => view
            .distance_m
            .map_or_else(String::new, |d| format!("{}", d.round() as u64)),
        "result_type" => view.kind.as_str().to_string(),
        "result_id" => view.id.clone(),
        "result_housenumber" => text(view.housenumber.as_deref()),
        "result_name" => view.name.clone(),
        // The street (or lieu-dit) the result lies on; addok leaves this empty.
        "result_street" => match place.kind {
            Kind::Street | Kind::Locality => place.name.to_string(),
            Kind::Housenumber | Kind::Municipality => String::new(),
        },
        "result_postcode" => text(place.postcode.as_deref()),
        "result_city" => place.city.to_string(),
        "result_context" => place.context.to_string(),
        "result_citycode" => place.citycode.to_string(),
        "result_oldcitycode" => text(place.oldcitycode.as_deref()),
        "result_oldcity" => text(place.oldcity.as_deref()),
        "result_district" => text(place.district.as_deref()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_accept_a_decimal_comma_and_refuse_nonsense() {
        assert_eq!(coordinate("44,5594", 90.0), Some(44.5594));
        assert_eq!(coordinate("6.0794", 180.0), Some(6.0794));
        assert_eq!(coordinate("-0.5", 180.0), Some(-0.5));
        for bad in ["", "abc", "NaN", "inf", "91", "1e308", "4,5,6", "1.2,3"] {
            assert_eq!(coordinate(bad, 90.0), None, "{bad}");
        }
    }

    #[test]
    fn postcodes_and_citycodes_get_back_a_dropped_leading_zero() {
        assert_eq!(postcode("5000").as_deref(), Some("05000"));
        assert_eq!(postcode("75011").as_deref(), Some("75011"));
        assert_eq!(postcode("750111"), None);
        assert_eq!(postcode("7501a"), None);
        assert_eq!(citycode("5061").as_deref(), Some("05061"));
        assert_eq!(citycode("2a004").as_deref(), Some("2A004"));
        assert_eq!(citycode("2C004"), None);
    }
}
