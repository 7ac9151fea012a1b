//! Validation of a scenario: every range, every combination, all problems at once.

use super::*;
use crate::error::ConfigError;

impl Scenario {
    /// Checks ranges and the relations between parameters.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut errs = Vec::new();
        self.simulation.validate(&mut errs);
        self.geometry.validate(&mut errs);
        self.serum.validate(&mut errs);
        self.culture.validate(&mut errs);
        self.solutes.validate(&mut errs);
        self.cells.validate(&mut errs);
        self.mineral.validate(&mut errs);
        self.interventions.validate(&mut errs);
        self.binding.validate(&mut errs);
        let p = &self.patient;
        p.body.validate(&mut errs);
        p.kidney.validate(&mut errs);
        p.diet.validate(&mut errs);
        p.parathyroid.validate(&mut errs);
        p.hormones.validate(&mut errs);
        p.bone.validate(&mut errs);
        p.inhibitors.validate(&mut errs);
        p.drugs.validate(&mut errs);
        p.variability.validate(&mut errs);
        self.dialysis.validate(&mut errs);
        self.imaging.validate(&mut errs);
        self.validate_patient(&mut errs);
        let im = &self.imaging;
        if im.site_onset_spread_days > 1000.0 * im.history_every_days {
            errs.push(format!(
                "imaging.site_onset_spread_days = {} must be at most 1000 × imaging.history_every_days = {} (the readout keeps the wall's past states over the spread, one per interval)",
                im.site_onset_spread_days, im.history_every_days
            ));
        }
        let t = &self.solutes;
        if t.ros.decay_per_h <= 0.0 || t.ros.decay_per_h.is_nan() {
            errs.push(format!(
                "solutes.ros.decay_per_h = {} must be > 0 (1/h): ROS is solved as a quasi-steady field",
                t.ros.decay_per_h
            ));
        }
        if self.mode == Mode::Culture
            && self.geometry.dx_um > 0.0
            && self.culture.side_um / self.geometry.dx_um < 2.5
        {
            errs.push(format!(
                "culture.side_um = {} must span at least 3 voxels of geometry.dx_um = {}",
                self.culture.side_um, self.geometry.dx_um
            ));
        }
        let c = &self.cells;
        if c.switch_off_runx2 >= c.switch_on_runx2 {
            errs.push(format!(
                "cells.switch_off_runx2 = {} must be below cells.switch_on_runx2 = {} (hysteresis)",
                c.switch_off_runx2, c.switch_on_runx2
            ));
        }
        let g = &self.geometry;
        if g.lamina_um >= g.lamellar_unit_um {
            errs.push(format!(
                "geometry.lamina_um = {} must be smaller than geometry.lamellar_unit_um = {}",
                g.lamina_um, g.lamellar_unit_um
            ));
        }
        if g.dx_um.is_finite() && g.dx_um > 0.0 {
            let voxels = self.estimated_voxels();
            if voxels > MAX_SCENARIO_VOXELS {
                errs.push(format!(
                    "geometry: the lattice would have about {voxels:.3e} voxels, more than the limit of {MAX_SCENARIO_VOXELS:.0e}; increase geometry.dx_um or shrink the patch"
                ));
            }
            if g.circumference_um / g.dx_um < 2.5 || (g.ndim == 3 && g.axial_um / g.dx_um < 2.5) {
                errs.push(format!(
                    "geometry.circumference_um{} must span at least 3 voxels of geometry.dx_um = {}",
                    if g.ndim == 3 { " and geometry.axial_um" } else { "" },
                    g.dx_um
                ));
            }
        }
        let s = &self.simulation;
        if s.dt_h > 0.0 && s.duration_days * 24.0 / s.dt_h > 1.0e9 {
            errs.push(format!(
                "simulation: duration_days = {} with dt_h = {} gives more than 1e9 steps",
                s.duration_days, s.dt_h
            ));
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ConfigError { problems: errs })
        }
    }

    /// True if the lumen follows the patient model (tissue mode).
    pub fn uses_patient(&self) -> bool {
        self.mode == Mode::Tissue && self.boundary.lumen == LumenBoundary::Patient
    }

    fn validate_patient(&self, errs: &mut Vec<String>) {
        let d = &self.dialysis;
        if d.sessions_per_week.fract() != 0.0 {
            errs.push(format!(
                "dialysis.sessions_per_week = {} must be a whole number from 0 to 7",
                d.sessions_per_week
            ));
        }
        if d.stop_day < d.start_day {
            errs.push(format!(
                "dialysis.stop_day = {} must not be before dialysis.start_day = {}",
                d.stop_day, d.start_day
            ));
        }
        for (i, t) in self.treatments.iter().enumerate() {
            let key = format!("treatments[{i}] ({})", t.drug.name());
            if !(t.dose.is_finite() && t.dose >= 0.0 && t.dose <= t.drug.max_dose()) {
                errs.push(format!(
                    "{key}.dose = {} is out of range: expected a number from 0 to {} ({})",
                    t.dose,
                    t.drug.max_dose(),
                    t.drug.unit()
                ));
            }
            if !t.start_day.is_finite() || t.start_day < 0.0 {
                errs.push(format!(
                    "{key}.start_day = {} must be a day ≥ 0",
                    t.start_day
                ));
            }
            if t.stop_day.is_nan() || t.stop_day < t.start_day {
                errs.push(format!(
                    "{key}.stop_day = {} must not be before start_day = {}",
                    t.stop_day, t.start_day
                ));
            }
            match t.interval_days {
                Some(_) if !t.drug.is_bolus() => errs.push(format!(
                    "{key}.interval_days: {} is taken continuously; interval_days applies only to denosumab and exogenous_ppi",
                    t.drug.name()
                )),
                Some(x) if !(x.is_finite() && x >= 0.01) => errs.push(format!(
                    "{key}.interval_days = {x} must be at least 0.01 days"
                )),
                _ => {}
            }
            if t.allow_low_egfr && t.drug != Drug::Bisphosphonate {
                errs.push(format!(
                    "{key}.allow_low_egfr applies only to bisphosphonate"
                ));
            }
            if t.drug == Drug::Bisphosphonate && !t.allow_low_egfr && self.uses_patient() {
                let k = &self.patient.kidney;
                let at_start = k.egfr_at(t.start_day * 24.0);
                if at_start < 35.0 {
                    errs.push(format!(
                        "{key}: eGFR is {at_start:.1} mL/min at start_day {}: bisphosphonates are renally cleared and not given below eGFR 35 mL/min; set allow_low_egfr = true to simulate it anyway",
                        t.start_day
                    ));
                }
            }
        }
        if self.mode == Mode::Tissue && self.boundary.lumen != LumenBoundary::Patient {
            if !self.treatments.is_empty() {
                errs.push(format!(
                    "treatments: the {} treatment(s) act through the patient model, but boundary.lumen = \"{}\"; use boundary.lumen = \"patient\"",
                    self.treatments.len(),
                    match self.boundary.lumen {
                        LumenBoundary::Serum => "serum",
                        _ => "closed",
                    }
                ));
            }
            if d.sessions_per_week > 0.0 {
                errs.push(
                    "dialysis.sessions_per_week > 0 needs the patient model: use boundary.lumen = \"patient\"".into(),
                );
            }
        }
        if self.mode == Mode::Culture && (!self.treatments.is_empty() || d.sessions_per_week > 0.0)
        {
            errs.push(
                "treatments and dialysis act on the patient, which culture mode does not have; use interventions.* in culture".into(),
            );
        }
        if self.uses_patient() {
            // Serum values the patient model computes must not be set by hand:
            // they would be silently ignored.
            let default = SerumParams::default();
            let s = &self.serum;
            for (key, v, d) in [
                ("phosphate_mM", s.phosphate_mM, default.phosphate_mM),
                ("calcium_mM", s.calcium_mM, default.calcium_mM),
                ("magnesium_mM", s.magnesium_mM, default.magnesium_mM),
                ("ppi_uM", s.ppi_uM, default.ppi_uM),
                (
                    "fetuin_a_g_per_L",
                    s.fetuin_a_g_per_L,
                    default.fetuin_a_g_per_L,
                ),
                ("pth_pg_per_mL", s.pth_pg_per_mL, default.pth_pg_per_mL),
                (
                    "indoxyl_sulfate_uM",
                    s.indoxyl_sulfate_uM,
                    default.indoxyl_sulfate_uM,
                ),
            ] {
                if v != d {
                    errs.push(format!(
                        "serum.{key} = {v} is computed by the patient model (boundary.lumen = \"patient\", the default); set boundary.lumen = \"serum\" to hold serum constant, or change the patient (patient.kidney, patient.diet, ...)"
                    ));
                }
            }
        }
    }
}
