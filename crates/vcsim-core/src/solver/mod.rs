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
//! Coefficients are constant along a line, so the elimination factors are
//! computed once per field, axis and `dt`. Lines are independent: x lines are
//! contiguous and solved one by one; y and z lines are solved in blocks of
//! neighbouring lines that share the sweep (inner loop over the block, which
//! vectorises). Work is split into items of fixed size, independent of the
//! thread count, and each line's arithmetic is the same whichever thread runs
//! it, so the result is bitwise identical for any number of threads.
//! Arithmetic is f64 inside a sweep; fields are stored as f32.

use crate::field::{Boundary, FieldKind, FieldSpec, FieldStore};
use crate::lattice::Lattice;
use rayon::prelude::*;
use std::fmt;

/// Number of neighbouring lines solved together in a y or z sweep.
const LANE_BLOCK: usize = 64;
/// Number of x lines per parallel work item.
const ROWS_PER_ITEM: usize = 16;

/// Why a solver cannot be built for a set of fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverError(pub String);

impl fmt::Display for SolverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SolverError {}

/// Elimination factors of one axis of one field.
#[derive(Debug, Clone)]
struct AxisFactors {
    n: usize,
    /// Sub-diagonal coefficient of rows 1..n (always −r).
    a: f64,
    /// 1 / (modified diagonal) per row.
    inv_denom: Vec<f64>,
    /// Modified super-diagonal per row.
    c_prime: Vec<f64>,
    /// 2r on a Dirichlet low face (the weight of the face value), else 0.
    lo_weight: f64,
    /// 2r on a Dirichlet high face, else 0.
    hi_weight: f64,
    cyclic: Option<Cyclic>,
}

/// Sherman–Morrison correction for a periodic axis.
#[derive(Debug, Clone)]
struct Cyclic {
    /// Solution of B z = u.
    z: Vec<f64>,
    /// α / γ: weight of the last entry in v·y.
    v_last: f64,
    /// 1 / (1 + v·z).
    inv_one_plus_vz: f64,
}

impl AxisFactors {
    fn new(n: usize, r: f64, lo: Boundary, hi: Boundary) -> Self {
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
        let mut cyclic = None;
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
            let z = thomas_solve(&inv_denom, &c_prime, -r, &u);
            let v_last = alpha / gamma;
            let vz = z[0] + v_last * z[n - 1];
            cyclic = Some(Cyclic {
                z,
                v_last,
                inv_one_plus_vz: 1.0 / (1.0 + vz),
            });
            return Self {
                n,
                a: -r,
                inv_denom,
                c_prime,
                lo_weight,
                hi_weight,
                cyclic,
            };
        }
        let (inv_denom, c_prime) = factor(&a, &b, &c);
        Self {
            n,
            a: -r,
            inv_denom,
            c_prime,
            lo_weight,
            hi_weight,
            cyclic,
        }
    }
}

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

/// Solves one contiguous line in place. Returns the amounts (concentration ×
/// voxels) that entered through the low and the high Dirichlet face.
fn solve_line(
    line: &mut [f32],
    f: &AxisFactors,
    scale: f64,
    lo: f64,
    hi: f64,
    tmp: &mut [f64],
) -> [f64; 2] {
    let n = f.n;
    let tmp = &mut tmp[..n];
    let mut prev = 0.0;
    for k in 0..n {
        let mut d = f64::from(line[k]) * scale;
        if k == 0 {
            d += lo;
        } else {
            d -= f.a * prev;
        }
        if k == n - 1 {
            d += hi;
        }
        prev = d * f.inv_denom[k];
        tmp[k] = prev;
    }
    for k in (0..n - 1).rev() {
        tmp[k] -= f.c_prime[k] * tmp[k + 1];
    }
    if let Some(cy) = &f.cyclic {
        let fac = (tmp[0] + cy.v_last * tmp[n - 1]) * cy.inv_one_plus_vz;
        for k in 0..n {
            tmp[k] -= fac * cy.z[k];
        }
    }
    for k in 0..n {
        line[k] = tmp[k] as f32;
    }
    face_fluxes(f, lo, hi, tmp[0], tmp[n - 1])
}

/// Amount entering through each Dirichlet face during the solve: the row of a
/// Dirichlet voxel reads `u − u_old = r·(neighbour − u) + 2r·(g − u)`, so the
/// face contributes `2r·(g − u_new)`, i.e. `rhs term − weight · u_new`.
/// Computed from the f64 solution: the stored f32 values differ from it by
/// rounding, so over many steps the stored total drifts from the integrated
/// flux by a random walk of about `2r · ulp` per boundary line and step.
#[inline]
fn face_fluxes(f: &AxisFactors, lo: f64, hi: f64, first: f64, last: f64) -> [f64; 2] {
    [lo - f.lo_weight * first, hi - f.hi_weight * last]
}

/// A raw pointer that may be shared between the threads of one sweep.
#[derive(Clone, Copy)]
struct SharedPtr(*mut f32);
// SAFETY: the pointer is only dereferenced inside `solve_lanes`, whose callers
// guarantee that concurrent calls touch disjoint sets of elements.
unsafe impl Send for SharedPtr {}
unsafe impl Sync for SharedPtr {}

/// Solves `w` neighbouring lines in place. Element `l` of line position `k` is
/// at `ptr + base + k·k_stride + l`.
///
/// # Safety
/// `ptr` must be valid for reads and writes of every such element, and no other
/// thread may access those elements during the call.
unsafe fn solve_lanes(
    ptr: SharedPtr,
    base: usize,
    k_stride: usize,
    w: usize,
    f: &AxisFactors,
    scale: f64,
    lo: f64,
    hi: f64,
    tmp: &mut [f64],
) -> [f64; 2] {
    let n = f.n;
    let row = |k: usize| {
        // SAFETY: guaranteed by the caller (see the function's contract).
        unsafe { std::slice::from_raw_parts_mut(ptr.0.add(base + k * k_stride), w) }
    };
    for k in 0..n {
        let src = row(k);
        let m = f.inv_denom[k];
        let add = if k == 0 { lo } else { 0.0 } + if k == n - 1 { hi } else { 0.0 };
        if k == 0 {
            let cur = &mut tmp[..w];
            for l in 0..w {
                cur[l] = (f64::from(src[l]) * scale + add) * m;
            }
        } else {
            let (before, after) = tmp.split_at_mut(k * w);
            let prev = &before[(k - 1) * w..];
            let cur = &mut after[..w];
            for l in 0..w {
                cur[l] = (f64::from(src[l]) * scale + add - f.a * prev[l]) * m;
            }
        }
    }
    for k in (0..n - 1).rev() {
        let cp = f.c_prime[k];
        let (before, after) = tmp.split_at_mut((k + 1) * w);
        let cur = &mut before[k * w..];
        let next = &after[..w];
        for l in 0..w {
            cur[l] -= cp * next[l];
        }
    }
    if let Some(cy) = &f.cyclic {
        for l in 0..w {
            let fac = (tmp[l] + cy.v_last * tmp[(n - 1) * w + l]) * cy.inv_one_plus_vz;
            for k in 0..n {
                tmp[k * w + l] -= fac * cy.z[k];
            }
        }
    }
    for k in 0..n {
        let dst = row(k);
        for l in 0..w {
            dst[l] = tmp[k * w + l] as f32;
        }
    }
    let mut flux = [0.0; 2];
    for l in 0..w {
        let [a, b] = face_fluxes(f, lo, hi, tmp[l], tmp[(n - 1) * w + l]);
        flux[0] += a;
        flux[1] += b;
    }
    flux
}

/// The LOD solver for a fixed lattice, set of fields and time step.
#[derive(Debug, Clone)]
pub struct DiffusionSolver {
    shape: [usize; 3],
    dt_h: f64,
    /// Per field: decay factor over one step and the factors of each active axis.
    fields: Vec<(f64, [Option<AxisFactors>; 3])>,
    /// Per field, `[axis][side]`: amount (concentration × voxels) that entered
    /// through each face during the last step.
    flux: Vec<[[f64; 2]; 3]>,
}

impl DiffusionSolver {
    /// Precomputes the elimination factors. Fails if a boundary setting is
    /// inconsistent (periodic on one face only, or a periodic axis of 2 voxels).
    pub fn new(lattice: &Lattice, specs: &[FieldSpec], dt_h: f64) -> Result<Self, SolverError> {
        if !(dt_h.is_finite() && dt_h > 0.0) {
            return Err(SolverError(format!("time step must be > 0 h, got {dt_h}")));
        }
        let [nz, ny, nx] = lattice.shape;
        let lens = [nx, ny, nz];
        let mut fields = Vec::with_capacity(specs.len());
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
            let mut axes: [Option<AxisFactors>; 3] = [None, None, None];
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
                if axis >= lattice.ndim || r == 0.0 || (n == 1 && lo == Boundary::Periodic) {
                    continue;
                }
                if lo == Boundary::Periodic && n < 3 {
                    return Err(SolverError(format!(
                        "field '{}': periodic axis {} needs at least 3 voxels, has {n}",
                        s.name,
                        ["x", "y", "z"][axis]
                    )));
                }
                *slot = Some(AxisFactors::new(n, r, lo, hi));
            }
            fields.push((decay, axes));
        }
        Ok(Self {
            shape: lattice.shape,
            dt_h,
            flux: vec![[[0.0; 2]; 3]; fields.len()],
            fields,
        })
    }

    /// The time step the factors were computed for, h.
    pub fn dt_h(&self) -> f64 {
        self.dt_h
    }

    /// Factor by which decay multiplies field `f` over one step (1 for a
    /// quasi-steady field, whose decay is part of its steady state).
    pub fn decay_factor(&self, f: usize) -> f64 {
        self.fields[f].0
    }

    /// Amount (concentration × voxels) of field `f` that entered through each
    /// face, `[axis][side]`, during the last step; negative means it left.
    /// Only Dirichlet faces exchange anything.
    pub fn boundary_flux(&self, f: usize) -> [[f64; 2]; 3] {
        self.flux[f]
    }

    /// Advances every field by one time step.
    pub fn step(&mut self, store: &mut FieldStore) {
        let shape = self.shape;
        for (f, (decay, axes)) in self.fields.iter().enumerate() {
            self.flux[f] = [[0.0; 2]; 3];
            let faces = [
                [
                    store.dirichlet(f, crate::Face { axis: 0, side: 0 }),
                    store.dirichlet(f, crate::Face { axis: 0, side: 1 }),
                ],
                [
                    store.dirichlet(f, crate::Face { axis: 1, side: 0 }),
                    store.dirichlet(f, crate::Face { axis: 1, side: 1 }),
                ],
                [
                    store.dirichlet(f, crate::Face { axis: 2, side: 0 }),
                    store.dirichlet(f, crate::Face { axis: 2, side: 1 }),
                ],
            ];
            let values = store.values_mut(f);
            let mut scale = *decay;
            let mut any_axis = false;
            for (axis, factors) in axes.iter().enumerate() {
                let Some(fa) = factors else { continue };
                let lo = fa.lo_weight * faces[axis][0];
                let hi = fa.hi_weight * faces[axis][1];
                self.flux[f][axis] = sweep(shape, values, axis, fa, scale, lo, hi);
                scale = 1.0;
                any_axis = true;
            }
            if !any_axis && *decay != 1.0 {
                let d = *decay;
                values.par_chunks_mut(1 << 14).for_each(|c| {
                    for v in c {
                        *v = (f64::from(*v) * d) as f32;
                    }
                });
            }
        }
    }
}

/// Solves every line of one axis; returns the face fluxes summed over lines in
/// a fixed order (work items in index order), so the sums do not depend on the
/// thread count.
fn sweep(
    shape: [usize; 3],
    values: &mut [f32],
    axis: usize,
    fa: &AxisFactors,
    scale: f64,
    lo: f64,
    hi: f64,
) -> [f64; 2] {
    let [nz, ny, nx] = shape;
    let per_item: Vec<[f64; 2]> = match axis {
        0 => values
            .par_chunks_mut(nx * ROWS_PER_ITEM)
            .map_init(
                || vec![0.0f64; nx],
                |tmp, rows| {
                    let mut flux = [0.0; 2];
                    for line in rows.chunks_mut(nx) {
                        let [a, b] = solve_line(line, fa, scale, lo, hi, tmp);
                        flux[0] += a;
                        flux[1] += b;
                    }
                    flux
                },
            )
            .collect(),
        1 | 2 => {
            // Lanes are contiguous: x within a z-plane for the y sweep, the
            // whole (y, x) plane for the z sweep.
            let (planes, lanes, k_stride, plane_stride) = if axis == 1 {
                (nz, nx, nx, nx * ny)
            } else {
                (1, nx * ny, nx * ny, 0)
            };
            let blocks = lanes.div_ceil(LANE_BLOCK);
            let n = fa.n;
            let ptr = SharedPtr(values.as_mut_ptr());
            debug_assert_eq!(values.len(), nx * ny * nz);
            (0..planes * blocks)
                .into_par_iter()
                .map_init(
                    || vec![0.0f64; n * LANE_BLOCK],
                    |tmp, item| {
                        let (p, b) = (item / blocks, item % blocks);
                        let l0 = b * LANE_BLOCK;
                        let w = LANE_BLOCK.min(lanes - l0);
                        // SAFETY: item (p, b) touches exactly the elements
                        // p·plane_stride + k·k_stride + l0 + l for k < n, l < w;
                        // distinct items differ in p or in the lane range, so
                        // their element sets are disjoint, and all lie inside
                        // `values`, which is borrowed mutably for the sweep.
                        unsafe {
                            solve_lanes(
                                ptr,
                                p * plane_stride + l0,
                                k_stride,
                                w,
                                fa,
                                scale,
                                lo,
                                hi,
                                tmp,
                            )
                        }
                    },
                )
                .collect()
        }
        _ => unreachable!("axis is 0, 1 or 2"),
    };
    per_item
        .iter()
        .fold([0.0; 2], |acc, f| [acc[0] + f[0], acc[1] + f[1]])
}
