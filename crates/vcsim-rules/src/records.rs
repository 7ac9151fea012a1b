//! Per-step series records: the tissue [`Summary`] (`/timeseries`), the
//! patient's [`SerumRecord`] (`/serum`) and [`BoneRecord`] (`/bone`).

/// Declares a record of per-step series: one documented field per series,
/// with its unit (used for [`Summary`] and the patient's serum and bone records).
macro_rules! series_record {
    ($(#[$meta:meta])* $name:ident { $( #[doc = $doc:literal] $field:ident : $unit:literal, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            $( #[doc = $doc] pub $field: f64, )*
        }

        impl $name {
            /// Names of the values, in order.
            pub const NAMES: &'static [&'static str] = &[$( stringify!($field), )*];
            /// Units, parallel to `NAMES`.
            pub const UNITS: &'static [&'static str] = &[$( $unit, )*];
            /// Meanings, parallel to `NAMES`.
            pub const DOCS: &'static [&'static str] = &[$( $doc, )*];

            /// Values in the order of `NAMES`.
            pub fn values(&self) -> Vec<f64> {
                vec![$( self.$field, )*]
            }

            /// Every value `v` (e.g. NaN for "not modelled").
            pub fn filled(v: f64) -> Self {
                Self { $( $field: v, )* }
            }

            /// The inverse of `values`; `None` if the length differs.
            pub fn from_values(v: &[f64]) -> Option<Self> {
                if v.len() != Self::NAMES.len() {
                    return None;
                }
                let mut it = v.iter().copied();
                Some(Self { $( $field: it.next()?, )* })
            }
        }
    };
}

series_record! {
    /// Per-step summary of a world: what goes into `/timeseries`.
    Summary {
    /// Simulated time.
    time_h: "h",
    /// Contractile VSMCs.
    n_contractile: "cells",
    /// Osteogenic (Runx2-high) VSMCs.
    n_osteogenic: "cells",
    /// Cells in apoptosis.
    n_apoptotic: "cells",
    /// Apoptotic bodies (dead cells) not yet in a calcified voxel.
    n_apoptotic_body: "cells",
    /// Apoptotic bodies in a calcified voxel.
    n_calcified: "cells",
    /// Volume fraction of the wall (media + lamina) in blocks of mineral.calcified_block_um whose mean mineral fraction reaches mineral.calcified_fraction (a physical scale: the same at every dx).
    calcified_fraction: "1",
    /// Mineral volume per wall (media + lamina) volume.
    mineral_wall_fraction: "1",
    /// Total hydroxyapatite volume.
    mineral_volume_um3: "µm³",
    /// Share of the mineral volume within mineral.calcified_block_um / 2 of an elastic lamina's centre line (a band of physical width, so the share does not depend on dx).
    lamina_mineral_share: "1",
    /// Share of the wall (media + lamina) volume that is elastic lamina (partial volumes of the voxels it crosses).
    lamina_volume_share: "1",
    /// Share of the wall volume in the lamina band of lamina_mineral_share, for comparison with it (mineral evenly spread would give lamina_mineral_share = this).
    lamina_band_share: "1",
    /// Mean Runx2 of viable cells.
    mean_runx2: "fold",
    /// Mean ALP (TNAP) expression of viable cells.
    mean_alp: "1",
    /// Mean osteopontin expression of viable cells.
    mean_opn: "1",
    /// Mean intracellular phosphate of viable cells.
    mean_pi_in_mM: "mM",
    /// Calcium in mineral per cell protein, the in-vitro readout (all cells present at the start).
    ca_deposit_ug_per_mg_protein: "µg/mg",
    /// Mean phosphate over media voxels.
    media_phosphate_mM: "mM",
    /// Mean ionized calcium over media voxels.
    media_calcium_mM: "mM",
    /// Saturation index log10(IAP/Ksp) of amorphous calcium phosphate (Ca3(PO4)2 basis) at the media's mean ionized Ca, Pi and fetuin-A (free ions after calciprotein-particle binding; pH 7.4, 37 °C): ACP nucleates where it is > 0.
    media_si_acp: "1",
    /// Saturation index of hydroxyapatite at the same free ions (> 0: apatite can grow).
    media_si_hap: "1",
    /// Mean magnesium over media voxels.
    media_magnesium_mM: "mM",
    /// Mean pyrophosphate over media voxels.
    media_ppi_uM: "µM",
    /// Mean pyrophosphate in the voxels of osteogenic cells (local depletion by their ALP).
    ppi_at_osteogenic_uM: "µM",
    /// Mean pyrophosphate in the voxels of contractile cells.
    ppi_at_contractile_uM: "µM",
    /// Mean fetuin-A over media voxels.
    media_fetuin_a_g_per_L: "g/L",
    /// Mean ROS (H2O2) over media voxels, without exogenous H2O2.
    media_ros_nM: "nM",
    /// Mean total RANKL over media voxels.
    media_rankl_pM: "pM",
    /// Mean total OPG over media voxels.
    media_opg_pM: "pM",
    /// All calcium: fields, mineral, medium.
    calcium_total_fmol: "fmol",
    /// All phosphate: fields, mineral, inside cells, medium.
    phosphate_total_fmol: "fmol",
    /// Calcium that entered through boundaries or medium changes since the start.
    calcium_exchanged_fmol: "fmol",
    /// Phosphate that entered through boundaries or medium changes since the start.
    phosphate_exchanged_fmol: "fmol",
}
}

impl Summary {
    /// An error naming the first non-finite quantity, if any.
    pub fn check_finite(&self) -> Result<(), crate::error::InvalidState> {
        for (name, v) in Self::NAMES.iter().zip(self.values()) {
            if !v.is_finite() {
                return Err(crate::error::InvalidState::NonFinite {
                    series: name,
                    value: v,
                    time_h: self.time_h,
                });
            }
        }
        Ok(())
    }
}

series_record! {
    /// The patient's serum after a step: what goes into `/serum`.
    SerumRecord {
    /// Simulated time.
    time_h: "h",
    /// Serum inorganic phosphate.
    pi_mM: "mM",
    /// Serum total calcium.
    ca_mM: "mM",
    /// Serum ionized calcium.
    ica_mM: "mM",
    /// Intact PTH.
    pth_pg_mL: "pg/mL",
    /// C-terminal FGF23.
    fgf23: "RU/mL",
    /// Serum fetuin-A.
    fetuin_a_g_L: "g/L",
    /// Plasma pyrophosphate.
    ppi_uM: "µM",
    /// Serum magnesium.
    mg_mM: "mM",
    /// Calcification propensity: half-transformation time of the T50 test.
    t50_min: "min",
    /// Serum indoxyl sulfate (total).
    indoxyl_sulfate_uM: "µM",
    /// Kidney function.
    egfr_mL_min: "mL/min",
    /// Renal Klotho relative to normal.
    klotho_rel: "1",
    /// Calcitriol relative to normal.
    calcitriol_rel: "1",
    /// Parathyroid gland size relative to normal.
    gland_rel: "1",
    /// Fraction of the step spent on dialysis.
    dialysis: "1",
    /// Phosphate absorbed from the gut (mean over the step).
    pi_absorbed_mmol_per_day: "mmol/day",
    /// Phosphate excreted in urine (mean over the step).
    pi_urine_mmol_per_day: "mmol/day",
    /// Phosphate removed by dialysis (mean over the step).
    pi_dialysed_mmol_per_day: "mmol/day",
    /// Plasma cinacalcet.
    cinacalcet_ng_mL: "ng/mL",
    /// Plasma denosumab.
    denosumab_nM: "nM",
    /// Plasma bisphosphonate.
    bisphosphonate_uM: "µM",
}
}

series_record! {
    /// The patient's bone after a step: what goes into `/bone`.
    BoneRecord {
    /// Simulated time.
    time_h: "h",
    /// Bone mineral density proxy: bone calcium (deep + exchangeable) relative to t = 0.
    bmd_rel: "1",
    /// Osteoblast (formation) activity relative to normal.
    formation_rel: "1",
    /// Osteoclast (resorption) activity relative to normal.
    resorption_rel: "1",
    /// Exchangeable bone calcium.
    exchangeable_ca_mmol: "mmol",
    /// Deep (non-exchangeable) bone calcium.
    deep_ca_mmol: "mmol",
    /// Net calcium taken up by bone (formation − resorption + exchange; mean over the step).
    ca_uptake_mmol_per_day: "mmol/day",
}
}

/// One group of per-step series in a run file: its name, and the names,
/// units and meanings of its series (`time_h` first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesGroupSpec {
    /// Group name, `/<group>` in the run file.
    pub group: &'static str,
    /// What the group holds.
    pub about: &'static str,
    /// Names of the series, in order.
    pub names: &'static [&'static str],
    /// Units, parallel to `names`.
    pub units: &'static [&'static str],
    /// Meanings, parallel to `names`.
    pub docs: &'static [&'static str],
}

series_record! {
    /// What a calcium-scoring CT of the vessel segment (`[imaging]`) reads
    /// from the wall after a step: what goes into `/clinical`
    /// (`crate::imaging` computes it; docs/imaging.md has the method).
    ClinicalRecord {
    /// Simulated time.
    time_h: "h",
    /// Agatston score of the segment: Σ over slices and lesions (≥ threshold, ≥ minimum area) of area × density weight (1–4 by peak HU).
    agatston: "AU",
    /// Volume score: volume of the CT voxels in counted lesions.
    volume_mm3: "mm³",
    /// Mass score (McCollough): c_HA × Σ HU × voxel volume over counted lesions, HU relative to water (includes the baseline).
    mass_mg: "mg",
    /// Counted lesions, summed over slices (a lesion crossing k slices counts k times).
    n_lesions: "1",
    /// 1 if a reader would call the segment calcified (Agatston > 0: a lesion ≥ minimum area above threshold), else 0.
    detectable: "1",
    /// Highest CT number of the segment's image.
    peak_hu: "HU",
    /// Largest connected area at or above threshold in one slice, counted or not (how close to detection).
    max_lesion_area_mm2: "mm²",
    /// Hydroxyapatite actually in the wall of the segment (3.16 g/cm³ × mineral volume, each site at its own onset), for comparison with mass_mg.
    ha_mass_mg: "mg",
    /// Mean hydroxyapatite volume fraction of the simulated wall (lamina and media voxels) now.
    wall_mineral_fraction: "1",
    /// Radial extent of the simulated wall (first to last lamina or media voxel), scaled onto the vessel.
    wall_thickness_um: "µm",
}
}

/// The series groups of a run file, in order: every writer and reader takes
/// them from here (a row of each per step comes from `World::series_rows`).
pub const SERIES_GROUPS: [SeriesGroupSpec; 4] = [
    SeriesGroupSpec {
        group: "timeseries",
        about: "the tissue summary",
        names: Summary::NAMES,
        units: Summary::UNITS,
        docs: Summary::DOCS,
    },
    SeriesGroupSpec {
        group: "serum",
        about: "the patient's serum (NaN where a run does not model it)",
        names: SerumRecord::NAMES,
        units: SerumRecord::UNITS,
        docs: SerumRecord::DOCS,
    },
    SeriesGroupSpec {
        group: "bone",
        about: "the patient's bone (NaN where a run does not model it)",
        names: BoneRecord::NAMES,
        units: BoneRecord::UNITS,
        docs: BoneRecord::DOCS,
    },
    SeriesGroupSpec {
        group: "clinical",
        about: "what a calcium-scoring CT of the vessel segment of [imaging] reads (tissue mode)",
        names: ClinicalRecord::NAMES,
        units: ClinicalRecord::UNITS,
        docs: ClinicalRecord::DOCS,
    },
];
