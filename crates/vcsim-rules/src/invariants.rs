//! Physical invariants of the evolving state, checked by the caller after
//! every step and on a state restored from a checkpoint.
//!
//! A step cannot fail (see ARCHITECTURE.md), so these checks live outside the
//! pipeline: the CLI's recorder calls [`check_step`] after each step and
//! [`check_restored`] after `Simulation::from_snapshot`. Each returns the first
//! violation as one sentence naming the quantity, where it is and its value.
//!
//! The bounds are physical, not clinical: a serum phosphate of 0 or 500 mM is
//! no patient, whatever the parameters say. Inside them the model may still be
//! far from the literature; outside them it has certainly left its domain.

use crate::error::InvalidState;
use crate::patient::PatientState;
use crate::records::{BoneRecord, SerumRecord};
use crate::world::{FIELDS, World};

/// (series, lowest, highest) of `/serum` with a patient: physical limits of
/// a living patient's serum, far outside any clinical range.
const SERUM_BOUNDS: [(&str, f64, f64); 9] = [
    ("pi_mM", 0.05, 20.0),
    ("ca_mM", 0.5, 10.0),
    ("ica_mM", 0.2, 5.0),
    ("pth_pg_mL", 0.0, 1.0e5),
    ("fetuin_a_g_L", 0.0, 10.0),
    ("ppi_uM", 0.0, 1.0e3),
    ("mg_mM", 0.05, 10.0),
    ("t50_min", 0.0, 1.0e4),
    ("egfr_mL_min", 0.0, 250.0),
];

/// The first value of `v` that is not finite or outside `[lo, hi]`.
fn first_outside<T: Copy + Into<f64>>(v: &[T], lo: f64, hi: f64) -> Option<(usize, f64)> {
    // The common case, a valid array, in one pass without branches per value.
    let ok = v.iter().fold(true, |ok, &x| {
        let x: f64 = x.into();
        ok & (x >= lo) & (x <= hi)
    });
    if ok {
        return None;
    }
    v.iter()
        .map(|&x| x.into())
        .enumerate()
        .find(|&(_, x): &(usize, f64)| !(x >= lo && x <= hi))
}

fn in_range<T: Copy + Into<f64>>(
    what: &str,
    v: &[T],
    lo: f64,
    hi: f64,
) -> Result<(), InvalidState> {
    match first_outside(v, lo, hi) {
        None => Ok(()),
        Some((i, x)) => Err(InvalidState::OutOfRange {
            quantity: what.to_owned(),
            index: i,
            value: x,
            lo,
            hi,
        }),
    }
}

/// The solute fields, mineral and medium: finite and non-negative, mineral
/// a volume fraction.
fn check_fields(w: &World) -> Result<(), InvalidState> {
    for (f, (name, _)) in FIELDS.iter().enumerate() {
        in_range(
            &format!("the {name} field (mM)"),
            w.fields.values(f),
            0.0,
            f64::MAX,
        )?;
    }
    in_range("the mineral volume fraction", &w.mineral, 0.0, 1.0)?;
    in_range("the medium concentration", &w.medium, 0.0, f64::MAX)?;
    in_range("the exchanged amount", &w.exchanged, f64::MIN, f64::MAX)?;
    Ok(())
}

/// The patient's serum and bone after a step.
fn check_patient(w: &World) -> Result<(), InvalidState> {
    let Some(state) = &w.patient else {
        return Ok(());
    };
    for (name, x) in PatientState::NAMES.iter().zip(state.to_vec()) {
        if !x.is_finite() {
            return Err(InvalidState::Inconsistent(format!(
                "the patient's state {name} is {x}"
            )));
        }
    }
    let serum = w.serum.values();
    for (name, lo, hi) in SERUM_BOUNDS {
        if let Some(i) = SerumRecord::NAMES.iter().position(|n| *n == name) {
            let x = serum[i];
            if !(x >= lo && x <= hi) {
                return Err(InvalidState::Inconsistent(format!(
                    "serum {name} is {x}; expected a finite value in [{lo}, {hi}]"
                )));
            }
        }
    }
    for (name, x) in SerumRecord::NAMES.iter().zip(&serum) {
        if !x.is_finite() {
            return Err(InvalidState::Inconsistent(format!(
                "serum {name} is {x}; expected a finite value"
            )));
        }
    }
    // Fluxes may be negative; amounts and relative activities may not.
    for (name, x) in BoneRecord::NAMES.iter().zip(w.bone.values()) {
        let signed = name.ends_with("_per_day");
        if !(x.is_finite() && (signed || x >= 0.0)) {
            return Err(InvalidState::Inconsistent(format!(
                "bone {name} is {x}; expected a finite{} value",
                if signed { "" } else { ", non-negative" }
            )));
        }
    }
    Ok(())
}

/// After a step: the fields, the mineral and (with a patient) the serum and
/// bone within their physical bounds.
pub fn check_step(w: &World) -> Result<(), InvalidState> {
    check_fields(w)?;
    check_patient(w)
}

/// After restoring a checkpoint of a run of `n_steps` steps: everything of
/// [`check_step`] (the serum and bone records are rebuilt by the next step, so
/// the patient's state is checked instead), the step inside the run, and the
/// cell table consistent (ids below the next id, each voxel on the lattice,
/// cell variables finite and within their ranges).
pub fn check_restored(w: &World, n_steps: u64) -> Result<(), InvalidState> {
    if w.step == 0 || w.step >= n_steps {
        return Err(InvalidState::Inconsistent(format!(
            "the checkpoint is at step {}, but a checkpoint of this run lies between steps 1 and {}",
            w.step,
            n_steps.saturating_sub(1)
        )));
    }
    check_fields(w)?;
    if let Some(state) = &w.patient {
        for (name, x) in PatientState::NAMES.iter().zip(state.to_vec()) {
            if !(x.is_finite() && x >= 0.0) {
                return Err(InvalidState::Inconsistent(format!(
                    "the patient's state {name} is {x}; expected a finite, non-negative value"
                )));
            }
        }
    }
    let cells = &w.cells;
    let next = cells.next_id();
    let voxels = w.lattice.len();
    if cells.len() > voxels {
        return Err(InvalidState::Inconsistent(format!(
            "the cell table has {} rows for {voxels} voxels",
            cells.len()
        )));
    }
    if let Some(id) = cells.ids().iter().find(|id| id.0 >= next) {
        return Err(InvalidState::Inconsistent(format!(
            "cell id {} is not below the next id {next}",
            id.0
        )));
    }
    if let Some(v) = cells.voxels().iter().find(|&&v| v as usize >= voxels) {
        return Err(InvalidState::Inconsistent(format!(
            "a cell sits in voxel {v}, beyond the lattice of {voxels}"
        )));
    }
    let d = &cells.data;
    in_range("cell runx2 (fold)", &d.runx2, 0.0, 1.0e6)?;
    in_range("cell alp", &d.alp, 0.0, 1.0)?;
    in_range("cell opn", &d.opn, 0.0, 1.0)?;
    in_range("cell pi_in (mM)", &d.pi_in, 0.0, 1.0e4)?;
    in_range("cell pit1", &d.pit1, 0.0, 1.0e6)?;
    in_range("cell pi_uptake (mM)", &d.pi_uptake, -1.0e6, 1.0e6)?;
    let phenotypes = d.phenotype.len();
    if phenotypes != cells.len() {
        return Err(InvalidState::Inconsistent(format!(
            "the cell table has {} rows but {phenotypes} phenotypes",
            cells.len()
        )));
    }
    Ok(())
}
