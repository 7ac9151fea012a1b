"""A smoke run read back from Python: layout, units and internal consistency."""

import subprocess

import h5py
import numpy as np
import pytest

from vcsim_analysis import PHENOTYPES, SERIES_GROUPS, open_run

#: The serum series that the standard figure and `vcsim inspect` show.
SERUM_MAIN = ["pi_mM", "ca_mM", "pth_pg_mL", "fgf23", "fetuin_a_g_L", "ppi_uM", "mg_mM", "t50_min"]


def test_root_attributes_and_config(smoke_run):
    run = open_run(smoke_run)
    assert run.attrs["schema_version"] == 2
    assert run.attrs["seed"] == 7
    assert run.attrs["scenario"] == "smoke"
    cfg = run.config
    # The smoke run has a patient with end-stage kidneys: the serum is computed (/serum).
    assert cfg["boundary"]["lumen"] == "patient"
    assert cfg["patient"]["kidney"]["egfr_mL_min"] == 6.0
    # The resolved config holds every section, defaults included.
    assert {"simulation", "geometry", "boundary", "serum", "solutes", "cells", "mineral"} <= set(cfg)
    assert cfg["solutes"]["fetuin_a"]["partition"] == pytest.approx(0.15)


def test_time_series_are_consistent(smoke_run):
    run = open_run(smoke_run)
    s = run.series
    n = 30 * 24 // 4 + 1
    assert all(len(v) == n for v in s.values()), {k: len(v) for k, v in s.items()}
    assert np.allclose(np.diff(s["time_h"]), 4.0)
    cells = s["n_contractile"] + s["n_osteogenic"] + s["n_apoptotic"] + s["n_apoptotic_body"] + s["n_calcified"]
    # Turnover: bodies are removed and free territories refilled, one cell
    # at a time; never more cells than territories.
    assert np.all(np.abs(np.diff(cells)) <= 3), "cells come and go one territory at a time"
    assert cells.max() <= 1.2 * cells[0]
    calcified = s["n_calcified"]
    assert np.all(np.diff(calcified) >= 0), "a body in calcified mineral stays"
    assert s["n_osteogenic"][0] == 0 and s["n_osteogenic"][-1] > 0
    assert 0 < s["calcified_fraction"][-1] <= 1
    assert s["mean_runx2"][0] == pytest.approx(1.0)
    assert s["mean_runx2"][-1] > 2.0


def test_fields_match_the_grid_and_the_series(smoke_run):
    run = open_run(smoke_run)
    nx, ny = len(run.coords_um["x_um"]), len(run.coords_um["y_um"])
    assert run.region.shape == (ny, nx)
    assert run.region_names == {0: "endothelium", 1: "lamina", 2: "media", 3: "adventitia"}
    assert list(run.frame_times_h) == [0.0, 240.0, 480.0, 720.0]
    assert set(run.field_names) == {
        "phosphate", "calcium", "magnesium", "ppi", "fetuin_a", "ros", "rankl", "opg",
        "mineral", "runx2", "alp", "phenotype",
    }
    dx = run.attrs["spacing_um"]
    assert np.allclose(run.coords_um["x_um"], (np.arange(nx) + 0.5) * dx)

    pheno = run.field("phenotype")
    runx2 = run.field("runx2")
    assert pheno.shape == (ny, nx)
    assert set(np.unique(pheno)) <= {-1.0, 0.0, 1.0, 2.0, 3.0, 4.0}
    # Cells live only in media voxels, and Runx2 is defined exactly where a viable cell is.
    assert np.all(run.region[pheno >= 0] == 2)
    assert np.array_equal(~np.isnan(runx2), (pheno == 0) | (pheno == 1))
    # The last frame is the last time-series row: the maps paint each cell
    # over its territory, the cell table holds one row per cell.
    cells = run.cells()
    last = cells[cells["frame"] == cells["frame"].max()]
    for code, name in PHENOTYPES.items():
        assert (last["phenotype"] == code).sum() == run.series[f"n_{name}"][-1], name
        if (last["phenotype"] == code).any():
            assert (pheno == code).any(), name
    viable = last[last["phenotype"] <= 1]
    assert viable["runx2"].mean() == pytest.approx(run.series["mean_runx2"][-1], rel=1e-5)
    mineral = run.fields("mineral")
    assert mineral.shape == (4, ny, nx)
    assert mineral.min() >= 0 and mineral.max() <= run.config["mineral"]["max_fraction"] + 1e-6
    # A 2D section is geometry.section_um deep.
    voxel_um3 = dx * dx * run.config["geometry"]["section_um"]
    assert mineral[-1].sum() * voxel_um3 == pytest.approx(run.series["mineral_volume_um3"][-1], rel=1e-4)
    # Serum at the lumen face: the endothelial column holds about the patient's serum value.
    pi = run.field("phosphate")
    assert pi[:, 0].mean() == pytest.approx(run.serum["pi_mM"].iloc[-1], rel=0.01)
    assert 2.0 < run.serum["pi_mM"].iloc[-1] < 3.0, "end-stage kidneys without dialysis: serum Pi 2–3 mM"


def test_fields_are_chunked_and_compressed(smoke_run):
    with h5py.File(smoke_run, "r") as f:
        ds = f["fields/phosphate"]
        assert ds.chunks[0] == 1 and ds.compression == "gzip" and ds.shuffle
        assert ds.maxshape[0] is None
        assert ds.dtype == np.float32


def test_provenance_is_recorded(smoke_run):
    run = open_run(smoke_run)
    p = run.provenance
    assert p["threads"] == 2
    assert p["steps_run"] == 180
    assert set(p["stage_seconds"]) == {"environment", "reactions", "transport"}


def test_thread_count_changes_only_provenance(tmp_path, vcsim, smoke_run):
    from conftest import ROOT

    out = tmp_path / "one.h5"
    subprocess.run(
        [str(vcsim), "run", str(ROOT / "configs" / "smoke.toml"), "-o", str(out), "--threads", "1", "--progress", "none"],
        check=True,
    )
    seen = []

    def compare(name, obj):
        if name.startswith("provenance"):
            return
        seen.append(name)
        other = g[name]
        for k, v in obj.attrs.items():
            if k in ("DIMENSION_LIST", "REFERENCE_LIST"):
                # Object references compare by identity in h5py; the Rust
                # diff_files compares them by the path they point to.
                continue
            assert np.array_equal(np.asarray(v), np.asarray(other.attrs[k])), (name, k)
        if isinstance(obj, h5py.Dataset):
            a, b = obj[...], other[...]
            assert a.dtype == b.dtype and a.shape == b.shape, name
            assert a.tobytes() == b.tobytes(), name

    with h5py.File(smoke_run, "r") as f, h5py.File(out, "r") as g:
        for k in f.attrs:
            assert np.array_equal(np.asarray(f.attrs[k]), np.asarray(g.attrs[k])), k
        f.visititems(compare)
    assert "fields/mineral" in seen and "timeseries/time_h" in seen
    assert "serum/pth_pg_mL" in seen and "bone/bmd_rel" in seen


def test_fields_open_in_xarray_with_named_dimensions(smoke_run):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("h5netcdf")
    ds = xr.open_dataset(smoke_run, group="fields", engine="h5netcdf")
    assert ds["mineral"].dims == ("time_h", "y_um", "x_um")
    assert list(ds["time_h"].values) == [0.0, 240.0, 480.0, 720.0]
    assert ds["phosphate"].attrs["units"] == "mM"
    assert ds["x_um"].attrs["units"] == "µm"
    # Selecting by coordinate works: the lumen-side column at the last frame holds the serum level.
    lumen = ds["phosphate"].sel(time_h=720.0).isel(x_um=0)
    with h5py.File(smoke_run, "r") as f:
        serum_pi = f["serum/pi_mM"][-1]
    assert float(lumen.mean()) == pytest.approx(serum_pi, rel=0.01)
    ds.close()


def test_cells_load_into_pandas_without_reshaping(smoke_run):
    pytest.importorskip("pandas")
    run = open_run(smoke_run)
    df = run.cells()
    assert list(df.columns[:11]) == [
        "frame", "time_h", "id", "x_um", "y_um", "z_um", "phenotype", "runx2", "alp", "opn", "pi_in_mM",
    ] or set(df.columns) >= {"frame", "time_h", "id", "x_um", "y_um", "phenotype", "runx2"}
    s = run.series
    alive = s["n_contractile"] + s["n_osteogenic"] + s["n_apoptotic"] + s["n_apoptotic_body"] + s["n_calcified"]
    rows = [int(alive[np.argmin(np.abs(s["time_h"] - t))]) for t in run.frame_times_h]
    assert df.groupby("frame").size().tolist() == rows
    assert sorted(df["time_h"].unique().tolist()) == list(run.frame_times_h)
    last = df[df["frame"] == df["frame"].max()]
    # The table agrees with the maps of the same frame.
    pheno = run.field("phenotype")
    dx = run.attrs["spacing_um"]
    for _, row in last.head(20).iterrows():
        y, x = int(row["y_um"] // dx), int(row["x_um"] // dx)
        assert pheno[y, x] == row["phenotype"]
    counts = last["phenotype_name"].value_counts()
    assert counts.get("osteogenic", 0) == run.series["n_osteogenic"][-1]
    ts = run.series_frame()
    assert ts.index.name == "time_h" and "calcified_fraction" in ts


def test_report_draws_the_standard_figures(smoke_run, tmp_path):
    pytest.importorskip("matplotlib")
    import subprocess
    import sys

    out = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "vcsim_analysis", "report", str(smoke_run), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ["tissue_maps.png", "time_series.png", "solutes.png", "patient.png", "regions.png"]:
        assert (out / name).stat().st_size > 5000, name
    assert "patient.png" in (out / "index.html").read_text()
    summary = (out / "summary.md").read_text()
    assert "30.0 days, 180 steps, 4 frames" in summary
    import re

    from vcsim_analysis import open_run

    m = re.search(r"- serum, run means: phosphate ([0-9.]+) mM", summary)
    assert m, summary
    assert float(m.group(1)) == pytest.approx(open_run(smoke_run).serum["pi_mM"].mean(), rel=1e-3)
    assert "PTH" in summary and "T50" in summary
    assert "bone mineral density at the end: " in summary and "![patient](patient.png)" in summary
    bad = subprocess.run([sys.executable, "-m", "vcsim_analysis", "report", str(tmp_path / "missing.h5"), "-o", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1 and "missing.h5" in bad.stderr


def test_xdmf_sidecar_points_at_every_frame(smoke_run):
    import xml.etree.ElementTree as ET

    xmf = smoke_run.with_suffix(".xmf")
    tree = ET.parse(xmf)
    frames = tree.findall("./Domain/Grid/Grid")
    run = open_run(smoke_run)
    assert [float(g.find("Time").get("Value")) for g in frames] == list(run.frame_times_h)
    with h5py.File(smoke_run, "r") as f:
        for k, grid in enumerate(frames):
            attrs = grid.findall("Attribute")
            # Every field, plus the region map from /grid.
            assert {a.get("Name") for a in attrs} == set(run.field_names) | {"region"}
            for a in attrs:
                if a.get("Name") == "region":
                    item = a.find("DataItem")
                    assert item.text.split(":") == [smoke_run.name, "/grid/region"]
                    continue
                slab, heavy = a.find("DataItem").findall("DataItem")
                start = [int(v) for v in slab.text.split()][:3]
                assert start[0] == k
                file_name, path = heavy.text.split(":")
                assert file_name == smoke_run.name
                assert [int(d) for d in heavy.get("Dimensions").split()] == list(f[path].shape)


def test_worked_example_runs(tmp_path, vcsim):
    pytest.importorskip("matplotlib")
    pytest.importorskip("xarray")
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, str(ROOT / "docs" / "example_analysis.py"), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "example.png").stat().st_size > 10000
    # What the figure follows is not flat: the mineral volume grows over the
    # 120 days, though no voxel is "calcified" yet.
    run = open_run(tmp_path / "example.h5")
    assert run.series["mineral_volume_um3"][-1] > 10 * run.series["mineral_volume_um3"][len(run.series["time_h"]) // 10] > 0
    assert "<vcsim Run 'ckd5d'" in done.stdout


def test_serum_and_bone_are_laid_out_like_the_timeseries(smoke_run):
    with h5py.File(smoke_run, "r") as f:
        n = f["timeseries/time_h"].shape[0]
        assert n == 30 * 24 // 4 + 1
        for group in SERIES_GROUPS:
            g = f[group]
            names = list(g)
            assert names[0] == "time_h", (group, names)
            for name in names:
                ds = g[name]
                assert ds.dtype == np.float64 and ds.ndim == 1, (group, name)
                assert ds.shape == (n,) and ds.maxshape == (None,) and ds.chunks == (4096,), (group, name)
                assert ds.compression is None, (group, name)
                assert isinstance(ds.attrs["units"], str) and ds.attrs["units"], (group, name)
                assert isinstance(ds.attrs["long_name"], str) and ds.attrs["long_name"], (group, name)
            assert g["time_h"].attrs["units"] == "h"
            assert np.array_equal(g["time_h"][...], f["timeseries/time_h"][...]), group
        assert set(SERUM_MAIN) <= set(f["serum"])
        assert f["serum/pth_pg_mL"].attrs["units"] == "pg/mL"
        assert f["serum/ppi_uM"].attrs["units"] == "µM"
        assert f["serum/t50_min"].attrs["long_name"].startswith("Calcification propensity")
        assert f["bone/bmd_rel"].attrs["units"] == "1"
        # The patient model computes every serum value (no NaN) and the bone.
        for name in SERUM_MAIN:
            v = f["serum"][name][...]
            assert np.all(np.isfinite(v)) and np.all(v > 0), name
        bmd = f["bone/bmd_rel"][...]
        assert bmd[0] == 1.0 and np.all(np.isfinite(bmd))


def test_serum_and_bone_load_into_pandas(smoke_run):
    pytest.importorskip("pandas")
    run = open_run(smoke_run)
    ts = run.series_frame()
    assert run.has_patient
    with h5py.File(smoke_run, "r") as f:
        for group, df in [("serum", run.serum), ("bone", run.bone)]:
            # Indexed like the time-series frame; the columns in the file's order.
            assert df.index.name == "time_h"
            assert np.array_equal(df.index.to_numpy(), ts.index.to_numpy()), group
            assert list(df.columns) == list(f[group])[1:], group
            assert df.attrs["units"] == {k: f[group][k].attrs["units"] for k in f[group]}
            assert df.attrs["long_names"]["time_h"] == "Simulated time."
            for name in df.columns:
                assert df[name].to_numpy().tobytes() == f[group][name][...].tobytes(), (group, name)
    assert run.serum.attrs["units"]["pth_pg_mL"] == "pg/mL"
    assert ts.attrs["units"]["calcified_fraction"] == "1"
    assert run.serum is run.serum, "read once"
    # Steady end-stage kidneys over a month: PTH and FGF23 high, T50 short.
    assert run.serum["pth_pg_mL"].mean() > 150
    assert run.serum["fgf23"].mean() > 500
    assert run.serum["t50_min"].mean() < 300
    assert run.bone["bmd_rel"].iloc[-1] == pytest.approx(1.0, abs=0.01)


def test_runs_without_a_patient_and_older_files(tmp_path, vcsim, smoke_run):
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    import shutil
    import sys

    from conftest import ROOT

    # A constant [serum]: the configured levels are recorded, what is not modelled is NaN.
    fixed = tmp_path / "fixed.h5"
    subprocess.run(
        [str(vcsim), "run", str(ROOT / "configs" / "smoke.toml"), "-o", str(fixed),
         "--set", 'boundary.lumen="serum"', "--set", "simulation.duration_days=2", "--progress", "none"],
        check=True,
    )
    run = open_run(fixed)
    assert not run.has_patient
    assert np.all(run.serum["pi_mM"] == run.config["serum"]["phosphate_mM"])
    assert run.serum["fgf23"].isna().all() and run.bone["bmd_rel"].isna().all()
    out = tmp_path / "fixed-report"
    done = subprocess.run([sys.executable, "-m", "vcsim_analysis", "report", str(fixed), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not (out / "patient.png").exists()
    assert "serum" not in (out / "summary.md").read_text()

    # A file written before /serum and /bone existed.
    older = tmp_path / "older.h5"
    shutil.copy(smoke_run, older)
    with h5py.File(older, "r+") as f:
        del f["serum"], f["bone"]
    run = open_run(older)
    assert run.serum.empty and run.bone.empty and run.serum.attrs["units"] == {}
    assert not run.has_patient
    assert "calcified_fraction" in run.series_frame()
    out = tmp_path / "older-report"
    done = subprocess.run([sys.executable, "-m", "vcsim_analysis", "report", str(older), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not (out / "patient.png").exists()


def test_clinical_readings_once_a_day(smoke_run):
    """/clinical holds a CT reading once per simulated day and at the end,
    NaN (but time_h) in between; run.clinical keeps the readings."""
    run = open_run(smoke_run)
    with h5py.File(smoke_run, "r") as f:
        t = f["clinical/time_h"][()]
        agatston = f["clinical/agatston"][()]
        dt = t[1] - t[0]
        per_day = round(24.0 / dt)
        taken = ~np.isnan(agatston)
        steps = np.arange(len(t))
        assert np.array_equal(taken, (steps % per_day == 0) | (steps == len(t) - 1))
        assert f["clinical/agatston"].attrs["units"] in (b"AU", "AU")
    c = run.clinical
    assert len(c) == taken.sum()
    assert set(c["detectable"].unique()) <= {0.0, 1.0}
    # The smoke wall calcifies heavily in a month: the CT sees it by the end.
    assert c["agatston"].iloc[-1] > 0 and c["detectable"].iloc[-1] == 1.0
    assert (np.diff(c["ha_mass_mg"].to_numpy()) >= -1e-9).all(), "mineral only grows in the smoke run"
