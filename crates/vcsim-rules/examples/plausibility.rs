//! Plausibility of the patient model: every preset × every drug at its usual
//! dose (and no drug), one year after the spin-up, hour by hour. Each hourly
//! serum value (intradialytic hours included) must stay inside the human
//! ranges of `docs/plausibility.md`; prints Markdown tables preset × drug
//! with pass/fail and the worst excursion: one for the drugs people are given
//! (at their label doses), one for the research agents, whose doses come from
//! animal experiments because no human regimen exists.
//!
//! A third table runs the same drugs through the CKD history of
//! `configs/histories/ckd4_to_hd.toml` (CKD 4 → haemodialysis, then down to
//! the residual eGFR floor), over its whole duration.
//!
//! Exits with status 1 when a row of the first table fails (the check), 2 on
//! a bad argument; the history's and the research agents' rows are reported,
//! not judged (docs/plausibility.md says why).
//!
//! Run: `cargo run --release -p vcsim-rules --example plausibility [days] [section.key=value ...]`.

use vcsim_rules::patient::{Patient, PatientFactors};
use vcsim_rules::{Override, Scenario};

/// The patient presets (the built-in scenarios, without the `smoke` test
/// scenario), with their scenario text.
fn presets() -> Vec<(&'static str, &'static str)> {
    vcsim_rules::presets::SCENARIOS
        .iter()
        .copied()
        .filter(|(name, _)| *name != "smoke")
        .collect()
}

/// CKD histories, run over their whole duration: the transitions (kidney
/// function falling, dialysis starting) with each drug from day 0.
const HISTORIES: [(&str, &str); 1] = [(
    "ckd4_to_hd",
    include_str!("../../../configs/histories/ckd4_to_hd.toml"),
)];

/// Drugs people are given, at their usual (label) doses, in units of
/// `Drug::unit`; "none" is the untreated preset.
const DRUGS: [(&str, f64); 10] = [
    ("none", 0.0),
    ("sevelamer", 4.8),
    ("lanthanum_carbonate", 2.25),
    ("calcium_carbonate", 3.0),
    ("magnesium_carbonate", 2.0),
    ("ferric_citrate", 6.0),
    ("cinacalcet", 60.0),
    ("bisphosphonate", 10.0),
    ("denosumab", 60.0),
    ("calcitriol", 0.5),
];

/// Research agents: no human regimen exists, so their doses come from animal
/// experiments (TEMPOL-like scavenging, the mouse BMP-7 dose of davies2003,
/// a daily PPi bolus after the rat experiments of oneill2011).
const RESEARCH: [(&str, f64); 3] = [("antioxidant", 0.5), ("bmp7", 10.0), ("exogenous_ppi", 3.0)];

/// (name, unit, low, high): the human ranges of docs/plausibility.md.
const RANGES: [(&str, &str, f64, f64); 7] = [
    ("Ca", "mM", 1.9, 2.75),
    ("iCa", "mM", 0.95, 1.4),
    ("Pi", "mM", 0.6, 2.6),
    ("PTH", "pg/mL", 10.0, 1700.0),
    ("FGF23", "RU/mL", 20.0, 5000.0),
    ("Mg", "mM", 0.6, 1.5),
    ("T50", "min", 150.0, 450.0),
];

struct Outcome {
    /// Worst relative excursion outside a range (0: inside all).
    worst: f64,
    what: String,
    /// Minimum and maximum of each analyte.
    span: [(f64, f64); 7],
}

/// Runs `text` for `days` (None: the scenario's own duration).
fn run(text: &str, days: Option<u64>, sets: &[Override]) -> Result<Outcome, String> {
    let sc = Scenario::from_toml(text, "plausibility", sets).map_err(|e| e.to_string())?;
    let days = days.unwrap_or(sc.simulation.duration_days.ceil() as u64);
    let p = Patient::new(&sc, &PatientFactors::ONE);
    p.check().map_err(|e| e.to_string())?;
    let mut st = p.initial_state();
    let mut out = Outcome {
        worst: 0.0,
        what: String::new(),
        span: [(f64::INFINITY, f64::NEG_INFINITY); 7],
    };
    for h in 0..days * 24 {
        let t = h as f64;
        let r = p.advance(&mut st, t, 1.0);
        let x = p.serum_record(&st, t + 1.0, &r);
        let v = [
            x.ca_mM,
            x.ica_mM,
            x.pi_mM,
            x.pth_pg_mL,
            x.fgf23,
            x.mg_mM,
            x.t50_min,
        ];
        for (i, ((name, unit, lo, hi), v)) in RANGES.iter().zip(v).enumerate() {
            let s = &mut out.span[i];
            *s = (s.0.min(v), s.1.max(v));
            let ex = if v < *lo {
                1.0 - v / lo
            } else if v > *hi {
                v / hi - 1.0
            } else {
                0.0
            };
            if ex > out.worst {
                out.worst = ex;
                let side = if v < *lo { "<" } else { ">" };
                let bound = if v < *lo { lo } else { hi };
                out.what = format!("{name} {v:.3} {side} {bound} {unit} (day {})", h / 24);
            }
        }
    }
    Ok(out)
}

/// Counts of one table of `presets` × `drugs`: (pass, fail, not given).
fn table(
    presets: &[(&str, &str)],
    drugs: &[(&str, f64)],
    days: Option<u64>,
    sets: &[Override],
) -> (u32, u32, u32) {
    println!(
        "| preset | drug (dose) | result | worst excursion | Ca mM | iCa mM | Pi mM | PTH pg/mL | FGF23 RU/mL | Mg mM | T50 min |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for &(preset, text) in presets {
        for &(drug, dose) in drugs {
            let scenario = if drug == "none" {
                text.to_string()
            } else {
                format!("{text}\n[[treatments]]\ndrug = \"{drug}\"\ndose = {dose}\n")
            };
            let label = if drug == "none" {
                "none".to_string()
            } else {
                format!("{drug} ({dose})")
            };
            match run(&scenario, days, sets) {
                Ok(o) => {
                    let ok = o.worst == 0.0;
                    if ok {
                        pass += 1;
                    } else {
                        fail += 1;
                    }
                    let spans: Vec<String> = o
                        .span
                        .iter()
                        .map(|(a, b)| {
                            if b.abs() >= 100.0 {
                                format!("{a:.0}–{b:.0}")
                            } else {
                                format!("{a:.2}–{b:.2}")
                            }
                        })
                        .collect();
                    println!(
                        "| {preset} | {label} | {} | {} | {} |",
                        if ok { "pass" } else { "FAIL" },
                        if ok { "—".to_string() } else { o.what },
                        spans.join(" | ")
                    );
                }
                Err(e) => {
                    skip += 1;
                    println!("| {preset} | {label} | not given | {e} | | | | | | | |");
                }
            }
        }
    }
    (pass, fail, skip)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let days: u64 = match args.first() {
        None => 365,
        Some(a) => match a.parse() {
            Ok(d) if d > 0 => d,
            _ => {
                eprintln!("plausibility: days = {a:?}: expected a whole number of days ≥ 1");
                std::process::exit(2);
            }
        },
    };
    // Further arguments: `section.key=value` overrides (for exploring).
    let mut sets = Vec::new();
    for a in args.iter().skip(1) {
        match Override::parse(a) {
            Ok(o) => sets.push(o),
            Err(e) => {
                eprintln!("plausibility: {a:?}: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("## Drugs people are given, at their usual doses\n");
    let (pass, fail, skip) = table(&presets(), &DRUGS, Some(days), &sets);
    println!(
        "\n{pass} pass, {fail} fail, {skip} not given ({days} days after the spin-up, hourly values).\n"
    );
    println!(
        "## The same drugs through a CKD history (its whole duration; reported, not judged yet)\n"
    );
    let (hp, hf, hs) = table(&HISTORIES, &DRUGS, None, &sets);
    println!("\n{hp} pass, {hf} fail, {hs} not given.\n");
    println!("## Research agents (doses from animal experiments; reported, not judged)\n");
    let (rp, rf, rs) = table(&presets(), &RESEARCH, Some(days), &sets);
    println!("\n{rp} pass, {rf} fail, {rs} not given.");
    if fail > 0 {
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check can fail: dialysate Ca of 2 mM takes a dialysis patient's
    /// total Ca above 2.75 mM within weeks, and the worst excursion names it;
    /// the untreated preset stays inside every range.
    #[test]
    fn the_check_flags_an_excursion_and_passes_the_preset() {
        let ckd5d = presets()
            .into_iter()
            .find(|(n, _)| *n == "ckd5d")
            .expect("ckd5d preset")
            .1;
        let ok = run(ckd5d, Some(60), &[]).expect("runs");
        assert_eq!(ok.worst, 0.0, "{}", ok.what);
        let high = Override::parse("dialysis.dialysate_calcium_mM=2.0").expect("override");
        let bad = run(ckd5d, Some(60), &[high]).expect("runs");
        assert!(bad.worst > 0.0);
        assert!(
            bad.what.starts_with("Ca ") && bad.what.contains("> 2.75"),
            "{}",
            bad.what
        );
    }

    /// A drug refused by the model is "not given", not a pass.
    #[test]
    fn a_refused_drug_is_an_error() {
        let text = format!(
            "{}\n[[treatments]]\ndrug = \"bisphosphonate\"\ndose = 10\n",
            presets()
                .into_iter()
                .find(|(n, _)| *n == "ckd5d")
                .expect("ckd5d")
                .1
        );
        let e = run(&text, Some(1), &[]).err().expect("refused");
        assert!(e.contains("eGFR"), "{e}");
    }
}
