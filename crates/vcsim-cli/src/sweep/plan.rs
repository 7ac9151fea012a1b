//! Sweep files and their expansion into a manifest of runs.
//!
//! A sweep file is TOML: a base scenario (or one per stage for a cohort),
//! overrides for every run, axes (lists, ranges, linspace/logspace), an
//! optional random or Latin-hypercube sample, named arms and replicates.
//! Expansion is deterministic: the same file gives the same manifest.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vcsim_core::{Purpose, Stream};

/// Purpose of the stream that derives run seeds from the master seed.
const SEED_PURPOSE: Purpose = Purpose(40);
/// Purpose of the streams of random and Latin-hypercube samples.
const SAMPLE_PURPOSE: Purpose = Purpose(41);

/// What kind of batch a sweep file describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A grid of axes (× sample points) × arms × replicates.
    #[default]
    Grid,
    /// Virtual cohorts: N sampled patients per stage × arms.
    Cohort,
}

/// An axis of a grid: one config key and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// Dotted config key, e.g. `patient.kidney.egfr_mL_min`.
    pub key: String,
    /// Explicit values (numbers, strings, booleans).
    #[serde(default)]
    pub values: Option<Vec<toml::Value>>,
    /// `{ start, stop, step }`: start, start + step, ... up to stop (inclusive within 1e-9).
    #[serde(default)]
    pub range: Option<Range>,
    /// `{ start, stop, num }`: num evenly spaced values, both ends included.
    #[serde(default)]
    pub linspace: Option<Space>,
    /// `{ start, stop, num }`: num values evenly spaced in log, both ends included.
    #[serde(default)]
    pub logspace: Option<Space>,
}

/// `range = { start, stop, step }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// First value.
    pub start: f64,
    /// Last value (included if reached).
    pub stop: f64,
    /// Increment (> 0).
    pub step: f64,
}

/// `linspace`/`logspace = { start, stop, num }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// First value.
    pub start: f64,
    /// Last value.
    pub stop: f64,
    /// Number of values (≥ 1).
    pub num: usize,
}

/// How a `[sample]` draws its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// Independent uniform draws.
    Random,
    /// Latin hypercube: each parameter's range cut into n strata, one point per stratum.
    LatinHypercube,
}

/// One sampled parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampledParam {
    /// Dotted config key.
    pub key: String,
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Sample uniformly in log space (bounds > 0).
    #[serde(default)]
    pub log: bool,
}

/// `[sample]`: n points over several parameters, combined with the axes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// `"random"` or `"latin_hypercube"`.
    pub kind: SampleKind,
    /// Number of points.
    pub n: usize,
    /// The parameters.
    pub params: Vec<SampledParam>,
}

/// A named arm: overrides applied on top of every point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Arm name (a treatment arm, say).
    pub name: String,
    /// `KEY=VALUE` overrides, as with `--set`.
    #[serde(default)]
    pub set: Vec<String>,
}

/// `[cohort]`: virtual patients per stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cohort {
    /// Scenario files of the stages, relative to the sweep file.
    pub stages: Vec<PathBuf>,
    /// Patients per stage.
    pub patients: usize,
    /// Simulated years per patient.
    pub years: f64,
}

/// `[outcome]`: the per-run yes/no "vascular calcification present".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Outcome {
    /// A series read at the end of the run: `group/name` for any series
    /// group (e.g. `clinical/detectable`), or a bare `/timeseries` name.
    pub readout: String,
    /// Calcification is present when the readout is at least this.
    pub threshold: f64,
}

impl Default for Outcome {
    fn default() -> Self {
        Self {
            // As a clinical reader would call it: the CT of the vessel
            // segment shows a lesion (Agatston > 0), docs/imaging.md.
            readout: "clinical/detectable".into(),
            threshold: 1.0,
        }
    }
}

/// A whole sweep file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// Name of the sweep.
    pub name: String,
    /// `"grid"` (default) or `"cohort"`.
    #[serde(default)]
    pub kind: Kind,
    /// Base scenario file, relative to the sweep file (grid sweeps).
    #[serde(default)]
    pub base: Option<PathBuf>,
    /// Master seed: every run's seed is derived from it.
    #[serde(default = "one")]
    pub seed: u64,
    /// Replicates (different seeds) of every point (grid sweeps).
    #[serde(default = "one_usize")]
    pub replicates: usize,
    /// Overrides applied to every run.
    #[serde(default)]
    pub set: Vec<String>,
    /// Checkpoint interval of every run, steps (0 = none).
    #[serde(default = "default_checkpoint")]
    pub checkpoint_every: u64,
    /// Grid axes.
    #[serde(default)]
    pub axes: Vec<Axis>,
    /// Random or Latin-hypercube sample, combined with the axes.
    #[serde(default)]
    pub sample: Option<Sample>,
    /// Arms (default: one arm, "base").
    #[serde(default)]
    pub arms: Vec<Arm>,
    /// Cohort settings (`kind = "cohort"`).
    #[serde(default)]
    pub cohort: Option<Cohort>,
    /// The calcification-present threshold.
    #[serde(default)]
    pub outcome: Outcome,
}

fn one() -> u64 {
    1
}
fn one_usize() -> usize {
    1
}
fn default_checkpoint() -> u64 {
    720
}

/// One run of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Position in the manifest (the SLURM array index).
    pub index: usize,
    /// File stem of the run, e.g. `r0003`.
    pub id: String,
    /// Arm name.
    pub arm: String,
    /// Stage (cohorts: the stage scenario's name; grids: "").
    pub stage: String,
    /// Grid point or cohort patient number.
    pub point: usize,
    /// Replicate number.
    pub replicate: usize,
    /// The run's seed.
    pub seed: u64,
    /// Base scenario, relative to the sweep directory.
    pub config: String,
    /// Every override of the run, in order (seed last).
    pub set: Vec<String>,
    /// The swept values of this run: key → value as TOML text.
    pub params: BTreeMap<String, String>,
    /// Output file, relative to the sweep directory.
    pub output: String,
}

/// The expanded plan: what `vcsim sweep plan` writes as `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Sweep name.
    pub name: String,
    /// Grid or cohort.
    pub kind: Kind,
    /// Master seed.
    pub seed: u64,
    /// Checkpoint interval of every run, steps.
    pub checkpoint_every: u64,
    /// The calcification-present threshold.
    pub outcome: Outcome,
    /// Swept keys, column order of `manifest.csv`.
    pub keys: Vec<String>,
    /// Base scenarios: file name in `base/` → its text.
    pub bases: BTreeMap<String, String>,
    /// The runs.
    pub runs: Vec<RunSpec>,
}

/// A seed from the master seed and two counters, below 2⁶³ (TOML integers
/// are signed 64-bit).
pub fn derive_seed(master: u64, a: u64, b: u64) -> u64 {
    let mut s = Stream::new(master, a, b, SEED_PURPOSE);
    ((u64::from(s.next_word()) << 32) | u64::from(s.next_word())) >> 1
}

fn axis_values(a: &Axis, i: usize) -> Result<Vec<toml::Value>> {
    let key = format!("axes[{i}] ({})", a.key);
    let given = [
        a.values.is_some(),
        a.range.is_some(),
        a.linspace.is_some(),
        a.logspace.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if given != 1 {
        bail!("{key}: give exactly one of values, range, linspace or logspace");
    }
    let f = |x: f64| toml::Value::Float(x);
    let out: Vec<toml::Value> = if let Some(v) = &a.values {
        v.clone()
    } else if let Some(r) = &a.range {
        if !(r.step > 0.0 && r.step.is_finite() && r.start.is_finite() && r.stop.is_finite()) {
            bail!("{key}.range: step must be > 0 and start, stop finite");
        }
        let n = ((r.stop - r.start) / r.step + 1e-9).floor();
        if !(0.0..=1e6).contains(&n) {
            bail!(
                "{key}.range: from {} to {} by {} gives no values or too many",
                r.start,
                r.stop,
                r.step
            );
        }
        (0..=n as usize)
            .map(|k| f(r.start + k as f64 * r.step))
            .collect()
    } else {
        let (s, log) = match (&a.linspace, &a.logspace) {
            (Some(s), _) => (s, false),
            (None, Some(s)) => (s, true),
            _ => unreachable!("exactly one given"),
        };
        if s.num == 0 || s.num > 1_000_000 {
            bail!("{key}: num must be from 1 to 1000000");
        }
        if log && !(s.start > 0.0 && s.stop > 0.0) {
            bail!("{key}.logspace: start and stop must be > 0");
        }
        let (a0, b0) = if log {
            (s.start.ln(), s.stop.ln())
        } else {
            (s.start, s.stop)
        };
        (0..s.num)
            .map(|k| {
                let u = if s.num == 1 {
                    0.0
                } else {
                    k as f64 / (s.num - 1) as f64
                };
                let x = a0 + u * (b0 - a0);
                f(if log { x.exp() } else { x })
            })
            .collect()
    };
    if out.is_empty() {
        bail!("{key}: no values");
    }
    Ok(out)
}

/// The sample points: n rows of one value per parameter.
fn sample_points(s: &Sample, master: u64) -> Result<Vec<Vec<f64>>> {
    if s.n == 0 || s.n > 1_000_000 {
        bail!("sample.n must be from 1 to 1000000");
    }
    for (j, p) in s.params.iter().enumerate() {
        if !(p.min.is_finite() && p.max.is_finite() && p.min <= p.max) || (p.log && p.min <= 0.0) {
            bail!(
                "sample.params[{j}] ({}): need finite min ≤ max{}",
                p.key,
                if p.log { " and min > 0 for log" } else { "" }
            );
        }
    }
    let mut rows = vec![vec![0.0; s.params.len()]; s.n];
    for (j, p) in s.params.iter().enumerate() {
        let mut rng = Stream::new(master, 0, j as u64, SAMPLE_PURPOSE);
        // Latin hypercube: a random permutation of the strata (Fisher–Yates).
        let mut strata: Vec<usize> = (0..s.n).collect();
        if s.kind == SampleKind::LatinHypercube {
            for i in (1..s.n).rev() {
                let k = (rng.uniform() * (i + 1) as f64) as usize;
                strata.swap(i, k.min(i));
            }
        }
        for (i, row) in rows.iter_mut().enumerate() {
            let u = match s.kind {
                SampleKind::Random => rng.uniform(),
                SampleKind::LatinHypercube => (strata[i] as f64 + rng.uniform()) / s.n as f64,
            };
            row[j] = if p.log {
                (p.min.ln() + u * (p.max.ln() - p.min.ln())).exp()
            } else {
                p.min + u * (p.max - p.min)
            };
        }
    }
    Ok(rows)
}

/// Reads a sweep file and expands it. Base scenarios are read relative to
/// the sweep file; every run's scenario is validated.
pub fn expand(sweep_path: &Path) -> Result<Manifest> {
    let text = std::fs::read_to_string(sweep_path)
        .with_context(|| format!("cannot read sweep file '{}'", sweep_path.display()))?;
    let origin = sweep_path.display().to_string();
    let file: SweepFile = vcsim_rules::scenario::parse_toml(&text, &origin)?;
    let dir = sweep_path.parent().unwrap_or(Path::new("."));
    expand_file(&file, dir, &origin)
}

fn read_base(dir: &Path, rel: &Path, origin: &str, what: &str) -> Result<(String, String)> {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{origin}: {what} '{}' cannot be read (paths are relative to the sweep file)",
            rel.display()
        )
    })?;
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "base".into());
    Ok((format!("{stem}.toml"), text))
}

/// One point of a plan before the arms (every arm runs it).
struct Point {
    /// Base scenario file name in `base/`.
    config: String,
    /// Cohort stage, or "".
    stage: String,
    point: usize,
    replicate: usize,
    seed: u64,
    /// The point's overrides.
    sets: Vec<String>,
    /// Swept key → value.
    params: BTreeMap<String, String>,
}

/// Longest sweep or arm name accepted, characters.
const MAX_NAME: usize = 100;

/// A name that goes into file names, CSV and HDF5 strings: printable, short.
fn check_name(origin: &str, what: &str, name: &str) -> Result<()> {
    if name.trim().is_empty()
        || name.chars().count() > MAX_NAME
        || name.chars().any(|c| c.is_control())
    {
        bail!(
            "{origin}: {what} {name:?} must be 1 to {MAX_NAME} printable characters (no NUL, newline or other control character)"
        );
    }
    Ok(())
}

/// The key of an override text `KEY=VALUE`, trimmed.
fn set_key(set: &str) -> &str {
    set.split_once('=').map_or(set, |(k, _)| k).trim()
}

/// The (group, name) of an outcome readout: `group/name`, or a bare name of
/// `/timeseries`; `None` if no series group of a run file has it.
pub fn readout_series(readout: &str) -> Option<(&'static str, &'static str)> {
    let (group, name) = readout.split_once('/').unwrap_or(("timeseries", readout));
    let g = vcsim_rules::records::SERIES_GROUPS
        .iter()
        .find(|g| g.group == group)?;
    let n = g.names[1..].iter().find(|n| **n == name)?;
    Some((g.group, n))
}

/// Checks what every run shares before anything is expanded: the outcome
/// readout and threshold, names, and the swept keys (each once, never the
/// seed, which every run derives from the master seed).
fn check_sweep(f: &SweepFile, origin: &str) -> Result<()> {
    let readout = &f.outcome.readout;
    if readout_series(readout).is_none() {
        let all: Vec<String> = vcsim_rules::records::SERIES_GROUPS
            .iter()
            .flat_map(|g| g.names[1..].iter().map(move |n| format!("{}/{n}", g.group)))
            .collect();
        bail!(
            "{origin}: outcome.readout = {readout:?} is not a series of a run file; expected group/name, one of {} (a bare name means /timeseries)",
            all.join(", ")
        );
    }
    if !f.outcome.threshold.is_finite() {
        bail!(
            "{origin}: outcome.threshold = {} is not a finite number; expected e.g. 0.01",
            f.outcome.threshold
        );
    }
    let mut keys: Vec<(&str, String)> = f
        .axes
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key.as_str(), format!("axes[{i}]")))
        .collect();
    if let Some(s) = &f.sample {
        keys.extend(
            s.params
                .iter()
                .enumerate()
                .map(|(j, p)| (p.key.as_str(), format!("sample.params[{j}]"))),
        );
    }
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, place) in &keys {
        if key.trim().is_empty() || key.contains(|c: char| c.is_control() || c == '=') {
            bail!("{origin}: {place}: key {key:?} is not a dotted config key");
        }
        if *key == "simulation.seed" {
            bail!(
                "{origin}: {place}: simulation.seed cannot be swept: every run's seed is derived from the master seed `seed` (use `replicates` for several seeds)"
            );
        }
        if let Some(first) = seen.insert(key, place) {
            bail!("{origin}: {place}: the key '{key}' is swept twice (also in {first})");
        }
    }
    for set in &f.set {
        if set_key(set) == "simulation.seed" {
            bail!(
                "{origin}: '{set}': simulation.seed cannot be set in a sweep: every run's seed is derived from the master seed `seed`"
            );
        }
    }
    for set in f.arms.iter().flat_map(|a| a.set.iter()) {
        if set_key(set) == "simulation.seed" {
            bail!(
                "{origin}: '{set}': simulation.seed cannot be set in a sweep: every run's seed is derived from the master seed `seed`"
            );
        }
        // Arms are applied after the swept values, so they would replace them.
        if let Some(place) = seen.get(set_key(set)) {
            bail!(
                "{origin}: '{set}' sets a key that {place} sweeps; the sweep would silently override it"
            );
        }
    }
    Ok(())
}

fn expand_file(f: &SweepFile, dir: &Path, origin: &str) -> Result<Manifest> {
    if f.name.trim().is_empty() || f.name.contains(['/', '\\']) {
        bail!("{origin}: name must be a non-empty word without '/'");
    }
    check_name(origin, "name", &f.name)?;
    check_sweep(f, origin)?;
    let arms: Vec<Arm> = if f.arms.is_empty() {
        vec![Arm {
            name: "base".into(),
            set: Vec::new(),
        }]
    } else {
        f.arms.clone()
    };
    let mut seen = std::collections::BTreeSet::new();
    for a in &arms {
        check_name(origin, "arm name", &a.name)?;
        if a.name.trim().is_empty() || !seen.insert(a.name.clone()) {
            bail!(
                "{origin}: arm names must be non-empty and unique ('{}')",
                a.name
            );
        }
    }
    let mut bases = BTreeMap::new();
    let mut runs = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut points: Vec<Point> = Vec::new();
    match f.kind {
        Kind::Grid => {
            if f.cohort.is_some() {
                bail!("{origin}: [cohort] needs kind = \"cohort\"");
            }
            let base = f.base.as_ref().ok_or_else(|| {
                anyhow::anyhow!("{origin}: 'base' (the scenario file of every run, relative to the sweep file) is missing")
            })?;
            if f.replicates == 0 {
                bail!("{origin}: replicates must be at least 1");
            }
            let (name, text) = read_base(dir, base, origin, "base")?;
            bases.insert(name.clone(), text);
            let mut grid: Vec<Vec<(String, String)>> = vec![Vec::new()];
            for (i, a) in f.axes.iter().enumerate() {
                keys.push(a.key.clone());
                let values = axis_values(a, i).with_context(|| origin.to_string())?;
                grid = grid
                    .iter()
                    .flat_map(|row| {
                        values.iter().map(move |v| {
                            let mut r = row.clone();
                            r.push((a.key.clone(), v.to_string()));
                            r
                        })
                    })
                    .collect();
            }
            if let Some(s) = &f.sample {
                keys.extend(s.params.iter().map(|p| p.key.clone()));
                let rows = sample_points(s, f.seed).with_context(|| origin.to_string())?;
                grid = grid
                    .iter()
                    .flat_map(|row| {
                        rows.iter().map(move |r| {
                            let mut out = row.clone();
                            for (p, v) in s.params.iter().zip(r) {
                                out.push((p.key.clone(), toml::Value::Float(*v).to_string()));
                            }
                            out
                        })
                    })
                    .collect();
            }
            if grid.len() * arms.len() * f.replicates > 1_000_000 {
                bail!("{origin}: the sweep expands to more than a million runs");
            }
            for (p, row) in grid.iter().enumerate() {
                for r in 0..f.replicates {
                    // The same virtual patient (seed) for every point and arm of a replicate.
                    let seed = derive_seed(f.seed, 0, r as u64);
                    let sets = row.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let params = row.iter().cloned().collect();
                    points.push(Point {
                        config: name.clone(),
                        stage: String::new(),
                        point: p,
                        replicate: r,
                        seed,
                        sets,
                        params,
                    });
                }
            }
        }
        Kind::Cohort => {
            let c = f.cohort.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "{origin}: kind = \"cohort\" needs a [cohort] section (stages, patients, years)"
                )
            })?;
            if f.base.is_some() || !f.axes.is_empty() || f.sample.is_some() {
                bail!(
                    "{origin}: a cohort takes its scenarios from cohort.stages; base, axes and sample do not apply"
                );
            }
            if c.stages.is_empty() || c.patients == 0 || !(c.years > 0.0 && c.years.is_finite()) {
                bail!("{origin}: cohort needs at least one stage, patients ≥ 1 and years > 0");
            }
            for (si, st) in c.stages.iter().enumerate() {
                let (name, text) = read_base(dir, st, origin, &format!("cohort.stages[{si}]"))?;
                if bases.contains_key(&name) {
                    bail!("{origin}: cohort.stages has two files named '{name}'");
                }
                let stage = name.trim_end_matches(".toml").to_string();
                bases.insert(name.clone(), text);
                for p in 0..c.patients {
                    // The same patient in every arm: the seed depends on stage and patient only.
                    let seed = derive_seed(f.seed, 1 + si as u64, p as u64);
                    let sets = vec![
                        "patient.variability.sample=1".to_string(),
                        format!("simulation.duration_days={}", c.years * 365.25),
                    ];
                    points.push(Point {
                        config: name.clone(),
                        stage: stage.clone(),
                        point: p,
                        replicate: 0,
                        seed,
                        sets,
                        params: BTreeMap::new(),
                    });
                }
            }
        }
    }
    for pt in points {
        for arm in &arms {
            let index = runs.len();
            let mut set = f.set.clone();
            set.extend(pt.sets.iter().cloned());
            set.extend(arm.set.iter().cloned());
            set.push(format!("simulation.seed={}", pt.seed));
            let id = format!("r{index:05}");
            runs.push(RunSpec {
                index,
                id: id.clone(),
                arm: arm.name.clone(),
                stage: pt.stage.clone(),
                point: pt.point,
                replicate: pt.replicate,
                seed: pt.seed,
                config: format!("base/{}", pt.config),
                set,
                params: pt.params.clone(),
                output: format!("runs/{id}.h5"),
            });
        }
    }
    // Every run must be a valid scenario.
    for r in &runs {
        let name = r.config.trim_start_matches("base/");
        let text = &bases[name];
        let overrides = r
            .set
            .iter()
            .map(|s| vcsim_rules::Override::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{origin}: run {} ({})", r.index, r.arm))?;
        vcsim_rules::Scenario::from_toml(
            text,
            &format!("run {} (arm {}, {})", r.index, r.arm, name),
            &overrides,
        )
        .with_context(|| format!("{origin}: run {} is not a valid scenario", r.index))?;
    }
    Ok(Manifest {
        name: f.name.clone(),
        kind: f.kind,
        seed: f.seed,
        checkpoint_every: f.checkpoint_every,
        outcome: f.outcome.clone(),
        keys,
        bases,
        runs,
    })
}

/// `manifest.csv`: index, id, arm, stage, point, replicate, seed, output,
/// then one column per swept key.
pub fn manifest_csv(m: &Manifest) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("index,id,arm,stage,point,replicate,seed,output");
    for k in &m.keys {
        out.push(',');
        out.push_str(&quote(k));
    }
    out.push('\n');
    for r in &m.runs {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}",
            r.index,
            r.id,
            quote(&r.arm),
            quote(&r.stage),
            r.point,
            r.replicate,
            r.seed,
            r.output
        ));
        for k in &m.keys {
            out.push(',');
            out.push_str(&quote(r.params.get(k).map(String::as_str).unwrap_or("")));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    const BASE: &str = "[geometry]\nlamellar_units = 2\ncircumference_um = 60.0\n";

    #[test]
    fn grid_expands_axes_arms_and_replicates_with_paired_seeds() {
        let d = tempfile::tempdir().expect("tmp");
        write(d.path(), "base.toml", BASE);
        let s = write(
            d.path(),
            "s.toml",
            r#"name = "g"
base = "base.toml"
seed = 9
replicates = 2
[[axes]]
key = "patient.kidney.egfr_mL_min"
values = [10.0, 20.0, 30]
[[axes]]
key = "patient.diet.phosphate_mmol_per_day"
linspace = { start = 20.0, stop = 40.0, num = 2 }
[[arms]]
name = "control"
[[arms]]
name = "sevelamer"
set = ['treatments=[{drug="sevelamer", dose=4.8}]']
"#,
        );
        let m = expand(&s).expect("expands");
        assert_eq!(m.runs.len(), 3 * 2 * 2 * 2);
        assert_eq!(m.keys.len(), 2);
        // Arms of one point and replicate share the seed (paired).
        for pair in m.runs.chunks(2) {
            assert_eq!(pair[0].seed, pair[1].seed);
            assert_eq!(pair[0].params, pair[1].params);
            assert_ne!(pair[0].arm, pair[1].arm);
        }
        let seeds: std::collections::BTreeSet<u64> = m.runs.iter().map(|r| r.seed).collect();
        assert_eq!(seeds.len(), 2, "one seed per replicate");
        assert_eq!(m.runs[0].params["patient.kidney.egfr_mL_min"], "10.0");
        assert_eq!(m.runs[4].params["patient.kidney.egfr_mL_min"], "10.0");
        assert_eq!(m.runs[8].params["patient.kidney.egfr_mL_min"], "20.0");
        assert!(m.runs[1].set.iter().any(|s| s.contains("sevelamer")));
        assert_eq!(m, expand(&s).expect("again"), "deterministic");
        let csv = manifest_csv(&m);
        assert_eq!(csv.lines().count(), 1 + m.runs.len());
        assert!(csv.starts_with(
            "index,id,arm,stage,point,replicate,seed,output,patient.kidney.egfr_mL_min,"
        ));
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum() {
        let s = Sample {
            kind: SampleKind::LatinHypercube,
            n: 10,
            params: vec![
                SampledParam {
                    key: "a".into(),
                    min: 0.0,
                    max: 1.0,
                    log: false,
                },
                SampledParam {
                    key: "b".into(),
                    min: 1.0,
                    max: 100.0,
                    log: true,
                },
            ],
        };
        let rows = sample_points(&s, 3).expect("sample");
        for j in 0..2 {
            let mut strata: Vec<usize> = rows
                .iter()
                .map(|r| {
                    let u = if j == 0 {
                        r[0]
                    } else {
                        (r[1].ln() - 0.0) / 100f64.ln()
                    };
                    (u * 10.0).floor() as usize
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>(), "param {j}");
        }
        assert_eq!(rows, sample_points(&s, 3).expect("again"));
        assert_ne!(rows, sample_points(&s, 4).expect("other seed"));
    }

    #[test]
    fn cohorts_sample_patients_shared_across_arms() {
        let d = tempfile::tempdir().expect("tmp");
        write(d.path(), "ckd3.toml", BASE);
        write(d.path(), "ckd4.toml", BASE);
        let s = write(
            d.path(),
            "c.toml",
            "name = \"c\"\nkind = \"cohort\"\n[cohort]\nstages = [\"ckd3.toml\", \"ckd4.toml\"]\npatients = 3\nyears = 0.01\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\n",
        );
        let m = expand(&s).expect("expands");
        assert_eq!(m.runs.len(), 2 * 3 * 2);
        assert_eq!(m.runs[0].stage, "ckd3");
        assert_eq!(m.runs[11].stage, "ckd4");
        assert_eq!(m.runs[0].seed, m.runs[1].seed);
        assert_ne!(m.runs[0].seed, m.runs[2].seed);
        assert!(
            m.runs[0]
                .set
                .contains(&"patient.variability.sample=1".to_string())
        );
    }

    #[test]
    fn bad_sweeps_name_the_problem() {
        let d = tempfile::tempdir().expect("tmp");
        write(d.path(), "base.toml", BASE);
        let cases = [
            ("name = \"x\"\n", "'base'"),
            ("name = \"x\"\nbase = \"nope.toml\"\n", "nope.toml"),
            (
                "name = \"x\"\nbase = \"base.toml\"\n[[axes]]\nkey = \"k\"\n",
                "exactly one of",
            ),
            (
                "name = \"x\"\nbase = \"base.toml\"\n[[axes]]\nkey = \"geometry.ndim\"\nvalues = [7]\n",
                "run 0",
            ),
            (
                "name = \"x\"\nbase = \"base.toml\"\nwhat = 1\n",
                "unknown field",
            ),
            (
                "name = \"x\"\nbase = \"base.toml\"\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"a\"\n",
                "unique",
            ),
            ("name = \"x\"\nkind = \"cohort\"\n", "[cohort]"),
            (
                "name = \"x\"\nbase = \"base.toml\"\n[[axes]]\nkey = \"k\"\nrange = { start = 0.0, stop = 1.0, step = 0.0 }\n",
                "step",
            ),
        ];
        for (text, needle) in cases {
            let s = write(d.path(), "s.toml", text);
            let e = format!("{:#}", expand(&s).expect_err(text));
            assert!(e.contains(needle), "{text}: {e}");
        }
    }
}
