//! `vcsim bench`: canonical problems of `configs/bench/`, timed for a list of
//! thread counts, as a table and as JSON records.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use vcsim_core::{DiffusionSolver, Face, FieldSpec, FieldStore, Kernels, Lattice, Region};
use vcsim_rules::{Scenario, Simulation};

/// A benchmark problem file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
enum Problem {
    /// The solver alone on a uniform lattice.
    Diffusion {
        ndim: usize,
        shape: [usize; 3],
        solutes: usize,
        dt_h: f64,
    },
    /// The whole model of a scenario.
    Tissue { scenario: String },
}

/// One measured record.
#[derive(Debug, Clone, Serialize)]
struct Record {
    problem: String,
    threads: usize,
    /// Factor by which the problem was grown along the circumference (`--weak`, `--grow`).
    grow: usize,
    voxels: usize,
    solutes: usize,
    cells: usize,
    steps: u64,
    wall_s: f64,
    voxel_solute_updates_per_s: f64,
    cell_updates_per_s: f64,
    voxel_steps_per_s: f64,
    peak_rss_bytes: u64,
    /// Peak RSS ÷ voxels.
    bytes_per_voxel: f64,
    /// Wall time ÷ (voxels × steps), ns.
    ns_per_voxel_step: f64,
    stage_seconds: Vec<(String, f64)>,
    speedup: f64,
    efficiency: f64,
    /// The CPU (`model name` of /proc/cpuinfo, or "unknown").
    cpu: String,
    /// The instruction set of the solver kernels (`Avx512`, `Avx2`, `Portable`).
    solver_kernels: String,
    /// The kernel's transparent huge page mode (`always`, `madvise`, `never`,
    /// or "unavailable"): the `vcsim` binary asks for huge pages on large
    /// arrays, which the first two grant.
    huge_pages: String,
}

/// What a record says about the machine.
struct Machine {
    cpu: String,
    solver_kernels: String,
    huge_pages: String,
}

impl Machine {
    fn detect() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        // The mode in brackets, e.g. "always [madvise] never".
        let huge_pages = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
            .ok()
            .and_then(|s| {
                let (_, rest) = s.split_once('[')?;
                rest.split_once(']').map(|(mode, _)| mode.to_string())
            })
            .unwrap_or_else(|| "unavailable".into());
        Self {
            cpu,
            solver_kernels: format!("{:?}", Kernels::detect()),
            huge_pages,
        }
    }
}

/// Peak resident memory of this process, bytes (VmHWM), after resetting it.
fn reset_peak_rss() {
    // Writing 5 to clear_refs resets the peak RSS counter (Linux ≥ 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// The problem grown `factor` times along the circumference (weak scaling).
fn scaled(p: &Problem, factor: usize) -> Result<Problem> {
    Ok(match p {
        Problem::Diffusion {
            ndim,
            shape,
            solutes,
            dt_h,
        } => Problem::Diffusion {
            ndim: *ndim,
            shape: [shape[0], shape[1] * factor, shape[2]],
            solutes: *solutes,
            dt_h: *dt_h,
        },
        Problem::Tissue { scenario } => {
            let s = Scenario::from_toml(scenario, "bench problem", &[])?;
            let o = vcsim_rules::Override::parse(&format!(
                "geometry.circumference_um={}",
                s.geometry.circumference_um * factor as f64
            ))?;
            let grown = Scenario::from_toml(scenario, "bench problem", &[o])?;
            Problem::Tissue {
                scenario: grown.to_toml(),
            }
        }
    })
}

fn run_problem(name: &str, p: &Problem, threads: usize, steps: u64) -> Result<Record> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    reset_peak_rss();
    pool.install(|| -> Result<Record> {
        match p {
            Problem::Diffusion {
                ndim,
                shape,
                solutes,
                dt_h,
            } => {
                let lattice = Lattice::uniform(*ndim, *shape, 10.0, Region::Media);
                let specs = FieldSpec::benchmark_set(*solutes);
                let mut solver = DiffusionSolver::new(&lattice, &specs, *dt_h)?;
                let mut fields = FieldStore::new(specs, lattice.len());
                for f in 0..*solutes {
                    fields.set_dirichlet(f, Face::LUMEN, 2.0);
                }
                solver.step(&mut fields); // warm-up, not counted
                let t0 = Instant::now();
                for _ in 0..steps {
                    solver.step(&mut fields);
                }
                let wall = t0.elapsed().as_secs_f64();
                let v = lattice.len();
                Ok(Record {
                    problem: name.into(),
                    threads,
                    voxels: v,
                    solutes: *solutes,
                    cells: 0,
                    steps,
                    wall_s: wall,
                    voxel_solute_updates_per_s: (v * solutes) as f64 * steps as f64 / wall,
                    cell_updates_per_s: 0.0,
                    voxel_steps_per_s: v as f64 * steps as f64 / wall,
                    peak_rss_bytes: peak_rss(),
                    bytes_per_voxel: peak_rss() as f64 / v as f64,
                    ns_per_voxel_step: wall * 1e9 / (v as f64 * steps as f64),
                    grow: 1,
                    stage_seconds: vec![("diffusion".into(), wall)],
                    speedup: 1.0,
                    efficiency: 1.0,
                    cpu: String::new(),
                    solver_kernels: String::new(),
                    huge_pages: String::new(),
                })
            }
            Problem::Tissue { scenario } => {
                let s = Scenario::from_toml(scenario, &format!("bench problem {name}"), &[])?;
                let mut sim = Simulation::new(&s)?;
                sim.step(); // warm-up, not counted
                let before: Vec<f64> = sim.stage_times().seconds.clone();
                let t0 = Instant::now();
                for _ in 0..steps {
                    sim.step();
                }
                let wall = t0.elapsed().as_secs_f64();
                let times = sim.stage_times();
                let v = sim.world.lattice.len();
                let cells = sim.world.cells.len();
                let solutes = sim.world.fields.len();
                Ok(Record {
                    problem: name.into(),
                    threads,
                    voxels: v,
                    solutes,
                    cells,
                    steps,
                    wall_s: wall,
                    voxel_solute_updates_per_s: (v * solutes) as f64 * steps as f64 / wall,
                    cell_updates_per_s: cells as f64 * steps as f64 / wall,
                    voxel_steps_per_s: v as f64 * steps as f64 / wall,
                    peak_rss_bytes: peak_rss(),
                    bytes_per_voxel: peak_rss() as f64 / v as f64,
                    ns_per_voxel_step: wall * 1e9 / (v as f64 * steps as f64),
                    grow: 1,
                    stage_seconds: times
                        .names
                        .iter()
                        .zip(times.seconds.iter().zip(&before))
                        .map(|(n, (a, b))| (n.to_string(), a - b))
                        .collect(),
                    speedup: 1.0,
                    efficiency: 1.0,
                    cpu: String::new(),
                    solver_kernels: String::new(),
                    huge_pages: String::new(),
                })
            }
        }
    })
}

/// Parses `1,2,4` given to `option`.
fn parse_counts(option: &str, text: &str) -> Result<Vec<usize>> {
    let v: Result<Vec<usize>, _> = text.split(',').map(|t| t.trim().parse::<usize>()).collect();
    match v {
        Ok(v) if !v.is_empty() && v.iter().all(|&t| t > 0) => Ok(v),
        _ => bail!(
            "{option} '{text}': expected a comma-separated list of positive counts, e.g. 1,2,4"
        ),
    }
}

/// The bench problems as (name, origin, text), sorted by name: every `*.toml`
/// of `dir`, or the built-in problems (`configs/bench/` of the source).
fn problem_files(dir: Option<&Path>) -> Result<Vec<(String, String, String)>> {
    let Some(dir) = dir else {
        let mut v: Vec<(String, String, String)> = vcsim_rules::presets::BENCH
            .iter()
            .map(|(n, t)| {
                (
                    (*n).to_owned(),
                    format!("configs/bench/{n}.toml"),
                    (*t).to_owned(),
                )
            })
            .collect();
        v.sort();
        return Ok(v);
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the bench directory '{}'", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read '{}'", path.display()))?;
            Ok((name, path.display().to_string(), text))
        })
        .collect()
}

/// `vcsim bench`.
pub fn bench(
    dir: Option<&Path>,
    problems: &[String],
    threads: &str,
    steps: u64,
    weak: bool,
    grow: Option<&str>,
    json: Option<&Path>,
) -> Result<()> {
    if steps == 0 {
        bail!("--steps must be at least 1");
    }
    let threads = parse_counts("--threads", threads)?;
    let grow = grow.map(|g| parse_counts("--grow", g)).transpose()?;
    if weak && grow.is_some() {
        bail!(
            "--weak and --grow exclude each other: --weak grows the problem with the thread count, --grow by the listed factors"
        );
    }
    let files = problem_files(dir)?;
    let machine = Machine::detect();
    crate::elog!(
        "CPU {}; solver kernels {}; transparent huge pages {}",
        machine.cpu,
        machine.solver_kernels,
        machine.huge_pages
    );
    let mut records = Vec::new();
    let mut ran = 0;
    for (name, origin, text) in files {
        if !problems.is_empty() && !problems.contains(&name) {
            continue;
        }
        ran += 1;
        let problem: Problem = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{origin}: {}", e.to_string().trim_end()))?;
        // Runs as (threads, growth factor): strong scaling (factor 1), weak
        // scaling (factor = threads), or every factor of --grow at every
        // thread count (size scaling).
        let runs: Vec<(usize, usize)> = match &grow {
            Some(factors) => threads
                .iter()
                .flat_map(|&t| factors.iter().map(move |&g| (t, g)))
                .collect(),
            None => threads
                .iter()
                .map(|&t| (t, if weak { t } else { 1 }))
                .collect(),
        };
        let mut firsts: Vec<Record> = Vec::new();
        for (t, g) in runs {
            let this = scaled(&problem, g)?;
            let mut r = run_problem(&name, &this, t, steps)?;
            r.grow = g;
            r.cpu.clone_from(&machine.cpu);
            r.solver_kernels.clone_from(&machine.solver_kernels);
            r.huge_pages.clone_from(&machine.huge_pages);
            // The reference: the 1-thread record for strong and weak scaling
            // (wall time, time per voxel-step); for --grow, the first factor
            // at the same thread count (time per voxel-step).
            let reference = match &grow {
                Some(factors) => firsts
                    .iter()
                    .find(|b| b.threads == t && b.grow == factors[0]),
                None => firsts.iter().find(|b| b.threads == 1),
            };
            match reference {
                Some(b) => {
                    r.speedup = if weak || grow.is_some() {
                        b.ns_per_voxel_step / r.ns_per_voxel_step
                    } else {
                        b.wall_s / r.wall_s
                    };
                    r.efficiency = if grow.is_some() {
                        r.speedup
                    } else {
                        r.speedup / t as f64
                    };
                }
                None => {
                    r.speedup = 1.0;
                    r.efficiency = 1.0;
                }
            }
            crate::elog!(
                "{:<12} {:>3} threads  {:>10} voxels {:>9} cells  {:>8.3} s  {:>10.3e} vox·sol/s  {:>10.3e} cells/s  {:>7.1} ns/voxel-step  speedup {:.2}  RSS {:.0} MB",
                r.problem,
                r.threads,
                r.voxels,
                r.cells,
                r.wall_s,
                r.voxel_solute_updates_per_s,
                r.cell_updates_per_s,
                r.ns_per_voxel_step,
                r.speedup,
                r.peak_rss_bytes as f64 / 1e6
            );
            if reference.is_none() {
                firsts.push(r.clone());
            }
            records.push(r);
        }
    }
    if ran == 0 {
        bail!(
            "no bench problem to run in {}{}",
            dir.map(|d| format!("'{}'", d.display()))
                .unwrap_or_else(|| "the built-in problems".into()),
            if problems.is_empty() {
                String::new()
            } else {
                format!(" named {problems:?}")
            }
        );
    }
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&records)?)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    Ok(())
}
