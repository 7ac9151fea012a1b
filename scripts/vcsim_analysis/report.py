"""Standard figures of one run, and `python -m vcsim_analysis report OUT.h5 -o DIR`.

- tissue maps (phenotype, Runx2, mineral) at chosen frames;
- time series of the calcified fraction and of the phenotype counts;
- the media solute levels over time;
- for runs with the patient model, the serum trajectories (/serum) and the
  bone mineral density (/bone).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import PHENOTYPES, open_run


def _finish(fig, path):
    """Tightens the layout and, given a path, saves and closes the figure."""
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=80)
        _plt().close(fig)
    return fig


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def tissue_maps(run, frames=(-1,), path=None):
    """Phenotype, Runx2 and mineral maps (2D runs, or the middle z-slice in 3D)."""
    plt = _plt()
    names = ["phenotype", "runx2", "mineral"]
    fig, axes = plt.subplots(len(frames), 3, figsize=(12, 2.6 * len(frames)), squeeze=False)
    x, y = run.coords_um["x_um"], run.coords_um["y_um"]
    extent = [x[0] - x[0], x[-1] + x[0], y[-1] + y[0], y[0] - y[0]]
    for r, frame in enumerate(frames):
        for c, name in enumerate(names):
            data = run.field(name, frame)
            if data.ndim == 3:
                data = data[data.shape[0] // 2]
            ax = axes[r][c]
            cmap = {"phenotype": "tab10", "runx2": "viridis", "mineral": "magma"}[name]
            im = ax.imshow(data, aspect="auto", cmap=cmap, extent=extent, interpolation="nearest")
            t = run.frame_times_h[frame] / 24.0
            ax.set_title(f"{name}, day {t:.0f}", fontsize=9)
            ax.set_xlabel("depth from lumen (µm)")
            ax.set_ylabel("circumference (µm)")
            fig.colorbar(im, ax=ax)
    return _finish(fig, path)


def time_series(run, path=None):
    """Calcified fraction, mineral volume and phenotype counts over time."""
    plt = _plt()
    s = run.series
    days = s["time_h"] / 24.0
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    axes[0].plot(days, 100 * s["calcified_fraction"])
    axes[0].set_ylabel("calcified media + laminae (%)")
    axes[1].plot(days, s["mineral_volume_um3"])
    axes[1].set_ylabel("mineral (µm³)")
    for name in PHENOTYPES.values():
        axes[2].plot(days, s[f"n_{name}"], label=name)
    axes[2].set_ylabel("cells")
    axes[2].legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("day")
    return _finish(fig, path)


def solutes(run, path=None):
    """Mean media levels of the solutes over time."""
    plt = _plt()
    s = run.series
    days = s["time_h"] / 24.0
    keys = [k for k in s if k.startswith("media_")]
    fig, axes = plt.subplots(2, (len(keys) + 1) // 2, figsize=(3.2 * ((len(keys) + 1) // 2), 5.4), squeeze=False)
    for ax, k in zip(axes.flat, keys):
        ax.plot(days, s[k])
        ax.set_title(k.removeprefix("media_"), fontsize=9)
        ax.set_xlabel("day")
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
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.4 * rows), squeeze=False)
    for ax, (group, name, title, unit, df) in zip(axes.flat, panels):
        y = df[name].to_numpy()
        t = df.index.to_numpy() / 24.0
        if len(t) > 2 and t[-1] > 21.0:
            # Long runs: the hourly trace (dialysis sawtooth) faint, weekly means on top.
            ax.plot(t, y, color="C0", lw=0.3, alpha=0.35)
            per_week = max(int(round(7.0 / (t[1] - t[0]))), 1)
            n = (len(y) - 1) // per_week
            if n > 0:
                means = np.nanmean(y[1 : 1 + n * per_week].reshape(n, per_week), axis=1)
                ax.plot(t[1 : 1 + n * per_week : per_week] + 3.5, means, color="C1", lw=1.5, label="weekly mean")
        else:
            ax.plot(t, y)
        # At least ±1% around the middle, so that a level that barely moves
        # looks flat rather than magnified into noise.
        lo, hi = np.nanmin(y), np.nanmax(y)
        mid = (lo + hi) / 2
        half = max(0.55 * (hi - lo), 0.01 * abs(mid), 1e-12)
        ax.set_ylim(mid - half, mid + half)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.set_title(f"{title} ({unit})" if unit and unit != "1" else title, fontsize=9)
        ax.set_xlabel("day")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    return _finish(fig, path)


def report(path, out_dir) -> Path:
    """Writes the standard figures and a Markdown summary of a run to out_dir."""
    run = open_run(path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = len(run.frame_times_h)
    frames = sorted({0, n // 2, n - 1})
    tissue_maps(run, frames, out / "tissue_maps.png")
    time_series(run, out / "time_series.png")
    solutes(run, out / "solutes.png")
    has_patient = run.has_patient
    if has_patient:
        patient(run, out / "patient.png")
    s = run.series
    last = {k: v[-1] for k, v in s.items()}
    lines = [
        f"# vcsim run: {run.attrs.get('scenario') or path}",
        "",
        f"- file: `{path}` (vcsim {run.attrs.get('vcsim_version')}, seed {run.attrs.get('seed')})",
        f"- simulated: {last['time_h'] / 24.0:.1f} days, {len(s['time_h']) - 1} steps, {n} frames",
        f"- calcified media and laminae at the end: {100 * last['calcified_fraction']:.2f}%"
        f" (laminae hold {100 * last['lamina_mineral_share']:.0f}% of the mineral)",
        "- cells at the end: " + ", ".join(f"{name} {int(last['n_' + name])}" for name in PHENOTYPES.values()),
        f"- mean Runx2 {last['mean_runx2']:.2f}×, ALP {last['mean_alp']:.2f}",
    ]
    figures = ["time_series", "tissue_maps", "solutes"]
    if has_patient:
        # Run means of the serum (NaN skipped), the final BMD.
        means = [
            f"{title} {df[name].mean():.4g} {unit}".rstrip()
            for group, name, title, unit, df in patient_panels(run)
            if group == "serum"
        ]
        lines.append("- serum, run means: " + ", ".join(means))
        lines.append(f"- bone mineral density at the end: {run.bone['bmd_rel'].iloc[-1]:.4f} of the start")
        figures.append("patient")
    lines.append("")
    for name in figures:
        lines += [f"![{name.replace('_', ' ')}]({name}.png)", ""]
    (out / "summary.md").write_text("\n".join(lines))
    return out / "summary.md"
