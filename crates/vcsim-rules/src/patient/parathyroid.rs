//! Parathyroid: PTH from a gland whose output falls with ionized Ca along
//! Brown's four-parameter sigmoid (CaSR, set point shifted by cinacalcet;
//! acute reserve of several times the basal secretion, a non-suppressible
//! floor), rises with Pi (slowly) and falls with calcitriol; the gland's
//! size follows the chronic stimulus (hyperplasia).

use super::state::PatientState;
use super::{NORMAL_ICA_MM, NORMAL_PI_MM, pow, relax};
use crate::scenario::params::{DrugParams, ParathyroidParams};

/// Advances gland size and PTH over `h` at ionized Ca and Pi (mM),
/// calcitriol `d` (relative) and cinacalcet effect `cin_effect` (0–1).
pub(super) fn step(
    pt: &ParathyroidParams,
    dr: &DrugParams,
    s: &mut PatientState,
    ica: f64,
    pi: f64,
    d: f64,
    cin_effect: f64,
    h: f64,
) {
    let pth0 = pt.pth_normal_pg_per_mL;
    let set = pt.casr_set_point_mM * (1.0 - dr.cinacalcet_set_point_shift * cin_effect);
    // Brown's four-parameter curve, relative to the maximal secretion:
    // a floor of non-suppressible secretion plus a steep inverse sigmoid.
    let m = pt.casr_min_fraction;
    let casr = |i: f64, set: f64| m + (1.0 - m) / (1.0 + pow(i / set, pt.casr_hill));
    // Pi acts through PTH mRNA stability, over `pi_response_h`; ionized Ca
    // through the CaSR, within minutes (algebraic here).
    s.pi_pth_signal = relax(s.pi_pth_signal, pi, 1.0 / pt.pi_response_h, h);
    let stimulus = casr(ica, set) / casr(NORMAL_ICA_MM, pt.casr_set_point_mM)
        * pow(s.pi_pth_signal / NORMAL_PI_MM, pt.pi_exponent)
        * pow(d.max(1e-6), -pt.calcitriol_exponent);
    let gland_target = pt.gland_capacity * pow(stimulus, pt.gland_growth_exponent);
    s.gland = relax(s.gland, gland_target, 1.0 / (pt.gland_time_days * 24.0), h);
    s.pth = pth0 * s.gland * stimulus;
}
