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
    /// Where the default comes from: a paper of PARAMETERS.md or "estimate: why".
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

        impl $name {
            /// Config section of this group.
            pub const SECTION: &'static str = $section;

            /// Metadata of every parameter of the group, declaration order.
            pub fn meta() -> Vec<$crate::params::ParamMeta> {
                vec![ $( $crate::params::ParamMeta {
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
                $( $crate::params::check_range(
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
            source = "PARAMETERS.md modelling implications: suggested ABM tick 1 h";
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
        /// Voxel edge length; one VSMC at most per voxel.
        dx_um: f64 = 10.0, unit = "µm", range = [0.5, 1000.0],
            source = "estimate: VSMC diameter 5–8 µm and nuclear density ~1e5/mm³ (PARAMETERS 3b)";
        /// Thickness of the endothelial layer at the lumen.
        endothelium_um: f64 = 10.0, unit = "µm", range = [0.0, 100.0],
            source = "estimate: one cell layer";
        /// Number of lamellar units (an elastic lamina plus a smooth-muscle layer).
        lamellar_units: usize = 10, unit = "1", range = [1, 200],
            source = "Wolinsky 1970: 28 (abdominal) to 56 (thoracic) units in adult human aorta; muscular arteries fewer (PARAMETERS 3b)";
        /// Thickness of one lamellar unit.
        lamellar_unit_um: f64 = 26.0, unit = "µm", range = [1.0, 200.0],
            source = "Wolinsky 1970: 0.017 mm (thoracic) to 0.026 mm (abdominal) (PARAMETERS 3b)";
        /// Thickness of one elastic lamina (at least one voxel is used).
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
        /// Fraction of smooth-muscle voxels that hold a VSMC at the start.
        cell_fill: f64 = 0.8, unit = "1", range = [0.0, 1.0],
            source = "estimate: SMC volume fraction of the media 30–50% (PARAMETERS 3b) at ~1 cell per voxel-sized slot";
    }
}

param_group! {
    /// Constant serum concentrations at the lumen in tissue mode (`[serum]`); the patient model replaces them in a later version.
    SerumParams, section = "serum" {
        /// Serum inorganic phosphate.
        phosphate_mM: f64 = 1.1, unit = "mM", range = [0.0, 10.0],
            source = "PARAMETERS 1a: normal 0.81–1.45 mM; CKD 5D 1.6–1.8 mM";
        /// Serum total calcium.
        calcium_mM: f64 = 2.35, unit = "mM", range = [0.0, 10.0],
            source = "PARAMETERS 1a: normal 2.12–2.55 mM; Peterson–Riggs baseline 2.35 mM";
        /// Serum magnesium.
        magnesium_mM: f64 = 0.85, unit = "mM", range = [0.0, 20.0],
            source = "PARAMETERS 1a: normal 0.70–1.0 mM; HD 1.04 (Tzanakis 2014)";
        /// Plasma pyrophosphate.
        ppi_uM: f64 = 3.26, unit = "µM", range = [0.0, 1000.0],
            source = "Lomashvili 2005: 3.26 ± 0.17 µM normal, 2.26 ± 0.19 µM pre-HD";
        /// Serum fetuin-A.
        fetuin_a_g_per_L: f64 = 0.7, unit = "g/L", range = [0.0, 20.0],
            source = "PARAMETERS 1a: ~0.5–1.0 g/L normal, 0.60 in HD (Hermans 2007)";
        /// Serum osteoprotegerin.
        opg_pM: f64 = 5.0, unit = "pM", range = [0.0, 1.0e5],
            source = "estimate: circulating OPG is a few pmol/L";
        /// Serum soluble RANKL.
        rankl_pM: f64 = 0.5, unit = "pM", range = [0.0, 1.0e5],
            source = "estimate: circulating sRANKL is below 1 pmol/L";
        /// Serum intact PTH.
        pth_pg_per_mL: f64 = 40.0, unit = "pg/mL", range = [0.0, 1.0e4],
            source = "PARAMETERS 1a: normal 10–65 pg/mL; HD 250–450";
        /// Serum indoxyl sulfate (total), the uremic toxin that induces Nox4.
        indoxyl_sulfate_uM: f64 = 3.0, unit = "µM", range = [0.0, 5000.0],
            source = "PARAMETERS 1a (EUTox): ~2–5 µM normal, 100–250 µM in HD";
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
            source = "typical protocols change medium every 2–3 days (Jono 2000)";
        /// Protein per cell, to express deposited Ca as µg Ca per mg protein.
        protein_ng_per_cell: f64 = 0.3, unit = "ng", range = [0.001, 100.0],
            source = "estimate: cultured VSMC protein content 0.2–0.5 ng per cell";
        /// Phosphate of the medium.
        phosphate_mM: f64 = 0.9, unit = "mM", range = [0.0, 20.0],
            source = "DMEM 0.9 mM; Jono 2000 doses 1.0–3.0 mM";
        /// Calcium of the medium.
        calcium_mM: f64 = 1.8, unit = "mM", range = [0.0, 20.0],
            source = "DMEM 1.8 mM; high-Ca protocols 2.7–3.0 mM (Yang 2004, Masumoto 2017)";
        /// Magnesium of the medium.
        magnesium_mM: f64 = 0.8, unit = "mM", range = [0.0, 20.0],
            source = "DMEM 0.8 mM; Louvet 2013 adds up to 3 mM";
        /// Pyrophosphate of the medium (from serum supplement).
        ppi_uM: f64 = 0.3, unit = "µM", range = [0.0, 1000.0],
            source = "estimate: 10% serum supplement brings ~10% of plasma PPi";
        /// Fetuin-A of the medium (bovine fetuin from the serum supplement).
        fetuin_a_g_per_L: f64 = 0.1, unit = "g/L", range = [0.0, 50.0],
            source = "estimate: bovine fetuin in a low-serum calcification medium";
        /// Osteoprotegerin of the medium.
        opg_pM: f64 = 0.0, unit = "pM", range = [0.0, 1.0e5], source = "fresh medium";
        /// RANKL of the medium.
        rankl_pM: f64 = 0.0, unit = "pM", range = [0.0, 1.0e5], source = "fresh medium";
        /// PTH of the medium (uremic-serum experiments).
        pth_pg_per_mL: f64 = 0.0, unit = "pg/mL", range = [0.0, 1.0e4], source = "fresh medium";
        /// Indoxyl sulfate of the medium.
        indoxyl_sulfate_uM: f64 = 0.0, unit = "µM", range = [0.0, 5000.0], source = "fresh medium";
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
    "PARAMETERS 3a: free D ~1e-5 cm²/s at 37 °C × 0.3–0.5 tortuosity ≈ 4e-6 cm²/s",
    decay = 0.0,
    "conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    CalciumTransport,
    "solutes.calcium",
    "Transport of calcium in the wall (`[solutes.calcium]`).",
    d = 1.15e6,
    "PARAMETERS 3a: free D 0.79e-5 cm²/s (25 °C) × ~0.4 tortuosity ≈ 3.2e-6 cm²/s",
    decay = 0.0,
    "conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    MagnesiumTransport,
    "solutes.magnesium",
    "Transport of magnesium in the wall (`[solutes.magnesium]`).",
    d = 1.0e6,
    "PARAMETERS 3a: free D 0.71e-5 cm²/s (25 °C) × ~0.4 tortuosity",
    decay = 0.0,
    "conserved ion",
    partition = 1.0,
    "estimate: small ions equilibrate with plasma water"
);
solute_group!(
    PpiTransport,
    "solutes.ppi",
    "Transport of pyrophosphate in the wall (`[solutes.ppi]`).",
    d = 2.0e3,
    "estimate: free PPi ~0.6e-5 cm²/s × ~0.4 tortuosity (PARAMETERS 3a), retarded ~400× by binding to matrix and mineral surfaces (PPi binds hydroxyapatite, MECHANISMS M6)",
    decay = 0.1,
    "estimate: slow hydrolysis by phosphatases other than TNAP (plasma t½ 33 min is renal and hepatic clearance, O'Neill 2011)",
    partition = 0.7,
    "estimate: ~30% of plasma PPi is protein-bound (Lomashvili 2005)"
);
solute_group!(
    FetuinTransport,
    "solutes.fetuin_a",
    "Transport of fetuin-A in the wall (`[solutes.fetuin_a]`).",
    d = 1.08e4,
    "PARAMETERS 3a: ~60 kDa protein in the wall 2–5e-8 cm²/s (albumin analogy, Am J Physiol 1981)",
    decay = 0.01,
    "estimate: plasma half-life ~2–4 d (PARAMETERS 3c) taken for tissue clearance (t½ ≈ 69 h)",
    partition = 0.15,
    "Am J Physiol 1981 (PMID 7457622): wall/plasma partition of albumin 0.1–0.2"
);
solute_group!(
    RosTransport,
    "solutes.ros",
    "Reactive oxygen species, as H2O2 (`[solutes.ros]`): quasi-steady, produced by cells and endothelium.",
    d = 2.0e6,
    "PARAMETERS 3a: H2O2 1.4e-5 cm²/s free × ~0.4 tortuosity",
    decay = 5000.0,
    "estimate: interstitial H2O2 lifetime below a second gives a range √(D/k) = 20 µm (PARAMETERS 3a: 1–100 µm)",
    partition = 0.0,
    "not exchanged with the lumen: produced in the wall"
);
solute_group!(
    RanklTransport,
    "solutes.rankl",
    "Transport of soluble RANKL (`[solutes.rankl]`).",
    d = 500.0,
    "estimate: a ~60 kDa trimer would move at ~1e4 µm²/h in the wall (albumin analogy, PARAMETERS 3a), but RANKL is mostly membrane-bound and acts on neighbours, so its effective mobility is taken 20× lower",
    decay = 0.00293,
    "OpenBoneMin: koutL 0.00293 1/h (t½ 9.9 d)",
    partition = 0.15,
    "Am J Physiol 1981: protein wall/plasma partition 0.1–0.2"
);
solute_group!(
    OpgTransport,
    "solutes.opg",
    "Transport of osteoprotegerin (`[solutes.opg]`).",
    d = 500.0,
    "estimate: a ~110 kDa dimer would move at ~7e3 µm²/h in the wall (PARAMETERS 3a); OPG binds RANKL on cells and matrix proteoglycans, so its effective mobility is taken as RANKL's",
    decay = 0.03,
    "estimate: tissue clearance of a secreted glycoprotein (t½ ≈ 1 d)",
    partition = 0.15,
    "Am J Physiol 1981: protein wall/plasma partition 0.1–0.2"
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
            source = "estimate: the osteogenic response keeps rising up to 3–4 mM Pi (Jono 2000; Masumoto 2017), so the effective saturation is set at 3 mM";
        /// Rate at which intracellular Pi follows uptake (export and use).
        pi_exchange_per_h: f64 = 1.0, unit = "1/h", range = [0.001, 1000.0],
            source = "estimate: cytosolic Pi turns over within hours";
        /// Fraction of a cell-holding voxel taken by the cell (intracellular Pi pool size).
        cell_volume_fraction: f64 = 0.4, unit = "1", range = [0.01, 1.0],
            source = "PARAMETERS 3b: SMC volume fraction of the media 30–50%";
        /// Intracellular Pi at which the osteogenic Pi signal is half-maximal.
        pi_in_half_max_mM: f64 = 1.8, unit = "mM", range = [0.01, 100.0],
            source = "estimate from Jono 2000: no mineral at ≤ 1.4 mM extracellular Pi, 2.0 mM the classic calcifying dose";
        /// Hill coefficient of the Pi signal.
        pi_hill: f64 = 6.0, unit = "1", range = [1.0, 12.0],
            source = "estimate from Jono 2000: sharp onset between 1.4 and 2.0 mM";
        /// Up-regulation of PiT-1 by high Ca at saturation (PiT-1 × (1 + gain)).
        ca_pit1_gain: f64 = 1.5, unit = "1", range = [0.0, 50.0],
            source = "Masumoto 2017 (HiCa raises PiT-1; PFA abolishes the Ca augmentation); Yang 2004";
        /// Ca at which the Ca-driven PiT-1 up-regulation is half-maximal.
        ca_half_max_mM: f64 = 2.7, unit = "mM", range = [0.1, 50.0],
            source = "Yang, Curinga & Giachelli 2004: 2.7 mM Ca (vs 1.8) induces PiT-1 and mineralization";
        /// Hill coefficient of the Ca effect.
        ca_hill: f64 = 6.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: little effect at 1.8 mM, strong at 2.7–3.0 mM";
        /// Damping of the Ca effect per unit of Ca-sensing receptor activity.
        casr_protection: f64 = 8.0, unit = "1", range = [0.0, 100.0],
            source = "source review: calcimimetics reduce high-Ca-induced VSMC calcification in culture (estimate of size)";
        /// Ca at which the VSMC Ca-sensing receptor is half-active.
        casr_half_max_mM: f64 = 3.0, unit = "mM", range = [0.1, 50.0],
            source = "estimate: vascular CaSR responds in the high-normal to high range";
        /// Runx2 at the largest combined drive, relative to the basal level of a contractile VSMC.
        runx2_max_fold: f64 = 5.5, unit = "fold", range = [1.0, 100.0],
            source = "PARAMETERS 2a (estimate from qPCR reports): Runx2 ×2–4 with 2 mM Pi";
        /// Half-life of Runx2 protein without ROS (ubiquitin–proteasome degradation).
        runx2_half_life_h: f64 = 2.0, unit = "h", range = [0.05, 240.0],
            source = "PARAMETERS 3c: Runx2 protein in VSMC ~1–4 h (estimate); OpenBoneMin 1 h";
        /// ROS (H2O2) level that halves Runx2 degradation through Akt/FOXO (less ubiquitination).
        ros_half_max_uM: f64 = 250.0, unit = "µM", range = [0.01, 1.0e5],
            source = "Byon 2008: 0.1–0.4 mM H2O2 raises Runx2 2–3× via Akt";
        /// Share of the Runx2 drive from free RANKL at saturation.
        rankl_weight: f64 = 1.0, unit = "1", range = [0.0, 10.0],
            source = "J Vasc Res 2014 (RANKL → IL-6 → osteochondrogenic genes); Morony 2012 (estimate of size)";
        /// Free RANKL at which its drive is half-maximal.
        rankl_half_max_pM: f64 = 5.0, unit = "pM", range = [0.001, 1.0e6],
            source = "estimate";
        /// Share of the Runx2 drive from PTH (uremic serum) at saturation.
        pth_weight: f64 = 0.3, unit = "1", range = [0.0, 10.0],
            source = "source review M9: the pro-calcific effect of uremic serum rises with PTH (estimate of size)";
        /// PTH at which its drive is half-maximal.
        pth_half_max_pg_per_mL: f64 = 400.0, unit = "pg/mL", range = [1.0, 1.0e5],
            source = "estimate: between normal (~40) and EVOLVE median (693) PTH";
        /// PPi that halves the Pi signal (PPi prevents Pi-induced osteogenic differentiation).
        ppi_signal_half_uM: f64 = 20.0, unit = "µM", range = [0.01, 1.0e5],
            source = "MECHANISMS M6 (estimate of size)";
        /// Mg that halves the Pi signal when it enters through TRPM7.
        mg_signal_half_mM: f64 = 1.5, unit = "mM", range = [0.01, 100.0],
            source = "Louvet 2013: Mg 2–3 mM prevents osteogenic differentiation, blocked by TRPM7 inhibition";
        /// Runx2 fold above basal at which ALP (TNAP) expression is half-maximal.
        alp_runx2_half: f64 = 1.5, unit = "fold", range = [0.01, 100.0],
            source = "estimate";
        /// Hill coefficient of the Runx2 → ALP and OPN expression.
        expression_hill: f64 = 4.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: ALP is absent from contractile cells and high in osteogenic ones";
        /// Rate at which ALP follows Runx2.
        alp_rate_per_h: f64 = 0.02, unit = "1/h", range = [0.0, 100.0],
            source = "PARAMETERS 3c: ALP activity rises by days 3–7 of Pi exposure";
        /// Runx2 fold above basal at which OPN expression is half-maximal.
        opn_runx2_half: f64 = 1.5, unit = "fold", range = [0.01, 100.0],
            source = "estimate";
        /// Rate at which OPN follows Runx2.
        opn_rate_per_h: f64 = 0.01, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: a late marker";
        /// Basal RANKL secretion of a VSMC.
        rankl_basal_pM_per_h: f64 = 0.01, unit = "pM/h", range = [0.0, 1.0e4],
            source = "estimate: RANKL is absent from normal arteries (Min 2000)";
        /// RANKL secretion per unit of Runx2 above basal (Runx2 binds the RANKL promoter).
        rankl_runx2_pM_per_h: f64 = 5.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "Byon 2011 (estimate of size)";
        /// OPG secretion of a contractile VSMC.
        opg_pM_per_h: f64 = 100.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "estimate: VSMCs are a main source of vascular OPG";
        /// OPG secretion of an osteogenic cell relative to a contractile one.
        opg_osteogenic_factor: f64 = 1.0, unit = "1", range = [0.0, 10.0],
            source = "Morony 2012: RANKL-high VSMC express less OPG (estimate of size)";
        /// PPi made by a VSMC (ENPP1, ANK).
        ppi_secretion_uM_per_h: f64 = 0.2, unit = "µM/h", range = [0.0, 1.0e4],
            source = "estimate: keeps tissue PPi near plasma levels";
        /// PPi hydrolysis rate in a voxel whose cell has full ALP activity.
        alp_ppi_hydrolysis_per_h: f64 = 0.5, unit = "1/h", range = [0.0, 1.0e4],
            source = "estimate: TNAP of an osteogenic cell depletes local PPi within hours (the self-amplifying loop, MECHANISMS M6), yet plasma PPi still reaches the media (daily PPi lowers aortic Ca ~70%, O'Neill 2011)";
        /// ROS made by a VSMC without toxin, as the level it alone would hold.
        ros_basal_uM: f64 = 2.0, unit = "µM", range = [0.0, 1.0e5],
            source = "PARAMETERS 1a: plasma H2O2 ~1–5 µM (Sies 2017)";
        /// Extra ROS from Nox4 at saturating uremic toxin.
        ros_toxin_max_uM: f64 = 150.0, unit = "µM", range = [0.0, 1.0e5],
            source = "estimate: chosen so that CKD 5D toxin levels raise Runx2 ~1.5–2× (indoxyl sulfate induces Nox4, ROS, ALP, OPN; MECHANISMS M3)";
        /// Indoxyl sulfate at which Nox4 induction is half-maximal.
        toxin_half_max_uM: f64 = 100.0, unit = "µM", range = [0.01, 1.0e5],
            source = "estimate vs EUTox: 100–250 µM in HD";
        /// ROS made by the endothelium per mM of lumen Pi above 1.2 mM (microparticles, MECHANISMS M4).
        endothelial_ros_per_mM: f64 = 50.0, unit = "µM/mM", range = [0.0, 1.0e5],
            source = "estimate (MECHANISMS M4)";
        /// Basal apoptosis rate of a VSMC.
        apoptosis_per_h: f64 = 1.0e-5, unit = "1/h", range = [0.0, 10.0],
            source = "PARAMETERS 3c: VSMC turnover 0.01–0.1%/day in a quiescent artery";
        /// Apoptosis increase at high Ca·Pi product.
        apoptosis_product_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: high Pi and Ca induce VSMC apoptosis in vitro (source review M5)";
        /// Ca·Pi product at which the apoptosis increase is half-maximal.
        apoptosis_product_half_mM2: f64 = 6.0, unit = "mM²", range = [0.01, 1000.0],
            source = "estimate";
        /// Hill coefficient of the Ca·Pi product effect on apoptosis.
        apoptosis_product_hill: f64 = 4.0, unit = "1", range = [1.0, 12.0],
            source = "estimate: apoptosis rises steeply at the high products of calcifying media";
        /// Apoptosis increase in a voxel full of mineral.
        apoptosis_mineral_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: mineral load kills VSMCs (source review)";
        /// Apoptosis increase at saturating ROS.
        apoptosis_ros_gain: f64 = 20.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate";
        /// Fetuin-A that halves apoptosis (fetuin-A blocks apoptosis).
        fetuin_apoptosis_half_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "Reynolds 2005: fetuin-A reduces VSMC calcification partly by blocking apoptosis (estimate of size)";
        /// Rate at which an apoptotic cell becomes an apoptotic body.
        apoptotic_clearance_per_h: f64 = 0.08, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: apoptosis completes within ~12 h";
        /// Runx2 level above which a contractile cell turns osteogenic.
        switch_on_runx2: f64 = 2.5, unit = "fold", range = [0.0, 100.0],
            source = "estimate: reached at ~1.7 mM Pi with defaults, between 1.4 mM (no mineral) and 2.0 mM (Jono 2000)";
        /// Runx2 level below which an osteogenic cell may return to contractile (below switch_on_runx2: hysteresis).
        switch_off_runx2: f64 = 1.3, unit = "fold", range = [0.0, 100.0],
            source = "estimate: the osteogenic state persists once established (OPG given late does not reverse calcification, Min 2000)";
        /// Rate of the contractile → osteogenic switch while Runx2 is above switch_on_runx2.
        switch_on_per_h: f64 = 0.02, unit = "1/h", range = [0.0, 100.0],
            source = "PARAMETERS 3c: ALP rises by days 3–7 of Pi exposure (mean wait 50 h)";
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
            source = "estimate: fetuin-A gives more than half of serum's inhibition of Ca-P precipitation (Schäfer 2003, MECHANISMS M5)";
        /// Free Ca·Pi product above which nucleation can start, without other inhibitors.
        nucleation_product_mM2: f64 = 1.0, unit = "mM²", range = [0.0, 100.0],
            source = "estimate: calibrated so that normal serum does not nucleate and CKD 5D serum does with osteogenic cells";
        /// Largest factor by which fetuin-A taken into matrix vesicles raises their nucleation threshold.
        fetuin_vesicle_max: f64 = 2.0, unit = "1", range = [0.0, 1000.0],
            source = "Reynolds 2005: fetuin-A in matrix vesicles blocks nucleation (estimate of size)";
        /// Fetuin-A at which the vesicle block is half-maximal.
        fetuin_vesicle_half_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "estimate: the tissue level of fetuin-A (~0.1 g/L)";
        /// Mg that doubles the nucleation threshold.
        mg_nucleation_half_mM: f64 = 3.0, unit = "mM", range = [0.001, 100.0],
            source = "Louvet 2013; Kircelli 2012: Mg 2–3 mM nearly abolishes Pi-induced calcification (estimate of size)";
        /// PPi (plus bisphosphonate equivalent) that doubles the nucleation threshold.
        ppi_nucleation_half_uM: f64 = 2.0, unit = "µM", range = [0.001, 1.0e5],
            source = "estimate: plasma PPi ~3 µM is a physiological inhibitor (Lomashvili 2005)";
        /// Bisphosphonate potency relative to PPi (non-hydrolysable PPi analogue).
        bisphosphonate_potency: f64 = 5.0, unit = "1", range = [0.0, 1.0e4],
            source = "estimate: etidronate and alendronate inhibit calcification at antiresorptive doses (Price 2001)";
        /// Rise of the Pi concentration in matrix vesicles at full ALP activity (vesicle product × (1 + this · ALP)).
        vesicle_alp_boost: f64 = 1.5, unit = "1", range = [0.0, 1000.0],
            source = "estimate: TNAP in vesicles makes Pi from PPi and organic phosphate (source review M6)";
        /// Nucleation rate of an osteogenic cell's matrix vesicles per unit relative excess over the threshold.
        vesicle_nucleation_per_h: f64 = 3.0e-4, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: at CKD 5D serum an osteogenic cell waits months for its first nucleus";
        /// Nucleation rate of an apoptotic body per unit relative excess over the threshold.
        body_nucleation_per_h: f64 = 1.0e-3, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: apoptotic bodies are efficient nucleation sites (source review M5)";
        /// Nucleation rate of an elastic-lamina voxel per unit relative excess over its (lower) threshold.
        lamina_nucleation_per_h: f64 = 2.0e-3, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: medial calcification forms along the elastic laminae (MECHANISMS M11)";
        /// Threshold factor of elastin: the lamina nucleation threshold is this times the vesicle threshold without fetuin-A.
        lamina_threshold_factor: f64 = 0.8, unit = "1", range = [0.01, 100.0],
            source = "estimate";
        /// Nucleation rate next to mineral (secondary nucleation) per unit relative excess over the growth product.
        spread_nucleation_per_h: f64 = 2.0e-4, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: propagation is fast once started (PARAMETERS modelling implications)";
        /// Mineral fraction a neighbour needs to seed secondary nucleation.
        spread_min_fraction: f64 = 0.05, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate";
        /// Mineral volume fraction of a new nucleus in a voxel.
        nucleus_fraction: f64 = 0.001, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a matrix-vesicle cluster in a voxel-sized region";
        /// Free Ca·Pi product below which existing mineral stops growing.
        growth_product_mM2: f64 = 0.5, unit = "mM²", range = [0.0, 100.0],
            source = "estimate: growth needs far less supersaturation than nucleation (PARAMETERS modelling implications)";
        /// Growth rate constant: d(fraction)/dt = k · (free product − growth product) · fraction^(2/3) / inhibition.
        growth_per_mM2_h: f64 = 1.5e-4, unit = "1/(mM²·h)", range = [0.0, 10.0],
            source = "estimate: a nucleus grows to a calcified voxel (5%) in about four months at CKD 5D serum";
        /// PPi (plus bisphosphonate equivalent) that halves crystal growth.
        ppi_growth_half_uM: f64 = 1.5, unit = "µM", range = [0.001, 1.0e5],
            source = "estimate: PPi binds hydroxyapatite and stops growth; daily PPi reduces aortic Ca ~70% (O'Neill 2011)";
        /// Mg that halves crystal growth.
        mg_growth_half_mM: f64 = 3.0, unit = "mM", range = [0.001, 100.0],
            source = "estimate (Louvet 2013)";
        /// Largest mineral volume fraction of a voxel (the rest is cells and matrix).
        max_fraction: f64 = 0.6, unit = "1", range = [0.01, 1.0],
            source = "estimate: media is 30–50% cells by volume (PARAMETERS 3b)";
        /// Mineral volume fraction from which a voxel counts as calcified in the outputs.
        calcified_fraction: f64 = 0.05, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a von Kossa-visible deposit";
    }
}

param_group! {
    /// Switches and drugs at tissue and cell level (`[interventions]`); 1 is the wild type for expression levels, 0 the knock-out.
    InterventionParams, section = "interventions" {
        /// Fetuin-A supply (0 = Ahsg knock-out): serum or medium fetuin-A × this.
        fetuin_a_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "Schäfer 2003: fetuin-A knock-out mice";
        /// OPG expression of VSMCs and supply from serum (0 = OPG−/−).
        opg_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "Bucay 1998: OPG−/− mice";
        /// Extra RANKL secretion of every VSMC (SM22α-RANKL transgenic).
        rankl_overexpression_pM_per_h: f64 = 0.0, unit = "pM/h", range = [0.0, 1.0e4],
            source = "Morony 2012";
        /// PiT-1 expression (0 = knock-down or full phosphonoformic-acid block).
        pit1_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "Jono 2000; Li, Yang & Giachelli 2006";
        /// Nox4 expression (0 = knock-down).
        nox4_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "MECHANISMS M3";
        /// Runx2 expression (0 = SMC-specific deletion).
        runx2_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "Sun 2012: Runx2 deletion in SMCs inhibits calcification";
        /// Extra Runx2 from a transgene, fold of basal.
        runx2_overexpression: f64 = 0.0, unit = "fold", range = [0.0, 100.0],
            source = "source review: up-regulating Runx2 alone calcifies VSMCs (MECHANISMS M1)";
        /// Ca-sensing receptor expression of VSMCs (0 = knock-out).
        casr_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "MECHANISMS interventions";
        /// TRPM7 channel activity (0 = blocked: Mg no longer enters the cell).
        trpm7_expression: f64 = 1.0, unit = "1", range = [0.0, 100.0],
            source = "Louvet 2013";
        /// Fraction of TNAP activity inhibited (levamisole).
        tnap_inhibition: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "PARAMETERS 5.5: levamisole, IC50 7.2 µM";
        /// Exogenous pyrophosphate added to serum or medium (time-averaged).
        exogenous_ppi_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "O'Neill 2011: daily PPi in uremic rats";
        /// Bisphosphonate in the tissue (non-hydrolysable PPi analogue).
        bisphosphonate_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "Price 2001";
        /// Extra magnesium in serum or medium (Mg-containing binder, supplement, dialysate).
        magnesium_extra_mM: f64 = 0.0, unit = "mM", range = [0.0, 50.0],
            source = "Louvet 2013; Bressendorff 2018";
        /// Fraction of ROS scavenged by an antioxidant (TEMPOL).
        antioxidant: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "Yamada 2012: TEMPOL lowers medial calcification in uremic rats";
        /// Fraction of Akt activity inhibited (blocks the ROS → Runx2 stabilisation).
        akt_inhibition: f64 = 0.0, unit = "1", range = [0.0, 1.0],
            source = "Byon 2008";
        /// Denosumab (anti-RANKL antibody) in the tissue.
        denosumab_nM: f64 = 0.0, unit = "nM", range = [0.0, 1.0e5],
            source = "MECHANISMS interventions: an OPG analogue";
        /// Calcimimetic acting on the VSMC Ca-sensing receptor, as added receptor activity.
        calcimimetic: f64 = 0.0, unit = "1", range = [0.0, 100.0],
            source = "R-568, AMG641 in vitro (source review)";
        /// Exogenous H2O2 in serum or medium.
        h2o2_uM: f64 = 0.0, unit = "µM", range = [0.0, 1.0e5],
            source = "Byon 2008: 0.1–0.4 mM H2O2";
    }
}

param_group! {
    /// Binding constants (`[binding]`).
    BindingParams, section = "binding" {
        /// Dissociation constant of OPG·RANKL.
        opg_rankl_kd_pM: f64 = 5.0, unit = "pM", range = [1.0e-6, 1.0e6],
            source = "estimate: high-affinity decoy receptor (OpenBoneMin: k_on 6.24e-6, k_off 0.112 1/h in model units)";
        /// Dissociation constant of denosumab·RANKL.
        denosumab_rankl_kd_nM: f64 = 0.003, unit = "nM", range = [1.0e-9, 1.0e6],
            source = "Prolia label: denosumab binds RANKL with ~3 pM affinity";
    }
}

/// Calcium content of pure hydroxyapatite, Ca10(PO4)6(OH)2: density
/// 3.16 g/cm³ over 1004.6 g/mol × 10 Ca = 31.46 mol/L = 31 460 mM.
pub const HA_CALCIUM_MM: f64 = 31_460.0;

/// Moles of phosphate per mole of calcium in hydroxyapatite (6/10).
pub const HA_PI_PER_CA: f64 = 0.6;

/// Metadata of every numeric parameter, section by section.
pub fn all_meta() -> Vec<ParamMeta> {
    let mut v = SimulationParams::meta();
    v.extend(GeometryParams::meta());
    v.extend(SerumParams::meta());
    v.extend(CultureParams::meta());
    v.extend(PhosphateTransport::meta());
    v.extend(CalciumTransport::meta());
    v.extend(MagnesiumTransport::meta());
    v.extend(PpiTransport::meta());
    v.extend(FetuinTransport::meta());
    v.extend(RosTransport::meta());
    v.extend(RanklTransport::meta());
    v.extend(OpgTransport::meta());
    v.extend(CellParams::meta());
    v.extend(MineralParams::meta());
    v.extend(InterventionParams::meta());
    v.extend(BindingParams::meta());
    v
}

/// The parameter reference as a Markdown document (`docs/parameters.md` is
/// this text; a test keeps the two equal).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Parameter reference\n\n\
         Generated from the parameter declarations in `crates/vcsim-rules/src/params.rs` by\n\
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
        out.push_str(&format!(
            "| `{}` | {} | {} | {} – {} | {} | {} |\n",
            m.key, m.unit, m.default, m.min, m.max, m.doc, m.source
        ));
    }
    out
}

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
