//! Building a simulation from a scenario: the lattice, the solutes' specs,
//! what the environment supplies, and the initial cells.

use crate::error::BuildError;
use crate::patient::SerumLevels;
use crate::records::{BoneRecord, SerumRecord};
use crate::scenario::{LumenBoundary, Mode, OuterBoundary, Scenario};
use crate::territory::Territories;
use crate::tissue::cells::{Phenotype, VsmcColumns, VsmcRow, draw_pit1};
use crate::world::*;
use vcsim_core::{
    Boundary, CellStore, FieldKind, FieldSpec, Lattice, Region, Stream, WallGeometry,
};

/// The constant serum of `[serum]` as levels.
pub(super) fn clamped_levels(s: &Scenario) -> SerumLevels {
    let v = &s.serum;
    SerumLevels {
        pi_mM: v.phosphate_mM,
        ca_mM: v.calcium_mM,
        mg_mM: v.magnesium_mM,
        ppi_uM: v.ppi_uM,
        fetuin_a_g_per_L: v.fetuin_a_g_per_L,
        pth_pg_per_mL: v.pth_pg_per_mL,
        toxin_uM: v.indoxyl_sulfate_uM,
        ..SerumLevels::default()
    }
}

/// Concentrations the environment supplies (lumen or fresh medium), per
/// field, after interventions, with the constant `[serum]` in tissue mode.
/// Calcium is the ionized calcium: in tissue the serum's total Ca times
/// `patient.body.ca_ionized_fraction` (protein-bound Ca does not cross the
/// endothelium as free ion); in culture the medium's Ca times
/// `culture.ca_ionized_fraction`. ROS is produced in the tissue, never
/// supplied.
pub fn supply(s: &Scenario) -> [f64; N_SOLUTES] {
    supply_from(s, &clamped_levels(s))
}

/// As [`supply`], with the serum `v` (tissue mode).
pub fn supply_from(s: &Scenario, v: &SerumLevels) -> [f64; N_SOLUTES] {
    let iv = &s.interventions;
    // Indexed by solute, so the tuple of old cannot be reordered by mistake;
    // ROS is produced in the wall and stays 0.
    let mut out = [0.0; N_SOLUTES];
    match s.mode {
        Mode::Tissue => {
            let t = &s.solutes;
            out[PHOSPHATE] = v.pi_mM * t.phosphate.partition;
            out[CALCIUM] = v.ca_mM * s.patient.body.ca_ionized_fraction * t.calcium.partition;
            out[MAGNESIUM] = (v.mg_mM + iv.magnesium_extra_mM) * t.magnesium.partition;
            out[PPI] = (v.ppi_uM + iv.exogenous_ppi_uM) * t.ppi.partition;
            out[FETUIN_A] = v.fetuin_a_g_per_L * iv.fetuin_a_expression * t.fetuin_a.partition;
            out[OPG] = s.serum.opg_pM * iv.opg_expression * t.opg.partition;
            out[RANKL] = s.serum.rankl_pM * t.rankl.partition;
        }
        Mode::Culture => {
            let c = &s.culture;
            out[PHOSPHATE] = c.phosphate_mM;
            out[CALCIUM] = c.calcium_mM * c.ca_ionized_fraction;
            out[MAGNESIUM] = c.magnesium_mM + iv.magnesium_extra_mM;
            out[PPI] = c.ppi_uM + iv.exogenous_ppi_uM;
            out[FETUIN_A] = c.fetuin_a_g_per_L * iv.fetuin_a_expression;
            out[OPG] = c.opg_pM;
            out[RANKL] = c.rankl_pM;
        }
    }
    out
}

/// The uniform levels with the serum `v` (tissue mode) or the medium (culture).
pub(super) fn systemic(s: &Scenario, v: &SerumLevels) -> Systemic {
    let iv = &s.interventions;
    let (pth, toxin, vitamin_d) = match s.mode {
        Mode::Tissue => (v.pth_pg_per_mL, v.toxin_uM, v.active_vitamin_d_rel),
        Mode::Culture => (s.culture.pth_pg_per_mL, s.culture.indoxyl_sulfate_uM, 0.0),
    };
    Systemic {
        pth_pg_per_mL: pth,
        toxin_uM: toxin,
        bisphosphonate_uM: iv.bisphosphonate_uM + v.bisphosphonate_uM,
        denosumab_nM: iv.denosumab_nM + v.denosumab_nM,
        h2o2_ros_nM: iv.h2o2_uM * iv.h2o2_ros_nM_per_uM,
        calcimimetic: v.calcimimetic,
        antioxidant: v.antioxidant,
        active_vitamin_d_rel: vitamin_d,
    }
}

/// The serum record of a run without the patient model: the constant
/// `[serum]` (tissue) with its T50, or nothing (culture); unknowns are NaN.
pub(super) fn fixed_serum_record(s: &Scenario, t_h: f64) -> SerumRecord {
    let mut r = SerumRecord {
        time_h: t_h,
        ..SerumRecord::filled(f64::NAN)
    };
    if s.mode == Mode::Tissue {
        let v = &s.serum;
        r.pi_mM = v.phosphate_mM;
        r.ca_mM = v.calcium_mM;
        r.ica_mM = s.patient.body.ca_ionized_fraction * v.calcium_mM;
        r.pth_pg_mL = v.pth_pg_per_mL;
        r.fetuin_a_g_L = v.fetuin_a_g_per_L;
        r.ppi_uM = v.ppi_uM;
        r.mg_mM = v.magnesium_mM;
        r.indoxyl_sulfate_uM = v.indoxyl_sulfate_uM;
        r.t50_min = crate::patient::t50_min(
            v.phosphate_mM,
            v.calcium_mM,
            v.magnesium_mM,
            v.fetuin_a_g_per_L,
            v.ppi_uM,
            &s.patient.inhibitors,
            s.mineral.cpp_half_g_per_L,
        );
    }
    r
}

/// The bone record of a run without the patient model: NaN but the time.
pub(super) fn no_bone_record(t_h: f64) -> BoneRecord {
    BoneRecord {
        time_h: t_h,
        ..BoneRecord::filled(f64::NAN)
    }
}

pub(super) fn field_specs(s: &Scenario, initial: &[f64; N_SOLUTES]) -> Vec<FieldSpec> {
    let lumen = match s.boundary.lumen {
        LumenBoundary::Patient | LumenBoundary::Serum => Boundary::Dirichlet,
        LumenBoundary::Closed => Boundary::NoFlux,
    };
    let outer = match s.boundary.outer {
        OuterBoundary::NoFlux => Boundary::NoFlux,
        OuterBoundary::Serum => Boundary::Dirichlet,
    };
    FIELDS
        .iter()
        .enumerate()
        .map(|(f, (name, unit))| {
            let quasi_steady = FIELD_KINDS[f] == FieldKind::QuasiSteady;
            let x = match s.mode {
                Mode::Tissue if !quasi_steady => [lumen, outer],
                // A monolayer is periodic in both directions.
                Mode::Culture => [Boundary::Periodic; 2],
                Mode::Tissue => [Boundary::NoFlux; 2],
            };
            // In culture the medium mixes ions and proteins; only ROS spreads
            // by diffusion over its short range.
            let d = if s.mode == Mode::Culture && !quasi_steady {
                0.0
            } else {
                s.solutes.transport(f).0
            };
            FieldSpec {
                name: (*name).into(),
                unit: (*unit).into(),
                diffusion_um2_per_h: d,
                decay_per_h: s.solutes.transport(f).1,
                boundary: [x, [Boundary::Periodic; 2], [Boundary::Periodic; 2]],
                initial: initial[f],
                kind: FIELD_KINDS[f],
            }
        })
        .collect()
}

pub(super) fn lattice(s: &Scenario) -> Result<Lattice, BuildError> {
    let g = &s.geometry;
    match s.mode {
        Mode::Culture => {
            let n = ((s.culture.side_um / g.dx_um).round() as usize).max(3);
            Ok(Lattice::uniform(2, [1, n, n], g.dx_um, Region::Media))
        }
        Mode::Tissue => Lattice::from_wall(&WallGeometry {
            ndim: g.ndim,
            dx_um: g.dx_um,
            endothelium_um: g.endothelium_um,
            lamellar_units: g.lamellar_units,
            lamellar_unit_um: g.lamellar_unit_um,
            lamina_um: g.lamina_um,
            adventitia_um: g.adventitia_um,
            circumference_um: g.circumference_um,
            axial_um: g.axial_um,
            section_um: g.section_um,
        })
        .map_err(|e| BuildError::Geometry(e.to_string())),
    }
}

/// The cell territories of the scenario's lattice: a wall's blocks of
/// about 1/`cells.density_per_mm3` (tissue), every voxel (culture).
pub(super) fn territories(lattice: &Lattice, s: &Scenario) -> Territories {
    match s.mode {
        Mode::Culture => Territories::voxels(lattice),
        Mode::Tissue => {
            let g = &s.geometry;
            Territories::wall(
                lattice,
                s.cells.density_per_mm3,
                g.lamellar_unit_um - g.lamina_um,
            )
        }
    }
}

/// A cell's volume in voxels: `cells.volume_um3 / V_vox` (tissue),
/// `cells.cell_volume_fraction` (culture, a voxel being one cell's footprint).
pub(super) fn cell_volume_voxels(lattice: &Lattice, s: &Scenario) -> f64 {
    match s.mode {
        Mode::Culture => s.cells.cell_volume_fraction,
        Mode::Tissue => s.cells.volume_um3 / lattice.voxel_um3(),
    }
}

/// Puts a contractile VSMC in each territory (tissue: a territory is one
/// cell's share of the smooth muscle, 1/`cells.density_per_mm3`) or in each
/// voxel with probability `geometry.cell_fill` (culture), at the territory's anchor voxel, each with a log-normal PiT-1
/// expression of mean 1 and its intracellular Pi at equilibrium with the
/// supplied Pi.
pub(super) fn place_cells(
    lattice: &Lattice,
    territories: &Territories,
    s: &Scenario,
    supplied: &[f64; N_SOLUTES],
    seed: u64,
) -> CellStore<VsmcColumns> {
    let mut cells = CellStore::new(lattice.len());
    // The cell rules' own PiT-1 and uptake (one implementation).
    let rules = crate::tissue::kernel::Rules::reference(
        &s.cells,
        &s.mineral,
        &s.interventions,
        &s.binding,
        &crate::tissue::Systemic::NONE,
        s.simulation.dt_h,
    );
    for &v in &territories.anchor {
        // In tissue a territory is one cell's share of the muscle
        // (1/density): every one holds a cell.
        if s.mode == Mode::Culture
            && !Stream::new(seed, 0, u64::from(v), purpose::PLACEMENT)
                .bernoulli(s.geometry.cell_fill)
        {
            continue;
        }
        let id = cells.next_id();
        let pit1 = draw_pit1(seed, id, s.cells.pit1_cell_cv);
        let eff = rules.pit1_effective(pit1, supplied[CALCIUM]);
        let pi_in = rules.pi_in_target(supplied[PHOSPHATE], eff);
        let row = VsmcRow {
            phenotype: Phenotype::Contractile,
            runx2: s.interventions.runx2_expression as f32,
            pi_in: pi_in as f32,
            pit1: pit1 as f32,
        };
        // Anchors are distinct, so the voxel is always empty.
        let _ = cells.insert(v as usize, row);
    }
    cells
}

/// For each radial position, the fraction of the voxel within
/// `mineral.calcified_block_um / 2` of an elastic lamina's centre line: the
/// band in which mineral counts as lamina mineral (a physical width, so the
/// lamina share of mineral does not depend on dx). Empty in culture.
pub(super) fn lamina_band(lattice: &Lattice, s: &Scenario) -> Vec<f32> {
    if s.mode == Mode::Culture || lattice.unit.is_empty() {
        return Vec::new();
    }
    let g = &s.geometry;
    let nx = lattice.shape[2];
    let dx = lattice.dx_um;
    let Some(x0) = (0..nx).find(|&x| matches!(lattice.region[x], Region::Media | Region::Lamina))
    else {
        return vec![0.0; nx];
    };
    let half = 0.5 * s.mineral.calcified_block_um;
    let centres: Vec<f64> = (0..=g.lamellar_units)
        .map(|k| x0 as f64 * dx + k as f64 * g.lamellar_unit_um + 0.5 * g.lamina_um)
        .collect();
    (0..nx)
        .map(|x| {
            let (a, b) = (x as f64 * dx, (x + 1) as f64 * dx);
            let inside: f64 = centres
                .iter()
                .map(|c| (b.min(c + half) - a.max(c - half)).max(0.0))
                .sum();
            (inside / dx).min(1.0) as f32
        })
        .collect()
}
