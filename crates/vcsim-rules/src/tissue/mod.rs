//! The tissue: what VSMCs and mineral do in each voxel.
//!
//! - [`model`]: every mechanism as a pure reference function (M1–M11 and the
//!   interventions), the equations of `docs/model.md`;
//! - [`kernel`]: the same mechanisms with every per-step constant computed
//!   once ([`kernel::Rules`]), as the reactions stage applies them;
//! - [`rules`]: the signal → behaviour table, checked against [`model`];
//! - [`cells`]: the cell columns (phenotype and per-cell state).

pub mod cells;
pub mod chemistry;
pub mod kernel;
pub mod model;
pub mod rules;

use crate::scenario::params::InterventionParams;

/// Levels that are uniform over the tissue: systemic hormones, toxins and drugs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Systemic {
    /// PTH, pg/mL.
    pub pth_pg_per_mL: f64,
    /// Indoxyl sulfate, µM.
    pub toxin_uM: f64,
    /// Bisphosphonate, µM.
    pub bisphosphonate_uM: f64,
    /// Denosumab, nM.
    pub denosumab_nM: f64,
    /// ROS that exogenous H2O2 adds to what a cell senses, nM
    /// (`interventions.h2o2_uM × interventions.h2o2_ros_nM_per_uM`).
    pub h2o2_ros_nM: f64,
    /// VSMC CaSR activity added by a systemic calcimimetic (on top of
    /// `interventions.calcimimetic`).
    pub calcimimetic: f64,
    /// Fraction of ROS scavenged by a systemic antioxidant (combined with
    /// `interventions.antioxidant`).
    pub antioxidant: f64,
    /// Active vitamin D (endogenous calcitriol plus an active vitamin D
    /// drug), relative to normal; only a level above the normal range acts
    /// on VSMCs (`model::vitamin_d_drive`).
    pub active_vitamin_d_rel: f64,
}

impl Systemic {
    /// No hormone, toxin or drug.
    pub const NONE: Systemic = Systemic {
        pth_pg_per_mL: 0.0,
        toxin_uM: 0.0,
        bisphosphonate_uM: 0.0,
        denosumab_nM: 0.0,
        h2o2_ros_nM: 0.0,
        calcimimetic: 0.0,
        antioxidant: 0.0,
        active_vitamin_d_rel: 0.0,
    };

    /// The tissue interventions with the systemic drugs folded in.
    pub fn interventions(&self, iv: &InterventionParams) -> InterventionParams {
        let mut out = iv.clone();
        // Without a systemic drug the tissue values stay bit for bit.
        if self.calcimimetic != 0.0 {
            out.calcimimetic += self.calcimimetic;
        }
        if self.antioxidant != 0.0 {
            out.antioxidant = 1.0 - (1.0 - iv.antioxidant) * (1.0 - self.antioxidant);
        }
        out
    }
}
