//! Gut: calcitriol-dependent absorption of dietary phosphate, calcium and
//! magnesium; phosphate binders and the calcium and magnesium they carry.

use super::drugs::{CA_MMOL_PER_G_CACO3, Doses, MG_MMOL_PER_G_MGCO3};
use super::{NORMAL_CA_MM, PerHour};
use crate::scenario::params::{DietParams, DrugParams};

/// Net absorption, mmol/h.
#[derive(Debug, Clone, Copy)]
pub(super) struct Gut {
    /// Phosphate absorbed (after binding).
    pub pi: PerHour,
    /// Calcium absorbed (diet and calcium carbonate) less gut secretion.
    pub ca: PerHour,
    /// Magnesium absorbed (diet and magnesium carbonate).
    pub mg: PerHour,
}

/// Absorption at calcitriol `d` (relative) and serum total calcium `ca` (mM).
pub(super) fn absorption(di: &DietParams, dr: &DrugParams, doses: &Doses, d: f64, ca: f64) -> Gut {
    let vit = d / (1.0 + d);
    let pi_avail = di.phosphate_mmol_per_day / 24.0
        * (di.pi_absorption_basal + di.pi_absorption_calcitriol * vit);
    let bound = doses.binder_pi_mmol_per_day / 24.0;
    let pi_abs = if pi_avail > 0.0 {
        pi_avail * pi_avail / (pi_avail + bound)
    } else {
        0.0
    };
    let ca_abs = di.calcium_mmol_per_day / 24.0
        * (di.ca_absorption_basal + di.ca_absorption_calcitriol * vit)
        - di.ca_gut_secretion_mmol_per_day / 24.0 * ca / NORMAL_CA_MM
        + doses.calcium_carbonate_g * CA_MMOL_PER_G_CACO3 * dr.calcium_carbonate_ca_absorption
            / 24.0;
    let mg_abs = di.magnesium_mmol_per_day / 24.0 * di.mg_absorption
        + doses.magnesium_carbonate_g * MG_MMOL_PER_G_MGCO3 * dr.magnesium_carbonate_mg_absorption
            / 24.0;
    Gut {
        pi: pi_abs,
        ca: ca_abs,
        mg: mg_abs,
    }
}
