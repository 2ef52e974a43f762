r"""The maximal covering location problem (Church & ReVelle 1974).

.. math::

    \max \sum_i w_i z_i \quad \text{s.t.}\ z_i \le \sum_{j:\,a_{ij}} y_j,\
    \sum_j y_j = p,\ y \in \{0,1\}^m,\ 0 \le z \le 1.

``z`` may stay continuous: for binary ``y`` the right-hand side is an integer,
so an optimal ``z`` is 0 or 1.  Clients no site can cover are left out of the
model (they are never covered).
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterable

import numpy as np
import pulp

from layoutsim.errors import LayoutsimError, SolverError
from layoutsim.locate import _solve
from layoutsim.solver import Status
from layoutsim.locate._common import add_row, as_required, as_vector, values
from layoutsim.locate.result import LocateResult, relative_gap

__all__ = ["max_coverage"]


def max_coverage(
    cover: np.ndarray,
    weights: np.ndarray | Iterable[float],
    p: int,
    *,
    required: Iterable[int] = (),
    time_limit_s: float | None = None,
    solver: str = "highs",
    mip_gap: float = _solve.DEFAULT_MIP_GAP,
) -> LocateResult:
    """Open ``p`` sites covering the largest total client weight.

    Parameters
    ----------
    cover : numpy.ndarray
        ``(n, m)`` boolean; ``cover[i, j]`` is true when site ``j`` covers client ``i``.
    weights : array_like
        ``(n,)`` non-negative client weights.
    p : int
        Number of sites to open.
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
        ``objective`` is the covered weight (recomputed); ``bound`` an upper
        bound; ``assignment`` maps each client to the lowest-index open site
        covering it, or ``-1``.

    Raises
    ------
    layoutsim.errors.LayoutsimError
        On inconsistent inputs.
    layoutsim.errors.SolverError
        If the solver fails or finds no solution within the time limit.
    """
    start = time.perf_counter()
    a = np.asarray(cover)
    if a.ndim != 2 or a.size == 0:
        raise LayoutsimError(f"cover must be a non-empty 2-D array, got shape {a.shape}")
    a = a.astype(bool)
    n, m = a.shape
    w = as_vector(weights, "weights", n)
    req = as_required(required, m)
    if not (isinstance(p, (int, np.integer)) and req.size <= p <= m and p >= 1):
        raise LayoutsimError(f"p must be an integer with max(1, len(required)) <= p <= {m}, got {p}")

    prob = pulp.LpProblem("max_coverage", pulp.LpMaximize)
    req_set = set(req.tolist())
    y = [
        prob.add_variable(f"y_{j}", 1 if j in req_set else 0, 1, cat=pulp.LpInteger)
        for j in range(m)
    ]
    coverable = np.flatnonzero(a.any(axis=1) & (w > 0))
    z = [prob.add_variable(f"z_{i}", 0, 1) for i in coverable]
    for zi, i in zip(z, coverable):
        sites = np.flatnonzero(a[i])
        add_row(
            prob,
            [zi] + [y[j] for j in sites],
            [1.0] + [-1.0] * sites.size,
            pulp.LpConstraintLE,
            0.0,
            f"cover_{i}",
        )
    add_row(prob, y, 1.0, pulp.LpConstraintEQ, float(p), "count")
    prob.setObjective(pulp.LpAffineExpression(list(zip(z, w[coverable].tolist()))))

    out = _solve.run(prob, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if out.status == Status.INFEASIBLE:
        raise SolverError("max-coverage model reported infeasible; this indicates a solver failure")
    open_sites = np.flatnonzero(values(y) > 0.5)
    if open_sites.size != p:
        raise SolverError(f"solver returned {open_sites.size} open sites instead of {p}")
    sub = a[:, open_sites]
    covered = sub.any(axis=1)
    assignment = np.where(covered, open_sites[np.argmax(sub, axis=1)], -1)
    objective = float(w[covered].sum())
    bound = max(out.bound, objective) if math.isfinite(out.bound) else math.nan
    return LocateResult(
        status=out.status,
        objective=objective,
        bound=float(bound),
        gap=relative_gap(objective, bound),
        seconds=time.perf_counter() - start,
        open_sites=open_sites,
        assignment=assignment,
        stats={"variables": m + len(z), "rows": len(z) + 1, "solve_seconds": out.seconds},
    )
