//! Query-string parameters of /search and /reverse, read and validated once into ready-to-use
//! requests. Every invalid value is a 400 with the parameter's name; repeated filters are ORed.

use crate::model::Kind;
use crate::reverse::{ReverseRequest, DEFAULT_RADIUS_M, MAX_RADIUS_M};
use crate::search::{Filters, SearchRequest};

use super::error::ApiError;

/// Longest query accepted, in characters (the public API's limit).
pub const MAX_QUERY_CHARS: usize = 200;
/// Shorter queries get an empty answer rather than the whole of France.
pub const MIN_QUERY_CHARS: usize = 3;
pub const MAX_LIMIT: usize = 100;

/// The decoded (name, value) pairs of a query string, in order, and the name of the first
/// parameter whose percent-escapes are not UTF-8 (the decoder would silently turn them into
/// U+FFFD and search for something the caller never sent).
pub struct RawParams(Vec<(String, String)>, Option<String>);

impl RawParams {
    pub fn parse(query: Option<&str>) -> RawParams {
        let query = query.unwrap_or("");
        let pairs =
            form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned()));
        let not_utf8 = query
            .split('&')
            .find(|pair| !decodes_to_utf8(pair))
            .map(|pair| {
                let name = pair.split('=').next().unwrap_or("");
                form_urlencoded::parse(name.as_bytes())
                    .next()
                    .map(|(k, _)| k.into_owned())
                    .unwrap_or_default()
            });
        RawParams(pairs.collect(), not_utf8)
    }

    /// A 400 when a parameter is not UTF-8 once percent-decoded.
    fn check_utf8(&self) -> Result<(), ApiError> {
        match &self.1 {
            None => Ok(()),
            Some(name) => Err(ApiError::invalid(
                name,
                "Once percent-decoded, it is not valid UTF-8.",
            )),
        }
    }

    /// The first value of the first of `names` present.
    fn first(&self, names: &[&str]) -> Option<(&str, &str)> {
        names.iter().find_map(|n| {
            self.0
                .iter()
                .find(|(k, _)| k == n)
                .map(|(k, v)| (k.as_str(), v.as_str()))
        })
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What /search answers, besides the request itself.
pub struct SearchParams {
    pub request: SearchRequest,
    /// Under the minimum length: answer with no features.
    pub too_short: bool,
}

pub fn search_params(raw: &RawParams) -> Result<SearchParams, ApiError> {
    raw.check_utf8()?;
    let q = raw.first(&["q"]).map(|(_, v)| v.trim()).unwrap_or("");
    if q.is_empty() {
        return Err(ApiError::missing("q"));
    }
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::TooLong(format!(
            "The query is {chars} characters long; the limit is {MAX_QUERY_CHARS}."
        )));
    }
    if q.chars().any(|c| c.is_control()) {
        return Err(ApiError::invalid("q", "It contains control characters."));
    }
    let limit = limit(raw, 5)?;
    let autocomplete = match raw
        .first(&["autocomplete"])
        .map(|(_, v)| v.trim().to_ascii_lowercase())
    {
        None => true,
        Some(v) => match v.as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => {
                return Err(ApiError::invalid(
                    "autocomplete",
                    "Use 1 or 0 (true or false).",
                ))
            }
        },
    };
    Ok(SearchParams {
        request: SearchRequest {
            q: q.to_string(),
            limit,
            autocomplete,
            near: location(raw, false)?,
            filters: filters(raw)?,
        },
        too_short: chars < MIN_QUERY_CHARS,
    })
}

pub fn reverse_params(raw: &RawParams) -> Result<ReverseRequest, ApiError> {
    raw.check_utf8()?;
    let (lon, lat) = location(raw, true)?.ok_or_else(|| ApiError::missing("lon"))?;
    let radius_m = match raw.first(&["radius"]) {
        None => DEFAULT_RADIUS_M,
        Some((_, v)) => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RADIUS_M)
            .ok_or_else(|| {
                ApiError::invalid(
                    "radius",
                    format!("It must be a number of metres, above 0 and at most {MAX_RADIUS_M}."),
                )
            })?,
    };
    Ok(ReverseRequest {
        lon,
        lat,
        limit: limit(raw, 1)?,
        radius_m,
        filters: filters(raw)?,
    })
}

/// Whether a `name=value` piece of a query string percent-decodes to UTF-8.
fn decodes_to_utf8(pair: &str) -> bool {
    let plus_as_space: Vec<u8> = pair
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    std::str::from_utf8(&decoded).is_ok()
}

fn limit(raw: &RawParams, default: usize) -> Result<usize, ApiError> {
    match raw.first(&["limit"]) {
        None => Ok(default),
        Some((_, v)) => {
            let n: i64 = v
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid("limit", "The value must be an integer."))?;
            if n < 1 || n > MAX_LIMIT as i64 {
                return Err(ApiError::invalid(
                    "limit",
                    format!("It must be between 1 and {MAX_LIMIT}."),
                ));
            }
            Ok(n as usize)
        }
    }
}

/// (lon, lat) from `lon`/`lng`/`long`/`longitude` and `lat`/`latitude`; both or neither.
fn location(raw: &RawParams, required: bool) -> Result<Option<(f64, f64)>, ApiError> {
    let lon = raw.first(&["lon", "lng", "long", "longitude"]);
    let lat = raw.first(&["lat", "latitude"]);
    let (lon, lat) = match (lon, lat) {
        (None, None) if !required => return Ok(None),
        (None, _) => return Err(ApiError::missing("lon")),
        (_, None) => return Err(ApiError::missing("lat")),
        (Some(lon), Some(lat)) => (lon, lat),
    };
    let read = |(name, value): (&str, &str), bound: f64| {
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && v.abs() <= bound)
            .ok_or_else(|| {
                ApiError::invalid(
                    name,
                    format!("It must be a number between -{bound} and {bound}."),
                )
            })
    };
    Ok(Some((read(lon, 180.0)?, read(lat, 90.0)?)))
}

fn filters(raw: &RawParams) -> Result<Filters, ApiError> {
    let mut filters = Filters::default();
    for value in split_values(raw.all("type")) {
        let kind = Kind::parse(value).ok_or_else(|| {
            ApiError::invalid(
                "type",
                format!("{value:?} is not one of housenumber, street, locality, municipality."),
            )
        })?;
        if !filters.kinds.contains(&kind) {
            filters.kinds.push(kind);
        }
    }
    for value in split_values(raw.all("citycode")) {
        let valid = value.len() == 5
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'A' || b == b'B' || b == b'a' || b == b'b');
        if !valid {
            return Err(ApiError::invalid(
                "citycode",
                format!("{value:?} is not an INSEE code (5 characters, like 05061 or 2A004)."),
            ));
        }
        filters.citycodes.push(value.to_ascii_uppercase());
    }
    for value in split_values(raw.all("postcode")) {
        if value.len() != 5 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid(
                "postcode",
                format!("{value:?} is not a postcode (5 digits)."),
            ));
        }
        filters.postcodes.push(value.to_string());
    }
    Ok(filters)
}

/// "street+locality" arrives as "street locality"; commas are accepted too.
fn split_values<'a>(values: impl Iterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    values
        .flat_map(|v| v.split(|c: char| c.is_whitespace() || c == ','))
        .filter(|v| !v.is_empty())
}
