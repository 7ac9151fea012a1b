"""Read vcsim run files (HDF5) into NumPy.

>>> from vcsim_analysis import open_run
>>> run = open_run("ckd5d.h5")                   # doctest: +SKIP
>>> run.series["calcified_fraction"][-1]         # doctest: +SKIP
>>> run.serum["pth_pg_mL"].iloc[-1]              # pandas, indexed by time_h   # doctest: +SKIP
>>> run.serum.attrs["units"]["pth_pg_mL"]        # 'pg/mL'   # doctest: +SKIP
>>> run.field("mineral", frame=-1).shape         # (ny, nx) in 2D   # doctest: +SKIP

The file layout is documented in docs/output-format.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import h5py
import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

__all__ = ["open_run", "Run", "PHENOTYPES", "REGIONS", "SERIES_GROUPS", "open_sweep", "sweep_series", "prevalence"]

#: The groups of per-step series in a run file, each laid out like /timeseries
#: (one 1-D dataset per series, first `time_h`, `units` and `long_name`
#: attributes). Files written before /serum and /bone existed lack them.
SERIES_GROUPS = ("timeseries", "serum", "bone", "clinical")

#: Phenotype codes used in /fields/phenotype (-1 marks a voxel without a cell).
PHENOTYPES = {0: "contractile", 1: "osteogenic", 2: "apoptotic", 3: "apoptotic_body", 4: "calcified"}


def _parse_codes(text: str) -> Dict[int, str]:
    out = {}
    for item in text.split(","):
        code, _, name = item.partition("=")
        out[int(code)] = name
    return out


#: Default region codes of /grid/region (the file's own `names` attribute is authoritative).
REGIONS = {0: "endothelium", 1: "lamina", 2: "media", 3: "adventitia"}


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(repr=False)
class Run:
    """Everything in a run file except the field frames, which are read on demand."""

    path: Path
    attrs: Dict[str, object]
    config_text: str
    series: Dict[str, np.ndarray]
    frame_times_h: np.ndarray
    frame_steps: np.ndarray
    field_names: List[str]
    coords_um: Dict[str, np.ndarray]
    region: np.ndarray
    region_names: Dict[int, str]
    provenance: Dict[str, object] = field(default_factory=dict)
    #: The top-level groups of the file (e.g. timeseries, serum, bone, fields, cells, grid, provenance).
    groups: List[str] = field(default_factory=list)
    _groups: Dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        """A few lines: what the run is, its size and what the file holds
        (the full config is ``run.config_text``)."""
        a = self.attrs
        t = self.series.get("time_h")
        days = float(t[-1]) / 24.0 if t is not None and len(t) else 0.0
        steps = len(t) - 1 if t is not None else 0
        shape = " × ".join(f"{axis} {d}" for axis, d in zip("zyx"[3 - self.region.ndim :], self.region.shape))
        groups = ["timeseries"] + [g for g in SERIES_GROUPS[1:] if g in self.groups]
        fields = ", ".join(self.field_names)
        if len(fields) > 72:
            fields = fields[:69] + "..."
        return (
            f"<vcsim Run {a.get('scenario', '')!r} from {self.path.name}: {a.get('ndim', '?')}D lattice {shape}"
            f" of {a.get('spacing_um', '?')} µm voxels, seed {a.get('seed', '?')}, vcsim {a.get('vcsim_version', '?')}\n"
            f"  {days:g} days in {steps} steps; {len(self.frame_times_h)} frames of {len(self.field_names)} fields ({fields})\n"
            f"  series groups: {', '.join('/' + g for g in groups)}; {len(self.series)} series in /timeseries>"
        )

    @property
    def config(self) -> dict:
        """The resolved configuration as a dict (needs Python 3.11+ for tomllib)."""
        if tomllib is None:  # pragma: no cover
            raise RuntimeError("reading the config needs Python 3.11 or newer (tomllib)")
        return tomllib.loads(self.config_text)

    def field(self, name: str, frame: int = -1) -> np.ndarray:
        """One frame of a field: shape (ny, nx) in 2D or (nz, ny, nx) in 3D."""
        if name not in self.field_names:
            raise KeyError(f"{self.path}: no field {name!r}; fields are {self.field_names}")
        with h5py.File(self.path, "r") as f:
            return f["fields"][name][frame]

    def cells(self):
        """The cell table: a pandas DataFrame with one row per cell per frame
        (columns frame, time_h, id, x_um, y_um, z_um, phenotype, runx2, alp,
        opn, pi_in_mM)."""
        import pandas as pd

        with h5py.File(self.path, "r") as f:
            if "cells" not in f:
                return pd.DataFrame()
            g = f["cells"]
            df = pd.DataFrame({k: g[k][...] for k in g})
        if "row" in df:  # the table's row number (its netCDF dimension)
            df = df.set_index("row")
        df["phenotype_name"] = df["phenotype"].map(PHENOTYPES)
        return df

    def fields_dataset(self):
        """All field frames as an xarray Dataset with named dimensions
        (time_h, [z_um,] y_um, x_um) and coordinates in hours and µm, the
        region map (`region`, codes with `flag_values`/`flag_meanings`), and
        the run's scenario, seed and version as attributes."""
        import xarray as xr

        ds = xr.open_dataset(self.path, group="fields", engine="h5netcdf")
        with h5py.File(self.path, "r") as f:
            root = {k: _text(f.attrs[k]) for k in ("scenario", "seed", "vcsim_version") if k in f.attrs}
        if self._has("grid/region") and self._has("grid/x_um"):
            grid = xr.open_dataset(self.path, group="grid", engine="h5netcdf")
            ds = ds.assign(region=grid["region"])
        ds.attrs.update(root)
        return ds

    def _has(self, path):
        with h5py.File(self.path, "r") as f:
            return path in f

    def series_group(self, group: str):
        """The series group /<group> ("timeseries", "serum" or "bone") as a
        pandas DataFrame indexed by time_h, one column per series in the
        file's order. ``df.attrs["units"]`` and ``df.attrs["long_names"]`` map
        every name (time_h included) to its unit and meaning. A group the file
        does not have (files written before /serum and /bone) gives an empty
        frame with empty attrs. Values a run does not model are NaN. Read once
        and cached: the same frame is returned on every call."""
        import pandas as pd

        if group not in self._groups:
            data, units, long_names = {}, {}, {}
            with h5py.File(self.path, "r") as f:
                if group in f:
                    g = f[group]
                    for name in g:
                        data[name] = g[name][...]
                        units[name] = _text(g[name].attrs.get("units", ""))
                        long_names[name] = _text(g[name].attrs.get("long_name", ""))
            df = pd.DataFrame(data)
            if "time_h" in df:
                df = df.set_index("time_h")
            else:
                df.index.name = "time_h"
            df.attrs["units"] = units
            df.attrs["long_names"] = long_names
            self._groups[group] = df
        return self._groups[group]

    def series_frame(self):
        """The time series (/timeseries) as a pandas DataFrame indexed by
        time_h, with ``attrs["units"]``; see :meth:`series_group`."""
        return self.series_group("timeseries")

    @property
    def serum(self):
        """The patient's serum (/serum) as a pandas DataFrame indexed by
        time_h, like :meth:`series_frame`; units in ``run.serum.attrs["units"]``."""
        return self.series_group("serum")

    @property
    def clinical(self):
        """What a calcium-scoring CT of the vessel segment reads (/clinical:
        Agatston, volume and mass scores, detectable), as a pandas DataFrame
        indexed by time_h with only the rows where a reading was taken (once
        per simulated day and at the end); empty for files without it."""
        df = self.series_group("clinical")
        return df.dropna(how="all") if len(df.columns) else df

    @property
    def bone(self):
        """The patient's bone (/bone) as a pandas DataFrame indexed by time_h,
        like :meth:`series_frame`; units in ``run.bone.attrs["units"]``."""
        return self.series_group("bone")

    @property
    def has_patient(self) -> bool:
        """Whether the run had the patient model: its bone is computed (in
        runs without it, and in files without /bone, there is none)."""
        bone = self.bone
        return "bmd_rel" in bone and bool(bone["bmd_rel"].notna().any())

    def fields(self, name: str) -> np.ndarray:
        """Every frame of a field: shape (t, ny, nx) or (t, nz, ny, nx)."""
        if name not in self.field_names:
            raise KeyError(f"{self.path}: no field {name!r}; fields are {self.field_names}")
        with h5py.File(self.path, "r") as f:
            return f["fields"][name][...]


def open_run(path) -> Run:
    """Reads the metadata, time series and grid of a vcsim run file."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in f.attrs.items()}
        ts = f["timeseries"]
        series = {name: ts[name][...] for name in ts}
        fg = f["fields"]
        reserved = {"time_h", "step", "x_um", "y_um", "z_um"}
        field_names = [n for n in fg if n not in reserved]
        coords = {n: fg[n][...] for n in ("x_um", "y_um", "z_um") if n in fg}
        region = f["grid"]["region"][...]
        region_names = _parse_codes(_text(f["grid"]["region"].attrs["names"]))
        prov = {}
        if "provenance" in f:
            p = f["provenance"]
            prov = {k: (_text(v) if isinstance(v, (bytes, str)) else v) for k, v in p.attrs.items()}
            if "stage_names" in p:
                names = [_text(n) for n in p["stage_names"][...]]
                prov["stage_seconds"] = dict(zip(names, p["stage_seconds"][...].tolist()))
        return Run(
            path=path,
            attrs=attrs,
            config_text=attrs.get("config", ""),
            series=series,
            frame_times_h=fg["time_h"][...],
            frame_steps=fg["step"][...],
            field_names=field_names,
            coords_um=coords,
            region=region,
            region_names=region_names,
            provenance=prov,
            groups=list(f),
        )


from .sweep import open_sweep, prevalence, sweep_series  # noqa: E402  (re-exported)
