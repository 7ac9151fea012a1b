//! The world: everything that evolves during a run, the solutes it holds,
//! the levels that are uniform over the tissue, and every random-stream
//! purpose of the model.

use crate::patient::PatientState;
pub use crate::purpose;
use crate::records::{BoneRecord, ClinicalRecord, SerumRecord, Summary};
use crate::scenario::params::{HA_CALCIUM_MM, HA_PI_PER_CA};
pub use crate::tissue::Systemic;
use crate::tissue::cells::Phenotype;
use crate::tissue::cells::VsmcColumns;
use vcsim_core::{CellStore, FieldStore, Lattice, Region, det_sum};

pub use crate::scenario::solutes::{
    CALCIUM, FETUIN_A, FIELD_KINDS, FIELDS, MAGNESIUM, N_SOLUTES, OPG, PHOSPHATE, PPI, RANKL, ROS,
};

/// Everything that evolves during a run.
#[derive(Debug, Clone)]
pub struct World {
    /// The voxel grid and its regions.
    pub lattice: Lattice,
    /// The solutes, [`FIELDS`] order.
    pub fields: FieldStore,
    /// The VSMCs and what remains of them.
    pub cells: CellStore<VsmcColumns>,
    /// Mineral (hydroxyapatite) volume fraction of each voxel. f64: one unit
    /// holds 31 460 mM of calcium, so f32 rounding would break mass balance.
    pub mineral: Vec<f64>,
    /// Nuclei formed in each voxel: the number of particles its mineral
    /// grows on (mineral that a front brought holds none of its own).
    pub nuclei: Vec<u32>,
    /// Culture mode: concentration of each field in the medium pool.
    pub medium: Vec<f64>,
    /// Amount of each field (concentration × voxels) that entered through
    /// the boundaries or medium changes since the start.
    pub exchanged: Vec<f64>,
    /// Uniform levels.
    pub systemic: Systemic,
    /// The patient's state (tissue mode with `boundary.lumen = "patient"`).
    pub patient: Option<PatientState>,
    /// What the lumen (and a serum outer face) holds now, per field, after
    /// partition and interventions.
    pub lumen: [f64; N_SOLUTES],
    /// The serum after the last step (`/serum`).
    pub serum: SerumRecord,
    /// The bone after the last step (`/bone`).
    pub bone: BoneRecord,
    /// Steps taken so far.
    pub step: u64,
    /// Length of a step, h.
    pub dt_h: f64,
    /// Medium volume per layer volume (culture mode), 0 in tissue mode.
    pub medium_ratio: f64,
    /// Volume of one cell in voxels (tissue: `cells.volume_um3` / voxel
    /// volume; culture: `cells.cell_volume_fraction`).
    pub cell_volume_voxels: f64,
    /// Side of the blocks `calcified_fraction` averages mineral over, µm
    /// (`mineral.calcified_block_um`).
    pub readout_block_um: f64,
    /// `mineral.cpp_half_g_per_L` (for the saturation indices of the summary).
    pub cpp_half_g_per_L: f64,
    /// `mineral.max_fraction`: a partial lamina voxel's strip holds up to this
    /// fraction of the lamina's volume before mineral is in the voxel's
    /// smooth-muscle part (see [`strip_mineral`]).
    pub max_fraction: f64,
    /// Fraction of each radial position within `mineral.calcified_block_um / 2`
    /// of a lamina's centre line (empty in culture).
    pub lamina_band: Vec<f32>,
    /// The cell territories: the voxels each cell senses and secretes into.
    pub territories: crate::territory::Territories,
    /// Protein per cell, ng (culture readout).
    pub protein_ng_per_cell: f64,
    /// The wall's past states that the imaging readout's delayed sites read
    /// (empty unless `imaging.site_onset_spread_days` > 0 in tissue mode).
    pub history: crate::history::History,
    /// Tissue: each voxel's PPi hydrolysis by its cell's TNAP this step, 1/h,
    /// written by the reactions and taken into the implicit solve of the
    /// transport (a sink there, so the steady state does not depend on dt).
    /// Not part of the state: rewritten every step.
    pub ppi_sink: Vec<f32>,
}

impl World {
    /// Simulated time now, h.
    pub fn time_h(&self) -> f64 {
        self.step as f64 * self.dt_h
    }

    /// One row of every group of [`crate::records::SERIES_GROUPS`], in
    /// order: the summary `s` of this world, its serum, its bone, and the
    /// clinical reading `clinical` (`World::clinical_record`).
    pub fn series_rows(&self, s: &Summary, clinical: &ClinicalRecord) -> [Vec<f64>; 4] {
        [
            s.values(),
            self.serum.values(),
            self.bone.values(),
            clinical.values(),
        ]
    }

    /// Summary of the current state.
    pub fn summary(&self, calcified_threshold: f64) -> Summary {
        Summary::of(self, calcified_threshold)
    }

    /// Total amount of calcium (concentration × voxels): free and
    /// particle-bound in the fields, in mineral, and in the medium pool.
    pub fn calcium_amount(&self) -> f64 {
        let n = self.lattice.len() as f64;
        let field = det_sum(self.lattice.len(), |i| {
            f64::from(self.fields.values(CALCIUM)[i])
        });
        let mineral = det_sum(self.lattice.len(), |i| self.mineral[i]) * HA_CALCIUM_MM;
        field + mineral + self.medium_ratio * n * self.medium[CALCIUM]
    }

    /// Total amount of phosphate (concentration × voxels): in the fields,
    /// in mineral, inside cells, and in the medium pool.
    pub fn phosphate_amount(&self) -> f64 {
        let n = self.lattice.len() as f64;
        let field = det_sum(self.lattice.len(), |i| {
            f64::from(self.fields.values(PHOSPHATE)[i])
        });
        let mineral =
            det_sum(self.lattice.len(), |i| self.mineral[i]) * HA_CALCIUM_MM * HA_PI_PER_CA;
        let pi_in = &self.cells.data.pi_in;
        let cells = det_sum(pi_in.len(), |i| f64::from(pi_in[i])) * self.cell_volume_voxels;
        field + mineral + cells + self.medium_ratio * n * self.medium[PHOSPHATE]
    }
}

/// The part of a voxel's mineral fraction `phi` that is in its lamina strip
/// (lamina volume fraction `lamina`): a partial lamina voxel holds its mineral
/// in the lamina first, up to `max_fraction` of the lamina's volume, as the
/// growth fronts assume (`sim::reactions`); a whole lamina voxel holds all of
/// it, a smooth-muscle voxel none.
pub fn strip_mineral(phi: f64, lamina: f64, max_fraction: f64) -> f64 {
    if lamina >= 1.0 {
        phi
    } else {
        phi.min(lamina.max(0.0) * max_fraction)
    }
}

/// The mineral fraction of a voxel within the lamina band (`band`, the
/// share of the voxel within the band, which holds the lamina): its strip's
/// mineral, and of the rest, spread evenly over the voxel's smooth-muscle
/// part, the part inside the band.
fn band_mineral(phi: f64, lamina: f64, band: f64, max_fraction: f64) -> f64 {
    let strip = strip_mineral(phi, lamina, max_fraction);
    let rest = phi - strip;
    if rest <= 0.0 || lamina >= 1.0 {
        return strip;
    }
    strip + rest * ((band - lamina).max(0.0) / (1.0 - lamina))
}

/// The `/timeseries` row of a world (the reduction lives here, next to the
/// world it reads, so that `records` depends on nothing).
impl Summary {
    /// Reduces the world; every sum has a fixed order, so the result does not
    /// depend on the thread count.
    pub fn of(w: &World, calcified_threshold: f64) -> Self {
        let region = &w.lattice.region;
        let nv = region.len();
        let d = &w.cells.data;
        let n_cells = w.cells.len();
        let count = |ph: Phenotype| det_sum(n_cells, |i| f64::from(u8::from(d.phenotype[i] == ph)));
        let viable = |i: usize| d.phenotype[i].is_viable();
        let n_viable = det_sum(n_cells, |i| f64::from(u8::from(viable(i))));
        let mean_cells = |col: &[f32]| {
            ratio(
                det_sum(n_cells, |i| if viable(i) { f64::from(col[i]) } else { 0.0 }),
                n_viable,
            )
        };
        let is_media = |i: usize| region[i] == Region::Media;
        let is_wall = |i: usize| matches!(region[i], Region::Media | Region::Lamina);
        let n_media = det_sum(nv, |i| f64::from(u8::from(is_media(i))));
        let n_wall = det_sum(nv, |i| f64::from(u8::from(is_wall(i))));
        let lat = &w.lattice;
        let lamina = |i: usize| {
            if is_wall(i) { lat.lamina_at(i) } else { 0.0 }
        };
        let n_lamina = det_sum(nv, lamina);
        let nx = lat.shape[2];
        let band = |i: usize| {
            if is_wall(i) {
                w.lamina_band.get(i % nx).map_or(0.0, |&b| f64::from(b))
            } else {
                0.0
            }
        };
        let n_band = det_sum(nv, band);
        let mineral = &w.mineral;
        let calcified = calcified_volume(w, calcified_threshold);
        let voxel_um3 = lat.voxel_um3();
        let mineral_sum = det_sum(nv, |i| mineral[i]);
        let lamina_mineral = det_sum(nv, |i| {
            if is_wall(i) {
                band_mineral(mineral[i], lat.lamina_at(i), band(i), w.max_fraction)
            } else {
                0.0
            }
        });
        let media_mean = |f: usize| {
            let v = w.fields.values(f);
            ratio(
                det_sum(nv, |i| if is_media(i) { f64::from(v[i]) } else { 0.0 }),
                n_media,
            )
        };
        let ppi_at = |ph: Phenotype| {
            let v = w.fields.values(PPI);
            let vox = w.cells.voxels();
            let n = count(ph);
            ratio(
                det_sum(n_cells, |i| {
                    if d.phenotype[i] == ph {
                        f64::from(v[vox[i] as usize])
                    } else {
                        0.0
                    }
                }),
                n,
            )
        };
        // mM · µm³ = 1e-18 mol = 1e-3 fmol.
        let fmol = voxel_um3 * 1e-3;
        // Ca in mineral: fraction × 31.46 mol/L × voxel volume, in µg (40.08 g/mol).
        let ca_ug = mineral_sum * HA_CALCIUM_MM * voxel_um3 * 1e-18 * 40.08 * 1e6;
        let protein_mg = n_cells as f64 * w.protein_ng_per_cell * 1e-6;
        Self {
            time_h: w.time_h(),
            n_contractile: count(Phenotype::Contractile),
            n_osteogenic: count(Phenotype::Osteogenic),
            n_apoptotic: count(Phenotype::Apoptotic),
            n_apoptotic_body: count(Phenotype::ApoptoticBody),
            n_calcified: count(Phenotype::Calcified),
            calcified_fraction: calcified,
            mineral_wall_fraction: ratio(mineral_sum, n_wall),
            mineral_volume_um3: mineral_sum * voxel_um3,
            lamina_mineral_share: ratio(lamina_mineral, mineral_sum),
            lamina_volume_share: ratio(n_lamina, n_wall),
            lamina_band_share: ratio(n_band, n_wall),
            mean_runx2: mean_cells(&d.runx2),
            mean_alp: mean_cells(&d.alp),
            mean_opn: mean_cells(&d.opn),
            mean_pi_in_mM: mean_cells(&d.pi_in),
            ca_deposit_ug_per_mg_protein: ratio(ca_ug, protein_mg),
            media_phosphate_mM: media_mean(PHOSPHATE),
            media_calcium_mM: media_mean(CALCIUM),
            media_si_acp: crate::tissue::chemistry::si_acp(
                media_mean(CALCIUM),
                media_mean(PHOSPHATE),
                crate::tissue::kernel::cpp_binding(media_mean(FETUIN_A), w.cpp_half_g_per_L),
            ),
            media_si_hap: crate::tissue::chemistry::si_hap(
                media_mean(CALCIUM),
                media_mean(PHOSPHATE),
                crate::tissue::kernel::cpp_binding(media_mean(FETUIN_A), w.cpp_half_g_per_L),
            ),
            media_magnesium_mM: media_mean(MAGNESIUM),
            media_ppi_uM: media_mean(PPI),
            ppi_at_osteogenic_uM: ppi_at(Phenotype::Osteogenic),
            ppi_at_contractile_uM: ppi_at(Phenotype::Contractile),
            media_fetuin_a_g_per_L: media_mean(FETUIN_A),
            media_ros_nM: media_mean(ROS),
            media_rankl_pM: media_mean(RANKL),
            media_opg_pM: media_mean(OPG),
            calcium_total_fmol: w.calcium_amount() * fmol,
            phosphate_total_fmol: w.phosphate_amount() * fmol,
            calcium_exchanged_fmol: w.exchanged[CALCIUM] * fmol,
            phosphate_exchanged_fmol: w.exchanged[PHOSPHATE] * fmol,
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Fraction of the wall's volume in calcified blocks: blocks of
/// `w.readout_block_um` a side whose mean mineral fraction reaches
/// `threshold`. The blocks tile the wall as it is physically, whatever the
/// voxel size:
///
/// - radially from the wall's inner edge to its physical outer edge, the end
///   of the external lamina (a wall of 253 µm is the same at every dx, though
///   at dx 10 its last voxel reaches 260 µm); a last piece shorter than half a
///   block joins the block before it, so no block is a sliver of lamina alone;
/// - each voxel adds its volume and mineral to the blocks it overlaps, its
///   lamina strip's mineral where the lamina is (`strip_mineral`, between the
///   voxel's `lamina_gaps`) and the rest spread over its smooth muscle;
/// - around the section and along it, by voxel centre (same rule for the
///   last piece).
///
/// Summed in voxel order (fixed), so the result does not depend on the
/// thread count.
fn calcified_volume(w: &World, threshold: f64) -> f64 {
    let l = &w.lattice;
    let [nz, ny, nx] = l.shape;
    let dx = l.dx_um;
    let is_wall = |x: usize| matches!(l.region[x], Region::Media | Region::Lamina);
    let Some(x0) = (0..nx).find(|&x| is_wall(x)) else {
        return 0.0;
    };
    let x1 = (x0..nx).find(|&x| !is_wall(x)).unwrap_or(nx);
    let block = w.readout_block_um;
    // A partial lamina voxel's smooth muscle towards the lumen and away from
    // it, µm ([0, 0] for other voxels).
    let gaps = |x: usize| l.lamina_gaps.get(x).map_or([0.0; 2], |g| g.map(f64::from));
    // Each radial voxel's pieces: [start, end) µm from the wall's inner edge
    // and the mineral (fraction × µm) they hold.
    let pieces = |x: usize, phi: f64| -> [(f64, f64, f64); 3] {
        let a = (x - x0) as f64 * dx;
        let b = a + dx;
        let f = l.lamina_at(x);
        if f <= 0.0 || f >= 1.0 {
            return [(a, b, phi * dx), (b, b, 0.0), (b, b, 0.0)];
        }
        let [g0, g1] = gaps(x);
        let strip = strip_mineral(phi, f, w.max_fraction) * dx;
        let rest = phi * dx - strip;
        let muscle = (g0 + g1).max(f64::MIN_POSITIVE);
        [
            (a, a + g0, rest * g0 / muscle),
            (a + g0, b - g1, strip),
            (b - g1, b, rest * g1 / muscle),
        ]
    };
    // The physical outer edge: the end of the last lamina (the wall's last
    // voxel when there are no laminae, as in culture).
    let wall_um = (x0..x1)
        .filter(|&x| l.lamina_at(x) > 0.0)
        .map(|x| (x - x0) as f64 * dx + dx - gaps(x)[1])
        .fold(0.0, f64::max);
    let wall_um = if wall_um > 0.0 {
        wall_um
    } else {
        (x1 - x0) as f64 * dx
    };
    let blocks = |len: f64| ((len / block).round() as usize).max(1);
    // A 2D section is one block deep.
    let (bx, by, bz) = (
        blocks(wall_um),
        blocks(ny as f64 * dx),
        if nz > 1 { blocks(nz as f64 * dx) } else { 1 },
    );
    let index = |um: f64, n: usize| ((um / block).floor() as usize).min(n - 1);
    let mut volume = vec![0.0f64; bz * by * bx];
    let mut mineral = vec![0.0f64; bz * by * bx];
    for z in 0..nz {
        let kz = index((z as f64 + 0.5) * dx, bz);
        for y in 0..ny {
            let ky = index((y as f64 + 0.5) * dx, by);
            let row = (kz * by + ky) * bx;
            for x in x0..x1 {
                let phi = w.mineral[l.index(z, y, x)];
                for (s, e, m) in pieces(x, phi) {
                    let e_in = e.min(wall_um);
                    if e_in <= s {
                        continue;
                    }
                    let (first, last) = (index(s, bx), index(e_in - 1e-9 * dx, bx));
                    for k in first..=last {
                        let lo = if k == 0 { 0.0 } else { k as f64 * block };
                        let hi = if k + 1 == bx {
                            wall_um
                        } else {
                            (k + 1) as f64 * block
                        };
                        let o = e_in.min(hi) - s.max(lo);
                        if o > 0.0 {
                            volume[row + k] += o;
                            mineral[row + k] += m * o / (e - s);
                        }
                    }
                }
            }
        }
    }
    // Folds from +0 (an empty `sum` of f64 is −0).
    let total = volume.iter().fold(0.0, |acc, &v| acc + v);
    let calcified = volume
        .iter()
        .zip(&mineral)
        .filter(|&(&v, &m)| v > 0.0 && m >= threshold * v)
        .fold(0.0, |acc, (&v, _)| acc + v);
    ratio(calcified, total)
}
