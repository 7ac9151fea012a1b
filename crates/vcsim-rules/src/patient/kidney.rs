//! Kidney: eGFR, Klotho, threshold phosphate excretion (lowered by FGF23
//! through Klotho and by PTH), calcium and magnesium filtration and
//! reabsorption, toxin clearance.

use super::{L_PER_H_PER_ML_PER_MIN, NORMAL_ICA_MM, PerHour, pow};
use crate::scenario::params::KidneyParams;

/// The eGFR all of Klotho's and the clearances' "relative to normal" refer to.
pub const EGFR_NORMAL_ML_MIN: f64 = 100.0;

/// Renal Klotho relative to normal at `egfr` (1 at 100 mL/min).
pub fn klotho(egfr: f64, half: f64) -> f64 {
    let e = egfr.max(0.0);
    e / (e + half) * (EGFR_NORMAL_ML_MIN + half) / EGFR_NORMAL_ML_MIN
}

/// Urinary losses (mmol/h) and the renal toxin clearance (L/h).
#[derive(Debug, Clone, Copy)]
pub(super) struct Excretion {
    /// Phosphate.
    pub pi: PerHour,
    /// Calcium.
    pub ca: PerHour,
    /// Magnesium.
    pub mg: PerHour,
    /// Indoxyl sulfate clearance, renal and non-renal, L/h.
    pub toxin_clearance_L_per_h: f64,
}

/// What the kidney reads: serum levels and hormones at the start of a substep.
#[derive(Debug, Clone, Copy)]
pub(super) struct KidneyInputs {
    /// eGFR, mL/min.
    pub gfr: f64,
    /// Renal Klotho, relative.
    pub klotho: f64,
    /// Serum phosphate, mM.
    pub pi: f64,
    /// Serum total calcium, mM.
    pub ca: f64,
    /// Serum ionized calcium, mM.
    pub ica: f64,
    /// Serum magnesium, mM.
    pub mg: f64,
    /// FGF23, RU/mL.
    pub fgf23: f64,
    /// Normal FGF23, RU/mL.
    pub fgf23_normal: f64,
    /// PTH relative to normal.
    pub pth_rel: f64,
}

/// Excretion of kidney `k` at `x`.
pub(super) fn excretion(k: &KidneyParams, x: &KidneyInputs) -> Excretion {
    let g_l_h = x.gfr * L_PER_H_PER_ML_PER_MIN;
    let (fg, pg) = (k.fgf23_phosphaturia, k.pth_phosphaturia);
    let threshold = k.pi_threshold_mM * (1.0 + fg + pg)
        / (1.0 + fg * x.klotho * x.fgf23 / x.fgf23_normal + pg * x.pth_rel);
    let pi_urine = k.pi_excretion_coefficient * g_l_h * (x.pi - threshold).max(0.0);
    let fe_ca = (k.ca_fractional_excretion
        * pow(1.0 / x.pth_rel.max(1e-6), k.ca_pth_exponent)
        * pow(x.ica / NORMAL_ICA_MM, k.ca_casr_exponent))
    .min(1.0);
    let ca_urine = g_l_h * k.ca_ultrafiltrable_fraction * x.ca * fe_ca;
    let fe_mg = (k.mg_fractional_excretion
        * pow(
            EGFR_NORMAL_ML_MIN / x.gfr.max(0.1),
            k.mg_adaptation_exponent,
        ))
    .min(k.mg_fractional_excretion_max.max(k.mg_fractional_excretion));
    let mg_urine = g_l_h * k.mg_ultrafiltrable_fraction * x.mg * fe_mg;
    let toxin_cl = k.toxin_clearance_L_per_h
        * pow(x.gfr / EGFR_NORMAL_ML_MIN, k.toxin_clearance_exponent)
        + k.toxin_nonrenal_clearance_L_per_h;
    Excretion {
        pi: pi_urine,
        ca: ca_urine,
        mg: mg_urine,
        toxin_clearance_L_per_h: toxin_cl,
    }
}
