#!/usr/bin/env python3
"""Grid-convergence study (issue 14, part 1): runs presets at several voxel
sizes and compares four readouts with the finest grid; with `--dt`, the same
for the time step at one voxel size.

    python3 scripts/convergence.py [--dx 10 5 2.5] [--seeds 1] [--out docs/convergence]
    python3 scripts/convergence.py --dx 5 --dt 4 2 1 0.5 0.25 --name timestep

Runs are kept in --runs (target/convergence) and reused only when their
resolved configuration is the one asked for; after a change of the model's
code that keeps every parameter, pass --fresh.

Readouts (from the run's HDF5 file):
- calcified fraction of the wall at the end (/timeseries/calcified_fraction,
  averaged over blocks of mineral.calcified_block_um);
- mineral per wall volume at the end (/timeseries/mineral_wall_fraction);
- time to CT-detectable calcification (/clinical/detectable, first day);
- lamina volume share (/timeseries/lamina_volume_share) and the share of the
  mineral in laminae (/timeseries/lamina_mineral_share).

Writes `<out>/convergence.md` (table) and `<out>/convergence.png` (figure).
Criterion (issue 14): every readout within 10% of the finest grid (relative),
or 0.5 percentage points when the value is below 5%.
"""
import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runcache  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [("ckd4", 730.0), ("ckd5d", 365.0)]
READOUTS = [
    ("calcified_fraction", "calcified fraction", True),
    ("mineral_wall_fraction", "mineral / wall volume", True),
    ("detectable_day", "days to CT-detectable", False),
    ("lamina_volume_share", "lamina volume share", True),
    ("lamina_mineral_share", "mineral share in laminae", True),
]


def settings(days, dx, dt, seed):
    """The `--set` arguments of one run."""
    sets = [f"geometry.dx_um={dx}", f"simulation.duration_days={days}",
            f"simulation.seed={seed}", f"simulation.frame_every_h={days * 24}"]
    if dt is not None:
        sets.append(f"simulation.dt_h={dt}")
    return [x for s in sets for x in ("--set", s)]


def case_label(case):
    """A case's name in file names and tables: a preset's name, or a scenario
    file's name without its directory and `.toml`."""
    return os.path.splitext(os.path.basename(case))[0] if case.endswith(".toml") else case


def parse_case(text):
    """`PRESET:DAYS` or `FILE.toml:DAYS` → (case, days)."""
    case, sep, days = text.rpartition(":")
    try:
        value = float(days)
    except ValueError:
        value = float("nan")
    if not sep or not case or not (value > 0):
        raise argparse.ArgumentTypeError(f"'{text}': expected PRESET:DAYS or FILE.toml:DAYS with DAYS > 0")
    return case, value


def run(binary, case, days, dx, dt, seed, out_dir, fresh=False):
    """The run file of one case at voxel size `dx` and time step `dt` (None:
    the preset's), made unless a file made with the same configuration
    exists (and `fresh` is not set)."""
    step = "" if dt is None else f"_dt{dt:g}"
    path = os.path.join(out_dir, f"{case_label(case)}_{days:g}d_dx{dx}{step}_s{seed}.h5")
    return runcache.ensure(binary, case, path, settings(days, dx, dt, seed), days, fresh, ("--threads", "1"))


def readouts(path):
    with h5py.File(path, "r") as h:
        ts, cl = h["timeseries"], h["clinical"]
        det = np.nan_to_num(cl["detectable"][:]) > 0
        t = cl["time_h"][:] / 24.0
        r = {k: float(ts[k][-1]) for k in
             ("calcified_fraction", "mineral_wall_fraction", "lamina_volume_share", "lamina_mineral_share")}
        r["detectable_day"] = float(t[np.argmax(det)]) if det.any() else float("nan")
        r["n_cells"] = float(sum(ts[k][0] for k in ("n_contractile", "n_osteogenic")))
        return r


def within(value, ref, fraction):
    if np.isnan(value) and np.isnan(ref):
        return True
    if fraction and abs(ref) < 0.05:
        return abs(value - ref) <= 0.005
    return abs(value - ref) <= 0.10 * abs(ref)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dx", type=float, nargs="+", default=[10.0, 5.0, 2.5])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "convergence"))
    ap.add_argument("--runs", default=os.path.join(ROOT, "target", "convergence"),
                    help="where the runs are kept; one is reused only if its resolved configuration "
                    "is the one asked for")
    ap.add_argument("--fresh", action="store_true",
                    help="run everything again (after a change of the model's code that keeps every parameter)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "vcsim"))
    ap.add_argument("--cases", nargs="+", metavar="PRESET:DAYS", type=parse_case,
                    help="presets or scenario files and durations, e.g. ckd4:730 or my.toml:365 "
                    "(default: ckd4:730 ckd5d:365)")
    ap.add_argument("--dt", type=float, nargs="+",
                    help="time steps, h: study the time step at the one voxel size of --dx "
                    "(default: the preset's step, and the study is over --dx)")
    ap.add_argument("--name", default="convergence", help="base name of the table and figure")
    a = ap.parse_args()
    cases = a.cases or CASES
    if a.dt and len(a.dx) != 1:
        ap.error("--dt studies the time step at one voxel size: give a single --dx")
    if a.dt and any(not 0 < d <= 24 for d in a.dt):
        ap.error("--dt: every time step must be in (0, 24] h")
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.runs, exist_ok=True)
    # The study's axis: the voxel size, or the time step at one voxel size.
    if a.dt:
        axis, unit, values = "dt", "h", a.dt
        setting = lambda v: (a.dx[0], v)
    else:
        axis, unit, values = "dx", "µm", a.dx
        setting = lambda v: (v, None)
    jobs = [(c, d, v, s) for c, d in cases for v in values for s in range(1, a.seeds + 1)]
    # Finest first: they take longest.
    jobs.sort(key=lambda j: j[2])
    with ThreadPoolExecutor(a.jobs) as ex:
        paths = list(ex.map(lambda j: run(a.binary, j[0], j[1], *setting(j[2]), j[3], a.runs, a.fresh), jobs))
    res = {}
    for (c, _, v, s), p in zip(jobs, paths):
        res.setdefault((c, v), []).append(readouts(p))
    finest = min(values)
    command = ("python3 scripts/convergence.py --dx " + " ".join(f"{d:g}" for d in a.dx)
               + ((" --dt " + " ".join(f"{d:g}" for d in a.dt)) if a.dt else "")
               + f" --seeds {a.seeds}"
               + ((" --cases " + " ".join(f"{c}:{d:g}" for c, d in a.cases)) if a.cases else "")
               + (f" --name {a.name}" if a.cases or a.dt else ""))
    title = "Time-step convergence" if a.dt else "Grid convergence"
    what = (f"the finest step (dt {finest:g} h) at dx {a.dx[0]:g} µm" if a.dt
            else f"the finest grid (dx {finest:g} µm)")
    lines = [f"# {title}", "",
             f"Generated by `{command}` (release build, 2D section of 10 µm).", "",
             f"Each readout at every {axis}, with its difference to {what}. "
             "✓: within 10% (or 0.5 percentage points below 5%), the issue's criterion.", ""]
    ok_all = True
    for c, days in cases:
        lines += [f"## {case_label(c)}, {days / 365:g} year(s)", "",
                  "| readout | " + " | ".join(f"{axis} {d:g} {unit}" for d in values) + " |",
                  "|---|" + "---|" * len(values)]
        for key, label, frac in READOUTS:
            ref = np.nanmean([r[key] for r in res[(c, finest)]])
            cells = []
            for d in values:
                vals = [r[key] for r in res[(c, d)]]
                v = np.nanmean(vals) if not all(np.isnan(vals)) else float("nan")
                sd = np.nanstd(vals) if len(vals) > 1 and not all(np.isnan(vals)) else None
                txt = "not within the run" if np.isnan(v) else (f"{v:.4g}" + (f" ± {sd:.2g}" if sd else ""))
                if d != finest:
                    good = within(v, ref, frac)
                    ok_all &= good
                    if not np.isnan(v) and not np.isnan(ref) and ref != 0:
                        txt += f" ({(v - ref) / abs(ref):+.0%}) " + ("✓" if good else "✗")
                    else:
                        txt += " ✓" if good else " ✗"
                cells.append(txt)
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        n = [np.mean([r["n_cells"] for r in res[(c, d)]]) for d in values]
        lines.append("| cells in the section at the start | " + " | ".join(f"{x:.0f}" for x in n) + " |")
        lines.append("")
    lines += ["All readouts within the criterion: " + ("yes" if ok_all else "no (✗ above)"), ""]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, len(READOUTS), figsize=(4 * len(READOUTS), 3.4))
        for ax, (key, label, _) in zip(axes, READOUTS):
            for c, _ in cases:
                y = [np.nanmean([r[key] for r in res[(c, d)]]) for d in values]
                ax.plot(values, y, "o-", label=case_label(c))
            ax.set_xscale("log")
            ax.minorticks_off()
            ax.set_xticks(values)
            ax.set_xticklabels([f"{v:g}" for v in values])
            ax.invert_xaxis()
            ax.set_xlabel(f"{axis} ({unit})")
            ax.set_title(label, fontsize=10)
        axes[0].legend()
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, f"{a.name}.png"), dpi=110)
        lines += [f"![readouts against {axis}]({a.name}.png)", ""]
    except ImportError:
        print("matplotlib missing: no figure", file=sys.stderr)
    with open(os.path.join(a.out, f"{a.name}.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
