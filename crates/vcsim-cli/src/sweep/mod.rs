//! `vcsim sweep`: plan a batch of runs, run one task (a SLURM array task) or
//! all of them locally, write the SLURM array script, report status, and
//! pool the results into one HDF5 file.
//!
//! A sweep directory holds:
//! - `sweep.toml` (the file it was planned from), `manifest.json`,
//!   `manifest.csv`, `base/` (the base scenarios, copied);
//! - `runs/<id>.h5` (and `<id>.ckpt.h5` while a run is unfinished);
//! - `status/<id>.running|done|failed` markers; `logs/` for task logs;
//! - `sweep.sbatch` after `vcsim sweep slurm`; `pooled.h5` after `collect`.

pub mod plan;

mod collect;

use crate::ownership::OutputLock;
use crate::run::{self, CheckpointPlan, ProgressMode, RunEnd, Start};
use anyhow::{Context, Result, bail};
use plan::{Manifest, RunSpec};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use collect::collect;

/// Exit code of a task stopped by `--max-wall` (as `vcsim run`).
const EXIT_WALL_LIMIT: u8 = 75;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Finished; its output is complete.
    Done,
    /// A task is working on it (or was killed without a trace).
    Running,
    /// The last attempt failed (see its marker and log).
    Failed,
    /// Not started, or stopped with a checkpoint to resume from.
    Missing,
}

pub(crate) fn marker(dir: &Path, id: &str, what: &str) -> PathBuf {
    dir.join("status").join(format!("{id}.{what}"))
}

/// The manifest of a sweep directory.
pub fn load_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "'{}' is not a sweep directory (no readable manifest.json); create one with `vcsim sweep plan SWEEP.toml -o {}`",
            dir.display(),
            dir.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "'{}' is damaged or from another vcsim version",
            path.display()
        )
    })
}

/// Status of one run.
pub fn status_of(dir: &Path, r: &RunSpec) -> Status {
    if marker(dir, &r.id, "done").exists() && dir.join(&r.output).exists() {
        Status::Done
    } else if marker(dir, &r.id, "running").exists()
        && crate::ownership::is_owned(&dir.join(&r.output))
    {
        // A marker whose task holds no lock on its output was left by a task
        // that was killed: it counts as not started (a rerun resumes it).
        Status::Running
    } else if marker(dir, &r.id, "failed").exists() {
        Status::Failed
    } else {
        Status::Missing
    }
}

/// `vcsim sweep plan SWEEP.toml -o DIR`.
pub fn plan(sweep: &Path, dir: &Path) -> Result<()> {
    let m = plan::expand(sweep)?;
    let manifest_path = dir.join("manifest.json");
    let json = serde_json::to_string_pretty(&m).context("cannot serialise the manifest")?;
    if manifest_path.exists() {
        let old = load_manifest(dir)?;
        if old == m {
            crate::elog!(
                "vcsim: '{}' already holds this plan ({} runs); nothing to do",
                dir.display(),
                m.runs.len()
            );
            return Ok(());
        }
        bail!(
            "'{}' already holds a different plan ('{}', {} runs); refusing to overwrite it: plan into another directory or remove it",
            dir.display(),
            old.name,
            old.runs.len()
        );
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "'{}' exists and is not empty (and holds no plan); refusing to write a sweep into it",
            dir.display()
        );
    }
    for sub in ["base", "runs", "status", "logs"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("cannot create '{}'", dir.join(sub).display()))?;
    }
    let write = |name: &Path, text: &str| -> Result<()> {
        std::fs::write(dir.join(name), text)
            .with_context(|| format!("cannot write '{}'", dir.join(name).display()))
    };
    for (name, text) in &m.bases {
        write(&Path::new("base").join(name), text)?;
    }
    let sweep_text = std::fs::read_to_string(sweep)
        .with_context(|| format!("cannot read '{}'", sweep.display()))?;
    write(Path::new("sweep.toml"), &sweep_text)?;
    write(Path::new("manifest.csv"), &plan::manifest_csv(&m))?;
    // The manifest last: its presence marks a complete plan.
    write(Path::new("manifest.json"), &json)?;
    let arms: std::collections::BTreeSet<&str> = m.runs.iter().map(|r| r.arm.as_str()).collect();
    crate::elog!(
        "vcsim: planned '{}' in '{}': {} runs ({} arm(s): {}; swept: {})\n  run one task:   vcsim sweep run {} --index 0\n  run all here:   vcsim sweep run {} --all --jobs 2\n  on SLURM:       vcsim sweep slurm {} --time 02:00:00 && sbatch {}/sweep.sbatch",
        m.name,
        dir.display(),
        m.runs.len(),
        arms.len(),
        arms.into_iter().collect::<Vec<_>>().join(", "),
        if m.keys.is_empty() {
            "nothing".to_string()
        } else {
            m.keys.join(", ")
        },
        dir.display(),
        dir.display(),
        dir.display(),
        dir.display()
    );
    Ok(())
}

/// The task index: `--index`, else `SLURM_ARRAY_TASK_ID`.
fn task_index(index: Option<usize>) -> Result<usize> {
    if let Some(i) = index {
        return Ok(i);
    }
    match std::env::var("SLURM_ARRAY_TASK_ID") {
        Ok(v) => v.trim().parse().map_err(|_| {
            anyhow::anyhow!("SLURM_ARRAY_TASK_ID = '{v}' is not a task index (a whole number ≥ 0)")
        }),
        Err(_) => bail!(
            "which task? give --index I (or --all), or run inside a SLURM array job (SLURM_ARRAY_TASK_ID)"
        ),
    }
}

/// Threads of a task: `--threads`, else `SLURM_CPUS_PER_TASK`, else all cores.
fn task_threads(threads: Option<usize>) -> Result<Option<usize>> {
    if threads.is_some() {
        return Ok(threads);
    }
    match std::env::var("SLURM_CPUS_PER_TASK") {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("SLURM_CPUS_PER_TASK = '{v}' is not a thread count")),
        Err(_) => Ok(None),
    }
}

fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `vcsim sweep run DIR [--index I]`: one task, idempotent.
pub fn run_task(
    dir: &Path,
    index: Option<usize>,
    threads: Option<usize>,
    progress: ProgressMode,
    max_wall: Option<&str>,
) -> Result<ExitCode> {
    let m = load_manifest(dir)?;
    let i = task_index(index)?;
    let r = m.runs.get(i).ok_or_else(|| {
        anyhow::anyhow!(
            "task {i} does not exist: the sweep '{}' has {} runs (indices 0 to {})",
            m.name,
            m.runs.len(),
            m.runs.len().saturating_sub(1)
        )
    })?;
    if status_of(dir, r) == Status::Done {
        crate::elog!(
            "vcsim: task {i} ({}) is already done: '{}'",
            r.id,
            dir.join(&r.output).display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let threads = task_threads(threads)?;
    run::check_threads(threads)?;
    let max_wall = max_wall.map(run::parse_duration).transpose()?;
    let output = dir.join(&r.output);
    let ckpt = run::checkpoint_path(&output);
    // The task's output is owned before any marker or file of it is touched:
    // a second worker on the same task stops here, leaving the first alone.
    let lock = OutputLock::acquire(&output)
        .with_context(|| format!("task {i} ({}) is already being run", r.id))?;
    let running = marker(dir, &r.id, "running");
    let _ = std::fs::remove_file(marker(dir, &r.id, "failed"));
    std::fs::write(
        &running,
        format!(
            "host {}\npid {}\nstarted_unix_s {}\n",
            run::host_name(),
            std::process::id(),
            now_s()
        ),
    )
    .with_context(|| format!("cannot write '{}'", running.display()))?;
    let plan = CheckpointPlan {
        every: (m.checkpoint_every > 0).then_some(m.checkpoint_every),
        stop_at: None,
        max_wall,
    };
    let config = dir.join(&r.config);
    // A checkpoint is resumed only if it is intact and of this very run (a
    // file copied in from elsewhere, or damaged, would resume into another
    // run or fail for good): otherwise it is set aside and the task starts over.
    if ckpt.exists()
        && let Err(why) = checkpoint_of_run(&ckpt, &config, &r.set)
    {
        let aside = ckpt.with_extension("h5.rejected");
        let _ = std::fs::rename(&ckpt, &aside);
        crate::elog!(
            "vcsim: task {i} ({}): not resuming from '{}' ({why:#}); moved it to '{}' and starting over",
            r.id,
            ckpt.display(),
            aside.display()
        );
    }
    let start = if ckpt.exists() {
        crate::elog!(
            "vcsim: task {i} ({}): resuming from '{}'",
            r.id,
            ckpt.display()
        );
        Start::Resume { checkpoint: &ckpt }
    } else {
        crate::elog!("vcsim: task {i} ({}): arm {}, {}", r.id, r.arm, describe(r));
        Start::Fresh {
            config: &config,
            seed: None,
            sets: &r.set,
        }
    };
    // The task owns its run file: a rerun replaces what a failed or killed
    // attempt left (a finished task is never rerun).
    let result = run::run(
        start,
        Some(&output),
        threads,
        progress,
        plan,
        Some(lock),
        true,
        None,
    );
    let _ = std::fs::remove_file(&running);
    match result {
        Ok(RunEnd::Completed) => {
            let _ = std::fs::remove_file(&ckpt);
            std::fs::write(
                marker(dir, &r.id, "done"),
                format!("finished_unix_s {}\n", now_s()),
            )
            .with_context(|| format!("cannot write the done marker of task {i}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(RunEnd::WallLimit) => {
            crate::elog!(
                "vcsim: task {i} ({}) reached --max-wall; rerun it to resume from its checkpoint",
                r.id
            );
            Ok(ExitCode::from(EXIT_WALL_LIMIT))
        }
        Ok(RunEnd::Stopped) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            let _ = std::fs::write(marker(dir, &r.id, "failed"), format!("{e:#}\n"));
            Err(e.context(format!("task {i} ({}) failed", r.id)))
        }
    }
}

/// Whether `ckpt` is an intact checkpoint of the run of `config` with `sets`.
fn checkpoint_of_run(ckpt: &Path, config: &Path, sets: &[String]) -> Result<()> {
    crate::verify::verify_isolated(ckpt)?;
    let (meta, _) = vcsim_hdf5::read_checkpoint(ckpt)?;
    let planned = run::load_scenario(config, None, sets)?;
    if meta.config_toml != planned.to_toml() {
        bail!("it was written by a run with another configuration");
    }
    Ok(())
}

fn describe(r: &RunSpec) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !r.stage.is_empty() {
        parts.push(format!("stage {}", r.stage));
    }
    parts.extend(r.params.iter().map(|(k, v)| format!("{k} = {v}")));
    parts.push(format!("replicate {}", r.replicate));
    parts.push(format!("seed {}", r.seed));
    parts.join(", ")
}

/// `vcsim sweep run DIR --all --jobs J`: every unfinished task, J at a time,
/// each a child process with its own log in `logs/`.
/// `1h02m`, `3m05s` or `42s`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

pub fn run_all(dir: &Path, jobs: usize, threads: Option<usize>) -> Result<ExitCode> {
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let max_jobs = (8 * cores).max(64);
    if jobs > max_jobs {
        bail!(
            "--jobs {jobs}: this machine has {cores} cores; at most {max_jobs} tasks at a time are accepted"
        );
    }
    let m = load_manifest(dir)?;
    let exe = std::env::current_exe().context("cannot find the vcsim executable")?;
    let per_task = threads.unwrap_or_else(|| (cores / jobs).max(1));
    let todo: Vec<&RunSpec> = m
        .runs
        .iter()
        .filter(|r| status_of(dir, r) != Status::Done)
        .collect();
    crate::elog!(
        "vcsim: sweep '{}': {} of {} runs to do, {} at a time, {} thread(s) each",
        m.name,
        todo.len(),
        m.runs.len(),
        jobs,
        per_task
    );
    let started = Instant::now();
    let total = todo.len();
    let mut queue = todo.into_iter();
    let mut active: Vec<(usize, Child)> = Vec::new();
    let mut failed: Vec<usize> = Vec::new();
    let mut done = 0usize;
    loop {
        while active.len() < jobs {
            let Some(r) = queue.next() else { break };
            let log = dir.join("logs").join(format!("{}.log", r.id));
            let file = std::fs::File::create(&log)
                .with_context(|| format!("cannot create '{}'", log.display()))?;
            let err = file
                .try_clone()
                .context("cannot duplicate the log file handle")?;
            let child = Command::new(&exe)
                .args(["sweep", "run"])
                .arg(dir)
                .args([
                    "--index",
                    &r.index.to_string(),
                    "--threads",
                    &per_task.to_string(),
                    "--progress",
                    "log",
                ])
                .env_remove("SLURM_ARRAY_TASK_ID")
                .stdin(Stdio::null())
                .stdout(file)
                .stderr(err)
                .spawn()
                .with_context(|| format!("cannot start task {}", r.index))?;
            active.push((r.index, child));
        }
        if active.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        let mut k = 0;
        while k < active.len() {
            if let Some(status) = active[k].1.try_wait().context("cannot wait for a task")? {
                let (index, _) = active.swap_remove(k);
                if status.success() {
                    done += 1;
                } else {
                    failed.push(index);
                    crate::elog!(
                        "vcsim: task {index} failed (exit {}); log: {}",
                        status
                            .code()
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "signal".into()),
                        dir.join("logs")
                            .join(format!("{}.log", m.runs[index].id))
                            .display()
                    );
                }
                // k/N with the time so far and an estimate of what is left.
                let finished = done + failed.len();
                let elapsed = started.elapsed().as_secs_f64();
                let eta = elapsed / finished as f64 * (total - finished) as f64;
                crate::elog!(
                    "vcsim: sweep '{}': {finished}/{total} tasks ({} failed), {} elapsed, about {} left",
                    m.name,
                    failed.len(),
                    clock(elapsed),
                    clock(eta)
                );
            } else {
                k += 1;
            }
        }
    }
    crate::elog!(
        "vcsim: sweep '{}': {done} task(s) finished, {} failed, in {:.1} s",
        m.name,
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        failed.sort_unstable();
        bail!(
            "{} task(s) failed: {}; `vcsim sweep status {}` lists them and how to rerun them",
            failed.len(),
            compress(&failed),
            dir.display()
        )
    }
}

/// `3,4,5,9` → `3-5,9` (SLURM's array syntax).
pub fn compress(v: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if j > i {
            format!("{}-{}", v[i], v[j])
        } else {
            v[i].to_string()
        });
        i = j + 1;
    }
    out.join(",")
}

/// Options of `vcsim sweep slurm`.
#[derive(Debug, Clone, Default)]
pub struct SlurmOptions {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (SLURM syntax, e.g. `02:00:00` or `1-00:00:00`).
    pub time: Option<String>,
    /// `--cpus-per-task`.
    pub cpus_per_task: usize,
    /// `--mem` (e.g. `4G`).
    pub mem: Option<String>,
    /// Most tasks running at once (`%K`).
    pub max_parallel: Option<usize>,
    /// Only these indices (e.g. to rerun failed ones).
    pub only: Option<Vec<usize>>,
    /// Extra `#SBATCH` lines, verbatim (`--account=...`).
    pub extra: Vec<String>,
}

/// A SLURM time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlurmTime {
    /// `0`, `unlimited`, `infinite`: no limit.
    Unlimited,
    /// A limit, seconds.
    Seconds(u64),
}

/// The longest time limit accepted (the longest `--max-wall`), seconds.
const MAX_SLURM_SECONDS: u64 = 366 * 86400;

/// Parses a SLURM time limit (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH[:MM[:SS]]`,
/// `0`/`unlimited`/`infinite`); `None` if it is not one or exceeds a year.
fn slurm_time(t: &str) -> Option<SlurmTime> {
    let t = t.trim();
    if matches!(t.to_ascii_lowercase().as_str(), "unlimited" | "infinite") {
        return Some(SlurmTime::Unlimited);
    }
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (d.parse::<u64>().ok()?, r),
        None => (0, t),
    };
    let parts: Vec<u64> = rest
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let hms = |h: u64, m: u64, s: u64| {
        h.checked_mul(3600)?
            .checked_add(m.checked_mul(60)?)?
            .checked_add(s)
    };
    let s = match (t.contains('-'), parts.as_slice()) {
        (false, [m]) => hms(0, *m, 0)?,
        (false, [m, s]) => hms(0, *m, *s)?,
        (_, [h, m, s]) => hms(*h, *m, *s)?,
        (true, [h]) => hms(*h, 0, 0)?,
        (true, [h, m]) => hms(*h, *m, 0)?,
        _ => return None,
    };
    let total = days.checked_mul(86400)?.checked_add(s)?;
    match total {
        0 => Some(SlurmTime::Unlimited),
        n if n > MAX_SLURM_SECONDS => None,
        n => Some(SlurmTime::Seconds(n)),
    }
}

/// `vcsim sweep slurm DIR ...`: writes `DIR/sweep.sbatch`.
pub fn slurm(dir: &Path, o: &SlurmOptions) -> Result<PathBuf> {
    let m = load_manifest(dir)?;
    if m.runs.is_empty() {
        bail!("the sweep has no runs");
    }
    if o.cpus_per_task == 0 {
        bail!("--cpus-per-task must be at least 1");
    }
    let abs = std::fs::canonicalize(dir)
        .with_context(|| format!("cannot resolve '{}'", dir.display()))?;
    let exe = std::env::current_exe().context("cannot find the vcsim executable")?;
    let indices = match &o.only {
        Some(v) => {
            let mut v = v.clone();
            v.sort_unstable();
            v.dedup();
            if let Some(bad) = v.iter().find(|&&i| i >= m.runs.len()) {
                bail!("--only {bad}: the sweep has {} runs", m.runs.len());
            }
            compress(&v)
        }
        None => format!("0-{}", m.runs.len() - 1),
    };
    let throttle = o.max_parallel.map(|k| format!("%{k}")).unwrap_or_default();
    let mut s = String::from("#!/bin/bash\n");
    s.push_str(&format!(
        "# vcsim sweep '{}': {} runs. Submit with: sbatch {}\n",
        m.name,
        m.runs.len(),
        abs.join("sweep.sbatch").display()
    ));
    s.push_str(&format!("#SBATCH --job-name=vcsim-{}\n", m.name));
    s.push_str(&format!("#SBATCH --array={indices}{throttle}\n"));
    s.push_str(&format!(
        "#SBATCH --output={}/logs/slurm-%A_%a.out\n",
        abs.display()
    ));
    s.push_str(&format!("#SBATCH --cpus-per-task={}\n", o.cpus_per_task));
    s.push_str("#SBATCH --ntasks=1\n");
    let limit = match &o.time {
        Some(t) => {
            let Some(limit) = slurm_time(t) else {
                bail!(
                    "--time '{t}': expected a SLURM time of at most 366 days such as 90, 02:00:00 or 1-12:00:00, or 0/unlimited"
                );
            };
            s.push_str(&format!("#SBATCH --time={t}\n"));
            limit
        }
        None => SlurmTime::Unlimited,
    };
    if let Some(mem) = &o.mem {
        s.push_str(&format!("#SBATCH --mem={mem}\n"));
    }
    if let Some(p) = &o.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    for e in &o.extra {
        s.push_str(&format!("#SBATCH {e}\n"));
    }
    s.push_str("set -euo pipefail\n");
    // Stop 10 minutes (or 10%) before the limit with a checkpoint; a rerun resumes.
    let wall = match limit {
        SlurmTime::Unlimited => None,
        SlurmTime::Seconds(sec) => {
            let margin = (sec / 10).min(600);
            Some(format!(
                " --max-wall {}s",
                sec.saturating_sub(margin).max(1)
            ))
        }
    };
    s.push_str(&format!(
        "exec '{}' sweep run '{}' --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --progress log{}\n",
        exe.display(),
        abs.display(),
        wall.unwrap_or_default()
    ));
    let path = dir.join("sweep.sbatch");
    std::fs::write(&path, s).with_context(|| format!("cannot write '{}'", path.display()))?;
    crate::elog!(
        "vcsim: wrote '{}' (array {indices}{throttle}); submit with: sbatch {}",
        path.display(),
        path.display()
    );
    Ok(path)
}

/// `vcsim sweep status DIR`.
pub fn status(dir: &Path, json: bool) -> Result<()> {
    let m = load_manifest(dir)?;
    let mut by: [Vec<usize>; 4] = Default::default();
    for r in &m.runs {
        let k = match status_of(dir, r) {
            Status::Done => 0,
            Status::Running => 1,
            Status::Failed => 2,
            Status::Missing => 3,
        };
        by[k].push(r.index);
    }
    if json {
        let v = serde_json::json!({
            "sweep": m.name,
            "runs": m.runs.len(),
            "done": by[0], "running": by[1], "failed": by[2], "missing": by[3],
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).context("cannot print JSON")?
        );
        return Ok(());
    }
    println!(
        "sweep '{}' in {}: {} runs",
        m.name,
        dir.display(),
        m.runs.len()
    );
    for (name, v) in ["done", "running", "failed", "missing"].iter().zip(&by) {
        println!(
            "  {name:<8} {:>6}  {}",
            v.len(),
            if v.is_empty() {
                String::new()
            } else {
                compress(v)
            }
        );
    }
    for i in &by[2] {
        let msg =
            std::fs::read_to_string(marker(dir, &m.runs[*i].id, "failed")).unwrap_or_default();
        println!(
            "  failed {i}: {}",
            msg.lines().next().unwrap_or("(no message)")
        );
    }
    let rerun: Vec<usize> = by[2].iter().chain(&by[3]).copied().collect();
    if !rerun.is_empty() {
        let mut rerun = rerun;
        rerun.sort_unstable();
        println!(
            "rerun the failed and missing ones:\n  vcsim sweep slurm {} --only {} ... && sbatch {}/sweep.sbatch\n  or here: vcsim sweep run {} --all",
            dir.display(),
            compress(&rerun),
            dir.display(),
            dir.display()
        );
    }
    if !by[1].is_empty() {
        println!(
            "'running' means a task has started and not ended; a task killed with SIGKILL stays 'running' until it is rerun"
        );
    }
    Ok(())
}

/// Parses `3-5,9` into indices.
pub fn parse_indices(text: &str) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || anyhow::anyhow!("--only '{text}': expected indices such as 3,7,10-12");
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) =
                    (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
                if b < a {
                    return Err(bad());
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    if out.is_empty() {
        bail!("--only '{text}': no indices");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_lists_compress_and_parse_back() {
        assert_eq!(compress(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(
            parse_indices("0-2,5,7-8").expect("parse"),
            vec![0, 1, 2, 5, 7, 8]
        );
        assert!(parse_indices("3-1").is_err());
        assert!(parse_indices("x").is_err());
    }

    #[test]
    fn slurm_times_parse() {
        use SlurmTime::*;
        assert_eq!(slurm_time("90"), Some(Seconds(5400)));
        assert_eq!(slurm_time("02:00:00"), Some(Seconds(7200)));
        assert_eq!(slurm_time("1-12"), Some(Seconds(86400 + 12 * 3600)));
        assert_eq!(slurm_time("1-00:30:00"), Some(Seconds(86400 + 1800)));
        assert_eq!(slurm_time("soon"), None);
        assert_eq!(slurm_time("0"), Some(Unlimited), "0 is no limit in SLURM");
        assert_eq!(slurm_time("unlimited"), Some(Unlimited));
        assert_eq!(slurm_time("INFINITE"), Some(Unlimited));
        assert_eq!(slurm_time("99999999999999999999"), None, "overflow");
        assert_eq!(slurm_time("9999999999999999"), None, "overflow");
        assert_eq!(slurm_time("400-00:00:00"), None, "beyond a year");
    }
}
