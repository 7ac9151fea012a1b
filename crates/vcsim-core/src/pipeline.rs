//! The step pipeline: an ordered list of named stages with timers, and the
//! observer through which output is recorded.

use std::convert::Infallible;
use std::time::Instant;

/// What every stage knows about the step being taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext {
    /// Index of the step being taken (0 for the first).
    pub step: u64,
    /// Simulated time at the start of the step, h.
    pub time_h: f64,
    /// Length of the step, h.
    pub dt_h: f64,
    /// Seed of the run's random streams.
    pub seed: u64,
}

/// One named stage of a step. Stages cannot fail: anything fallible happens
/// before the run (validation) or after a step (observers).
pub trait Stage<W>: Send {
    /// Name shown in timings and files.
    fn name(&self) -> &'static str;
    /// Advances the stage's part of the world by one step.
    fn run(&mut self, world: &mut W, ctx: &StepContext);
}

/// Wall-clock seconds spent in each stage, accumulated over steps. Timings
/// are provenance: they differ between identical runs and never feed back
/// into the simulation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageTimes {
    /// Stage names, pipeline order.
    pub names: Vec<&'static str>,
    /// Seconds per stage, pipeline order.
    pub seconds: Vec<f64>,
}

/// What [`Pipeline::step_with`] reports to its hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageEvent {
    /// The named stage is about to run.
    Start(&'static str),
    /// The named stage has run.
    End(&'static str),
}

/// An ordered list of stages run one after the other on a world `W`.
pub struct Pipeline<W> {
    stages: Vec<Box<dyn Stage<W>>>,
    times: StageTimes,
}

impl<W> std::fmt::Debug for Pipeline<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("stages", &self.times.names)
            .finish()
    }
}

impl<W> Default for Pipeline<W> {
    fn default() -> Self {
        Self {
            stages: Vec::new(),
            times: StageTimes::default(),
        }
    }
}

impl<W> Pipeline<W> {
    /// An empty pipeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a stage; stages run in the order they were added.
    pub fn push(&mut self, stage: impl Stage<W> + 'static) {
        self.times.names.push(stage.name());
        self.times.seconds.push(0.0);
        self.stages.push(Box::new(stage));
    }

    /// Runs every stage once, in order.
    pub fn step(&mut self, world: &mut W, ctx: &StepContext) {
        self.step_with(world, ctx, |_| {});
    }

    /// Runs every stage once, in order, calling `hook` right before and
    /// right after each stage (tests use it to attribute work to stages).
    pub fn step_with(
        &mut self,
        world: &mut W,
        ctx: &StepContext,
        mut hook: impl FnMut(StageEvent),
    ) {
        for (stage, secs) in self.stages.iter_mut().zip(self.times.seconds.iter_mut()) {
            let name = stage.name();
            hook(StageEvent::Start(name));
            let t0 = Instant::now();
            stage.run(world, ctx);
            *secs += t0.elapsed().as_secs_f64();
            hook(StageEvent::End(name));
        }
    }

    /// Accumulated stage timings.
    pub fn times(&self) -> &StageTimes {
        &self.times
    }
}

/// Receives the world after each step; output writers implement it.
pub trait Observer<W> {
    /// Error of the output medium.
    type Error;
    /// Called after every step with the context of the step just taken.
    fn after_step(&mut self, world: &W, ctx: &StepContext) -> Result<(), Self::Error> {
        let _ = (world, ctx);
        Ok(())
    }
}

/// The observer that records nothing.
impl<W> Observer<W> for () {
    type Error = Infallible;
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Push(&'static str);
    impl Stage<Vec<&'static str>> for Push {
        fn name(&self) -> &'static str {
            self.0
        }
        fn run(&mut self, world: &mut Vec<&'static str>, _: &StepContext) {
            world.push(self.0);
        }
    }

    #[test]
    fn stages_run_in_order_and_are_timed() {
        let mut p = Pipeline::new();
        p.push(Push("a"));
        p.push(Push("b"));
        let mut w = Vec::new();
        let ctx = StepContext {
            step: 0,
            time_h: 0.0,
            dt_h: 1.0,
            seed: 0,
        };
        p.step(&mut w, &ctx);
        let mut events = Vec::new();
        p.step_with(&mut w, &ctx, |e| events.push(e));
        assert_eq!(w, vec!["a", "b", "a", "b"]);
        assert_eq!(
            events,
            [
                StageEvent::Start("a"),
                StageEvent::End("a"),
                StageEvent::Start("b"),
                StageEvent::End("b")
            ]
        );
        assert_eq!(p.times().names, vec!["a", "b"]);
        assert!(p.times().seconds.iter().all(|s| *s >= 0.0));
        let mut o = ();
        assert!(Observer::<Vec<&str>>::after_step(&mut o, &w, &ctx).is_ok());
    }
}
