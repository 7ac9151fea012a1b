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
//! Within a block, the viable cells go through the rules [`LANES`] at a time:
//! their inputs are gathered into arrays, the rules ([`crate::tissue::kernel::Rules`])
//! run as one loop over the lanes, which vectorises (AVX2 where the machine
//! has it, detected at run time; every instruction set gives the same bits),
//! and the results are written back with the random decisions, whose draws
//! are also made for a whole batch of cells (or of nucleating voxels) at
//! once. Then a walk over the block's voxels writes the ROS sources and
//! decides nucleation.
//!
//! **Pass 2** places the nuclei and grows the flagged voxels' mineral,
//! taking Ca and Pi out of the voxel. It runs after pass 1 because
//! nucleation next to mineral must see the neighbours' mineral as it was.

use crate::purpose;
use crate::scenario::params::{
    BindingParams, CellParams, HA_CALCIUM_MM, HA_PI_PER_CA, InterventionParams, MineralParams,
};
use crate::territory::{NO_TERRITORY, Territories};
use crate::tissue::kernel::{Rules, happens};
use crate::tissue::model::{self, Phenotype, Site, VsmcColumns};
use crate::world::{CALCIUM, FETUIN_A, MAGNESIUM, OPG, PHOSPHATE, PPI, RANKL, ROS, World};
use rayon::prelude::*;
use vcsim_core::{CellId, Purpose, Region, Stage, StepContext, Stream, first_uniforms};

/// Voxels per parallel work item of the voxel passes.
pub const VOXEL_CHUNK: usize = 4096;

/// Pass 1 flag: nothing forms or grows.
const NONE: u8 = 0;
/// Pass 1 flag bit: a nucleus forms in this voxel.
const NUCLEUS: u8 = 1;
/// Pass 1 flag: the voxel holds mineral, or borders a growth front, and may
/// grow; the number of whole-face fronts is stored in bits 2–4
/// ([`FRONT_SHIFT`]) and the number of lamina-strip fronts along the lamina
/// in bits 5–7 ([`STRIP_SHIFT`]).
const GROWS: u8 = 2;
/// Bit offset of the whole-face front count in a flag.
const FRONT_SHIFT: u8 = 2;
/// Bit offset of the lamina-strip front count in a flag.
const STRIP_SHIFT: u8 = 5;

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
    /// Scratch: territory means and the cell of each territory.
    pub scratch: Scratch,
    /// Tissue mode: cells turn over (bodies removed, free territories refilled).
    pub tissue: bool,
}

/// Scratch of the reactions stage, reused from step to step.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Mean over each territory of the fields a cell senses, [`SENSED`] order.
    sensed: Vec<[f64; N_SENSED]>,
    /// The cell row of each territory, or [`NO_TERRITORY`].
    row_of: Vec<u32>,
}

/// What a cell senses, as the mean over its territory: phosphate, calcium,
/// magnesium, PPi, fetuin-A, ROS, RANKL, OPG (fields) and mineral.
const SENSED: [usize; 8] = [
    PHOSPHATE, CALCIUM, MAGNESIUM, PPI, FETUIN_A, ROS, RANKL, OPG,
];
/// The mineral's place in [`Scratch::sensed`].
const SENSED_MINERAL: usize = 8;
const N_SENSED: usize = 9;

/// The territory means of the sensed fields and mineral, summed in voxel
/// order (a territory of one voxel reads its voxel exactly).
fn territory_means(
    t: &Territories,
    fields: [&[f32]; 8],
    mineral: &[f64],
    out: &mut Vec<[f64; N_SENSED]>,
) {
    out.clear();
    out.resize(t.len(), [0.0; N_SENSED]);
    for (v, &k) in t.of_voxel.iter().enumerate() {
        if k == NO_TERRITORY {
            continue;
        }
        let acc = &mut out[k as usize];
        for (a, f) in acc.iter_mut().zip(fields) {
            *a += f64::from(f[v]);
        }
        acc[SENSED_MINERAL] += mineral[v];
    }
    for (acc, &n) in out.iter_mut().zip(&t.size) {
        if n > 1 {
            let n = f64::from(n);
            for a in acc.iter_mut() {
                *a /= n;
            }
        }
    }
}

/// What every cell and voxel of pass 1 reads and nobody writes.
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
    /// The laminae of the wall, per radial position.
    laminae: Laminae<'a>,
    voxel_um3: f64,
    territories: &'a Territories,
    sensed: &'a [[f64; N_SENSED]],
    row_of: &'a [u32],
    /// A cell's volume in voxels.
    cell_volume_voxels: f64,
    isa: Isa,
    /// Tissue: PPi hydrolysis goes to the transport's implicit solve as a
    /// sink (`World::ppi_sink`); culture: it is applied here, exactly.
    ppi_sink_in_transport: bool,
}

/// A range of cell rows: the part of the cell table one work item of the
/// cell pass writes.
struct Rows<'a> {
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

impl<'a> Rows<'a> {
    fn split(self, at: usize) -> (Rows<'a>, Rows<'a>) {
        let (ids0, ids1) = self.ids.split_at(at);
        let (voxels0, voxels1) = self.voxels.split_at(at);
        let (pit10, pit11) = self.pit1.split_at(at);
        let (ph0, ph1) = self.phenotype.split_at_mut(at);
        let (runx20, runx21) = self.runx2.split_at_mut(at);
        let (alp0, alp1) = self.alp.split_at_mut(at);
        let (opn0, opn1) = self.opn.split_at_mut(at);
        let (pin0, pin1) = self.pi_in.split_at_mut(at);
        let (up0, up1) = self.pi_uptake.split_at_mut(at);
        (
            Rows {
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
            Rows {
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

/// The cell columns the voxel pass reads (after the cell pass wrote them).
struct CellsRead<'a> {
    phenotype: &'a [Phenotype],
    runx2: &'a [f32],
    alp: &'a [f32],
    pi_uptake: &'a [f32],
}

/// A block of voxels `start..start + len`: the part of the fields one work
/// item of the voxel pass writes.
struct Block<'a> {
    start: usize,
    pi: &'a mut [f32],
    ppi: &'a mut [f32],
    ros: &'a mut [f32],
    rankl: &'a mut [f32],
    opg: &'a mut [f32],
    flags: &'a mut [u8],
    /// The voxels' PPi sinks for the transport (tissue).
    sink: &'a mut [f32],
}

impl<'a> Block<'a> {
    /// The block cut before its voxel `at` (block-relative).
    fn split(self, at: usize) -> (Block<'a>, Block<'a>) {
        let (pi0, pi1) = self.pi.split_at_mut(at);
        let (ppi0, ppi1) = self.ppi.split_at_mut(at);
        let (ros0, ros1) = self.ros.split_at_mut(at);
        let (rankl0, rankl1) = self.rankl.split_at_mut(at);
        let (opg0, opg1) = self.opg.split_at_mut(at);
        let (flags0, flags1) = self.flags.split_at_mut(at);
        let (sink0, sink1) = self.sink.split_at_mut(at);
        (
            Block {
                start: self.start,
                pi: pi0,
                ppi: ppi0,
                ros: ros0,
                rankl: rankl0,
                opg: opg0,
                flags: flags0,
                sink: sink0,
            },
            Block {
                start: self.start + at,
                pi: pi1,
                ppi: ppi1,
                ros: ros1,
                rankl: rankl1,
                opg: opg1,
                flags: flags1,
                sink: sink1,
            },
        )
    }
}

/// Runs the cell pass on a range of rows: halves it at a chunk boundary and
/// runs the halves in parallel until a range is one chunk. Every cell's
/// result depends only on its inputs, not on how the rows were cut.
fn react_rows(r: Rows<'_>, s: &Shared<'_>) {
    let n = r.ids.len();
    if n <= VOXEL_CHUNK {
        react_cells(r, s);
        return;
    }
    let at = n.div_ceil(VOXEL_CHUNK) / 2 * VOXEL_CHUNK;
    let (lo, hi) = r.split(at);
    rayon::join(|| react_rows(lo, s), || react_rows(hi, s));
}

/// Runs the voxel pass on a block, halved in parallel as [`react_rows`].
fn react_blocks(b: Block<'_>, s: &Shared<'_>, c: &CellsRead<'_>) {
    let n = b.pi.len();
    if n <= VOXEL_CHUNK {
        react_voxels(b, s, c);
        return;
    }
    let at = n.div_ceil(VOXEL_CHUNK) / 2 * VOXEL_CHUNK;
    let (lo, hi) = b.split(at);
    rayon::join(|| react_blocks(lo, s, c), || react_blocks(hi, s, c));
}

/// The cell pass on one chunk of rows: viable cells [`LANES`] at a time,
/// the others one by one, each from the means over its territory.
fn react_cells(mut r: Rows<'_>, s: &Shared<'_>) {
    let k = s.k;
    let mut lanes = Lanes::default();
    for row in 0..r.ids.len() {
        let t = s.territories.of_voxel[r.voxels[row] as usize] as usize;
        let sensed = &s.sensed[t];
        if r.phenotype[row].is_viable() {
            lanes.push(row, sensed, &r);
            if lanes.n == LANES {
                lanes.run(&mut r, s);
            }
            continue;
        }
        // Apoptotic cells, bodies: no sensing, no secretion, but Pi
        // released at death goes to the territory.
        update_dead_cell(
            k,
            s.m,
            s.ctx,
            r.ids[row].0,
            sensed[SENSED_MINERAL],
            &mut r.phenotype[row],
            &mut r.pi_in[row],
            &mut r.pi_uptake[row],
        );
    }
    if lanes.n > 0 {
        lanes.run(&mut r, s);
    }
}

/// The voxel pass on one chunk: every voxel's share of its cell's uptake and
/// secretion, its ROS source and its nucleation flag.
fn react_voxels(b: Block<'_>, s: &Shared<'_>, c: &CellsRead<'_>) {
    let k = s.k;
    let mut draws = Draws::default();
    let [_, ny, nx] = s.shape;
    let mut zyx = [b.start / (nx * ny), (b.start / nx) % ny, b.start % nx];
    for i in 0..b.pi.len() {
        let v = b.start + i;
        let mut ros_level = 0.0;
        let mut site = None;
        // PPi as the transport left it: what nucleation reads where the
        // hydrolysis is the transport's sink (secretion is added below).
        let ppi_left = b.ppi[i];
        b.sink[i] = 0.0;
        let t = s.territories.of_voxel[v];
        if t != NO_TERRITORY {
            let row = s.row_of[t as usize];
            if row != NO_TERRITORY {
                let r = row as usize;
                let n = s.territories.size[t as usize];
                // The cell's share per voxel of its territory.
                let share = 1.0 / f64::from(n);
                if n == 1 {
                    b.pi[i] -= s.cell_volume_voxels as f32 * c.pi_uptake[r];
                } else {
                    // In f64, so that the shares add up to the cell's uptake.
                    let taken = s.cell_volume_voxels * share * f64::from(c.pi_uptake[r]);
                    b.pi[i] = (f64::from(b.pi[i]) - taken) as f32;
                }
                let ph = c.phenotype[r];
                if ph.is_viable() {
                    let alp = f64::from(c.alp[r]);
                    if s.ppi_sink_in_transport {
                        b.ppi[i] = (f64::from(b.ppi[i]) + k.ppi_secreted()) as f32;
                        b.sink[i] = k.ppi_hydrolysis_rate(alp) as f32;
                    } else {
                        b.ppi[i] = k.ppi_step(f64::from(b.ppi[i]), alp) as f32;
                    }
                    b.rankl[i] += k.rankl_secreted(f64::from(c.runx2[r])) as f32;
                    b.opg[i] += k.opg_secreted(ph) as f32;
                    ros_level = k.cell_ros;
                }
                site = match ph {
                    Phenotype::Osteogenic => Some((Some(f64::from(c.alp[r])), share)),
                    Phenotype::Apoptotic | Phenotype::ApoptoticBody => Some((None, share)),
                    _ => None,
                };
            }
        }
        // ROS sources before the quasi-steady solve: the field holds S/k, the
        // level each source would sustain alone. Vesicle release senses the
        // ROS the cells sensed this step (the solved field of the last step),
        // read before it is replaced.
        if s.region[v] == Region::Endothelium {
            ros_level += k.endothelial_ros;
        }
        let ros_sensed = b.ros[i];
        b.ros[i] = ros_level as f32;
        let n = nucleation(
            s,
            v,
            zyx,
            b.pi[i],
            if s.ppi_sink_in_transport {
                ppi_left
            } else {
                b.ppi[i]
            },
            ros_sensed,
            (b.rankl[i], b.opg[i]),
            site,
        );
        b.flags[i] = n.flag;
        if n.draw > 0.0 {
            draws.push(i, v, n.draw);
        }
        // After the flag is written: the draws set the nuclei's flags.
        if draws.n == LANES {
            draws.run(b.flags, s);
        }
        zyx[2] += 1;
        if zyx[2] == nx {
            zyx[2] = 0;
            zyx[1] += 1;
            if zyx[1] == ny {
                zyx[1] = 0;
                zyx[0] += 1;
            }
        }
    }
    if draws.n > 0 {
        draws.run(b.flags, s);
    }
}

/// Viable cells whose rules run together.
pub(crate) const LANES: usize = 16;

/// Up to [`LANES`] viable cells: which rows, and what they sense.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lanes {
    n: usize,
    row: [usize; LANES],
    id: [u64; LANES],
    pub(crate) x: LaneInputs,
}

/// The inputs of the cell rules, one array per quantity.
#[derive(Debug, Default, Clone)]
pub(crate) struct LaneInputs {
    pub(crate) pi: [f64; LANES],
    pub(crate) ca: [f64; LANES],
    pub(crate) mg: [f64; LANES],
    pub(crate) ppi: [f64; LANES],
    pub(crate) fet: [f64; LANES],
    pub(crate) ros: [f64; LANES],
    pub(crate) rankl: [f64; LANES],
    pub(crate) opg: [f64; LANES],
    pub(crate) mineral: [f64; LANES],
    pub(crate) pit1: [f64; LANES],
    pub(crate) pi_in: [f64; LANES],
    pub(crate) runx2: [f64; LANES],
    pub(crate) alp: [f64; LANES],
    pub(crate) opn: [f64; LANES],
}

/// What the cell rules give for each lane.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct LaneOutputs {
    pub(crate) pi_in: [f32; LANES],
    pub(crate) uptake: [f32; LANES],
    pub(crate) runx2: [f64; LANES],
    pub(crate) alp: [f32; LANES],
    pub(crate) opn: [f32; LANES],
    /// Expected apoptosis events within the step.
    pub(crate) events: [f64; LANES],
}

impl Lanes {
    /// Adds the viable cell of row `r`, which senses `sensed`.
    fn push(&mut self, r: usize, sensed: &[f64; N_SENSED], rows: &Rows<'_>) {
        let j = self.n;
        self.row[j] = r;
        self.id[j] = rows.ids[r].0;
        let x = &mut self.x;
        x.pi[j] = sensed[0];
        x.ca[j] = sensed[1];
        x.mg[j] = sensed[2];
        x.ppi[j] = sensed[3];
        x.fet[j] = sensed[4];
        x.ros[j] = sensed[5];
        x.rankl[j] = sensed[6];
        x.opg[j] = sensed[7];
        x.mineral[j] = sensed[SENSED_MINERAL];
        x.pit1[j] = f64::from(rows.pit1[r]);
        x.pi_in[j] = f64::from(rows.pi_in[r]);
        x.runx2[j] = f64::from(rows.runx2[r]);
        x.alp[j] = f64::from(rows.alp[r]);
        x.opn[j] = f64::from(rows.opn[r]);
        self.n += 1;
    }

    /// Runs the rules of the cells held, writes their rows, and empties the
    /// lanes. Lanes beyond `n` hold earlier cells' inputs; they are computed
    /// and ignored.
    fn run(&mut self, rows: &mut Rows<'_>, s: &Shared<'_>) {
        let (k, ctx) = (s.k, s.ctx);
        let mut o = LaneOutputs::default();
        cell_rules(s.isa, k, &self.x, &mut o);
        let u = uniforms(s.isa, ctx, &self.id, purpose::APOPTOSIS);
        // Apoptosis, else a phenotype switch (with hysteresis) if one is
        // possible; the switch draws are made for all lanes at once.
        let mut dies = [false; LANES];
        let mut switch = [None; LANES];
        let mut any_switch = false;
        for j in 0..self.n {
            dies[j] = happens(u[j], o.events[j]);
            if !dies[j] {
                switch[j] = k.switch(rows.phenotype[self.row[j]], o.runx2[j]);
                any_switch |= switch[j].is_some();
            }
        }
        let u_switch = if any_switch {
            uniforms(s.isa, ctx, &self.id, purpose::SWITCH)
        } else {
            [1.0; LANES]
        };
        for j in 0..self.n {
            let r = self.row[j];
            rows.pi_in[r] = o.pi_in[j];
            rows.pi_uptake[r] = o.uptake[j];
            rows.runx2[r] = o.runx2[j] as f32;
            rows.alp[r] = o.alp[j];
            rows.opn[r] = o.opn[j];
            let mut ph = rows.phenotype[r];
            if dies[j] {
                ph = Phenotype::Apoptotic;
            } else if let Some((to, probability)) = switch[j]
                && u_switch[j] < probability
            {
                ph = to;
            }
            rows.phenotype[r] = ph;
        }
        self.n = 0;
    }
}

/// The instruction set the lane loops are compiled for, detected once per
/// step (AVX2, else the baseline). An AVX-512F variant measured no faster
/// here: the loops are bound by divisions, which AVX-512 does not speed up
/// per lane. Every variant gives the same bits: the loops use only IEEE
/// additions, multiplications, divisions and comparisons (never a fused
/// multiply-add) and [`crate::tissue::kernel::exp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// The build's baseline (SSE2 on x86-64).
    Baseline,
    /// x86-64 with AVX2.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Isa {
    /// The best instruction set of this machine.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Isa::Avx2;
        }
        Isa::Baseline
    }

    /// Every instruction set this machine can run, baseline first.
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Self> {
        let mut all = vec![Isa::Baseline];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            all.push(Isa::Avx2);
        }
        all
    }
}

/// The cell rules for every lane: [`update_cell`]'s sensing, Pi, Runx2,
/// ALP, OPN and apoptosis rate (its secretion is the voxel pass's, over its
/// territory).
pub(crate) fn cell_rules(isa: Isa, k: &Rules, x: &LaneInputs, o: &mut LaneOutputs) {
    match isa {
        Isa::Baseline => cell_rules_any(k, x, o),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on machines with AVX2.
        Isa::Avx2 => unsafe { cell_rules_avx2(k, x, o) },
    }
}

fn cell_rules_any(k: &Rules, x: &LaneInputs, o: &mut LaneOutputs) {
    if k.whole_powers() {
        cell_lanes::<true>(k, x, o);
    } else {
        cell_lanes::<false>(k, x, o);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn cell_rules_avx2(k: &Rules, x: &LaneInputs, o: &mut LaneOutputs) {
    if k.whole_powers() {
        cell_lanes::<true>(k, x, o);
    } else {
        cell_lanes::<false>(k, x, o);
    }
}

#[inline(always)]
fn cell_lanes<const WHOLE: bool>(k: &Rules, x: &LaneInputs, o: &mut LaneOutputs) {
    for j in 0..LANES {
        let ros = k.ros_ratio(x.ros[j]);
        let ppi_eq = k.ppi_equivalent(x.ppi[j]);
        // M1, M2: PiT-1 uptake into the intracellular pool.
        let eff = k.pit1_effective_g::<WHOLE>(x.pit1[j], x.ca[j]);
        let target = k.pi_in_target(x.pi[j], eff);
        let new = k.pi_in_step(x.pi_in[j], target);
        let stored = new as f32;
        o.pi_in[j] = stored;
        o.uptake[j] = (f64::from(stored) - x.pi_in[j]) as f32;
        // M1, M3, M6, M7, M9: Runx2.
        let signal = k.pi_signal_g::<WHOLE>(new, ppi_eq, x.mg[j]);
        let drive = k.runx2_drive(signal, x.rankl[j], x.opg[j]);
        let runx2 = k.runx2_step(x.runx2[j], drive, k.stabilisation(ros));
        o.runx2[j] = runx2;
        // Runx2 → ALP, OPN.
        let alp = k.alp_step_g::<WHOLE>(x.alp[j], runx2) as f32;
        o.alp[j] = alp;
        o.opn[j] = k.opn_step_g::<WHOLE>(x.opn[j], runx2) as f32;
        // Apoptosis.
        o.events[j] = k.apoptosis_events_g::<WHOLE>(x.ca[j], x.pi[j], x.fet[j], x.mineral[j], ros);
    }
}

/// The rules of a cell that is not viable (apoptotic, a body, calcified)
/// with id `id` in a voxel holding `mineral`.
#[inline]
fn update_dead_cell(
    k: &Rules,
    m: &MineralParams,
    ctx: &StepContext,
    id: u64,
    mineral: f64,
    phenotype: &mut Phenotype,
    pi_in: &mut f32,
    pi_uptake: &mut f32,
) {
    *pi_uptake = 0.0;
    match *phenotype {
        Phenotype::ApoptoticBody => {
            if mineral >= m.calcified_fraction {
                *phenotype = Phenotype::Calcified;
            }
        }
        Phenotype::Apoptotic => {
            let mut s = Stream::new(ctx.seed, ctx.step, id, purpose::CLEARANCE);
            if s.bernoulli(k.clearance_probability) {
                // The body releases the cell's phosphate.
                *pi_uptake = -*pi_in;
                *pi_in = 0.0;
                *phenotype = Phenotype::ApoptoticBody;
            }
        }
        Phenotype::Calcified | Phenotype::Contractile | Phenotype::Osteogenic => {}
    }
}

/// What pass 1 finds for a wall voxel: whether its mineral may grow (it
/// holds mineral or borders growth fronts, face neighbours at least
/// `front_fraction` full: the [`GROWS`] flag with their number), and the
/// expected nuclei within the step (a nucleus forms with `1 − exp(−x)`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Nucleation {
    flag: u8,
    draw: f64,
}

/// Pass 1's nucleation decision for voxel `v` at `(z, y, x)` with the fields
/// after secretion (`pi`, `ppi`, and `ros` the ROS sensed); `site` is the
/// nucleation site of the voxel's cell and the cell's share of its
/// territory per voxel: `Some((Some(alp), share))` matrix vesicles of an
/// osteogenic cell, `Some((None, share))` an apoptotic cell or body.
#[inline(always)]
fn nucleation(
    s: &Shared<'_>,
    v: usize,
    zyx: [usize; 3],
    pi: f32,
    ppi: f32,
    ros: f32,
    (rankl, opg): (f32, f32),
    site: Option<(Option<f64>, f64)>,
) -> Nucleation {
    let region = s.region[v];
    let mut out = Nucleation {
        flag: NONE,
        draw: 0.0,
    };
    if !matches!(region, Region::Media | Region::Lamina) {
        return out;
    }
    let (k, m) = (s.k, s.m);
    let fet = f64::from(s.fet[v]);
    let product = model::free_product(f64::from(s.ca[v]), f64::from(pi), fet, m);
    // Growth, on the voxel's own mineral and from the fronts of full
    // neighbours; the neighbours are only looked at where growth is possible.
    let grows = m.growth_product_mM2 <= 0.0 || product > m.growth_product_mM2;
    let (fronts, strips) = if grows {
        fronts(s, zyx, m.front_fraction)
    } else {
        (0, 0)
    };
    if s.mineral[v] > 0.0 || fronts > 0 || strips > 0 {
        out.flag = GROWS | (fronts << FRONT_SHIFT) | (strips << STRIP_SHIFT);
    }
    let threshold = || k.base_threshold(f64::from(s.mg[v]), k.ppi_equivalent(f64::from(ppi)));
    // A site's rate is 0 unless the product exceeds its threshold (or the
    // threshold is not positive): that is tested first, so the model's
    // quotient is only taken where it can be positive. Adding a rate of 0
    // changes nothing.
    let above = |threshold: f64| threshold <= 0.0 || product > threshold;
    let mut rate = 0.0;
    match site {
        Some((Some(alp), share)) => {
            let free_rankl = k.free_rankl(f64::from(rankl), f64::from(opg));
            rate += share
                * k.vesicle_rate(
                    product,
                    threshold(),
                    fet,
                    alp,
                    f64::from(ros) + k.h2o2(),
                    free_rankl,
                );
        }
        Some((None, share)) => {
            let t = threshold();
            if above(t) {
                rate += share * model::nucleation_rate(Site::Body, product, t, fet, m);
            }
        }
        None => {}
    }
    let lamina = s.laminae.fraction(zyx[2]);
    if lamina > 0.0 {
        let t = threshold();
        if above(t * m.lamina_threshold_factor) {
            // Elastin's nucleation follows the cells around it (their ROS
            // and free RANKL), as their vesicle release does.
            let site = Site::Lamina {
                ros_nM: f64::from(ros) + k.h2o2(),
                free_rankl_pM: k.free_rankl(f64::from(rankl), f64::from(opg)),
            };
            rate += lamina * s.voxel_um3 * model::nucleation_rate(site, product, t, fet, m);
        }
    }
    if rate > 0.0 {
        out.draw = rate * s.ctx.dt_h;
    }
    out
}

/// The laminae of a wall as the growth fronts see them: each radial
/// position's lamina volume fraction and, where a lamina fills its voxel
/// only in part, the smooth muscle between it and the voxel's faces
/// ([`Lattice::lamina_gaps`](vcsim_core::Lattice::lamina_gaps)).
#[derive(Debug, Clone, Copy)]
struct Laminae<'a> {
    fraction: &'a [f32],
    gaps: &'a [[f32; 2]],
    /// Voxel edge, µm.
    dx: f64,
    m: &'a MineralParams,
}

/// The state of a partial lamina voxel's mineral (0 < lamina fraction
/// `f` < 1): the voxel keeps its mineral in its lamina strip first, up to
/// `max_fraction` of the strip; from the strip, fronts advance across the
/// smooth muscle between the lamina and the voxel's faces.
#[derive(Debug, Clone, Copy)]
struct Strip {
    /// The lamina volume fraction of the voxel.
    f: f64,
    /// The lamina touches the voxel's face towards the lumen (`[0]`) and
    /// away from it (`[1]`).
    touches: [bool; 2],
    /// The strip is `front_fraction` full: it grows along the lamina into the
    /// neighbours' strips and across its gaps.
    full: bool,
    /// The front from the strip has crossed the gap to the face towards the
    /// lumen (`[0]`) and away from it (`[1]`).
    reached: [bool; 2],
    /// Fronts still crossing a gap inside the voxel.
    open: u8,
}

impl<'a> Laminae<'a> {
    fn of(lattice: &'a vcsim_core::Lattice, m: &'a MineralParams) -> Self {
        Self {
            fraction: &lattice.lamina_fraction,
            gaps: &lattice.lamina_gaps,
            dx: lattice.dx_um,
            m,
        }
    }

    /// The lamina volume fraction at radial position `x` (0 off the wall).
    #[inline(always)]
    fn fraction(&self, x: usize) -> f64 {
        f64::from(self.fraction.get(x).copied().unwrap_or(0.0))
    }

    /// [`Strip`] of a voxel holding `phi` at radial position `x`; `None`
    /// where the lamina fills none or all of the voxel.
    #[inline(always)]
    fn strip(&self, phi: f64, x: usize) -> Option<Strip> {
        let m = self.m;
        let f = self.fraction(x);
        if f <= 0.0 || f >= 1.0 {
            return None;
        }
        let gaps = self.gaps.get(x).copied().unwrap_or([0.0; 2]).map(f64::from);
        let full = phi >= m.front_fraction * f;
        let inside = gaps.iter().filter(|&&g| g > 0.0).count();
        // How far the fronts have crossed their gaps: the mineral beyond the
        // strip (the readouts' `strip_mineral`, one definition), as layers of
        // `max_fraction` on each open side.
        let advance = if inside > 0 {
            let beyond = phi - crate::world::strip_mineral(phi, f, m.max_fraction);
            beyond / m.max_fraction * self.dx / inside as f64
        } else {
            0.0
        };
        let open = if full {
            gaps.iter().filter(|&&g| g > 0.0 && advance < g).count() as u8
        } else {
            0
        };
        Some(Strip {
            f,
            touches: gaps.map(|g| g <= 0.0),
            full,
            reached: gaps.map(|g| full && advance >= g),
            open,
        })
    }

    /// The fronts growing into a voxel holding `phi` at radial position `x`
    /// whose pass 1 flag is `flag`, in whole voxel faces: the whole fronts,
    /// the strip fronts along a partial lamina (each as wide as the lamina:
    /// its volume fraction of a face), and the fronts of the voxel's own full
    /// strip still crossing its gaps.
    #[inline]
    fn front_faces(&self, flag: u8, phi: f64, x: usize) -> f64 {
        let whole = f64::from((flag >> FRONT_SHIFT) & 7);
        let strips = f64::from(flag >> STRIP_SHIFT);
        match self.strip(phi, x) {
            Some(st) => whole + strips * st.f + f64::from(st.open),
            None => whole,
        }
    }
}

/// The growth fronts at the voxel at `(z, y, x)` (periodic in y and z,
/// bounded in x): `(whole, strips)`.
///
/// `whole` counts the face neighbours at least `min` full, and the radial
/// neighbours with a partial lamina whose front has reached the shared face
/// ([`Strip`]). `strips` counts the neighbours along the lamina (y, z: the
/// same radial position) whose lamina strip is full while the voxel is
/// not `min` full and its own strip not full: a front as wide as the lamina.
#[inline(always)]
fn fronts(s: &Shared<'_>, [z, y, x]: [usize; 3], min: f64) -> (u8, u8) {
    let [nz, ny, nx] = s.shape;
    let mineral = s.mineral;
    let phi = |z: usize, y: usize, x: usize| mineral[(z * ny + y) * nx + x];
    let strip_at = |p: f64, x: usize| s.laminae.strip(p, x);
    let before = |i: usize, n: usize| if i == 0 { n - 1 } else { i - 1 };
    let after = |i: usize, n: usize| if i + 1 == n { 0 } else { i + 1 };
    let mut whole = 0;
    let mut strips = 0;
    // Radially: a whole front, or a neighbour's strip front at the shared
    // face; none into a full strip of this voxel that touches that face (the
    // lamina goes on across the face: its front is this voxel's own).
    let own = strip_at(phi(z, y, x), x);
    let mut radial = |xn: usize, their_side: usize, my_side: usize| {
        if own.is_some_and(|st| st.full && st.touches[my_side]) {
            return;
        }
        let p = phi(z, y, xn);
        let reached = strip_at(p, xn).is_some_and(|st| st.reached[their_side]);
        whole += u8::from(p >= min || reached);
    };
    if x > 0 {
        radial(x - 1, 1, 0);
    }
    if x + 1 < nx {
        radial(x + 1, 0, 1);
    }
    // Along the wall: the same radial position, the same lamina, whose
    // fronts fill this voxel's strip until it is full.
    let partial = own.is_some_and(|st| !st.full);
    let mut along = |p: f64| {
        if p >= min {
            whole += 1;
        } else if partial && strip_at(p, x).is_some_and(|st| st.full) {
            strips += 1;
        }
    };
    along(phi(z, before(y, ny), x));
    along(phi(z, after(y, ny), x));
    if s.ndim == 3 {
        along(phi(before(z, nz), y, x));
        along(phi(after(z, nz), y, x));
    }
    (whole, strips)
}

/// Voxels waiting for their nucleation draw, drawn [`LANES`] at a time.
#[derive(Debug, Default)]
struct Draws {
    n: usize,
    at: [usize; LANES],
    id: [u64; LANES],
    x: [f64; LANES],
}

impl Draws {
    /// Adds block voxel `i` (lattice voxel `v`) with `x` expected events.
    fn push(&mut self, i: usize, v: usize, x: f64) {
        self.at[self.n] = i;
        self.id[self.n] = v as u64;
        self.x[self.n] = x;
        self.n += 1;
    }

    /// Draws for the voxels held, flags those that nucleate, empties.
    fn run(&mut self, flags: &mut [u8], s: &Shared<'_>) {
        let u = uniforms(s.isa, s.ctx, &self.id, purpose::NUCLEATION);
        for j in 0..self.n {
            if happens(u[j], self.x[j]) {
                flags[self.at[j]] |= NUCLEUS;
            }
        }
        self.n = 0;
    }
}

/// [`first_uniforms`] of the step's streams for `ids`, compiled for `isa`.
fn uniforms(isa: Isa, ctx: &StepContext, ids: &[u64; LANES], purpose: Purpose) -> [f64; LANES] {
    match isa {
        Isa::Baseline => first_uniforms(ctx.seed, ctx.step, ids, purpose),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Isa::Avx2` is only detected on machines with AVX2.
        Isa::Avx2 => unsafe { uniforms_avx2(ctx, ids, purpose) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn uniforms_avx2(ctx: &StepContext, ids: &[u64; LANES], purpose: Purpose) -> [f64; LANES] {
    first_uniforms(ctx.seed, ctx.step, ids, purpose)
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
        // What each cell senses: the means over its territory.
        {
            let f = |i: usize| w.fields.values(i);
            let fields = SENSED.map(f);
            territory_means(&w.territories, fields, &w.mineral, &mut self.scratch.sensed);
        }
        let row_of = &mut self.scratch.row_of;
        row_of.clear();
        row_of.resize(w.territories.len(), NO_TERRITORY);
        for (r, &v) in w.cells.voxels().iter().enumerate() {
            row_of[w.territories.of_voxel[v as usize] as usize] = r as u32;
        }
        // By index, so that the solute table can grow or be reordered.
        let Ok([pi, ca, mg, ppi, fet, ros, rankl, opg]) =
            w.fields.all_values_mut().get_disjoint_mut([
                PHOSPHATE, CALCIUM, MAGNESIUM, PPI, FETUIN_A, ROS, RANKL, OPG,
            ])
        else {
            unreachable!("the solute indices are distinct and within the table");
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
            laminae: Laminae::of(&w.lattice, m),
            voxel_um3: w.lattice.voxel_um3(),
            territories: &w.territories,
            sensed: &self.scratch.sensed,
            row_of: &self.scratch.row_of,
            cell_volume_voxels: w.cell_volume_voxels,
            isa: Isa::detect(),
            ppi_sink_in_transport: self.tissue,
        };
        // Pass 1a: the cells, from what their territories hold.
        react_rows(
            Rows {
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
        // Pass 1b: the voxels: secretion, ROS sources, nucleation sites.
        react_blocks(
            Block {
                start: 0,
                pi,
                ppi,
                ros,
                rankl,
                opg,
                flags: &mut self.flags,
                sink: &mut w.ppi_sink,
            },
            &shared,
            &CellsRead {
                phenotype,
                runx2,
                alp,
                pi_uptake,
            },
        );
        // Pass 2: place nuclei and grow, taking Ca and Pi from the voxel.
        let (mg, ppi, fet, rankl, opg) = (&*mg, &*ppi, &*fet, &*rankl, &*opg);
        let exchange = self.exchange;
        let dt = ctx.dt_h;
        let k = &k;
        let flags = &self.flags;
        let voxel_um3 = w.lattice.voxel_um3();
        let dx = w.lattice.dx_um;
        let nx = w.lattice.shape[2];
        let laminae = Laminae::of(&w.lattice, m);
        let nucleus = m.nucleus_um3 / voxel_um3;
        w.mineral
            .par_chunks_mut(VOXEL_CHUNK)
            .zip(w.nuclei.par_chunks_mut(VOXEL_CHUNK))
            .zip(ca.par_chunks_mut(VOXEL_CHUNK))
            .zip(pi.par_chunks_mut(VOXEL_CHUNK))
            .enumerate()
            .for_each(|(c, (((min, nuclei), ca), pi))| {
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
                    // Growth over the step on the mineral and nuclei held at
                    // its start, plus a new nucleus.
                    let mut dphi = if flag & NUCLEUS != 0 { nucleus } else { 0.0 };
                    if flag & GROWS != 0 {
                        let fronts = laminae.front_faces(flag, phi, v % nx);
                        let s = model::free_product(
                            f64::from(ca[i]),
                            f64::from(pi[i]),
                            f64::from(fet[v]),
                            m,
                        );
                        let ppi_eq = k.ppi_equivalent(f64::from(ppi[v]));
                        let velocity = k.growth_velocity(s, ppi_eq, f64::from(mg[v]));
                        let free_rankl = k.free_rankl(f64::from(rankl[v]), f64::from(opg[v]));
                        let loss = if phi > 0.0 {
                            k.loss_velocity(s, free_rankl)
                        } else {
                            0.0
                        };
                        if velocity > loss {
                            dphi += model::growth_rate(
                                velocity - loss,
                                phi,
                                nuclei[i],
                                voxel_um3,
                                dx,
                                fronts,
                                m.max_fraction,
                            ) * dt;
                        } else if loss > velocity {
                            // Loss over the mineral's own surface (one face
                            // when a front brought all of it).
                            let surface = model::growth_rate(
                                1.0,
                                phi,
                                nuclei[i].max(1),
                                voxel_um3,
                                dx,
                                0.0,
                                m.max_fraction,
                            );
                            dphi -= ((loss - velocity) * surface * dt).min(phi);
                        }
                    }
                    if flag & NUCLEUS != 0 {
                        nuclei[i] += 1;
                    }
                    dphi = dphi.min(m.max_fraction - phi);
                    if dphi < 0.0 {
                        // Mineral lost: its Ca and Pi return to the voxel.
                        let dca = -dphi * HA_CALCIUM_MM;
                        phi = (phi + dphi).max(0.0);
                        min[i] = phi;
                        if phi == 0.0 {
                            nuclei[i] = 0;
                        }
                        ca[i] = (f64::from(ca[i]) + dca) as f32;
                        pi[i] = (f64::from(pi[i]) + dca * HA_PI_PER_CA) as f32;
                        continue;
                    }
                    if dphi == 0.0 {
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
        if self.tissue {
            let sensed = &self.scratch.sensed;
            super::turnover::turnover(
                &mut w.cells,
                &w.territories,
                |t| sensed[t][SENSED_MINERAL],
                &self.p,
                m,
                &self.iv,
                ctx,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Systemic;

    fn inputs(seed: u64) -> LaneInputs {
        let mut s = Stream::new(seed, 0, 0, Purpose(9));
        let mut draw = |lo: f64, hi: f64| -> [f64; LANES] {
            std::array::from_fn(|_| lo + (hi - lo) * s.uniform())
        };
        LaneInputs {
            pi: draw(0.0, 4.0),
            ca: draw(0.5, 4.0),
            mg: draw(0.0, 2.0),
            ppi: draw(0.0, 20.0),
            fet: draw(0.0, 1.0),
            ros: draw(0.0, 500.0),
            rankl: draw(0.0, 50.0),
            opg: draw(0.0, 300.0),
            mineral: draw(0.0, 0.6),
            pit1: draw(0.5, 2.0),
            pi_in: draw(0.0, 5.0),
            runx2: draw(0.8, 8.0),
            alp: draw(0.0, 1.0),
            opn: draw(0.0, 1.0),
        }
    }

    fn rules(p: &CellParams) -> Rules {
        let sys = Systemic {
            pth_pg_per_mL: 350.0,
            toxin_uM: 80.0,
            bisphosphonate_uM: 1.0,
            denosumab_nM: 0.1,
            h2o2_ros_nM: 5.0,
            calcimimetic: 0.0,
            antioxidant: 0.0,
            active_vitamin_d_rel: 0.0,
        };
        Rules::new(
            p,
            &MineralParams::default(),
            &InterventionParams::default(),
            &BindingParams::default(),
            &sys,
            1.9,
            1.3,
        )
    }

    /// The lanes compute what the rules give one cell at a time, with the
    /// same bits for every instruction set and for whole powers taken with
    /// or without looking at the power.
    #[test]
    fn lanes_are_the_rules_cell_by_cell_on_every_instruction_set() {
        let whole = CellParams::default();
        let fractional = CellParams {
            pi_hill: 5.5,
            ..CellParams::default()
        };
        for p in [whole, fractional] {
            let k = rules(&p);
            for seed in 0..50 {
                let x = inputs(seed);
                let mut o = LaneOutputs::default();
                cell_rules(Isa::Baseline, &k, &x, &mut o);
                for isa in Isa::available() {
                    let mut other = LaneOutputs::default();
                    cell_rules(isa, &k, &x, &mut other);
                    assert_eq!(o, other, "{isa:?}");
                }
                let mut general = LaneOutputs::default();
                cell_lanes::<false>(&k, &x, &mut general);
                assert_eq!(o, general);
                for j in 0..LANES {
                    let ros = k.ros_ratio(x.ros[j]);
                    let eff = k.pit1_effective(x.pit1[j], x.ca[j]);
                    let new = k.pi_in_step(x.pi_in[j], k.pi_in_target(x.pi[j], eff));
                    assert_eq!(o.pi_in[j], new as f32);
                    let signal = k.pi_signal(new, k.ppi_equivalent(x.ppi[j]), x.mg[j]);
                    let drive = k.runx2_drive(signal, x.rankl[j], x.opg[j]);
                    let runx2 = k.runx2_step(x.runx2[j], drive, k.stabilisation(ros));
                    assert_eq!(o.runx2[j].to_bits(), runx2.to_bits());
                    let alp = k.alp_step(x.alp[j], runx2) as f32;
                    assert_eq!(o.alp[j], alp);
                    assert_eq!(o.opn[j], k.opn_step(x.opn[j], runx2) as f32);
                    let events = k.apoptosis_events(x.ca[j], x.pi[j], x.fet[j], x.mineral[j], ros);
                    assert_eq!(o.events[j].to_bits(), events.to_bits());
                }
            }
        }
    }

    #[test]
    fn batched_draws_are_the_streams_draws() {
        let ctx = StepContext {
            step: 17,
            time_h: 17.0,
            dt_h: 1.0,
            seed: 99,
        };
        let ids: [u64; LANES] = std::array::from_fn(|j| 1000 + 37 * j as u64);
        for isa in Isa::available() {
            let u = uniforms(isa, &ctx, &ids, purpose::NUCLEATION);
            for j in 0..LANES {
                let want = Stream::new(99, 17, ids[j], purpose::NUCLEATION).uniform();
                assert_eq!(u[j].to_bits(), want.to_bits());
            }
        }
    }
}

#[cfg(test)]
mod nucleation_tests {
    use crate::scenario::{Override, Scenario};
    use crate::sim::Simulation;
    use crate::tissue::cells::Phenotype;
    use crate::world::{OPG, RANKL, ROS};

    /// Vesicle release senses the ROS the cells sensed (the solved field),
    /// not the ROS sources written for the next solve: with no ROS sources
    /// (Nox4 off, no endothelial Pi), a wall whose ROS field starts high
    /// nucleates more at its osteogenic cells than one whose field starts at 0.
    #[test]
    fn vesicle_nucleation_senses_the_solved_ros() {
        let nuclei = |ros_nM: f32| {
            let o: Vec<Override> = [
                "boundary.lumen=\"serum\"",
                "serum.phosphate_mM=3.0",
                "serum.calcium_mM=5.2",
                "interventions.nox4_expression=0.0",
                "geometry.lamellar_units=3",
                "geometry.circumference_um=2000.0",
                "cells.density_per_mm3=3.0e5",
                // Only vesicles nucleate, fast enough to count in two steps.
                "mineral.vesicle_nucleation_per_h=0.05",
                "mineral.body_nucleation_per_h=0.0",
                "mineral.lamina_nucleation_per_um3_h=0.0",
            ]
            .iter()
            .map(|s| Override::parse(s).expect("override"))
            .collect();
            let s = Scenario::from_toml("", "test", &o).expect("valid");
            let mut sim = Simulation::new(&s).expect("builds");
            sim.step();
            let d = &mut sim.world.cells.data;
            for row in 0..d.phenotype.len() {
                if d.phenotype[row].is_viable() {
                    d.phenotype[row] = Phenotype::Osteogenic;
                    d.alp[row] = 1.0;
                }
            }
            for v in sim.world.fields.values_mut(ROS) {
                *v = ros_nM;
            }
            let before = sim.world.mineral.iter().filter(|&&m| m > 0.0).count();
            for _ in 0..2 {
                sim.step();
                for v in sim.world.fields.values_mut(ROS) {
                    *v = ros_nM;
                }
            }
            sim.world.mineral.iter().filter(|&&m| m > 0.0).count() - before
        };
        let (low, high) = (nuclei(0.0), nuclei(500.0));
        // Release × (1 + 3 · 500/550) ≈ 3.7 at 500 nM; reading the ROS
        // sources (all 0 here) instead would give the same count twice.
        assert!(low > 20, "too few nuclei to compare: {low}");
        assert!(high as f64 > 2.0 * low as f64, "{high} vs {low}");
    }

    /// Elastin's nucleation follows the cells around it. With only the
    /// laminae nucleating (no serum H2O2, no OPG made), a wall whose ROS
    /// field is held at 500 nM forms about 1 + 3 · 500/550 ≈ 3.7 times the
    /// lamina nuclei of one held at 0, and one whose RANKL is held at
    /// 100 pM about 1 + 5 · H(100; 20, 2) ≈ 5.8 times (now 3.9× and 5.7×,
    /// 91 nuclei at rest); with `mineral.lamina_cell_coupling = 0` the walls
    /// draw the same nuclei.
    #[test]
    fn lamina_nucleation_follows_the_ros_and_rankl_of_the_cells_around_it() {
        let nuclei = |ros_nM: f32, rankl_pM: f32, coupling: f64| {
            let o: Vec<Override> = [
                "boundary.lumen=\"serum\"".to_string(),
                "serum.phosphate_mM=3.0".into(),
                "serum.calcium_mM=5.2".into(),
                "interventions.nox4_expression=0.0".into(),
                "interventions.opg_expression=0.0".into(),
                // No RANKL but what the test holds (the cells' would rise
                // with their Runx2, which ROS raises).
                "cells.rankl_basal_pM_per_h=0.0".into(),
                "cells.rankl_runx2_pM_per_h=0.0".into(),
                "geometry.lamellar_units=3".into(),
                "geometry.circumference_um=8000.0".into(),
                // Only the laminae nucleate, fast enough to count in two
                // steps and slow enough that few voxels draw two nuclei.
                "mineral.vesicle_nucleation_per_h=0.0".into(),
                "mineral.body_nucleation_per_h=0.0".into(),
                "mineral.lamina_nucleation_per_um3_h=2.0e-5".into(),
                format!("mineral.lamina_cell_coupling={coupling}"),
            ]
            .iter()
            .map(|s| Override::parse(s).expect("override"))
            .collect();
            let s = Scenario::from_toml("", "test", &o).expect("valid");
            let mut sim = Simulation::new(&s).expect("builds");
            // Only the laminae nucleate: every voxel with mineral holds a
            // lamina nucleus (or its growth, which two steps barely start).
            let count = |sim: &Simulation| sim.world.mineral.iter().filter(|&&m| m > 0.0).count();
            let before = count(&sim);
            for _ in 0..2 {
                for (f, level) in [(ROS, ros_nM), (RANKL, rankl_pM), (OPG, 0.0)] {
                    for v in sim.world.fields.values_mut(f) {
                        *v = level;
                    }
                }
                sim.step();
            }
            count(&sim) - before
        };
        let low = nuclei(0.0, 0.0, 1.0);
        assert!(low > 20, "too few nuclei to compare: {low}");
        let ratio = |n: usize| n as f64 / low as f64;
        let ros = nuclei(500.0, 0.0, 1.0);
        assert!((3.0..4.5).contains(&ratio(ros)), "ROS: {ros} vs {low}");
        let rankl = nuclei(0.0, 100.0, 1.0);
        assert!(
            (4.8..7.0).contains(&ratio(rankl)),
            "RANKL: {rankl} vs {low}"
        );
        let off = nuclei(0.0, 0.0, 0.0);
        assert_eq!(nuclei(500.0, 100.0, 0.0), off);
    }
}
