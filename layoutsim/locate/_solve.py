"""Run a PuLP model with HiGHS (in-process, via highspy) or CBC and read back status and bound.

PuLP 3.3 maps a HiGHS time-limit stop to ``LpStatusOptimal``, so the status
is read from the ``highspy.Highs`` object PuLP leaves in ``prob.solverModel``
instead.  That object also gives the MIP dual bound.  CBC (the binary bundled
with PuLP, driven through :class:`pulp.COIN_CMD` so no deprecation warning is
raised) reports no bound through PuLP; its bound is the objective when it
proves optimality and NaN otherwise.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import pulp
from pulp.apis import coin_api

from layoutsim.errors import SolverError

__all__ = ["SolveOutcome", "run", "quiet_highs", "DEFAULT_MIP_GAP", "SOLVERS"]

#: Relative MIP gap at which a solve counts as optimal.  HiGHS's own default
#: (1e-4) is far too loose to reproduce published optima to 1e-6.
DEFAULT_MIP_GAP = 1e-8

#: Accepted values of the ``solver`` argument.
SOLVERS = ("highs", "cbc")


@dataclass(frozen=True)
class SolveOutcome:
    """What one solver run produced.

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"time_limit"`` or ``"infeasible"``.
    objective : float
        Solver objective value of the incumbent (model sense), NaN if none.
    bound : float
        Best bound in the model's sense, NaN if unknown.
    seconds : float
        Wall-clock seconds spent in the solver call.
    """

    status: str
    objective: float
    bound: float
    seconds: float


_BANNER_SHOWN = False


def quiet_highs() -> None:
    """Keep HiGHS's banner off standard output.

    HiGHS (1.16) prints a banner on stdout the first time a process creates a solver, before any option
    (``output_flag``) can be set, which breaks ``--json`` outputs. So the first solver of each process is
    created here with file descriptor 1 pointed at the null device; the rest print nothing.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    _BANNER_SHOWN = True


def _make_solver(
    solver: str, time_limit_s: float | None, mip_gap: float, cutoff: float | None = None,
) -> pulp.LpSolver:
    if solver == "highs":
        if not pulp.HiGHS().available():
            raise SolverError("HiGHS (highspy) is not available")
        quiet_highs()
        extra = {} if cutoff is None else {"objective_bound": float(cutoff)}
        return pulp.HiGHS(
            msg=False, timeLimit=time_limit_s, gapRel=mip_gap, gapAbs=1e-9, **extra
        )
    if solver == "cbc":
        return pulp.COIN_CMD(
            path=coin_api.pulp_cbc_path, msg=False, timeLimit=time_limit_s, gapRel=mip_gap
        )
    raise SolverError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")


def run(
    prob: pulp.LpProblem,
    *,
    solver: str = "highs",
    time_limit_s: float | None = None,
    mip_gap: float = DEFAULT_MIP_GAP,
    cutoff: float | None = None,
) -> SolveOutcome:
    """Solve ``prob`` and classify the outcome.

    Parameters
    ----------
    prob : pulp.LpProblem
        A model without objective constant (HiGHS through PuLP drops it).
    solver : {"highs", "cbc"}
        Which solver to use.
    time_limit_s : float, optional
        Wall-clock limit for the solver.
    mip_gap : float
        Relative MIP gap tolerance.
    cutoff : float, optional
        HiGHS only: nodes whose bound reaches this value are pruned (pass a
        value strictly above a known feasible objective).

    Returns
    -------
    SolveOutcome
        Status, objective and bound in the model's own sense.

    Raises
    ------
    layoutsim.errors.SolverError
        If the solver errors, reports unboundedness, or stops without any
        feasible solution.
    """
    if time_limit_s is not None and time_limit_s <= 0:
        raise SolverError("time limit exhausted before the solver could start")
    engine = _make_solver(solver, time_limit_s, mip_gap, cutoff)
    start = time.perf_counter()
    try:
        prob.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"{solver} failed: {exc}") from exc
    seconds = time.perf_counter() - start
    if solver == "highs":
        return _read_highs(prob, seconds)
    return _read_cbc(prob, seconds)


def _read_highs(prob: pulp.LpProblem, seconds: float) -> SolveOutcome:
    import highspy

    model = prob.solverModel
    status = model.getModelStatus()
    info = model.getInfo()
    sign = -1.0 if prob.sense == pulp.LpMaximize else 1.0
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    hms = highspy.HighsModelStatus
    if status == hms.kInfeasible:
        return SolveOutcome("infeasible", math.nan, math.nan, seconds)
    if status == hms.kOptimal:
        name = "optimal"
    elif status in (hms.kTimeLimit, hms.kInterrupt, hms.kIterationLimit, hms.kSolutionLimit):
        if not has_solution:
            raise SolverError(
                f"HiGHS stopped ({model.modelStatusToString(status)}) without a feasible solution"
            )
        name = "time_limit"
    else:
        raise SolverError(f"HiGHS failed: {model.modelStatusToString(status)}")
    objective = sign * info.objective_function_value
    is_mip = any(v.cat == pulp.LpInteger for v in prob.variables())
    if is_mip:
        bound = sign * info.mip_dual_bound
    else:
        bound = objective if name == "optimal" else math.nan
    if not math.isfinite(bound):
        bound = objective if name == "optimal" else math.nan
    return SolveOutcome(name, objective, bound, seconds)


def _read_cbc(prob: pulp.LpProblem, seconds: float) -> SolveOutcome:
    status, sol = prob.status, prob.sol_status
    if status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        return SolveOutcome("infeasible", math.nan, math.nan, seconds)
    objective = pulp.value(prob.objective)
    if sol == pulp.LpSolutionOptimal and status == pulp.LpStatusOptimal:
        return SolveOutcome("optimal", float(objective), float(objective), seconds)
    if sol == pulp.LpSolutionIntegerFeasible and objective is not None:
        return SolveOutcome("time_limit", float(objective), math.nan, seconds)
    raise SolverError(f"CBC failed: {pulp.LpStatus.get(status, status)}")
