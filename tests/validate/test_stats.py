"""The comparison statistics: McNemar's exact test against statsmodels, the paired bootstrap on
differences whose value is known."""

import random

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar

from llavar2.validate.stats import mcnemar_exact, paired_bootstrap


@pytest.mark.parametrize("seed", range(6))
def test_mcnemar_matches_statsmodels_exact(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 400)
    arm = [float(rng.random() < 0.6) for _ in range(n)]
    control = [float(rng.random() < 0.5) for _ in range(n)]
    got = mcnemar_exact(arm, control)
    both = sum(a == c == 1 for a, c in zip(arm, control))
    neither = sum(a == c == 0 for a, c in zip(arm, control))
    table = [[both, got["b"]], [got["c"], neither]]
    assert got["b"] + got["c"] + both + neither == n
    assert got["p"] == pytest.approx(mcnemar(table, exact=True).pvalue, rel=1e-12)


def test_mcnemar_without_discordant_pairs_is_p_one():
    assert mcnemar_exact([1.0, 0.0], [1.0, 0.0]) == {"b": 0, "c": 0, "p": 1.0}


def test_a_constant_shift_has_that_difference_and_a_zero_width_interval():
    rng = np.random.default_rng(0)
    control = rng.random((3, 50))
    result = paired_bootstrap((control + 0.25).tolist(), control.tolist())
    assert result["diff"] == pytest.approx(0.25)
    assert result["ci95"] == pytest.approx([0.25, 0.25])
    assert (result["n_items"], result["n_seeds"]) == (50, 3)


def test_the_interval_covers_the_difference_and_narrows_with_more_items():
    def width(n):
        rng = np.random.default_rng(1)
        control = (rng.random((2, n)) < 0.5).astype(float)
        arm = np.where(rng.random((2, n)) < 0.2, 1.0, control)  # arm = control, a few fixed
        r = paired_bootstrap(arm.tolist(), control.tolist())
        assert r["ci95"][0] <= r["diff"] <= r["ci95"][1]
        return r["ci95"][1] - r["ci95"][0]

    assert width(1000) < width(50) / 2


def test_the_bootstrap_is_seeded():
    a, c = [[1.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 0.0]]
    assert paired_bootstrap(a, c, seed=3) == paired_bootstrap(a, c, seed=3)


def test_unpaired_shapes_are_refused():
    with pytest.raises(ValueError, match="same seeds × items"):
        paired_bootstrap([[1.0, 0.0]], [[1.0, 0.0, 1.0]])
