"""The package declares what it imports: `pip install ./scripts` must bring
every module the reader needs, and the `plot` extra what the figures need."""

import ast
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")

PACKAGE = ROOT / "scripts" / "vcsim_analysis"

def _names(requirements):
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].strip().lower().replace("-", "_") for r in requirements}


def _third_party_imports():
    stdlib = set(sys.stdlib_module_names)
    found = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for m in mods:
                top = m.split(".")[0]
                if top not in stdlib and top != "vcsim_analysis":
                    found.add(top)
    return found


def test_every_import_is_a_declared_dependency():
    meta = tomllib.loads((ROOT / "scripts" / "pyproject.toml").read_text())["project"]
    core = _names(meta["dependencies"])
    plot = _names(meta["optional-dependencies"]["plot"])
    test = _names(meta["optional-dependencies"]["test"])
    imported = _third_party_imports()  # here every import name is its distribution name
    assert {"h5py", "numpy", "pandas", "xarray", "matplotlib"} <= imported, imported
    # The figures may need the plot extra; everything else must come with the package itself.
    assert imported - core <= {"matplotlib"}, imported - core
    assert "matplotlib" in plot
    # xarray reads the run files through h5netcdf (engine="h5netcdf").
    assert "h5netcdf" in core
    assert {"pytest", "nbclient", "ipykernel"} <= test


def test_the_build_leaves_nothing_in_the_tree():
    build = tomllib.loads((ROOT / "scripts" / "pyproject.toml").read_text())["build-system"]
    # flit_core writes the wheel straight from the sources (no build/ or *.egg-info).
    assert build["build-backend"] == "flit_core.buildapi"
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "/.venv/" in ignored and "scripts/build/" in ignored
