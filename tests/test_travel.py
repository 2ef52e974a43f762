"""The one place distances are computed, against brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layoutsim import travel
from layoutsim.config.scenario import ReachConfig

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


# ---------------------------------------------------------------- the travel table

TOL = travel.TOLERANCE_M
REACH = ReachConfig()  # defaults: e.g. junior norm 1,000 / 10,000 m, limit 5,000 / 15,000 m (urban / rural)
# norms and limits amid the random points' distances (up to 14 km), so every flag and cut is exercised
SMALL = ReachConfig(kindergarten={"urban": 300, "rural": 1000}, primary={"urban": 500, "rural": 2000},
                    junior={"urban": 1000, "rural": 3000},
                    limit={"kindergarten": {"urban": 1500, "rural": 3000}, "primary": {"urban": 2500, "rural": 5000},
                           "junior": {"urban": 3000, "rural": 6000}})
TABLE_LEVELS = ("kindergarten", "primary", "junior")


def _check_rows(t: travel.Table, full: np.ndarray, lim: dict, norm: dict, offers: dict) -> None:
    """What holds for every row of any table: its distance, time, flags, and the order of the rows."""
    assert len(t.origin) == len(t.destination) == len(t.level) == len(t.rank) == len(t.distance_m) == len(t)
    assert np.allclose(t.distance_m, full[t.origin, t.destination])
    speeds = np.array([travel.SPEED_KMH[lv] for lv in t.level]) / 3.6
    assert np.allclose(t.time_s, t.distance_m / speeds)
    for n, (lv, i, j, d) in enumerate(zip(t.level, t.origin, t.destination, t.distance_m)):
        assert t.within_limit[n] == (d <= lim[lv][i, j] + TOL)
        assert t.within_norm[n] == (d <= norm[lv][i] + TOL)
    key = [(TABLE_LEVELS.index(lv), i) for lv, i in zip(t.level, t.origin)]
    assert key == sorted(key)  # by level, then origin
    for n in range(1, len(t)):
        if key[n] == key[n - 1]:
            assert t.rank[n] > t.rank[n - 1] and t.distance_m[n] >= t.distance_m[n - 1]
    for lv, i, d, r in zip(t.level, t.origin, t.distance_m, t.rank):  # rank: how many of the level's are nearer
        others = full[i, offers[lv]]
        assert (others < d - 1e-9).sum() <= r < (others <= d + 1e-9).sum()


@settings(max_examples=150, deadline=None)
@given(st.data(), coords, coords, st.sampled_from([None, 1, 3]), st.booleans(), st.sampled_from([1.0, 1.25]),
       st.sampled_from([1.0, 1.5]))
def test_table_agrees_with_brute_force(data, a, b, k, cut, detour, factor) -> None:
    """Each origin's rows at a level: the offered destinations within its limit (all, or its k nearest), or
    with ``cut=False`` its k nearest however far; distances, flags and times as brute force has them."""
    cut = cut or k is None
    urban = np.array(data.draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a))))
    masks = st.lists(st.booleans(), min_size=len(a), max_size=len(a))
    needs = {lv: np.array(data.draw(masks)) for lv in TABLE_LEVELS}
    offers = {lv: np.array(data.draw(st.lists(st.booleans(), min_size=len(b), max_size=len(b))))
              for lv in TABLE_LEVELS}
    # boarding stretches one limit per pair: with the k nearest, which of two tied places is the k-th would
    # decide a row, so it is drawn only for the all-within table
    board = (np.array(data.draw(st.lists(st.booleans(), min_size=len(b), max_size=len(b))))
             if k is None else np.zeros(len(b), bool))
    stretch = {"junior": factor}
    full = brute(a, b) * detour
    norm = {lv: np.array([SMALL.metres(lv, bool(u)) for u in urban]) for lv in TABLE_LEVELS}
    lim = {lv: np.array([SMALL.limit_metres(lv, bool(u)) for u in urban])[:, None]
           * np.where(board[None, :] & ~urban[:, None], stretch.get(lv, 1.0), 1.0) for lv in TABLE_LEVELS}
    t = travel.table(a, b, TABLE_LEVELS, SMALL, travel.StraightLine(detour), k=k, urban=urban, needs=needs,
                     offers=offers, boarding=board, stretch=stretch, cut=cut)
    _check_rows(t, full, lim, norm, offers)
    assert (t.n_origins, t.n_destinations) == (len(a), len(b))
    for lv in TABLE_LEVELS:
        part = t.of(lv)
        assert set(part.level) <= {lv}
        rows = part.by_origin()
        for i in range(len(a)):
            got = part.destination[rows[i]]
            if not needs[lv][i]:
                assert len(got) == 0
                continue
            off = np.flatnonzero(offers[lv])
            if k is None:
                assert sorted(got.tolist()) == [j for j in off if full[i, j] <= lim[lv][i, j] + TOL]
                continue
            reach_of = off[full[i, off] <= lim[lv][i, off] + TOL] if cut else off
            expect = np.sort(full[i, reach_of])[:k]
            assert np.allclose(np.sort(full[i, got]), expect)
            assert set(got) <= set(off)
    if cut:
        assert t.within_limit.all()


@settings(max_examples=40, deadline=None)
@given(coords, coords, st.sampled_from([1.0, 1.3]))
def test_table_to_a_radius_and_to_the_nearest_match_the_old_measures(a, b, detour) -> None:
    """Without reach: ``max_m`` gives the destinations within a radius (count_within, within), ``k=1`` each
    origin's nearest (nearest_distance); nothing is out of reach when no limit is given."""
    metric = travel.StraightLine(detour)
    t = travel.table(a, b, ("primary",), None, metric, max_m=1000.0)
    assert t.count().tolist() == travel.count_within(a, b, 1000.0, metric).tolist()
    rows = t.by_origin()
    hits = travel.within(a, b, 1000.0, metric)
    assert [sorted(t.destination[r].tolist()) for r in rows] == [h.tolist() for h in hits]
    assert t.within_limit.all() and t.within_norm.all()
    near = travel.table(a, b, ("primary",), None, metric, k=1)
    assert near.nearest_m().tolist() == travel.nearest_distance(a, b, metric).tolist()
    assert near.within_limit.all() and near.within_norm.all() and (near.count() == 1).all()


def test_table_time_is_distance_over_the_levels_speed() -> None:
    t = travel.table([[0, 0]], [[0, 900], [0, 3000]], ("primary", "junior", "high"), None, k=2)
    assert t.level.tolist() == ["primary"] * 2 + ["junior"] * 2 + ["high"] * 2
    assert t.distance_m.tolist() == [900.0, 3000.0] * 3
    # walking 4.5 km/h, cycling 12 km/h, a bus 25 km/h (travel.SPEED_KMH: the stated assumption)
    assert np.allclose(t.time_s, [720.0, 2400.0, 270.0, 900.0, 129.6, 432.0])
    assert np.isnan(travel.table([[0, 0]], [[0, 900]], ("any",), None, k=1).time_s).all()  # no level, no speed


def test_table_reach_flags_norm_limit_and_boarding() -> None:
    """A rural junior pupil (default norm 10 km, limit 15 km) may go 1.5 × the limit to a boarding school;
    an urban one (norm 1 km, limit 5 km) may not. The k nearest are taken first, then cut to the limit
    (the optimizer's pairs: a far day school among the k nearest keeps a boarding school out)."""
    units, urban = [[0, 0], [0, 0]], [False, True]
    sites = [[0, 800], [0, 6000], [0, 12000], [0, 16000], [0, 20000], [0, 23000]]
    boarding = [False, True, False, False, True, True]

    def junior(k: int | None, cut: bool = True) -> travel.Table:
        return travel.table(units, sites, ("junior",), REACH, k=k, urban=urban, boarding=boarding,
                            stretch={"junior": 1.5}, cut=cut, origin_ids=["村", "小区"],
                            destination_ids=list("abcdef"))

    t = junior(5)
    assert t.frame()[["origin_id", "destination_id", "rank"]].values.tolist() == [
        ["村", "a", 0], ["村", "b", 1], ["村", "c", 2], ["村", "e", 4], ["小区", "a", 0]]
    assert t.within_norm.tolist() == [True, True, False, False, True]
    assert junior(3).destination_id.tolist() == ["a", "b", "c", "a"]  # the 3 nearest, then the limit
    assert junior(None).destination_id.tolist() == ["a", "b", "c", "e", "a"]
    far = junior(6, cut=False)  # however far: flagged
    assert far.frame().query("origin == 0")["within_limit"].tolist() == [True, True, True, False, True, False]
    assert far.frame().query("origin == 1")["within_limit"].tolist() == [True, False, False, False, False, False]
    assert far.nearest_m().tolist() == [800.0, 800.0]


def test_table_needs_offers_and_bad_arguments() -> None:
    t = travel.table([[0, 0], [10, 0]], [[0, 5], [10, 5]], ("kindergarten", "primary"), None, k=2,
                     needs={"primary": np.array([False, True])}, offers={"kindergarten": np.array([True, False])})
    assert list(zip(t.level, t.origin, t.destination)) == [
        ("kindergarten", 0, 0), ("kindergarten", 1, 0), ("primary", 1, 1), ("primary", 1, 0)]
    empty = travel.table([[0, 0]], np.zeros((0, 2)), ("primary",), None, k=3)
    assert len(empty) == 0 and empty.nearest_m().tolist() == [math.inf] and empty.count().tolist() == [0]
    assert list(empty.frame().columns) == ["origin", "destination", "level", "rank", "distance_m", "time_s",
                                           "within_norm", "within_limit"]
    with pytest.raises(ValueError, match="not both"):
        travel.table([[0, 0]], [[1, 1]], ("primary",), REACH, urban=[True], max_m=10.0)
    with pytest.raises(ValueError, match="needs urban"):
        travel.table([[0, 0]], [[1, 1]], ("primary",), REACH)
    with pytest.raises(ValueError, match="needs k"):
        travel.table([[0, 0]], [[1, 1]], ("primary",), None, cut=False)
