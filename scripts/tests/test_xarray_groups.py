"""Every group of a run file opens in plain xarray (h5netcdf) with named
dimensions and coordinates, no phony dimension, and the categorical maps
carry CF flag attributes."""

import warnings

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")

from vcsim_analysis import open_run


@pytest.mark.parametrize(
    "group, dims",
    [
        ("timeseries", {"time_h"}),
        ("serum", {"time_h"}),
        ("bone", {"time_h"}),
        ("clinical", {"time_h"}),
        ("fields", {"time_h", "y_um", "x_um"}),
        ("grid", {"y_um", "x_um"}),
        ("cells", {"row"}),
    ],
)
def test_group_opens_with_named_dimensions(smoke_run, group, dims):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # h5netcdf warns when it invents phony_dim_*
        ds = xr.open_dataset(smoke_run, group=group, engine="h5netcdf")
    assert set(ds.sizes) == dims, ds
    assert not any(str(d).startswith("phony_dim") for d in ds.sizes)
    for d in dims:
        assert d in ds.coords, (group, d)
    if "time_h" in dims:
        assert ds["time_h"].attrs["units"] == "h"
        assert np.all(np.diff(ds["time_h"].values) > 0)


def test_categorical_maps_and_global_attributes(smoke_run):
    grid = xr.open_dataset(smoke_run, group="grid", engine="h5netcdf")
    assert grid.region.attrs["flag_meanings"].split() == ["endothelium", "lamina", "media", "adventitia"]
    assert list(grid.region.attrs["flag_values"]) == [0, 1, 2, 3]
    fields = open_run(smoke_run).fields_dataset()
    assert fields.phenotype.attrs["flag_meanings"].split()[0] == "no_cell"
    assert list(fields.phenotype.attrs["flag_values"])[:2] == [-1.0, 0.0]
    assert "region" in fields and fields.region.dims == ("y_um", "x_um")
    assert fields.attrs["scenario"] == "smoke" and fields.attrs["seed"] == "7"
    cells = open_run(smoke_run).cells()
    assert cells.index.name == "row" and cells.index.is_monotonic_increasing
