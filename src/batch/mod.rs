//! Batch geocoding of CSV files, shared by `POST /search/csv/`, `POST /reverse/csv/` and the
//! `adresse geocode` / `reverse-geocode` commands.
//!
//! A [`Job`] is prepared from the first bytes of the input (dialect, header, columns: every
//! mistake the caller can fix is reported here, before any output), then run: rows are read in
//! chunks, geocoded in parallel on all cores (rayon), and written in input order as each chunk
//! completes, while the next is geocoded. Memory holds three chunks (read, geocoded, written),
//! whatever the size of the file; a bad row only gets its own `result_status`.

pub mod columns;
pub mod dialect;
pub mod output;
pub mod row;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::Geocoder;

pub use columns::{BatchKind, ColumnOptions, ColumnPlan};
pub use dialect::{Dialect, DialectOptions, TextEncoding};
pub use output::Format;
use output::Sink;
pub use row::{RowOutcome, Status};

/// Rows geocoded together: enough to keep every core busy, few enough that memory stays small.
const CHUNK_ROWS: usize = 1024;

/// What a caller asks of a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub kind: BatchKind,
    pub columns: ColumnOptions,
    pub dialect: DialectOptions,
    pub format: Format,
}

/// Counts of a finished (or failed) batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub rows: u64,
    pub ok: u64,
    pub not_found: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// The first rows in error, as (line, reason), for the report.
    pub first_errors: Vec<(u64, String)>,
}

/// Rows in error kept for the report.
const ERRORS_REPORTED: usize = 10;

impl Summary {
    fn count(&mut self, outcome: &RowOutcome) {
        self.rows += 1;
        match &outcome.status {
            Status::Ok => self.ok += 1,
            Status::NotFound => self.not_found += 1,
            Status::Error(reason) => {
                self.errors += 1;
                if self.first_errors.len() < ERRORS_REPORTED {
                    self.first_errors.push((outcome.line, reason.clone()));
                }
            }
        }
    }
}

/// A batch whose input has been checked, ready to run.
pub struct Job<R: Read> {
    geocoder: Geocoder,
    options: BatchOptions,
    reader: csv::Reader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>,
    pub dialect: Dialect,
    pub header: Vec<String>,
    pub plan: ColumnPlan,
}

impl<R: Read> Job<R> {
    /// Reads the first bytes of `input` to learn its dialect and header, and checks the
    /// caller's columns against that header.
    pub fn prepare(geocoder: Geocoder, mut input: R, options: BatchOptions) -> Result<Job<R>> {
        let mut sample = Vec::with_capacity(dialect::SAMPLE_BYTES);
        let complete = read_up_to(&mut input, &mut sample, dialect::SAMPLE_BYTES)?;
        if sample.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Error::Input("the file is empty".into()));
        }
        let dialect = Dialect::detect(&sample, complete, &options.dialect)?;
        let bom = dialect.bom_len();
        sample.drain(..bom);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(dialect.delimiter)
            .quote(dialect.quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::Cursor::new(sample).chain(input));
        let mut record = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| read_error(e, 1))?
        {
            return Err(Error::Input("the file is empty".into()));
        }
        let header = record
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                dialect
                    .encoding
                    .decode(bytes)
                    .map(|s| s.into_owned())
                    .map_err(|why| {
                        Error::Input(format!("line 1: the name of column {} holds {why}", i + 1))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let plan = ColumnPlan::resolve(&header, &options.columns, options.kind)?;
        Ok(Job {
            geocoder,
            options,
            reader,
            dialect,
            header,
            plan,
        })
    }

    /// Geocodes every row into `out`, calling `progress` after each chunk with the counts so far.
    pub fn run<W: Write>(mut self, out: W, mut progress: impl FnMut(&Summary)) -> Result<Summary> {
        let started = Instant::now();
        let mut sink = Sink::start(
            out,
            self.options.format,
            &self.dialect,
            &self.header,
            &self.plan.result_columns,
        )?;
        let context = row::RowContext {
            geocoder: &self.geocoder,
            kind: self.options.kind,
            plan: &self.plan,
            dialect: &self.dialect,
            header_len: self.header.len(),
        };
        let mut summary = Summary::default();
        // Reading and writing are one thread's work, geocoding all cores': while a chunk is
        // geocoded, the one before it is written and the one after it read, so that the cores
        // do not wait for either.
        let mut chunk = read_chunk(&mut self.reader)?;
        let mut geocoded: Option<Vec<RowOutcome>> = None;
        std::thread::scope(|scope| -> Result<()> {
            let context = &context;
            loop {
                let rows = std::mem::take(&mut chunk);
                let geocoding = (!rows.is_empty()).then(|| {
                    scope.spawn(move || {
                        rows.par_iter()
                            .map(|record| context.process(record))
                            .collect::<Vec<RowOutcome>>()
                    })
                });
                if let Some(outcomes) = geocoded.take() {
                    write_chunk(&mut sink, &mut summary, &outcomes)?;
                    summary.elapsed = started.elapsed();
                    progress(&summary);
                }
                let Some(geocoding) = geocoding else {
                    return Ok(());
                };
                let next = read_chunk(&mut self.reader);
                let outcomes = geocoding
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                match next {
                    Ok(next) => {
                        geocoded = Some(outcomes);
                        chunk = next;
                    }
                    // The rows read before the input failed are written before the error.
                    Err(e) => {
                        write_chunk(&mut sink, &mut summary, &outcomes)?;
                        return Err(e);
                    }
                }
            }
        })?;
        sink.finish()?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    }
}

/// Writes a chunk's answers, in input order, and counts them.
fn write_chunk<W: Write>(
    sink: &mut Sink<W>,
    summary: &mut Summary,
    outcomes: &[RowOutcome],
) -> Result<()> {
    for outcome in outcomes {
        sink.write(outcome)?;
        summary.count(outcome);
    }
    sink.flush()
}

/// The next `CHUNK_ROWS` records of the input (fewer at its end, none after it).
fn read_chunk(reader: &mut csv::Reader<impl Read>) -> Result<Vec<csv::ByteRecord>> {
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    while chunk.len() < CHUNK_ROWS {
        let mut record = csv::ByteRecord::new();
        let line = reader.position().line();
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| read_error(e, line))?
        {
            break;
        }
        chunk.push(record);
    }
    Ok(chunk)
}

/// Fills `buf` with up to `limit` bytes; true when the input ended before.
fn read_up_to(input: &mut impl Read, buf: &mut Vec<u8>, limit: usize) -> Result<bool> {
    let mut taken = input.take(limit as u64);
    taken
        .read_to_end(buf)
        .map_err(|e| Error::io(std::path::Path::new("input"), e))?;
    Ok(buf.len() < limit)
}

/// A read error that stops the file: the input itself failed (a broken upload, a disk error).
fn read_error(e: csv::Error, line: u64) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Input(format!("reading line {line}: {e}")),
        other => Error::Input(format!("line {line}: {other:?}")),
    }
}
