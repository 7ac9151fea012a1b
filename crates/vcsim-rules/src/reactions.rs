//! `reactions`: everything that happens inside the voxels in one step, in
//! two passes over the lattice (see `ARCHITECTURE.md`).
//!
//! **Pass 1** walks the voxels and the cells together, in blocks of
//! [`VOXEL_CHUNK`] voxels in parallel (cells are stored in voxel order, so the
//! cells of a block are a contiguous range of rows). In each voxel, in order:
//! 1. the cell rules: a viable cell reads its voxel as transport left it,
//!    updates its intracellular Pi, Runx2, ALP and OPN, may enter apoptosis
//!    or switch phenotype; an apoptotic cell may become a body (releasing
//!    its Pi); a body in a calcified voxel becomes "calcified";
//! 2. secretion: the Pi the cell took up (or released), PPi made and
//!    hydrolysed by a viable cell (exact), its RANKL and OPG, and the ROS
//!    sources (viable cell, endothelium) written as S/k for the quasi-steady
//!    solve;
//! 3. nucleation: whether an empty media or lamina voxel forms a nucleus
//!    (vesicles, bodies, laminae, next to mineral; one draw), from the
//!    fields after secretion and the mineral of the step before. The result
//!    is a flag per voxel: nothing, a nucleus, or existing mineral that grows.
//!
//! Every voxel reads and writes only itself (and reads its neighbours'
//! mineral, which pass 1 does not change), so the result is that of running
//! the three steps one after the other over the whole lattice.
//!
//! **Pass 2** places the nuclei and grows the flagged voxels' mineral,
//! taking Ca and Pi out of the voxel. It runs after pass 1 because
//! nucleation next to mineral must see the neighbours' mineral as it was.

use crate::kernel::{Rules, happens};
use crate::model::{self, Phenotype, Site, VsmcColumns};
use crate::params::{
    BindingParams, CellParams, HA_CALCIUM_MM, HA_PI_PER_CA, InterventionParams, MineralParams,
};
use crate::sim::{PHOSPHATE, World, purpose};
use rayon::prelude::*;
use vcsim_core::{CellId, Region, Stage, StepContext, Stream};

/// Voxels per parallel work item of the voxel passes.
pub const VOXEL_CHUNK: usize = 4096;

/// Pass 1 flag: nothing forms or grows.
const NONE: u8 = 0;
/// Pass 1 flag: a nucleus forms in this empty voxel.
const NUCLEUS: u8 = 1;
/// Pass 1 flag: the voxel holds mineral, which may grow.
const GROWS: u8 = 2;

/// The `reactions` stage.
pub(crate) struct ReactionStage {
    pub p: CellParams,
    pub m: MineralParams,
    pub iv: InterventionParams,
    pub b: BindingParams,
    /// How many voxels' worth of ion a voxel can draw on within one step:
    /// tissue 1 + 2·ndim·r (r = D·dt/dx² of the slower of Ca and Pi), culture
    /// 1 + medium volume per voxel.
    pub exchange: f64,
    /// Scratch: the pass 1 flag of every voxel.
    pub flags: Vec<u8>,
}

/// What every voxel of pass 1 reads and nobody writes.
struct Shared<'a> {
    k: &'a Rules,
    m: &'a MineralParams,
    ctx: &'a StepContext,
    ca: &'a [f32],
    mg: &'a [f32],
    fet: &'a [f32],
    mineral: &'a [f64],
    region: &'a [Region],
    shape: [usize; 3],
    ndim: usize,
    f_cell: f32,
}

/// A block of voxels `start..start + len` and the cells in them: the part of
/// the world one work item of pass 1 writes.
struct Block<'a> {
    start: usize,
    pi: &'a mut [f32],
    ppi: &'a mut [f32],
    ros: &'a mut [f32],
    rankl: &'a mut [f32],
    opg: &'a mut [f32],
    flags: &'a mut [u8],
    ids: &'a [CellId],
    voxels: &'a [u32],
    pit1: &'a [f32],
    phenotype: &'a mut [Phenotype],
    runx2: &'a mut [f32],
    alp: &'a mut [f32],
    opn: &'a mut [f32],
    pi_in: &'a mut [f32],
    pi_uptake: &'a mut [f32],
}

impl<'a> Block<'a> {
    /// The block cut before its voxel `at` (block-relative), with the cells
    /// cut where the voxels are.
    fn split(self, at: usize) -> (Block<'a>, Block<'a>) {
        let cut = self.start + at;
        let row = self.voxels.partition_point(|&v| (v as usize) < cut);
        let (pi0, pi1) = self.pi.split_at_mut(at);
        let (ppi0, ppi1) = self.ppi.split_at_mut(at);
        let (ros0, ros1) = self.ros.split_at_mut(at);
        let (rankl0, rankl1) = self.rankl.split_at_mut(at);
        let (opg0, opg1) = self.opg.split_at_mut(at);
        let (flags0, flags1) = self.flags.split_at_mut(at);
        let (ids0, ids1) = self.ids.split_at(row);
        let (voxels0, voxels1) = self.voxels.split_at(row);
        let (pit10, pit11) = self.pit1.split_at(row);
        let (ph0, ph1) = self.phenotype.split_at_mut(row);
        let (runx20, runx21) = self.runx2.split_at_mut(row);
        let (alp0, alp1) = self.alp.split_at_mut(row);
        let (opn0, opn1) = self.opn.split_at_mut(row);
        let (pin0, pin1) = self.pi_in.split_at_mut(row);
        let (up0, up1) = self.pi_uptake.split_at_mut(row);
        (
            Block {
                start: self.start,
                pi: pi0,
                ppi: ppi0,
                ros: ros0,
                rankl: rankl0,
                opg: opg0,
                flags: flags0,
                ids: ids0,
                voxels: voxels0,
                pit1: pit10,
                phenotype: ph0,
                runx2: runx20,
                alp: alp0,
                opn: opn0,
                pi_in: pin0,
                pi_uptake: up0,
            },
            Block {
                start: cut,
                pi: pi1,
                ppi: ppi1,
                ros: ros1,
                rankl: rankl1,
                opg: opg1,
                flags: flags1,
                ids: ids1,
                voxels: voxels1,
                pit1: pit11,
                phenotype: ph1,
                runx2: runx21,
                alp: alp1,
                opn: opn1,
                pi_in: pin1,
                pi_uptake: up1,
            },
        )
    }
}

/// Runs pass 1 on a block: halves it at a chunk boundary and runs the
/// halves in parallel until a block is one chunk. Every voxel's result
/// depends only on its inputs, not on how the blocks were cut.
fn react_blocks(b: Block<'_>, s: &Shared<'_>) {
    let n = b.pi.len();
    if n <= VOXEL_CHUNK {
        react(b, s);
        return;
    }
    let at = n.div_ceil(VOXEL_CHUNK) / 2 * VOXEL_CHUNK;
    let (lo, hi) = b.split(at);
    rayon::join(|| react_blocks(lo, s), || react_blocks(hi, s));
}

/// Pass 1 on one chunk.
fn react(b: Block<'_>, s: &Shared<'_>) {
    let k = s.k;
    let mut row = 0;
    for i in 0..b.pi.len() {
        let v = b.start + i;
        let mut ros_level = 0.0;
        let mut site = None;
        if row < b.voxels.len() && b.voxels[row] as usize == v {
            let r = row;
            row += 1;
            let sensed = Sensed {
                pi: f64::from(b.pi[i]),
                ca: f64::from(s.ca[v]),
                mg: f64::from(s.mg[v]),
                ppi: f64::from(b.ppi[i]),
                fet: f64::from(s.fet[v]),
                ros: f64::from(b.ros[i]),
                rankl: f64::from(b.rankl[i]),
                opg: f64::from(b.opg[i]),
                mineral: s.mineral[v],
            };
            update_cell(
                k,
                s.m,
                s.ctx,
                b.ids[r].0,
                f64::from(b.pit1[r]),
                &sensed,
                CellMut {
                    phenotype: &mut b.phenotype[r],
                    runx2: &mut b.runx2[r],
                    alp: &mut b.alp[r],
                    opn: &mut b.opn[r],
                    pi_in: &mut b.pi_in[r],
                    pi_uptake: &mut b.pi_uptake[r],
                },
            );
            // Secretion: the cell's Pi uptake (or release at death), and
            // what a viable cell makes.
            b.pi[i] -= s.f_cell * b.pi_uptake[r];
            let ph = b.phenotype[r];
            if ph.is_viable() {
                ros_level = k.cell_ros;
                b.ppi[i] = k.ppi_step(f64::from(b.ppi[i]), f64::from(b.alp[r])) as f32;
                b.rankl[i] += k.rankl_secreted(f64::from(b.runx2[r])) as f32;
                b.opg[i] += k.opg_secreted(ph) as f32;
            }
            site = match ph {
                Phenotype::Osteogenic => Some(Some(f64::from(b.alp[r]))),
                Phenotype::Apoptotic | Phenotype::ApoptoticBody => Some(None),
                _ => None,
            };
        }
        // ROS sources before the quasi-steady solve: the field holds S/k, the
        // level each source would sustain alone.
        if s.region[v] == Region::Endothelium {
            ros_level += k.endothelial_ros;
        }
        b.ros[i] = ros_level as f32;
        b.flags[i] = nucleation_flag(s, v, b.pi[i], b.ppi[i], b.ros[i], site);
    }
}

/// A voxel as a cell senses it, before secretion.
struct Sensed {
    pi: f64,
    ca: f64,
    mg: f64,
    ppi: f64,
    fet: f64,
    ros: f64,
    rankl: f64,
    opg: f64,
    mineral: f64,
}

/// One cell's row.
struct CellMut<'a> {
    phenotype: &'a mut Phenotype,
    runx2: &'a mut f32,
    alp: &'a mut f32,
    opn: &'a mut f32,
    pi_in: &'a mut f32,
    pi_uptake: &'a mut f32,
}

/// The cell rules for one cell with id `id` and relative PiT-1 `pit1`.
#[inline(always)]
fn update_cell(
    k: &Rules,
    m: &MineralParams,
    ctx: &StepContext,
    id: u64,
    pit1: f64,
    x: &Sensed,
    c: CellMut<'_>,
) {
    *c.pi_uptake = 0.0;
    match *c.phenotype {
        Phenotype::ApoptoticBody => {
            if x.mineral >= m.calcified_fraction {
                *c.phenotype = Phenotype::Calcified;
            }
            return;
        }
        Phenotype::Calcified => return,
        Phenotype::Apoptotic => {
            let mut s = Stream::new(ctx.seed, ctx.step, id, purpose::CLEARANCE);
            if s.bernoulli(k.clearance_probability) {
                // The body releases the cell's phosphate.
                *c.pi_uptake = -*c.pi_in;
                *c.pi_in = 0.0;
                *c.phenotype = Phenotype::ApoptoticBody;
            }
            return;
        }
        Phenotype::Contractile | Phenotype::Osteogenic => {}
    }
    let ros = k.ros_ratio(x.ros);
    let ppi_eq = k.ppi_equivalent(x.ppi);
    // M1, M2: PiT-1 uptake into the intracellular pool.
    let eff = k.pit1_effective(pit1, x.ca);
    let target = k.pi_in_target(x.pi, eff);
    let old = f64::from(*c.pi_in);
    let new = k.pi_in_step(old, target);
    *c.pi_in = new as f32;
    *c.pi_uptake = (f64::from(*c.pi_in) - old) as f32;
    // M1, M3, M6, M7, M9: Runx2.
    let signal = k.pi_signal(new, ppi_eq, x.mg);
    let drive = k.runx2_drive(signal, x.rankl, x.opg);
    let r_new = k.runx2_step(f64::from(*c.runx2), drive, k.stabilisation(ros));
    *c.runx2 = r_new as f32;
    // Runx2 → ALP, OPN.
    *c.alp = k.alp_step(f64::from(*c.alp), r_new) as f32;
    *c.opn = k.opn_step(f64::from(*c.opn), r_new) as f32;
    // Apoptosis.
    let events = k.apoptosis_events(x.ca, x.pi, x.fet, x.mineral, ros);
    let u = Stream::new(ctx.seed, ctx.step, id, purpose::APOPTOSIS).uniform();
    if happens(u, events) {
        *c.phenotype = Phenotype::Apoptotic;
        return;
    }
    // Phenotype switch with hysteresis.
    if let Some((to, probability)) = k.switch(*c.phenotype, r_new) {
        let mut s = Stream::new(ctx.seed, ctx.step, id, purpose::SWITCH);
        if s.bernoulli(probability) {
            *c.phenotype = to;
        }
    }
}

/// The pass 1 flag of voxel `v` with the fields after secretion (`pi`,
/// `ppi`, and `ros` holding the ROS source); `site` is the cell's nucleation
/// site: `Some(Some(alp))` matrix vesicles of an osteogenic cell,
/// `Some(None)` an apoptotic cell or body.
#[inline(always)]
fn nucleation_flag(
    s: &Shared<'_>,
    v: usize,
    pi: f32,
    ppi: f32,
    ros: f32,
    site: Option<Option<f64>>,
) -> u8 {
    if s.mineral[v] > 0.0 {
        return GROWS;
    }
    let region = s.region[v];
    if !matches!(region, Region::Media | Region::Lamina) {
        return NONE;
    }
    let (k, m) = (s.k, s.m);
    let fet = f64::from(s.fet[v]);
    let product = model::free_product(f64::from(s.ca[v]), f64::from(pi), fet, m);
    let threshold =
        || model::base_threshold(f64::from(s.mg[v]), k.ppi_equivalent(f64::from(ppi)), m);
    let mut rate = 0.0;
    if let Some(vesicle) = site {
        let site = match vesicle {
            Some(alp) => Site::Vesicle {
                alp,
                ros_uM: f64::from(ros) + k.h2o2(),
            },
            None => Site::Body,
        };
        rate += model::nucleation_rate(site, product, threshold(), fet, m);
    }
    if region == Region::Lamina {
        rate += model::nucleation_rate(Site::Lamina, product, threshold(), fet, m);
    }
    // Next to mineral: the threshold is the growth product, so the
    // neighbours are only looked at when the voxel is above it.
    let spread = model::nucleation_rate(Site::NextToMineral, product, 0.0, fet, m);
    if spread > 0.0 && has_mineral_neighbour(s.mineral, s.shape, s.ndim, v, m.spread_min_fraction) {
        rate += spread;
    }
    if rate > 0.0 {
        let u = Stream::new(s.ctx.seed, s.ctx.step, v as u64, purpose::NUCLEATION).uniform();
        if happens(u, rate * s.ctx.dt_h) {
            return NUCLEUS;
        }
    }
    NONE
}

/// True if a face neighbour of `v` (periodic in y and z, bounded in x) holds
/// at least `min` mineral.
fn has_mineral_neighbour(
    mineral: &[f64],
    shape: [usize; 3],
    ndim: usize,
    v: usize,
    min: f64,
) -> bool {
    let [nz, ny, nx] = shape;
    let (z, y, x) = (v / (nx * ny), (v / nx) % ny, v % nx);
    let at = |z: usize, y: usize, x: usize| mineral[(z * ny + y) * nx + x] >= min;
    (x > 0 && at(z, y, x - 1))
        || (x + 1 < nx && at(z, y, x + 1))
        || at(z, (y + ny - 1) % ny, x)
        || at(z, (y + 1) % ny, x)
        || (ndim == 3 && (at((z + nz - 1) % nz, y, x) || at((z + 1) % nz, y, x)))
}

impl Stage<World> for ReactionStage {
    fn name(&self) -> &'static str {
        "reactions"
    }

    fn run(&mut self, w: &mut World, ctx: &StepContext) {
        let iv = w.systemic.interventions(&self.iv);
        let k = Rules::new(
            &self.p,
            &self.m,
            &iv,
            &self.b,
            &w.systemic,
            w.lumen[PHOSPHATE],
            ctx.dt_h,
        );
        let m = &self.m;
        let [pi, ca, mg, ppi, fet, ros, rankl, opg] = w.fields.all_values_mut() else {
            // The world always holds the eight fields of `FIELDS`.
            return;
        };
        let (ids, voxels, data) = w.cells.parts_mut();
        let VsmcColumns {
            phenotype,
            runx2,
            alp,
            opn,
            pi_in,
            pit1,
            pi_uptake,
        } = data;
        let shared = Shared {
            k: &k,
            m,
            ctx,
            ca,
            mg,
            fet,
            mineral: &w.mineral,
            region: &w.lattice.region,
            shape: w.lattice.shape,
            ndim: w.lattice.ndim,
            f_cell: w.cell_volume_fraction as f32,
        };
        // Pass 1: cells, secretion, nucleation sites.
        react_blocks(
            Block {
                start: 0,
                pi,
                ppi,
                ros,
                rankl,
                opg,
                flags: &mut self.flags,
                ids,
                voxels,
                pit1,
                phenotype,
                runx2,
                alp,
                opn,
                pi_in,
                pi_uptake,
            },
            &shared,
        );
        // Pass 2: place nuclei and grow, taking Ca and Pi from the voxel.
        let (mg, ppi, fet) = (&*mg, &*ppi, &*fet);
        let exchange = self.exchange;
        let dt = ctx.dt_h;
        let bisphosphonate = w.systemic.bisphosphonate_uM;
        let flags = &self.flags;
        w.mineral
            .par_chunks_mut(VOXEL_CHUNK)
            .zip(ca.par_chunks_mut(VOXEL_CHUNK))
            .zip(pi.par_chunks_mut(VOXEL_CHUNK))
            .enumerate()
            .for_each(|(c, ((min, ca), pi))| {
                let base = c * VOXEL_CHUNK;
                let flags = &flags[base..base + min.len()];
                if flags.iter().all(|&f| f == NONE) {
                    return;
                }
                for (i, &flag) in flags.iter().enumerate() {
                    if flag == NONE {
                        continue;
                    }
                    let v = base + i;
                    let mut phi = min[i];
                    let mut dphi = 0.0;
                    if flag == NUCLEUS {
                        dphi = m.nucleus_fraction;
                    } else if phi > 0.0 {
                        let s = model::free_product(
                            f64::from(ca[i]),
                            f64::from(pi[i]),
                            f64::from(fet[v]),
                            m,
                        );
                        let ppi_eq = model::ppi_equivalent(f64::from(ppi[v]), bisphosphonate, m);
                        dphi = model::growth_rate(s, phi, ppi_eq, f64::from(mg[v]), m) * dt;
                    }
                    dphi = dphi.min(m.max_fraction - phi);
                    if dphi <= 0.0 {
                        continue;
                    }
                    let (c_ca, c_pi) = (f64::from(ca[i]), f64::from(pi[i]));
                    // Within one step a voxel can give up what it holds plus what
                    // transport brings (`exchange` voxels' worth); take at most
                    // half of that. With the usual exchange ≫ 1 this never binds.
                    let want_ca = dphi * HA_CALCIUM_MM;
                    let limit = (0.5 * c_ca * exchange / want_ca)
                        .min(0.5 * c_pi * exchange / (want_ca * HA_PI_PER_CA))
                        .min(1.0);
                    dphi *= limit.max(0.0);
                    let dca = dphi * HA_CALCIUM_MM;
                    phi += dphi;
                    min[i] = phi;
                    ca[i] = (c_ca - dca) as f32;
                    pi[i] = (c_pi - dca * HA_PI_PER_CA) as f32;
                }
            });
    }
}
