//! Writes run files, reads them back and compares them.

use std::error::Error;
use std::path::{Path, PathBuf};

use vcsim_hdf5::{
    GridInfo, OutputError, Provenance, RunInfo, RunReader, RunWriter, SeriesGroup, diff_files,
};

type TestResult = Result<(), Box<dyn Error>>;

/// (name, units) of the fields.
type Named = (&'static str, &'static str);

const FIELDS: [Named; 2] = [("calcium", "mM"), ("phosphate", "mM")];
/// `/timeseries`: names and units.
const TS_NAMES: [&str; 3] = ["time_h", "mean_calcium", "n_cells"];
const TS_UNITS: [&str; 3] = ["h", "mM", "1"];
/// A second group, like vcsim's `/serum`, with meanings (as doc comments give them:
/// with a leading space, which the writer trims).
const SERUM_NAMES: [&str; 3] = ["time_h", "pi_mM", "pth_pg_mL"];
const SERUM_UNITS: [&str; 3] = ["h", "mM", "pg/mL"];
const SERUM_DOCS: [&str; 3] = [" Simulated time.", " Serum phosphate.", " Intact PTH."];

/// The series groups of a test run: `/timeseries` with its first `n` series, and `/serum`.
fn series(n: usize) -> [SeriesGroup<'static>; 2] {
    [
        SeriesGroup::new("timeseries", &TS_NAMES[..n], &TS_UNITS[..n]),
        SeriesGroup {
            group: "serum",
            names: &SERUM_NAMES,
            units: &SERUM_UNITS,
            docs: &SERUM_DOCS,
        },
    ]
}

/// Every series group with every series.
fn all_series() -> [SeriesGroup<'static>; 2] {
    series(TS_NAMES.len())
}
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

/// Row `r` of `/serum`: with a NaN (a value not modelled) and a negative zero.
fn serum_row(r: usize) -> [f64; 3] {
    let pth = match r {
        1 => f64::NAN,
        2 => -0.0,
        _ => 300.0 + r as f64 / 3.0,
    };
    [r as f64 * 0.1, 1.0 + (r as f64) / 7.0, pth]
}

/// Row `r` of every group of `groups` (the groups of [`series`]).
fn rows(groups: &[SeriesGroup<'_>], r: usize) -> Vec<Vec<f64>> {
    groups
        .iter()
        .map(|g| match g.group {
            "serum" => serum_row(r)[..g.names.len()].to_vec(),
            _ => series_row(r)[..g.names.len()].to_vec(),
        })
        .collect()
}

/// Appends row `r` of every group.
fn append_rows(w: &mut RunWriter, groups: &[SeriesGroup<'_>], r: usize) -> TestResult {
    let values = rows(groups, r);
    let slices: Vec<&[f64]> = values.iter().map(Vec::as_slice).collect();
    w.append_series(&slices)?;
    Ok(())
}

fn f64_bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
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
    series: &[SeriesGroup<'_>],
    tweak: impl Fn(usize, usize, &mut Vec<f32>),
) -> TestResult {
    let mut w = RunWriter::create(path, &info(), g, &FIELDS, series)?;
    w.write_regions(&regions(g), &REGION_NAMES)?;
    for r in 0..N_ROWS {
        append_rows(&mut w, series, r)?;
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

/// A string attribute of `/<path>`, read with the hdf5 crate.
fn string_attr(file: &hdf5::File, path: &str, attr: &str) -> Result<String, Box<dyn Error>> {
    let v = file
        .dataset(path)?
        .attr(attr)?
        .read_scalar::<hdf5::types::VarLenUnicode>()?;
    Ok(v.as_str().to_owned())
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn check_roundtrip(g: &GridInfo) -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    write_run(
        &path,
        g,
        &provenance("host-a", 12.0),
        &all_series(),
        |_, _, _| {},
    )?;

    let r = RunReader::open(&path)?;
    assert_eq!(r.config_toml()?, info().config_toml);
    assert_eq!(r.seed()?, info().seed);
    assert_eq!(r.vcsim_version()?, "0.1.0-test");
    assert_eq!(r.scenario()?, "baseline");
    assert_eq!(r.series_names()?, TS_NAMES);
    for (j, name) in TS_NAMES.iter().enumerate() {
        let expected: Vec<f64> = (0..N_ROWS).map(|row| series_row(row)[j]).collect();
        assert_eq!(f64_bits(&r.series(name)?), f64_bits(&expected), "{name}");
        assert_eq!(
            f64_bits(&r.series_in("timeseries", name)?),
            f64_bits(&expected),
            "{name}"
        );
    }
    // The second group, bit for bit (NaN and -0.0 included).
    assert!(r.has_series_group("serum"));
    assert!(!r.has_series_group("bone"));
    assert_eq!(r.series_names_in("serum")?, SERUM_NAMES);
    for (j, name) in SERUM_NAMES.iter().enumerate() {
        let expected: Vec<f64> = (0..N_ROWS).map(|row| serum_row(row)[j]).collect();
        assert_eq!(
            f64_bits(&r.series_in("serum", name)?),
            f64_bits(&expected),
            "{name}"
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
    write_run(
        &path,
        g,
        &provenance("host-a", 12.0),
        &all_series(),
        |_, _, _| {},
    )?;
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
    assert!(
        filters.contains(&hdf5::filters::Filter::Fletcher32),
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

    // Every series of every group: 1-D f64, growing, one chunk of 4096 rows.
    for (group, names) in [("timeseries", &TS_NAMES), ("serum", &SERUM_NAMES)] {
        for name in names {
            let ts = file.dataset(&format!("{group}/{name}"))?;
            assert!(ts.is_resizable(), "{group}/{name}");
            assert_eq!(ts.shape(), vec![N_ROWS], "{group}/{name}");
            assert_eq!(ts.chunk(), Some(vec![4096]), "{group}/{name}");
            // Only a checksum, so that damage to a row is found on reading.
            assert_eq!(
                ts.filters(),
                vec![hdf5::filters::Filter::Fletcher32],
                "{group}/{name}"
            );
            assert_eq!(
                ts.dtype()?.to_descriptor()?,
                hdf5::types::TypeDescriptor::Float(hdf5::types::FloatSize::U8)
            );
        }
    }

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
        write_run(
            &path,
            &g,
            &provenance("h", 1.0),
            &all_series(),
            |_, _, _| {},
        )?;

        let file = hdf5::File::open(&path)?;
        for (name, units) in FIELDS {
            assert_eq!(units_in_file(&file, "fields", name)?, units, "{name}");
        }
        for (name, units) in TS_NAMES.iter().zip(TS_UNITS) {
            assert_eq!(units_in_file(&file, "timeseries", name)?, units, "{name}");
            // No docs given: no long_name; time_h is the group's dimension
            // scale, attached to every other series.
            let ds = file.dataset(&format!("timeseries/{name}"))?;
            let expected: &[&str] = if *name == "time_h" {
                &["CLASS", "NAME", "REFERENCE_LIST", "units"]
            } else {
                &["DIMENSION_LIST", "units"]
            };
            assert_eq!(ds.attr_names()?, expected, "{name}");
        }
        for ((name, units), doc) in SERUM_NAMES.iter().zip(SERUM_UNITS).zip(SERUM_DOCS) {
            assert_eq!(units_in_file(&file, "serum", name)?, units, "{name}");
            let path = format!("serum/{name}");
            assert_eq!(
                string_attr(&file, &path, "long_name")?,
                doc.trim(),
                "{name}"
            );
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
        assert_eq!(r.series_units_in("serum", "pth_pg_mL")?, "pg/mL");
        let err = r.series_units("nope").err().ok_or("missing series found")?;
        assert!(matches!(err, OutputError::NotFound { .. }), "{err:?}");
        let err = r
            .series_units_in("serum", "nope")
            .err()
            .ok_or("missing series found")?;
        assert!(err.to_string().contains("/serum/nope"), "{err}");
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
    write_run(&path, g, &provenance("h", 1.0), &all_series(), |_, _, _| {})?;
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
    RunWriter::create(&a, &info(), &g, &FIELDS, &all_series())?.finish()?;
    RunWriter::create(&b, &info(), &g, &reversed, &all_series())?.finish()?;
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
        &all_series(),
        |_, _, _| {},
    )?;
    write_run(
        &b,
        &grid_3d(),
        &provenance("host-b", 99.0),
        &all_series(),
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
        &all_series(),
        |_, _, _| {},
    )?;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_run(
        &b,
        &grid_2d(),
        &provenance("host-a", 12.0),
        &all_series(),
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
    write_run(
        &a,
        &g,
        &provenance("host-a", 1.0),
        &all_series(),
        |_, _, _| {},
    )?;
    // Frame 2 of "phosphate", voxel (z=1, y=2, x=3).
    let voxel = (3 + 2) * 5 + 3;
    write_run(
        &b,
        &g,
        &provenance("host-a", 1.0),
        &all_series(),
        |f, t, v| {
            if f == 1 && t == 2 {
                v[voxel] = f32::from_bits(v[voxel].to_bits() ^ 1);
            }
        },
    )?;
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
        &all_series(),
        |_, _, _| {},
    )?;
    write_run(
        &b,
        &grid_2d(),
        &provenance("host-a", 1.0),
        &series(2),
        |_, _, _| {},
    )?;
    // The missing series, and the time scale's list of the series it is
    // attached to (one entry fewer).
    let diffs = diff_files(&a, &b, &["/provenance"])?;
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
    assert!(
        diffs[0].starts_with("/timeseries/n_cells: dataset only in '"),
        "{}",
        diffs[0]
    );
    assert!(diffs[0].contains("a.h5"), "{}", diffs[0]);
    assert!(
        diffs[1].starts_with("/timeseries/time_h@REFERENCE_LIST"),
        "{}",
        diffs[1]
    );
    // And the other way round.
    let diffs = diff_files(&b, &a, &["/provenance"])?;
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
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
        &all_series(),
        |_, _, _| {},
    )?;
    let mut w = RunWriter::create(
        &b,
        &RunInfo { seed: 7, ..info() },
        &grid_2d(),
        &FIELDS,
        &all_series(),
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
    let diffs = diff_files(
        &a,
        &b,
        &["/@seed", "/fields", "/timeseries", "/serum", "/provenance"],
    )?;
    assert_eq!(diffs, Vec::<String>::new());
    Ok(())
}

#[test]
fn create_in_missing_directory_is_an_error_naming_the_path() {
    let path = Path::new("/no/such/dir/x.h5");
    let err = match RunWriter::create(path, &info(), &grid_2d(), &FIELDS, &all_series()) {
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
    let mut w = RunWriter::create(&path, &info(), &g, &FIELDS, &all_series())?;

    let serum = serum_row(0);
    let err = w
        .append_series(&[&[1.0, 2.0], &serum])
        .err()
        .ok_or("short series row accepted")?;
    assert!(matches!(err, OutputError::InvalidInput { .. }), "{err:?}");
    assert!(err.to_string().contains("expected 3 values"), "{err}");
    assert!(err.to_string().contains("'/timeseries'"), "{err}");
    assert!(
        err.to_string().contains(path.to_string_lossy().as_ref()),
        "{err}"
    );
    assert!(w.append_series(&[&[1.0, 2.0, 3.0, 4.0], &serum]).is_err());
    // A bad row of the second group: the good first row is not kept either.
    let err = w
        .append_series(&[&[1.0, 2.0, 3.0], &serum[..2]])
        .err()
        .ok_or("short serum row accepted")?;
    assert!(err.to_string().contains("'/serum'"), "{err}");
    assert!(
        err.to_string().contains("time_h, pi_mM, pth_pg_mL"),
        "{err}"
    );
    // One row per group, no more, no less.
    let err = w
        .append_series(&[&[1.0, 2.0, 3.0]])
        .err()
        .ok_or("a missing group row was accepted")?;
    assert!(
        err.to_string()
            .contains("expected 2 series rows (one per group: /timeseries, /serum), got 1"),
        "{err}"
    );

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
    w.append_series(&[&[0.5, 1.5, 2.5], &[0.5, 1.25, 7.0]])?;
    w.write_frame(0.5, 3, &[&good, &good])?;
    w.finish()?;
    let r = RunReader::open(&path)?;
    assert_eq!(r.n_frames()?, 1);
    assert_eq!(r.series("mean_calcium")?, vec![1.5]);
    assert_eq!(r.series_in("serum", "pi_mM")?, vec![1.25]);
    assert_eq!(r.series_in("serum", "time_h")?, vec![0.5]);
    assert_eq!(r.frame_steps()?, vec![3]);
    Ok(())
}

#[test]
fn bad_arguments_to_create_are_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let series = all_series();
    let cases: Vec<(GridInfo, Vec<Named>)> = vec![
        (
            GridInfo {
                ndim: 4,
                ..grid_3d()
            },
            FIELDS.to_vec(),
        ),
        (
            GridInfo {
                ndim: 2,
                ..grid_3d()
            },
            FIELDS.to_vec(),
        ),
        (
            GridInfo {
                shape: [1, 0, 4],
                ..grid_2d()
            },
            FIELDS.to_vec(),
        ),
        (
            GridInfo {
                spacing_um: f64::NAN,
                ..grid_2d()
            },
            FIELDS.to_vec(),
        ),
        (grid_2d(), vec![("calcium", "mM"), ("calcium", "µM")]),
        (grid_2d(), vec![("time_h", "h")]),
        (grid_2d(), vec![("x_um", "µm")]),
        (grid_2d(), vec![("a/b", "1")]),
        (grid_2d(), vec![("calcium", "m\0M")]),
    ];
    for (g, fields) in cases {
        let res = RunWriter::create(&path, &info(), &g, &fields, &series);
        assert!(
            matches!(res, Err(OutputError::InvalidInput { .. })),
            "{g:?} {fields:?}: {res:?}"
        );
        // Checked before the file is created.
        assert!(!path.exists(), "{fields:?}");
    }

    // Series groups: each bad list with a fragment of its message (which names the object).
    let ts = SeriesGroup::new("timeseries", &TS_NAMES, &TS_UNITS);
    let group = |group, names, units| vec![ts, SeriesGroup::new(group, names, units)];
    let with_docs = |docs| {
        vec![SeriesGroup {
            docs,
            ..SeriesGroup::new("serum", &SERUM_NAMES, &SERUM_UNITS)
        }]
    };
    // (groups, object named by the error, what the error says).
    let series_cases: Vec<(Vec<SeriesGroup<'_>>, &str, &str)> = vec![
        (
            vec![SeriesGroup::new(
                "timeseries",
                &["time_h", "n"],
                &["h", "\0"],
            )],
            "/timeseries/n@units",
            "NUL",
        ),
        (
            vec![SeriesGroup::new(
                "timeseries",
                &["n", "time_h"],
                &["1", "h"],
            )],
            "/timeseries",
            "the first series must be 'time_h'",
        ),
        (
            vec![SeriesGroup::new("timeseries", &[], &[])],
            "/timeseries",
            "the first series must be 'time_h'",
        ),
        (
            vec![SeriesGroup::new(
                "timeseries",
                &["time_h", "time_h"],
                &["h", "h"],
            )],
            "/timeseries/time_h",
            "'time_h' is given twice",
        ),
        (
            group("serum", &["time_h", "pi_mM"], &["h"]),
            "/serum",
            "2 series names but 1 units",
        ),
        (
            with_docs(&[" Simulated time."]),
            "/serum",
            "3 series names but 1 docs",
        ),
        (
            with_docs(&["t", "p\0", "q"]),
            "/serum/pi_mM@long_name",
            "NUL",
        ),
        (vec![ts, ts], "/timeseries", "'timeseries' is given twice"),
        (
            group("fields", &["time_h"], &["h"]),
            "/fields",
            "'fields' is reserved",
        ),
        (
            group("cells", &["time_h"], &["h"]),
            "/cells",
            "'cells' is reserved",
        ),
        (
            group("grid", &["time_h"], &["h"]),
            "/grid",
            "'grid' is reserved",
        ),
        (
            group("provenance", &["time_h"], &["h"]),
            "/provenance",
            "'provenance' is reserved",
        ),
        (group("a/b", &["time_h"], &["h"]), "/", "contains '/'"),
        (group("", &["time_h"], &["h"]), "/", "a name is empty"),
    ];
    for (series, object, detail) in series_cases {
        let res = RunWriter::create(&path, &info(), &grid_2d(), &FIELDS, &series);
        let Err(err) = res else {
            return Err(format!("{series:?} was accepted").into());
        };
        assert!(
            matches!(err, OutputError::InvalidInput { .. }),
            "{series:?}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("'{object}' in")) && msg.contains(detail),
            "{series:?}: {msg}"
        );
        assert!(!path.exists(), "{series:?}");
    }
    let res = RunWriter::create(
        &path,
        &RunInfo {
            config_toml: "a\0b".into(),
            ..info()
        },
        &grid_2d(),
        &FIELDS,
        &all_series(),
    );
    assert!(
        matches!(res, Err(OutputError::InvalidInput { .. })),
        "{res:?}"
    );
    // No series group at all is allowed (and so is a file of fields only).
    RunWriter::create(&path, &info(), &grid_2d(), &FIELDS, &[])?.finish()?;
    let r = RunReader::open(&path)?;
    assert!(!r.has_series_group("timeseries"));
    Ok(())
}

#[test]
fn dropping_the_writer_flushes_pending_rows() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    {
        let mut w = RunWriter::create(&path, &info(), &grid_2d(), &FIELDS, &all_series())?;
        for r in 0..N_ROWS {
            append_rows(&mut w, &all_series(), r)?;
        }
    }
    let r = RunReader::open(&path)?;
    assert_eq!(r.series("n_cells")?, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    assert_eq!(r.series_in("serum", "time_h")?, r.series("time_h")?);
    assert_eq!(r.n_frames()?, 0);
    Ok(())
}

#[test]
fn many_series_rows_cross_the_chunk_size() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let n = 10_000;
    let mut w = RunWriter::create(&path, &info(), &grid_2d(), &[], &all_series())?;
    for r in 0..n {
        append_rows(&mut w, &all_series(), r)?;
        if r == 5000 {
            w.flush()?;
        }
    }
    w.finish()?;
    let r = RunReader::open(&path)?;
    let got = r.series("mean_calcium")?;
    assert_eq!(got.len(), n);
    assert!(got.iter().enumerate().all(|(i, &v)| v == series_row(i)[1]));
    let got = r.series_in("serum", "pi_mM")?;
    assert_eq!(got.len(), n);
    assert!(got.iter().enumerate().all(|(i, &v)| v == serum_row(i)[1]));
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
        &all_series(),
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
        .series_in("serum", "no_such_series")
        .err()
        .ok_or("missing series found")?;
    assert!(matches!(err, OutputError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("'/serum/no_such_series'"), "{err}");
    let err = r
        .series_in("bone", "time_h")
        .err()
        .ok_or("missing group found")?;
    assert!(matches!(err, OutputError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("'/bone'"), "{err}");
    assert!(r.series_names_in("bone").is_err());
    let err = r
        .series_names_in("a/b")
        .err()
        .ok_or("a path was taken for a group")?;
    assert!(matches!(err, OutputError::InvalidInput { .. }), "{err:?}");
    assert!(!r.has_series_group("a/b"));

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

/// What a frame flushes is on disk: a copy of the file taken while the writer is still
/// open (as after `kill -9`) holds every group's rows up to the frame.
#[test]
fn frames_flush_the_rows_of_every_series_group() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = tmp(&dir, "run.h5");
    let g = grid_2d();
    let groups = all_series();
    let mut w = RunWriter::create(&path, &info(), &g, &FIELDS, &groups)?;
    w.write_regions(&regions(&g), &REGION_NAMES)?;
    for r in 0..3 {
        append_rows(&mut w, &groups, r)?;
    }
    let frame: Vec<Vec<f32>> = (0..FIELDS.len()).map(|f| field_values(&g, f, 0)).collect();
    let slices: Vec<&[f32]> = frame.iter().map(Vec::as_slice).collect();
    w.write_frame(0.0, 0, &slices)?;
    // Rows after the frame stay in memory until the next flush.
    append_rows(&mut w, &groups, 3)?;
    let copy = tmp(&dir, "copy.h5");
    std::fs::copy(&path, &copy)?;
    let r = RunReader::open(&copy)?;
    assert_eq!(r.n_frames()?, 1);
    for (j, name) in SERUM_NAMES.iter().enumerate() {
        let expected: Vec<f64> = (0..3).map(|row| serum_row(row)[j]).collect();
        assert_eq!(
            f64_bits(&r.series_in("serum", name)?),
            f64_bits(&expected),
            "{name}"
        );
    }
    assert_eq!(r.series("n_cells")?, vec![0.0, 10.0, 20.0]);
    drop(r);
    // An explicit flush writes the rest.
    w.flush()?;
    std::fs::copy(&path, &copy)?;
    assert_eq!(
        RunReader::open(&copy)?.series_in("serum", "time_h")?.len(),
        4
    );
    w.finish()?;
    Ok(())
}

#[test]
fn diff_reports_a_changed_value_in_any_series_group() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (a, b) = (tmp(&dir, "a.h5"), tmp(&dir, "b.h5"));
    let g = grid_2d();
    for (path, pth) in [(&a, 250.0), (&b, 251.0)] {
        let mut w = RunWriter::create(path, &info(), &g, &FIELDS, &all_series())?;
        for r in 0..N_ROWS {
            let mut serum = serum_row(r);
            if r == 4 {
                serum[2] = pth;
            }
            w.append_series(&[&series_row(r), &serum])?;
        }
        w.finish()?;
    }
    let diffs = diff_files(&a, &b, &[])?;
    assert_eq!(
        diffs,
        ["/serum/pth_pg_mL: 1 of 5 values differ (first at [4]: 250.0 vs 251.0)"]
    );
    // A group missing from one file is reported too.
    let c = tmp(&dir, "c.h5");
    RunWriter::create(&c, &info(), &g, &FIELDS, &series(3)[..1])?.finish()?;
    let diffs = diff_files(&a, &c, &["/timeseries", "/fields"])?;
    assert!(
        diffs.iter().any(|d| d.starts_with("/serum: group only in")),
        "{diffs:#?}"
    );
    Ok(())
}
