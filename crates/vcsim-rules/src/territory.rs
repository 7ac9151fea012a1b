//! Cell territories: the voxels each VSMC senses and secretes into.
//!
//! A cell is a biological object, not a voxel: in tissue its territory is a
//! block of a smooth-muscle layer of volume ≈ 1/`cells.density_per_mm3`
//! (the radial extent of one lamellar unit's muscle layer, as many voxels
//! along the circumference — and the axis in 3D — as that volume needs). A
//! cell senses the mean of its territory's fields, spreads its Pi uptake,
//! secretion and nucleation sites over it, and is stored at the territory's
//! first voxel (its anchor). So the number of cells per volume, and what
//! each cell exchanges with the tissue, do not depend on the voxel size.
//!
//! In culture a voxel is one cell's footprint on the dish: every voxel is
//! its own territory (`geometry.cell_fill`, `cells.cell_volume_fraction`).

use vcsim_core::{Lattice, NO_UNIT, Region};

/// [`Territories::of_voxel`] of a voxel no cell owns.
pub const NO_TERRITORY: u32 = u32::MAX;

/// The territories of a lattice.
#[derive(Debug, Clone, PartialEq)]
pub struct Territories {
    /// The territory of each voxel, or [`NO_TERRITORY`].
    pub of_voxel: Vec<u32>,
    /// Voxels in each territory.
    pub size: Vec<u32>,
    /// The first voxel (storage order) of each territory: where its cell is
    /// stored. Increasing with the territory index.
    pub anchor: Vec<u32>,
    /// The mean voxel index `[z, y, x]` of each territory: where its cell is
    /// reported (`/cells`), inside the territory.
    pub centre: Vec<[f64; 3]>,
}

impl Territories {
    /// Every media voxel its own territory (culture; a lattice without a wall).
    pub fn voxels(lattice: &Lattice) -> Self {
        let mut of_voxel = vec![NO_TERRITORY; lattice.len()];
        let mut anchor = Vec::new();
        for (v, r) in lattice.region.iter().enumerate() {
            if *r == Region::Media {
                of_voxel[v] = anchor.len() as u32;
                anchor.push(v as u32);
            }
        }
        let size = vec![1; anchor.len()];
        Self {
            of_voxel,
            size,
            anchor,
            centre: Vec::new(),
        }
        .with_centres(lattice)
    }

    /// The territories of a wall for `density_per_mm3` cells in smooth-muscle
    /// layers of `media_um`: each spans the media voxels of one lamellar unit
    /// radially and an equal share of the circumference (and the axis, 3D).
    /// Their number along each axis is the axis's length over the side that
    /// gives a layer's block the volume 1/density (rounded, at least one), a
    /// physical length: so the number of territories, one cell's each, does
    /// not depend on dx. The voxels of an axis are shared out as evenly as
    /// whole voxels allow.
    pub fn wall(lattice: &Lattice, density_per_mm3: f64, media_um: f64) -> Self {
        if lattice.unit.is_empty() {
            return Self::voxels(lattice);
        }
        let [nz, ny, nx] = lattice.shape;
        let dx = lattice.dx_um;
        let target_um3 = 1e9 / density_per_mm3;
        // The territory's extent along the circumference (and axis).
        let side_um = if lattice.ndim == 3 {
            (target_um3 / media_um).sqrt()
        } else {
            target_um3 / (media_um * lattice.depth_um)
        };
        let blocks =
            |n_vox: usize| ((n_vox as f64 * dx / side_um).round() as usize).clamp(1, n_vox);
        let (ny_b, nz_b) = (blocks(ny), if nz > 1 { blocks(nz) } else { 1 });
        let units = lattice
            .unit
            .iter()
            .filter(|&&u| u != NO_UNIT)
            .max()
            .map_or(0, |&u| u as usize + 1);
        let n_terr = units * ny_b * nz_b;
        let mut of_voxel = vec![NO_TERRITORY; lattice.len()];
        let mut size = vec![0u32; n_terr];
        let mut anchor = vec![u32::MAX; n_terr];
        for z in 0..nz {
            // Block `b` of an axis of `len` voxels in `k` blocks holds
            // voxels [⌈b·len/k⌉, ⌈(b+1)·len/k⌉).
            let zb = if nz > 1 { z * nz_b / nz } else { 0 };
            for y in 0..ny {
                let yb = y * ny_b / ny;
                for x in 0..nx {
                    let u = lattice.unit[x];
                    let v = lattice.index(z, y, x);
                    if u == NO_UNIT || lattice.region[v] != Region::Media {
                        continue;
                    }
                    let t = (zb * ny_b + yb) * units + u as usize;
                    of_voxel[v] = t as u32;
                    size[t] += 1;
                    if anchor[t] == u32::MAX {
                        anchor[t] = v as u32;
                    }
                }
            }
        }
        // Every (unit, block) holds media voxels; drop any that does not so
        // that the indices stay dense and anchors increasing.
        let mut remap = vec![NO_TERRITORY; n_terr];
        let mut kept = Self {
            of_voxel: Vec::new(),
            size: Vec::new(),
            anchor: Vec::new(),
            centre: Vec::new(),
        };
        let mut order: Vec<usize> = (0..n_terr).filter(|&t| size[t] > 0).collect();
        order.sort_by_key(|&t| anchor[t]);
        for t in order {
            remap[t] = kept.size.len() as u32;
            kept.size.push(size[t]);
            kept.anchor.push(anchor[t]);
        }
        kept.of_voxel = of_voxel
            .into_iter()
            .map(|t| {
                if t == NO_TERRITORY {
                    t
                } else {
                    remap[t as usize]
                }
            })
            .collect();
        kept.with_centres(lattice)
    }

    /// Sets [`Territories::centre`] from the voxels of each territory.
    fn with_centres(mut self, lattice: &Lattice) -> Self {
        let mut sum = vec![[0.0f64; 3]; self.size.len()];
        for (v, &t) in self.of_voxel.iter().enumerate() {
            if t != NO_TERRITORY {
                let (z, y, x) = lattice.coords(v);
                let s = &mut sum[t as usize];
                s[0] += z as f64;
                s[1] += y as f64;
                s[2] += x as f64;
            }
        }
        self.centre = sum
            .iter()
            .zip(&self.size)
            .map(|(s, &n)| {
                let n = f64::from(n.max(1));
                [s[0] / n, s[1] / n, s[2] / n]
            })
            .collect();
        self
    }

    /// Number of territories.
    pub fn len(&self) -> usize {
        self.size.len()
    }

    /// True if there is no territory.
    pub fn is_empty(&self) -> bool {
        self.size.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vcsim_core::WallGeometry;

    fn wall(dx: f64) -> Lattice {
        Lattice::from_wall(&WallGeometry {
            ndim: 2,
            dx_um: dx,
            endothelium_um: 5.0,
            lamellar_units: 4,
            lamellar_unit_um: 25.0,
            lamina_um: 3.0,
            adventitia_um: 10.0,
            circumference_um: 400.0,
            axial_um: 0.0,
            section_um: 10.0,
        })
        .expect("valid")
    }

    /// Territories tile the media, their anchors increase, and their mean
    /// volume is about 1/density at every dx.
    #[test]
    fn territories_tile_the_media_with_the_cell_volume_at_every_dx() {
        for dx in [10.0, 5.0, 2.5, 1.25] {
            let l = wall(dx);
            let t = Territories::wall(&l, 2.0e5, 22.0);
            let media = l.region.iter().filter(|&&r| r == Region::Media).count();
            assert_eq!(t.size.iter().map(|&s| s as usize).sum::<usize>(), media);
            assert!(t.anchor.windows(2).all(|w| w[0] < w[1]));
            for (i, &a) in t.anchor.iter().enumerate() {
                assert_eq!(t.of_voxel[a as usize], i as u32);
            }
            // 4 units × round(400 / (5000 / (22 · 10))) = 4 × 18 territories
            // at every dx: one cell's share of the muscle, 5000 µm³ (the
            // media voxels hold more or less than the 22 µm layers).
            assert_eq!(t.len(), 72, "dx {dx}");
            // A territory's centre lies in its own voxels.
            for (i, c) in t.centre.iter().enumerate() {
                let v = l.index(c[0] as usize, (c[1] + 0.5) as usize, (c[2] + 0.5) as usize);
                assert_eq!(
                    t.of_voxel[v], i as u32,
                    "dx {dx}: territory {i} centre {c:?}"
                );
            }
            let muscle_um3: f64 = 4.0 * 22.0 * 400.0 * 10.0 / 72.0;
            assert!((muscle_um3 - 5000.0).abs() < 0.03 * 5000.0);
        }
    }
}
