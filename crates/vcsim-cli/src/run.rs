//! The `run` and `check` commands.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vcsim_core::{Observer, StepContext};
use vcsim_hdf5::{
    CellColumn, CheckpointMeta, GridInfo, Provenance, RunInfo, RunReader, RunWriter, SeriesGroup,
    read_checkpoint, write_checkpoint, write_xdmf,
};
use vcsim_rules::scenario::params::ImagingParams;
use vcsim_rules::sim::{CellTable, CellValues, SNAPSHOT_VERSION};
use vcsim_rules::{Override, Scenario, Simulation, Summary, World};

use crate::ownership::OutputLock;

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
/// `path` may also name a built-in preset (`ckd5d`) when no such file exists;
/// files that the scenario `extends` are read relative to its directory.
pub fn load_scenario(path: &Path, seed: Option<u64>, sets: &[String]) -> Result<Scenario> {
    let preset = path
        .to_str()
        .filter(|_| !path.exists())
        .and_then(vcsim_rules::presets::scenario);
    let (text, origin) = match preset {
        Some(text) => (text.to_owned(), format!("preset '{}'", path.display())),
        None => (read_text(path)?, path.display().to_string()),
    };
    let mut overrides = Vec::with_capacity(sets.len() + 1);
    for s in sets {
        if let Some(c) = s.chars().find(|c| c.is_control()) {
            bail!(
                "--set {s:?}: the text contains the control character {c:?} (a newline?); give one KEY=VALUE per --set, on one line"
            );
        }
        let o = Override::parse(s)?;
        if o.value.is_table() {
            bail!(
                "--set '{s}': the value is a table, which would replace the whole section '{}' and reset its other keys to their defaults; set its keys one by one, e.g. --set {}.KEY=VALUE",
                o.path.join("."),
                o.path.join(".")
            );
        }
        overrides.push(o);
    }
    if let Some(seed) = seed {
        if seed > i64::MAX as u64 {
            bail!(
                "--seed {seed}: seeds go from 0 to {} (2^63 - 1): the resolved config is TOML, whose integers are signed 64-bit",
                i64::MAX
            );
        }
        overrides.push(Override::parse(&format!("simulation.seed={seed}"))?);
    }
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut read_parent = |name: &str| -> std::result::Result<(String, String), String> {
        let p = dir.join(name);
        read_text(&p)
            .map(|t| (p.display().to_string(), t))
            .map_err(|e| format!("{e:#} (paths are relative to the scenario file)"))
    };
    Ok(Scenario::from_toml_with(
        &text,
        &origin,
        &overrides,
        &mut read_parent,
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
    check_resources(&scenario)?;
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
    Ok(())
}

/// Refuses to overwrite an existing file that is not a run file (called with
/// the output's lock held, so that a file being created by a previous owner
/// is not mistaken for someone else's).
fn check_overwrite(output: &Path, force: bool) -> Result<()> {
    if output.exists() {
        let mut magic = [0u8; 8];
        let mut head = Vec::new();
        let _ = std::fs::File::open(output).and_then(|f| f.take(8).read_to_end(&mut head));
        magic[..head.len()].copy_from_slice(&head);
        let is_hdf5 = &magic == b"\x89HDF\r\n\x1a\n";
        // A run killed while creating its file leaves it empty (or with its
        // superblock not yet written): nothing to lose, and the rerun must go on.
        let unwritten = head.iter().all(|&b| b == 0);
        if !is_hdf5 && !unwritten {
            bail!(
                "refusing to overwrite '{}': it exists and is not an HDF5 file; choose another output path",
                output.display()
            );
        }
        if is_hdf5 && !force && is_complete_run(output) {
            let ckpt = output.with_extension("ckpt.h5");
            let resume = if ckpt.exists() {
                format!(", `vcsim run --resume {}` to continue it", ckpt.display())
            } else {
                String::new()
            };
            bail!(
                "refusing to replace '{}': it holds a finished run; pass --force to replace it{resume}, or choose another output path",
                output.display()
            );
        }
    }
    Ok(())
}

/// True if `path` is a run file that reads back (checked in a child process
/// first) and holds every step of the configuration recorded in it: the
/// output of a finished run, which `--force` must be given to replace. A
/// partial file (a killed run) or a damaged one is not: rerunning replaces it.
fn is_complete_run(path: &Path) -> bool {
    if crate::verify::verify_isolated(path).is_err() {
        return false;
    }
    let Ok(reader) = RunReader::open(path) else {
        return false;
    };
    let (Ok(config), Ok(t)) = (reader.config_toml(), reader.series("time_h")) else {
        return false;
    };
    Scenario::from_toml(&config, "recorded config", &[])
        .is_ok_and(|s| t.len() as u64 == s.n_steps() + 1)
}

/// Most worker threads accepted per core: more only adds switching, and
/// tens of thousands of threads exhaust the process limits.
const THREADS_PER_CORE: usize = 8;

/// Refuses thread counts that cannot help: 0, or far more than the cores.
pub fn check_threads(threads: Option<usize>) -> Result<()> {
    let Some(n) = threads else {
        // Without --threads, rayon takes RAYON_NUM_THREADS: the same bounds.
        return match std::env::var("RAYON_NUM_THREADS") {
            Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
                Ok(0) => Ok(()),
                Ok(n) => check_threads(Some(n)).with_context(|| format!("RAYON_NUM_THREADS = {v}")),
                Err(_) => bail!("RAYON_NUM_THREADS = '{v}' is not a thread count"),
            },
            _ => Ok(()),
        };
    };
    if n == 0 {
        bail!("--threads must be at least 1");
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let max = (THREADS_PER_CORE * cores).max(64);
    if n > max {
        bail!(
            "--threads {n}: this machine has {cores} cores; at most {max} threads are accepted ({THREADS_PER_CORE} per core, at least 64)"
        );
    }
    Ok(())
}

/// Longest file name most file systems accept, bytes.
const NAME_MAX: usize = 255;

/// The files a run writes beside `OUT.h5` must have names the file system
/// accepts; checked before the run, not when the first checkpoint is due.
fn check_derived_names(output: &Path) -> Result<()> {
    let ckpt = checkpoint_path(output);
    let derived = [
        output.to_path_buf(),
        crate::ownership::lock_path(output),
        output.with_extension("xmf"),
        output.with_extension("h5.resume-tmp"),
        ckpt_tmp_path(&ckpt),
    ];
    for p in &derived {
        let len = p.file_name().map_or(0, |n| n.len());
        if len > NAME_MAX {
            bail!(
                "the output name '{}' is too long: the run also writes '{}' ({len} bytes; file names have at most {NAME_MAX}); choose a shorter name",
                output.display(),
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `OUT.ckpt.h5` → `OUT.ckpt.h5.tmp`, where a checkpoint is written before its rename.
fn ckpt_tmp_path(ckpt: &Path) -> PathBuf {
    let mut name = ckpt
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    ckpt.with_file_name(name)
}

/// Removes what an earlier run on this output left half-written (called
/// with the output's lock held, so nobody else is writing them).
fn remove_leftovers(output: &Path) {
    let _ = std::fs::remove_file(ckpt_tmp_path(&checkpoint_path(output)));
    let _ = std::fs::remove_file(output.with_extension("h5.resume-tmp"));
}

/// Bytes of memory a run takes per voxel: the slope of the peak RSS over
/// lattice size, measured at 173 B/voxel on 2-D walls and 57 B/voxel on 3-D
/// walls of the smoke scenario (release build; solutes f32, mineral f64,
/// solver and reactions scratch, cells, a frame field in flight), rounded up.
const BYTES_PER_VOXEL: f64 = 180.0;

/// Memory the system can give a process now (MemAvailable), bytes.
fn available_memory() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

/// Refuses a scenario that cannot run: no step at all, or a lattice larger
/// than the memory of this machine (estimated before anything is allocated).
pub fn check_resources(scenario: &Scenario) -> Result<()> {
    if scenario.n_steps() == 0 {
        bail!(
            "simulation.duration_days = {} is shorter than half a step (simulation.dt_h = {} h): the run would take no step; expected at least {} days",
            scenario.simulation.duration_days,
            scenario.simulation.dt_h,
            scenario.simulation.dt_h / 24.0
        );
    }
    let voxels = scenario.estimated_voxels();
    let needed = voxels * BYTES_PER_VOXEL;
    let available = available_memory();
    let limit = std::env::var("VCSIM_MEMORY_LIMIT_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .or(available);
    if let Some(limit) = limit
        && (needed > limit || needed.is_nan())
    {
        bail!(
            "the lattice of {voxels:.3e} voxels needs about {:.1} GB of memory, but this machine has {:.1} GB available; reduce geometry.circumference_um, geometry.axial_um or the wall thickness, or raise geometry.dx_um",
            needed / 1e9,
            limit / 1e9
        );
    }
    Ok(())
}

/// Checks the stop plan against the run: a stop step inside the run.
fn check_plan(plan: &CheckpointPlan, scenario: &Scenario) -> Result<()> {
    let n = scenario.n_steps();
    if let Some(s) = plan.stop_at
        && (s == 0 || s >= n)
    {
        bail!(
            "--stop-at-step {s}: the run has {n} steps; expected a step from 1 to {}",
            n.saturating_sub(1)
        );
    }
    Ok(())
}

/// Bytes free on the file system holding `path`, if it can be told.
fn free_bytes_near(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: a valid NUL-terminated path and a writable statvfs struct.
    if unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) } != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

/// This machine's host name.
pub fn host_name() -> String {
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
            crate::elog!(
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

/// When and how a run saves its state.
#[derive(Debug, Clone, Default)]
pub struct CheckpointPlan {
    /// Save every N steps.
    pub every: Option<u64>,
    /// Save at this step and stop (exit 0).
    pub stop_at: Option<u64>,
    /// Save and stop (exit 75) once this much wall time has passed.
    pub max_wall: Option<Duration>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every step was taken.
    Completed,
    /// Stopped at `--stop-at-step` after a checkpoint.
    Stopped,
    /// Stopped at `--max-wall` after a checkpoint: exit code 75.
    WallLimit,
}

/// The longest `--max-wall`: a year and a day.
const MAX_WALL_S: f64 = 366.0 * 86400.0;

/// Parses a duration such as `23h50m`, `90m`, `45s`, `2d` or `1h30m15s`.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let mut total = 0.0;
    let mut number = String::new();
    let mut any = false;
    for ch in t.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            'd' => 86400.0,
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => bail!(
                "--max-wall '{text}': unknown unit '{ch}'; expected a duration such as 23h50m, 90m or 45s"
            ),
        };
        let v: f64 = number.parse().map_err(|_| {
            anyhow::anyhow!("--max-wall '{text}': expected a number before '{ch}', e.g. 23h50m")
        })?;
        total += v * unit;
        number.clear();
        any = true;
    }
    if !number.is_empty() || !any {
        bail!("--max-wall '{text}': every number needs a unit (d, h, m, s), e.g. 23h50m");
    }
    if !(total.is_finite() && total <= MAX_WALL_S) {
        bail!(
            "--max-wall '{text}': at most {} days (366d); for no limit leave --max-wall out",
            MAX_WALL_S / 86400.0
        );
    }
    Duration::try_from_secs_f64(total)
        .map_err(|_| anyhow::anyhow!("--max-wall '{text}': not a duration"))
}

/// `OUT.h5` → `OUT.ckpt.h5`.
pub fn checkpoint_path(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".h5").unwrap_or(&name);
    output.with_file_name(format!("{stem}.ckpt.h5"))
}

/// `OUT.ckpt.h5` → `OUT.h5`, if the name has that form.
fn output_of_checkpoint(ckpt: &Path) -> Option<PathBuf> {
    let name = ckpt.file_name()?.to_string_lossy().into_owned();
    name.strip_suffix(".ckpt.h5")
        .map(|stem| ckpt.with_file_name(format!("{stem}.h5")))
}

/// Why the step loop stopped early.
#[derive(Debug)]
enum Halt {
    Stop(RunEnd),
    Fail(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Halt {
    fn from(e: E) -> Self {
        Halt::Fail(e.into())
    }
}

/// Group of the patient's serum series.
pub const SERUM: &str = vcsim_rules::records::SERIES_GROUPS[1].group;
/// Group of the patient's bone series.
pub const BONE: &str = vcsim_rules::records::SERIES_GROUPS[2].group;

/// The series groups of a run file (`vcsim_rules::records::SERIES_GROUPS`:
/// `/timeseries`, `/serum`, `/bone`, `/clinical`), in the order of `World::series_rows`.
fn series_groups() -> Vec<SeriesGroup<'static>> {
    vcsim_rules::records::SERIES_GROUPS
        .iter()
        .map(|g| SeriesGroup {
            group: g.group,
            names: g.names,
            units: g.units,
            docs: g.docs,
        })
        .collect()
}

/// One row of every series group: the summary `s` of `world`, its serum and
/// bone, and what a CT of the vessel reads. The CT reading costs more than a
/// step, so it is taken once per simulated day (steps that are whole
/// multiples of `every` steps) and at the last step; other rows hold NaN
/// (a rule of the step alone, so resumed runs write the same rows).
fn series_rows(world: &World, s: &Summary, c: &ClinicalCadence) -> [Vec<f64>; 4] {
    let due = c.tissue && (world.step.is_multiple_of(c.every) || world.step == c.last);
    let record = world.clinical_record(&c.imaging, c.seed, due);
    world.series_rows(s, &record)
}

/// When and how the `/clinical` reading is taken.
#[derive(Debug, Clone)]
struct ClinicalCadence {
    /// The vessel and scanner (`[imaging]`).
    imaging: ImagingParams,
    /// The run's seed (`simulation.seed`), from which the sites of the
    /// vessel are drawn: the same pattern at every reading.
    seed: u64,
    /// Tissue mode (culture has no vessel: always NaN).
    tissue: bool,
    /// Steps per simulated day (at least 1).
    every: u64,
    /// The run's last step.
    last: u64,
}

/// Appends one row of every series group.
fn append_rows(writer: &mut RunWriter, rows: &[Vec<f64>]) -> Result<()> {
    let slices: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
    writer.append_series(&slices)?;
    Ok(())
}

/// Records a run into its HDF5 file: a row of every series group (summary,
/// serum, bone) after every step, a frame every `frame_every` steps and after
/// the last, checkpoints as planned, and the progress display.
struct Recorder {
    writer: RunWriter,
    output: PathBuf,
    frame_every: u64,
    n_steps: u64,
    threshold: f64,
    /// When and how the `/clinical` reading is taken.
    imaging: ClinicalCadence,
    progress: Progress,
    plan: CheckpointPlan,
    ckpt_meta: CheckpointMeta,
    started: Instant,
    /// Frames in the output so far (the `frame` column of `/cells`).
    frames_written: u32,
    /// `--svg DIR`: every frame also as a picture, and the scenario's name for its title.
    svg: Option<(PathBuf, String)>,
}

impl Recorder {
    /// Row 0 and frame 0: the state before the first step.
    fn record_start(&mut self, world: &World) -> Result<()> {
        let s = world.summary(self.threshold);
        append_rows(&mut self.writer, &series_rows(world, &s, &self.imaging))?;
        self.write_frame(world)
    }

    fn write_frame(&mut self, world: &World) -> Result<()> {
        // One derived map and one piece of the cell table at a time: the
        // frame never exists whole in memory.
        self.writer
            .write_frame_from(world.time_h(), world.step, |i| world.frame_field(i))?;
        // At least one call, so that `/cells` exists even without cells.
        let (n, mut lo) = (world.cells.len(), 0);
        loop {
            let hi = (lo + CELL_ROWS_PER_WRITE).min(n);
            let cells = world.cell_table_rows(lo..hi);
            let index = vec![self.frames_written; hi - lo];
            let time = vec![world.time_h(); hi - lo];
            write_cells(&mut self.writer, &index, &time, &cells)?;
            lo = hi;
            if lo >= n {
                break;
            }
        }
        if let Some((dir, name)) = &self.svg {
            crate::svg::write_snapshot(dir, self.frames_written, world, name)?;
        }
        self.frames_written += 1;
        // The frame's cell rows reach the disk with it: a run killed before
        // the next frame loses at most the frame in flight.
        self.writer.flush()?;
        Ok(())
    }

    fn checkpoint(&mut self, world: &World) -> Result<()> {
        // The output must hold everything up to the checkpoint before it exists.
        self.writer.flush()?;
        let snapshot = world.snapshot();
        // The new checkpoint is written beside the old one: refuse before
        // writing anything when the file system cannot hold it, so that a
        // full disk leaves both the output and the previous checkpoint whole.
        let bytes: u64 = snapshot.columns.iter().map(|(_, c)| column_bytes(c)).sum();
        self.writer
            .ensure_room(bytes + bytes / 8 + (1 << 20), "the checkpoint")?;
        write_checkpoint(&checkpoint_path(&self.output), &self.ckpt_meta, &snapshot)?;
        Ok(())
    }
}

impl Observer<World> for Recorder {
    type Error = Halt;

    fn after_step(&mut self, world: &World, _ctx: &StepContext) -> Result<(), Halt> {
        let s = world.summary(self.threshold);
        let valid = s
            .check_finite()
            .and_then(|()| vcsim_rules::invariants::check_step(world));
        if let Err(what) = valid {
            return Err(Halt::Fail(anyhow::anyhow!(
                "the simulation left its physically valid range at step {} ({what}); the parameters are outside the range where the model holds. The output up to the previous step is in '{}'",
                world.step,
                self.output.display()
            )));
        }
        append_rows(&mut self.writer, &series_rows(world, &s, &self.imaging))?;
        let done = world.step;
        if done.is_multiple_of(self.frame_every) || done == self.n_steps {
            self.write_frame(world)?;
        }
        self.progress.update(done, &s);
        if done == self.n_steps {
            return Ok(());
        }
        if self.plan.stop_at == Some(done) {
            self.checkpoint(world)?;
            return Err(Halt::Stop(RunEnd::Stopped));
        }
        if self
            .plan
            .max_wall
            .is_some_and(|m| self.started.elapsed() >= m)
        {
            self.checkpoint(world)?;
            return Err(Halt::Stop(RunEnd::WallLimit));
        }
        if self
            .plan
            .every
            .is_some_and(|n| n > 0 && done.is_multiple_of(n))
        {
            self.checkpoint(world)?;
        }
        Ok(())
    }
}

/// Bytes of a snapshot column.
fn column_bytes(c: &vcsim_core::Column) -> u64 {
    use vcsim_core::Column;
    let b = match c {
        Column::F32(v) => std::mem::size_of_val(v.as_slice()),
        Column::F64(v) => std::mem::size_of_val(v.as_slice()),
        Column::U64(v) => std::mem::size_of_val(v.as_slice()),
        Column::U32(v) => std::mem::size_of_val(v.as_slice()),
        Column::U8(v) => std::mem::size_of_val(v.as_slice()),
    };
    b as u64
}

/// Cell rows handed to the writer at once (about 0.8 MB of columns).
const CELL_ROWS_PER_WRITE: usize = 1 << 14;

/// Writes the `/cells` rows of one frame.
fn write_cells(writer: &mut RunWriter, frame: &[u32], time_h: &[f64], t: &CellTable) -> Result<()> {
    let mut columns = vec![
        ("frame", "1", CellColumn::U32(frame)),
        ("time_h", "h", CellColumn::F64(time_h)),
    ];
    for c in &t.columns {
        let values = match &c.values {
            CellValues::U64(v) => CellColumn::U64(v),
            CellValues::U8(v) => CellColumn::U8(v),
            CellValues::F32(v) => CellColumn::F32(v),
        };
        columns.push((c.name, c.unit, values));
    }
    writer.write_cells(&columns)?;
    Ok(())
}

/// The phenotype map of `/fields` as a categorical variable (CF
/// `flag_values`/`flag_meanings`): −1 no cell, then the phenotype codes.
fn mark_categories(writer: &mut RunWriter) -> Result<()> {
    use vcsim_rules::tissue::cells::Phenotype;
    let mut values = vec![-1.0f32];
    let mut meanings = vec!["no_cell"];
    for p in Phenotype::ALL {
        values.push(f32::from(p as u8));
        meanings.push(p.name());
    }
    writer.set_field_categories("phenotype", &values, &meanings)?;
    Ok(())
}

/// What a run starts from.
pub enum Start<'a> {
    /// A scenario file with overrides.
    Fresh {
        config: &'a Path,
        seed: Option<u64>,
        sets: &'a [String],
    },
    /// A checkpoint.
    Resume { checkpoint: &'a Path },
}

/// Copies what the interrupted run wrote up to `step` (the rows of every
/// series group, frames, cells, regions) into a new file at `output`, so that
/// the resumed run appends to exactly what the uninterrupted run would have
/// written.
fn rebuild_output(
    output: &Path,
    step: u64,
    info: &RunInfo,
    grid: &GridInfo,
    fields: &[(&str, &str)],
    series: &[SeriesGroup<'_>],
) -> Result<(RunWriter, u32)> {
    let old = RunReader::open(output).with_context(|| {
        format!(
            "cannot resume: the output '{}' of the interrupted run cannot be read",
            output.display()
        )
    })?;
    if old.config_toml()? != info.config_toml {
        bail!(
            "cannot resume: '{}' was written by a run with another configuration than the checkpoint",
            output.display()
        );
    }
    let rows = (step + 1) as usize;
    // Every series of every group, as columns.
    let mut groups: Vec<Vec<Vec<f64>>> = Vec::with_capacity(series.len());
    for g in series {
        let columns: Vec<Vec<f64>> = g
            .names
            .iter()
            .map(|n| old.series_rows_in(g.group, n, rows))
            .collect::<Result<_, _>>()
            .with_context(|| {
                format!(
                    "cannot resume: '{}' lacks the series of /{} that this run writes",
                    output.display(),
                    g.group
                )
            })?;
        if columns.iter().any(|c| c.len() < rows) {
            bail!(
                "cannot resume: '{}' holds fewer rows in /{} than the checkpoint's step {step}",
                output.display(),
                g.group
            );
        }
        groups.push(columns);
    }
    let frame_steps = old.frame_steps()?;
    let frame_times = old.frame_times_h()?;
    let tmp = output.with_extension("h5.resume-tmp");
    let mut writer = RunWriter::create(&tmp, info, grid, fields, series)?;
    let lattice_regions = old.regions()?;
    writer.write_regions(
        &lattice_regions.0,
        &lattice_regions
            .1
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
    )?;
    mark_categories(&mut writer)?;
    for r in 0..rows {
        let row: Vec<Vec<f64>> = groups
            .iter()
            .map(|columns| columns.iter().map(|c| c[r]).collect())
            .collect();
        append_rows(&mut writer, &row)?;
    }
    // The cell rows of the frames to copy: the `frame` column is read in
    // pieces until a row of a later frame shows up, so that rows after the
    // checkpoint (which a kill may have damaged) are never read.
    let last_frame = frame_steps.iter().take_while(|&&fs| fs <= step).count();
    let total = old.cell_rows()?;
    let mut cell_frame: Vec<u32> = Vec::new();
    while cell_frame.len() < total && cell_frame.last().is_none_or(|&f| (f as usize) < last_frame) {
        let lo = cell_frame.len();
        cell_frame.extend(old.cell_column_rows::<u32>("frame", lo, lo + CELL_ROWS_PER_WRITE)?);
    }
    let needed = cell_frame.partition_point(|&f| (f as usize) < last_frame);
    cell_frame.truncate(needed);
    let cell_time: Vec<f64> = old.cell_column_rows("time_h", 0, needed)?;
    let mut all = CellTable {
        columns: CellTable::layout(),
    };
    for c in &mut all.columns {
        c.values = match c.values {
            CellValues::U64(_) => CellValues::U64(old.cell_column_rows(c.name, 0, needed)?),
            CellValues::U8(_) => CellValues::U8(old.cell_column_rows(c.name, 0, needed)?),
            CellValues::F32(_) => CellValues::F32(old.cell_column_rows(c.name, 0, needed)?),
        };
    }
    let mut copied = 0u32;
    for (k, (&fs, &ft)) in frame_steps.iter().zip(&frame_times).enumerate() {
        if fs > step {
            break;
        }
        let frame: Vec<Vec<f32>> = fields
            .iter()
            .map(|(n, _)| old.field_frame(n, k))
            .collect::<Result<_, _>>()?;
        let slices: Vec<&[f32]> = frame.iter().map(|v| v.as_slice()).collect();
        writer.write_frame(ft, fs, &slices)?;
        // The frame's rows of the cell table, contiguous in frame order.
        let lo = cell_frame.partition_point(|&f| f < k as u32);
        let hi = cell_frame.partition_point(|&f| f <= k as u32);
        let rows = all.slice(lo..hi);
        write_cells(&mut writer, &cell_frame[lo..hi], &cell_time[lo..hi], &rows)?;
        copied += 1;
    }
    writer.flush()?;
    drop(old);
    std::fs::rename(&tmp, output).with_context(|| {
        format!(
            "cannot move the rebuilt output into place at '{}'",
            output.display()
        )
    })?;
    Ok((writer, copied))
}

/// `vcsim run`. `lock` is the output's lock when the caller (a sweep task)
/// took it already; otherwise the run takes it before touching any file.
/// `force`: replace an existing run file at `output` (refused otherwise).
pub fn run(
    start: Start<'_>,
    output: Option<&Path>,
    threads: Option<usize>,
    progress: ProgressMode,
    plan: CheckpointPlan,
    lock: Option<OutputLock>,
    force: bool,
    svg: Option<&Path>,
) -> Result<RunEnd> {
    let started = Instant::now();
    let started_unix_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    check_threads(threads)?;
    let (scenario, output, restored, _lock) = match start {
        Start::Fresh { config, seed, sets } => {
            let scenario = load_scenario(config, seed, sets)?;
            let output =
                output.ok_or_else(|| anyhow::anyhow!("an output file is needed: -o OUT.h5"))?;
            check_output_path(output, config)?;
            check_derived_names(output)?;
            check_resources(&scenario)?;
            check_plan(&plan, &scenario)?;
            let lock = match lock {
                Some(l) => l,
                None => OutputLock::acquire(output)?,
            };
            check_overwrite(output, force)?;
            remove_leftovers(output);
            (scenario, output.to_path_buf(), None, lock)
        }
        Start::Resume { checkpoint } => {
            let output = match output {
                Some(o) => o.to_path_buf(),
                None => output_of_checkpoint(checkpoint).ok_or_else(|| {
                    anyhow::anyhow!(
                        "cannot tell the output file from '{}': give it with -o OUT.h5",
                        checkpoint.display()
                    )
                })?,
            };
            check_derived_names(&output)?;
            // Owned before the checkpoint is read: its owner may be replacing it.
            let lock = match lock {
                Some(l) => l,
                None => OutputLock::acquire(&output)?,
            };
            remove_leftovers(&output);
            // libhdf5 cannot survive every damaged file: a child process reads
            // the checkpoint first, so a crash there is an error message here.
            crate::verify::verify_isolated(checkpoint)
                .with_context(|| format!("cannot resume from '{}'", checkpoint.display()))?;
            let (meta, snap) = read_checkpoint(checkpoint)
                .with_context(|| format!("cannot resume from '{}'", checkpoint.display()))?;
            let version = env!("CARGO_PKG_VERSION");
            if meta.vcsim_version != version || meta.snapshot_version != SNAPSHOT_VERSION {
                bail!(
                    "cannot resume from '{}': it was written by vcsim {} (snapshot layout {}), this is vcsim {version} (layout {SNAPSHOT_VERSION})",
                    checkpoint.display(),
                    meta.vcsim_version,
                    meta.snapshot_version
                );
            }
            let scenario = Scenario::from_toml(
                &meta.config_toml,
                &format!("{} (config)", checkpoint.display()),
                &[],
            )?;
            if scenario.simulation.seed != meta.seed {
                bail!(
                    "cannot resume from '{}': its seed attribute ({}) differs from the seed of its config ({}); the checkpoint was edited",
                    checkpoint.display(),
                    meta.seed,
                    scenario.simulation.seed
                );
            }
            check_resources(&scenario)?;
            check_plan(&plan, &scenario)?;
            (scenario, output, Some(snap), lock)
        }
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("cannot start the worker threads")?;
    let mut sim = match restored {
        Some(snap) => {
            let sim = Simulation::from_snapshot(&scenario, snap)
                .context("cannot resume: the checkpoint does not fit its own configuration")?;
            vcsim_rules::invariants::check_restored(&sim.world, scenario.n_steps()).map_err(
                |what| {
                    anyhow::anyhow!(
                        "cannot resume into '{}': the checkpoint's state is not physically valid ({what}); it is damaged or was edited",
                        output.display()
                    )
                },
            )?;
            sim
        }
        None => Simulation::new(&scenario)?,
    };
    let lattice = sim.world.lattice.clone();
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
    let series = series_groups();
    let resumed_at = sim.world.step;
    let rebuilt = if resumed_at > 0 {
        // The output was read whole by a child first: if libhdf5 survived it,
        // reading the part before the checkpoint here cannot crash, and
        // damage after the checkpoint (where a kill strikes) does not matter.
        match crate::verify::survivable(&output)
            .and_then(|()| rebuild_output(&output, resumed_at, &info, &grid, &fields, &series))
        {
            Ok(w) => Some(w),
            Err(e) => {
                // The output lost what the checkpoint needs (a kill in the
                // middle of a write, a full disk): recompute it from step 0,
                // which gives the same bits as the lost part.
                crate::elog!(
                    "vcsim: the output '{}' cannot be continued ({e:#}); recomputing it from step 0",
                    output.display()
                );
                sim = Simulation::new(&scenario)?;
                None
            }
        }
    } else {
        None
    };
    let resumed_at = sim.world.step;
    let (writer, frames_written) = if let Some(w) = rebuilt {
        w
    } else {
        let mut w = RunWriter::create(&output, &info, &grid, &fields, &series)?;
        let codes: Vec<u8> = lattice.region.iter().map(|r| *r as u8).collect();
        let names: Vec<&str> = vcsim_core::Region::ALL.iter().map(|r| r.name()).collect();
        w.write_regions(&codes, &names)?;
        mark_categories(&mut w)?;
        (w, 0)
    };
    let n_steps = scenario.n_steps();
    let mut recorder = Recorder {
        writer,
        output: output.clone(),
        frame_every: scenario.frame_every_steps(),
        n_steps,
        threshold: scenario.mineral.calcified_fraction,
        imaging: ClinicalCadence {
            imaging: scenario.imaging.clone(),
            seed: scenario.simulation.seed,
            tissue: scenario.mode == vcsim_rules::scenario::Mode::Tissue,
            every: ((24.0 / scenario.simulation.dt_h).round() as u64).max(1),
            last: n_steps,
        },
        progress: Progress::new(progress, n_steps),
        plan,
        ckpt_meta: CheckpointMeta {
            config_toml: info.config_toml.clone(),
            vcsim_version: info.vcsim_version.clone(),
            snapshot_version: SNAPSHOT_VERSION,
            seed: info.seed,
        },
        started,
        frames_written,
        svg: svg.map(|d| (d.to_path_buf(), scenario.name.clone())),
    };
    // --max-wall budgets the step loop, not the output rebuild before it.
    recorder.started = Instant::now();
    let outcome = pool.install(|| -> Result<RunEnd, Halt> {
        if resumed_at == 0 {
            recorder.record_start(&sim.world)?;
        }
        sim.run(n_steps.saturating_sub(resumed_at), &mut recorder)?;
        Ok(RunEnd::Completed)
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
        steps_run: sim.world.step - resumed_at,
        stage_names: times.names.iter().map(|s| s.to_string()).collect(),
        stage_seconds: times.seconds.clone(),
        started_unix_s,
    };
    // Record provenance and close the file even when the loop failed, so
    // that what was written stays readable.
    let closed = writer
        .write_provenance(&provenance)
        .and_then(|()| writer.finish());
    let end = match outcome {
        Ok(end) | Err(Halt::Stop(end)) => end,
        Err(Halt::Fail(e)) => {
            // A write that failed on a full file system: say so, and how to go on.
            if free_bytes_near(&output).is_some_and(|b| b < (4 << 20)) {
                return Err(e.context(format!(
                    "the file system holding '{}' is full: free some space, then resume with `vcsim run --resume {}` (or run again if there is no checkpoint)",
                    output.display(),
                    checkpoint_path(&output).display()
                )));
            }
            return Err(e);
        }
    };
    closed?;
    // The ParaView sidecar: OUT.xmf beside OUT.h5.
    write_xdmf(&output, &output.with_extension("xmf"))?;
    let s = sim.world.summary(scenario.mineral.calcified_fraction);
    let what = match end {
        RunEnd::Completed => "wrote".to_string(),
        RunEnd::Stopped => format!(
            "stopped at step {} (checkpoint '{}'); wrote",
            sim.world.step,
            checkpoint_path(&output).display()
        ),
        RunEnd::WallLimit => format!(
            "reached --max-wall at step {} (checkpoint '{}'); wrote",
            sim.world.step,
            checkpoint_path(&output).display()
        ),
    };
    crate::elog!(
        "vcsim: {what} '{}': {} steps ({:.1} d) in {:.1} s on {} threads; osteogenic {}, contractile {}, calcified {:.2}% of the media and laminae",
        output.display(),
        sim.world.step,
        s.time_h / 24.0,
        provenance.wall_time_s,
        provenance.threads,
        s.n_osteogenic,
        s.n_contractile,
        100.0 * s.calcified_fraction
    );
    Ok(end)
}
