"""Standard figures of one run, and `python -m vcsim_analysis report OUT.h5 -o DIR`.

- tissue maps (phenotype, Runx2, mineral) at chosen frames, each quantity on
  one colour scale for every frame (phenotype: a fixed colour per named
  phenotype with a legend; mineral from 0; Runx2 from 0 to a fixed top);
- the wall's regions (endothelium, laminae, media, adventitia) with a legend;
- time series of the calcified fraction and of the phenotype counts;
- the media solute levels over time, titled with their names and units;
- for runs with the patient model, the serum trajectories (/serum) and the
  bone mineral density (/bone);
- summary.md and index.html (figures, a summary table, provenance; opens
  offline).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import PHENOTYPES, open_run

#: A fixed colour per phenotype code (-1: no cell), the same in every figure.
PHENOTYPE_COLORS = {
    -1: "#f2f2f2",  # no cell: very light grey
    0: "#4477aa",  # contractile: blue
    1: "#ee6677",  # osteogenic: red
    2: "#ccbb44",  # apoptotic: yellow
    3: "#aa3377",  # apoptotic body: purple
    4: "#222222",  # calcified body: near black
}
PHENOTYPE_LABELS = {
    -1: "no cell",
    0: "contractile",
    1: "osteogenic",
    2: "apoptotic",
    3: "apoptotic body",
    4: "calcified body",
}
#: A fixed colour per region name of /grid/region.
REGION_COLORS = {
    "endothelium": "#88ccee",
    "lamina": "#ddcc77",
    "media": "#cc6677",
    "adventitia": "#999933",
}

#: Readable names of the media solute series (timeseries `media_*`).
SOLUTE_TITLES = {
    "media_phosphate_mM": "phosphate",
    "media_calcium_mM": "ionized calcium",
    "media_si_acp": "saturation index, ACP",
    "media_si_hap": "saturation index, HAP",
    "media_magnesium_mM": "magnesium",
    "media_ppi_uM": "pyrophosphate (PPi)",
    "media_fetuin_a_g_per_L": "fetuin-A",
    "media_ros_nM": "ROS (H\u2082O\u2082)",
    "media_rankl_pM": "RANKL, total",
    "media_opg_pM": "OPG, total",
}

#: Figure resolution of saved PNGs (dots per inch).
DPI = 110


def _finish(fig, path):
    """Lays the figure out and, given a path, saves and closes it."""
    if not fig.get_constrained_layout():
        fig.tight_layout()
    if path:
        fig.savefig(path, dpi=DPI)
        _plt().close(fig)
    return fig


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _unit(unit: str) -> str:
    """A unit for a label: '' for dimensionless, 'uM' spelled µM."""
    if not unit or unit == "1":
        return ""
    return unit.replace("uM", "µM").replace("um", "µm")


def _with_unit(label: str, unit: str) -> str:
    u = _unit(unit)
    return f"{label} ({u})" if u else label


def _slice2d(data):
    """A 2D map of a frame: the frame itself in 2D, the middle z-plane in 3D."""
    return data[data.shape[0] // 2] if data.ndim == 3 else data


def _extent(run):
    """imshow extent in µm: x (depth) from the lumen, y (circumference) downwards."""
    dx = float(run.attrs.get("spacing_um", 2 * run.coords_um["x_um"][0]))
    nx, ny = len(run.coords_um["x_um"]), len(run.coords_um["y_um"])
    return [0.0, nx * dx, ny * dx, 0.0]


def _nice_top(value: float) -> float:
    """A round number at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k)."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    k = math.floor(math.log10(value))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * 10**k >= value * (1 - 1e-9):
            return m * 10**k
    return 10 ** (k + 1)  # pragma: no cover


def _config_value(run, section, key, default):
    try:
        return float(run.config[section][key])
    except Exception:
        return default


def map_scales(run):
    """The colour scales of the tissue maps, the same for every frame of a run:
    {"runx2": (0, top), "mineral": (0, top)}, plus the marks drawn on their
    colour bars ({"runx2": switch-on level, "mineral": calcified threshold}).

    Runx2 runs from 0 to a round number above the larger of the configured
    maximum (cells.runx2_max_fold) and the largest value in any frame; mineral
    from 0 to a round number above the largest volume fraction in any frame
    (mineral never dissolves, so the last frame holds it), and at least the
    calcified threshold, so that a run without mineral shows 0 as the bottom
    of the scale instead of mid-range."""
    runx2_top = _config_value(run, "cells", "runx2_max_fold", 1.0)
    mineral_top = 0.0
    for frame in range(len(run.frame_times_h)):
        r = run.field("runx2", frame)
        if np.isfinite(r).any():
            runx2_top = max(runx2_top, float(np.nanmax(r)))
    if len(run.frame_times_h):
        mineral_top = float(np.nanmax(run.field("mineral", -1)))
    threshold = _config_value(run, "mineral", "calcified_fraction", 0.05)
    switch_on = _config_value(run, "cells", "switch_on_runx2", float("nan"))
    return {
        "runx2": (0.0, _nice_top(runx2_top)),
        "mineral": (0.0, _nice_top(max(mineral_top, threshold))),
        "marks": {"runx2": switch_on, "mineral": threshold},
    }


def _phenotype_cmap():
    from matplotlib.colors import BoundaryNorm, ListedColormap

    codes = sorted(PHENOTYPE_COLORS)
    cmap = ListedColormap([PHENOTYPE_COLORS[c] for c in codes])
    norm = BoundaryNorm([c - 0.5 for c in codes] + [codes[-1] + 0.5], cmap.N)
    return cmap, norm


def _legend_handles(colors, labels):
    from matplotlib.patches import Patch

    return [Patch(facecolor=colors[k], edgecolor="0.4", lw=0.5, label=labels[k]) for k in colors]


def tissue_maps(run, frames=(-1,), path=None, scales=None):
    """Phenotype, Runx2 and mineral maps at the given frames (rows), on one
    colour scale per quantity for all frames (see :func:`map_scales`; pass
    ``scales`` to share them between runs). 2D runs, or the middle z-plane in 3D."""
    plt = _plt()
    import matplotlib as mpl

    scales = scales or map_scales(run)
    frames = list(frames)
    n = len(run.frame_times_h)
    fig, axes = plt.subplots(
        len(frames), 3, figsize=(12.5, 2.5 * len(frames) + 1.3), squeeze=False, layout="constrained"
    )
    extent = _extent(run)
    pcmap, pnorm = _phenotype_cmap()
    runx2_cmap = mpl.colormaps["viridis"].with_extremes(bad="#f2f2f2")
    mineral_cmap = mpl.colormaps["magma_r"]
    images = {}
    for r, frame in enumerate(frames):
        day = run.frame_times_h[frame] / 24.0
        for c, name in enumerate(["phenotype", "runx2", "mineral"]):
            ax = axes[r][c]
            data = _slice2d(run.field(name, frame))
            if name == "phenotype":
                im = ax.imshow(data, cmap=pcmap, norm=pnorm, aspect="auto", extent=extent, interpolation="nearest")
                title = "phenotype"
            elif name == "runx2":
                lo, hi = scales["runx2"]
                im = ax.imshow(data, cmap=runx2_cmap, vmin=lo, vmax=hi, aspect="auto", extent=extent, interpolation="nearest")
                title = "Runx2 of viable cells"
            else:
                lo, hi = scales["mineral"]
                im = ax.imshow(data, cmap=mineral_cmap, vmin=lo, vmax=hi, aspect="auto", extent=extent, interpolation="nearest")
                title = "hydroxyapatite"
            images[name] = im
            ax.set_title(f"{title}, day {day:.0f} (frame {frame % n})", fontsize=9)
            ax.set_xlabel("depth from lumen (µm)")
            ax.set_ylabel("circumference (µm)" if c == 0 else "")
            ax.tick_params(labelsize=8)
    fig.legend(
        handles=_legend_handles(PHENOTYPE_COLORS, PHENOTYPE_LABELS),
        loc="outside lower left",
        ncol=3,
        fontsize=8,
        title="phenotype",
        title_fontsize=8,
        frameon=False,
    )
    cb = fig.colorbar(images["runx2"], ax=list(axes[:, 1]), location="bottom", shrink=0.8, aspect=30)
    cb.set_label("Runx2 (fold of basal; grey: no viable cell)", fontsize=8)
    mark = scales["marks"].get("runx2")
    if mark is not None and np.isfinite(mark):
        cb.ax.axvline(mark, color="w", lw=1.5)
        cb.ax.text(mark, 1.1, "switch-on", transform=cb.ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7)
    cb = fig.colorbar(images["mineral"], ax=list(axes[:, 2]), location="bottom", shrink=0.8, aspect=30)
    cb.set_label("mineral volume fraction of the voxel", fontsize=8)
    mark = scales["marks"].get("mineral")
    if mark is not None and np.isfinite(mark):
        cb.ax.axvline(mark, color="tab:cyan", lw=1.5)
        cb.ax.text(mark, 1.1, "calcified", transform=cb.ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7)
    if run.region.ndim == 3:
        fig.suptitle("middle axial plane (z)", fontsize=9)
    return _finish(fig, path)


def region_map(run, path=None):
    """The wall's regions (/grid/region) with a legend of their names."""
    plt = _plt()
    from matplotlib.colors import BoundaryNorm, ListedColormap

    codes = sorted(run.region_names)
    names = [run.region_names[c] for c in codes]
    colors = {c: REGION_COLORS.get(name, f"C{i}") for i, (c, name) in enumerate(zip(codes, names))}
    cmap = ListedColormap([colors[c] for c in codes])
    norm = BoundaryNorm([c - 0.5 for c in codes] + [codes[-1] + 0.5], cmap.N)
    fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
    ax.imshow(_slice2d(run.region), cmap=cmap, norm=norm, aspect="auto", extent=_extent(run), interpolation="nearest")
    ax.set_xlabel("depth from lumen (µm)")
    ax.set_ylabel("circumference (µm)")
    ax.set_title("regions of the wall", fontsize=9)
    ax.legend(
        handles=_legend_handles(colors, dict(zip(codes, names))),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
    )
    return _finish(fig, path)


def time_series(run, path=None):
    """Calcified fraction, mineral volume and phenotype counts over time."""
    plt = _plt()
    s = run.series
    days = s["time_h"] / 24.0
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    axes[0].plot(days, 100 * s["calcified_fraction"], color="k")
    axes[0].set_ylabel("calcified media + laminae (% of voxels)")
    axes[0].set_ylim(bottom=0)
    axes[1].plot(days, s["mineral_volume_um3"] / 1e3, color="k")
    axes[1].set_ylabel("hydroxyapatite volume (10³ µm³)")
    axes[1].set_ylim(bottom=0)
    for code, name in PHENOTYPES.items():
        color = PHENOTYPE_COLORS[code]
        axes[2].plot(days, s[f"n_{name}"], label=PHENOTYPE_LABELS[code], color=color)
    axes[2].set_ylabel("cells")
    axes[2].set_ylim(bottom=0)
    axes[2].legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("time (days)")
    return _finish(fig, path)


def _trace_with_weekly_means(ax, t_days, y, color="C0"):
    """Long runs: the per-step trace faint (the dialysis sawtooth) with weekly
    means on top; short runs: the trace. Returns whether means were drawn."""
    if len(t_days) > 2 and t_days[-1] > 21.0:
        ax.plot(t_days, y, color=color, lw=0.3, alpha=0.35)
        per_week = max(int(round(7.0 / (t_days[1] - t_days[0]))), 1)
        n = (len(y) - 1) // per_week
        if n > 0:
            means = np.nanmean(y[1 : 1 + n * per_week].reshape(n, per_week), axis=1)
            ax.plot(t_days[1 : 1 + n * per_week : per_week] + 3.5, means, color="C1", lw=1.5, label="weekly mean")
            return True
    ax.plot(t_days, y, color=color)
    return False


def solutes(run, path=None):
    """Mean media levels of the solutes over time, one panel each, titled
    with the solute and its unit."""
    plt = _plt()
    ts = run.series_frame()
    units = ts.attrs.get("units", {})
    days = ts.index.to_numpy() / 24.0
    keys = [k for k in ts.columns if k.startswith("media_")]
    cols = (len(keys) + 1) // 2
    fig, axes = plt.subplots(2, cols, figsize=(3.3 * cols, 5.6), squeeze=False)
    any_means = False
    for ax, k in zip(axes.flat, keys):
        y = ts[k].to_numpy()
        any_means |= _trace_with_weekly_means(ax, days, y)
        unit = _unit(units.get(k, ""))
        title = SOLUTE_TITLES.get(k, k.removeprefix("media_"))
        ax.set_title(_with_unit(title, unit), fontsize=9)
        # Saturation indices are dimensionless logarithms.
        ax.set_ylabel(unit or "log₁₀(IAP/Ksp)")
        ax.set_xlabel("time (days)")
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    note = "; per-step values faint, weekly means in orange" if any_means else ""
    fig.suptitle(f"mean over the media voxels{note}", fontsize=9)
    return _finish(fig, path)


#: The panels of :func:`patient`: (group, series, title).
PATIENT_PANELS = [
    ("serum", "pi_mM", "phosphate"),
    ("serum", "ca_mM", "total calcium"),
    ("serum", "pth_pg_mL", "PTH"),
    ("serum", "fgf23", "FGF23"),
    ("serum", "t50_min", "T50"),
    ("serum", "fetuin_a_g_L", "fetuin-A"),
    ("serum", "ppi_uM", "PPi"),
    ("serum", "mg_mM", "magnesium"),
    ("bone", "bmd_rel", "BMD (of the start)"),
]


def patient_panels(run):
    """The panels of PATIENT_PANELS the run has values for: (group, name,
    title, unit, frame); series that are absent or NaN throughout are left out."""
    out = []
    for group, name, title in PATIENT_PANELS:
        df = run.series_group(group)
        if name in df and df[name].notna().any():
            out.append((group, name, title, df.attrs["units"].get(name, ""), df))
    return out


def patient(run, path=None):
    """The patient: serum trajectories (phosphate, calcium, PTH, FGF23, T50,
    fetuin-A, PPi, magnesium) and bone mineral density over time, one small
    panel each; panels without values (not modelled) are skipped."""
    plt = _plt()
    panels = patient_panels(run)
    if not panels:
        raise ValueError(f"{run.path}: no serum or bone values to draw (no /serum and /bone, or not modelled)")
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.5 * rows), squeeze=False)
    any_means = False
    for ax, (group, name, title, unit, df) in zip(axes.flat, panels):
        y = df[name].to_numpy()
        t = df.index.to_numpy() / 24.0
        any_means |= _trace_with_weekly_means(ax, t, y)
        # At least ±1% around the middle, so that a level that barely moves
        # looks flat rather than magnified into noise.
        lo, hi = np.nanmin(y), np.nanmax(y)
        mid = (lo + hi) / 2
        half = max(0.55 * (hi - lo), 0.01 * abs(mid), 1e-12)
        ax.set_ylim(mid - half, mid + half)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_title(f"serum {title}" if group == "serum" else title, fontsize=9)
        ax.set_ylabel(_unit(unit) or "fraction")
        ax.set_xlabel("time (days)")
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    if any_means:
        fig.suptitle("per-step values faint (the dialysis sawtooth), weekly means in orange", fontsize=9)
    return _finish(fig, path)


def summary_rows(run):
    """The summary of a run as (quantity, value) pairs of text, as shown in
    summary.md and index.html."""
    s = run.series
    last = {k: v[-1] for k, v in s.items()}
    n = len(run.frame_times_h)
    rows = [
        ("scenario", str(run.attrs.get("scenario", ""))),
        ("simulated", f"{last['time_h'] / 24.0:.1f} days, {len(s['time_h']) - 1} steps, {n} frames"),
        (
            "calcified media and laminae at the end",
            f"{100 * last['calcified_fraction']:.2f}% (laminae hold {100 * last['lamina_mineral_share']:.0f}% of the mineral)",
        ),
        ("cells at the end", ", ".join(f"{name} {int(last['n_' + name])}" for name in PHENOTYPES.values())),
        ("mean Runx2 and ALP at the end", f"Runx2 {last['mean_runx2']:.2f}×, ALP {last['mean_alp']:.2f}"),
    ]
    if run.has_patient:
        means = [
            f"{title} {df[name].mean():.4g} {_unit(unit)}".rstrip()
            for group, name, title, unit, df in patient_panels(run)
            if group == "serum"
        ]
        rows.append(("serum, run means", ", ".join(means)))
        rows.append(("bone mineral density at the end", f"{run.bone['bmd_rel'].iloc[-1]:.4f} of the start"))
    return rows


def provenance_rows(run, path):
    """Where the numbers come from: file, program version, seed, host, threads, timings."""
    p = run.provenance
    rows = [
        ("file", str(path)),
        ("vcsim version", str(run.attrs.get("vcsim_version", ""))),
        ("schema version", str(run.attrs.get("schema_version", ""))),
        ("seed", str(run.attrs.get("seed", ""))),
        ("dimensions", f"{run.attrs.get('ndim', '')}D, voxels of {run.attrs.get('spacing_um', '')} µm, lattice {' × '.join(str(d) for d in run.region.shape)}"),
    ]
    if p:
        started = p.get("started_unix_s")
        when = ""
        if started is not None:
            import datetime as _dt

            when = _dt.datetime.fromtimestamp(float(started), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        rows += [
            ("host", str(p.get("host", ""))),
            ("threads", str(p.get("threads", ""))),
            ("started", when),
            ("wall time", f"{float(p.get('wall_time_s', float('nan'))):.1f} s"),
        ]
        if "stage_seconds" in p:
            rows.append(("seconds per stage", ", ".join(f"{k} {v:.1f}" for k, v in p["stage_seconds"].items())))
    return rows


#: Captions of the report's figures.
CAPTIONS = {
    "time_series": "Calcified share of the media and laminae, hydroxyapatite volume and cells by phenotype over time.",
    "tissue_maps": "Phenotype, Runx2 and hydroxyapatite across the wall (lumen on the left) at the first, middle and last frame; one colour scale per quantity for all frames.",
    "regions": "The wall's regions.",
    "solutes": "Solute levels in the media (mean over media voxels).",
    "patient": "The patient's serum and bone over time.",
}


def report(path, out_dir, self_contained=False) -> Path:
    """Writes the standard figures, summary.md and index.html of a run to
    out_dir; returns the path of summary.md. With ``self_contained`` the
    figures are embedded in index.html (one file to send); otherwise it
    refers to the PNGs beside it."""
    from .htmlreport import write_html

    run = open_run(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = len(run.frame_times_h)
    frames = sorted({0, n // 2, n - 1})
    time_series(run, out / "time_series.png")
    tissue_maps(run, frames, out / "tissue_maps.png")
    region_map(run, out / "regions.png")
    solutes(run, out / "solutes.png")
    figures = ["time_series", "tissue_maps", "regions", "solutes"]
    if run.has_patient:
        patient(run, out / "patient.png")
        figures.append("patient")
    rows = summary_rows(run)
    title = f"vcsim run: {run.attrs.get('scenario') or path}"
    lines = [
        f"# {title}",
        "",
        f"- file: `{path}` (vcsim {run.attrs.get('vcsim_version')}, seed {run.attrs.get('seed')})",
    ]
    lines += [f"- {k}: {v}" for k, v in rows if k != "scenario"]
    lines.append("")
    for name in figures:
        lines += [f"![{name.replace('_', ' ')}]({name}.png)", "", f"*{CAPTIONS[name]}*", ""]
    (out / "summary.md").write_text("\n".join(lines), encoding="utf-8")
    write_html(
        out / "index.html",
        title=title,
        tables=[("Summary", rows), ("Provenance", provenance_rows(run, path))],
        figures=[(out / f"{name}.png", CAPTIONS[name]) for name in figures],
        embed=self_contained,
        extra=[("Resolved configuration", run.config_text)],
    )
    return out / "summary.md"
