//! `vcsim inspect OUT.h5 [--json]`: a summary of a run file.

use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use vcsim_hdf5::RunReader;
use vcsim_rules::Scenario;

use crate::run::{BONE, SERUM};

/// The serum series whose run means `inspect` shows, with their labels.
const SERUM_MEANS: [(&str, &str); 8] = [
    ("pi_mM", "Pi"),
    ("ca_mM", "Ca"),
    ("pth_pg_mL", "PTH"),
    ("fgf23", "FGF23"),
    ("fetuin_a_g_L", "fetuin-A"),
    ("ppi_uM", "PPi"),
    ("mg_mM", "Mg"),
    ("t50_min", "T50"),
];

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
    /// Mean over all rows (NaN skipped) of the main serum series of `/serum`
    /// (pi_mM, ca_mM, pth_pg_mL, fgf23, fetuin_a_g_L, ppi_uM, mg_mM, t50_min);
    /// a series that is NaN throughout (not modelled) or absent (files written
    /// before `/serum` existed) is left out.
    serum_means: BTreeMap<String, f64>,
    /// Units of the entries of `serum_means`.
    serum_units: BTreeMap<String, String>,
    /// Last value of `/bone/bmd_rel` (bone mineral density relative to the
    /// start); null without the patient model or without `/bone`.
    final_bmd_rel: Option<f64>,
}

/// Mean of the values that are not NaN, if there are any.
fn mean_skipping_nan(v: &[f64]) -> Option<f64> {
    let (sum, n) = v
        .iter()
        .filter(|x| !x.is_nan())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// The serum means and their units, and the final BMD, of a file (empty and
/// `None` where the file has no `/serum` or `/bone`).
type PatientSummary = (BTreeMap<String, f64>, BTreeMap<String, String>, Option<f64>);

fn patient_summary(r: &RunReader) -> Result<PatientSummary> {
    let mut means = BTreeMap::new();
    let mut units = BTreeMap::new();
    if r.has_series_group(SERUM) {
        let names = r.series_names_in(SERUM)?;
        for (name, _) in SERUM_MEANS {
            if !names.iter().any(|n| n == name) {
                continue;
            }
            if let Some(m) = mean_skipping_nan(&r.series_in(SERUM, name)?) {
                means.insert(name.to_owned(), m);
                units.insert(name.to_owned(), r.series_units_in(SERUM, name)?);
            }
        }
    }
    let mut bmd = None;
    if r.has_series_group(BONE) && r.series_names_in(BONE)?.iter().any(|n| n == "bmd_rel") {
        bmd = r
            .series_in(BONE, "bmd_rel")?
            .last()
            .copied()
            .filter(|v| !v.is_nan());
    }
    Ok((means, units, bmd))
}

/// A value with about four significant digits.
fn short(v: f64) -> String {
    match v.abs() {
        a if a >= 1000.0 => format!("{v:.0}"),
        a if a >= 100.0 => format!("{v:.1}"),
        a if a >= 10.0 => format!("{v:.2}"),
        _ => format!("{v:.3}"),
    }
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
    let (serum_means, serum_units, final_bmd_rel) = patient_summary(&r)?;
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
        serum_means,
        serum_units,
        final_bmd_rel,
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
    let serum: Vec<String> = SERUM_MEANS
        .iter()
        .filter_map(|&(name, label)| {
            let v = i.serum_means.get(name)?;
            let unit = i.serum_units.get(name).map_or("", String::as_str);
            Some(
                format!("{label} {} {unit}", short(*v))
                    .trim_end()
                    .to_owned(),
            )
        })
        .collect();
    if !serum.is_empty() {
        println!("serum      run means: {}", serum.join(", "));
    }
    if let Some(bmd) = i.final_bmd_rel {
        println!("bone       BMD at the end {bmd:.4} of the start");
    }
    Ok(())
}
