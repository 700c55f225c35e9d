//! The `adresse` command: build an index from BAN files, serve it, or (with no arguments) do
//! both on the data shipped in `data/`. Decides exit codes; everything else is in the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod batch_command;
mod synth_command;

use adresse::index::layout::{current_generation, SourceFile};
use adresse::ingest::{self, IngestReport};
use adresse::server::ServerConfig;
use adresse::Geocoder;

/// mimalloc instead of the system allocator: a query makes many small short-lived
/// allocations on every core at once. With it a batch row takes 10% fewer instructions
/// (callgrind, BENCHMARKS.md); glibc's malloc and free were about a seventh of them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "adresse",
    version,
    about = "Geocoder for French addresses (Base Adresse Nationale)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Build the index from BAN address CSV files (adresses-XX.csv or .csv.gz) or folders of them.
    Ingest {
        /// Index directory (a new generation is written, then swapped in atomically).
        #[arg(long, env = "ADRESSE_INDEX")]
        index: PathBuf,
        /// Folder holding communes.json.gz, departements.json.gz, regions.json.gz and
        /// communes-geo.json.gz; by default, the copy built into this program.
        #[arg(long = "ref", env = "ADRESSE_REF")]
        reference: Option<PathBuf>,
        /// BAN CSV files, or folders of them.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Serve the HTTP API (api-adresse compatible) from an index directory.
    Serve {
        #[arg(long, env = "ADRESSE_INDEX")]
        index: PathBuf,
        #[arg(long, env = "ADRESSE_ADDR", default_value = "127.0.0.1:7878")]
        addr: SocketAddr,
        /// Largest batch CSV upload accepted, in bytes.
        #[arg(long, env = "ADRESSE_MAX_UPLOAD_BYTES", default_value_t = adresse::server::DEFAULT_MAX_UPLOAD_BYTES)]
        max_upload_bytes: u64,
        #[command(flatten)]
        limits: adresse::server::Limits,
    },
    /// Geocode the addresses of a CSV file (forward), without a server, on all cores.
    Geocode(batch_command::GeocodeArgs),
    /// Find the nearest address to each point of a CSV file, without a server, on all cores.
    ReverseGeocode(batch_command::BatchArgs),
    /// Manage the API tokens communes use to publish corrections.
    Token {
        #[command(subcommand)]
        command: adresse::corrections::cli::TokenCommand,
    },
    /// Write a France-scale synthetic BAN corpus (one adresses-XX.csv.gz per département).
    Synth(synth_command::SynthArgs),
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Ingest {
            index,
            reference,
            inputs,
        }) => run_ingest(&inputs, reference.as_deref(), &index).map(|_| ()),
        Some(Command::Serve {
            index,
            addr,
            max_upload_bytes,
            limits,
        }) => run_serve(
            &index,
            addr,
            ServerConfig {
                max_upload_bytes,
                limits,
            },
        ),
        Some(Command::Geocode(args)) => batch_command::geocode(args),
        Some(Command::ReverseGeocode(args)) => batch_command::reverse_geocode(args),
        Some(Command::Token { command }) => {
            adresse::corrections::cli::run(command).map_err(anyhow::Error::from)
        }
        Some(Command::Synth(args)) => synth_command::run(args, data_dir()),
        None => run_default(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

fn run_ingest(
    inputs: &[PathBuf],
    reference: Option<&Path>,
    index: &Path,
) -> anyhow::Result<IngestReport> {
    let started = Instant::now();
    let files = ingest::source_files(inputs)?;
    let report = ingest::ingest(&files, reference, index, |step| eprintln!("  {step}"))?;
    for rejected in &report.rejected {
        eprintln!("skipped {rejected}");
    }
    let m = &report.manifest;
    if m.rows_rejected as usize > report.rejected.len() {
        eprintln!(
            "… and {} more skipped rows",
            m.rows_rejected as usize - report.rejected.len()
        );
    }
    eprintln!(
        "indexed {} rows ({} skipped) from {} file(s) in {:.1}s: {} municipalities, {} streets, {} localities, {} housenumbers → {}",
        m.rows_read,
        m.rows_rejected,
        m.sources.len(),
        started.elapsed().as_secs_f64(),
        m.municipalities,
        m.streets,
        m.localities,
        m.housenumbers,
        report.generation.display()
    );
    Ok(report)
}

fn run_serve(index: &Path, addr: SocketAddr, config: ServerConfig) -> anyhow::Result<()> {
    let started = Instant::now();
    let geocoder = Geocoder::open(index)?;
    tracing::info!(index = %index.display(), load_ms = started.elapsed().as_millis() as u64, "index loaded");
    let limits = config.limits.clone();
    let app = adresse::server::corrections::app_with_corrections(index, geocoder, config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let served = runtime.block_on(async {
        let listener_addr = addr;
        eprintln!("serving on http://{listener_addr}/");
        eprintln!("try: curl 'http://{listener_addr}/search/?q=8+rue+de+rivoli+paris'");
        eprintln!("     curl 'http://{listener_addr}/reverse/?lon=6.0794&lat=44.5594'");
        adresse::server::serve_app(app, addr, &limits).await
    });
    // Work still running after the grace period (a batch job whose client was dropped) must
    // not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served?;
    Ok(())
}

/// `cargo run --release`: (re)build the index of `data/` when missing or out of date, then serve.
fn run_default() -> anyhow::Result<()> {
    let data = data_dir();
    let index = PathBuf::from("var/index");
    let files = ingest::source_files(&[data.join("ban")])?;
    if index_is_stale(&index, &files) {
        eprintln!(
            "building the index of {} into {} …",
            data.join("ban").display(),
            index.display()
        );
        run_ingest(&files, Some(&data.join("ref")), &index)?;
    }
    run_serve(
        &index,
        SocketAddr::from(([127, 0, 0, 1], 7878)),
        ServerConfig::default(),
    )
}

/// `data/` of the working directory, else of the source tree this binary was built from.
fn data_dir() -> PathBuf {
    let local = PathBuf::from("data");
    if local.join("ban").is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
    }
}

fn index_is_stale(index: &Path, files: &[PathBuf]) -> bool {
    let Ok((_, manifest)) = current_generation(index) else {
        return true;
    };
    let current: Vec<SourceFile> = files
        .iter()
        .filter_map(|f| SourceFile::of(f).ok())
        .collect();
    manifest.sources != current
}
