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

mod alloc;
mod bench;
mod elog;
mod inspect;
mod ownership;
mod run;
mod svg;
mod sweep;
mod validate;
mod verify;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: alloc::HugePageAlloc = alloc::HugePageAlloc;

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
    /// Scenario file (TOML) or preset name (see `vcsim preset list`), e.g. configs/ckd5d.toml or ckd5d.
    config: PathBuf,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override one config key, e.g. --set patient.kidney.egfr_mL_min=20 (repeatable; applied in order).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

/// Options of `vcsim run`.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (TOML) or preset name (see `vcsim preset list`), e.g. configs/ckd5d.toml or
    /// ckd5d; not with --resume.
    #[arg(required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// Seed of the random streams (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override one config key, e.g. --set patient.kidney.egfr_mL_min=20 (repeatable; applied in order).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Output file (HDF5). An existing run file is kept unless --force is given; any other existing
    /// file is never overwritten.
    /// With --resume it defaults to the checkpoint's name without `.ckpt`.
    #[arg(short, long, value_name = "OUT.h5", required_unless_present = "resume")]
    output: Option<PathBuf>,
    /// Replace an existing run file at the output path (without it, vcsim refuses and says how
    /// to continue or replace it).
    #[arg(long)]
    force: bool,
    /// Also write every frame as an SVG picture (phenotype and mineral maps with legends) into
    /// this directory: frame_0000.svg, frame_0001.svg, …
    #[arg(long, value_name = "DIR")]
    svg: Option<PathBuf>,
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
        /// Read the file in this process (normally a child process reads it,
        /// so that a damaged file cannot crash vcsim).
        #[arg(long, hide = true)]
        in_process: bool,
    },
    /// Read every chunk of a run file or checkpoint back and say what is damaged (exit 1 if anything is).
    Verify {
        /// A run file (OUT.h5) or checkpoint (OUT.ckpt.h5).
        file: PathBuf,
        /// Print nothing on success.
        #[arg(long)]
        quiet: bool,
        /// Read the file in this process (normally a child process reads it).
        #[arg(long, hide = true)]
        in_process: bool,
        /// List every damaged object, not the first eight.
        #[arg(long)]
        all: bool,
    },
    /// Time the canonical problems of configs/bench/ for a list of thread counts.
    Bench {
        /// Directory of bench problems (default: the built-in copies of configs/bench/).
        #[arg(long)]
        dir: Option<PathBuf>,
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
        /// Size scaling: every problem grown by each of these factors along the circumference
        /// (e.g. 1,10,100), at every thread count; speedup and efficiency then compare the time
        /// per voxel-step with the first factor's.
        #[arg(long, value_name = "FACTORS")]
        grow: Option<String>,
        /// Write the records as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Print the rule table (signal → behaviour, half-max, Hill power) as Markdown.
    Rules,
    /// The built-in scenario presets: list them, or print one to start a scenario from
    /// (or write `extends = "NAME"` in a scenario file).
    #[command(subcommand)]
    Preset(PresetCommand),
    /// Batches of runs: plan a sweep, run its tasks (locally or as SLURM array tasks), pool the results.
    #[command(subcommand)]
    Sweep(SweepCommand),
    /// Run the virtual experiments and check every claim against the literature.
    Validate {
        /// Directory of experiment files (default: the built-in copies of configs/experiments/).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Output directory for report.json, curves.json and summary.md (scripts/validate.sh
        /// writes the committed report, docs/validation).
        #[arg(short, long, default_value = "validation")]
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
        /// Write every arm's fully resolved configuration to this directory (one TOML per
        /// arm, for `vcsim run`) and run nothing.
        #[arg(long, value_name = "DIR")]
        export_arms: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum PresetCommand {
    /// Name and description of every preset.
    List,
    /// Print a preset's TOML.
    Show {
        /// The preset's name, e.g. ckd5d.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum SweepCommand {
    /// Expand a sweep file into a directory: manifest (CSV and JSON), base scenarios.
    Plan {
        /// The sweep file (TOML).
        sweep: PathBuf,
        /// The sweep directory to create.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Run one task (--index, or SLURM_ARRAY_TASK_ID), or every unfinished task (--all).
    Run {
        /// The sweep directory.
        dir: PathBuf,
        /// Task index (default: SLURM_ARRAY_TASK_ID).
        #[arg(long, conflicts_with = "all")]
        index: Option<usize>,
        /// Run every unfinished task on this machine.
        #[arg(long)]
        all: bool,
        /// With --all: tasks at a time.
        #[arg(long, default_value_t = 1, requires = "all")]
        jobs: usize,
        /// Threads per task (default: SLURM_CPUS_PER_TASK, or the cores / jobs).
        #[arg(long)]
        threads: Option<usize>,
        /// Progress display of a single task.
        #[arg(long, value_enum, default_value_t = run::ProgressMode::Log)]
        progress: run::ProgressMode,
        /// Save a checkpoint and exit 75 after this wall time (a rerun resumes).
        #[arg(long, value_name = "DURATION")]
        max_wall: Option<String>,
    },
    /// Write DIR/sweep.sbatch, a SLURM array job running every task.
    Slurm {
        /// The sweep directory.
        dir: PathBuf,
        /// Partition.
        #[arg(long)]
        partition: Option<String>,
        /// Time limit per task (SLURM syntax, e.g. 02:00:00); tasks checkpoint and stop before it.
        #[arg(long)]
        time: Option<String>,
        /// CPUs per task (vcsim uses them as threads; see docs/clusters.md for sizing).
        #[arg(long, default_value_t = 1)]
        cpus_per_task: usize,
        /// Memory per task (e.g. 4G).
        #[arg(long)]
        mem: Option<String>,
        /// Most tasks running at once (the %K throttle).
        #[arg(long)]
        max_parallel: Option<usize>,
        /// Only these task indices (e.g. 3,7,10-12: the failed ones).
        #[arg(long)]
        only: Option<String>,
        /// Extra #SBATCH options, verbatim (repeatable), e.g. --sbatch=--account=abc.
        #[arg(long = "sbatch", value_name = "OPTION")]
        extra: Vec<String>,
    },
    /// Done, running, failed and missing tasks, and how to rerun them.
    Status {
        /// The sweep directory.
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Pool every finished run into one HDF5 file (a row per run).
    Collect {
        /// The sweep directory.
        dir: PathBuf,
        /// Output file (default DIR/pooled.h5).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

fn sweep_command(cmd: SweepCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SweepCommand::Plan { sweep, output } => {
            sweep::plan(&sweep, &output).map(|()| ExitCode::SUCCESS)
        }
        SweepCommand::Run {
            dir,
            index,
            all,
            jobs,
            threads,
            progress,
            max_wall,
        } => {
            if all {
                sweep::run_all(&dir, jobs, threads)
            } else {
                sweep::run_task(&dir, index, threads, progress, max_wall.as_deref())
            }
        }
        SweepCommand::Slurm {
            dir,
            partition,
            time,
            cpus_per_task,
            mem,
            max_parallel,
            only,
            extra,
        } => {
            let only = only.as_deref().map(sweep::parse_indices).transpose()?;
            sweep::slurm(
                &dir,
                &sweep::SlurmOptions {
                    partition,
                    time,
                    cpus_per_task,
                    mem,
                    max_parallel,
                    only,
                    extra,
                },
            )
            .map(|_| ExitCode::SUCCESS)
        }
        SweepCommand::Status { dir, json } => sweep::status(&dir, json).map(|()| ExitCode::SUCCESS),
        SweepCommand::Collect { dir, output } => {
            sweep::collect(&dir, output.as_deref()).map(|_| ExitCode::SUCCESS)
        }
    }
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
        force,
        svg,
    } = args;
    if checkpoint_every == Some(0) {
        anyhow::bail!("--checkpoint-every must be at least 1 step");
    }
    if stop_at_step.is_some() && resume.is_none() && config.is_none() {
        anyhow::bail!("--stop-at-step needs a run");
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
    let end = run::run(
        start,
        output.as_deref(),
        threads,
        progress,
        plan,
        None,
        force,
        svg.as_deref(),
    )?;
    Ok(match end {
        run::RunEnd::WallLimit => ExitCode::from(EXIT_WALL_LIMIT),
        _ => ExitCode::SUCCESS,
    })
}

/// Exit status of a command whose output pipe was closed (128 + SIGPIPE), as Unix tools.
const EXIT_BROKEN_PIPE: u8 = 141;

/// Commands that print their result on stdout end quietly when the reader
/// goes away (`vcsim inspect X.h5 | head -1`): SIGPIPE ends them as it ends
/// `cat`. Runs keep SIGPIPE ignored, so that a closed log pipe never stops a
/// simulation (their messages go through `elog!`, which ignores the error).
fn default_sigpipe() {
    // SAFETY: resetting a signal disposition to its default at start-up,
    // before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `vcsim inspect`: in a child process that reads the file, unless `in_process`.
fn inspect_command(
    file: &std::path::Path,
    json: bool,
    in_process: bool,
) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::ExitStatusExt;
    if in_process {
        return inspect::inspect(file, json).map(|()| ExitCode::SUCCESS);
    }
    let mut args: Vec<&std::ffi::OsStr> = vec!["inspect".as_ref(), "--in-process".as_ref()];
    if json {
        args.push("--json".as_ref());
    }
    args.push(file.as_os_str());
    let (status, stderr) = verify::run_isolated(&args, std::process::Stdio::inherit())?;
    if status.success() {
        return Ok(ExitCode::SUCCESS);
    }
    match status.signal() {
        Some(libc::SIGPIPE) => Ok(ExitCode::from(EXIT_BROKEN_PIPE)),
        Some(sig) => anyhow::bail!(
            "'{}' is damaged: libhdf5 crashed reading it ({}); `vcsim verify {}` lists what can still be read",
            file.display(),
            verify::signal_name(sig),
            file.display()
        ),
        None => {
            let t = stderr.trim();
            anyhow::bail!("{}", t.strip_prefix("error: ").unwrap_or(t))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let keeps_running = matches!(
        cli.command,
        Command::Run(_)
            | Command::Validate { .. }
            | Command::Bench { .. }
            | Command::Sweep(SweepCommand::Run { .. })
    );
    if !keeps_running {
        default_sigpipe();
    }
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
            export_arms,
        } => match export_arms {
            Some(to) => validate::export_arms(dir.as_deref(), &to, quick, &only),
            None => validate::validate(dir.as_deref(), &output, quick, &only, threads),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::Inspect {
            file,
            json,
            in_process,
        } => inspect_command(&file, json, in_process),
        Command::Verify {
            file,
            quiet,
            in_process,
            all,
        } => verify::verify(&file, in_process, quiet, all).map(|()| ExitCode::SUCCESS),
        Command::Bench {
            dir,
            problems,
            threads,
            steps,
            weak,
            grow,
            json,
        } => bench::bench(
            dir.as_deref(),
            &problems,
            &threads,
            steps,
            weak,
            grow.as_deref(),
            json.as_deref(),
        )
        .map(|()| ExitCode::SUCCESS),
        Command::Sweep(cmd) => sweep_command(cmd),
        Command::Preset(PresetCommand::List) => {
            for (name, text) in vcsim_rules::presets::SCENARIOS {
                println!("{name:8} {}", vcsim_rules::presets::describe(text));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Preset(PresetCommand::Show { name }) => {
            match vcsim_rules::presets::scenario(&name) {
                Some(text) => {
                    print!("{text}");
                    Ok(ExitCode::SUCCESS)
                }
                None => Err(anyhow::anyhow!(
                    "no preset '{name}'; the presets are {}",
                    vcsim_rules::presets::SCENARIOS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        Command::Rules => {
            print!(
                "{}",
                vcsim_rules::references::link_keys(
                    &vcsim_rules::tissue::rules::rules_markdown(),
                    "references.md"
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Params => {
            print!(
                "{}",
                vcsim_rules::references::link_keys(
                    &vcsim_rules::scenario::params::reference_markdown(),
                    "references.md"
                )
            );
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One paragraph, the whole chain of causes, no backtrace.
            crate::elog!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
