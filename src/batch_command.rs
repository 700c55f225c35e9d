//! `adresse geocode` and `adresse reverse-geocode`: batch geocoding of a CSV file without a
//! server, on all cores, with a progress bar on a terminal and a summary at the end.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};

use adresse::batch::{
    dialect, BatchKind, BatchOptions, ColumnOptions, DialectOptions, Format, Job, Summary,
    TextEncoding,
};
use adresse::Geocoder;

/// Options of both batch commands.
#[derive(Args)]
pub struct BatchArgs {
    /// Input CSV file, or `-` for standard input.
    input: PathBuf,
    /// Output file, or `-` for standard output.
    #[arg(short, long)]
    output: PathBuf,
    /// Index directory.
    #[arg(long, env = "ADRESSE_INDEX", default_value = "var/index")]
    index: PathBuf,
    /// Column holding each row's postcode: results are restricted to it.
    #[arg(long)]
    postcode_column: Option<String>,
    /// Column holding each row's INSEE code: results are restricted to it.
    #[arg(long)]
    citycode_column: Option<String>,
    /// Column holding each row's result type(s): housenumber, street, locality, municipality.
    #[arg(long)]
    type_column: Option<String>,
    /// Latitude column: a location bias (geocode) or the point (reverse-geocode; found by name
    /// when not given: lat, latitude).
    #[arg(long)]
    lat_column: Option<String>,
    /// Longitude column (found by name for reverse-geocode: lon, lng, long, longitude).
    #[arg(long)]
    lon_column: Option<String>,
    /// Result columns to write (repeatable); all of them by default.
    #[arg(long = "result-column")]
    result_columns: Vec<String>,
    /// Input encoding (utf-8, windows-1252, latin1…); detected per field by default.
    #[arg(long)]
    encoding: Option<String>,
    /// Delimiter (`,` `;` `tab` `|`…); detected by default.
    #[arg(long)]
    delimiter: Option<String>,
    /// Quote character; `"` by default.
    #[arg(long)]
    quote: Option<String>,
    /// Start the output with a UTF-8 byte-order mark (default: when the input had one or was
    /// not UTF-8, so that spreadsheets read the accents right).
    #[arg(long)]
    with_bom: Option<bool>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    format: OutputFormat,
    /// Worker threads; all cores by default.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Csv,
    Geojson,
}

/// `adresse geocode`: the address is made of these columns.
#[derive(Args)]
pub struct GeocodeArgs {
    /// Columns joined with spaces to make the address (repeatable); all columns by default.
    #[arg(long = "columns", alias = "column")]
    columns: Vec<String>,
    #[command(flatten)]
    batch: BatchArgs,
}

pub fn geocode(args: GeocodeArgs) -> anyhow::Result<()> {
    run(BatchKind::Search, args.columns, args.batch)
}

pub fn reverse_geocode(args: BatchArgs) -> anyhow::Result<()> {
    run(BatchKind::Reverse, Vec::new(), args)
}

fn run(kind: BatchKind, columns: Vec<String>, args: BatchArgs) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .context("setting the number of threads")?;
    }
    let options = BatchOptions {
        kind,
        columns: ColumnOptions {
            columns,
            postcode: args.postcode_column,
            citycode: args.citycode_column,
            kind: args.type_column,
            lat: args.lat_column,
            lon: args.lon_column,
            result_columns: args.result_columns,
        },
        dialect: DialectOptions {
            encoding: args
                .encoding
                .as_deref()
                .map(TextEncoding::from_label)
                .transpose()?,
            delimiter: args
                .delimiter
                .as_deref()
                .map(|d| dialect::parse_char(d, "delimiter"))
                .transpose()?,
            quote: args
                .quote
                .as_deref()
                .map(|q| dialect::parse_char(q, "quote"))
                .transpose()?,
            with_bom: args.with_bom,
        },
        format: match args.format {
            OutputFormat::Csv => Format::Csv,
            OutputFormat::Geojson => Format::GeoJson,
        },
    };
    let geocoder = Geocoder::open(&args.index)
        .with_context(|| format!("opening the index {}", args.index.display()))?;
    let input_name = args.input.display().to_string();
    let (input, total_bytes) = open_input(&args.input)?;
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counted = CountingReader {
        inner: input,
        count: bytes_read.clone(),
    };
    let job = Job::prepare(geocoder, counted, options)
        .map_err(|e| anyhow::anyhow!("{input_name}: {e}"))?;
    eprintln!(
        "{input_name}: {} columns, delimiter {:?}, {}",
        job.header.len(),
        job.dialect.delimiter as char,
        job.dialect.encoding_name
    );
    let output = open_output(&args.output)?;
    let bar = progress_bar(total_bytes);
    let summary = job
        .run(output, |s| {
            if let Some(bar) = &bar {
                bar.set_position(bytes_read.load(Ordering::Relaxed));
                let rate = s.rows as f64 / s.elapsed.as_secs_f64().max(1e-3);
                bar.set_message(format!("{} rows, {:.0} rows/s", s.rows, rate));
            }
        })
        .map_err(|e| anyhow::anyhow!("{input_name}: {e}"))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report(&input_name, &summary);
    Ok(())
}

fn report(input_name: &str, summary: &Summary) {
    for (line, reason) in &summary.first_errors {
        eprintln!("{input_name}:{line}: {reason}");
    }
    if summary.errors > summary.first_errors.len() as u64 {
        eprintln!(
            "… and {} more rows in error (see result_status)",
            summary.errors - summary.first_errors.len() as u64
        );
    }
    let seconds = summary.elapsed.as_secs_f64();
    eprintln!(
        "{} rows in {:.1}s ({:.0} rows/s): {} ok, {} not found, {} errors",
        summary.rows,
        seconds,
        summary.rows as f64 / seconds.max(1e-6),
        summary.ok,
        summary.not_found,
        summary.errors
    );
}

fn open_input(path: &Path) -> anyhow::Result<(Box<dyn Read + Send>, Option<u64>)> {
    if path == Path::new("-") {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    Ok((
        Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
        size,
    ))
}

fn open_output(path: &Path) -> anyhow::Result<Box<dyn Write>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )));
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::with_capacity(1 << 16, file)))
}

/// A bar over the input's bytes (which gives the ETA), on a terminal only.
fn progress_bar(total_bytes: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match total_bytes {
        Some(total) => indicatif::ProgressBar::new(total).with_style(
            indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} · ETA {eta}")
                .ok()?,
        ),
        None => indicatif::ProgressBar::new_spinner(),
    };
    Some(bar)
}

/// Counts the bytes read, for the progress bar.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
