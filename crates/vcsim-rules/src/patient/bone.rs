//! Bone: osteoblast and osteoclast activity driven by PTH against uremic
//! skeletal resistance (denosumab, bisphosphonate and BMP-7 act here);
//! formation takes up Ca and Pi (more when the serum product is high),
//! resorption releases them; the exchangeable pool follows ionized Ca.

use super::drugs::Doses;
use super::state::PatientState;
use super::{NORMAL_ICA_MM, NORMAL_PI_MM, PerHour, pow, relax};
use crate::scenario::params::{BoneParams, DrugParams};

/// Bone fluxes of a substep (mmol Ca/h) and the targets of its cells.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bone {
    /// Calcium deposited by formation.
    pub formation: PerHour,
    /// Calcium released by resorption.
    pub resorption: PerHour,
    /// Calcium into the exchangeable pool.
    pub to_exchangeable: PerHour,
    /// Osteoblast activity the cells relax to.
    pub osteoblast_target: f64,
    /// Osteoclast activity the cells relax to.
    pub osteoclast_target: f64,
    /// Serum ionized Ca × Pi relative to normal.
    pub product_rel: f64,
}

/// Bone of state `s` at Klotho `klo`, PTH relative `pth_rel`, ionized Ca and Pi (mM).
pub(super) fn fluxes(
    bo: &BoneParams,
    dr: &DrugParams,
    doses: &Doses,
    s: &PatientState,
    klo: f64,
    pth_rel: f64,
    ica: f64,
    pi: f64,
) -> Bone {
    let resistance = 1.0 + bo.pth_resistance * (1.0 - klo).max(0.0);
    let e = pth_rel / resistance;
    let turnover = bo.turnover_factor * pow(e, bo.turnover_pth_exponent);
    let bmp7 = dr.bmp7_formation_max * doses.bmp7_ug_per_kg_week
        / (doses.bmp7_ug_per_kg_week + dr.bmp7_half_ug_per_kg_week);
    let rankl = 1.0 / (1.0 + s.denosumab / dr.denosumab_bone_ec50_nM);
    let bisph = 1.0 / (1.0 + s.bisphosphonate_bone / dr.bisphosphonate_bone_half_umol);
    let adynamic = pow(
        (e / bo.adynamic_pth_fraction).min(1.0),
        bo.adynamic_formation_exponent,
    );
    // Formation follows resorption (coupled remodelling): what suppresses
    // osteoclasts lowers osteoblasts too, less and later.
    let coupling = pow(rankl * bisph, bo.formation_coupling);
    let ob_target = turnover * adynamic * (1.0 + bmp7) * coupling;
    let oc_target = turnover * (1.0 + bo.uncoupling * (e - 1.0).max(0.0)) * rankl * bisph;
    let x = ica * pi / (NORMAL_ICA_MM * NORMAL_PI_MM);
    let hm = bo.mineralisation_half;
    // Surplus mineral is taken up; a product below normal mineralises new
    // osteoid less (down to `mineralisation_floor`): hungry bone cannot
    // drain serum Ca without limit.
    let uptake = ((1.0 + hm) * x / (hm + x)).max(bo.mineralisation_floor);
    let rate = bo.turnover_ca_mmol_per_day / 24.0;
    let formation = rate * s.osteoblasts * uptake;
    let resorption = rate * s.osteoclasts * (s.bone_deep / bo.deep_ca_mmol).max(0.0);
    let exch_target = bo.exchangeable_ca_mmol * ica / NORMAL_ICA_MM * s.osteoblasts.max(0.0).sqrt();
    let to_exchangeable = bo.exchange_rate_per_h * (exch_target - s.bone_exchangeable);
    Bone {
        formation,
        resorption,
        to_exchangeable,
        osteoblast_target: ob_target,
        osteoclast_target: oc_target,
        product_rel: x,
    }
}

/// Bone cells relax towards their targets over `h`.
pub(super) fn cells(bo: &BoneParams, s: &mut PatientState, b: &Bone, h: f64) {
    let bone_rate = 1.0 / (bo.response_days * 24.0);
    s.osteoblasts = relax(s.osteoblasts, b.osteoblast_target, bone_rate, h);
    s.osteoclasts = relax(s.osteoclasts, b.osteoclast_target, bone_rate, h);
}
