"""`python -m vcsim_analysis scaling BENCH.json -o DIR`: speedup, efficiency
and per-stage time per thread count from `vcsim bench --json`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path


def scaling(bench_json, out_dir) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = json.loads(Path(bench_json).read_text())
    grows = defaultdict(set)
    for r in records:
        grows[(r["problem"], r["threads"])].add(r.get("grow", 1))
    if any(len(g) > 1 for g in grows.values()):
        return _size_scaling(records, Path(out_dir), plt)
    by_problem = defaultdict(list)
    for r in records:
        by_problem[r["problem"]].append(r)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    for name, rs in by_problem.items():
        rs = sorted(rs, key=lambda r: r["threads"])
        t = [r["threads"] for r in rs]
        axes[0].plot(t, [r["speedup"] for r in rs], "o-", label=name)
        axes[1].plot(t, [r["efficiency"] for r in rs], "o-", label=name)
    top = max(r["threads"] for r in records)
    axes[0].plot([1, top], [1, top], "k:", label="ideal")
    axes[0].set_ylabel("speedup")
    axes[1].set_ylabel("parallel efficiency")
    for ax in axes[:2]:
        ax.set_xlabel("threads")
        ax.legend(fontsize=7)
    # Per-stage seconds per step, stacked, for every problem × thread count.
    _stage_bars(
        axes[2],
        records,
        lambda r: f"{r['problem']}\n{r['threads']}t",
        lambda r: 1.0 / r["steps"],
        "seconds per step",
    )
    return _save(fig, Path(out_dir), "scaling.png", plt)


def _stage_bars(ax, records, label, scale, ylabel) -> None:
    """Stacked per-stage bars, one per record: stage seconds × `scale(r)`."""
    labels, stages = [], defaultdict(list)
    names = sorted({s for r in records for s, _ in r["stage_seconds"]})
    for r in records:
        labels.append(label(r))
        d = dict(r["stage_seconds"])
        for s in names:
            stages[s].append(d.get(s, 0.0) * scale(r))
    bottom = [0.0] * len(labels)
    for s in names:
        ax.bar(range(len(labels)), stages[s], bottom=bottom, label=s)
        bottom = [b + v for b, v in zip(bottom, stages[s])]
    ax.set_xticks(range(len(labels)), labels, fontsize=6)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def _save(fig, out: Path, name: str, plt) -> Path:
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _size_scaling(records, out: Path, plt) -> Path:
    """`vcsim bench --grow`: time per voxel-step against problem size."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    series = defaultdict(list)
    for r in records:
        series[(r["problem"], r["threads"])].append(r)
    for (name, threads), rs in series.items():
        rs = sorted(rs, key=lambda r: r["voxels"])
        v = [r["voxels"] for r in rs]
        label = f"{name}, {threads} thread{'s' if threads > 1 else ''}"
        axes[0].plot(v, [r["ns_per_voxel_step"] for r in rs], "o-", label=label)
        axes[1].plot(v, [r["efficiency"] for r in rs], "o-", label=label)
    axes[0].set_ylabel("ns per voxel-step")
    axes[1].axhline(0.8, color="k", ls=":", label="within 20%")
    axes[1].set_ylabel("time per voxel-step, smallest ÷ this")
    for ax in axes[:2]:
        ax.set_xscale("log")
        ax.set_xlabel("voxels")
        ax.legend(fontsize=7)
    _stage_bars(
        axes[2],
        records,
        lambda r: f"{r['problem']}\n{r['voxels']:.0e}, {r['threads']}t",
        lambda r: 1e9 / (r["steps"] * r["voxels"]),
        "ns per voxel-step, by stage",
    )
    return _save(fig, out, "size_scaling.png", plt)
