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


def test_pooled_cohort_counts_each_patient_once():
    # Three patients, all above 30 AU at every vintage, growing +10%, +30%
    # and +50% a year: the population's median is +30%. A fourth patient
    # who never reaches 30 AU lowers the share to 3/4 but not the growth.
    days = np.arange(0.0, 1000.0 + 10 * 365.0, 10.0)
    y = (days - 1000.0) / 365.0
    pts = [(days, 50.0 * (1 + r) ** y, 50.0 * (1 + r) ** y, 1000.0) for r in (0.1, 0.3, 0.5)]
    share, growth = C.pooled_cohort(pts, n=801)
    assert abs(share - 1.0) < 1e-12
    assert abs(growth - 0.3) < 2e-3
    zero = np.zeros_like(days)
    share, growth = C.pooled_cohort(pts + [(days, zero, zero, 1000.0)], n=801)
    assert abs(share - 0.75) < 1e-12
    assert abs(growth - 0.3) < 2e-3
    # Patient B reaches 30 AU 4.29 years into dialysis (4 AU × 1.6 a year):
    # 46% of its vintages count, at +60%, against all of A's at +10%. The
    # population's median is A's: A is above 30 AU for more of its time.
    b = 4.0 * 1.6 ** y
    share, growth = C.pooled_cohort([pts[0], (days, b, b, 1000.0)], n=4001)
    assert abs(share - (1.0 + (8 - np.log(7.5) / np.log(1.6)) / 8) / 2) < 1e-3
    assert abs(growth - 0.1) < 2e-3


def test_pooled_cohort_of_one_patient_is_the_cohort():
    days = np.arange(0.0, 1000.0 + 10 * 365.0, 30.0)
    score = 10.0 * 1.3 ** ((days - 1000.0) / 365.0)
    one = C.cohort(days, score, score, 1000.0, n=4001)
    pooled = C.pooled_cohort([(days, score, score, 1000.0)], n=4001)
    assert abs(one[0] - pooled[0]) < 1e-12
    assert abs(one[1] - pooled[1]) < 2e-3
    assert C.pooled_cohort([(days, 0 * score, 0 * score, 1000.0)]) == (0.0, None)


def test_pooled_baseline_is_the_median_score_of_those_counted():
    # One patient at 100 AU throughout, one at 10 AU (never counted): the
    # baseline of those ≥ 30 AU is 100.
    days = np.arange(0.0, 5000.0, 30.0)
    one = np.full_like(days, 100.0)
    assert C.pooled_baseline([(days, one, one, 1000.0), (days, one / 10, one / 10, 1000.0)]) == 100.0
    assert C.pooled_baseline([(days, one / 10, one / 10, 1000.0)]) is None


def test_ratio_after_a_level():
    # 10 AU × 1.5 a year: 125 AU is reached, and 20 months later the score
    # is 1.5^(20/12) = 1.966 times as high.
    days = np.arange(0.0, 12 * 365.25, 1.0)
    au = 10.0 * 1.5 ** (days / 365.25)
    assert abs(C.ratio_after(days, au, 125.0, 20.0) - 1.5 ** (20 / 12)) < 1e-3
    # Never reached, or reached too late for the follow-up.
    assert C.ratio_after(days, au, 1e6, 20.0) is None
    assert C.ratio_after(days, au, au[-100], 20.0) is None
