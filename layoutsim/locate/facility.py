r"""Capacitated facility location (OR-Library ``cap`` convention).

.. math::

    \min \sum_j f_j y_j + \sum_{ij} c_{ij} x_{ij}\quad \text{s.t.}\
    \sum_j x_{ij} = 1,\ \sum_i d_i x_{ij} \le u_j y_j,\ x_{ij} \le y_j,\
    y \in \{0,1\}^m,\ 0 \le x \le 1.

``cost[i, j]`` is the cost of serving **all** of client ``i``'s demand from
site ``j``, so a fraction :math:`x_{ij}` costs :math:`c_{ij} x_{ij}`.  Demand
may be split (``x`` continuous) unless ``single_source=True`` (``x`` binary).
The linking rows :math:`x_{ij} \le y_j` are redundant for integer solutions but
tighten the LP relaxation a great deal.  An optional ``p`` fixes the number of
open sites (the capacitated p-median, OR-Library ``pmedcap``).

Lagrangian site fixing (split demand, large instances)
------------------------------------------------------
With split demand, HiGHS and at least ``_REDUCE_MIN_PAIRS`` client-site pairs,
the model is reduced before the MIP solve.  Relaxing the assignment rows with
multipliers :math:`\lambda_i` (Beasley 1988; Cornuéjols, Sridharan & Thizy 1991)
splits the problem by site: an open site :math:`j` serves the clients of
negative reduced cost :math:`c_{ij} - \lambda_i` in increasing order of
:math:`(c_{ij} - \lambda_i) / d_i` up to its capacity (a continuous knapsack of
value :math:`v_j`, :math:`f_j` included), so

.. math::

    L(\lambda) = \sum_i \lambda_i + \min \{\textstyle\sum_j v_j y_j :
    y \in \{0,1\}^m,\ k_{min} \le \sum_j y_j \le k_{max},\ y_j = 1\ (j\ \text{required})\}

is a lower bound of the full problem for every :math:`\lambda`, where
:math:`k_{min}` is the fewest sites whose largest capacities hold the total
demand (every feasible :math:`y` opens that many) and :math:`k_{max} = m`, or
:math:`k_{min} = k_{max} = p`.  Subgradient optimisation (Held, Wolfe &
Crowder 1974) raises it to :math:`L`.  The same minimum with :math:`y_j` forced
to 1 (to 0) bounds every solution that opens (closes) site :math:`j`; each site
keeps the largest such bounds over all multipliers tried.  The site sets the
relaxation selects are evaluated exactly (a transportation LP) and improved by
drop/add moves, giving a feasible value :math:`U`.

**Fixing against a target.**  For any value :math:`T`, a site whose "open"
bound exceeds :math:`T` is closed in every solution of value at most
:math:`T` and is removed; a site whose "closed" bound exceeds :math:`T` is
open in all of them and is fixed open (its linking rows are then implied by
:math:`x \le 1` and dropped).  The reduced model therefore holds every
solution of value :math:`\le T`, and HiGHS solves it with :math:`T` (plus a
rounding margin) as the objective cutoff, with the aggregate capacity row
:math:`\sum_j u_j y_j \ge \sum_i d_i` as a valid cut.  If it finds an optimum
:math:`z \le T`, that is the optimum of the full problem; otherwise the full
optimum exceeds :math:`T` (more precisely, :math:`\min(b, T)` bounds it, with
:math:`b` the model's MIP bound) and the next target is tried.  The targets are
:math:`L` raised by the relative gaps ``_TARGET_GAPS``, then :math:`U` itself,
where the argument needs no guess (classic reduced-cost fixing); a guess is
skipped when it would fix few more sites than the next one.  A guess just
above the optimum fixes far more sites than a loose heuristic value.  The
returned ``bound`` is the largest of :math:`L`, the targets proved empty and
:math:`\min(b, T)` of the last solve, so it is valid for the full problem.  If
:math:`L` already meets :math:`U` within the MIP gap, the heuristic solution is
returned as proven.
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pulp
from scipy.optimize import linprog
from scipy.sparse import coo_array, csr_array

from layoutsim.errors import LayoutsimError, SolverError
from layoutsim.locate import _solve
from layoutsim.solver import Status
from layoutsim.locate._common import add_row, as_matrix, as_required, as_vector, values
from layoutsim.locate.result import LocateResult, relative_gap

__all__ = ["facility_location"]

_EMPTY = np.zeros(0, dtype=np.int64)

#: Split-demand instances with at least this many client-site pairs get the
#: Lagrangian site fixing (below it the dense model is solved directly).
_REDUCE_MIN_PAIRS = 20_000

#: Relative margin by which a forced bound must exceed the incumbent before a
#: site is fixed, and by which the cutoff passed to HiGHS exceeds it (guards
#: against rounding in the bound computations).
_FIX_MARGIN = 1e-9


def facility_location(
    fixed_cost: np.ndarray | Iterable[float],
    capacity: np.ndarray | Iterable[float],
    demand: np.ndarray | Iterable[float],
    cost: np.ndarray,
    *,
    single_source: bool = False,
    p: int | None = None,
    required: Iterable[int] = (),
    time_limit_s: float | None = None,
    solver: str = "highs",
    mip_gap: float = _solve.DEFAULT_MIP_GAP,
) -> LocateResult:
    """Open sites and assign demand at minimum fixed plus service cost.

    Parameters
    ----------
    fixed_cost : array_like
        ``(m,)`` cost of opening each site.
    capacity : array_like
        ``(m,)`` capacity of each site (a scalar is broadcast).
    demand : array_like
        ``(n,)`` demand of each client.
    cost : numpy.ndarray
        ``(n, m)`` cost of serving all of client ``i``'s demand from site ``j``.
    single_source : bool
        If true each client is served by exactly one site.
    p : int, optional
        If given, exactly ``p`` sites are opened.
    required : iterable of int, optional
        Sites that must be open.
    time_limit_s : float, optional
        Solver wall-clock limit (with the Lagrangian reduction it covers the
        reduction and all solves).
    solver : {"highs", "cbc"}
        MIP solver.
    mip_gap : float
        Relative gap at which a solve counts as optimal.

    Returns
    -------
    LocateResult
        For split demand ``assignment`` is a ``scipy.sparse.csr_array`` of
        served fractions (rows sum to 1); for single source an integer array
        ``client -> site``.  ``status`` is ``"infeasible"`` when capacities
        cannot hold the demand.  Large split-demand instances are first
        reduced by Lagrangian site fixing (module docstring); ``stats`` then
        records the Lagrangian bound, the heuristic value and, per target
        tried, the sites fixed closed and open, the model size and the solver
        seconds.

    Raises
    ------
    layoutsim.errors.LayoutsimError
        On inconsistent inputs.
    layoutsim.errors.SolverError
        If the solver fails or finds no solution within the time limit.
    """
    start = time.perf_counter()
    c = as_matrix(cost, "cost")
    n, m = c.shape
    f = as_vector(fixed_cost, "fixed_cost", m, nonnegative=False)
    u = as_vector(capacity, "capacity", m)
    d = as_vector(demand, "demand", n)
    req = as_required(required, m)
    if p is not None and not (req.size <= p <= m and p >= 1):
        raise LayoutsimError(f"p must satisfy max(1, len(required)) <= p <= {m}, got {p}")
    req_mask = np.zeros(m, dtype=bool)
    req_mask[req] = True

    def time_left() -> float | None:
        return None if time_limit_s is None else time_limit_s - (time.perf_counter() - start)

    if single_source or solver != "highs" or n * m < _REDUCE_MIN_PAIRS:
        red = None
    else:
        red = _reduce(f, u, d, c, p, req_mask, mip_gap)
    if red is None:
        none = np.zeros(m, dtype=bool)
        prob, y, x = _build_model(
            f, u, d, c, ~none, req_mask, none, single_source, p, aggregate=False
        )
        out = _solve.run(prob, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
        if out.status == Status.INFEASIBLE:
            return LocateResult(
                status=Status.INFEASIBLE,
                objective=math.nan,
                bound=math.nan,
                gap=math.nan,
                seconds=time.perf_counter() - start,
                open_sites=_EMPTY,
                assignment=_EMPTY if single_source else csr_array((n, m)),
            )
        stats = {"variables": n * m + m, "rows": n * m + n + m, "solve_seconds": out.seconds}
        sites = np.ones(m, dtype=bool)
        open_mask, xv = _read_solution(y, x, sites, n, single_source)
        return _result(out.status, f, c, open_mask, xv, out.bound, single_source, start, stats)

    stats = {
        "lagrangian_bound": red.lower, "heuristic": red.upper,
        "reduce_seconds": time.perf_counter() - start, "targets": [], "fixed_closed": [],
        "fixed_open": [], "variables": [], "solve_seconds": [],
    }
    lower, value, open_mask, xv = red.lower, red.upper, red.open_sites, red.x
    status = Status.OPTIMAL if lower >= value - mip_gap * abs(value) else Status.TIME_LIMIT
    for target, cutoff, closed, opened in _targets(red, req_mask) if status != Status.OPTIMAL else ():
        sites = ~closed
        prob, y, x = _build_model(f, u, d, c, sites, opened, opened, False, p, aggregate=True)
        k = int(sites.sum())
        for key, val in (("targets", target), ("fixed_closed", int(closed.sum())),
                         ("fixed_open", int(opened.sum())), ("variables", n * k + k)):
            stats[key].append(val)
        try:
            out = _solve.run(prob, time_limit_s=time_left(), mip_gap=mip_gap, cutoff=cutoff)
        except SolverError:
            if time_limit_s is None:
                raise
            break
        stats["solve_seconds"].append(out.seconds)
        # The model holds every solution of value <= target; those outside are worth more.
        if out.status == Status.INFEASIBLE:
            lower = max(lower, min(target, value))
            continue
        trial_open, trial_x = _read_solution(y, x, sites, n, False)
        trial = float(f[trial_open].sum() + (c * trial_x).sum())
        if trial < value:
            value, open_mask, xv = trial, trial_open, trial_x
        if math.isfinite(out.bound):
            lower = max(lower, min(out.bound, target, value))
        if out.status == Status.OPTIMAL and trial <= cutoff:
            status = Status.OPTIMAL
            break
        if out.status != Status.OPTIMAL:
            break
    else:
        # Every target up to the heuristic value was tried: nothing beats the incumbent.
        status = Status.OPTIMAL if lower >= min(red.upper, value) - mip_gap * abs(value) else status
    return _result(status, f, c, open_mask, xv, lower, False, start, stats)


def _targets(
    red: _Reduction, req: np.ndarray
) -> list[tuple[float, float, np.ndarray, np.ndarray]]:
    """Increasing guesses of the optimum with their cutoffs and fixings (closed, open).

    The guesses are the Lagrangian bound raised by ``_TARGET_GAPS``, then the
    heuristic value.  A guess is kept only if it leaves at most
    ``_TARGET_SHRINK`` times as many sites unfixed as the next guess kept, so a
    failed guess is not paid for a model hardly smaller than the next one.
    """
    scale = max(1.0, abs(red.lower))
    guesses = [red.lower + g * scale for g in _TARGET_GAPS if red.lower + g * scale < red.upper]
    plan: list[tuple[float, float, np.ndarray, np.ndarray]] = []
    free_next = math.inf
    for target in [red.upper, *reversed(guesses)]:
        cutoff = target + _FIX_MARGIN * max(1.0, abs(target))
        closed, opened = red.fixings(cutoff, req)
        free = int((~closed & ~opened).sum())
        if free <= _TARGET_SHRINK * free_next:
            plan.append((target, cutoff, closed, opened))
            free_next = free
    return plan[::-1]


def _read_solution(
    y: list[pulp.LpVariable], x: list[list[pulp.LpVariable]], sites: np.ndarray, n: int,
    single_source: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Open-site mask and ``(n, m)`` fractions of a solved model on the columns ``sites``."""
    cols = np.flatnonzero(sites)
    open_mask = np.zeros(sites.size, dtype=bool)
    open_mask[cols] = values(y) > 0.5
    xv = np.zeros((n, sites.size))
    xv[:, cols] = [[v.varValue or 0.0 for v in row] for row in x]
    if single_source:
        xv[:, ~open_mask] = 0.0
        assignment = np.argmax(xv, axis=1)
        if not np.allclose(xv[np.arange(n), assignment], 1.0, atol=1e-6):
            raise SolverError("single-source solution is not integral")
        xv = np.zeros_like(xv)
        xv[np.arange(n), assignment] = 1.0
    return open_mask, xv


def _result(
    status: str, f: np.ndarray, c: np.ndarray, open_mask: np.ndarray, xv: np.ndarray, bound: float,
    single_source: bool, start: float, stats: dict[str, object],
) -> LocateResult:
    """The result record; split fractions are cleaned and renormalised, the objective recomputed."""
    xv = np.clip(xv, 0.0, 1.0)
    xv[:, ~open_mask] = 0.0
    xv[xv < 1e-9] = 0.0
    xv /= xv.sum(axis=1, keepdims=True)
    objective_value = float(f[open_mask].sum() + (c * xv).sum())
    bound = min(bound, objective_value) if math.isfinite(bound) else math.nan
    return LocateResult(
        status=status,
        objective=objective_value,
        bound=float(bound),
        gap=relative_gap(objective_value, bound),
        seconds=time.perf_counter() - start,
        open_sites=np.flatnonzero(open_mask),
        assignment=np.argmax(xv, axis=1) if single_source else csr_array(xv),
        stats=stats,
    )


def _build_model(
    f: np.ndarray,
    u: np.ndarray,
    d: np.ndarray,
    c: np.ndarray,
    sites: np.ndarray,
    one: np.ndarray,
    unlinked: np.ndarray,
    single_source: bool,
    p: int | None,
    *,
    aggregate: bool,
) -> tuple[pulp.LpProblem, list[pulp.LpVariable], list[list[pulp.LpVariable]]]:
    """The MIP on the columns ``sites``.

    ``one`` marks sites with y fixed to 1, ``unlinked`` sites without linking
    rows; ``aggregate`` adds the row ``sum_j u_j y_j >= sum_i d_i``.
    """
    n = c.shape[0]
    cols = np.flatnonzero(sites).tolist()
    prob = pulp.LpProblem("facility_location", pulp.LpMinimize)
    y = [prob.add_variable(f"y_{j}", 1 if one[j] else 0, 1, cat=pulp.LpInteger) for j in cols]
    x_cat = pulp.LpInteger if single_source else pulp.LpContinuous
    x = [[prob.add_variable(f"x_{i}_{j}", 0, 1, cat=x_cat) for j in cols] for i in range(n)]
    objective = list(zip(y, f[cols].tolist()))
    sub = c[:, cols]
    for i in range(n):
        objective.extend(zip(x[i], sub[i].tolist()))
        add_row(prob, x[i], 1.0, pulp.LpConstraintEQ, 1.0, f"assign_{i}")
    demand_list = d.tolist()
    for k, j in enumerate(cols):
        col = [x[i][k] for i in range(n)]
        add_row(
            prob, col + [y[k]], demand_list + [-float(u[j])], pulp.LpConstraintLE, 0.0, f"cap_{j}"
        )
        if unlinked[j]:
            continue
        for i in range(n):
            prob.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression([(x[i][k], 1.0), (y[k], -1.0)]),
                    pulp.LpConstraintLE,
                    f"link_{i}_{j}",
                    0.0,
                )
            )
    if aggregate:
        add_row(prob, y, u[cols].tolist(), pulp.LpConstraintGE, float(d.sum()), "aggregate")
    if p is not None:
        add_row(prob, y, 1.0, pulp.LpConstraintEQ, float(p), "count")
    prob.setObjective(pulp.LpAffineExpression(objective))
    return prob, y, x


# ------------------------------------------------------------ Lagrangian fixing

#: Subgradient iterations at most; the step factor is halved after
#: ``_LAGRANGE_PATIENCE`` iterations without a better bound and the loop stops
#: when it falls below ``_LAGRANGE_MIN_STEP``.
_LAGRANGE_ITERATIONS = 400
_LAGRANGE_PATIENCE = 15
_LAGRANGE_MIN_STEP = 2e-3
#: Every this many iterations the site set the relaxation selects is evaluated.
_EVALUATE_EVERY = 5
#: Guesses of the optimum tried before the heuristic value, as relative gaps
#: above the Lagrangian bound (see ``_targets``).
_TARGET_GAPS = (1e-3, 4e-3, 1.6e-2)
_TARGET_SHRINK = 0.8


@dataclass(frozen=True)
class _Reduction:
    """What the Lagrangian phase proved and found (masks over sites)."""

    lower: float
    upper: float
    open_sites: np.ndarray
    x: np.ndarray
    lb_open: np.ndarray
    lb_closed: np.ndarray

    def fixings(self, limit: float, req: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sites closed and open in every solution worth at most ``limit`` (required: open)."""
        opened = (self.lb_closed > limit) | req
        return (self.lb_open > limit) & ~opened, opened


def _min_open(u: np.ndarray, total: float) -> int:
    """Fewest sites whose capacities can hold ``total`` (``len(u) + 1`` if all cannot)."""
    held = np.cumsum(np.sort(u)[::-1])
    return int(np.searchsorted(held, total, side="left")) + 1


def _site_values(
    cT: np.ndarray, lam: np.ndarray, d: np.ndarray, u: np.ndarray, f: np.ndarray
) -> tuple[np.ndarray, csr_array]:
    """Each site's Lagrangian value if open and the fractions it would serve.

    Site ``j`` serves, up to its capacity, the clients with negative reduced
    cost ``c_ij - lam_i`` in increasing order of that cost per unit of demand
    (the continuous knapsack); returns ``v`` of shape ``(m,)`` (fixed cost
    included) and the fractions as a sparse ``(m, n)`` array.  Only the
    negative pairs are sorted (a few per cent of them near the optimum).
    """
    m, n = cT.shape
    a = cT - lam
    site, client = np.nonzero(a < 0)
    gain = a[site, client]
    with np.errstate(divide="ignore"):
        ratio = gain / d[client]
    order = np.lexsort((ratio, site))
    site, client, gain = site[order], client[order], gain[order]
    dd = d[client]
    before = np.concatenate(([0.0], np.cumsum(dd)))
    before = before[:-1] - before[np.searchsorted(site, np.arange(m))][site]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(dd > 0, np.clip((u[site] - before) / dd, 0.0, 1.0), 1.0)
    v = f + np.bincount(site, weights=gain * share, minlength=m)
    return v, csr_array((share, (site, client)), shape=(m, n))


def _selection_bounds(
    v: np.ndarray, kmin: int, kmax: int, req: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Minimise ``sum v_j y_j``, ``kmin <= |y| <= kmax``, ``req`` open; also per site forced.

    Returns the minimum, the minimising selection and, for every site, the
    minimum with that site forced open and forced closed (``inf`` when
    impossible).  The optimum takes the cheapest free sites, at least
    ``kmin`` and, while they are negative, up to ``kmax``; without one free
    site the same rule applies to the others, read off prefix sums.
    """
    m = v.size
    free = np.flatnonzero(~req)
    order = free[np.argsort(v[free], kind="stable")]
    w = v[order]
    size = w.size
    prefix = np.concatenate(([0.0], np.cumsum(w)))
    neg = int(np.count_nonzero(w < 0))
    lo, hi = max(kmin - int(req.sum()), 0), kmax - int(req.sum())
    base = float(v[req].sum())
    t0 = max(lo, min(hi, neg))
    chosen = req.copy()
    chosen[order[:t0]] = True
    forced_open = np.full(m, base + prefix[t0])
    forced_closed = np.full(m, np.inf)
    if size:
        drop_neg = neg - (w < 0)
        position = np.arange(size)

        def without(low: int, high: int) -> np.ndarray:
            t = np.maximum(low, np.minimum(high, drop_neg))
            tt = np.minimum(t, size - 1)
            best = np.where(tt <= position, prefix[tt], prefix[tt + 1] - w)
            return np.where(t <= size - 1, best, np.inf)

        forced_closed[order] = base + without(lo, hi)
        forced_open[order] = base + w + without(max(lo - 1, 0), hi - 1) if hi >= 1 else np.inf
    return base + float(prefix[t0]), chosen, forced_open, forced_closed


def _service(c: np.ndarray, d: np.ndarray, u: np.ndarray, sites: np.ndarray) -> np.ndarray | None:
    """Cheapest split assignment ``(n, m)`` to the open ``sites`` (a transportation LP), or None."""
    n, m = c.shape
    cols = np.flatnonzero(sites)
    k = cols.size
    if k == 0 or u[cols].sum() < d.sum():
        return None
    flat = np.arange(n * k)
    assign = coo_array((np.ones(n * k), (flat // k, flat)), shape=(n, n * k))
    load = coo_array((np.repeat(d, k), (flat % k, flat)), shape=(k, n * k))
    res = linprog(
        c[:, cols].ravel(), A_ub=load, b_ub=u[cols], A_eq=assign, b_eq=np.ones(n),
        bounds=(0.0, 1.0), method="highs",
    )
    if res.status != 0:
        return None
    x = np.zeros((n, m))
    x[:, cols] = res.x.reshape(n, k)
    return x


class _Incumbent:
    """Best heuristic solution so far; evaluates each site set once."""

    def __init__(self, f: np.ndarray, c: np.ndarray, d: np.ndarray, u: np.ndarray) -> None:
        self.f, self.c, self.d, self.u = f, c, d, u
        self.value = math.inf
        self.sites = np.zeros(len(f), dtype=bool)
        self.x: np.ndarray | None = np.zeros(c.shape)
        self._seen: dict[bytes, float] = {}

    def try_sites(self, sites: np.ndarray) -> float:
        """Value of the best assignment to ``sites`` (kept if best so far); inf if infeasible."""
        key = sites.tobytes()
        if key in self._seen:
            return self._seen[key]
        x = _service(self.c, self.d, self.u, sites)
        value = math.inf if x is None else float(self.f[sites].sum() + (self.c * x).sum())
        self._seen[key] = value
        if value < self.value:
            self.value, self.sites, self.x = value, sites.copy(), x
        return value

    def repair_and_try(self, sites: np.ndarray, v: np.ndarray, fixed_count: bool) -> None:
        """Add the closed sites of smallest ``v`` until capacity holds the demand; evaluate."""
        sites = sites.copy()
        total = self.d.sum()
        if not fixed_count:
            for j in np.argsort(v, kind="stable"):
                if self.u[sites].sum() >= total:
                    break
                sites[j] = True
        self.try_sites(sites)

    def local_search(self, v: np.ndarray, keep: np.ndarray, candidates: int) -> None:
        """Drop/add moves from the incumbent until none improves it.

        Drops are tried for every open site outside ``keep``, adds for the
        ``candidates`` closed sites with the smallest ``v``; first improvement.
        """
        improved = True
        while improved and math.isfinite(self.value):
            improved = False
            closed = np.flatnonzero(~self.sites)
            adds = closed[np.argsort(v[closed], kind="stable")][:candidates]
            for j in [*np.flatnonzero(self.sites & ~keep), *adds]:
                trial = self.sites.copy()
                trial[j] = not trial[j]
                before = self.value
                self.try_sites(trial)
                if self.value < before:
                    improved = True
                    break




def _reduce(
    f: np.ndarray, u: np.ndarray, d: np.ndarray, c: np.ndarray, p: int | None, req: np.ndarray,
    mip_gap: float,
) -> _Reduction | None:
    """Lagrangian bounds and a heuristic solution (module docstring); None if capacity is short."""
    n, m = c.shape
    kmin, kmax = _min_open(u, float(d.sum())), m if p is None else p
    if p is not None:
        kmin = max(kmin, p)
    if kmin > kmax:
        return None
    cT = np.ascontiguousarray(c.T)
    lam = np.partition(c, 1, axis=1)[:, 1] if m > 1 else c[:, 0].copy()
    inc = _Incumbent(f, c, d, u)
    lower, best_v = -math.inf, np.zeros(m)
    lb_open, lb_closed = np.full(m, -math.inf), np.full(m, -math.inf)
    step, stall = 2.0, 0
    for it in range(_LAGRANGE_ITERATIONS):
        v, frac = _site_values(cT, lam, d, u, f)
        value, chosen, forced_open, forced_closed = _selection_bounds(v, kmin, kmax, req)
        offset = float(lam.sum())
        bound = offset + value
        np.maximum(lb_open, offset + forced_open, out=lb_open)
        np.maximum(lb_closed, offset + forced_closed, out=lb_closed)
        if bound > lower:
            lower, best_v, stall = bound, v, 0
        else:
            stall += 1
            if stall >= _LAGRANGE_PATIENCE:
                step, stall = step / 2, 0
        if it % _EVALUATE_EVERY == 0:
            inc.repair_and_try(chosen, v, p is not None)
        if lower >= inc.value - mip_gap * abs(inc.value) or step < _LAGRANGE_MIN_STEP:
            break
        g = 1.0 - frac.T @ chosen.astype(float)
        norm = float(g @ g)
        if norm == 0.0:
            break
        target = inc.value if math.isfinite(inc.value) else bound + 0.05 * abs(bound) + 1.0
        lam = lam + step * (target - bound) / norm * g
    if p is None and lower < inc.value - mip_gap * abs(inc.value):
        inc.local_search(best_v, req, candidates=5)
    if not math.isfinite(inc.value) or inc.x is None:
        return None
    return _Reduction(lower, inc.value, inc.sites, inc.x, lb_open, lb_closed)
