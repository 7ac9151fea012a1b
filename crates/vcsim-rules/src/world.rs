//! The world: everything that evolves during a run, the solutes it holds,
//! the levels that are uniform over the tissue, and every random-stream
//! purpose of the model.

use crate::patient::PatientState;
use crate::records::{BoneRecord, SerumRecord, Summary};
use crate::scenario::params::{HA_CALCIUM_MM, HA_PI_PER_CA, InterventionParams};
use crate::tissue::cells::VsmcColumns;
use vcsim_core::{CellStore, FieldStore, Lattice, det_sum};

pub use crate::scenario::solutes::{
    CALCIUM, FETUIN_A, FIELD_KINDS, FIELDS, MAGNESIUM, N_SOLUTES, OPG, PHOSPHATE, PPI, RANKL, ROS,
};

/// Purposes of the random streams, one per kind of decision.
pub mod purpose {
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
}

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
    /// Exogenous H2O2, µM.
    pub h2o2_uM: f64,
    /// VSMC CaSR activity added by a systemic calcimimetic (on top of
    /// `interventions.calcimimetic`).
    pub calcimimetic: f64,
    /// Fraction of ROS scavenged by a systemic antioxidant (combined with
    /// `interventions.antioxidant`).
    pub antioxidant: f64,
}

impl Systemic {
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

/// Everything that evolves during a run.
#[derive(Debug, Clone)]
pub struct World {
    /// The voxel grid and its regions.
    pub lattice: Lattice,
    /// The solutes, [`FIELDS`] order.
    pub fields: FieldStore,
    /// The VSMCs and what remains of them.
    pub cells: CellStore<VsmcColumns>,
    /// Mineral (hydroxyapatite) volume fraction of each voxel. f64: one unit
    /// holds 31 460 mM of calcium, so f32 rounding would break mass balance.
    pub mineral: Vec<f64>,
    /// Culture mode: concentration of each field in the medium pool.
    pub medium: Vec<f64>,
    /// Amount of each field (concentration × voxels) that entered through
    /// the boundaries or medium changes since the start.
    pub exchanged: Vec<f64>,
    /// Uniform levels.
    pub systemic: Systemic,
    /// The patient's state (tissue mode with `boundary.lumen = "patient"`).
    pub patient: Option<PatientState>,
    /// What the lumen (and a serum outer face) holds now, per field, after
    /// partition and interventions.
    pub lumen: [f64; N_SOLUTES],
    /// The serum after the last step (`/serum`).
    pub serum: SerumRecord,
    /// The bone after the last step (`/bone`).
    pub bone: BoneRecord,
    /// Steps taken so far.
    pub step: u64,
    /// Length of a step, h.
    pub dt_h: f64,
    /// Medium volume per layer volume (culture mode), 0 in tissue mode.
    pub medium_ratio: f64,
    /// Fraction of a cell-holding voxel taken by the cell.
    pub cell_volume_fraction: f64,
    /// Protein per cell, ng (culture readout).
    pub protein_ng_per_cell: f64,
}

impl World {
    /// Simulated time now, h.
    pub fn time_h(&self) -> f64 {
        self.step as f64 * self.dt_h
    }

    /// Summary of the current state.
    pub fn summary(&self, calcified_threshold: f64) -> Summary {
        Summary::of(self, calcified_threshold)
    }

    /// Total amount of calcium (concentration × voxels): free and
    /// particle-bound in the fields, in mineral, and in the medium pool.
    pub fn calcium_amount(&self) -> f64 {
        let n = self.lattice.len() as f64;
        let field = det_sum(self.lattice.len(), |i| {
            f64::from(self.fields.values(CALCIUM)[i])
        });
        let mineral = det_sum(self.lattice.len(), |i| self.mineral[i]) * HA_CALCIUM_MM;
        field + mineral + self.medium_ratio * n * self.medium[CALCIUM]
    }

    /// Total amount of phosphate (concentration × voxels): in the fields,
    /// in mineral, inside cells, and in the medium pool.
    pub fn phosphate_amount(&self) -> f64 {
        let n = self.lattice.len() as f64;
        let field = det_sum(self.lattice.len(), |i| {
            f64::from(self.fields.values(PHOSPHATE)[i])
        });
        let mineral =
            det_sum(self.lattice.len(), |i| self.mineral[i]) * HA_CALCIUM_MM * HA_PI_PER_CA;
        let pi_in = &self.cells.data.pi_in;
        let cells = det_sum(pi_in.len(), |i| f64::from(pi_in[i])) * self.cell_volume_fraction;
        field + mineral + cells + self.medium_ratio * n * self.medium[PHOSPHATE]
    }
}
