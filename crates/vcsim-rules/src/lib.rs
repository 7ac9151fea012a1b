//! # vcsim-rules
//!
//! The biology of vcsim and the scenario configuration that sets it up:
//!
//! - [`config`]: a [`Scenario`] from TOML text and `--set` overrides, with
//!   unknown keys rejected and every error naming its key path; back to the
//!   fully resolved TOML that runs record;
//! - [`params`]: every numeric parameter declared once, with unit, default,
//!   range and source ([`params::ParamMeta`]);
//! - [`model`]: the VSMC rules as pure functions (PiT-1 phosphate sensing,
//!   Runx2, phenotype switching with hysteresis, fetuin-A-dependent
//!   nucleation, crystal growth);
//! - [`sim`]: the [`Simulation`] that wires those rules into the
//!   `vcsim-core` pipeline, and the per-step [`Summary`].
//!
//! What it does not do: files and the command line (`vcsim-hdf5`,
//! `vcsim-cli`), or the numerics of diffusion and random streams (`vcsim-core`).
//!
//! ```
//! use vcsim_rules::{Scenario, Simulation};
//! let s = Scenario::from_toml(
//!     "[geometry]\nlamellar_units = 2\ncircumference_um = 60.0\n",
//!     "example",
//!     &[],
//! ).unwrap();
//! let mut sim = Simulation::new(&s).unwrap();
//! for _ in 0..24 {
//!     sim.step();
//! }
//! let summary = sim.world.summary(s.mineral.calcified_fraction);
//! assert_eq!(summary.time_h, 24.0);
//! assert!(summary.n_contractile > 0.0);
//! ```

pub mod config;
pub mod experiment;
pub mod invariants;
pub mod kernel;
pub mod model;
pub mod params;
pub mod patient;
mod reactions;
pub mod rules;
pub mod sim;

pub use config::{ConfigError, Override, Scenario};
pub use sim::{BuildError, Simulation, Summary, World};
