"""The Python mirror of the imaging readout (scripts/imaging_figure.py) gives
the numbers that crates/vcsim-rules/src/imaging/tests.rs asserts for the
worked example of docs/imaging.md."""

import imaging_figure


def test_mirror_reproduces_the_worked_example():
    imaging_figure.selfcheck()


def test_no_wall_reads_the_baseline():
    mineral, region = imaging_figure.ckd5d_wall(0.5)
    region[:] = 3  # adventitia everywhere
    r = imaging_figure.reading(mineral, region, 5.0)
    assert r["agatston"] == 0.0 and r["peak_hu"] == imaging_figure.DEFAULTS["baseline_hu"]


def test_mirror_defaults_are_the_binarys(vcsim):
    """The mirror's defaults are the readout's: scripts/calibrate_natural_history.py
    reads runs with them, so a default changed in Rust alone would calibrate
    another readout than the one the runs write."""
    import subprocess
    import tomllib

    from conftest import ROOT

    out = subprocess.run([str(vcsim), "check", str(ROOT / "configs" / "ckd5d.toml")],
                         check=True, capture_output=True, text=True).stdout
    resolved = tomllib.loads(out)["imaging"]  # its first line is a TOML comment
    assert {k: float(v) for k, v in resolved.items()} == imaging_figure.DEFAULTS
