//! The tissue: what VSMCs and mineral do in each voxel.
//!
//! - [`model`]: every mechanism as a pure reference function (M1–M11 and the
//!   interventions), the equations of `docs/model.md`;
//! - [`kernel`]: the same mechanisms with every per-step constant computed
//!   once ([`kernel::Rules`]), as the reactions stage applies them;
//! - `reactions`: the reactions stage (cells, secretion and nucleation in one
//!   pass, then growth);
//! - [`rules`]: the signal → behaviour table, checked against [`model`];
//! - [`cells`]: the cell columns (phenotype and per-cell state).

pub mod cells;
pub mod kernel;
pub mod model;
pub(crate) mod reactions;
pub mod rules;
