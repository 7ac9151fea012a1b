//! Parameter groups: one struct per config section, each numeric parameter
//! declared once with its meaning, unit, default, valid range and source.
//!
//! The [`param_group!`] macro turns that one declaration into the serde
//! struct (unknown keys rejected, missing keys take the default), its
//! `Default`, its range validation and a metadata table ([`ParamMeta`]) from
//! which the parameter reference in the docs is generated and checked.

/// What is known about one parameter: the single source of truth that the
/// struct, validation and docs are generated from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamMeta {
    /// Config section, e.g. `cells`.
    pub section: &'static str,
    /// Key within the section.
    pub key: &'static str,
    /// Unit, e.g. `mM` or `1/h`; `1` for dimensionless.
    pub unit: &'static str,
    /// Default value.
    pub default: f64,
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// Where the default comes from: keys of `docs/references.md` in brackets (`[jono2000]`), or a judgement (`estimate: why`, `calibrated: target`, `scenario choice`).
    pub source: &'static str,
    /// Meaning, one sentence.
    pub doc: &'static str,
}

/// Checks one value against its range and appends a message naming the key,
/// the value, the expected range and unit when it is out of range.
pub(crate) fn check_range(
    section: &str,
    key: &str,
    value: f64,
    min: f64,
    max: f64,
    unit: &str,
    errors: &mut Vec<String>,
) {
    if !(value.is_finite() && value >= min && value <= max) {
        let unit = if unit == "1" { "dimensionless" } else { unit };
        errors.push(format!(
            "{section}.{key} = {value} is out of range: expected a number from {min} to {max} ({unit})"
        ));
    }
}

/// A parameter group: its section and the metadata of its parameters, so
/// that code quoting a parameter (the rule table) takes key and unit from the
/// declaration instead of typing them again.
pub trait Declared {
    /// Config section, e.g. `cells`.
    fn section() -> &'static str;
    /// Metadata of every parameter of the group.
    fn meta() -> Vec<ParamMeta>;
}

/// `` `section.key` `` of parameter `key` of group `G`.
pub fn key_of<G: Declared>(_group: &G, key: &str) -> String {
    format!("`{}.{key}`", G::section())
}

/// `` value unit (`section.key`) `` of parameter `key` of group `G` (no unit
/// when dimensionless).
pub fn quote<G: Declared>(group: &G, key: &str, value: f64) -> String {
    let unit = G::meta()
        .into_iter()
        .find(|m| m.key == key)
        .map(|m| m.unit)
        .unwrap_or("1");
    let key = key_of(group, key);
    if unit == "1" {
        format!("{value} ({key})")
    } else {
        format!("{value} {unit} ({key})")
    }
}

/// `` `section.key` `` of a parameter, checked at compile time: `key!(p.pit1_km_mM)`.
#[macro_export]
macro_rules! key {
    ($g:ident . $f:ident) => {{
        let _ = &$g.$f;
        $crate::scenario::params::key_of($g, stringify!($f))
    }};
}

/// `` value unit (`section.key`) `` of a parameter from its declaration:
/// `quote!(p.pit1_km_mM)` gives `` 0.5 mM (`cells.pit1_km_mM`) ``.
#[macro_export]
macro_rules! quote {
    ($g:ident . $f:ident) => {
        $crate::scenario::params::quote($g, stringify!($f), $g.$f as f64)
    };
}

/// Declares a parameter group. See the module docs.
macro_rules! param_group {
    (
        $(#[$meta:meta])*
        $name:ident, section = $section:literal {
            $(
                #[doc = $doc:literal]
                $field:ident : $ty:ty = $default:expr,
                    unit = $unit:literal, range = [$lo:expr, $hi:expr], source = $src:literal;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            $(
                #[doc = $doc]
                #[doc = concat!("\n\nUnit: ", $unit, ". Default: ", stringify!($default),
                    ". Range: ", stringify!($lo), " to ", stringify!($hi), ". Source: ", $src, ".")]
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $crate::scenario::params::Declared for $name {
            fn section() -> &'static str {
                $section
            }
            fn meta() -> Vec<$crate::scenario::params::ParamMeta> {
                Self::meta()
            }
        }

        impl $name {
            /// Config section of this group.
            pub const SECTION: &'static str = $section;

            /// Metadata of every parameter of the group, declaration order.
            pub fn meta() -> Vec<$crate::scenario::params::ParamMeta> {
                vec![ $( $crate::scenario::params::ParamMeta {
                    section: $section,
                    key: stringify!($field),
                    unit: $unit,
                    default: ($default) as f64,
                    min: ($lo) as f64,
                    max: ($hi) as f64,
                    source: $src,
                    doc: $doc.trim_ascii(),
                }, )* ]
            }

            /// Appends one message per out-of-range value.
            pub fn validate(&self, errors: &mut Vec<String>) {
                $( $crate::scenario::params::check_range(
                    $section, stringify!($field), self.$field as f64,
                    ($lo) as f64, ($hi) as f64, $unit, errors); )*
            }
        }
    };
}

param_group! {
    /// Time stepping and output cadence (`[simulation]`).
    SimulationParams, section = "simulation" {
        /// Simulated duration.
        duration_days: f64 = 365.0, unit = "d", range = [0.0, 36500.0],
            source = "scenario choice";
        /// Length of one step. Ions are quasi-steady over minutes and the phenotype switch takes days, so 1 h resolves both.
        dt_h: f64 = 1.0, unit = "h", range = [0.01, 24.0],
            source = "estimate: ions are quasi-steady over minutes and the phenotype switch takes days, so a 1 h tick resolves both; the scheme is first order in dt: at 1 h the readouts of ckd4 (2 y) and ckd5d (1 and 4 y) are within 3% of those at 0.25–0.5 h (docs/convergence/README.md)";
        /// Seed of every random stream of the run (`--seed` overrides it).
        seed: u64 = 1, unit = "1", range = [0, u64::MAX],
            source = "scenario choice";
        /// Interval between full field frames in the output (rounded to whole steps; frames are also written at the start and the end).
        frame_every_h: f64 = 720.0, unit = "h", range = [0.01, 1.0e6],
            source = "scenario choice";
    }
}

param_group! {
    /// Wall geometry (`[geometry]`): a patch of arterial media, lumen at x = 0.
    GeometryParams, section = "geometry" {
        /// Number of dimensions: 2 (radial × circumferential section) or 3 (plus axial).
        ndim: usize = 2, unit = "1", range = [2, 3], source = "scenario choice";
        /// Voxel edge length: a numerical setting (results converge as it shrinks, docs/convergence/convergence.md), not a cell size.
        dx_um: f64 = 10.0, unit = "µm", range = [0.5, 1000.0],
            source = "scenario choice: a numerical setting, not biology (results converge as it shrinks: docs/convergence/convergence.md)";
        /// Thickness of the endothelial layer at the lumen.
        endothelium_um: f64 = 10.0, unit = "µm", range = [0.0, 100.0],
            source = "estimate: one cell layer";
        /// Number of lamellar units (an elastic lamina plus a smooth-muscle layer).
        lamellar_units: usize = 10, unit = "1", range = [1, 200],
            source = "[wolinsky1970] 28 (abdominal) to 56 (thoracic) units in adult human aorta; muscular arteries fewer (units scale with radius [wolinsky1967])";
        /// Thickness of one lamellar unit.
        lamellar_unit_um: f64 = 26.0, unit = "µm", range = [1.0, 200.0],
            source = "[wolinsky1970] 0.017 mm (thoracic) to 0.026 mm (abdominal)";
        /// Thickness of one elastic lamina (kept as a volume fraction of the voxels it crosses).
        lamina_um: f64 = 3.0, unit = "µm", range = [0.1, 100.0],
            source = "estimate: elastic laminae are a few µm thick";
        /// Thickness of the adventitia beyond the external elastic lamina.
        adventitia_um: f64 = 30.0, unit = "µm", range = [0.0, 5000.0],
            source = "scenario choice";
        /// Extent of the patch along the circumference (periodic).
        circumference_um: f64 = 1000.0, unit = "µm", range = [1.0, 1.0e6],
            source = "scenario choice";
        /// Extent of the patch along the vessel axis (periodic; 3D only).
        axial_um: f64 = 100.0, unit = "µm", range = [1.0, 1.0e6],
            source = "scenario choice";
        /// Culture only: fraction of the monolayer's voxels (one cell footprint each) that hold a VSMC at the start. In tissue the number of cells is cells.density_per_mm3.
        cell_fill: f64 = 0.8, unit = "1", range = [0.0, 1.0],
            source = "estimate: a near-confluent monolayer";
        /// 2D only: thickness of the slab of wall a section stands for (a voxel is dx × dx × this); 3D voxels are dx deep.
        section_um: f64 = 10.0, unit = "µm", range = [0.1, 1000.0],
            source = "scenario choice: thick enough to hold a VSMC (width 3–8 µm [bloodvessels1979]) so that cells and nuclei stay whole at every dx";
    }
}

param_group! {
    /// Constant serum concentrations at the lumen in tissue mode (`[serum]`); the patient model replaces them in a later version.
    SerumParams, section = "serum" {
        /// Serum inorganic phosphate.
        phosphate_mM: f64 = 1.1, unit = "mM", range = [0.0, 10.0],
            source = "standard: normal 0.81–1.45 mM (laboratory range); CKD 5D 1.6–1.8 mM [gutierrez2008] [chertow2002]";
        /// Serum total calcium.
        calcium_mM: f64 = 2.35, unit = "mM", range = [0.0, 10.0],
            source = "standard: normal 2.12–2.55 mM (laboratory range); [peterson2010] baseline 2.35 mM";
        /// Serum magnesium.
        magnesium_mM: f64 = 0.85, unit = "mM", range = [0.0, 20.0],
            source = "standard: normal 0.70–1.0 mM (laboratory range); HD 1.04 [tzanakis2014]";
        /// Plasma pyrophosphate.
        ppi_uM: f64 = 3.26, unit = "µM", range = [0.0, 1000.0],
            source = "[lomashvili2005] 3.26 ± 0.17 µM normal, 2.26 ± 0.19 µM pre-HD";
        /// Serum fetuin-A.
        fetuin_a_g_per_L: f64 = 0.7, unit = "g/L", range = [0.0, 20.0],
            source = "estimate: ~0.5–1.0 g/L normal (assay-dependent); 0.60 in HD [hermans2007]";
        /// Serum osteoprotegerin.
        opg_pM: f64 = 5.0, unit = "pM", range = [0.0, 1.0e5],
            source = "estimate: circulating OPG is a few pmol/L";
        /// Serum soluble RANKL.
        rankl_pM: f64 = 0.5, unit = "pM", range = [0.0, 1.0e5],
            source = "estimate: circulating sRANKL is below 1 pmol/L";
        /// Serum intact PTH.
        pth_pg_per_mL: f64 = 40.0, unit = "pg/mL", range = [0.0, 1.0e4],
            source = "standard: normal 10–65 pg/mL (laboratory range); HD 250–450, a typical range estimated from [levin2007] and DOPPS";
        /// Serum indoxyl sulfate (total), the uremic toxin that induces Nox4.
        indoxyl_sulfate_uM: f64 = 3.0, unit = "µM", range = [0.0, 5000.0],
            source = "[eutox] ~2–5 µM normal, 100–250 µM in HD";
    }
}

param_group! {
    /// Culture mode (`[culture]`): a monolayer of VSMCs under well-mixed medium, as in the in-vitro papers.
    CultureParams, section = "culture" {
        /// Side of the square monolayer that is simulated.
        side_um: f64 = 500.0, unit = "µm", range = [3.0, 1.0e5],
            source = "scenario choice";
        /// Height of medium over the cells: medium volume per area of the well (2 mL in a 9.6 cm² well ≈ 2 mm).
        medium_height_um: f64 = 2000.0, unit = "µm", range = [1.0, 1.0e5],
            source = "estimate: standard 6-well protocol";
        /// Days between medium changes (fresh medium restores every concentration).
        medium_change_days: f64 = 3.0, unit = "d", range = [0.1, 1000.0],
            source = "estimate: typical protocols change medium every 2–3 days [jono2000]";
        /// Protein per cell, to express deposited Ca as µg Ca per mg protein.
        protein_ng_per_cell: f64 = 0.3, unit = "ng", range = [0.001, 100.0],
            source = "estimate: cultured VSMC protein content 0.2–0.5 ng per cell";
        /// Phosphate of the medium.
        phosphate_mM: f64 = 0.9, unit = "mM", range = [0.0, 20.0],
            source = "standard: DMEM 0.9 mM; [jono2000] doses 1.0–3.0 mM";
        /// Total calcium of the medium (as the protocols state it).
        calcium_mM: f64 = 1.8, unit = "mM", range = [0.0, 20.0],
            source = "standard: DMEM 1.8 mM; high-Ca protocols 2.7–3.0 mM [yang2004] [masumoto2017]";
        /// Ionized fraction of the medium's calcium (the cells and the mineral see calcium_mM × this).
        ca_ionized_fraction: f64 = 0.5, unit = "1", range = [0.1, 1.0],
            source = "calibrated: the same fraction as serum's (patient.body.ca_ionized_fraction), so that the in-vitro claims, calibrated when the model read total Ca, read the same ionized levels; a serum-supplemented medium binds part of its Ca to protein and complexes it with phosphate and bicarbonate (estimate: 50–80% ionized)";
        /// Magnesium of the medium.
        magnesium_mM: f64 = 0.8, unit = "mM", range = [0.0, 20.0],
            source = "standard: DMEM 0.8 mM; [louvet2013] adds up to 3 mM";
        /// Pyrophosphate of the medium (from serum supplement).
        ppi_uM: f64 = 0.3, unit = "µM", range = [0.0, 1000.0],
            source = "estimate: 10% serum supplement brings ~10% of plasma PPi";
        /// Fetuin-A of the medium (bovine fetuin from the serum supplement).
        fetuin_a_g_per_L: f64 = 0.1, unit = "g/L", range = [0.0, 50.0],
            source = "estimate: bovine fetuin in a low-serum calcification medium";
        /// Osteoprotegerin of the medium.
        opg_pM: f64 = 0.0, unit = "pM", range = [0.0, 1.0e5], source = "convention: fresh medium";
        /// RANKL of the medium.
        rankl_pM: f64 = 0.0, unit = "pM", range = [0.0, 1.0e5], source = "convention: fresh medium";
        /// PTH of the medium (uremic-serum experiments).
        pth_pg_per_mL: f64 = 0.0, unit = "pg/mL", range = [0.0, 1.0e4], source = "convention: fresh medium";
        /// Indoxyl sulfate of the medium.
        indoxyl_sulfate_uM: f64 = 0.0, unit = "µM", range = [0.0, 5000.0], source = "convention: fresh medium";
    }
}

macro_rules! solute_group {
    ($name:ident, $section:literal, $doc:literal, d = $d:expr, $dsrc:literal, decay = $k:expr, $ksrc:literal, partition = $p:expr, $psrc:literal) => {
        param_group! {
            #[doc = $doc]
            $name, section = $section {
                /// Effective diffusion coefficient in the wall.
                diffusion_um2_per_h: f64 = $d, unit = "µm²/h", range = [0.0, 1.0e9], source = $dsrc;
                /// First-order loss rate in the wall.
                decay_per_h: f64 = $k, unit = "1/h", range = [0.0, 1.0e6], source = $ksrc;
                /// Wall/plasma partition coefficient: the lumen boundary holds serum × partition.
                partition: f64 = $p, unit = "1", range = [0.0, 10.0], source = $psrc;
            }
        }
    };
}

solute_group!(
    PhosphateTransport,
    "solutes.phosphate",
    "Transport of inorganic phosphate in the wall (`[solutes.phosphate]`).",
    d = 1.44e6,
    "[crc-handbook] free D ~1e-5 cm²/s at 37 °C × 0.3–0.5 tortuosity (estimate) ≈ 4e-6 cm²/s",
    decay = 0.0,
    "convention: conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    CalciumTransport,
    "solutes.calcium",
    "Transport of calcium in the wall (`[solutes.calcium]`).",
    d = 1.15e6,
    "[crc-handbook] free D 0.79e-5 cm²/s (25 °C) × ~0.4 tortuosity (estimate) ≈ 3.2e-6 cm²/s",
    decay = 0.0,
    "convention: conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    MagnesiumTransport,
    "solutes.magnesium",
    "Transport of magnesium in the wall (`[solutes.magnesium]`).",
    d = 1.0e6,
    "[crc-handbook] free D 0.71e-5 cm²/s (25 °C) × ~0.4 tortuosity (estimate)",
    decay = 0.0,
    "convention: conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    PpiTransport,
    "solutes.ppi",
    "Transport of pyrophosphate in the wall (`[solutes.ppi]`).",
    d = 2.0e3,
    "estimate: free PPi ~0.6e-5 cm²/s (ion size) × ~0.4 tortuosity, retarded ~400× by binding to matrix and mineral surfaces (PPi binds hydroxyapatite [seed-review])",
    decay = 0.1,
    "estimate: slow hydrolysis by phosphatases other than TNAP (plasma t½ 33 min is renal and hepatic clearance [oneill2011])",
    partition = 0.7,
    "estimate: ~30% of plasma PPi is protein-bound [lomashvili2005]"
);
solute_group!(
    FetuinTransport,
    "solutes.fetuin_a",
    "Transport of fetuin-A in the wall (`[solutes.fetuin_a]`).",
    d = 1.08e4,
    "estimate: ~60 kDa protein in the wall 2–5e-8 cm²/s, by analogy with albumin (2.7e-8 cm²/s [amjphysiol1981])",
    decay = 0.01,
    "estimate: plasma half-life ~2–4 d (no measured value; a hepatic glycoprotein) taken for tissue clearance (t½ ≈ 69 h)",
    partition = 0.15,
    "[amjphysiol1981] wall/plasma partition of albumin 0.1–0.2"
);
solute_group!(
    RosTransport,
    "solutes.ros",
    "Reactive oxygen species, as H2O2 (`[solutes.ros]`): quasi-steady, produced by cells and endothelium.",
    d = 2.0e6,
    "[vanstroebiezen1993] H2O2 1.4e-5 cm²/s free × ~0.4 tortuosity (estimate)",
    decay = 5000.0,
    "estimate: interstitial H2O2 lifetime below a second gives a range √(D/k) = 20 µm (1–100 µm for decay in ms–s; lifetimes [sies2017])",
    partition = 0.0,
    "convention: not exchanged with the lumen; produced in the wall"
);
solute_group!(
    RanklTransport,
    "solutes.rankl",
    "Transport of soluble RANKL (`[solutes.rankl]`).",
    d = 500.0,
    "estimate: a ~60 kDa trimer would move at ~1e4 µm²/h in the wall (albumin analogy [amjphysiol1981]), but RANKL is mostly membrane-bound and acts on neighbours, so its effective mobility is taken 20× lower",
    decay = 0.00293,
    "[openbonemin] koutL 0.00293 1/h (t½ 9.9 d)",
    partition = 0.15,
    "[amjphysiol1981] protein wall/plasma partition 0.1–0.2"
);
solute_group!(
    OpgTransport,
    "solutes.opg",
    "Transport of osteoprotegerin (`[solutes.opg]`).",
    d = 500.0,
    "estimate: a ~110 kDa dimer would move at ~7e3 µm²/h in the wall (albumin analogy [amjphysiol1981]); OPG binds RANKL on cells and matrix proteoglycans, so its effective mobility is taken as RANKL's",
    decay = 0.03,
    "estimate: tissue clearance of a secreted glycoprotein (t½ ≈ 1 d)",
    partition = 0.15,
    "[amjphysiol1981] protein wall/plasma partition 0.1–0.2"
);

param_group! {
    /// VSMC rules (`[cells]`): phosphate uptake, Runx2 and its drivers, ALP/OPN/RANKL/OPG expression, ROS, apoptosis and phenotype switching.
    CellParams, section = "cells" {
        /// Cell-to-cell coefficient of variation of PiT-1 expression (log-normal, mean 1).
        pit1_cell_cv: f64 = 0.15, unit = "1", range = [0.0, 3.0],
            source = "estimate: gives a graded dose response instead of an all-or-none threshold";
        /// Intracellular Pi reached at saturating PiT-1 uptake.
        pi_in_max_mM: f64 = 4.0, unit = "mM", range = [0.01, 100.0],
            source = "estimate: cytosolic Pi is ~1 mM at normal serum Pi";
        /// Extracellular Pi at which PiT-1-driven accumulation is half-saturated.
        pit1_km_mM: f64 = 3.0, unit = "mM", range = [0.001, 100.0],
            source = "estimate: the osteogenic response keeps rising up to 3–4 mM Pi [jono2000] [masumoto2017], so the effective saturation is set at 3 mM";
        /// Rate at which intracellular Pi follows uptake (export and use).
        pi_exchange_per_h: f64 = 1.0, unit = "1/h", range = [0.001, 1000.0],
            source = "estimate: cytosolic Pi turns over within hours";
        /// Culture only: fraction of a monolayer voxel taken by its cell (intracellular Pi pool size). In tissue a cell's volume is volume_um3.
        cell_volume_fraction: f64 = 0.4, unit = "1", range = [0.01, 1.0],
            source = "estimate: SMC volume fraction of the media 30–50% (rat aortic media 40–50% [osbornepellegrin1978])";
        /// Tissue: VSMCs per mm³ of smooth-muscle layer (each owns a territory of 1/density around it: its sensing and secretion volume).
        density_per_mm3: f64 = 2.0e5, unit = "1/mm³", range = [1.0e3, 1.0e7],
            source = "[bloodvessels1979] 1e5 nuclei/mm³ (human intracranial media); [olivetti1980] ~1e6/mm³ (rat aorta) → human muscular media 1–3e5/mm³";
        /// Tissue: volume of one VSMC (its intracellular Pi pool).
        volume_um3: f64 = 1300.0, unit = "µm³", range = [100.0, 10000.0],
            source = "estimate: ellipsoid 100 × 5 µm ≈ 1.3 pL (human VSMC 15–200 × 3–8 µm [bloodvessels1979]; rat aortic VSMC 272 µm³ [olivetti1980])";
        /// Intracellular Pi at which the osteogenic Pi signal is half-maximal.
        pi_in_half_max_mM: f64 = 1.8, unit = "mM", range = [0.01, 100.0],
            source = "estimate from [jono2000]: no mineral at ≤ 1.4 mM extracellular Pi, 2.0 mM the classic calcifying dose";
        /// Hill coefficient of the Pi signal.
        pi_hill: f64 = 6.0, unit = "1", range = [1.0, 12.0],
            source = "estimate from [jono2000]: sharp onset between 1.4 and 2.0 mM";
        /// Up-regulation of PiT-1 by high Ca at saturation (PiT-1 × (1 + gain)).
        ca_pit1_gain: f64 = 1.5, unit = "1", range = [0.0, 50.0],
            source = "[masumoto2017] HiCa raises PiT-1, PFA abolishes the Ca augmentation; [yang2004]";
        /// Ca at which the Ca-driven PiT-1 up-regulation is half-maximal.
        ca_half_max_mM: f64 = 1.35, unit = "mM", range = [0.05, 50.0],
            source = "[yang2004] 2.7 mM Ca (vs 1.8) induces PiT-1 and mineralization — 2.7 mM total, 1.35 mM ionized: the tissue and the culture cells see ionized Ca (half the total in serum and, by this model's convention, in a serum-supplemented medium), so every Ca level of the model is in ionized Ca: half of the total-Ca value";
        /// Hill coefficient of the Ca effect.
        ca_hill: f64 = 6.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: little effect at 1.8 mM, strong at 2.7–3.0 mM";
        /// Damping of the Ca effect per unit of Ca-sensing receptor activity.
        casr_protection: f64 = 8.0, unit = "1", range = [0.0, 100.0],
            source = "[seed-review] calcimimetics reduce high-Ca-induced VSMC calcification in culture (estimate of size)";
        /// Ca at which the VSMC Ca-sensing receptor is half-active.
        casr_half_max_mM: f64 = 1.5, unit = "mM", range = [0.05, 50.0],
            source = "estimate: vascular CaSR responds in the high-normal to high range (3.0 mM total, 1.5 ionized: the tissue and the culture cells see ionized Ca (half the total in serum and, by this model's convention, in a serum-supplemented medium), so every Ca level of the model is in ionized Ca: half of the total-Ca value)";
        /// Runx2 at the largest combined drive, relative to the basal level of a contractile VSMC.
        runx2_max_fold: f64 = 5.5, unit = "fold", range = [1.0, 100.0],
            source = "estimate from qPCR reports: Runx2 ×2–4 with 2 mM Pi (Runx2 rises with Pi [jono2000])";
        /// Half-life of Runx2 protein without ROS (ubiquitin–proteasome degradation).
        runx2_half_life_h: f64 = 2.0, unit = "h", range = [0.05, 240.0],
            source = "estimate: Runx2 protein in VSMC ~1–4 h (ubiquitin–proteasome); [openbonemin] 1 h";
        /// ROS (H2O2) level that halves Runx2 degradation through Akt/FOXO (less ubiquitination).
        ros_half_max_nM: f64 = 250.0, unit = "nM", range = [0.01, 1.0e5],
            source = "[byon2008] 0.1–0.4 mM H2O2 in the medium raises Runx2 2–3× via Akt, 100–400 nM of ROS at interventions.h2o2_ros_nM_per_uM = 1 (nM: tissue H2O2 ~1–100 nM [sies2017], above it oxidative distress)";
        /// Share of the Runx2 drive from free RANKL at saturation.
        rankl_weight: f64 = 1.0, unit = "1", range = [0.0, 10.0],
            source = "[jvascres2014] RANKL → IL-6 → osteochondrogenic genes; [morony2012] (estimate of size)";
        /// Free RANKL at which its drive is half-maximal.
        rankl_half_max_pM: f64 = 5.0, unit = "pM", range = [0.001, 1.0e6],
            source = "estimate";
        /// Share of the Runx2 drive from PTH (uremic serum) at saturation.
        pth_weight: f64 = 0.3, unit = "1", range = [0.0, 10.0],
            source = "[seed-review] the pro-calcific effect of uremic serum rises with PTH (estimate of size)";
        /// PTH at which its drive is half-maximal.
        pth_half_max_pg_per_mL: f64 = 400.0, unit = "pg/mL", range = [1.0, 1.0e5],
            source = "estimate: between normal (~40) and EVOLVE median (693) PTH [chertow2012]";
        /// Share of the Runx2 drive from active vitamin D (calcitriol, paricalcitol) above its normal level, at saturation.
        vitamin_d_weight: f64 = 0.3, unit = "1", range = [0.0, 10.0],
            source = "[jono1998] calcitriol at pharmacological concentrations raised the calcification and ALP of bovine VSMCs dose-dependently, by lowering their PTHrP; high-dose calcitriol calcifies the media of uremic rats [seed-review] (estimate of size: as PTH's)";
        /// Active vitamin D (relative to normal) above which it drives the VSMCs' Runx2.
        vitamin_d_threshold_rel: f64 = 1.5, unit = "× normal", range = [0.0, 1000.0],
            source = "estimate: the upper end of the normal range of 1,25(OH)2D (about 20–60 pg/mL around a mean of ~40); the in-vitro effect is at pharmacological concentrations [jono1998], and the healthy preset's own level (1.076 × normal) must not drive calcification";
        /// Active vitamin D above vitamin_d_threshold_rel (in units of the normal level) at which its drive is half-maximal.
        vitamin_d_half_excess: f64 = 2.0, unit = "× normal", range = [0.001, 1000.0],
            source = "estimate: in haemodialysis the usual 0.5 µg/day only restores about the normal level (configs/ckd5d.toml: 1.04 × normal, from 0.08) and adds no drive; 2 µg/day reaches 4.0 × normal, an excess of 2.5 and a drive of 0.17 (a little over half the maximum); calcification on usual doses comes through serum Ca and Pi";
        /// PPi that halves the Pi signal (PPi prevents Pi-induced osteogenic differentiation).
        ppi_signal_half_uM: f64 = 20.0, unit = "µM", range = [0.01, 1.0e5],
            source = "[seed-review] PPi prevents Pi-induced osteogenic differentiation (estimate of size)";
        /// Mg that halves the Pi signal when it enters through TRPM7.
        mg_signal_half_mM: f64 = 1.5, unit = "mM", range = [0.01, 100.0],
            source = "[louvet2013] Mg 2–3 mM prevents osteogenic differentiation, blocked by TRPM7 inhibition";
        /// Runx2 fold above basal at which ALP (TNAP) expression is half-maximal.
        alp_runx2_half: f64 = 1.5, unit = "fold", range = [0.01, 100.0],
            source = "estimate";
        /// Hill coefficient of the Runx2 → ALP and OPN expression.
        expression_hill: f64 = 4.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: ALP is absent from contractile cells and high in osteogenic ones";
        /// Rate at which ALP follows Runx2.
        alp_rate_per_h: f64 = 0.02, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: ALP activity rises by days 3–7 of Pi exposure (the protocols of [jono2000] [louvet2013] [masumoto2017])";
        /// Runx2 fold above basal at which OPN expression is half-maximal.
        opn_runx2_half: f64 = 1.5, unit = "fold", range = [0.01, 100.0],
            source = "estimate";
        /// Rate at which OPN follows Runx2.
        opn_rate_per_h: f64 = 0.01, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: a late marker";
        /// Basal RANKL secretion of a VSMC.
        rankl_basal_pM_per_h: f64 = 0.01, unit = "pM/h", range = [0.0, 1.0e4],
            source = "estimate: RANKL is absent from normal arteries [min2000]";
        /// RANKL secretion per unit of Runx2 above basal (Runx2 binds the RANKL promoter).
        rankl_runx2_pM_per_h: f64 = 5.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "[byon2011] (estimate of size)";
        /// OPG secretion of a contractile VSMC.
        opg_pM_per_h: f64 = 100.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "estimate: VSMCs are a main source of vascular OPG";
        /// OPG secretion of an osteogenic cell relative to a contractile one.
        opg_osteogenic_factor: f64 = 1.0, unit = "1", range = [0.0, 10.0],
            source = "[morony2012] RANKL-high VSMC express less OPG (estimate of size)";
        /// PPi made by a VSMC (ENPP1, ANK).
        ppi_secretion_uM_per_h: f64 = 0.2, unit = "µM/h", range = [0.0, 1.0e4],
            source = "estimate: keeps tissue PPi near plasma levels";
        /// PPi hydrolysis rate in a voxel whose cell has full ALP activity.
        alp_ppi_hydrolysis_per_h: f64 = 0.5, unit = "1/h", range = [0.0, 1.0e4],
            source = "estimate: TNAP of an osteogenic cell depletes local PPi within hours (the self-amplifying loop [seed-review]), yet plasma PPi still reaches the media (daily PPi lowers aortic Ca ~70% [oneill2011])";
        /// ROS made by a VSMC without toxin, as the level it alone would hold.
        ros_basal_nM: f64 = 2.0, unit = "nM", range = [0.0, 1.0e5],
            source = "[sies2017] tissue H2O2 ~1–100 nM, ~1–10 nM in resting cells (the 1–5 µM reported in plasma [forman2016] is likely an overestimate [halliwell2000])";
        /// Extra ROS from Nox4 at saturating uremic toxin.
        ros_toxin_max_nM: f64 = 150.0, unit = "nM", range = [0.0, 1.0e5],
            source = "estimate: chosen so that CKD 5D toxin levels raise Runx2 ~1.5–2× (indoxyl sulfate induces Nox4, ROS, ALP, OPN [muteliefu2009]); nM: tissue H2O2 ~1–100 nM, ~100 nM and above under oxidative stress [sies2017]";
        /// Indoxyl sulfate at which Nox4 induction is half-maximal.
        toxin_half_max_uM: f64 = 100.0, unit = "µM", range = [0.01, 1.0e5],
            source = "estimate vs [eutox]: 100–250 µM in HD";
        /// ROS made by the endothelium per mM of lumen Pi above 1.2 mM (microparticles; mechanism M4 of docs/references.md).
        endothelial_ros_per_mM: f64 = 50.0, unit = "nM/mM", range = [0.0, 1.0e5],
            source = "estimate: high Pi makes the endothelium shed microparticles that raise ROS [seed-review]; nM: tissue H2O2 ~1–100 nM [sies2017]";
        /// Basal apoptosis rate of a VSMC.
        apoptosis_per_h: f64 = 1.0e-5, unit = "1/h", range = [0.0, 10.0],
            source = "estimate: VSMC turnover 0.01–0.1%/day in a quiescent artery (medial thymidine index 0.06% [clowes1983])";
        /// Apoptosis increase at high Ca·Pi product.
        apoptosis_product_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: high Pi and Ca induce VSMC apoptosis in vitro [seed-review]";
        /// Ca·Pi product at which the apoptosis increase is half-maximal.
        apoptosis_product_half_mM2: f64 = 3.0, unit = "mM²", range = [0.01, 1000.0],
            source = "estimate (6 mM² in total Ca; the tissue and the culture cells see ionized Ca (half the total in serum and, by this model's convention, in a serum-supplemented medium), so every Ca level of the model is in ionized Ca: half of the total-Ca value)";
        /// Hill coefficient of the Ca·Pi product effect on apoptosis.
        apoptosis_product_hill: f64 = 4.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: apoptosis rises steeply at the high products of calcifying media";
        /// Apoptosis increase in a voxel full of mineral.
        apoptosis_mineral_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: mineral load kills VSMCs [seed-review]";
        /// Apoptosis increase at saturating ROS.
        apoptosis_ros_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate";
        /// Fetuin-A that halves apoptosis (fetuin-A blocks apoptosis).
        fetuin_apoptosis_half_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "[reynolds2005] fetuin-A reduces VSMC calcification partly by blocking apoptosis (estimate of size)";
        /// Rate at which an apoptotic cell becomes an apoptotic body.
        apoptotic_clearance_per_h: f64 = 0.08, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: apoptosis completes within ~12 h";
        /// Tissue: rate at which phagocytes remove an apoptotic body that is not in calcified mineral, freeing its territory.
        body_removal_per_h: f64 = 1.4e-3, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: efferocytosis of the media is slow and impaired in uraemia (mean ~30 d); medial VSMC loss with apoptotic bodies in dialysis vessels [shroff2008]";
        /// Tissue: rate at which a free territory (no cell, mineral below mineral.calcified_fraction) gains a new contractile VSMC by a neighbour's division (contact-inhibited: only free territories fill).
        repopulation_per_h: f64 = 3.0e-3, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: healthy media turnover ≈ 0.05–0.1%/day with apoptosis below 0.1%/day [clowes1983]; the media can proliferate fast when cells are lost (46% of medial SMC labelled 48 h after injury [clowes1983]) — a free territory refills in ~2 weeks";
        /// Runx2 level above which a contractile cell turns osteogenic.
        switch_on_runx2: f64 = 2.5, unit = "fold", range = [0.0, 100.0],
            source = "estimate: reached at ~1.7 mM Pi with defaults, between 1.4 mM (no mineral) and 2.0 mM [jono2000]";
        /// Runx2 level below which an osteogenic cell may return to contractile (below switch_on_runx2: hysteresis).
        switch_off_runx2: f64 = 1.3, unit = "fold", range = [0.0, 100.0],
            source = "estimate: the osteogenic state persists once established (OPG given late does not reverse calcification [min2000])";
        /// Rate of the contractile → osteogenic switch while Runx2 is above switch_on_runx2.
        switch_on_per_h: f64 = 0.02, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: ALP rises by days 3–7 of Pi exposure (mean wait 50 h; the protocols of [jono2000] [louvet2013] [masumoto2017])";
        /// Rate of the osteogenic → contractile return while Runx2 is below switch_off_runx2.
        switch_off_per_h: f64 = 0.005, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: reversal is slower than induction (mean wait ~8 d)";
    }
}

param_group! {
    /// Mineral chemistry (`[mineral]`): calciprotein particles, inhibitors, nucleation sites and growth of hydroxyapatite.
    MineralParams, section = "mineral" {
        /// Fetuin-A at which calciprotein particles hold half of the Ca·Pi product (free product = product / (1 + fetuin / this)).
        cpp_half_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "the one calciprotein-particle description: the tissue's free product and the serum T50 (patient.inhibitors) both divide by 1 + fetuin / this; estimate: fetuin-A gives more than half of serum's inhibition of Ca-P precipitation [schinke1996] [jahnendechent1997]; knock-out mice calcify [schafer2003]";
        /// Free Ca·Pi product above which nucleation can start, without other inhibitors.
        nucleation_product_mM2: f64 = 0.5, unit = "mM²", range = [0.0, 100.0],
            source = "calibrated: normal serum does not nucleate and CKD 5D serum does with osteogenic cells (1.0 mM² in total Ca; the tissue and the culture cells see ionized Ca (half the total in serum and, by this model's convention, in a serum-supplemented medium), so every Ca level of the model is in ionized Ca: half of the total-Ca value)";
        /// Largest factor by which fetuin-A taken into matrix vesicles raises their nucleation threshold.
        fetuin_vesicle_max: f64 = 2.0, unit = "1", range = [0.0, 1000.0],
            source = "[reynolds2005] fetuin-A in matrix vesicles blocks nucleation (estimate of size)";
        /// Fetuin-A at which the vesicle block is half-maximal.
        fetuin_vesicle_half_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "estimate: the tissue level of fetuin-A (~0.1 g/L)";
        /// Mg that doubles the nucleation threshold.
        mg_nucleation_half_mM: f64 = 3.0, unit = "mM", range = [0.001, 100.0],
            source = "[louvet2013] [kircelli2012] Mg 2–3 mM nearly abolishes Pi-induced calcification (estimate of size)";
        /// PPi (plus bisphosphonate equivalent) that doubles the nucleation threshold.
        ppi_nucleation_half_uM: f64 = 2.0, unit = "µM", range = [0.001, 1.0e5],
            source = "estimate: plasma PPi ~3 µM is a physiological inhibitor [lomashvili2005]";
        /// Bisphosphonate potency relative to PPi (non-hydrolysable PPi analogue).
        bisphosphonate_potency: f64 = 5.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: etidronate and alendronate inhibit calcification at antiresorptive doses [price2001]";
        /// Rise of the Pi concentration in matrix vesicles at full ALP activity (vesicle product × (1 + this · ALP)).
        vesicle_alp_boost: f64 = 1.5, unit = "1", range = [0.0, 1000.0],
            source = "estimate: TNAP in vesicles makes Pi from PPi and organic phosphate [seed-review]";
        /// Rise of matrix-vesicle release at saturating ROS (rate × (1 + this · ROS / (half + ROS))).
        vesicle_ros_gain: f64 = 3.0, unit = "1", range = [0.0, 1000.0],
            source = "estimate: oxidative stress raises vesicle and microparticle release and calcification [byon2008] [seed-review]";
        /// ROS at which vesicle release is raised by half of its maximum.
        vesicle_ros_half_nM: f64 = 50.0, unit = "nM", range = [0.01, 1.0e5],
            source = "estimate: the uremic media ROS level (~50 nM in the model's solved field, which vesicle release senses; tissue H2O2 ~1–100 nM [sies2017])";
        /// Rise of matrix-vesicle release at saturating free RANKL (rate × (1 + this · H(free RANKL; half, hill))).
        vesicle_rankl_gain: f64 = 5.0, unit = "1", range = [0.0, 1000.0],
            source = "estimate of size: RANKL drives VSMC calcification beyond Runx2, directly and through the pro-calcific factors of RANK-bearing cells [seed-review]; SM22α-RANKL VSMCs mineralise more under Pi [morony2012]; RANK and RANKL sit in calcified OPG−/− arteries only [min2000]";
        /// Free RANKL at which vesicle release is raised by half of its maximum.
        vesicle_rankl_half_pM: f64 = 20.0, unit = "pM", range = [0.001, 1.0e6],
            source = "estimate: above the free RANKL of walls with OPG (0.5 pM healthy, 2–3 pM at CKD 5D in the model) and below that of OPG−/− walls (~70 pM): RANK and RANKL appear in calcified OPG−/− arteries only [min2000]";
        /// Hill coefficient of the free-RANKL effect on vesicle release.
        vesicle_rankl_hill: f64 = 2.0, unit = "1", range = [0.1, 10.0],
            source = "estimate: a switch-like response (RANK-bearing cells appear only where OPG is missing [min2000])";
        /// Nucleation rate of one osteogenic cell's matrix vesicles (anywhere in its territory) per unit relative excess over the threshold.
        vesicle_nucleation_per_h: f64 = 1.5e-3, unit = "1/h", range = [0.0, 100.0],
            source = "calibrated with imaging.site_cv and imaging.site_onset_spread_days on the natural history of configs/ckd5d.toml (docs/natural_history/, scripts/calibrate_natural_history.py): 5× the earlier estimate 3e-4 (at CKD 5D serum an osteogenic cell waits months for its first nucleus), so that the media's own nuclei keep an established wall growing (volume score +22%/yr in years 2–3 from 300 AU, +11% at 3e-4 [raggi2011]); the laminae still calcify first (validation experiment 9)";
        /// Nucleation rate of one apoptotic cell or body (anywhere in its territory) per unit relative excess over the threshold.
        body_nucleation_per_h: f64 = 1.0e-3, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: apoptotic bodies are efficient nucleation sites [seed-review]";
        /// Nucleation rate per µm³ of elastic lamina per unit relative excess over its (lower) threshold.
        lamina_nucleation_per_um3_h: f64 = 3.9e-6, unit = "1/(µm³·h)", range = [0.0, 100.0],
            source = "calibrated with mineral.growth_um_per_mM2_h and imaging.site_cv on the natural history of configs/ckd5d.toml (docs/natural_history/, scripts/calibrate_natural_history.py): the wall's early mineral is mostly lamina nuclei, so this sets the first CT-detectable day (no detectable calcification within 18 months for a typical patient; issue 14); since elastin's nucleation follows the cells' ROS and free RANKL (mineral.lamina_cell_coupling), the rate is that of elastin next to cells without oxidative stress: 1.07e-5 (the calibration before the coupling) ÷ 2.74, the factor at the ROS of the dialysis wall (~68 nM), re-checked on the natural history (median first detectable day 855 over 6 site seeds, volume score +36% in the year from 300 AU); 3.2e-5 was the earlier estimate (4e-3/h per 5 µm lamina voxel, set so that mineral is enriched along the laminae of a CKD 5D wall, validation experiment 9); medial calcification forms along the elastic laminae [seed-review] [meyer1969]";
        /// Threshold factor of elastin: the lamina nucleation threshold is this times the vesicle threshold without fetuin-A.
        lamina_threshold_factor: f64 = 0.8, unit = "1", range = [0.01, 100.0],
            source = "estimate: elastin nucleates below the cells' threshold (calcific bands along the internal elastic lamina by age 10–20 [meyer1969]); mineral is enriched along the laminae of a CKD 5D wall (validation experiment 9)";
        /// How far elastin's nucleation follows the activity of the cells around it: the lamina rate is × (1 + this · (A − 1)), with A the matrix vesicles' release factor at the lamina's ROS and free RANKL, (1 + vesicle_ros_gain · ROS / (vesicle_ros_half_nM + ROS)) · (1 + vesicle_rankl_gain · H(free RANKL)); 0: elastin nucleates whatever the cells do.
        lamina_cell_coupling: f64 = 1.0, unit = "1", range = [0.0, 1.0],
            source = "estimate: elastin calcifies where it is degraded, and its degradation follows the cells: MMP-2 and cathepsin S rise and elastin turns over before medial calcification in uraemic mice [pai2011]; full coupling through the factors the model already has for the cells' vesicle release (no new gain)";
        /// Mineral fraction from which a voxel is a growth front for its face neighbours (mineral grows into them at the growth velocity).
        front_fraction: f64 = 0.5, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a voxel about full (max_fraction 0.6): the front then takes over from the voxel's own particle surface without a jump in 3D; the front's speed is the growth velocity whatever this is";
        /// Volume of mineral a new nucleus brings (a cluster of matrix vesicles or an apoptotic body's mineral).
        nucleus_um3: f64 = 0.125, unit = "µm³", range = [1.0e-9, 1.0e6],
            source = "estimate: a cluster of matrix vesicles (100–300 nm each) ≈ a 0.6 µm sphere; the earlier 0.001 of a 5 µm voxel";
        /// Free Ca·Pi product below which existing mineral stops growing.
        growth_product_mM2: f64 = 0.25, unit = "mM²", range = [0.0, 100.0],
            source = "estimate: growth needs far less supersaturation than nucleation (initiation is slow, growth on an existing nidus fast [block2005]; late OPG does not reverse calcification [min2000]) (0.5 mM² in total Ca; the tissue and the culture cells see ionized Ca (half the total in serum and, by this model's convention, in a serum-supplemented medium), so every Ca level of the model is in ionized Ca: half of the total-Ca value)";
        /// Growth velocity of a mineral surface per mM² of free product above growth_product_mM2 (before PPi and Mg): a particle of volume V grows by velocity × its surface (36π)^(1/3)·V^(2/3); a front moves at the velocity.
        growth_um_per_mM2_h: f64 = 2.8e-5, unit = "µm/(mM²·h)", range = [0.0, 10.0],
            source = "calibrated jointly with mineral.lamina_nucleation_per_um3_h and imaging.site_cv on the natural history of the default haemodialysis patient (configs/ckd5d.toml from a clean wall; docs/natural_history/, scripts/calibrate_natural_history.py, 6 site seeds): first CT-detectable day after 18 months for a typical patient (median 570), no reading above 30 AU within 18 months [block2005] (median day 1394), volume score +20–40% in the year from 300 AU [raggi2011] at the median of a prevalent dialysis cohort [goodman2000] (median +31%, 300 AU on day 2511); the earlier 0.85e-4 (calibrated on block2005 alone) made the wall's HA mass more than double in the year from 300 AU (+114%), reached on day 737; the uncalibrated conversion of the earlier 1.5e-4 per (mM²·h) on the fraction of a 5 µm voxel is 3.1e-4 in ionized-Ca products";
        /// PPi (plus bisphosphonate equivalent) that halves crystal growth.
        ppi_growth_half_uM: f64 = 1.5, unit = "µM", range = [0.001, 1.0e5],
            source = "estimate: PPi binds hydroxyapatite and stops growth [seed-review]; daily PPi reduces aortic Ca ~70% [oneill2011]";
        /// Mg that halves crystal growth.
        mg_growth_half_mM: f64 = 3.0, unit = "mM", range = [0.001, 100.0],
            source = "estimate [louvet2013]";
        /// Dissolution velocity of a mineral surface per mM² of free product below growth_product_mM2 (undersaturated tissue).
        dissolution_um_per_mM2_h: f64 = 1.0e-4, unit = "µm/(mM²·h)", range = [0.0, 10.0],
            source = "estimate: the growth velocity's coefficient (symmetric kinetics); serum stays supersaturated with respect to apatite, so mineral in vivo hardly ever dissolves (regression is rare: no regression after transplantation [mazzaferro2009] [marechal2012])";
        /// Resorption velocity of a mineral surface by RANKL-driven osteoclast-like cells at saturating free RANKL.
        resorption_um_per_h: f64 = 5.0e-6, unit = "µm/h", range = [0.0, 10.0],
            source = "estimate: osteoclast-like cells occur in calcified arteries [jiang2021] but human calcification rarely regresses [marechal2012]: about a tenth of the growth velocity at CKD 5D serum at saturating free RANKL, so that OPG−/− walls still calcify [bucay1998]";
        /// Free RANKL at which resorption is half-maximal.
        resorption_rankl_half_pM: f64 = 20.0, unit = "pM", range = [0.001, 1.0e6],
            source = "estimate: as vesicle_rankl_half_pM (RANK-bearing cells appear only where OPG is missing [min2000])";
        /// Largest mineral volume fraction of a voxel (the rest is cells and matrix).
        max_fraction: f64 = 0.6, unit = "1", range = [0.01, 1.0],
            source = "estimate: media is 30–50% cells by volume (rat aortic media 40–50% [osbornepellegrin1978])";
        /// Mean mineral volume fraction from which a block of calcified_block_um counts as calcified in the outputs.
        calcified_fraction: f64 = 0.05, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a von Kossa-visible deposit";
        /// Side of the blocks over which mineral is averaged for the calcified fraction (a physical scale, so that the readout does not depend on dx).
        calcified_block_um: f64 = 10.0, unit = "µm", range = [0.1, 1000.0],
            source = "estimate: a light-microscopy-resolvable deposit (the voxel of the earlier default dx)";
    }
}

param_group! {
    /// Switches and drugs at tissue and cell level (`[interventions]`); 1 is the wild type for expression levels, 0 the knock-out.
    InterventionParams, section = "interventions" {
        /// Fetuin-A supply (0 = Ahsg knock-out): serum or medium fetuin-A × this.
        fetuin_a_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[schafer2003] fetuin-A knock-out mice";
        /// OPG expression of VSMCs and supply from serum (0 = OPG−/−).
        opg_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[bucay1998] OPG−/− mice";
        /// Extra RANKL secretion of every VSMC (SM22α-RANKL transgenic).
        rankl_overexpression_pM_per_h: f64 = 0.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "[morony2012]";
        /// PiT-1 expression (0 = knock-down or full phosphonoformic-acid block).
        pit1_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[jono2000] [li2006]";
        /// Nox4 expression (0 = knock-down).
        nox4_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[seed-review] Nox4 is the main ROS source of VSMCs; [muteliefu2009] indoxyl sulfate induces Nox4 and ROS";
        /// Runx2 expression (0 = SMC-specific deletion).
        runx2_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[sun2012] Runx2 deletion in SMCs inhibits calcification";
        /// Extra Runx2 from a transgene, fold of basal.
        runx2_overexpression: f64 = 0.0, unit = "fold", range = [0.0, 100.0],
            source = "[seed-review] up-regulating Runx2 alone calcifies VSMCs";
        /// Ca-sensing receptor expression of VSMCs (0 = knock-out).
        casr_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[seed-review] VSMC Ca-sensing receptor activity opposes Ca-induced calcification; CaSR knock-out";
        /// TRPM7 channel activity (0 = blocked: Mg no longer enters the cell).
        trpm7_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[louvet2013]";
        /// Fraction of TNAP activity inhibited (levamisole).
        tnap_inhibition: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "[azpiazu2018] levamisole, IC50 7.2 µM";
        /// Exogenous pyrophosphate added to serum or medium (time-averaged).
        exogenous_ppi_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "[oneill2011] daily PPi in uremic rats";
        /// Bisphosphonate in the tissue (non-hydrolysable PPi analogue).
        bisphosphonate_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "[price2001]";
        /// Extra magnesium in serum or medium (Mg-containing binder, supplement, dialysate).
        magnesium_extra_mM: f64 = 0.0, unit = "mM", range = [0.0, 50.0],
            source = "[louvet2013] [bressendorff2018]";
        /// Fraction of ROS scavenged by an antioxidant (TEMPOL).
        antioxidant: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "[yamada2012] TEMPOL lowers medial calcification in uremic rats";
        /// Fraction of Akt activity inhibited (blocks the ROS → Runx2 stabilisation).
        akt_inhibition: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "[byon2008]";
        /// Denosumab (anti-RANKL antibody) in the tissue.
        denosumab_nM: f64 = 0.0, unit = "nM", range = [0.0, 1.0e5],
            source = "[seed-review] denosumab, an anti-RANKL antibody, is an OPG analogue";
        /// Calcimimetic acting on the VSMC Ca-sensing receptor, as added receptor activity.
        calcimimetic: f64 = 0.0, unit = "1", range = [0.0, 100.0],
            source = "[seed-review] R-568, AMG641 in vitro";
        /// Exogenous H2O2 added to serum or medium, as the papers dose it (µM); cells sense it as ROS through h2o2_ros_nM_per_uM.
        h2o2_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "[byon2008] 0.1–0.4 mM H2O2";
        /// ROS (nM, the unit of the tissue field) that cells sense per µM of exogenous H2O2 in the medium.
        h2o2_ros_nM_per_uM: f64 = 1.0, unit = "nM/µM", range = [0.0, 1.0e3],
            source = "calibrated: the steady ROS level a medium bolus sustains — keeps the in-vitro oxidative-stress claims (experiment 3) as they were; a 100s-µM bolus is cleared by catalase within minutes [halliwell2000], so cells see far less than the dose";
    }
}

param_group! {
    /// Binding constants (`[binding]`).
    BindingParams, section = "binding" {
        /// Dissociation constant of OPG·RANKL.
        opg_rankl_kd_pM: f64 = 5.0, unit = "pM", range = [1.0e-6, 1.0e6],
            source = "estimate: high-affinity decoy receptor ([openbonemin] k_on 6.24e-6, k_off 0.112 1/h in model units)";
        /// Dissociation constant of denosumab·RANKL.
        denosumab_rankl_kd_nM: f64 = 0.003, unit = "nM", range = [1.0e-9, 1.0e6],
            source = "[prolia-label] denosumab binds RANKL with ~3 pM affinity";
    }
}

param_group! {
    /// The patient's body (`[patient.body]`): volumes and serum chemistry shared by every compartment of the systemic model.
    BodyParams, section = "patient.body" {
        /// Extracellular fluid volume in which serum Ca, Pi, Mg, PPi and toxins distribute.
        ecf_volume_L: f64 = 14.0, unit = "L", range = [5.0, 40.0],
            source = "[peterson2010] [openbonemin] V1 = 14 L";
        /// Volume of the intracellular phosphate pool that exchanges with the ECF (rebound after dialysis).
        cell_pi_volume_L: f64 = 110.0, unit = "L", range = [0.0, 500.0],
            source = "calibrated: rebound to ~85–90% of pre-dialysis Pi within hours and 94% (63–113%) at 48 h after a session removing 780–980 mg — two-pool model with a distal pool ≈ 3 × total body water [daugirdas2018] [stremke2022]; default changed from 28 L for this calibration";
        /// Exchange clearance between the intracellular Pi pool and the ECF.
        cell_pi_exchange_L_per_h: f64 = 10.0, unit = "L/h", range = [0.0, 30.0],
            source = "calibrated: intradialytic Pi falls steeply for 1–2 h then plateaus (−47% at 1 h vs −45% at 4 h), end of session ≈ 0.8–1.1 mM, rebound large within 3–4 h [ndt1991] [elias2018] [stremke2022] — the plateau is where refilling from the cells (this clearance) matches the dialyser's; default changed from 4 L/h for this calibration";
        /// Ionized fraction of total serum calcium.
        ca_ionized_fraction: f64 = 0.5, unit = "1", range = [0.2, 0.9],
            source = "standard: ionized 1.12–1.32 mM of total 2.12–2.55 mM (laboratory ranges); 45–50% ionized [walser1961]";
        /// Body weight, for doses given per kg.
        body_weight_kg: f64 = 70.0, unit = "kg", range = [10.0, 250.0],
            source = "estimate: reference adult";
        /// Longest internal time step of the systemic model.
        substep_h: f64 = 0.1, unit = "h", range = [0.001, 1.0],
            source = "estimate: ten times shorter than the fastest pool (PPi, t½ 33 min; dialysis)";
        /// Serum magnesium of the normal person the spin-up starts from.
        mg_normal_mM: f64 = 0.85, unit = "mM", range = [0.5, 1.5],
            source = "estimate: middle of the normal serum Mg range 0.7–1.0 mM";
        /// Serum indoxyl sulfate of a person with normal kidneys: the spin-up's start and the reference of its effect on fetuin-A synthesis.
        toxin_normal_uM: f64 = 3.0, unit = "µM", range = [0.0, 50.0],
            source = "estimate: total indoxyl sulfate of healthy serum is a few µM, two orders below end-stage levels";
        /// Weeks simulated before t = 0 so that the patient starts at its steady state (dialysis schedule included, no treatments).
        spin_up_weeks: f64 = 104.0, unit = "weeks", range = [0.0, 1000.0],
            source = "estimate: three times the slowest relaxation (parathyroid gland, 60 d; bone cells, 30 d)";
        /// Ionized Ca above which soft tissues (outside bone) take up calcium: the sink of a positive Ca balance.
        soft_tissue_ica_set_mM: f64 = 1.22, unit = "mM", range = [0.5, 3.0],
            source = "calibrated: on calcium-based binders (3 g/day CaCO3) in HD mean total Ca ≈ 2.4–2.55 mM, the absorbed Ca going into a positive balance of tissue and bone, not serum [hill2013] [spiegel2012] — just above the normal ionized Ca, so that normal serum takes up nothing";
        /// Clearance of ionized Ca above that level into soft tissue (a one-way sink, mmol/h = this × (iCa − set)).
        soft_tissue_ca_clearance_L_per_h: f64 = 4.0, unit = "L/h", range = [0.0, 1000.0],
            source = "calibrated: absorbs the ~6 mmol/day of Ca absorbed from 3 g/day CaCO3 with total Ca ≈ 2.5 mM in HD (balance study: serum Ca unchanged [hill2013])";
        /// Serum ionized Ca × Pi (× its normal value) above which Ca–Pi precipitates in soft tissue (metastatic calcification of untreated hyperphosphataemia).
        soft_tissue_product_threshold: f64 = 1.8, unit = "1", range = [0.0, 100.0],
            source = "calibrated: untreated end-stage kidney failure is hypocalcaemic with high Pi while pre-dialysis HD serum (iCa·Pi ≈ 1.45 × normal) deposits nothing — above the HD pre-dialysis product";
        /// Ca precipitated in soft tissue per day per unit of product above that threshold (with 0.6 Pi per Ca).
        soft_tissue_product_rate_mmol_per_day: f64 = 10.0, unit = "mmol/day", range = [0.0, 10000.0],
            source = "calibrated: untreated end-stage kidney failure (ckd5d without dialysis) settles hypocalcaemic, total Ca below 2.12 mM";
    }
}

param_group! {
    /// Kidney (`[patient.kidney]`): eGFR, threshold phosphate excretion with its FGF23–Klotho and PTH control, Ca and Mg handling, toxin clearance.
    KidneyParams, section = "patient.kidney" {
        /// eGFR at t = 0.
        egfr_mL_min: f64 = 100.0, unit = "mL/min", range = [0.0, 200.0],
            source = "standard: CKD stage limits by eGFR, CKD 3 30–59, CKD 4 15–29, CKD 5 < 15 mL/min";
        /// Linear fall of eGFR per year from t = 0.
        egfr_decline_mL_min_per_year: f64 = 0.0, unit = "mL/min/year", range = [0.0, 50.0],
            source = "estimate: progressive CKD loses 2–5 mL/min per year";
        /// Lowest eGFR the decline reaches (residual function).
        egfr_floor_mL_min: f64 = 2.0, unit = "mL/min", range = [0.0, 200.0],
            source = "estimate: residual renal function of dialysis patients";
        /// Filtered-load coefficient of phosphate excretion above the threshold.
        pi_excretion_coefficient: f64 = 0.88, unit = "1", range = [0.2, 5.0],
            source = "[peterson2010] J48 = 0.88·GFR·(C − threshold)";
        /// Renal phosphate threshold (TmP/GFR) at normal FGF23, Klotho and PTH.
        pi_threshold_mM: f64 = 0.98, unit = "mM", range = [0.1, 3.0],
            source = "[peterson2010] use 1.142 mM; lowered to 0.98 for a 1000 mg/day diet (normal TmP/GFR 0.8–1.35 mM)";
        /// Phosphaturic gain of FGF23 × Klotho on the threshold.
        fgf23_phosphaturia: f64 = 0.3, unit = "1", range = [0.0, 10.0],
            source = "estimate: FGF23 excess can halve TmP/GFR when Klotho, its co-factor, is intact [seed-review]";
        /// Phosphaturic gain of PTH on the threshold.
        pth_phosphaturia: f64 = 0.15, unit = "1", range = [0.0, 10.0],
            source = "estimate: PTH lowers proximal Pi reabsorption (NaPi-IIa internalisation)";
        /// eGFR at which Klotho expression is half of its normal value.
        klotho_half_egfr_mL_min: f64 = 30.0, unit = "mL/min", range = [0.1, 500.0],
            source = "estimate: renal Klotho falls from CKD 2 onwards and is mostly lost in CKD 5 [seed-review]";
        /// Ultrafiltrable fraction of serum calcium.
        ca_ultrafiltrable_fraction: f64 = 0.6, unit = "1", range = [0.0, 1.0],
            source = "[peterson2010] Ca filtration 0.6·0.5·GFR·Ca (standard ~60% ultrafiltrable)";
        /// Fractional excretion of filtered calcium at normal PTH.
        ca_fractional_excretion: f64 = 0.025, unit = "1", range = [0.0, 1.0],
            source = "estimate: urinary Ca 2.5–7.5 mmol/day of ~180 mmol/day filtered";
        /// Exponent of ionized Ca on Ca fractional excretion (renal CaSR in the thick ascending limb).
        ca_casr_exponent: f64 = 12.0, unit = "1", range = [0.0, 50.0],
            source = "estimate: hypercalcaemia inhibits Ca reabsorption through the renal CaSR";
        /// Exponent of the PTH effect on Ca reabsorption (fractional excretion ∝ (PTH normal / PTH)^this).
        ca_pth_exponent: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate: PTH raises distal Ca reabsorption";
        /// Ultrafiltrable fraction of serum magnesium.
        mg_ultrafiltrable_fraction: f64 = 0.7, unit = "1", range = [0.0, 1.0],
            source = "estimate: ~70% of serum Mg is not protein-bound";
        /// Fractional excretion of filtered Mg at normal eGFR.
        mg_fractional_excretion: f64 = 0.05, unit = "1", range = [0.0, 1.0],
            source = "estimate: normal FEMg 2–5%; gives serum Mg ~0.83 mM at a 300 mg/day diet";
        /// Largest fractional excretion of Mg the failing kidney reaches.
        mg_fractional_excretion_max: f64 = 0.45, unit = "1", range = [0.0, 1.0],
            source = "estimate: keeps HD serum Mg near 1.04 mM [tzanakis2014] with dialysate Mg 0.5 mM";
        /// Rise of Mg fractional excretion as eGFR falls (FEMg ∝ (100/eGFR)^this, at most the maximum above).
        mg_adaptation_exponent: f64 = 0.95, unit = "1", range = [0.0, 3.0],
            source = "estimate: FEMg rises adaptively in CKD so serum Mg stays near 0.9–1.1 mM";
        /// Renal clearance of indoxyl sulfate (tubular secretion) at eGFR 100 mL/min.
        toxin_clearance_L_per_h: f64 = 10.0, unit = "L/h", range = [0.0, 1000.0],
            source = "estimate: gives ~3 µM at the production rate below [eutox]";
        /// Exponent of the fall of toxin clearance with eGFR (clearance ∝ (eGFR/100)^this): secretion falls faster than filtration.
        toxin_clearance_exponent: f64 = 1.7, unit = "1", range = [0.0, 5.0],
            source = "calibrated: CKD 3 10–30, CKD 4 30–80, CKD 5 80–150 µM — stage values estimated around [eutox]";
        /// Non-renal clearance of indoxyl sulfate.
        toxin_nonrenal_clearance_L_per_h: f64 = 0.05, unit = "L/h", range = [0.0, 100.0],
            source = "estimate: small hepatic/biliary elimination; caps anuric levels near 250 µM between dialyses";
    }
}

param_group! {
    /// Diet and gut (`[patient.diet]`): intake and the calcitriol-dependent fraction absorbed.
    DietParams, section = "patient.diet" {
        /// Dietary phosphorus.
        phosphate_mmol_per_day: f64 = 32.0, unit = "mmol/day", range = [0.0, 200.0],
            source = "estimate: ~1000 mg/day, a usual Western diet ([peterson2010] use 10.5 mmol/day net)";
        /// Dietary calcium.
        calcium_mmol_per_day: f64 = 20.0, unit = "mmol/day", range = [0.0, 200.0],
            source = "estimate: ~800 mg/day ([peterson2010] OralCa 24 mmol/day)";
        /// Dietary magnesium.
        magnesium_mmol_per_day: f64 = 12.0, unit = "mmol/day", range = [0.0, 100.0],
            source = "estimate: ~300 mg/day";
        /// Fraction of dietary Pi absorbed without calcitriol (paracellular, NaPi-IIb at its floor).
        pi_absorption_basal: f64 = 0.45, unit = "1", range = [0.0, 1.0],
            source = "estimate: 40–50% of Pi is absorbed even with low calcitriol";
        /// Extra fraction of dietary Pi absorbed at saturating calcitriol (× D/(1 + D), D relative calcitriol).
        pi_absorption_calcitriol: f64 = 0.4, unit = "1", range = [0.0, 1.0],
            source = "estimate: total Pi absorption 60–70% at normal calcitriol";
        /// Fraction of dietary Ca absorbed without calcitriol.
        ca_absorption_basal: f64 = 0.07, unit = "1", range = [0.0, 1.0],
            source = "estimate: passive paracellular Ca absorption";
        /// Extra fraction of dietary Ca absorbed at saturating calcitriol (× D/(1 + D)).
        ca_absorption_calcitriol: f64 = 0.4, unit = "1", range = [0.0, 1.0],
            source = "estimate: total Ca absorption ~30% at normal calcitriol ([peterson2010] calcitriol-driven TRPV6 transport)";
        /// Endogenous calcium secreted into the gut and lost in faeces at normal serum Ca.
        ca_gut_secretion_mmol_per_day: f64 = 3.5, unit = "mmol/day", range = [0.0, 20.0],
            source = "estimate: endogenous faecal Ca ~100–150 mg/day; with low calcitriol net Ca absorption nears zero";
        /// Fraction of dietary Mg absorbed.
        mg_absorption: f64 = 0.35, unit = "1", range = [0.0, 1.0],
            source = "estimate: 30–40% of dietary Mg is absorbed";
        /// Production of indoxyl sulfate (gut bacteria → liver).
        toxin_production_umol_per_h: f64 = 30.0, unit = "µmol/h", range = [0.0, 10000.0],
            source = "estimate: with the kidney clearance, ~3 µM at normal eGFR (normal ~2–5 µM [eutox])";
    }
}

param_group! {
    /// Parathyroid gland (`[patient.parathyroid]`): PTH secretion set by ionized Ca through the Ca-sensing receptor, by Pi and by calcitriol; gland hyperplasia under chronic stimulation.
    ParathyroidParams, section = "patient.parathyroid" {
        /// PTH at normal stimulus and gland size.
        pth_normal_pg_per_mL: f64 = 40.0, unit = "pg/mL", range = [1.0, 1000.0],
            source = "[peterson2010] 3.85 pM ≈ 36 pg/mL; laboratory normal 10–65";
        /// Ionized Ca at the midpoint between maximal and minimal secretion (Brown's set point).
        casr_set_point_mM: f64 = 1.0, unit = "mM", range = [0.5, 2.0],
            source = "calibrated: acute reserve ≥ 5 × basal with a moderate slope at normal iCa — Brown's set point is 1.13 ± 0.04 mM ionized in healthy controls, just below basal iCa, on a steeper curve [schwarz1994] [brown1983]; here 1.0 mM with casr_hill 10.5 puts secretion at normal iCa (1.18 mM) at 1/5 of the maximum (5.2 × reserve, as measured: 4–7 × [schwarz1993], ≈ 4 × [brent1988]). A curve of measured steepness (1.10 mM, Hill 24) moved HD PTH 2.4-fold within a week and took cinacalcet and calcitriol beyond their trial effects, which were calibrated on the old slope. Chosen so the BMP-7 (CKD 3–5) and denosumab (CKD 5) rows of docs/plausibility.md stay above 1.9 mM total Ca; was 1.2 mM with Hill 8 and no floor (reserve 1.9 ×)";
        /// Steepness (Hill coefficient) of the CaSR suppression of PTH (Brown's slope).
        casr_hill: f64 = 10.5, unit = "1", range = [1.0, 50.0],
            source = "calibrated: with casr_set_point_mM, maximal secretion 5.2 × the secretion at normal iCa ([schwarz1993] 4–7 ×; [brent1988]) while d ln PTH / d ln iCa at normal iCa (−7.3) is −6.6, 1.8 × the previous calibration (−3.7); steep sigmoidal PTH–Ca curve [brown1983], Hill-type CaSR control in [granjon2017]; see casr_set_point_mM for why not the measured steepness";
        /// Non-suppressible secretion at high ionized Ca, as a fraction of the maximal (Brown's minimum/maximum).
        casr_min_fraction: f64 = 0.05, unit = "1", range = [0.0, 1.0],
            source = "[brent1988] Ca infusion suppressed intact PTH to 6 ng/L and EDTA raised it to 95–100 ng/L in normal men (≈ 0.06); [schwarz1993] +0.2 mM iCa suppressed PTH to ~1/4 of baseline, −0.2 mM raised it 4–7-fold (≈ 0.04–0.06)";
        /// Exponent of direct Pi stimulation of PTH secretion ((Pi/normal)^this).
        pi_exponent: f64 = 1.2, unit = "1", range = [0.0, 5.0],
            source = "estimate: Pi raises PTH secretion and gland growth [seed-review]";
        /// Exponent of calcitriol suppression of PTH ((D)^−this).
        calcitriol_exponent: f64 = 0.35, unit = "1", range = [0.0, 3.0],
            source = "estimate: calcitriol represses the PTH gene";
        /// Relative secretory capacity of the gland (patient factor; > 1 nodular hyperplasia).
        gland_capacity: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "estimate: patient-specific (see `[patient.variability]`)";
        /// Time constant of gland growth or involution towards the stimulus.
        gland_time_days: f64 = 60.0, unit = "days", range = [1.0, 3650.0],
            source = "estimate: parathyroid hyperplasia develops over months";
        /// Exponent of gland size on the chronic stimulus (size → stimulus^this).
        gland_growth_exponent: f64 = 0.7, unit = "1", range = [0.0, 3.0],
            source = "estimate: hyperplasia amplifies secretion; PTH ∝ stimulus^(1 + this) at steady state";
        /// Time constant over which serum Pi acts on PTH secretion (through PTH mRNA stability, not the CaSR's minutes).
        pi_response_h: f64 = 24.0, unit = "h", range = [0.01, 1000.0],
            source = "calibrated: PTH in HD varies between sessions but not several-fold within a week, while PTH answers ionized Ca within minutes [schmitt1996]; with an instantaneous Pi effect intradialytic PTH swung 4–5-fold";
    }
}

param_group! {
    /// FGF23 and calcitriol (`[patient.hormones]`).
    HormoneParams, section = "patient.hormones" {
        /// C-terminal FGF23 at normal Pi, calcitriol and eGFR.
        fgf23_normal_RU_per_mL: f64 = 50.0, unit = "RU/mL", range = [1.0, 1.0e4],
            source = "estimate: normal ~30–70 RU/mL, below the 100 RU/mL taken as high in CRIC [isakova2011]";
        /// Exponent of serum Pi on FGF23 production.
        fgf23_pi_exponent: f64 = 1.0, unit = "1", range = [0.0, 5.0],
            source = "estimate: FGF23 rises with Pi load";
        /// Exponent of falling eGFR on FGF23 ((100/eGFR)^this: osteocyte production up, clearance down).
        fgf23_egfr_exponent: f64 = 1.1, unit = "1", range = [0.0, 5.0],
            source = "calibrated: CKD 3 100–150, CKD 4 150–300, CKD 5 300–1000, HD ~1400 RU/mL — HD median [gutierrez2008], stage values estimated around CRIC [isakova2011]";
        /// Exponent of calcitriol on FGF23 production.
        fgf23_calcitriol_exponent: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate: calcitriol induces FGF23";
        /// Half-life of FGF23.
        fgf23_half_life_h: f64 = 1.0, unit = "h", range = [0.01, 100.0],
            source = "[khosravi2007] intact FGF23 45–60 min";
        /// Exponent of kidney mass (Klotho factor) on calcitriol synthesis (1α-hydroxylase).
        calcitriol_kidney_exponent: f64 = 1.0, unit = "1", range = [0.0, 5.0],
            source = "estimate: calcitriol falls with nephron mass (CKD extension of [peterson2010], [riggs2012]: calcitriol falls as GFR falls)";
        /// Exponent of PTH on calcitriol synthesis.
        calcitriol_pth_exponent: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate: PTH induces 1α-hydroxylase";
        /// Exponent of FGF23 suppression of calcitriol synthesis.
        calcitriol_fgf23_exponent: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate: FGF23 represses 1α-hydroxylase and induces 24-hydroxylase";
        /// Half-life of calcitriol.
        calcitriol_half_life_h: f64 = 6.0, unit = "h", range = [0.1, 100.0],
            source = "estimate: 5–8 h (a recalled value; no source recorded)";
        /// Time constant of each of the two stages between a change of serum Pi (and calcitriol, eGFR) and FGF23 production (osteocyte transcription).
        fgf23_response_h: f64 = 18.0, unit = "h", range = [0.01, 1000.0],
            source = "calibrated: FGF23 unchanged 4–8 h after oral or IV Pi, rising after 12–36 h and settled within 5 days of a diet [nishida2006] [ito2007] [scanni2014] [ferrari2005] — two stages of 18 h give 7% of the response at 8 h, 59% at 36 h, 99% at 5 days";
    }
}

param_group! {
    /// Bone (`[patient.bone]`): osteoblast and osteoclast activity driven by PTH against uremic skeletal resistance, formation that takes up Ca and Pi, resorption that releases them, exchangeable and deep mineral pools.
    BoneParams, section = "patient.bone" {
        /// Calcium moved by formation (and by resorption) per day at balanced normal turnover.
        turnover_ca_mmol_per_day: f64 = 12.0, unit = "mmol/day", range = [0.0, 1000.0],
            source = "estimate: adult bone turnover ~500 mg Ca/day ([peterson2010] bone fluxes are of this order)";
        /// Deep (non-exchangeable) bone calcium at t = 0.
        deep_ca_mmol: f64 = 25000.0, unit = "mmol", range = [1.0, 1.0e6],
            source = "[peterson2010] non-exchangeable bone Ca 24 900 mmol";
        /// Exchangeable bone calcium at normal ionized Ca and turnover.
        exchangeable_ca_mmol: f64 = 100.0, unit = "mmol", range = [0.0, 500.0],
            source = "[peterson2010] exchangeable bone Ca Q = 100 mmol";
        /// Rate at which the exchangeable pool follows serum ionized Ca.
        exchange_rate_per_h: f64 = 0.05, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: the bone buffer absorbs a Ca load within a day";
        /// Uremic skeletal resistance to PTH at complete loss of kidney function (bone needs PTH × (1 + this × (1 − Klotho)) for normal turnover).
        pth_resistance: f64 = 4.0, unit = "1", range = [0.0, 100.0],
            source = "[kdigo2017] PTH 2–9 × ULN keeps turnover normal in CKD 5D";
        /// Exponent of effective PTH on turnover (osteoblasts and osteoclasts).
        turnover_pth_exponent: f64 = 0.7, unit = "1", range = [0.0, 5.0],
            source = "estimate: high PTH → high turnover, over-suppressed PTH → adynamic bone [seed-review]";
        /// Extra resorption per unit of effective PTH above normal (RANKL from osteoblasts uncouples resorption from formation).
        uncoupling: f64 = 0.3, unit = "1", range = [0.0, 10.0],
            source = "estimate: high-turnover disease loses bone mineral [seed-review]";
        /// Effective PTH (fraction of the balanced level) below which formation falls faster than resorption: the lower edge of the KDIGO window (2 × ULN ≈ 130 of ~180 pg/mL balanced in CKD 5D).
        adynamic_pth_fraction: f64 = 0.7, unit = "1", range = [0.01, 1.0],
            source = "[kdigo2017] PTH below 2 × ULN in CKD 5D goes with adynamic bone";
        /// Extra fall of osteoblast activity below that level (× min(E / fraction, 1)^this): over-suppressed PTH starves formation more than resorption.
        adynamic_formation_exponent: f64 = 0.5, unit = "1", range = [0.0, 5.0],
            source = "estimate: adynamic bone (low PTH, Ca-based binders) loses trabecular density ([raggi2005] calcium binders vs sevelamer)";
        /// Half-saturation of mineralisation on the serum ion product (× normal): formation uptake (1 + h)·x/(h + x).
        mineralisation_half: f64 = 2.0, unit = "1", range = [0.01, 100.0],
            source = "estimate: active bone surfaces take up a Ca·Pi surplus (the bone buffer lost in adynamic bone)";
        /// Time constant of osteoblast and osteoclast activity.
        response_days: f64 = 30.0, unit = "days", range = [0.1, 3650.0],
            source = "estimate: remodelling units respond over weeks";
        /// Relative bone turnover of the patient (× osteoblast and osteoclast activity).
        turnover_factor: f64 = 1.0, unit = "1", range = [0.0, 20.0],
            source = "estimate: patient-specific (see `[patient.variability]`)";
        /// Exponent of the suppression of resorption (denosumab, bisphosphonate) on osteoblast activity: formation follows resorption (remodelling is coupled).
        formation_coupling: f64 = 0.75, unit = "1", range = [0.0, 2.0],
            source = "calibrated: denosumab in dialysis gives hypocalcaemia, severe only in a minority (~3 of 21 in one series), the mean far from life-threatening — the typical HD patient's nadir ≈ 2.0 mM; without coupling, formation went on at PTH-driven rates after resorption stopped and took serum Ca to ~0.8 mM";
        /// Lowest relative Ca uptake of formation when the serum Ca·Pi product is below normal (uptake = max((1 + h)·x/(h + x), this)); 1 = a low product never slows mineralisation.
        mineralisation_floor: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "estimate: new osteoid needs Ca and Pi to mineralise; with a low ion product it stays unmineralised (osteomalacia), which bounds the fall of serum Ca when resorption is suppressed (denosumab, bisphosphonate) or formation raised (BMP-7) — the former behaviour was 1, which let bone drain serum Ca to zero";
    }
}

param_group! {
    /// Circulating inhibitors (`[patient.inhibitors]`): fetuin-A, pyrophosphate and the calcification propensity (T50) test.
    InhibitorParams, section = "patient.inhibitors" {
        /// Serum fetuin-A without uremic inflammation.
        fetuin_a_normal_g_per_L: f64 = 0.75, unit = "g/L", range = [0.0, 20.0],
            source = "estimate: ~0.5–1.0 g/L normal (assay-dependent); lower in HD [ketteler2003] [hermans2007]";
        /// Half-life of fetuin-A.
        fetuin_a_half_life_h: f64 = 72.0, unit = "h", range = [1.0, 10000.0],
            source = "estimate: no measured value; ~2–4 days for a hepatic glycoprotein";
        /// Indoxyl sulfate at which hepatic fetuin-A synthesis is halved (negative acute-phase reactant).
        fetuin_a_toxin_half_uM: f64 = 500.0, unit = "µM", range = [1.0, 1.0e6],
            source = "estimate: fetuin-A 0.60 g/L in HD vs ~0.75 normal [hermans2007] [ketteler2003]";
        /// Fetuin-A consumed into calciprotein particles per unit of ion product above normal.
        fetuin_a_cpp_consumption_per_h: f64 = 0.002, unit = "1/h", range = [0.0, 10.0],
            source = "estimate: fetuin-A is consumed into CPPs in high-mineral states";
        /// Plasma PPi at normal alkaline phosphatase.
        ppi_normal_uM: f64 = 3.26, unit = "µM", range = [0.0, 100.0],
            source = "[lomashvili2005] 3.26 ± 0.17 µM";
        /// Half-life of plasma PPi.
        ppi_half_life_h: f64 = 0.55, unit = "h", range = [0.01, 100.0],
            source = "[oneill2011] 33 min";
        /// Share of PPi hydrolysis by bone alkaline phosphatase (follows osteoblast activity).
        ppi_bone_alp_share: f64 = 0.3, unit = "1", range = [0.0, 1.0],
            source = "estimate: bone ALP is about half of serum ALP";
        /// Rise of PPi hydrolysis at complete loss of kidney function (uremic TNAP activity, × (1 − Klotho)).
        ppi_uremic_alp: f64 = 0.45, unit = "1", range = [0.0, 10.0],
            source = "[lomashvili2005] pre-HD PPi 2.26 µM, lowered by increased ALP activity";
        /// Added calcium in the T50 test mixture.
        t50_added_calcium_mM: f64 = 10.0, unit = "mM", range = [0.0, 100.0],
            source = "[pasch2012] serum supersaturated with Ca and Pi";
        /// Added phosphate in the T50 test mixture.
        t50_added_phosphate_mM: f64 = 6.0, unit = "mM", range = [0.0, 100.0],
            source = "[pasch2012]";
        /// Volume fraction of serum in the T50 test mixture (dilutes serum solutes and inhibitors).
        t50_serum_fraction: f64 = 0.5, unit = "1", range = [0.01, 1.0],
            source = "[pasch2012]";
        /// Rate of spontaneous primary → secondary CPP transformation at the reference product, without inhibitors.
        t50_nucleation_per_h: f64 = 0.143, unit = "1/h", range = [0.001, 1000.0],
            source = "calibrated: T50 ≈ 329 min at normal serum — general population [prevend], test of [pasch2012]; re-set from 0.11 (× 1.30, keeping the haemodialysis T50 in 230–290 min) when fetuin-A's term became the tissue's calciprotein-particle binding (mineral.cpp_half_g_per_L 0.1 instead of a separate 0.15 g/L)";
        /// Rate of autocatalytic transformation (on secondary CPP) at the reference product, without inhibitors.
        t50_growth_per_h: f64 = 8.19, unit = "1/h", range = [0.0, 1000.0],
            source = "estimate: sigmoid nephelometry curves [pasch2012] (6.3 × 1.30 with t50_nucleation_per_h, keeping their ratio)";
        /// Exponent of the test-mixture Ca·Pi product on the transformation rates.
        t50_product_exponent: f64 = 4.0, unit = "1", range = [0.0, 20.0],
            source = "estimate: higher P and iCa shorten T50 [pasch2012] [smith2014]";
        /// Mg (in the mixture) that halves the transformation rates.
        t50_magnesium_half_mM: f64 = 0.5, unit = "mM", range = [0.001, 100.0],
            source = "estimate: higher Mg lengthens T50 [bressendorff2018]";
        /// PPi (in the mixture) that halves the transformation rates.
        t50_ppi_half_uM: f64 = 5.0, unit = "µM", range = [0.001, 1000.0],
            source = "estimate: lower PPi goes with lower T50 [smith2014]";
    }
}

param_group! {
    /// Haemodialysis (`[dialysis]`): a weekly schedule of sessions that clear small solutes and exchange Ca and Mg with the dialysate.
    DialysisParams, section = "dialysis" {
        /// Sessions per week, spread over the week from Monday (3 → Mon, Wed, Fri); 0 = no dialysis.
        sessions_per_week: f64 = 0.0, unit = "1/week", range = [0.0, 7.0],
            source = "standard: conventional HD, 3 × 4 h a week";
        /// Length of a session.
        session_h: f64 = 4.0, unit = "h", range = [0.1, 24.0],
            source = "standard: conventional HD, 4 h";
        /// Hour of the day at which sessions start.
        start_hour: f64 = 8.0, unit = "h", range = [0.0, 23.99],
            source = "estimate";
        /// Day from which the schedule applies (with 0 or less, the patient is already on dialysis: the spin-up follows the schedule).
        start_day: f64 = 0.0, unit = "days", range = [-1.0e5, 1.0e5],
            source = "estimate";
        /// Day from which there are no more sessions.
        stop_day: f64 = 1.0e5, unit = "days", range = [-1.0e5, 1.0e5],
            source = "estimate";
        /// Dialyser clearance of phosphate.
        pi_clearance_mL_min: f64 = 90.0, unit = "mL/min", range = [0.0, 1000.0],
            source = "calibrated: pre-dialysis Pi 1.6–1.8 mM [gutierrez2008] [chertow2002] with end-of-session Pi ≈ 0.8–1.1 mM and 780–980 mg removed per session [ndt1991] [elias2018] once the intracellular pool refills the ECF during the session (plateau); default changed from 130 mL/min with the two-pool recalibration";
        /// Dialyser clearance of PPi.
        ppi_clearance_mL_min: f64 = 180.0, unit = "mL/min", range = [0.0, 1000.0],
            source = "[lomashvili2005] PPi falls 32 ± 5% over one session";
        /// Dialyser clearance of (mostly protein-bound) indoxyl sulfate.
        toxin_clearance_mL_min: f64 = 25.0, unit = "mL/min", range = [0.0, 1000.0],
            source = "estimate: protein-bound solutes are poorly dialysed [eutox]";
        /// Dialysance of ionized Ca towards the dialysate.
        ca_dialysance_mL_min: f64 = 200.0, unit = "mL/min", range = [0.0, 1000.0],
            source = "estimate: diffusive Ca transfer with dialysate Ca 1.25–1.5 mM";
        /// Dialysance of ultrafiltrable Mg towards the dialysate.
        mg_dialysance_mL_min: f64 = 160.0, unit = "mL/min", range = [0.0, 1000.0],
            source = "estimate";
        /// Dialysate ionized calcium.
        dialysate_calcium_mM: f64 = 1.25, unit = "mM", range = [0.0, 5.0],
            source = "[kdigo2017] 1.25–1.50 mM";
        /// Ionized fraction of dialysate calcium (bicarbonate and acetate complex part of it).
        dialysate_ionized_fraction: f64 = 1.0, unit = "1", range = [0.1, 1.0],
            source = "estimate: most dialysate Ca is ionized; lower it for citrate dialysate";
        /// Dialysate magnesium.
        dialysate_magnesium_mM: f64 = 0.5, unit = "mM", range = [0.0, 5.0],
            source = "[bressendorff2018] 1.0 vs 2.0 mEq/L (0.5 vs 1.0 mM)";
    }
}

param_group! {
    /// Pharmacology of the treatments (`[patient.drugs]`); doses and schedules are in `[[treatments]]`.
    DrugParams, section = "patient.drugs" {
        /// Phosphate bound per gram of calcium carbonate taken (the reference binder; other binders scale by their relative binding coefficient).
        binder_pi_mmol_per_g: f64 = 1.3, unit = "mmol/g", range = [0.0, 100.0],
            source = "estimate: ~40–45 mg P bound per g of Ca-based binder in vivo (phosphate binder equivalent dose [daugirdas2011])";
        /// Relative Pi binding of sevelamer carbonate per gram.
        sevelamer_relative: f64 = 0.75, unit = "1", range = [0.0, 10.0],
            source = "[daugirdas2011] phosphate binder equivalent dose (recalled)";
        /// Relative Pi binding of lanthanum per gram of elemental lanthanum.
        lanthanum_relative: f64 = 2.0, unit = "1", range = [0.0, 10.0],
            source = "[daugirdas2011] (recalled)";
        /// Relative Pi binding of magnesium carbonate per gram.
        magnesium_carbonate_relative: f64 = 1.7, unit = "1", range = [0.0, 10.0],
            source = "[daugirdas2011] (recalled)";
        /// Relative Pi binding of ferric citrate per gram.
        ferric_citrate_relative: f64 = 0.64, unit = "1", range = [0.0, 10.0],
            source = "[daugirdas2011] (recalled)";
        /// Fraction of the calcium of calcium carbonate that is absorbed.
        calcium_carbonate_ca_absorption: f64 = 0.2, unit = "1", range = [0.0, 1.0],
            source = "estimate: 20–30% of binder calcium is absorbed (the Ca load of Ca-based binders)";
        /// Fraction of the magnesium of magnesium carbonate that is absorbed.
        magnesium_carbonate_mg_absorption: f64 = 0.06, unit = "1", range = [0.0, 1.0],
            source = "calibrated: HD serum Mg 1.16 mM with a MgCO3 binder vs 1.04 with Ca acetate [tzanakis2014] (+11%), taken at 2 g/day (estimate of the usual dose); default changed from 0.3, which gave 2.6 mM in HD and > 2 mM in every preset";
        /// Largest fall of FGF23 production with ferric citrate (iron repletion).
        ferric_citrate_fgf23_max: f64 = 0.4, unit = "1", range = [0.0, 1.0],
            source = "estimate: ferric citrate lowers C-terminal FGF23 by ~30–40% [block2015]";
        /// Ferric citrate dose at which half its maximal FGF23 reduction is reached.
        ferric_citrate_fgf23_half_g: f64 = 2.0, unit = "g/day", range = [0.01, 20.0],
            source = "estimate: the reduction of C-terminal FGF23 is near its maximum at usual doses of 1–6 g/day [block2015]";
        /// Half-life of cinacalcet.
        cinacalcet_half_life_h: f64 = 35.0, unit = "h", range = [1.0, 1000.0],
            source = "[cinacalcet-label] 30–40 h (recalled)";
        /// Average plasma cinacalcet per mg/day at steady state.
        cinacalcet_ng_per_mL_per_mg: f64 = 0.2, unit = "ng/mL per mg/day", range = [0.0, 100.0],
            source = "estimate: label Cmax ~ 5–10 ng/mL at 30–90 mg/day [cinacalcet-label]";
        /// Plasma cinacalcet giving half of its maximal CaSR sensitisation.
        cinacalcet_ec50_ng_per_mL: f64 = 10.0, unit = "ng/mL", range = [0.001, 1000.0],
            source = "estimate: 30–180 mg/day lowers PTH by 30–50% (EVOLVE [chertow2012])";
        /// Largest fractional shift of the CaSR set point by cinacalcet.
        cinacalcet_set_point_shift: f64 = 0.2, unit = "1", range = [0.0, 0.9],
            source = "estimate: serum Ca falls ~5–7% on cinacalcet";
        /// VSMC CaSR activity added by cinacalcet at full effect (the tissue calcimimetic).
        cinacalcet_vsmc_activity: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "estimate: calcimimetics act on the VSMC CaSR [seed-review]";
        /// Oral bioavailability of the bisphosphonate.
        bisphosphonate_bioavailability: f64 = 0.007, unit = "1", range = [0.0, 1.0],
            source = "[alendronate-label] < 1% (recalled)";
        /// Molar mass of the bisphosphonate.
        bisphosphonate_g_per_mol: f64 = 325.0, unit = "g/mol", range = [1.0, 10000.0],
            source = "standard: molar mass of alendronate sodium";
        /// Renal clearance of the bisphosphonate at eGFR 100 mL/min (falls with eGFR: the reason it is avoided below eGFR 35).
        bisphosphonate_renal_clearance_L_per_h: f64 = 5.0, unit = "L/h", range = [0.0, 1000.0],
            source = "estimate: renally excreted unchanged";
        /// Clearance of the bisphosphonate into bone.
        bisphosphonate_bone_clearance_L_per_h: f64 = 5.0, unit = "L/h", range = [0.0, 1000.0],
            source = "estimate: about half of absorbed alendronate goes to bone";
        /// Half-life of bisphosphonate bound in bone.
        bisphosphonate_bone_half_life_days: f64 = 3650.0, unit = "days", range = [1.0, 1.0e5],
            source = "[alendronate-label] alendronate in bone ~10 years (recalled)";
        /// Bone-bound bisphosphonate that halves osteoclast activity.
        bisphosphonate_bone_half_umol: f64 = 5.0, unit = "µmol", range = [0.001, 1.0e6],
            source = "estimate: 10 mg/day alendronate lowers resorption markers by ~50–70% within months";
        /// Tissue/plasma ratio of bisphosphonate in the vessel wall.
        bisphosphonate_tissue_partition: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "estimate: small molecule";
        /// Bioavailability of subcutaneous denosumab.
        denosumab_bioavailability: f64 = 0.62, unit = "1", range = [0.0, 1.0],
            source = "[prolia-label] (recalled)";
        /// Absorption half-life of subcutaneous denosumab.
        denosumab_absorption_half_life_days: f64 = 4.0, unit = "days", range = [0.01, 1000.0],
            source = "estimate: peak ~10 days after injection [prolia-label]";
        /// Volume of distribution of denosumab.
        denosumab_volume_L: f64 = 2.34, unit = "L", range = [0.01, 100.0],
            source = "[openbonemin] DENVC 2340 mL";
        /// Elimination half-life of denosumab.
        denosumab_half_life_days: f64 = 26.0, unit = "days", range = [0.1, 1000.0],
            source = "[prolia-label] 25–28 days (recalled)";
        /// Plasma denosumab that halves bone RANKL signalling.
        denosumab_bone_ec50_nM: f64 = 1.0, unit = "nM", range = [1.0e-6, 1.0e4],
            source = "estimate: CTX stays suppressed while denosumab is above ~0.1–0.3 µg/mL";
        /// Tissue/plasma ratio of denosumab in the vessel wall (IgG).
        denosumab_tissue_partition: f64 = 0.2, unit = "1", range = [0.0, 10.0],
            source = "estimate: interstitial IgG is 10–30% of plasma";
        /// Largest rise of osteoblast activity with BMP-7.
        bmp7_formation_max: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "[davies2003] [mathew2008] BMP-7 restores bone formation and skeletal Ca/P uptake";
        /// BMP-7 dose giving half of its maximal effect.
        bmp7_half_ug_per_kg_week: f64 = 10.0, unit = "µg/kg/week", range = [0.001, 1.0e5],
            source = "[davies2003] 10 µg/kg in uremic mice";
        /// Oral active vitamin D (calcitriol, µg/day) that adds the normal calcitriol level (relative calcitriol +1).
        calcitriol_ug_per_day_normal: f64 = 0.5, unit = "µg/day", range = [0.001, 100.0],
            source = "estimate: normal renal calcitriol production is of the order of 0.5–1 µg/day and usual oral doses in HD are 0.25–1 µg/day; paricalcitol enters at its calcitriol-equivalent dose";
    }
}

param_group! {
    /// Patient variability (`[patient.variability]`): with `sample = 1`, the patient's own factors are drawn from log-normal distributions (mean 1, these coefficients of variation), keyed on the seed.
    VariabilityParams, section = "patient.variability" {
        /// 1: draw this patient's factors from the seed; 0: use the parameters as given.
        sample: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "convention: a 0/1 switch";
        /// Coefficient of variation of dietary phosphate.
        diet_phosphate_cv: f64 = 0.25, unit = "1", range = [0.0, 3.0],
            source = "estimate: Pi intake 700–1500 mg/day in CKD cohorts";
        /// Coefficient of variation of dietary calcium.
        diet_calcium_cv: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate";
        /// Coefficient of variation of eGFR within a stage (residual function).
        egfr_cv: f64 = 0.2, unit = "1", range = [0.0, 3.0],
            source = "estimate: a stage spans a factor of two in eGFR";
        /// Coefficient of variation of the parathyroid gland capacity.
        gland_capacity_cv: f64 = 0.5, unit = "1", range = [0.0, 3.0],
            source = "estimate: HD PTH spans 363–1694 pg/mL (10th–90th percentile, EVOLVE [chertow2012])";
        /// Coefficient of variation of bone turnover.
        turnover_cv: f64 = 0.3, unit = "1", range = [0.0, 3.0],
            source = "estimate: adynamic to high-turnover bone within one stage";
        /// Coefficient of variation of fetuin-A synthesis.
        fetuin_a_cv: f64 = 0.2, unit = "1", range = [0.0, 3.0],
            source = "estimate: HD fetuin-A SD ~0.15 g/L [hermans2007]";
        /// Coefficient of variation of PPi production.
        ppi_cv: f64 = 0.1, unit = "1", range = [0.0, 3.0],
            source = "[lomashvili2005] 2.26 ± 0.19 µM pre-HD";
        /// Coefficient of variation of toxin production.
        toxin_cv: f64 = 0.4, unit = "1", range = [0.0, 3.0],
            source = "[eutox] HD indoxyl sulfate 100–250 µM";
    }
}

param_group! {
    /// Imaging readout (`[imaging]`): the vessel segment that the simulated wall patch is scaled to and the CT scanner that scores it (`imaging.rs`, docs/imaging.md). Read only by the readout; the simulation does not use it.
    ImagingParams, section = "imaging" {
        /// Lumen diameter of the scored vessel segment (a cylinder; the patch's x = 0 is the lumen surface).
        vessel_diameter_mm: f64 = 3.7, unit = "mm", range = [0.5, 40.0],
            source = "[dodge1992] proximal LAD 3.7 ± 0.4 mm, distal 1.9 ± 0.4 mm, left main 4.5 ± 0.5 mm";
        /// Length of the scored segment along the vessel axis, which runs perpendicular to the CT slices.
        segment_length_mm: f64 = 120.0, unit = "mm", range = [1.0, 1000.0],
            source = "standard: LAD length ≈ 10–13 cm (anatomy texts); the taper to the distal 1.9 mm [dodge1992] is not modelled, so a whole LAD at the proximal diameter overstates its wall area";
        /// In-plane pixel edge of the CT image.
        pixel_mm: f64 = 0.45, unit = "mm", range = [0.1, 2.0],
            source = "standard: calcium-scoring CT reconstructs in-plane pixels of ≈ 0.4–0.5 mm";
        /// Slice thickness of the CT image (slices are contiguous).
        slice_mm: f64 = 3.0, unit = "mm", range = [0.25, 10.0],
            source = "[agatston1990] scored on 3 mm slices; 3.0 → 2.5 mm changes the score by 20–40% (CAC teaching page)";
        /// HU-to-hydroxyapatite calibration: mg CaHA per cm³ for each HU above the soft-tissue baseline, at 120 kVp.
        c_ha_mg_per_cm3_per_hu: f64 = 0.77, unit = "mg/cm³/HU", range = [0.3, 2.0],
            source = "[hong2002] ≈ 0.7–0.8 mg CaHA·cm⁻³ per HU at 120 kVp, 130 HU ≈ 100 mg/cm³; defined as in [mccollough2007]";
        /// CT number of the wall, lumen and surroundings without mineral (unenhanced scan).
        baseline_hu: f64 = 40.0, unit = "HU", range = [-200.0, 200.0],
            source = "estimate: unenhanced blood and soft tissue read a few tens of HU (water 0); epicardial fat reads below zero";
        /// CT number from which a pixel counts as calcified.
        threshold_hu: f64 = 130.0, unit = "HU", range = [50.0, 1000.0],
            source = "[agatston1990] 130 HU";
        /// Smallest area of connected calcified pixels in a slice that counts as a lesion.
        min_lesion_area_mm2: f64 = 1.0, unit = "mm²", range = [0.0, 10.0],
            source = "[agatston1990] lesion ≥ 1 mm²";
        /// Axial length of a site: the segment's wall is divided into sites along the axis (from the segment's start; the last may be shorter) and around the circumference, each holding the patch's mineral fraction times its own factor (docs/imaging.md, step 2).
        site_length_mm: f64 = 3.0, unit = "mm", range = [0.1, 1000.0],
            source = "estimate: calcium deposits along coronary arteries are 1.7 ± 3.6 mm (reference segments) to 3.5 ± 3.7 mm (target lesions) long on IVUS [mintz1995]; 3 mm is one CT slice, the finest axial detail a 3 mm scan resolves";
        /// Arc length of a site around the circumference, at mid-wall; the circumference holds the nearest whole number of sites (at least one).
        site_arc_mm: f64 = 1.5, unit = "mm", range = [0.1, 1000.0],
            source = "estimate: a calcium deposit spans 35–40° of the LAD's circumference per cross-section [mehanna2013] (42 ± 80° in reference segments, 115 ± 110° at target lesions [mintz1995]); 1.5 mm is ≈ 45° of the default vessel, 8 sites around it";
        /// Coefficient of variation of the site factors (log-normal, normalised to a mean of 1 over the segment): how unevenly the same wall calcifies from site to site. 0: one site, the patch tiled over the whole segment.
        site_cv: f64 = 3.5, unit = "1", range = [0.0, 5.0],
            source = "calibrated with mineral.growth_um_per_mM2_h and mineral.lamina_nucleation_per_um3_h (docs/imaging.md, scripts/calibrate_natural_history.py): a wider spread makes the volume score grow more gradually (+42% in the year from 300 AU at 3, +55% at 2, +31% at 4; raggi2011 ≈ +30%/yr) but makes the first sites detectable earlier (median day 645 at 3, 570 at 4); no measurement of the mm-scale spread of medial calcification along an artery was found, so this is the readout's least certain number";
        /// Spread of the sites' onsets: site (j, i) shows the patch as it was `d` earlier, `d` uniform over [0, this] and drawn once from the run's seed (the sites of a vessel do not start calcifying together; before the run's start a site shows the starting wall). 0: every site shows the current patch.
        site_onset_spread_days: f64 = 2190.0, unit = "d", range = [0.0, 36500.0],
            source = "calibrated with mineral.vesicle_nucleation_per_h and imaging.site_cv on the natural history of configs/ckd5d.toml (docs/natural_history/, scripts/calibrate_natural_history.py, 6 site seeds): lesions of one vessel start over years (new lesions appear on follow-up CT while old ones grow); 6 years keeps the volume score growing +20–40%/yr for three years from 300 AU [raggi2011] (at 0 the growth falls to +11%/yr after the first year); no measurement of the spread of onsets along an artery was found";
        /// Interval of the wall's past states that delayed sites read (a site between two of them reads their linear interpolation in time; used only when site_onset_spread_days > 0).
        history_every_days: f64 = 30.0, unit = "d", range = [1.0, 3650.0],
            source = "convention: a numerical setting, the readout's time resolution of the past; the wall changes over months (docs/natural_history/ compares 30 with 10 days)";
    }
}

/// Calcium content of pure hydroxyapatite, Ca10(PO4)6(OH)2: density
/// 3.16 g/cm³ over 1004.6 g/mol × 10 Ca = 31.46 mol/L = 31 460 mM.
pub const HA_CALCIUM_MM: f64 = 31_460.0;

/// Density of pure hydroxyapatite, mg/cm³ (3.16 g/cm³; the density behind
/// [`HA_CALCIUM_MM`]): the mass of a unit of mineral volume fraction.
pub const HA_DENSITY_MG_PER_CM3: f64 = 3160.0;

/// Moles of phosphate per mole of calcium in hydroxyapatite (6/10).
pub const HA_PI_PER_CA: f64 = 0.6;

/// Metadata of every numeric parameter, section by section.
pub fn all_meta() -> Vec<ParamMeta> {
    let mut v = SimulationParams::meta();
    v.extend(GeometryParams::meta());
    v.extend(SerumParams::meta());
    v.extend(CultureParams::meta());
    v.extend(super::solutes::SolutesParams::meta());
    v.extend(CellParams::meta());
    v.extend(MineralParams::meta());
    v.extend(InterventionParams::meta());
    v.extend(BindingParams::meta());
    v.extend(BodyParams::meta());
    v.extend(KidneyParams::meta());
    v.extend(DietParams::meta());
    v.extend(ParathyroidParams::meta());
    v.extend(HormoneParams::meta());
    v.extend(BoneParams::meta());
    v.extend(InhibitorParams::meta());
    v.extend(DrugParams::meta());
    v.extend(VariabilityParams::meta());
    v.extend(DialysisParams::meta());
    v.extend(ImagingParams::meta());
    v
}

/// The parameter reference as a Markdown document (`docs/parameters.md` is
/// this text; a test keeps the two equal).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Parameter reference\n\n\
         Generated from the parameter declarations in `crates/vcsim-rules/src/scenario/params.rs` by\n\
         `vcsim params > docs/parameters.md`; a test fails when the two differ.\n\
         Every key can be set in a scenario file or with `--set section.key=value`.\n",
    );
    let mut section = "";
    for m in all_meta() {
        if m.section != section {
            section = m.section;
            out.push_str(&format!(
                "\n## `[{section}]`\n\n| key | unit | default | range | meaning | source |\n|---|---|---|---|---|---|\n"
            ));
        }
        // u64::MAX as f64 prints as 18446744073709552000, which is not a valid seed.
        let max = if m.max >= u64::MAX as f64 {
            "2⁶⁴ − 1".to_owned()
        } else {
            m.max.to_string()
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} – {max} | {} | {} |\n",
            m.key, m.unit, m.default, m.min, m.doc, m.source
        ));
    }
    out
}

impl KidneyParams {
    /// eGFR (mL/min) at time `t_h` (h): constant before t = 0, then falling
    /// linearly by `egfr_decline_mL_min_per_year` down to the floor (never
    /// above the starting eGFR). The one eGFR trajectory of the model.
    pub fn egfr_at(&self, t_h: f64) -> f64 {
        if t_h <= 0.0 {
            return self.egfr_mL_min;
        }
        (self.egfr_mL_min - self.egfr_decline_mL_min_per_year * t_h / HOURS_PER_YEAR)
            .max(self.egfr_floor_mL_min.min(self.egfr_mL_min))
    }
}

/// Hours per year (365.25 days).
pub const HOURS_PER_YEAR: f64 = 8766.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_in_range_and_documented() {
        for m in all_meta() {
            assert!(
                m.default >= m.min && m.default <= m.max,
                "{}.{}",
                m.section,
                m.key
            );
            assert!(!m.unit.is_empty() && !m.source.is_empty() && !m.doc.is_empty());
        }
        let mut errs = Vec::new();
        CellParams::default().validate(&mut errs);
        MineralParams::default().validate(&mut errs);
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn out_of_range_names_key_range_and_unit() {
        let p = CellParams {
            runx2_half_life_h: -1.0,
            pi_hill: f64::NAN,
            ..CellParams::default()
        };
        let mut errs = Vec::new();
        p.validate(&mut errs);
        assert_eq!(errs.len(), 2);
        assert!(errs[0].contains("cells.pi_hill"), "{}", errs[0]);
        assert!(
            errs[1].contains("cells.runx2_half_life_h = -1"),
            "{}",
            errs[1]
        );
        assert!(errs[1].contains("from 0.05 to 240 (h)"), "{}", errs[1]);
    }
}
