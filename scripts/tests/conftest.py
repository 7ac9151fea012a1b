import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Test the vcsim_analysis beside these tests, not whichever copy is installed
# (an editable install may point at another checkout or worktree); also for
# the `python -m vcsim_analysis` subprocesses.
_SCRIPTS = str(ROOT / "scripts")
sys.path.insert(0, _SCRIPTS)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_SCRIPTS, os.environ.get("PYTHONPATH")) if p)


def vcsim_binary() -> Path:
    """The binary to test: $VCSIM_BIN, else the debug build (built if missing)."""
    env = os.environ.get("VCSIM_BIN")
    if env:
        return Path(env)
    exe = ROOT / "target" / "debug" / "vcsim"
    if not exe.exists():
        subprocess.run(["cargo", "build", "-p", "vcsim-cli"], cwd=ROOT, check=True)
    return exe


@pytest.fixture(scope="session")
def vcsim():
    return vcsim_binary()


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory, vcsim):
    out = tmp_path_factory.mktemp("runs") / "smoke.h5"
    subprocess.run(
        [str(vcsim), "run", str(ROOT / "configs" / "smoke.toml"), "-o", str(out), "--threads", "2", "--progress", "none"],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def pooled_sweep(tmp_path_factory, vcsim):
    d = tmp_path_factory.mktemp("sweeps") / "smoke"
    subprocess.run([str(vcsim), "sweep", "plan", str(ROOT / "configs" / "sweeps" / "smoke.toml"), "-o", str(d)], check=True)
    # Three of the four runs: the fourth stays missing.
    for i in (0, 1, 2):
        subprocess.run([str(vcsim), "sweep", "run", str(d), "--index", str(i), "--threads", "1", "--progress", "none"], check=True)
    subprocess.run([str(vcsim), "sweep", "collect", str(d)], check=True)
    return d
