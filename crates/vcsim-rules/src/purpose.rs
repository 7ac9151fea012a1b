//! Purposes of the random streams, one per kind of decision: every random
//! number of the model comes from `Stream::new(seed, step, id, purpose)`
//! with one of these, so two decisions never share a stream.

use vcsim_core::Purpose;
/// Whether a media voxel holds a cell at the start (keyed on the voxel).
pub const PLACEMENT: Purpose = Purpose(1);
/// A new cell's PiT-1 expression.
pub const PIT1: Purpose = Purpose(2);
/// Phenotype switching.
pub const SWITCH: Purpose = Purpose(3);
/// Mineral nucleation (keyed on the voxel).
pub const NUCLEATION: Purpose = Purpose(4);
/// Entry into apoptosis.
pub const APOPTOSIS: Purpose = Purpose(5);
/// Completion of apoptosis.
pub const CLEARANCE: Purpose = Purpose(6);
/// The patient's own factors (keyed on the factor's number).
pub const PATIENT: Purpose = Purpose(20);
/// The factors of the imaging readout's sites, the patient's anatomy along
/// the scored vessel (keyed on the site: its axial index in the place of the
/// step, its arc index as the id).
pub const IMAGING_SITE: Purpose = Purpose(21);
/// The onset delays of the imaging readout's sites (keyed as
/// [`IMAGING_SITE`]).
pub const IMAGING_ONSET: Purpose = Purpose(22);
/// Removal of an apoptotic body by phagocytes (keyed on the cell).
pub const BODY_REMOVAL: Purpose = Purpose(7);
/// A free territory gaining a new cell (keyed on the territory's anchor voxel).
pub const REPOPULATION: Purpose = Purpose(8);
