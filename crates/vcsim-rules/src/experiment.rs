//! Virtual experiments: a base scenario, arms that change it, and claims
//! that compare the arms' readouts against the expected outcome from the
//! literature. `vcsim validate` runs every file in `configs/experiments/`.
//!
//! An experiment file:
//!
//! ```toml
//! name = "pi_dose_response"
//! title = "Pi dose-response in vitro"
//! source = "[jono2000]"  # works by key of docs/references.md
//! days = 14.0            # readouts are taken at the end unless `@day` says otherwise
//! replicates = 3         # seeds 1..=replicates; readouts are means over them
//! base = """             # a scenario, as TOML text
//! mode = "culture"
//! """
//! [[arms]]
//! name = "pi_2.0"
//! set = ["culture.phosphate_mM=2.0"]
//! # optional: a change during the run
//! # later = { day = 60.0, set = ["interventions.opg_expression=1"] }
//! [[claims]]
//! text = "Mineral rises with Pi above 1.4 mM"
//! kind = "increasing"     # see ClaimKind
//! arms = ["pi_1.4", "pi_2.0", "pi_3.0"]
//! readout = "ca_deposit_ug_per_mg_protein"
//! how = "dose-dependent → strictly increasing means"
//! ```

use crate::error::ConfigError;
use crate::scenario::{Override, Scenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A change applied part-way through an arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Later {
    /// When, in days from the start.
    pub day: f64,
    /// Overrides applied then, on top of the arm's.
    pub set: Vec<String>,
}

/// One arm: the base scenario with overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    /// Short name used by claims.
    pub name: String,
    /// Overrides, `key=value`.
    #[serde(default)]
    pub set: Vec<String>,
    /// An optional change during the run.
    #[serde(default)]
    pub later: Option<Later>,
}

/// How a claim compares readouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// readout(arm) ≤ value.
    AtMost,
    /// readout(arm) ≥ value.
    AtLeast,
    /// min ≤ readout(arm) / readout(reference) ≤ max.
    Ratio,
    /// min ≤ 1 − readout(arm) / readout(reference) ≤ max.
    Reduction,
    /// readout strictly increases along `arms`.
    Increasing,
    /// readout strictly decreases along `arms`.
    Decreasing,
}

/// One claim of a paper, turned into a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The claim in words.
    pub text: String,
    /// How it is checked.
    pub kind: ClaimKind,
    /// Readout: a summary series name, optionally `@day` for a value at that day.
    pub readout: String,
    /// The arm (at_most, at_least, ratio, reduction).
    #[serde(default)]
    pub arm: Option<String>,
    /// The reference arm (ratio, reduction); may carry its own `@day` readout via `reference_readout`.
    #[serde(default)]
    pub reference: Option<String>,
    /// Readout of the reference arm if it differs (e.g. the same series at an earlier day).
    #[serde(default)]
    pub reference_readout: Option<String>,
    /// Arms in order (increasing, decreasing).
    #[serde(default)]
    pub arms: Vec<String>,
    /// Bound for at_most, at_least.
    #[serde(default)]
    pub value: Option<f64>,
    /// Lower bound for ratio, reduction.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound for ratio, reduction.
    #[serde(default)]
    pub max: Option<f64>,
    /// How the qualitative claim became this number.
    pub how: String,
    /// Set when the model does not yet reproduce the claim: why. An open
    /// claim is still run and reported, but its failure does not fail the suite.
    #[serde(default)]
    pub open: Option<String>,
}

/// A whole experiment file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Short name, used in the report.
    pub name: String,
    /// Title for the summary and the figure.
    pub title: String,
    /// Where the expected outcome comes from: works by key of `docs/references.md` in brackets.
    pub source: String,
    /// Duration of every arm, days.
    pub days: f64,
    /// Seeds per arm.
    #[serde(default = "one")]
    pub replicates: u64,
    /// The scenario every arm starts from, TOML text.
    pub base: String,
    /// Overrides that make a run quick (smaller tissue, coarser step) for `--quick`.
    #[serde(default)]
    pub quick: Vec<String>,
    /// The arms.
    pub arms: Vec<Arm>,
    /// The claims.
    pub claims: Vec<Claim>,
}

fn one() -> u64 {
    1
}

impl Experiment {
    /// Parses and checks an experiment file: every arm's scenario must be
    /// valid and every claim must name existing arms and readouts.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let e: Experiment = crate::scenario::parse_toml(text, origin)?;
        let mut problems = Vec::new();
        if !(e.days.is_finite() && e.days > 0.0) {
            problems.push(format!("{origin}: days = {} must be > 0", e.days));
        }
        if e.replicates == 0 {
            problems.push(format!("{origin}: replicates must be at least 1"));
        }
        let names: Vec<&str> = e.arms.iter().map(|a| a.name.as_str()).collect();
        for arm in &e.arms {
            if let Err(err) = e.scenario(arm, 1, false) {
                problems.push(format!("{origin}: arm '{}': {err}", arm.name));
            }
            if let Some(l) = &arm.later {
                if !(l.day > 0.0 && l.day < e.days) {
                    problems.push(format!(
                        "{origin}: arm '{}': later.day = {} must lie inside the run (0, {})",
                        arm.name, l.day, e.days
                    ));
                }
                if let Err(err) = e.later_scenario(arm, 1, false) {
                    problems.push(format!("{origin}: arm '{}' later: {err}", arm.name));
                }
            }
        }
        for (i, c) in e.claims.iter().enumerate() {
            let label = format!("{origin}: claim {} ('{}')", i + 1, c.text);
            let mut needed: Vec<&String> = c.arms.iter().collect();
            needed.extend(c.arm.iter());
            needed.extend(c.reference.iter());
            for a in needed {
                if !names.contains(&a.as_str()) {
                    problems.push(format!("{label}: no arm named '{a}'; arms are {names:?}"));
                }
            }
            for r in std::iter::once(&c.readout).chain(c.reference_readout.iter()) {
                let (series, day) = split_readout(r);
                if !crate::Summary::NAMES.contains(&series) {
                    problems.push(format!("{label}: unknown readout '{series}'"));
                }
                if let Some(Err(_)) | Some(Ok(None)) = day.map(|d| d.parse::<f64>().map(Some)) {
                    problems.push(format!(
                        "{label}: '{r}': expected SERIES@DAY with DAY a number"
                    ));
                }
            }
            let ok = match c.kind {
                ClaimKind::AtMost | ClaimKind::AtLeast => c.arm.is_some() && c.value.is_some(),
                ClaimKind::Ratio | ClaimKind::Reduction => {
                    c.arm.is_some() && c.reference.is_some() && (c.min.is_some() || c.max.is_some())
                }
                ClaimKind::Increasing | ClaimKind::Decreasing => c.arms.len() >= 2,
            };
            if !ok {
                problems.push(format!(
                    "{label}: a {:?} claim needs {}",
                    c.kind,
                    match c.kind {
                        ClaimKind::AtMost | ClaimKind::AtLeast => "`arm` and `value`",
                        ClaimKind::Ratio | ClaimKind::Reduction =>
                            "`arm`, `reference` and `min` or `max`",
                        _ => "at least two `arms`",
                    }
                ));
            }
        }
        if problems.is_empty() {
            Ok(e)
        } else {
            Err(ConfigError { problems })
        }
    }

    fn overrides(
        &self,
        sets: &[&String],
        seed: u64,
        quick: bool,
    ) -> Result<Vec<Override>, ConfigError> {
        let mut all: Vec<String> = vec![
            format!("simulation.duration_days={}", self.days),
            format!("simulation.seed={seed}"),
        ];
        if quick {
            all.extend(self.quick.iter().cloned());
        }
        all.extend(sets.iter().map(|s| (*s).clone()));
        all.iter().map(|s| Override::parse(s)).collect()
    }

    /// The scenario of an arm for one seed.
    pub fn scenario(&self, arm: &Arm, seed: u64, quick: bool) -> Result<Scenario, ConfigError> {
        let sets: Vec<&String> = arm.set.iter().collect();
        Scenario::from_toml(
            &self.base,
            &format!("experiment {} arm {}", self.name, arm.name),
            &self.overrides(&sets, seed, quick)?,
        )
    }

    /// The scenario of an arm after its `later` change.
    pub fn later_scenario(
        &self,
        arm: &Arm,
        seed: u64,
        quick: bool,
    ) -> Result<Option<Scenario>, ConfigError> {
        let Some(l) = &arm.later else { return Ok(None) };
        let sets: Vec<&String> = arm.set.iter().chain(l.set.iter()).collect();
        Scenario::from_toml(
            &self.base,
            &format!("experiment {} arm {} (later)", self.name, arm.name),
            &self.overrides(&sets, seed, quick)?,
        )
        .map(Some)
    }
}

/// `series@day` → (series, Some(day text)).
pub fn split_readout(r: &str) -> (&str, Option<&str>) {
    match r.split_once('@') {
        Some((s, d)) => (s, Some(d)),
        None => (r, None),
    }
}

/// Daily summaries of one arm (means over replicates): series name → values
/// at day 0, 1, 2, … and at the end.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ArmCurves {
    /// Days of the samples.
    pub day: Vec<f64>,
    /// Series name → values, parallel to `day`.
    pub series: BTreeMap<String, Vec<f64>>,
}

impl ArmCurves {
    /// The value of a readout (`series` at the end, or `series@day` at the
    /// sample nearest that day).
    pub fn readout(&self, r: &str) -> Option<f64> {
        let (name, day) = split_readout(r);
        let values = self.series.get(name)?;
        match day {
            None => values.last().copied(),
            Some(d) => {
                let d: f64 = d.parse().ok()?;
                let i = self
                    .day
                    .iter()
                    .enumerate()
                    .min_by(|a, b| (a.1 - d).abs().total_cmp(&(b.1 - d).abs()))?
                    .0;
                values.get(i).copied()
            }
        }
    }
}

/// One line of `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimResult {
    /// Experiment name.
    pub experiment: String,
    /// The claim in words.
    pub claim: String,
    /// The expected outcome, as a checkable statement.
    pub expected: String,
    /// What the simulation gave.
    pub simulated: String,
    /// Whether it holds.
    pub pass: bool,
    /// How the qualitative claim became a number.
    pub how: String,
    /// Readout used.
    pub readout: String,
    /// Why the claim is known not to hold yet, if it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
    /// The number the claim is judged on: the readout (at_most, at_least),
    /// the ratio or the reduction; none for an ordering.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The claim judged on each replicate (seed) alone, the arms paired by
    /// seed: how robust the verdict on the means is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicates: Option<ReplicateCheck>,
}

/// A claim judged seed by seed ([`with_replicates`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicateCheck {
    /// Replicates judged.
    pub n: usize,
    /// Replicates on which the claim holds.
    pub hold: usize,
    /// Smallest and largest per-replicate value (no values for an ordering).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

impl ReplicateCheck {
    /// `"2 of 3 hold (0.1712–0.2301)"`, the summary's wording.
    pub fn describe(&self) -> String {
        let mut s = format!("{} of {} hold", self.hold, self.n);
        if let Some([lo, hi]) = self.range {
            s.push_str(&format!(" ({lo:.4}–{hi:.4})"));
        }
        s
    }
}

/// Adds to each claim of `results` (the verdicts on the replicate means) how
/// it fares on each replicate alone: `per_seed[s]` are the results of
/// [`evaluate`] on seed `s`'s curves, in the same claim order. The verdict
/// itself stays the one on the means.
pub fn with_replicates(results: &mut [ClaimResult], per_seed: &[Vec<ClaimResult>]) {
    for (i, r) in results.iter_mut().enumerate() {
        let seeds: Vec<&ClaimResult> = per_seed.iter().filter_map(|s| s.get(i)).collect();
        if seeds.is_empty() {
            continue;
        }
        let values: Vec<f64> = seeds.iter().filter_map(|s| s.value).collect();
        let range = (values.len() == seeds.len()).then(|| {
            values
                .iter()
                .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], &v| {
                    [lo.min(v), hi.max(v)]
                })
        });
        r.replicates = Some(ReplicateCheck {
            n: seeds.len(),
            hold: seeds.iter().filter(|s| s.pass).count(),
            range,
        });
    }
}

/// Evaluates every claim of `e` on the arms' curves. In `direction_only`
/// mode (the quick suite) bands are relaxed to their direction: a ratio must
/// only be on the same side of 1 as its band, a reduction only positive.
pub fn evaluate(
    e: &Experiment,
    curves: &BTreeMap<String, ArmCurves>,
    direction_only: bool,
) -> Vec<ClaimResult> {
    e.claims
        .iter()
        .map(|c| {
            let get = |arm: &str, r: &str| curves.get(arm).and_then(|a| a.readout(r));
            let fmt = |v: f64| format!("{v:.4}");
            let (expected, simulated, pass, value) = match c.kind {
                ClaimKind::AtMost | ClaimKind::AtLeast => {
                    let arm = c.arm.clone().unwrap_or_default();
                    let value = c.value.unwrap_or(f64::NAN);
                    let got = get(&arm, &c.readout).unwrap_or(f64::NAN);
                    let (op, ok) = if c.kind == ClaimKind::AtMost {
                        ("≤", got <= value)
                    } else {
                        ("≥", got >= value)
                    };
                    (
                        format!("{} of {arm} {op} {value}", c.readout),
                        fmt(got),
                        ok,
                        Some(got),
                    )
                }
                ClaimKind::Ratio | ClaimKind::Reduction => {
                    let arm = c.arm.clone().unwrap_or_default();
                    let reference = c.reference.clone().unwrap_or_default();
                    let rr = c.reference_readout.as_deref().unwrap_or(&c.readout);
                    let a = get(&arm, &c.readout).unwrap_or(f64::NAN);
                    let b = get(&reference, rr).unwrap_or(f64::NAN);
                    // 0 / 0 says nothing either way: the claim cannot be judged
                    // and does not pass.
                    let ratio = if b != 0.0 {
                        a / b
                    } else if a == 0.0 {
                        f64::NAN
                    } else {
                        f64::INFINITY
                    };
                    let (label, x) = if c.kind == ClaimKind::Ratio {
                        ("ratio", ratio)
                    } else {
                        ("reduction", 1.0 - ratio)
                    };
                    let (mut lo, mut hi) = (
                        c.min.unwrap_or(f64::NEG_INFINITY),
                        c.max.unwrap_or(f64::INFINITY),
                    );
                    if direction_only {
                        let pivot = if c.kind == ClaimKind::Ratio { 1.0 } else { 0.0 };
                        if lo > pivot {
                            (lo, hi) = (pivot, f64::INFINITY);
                        } else if hi < pivot {
                            (lo, hi) = (f64::NEG_INFINITY, pivot);
                        }
                    }
                    let ok = x >= lo && x <= hi;
                    (
                        format!(
                            "{label} of {} ({arm} vs {reference}) in [{lo}, {hi}]",
                            c.readout
                        ),
                        format!("{label} {} ({} / {})", fmt(x), fmt(a), fmt(b)),
                        ok,
                        Some(x),
                    )
                }
                ClaimKind::Increasing | ClaimKind::Decreasing => {
                    let vals: Vec<f64> = c
                        .arms
                        .iter()
                        .map(|a| get(a, &c.readout).unwrap_or(f64::NAN))
                        .collect();
                    let up = c.kind == ClaimKind::Increasing;
                    // Direction only: never against the direction, and overall along it.
                    let ok = if direction_only {
                        let (first, last) = (vals[0], vals[vals.len() - 1]);
                        vals.windows(2)
                            .all(|w| if up { w[1] >= w[0] } else { w[1] <= w[0] })
                            && if up { last > first } else { last < first }
                    } else {
                        vals.windows(2)
                            .all(|w| if up { w[1] > w[0] } else { w[1] < w[0] })
                    };
                    (
                        format!(
                            "{} {} along {}",
                            c.readout,
                            if c.kind == ClaimKind::Increasing {
                                "strictly increases"
                            } else {
                                "strictly decreases"
                            },
                            c.arms.join(" → ")
                        ),
                        vals.iter().map(|v| fmt(*v)).collect::<Vec<_>>().join(" → "),
                        ok,
                        None,
                    )
                }
            };
            ClaimResult {
                experiment: e.name.clone(),
                claim: c.text.clone(),
                expected,
                simulated,
                pass,
                how: c.how.clone(),
                readout: c.readout.clone(),
                open: c.open.clone(),
                value,
                replicates: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
name = "t"
title = "t"
source = "t"
days = 1.0
base = 'mode = "culture"'
[[arms]]
name = "a"
[[arms]]
name = "b"
[[claims]]
text = "b at least matches a"
kind = "ratio"
arm = "b"
reference = "a"
readout = "mineral_volume_um3"
min = 1.0
how = "test"
"#;

    fn curves(a: f64, b: f64) -> BTreeMap<String, ArmCurves> {
        let arm = |v: f64| ArmCurves {
            day: vec![1.0],
            series: BTreeMap::from([("mineral_volume_um3".to_string(), vec![v])]),
        };
        BTreeMap::from([("a".to_string(), arm(a)), ("b".to_string(), arm(b))])
    }

    /// A ratio of two zeros says nothing: the claim does not pass (it used
    /// to pass as ratio 1, a check that could not fail).
    #[test]
    fn zero_over_zero_does_not_pass_a_ratio_claim() {
        let e = Experiment::from_toml(TEXT, "t.toml").expect("valid");
        assert!(evaluate(&e, &curves(2.0, 2.0), false)[0].pass);
        assert!(!evaluate(&e, &curves(2.0, 1.0), false)[0].pass);
        let r = &evaluate(&e, &curves(0.0, 0.0), false)[0];
        assert!(!r.pass, "{}", r.simulated);
        assert!(r.simulated.contains("NaN"), "{}", r.simulated);
    }

    /// Each claim is also judged seed by seed: how many replicates hold
    /// and the range of their values, while the verdict stays the means'.
    #[test]
    fn replicates_are_judged_one_by_one() {
        let e = Experiment::from_toml(TEXT, "t.toml").expect("valid");
        // Seed 1: b/a = 1.5 holds; seed 2: 0.75 does not; the means 1.2/1.05 hold.
        let seeds = [curves(1.0, 1.5), curves(1.1, 0.825)];
        let mut mean = evaluate(&e, &curves(1.05, 1.1625), false);
        let per_seed: Vec<_> = seeds.iter().map(|c| evaluate(&e, c, false)).collect();
        with_replicates(&mut mean, &per_seed);
        let r = &mean[0];
        assert!(r.pass);
        let check = r.replicates.as_ref().expect("judged per replicate");
        assert_eq!((check.n, check.hold), (2, 1));
        let [lo, hi] = check.range.expect("a ratio has values");
        assert!(
            (lo - 0.75).abs() < 1e-12 && (hi - 1.5).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert_eq!(check.describe(), "1 of 2 hold (0.7500–1.5000)");
        // An ordering has no value and so no range.
        let text = TEXT
            .replace(
                "kind = \"ratio\"\narm = \"b\"\nreference = \"a\"",
                "kind = \"increasing\"\narms = [\"a\", \"b\"]",
            )
            .replace("min = 1.0\n", "");
        let e = Experiment::from_toml(&text, "t.toml").expect("valid ordering");
        let mut mean = evaluate(&e, &curves(1.05, 1.1625), false);
        assert_eq!(mean[0].value, None);
        let per_seed: Vec<_> = seeds.iter().map(|c| evaluate(&e, c, false)).collect();
        with_replicates(&mut mean, &per_seed);
        let check = mean[0].replicates.as_ref().expect("judged");
        assert_eq!((check.n, check.hold, check.range), (2, 1, None));
    }
}
