//! The simulation: the world, its stages, and per-step summaries.
//!
//! One step (see `ARCHITECTURE.md`):
//! 1. `environment`: tissue — the lumen (and optionally outer) boundary values
//!    from the serum; culture — a medium change when one is due;
//! 2. `reactions` (`reactions.rs`): pass 1, voxels and their cells
//!    together in parallel blocks — every VSMC senses its voxel, updates its
//!    intracellular Pi, Runx2, ALP and OPN, may switch phenotype, may enter
//!    apoptosis (apoptotic cells become apoptotic bodies); then the voxel's
//!    secretion (Pi uptake, PPi and its hydrolysis by ALP, RANKL, OPG, the ROS
//!    sources of cells and endothelium); then whether a nucleus forms (at
//!    vesicles, apoptotic bodies, laminae, next to mineral); pass 2, nuclei
//!    placed and mineral grown, taking Ca and Pi out of the voxel;
//! 3. `transport`: tissue — implicit diffusion of every solute (ROS
//!    quasi-steady); culture — the medium is well mixed with the layer.
//!
//! Reactions (secretion, mineral) run before transport on purpose: the
//! implicit solve that follows refills depleted voxels within the same step,
//! so cells and summaries see relaxed fields.

mod build;
mod environment;
mod frames;
mod reactions;
mod snapshot;
#[cfg(test)]
mod tests;
mod transport;
mod turnover;

pub use build::{supply, supply_from};
pub use frames::{CellTable, CellTableColumn, CellValues};
pub use snapshot::SNAPSHOT_VERSION;

use crate::error::BuildError;
use crate::patient::{Patient, PatientFactors, StepResult};
use crate::scenario::{Mode, Scenario};
use crate::world::*;
use build::*;
use environment::EnvironmentStage;
use reactions::ReactionStage;
use std::fmt;
use transport::TransportStage;
use vcsim_core::{
    DiffusionSolver, FieldStore, Observer, Pipeline, StageEvent, StageTimes, StepContext,
};

/// A running simulation: the world plus the pipeline that advances it.
pub struct Simulation {
    /// The state.
    pub world: World,
    pipeline: Pipeline<World>,
    seed: u64,
    dt_h: f64,
}

impl fmt::Debug for Simulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("step", &self.world.step)
            .field("pipeline", &self.pipeline)
            .finish()
    }
}

impl Simulation {
    /// Builds the lattice, fields, cells and pipeline of a validated scenario.
    pub fn new(s: &Scenario) -> Result<Self, BuildError> {
        let lattice = lattice(s)?;
        let (patient, state) = if s.uses_patient() {
            let factors = PatientFactors::draw(&s.patient.variability, s.simulation.seed);
            let p = Patient::new(s, &factors);
            p.check()?;
            let st = p.initial_state();
            (Some(p), Some(st))
        } else {
            (None, None)
        };
        let levels = match (&patient, &state) {
            (Some(p), Some(st)) => p.levels_now(st),
            _ => clamped_levels(s),
        };
        let (serum, bone) = match (&patient, &state) {
            (Some(p), Some(st)) => {
                let r = StepResult::default();
                (
                    p.serum_record(st, 0.0, &r),
                    Patient::bone_record(st, 0.0, &r),
                )
            }
            _ => (fixed_serum_record(s, 0.0), no_bone_record(0.0)),
        };
        let supplied = supply_from(s, &levels);
        let specs = field_specs(s, &supplied);
        let dt_h = s.simulation.dt_h;
        // Tissue: the cells' PPi hydrolysis is a sink of the implicit solve.
        let solver = DiffusionSolver::new(&lattice, &specs, dt_h)
            .and_then(|v| match s.mode {
                Mode::Tissue => v.with_sinks(&[PPI]),
                Mode::Culture => Ok(v),
            })
            .map_err(|e| BuildError::Solutes(e.to_string()))?;
        let seed = s.simulation.seed;
        let fields = FieldStore::new(specs, lattice.len());
        let sys = systemic(s, &levels);
        let territories = territories(&lattice, s);
        let cells = place_cells(&lattice, &territories, s, &supplied, seed);
        let cell_volume_voxels = cell_volume_voxels(&lattice, s);
        let lamina_band = lamina_band(&lattice, s);
        let medium_ratio = match s.mode {
            Mode::Culture => s.culture.medium_height_um / s.geometry.dx_um,
            Mode::Tissue => 0.0,
        };
        let mut pipeline = Pipeline::new();
        pipeline.push(EnvironmentStage {
            scenario: Box::new(s.clone()),
            patient,
            mode: s.mode,
            supply: supplied,
            lumen: s.boundary.lumen,
            outer: s.boundary.outer,
            change_every_steps: ((s.culture.medium_change_days * 24.0 / dt_h).round() as u64)
                .max(1),
        });
        let d_min = s
            .solutes
            .calcium
            .diffusion_um2_per_h
            .min(s.solutes.phosphate.diffusion_um2_per_h);
        let exchange = match s.mode {
            Mode::Tissue => {
                1.0 + 2.0 * lattice.ndim as f64 * d_min * dt_h / (lattice.dx_um * lattice.dx_um)
            }
            Mode::Culture => 1.0 + medium_ratio,
        };
        pipeline.push(ReactionStage {
            p: s.cells.clone(),
            m: s.mineral.clone(),
            iv: s.interventions.clone(),
            b: s.binding.clone(),
            exchange,
            flags: vec![0; lattice.len()],
            scratch: Default::default(),
            tissue: s.mode == Mode::Tissue,
        });
        pipeline.push(TransportStage {
            solver,
            mode: s.mode,
        });
        let n_fields = FIELDS.len();
        let n_voxels = lattice.len();
        let mut history = crate::history::History::new(&s.imaging, s.mode == Mode::Tissue);
        history.record(0.0, &vec![0.0; n_voxels]);
        Ok(Self {
            world: World {
                lattice,
                fields,
                cells,
                mineral: vec![0.0; n_voxels],
                nuclei: vec![0; n_voxels],
                medium: supplied.to_vec(),
                exchanged: vec![0.0; n_fields],
                systemic: sys,
                patient: state,
                lumen: supplied,
                serum,
                bone,
                step: 0,
                dt_h,
                medium_ratio,
                cell_volume_voxels,
                lamina_band,
                cpp_half_g_per_L: s.mineral.cpp_half_g_per_L,
                max_fraction: s.mineral.max_fraction,
                readout_block_um: s.mineral.calcified_block_um,
                territories,
                protein_ng_per_cell: s.culture.protein_ng_per_cell,
                history,
                ppi_sink: vec![0.0; n_voxels],
            },
            pipeline,
            seed,
            dt_h,
        })
    }

    /// Takes one step and returns its context.
    pub fn step(&mut self) -> StepContext {
        self.step_with(|_| {})
    }

    /// Takes one step, calling `hook` right before and after each stage
    /// (see [`Pipeline::step_with`]), and returns its context.
    pub fn step_with(&mut self, hook: impl FnMut(StageEvent)) -> StepContext {
        let ctx = StepContext {
            step: self.world.step,
            time_h: self.world.time_h(),
            dt_h: self.dt_h,
            seed: self.seed,
        };
        self.pipeline.step_with(&mut self.world, &ctx, hook);
        self.world.step += 1;
        let w = &mut self.world;
        w.history.record(w.step as f64 * w.dt_h, &w.mineral);
        ctx
    }

    /// Continues with a changed scenario — an intervention started or stopped
    /// part-way: the pipeline and the uniform levels are rebuilt from `s`, the
    /// state (fields, cells, mineral, step) is kept. The lattice and the step
    /// length must not change.
    pub fn reconfigure(&mut self, s: &Scenario) -> Result<(), BuildError> {
        let next = Simulation::new(s)?;
        if next.world.lattice != self.world.lattice || next.dt_h != self.dt_h {
            return Err(BuildError::ReconfigureGeometry);
        }
        if next.world.patient.is_some() != self.world.patient.is_some() {
            return Err(BuildError::ReconfigurePatient);
        }
        if self.world.patient.is_none() {
            self.world.systemic = next.world.systemic;
        }
        self.pipeline = next.pipeline;
        self.seed = next.seed;
        Ok(())
    }

    /// Accumulated wall-clock time per stage.
    pub fn stage_times(&self) -> &StageTimes {
        self.pipeline.times()
    }

    /// Takes `n` steps, handing the world to `observer` after each one. Stops
    /// at the first observer error (the world is then one step past what the
    /// observer recorded last).
    pub fn run<O: Observer<World>>(&mut self, n: u64, observer: &mut O) -> Result<(), O::Error> {
        for _ in 0..n {
            let ctx = self.step();
            observer.after_step(&self.world, &ctx)?;
        }
        Ok(())
    }
}
