"""Joint calibration of the wall's growth velocity and the CT sites' spread
on the natural history of the default haemodialysis patient (issue 14).

    python3 scripts/calibrate_natural_history.py [--growth 2.8e-5 1.7e-5 1.4e-5]
        [--cv 2 3 4] [--spread 0 1460] [--seeds 1 2 3 4 5 6] [--years 12] [--out target/calibration]
        [--set KEY=VALUE]...

For each `mineral.growth_um_per_mM2_h` it runs `configs/ckd5d.toml` from a
clean wall (release build, a mineral frame every 30 days; runs already in
`--out` are reused), then reads every frame with the CT readout of
`scripts/imaging_figure.py` (the Python mirror of imaging.rs, tested equal
to it) for each `imaging.site_cv`, `imaging.site_onset_spread_days` and
site seed (the seed draws the sites and their onsets only: every seed reads
the same simulated wall; the frames are the readout's past states, every
30 days as `imaging.history_every_days`). Per combination it prints
the median and range over the seeds of:

- first day with a detectable reading (Agatston > 0): the issue's "no
  detectable calcification within 18 months" (day 548);
- first day above 30 AU: block2005 (no progression to CAC > 30 within 18
  months of CAC = 0);
- the volume score's growth in the year from the first reading of 300 AU
  (about the median of a prevalent dialysis cohort [goodman2000]):
  raggi2011, +20–40%/yr (≈ +30%);
- the mean yearly growth over years 2 and 3 from 300 AU (is the growth
  sustained?);
- the same from 30 AU, second year (the level the previous calibration used);
- a prevalent cohort: the patient seen at a dialysis vintage uniform over
  0–8 years, those with ≥ 30 AU at baseline, median growth of the volume
  score over the next year (the design of raggi2011's control arm; the
  vintage spread is an assumption).

Readings are interpolated linearly between the 30-day frames.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import imaging_figure as I  # noqa: E402
import runcache  # noqa: E402

ROOT = os.path.dirname(HERE)


def run(growth, years, out, binary, sets=()):
    """The ckd5d run with this growth velocity and `sets`, made unless a run
    with the same resolved configuration is kept (scripts/runcache.py)."""
    tag = "".join("_" + kv.split("=", 1)[0].split(".")[-1] + "=" + kv.split("=", 1)[1] for kv in sets)
    path = os.path.join(out, f"ckd5d_growth_{growth:g}{tag}_{years:g}y.h5")
    args = [x for kv in (f"simulation.duration_days={365 * years}",
                         # Frames on the readout's past states (imaging_figure.History).
                         f"simulation.frame_every_h={24 * I.DEFAULTS['history_every_days']:g}",
                         f"mineral.growth_um_per_mM2_h={growth}", *sets) for x in ("--set", kv)]
    return runcache.ensure(binary, "ckd5d", path, args, 365 * years)


def frames(path):
    import h5py

    with h5py.File(path, "r") as f:
        dx = float(f.attrs["spacing_um"])
        region = np.asarray(f["grid/region"])
        days = np.asarray(f["fields/time_h"]) / 24.0
        mineral = [np.asarray(m, dtype=float) for m in f["fields/mineral"]]
    return dx, region, days, mineral


def crossing(days, y, level):
    i = np.nonzero(y >= level)[0]
    if i.size == 0:
        return None
    i = int(i[0])
    if i == 0:
        return float(days[0])
    return float(days[i - 1] + (level - y[i - 1]) / (y[i] - y[i - 1]) * (days[i] - days[i - 1]))


def metrics(days, au, vol):
    at = lambda y, d: float(np.interp(d, days, y))  # noqa: E731
    out = {"detectable": crossing(days, au, 1e-9), "d30": crossing(days, au, 30.0 + 1e-9),
           "d300": crossing(days, au, 300.0)}
    s = out["d300"]
    out["from300"] = at(vol, s + 365) / at(vol, s) - 1 if s is not None and s + 365 <= days[-1] else None
    # Sustained: the mean yearly growth over years 2 and 3 from 300 AU.
    out["from300_y23"] = ((at(vol, s + 3 * 365) / at(vol, s + 365)) ** 0.5 - 1
                          if s is not None and s + 3 * 365 <= days[-1] else None)
    s = out["d30"]
    out["from30_y2"] = (at(vol, s + 730) / at(vol, s + 365) - 1
                        if s is not None and s + 730 <= days[-1] else None)
    out["cohort"] = cohort(days, au, vol, 0.0)[1]
    return out


def weighted_median(x, w):
    """The smallest x whose cumulative weight reaches half the total."""
    o = np.argsort(x)
    c = np.cumsum(w[o])
    return float(x[o][np.searchsorted(c, 0.5 * c[-1])])


def cohort(days, au, vol, start_day, max_vintage_years=8.0, min_au=30.0, n=401, vintage_mean_years=None):
    """A prevalent cohort from one patient: (share of vintages with ≥ min_au,
    median yearly volume growth among them or None). Vintages over
    [0, max_vintage_years] after `start_day` (the start of dialysis),
    uniform or, with `vintage_mean_years`, exponential with that mean (a
    prevalent population thinned by mortality), cut where a year of
    follow-up would leave the run."""
    _, share, gs, _, ws = _pooled([(days, au, vol, start_day)], max_vintage_years, min_au, n, vintage_mean_years)
    if not gs:
        return 0.0, None
    if vintage_mean_years is None:
        return share, float(np.median(gs[0]))
    return share, weighted_median(gs[0], ws[0])


def _pooled(patients, max_vintage_years, min_au, n, vintage_mean_years):
    """(number of patients with follow-up, weight ≥ min_au, and for the
    vintages ≥ min_au: growths, baseline scores, weights) of `pooled_cohort`."""
    gs, bs, ws, total, above = [], [], [], 0, 0.0
    for days, au, vol, start_day in patients:
        last = min(start_day + max_vintage_years * 365.0, days[-1] - 365.0)
        if last < start_day:
            continue
        t = np.linspace(start_day, last, n)
        w = np.ones(n) if vintage_mean_years is None else np.exp(-(t - start_day) / (365.0 * vintage_mean_years))
        total += 1
        base = np.interp(t, days, au)
        ok = base >= min_au
        if not ok.any():
            continue
        above += float(w[ok].sum() / w.sum())
        w = w / w.sum()
        gs.append(np.interp(t[ok] + 365.0, days, vol) / np.interp(t[ok], days, vol) - 1.0)
        bs.append(base[ok])
        ws.append(w[ok])
    return total, above, gs, bs, ws


def pooled_cohort(patients, max_vintage_years=8.0, min_au=30.0, n=401, vintage_mean_years=None):
    """A prevalent cohort of several patients: `patients` is a list of
    (days, au, vol, start_day), one per patient. Each patient is one person
    of the population, seen at one vintage: its vintages (as in `cohort`)
    carry weights that sum to 1 per patient. Returns (the population's share
    with ≥ min_au, the weighted median yearly volume growth among them or
    None)."""
    total, above, gs, _, ws = _pooled(patients, max_vintage_years, min_au, n, vintage_mean_years)
    if not gs:
        return 0.0, None
    return above / total, weighted_median(np.concatenate(gs), np.concatenate(ws))


def pooled_baseline(patients, max_vintage_years=8.0, min_au=30.0, n=401, vintage_mean_years=None):
    """The weighted median Agatston score at baseline of the patients of
    `pooled_cohort` with ≥ min_au (None if none)."""
    _, _, _, bs, ws = _pooled(patients, max_vintage_years, min_au, n, vintage_mean_years)
    if not bs:
        return None
    return weighted_median(np.concatenate(bs), np.concatenate(ws))


def ratio_after(days, au, level, months):
    """Score `months` after the score first reaches `level`, over the score
    then (both interpolated linearly between frames); None if the score
    never reaches `level` or the run ends before the follow-up."""
    above = np.nonzero(au >= level)[0]
    if len(above) == 0:
        return None
    k = above[0]
    if k == 0:
        t0 = days[0]
    else:
        t0 = days[k - 1] + (level - au[k - 1]) / (au[k] - au[k - 1]) * (days[k] - days[k - 1])
    t1 = t0 + months * 365.25 / 12.0
    if t1 > days[-1]:
        return None
    return float(np.interp(t1, days, au) / np.interp(t0, days, au))


def summary(values, pct=False):
    v = [x for x in values if x is not None]
    if not v:
        return "—"
    f = (lambda x: f"{100 * x:+.0f}%") if pct else (lambda x: f"{x:.0f}")
    missing = "" if len(v) == len(values) else f" ({len(values) - len(v)} none)"
    return f"{f(float(np.median(v)))} ({f(min(v))} – {f(max(v))}){missing}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--growth", type=float, nargs="+", default=[2.8e-5, 1.7e-5, 1.4e-5])
    ap.add_argument("--cv", type=float, nargs="+", default=[2.0, 3.0, 4.0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--spread", type=float, nargs="+", default=[I.DEFAULTS["site_onset_spread_days"]],
                    help="imaging.site_onset_spread_days (days)")
    ap.add_argument("--years", type=float, default=12.0)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "calibration"))
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "vcsim"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="another parameter of every run (part of its file name)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    print("| growth (µm/(mM²·h)) | site_cv | onset spread (d) | first detectable day | first day > 30 AU | day of 300 AU "
          "| volume, year from 300 AU | volume, years 2–3 from 300 AU (per year) | volume, 2nd year from 30 AU | prevalent cohort (vintage 0–8 y, ≥ 30 AU) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for g in a.growth:
        dx, region, days, mineral = frames(run(g, a.years, a.out, a.binary, a.set))
        for cv, spread in [(cv, sp) for cv in a.cv for sp in a.spread]:
            rows = []
            h = I.History(days, mineral, region, dx, dict(I.DEFAULTS, site_cv=cv, site_onset_spread_days=spread))
            for seed in a.seeds:
                rs = [h.reading(k, seed) for k in range(len(days))]
                rows.append(metrics(days, np.array([r[0] for r in rs]), np.array([r[1] for r in rs])))
            col = lambda k: [r[k] for r in rows]  # noqa: E731
            print(f"| {g:g} | {cv:g} | {spread:g} | {summary(col('detectable'))} | {summary(col('d30'))} | {summary(col('d300'))} "
                  f"| {summary(col('from300'), pct=True)} | {summary(col('from300_y23'), pct=True)} "
                  f"| {summary(col('from30_y2'), pct=True)} "
                  f"| {summary(col('cohort'), pct=True)} |", flush=True)


if __name__ == "__main__":
    main()
