#!/usr/bin/env python3
"""Prototype (not the model's readout): CT sites that also differ in when
they start calcifying.

    python3 scripts/delayed_sites.py RUN.h5 --cv 4 --delay-years 6 [--seeds 1 2 3]

The synthetic CT (imaging.rs, mirrored by `scripts/imaging_figure.py`)
gives every site of the segment a fixed factor on the one simulated patch,
so every site slows down when the patch fills (docs/natural_history/README.md).
Here each site also has a start delay d, uniform over [0, `--delay-years`]:
at time t it holds the patch as it was at t − d (nothing before its start),
times its factor (capped at a full wall, as in imaging.rs). A delay of 0
everywhere is the model's readout exactly (tested). Reads RUN.h5's mineral
frames (e.g. every 30 days); a site reads the last frame at or before
t − d. Prints the metrics of `scripts/calibrate_natural_history.py`
(median (range) over the seeds).

The delays come from numpy's generator seeded by the site seed, not from
the model's counter-based streams: this is an exploration of a readout
design, which an implementation in imaging.rs would need the patch's
history for (in the run and in its checkpoint).
"""

import argparse
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import calibrate_natural_history as C  # noqa: E402
import imaging_figure as I  # noqa: E402


class Frames:
    """The patch's frames with their per-arc site images, computed once."""

    def __init__(self, days, mineral, region, dx_um, p):
        self.days, self.mineral, self.region, self.dx, self.p = days, mineral, region, dx_um, p
        wall = (region == I.LAMINA) | (region == I.MEDIA)
        cols = np.nonzero(wall.any(axis=0))[0]
        self.r_mid = 0.5 * p["vessel_diameter_mm"] + 0.5 * (cols.min() + cols.max() + 1) * dx_um * 1e-3
        self.n_arc = max(1, int(np.floor(2 * math.pi * self.r_mid / p["site_arc_mm"] + 0.5)))
        self._cache = {}

    def images(self, k):
        if k not in self._cache:
            im, n, _ = I.site_images(self.mineral[k], self.region, self.dx, self.p, self.n_arc)
            self._cache[k] = (im, n, I.full_factor(self.mineral[k], self.region, self.dx, self.p))
        return self._cache[k]


def delays(shape, delay_years, seed):
    return np.random.default_rng(seed).uniform(0.0, delay_years * 365.0, size=shape)


def reading(fr, k, factors, delay_days, site_length_mm):
    """Agatston and volume score at frame k."""
    t = fr.days[k]

    def site(j, i):
        src = t - delay_days[j, i]
        if src < 0:
            return None
        im, _, full = fr.images(int(np.searchsorted(fr.days, src + 1e-9, side="right") - 1))
        return min(factors[j, i], full), im[i]

    n = fr.images(0)[1]
    slices = I.slices_from_sites(fr.p, site_length_mm, factors.shape[0], fr.n_arc, n, site)
    agatston, volume, _ = I.scores(slices, fr.p)
    return agatston, volume


def site_factors(fr, seed):
    """The site length and factors of `seed` (imaging.rs's sites)."""
    ls, _, _, f = I.site_factors(fr.p, 2 * math.pi * fr.r_mid, seed)
    return ls, f


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run")
    ap.add_argument("--cv", type=float, default=4.0)
    ap.add_argument("--delay-years", type=float, default=6.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    a = ap.parse_args()
    try:
        dx, region, days, mineral = C.frames(a.run)
    except (OSError, KeyError) as e:
        sys.exit(f"delayed_sites: {a.run}: not a vcsim run with mineral frames ({e})")
    if a.cv <= 0:
        sys.exit("delayed_sites: --cv must be > 0 (with 0 the segment is one site)")
    fr = Frames(days, mineral, region, dx, dict(I.DEFAULTS, site_cv=a.cv))
    rows = []
    for seed in a.seeds:
        ls, f = site_factors(fr, seed)
        d = delays(f.shape, a.delay_years, seed)
        r = [reading(fr, k, f, d, ls) for k in range(len(days))]
        rows.append(C.metrics(days, np.array([x[0] for x in r]), np.array([x[1] for x in r])))
    col = lambda k: [r[k] for r in rows]  # noqa: E731
    print(f"| {a.cv:g} | U(0, {a.delay_years:g} y) | {C.summary(col('detectable'))} | {C.summary(col('d30'))} "
          f"| {C.summary(col('d300'))} | {C.summary(col('from300'), pct=True)} "
          f"| {C.summary(col('from300_y23'), pct=True)} |")


if __name__ == "__main__":
    main()
