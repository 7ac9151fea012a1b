"""Pooled sweep results (``vcsim sweep collect``) as pandas DataFrames, and figures.

>>> from vcsim_analysis import open_sweep
>>> df = open_sweep("sweeps/cohort")            # or ".../pooled.h5"   # doctest: +SKIP
>>> df.groupby("arm")["final_calcified_fraction"].mean()              # doctest: +SKIP

The pooled layout is documented in docs/output-format.md ("Pooled sweep file").
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .report import _finish, _plt

__all__ = ["open_sweep", "sweep_series", "prevalence", "plot_outcome_vs_param", "plot_arms", "plot_prevalence", "sweep_report"]


def _pooled_path(path) -> Path:
    p = Path(path)
    if p.is_dir():
        pooled = p / "pooled.h5"
        if not pooled.exists():
            raise FileNotFoundError(f"{p}: no pooled.h5 yet; run `vcsim sweep collect {p}` first")
        return pooled
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such sweep directory or pooled file")
    return p


def _decode(values):
    if values.dtype.kind in ("O", "S"):
        return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in values], dtype=object)
    return values


def _table(f, group):
    import pandas as pd

    if group not in f:
        raise KeyError(f"{f.filename}: no /{group} table; is this a pooled sweep file?")
    g = f[group]
    data = {name: _decode(g[name][...]) for name in g}
    df = pd.DataFrame(data)
    df.attrs["units"] = {name: (g[name].attrs["units"].decode() if isinstance(g[name].attrs.get("units"), bytes) else g[name].attrs.get("units", "")) for name in g}
    return df


def _attrs(f):
    return {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}


def open_sweep(path):
    """A DataFrame with one row per run: index, id, arm, stage, point, replicate,
    seed, status, one column per swept key, and the outcomes (``final_*``,
    ``mean_serum_*``, ``final_bmd_rel``, ``vc_present``: 1 present, 0 absent,
    -1 not finished). ``df.attrs`` holds the sweep's name, kind, keys, outcome
    rule, missing runs and each column's units."""
    pooled = _pooled_path(path)
    with h5py.File(pooled, "r") as f:
        a = _attrs(f)
        if a.get("format") != "vcsim pooled sweep":
            raise ValueError(f"{pooled}: not a pooled sweep file (written by `vcsim sweep collect`)")
        df = _table(f, "runs")
    order = ["index", "id", "arm", "stage", "point", "replicate", "seed", "status"]
    df = df[[c for c in order if c in df] + [c for c in df if c not in order]]
    df = df.set_index("index", drop=False)
    df.attrs.update(
        {
            "sweep": a.get("sweep", ""),
            "kind": a.get("sweep_kind", ""),
            "keys": [k for k in a.get("keys", "").split("\n") if k],
            "outcome": a.get("outcome", ""),
            "missing": a.get("missing", ""),
            "path": str(pooled),
        }
    )
    return df


def sweep_series(path, name):
    """A daily series of every run as a DataFrame (rows: run index, columns:
    time in days). ``name`` is ``group.series``, e.g. ``timeseries.calcified_fraction``,
    ``serum.pi_mM`` or ``bone.bmd_rel``."""
    import pandas as pd

    pooled = _pooled_path(path)
    with h5py.File(pooled, "r") as f:
        if f"series/{name}" not in f:
            have = ", ".join(sorted(f["series"])) if "series" in f else "none"
            raise KeyError(f"{pooled}: no pooled series {name!r}; available: {have}")
        m = f[f"series/{name}"][...]
        t = f["series_time/time_h"][...]
        units = f[f"series/{name}"].attrs.get("units", "")
    df = pd.DataFrame(m, columns=t / 24.0)
    df.columns.name = "day"
    df.index.name = "run"
    df.attrs["units"] = units.decode() if isinstance(units, bytes) else units
    return df


def prevalence(path):
    """Prevalence of vascular calcification per stage and arm, with Wilson 95%
    intervals (columns stage, arm, n, n_present, prevalence, ci_low, ci_high)."""
    pooled = _pooled_path(path)
    with h5py.File(pooled, "r") as f:
        return _table(f, "prevalence")


def plot_outcome_vs_param(df, param, outcome="final_calcified_fraction", ax=None):
    """Outcome against a swept parameter, one line per arm (mean over replicates, points for each run)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    done = df[df["status"] == "done"]
    for arm, g in done.groupby("arm"):
        x = g[param].astype(float)
        ax.scatter(x, g[outcome], s=12, alpha=0.5)
        m = g.groupby(param)[outcome].mean()
        ax.plot(m.index.astype(float), m.values, marker="o", label=arm)
    ax.set_xlabel(param)
    ax.set_ylabel(outcome)
    ax.legend(fontsize=8)
    return ax


def plot_arms(df, outcome="final_calcified_fraction", ax=None):
    """Arms side by side: each run a dot; runs of the same virtual patient
    (point, replicate, stage) joined by a line (the comparison is paired)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    done = df[df["status"] == "done"]
    arms = list(dict.fromkeys(done["arm"]))
    pos = {a: i for i, a in enumerate(arms)}
    for _, g in done.groupby(["stage", "point", "replicate"]):
        g = g.sort_values("arm", key=lambda s: s.map(pos))
        ax.plot([pos[a] for a in g["arm"]], g[outcome], color="0.7", lw=0.6, zorder=1)
    for a in arms:
        v = done.loc[done["arm"] == a, outcome]
        ax.scatter(np.full(len(v), pos[a]), v, s=14, zorder=2)
        ax.hlines(v.mean(), pos[a] - 0.25, pos[a] + 0.25, color="k", zorder=3)
    ax.set_xticks(range(len(arms)))
    ax.set_xticklabels(arms, rotation=20)
    ax.set_ylabel(outcome)
    return ax


def plot_prevalence(prev, ax=None):
    """Prevalence of vascular calcification per stage, bars per arm with 95% intervals."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    stages = list(dict.fromkeys(prev["stage"]))
    arms = list(dict.fromkeys(prev["arm"]))
    width = 0.8 / max(len(arms), 1)
    for j, arm in enumerate(arms):
        g = prev[prev["arm"] == arm].set_index("stage").reindex(stages)
        x = np.arange(len(stages)) + (j - (len(arms) - 1) / 2) * width
        p = g["prevalence"].to_numpy(dtype=float)
        err = np.vstack([p - g["ci_low"].to_numpy(dtype=float), g["ci_high"].to_numpy(dtype=float) - p])
        err = np.clip(np.nan_to_num(err), 0.0, None)
        ax.bar(x, 100 * p, width, yerr=100 * err, capsize=3, label=arm)
    ax.set_xticks(np.arange(len(stages)))
    ax.set_xticklabels([s or "(all)" for s in stages])
    ax.set_ylabel("vascular calcification present (%)")
    ax.legend(fontsize=8)
    return ax


def sweep_report(path, out_dir):
    """Figures (outcome vs each swept parameter, arms side by side, prevalence)
    and summary.md for a pooled sweep; returns the paths written."""
    plt = _plt()
    df = open_sweep(path)
    prev = prevalence(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    figures = [
        (f"outcome_vs_{key.replace('.', '_')}.png", (5, 3.5), lambda ax, key=key: plot_outcome_vs_param(df, key, ax=ax))
        for key in df.attrs["keys"]
        if df[key].dtype.kind in "fiu"
    ]
    figures.append(("arms.png", (5, 3.5), lambda ax: plot_arms(df, ax=ax)))
    figures.append(("prevalence.png", (6, 3.5), lambda ax: plot_prevalence(prev, ax=ax)))
    for name, size, draw in figures:
        fig, ax = plt.subplots(figsize=size)
        draw(ax)
        _finish(fig, out / name)
        written.append(out / name)
    lines = [
        f"# Sweep {df.attrs['sweep']} ({df.attrs['kind']})",
        "",
        f"{(df['status'] == 'done').sum()} of {len(df)} runs done; missing: {df.attrs['missing'] or 'none'}.",
        f"Vascular calcification present: {df.attrs['outcome']}.",
        "",
        "| stage | arm | n | present | prevalence | 95% CI |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in prev.iterrows():
        lines.append(
            f"| {r['stage'] or '(all)'} | {r['arm']} | {r['n']} | {r['n_present']} | "
            f"{100 * r['prevalence']:.1f}% | {100 * r['ci_low']:.1f}–{100 * r['ci_high']:.1f}% |"
        )
    lines += ["", "![arms](arms.png) ![prevalence](prevalence.png)"]
    p = out / "summary.md"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(p)
    return written
