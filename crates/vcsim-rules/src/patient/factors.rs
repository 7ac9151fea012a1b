//! The patient's own factors, drawn from `[patient.variability]` and the seed.

use crate::purpose;
use crate::scenario::params::VariabilityParams;
use rand_distr::{Distribution, LogNormal};
use vcsim_core::Stream;

/// The patient's own factors drawn from `[patient.variability]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatientFactors {
    /// × dietary phosphate.
    pub diet_phosphate: f64,
    /// × dietary calcium.
    pub diet_calcium: f64,
    /// × eGFR.
    pub egfr: f64,
    /// × parathyroid gland capacity.
    pub gland_capacity: f64,
    /// × bone turnover.
    pub turnover: f64,
    /// × fetuin-A synthesis.
    pub fetuin_a: f64,
    /// × PPi production.
    pub ppi: f64,
    /// × toxin production.
    pub toxin: f64,
}

impl PatientFactors {
    /// All ones: the patient as configured.
    pub const ONE: Self = Self {
        diet_phosphate: 1.0,
        diet_calcium: 1.0,
        egfr: 1.0,
        gland_capacity: 1.0,
        turnover: 1.0,
        fetuin_a: 1.0,
        ppi: 1.0,
        toxin: 1.0,
    };

    /// Draws the factors of the patient of `seed` (log-normal, mean 1), or
    /// all ones when `sample` is 0. Each factor has its own stream, so
    /// changing one coefficient of variation leaves the others unchanged.
    pub fn draw(v: &VariabilityParams, seed: u64) -> Self {
        if v.sample < 0.5 {
            return Self::ONE;
        }
        let draw = |k: u64, cv: f64| -> f64 {
            if cv <= 0.0 {
                return 1.0;
            }
            match LogNormal::from_mean_cv(1.0, cv) {
                Ok(d) => d.sample(&mut Stream::new(seed, 0, k, purpose::PATIENT)),
                Err(_) => 1.0,
            }
        };
        Self {
            diet_phosphate: draw(1, v.diet_phosphate_cv),
            diet_calcium: draw(2, v.diet_calcium_cv),
            egfr: draw(3, v.egfr_cv),
            gland_capacity: draw(4, v.gland_capacity_cv),
            turnover: draw(5, v.turnover_cv),
            fetuin_a: draw(6, v.fetuin_a_cv),
            ppi: draw(7, v.ppi_cv),
            toxin: draw(8, v.toxin_cv),
        }
    }
}
