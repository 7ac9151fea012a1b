//! Issue 15, "no lost runs": the binary under hostile conditions. Each test
//! is named after what broke; the long randomised soak of the same families
//! is `scripts/soak.py` (results in docs/robustness.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn vcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vcsim"))
}

fn smoke() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../configs/smoke.toml")
        .to_str()
        .expect("utf-8")
        .to_string()
}

fn sweep_smoke() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/sweeps/smoke.toml")
}

fn run(args: &[&str]) -> Output {
    vcsim()
        .args(args)
        .output()
        .expect("the vcsim binary starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8")
}

/// Exit 1 with one `error:` paragraph containing every one of `needles`, no panic.
fn assert_clean_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
}

/// The values of every series group, every frame and the cell table, as bits
/// (what must be equal between two runs of one config and seed).
fn content(path: &Path) -> Vec<Vec<u64>> {
    let r = vcsim_hdf5::RunReader::open(path).expect("opens");
    let mut out = Vec::new();
    for g in ["timeseries", "serum", "bone"] {
        for n in r.series_names_in(g).expect("names") {
            out.push(
                r.series_in(g, &n)
                    .expect("series")
                    .iter()
                    .map(|x| x.to_bits())
                    .collect(),
            );
        }
    }
    for name in r.field_names().expect("fields") {
        for t in 0..r.n_frames().expect("frames") {
            let v = r.field_frame(&name, t).expect("frame");
            out.push(v.iter().map(|x| u64::from(x.to_bits())).collect());
        }
    }
    for c in ["runx2", "x_um"] {
        let v: Vec<f32> = r.cell_column(c).expect("cells");
        out.push(v.iter().map(|x| u64::from(x.to_bits())).collect());
    }
    out
}

const SHORT: [&str; 4] = ["--set", "simulation.duration_days=20", "--progress", "none"];

/// Runs the smoke scenario, shortened, into `out`; it must succeed.
fn run_short(out: &Path) {
    let smoke = smoke();
    let mut args = vec!["run", &smoke, "-o", s(out)];
    args.extend(SHORT);
    assert!(run(&args).status.success());
}
#[test]
fn a_second_run_on_the_same_output_is_refused_and_the_first_survives() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("c.h5");
    let smoke = smoke();
    let args = [
        "run",
        &smoke,
        "-o",
        s(&out),
        "--set",
        "simulation.duration_days=120",
        "--progress",
        "none",
    ];
    let mut first = vcsim()
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let lock = dir.path().join("c.h5.lock");
    let t = Instant::now();
    while !lock.exists() {
        assert!(t.elapsed() < Duration::from_secs(60), "no lock file");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = run(&args);
    let status = first.wait().expect("first ends");
    assert!(status.success(), "the first run must not be harmed");
    assert_clean_error(&second, &["c.h5", "in use by process", "on host"]);
    let o = run(&["verify", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!lock.exists(), "the lock file is removed at the end");
}

#[test]
fn two_sweep_workers_on_one_task_leave_it_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sw = dir.path().join("sw");
    assert!(
        run(&["sweep", "plan", s(&sweep_smoke()), "-o", s(&sw)])
            .status
            .success()
    );
    let args = ["sweep", "run", s(&sw), "--index", "0", "--threads", "1"];
    let mut first = vcsim()
        .args(args)
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let lock = sw.join("runs/r00000.h5.lock");
    let t = Instant::now();
    while !lock.exists() && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = run(&args);
    assert!(first.wait().expect("ends").success());
    if second.status.success() {
        // It came after the first had finished: the task was done already.
        assert!(
            stderr(&second).contains("already done"),
            "{}",
            stderr(&second)
        );
    } else {
        assert_clean_error(&second, &["already being run", "in use by process"]);
    }
    let st = run(&["sweep", "status", s(&sw), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).expect("json");
    assert_eq!(v["done"], serde_json::json!([0]), "{v}");
    assert_eq!(v["running"], serde_json::json!([]), "{v}");
}

#[test]
fn a_run_killed_anywhere_resumes_to_the_uninterrupted_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let reference = dir.path().join("ref.h5");
    run_short(&reference);
    let want = content(&reference);
    for (k, delay_ms) in [150u64, 400, 900].into_iter().enumerate() {
        let out = dir.path().join(format!("k{k}.h5"));
        let ckpt = dir.path().join(format!("k{k}.ckpt.h5"));
        let mut child = vcsim()
            .args(["run", &smoke, "-o", s(&out), "--checkpoint-every", "7"])
            .args(SHORT)
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let o = if ckpt.exists() {
            run(&["run", "--resume", s(&ckpt), "--progress", "none"])
        } else {
            let mut a = vec!["run", &smoke, "-o", s(&out)];
            a.extend(SHORT);
            run(&a)
        };
        assert!(
            o.status.success(),
            "kill after {delay_ms} ms: {}",
            stderr(&o)
        );
        assert!(
            content(&out) == want,
            "kill after {delay_ms} ms: the file differs"
        );
    }
}

#[test]
fn an_output_damaged_after_the_checkpoint_is_recomputed_on_resume() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let reference = dir.path().join("ref.h5");
    run_short(&reference);
    let out = dir.path().join("d.h5");
    let mut args = vec!["run", &smoke, "-o", s(&out), "--stop-at-step", "50"];
    args.extend(SHORT);
    assert!(run(&args).status.success());
    // Cut the output short, as a kill in the middle of a write may.
    let bytes = std::fs::read(&out).expect("read");
    std::fs::write(&out, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let o = run(&["verify", s(&out)]);
    assert_clean_error(&o, &["d.h5"]);
    let o = run(&[
        "run",
        "--resume",
        s(&dir.path().join("d.ckpt.h5")),
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("recomputing it from step 0"),
        "{}",
        stderr(&o)
    );
    assert!(content(&out) == content(&reference));
}

#[test]
fn damaged_and_edited_checkpoints_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let out = dir.path().join("e.h5");
    let mut args = vec!["run", &smoke, "-o", s(&out), "--stop-at-step", "30"];
    args.extend(SHORT);
    assert!(run(&args).status.success());
    let ckpt = dir.path().join("e.ckpt.h5");
    let good = std::fs::read(&ckpt).expect("read");
    let resume = || run(&["run", "--resume", s(&ckpt), "--progress", "none"]);
    // A flipped byte in the middle of the state arrays.
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - n / 4] ^= 0x10;
    std::fs::write(&ckpt, &bad).expect("write");
    assert_clean_error(&resume(), &["e.ckpt.h5"]);
    // An edit with a recomputed checksum: the physical checks refuse it.
    let (meta, mut snap) = {
        std::fs::write(&ckpt, &good).expect("write");
        vcsim_hdf5::read_checkpoint(&ckpt).expect("reads")
    };
    for (name, col) in &mut snap.columns {
        if name == "field/calcium"
            && let vcsim_core::Column::F32(v) = col
        {
            v[0] = -3.0;
        }
    }
    vcsim_hdf5::write_checkpoint(&ckpt, &meta, &snap).expect("writes");
    let o = resume();
    assert_clean_error(&o, &["not physically valid", "calcium"]);
    let o = run(&["verify", s(&ckpt)]);
    assert_clean_error(&o, &["not physically valid"]);
    // The step moved past the end of the run.
    let (meta, mut snap) = {
        std::fs::write(&ckpt, &good).expect("write");
        vcsim_hdf5::read_checkpoint(&ckpt).expect("reads")
    };
    snap.step = 10_000;
    vcsim_hdf5::write_checkpoint(&ckpt, &meta, &snap).expect("writes");
    assert_clean_error(&resume(), &["step 10000"]);
    // The untouched checkpoint still resumes.
    std::fs::write(&ckpt, &good).expect("write");
    let o = resume();
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn broken_pipes_end_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let out = dir.path().join("p.h5");
    run_short(&out);
    let o = s(&out);
    for cmd in [
        vec!["inspect", o],
        vec!["check", &smoke],
        vec!["params"],
        vec!["rules"],
    ] {
        let mut child = vcsim()
            .args(&cmd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("ends");
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{cmd:?}: {err}");
        use std::os::unix::process::ExitStatusExt;
        let quiet = o.status.code() == Some(141)
            || o.status.code() == Some(0)
            || o.status.signal() == Some(libc::SIGPIPE);
        assert!(quiet, "{cmd:?}: {:?} {err}", o.status);
    }
}

#[test]
fn extreme_command_line_values_are_clean_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let out = dir.path().join("x.h5");
    let o = s(&out);
    let long = dir.path().join(format!("{}.h5", "n".repeat(246)));
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--max-wall", "99999999999999999999s"],
            vec!["--max-wall", "366"],
        ),
        (
            vec!["--threads", "100000"],
            vec!["--threads 100000", "cores"],
        ),
        (vec!["--stop-at-step", "0"], vec!["--stop-at-step 0"]),
        (
            vec!["--stop-at-step", "999999"],
            vec!["--stop-at-step 999999"],
        ),
        (
            vec!["--set", "simulation.duration_days=0.001"],
            vec!["duration_days"],
        ),
        (
            vec!["--set", "simulation={dt_h=2}"],
            vec!["whole section 'simulation'"],
        ),
        (vec!["--set", "name=a\nb"], vec!["control character"]),
        (vec!["--seed", "18446744073709551615"], vec!["2^63 - 1"]),
        (
            vec![
                "--set",
                "geometry.ndim=3",
                "--set",
                "geometry.circumference_um=1000000",
                "--set",
                "geometry.axial_um=4000",
            ],
            vec!["voxels", "GB of memory"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["run", &smoke, "-o", o];
        args.extend(&extra);
        let r = run(&args);
        assert_clean_error(&r, &needles);
        assert!(!out.exists(), "{extra:?}: nothing is written");
    }
    let r = run(&["run", &smoke, "-o", s(&long), "--progress", "none"]);
    assert_clean_error(&r, &["too long", "file names have at most 255"]);
    let r = vcsim()
        .args(["run", &smoke, "-o", o])
        .env("RAYON_NUM_THREADS", "100000")
        .output()
        .expect("starts");
    assert_clean_error(&r, &["RAYON_NUM_THREADS"]);
    assert!(!long.exists());
}

#[test]
fn parameters_beyond_the_model_are_refused_or_stopped_with_the_quantity_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let out = dir.path().join("m.h5");
    for set in [
        "patient.body.ecf_volume_L=1",
        "patient.body.cell_pi_exchange_L_per_h=100",
        "patient.bone.exchangeable_ca_mmol=10000",
        "patient.bone.turnover_factor=100",
        "patient.diet.ca_gut_secretion_mmol_per_day=100",
        "patient.kidney.pi_excretion_coefficient=0",
        "patient.inhibitors.t50_nucleation_per_h=0",
    ] {
        let key = set.split('=').next().expect("key");
        let r = run(&["check", &smoke, "--set", set]);
        assert_clean_error(&r, &[key.rsplit('.').next().expect("name")]);
        let _ = std::fs::remove_file(&out);
    }
    // In range, but together outside the model: stopped at the first step
    // that leaves the physical bounds, naming the quantity.
    let r = run(&[
        "run",
        &smoke,
        "-o",
        s(&out),
        "--progress",
        "none",
        "--set",
        "patient.body.ecf_volume_L=5",
        "--set",
        "patient.body.cell_pi_exchange_L_per_h=10",
        "--set",
        "patient.kidney.pi_excretion_coefficient=0.2",
        "--set",
        "patient.diet.ca_gut_secretion_mmol_per_day=20",
    ]);
    if !r.status.success() {
        assert_clean_error(&r, &["physically valid range", "at step"]);
    }
}

#[test]
fn sweep_plans_are_checked_up_front() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/smoke.toml"),
        dir.path().join("smoke.toml"),
    )
    .expect("copy");
    std::fs::create_dir(dir.path().join("plans")).expect("mkdir");
    let text = std::fs::read_to_string(sweep_smoke()).expect("read");
    for (name, t, needle) in [
        (
            "nan",
            text.replace("threshold = 0.01", "threshold = nan"),
            "threshold",
        ),
        (
            "bogus",
            text.replace("readout = \"calcified_fraction\"", "readout = \"bogus\""),
            "readout",
        ),
        (
            "seed",
            format!("{text}\n[[axes]]\nkey = \"simulation.seed\"\nvalues = [1, 2]\n"),
            "simulation.seed",
        ),
        (
            "twice",
            format!("{text}\n[[axes]]\nkey = \"patient.kidney.egfr_mL_min\"\nvalues = [5.0]\n"),
            "swept twice",
        ),
        (
            "nul",
            text.replace("name = \"control\"", "name = \"con\\u0000trol\""),
            "arm name",
        ),
    ] {
        let f = dir.path().join("plans").join(format!("{name}.toml"));
        std::fs::write(&f, t).expect("write");
        let r = run(&["sweep", "plan", s(&f), "-o", s(&dir.path().join(name))]);
        assert_clean_error(&r, &[needle]);
    }
}

#[test]
fn collect_refuses_swapped_and_incomplete_run_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sw = dir.path().join("sw");
    assert!(
        run(&["sweep", "plan", s(&sweep_smoke()), "-o", s(&sw)])
            .status
            .success()
    );
    let r = run(&["sweep", "run", s(&sw), "--all", "--jobs", "2"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let (a, b) = (sw.join("runs/r00000.h5"), sw.join("runs/r00001.h5"));
    let t = sw.join("runs/t.h5");
    std::fs::rename(&a, &t).expect("mv");
    std::fs::rename(&b, &a).expect("mv");
    std::fs::rename(&t, &b).expect("mv");
    let r = run(&["sweep", "collect", s(&sw)]);
    assert_clean_error(&r, &["r00000", "r00001", "another run's file"]);
    // The refused runs are redone, then everything pools.
    let r = run(&["sweep", "run", s(&sw), "--all", "--jobs", "2"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let r = run(&["sweep", "collect", s(&sw)]);
    assert!(r.status.success(), "{}", stderr(&r));
    // A run cut short and marked done.
    let smoke = smoke();
    let r = run(&[
        "run",
        &smoke,
        "-o",
        s(&a),
        "--force",
        "--progress",
        "none",
        "--set",
        "simulation.duration_days=1",
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    let r = run(&["sweep", "collect", s(&sw)]);
    assert_clean_error(&r, &["r00000"]);
}

#[test]
fn slurm_unlimited_time_means_no_wall_limit_and_huge_times_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sw = dir.path().join("sw");
    assert!(
        run(&["sweep", "plan", s(&sweep_smoke()), "-o", s(&sw)])
            .status
            .success()
    );
    for t in ["0", "unlimited"] {
        let r = run(&["sweep", "slurm", s(&sw), "--time", t]);
        assert!(r.status.success(), "{}", stderr(&r));
        let script = std::fs::read_to_string(sw.join("sweep.sbatch")).expect("script");
        assert!(!script.contains("--max-wall"), "--time {t}: {script}");
    }
    let r = run(&["sweep", "slurm", s(&sw), "--time", "99999999999999999999"]);
    assert_clean_error(&r, &["--time"]);
}

#[test]
fn max_wall_counts_the_step_loop_not_the_output_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = smoke();
    let out = dir.path().join("w.h5");
    let r = run(&[
        "run",
        &smoke,
        "-o",
        s(&out),
        "--progress",
        "none",
        "--set",
        "simulation.duration_days=1000",
        "--stop-at-step",
        "300",
    ]);
    assert!(r.status.success(), "{}", stderr(&r));
    let r = run(&[
        "run",
        "--resume",
        s(&dir.path().join("w.ckpt.h5")),
        "--progress",
        "none",
        "--max-wall",
        "0.5s",
    ]);
    assert_eq!(r.status.code(), Some(75), "{}", stderr(&r));
    let err = stderr(&r);
    let at: u64 = err
        .split("at step ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("the step it stopped at");
    assert!(at > 301, "the wall limit was spent before the loop: {err}");
}
