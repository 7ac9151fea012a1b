//! The patient's evolving state, and the levels the tissue sees.

/// What the tissue sees from the patient over one step (means over the step).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SerumLevels {
    /// Phosphate, mM.
    pub pi_mM: f64,
    /// Total calcium, mM.
    pub ca_mM: f64,
    /// Magnesium, mM.
    pub mg_mM: f64,
    /// Pyrophosphate, µM.
    pub ppi_uM: f64,
    /// Fetuin-A, g/L.
    pub fetuin_a_g_per_L: f64,
    /// Intact PTH, pg/mL.
    pub pth_pg_per_mL: f64,
    /// Indoxyl sulfate, µM.
    pub toxin_uM: f64,
    /// VSMC CaSR activity added by a calcimimetic.
    pub calcimimetic: f64,
    /// Fraction of ROS scavenged by an antioxidant drug.
    pub antioxidant: f64,
    /// Denosumab in plasma, nM.
    pub denosumab_nM: f64,
    /// Bisphosphonate in plasma, µM.
    pub bisphosphonate_uM: f64,
    /// Active vitamin D (endogenous calcitriol plus an active vitamin D
    /// drug), relative to normal. The tissue's VSMCs read a level above the normal range
    /// (`tissue::model::vitamin_d_drive`).
    pub active_vitamin_d_rel: f64,
}

/// The evolving state of the patient. Amounts in mmol (µmol for drugs),
/// concentrations in the unit of their name.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PatientState {
    /// ECF phosphate, mmol.
    pub pi_ecf: f64,
    /// Intracellular exchangeable phosphate, mmol.
    pub pi_cell: f64,
    /// ECF total calcium, mmol.
    pub ca_ecf: f64,
    /// ECF magnesium, mmol.
    pub mg_ecf: f64,
    /// Exchangeable bone calcium, mmol.
    pub bone_exchangeable: f64,
    /// Deep bone calcium, mmol.
    pub bone_deep: f64,
    /// Bone calcium (deep + exchangeable) at t = 0, mmol (the BMD reference).
    pub bone_at_start: f64,
    /// Parathyroid gland size, relative.
    pub gland: f64,
    /// Intact PTH, pg/mL.
    pub pth: f64,
    /// C-terminal FGF23, RU/mL.
    pub fgf23: f64,
    /// Calcitriol, relative.
    pub calcitriol: f64,
    /// Osteoblast activity, relative.
    pub osteoblasts: f64,
    /// Osteoclast activity, relative.
    pub osteoclasts: f64,
    /// Fetuin-A, g/L.
    pub fetuin: f64,
    /// PPi, µM.
    pub ppi: f64,
    /// Indoxyl sulfate, µM.
    pub toxin: f64,
    /// Cinacalcet, ng/mL.
    pub cinacalcet: f64,
    /// Denosumab in the subcutaneous depot, nmol.
    pub denosumab_depot: f64,
    /// Denosumab in plasma, nM.
    pub denosumab: f64,
    /// Bisphosphonate in plasma, µM.
    pub bisphosphonate: f64,
    /// Bisphosphonate bound in bone, µmol.
    pub bisphosphonate_bone: f64,
    /// Calcium taken up by soft tissue (outside bone) from ionized Ca above
    /// its set point, mmol.
    pub ca_soft_tissue: f64,
    /// Calcium precipitated with phosphate (0.6 Pi per Ca) in soft tissue, mmol.
    pub soft_tissue_mineral: f64,
    /// Serum Pi as the parathyroid sees it (slow), mM.
    pub pi_pth_signal: f64,
    /// First stage of FGF23 regulation (the target, delayed), RU/mL.
    pub fgf23_drive: f64,
    /// FGF23 production (second stage), RU/mL at steady clearance.
    pub fgf23_production: f64,
}

macro_rules! state_fields {
    ($($f:ident),* $(,)?) => {
        impl PatientState {
            /// Names of [`PatientState::to_vec`], in order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($f)),*];
            /// The state as a flat vector (for checkpoints).
            pub fn to_vec(&self) -> Vec<f64> { vec![$(self.$f),*] }
            /// The inverse of [`PatientState::to_vec`]; `None` if the length differs.
            pub fn from_slice(v: &[f64]) -> Option<Self> {
                if v.len() != Self::NAMES.len() { return None; }
                let mut it = v.iter().copied();
                Some(Self { $($f: it.next()?),* })
            }
        }
    };
}

state_fields!(
    pi_ecf,
    pi_cell,
    ca_ecf,
    mg_ecf,
    bone_exchangeable,
    bone_deep,
    bone_at_start,
    gland,
    pth,
    fgf23,
    calcitriol,
    osteoblasts,
    osteoclasts,
    fetuin,
    ppi,
    toxin,
    cinacalcet,
    denosumab_depot,
    denosumab,
    bisphosphonate,
    bisphosphonate_bone,
    ca_soft_tissue,
    soft_tissue_mineral,
    pi_pth_signal,
    fgf23_drive,
    fgf23_production,
);

summable!(SerumLevels {
    pi_mM,
    ca_mM,
    mg_mM,
    ppi_uM,
    fetuin_a_g_per_L,
    pth_pg_per_mL,
    toxin_uM,
    calcimimetic,
    antioxidant,
    denosumab_nM,
    bisphosphonate_uM,
    active_vitamin_d_rel,
});
