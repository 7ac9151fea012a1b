//! `[[treatments]]`: drugs, doses and when they are given.

use serde::{Deserialize, Serialize};

/// A drug of a `[[treatments]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drug {
    /// Sevelamer carbonate, g/day: binds dietary Pi.
    Sevelamer,
    /// Lanthanum carbonate, g/day of elemental lanthanum: binds dietary Pi.
    LanthanumCarbonate,
    /// Calcium carbonate, g/day: binds dietary Pi and adds a Ca load.
    CalciumCarbonate,
    /// Magnesium carbonate, g/day: binds dietary Pi and raises serum Mg.
    MagnesiumCarbonate,
    /// Ferric citrate, g/day: binds dietary Pi and lowers FGF23.
    FerricCitrate,
    /// Cinacalcet, mg/day: sensitises the CaSR (PTH and Ca down; VSMC CaSR).
    Cinacalcet,
    /// Oral bisphosphonate (alendronate-equivalent), mg/day: bone resorption
    /// down, a PPi analogue in the tissue.
    Bisphosphonate,
    /// Denosumab, mg per subcutaneous injection every `interval_days`
    /// (default 182): free RANKL down in bone and vessel.
    Denosumab,
    /// Antioxidant (TEMPOL-like), fraction of ROS scavenged (0–1).
    Antioxidant,
    /// BMP-7, µg/kg/week: bone formation up.
    Bmp7,
    /// Exogenous pyrophosphate, µmol/kg per dose every `interval_days`
    /// (default 1), as an intravenous bolus.
    ExogenousPpi,
    /// Active vitamin D (calcitriol; paricalcitol at its calcitriol-equivalent
    /// dose), µg/day: gut Ca and Pi absorption up, PTH down.
    Calcitriol,
}

impl Drug {
    /// Every drug, for messages.
    pub const ALL: [Drug; 12] = [
        Drug::Sevelamer,
        Drug::LanthanumCarbonate,
        Drug::CalciumCarbonate,
        Drug::MagnesiumCarbonate,
        Drug::FerricCitrate,
        Drug::Cinacalcet,
        Drug::Bisphosphonate,
        Drug::Denosumab,
        Drug::Antioxidant,
        Drug::Bmp7,
        Drug::ExogenousPpi,
        Drug::Calcitriol,
    ];

    /// Config name.
    pub fn name(self) -> &'static str {
        match self {
            Drug::Sevelamer => "sevelamer",
            Drug::LanthanumCarbonate => "lanthanum_carbonate",
            Drug::CalciumCarbonate => "calcium_carbonate",
            Drug::MagnesiumCarbonate => "magnesium_carbonate",
            Drug::FerricCitrate => "ferric_citrate",
            Drug::Cinacalcet => "cinacalcet",
            Drug::Bisphosphonate => "bisphosphonate",
            Drug::Denosumab => "denosumab",
            Drug::Antioxidant => "antioxidant",
            Drug::Bmp7 => "bmp7",
            Drug::ExogenousPpi => "exogenous_ppi",
            Drug::Calcitriol => "calcitriol",
        }
    }

    /// Unit of `dose`.
    pub fn unit(self) -> &'static str {
        match self {
            Drug::Sevelamer
            | Drug::LanthanumCarbonate
            | Drug::CalciumCarbonate
            | Drug::MagnesiumCarbonate
            | Drug::FerricCitrate => "g/day",
            Drug::Cinacalcet | Drug::Bisphosphonate => "mg/day",
            Drug::Denosumab => "mg per injection",
            Drug::Antioxidant => "fraction of ROS scavenged",
            Drug::Bmp7 => "µg/kg/week",
            Drug::ExogenousPpi => "µmol/kg per dose",
            Drug::Calcitriol => "µg/day",
        }
    }

    /// Largest accepted dose.
    pub fn max_dose(self) -> f64 {
        match self {
            Drug::Sevelamer
            | Drug::LanthanumCarbonate
            | Drug::CalciumCarbonate
            | Drug::MagnesiumCarbonate
            | Drug::FerricCitrate => 30.0,
            Drug::Cinacalcet => 360.0,
            Drug::Bisphosphonate => 100.0,
            Drug::Denosumab => 1000.0,
            Drug::Antioxidant => 1.0,
            Drug::Bmp7 => 1.0e4,
            Drug::ExogenousPpi => 1.0e4,
            Drug::Calcitriol => 10.0,
        }
    }

    /// True for drugs given as separate doses (`interval_days` applies).
    pub fn is_bolus(self) -> bool {
        matches!(self, Drug::Denosumab | Drug::ExogenousPpi)
    }

    /// Default dosing interval of bolus drugs, days.
    pub fn default_interval_days(self) -> f64 {
        match self {
            Drug::Denosumab => 182.0,
            _ => 1.0,
        }
    }
}

fn never() -> f64 {
    1.0e6
}

/// One `[[treatments]]` entry: a drug, its dose, and when it is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Treatment {
    /// Which drug (see [`Drug`]).
    pub drug: Drug,
    /// Dose, in the drug's unit ([`Drug::unit`]).
    pub dose: f64,
    /// First day of treatment (the first bolus is given then).
    #[serde(default)]
    pub start_day: f64,
    /// Day the treatment stops (default: never).
    #[serde(default = "never")]
    pub stop_day: f64,
    /// Days between doses of bolus drugs (denosumab, exogenous PPi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<f64>,
    /// Bisphosphonate only: simulate it although eGFR is below 35 mL/min.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_low_egfr: bool,
}

impl Treatment {
    /// True if a continuous drug is being taken at time `t_h`.
    pub fn active(&self, t_h: f64) -> bool {
        t_h >= self.start_day * 24.0 && t_h < self.stop_day * 24.0
    }

    fn interval_h(&self) -> f64 {
        self.interval_days
            .unwrap_or_else(|| self.drug.default_interval_days())
            * 24.0
    }

    /// Number of bolus doses given at times in [t0, t1).
    pub fn doses_in(&self, t0: f64, t1: f64) -> u64 {
        let start = self.start_day * 24.0;
        let stop = self.stop_day * 24.0;
        let every = self.interval_h();
        // Doses at start + k·every for k ≥ 0, before stop.
        let before = |t: f64| -> u64 {
            let t = t.min(stop);
            if t <= start {
                0
            } else {
                ((t - start) / every).ceil() as u64
            }
        };
        before(t1).saturating_sub(before(t0))
    }
}
