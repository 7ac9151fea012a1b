//! Snapshots: the state as named arrays (checkpoints), and resuming from one.

use crate::error::BuildError;
use crate::patient::PatientState;
use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::tissue::cells::{Phenotype, VsmcColumns};
use crate::world::*;
use vcsim_core::{CellStore, Column, Snapshot};

/// another version are refused.
pub const SNAPSHOT_VERSION: u32 = 5;

impl World {
    /// The whole evolving state as named arrays (the lattice, the rules and
    /// the uniform levels are rebuilt from the scenario on restore).
    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot {
            step: self.step,
            columns: Vec::new(),
        };
        for (f, (name, _)) in FIELDS.iter().enumerate() {
            s.push(
                &format!("field/{name}"),
                Column::F32(self.fields.values(f).to_vec()),
            );
        }
        s.push("mineral", Column::F64(self.mineral.clone()));
        s.push("nuclei", Column::U32(self.nuclei.clone()));
        s.push("medium", Column::F64(self.medium.clone()));
        s.push("exchanged", Column::F64(self.exchanged.clone()));
        if let Some(p) = &self.patient {
            s.push("patient/state", Column::F64(p.to_vec()));
        }
        s.push(
            "cells/id",
            Column::U64(self.cells.ids().iter().map(|c| c.0).collect()),
        );
        s.push("cells/voxel", Column::U32(self.cells.voxels().to_vec()));
        s.push("cells/next_id", Column::U64(vec![self.cells.next_id()]));
        let d = &self.cells.data;
        s.push(
            "cells/phenotype",
            Column::U8(d.phenotype.iter().map(|p| *p as u8).collect()),
        );
        for (name, col) in d.float_columns() {
            s.push(&format!("cells/{name}"), Column::F32(col.to_vec()));
        }
        s.push(
            "imaging/history_time_h",
            Column::F64(self.history.times_h().to_vec()),
        );
        s.push("imaging/history_mineral", Column::F64(self.history.flat()));
        s
    }
}

impl Simulation {
    /// Rebuilds a simulation of scenario `s` at the state of `snap` (a
    /// checkpoint of a run of the same scenario).
    pub fn from_snapshot(s: &Scenario, mut snap: Snapshot) -> Result<Self, BuildError> {
        let mut sim = Simulation::new(s)?;
        let err = |e: vcsim_core::SnapshotError| BuildError::Checkpoint(e.to_string());
        let n = sim.world.lattice.len();
        for (f, (name, _)) in FIELDS.iter().enumerate() {
            let v = snap
                .take_f32(&format!("field/{name}"), Some(n))
                .map_err(err)?;
            sim.world.fields.values_mut(f).copy_from_slice(&v);
        }
        sim.world.mineral = snap.take_f64("mineral", Some(n)).map_err(err)?;
        sim.world.nuclei = snap.take_u32("nuclei", Some(n)).map_err(err)?;
        sim.world.medium = snap.take_f64("medium", Some(FIELDS.len())).map_err(err)?;
        sim.world.exchanged = snap
            .take_f64("exchanged", Some(FIELDS.len()))
            .map_err(err)?;
        if sim.world.patient.is_some() {
            let v = snap
                .take_f64("patient/state", Some(PatientState::NAMES.len()))
                .map_err(err)?;
            sim.world.patient = PatientState::from_slice(&v);
        }
        let ids = snap.take_u64("cells/id", None).map_err(err)?;
        let rows = ids.len();
        let voxels = snap.take_u32("cells/voxel", Some(rows)).map_err(err)?;
        let next_id = snap.take_u64("cells/next_id", Some(1)).map_err(err)?[0];
        let phenotype =
            snap.take_u8("cells/phenotype", Some(rows))
                .map_err(err)?
                .into_iter()
                .map(|c| {
                    Phenotype::ALL.get(usize::from(c)).copied().ok_or_else(|| {
                        BuildError::Checkpoint(format!("unknown phenotype code {c}"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
        let data = VsmcColumns::from_columns(phenotype, |name| {
            snap.take_f32(&format!("cells/{name}"), Some(rows))
                .map_err(err)
        })?;
        sim.world.cells = CellStore::from_parts(n, ids, voxels, data, next_id)
            .map_err(|e| BuildError::Checkpoint(e.to_string()))?;
        let times = snap.take_f64("imaging/history_time_h", None).map_err(err)?;
        let flat = snap
            .take_f64("imaging/history_mineral", Some(times.len() * n))
            .map_err(err)?;
        if sim.world.history.is_on() == times.is_empty() {
            return Err(BuildError::Checkpoint(format!(
                "imaging history: {} states, where the scenario {} one",
                times.len(),
                if sim.world.history.is_on() {
                    "keeps"
                } else {
                    "keeps none"
                }
            )));
        }
        sim.world
            .history
            .restore(times, flat, n)
            .map_err(BuildError::Checkpoint)?;
        sim.world.step = snap.step;
        Ok(sim)
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;
    use crate::scenario::Override;

    /// A run restored from a snapshot continues bit for bit like the run that
    /// was never interrupted.
    #[test]
    fn restore_continues_bit_for_bit() {
        for mode in ["tissue", "culture"] {
            let sets = [
                format!("mode=\"{mode}\""),
                "culture.side_um=80.0".into(),
                "geometry.lamellar_units=2".into(),
                "geometry.circumference_um=60.0".into(),
                "patient.kidney.egfr_mL_min=6.0".into(),
                format!(
                    "dialysis.sessions_per_week={}",
                    if mode == "tissue" { 3 } else { 0 }
                ),
                "patient.body.spin_up_weeks=8".into(),
                "culture.phosphate_mM=3.0".into(),
                "mineral.vesicle_nucleation_per_h=0.01".into(),
                "culture.medium_change_days=1.0".into(),
                "imaging.site_onset_spread_days=4.0".into(),
                "imaging.history_every_days=1.0".into(),
            ];
            let o: Vec<Override> = sets
                .iter()
                .map(|s| Override::parse(s).expect("override"))
                .collect();
            let s = Scenario::from_toml("", "test", &o).expect("valid");
            let mut whole = Simulation::new(&s).expect("builds");
            let mut first = Simulation::new(&s).expect("builds");
            for _ in 0..150 {
                whole.step();
                first.step();
            }
            let mut resumed =
                Simulation::from_snapshot(&s, first.world.snapshot()).expect("restores");
            for _ in 0..150 {
                whole.step();
                resumed.step();
            }
            assert_eq!(whole.world.step, resumed.world.step);
            let bits = |w: &World| -> (Vec<u32>, Vec<u64>) {
                (
                    w.frame().iter().flatten().map(|v| v.to_bits()).collect(),
                    w.summary(0.05)
                        .values()
                        .iter()
                        .chain(&w.medium)
                        .chain(&w.exchanged)
                        .chain(&w.serum.values())
                        .chain(&w.bone.values())
                        .chain(&w.clinical(&s.imaging, 1).values())
                        .map(|v| v.to_bits())
                        .collect(),
                )
            };
            assert_eq!(bits(&whole.world), bits(&resumed.world), "{mode}");
            assert_eq!(
                whole.world.history.times_h(),
                resumed.world.history.times_h()
            );
            if mode == "tissue" {
                assert!(whole.world.history.times_h().len() >= 5);
            }
        }
    }

    #[test]
    fn damaged_snapshots_are_refused() {
        let s = Scenario::from_toml(
            "[geometry]\nlamellar_units = 2\ncircumference_um = 60.0\n",
            "t",
            &[],
        )
        .expect("valid");
        let sim = Simulation::new(&s).expect("builds");
        let mut snap = sim.world.snapshot();
        snap.columns.retain(|(n, _)| n != "mineral");
        assert!(Simulation::from_snapshot(&s, snap).is_err());
        let mut snap = sim.world.snapshot();
        for (n, c) in &mut snap.columns {
            if n == "cells/phenotype" {
                *c = Column::U8(vec![9; sim.world.cells.len()]);
            }
        }
        let e = Simulation::from_snapshot(&s, snap).expect_err("bad code");
        assert!(e.to_string().contains("phenotype"), "{e}");
        // A checkpoint with past states for a scenario that keeps none (and
        // the other way round) is refused, as are bad past states.
        let none = Scenario::from_toml(
            "[geometry]\nlamellar_units = 2\ncircumference_um = 60.0\n[imaging]\nsite_onset_spread_days = 0.0\n",
            "t",
            &[],
        )
        .expect("valid");
        assert!(sim.world.history.is_on());
        let e = Simulation::from_snapshot(&none, sim.world.snapshot()).expect_err("has history");
        assert!(e.to_string().contains("imaging history"), "{e}");
        let off = Simulation::new(&none).expect("builds");
        let e = Simulation::from_snapshot(&s, off.world.snapshot()).expect_err("no history");
        assert!(e.to_string().contains("imaging history"), "{e}");
        let mut snap = sim.world.snapshot();
        for (n, c) in &mut snap.columns {
            if n == "imaging/history_mineral" {
                *c = Column::F64(vec![2.0; sim.world.lattice.len()]);
            }
        }
        let e = Simulation::from_snapshot(&s, snap).expect_err("fraction above 1");
        assert!(e.to_string().contains("[0, 1]"), "{e}");
    }
}
