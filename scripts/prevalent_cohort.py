#!/usr/bin/env python3
"""A prevalent dialysis cohort read from one run with a CKD history (issue 14).

    python3 scripts/prevalent_cohort.py RUN.h5 --dialysis-start-day D [--seeds 1 2 3 4 5 6]
        [--max-vintage-years 8] [--vintage-mean-years M] [--min-au 30]

RUN.h5 is a run with mineral frames (e.g. every 30 days) of a patient who
reaches dialysis on day D after years of CKD (`dialysis.start_day`). Every
frame is read again with the CT mirror of `scripts/imaging_figure.py`
(tested equal to imaging.rs) for each site seed. The patient is then seen
at dialysis vintages over 0 – `--max-vintage-years` (uniform, or
exponential with mean `--vintage-mean-years`: a prevalent population thinned
by mortality), like the patients of a prevalent cohort (the design of raggi2011's control arm:
haemodialysis patients with CAC ≥ 30 AU at baseline). Printed per seed and
as median (range): the share of those vintages with ≥ `--min-au` AU, and the
median growth of the volume score over the next year among them (target:
≈ +30%/yr, +20–40%, CLINICAL_CALIBRATION §2).

The vintage distribution is an assumption that moves the answer a lot
(docs/natural_history/README.md), and one run is one patient's history;
the comparison with raggi2011 is a prediction, not a calibration target.
Readings are interpolated linearly between frames.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import calibrate_natural_history as C  # noqa: E402
import imaging_figure as I  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--dialysis-start-day", type=float, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--max-vintage-years", type=float, default=8.0)
    ap.add_argument("--min-au", type=float, default=30.0)
    ap.add_argument("--vintage-mean-years", type=float, default=None,
                    help="exponential vintages with this mean (default: uniform)")
    a = ap.parse_args()
    if not os.path.exists(a.run):
        sys.exit(f"prevalent_cohort: {a.run}: no such file")
    try:
        dx, region, days, mineral = C.frames(a.run)
    except (OSError, KeyError) as e:
        sys.exit(f"prevalent_cohort: {a.run}: not a vcsim run with mineral frames ({e})")
    if len(days) < 2:
        sys.exit(f"prevalent_cohort: {a.run}: needs mineral frames over the run (simulation.frame_every_h)")
    every = I.DEFAULTS["history_every_days"]
    if I.DEFAULTS["site_onset_spread_days"] > 0 and not I.frames_on_history(days, I.DEFAULTS):
        sys.exit(f"prevalent_cohort: {a.run}: the delayed sites read the wall every {every:g} days; "
                 f"run with simulation.frame_every_h={24 * every:g}")
    covered = (min(a.dialysis_start_day + a.max_vintage_years * 365.0, days[-1] - 365.0) - a.dialysis_start_day) / 365.0
    if covered < 0:
        sys.exit(f"prevalent_cohort: {a.run} ends on day {days[-1]:.0f}, less than a year after the "
                 f"dialysis start (day {a.dialysis_start_day:g})")
    shape = "uniform" if a.vintage_mean_years is None else f"exponential, mean {a.vintage_mean_years:g} years"
    note = "" if covered >= a.max_vintage_years - 1e-9 else f" (the run ends on day {days[-1]:.0f}: a year of follow-up reaches only these)"
    print(f"Vintages 0–{covered:.1f} years after day {a.dialysis_start_day:g} ({shape}){note}.\n")
    shares, growths = [], []
    print("| site seed | Agatston at dialysis start | share of vintages ≥ 30 AU | median volume growth over a year |")
    print("|---|---|---|---|")
    h = I.History(days, mineral, region, dx, I.DEFAULTS)
    for seed in a.seeds:
        rs = [h.reading(k, seed) for k in range(len(days))]
        au = np.array([r[0] for r in rs])
        vol = np.array([r[1] for r in rs])
        share, growth = C.cohort(days, au, vol, a.dialysis_start_day, a.max_vintage_years, a.min_au,
                               vintage_mean_years=a.vintage_mean_years)
        shares.append(share)
        growths.append(growth)
        at_start = float(np.interp(a.dialysis_start_day, days, au))
        g = "—" if growth is None else f"{100 * growth:+.0f}%"
        print(f"| {seed} | {at_start:.0f} | {100 * share:.0f}% | {g} |", flush=True)
    share = f"{100 * np.median(shares):.0f}% ({100 * min(shares):.0f}% – {100 * max(shares):.0f}%)"
    print(f"| median (range) | | {share} | {C.summary(growths, pct=True)} |")


if __name__ == "__main__":
    main()
