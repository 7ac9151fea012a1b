//! Drugs: the doses in effect, bolus doses, and the pharmacokinetics of
//! cinacalcet, denosumab and bisphosphonate. Where each drug acts: binders
//! and carbonates in the gut ([`super::gut`]), cinacalcet on the CaSR
//! ([`super::parathyroid`]) and VSMCs, denosumab, bisphosphonate and BMP-7
//! on bone ([`super::bone`]), ferric citrate on FGF23 and active vitamin D
//! on calcitriol ([`super::hormones`]),
//! antioxidant, denosumab, bisphosphonate and exogenous PPi in the tissue.

use super::relax;
use super::state::PatientState;
use crate::scenario::params::{BodyParams, DrugParams};
use crate::scenario::{Drug, Treatment};

/// Calcium in a gram of calcium carbonate (100.09 g/mol).
pub(super) const CA_MMOL_PER_G_CACO3: f64 = 9.99;
/// Magnesium in a gram of magnesium carbonate (84.31 g/mol).
pub(super) const MG_MMOL_PER_G_MGCO3: f64 = 11.86;
/// Denosumab, nmol per mg (147 kDa).
const DENOSUMAB_NMOL_PER_MG: f64 = 1.0e6 / 147_000.0;

/// Doses in effect at one moment, summed per drug.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Doses {
    /// Pi binding capacity of all binders, mmol/day.
    pub binder_pi_mmol_per_day: f64,
    pub calcium_carbonate_g: f64,
    pub magnesium_carbonate_g: f64,
    pub ferric_citrate_g: f64,
    pub cinacalcet_mg: f64,
    pub bisphosphonate_mg: f64,
    pub antioxidant: f64,
    pub bmp7_ug_per_kg_week: f64,
    pub calcitriol_ug_per_day: f64,
}

/// The continuous doses of `treatments` in effect at `t_h`.
pub(super) fn doses(g: &DrugParams, treatments: &[Treatment], t_h: f64) -> Doses {
    let mut d = Doses::default();
    for t in treatments {
        if !t.active(t_h) || t.drug.is_bolus() {
            continue;
        }
        let x = t.dose;
        match t.drug {
            Drug::Sevelamer => d.binder_pi_mmol_per_day += x * g.sevelamer_relative,
            Drug::LanthanumCarbonate => d.binder_pi_mmol_per_day += x * g.lanthanum_relative,
            Drug::CalciumCarbonate => {
                d.binder_pi_mmol_per_day += x;
                d.calcium_carbonate_g += x;
            }
            Drug::MagnesiumCarbonate => {
                d.binder_pi_mmol_per_day += x * g.magnesium_carbonate_relative;
                d.magnesium_carbonate_g += x;
            }
            Drug::FerricCitrate => {
                d.binder_pi_mmol_per_day += x * g.ferric_citrate_relative;
                d.ferric_citrate_g += x;
            }
            Drug::Cinacalcet => d.cinacalcet_mg += x,
            Drug::Bisphosphonate => d.bisphosphonate_mg += x,
            Drug::Antioxidant => d.antioxidant = 1.0 - (1.0 - d.antioxidant) * (1.0 - x),
            Drug::Bmp7 => d.bmp7_ug_per_kg_week += x,
            Drug::Calcitriol => d.calcitriol_ug_per_day += x,
            Drug::Denosumab | Drug::ExogenousPpi => {}
        }
    }
    d.binder_pi_mmol_per_day *= g.binder_pi_mmol_per_g;
    d
}

/// Bolus doses of `treatments` given in [t0, t1): (denosumab mg, exogenous PPi µmol/kg).
pub(super) fn boluses(treatments: &[Treatment], t0: f64, t1: f64) -> (f64, f64) {
    let (mut dmab, mut ppi) = (0.0, 0.0);
    for t in treatments {
        if !t.drug.is_bolus() {
            continue;
        }
        let n = t.doses_in(t0, t1) as f64 * t.dose;
        match t.drug {
            Drug::Denosumab => dmab += n,
            Drug::ExogenousPpi => ppi += n,
            _ => {}
        }
    }
    (dmab, ppi)
}

/// Fraction by which ferric citrate lowers FGF23 (saturating in the dose).
pub(super) fn ferric_citrate_fgf23_reduction(dr: &DrugParams, doses: &Doses) -> f64 {
    dr.ferric_citrate_fgf23_max * doses.ferric_citrate_g
        / (doses.ferric_citrate_g + dr.ferric_citrate_fgf23_half_g)
}

/// Cinacalcet's effect (0–1) at its plasma level.
pub(super) fn cinacalcet_effect(dr: &DrugParams, s: &PatientState) -> f64 {
    s.cinacalcet / (s.cinacalcet + dr.cinacalcet_ec50_ng_per_mL)
}

/// Advances the drugs' plasma and depot levels over `h` from `t`, with eGFR
/// `gfr` and ECF volume `v`, then gives the boluses due in [t, t + h).
pub(super) fn pharmacokinetics(
    dr: &DrugParams,
    body: &BodyParams,
    treatments: &[Treatment],
    doses: &Doses,
    s: &mut PatientState,
    gfr: f64,
    v: f64,
    t: f64,
    h: f64,
) {
    let kc = std::f64::consts::LN_2 / dr.cinacalcet_half_life_h;
    s.cinacalcet = relax(
        s.cinacalcet,
        doses.cinacalcet_mg * dr.cinacalcet_ng_per_mL_per_mg,
        kc,
        h,
    );
    let ka = std::f64::consts::LN_2 / (dr.denosumab_absorption_half_life_days * 24.0);
    let kel = std::f64::consts::LN_2 / (dr.denosumab_half_life_days * 24.0);
    let absorbed = s.denosumab_depot * (1.0 - (-ka * h).exp());
    s.denosumab_depot -= absorbed;
    s.denosumab = s.denosumab * (-kel * h).exp() + absorbed / dr.denosumab_volume_L;
    let bp_in = doses.bisphosphonate_mg * dr.bisphosphonate_bioavailability
        / dr.bisphosphonate_g_per_mol
        * 1000.0
        / 24.0;
    let bp_cl = dr.bisphosphonate_renal_clearance_L_per_h
        * (gfr / super::kidney::EGFR_NORMAL_ML_MIN)
        + dr.bisphosphonate_bone_clearance_L_per_h;
    let bp_old = s.bisphosphonate;
    s.bisphosphonate = relax(bp_old, bp_in / bp_cl.max(1e-9), bp_cl / v, h);
    let kb = std::f64::consts::LN_2 / (dr.bisphosphonate_bone_half_life_days * 24.0);
    s.bisphosphonate_bone +=
        h * (dr.bisphosphonate_bone_clearance_L_per_h * bp_old - kb * s.bisphosphonate_bone);
    let (dmab_mg, ppi_umol_per_kg) = boluses(treatments, t, t + h);
    s.denosumab_depot += dmab_mg * DENOSUMAB_NMOL_PER_MG * dr.denosumab_bioavailability;
    s.ppi += ppi_umol_per_kg * body.body_weight_kg / v;
}
