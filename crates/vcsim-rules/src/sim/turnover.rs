//! Turnover of the wall's cells (tissue only): phagocytes remove apoptotic
//! bodies that are not in calcified mineral, and a free territory (no cell,
//! mineral below `mineral.calcified_fraction`) gains a new contractile VSMC
//! when a neighbour divides into it. Contact inhibition: only free
//! territories fill, so the density never exceeds one cell per territory.

use crate::purpose;
use crate::scenario::params::{CellParams, InterventionParams, MineralParams};
use crate::territory::Territories;
use crate::tissue::cells::{Phenotype, VsmcColumns, VsmcRow, draw_pit1};
use crate::tissue::model::event_probability;
use vcsim_core::{CellStore, StepContext, Stream};

/// One step of turnover. `mineral_of(t)` is the mean mineral fraction of
/// territory `t`. A new cell starts with no
/// intracellular Pi and takes it up from its territory like any cell (so
/// phosphate is conserved).
pub(crate) fn turnover(
    cells: &mut CellStore<VsmcColumns>,
    territories: &Territories,
    mineral_of: impl Fn(usize) -> f64,
    p: &CellParams,
    m: &MineralParams,
    iv: &InterventionParams,
    ctx: &StepContext,
) {
    let remove = event_probability(p.body_removal_per_h, ctx.dt_h);
    let fill = event_probability(p.repopulation_per_h, ctx.dt_h);
    if remove > 0.0 {
        let d = &cells.data;
        let gone: Vec<usize> = (0..cells.len())
            .filter(|&r| {
                d.phenotype[r] == Phenotype::ApoptoticBody
                    && mineral_of(territories.of_voxel[cells.voxels()[r] as usize] as usize)
                        < m.calcified_fraction
                    && Stream::new(ctx.seed, ctx.step, cells.ids()[r].0, purpose::BODY_REMOVAL)
                        .bernoulli(remove)
            })
            .collect();
        if !gone.is_empty() {
            cells.remove_rows(&gone);
        }
    }
    if fill <= 0.0 {
        return;
    }
    for (t, &anchor) in territories.anchor.iter().enumerate() {
        if cells.cell_at(anchor as usize).is_some()
            || mineral_of(t) >= m.calcified_fraction
            || !Stream::new(ctx.seed, ctx.step, u64::from(anchor), purpose::REPOPULATION)
                .bernoulli(fill)
        {
            continue;
        }
        let id = cells.next_id();
        let pit1 = draw_pit1(ctx.seed, id, p.pit1_cell_cv);
        let row = VsmcRow {
            phenotype: Phenotype::Contractile,
            runx2: iv.runx2_expression as f32,
            pi_in: 0.0,
            pit1: pit1 as f32,
        };
        let _ = cells.insert(anchor as usize, row);
    }
}
