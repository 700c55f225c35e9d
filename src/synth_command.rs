//! `adresse synth`: the command-line face of [`adresse::synth`] (arguments, summary).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use adresse::synth::{generate, SynthOptions};

#[derive(Args)]
pub struct SynthArgs {
    /// Folder to write adresses-XX.csv.gz into (created if missing; files are overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Share of France's ~26 million addresses (1.0: all of it). Every commune keeps at least
    /// one address; the real départements of data/ban are copied whole.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed of the random draws: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this département (repeatable; all by default).
    #[arg(long = "departement")]
    departements: Vec<String>,
    /// Folder with ban/, ref/ and streets/ (by default the project's data/).
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run(args: SynthArgs, default_data: PathBuf) -> anyhow::Result<()> {
    let started = Instant::now();
    let options = SynthOptions {
        scale: args.scale,
        seed: args.seed,
        departements: args.departements,
        data_dir: args.data.unwrap_or(default_data),
    };
    let report = generate(&options, &args.out)?;
    if !report.without_geo.is_empty() {
        eprintln!(
            "left out {} commune(s) without a position in communes-geo: {}",
            report.without_geo.len(),
            report.without_geo.join(", ")
        );
    }
    let (k, b) = report.law;
    eprintln!(
        "wrote {} synthetic rows for {} communes + {} real rows into {} files in {} in {:.1}s (rows ≈ {k:.2} × population^{b:.3} × scale)",
        report.synthetic_rows,
        report.communes,
        report.real_rows,
        report.files.len(),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
