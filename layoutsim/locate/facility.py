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
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable

import numpy as np
import pulp
from scipy.sparse import csr_array

from layoutsim.errors import LayoutsimError, SolverError
from layoutsim.locate import _solve
from layoutsim.locate._common import add_row, as_matrix, as_required, as_vector, values
from layoutsim.locate.result import LocateResult, relative_gap

__all__ = ["facility_location"]

_EMPTY = np.zeros(0, dtype=np.int64)


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
        Solver wall-clock limit.
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
        cannot hold the demand.

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

    prob = pulp.LpProblem("facility_location", pulp.LpMinimize)
    req_set = set(req.tolist())
    y = [
        prob.add_variable(f"y_{j}", 1 if j in req_set else 0, 1, cat=pulp.LpInteger)
        for j in range(m)
    ]
    x_cat = pulp.LpInteger if single_source else pulp.LpContinuous
    x = [[prob.add_variable(f"x_{i}_{j}", 0, 1, cat=x_cat) for j in range(m)] for i in range(n)]
    objective = list(zip(y, f.tolist()))
    for i in range(n):
        objective.extend(zip(x[i], c[i].tolist()))
        add_row(prob, x[i], 1.0, pulp.LpConstraintEQ, 1.0, f"assign_{i}")
    demand_list = d.tolist()
    for j in range(m):
        col = [x[i][j] for i in range(n)]
        add_row(
            prob, col + [y[j]], demand_list + [-float(u[j])], pulp.LpConstraintLE, 0.0, f"cap_{j}"
        )
        for i in range(n):
            prob.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression([(x[i][j], 1.0), (y[j], -1.0)]),
                    pulp.LpConstraintLE,
                    f"link_{i}_{j}",
                    0.0,
                )
            )
    if p is not None:
        add_row(prob, y, 1.0, pulp.LpConstraintEQ, float(p), "count")
    prob.setObjective(pulp.LpAffineExpression(objective))

    out = _solve.run(prob, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if out.status == "infeasible":
        return LocateResult(
            status="infeasible",
            objective=math.nan,
            bound=math.nan,
            gap=math.nan,
            seconds=time.perf_counter() - start,
            open_sites=_EMPTY,
            assignment=_EMPTY if single_source else csr_array((n, m)),
        )
    yv = values(y)
    open_mask = yv > 0.5
    xv = np.array([[v.varValue or 0.0 for v in row] for row in x], dtype=float)
    xv[:, ~open_mask] = 0.0
    np.clip(xv, 0.0, 1.0, out=xv)
    xv[xv < 1e-9] = 0.0
    if single_source:
        assignment = np.argmax(xv, axis=1)
        if not np.allclose(xv[np.arange(n), assignment], 1.0, atol=1e-6):
            raise SolverError("single-source solution is not integral")
        xv = np.zeros_like(xv)
        xv[np.arange(n), assignment] = 1.0
        assign_out: object = assignment
    else:
        xv /= xv.sum(axis=1, keepdims=True)
        assign_out = csr_array(xv)
    objective_value = float(f[open_mask].sum() + (c * xv).sum())
    bound = min(out.bound, objective_value) if math.isfinite(out.bound) else math.nan
    return LocateResult(
        status=out.status,
        objective=objective_value,
        bound=float(bound),
        gap=relative_gap(objective_value, bound),
        seconds=time.perf_counter() - start,
        open_sites=np.flatnonzero(open_mask),
        assignment=assign_out,
        stats={"variables": n * m + m, "rows": n * m + n + m, "solve_seconds": out.seconds},
    )
