//! Dialysis: the weekly schedule and what a session removes.

use super::{L_PER_H_PER_ML_PER_MIN, PerHour};
use crate::scenario::params::DialysisParams;

/// True if a session of schedule `d` is running at time `t_h`.
pub(super) fn dialysing(d: &DialysisParams, t_h: f64) -> bool {
    let n = d.sessions_per_week.round() as u64;
    if n == 0 {
        return false;
    }
    let week = (t_h / 168.0).floor();
    for w in [week - 1.0, week] {
        for i in 0..n {
            let day = (i * 7 / n) as f64;
            let start = w * 168.0 + day * 24.0 + d.start_hour;
            // The spin-up (t < 0) follows the schedule of a patient
            // already on dialysis at t = 0.
            let from = if d.start_day <= 0.0 {
                f64::NEG_INFINITY
            } else {
                d.start_day * 24.0
            };
            if start < from || start >= d.stop_day * 24.0 {
                continue;
            }
            if t_h >= start && t_h < start + d.session_h {
                return true;
            }
        }
    }
    false
}

/// Removal by the dialyser (mmol/h; negative: gained from the dialysate) and
/// its clearances of PPi and toxin (L/h).
#[derive(Debug, Clone, Copy)]
pub(super) struct Removal {
    /// 1 while a session runs, else 0.
    pub on: f64,
    /// Phosphate removed.
    pub pi: PerHour,
    /// Calcium removed.
    pub ca: PerHour,
    /// Magnesium removed.
    pub mg: PerHour,
    /// PPi clearance, L/h.
    pub ppi_L_per_h: f64,
    /// Indoxyl sulfate clearance, L/h.
    pub toxin_L_per_h: f64,
}

/// What a session removes at serum Pi, ionized Ca and Mg (mM), with
/// `mg_ultrafiltrable` the ultrafiltrable share of serum Mg.
pub(super) fn removal(
    dy: &DialysisParams,
    dialysing: bool,
    pi: f64,
    ica: f64,
    mg: f64,
    mg_ultrafiltrable: f64,
) -> Removal {
    let on = if dialysing { 1.0 } else { 0.0 };
    let ml_min = L_PER_H_PER_ML_PER_MIN * on;
    Removal {
        on,
        pi: dy.pi_clearance_mL_min * ml_min * pi,
        ca: dy.ca_dialysance_mL_min
            * ml_min
            * (ica - dy.dialysate_ionized_fraction * dy.dialysate_calcium_mM),
        mg: dy.mg_dialysance_mL_min * ml_min * (mg_ultrafiltrable * mg - dy.dialysate_magnesium_mM),
        ppi_L_per_h: dy.ppi_clearance_mL_min * ml_min,
        toxin_L_per_h: dy.toxin_clearance_mL_min * ml_min,
    }
}
