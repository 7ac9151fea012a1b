"""scripts/convergence.py end to end on the smoke preset: the grid study and
the time-step study (--dt) run, name their runs by setting, and tabulate
every readout at every setting."""

import subprocess
import sys

import h5py
import pytest

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "convergence.py"


def study(vcsim, tmp_path, *args, cases=("smoke:2",)):
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--cases", *cases, "--binary", str(vcsim),
         "--runs", str(tmp_path / "runs"), "--out", str(tmp_path / "out"), *args],
        capture_output=True, text=True,
    )


def test_time_step_study_runs_each_step_and_tabulates_it(vcsim, tmp_path):
    pytest.importorskip("matplotlib")
    r = study(vcsim, tmp_path, "--dx", "10", "--dt", "4", "2", "--name", "timestep")
    assert r.returncode == 0, r.stderr
    for dt in (4, 2):
        path = tmp_path / "runs" / f"smoke_2d_dx10.0_dt{dt}_s1.h5"
        with h5py.File(path, "r") as h:
            assert f"dt_h = {dt}." in h.attrs["config"], "the run used the study's step"
    table = (tmp_path / "out" / "timestep.md").read_text()
    assert table.startswith("# Time-step convergence")
    assert "| readout | dt 4 h | dt 2 h |" in table
    assert "--dx 10 --dt 4 2 --seeds 1 --cases smoke:2 --name timestep" in table
    assert (tmp_path / "out" / "timestep.png").stat().st_size > 1000


def test_a_time_step_study_needs_one_voxel_size(vcsim, tmp_path):
    r = study(vcsim, tmp_path, "--dx", "10", "5", "--dt", "1")
    assert r.returncode == 2
    assert "single --dx" in r.stderr
    r = study(vcsim, tmp_path, "--dx", "10", "--dt", "0")
    assert r.returncode == 2
    assert "(0, 24]" in r.stderr


def test_runs_are_reused_only_with_the_configuration_asked_for(vcsim, tmp_path):
    pytest.importorskip("matplotlib")
    args = ("--dx", "10", "--dt", "4", "--name", "t")
    assert study(vcsim, tmp_path, *args).returncode == 0
    path = tmp_path / "runs" / "smoke_2d_dx10.0_dt4_s1.h5"
    made = path.stat().st_mtime_ns
    r = study(vcsim, tmp_path, *args)
    assert r.returncode == 0 and path.stat().st_mtime_ns == made, "an up-to-date run is reused"
    # A run made with another configuration (here: an edited record of it,
    # as after a change of a default) is made again.
    with h5py.File(path, "r+") as h:
        h.attrs["config"] = h.attrs["config"].replace("dt_h = 4.0", "dt_h = 4.5")
    r = study(vcsim, tmp_path, *args)
    assert r.returncode == 0, r.stderr
    assert "made with another configuration; running it again" in r.stderr
    with h5py.File(path, "r") as h:
        assert "dt_h = 4.0" in h.attrs["config"]
    made = path.stat().st_mtime_ns
    r = study(vcsim, tmp_path, *args, "--fresh")
    assert r.returncode == 0 and path.stat().st_mtime_ns != made, "--fresh runs again"


def test_a_scenario_file_is_a_case_too(vcsim, tmp_path):
    """A user checks their own scenario: FILE.toml:DAYS, named by the file."""
    pytest.importorskip("matplotlib")
    mine = tmp_path / "my_wall.toml"
    mine.write_text((ROOT / "configs" / "smoke.toml").read_text().replace('name = "smoke"', 'name = "my wall"'))
    r = study(vcsim, tmp_path, "--dx", "10", "--dt", "4", "--name", "mine", cases=(f"{mine}:2",))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "runs" / "my_wall_2d_dx10.0_dt4_s1.h5").exists()
    assert "## my_wall, " in (tmp_path / "out" / "mine.md").read_text()
    r = study(vcsim, tmp_path, "--dx", "10", cases=("smoke",))
    assert r.returncode == 2 and "PRESET:DAYS" in r.stderr


def test_a_run_that_stopped_early_is_made_again(vcsim, tmp_path):
    """A kept file that did not reach the end of its run (here: stopped at
    step 3 of 12) is not reused, though its configuration is the one asked for."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "runs" / "smoke_2d_dx10.0_dt4_s1.h5"
    path.parent.mkdir()
    sets = ["--set", "geometry.dx_um=10.0", "--set", "simulation.duration_days=2.0",
            "--set", "simulation.seed=1", "--set", "simulation.frame_every_h=48.0",
            "--set", "simulation.dt_h=4.0"]
    subprocess.run([str(vcsim), "run", "smoke", "-o", str(path), "--progress", "none",
                    "--stop-at-step", "3", *sets], check=True, capture_output=True)
    with h5py.File(path, "r") as h:
        assert h["timeseries"]["time_h"][-1] < 48.0
    r = study(vcsim, tmp_path, "--dx", "10", "--dt", "4", "--name", "t")
    assert r.returncode == 0, r.stderr
    assert "running it again" in r.stderr
    with h5py.File(path, "r") as h:
        assert h["timeseries"]["time_h"][-1] == 48.0, "the run was made again, to its end"
