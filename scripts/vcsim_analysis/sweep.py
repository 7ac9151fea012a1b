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

from .report import _finish, _plt, _with_unit

__all__ = [
    "open_sweep",
    "sweep_series",
    "prevalence",
    "prevalence_by",
    "wilson_interval",
    "arm_colors",
    "plot_outcome_vs_param",
    "plot_arms",
    "plot_prevalence",
    "sweep_report",
]


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


#: Readable axis labels of the pooled outcomes (other columns are shown by name).
OUTCOME_LABELS = {
    "final_calcified_fraction": "calcified media + laminae, end (fraction)",
    "final_mineral_volume_um3": "hydroxyapatite volume at the end (µm³)",
    "final_lamina_mineral_share": "share of the mineral in the laminae at the end",
    "final_n_osteogenic": "osteogenic cells at the end",
    "final_n_contractile": "contractile cells at the end",
    "final_mean_runx2": "mean Runx2 at the end (fold of basal)",
    "final_media_phosphate_mM": "media phosphate at the end (mM)",
    "final_bmd_rel": "bone mineral density at the end (of the start)",
    "mean_serum_pi_mM": "serum phosphate, run mean (mM)",
    "mean_serum_pth_pg_mL": "PTH, run mean (pg/mL)",
}

#: The palette of the arms, in manifest order (colour-blind safe, Paul Tol's "bright").
ARM_PALETTE = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb", "#000000"]

#: z of a two-sided 95% interval.
_Z95 = 1.959963984540054


def _label(df, column):
    if column in OUTCOME_LABELS:
        return OUTCOME_LABELS[column]
    return _with_unit(column, df.attrs.get("units", {}).get(column, ""))


def arm_colors(df):
    """One colour per arm, in the order the arms first appear in the runs
    table (the manifest's order): the same mapping for every figure of a report."""
    arms = list(dict.fromkeys(df["arm"]))
    return {a: ARM_PALETTE[i % len(ARM_PALETTE)] for i, a in enumerate(arms)}


def wilson_interval(k, n, z=_Z95):
    """Wilson score interval of a proportion k/n (NaN, NaN for n = 0)."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def group_columns(df):
    """The columns that split a sweep's runs into groups besides the arm: the
    stage of cohorts and every swept key."""
    cols = []
    if "stage" in df and (df["stage"].astype(str) != "").any():
        cols.append("stage")
    cols += [k for k in df.attrs.get("keys", []) if k in df]
    return cols


def _short(key):
    return key.rsplit(".", 1)[-1]


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    return str(v)


def prevalence_by(df, by=None):
    """Prevalence of vascular calcification (``vc_present``) among the
    finished runs of every group and arm, with Wilson 95% intervals.

    Groups are the values of ``by`` (default: the stage of cohorts and every
    swept key, :func:`group_columns`), so a grid over eGFR gives one row per
    eGFR value and arm instead of pooling the axis. Columns: the ``by``
    columns, ``group`` (a label such as ``egfr_mL_min = 6``, or ``all runs``
    without groups), ``arm``, ``n``, ``n_present``, ``prevalence``,
    ``ci_low``, ``ci_high``; rows in manifest order."""
    import pandas as pd

    by = group_columns(df) if by is None else list(by)
    done = df[df["status"] == "done"]
    arms = list(dict.fromkeys(df["arm"]))
    keys = list(dict.fromkeys(map(tuple, df[by].itertuples(index=False)))) if by else [()]
    rows = []
    for key in keys:
        if by:
            sel = np.logical_and.reduce([done[c].to_numpy() == v for c, v in zip(by, key)])
            part = done[sel]
            label = ", ".join(
                _fmt(v) if c == "stage" else f"{_short(c)} = {_fmt(v)}" for c, v in zip(by, key)
            )
        else:
            part, label = done, "all runs"
        for arm in arms:
            g = part[part["arm"] == arm]
            n = len(g)
            k = int((g["vc_present"] == 1).sum())
            lo, hi = wilson_interval(k, n)
            row = dict(zip(by, key))
            row.update(group=label, arm=arm, n=n, n_present=k, prevalence=k / n if n else float("nan"), ci_low=lo, ci_high=hi)
            rows.append(row)
    out = pd.DataFrame(rows, columns=by + ["group", "arm", "n", "n_present", "prevalence", "ci_low", "ci_high"])
    out.attrs["by"] = by
    return out


def plot_outcome_vs_param(df, param, outcome="final_calcified_fraction", ax=None, colors=None):
    """Outcome against a swept parameter, one colour per arm: every run a dot,
    the mean over the runs at each value a line."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    colors = colors or arm_colors(df)
    done = df[df["status"] == "done"]
    for arm in colors:
        g = done[done["arm"] == arm]
        if g.empty:
            continue
        ax.scatter(g[param].astype(float), g[outcome], s=14, alpha=0.5, color=colors[arm], zorder=2)
        m = g.groupby(param)[outcome].mean()
        ax.plot(m.index.astype(float), m.values, marker="o", color=colors[arm], label=f"{arm} (mean)", zorder=3)
    ax.set_xlabel(_label(df, param))
    ax.set_ylabel(_label(df, outcome))
    ax.legend(fontsize=8)
    return ax


def plot_arms(df, outcome="final_calcified_fraction", ax=None, colors=None):
    """Arms side by side: each run a dot; runs of the same virtual patient
    (point, replicate, stage) joined by a line (the comparison is paired);
    the black bar is the arm's mean."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    colors = colors or arm_colors(df)
    done = df[df["status"] == "done"]
    arms = [a for a in colors if (done["arm"] == a).any()]
    pos = {a: i for i, a in enumerate(arms)}
    for _, g in done.groupby(["stage", "point", "replicate"]):
        g = g.sort_values("arm", key=lambda s: s.map(pos))
        ax.plot([pos[a] for a in g["arm"]], g[outcome], color="0.7", lw=0.6, zorder=1)
    for a in arms:
        v = done.loc[done["arm"] == a, outcome]
        ax.scatter(np.full(len(v), pos[a]), v, s=14, zorder=2, color=colors[a])
        ax.hlines(v.mean(), pos[a] - 0.25, pos[a] + 0.25, color="k", zorder=3)
    ax.set_xticks(range(len(arms)))
    ax.set_xticklabels(arms, rotation=20)
    ax.set_xlabel("arm (grey lines join the runs of one virtual patient; bar: mean)")
    ax.set_ylabel(_label(df, outcome))
    return ax


def plot_prevalence(prev, ax=None, colors=None):
    """Prevalence of vascular calcification per group (stage and/or swept
    values, :func:`prevalence_by`), bars per arm with Wilson 95% intervals.
    Also takes the pooled file's /prevalence table (:func:`prevalence`)."""
    plt = _plt()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if "group" not in prev:
        prev = prev.assign(group=[s or "all runs" for s in prev["stage"]])
    groups = list(dict.fromkeys(prev["group"]))
    arms = list(colors) if colors else list(dict.fromkeys(prev["arm"]))
    colors = colors or {a: ARM_PALETTE[i % len(ARM_PALETTE)] for i, a in enumerate(arms)}
    width = 0.8 / max(len(arms), 1)
    for j, arm in enumerate(arms):
        g = prev[prev["arm"] == arm].set_index("group").reindex(groups)
        x = np.arange(len(groups)) + (j - (len(arms) - 1) / 2) * width
        p = g["prevalence"].to_numpy(dtype=float)
        err = np.vstack([p - g["ci_low"].to_numpy(dtype=float), g["ci_high"].to_numpy(dtype=float) - p])
        err = np.clip(np.nan_to_num(err), 0.0, None)
        ax.bar(x, 100 * np.nan_to_num(p), width, yerr=100 * err, capsize=3, label=arm, color=colors[arm])
    by = prev.attrs.get("by")
    ticks = groups
    if by and len(by) == 1 and by[0] in prev:
        # One grouping column: its name is the axis label, the ticks its values.
        values = dict(zip(prev["group"], prev[by[0]]))
        ticks = [_fmt(values[g]) for g in groups]
    ax.set_xticks(np.arange(len(groups)))
    ax.set_xticklabels(ticks, fontsize=8)
    ax.set_xlabel(", ".join(by) if by else ("stage" if "stage" in prev and prev["stage"].astype(str).ne("").any() else ""))
    ax.set_ylabel("vascular calcification present (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, title="arm\n(bars: Wilson 95% CI)", title_fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def sweep_report(path, out_dir, self_contained=False):
    """Figures (outcome vs each numeric swept key, arms side by side,
    prevalence per group), summary.md and index.html for a pooled sweep;
    returns the paths written. One arm → colour mapping for every figure."""
    from .htmlreport import write_html

    plt = _plt()
    df = open_sweep(path)
    with h5py.File(_pooled_path(path), "r") as f:
        root = _attrs(f)
    prev = prevalence_by(df)
    colors = arm_colors(df)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = [
        (
            f"outcome_vs_{key.replace('.', '_')}.png",
            (5.5, 3.8),
            f"Calcified share of the media at the end against {key}: every run a dot, the arm's mean a line.",
            lambda ax, key=key: plot_outcome_vs_param(df, key, ax=ax, colors=colors),
        )
        for key in df.attrs["keys"]
        if df[key].dtype.kind in "fiu"
    ]
    figures.append(
        (
            "arms.png",
            (5.5, 3.8),
            "Calcified share of the media at the end per arm; grey lines join the runs of one virtual patient, black bars are means.",
            lambda ax: plot_arms(df, ax=ax, colors=colors),
        )
    )
    figures.append(
        (
            "prevalence.png",
            (max(6.0, 1.2 * prev["group"].nunique() + 3), 3.8),
            f"Prevalence of vascular calcification ({df.attrs['outcome']}) per "
            + (", ".join(prev.attrs["by"]) or "sweep")
            + " and arm, with Wilson 95% intervals.",
            lambda ax: plot_prevalence(prev, ax=ax, colors=colors),
        )
    )
    written = []
    for name, size, _caption, draw in figures:
        fig, ax = plt.subplots(figsize=size)
        draw(ax)
        _finish(fig, out / name)
        written.append(out / name)
    done = int((df["status"] == "done").sum())
    by = prev.attrs["by"]
    header = [*(by or ["group"]), "arm", "n", "present", "prevalence", "95% CI"]
    table = []
    for _, r in prev.iterrows():
        ci = "–" if r["n"] == 0 else f"{100 * r['ci_low']:.1f}–{100 * r['ci_high']:.1f}%"
        prevalence_text = "–" if r["n"] == 0 else f"{100 * r['prevalence']:.1f}%"
        table.append(
            [*([_fmt(r[c]) for c in by] or [r["group"]]), r["arm"], int(r["n"]), int(r["n_present"]), prevalence_text, ci]
        )
    lines = [
        f"# Sweep {df.attrs['sweep']} ({df.attrs['kind']})",
        "",
        f"{done} of {len(df)} runs done; missing: {df.attrs['missing'] or 'none'}.",
        f"Vascular calcification present: {df.attrs['outcome']}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table]
    lines.append("")
    for name, _size, caption, _draw in figures:
        lines += [f"![{Path(name).stem.replace('_', ' ')}]({name})", "", f"*{caption}*", ""]
    p = out / "summary.md"
    p.write_text("\n".join(lines), encoding="utf-8")
    written.append(p)
    summary = [
        ("sweep", f"{df.attrs['sweep']} ({df.attrs['kind']})"),
        ("runs", f"{done} of {len(df)} done; missing: {df.attrs['missing'] or 'none'}"),
        ("arms", ", ".join(colors)),
        ("swept keys", ", ".join(df.attrs["keys"]) or "none"),
        ("vascular calcification present", df.attrs["outcome"]),
    ]
    provenance = [
        ("pooled file", df.attrs["path"]),
        ("vcsim version", root.get("vcsim_version", "")),
        ("pooled format version", root.get("pooled_version", "")),
        ("master seed", root.get("master_seed", "")),
    ]
    written.append(
        write_html(
            out / "index.html",
            title=f"vcsim sweep: {df.attrs['sweep']}",
            tables=[("Summary", summary), ("Provenance", provenance)],
            grid_tables=[("Prevalence of vascular calcification", header, table)],
            figures=[(out / name, caption) for name, _size, caption, _draw in figures],
            embed=self_contained,
        )
    )
    return written
