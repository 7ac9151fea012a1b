"""The pooled file of a real sweep, read back with h5py and pandas."""

import subprocess

import h5py
import numpy as np
import pytest

from vcsim_analysis import sweep as sw


def test_pooled_file_has_a_row_per_run(pooled_sweep):
    with h5py.File(pooled_sweep / "pooled.h5", "r") as f:
        assert f.attrs["format"] in (b"vcsim pooled sweep", "vcsim pooled sweep")
        assert f["runs/index"].shape == (4,)
        assert f["runs/final_calcified_fraction"].attrs["units"] in (b"1", "1")
        assert f["series/timeseries.calcified_fraction"].shape[0] == 4
        assert f["series_time/time_h"][0] == 0.0


def test_open_sweep_gives_parameters_and_outcomes(pooled_sweep):
    df = sw.open_sweep(pooled_sweep)
    assert list(df["arm"]) == ["control", "sevelamer", "control", "sevelamer"]
    assert list(df["status"]) == ["done", "done", "done", "missing"]
    assert df.attrs["keys"] == ["patient.kidney.egfr_mL_min"]
    assert df.attrs["missing"] == "3"
    np.testing.assert_array_equal(df["patient.kidney.egfr_mL_min"], [6.0, 6.0, 12.0, 12.0])
    # Paired arms share the seed.
    assert df.loc[0, "seed"] == df.loc[1, "seed"]
    assert np.isnan(df.loc[3, "final_calcified_fraction"])
    assert df.loc[3, "vc_present"] == -1
    assert set(df.loc[:2, "vc_present"]) <= {0, 1}
    # The better kidney keeps serum phosphate lower.
    assert df.loc[2, "mean_serum_pi_mM"] < df.loc[0, "mean_serum_pi_mM"]
    assert df.attrs["units"]["mean_serum_pi_mM"] == "mM"


def test_series_prevalence_and_figures(pooled_sweep, tmp_path):
    s = sw.sweep_series(pooled_sweep, "timeseries.calcified_fraction")
    assert s.shape[0] == 4 and s.columns[0] == 0.0
    assert s.iloc[3].isna().all() and s.iloc[0].notna().all()
    prev = sw.prevalence(pooled_sweep)
    assert set(prev["arm"]) == {"control", "sevelamer"}
    assert (prev["ci_low"] <= prev["prevalence"]).all() and (prev["prevalence"] <= prev["ci_high"]).all()
    written = sw.sweep_report(pooled_sweep, tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in written)
    with pytest.raises(FileNotFoundError):
        sw.open_sweep(tmp_path / "nowhere")
