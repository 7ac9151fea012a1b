//! The VSMC rules, as pure functions of a cell's state and what it senses.
//!
//! Every function here is one documented mechanism of `MECHANISMS.md`; the
//! stages in [`crate::sim`] apply them to every cell and voxel.
//!
//! Units: concentrations in mM (phosphate, calcium) and g/L (fetuin-A), time
//! in hours, Runx2 as a fold of the basal level of a contractile VSMC.

use crate::params::{CellParams, MineralParams};
use vcsim_core::Columns;

/// Phenotype of a vascular smooth muscle cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phenotype {
    /// The normal, contractile VSMC (SM22α, α-SMA).
    Contractile = 0,
    /// Osteoblast-like, Runx2-high VSMC that releases matrix vesicles.
    Osteogenic = 1,
}

impl Phenotype {
    /// All phenotypes, code order.
    pub const ALL: [Phenotype; 2] = [Phenotype::Contractile, Phenotype::Osteogenic];

    /// Lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Phenotype::Contractile => "contractile",
            Phenotype::Osteogenic => "osteogenic",
        }
    }
}

/// Per-cell state of the VSMC model, one column per variable.
#[derive(Debug, Clone, Default)]
pub struct VsmcColumns {
    /// Current phenotype.
    pub phenotype: Vec<Phenotype>,
    /// Runx2 level, fold of basal.
    pub runx2: Vec<f32>,
    /// This cell's PiT-1 expression relative to the population mean (drawn at birth).
    pub pit1: Vec<f32>,
    /// Set during the cell stage when the cell nucleates mineral this step.
    pub nucleate: Vec<bool>,
}

/// One new cell.
#[derive(Debug, Clone, Copy)]
pub struct VsmcRow {
    /// Phenotype at birth.
    pub phenotype: Phenotype,
    /// Runx2 at birth, fold of basal.
    pub runx2: f32,
    /// Relative PiT-1 expression.
    pub pit1: f32,
}

impl Columns for VsmcColumns {
    type Row = VsmcRow;
    fn len(&self) -> usize {
        self.runx2.len()
    }
    fn push(&mut self, row: VsmcRow) {
        self.phenotype.push(row.phenotype);
        self.runx2.push(row.runx2);
        self.pit1.push(row.pit1);
        self.nucleate.push(false);
    }
    fn swap_remove(&mut self, i: usize) {
        self.phenotype.swap_remove(i);
        self.runx2.swap_remove(i);
        self.pit1.swap_remove(i);
        self.nucleate.swap_remove(i);
    }
}

/// **M1, PiT-1 phosphate sensing.** Pi enters the cell through the type III
/// Na-Pi cotransporter PiT-1; the osteogenic signal saturates in Pi:
///
/// `signal = pit1 · Piⁿ / (Kⁿ + Piⁿ)`, with `K = pi_half_max_mM`, `n = pi_hill`
/// and `pit1` the cell's PiT-1 expression (0 for the knock-out).
pub fn pit1_signal(pi_mM: f64, pit1: f64, p: &CellParams) -> f64 {
    let pi = pi_mM.max(0.0);
    let x = (pi / p.pi_half_max_mM).powf(p.pi_hill);
    pit1 * x / (1.0 + x)
}

/// **M1, Runx2 up-regulation.** Runx2 is made in proportion to the PiT-1
/// signal on top of a basal rate and degraded at a first-order rate
/// `k = ln 2 / runx2_half_life_h`:
///
/// `dR/dt = k · (1 + (runx2_max_fold − 1) · signal) − k · R`
///
/// so the steady state is `R* = 1 + (max_fold − 1) · signal` (1 = basal). The
/// update is the exact solution over `dt`, stable for any step.
pub fn runx2_step(runx2: f64, signal: f64, dt_h: f64, p: &CellParams) -> f64 {
    let target = 1.0 + (p.runx2_max_fold - 1.0) * signal;
    let k = std::f64::consts::LN_2 / p.runx2_half_life_h;
    target + (runx2 - target) * (-k * dt_h).exp()
}

/// **Phenotype switching with hysteresis.** A contractile cell turns
/// osteogenic at rate `switch_on_per_h` while Runx2 ≥ `switch_on_runx2`; an
/// osteogenic cell returns at rate `switch_off_per_h` only once Runx2 has
/// fallen to ≤ `switch_off_runx2` (below the switch-on level). Returns the
/// phenotype the cell may switch to and the rate (1/h), or `None`.
pub fn switch_rate(phenotype: Phenotype, runx2: f64, p: &CellParams) -> Option<(Phenotype, f64)> {
    match phenotype {
        Phenotype::Contractile if runx2 >= p.switch_on_runx2 && p.switch_on_per_h > 0.0 => {
            Some((Phenotype::Osteogenic, p.switch_on_per_h))
        }
        Phenotype::Osteogenic if runx2 <= p.switch_off_runx2 && p.switch_off_per_h > 0.0 => {
            Some((Phenotype::Contractile, p.switch_off_per_h))
        }
        _ => None,
    }
}

/// Probability that an event of rate `rate_per_h` happens within `dt_h`.
pub fn event_probability(rate_per_h: f64, dt_h: f64) -> f64 {
    1.0 - (-rate_per_h * dt_h).exp()
}

/// **M5, fetuin-A raises the nucleation threshold.** Fetuin-A binds Ca·Pi into
/// calciprotein particles and blocks nucleation in matrix vesicles:
///
/// `threshold = nucleation_product_mM2 · (1 + fetuin / fetuin_half_effect)`.
pub fn nucleation_threshold(fetuin_g_per_L: f64, m: &MineralParams) -> f64 {
    m.nucleation_product_mM2 * (1.0 + fetuin_g_per_L.max(0.0) / m.fetuin_half_effect_g_per_L)
}

/// **Matrix-vesicle nucleation (M2, M5).** An osteogenic cell nucleates
/// mineral in its voxel at a rate proportional to the relative excess of the
/// local Ca·Pi product over the fetuin-dependent threshold:
///
/// `rate = nucleation_per_h · max(0, Ca·Pi / threshold − 1)`.
pub fn nucleation_rate(ca_mM: f64, pi_mM: f64, fetuin_g_per_L: f64, m: &MineralParams) -> f64 {
    let threshold = nucleation_threshold(fetuin_g_per_L, m);
    let product = ca_mM.max(0.0) * pi_mM.max(0.0);
    if threshold <= 0.0 {
        return m.nucleation_per_h;
    }
    m.nucleation_per_h * (product / threshold - 1.0).max(0.0)
}

/// **Crystal growth on existing mineral.** Hydroxyapatite grows on its own
/// surface (∝ fraction^(2/3)) at a rate proportional to the Ca·Pi product in
/// excess of the growth threshold. Returns d(fraction)/dt, 1/h. Growth is
/// irreversible: there is no dissolution term.
pub fn growth_rate(ca_mM: f64, pi_mM: f64, fraction: f64, m: &MineralParams) -> f64 {
    if fraction <= 0.0 {
        return 0.0;
    }
    let excess = (ca_mM.max(0.0) * pi_mM.max(0.0) - m.growth_product_mM2).max(0.0);
    m.growth_per_mM2_h * excess * fraction.powf(2.0 / 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runx2_rises_with_phosphate_and_saturates() {
        let p = CellParams::default();
        let steady = |pi| {
            let mut r = 1.0;
            for _ in 0..200 {
                r = runx2_step(r, pit1_signal(pi, 1.0, &p), 1.0, &p);
            }
            r
        };
        let levels: Vec<f64> = [1.0, 1.4, 2.0, 3.0, 10.0]
            .iter()
            .map(|&pi| steady(pi))
            .collect();
        assert!(levels.windows(2).all(|w| w[1] > w[0]), "{levels:?}");
        // Physiological Pi keeps Runx2 below the switch; 2 mM is 2–4× basal.
        assert!(levels[1] < p.switch_on_runx2, "{levels:?}");
        assert!(levels[2] > 2.0 && levels[2] < 4.0, "{levels:?}");
        assert!(levels[4] <= p.runx2_max_fold + 1e-9);
        // PiT-1 knock-out: no induction at any Pi.
        assert_eq!(pit1_signal(3.0, 0.0, &p), 0.0);
    }

    #[test]
    fn runx2_update_is_stable_for_long_steps() {
        let p = CellParams::default();
        let r = runx2_step(1.0, 0.5, 1.0e4, &p);
        assert!((r - (1.0 + 3.0 * 0.5)).abs() < 1e-9);
    }

    #[test]
    fn switching_has_hysteresis() {
        let p = CellParams::default();
        let between = 0.5 * (p.switch_on_runx2 + p.switch_off_runx2);
        assert_eq!(switch_rate(Phenotype::Contractile, between, &p), None);
        assert_eq!(switch_rate(Phenotype::Osteogenic, between, &p), None);
        assert!(matches!(
            switch_rate(Phenotype::Contractile, p.switch_on_runx2, &p),
            Some((Phenotype::Osteogenic, _))
        ));
        assert!(matches!(
            switch_rate(Phenotype::Osteogenic, p.switch_off_runx2, &p),
            Some((Phenotype::Contractile, _))
        ));
    }

    #[test]
    fn fetuin_raises_the_nucleation_threshold() {
        let m = MineralParams::default();
        let (ca, pi) = (2.3, 1.8);
        let none = nucleation_rate(ca, pi, 0.0, &m);
        let some = nucleation_rate(ca, pi, 0.1, &m);
        let lots = nucleation_rate(ca, pi, 1.0, &m);
        assert!(none > some && some > lots, "{none} {some} {lots}");
        assert_eq!(lots, 0.0);
        // More phosphate, more nucleation.
        assert!(nucleation_rate(ca, 2.5, 0.1, &m) > some);
    }

    #[test]
    fn growth_needs_mineral_and_supersaturation() {
        let m = MineralParams::default();
        assert_eq!(growth_rate(2.3, 1.8, 0.0, &m), 0.0);
        assert_eq!(growth_rate(0.5, 1.0, 0.1, &m), 0.0);
        assert!(growth_rate(2.3, 1.8, 0.1, &m) > growth_rate(2.3, 1.2, 0.1, &m));
        assert!(event_probability(0.0, 1.0) == 0.0 && event_probability(1e9, 1.0) == 1.0);
    }
}
