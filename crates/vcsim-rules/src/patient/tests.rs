//! Tests of the patient model: presets in the ranges of the literature,
//! treatments moving their targets, dialysis, mass balance, variability.

use super::*;
use crate::scenario::Override;

/// The patient of a scenario text with overrides.
pub(crate) fn patient(text: &str, sets: &[&str]) -> (Patient, PatientState) {
    let o: Vec<Override> = sets
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
    let sc = Scenario::from_toml(text, "test", &o).expect("valid scenario");
    let p = Patient::new(&sc, &PatientFactors::ONE);
    let st = p.initial_state();
    (p, st)
}

/// A preset scenario file of `configs/`.
pub(crate) fn preset(name: &str) -> &'static str {
    match name {
        "healthy" => include_str!("../../../../configs/healthy.toml"),
        "ckd3" => include_str!("../../../../configs/ckd3.toml"),
        "ckd4" => include_str!("../../../../configs/ckd4.toml"),
        "ckd5" => include_str!("../../../../configs/ckd5.toml"),
        "ckd5d" => include_str!("../../../../configs/ckd5d.toml"),
        _ => panic!("no preset {name}"),
    }
}

/// Mean serum record over four weeks of a preset; for dialysis, the
/// pre-dialysis values (the hour before each session starts).
pub(crate) fn settled(name: &str, sets: &[&str]) -> (SerumRecord, BoneRecord) {
    let (p, mut st) = patient(preset(name), sets);
    let mut acc = vec![0.0; SerumRecord::NAMES.len()];
    let mut bacc = vec![0.0; BoneRecord::NAMES.len()];
    let mut n = 0.0;
    for h in 0..(28 * 24) {
        let t = h as f64;
        let r = p.advance(&mut st, t, 1.0);
        let pre =
            p.dialysis.sessions_per_week == 0.0 || p.dialysing(t + 1.5) && !p.dialysing(t + 0.5);
        if pre {
            for (a, v) in acc
                .iter_mut()
                .zip(p.serum_record(&st, t + 1.0, &r).values())
            {
                *a += v;
            }
            for (a, v) in bacc
                .iter_mut()
                .zip(Patient::bone_record(&st, t + 1.0, &r).values())
            {
                *a += v;
            }
            n += 1.0;
        }
    }
    let serum = SerumRecord::NAMES
        .iter()
        .zip(&acc)
        .map(|(_, v)| v / n)
        .collect::<Vec<_>>();
    let bone = bacc.iter().map(|v| v / n).collect::<Vec<_>>();
    (record_from(&serum), bone_from(&bone))
}

fn record_from(v: &[f64]) -> SerumRecord {
    SerumRecord::from_values(v).expect("one value per serum series")
}

fn bone_from(v: &[f64]) -> BoneRecord {
    BoneRecord::from_values(v).expect("one value per bone series")
}

#[test]
#[ignore = "calibration printout"]
fn print_presets() {
    for name in ["healthy", "ckd3", "ckd4", "ckd5", "ckd5d"] {
        let (m, b) = settled(name, &[]);
        println!("{name}: {m:?}\n   {b:?}");
    }
}

/// A band check with a message naming the preset and the analyte.
fn within(name: &str, what: &str, v: f64, lo: f64, hi: f64) {
    assert!(
        v >= lo && v <= hi,
        "{name}: {what} = {v:.3} outside [{lo}, {hi}]"
    );
}

/// Each preset settles in the serum ranges by CKD stage below: laboratory
/// ranges, Pi [gutierrez2008] [chertow2002], FGF23 [isakova2011]
/// [gutierrez2008], fetuin-A [hermans2007], PPi [lomashvili2005], Mg
/// [tzanakis2014], T50 [prevend] [bundy2019] [bressendorff2018]; stage
/// values without a study are estimates. Where a stage value is an
/// estimate or a recalled median, 15% is added on each side (noted per
/// row). The dialysis preset is read pre-dialysis, as the ranges are.
#[test]
fn presets_settle_in_table_1a_ranges() {
    let e = |lo: f64, hi: f64| (lo * 0.85, hi * 1.15);
    type Row = (&'static str, f64, f64);
    let table: [(&str, Vec<Row>); 5] = [
        (
            "healthy",
            vec![
                ("pi", 0.81, 1.45),
                ("ca", 2.12, 2.55),
                ("pth", 10.0, 65.0),
                ("fgf23", 30.0, 70.0),
                ("fetuin", 0.5, 1.0),
                ("ppi", 3.09, 3.43),
                ("mg", 0.70, 1.0),
                ("t50", 329.0 - 58.0, 329.0 + 58.0),
            ],
        ),
        (
            "ckd3",
            vec![
                ("pi", 1.13, 1.23),
                ("ca", 2.12, 2.55),
                ("pth", e(50.0, 70.0).0, e(50.0, 70.0).1),
                ("fgf23", 100.0, 150.0),
                ("fetuin", 0.5, 0.8),
                ("mg", 0.8, 0.95),
                ("t50", 313.0 - 79.0, 313.0 + 79.0),
            ],
        ),
        (
            "ckd4",
            vec![
                ("pi", 1.29, 1.45),
                ("ca", 2.12, 2.55),
                ("pth", e(100.0, 150.0).0, e(100.0, 150.0).1),
                ("fgf23", 150.0, 300.0),
                ("fetuin", 0.5, 0.7),
                ("mg", 0.85, 1.0),
                ("t50", 313.0 - 79.0, 313.0),
            ],
        ),
        (
            "ckd5",
            vec![
                ("pi", 1.45, 1.78),
                ("ca", 2.12, 2.55),
                ("pth", e(150.0, 300.0).0, e(150.0, 300.0).1),
                ("fgf23", 300.0, 1000.0),
                ("fetuin", 0.4, 0.7),
                ("mg", 0.9, 1.1),
            ],
        ),
        (
            "ckd5d",
            vec![
                ("pi", 1.6, 1.8),
                ("ca", 2.25, 2.37),
                ("pth", 250.0, 450.0),
                // C-terminal FGF23 of incident HD: median 1406 (survivors) to 2260.
                ("fgf23", 1000.0, 2260.0),
                ("fetuin", e(0.6, 0.6).0, e(0.6, 0.6).1),
                ("ppi", 2.26 - 0.19, 2.26 + 0.19),
                ("mg", 1.04 - 0.11, 1.04 + 0.11),
                ("t50", 230.0, 290.0),
            ],
        ),
    ];
    for (name, rows) in table {
        let (r, _) = settled(name, &[]);
        for (what, lo, hi) in rows {
            let v = match what {
                "pi" => r.pi_mM,
                "ca" => r.ca_mM,
                "pth" => r.pth_pg_mL,
                "fgf23" => r.fgf23,
                "fetuin" => r.fetuin_a_g_L,
                "ppi" => r.ppi_uM,
                "mg" => r.mg_mM,
                "t50" => r.t50_min,
                _ => unreachable!(),
            };
            within(name, what, v, lo, hi);
        }
    }
}

/// Serum phosphate, PTH and FGF23 rise and calcitriol, Klotho and
/// fetuin-A fall from one stage to the next ([seed-review], M8, M9).
#[test]
fn stages_are_ordered() {
    let stages: Vec<SerumRecord> = ["healthy", "ckd3", "ckd4", "ckd5"]
        .iter()
        .map(|n| settled(n, &[]).0)
        .collect();
    for w in stages.windows(2) {
        assert!(w[1].pi_mM > w[0].pi_mM);
        assert!(w[1].pth_pg_mL > w[0].pth_pg_mL);
        assert!(w[1].fgf23 > w[0].fgf23);
        assert!(w[1].calcitriol_rel < w[0].calcitriol_rel);
        assert!(w[1].klotho_rel < w[0].klotho_rel);
        assert!(w[1].fetuin_a_g_L < w[0].fetuin_a_g_L);
        assert!(w[1].indoxyl_sulfate_uM > w[0].indoxyl_sulfate_uM);
        assert!(w[1].t50_min < w[0].t50_min + 1.0);
    }
}

/// The closed form of T50 is the half time of the ripening ODE.
#[test]
fn t50_closed_form_solves_the_ripening_ode() {
    let p = InhibitorParams::default();
    for (pi, fet) in [(1.1, 0.75), (1.8, 0.55), (2.5, 0.3)] {
        let cpp = crate::scenario::params::MineralParams::default().cpp_half_g_per_L;
        let t50 = t50_min(pi, 2.3, 0.9, fet, 2.5, &p, cpp);
        // Integrate ds/dt = (a + b s)(1 − s) with the same a, b.
        let f = p.t50_serum_fraction;
        let drive = (((p.t50_added_calcium_mM + f * 2.3) * (p.t50_added_phosphate_mM + f * pi))
            / ((p.t50_added_calcium_mM + f * NORMAL_CA_MM)
                * (p.t50_added_phosphate_mM + f * NORMAL_PI_MM)))
            .powf(p.t50_product_exponent);
        let inh = (1.0 + f * fet / cpp)
            * (1.0 + f * 0.9 / p.t50_magnesium_half_mM)
            * (1.0 + f * 2.5 / p.t50_ppi_half_uM);
        let (a, b) = (
            p.t50_nucleation_per_h * drive / inh,
            p.t50_growth_per_h * drive / inh,
        );
        let (mut s, mut t, h) = (0.0f64, 0.0f64, 1e-4);
        while s < 0.5 {
            // Midpoint rule.
            let k1 = (a + b * s) * (1.0 - s);
            let sm = s + 0.5 * h * k1;
            s += h * (a + b * sm) * (1.0 - sm);
            t += h;
        }
        assert!(
            (t * 60.0 - t50).abs() < 0.01 * t50,
            "ODE {} vs closed form {t50}",
            t * 60.0
        );
    }
}

/// T50 rises with dialysate Mg 0.5 → 1.0 mM (Bressendorff 2018) and when
/// a calcium binder is switched to lanthanum (Nakamura 2020).
#[test]
fn t50_responds_to_dialysate_magnesium_and_binder_switch() {
    let (low, _) = settled("ckd5d", &[]);
    let (high, _) = settled("ckd5d", &["dialysis.dialysate_magnesium_mM=1.0"]);
    assert!(
        high.mg_mM > low.mg_mM + 0.1,
        "{} vs {}",
        high.mg_mM,
        low.mg_mM
    );
    assert!(
        high.t50_min > low.t50_min + 10.0,
        "{} vs {}",
        high.t50_min,
        low.t50_min
    );
    let text = |drug: &str, dose: f64| {
        format!(
            "{}\n[[treatments]]\ndrug = \"{drug}\"\ndose = {dose}\n",
            preset("ckd5d")
        )
    };
    let run = |t: &str| {
        let (p, mut st) = patient(t, &[]);
        // Ten weeks on the binder, then the four weeks read.
        for h in 0..(70 * 24) {
            p.advance(&mut st, h as f64, 1.0);
        }
        let mut acc = 0.0;
        for h in (70 * 24)..(98 * 24) {
            let r = p.advance(&mut st, h as f64, 1.0);
            acc += p.serum_record(&st, h as f64 + 1.0, &r).t50_min / (28.0 * 24.0);
        }
        acc
    };
    let calcium = run(&text("calcium_carbonate", 3.0));
    let lanthanum = run(&text("lanthanum_carbonate", 1.5));
    assert!(
        lanthanum > calcium,
        "T50 on lanthanum {lanthanum} vs calcium carbonate {calcium}"
    );
}

/// Dialysis: serum Pi falls by about half over a session and rebounds,
/// PPi falls by about a third (Lomashvili 2005: −32 ± 5%).
#[test]
fn dialysis_gives_a_sawtooth() {
    let (p, mut st) = patient(preset("ckd5d"), &[]);
    let mut rows = Vec::new();
    for h in 0..168 {
        let r = p.advance(&mut st, h as f64, 1.0);
        rows.push(p.serum_record(&st, h as f64 + 1.0, &r));
    }
    // Monday session 8:00–12:00: record k holds the state at k + 1 h.
    let (pre, post, later) = (&rows[7], &rows[11], &rows[30]);
    let fall = 1.0 - post.pi_mM / pre.pi_mM;
    assert!((0.35..0.7).contains(&fall), "Pi falls by {fall}");
    let ppi_fall = 1.0 - post.ppi_uM / pre.ppi_uM;
    assert!((0.22..0.42).contains(&ppi_fall), "PPi falls by {ppi_fall}");
    assert!(later.pi_mM > post.pi_mM * 1.3, "Pi rebounds");
    assert!(later.ppi_uM > post.ppi_uM * 1.2, "PPi recovers");
    assert!(post.dialysis == 1.0 && later.dialysis == 0.0);
    // Without dialysis the same patient's Pi is far higher.
    let (nd, _) = settled("ckd5d", &["dialysis.sessions_per_week=0"]);
    assert!(nd.pi_mM > pre.pi_mM + 0.5, "{} vs {}", nd.pi_mM, pre.pi_mM);
}

/// The body's phosphate changes exactly by what the gut brings in and
/// the kidney and dialysis take out.
#[test]
fn phosphate_mass_balance_holds() {
    let (p, mut st) = patient(preset("ckd5d"), &["patient.body.spin_up_weeks=4"]);
    let before = Patient::phosphate_amount(&st);
    let mut net = 0.0;
    for h in 0..(21 * 24) {
        let r = p.advance(&mut st, h as f64, 1.0);
        let (abs, urine, dial, _) = r.phosphate_fluxes();
        net += abs - urine - dial;
    }
    let after = Patient::phosphate_amount(&st);
    assert!(
        ((after - before) - net).abs() < 1e-9 * before,
        "Δ {} vs net {}",
        after - before,
        net
    );
}

/// Time mean over weeks 10–14 of a preset with a treatment text appended.
fn treated(name: &str, treatment: &str, sets: &[&str]) -> (SerumRecord, BoneRecord) {
    let text = format!("{}\n{treatment}\n", preset(name));
    let (p, mut st) = patient(&text, sets);
    for h in 0..(70 * 24) {
        p.advance(&mut st, h as f64, 1.0);
    }
    let mut acc = vec![0.0; SerumRecord::NAMES.len()];
    let mut bacc = vec![0.0; BoneRecord::NAMES.len()];
    let n = (28 * 24) as f64;
    for h in (70 * 24)..(98 * 24) {
        let r = p.advance(&mut st, h as f64, 1.0);
        for (a, v) in acc
            .iter_mut()
            .zip(p.serum_record(&st, h as f64 + 1.0, &r).values())
        {
            *a += v / n;
        }
        for (a, v) in bacc
            .iter_mut()
            .zip(Patient::bone_record(&st, h as f64 + 1.0, &r).values())
        {
            *a += v / n;
        }
    }
    (record_from(&acc), bone_from(&bacc))
}

fn rel(a: f64, b: f64) -> f64 {
    a / b - 1.0
}

/// Each treatment moves its target the right way and by a plausible size.
#[test]
fn treatments_move_their_targets() {
    let (base, bone0) = treated("ckd5d", "", &[]);
    let dose =
        |drug: &str, dose: f64| format!("[[treatments]]\ndrug = \"{drug}\"\ndose = {dose}\n");
    // Binders: Pi down by 5–35% at usual doses (Treat-to-Goal: ~1 mg/dL of 6–7).
    for (drug, g) in [
        ("sevelamer", 4.8),
        ("lanthanum_carbonate", 2.25),
        ("calcium_carbonate", 3.0),
        ("magnesium_carbonate", 2.0),
        ("ferric_citrate", 6.0),
    ] {
        let (t, _) = treated("ckd5d", &dose(drug, g), &[]);
        let d = rel(t.pi_mM, base.pi_mM);
        assert!(
            (-0.35..-0.05).contains(&d),
            "{drug} {g} g/day: Pi changes by {d:.3}"
        );
    }
    let (ca, _) = treated("ckd5d", &dose("calcium_carbonate", 3.0), &[]);
    assert!(ca.ca_mM > base.ca_mM, "calcium carbonate adds a Ca load");
    let (mg, _) = treated("ckd5d", &dose("magnesium_carbonate", 2.0), &[]);
    assert!(
        rel(mg.mg_mM, base.mg_mM) > 0.05,
        "MgCO3 raises Mg: {} vs {}",
        mg.mg_mM,
        base.mg_mM
    );
    let (fc, _) = treated("ckd5d", &dose("ferric_citrate", 6.0), &[]);
    let (sev, _) = treated("ckd5d", &dose("sevelamer", 6.0 * 0.64 / 0.75), &[]);
    assert!(
        fc.fgf23 < 0.85 * sev.fgf23,
        "ferric citrate lowers FGF23 beyond its Pi binding"
    );
    // Cinacalcet: PTH −30 to −70%, Ca down (EVOLVE).
    let (cin, _) = treated("ckd5d", &dose("cinacalcet", 60.0), &[]);
    let d = rel(cin.pth_pg_mL, base.pth_pg_mL);
    assert!(
        (-0.7..-0.3).contains(&d),
        "cinacalcet: PTH changes by {d:.3}"
    );
    assert!(cin.ca_mM < base.ca_mM);
    // Denosumab: resorption down, bone mineral up; plasma level tens of nM.
    let (dm, dmb) = treated("ckd5d", &dose("denosumab", 60.0), &[]);
    assert!(dmb.resorption_rel < 0.6 * bone0.resorption_rel);
    // Deep (non-exchangeable) mineral: the exchangeable surface pool
    // shrinks with formation, the deep pool gains.
    assert!(
        dmb.deep_ca_mmol > bone0.deep_ca_mmol,
        "deep bone {} vs {}",
        dmb.deep_ca_mmol,
        bone0.deep_ca_mmol
    );
    assert!(
        (1.0..100.0).contains(&dm.denosumab_nM),
        "denosumab {} nM",
        dm.denosumab_nM
    );
    // BMP-7: formation up, serum Pi down.
    let (bm, bmb) = treated("ckd5d", &dose("bmp7", 10.0), &[]);
    assert!(bmb.formation_rel > 1.2 * bone0.formation_rel);
    assert!(bm.pi_mM < base.pi_mM);
    // Exogenous PPi: the daily mean rises.
    let (pp, _) = treated("ckd5d", &dose("exogenous_ppi", 3.0), &[]);
    assert!(
        pp.ppi_uM > base.ppi_uM * 1.05,
        "{} vs {}",
        pp.ppi_uM,
        base.ppi_uM
    );
    // Bisphosphonate at CKD 3 (eGFR 45 ≥ 35): resorption down, bone up.
    let (_, b3) = treated("ckd3", "", &[]);
    // Calcium-based binders suppress PTH and lower bone turnover more than
    // sevelamer at the same Pi binding (PTH often over-suppressed, low
    // turnover, on Ca-based binders in HD).
    let (cap, cab) = treated("ckd5d", &dose("calcium_carbonate", 3.0), &[]);
    let (sevp, sevb) = treated("ckd5d", &dose("sevelamer", 4.0), &[]);
    assert!(
        cap.pth_pg_mL < 0.75 * sevp.pth_pg_mL && cab.formation_rel < 0.9 * sevb.formation_rel,
        "calcium carbonate PTH {} formation {} vs sevelamer {} {}",
        cap.pth_pg_mL,
        cab.formation_rel,
        sevp.pth_pg_mL,
        sevb.formation_rel
    );
    let (bp, bpb) = treated("ckd3", &dose("bisphosphonate", 10.0), &[]);
    assert!(bpb.resorption_rel < 0.9 * b3.resorption_rel);
    assert!(bpb.bmd_rel > b3.bmd_rel);
    assert!(bp.bisphosphonate_uM > 0.0);
}

/// The systemic drugs reach the tissue: the levels the cells see.
#[test]
fn drugs_reach_the_tissue() {
    let text = format!(
        "{}\n[[treatments]]\ndrug = \"cinacalcet\"\ndose = 60\n[[treatments]]\ndrug = \"antioxidant\"\ndose = 0.5\n[[treatments]]\ndrug = \"denosumab\"\ndose = 60\n",
        preset("ckd5d")
    );
    let (p, mut st) = patient(&text, &[]);
    let mut last = SerumLevels::default();
    for h in 0..(20 * 24) {
        last = p.advance(&mut st, h as f64, 1.0).levels;
    }
    assert!(last.calcimimetic > 0.5, "{}", last.calcimimetic);
    assert_eq!(last.antioxidant, 0.5);
    assert!(last.denosumab_nM > 0.5);
}

/// Mean ionized Ca × Pi over four weeks, the serum drive of vascular mineral.
fn exposure(sets: &[&str]) -> (f64, f64) {
    let (p, mut st) = patient(preset("ckd5d"), sets);
    let mut acc = 0.0;
    let mut bmd = 0.0;
    for h in 0..(180 * 24) {
        let r = p.advance(&mut st, h as f64, 1.0);
        let x = p.serum_record(&st, h as f64 + 1.0, &r);
        acc += x.ica_mM * x.pi_mM / (180.0 * 24.0);
        bmd = Patient::bone_record(&st, h as f64 + 1.0, &r).bmd_rel;
    }
    (acc, bmd)
}

/// [seed-review] (M10): adynamic and high-turnover bone both raise the
/// vascular Ca·Pi exposure compared with balanced turnover (reduced
/// buffering vs increased efflux); high turnover loses bone mineral. The
/// bone states come from the parathyroid: over-suppressed PTH (< 2 × ULN,
/// adynamic), PTH in the KDIGO window (2–9 × ULN, balanced), nodular
/// hyperplasia (> 9 × ULN, high turnover).
#[test]
fn adynamic_and_high_turnover_bone_raise_exposure() {
    let state = |g: f64| {
        let set = format!("patient.parathyroid.gland_capacity={g}");
        let (x, bmd) = exposure(&[&set]);
        let (r, b) = settled("ckd5d", &[&set]);
        (x, bmd, r.pth_pg_mL, b.formation_rel)
    };
    let (adynamic, _, pth_a, ob_a) = state(0.1);
    let (balanced, bmd_b, pth_b, ob_b) = state(0.5);
    let (high, bmd_h, pth_h, _) = state(6.0);
    assert!(
        pth_a < 130.0 && (130.0..585.0).contains(&pth_b) && pth_h > 585.0,
        "{pth_a} {pth_b} {pth_h}"
    );
    assert!(
        ob_a < 0.5 * ob_b,
        "adynamic bone forms little: {ob_a} vs {ob_b}"
    );
    assert!(
        adynamic > balanced * 1.01,
        "adynamic {adynamic} vs balanced {balanced}"
    );
    assert!(
        high > balanced * 1.05,
        "high turnover {high} vs balanced {balanced}"
    );
    assert!(
        bmd_h < bmd_b - 0.005,
        "high turnover loses bone: {bmd_h} vs {bmd_b}"
    );
}

/// The patient's own factors come from the seed: reproducible, different
/// between seeds, with the configured spread.
#[test]
fn variability_is_keyed_on_the_seed() {
    let v = VariabilityParams {
        sample: 1.0,
        ..VariabilityParams::default()
    };
    assert_eq!(PatientFactors::draw(&v, 5), PatientFactors::draw(&v, 5));
    assert_ne!(PatientFactors::draw(&v, 5), PatientFactors::draw(&v, 6));
    assert_eq!(
        PatientFactors::draw(&VariabilityParams::default(), 5),
        PatientFactors::ONE
    );
    let n = 4000;
    let xs: Vec<f64> = (0..n).map(|s| PatientFactors::draw(&v, s).egfr).collect();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
    assert!((sd / mean - v.egfr_cv).abs() < 0.02, "cv {}", sd / mean);
}

/// A week of HD hour by hour and the weeks 10–14 means of the treatments
/// calibrated here (overrides from `PROBE_SETS`, space-separated).
#[test]
#[ignore = "calibration printout"]
fn print_hd_week_and_treatments() {
    let env = std::env::var("PROBE_SETS").unwrap_or_default();
    let extra: Vec<&str> = env.split_whitespace().collect();
    let (p, mut st) = patient(preset("ckd5d"), &extra);
    for h in 0..168 {
        let r = p.advance(&mut st, h as f64, 1.0);
        let x = p.serum_record(&st, h as f64 + 1.0, &r);
        if h < 40 || h % 6 == 0 {
            println!(
                "h {:3} dial {} Pi {:.2} Ca {:.2} PTH {:.0} FGF {:.0} D {:.2}",
                h + 1,
                x.dialysis,
                x.pi_mM,
                x.ca_mM,
                x.pth_pg_mL,
                x.fgf23,
                x.calcitriol_rel
            );
        }
    }
    let dose =
        |drug: &str, dose: f64| format!("[[treatments]]\ndrug = \"{drug}\"\ndose = {dose}\n");
    for (name, t, sets) in [
        ("base", String::new(), vec![]),
        ("caco3", dose("calcium_carbonate", 3.0), vec![]),
        ("dmab", dose("denosumab", 60.0), vec![]),
        (
            "nodial",
            String::new(),
            vec!["dialysis.sessions_per_week=0"],
        ),
        ("ckd5", String::new(), vec![]),
    ] {
        let pre = if name == "ckd5" { "ckd5" } else { "ckd5d" };
        let mut sets = sets.clone();
        sets.extend(extra.iter());
        let (m, b) = treated(pre, &t, &sets);
        println!(
            "{name}: Pi {:.2} Ca {:.2} PTH {:.0} FGF {:.0} D {:.2} ob {:.2} oc {:.2} bmd {:.3}",
            m.pi_mM,
            m.ca_mM,
            m.pth_pg_mL,
            m.fgf23,
            m.calcitriol_rel,
            b.formation_rel,
            b.resorption_rel,
            b.bmd_rel
        );
    }
}

/// Mean serum over weeks 10–14 of `treated`, with the final state.
fn treated_state(name: &str, treatment: &str, sets: &[&str]) -> (SerumRecord, PatientState) {
    let text = format!("{}\n{treatment}\n", preset(name));
    let (p, mut st) = patient(&text, sets);
    for h in 0..(70 * 24) {
        p.advance(&mut st, h as f64, 1.0);
    }
    let mut acc = vec![0.0; SerumRecord::NAMES.len()];
    let n = (28 * 24) as f64;
    for h in (70 * 24)..(98 * 24) {
        let r = p.advance(&mut st, h as f64, 1.0);
        for (a, v) in acc
            .iter_mut()
            .zip(p.serum_record(&st, h as f64 + 1.0, &r).values())
        {
            *a += v / n;
        }
    }
    (record_from(&acc), st)
}

/// Calcium carbonate 3 g/day in HD: mean total Ca ≈ 2.4–2.55 mM (9.6–10.2
/// mg/dL); the absorbed Ca goes into a positive balance of soft tissue
/// and bone, not into serum [hill2013]. Without the soft-tissue sink the
/// same patient is hypercalcaemic.
#[test]
fn calcium_binder_calcium_goes_to_tissue_not_serum() {
    let caco3 = "[[treatments]]\ndrug = \"calcium_carbonate\"\ndose = 3.0\n";
    let (base, st0) = treated_state("ckd5d", "", &[]);
    let (ca, st) = treated_state("ckd5d", caco3, &[]);
    within("ckd5d + CaCO3", "mean Ca", ca.ca_mM, 2.4, 2.6);
    // Soft tissue gained at least 2 mmol/day more over the 14 weeks.
    let gained = st.ca_soft_tissue - st0.ca_soft_tissue;
    assert!(gained > 2.0 * 98.0, "soft tissue gained {gained} mmol");
    assert!(ca.ca_mM > base.ca_mM, "{} vs {}", ca.ca_mM, base.ca_mM);
    let (no_sink, _) = treated_state(
        "ckd5d",
        caco3,
        &["patient.body.soft_tissue_ca_clearance_L_per_h=0"],
    );
    assert!(no_sink.ca_mM > 2.65, "without the sink: {}", no_sink.ca_mM);
}

/// Denosumab 60 mg in HD: hypocalcaemia, but the mean stays far from
/// life-threatening (> 1.9 mM) and the first weeks' nadir above 1.6 mM;
/// it is supplementable (calcitriol raises it).
#[test]
fn denosumab_hypocalcaemia_is_bounded_and_supplementable() {
    let dmab = "[[treatments]]\ndrug = \"denosumab\"\ndose = 60\n";
    // (mean, lowest) hourly total Ca over the first 26 weeks.
    let course = |text: &str| {
        let (p, mut st) = patient(text, &[]);
        let (mut lowest, mut mean) = (f64::INFINITY, 0.0);
        let n = 26 * 7 * 24;
        for h in 0..n {
            let r = p.advance(&mut st, h as f64, 1.0);
            let x = p.serum_record(&st, h as f64 + 1.0, &r);
            lowest = lowest.min(x.ca_mM);
            mean += x.ca_mM / n as f64;
        }
        (mean, lowest)
    };
    let (mean, lowest) = course(&format!("{}\n{dmab}", preset("ckd5d")));
    let (base, _) = course(preset("ckd5d"));
    assert!(mean < base - 0.05, "denosumab lowers Ca: {mean} vs {base}");
    assert!(mean > 1.9, "mean Ca over 26 weeks {mean}");
    assert!(lowest > 1.6, "nadir {lowest}");
    let (d, _) = treated_state("ckd5d", dmab, &[]);
    let (dv, _) = treated_state(
        "ckd5d",
        &format!("{dmab}[[treatments]]\ndrug = \"calcitriol\"\ndose = 0.5\n"),
        &[],
    );
    assert!(dv.ca_mM > d.ca_mM + 0.05, "{} vs {}", dv.ca_mM, d.ca_mM);
}

/// End-stage kidney failure without dialysis (eGFR 3 mL/min) has high Pi
/// and severe secondary hyperparathyroidism (PTH > 9 × ULN), and becomes
/// hypocalcaemic (low calcitriol, skeletal resistance, Ca–Pi
/// precipitation): the parathyroid's acute reserve (≥ 5 × basal
/// [brent1988] [schwarz1993]) holds total Ca in the low-normal range for
/// the first months, at PTH in the thousands, and Ca then falls below the
/// laboratory range within the year.
#[test]
fn untreated_end_stage_is_hypocalcaemic() {
    let untreated = ["dialysis.sessions_per_week=0"];
    let (r, _) = settled("ckd5d", &untreated);
    assert!(r.pi_mM > 1.8, "untreated ESKD Pi {}", r.pi_mM);
    assert!(r.pth_pg_mL > 585.0, "untreated ESKD PTH {}", r.pth_pg_mL);
    assert!(r.ca_mM < 2.3, "untreated ESKD Ca {}", r.ca_mM);
    let (p, mut st) = patient(preset("ckd5d"), &untreated);
    let mut lowest = f64::INFINITY;
    for h in 0..(365 * 24) {
        let res = p.advance(&mut st, h as f64, 1.0);
        lowest = lowest.min(p.serum_record(&st, h as f64 + 1.0, &res).ca_mM);
    }
    assert!(
        lowest < 2.12,
        "untreated ESKD lowest Ca within a year {lowest}"
    );
}

/// FGF23 is unchanged 4–8 h after a phosphate load and rises over days
/// (12–36 h), settled within 5 days [nishida2006] [ito2007] [scanni2014]
/// [ferrari2005]: after doubling dietary Pi, FGF23 has moved by less than
/// 20% of its 7-day change at 12 h, and by more than 20% at 7 days.
#[test]
fn fgf23_answers_a_phosphate_load_over_days() {
    let (_, st0) = patient(preset("ckd4"), &[]);
    let (p, _) = patient(preset("ckd4"), &["patient.diet.phosphate_mmol_per_day=64"]);
    let mut st = st0;
    let f0 = st0.fgf23;
    let at = |hours: u64, st: &mut PatientState, from: u64| {
        let mut r = StepResult::default();
        for h in from..hours {
            r = p.advance(st, h as f64, 1.0);
        }
        p.serum_record(st, hours as f64, &r)
    };
    let h12 = at(12, &mut st, 0);
    let d7 = at(7 * 24, &mut st, 12);
    let pi0 = st0.pi_ecf / p.body.ecf_volume_L;
    assert!(
        h12.pi_mM > pi0 * 1.03,
        "the load raised Pi by 12 h: {} vs {pi0}",
        h12.pi_mM
    );
    let early = h12.fgf23 - f0;
    let late = d7.fgf23 - f0;
    assert!(late > 0.2 * f0, "FGF23 {f0} → {} at 7 days", d7.fgf23);
    assert!(early < 0.2 * late, "FGF23 moved {early} by 12 h of {late}");
}

/// Intradialytic Pi falls steeply in the first 1–2 h, then plateaus; end of
/// session ≈ 0.8–1.1 mM; large rebound within 3–4 h, not above the
/// pre-dialysis level by 24 h [ndt1991] [elias2018] [stremke2022].
#[test]
fn intradialytic_phosphate_plateaus_and_rebounds() {
    let (p, mut st) = patient(preset("ckd5d"), &[]);
    let mut pi = Vec::new();
    for h in 0..48 {
        let r = p.advance(&mut st, h as f64, 1.0);
        pi.push(p.serum_record(&st, h as f64 + 1.0, &r).pi_mM);
    }
    // Monday session 8:00–12:00: pi[k] is the state at k + 1 h.
    let (pre, h2, end) = (pi[7], pi[9], pi[11]);
    assert!((0.8..=1.1).contains(&end), "end of session {end}");
    let first_two = (pre - h2) / (pre - end);
    assert!(first_two > 0.75, "first 2 h give {first_two} of the fall");
    let after4 = pi[15];
    assert!(
        after4 - end > 0.5 * (pre - end),
        "rebound at 4 h: {after4} (pre {pre}, end {end})"
    );
    let after24 = pi[35];
    assert!(
        after24 < pre && after24 > 0.8 * pre,
        "24 h: {after24} vs {pre}"
    );
}

/// PTH in HD varies between sessions but not several-fold within a week
/// (while it answers ionized Ca within minutes [schmitt1996]).
#[test]
fn pth_varies_but_not_several_fold_within_a_week() {
    let (p, mut st) = patient(preset("ckd5d"), &[]);
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for h in 0..168 {
        let r = p.advance(&mut st, h as f64, 1.0);
        let x = p.serum_record(&st, h as f64 + 1.0, &r).pth_pg_mL;
        lo = lo.min(x);
        hi = hi.max(x);
    }
    assert!(hi / lo < 1.6, "PTH {lo}–{hi} within a week");
    assert!(hi / lo > 1.1, "PTH does vary: {lo}–{hi}");
}

/// Active vitamin D: more Ca and Pi absorbed (serum Ca and absorbed Pi up),
/// PTH down; at high doses bone turnover falls (adynamic).
#[test]
fn calcitriol_raises_absorption_and_lowers_pth() {
    let dose = |x: f64| format!("[[treatments]]\ndrug = \"calcitriol\"\ndose = {x}\n");
    let (base, bone0) = treated("ckd5d", "", &[]);
    let (d, _) = treated("ckd5d", &dose(0.5), &[]);
    assert!(
        d.pi_absorbed_mmol_per_day > 1.15 * base.pi_absorbed_mmol_per_day,
        "Pi absorbed {} vs {}",
        d.pi_absorbed_mmol_per_day,
        base.pi_absorbed_mmol_per_day
    );
    assert!(
        d.ca_mM > base.ca_mM + 0.03,
        "Ca {} vs {}",
        d.ca_mM,
        base.ca_mM
    );
    let pth = rel(d.pth_pg_mL, base.pth_pg_mL);
    assert!((-0.8..-0.2).contains(&pth), "PTH changes by {pth:.3}");
    assert!(d.calcitriol_rel > 1.0, "calcitriol {}", d.calcitriol_rel);
    let (_, high) = treated("ckd5d", &dose(2.0), &[]);
    assert!(
        high.formation_rel < 0.6 * bone0.formation_rel,
        "formation {} vs {}",
        high.formation_rel,
        bone0.formation_rel
    );
    // The tissue sees the active vitamin D level.
    let (p, mut st) = patient(&format!("{}\n{}", preset("ckd5d"), dose(0.5)), &[]);
    let mut last = SerumLevels::default();
    for h in 0..(7 * 24) {
        last = p.advance(&mut st, h as f64, 1.0).levels;
    }
    assert!(
        last.active_vitamin_d_rel > 1.0,
        "{}",
        last.active_vitamin_d_rel
    );
}
