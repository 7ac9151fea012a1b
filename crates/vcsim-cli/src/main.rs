//! `vcsim`: the command line of the vcsim simulator.
//!
//! - `vcsim run CONFIG -o OUT.h5 [--threads N] [--seed S] [--set KEY=VALUE]...`
//! - `vcsim check CONFIG [--seed S] [--set KEY=VALUE]...`
//! - `vcsim inspect OUT.h5 [--json]`
//! - `vcsim params` (the parameter reference), `vcsim rules` (the rule table)
//! - `vcsim validate [--quick] [-o DIR]` (the validation suite)
//!
//! Exit codes: 0 success, 1 a run or configuration error (one paragraph on
//! stderr), 2 a command-line usage error.

mod inspect;
mod run;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Agent-based simulation of vascular smooth muscle cell calcification in chronic kidney disease.
#[derive(Debug, Parser)]
#[command(name = "vcsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every command that reads a scenario.
#[derive(Debug, clap::Args)]
struct ScenarioArgs {
    /// Scenario file (TOML), e.g. configs/ckd5d.toml.
    config: PathBuf,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override one config key, e.g. --set serum.phosphate_mM=1.8 (repeatable; applied in order).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its output to an HDF5 file.
    Run {
        #[command(flatten)]
        scenario: ScenarioArgs,
        /// Output file (HDF5). An existing HDF5 file is replaced; any other existing file is left alone.
        #[arg(short, long, value_name = "OUT.h5")]
        output: PathBuf,
        /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
        #[arg(long)]
        threads: Option<usize>,
        /// Progress display: a bar on a terminal, plain log lines otherwise (auto), or force one.
        #[arg(long, value_enum, default_value_t = run::ProgressMode::Auto)]
        progress: run::ProgressMode,
    },
    /// Validate a scenario and print the fully resolved configuration.
    Check {
        #[command(flatten)]
        scenario: ScenarioArgs,
    },
    /// Print the reference of every parameter (unit, default, range, source) as Markdown.
    Params,
    /// Summarise a run file: scenario, duration, calcified fraction, phenotype counts, means.
    Inspect {
        /// The run file (HDF5) written by `vcsim run`.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the rule table (signal → behaviour, half-max, Hill power) as Markdown.
    Rules,
    /// Run the virtual experiments and check every claim against the literature.
    Validate {
        /// Directory of experiment files.
        #[arg(long, default_value = "configs/experiments")]
        dir: PathBuf,
        /// Output directory for report.json, curves.json and summary.md.
        #[arg(short, long, default_value = "docs/validation")]
        output: PathBuf,
        /// The reduced suite: smaller tissues, one replicate, claims checked for direction only.
        #[arg(long)]
        quick: bool,
        /// Run only the experiments with these names (repeatable).
        #[arg(long)]
        only: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            output,
            threads,
            progress,
        } => run::run(
            &scenario.config,
            scenario.seed,
            &scenario.sets,
            &output,
            threads,
            progress,
        ),
        Command::Check { scenario } => run::check(&scenario.config, scenario.seed, &scenario.sets),
        Command::Validate {
            dir,
            output,
            quick,
            only,
            threads,
        } => validate::validate(&dir, &output, quick, &only, threads),
        Command::Inspect { file, json } => inspect::inspect(&file, json),
        Command::Rules => {
            print!("{}", vcsim_rules::rules::rules_markdown());
            Ok(())
        }
        Command::Params => {
            print!("{}", vcsim_rules::params::reference_markdown());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One paragraph, the whole chain of causes, no backtrace.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
