#!/usr/bin/env python3
"""Prevalence of CT-detectable calcification by CKD stage against the dwell
time in the stage (CLINICAL_CALIBRATION §1: CKD 3 ~25%, CKD 4 ~35%,
dialysis > 50% [seed-review]; "pair with a stage-typical dwell time").

    python3 scripts/prevalence_by_stage.py SWEEP_DIR [--dwell 2 4 6 8 10]

SWEEP_DIR is a finished cohort sweep, e.g. of
configs/sweeps/prevalence_by_stage.toml (patients of each stage followed
from a clean wall). Each run's onset is its first daily CT reading with
`/clinical/detectable` = 1. For each dwell time D (years) two prevalences
are printed per stage:

- at D: the share of patients detectable D years into the stage (Wilson
  95% interval);
- over 0–D: patients seen at a time uniform over their first D years in
  the stage, as a cross-sectional survey of a stage sees them (no deaths,
  no moves to the next stage).

Nothing is tuned here; the comparison is a check.
"""

import argparse
import csv
import math
import os
import sys

import numpy as np

from vcsim_analysis import open_run
from vcsim_analysis.sweep import wilson_interval

TARGETS = {"ckd3": "~25%", "ckd4": "~35%", "ckd5d": "> 50%"}


def onset_day(path):
    """First simulated day with a detectable CT reading (inf: never), and the
    last day read."""
    c = open_run(path).clinical
    if "detectable" not in c:
        raise KeyError(f"{path}: no /clinical readings (a culture run, or a file older than the CT readout)")
    days = c.index.to_numpy() / 24.0
    hit = np.nonzero(c["detectable"].to_numpy() >= 0.5)[0]
    return (float(days[hit[0]]) if len(hit) else math.inf), float(days[-1])


def prevalence_at(onsets, days):
    """Share of patients with onset ≤ days."""
    return float(np.mean([o <= days for o in onsets]))


def prevalence_over(onsets, days):
    """Share of a stage's patients seen at a time uniform over [0, days]
    who are detectable: mean over patients of max(0, days − onset)/days."""
    return float(np.mean([max(0.0, days - o) / days for o in onsets]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sweep")
    ap.add_argument("--dwell", type=float, nargs="+", default=[2, 4, 6, 8, 10], help="years")
    a = ap.parse_args()
    manifest = os.path.join(a.sweep, "manifest.csv")
    if not os.path.exists(manifest):
        sys.exit(f"prevalence_by_stage: {manifest}: no such file (plan the sweep with `vcsim sweep plan`)")
    stages = {}
    with open(manifest, newline="") as fh:
        for row in csv.DictReader(fh):
            path = os.path.join(a.sweep, row["output"])
            if not os.path.exists(path):
                sys.exit(f"prevalence_by_stage: {path}: missing (run the sweep to the end)")
            try:
                stages.setdefault(row["stage"], []).append(onset_day(path))
            except (OSError, KeyError, ValueError) as e:
                sys.exit(f"prevalence_by_stage: {e}")
    print("| stage | patients | target | " + " | ".join(f"{d:g} y: at / over 0–{d:g} y" for d in a.dwell) + " |")
    print("|---|---|---|" + "---|" * len(a.dwell))
    for stage, runs in stages.items():
        onsets = [o for o, _ in runs]
        end = min(last for _, last in runs)
        cells = []
        for d in a.dwell:
            days = d * 365.25
            if days > end + 1.0:
                cells.append("— (runs end earlier)")
                continue
            k = sum(o <= days for o in onsets)
            lo, hi = wilson_interval(k, len(onsets))
            cells.append(f"{100 * prevalence_at(onsets, days):.0f}% ({100 * lo:.0f}–{100 * hi:.0f}%) / "
                         f"{100 * prevalence_over(onsets, days):.0f}%")
        print(f"| {stage} | {len(onsets)} | {TARGETS.get(stage, '')} | " + " | ".join(cells) + " |")
    first = {s: sorted(o for o, _ in r) for s, r in stages.items()}
    print()
    for s, o in first.items():
        finite = [x for x in o if math.isfinite(x)]
        med = "never" if len(finite) * 2 <= len(o) else f"{np.median(o) / 365.25:.1f} y"
        print(f"{s}: median onset {med}; detectable within the run {len(finite)}/{len(o)}")


if __name__ == "__main__":
    main()
