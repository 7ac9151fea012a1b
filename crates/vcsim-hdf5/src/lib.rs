//! HDF5 run files of vcsim: writing them, reading them back, and comparing two of them.
//!
//! This crate does:
//! - create a run file and write its root attributes, grid coordinates and region map
//!   ([`RunWriter`]), with units on every dataset and the coordinates as HDF5 dimension
//!   scales, so netCDF-4 readers (xarray with h5netcdf) see named dimensions,
//! - append rows of series (the summary `/timeseries` and any other groups the caller
//!   names, such as `/serum`) and field frames while a run goes on, flushing them
//!   to disk so that a crashed run leaves a readable file,
//! - record provenance (timings, host, threads) in `/provenance`,
//! - read the file back ([`RunReader`]) and compare two files object by object
//!   ([`diff_files`]);
//! - find damage: every chunk carries a Fletcher-32 checksum, object headers are
//!   version 2 (checksummed), the global heap's strings are covered by the root
//!   attribute `strings_checksum`, checkpoints by `checksum`; [`verify_file`] reads
//!   everything back and lists what is damaged, and readers refuse datasets that
//!   declare more bytes than the file can hold before allocating.
//!
//! This crate does not:
//! - know any biology: fields, series and regions are names, units and numbers handed to
//!   it by the caller (the units are stored as given, in `units` attributes);
//! - decide when to write: the caller chooses which steps become frames or series rows;
//! - parse the configuration: the TOML text is stored verbatim.
//!
//! It is the only crate of the workspace that links libhdf5 (and its high-level library
//! libhdf5_hl, for the dimension scales; see `build.rs`); the other crates see plain slices
//! and the typed [`OutputError`].
//!
//! The on-disk layout is described in [`layout`].

#![warn(missing_docs)]

mod attrs;
mod cells;
mod checkpoint;
mod checksum;
mod diff;
mod dimscale;
mod error;
mod inherit;
pub mod layout;
mod nd;
mod pooled;
mod reader;
mod series;
mod verify;
mod writer;
mod xdmf;

pub use cells::CellColumn;
pub use checkpoint::{CheckpointMeta, read_checkpoint, write_checkpoint};
pub use diff::diff_files;
pub use error::OutputError;
pub use layout::TIMESERIES;
pub use pooled::{
    Pooled, PooledColumn, PooledMatrix, PooledTable, read_pooled_f64, read_pooled_str, write_pooled,
};
pub use reader::RunReader;
pub use series::SeriesGroup;
pub use verify::{FileKind, VerifyReport, declared_bytes_limit, verify_file};
pub use writer::RunWriter;
pub use xdmf::write_xdmf;

/// Version of the file layout described in [`layout`], stored as the root attribute
/// `schema_version`. Bump it whenever the layout changes incompatibly (an object moved,
/// renamed, removed or retyped); additions such as new series groups keep it (see
/// [`layout`], "Versions"). [`RunReader::open`] refuses any other version.
pub const SCHEMA_VERSION: u32 = 2;

/// What identifies a run: stored as root attributes.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The full configuration, as TOML text (stored verbatim).
    pub config_toml: String,
    /// Version of the vcsim program that wrote the file.
    pub vcsim_version: String,
    /// Seed of the random number generator.
    pub seed: u64,
    /// Name of the scenario that was run.
    pub scenario: String,
}

/// Geometry of the voxel grid.
#[derive(Debug, Clone)]
pub struct GridInfo {
    /// 2 or 3.
    pub ndim: usize,
    /// (nz, ny, nx); nz == 1 when ndim == 2. x is the radial axis (depth from the lumen), y circumferential, z axial.
    pub shape: [usize; 3],
    /// voxel edge length, µm
    pub spacing_um: f64,
}

/// How a run went, as opposed to what it computed; the only part of a run file that may
/// differ between two runs with identical inputs.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Wall-clock duration of the run, seconds.
    pub wall_time_s: f64,
    /// Name of the machine the run ran on.
    pub host: String,
    /// Number of worker threads.
    pub threads: usize,
    /// Number of simulation steps completed.
    pub steps_run: u64,
    /// Names of the timed stages of a step, parallel to `stage_seconds`.
    pub stage_names: Vec<String>,
    /// Total seconds spent in each stage, parallel to `stage_names`.
    pub stage_seconds: Vec<f64>,
    /// Start of the run, seconds since the Unix epoch.
    pub started_unix_s: f64,
}
