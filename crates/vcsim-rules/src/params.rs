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
    /// Constant serum concentrations at the lumen (`[serum]`); the patient model replaces them in a later version.
    SerumParams, section = "serum" {
        /// Serum inorganic phosphate.
        phosphate_mM: f64 = 1.1, unit = "mM", range = [0.0, 10.0],
            source = "PARAMETERS 1a: normal 0.81–1.45 mM; CKD 5D 1.6–1.8 mM";
        /// Serum total calcium.
        calcium_mM: f64 = 2.35, unit = "mM", range = [0.0, 10.0],
            source = "PARAMETERS 1a: normal 2.12–2.55 mM; Peterson–Riggs baseline 2.35 mM";
        /// Serum fetuin-A.
        fetuin_a_g_per_L: f64 = 0.7, unit = "g/L", range = [0.0, 20.0],
            source = "PARAMETERS 1a: ~0.5–1.0 g/L normal, 0.60 in HD (Hermans 2007)";
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

param_group! {
    /// VSMC rules (`[cells]`): PiT-1 phosphate sensing, Runx2 and phenotype switching.
    CellParams, section = "cells" {
        /// PiT-1 (SLC20A1) expression relative to wild type; 0 is the knock-out or full phosphonoformic-acid block.
        pit1_expression: f64 = 1.0, unit = "1", range = [0.0, 10.0],
            source = "Jono 2000; Li, Yang & Giachelli 2006: PiT-1 knock-down abolishes Pi-induced Runx2 and mineral";
        /// Cell-to-cell coefficient of variation of PiT-1 expression (log-normal, mean 1).
        pit1_cell_cv: f64 = 0.25, unit = "1", range = [0.0, 3.0],
            source = "estimate: gives a graded dose response instead of an all-or-none threshold";
        /// Extracellular Pi at which PiT-1-driven Runx2 induction is half-maximal.
        pi_half_max_mM: f64 = 2.0, unit = "mM", range = [0.05, 20.0],
            source = "estimate from Jono 2000: no mineral at ≤ 1.4 mM, 2.0 mM the classic calcifying dose";
        /// Hill coefficient of the Pi response (steepness of the threshold above 1.4 mM).
        pi_hill: f64 = 4.0, unit = "1", range = [1.0, 12.0],
            source = "estimate from Jono 2000: sharp onset between 1.4 and 2.0 mM";
        /// Runx2 level at saturating Pi, relative to the basal level of a contractile VSMC.
        runx2_max_fold: f64 = 4.0, unit = "fold", range = [1.0, 100.0],
            source = "PARAMETERS 2a (estimate from qPCR reports): Runx2 ×2–4 with 2 mM Pi";
        /// Half-life of Runx2 protein (ubiquitin–proteasome degradation).
        runx2_half_life_h: f64 = 2.0, unit = "h", range = [0.05, 240.0],
            source = "PARAMETERS 3c: Runx2 protein in VSMC ~1–4 h (estimate); OpenBoneMin 1 h";
        /// Runx2 level above which a contractile cell turns osteogenic.
        switch_on_runx2: f64 = 2.0, unit = "fold", range = [1.0, 100.0],
            source = "estimate: reached at ~1.7 mM Pi with defaults, between 1.4 mM (no mineral) and 2.0 mM (Jono 2000)";
        /// Runx2 level below which an osteogenic cell may return to contractile (below switch_on_runx2: hysteresis).
        switch_off_runx2: f64 = 1.3, unit = "fold", range = [0.0, 100.0],
            source = "estimate: osteogenic state persists once established (OPG rescue does not reverse calcification, Min 2000)";
        /// Rate of the contractile → osteogenic switch while Runx2 is above switch_on_runx2.
        switch_on_per_h: f64 = 0.02, unit = "1/h", range = [0.0, 100.0],
            source = "PARAMETERS 3c: ALP rises by days 3–7 of Pi exposure (mean wait 50 h)";
        /// Rate of the osteogenic → contractile return while Runx2 is below switch_off_runx2.
        switch_off_per_h: f64 = 0.005, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: reversal is slower than induction (mean wait ~8 d)";
    }
}

param_group! {
    /// Mineral chemistry (`[mineral]`): nucleation by osteogenic cells and growth of hydroxyapatite.
    MineralParams, section = "mineral" {
        /// Ca·Pi product above which osteogenic cells nucleate mineral in matrix vesicles, without fetuin-A.
        nucleation_product_mM2: f64 = 1.5, unit = "mM²", range = [0.0, 100.0],
            source = "estimate: with tissue fetuin-A the threshold (≈ 2.9 mM²) lies between the normal product ≈ 2.6 mM² and the CKD 5D product ≈ 4 mM² (PARAMETERS 1a), so that inhibitors decide";
        /// Tissue fetuin-A that doubles the nucleation threshold: threshold = nucleation_product_mM2 × (1 + fetuin / this).
        fetuin_half_effect_g_per_L: f64 = 0.1, unit = "g/L", range = [1.0e-6, 100.0],
            source = "estimate: fetuin-A gives more than half of serum's inhibition of Ca-P precipitation (MECHANISMS M5): at the tissue level (≈ 0.1 g/L) it about doubles the threshold";
        /// Nucleation rate of an osteogenic cell per unit relative excess of the product over the threshold.
        nucleation_per_h: f64 = 2.0e-4, unit = "1/h", range = [0.0, 100.0],
            source = "estimate: at CKD 5D serum an osteogenic cell waits months for its first nucleus (medial calcification appears over months to years); in-vitro timing (mineral by day 7–14, PARAMETERS 2a) is calibrated with the culture mode";
        /// Mineral volume fraction of a new nucleus in a voxel.
        nucleus_fraction: f64 = 0.001, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a matrix-vesicle cluster in a voxel-sized region";
        /// Ca·Pi product below which existing mineral stops growing (growth needs far less supersaturation than nucleation).
        growth_product_mM2: f64 = 1.0, unit = "mM²", range = [0.0, 100.0],
            source = "estimate: propagation is fast once started (PARAMETERS modelling implications)";
        /// Growth rate constant: d(fraction)/dt = k · (Ca·Pi − growth product) · fraction^(2/3).
        growth_per_mM2_h: f64 = 1.0e-4, unit = "1/(mM²·h)", range = [0.0, 10.0],
            source = "estimate: a nucleus grows to a calcified voxel (5%) in about four months at CKD 5D serum; medial calcification progresses over months to years";
        /// Largest mineral volume fraction of a voxel (the rest is cells and matrix).
        max_fraction: f64 = 0.6, unit = "1", range = [0.01, 1.0],
            source = "estimate: media is 30–50% cells by volume (PARAMETERS 3b)";
        /// Mineral volume fraction from which a voxel counts as calcified in the outputs.
        calcified_fraction: f64 = 0.05, unit = "1", range = [1.0e-9, 1.0],
            source = "estimate: a von Kossa-visible deposit";
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
    v.extend(PhosphateTransport::meta());
    v.extend(CalciumTransport::meta());
    v.extend(FetuinTransport::meta());
    v.extend(CellParams::meta());
    v.extend(MineralParams::meta());
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
