//! `vcsim verify FILE`: reads every chunk of a run file or checkpoint and
//! says what is damaged; and the isolation that keeps libhdf5 crashes on
//! damaged files out of the main process.
//!
//! libhdf5 trusts the metadata it reads: a flipped bit in an object header
//! can make it dereference garbage (SIGSEGV) or ask for terabytes (abort).
//! Such a file must give an error message, never a signal, so the first
//! reading of an untrusted file (inspect, resume, collect) happens in a child
//! process (`vcsim verify --in-process`), with an address-space limit and a
//! time limit; the parent reports how the child ended.

use anyhow::{Result, bail};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use vcsim_hdf5::{FileKind, verify_file};

/// Time a child may take to read a file before it counts as hung.
fn child_timeout() -> Duration {
    let s = std::env::var("VCSIM_VERIFY_TIMEOUT_S")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1800);
    Duration::from_secs(s)
}

/// Address space a reading child may use: three quarters of the memory
/// available now (at least 2 GiB), so that a file declaring terabytes ends
/// the child, not the machine.
fn child_memory_limit() -> u64 {
    let avail = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30);
    (avail / 4 * 3).max(2 << 30)
}

/// Describes how a child ended, when not by `exit`.
pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV, a segmentation fault",
        libc::SIGABRT => "SIGABRT, an abort",
        libc::SIGBUS => "SIGBUS, a bus error",
        libc::SIGFPE => "SIGFPE, an arithmetic fault",
        libc::SIGILL => "SIGILL",
        libc::SIGKILL => "SIGKILL",
        _ => "a signal",
    };
    format!("signal {sig} ({name})")
}

/// Runs `vcsim ARGS` as a child with the reading limits; returns its status
/// and stderr, or an error when it hung.
pub fn run_isolated(args: &[&std::ffi::OsStr], stdout: Stdio) -> Result<(ExitStatus, String)> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the vcsim executable: {e}"))?;
    let limit = child_memory_limit();
    let mut cmd = Command::new(exe);
    cmd.args(args).stdout(stdout).stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the
    // parent; it runs in the child between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let r = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            libc::setrlimit(libc::RLIMIT_AS, &r);
            // No core dumps of a crash on a damaged file.
            let zero = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &zero);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the reading process: {e}"))?;
    let mut err_pipe = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_string(&mut s);
        }
        s
    });
    let deadline = Instant::now() + child_timeout();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "reading the file took longer than {} s; it is damaged (or set VCSIM_VERIFY_TIMEOUT_S higher)",
                    child_timeout().as_secs()
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => bail!("cannot wait for the reading process: {e}"),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    Ok((status, stderr))
}

/// The message of a failed child: its stderr without the `error: ` prefix.
fn child_message(stderr: &str) -> String {
    let t = stderr.trim();
    t.strip_prefix("error: ").unwrap_or(t).to_string()
}

/// Reads `path` whole in a child process: Ok when libhdf5 survived it, even
/// if parts are damaged (those reads return errors, not signals, in this
/// process too); an error when the child crashed, hung, or could not open
/// an object at all (the damage is in metadata this process must not touch).
pub fn survivable(path: &Path) -> Result<()> {
    let args: Vec<&std::ffi::OsStr> = vec![
        "verify".as_ref(),
        "--in-process".as_ref(),
        "--quiet".as_ref(),
        "--all".as_ref(),
        path.as_os_str(),
    ];
    let (status, stderr) = run_isolated(&args, Stdio::null())?;
    if status.success() {
        return Ok(());
    }
    if let Some(sig) = status.signal() {
        bail!(
            "'{}' is damaged: libhdf5 crashed reading it ({})",
            path.display(),
            signal_name(sig)
        );
    }
    let msg = child_message(&stderr);
    let data_only = msg.contains(" is damaged: ")
        && !msg.contains("cannot open")
        && !msg.contains("cannot list")
        && !msg.contains("cannot read its type")
        && !msg.contains("far more than the file");
    if data_only { Ok(()) } else { bail!("{msg}") }
}

/// Verifies `path` in a child process: Ok when every object reads back.
pub fn verify_isolated(path: &Path) -> Result<()> {
    verify_child(path, true)
}

fn verify_child(path: &Path, quiet: bool) -> Result<()> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), "--in-process".as_ref()];
    if quiet {
        args.push("--quiet".as_ref());
    }
    args.push(path.as_os_str());
    let out = if quiet {
        Stdio::null()
    } else {
        Stdio::inherit()
    };
    let (status, stderr) = run_isolated(&args, out)?;
    if status.success() {
        return Ok(());
    }
    if let Some(sig) = status.signal() {
        bail!(
            "'{}' is damaged: libhdf5 crashed reading it ({})",
            path.display(),
            signal_name(sig)
        );
    }
    bail!("{}", child_message(&stderr))
}

/// The state of a checkpoint rebuilt into a simulation of its own
/// configuration and checked against the physical invariants.
fn check_checkpoint_state(path: &Path) -> Result<()> {
    let (meta, snap) = vcsim_hdf5::read_checkpoint(path)?;
    let version = env!("CARGO_PKG_VERSION");
    if meta.vcsim_version != version || meta.snapshot_version != vcsim_rules::sim::SNAPSHOT_VERSION
    {
        bail!(
            "it was written by vcsim {} (snapshot layout {}), this is vcsim {version} (layout {}): its state cannot be checked or resumed here",
            meta.vcsim_version,
            meta.snapshot_version,
            vcsim_rules::sim::SNAPSHOT_VERSION
        );
    }
    let scenario = vcsim_rules::Scenario::from_toml(
        &meta.config_toml,
        &format!("{} (config)", path.display()),
        &[],
    )?;
    crate::run::check_resources(&scenario)?;
    if scenario.simulation.seed != meta.seed {
        bail!(
            "its seed attribute ({}) differs from the seed of its config ({})",
            meta.seed,
            scenario.simulation.seed
        );
    }
    let sim = vcsim_rules::Simulation::from_snapshot(&scenario, snap)?;
    vcsim_rules::invariants::check_restored(&sim.world, scenario.n_steps())
        .map_err(|what| anyhow::anyhow!("the state is not physically valid: {what}"))
}

/// `vcsim verify FILE`: in a child unless `in_process`.
pub fn verify(path: &Path, in_process: bool, quiet: bool, all: bool) -> Result<()> {
    if !in_process {
        return verify_child(path, quiet);
    }
    let mut report = verify_file(path)?;
    if report.kind == FileKind::Checkpoint && report.damaged.is_empty() {
        // Intact as a file; is its state one a run can be in?
        if let Err(e) = check_checkpoint_state(path) {
            report.damaged.push(("/state".into(), format!("{e:#}")));
        }
    }
    if !report.damaged.is_empty() {
        let shown = if all { usize::MAX } else { 8 };
        let list: Vec<String> = report
            .damaged
            .iter()
            .take(shown)
            .map(|(o, d)| format!("{o}: {d}"))
            .collect();
        bail!(
            "'{}' is damaged: {} object(s) cannot be read or disagree: {}{}",
            path.display(),
            report.damaged.len(),
            list.join("; "),
            if report.damaged.len() > 8 {
                "; ..."
            } else {
                ""
            }
        );
    }
    if !quiet {
        let kind = match report.kind {
            FileKind::Run => "run file",
            FileKind::Checkpoint => "checkpoint (checksum verified)",
            FileKind::Other => "HDF5 file",
        };
        println!(
            "{}: OK, {kind}: {} datasets, {:.1} MB of values read back",
            path.display(),
            report.datasets,
            report.bytes as f64 / 1e6
        );
    }
    Ok(())
}
