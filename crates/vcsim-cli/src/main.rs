//! `vcsim`: the command line of the vcsim simulator.
//!
//! - `vcsim run CONFIG -o OUT.h5 [--threads N] [--seed S] [--set KEY=VALUE]... [--checkpoint-every N] [--stop-at-step N] [--max-wall 23h50m]`
//! - `vcsim run --resume OUT.ckpt.h5 [-o OUT.h5]`
//! - `vcsim check CONFIG [--seed S] [--set KEY=VALUE]...`
//! - `vcsim inspect OUT.h5 [--json]`
//! - `vcsim bench [--problem P] [--threads 1,2] [--steps N] [--json FILE]`
//! - `vcsim params` (the parameter reference), `vcsim rules` (the rule table)
//! - `vcsim validate [--quick] [-o DIR]` (the validation suite)
//!
//! Exit codes: 0 success, 1 a run or configuration error (one paragraph on
//! stderr), 2 a command-line usage error, 75 stopped by --max-wall after a
//! checkpoint (resume with --resume).

mod bench;
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

/// Options of `vcsim run`.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (TOML), e.g. configs/ckd5d.toml; not with --resume.
    #[arg(required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override one config key, e.g. --set serum.phosphate_mM=1.8 (repeatable; applied in order).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Output file (HDF5). An existing HDF5 file is replaced; any other existing file is left alone.
    /// With --resume it defaults to the checkpoint's name without `.ckpt`.
    #[arg(short, long, value_name = "OUT.h5", required_unless_present = "resume")]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    threads: Option<usize>,
    /// Progress display: a bar on a terminal, plain log lines otherwise (auto), or force one.
    #[arg(long, value_enum, default_value_t = run::ProgressMode::Auto)]
    progress: run::ProgressMode,
    /// Keep the latest state in OUT.ckpt.h5 every N steps.
    #[arg(long, value_name = "N")]
    checkpoint_every: Option<u64>,
    /// Write a checkpoint at step N and exit 0.
    #[arg(long, value_name = "N")]
    stop_at_step: Option<u64>,
    /// Write a checkpoint and exit with code 75 once this much wall time has passed (e.g. 23h50m).
    #[arg(long, value_name = "DURATION")]
    max_wall: Option<String>,
    /// Continue the run saved in this checkpoint (its config and seed are used).
    #[arg(long, value_name = "OUT.ckpt.h5", conflicts_with_all = ["config", "seed", "sets"])]
    resume: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its output to an HDF5 file.
    Run(RunArgs),
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
    /// Time the canonical problems of configs/bench/ for a list of thread counts.
    Bench {
        /// Directory of bench problems.
        #[arg(long, default_value = "configs/bench")]
        dir: PathBuf,
        /// Only these problems (file stems, repeatable), e.g. --problem diffusion2d.
        #[arg(long = "problem")]
        problems: Vec<String>,
        /// Thread counts, comma-separated (strong scaling).
        #[arg(long, default_value = "1,2")]
        threads: String,
        /// Timed steps per problem (one warm-up step is not counted).
        #[arg(long, default_value_t = 10)]
        steps: u64,
        /// Weak scaling: the problem grows with the thread count (along the circumference).
        #[arg(long)]
        weak: bool,
        /// Write the records as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
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

/// Exit code of a run stopped by --max-wall (EX_TEMPFAIL: try again).
const EXIT_WALL_LIMIT: u8 = 75;

fn run_command(args: RunArgs) -> anyhow::Result<ExitCode> {
    let RunArgs {
        config,
        seed,
        sets,
        output,
        threads,
        progress,
        checkpoint_every,
        stop_at_step,
        max_wall,
        resume,
    } = args;
    if checkpoint_every == Some(0) {
        anyhow::bail!("--checkpoint-every must be at least 1 step");
    }
    let plan = run::CheckpointPlan {
        every: checkpoint_every,
        stop_at: stop_at_step,
        max_wall: max_wall.as_deref().map(run::parse_duration).transpose()?,
    };
    let start = match (&resume, &config) {
        (Some(checkpoint), _) => run::Start::Resume { checkpoint },
        (None, Some(config)) => run::Start::Fresh {
            config,
            seed,
            sets: &sets,
        },
        (None, None) => anyhow::bail!("a scenario file or --resume CHECKPOINT is needed"),
    };
    let end = run::run(start, output.as_deref(), threads, progress, plan)?;
    Ok(match end {
        run::RunEnd::WallLimit => ExitCode::from(EXIT_WALL_LIMIT),
        _ => ExitCode::SUCCESS,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run_command(args),
        Command::Check { scenario } => {
            run::check(&scenario.config, scenario.seed, &scenario.sets).map(|()| ExitCode::SUCCESS)
        }
        Command::Validate {
            dir,
            output,
            quick,
            only,
            threads,
        } => validate::validate(&dir, &output, quick, &only, threads).map(|()| ExitCode::SUCCESS),
        Command::Inspect { file, json } => {
            inspect::inspect(&file, json).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench {
            dir,
            problems,
            threads,
            steps,
            weak,
            json,
        } => bench::bench(&dir, &problems, &threads, steps, weak, json.as_deref())
            .map(|()| ExitCode::SUCCESS),
        Command::Rules => {
            print!("{}", vcsim_rules::rules::rules_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Params => {
            print!("{}", vcsim_rules::params::reference_markdown());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One paragraph, the whole chain of causes, no backtrace.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
