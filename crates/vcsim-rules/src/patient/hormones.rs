//! Hormones: FGF23 (rising with Pi and falling eGFR, lowered by ferric
//! citrate; production follows its drive through two stages of
//! `fgf23_response_h`, so it answers a Pi load over days) and calcitriol
//! (from the kidney, raised by PTH, lowered by FGF23, plus an active
//! vitamin D drug).

use super::drugs::{Doses, ferric_citrate_fgf23_reduction};
use super::kidney::EGFR_NORMAL_ML_MIN;
use super::state::PatientState;
use super::{NORMAL_PI_MM, pow, relax};
use crate::scenario::params::{DrugParams, HormoneParams};

/// Advances FGF23, then calcitriol (which reads the new FGF23 and `s.pth`),
/// over `h` at serum Pi `pi` (mM), calcitriol `d` at the start of the
/// substep, eGFR `gfr`, Klotho `klo` and normal PTH `pth0`.
pub(super) fn step(
    ho: &HormoneParams,
    dr: &DrugParams,
    doses: &Doses,
    s: &mut PatientState,
    pi: f64,
    d: f64,
    gfr: f64,
    klo: f64,
    pth0: f64,
    h: f64,
) {
    let f0 = ho.fgf23_normal_RU_per_mL;
    let ferric = ferric_citrate_fgf23_reduction(dr, doses);
    let fgf_target = f0
        * pow(pi / NORMAL_PI_MM, ho.fgf23_pi_exponent)
        * pow(d, ho.fgf23_calcitriol_exponent)
        * pow(EGFR_NORMAL_ML_MIN / gfr.max(0.1), ho.fgf23_egfr_exponent)
        * (1.0 - ferric);
    // Two stages of osteocyte regulation, then clearance (t½ ~1 h).
    let kr = 1.0 / ho.fgf23_response_h;
    s.fgf23_drive = relax(s.fgf23_drive, fgf_target, kr, h);
    s.fgf23_production = relax(s.fgf23_production, s.fgf23_drive, kr, h);
    s.fgf23 = relax(
        s.fgf23,
        s.fgf23_production,
        std::f64::consts::LN_2 / ho.fgf23_half_life_h,
        h,
    );
    let d_target = pow(klo, ho.calcitriol_kidney_exponent)
        * pow(s.pth / pth0, ho.calcitriol_pth_exponent)
        * pow(f0 / s.fgf23.max(1e-6), ho.calcitriol_fgf23_exponent)
        + doses.calcitriol_ug_per_day / dr.calcitriol_ug_per_day_normal;
    s.calcitriol = relax(
        s.calcitriol,
        d_target,
        std::f64::consts::LN_2 / ho.calcitriol_half_life_h,
        h,
    );
}
