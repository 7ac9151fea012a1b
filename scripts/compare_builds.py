#!/usr/bin/env python3
"""Bitwise comparison of two builds of vcsim on a fixed set of runs.

A refactor proves itself by identical output bits. This script builds the
`vcsim` binary of a base commit (default: the commit before the vcsim-rules
renovation) in a scratch worktree under target/compare/, uses the current
tree's release binary as the new one, runs the same scenarios with both and
compares the files: every dataset and attribute outside /provenance must hold
the same bytes. The root attribute `config` (the resolved TOML) may only gain
keys: every key of the base must keep its value, and new keys are listed.

A change that renames things without changing a value (a parameter, a
series) says so: `--rename OLD=NEW` maps a name of the base to its name in
the new build wherever it appears (a config key, as its last component or
its dotted path; an HDF5 object name; the target of an object reference), and
`--allow-attr-change PATH@ATTR` lets one attribute differ (its values are
listed), e.g. the units of a field whose unit was relabelled.

    python3 scripts/compare_builds.py [--base COMMIT] [--base-binary PATH]
        [--rename OLD=NEW ...] [--allow-attr-change PATH@ATTR ...]

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


def plain(v, f, base=False):
    """An attribute value with HDF5 object references replaced by the names
    of their targets (references are file offsets, not content); in the base
    file (`base`), renamed targets under their new names."""
    if isinstance(v, h5py.Reference):
        name = f[v].name if v else None
        return ("ref", renamed_path(name) if name and base else name)
    if isinstance(v, np.void) or (isinstance(v, np.ndarray) and v.dtype.names):
        return tuple(plain(x, f, base) for x in (v.tolist() if isinstance(v, np.void) else v))
    if isinstance(v, np.ndarray) and v.dtype == object:
        return tuple(plain(x, f, base) for x in v.ravel()) + (v.shape,)
    if isinstance(v, (tuple, list)):
        return tuple(plain(x, f, base) for x in v)
    if isinstance(v, np.ndarray):
        return (v.dtype.str, v.shape, v.tobytes())
    return v


ALLOWED_NEW_ATTRS = set()
#: `--rename`: name in the base -> name in the new build.
RENAMED = {}
#: `--allow-attr-change`: "path@attr" whose value may differ.
ALLOWED_ATTR_CHANGES = set()


def renamed_path(path):
    """An HDF5 path of the base with every renamed component mapped."""
    return "/".join(RENAMED.get(part, part) for part in path.split("/"))


def renamed_json(v):
    """A JSON value of the base with renamed names as keys mapped."""
    if isinstance(v, dict):
        return {RENAMED.get(k, k): renamed_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [renamed_json(x) for x in v]
    return v


def renamed_key(key):
    """A dotted config key of the base, mapped as a whole or by its last part."""
    if key in RENAMED:
        return RENAMED[key]
    head, _, last = key.rpartition(".")
    if last in RENAMED:
        return f"{head}.{RENAMED[last]}" if head else RENAMED[last]
    return key


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
        same = plain(va, a.file, True) == plain(vb, b.file, False)
        if not same:
            if f"{where}@{k}" in ALLOWED_ATTR_CHANGES:
                config_notes.add(f"attribute {where}@{k} changed (allowed): {va!r} -> {vb!r}"[:200])
            else:
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
    for old, v in list(fa.items()):
        new = renamed_key(old)
        if new != old:
            del fa[old]
            fa[new] = v
            notes.add(f"config key {old} -> {new}")
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
            # Base member names under their new names -> their base names.
            na = {RENAMED.get(k, k): k for k in ga.keys() if f"{path}{k}" != "/provenance"}
            nb = {k for k in gb.keys() if f"{path}{k}" != "/provenance"}
            for k in sorted(na):
                if na[k] != k:
                    config_notes.add(f"object {path}{na[k]} -> {path}{k}")
            if set(na) != nb:
                problems.append(f"{path}: members differ: {sorted(set(na) ^ nb)}")
            for k in sorted(set(na) & nb):
                oa, ob = ga[na[k]], gb[k]
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
    ap.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                    help="a config key or HDF5 object name of the base that the new build "
                         "calls NEW, with the same value; repeatable")
    ap.add_argument("--allow-attr-change", action="append", default=[], metavar="PATH@ATTR",
                    help="an attribute whose value may differ (e.g. /fields/ros@units); repeatable")
    ap.add_argument("--compare-only", action="store_true",
                    help="compare the outputs of an earlier call without building or running")
    ap.add_argument("--no-validation", action="store_true",
                    help="skip the quick validation suite")
    args = ap.parse_args()
    ALLOWED_NEW_ATTRS.update(args.allow_new_attr)
    for r in args.rename:
        old, sep, new = r.partition("=")
        if not sep or not old or not new:
            ap.error(f"--rename {r!r}: expected OLD=NEW")
        RENAMED[old] = new
    ALLOWED_ATTR_CHANGES.update(args.allow_attr_change)
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
            # A failing claim exits 1; the reports are compared either way.
            cmd = [str(b), "validate", "--quick", "-o", str(work / f"validation-{side}")]
            print("+", " ".join(cmd), flush=True)
            rc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
            if rc not in (0, 1):
                raise SystemExit(f"{cmd[0]} validate exited with {rc}")
        for name in ("report.json", "curves.json"):
            ra = renamed_json(json.loads((work / "validation-base" / name).read_text()))
            rb = json.loads((work / "validation-new" / name).read_text())
            same = ra == rb
            rows.append((f"validate --quick {name}", "identical" if same else "DIFFERENT"))
            failures += not same
    print()
    print(f"base {args.base} vs the work tree")
    for f, r in rows:
        print(f"  {f:40s} {r}")
    if config_notes:
        print("keys new in the resolved config (declared parameters added, old values kept), renamed names, and allowed new or changed attributes:")
        for n in sorted(config_notes):
            print(f"  {n}")
    print("ALL IDENTICAL" if failures == 0 else f"{failures} comparisons differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
