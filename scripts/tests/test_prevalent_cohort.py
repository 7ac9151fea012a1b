"""The cohort metric of scripts/prevalent_cohort.py (calibrate_natural_history.cohort,
also the calibration's) on curves whose answers are known in closed form."""

import numpy as np

import calibrate_natural_history as C


def test_cohort_of_an_exponential_score_after_the_dialysis_start():
    # Score 10 AU on day 1000 (dialysis start), ×1.3 a year after it:
    # 30 AU is reached ln(3)/ln(1.3) = 4.19 years into dialysis, so of the
    # vintages 0–8 years, (8 − 4.19)/8 = 47.6% have ≥ 30 AU, and every one
    # of them grows +30% in the next year.
    days = np.arange(0.0, 1000.0 + 10 * 365.0, 30.0)
    score = 10.0 * 1.3 ** ((days - 1000.0) / 365.0)
    share, growth = C.cohort(days, score, score, 1000.0, n=4001)
    assert abs(share - (8 - np.log(3) / np.log(1.3)) / 8) < 2e-3
    assert abs(growth - 0.3) < 2e-3


def test_cohort_without_calcification_or_follow_up():
    days = np.arange(0.0, 3000.0, 30.0)
    zero = np.zeros_like(days)
    assert C.cohort(days, zero, zero, 500.0) == (0.0, None)
    # Dialysis starts less than a year before the run ends: no vintage has a year of follow-up.
    assert C.cohort(days, zero + 100.0, zero + 100.0, days[-1] - 100.0) == (0.0, None)


def test_exponential_vintages_weight_the_short_ones():
    # Score 100 AU at the start of dialysis growing x1.5 a year for 3 years
    # and x1.1 after: uniform vintages over 0-8 years see mostly the slow
    # phase, vintages with a mean of 1 year mostly the fast one.
    days = np.arange(0.0, 10 * 365.0, 10.0)
    y = days / 365.0
    score = 100.0 * np.where(y < 3, 1.5 ** y, 1.5 ** 3 * 1.1 ** (y - 3))
    share, uniform = C.cohort(days, score, score, 0.0, n=4001)
    assert share == 1.0
    assert abs(uniform - 0.1) < 1e-3
    share, short = C.cohort(days, score, score, 0.0, n=4001, vintage_mean_years=1.0)
    assert share == 1.0
    assert abs(short - 0.5) < 1e-3


def test_weighted_median():
    assert C.weighted_median(np.array([3.0, 1.0, 2.0]), np.ones(3)) == 2.0
    assert C.weighted_median(np.array([1.0, 2.0, 3.0]), np.array([0.1, 0.1, 5.0])) == 3.0
