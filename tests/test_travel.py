"""The one place distances are computed, against brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layoutsim import travel

coords = st.lists(st.tuples(st.integers(-5000, 5000), st.integers(-5000, 5000)), min_size=1, max_size=30)


def brute(a, b) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.array([[math.dist(p, q) for q in b] for p in a])


@settings(max_examples=60, deadline=None)
@given(coords, coords, st.integers(1, 5), st.sampled_from([math.inf, 1500.0]), st.sampled_from([1.0, 1.3]))
def test_nearest_within_and_pairwise_agree_with_brute_force(a, b, k, max_m, detour) -> None:
    metric = travel.StraightLine(detour)
    full = brute(a, b) * detour
    dist, idx = travel.nearest(a, b, k=k, max_m=max_m, metric=metric)
    assert dist.shape == idx.shape == (len(a), k)
    for i in range(len(a)):
        expect = np.sort(full[i][full[i] <= max_m])[:k]
        got = dist[i][np.isfinite(dist[i])]
        assert np.allclose(got, expect)
        assert (idx[i][~np.isfinite(dist[i])] == len(b)).all()
        assert np.allclose(full[i, idx[i][np.isfinite(dist[i])]], got)
    hits = travel.within(a, b, 1000.0, metric)
    assert [h.tolist() for h in hits] == [np.flatnonzero(row <= 1000.0).tolist() for row in full]
    assert np.allclose(travel.pairwise(a, b, metric), full)
    assert np.allclose(travel.nearest_distance(a, b, metric), full.min(axis=1))


def test_no_targets_means_infinitely_far() -> None:
    assert travel.nearest_distance([[0, 0], [1, 1]], np.zeros((0, 2))).tolist() == [math.inf, math.inf]
    assert travel.count_within([[0, 0]], np.zeros((0, 2)), 100.0).tolist() == [0]
    with pytest.raises(ValueError):
        travel.nearest([[0, 0, 0]], [[1, 1]])  # not (n, 2)
