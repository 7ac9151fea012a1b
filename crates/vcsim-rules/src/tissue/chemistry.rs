//! Saturation of the tissue fluid with respect to named calcium phosphate
//! solid phases: amorphous calcium phosphate (ACP, the phase that nucleates)
//! and hydroxyapatite (HAP, the phase that grows), from free ion activities.
//!
//! The model's rates are written on the free Ca·Pi product
//! ([`super::kernel::free_product`]: ionized Ca times Pi, divided by the
//! calciprotein-particle binding of fetuin-A); these indices say where that
//! product sits against each solid's solubility. Speciation at pH 7.4,
//! 37 °C, ionic strength 0.15 M (Davies activity coefficients); the CPP
//! binding is taken out of Ca and Pi alike (each divided by its square
//! root), so that their product is the free product. With Pi taken whole
//! (free plus complexed, as the model's field), normal serum (iCa 1.2, Pi
//! 1.1 mM) gives SI_ACP −1.5 and SI_HAP +19.7, haemodialysis serum (1.15,
//! 1.8) −1.2 and +20.8 — the values of the calculation in
//! CHEMISTRY_AND_TISSUE.md §2 [dorozhkin2010].

/// −log10 Ksp of ACP on the Ca3(PO4)2 basis at pH 7.40, 37 °C [dorozhkin2010].
pub const PKSP_ACP: f64 = 25.7;
/// −log10 Ksp of HAP, Ca10(PO4)6(OH)2, at 37 °C [dorozhkin2010].
pub const PKSP_HAP: f64 = 117.2;
/// Tissue pH.
pub const PH: f64 = 7.4;
/// Ionic strength of plasma and interstitial fluid, M.
pub const IONIC_STRENGTH_M: f64 = 0.15;
/// Davies constant A at 37 °C.
const DAVIES_A: f64 = 0.5211;
/// pKa of H2PO4⁻ ⇌ HPO4²⁻ and of HPO4²⁻ ⇌ PO4³⁻ (thermodynamic, 25 °C).
const PKA2: f64 = 7.20;
const PKA3: f64 = 12.35;
/// −log10 Kw at 37 °C.
const PKW: f64 = 13.62;

/// Davies activity coefficient of an ion of charge `z`.
fn gamma(z: f64) -> f64 {
    let s = IONIC_STRENGTH_M.sqrt();
    10f64.powf(-DAVIES_A * z * z * (s / (1.0 + s) - 0.3 * IONIC_STRENGTH_M))
}

/// log10 of the Ca²⁺ and PO4³⁻ activities (mol/L) of `ca_mM` ionized Ca and
/// `pi_mM` Pi after the CPP binding `binding` (≥ 1).
fn log_activities(ca_mM: f64, pi_mM: f64, binding: f64) -> (f64, f64) {
    let root = binding.max(1.0).sqrt();
    let ca = ca_mM.max(1e-12) * 1e-3 / root;
    let pi = pi_mM.max(1e-12) * 1e-3 / root;
    let a_h = 10f64.powf(-PH);
    let (g1, g2, g3) = (gamma(1.0), gamma(2.0), gamma(3.0));
    // [HPO4]/[H2PO4] and [PO4]/[HPO4] from the activity constants.
    let r2 = 10f64.powf(-PKA2) * g1 / (a_h * g2);
    let r3 = 10f64.powf(-PKA3) * g2 / (a_h * g3);
    let po4 = pi * r2 * r3 / (1.0 + r2 + r2 * r3);
    ((g2 * ca).log10(), (g3 * po4).log10())
}

/// Saturation index log10(IAP/Ksp) of ACP (Ca3(PO4)2 basis): > 0 where ACP
/// can form.
pub fn si_acp(ca_mM: f64, pi_mM: f64, binding: f64) -> f64 {
    let (ca, po4) = log_activities(ca_mM, pi_mM, binding);
    3.0 * ca + 2.0 * po4 + PKSP_ACP
}

/// Saturation index log10(IAP/Ksp) of HAP (Ca10(PO4)6(OH)2): > 0 where
/// apatite can grow (always, in body fluids).
pub fn si_hap(ca_mM: f64, pi_mM: f64, binding: f64) -> f64 {
    let (ca, po4) = log_activities(ca_mM, pi_mM, binding);
    let oh = PH - PKW;
    10.0 * ca + 6.0 * po4 + 2.0 * oh + PKSP_HAP
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indices of the calculation in CHEMISTRY_AND_TISSUE.md §2.
    #[test]
    fn serum_indices_are_those_of_the_speciation_table() {
        let (acp, hap) = (si_acp(1.2, 1.1, 1.0), si_hap(1.2, 1.1, 1.0));
        assert!((-1.8..=-1.4).contains(&acp), "normal ACP {acp}");
        assert!((19.0..=20.0).contains(&hap), "normal HAP {hap}");
        let (acp, hap) = (si_acp(1.15, 1.8, 1.0), si_hap(1.15, 1.8, 1.0));
        assert!((-1.4..=-1.1).contains(&acp), "HD ACP {acp}");
        assert!((20.0..=21.0).contains(&hap), "HD HAP {hap}");
        // Pi × 2 raises SI_HAP by ~1.8 (6 log10 2).
        let d = si_hap(1.15, 3.6, 1.0) - si_hap(1.15, 1.8, 1.0);
        assert!((d - 1.806).abs() < 0.01, "{d}");
        // Binding by CPPs lowers both.
        assert!(si_acp(1.15, 1.8, 4.0) < si_acp(1.15, 1.8, 1.0));
    }
}
