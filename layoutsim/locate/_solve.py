"""The location core's use of the one solver runner (:mod:`layoutsim.solver`).

Here a solve that stops without any feasible solution is an error: every location model has a trivial
solution, so a stop before one means the time limit was too short to say anything.
"""
from __future__ import annotations

import pulp

from layoutsim.errors import SolverError
from layoutsim.solver import DEFAULT_MIP_GAP, SOLVERS, Outcome, Status, solve

__all__ = ["Outcome", "run", "DEFAULT_MIP_GAP", "SOLVERS"]


def run(prob: pulp.LpProblem, *, solver: str = "highs", time_limit_s: float | None = None,
        mip_gap: float = DEFAULT_MIP_GAP, cutoff: float | None = None) -> Outcome:
    """Solve ``prob`` (:func:`layoutsim.solver.solve`); :class:`SolverError` if it stopped without a solution."""
    out = solve(prob, solver, time_limit_s=time_limit_s, mip_gap=mip_gap, cutoff=cutoff)
    if out.status is Status.NO_SOLUTION:
        raise SolverError(f"{solver} stopped at its time limit without a feasible solution")
    return out
