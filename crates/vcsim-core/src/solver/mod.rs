//! Implicit diffusion–decay solver: locally one-dimensional (LOD) backward
//! Euler with the Thomas algorithm.
//!
//! One step of length `dt` applies, for every field:
//! 1. exact first-order decay, `u ← u·exp(−k·dt)` (fused into the first sweep);
//! 2. a backward-Euler diffusion solve along x, then along y, then along z:
//!    `(I − dt·D·∂²/∂a²) u_new = u_old` on each line of the axis.
//!
//! Backward Euler is unconditionally stable and monotone (no new extrema), so
//! steps of hours are fine even though small ions cross a voxel in
//! milliseconds: the fields then relax to their quasi-steady profile. The
//! scheme is first order in `dt` and second order in `dx`.
//!
//! The discretisation is cell-centred. On a no-flux face the ghost value
//! equals the boundary voxel; on a Dirichlet face the ghost value is
//! `2·g − u₀`, which puts the value `g` on the face itself; periodic axes
//! couple the first and last voxel and are solved with the Sherman–Morrison
//! form of the cyclic Thomas algorithm.
//!
//! # How a sweep runs
//!
//! Coefficients are constant along a line, so everything that does not depend
//! on the data is computed once per field, axis and `dt` ([`Axis`]): with
//! `m_k` the reciprocal of the modified diagonal, the forward elimination is
//! `y_k = u_k·(s·m_k) − (a·m_k)·y_{k−1}` (the decay factor `s` is folded into
//! the first active axis; the Dirichlet terms are added at the two ends), and
//! the back substitution `x_k = y_k − c'_k·x_{k+1}` writes the f32 result
//! directly. On a periodic axis the Sherman–Morrison correction
//! `x ← x − f·z` needs the first entry of the non-periodic solution before the
//! back substitution starts; it is accumulated during the forward pass as
//! `Σ h_k·y_k` with precomputed weights `h_k = Π_{j<k} (−c'_j)`, so the
//! correction is applied in the same pass that stores the result.
//!
//! Lines are solved eight at a time, one per lane of a vector of eight f64
//! (`simd.rs`), in blocks of up to 64 lines so that several independent
//! recurrences are in flight (`kernels.rs`):
//! - y and z lines are neighbours in memory at each position, so a vector is
//!   loaded directly (a partial last vector under a mask); the kernel
//!   prefetches 16 positions ahead, continuing into the next block, because
//!   consecutive positions of a z line are a whole plane apart (a new page
//!   each) and the hardware prefetchers do not follow them;
//! - x lines are contiguous rows, handled 16 at a time: 8×8 tiles of f32 are
//!   read from 8 rows and transposed in registers, so that a vector holds one
//!   position of 8 rows, and transposed back on the way out. When the row
//!   length is not a multiple of 8 the last tile overlaps the one before it.
//!
//! The f64 forward values of a block live in a per-thread scratch buffer
//! (positions × block width: 250 KiB for 1000-voxel lines, in L2), allocated
//! on a thread's first step and reused; the per-item face amounts go to slots
//! preallocated in the solver. After its first step `step` does not allocate.
//!
//! # Long lines
//!
//! A 2D wall grown along its circumference has short x rows (~58 voxels) and
//! periodic y lines of up to 174 000 voxels. Two things keep the time per
//! voxel from collapsing there:
//! - Subnormals. `h_k` and the Sherman–Morrison direction `z_k` decay like
//!   `c'^k` away from the line ends, so on a long periodic line they pass
//!   through the subnormal range, and every product with a subnormal operand
//!   or result is a micro-code assist costing ~100 cycles. That made the
//!   periodic y sweep 3× slower per voxel than the same sweep with no-flux
//!   faces (97 vs 30 ns per voxel-step, 8 solutes, 58 × 174 000).
//!   [`Axis::new`] sets entries below 2⁻⁶⁰⁰ to exactly 0; that is far below
//!   the rounding of any f32 data, and the same for every instruction set
//!   and thread count (the dense-reference test has a line where it applies).
//! - Scratch size. Keeping every forward value of a block of 64 lines needs
//!   n × 512 B (89 MB for n = 174 000), written out and read back through
//!   memory. Lines longer than 2048 positions are instead cut into segments
//!   of 256: the forward pass keeps the forward value before each segment (a
//!   checkpoint) and the last segment's values; the backward pass recomputes
//!   each earlier segment from its checkpoint, with the same operations and
//!   so the same bits (tested against whole lines for segment lengths 1 to
//!   64), while prefetching the segment below. The scratch stays in L1/L2 and
//!   the old values are read twice instead; this gained ~15% at 174 000.
//! - Thin planes in one block. A 2D wall is ~60 lines wide (the radial
//!   axis); with blocks of 32 its y sweep streamed the field twice, once per
//!   block, over rows that are not cache-line aligned. Planes of at most 64
//!   lines are one block of up to eight vectors, read once: transport in
//!   tissue2d grown 100× (1.2e7 voxels, 2 threads) went from 13.7 to 9.4 ns
//!   per voxel-step. Wider planes keep items of 32 lines: with 64, the
//!   scratch of 1000-long lines (1 MB per thread) crowded L2 and
//!   diffusion2d grown 2× lost 30%. Eight vectors of state fit the 32
//!   AVX-512 registers; on AVX2 they spill, yet measured no slower relative
//!   to AVX-512 (0.68×) than the 32-line blocks of other shapes (0.60–0.66×).
//! - Fields together. Each axis is one parallel run over the items of every
//!   field (field-major item numbers, each field's face amounts summed over
//!   its own items in order), so a step has three synchronisation points
//!   instead of three per field; small lattices keep both threads busy
//!   (tissue2d 2-thread speedup 1.52 → 1.80).
//!
//! - x and y fused in thin 2D planes. Run one after the other, the x sweep
//!   reads and writes a field and the y sweep reads it again (twice when
//!   segmented) and writes it; beyond the caches each of those is a trip to
//!   memory. Where the plane is at most [`THIN_PLANE_LINES`] wide (a 2D
//!   wall), a field's two sweeps are one work item ([`Kernels::fused_xy`]):
//!   the y forward pass solves each chunk of 16 rows along x in place just
//!   before it reads them, while they are in L1. The same operations on the
//!   same values, so the same bits (tested), and the x face amounts add up
//!   in the same chunks and order as the x items. Standalone, 8 solutes on
//!   59 × n voxels, 1 / 2 threads: n = 2000 (L2) 8.2 → 7.2 / 5.4 → 4.5 ns
//!   per voxel-step, n = 20 000 (L3) 11.1 → 9.9 / 5.4 → 4.9, n = 200 000
//!   (memory) 17.7 → 14.6 / 9.2 → 7.5. Tried and not kept: solving each
//!   chunk along x into a buffer and again when a segmented y sweep
//!   recomputes it (the x-solved plane never written): the copies and the
//!   second x solve cost more than the traffic saved (L3: 11.1 → 13.2).
//!
//! The kernels are written once, generic over the vector type, and compiled
//! for three instruction sets; [`Kernels::detect`] picks the widest the CPU
//! has at run time (AVX-512F, AVX2 + FMA, or portable baseline code; the
//! build itself targets baseline x86-64). The arithmetic is lane-wise IEEE
//! add, subtract and multiply, never a fused multiply–add, so every
//! instruction set gives the same bits (tested). Compared with the scalar
//! one-line-at-a-time code this replaced, the reordered products (`u·(s·m)`
//! instead of `(u·s)·m`, the dot product for the periodic correction) change
//! results by rounding only.
//!
//! Arithmetic is f64 inside a sweep; fields are stored as f32. (Sweeps in
//! f32 would double the lanes per vector; they were not tried, as they would
//! first have to be shown to keep the mass-balance guarantees of the tests.)
//!
//! # Work items and determinism
//!
//! Work is split into items of fixed size, independent of the thread count:
//! blocks of 16 x rows, or blocks of about 32 y or z lines (the lines of a
//! plane or of the whole lattice split into whole vectors, in block sizes
//! that differ by at most one vector, so that no block is a lone
//! latency-bound vector); a fused thin 2D plane is one item per field. Each
//! line's arithmetic is the same whichever thread, item or block runs it, so
//! the result is bitwise identical for any number of threads. Face amounts at Dirichlet faces are summed line by line
//! within an item and item by item in index order.
//!
//! Tried and not kept: solving the x and the y lines of a z plane in one
//! work item while the plane is in cache (3D) measured no faster on the
//! 100³ benchmark, where all fields fit in the last-level cache.
//! (The 2D fusion above is the same idea where it pays: planes that stream
//! from memory or from L3.)

mod kernels;
mod simd;

pub use kernels::Kernels;

use crate::field::{Boundary, FieldKind, FieldSpec, FieldStore};
use crate::lattice::Lattice;
use kernels::{fused_scratch, lane_scratch, row_scratch, segment_len};
use rayon::prelude::*;
use std::cell::RefCell;
use std::fmt;

#[doc(hidden)]
/// Number of x rows per parallel work item.
const ROWS_PER_ITEM: usize = 16;
/// Number of y or z lines per parallel work item.
const LANES_PER_ITEM: usize = 32;
/// Planes at most this many lines wide (a 2D wall's radial width) are swept
/// as one block, so the field streams once per sweep; wider ones in items of
/// [`LANES_PER_ITEM`] lines, whose scratch stays small in L2.
const THIN_PLANE_LINES: usize = 64;

/// Number of work items (blocks) the `w` lines of a y or z sweep are split into.
fn lane_blocks(w: usize) -> usize {
    if w <= THIN_PLANE_LINES {
        1
    } else {
        w.div_ceil(LANES_PER_ITEM)
    }
}

/// Why a solver cannot be built for a set of fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverError(pub String);

impl fmt::Display for SolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SolverError {}

/// The precomputed elimination of one axis of one field.
#[derive(Debug, Clone)]
struct Axis {
    n: usize,
    /// Positions per segment in the lane layout (`n` for lines kept whole).
    seg: usize,
    /// `s·m_k`: weight of the old value in the forward value (s = decay
    /// factor on the first active axis, else 1).
    sd: Vec<f64>,
    /// `a·m_k`: weight of the previous forward value (entry 0 unused).
    ad: Vec<f64>,
    /// Modified super-diagonal `c'_k` (entry n−1 unused).
    cp: Vec<f64>,
    /// `m_0` and `m_{n−1}`, the weights of the Dirichlet terms.
    m_ends: [f64; 2],
    /// 2r on a Dirichlet low face (the weight of the face value), else 0.
    lo_weight: f64,
    /// 2r on a Dirichlet high face, else 0.
    hi_weight: f64,
    /// Periodic axis: the Sherman–Morrison data below are used.
    cyclic: bool,
    /// `h_k = Π_{j<k} (−c'_j)`: the first entry of the non-periodic solution
    /// is `Σ h_k·y_k`. Entries below 2⁻⁶⁰⁰ are set to 0 (here and in `z`).
    h: Vec<f64>,
    /// Solution of `B z = u` (the correction direction).
    z: Vec<f64>,
    /// α / γ: weight of the last entry in v·y.
    v_last: f64,
    /// 1 / (1 + v·z).
    inv_one_plus_vz: f64,
}

/// The data-dependent terms of one sweep: the Dirichlet values times their weights.
#[derive(Debug, Clone, Copy)]
struct Sweep {
    /// `lo·m_0` and `hi·m_{n−1}`, added to the first and last forward value.
    edge: [f64; 2],
    /// `2r·g` on each Dirichlet face (0 elsewhere).
    lo: f64,
    hi: f64,
}

impl Axis {
    /// The elimination of an axis of `n` voxels with `r = D·dt/dx²`, whose
    /// old values are multiplied by `scale` before the solve.
    fn new(n: usize, r: f64, lo: Boundary, hi: Boundary, scale: f64) -> Self {
        let periodic = lo == Boundary::Periodic;
        let mut a = vec![0.0; n];
        let mut b = vec![1.0; n];
        let mut c = vec![0.0; n];
        let (mut lo_weight, mut hi_weight) = (0.0, 0.0);
        for k in 0..n {
            if k > 0 {
                a[k] = -r;
                b[k] += r;
            } else {
                match lo {
                    Boundary::NoFlux => {}
                    Boundary::Dirichlet => {
                        b[k] += 2.0 * r;
                        lo_weight = 2.0 * r;
                    }
                    Boundary::Periodic => b[k] += r,
                }
            }
            if k + 1 < n {
                c[k] = -r;
                b[k] += r;
            } else {
                match hi {
                    Boundary::NoFlux => {}
                    Boundary::Dirichlet => {
                        b[k] += 2.0 * r;
                        hi_weight = 2.0 * r;
                    }
                    Boundary::Periodic => b[k] += r,
                }
            }
        }
        let (mut z, mut v_last, mut inv_one_plus_vz) = (Vec::new(), 0.0, 0.0);
        if periodic {
            // Corners: A[0][n-1] = alpha, A[n-1][0] = beta.
            let (alpha, beta) = (-r, -r);
            let gamma = -b[0];
            b[0] -= gamma;
            b[n - 1] -= alpha * beta / gamma;
            let (inv_denom, c_prime) = factor(&a, &b, &c);
            let mut u = vec![0.0; n];
            u[0] = gamma;
            u[n - 1] += beta;
            z = thomas_solve(&inv_denom, &c_prime, -r, &u);
            v_last = alpha / gamma;
            let vz = z[0] + v_last * z[n - 1];
            inv_one_plus_vz = 1.0 / (1.0 + vz);
        }
        let (inv_denom, cp) = factor(&a, &b, &c);
        let mut h = Vec::new();
        if periodic {
            h.reserve(n);
            let mut w = 1.0;
            for k in 0..n {
                h.push(w);
                w *= -cp[k];
            }
            // Both decay geometrically along the line (|c'| < 1); far enough
            // from the ends they would reach the subnormal range, where
            // every product costs a micro-code assist. Below 2⁻⁶⁰⁰ they are
            // far beneath the rounding of any f32 data, so they are zeros.
            let negligible = 2f64.powi(-600);
            for v in h.iter_mut().chain(z.iter_mut()) {
                if v.abs() < negligible {
                    *v = 0.0;
                }
            }
        }
        Self {
            n,
            seg: segment_len(n),
            sd: inv_denom.iter().map(|m| scale * m).collect(),
            ad: inv_denom.iter().map(|m| -r * m).collect(),
            cp,
            m_ends: [inv_denom[0], inv_denom[n - 1]],
            lo_weight,
            hi_weight,
            cyclic: periodic,
            h,
            z,
            v_last,
            inv_one_plus_vz,
        }
    }

    /// The terms of a sweep with the face values `g_lo`, `g_hi`.
    fn sweep(&self, g_lo: f64, g_hi: f64) -> Sweep {
        let lo = self.lo_weight * g_lo;
        let hi = self.hi_weight * g_hi;
        Sweep {
            edge: [lo * self.m_ends[0], hi * self.m_ends[1]],
            lo,
            hi,
        }
    }
}

/// Reciprocal modified diagonal and modified super-diagonal of a tridiagonal
/// matrix.
fn factor(a: &[f64], b: &[f64], c: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = b.len();
    let mut inv = vec![0.0; n];
    let mut cp = vec![0.0; n];
    for k in 0..n {
        let denom = if k == 0 {
            b[0]
        } else {
            b[k] - a[k] * cp[k - 1]
        };
        inv[k] = 1.0 / denom;
        cp[k] = c[k] * inv[k];
    }
    (inv, cp)
}

fn thomas_solve(inv: &[f64], cp: &[f64], a: f64, d: &[f64]) -> Vec<f64> {
    let n = d.len();
    let mut x = vec![0.0; n];
    let mut prev = 0.0;
    for k in 0..n {
        prev = if k == 0 {
            d[0] * inv[0]
        } else {
            (d[k] - a * prev) * inv[k]
        };
        x[k] = prev;
    }
    for k in (0..n.saturating_sub(1)).rev() {
        x[k] -= cp[k] * x[k + 1];
    }
    x
}

/// Block `b` of the [`lane_blocks`]`(w)` blocks that the `w` lines of a y or z sweep
/// are split into: (first line, number of lines). Blocks hold whole vectors of
/// 8 lines except the last, and their vector counts differ by at most one, so
/// that no block is a lone vector (a latency-bound chain).
fn lane_block(w: usize, b: usize) -> (usize, usize) {
    let vectors = w.div_ceil(8);
    let blocks = lane_blocks(w);
    let (base, extra) = (vectors / blocks, vectors % blocks);
    let first = 8 * (b * base + b.min(extra));
    let len = 8 * (base + usize::from(b < extra));
    (first, len.min(w - first))
}

/// The work of one item of a sweep: (item, the field's values, its axis,
/// this step's Dirichlet terms, scratch) → the face amounts.
type ItemWork<'a> = dyn Fn(usize, SharedPtr, &Axis, &Sweep, *mut f64) -> [f64; 2] + Sync + 'a;

/// A raw pointer that may be shared between the threads of one sweep.
#[derive(Debug, Clone, Copy)]
struct SharedPtr(*mut f32);
// SAFETY: the pointer is only dereferenced by the kernels, whose callers
// guarantee that concurrent calls touch disjoint sets of elements.
unsafe impl Send for SharedPtr {}
unsafe impl Sync for SharedPtr {}

impl SharedPtr {
    /// The element `i` places further.
    ///
    /// # Safety
    /// `i` is within the field the pointer was taken from.
    unsafe fn at(self, i: usize) -> *mut f32 {
        // SAFETY: the caller's contract.
        unsafe { self.0.add(i) }
    }
}

thread_local! {
    /// Per-thread f64 scratch of the sweeps; grows to the largest need once.
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with at least `len` f64 of scratch, aligned to 64 bytes.
fn with_scratch<R>(len: usize, f: impl FnOnce(*mut f64) -> R) -> R {
    let run = |buf: &mut Vec<f64>| {
        if buf.len() < len + 8 {
            buf.resize(len + 8, 0.0);
        }
        let off = buf.as_ptr().align_offset(64).min(8);
        f(buf[off..].as_mut_ptr())
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => run(&mut buf),
        // Not reached (the kernels never re-enter), but a fresh buffer is
        // always correct.
        Err(_) => run(&mut Vec::new()),
    })
}

/// The per-field data of the solver.
#[derive(Debug, Clone)]
struct FieldPlan {
    /// Decay factor over one step (1 for quasi-steady fields).
    decay: f64,
    /// The elimination of each active axis.
    axes: [Option<Axis>; 3],
    /// Its x and y sweeps run as one fused sweep of a thin 2D plane
    /// ([`Kernels::fused_xy`]): one z plane, at most [`THIN_PLANE_LINES`]
    /// voxels along x, and both axes active.
    fused: bool,
    /// Set for a field that takes per-voxel sinks ([`DiffusionSolver::with_sinks`]):
    /// its x lines are solved with the sinks and the decay on the diagonal.
    sink: Option<SinkPlan>,
}

/// The x solve of a field with per-voxel sinks: `(1 + dt·(k + σ_v) − dt·D·∂²/∂x²) u_new = u_old`
/// on each x line, the boundary terms as in [`Axis::new`].
#[derive(Debug, Clone, Copy)]
struct SinkPlan {
    /// `D·dt/dx²`.
    r: f64,
    /// The field's uniform decay times dt (implicit here, not the exact factor).
    k_dt: f64,
    /// The faces of the x axis (neither periodic).
    lo: Boundary,
    hi: Boundary,
}

impl FieldPlan {
    /// Whether the run of `axis` solves this field (x and y of a fused
    /// field are solved in the fused run instead; x of a field with sinks
    /// in the sink run).
    fn runs(&self, axis: usize) -> bool {
        self.axes[axis].is_some()
            && (axis == 2 || !self.fused)
            && !(axis == 0 && self.sink.is_some())
    }
}

/// Solves one x row of a field with sinks in place: `u` the row (f32),
/// `sigma` its sinks (1/h; none: 0), `g` the face values; returns the face
/// amounts (`2r·(g − u_new)` on each Dirichlet face). `work` holds 2·n f64.
fn sink_row(
    p: &SinkPlan,
    dt: f64,
    u: &mut [f32],
    sigma: Option<&[f32]>,
    g: [f64; 2],
    work: &mut [f64],
) -> [f64; 2] {
    let n = u.len();
    let (cp, y) = work[..2 * n].split_at_mut(n);
    let r = p.r;
    let weight = |b: Boundary| {
        if b == Boundary::Dirichlet {
            2.0 * r
        } else {
            0.0
        }
    };
    let (wl, wh) = (weight(p.lo), weight(p.hi));
    let mut prev_c = 0.0;
    let mut prev_y = 0.0;
    for k in 0..n {
        let sink = sigma.map_or(0.0, |s| f64::from(s[k]).max(0.0));
        let mut b = 1.0 + p.k_dt + dt * sink;
        let mut d = f64::from(u[k]);
        let a = if k > 0 { -r } else { 0.0 };
        let c = if k + 1 < n { -r } else { 0.0 };
        if k > 0 {
            b += r;
        } else {
            b += wl;
            d += wl * g[0];
        }
        if k + 1 < n {
            b += r;
        } else {
            b += wh;
            d += wh * g[1];
        }
        let m = 1.0 / (b - a * prev_c);
        prev_c = c * m;
        prev_y = (d - a * prev_y) * m;
        cp[k] = prev_c;
        y[k] = prev_y;
    }
    for k in (0..n.saturating_sub(1)).rev() {
        y[k] -= cp[k] * y[k + 1];
    }
    for (v, x) in u.iter_mut().zip(y.iter()) {
        *v = *x as f32;
    }
    [
        wl * g[0] - wl * f64::from(u[0]),
        wh * g[1] - wh * f64::from(u[n - 1]),
    ]
}

/// The LOD solver for a fixed lattice, set of fields and time step.
#[derive(Debug, Clone)]
pub struct DiffusionSolver {
    shape: [usize; 3],
    dt_h: f64,
    fields: Vec<FieldPlan>,
    /// Per field, `[axis][side]`: amount (concentration × voxels) that entered
    /// through each face during the last step.
    flux: Vec<[[f64; 2]; 3]>,
    kernels: Kernels,
    /// Face amounts per work item of the current sweep (field major), `[side]`.
    item_flux: Vec<[f64; 2]>,
    /// Face amounts of each field's fused x–y sweep, `[axis][side]`.
    fused_flux: Vec<[[f64; 2]; 2]>,
    /// Per field: its values during a step.
    ptrs: Vec<SharedPtr>,
    /// Per field and axis: the Dirichlet terms of the current step.
    sweeps: Vec<[Option<Sweep>; 3]>,
    /// Scratch f64 per work item.
    scratch_len: usize,
    /// Per field: the x solve it would have with sinks, its kind and its
    /// name (what [`Self::with_sinks`] needs to set it up or refuse it).
    sink_specs: Vec<(SinkPlan, FieldKind, String)>,
    /// Face amounts per item of 16 x rows of a field with sinks, `[side]`.
    sink_flux: Vec<[f64; 2]>,
}

impl DiffusionSolver {
    /// Precomputes the elimination factors. Fails if a boundary setting is
    /// inconsistent (periodic on one face only, or a periodic axis of 2 voxels).
    /// Uses the widest kernels this CPU supports ([`Kernels::detect`]).
    pub fn new(lattice: &Lattice, specs: &[FieldSpec], dt_h: f64) -> Result<Self, SolverError> {
        if !(dt_h.is_finite() && dt_h > 0.0) {
            return Err(SolverError(format!("time step must be > 0 h, got {dt_h}")));
        }
        let [nz, ny, nx] = lattice.shape;
        let lens = [nx, ny, nz];
        let mut fields = Vec::with_capacity(specs.len());
        let mut specs_kept = Vec::with_capacity(specs.len());
        for s in specs {
            if !(s.diffusion_um2_per_h.is_finite() && s.diffusion_um2_per_h >= 0.0) {
                return Err(SolverError(format!(
                    "field '{}': diffusion coefficient must be >= 0 µm²/h, got {}",
                    s.name, s.diffusion_um2_per_h
                )));
            }
            if !(s.decay_per_h.is_finite() && s.decay_per_h >= 0.0) {
                return Err(SolverError(format!(
                    "field '{}': decay rate must be >= 0 1/h, got {}",
                    s.name, s.decay_per_h
                )));
            }
            // A quasi-steady field is one backward-Euler step of length 1/k
            // applied to S/k: (I − D/k·∇²) u = S/k, i.e. D∇²u − k·u + S = 0.
            let (solve_dt, decay) = match s.kind {
                FieldKind::Transient => (dt_h, (-s.decay_per_h * dt_h).exp()),
                FieldKind::QuasiSteady => {
                    if s.decay_per_h <= 0.0 {
                        return Err(SolverError(format!(
                            "field '{}': a quasi-steady field needs a decay rate > 0 1/h",
                            s.name
                        )));
                    }
                    (1.0 / s.decay_per_h, 1.0)
                }
            };
            let r = s.diffusion_um2_per_h * solve_dt / (lattice.dx_um * lattice.dx_um);
            let mut axes: [Option<Axis>; 3] = [None, None, None];
            let mut scale = decay;
            for (axis, slot) in axes.iter_mut().enumerate() {
                let [lo, hi] = s.boundary[axis];
                let n = lens[axis];
                if (lo == Boundary::Periodic) != (hi == Boundary::Periodic) {
                    return Err(SolverError(format!(
                        "field '{}': axis {} is periodic on one face only",
                        s.name,
                        ["x", "y", "z"][axis]
                    )));
                }
                // Axes of one voxel (z in 2D) carry no diffusion, whatever the
                // boundary; with no diffusion there is nothing to solve.
                // An empty lattice (a 0 in its shape) has nothing to solve either.
                if axis >= lattice.ndim
                    || r == 0.0
                    || n == 0
                    || (n == 1 && lo == Boundary::Periodic)
                {
                    continue;
                }
                if lo == Boundary::Periodic && n < 3 {
                    return Err(SolverError(format!(
                        "field '{}': periodic axis {} needs at least 3 voxels, has {n}",
                        s.name,
                        ["x", "y", "z"][axis]
                    )));
                }
                *slot = Some(Axis::new(n, r, lo, hi, scale));
                scale = 1.0;
            }
            fields.push(FieldPlan {
                decay,
                axes,
                fused: false,
                sink: None,
            });
            specs_kept.push((
                SinkPlan {
                    r: s.diffusion_um2_per_h * dt_h / (lattice.dx_um * lattice.dx_um),
                    k_dt: s.decay_per_h * dt_h,
                    lo: s.boundary[0][0],
                    hi: s.boundary[0][1],
                },
                s.kind,
                s.name.clone(),
            ));
        }
        let nf = fields.len();
        Ok(Self {
            shape: lattice.shape,
            dt_h,
            flux: vec![[[0.0; 2]; 3]; fields.len()],
            fields,
            kernels: Kernels::detect(),
            item_flux: Vec::new(),
            fused_flux: vec![[[0.0; 2]; 2]; nf],
            ptrs: vec![SharedPtr(std::ptr::null_mut()); nf],
            sweeps: vec![[None; 3]; nf],
            scratch_len: 0,
            sink_specs: specs_kept,
            sink_flux: Vec::new(),
        }
        .with_fused_xy(true))
    }

    /// Number of work items of the run of `axis` (0 when no field runs it:
    /// inactive, or x and y of fused fields).
    fn axis_items(&self, axis: usize) -> usize {
        let [nz, ny, nx] = self.shape;
        if !self.fields.iter().any(|p| p.runs(axis)) {
            return 0;
        }
        match axis {
            0 => (nz * ny).div_ceil(ROWS_PER_ITEM),
            1 => nz * lane_blocks(nx),
            _ => lane_blocks(nx * ny),
        }
    }

    /// Sizes the per-item face amounts for the runs that happen (a 2D
    /// lattice has no z run: sizing for one would cost 4 bytes per voxel)
    /// and `scratch_len` for the widest sweep.
    fn with_buffers(mut self) -> Self {
        let most = (0..3).map(|a| self.axis_items(a)).max().unwrap_or(0);
        let [nz, ny, _] = self.shape;
        self.sink_flux = if self.fields.iter().any(|p| p.sink.is_some()) {
            vec![[0.0; 2]; (nz * ny).div_ceil(ROWS_PER_ITEM)]
        } else {
            Vec::new()
        };
        self.item_flux = vec![[0.0; 2]; self.fields.len() * most];
        let mut len = 0;
        let nx = self.shape[2];
        for plan in &self.fields {
            if plan.sink.is_some() {
                // The x rows of a field with sinks (`sink_row`), whose items
                // are x-run items of 16 rows.
                len = len.max(2 * nx);
            }
            if let (true, Some(ay)) = (plan.fused, &plan.axes[1]) {
                len = len.max(fused_scratch(nx, ay.n, ay.seg));
            }
            for (axis, ax) in plan.axes.iter().enumerate() {
                if let Some(ax) = ax {
                    let need = if axis == 0 {
                        row_scratch(ax.n)
                    } else {
                        lane_scratch(ax.n, ax.seg)
                    };
                    len = len.max(need);
                }
            }
        }
        self.scratch_len = len;
        self
    }

    /// The same solver with the y and z lines solved in segments of `seg`
    /// positions whatever their length (tests the segmented path on short
    /// lines).
    #[cfg(test)]
    fn with_segments(mut self, seg: usize) -> Self {
        for plan in &mut self.fields {
            for ax in plan.axes.iter_mut().skip(1).flatten() {
                ax.seg = seg.clamp(1, ax.n);
            }
        }
        self.with_buffers()
    }

    /// The same solver with the x and y sweeps of thin 2D planes fused
    /// (`true`, the default where it applies) or run one after the other.
    /// Both give the same bits; this exists to test that, and to measure the gain.
    pub fn with_fused_xy(mut self, on: bool) -> Self {
        let nx = self.shape[2];
        for plan in &mut self.fields {
            plan.fused = on
                && self.shape[0] == 1
                && nx <= THIN_PLANE_LINES
                && plan.axes[0].is_some()
                && plan.axes[1].is_some()
                && plan.sink.is_none();
        }
        self.with_buffers()
    }

    /// The same solver with per-voxel first-order sinks on the fields
    /// `fields` ([`Self::step_with_sinks`]). Such a field's x lines are
    /// solved with its uniform decay and the voxel's sink on the diagonal,
    /// `(1 + dt·(k + σ_v) − dt·D·∂²/∂x²) u = u_old` (backward Euler), and
    /// not with the exact decay factor: at steady state a voxel then loses
    /// exactly `(k + σ_v)·u` per hour whatever the step, where a sink applied
    /// apart from the implicit solve (exactly over the step, then diffusion)
    /// acts as `(1 − e^(−σ·dt))/dt`. Its y and z sweeps are unchanged.
    /// Refused for a quasi-steady field or a periodic x axis.
    pub fn with_sinks(mut self, fields: &[usize]) -> Result<Self, SolverError> {
        let on = self.fields.iter().any(|p| p.fused);
        for &f in fields {
            let Some((x_solve, kind, name)) = self.sink_specs.get(f) else {
                return Err(SolverError(format!("no field {f} to give sinks")));
            };
            if *kind != FieldKind::Transient {
                return Err(SolverError(format!(
                    "field '{name}': only a transient field takes per-voxel sinks"
                )));
            }
            if x_solve.lo == Boundary::Periodic || x_solve.hi == Boundary::Periodic {
                return Err(SolverError(format!(
                    "field '{name}': per-voxel sinks need a non-periodic x axis"
                )));
            }
            self.fields[f].sink = Some(*x_solve);
            // The exact decay was folded into the x axis (the first active
            // one whenever any is: all axes share D), which this field no
            // longer runs: y and z were built with scale 1.
        }
        Ok(self.with_fused_xy(on))
    }

    /// Advances every field by one time step, the fields of
    /// [`Self::with_sinks`] with the per-voxel sinks `sinks` (1/h, one per
    /// voxel; negative values count as 0). A field given no sinks this step
    /// is solved with sinks of 0 (its decay still implicit).
    pub fn step_with_sinks(
        &mut self,
        store: &mut FieldStore,
        sinks: &[(usize, &[f32])],
    ) -> Result<(), SolverError> {
        let n = self.shape.iter().product::<usize>();
        for &(f, s) in sinks {
            match self.fields.get(f) {
                Some(p) if p.sink.is_some() => {}
                _ => {
                    return Err(SolverError(format!(
                        "field {f} was not set up for sinks (DiffusionSolver::with_sinks)"
                    )));
                }
            }
            if s.len() != n {
                return Err(SolverError(format!(
                    "field {f}: {} sinks for {n} voxels",
                    s.len()
                )));
            }
        }
        self.step_inner(store, sinks);
        Ok(())
    }

    /// Whether any field's x and y sweeps run fused.
    pub fn fuses_xy(&self) -> bool {
        self.fields.iter().any(|p| p.fused)
    }

    /// The same solver running the `kernels` instruction set, or an error if
    /// this CPU lacks it. Every choice gives the same bits; this exists to test
    /// that, and to measure the gain.
    pub fn with_kernels(mut self, kernels: Kernels) -> Result<Self, SolverError> {
        if !kernels.is_supported() {
            return Err(SolverError(format!(
                "this CPU cannot run the {kernels:?} kernels"
            )));
        }
        self.kernels = kernels;
        Ok(self)
    }

    /// The instruction set the sweeps run on.
    pub fn kernels(&self) -> Kernels {
        self.kernels
    }

    /// The time step the factors were computed for, h.
    pub fn dt_h(&self) -> f64 {
        self.dt_h
    }

    /// Factor by which decay multiplies field `f` over one step (1 for a
    /// quasi-steady field, whose decay is part of its steady state).
    pub fn decay_factor(&self, f: usize) -> f64 {
        self.fields[f].decay
    }

    /// Amount (concentration × voxels) of field `f` that entered through each
    /// face, `[axis][side]`, during the last step; negative means it left.
    /// Only Dirichlet faces exchange anything.
    pub fn boundary_flux(&self, f: usize) -> [[f64; 2]; 3] {
        self.flux[f]
    }

    /// Advances every field by one time step (a field of [`Self::with_sinks`]
    /// with sinks of 0).
    pub fn step(&mut self, store: &mut FieldStore) {
        self.step_inner(store, &[]);
    }

    fn step_inner(&mut self, store: &mut FieldStore, sinks: &[(usize, &[f32])]) {
        let [nz, ny, nx] = self.shape;
        let kernels = self.kernels;
        let scratch_len = self.scratch_len;
        let nf = self.fields.len();
        // Every field's values as a raw pointer (the store keeps one vector
        // per field, so they are disjoint), and this step's Dirichlet terms.
        for (f, slot) in store.all_values_mut().iter_mut().enumerate() {
            debug_assert_eq!(slot.len(), nx * ny * nz);
            self.ptrs[f] = SharedPtr(slot.as_mut_ptr());
        }
        for (f, plan) in self.fields.iter().enumerate() {
            for axis in 0..3 {
                let face = |side| store.dirichlet(f, crate::Face { axis, side });
                self.sweeps[f][axis] = plan.axes[axis]
                    .as_ref()
                    .map(|ax| ax.sweep(face(0), face(1)));
            }
        }
        let (fields, sweeps, ptrs) = (&self.fields, &self.sweeps, &self.ptrs);
        // One parallel run per axis over the items of every field (field
        // major), so that small lattices still give every thread work and a
        // step has three synchronisation points, not three per field. Each
        // field's face amounts are summed over its own items in item order:
        // the same sums for any thread count.
        let items = [0, 1, 2].map(|a| self.axis_items(a));
        let mut run = |axis: usize, flux: &mut [[[f64; 2]; 3]], work: &ItemWork<'_>| {
            let count = items[axis];
            if count == 0 {
                return; // no field runs this axis, or an empty lattice
            }
            let out = &mut self.item_flux[..nf * count];
            out.par_iter_mut().enumerate().for_each(|(i, slot)| {
                let (f, item) = (i / count, i % count);
                *slot = match (&fields[f].axes[axis], &sweeps[f][axis]) {
                    (Some(ax), Some(sw)) if fields[f].runs(axis) => {
                        with_scratch(scratch_len, |t| work(item, ptrs[f], ax, sw, t))
                    }
                    _ => [0.0; 2],
                };
            });
            for (f, items) in out.chunks(count).enumerate() {
                if fields[f].runs(axis) {
                    flux[f][axis] = items
                        .iter()
                        .fold([0.0; 2], |acc, v| [acc[0] + v[0], acc[1] + v[1]]);
                }
            }
        };
        for f in &mut self.flux {
            *f = [[0.0; 2]; 3];
        }
        let flux = &mut self.flux;
        // SAFETY (all kernel calls below): `kernels` is supported (checked in
        // `new`/`with_kernels`); every item touches only the elements named in
        // its comment, inside its own field, and items of one run touch
        // disjoint sets; the fields are borrowed mutably (through `store`) for
        // the whole step; `t` is the thread's scratch of `scratch_len` f64,
        // the need of the widest sweep (`with_scratch_len`).
        // Fused fields: one item per field, its whole (single) plane.
        if self.fields.iter().any(|p| p.fused) {
            let out = &mut self.fused_flux;
            out.par_iter_mut().enumerate().for_each(|(f, slot)| {
                let plan = &fields[f];
                if let (true, Some(ax), Some(ay), Some(sx), Some(sy)) = (
                    plan.fused,
                    &plan.axes[0],
                    &plan.axes[1],
                    &sweeps[f][0],
                    &sweeps[f][1],
                ) {
                    *slot = with_scratch(scratch_len, |t| unsafe {
                        kernels.fused_xy(ptrs[f].0, nx, ny, ax, sx, ay, sy, t)
                    });
                }
            });
            for (f, plan) in fields.iter().enumerate() {
                if plan.fused {
                    flux[f][0] = out[f][0];
                    flux[f][1] = out[f][1];
                }
            }
        }
        // Fields with sinks: their x rows, in items of 16 rows; face amounts
        // summed per item, then item by item in order.
        let rows = nz * ny;
        let dt = self.dt_h;
        let item_len = ROWS_PER_ITEM * nx.max(1);
        for (f, plan) in fields.iter().enumerate() {
            let Some(sp) = &plan.sink else { continue };
            let sigma = sinks.iter().find(|(g, _)| *g == f).map(|(_, s)| *s);
            let g = [0, 1].map(|side| store.dirichlet(f, crate::Face { axis: 0, side }));
            let items = &mut self.sink_flux;
            // Item i: rows 16·i .. 16·(i+1), with their sinks; the thread's
            // scratch (at least 2·nx, `with_buffers`) holds the elimination.
            store
                .values_mut(f)
                .par_chunks_mut(item_len)
                .zip(items.par_iter_mut())
                .enumerate()
                .for_each(|(i, (u, acc))| {
                    let s = sigma.map(|s| &s[i * item_len..(i * item_len + u.len())]);
                    *acc = with_scratch(scratch_len, |t| {
                        // SAFETY: the thread's scratch holds `scratch_len` f64
                        // (+ alignment), and no other borrow of it is live.
                        let work = unsafe { std::slice::from_raw_parts_mut(t, scratch_len) };
                        let mut acc = [0.0; 2];
                        for (k, row) in u.chunks_mut(nx).enumerate() {
                            let srow = s.map(|s| &s[k * nx..(k + 1) * nx]);
                            let a = sink_row(sp, dt, row, srow, g, work);
                            acc = [acc[0] + a[0], acc[1] + a[1]];
                        }
                        acc
                    });
                });
            flux[f][0] = items
                .iter()
                .fold([0.0; 2], |acc, v| [acc[0] + v[0], acc[1] + v[1]]);
        }
        // Item i: rows 16·i .. 16·(i+1) of all nz·ny rows.
        run(0, flux, &|i, ptr, ax, sx, t| unsafe {
            let r0 = i * ROWS_PER_ITEM;
            let count = ROWS_PER_ITEM.min(rows - r0);
            kernels.rows(ptr.at(r0 * nx), nx, count, ax, sx, t)
        });
        // Item (p, b): lines x ∈ lane_block(nx, b) of plane z = p.
        let blocks = lane_blocks(nx);
        run(1, flux, &|i, ptr, ay, sy, t| unsafe {
            let (p, b) = (i / blocks, i % blocks);
            let (l0, w) = lane_block(nx, b);
            kernels.lanes(ptr.at(p * nx * ny + l0), nx, w, ay, sy, t)
        });
        // Item b: lines (y, x) ∈ lane_block(nx·ny, b) of the plane.
        let lanes = nx * ny;
        run(2, flux, &|b, ptr, az, sz, t| unsafe {
            let (l0, w) = lane_block(lanes, b);
            kernels.lanes(ptr.at(l0), lanes, w, az, sz, t)
        });
        for (f, plan) in self.fields.iter().enumerate() {
            if plan.axes.iter().all(Option::is_none) && plan.decay != 1.0 && plan.sink.is_none() {
                let d = plan.decay;
                store.values_mut(f).par_chunks_mut(1 << 14).for_each(|c| {
                    for v in c {
                        *v = (f64::from(*v) * d) as f32;
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests_support {
    use super::*;
    use crate::field::Face;

    /// Solves `A x = rhs` by Gaussian elimination with partial pivoting.
    pub(super) fn dense_solve(mut a: Vec<Vec<f64>>, mut rhs: Vec<f64>) -> Vec<f64> {
        let n = rhs.len();
        for c in 0..n {
            let p = (c..n)
                .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
                .expect("non-empty");
            a.swap(c, p);
            rhs.swap(c, p);
            for r in c + 1..n {
                let m = a[r][c] / a[c][c];
                for k in c..n {
                    a[r][k] -= m * a[c][k];
                }
                rhs[r] -= m * rhs[c];
            }
        }
        let mut x = vec![0.0; n];
        for r in (0..n).rev() {
            let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
            x[r] = (rhs[r] - s) / a[r][r];
        }
        x
    }

    pub(super) const D: Boundary = Boundary::Dirichlet;
    pub(super) const N: Boundary = Boundary::NoFlux;
    pub(super) const P: Boundary = Boundary::Periodic;

    pub(super) fn spec(d: f64, k: f64, boundary: [[Boundary; 2]; 3]) -> FieldSpec {
        FieldSpec {
            name: "u".into(),
            unit: "1".into(),
            diffusion_um2_per_h: d,
            decay_per_h: k,
            boundary,
            initial: 0.0,
            kind: FieldKind::Transient,
        }
    }

    /// A field store with irregular values and distinct face values.
    pub(super) fn irregular_store(lat: &Lattice, specs: &[FieldSpec]) -> FieldStore {
        let mut fs = FieldStore::new(specs.to_vec(), lat.len());
        for f in 0..specs.len() {
            for (i, v) in fs.values_mut(f).iter_mut().enumerate() {
                *v = ((i * 7919 + f * 31) % 101) as f32 * 0.173 + 0.01;
            }
            for axis in 0..3 {
                for side in 0..2 {
                    let g = 1.0 + 0.7 * axis as f64 + 2.1 * side as f64 + 0.3 * f as f64;
                    fs.set_dirichlet(f, Face { axis, side }, g);
                }
            }
        }
        fs
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::*;
    use super::*;
    use crate::field::Face;
    use crate::lattice::Region;

    /// The LOD step built from scratch: dense matrices per line, f32 storage
    /// between axes. Returns the face amounts `[axis][side]`.
    fn reference_step(
        lat: &Lattice,
        s: &FieldSpec,
        dt: f64,
        u: &mut [f32],
        g: [[f64; 2]; 3],
    ) -> [[f64; 2]; 3] {
        let [nz, ny, nx] = lat.shape;
        let lens = [nx, ny, nz];
        let strides = [1, nx, nx * ny];
        let r = s.diffusion_um2_per_h * dt / (lat.dx_um * lat.dx_um);
        let mut scale = (-s.decay_per_h * dt).exp();
        let mut flux = [[0.0; 2]; 3];
        for axis in 0..lat.ndim {
            let n = lens[axis];
            let [lo, hi] = s.boundary[axis];
            if r == 0.0 || (n == 1 && lo == P) {
                continue;
            }
            let mut a = vec![vec![0.0; n]; n];
            for k in 0..n {
                a[k][k] = 1.0;
                for (nb, b) in [(k.checked_sub(1), lo), ((k + 1 < n).then_some(k + 1), hi)] {
                    match (nb, b) {
                        (Some(j), _) => {
                            a[k][k] += r;
                            a[k][j] -= r;
                        }
                        (None, P) => {
                            let j = if k == 0 { n - 1 } else { 0 };
                            a[k][k] += r;
                            a[k][j] -= r;
                        }
                        (None, D) => a[k][k] += 2.0 * r,
                        (None, N) => {}
                    }
                }
            }
            let starts: Vec<usize> = (0..nx * ny * nz)
                .filter(|&i| (i / strides[axis]) % n == 0)
                .collect();
            for start in starts {
                let mut rhs: Vec<f64> = (0..n)
                    .map(|k| f64::from(u[start + k * strides[axis]]) * scale)
                    .collect();
                if lo == D {
                    rhs[0] += 2.0 * r * g[axis][0];
                }
                if hi == D {
                    rhs[n - 1] += 2.0 * r * g[axis][1];
                }
                let x = dense_solve(a.clone(), rhs);
                if lo == D {
                    flux[axis][0] += 2.0 * r * (g[axis][0] - x[0]);
                }
                if hi == D {
                    flux[axis][1] += 2.0 * r * (g[axis][1] - x[n - 1]);
                }
                for k in 0..n {
                    u[start + k * strides[axis]] = x[k] as f32;
                }
            }
            scale = 1.0;
        }
        if scale != 1.0 {
            for v in u.iter_mut() {
                *v = (f64::from(*v) * scale) as f32;
            }
        }
        flux
    }

    #[test]
    fn an_empty_lattice_steps_without_effect() {
        for shape in [[1, 0, 5], [1, 4, 0], [0, 3, 3]] {
            let ndim = if shape[0] == 1 { 2 } else { 3 };
            let lat = Lattice::uniform(ndim, shape, 1.0, Region::Media);
            let s = spec(10.0, 0.1, [[D, N], [P, P], [P, P]]);
            let mut fs = FieldStore::new(vec![s.clone()], lat.len());
            let mut solver = DiffusionSolver::new(&lat, &[s], 1.0).expect("valid");
            solver.step(&mut fs);
            assert!(fs.values(0).is_empty());
            assert_eq!(solver.boundary_flux(0), [[0.0; 2]; 3]);
        }
    }

    #[test]
    fn long_periodic_axes_carry_no_subnormal_weights() {
        // Subnormal operands make every product a slow micro-code assist.
        for r in [0.01, 1.0, 100.0, 1.0e4] {
            let ax = Axis::new(200_000, r, P, P, 0.9);
            assert_eq!(ax.h.len(), 200_000);
            assert_eq!(ax.z.len(), 200_000);
            for (k, v) in ax.h.iter().chain(&ax.z).enumerate() {
                assert!(*v == 0.0 || v.is_normal(), "r {r}: entry {k} is {v:e}");
            }
            assert!(ax.h.contains(&0.0), "r {r}: h never vanishes");
            assert!(ax.z[0] != 0.0 && ax.z[199_999] != 0.0, "r {r}");
        }
    }

    #[test]
    fn lane_blocks_cover_every_line_once_in_whole_vectors() {
        for w in (1usize..300).chain([1000, 10_000]) {
            let blocks = lane_blocks(w);
            let mut next = 0;
            for b in 0..blocks {
                let (first, len) = lane_block(w, b);
                assert_eq!(first, next, "w {w} block {b}");
                assert!(
                    (1..=LANES_PER_ITEM.max(if w <= THIN_PLANE_LINES { w } else { 0 }))
                        .contains(&len),
                    "w {w} block {b}: {len}"
                );
                assert!(first % 8 == 0, "w {w} block {b}: starts at {first}");
                if b + 1 < blocks {
                    assert!(len % 8 == 0 && len > 8, "w {w} block {b}: {len} lines");
                }
                next = first + len;
            }
            assert_eq!(next, w, "w {w}");
        }
    }

    /// Every boundary combination on every axis of every listed shape, against
    /// the dense reference.
    #[test]
    fn matches_a_dense_reference_on_odd_shapes() {
        // [1, 200, 2]: with D = 0.5 the periodic weights of the y lines
        // vanish (below 2⁻⁶⁰⁰) after ~170 positions.
        let shapes: [(usize, [usize; 3]); 12] = [
            // 59 and 130 lines: a partial block of 8 vectors, and blocks of
            // 64 lines split in balanced items.
            (2, [1, 12, 59]),
            (2, [1, 5, 130]),
            (2, [1, 200, 2]),
            (2, [1, 1, 13]),
            (2, [1, 5, 1]),
            (2, [1, 3, 3]),
            (2, [1, 17, 8]),
            (2, [1, 9, 35]),
            (2, [1, 40, 9]),
            (3, [3, 4, 17]),
            (3, [9, 5, 11]),
            (3, [8, 3, 3]),
        ];
        let sets = [[D, N], [N, D], [D, D], [N, N], [P, P]];
        for (ndim, shape) in shapes {
            let lat = Lattice::uniform(ndim, shape, 2.0, Region::Media);
            for (i, x) in sets.iter().enumerate() {
                let y = sets[(i + 1) % sets.len()];
                let z = sets[(i + 3) % sets.len()];
                let boundary = [*x, y, z];
                let lens = [shape[2], shape[1], shape[0]];
                if (0..ndim).any(|a| boundary[a][0] == P && lens[a] == 2) {
                    continue;
                }
                for (d, k) in [(30.0, 0.05), (4.0e4, 0.0), (0.5, 0.3)] {
                    let s = spec(d, k, boundary);
                    let mut fs = irregular_store(&lat, std::slice::from_ref(&s));
                    let mut expect = fs.values(0).to_vec();
                    let g: [[f64; 2]; 3] = std::array::from_fn(|a| {
                        [0, 1].map(|side| fs.dirichlet(0, Face { axis: a, side }))
                    });
                    let mut solver =
                        DiffusionSolver::new(&lat, std::slice::from_ref(&s), 0.7).expect("valid");
                    let r = d * 0.7 / 4.0;
                    for _ in 0..3 {
                        solver.step(&mut fs);
                        let want = reference_step(&lat, &s, 0.7, &mut expect, g);
                        let got = solver.boundary_flux(0);
                        // The face amount 2r·(g − x₀) cancels: allow for the
                        // f32 rounding of the values it came from.
                        let tol = 1e-5 * 2.0 * r * lat.len() as f64 * 10.0;
                        for a in 0..3 {
                            for side in 0..2 {
                                assert!(
                                    (got[a][side] - want[a][side]).abs() <= tol,
                                    "{ndim}D {shape:?} {boundary:?} D={d}: flux {got:?} vs {want:?}"
                                );
                            }
                        }
                    }
                    let max = expect.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                    for (i, (got, want)) in fs.values(0).iter().zip(&expect).enumerate() {
                        assert!(
                            (got - want).abs() <= 2e-6 * max,
                            "{ndim}D {shape:?} {boundary:?} D={d}: voxel {i}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod equivalence {
    use super::tests_support::*;
    use super::*;
    use crate::lattice::Region;

    /// The bits of the fields and of the face amounts after a few steps.
    fn run(
        solver: &mut DiffusionSolver,
        lat: &Lattice,
        specs: &[FieldSpec],
    ) -> (Vec<Vec<u32>>, Vec<u64>) {
        let mut fs = irregular_store(lat, specs);
        let mut flux = Vec::new();
        for _ in 0..3 {
            solver.step(&mut fs);
            for f in 0..specs.len() {
                flux.extend(
                    solver
                        .boundary_flux(f)
                        .iter()
                        .flatten()
                        .map(|x| x.to_bits()),
                );
            }
        }
        let bits = (0..specs.len())
            .map(|f| fs.values(f).iter().map(|v| v.to_bits()).collect())
            .collect();
        (bits, flux)
    }

    fn cases() -> Vec<(Lattice, Vec<FieldSpec>)> {
        let shapes: [(usize, [usize; 3]); 7] = [
            (2, [1, 37, 53]),
            (2, [1, 9, 61]),
            (2, [1, 3, 1]),
            (2, [1, 1, 9]),
            (3, [9, 11, 13]),
            (3, [3, 20, 21]),
            (3, [12, 3, 40]),
        ];
        let specs = vec![
            spec(900.0, 0.05, [[D, N], [P, P], [P, P]]),
            spec(3.0e4, 0.0, [[P, P], [D, D], [N, D]]),
            spec(7.0, 0.2, [[N, N], [N, D], [P, P]]),
        ];
        shapes
            .into_iter()
            .map(|(ndim, shape)| {
                (
                    Lattice::uniform(ndim, shape, 2.0, Region::Media),
                    specs.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        for (lat, specs) in cases() {
            let portable = DiffusionSolver::new(&lat, &specs, 0.5)
                .and_then(|s| s.with_kernels(Kernels::Portable))
                .expect("valid");
            let want = run(&mut portable.clone(), &lat, &specs);
            for k in [Kernels::Avx2, Kernels::Avx512] {
                if !k.is_supported() {
                    eprintln!("{k:?} not supported here: not compared");
                    continue;
                }
                let mut s = portable.clone().with_kernels(k).expect("supported");
                assert_eq!(s.kernels(), k);
                let got = run(&mut s, &lat, &specs);
                assert!(got.0 == want.0, "{k:?}: fields differ on {:?}", lat.shape);
                assert!(got.1 == want.1, "{k:?}: fluxes differ on {:?}", lat.shape);
            }
        }
    }

    #[test]
    fn segmented_lines_give_the_same_bits_as_whole_lines() {
        let mut all = cases();
        all.push((
            Lattice::uniform(2, [1, 300, 19], 2.0, Region::Media),
            cases()[0].1.clone(),
        ));
        for (lat, specs) in all {
            let whole = DiffusionSolver::new(&lat, &specs, 0.5).expect("valid");
            let want = run(&mut whole.clone(), &lat, &specs);
            for k in [Kernels::Portable, Kernels::Avx2, Kernels::Avx512] {
                if !k.is_supported() {
                    continue;
                }
                for seg in [1, 2, 3, 5, 8, 64] {
                    let mut s = whole.clone().with_kernels(k).expect("supported");
                    s = s.with_segments(seg);
                    let got = run(&mut s, &lat, &specs);
                    assert!(
                        got.0 == want.0,
                        "{k:?} segments of {seg}: fields differ on {:?}",
                        lat.shape
                    );
                    assert!(
                        got.1 == want.1,
                        "{k:?} segments of {seg}: fluxes differ on {:?}",
                        lat.shape
                    );
                }
            }
        }
    }

    /// The fused x–y sweep of thin 2D planes gives the same bits as the x
    /// and y sweeps run one after the other: plane widths from 1 to 64, whole
    /// and segmented y lines (segments that do and do not line up with the
    /// chunks of x rows), every instruction set.
    #[test]
    fn fused_xy_sweeps_give_the_same_bits_as_separate_sweeps() {
        let specs = cases()[0].1.clone();
        let mut fused_seen = 0;
        // The last: a 3D lattice of one z plane (x and y fused, then z).
        for (ndim, shape) in [
            (2, [1, 37, 53]),
            (2, [1, 9, 61]),
            (2, [1, 40, 64]),
            (2, [1, 33, 8]),
            (2, [1, 21, 1]),
            (2, [1, 1, 9]),
            (2, [1, 70, 3]),
            (3, [1, 19, 23]),
        ] {
            let lat = Lattice::uniform(ndim, shape, 2.0, Region::Media);
            let fused = DiffusionSolver::new(&lat, &specs, 0.5).expect("valid");
            // The second spec has a periodic x axis of 1 voxel on [1, 21, 1]
            // (no x sweep): that field is not fused.
            assert!(fused.fuses_xy(), "{shape:?}: nothing fused");
            fused_seen += fused.fields.iter().filter(|p| p.fused).count();
            let want = run(&mut fused.clone().with_fused_xy(false), &lat, &specs);
            for k in [Kernels::Portable, Kernels::Avx2, Kernels::Avx512] {
                if !k.is_supported() {
                    continue;
                }
                for seg in [None, Some(1), Some(5), Some(16), Some(17), Some(32)] {
                    let mut s = fused.clone().with_kernels(k).expect("supported");
                    if let Some(seg) = seg {
                        s = s.with_segments(seg);
                    }
                    let got = run(&mut s, &lat, &specs);
                    assert!(got.0 == want.0, "{k:?} {seg:?}: fields differ on {shape:?}");
                    assert!(got.1 == want.1, "{k:?} {seg:?}: fluxes differ on {shape:?}");
                }
            }
        }
        assert!(fused_seen >= 17, "only {fused_seen} fused fields");
        // Wider planes and 3D lattices are not fused.
        for (ndim, shape) in [(2, [1, 9, 65]), (3, [3, 9, 13])] {
            let lat = Lattice::uniform(ndim, shape, 2.0, Region::Media);
            let s = DiffusionSolver::new(&lat, &specs, 0.5).expect("valid");
            assert!(!s.fuses_xy(), "{shape:?}");
        }
    }

    /// Per-item face amounts are kept only for the runs that happen: none on
    /// a 2D wall whose fields are all fused, x rows when they are not, and
    /// never one per z line of a 2D lattice (4 bytes per voxel).
    #[test]
    fn item_buffers_only_for_runs_that_happen() {
        let specs = cases()[0].1.clone();
        let lat = Lattice::uniform(2, [1, 4000, 59], 2.0, Region::Media);
        let fused = DiffusionSolver::new(&lat, &specs[..1], 0.5).expect("valid");
        assert!(fused.fuses_xy());
        assert_eq!([0, 1, 2].map(|a| fused.axis_items(a)), [0, 0, 0]);
        assert!(fused.item_flux.is_empty());
        let separate = fused.with_fused_xy(false);
        assert_eq!([0, 1, 2].map(|a| separate.axis_items(a)), [250, 1, 0]);
        assert_eq!(separate.item_flux.len(), 250);
        let lat3 = Lattice::uniform(3, [4, 30, 40], 2.0, Region::Media);
        let s3 = DiffusionSolver::new(&lat3, &specs, 0.5).expect("valid");
        assert_eq!(
            s3.item_flux.len(),
            3 * (4 * 30usize).div_ceil(16).max(1200usize.div_ceil(32))
        );
    }

    #[test]
    fn same_bits_for_any_thread_count_in_2d_and_3d() {
        for (lat, specs) in cases() {
            let solver = DiffusionSolver::new(&lat, &specs, 0.5).expect("valid");
            let with = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool")
                    .install(|| run(&mut solver.clone(), &lat, &specs))
            };
            let one = with(1);
            for threads in [2, 3] {
                let other = with(threads);
                assert!(
                    one.0 == other.0,
                    "{threads} threads: fields differ on {:?}",
                    lat.shape
                );
                assert!(
                    one.1 == other.1,
                    "{threads} threads: fluxes differ on {:?}",
                    lat.shape
                );
            }
        }
    }
}

#[cfg(test)]
mod sink_tests {
    use super::tests_support::*;
    use super::*;
    use crate::field::Face;
    use crate::lattice::Region;

    /// A wall of `nx` voxels along x (lumen face Dirichlet `g`, outer face
    /// no flux), `ny` along y (no flux): 2D.
    fn wall(nx: usize, ny: usize, d: f64, k: f64) -> (Lattice, FieldSpec) {
        let lat = Lattice::uniform(2, [1, ny, nx], 5.0, Region::Media);
        (lat, spec(d, k, [[D, N], [N, N], [N, N]]))
    }

    /// The discrete steady state of `D·∂²u/∂x² − (k + σ)·u = 0` on the wall
    /// (the solver's own stencil and faces), by dense elimination.
    fn steady(nx: usize, d: f64, dx: f64, sink: &[f64], g: f64) -> Vec<f64> {
        let q = d / (dx * dx);
        let mut a = vec![vec![0.0; nx]; nx];
        let mut rhs = vec![0.0; nx];
        for i in 0..nx {
            a[i][i] = sink[i];
            if i > 0 {
                a[i][i] += q;
                a[i][i - 1] -= q;
            } else {
                a[i][i] += 2.0 * q;
                rhs[i] = 2.0 * q * g;
            }
            if i + 1 < nx {
                a[i][i] += q;
                a[i][i + 1] -= q;
            }
        }
        dense_solve(a, rhs)
    }

    fn run_to_steady(solver: &mut DiffusionSolver, fs: &mut FieldStore, sinks: Option<&[f32]>) {
        for _ in 0..4000 {
            match sinks {
                Some(s) => solver.step_with_sinks(fs, &[(0, s)]).expect("sinks"),
                None => solver.step(fs),
            }
        }
    }

    /// With the sinks in the implicit solve the steady state is that of
    /// `D∇²u − (k + σ)u = 0` at every time step; applying the same loss
    /// as an exact decay before the solve (as a split reaction does) acts
    /// as the weaker `(1 − e^(−(k+σ)·dt))/dt`, so its steady state moves
    /// with dt. PPi in the wall: D = 2000 µm²/h, k = 0.1/h, TNAP 0.35/h.
    #[test]
    fn implicit_sinks_give_the_steady_state_of_any_time_step() {
        let (nx, ny, d, k, tnap, g) = (50, 3, 2000.0, 0.1, 0.35f32, 2.0);
        let (lat, sp) = wall(nx, ny, d, k);
        // TNAP in the inner 30 voxels only (osteogenic cells), none beyond.
        let sigma: Vec<f32> = (0..lat.len())
            .map(|i| if i % nx < 30 { tnap } else { 0.0 })
            .collect();
        let total: Vec<f64> = (0..nx).map(|x| k + f64::from(sigma[x])).collect();
        let exact = steady(nx, d, 5.0, &total, g);
        for dt in [0.25, 1.0, 4.0] {
            let mut solver = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), dt)
                .and_then(|s| s.with_sinks(&[0]))
                .expect("solver");
            let mut fs = FieldStore::new(vec![sp.clone()], lat.len());
            fs.set_dirichlet(0, Face { axis: 0, side: 0 }, g);
            run_to_steady(&mut solver, &mut fs, Some(&sigma));
            for y in 0..ny {
                for x in 0..nx {
                    let got = f64::from(fs.values(0)[y * nx + x]);
                    assert!(
                        (got - exact[x]).abs() <= 2e-6 * exact[0],
                        "dt {dt}, x {x}: {got} vs {}",
                        exact[x]
                    );
                }
            }
        }
        // The split scheme: the whole loss as an exact decay factor before
        // the solve (uniform, so that the existing path can run it).
        let deep = nx - 1;
        let uniform = k + f64::from(tnap);
        for dt in [1.0, 4.0] {
            let split = spec(d, uniform, [[D, N], [N, N], [N, N]]);
            let mut solver =
                DiffusionSolver::new(&lat, std::slice::from_ref(&split), dt).expect("solver");
            let mut fs = FieldStore::new(vec![split.clone()], lat.len());
            fs.set_dirichlet(0, Face { axis: 0, side: 0 }, g);
            run_to_steady(&mut solver, &mut fs, None);
            let effective = (1.0 - (-uniform * dt).exp()) / dt;
            let expect_split = steady(nx, d, 5.0, &vec![effective; nx], g);
            let expect_true = steady(nx, d, 5.0, &vec![uniform; nx], g);
            let got = f64::from(fs.values(0)[deep]);
            assert!(
                (got / expect_split[deep] - 1.0).abs() < 1e-4,
                "dt {dt}: {got} vs {}",
                expect_split[deep]
            );
            assert!(
                got / expect_true[deep] > 1.05,
                "dt {dt}: the split sink is weaker: {got} vs {}",
                expect_true[deep]
            );
        }
    }

    /// Over one step the amount changes by what entered through the faces
    /// minus what the sinks and decay took (backward Euler: at the new
    /// values), and 1 or 2 threads give the same bits.
    #[test]
    fn sinks_balance_the_mass_and_do_not_depend_on_threads() {
        let (nx, dt, k) = (40, 1.5, 0.1);
        let lat = Lattice::uniform(2, [1, 1, nx], 5.0, Region::Media);
        let sp = spec(2000.0, k, [[D, D], [N, N], [N, N]]);
        let sigma: Vec<f32> = (0..nx).map(|i| ((i * 37) % 11) as f32 * 0.07).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| {
                let mut solver = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), dt)
                    .and_then(|s| s.with_sinks(&[0]))
                    .expect("solver");
                let mut fs = irregular_store(&lat, std::slice::from_ref(&sp));
                let before: f64 = fs.values(0).iter().map(|&v| f64::from(v)).sum();
                solver
                    .step_with_sinks(&mut fs, &[(0, &sigma)])
                    .expect("step");
                let after: Vec<f32> = fs.values(0).to_vec();
                (before, after, solver.boundary_flux(0))
            })
        };
        let (before, after, flux) = run(1);
        let lost: f64 = after
            .iter()
            .zip(&sigma)
            .map(|(&u, &s)| dt * (k + f64::from(s)) * f64::from(u))
            .sum();
        let now: f64 = after.iter().map(|&v| f64::from(v)).sum();
        let entered = flux[0][0] + flux[0][1];
        assert!(
            entered.abs() > 1.0,
            "the faces exchange something: {entered}"
        );
        assert!(
            (now - before - entered + lost).abs() < 1e-4 * before,
            "{now} − {before} vs {entered} − {lost}"
        );
        let (_, again, flux2) = run(2);
        assert_eq!(after, again);
        assert_eq!(flux, flux2);
    }

    /// Without decay and with sinks of 0 the sink path solves the same
    /// equations as the ordinary sweeps (to rounding); `step` on a field
    /// with sinks is `step_with_sinks` with sinks of 0.
    #[test]
    fn zero_sinks_are_plain_diffusion() {
        let (lat, sp) = wall(30, 4, 800.0, 0.0);
        let plain_fs = |_: ()| {
            let mut fs = irregular_store(&lat, std::slice::from_ref(&sp));
            fs.set_dirichlet(0, Face { axis: 0, side: 0 }, 3.0);
            fs
        };
        let mut a = plain_fs(());
        let mut b = plain_fs(());
        let mut c = plain_fs(());
        let mut plain = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), 2.0).expect("solver");
        let mut sunk = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), 2.0)
            .and_then(|s| s.with_sinks(&[0]))
            .expect("solver");
        let zeros = vec![0.0f32; lat.len()];
        for _ in 0..5 {
            plain.step(&mut a);
            sunk.step_with_sinks(&mut b, &[(0, &zeros)]).expect("step");
        }
        let mut sunk2 = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), 2.0)
            .and_then(|s| s.with_sinks(&[0]))
            .expect("solver");
        for _ in 0..5 {
            sunk2.step(&mut c);
        }
        assert_eq!(b.values(0), c.values(0));
        for (x, y) in a.values(0).iter().zip(b.values(0)) {
            assert!((x - y).abs() <= 1e-5 * x.abs().max(1.0), "{x} vs {y}");
        }
    }

    #[test]
    fn sinks_are_refused_where_they_cannot_apply() {
        let lat = Lattice::uniform(2, [1, 4, 6], 5.0, Region::Media);
        let periodic = spec(100.0, 0.0, [[P, P], [N, N], [N, N]]);
        let err = DiffusionSolver::new(&lat, &[periodic], 1.0)
            .and_then(|s| s.with_sinks(&[0]))
            .expect_err("periodic x");
        assert!(err.0.contains("non-periodic x"), "{err}");
        let sp = spec(100.0, 0.0, [[D, N], [N, N], [N, N]]);
        let mut plain = DiffusionSolver::new(&lat, std::slice::from_ref(&sp), 1.0).expect("solver");
        let mut fs = FieldStore::new(vec![sp.clone()], lat.len());
        let s = vec![0.0f32; lat.len()];
        let err = plain
            .step_with_sinks(&mut fs, &[(0, &s)])
            .expect_err("not set up");
        assert!(err.0.contains("not set up for sinks"), "{err}");
        let mut sunk = plain.clone().with_sinks(&[0]).expect("sinks");
        let err = sunk
            .step_with_sinks(&mut fs, &[(0, &s[1..])])
            .expect_err("length");
        assert!(err.0.contains("sinks for 24 voxels"), "{err}");
        assert!(
            DiffusionSolver::new(&lat, &[sp], 1.0)
                .and_then(|s| s.with_sinks(&[3]))
                .is_err()
        );
    }
}
