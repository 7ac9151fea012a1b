//! `vcsim sweep collect DIR`: one pooled HDF5 file with a row per run.

use super::plan::Manifest;
use super::{Status, compress, load_manifest, status_of};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use vcsim_hdf5::{Pooled, PooledColumn, PooledMatrix, PooledTable, RunReader, write_pooled};

/// Per-run outcomes read from `/timeseries` at the end of the run.
const FINAL_SERIES: [(&str, &str); 7] = [
    ("calcified_fraction", "1"),
    ("mineral_volume_um3", "µm³"),
    ("lamina_mineral_share", "1"),
    ("n_osteogenic", "cells"),
    ("n_contractile", "cells"),
    ("mean_runx2", "fold"),
    ("media_phosphate_mM", "mM"),
];
/// Serum series averaged over the run.
const MEAN_SERUM: [(&str, &str); 9] = [
    ("pi_mM", "mM"),
    ("ca_mM", "mM"),
    ("pth_pg_mL", "pg/mL"),
    ("fgf23", "RU/mL"),
    ("fetuin_a_g_L", "g/L"),
    ("ppi_uM", "µM"),
    ("mg_mM", "mM"),
    ("t50_min", "min"),
    ("indoxyl_sulfate_uM", "µM"),
];
/// Daily series pooled as runs × days matrices: (group, name, unit).
const POOLED_SERIES: [(&str, &str, &str); 7] = [
    ("timeseries", "calcified_fraction", "1"),
    ("timeseries", "mineral_volume_um3", "µm³"),
    ("timeseries", "n_osteogenic", "cells"),
    ("serum", "pi_mM", "mM"),
    ("serum", "pth_pg_mL", "pg/mL"),
    ("serum", "t50_min", "min"),
    ("bone", "bmd_rel", "1"),
];

/// A series of one group of a run file, or `None` if the file has no such series.
fn series(r: &RunReader, group: &str, name: &str) -> Option<Vec<f64>> {
    match group {
        "timeseries" => r.series(name).ok(),
        _ => r.series_in(group, name).ok(),
    }
}

fn mean(v: &[f64]) -> f64 {
    let (s, n) = v
        .iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Wilson score interval (95%) of k successes in n trials.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054_f64;
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let denom = 1.0 + z * z / n_f;
    let centre = (p + z * z / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z * z / (4.0 * n_f * n_f)).sqrt() / denom;
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// Values of `v` (rows at `t`) at the times `grid` (NaN where the run has no row).
fn on_grid(t: &[f64], v: &[f64], grid: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(grid.len());
    let mut k = 0;
    let dt = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    for &g in grid {
        while k < t.len() && t[k] < g - 1e-9 {
            k += 1;
        }
        out.push(
            if k < t.len() && k < v.len() && (t[k] - g).abs() <= 0.5 * dt {
                v[k]
            } else {
                f64::NAN
            },
        );
    }
    out
}

/// Checks that the file of a run marked done is that run, complete: every
/// object reads back (in a child process), the configuration recorded in it
/// is the manifest's (base scenario, overrides and seed: so a file copied
/// over another run's is refused), and it holds every step.
fn check_run_file(m: &Manifest, r: &super::plan::RunSpec, path: &Path) -> Result<()> {
    crate::verify::verify_isolated(path)?;
    let name = r.config.trim_start_matches("base/");
    let base = m
        .bases
        .get(name)
        .ok_or_else(|| anyhow::anyhow!("the manifest has no base scenario '{name}'"))?;
    let overrides = r
        .set
        .iter()
        .map(|s| vcsim_rules::Override::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let scenario = vcsim_rules::Scenario::from_toml(base, &r.config, &overrides)?;
    let reader = RunReader::open(path)?;
    if reader.seed()? != r.seed {
        anyhow::bail!(
            "'{}' holds seed {}, but the manifest gives this run seed {}: it is another run's file",
            path.display(),
            reader.seed()?,
            r.seed
        );
    }
    if reader.config_toml()? != scenario.to_toml() {
        anyhow::bail!(
            "'{}' was written with another configuration than the manifest's for this run (base {}, overrides {}): it is another run's file or was edited",
            path.display(),
            r.config,
            r.set.join(" ")
        );
    }
    let rows = reader.series("time_h")?.len() as u64;
    let expected = scenario.n_steps() + 1;
    if rows != expected {
        anyhow::bail!(
            "'{}' holds {rows} rows of /timeseries, but the run has {} steps ({expected} rows): it is incomplete",
            path.display(),
            scenario.n_steps()
        );
    }
    Ok(())
}

/// `vcsim sweep collect DIR [-o OUT]`: returns the pooled file's path.
pub fn collect(dir: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let m: Manifest = load_manifest(dir)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.join("pooled.h5"));
    let n = m.runs.len();
    let mut status = Vec::with_capacity(n);
    let mut finals: Vec<Vec<f64>> = vec![vec![f64::NAN; n]; FINAL_SERIES.len()];
    let mut means: Vec<Vec<f64>> = vec![vec![f64::NAN; n]; MEAN_SERUM.len()];
    let mut bmd = vec![f64::NAN; n];
    let mut duration = vec![f64::NAN; n];
    let mut readout = vec![f64::NAN; n];
    let mut present = vec![-1i8; n];
    let mut missing = Vec::new();
    let mut rejected: Vec<String> = Vec::new();
    let mut daily: Vec<Vec<Vec<f64>>> = vec![Vec::new(); POOLED_SERIES.len()];
    let mut series_t: Vec<Option<Vec<f64>>> = vec![None; n];
    let mut tables: Vec<BTreeMap<(String, String), Vec<f64>>> = vec![BTreeMap::new(); n];
    let mut max_t: f64 = 0.0;
    for (i, r) in m.runs.iter().enumerate() {
        let st = status_of(dir, r);
        status.push(match st {
            Status::Done => "done",
            Status::Running => "running",
            Status::Failed => "failed",
            Status::Missing => "missing",
        });
        if st != Status::Done {
            missing.push(i);
            continue;
        }
        let path = dir.join(&r.output);
        if let Err(e) = check_run_file(&m, r, &path) {
            // Not pooled: marked failed, so that `sweep run` redoes it.
            let reason = format!("{e:#}");
            let _ = std::fs::remove_file(super::marker(dir, &r.id, "done"));
            let _ = std::fs::write(
                super::marker(dir, &r.id, "failed"),
                format!("collect: {reason}\n"),
            );
            rejected.push(format!("run {i} ({}): {reason}", r.id));
            if let Some(last) = status.last_mut() {
                *last = "failed";
            }
            missing.push(i);
            continue;
        }
        let reader = RunReader::open(&path).with_context(|| format!("run {i} ({})", r.id))?;
        let t = reader
            .series("time_h")
            .with_context(|| format!("run {i}: '{}' has no /timeseries/time_h", path.display()))?;
        duration[i] = t.last().copied().unwrap_or(0.0);
        max_t = max_t.max(duration[i]);
        for (k, (name, _)) in FINAL_SERIES.iter().enumerate() {
            finals[k][i] = series(&reader, "timeseries", name)
                .and_then(|v| v.last().copied())
                .unwrap_or(f64::NAN);
        }
        for (k, (name, _)) in MEAN_SERUM.iter().enumerate() {
            means[k][i] = series(&reader, "serum", name)
                .map(|v| mean(&v))
                .unwrap_or(f64::NAN);
        }
        bmd[i] = series(&reader, "bone", "bmd_rel")
            .and_then(|v| v.last().copied())
            .unwrap_or(f64::NAN);
        let (group, name) = super::plan::readout_series(&m.outcome.readout).with_context(|| {
            format!(
                "the outcome readout '{}' is not a series of a run file",
                m.outcome.readout
            )
        })?;
        readout[i] = series(&reader, group, name)
            .and_then(|v| v.last().copied())
            .with_context(|| {
                format!(
                    "run {i}: its file has no series '{}' for the outcome readout",
                    m.outcome.readout
                )
            })?;
        present[i] = i8::from(readout[i] >= m.outcome.threshold);
        for (group, name, _) in POOLED_SERIES {
            if let Some(v) = series(&reader, group, name) {
                tables[i].insert((group.to_string(), name.to_string()), v);
            }
        }
        series_t[i] = Some(t);
    }
    // Daily grid over the longest run.
    let days = (max_t / 24.0).floor() as usize;
    let grid: Vec<f64> = (0..=days).map(|d| d as f64 * 24.0).collect();
    for (k, (group, name, _)) in POOLED_SERIES.iter().enumerate() {
        for i in 0..n {
            let row = match (
                &series_t[i],
                tables[i].get(&(group.to_string(), name.to_string())),
            ) {
                (Some(t), Some(v)) => {
                    // /serum and /bone have their own time_h; rows match /timeseries.
                    on_grid(t, v, &grid)
                }
                _ => vec![f64::NAN; grid.len()],
            };
            daily[k].push(row);
        }
    }

    let mut runs = PooledTable::default();
    let mut col = |name: &str, unit: &str, c: PooledColumn| {
        runs.columns.push((name.to_string(), unit.to_string(), c))
    };
    col(
        "index",
        "",
        PooledColumn::U64(m.runs.iter().map(|r| r.index as u64).collect()),
    );
    col(
        "id",
        "",
        PooledColumn::Str(m.runs.iter().map(|r| r.id.clone()).collect()),
    );
    col(
        "arm",
        "",
        PooledColumn::Str(m.runs.iter().map(|r| r.arm.clone()).collect()),
    );
    col(
        "stage",
        "",
        PooledColumn::Str(m.runs.iter().map(|r| r.stage.clone()).collect()),
    );
    col(
        "point",
        "",
        PooledColumn::U64(m.runs.iter().map(|r| r.point as u64).collect()),
    );
    col(
        "replicate",
        "",
        PooledColumn::U64(m.runs.iter().map(|r| r.replicate as u64).collect()),
    );
    col(
        "seed",
        "",
        PooledColumn::U64(m.runs.iter().map(|r| r.seed).collect()),
    );
    col(
        "status",
        "",
        PooledColumn::Str(status.iter().map(|s| s.to_string()).collect()),
    );
    for key in &m.keys {
        let text: Vec<String> = m
            .runs
            .iter()
            .map(|r| r.params.get(key).cloned().unwrap_or_default())
            .collect();
        let numbers: Option<Vec<f64>> = text.iter().map(|s| s.parse::<f64>().ok()).collect();
        col(
            key,
            "",
            match numbers {
                Some(v) => PooledColumn::F64(v),
                None => PooledColumn::Str(text),
            },
        );
    }
    col("duration_h", "h", PooledColumn::F64(duration));
    for (k, (name, unit)) in FINAL_SERIES.iter().enumerate() {
        col(
            &format!("final_{name}"),
            unit,
            PooledColumn::F64(finals[k].clone()),
        );
    }
    for (k, (name, unit)) in MEAN_SERUM.iter().enumerate() {
        col(
            &format!("mean_serum_{name}"),
            unit,
            PooledColumn::F64(means[k].clone()),
        );
    }
    col("final_bmd_rel", "1", PooledColumn::F64(bmd));
    col("outcome_readout", "", PooledColumn::F64(readout));
    col("vc_present", "", PooledColumn::I8(present.clone()));

    // Prevalence per stage and arm, over finished runs.
    let mut groups: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for (r, &p) in m.runs.iter().zip(&present) {
        let e = groups.entry((r.stage.clone(), r.arm.clone())).or_default();
        if p >= 0 {
            e.0 += 1;
            e.1 += usize::from(p == 1);
        }
    }
    let mut prev = PooledTable::default();
    let (mut st, mut arm, mut nn, mut kk, mut pp, mut lo, mut hi) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for ((s, a), (n_done, k)) in &groups {
        let (l, h) = wilson(*k, *n_done);
        st.push(s.clone());
        arm.push(a.clone());
        nn.push(*n_done as u64);
        kk.push(*k as u64);
        pp.push(if *n_done > 0 {
            *k as f64 / *n_done as f64
        } else {
            f64::NAN
        });
        lo.push(l);
        hi.push(h);
    }
    prev.columns = vec![
        ("stage".into(), String::new(), PooledColumn::Str(st)),
        ("arm".into(), String::new(), PooledColumn::Str(arm)),
        ("n".into(), String::new(), PooledColumn::U64(nn)),
        ("n_present".into(), String::new(), PooledColumn::U64(kk)),
        ("prevalence".into(), "1".into(), PooledColumn::F64(pp)),
        ("ci_low".into(), "1".into(), PooledColumn::F64(lo)),
        ("ci_high".into(), "1".into(), PooledColumn::F64(hi)),
    ];

    let matrices: Vec<PooledMatrix> = POOLED_SERIES
        .iter()
        .enumerate()
        .map(|(k, (group, name, unit))| PooledMatrix {
            name: format!("{group}.{name}"),
            unit: unit.to_string(),
            rows: n,
            cols: grid.len(),
            data: daily[k].iter().flatten().copied().collect(),
        })
        .collect();
    let pooled = Pooled {
        attrs: vec![
            ("format".into(), "vcsim pooled sweep".into()),
            ("pooled_version".into(), "1".into()),
            ("sweep".into(), m.name.clone()),
            ("sweep_kind".into(), format!("{:?}", m.kind).to_lowercase()),
            ("master_seed".into(), m.seed.to_string()),
            ("vcsim_version".into(), env!("CARGO_PKG_VERSION").into()),
            (
                "outcome".into(),
                format!("{} >= {}", m.outcome.readout, m.outcome.threshold),
            ),
            ("missing".into(), compress(&missing)),
            ("keys".into(), m.keys.join("\n")),
        ],
        tables: vec![
            ("runs".into(), runs),
            ("prevalence".into(), prev),
            (
                "series_time".into(),
                PooledTable {
                    columns: vec![("time_h".into(), "h".into(), PooledColumn::F64(grid))],
                },
            ),
        ],
        matrices: vec![("series".into(), matrices)],
    };
    let tmp = out.with_extension("h5.tmp");
    write_pooled(&tmp, &pooled)?;
    std::fs::rename(&tmp, &out)
        .with_context(|| format!("cannot move the pooled file to '{}'", out.display()))?;
    if !rejected.is_empty() {
        anyhow::bail!(
            "{} run(s) marked done were refused and left out of '{}' (now marked failed; `vcsim sweep run {} --all` redoes them): {}",
            rejected.len(),
            out.display(),
            dir.display(),
            rejected.join("; ")
        );
    }
    if missing.is_empty() {
        crate::elog!(
            "vcsim: pooled all {n} runs of '{}' into '{}'",
            m.name,
            out.display()
        );
    } else {
        crate::elog!(
            "vcsim: pooled {} of {n} runs of '{}' into '{}'; missing (not done): {}",
            n - missing.len(),
            m.name,
            out.display(),
            compress(&missing)
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_known_values() {
        // 5 of 10: 0.2366 to 0.7634.
        let (l, h) = wilson(5, 10);
        assert!(
            (l - 0.2366).abs() < 1e-3 && (h - 0.7634).abs() < 1e-3,
            "{l} {h}"
        );
        let (l, h) = wilson(0, 20);
        assert_eq!(l, 0.0);
        assert!((h - 0.1611).abs() < 1e-3, "{h}");
    }

    #[test]
    fn series_are_sampled_on_the_daily_grid() {
        let t: Vec<f64> = (0..=48).map(f64::from).collect();
        let v: Vec<f64> = t.iter().map(|x| x * 2.0).collect();
        let g = on_grid(&t, &v, &[0.0, 24.0, 48.0, 72.0]);
        assert_eq!(&g[..3], &[0.0, 48.0, 96.0]);
        assert!(g[3].is_nan());
    }
}
