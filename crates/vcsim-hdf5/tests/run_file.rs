//! Writes run files, reads them back and compares them.

use std::error::Error;
use std::path::{Path, PathBuf};

use vcsim_hdf5::{GridInfo, OutputError, Provenance, RunInfo, RunReader, RunWriter, diff_files};

type TestResult = Result<(), Box<dyn Error>>;

/// (name, units) of the fields and of the series.
type Named = (&'static str, &'static str);

const FIELDS: [Named; 2] = [("calcium", "mM"), ("phosphate", "mM")];
const SERIES: [Named; 3] = [("time_h", "h"), ("mean_calcium", "mM"), ("n_cells", "1")];
const REGION_NAMES: [&str; 4] = ["endothelium", "lamina", "media", "adventitia"];

fn info() -> RunInfo {
    RunInfo {
        config_toml: "[grid]\nnx = 4 # radial\n\n[run]\nseed = 42\nnote = \"µm, ünïcode\"\n"
            .to_owned(),
        vcsim_version: "0.1.0-test".to_owned(),
        seed: 0xDEAD_BEEF_0123_4567,
        scenario: "baseline".to_owned(),
    }
}

fn grid_2d() -> GridInfo {
    GridInfo {
        ndim: 2,
        shape: [1, 3, 4],
        spacing_um: 2.5,
    }
}

fn grid_3d() -> GridInfo {
    GridInfo {
        ndim: 3,
        shape: [2, 3, 5],
        spacing_um: 1.25,
    }
}

fn voxels(g: &GridInfo) -> usize {
    g.shape.iter().product()
}

fn provenance(host: &str, wall: f64) -> Provenance {
    Provenance {
        wall_time_s: wall,
        host: host.to_owned(),
        threads: 2,
        steps_run: 40,
        stage_names: vec!["diffuse".to_owned(), "cells".to_owned()],
        stage_seconds: vec![wall * 0.75, wall * 0.25],
        started_unix_s: 1.7e9 + wall,
    }
}

/// Field `f` at frame `t`: distinct, non-round values, with a NaN and a negative zero.
fn field_values(g: &GridInfo, f: usize, t: usize) -> Vec<f32> {
    (0..voxels(g))
        .map(|i| match (f, t, i) {
            (1, 1, 0) => f32::NAN,
            (1, 1, 1) => -0.0,
            _ => (f * 1000 + t * 100 + i) as f32 / 7.0 + 1e-3,
        })
        .collect()
}

fn series_row(r: usize) -> [f64; 3] {
    [r as f64 * 0.1, (r as f64).sqrt() / 3.0, (10 * r) as f64]
}

fn regions(g: &GridInfo) -> Vec<u8> {
    // Region by radial depth x, as the simulator does.
    let nx = g.shape[2];
    (0..voxels(g)).map(|i| ((i % nx) * 4 / nx) as u8).collect()
}

const N_FRAMES: usize = 3;
const N_ROWS: usize = 5;

/// Writes a complete run; `tweak` may change the data before it is written.
fn write_run(
    path: &Path,
    g: &GridInfo,
    prov: &Provenance,
    series: &[Named],
    tweak: impl Fn(usize, usize, &mut Vec<f32>),
) -> TestResult {
    let mut w = RunWriter::create(path, &info(), g, &FIELDS, series)?;
    w.write_regions(&regions(g), &REGION_NAMES)?;
    for r in 0..N_ROWS {
        w.append_series(&series_row(r)[..series.len()])?;
        if r < N_FRAMES {
            let mut frames: Vec<Vec<f32>> =
                (0..FIELDS.len()).map(|f| field_values(g, f, r)).collect();
            for (f, frame) in frames.iter_mut().enumerate() {
                tweak(f, r, frame);
            }
            let slices: Vec<&[f32]> = frames.iter().map(Vec::as_slice).collect();
            w.write_frame(r as f64 * 0.1, 10 * r as u64, &slices)?;
        }
    }
    w.write_provenance(prov)?;
    w.finish()?;
    Ok(())
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn names(list: &[Named]) -> Vec<&'static str> {
    list.iter().map(|&(name, _)| name).collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn check_roundtrip(g: &GridInfo) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    write_run(&path, g, &provenance("host-a", 12.0), &SERIES, |_, _, _| {})?;

    let r = RunReader::open(&path)?;
    assert_eq!(r.config_toml()?, info().config_toml);
    assert_eq!(r.seed()?, info().seed);
    assert_eq!(r.vcsim_version()?, "0.1.0-test");
    assert_eq!(r.scenario()?, "baseline");
    assert_eq!(r.series_names()?, names(&SERIES));
    for (j, (name, _)) in SERIES.iter().enumerate() {
        let expected: Vec<f64> = (0..N_ROWS).map(|row| series_row(row)[j]).collect();
        let got = r.series(name)?;
        assert_eq!(
            got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            "series {name}"
        );
    }
    assert_eq!(r.field_names()?, names(&FIELDS));
    assert_eq!(r.n_frames()?, N_FRAMES);
    assert_eq!(r.frame_times_h()?, vec![0.0, 0.1, 0.2]);
    assert_eq!(r.frame_steps()?, vec![0, 10, 20]);
    for (f, (name, _)) in FIELDS.iter().enumerate() {
        for t in 0..N_FRAMES {
            assert_eq!(
                bits(&r.field_frame(name, t)?),
                bits(&field_values(g, f, t)),
                "field {name} frame {t}"
            );
        }
    }
    Ok(())
}

#[test]
fn roundtrip_2d() -> TestResult {
    check_roundtrip(&grid_2d())
}

#[test]
fn roundtrip_3d() -> TestResult {
    check_roundtrip(&grid_3d())
}

/// Checks the layout with the hdf5 crate directly: shapes, [z][y][x] order, coordinates,
/// root attributes, region map and provenance.
fn check_layout(g: &GridInfo) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    write_run(&path, g, &provenance("host-a", 12.0), &SERIES, |_, _, _| {})?;
    let file = hdf5::File::open(&path)?;
    let [nz, ny, nx] = g.shape;

    assert_eq!(file.attr("seed")?.read_scalar::<u64>()?, info().seed);
    assert_eq!(
        file.attr("schema_version")?.read_scalar::<u32>()?,
        vcsim_hdf5::SCHEMA_VERSION
    );
    assert_eq!(file.attr("ndim")?.read_scalar::<u32>()?, g.ndim as u32);
    assert_eq!(file.attr("spacing_um")?.read_scalar::<f64>()?, g.spacing_um);
    let config = file
        .attr("config")?
        .read_scalar::<hdf5::types::VarLenUnicode>()?;
    assert_eq!(config.as_str(), info().config_toml);

    let ca = file.dataset("fields/calcium")?;
    let expected_shape = if g.ndim == 2 {
        vec![N_FRAMES, ny, nx]
    } else {
        vec![N_FRAMES, nz, ny, nx]
    };
    assert_eq!(ca.shape(), expected_shape);
    assert!(ca.is_resizable());
    let filters = ca.filters();
    assert!(
        filters.contains(&hdf5::filters::Filter::Shuffle),
        "{filters:?}"
    );
    assert!(
        filters.contains(&hdf5::filters::Filter::Deflate(4)),
        "{filters:?}"
    );
    let mut chunk = vec![1];
    chunk.extend(&expected_shape[1..]);
    assert_eq!(ca.chunk(), Some(chunk));
    // Element (t, z, y, x) is value [z][y][x] of frame t.
    let all = ca.read_raw::<f32>()?;
    for t in 0..N_FRAMES {
        let frame = field_values(g, 0, t);
        for z in 0..nz {
            for y in 0..ny {
                for x in 0..nx {
                    let in_file = all[((t * nz + z) * ny + y) * nx + x];
                    assert_eq!(in_file.to_bits(), frame[(z * ny + y) * nx + x].to_bits());
                }
            }
        }
    }

    let ts = file.dataset("timeseries/time_h")?;
    assert!(ts.is_resizable());
    assert_eq!(ts.shape(), vec![N_ROWS]);

    let coords = [("x_um", nx), ("y_um", ny), ("z_um", nz)];
    for (name, n) in coords {
        if name == "z_um" && g.ndim == 2 {
            assert!(!file.link_exists("fields/z_um"));
            continue;
        }
        let v = file.dataset(&format!("fields/{name}"))?.read_raw::<f64>()?;
        let expected: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * g.spacing_um).collect();
        assert_eq!(v, expected, "{name}");
    }
    assert_eq!(
        file.dataset("fields/time_h")?.read_raw::<f64>()?,
        vec![0.0, 0.1, 0.2]
    );
    assert_eq!(
        file.dataset("fields/step")?.read_raw::<u64>()?,
        vec![0, 10, 20]
    );

    let region = file.dataset("grid/region")?;
    assert_eq!(region.shape(), expected_shape[1..].to_vec());
    assert_eq!(region.read_raw::<u8>()?, regions(g));
    let names = region
        .attr("names")?
        .read_scalar::<hdf5::types::VarLenUnicode>()?;
    assert_eq!(
        names.as_str(),
        "0=endothelium,1=lamina,2=media,3=adventitia"
    );

    let prov = file.group("provenance")?;
    assert_eq!(prov.attr("wall_time_s")?.read_scalar::<f64>()?, 12.0);
    assert_eq!(prov.attr("threads")?.read_scalar::<u64>()?, 2);
    assert_eq!(prov.attr("steps_run")?.read_scalar::<u64>()?, 40);
    assert_eq!(
        prov.dataset("stage_seconds")?.read_raw::<f64>()?,
        vec![9.0, 3.0]
    );
    let stages = prov
        .dataset("stage_names")?
        .read_raw::<hdf5::types::VarLenUnicode>()?;
    assert_eq!(
        stages.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["diffuse", "cells"]
    );
    Ok(())
}

#[test]
fn layout_2d() -> TestResult {
    check_layout(&grid_2d())
}

#[test]
fn layout_3d() -> TestResult {
    check_layout(&grid_3d())
}

/// The `units` attribute of `/<group>/<name>`, read with the hdf5 crate.
fn units_in_file(file: &hdf5::File, group: &str, name: &str) -> Result<String, Box<dyn Error>> {
    let units = file
        .dataset(&format!("{group}/{name}"))?
        .attr("units")?
        .read_scalar::<hdf5::types::VarLenUnicode>()?;
    Ok(units.as_str().to_owned())
}

#[test]
fn units_are_written_and_read_back() -> TestResult {
    for g in [grid_2d(), grid_3d()] {
        let dir = tempfile::tempdir()?;
        let path = tmp(&dir, "run.h5");
        write_run(&path, &g, &provenance("h", 1.0), &SERIES, |_, _, _| {})?;

        let file = hdf5::File::open(&path)?;
        for (name, units) in FIELDS {
            assert_eq!(units_in_file(&file, "fields", name)?, units, "{name}");
        }
        for (name, units) in SERIES {
            assert_eq!(units_in_file(&file, "timeseries", name)?, units, "{name}");
        }
        let mut fixed = vec![
            ("time_h", "h"),
            ("step", "1"),
            ("x_um", "µm"),
            ("y_um", "µm"),
        ];
        if g.ndim == 3 {
            fixed.push(("z_um", "µm"));
        }
        for (name, units) in fixed {
            assert_eq!(units_in_file(&file, "fields", name)?, units, "{name}");
        }

        let r = RunReader::open(&path)?;
        assert_eq!(r.field_units("calcium")?, "mM");
        assert_eq!(r.field_units("x_um")?, "µm");
        assert_eq!(r.series_units("n_cells")?, "1");
        assert_eq!(r.series_units("time_h")?, "h");
        let err = r.series_units("nope").err().ok_or("missing series found")?;
        assert!(matches!(err, OutputError::NotFound { .. }), "{err:?}");
    }
    Ok(())
}

/// Names of the attributes of `/fields/<name>`.
fn attr_names(file: &hdf5::File, name: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names = file.dataset(&format!("fields/{name}"))?.attr_names()?;
    names.sort();
    Ok(names)
}

/// Paths of the scales attached to `/fields/<name>`, one per axis (`DIMENSION_LIST`).
fn attached_scales(file: &hdf5::File, name: &str) -> Result<Vec<String>, Box<dyn Error>> {
    let list = file
        .dataset(&format!("fields/{name}"))?
        .attr("DIMENSION_LIST")?
        .read_raw::<hdf5::types::VarLenArray<hdf5::ObjectReference1>>()?;
    let mut paths = Vec::new();
    for axis in &list {
        let [r] = axis.as_slice() else {
            return Err(format!("{name}: {} scales on one axis", axis.len()).into());
        };
        match file.dereference(r)? {
            hdf5::ReferencedObject::Dataset(d) => paths.push(d.name()),
            other => return Err(format!("{name}: scale is {other:?}").into()),
        }
    }
    Ok(paths)
}

/// Checks the HDF5 dimension scales (`H5DSset_scale`/`H5DSattach_scale`) on `/fields`.
fn check_dimension_scales(g: &GridInfo) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    write_run(&path, g, &provenance("h", 1.0), &SERIES, |_, _, _| {})?;
    let file = hdf5::File::open(&path)?;

    let mut scales = vec!["time_h"];
    if g.ndim == 3 {
        scales.push("z_um");
    }
    scales.extend(["y_um", "x_um"]);
    for name in &scales {
        assert_eq!(
            attr_names(&file, name)?,
            ["CLASS", "NAME", "REFERENCE_LIST", "units"],
            "{name}"
        );
        let ds = file.dataset(&format!("fields/{name}"))?;
        let class = ds
            .attr("CLASS")?
            .read_scalar::<hdf5::types::FixedAscii<64>>()?;
        assert_eq!(class.as_str(), "DIMENSION_SCALE", "{name}");
        let dim_name = ds
            .attr("NAME")?
            .read_scalar::<hdf5::types::FixedAscii<64>>()?;
        assert_eq!(dim_name.as_str(), *name);
        // Every field, plus `step` for the time axis.
        let users = ds.attr("REFERENCE_LIST")?.shape();
        let expected = FIELDS.len() + usize::from(*name == "time_h");
        assert_eq!(users, vec![expected], "{name}");
    }
    let expected: Vec<String> = scales.iter().map(|s| format!("/fields/{s}")).collect();
    for (name, _) in FIELDS {
        assert_eq!(
            attr_names(&file, name)?,
            ["DIMENSION_LIST", "units"],
            "{name}"
        );
        assert_eq!(attached_scales(&file, name)?, expected, "{name}");
    }
    assert_eq!(attached_scales(&file, "step")?, ["/fields/time_h"]);
    Ok(())
}

#[test]
fn dimension_scales_2d() -> TestResult {
    check_dimension_scales(&grid_2d())
}

#[test]
fn dimension_scales_3d() -> TestResult {
    check_dimension_scales(&grid_3d())
}

#[test]
fn diff_compares_dimension_scales_by_the_datasets_they_name() -> TestResult {
    // Same fields in another order: the scales list their users in another order.
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    let g = grid_2d();
    let reversed = [FIELDS[1], FIELDS[0]];
    RunWriter::create(&a, &info(), &g, &FIELDS, &SERIES)?.finish()?;
    RunWriter::create(&b, &info(), &g, &reversed, &SERIES)?.finish()?;
    let diffs = diff_files(&a, &b, &[])?;
    let expected: Vec<String> = ["time_h", "x_um", "y_um"]
        .iter()
        .map(|s| {
            format!(
                "/fields/{s}@REFERENCE_LIST: 2 of {} values differ (first at [0]: \
                 (/fields/calcium, {axis}) vs (/fields/phosphate, {axis}))",
                if *s == "time_h" { 3 } else { 2 },
                axis = match *s {
                    "time_h" => 0,
                    "y_um" => 1,
                    _ => 2,
                }
            )
        })
        .collect();
    assert_eq!(diffs, expected);
    Ok(())
}

#[test]
fn diff_ignores_provenance_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    write_run(
        &a,
        &grid_3d(),
        &provenance("host-a", 12.0),
        &SERIES,
        |_, _, _| {},
    )?;
    write_run(
        &b,
        &grid_3d(),
        &provenance("host-b", 99.0),
        &SERIES,
        |_, _, _| {},
    )?;

    assert_eq!(diff_files(&a, &b, &["/provenance"])?, Vec::<String>::new());
    assert_eq!(diff_files(&a, &a, &[])?, Vec::<String>::new());

    let diffs = diff_files(&a, &b, &[])?;
    assert!(!diffs.is_empty());
    assert!(
        diffs.iter().all(|d| d.starts_with("/provenance")),
        "{diffs:#?}"
    );
    assert!(
        diffs.iter().any(|d| d.starts_with("/provenance@host")),
        "{diffs:#?}"
    );
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("/provenance/stage_seconds")),
        "{diffs:#?}"
    );
    Ok(())
}

#[test]
fn identical_runs_give_identical_bytes() -> TestResult {
    // Object time tracking is off, so nothing but the data ends up in the file, even when
    // the clock moves on between the two runs.
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    write_run(
        &a,
        &grid_2d(),
        &provenance("host-a", 12.0),
        &SERIES,
        |_, _, _| {},
    )?;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_run(
        &b,
        &grid_2d(),
        &provenance("host-a", 12.0),
        &SERIES,
        |_, _, _| {},
    )?;
    assert!(
        std::fs::read(&a)? == std::fs::read(&b)?,
        "files differ byte-wise"
    );
    Ok(())
}

#[test]
fn diff_reports_a_changed_field_value() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    let g = grid_3d();
    write_run(&a, &g, &provenance("host-a", 1.0), &SERIES, |_, _, _| {})?;
    // Frame 2 of "phosphate", voxel (z=1, y=2, x=3).
    let voxel = (3 + 2) * 5 + 3;
    write_run(&b, &g, &provenance("host-a", 1.0), &SERIES, |f, t, v| {
        if f == 1 && t == 2 {
            v[voxel] = f32::from_bits(v[voxel].to_bits() ^ 1);
        }
    })?;
    let diffs = diff_files(&a, &b, &["/provenance"])?;
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert!(
        diffs[0].starts_with("/fields/phosphate: 1 of 90 values differ (first at [2, 1, 2, 3]"),
        "{}",
        diffs[0]
    );
    Ok(())
}

#[test]
fn diff_reports_a_missing_series() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    write_run(
        &a,
        &grid_2d(),
        &provenance("host-a", 1.0),
        &SERIES,
        |_, _, _| {},
    )?;
    write_run(
        &b,
        &grid_2d(),
        &provenance("host-a", 1.0),
        &SERIES[..2],
        |_, _, _| {},
    )?;
    let diffs = diff_files(&a, &b, &["/provenance"])?;
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert!(
        diffs[0].starts_with("/timeseries/n_cells: dataset only in '"),
        "{}",
        diffs[0]
    );
    assert!(diffs[0].contains("a.h5"), "{}", diffs[0]);
    // And the other way round.
    let diffs = diff_files(&b, &a, &["/provenance"])?;
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert!(diffs[0].contains("a.h5"), "{}", diffs[0]);
    Ok(())
}

#[test]
fn diff_reports_root_attribute_and_shape_differences() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    write_run(
        &a,
        &grid_2d(),
        &provenance("host-a", 1.0),
        &SERIES,
        |_, _, _| {},
    )?;
    let mut w = RunWriter::create(
        &b,
        &RunInfo { seed: 7, ..info() },
        &grid_2d(),
        &FIELDS,
        &SERIES,
    )?;
    w.write_regions(&regions(&grid_2d()), &REGION_NAMES)?;
    w.finish()?;
    let diffs = diff_files(&a, &b, &[])?;
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("/@seed: 1 of 1 values differ")),
        "{diffs:#?}"
    );
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("/fields/calcium: shape [3, 3, 4] vs [0, 3, 4]")),
        "{diffs:#?}"
    );
    assert!(
        diffs
            .iter()
            .any(|d| d.starts_with("/provenance: group only in")),
        "{diffs:#?}"
    );
    // An attribute address can be skipped on its own.
    let diffs = diff_files(&a, &b, &["/@seed", "/fields", "/timeseries", "/provenance"])?;
    assert_eq!(diffs, Vec::<String>::new());
    Ok(())
}

#[test]
fn create_in_missing_directory_is_an_error_naming_the_path() {
    let path = Path::new("/no/such/dir/x.h5");
    let err = match RunWriter::create(path, &info(), &grid_2d(), &FIELDS, &SERIES) {
        Ok(_) => panic!("creating {} succeeded", path.display()),
        Err(e) => e,
    };
    assert!(matches!(err, OutputError::Create { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("cannot create output file '/no/such/dir/x.h5': "),
        "{msg}"
    );
    assert_eq!(err.path(), path);
}

#[test]
fn wrong_lengths_are_errors_and_leave_the_writer_usable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let g = grid_2d();
    let mut w = RunWriter::create(&path, &info(), &g, &FIELDS, &SERIES)?;

    let err = w
        .append_series(&[1.0, 2.0])
        .err()
        .ok_or("short series row accepted")?;
    assert!(matches!(err, OutputError::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("expected 3 values"), "{err}");
    assert!(
        err.to_string().contains(path.to_string_lossy().as_ref()),
        "{err}"
    );
    assert!(w.append_series(&[1.0, 2.0, 3.0, 4.0]).is_err());

    let good = vec![1.0f32; voxels(&g)];
    let short = vec![1.0f32; voxels(&g) - 1];
    let err = w
        .write_frame(0.0, 0, &[&good, &short])
        .err()
        .ok_or("short frame accepted")?;
    assert!(matches!(err, OutputError::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("/fields/phosphate"), "{err}");
    assert!(w.write_frame(0.0, 0, &[&good]).is_err());
    assert!(w.write_regions(&[0u8; 3], &REGION_NAMES).is_err());
    assert!(
        w.write_regions(&vec![4u8; voxels(&g)], &REGION_NAMES)
            .is_err()
    );
    assert!(
        w.write_provenance(&Provenance {
            stage_names: vec!["a".into()],
            ..Provenance::default()
        })
        .is_err()
    );

    // Nothing half-written: the next good calls land at index 0.
    w.append_series(&[0.5, 1.5, 2.5])?;
    w.write_frame(0.5, 3, &[&good, &good])?;
    w.finish()?;
    let r = RunReader::open(&path)?;
    assert_eq!(r.n_frames()?, 1);
    assert_eq!(r.series("mean_calcium")?, vec![1.5]);
    assert_eq!(r.frame_steps()?, vec![3]);
    Ok(())
}

#[test]
fn bad_arguments_to_create_are_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let cases: Vec<(GridInfo, Vec<Named>, Vec<Named>)> = vec![
        (
            GridInfo {
                ndim: 4,
                ..grid_3d()
            },
            FIELDS.to_vec(),
            SERIES.to_vec(),
        ),
        (
            GridInfo {
                ndim: 2,
                ..grid_3d()
            },
            FIELDS.to_vec(),
            SERIES.to_vec(),
        ),
        (
            GridInfo {
                shape: [1, 0, 4],
                ..grid_2d()
            },
            FIELDS.to_vec(),
            SERIES.to_vec(),
        ),
        (
            GridInfo {
                spacing_um: f64::NAN,
                ..grid_2d()
            },
            FIELDS.to_vec(),
            SERIES.to_vec(),
        ),
        (
            grid_2d(),
            vec![("calcium", "mM"), ("calcium", "µM")],
            SERIES.to_vec(),
        ),
        (grid_2d(), vec![("time_h", "h")], SERIES.to_vec()),
        (grid_2d(), vec![("x_um", "µm")], SERIES.to_vec()),
        (grid_2d(), vec![("a/b", "1")], SERIES.to_vec()),
        (grid_2d(), vec![("calcium", "m\0M")], SERIES.to_vec()),
        (
            grid_2d(),
            FIELDS.to_vec(),
            vec![("time_h", "h"), ("n_cells", "\0")],
        ),
        (
            grid_2d(),
            FIELDS.to_vec(),
            vec![("mean_calcium", "mM"), ("time_h", "h")],
        ),
        (grid_2d(), FIELDS.to_vec(), vec![]),
    ];
    for (g, fields, series) in cases {
        let res = RunWriter::create(&path, &info(), &g, &fields, &series);
        assert!(
            matches!(res, Err(OutputError::InvalidInput { .. })),
            "{g:?} {fields:?} {series:?}: {res:?}"
        );
        // Checked before the file is created.
        assert!(!path.exists(), "{fields:?} {series:?}");
    }
    let res = RunWriter::create(
        &path,
        &RunInfo {
            config_toml: "a\0b".into(),
            ..info()
        },
        &grid_2d(),
        &FIELDS,
        &SERIES,
    );
    assert!(
        matches!(res, Err(OutputError::InvalidInput { .. })),
        "{res:?}"
    );
    Ok(())
}

#[test]
fn dropping_the_writer_flushes_pending_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    {
        let mut w = RunWriter::create(&path, &info(), &grid_2d(), &FIELDS, &SERIES)?;
        for r in 0..N_ROWS {
            w.append_series(&series_row(r))?;
        }
    }
    let r = RunReader::open(&path)?;
    assert_eq!(r.series("n_cells")?, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    assert_eq!(r.n_frames()?, 0);
    Ok(())
}

#[test]
fn many_series_rows_cross_the_chunk_size() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let n = 10_000;
    let mut w = RunWriter::create(&path, &info(), &grid_2d(), &[], &SERIES)?;
    for r in 0..n {
        w.append_series(&series_row(r))?;
        if r == 5000 {
            w.flush()?;
        }
    }
    w.finish()?;
    let r = RunReader::open(&path)?;
    let got = r.series("mean_calcium")?;
    assert_eq!(got.len(), n);
    assert!(got.iter().enumerate().all(|(i, &v)| v == series_row(i)[1]));
    assert_eq!(r.field_names()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn reader_errors_name_file_and_object() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    write_run(
        &path,
        &grid_2d(),
        &provenance("h", 1.0),
        &SERIES,
        |_, _, _| {},
    )?;
    let r = RunReader::open(&path)?;

    let err = r
        .series("no_such_series")
        .err()
        .ok_or("missing series found")?;
    assert!(matches!(err, OutputError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/timeseries/no_such_series"),
        "{err}"
    );
    assert!(
        err.to_string().contains(path.to_string_lossy().as_ref()),
        "{err}"
    );

    let err = r
        .field_frame("calcium", N_FRAMES)
        .err()
        .ok_or("frame past the end found")?;
    assert!(err.to_string().contains("frame 3 does not exist"), "{err}");
    assert!(r.field_frame("nope", 0).is_err());
    assert!(r.field_frame("time_h", 0).is_err());

    let junk = tmp(&dir, "junk.h5");
    std::fs::write(&junk, b"not an HDF5 file")?;
    let err = RunReader::open(&junk).err().ok_or("junk opened")?;
    assert!(matches!(err, OutputError::Open { .. }), "{err:?}");
    assert!(diff_files(&junk, &path, &[]).is_err());
    assert!(RunReader::open(&tmp(&dir, "missing.h5")).is_err());
    Ok(())
}
