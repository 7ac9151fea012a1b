//! Scenario configuration: TOML text plus `--set` overrides → a validated
//! [`Scenario`], and back to the fully resolved TOML that runs record.
//!
//! Every section rejects unknown keys and fills missing ones with defaults.
//! Every error names the key path and says what was expected.

// Parameter sources (in the generated field docs) cite works as `[key]`, keys of
// docs/references.md, which rustdoc would otherwise take for item links.
mod extends;
mod overrides;
#[allow(rustdoc::broken_intra_doc_links)]
pub mod params;
mod renamed;
pub mod solutes;
mod treatments;
mod validate;

pub use extends::ReadParent;
pub use overrides::{Override, parse_toml};
pub use renamed::RENAMED;
pub use solutes::SolutesParams;
pub use treatments::{Drug, Treatment};

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
    /// `[imaging]`: the vessel and CT scanner of the clinical readout
    /// (`crate::imaging`); read by no stage of the simulation.
    #[serde(default)]
    pub imaging: ImagingParams,
}

/// Largest lattice a scenario may ask for (about 10 GB of state).
pub const MAX_SCENARIO_VOXELS: f64 = 5.0e8;

impl Scenario {
    /// Parses TOML text, applies overrides in order, and validates.
    /// `origin` names the text in messages (usually the file path).
    /// `extends = "ckd4"` starts from a built-in preset and changes the keys
    /// the text gives (tables merge key by key; see [`extends`]).
    pub fn from_toml(
        text: &str,
        origin: &str,
        overrides: &[Override],
    ) -> Result<Self, ConfigError> {
        Self::from_toml_with(text, origin, overrides, &mut |name: &str| {
            Err(format!(
                "'{name}' is a file, and this scenario was given as text; extend a preset, or load the scenario from its file"
            ))
        })
    }

    /// As [`Scenario::from_toml`], with `read_file` to read the scenario files
    /// that `extends` names (presets need none).
    pub fn from_toml_with(
        text: &str,
        origin: &str,
        overrides: &[Override],
        read_file: &mut ReadParent<'_>,
    ) -> Result<Self, ConfigError> {
        let mut table = extends::resolve(text, origin, read_file)?;
        for o in overrides {
            o.apply(&mut table)?;
        }
        renamed::check(&table, origin, overrides)?;
        check_culture_keys(&table, origin)?;
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

/// Clear errors for culture-only keys set in a tissue scenario (a resolved
/// configuration, which holds every key at its value, passes: only a value
/// other than the default is refused). Renamed keys: `renamed.rs`.
fn check_culture_keys(table: &toml::Table, origin: &str) -> Result<(), ConfigError> {
    let section = |path: &str| -> Option<&toml::Table> {
        let mut t = table;
        for part in path.split('.') {
            t = t.get(part)?.as_table()?;
        }
        Some(t)
    };
    let mut problems = Vec::new();
    let culture = table.get("mode").and_then(|m| m.as_str()) == Some("culture");
    if !culture {
        let defaults = [
            (
                "geometry",
                "cell_fill",
                params::GeometryParams::default().cell_fill,
                "in tissue the number of cells is cells.density_per_mm3",
            ),
            (
                "cells",
                "cell_volume_fraction",
                params::CellParams::default().cell_volume_fraction,
                "in tissue a cell's volume is cells.volume_um3",
            ),
        ];
        for (sec, key, default, why) in defaults {
            let value = section(sec).and_then(|t| t.get(key));
            let v = value.and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)));
            if value.is_some() && v != Some(default) {
                problems.push(format!("{origin}: key '{sec}.{key}' applies to culture only (mode = \"culture\"); {why}"));
            }
        }
    }
    ConfigError::unless_any(problems)
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
        check_err(
            "[cells]\nros_basal_uM = 2.0\n",
            &[],
            &["key 'cells.ros_basal_uM' was renamed to 'cells.ros_basal_nM'"],
        );
        check_err(
            "",
            &["mineral.vesicle_ros_half_uM=50"],
            &[
                "'mineral.vesicle_ros_half_uM' was renamed to 'mineral.vesicle_ros_half_nM'",
                "--set mineral.vesicle_ros_half_uM=50",
            ],
        );
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

#[cfg(test)]
mod retired_key_tests {
    use super::*;

    #[test]
    fn keys_of_earlier_versions_and_culture_keys_in_tissue_are_refused_clearly() {
        let e = Scenario::from_toml(
            "[mineral]\nspread_nucleation_per_h = 1e-4\n",
            "old.toml",
            &[],
        )
        .expect_err("retired");
        assert!(
            e.to_string()
                .contains("'mineral.spread_nucleation_per_h' was renamed"),
            "{e}"
        );
        let e = Scenario::from_toml("[geometry]\ncell_fill = 0.5\n", "t.toml", &[])
            .expect_err("tissue");
        assert!(e.to_string().contains("culture only"), "{e}");
        // Culture takes it; a resolved tissue configuration (defaults) passes.
        Scenario::from_toml(
            "mode = \"culture\"\n[geometry]\ncell_fill = 0.5\n",
            "c.toml",
            &[],
        )
        .expect("culture");
        let s = Scenario::from_toml("", "t.toml", &[]).expect("default");
        Scenario::from_toml(&s.to_toml(), "resolved.toml", &[]).expect("resolved");
    }
}
