"""The one place a mixed-integer model is solved, for the location core and the layout optimizer alike.

- HiGHS (in-process, through highspy) or CBC (PuLP's bundled binary, through :class:`pulp.COIN_CMD`);
- nothing on standard output: HiGHS prints a banner the first time a process creates a solver, before any
  option can silence it, so that first solver is made with file descriptor 1 on the null device
  (:func:`quiet_highs`); a solver's log goes to a file when one is given;
- one status vocabulary (:class:`Status`), read from the ``highspy.Highs`` object PuLP leaves in
  ``prob.solverModel`` (PuLP 3.3 maps a HiGHS time-limit stop to ``LpStatusOptimal``), with the MIP bound
  and gap; CBC reports no bound through PuLP (its bound is the objective when it proves optimality);
- where the solves run (this process, worker processes, a cluster) is :mod:`layoutsim.cluster`'s business.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pulp
from pulp.apis import coin_api

from layoutsim.errors import SolverError

__all__ = ["Status", "Outcome", "solve", "quiet_highs", "SOLVERS",
           "DEFAULT_MIP_GAP"]

#: Relative MIP gap at which a solve counts as optimal. HiGHS's own default (1e-4) is far too loose to
#: reproduce published optima to 1e-6.
DEFAULT_MIP_GAP = 1e-8

#: Accepted values of a ``solver`` argument.
SOLVERS = ("highs", "cbc")


class Status(str, Enum):
    """How a solve ended."""

    OPTIMAL = "optimal"          # proven within the gap
    TIME_LIMIT = "time_limit"    # stopped by a limit with a solution, not proven
    NO_SOLUTION = "no_solution"  # stopped by a limit before any solution
    INFEASIBLE = "infeasible"    # the model has no solution
    FAILED = "failed"            # the process solving it hung or died (set by whoever ran it)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.TIME_LIMIT)


@dataclass(frozen=True)
class Outcome:
    """What one solver run produced: objective, bound and gap in the model's own sense (NaN if unknown)."""

    status: Status
    objective: float
    bound: float
    gap: float
    seconds: float


_BANNER_SHOWN = False


def quiet_highs() -> None:
    """Create this process's first HiGHS solver with stdout on the null device (see the module docstring)."""
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


def _engine(solver: str, time_limit_s: float | None, mip_gap: float, threads: int | None,
            cutoff: float | None, log_file: Path | None) -> pulp.LpSolver:
    if solver == "highs":
        quiet_highs()
        extra: dict = {} if cutoff is None else {"objective_bound": float(cutoff)}
        if log_file is not None:
            extra.update(msg=True, log_to_console=False, log_file=str(log_file))
        engine = pulp.HiGHS(**{"msg": False, **extra}, timeLimit=time_limit_s, gapRel=mip_gap, gapAbs=1e-9,
                            threads=threads)
    elif solver == "cbc":
        engine = pulp.COIN_CMD(path=coin_api.pulp_cbc_path, msg=False, timeLimit=time_limit_s, gapRel=mip_gap,
                               threads=threads, **({} if log_file is None else {"logPath": str(log_file)}))
    else:
        raise SolverError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
    if not engine.available():
        raise SolverError(f"the {solver} solver is not available; install highspy or use solver = \"cbc\"")
    return engine


def solve(prob: pulp.LpProblem, solver: str = "highs", *, time_limit_s: float | None = None,
          mip_gap: float = DEFAULT_MIP_GAP, threads: int | None = None, cutoff: float | None = None,
          log_file: Path | None = None) -> Outcome:
    """Solve ``prob`` in place and say how it ended.

    ``cutoff`` (HiGHS only): nodes whose bound reaches it are pruned (pass a value strictly above a known
    feasible objective). ``log_file``: where the solver writes its log. A model without objective
    constant is assumed (HiGHS through PuLP drops it). Raises :class:`SolverError` if the solver errors
    or reports an unbounded model.
    """
    if time_limit_s is not None and time_limit_s <= 0:
        raise SolverError("time limit exhausted before the solver could start")
    engine = _engine(solver, time_limit_s, mip_gap, threads, cutoff, log_file)
    start = time.perf_counter()
    try:
        prob.solve(engine)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"{solver} failed: {exc}") from None
    seconds = time.perf_counter() - start
    if solver == "highs":
        return _read_highs(prob, seconds)
    return _read_cbc(prob, seconds)


def _gap(objective: float, bound: float) -> float:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return abs(objective - bound) / max(abs(objective), 1e-10)


def _read_highs(prob: pulp.LpProblem, seconds: float) -> Outcome:
    import highspy

    model = prob.solverModel
    status = model.getModelStatus()
    info = model.getInfo()
    sign = -1.0 if prob.sense == pulp.LpMaximize else 1.0
    hms = highspy.HighsModelStatus
    if status == hms.kInfeasible:
        return Outcome(Status.INFEASIBLE, math.nan, math.nan, math.nan, seconds)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == hms.kOptimal:
        name = Status.OPTIMAL
    elif status in (hms.kTimeLimit, hms.kInterrupt, hms.kIterationLimit, hms.kSolutionLimit):
        name = Status.TIME_LIMIT if has_solution else Status.NO_SOLUTION
    else:
        raise SolverError(f"HiGHS failed: {model.modelStatusToString(status)}")
    if name is Status.NO_SOLUTION:
        return Outcome(name, math.nan, math.nan, math.nan, seconds)
    objective = sign * info.objective_function_value
    is_mip = any(v.cat == pulp.LpInteger for v in prob.variables())
    bound = sign * info.mip_dual_bound if is_mip else (objective if name is Status.OPTIMAL else math.nan)
    if not math.isfinite(bound):
        bound = objective if name is Status.OPTIMAL else math.nan
    return Outcome(name, objective, bound, _gap(objective, bound), seconds)


def _read_cbc(prob: pulp.LpProblem, seconds: float) -> Outcome:
    status, sol = prob.status, prob.sol_status
    if status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        return Outcome(Status.INFEASIBLE, math.nan, math.nan, math.nan, seconds)
    objective = pulp.value(prob.objective)
    if sol == pulp.LpSolutionOptimal and status == pulp.LpStatusOptimal:
        return Outcome(Status.OPTIMAL, float(objective), float(objective), 0.0, seconds)
    if sol == pulp.LpSolutionIntegerFeasible and objective is not None:
        return Outcome(Status.TIME_LIMIT, float(objective), math.nan, math.nan, seconds)
    if sol == pulp.LpSolutionNoSolutionFound:
        return Outcome(Status.NO_SOLUTION, math.nan, math.nan, math.nan, seconds)
    raise SolverError(f"CBC failed: {pulp.LpStatus.get(status, status)}")
