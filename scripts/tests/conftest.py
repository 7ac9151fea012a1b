import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
