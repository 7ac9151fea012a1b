//! A child process started while a run file is open must not keep the file
//! locked after this process has closed it (libhdf5 opens files inheritable
//! and locks them with `flock`; the crate marks them close-on-exec). One test
//! in its own binary: no other test opens files while the child starts.

use vcsim_hdf5::{GridInfo, RunInfo, RunReader, RunWriter, SeriesGroup};

#[test]
fn a_child_started_while_a_run_file_is_open_does_not_lock_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.h5");
    let w = RunWriter::create(
        &path,
        &RunInfo {
            config_toml: String::new(),
            vcsim_version: "test".into(),
            seed: 1,
            scenario: "inherit".into(),
        },
        &GridInfo {
            ndim: 2,
            shape: [1, 2, 3],
            spacing_um: 10.0,
        },
        &[("mineral", "1")],
        &[SeriesGroup::new("timeseries", &["time_h"], &["h"])],
    )
    .expect("create");
    let mut child = std::process::Command::new("sleep")
        .arg("5")
        .spawn()
        .expect("sleep");
    w.finish().expect("finish");
    let reopened = RunReader::open(&path);
    let _ = child.kill();
    let _ = child.wait();
    assert!(reopened.is_ok(), "{:?}", reopened.err());
}
