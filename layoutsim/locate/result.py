"""The result record shared by every location model."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from layoutsim.solver import Status

__all__ = ["LocateResult", "STATUSES"]

#: Every value :attr:`LocateResult.status` can take (a :class:`layoutsim.solver.Status`).
STATUSES = (Status.OPTIMAL, Status.TIME_LIMIT, Status.INFEASIBLE)


@dataclass(frozen=True)
class LocateResult:
    """Outcome of one location model solve.

    Attributes
    ----------
    status : str
        ``"optimal"`` (proven within the relative MIP gap tolerance),
        ``"time_limit"`` (stopped by the time limit with a feasible solution) or
        ``"infeasible"`` (the model has no solution; ``open_sites`` and
        ``assignment`` are then empty and the numbers are NaN).
    objective : float
        Objective value of the returned solution, recomputed from the input
        arrays (not copied from the solver).
    bound : float
        Best proven bound on the optimum of the full problem (a lower bound
        when minimising, an upper bound when maximising).
    gap : float
        Relative gap ``|objective - bound| / |objective|`` (0 when both are 0).
    seconds : float
        Wall-clock time of the whole call, model building included.
    open_sites : numpy.ndarray
        Sorted integer indices of the open sites.
    assignment : numpy.ndarray or scipy.sparse.csr_array
        For the p-median, max-coverage and single-source facility location: an
        integer array ``client -> site`` (``-1`` for a client left uncovered by
        max-coverage).  For split-demand facility location: a sparse
        ``(clients, sites)`` array of served fractions.
    stats : dict
        Model-size and iteration details (for benchmarks and logs).
    """

    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    open_sites: np.ndarray
    assignment: Any
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_optimal(self) -> bool:
        """Whether the solution is a proven optimum."""
        return self.status == "optimal"


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap between an objective value and a bound.

    Parameters
    ----------
    objective : float
        Value of a feasible solution.
    bound : float
        Proven bound on the optimum.

    Returns
    -------
    float
        ``|objective - bound| / |objective|``; 0 when both are 0, ``inf`` when
        only the objective is 0 or either value is not finite.
    """
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("inf")
    diff = abs(objective - bound)
    if diff == 0.0:
        return 0.0
    if objective == 0.0:
        return float("inf")
    return float(diff / abs(objective))
