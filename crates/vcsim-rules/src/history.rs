//! The wall's past states that the imaging readout's delayed sites read
//! (`imaging.site_onset_spread_days`; docs/imaging.md, step 2): kept by the
//! world after every step and in its checkpoints, read by `crate::imaging`.

use crate::scenario::params::ImagingParams;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The wall's past states that the readout's delayed sites read
/// (`imaging.site_onset_spread_days` > 0, tissue mode): the mineral field at
/// the start and then whenever the time crosses a multiple of
/// `imaging.history_every_days`, kept back to the oldest one a site can
/// need. Part of the run's state (checkpoints hold it), so a resumed run
/// reads what the uninterrupted run reads. The images of each state are
/// computed once, when first read.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The readout's parameters; `None`: no history is kept.
    params: Option<ImagingParams>,
    /// Times of the states, h, increasing.
    times_h: Vec<f64>,
    /// The mineral field at each time.
    states: Vec<Vec<f64>>,
    /// The images of each state, for `params`.
    images: Vec<OnceLock<StateImages>>,
}

impl History {
    /// The history of a run with readout `p`: kept only in tissue mode with
    /// delayed sites.
    pub fn new(p: &ImagingParams, tissue: bool) -> Self {
        Self {
            params: (tissue && p.site_onset_spread_days > 0.0).then(|| p.clone()),
            ..Self::default()
        }
    }

    /// Whether past states are kept.
    pub fn is_on(&self) -> bool {
        self.params.is_some()
    }

    /// Times of the states kept, h.
    pub fn times_h(&self) -> &[f64] {
        &self.times_h
    }

    /// The states kept, one after the other (a checkpoint's column).
    pub fn flat(&self) -> Vec<f64> {
        self.states.concat()
    }

    /// Replaces the states by those of a checkpoint: `times_h` and their
    /// fields of `n` voxels each, one after the other.
    pub fn restore(&mut self, times_h: Vec<f64>, flat: Vec<f64>, n: usize) -> Result<(), String> {
        if flat.len() != times_h.len() * n {
            return Err(format!(
                "imaging history: {} values for {} states of {n} voxels",
                flat.len(),
                times_h.len()
            ));
        }
        if times_h.windows(2).any(|w| w[1] <= w[0]) || times_h.iter().any(|t| !t.is_finite()) {
            return Err("imaging history: times must be finite and increasing".into());
        }
        if flat.iter().any(|m| !(0.0..=1.0).contains(m)) {
            return Err("imaging history: mineral fractions must be in [0, 1]".into());
        }
        self.states = if n == 0 {
            vec![Vec::new(); times_h.len()]
        } else {
            flat.chunks(n).map(<[f64]>::to_vec).collect()
        };
        self.images = vec![OnceLock::new(); times_h.len()];
        self.times_h = times_h;
        Ok(())
    }

    /// Keeps `mineral` as the state at `time_h` if it is the first or the
    /// time has crossed a multiple of the interval since the last, then
    /// forgets the states no site can need any more (all but the last one at
    /// or before `time_h` − the spread).
    pub fn record(&mut self, time_h: f64, mineral: &[f64]) {
        let Some(p) = &self.params else {
            return;
        };
        let every_h = p.history_every_days * 24.0;
        let spread_h = p.site_onset_spread_days * 24.0;
        let period = |t: f64| (t / every_h + 1e-9).floor();
        let due = self
            .times_h
            .last()
            .is_none_or(|&last| period(time_h) > period(last));
        if !due {
            return;
        }
        self.times_h.push(time_h);
        self.states.push(mineral.to_vec());
        self.images.push(OnceLock::new());
        let old = self
            .times_h
            .iter()
            .skip(1)
            .take_while(|&&t| t <= time_h - spread_h)
            .count();
        if old > 0 {
            self.times_h.drain(..old);
            self.states.drain(..old);
            self.images.drain(..old);
        }
    }

    /// What site with onset delay `delay_h` reads at `time_h`: up to two
    /// (state, coefficient) pairs, state 0 the current wall and `k + 1` the
    /// k-th kept state; the wall at `time_h − delay_h`, linear in time
    /// between the states around it, the first state before it.
    pub fn sources(&self, time_h: f64, delay_h: f64) -> [(usize, f64); 2] {
        const NOW: [(usize, f64); 2] = [(0, 1.0), (0, 0.0)];
        let t = &self.times_h;
        let Some(&last) = t.last() else {
            return NOW;
        };
        let src = time_h - delay_h;
        if src >= last {
            if time_h <= last {
                return NOW;
            }
            let w = (src - last) / (time_h - last);
            return if w >= 1.0 {
                NOW
            } else {
                [(t.len(), 1.0 - w), (0, w)]
            };
        }
        if src <= t[0] {
            return [(1, 1.0), (0, 0.0)];
        }
        let a = t.partition_point(|&x| x <= src) - 1;
        let w = (src - t[a]) / (t[a + 1] - t[a]);
        [(a + 1, 1.0 - w), (a + 2, w)]
    }

    /// The images of state `k`, made by `make` from its mineral field
    /// (cached when `p` is the history's readout).
    pub fn images(
        &self,
        k: usize,
        p: &ImagingParams,
        make: impl FnOnce(&[f64]) -> StateImages,
    ) -> Cow<'_, StateImages> {
        if self.params.as_ref() == Some(p) {
            Cow::Borrowed(self.images[k].get_or_init(|| make(&self.states[k])))
        } else {
            Cow::Owned(make(&self.states[k]))
        }
    }
}

/// The images of one state of the wall that the CT readout composes
/// (`crate::imaging`, made by its sampling of the segment).
#[derive(Debug, Clone, PartialEq)]
pub struct StateImages {
    /// `(pixel, mineral mm³ per mm along the axis)` of arc site `i` and
    /// patch row `iz` at `i * nz + iz`, in pixel order.
    pub rows: Vec<Vec<(u32, f64)>>,
    /// The sum of each row's mineral.
    pub volumes: Vec<f64>,
    /// Σ mineral fraction × radius over the wall voxels (for the cap).
    pub mineral_r: f64,
}
