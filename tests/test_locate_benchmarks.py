"""layoutsim.locate reproduces published optima (OR-Library, spopt San Francisco).

Data: ``../shared/benchmarks`` relative to the repository root.  The selection
keeps the suite to roughly a minute on two cores; benchmarks/bench_locate.py
runs everything.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from layoutsim.locate import (
    facility_location,
    max_coverage,
    p_median,
    read_cap,
    read_pmed,
    read_pmedcap,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"benchmark data folder {DATA} is absent"
)
REL = 1e-6


def _optima(sub: str) -> list[dict[str, str]]:
    path = DATA / "orlib" / sub / "optimal.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# ------------------------------------------------------------------------- pmed

PMED_OPT = {r["instance"]: float(r["optimal"]) for r in _optima("pmed")}
# All forty; pmed36 (n = 800, p = 10) is the slowest at about 45 s.
PMED_IN_SUITE = [f"pmed{k}" for k in range(1, 41)]


@pytest.mark.parametrize("name", PMED_IN_SUITE)
def test_pmed_optimum(name: str) -> None:
    inst = read_pmed(DATA / "orlib" / "pmed" / f"{name}.txt")
    res = p_median(inst.cost, inst.weights, inst.p)
    assert res.status == "optimal"
    assert _rel(res.objective, PMED_OPT[name]) < REL
    assert res.bound <= res.objective + 1e-9 and res.gap < REL
    assert len(res.open_sites) == inst.p
    assert res.objective == pytest.approx(inst.cost[np.arange(inst.n), res.assignment].sum())


def test_pmed_headers_match_optimal_csv() -> None:
    for r in _optima("pmed"):
        first = (DATA / "orlib" / "pmed" / f"{r['instance']}.txt").read_text().split()[:3]
        assert int(first[0]) == int(r["n"]) and int(first[2]) == int(r["p"])


def test_pmed1_last_duplicate_edge_wins() -> None:
    """The first-wins (or cheapest) reading gives different distances on pmed1."""
    path = DATA / "orlib" / "pmed" / "pmed1.txt"
    inst = read_pmed(path)
    tok = path.read_text().split()
    m = int(tok[1])
    edges = np.asarray(tok[3 : 3 + 3 * m], dtype=int).reshape(m, 3)
    last: dict[tuple[int, int], int] = {}
    for i, j, c in edges:
        last[(min(i, j), max(i, j))] = c
    for (i, j), c in last.items():
        assert inst.cost[i - 1, j - 1] <= c
    assert np.allclose(inst.cost, inst.cost.T)


# -------------------------------------------------------------------------- cap

CAP_ROWS = _optima("cap")
CAP_SMALL = [r for r in CAP_ROWS if not r["capacity_override"]]
# capa/b/c (1000 x 100): the four that take under 10 s; all twelve (up to ~2 min each) in
# benchmarks/bench_locate.py.
CAP_BIG = [r for r in CAP_ROWS if f"{r['instance']}@{r['capacity_override']}" in
           {"capa@10000", "capa@14000", "capb@5000", "capc@7250"}]
CAP_IN_SUITE = CAP_SMALL + CAP_BIG


@pytest.mark.parametrize("row", CAP_IN_SUITE,
                         ids=[r["instance"] + (f"@{r['capacity_override']}" if r["capacity_override"] else "")
                              for r in CAP_IN_SUITE])
def test_cap_optimum(row: dict[str, str]) -> None:
    override = float(row["capacity_override"]) if row["capacity_override"] else None
    inst = read_cap(DATA / "orlib" / "cap" / f"{row['instance']}.txt", capacity=override)
    assert inst.cost.shape == (int(row["n"]), int(row["m"]))
    res = facility_location(inst.fixed_cost, inst.capacity, inst.demand, inst.cost)
    assert res.status == "optimal"
    assert _rel(res.objective, float(row["optimal"])) < REL
    assert res.bound <= res.objective * (1 + 1e-9) and res.gap < REL
    x = res.assignment.toarray()
    assert np.all(inst.demand @ x <= inst.capacity + 1e-6)


def test_capa_needs_a_capacity() -> None:
    from layoutsim.errors import DataError

    with pytest.raises(DataError):
        read_cap(DATA / "orlib" / "cap" / "capa.txt")


# ---------------------------------------------------------------------- pmedcap

PMEDCAP_ROWS = _optima("pmedcap")
PMEDCAP_IN_SUITE = [r for r in PMEDCAP_ROWS if r["instance"] in {"pmedcap01", "pmedcap02", "pmedcap03", "pmedcap04", "pmedcap05"}]


@pytest.mark.parametrize("row", PMEDCAP_IN_SUITE, ids=[r["instance"] for r in PMEDCAP_IN_SUITE])
def test_pmedcap_optimum(row: dict[str, str]) -> None:
    inst = read_pmedcap(DATA / "orlib" / "pmedcap" / f"{row['instance']}.txt")
    assert inst.reference_value == float(row["optimal"])
    n = len(inst.demand)
    res = facility_location(
        np.zeros(n), np.full(n, inst.capacity), inst.demand, inst.cost,
        single_source=True, p=inst.p, time_limit_s=240,
    )
    # The objective is the plain sum of distances (not demand-weighted), so the
    # distance matrix is exactly "the cost of serving all of client i from j".
    assert res.status == "optimal"
    assert _rel(res.objective, float(row["optimal"])) < REL
    load = np.bincount(res.assignment, weights=inst.demand, minlength=n)
    assert np.all(load <= inst.capacity + 1e-9)
    assert len(res.open_sites) == inst.p


# ----------------------------------------------------------------- spopt SF

SF = DATA / "spopt_sf"


def _sf() -> tuple[np.ndarray, np.ndarray, list[str]]:
    pd = pytest.importorskip("pandas")
    demand = pd.read_csv(SF / "SF_demand_205_centroid_uniform_weight.csv")
    dist = pd.read_csv(SF / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    table = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = demand.sort_values("NAME")
    assert np.allclose(table.index.to_numpy(dtype=float), demand["NAME"].to_numpy(dtype=float))
    return table.to_numpy(), demand["POP2000"].to_numpy(dtype=float), list(table.columns)


@pytest.mark.skipif(not SF.is_dir(), reason="spopt_sf data absent")
def test_spopt_sf_p_median() -> None:
    cost, pop, names = _sf()
    assert cost.shape == (205, 16) and pop.sum() == 955113
    res = p_median(cost, pop, 4)
    assert res.status == "optimal"
    assert _rel(res.objective, 2848268129.7145104) < REL
    assert _rel(res.objective / pop.sum(), 2982.1268579890657) < REL
    assert sorted(names[j] for j in res.open_sites) == sorted(
        ["Store_2", "Store_11", "Store_12", "Store_15"]
    )


@pytest.mark.skipif(not SF.is_dir(), reason="spopt_sf data absent")
def test_spopt_sf_mclp() -> None:
    cost, pop, names = _sf()
    res = max_coverage(cost <= 5000, pop, 4)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(875247)
    covered = res.assignment >= 0
    assert covered.sum() == 184
    assert 100 * covered.mean() == pytest.approx(89.75609756097561)
    assert sorted(names[j] for j in res.open_sites) == sorted(
        ["Store_2", "Store_11", "Store_12", "Store_15"]
    )


def test_pmed36_time_limit_returns_valid_bounds() -> None:
    """A short time limit still yields a feasible solution and a bound that brackets the optimum."""
    inst = read_pmed(DATA / "orlib" / "pmed" / "pmed36.txt")
    res = p_median(inst.cost, inst.weights, inst.p, time_limit_s=3)
    assert res.status == "time_limit" and res.stats["nodes"] > 0
    opt = PMED_OPT["pmed36"]
    assert res.bound <= opt + 1e-6 <= res.objective + 2e-6
    assert len(res.open_sites) == inst.p
    assert res.objective == pytest.approx(inst.cost[np.arange(inst.n), res.assignment].sum())
