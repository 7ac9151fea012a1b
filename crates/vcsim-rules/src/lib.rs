//! # vcsim-rules
//!
//! The biology of vcsim and the scenario configuration that sets it up. The
//! floor plan (one place for each thing; `ARCHITECTURE.md` has the recipes):
//!
//! - [`scenario`]: a [`Scenario`] from TOML text and `--set` overrides, with
//!   unknown keys rejected and every error naming its key path; back to the
//!   fully resolved TOML that runs record. [`scenario::params`] declares every
//!   numeric parameter once, with unit, default, range and source;
//! - [`world`]: the [`World`] (everything that evolves), the solute table
//!   (one declaration per solute), the uniform levels and every random-stream
//!   purpose;
//! - [`tissue`]: the VSMC and mineral rules: reference equations
//!   ([`tissue::model`]), their vectorised per-step form ([`tissue::kernel`]),
//!   the reactions stage, the signal → behaviour table and the cell columns;
//! - [`patient`]: the systemic patient as organs whose fluxes one substep sums;
//! - [`sim`]: the [`Simulation`] that wires the stages into the `vcsim-core`
//!   pipeline (build, step, run, reconfigure, frames, snapshots);
//! - [`imaging`]: the clinical readout: a synthetic calcium-scoring CT of a
//!   vessel segment built from the wall, scored as Agatston, volume and mass
//!   ([`records::ClinicalRecord`], [`World::clinical`]);
//! - [`records`]: the per-step series ([`Summary`], serum, bone);
//! - [`experiment`]: the validation experiments and their claims;
//! - [`error`]: [`ConfigError`] and [`BuildError`].
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

pub mod error;
pub mod experiment;
pub mod history;
pub mod imaging;
pub mod invariants;
pub mod patient;
pub mod presets;
pub mod purpose;
pub mod records;
pub mod references;
pub mod scenario;
pub mod sim;
pub mod territory;
pub mod tissue;
pub mod world;

pub use error::{BuildError, ConfigError};
pub use records::Summary;
pub use scenario::{Override, Scenario};
pub use sim::Simulation;
pub use world::World;
