//! The `transport` stage.

use crate::scenario::Mode;
use crate::world::*;
use vcsim_core::{DiffusionSolver, FieldKind, Stage, StepContext, det_sum};

/// `transport`: diffusion (tissue) or mixing with the medium (culture).
pub(super) struct TransportStage {
    pub(super) solver: DiffusionSolver,
    pub(super) mode: Mode,
}

impl Stage<World> for TransportStage {
    fn name(&self) -> &'static str {
        "transport"
    }
    fn run(&mut self, w: &mut World, _: &StepContext) {
        match self.mode {
            Mode::Tissue => {
                // The solver was built with sinks on PPI and the sinks have
                // one value per voxel (World::new): this cannot fail.
                if let Err(e) = self
                    .solver
                    .step_with_sinks(&mut w.fields, &[(PPI, &w.ppi_sink)])
                {
                    unreachable!("the PPi sinks fit the solver: {e}");
                }
            }
            Mode::Culture => self.solver.step(&mut w.fields),
        }
        match self.mode {
            Mode::Tissue => {
                for f in 0..FIELDS.len() {
                    if FIELD_KINDS[f] == FieldKind::QuasiSteady {
                        continue;
                    }
                    let flux = self.solver.boundary_flux(f);
                    w.exchanged[f] += flux.iter().map(|a| a[0] + a[1]).sum::<f64>();
                }
            }
            Mode::Culture => {
                // The layer and the medium pool mix completely within a step.
                let n = w.lattice.len();
                let ratio = w.medium_ratio;
                for f in 0..FIELDS.len() {
                    if FIELD_KINDS[f] == FieldKind::QuasiSteady {
                        continue;
                    }
                    let decay = self.solver.decay_factor(f);
                    let layer = det_sum(n, |i| f64::from(w.fields.values(f)[i]));
                    let pool = ratio * n as f64 * w.medium[f] * decay;
                    let mixed = (layer + pool) / (n as f64 * (1.0 + ratio));
                    let stored = mixed as f32;
                    w.fields.values_mut(f).fill(stored);
                    // Keep the total exact: the pool takes the rounding of the layer.
                    w.medium[f] =
                        (layer + pool - f64::from(stored) * n as f64) / (ratio * n as f64);
                }
            }
        }
    }
}
