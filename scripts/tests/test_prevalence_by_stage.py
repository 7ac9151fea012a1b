"""The prevalence measures of scripts/prevalence_by_stage.py on onsets whose
answers are known."""

import math

import prevalence_by_stage as P


def test_prevalence_at_and_over_a_dwell_time():
    # Onsets at 1 and 3 years, one never: at 2 years 1/3 are detectable;
    # seen uniformly over 0-4 years, the first is detectable 3/4 of the
    # time, the second 1/4, the third never: (3/4 + 1/4 + 0)/3 = 1/3.
    y = 365.25
    onsets = [1 * y, 3 * y, math.inf]
    assert abs(P.prevalence_at(onsets, 2 * y) - 1 / 3) < 1e-12
    assert abs(P.prevalence_over(onsets, 4 * y) - 1 / 3) < 1e-12
    assert P.prevalence_over(onsets, 0.5 * y) == 0.0
