"""A quick pass of the adversarial soak (scripts/soak.py): hostile HDF5
shapes crafted with h5py, random byte flips in outputs and checkpoints, and
broken pipes. Every input must end as a correct result or a clean error: no
panic, crash, hang, silent acceptance or lost data. The full soak (>= 50 kills,
>= 500 flips, full disks) runs outside the test suite; see docs/robustness.md."""

import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import soak  # noqa: E402


def test_quick_soak_has_no_bad_outcome(vcsim, tmp_path, capsys):
    code = soak.main(["--vcsim", str(vcsim), "--quick", "--families", "hostile,flips,pipes", "--json", str(tmp_path / "c.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "| **all** |" in out
