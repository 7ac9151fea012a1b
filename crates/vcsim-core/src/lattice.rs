//! The lattice: a regular grid of cubic voxels over a patch of arterial wall.
//!
//! Axes: `x` is radial (depth from the lumen, x = 0 is the lumen surface), `y`
//! is circumferential (periodic), `z` is axial (periodic; absent in 2D).
//! Storage order is `[z][y][x]` with x fastest, so a radial line is contiguous.

use std::fmt;

/// Which tissue a voxel belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Region {
    /// The endothelial layer facing the lumen.
    Endothelium = 0,
    /// An elastic lamina (internal, inter-lamellar or external).
    Lamina = 1,
    /// A smooth-muscle layer of the media, between two laminae.
    Media = 2,
    /// The adventitia, outside the external elastic lamina.
    Adventitia = 3,
}

impl Region {
    /// All regions in code order.
    pub const ALL: [Region; 4] = [
        Region::Endothelium,
        Region::Lamina,
        Region::Media,
        Region::Adventitia,
    ];

    /// Lower-case name used in files and configs.
    pub fn name(self) -> &'static str {
        match self {
            Region::Endothelium => "endothelium",
            Region::Lamina => "lamina",
            Region::Media => "media",
            Region::Adventitia => "adventitia",
        }
    }
}

/// Geometry of the wall patch, in µm. Built into a [`Lattice`] by
/// [`Lattice::from_wall`].
#[derive(Debug, Clone, PartialEq)]
pub struct WallGeometry {
    /// 2 (a cross-section: radial × circumferential) or 3 (plus axial).
    pub ndim: usize,
    /// Voxel edge length, µm.
    pub dx_um: f64,
    /// Thickness of the endothelial layer, µm (at least one voxel is used:
    /// it carries the lumen boundary).
    pub endothelium_um: f64,
    /// Number of lamellar units (an elastic lamina plus a smooth-muscle layer).
    pub lamellar_units: usize,
    /// Thickness of one lamellar unit, µm.
    pub lamellar_unit_um: f64,
    /// Thickness of one elastic lamina, µm (kept as a volume fraction of the
    /// voxels it crosses, so it need not be a whole number of voxels).
    pub lamina_um: f64,
    /// Thickness of the adventitia, µm.
    pub adventitia_um: f64,
    /// Extent along the circumference, µm (periodic).
    pub circumference_um: f64,
    /// Extent along the vessel axis, µm (periodic; ignored in 2D).
    pub axial_um: f64,
    /// Thickness of the slab a 2D section stands for, µm (ignored in 3D,
    /// where a voxel is `dx_um` deep).
    pub section_um: f64,
}

/// Why a geometry cannot be built.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryError(pub String);

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GeometryError {}

/// The voxel grid and the tissue region of every voxel.
#[derive(Debug, Clone, PartialEq)]
pub struct Lattice {
    /// 2 or 3.
    pub ndim: usize,
    /// `[nz, ny, nx]`; `nz == 1` in 2D.
    pub shape: [usize; 3],
    /// Voxel edge length, µm.
    pub dx_um: f64,
    /// Region code of every voxel, `[z][y][x]` order: the region that holds
    /// most of the voxel's volume.
    pub region: Vec<Region>,
    /// Depth of a voxel across the section, µm: `dx_um` in 3D, the section
    /// thickness in 2D.
    pub depth_um: f64,
    /// Volume fraction of elastic lamina in each radial position `x` (the
    /// wall is the same along y and z): a lamina of 3 µm is 0.3 of a 10 µm
    /// voxel, one whole voxel and a fifth of the next at 2.5 µm. Empty for a
    /// lattice without a wall.
    pub lamina_fraction: Vec<f32>,
    /// Where the lamina sits in each radial position `x` whose voxel it fills
    /// only in part (0 < `lamina_fraction` < 1): the smooth muscle between
    /// the lamina and the voxel's face towards the lumen and away from it, µm
    /// (0 where the lamina touches the face; `[0, 0]` for other voxels). The
    /// mineral model keeps such a voxel's mineral in its lamina strip first
    /// (a sheet of the lamina's thickness, not the whole voxel) and grows it
    /// from there across these gaps. Empty for a lattice without a wall.
    pub lamina_gaps: Vec<[f32; 2]>,
    /// The lamellar unit (0 at the lumen) whose smooth-muscle layer holds
    /// radial position `x`, or [`NO_UNIT`] outside the media. Empty for a
    /// lattice without a wall.
    pub unit: Vec<u32>,
}

/// [`Lattice::unit`] of a radial position outside the media.
pub const NO_UNIT: u32 = u32::MAX;

/// Largest number of voxels a lattice may have (keeps indices in `u32`).
pub const MAX_VOXELS: usize = u32::MAX as usize - 1;

impl Lattice {
    /// A lattice of the given shape whose every voxel is `fill`; used by tests
    /// and benchmarks that need no wall structure.
    pub fn uniform(ndim: usize, shape: [usize; 3], dx_um: f64, fill: Region) -> Self {
        let n = shape.iter().product();
        Self {
            ndim,
            shape,
            dx_um,
            region: vec![fill; n],
            depth_um: dx_um,
            lamina_fraction: Vec::new(),
            lamina_gaps: Vec::new(),
            unit: Vec::new(),
        }
    }

    /// Volume of one voxel, µm³: `dx² · depth`.
    pub fn voxel_um3(&self) -> f64 {
        self.dx_um * self.dx_um * self.depth_um
    }

    /// Lamina volume fraction of voxel `i` (0 without a wall).
    #[inline]
    pub fn lamina_at(&self, i: usize) -> f64 {
        self.lamina_fraction
            .get(i % self.shape[2])
            .map_or(0.0, |&f| f64::from(f))
    }

    /// Builds the wall: endothelium at the lumen, then `lamellar_units` times an
    /// elastic lamina followed by a smooth-muscle layer, then the external
    /// elastic lamina, then the adventitia.
    pub fn from_wall(g: &WallGeometry) -> Result<Self, GeometryError> {
        if g.ndim != 2 && g.ndim != 3 {
            return Err(GeometryError(format!(
                "ndim must be 2 or 3, got {}",
                g.ndim
            )));
        }
        let positive = [
            ("dx_um", g.dx_um),
            ("lamellar_unit_um", g.lamellar_unit_um),
            ("lamina_um", g.lamina_um),
            ("circumference_um", g.circumference_um),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(GeometryError(format!("{name} must be > 0, got {v}")));
            }
        }
        if g.lamina_um >= g.lamellar_unit_um {
            return Err(GeometryError(format!(
                "lamina_um ({}) must be smaller than lamellar_unit_um ({})",
                g.lamina_um, g.lamellar_unit_um
            )));
        }
        if g.ndim == 2 && !(g.section_um.is_finite() && g.section_um > 0.0) {
            return Err(GeometryError(format!(
                "section_um must be > 0, got {}",
                g.section_um
            )));
        }
        let dx = g.dx_um;
        let vox = |um: f64| ((um / dx).round() as usize).max(1);
        // Radial profile by physical position: the endothelium keeps at least
        // one voxel (it carries the lumen boundary); the wall (laminae and
        // smooth-muscle layers) spans `units · unit + lamina` µm from there,
        // each voxel taking the region that holds most of it and keeping its
        // lamina volume fraction; then the adventitia.
        let mut radial = vec![Region::Endothelium; vox(g.endothelium_um)];
        let mut lamina_fraction = vec![0.0f32; radial.len()];
        let mut lamina_gaps = vec![[0.0f32; 2]; radial.len()];
        let mut unit = vec![NO_UNIT; radial.len()];
        let u = g.lamellar_unit_um;
        let wall_um = g.lamellar_units as f64 * u + g.lamina_um;
        let mut n_wall = ((wall_um / dx).round() as usize).max(1);
        // Rounding down would cut the external lamina: keep a last voxel for
        // it (a lamina voxel whatever its fraction).
        let cut = (n_wall as f64) * dx < wall_um - 1e-9;
        if cut {
            n_wall += 1;
        }
        for i in 0..n_wall {
            let (a, b) = (i as f64 * dx, (i + 1) as f64 * dx);
            // Laminae at [k·u, k·u + lamina) for k = 0..=units.
            let first = (a / u).floor().max(0.0) as usize;
            let last = ((b / u).floor() as usize).min(g.lamellar_units);
            let mut overlap = 0.0;
            let mut gaps = [0.0f32; 2];
            for k in first..=last {
                let lo = k as f64 * u;
                let hi = lo + g.lamina_um;
                let o = (b.min(hi) - a.max(lo)).max(0.0);
                if o <= 1e-9 * dx {
                    continue;
                }
                overlap += o;
                gaps = [(lo - a).max(0.0) as f32, (b - hi).max(0.0) as f32];
            }
            let f = (overlap / dx).min(1.0);
            lamina_fraction.push(f as f32);
            lamina_gaps.push(if f > 0.0 && f < 1.0 { gaps } else { [0.0; 2] });
            if f >= 0.5 || (cut && i + 1 == n_wall) {
                radial.push(Region::Lamina);
                unit.push(NO_UNIT);
            } else {
                radial.push(Region::Media);
                let centre = 0.5 * (a + b);
                unit.push(((centre / u).floor() as u32).min(g.lamellar_units as u32 - 1));
            }
        }
        if g.adventitia_um > 0.0 {
            let n = vox(g.adventitia_um);
            radial.extend(std::iter::repeat_n(Region::Adventitia, n));
            lamina_fraction.extend(std::iter::repeat_n(0.0, n));
            lamina_gaps.extend(std::iter::repeat_n([0.0; 2], n));
            unit.extend(std::iter::repeat_n(NO_UNIT, n));
        }
        let nx = radial.len();
        let ny = vox(g.circumference_um);
        let nz = if g.ndim == 3 { vox(g.axial_um) } else { 1 };
        if ny < 3 || (g.ndim == 3 && nz < 3) {
            return Err(GeometryError(format!(
                "periodic axes need at least 3 voxels; circumference_um / dx_um gives {ny}{}",
                if g.ndim == 3 {
                    format!(", axial_um / dx_um gives {nz}")
                } else {
                    String::new()
                }
            )));
        }
        let total = nx.checked_mul(ny).and_then(|v| v.checked_mul(nz));
        match total {
            Some(t) if t <= MAX_VOXELS => {}
            _ => {
                return Err(GeometryError(format!(
                    "the lattice {nx} x {ny} x {nz} has more than {MAX_VOXELS} voxels"
                )));
            }
        }
        let mut region = Vec::with_capacity(nx * ny * nz);
        for _ in 0..ny * nz {
            region.extend_from_slice(&radial);
        }
        Ok(Self {
            ndim: g.ndim,
            shape: [nz, ny, nx],
            dx_um: dx,
            region,
            depth_um: if g.ndim == 3 { dx } else { g.section_um },
            lamina_fraction,
            lamina_gaps,
            unit,
        })
    }

    /// Total number of voxels.
    pub fn len(&self) -> usize {
        self.region.len()
    }

    /// True if the lattice has no voxel.
    pub fn is_empty(&self) -> bool {
        self.region.is_empty()
    }

    /// Linear index of voxel `(z, y, x)`.
    #[inline]
    pub fn index(&self, z: usize, y: usize, x: usize) -> usize {
        (z * self.shape[1] + y) * self.shape[2] + x
    }

    /// `(z, y, x)` of a linear index.
    #[inline]
    pub fn coords(&self, i: usize) -> (usize, usize, usize) {
        let nx = self.shape[2];
        let ny = self.shape[1];
        (i / (nx * ny), (i / nx) % ny, i % nx)
    }

    /// Number of voxels in each region, in [`Region::ALL`] order.
    pub fn region_counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for r in &self.region {
            c[*r as usize] += 1;
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall() -> WallGeometry {
        WallGeometry {
            ndim: 2,
            dx_um: 5.0,
            endothelium_um: 5.0,
            lamellar_units: 3,
            lamellar_unit_um: 20.0,
            lamina_um: 3.0,
            adventitia_um: 10.0,
            circumference_um: 50.0,
            axial_um: 0.0,
            section_um: 10.0,
        }
    }

    #[test]
    fn wall_layers_in_order() {
        let l = Lattice::from_wall(&wall()).expect("valid");
        // 1 endothelium + 63 µm of wall (13 voxels) + 2 adventitia. Laminae
        // at 0–3, 20–23, 40–43, 60–63 µm: 0.6 of voxels 0, 4, 8, 12 of the
        // wall, so those are lamina voxels.
        assert_eq!(l.shape, [1, 10, 16]);
        let radial: Vec<u8> = l.region[..16].iter().map(|r| *r as u8).collect();
        assert_eq!(radial, vec![0, 1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 3, 3]);
        assert_eq!(l.region_counts(), [10, 40, 90, 20]);
        // Every circumferential row repeats the radial profile.
        assert_eq!(&l.region[16 * 7..16 * 8], &l.region[..16]);
        assert_eq!(l.lamina_at(1), 0.6f32 as f64);
        assert_eq!(l.lamina_at(2), 0.0);
        assert_eq!(l.unit[2..5], [0, 0, 0]);
        assert_eq!(l.unit[10..13], [2, 2, 2]);
        assert_eq!(l.voxel_um3(), 250.0);
    }

    /// A lamina that fills its voxel in part records the smooth muscle
    /// between it and the voxel's faces.
    #[test]
    fn partial_laminae_record_their_gaps() {
        let mut g = wall();
        g.lamellar_unit_um = 25.0;
        g.endothelium_um = 10.0;
        g.circumference_um = 40.0;
        g.dx_um = 10.0;
        let l = Lattice::from_wall(&g).expect("wall");
        let x0 = (0..l.shape[2])
            .find(|&x| l.lamina_at(x) > 0.0)
            .expect("a lamina");
        // [0, 10): the lamina at 0–3 touches the lumen side, 7 µm beyond it.
        assert_eq!(l.lamina_gaps[x0], [0.0, 7.0]);
        // [20, 30): the lamina at 25–28, 5 µm and 2 µm from the faces.
        assert_eq!(l.lamina_gaps[x0 + 2], [5.0, 2.0]);
        assert_eq!(l.lamina_gaps[x0 + 1], [0.0, 0.0]);
        g.dx_um = 2.5;
        let l = Lattice::from_wall(&g).expect("wall");
        let x0 = (0..l.shape[2])
            .find(|&x| l.lamina_at(x) > 0.0)
            .expect("a lamina");
        // [25, 27.5) is all lamina; [27.5, 30) holds its last 0.5 µm.
        assert_eq!(l.lamina_fraction[x0 + 10], 1.0);
        assert_eq!(l.lamina_gaps[x0 + 10], [0.0, 0.0]);
        assert_eq!(l.lamina_gaps[x0 + 11], [0.0, 2.0]);
    }

    /// The lamina volume is that of the geometry at every dx, whole voxels
    /// or not.
    #[test]
    fn lamina_volume_is_the_geometrys_at_every_dx() {
        for dx in [10.0, 5.0, 2.5, 1.25, 1.0] {
            let mut g = wall();
            g.dx_um = dx;
            g.circumference_um = 40.0;
            let l = Lattice::from_wall(&g).expect("valid");
            let lamina_um: f64 = l.lamina_fraction.iter().map(|&f| f64::from(f)).sum::<f64>() * dx;
            assert!((lamina_um - 12.0).abs() < 1e-4, "dx {dx}: {lamina_um}");
        }
    }

    #[test]
    fn three_d_and_indexing() {
        let mut g = wall();
        g.ndim = 3;
        g.axial_um = 15.0;
        let l = Lattice::from_wall(&g).expect("valid");
        assert_eq!(l.shape, [3, 10, 16]);
        for i in [0, 17, 159, l.len() - 1] {
            let (z, y, x) = l.coords(i);
            assert_eq!(l.index(z, y, x), i);
        }
    }

    #[test]
    fn bad_geometry_is_an_error() {
        let mut g = wall();
        g.lamina_um = 25.0;
        assert!(Lattice::from_wall(&g).is_err());
        let mut g = wall();
        g.circumference_um = 5.0;
        let e = Lattice::from_wall(&g).expect_err("too few voxels");
        assert!(e.0.contains("at least 3"), "{e}");
        let mut g = wall();
        g.dx_um = f64::NAN;
        assert!(Lattice::from_wall(&g).is_err());
    }
}
