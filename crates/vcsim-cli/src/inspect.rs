//! `vcsim inspect OUT.h5 [--json]`: a summary of a run file.

use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use vcsim_hdf5::RunReader;
use vcsim_rules::Scenario;

/// What `inspect` reports.
#[derive(Debug, Serialize)]
struct Inspection {
    path: String,
    vcsim_version: String,
    scenario: String,
    mode: String,
    seed: u64,
    steps: usize,
    simulated_days: f64,
    frames: usize,
    /// Last row of every time series.
    final_values: BTreeMap<String, f64>,
    /// Mean over all rows of the media solute series.
    means: BTreeMap<String, f64>,
}

fn read(path: &Path) -> Result<Inspection> {
    let r = RunReader::open(path)?;
    let config = r.config_toml()?;
    // A file from another version may hold keys this build does not know;
    // the summary then names the mode as recorded, or "unknown".
    let mode = Scenario::from_toml(&config, "recorded config", &[])
        .map(|s| format!("{:?}", s.mode).to_lowercase())
        .unwrap_or_else(|_| "unknown".into());
    let names = r.series_names()?;
    let mut final_values = BTreeMap::new();
    let mut means = BTreeMap::new();
    let mut rows = 0;
    let mut last_time = 0.0;
    for name in &names {
        let v = r.series(name)?;
        rows = v.len();
        if let Some(&last) = v.last() {
            final_values.insert(name.clone(), last);
            if name == "time_h" {
                last_time = last;
            }
        }
        if name.starts_with("media_") && !v.is_empty() {
            means.insert(name.clone(), v.iter().sum::<f64>() / v.len() as f64);
        }
    }
    Ok(Inspection {
        path: path.display().to_string(),
        vcsim_version: r.vcsim_version()?,
        scenario: r.scenario()?,
        mode,
        seed: r.seed()?,
        steps: rows.saturating_sub(1),
        simulated_days: last_time / 24.0,
        frames: r.n_frames()?,
        final_values,
        means,
    })
}

/// `vcsim inspect`.
pub fn inspect(path: &Path, json: bool) -> Result<()> {
    let i = read(path).with_context(|| format!("cannot inspect '{}'", path.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&i)?);
        return Ok(());
    }
    let f = |k: &str| i.final_values.get(k).copied().unwrap_or(f64::NAN);
    println!("run        {} (vcsim {})", i.path, i.vcsim_version);
    println!(
        "scenario   {} ({} mode), seed {}",
        if i.scenario.is_empty() {
            "(unnamed)"
        } else {
            &i.scenario
        },
        i.mode,
        i.seed
    );
    println!(
        "duration   {:.1} d in {} steps; {} frames",
        i.simulated_days, i.steps, i.frames
    );
    println!(
        "mineral    {:.2}% of media and laminae calcified; {:.4e} µm³ in all; {:.1}% of it in laminae",
        100.0 * f("calcified_fraction"),
        f("mineral_volume_um3"),
        100.0 * f("lamina_mineral_share")
    );
    let cells: Vec<String> = [
        "contractile",
        "osteogenic",
        "apoptotic",
        "apoptotic_body",
        "calcified",
    ]
    .iter()
    .filter(|p| i.final_values.contains_key(&format!("n_{p}")))
    .map(|p| format!("{p} {}", f(&format!("n_{p}"))))
    .collect();
    println!("cells      {}", cells.join(", "));
    println!(
        "markers    Runx2 {:.2}×, ALP {:.2}, OPN {:.2} (means of viable cells at the end)",
        f("mean_runx2"),
        f("mean_alp"),
        f("mean_opn")
    );
    let means: Vec<String> = i
        .means
        .iter()
        .map(|(k, v)| format!("{} {v:.4}", k.trim_start_matches("media_")))
        .collect();
    println!("media      run means: {}", means.join(", "));
    Ok(())
}
