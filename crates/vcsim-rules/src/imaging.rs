//! Imaging readouts: what a calcium-scoring CT would report for a vessel
//! segment whose wall is the simulated patch (docs/imaging.md has the method,
//! every assumption and a worked example).
//!
//! "1% of a 0.25 mm section calcified" has no clinical equivalent; clinical
//! studies report the Agatston score, the volume and mass scores, and whether
//! calcification is there at all (Agatston > 0). The readout goes in three
//! steps, each a pure function:
//!
//! 1. [`synthetic_ct`]: the patch is scaled to a cylinder of lumen diameter
//!    `imaging.vessel_diameter_mm` and length `imaging.segment_length_mm`
//!    whose axis is perpendicular to the CT slices. The patch's x axis is the
//!    depth from the lumen surface, so a voxel at depth index `ix` sits at
//!    radius `D/2 + (ix + ½)·dx`. Around the circumference and along the axis
//!    the patch is tiled periodically (its own boundary condition): the point
//!    at arc length `s` (measured at mid-wall) and axial position `z` reads the
//!    patch column `(z mod axial extent, s mod circumferential extent)`; a 2D
//!    patch is the same at every `z`. The mineral volume fraction is what
//!    carries over (it is intensive): a point of the cylinder's wall holds
//!    the fraction of the patch voxel it reads, so a uniform fraction φ fills
//!    φ of the annulus (the outer layers, longer on the cylinder, hold
//!    proportionally more than in the flat patch). Only the calcifiable wall
//!    (lamina and media voxels) contributes mineral. The wall is divided into
//!    [`Sites`] of `imaging.site_length_mm` × `imaging.site_arc_mm`, each
//!    holding `f·φ` with its own factor `f`: log-normal with coefficient of
//!    variation `imaging.site_cv`, mean 1 over the segment, drawn once from
//!    the run's seed (the patient's anatomy, the same at every reading), and
//!    at most what fills the site's wall; `site_cv = 0` is one site of
//!    factor 1. The mineral volume that
//!    falls into each CT voxel (`pixel_mm² × slice_mm`, ideal box sampling,
//!    no blur) becomes a hydroxyapatite density `ρ = 3160 mg/cm³ × mineral
//!    volume / voxel volume` and a CT number `HU = baseline + ρ / c_HA`.
//! 2. [`score`]: per slice, 8-connected pixels ≥ `threshold_hu` form a
//!    lesion; a lesion of area ≥ `min_lesion_area_mm2` counts, with the
//!    Agatston weight of its peak (1: < 200 HU, 2: < 300, 3: < 400, 4: ≥ 400);
//!    Agatston = Σ area × weight, volume score = Σ voxel volumes of counted
//!    lesions, mass score = `c_HA × Σ HU × voxel volume` over them.
//! 3. [`clinical_reading`] (and [`World::clinical`]) put both together into a
//!    [`ClinicalRecord`].
//!
//! Nothing here changes the simulation: the readout reads the mineral field.

pub use crate::history::{History, StateImages};
use crate::purpose;
use crate::records::ClinicalRecord;
use crate::scenario::params::{HA_DENSITY_MG_PER_CM3, ImagingParams};
use crate::world::World;
use std::borrow::Cow;
use vcsim_core::{Region, Stream};

/// Lower HU bounds of the Agatston density weights 2, 3 and 4 (weight 1
/// below 200 HU, down to the threshold).
pub const AGATSTON_BANDS_HU: [f64; 3] = [200.0, 300.0, 400.0];

/// The Agatston density weight of a lesion whose peak is `peak_hu`.
pub fn agatston_weight(peak_hu: f64) -> f64 {
    1.0 + AGATSTON_BANDS_HU.iter().filter(|&&b| peak_hu >= b).count() as f64
}

/// Whether a voxel's region can hold the mineral that the readout sees (the
/// calcifiable wall: elastic laminae and media, as in [`crate::Summary`]).
pub fn is_wall(r: Region) -> bool {
    matches!(r, Region::Media | Region::Lamina)
}

/// The simulated wall patch, as the lattice stores it.
#[derive(Debug, Clone, Copy)]
pub struct Patch<'a> {
    /// Hydroxyapatite volume fraction per voxel (0–1), `[z][y][x]` order.
    pub mineral: &'a [f64],
    /// Region per voxel, same order.
    pub region: &'a [Region],
    /// `[nz, ny, nx]`: axial, circumferential, radial (x = 0 at the lumen).
    pub shape: [usize; 3],
    /// Voxel edge, µm.
    pub dx_um: f64,
}

impl<'a> Patch<'a> {
    /// The patch of a world.
    pub fn of(w: &'a World) -> Self {
        Self {
            mineral: &w.mineral,
            region: &w.lattice.region,
            shape: w.lattice.shape,
            dx_um: w.lattice.dx_um,
        }
    }

    /// Radial voxel range `[lo, hi)` that holds wall (lamina or media)
    /// voxels anywhere in the patch; `None` without wall.
    pub fn wall_range(&self) -> Option<(usize, usize)> {
        let nx = self.shape[2];
        let mut lo = usize::MAX;
        let mut hi = 0;
        for (i, &r) in self.region.iter().enumerate() {
            if is_wall(r) {
                let ix = i % nx;
                lo = lo.min(ix);
                hi = hi.max(ix + 1);
            }
        }
        (hi > lo).then_some((lo, hi))
    }

    /// Mean mineral volume fraction of the wall voxels (0 without wall).
    pub fn wall_fraction(&self) -> f64 {
        let mut sum = 0.0;
        let mut n = 0usize;
        for (m, &r) in self.mineral.iter().zip(self.region) {
            if is_wall(r) {
                sum += m;
                n += 1;
            }
        }
        if n > 0 { sum / n as f64 } else { 0.0 }
    }

    /// Mid-wall radius of the patch on the vessel of `p`, mm (the radius at
    /// which arc lengths are measured); `None` without wall.
    pub fn mid_wall_radius_mm(&self, p: &ImagingParams) -> Option<f64> {
        let (lo, hi) = self.wall_range()?;
        Some(0.5 * p.vessel_diameter_mm + 0.5 * (lo + hi) as f64 * (self.dx_um * 1e-3))
    }
}

/// The sites of the segment's wall: the wall is divided along the axis into
/// `n_axial` sites of `length_mm` from the segment's start (the last one
/// cut at the segment's end) and around the circumference into `n_arc`
/// equal arcs from angle 0. A wall voxel of site `(j, i)` holds `f·φ` of
/// hydroxyapatite, φ the fraction of the patch voxel it reads and `f` the
/// site's factor, at most `1/φ̄` (φ̄ the patch's mean fraction over the wall
/// on the cylinder), so that a site holds at most a full wall: the stated
/// heterogeneity of the wall at the mm scale that one simulated patch cannot
/// know (docs/imaging.md, step 2).
#[derive(Debug, Clone, PartialEq)]
pub struct Sites {
    /// Axial length of a site, mm.
    pub length_mm: f64,
    /// Sites along the axis.
    pub n_axial: usize,
    /// Sites around the circumference.
    pub n_arc: usize,
    /// Factor of site `(j, i)` at `j * n_arc + i`; their mean, weighted by
    /// the sites' lengths within the segment, is 1.
    pub factors: Vec<f64>,
}

impl Sites {
    /// One site of factor 1 over a segment of `segment_length_mm`: the patch
    /// tiled over the whole segment (what `imaging.site_cv = 0` gives).
    pub fn uniform(segment_length_mm: f64) -> Self {
        Self {
            length_mm: segment_length_mm,
            n_axial: 1,
            n_arc: 1,
            factors: vec![1.0],
        }
    }

    /// The sites of the segment of `p` whose mid-wall circumference is
    /// `circumference_mm`, their factors drawn from the run's `seed`.
    ///
    /// Each factor is log-normal with mean 1 and coefficient of variation
    /// `p.site_cv` (a standard normal from two uniforms of the site's own
    /// stream by Box–Muller, so the pattern depends on the seed and the
    /// site only), then all are divided by their mean weighted by the sites'
    /// lengths, so that the segment holds the patch's mineral exactly
    /// (unless a site is full). `site_cv = 0` gives [`Sites::uniform`].
    pub fn draw(p: &ImagingParams, circumference_mm: f64, seed: u64) -> Self {
        let length = p.segment_length_mm;
        if p.site_cv <= 0.0 {
            return Self::uniform(length);
        }
        let n_axial = ((length / p.site_length_mm) - 1e-9).ceil().max(1.0) as usize;
        let n_arc = (circumference_mm / p.site_arc_mm).round().max(1.0) as usize;
        let sigma2 = (1.0 + p.site_cv * p.site_cv).ln();
        let (mu, sigma) = (-0.5 * sigma2, sigma2.sqrt());
        let mut factors = Vec::with_capacity(n_axial * n_arc);
        let (mut sum, mut weight) = (0.0, 0.0);
        for j in 0..n_axial {
            let z0 = j as f64 * p.site_length_mm;
            let len = ((j + 1) as f64 * p.site_length_mm).min(length) - z0;
            for i in 0..n_arc {
                let mut s = Stream::new(seed, j as u64, i as u64, purpose::IMAGING_SITE);
                let f = (mu + sigma * standard_normal(&mut s)).exp();
                sum += f * len;
                factors.push(f);
            }
            weight += len * n_arc as f64;
        }
        let mean = sum / weight;
        for f in &mut factors {
            *f /= mean;
        }
        Self {
            length_mm: p.site_length_mm,
            n_axial,
            n_arc,
            factors,
        }
    }

    /// The sites of the segment of `p` with the wall of `patch` (see
    /// [`Sites::draw`]); one uniform site without wall.
    pub fn of(patch: &Patch, p: &ImagingParams, seed: u64) -> Self {
        match patch.mid_wall_radius_mm(p) {
            Some(r_mid) => Self::draw(p, 2.0 * std::f64::consts::PI * r_mid, seed),
            None => Self::uniform(p.segment_length_mm),
        }
    }

    /// Factor of site `(j, i)`.
    pub fn factor(&self, j: usize, i: usize) -> f64 {
        self.factors[j * self.n_arc + i]
    }
}

/// A standard normal number from two uniforms of `s` (Box–Muller, the
/// cosine branch): written out rather than taken from a crate so that the
/// site pattern of a seed stays the same across dependency versions (and
/// `scripts/imaging_figure.py` can mirror it).
fn standard_normal(s: &mut Stream) -> f64 {
    let u1 = 1.0 - s.uniform(); // (0, 1]
    let u2 = s.uniform();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A synthetic CT of the segment: `n_slices` slices of `n × n` pixels,
/// the vessel axis through the centre of the middle pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct CtImage {
    /// Pixels per side of a slice (odd).
    pub n: usize,
    /// Number of slices (the last one may hold the end of the segment).
    pub n_slices: usize,
    /// In-plane pixel edge, mm.
    pub pixel_mm: f64,
    /// Slice thickness, mm.
    pub slice_mm: f64,
    /// CT number of every voxel, HU, `[slice][row][column]` order.
    pub hu: Vec<f64>,
    /// Hydroxyapatite in the scored segment, mm³ (the sum of what the
    /// voxels received).
    pub mineral_mm3: f64,
}

impl CtImage {
    /// An image of `n_slices` slices of `n × n` pixels, all at `hu`, and no
    /// mineral: the start of a hand-made image in tests.
    pub fn filled(n: usize, n_slices: usize, pixel_mm: f64, slice_mm: f64, hu: f64) -> Self {
        Self {
            n,
            n_slices,
            pixel_mm,
            slice_mm,
            hu: vec![hu; n * n * n_slices],
            mineral_mm3: 0.0,
        }
    }

    /// Volume of one CT voxel, mm³.
    pub fn voxel_mm3(&self) -> f64 {
        self.pixel_mm * self.pixel_mm * self.slice_mm
    }

    /// Index of pixel `(row, col)` of slice `k`.
    pub fn at(&self, k: usize, row: usize, col: usize) -> usize {
        (k * self.n + row) * self.n + col
    }
}

/// Length of `{z' ∈ [0, z) : the patch row at z' is iz}` for a patch tiled
/// along the axis with period `period` and rows of height `dz` (all mm).
fn row_measure(z: f64, iz: usize, period: f64, dz: f64) -> f64 {
    let full = (z / period).floor();
    let rest = z - full * period;
    full * dz + (rest - iz as f64 * dz).clamp(0.0, dz)
}

/// The synthetic CT of the vessel segment whose wall is `patch`, its sites
/// drawn from the run's `seed` ([`Sites::of`]; see [`synthetic_ct_with`]).
pub fn synthetic_ct(patch: &Patch, p: &ImagingParams, seed: u64) -> CtImage {
    synthetic_ct_with(patch, p, &Sites::of(patch, p, seed))
}

/// The synthetic CT of the vessel segment whose wall is `patch`, with the
/// wall's `sites`.
///
/// Sampling: around the circumference, steps of at most `min(dx, pixel/32)`
/// of arc (each reads the patch column under its centre, and belongs to the
/// arc site under its centre); radially, each patch voxel is split into
/// `⌈dx / (pixel/32)⌉` shells; along the axis, the exact length of each
/// patch row inside each piece of a slice that one axial site covers. A
/// sample holds its voxel's mineral volume fraction, times its site's factor
/// (at most `1/φ̄`, a full wall), times its true volume in the cylinder
/// (`r·dθ·dr·dz`) and gives it to the pixel under its centre, so a uniform
/// fraction φ at factor 1 fills exactly φ × the annulus.
pub fn synthetic_ct_with(patch: &Patch, p: &ImagingParams, sites: &Sites) -> CtImage {
    render(patch, p, sites, sites.factors.len() > 1)
}

/// The sampling of the segment that does not depend on the mineral: the
/// wall's samples, the pixels they fall in and the pieces of every slice.
struct Geometry {
    /// Radial range `[lo, hi)` of the wall voxels.
    lo: usize,
    hi: usize,
    /// Patch rows along the axis.
    nz: usize,
    /// Pixels of a slice.
    n_px: usize,
    /// Radius of the centre of each radial voxel index on the cylinder, mm.
    voxel_radius: Vec<f64>,
    /// Angles per arc site.
    per_site: usize,
    /// Patch column of every angle.
    columns: Vec<usize>,
    /// Pixel of every (angle, radial voxel, shell) sample.
    pixels: Vec<u32>,
    /// Radius of every (radial voxel, shell), mm.
    radii: Vec<f64>,
    /// Radial shells per voxel.
    n_r: usize,
    dtheta: f64,
    dr: f64,
    /// mm³ of mineral → HU above baseline in one CT voxel.
    hu_per_mm3: f64,
    /// The pieces of every slice in each axial site: `(site, length of
    /// every patch row within the piece)`.
    pieces: Vec<Vec<(usize, Vec<f64>)>>,
    /// Σ radius over the wall voxels, mm (the wall's volume on the cylinder,
    /// up to a constant).
    volume_r: f64,
}

/// The empty image of the segment of `p` around `patch`.
fn empty_image(patch: &Patch, p: &ImagingParams) -> CtImage {
    let nx = patch.shape[2];
    let dx = patch.dx_um * 1e-3; // mm
    let pix = p.pixel_mm;
    let n_slices = ((p.segment_length_mm / p.slice_mm) - 1e-9).ceil().max(1.0) as usize;
    let r_max = 0.5 * p.vessel_diameter_mm + nx as f64 * dx;
    let n = 2 * ((r_max / pix + 0.5).ceil() as usize + 1) + 1;
    CtImage::filled(n, n_slices, pix, p.slice_mm, p.baseline_hu)
}

impl Geometry {
    /// The sampling of `ct` (the empty image of [`empty_image`]) for the
    /// wall of `patch` and `sites`; `None` without wall.
    fn new(patch: &Patch, p: &ImagingParams, sites: &Sites, ct: &CtImage) -> Option<Self> {
        let [nz, ny, nx] = patch.shape;
        assert_eq!(patch.mineral.len(), nz * ny * nx, "mineral: one per voxel");
        assert_eq!(patch.region.len(), nz * ny * nx, "region: one per voxel");
        assert!(
            sites.n_axial >= 1 && sites.n_arc >= 1 && sites.length_mm > 0.0,
            "sites: at least one, of positive length"
        );
        assert_eq!(
            sites.factors.len(),
            sites.n_axial * sites.n_arc,
            "sites: one factor per site"
        );
        let (lo, hi) = patch.wall_range()?;
        let dx = patch.dx_um * 1e-3; // mm
        let pix = p.pixel_mm;
        let h = p.slice_mm;
        let length = p.segment_length_mm;
        let r_lumen = 0.5 * p.vessel_diameter_mm;
        let (n, n_slices) = (ct.n, ct.n_slices);
        // Angles map to patch columns by the arc length at mid-wall.
        let r_mid = r_lumen + 0.5 * (lo + hi) as f64 * dx;
        let circumference = 2.0 * std::f64::consts::PI * r_mid;
        let fine = pix / 32.0;
        // Every arc site gets the same number of angles (`per_site`), so each
        // holds exactly its share of the circumference.
        let n_arc = sites.n_arc;
        let per_site = ((circumference / dx.min(fine)).ceil() as usize).div_ceil(n_arc);
        let n_theta = per_site * n_arc;
        let arc = circumference / n_theta as f64;
        let n_r = (dx / fine).ceil().max(1.0) as usize;
        let dr = dx / n_r as f64;
        let period_y = ny as f64 * dx;
        let period_z = nz as f64 * dx;
        // Pixel of every (angle, radial shell) sample and the patch column of
        // every angle: the same in every slice. Angle `k` lies in arc site
        // `k / per_site`.
        let dtheta = arc / r_mid;
        let radii: Vec<f64> = (lo..hi)
            .flat_map(|ix| (0..n_r).map(move |j| r_lumen + ix as f64 * dx + (j as f64 + 0.5) * dr))
            .collect();
        let half = (n / 2) as f64;
        let mut columns = Vec::with_capacity(n_theta);
        let mut pixels = Vec::with_capacity(n_theta * (hi - lo) * n_r);
        for k in 0..n_theta {
            let s = (k as f64 + 0.5) * arc;
            let iy = (((s % period_y) / dx) as usize).min(ny - 1);
            columns.push(iy);
            let theta = s / r_mid;
            let (sin, cos) = theta.sin_cos();
            for &r in &radii {
                let col = ((r * cos / pix + 0.5).floor() + half) as usize;
                let row = ((r * sin / pix + 0.5).floor() + half) as usize;
                pixels.push((row * n + col) as u32);
            }
        }
        let hu_per_mm3 = HA_DENSITY_MG_PER_CM3 / (ct.voxel_mm3() * p.c_ha_mg_per_cm3_per_hu);
        let voxel_radius: Vec<f64> = (0..nx).map(|ix| r_lumen + (ix as f64 + 0.5) * dx).collect();
        let mut volume_r = 0.0;
        for (v, &r) in patch.region.iter().enumerate() {
            if is_wall(r) {
                volume_r += voxel_radius[v % nx];
            }
        }
        // The pieces of every slice in each axial site, and the length of every
        // patch row within each piece.
        let pieces: Vec<Vec<(usize, Vec<f64>)>> = (0..n_slices)
            .map(|slice| {
                let z0 = slice as f64 * h;
                let z1 = ((slice + 1) as f64 * h).min(length);
                let first = ((z0 / sites.length_mm) as usize).min(sites.n_axial - 1);
                let mut pieces = Vec::new();
                for j in first..sites.n_axial {
                    let za = z0.max(j as f64 * sites.length_mm);
                    if za >= z1 {
                        break;
                    }
                    // The last site runs to the end of the segment.
                    let zb = if j + 1 == sites.n_axial {
                        z1
                    } else {
                        z1.min((j + 1) as f64 * sites.length_mm)
                    };
                    if zb > za {
                        let weights: Vec<f64> = (0..nz)
                            .map(|iz| {
                                row_measure(zb, iz, period_z, dx)
                                    - row_measure(za, iz, period_z, dx)
                            })
                            .collect();
                        pieces.push((j, weights));
                    }
                }
                pieces
            })
            .collect();
        Some(Self {
            lo,
            hi,
            nz,
            n_px: n * n,
            voxel_radius,
            per_site,
            columns,
            pixels,
            radii,
            n_r,
            dtheta,
            dr,
            hu_per_mm3,
            pieces,
            volume_r,
        })
    }

    /// Σ mineral fraction × radius over the wall voxels of `mineral` (with
    /// the voxels' `region`; see `volume_r`).
    fn mineral_r(&self, region: &[Region], mineral: &[f64]) -> f64 {
        let nx = self.voxel_radius.len();
        let mut sum = 0.0;
        for (v, (&m, &r)) in mineral.iter().zip(region).enumerate() {
            if is_wall(r) {
                sum += m * self.voxel_radius[v % nx];
            }
        }
        sum
    }

    /// How much the factor of a site of a wall with `mineral_r` can be: a
    /// site holds at most a full wall (its factor at most 1/φ̄, φ̄ the
    /// mineral volume fraction over the wall as it lies on the cylinder).
    fn full(&self, mineral_r: f64) -> f64 {
        if mineral_r > 0.0 {
            self.volume_r / mineral_r
        } else {
            f64::INFINITY
        }
    }

    /// The images of the wall `mineral` (with the patch's regions): for
    /// every arc site and patch row, the pixels its samples give per mm
    /// along the axis at factor 1.
    fn state_images(&self, patch: &Patch, mineral: &[f64]) -> StateImages {
        let [nz, ny, nx] = patch.shape;
        let n_arc = self.columns.len() / self.per_site;
        let mut dense = vec![0.0; self.n_px];
        let mut rows = Vec::with_capacity(n_arc * nz);
        let mut volumes = Vec::with_capacity(n_arc * nz);
        let (lo, hi, n_r) = (self.lo, self.hi, self.n_r);
        for i in 0..n_arc {
            for iz in 0..nz {
                let mut base = Vec::new();
                if self.pieces.iter().flatten().any(|(_, w)| w[iz] != 0.0) {
                    for k in i * self.per_site..(i + 1) * self.per_site {
                        let iy = self.columns[k];
                        for ix in lo..hi {
                            let v = (iz * ny + iy) * nx + ix;
                            let phi = mineral[v];
                            if phi == 0.0 || !is_wall(patch.region[v]) {
                                continue;
                            }
                            let sample = (k * (hi - lo) + ix - lo) * n_r;
                            let shells = &self.radii[(ix - lo) * n_r..(ix - lo + 1) * n_r];
                            for (jr, &r) in shells.iter().enumerate() {
                                dense[self.pixels[sample + jr] as usize] +=
                                    phi * r * self.dtheta * self.dr;
                            }
                        }
                    }
                    for (px, d) in dense.iter_mut().enumerate() {
                        if *d != 0.0 {
                            base.push((px as u32, *d));
                            *d = 0.0;
                        }
                    }
                }
                volumes.push(base.iter().map(|&(_, b)| b).sum());
                rows.push(base);
            }
        }
        StateImages {
            rows,
            volumes,
            mineral_r: self.mineral_r(patch.region, mineral),
        }
    }

    /// Adds to `ct` the mineral of every site: site `(j, i)` holds
    /// `Σ c × state` over its `sources(j, i)` (state index into `states`,
    /// coefficient `c`; a coefficient 0 adds nothing), times its factor, at
    /// most what fills its wall.
    fn compose(
        &self,
        ct: &mut CtImage,
        sites: &Sites,
        states: &[&StateImages],
        sources: &[[(usize, f64); 2]],
    ) {
        let (n, nz) = (ct.n, self.nz);
        let mut slice_mm3 = vec![0.0; ct.n_slices];
        let factor = |j: usize, i: usize| {
            let src = &sources[j * sites.n_arc + i];
            let mineral_r: f64 = src
                .iter()
                .filter(|&&(_, c)| c != 0.0)
                .map(|&(k, c)| c * states[k].mineral_r)
                .sum();
            sites.factor(j, i).min(self.full(mineral_r))
        };
        for i in 0..sites.n_arc {
            for iz in 0..nz {
                if !self.pieces.iter().flatten().any(|(_, w)| w[iz] != 0.0) {
                    continue;
                }
                for (slice, pieces) in self.pieces.iter().enumerate() {
                    let img = &mut ct.hu[slice * n * n..(slice + 1) * n * n];
                    for (j, weights) in pieces {
                        let w = weights[iz];
                        if w == 0.0 {
                            continue;
                        }
                        let f = factor(*j, i);
                        let row = i * nz + iz;
                        for &(k, c) in &sources[j * sites.n_arc + i] {
                            let state = states[k];
                            if c == 0.0 || state.rows[row].is_empty() {
                                continue;
                            }
                            let scale = w * f * c;
                            for &(px, b) in &state.rows[row] {
                                img[px as usize] += scale * b * self.hu_per_mm3;
                            }
                            slice_mm3[slice] += scale * state.volumes[row];
                        }
                    }
                }
            }
        }
        ct.mineral_mm3 = slice_mm3.iter().sum();
    }
}

/// [`synthetic_ct_with`], slice by slice (`by_site` false: every sample of
/// every slice with its site's factor, the readout before sites when there
/// is one site) or site by site (`by_site` true: each site's image at
/// factor 1, scaled; the same image up to rounding, tested).
fn render(patch: &Patch, p: &ImagingParams, sites: &Sites, by_site: bool) -> CtImage {
    let mut ct = empty_image(patch, p);
    let Some(g) = Geometry::new(patch, p, sites, &ct) else {
        return ct;
    };
    if by_site {
        // Site by site and row by row: the samples of arc site i reading
        // patch row iz give, per mm along the axis, an image B at factor 1,
        // and f·B at factor f. The same numbers as the slice-by-slice path up
        // to rounding, at a fraction of its cost (each sample is visited
        // once, not once per slice).
        let now = g.state_images(patch, patch.mineral);
        let sources = vec![[(0, 1.0), (0, 0.0)]; sites.factors.len()];
        g.compose(&mut ct, sites, &[&now], &sources);
        return ct;
    }
    let [_, ny, nx] = patch.shape;
    let (n, n_arc, per_site, n_r) = (ct.n, sites.n_arc, g.per_site, g.n_r);
    let (lo, hi) = (g.lo, g.hi);
    let full = g.full(g.mineral_r(patch.region, patch.mineral));
    let mut total_mm3 = 0.0;
    // Slice by slice, every sample with its site's factor (what the
    // readout did before sites when there is one site). The distinct
    // patch columns that each arc site reads:
    let site_columns: Vec<Vec<usize>> = g
        .columns
        .chunks(per_site)
        .map(|c| {
            let mut c = c.to_vec();
            c.sort_unstable();
            c.dedup();
            c
        })
        .collect();
    let one_site = sites.n_axial == 1 && n_arc == 1;
    let mut previous: Option<(&Vec<f64>, usize, f64)> = None;
    let mut axial = vec![0.0; ny * nx];
    for (slice, pieces) in g.pieces.iter().enumerate() {
        let base = slice * n * n;
        // With one site, a slice that sees the patch rows in the same
        // lengths as the one before is the same image (the usual case:
        // slices ≫ the patch).
        if one_site
            && let (Some((w, from, mm3)), Some((_, weights))) = (previous, pieces.first())
            && w == weights
        {
            let (done, rest) = ct.hu.split_at_mut(base);
            rest[..n * n].copy_from_slice(&done[from * n * n..(from + 1) * n * n]);
            total_mm3 += mm3;
            continue;
        }
        let img = &mut ct.hu[base..base + n * n];
        let mut slice_mm3 = 0.0;
        for (j, weights) in pieces {
            for (i, cols) in site_columns.iter().enumerate() {
                let f = sites.factor(*j, i).min(full);
                // Mineral length (fraction × mm along the axis) of every
                // wall voxel of the columns this site reads, summed over
                // the patch rows.
                for &iy in cols {
                    for ix in lo..hi {
                        let mut a = 0.0;
                        for (iz, &w) in weights.iter().enumerate() {
                            let v = (iz * ny + iy) * nx + ix;
                            if w != 0.0 && is_wall(patch.region[v]) {
                                a += w * (f * patch.mineral[v]);
                            }
                        }
                        axial[iy * nx + ix] = a;
                    }
                }
                for k in i * per_site..(i + 1) * per_site {
                    let iy = g.columns[k];
                    for ix in lo..hi {
                        let a = axial[iy * nx + ix];
                        if a == 0.0 {
                            continue;
                        }
                        let sample = (k * (hi - lo) + ix - lo) * n_r;
                        let shells = &g.radii[(ix - lo) * n_r..(ix - lo + 1) * n_r];
                        for (jr, &r) in shells.iter().enumerate() {
                            // Fraction × the shell element's volume r·dθ·dr·dz.
                            let v = a * r * g.dtheta * g.dr;
                            img[g.pixels[sample + jr] as usize] += v * g.hu_per_mm3;
                            slice_mm3 += v;
                        }
                    }
                }
            }
        }
        total_mm3 += slice_mm3;
        if one_site && let Some((_, weights)) = pieces.first() {
            previous = Some((weights, slice, slice_mm3));
        }
    }
    ct.mineral_mm3 = total_mm3;
    ct
}

/// The onset delay of site `(j, i)`, h: uniform over
/// `[0, imaging.site_onset_spread_days]`, from the site's own stream of the
/// run's `seed`.
pub fn onset_delay_h(p: &ImagingParams, seed: u64, j: usize, i: usize) -> f64 {
    let mut s = Stream::new(seed, j as u64, i as u64, purpose::IMAGING_ONSET);
    p.site_onset_spread_days * 24.0 * s.uniform()
}

/// The synthetic CT of the segment at `time_h` whose sites also differ in
/// their onset: site `(j, i)` holds the wall as it was [`onset_delay_h`]
/// earlier (read from `history`; the current `patch` when the delay is 0),
/// times its factor, at most a full wall.
pub fn synthetic_ct_delayed(
    patch: &Patch,
    history: &History,
    p: &ImagingParams,
    seed: u64,
    time_h: f64,
) -> CtImage {
    let sites = Sites::of(patch, p, seed);
    let mut ct = empty_image(patch, p);
    let Some(g) = Geometry::new(patch, p, &sites, &ct) else {
        return ct;
    };
    let mut sources = Vec::with_capacity(sites.factors.len());
    for j in 0..sites.n_axial {
        for i in 0..sites.n_arc {
            sources.push(history.sources(time_h, onset_delay_h(p, seed, j, i)));
        }
    }
    let now = g.state_images(patch, patch.mineral);
    let mut needed = vec![false; history.times_h().len() + 1];
    for &(k, c) in sources.iter().flatten() {
        if c != 0.0 {
            needed[k] = true;
        }
    }
    let past: Vec<Option<Cow<StateImages>>> = (0..history.times_h().len())
        .map(|k| needed[k + 1].then(|| history.images(k, p, |m| g.state_images(patch, m))))
        .collect();
    let states: Vec<&StateImages> = std::iter::once(&now)
        .chain(past.iter().map(|s| s.as_deref().unwrap_or(&now)))
        .collect();
    g.compose(&mut ct, &sites, &states, &sources);
    ct
}

/// What [`score`] finds in a CT image.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Agatston score, Σ over slices and lesions of area (mm²) × weight.
    pub agatston: f64,
    /// Volume score, mm³ of the voxels of counted lesions.
    pub volume_mm3: f64,
    /// Mass score, mg CaHA: `c_HA × Σ HU × voxel volume` over counted lesions.
    pub mass_mg: f64,
    /// Counted lesions (a lesion in k slices counts k times).
    pub n_lesions: f64,
    /// Highest CT number of the image, HU.
    pub peak_hu: f64,
    /// Largest connected area ≥ threshold in one slice, counted or not, mm².
    pub max_lesion_area_mm2: f64,
}

/// Calcium scores of a CT image, as a scoring workstation computes them.
pub fn score(ct: &CtImage, p: &ImagingParams) -> Scores {
    let n = ct.n;
    let area_px = ct.pixel_mm * ct.pixel_mm;
    let voxel = ct.voxel_mm3();
    let mut out = Scores {
        peak_hu: ct.hu.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ..Scores::default()
    };
    let mut seen = vec![false; n * n];
    let mut stack = Vec::new();
    for k in 0..ct.n_slices {
        let img = &ct.hu[k * n * n..(k + 1) * n * n];
        seen.iter_mut().for_each(|s| *s = false);
        for start in 0..n * n {
            if seen[start] || img[start] < p.threshold_hu {
                continue;
            }
            // One lesion: 8-connected pixels at or above the threshold.
            seen[start] = true;
            stack.push(start);
            let (mut count, mut peak, mut hu_sum) = (0usize, f64::NEG_INFINITY, 0.0);
            while let Some(i) = stack.pop() {
                count += 1;
                peak = peak.max(img[i]);
                hu_sum += img[i];
                let (row, col) = (i / n, i % n);
                for dr in -1i64..=1 {
                    for dc in -1i64..=1 {
                        let (r, c) = (row as i64 + dr, col as i64 + dc);
                        if r < 0 || c < 0 || r >= n as i64 || c >= n as i64 {
                            continue;
                        }
                        let j = r as usize * n + c as usize;
                        if !seen[j] && img[j] >= p.threshold_hu {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
            let area = count as f64 * area_px;
            out.max_lesion_area_mm2 = out.max_lesion_area_mm2.max(area);
            // A relative tolerance so that exactly 1 mm² counts.
            if area >= p.min_lesion_area_mm2 * (1.0 - 1e-12) {
                out.n_lesions += 1.0;
                out.agatston += area * agatston_weight(peak);
                out.volume_mm3 += count as f64 * voxel;
                // mg/cm³/HU × HU × mm³ = 1e-3 mg.
                out.mass_mg += p.c_ha_mg_per_cm3_per_hu * hu_sum * voxel * 1e-3;
            }
        }
    }
    out
}

/// The clinical reading of a simulated wall patch scaled to the vessel
/// segment of `p`, the sites of its wall drawn from the run's `seed`. Pure:
/// depends on its arguments only.
pub fn clinical_reading(patch: &Patch, p: &ImagingParams, seed: u64) -> ClinicalRecord {
    record_of(&synthetic_ct(patch, p, seed), patch, p)
}

/// The clinical reading at `time_h` with delayed sites
/// ([`synthetic_ct_delayed`]).
pub fn clinical_reading_delayed(
    patch: &Patch,
    history: &History,
    p: &ImagingParams,
    seed: u64,
    time_h: f64,
) -> ClinicalRecord {
    record_of(
        &synthetic_ct_delayed(patch, history, p, seed, time_h),
        patch,
        p,
    )
}

/// The record of the CT image `ct` of the segment around `patch`.
fn record_of(ct: &CtImage, patch: &Patch, p: &ImagingParams) -> ClinicalRecord {
    let s = score(ct, p);
    let wall_thickness_um = patch
        .wall_range()
        .map_or(0.0, |(lo, hi)| (hi - lo) as f64 * patch.dx_um);
    ClinicalRecord {
        // The patch knows no time; `World::clinical` sets it.
        time_h: 0.0,
        agatston: s.agatston,
        volume_mm3: s.volume_mm3,
        mass_mg: s.mass_mg,
        n_lesions: s.n_lesions,
        detectable: f64::from(u8::from(s.agatston > 0.0)),
        peak_hu: s.peak_hu,
        max_lesion_area_mm2: s.max_lesion_area_mm2,
        // mm³ × mg/cm³ = 1e-3 mg.
        ha_mass_mg: ct.mineral_mm3 * HA_DENSITY_MG_PER_CM3 * 1e-3,
        wall_mineral_fraction: patch.wall_fraction(),
        wall_thickness_um,
    }
}

impl World {
    /// The clinical reading of the current wall at the world's time, the
    /// sites of the vessel drawn from the run's `seed` (`simulation.seed`;
    /// see [`clinical_reading`]).
    pub fn clinical(&self, p: &ImagingParams, seed: u64) -> ClinicalRecord {
        let patch = Patch::of(self);
        let record = if p.site_onset_spread_days > 0.0 && self.history.is_on() {
            clinical_reading_delayed(&patch, &self.history, p, seed, self.time_h())
        } else {
            clinical_reading(&patch, p, seed)
        };
        ClinicalRecord {
            time_h: self.time_h(),
            ..record
        }
    }

    /// The `/clinical` row of the current wall: [`World::clinical`] if
    /// `take`, else NaN but the time (a step without a reading, or culture
    /// mode, which has no vessel).
    pub fn clinical_record(&self, p: &ImagingParams, seed: u64, take: bool) -> ClinicalRecord {
        if take {
            self.clinical(p, seed)
        } else {
            ClinicalRecord {
                time_h: self.time_h(),
                ..ClinicalRecord::filled(f64::NAN)
            }
        }
    }
}

#[cfg(test)]
mod tests;
