//! `/health`: is the server up, which version, and what index it serves (when it was built, how
//! recent its BAN files are, how many documents of each type). Monitoring reads this; it never
//! touches the index beyond the manifest, so it stays cheap under load.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use time::OffsetDateTime;

use super::error::json_response;
use crate::index::layout::Manifest;
use crate::Geocoder;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `HEALTHY` when the server answers.
    #[schema(example = "HEALTHY")]
    pub status: &'static str,
    /// Version of this program.
    pub version: &'static str,
    /// On-disk format version of the served index.
    pub index_format: u32,
    /// Unix seconds when the index was built.
    pub built_at: u64,
    /// When the index was built, RFC 3339 (UTC).
    #[schema(example = "2026-11-28T20:17:42Z")]
    pub index_date: String,
    /// Modification date of the newest BAN file in the index, RFC 3339 (UTC): how fresh the
    /// addresses are.
    pub data_date: String,
    /// BAN files the index was built from.
    pub sources: Vec<String>,
    pub documents: Documents,
}

/// Documents in the index, per type (a street carries its housenumbers).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Documents {
    pub municipality: u64,
    pub street: u64,
    pub locality: u64,
    pub housenumber: u64,
    /// All four added up.
    pub total: u64,
}

pub async fn health(State(geocoder): State<Geocoder>) -> Response {
    json_response(StatusCode::OK, &report(&geocoder.index().manifest))
}

pub fn report(m: &Manifest) -> Health {
    Health {
        status: "HEALTHY",
        version: env!("CARGO_PKG_VERSION"),
        index_format: m.version,
        built_at: m.built_at,
        index_date: rfc3339(m.built_at),
        data_date: rfc3339(data_timestamp(m)),
        sources: m.sources.iter().map(|s| s.name.clone()).collect(),
        documents: Documents {
            municipality: m.municipalities,
            street: m.streets,
            locality: m.localities,
            housenumber: m.housenumbers,
            total: m.municipalities + m.streets + m.localities + m.housenumbers,
        },
    }
}

/// Unix seconds of the newest source file; BAN publishes whole files, so this dates the data.
pub fn data_timestamp(m: &Manifest) -> u64 {
    m.sources.iter().map(|s| s.modified).max().unwrap_or(0)
}

/// Written by hand from the calendar fields: the `time` crate's formatter is a cargo feature
/// whose activation would rebuild tantivy, which shares the crate.
fn rfc3339(unix_seconds: u64) -> String {
    let Some(t) = i64::try_from(unix_seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
    else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
