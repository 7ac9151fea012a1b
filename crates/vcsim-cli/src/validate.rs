//! `vcsim validate`: runs the virtual experiments of `configs/experiments/`
//! and checks every claim; writes `report.json`, `curves.json` and
//! `summary.md`.

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vcsim_rules::experiment::{ArmCurves, ClaimResult, Experiment, evaluate, with_replicates};
use vcsim_rules::{Simulation, Summary};

/// The experiment files as (origin, text), sorted by file name: every
/// `*.toml` of `dir`, or the built-in suite (`configs/experiments/` of the
/// source) when no directory is given.
fn experiment_files(dir: Option<&Path>) -> Result<Vec<(String, String)>> {
    let Some(dir) = dir else {
        let mut v: Vec<(String, String)> = vcsim_rules::presets::EXPERIMENTS
            .iter()
            .map(|(n, t)| (format!("configs/experiments/{n}.toml"), (*t).to_owned()))
            .collect();
        v.sort();
        return Ok(v);
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the experiments directory '{}'", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("cannot read '{}'", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

/// Loads the experiments (see [`experiment_files`]), keeping those of `only`.
fn load_experiments(dir: Option<&Path>, only: &[String]) -> Result<Vec<Experiment>> {
    let mut out = Vec::new();
    for (origin, text) in experiment_files(dir)? {
        let e = Experiment::from_toml(&text, &origin)?;
        if only.is_empty() || only.contains(&e.name) {
            out.push(e);
        }
    }
    if out.is_empty() {
        bail!(
            "no experiment to run in {}{}",
            dir.map(|d| format!("'{}'", d.display()))
                .unwrap_or_else(|| "the built-in suite".into()),
            if only.is_empty() {
                String::new()
            } else {
                format!(" named {only:?}")
            }
        );
    }
    Ok(out)
}

/// Daily samples of one run: the days, and one row of every series per day.
type Samples = (Vec<f64>, Vec<Vec<f64>>);

/// Runs one arm with one seed; returns daily samples of every series.
fn run_arm(
    e: &Experiment,
    arm: usize,
    seed: u64,
    quick: bool,
) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let a = &e.arms[arm];
    let scenario = e.scenario(a, seed, quick)?;
    let later = e.later_scenario(a, seed, quick)?;
    let mut sim = Simulation::new(&scenario)?;
    let dt = scenario.simulation.dt_h;
    let n = scenario.n_steps();
    let per_day = ((24.0 / dt).round() as u64).max(1);
    let later_step = a.later.as_ref().map(|l| (l.day * 24.0 / dt).round() as u64);
    let thr = scenario.mineral.calcified_fraction;
    let mut days = vec![0.0];
    let mut rows = vec![sim.world.summary(thr).values()];
    for step in 1..=n {
        if Some(step - 1) == later_step
            && let Some(s) = &later
        {
            sim.reconfigure(s)?;
        }
        sim.step();
        if step % per_day == 0 || step == n {
            let s = sim.world.summary(thr);
            if let Err(what) = s.check_finite() {
                bail!("experiment {} arm {} seed {seed}: {what}", e.name, a.name);
            }
            days.push(s.time_h / 24.0);
            rows.push(s.values());
        }
    }
    Ok((days, rows))
}

/// The curves of an experiment's arms: their means over the replicates, and
/// each replicate's own (`per_seed[s - 1]` for seed `s`).
struct Curves {
    mean: BTreeMap<String, ArmCurves>,
    per_seed: Vec<BTreeMap<String, ArmCurves>>,
}

/// Runs every arm × replicate (in parallel); averages over replicates and
/// keeps each replicate's curves.
fn run_experiment(e: &Experiment, quick: bool) -> Result<Curves> {
    let replicates = if quick { 1 } else { e.replicates };
    let jobs: Vec<(usize, u64)> = (0..e.arms.len())
        .flat_map(|a| (1..=replicates).map(move |s| (a, s)))
        .collect();
    let results: Vec<Result<Samples>> = jobs
        .par_iter()
        .map(|&(a, s)| run_arm(e, a, s, quick))
        .collect();
    // Summed rows over `n` replicates → curves (n = 1: one replicate's own,
    // exactly, as x / 1 = x).
    let curves_of = |days: &[f64], rows: &[Vec<f64>], n: f64| ArmCurves {
        day: days.to_vec(),
        series: Summary::NAMES
            .iter()
            .enumerate()
            .map(|(k, name)| (name.to_string(), rows.iter().map(|r| r[k] / n).collect()))
            .collect(),
    };
    let mut mean = BTreeMap::new();
    let mut per_seed = vec![BTreeMap::new(); replicates as usize];
    for (a, arm) in e.arms.iter().enumerate() {
        let mut sum: Option<Samples> = None;
        for (job, r) in jobs.iter().zip(&results) {
            if job.0 != a {
                continue;
            }
            let (days, rows) = match r {
                Ok(x) => x,
                Err(err) => bail!("{err:#}"),
            };
            per_seed[(job.1 - 1) as usize].insert(arm.name.clone(), curves_of(days, rows, 1.0));
            match &mut sum {
                None => sum = Some((days.clone(), rows.clone())),
                Some((_, acc)) => {
                    for (ra, rb) in acc.iter_mut().zip(rows) {
                        for (x, y) in ra.iter_mut().zip(rb) {
                            *x += y;
                        }
                    }
                }
            }
        }
        let Some((days, rows)) = sum else { continue };
        mean.insert(arm.name.clone(), curves_of(&days, &rows, replicates as f64));
    }
    Ok(Curves { mean, per_seed })
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write '{}'", path.display()))
}

fn summary_markdown(experiments: &[Experiment], results: &[ClaimResult], quick: bool) -> String {
    let passed = results.iter().filter(|r| r.pass).count();
    let open = results
        .iter()
        .filter(|r| !r.pass && r.open.is_some())
        .count();
    let mut md = format!(
        "# Validation report\n\n{} of {} claims pass, {} open{}. Generated by `vcsim validate{}`; \
         figures by `python -m vcsim_analysis validation-figures`. An open claim is one the model \
         does not reproduce yet; the reason is given in its row. A claim is judged on the means \
         over its experiment's replicates (seeds); \"replicates alone\" judges it on each \
         replicate by itself, the arms paired by seed, and gives the range of the values (— for \
         a single replicate).\n",
        passed,
        results.len(),
        open,
        if quick {
            " (quick suite: directions only)"
        } else {
            ""
        },
        if quick { " --quick" } else { "" }
    );
    for e in experiments {
        md.push_str(&format!(
            "\n## {} (`{}`)\n\nSource: {}. ![{}]({}.png)\n\n",
            e.title, e.name, e.source, e.name, e.name
        ));
        md.push_str(
            "| claim | expected | simulated | pass | replicates alone | how the claim became a number |\n\
             |---|---|---|---|---|---|\n",
        );
        for r in results.iter().filter(|r| r.experiment == e.name) {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r.claim,
                r.expected,
                r.simulated,
                match (&r.pass, &r.open) {
                    (true, _) => "yes".to_string(),
                    (false, Some(why)) => format!("open: {why}"),
                    (false, None) => "**no**".to_string(),
                },
                r.replicates
                    .as_ref()
                    .map_or_else(|| "—".to_string(), |c| c.describe()),
                r.how
            ));
        }
    }
    md
}

/// `vcsim validate --export-arms DIR`: writes the fully resolved
/// configuration of every arm of the selected experiments (replicate 1, its
/// seed 1) as `DIR/<experiment>.<arm>.toml`, which `vcsim run` runs as the
/// suite does; an arm with a `later` change also gets
/// `<experiment>.<arm>.later.toml`, the configuration the suite switches the
/// running simulation to on that day. Runs nothing.
pub fn export_arms(dir: Option<&Path>, out: &Path, quick: bool, only: &[String]) -> Result<()> {
    let experiments = load_experiments(dir, only)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output directory '{}'", out.display()))?;
    let mut n = 0;
    let mut put = |file: String, head: String, s: &vcsim_rules::Scenario| -> Result<()> {
        let path = out.join(file);
        write(&path, &(head + &s.to_toml()))?;
        crate::elog!("vcsim validate: wrote '{}'", path.display());
        n += 1;
        Ok(())
    };
    for e in &experiments {
        for a in &e.arms {
            let head = format!(
                "# Arm '{}' of the validation experiment '{}' ({}), replicate 1{}.\n\
                 # Written by `vcsim validate --export-arms`; `vcsim run` runs it as the suite does.\n",
                a.name,
                e.name,
                e.title,
                if quick { ", quick suite" } else { "" }
            );
            put(
                format!("{}.{}.toml", e.name, a.name),
                head,
                &e.scenario(a, 1, quick)?,
            )?;
            if let (Some(l), Some(s)) = (&a.later, e.later_scenario(a, 1, quick)?) {
                let head = format!(
                    "# Arm '{}' of the validation experiment '{}' from day {}: the suite switches the\n\
                     # running simulation of {}.{}.toml to this configuration then (it sets {:?}).\n",
                    a.name, e.name, l.day, e.name, a.name, l.set
                );
                put(format!("{}.{}.later.toml", e.name, a.name), head, &s)?;
            }
        }
    }
    crate::elog!(
        "vcsim validate: {n} arm configurations in '{}'",
        out.display()
    );
    Ok(())
}

/// `vcsim validate`.
pub fn validate(
    dir: Option<&Path>,
    out: &Path,
    quick: bool,
    only: &[String],
    threads: Option<usize>,
) -> Result<()> {
    if threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let experiments = load_experiments(dir, only)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output directory '{}'", out.display()))?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("cannot start the worker threads")?;
    let mut results = Vec::new();
    let mut all_curves = serde_json::Map::new();
    for e in &experiments {
        let t0 = std::time::Instant::now();
        let Curves {
            mean: curves,
            per_seed,
        } = pool.install(|| run_experiment(e, quick))?;
        let mut r = evaluate(e, &curves, quick);
        if per_seed.len() > 1 {
            let judged: Vec<_> = per_seed.iter().map(|c| evaluate(e, c, quick)).collect();
            with_replicates(&mut r, &judged);
        }
        crate::elog!(
            "vcsim validate: {} — {} of {} claims pass ({:.1} s)",
            e.name,
            r.iter().filter(|c| c.pass).count(),
            r.len(),
            t0.elapsed().as_secs_f64()
        );
        for c in r.iter().filter(|c| !c.pass) {
            let tag = if c.open.is_some() { "OPEN" } else { "FAIL" };
            crate::elog!(
                "  {tag} {}: expected {}, simulated {}",
                c.claim,
                c.expected,
                c.simulated
            );
        }
        results.extend(r);
        all_curves.insert(
            e.name.clone(),
            serde_json::json!({ "title": e.title, "source": e.source, "arms": curves,
                "arm_order": e.arms.iter().map(|a| a.name.clone()).collect::<Vec<_>>() }),
        );
    }
    write(
        &out.join("report.json"),
        &serde_json::to_string_pretty(&results)?,
    )?;
    write(
        &out.join("curves.json"),
        &serde_json::to_string(&all_curves)?,
    )?;
    write(
        &out.join("summary.md"),
        &summary_markdown(&experiments, &results, quick),
    )?;
    let failed: Vec<&ClaimResult> = results
        .iter()
        .filter(|r| !r.pass && r.open.is_none())
        .collect();
    let open = results
        .iter()
        .filter(|r| !r.pass && r.open.is_some())
        .count();
    crate::elog!(
        "vcsim validate: {} of {} claims pass, {} open (known not to hold yet), {} fail; report in '{}'",
        results.iter().filter(|r| r.pass).count(),
        results.len(),
        open,
        failed.len(),
        out.display()
    );
    if !failed.is_empty() {
        bail!(
            "{} claim(s) fail: {}",
            failed.len(),
            failed
                .iter()
                .map(|r| format!("{}: {}", r.experiment, r.claim))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    Ok(())
}
