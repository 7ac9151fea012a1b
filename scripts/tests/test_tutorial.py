"""docs/tutorial.ipynb runs from top to bottom (nbclient, a fresh kernel)
with the binary under test, and its comparison says what the text says."""

import os

import pandas as pd
import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")


def test_tutorial_notebook_runs(vcsim, tmp_path, monkeypatch):
    out = tmp_path / "out"
    # The kernel inherits this environment: the repository, the binary, where to write.
    monkeypatch.setenv("VCSIM_ROOT", str(ROOT))
    monkeypatch.setenv("VCSIM_BIN", str(vcsim))
    monkeypatch.setenv("VCSIM_TUTORIAL_OUT", str(out))
    nb = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on any failing cell

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, "one figure"
    assert (out / "tutorial.png").stat().st_size > 20000
    assert (out / "report-sevelamer" / "index.html").exists()

    table = pd.read_csv(out / "comparison.csv", index_col=0)
    usual, sevelamer = table["usual care"], table["sevelamer 4.8 g/day"]
    # What the notebook's text claims: sevelamer lowers serum phosphate and the mineral formed.
    assert sevelamer["serum phosphate, mean (mM)"] < 0.9 * usual["serum phosphate, mean (mM)"]
    assert 0 < sevelamer["hydroxyapatite at the end (µm³)"] < 0.6 * usual["hydroxyapatite at the end (µm³)"]
    # ... and that no voxel is calcified yet in 90 days.
    assert usual["calcified media + laminae at the end (%)"] == 0
    assert os.path.exists(out / "usual.h5") and os.path.exists(out / "sevelamer.h5")
