//! The `run` and `check` commands.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vcsim_core::{Observer, StepContext};
use vcsim_hdf5::{GridInfo, Provenance, RunInfo, RunWriter};
use vcsim_rules::{Override, Scenario, Simulation, Summary, World};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, log lines otherwise.
    Auto,
    /// Always a bar.
    Bar,
    /// Plain log lines (cluster jobs).
    Log,
    /// Nothing.
    None,
}

/// Reads and validates a scenario file with its overrides.
pub fn load_scenario(path: &Path, seed: Option<u64>, sets: &[String]) -> Result<Scenario> {
    let text = read_text(path)?;
    let mut overrides = Vec::with_capacity(sets.len() + 1);
    for s in sets {
        overrides.push(Override::parse(s)?);
    }
    if let Some(seed) = seed {
        overrides.push(Override::parse(&format!("simulation.seed={seed}"))?);
    }
    Ok(Scenario::from_toml(
        &text,
        &path.display().to_string(),
        &overrides,
    )?)
}

fn read_text(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("cannot read config file '{}'", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "config file '{}' is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// `vcsim check`: validate and print the resolved configuration.
pub fn check(config: &Path, seed: Option<u64>, sets: &[String]) -> Result<()> {
    let scenario = load_scenario(config, seed, sets)?;
    let sim = Simulation::new(&scenario)?;
    let [nz, ny, nx] = sim.world.lattice.shape;
    println!(
        "# {}: valid. {} steps of {} h; lattice {nx} x {ny}{} voxels of {} µm; {} cells.",
        config.display(),
        scenario.n_steps(),
        scenario.simulation.dt_h,
        if sim.world.lattice.ndim == 3 {
            format!(" x {nz}")
        } else {
            String::new()
        },
        scenario.geometry.dx_um,
        sim.world.cells.len()
    );
    print!("{}", scenario.to_toml());
    Ok(())
}

/// Refuses outputs that would destroy something that is not a previous run.
fn check_output_path(output: &Path, config: &Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (output.canonicalize(), config.canonicalize())
        && a == b
    {
        bail!(
            "refusing to write the output over the config file '{}'",
            config.display()
        );
    }
    if output.is_dir() {
        bail!(
            "output path '{}' is a directory; expected a file name such as run.h5",
            output.display()
        );
    }
    if let Some(parent) = output.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        bail!(
            "cannot write '{}': the directory '{}' does not exist",
            output.display(),
            parent.display()
        );
    }
    if output.exists() {
        let mut magic = [0u8; 8];
        let is_hdf5 = std::fs::File::open(output)
            .and_then(|mut f| f.read_exact(&mut magic))
            .map(|_| &magic == b"\x89HDF\r\n\x1a\n")
            .unwrap_or(false);
        if !is_hdf5 {
            bail!(
                "refusing to overwrite '{}': it exists and is not an HDF5 file; choose another output path",
                output.display()
            );
        }
    }
    Ok(())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Shows progress as a bar or as periodic log lines.
struct Progress {
    bar: Option<ProgressBar>,
    log: bool,
    total: u64,
    started: Instant,
    last_log: Instant,
    next_fraction: f64,
}

impl Progress {
    fn new(mode: ProgressMode, total: u64) -> Self {
        let tty = std::io::stderr().is_terminal();
        let (bar, log) = match mode {
            ProgressMode::Auto if tty => (true, false),
            ProgressMode::Auto => (false, true),
            ProgressMode::Bar => (true, false),
            ProgressMode::Log => (false, true),
            ProgressMode::None => (false, false),
        };
        let bar = bar.then(|| {
            let b = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps  ETA {eta}  {msg}",
            );
            if let Ok(style) = style {
                b.set_style(style);
            }
            b
        });
        let now = Instant::now();
        Self {
            bar,
            log,
            total,
            started: now,
            last_log: now,
            next_fraction: 0.1,
        }
    }

    fn update(&mut self, done: u64, s: &Summary) {
        let msg = format!(
            "t = {:.1} d, osteogenic {}, calcified {:.2}%",
            s.time_h / 24.0,
            s.n_osteogenic,
            100.0 * s.calcified_fraction
        );
        if let Some(b) = &self.bar {
            b.set_position(done);
            if done.is_multiple_of(16) || done == self.total {
                b.set_message(msg);
            }
            return;
        }
        if !self.log {
            return;
        }
        let fraction = done as f64 / self.total.max(1) as f64;
        let now = Instant::now();
        if fraction >= self.next_fraction
            || now - self.last_log >= Duration::from_secs(60)
            || done == self.total
        {
            while self.next_fraction <= fraction {
                self.next_fraction += 0.1;
            }
            self.last_log = now;
            let elapsed = (now - self.started).as_secs_f64();
            let eta = if done > 0 {
                elapsed / done as f64 * (self.total - done) as f64
            } else {
                0.0
            };
            eprintln!(
                "vcsim: step {done}/{} ({:.0}%), elapsed {elapsed:.1} s, ETA {eta:.1} s, {msg}",
                self.total,
                100.0 * fraction
            );
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish();
        }
    }
}

/// Records a run into its HDF5 file: a summary row after every step, a frame
/// every `frame_every` steps and after the last, and the progress display.
struct Recorder {
    writer: RunWriter,
    output: std::path::PathBuf,
    frame_every: u64,
    n_steps: u64,
    threshold: f64,
    progress: Progress,
}

impl Recorder {
    /// Row 0 and frame 0: the state before the first step.
    fn record_start(&mut self, world: &World) -> Result<()> {
        self.writer
            .append_series(&world.summary(self.threshold).values())?;
        self.write_frame(world)
    }

    fn write_frame(&mut self, world: &World) -> Result<()> {
        let frame = world.frame();
        let slices: Vec<&[f32]> = frame.iter().map(|v| v.as_slice()).collect();
        self.writer
            .write_frame(world.time_h(), world.step, &slices)?;
        Ok(())
    }
}

impl Observer<World> for Recorder {
    type Error = anyhow::Error;

    fn after_step(&mut self, world: &World, _ctx: &StepContext) -> Result<()> {
        let s = world.summary(self.threshold);
        if let Err(what) = s.check_finite() {
            bail!(
                "the simulation became numerically invalid ({what}); the output up to the previous step is in '{}'",
                self.output.display()
            );
        }
        self.writer.append_series(&s.values())?;
        let done = world.step;
        if done.is_multiple_of(self.frame_every) || done == self.n_steps {
            self.write_frame(world)?;
        }
        self.progress.update(done, &s);
        Ok(())
    }
}

/// `vcsim run`.
pub fn run(
    config: &Path,
    seed: Option<u64>,
    sets: &[String],
    output: &Path,
    threads: Option<usize>,
    progress: ProgressMode,
) -> Result<()> {
    let started = Instant::now();
    let started_unix_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let scenario = load_scenario(config, seed, sets)?;
    if threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("cannot start the worker threads")?;
    check_output_path(output, config)?;
    let mut sim = Simulation::new(&scenario)?;
    let lattice = &sim.world.lattice;
    let info = RunInfo {
        config_toml: scenario.to_toml(),
        vcsim_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: scenario.simulation.seed,
        scenario: scenario.name.clone(),
    };
    let grid = GridInfo {
        ndim: lattice.ndim,
        shape: lattice.shape,
        spacing_um: lattice.dx_um,
    };
    let fields = World::frame_fields();
    let series: Vec<(&str, &str)> = Summary::NAMES
        .iter()
        .copied()
        .zip(Summary::UNITS.iter().copied())
        .collect();
    let mut writer = RunWriter::create(output, &info, &grid, &fields, &series)?;
    let codes: Vec<u8> = lattice.region.iter().map(|r| *r as u8).collect();
    let names: Vec<&str> = vcsim_core::Region::ALL.iter().map(|r| r.name()).collect();
    writer.write_regions(&codes, &names)?;

    let n_steps = scenario.n_steps();
    let mut recorder = Recorder {
        writer,
        output: output.to_path_buf(),
        frame_every: scenario.frame_every_steps(),
        n_steps,
        threshold: scenario.mineral.calcified_fraction,
        progress: Progress::new(progress, n_steps),
    };
    let outcome = pool.install(|| -> Result<()> {
        recorder.record_start(&sim.world)?;
        sim.run(n_steps, &mut recorder)
    });
    let Recorder {
        mut writer,
        progress: progress_display,
        ..
    } = recorder;
    progress_display.finish();
    let times = sim.stage_times();
    let provenance = Provenance {
        wall_time_s: started.elapsed().as_secs_f64(),
        host: host_name(),
        threads: pool.current_num_threads(),
        steps_run: sim.world.step,
        stage_names: times.names.iter().map(|s| s.to_string()).collect(),
        stage_seconds: times.seconds.clone(),
        started_unix_s,
    };
    // Record provenance and close the file even when the loop failed, so
    // that what was written stays readable.
    let closed = writer
        .write_provenance(&provenance)
        .and_then(|()| writer.finish());
    outcome?;
    closed?;
    let s = sim.world.summary(scenario.mineral.calcified_fraction);
    eprintln!(
        "vcsim: wrote '{}': {} steps ({:.1} d) in {:.1} s on {} threads; osteogenic {}, contractile {}, calcified {:.2}% of the media and laminae",
        output.display(),
        n_steps,
        s.time_h / 24.0,
        provenance.wall_time_s,
        provenance.threads,
        s.n_osteogenic,
        s.n_contractile,
        100.0 * s.calcified_fraction
    );
    Ok(())
}
