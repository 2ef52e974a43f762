r"""The p-median model, solved exactly on a sparse candidate-list reduction.

Model
-----
Clients :math:`i` with weights :math:`w_i`, sites :math:`j`, costs
:math:`c_{ij}`:

.. math::

    \min \sum_{ij} w_i c_{ij} x_{ij} \quad
    \text{s.t.}\ \sum_j x_{ij} = 1,\ x_{ij} \le y_j,\ \sum_j y_j = p,\
    y \in \{0,1\}^m,\ x \ge 0.

With binary :math:`y` an optimal :math:`x` assigns each client to its nearest
open site, so :math:`x` may stay continuous.

Sparsity with an exactness guarantee
------------------------------------
The dense model has :math:`n m` assignment variables and as many linking rows.
Instead, client :math:`i` only gets variables for its :math:`K_i` nearest sites
(its *candidate list* :math:`L_i`) plus one *far* variable :math:`f_i` whose cost
is :math:`w_i d_i^{(K_i+1)}`, the weighted distance to its :math:`(K_i{+}1)`-th
nearest site, with no linking row (``sum_j x_ij + f_i = 1``).  This is the
truncated radius idea of Elloumi (2010) and García, Labbé & Marín (2011):

* **The truncated model is a relaxation.**  For any set of open sites, a client
  whose nearest open site lies outside :math:`L_i` pays at least
  :math:`d_i^{(K_i+1)}`, which is exactly what :math:`f_i` charges.  So the
  truncated optimum (and the MIP dual bound of the truncated model) is a valid
  lower bound for the full problem.
* **Check and repair.**  The open sites of the truncated solution are
  evaluated in the *full* cost matrix (each client to its nearest open site).
  If that true cost meets the truncated bound within the MIP gap tolerance, it
  is a proven optimum of the full problem.  Otherwise some clients had no open
  site in their list; their lists are doubled and the model re-solved.  Lists
  only grow and are capped at :math:`m`, so the loop terminates, in the worst
  case at the dense model.

The initial :math:`K_i` come from the starting solution (see below):
:math:`K_i = \max(k_{min}, \lceil 1.5\,m/p \rceil, 2 r_i + k_{extra})`, where
:math:`r_i` (0-based) is the rank of the client's nearest open heuristic site.
A client found outside its list gets
:math:`K_i \leftarrow \max(2 K_i, 2 r'_i + k_{extra})` with :math:`r'_i` the rank of
the site it uses in the rejected solution, so one repair round is usually
enough.  ``sparse=False`` builds the dense model (used by the benchmark to
measure the saving).  ``LocateResult.stats`` records the rounds, the model
size and the solver time of each round.

Lagrangian pair elimination
---------------------------
Before the first solve, a subgradient Lagrangian relaxation of the assignment
rows (Beasley 1985, 1993) gives a lower bound :math:`L` and, with the best
known solution value :math:`U` (greedy + swap, improved by the site sets the
relaxation picks), a bound :math:`L_{ij}` on every solution that serves client
:math:`i` from site :math:`j`.  Pairs with :math:`L_{ij} > U` are zero in every
optimal solution and are removed from the candidate lists *before* truncation.
The reduced problem is a restriction that still contains every optimum, so the
truncated model's bound stays a valid bound for the full problem; the
Lagrangian bound is kept as a bound too.  On the OR-Library pmed set this
removes 90-99 % of the pairs.

Lagrangian branch and bound for small p
---------------------------------------
For small p the LP bound is weakest (about 1 % below the optimum on pmed35-39)
and HiGHS spends minutes on the degenerate root LP of 800-900 sites.  There
(``method="auto"`` with ``p <= 20``) the kept pairs go instead to a depth-first
branch and bound over the sites with the same Lagrangian bound at every node,
reduction tests that fix sites open or closed and drop pairs, and every
relaxed site choice evaluated as a solution (:mod:`layoutsim.locate._median_bb`,
after Beasley 1985, 1993).  It proves pmed35-39 optimal in 3-55 s (pmed36 the slowest).  When all
weights and costs are integers every solution value is an integer, so a node
bound above :math:`U - 1` prunes the node and the final bound is rounded up.

The starting solution is greedy addition followed by best-improvement swaps
(Whitaker's fast interchange, evaluated for all pairs of sites at once).

References
----------
Beasley, J.E. (1985) A note on solving large p-median problems. EJOR 21:270-273.
Beasley, J.E. (1993) Lagrangean heuristics for location problems. EJOR 65:383-399.
Whitaker, R. (1983) A fast algorithm for the greedy interchange for large-scale
clustering and median location problems. INFOR 21:95-108.

Elloumi, S. (2010) A tighter formulation of the p-median problem. J. Comb.
Optim. 19:69-83.  García, S., Labbé, M., Marín, A. (2011) Solving large
p-median problems with a radius formulation. INFORMS J. Comput. 23:546-556.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pulp
from scipy.sparse import csr_array

from layoutsim.errors import LayoutsimError, SolverError
from layoutsim.locate import _solve
from layoutsim.solver import Status
from layoutsim.locate._median_bb import branch_and_bound
from layoutsim.locate._common import add_row, as_matrix, as_required, as_vector, values
from layoutsim.locate.result import LocateResult, relative_gap

__all__ = ["p_median", "nearest_open_cost"]

_K_MIN = 8
_K_EXTRA = 4
_SHARE_FACTOR = 1.5
_LAGRANGE_ITERS = 300
#: ``method="auto"`` uses the Lagrangian branch and bound up to this p; beyond
#: it the LP relaxation is (nearly) integral and the MIP is faster.
_BB_MAX_P = 20
#: Weights times costs below this sum are exact in floating point.
_INTEGRAL_MAX = 2.0**50


def nearest_open_cost(
    cost: np.ndarray, weights: np.ndarray, open_sites: np.ndarray
) -> tuple[float, np.ndarray]:
    """Objective and assignment when every client goes to its nearest open site.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(n, m)`` client-to-site costs.
    weights : numpy.ndarray
        ``(n,)`` client weights.
    open_sites : numpy.ndarray
        Indices of the open sites (non-empty).

    Returns
    -------
    objective : float
        ``sum_i w_i min_{j open} cost[i, j]``.
    assignment : numpy.ndarray
        ``(n,)`` index of each client's nearest open site (lowest index on ties).
    """
    open_sites = np.sort(np.asarray(open_sites, dtype=np.int64))
    sub = cost[:, open_sites]
    pick = np.argmin(sub, axis=1)
    assignment = open_sites[pick]
    dist = sub[np.arange(cost.shape[0]), pick]
    return float(np.dot(weights, dist)), assignment


def _greedy(cost: np.ndarray, w: np.ndarray, p: int, start: np.ndarray) -> np.ndarray:
    """Add sites one at a time, each the one that lowers the total cost most."""
    n = cost.shape[0]
    chosen = [int(j) for j in start]
    cur = cost[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    while len(chosen) < p:
        totals = w @ (cost if not chosen else np.minimum(cost, cur[:, None]))
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        cur = np.minimum(cur, cost[:, j])
    return np.array(chosen, dtype=np.int64)


def _swap_search(cost: np.ndarray, w: np.ndarray, chosen: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Best-improvement swaps (one site out, one in) until none lowers the cost.

    With ``d1``/``d2`` each client's nearest and second-nearest open cost and
    ``r(i)`` its nearest open site, swapping ``r`` out and ``j`` in changes the
    cost by ``-sum_i w_i (d1_i - c_ij)^+ + sum_{i: r(i) = r} w_i [(d1_i - c_ij)^+
    + min(d2_i, c_ij) - d1_i]``; both sums are formed for every pair at once
    (Whitaker's fast interchange, vectorised).
    """
    n, m = cost.shape
    chosen = np.array(chosen, dtype=np.int64)
    if chosen.size < 2 or chosen.size >= m:
        return np.sort(chosen)
    movable = ~np.isin(chosen, fixed)
    rows = np.arange(n)
    while True:
        sub = cost[:, chosen]
        part = np.argpartition(sub, 1, axis=1)[:, :2]
        first = np.where(sub[rows, part[:, 0]] <= sub[rows, part[:, 1]], part[:, 0], part[:, 1])
        second = np.where(first == part[:, 0], part[:, 1], part[:, 0])
        d1, d2 = sub[rows, first], sub[rows, second]
        gain = np.maximum(d1[:, None] - cost, 0.0)
        loss = w[:, None] * (gain + np.minimum(d2[:, None], cost) - d1[:, None])
        owner = csr_array((np.ones(n), (first, rows)), shape=(chosen.size, n))
        delta = owner @ loss - w @ gain
        delta[:, chosen] = np.inf
        delta[~movable] = np.inf
        r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if not delta[r, j] < -1e-9 * max(1.0, float(w @ d1)):
            return np.sort(chosen)
        chosen[r] = j


def _heuristic(
    cost: np.ndarray, w: np.ndarray, p: int, required: np.ndarray, start: np.ndarray | None = None
) -> np.ndarray:
    """Greedy (from ``start`` or the required sites) then best-improvement swaps."""
    chosen = _greedy(cost, w, p, required if start is None else start)
    return _swap_search(cost, w, chosen, required)


def _lagrangian_keep(
    cost: np.ndarray,
    w: np.ndarray,
    p: int,
    required: np.ndarray,
    upper: float,
    heur: np.ndarray,
) -> tuple[np.ndarray, float, float, np.ndarray, np.ndarray]:
    """Subgradient Lagrangian bound and the client-site pairs that can be in an optimum.

    Relaxing the assignment rows with multipliers ``lam`` gives
    ``L = sum(lam) + sum_{j in P} rho_j`` with ``rho_j = sum_i min(0, w_i c_ij - lam_i)``
    and ``P`` the required sites plus the cheapest others.  Forcing ``x_ij = 1``
    raises this bound to ``L + max(0, a_ij) + [j not in P] (rho_j - max_{k in P} rho_k)``.
    A pair whose forced bound exceeds ``upper`` (the value of a feasible
    solution) is zero in every optimal solution and can be dropped.

    Returns
    -------
    keep : numpy.ndarray
        ``(n, m)`` boolean mask of the pairs that survive.
    lower : float
        Best Lagrangian lower bound found.
    upper : float
        Best feasible value seen (the given one or a Lagrangian site choice).
    best_open : numpy.ndarray
        The open sites of that solution.
    lam : numpy.ndarray
        The multipliers of the lower bound.
    """
    n, m = cost.shape
    wc = w[:, None] * cost
    free = np.ones(m, dtype=bool)
    free[required] = False
    n_free = p - required.size
    heur_site = heur[np.argmin(cost[:, heur], axis=1)]
    lam = wc[np.arange(n), heur_site]
    best_lower, best_lam = -np.inf, lam.copy()
    factor, stall = 2.0, 0
    free_idx = np.flatnonzero(free)

    def evaluate(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        a = wc - lam[:, None]
        rho = np.minimum(a, 0.0).sum(axis=0)
        chosen = required
        if n_free > 0:
            part = free_idx[np.argpartition(rho[free_idx], n_free - 1)[:n_free]]
            chosen = np.concatenate([required, part])
        return float(lam.sum() + rho[chosen].sum()), rho, chosen

    best_open = np.sort(heur)
    for _ in range(_LAGRANGE_ITERS):
        lower, rho, chosen = evaluate(lam)
        value = float(w @ cost[:, chosen].min(axis=1))
        if value < upper:  # Lagrangian heuristic: the relaxed choice of sites is feasible
            upper, best_open = value, np.sort(chosen)
        if lower > best_lower + 1e-12 * max(1.0, abs(lower)):
            best_lower, best_lam, stall = lower, lam.copy(), 0
        else:
            stall += 1
            if stall >= 15:
                factor, stall = factor / 2.0, 0
        if factor < 1e-4 or upper - best_lower <= 1e-9 * max(1.0, abs(upper)):
            break
        served = (wc[:, chosen] - lam[:, None] < 0.0).sum(axis=1)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = lam + factor * (upper - lower) / norm * g
    lower, rho, chosen = evaluate(best_lam)
    a = wc - best_lam[:, None]
    in_p = np.zeros(m, dtype=bool)
    in_p[chosen] = True
    if n_free > 0:
        site_pen = np.where(in_p, 0.0, rho - rho[chosen[required.size :]].max())
    else:  # every open site is required: no other site can open
        site_pen = np.where(in_p, 0.0, np.inf)
    forced = lower + np.maximum(a, 0.0) + site_pen[None, :]
    tol = 1e-9 * max(1.0, abs(upper)) + 1e-9
    keep = forced <= upper + tol
    best_site = best_open[np.argmin(cost[:, best_open], axis=1)]
    keep[np.arange(n), best_site] = True  # the best known solution stays feasible
    return keep, lower, upper, best_open, best_lam



def _build(
    cost: np.ndarray,
    w: np.ndarray,
    p: int,
    required: np.ndarray,
    lists: list[np.ndarray],
    lcosts: list[np.ndarray],
    k: np.ndarray,
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    n, m = cost.shape
    prob = pulp.LpProblem("p_median", pulp.LpMinimize)
    req = set(required.tolist())
    y = [
        prob.add_variable(f"y_{j}", 1 if j in req else 0, 1, cat=pulp.LpInteger)
        for j in range(m)
    ]
    objective: list[tuple[pulp.LpVariable, float]] = []
    for i in range(n):
        ki = int(k[i])
        sites = lists[i][:ki].tolist()
        xs = [prob.add_variable(f"x_{i}_{j}", 0, 1) for j in sites]
        objective.extend(zip(xs, (w[i] * lcosts[i][:ki]).tolist()))
        row = xs
        if ki < len(lists[i]):
            far = prob.add_variable(f"f_{i}", 0, 1)
            objective.append((far, float(w[i] * lcosts[i][ki])))
            row = xs + [far]
        add_row(prob, row, 1.0, pulp.LpConstraintEQ, 1.0, f"assign_{i}")
        for x, j in zip(xs, sites):
            prob.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression([(x, 1.0), (y[j], -1.0)]),
                    pulp.LpConstraintLE,
                    f"link_{i}_{j}",
                    0.0,
                )
            )
    add_row(prob, y, 1.0, pulp.LpConstraintEQ, float(p), "count")
    prob.setObjective(pulp.LpAffineExpression(objective))
    return prob, y


def _open_sites(out: Any, y: Any, p: int, model: str) -> np.ndarray:
    """The sites a solve opened; an "infeasible" answer or a wrong count is a solver failure, since the
    best known solution is feasible in every model we build (the reduced model too)."""
    if out.status == Status.INFEASIBLE:
        raise SolverError(f"{model} reported infeasible; this indicates a solver failure")
    open_sites = np.flatnonzero(values(y) > 0.5)
    if open_sites.size != p:
        raise SolverError(f"solver returned {open_sites.size} open sites instead of {p}")
    return open_sites


def _within_gap(value: float, bound: float, mip_gap: float) -> bool:
    """Whether ``bound`` proves ``value`` optimal within the relative gap ``mip_gap``."""
    return value - bound <= mip_gap * max(abs(value), 1.0) + 1e-9


def _candidate_lists(
    c: np.ndarray, p: int, keep: np.ndarray | None, heur: np.ndarray | None
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """Each client's kept sites and costs, nearest first, their counts and the initial list lengths ``k``.

    Without ``keep`` (the dense model) every site is kept and every list is whole.
    """
    n, m = c.shape
    order = np.argsort(c, axis=1, kind="stable")
    sorted_cost = np.take_along_axis(c, order, axis=1)
    if keep is None or heur is None:
        sizes = np.full(n, m)
        return [order[i] for i in range(n)], [sorted_cost[i] for i in range(n)], sizes, sizes.copy()
    keep_sorted = np.take_along_axis(keep, order, axis=1)
    lists = [order[i][keep_sorted[i]] for i in range(n)]
    lcosts = [sorted_cost[i][keep_sorted[i]] for i in range(n)]
    sizes = keep_sorted.sum(axis=1)
    # Rank of the heuristic site within each client's surviving list.
    inv = np.cumsum(keep_sorted, axis=1) - 1
    rank_full = np.argsort(order, axis=1)[:, heur].min(axis=1)
    rank = inv[np.arange(n), rank_full]
    share = math.ceil(_SHARE_FACTOR * m / p)
    return lists, lcosts, sizes, np.minimum(sizes, np.maximum(max(_K_MIN, share), 2 * rank + _K_EXTRA))


def _mip_rounds(
    c: np.ndarray, w: np.ndarray, p: int, req: np.ndarray, keep: np.ndarray | None,
    best_open: np.ndarray | None, best_obj: float, best_bound: float, *,
    solver: str, mip_gap: float, deadline: float | None, stats: dict[str, Any],
) -> tuple[float, np.ndarray | None, float, str]:
    """Solve the candidate-list model, growing short lists until the bound meets the best solution.

    Returns the best value, its sites, the bound and the status.
    """
    n, m = c.shape
    lists, lcosts, sizes, k = _candidate_lists(c, p, keep, best_open)
    status = Status.TIME_LIMIT
    while True:
        remaining = None
        if deadline is not None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                if best_open is None:
                    raise SolverError("p-median: time limit reached before a solve finished")
                break
        prob, y = _build(c, w, p, req, lists, lcosts, k)
        stats["rounds"] += 1
        stats["variables"].append(int(k.sum() + np.count_nonzero(k < sizes) + m))
        stats["rows"].append(int(k.sum() + n + 1))
        try:
            out = _solve.run(prob, solver=solver, time_limit_s=remaining, mip_gap=mip_gap)
        except SolverError:
            if best_open is None or deadline is None:
                raise
            break  # stopped by the time limit without a new solution: keep the incumbent
        stats["solve_seconds"].append(out.seconds)
        open_sites = _open_sites(out, y, p, "p-median model")
        objective, _ = nearest_open_cost(c, w, open_sites)
        if objective < best_obj:
            best_obj, best_open = objective, open_sites
        if math.isfinite(out.bound):
            # Every round's model is a relaxation of the (reduced) full problem.
            best_bound = max(best_bound, out.bound)
        if _within_gap(best_obj, best_bound, mip_gap):
            status = Status.OPTIMAL
            break
        if out.status != Status.OPTIMAL:
            break
        # Clients with no open site among their first k_i candidates: the far
        # variable under-charged them.  Grow their lists past the first open site.
        is_open = np.zeros(m, dtype=bool)
        is_open[open_sites] = True
        first_open = np.array(
            [int(np.argmax(is_open[lst])) if is_open[lst].any() else len(lst) for lst in lists]
        )
        grow = np.flatnonzero((first_open >= k) & (k < sizes))
        if grow.size == 0:  # cannot happen in exact arithmetic; guards the loop
            if relative_gap(best_obj, best_bound) > 1e-6:
                raise SolverError("p-median: could not prove optimality (numerical trouble)")
            status = Status.OPTIMAL
            break
        k[grow] = np.minimum(sizes[grow], np.maximum(2 * k[grow], 2 * first_open[grow] + _K_EXTRA))
    stats["final_list_sizes"] = {"mean": float(k.mean()), "max": int(k.max())}
    return best_obj, best_open, best_bound, status


def p_median(
    cost: np.ndarray,
    weights: np.ndarray | Iterable[float],
    p: int,
    *,
    required: Iterable[int] = (),
    time_limit_s: float | None = None,
    solver: str = "highs",
    sparse: bool = True,
    mip_gap: float = _solve.DEFAULT_MIP_GAP,
    method: str = "auto",
) -> LocateResult:
    """Choose ``p`` sites minimising the weighted distance to each client's nearest open site.

    Parameters
    ----------
    cost : numpy.ndarray
        ``(n, m)`` distance from client ``i`` to candidate site ``j``.
    weights : array_like
        ``(n,)`` non-negative client weights.
    p : int
        Number of sites to open (``len(required) <= p <= m``).
    required : iterable of int, optional
        Sites that must be open.
    time_limit_s : float, optional
        Wall-clock budget for all solver calls together.
    solver : {"highs", "cbc"}
        MIP solver of the MIP method (not used by the branch and bound).
    sparse : bool
        Use the candidate-list reduction (exact; see the module docstring).
        ``False`` builds the dense model.
    mip_gap : float
        Relative gap at which a solve counts as optimal.
    method : {"auto", "mip", "lagrangian"}
        ``"mip"`` solves the candidate-list model with ``solver``;
        ``"lagrangian"`` runs the Lagrangian branch and bound
        (:mod:`layoutsim.locate._median_bb`); ``"auto"`` uses the branch and
        bound for ``p <= 20``, where the LP bound is weakest, and the MIP above.
        Both need ``sparse=True``; with ``sparse=False`` the dense MIP is solved.

    Returns
    -------
    LocateResult
        ``assignment`` maps each client to its nearest open site; ``objective``
        is recomputed from ``cost`` and ``weights``; ``bound`` is a valid lower
        bound for the full problem.

    Raises
    ------
    layoutsim.errors.LayoutsimError
        On inconsistent inputs.
    layoutsim.errors.SolverError
        If the solver fails, or the time limit expires before any solution is
        known (with ``sparse=True`` the heuristic solution is always known, so
        a time limit yields ``status="time_limit"`` with the best solution and
        the best bound of all rounds, Lagrangian bound included).
    """
    start = time.perf_counter()
    c = as_matrix(cost, "cost")
    n, m = c.shape
    w = as_vector(weights, "weights", n)
    req = as_required(required, m)
    if not (isinstance(p, (int, np.integer)) and req.size <= p <= m and p >= 1):
        raise LayoutsimError(f"p must be an integer with max(1, len(required)) <= p <= {m}, got {p}")
    p = int(p)
    if method not in ("auto", "mip", "lagrangian"):
        raise LayoutsimError(f'method must be "auto", "mip" or "lagrangian", got {method!r}')
    deadline = None if time_limit_s is None else start + time_limit_s

    stats: dict[str, Any] = {"rounds": 0, "variables": [], "rows": [], "solve_seconds": []}
    if sparse and m > _K_MIN:
        heur = _heuristic(c, w, p, req)
        upper, _ = nearest_open_cost(c, w, heur)
        t0 = time.perf_counter()
        keep, lower, upper, heur, lam = _lagrangian_keep(c, w, p, req, upper, heur)
        if upper > lower * (1 + 1e-6):
            heur = _swap_search(c, w, heur, req)
            better, _ = nearest_open_cost(c, w, heur)
            if better < upper - 1e-9 * abs(upper):
                keep, lower, upper, heur, lam = _lagrangian_keep(c, w, p, req, better, heur)
        stats["lagrangian"] = {
            "seconds": time.perf_counter() - t0,
            "lower": lower,
            "upper": upper,
            "pairs_kept": int(keep.sum()),
        }
    else:
        keep = heur = lam = None  # type: ignore[assignment]  # no root reduction: nothing to keep
    best_open: np.ndarray | None = heur
    best_obj = upper if best_open is not None else math.inf
    best_bound = lower if best_open is not None else -math.inf
    status: str = Status.TIME_LIMIT
    integral = bool(
        np.all(w == np.round(w)) and np.all(c == np.round(c))
        and float(np.abs(w).sum() * np.abs(c).max()) < _INTEGRAL_MAX
    )
    if best_open is not None and integral:  # every solution value is an integer
        best_bound = math.ceil(best_bound - 1e-9 * max(1.0, abs(best_bound)))
    if best_open is not None and _within_gap(best_obj, best_bound, mip_gap):
        status = Status.OPTIMAL  # the Lagrangian bound closed the gap at the root
    use_bb = (
        status != Status.OPTIMAL and best_open is not None
        and (method == "lagrangian" or (method == "auto" and p <= _BB_MAX_P))
    )
    if use_bb:
        # Integer data: every solution value is an integer, so a node whose bound
        # exceeds U - 1 (by more than rounding error) holds nothing better than U.
        eps = 1e-9 * max(1.0, abs(best_obj))
        slack = mip_gap * max(abs(best_obj), 1.0)
        if integral:
            slack = max(slack, 1.0 - eps)
        assert best_open is not None and keep is not None and lam is not None
        bb = branch_and_bound(c, w, p, req, keep, lam, best_obj, best_open, slack=slack, deadline=deadline)
        stats["formulation"] = "lagrangian branch and bound"
        stats["nodes"], stats["iterations"] = bb.nodes, bb.iterations
        best_obj, best_open = bb.upper, bb.open_sites
        bound = math.ceil(bb.bound - eps / 2) if integral and math.isfinite(bb.bound) else bb.bound
        best_bound = max(best_bound, bound)
        if bb.finished or _within_gap(best_obj, best_bound, mip_gap):
            status = Status.OPTIMAL
    if not use_bb and status != Status.OPTIMAL:
        best_obj, best_open, best_bound, status = _mip_rounds(
            c, w, p, req, keep, best_open, best_obj, best_bound, solver=solver, mip_gap=mip_gap,
            deadline=deadline, stats=stats)
    assert best_open is not None
    objective, assignment = nearest_open_cost(c, w, best_open)
    bound = min(best_bound, objective) if math.isfinite(best_bound) else math.nan
    gap = relative_gap(objective, bound)
    return LocateResult(
        status=status,
        objective=objective,
        bound=float(bound),
        gap=gap,
        seconds=time.perf_counter() - start,
        open_sites=np.sort(best_open),
        assignment=assignment,
        stats=stats,
    )
