//! Links the HDF5 high-level library (`libhdf5_hl`), which provides the dimension-scale
//! functions `H5DSset_scale` and `H5DSattach_scale` (see `src/dimscale.rs`).
//!
//! `hdf5-metno-sys` links `libhdf5` only (its `hl` feature would add `hdf5_hl`, but only
//! through a direct dependency on it). This script looks for `libhdf5_hl` in the same
//! place `hdf5-metno-sys` takes `libhdf5` from, so both come from one installation:
//!
//! 1. `$HDF5_DIR/lib` when `HDF5_DIR` is set (and nothing else, as `hdf5-metno-sys` then
//!    uses that directory only);
//! 2. otherwise the `-L` directories of `pkg-config --libs-only-L hdf5`, then its
//!    `libdir` variable (Debian's `hdf5.pc` has no `libdir`, only `-L`);
//! 3. then the usual system directories, Debian's serial HDF5 first.
//!
//! In each directory it takes `libhdf5_hl` or, failing that, Debian's
//! `libhdf5_serial_hl`. When none is found it still asks for `hdf5_hl` (the linker may know
//! a directory this script does not) and prints a warning naming what was searched.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Library names to try in each directory, preferred first.
const NAMES: [&str; 2] = ["hdf5_hl", "hdf5_serial_hl"];

/// System directories tried last.
const SYSTEM_DIRS: [&str; 7] = [
    "/usr/lib/x86_64-linux-gnu/hdf5/serial",
    "/usr/lib/aarch64-linux-gnu/hdf5/serial",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/local/lib",
    "/usr/lib",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=HDF5_DIR");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rerun-if-env-changed=PKG_CONFIG_LIBDIR");

    let dirs = candidate_dirs();
    for dir in &dirs {
        if let Some(name) = NAMES.iter().find(|name| has_library(dir, name)) {
            println!("cargo::rustc-link-search=native={}", dir.display());
            println!("cargo::rustc-link-lib=dylib={name}");
            return;
        }
    }
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    println!(
        "cargo::warning=libhdf5_hl not found in {}; install libhdf5-dev or set HDF5_DIR",
        searched.join(", ")
    );
    println!("cargo::rustc-link-lib=dylib=hdf5_hl");
}

/// Directories to search, in order of preference.
fn candidate_dirs() -> Vec<PathBuf> {
    if let Some(root) = env::var_os("HDF5_DIR") {
        return vec![PathBuf::from(root).join("lib")];
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(out) = pkg_config(&["--libs-only-L", "hdf5"]) {
        dirs.extend(
            out.split_whitespace()
                .filter_map(|flag| flag.strip_prefix("-L"))
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        );
    }
    if let Some(out) = pkg_config(&["--variable=libdir", "hdf5"]) {
        let libdir = out.trim();
        if !libdir.is_empty() {
            dirs.push(PathBuf::from(libdir));
        }
    }
    dirs.extend(SYSTEM_DIRS.iter().map(PathBuf::from));
    let mut unique = Vec::with_capacity(dirs.len());
    for d in dirs {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    unique
}

/// Runs pkg-config (or `$PKG_CONFIG`) and returns its output, if it succeeded.
fn pkg_config(args: &[&str]) -> Option<String> {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_owned());
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// Whether `dir` holds a shared library `name` the linker can use.
fn has_library(dir: &Path, name: &str) -> bool {
    [
        format!("lib{name}.so"),
        format!("lib{name}.dylib"),
        format!("{name}.lib"),
    ]
    .iter()
    .any(|file| dir.join(file).exists())
}
