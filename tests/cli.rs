//! End-to-end tests of the `vcsim` binary: the files it writes and the errors
//! it gives. Data-driven where the cases are many.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vcsim_rules::Summary;

fn vcsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vcsim"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn config(name: &str) -> PathBuf {
    root().join("configs").join(name)
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

/// Names, units or meanings of a record's series.
type Strs = &'static [&'static str];

/// The series groups of a run file with the names, units and meanings of
/// their series, as the records declare them.
fn series_groups() -> Vec<(&'static str, Strs, Strs, Strs)> {
    vcsim_rules::records::SERIES_GROUPS
        .iter()
        .map(|g| (g.group, g.names, g.units, g.docs))
        .collect()
}

/// The serum series `vcsim inspect` averages.
const SERUM_MEANS: [&str; 8] = [
    "pi_mM",
    "ca_mM",
    "pth_pg_mL",
    "fgf23",
    "fetuin_a_g_L",
    "ppi_uM",
    "mg_mM",
    "t50_min",
];

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn smoke_output_is_bitwise_identical_for_1_and_2_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = config("smoke.toml");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("smoke-{threads}.h5"));
        let o = run(&[
            "run",
            smoke.to_str().expect("utf-8 path"),
            "-o",
            out.to_str().expect("utf-8 path"),
            "--threads",
            threads,
            "--progress",
            "log",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push(out);
    }
    let diffs =
        vcsim_hdf5::diff_files(&outs[0], &outs[1], &["/provenance"]).expect("both files open");
    assert!(
        diffs.is_empty(),
        "files differ outside /provenance: {diffs:#?}"
    );
    // The comparison is not vacuous: provenance records the thread counts.
    let with_prov = vcsim_hdf5::diff_files(&outs[0], &outs[1], &[]).expect("both files open");
    assert!(
        with_prov.iter().any(|d| d.contains("threads")),
        "{with_prov:#?}"
    );

    let r = vcsim_hdf5::RunReader::open(&outs[0]).expect("opens");
    let n_steps = 30 * 24 / 4;
    let time = r.series("time_h").expect("time_h");
    assert_eq!(time.len(), n_steps + 1);
    assert_eq!(time[n_steps], 720.0);
    assert_eq!(r.seed().expect("seed"), 7);
    // Frames at t = 0, every 240 h, and at the end.
    assert_eq!(r.n_frames().expect("frames"), 4);
    let calcified = r.series("calcified_fraction").expect("series");
    assert!(calcified.iter().all(|c| (0.0..=1.0).contains(c)));
    assert!(
        *calcified.last().expect("rows") > 0.0,
        "the smoke run calcifies"
    );
    // Every series group: the record's names in order, their units, one row
    // per step plus the initial state, and the same times.
    for (group, names, units, _) in series_groups() {
        assert!(r.has_series_group(group), "/{group}");
        assert_eq!(r.series_names_in(group).expect("names"), names, "/{group}");
        for (name, unit) in names.iter().zip(units) {
            assert_eq!(r.series_units_in(group, name).expect("units"), *unit);
            assert_eq!(
                r.series_in(group, name).expect("rows").len(),
                n_steps + 1,
                "/{group}/{name}"
            );
        }
        assert_eq!(
            bits(&r.series_in(group, "time_h").expect("time")),
            bits(&time)
        );
    }
    // The smoke run has a patient: its serum and bone are computed, not NaN.
    for name in SERUM_MEANS {
        let v = r.series_in("serum", name).expect("serum");
        assert!(v.iter().all(|x| x.is_finite() && *x > 0.0), "{name}: {v:?}");
    }
    let bmd = r.series_in("bone", "bmd_rel").expect("bone");
    assert_eq!(bmd[0], 1.0);
    assert!(bmd.iter().all(|x| x.is_finite()), "{bmd:?}");
    // The recorded config is the resolved one and loads back to the same scenario.
    let recorded = r.config_toml().expect("config");
    let again = vcsim_rules::Scenario::from_toml(&recorded, "recorded", &[]).expect("valid");
    assert_eq!(again.to_toml(), recorded);
}

#[test]
fn seed_changes_the_output_and_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = config("smoke.toml");
    let a = dir.path().join("a.h5");
    let b = dir.path().join("b.h5");
    for (out, seed) in [(&a, "7"), (&b, "8")] {
        let o = run(&[
            "run",
            smoke.to_str().expect("utf-8"),
            "-o",
            out.to_str().expect("utf-8"),
            "--seed",
            seed,
            "--progress",
            "none",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let diffs = vcsim_hdf5::diff_files(&a, &b, &["/provenance"]).expect("open");
    assert!(diffs.iter().any(|d| d.contains("seed")), "{diffs:#?}");
    assert!(
        diffs.iter().any(|d| d.contains("/fields/runx2")),
        "{diffs:#?}"
    );
    assert_eq!(
        vcsim_hdf5::RunReader::open(&b)
            .expect("open")
            .seed()
            .expect("seed"),
        8
    );
}

#[test]
fn check_prints_a_resolved_config_that_checks_again() {
    let o = run(&[
        "check",
        config("smoke.toml").to_str().expect("utf-8"),
        "--set",
        "patient.kidney.egfr_mL_min=7.5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.contains("egfr_mL_min = 7.5"), "{text}");
    assert!(
        text.contains("[mineral]") && text.contains("growth_product_mM2"),
        "defaults are filled in: {text}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let resolved = dir.path().join("resolved.toml");
    std::fs::write(&resolved, &text).expect("write");
    let o2 = run(&["check", resolved.to_str().expect("utf-8")]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let text2 = String::from_utf8(o2.stdout).expect("utf-8");
    // Identical apart from the first comment line naming the file.
    assert_eq!(
        text.lines().skip(1).collect::<Vec<_>>(),
        text2.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn every_shipped_config_is_valid() {
    let mut n = 0;
    for dir in ["configs", "configs/histories"] {
        for entry in std::fs::read_dir(root().join(dir)).expect(dir) {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let o = run(&["check", path.to_str().expect("utf-8")]);
                assert!(o.status.success(), "{}: {}", path.display(), stderr(&o));
                n += 1;
            }
        }
    }
    assert!(n >= 3);
}

#[test]
fn every_shipped_sweep_file_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("configs/sweeps")).expect("configs/sweeps") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = dir.path().join(path.file_stem().expect("stem"));
            let o = run(&[
                "sweep",
                "plan",
                path.to_str().expect("utf-8"),
                "-o",
                out.to_str().expect("utf-8"),
            ]);
            assert!(o.status.success(), "{}: {}", path.display(), stderr(&o));
            assert!(out.join("manifest.json").exists(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5);
}

/// Bad inputs: each must exit with code 1 (or 2 for usage errors), print one
/// message containing the given fragments, and never panic.
#[test]
fn bad_inputs_give_clear_errors_and_no_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let smoke = config("smoke.toml");
    let smoke = smoke.to_str().expect("utf-8");
    let write = |name: &str, text: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    };
    let unknown = write("unknown.toml", b"[serum]\nphosphate_mm = 1.8\n");
    let badtype = write("badtype.toml", b"[geometry]\nndim = \"two\"\n");
    let syntax = write("syntax.toml", b"[serum\nphosphate_mM = 1\n");
    let binary = write("binary.toml", &[0xff, 0xfe, 0x00, 0x41]);
    let range = write("range.toml", b"[simulation]\ndt_h = 0.0\n");
    let not_h5 = write("notes.txt", b"precious notes");
    let bisphosphonate = write(
        "bisphosphonate.toml",
        b"[patient.kidney]\negfr_mL_min = 20\n[[treatments]]\ndrug = \"bisphosphonate\"\ndose = 10\n",
    );
    let drug = write(
        "drug.toml",
        b"[[treatments]]\ndrug = \"aspirin\"\ndose = 1\n",
    );
    let dose = write(
        "dose.toml",
        b"[[treatments]]\ndrug = \"sevelamer\"\ndose = 80\n",
    );
    let out = d.join("out.h5");
    let out = out.to_str().expect("utf-8");
    let missing_dir = d.join("no/such/dir/out.h5");
    let missing_dir = missing_dir.to_str().expect("utf-8");
    let d_str = d.to_str().expect("utf-8");
    let cases: Vec<(Vec<&str>, i32, Vec<&str>)> = vec![
        (
            vec!["run", &unknown, "-o", out],
            1,
            vec!["serum", "phosphate_mm", "unknown field"],
        ),
        (
            vec!["run", &badtype, "-o", out],
            1,
            vec!["geometry.ndim", "expected usize"],
        ),
        (
            vec!["run", &syntax, "-o", out],
            1,
            vec!["syntax.toml", "not valid TOML"],
        ),
        (
            vec!["run", &binary, "-o", out],
            1,
            vec!["binary.toml", "UTF-8"],
        ),
        (
            vec!["run", &range, "-o", out],
            1,
            vec!["simulation.dt_h = 0", "h"],
        ),
        (
            vec!["run", "/no/such/config.toml", "-o", out],
            1,
            vec!["/no/such/config.toml", "cannot read"],
        ),
        (
            vec!["run", smoke, "-o", out, "--set", "no_such.key=1"],
            1,
            vec!["no_such", "--set no_such.key=1"],
        ),
        (
            vec!["run", smoke, "-o", out, "--set", "serum.phosphate_mM=lots"],
            1,
            vec!["serum.phosphate_mM", "expected f64"],
        ),
        (
            vec!["run", smoke, "-o", out, "--set", "serum"],
            1,
            vec!["KEY=VALUE"],
        ),
        (
            vec!["run", smoke, "-o", out, "--set", "serum.phosphate_mM=2.0"],
            1,
            vec!["serum.phosphate_mM", "patient model", "boundary.lumen"],
        ),
        (
            vec!["run", &bisphosphonate, "-o", out],
            1,
            vec![
                "treatments[0] (bisphosphonate)",
                "eGFR is 20.0",
                "allow_low_egfr",
            ],
        ),
        (
            vec!["run", &drug, "-o", out],
            1,
            vec!["treatments", "aspirin", "sevelamer"],
        ),
        (
            vec!["run", &dose, "-o", out],
            1,
            vec!["treatments[0] (sevelamer).dose = 80", "g/day"],
        ),
        (
            vec![
                "run",
                smoke,
                "-o",
                out,
                "--set",
                "dialysis.sessions_per_week=2.5",
            ],
            1,
            vec!["dialysis.sessions_per_week = 2.5", "whole number"],
        ),
        (
            vec!["run", smoke, "-o", out, "--set", "geometry.ndim=7"],
            1,
            vec!["geometry.ndim = 7", "from 2 to 3"],
        ),
        (
            vec!["run", smoke, "-o", out, "--threads", "0"],
            1,
            vec!["--threads"],
        ),
        (
            vec!["run", smoke, "-o", missing_dir],
            1,
            vec!["no/such/dir/out.h5"],
        ),
        (vec!["run", smoke, "-o", d_str], 1, vec!["is a directory"]),
        (
            vec!["run", smoke, "-o", &not_h5],
            1,
            vec!["refusing to overwrite", "notes.txt"],
        ),
        (
            vec!["run", &unknown, "-o", &unknown],
            1,
            vec!["phosphate_mm"],
        ),
        (vec!["run", smoke, "-o", smoke], 1, vec!["config file"]),
        (vec!["run", smoke], 2, vec!["--output"]),
        (
            vec!["run", smoke, "-o", out, "--threads", "many"],
            2,
            vec!["--threads"],
        ),
        (vec!["frobnicate"], 2, vec!["frobnicate"]),
        (vec!["check", &unknown], 1, vec!["phosphate_mm"]),
    ];
    for (args, code, needles) in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err:?} lacks {n:?}");
        }
    }
    // Nothing was lost: the non-HDF5 file and the config are untouched.
    assert_eq!(std::fs::read(&not_h5).expect("read"), b"precious notes");
    assert!(
        std::fs::read_to_string(config("smoke.toml"))
            .expect("read")
            .contains("name = \"smoke\"")
    );
}

#[test]
fn parameter_reference_doc_is_current() {
    let o = run(&["params"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let generated = String::from_utf8(o.stdout).expect("utf-8");
    assert!(
        generated.contains("| `pit1_km_mM` | mM | 3 |"),
        "{generated}"
    );
    let doc = std::fs::read_to_string(root().join("docs/parameters.md")).unwrap_or_default();
    assert!(
        doc == generated,
        "docs/parameters.md is out of date: regenerate it with `cargo run -p vcsim-cli -- params > docs/parameters.md`"
    );
}

/// docs/output-format.md names every series of every group; for `/serum` and
/// `/bone` its tables are exactly the records' names, dtypes, units and
/// meanings, in order.
#[test]
fn output_format_doc_lists_every_series() {
    let doc = std::fs::read_to_string(root().join("docs/output-format.md")).expect("read");
    let sections: Vec<&str> = doc.split("\n## ").collect();
    for (group, names, units, docs) in series_groups() {
        let heading = format!("`/{group}`");
        let section = sections
            .iter()
            .find(|s| s.starts_with(&heading))
            .unwrap_or_else(|| panic!("docs/output-format.md has no section ## {heading}"));
        for name in names {
            assert!(
                section.contains(&format!("`{name}`")),
                "docs/output-format.md, section {heading}, does not list `{name}`"
            );
        }
        if group == "timeseries" {
            // Its table groups related series in one row, in its own words.
            continue;
        }
        let expected: Vec<String> = names
            .iter()
            .zip(units)
            .zip(docs)
            .map(|((n, u), d)| format!("| `{n}` | f64 | {u} | {} |", d.trim()))
            .collect();
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
        assert!(
            rows == expected,
            "docs/output-format.md, section {heading}, is out of date; its table rows should be:\n{}",
            expected.join("\n")
        );
    }
}

#[test]
fn rule_table_doc_is_current() {
    let o = run(&["rules"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let generated = String::from_utf8(o.stdout).expect("utf-8");
    assert!(
        generated.contains("| M1 | intracellular Pi (mM) | Runx2 production | increases |"),
        "{generated}"
    );
    let doc = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        doc == generated,
        "docs/rules.md is out of date: regenerate it with `cargo run -p vcsim-cli -- rules > docs/rules.md`"
    );
}

#[test]
fn every_experiment_file_is_valid() {
    let dir = root().join("configs/experiments");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("configs/experiments") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("read");
            vcsim_rules::experiment::Experiment::from_toml(&text, &path.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 7, "{n} experiment files");
}

#[test]
fn inspect_summarises_a_run_in_text_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("smoke.h5");
    let o = run(&[
        "run",
        config("smoke.toml").to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["inspect", out.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.contains("smoke (tissue mode), seed 7"), "{text}");
    assert!(text.contains("30.0 d in 180 steps; 4 frames"), "{text}");
    let o = run(&["inspect", out.to_str().expect("utf-8"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(json["steps"], 180);
    assert_eq!(json["frames"], 4);
    let r = vcsim_hdf5::RunReader::open(&out).expect("open");
    let calcified = *r
        .series("calcified_fraction")
        .expect("series")
        .last()
        .expect("rows");
    // serde_json parses floats to within an ulp.
    let reported = json["final_values"]["calcified_fraction"]
        .as_f64()
        .expect("a number");
    assert!(
        (reported - calcified).abs() <= 1e-12,
        "{reported} vs {calcified}"
    );
    // The patient: run means of the serum (NaN skipped) and the final BMD.
    assert!(text.contains("serum      run means: Pi "), "{text}");
    assert!(text.contains("PTH ") && text.contains("pg/mL"), "{text}");
    assert!(text.contains("bone       BMD at the end"), "{text}");
    for name in SERUM_MEANS {
        let v = r.series_in("serum", name).expect("serum");
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let got = json["serum_means"][name].as_f64().expect(name);
        assert!(
            (got - mean).abs() <= 1e-12 * mean.abs(),
            "{name}: {got} vs {mean}"
        );
        assert_eq!(
            json["serum_units"][name].as_str(),
            Some(r.series_units_in("serum", name).expect("units").as_str())
        );
    }
    let bmd = *r
        .series_in("bone", "bmd_rel")
        .expect("bone")
        .last()
        .expect("rows");
    // serde_json may parse a float 1 ulp off (no float_roundtrip): compare closely.
    let got = json["final_bmd_rel"].as_f64().expect("final_bmd_rel");
    assert!((got - bmd).abs() <= 1e-14, "{got} vs {bmd}");

    // A constant serum: what it does not model (FGF23, bone) is NaN and left out.
    let fixed = dir.path().join("fixed.h5");
    let o = run(&[
        "run",
        config("smoke.toml").to_str().expect("utf-8"),
        "-o",
        fixed.to_str().expect("utf-8"),
        "--set",
        "boundary.lumen=\"serum\"",
        "--set",
        "simulation.duration_days=1",
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["inspect", fixed.to_str().expect("utf-8"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert!(json["serum_means"]["pi_mM"].as_f64().is_some(), "{json}");
    assert!(json["serum_means"].get("fgf23").is_none(), "{json}");
    assert!(json["final_bmd_rel"].is_null(), "{json}");
    let o = run(&["inspect", fixed.to_str().expect("utf-8")]);
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.contains("serum      run means: Pi "), "{text}");
    assert!(!text.contains("FGF23") && !text.contains("BMD"), "{text}");

    // A file written before /serum and /bone existed still inspects.
    let older = dir.path().join("older.h5");
    let mut w = vcsim_hdf5::RunWriter::create(
        &older,
        &vcsim_hdf5::RunInfo {
            config_toml: String::new(),
            vcsim_version: "0.0.9".into(),
            seed: 3,
            scenario: "older".into(),
        },
        &vcsim_hdf5::GridInfo {
            ndim: 2,
            shape: [1, 2, 3],
            spacing_um: 10.0,
        },
        &[("mineral", "1")],
        &[vcsim_hdf5::SeriesGroup::new(
            "timeseries",
            Summary::NAMES,
            Summary::UNITS,
        )],
    )
    .expect("create");
    w.append_series(&[&Summary::default().values()])
        .expect("row");
    w.finish().expect("finish");
    let o = run(&["inspect", older.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).expect("utf-8");
    assert!(text.contains("older (tissue mode), seed 3"), "{text}");
    assert!(
        !text.contains("serum ") && !text.contains("bone "),
        "{text}"
    );
    let o = run(&["inspect", older.to_str().expect("utf-8"), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(json["serum_means"], serde_json::json!({}));
    assert!(json["final_bmd_rel"].is_null(), "{json}");

    // Not a run file: a clear error, no panic.
    let o = run(&["inspect", config("smoke.toml").to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot inspect"), "{}", stderr(&o));
}

/// A run killed with SIGKILL leaves a file that opens and holds the frames
/// written before the kill, identical to those of an uninterrupted run.
#[test]
fn killed_run_leaves_a_readable_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = config("smoke.toml");
    let smoke = smoke.to_str().expect("utf-8");
    let long = [
        "--set",
        "simulation.duration_days=20000",
        "--set",
        "simulation.frame_every_h=48",
        "--progress",
        "none",
    ];
    let killed = dir.path().join("killed.h5");
    let mut child = vcsim()
        .args(["run", smoke, "-o", killed.to_str().expect("utf-8")])
        .args(long)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    // Wait until a few frames are on disk (the file grows as frames are flushed).
    let start = std::time::Instant::now();
    while std::fs::metadata(&killed).map(|m| m.len()).unwrap_or(0) < 200_000 {
        assert!(start.elapsed().as_secs() < 120, "the run wrote too little");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Let it write a few more frames, then kill it mid-run.
    std::thread::sleep(std::time::Duration::from_millis(800));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let r = vcsim_hdf5::RunReader::open(&killed).expect("a killed run's file opens");
    let frames = r.n_frames().expect("frames");
    assert!(frames >= 2, "{frames} frames");
    let whole = dir.path().join("whole.h5");
    let o = run(&[
        "run",
        smoke,
        "-o",
        whole.to_str().expect("utf-8"),
        "--set",
        "simulation.duration_days=10",
        "--set",
        "simulation.frame_every_h=48",
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w = vcsim_hdf5::RunReader::open(&whole).expect("open");
    for frame in 0..frames.min(w.n_frames().expect("frames")) {
        let a = r.field_frame("mineral", frame).expect("killed frame");
        let b = w.field_frame("mineral", frame).expect("whole frame");
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "frame {frame}"
        );
    }
    // Every frame flushed the rows of every series group up to it: /serum and
    // /bone hold at least the rows up to the last frame (a frame every 12
    // steps), as many as /timeseries, equal to the uninterrupted run's.
    let rows = r.series("time_h").expect("rows").len();
    assert!(rows > (frames - 1) * 12, "{rows} rows, {frames} frames");
    for (group, names, _, _) in series_groups() {
        for name in names {
            let a = r.series_in(group, name).expect("killed rows");
            let b = w.series_in(group, name).expect("whole rows");
            assert_eq!(a.len(), rows, "/{group}/{name}");
            let n = a.len().min(b.len());
            assert_eq!(bits(&a[..n]), bits(&b[..n]), "/{group}/{name}");
        }
    }
    let pi = r.series_in("serum", "pi_mM").expect("serum");
    assert!(pi.iter().all(|x| x.is_finite()), "{pi:?}");
}

/// A run stopped at a checkpoint and resumed (even from an older checkpoint,
/// after the output has run ahead of it) gives the file of the run that was
/// never interrupted, bitwise outside /provenance.
#[test]
fn resumed_runs_equal_the_uninterrupted_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let smoke = config("smoke.toml");
    let smoke = smoke.to_str().expect("utf-8");
    let p = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let quiet = ["--progress", "none"];
    let whole = p("whole.h5");
    let o = run(&[&["run", smoke, "-o", &whole][..], &quiet].concat());
    assert!(o.status.success(), "{}", stderr(&o));

    let out = p("run.h5");
    let ckpt = p("run.ckpt.h5");
    let o = run(&[
        &["run", smoke, "-o", &out, "--stop-at-step", "100"][..],
        &quiet,
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("stopped at step 100"), "{}", stderr(&o));
    let old = p("step100.ckpt.h5");
    std::fs::copy(&ckpt, &old).expect("copy");
    // Resume, run ahead to step 150, stop again.
    let o = run(&[
        &["run", "--resume", &ckpt, "--stop-at-step", "150"][..],
        &quiet,
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        vcsim_hdf5::RunReader::open(std::path::Path::new(&out))
            .expect("open")
            .series("time_h")
            .expect("rows")
            .len(),
        151
    );
    // Resume from the older checkpoint: rows past step 100 are dropped.
    let o = run(&[&["run", "--resume", &old, "-o", &out][..], &quiet].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let diffs = vcsim_hdf5::diff_files(
        std::path::Path::new(&whole),
        std::path::Path::new(&out),
        &["/provenance"],
    )
    .expect("open");
    assert!(diffs.is_empty(), "{diffs:#?}");
    // diff_files walks every group; spelled out for the series groups.
    let a = vcsim_hdf5::RunReader::open(Path::new(&whole)).expect("open");
    let b = vcsim_hdf5::RunReader::open(Path::new(&out)).expect("open");
    for (group, names, _, _) in series_groups() {
        for name in names {
            let va = a.series_in(group, name).expect("whole");
            assert_eq!(va.len(), 181, "/{group}/{name}");
            assert_eq!(
                bits(&va),
                bits(&b.series_in(group, name).expect("resumed")),
                "/{group}/{name}"
            );
        }
    }

    // --max-wall: checkpoint, exit 75, then resume to the same file.
    let out2 = p("wall.h5");
    let o = run(&[&["run", smoke, "-o", &out2, "--max-wall", "0s"][..], &quiet].concat());
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    let o = run(&[
        &[
            "run",
            "--resume",
            &p("wall.ckpt.h5"),
            "--checkpoint-every",
            "40",
        ][..],
        &quiet,
    ]
    .concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let diffs = vcsim_hdf5::diff_files(
        std::path::Path::new(&whole),
        std::path::Path::new(&out2),
        &["/provenance"],
    )
    .expect("open");
    assert!(diffs.is_empty(), "{diffs:#?}");
}

#[test]
fn bad_checkpoints_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |name: &str| dir.path().join(name);
    // Damaged: a truncated checkpoint.
    let smoke = config("smoke.toml");
    let out = p("run.h5");
    let o = run(&[
        "run",
        smoke.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--stop-at-step",
        "10",
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ckpt = p("run.ckpt.h5");
    let bytes = std::fs::read(&ckpt).expect("read");
    let cut = p("cut.ckpt.h5");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).expect("write");
    let o = run(&[
        "run",
        "--resume",
        cut.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot resume from") && stderr(&o).contains("cut.ckpt.h5"),
        "{}",
        stderr(&o)
    );
    // Another version.
    let meta = vcsim_hdf5::CheckpointMeta {
        config_toml: String::new(),
        vcsim_version: "0.0.0-other".into(),
        snapshot_version: 1,
        seed: 1,
    };
    let other = p("other.ckpt.h5");
    vcsim_hdf5::write_checkpoint(&other, &meta, &vcsim_core::Snapshot::default()).expect("write");
    let o = run(&[
        "run",
        "--resume",
        other.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("0.0.0-other"), "{}", stderr(&o));
    // Not a checkpoint at all: the output file itself.
    let o = run(&[
        "run",
        "--resume",
        out.to_str().expect("utf-8"),
        "-o",
        p("x.h5").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a vcsim checkpoint"),
        "{}",
        stderr(&o)
    );
    // A config and --resume together, and a bad --max-wall.
    let o = run(&[
        "run",
        smoke.to_str().expect("utf-8"),
        "--resume",
        ckpt.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "run",
        smoke.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--max-wall",
        "10 minutes",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--max-wall"), "{}", stderr(&o));
}

#[test]
fn bench_times_problems_and_writes_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let problems = dir.path().join("bench");
    std::fs::create_dir(&problems).expect("mkdir");
    std::fs::write(
        problems.join("tiny_diffusion.toml"),
        "kind = \"diffusion\"\nndim = 2\nshape = [1, 20, 30]\nsolutes = 2\ndt_h = 1.0\n",
    )
    .expect("write");
    std::fs::write(
        problems.join("tiny_tissue.toml"),
        "kind = \"tissue\"\nscenario = \"\"\"\n[geometry]\nlamellar_units = 2\ncircumference_um = 60.0\n\"\"\"\n",
    )
    .expect("write");
    let json = dir.path().join("bench.json");
    let o = run(&[
        "bench",
        "--dir",
        problems.to_str().expect("utf-8"),
        "--threads",
        "1,2",
        "--steps",
        "2",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read")).expect("JSON");
    let records = records.as_array().expect("list");
    assert_eq!(records.len(), 4);
    for r in records {
        for key in [
            "problem",
            "threads",
            "voxels",
            "solutes",
            "cells",
            "steps",
            "wall_s",
            "voxel_solute_updates_per_s",
            "cell_updates_per_s",
            "voxel_steps_per_s",
            "peak_rss_bytes",
            "stage_seconds",
            "speedup",
            "efficiency",
            "cpu",
            "solver_kernels",
            "huge_pages",
        ] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        let isa = r["solver_kernels"].as_str().expect("text");
        assert!(["Avx512", "Avx2", "Portable"].contains(&isa), "{isa}");
        assert!(!r["huge_pages"].as_str().expect("text").is_empty());
        assert!(r["wall_s"].as_f64().expect("number") > 0.0);
    }
    assert_eq!(records[0]["voxels"], 600);
    assert_eq!(records[0]["speedup"], 1.0);
    assert!(records[2]["cells"].as_u64().expect("count") > 0);
    // Size scaling: each factor at each thread count, grown along the
    // circumference (y), compared with the first factor at the same threads.
    let o = run(&[
        "bench",
        "--dir",
        problems.to_str().expect("utf-8"),
        "--problem",
        "tiny_diffusion",
        "--threads",
        "1,2",
        "--grow",
        "1,3",
        "--steps",
        "1",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read")).expect("JSON");
    let records = records.as_array().expect("list");
    let got: Vec<(u64, u64, u64)> = records
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_u64().expect("count");
            (n("threads"), n("grow"), n("voxels"))
        })
        .collect();
    assert_eq!(got, [(1, 1, 600), (1, 3, 1800), (2, 1, 600), (2, 3, 1800)]);
    for r in records {
        let ns = r["ns_per_voxel_step"].as_f64().expect("ns");
        let wall = r["wall_s"].as_f64().expect("wall");
        let v = r["voxels"].as_f64().expect("voxels");
        assert!((ns - wall * 1e9 / v).abs() <= 1e-9 * ns, "{r}");
        assert!(r["bytes_per_voxel"].as_f64().expect("bytes") > 0.0);
    }
    assert_eq!(records[0]["speedup"], 1.0);
    assert_eq!(records[2]["speedup"], 1.0);
    let ratio = records[0]["ns_per_voxel_step"].as_f64().expect("ns")
        / records[1]["ns_per_voxel_step"].as_f64().expect("ns");
    assert!((records[1]["speedup"].as_f64().expect("speedup") - ratio).abs() < 1e-12);
    // Bad inputs.
    let o = run(&[
        "bench",
        "--dir",
        problems.to_str().expect("utf-8"),
        "--weak",
        "--grow",
        "1,2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--grow"), "{}", stderr(&o));
    let o = run(&[
        "bench",
        "--dir",
        problems.to_str().expect("utf-8"),
        "--threads",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--threads"), "{}", stderr(&o));
    std::fs::write(problems.join("broken.toml"), "kind = \"warp\"\n").expect("write");
    let o = run(&[
        "bench",
        "--dir",
        problems.to_str().expect("utf-8"),
        "--problem",
        "broken",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("broken.toml"), "{}", stderr(&o));
}

/// A full disk ends the run with exit code 1 and a message naming the file and
/// the cause, without a panic, and the file keeps every frame written before:
/// it opens, and every frame, its cell rows and the series up to it read back.
/// Needs a small tmpfs, so it is skipped (with a note) where this process may
/// not mount one.
#[test]
fn full_disk_ends_the_run_with_a_clear_error_and_a_readable_file() {
    struct Mount(std::path::PathBuf);
    impl Drop for Mount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("note: cannot mount a tmpfs here; the full-disk test is skipped");
        return;
    }
    let _guard = Mount(dir.path().to_path_buf());
    let out = dir.path().join("full.h5");
    let o = run(&[
        "run",
        config("smoke.toml").to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--set",
        "simulation.duration_days=3000",
        "--set",
        "simulation.frame_every_h=24",
        "--progress",
        "none",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("full.h5") && err.contains("not enough free space for frame"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let r = vcsim_hdf5::RunReader::open(&out).expect("the file opens after the disk filled");
    let frames = r.n_frames().expect("frames");
    assert!(frames >= 2, "only {frames} frames before the disk filled");
    assert!(
        err.contains(&format!("keeps the {frames} frames written before")),
        "{err}"
    );
    let steps = r.frame_steps().expect("steps");
    assert_eq!(steps.len(), frames);
    let voxels: usize = r.frame_shape().expect("shape").iter().product();
    for name in r.field_names().expect("fields") {
        for t in [0, frames - 1] {
            let v = r.field_frame(&name, t).expect("frame reads back");
            assert_eq!(v.len(), voxels, "{name} frame {t}");
        }
    }
    let last_calcium = r.field_frame("calcium", frames - 1).expect("calcium");
    assert!(last_calcium.iter().all(|x| x.is_finite() && *x > 0.0));
    let frame_col: Vec<u32> = r.cell_column("frame").expect("cells");
    assert_eq!(frame_col.last().copied(), Some(frames as u32 - 1));
    // Series rows run at least to the last frame's step.
    let rows = r.series("time_h").expect("series").len() as u64;
    assert!(
        rows > steps[frames - 1],
        "{rows} rows, last frame at step {}",
        steps[frames - 1]
    );
}

/// A sweep end to end on this machine: plan (idempotent, refusing a
/// different plan), one task by index, one from SLURM_ARRAY_TASK_ID, a task
/// stopped at its wall limit that resumes to the same file as an
/// uninterrupted run, the rest with --all, status, the array script, and the
/// pooled file.
#[test]
fn sweep_plans_runs_resumes_and_pools() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sw");
    let d = dir.to_str().expect("utf-8");
    let sweep = config("sweeps/smoke.toml");
    let sweep = sweep.to_str().expect("utf-8");
    let o = run(&["sweep", "plan", sweep, "-o", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.join("manifest.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // The same plan again is a no-op; a different one is refused.
    let o = run(&["sweep", "plan", sweep, "-o", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(sweep)
            .expect("read")
            .replace("seed = 2026", "seed = 7")
            .replace(
                "base = \"../smoke.toml\"",
                &format!("base = \"{}\"", config("smoke.toml").display()),
            ),
    )
    .expect("write");
    let o = run(&["sweep", "plan", other.to_str().expect("utf-8"), "-o", d]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("different plan"), "{}", stderr(&o));
    // Task 0 by index; task 1 as a SLURM array task.
    let o = run(&["sweep", "run", d, "--index", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = vcsim()
        .args(["sweep", "run", d])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_CPUS_PER_TASK", "1")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    // Running a finished task again does nothing.
    let before = std::fs::metadata(dir.join("runs/r00000.h5"))
        .expect("output")
        .modified()
        .expect("mtime");
    let o = run(&["sweep", "run", d, "--index", "0"]);
    assert!(stderr(&o).contains("already done"), "{}", stderr(&o));
    let after = std::fs::metadata(dir.join("runs/r00000.h5"))
        .expect("output")
        .modified()
        .expect("mtime");
    assert_eq!(before, after);
    // Task 2 stops at its wall limit with a checkpoint, then resumes.
    let o = run(&["sweep", "run", d, "--index", "2", "--max-wall", "0s"]);
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    assert!(dir.join("runs/r00002.ckpt.h5").exists());
    let o = run(&["sweep", "status", d, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(status["done"], serde_json::json!([0, 1]), "{status}");
    assert_eq!(status["missing"], serde_json::json!([2, 3]), "{status}");
    let o = run(&["sweep", "run", d, "--all", "--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.join("runs/r00002.ckpt.h5").exists(),
        "finished runs drop their checkpoint"
    );
    // The resumed task equals the same run never interrupted.
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    let fresh = tmp.path().join("fresh.h5");
    let mut args: Vec<String> = vec![
        "run".into(),
        dir.join("base/smoke.toml").to_str().expect("utf-8").into(),
        "-o".into(),
        fresh.to_str().expect("utf-8").into(),
    ];
    for s in m["runs"][2]["set"].as_array().expect("sets") {
        args.push("--set".into());
        args.push(s.as_str().expect("text").into());
    }
    let o = vcsim().args(&args).output().expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let diffs = vcsim_hdf5::diff_files(&fresh, &dir.join("runs/r00002.h5"), &["/provenance"])
        .expect("diff");
    assert!(diffs.is_empty(), "{diffs:#?}");
    // Status, the array script, the pooled file.
    let o = run(&["sweep", "status", d]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("done          4"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = run(&[
        "sweep",
        "slurm",
        d,
        "--time",
        "01:00:00",
        "--cpus-per-task",
        "2",
        "--max-parallel",
        "2",
        "--mem",
        "2G",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = std::fs::read_to_string(dir.join("sweep.sbatch")).expect("script");
    for needle in [
        "#SBATCH --array=0-3%2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=01:00:00",
        "#SBATCH --mem=2G",
        "/logs/slurm-%A_%a.out",
        "SLURM_CPUS_PER_TASK",
        "--max-wall 3240s",
    ] {
        assert!(script.contains(needle), "{needle} in {script}");
    }
    let o = run(&["sweep", "collect", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pooled = dir.join("pooled.h5");
    let egfr =
        vcsim_hdf5::read_pooled_f64(&pooled, "runs", "patient.kidney.egfr_mL_min").expect("column");
    assert_eq!(egfr, vec![6.0, 6.0, 12.0, 12.0]);
    let arms = vcsim_hdf5::read_pooled_str(&pooled, "runs", "arm").expect("arms");
    assert_eq!(arms, vec!["control", "sevelamer", "control", "sevelamer"]);
    let calcified =
        vcsim_hdf5::read_pooled_f64(&pooled, "runs", "final_calcified_fraction").expect("column");
    assert!(calcified.iter().all(|c| c.is_finite()));
    // Bad task indices and directories are clear errors.
    let o = run(&["sweep", "run", d, "--index", "9"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("task 9 does not exist"),
        "{}",
        stderr(&o)
    );
    let o = run(&["sweep", "status", tmp.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("not a sweep directory"),
        "{}",
        stderr(&o)
    );
}

/// Collect pools what is there and names what is missing.
#[test]
fn collect_tolerates_missing_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("sw");
    let d = dir.to_str().expect("utf-8");
    let sweep = config("sweeps/smoke.toml");
    assert!(
        run(&["sweep", "plan", sweep.to_str().expect("utf-8"), "-o", d])
            .status
            .success()
    );
    assert!(run(&["sweep", "run", d, "--index", "3"]).status.success());
    let o = run(&["sweep", "collect", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("missing (not done): 0-2"),
        "{}",
        stderr(&o)
    );
    let status =
        vcsim_hdf5::read_pooled_str(&dir.join("pooled.h5"), "runs", "status").expect("status");
    assert_eq!(status, vec!["missing", "missing", "missing", "done"]);
    let c = vcsim_hdf5::read_pooled_f64(&dir.join("pooled.h5"), "runs", "final_calcified_fraction")
        .expect("c");
    assert!(c[0].is_nan() && c[3].is_finite());
}

/// A frame's cell table goes to the writer in pieces (of 16384 rows): with
/// more cells than that, every cell of every frame is in `/cells` once, in
/// store order, and the phenotype map of the frame agrees with the rows.
#[test]
fn cell_table_written_in_pieces_is_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("wide.h5");
    let o = run(&[
        "run",
        config("ckd5d.toml").to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--set",
        "geometry.circumference_um=20000.0",
        "--set",
        "cells.density_per_mm3=1.0e7",
        "--set",
        "patient.body.spin_up_weeks=0.0",
        "--set",
        "simulation.duration_days=0.125",
        "--set",
        "simulation.frame_every_h=2.0",
        "--progress",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = vcsim_hdf5::RunReader::open(&out).expect("open");
    let frames = r.n_frames().expect("frames");
    assert_eq!(frames, 3, "frames at 0, 2 and 3 h");
    let frame: Vec<u32> = r.cell_column("frame").expect("frame");
    let id: Vec<u64> = r.cell_column("id").expect("id");
    let x: Vec<f32> = r.cell_column("x_um").expect("x");
    let y: Vec<f32> = r.cell_column("y_um").expect("y");
    let phenotype: Vec<u8> = r.cell_column("phenotype").expect("phenotype");
    let shape = r.frame_shape().expect("shape");
    let nx = *shape.last().expect("x");
    let dx = r.spacing_um().expect("dx");
    for t in 0..frames as u32 {
        let rows: Vec<usize> = (0..frame.len()).filter(|&i| frame[i] == t).collect();
        assert!(rows.len() > 16384 * 2, "{} cells", rows.len());
        // Contiguous, ids in store order without duplicates.
        assert_eq!(rows.last().expect("rows") - rows[0] + 1, rows.len());
        let mut ids: Vec<u64> = rows.iter().map(|&i| id[i]).collect();
        ids.dedup();
        assert_eq!(ids.len(), rows.len());
        let map = r.field_frame("phenotype", t as usize).expect("map");
        // A cell's phenotype fills its territory (one or more voxels).
        let cells_in_map = map.iter().filter(|&&c| c >= 0.0).count();
        assert!(cells_in_map >= rows.len());
        for &i in &rows {
            let v = (y[i] as f64 / dx) as usize * nx + (x[i] as f64 / dx) as usize;
            assert_eq!(map[v], f32::from(phenotype[i]), "row {i}");
        }
    }
}

/// Presets are built in: listed, shown, run by name, extended, from any directory.
#[test]
fn presets_work_from_any_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = vcsim()
        .current_dir(dir.path())
        .args(["preset", "list"])
        .output()
        .expect("runs");
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    for name in ["healthy", "ckd3", "ckd4", "ckd5", "ckd5d", "smoke"] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{text}");
    }
    let show = vcsim()
        .current_dir(dir.path())
        .args(["preset", "show", "ckd5d"])
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&show.stdout),
        include_str!("../configs/ckd5d.toml")
    );
    let bad = vcsim()
        .current_dir(dir.path())
        .args(["preset", "show", "ckd9"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no preset 'ckd9'"));
    std::fs::write(
        dir.path().join("mine.toml"),
        "extends = \"smoke\"\n[simulation]\nduration_days = 2.0\n",
    )
    .expect("write");
    let check = vcsim()
        .current_dir(dir.path())
        .args(["check", "mine.toml"])
        .output()
        .expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let resolved = String::from_utf8_lossy(&check.stdout);
    assert!(
        resolved.contains("duration_days = 2.0") && resolved.contains("egfr_mL_min = 6.0"),
        "{resolved}"
    );
    let run = vcsim()
        .current_dir(dir.path())
        .args([
            "run",
            "smoke",
            "-o",
            "s.h5",
            "--progress",
            "none",
            "--set",
            "simulation.duration_days=1",
        ])
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(dir.path().join("s.h5").exists());
}

/// Sweep outcomes read any series group: `clinical/detectable` (the default)
/// and bare /timeseries names; anything else is refused at plan time.
#[test]
fn sweep_outcome_reads_any_series_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = root().join("configs/smoke.toml");
    let sweep = |outcome: &str| {
        format!(
            "name = \"o\"\nbase = \"{}\"\nreplicates = 1\n[[axes]]\nkey = \"simulation.duration_days\"\nvalues = [2.0]\n{outcome}",
            base.display()
        )
    };
    for (i, (outcome, ok)) in [
        ("", true),
        (
            "[outcome]\nreadout = \"clinical/agatston\"\nthreshold = 1.0\n",
            true,
        ),
        (
            "[outcome]\nreadout = \"serum/pi_mM\"\nthreshold = 1.0\n",
            true,
        ),
        (
            "[outcome]\nreadout = \"n_osteogenic\"\nthreshold = 1.0\n",
            true,
        ),
        (
            "[outcome]\nreadout = \"clinical/bogus\"\nthreshold = 1.0\n",
            false,
        ),
        (
            "[outcome]\nreadout = \"nogroup/pi_mM\"\nthreshold = 1.0\n",
            false,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let file = dir.path().join(format!("s{i}.toml"));
        std::fs::write(&file, sweep(outcome)).expect("write");
        let out = vcsim()
            .args(["sweep", "plan"])
            .arg(&file)
            .arg("-o")
            .arg(dir.path().join(format!("d{i}")))
            .output()
            .expect("runs");
        assert_eq!(
            out.status.success(),
            ok,
            "{outcome}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !ok {
            assert!(String::from_utf8_lossy(&out.stderr).contains("clinical/detectable"));
        }
    }
}

/// A finished run's file is kept unless --force; a partial one is replaced.
#[test]
fn a_finished_output_needs_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r.h5");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "run".to_string(),
            root().join("configs/smoke.toml").display().to_string(),
            "-o".into(),
            out.display().to_string(),
            "--progress".into(),
            "none".into(),
            "--set".into(),
            "simulation.duration_days=1".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    assert!(vcsim().args(args(&[])).status().expect("runs").success());
    let before = std::fs::read(&out).expect("read");
    let again = vcsim().args(args(&[])).output().expect("runs");
    assert_eq!(again.status.code(), Some(1));
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(
        msg.contains("finished run") && msg.contains("--force"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&out).expect("read"),
        before,
        "the refused run left the file alone"
    );
    assert!(
        vcsim()
            .args(args(&["--force"]))
            .status()
            .expect("runs")
            .success()
    );
    // A run stopped part-way leaves a partial file, which a plain rerun replaces.
    assert!(
        vcsim()
            .args(args(&["--force", "--stop-at-step", "2"]))
            .status()
            .expect("runs")
            .success()
    );
    assert!(vcsim().args(args(&[])).status().expect("runs").success());
}

/// `sweep run --all` reports k/N, the time so far and an estimate of what is left.
#[test]
fn sweep_run_all_shows_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        format!(
            "name = \"p\"\nbase = \"{}\"\nreplicates = 3\n[[axes]]\nkey = \"simulation.duration_days\"\nvalues = [1.0]\n",
            root().join("configs/smoke.toml").display()
        ),
    )
    .expect("write");
    let d = dir.path().join("d");
    assert!(
        vcsim()
            .args(["sweep", "plan"])
            .arg(&sweep)
            .arg("-o")
            .arg(&d)
            .status()
            .expect("runs")
            .success()
    );
    let out = vcsim()
        .args(["sweep", "run"])
        .arg(&d)
        .args(["--all", "--jobs", "2"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    for k in 1..=3 {
        assert!(log.contains(&format!("{k}/3 tasks (0 failed)")), "{log}");
    }
    assert!(log.contains("elapsed, about"), "{log}");
}

/// `--svg DIR` writes one picture per frame, with both maps and the legend.
#[test]
fn svg_snapshots_one_per_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("r.h5");
    let svg = dir.path().join("pictures");
    let o = vcsim()
        .arg("run")
        .arg(root().join("configs/smoke.toml"))
        .arg("-o")
        .arg(&out)
        .args([
            "--progress",
            "none",
            "--set",
            "simulation.duration_days=20",
            "--svg",
        ])
        .arg(&svg)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Frames at days 0, 10, 20.
    for k in 0..3 {
        let text = std::fs::read_to_string(svg.join(format!("frame_{k:04}.svg"))).expect("svg");
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
        for want in [
            "phenotype",
            "mineral volume fraction",
            "osteogenic",
            "calcified",
            "day",
        ] {
            assert!(text.contains(want), "frame {k}: no '{want}'");
        }
        assert!(text.matches("<rect").count() > 20, "frame {k}");
    }
    assert!(!svg.join("frame_0003.svg").exists());
}

/// `vcsim validate --export-arms` writes each arm's resolved configuration;
/// `vcsim run` of it gives the suite's own curve of that arm, bit for bit
/// (quick suite: one replicate, so the suite's mean is that run), and a
/// `later` arm gets the configuration it switches to.
#[test]
fn exported_validation_arms_run_as_the_suite_runs_them() {
    let dir = std::env::temp_dir().join(format!("vcsim-export-arms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let arms = dir.join("arms");
    let report = dir.join("report");
    let (a, r) = (
        arms.to_str().expect("utf-8"),
        report.to_str().expect("utf-8"),
    );
    let o = run(&[
        "validate",
        "--quick",
        "--only",
        "extra",
        "--only",
        "opg",
        "--export-arms",
        a,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "extra.runx2_overexpression.toml",
        "opg.opg_ko_late_opg.later.toml",
    ] {
        assert!(arms.join(f).exists(), "{f} written");
    }
    assert!(!report.exists(), "--export-arms runs nothing");
    let later =
        std::fs::read_to_string(arms.join("opg.opg_ko_late_opg.later.toml")).expect("later");
    assert!(later.contains("from day 272"), "{later}");
    assert!(
        later.contains("opg_expression = 1.0"),
        "the later setting is in it"
    );
    let o = run(&["validate", "--quick", "--only", "extra", "-o", r]);
    assert!(o.status.success(), "{}", stderr(&o));
    let curves: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("curves.json")).expect("curves"))
            .expect("JSON");
    let arm = &curves["extra"]["arms"]["runx2_overexpression"];
    let out = dir.join("runx2.h5");
    let toml = arms.join("extra.runx2_overexpression.toml");
    let o = run(&[
        "run",
        toml.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rd = vcsim_hdf5::RunReader::open(&out).expect("open");
    for name in ["mean_runx2", "ca_deposit_ug_per_mg_protein", "n_osteogenic"] {
        let ours = *rd.series(name).expect(name).last().expect("rows");
        let suite = arm["series"][name]
            .as_array()
            .and_then(|v| v.last())
            .and_then(serde_json::Value::as_f64)
            .expect("the suite's curve");
        assert_eq!(
            ours.to_bits(),
            suite.to_bits(),
            "{name}: run {ours}, suite {suite}"
        );
    }
    // A bad experiment name is refused before anything is written.
    let o = run(&["validate", "--only", "no_such", "--export-arms", a]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no_such"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
