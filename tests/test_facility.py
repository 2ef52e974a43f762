"""Lagrangian site fixing in layoutsim.locate.facility against the dense model on small instances."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layoutsim.locate import facility, facility_location

PROPS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def brute_selection(v: np.ndarray, kmin: int, kmax: int, req: np.ndarray) -> float:
    """min sum v_j y_j over kmin <= |y| <= kmax with req open, by enumeration."""
    best = np.inf
    for bits in itertools.product((0, 1), repeat=v.size):
        y = np.array(bits, dtype=bool)
        if kmin <= y.sum() <= kmax and np.all(y[req]):
            best = min(best, float(v[y].sum()))
    return best


@PROPS
@given(st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_selection_bounds_match_enumeration(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.integers(-5, 6, m).astype(float)
    req = rng.random(m) < 0.2
    kmax = int(rng.integers(max(req.sum(), 1), m + 1))
    kmin = int(rng.integers(0, kmax + 1))
    value, chosen, forced_open, forced_closed = facility._selection_bounds(v, kmin, kmax, req)
    assert value == pytest.approx(brute_selection(v, kmin, kmax, req))
    assert value == pytest.approx(v[chosen].sum())
    assert kmin <= chosen.sum() <= kmax and np.all(chosen[req])
    for j in range(m):
        on, off = req.copy(), req.copy()
        on[j] = True
        assert forced_open[j] == pytest.approx(brute_selection(v, kmin, kmax, on))
        if req[j]:
            assert forced_closed[j] == np.inf
            continue
        rest = np.delete(v, j)
        assert forced_closed[j] == pytest.approx(brute_selection(rest, kmin, kmax, np.delete(off, j)))


def test_site_values_solve_each_knapsack() -> None:
    """v_j is the site's continuous-knapsack optimum, checked against an LP."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(7)
    n, m = 12, 4
    c = rng.uniform(0, 10, (n, m))
    d = rng.integers(0, 6, n).astype(float)
    u = rng.uniform(5, 20, m)
    f = rng.uniform(0, 5, m)
    lam = rng.uniform(0, 10, n)
    v, frac = facility._site_values(np.ascontiguousarray(c.T), lam, d, u, f)
    frac = frac.toarray()
    for j in range(m):
        res = linprog(c[:, j] - lam, A_ub=d[None, :], b_ub=[u[j]], bounds=(0, 1), method="highs")
        assert v[j] == pytest.approx(f[j] + res.fun, abs=1e-9)
        assert d @ frac[j] <= u[j] + 1e-9 and np.all((frac[j] >= 0) & (frac[j] <= 1))


@st.composite
def instances(draw):
    n = draw(st.integers(4, 25))
    m = draw(st.integers(2, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    demand = rng.integers(0, 10, n).astype(float)
    capacity = rng.integers(10, 60, m).astype(float)
    fixed = rng.uniform(0, 80, m)
    points, sites = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
    cost = demand[:, None] * np.hypot(*(points[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    p = draw(st.one_of(st.none(), st.integers(1, m)))
    required = draw(st.lists(st.integers(0, m - 1), max_size=1))
    return fixed, capacity, demand, cost, p, required


def _dense(fixed, capacity, demand, cost, **kw):
    return facility_location(fixed, capacity, demand, cost, **kw)


@PROPS
@given(instances())
def test_fixing_keeps_the_optimum(inst) -> None:
    """The Lagrangian bound is below the optimum, and every fixed site is fixed rightly.

    A site fixed closed: the optimum with it forced open is no better than the
    heuristic value; a site fixed open: the optimum without it is no better.
    The reduced solve returns the dense optimum.
    """
    fixed, capacity, demand, cost, p, required = inst
    if p is not None and p < len(set(required)):
        return
    dense = _dense(fixed, capacity, demand, cost, p=p, required=required)
    if dense.status == "infeasible":
        return
    opt = dense.objective
    tol = 1e-7 * max(1.0, abs(opt))
    req = np.zeros(len(fixed), dtype=bool)
    req[required] = True
    red = facility._reduce(fixed, capacity, demand, cost, p, req, 1e-8)
    if red is None:
        return
    assert red.lower <= opt + tol
    assert red.upper >= opt - tol
    closed, opened = red.fixings(red.upper * (1 + 1e-9) + 1e-9, req)
    assert not (closed & opened).any() and np.all(opened[req])
    for j in np.flatnonzero(closed):
        if p is not None and len({*required, j}) > p:
            continue
        forced = _dense(fixed, capacity, demand, cost, p=p, required=[*required, j])
        assert forced.status == "infeasible" or forced.objective >= red.upper - tol
    for j in np.flatnonzero(opened & ~req):
        keep = np.arange(len(fixed)) != j
        if p is not None and p > keep.sum():
            continue
        without = _dense(
            fixed[keep], capacity[keep], demand, cost[:, keep], p=p,
            required=[r - (r > j) for r in required],
        )
        assert without.status == "infeasible" or without.objective >= red.upper - tol
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(facility, "_REDUCE_MIN_PAIRS", 0)
        res = facility_location(fixed, capacity, demand, cost, p=p, required=required)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(opt, rel=1e-7, abs=1e-7)
    assert res.bound <= opt + tol and res.bound >= res.objective - tol
    x = res.assignment.toarray()
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-9)
    assert np.all(demand @ x <= capacity + 1e-6)
    assert set(np.flatnonzero(x.sum(axis=0) > 0)) <= set(res.open_sites.tolist())
    assert set(required) <= set(res.open_sites.tolist())
    if p is not None:
        assert len(res.open_sites) == p
    assert res.objective == pytest.approx(fixed[res.open_sites].sum() + (cost * x).sum(), rel=1e-12)
