"""layoutsim.locate on tiny hand-made cases with known answers, plus property tests."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_array

from layoutsim.errors import LayoutsimError, SolverError
from layoutsim.locate import (
    LocateResult,
    facility_location,
    max_coverage,
    p_median,
    read_cap,
    read_pmed,
    read_pmedcap,
)
from layoutsim.locate._median_bb import branch_and_bound
from layoutsim.locate._solve import Outcome, run
from layoutsim.locate.median import nearest_open_cost

PROPS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def brute_p_median(cost: np.ndarray, w: np.ndarray, p: int, required=()) -> float:
    best = np.inf
    for combo in itertools.combinations(range(cost.shape[1]), p):
        if not set(required) <= set(combo):
            continue
        best = min(best, float(w @ cost[:, list(combo)].min(axis=1)))
    return best


# ---------------------------------------------------------------- hand-made cases


def test_p_median_on_a_line() -> None:
    # Clients at 0, 1, 10, 11; sites at the same points.  p=2 -> one site per pair.
    x = np.array([0.0, 1.0, 10.0, 11.0])
    cost = np.abs(x[:, None] - x[None, :])
    res = p_median(cost, [1, 1, 1, 1], 2)
    assert isinstance(res, LocateResult)
    assert res.status == "optimal" and res.is_optimal
    assert res.objective == pytest.approx(2.0)
    assert res.bound == pytest.approx(2.0)
    assert res.gap == pytest.approx(0.0, abs=1e-9)
    assert len(res.open_sites) == 2
    assert res.open_sites.dtype.kind == "i" and list(res.open_sites) == sorted(res.open_sites)
    assert res.seconds > 0


def test_p_median_weights_pull_the_median() -> None:
    x = np.array([0.0, 1.0, 10.0, 11.0])
    cost = np.abs(x[:, None] - x[None, :])
    res = p_median(cost, [1, 1, 1, 100], 1)
    assert list(res.open_sites) == [3]
    assert res.objective == pytest.approx(11 + 10 + 1)
    assert list(res.assignment) == [3, 3, 3, 3]


def test_p_median_required_site_is_open() -> None:
    x = np.array([0.0, 1.0, 10.0, 11.0])
    cost = np.abs(x[:, None] - x[None, :])
    res = p_median(cost, [1, 1, 1, 1], 2, required=[0, 1])
    assert list(res.open_sites) == [0, 1]
    assert res.objective == pytest.approx(0 + 0 + 9 + 10)


def test_p_median_bad_inputs() -> None:
    cost = np.ones((3, 2))
    with pytest.raises(LayoutsimError):
        p_median(cost, [1, 1, 1], 3)
    with pytest.raises(LayoutsimError):
        p_median(cost, [1, 1], 1)
    with pytest.raises(LayoutsimError):
        p_median(cost, [1, 1, 1], 1, required=[5])
    with pytest.raises(LayoutsimError):
        p_median(cost, [1, -1, 1], 1)
    with pytest.raises(SolverError):
        p_median(cost, [1, 1, 1], 1, solver="gurobi")


def test_sparse_and_dense_p_median_agree() -> None:
    rng = np.random.default_rng(7)
    clients, sites = rng.uniform(0, 10, (150, 2)), rng.uniform(0, 10, (40, 2))
    cost = np.hypot(*(clients[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 12, 150)
    bb = p_median(cost, w, 4)
    sparse = p_median(cost, w, 4, method="mip")
    dense = p_median(cost, w, 4, sparse=False)
    assert bb.status == sparse.status == dense.status == "optimal"
    assert bb.stats["formulation"] == "lagrangian branch and bound"
    assert bb.objective == pytest.approx(dense.objective, rel=1e-9)
    assert sparse.objective == pytest.approx(dense.objective, rel=1e-9)
    assert sparse.stats["variables"][-1] < dense.stats["variables"][-1]


def test_sparse_p_median_repairs_short_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny initial lists the first relaxation is not tight; the repair loop must fix it."""
    import layoutsim.locate.median as pm

    monkeypatch.setattr(pm, "_K_MIN", 1)
    monkeypatch.setattr(pm, "_K_EXTRA", 0)
    monkeypatch.setattr(pm, "_SHARE_FACTOR", 0.0)
    monkeypatch.setattr(pm, "_heuristic", lambda c, w, p, r: np.arange(p))  # poor start
    monkeypatch.setattr(pm, "_swap_search", lambda c, w, chosen, r: chosen)
    monkeypatch.setattr(pm, "_LAGRANGE_ITERS", 0)
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 10, (60, 2))
    cost = np.hypot(*(pts[:, None, :] - pts[None, ::2, :]).transpose(2, 0, 1))
    w = np.ones(60)
    res = pm.p_median(cost, w, 3, method="mip")
    assert res.status == "optimal"
    assert res.stats["rounds"] >= 2
    assert res.objective == pytest.approx(brute_p_median(cost, w, 3), rel=1e-9)


@PROPS
@given(st.integers(6, 14), st.integers(4, 10), st.integers(1, 4), st.integers(0, 2**32 - 1), st.booleans())
def test_branch_and_bound_from_a_poor_start(n: int, m: int, p: int, seed: int, integral: bool) -> None:
    """Zero multipliers, every pair kept and an arbitrary incumbent force real branching."""
    rng = np.random.default_rng(seed)
    p = min(p, m)
    cost = rng.integers(0, 30, (n, m)).astype(float) if integral else rng.uniform(0, 10, (n, m))
    w = rng.integers(1, 5, n).astype(float)
    required = np.array([int(rng.integers(m))] if p > 1 and rng.random() < 0.3 else [], dtype=np.int64)
    start = np.unique(np.concatenate([required, np.setdiff1d(np.arange(m), required)[: p - required.size]]))
    upper = nearest_open_cost(cost, w, start)[0]
    best = brute_p_median(cost, w, p, required.tolist())
    slack = 1.0 - 1e-9 if integral else 1e-9
    res = branch_and_bound(cost, w, p, required, np.ones((n, m), dtype=bool), np.zeros(n), upper, start, slack=slack)
    assert res.finished
    assert res.upper == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert nearest_open_cost(cost, w, res.open_sites)[0] == pytest.approx(res.upper)
    assert set(required.tolist()) <= set(res.open_sites.tolist()) and res.open_sites.size == p
    assert res.bound <= best + 1e-9
    assert res.bound >= best - slack - 1e-9
    stopped = branch_and_bound(cost, w, p, required, np.ones((n, m), dtype=bool), np.zeros(n), upper, start,
                               slack=slack, deadline=0.0)
    assert not stopped.finished and stopped.nodes == 0 and stopped.bound <= best + 1e-9


def test_p_median_time_limit_keeps_a_valid_bound() -> None:
    rng = np.random.default_rng(6)  # a case the root does not close
    clients, sites = rng.uniform(0, 10, (300, 2)), rng.uniform(0, 10, (120, 2))
    cost = np.round(10 * np.hypot(*(clients[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)))
    w = rng.integers(1, 12, 300).astype(float)
    full = p_median(cost, w, 5)
    assert full.status == "optimal" and full.stats["nodes"] > 1 and full.gap == 0.0
    assert full.objective == p_median(cost, w, 5, method="mip").objective
    cut = p_median(cost, w, 5, time_limit_s=1e-6)
    assert cut.status == "time_limit"
    assert cut.bound <= full.objective * (1 + 1e-9)
    assert cut.objective >= full.objective * (1 - 1e-9)


def test_cbc_matches_highs() -> None:
    rng = np.random.default_rng(1)
    cost, w = rng.uniform(0, 10, (30, 10)), rng.integers(1, 5, 30)
    a = p_median(cost, w, 3, solver="highs", method="mip")
    b = p_median(cost, w, 3, solver="cbc", method="mip")
    assert a.objective == pytest.approx(b.objective, rel=1e-9)
    assert b.status == "optimal"
    c = max_coverage(cost < 3, w, 2, solver="cbc")
    assert c.objective == max_coverage(cost < 3, w, 2).objective
    f = facility_location(np.full(10, 5.0), np.full(10, 30.0), w, cost, solver="cbc")
    g = facility_location(np.full(10, 5.0), np.full(10, 30.0), w, cost)
    assert f.objective == pytest.approx(g.objective, rel=1e-9)


def test_facility_split_demand_hand_case() -> None:
    # Two sites, capacity 10 each, fixed 1; two clients of demand 8 each,
    # both cheaper at site 0.  Site 0 cannot take both: split needed.
    cost = np.array([[8.0, 80.0], [16.0, 32.0]])  # cost of ALL of a client's demand
    res = facility_location([1.0, 1.0], [10.0, 10.0], [8.0, 8.0], cost)
    assert res.status == "optimal"
    assert list(res.open_sites) == [0, 1]
    x = res.assignment.toarray()
    assert isinstance(res.assignment, csr_array)
    np.testing.assert_allclose(x.sum(axis=1), 1.0)
    # Site 0 carries 10 units: client 0 fully (8), client 1 a quarter (2).
    np.testing.assert_allclose(x, [[1.0, 0.0], [0.25, 0.75]], atol=1e-9)
    assert res.objective == pytest.approx(2 + 8 + 0.25 * 16 + 0.75 * 32)


def test_facility_single_source_and_p() -> None:
    cost = np.array([[1.0, 5.0, 9.0], [2.0, 4.0, 9.0], [9.0, 9.0, 1.0]])
    res = facility_location([0, 0, 0], [10, 10, 10], [6, 6, 6], cost, single_source=True)
    assert res.status == "optimal"
    assert list(res.assignment) == [0, 1, 2]
    assert res.objective == pytest.approx(1 + 4 + 1)
    res2 = facility_location([0, 0, 0], [20, 20, 20], [6, 6, 6], cost, single_source=True, p=2)
    assert len(res2.open_sites) == 2
    assert res2.objective == pytest.approx(1 + 2 + 1)


def test_facility_required_and_infeasible() -> None:
    cost = np.array([[1.0, 5.0], [2.0, 4.0]])
    res = facility_location([0.0, 100.0], [10, 10], [3, 3], cost, required=[1])
    assert list(res.open_sites) == [0, 1]
    bad = facility_location([0.0, 0.0], [1, 1], [3, 3], cost)
    assert bad.status == "infeasible"
    assert bad.open_sites.size == 0 and np.isnan(bad.objective)


def test_max_coverage_hand_case() -> None:
    cover = np.array(
        [[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=bool
    )
    res = max_coverage(cover, [5, 1, 4, 3, 100], 2)
    assert res.status == "optimal"
    assert list(res.open_sites) == [0, 1]
    assert res.objective == pytest.approx(10)
    assert res.bound >= res.objective - 1e-9
    assert list(res.assignment) == [0, 0, 1, -1, -1]


def test_time_limit_zero_is_an_error() -> None:
    with pytest.raises(SolverError):
        p_median(np.ones((3, 2)), [1, 1, 1], 1, time_limit_s=0.0)


def test_solve_outcome_reports_time_limit() -> None:
    import pulp

    prob = pulp.LpProblem("t", pulp.LpMinimize)
    v = prob.add_variable("v", 0, 1, cat=pulp.LpInteger)
    prob.setObjective(pulp.LpAffineExpression([(v, 1.0)]))
    out = run(prob)
    assert isinstance(out, Outcome)
    assert out.status == "optimal" and out.objective == 0.0 and out.bound == 0.0


# ---------------------------------------------------------------- readers


def test_read_pmed_last_edge_wins(tmp_path) -> None:
    f = tmp_path / "pmedX.txt"
    f.write_text("3 3 1\n1 2 5\n2 3 1\n2 1 1\n")
    inst = read_pmed(f)
    assert inst.name == "pmedX" and inst.p == 1 and inst.n == 3
    np.testing.assert_array_equal(inst.cost, [[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    np.testing.assert_array_equal(inst.weights, [1, 1, 1])


def test_read_cap_and_symbolic_capacity(tmp_path) -> None:
    f = tmp_path / "capX.txt"
    f.write_text(" 2 2\n 10 7.\n 20 0.\n 3\n 1.5 2.5\n 4\n 3.\n 1.\n")
    inst = read_cap(f)
    np.testing.assert_array_equal(inst.capacity, [10, 20])
    np.testing.assert_array_equal(inst.fixed_cost, [7, 0])
    np.testing.assert_array_equal(inst.demand, [3, 4])
    np.testing.assert_array_equal(inst.cost, [[1.5, 2.5], [3, 1]])
    g = tmp_path / "capY.txt"
    g.write_text(" 2 1\n capacity 7.\n capacity 0.\n 3\n 1.5 2.5\n")
    with pytest.raises(LayoutsimError):
        read_cap(g)
    np.testing.assert_array_equal(read_cap(g, capacity=50).capacity, [50, 50])
    h = tmp_path / "capZ.txt"
    h.write_text(" 2 2\n 10 7.\n")
    with pytest.raises(LayoutsimError):
        read_cap(h)


def test_read_pmedcap_floor_distance(tmp_path) -> None:
    f = tmp_path / "pmedcapX.txt"
    f.write_bytes(b" 1 99\r\n 3 1 10\r\n 1 0 0 2\r\n 2 3 4 3\r\n 3 1 1 4")
    inst = read_pmedcap(f)
    assert inst.reference_value == 99 and inst.p == 1 and inst.capacity == 10
    np.testing.assert_array_equal(inst.demand, [2, 3, 4])
    assert inst.cost[0, 1] == 5 and inst.cost[0, 2] == 1 and inst.cost[1, 2] == 3


# ---------------------------------------------------------------- properties


@st.composite
def pm_instances(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 6))
    p = draw(st.integers(1, m))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    integer = draw(st.booleans())
    cost = rng.integers(0, 20, (n, m)).astype(float) if integer else rng.uniform(0, 10, (n, m))
    w = rng.integers(0, 12, n).astype(float)
    n_req = draw(st.integers(0, min(p, 2)))
    required = rng.choice(m, n_req, replace=False).tolist()
    return cost, w, p, required


@PROPS
@given(pm_instances())
def test_p_median_properties(inst) -> None:
    cost, w, p, required = inst
    res = p_median(cost, w, p, required=required)
    assert res.status == "optimal"
    assert len(res.open_sites) == p and len(set(res.open_sites.tolist())) == p
    assert set(required) <= set(res.open_sites.tolist())
    assert set(res.assignment.tolist()) <= set(res.open_sites.tolist())
    recomputed = float(w @ cost[np.arange(len(w)), res.assignment])
    assert res.objective == pytest.approx(recomputed, rel=1e-12, abs=1e-9)
    assert nearest_open_cost(cost, w, res.open_sites)[0] == pytest.approx(recomputed)
    assert res.bound <= res.objective + 1e-9
    assert res.objective == pytest.approx(brute_p_median(cost, w, p, required), rel=1e-7, abs=1e-7)


@st.composite
def fl_instances(draw):
    n = draw(st.integers(1, 10))
    m = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    demand = rng.integers(1, 10, n).astype(float)
    capacity = rng.integers(5, 30, m).astype(float)
    fixed = rng.integers(0, 50, m).astype(float)
    cost = rng.uniform(0, 20, (n, m))
    return fixed, capacity, demand, cost, draw(st.booleans())


@PROPS
@given(fl_instances())
def test_facility_properties(inst) -> None:
    fixed, capacity, demand, cost, single = inst
    res = facility_location(fixed, capacity, demand, cost, single_source=single)
    if res.status == "infeasible":
        assert single or capacity.sum() < demand.sum()
        return
    assert res.status == "optimal"
    n, m = cost.shape
    if single:
        x = np.zeros((n, m))
        x[np.arange(n), res.assignment] = 1.0
    else:
        x = res.assignment.toarray()
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=1e-9)
    assert set(np.flatnonzero(x.sum(axis=0) > 0)) <= set(res.open_sites.tolist())
    load = demand @ x
    assert np.all(load <= capacity + 1e-6)
    recomputed = fixed[res.open_sites].sum() + (cost * x).sum()
    assert res.objective == pytest.approx(recomputed, rel=1e-12)
    assert res.bound <= res.objective + 1e-6


@PROPS
@given(st.integers(1, 10), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_max_coverage_properties(n: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cover = rng.random((n, m)) < 0.3
    w = rng.integers(0, 10, n).astype(float)
    p = int(rng.integers(1, m + 1))
    res = max_coverage(cover, w, p)
    assert res.status == "optimal" and len(res.open_sites) == p
    covered = cover[:, res.open_sites].any(axis=1)
    assert res.objective == pytest.approx(w[covered].sum())
    assert np.array_equal(res.assignment >= 0, covered)
    best = max(
        w[cover[:, list(c)].any(axis=1)].sum() for c in itertools.combinations(range(m), p)
    )
    assert res.objective == pytest.approx(best)


@PROPS
@given(st.integers(9, 16), st.integers(9, 14), st.integers(1, 3), st.integers(0, 2**32 - 1), st.booleans())
def test_sparse_p_median_matches_brute_force(n: int, m: int, p: int, seed: int, req: bool) -> None:
    """Large enough for the candidate lists and the Lagrangian pair elimination to engage."""
    rng = np.random.default_rng(seed)
    if rng.random() < 0.5:
        cost = rng.integers(0, 6, (n, m)).astype(float)  # many ties
    else:
        pts, sites = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (m, 2))
        cost = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(0, 12, n).astype(float)
    required = [int(rng.integers(m))] if req else []
    res = p_median(cost, w, p, required=required)
    assert res.status == "optimal"
    assert set(required) <= set(res.open_sites.tolist())
    assert res.bound <= res.objective + 1e-7
    assert res.objective == pytest.approx(brute_p_median(cost, w, p, required), rel=1e-7, abs=1e-7)
