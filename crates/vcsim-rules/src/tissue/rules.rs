//! The rule table: every signal → behaviour rule of the model, in the style
//! of PhysiCell's rules (signal, behaviour, direction, half-max, Hill power),
//! built from the parameter values and checked against the model functions,
//! so that the table in `docs/rules.md` cannot drift from the code.

use crate::Scenario;
use crate::tissue::model::{self, Phenotype, Site};
use crate::{key, quote};

/// Whether a signal raises or lowers a behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The behaviour rises with the signal.
    Increases,
    /// The behaviour falls as the signal rises.
    Decreases,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Mechanism label (M1–M12 as listed in `docs/references.md`, or CaSR, Mg, switch).
    pub mechanism: &'static str,
    /// The works the rule rests on, as keys of `docs/references.md` in
    /// brackets (see [`crate::references`]).
    pub source: &'static str,
    /// What is sensed, with its unit.
    pub signal: &'static str,
    /// What changes.
    pub behaviour: &'static str,
    /// Which way.
    pub direction: Direction,
    /// Half-maximal signal and the parameter it comes from.
    pub half_max: String,
    /// Hill power (1 for saturating, or a linear term).
    pub hill: String,
    /// The function of `model.rs` that implements it.
    pub function: &'static str,
    /// The behaviour at a low and a high signal, from the model function.
    pub at_low_high: (f64, f64),
}

/// Every rule, with values from `s` (use `Scenario::default()` for the defaults).
pub fn rules(s: &Scenario) -> Vec<Rule> {
    let (p, m, iv, b) = (&s.cells, &s.mineral, &s.interventions, &s.binding);
    let up = Direction::Increases;
    let down = Direction::Decreases;
    let runx2_at = |drive: f64, ros: f64| {
        let stab = model::ros_stabilisation(ros, p, iv);
        let mut r = 1.0;
        for _ in 0..200 {
            r = model::runx2_step(r, drive, stab, 1.0, p, iv);
        }
        r
    };
    let thr = model::base_threshold(0.85, 2.0, m);
    // Vesicle nucleation at product 3 mM² for (ALP, ROS nM, free RANKL pM, fetuin g/L).
    let vesicle = |alp: f64, ros_nM: f64, free_rankl_pM: f64, fetuin: f64| {
        let site = Site::Vesicle {
            alp,
            ros_nM,
            free_rankl_pM,
        };
        model::nucleation_rate(site, 3.0, thr, fetuin, m)
    };
    // Lamina nucleation at product 2.5 mM² for (ROS nM, free RANKL pM).
    let lamina = |ros_nM: f64, free_rankl_pM: f64| {
        let site = Site::Lamina {
            ros_nM,
            free_rankl_pM,
        };
        model::nucleation_rate(site, 2.5, thr, 0.1, m)
    };
    vec![
        Rule {
            mechanism: "M1",
            source: "[jono2000] [li2006]",
            signal: "extracellular Pi (mM)",
            behaviour: "intracellular Pi (PiT-1 uptake)",
            direction: up,
            half_max: quote!(p.pit1_km_mM),
            hill: "1".into(),
            function: "pi_in_target",
            at_low_high: (
                model::pi_in_target(0.5, 1.0, p),
                model::pi_in_target(3.0, 1.0, p),
            ),
        },
        Rule {
            mechanism: "M1",
            source: "[seed-review] [jono2000]",
            signal: "intracellular Pi (mM)",
            behaviour: "Runx2 production",
            direction: up,
            half_max: quote!(p.pi_in_half_max_mM),
            hill: quote!(p.pi_hill),
            function: "pi_signal, runx2_drive",
            at_low_high: (
                model::pi_signal(0.5, 0.0, 0.0, p, iv),
                model::pi_signal(3.0, 0.0, 0.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M2",
            source: "[yang2004] [masumoto2017]",
            signal: "ionized Ca (mM)",
            behaviour: "PiT-1 expression",
            direction: up,
            half_max: quote!(p.ca_half_max_mM),
            hill: quote!(p.ca_hill),
            function: "pit1_effective",
            at_low_high: (
                model::pit1_effective(1.0, 0.9, p, iv),
                model::pit1_effective(1.0, 1.75, p, iv),
            ),
        },
        Rule {
            mechanism: "CaSR",
            source: "[seed-review]",
            signal: "calcimimetic (CaSR activity)",
            behaviour: "Ca-driven PiT-1 up-regulation",
            direction: down,
            half_max: format!("1 / {} ({})", p.casr_protection, key!(p.casr_protection)),
            hill: "1".into(),
            function: "pit1_effective",
            at_low_high: {
                let mut hi = iv.clone();
                hi.calcimimetic = 2.0;
                (
                    model::pit1_effective(1.0, 1.5, p, iv),
                    model::pit1_effective(1.0, 1.5, p, &hi),
                )
            },
        },
        Rule {
            mechanism: "M3",
            source: "[byon2008]",
            signal: "ROS, H2O2 (nM)",
            behaviour: "Runx2 (slower degradation via Akt/FOXO)",
            direction: up,
            half_max: quote!(p.ros_half_max_nM),
            hill: "1 (linear in the degradation time)".into(),
            function: "ros_stabilisation, runx2_step",
            at_low_high: (runx2_at(0.1, 0.0), runx2_at(0.1, 400.0)),
        },
        Rule {
            mechanism: "M3",
            source: "[muteliefu2009] [seed-review]",
            signal: "indoxyl sulfate (µM)",
            behaviour: "Nox4 ROS production",
            direction: up,
            half_max: quote!(p.toxin_half_max_uM),
            hill: "1".into(),
            function: "cell_ros_nM",
            at_low_high: (
                model::cell_ros_nM(3.0, p, iv),
                model::cell_ros_nM(200.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M4",
            source: "[seed-review]",
            signal: "lumen Pi (mM)",
            behaviour: "endothelial ROS",
            direction: up,
            half_max: "linear above 1.2 mM".into(),
            hill: "1".into(),
            function: "endothelial_ros_nM",
            at_low_high: (
                model::endothelial_ros_nM(1.0, p, iv),
                model::endothelial_ros_nM(2.5, p, iv),
            ),
        },
        Rule {
            mechanism: "M5",
            source: "[seed-review] [schinke1996] [jahnendechent1997]",
            signal: "fetuin-A (g/L)",
            behaviour: "free Ca·Pi product (calciprotein particles)",
            direction: down,
            half_max: quote!(m.cpp_half_g_per_L),
            hill: "1".into(),
            function: "free_product",
            at_low_high: (
                model::free_product(2.3, 1.8, 0.0, m),
                model::free_product(2.3, 1.8, 1.0, m),
            ),
        },
        Rule {
            mechanism: "M5",
            source: "[reynolds2005]",
            signal: "fetuin-A (g/L)",
            behaviour: "matrix-vesicle nucleation",
            direction: down,
            half_max: quote!(m.fetuin_vesicle_half_g_per_L),
            hill: "1".into(),
            function: "nucleation_rate (vesicle)",
            at_low_high: (vesicle(1.0, 0.0, 0.0, 0.0), vesicle(1.0, 0.0, 0.0, 1.0)),
        },
        Rule {
            mechanism: "M5",
            source: "[reynolds2005]",
            signal: "fetuin-A (g/L)",
            behaviour: "apoptosis",
            direction: down,
            half_max: quote!(p.fetuin_apoptosis_half_g_per_L),
            hill: "1".into(),
            function: "apoptosis_rate",
            at_low_high: (
                model::apoptosis_rate(3.0, 1.0, 0.0, 0.0, 2.0, p, m),
                model::apoptosis_rate(3.0, 1.0, 1.0, 0.0, 2.0, p, m),
            ),
        },
        Rule {
            mechanism: "M5",
            source: "[seed-review]",
            signal: "free Ca·Pi product (mM²)",
            behaviour: "apoptosis",
            direction: up,
            half_max: quote!(p.apoptosis_product_half_mM2),
            hill: quote!(p.apoptosis_product_hill),
            function: "apoptosis_rate",
            at_low_high: (
                model::apoptosis_rate(1.0, 1.0, 0.0, 0.0, 2.0, p, m),
                model::apoptosis_rate(8.0, 1.0, 0.0, 0.0, 2.0, p, m),
            ),
        },
        Rule {
            mechanism: "M5",
            source: "estimate: mineral load kills VSMCs [seed-review]",
            signal: "mineral in the voxel (fraction)",
            behaviour: "apoptosis",
            direction: up,
            half_max: quote!(m.calcified_fraction),
            hill: "1".into(),
            function: "apoptosis_rate",
            at_low_high: (
                model::apoptosis_rate(2.0, 1.0, 0.1, 0.0, 2.0, p, m),
                model::apoptosis_rate(2.0, 1.0, 0.1, 0.3, 2.0, p, m),
            ),
        },
        Rule {
            mechanism: "M6",
            source: "[seed-review] [oneill2011]",
            signal: "PPi + bisphosphonate equivalent (µM)",
            behaviour: "crystal growth",
            direction: down,
            half_max: quote!(m.ppi_growth_half_uM),
            hill: "1".into(),
            function: "growth_velocity",
            at_low_high: (
                model::growth_velocity(3.0, 0.0, 0.85, m),
                model::growth_velocity(3.0, 10.0, 0.85, m),
            ),
        },
        Rule {
            mechanism: "M6",
            source: "[lomashvili2005]",
            signal: "PPi + bisphosphonate equivalent (µM)",
            behaviour: "nucleation threshold",
            direction: up,
            half_max: quote!(m.ppi_nucleation_half_uM),
            hill: "1 (linear)".into(),
            function: "base_threshold",
            at_low_high: (
                model::base_threshold(0.85, 0.0, m),
                model::base_threshold(0.85, 10.0, m),
            ),
        },
        Rule {
            mechanism: "M6",
            source: "[seed-review]",
            signal: "PPi (µM)",
            behaviour: "Pi-induced osteogenic signal",
            direction: down,
            half_max: quote!(p.ppi_signal_half_uM),
            hill: "1".into(),
            function: "pi_signal",
            at_low_high: (
                model::pi_signal(2.0, 0.0, 0.0, p, iv),
                model::pi_signal(2.0, 50.0, 0.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M6",
            source: "[seed-review] [azpiazu2018]",
            signal: "ALP (TNAP) of the voxel's cell",
            behaviour: "PPi hydrolysis",
            direction: up,
            half_max: format!("linear, {} at full ALP", quote!(p.alp_ppi_hydrolysis_per_h)),
            hill: "1".into(),
            function: "ppi_hydrolysis_rate",
            at_low_high: (
                model::ppi_hydrolysis_rate(0.0, p, iv),
                model::ppi_hydrolysis_rate(1.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M6",
            source: "[seed-review]",
            signal: "ALP of an osteogenic cell",
            behaviour: "matrix-vesicle nucleation",
            direction: up,
            half_max: format!(
                "linear, × (1 + {} · ALP) ({})",
                m.vesicle_alp_boost,
                key!(m.vesicle_alp_boost)
            ),
            hill: "1".into(),
            function: "nucleation_rate (vesicle)",
            at_low_high: (vesicle(0.0, 0.0, 0.0, 0.1), vesicle(1.0, 0.0, 0.0, 0.1)),
        },
        Rule {
            mechanism: "M3",
            source: "[byon2008] [seed-review]",
            signal: "ROS (nM)",
            behaviour: "matrix-vesicle release (nucleation)",
            direction: up,
            half_max: format!(
                "{}, up to × {} ({})",
                quote!(m.vesicle_ros_half_nM),
                1.0 + m.vesicle_ros_gain,
                key!(m.vesicle_ros_gain)
            ),
            hill: "1".into(),
            function: "nucleation_rate (vesicle)",
            at_low_high: (vesicle(1.0, 0.0, 0.0, 0.1), vesicle(1.0, 500.0, 0.0, 0.1)),
        },
        Rule {
            mechanism: "M7",
            source: "[seed-review] [morony2012] [min2000]",
            signal: "free RANKL (pM)",
            behaviour: "matrix-vesicle release (nucleation)",
            direction: up,
            half_max: format!(
                "{}, up to × {} ({})",
                quote!(m.vesicle_rankl_half_pM),
                1.0 + m.vesicle_rankl_gain,
                key!(m.vesicle_rankl_gain)
            ),
            hill: quote!(m.vesicle_rankl_hill),
            function: "nucleation_rate (vesicle)",
            at_low_high: (vesicle(1.0, 0.0, 0.0, 0.1), vesicle(1.0, 0.0, 100.0, 0.1)),
        },
        Rule {
            mechanism: "Mg",
            source: "[louvet2013] [kircelli2012] [terbraake2018]",
            signal: "Mg (mM)",
            behaviour: "nucleation threshold",
            direction: up,
            half_max: quote!(m.mg_nucleation_half_mM),
            hill: "1 (linear)".into(),
            function: "base_threshold",
            at_low_high: (
                model::base_threshold(0.5, 2.0, m),
                model::base_threshold(3.0, 2.0, m),
            ),
        },
        Rule {
            mechanism: "Mg",
            source: "[louvet2013]",
            signal: "Mg (mM), through TRPM7",
            behaviour: "Pi-induced osteogenic signal",
            direction: down,
            half_max: quote!(p.mg_signal_half_mM),
            hill: "1".into(),
            function: "pi_signal",
            at_low_high: (
                model::pi_signal(2.0, 0.0, 0.5, p, iv),
                model::pi_signal(2.0, 0.0, 3.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M7",
            source: "[jvascres2014]",
            signal: "free RANKL (pM)",
            behaviour: "Runx2 production",
            direction: up,
            half_max: quote!(p.rankl_half_max_pM),
            hill: "1".into(),
            function: "runx2_drive",
            at_low_high: (
                model::runx2_drive(0.0, 0.0, 0.0, p),
                model::runx2_drive(0.0, 50.0, 0.0, p),
            ),
        },
        Rule {
            mechanism: "M7",
            source: "[seed-review] [bucay1998] [prolia-label]",
            signal: "OPG (pM), denosumab (nM)",
            behaviour: "free RANKL",
            direction: down,
            half_max: format!("Kd {}", quote!(b.opg_rankl_kd_pM)),
            hill: "1".into(),
            function: "free_rankl",
            at_low_high: (
                model::free_rankl(10.0, 0.0, 0.0, b),
                model::free_rankl(10.0, 100.0, 0.0, b),
            ),
        },
        Rule {
            mechanism: "M7",
            source: "[byon2011]",
            signal: "Runx2 (fold)",
            behaviour: "RANKL secretion",
            direction: up,
            half_max: format!("linear, {} per fold", quote!(p.rankl_runx2_pM_per_h)),
            hill: "1".into(),
            function: "rankl_secretion",
            at_low_high: (
                model::rankl_secretion(1.0, p, iv),
                model::rankl_secretion(4.0, p, iv),
            ),
        },
        Rule {
            mechanism: "M1",
            source: "[seed-review]",
            signal: "Runx2 (fold above basal)",
            behaviour: "ALP (TNAP) expression",
            direction: up,
            half_max: quote!(p.alp_runx2_half),
            hill: quote!(p.expression_hill),
            function: "runx2_target_expression",
            at_low_high: (
                model::runx2_target_expression(1.0, p.alp_runx2_half, p),
                model::runx2_target_expression(4.0, p.alp_runx2_half, p),
            ),
        },
        Rule {
            mechanism: "M9",
            source: "[seed-review]",
            signal: "PTH (pg/mL)",
            behaviour: "Runx2 production",
            direction: up,
            half_max: quote!(p.pth_half_max_pg_per_mL),
            hill: "1".into(),
            function: "runx2_drive",
            at_low_high: (
                model::runx2_drive(0.0, 0.0, 40.0, p),
                model::runx2_drive(0.0, 0.0, 700.0, p),
            ),
        },
        Rule {
            mechanism: "M9",
            source: "[jono1998]",
            signal: "active vitamin D (× normal)",
            behaviour: "Runx2 production",
            direction: up,
            half_max: format!(
                "{} + {} ({} + {})",
                p.vitamin_d_threshold_rel,
                p.vitamin_d_half_excess,
                key!(p.vitamin_d_threshold_rel),
                key!(p.vitamin_d_half_excess)
            ),
            hill: "1".into(),
            function: "vitamin_d_drive",
            at_low_high: (
                model::vitamin_d_drive(1.0, p),
                model::vitamin_d_drive(4.0, p),
            ),
        },
        Rule {
            mechanism: "switch",
            source: "[seed-review] [sun2012]",
            signal: "Runx2 (fold)",
            behaviour: "contractile → osteogenic switch",
            direction: up,
            half_max: format!(
                "on above {}, back below {}",
                quote!(p.switch_on_runx2),
                quote!(p.switch_off_runx2)
            ),
            hill: "step (hysteresis)".into(),
            function: "switch_rate",
            at_low_high: (
                model::switch_rate(Phenotype::Contractile, 1.0, p).map_or(0.0, |x| x.1),
                model::switch_rate(Phenotype::Contractile, p.switch_on_runx2 + 1.0, p)
                    .map_or(0.0, |x| x.1),
            ),
        },
        Rule {
            mechanism: "M11",
            source: "[seed-review] [meyer1969]",
            signal: "elastic lamina",
            behaviour: "nucleation (lower threshold)",
            direction: up,
            half_max: format!("threshold × {}", quote!(m.lamina_threshold_factor)),
            hill: "1".into(),
            function: "nucleation_rate (lamina)",
            // Outside a lamina a voxel without a cell does not nucleate at all.
            at_low_high: (0.0, lamina(0.0, 0.0)),
        },
        Rule {
            mechanism: "M11",
            source: "[pai2011]",
            signal: "ROS (nM) at an elastic lamina",
            behaviour: "lamina nucleation (elastin degraded by the cells' MMP-2, cathepsin S)",
            direction: up,
            half_max: format!(
                "{}, up to × {} ({} × {})",
                quote!(m.vesicle_ros_half_nM),
                1.0 + m.lamina_cell_coupling * m.vesicle_ros_gain,
                key!(m.lamina_cell_coupling),
                key!(m.vesicle_ros_gain)
            ),
            hill: "1".into(),
            function: "nucleation_rate (lamina)",
            at_low_high: (lamina(0.0, 0.0), lamina(500.0, 0.0)),
        },
        Rule {
            mechanism: "M11",
            source: "[pai2011] [min2000]",
            signal: "free RANKL (pM) at an elastic lamina",
            behaviour: "lamina nucleation (elastin degraded by RANK-bearing cells)",
            direction: up,
            half_max: format!(
                "{}, up to × {} ({} × {})",
                quote!(m.vesicle_rankl_half_pM),
                1.0 + m.lamina_cell_coupling * m.vesicle_rankl_gain,
                key!(m.lamina_cell_coupling),
                key!(m.vesicle_rankl_gain)
            ),
            hill: quote!(m.vesicle_rankl_hill),
            function: "nucleation_rate (lamina)",
            at_low_high: (lamina(0.0, 0.0), lamina(0.0, 100.0)),
        },
    ]
}

/// The rule table as Markdown (`docs/rules.md` is this text; a test keeps them equal).
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Rule table\n\nGenerated from `crates/vcsim-rules/src/tissue/rules.rs` by `vcsim rules > docs/rules.md`, \
         with the default parameters; a test checks every direction against the model function and keeps \
         this file equal to the output. Equations: [model.md](model.md).\n\n\
         | mechanism | signal | behaviour | direction | half-max | Hill | function | behaviour at low → high signal | source |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rules(&Scenario::default()) {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | `{}` | {:.4} → {:.4} | {} |\n",
            r.mechanism,
            r.signal,
            r.behaviour,
            match r.direction {
                Direction::Increases => "increases",
                Direction::Decreases => "decreases",
            },
            r.half_max,
            r.hill,
            r.function,
            r.at_low_high.0,
            r.at_low_high.1,
            r.source
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_acts_in_its_stated_direction() {
        for r in rules(&Scenario::default()) {
            let (lo, hi) = r.at_low_high;
            assert!(
                lo.is_finite() && hi.is_finite(),
                "{}: {lo} {hi}",
                r.behaviour
            );
            match r.direction {
                Direction::Increases => {
                    assert!(hi > lo, "{} ← {}: {lo} → {hi}", r.behaviour, r.signal)
                }
                Direction::Decreases => {
                    assert!(hi < lo, "{} ← {}: {lo} → {hi}", r.behaviour, r.signal)
                }
            }
        }
    }
}
