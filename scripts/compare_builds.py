#!/usr/bin/env python3
"""Bitwise comparison of two builds of vcsim on a fixed set of runs.

A refactor proves itself by identical output bits. This script builds the
`vcsim` binary of a base commit (default: the commit before the vcsim-rules
renovation) in a scratch worktree under target/compare/, uses the current
tree's release binary as the new one, runs the same scenarios with both and
compares the files: every dataset and attribute outside /provenance must hold
the same bytes. The root attribute `config` (the resolved TOML) may only gain
keys: every key of the base must keep its value, and new keys are listed.

    python3 scripts/compare_builds.py [--base COMMIT] [--quick-validation]

Exit 0 when every comparison is identical, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASE_DEFAULT = "df98e7e"

# name -> (config, extra arguments). Long presets are shortened to 120 days.
SHORT = ["--set", "simulation.duration_days=120"]
RUNS = {
    "healthy": ("configs/healthy.toml", SHORT),
    "ckd3": ("configs/ckd3.toml", SHORT),
    "ckd4": ("configs/ckd4.toml", SHORT),
    "ckd5": ("configs/ckd5.toml", SHORT),
    "ckd5d": ("configs/ckd5d.toml", SHORT),
    "smoke": ("configs/smoke.toml", []),
    # 3D wall.
    "ckd5_3d": (
        "configs/ckd5.toml",
        ["--set", "simulation.duration_days=40", "--set", "geometry.ndim=3",
         "--set", "geometry.axial_um=60", "--set", "geometry.circumference_um=120"],
    ),
    # Treatments, patient variability, dialysis.
    "ckd5d_treated_variable": (
        "configs/ckd5d.toml",
        ["--set", "simulation.duration_days=150",
         "--set", "patient.variability.sample=1", "--seed", "11",
         "--set", 'treatments=[{drug="sevelamer", dose=4.8}, '
                  '{drug="calcium_carbonate", dose=3.0, start_day=20.0}, '
                  '{drug="cinacalcet", dose=60.0, start_day=30.0, stop_day=120.0}, '
                  '{drug="denosumab", dose=60.0, start_day=10.0, interval_days=90.0}, '
                  '{drug="antioxidant", dose=1.0, start_day=5.0}, '
                  '{drug="exogenous_ppi", dose=1.0, start_day=5.0, interval_days=2.0}, '
                  '{drug="magnesium_carbonate", dose=1.0, start_day=40.0}]'],
    ),
    # A culture experiment (the Pi dose-response base at 3 mM).
    "culture": (
        None,
        ["--set", "simulation.duration_days=14", "--set", "simulation.dt_h=2.0"],
    ),
    # Two threads and a checkpoint: the checkpoint file is compared too.
    "ckd4_threads2_ckpt": (
        "configs/ckd4.toml",
        ["--set", "simulation.duration_days=60", "--threads", "2", "--checkpoint-every", "100"],
    ),
}

CULTURE_TOML = """name = "culture_pi3"
mode = "culture"
[geometry]
dx_um = 10.0
cell_fill = 0.9
[culture]
side_um = 200.0
phosphate_mM = 3.0
"""


def sh(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def build_base(commit: str) -> Path:
    wt = ROOT / "target" / "compare" / f"base-{commit}"
    if not wt.exists():
        sh(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(wt), commit])
    env = dict(os.environ)
    env.setdefault("HDF5_DIR", "/usr/lib/x86_64-linux-gnu/hdf5/serial")
    sh(["cargo", "build", "--release", "-q", "-p", "vcsim-cli"], cwd=wt, env=env)
    return wt / "target" / "release" / "vcsim"


def build_new() -> Path:
    env = dict(os.environ)
    env.setdefault("HDF5_DIR", "/usr/lib/x86_64-linux-gnu/hdf5/serial")
    sh(["cargo", "build", "--release", "-q", "-p", "vcsim-cli"], cwd=ROOT, env=env)
    return ROOT / "target" / "release" / "vcsim"


def run_all(binary: Path, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    culture = out / "culture.toml"
    culture.write_text(CULTURE_TOML)
    for name, (cfg, extra) in RUNS.items():
        h5 = out / f"{name}.h5"
        for stale in (h5, out / f"{name}.ckpt.h5", out / f"{name}.xmf"):
            stale.unlink(missing_ok=True)
        path = str(ROOT / cfg) if cfg else str(culture)
        sh([str(binary), "run", path, "-o", str(h5), "--progress", "none", *extra])


def plain(v, f):
    """An attribute value with HDF5 object references replaced by the names
    of their targets (references are file offsets, not content)."""
    if isinstance(v, h5py.Reference):
        return ("ref", f[v].name if v else None)
    if isinstance(v, np.void) or (isinstance(v, np.ndarray) and v.dtype.names):
        return tuple(plain(x, f) for x in (v.tolist() if isinstance(v, np.void) else v))
    if isinstance(v, np.ndarray) and v.dtype == object:
        return tuple(plain(x, f) for x in v.ravel()) + (v.shape,)
    if isinstance(v, (tuple, list)):
        return tuple(plain(x, f) for x in v)
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    return v


ALLOWED_NEW_ATTRS = set()


def attrs_equal(a, b, where, problems, config_notes):
    ka, kb = set(a.attrs.keys()), set(b.attrs.keys())
    added = kb - ka
    for k in sorted(added & ALLOWED_NEW_ATTRS):
        config_notes.add(f"attribute {where}@{k} (new, allowed)")
    if ka != kb - (added & ALLOWED_NEW_ATTRS):
        problems.append(f"{where}: attributes differ: {sorted(ka ^ kb)}")
    for k in sorted(ka & kb):
        va, vb = a.attrs[k], b.attrs[k]
        if where == "/" and k == "config":
            cmp_config(va, vb, problems, config_notes)
            continue
        same = plain(va, a.file) == plain(vb, b.file)
        if not same:
            problems.append(f"{where}@{k}: {va!r} != {vb!r}"[:300])


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


def cmp_config(a, b, problems, notes):
    a = a.decode() if isinstance(a, bytes) else str(a)
    b = b.decode() if isinstance(b, bytes) else str(b)
    if a == b:
        return
    fa, fb = flatten(tomllib.loads(a)), flatten(tomllib.loads(b))
    for k, v in fa.items():
        if k not in fb:
            problems.append(f"config: key {k} removed")
        elif fb[k] != v:
            problems.append(f"config: {k} = {v!r} became {fb[k]!r}")
    for k in sorted(set(fb) - set(fa)):
        notes.add(f"{k} = {fb[k]!r}")


def compare_files(pa: Path, pb: Path, config_notes) -> list:
    problems = []
    with h5py.File(pa, "r") as a, h5py.File(pb, "r") as b:
        attrs_equal(a, b, "/", problems, config_notes)

        def walk(ga, gb, path):
            na = {k for k in ga.keys() if f"{path}{k}" != "/provenance"}
            nb = {k for k in gb.keys() if f"{path}{k}" != "/provenance"}
            if na != nb:
                problems.append(f"{path}: members differ: {sorted(na ^ nb)}")
            for k in sorted(na & nb):
                oa, ob = ga[k], gb[k]
                p = f"{path}{k}"
                if isinstance(oa, h5py.Group) != isinstance(ob, h5py.Group):
                    problems.append(f"{p}: group vs dataset")
                    continue
                attrs_equal(oa, ob, p, problems, config_notes)
                if isinstance(oa, h5py.Group):
                    walk(oa, ob, p + "/")
                    continue
                if oa.dtype != ob.dtype or oa.shape != ob.shape:
                    problems.append(f"{p}: {oa.dtype}{oa.shape} vs {ob.dtype}{ob.shape}")
                    continue
                da, db = oa[()], ob[()]
                ba = np.asarray(da).tobytes() if not isinstance(da, bytes) else da
                bb = np.asarray(db).tobytes() if not isinstance(db, bytes) else db
                if ba != bb:
                    problems.append(f"{p}: values differ")

        walk(a, b, "/")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default=BASE_DEFAULT)
    ap.add_argument("--base-binary", type=Path,
                    help="a vcsim binary already built from the base commit (skips the build)")
    ap.add_argument("--reuse-base-runs", action="store_true",
                    help="keep the base outputs of an earlier call (same base)")
    ap.add_argument("--allow-new-attr", action="append", default=[],
                    help="an attribute the new build may add (e.g. strings_checksum); repeatable")
    ap.add_argument("--compare-only", action="store_true",
                    help="compare the outputs of an earlier call without building or running")
    ap.add_argument("--no-validation", action="store_true",
                    help="skip the quick validation suite")
    args = ap.parse_args()
    ALLOWED_NEW_ATTRS.update(args.allow_new_attr)
    work = ROOT / "target" / "compare" / "runs"
    if not args.compare_only:
        base_bin = args.base_binary or build_base(args.base)
        new_bin = build_new()
        if not args.reuse_base_runs:
            run_all(base_bin, work / "base")
        run_all(new_bin, work / "new")
    failures = 0
    config_notes = set()
    rows = []
    files = sorted(p.name for p in (work / "base").glob("*.h5"))
    for f in files:
        problems = compare_files(work / "base" / f, work / "new" / f, config_notes)
        rows.append((f, "identical" if not problems else f"{len(problems)} differences"))
        for p in problems[:10]:
            print(f"  {f}: {p}")
        failures += bool(problems)
    if not args.no_validation and not args.compare_only:
        for side, b in (("base", base_bin), ("new", new_bin)):
            sh([str(b), "validate", "--quick", "-o", str(work / f"validation-{side}")],
               cwd=ROOT, stdout=subprocess.DEVNULL)
        ra = json.loads((work / "validation-base" / "report.json").read_text())
        rb = json.loads((work / "validation-new" / "report.json").read_text())
        same = ra == rb
        rows.append(("validate --quick report.json", "identical" if same else "DIFFERENT"))
        failures += not same
    print()
    print(f"base {args.base} vs the work tree")
    for f, r in rows:
        print(f"  {f:40s} {r}")
    if config_notes:
        print("keys new in the resolved config (declared parameters added, old values kept), and allowed new attributes:")
        for n in sorted(config_notes):
            print(f"  {n}")
    print("ALL IDENTICAL" if failures == 0 else f"{failures} comparisons differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
