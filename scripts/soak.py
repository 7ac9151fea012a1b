#!/usr/bin/env python3
"""Adversarial soak of the `vcsim` binary (issue 15, "no lost runs").

Every family feeds the binary hostile situations and classifies what came
back, trial by trial:

- clean error: exit 1 (or 2, usage) with a one-paragraph `error:` message;
- correct: exit 0 and the result is right (the output equals the reference
  run bitwise outside /provenance, a damaged file is reported, ...);
- panic: a Rust panic message or exit code 101;
- crash: vcsim (or a child it started) ended by a signal it did not ask for;
- hang: no answer within the time limit;
- silent acceptance: exit 0 but the result is wrong (a damaged checkpoint
  resumed into a different run, a damaged file verified as OK, a tampered
  sweep run pooled);
- data lost: after the documented recovery (resume from the checkpoint, or
  run again) the run's file is not the reference file.

The last five must be zero. Usage:

    scripts/soak.py [--vcsim target/release/vcsim] [--quick] [--families a,b]

`--quick` runs a few trials per family (what `scripts/tests/test_soak.py`
runs in the test suite); the default is the full soak (>= 50 kills, >= 500
byte flips). The full-disk family mounts small tmpfs file systems and needs
root; without it that family is skipped (and says so).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "configs" / "smoke.toml"
SWEEP_SMOKE = ROOT / "configs" / "sweeps" / "smoke.toml"

OUTCOMES = ["correct", "clean", "panic", "crash", "hang", "silent", "lost"]
BAD = ["panic", "crash", "hang", "silent", "lost"]

# What the comparison child prints: a digest of every dataset and attribute
# outside /provenance. Run in a separate Python so that a damaged file that
# crashes libhdf5 cannot take the soak down.
DIGEST = r"""
import hashlib, sys, h5py, numpy as np
h = hashlib.sha256()
def attrs(obj):
    for k in sorted(obj.attrs.keys()):
        v = obj.attrs[k]
        h.update(k.encode()); h.update(repr(np.asarray(v).tolist()).encode() if not isinstance(v, (bytes, str)) else (v if isinstance(v, bytes) else v.encode()))
def visit(name, obj):
    if name == "provenance" or name.startswith("provenance/"):
        return
    h.update(name.encode())
    if isinstance(obj, h5py.Dataset):
        data = obj[()]
        h.update(np.ascontiguousarray(data).tobytes() if data.dtype.kind != "O" else repr(data.tolist()).encode())
        h.update(str(obj.shape).encode())
    for k in sorted(obj.attrs.keys()):
        if k in ("DIMENSION_LIST", "REFERENCE_LIST"):
            continue
        v = obj.attrs[k]
        h.update(k.encode()); h.update(repr(v.tolist() if hasattr(v, "tolist") else v).encode())
with h5py.File(sys.argv[1], "r") as f:
    for k in sorted(f.attrs.keys()):
        v = f.attrs[k]
        h.update(k.encode()); h.update(repr(v.tolist() if hasattr(v, "tolist") else v).encode())
    f.visititems(visit)
print(h.hexdigest())
"""


@dataclass
class Result:
    code: int | None
    stdout: str
    stderr: str
    hung: bool = False


@dataclass
class Family:
    name: str
    counts: dict = field(default_factory=lambda: {k: 0 for k in OUTCOMES})
    notes: list = field(default_factory=list)

    def add(self, outcome: str, note: str = "") -> None:
        self.counts[outcome] += 1
        if outcome in BAD and note:
            self.notes.append(f"{outcome}: {note}")

    @property
    def tried(self) -> int:
        return sum(self.counts.values())


class Soak:
    def __init__(self, vcsim: Path, work: Path, quick: bool, seed: int):
        self.vcsim = str(vcsim)
        self.work = work
        self.quick = quick
        self.rng = random.Random(seed)
        self.refs: dict[str, str] = {}
        self.families: list[Family] = []

    # --- running things -------------------------------------------------

    def run(self, args, timeout=300, env=None, cwd=None) -> Result:
        try:
            p = subprocess.run(
                [self.vcsim, *map(str, args)],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=cwd,
            )
            return Result(p.returncode, p.stdout, p.stderr)
        except subprocess.TimeoutExpired as e:
            return Result(None, "", (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or ""), hung=True)

    @staticmethod
    def classify_error(r: Result) -> str | None:
        """The outcome of a run that was expected to fail or succeed; None when it exited 0."""
        if r.hung:
            return "hang"
        if "panicked" in r.stderr or r.code == 101:
            return "panic"
        if r.code is not None and r.code < 0:
            return "crash"
        if r.code in (1, 2) and "error" in r.stderr:
            return "clean"
        if r.code == 0:
            return None
        if r.code == 75:
            return None
        return "crash"

    def digest(self, path: Path) -> str | None:
        """A digest of the file outside /provenance, or None if it cannot be read."""
        try:
            p = subprocess.run(
                [sys.executable, "-c", DIGEST, str(path)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return None
        return p.stdout.strip() if p.returncode == 0 else None

    def reference(self, key: str, sets: list[str]) -> str:
        if key not in self.refs:
            out = self.work / f"ref-{key}.h5"
            r = self.run(["run", SMOKE, "-o", out, "--progress", "none", *sum((["--set", s] for s in sets), [])])
            assert r.code == 0, r.stderr
            d = self.digest(out)
            assert d is not None
            self.refs[key] = d
        return self.refs[key]

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    # --- families -------------------------------------------------------

    def concurrent_writers(self) -> Family:
        fam = Family("concurrent writers")
        sets = ["simulation.duration_days=60", "simulation.frame_every_h=48"]
        ref = self.reference("long", sets)
        extra = sum((["--set", s] for s in sets), [])
        for i in range(self.n(20, 3)):
            d = self.work / f"conc{i}"
            d.mkdir()
            out = d / "c.h5"
            args = [self.vcsim, "run", SMOKE, "-o", out, "--progress", "none", "--checkpoint-every", "20", *extra]
            first = subprocess.Popen(list(map(str, args)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(self.rng.uniform(0.0, 0.8))
            second = self.run(args[1:], timeout=300)
            try:
                _, err1 = first.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                first.kill()
                fam.add("hang", "first writer")
                continue
            o2 = self.classify_error(second)
            o1 = self.classify_error(Result(first.returncode, "", err1))
            # Whichever took the lock first runs; the other must stop with a
            # clean error naming the owner (or run after it, if it came late).
            outcomes = [o1, o2]
            errs = [err1, second.stderr]
            bad = [o for o in outcomes if o not in (None, "clean")]
            if bad:
                fam.add(bad[0], f"trial {i}: {errs}")
                continue
            if outcomes.count("clean") == 2:
                fam.add("lost", f"trial {i}: both writers failed: {errs}")
                continue
            loser = [e for o, e in zip(outcomes, errs) if o == "clean"]
            # The loser either found the output locked, or (if it came after
            # the first run finished) refused to replace a finished run.
            if loser and "in use by process" not in loser[0] and "holds a finished run" not in loser[0]:
                fam.add("lost", f"trial {i}: unexpected error: {loser[0][:200]}")
                continue
            if self.digest(out) != ref:
                fam.add("lost", f"trial {i}: the output differs from the reference")
                continue
            fam.add("clean" if loser else "correct")
        # Two sweep workers on one task.
        for i in range(self.n(5, 1)):
            sw = self.work / f"sweep-conc{i}"
            r = self.run(["sweep", "plan", SWEEP_SMOKE, "-o", sw])
            assert r.code == 0, r.stderr
            args = [self.vcsim, "sweep", "run", sw, "--index", "0", "--threads", "1", "--progress", "none"]
            first = subprocess.Popen(list(map(str, args)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(self.rng.uniform(0.0, 0.5))
            second = self.run(args[1:])
            _, err1 = first.communicate(timeout=600)
            o1 = self.classify_error(Result(first.returncode, "", err1))
            o2 = self.classify_error(second)
            # Whichever took the task first runs it; the other stops cleanly
            # ("already being run") or finds it done.
            bad = [o for o in (o1, o2) if o not in (None, "clean")]
            if bad:
                fam.add(bad[0], f"sweep workers: {err1[:200]} {second.stderr[:200]}")
                continue
            if (o1, o2) == ("clean", "clean"):
                fam.add("lost", f"both sweep workers failed: {err1[:200]} {second.stderr[:200]}")
                continue
            loser = err1 if o1 == "clean" else second.stderr if o2 == "clean" else ""
            if loser and "already being run" not in loser:
                fam.add("lost", f"sweep worker: unexpected error {loser[:200]}")
                continue
            st = self.run(["sweep", "status", sw, "--json"])
            status = json.loads(st.stdout) if st.code == 0 else {}
            if 0 not in status.get("done", []) or status.get("running"):
                fam.add("lost", f"task 0 not done after two workers: {status}")
                continue
            fam.add("clean" if loser else "correct")
        return fam

    def kills(self) -> Family:
        fam = Family("kill -9 and resume")
        sets = ["simulation.duration_days=60", "simulation.frame_every_h=24"]
        extra = sum((["--set", s] for s in sets), [])
        ref = self.reference("kill", sets)
        # How long an uninterrupted run takes, to spread the kills over it.
        t0 = time.time()
        self.run(["run", SMOKE, "-o", self.work / "timing.h5", "--progress", "none", *extra])
        span = max(time.time() - t0, 0.3)
        total_kills = 0
        recomputed = 0
        resumed = 0
        for i in range(self.n(60, 4)):
            d = self.work / f"kill{i}"
            d.mkdir()
            out = d / "k.h5"
            ckpt = d / "k.ckpt.h5"
            every = str(self.rng.choice([5, 10, 17, 30]))
            fresh = ["run", SMOKE, "-o", out, "--progress", "none", "--checkpoint-every", every, *extra]
            kills = 0
            attempts = 0
            outcome = None
            while attempts < 12:
                attempts += 1
                args = ["run", "--resume", ckpt, "--progress", "none", "--checkpoint-every", every] if ckpt.exists() else fresh
                p = subprocess.Popen([self.vcsim, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                # Up to three kills per trial, at random moments of the run.
                if kills < self.rng.choice([1, 1, 2, 3]):
                    time.sleep(self.rng.uniform(0.02, span * 1.1))
                    if p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                        kills += 1
                        total_kills += 1
                try:
                    _, err = p.communicate(timeout=300)
                except subprocess.TimeoutExpired:
                    p.kill()
                    outcome = ("hang", "resume")
                    break
                if p.returncode == -signal.SIGKILL:
                    continue
                resumed += args[1] == "--resume"
                recomputed += "recomputing it from step 0" in err
                o = self.classify_error(Result(p.returncode, "", err))
                if o is None:
                    break
                outcome = (o if o != "clean" else "lost", f"trial {i} attempt {attempts}: {err.strip()[:300]}")
                break
            if outcome:
                fam.add(*outcome)
                continue
            if self.digest(out) != ref:
                fam.add("lost", f"trial {i} ({kills} kills, every {every}): final file differs from the reference")
                continue
            v = self.run(["verify", "--quiet", out])
            if v.code != 0:
                fam.add("lost", f"trial {i}: final file fails verify: {v.stderr[:200]}")
                continue
            fam.add("correct")
        fam.notes.append(
            f"info: {total_kills} SIGKILLs delivered; {resumed} runs finished by --resume, "
            f"{recomputed} of them recomputing a damaged output from step 0"
        )
        return fam

    def full_disk(self) -> Family:
        fam = Family("full disk (tmpfs)")
        if os.geteuid() != 0:
            fam.notes.append("skipped: needs root to mount a tmpfs")
            return fam
        sets = ["simulation.duration_days=120", "simulation.frame_every_h=24"]
        extra = sum((["--set", s] for s in sets), [])
        ref = self.reference("disk", sets)
        sizes = ["1200k", "1600k", "2m", "2500k", "3m", "4m"]
        for i in range(self.n(12, 2)):
            mnt = self.work / f"disk{i}"
            mnt.mkdir()
            size = sizes[i % len(sizes)] if not self.quick else ["1600k", "3m"][i]
            if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)]).returncode != 0:
                fam.notes.append("skipped: cannot mount a tmpfs")
                mnt.rmdir()
                return fam
            try:
                out = mnt / "f.h5"
                # A filler of random size so that the disk fills at different points.
                filler = mnt / "filler"
                filler.write_bytes(os.urandom(self.rng.randint(0, 400_000)))
                every = str(self.rng.choice([3, 7, 12]))
                r = self.run(["run", SMOKE, "-o", out, "--progress", "none", "--checkpoint-every", every, *extra])
                o = self.classify_error(r)
                if o not in ("clean", None):
                    fam.add(o, r.stderr[:300])
                    continue
                first = o
                if o == "clean" and "free space" not in r.stderr:
                    fam.notes.append(f"note: disk {size}: {r.stderr.strip()[:200]}")
                # Resume on the still-full disk: a clean error (or success).
                ckpt = mnt / "f.ckpt.h5"
                if ckpt.exists():
                    r2 = self.run(["run", "--resume", ckpt, "--progress", "none", "--checkpoint-every", every])
                    o2 = self.classify_error(r2)
                    if o2 not in ("clean", None):
                        fam.add(o2, "resume on full disk: " + r2.stderr[:300])
                        continue
                # Free space (move the run to a roomy directory) and resume.
                roomy = self.work / f"disk{i}-moved"
                roomy.mkdir()
                for f in mnt.iterdir():
                    if f.name.startswith("f.") and not f.name.endswith(".lock"):
                        shutil.copy2(f, roomy / f.name)
                out2 = roomy / "f.h5"
                if (roomy / "f.ckpt.h5").exists():
                    r3 = self.run(["run", "--resume", roomy / "f.ckpt.h5", "--progress", "none", "--checkpoint-every", every])
                else:
                    r3 = self.run(["run", SMOKE, "-o", out2, "--progress", "none", *extra]) if first == "clean" else Result(0, "", "")
                o3 = self.classify_error(r3)
                if o3 is not None:
                    fam.add(o3 if o3 != "clean" else "lost", "recovery: " + r3.stderr[:300])
                    continue
                if self.digest(out2) != ref:
                    fam.add("lost", f"disk {size}: recovered file differs from the reference")
                    continue
                fam.add(first or "correct")
            finally:
                subprocess.run(["umount", str(mnt)])
        return fam

    def byte_flips(self) -> Family:
        fam = Family("byte flips (outputs, checkpoints)")
        sets = ["simulation.duration_days=20"]
        extra = sum((["--set", s] for s in sets), [])
        ref = self.reference("flip", sets)
        base = self.work / "flipbase"
        base.mkdir()
        out = base / "b.h5"
        r = self.run(["run", SMOKE, "-o", out, "--progress", "none", "--stop-at-step", "60", *extra])
        assert r.code == 0, r.stderr
        ckpt_bytes = (base / "b.ckpt.h5").read_bytes()
        partial_bytes = out.read_bytes()
        whole = base / "whole.h5"
        self.run(["run", SMOKE, "-o", whole, "--progress", "none", *extra])
        whole_bytes = whole.read_bytes()
        # Outputs: verify must report the damage, or the file must read back the same.
        for i in range(self.n(260, 15)):
            d = self.work / f"flipo{i}"
            d.mkdir()
            f = d / "o.h5"
            data = bytearray(whole_bytes)
            pos = self.rng.randrange(len(data))
            data[pos] ^= 1 << self.rng.randrange(8)
            f.write_bytes(bytes(data))
            v = self.run(["verify", "--quiet", f], timeout=120)
            o = self.classify_error(v)
            ins = self.run(["inspect", f], timeout=120)
            oi = self.classify_error(ins)
            if oi not in (None, "clean"):
                fam.add(oi, f"inspect after flip at byte {pos}: {ins.stderr[:200]}")
                continue
            if o is None:
                # Accepted: the file must still hold the same data.
                if self.digest(f) != ref:
                    fam.add("silent", f"output flip at byte {pos} passes verify but the data changed")
                else:
                    fam.add("correct")
            else:
                fam.add(o, f"verify after flip at byte {pos}: {v.stderr[:200]}")
        # Checkpoints: resume must refuse, or continue into the reference run.
        for i in range(self.n(260, 15)):
            d = self.work / f"flipc{i}"
            d.mkdir()
            (d / "b.h5").write_bytes(partial_bytes)
            data = bytearray(ckpt_bytes)
            pos = self.rng.randrange(len(data))
            data[pos] ^= 1 << self.rng.randrange(8)
            (d / "b.ckpt.h5").write_bytes(bytes(data))
            r = self.run(["run", "--resume", d / "b.ckpt.h5", "--progress", "none"], timeout=300)
            o = self.classify_error(r)
            if o is None:
                if self.digest(d / "b.h5") != ref:
                    fam.add("silent", f"checkpoint flip at byte {pos} resumed into a different run")
                else:
                    fam.add("correct")
            else:
                fam.add(o, f"resume after flip at byte {pos}: {r.stderr[:200]}")
        return fam

    def hostile_shapes(self) -> Family:
        fam = Family("hostile HDF5 shapes")
        import h5py
        import numpy as np

        base = self.work / "hostile"
        base.mkdir()
        good = base / "good.h5"
        r = self.run(["run", SMOKE, "-o", good, "--progress", "none", "--stop-at-step", "30", "--set", "simulation.duration_days=10"])
        assert r.code == 0, r.stderr
        cases = []

        def case(name, fn, ckpt=False):
            src = base / ("good.ckpt.h5" if ckpt else "good.h5")
            dst = base / f"{name}{'.ckpt' if ckpt else ''}.h5"
            shutil.copy2(src, dst)
            if ckpt:
                shutil.copy2(good, base / f"{name}.h5")
            with h5py.File(dst, "r+") as f:
                fn(f)
            cases.append((name, dst, ckpt))

        def huge_series(f):
            del f["timeseries/time_h"]
            f["timeseries"].create_dataset("time_h", shape=(10**12,), maxshape=(None,), chunks=(4096,), dtype="f8")

        def huge_field(f):
            del f["fields/calcium"]
            f["fields"].create_dataset("calcium", shape=(10**9, 100, 100), chunks=(1, 100, 100), dtype="f4")

        def wrong_dims(f):
            del f["timeseries/n_osteogenic"]
            f["timeseries"].create_dataset("n_osteogenic", data=np.zeros((3, 3)))

        def string_series(f):
            del f["timeseries/calcified_fraction"]
            f["timeseries"].create_dataset("calcified_fraction", data=np.array([b"x"] * 5))

        def no_timeseries(f):
            del f["timeseries"]

        def cells_beyond(f):
            col = f["cells/frame"]
            col[-1] = 10**6

        def huge_attr(f):
            f.attrs.create("junk", np.zeros(10**6))

        def deep(f):
            g = f
            for k in range(40):
                g = g.create_group(f"d{k}")

        def bad_schema(f):
            f.attrs["schema_version"] = np.uint32(99)

        def ckpt_huge_column(f):
            del f["state/mineral"]
            f["state"].create_dataset("mineral", shape=(10**12,), chunks=(4096,), dtype="f8")

        def ckpt_negative_field(f):
            ds = f["state/field:calcium"]
            v = ds[()]
            v[0] = -5.0
            ds[...] = v

        def ckpt_step(f):
            f.attrs["step"] = np.uint64(10**15)

        def ckpt_no_checksum(f):
            del f.attrs["checksum"]

        def ckpt_config(f):
            f.attrs["config"] = f.attrs["config"].replace("duration_days = 10.0", "duration_days = 1e9")

        for name, fn in [
            ("huge_series", huge_series),
            ("huge_field", huge_field),
            ("wrong_dims", wrong_dims),
            ("string_series", string_series),
            ("no_timeseries", no_timeseries),
            ("cells_beyond", cells_beyond),
            ("huge_attr", huge_attr),
            ("deep", deep),
            ("bad_schema", bad_schema),
        ]:
            case(name, fn)
        for name, fn in [
            ("ck_huge_column", ckpt_huge_column),
            ("ck_negative_field", ckpt_negative_field),
            ("ck_step", ckpt_step),
            ("ck_no_checksum", ckpt_no_checksum),
            ("ck_config", ckpt_config),
        ]:
            case(name, fn, ckpt=True)
        # Not HDF5 at all, empty, truncated.
        for name, data in [("empty", b""), ("text", b"hello\n"), ("truncated", good.read_bytes()[:5000])]:
            p = base / f"{name}.h5"
            p.write_bytes(data)
            cases.append((name, p, False))
        # A checkpoint with a negative field and a correct checksum (edited by
        # someone who recomputed it): the physical checks must refuse it.
        edited = base / "edited.ckpt.h5"
        shutil.copy2(base / "good.ckpt.h5", edited)
        shutil.copy2(good, base / "edited.h5")
        with h5py.File(edited, "r+") as f:
            ds = f["state/field:phosphate"]
            v = ds[()]
            v[3] = -1.0
            ds[...] = v
            f.attrs["checksum"] = np.uint64(checkpoint_checksum(f))
        cases.append(("edited_with_checksum", edited, True))
        for name, path, ckpt in cases:
            runs = [["verify", path], ["inspect", path], ["inspect", "--json", path]]
            if ckpt:
                runs.append(["run", "--resume", path, "--progress", "none"])
            for args in runs:
                r = self.run(args, timeout=300)
                o = self.classify_error(r)
                if o is None:
                    if args[0] == "inspect" or (args[0] == "verify" and name == "huge_attr"):
                        # inspect summarises what it reads (verify is the judge of
                        # damage); an extra attribute of a legal size is no damage.
                        fam.add("correct")
                    else:
                        fam.add("silent", f"{name}: `{' '.join(map(str, args[:2]))}` exited 0")
                else:
                    fam.add(o, f"{name}: {' '.join(map(str, args[:2]))}: {r.stderr[:200]}")
        return fam

    def broken_pipes(self) -> Family:
        fam = Family("broken pipes")
        base = self.work / "pipes"
        base.mkdir()
        run_file = base / "p.h5"
        self.run(["run", SMOKE, "-o", run_file, "--progress", "none", "--set", "simulation.duration_days=5"])
        sw = base / "sw"
        self.run(["sweep", "plan", SWEEP_SMOKE, "-o", sw])
        cmds = [
            ["inspect", run_file],
            ["inspect", "--json", run_file],
            ["check", SMOKE],
            ["params"],
            ["rules"],
            ["sweep", "status", sw],
            ["sweep", "status", "--json", sw],
            ["verify", run_file],
        ]
        for _ in range(self.n(4, 1)):
            for cmd in cmds:
                for keep in (0, 1, 600):
                    p = subprocess.Popen([self.vcsim, *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    if keep:
                        p.stdout.read(keep)
                    p.stdout.close()
                    try:
                        err = p.stderr.read().decode(errors="replace")
                        p.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        fam.add("hang", " ".join(map(str, cmd)))
                        continue
                    if "panicked" in err or p.returncode == 101:
                        fam.add("panic", f"{cmd}: {err[:200]}")
                    elif p.returncode in (0, 141, -signal.SIGPIPE):
                        fam.add("correct")
                    elif p.returncode == 1 and "error" in err:
                        fam.add("clean")
                    else:
                        fam.add("crash", f"{cmd}: exit {p.returncode}: {err[:200]}")
        # A run whose stderr (its log) goes away keeps running and writes its file.
        sets = ["simulation.duration_days=10"]
        ref = self.reference("pipe", sets)
        out = base / "logless.h5"
        p = subprocess.Popen(
            [self.vcsim, "run", SMOKE, "-o", str(out), "--progress", "log", "--set", sets[0]],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        p.stderr.close()
        p.wait(timeout=300)
        if p.returncode == 0 and self.digest(out) == ref:
            fam.add("correct")
        elif p.returncode is not None and p.returncode < 0:
            fam.add("crash", f"run with a closed log pipe: signal {-p.returncode}")
        else:
            fam.add("lost", f"run with a closed log pipe: exit {p.returncode}")
        return fam

    def extreme_cli(self) -> Family:
        fam = Family("extreme CLI values")
        base = self.work / "cli"
        base.mkdir()
        o = lambda name: base / name  # noqa: E731
        sw = base / "sw"
        self.run(["sweep", "plan", SWEEP_SMOKE, "-o", sw])
        s = str(SMOKE)
        cases = [
            ["run", s, "-o", o("a.h5"), "--max-wall", "99999999999999999999s"],
            ["run", s, "-o", o("a.h5"), "--max-wall", "1e400s"],
            ["run", s, "-o", o("a.h5"), "--max-wall", "-5s"],
            ["run", s, "-o", o("a.h5"), "--max-wall", "NaNs"],
            ["run", s, "-o", o("a.h5"), "--threads", "100000"],
            ["run", s, "-o", o("a.h5"), "--threads", "0"],
            ["run", s, "-o", o("a.h5"), "--threads", "99999999999999999999999"],
            ["run", s, "-o", o("a.h5"), "--seed", "18446744073709551615"],
            ["run", s, "-o", o("a.h5"), "--seed", "-1"],
            ["run", s, "-o", o("a.h5"), "--stop-at-step", "0"],
            ["run", s, "-o", o("a.h5"), "--stop-at-step", "99999999"],
            ["run", s, "-o", o("a.h5"), "--checkpoint-every", "0"],
            ["run", s, "-o", o("a.h5"), "--set", "simulation.duration_days=0.001"],
            ["run", s, "-o", o("a.h5"), "--set", "geometry.circumference_um=1e9"],
            ["check", s, "--set", "geometry.ndim=3", "--set", "geometry.circumference_um=1000000", "--set", "geometry.axial_um=4000"],
            ["run", s, "-o", o("a.h5"), "--set", "geometry.ndim=3", "--set", "geometry.circumference_um=1000000", "--set", "geometry.axial_um=4000"],
            ["run", s, "-o", o("x" * 250 + ".h5")],
            ["run", s, "-o", o("y" * 300 + ".h5")],
            ["run", s, "-o", o("a.h5"), "--set", "simulation={dt_h=2}"],
            ["run", s, "-o", o("a.h5"), "--set", "simulation.dt_h=2\n3"],
            ["run", s, "-o", o("a.h5"), "--set", "name=a\nb"],
            ["run", s, "-o", o("a.h5"), "--set", "simulation.dt_h=nan"],
            ["run", s, "-o", o("a.h5"), "--set", "simulation.dt_h=inf"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.body.ecf_volume_L=1"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.body.cell_pi_exchange_L_per_h=100"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.bone.exchangeable_ca_mmol=10000"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.bone.turnover_factor=100"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.diet.ca_gut_secretion_mmol_per_day=100"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.kidney.pi_excretion_coefficient=0"],
            ["run", s, "-o", o("a.h5"), "--set", "patient.inhibitors.t50_nucleation_per_h=0"],
            ["run", "--resume", o("nothing.ckpt.h5")],
            ["run", s, "-o", "/nonexistent/dir/a.h5"],
            ["run", s, "-o", s],
            ["inspect", "/nonexistent.h5"],
            ["verify", "/dev/null"],
            ["sweep", "run", sw, "--index", "0", "--max-wall", "99999999999999999999s"],
            ["sweep", "run", sw, "--index", "99999999999"],
            ["sweep", "run", sw, "--index", "0", "--threads", "100000"],
            ["sweep", "slurm", sw, "--time", "99999999999999999999"],
            ["sweep", "slurm", sw, "--time", "9999999999-00:00:00"],
            ["sweep", "slurm", sw, "--cpus-per-task", "0"],
            ["sweep", "run", sw, "--all", "--jobs", "100000"],
        ]
        for args in cases:
            r = self.run(args, timeout=120)
            oc = self.classify_error(r)
            if oc is None:
                fam.add("silent", f"{' '.join(map(str, args))[:160]} exited 0")
            else:
                fam.add(oc, f"{' '.join(map(str, args))[:160]}: {r.stderr[:200]}")
        # Combinations at the edges of the ranges: either a run whose every
        # step passed the physical checks (and whose file verifies), or a
        # clean error naming the quantity that left its bounds.
        edges = [
            ["--set", "patient.body.cell_pi_exchange_L_per_h=10", "--set", "patient.body.ecf_volume_L=5"],
            ["--set", "patient.bone.exchangeable_ca_mmol=500", "--set", "patient.bone.turnover_factor=20"],
            ["--set", "patient.diet.ca_gut_secretion_mmol_per_day=20", "--set", "patient.kidney.pi_excretion_coefficient=0.2"],
            ["--set", "patient.inhibitors.t50_nucleation_per_h=0.001", "--set", "patient.body.ecf_volume_L=40"],
        ]
        for k, sets in enumerate(edges):
            out = o(f"edge{k}.h5")
            r = self.run(["run", s, "-o", out, "--progress", "none", *sets], timeout=300)
            oc = self.classify_error(r)
            if oc is None:
                v = self.run(["verify", "--quiet", out])
                fam.add("correct" if v.code == 0 else "lost", f"edge {sets}: {v.stderr[:200]}")
            else:
                fam.add(oc, f"edge {sets}: {r.stderr[:200]}")
        # After the refusals: no stale marker, nothing left half-written.
        st = self.run(["sweep", "status", "--json", sw])
        status = json.loads(st.stdout)
        fam.add("correct" if not status["running"] else "silent", f"stale running marker: {status}")
        # SLURM 0 / unlimited: no wall limit in the script.
        for t in ["0", "unlimited", "UNLIMITED", "infinite"]:
            r = self.run(["sweep", "slurm", sw, "--time", t])
            script = (sw / "sweep.sbatch").read_text() if r.code == 0 else ""
            if r.code == 0 and "--max-wall" not in script:
                fam.add("correct")
            else:
                fam.add(self.classify_error(r) or "silent", f"--time {t}: {r.stderr[:200]} {'--max-wall' in script}")
        # --max-wall counts the step loop only: chained resumes with a short
        # limit still advance more than one step each.
        d = base / "wall"
        d.mkdir()
        out = d / "w.h5"
        r = self.run(["run", s, "-o", out, "--progress", "none", "--set", "simulation.duration_days=3000", "--stop-at-step", "1000"])
        r2 = self.run(["run", "--resume", d / "w.ckpt.h5", "--progress", "none", "--max-wall", "0.3s"])
        if r2.code == 75 and "at step 1000 " not in r2.stderr and "at step 1001 " not in r2.stderr:
            fam.add("correct")
        else:
            fam.add("silent" if r2.code in (0, 75) else (self.classify_error(r2) or "silent"), f"max-wall resume: {r2.stderr[:300]}")
        return fam

    def sweep_tampering(self) -> Family:
        fam = Family("sweep tampering")
        base = self.work / "sweeps"
        base.mkdir()
        text = SWEEP_SMOKE.read_text()
        bad_plans = {
            "nan_threshold": text.replace("threshold = 0.01", "threshold = nan"),
            "bogus_readout": text.replace('readout = "calcified_fraction"', 'readout = "bogus"'),
            "inf_threshold": text.replace("threshold = 0.01", "threshold = inf"),
            "seed_axis": text + '\n[[axes]]\nkey = "simulation.seed"\nvalues = [1, 2]\n',
            "dup_axis": text + '\n[[axes]]\nkey = "patient.kidney.egfr_mL_min"\nvalues = [5.0]\n',
            "nul_arm": text.replace('name = "control"', 'name = "con\\u0000trol"'),
            "newline_arm": text.replace('name = "control"', 'name = "con\\ntrol"'),
            "long_arm": text.replace('name = "control"', 'name = "' + "c" * 500 + '"'),
            "seed_set": text.replace('name = "control"', 'name = "control"\nset = ["simulation.seed=3"]'),
            "arm_overrides_axis": text.replace('name = "control"', 'name = "control"\nset = ["patient.kidney.egfr_mL_min=30"]'),
        }
        # The sweep file names its base as ../smoke.toml.
        (base / "plans").mkdir()
        shutil.copy2(SMOKE, base / "smoke.toml")
        for name, t in bad_plans.items():
            f = base / "plans" / f"{name}.toml"
            f.write_text(t)
            r = self.run(["sweep", "plan", f, "-o", base / f"dir-{name}"])
            oc = self.classify_error(r)
            if oc is None:
                fam.add("silent", f"plan {name} accepted")
            else:
                fam.add(oc, f"plan {name}: {r.stderr[:200]}")
        # Tampering with finished runs.
        tampers = ["truncate", "swap", "flip", "delete", "foreign", "partial"]
        for k in range(self.n(3, 1)):
            for tamper in tampers:
                sw = base / f"run-{tamper}-{k}"
                r = self.run(["sweep", "plan", SWEEP_SMOKE, "-o", sw])
                assert r.code == 0, r.stderr
                r = self.run(["sweep", "run", sw, "--all", "--jobs", "2"], timeout=900)
                assert r.code == 0, r.stderr
                runs = sw / "runs"
                a, b = runs / "r00000.h5", runs / "r00001.h5"
                if tamper == "truncate":
                    data = a.read_bytes()
                    a.write_bytes(data[: len(data) // 2])
                elif tamper == "swap":
                    tmp = runs / "t.h5"
                    a.rename(tmp)
                    b.rename(a)
                    tmp.rename(b)
                elif tamper == "flip":
                    data = bytearray(a.read_bytes())
                    pos = self.rng.randrange(len(data) // 4, len(data))
                    data[pos] ^= 0xFF
                    a.write_bytes(bytes(data))
                elif tamper == "delete":
                    a.unlink()
                elif tamper == "foreign":
                    # --force: a finished run's file is otherwise kept.
                    self.run(["run", SMOKE, "-o", a, "--force", "--progress", "none", "--set", "simulation.duration_days=5"])
                elif tamper == "partial":
                    self.run(["run", SMOKE, "-o", a, "--force", "--progress", "none", "--stop-at-step", "10"])
                r = self.run(["sweep", "collect", sw])
                oc = self.classify_error(r)
                if oc is None:
                    if tamper == "delete" or (tamper == "flip" and "r00000" not in r.stderr):
                        # A deleted file is reported as missing (not done); a flip in
                        # unused bytes changes nothing that is read.
                        ok = tamper == "delete" and "missing" in r.stderr
                        fam.add("correct" if ok or tamper == "flip" else "silent", f"{tamper}: collect exited 0: {r.stderr[:200]}")
                    else:
                        fam.add("silent", f"{tamper}: collect pooled a tampered run: {r.stderr[:200]}")
                else:
                    fam.add(oc, f"{tamper}: {r.stderr[:200]}")
                    # The refused run is redone by the next `sweep run --all`, then pools.
                    if oc == "clean":
                        r2 = self.run(["sweep", "run", sw, "--all", "--jobs", "2"], timeout=900)
                        r3 = self.run(["sweep", "collect", sw])
                        if r2.code != 0 or r3.code != 0:
                            fam.add("lost", f"{tamper}: rerun after refusal failed: {r2.stderr[-200:]} {r3.stderr[:200]}")
        return fam


def checkpoint_checksum(f) -> int:
    """The checksum vcsim stores in a checkpoint (crates/vcsim-hdf5/src/checksum.rs), for the edited-checkpoint case."""
    import numpy as np

    MASK = (1 << 64) - 1
    MUL = 0x9E3779B97F4A7C15

    class C:
        def __init__(self):
            self.state = 0x6A09E667F3BCC908
            self.buf = bytearray()
            self.n = 0

        def bytes(self, b: bytes):
            self.n += len(b)
            self.buf += b
            k = len(self.buf) // 8 * 8
            words = np.frombuffer(bytes(self.buf[:k]), dtype="<u8")
            for w in words.tolist():
                self.mix(w)
            del self.buf[:k]

        def mix(self, w):
            h = ((self.state ^ w) * MUL) & MASK
            self.state = h ^ (h >> 29)

        def text(self, s: str):
            e = s.encode()
            self.bytes(len(e).to_bytes(8, "little"))
            self.bytes(e)

        def value(self):
            tail = bytes(self.buf) + b"\0" * (8 - len(self.buf))
            st = self.state
            self.mix(int.from_bytes(tail, "little"))
            self.mix(self.n & MASK)
            self.mix(MUL)
            v, self.state = self.state, st
            return v

    def s(v):
        return v.decode() if isinstance(v, bytes) else str(v)

    c = C()
    c.text("vcsim checkpoint")
    c.text(s(f.attrs["vcsim_version"]))
    c.bytes(int(f.attrs["snapshot_version"]).to_bytes(4, "little"))
    c.text(s(f.attrs["config"]))
    c.bytes(int(f.attrs["seed"]).to_bytes(8, "little"))
    c.bytes(int(f.attrs["step"]).to_bytes(8, "little"))
    names = s(f.attrs["columns"]).split("\n")
    c.bytes(len(names).to_bytes(8, "little"))
    tags = {"<f4": 0, "<f8": 1, "<u8": 2, "<u4": 3, "|u1": 4}
    for name in names:
        c.text(name)
        v = f["state/" + name.replace("/", ":")][()]
        c.bytes(bytes([tags[v.dtype.str]]))
        c.bytes(len(v).to_bytes(8, "little"))
        c.bytes(v.tobytes())
    return c.value()


FAMILIES = {
    "concurrent": Soak.concurrent_writers,
    "kill": Soak.kills,
    "disk": Soak.full_disk,
    "flips": Soak.byte_flips,
    "hostile": Soak.hostile_shapes,
    "pipes": Soak.broken_pipes,
    "cli": Soak.extreme_cli,
    "sweep": Soak.sweep_tampering,
}


def table(families: list[Family]) -> str:
    head = "| family | inputs tried | correct | clean errors | panics | crashes (signals) | hangs | silent acceptances | data lost |"
    rows = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total = {k: 0 for k in OUTCOMES}
    for f in families:
        c = f.counts
        for k in OUTCOMES:
            total[k] += c[k]
        rows.append(
            f"| {f.name} | {f.tried} | {c['correct']} | {c['clean']} | {c['panic']} | {c['crash']} | {c['hang']} | {c['silent']} | {c['lost']} |"
        )
    t = total
    rows.append(
        f"| **all** | {sum(t.values())} | {t['correct']} | {t['clean']} | {t['panic']} | {t['crash']} | {t['hang']} | {t['silent']} | {t['lost']} |"
    )
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vcsim", default=str(ROOT / "target" / "release" / "vcsim"))
    ap.add_argument("--quick", action="store_true", help="a few trials per family (the test suite's pass)")
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated subset of " + ",".join(FAMILIES))
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", help="also write the counts as JSON here")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="vcsim-soak-"))
    soak = Soak(Path(args.vcsim), work, args.quick, args.seed)
    started = time.time()
    families = []
    try:
        for name in args.families.split(","):
            t0 = time.time()
            fam = FAMILIES[name](soak)
            families.append(fam)
            print(f"soak: {fam.name}: {fam.tried} inputs in {time.time() - t0:.0f} s {fam.counts}", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(table(families))
    print(f"\n{'quick' if args.quick else 'full'} soak of {args.vcsim}, seed {args.seed}, {time.time() - started:.0f} s")
    bad = [n for f in families for n in f.notes]
    for n in bad:
        print("  " + n)
    if args.json:
        Path(args.json).write_text(json.dumps({f.name: f.counts for f in families}, indent=1))
    return 1 if any(f.counts[k] for f in families for k in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
