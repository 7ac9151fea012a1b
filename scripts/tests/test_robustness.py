"""Resume after a kill that damaged the output after the checkpoint: the
damaged part is dropped, the part before is kept (no recomputation), and the
file equals the uninterrupted run's (issue 15)."""

import shutil
import subprocess
import sys

import h5py

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import soak  # noqa: E402

SMOKE = str(ROOT / "configs" / "smoke.toml")
SETS = ["--set", "simulation.duration_days=20", "--set", "simulation.frame_every_h=24", "--progress", "none"]


def digest(path):
    p = subprocess.run([sys.executable, "-c", soak.DIGEST, str(path)], capture_output=True, text=True, check=True)
    return p.stdout.strip()


def test_damage_after_the_checkpoint_is_dropped_not_recomputed(vcsim, tmp_path):
    ref = tmp_path / "ref.h5"
    subprocess.run([str(vcsim), "run", SMOKE, "-o", str(ref), *SETS], check=True)
    stopped = tmp_path / "s.h5"
    subprocess.run([str(vcsim), "run", SMOKE, "-o", str(stopped), "--stop-at-step", "60", *SETS], check=True)
    # The killed run got further than its checkpoint, and the kill damaged the
    # last frame it was writing: the uninterrupted file with its last chunk of
    # /fields/calcium broken.
    out = tmp_path / "k.h5"
    shutil.copy2(ref, out)
    shutil.copy2(tmp_path / "s.ckpt.h5", tmp_path / "k.ckpt.h5")
    with h5py.File(out, "r") as f:
        ds = f["fields/calcium"]
        last = ds.id.get_chunk_info(ds.id.get_num_chunks() - 1)
        assert f["fields/step"][-1] > 60
    data = bytearray(out.read_bytes())
    data[last.byte_offset + last.size // 2] ^= 0x40
    out.write_bytes(bytes(data))
    v = subprocess.run([str(vcsim), "verify", str(out)], capture_output=True, text=True)
    assert v.returncode == 1 and "calcium" in v.stderr, v.stderr
    r = subprocess.run([str(vcsim), "run", "--resume", str(tmp_path / "k.ckpt.h5"), "--progress", "none"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "recomputing" not in r.stderr, r.stderr
    assert digest(out) == digest(ref)
