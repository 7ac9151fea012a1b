//! The sweep kernels: Thomas elimination of many lines at once, eight lines per
//! vector, generic over [`Lanes8`] and compiled once per instruction set.
//!
//! Two layouts:
//! - [`lanes`]: lines whose elements at the same position are contiguous in
//!   memory (y and z lines): a vector loads 8 neighbouring lines at one
//!   position directly;
//! - [`rows`]: contiguous lines (x rows): 8 rows are read in 8×8 tiles and
//!   transposed in registers, so the same lane arithmetic applies;
//! - [`fused_xy`]: the x and then the y sweep of a thin 2D plane in one
//!   pass, the lane kernel solving each chunk of rows along x ([`rows`]) as
//!   its forward pass reaches it.
//!
//! Each line's arithmetic is the same sequence of IEEE operations whatever the
//! kernel, the vector width or the line's position in a block, so results do not
//! depend on the instruction set or on how lines are grouped.

use super::simd::{Lanes8, Portable};
use super::{Axis, Sweep};

/// 8-line vectors per block in the lane layout (64 lines: a 2D wall's
/// whole radial width of ~60 lines in one block, so the field streams once).
pub(super) const LANE_NV: usize = 8;
/// 8-row vectors per block in the row layout (16 rows).
pub(super) const ROW_NV: usize = 2;
/// How many positions ahead the lane kernel prefetches.
const PREFETCH: usize = 16;
/// Lines in the lane layout up to this length keep every forward value
/// (1 MiB of scratch for a block of 64 lines, in L2); longer ones are
/// solved in segments (see [`lane_block`]).
pub(super) const WHOLE_LINE_MAX: usize = 2048;
/// Positions per segment of a longer line (128 KiB of scratch per block).
pub(super) const SEGMENT: usize = 256;

/// Positions per segment of a line of `n` positions in the lane layout.
pub(super) fn segment_len(n: usize) -> usize {
    if n <= WHOLE_LINE_MAX {
        n.max(1)
    } else {
        SEGMENT
    }
}

/// f64 scratch that the lane kernels need for lines of `n` positions cut
/// into segments of `seg`: the forward values of one segment and one
/// checkpoint per segment, for the widest block.
pub(super) fn lane_scratch(n: usize, seg: usize) -> usize {
    (seg + n.div_ceil(seg)) * 8 * LANE_NV
}

/// f64 scratch that the row kernels need for rows of `n` positions.
pub(super) fn row_scratch(n: usize) -> usize {
    n * 8 * ROW_NV
}

/// Rows per chunk of a fused x–y sweep: the x rows of a 2D plane are solved
/// in chunks of this many, the same grouping as the x items of the unfused
/// sweep ([`super::ROWS_PER_ITEM`]), so the face amounts add up in the same order.
pub(super) const FUSED_ROWS: usize = super::ROWS_PER_ITEM;

/// f64 scratch of a fused x–y sweep of a plane of `nx` × `n` voxels whose
/// y lines are cut into segments of `seg`: the lane scratch, then the row
/// scratch.
pub(super) fn fused_scratch(nx: usize, n: usize, seg: usize) -> usize {
    fused_offset(n, seg) + row_scratch(nx)
}

/// Offset (in f64, a multiple of 8) of the row scratch in the scratch of a
/// fused sweep.
fn fused_offset(n: usize, seg: usize) -> usize {
    lane_scratch(n, seg).next_multiple_of(8)
}

/// Where the lane kernel reads the old values of a block of lines.
trait Source {
    /// The values at position `k` of the block's lines (element `l` of the
    /// block at `row(k) + l`). Within each pass of a block the positions
    /// asked for only increase.
    ///
    /// # Safety
    /// `k` is a position of the block's lines.
    unsafe fn row(&mut self, k: usize) -> *const f32;
}

/// The lines' own values.
struct Direct {
    base: *const f32,
    stride: usize,
}

impl Source for Direct {
    #[inline(always)]
    unsafe fn row(&mut self, k: usize) -> *const f32 {
        // SAFETY: the caller's contract.
        unsafe { self.base.add(k * self.stride) }
    }
}

/// The y lines of a 2D plane as they are after the x sweep: each chunk of
/// [`FUSED_ROWS`] rows is solved along x in place when the y sweep's forward
/// pass first reaches it, so it is read from memory once for both sweeps;
/// a segmented y sweep's recomputation then reads the x-solved rows.
struct XSolved<'a> {
    kernels: Kernels,
    /// The plane (row `k` at `field + k·nx`).
    field: *mut f32,
    nx: usize,
    ny: usize,
    ax: &'a Axis,
    s: &'a Sweep,
    /// Row scratch of the x kernel.
    t: *mut f64,
    /// Chunks solved along x so far (the forward pass reaches them in order).
    solved: usize,
    /// The x faces' amounts, chunk by chunk.
    flux: [f64; 2],
}

impl XSolved<'_> {
    /// Solves chunk `solved` along x (out of line: once per [`FUSED_ROWS`]
    /// positions).
    ///
    /// # Safety
    /// As [`fused_xy`].
    #[inline(never)]
    unsafe fn solve_next(&mut self) {
        let r0 = self.solved * FUSED_ROWS;
        let count = FUSED_ROWS.min(self.ny - r0);
        // SAFETY: rows r0..r0+count of the plane (the caller's contract for
        // `fused_xy`); `kernels` is supported.
        let f = unsafe {
            self.kernels.rows(
                self.field.add(r0 * self.nx),
                self.nx,
                count,
                self.ax,
                self.s,
                self.t,
            )
        };
        self.flux = [self.flux[0] + f[0], self.flux[1] + f[1]];
        self.solved += 1;
    }
}

impl Source for XSolved<'_> {
    #[inline(always)]
    unsafe fn row(&mut self, k: usize) -> *const f32 {
        if k / FUSED_ROWS == self.solved {
            // SAFETY: the caller's contract.
            unsafe { self.solve_next() };
        }
        // SAFETY: row k of the plane.
        unsafe { self.field.add(k * self.nx).cast_const() }
    }
}

/// Splats a coefficient.
#[inline(always)]
fn sp<V: Lanes8>(_witness: V, x: f64) -> V {
    // SAFETY: a `V` value exists, so its instruction set is available.
    unsafe { V::splat(x) }
}

/// Forward elimination at position `k`: `y = u·sd_k − ad_k·y_{k−1}`, with
/// the Dirichlet terms added at the two ends. `EDGE = false` promises
/// `0 < k < n − 1`.
#[inline(always)]
fn forward<V: Lanes8, const EDGE: bool>(ax: &Axis, s: &Sweep, k: usize, u: V, prev: V) -> V {
    let sd = sp(u, ax.sd[k]);
    if EDGE && k == 0 {
        let y = u.mul(sd).add(sp(u, s.edge[0]));
        if ax.n == 1 {
            y.add(sp(u, s.edge[1]))
        } else {
            y
        }
    } else if EDGE && k + 1 == ax.n {
        u.mul(sd)
            .add(sp(u, s.edge[1]))
            .sub(sp(u, ax.ad[k]).mul(prev))
    } else {
        u.mul(sd).sub(sp(u, ax.ad[k]).mul(prev))
    }
}

/// Per-vector state of the elimination.
#[derive(Clone, Copy)]
struct State<V> {
    /// Last forward value (forward pass) or last solution value of the
    /// non-periodic system (backward pass).
    prev: V,
    /// Periodic axes: Σ h_k·y_k, the first entry of the non-periodic solution.
    acc: V,
    /// Periodic axes: the Sherman–Morrison factor of the line.
    fac: V,
    /// Final values at the two ends, for the face fluxes.
    first: V,
    last: V,
}

impl<V: Lanes8> State<V> {
    /// # Safety
    /// The CPU supports `V`'s instruction set.
    #[inline(always)]
    unsafe fn new() -> Self {
        // SAFETY: the caller's contract.
        let z = unsafe { V::splat(0.0) };
        Self {
            prev: z,
            acc: z,
            fac: z,
            first: z,
            last: z,
        }
    }

    /// Forward step at `k`; returns the value to keep for the backward pass.
    #[inline(always)]
    fn fwd<const CYC: bool, const EDGE: bool>(
        &mut self,
        ax: &Axis,
        s: &Sweep,
        k: usize,
        u: V,
    ) -> V {
        let y = forward::<V, EDGE>(ax, s, k, u, self.prev);
        self.prev = y;
        if CYC {
            self.acc = if EDGE && k == 0 {
                y
            } else {
                self.acc.add(sp(u, ax.h[k]).mul(y))
            };
        }
        y
    }

    /// Backward step at `k` from the kept forward value `t`; returns the
    /// solution. `EDGE = false` promises `0 < k < n − 1`.
    #[inline(always)]
    fn bwd<const CYC: bool, const EDGE: bool>(&mut self, ax: &Axis, k: usize, t: V) -> V {
        let y = if EDGE && k + 1 == ax.n {
            if CYC {
                self.fac = self
                    .acc
                    .add(sp(t, ax.v_last).mul(t))
                    .mul(sp(t, ax.inv_one_plus_vz));
            }
            t
        } else {
            t.sub(sp(t, ax.cp[k]).mul(self.prev))
        };
        self.prev = y;
        let x = if CYC {
            y.sub(self.fac.mul(sp(t, ax.z[k])))
        } else {
            y
        };
        if EDGE && k + 1 == ax.n {
            self.last = x;
        }
        if EDGE && k == 0 {
            self.first = x;
        }
        x
    }
}

/// Adds the face amounts of the first `count` lines of a vector, line by line.
#[inline(always)]
fn add_fluxes<V: Lanes8>(ax: &Axis, s: &Sweep, st: &State<V>, count: usize, flux: &mut [f64; 2]) {
    let (first, last) = (st.first.to_array(), st.last.to_array());
    for l in 0..count.min(8) {
        flux[0] += s.lo - ax.lo_weight * first[l];
        flux[1] += s.hi - ax.hi_weight * last[l];
    }
}

/// Copies `len` (< 8) f32. A fixed-count loop: `copy_nonoverlapping` or a
/// loop of `len` iterations become a call to `memmove`.
///
/// # Safety
/// Both ranges are valid and do not overlap.
#[inline(always)]
unsafe fn copy_short(src: *const f32, dst: *mut f32, len: usize) {
    for i in 0..8 {
        if i < len {
            // SAFETY: the caller's contract.
            unsafe { *dst.add(i) = *src.add(i) };
        }
    }
}

/// Solves `w` (1 ≤ w ≤ 8·NV, more than 8·(NV−1); `w = 8·NV` if `FULL`)
/// neighbouring lines in place: element `l` at position `k` is at
/// `base + k·stride + l`. The old values are read through `src` (the lines
/// themselves, [`Direct`], or the x-solved rows of a fused sweep,
/// [`XSolved`]); the solution is written at `base`.
///
/// A line longer than [`WHOLE_LINE_MAX`] is cut into segments of `ax.seg`
/// ([`SEGMENT`]) positions: the forward pass keeps only the forward value
/// before each segment (a checkpoint) and the values of the last segment;
/// the backward pass recomputes each earlier segment's forward values from
/// its checkpoint (the same operations, so the same bits) just before it
/// back-substitutes them. The scratch then stays in the L1/L2 cache however
/// long the line is, and the old values are read twice instead of the f64
/// forward values being written out and read back.
///
/// # Safety
/// The CPU supports `V`; those elements are valid for reads and writes and not
/// accessed by anyone else during the call; `src` gives, for every position,
/// `w` readable values that the call's own writes do not reach before it
/// has read them; `t` holds [`lane_scratch`]`(n, ax.seg)` f64.
#[inline(always)]
unsafe fn lane_block<V: Lanes8, S: Source, const NV: usize, const CYC: bool, const FULL: bool>(
    base: *mut f32,
    stride: usize,
    w: usize,
    ax: &Axis,
    s: &Sweep,
    t: *mut f64,
    flux: &mut [f64; 2],
    src: &mut S,
) {
    let n = ax.n;
    let tail = w - 8 * (NV - 1);
    let seg = ax.seg;
    let nseg = n.div_ceil(seg);
    // SAFETY: the caller's contract covers every access below: positions k < n,
    // lanes < w (the partial vector is loaded and stored under a mask), scratch
    // entries (seg + nseg)·8·NV ≤ lane_scratch(n, seg).
    unsafe {
        let load = |row: *const f32, g: usize| -> V {
            let p = row.add(8 * g);
            if FULL || g + 1 < NV || tail == 8 {
                V::load_f32(p)
            } else {
                V::load_f32_partial(p, tail)
            }
        };
        let store = |k: usize, g: usize, x: V| {
            let p = base.add(k * stride + 8 * g);
            if FULL || g + 1 < NV || tail == 8 {
                x.store_f32(p);
            } else {
                x.store_f32_partial(p, tail);
            }
        };
        // Forward value at offset `i` of the current segment.
        let tk = |i: usize, g: usize| t.add((i * NV + g) * 8);
        // Checkpoint of segment j: the forward value at position j·seg − 1.
        let ck = |j: usize, g: usize| t.add(((seg + j) * NV + g) * 8);
        let prefetch_row = |k: usize, off: usize| {
            let p = base.cast_const().wrapping_add(k * stride + off);
            V::prefetch(p);
            V::prefetch(p.wrapping_add(8 * NV - 1));
        };
        let mut st = [State::<V>::new(); NV];
        let row = src.row(0);
        for g in 0..NV {
            st[g]
                .fwd::<CYC, true>(ax, s, 0, load(row, g))
                .store(tk(0, g));
        }
        // Prefetch PREFETCH positions ahead, continuing into the next block's
        // first positions (the next block of an item or of the next item).
        let ahead = |k: usize| {
            if k + PREFETCH < n {
                prefetch_row(k + PREFETCH, 0);
            } else {
                prefetch_row(k + PREFETCH - n, 8 * NV);
            }
        };
        for j in 0..nseg {
            let k0 = j * seg;
            if j > 0 {
                for g in 0..NV {
                    st[g].prev.store(ck(j, g));
                }
            }
            for k in k0.max(1)..(k0 + seg).min(n - 1) {
                ahead(k);
                let row = src.row(k);
                for g in 0..NV {
                    st[g]
                        .fwd::<CYC, false>(ax, s, k, load(row, g))
                        .store(tk(k - k0, g));
                }
            }
        }
        let k_last = (nseg - 1) * seg;
        if n > 1 {
            let row = src.row(n - 1);
            for g in 0..NV {
                st[g]
                    .fwd::<CYC, true>(ax, s, n - 1, load(row, g))
                    .store(tk(n - 1 - k_last, g));
            }
            for g in 0..NV {
                let x = st[g].bwd::<CYC, true>(ax, n - 1, V::load(tk(n - 1 - k_last, g)));
                store(n - 1, g, x);
            }
        }
        for j in (0..nseg).rev() {
            let k0 = j * seg;
            let k1 = (k0 + seg).min(n - 1);
            if j + 1 < nseg {
                // Recompute this segment's forward values (every position of
                // it is interior but position 0).
                let mut rec = [State::<V>::new(); NV];
                if j == 0 {
                    let row = src.row(0);
                    for g in 0..NV {
                        rec[g]
                            .fwd::<false, true>(ax, s, 0, load(row, g))
                            .store(tk(0, g));
                    }
                } else {
                    for g in 0..NV {
                        rec[g].prev = V::load(ck(j, g));
                    }
                }
                for k in k0.max(1)..k1 {
                    if k + PREFETCH < k1 {
                        prefetch_row(k + PREFETCH, 0);
                    }
                    let row = src.row(k);
                    for g in 0..NV {
                        rec[g]
                            .fwd::<false, false>(ax, s, k, load(row, g))
                            .store(tk(k - k0, g));
                    }
                }
            }
            for k in (k0.max(1)..k1).rev() {
                if j > 0 {
                    // Bring the previous segment in while this one is solved.
                    prefetch_row(k - seg, 0);
                }
                for g in 0..NV {
                    let x = st[g].bwd::<CYC, false>(ax, k, V::load(tk(k - k0, g)));
                    store(k, g, x);
                }
            }
        }
        for g in 0..NV {
            let x = st[g].bwd::<CYC, true>(ax, 0, V::load(tk(0, g)));
            store(0, g, x);
        }
        for g in 0..NV {
            add_fluxes(ax, s, &st[g], w - 8 * g, flux);
        }
    }
}

/// Solves one block of `wb` (≤ 8·[`LANE_NV`]) neighbouring lines, reading
/// the old values from `src`, with the kernel instance for its vector count.
///
/// # Safety
/// As [`lane_block`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn lane_dispatch<V: Lanes8, S: Source>(
    b: *mut f32,
    stride: usize,
    wb: usize,
    ax: &Axis,
    s: &Sweep,
    t: *mut f64,
    f: &mut [f64; 2],
    src: &mut S,
) {
    // SAFETY: the caller's contract.
    unsafe {
        match (wb.div_ceil(8), ax.cyclic) {
            (LANE_NV, false) if wb == 8 * LANE_NV => {
                lane_block::<V, S, LANE_NV, false, true>(b, stride, wb, ax, s, t, f, src)
            }
            (LANE_NV, true) if wb == 8 * LANE_NV => {
                lane_block::<V, S, LANE_NV, true, true>(b, stride, wb, ax, s, t, f, src)
            }
            (8, false) => lane_block::<V, S, 8, false, false>(b, stride, wb, ax, s, t, f, src),
            (8, true) => lane_block::<V, S, 8, true, false>(b, stride, wb, ax, s, t, f, src),
            (7, false) => lane_block::<V, S, 7, false, false>(b, stride, wb, ax, s, t, f, src),
            (7, true) => lane_block::<V, S, 7, true, false>(b, stride, wb, ax, s, t, f, src),
            (6, false) => lane_block::<V, S, 6, false, false>(b, stride, wb, ax, s, t, f, src),
            (6, true) => lane_block::<V, S, 6, true, false>(b, stride, wb, ax, s, t, f, src),
            (5, false) => lane_block::<V, S, 5, false, false>(b, stride, wb, ax, s, t, f, src),
            (5, true) => lane_block::<V, S, 5, true, false>(b, stride, wb, ax, s, t, f, src),
            (4, false) => lane_block::<V, S, 4, false, false>(b, stride, wb, ax, s, t, f, src),
            (4, true) => lane_block::<V, S, 4, true, false>(b, stride, wb, ax, s, t, f, src),
            (3, false) => lane_block::<V, S, 3, false, false>(b, stride, wb, ax, s, t, f, src),
            (3, true) => lane_block::<V, S, 3, true, false>(b, stride, wb, ax, s, t, f, src),
            (2, false) => lane_block::<V, S, 2, false, false>(b, stride, wb, ax, s, t, f, src),
            (2, true) => lane_block::<V, S, 2, true, false>(b, stride, wb, ax, s, t, f, src),
            (_, false) => lane_block::<V, S, 1, false, false>(b, stride, wb, ax, s, t, f, src),
            (_, true) => lane_block::<V, S, 1, true, false>(b, stride, wb, ax, s, t, f, src),
        }
    }
}

/// Solves `w` neighbouring lines in the lane layout, in blocks.
///
/// # Safety
/// As [`lane_block`].
#[inline(always)]
pub(super) unsafe fn lanes<V: Lanes8>(
    base: *mut f32,
    stride: usize,
    w: usize,
    ax: &Axis,
    s: &Sweep,
    t: *mut f64,
) -> [f64; 2] {
    let mut flux = [0.0; 2];
    let block = 8 * LANE_NV;
    let mut l0 = 0;
    // SAFETY: each call covers lanes l0..l0+wb ⊂ 0..w; the caller's contract.
    unsafe {
        while l0 < w {
            let wb = block.min(w - l0);
            let b = base.add(l0);
            let mut src = Direct {
                base: b.cast_const(),
                stride,
            };
            lane_dispatch::<V, Direct>(b, stride, wb, ax, s, t, &mut flux, &mut src);
            l0 += wb;
        }
    }
    flux
}

/// The x sweep and then the y sweep of a 2D plane of `nx` (≤ 8·[`LANE_NV`])
/// × `ny` voxels, in place, with the plane read from memory once per y pass
/// instead of once for x and once per y pass: the y sweep takes its old
/// values from [`XSolved`]. The same bits as [`rows`] over all rows followed
/// by [`lanes`] over the plane. Returns the face amounts of the x and the y
/// sweep.
///
/// # Safety
/// The CPU supports `V`; the plane's `nx·ny` values at `base` are valid for
/// reads and writes and not accessed by anyone else during the call;
/// `ay.n == ny`, `ax.n == nx`; `t` holds [`fused_scratch`]`(nx, ny, ay.seg)`
/// f64 and is aligned to 64 bytes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn fused_xy<V: Lanes8>(
    kernels: Kernels,
    base: *mut f32,
    nx: usize,
    ny: usize,
    ax: &Axis,
    sx: &Sweep,
    ay: &Axis,
    sy: &Sweep,
    t: *mut f64,
) -> [[f64; 2]; 2] {
    let rows_at = fused_offset(ny, ay.seg);
    let mut flux = [0.0; 2];
    // SAFETY: the scratch regions are disjoint parts of `t`; the rest is the
    // caller's contract.
    unsafe {
        let mut src = XSolved {
            kernels,
            field: base,
            nx,
            ny,
            ax,
            s: sx,
            t: t.add(rows_at),
            solved: 0,
            flux: [0.0; 2],
        };
        lane_dispatch::<V, XSolved<'_>>(base, nx, nx, ay, sy, t, &mut flux, &mut src);
        [src.flux, flux]
    }
}

/// Solves `count` (1 ≤ count ≤ 8·NV, more than 8·(NV−1)) contiguous rows of
/// length n in place; row `r` starts at `base + r·stride`.
///
/// Rows are read and written in 8×8 tiles transposed in registers, so that
/// each vector holds one position of 8 rows; a last partial tile overlaps
/// the last full one (or, in rows shorter than 8, goes through a padded
/// copy), and missing rows of the last vector read zeros and write to a
/// discarded buffer.
///
/// # Safety
/// The CPU supports `V`; the rows are valid for reads and writes and not
/// accessed by anyone else during the call; `t` holds `n·8·NV` f64.
#[inline(always)]
unsafe fn row_block<V: Lanes8, const NV: usize, const CYC: bool>(
    base: *mut f32,
    stride: usize,
    count: usize,
    ax: &Axis,
    s: &Sweep,
    t: *mut f64,
    flux: &mut [f64; 2],
) {
    let n = ax.n;
    let full = n / 8 * 8;
    let rem = n - full;
    let zeros = [0.0f32; 8];
    let mut sink = [0.0f32; 8];
    // The last partial tile of every row of the block, padded to 8.
    let mut pad = [[[0.0f32; 8]; 8]; NV];
    // SAFETY: every pointer formed below is either inside row r < count at a
    // column < n (the caller's contract), or into `zeros`, `sink` or `pad`;
    // scratch entries are k·8·NV + 8·g + lane < n·8·NV.
    unsafe {
        let row = |g: usize, r: usize| -> Option<*mut f32> {
            let i = 8 * g + r;
            (i < count).then(|| base.add(i * stride))
        };
        let tk = |k: usize, g: usize| t.add((k * NV + g) * 8);
        let mut st = [State::<V>::new(); NV];
        let zero = V::splat(0.0);
        // Forward, full tiles; only the first and the last tile hold an end.
        let mut k0 = 0;
        while k0 < full {
            let mut tiles = [[zero; 8]; NV];
            for g in 0..NV {
                let src: [*const f32; 8] = std::array::from_fn(|r| match row(g, r) {
                    Some(p) => p.add(k0).cast_const(),
                    None => zeros.as_ptr(),
                });
                tiles[g] = V::load_transposed(&src);
            }
            if k0 == 0 || k0 + 8 >= n {
                for j in 0..8 {
                    for g in 0..NV {
                        let y = st[g].fwd::<CYC, true>(ax, s, k0 + j, tiles[g][j]);
                        y.store(tk(k0 + j, g));
                    }
                }
            } else {
                for j in 0..8 {
                    for g in 0..NV {
                        let y = st[g].fwd::<CYC, false>(ax, s, k0 + j, tiles[g][j]);
                        y.store(tk(k0 + j, g));
                    }
                }
            }
            k0 += 8;
        }
        // The partial last tile: with n ≥ 8, the 8 columns n−8 .. n, of which
        // the first 8 − rem belong to the last full tile (read twice, and
        // written here first and by the full tile afterwards, with its
        // correct values); with n < 8, a padded copy.
        let (k_last, j_first) = if n >= 8 { (n - 8, 8 - rem) } else { (0, 0) };
        if rem > 0 {
            let mut tiles = [[zero; 8]; NV];
            for g in 0..NV {
                let src: [*const f32; 8] = if n >= 8 {
                    std::array::from_fn(|r| match row(g, r) {
                        Some(p) => p.add(k_last).cast_const(),
                        None => zeros.as_ptr(),
                    })
                } else {
                    for r in 0..8 {
                        if let Some(p) = row(g, r) {
                            copy_short(p, pad[g][r].as_mut_ptr(), rem);
                        }
                    }
                    std::array::from_fn(|r| pad[g][r].as_ptr())
                };
                tiles[g] = V::load_transposed(&src);
            }
            for j in j_first..j_first + rem {
                for g in 0..NV {
                    let y = st[g].fwd::<CYC, true>(ax, s, k_last + j, tiles[g][j]);
                    y.store(tk(k_last + j, g));
                }
            }
            let mut tiles = [[zero; 8]; NV];
            for j in (j_first..j_first + rem).rev() {
                let k = k_last + j;
                for g in 0..NV {
                    tiles[g][j] = st[g].bwd::<CYC, true>(ax, k, V::load(tk(k, g)));
                }
            }
            for g in 0..NV {
                if n >= 8 {
                    let dst: [*mut f32; 8] = std::array::from_fn(|r| match row(g, r) {
                        Some(p) => p.add(k_last),
                        None => sink.as_mut_ptr(),
                    });
                    V::store_transposed(&tiles[g], &dst);
                } else {
                    let dst: [*mut f32; 8] = std::array::from_fn(|r| pad[g][r].as_mut_ptr());
                    V::store_transposed(&tiles[g], &dst);
                    for r in 0..8 {
                        if let Some(p) = row(g, r) {
                            copy_short(pad[g][r].as_ptr(), p, rem);
                        }
                    }
                }
            }
        }
        // Backward, full tiles.
        let mut k0 = full;
        while k0 > 0 {
            k0 -= 8;
            let mut tiles = [[zero; 8]; NV];
            if k0 == 0 || k0 + 8 >= n {
                for j in (0..8).rev() {
                    let k = k0 + j;
                    for g in 0..NV {
                        tiles[g][j] = st[g].bwd::<CYC, true>(ax, k, V::load(tk(k, g)));
                    }
                }
            } else {
                for j in (0..8).rev() {
                    let k = k0 + j;
                    for g in 0..NV {
                        tiles[g][j] = st[g].bwd::<CYC, false>(ax, k, V::load(tk(k, g)));
                    }
                }
            }
            for g in 0..NV {
                let dst: [*mut f32; 8] = std::array::from_fn(|r| match row(g, r) {
                    Some(p) => p.add(k0),
                    None => sink.as_mut_ptr(),
                });
                V::store_transposed(&tiles[g], &dst);
            }
        }
        for g in 0..NV {
            add_fluxes(ax, s, &st[g], count.saturating_sub(8 * g), flux);
        }
    }
}

/// Solves `count` contiguous rows in blocks.
///
/// # Safety
/// As [`row_block`], with `t` holding [`row_scratch`]`(n)` f64.
#[inline(always)]
pub(super) unsafe fn rows<V: Lanes8>(
    base: *mut f32,
    stride: usize,
    count: usize,
    ax: &Axis,
    s: &Sweep,
    t: *mut f64,
) -> [f64; 2] {
    let mut flux = [0.0; 2];
    let block = 8 * ROW_NV;
    let mut r0 = 0;
    // SAFETY: each call covers rows r0..r0+c ⊂ 0..count; the caller's contract.
    unsafe {
        while r0 < count {
            let c = block.min(count - r0);
            let b = base.add(r0 * stride);
            match (c > 8, ax.cyclic) {
                (true, false) => row_block::<V, ROW_NV, false>(b, stride, c, ax, s, t, &mut flux),
                (true, true) => row_block::<V, ROW_NV, true>(b, stride, c, ax, s, t, &mut flux),
                (false, false) => row_block::<V, 1, false>(b, stride, c, ax, s, t, &mut flux),
                (false, true) => row_block::<V, 1, true>(b, stride, c, ax, s, t, &mut flux),
            }
            r0 += c;
        }
    }
    flux
}

/// The instruction sets the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernels {
    /// Baseline code for any CPU of the target architecture.
    Portable,
    /// x86-64 with AVX2 and FMA (FMA is enabled but never used: the kernels do
    /// no fused multiply–add, so every instruction set gives the same bits).
    Avx2,
    /// x86-64 with AVX-512F.
    Avx512,
}

impl Kernels {
    /// The widest instruction set this CPU supports.
    pub fn detect() -> Self {
        [Kernels::Avx512, Kernels::Avx2]
            .into_iter()
            .find(|k| k.is_supported())
            .unwrap_or(Kernels::Portable)
    }

    /// Whether this CPU can run these kernels.
    pub fn is_supported(self) -> bool {
        match self {
            Kernels::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Solves lines in the lane layout (see [`lanes`]); returns the face amounts.
    ///
    /// # Safety
    /// `self.is_supported()`; the rest as [`lanes`].
    pub(super) unsafe fn lanes(
        self,
        base: *mut f32,
        stride: usize,
        w: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: the caller's contract; the feature-specific entry points
        // are called only when `self` is supported.
        unsafe {
            match self {
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx512 => x86::lanes_avx512(base, stride, w, ax, s, t),
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx2 => x86::lanes_avx2(base, stride, w, ax, s, t),
                _ => lanes::<Portable>(base, stride, w, ax, s, t),
            }
        }
    }

    /// The x and then the y sweep of a 2D plane (see [`fused_xy`]); returns
    /// the face amounts of each.
    ///
    /// # Safety
    /// `self.is_supported()`; the rest as [`fused_xy`].
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn fused_xy(
        self,
        base: *mut f32,
        nx: usize,
        ny: usize,
        ax: &Axis,
        sx: &Sweep,
        ay: &Axis,
        sy: &Sweep,
        t: *mut f64,
    ) -> [[f64; 2]; 2] {
        // SAFETY: as in `Kernels::lanes`.
        unsafe {
            match self {
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx512 => x86::fused_xy_avx512(base, nx, ny, ax, sx, ay, sy, t),
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx2 => x86::fused_xy_avx2(base, nx, ny, ax, sx, ay, sy, t),
                _ => fused_xy::<Portable>(self, base, nx, ny, ax, sx, ay, sy, t),
            }
        }
    }

    /// Solves contiguous rows (see [`rows`]); returns the face amounts.
    ///
    /// # Safety
    /// `self.is_supported()`; the rest as [`rows`].
    pub(super) unsafe fn rows(
        self,
        base: *mut f32,
        stride: usize,
        count: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: as in `Kernels::lanes`.
        unsafe {
            match self {
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx512 => x86::rows_avx512(base, stride, count, ax, s, t),
                #[cfg(target_arch = "x86_64")]
                Kernels::Avx2 => x86::rows_avx2(base, stride, count, ax, s, t),
                _ => rows::<Portable>(base, stride, count, ax, s, t),
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::simd::{Avx2, Avx512};
    use super::super::{Axis, Sweep};
    use super::Kernels;

    /// # Safety
    /// AVX-512F, AVX2 and FMA are available; the rest as [`super::lanes`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn lanes_avx512(
        base: *mut f32,
        stride: usize,
        w: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::lanes::<Avx512>(base, stride, w, ax, s, t) }
    }

    /// # Safety
    /// AVX2 and FMA are available; the rest as [`super::lanes`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn lanes_avx2(
        base: *mut f32,
        stride: usize,
        w: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::lanes::<Avx2>(base, stride, w, ax, s, t) }
    }

    /// # Safety
    /// AVX-512F, AVX2 and FMA are available; the rest as [`super::fused_xy`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn fused_xy_avx512(
        base: *mut f32,
        nx: usize,
        ny: usize,
        ax: &Axis,
        sx: &Sweep,
        ay: &Axis,
        sy: &Sweep,
        t: *mut f64,
    ) -> [[f64; 2]; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::fused_xy::<Avx512>(Kernels::Avx512, base, nx, ny, ax, sx, ay, sy, t) }
    }

    /// # Safety
    /// AVX2 and FMA are available; the rest as [`super::fused_xy`].
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn fused_xy_avx2(
        base: *mut f32,
        nx: usize,
        ny: usize,
        ax: &Axis,
        sx: &Sweep,
        ay: &Axis,
        sy: &Sweep,
        t: *mut f64,
    ) -> [[f64; 2]; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::fused_xy::<Avx2>(Kernels::Avx2, base, nx, ny, ax, sx, ay, sy, t) }
    }

    /// # Safety
    /// AVX-512F, AVX2 and FMA are available; the rest as [`super::rows`].
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn rows_avx512(
        base: *mut f32,
        stride: usize,
        count: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::rows::<Avx512>(base, stride, count, ax, s, t) }
    }

    /// # Safety
    /// AVX2 and FMA are available; the rest as [`super::rows`].
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn rows_avx2(
        base: *mut f32,
        stride: usize,
        count: usize,
        ax: &Axis,
        s: &Sweep,
        t: *mut f64,
    ) -> [f64; 2] {
        // SAFETY: the caller's contract.
        unsafe { super::rows::<Avx2>(base, stride, count, ax, s, t) }
    }
}
