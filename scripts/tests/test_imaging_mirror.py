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


def _frames():
    """Four states of the ckd5d wall (0, 2, 5, 10% mineral, 30 days apart)
    with sites of spread 1 and onsets over 60 days, seed 1."""
    import numpy as np

    ms = []
    for phi in [0.0, 0.02, 0.05, 0.1]:
        m, region = imaging_figure.ckd5d_wall(phi)
        ms.append(m)
    p = dict(imaging_figure.DEFAULTS, site_cv=1.0, site_onset_spread_days=60.0)
    return imaging_figure.History(np.array([0.0, 30.0, 60.0, 90.0]), ms, region, 5.0, p), ms, region, p


def test_delayed_sites_without_delay_read_the_current_wall():
    import numpy as np

    h, ms, region, p = _frames()
    zero = np.zeros((40, 8))
    for k, m in enumerate(ms):
        got = h.reading(k, 1, zero)
        want = imaging_figure.reading(m, region, 5.0, p, 1)
        for g, key in zip(got, ("agatston", "volume_mm3", "mass_mg")):
            assert abs(g - want[key]) < 1e-9 * max(1.0, want[key])
    assert h.reading(3, 1, zero)[0] > 100.0  # not trivially 0 = 0


def test_a_delayed_site_reads_the_past_linear_between_states():
    import numpy as np

    h, ms, region, p = _frames()
    # A delay of one state reads the state before; half a state, the mean
    # of the two around it (uniform walls: the mean wall); before the start,
    # the first state.
    for k in range(1, 4):
        got = h.reading(k, 1, np.full((40, 8), 30.0))
        want = imaging_figure.reading(ms[k - 1], region, 5.0, p, 1)
        assert abs(got[0] - want["agatston"]) < 1e-9 * max(1.0, want["agatston"])
    half = h.reading(3, 1, np.full((40, 8), 15.0))
    mid = imaging_figure.reading(0.5 * (ms[2] + ms[3]), region, 5.0, p, 1)
    assert abs(half[2] - mid["mass_mg"]) < 1e-9 * mid["mass_mg"]
    assert h.reading(3, 1, np.full((40, 8), 1000.0)) == (0.0, 0.0, 0.0)
    d = imaging_figure.onset_delays(p, 40, 8, 1)
    assert d.min() >= 0.0 and d.max() <= 60.0 and abs(d.mean() - 30.0) < 3.0
    assert not np.array_equal(d, imaging_figure.onset_delays(p, 40, 8, 2))


def test_the_mirror_reads_what_the_binary_writes_with_delayed_sites(vcsim, tmp_path):
    """A short run whose frames fall on the history's interval: at every
    frame, the mirror's mineral mass and peak HU of the delayed sites equal
    /clinical's (to the f32 rounding of the frames the mirror reads)."""
    import subprocess

    import h5py
    import numpy as np

    out = tmp_path / "d.h5"
    sets = ["simulation.duration_days=12", "simulation.frame_every_h=24", "geometry.circumference_um=200",
            "mineral.lamina_nucleation_per_um3_h=0.01", "imaging.site_onset_spread_days=6",
            "imaging.history_every_days=1", "simulation.seed=3"]
    subprocess.run([str(vcsim), "run", "ckd5d", "-o", str(out), "--progress", "none",
                    *[x for kv in sets for x in ("--set", kv)]], check=True)
    with h5py.File(out, "r") as f:
        dx = float(f.attrs["spacing_um"])
        region = np.asarray(f["grid/region"])
        days = np.asarray(f["fields/time_h"]) / 24.0
        mineral = [np.asarray(m, dtype=float) for m in f["fields/mineral"]]
        c = f["clinical"]
        t = np.asarray(c["time_h"]) / 24.0
        mass, peak = np.asarray(c["ha_mass_mg"]), np.asarray(c["peak_hu"])
    p = dict(imaging_figure.DEFAULTS, site_onset_spread_days=6.0, history_every_days=1.0)
    h = imaging_figure.History(days, mineral, region, dx, p)
    voxel = p["pixel_mm"] ** 2 * p["slice_mm"]
    checked = 0
    for k, day in enumerate(days):
        row = int(np.nonzero(np.isclose(t, day))[0][-1])
        slices = h.slices(k, 3)
        got_mass = sum(s.sum() for s in slices) * p["c_ha_mg_per_cm3_per_hu"] * voxel * 1e-3
        got_peak = p["baseline_hu"] + max(s.max() for s in slices)
        assert abs(got_mass - mass[row]) <= 1e-6 * max(mass[row], 1e-12), (day, got_mass, mass[row])
        assert abs(got_peak - peak[row]) <= 1e-6 * peak[row]
        checked += mass[row] > 0
    assert checked >= 5
    # The delays matter: the current wall alone reads more at the end.
    now = imaging_figure.reading(mineral[-1], region, dx, dict(p, site_onset_spread_days=0.0), 3)
    assert now["mass_mg"] > 1.05 * mass[-1] or now["peak_hu"] > peak[-1]


def test_frames_on_history():
    p = imaging_figure.DEFAULTS
    assert imaging_figure.frames_on_history([0.0, 30.0, 60.0, 75.0], p)
    assert imaging_figure.frames_on_history([0.0, 30.0, 60.0], p)
    assert not imaging_figure.frames_on_history([0.0, 10.0, 20.0], p)
    assert not imaging_figure.frames_on_history([0.0, 30.0, 45.0, 75.0], p)
    assert not imaging_figure.frames_on_history([5.0, 35.0], p)


def test_delayed_sites_with_one_site():
    """site_cv 0 is one site (imaging.rs's Sites::uniform): the history reads
    it with one arc, and without delay it is the tiled reading."""
    import numpy as np

    h, ms, region, p = _frames()
    h = imaging_figure.History(h.days, ms, region, 5.0, dict(p, site_cv=0.0))
    assert h.n_arc == 1
    got = h.reading(3, 1, np.zeros((1, 1)))
    want = imaging_figure.reading(ms[3], region, 5.0, dict(p, site_cv=0.0), 1)
    assert want["agatston"] > 0 and abs(got[0] - want["agatston"]) < 1e-9 * want["agatston"]
