//! The rules of the VSMC model, as pure functions of a cell's state and what
//! it senses. Each function is one named mechanism (M1–M11 of [seed-review],
//! listed in `docs/references.md`) with its equation; the stages in
//! [`crate::sim`] apply them to every cell and voxel, and [`super::rules`]
//! lists them as a signal → behaviour table.
//!
//! Units: phosphate, calcium, magnesium in mM; pyrophosphate in µM; fetuin-A
//! in g/L; ROS (as H2O2) in nM; RANKL and OPG in pM; denosumab in nM; PTH in
//! pg/mL; time in hours; Runx2 as a fold of the basal level of a contractile
//! VSMC; ALP and OPN as a fraction of their maximal expression.

use crate::scenario::params::{BindingParams, CellParams, InterventionParams, MineralParams};
use crate::tissue::Systemic;
pub use crate::tissue::cells::{Phenotype, VsmcColumns, VsmcRow};
use crate::tissue::kernel::Rules;

/// `x / (half + x)` for x ≥ 0 (0 for x ≤ 0).
#[inline]
pub fn saturating(x: f64, half: f64) -> f64 {
    if x <= 0.0 { 0.0 } else { x / (half + x) }
}

/// Hill function `xⁿ / (Kⁿ + xⁿ)` for x ≥ 0 (0 for x ≤ 0).
#[inline]
pub fn hill(x: f64, half: f64, n: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let r = (x / half).powf(n);
    r / (1.0 + r)
}

/// Exact relaxation of `v` towards `target` at `rate` over `dt`.
#[inline]
pub fn relax(v: f64, target: f64, rate_per_h: f64, dt_h: f64) -> f64 {
    target + (v - target) * (-rate_per_h * dt_h).exp()
}

/// Probability that an event of rate `rate_per_h` happens within `dt_h`.
pub fn event_probability(rate_per_h: f64, dt_h: f64) -> f64 {
    1.0 - (-rate_per_h * dt_h).exp()
}

/// **M1, M2 + CaSR: effective PiT-1.** High Ca up-regulates PiT-1; the
/// VSMC Ca-sensing receptor, activated by Ca and by calcimimetics, damps that
/// effect:
///
/// `PiT-1 = pit1 · pit1_expression · (1 + ca_pit1_gain · H(Ca; ca_half_max, ca_hill) / (1 + casr_protection · A))`,
/// `A = casr_expression · (Ca / (casr_half_max + Ca) + calcimimetic)`.
pub fn pit1_effective(pit1_cell: f64, ca_mM: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    // One implementation: the prepared form the cell rules run.
    prepared_cells(p, iv).pit1_effective(pit1_cell, ca_mM)
}

/// **M1, PiT-1 uptake.** Intracellular Pi follows uptake, which saturates in
/// extracellular Pi: target `pi_in = pi_in_max · PiT-1 · Pi / (pit1_km + Pi)`.
pub fn pi_in_target(pi_mM: f64, pit1_eff: f64, p: &CellParams) -> f64 {
    prepared_cells(p, &InterventionParams::default()).pi_in_target(pi_mM, pit1_eff)
}

/// **M1, M6, Mg/TRPM7: the osteogenic Pi signal.** A Hill function of
/// intracellular Pi, lowered by PPi (which prevents Pi-induced
/// differentiation) and by Mg entering through TRPM7:
///
/// `s = H(pi_in; pi_in_half_max, pi_hill) / (1 + PPi_eq / ppi_signal_half) / (1 + trpm7 · Mg / mg_signal_half)`.
pub fn pi_signal(
    pi_in_mM: f64,
    ppi_eq_uM: f64,
    mg_mM: f64,
    p: &CellParams,
    iv: &InterventionParams,
) -> f64 {
    prepared_cells(p, iv).pi_signal(pi_in_mM, ppi_eq_uM, mg_mM)
}

/// **M1, M7, M9: Runx2 drive.** The sum of the Pi signal, free RANKL
/// signalling and PTH (uremic serum):
///
/// `d = s_Pi + rankl_weight · RANKL_free / (rankl_half + RANKL_free) + pth_weight · PTH / (pth_half + PTH)`
/// (plus [`vitamin_d_drive`] when a drug raises active vitamin D above normal).
pub fn runx2_drive(pi_signal: f64, free_rankl_pM: f64, pth_pg_per_mL: f64, p: &CellParams) -> f64 {
    // Free RANKL as total RANKL with no decoy (binding divisor exactly 1).
    let sys = Systemic {
        pth_pg_per_mL,
        ..Systemic::NONE
    };
    prepared(
        p,
        &MineralParams::default(),
        &InterventionParams::default(),
        &sys,
        1.0,
    )
    .runx2_drive(pi_signal, free_rankl_pM, 0.0)
}

/// **Active vitamin D drives Runx2 (M9).** Calcitriol and its analogues
/// above the normal range (`active_vitamin_d_rel` > `vitamin_d_threshold_rel`:
/// a drug) add to the Runx2 drive as PTH does:
///
/// `vitamin_d_weight · e / (vitamin_d_half_excess + e)`, `e = max(0, active_vitamin_d_rel − vitamin_d_threshold_rel)`.
///
/// Exactly 0 within the normal range and below it, so a patient without an
/// active vitamin D drug (whose calcitriol is normal or low) is unchanged.
pub fn vitamin_d_drive(active_vitamin_d_rel: f64, p: &CellParams) -> f64 {
    let e = active_vitamin_d_rel - p.vitamin_d_threshold_rel;
    if e > 0.0 {
        p.vitamin_d_weight * e / (p.vitamin_d_half_excess + e)
    } else {
        0.0
    }
}

/// **M3: ROS stabilises Runx2.** ROS blocks Runx2 ubiquitination through
/// Akt/FOXO; the degradation rate is divided by `1 + Akt · ROS / ros_half_max`
/// (Akt = 1 − akt_inhibition). Returns that factor.
pub fn ros_stabilisation(ros_nM: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    let k = prepared_cells(p, iv);
    k.stabilisation(k.ros_ratio(ros_nM))
}

/// **M1, M3: Runx2 production and degradation.**
///
/// `dR/dt = k₀ · P − (k₀ / σ) · R`, `P = runx2_expression · (1 + (runx2_max_fold − 1) · d + runx2_overexpression)`,
/// `k₀ = ln 2 / runx2_half_life_h`, σ = [`ros_stabilisation`]. The update is
/// the exact solution over `dt`, stable for any step.
pub fn runx2_step(
    runx2: f64,
    drive: f64,
    stabilisation: f64,
    dt_h: f64,
    p: &CellParams,
    iv: &InterventionParams,
) -> f64 {
    prepared(p, &MineralParams::default(), iv, &Systemic::NONE, dt_h).runx2_step(
        runx2,
        drive,
        stabilisation,
    )
}

/// **Runx2 → ALP, OPN.** Target expression `xⁿ / (halfⁿ + xⁿ)` with
/// `x = Runx2 − 1` (the part above basal), n = `expression_hill`.
pub fn runx2_target_expression(runx2: f64, half: f64, p: &CellParams) -> f64 {
    crate::tissue::kernel::Hill::new(half, p.expression_hill).at(runx2 - 1.0)
}

/// **Phenotype switching with hysteresis.** A contractile cell turns
/// osteogenic at `switch_on_per_h` while Runx2 ≥ `switch_on_runx2`; an
/// osteogenic cell returns at `switch_off_per_h` only once Runx2 ≤
/// `switch_off_runx2` (below the switch-on level).
pub fn switch_rate(phenotype: Phenotype, runx2: f64, p: &CellParams) -> Option<(Phenotype, f64)> {
    let to = crate::tissue::kernel::switch_target(
        phenotype,
        runx2,
        p.switch_on_runx2,
        p.switch_off_runx2,
    )?;
    let rate = if to == Phenotype::Osteogenic {
        p.switch_on_per_h
    } else {
        p.switch_off_per_h
    };
    (rate > 0.0).then_some((to, rate))
}

/// **Apoptosis (M5 and the source review).** Rises with the free Ca·Pi
/// product, mineral load of the voxel and ROS; fetuin-A lowers it:
///
/// `rate = apoptosis_per_h · (1 + g_P · H(S; S_half, n) + g_M · φ/(φ_calc + φ) + g_R · ROS/(ROS_half + ROS)) / (1 + fetuin / fetuin_half)`,
/// `S` = [`free_product`] of `ca_mM`, `pi_mM` and `fetuin_g_per_L`.
pub fn apoptosis_rate(
    ca_mM: f64,
    pi_mM: f64,
    fetuin_g_per_L: f64,
    mineral: f64,
    ros_nM: f64,
    p: &CellParams,
    m: &MineralParams,
) -> f64 {
    // The expected events of a one-hour step are the rate.
    let k = prepared(p, m, &InterventionParams::default(), &Systemic::NONE, 1.0);
    k.apoptosis_events(ca_mM, pi_mM, fetuin_g_per_L, mineral, k.ros_ratio(ros_nM))
}

/// **M3: Nox4 ROS of a VSMC**, as the local level it sustains (nM): basal plus
/// the uremic toxin (indoxyl sulfate) induction, × Nox4 expression, minus
/// what an antioxidant scavenges.
pub fn cell_ros_nM(toxin_uM: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    iv.nox4_expression
        * (p.ros_basal_nM + p.ros_toxin_max_nM * saturating(toxin_uM, p.toxin_half_max_uM))
        * (1.0 - iv.antioxidant)
}

/// **M4: endothelial ROS.** High Pi makes the endothelium shed
/// microparticles and raise ROS: `endothelial_ros_per_mM · max(0, Pi − 1.2)`.
pub fn endothelial_ros_nM(pi_mM: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    p.endothelial_ros_per_mM * (pi_mM - 1.2).max(0.0) * (1.0 - iv.antioxidant)
}

/// **M7: free RANKL.** OPG and denosumab are decoys in excess of RANKL:
/// `free = RANKL / (1 + OPG / Kd_OPG + denosumab / Kd_den)`.
pub fn free_rankl(rankl_pM: f64, opg_pM: f64, denosumab_nM: f64, b: &BindingParams) -> f64 {
    let sys = Systemic {
        denosumab_nM,
        ..Systemic::NONE
    };
    prepared_binding(b, &sys).free_rankl(rankl_pM, opg_pM)
}

/// **M7: RANKL secretion** of a viable VSMC, pM/h: basal, plus Runx2 above
/// basal (Runx2 binds the RANKL promoter), plus a transgene.
pub fn rankl_secretion(runx2: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    // Secreted over a one-hour step, pM: the rate.
    prepared_cells(p, iv).rankl_secreted(runx2)
}

/// **M7: OPG secretion** of a viable VSMC, pM/h; lower in osteogenic cells.
pub fn opg_secretion(phenotype: Phenotype, p: &CellParams, iv: &InterventionParams) -> f64 {
    let f = if phenotype == Phenotype::Osteogenic {
        p.opg_osteogenic_factor
    } else {
        1.0
    };
    p.opg_pM_per_h * f * iv.opg_expression
}

/// **M6: PPi hydrolysis by ALP (TNAP)**, 1/h, in the voxel of a cell with
/// ALP expression `alp`; levamisole inhibits it.
pub fn ppi_hydrolysis_rate(alp: f64, p: &CellParams, iv: &InterventionParams) -> f64 {
    prepared_cells(p, iv).ppi_hydrolysis_rate(alp)
}

/// **M5: calciprotein particles.** Fetuin-A binds Ca·Pi into CPPs; the free
/// product is `Ca · Pi / (1 + fetuin / cpp_half)`.
pub fn free_product(ca_mM: f64, pi_mM: f64, fetuin_g_per_L: f64, m: &MineralParams) -> f64 {
    crate::tissue::kernel::free_product(ca_mM, pi_mM, fetuin_g_per_L, m.cpp_half_g_per_L)
}

/// PPi plus the PPi-equivalent of a bisphosphonate (a non-hydrolysable
/// analogue), µM.
pub fn ppi_equivalent(ppi_uM: f64, bisphosphonate_uM: f64, m: &MineralParams) -> f64 {
    let sys = Systemic {
        bisphosphonate_uM,
        ..Systemic::NONE
    };
    prepared(
        &CellParams::default(),
        m,
        &InterventionParams::default(),
        &sys,
        1.0,
    )
    .ppi_equivalent(ppi_uM)
}

/// **M6, Mg: nucleation threshold** without fetuin-A:
/// `nucleation_product · (1 + Mg / mg_half) · (1 + PPi_eq / ppi_half)`.
pub fn base_threshold(mg_mM: f64, ppi_eq_uM: f64, m: &MineralParams) -> f64 {
    prepared(
        &CellParams::default(),
        m,
        &InterventionParams::default(),
        &Systemic::NONE,
        1.0,
    )
    .base_threshold(mg_mM, ppi_eq_uM)
}

/// Where a nucleus may form in a voxel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Site {
    /// Matrix vesicles of an osteogenic cell with this ALP expression, at this ROS level (nM).
    Vesicle {
        /// ALP (TNAP) expression, 0–1.
        alp: f64,
        /// ROS (H2O2) in the voxel, nM.
        ros_nM: f64,
        /// Free RANKL (not bound by OPG or denosumab) in the voxel, pM.
        free_rankl_pM: f64,
    },
    /// An apoptotic cell or body.
    Body,
    /// An elastic lamina, with the ROS (nM) and free RANKL (pM) of its voxel:
    /// the activity of the cells around it, which elastin's nucleation
    /// follows ([`lamina_activity`]).
    Lamina {
        /// ROS (H2O2) in the voxel, nM.
        ros_nM: f64,
        /// Free RANKL in the voxel, pM.
        free_rankl_pM: f64,
    },
}

/// **Elastin degradation follows the cells (M11).** The factor of a
/// lamina's nucleation rate from the activity of the cells around it:
/// `1 + c · (A − 1)` with
/// `A = (1 + vesicle_ros_gain · ROS / (vesicle_ros_half_nM + ROS)) · (1 + vesicle_rankl_gain · H(free RANKL; vesicle_rankl_half_pM, vesicle_rankl_hill))`,
/// the release factor of the cells' matrix vesicles, and
/// `c = lamina_cell_coupling` (0: elastin nucleates whatever the cells do).
/// Elastin calcifies where it is degraded, and the MMP-2 and cathepsin S
/// that degrade it are the cells' [pai2011].
pub fn lamina_activity(ros_nM: f64, free_rankl_pM: f64, m: &MineralParams) -> f64 {
    let ros = 1.0 + m.vesicle_ros_gain * saturating(ros_nM, m.vesicle_ros_half_nM);
    let rankl = 1.0
        + m.vesicle_rankl_gain * hill(free_rankl_pM, m.vesicle_rankl_half_pM, m.vesicle_rankl_hill);
    1.0 + m.lamina_cell_coupling * (ros * rankl - 1.0)
}

/// **Nucleation (M5, M6, M11).** Rate at which a nucleus forms at a site
/// (1/h per osteogenic cell, per apoptotic cell or body; 1/(µm³·h) per
/// volume of lamina), proportional to the relative excess of the site's
/// product over its threshold:
/// - vesicle: product × (1 + vesicle_alp_boost · ALP), threshold × (1 + fetuin_vesicle_max · fetuin / (half + fetuin)),
///   rate × (1 + vesicle_ros_gain · ROS / (vesicle_ros_half_nM + ROS)) (oxidative stress raises vesicle release)
///   × (1 + vesicle_rankl_gain · H(RANKL_free; vesicle_rankl_half_pM, vesicle_rankl_hill)) (RANKL → RANK
///   signalling raises vesicle release and the pro-calcific factors of RANK-bearing cells, M7);
/// - apoptotic body: product, base threshold;
/// - lamina: product, base threshold × lamina_threshold_factor, rate × [`lamina_activity`].
///
/// Next to existing mineral nothing nucleates: mineral grows into its
/// neighbours as a front ([`growth_rate`]).
pub fn nucleation_rate(
    site: Site,
    free_product: f64,
    base_threshold: f64,
    fetuin_g_per_L: f64,
    m: &MineralParams,
) -> f64 {
    let excess = |s: f64, thr: f64| {
        if thr > 0.0 {
            (s / thr - 1.0).max(0.0)
        } else {
            1.0
        }
    };
    match site {
        // The matrix vesicles run in their prepared form (one
        // implementation, in `tissue/kernel.rs`).
        Site::Vesicle {
            alp,
            ros_nM,
            free_rankl_pM,
        } => prepared(
            &CellParams::default(),
            m,
            &InterventionParams::default(),
            &Systemic::NONE,
            1.0,
        )
        .vesicle_rate(
            free_product,
            base_threshold,
            fetuin_g_per_L,
            alp,
            ros_nM,
            free_rankl_pM,
        ),
        Site::Body => m.body_nucleation_per_h * excess(free_product, base_threshold),
        Site::Lamina {
            ros_nM,
            free_rankl_pM,
        } => {
            m.lamina_nucleation_per_um3_h
                * lamina_activity(ros_nM, free_rankl_pM, m)
                * excess(free_product, base_threshold * m.lamina_threshold_factor)
        }
    }
}

/// **Crystal growth (M6, Mg): velocity.** How fast a mineral surface
/// advances, µm/h:
/// `v = growth_um_per_mM2_h · max(0, S_free − growth_product) / (1 + PPi_eq / ppi_growth_half) / (1 + Mg / mg_growth_half)`.
/// PPi, Mg and (through the free product) fetuin-A act on every growth,
/// including that of a front into the next voxel.
pub fn growth_velocity(free_product: f64, ppi_eq_uM: f64, mg_mM: f64, m: &MineralParams) -> f64 {
    prepared(
        &CellParams::default(),
        m,
        &InterventionParams::default(),
        &Systemic::NONE,
        1.0,
    )
    .growth_velocity(free_product, ppi_eq_uM, mg_mM)
}

/// **Mineral loss (part of a living wall).** How fast a mineral surface
/// recedes, µm/h: dissolution where the tissue is undersaturated, and
/// resorption by RANKL-driven osteoclast-like cells:
/// `v_loss = dissolution_um_per_mM2_h · max(0, growth_product − S_free) + resorption_um_per_h · RANKL_free / (resorption_rankl_half + RANKL_free)`.
/// The voxel loses `v_loss` times the surface of [`growth_rate`] (its own
/// particles, or one face when a front brought all its mineral).
pub fn loss_velocity(free_product: f64, free_rankl_pM: f64, m: &MineralParams) -> f64 {
    prepared(
        &CellParams::default(),
        m,
        &InterventionParams::default(),
        &Systemic::NONE,
        1.0,
    )
    .loss_velocity(free_product, free_rankl_pM)
}

/// (36π)^(1/3): the surface of a sphere of unit volume.
pub const SPHERE_SURFACE: f64 = 4.835_975_862_049_408;

/// **Crystal growth (M6): the voxel's mineral fraction**, d(fraction)/dt in
/// 1/h, at surface velocity `velocity_um_per_h`, in a voxel of
/// `voxel_um3` and edge `dx_um` holding the fraction `fraction` on
/// `particles` nuclei, with `fronts` faces of fronts (whole faces of
/// neighbours at least `front_fraction` full; a front along a partial lamina
/// counts the lamina's share of a face):
///
/// `dφ/dt = v · ((36π)^(1/3) · N^(1/3) · φ^(2/3) / V_vox^(1/3) + fronts · max_fraction / dx)`.
///
/// The first term is the surface of the voxel's own mineral as N equal
/// particles (their volume φ·V_vox grows by v × their surface), the second the fronts
/// of full neighbours advancing at v into the voxel. Both are physical rates,
/// so the mineral formed does not depend on the voxel size. Loss is
/// [`loss_velocity`] over the same surface.
pub fn growth_rate(
    velocity_um_per_h: f64,
    fraction: f64,
    particles: u32,
    voxel_um3: f64,
    dx_um: f64,
    fronts: f64,
    max_fraction: f64,
) -> f64 {
    let own = if fraction > 0.0 && particles > 0 {
        SPHERE_SURFACE * (f64::from(particles) * fraction * fraction / voxel_um3).cbrt()
    } else {
        0.0
    };
    velocity_um_per_h * (own + fronts * max_fraction / dx_um)
}

/// The prepared rules of `p` and `iv` (other groups at their defaults, no
/// uniform levels, one-hour step): the one implementation that the
/// reference functions above evaluate.
fn prepared_cells(p: &CellParams, iv: &InterventionParams) -> Rules {
    prepared(p, &MineralParams::default(), iv, &Systemic::NONE, 1.0)
}

/// The prepared rules of the binding constants `b` with the levels `sys`.
fn prepared_binding(b: &BindingParams, sys: &Systemic) -> Rules {
    Rules::reference(
        &CellParams::default(),
        &MineralParams::default(),
        &InterventionParams::default(),
        b,
        sys,
        1.0,
    )
}

/// The prepared rules for a step of `dt_h`.
fn prepared(
    p: &CellParams,
    m: &MineralParams,
    iv: &InterventionParams,
    sys: &Systemic,
    dt_h: f64,
) -> Rules {
    Rules::reference(p, m, iv, &BindingParams::default(), sys, dt_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lamina's factor from the cells: 1 with no ROS and no free RANKL;
    /// 1 + gain/2 at each half-maximum; the two multiply; `lamina_cell_coupling`
    /// scales the rise; nucleation rate follows the factor.
    #[test]
    fn lamina_activity_has_the_vesicles_factors() {
        let m = MineralParams::default();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12 * b.abs(), "{a} vs {b}");
        close(lamina_activity(0.0, 0.0, &m), 1.0);
        let ros = 1.0 + 0.5 * m.vesicle_ros_gain;
        let rankl = 1.0 + 0.5 * m.vesicle_rankl_gain;
        close(lamina_activity(m.vesicle_ros_half_nM, 0.0, &m), ros);
        close(lamina_activity(0.0, m.vesicle_rankl_half_pM, &m), rankl);
        close(
            lamina_activity(m.vesicle_ros_half_nM, m.vesicle_rankl_half_pM, &m),
            ros * rankl,
        );
        let half = MineralParams {
            lamina_cell_coupling: 0.5,
            ..m
        };
        close(
            lamina_activity(m.vesicle_ros_half_nM, 0.0, &half),
            1.0 + 0.5 * (ros - 1.0),
        );
        let off = MineralParams {
            lamina_cell_coupling: 0.0,
            ..m
        };
        close(lamina_activity(1.0e4, 1.0e4, &off), 1.0);
        let at = |ros_nM: f64| {
            let site = Site::Lamina {
                ros_nM,
                free_rankl_pM: 0.0,
            };
            nucleation_rate(site, 3.0, 1.0, 0.5, &m)
        };
        close(at(m.vesicle_ros_half_nM), ros * at(0.0));
    }

    fn defaults() -> (CellParams, MineralParams, InterventionParams, BindingParams) {
        Default::default()
    }

    #[test]
    fn free_rankl_raises_vesicle_release_only_where_opg_is_missing() {
        let (_, m, _, b) = defaults();
        let rate = |free_rankl_pM: f64| {
            let site = Site::Vesicle {
                alp: 1.0,
                ros_nM: 0.0,
                free_rankl_pM,
            };
            nucleation_rate(site, 3.0, 1.0, 0.1, &m)
        };
        let none = rate(0.0);
        assert!(none > 0.0);
        // A CKD 5D wall with OPG: ~400 pM RANKL against ~800 pM OPG.
        let with_opg = rate(free_rankl(400.0, 800.0, 0.0, &b));
        // The same RANKL without OPG (OPG−/−).
        let without_opg = rate(free_rankl(400.0, 0.0, 0.0, &b));
        assert!(with_opg / none < 1.1, "{with_opg} vs {none}");
        assert!(without_opg / none > 4.0, "{without_opg} vs {none}");
        assert!(without_opg <= none * (1.0 + m.vesicle_rankl_gain) + 1e-15);
        // Denosumab takes the effect away again.
        let dmab = rate(free_rankl(400.0, 0.0, 10.0, &b));
        assert!(dmab / none < 1.1, "{dmab} vs {none}");
    }

    fn steady_runx2(pi: f64, ca: f64, ros: f64, iv: &InterventionParams) -> f64 {
        let (p, ..) = defaults();
        let pit1 = pit1_effective(1.0, ca, &p, iv);
        let pi_in = pi_in_target(pi, pit1, &p);
        let d = runx2_drive(pi_signal(pi_in, 0.0, 0.8, &p, iv), 0.0, 0.0, &p);
        let mut r = 1.0;
        for _ in 0..400 {
            r = runx2_step(r, d, ros_stabilisation(ros, &p, iv), 1.0, &p, iv);
        }
        r
    }

    #[test]
    fn runx2_rises_with_phosphate_and_pit1_knockout_blocks_it() {
        let iv = InterventionParams::default();
        let levels: Vec<f64> = [1.0, 1.4, 2.0, 3.0]
            .iter()
            .map(|&pi| steady_runx2(pi, 1.8, 0.0, &iv))
            .collect();
        assert!(levels.windows(2).all(|w| w[1] > w[0]), "{levels:?}");
        assert!(
            levels[1] < CellParams::default().switch_on_runx2,
            "{levels:?}"
        );
        assert!(
            levels[2] > 2.0 && levels[2] < 4.0,
            "2 mM Pi: Runx2 2–4× ({levels:?})"
        );
        let ko = InterventionParams {
            pit1_expression: 0.0,
            ..InterventionParams::default()
        };
        assert!((steady_runx2(3.0, 1.8, 0.0, &ko) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn calcium_raises_pit1_and_the_casr_damps_it() {
        let (p, ..) = defaults();
        let wt = InterventionParams::default();
        // Ionized Ca: 1.5 mM is 3.0 mM total, 0.9 the DMEM's 1.8.
        assert!(pit1_effective(1.0, 1.5, &p, &wt) > 1.1 * pit1_effective(1.0, 0.9, &p, &wt));
        let cinacalcet = InterventionParams {
            calcimimetic: 2.0,
            ..InterventionParams::default()
        };
        let casr_ko = InterventionParams {
            casr_expression: 0.0,
            ..InterventionParams::default()
        };
        let hi = |iv: &InterventionParams| pit1_effective(1.0, 1.5, &p, iv);
        assert!(hi(&cinacalcet) < hi(&wt) && hi(&wt) < hi(&casr_ko));
    }

    #[test]
    fn ros_raises_runx2_through_akt() {
        let wt = InterventionParams::default();
        let base = steady_runx2(1.4, 1.8, 0.0, &wt);
        // Byon 2008: 0.1–0.4 mM H2O2 in the medium (100–400 nM of ROS at
        // 1 nM/µM) raises Runx2 2–3×.
        let oxidised = steady_runx2(1.4, 1.8, 400.0, &wt);
        assert!(steady_runx2(1.4, 1.8, 100.0, &wt) > base);
        assert!(
            oxidised / base > 2.0 && oxidised / base < 3.5,
            "{base} → {oxidised}"
        );
        let akt = InterventionParams {
            akt_inhibition: 1.0,
            ..InterventionParams::default()
        };
        assert!((steady_runx2(1.4, 1.8, 400.0, &akt) - base).abs() < 1e-9);
    }

    #[test]
    fn inhibitors_act_on_the_mineral() {
        let (_, m, ..) = defaults();
        let thr = base_threshold(0.8, 3.0, &m);
        assert!(base_threshold(2.5, 3.0, &m) > thr && base_threshold(0.8, 10.0, &m) > thr);
        let s = free_product(2.3, 1.8, 0.0, &m);
        assert!(free_product(2.3, 1.8, 0.6, &m) < s);
        let v = |alp, fet| {
            nucleation_rate(
                Site::Vesicle {
                    alp,
                    ros_nM: 0.0,
                    free_rankl_pM: 0.0,
                },
                s,
                thr,
                fet,
                &m,
            )
        };
        assert!(v(1.0, 0.0) > v(0.0, 0.0), "ALP raises vesicle nucleation");
        assert!(
            v(1.0, 0.5) < v(1.0, 0.0),
            "fetuin-A blocks vesicle nucleation"
        );
        assert!(growth_velocity(s, 0.0, 0.8, &m) > growth_velocity(s, 3.0, 0.8, &m));
        assert!(growth_velocity(s, 3.0, 0.8, &m) > growth_velocity(s, 3.0, 3.0, &m));
        assert_eq!(growth_velocity(m.growth_product_mM2, 0.0, 0.0, &m), 0.0);
        assert_eq!(growth_rate(1.0, 0.0, 1, 125.0, 5.0, 0.0, 0.6), 0.0);
        // A particle of 0.1 µm³ grows by v × its surface, whatever the voxel.
        for (v, dx) in [(125.0, 5.0), (1000.0, 10.0)] {
            let dv = growth_rate(1.0, 0.1 / v, 1, v, dx, 0.0, 0.6) * v;
            assert!((dv - SPHERE_SURFACE * 0.1f64.powf(2.0 / 3.0)).abs() < 1e-12);
        }
        assert!(ppi_equivalent(1.0, 1.0, &m) > 1.0);
    }

    #[test]
    fn opg_and_denosumab_bind_rankl() {
        let b = BindingParams::default();
        let free = free_rankl(10.0, 0.0, 0.0, &b);
        assert_eq!(free, 10.0);
        assert!(free_rankl(10.0, 50.0, 0.0, &b) < free / 5.0);
        assert!(free_rankl(10.0, 0.0, 1.0, &b) < free / 100.0);
    }

    /// The functions (which evaluate the prepared forms of the cell rules)
    /// against the equations of docs/model.md written out here, with plain
    /// divisions and `powf`: an independent check of the one implementation.
    #[test]
    fn functions_follow_the_equations_of_model_md() {
        let (p, m, _, b) = defaults();
        let iv = InterventionParams {
            calcimimetic: 0.3,
            ..InterventionParams::default()
        };
        let close = |a: f64, b: f64, what: &str| {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1e-300),
                "{what}: {a} vs {b}"
            );
        };
        let h = |x: f64, k: f64, n: f64| {
            if x <= 0.0 {
                0.0
            } else {
                (x / k).powf(n) / (1.0 + (x / k).powf(n))
            }
        };
        let sat = |x: f64, k: f64| if x <= 0.0 { 0.0 } else { x / (k + x) };
        for &(ca, pi, fet, mg, ppi, ros) in &[
            (1.2, 1.0, 0.3, 0.8, 2.0, 0.0),
            (2.4, 2.6, 0.1, 0.5, 0.5, 5.0),
            (3.5, 4.0, 0.0, 1.5, 8.0, 120.0),
        ] {
            // M1, M2 + CaSR.
            let casr = iv.casr_expression * (sat(ca, p.casr_half_max_mM) + iv.calcimimetic);
            let pit1 = 0.9
                * iv.pit1_expression
                * (1.0
                    + p.ca_pit1_gain * h(ca, p.ca_half_max_mM, p.ca_hill)
                        / (1.0 + p.casr_protection * casr));
            close(pit1_effective(0.9, ca, &p, &iv), pit1, "pit1");
            close(
                pi_in_target(pi, pit1, &p),
                p.pi_in_max_mM * pit1 * sat(pi, p.pit1_km_mM),
                "uptake",
            );
            // M1, M6, Mg.
            let s = h(1.3, p.pi_in_half_max_mM, p.pi_hill)
                / (1.0 + ppi / p.ppi_signal_half_uM)
                / (1.0 + iv.trpm7_expression * mg / p.mg_signal_half_mM);
            close(pi_signal(1.3, ppi, mg, &p, &iv), s, "pi signal");
            close(
                runx2_drive(s, 30.0, 150.0, &p),
                s + p.rankl_weight * sat(30.0, p.rankl_half_max_pM)
                    + p.pth_weight * sat(150.0, p.pth_half_max_pg_per_mL),
                "drive",
            );
            // M3.
            let sigma = 1.0 + (1.0 - iv.akt_inhibition) * ros / p.ros_half_max_nM;
            close(ros_stabilisation(ros, &p, &iv), sigma, "stabilisation");
            // M5.
            let product = ca * pi / (1.0 + fet / m.cpp_half_g_per_L);
            close(free_product(ca, pi, fet, &m), product, "free product");
            let rate = p.apoptosis_per_h
                * (1.0
                    + p.apoptosis_product_gain
                        * h(
                            product,
                            p.apoptosis_product_half_mM2,
                            p.apoptosis_product_hill,
                        )
                    + p.apoptosis_mineral_gain * sat(0.02, m.calcified_fraction)
                    + p.apoptosis_ros_gain * sat(ros, p.ros_half_max_nM))
                / (1.0 + fet / p.fetuin_apoptosis_half_g_per_L);
            close(
                apoptosis_rate(ca, pi, fet, 0.02, ros, &p, &m),
                rate,
                "apoptosis",
            );
            // M6, Mg: thresholds and nucleation.
            let thr = m.nucleation_product_mM2
                * (1.0 + mg / m.mg_nucleation_half_mM)
                * (1.0 + ppi / m.ppi_nucleation_half_uM);
            close(base_threshold(mg, ppi, &m), thr, "threshold");
            let site = Site::Vesicle {
                alp: 0.7,
                ros_nM: ros,
                free_rankl_pM: 3.0,
            };
            let excess = |s: f64, t: f64| (s / t - 1.0).max(0.0);
            let vesicle = m.vesicle_nucleation_per_h
                * (1.0 + m.vesicle_ros_gain * sat(ros, m.vesicle_ros_half_nM))
                * (1.0
                    + m.vesicle_rankl_gain * h(3.0, m.vesicle_rankl_half_pM, m.vesicle_rankl_hill))
                * excess(
                    3.0 * product * (1.0 + m.vesicle_alp_boost * 0.7),
                    thr * (1.0 + m.fetuin_vesicle_max * sat(fet, m.fetuin_vesicle_half_g_per_L)),
                );
            let got = nucleation_rate(site, 3.0 * product, thr, fet, &m);
            assert!(
                (got - vesicle).abs() <= 1e-12 * vesicle.max(1e-300) + 1e-300,
                "vesicle: {got} vs {vesicle}"
            );
            let v = m.growth_um_per_mM2_h * (3.0 * product - m.growth_product_mM2).max(0.0)
                / (1.0 + ppi / m.ppi_growth_half_uM)
                / (1.0 + mg / m.mg_growth_half_mM);
            close(
                growth_velocity(3.0 * product, ppi, mg, &m),
                v,
                "growth velocity",
            );
            // M7.
            close(
                free_rankl(400.0, 800.0, 2.0, &b),
                400.0 / (1.0 + 800.0 / b.opg_rankl_kd_pM + 2.0 / b.denosumab_rankl_kd_nM),
                "free RANKL",
            );
        }
    }

    #[test]
    fn apoptosis_rises_with_load_and_falls_with_fetuin() {
        let (p, m, ..) = defaults();
        let base = apoptosis_rate(2.6, 1.0, 0.1, 0.0, 2.0, &p, &m);
        assert!(apoptosis_rate(6.0, 1.0, 0.1, 0.0, 2.0, &p, &m) > base);
        assert!(apoptosis_rate(2.6, 1.0, 0.1, 0.3, 2.0, &p, &m) > base);
        assert!(apoptosis_rate(2.6, 1.0, 0.1, 0.0, 200.0, &p, &m) > base);
        assert!(apoptosis_rate(2.6, 1.0, 1.0, 0.0, 2.0, &p, &m) < base);
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
        assert_eq!(switch_rate(Phenotype::ApoptoticBody, 10.0, &p), None);
    }

    #[test]
    fn toxin_and_phosphate_raise_ros_and_nox4_knockdown_or_antioxidant_lower_it() {
        let (p, _, iv, _) = defaults();
        assert!(cell_ros_nM(200.0, &p, &iv) > 10.0 * cell_ros_nM(3.0, &p, &iv).max(0.1) / 10.0);
        assert!(cell_ros_nM(200.0, &p, &iv) > cell_ros_nM(3.0, &p, &iv));
        let kd = InterventionParams {
            nox4_expression: 0.0,
            ..InterventionParams::default()
        };
        assert_eq!(cell_ros_nM(200.0, &p, &kd), 0.0);
        let tempol = InterventionParams {
            antioxidant: 0.8,
            ..InterventionParams::default()
        };
        assert!(cell_ros_nM(200.0, &p, &tempol) < 0.3 * cell_ros_nM(200.0, &p, &iv));
        assert!(endothelial_ros_nM(2.0, &p, &iv) > endothelial_ros_nM(1.0, &p, &iv));
    }
}
