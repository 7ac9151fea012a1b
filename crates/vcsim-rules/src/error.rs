//! The errors of building a simulation: a configuration that cannot be used
//! ([`ConfigError`], every problem at once, each naming its key path) and a
//! scenario or checkpoint that cannot become a simulation ([`BuildError`]).

use std::fmt;

/// A configuration that cannot be used, with every problem found.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// One message per problem; each names the key path.
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => f.write_str(one),
            many => {
                write!(f, "{} problems in the configuration:", many.len())?;
                for p in many {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    pub(crate) fn one(msg: String) -> Self {
        Self {
            problems: vec![msg],
        }
    }

    /// `Ok` when `problems` is empty, else the error listing them.
    pub(crate) fn unless_any(problems: Vec<String>) -> Result<(), Self> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Self { problems })
        }
    }
}

/// A scenario (or checkpoint) that cannot be turned into a simulation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// The wall geometry does not fit the lattice.
    #[error("geometry: {0}")]
    Geometry(String),
    /// The solutes' transport cannot be solved on the lattice.
    #[error("solutes: {0}")]
    Solutes(String),
    /// A checkpoint that does not fit the scenario or is damaged.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// A bisphosphonate given below eGFR 35 mL/min without `allow_low_egfr`.
    #[error(
        "treatments[{index}] (bisphosphonate): this patient's eGFR is {egfr_mL_min:.1} mL/min at start_day {start_day} (< 35; sampled from patient.variability): bisphosphonates are not given below eGFR 35 mL/min; set allow_low_egfr = true to simulate it anyway"
    )]
    BisphosphonateLowEgfr {
        /// Index of the treatment in `[[treatments]]`.
        index: usize,
        /// The patient's eGFR at the start of the treatment.
        egfr_mL_min: f64,
        /// The treatment's start day.
        start_day: f64,
    },
    /// `reconfigure` with another geometry, mode or time step.
    #[error("a running simulation cannot change its geometry, mode or time step")]
    ReconfigureGeometry,
    /// `reconfigure` between the patient model and a fixed serum.
    #[error("a running simulation cannot switch between the patient model and a fixed serum")]
    ReconfigurePatient,
}

/// A state that left the range where the model holds, found after a step or
/// in a restored checkpoint (the run stops with this message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidState {
    /// A per-step series (of `/timeseries`) that is not finite.
    #[error("{series} became {value} at t = {time_h} h")]
    NonFinite {
        /// Series name.
        series: &'static str,
        /// Its value.
        value: f64,
        /// Simulated time, h.
        time_h: f64,
    },
    /// A value of an array outside its physical bounds.
    #[error("{quantity} is {value} at index {index}; expected a finite value in [{lo}, {hi}]")]
    OutOfRange {
        /// What the array holds, with its unit.
        quantity: String,
        /// The first index outside.
        index: usize,
        /// Its value.
        value: f64,
        /// Lowest valid value.
        lo: f64,
        /// Highest valid value.
        hi: f64,
    },
    /// Any other violation, as one sentence naming the quantity.
    #[error("{0}")]
    Inconsistent(String),
}
