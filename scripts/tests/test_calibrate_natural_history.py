"""The metrics of scripts/calibrate_natural_history.py on curves whose answers
are known in closed form."""

import numpy as np

import calibrate_natural_history as c


def test_crossing_interpolates_between_frames():
    days = np.array([0.0, 30.0, 60.0, 90.0])
    au = np.array([0.0, 0.0, 20.0, 40.0])
    assert c.crossing(days, au, 1e-9) == 30.0 + 1e-9 / 20.0 * 30.0
    assert abs(c.crossing(days, au, 30.0) - 75.0) < 1e-12
    assert c.crossing(days, au, 50.0) is None


def test_growth_of_a_power_law_score():
    # Volume = Agatston = (t / 1 year)^2 × 100: 30 AU at t = √0.3 y, 300 AU at
    # √3 y; a year from 300 AU the score is 100 (√3 + 1)², so the growth is
    # ((√3 + 1)/√3)² − 1 = +33.3%.
    days = np.arange(0.0, 12 * 365.0 + 1, 30.0)
    score = 100.0 * (days / 365.0) ** 2
    m = c.metrics(days, score, score)
    assert abs(m["d300"] - 365.0 * np.sqrt(3.0)) < 1.0
    want = ((np.sqrt(3.0) + 1.0) / np.sqrt(3.0)) ** 2 - 1.0
    assert abs(m["from300"] - want) < 2e-3
    # Years 2–3 from 300 AU, per year: ((√3 + 3)/(√3 + 1))^(2/2) − 1.
    assert abs(m["from300_y23"] - ((np.sqrt(3.0) + 3) / (np.sqrt(3.0) + 1)) + 1.0) < 2e-3
    s = np.sqrt(0.3)
    assert abs(m["from30_y2"] - ((s + 2) / (s + 1)) ** 2 + 1.0) < 2e-3
    assert 0.0 < m["detectable"] < 30.0  # the first frame after day 0 is already above 0 AU


def test_summary_reports_median_range_and_missing():
    assert c.summary([300.0, 500.0, 400.0]) == "400 (300 – 500)"
    assert c.summary([0.2, None, 0.4], pct=True) == "+30% (+20% – +40%) (1 none)"
    assert c.summary([None]) == "—"
