//! The rules of [`super::model`] prepared for one step.
//!
//! The model functions take the parameters and recompute, for every cell,
//! everything that does not depend on the cell: `exp(−k·dt)` of constant
//! rates, event probabilities, the effect of the systemic levels, quotients by
//! half-maximal constants, and `powf` for Hill powers that are whole numbers.
//! [`Rules`] does that once per step: constant factors and probabilities are
//! computed here, half-maximal constants become reciprocals, and each Hill
//! power is decided once ([`Power`]): a whole exponent is raised by repeated
//! multiplication, any other by `powf`.
//!
//! Every method computes the equation of the model function it is named
//! after (the tests below compare them on random inputs). The results may
//! differ from the model function's in the last bits (a product by a
//! reciprocal instead of a quotient, a product of powers instead of `powf`);
//! they do not depend on anything but the inputs, so runs stay bitwise
//! reproducible.

use crate::scenario::params::{BindingParams, CellParams, InterventionParams, MineralParams};
use crate::tissue::model::{self, Phenotype};

/// An exponent, decided once: a whole number from 0 to 63 is raised by
/// repeated multiplication, anything else by `powf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Power {
    /// A whole exponent below 64.
    Whole(u32),
    /// Any other exponent.
    Real(f64),
}

impl Power {
    /// The exponent `n`, as a whole number where it is one.
    pub fn new(n: f64) -> Self {
        if n.fract() == 0.0 && (0.0..64.0).contains(&n) {
            Power::Whole(n as u32)
        } else {
            Power::Real(n)
        }
    }

    /// `xⁿ`.
    #[inline(always)]
    pub fn raise(self, x: f64) -> f64 {
        match self {
            Power::Whole(n) => whole_power(x, n),
            Power::Real(n) => x.powf(n),
        }
    }
}

/// `xⁿ` for `n < 64` as the product of the squares `x^(2^b)` for the set bits
/// `b` of `n`, lowest first. Written without branches on `n` so that a loop
/// over many `x` with the same `n` vectorises.
#[inline(always)]
fn whole_power(x: f64, n: u32) -> f64 {
    let pick = |bit: u32, v: f64| if n & (1 << bit) != 0 { v } else { 1.0 };
    let x2 = x * x;
    let x4 = x2 * x2;
    let x8 = x4 * x4;
    let x16 = x8 * x8;
    let x32 = x16 * x16;
    pick(0, x) * pick(1, x2) * pick(2, x4) * pick(3, x8) * pick(4, x16) * pick(5, x32)
}

/// `eˣ`, to about one ulp (0 below −708, where `eˣ` is below the normal
/// range). Uses only additions, multiplications and bit operations, so it
/// gives the same bits on every machine and in every vector width, and a
/// loop of it vectorises (the C library's `exp` is a call per value).
///
/// `x = k·ln 2 + r` with `k` the nearest integer to `x / ln 2` and
/// `|r| ≤ ln 2 / 2`; `eʳ` from its Taylor series to the `r¹³` term
/// (truncation below 10⁻¹⁷); `2ᵏ` from the exponent bits.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that k·LN2_HI is exact for |k| < 2¹¹.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding 1.5·2⁵² rounds to an integer held in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    // 1/n! for n = 13 down to 2.
    const C: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let y = x.clamp(-708.0, 709.0);
    let t = y * LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let mut p = C[0];
    for c in &C[1..] {
        p = p * r + c;
    }
    let p = (p * r + 1.0) * r + 1.0;
    let k_int = t.to_bits().wrapping_sub(SHIFT.to_bits());
    let scale = f64::from_bits(k_int.wrapping_add(1023) << 52);
    if x < -708.0 { 0.0 } else { p * scale }
}

/// A Hill function `xⁿ / (Kⁿ + xⁿ)` with `1/K` and the power decided once.
///
/// Methods with a `WHOLE` parameter take `WHOLE = true` only where every
/// power is known to be whole ([`Rules::whole_powers`]): the power is then
/// raised without looking at the [`Power`] at all, so a loop over cells has
/// no branch left and vectorises. Both give the same bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hill {
    inv_half: f64,
    power: Power,
    /// The exponent if whole (else unused).
    whole: u32,
}

impl Hill {
    /// Half-maximal at `half`, Hill coefficient `n`.
    pub fn new(half: f64, n: f64) -> Self {
        let power = Power::new(n);
        Self {
            inv_half: 1.0 / half,
            power,
            whole: match power {
                Power::Whole(n) => n,
                Power::Real(_) => 0,
            },
        }
    }

    /// True if the power is a whole number.
    pub fn is_whole(&self) -> bool {
        matches!(self.power, Power::Whole(_))
    }

    /// `(x/K)ⁿ`, 0 for x ≤ 0.
    #[inline(always)]
    fn ratio<const WHOLE: bool>(&self, x: f64) -> f64 {
        let r = if WHOLE {
            whole_power(x * self.inv_half, self.whole)
        } else {
            self.power.raise(x * self.inv_half)
        };
        if x <= 0.0 { 0.0 } else { r }
    }

    /// The Hill function at `x` (0 for x ≤ 0), as [`model::hill`].
    #[inline(always)]
    pub fn at(&self, x: f64) -> f64 {
        self.at_g::<false>(x)
    }

    #[inline(always)]
    fn at_g<const WHOLE: bool>(&self, x: f64) -> f64 {
        let r = self.ratio::<WHOLE>(x);
        r / (1.0 + r)
    }
}

/// `x / (half + x)` for x > 0, else 0: [`model::saturating`].
#[inline(always)]
fn saturating(x: f64, half: f64) -> f64 {
    model::saturating(x, half)
}

/// True if a uniform draw `u` in [0, 1) falls below `1 − exp(−x)`, the
/// probability of an event with `x` expected events in the step: the same
/// answer as `u < model::event_probability(rate, dt)` with `x = rate·dt`.
/// Because `1 − exp(−x) ≤ x` (and the computed value exceeds the exact one by
/// at most an ulp of 1), a draw at or above `x·(1 + 10⁻¹²) + 10⁻¹⁵` cannot
/// fall below it, so the exponential is only evaluated for draws that might.
#[inline(always)]
pub fn happens(u: f64, x: f64) -> bool {
    if u >= x * (1.0 + 1e-12) + 1e-15 {
        return false;
    }
    u < 1.0 - (-x).exp()
}

/// **M5: calciprotein particles**, the one description of them: fetuin-A
/// binds Ca·Pi into CPPs and divides the free Ca·Pi product by
/// `1 + fetuin / cpp_half`. The tissue's free product ([`free_product`]) and
/// the serum's T50 ([`crate::patient::t50_min`]) both use it.
#[inline(always)]
pub fn cpp_binding(fetuin_g_per_L: f64, cpp_half_g_per_L: f64) -> f64 {
    1.0 + fetuin_g_per_L.max(0.0) / cpp_half_g_per_L
}

/// **M5: the free Ca·Pi product** (mM²) of ionized Ca and Pi left free by
/// the calciprotein particles ([`cpp_binding`]): the one form of it, in the
/// cell rules (apoptosis), nucleation and growth.
#[inline(always)]
pub fn free_product(ca_mM: f64, pi_mM: f64, fetuin_g_per_L: f64, cpp_half_g_per_L: f64) -> f64 {
    ca_mM.max(0.0) * pi_mM.max(0.0) / cpp_binding(fetuin_g_per_L, cpp_half_g_per_L)
}

/// **Switching with hysteresis**: the phenotype a cell may switch to, if
/// any: contractile → osteogenic while Runx2 ≥ `on`, osteogenic → contractile
/// only once Runx2 ≤ `off` (below `on`).
#[inline(always)]
pub fn switch_target(phenotype: Phenotype, runx2: f64, on: f64, off: f64) -> Option<Phenotype> {
    match phenotype {
        Phenotype::Contractile if runx2 >= on => Some(Phenotype::Osteogenic),
        Phenotype::Osteogenic if runx2 <= off => Some(Phenotype::Contractile),
        _ => None,
    }
}

/// The rules with everything that is constant over one step computed once.
#[derive(Debug, Clone)]
pub struct Rules {
    // M1, M2, CaSR: effective PiT-1.
    pit1_expression: f64,
    casr_expression: f64,
    calcimimetic: f64,
    casr_half_max_mM: f64,
    casr_protection: f64,
    ca_pit1_gain: f64,
    ca_hill: Hill,
    // M1: uptake.
    pi_in_max_mM: f64,
    pit1_km_mM: f64,
    /// `exp(−pi_exchange·dt)`.
    keep_pi_exchange: f64,
    // M1, M6, Mg: the Pi signal.
    pi_hill: Hill,
    inv_ppi_signal_half_uM: f64,
    trpm7_per_mg_signal_half_mM: f64,
    /// PPi-equivalent of the bisphosphonate, µM.
    bisphosphonate_ppi: f64,
    // M7, M9: drive.
    rankl_weight: f64,
    rankl_half_max_pM: f64,
    inv_opg_rankl_kd_pM: f64,
    /// `denosumab / Kd` (≥ 0).
    denosumab_term: f64,
    /// The uniform hormone drive: `pth_weight · PTH / (pth_half + PTH)`
    /// plus [`model::vitamin_d_drive`].
    hormone_term: f64,
    // M3: ROS.
    h2o2_ros_nM: f64,
    inv_ros_half_max_nM: f64,
    akt_activity: f64,
    // M1, M3: Runx2.
    production0: f64,
    production1: f64,
    /// `ln 2 / half-life · dt`.
    runx2_decay_dt: f64,
    // Runx2 → ALP, OPN.
    alp_hill: Hill,
    opn_hill: Hill,
    keep_alp_rate: f64,
    keep_opn_rate: f64,
    // Apoptosis.
    cpp_half_g_per_L: f64,
    product_hill: Hill,
    apoptosis_product_gain: f64,
    apoptosis_mineral_gain: f64,
    calcified_fraction: f64,
    apoptosis_ros_gain: f64,
    /// `apoptosis_per_h · dt`.
    apoptosis_per_h_dt: f64,
    inv_fetuin_apoptosis_half_g_per_L: f64,
    /// Probability that an apoptotic cell becomes a body within the step.
    pub clearance_probability: f64,
    // Switching.
    switch_on_runx2: f64,
    switch_off_runx2: f64,
    switch_on_probability: f64,
    switch_off_probability: f64,
    // Secretion.
    /// PPi hydrolysis rate per unit ALP, 1/h.
    ppi_hydrolysis_per_alp_h: f64,
    ppi_secretion_uM_per_h: f64,
    rankl_base_pM_per_h: f64,
    rankl_runx2_pM_per_h: f64,
    /// OPG secreted over the step by a contractile and an osteogenic cell.
    opg_step: [f64; 2],
    /// ROS level a viable cell sustains (S/k), nM.
    pub cell_ros: f64,
    /// ROS level the endothelium sustains (S/k), nM.
    pub endothelial_ros: f64,
    // Nucleation threshold.
    nucleation_product_mM2: f64,
    inv_mg_nucleation_half_mM: f64,
    inv_ppi_nucleation_half_uM: f64,
    // Nucleation at matrix vesicles and next to mineral.
    vesicle_nucleation_per_h: f64,
    vesicle_alp_boost: f64,
    fetuin_vesicle_half_g_per_L: f64,
    fetuin_vesicle_max: f64,
    vesicle_ros_half_nM: f64,
    vesicle_ros_gain: f64,
    vesicle_rankl: Hill,
    vesicle_rankl_gain: f64,
    // Growth (and the fronts of mineral, which grow at the same velocity).
    growth_product_mM2: f64,
    growth_um_per_mM2_h: f64,
    inv_ppi_growth_half_uM: f64,
    inv_mg_growth_half_mM: f64,
    dissolution_um_per_mM2_h: f64,
    resorption_um_per_h: f64,
    resorption_rankl_half_pM: f64,
    dt: f64,
}

impl Rules {
    /// The rules for a step of length `dt_h` with interventions `iv` (the
    /// systemic drugs already folded in), the uniform levels PTH, toxin,
    /// bisphosphonate, denosumab, H2O2 and the lumen phosphate.
    pub fn new(
        p: &CellParams,
        m: &MineralParams,
        iv: &InterventionParams,
        b: &BindingParams,
        sys: &super::Systemic,
        lumen_pi_mM: f64,
        dt_h: f64,
    ) -> Self {
        let dt = dt_h;
        let keep = |rate: f64| (-rate * dt).exp();
        Self {
            pit1_expression: iv.pit1_expression,
            casr_expression: iv.casr_expression,
            calcimimetic: iv.calcimimetic,
            casr_half_max_mM: p.casr_half_max_mM,
            casr_protection: p.casr_protection,
            ca_pit1_gain: p.ca_pit1_gain,
            ca_hill: Hill::new(p.ca_half_max_mM, p.ca_hill),
            pi_in_max_mM: p.pi_in_max_mM,
            pit1_km_mM: p.pit1_km_mM,
            keep_pi_exchange: keep(p.pi_exchange_per_h),
            pi_hill: Hill::new(p.pi_in_half_max_mM, p.pi_hill),
            inv_ppi_signal_half_uM: 1.0 / p.ppi_signal_half_uM,
            trpm7_per_mg_signal_half_mM: iv.trpm7_expression / p.mg_signal_half_mM,
            bisphosphonate_ppi: m.bisphosphonate_potency * sys.bisphosphonate_uM.max(0.0),
            rankl_weight: p.rankl_weight,
            rankl_half_max_pM: p.rankl_half_max_pM,
            inv_opg_rankl_kd_pM: 1.0 / b.opg_rankl_kd_pM,
            denosumab_term: sys.denosumab_nM.max(0.0) / b.denosumab_rankl_kd_nM,
            hormone_term: p.pth_weight * saturating(sys.pth_pg_per_mL, p.pth_half_max_pg_per_mL)
                + model::vitamin_d_drive(sys.active_vitamin_d_rel, p),
            h2o2_ros_nM: sys.h2o2_ros_nM,
            inv_ros_half_max_nM: 1.0 / p.ros_half_max_nM,
            akt_activity: 1.0 - iv.akt_inhibition,
            production0: iv.runx2_expression * (1.0 + iv.runx2_overexpression),
            production1: iv.runx2_expression * (p.runx2_max_fold - 1.0),
            runx2_decay_dt: std::f64::consts::LN_2 / p.runx2_half_life_h * dt,
            alp_hill: Hill::new(p.alp_runx2_half, p.expression_hill),
            opn_hill: Hill::new(p.opn_runx2_half, p.expression_hill),
            keep_alp_rate: keep(p.alp_rate_per_h),
            keep_opn_rate: keep(p.opn_rate_per_h),
            cpp_half_g_per_L: m.cpp_half_g_per_L,
            product_hill: Hill::new(p.apoptosis_product_half_mM2, p.apoptosis_product_hill),
            apoptosis_product_gain: p.apoptosis_product_gain,
            apoptosis_mineral_gain: p.apoptosis_mineral_gain,
            calcified_fraction: m.calcified_fraction,
            apoptosis_ros_gain: p.apoptosis_ros_gain,
            apoptosis_per_h_dt: p.apoptosis_per_h * dt,
            inv_fetuin_apoptosis_half_g_per_L: 1.0 / p.fetuin_apoptosis_half_g_per_L,
            clearance_probability: model::event_probability(p.apoptotic_clearance_per_h, dt),
            switch_on_runx2: p.switch_on_runx2,
            switch_off_runx2: p.switch_off_runx2,
            switch_on_probability: if p.switch_on_per_h > 0.0 {
                model::event_probability(p.switch_on_per_h, dt)
            } else {
                0.0
            },
            switch_off_probability: if p.switch_off_per_h > 0.0 {
                model::event_probability(p.switch_off_per_h, dt)
            } else {
                0.0
            },
            ppi_hydrolysis_per_alp_h: p.alp_ppi_hydrolysis_per_h * (1.0 - iv.tnap_inhibition),
            ppi_secretion_uM_per_h: p.ppi_secretion_uM_per_h,
            rankl_base_pM_per_h: p.rankl_basal_pM_per_h + iv.rankl_overexpression_pM_per_h,
            rankl_runx2_pM_per_h: p.rankl_runx2_pM_per_h,
            opg_step: [
                model::opg_secretion(Phenotype::Contractile, p, iv) * dt,
                model::opg_secretion(Phenotype::Osteogenic, p, iv) * dt,
            ],
            cell_ros: model::cell_ros_nM(sys.toxin_uM, p, iv),
            endothelial_ros: model::endothelial_ros_nM(lumen_pi_mM, p, iv),
            nucleation_product_mM2: m.nucleation_product_mM2,
            inv_mg_nucleation_half_mM: 1.0 / m.mg_nucleation_half_mM,
            inv_ppi_nucleation_half_uM: 1.0 / m.ppi_nucleation_half_uM,
            vesicle_nucleation_per_h: m.vesicle_nucleation_per_h,
            vesicle_alp_boost: m.vesicle_alp_boost,
            fetuin_vesicle_half_g_per_L: m.fetuin_vesicle_half_g_per_L,
            fetuin_vesicle_max: m.fetuin_vesicle_max,
            vesicle_ros_half_nM: m.vesicle_ros_half_nM,
            vesicle_ros_gain: m.vesicle_ros_gain,
            vesicle_rankl: Hill::new(m.vesicle_rankl_half_pM, m.vesicle_rankl_hill),
            vesicle_rankl_gain: m.vesicle_rankl_gain,
            growth_product_mM2: m.growth_product_mM2,
            growth_um_per_mM2_h: m.growth_um_per_mM2_h,
            inv_ppi_growth_half_uM: 1.0 / m.ppi_growth_half_uM,
            inv_mg_growth_half_mM: 1.0 / m.mg_growth_half_mM,
            dissolution_um_per_mM2_h: m.dissolution_um_per_mM2_h,
            resorption_um_per_h: m.resorption_um_per_h,
            resorption_rankl_half_pM: m.resorption_rankl_half_pM,
            dt,
        }
    }

    /// The rules for a step of `dt_h` with the uniform levels `sys` and no
    /// lumen phosphate: what the reference functions of [`super::model`]
    /// evaluate, so that a mechanism has one implementation.
    pub fn reference(
        p: &CellParams,
        m: &MineralParams,
        iv: &InterventionParams,
        b: &BindingParams,
        sys: &super::Systemic,
        dt_h: f64,
    ) -> Self {
        Self::new(p, m, iv, b, sys, 0.0, dt_h)
    }

    /// ROS that exogenous H2O2 adds to what a cell senses, nM.
    #[inline(always)]
    pub fn h2o2(&self) -> f64 {
        self.h2o2_ros_nM
    }

    /// True if every Hill power of the cell rules is a whole number, so
    /// that the `WHOLE = true` forms of the methods apply.
    pub fn whole_powers(&self) -> bool {
        [
            self.ca_hill,
            self.pi_hill,
            self.alp_hill,
            self.opn_hill,
            self.product_hill,
        ]
        .iter()
        .all(Hill::is_whole)
    }

    /// [`model::pit1_effective`].
    #[inline(always)]
    pub fn pit1_effective(&self, pit1_cell: f64, ca_mM: f64) -> f64 {
        self.pit1_effective_g::<false>(pit1_cell, ca_mM)
    }

    #[inline(always)]
    pub(crate) fn pit1_effective_g<const WHOLE: bool>(&self, pit1_cell: f64, ca_mM: f64) -> f64 {
        let casr =
            self.casr_expression * (saturating(ca_mM, self.casr_half_max_mM) + self.calcimimetic);
        let r = self.ca_hill.ratio::<WHOLE>(ca_mM);
        let ca_up = self.ca_pit1_gain * r / ((1.0 + r) * (1.0 + self.casr_protection * casr));
        pit1_cell * self.pit1_expression * (1.0 + ca_up)
    }

    /// [`model::pi_in_target`].
    #[inline(always)]
    pub fn pi_in_target(&self, pi_mM: f64, pit1_eff: f64) -> f64 {
        self.pi_in_max_mM * pit1_eff * saturating(pi_mM, self.pit1_km_mM)
    }

    /// Intracellular Pi after the step, relaxing towards `target`.
    #[inline(always)]
    pub fn pi_in_step(&self, pi_in: f64, target: f64) -> f64 {
        target + (pi_in - target) * self.keep_pi_exchange
    }

    /// [`model::ppi_equivalent`] with the step's bisphosphonate.
    #[inline(always)]
    pub fn ppi_equivalent(&self, ppi_uM: f64) -> f64 {
        ppi_uM.max(0.0) + self.bisphosphonate_ppi
    }

    /// [`model::pi_signal`].
    #[inline(always)]
    pub fn pi_signal(&self, pi_in_mM: f64, ppi_eq_uM: f64, mg_mM: f64) -> f64 {
        self.pi_signal_g::<false>(pi_in_mM, ppi_eq_uM, mg_mM)
    }

    #[inline(always)]
    pub(crate) fn pi_signal_g<const WHOLE: bool>(
        &self,
        pi_in_mM: f64,
        ppi_eq_uM: f64,
        mg_mM: f64,
    ) -> f64 {
        let r = self.pi_hill.ratio::<WHOLE>(pi_in_mM);
        r / ((1.0 + r)
            * (1.0 + ppi_eq_uM.max(0.0) * self.inv_ppi_signal_half_uM)
            * (1.0 + self.trpm7_per_mg_signal_half_mM * mg_mM.max(0.0)))
    }

    /// [`model::free_rankl`]: RANKL not held by OPG or the step's denosumab, pM.
    #[inline(always)]
    pub fn free_rankl(&self, rankl_pM: f64, opg_pM: f64) -> f64 {
        rankl_pM.max(0.0) / self.rankl_binding(opg_pM)
    }

    /// Total over free RANKL: `1 + OPG / K_OPG + denosumab / K_dmab`.
    #[inline(always)]
    fn rankl_binding(&self, opg_pM: f64) -> f64 {
        1.0 + opg_pM.max(0.0) * self.inv_opg_rankl_kd_pM + self.denosumab_term
    }

    /// [`model::runx2_drive`] from the Pi signal and the total RANKL and OPG
    /// ([`model::free_rankl`] with the step's denosumab).
    #[inline(always)]
    pub fn runx2_drive(&self, pi_signal: f64, rankl_pM: f64, opg_pM: f64) -> f64 {
        // free = R / D and free / (h + free) = R / (h·D + R).
        let r = rankl_pM.max(0.0);
        let rankl = if r > 0.0 {
            let d = self.rankl_binding(opg_pM);
            self.rankl_weight * r / (self.rankl_half_max_pM * d + r)
        } else {
            0.0
        };
        pi_signal + rankl + self.hormone_term
    }

    /// ROS a cell senses (the field plus exogenous H2O2, at least 0) over
    /// `ros_half_max_nM`: the argument of [`Rules::stabilisation`] and of the
    /// ROS term of [`Rules::apoptosis_events`].
    #[inline(always)]
    pub fn ros_ratio(&self, ros_field_nM: f64) -> f64 {
        (ros_field_nM + self.h2o2_ros_nM).max(0.0) * self.inv_ros_half_max_nM
    }

    /// [`model::ros_stabilisation`] from [`Rules::ros_ratio`].
    #[inline(always)]
    pub fn stabilisation(&self, ros_ratio: f64) -> f64 {
        1.0 + self.akt_activity * ros_ratio
    }

    /// [`model::runx2_step`].
    #[inline(always)]
    pub fn runx2_step(&self, runx2: f64, drive: f64, stabilisation: f64) -> f64 {
        let target = (self.production0 + self.production1 * drive) * stabilisation;
        target + (runx2 - target) * exp(-self.runx2_decay_dt / stabilisation)
    }

    /// ALP after the step ([`model::runx2_target_expression`] with
    /// `alp_runx2_half`, relaxed at `alp_rate_per_h`).
    #[inline(always)]
    pub fn alp_step(&self, alp: f64, runx2: f64) -> f64 {
        self.alp_step_g::<false>(alp, runx2)
    }

    #[inline(always)]
    pub(crate) fn alp_step_g<const WHOLE: bool>(&self, alp: f64, runx2: f64) -> f64 {
        let target = self.alp_hill.at_g::<WHOLE>(runx2 - 1.0);
        target + (alp - target) * self.keep_alp_rate
    }

    /// OPN after the step, as [`Rules::alp_step`] with the OPN constants.
    #[inline(always)]
    pub fn opn_step(&self, opn: f64, runx2: f64) -> f64 {
        self.opn_step_g::<false>(opn, runx2)
    }

    #[inline(always)]
    pub(crate) fn opn_step_g<const WHOLE: bool>(&self, opn: f64, runx2: f64) -> f64 {
        let target = self.opn_hill.at_g::<WHOLE>(runx2 - 1.0);
        target + (opn - target) * self.keep_opn_rate
    }

    /// Expected apoptosis events within the step, [`model::apoptosis_rate`]
    /// × dt (with [`model::free_product`]); `ros_ratio` from [`Rules::ros_ratio`].
    #[inline(always)]
    pub fn apoptosis_events(
        &self,
        ca_mM: f64,
        pi_mM: f64,
        fetuin_g_per_L: f64,
        mineral: f64,
        ros_ratio: f64,
    ) -> f64 {
        self.apoptosis_events_g::<false>(ca_mM, pi_mM, fetuin_g_per_L, mineral, ros_ratio)
    }

    #[inline(always)]
    pub(crate) fn apoptosis_events_g<const WHOLE: bool>(
        &self,
        ca_mM: f64,
        pi_mM: f64,
        fetuin_g_per_L: f64,
        mineral: f64,
        ros_ratio: f64,
    ) -> f64 {
        let fet = fetuin_g_per_L.max(0.0);
        let product = free_product(ca_mM, pi_mM, fet, self.cpp_half_g_per_L);
        // Terms of zero signal are exactly 0 (x / (h + x) with x = 0).
        let mineral_term = if mineral > 0.0 {
            mineral / (self.calcified_fraction + mineral)
        } else {
            0.0
        };
        let ros_term = if ros_ratio > 0.0 {
            ros_ratio / (1.0 + ros_ratio)
        } else {
            0.0
        };
        let raise = 1.0
            + self.apoptosis_product_gain * self.product_hill.at_g::<WHOLE>(product)
            + self.apoptosis_mineral_gain * mineral_term
            + self.apoptosis_ros_gain * ros_term;
        self.apoptosis_per_h_dt * raise / (1.0 + fet * self.inv_fetuin_apoptosis_half_g_per_L)
    }

    /// [`model::switch_rate`] as the phenotype a cell may switch to and the
    /// probability that it does within the step.
    #[inline(always)]
    pub fn switch(&self, phenotype: Phenotype, runx2: f64) -> Option<(Phenotype, f64)> {
        let to = switch_target(
            phenotype,
            runx2,
            self.switch_on_runx2,
            self.switch_off_runx2,
        )?;
        let probability = if to == Phenotype::Osteogenic {
            self.switch_on_probability
        } else {
            self.switch_off_probability
        };
        (probability > 0.0).then_some((to, probability))
    }

    /// PPi in the voxel of a viable cell with ALP `alp` after the step:
    /// secretion and hydrolysis ([`model::ppi_hydrolysis_rate`]), exact over dt.
    #[inline(always)]
    pub fn ppi_step(&self, ppi_uM: f64, alp: f64) -> f64 {
        let k = self.ppi_hydrolysis_rate(alp);
        if k > 0.0 {
            let e = exp(-k * self.dt);
            ppi_uM * e + self.ppi_secretion_uM_per_h / k * (1.0 - e)
        } else {
            ppi_uM + self.ppi_secretion_uM_per_h * self.dt
        }
    }

    /// PPi a viable cell secretes over the step, µM (tissue: its hydrolysis
    /// is a sink of the transport's implicit solve, [`Self::ppi_hydrolysis_rate`]).
    #[inline(always)]
    pub fn ppi_secreted(&self) -> f64 {
        self.ppi_secretion_uM_per_h * self.dt
    }

    /// **M6**: PPi hydrolysis by the ALP (TNAP) of a cell with expression
    /// `alp`, 1/h (levamisole lowers it).
    #[inline(always)]
    pub fn ppi_hydrolysis_rate(&self, alp: f64) -> f64 {
        self.ppi_hydrolysis_per_alp_h * alp.max(0.0)
    }

    /// RANKL a viable cell secretes over the step, pM ([`model::rankl_secretion`] × dt).
    #[inline(always)]
    pub fn rankl_secreted(&self, runx2: f64) -> f64 {
        (self.rankl_base_pM_per_h + self.rankl_runx2_pM_per_h * (runx2 - 1.0).max(0.0)) * self.dt
    }

    /// [`model::base_threshold`].
    #[inline(always)]
    pub fn base_threshold(&self, mg_mM: f64, ppi_eq_uM: f64) -> f64 {
        self.nucleation_product_mM2
            * (1.0 + mg_mM.max(0.0) * self.inv_mg_nucleation_half_mM)
            * (1.0 + ppi_eq_uM.max(0.0) * self.inv_ppi_nucleation_half_uM)
    }

    /// [`model::nucleation_rate`] at the matrix vesicles of an osteogenic
    /// cell with ALP `alp` and ROS `ros_nM`, as one quotient:
    /// with `P = S·(1 + boost·ALP)·(h + F)`, `Q = T·(h + (1 + max)·F)` (the
    /// fetuin-raised threshold times `h + F`) and the ROS release
    /// `(h_R + (1 + gain)·R) / (h_R + R)`, the rate is
    /// `k · release · (P − Q) / Q` where `P > Q`, else 0; times the free-RANKL
    /// release `1 + gain_L · H(free RANKL)`.
    #[inline(always)]
    pub fn vesicle_rate(
        &self,
        free_product: f64,
        threshold: f64,
        fetuin_g_per_L: f64,
        alp: f64,
        ros_nM: f64,
        free_rankl_pM: f64,
    ) -> f64 {
        let rate =
            self.vesicle_rate_without_rankl(free_product, threshold, fetuin_g_per_L, alp, ros_nM);
        if rate > 0.0 {
            rate * (1.0 + self.vesicle_rankl_gain * self.vesicle_rankl.at(free_rankl_pM))
        } else {
            rate
        }
    }

    #[inline(always)]
    fn vesicle_rate_without_rankl(
        &self,
        free_product: f64,
        threshold: f64,
        fetuin_g_per_L: f64,
        alp: f64,
        ros_nM: f64,
    ) -> f64 {
        let fet = fetuin_g_per_L.max(0.0);
        let ros = ros_nM.max(0.0);
        let p = free_product
            * (1.0 + self.vesicle_alp_boost * alp.max(0.0))
            * (self.fetuin_vesicle_half_g_per_L + fet);
        let q =
            threshold * (self.fetuin_vesicle_half_g_per_L + (1.0 + self.fetuin_vesicle_max) * fet);
        if q <= 0.0 {
            // No threshold: the model's excess is 1.
            let release = 1.0 + self.vesicle_ros_gain * saturating(ros, self.vesicle_ros_half_nM);
            return self.vesicle_nucleation_per_h * release;
        }
        if p <= q {
            return 0.0;
        }
        let a = self.vesicle_ros_half_nM + (1.0 + self.vesicle_ros_gain) * ros;
        let b = self.vesicle_ros_half_nM + ros;
        self.vesicle_nucleation_per_h * a * (p - q) / (b * q)
    }

    /// [`model::growth_velocity`]: how fast a mineral surface advances,
    /// µm/h, at the free product `free_product` with PPi-equivalent
    /// `ppi_eq_uM` and Mg `mg_mM` (0 at or below the growth product).
    #[inline(always)]
    pub fn growth_velocity(&self, free_product: f64, ppi_eq_uM: f64, mg_mM: f64) -> f64 {
        let excess = free_product - self.growth_product_mM2;
        if excess <= 0.0 {
            return 0.0;
        }
        self.growth_um_per_mM2_h * excess
            / (1.0 + ppi_eq_uM.max(0.0) * self.inv_ppi_growth_half_uM)
            / (1.0 + mg_mM.max(0.0) * self.inv_mg_growth_half_mM)
    }

    /// [`model::loss_velocity`]: how fast a mineral surface recedes, µm/h,
    /// by dissolution below the growth product and by resorption of
    /// RANKL-driven osteoclast-like cells at free RANKL `free_rankl_pM`.
    #[inline(always)]
    pub fn loss_velocity(&self, free_product: f64, free_rankl_pM: f64) -> f64 {
        let under = (self.growth_product_mM2 - free_product).max(0.0);
        self.dissolution_um_per_mM2_h * under
            + self.resorption_um_per_h * saturating(free_rankl_pM, self.resorption_rankl_half_pM)
    }

    /// OPG a viable cell secretes over the step, pM ([`model::opg_secretion`] × dt).
    #[inline(always)]
    pub fn opg_secreted(&self, phenotype: Phenotype) -> f64 {
        self.opg_step[usize::from(phenotype == Phenotype::Osteogenic)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tissue::Systemic;
    use crate::tissue::model::Site;
    use vcsim_core::{Purpose, Stream};

    fn close(a: f64, b: f64, what: &str) {
        let tol = 1e-12 * a.abs().max(b.abs()).max(1e-300);
        assert!((a - b).abs() <= tol, "{what}: kernel {a} model {b}");
    }

    #[test]
    fn whole_powers_are_products() {
        for n in 0..=12u32 {
            for x in [0.0f64, 0.3, 1.0, 1.7, 25.0] {
                let want = x.powi(n as i32);
                let got = Power::new(f64::from(n)).raise(x);
                assert!((got - want).abs() <= 1e-14 * want.abs(), "{x}^{n}");
            }
        }
        assert_eq!(Power::new(4.0), Power::Whole(4));
        assert_eq!(Power::new(2.5), Power::Real(2.5));
        assert_eq!(Power::new(100.0), Power::Real(100.0));
        assert_eq!(Power::new(63.0), Power::Whole(63));
        assert_eq!(Power::new(64.0), Power::Real(64.0));
        let x: f64 = 1.01;
        assert!((Power::new(63.0).raise(x) / x.powi(63) - 1.0).abs() < 1e-14);
        assert_eq!(Hill::new(2.0, 3.0).at(-1.0), 0.0);
        assert_eq!(Hill::new(2.0, 3.0).at(2.0), 0.5);
    }

    #[test]
    fn exp_is_within_two_ulp_of_the_library() {
        let mut s = Stream::new(5, 0, 0, Purpose(3));
        for i in 0..400_000 {
            let x = match i % 3 {
                0 => -745.0 + 1454.0 * s.uniform(),
                1 => -20.0 + 20.0 * s.uniform(),
                _ => -1e-3 * s.uniform(),
            };
            let (got, want) = (exp(x), x.exp());
            if x < -708.0 {
                assert_eq!(got, 0.0);
            } else {
                assert!(
                    (got - want).abs() <= 4.5e-16 * want,
                    "exp({x}) {got} vs {want}"
                );
            }
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1000.0), 0.0);
        assert!(exp(f64::NAN).is_nan());
    }

    /// The event test gives the same answer as comparing with the
    /// probability, also for draws right at the probability and for rates
    /// from zero to certainty.
    #[test]
    fn happens_agrees_with_the_probability() {
        let mut s = Stream::new(1, 2, 3, Purpose(7));
        for i in 0..200_000 {
            let x = match i % 4 {
                0 => 10f64.powf(-12.0 + 13.0 * s.uniform()),
                1 => 0.0,
                2 => 10f64.powf(-3.0 * s.uniform()),
                _ => 5.0 * s.uniform(),
            };
            let p = 1.0 - (-x).exp();
            for u in [s.uniform(), p, p * (1.0 - 1e-16), p + 1e-17, x, x * 1.1] {
                assert_eq!(happens(u, x), u < p, "u {u} x {x}");
            }
        }
    }

    /// Active vitamin D drives Runx2 only above the normal range: nothing at
    /// the low calcitriol of CKD, at normal or at the healthy preset's 1.076;
    /// at the threshold plus the half-maximal excess half of
    /// `vitamin_d_weight`, added to the drive of the prepared rules.
    #[test]
    fn active_vitamin_d_above_normal_adds_runx2_drive() {
        let p = CellParams::default();
        let b = BindingParams::default();
        let drive = |d: f64| {
            let sys = Systemic {
                pth_pg_per_mL: 300.0,
                active_vitamin_d_rel: d,
                ..Systemic::NONE
            };
            let k = Rules::new(
                &p,
                &MineralParams::default(),
                &InterventionParams::default(),
                &b,
                &sys,
                1.0,
                1.0,
            );
            k.runx2_drive(0.4, 0.0, 0.0)
        };
        let none = drive(0.0);
        assert_eq!(
            drive(0.3).to_bits(),
            none.to_bits(),
            "low calcitriol of CKD"
        );
        assert_eq!(drive(1.0).to_bits(), none.to_bits(), "normal level");
        assert_eq!(drive(1.076).to_bits(), none.to_bits(), "healthy preset");
        let half = p.vitamin_d_threshold_rel + p.vitamin_d_half_excess;
        assert!((drive(half) - none - 0.5 * p.vitamin_d_weight).abs() < 1e-12);
        assert!(drive(10.0) > drive(half) && drive(10.0) - none < p.vitamin_d_weight);
    }

    /// Interventions, systemic levels and Hill coefficients that exercise
    /// every term: whole and fractional powers, drugs on and off.
    fn cases() -> Vec<(CellParams, MineralParams, InterventionParams, Systemic)> {
        let base = (
            CellParams::default(),
            MineralParams::default(),
            InterventionParams::default(),
            Systemic {
                pth_pg_per_mL: 350.0,
                toxin_uM: 80.0,
                bisphosphonate_uM: 0.0,
                denosumab_nM: 0.0,
                h2o2_ros_nM: 0.0,
                calcimimetic: 0.0,
                antioxidant: 0.0,
                active_vitamin_d_rel: 0.6,
            },
        );
        let mut fractional = base.clone();
        fractional.0.pi_hill = 2.7;
        fractional.0.ca_hill = 1.5;
        fractional.0.expression_hill = 3.3;
        fractional.0.apoptosis_product_hill = 1.0;
        let mut drugs = base.clone();
        drugs.2.calcimimetic = 0.7;
        drugs.2.tnap_inhibition = 0.4;
        drugs.2.akt_inhibition = 0.3;
        drugs.2.runx2_overexpression = 1.2;
        drugs.2.runx2_expression = 0.8;
        drugs.2.trpm7_expression = 2.0;
        drugs.3.bisphosphonate_uM = 2.0;
        drugs.3.denosumab_nM = 0.5;
        drugs.3.h2o2_ros_nM = 100.0;
        drugs.3.active_vitamin_d_rel = 2.5;
        vec![base, fractional, drugs]
    }

    /// The step's rules (any `dt`, with uniform levels and drugs folded in)
    /// against the functions of `model.rs`, which evaluate the same forms for
    /// a one-hour step without uniform levels: the scaling with `dt` and the
    /// folding of PTH, denosumab, bisphosphonate and H2O2 are right. (The
    /// equations themselves are checked in
    /// `model::tests::functions_follow_the_equations_of_model_md`.)
    #[test]
    fn prepared_forms_scale_with_the_step_and_fold_the_uniform_levels() {
        let b = BindingParams::default();
        let dt = 1.7;
        let mut s = Stream::new(11, 0, 0, Purpose(1));
        let mut draw = |lo: f64, hi: f64| lo + (hi - lo) * s.uniform();
        for (p, m, iv, sys) in cases() {
            let k = Rules::new(&p, &m, &iv, &b, &sys, 1.9, dt);
            for _ in 0..5000 {
                let (pi, ca, mg) = (draw(0.0, 4.0), draw(0.5, 4.0), draw(0.0, 2.0));
                let (ppi, fet, ros) = (draw(0.0, 20.0), draw(0.0, 1.0), draw(0.0, 500.0));
                let (rankl, opg, mineral) = (draw(0.0, 50.0), draw(0.0, 300.0), draw(0.0, 0.6));
                let (pit1, pi_in, runx2) = (draw(0.5, 2.0), draw(0.0, 5.0), draw(0.8, 8.0));
                let (alp, opn) = (draw(0.0, 1.0), draw(0.0, 1.0));

                let eff = model::pit1_effective(pit1, ca, &p, &iv);
                close(k.pit1_effective(pit1, ca), eff, "pit1_effective");
                let target = model::pi_in_target(pi, eff, &p);
                close(k.pi_in_target(pi, eff), target, "pi_in_target");
                close(
                    k.pi_in_step(pi_in, target),
                    model::relax(pi_in, target, p.pi_exchange_per_h, dt),
                    "pi_in relax",
                );
                let ppi_eq = model::ppi_equivalent(ppi, sys.bisphosphonate_uM, &m);
                close(k.ppi_equivalent(ppi), ppi_eq, "ppi_equivalent");
                let signal = model::pi_signal(pi_in, ppi_eq, mg, &p, &iv);
                close(k.pi_signal(pi_in, ppi_eq, mg), signal, "pi_signal");
                let free = model::free_rankl(rankl, opg, sys.denosumab_nM, &b);
                let drive = model::runx2_drive(signal, free, sys.pth_pg_per_mL, &p)
                    + model::vitamin_d_drive(sys.active_vitamin_d_rel, &p);
                close(k.runx2_drive(signal, rankl, opg), drive, "runx2_drive");
                let ros_v = ros + sys.h2o2_ros_nM;
                let stab = model::ros_stabilisation(ros_v, &p, &iv);
                close(k.stabilisation(k.ros_ratio(ros)), stab, "ros_stabilisation");
                close(
                    k.runx2_step(runx2, drive, stab),
                    model::runx2_step(runx2, drive, stab, dt, &p, &iv),
                    "runx2_step",
                );
                close(
                    k.alp_step(alp, runx2),
                    model::relax(
                        alp,
                        model::runx2_target_expression(runx2, p.alp_runx2_half, &p),
                        p.alp_rate_per_h,
                        dt,
                    ),
                    "alp",
                );
                close(
                    k.opn_step(opn, runx2),
                    model::relax(
                        opn,
                        model::runx2_target_expression(runx2, p.opn_runx2_half, &p),
                        p.opn_rate_per_h,
                        dt,
                    ),
                    "opn",
                );
                let product = model::free_product(ca, pi, fet, &m);
                let thr = model::base_threshold(mg, ppi_eq, &m);
                close(k.free_rankl(rankl, opg), free, "free_rankl");
                for s in [product, 0.3 * thr, 0.9 * thr, 1.7 * thr, 10.0 * thr] {
                    let site = Site::Vesicle {
                        alp,
                        ros_nM: ros,
                        free_rankl_pM: free,
                    };
                    let want = model::nucleation_rate(site, s, thr, fet, &m);
                    let got = k.vesicle_rate(s, thr, fet, alp, ros, k.free_rankl(rankl, opg));
                    let scale = m.vesicle_nucleation_per_h
                        * (1.0 + m.vesicle_ros_gain)
                        * (1.0 + m.vesicle_rankl_gain)
                        * (s / thr + 1.0);
                    assert!(
                        (got - want).abs() <= 1e-12 * scale,
                        "vesicle {got} vs {want}"
                    );
                }
                close(
                    k.base_threshold(mg, ppi_eq),
                    model::base_threshold(mg, ppi_eq, &m),
                    "base_threshold",
                );
                close(
                    k.apoptosis_events(ca, pi, fet, mineral, k.ros_ratio(ros)),
                    model::apoptosis_rate(ca, pi, fet, mineral, ros_v, &p, &m) * dt,
                    "apoptosis",
                );
                let kh = model::ppi_hydrolysis_rate(alp, &p, &iv);
                let e = (-kh * dt).exp();
                assert!((exp(-kh * dt) - e).abs() <= 4.5e-16 * e);
                close(
                    k.ppi_step(ppi, alp),
                    ppi * e + p.ppi_secretion_uM_per_h / kh * (1.0 - e),
                    "ppi",
                );
                close(
                    k.rankl_secreted(runx2),
                    model::rankl_secretion(runx2, &p, &iv) * dt,
                    "rankl",
                );
                for ph in [Phenotype::Contractile, Phenotype::Osteogenic] {
                    assert_eq!(
                        k.opg_secreted(ph),
                        model::opg_secretion(ph, &p, &iv) * dt,
                        "opg"
                    );
                    let want = model::switch_rate(ph, runx2, &p)
                        .map(|(to, rate)| (to, model::event_probability(rate, dt)));
                    assert_eq!(k.switch(ph, runx2), want, "switch");
                }
            }
            // Zero ALP: PPi accumulates linearly.
            assert_eq!(k.ppi_step(1.0, 0.0), 1.0 + p.ppi_secretion_uM_per_h * dt);
            assert_eq!(
                k.clearance_probability,
                model::event_probability(p.apoptotic_clearance_per_h, dt)
            );
        }
    }
}
