//! Exclusive ownership of an output file, taken before anything is truncated.
//!
//! A run owns `OUT.h5` (and with it `OUT.ckpt.h5` and their temporary files)
//! by holding an advisory `flock` on `OUT.h5.lock`. The lock is taken before
//! the output is opened, so a second run on the same output (a job started
//! twice, a requeued SLURM task next to its still-running predecessor) stops
//! with a message naming the owner instead of truncating the first run's file.
//! The kernel releases the lock when the owner exits, however it exits
//! (`kill -9` included), so a stale lock file never blocks a rerun.
//!
//! The lock file holds `pid`, `host` and `started_unix_s` lines for messages
//! only; the lock itself is the `flock`. HDF5's own file locking stays on: it
//! locks the `.h5`, not the `.lock`.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// The lock file of an output: `OUT.h5` → `OUT.h5.lock`.
pub fn lock_path(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    output.with_file_name(name)
}

/// Held while a process owns an output; dropping it releases the output.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
}

fn try_flock(file: &File, exclusive: bool) -> std::io::Result<bool> {
    let op = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    } | libc::LOCK_NB;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Who holds the lock file, as written by [`OutputLock::acquire`].
fn describe_owner(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    match (field("pid "), field("host ")) {
        (Some(pid), Some(host)) => format!("process {pid} on host {host}"),
        _ => "another process".to_string(),
    }
}

impl OutputLock {
    /// Takes ownership of `output`, or says who has it.
    pub fn acquire(output: &Path) -> Result<Self> {
        let path = lock_path(output);
        // A lock file unlinked by its previous owner between our open and our
        // flock is not the lock any more: retry on the new file.
        for _ in 0..16 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| {
                    format!(
                        "cannot create the lock file '{}' of the output '{}'",
                        path.display(),
                        output.display()
                    )
                })?;
            let locked = try_flock(&file, true)
                .with_context(|| format!("cannot lock '{}'", path.display()))?;
            if !locked {
                bail!(
                    "the output '{}' is in use by {} (lock file '{}'); two runs must not write one output: wait for it to finish, or choose another output",
                    output.display(),
                    describe_owner(&path),
                    path.display()
                );
            }
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
                _ => false,
            };
            if !same {
                continue;
            }
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let note = format!(
                "pid {}\nhost {}\nstarted_unix_s {started}\n",
                std::process::id(),
                crate::run::host_name()
            );
            // For messages only: a failure here does not weaken the lock.
            let _ = file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(note.as_bytes()));
            return Ok(Self { path, file });
        }
        bail!(
            "cannot take the lock file '{}' of '{}': it keeps being replaced",
            path.display(),
            output.display()
        )
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock; a waiter that opened the old
        // file notices the inode change and retries.
        let _ = std::fs::remove_file(&self.path);
        let _ = &self.file;
    }
}

/// Whether some process holds the lock of `output` now.
pub fn is_owned(output: &Path) -> bool {
    let Ok(file) = File::open(lock_path(output)) else {
        return false;
    };
    matches!(try_flock(&file, false), Ok(false))
}
