"""The XDMF sidecar loads in VTK's XDMF reader (the reader ParaView's
"XDMF Reader" uses) with the run's grid, times and values: a 2D section in
the X–Y plane (x radial, y along the circumference), every field and the
region map as point arrays."""

import os
import subprocess

import h5py
import numpy as np
import pytest

vtk_xdmf = None
try:  # the `vtk` wheel from PyPI ships the XDMF (v2) reader
    from vtkmodules.vtkIOXdmf2 import vtkXdmfReader as vtk_xdmf
    from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline
    from vtkmodules.util.numpy_support import vtk_to_numpy
except ImportError:
    if os.environ.get("VCSIM_REQUIRE_VTK"):
        raise

pytestmark = pytest.mark.skipif(vtk_xdmf is None, reason="vtk is not installed (pip install 'vcsim-analysis[test]')")


def read(xmf, time=None):
    r = vtk_xdmf()
    r.SetFileName(str(xmf))
    r.UpdateInformation()
    times = r.GetOutputInformation(0).Get(vtkStreamingDemandDrivenPipeline.TIME_STEPS())
    if time is not None:
        r.UpdateTimeStep(time)
    else:
        r.Update()
    return times, r.GetOutputDataObject(0)


def test_2d_run_loads_in_the_x_y_plane_with_times_and_values(smoke_run):
    xmf = smoke_run.with_suffix(".xmf")
    assert xmf.exists()
    with h5py.File(smoke_run) as f:
        t = f["fields/time_h"][()]
        mineral = f["fields/mineral"][()]  # (frames, ny, nx)
        region = f["grid/region"][()]
        dx = float(f["fields/x_um"][1] - f["fields/x_um"][0])
    times, img = read(xmf)
    assert np.allclose(times, t)
    nf, ny, nx = mineral.shape
    # x radial (nx voxels), y circumferential (ny), one voxel in z.
    assert img.GetDimensions() == (nx, ny, 1)
    b = img.GetBounds()
    assert b[0] == pytest.approx(0.5 * dx) and b[1] == pytest.approx((nx - 0.5) * dx)
    assert b[2] == pytest.approx(0.5 * dx) and b[3] == pytest.approx((ny - 0.5) * dx)
    names = {img.GetPointData().GetArrayName(i) for i in range(img.GetPointData().GetNumberOfArrays())}
    assert {"phosphate", "mineral", "phenotype", "region"} <= names
    # Values of the last frame, point by point (VTK's x is fastest, like the file's nx).
    _, last = read(xmf, time=float(t[-1]))
    got = vtk_to_numpy(last.GetPointData().GetArray("mineral")).reshape(ny, nx)
    assert np.array_equal(got, mineral[-1])
    assert mineral[-1].max() > 0, "the smoke run should hold mineral at its end"
    reg = vtk_to_numpy(last.GetPointData().GetArray("region")).reshape(ny, nx)
    assert np.array_equal(reg, region)


def test_3d_run_loads_with_its_three_extents(tmp_path, vcsim):
    out = tmp_path / "w3.h5"
    subprocess.run(
        [str(vcsim), "run", "configs/smoke.toml", "-o", str(out), "--progress", "none",
         "--set", "geometry.ndim=3", "--set", "geometry.axial_um=40", "--set", "geometry.circumference_um=60",
         "--set", "simulation.duration_days=2"],
        check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    with h5py.File(out) as f:
        nf, nz, ny, nx = f["fields/phosphate"].shape
        last = f["fields/phosphate"][-1]
    times, img = read(out.with_suffix(".xmf"))
    assert len(times) == nf
    assert img.GetDimensions() == (nx, ny, nz)
    got = vtk_to_numpy(img.GetPointData().GetArray("phosphate"))
    _, lastimg = read(out.with_suffix(".xmf"), time=float(times[-1]))
    got = vtk_to_numpy(lastimg.GetPointData().GetArray("phosphate")).reshape(nz, ny, nx)
    assert np.array_equal(got, last)
