//! # vcsim-core
//!
//! The machinery of the vcsim tissue simulation, with no I/O and no biology:
//!
//! - [`Lattice`]: a 2D or 3D grid of cubic voxels over a patch of arterial
//!   wall, with the tissue [`Region`] of every voxel built from a
//!   [`WallGeometry`] (endothelium, elastic laminae, smooth-muscle layers,
//!   adventitia; circumferential and axial axes periodic);
//! - [`FieldStore`]: named f32 solute fields with per-face [`Boundary`]
//!   conditions, and [`DiffusionSolver`], an implicit locally-one-dimensional
//!   diffusion–decay solver (Thomas algorithm, lines in parallel with rayon);
//! - [`CellStore`]: struct-of-arrays cell storage, one cell per voxel, stable
//!   [`CellId`]s; the per-cell variables are a [`Columns`] type of the rule set;
//! - [`Stream`]: counter-based random numbers keyed on (seed, step, id, purpose);
//! - [`Pipeline`]: an ordered list of named [`Stage`]s with timers, and the
//!   [`Observer`] trait through which output is recorded;
//! - [`det_sum`]: floating-point sums that give the same bits for any thread count;
//! - [`Snapshot`]: the state of a run as named arrays, for checkpoints.
//!
//! What it does not do: read or write files, parse configuration, or know what
//! a solute or a cell means. The rule set (`vcsim-rules`) gives names and
//! behaviour; the output crate (`vcsim-hdf5`) implements the observer.
//!
//! ```
//! use vcsim_core::{Boundary, DiffusionSolver, FieldSpec, FieldStore, Lattice, Region, det_sum_f32};
//! let lattice = Lattice::uniform(2, [1, 8, 16], 10.0, Region::Media);
//! let spec = FieldSpec {
//!     name: "tracer".into(),
//!     unit: "mM".into(),
//!     diffusion_um2_per_h: 1.0e4,
//!     decay_per_h: 0.0,
//!     boundary: [[Boundary::NoFlux; 2], [Boundary::Periodic; 2], [Boundary::Periodic; 2]],
//!     initial: 0.0,
//!     kind: Default::default(),
//! };
//! let mut fields = FieldStore::new(vec![spec.clone()], lattice.len());
//! fields.values_mut(0)[5] = 128.0;
//! let mut solver = DiffusionSolver::new(&lattice, &[spec], 24.0).unwrap();
//! solver.step(&mut fields); // a day in one step: stable, and mass is kept
//! assert!((det_sum_f32(fields.values(0)) - 128.0).abs() < 1e-3);
//! ```

mod cells;
mod field;
mod lattice;
mod pipeline;
mod reduce;
mod rng;
mod snapshot;
mod solver;

pub use cells::{CellId, CellStore, Columns, Occupied, retain_by};
pub use field::{Boundary, Face, FieldKind, FieldSpec, FieldStore};
pub use lattice::{GeometryError, Lattice, MAX_VOXELS, NO_UNIT, Region, WallGeometry};
pub use pipeline::{Observer, Pipeline, Stage, StageEvent, StageTimes, StepContext};
pub use reduce::{REDUCE_CHUNK, det_sum, det_sum_f32};
pub use rng::{Purpose, Stream, first_uniforms, philox4x32_10};
pub use snapshot::{Column, Snapshot, SnapshotError};
pub use solver::{DiffusionSolver, Kernels, SolverError};
