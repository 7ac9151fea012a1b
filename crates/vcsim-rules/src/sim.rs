//! The tissue simulation: the world, its stages, and per-step summaries.
//!
//! One step (see `ARCHITECTURE.md`):
//! 1. `serum`: lumen (and optionally outer) boundary values from the serum;
//! 2. `cells`: every VSMC, in parallel, senses Pi, updates Runx2, may switch
//!    phenotype and may nucleate mineral in its own voxel;
//! 3. `mineral`: new nuclei are placed, existing mineral grows and takes Ca
//!    and Pi out of its voxel;
//! 4. `diffusion`: implicit diffusion–decay of phosphate, calcium, fetuin-A.
//!
//! Mineral runs before diffusion on purpose: its uptake is a reaction term,
//! and the implicit solve that follows refills depleted voxels within the same
//! step, so cells and summaries see relaxed fields rather than the transient
//! dip of a voxel that has just grown mineral.

use crate::config::{OuterBoundary, Scenario};
use crate::model::{self, Phenotype, VsmcColumns, VsmcRow};
use crate::params::{CellParams, HA_CALCIUM_MM, HA_PI_PER_CA, MineralParams};
use rand_distr::{Distribution, LogNormal};
use rayon::prelude::*;
use std::fmt;
use vcsim_core::{
    Boundary, CellStore, DiffusionSolver, Face, FieldSpec, FieldStore, Lattice, Observer, Pipeline,
    Region, Stage, StageTimes, StepContext, Stream, WallGeometry, det_sum,
};

/// Field index of phosphate.
pub const PHOSPHATE: usize = 0;
/// Field index of calcium.
pub const CALCIUM: usize = 1;
/// Field index of fetuin-A.
pub const FETUIN_A: usize = 2;

/// Purposes of the random streams, one per kind of decision.
pub mod purpose {
    use vcsim_core::Purpose;
    /// Whether a media voxel holds a cell at the start (keyed on the voxel).
    pub const PLACEMENT: Purpose = Purpose(1);
    /// A new cell's PiT-1 expression.
    pub const PIT1: Purpose = Purpose(2);
    /// Phenotype switching.
    pub const SWITCH: Purpose = Purpose(3);
    /// Mineral nucleation.
    pub const NUCLEATION: Purpose = Purpose(4);
}

/// Everything that evolves during a run.
#[derive(Debug, Clone)]
pub struct World {
    /// The voxel grid and its regions.
    pub lattice: Lattice,
    /// Phosphate, calcium and fetuin-A.
    pub fields: FieldStore,
    /// The VSMCs.
    pub cells: CellStore<VsmcColumns>,
    /// Mineral (hydroxyapatite) volume fraction of each voxel.
    pub mineral: Vec<f32>,
    /// Steps taken so far.
    pub step: u64,
    /// Length of a step, h.
    pub dt_h: f64,
}

/// A scenario that cannot be turned into a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

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

fn field_specs(s: &Scenario) -> Vec<FieldSpec> {
    let outer = match s.boundary.outer {
        OuterBoundary::NoFlux => Boundary::NoFlux,
        OuterBoundary::Serum => Boundary::Dirichlet,
    };
    let bc = [
        [Boundary::Dirichlet, outer],
        [Boundary::Periodic; 2],
        [Boundary::Periodic; 2],
    ];
    let t = &s.solutes;
    let make = |name: &str, unit: &str, d: f64, k: f64, initial: f64| FieldSpec {
        name: name.into(),
        unit: unit.into(),
        diffusion_um2_per_h: d,
        decay_per_h: k,
        boundary: bc,
        initial,
    };
    vec![
        make(
            "phosphate",
            "mM",
            t.phosphate.diffusion_um2_per_h,
            t.phosphate.decay_per_h,
            s.serum.phosphate_mM * t.phosphate.partition,
        ),
        make(
            "calcium",
            "mM",
            t.calcium.diffusion_um2_per_h,
            t.calcium.decay_per_h,
            s.serum.calcium_mM * t.calcium.partition,
        ),
        make(
            "fetuin_a",
            "g/L",
            t.fetuin_a.diffusion_um2_per_h,
            t.fetuin_a.decay_per_h,
            s.serum.fetuin_a_g_per_L * t.fetuin_a.partition,
        ),
    ]
}

impl Simulation {
    /// Builds the lattice, fields, cells and pipeline of a validated scenario.
    pub fn new(s: &Scenario) -> Result<Self, BuildError> {
        let g = &s.geometry;
        let lattice = Lattice::from_wall(&WallGeometry {
            ndim: g.ndim,
            dx_um: g.dx_um,
            endothelium_um: g.endothelium_um,
            lamellar_units: g.lamellar_units,
            lamellar_unit_um: g.lamellar_unit_um,
            lamina_um: g.lamina_um,
            adventitia_um: g.adventitia_um,
            circumference_um: g.circumference_um,
            axial_um: g.axial_um,
        })
        .map_err(|e| BuildError(format!("geometry: {e}")))?;
        let specs = field_specs(s);
        let dt_h = s.simulation.dt_h;
        let solver = DiffusionSolver::new(&lattice, &specs, dt_h)
            .map_err(|e| BuildError(format!("solutes: {e}")))?;
        let seed = s.simulation.seed;
        let fields = FieldStore::new(specs, lattice.len());
        let cells = place_cells(&lattice, s.geometry.cell_fill, s.cells.pit1_cell_cv, seed);
        let mineral = vec![0.0; lattice.len()];
        let mut pipeline = Pipeline::new();
        pipeline.push(SerumStage {
            values: [
                s.serum.phosphate_mM * s.solutes.phosphate.partition,
                s.serum.calcium_mM * s.solutes.calcium.partition,
                s.serum.fetuin_a_g_per_L * s.solutes.fetuin_a.partition,
            ],
            outer: s.boundary.outer,
        });
        pipeline.push(CellStage {
            p: s.cells.clone(),
            m: s.mineral.clone(),
        });
        let d_min = s
            .solutes
            .calcium
            .diffusion_um2_per_h
            .min(s.solutes.phosphate.diffusion_um2_per_h);
        let exchange =
            1.0 + 2.0 * lattice.ndim as f64 * d_min * dt_h / (lattice.dx_um * lattice.dx_um);
        pipeline.push(MineralStage {
            m: s.mineral.clone(),
            exchange,
        });
        pipeline.push(DiffusionStage { solver });
        Ok(Self {
            world: World {
                lattice,
                fields,
                cells,
                mineral,
                step: 0,
                dt_h,
            },
            pipeline,
            seed,
            dt_h,
        })
    }

    /// Takes one step and returns its context.
    pub fn step(&mut self) -> StepContext {
        let ctx = StepContext {
            step: self.world.step,
            time_h: self.world.time_h(),
            dt_h: self.dt_h,
            seed: self.seed,
        };
        self.pipeline.step(&mut self.world, &ctx);
        self.world.step += 1;
        ctx
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

impl World {
    /// Simulated time now, h.
    pub fn time_h(&self) -> f64 {
        self.step as f64 * self.dt_h
    }

    /// Summary of the current state.
    pub fn summary(&self, calcified_threshold: f64) -> Summary {
        Summary::of(self, calcified_threshold)
    }

    /// Names of the per-voxel maps of [`World::frame`], in order.
    pub const FRAME_FIELDS: [&'static str; 6] = [
        "phosphate",
        "calcium",
        "fetuin_a",
        "mineral",
        "runx2",
        "phenotype",
    ];

    /// Per-voxel maps for an output frame: the three solutes, mineral volume
    /// fraction, Runx2 (NaN where there is no cell) and phenotype code (−1
    /// where there is no cell).
    pub fn frame(&self) -> Vec<Vec<f32>> {
        let w = self;
        let n = w.lattice.len();
        let mut runx2 = vec![f32::NAN; n];
        let mut phenotype = vec![-1.0f32; n];
        for (row, &v) in w.cells.voxels().iter().enumerate() {
            runx2[v as usize] = w.cells.data.runx2[row];
            phenotype[v as usize] = f32::from(w.cells.data.phenotype[row] as u8);
        }
        vec![
            w.fields.values(PHOSPHATE).to_vec(),
            w.fields.values(CALCIUM).to_vec(),
            w.fields.values(FETUIN_A).to_vec(),
            w.mineral.clone(),
            runx2,
            phenotype,
        ]
    }
}

/// Puts a contractile VSMC in each media voxel with probability `fill`, each
/// with a log-normal PiT-1 expression of mean 1 and the given CV.
fn place_cells(lattice: &Lattice, fill: f64, pit1_cv: f64, seed: u64) -> CellStore<VsmcColumns> {
    let mut cells = CellStore::new(lattice.len());
    let pit1_dist = if pit1_cv > 0.0 {
        LogNormal::from_mean_cv(1.0, pit1_cv).ok()
    } else {
        None
    };
    for (v, r) in lattice.region.iter().enumerate() {
        if *r != Region::Media
            || !Stream::new(seed, 0, v as u64, purpose::PLACEMENT).bernoulli(fill)
        {
            continue;
        }
        let id = cells.next_id();
        let pit1 = match &pit1_dist {
            Some(d) => d.sample(&mut Stream::new(seed, 0, id, purpose::PIT1)),
            None => 1.0,
        };
        let row = VsmcRow {
            phenotype: Phenotype::Contractile,
            runx2: 1.0,
            pit1: pit1 as f32,
        };
        // Voxels are visited once each, so the voxel is always empty.
        let _ = cells.insert(v, row);
    }
    cells
}

/// `serum`: sets the boundary values the solutes see.
struct SerumStage {
    values: [f64; 3],
    outer: OuterBoundary,
}

impl Stage<World> for SerumStage {
    fn name(&self) -> &'static str {
        "serum"
    }
    fn run(&mut self, w: &mut World, _: &StepContext) {
        for (f, &v) in self.values.iter().enumerate() {
            w.fields.set_dirichlet(f, Face::LUMEN, v);
            if self.outer == OuterBoundary::Serum {
                w.fields.set_dirichlet(f, Face::OUTER, v);
            }
        }
    }
}

/// `cells`: Runx2, switching and nucleation decisions for every cell.
struct CellStage {
    p: CellParams,
    m: MineralParams,
}

impl Stage<World> for CellStage {
    fn name(&self) -> &'static str {
        "cells"
    }
    fn run(&mut self, w: &mut World, ctx: &StepContext) {
        let (p, m) = (&self.p, &self.m);
        let pi = w.fields.values(PHOSPHATE);
        let ca = w.fields.values(CALCIUM);
        let fet = w.fields.values(FETUIN_A);
        let mineral = &w.mineral;
        let (ids, voxels, data) = w.cells.parts_mut();
        let VsmcColumns {
            phenotype,
            runx2,
            pit1,
            nucleate,
        } = data;
        (
            phenotype.par_iter_mut(),
            runx2.par_iter_mut(),
            nucleate.par_iter_mut(),
            pit1.par_iter(),
            ids.par_iter(),
            voxels.par_iter(),
        )
            .into_par_iter()
            .with_min_len(1024)
            .for_each(|(ph, r, nuc, &cell_pit1, id, &v)| {
                let v = v as usize;
                let pi_v = f64::from(pi[v]);
                let signal = model::pit1_signal(pi_v, f64::from(cell_pit1) * p.pit1_expression, p);
                let r_new = model::runx2_step(f64::from(*r), signal, ctx.dt_h, p);
                *r = r_new as f32;
                if let Some((to, rate)) = model::switch_rate(*ph, r_new, p) {
                    let mut s = Stream::new(ctx.seed, ctx.step, id.0, purpose::SWITCH);
                    if s.bernoulli(model::event_probability(rate, ctx.dt_h)) {
                        *ph = to;
                    }
                }
                *nuc = false;
                if *ph == Phenotype::Osteogenic && mineral[v] == 0.0 {
                    let rate = model::nucleation_rate(f64::from(ca[v]), pi_v, f64::from(fet[v]), m);
                    if rate > 0.0 {
                        let mut s = Stream::new(ctx.seed, ctx.step, id.0, purpose::NUCLEATION);
                        *nuc = s.bernoulli(model::event_probability(rate, ctx.dt_h));
                    }
                }
            });
    }
}

/// `diffusion`: the implicit solve of every solute.
struct DiffusionStage {
    solver: DiffusionSolver,
}

impl Stage<World> for DiffusionStage {
    fn name(&self) -> &'static str {
        "diffusion"
    }
    fn run(&mut self, w: &mut World, _: &StepContext) {
        self.solver.step(&mut w.fields);
    }
}

/// `mineral`: nucleation and growth, taking Ca and Pi out of the fields.
struct MineralStage {
    m: MineralParams,
    /// 1 + 2·ndim·r with r = D·dt/dx² of the slower of Ca and Pi: how many
    /// voxels' worth of ion a voxel can draw on within one step.
    exchange: f64,
}

/// Voxels per parallel work item of the mineral stage.
const MINERAL_CHUNK: usize = 4096;

impl Stage<World> for MineralStage {
    fn name(&self) -> &'static str {
        "mineral"
    }
    fn run(&mut self, w: &mut World, ctx: &StepContext) {
        let m = &self.m;
        // Nuclei first: one cell per voxel, so every write goes to its own voxel.
        for (row, &v) in w.cells.voxels().iter().enumerate() {
            if w.cells.data.nucleate[row] {
                let cell = &mut w.mineral[v as usize];
                *cell = cell.max(m.nucleus_fraction as f32);
            }
        }
        let (pi, ca) = w.fields.pair_mut(PHOSPHATE, CALCIUM);
        w.mineral
            .par_chunks_mut(MINERAL_CHUNK)
            .zip(ca.par_chunks_mut(MINERAL_CHUNK))
            .zip(pi.par_chunks_mut(MINERAL_CHUNK))
            .for_each(|((min, ca), pi)| {
                for i in 0..min.len() {
                    let phi = f64::from(min[i]);
                    if phi <= 0.0 {
                        continue;
                    }
                    let (c, p) = (f64::from(ca[i]), f64::from(pi[i]));
                    let mut dphi =
                        (model::growth_rate(c, p, phi, m) * ctx.dt_h).min(m.max_fraction - phi);
                    if dphi <= 0.0 {
                        continue;
                    }
                    // Within one step a voxel can give up what it holds plus what
                    // diffusion brings from its 2·ndim neighbours (the exchange
                    // factor r = D·dt/dx² each); take at most half of that. With
                    // the usual r ≫ 1 this never binds, and the implicit solve that
                    // follows refills the voxel; it only guards extreme settings.
                    let want_ca = dphi * HA_CALCIUM_MM;
                    let reach = self.exchange;
                    let limit = (0.5 * c * reach / want_ca)
                        .min(0.5 * p * reach / (want_ca * HA_PI_PER_CA))
                        .min(1.0);
                    dphi *= limit.max(0.0);
                    let dca = dphi * HA_CALCIUM_MM;
                    min[i] = (phi + dphi) as f32;
                    ca[i] = (c - dca) as f32;
                    pi[i] = (p - dca * HA_PI_PER_CA) as f32;
                }
            });
    }
}

/// Per-step summary of a world: what goes into `/timeseries`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Simulated time, h.
    pub time_h: f64,
    /// Number of contractile cells.
    pub n_contractile: f64,
    /// Number of osteogenic cells.
    pub n_osteogenic: f64,
    /// Fraction of media and lamina voxels whose mineral fraction reaches the calcified threshold.
    pub calcified_fraction: f64,
    /// Total mineral volume, µm³.
    pub mineral_volume_um3: f64,
    /// Mean Runx2 over cells, fold of basal.
    pub mean_runx2: f64,
    /// Mean phosphate over media voxels, mM.
    pub media_phosphate_mM: f64,
    /// Mean calcium over media voxels, mM.
    pub media_calcium_mM: f64,
    /// Mean fetuin-A over media voxels, g/L.
    pub media_fetuin_a_g_per_L: f64,
}

impl Summary {
    /// Names of [`Summary::values`], in order.
    pub const NAMES: [&'static str; 9] = [
        "time_h",
        "n_contractile",
        "n_osteogenic",
        "calcified_fraction",
        "mineral_volume_um3",
        "mean_runx2",
        "media_phosphate_mM",
        "media_calcium_mM",
        "media_fetuin_a_g_per_L",
    ];

    /// Values in the order of [`Summary::NAMES`].
    pub fn values(&self) -> [f64; 9] {
        [
            self.time_h,
            self.n_contractile,
            self.n_osteogenic,
            self.calcified_fraction,
            self.mineral_volume_um3,
            self.mean_runx2,
            self.media_phosphate_mM,
            self.media_calcium_mM,
            self.media_fetuin_a_g_per_L,
        ]
    }

    /// Reduces the world; every sum has a fixed order, so the result does not
    /// depend on the thread count.
    pub fn of(w: &World, calcified_threshold: f64) -> Self {
        let time_h = w.time_h();
        let region = &w.lattice.region;
        let n_cells = w.cells.len();
        let ph = &w.cells.data.phenotype;
        let n_osteogenic = det_sum(n_cells, |i| {
            f64::from(u8::from(ph[i] == Phenotype::Osteogenic))
        });
        let runx2 = &w.cells.data.runx2;
        let sum_runx2 = det_sum(n_cells, |i| f64::from(runx2[i]));
        let is_media = |i: usize| region[i] == Region::Media;
        let is_wall = |i: usize| matches!(region[i], Region::Media | Region::Lamina);
        let n_media = det_sum(region.len(), |i| f64::from(u8::from(is_media(i))));
        let n_wall = det_sum(region.len(), |i| f64::from(u8::from(is_wall(i))));
        let mineral = &w.mineral;
        let calcified = det_sum(region.len(), |i| {
            f64::from(u8::from(
                is_wall(i) && f64::from(mineral[i]) >= calcified_threshold,
            ))
        });
        let voxel_um3 = w.lattice.dx_um.powi(3);
        let mineral_volume = det_sum(mineral.len(), |i| f64::from(mineral[i])) * voxel_um3;
        let media_mean = |f: usize| {
            let v = w.fields.values(f);
            det_sum(v.len(), |i| if is_media(i) { f64::from(v[i]) } else { 0.0 }) / n_media.max(1.0)
        };
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        Self {
            time_h,
            n_contractile: n_cells as f64 - n_osteogenic,
            n_osteogenic,
            calcified_fraction: ratio(calcified, n_wall),
            mineral_volume_um3: mineral_volume,
            mean_runx2: ratio(sum_runx2, n_cells as f64),
            media_phosphate_mM: media_mean(PHOSPHATE),
            media_calcium_mM: media_mean(CALCIUM),
            media_fetuin_a_g_per_L: media_mean(FETUIN_A),
        }
    }

    /// An error naming the first non-finite quantity, if any.
    pub fn check_finite(&self) -> Result<(), String> {
        for (name, v) in Self::NAMES.iter().zip(self.values()) {
            if !v.is_finite() {
                return Err(format!("{name} became {v} at t = {} h", self.time_h));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Override;

    fn scenario(sets: &[&str]) -> Scenario {
        let mut all = vec![
            "geometry.lamellar_units=2",
            "geometry.circumference_um=60.0",
            "mineral.nucleation_per_h=0",
        ];
        all.extend_from_slice(sets);
        let o: Vec<Override> = all
            .iter()
            .map(|s| Override::parse(s).expect("override"))
            .collect();
        Scenario::from_toml("", "test", &o).expect("valid")
    }

    /// Regression: mineral growth was once capped at half a voxel's own ions
    /// per step, which made the growth rate scale with 1/dt.
    #[test]
    fn mineral_growth_does_not_depend_on_the_time_step() {
        let grow = |dt: &str, steps: usize| {
            let s = scenario(&[&format!("simulation.dt_h={dt}"), "serum.phosphate_mM=2.0"]);
            let mut sim = Simulation::new(&s).expect("builds");
            let media: Vec<usize> = (0..sim.world.lattice.len())
                .filter(|&i| sim.world.lattice.region[i] == Region::Media)
                .collect();
            for &v in media.iter().step_by(3) {
                sim.world.mineral[v] = 0.01;
            }
            for _ in 0..steps {
                sim.step();
            }
            sim.world.summary(0.05).mineral_volume_um3
        };
        let fine = grow("0.5", 2000);
        let coarse = grow("4.0", 250);
        let start = grow("1.0", 0);
        assert!(fine > 2.0 * start, "mineral must grow: {start} -> {fine}");
        assert!(
            ((coarse - fine) / fine).abs() < 0.05,
            "dt 0.5 h: {fine}, dt 4 h: {coarse}"
        );
    }

    #[test]
    fn mineral_conserves_calcium() {
        // One mineral stage on its own, before diffusion refills the voxel: the
        // calcium leaving the field is the calcium entering the mineral.
        let s = scenario(&["serum.phosphate_mM=2.0"]);
        let mut sim = Simulation::new(&s).expect("builds");
        sim.world.mineral[sim.world.lattice.index(0, 2, 4)] = 0.02;
        let ca_before: f64 = sim
            .world
            .fields
            .values(CALCIUM)
            .iter()
            .map(|&v| f64::from(v))
            .sum();
        let min_before: f64 = sim.world.mineral.iter().map(|&v| f64::from(v)).sum();
        let mut stage = MineralStage {
            m: s.mineral.clone(),
            exchange: 1.0e6,
        };
        let ctx = StepContext {
            step: 0,
            time_h: 0.0,
            dt_h: 1.0,
            seed: 1,
        };
        stage.run(&mut sim.world, &ctx);
        let ca_after: f64 = sim
            .world
            .fields
            .values(CALCIUM)
            .iter()
            .map(|&v| f64::from(v))
            .sum();
        let min_after: f64 = sim.world.mineral.iter().map(|&v| f64::from(v)).sum();
        let taken = ca_before - ca_after;
        let made = (min_after - min_before) * HA_CALCIUM_MM;
        assert!(taken > 0.0);
        assert!(
            ((taken - made) / made).abs() < 1e-4,
            "Ca taken {taken} mM·voxel, mineral {made}"
        );
    }

    #[test]
    fn run_hands_every_step_to_the_observer_and_stops_on_error() {
        struct Count(Vec<u64>, u64);
        impl Observer<World> for Count {
            type Error = String;
            fn after_step(&mut self, w: &World, ctx: &StepContext) -> Result<(), String> {
                assert_eq!(
                    w.step,
                    ctx.step + 1,
                    "the observer sees the world after the step"
                );
                self.0.push(w.step);
                if w.step == self.1 {
                    Err(format!("full at {}", w.step))
                } else {
                    Ok(())
                }
            }
        }
        let mut sim = Simulation::new(&scenario(&[])).expect("builds");
        let mut obs = Count(Vec::new(), 100);
        assert_eq!(sim.run(5, &mut obs), Ok(()));
        assert_eq!(obs.0, vec![1, 2, 3, 4, 5]);
        obs.1 = 7;
        assert_eq!(sim.run(10, &mut obs), Err("full at 7".to_string()));
        assert_eq!(sim.world.step, 7);
        assert_eq!(sim.world.time_h(), 7.0);
    }
}
