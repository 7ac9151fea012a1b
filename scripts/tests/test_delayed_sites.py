"""The prototype readout of scripts/delayed_sites.py against the model's
readout mirror (scripts/imaging_figure.py, tested equal to imaging.rs)."""

import numpy as np

import delayed_sites as D
import imaging_figure as I


def frames():
    """Four frames of the ckd5d wall (0, 2, 5, 10% mineral, 30 days apart)
    with sites of spread 1, seed 1: (frames, mineral, region, p, site length, factors)."""
    days = np.array([0.0, 30.0, 60.0, 90.0])
    ms = []
    for phi in [0.0, 0.02, 0.05, 0.1]:
        m, region = I.ckd5d_wall(phi)
        ms.append(m)
    p = dict(I.DEFAULTS, site_cv=1.0)
    fr = D.Frames(days, ms, region, 5.0, p)
    ls, f = D.site_factors(fr, 1)
    return fr, ms, region, p, ls, f


def test_no_delay_is_the_models_readout():
    fr, ms, region, p, ls, f = frames()
    zero = np.zeros_like(f)
    for k, m in enumerate(ms):
        got = D.reading(fr, k, f, zero, ls)
        want = I.reading(m, region, 5.0, p, 1)
        assert abs(got[0] - want["agatston"]) < 1e-9 * max(1.0, want["agatston"])
        assert abs(got[1] - want["volume_mm3"]) < 1e-9 * max(1.0, want["volume_mm3"])
    assert D.reading(fr, 3, f, zero, ls)[0] > 100.0  # the check is not trivially 0 = 0


def test_a_delay_of_one_frame_reads_the_frame_before_and_a_late_start_reads_nothing():
    fr, ms, region, p, ls, f = frames()
    one = np.full_like(f, 30.0)
    for k in range(1, 4):
        got = D.reading(fr, k, f, one, ls)
        want = I.reading(ms[k - 1], region, 5.0, p, 1)
        assert abs(got[0] - want["agatston"]) < 1e-9 * max(1.0, want["agatston"])
    assert D.reading(fr, 3, f, np.full_like(f, 1000.0), ls) == (0.0, 0.0)


def test_delays_are_uniform_and_reproducible():
    a = D.delays((40, 8), 6.0, 1)
    assert np.array_equal(a, D.delays((40, 8), 6.0, 1))
    assert not np.array_equal(a, D.delays((40, 8), 6.0, 2))
    assert a.min() >= 0.0 and a.max() <= 6 * 365.0
    assert abs(a.mean() - 3 * 365.0) < 0.1 * 3 * 365.0
