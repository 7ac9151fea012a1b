"""Figures and checks for the validation suite (`vcsim validate`).

    python -m vcsim_analysis validation-figures docs/validation

reads `curves.json` and `report.json` from the directory and writes one PNG
per experiment: the readouts of its claims, arm by arm, over time.
"""

from __future__ import annotations

import json
from pathlib import Path

REPORT_KEYS = {"experiment", "claim", "expected", "simulated", "pass"}


def load_report(directory) -> list:
    """The claim records of report.json, checked for the required keys."""
    path = Path(directory) / "report.json"
    records = json.loads(path.read_text())
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a list of claim records")
    for i, r in enumerate(records):
        missing = REPORT_KEYS - set(r)
        if missing:
            raise ValueError(f"{path}: record {i} lacks {sorted(missing)}")
    return records


def figures(directory) -> list:
    """Writes DIR/<experiment>.png for every experiment; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    curves = json.loads((directory / "curves.json").read_text())
    report = load_report(directory)
    written = []
    for name, exp in curves.items():
        readouts = []
        for r in report:
            if r["experiment"] == name:
                series = r.get("readout", "").split("@")[0]
                if series and series not in readouts:
                    readouts.append(series)
        readouts = readouts[:4] or ["mineral_volume_um3"]
        fig, axes = plt.subplots(1, len(readouts), figsize=(4.2 * len(readouts), 3.4), squeeze=False)
        for ax, series in zip(axes[0], readouts):
            for arm in exp.get("arm_order", sorted(exp["arms"])):
                data = exp["arms"][arm]
                ax.plot(data["day"], data["series"][series], label=arm)
            ax.set_xlabel("day")
            ax.set_title(series, fontsize=9)
        axes[0][0].legend(fontsize=7)
        passed = sum(r["pass"] for r in report if r["experiment"] == name)
        total = sum(1 for r in report if r["experiment"] == name)
        fig.suptitle(f"{exp['title']} — {passed}/{total} claims pass", fontsize=10)
        fig.tight_layout()
        out = directory / f"{name}.png"
        fig.savefig(out, dpi=80)
        plt.close(fig)
        written.append(out)
    return written
