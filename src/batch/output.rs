//! Writing processed rows: CSV in the input's own dialect (delimiter, quote, line ending, BOM),
//! or a GeoJSON FeatureCollection for GIS tools, both streamed row by row.

use std::io::Write;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

use super::dialect::Dialect;
use super::row::RowOutcome;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    GeoJson,
}

/// Where rows go.
pub enum Sink<W: Write> {
    Csv(csv::Writer<W>),
    GeoJson {
        out: W,
        columns: Vec<String>,
        first: bool,
    },
}

fn io(e: std::io::Error) -> Error {
    Error::Io {
        path: "output".into(),
        source: e,
    }
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io(e),
        other => Error::Internal(format!("writing CSV: {other:?}")),
    }
}

impl<W: Write> Sink<W> {
    /// Starts the output: the BOM and header row for CSV, the collection's opening for GeoJSON.
    pub fn start(
        mut out: W,
        format: Format,
        dialect: &Dialect,
        header: &[String],
        result_columns: &[&str],
    ) -> Result<Sink<W>> {
        match format {
            Format::Csv => {
                if dialect.output_bom {
                    out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
                }
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(dialect.delimiter)
                    .quote(dialect.quote)
                    .terminator(if dialect.crlf {
                        csv::Terminator::CRLF
                    } else {
                        csv::Terminator::Any(b'\n')
                    })
                    .from_writer(out);
                writer
                    .write_record(
                        header
                            .iter()
                            .map(String::as_str)
                            .chain(result_columns.iter().copied()),
                    )
                    .map_err(csv_error)?;
                Ok(Sink::Csv(writer))
            }
            Format::GeoJson => {
                out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
                    .map_err(io)?;
                let columns = header
                    .iter()
                    .cloned()
                    .chain(result_columns.iter().map(|c| c.to_string()))
                    .collect();
                Ok(Sink::GeoJson {
                    out,
                    columns,
                    first: true,
                })
            }
        }
    }

    pub fn write(&mut self, row: &RowOutcome) -> Result<()> {
        match self {
            Sink::Csv(writer) => writer
                .write_record(row.fields.iter().chain(row.results.iter()))
                .map_err(csv_error),
            Sink::GeoJson {
                out,
                columns,
                first,
            } => {
                let mut properties = Map::new();
                for (name, value) in columns.iter().zip(row.fields.iter().chain(&row.results)) {
                    // A repeated column name keeps its first value.
                    properties
                        .entry(name.clone())
                        .or_insert_with(|| Value::String(value.clone()));
                }
                let geometry = match row.point {
                    Some((lon, lat)) => json!({"type": "Point", "coordinates": [lon, lat]}),
                    None => Value::Null,
                };
                let feature =
                    json!({"type": "Feature", "geometry": geometry, "properties": properties});
                if !*first {
                    out.write_all(b",\n").map_err(io)?;
                }
                *first = false;
                serde_json::to_writer(&mut *out, &feature)
                    .map_err(|e| Error::Internal(format!("writing GeoJSON: {e}")))
            }
        }
    }

    /// Pushes what is buffered to the underlying writer (after each chunk of rows).
    pub fn flush(&mut self) -> Result<()> {
        match self {
            Sink::Csv(writer) => writer.flush().map_err(io),
            Sink::GeoJson { out, .. } => out.flush().map_err(io),
        }
    }

    /// Ends the output and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        match self {
            Sink::Csv(writer) => writer
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string()))),
            Sink::GeoJson { mut out, .. } => {
                out.write_all(b"\n]}\n").map_err(io)?;
                out.flush().map_err(io)?;
                Ok(out)
            }
        }
    }
}
