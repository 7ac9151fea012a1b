#!/usr/bin/env python3
"""A prevalent dialysis cohort read from one run with a CKD history (issue 14).

    python3 scripts/prevalent_cohort.py RUN.h5 [RUN2.h5 ...] --dialysis-start-day D
        [--seeds 1 2 3 4 5 6] [--max-vintage-years 8 [6 4 ...]] [--vintage-mean-years M [...]]
        [--min-au 30]

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

With several runs (one per patient, e.g. the patients of
configs/sweeps/prevalent_hd.toml, drawn from the patient variability), the
population is pooled: each patient is one person seen at one vintage, so
its vintages weigh 1/N in all.

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


def load(run, start_day, max_vintage_years):
    """(days, History) of one run, or exit with a message naming the file."""
    if not os.path.exists(run):
        sys.exit(f"prevalent_cohort: {run}: no such file")
    try:
        dx, region, days, mineral = C.frames(run)
    except (OSError, KeyError) as e:
        sys.exit(f"prevalent_cohort: {run}: not a vcsim run with mineral frames ({e})")
    if len(days) < 2:
        sys.exit(f"prevalent_cohort: {run}: needs mineral frames over the run (simulation.frame_every_h)")
    every = I.DEFAULTS["history_every_days"]
    if I.DEFAULTS["site_onset_spread_days"] > 0 and not I.frames_on_history(days, I.DEFAULTS):
        sys.exit(f"prevalent_cohort: {run}: the delayed sites read the wall every {every:g} days; "
                 f"run with simulation.frame_every_h={24 * every:g}")
    if min(start_day + max_vintage_years * 365.0, days[-1] - 365.0) < start_day:
        sys.exit(f"prevalent_cohort: {run} ends on day {days[-1]:.0f}, less than a year after the "
                 f"dialysis start (day {start_day:g})")
    return days, I.History(days, mineral, region, dx, I.DEFAULTS)


def table(readings, at_start, a, max_years, mean_years, end):
    """Print the cohort table of one vintage design from the readings
    (per seed: one (days, au, vol, start_day) per patient)."""
    covered = (min(a.dialysis_start_day + max_years * 365.0, end - 365.0) - a.dialysis_start_day) / 365.0
    shape = "uniform" if mean_years is None else f"exponential, mean {mean_years:g} years"
    note = "" if covered >= max_years - 1e-9 else f" (the run ends on day {end:.0f}: a year of follow-up reaches only these)"
    n = len(at_start[0])
    who = "" if n == 1 else f", {n} patients pooled (each one person at one vintage)"
    print(f"Vintages 0–{covered:.1f} years after day {a.dialysis_start_day:g} ({shape}){note}{who}.\n")
    shares, growths, bases = [], [], []
    first = "Agatston at dialysis start" if n == 1 else "Agatston at dialysis start, median (range) of patients"
    print(f"| site seed | {first} | share of vintages ≥ {a.min_au:g} AU | their median Agatston | "
          "median volume growth over a year |")
    print("|---|---|---|---|---|")
    for seed, patients, starts in zip(a.seeds, readings, at_start):
        if n == 1:
            share, growth = C.cohort(*patients[0], max_years, a.min_au, vintage_mean_years=mean_years)
            start = f"{starts[0]:.0f}"
        else:
            share, growth = C.pooled_cohort(patients, max_years, a.min_au, vintage_mean_years=mean_years)
            start = f"{np.median(starts):.0f} ({min(starts):.0f} – {max(starts):.0f})"
        base = C.pooled_baseline(patients, max_years, a.min_au, vintage_mean_years=mean_years)
        shares.append(share)
        growths.append(growth)
        bases.append(base)
        g = "—" if growth is None else f"{100 * growth:+.0f}%"
        b = "—" if base is None else f"{base:.0f}"
        print(f"| {seed} | {start} | {100 * share:.0f}% | {b} | {g} |")
    share = f"{100 * np.median(shares):.0f}% ({100 * min(shares):.0f}% – {100 * max(shares):.0f}%)"
    print(f"| median (range) | | {share} | {C.summary(bases)} | {C.summary(growths, pct=True)} |\n", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", metavar="RUN.h5",
                    help="one patient's run, or several (one per patient: a pooled population)")
    ap.add_argument("--dialysis-start-day", type=float, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--max-vintage-years", type=float, nargs="+", default=[8.0],
                    help="longest vintage; several values: one table each (the runs are read once)")
    ap.add_argument("--min-au", type=float, default=30.0)
    ap.add_argument("--vintage-mean-years", type=float, nargs="+", default=None,
                    help="exponential vintages with this mean, up to the (first) longest vintage; "
                         "several values: one table each (default: uniform)")
    ap.add_argument("--from-au", type=float, default=None, metavar="AU",
                    help="also print the Agatston score --months after it first reaches AU, as a ratio "
                         "(e.g. 125 with --months 20: the young dialysis patients of goodman2000)")
    ap.add_argument("--months", type=float, default=20.0)
    a = ap.parse_args()
    loaded = [load(r, a.dialysis_start_day, min(a.max_vintage_years)) for r in a.runs]
    end = min(days[-1] for days, _ in loaded)
    readings, at_start = [], []
    for seed in a.seeds:
        patients, starts = [], []
        for days, h in loaded:
            rs = [h.reading(k, seed) for k in range(len(days))]
            au = np.array([r[0] for r in rs])
            vol = np.array([r[1] for r in rs])
            patients.append((days, au, vol, a.dialysis_start_day))
            starts.append(float(np.interp(a.dialysis_start_day, days, au)))
        readings.append(patients)
        at_start.append(starts)
    if a.vintage_mean_years is None:
        designs = [(m, None) for m in a.max_vintage_years]
    else:
        designs = [(a.max_vintage_years[0], mean) for mean in a.vintage_mean_years]
    for max_years, mean_years in designs:
        table(readings, at_start, a, max_years, mean_years, end)
    if a.from_au is not None:
        print(f"Agatston {a.months:g} months after it first reaches {a.from_au:g} AU, as a ratio to then "
              "(median (range) over patients):\n")
        print("| site seed | ratio |")
        print("|---|---|")
        meds = []
        for seed, patients in zip(a.seeds, readings):
            r = [C.ratio_after(days, au, a.from_au, a.months) for days, au, _, _ in patients]
            ok = [x for x in r if x is not None]
            meds.append(float(np.median(ok)) if ok else None)
            if not ok:
                print(f"| {seed} | — (no patient reaches {a.from_au:g} AU with {a.months:g} months to follow) |")
                continue
            missing = "" if len(ok) == len(r) else f" ({len(r) - len(ok)} none)"
            print(f"| {seed} | {np.median(ok):.2f} ({min(ok):.2f} – {max(ok):.2f}){missing} |")
        v = [x for x in meds if x is not None]
        if v:
            print(f"| median (range) | {np.median(v):.2f} ({min(v):.2f} – {max(v):.2f}) |")


if __name__ == "__main__":
    main()
