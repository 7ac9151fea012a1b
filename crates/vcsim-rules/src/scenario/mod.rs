//! Scenario configuration: TOML text plus `--set` overrides → a validated
//! [`Scenario`], and back to the fully resolved TOML that runs record.
//!
//! Every section rejects unknown keys and fills missing ones with defaults.
//! Every error names the key path and says what was expected.

// Parameter sources (in the generated field docs) cite works as `[key]`, keys of
// docs/references.md, which rustdoc would otherwise take for item links.
#[allow(rustdoc::broken_intra_doc_links)]
pub mod params;
pub mod solutes;

pub use solutes::SolutesParams;

use crate::error::ConfigError;
use params::*;
use serde::{Deserialize, Serialize};

/// What a solute sees at the outer (adventitial) face of the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OuterBoundary {
    /// No flux: the media is avascular (abdominal aorta, Wolinsky 1969).
    #[default]
    NoFlux,
    /// Held at the same serum values as the lumen (adventitial vasa vasorum).
    Serum,
}

/// What the solutes see at the lumen face of the wall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LumenBoundary {
    /// Held at the serum of the patient model × partition; the patient's PTH,
    /// toxin and drug levels reach the cells.
    #[default]
    Patient,
    /// Held at the constant values of `[serum]` × partition (a clamped serum,
    /// as in animal experiments with a defined serum).
    Serum,
    /// No flux: a closed wall (for mass-balance checks and ex-vivo settings).
    Closed,
}

/// Boundary settings (`[boundary]`), tissue mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BoundaryParams {
    /// Lumen face for every solute: `"patient"`, `"serum"` or `"closed"`.
    pub lumen: LumenBoundary,
    /// Outer face for every solute: `"no_flux"` or `"serum"`.
    pub outer: OuterBoundary,
}

/// Which of the two settings of the same model a scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A patch of arterial wall with a lumen boundary.
    #[default]
    Tissue,
    /// A monolayer of VSMCs under well-mixed medium, changed every few days.
    Culture,
}

/// The systemic patient model's sections (`[patient.*]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PatientConfig {
    /// `[patient.body]`
    pub body: BodyParams,
    /// `[patient.kidney]`
    pub kidney: KidneyParams,
    /// `[patient.diet]`
    pub diet: DietParams,
    /// `[patient.parathyroid]`
    pub parathyroid: ParathyroidParams,
    /// `[patient.hormones]`
    pub hormones: HormoneParams,
    /// `[patient.bone]`
    pub bone: BoneParams,
    /// `[patient.inhibitors]`
    pub inhibitors: InhibitorParams,
    /// `[patient.drugs]`
    pub drugs: DrugParams,
    /// `[patient.variability]`
    pub variability: VariabilityParams,
}

/// A drug of a `[[treatments]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Sevelamer carbonate, g/day: binds dietary Pi.
    Sevelamer,
    /// Lanthanum carbonate, g/day of elemental lanthanum: binds dietary Pi.
    LanthanumCarbonate,
    /// Calcium carbonate, g/day: binds dietary Pi and adds a Ca load.
    CalciumCarbonate,
    /// Magnesium carbonate, g/day: binds dietary Pi and raises serum Mg.
    MagnesiumCarbonate,
    /// Ferric citrate, g/day: binds dietary Pi and lowers FGF23.
    FerricCitrate,
    /// Cinacalcet, mg/day: sensitises the CaSR (PTH and Ca down; VSMC CaSR).
    Cinacalcet,
    /// Oral bisphosphonate (alendronate-equivalent), mg/day: bone resorption
    /// down, a PPi analogue in the tissue.
    Bisphosphonate,
    /// Denosumab, mg per subcutaneous injection every `interval_days`
    /// (default 182): free RANKL down in bone and vessel.
    Denosumab,
    /// Antioxidant (TEMPOL-like), fraction of ROS scavenged (0–1).
    Antioxidant,
    /// BMP-7, µg/kg/week: bone formation up.
    Bmp7,
    /// Exogenous pyrophosphate, µmol/kg per dose every `interval_days`
    /// (default 1), as an intravenous bolus.
    ExogenousPpi,
}

impl Drug {
    /// Every drug, for messages.
    pub const ALL: [Drug; 11] = [
        Drug::Sevelamer,
        Drug::LanthanumCarbonate,
        Drug::CalciumCarbonate,
        Drug::MagnesiumCarbonate,
        Drug::FerricCitrate,
        Drug::Cinacalcet,
        Drug::Bisphosphonate,
        Drug::Denosumab,
        Drug::Antioxidant,
        Drug::Bmp7,
        Drug::ExogenousPpi,
    ];

    /// Config name.
    pub fn name(self) -> &'static str {
        match self {
            Drug::Sevelamer => "sevelamer",
            Drug::LanthanumCarbonate => "lanthanum_carbonate",
            Drug::CalciumCarbonate => "calcium_carbonate",
            Drug::MagnesiumCarbonate => "magnesium_carbonate",
            Drug::FerricCitrate => "ferric_citrate",
            Drug::Cinacalcet => "cinacalcet",
            Drug::Bisphosphonate => "bisphosphonate",
            Drug::Denosumab => "denosumab",
            Drug::Antioxidant => "antioxidant",
            Drug::Bmp7 => "bmp7",
            Drug::ExogenousPpi => "exogenous_ppi",
        }
    }

    /// Unit of `dose`.
    pub fn unit(self) -> &'static str {
        match self {
            Drug::Sevelamer
            | Drug::LanthanumCarbonate
            | Drug::CalciumCarbonate
            | Drug::MagnesiumCarbonate
            | Drug::FerricCitrate => "g/day",
            Drug::Cinacalcet | Drug::Bisphosphonate => "mg/day",
            Drug::Denosumab => "mg per injection",
            Drug::Antioxidant => "fraction of ROS scavenged",
            Drug::Bmp7 => "µg/kg/week",
            Drug::ExogenousPpi => "µmol/kg per dose",
        }
    }

    /// Largest accepted dose.
    pub fn max_dose(self) -> f64 {
        match self {
            Drug::Sevelamer
            | Drug::LanthanumCarbonate
            | Drug::CalciumCarbonate
            | Drug::MagnesiumCarbonate
            | Drug::FerricCitrate => 30.0,
            Drug::Cinacalcet => 360.0,
            Drug::Bisphosphonate => 100.0,
            Drug::Denosumab => 1000.0,
            Drug::Antioxidant => 1.0,
            Drug::Bmp7 => 1.0e4,
            Drug::ExogenousPpi => 1.0e4,
        }
    }

    /// True for drugs given as separate doses (`interval_days` applies).
    pub fn is_bolus(self) -> bool {
        matches!(self, Drug::Denosumab | Drug::ExogenousPpi)
    }

    /// Default dosing interval of bolus drugs, days.
    pub fn default_interval_days(self) -> f64 {
        match self {
            Drug::Denosumab => 182.0,
            _ => 1.0,
        }
    }
}

fn never() -> f64 {
    1.0e6
}

/// One `[[treatments]]` entry: a drug, its dose, and when it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// Which drug (see [`Drug`]).
    pub drug: Drug,
    /// Dose, in the drug's unit ([`Drug::unit`]).
    pub dose: f64,
    /// First day of treatment (the first bolus is given then).
    #[serde(default)]
    pub start_day: f64,
    /// Day the treatment stops (default: never).
    #[serde(default = "never")]
    pub stop_day: f64,
    /// Days between doses of bolus drugs (denosumab, exogenous PPi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<f64>,
    /// Bisphosphonate only: simulate it although eGFR is below 35 mL/min.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_low_egfr: bool,
}

impl Treatment {
    /// True if a continuous drug is being taken at time `t_h`.
    pub fn active(&self, t_h: f64) -> bool {
        t_h >= self.start_day * 24.0 && t_h < self.stop_day * 24.0
    }

    fn interval_h(&self) -> f64 {
        self.interval_days
            .unwrap_or_else(|| self.drug.default_interval_days())
            * 24.0
    }

    /// Number of bolus doses given at times in [t0, t1).
    pub fn doses_in(&self, t0: f64, t1: f64) -> u64 {
        let start = self.start_day * 24.0;
        let stop = self.stop_day * 24.0;
        let every = self.interval_h();
        // Doses at start + k·every for k ≥ 0, before stop.
        let before = |t: f64| -> u64 {
            let t = t.min(stop);
            if t <= start {
                0
            } else {
                ((t - start) / every).ceil() as u64
            }
        };
        before(t1).saturating_sub(before(t0))
    }
}

/// A whole scenario: everything a run needs besides the thread count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Free-text name of the scenario, recorded in the output.
    pub name: String,
    /// `"tissue"` (arterial wall) or `"culture"` (monolayer under medium).
    pub mode: Mode,
    /// `[simulation]`
    pub simulation: SimulationParams,
    /// `[geometry]`
    pub geometry: GeometryParams,
    /// `[boundary]`
    pub boundary: BoundaryParams,
    /// `[serum]`, tissue mode with `boundary.lumen = "serum"`
    pub serum: SerumParams,
    /// `[patient.*]`, tissue mode with `boundary.lumen = "patient"`
    pub patient: PatientConfig,
    /// `[dialysis]`, with the patient model
    pub dialysis: DialysisParams,
    /// `[[treatments]]`, with the patient model
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub treatments: Vec<Treatment>,
    /// `[culture]`, culture mode
    pub culture: CultureParams,
    /// `[solutes.*]`
    pub solutes: SolutesParams,
    /// `[cells]`
    pub cells: CellParams,
    /// `[mineral]`
    pub mineral: MineralParams,
    /// `[interventions]`
    pub interventions: InterventionParams,
    /// `[binding]`
    pub binding: BindingParams,
}

/// Largest lattice a scenario may ask for (about 10 GB of state).
pub const MAX_SCENARIO_VOXELS: f64 = 5.0e8;

/// One `--set key.path=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted key path, e.g. `serum.phosphate_mM`.
    pub path: Vec<String>,
    /// The value, parsed as a TOML value (a bare word that is not valid TOML is taken as a string).
    pub value: toml::Value,
    /// The text as given, for messages.
    pub text: String,
}

impl Override {
    /// Parses `a.b.c=value`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(ConfigError::one(format!(
                "--set '{text}': expected KEY=VALUE, e.g. serum.phosphate_mM=1.8"
            )));
        };
        let key = key.trim();
        let path: Vec<String> = key.split('.').map(|s| s.trim().to_string()).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::one(format!(
                "--set '{text}': the key '{key}' has an empty part; expected a dotted path such as cells.pi_hill"
            )));
        }
        let value_text = value.trim();
        let value = match toml::from_str::<toml::Table>(&format!("v = {value_text}")) {
            Ok(mut t) => t
                .remove("v")
                .unwrap_or_else(|| toml::Value::String(value_text.into())),
            Err(_) => toml::Value::String(value_text.to_string()),
        };
        Ok(Self {
            path,
            value,
            text: text.to_string(),
        })
    }

    fn apply(&self, table: &mut toml::Table) -> Result<(), ConfigError> {
        let mut cur = table;
        let (last, parents) = self
            .path
            .split_last()
            .ok_or_else(|| ConfigError::one(format!("--set '{}': empty key", self.text)))?;
        for (depth, part) in parents.iter().enumerate() {
            let entry = cur
                .entry(part.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => cur = t,
                _ => {
                    return Err(ConfigError::one(format!(
                        "--set '{}': '{}' is a value, not a section",
                        self.text,
                        self.path[..=depth].join(".")
                    )));
                }
            }
        }
        cur.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

/// Deserializes TOML text into `T`; an error names `origin` and the key path
/// (for files other than scenarios: experiments, sweeps).
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, ConfigError> {
    // Through a table, so that errors say "unknown field ..., expected one
    // of ..." rather than pointing at a line.
    let table: toml::Table = toml::from_str(text).map_err(|err| {
        ConfigError::one(format!(
            "{origin}: not valid TOML: {}",
            err.to_string().trim_end()
        ))
    })?;
    serde_path_to_error::deserialize(table).map_err(|err| {
        ConfigError::one(format!(
            "{origin}: key '{}': {}",
            err.path(),
            err.inner().to_string().lines().next().unwrap_or("")
        ))
    })
}

impl Scenario {
    /// Parses TOML text, applies overrides in order, and validates.
    /// `origin` names the text in messages (usually the file path).
    pub fn from_toml(
        text: &str,
        origin: &str,
        overrides: &[Override],
    ) -> Result<Self, ConfigError> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| {
            ConfigError::one(format!(
                "{origin}: not valid TOML: {}",
                e.to_string().trim_end()
            ))
        })?;
        for o in overrides {
            o.apply(&mut table)?;
        }
        let scenario: Scenario = serde_path_to_error::deserialize(table).map_err(|e| {
            let path = e.path().to_string();
            let from_set = overrides
                .iter()
                .find(|o| {
                    let key = o.path.join(".");
                    path == key
                        || path.starts_with(&format!("{key}."))
                        || key.starts_with(&format!("{path}."))
                })
                .map(|o| format!(" (from --set {})", o.text))
                .unwrap_or_default();
            let inner = e.into_inner().to_string();
            // toml appends "in `key`" on a second line; the path is given already.
            let inner = inner.lines().next().unwrap_or("").trim_end();
            if path == "." {
                ConfigError::one(format!("{origin}: {inner}{from_set}"))
            } else {
                ConfigError::one(format!("{origin}: key '{path}': {inner}{from_set}"))
            }
        })?;
        scenario.validate().map_err(|mut e| {
            for p in &mut e.problems {
                *p = format!("{origin}: {p}");
            }
            e
        })?;
        Ok(scenario)
    }

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
        self.validate_patient(&mut errs);
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

    /// The fully resolved configuration (every key, defaults included) as TOML.
    pub fn to_toml(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot serialise the scenario: {e}\n"))
    }

    /// Approximate number of voxels of the lattice (before rounding layers to
    /// whole voxels), for size checks before anything is allocated.
    pub fn estimated_voxels(&self) -> f64 {
        let g = &self.geometry;
        if self.mode == Mode::Culture {
            return (self.culture.side_um / g.dx_um).powi(2);
        }
        let radial = g.endothelium_um
            + g.lamellar_units as f64 * g.lamellar_unit_um
            + g.lamina_um
            + g.adventitia_um;
        let axial = if g.ndim == 3 {
            g.axial_um / g.dx_um
        } else {
            1.0
        };
        (radial / g.dx_um) * (g.circumference_um / g.dx_um) * axial
    }

    /// Number of steps of the run.
    pub fn n_steps(&self) -> u64 {
        (self.simulation.duration_days * 24.0 / self.simulation.dt_h).round() as u64
    }

    /// Steps between full frames (at least 1).
    pub fn frame_every_steps(&self) -> u64 {
        ((self.simulation.frame_every_h / self.simulation.dt_h).round() as u64).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, sets: &[&str]) -> Result<Scenario, ConfigError> {
        let o: Vec<Override> = sets
            .iter()
            .map(|s| Override::parse(s))
            .collect::<Result<_, _>>()?;
        Scenario::from_toml(text, "test.toml", &o)
    }

    fn check_err(text: &str, sets: &[&str], needles: &[&str]) {
        let e = load(text, sets).expect_err("must fail").to_string();
        for n in needles {
            assert!(e.contains(n), "error {e:?} lacks {n:?}");
        }
    }

    #[test]
    fn empty_config_is_all_defaults() {
        assert_eq!(load("", &[]).expect("valid"), Scenario::default());
    }

    #[test]
    fn resolved_toml_round_trips_exactly() {
        let s = load(
            "[serum]\nphosphate_mM = 1.8\n[boundary]\nlumen = \"serum\"\n[[treatments]]\ndrug = \"sevelamer\"\ndose = 4.8\n",
            &["cells.pi_hill=3.3", "name=x", "boundary.lumen=\"patient\"", "serum.phosphate_mM=1.1"],
        )
        .expect("valid");
        assert_eq!(s.serum.phosphate_mM, 1.1);
        assert_eq!(s.treatments[0].dose, 4.8);
        assert_eq!(s.cells.pi_hill, 3.3);
        assert_eq!(s.name, "x");
        let again = load(&s.to_toml(), &[]).expect("resolved config loads");
        assert_eq!(again, s);
    }

    #[test]
    fn bad_inputs_name_the_key() {
        check_err(
            "[serum]\nphosphat_mM = 1.0\n",
            &[],
            &["serum", "phosphat_mM", "unknown field"],
        );
        check_err("[nonsense]\n", &[], &["unknown field `nonsense`"]);
        check_err("", &["no_such.key=1"], &["no_such", "--set no_such.key=1"]);
        check_err(
            "",
            &["serum.phosphate_mM=abc"],
            &["serum.phosphate_mM", "expected f64", "--set"],
        );
        check_err(
            "[serum]\nphosphate_mM = \"high\"\n",
            &[],
            &["serum.phosphate_mM", "expected f64"],
        );
        check_err(
            "[serum]\nphosphate_mM = -1.0\n",
            &[],
            &["serum.phosphate_mM = -1", "mM"],
        );
        check_err(
            "[geometry]\nlamellar_units = 2.5\n",
            &[],
            &["geometry.lamellar_units", "expected usize"],
        );
        check_err(
            "[geometry]\nlamellar_units = -3\n",
            &[],
            &["geometry.lamellar_units"],
        );
        check_err(
            "[geometry]\nndim = 4\n",
            &[],
            &["geometry.ndim = 4", "from 2 to 3"],
        );
        check_err(
            "[boundary]\nouter = \"wall\"\n",
            &[],
            &["boundary.outer", "no_flux", "serum"],
        );
        check_err("serum = 3\n", &[], &["serum", "expected struct"]);
        check_err("[serum\n", &[], &["test.toml", "not valid TOML"]);
        check_err(
            "[serum]\nphosphate_mM = 1.0\n",
            &["serum.phosphate_mM.x=1"],
            &["serum.phosphate_mM", "not a section"],
        );
        check_err(
            "",
            &["serum.phosphate_mM.x=1"],
            &["serum.phosphate_mM", "expected f64", "--set"],
        );
        check_err("", &["serum.phosphate_mM"], &["KEY=VALUE"]);
        check_err("", &["serum..x=1"], &["empty part"]);
        check_err("", &["cells.switch_off_runx2=5"], &["hysteresis"]);
        check_err(
            "",
            &[
                "geometry.dx_um=0.5",
                "geometry.circumference_um=1e6",
                "geometry.ndim=3",
                "geometry.axial_um=1e6",
            ],
            &["voxels"],
        );
        check_err("[simulation]\ndt_h = nan\n", &[], &["simulation.dt_h"]);
    }
}
