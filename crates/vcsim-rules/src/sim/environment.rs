//! The `environment` stage.

use super::build::{supply_from, systemic};
use crate::patient::Patient;
use crate::scenario::{LumenBoundary, Mode, OuterBoundary, Scenario};
use crate::world::*;
use vcsim_core::{Face, FieldKind, Stage, StepContext, det_sum};

/// `environment`: the patient and the boundary values (tissue) or medium
/// changes (culture).
pub(super) struct EnvironmentStage {
    pub(super) scenario: Box<Scenario>,
    pub(super) patient: Option<Patient>,
    pub(super) mode: Mode,
    pub(super) supply: [f64; N_SOLUTES],
    pub(super) lumen: LumenBoundary,
    pub(super) outer: OuterBoundary,
    pub(super) change_every_steps: u64,
}

impl Stage<World> for EnvironmentStage {
    fn name(&self) -> &'static str {
        "environment"
    }
    fn run(&mut self, w: &mut World, ctx: &StepContext) {
        match self.mode {
            Mode::Tissue => {
                if let (Some(p), Some(st)) = (&self.patient, w.patient.as_mut()) {
                    let r = p.advance(st, ctx.time_h, ctx.dt_h);
                    let t1 = ctx.time_h + ctx.dt_h;
                    self.supply = supply_from(&self.scenario, &r.levels);
                    w.systemic = systemic(&self.scenario, &r.levels);
                    w.serum = p.serum_record(st, t1, &r);
                    w.bone = Patient::bone_record(st, t1, &r);
                } else {
                    w.serum.time_h = ctx.time_h + ctx.dt_h;
                    w.bone.time_h = ctx.time_h + ctx.dt_h;
                }
                w.lumen = self.supply;
                for (f, &v) in self.supply.iter().enumerate() {
                    if self.lumen != LumenBoundary::Closed {
                        w.fields.set_dirichlet(f, Face::LUMEN, v);
                    }
                    if self.outer == OuterBoundary::Serum {
                        w.fields.set_dirichlet(f, Face::OUTER, v);
                    }
                }
            }
            Mode::Culture => {
                w.serum.time_h = ctx.time_h + ctx.dt_h;
                w.bone.time_h = ctx.time_h + ctx.dt_h;
                if ctx.step == 0 || !ctx.step.is_multiple_of(self.change_every_steps) {
                    return;
                }
                // Fresh medium replaces the pool and the fluid of the layer;
                // what leaves and what arrives is recorded as exchange.
                let n = w.lattice.len() as f64;
                for f in 0..FIELDS.len() {
                    if FIELD_KINDS[f] == FieldKind::QuasiSteady {
                        continue;
                    }
                    let fresh = self.supply[f];
                    let old_layer = det_sum(w.lattice.len(), |i| f64::from(w.fields.values(f)[i]));
                    let old = old_layer + w.medium_ratio * n * w.medium[f];
                    let new_layer = fresh as f32;
                    w.fields.values_mut(f).fill(new_layer);
                    w.medium[f] = fresh;
                    let new = f64::from(new_layer) * n + w.medium_ratio * n * fresh;
                    w.exchanged[f] += new - old;
                }
            }
        }
    }
}
