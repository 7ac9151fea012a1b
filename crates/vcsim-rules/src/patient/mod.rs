//! The patient: a systemic CKD–MBD model that sets what the lumen sees.
//!
//! A small ODE model inspired by Peterson & Riggs (2010) but written for this
//! project and simplified (equations and their justification in
//! `docs/model.md`, section "The patient"):
//!
//! - **pools**: extracellular (ECF) phosphate, calcium and magnesium; an
//!   intracellular phosphate pool that refills the ECF after dialysis;
//!   exchangeable and deep bone calcium (with hydroxyapatite's 0.6 Pi per Ca);
//!   soft-tissue calcium (ionized Ca above a set point, and Ca–Pi
//!   precipitate above an ion-product threshold);
//! - **kidney**: eGFR (constant or falling), threshold phosphate excretion
//!   whose threshold FGF23 (through Klotho) and PTH lower, Ca and Mg
//!   filtration and reabsorption, tubular toxin secretion;
//! - **hormones**: PTH from a gland whose output falls with ionized Ca (CaSR),
//!   rises with Pi (over a day) and falls with calcitriol, and whose size
//!   follows the chronic stimulus (hyperplasia); FGF23 rising with Pi and
//!   falling eGFR over days; calcitriol from the kidney, raised by PTH,
//!   lowered by FGF23, plus active vitamin D given as a drug;
//! - **gut**: calcitriol-dependent absorption of dietary Ca and Pi, reduced by
//!   phosphate binders;
//! - **bone**: osteoblast and osteoclast activity driven by PTH against uremic
//!   skeletal resistance; formation takes up Ca and Pi (more when the serum
//!   product is high: the bone buffer), resorption releases them; a bone
//!   mineral density proxy;
//! - **inhibitors and toxins**: fetuin-A (lowered by uremic inflammation and
//!   consumed into calciprotein particles), PPi (t½ 33 min, hydrolysed by
//!   bone and uremic ALP), Mg, indoxyl sulfate;
//! - **T50**: a two-stage calciprotein-particle ripening model of the serum
//!   calcification-propensity test;
//! - **dialysis** sessions and **treatments** with their pharmacokinetics.
//!
//! Fast hormones (PTH, FGF23, calcitriol, PPi, drugs) relax exactly over each
//! substep; the pools take explicit substeps of at most
//! `patient.body.substep_h`. Everything is sequential f64 arithmetic, so the
//! trajectory is bitwise reproducible.

/// `add` (field-wise sum) and `divide` (field-wise quotient) for a struct of
/// f64 fields: the step means of [`Patient::advance`].
macro_rules! summable {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl $t {
            pub(crate) fn add(&mut self, o: &Self) {
                $( self.$f += o.$f; )*
            }
            pub(crate) fn divide(&mut self, n: f64) {
                $( self.$f /= n; )*
            }
        }
    };
}

mod bone;
mod dialysis;
mod drugs;
mod factors;
mod gut;
mod hormones;
mod inhibitors;
mod kidney;
mod parathyroid;
mod state;

pub use factors::PatientFactors;
pub use inhibitors::t50_min;
pub use kidney::klotho;
pub use state::{PatientState, SerumLevels};

use crate::records::{BoneRecord, SerumRecord};
use crate::scenario::params::*;
use crate::scenario::{Drug, Scenario, Treatment};

/// Serum phosphate taken as normal by the hormone and bone laws.
pub const NORMAL_PI_MM: f64 = 1.15;
/// Serum ionized calcium taken as normal.
pub const NORMAL_ICA_MM: f64 = 1.18;
/// Total calcium of normal serum (T50 reference mixture).
pub const NORMAL_CA_MM: f64 = 2.36;
/// Litres per hour in a flow of one mL/min (a unit conversion).
const L_PER_H_PER_ML_PER_MIN: f64 = 0.06;

/// A rate in mmol/h: what an organ adds to or takes from a pool.
type PerHour = f64;

/// Fluxes of one substep, mmol/h (for the records).
#[derive(Debug, Clone, Copy, Default)]
struct Fluxes {
    pi_absorbed: f64,
    pi_urine: f64,
    pi_dialysed: f64,
    bone_ca_uptake: f64,
    bone_net_ca: f64,
    dialysing: f64,
}

summable!(Fluxes {
    pi_absorbed,
    pi_urine,
    pi_dialysed,
    bone_ca_uptake,
    bone_net_ca,
    dialysing,
});

/// The patient model: parameters, treatments and the dialysis schedule.
#[derive(Debug, Clone)]
pub struct Patient {
    body: BodyParams,
    kidney: KidneyParams,
    diet: DietParams,
    parathyroid: ParathyroidParams,
    hormones: HormoneParams,
    bone: BoneParams,
    inhib: InhibitorParams,
    /// `mineral.cpp_half_g_per_L`: fetuin-A's calciprotein particles in T50.
    cpp_half_g_per_L: f64,
    drugs: DrugParams,
    dialysis: DialysisParams,
    treatments: Vec<Treatment>,
    /// Patient factor on fetuin-A synthesis.
    fetuin_factor: f64,
    /// Patient factor on PPi production.
    ppi_factor: f64,
}

/// `x^e` for x ≥ 0 (0 stays 0 for e > 0).
fn pow(x: f64, e: f64) -> f64 {
    x.max(0.0).powf(e)
}

/// Exact relaxation of `v` towards `target` at `rate` over `h`.
fn relax(v: f64, target: f64, rate: f64, h: f64) -> f64 {
    target + (v - target) * (-rate * h).exp()
}

impl Patient {
    /// The patient of scenario `s`, with the factors of `f` applied.
    pub fn new(s: &Scenario, f: &PatientFactors) -> Self {
        let p = &s.patient;
        let mut kidney = p.kidney.clone();
        kidney.egfr_mL_min *= f.egfr;
        kidney.egfr_floor_mL_min = kidney.egfr_floor_mL_min.min(kidney.egfr_mL_min);
        let mut diet = p.diet.clone();
        diet.phosphate_mmol_per_day *= f.diet_phosphate;
        diet.calcium_mmol_per_day *= f.diet_calcium;
        diet.toxin_production_umol_per_h *= f.toxin;
        let mut parathyroid = p.parathyroid.clone();
        parathyroid.gland_capacity *= f.gland_capacity;
        let mut bone = p.bone.clone();
        bone.turnover_factor *= f.turnover;
        Self {
            body: p.body.clone(),
            kidney,
            diet,
            parathyroid,
            hormones: p.hormones.clone(),
            bone,
            inhib: p.inhibitors.clone(),
            cpp_half_g_per_L: s.mineral.cpp_half_g_per_L,
            drugs: p.drugs.clone(),
            dialysis: s.dialysis.clone(),
            treatments: s.treatments.clone(),
            fetuin_factor: f.fetuin_a,
            ppi_factor: f.ppi,
        }
    }

    /// Checks what only the built patient knows (the sampled eGFR).
    pub fn check(&self) -> Result<(), crate::error::BuildError> {
        for (i, t) in self.treatments.iter().enumerate() {
            if t.drug == Drug::Bisphosphonate && !t.allow_low_egfr {
                let e = self.egfr(t.start_day * 24.0);
                if e < 35.0 {
                    return Err(crate::error::BuildError::BisphosphonateLowEgfr {
                        index: i,
                        egfr_mL_min: e,
                        start_day: t.start_day,
                    });
                }
            }
        }
        Ok(())
    }

    /// The levels the tissue sees at state `s` (before any step).
    pub fn levels_now(&self, s: &PatientState) -> SerumLevels {
        let mut copy = *s;
        self.substep(&mut copy, 0.0, 0.0).0
    }

    /// eGFR (mL/min) at time `t_h` (constant before t = 0).
    pub fn egfr(&self, t_h: f64) -> f64 {
        self.kidney.egfr_at(t_h)
    }

    /// True if a dialysis session is running at time `t_h`.
    pub fn dialysing(&self, t_h: f64) -> bool {
        dialysis::dialysing(&self.dialysis, t_h)
    }

    /// A normal person's state: the starting point of the spin-up.
    fn normal_state(&self) -> PatientState {
        let v = self.body.ecf_volume_L;
        let deep = self.bone.deep_ca_mmol;
        let exch = self.bone.exchangeable_ca_mmol;
        PatientState {
            pi_ecf: NORMAL_PI_MM * v,
            pi_cell: NORMAL_PI_MM * self.body.cell_pi_volume_L,
            ca_ecf: NORMAL_CA_MM * v,
            mg_ecf: self.body.mg_normal_mM * v,
            bone_exchangeable: exch,
            bone_deep: deep,
            bone_at_start: deep + exch,
            gland: 1.0,
            pth: self.parathyroid.pth_normal_pg_per_mL,
            fgf23: self.hormones.fgf23_normal_RU_per_mL,
            calcitriol: 1.0,
            osteoblasts: 1.0,
            osteoclasts: 1.0,
            fetuin: self.inhib.fetuin_a_normal_g_per_L,
            ppi: self.inhib.ppi_normal_uM,
            toxin: self.body.toxin_normal_uM,
            pi_pth_signal: NORMAL_PI_MM,
            fgf23_drive: self.hormones.fgf23_normal_RU_per_mL,
            fgf23_production: self.hormones.fgf23_normal_RU_per_mL,
            ..PatientState::default()
        }
    }

    /// The state at t = 0: a normal person taken through
    /// `patient.body.spin_up_weeks` at the initial eGFR and dialysis schedule
    /// (no treatments), with the bone reference reset.
    pub fn initial_state(&self) -> PatientState {
        let mut s = self.normal_state();
        let weeks = self.body.spin_up_weeks.round();
        let start = -weeks * 168.0;
        let hours = (weeks * 168.0) as u64;
        // Hour steps of the spin-up, without treatments: coarse (one substep
        // per hour) but for the last four weeks, which settle the dialysis
        // cycle at the configured substep.
        let quiet = Patient {
            treatments: Vec::new(),
            ..self.clone()
        };
        let fine_from = hours.saturating_sub(4 * 168);
        for k in 0..hours {
            let t = start + k as f64;
            if k < fine_from {
                quiet.substep(&mut s, t, 1.0);
            } else {
                quiet.advance(&mut s, t, 1.0);
            }
        }
        // The deep pool's reference is t = 0: BMD is relative to the start.
        s.bone_at_start = s.bone_deep + s.bone_exchangeable;
        s.cinacalcet = 0.0;
        s
    }

    /// Advances `s` from `t0_h` by `dt_h`; returns the means over the step of
    /// what the tissue sees, and the records' fluxes.
    pub fn advance(&self, s: &mut PatientState, t0_h: f64, dt_h: f64) -> StepResult {
        let n = (dt_h / self.body.substep_h).ceil().max(1.0);
        let h = dt_h / n;
        let mut mean = SerumLevels::default();
        let mut flux = Fluxes::default();
        // Sums over the substeps, divided once at the end (a constant stays exact).
        for k in 0..n as u64 {
            let t = t0_h + k as f64 * h;
            let (levels, f) = self.substep(s, t, h);
            mean.add(&levels);
            flux.add(&f);
        }
        mean.divide(n);
        flux.divide(n);
        StepResult {
            levels: mean,
            fluxes: flux,
        }
    }

    /// One explicit substep of length `h` from time `t`; returns the levels at
    /// the start of the substep and its fluxes. Each organ reads the state at
    /// the start of the substep and returns its fluxes; the pools then take
    /// their sum (explicit Euler), and the fast variables relax exactly in a
    /// fixed order: bone cells, parathyroid, FGF23 and calcitriol, fetuin-A,
    /// PPi, indoxyl sulfate, drugs.
    fn substep(&self, s: &mut PatientState, t: f64, h: f64) -> (SerumLevels, Fluxes) {
        let (b, k, dr) = (&self.body, &self.kidney, &self.drugs);
        let mid = t + 0.5 * h;
        let doses = drugs::doses(dr, &self.treatments, mid);
        let v = b.ecf_volume_L;
        let pi = s.pi_ecf / v;
        let ca = s.ca_ecf / v;
        let ica = b.ca_ionized_fraction * ca;
        let mg = s.mg_ecf / v;
        let gfr = self.egfr(mid);
        let klo = klotho(gfr, k.klotho_half_egfr_mL_min);
        let d = s.calcitriol.max(0.0);
        let pth0 = self.parathyroid.pth_normal_pg_per_mL;
        let pth_rel = s.pth / pth0;

        // Organs: fluxes from the state at the start of the substep.
        let gut = gut::absorption(&self.diet, dr, &doses, d, ca);
        let urine = kidney::excretion(
            k,
            &kidney::KidneyInputs {
                gfr,
                klotho: klo,
                pi,
                ca,
                ica,
                mg,
                fgf23: s.fgf23,
                fgf23_normal: self.hormones.fgf23_normal_RU_per_mL,
                pth_rel,
            },
        );
        let dial = dialysis::removal(
            &self.dialysis,
            self.dialysing(mid),
            pi,
            ica,
            mg,
            k.mg_ultrafiltrable_fraction,
        );
        // Cells ↔ ECF phosphate.
        let pi_cell_conc = if b.cell_pi_volume_L > 0.0 {
            s.pi_cell / b.cell_pi_volume_L
        } else {
            pi
        };
        let to_cells = b.cell_pi_exchange_L_per_h * (pi - pi_cell_conc);
        let bone = bone::fluxes(&self.bone, dr, &doses, s, klo, pth_rel, ica, pi);
        // Soft tissue (outside bone): takes up ionized Ca above its set point
        // (the sink of a positive Ca balance) and, above a threshold of the
        // ion product, Ca–Pi precipitate.
        let soft_ca =
            b.soft_tissue_ca_clearance_L_per_h * (ica - b.soft_tissue_ica_set_mM).max(0.0);
        let soft_mineral = b.soft_tissue_product_rate_mmol_per_day / 24.0
            * (bone.product_rel - b.soft_tissue_product_threshold).max(0.0);

        // Levels at the start of the substep (what the tissue sees).
        let cin_effect = drugs::cinacalcet_effect(dr, s);
        let levels = SerumLevels {
            pi_mM: pi,
            ca_mM: ca,
            mg_mM: mg,
            ppi_uM: s.ppi,
            fetuin_a_g_per_L: s.fetuin,
            pth_pg_per_mL: s.pth,
            toxin_uM: s.toxin,
            calcimimetic: dr.cinacalcet_vsmc_activity * cin_effect,
            antioxidant: doses.antioxidant,
            denosumab_nM: s.denosumab * dr.denosumab_tissue_partition,
            bisphosphonate_uM: s.bisphosphonate * dr.bisphosphonate_tissue_partition,
            active_vitamin_d_rel: d,
        };

        // Pools (explicit): the sum of the organs' fluxes.
        let bone_net = bone.formation - bone.resorption;
        s.pi_ecf +=
            h * (gut.pi - urine.pi - dial.pi - to_cells - HA_PI_PER_CA * (bone_net + soft_mineral));
        s.pi_cell += h * to_cells;
        s.ca_ecf += h
            * (gut.ca
                - urine.ca
                - dial.ca
                - bone_net
                - bone.to_exchangeable
                - soft_ca
                - soft_mineral);
        s.ca_soft_tissue += h * soft_ca;
        s.soft_tissue_mineral += h * soft_mineral;
        s.mg_ecf += h * (gut.mg - urine.mg - dial.mg);
        s.bone_deep += h * bone_net;
        s.bone_exchangeable += h * bone.to_exchangeable;
        s.pi_ecf = s.pi_ecf.max(0.0);
        s.ca_ecf = s.ca_ecf.max(0.0);
        s.mg_ecf = s.mg_ecf.max(0.0);

        // Fast variables, in this order.
        bone::cells(&self.bone, s, &bone, h);
        parathyroid::step(&self.parathyroid, dr, s, ica, pi, d, cin_effect, h);
        hormones::step(&self.hormones, dr, &doses, s, pi, d, gfr, klo, pth0, h);
        inhibitors::fetuin_a(&self.inhib, b, s, self.fetuin_factor, bone.product_rel, h);
        inhibitors::ppi(&self.inhib, s, self.ppi_factor, klo, dial.ppi_L_per_h, v, h);
        inhibitors::toxin(
            s,
            self.diet.toxin_production_umol_per_h,
            urine.toxin_clearance_L_per_h + dial.toxin_L_per_h,
            v,
            h,
        );
        drugs::pharmacokinetics(dr, b, &self.treatments, &doses, s, gfr, v, t, h);

        let fluxes = Fluxes {
            pi_absorbed: gut.pi,
            pi_urine: urine.pi,
            pi_dialysed: dial.pi,
            bone_ca_uptake: bone_net + bone.to_exchangeable,
            bone_net_ca: bone_net,
            dialysing: dial.on,
        };
        (levels, fluxes)
    }

    /// The serum record of state `s` at time `t_h` (after a step with `r`).
    pub fn serum_record(&self, s: &PatientState, t_h: f64, r: &StepResult) -> SerumRecord {
        let v = self.body.ecf_volume_L;
        let (pi, ca, mg) = (s.pi_ecf / v, s.ca_ecf / v, s.mg_ecf / v);
        let gfr = self.egfr(t_h);
        SerumRecord {
            time_h: t_h,
            pi_mM: pi,
            ca_mM: ca,
            ica_mM: self.body.ca_ionized_fraction * ca,
            pth_pg_mL: s.pth,
            fgf23: s.fgf23,
            fetuin_a_g_L: s.fetuin,
            ppi_uM: s.ppi,
            mg_mM: mg,
            t50_min: t50_min(
                pi,
                ca,
                mg,
                s.fetuin,
                s.ppi,
                &self.inhib,
                self.cpp_half_g_per_L,
            ),
            indoxyl_sulfate_uM: s.toxin,
            egfr_mL_min: gfr,
            klotho_rel: klotho(gfr, self.kidney.klotho_half_egfr_mL_min),
            calcitriol_rel: s.calcitriol,
            gland_rel: s.gland,
            dialysis: r.fluxes.dialysing,
            pi_absorbed_mmol_per_day: r.fluxes.pi_absorbed * 24.0,
            pi_urine_mmol_per_day: r.fluxes.pi_urine * 24.0,
            pi_dialysed_mmol_per_day: r.fluxes.pi_dialysed * 24.0,
            cinacalcet_ng_mL: s.cinacalcet,
            denosumab_nM: s.denosumab,
            bisphosphonate_uM: s.bisphosphonate,
        }
    }

    /// The bone record of state `s` at time `t_h`.
    pub fn bone_record(s: &PatientState, t_h: f64, r: &StepResult) -> BoneRecord {
        BoneRecord {
            time_h: t_h,
            bmd_rel: (s.bone_deep + s.bone_exchangeable) / s.bone_at_start,
            formation_rel: s.osteoblasts,
            resorption_rel: s.osteoclasts,
            exchangeable_ca_mmol: s.bone_exchangeable,
            deep_ca_mmol: s.bone_deep,
            ca_uptake_mmol_per_day: r.fluxes.bone_ca_uptake * 24.0,
        }
    }

    /// Total phosphate of the body pools (ECF, cells, bone, soft-tissue
    /// mineral), mmol.
    pub fn phosphate_amount(s: &PatientState) -> f64 {
        s.pi_ecf + s.pi_cell + HA_PI_PER_CA * (s.bone_deep + s.soft_tissue_mineral)
    }
}

/// What one step of the patient gives: the levels the tissue sees and the
/// step's mean fluxes.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepResult {
    /// Means over the step.
    pub levels: SerumLevels,
    fluxes: Fluxes,
}

impl StepResult {
    /// Mean phosphate fluxes over the step, mmol/h: (absorbed, urine, dialysed, into bone).
    pub fn phosphate_fluxes(&self) -> (f64, f64, f64, f64) {
        (
            self.fluxes.pi_absorbed,
            self.fluxes.pi_urine,
            self.fluxes.pi_dialysed,
            HA_PI_PER_CA * self.fluxes.bone_net_ca,
        )
    }
}

#[cfg(test)]
mod tests;
