//! Inhibitors: fetuin-A (hepatic synthesis lowered by uremic inflammation,
//! consumed into calciprotein particles), PPi (constant production,
//! hydrolysis by bone and uremic ALP, dialysis) and the T50 readout.

use super::state::PatientState;
use super::{NORMAL_CA_MM, NORMAL_PI_MM, pow, relax};
use crate::scenario::params::{BodyParams, InhibitorParams};

/// Calcification propensity: the half-transformation time (min) of the T50
/// test. Serum is mixed with added Ca and Pi; primary calciprotein particles
/// turn into secondary ones at a rate that rises with the mixture's Ca·Pi
/// product and falls with fetuin-A, Mg and PPi. With a spontaneous rate `a`
/// and an autocatalytic rate `b`, the transformed fraction obeys
/// ds/dt = (a + b·s)(1 − s), whose solution reaches ½ at
/// T50 = ln(2 + b/a) / (a + b). Fetuin-A acts through the calciprotein
/// particles of the tissue (`mineral.cpp_half_g_per_L`, one description).
pub fn t50_min(
    pi_mM: f64,
    ca_mM: f64,
    mg_mM: f64,
    fetuin_g_per_L: f64,
    ppi_uM: f64,
    p: &InhibitorParams,
    cpp_half_g_per_L: f64,
) -> f64 {
    let f = p.t50_serum_fraction;
    let ca = p.t50_added_calcium_mM + f * ca_mM;
    let pi = p.t50_added_phosphate_mM + f * pi_mM;
    let ca_ref = p.t50_added_calcium_mM + f * NORMAL_CA_MM;
    let pi_ref = p.t50_added_phosphate_mM + f * NORMAL_PI_MM;
    let drive = pow(ca * pi / (ca_ref * pi_ref), p.t50_product_exponent);
    // Fetuin-A through the calciprotein particles, as in the tissue.
    let inhibition = crate::tissue::kernel::cpp_binding(f * fetuin_g_per_L, cpp_half_g_per_L)
        * (1.0 + f * mg_mM / p.t50_magnesium_half_mM)
        * (1.0 + f * ppi_uM / p.t50_ppi_half_uM);
    let a = p.t50_nucleation_per_h * drive / inhibition;
    let b = p.t50_growth_per_h * drive / inhibition;
    if a <= 0.0 {
        return f64::INFINITY;
    }
    (2.0 + b / a).ln() / (a + b) * 60.0
}

/// Advances fetuin-A over `h` at serum Ca·Pi relative to normal `product_rel`
/// (`fetuin_factor`: this patient's synthesis factor).
pub(super) fn fetuin_a(
    inh: &InhibitorParams,
    body: &BodyParams,
    s: &mut PatientState,
    fetuin_factor: f64,
    product_rel: f64,
    h: f64,
) {
    let kf = std::f64::consts::LN_2 / inh.fetuin_a_half_life_h;
    let fet_target = inh.fetuin_a_normal_g_per_L
        * fetuin_factor
        * (1.0 + body.toxin_normal_uM / inh.fetuin_a_toxin_half_uM)
        / (1.0 + s.toxin / inh.fetuin_a_toxin_half_uM);
    let consume = inh.fetuin_a_cpp_consumption_per_h * (product_rel - 1.0).max(0.0);
    s.fetuin = relax(s.fetuin, fet_target * kf / (kf + consume), kf + consume, h);
}

/// Advances plasma PPi over `h` with Klotho `klo`, dialysis clearance
/// `dialysis_L_per_h` in ECF volume `v` (L) (`ppi_factor`: this patient's
/// production factor).
pub(super) fn ppi(
    inh: &InhibitorParams,
    s: &mut PatientState,
    ppi_factor: f64,
    klo: f64,
    dialysis_L_per_h: f64,
    v: f64,
    h: f64,
) {
    let kp = std::f64::consts::LN_2 / inh.ppi_half_life_h;
    let alp = 1.0
        + inh.ppi_bone_alp_share * (s.osteoblasts - 1.0)
        + inh.ppi_uremic_alp * (1.0 - klo).max(0.0);
    let k_ppi = kp * alp.max(0.05) + dialysis_L_per_h / v;
    let prod = inh.ppi_normal_uM * kp * ppi_factor;
    s.ppi = relax(s.ppi, prod / k_ppi, k_ppi, h);
}

/// Advances serum indoxyl sulfate over `h`: production `production_umol_per_h`
/// against renal and dialytic clearance (L/h) in ECF volume `v` (L).
pub(super) fn toxin(
    s: &mut PatientState,
    production_umol_per_h: f64,
    clearance_L_per_h: f64,
    v: f64,
    h: f64,
) {
    let k_tox = clearance_L_per_h / v;
    s.toxin = relax(s.toxin, production_umol_per_h / v / k_tox, k_tox, h);
}
