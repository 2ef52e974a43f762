"""Input checks and small PuLP building helpers shared by the location models."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pulp

from layoutsim.errors import LayoutsimError

__all__ = ["as_matrix", "as_vector", "as_required", "add_row", "values"]


def as_matrix(a: object, name: str, *, dtype: type = float) -> np.ndarray:
    """Return ``a`` as a finite 2-D array or raise :class:`LayoutsimError`."""
    arr: np.ndarray = np.asarray(a, dtype=dtype)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise LayoutsimError(f"{name} must be a non-empty 2-D array, got shape {arr.shape}")
    if dtype is float and not np.all(np.isfinite(arr)):
        raise LayoutsimError(f"{name} must contain only finite numbers")
    return arr


def as_vector(a: object, name: str, size: int, *, nonnegative: bool = True) -> np.ndarray:
    """Return ``a`` as a finite 1-D float array of length ``size``."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        arr = np.full(size, float(arr))
    if arr.shape != (size,):
        raise LayoutsimError(f"{name} must have shape ({size},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise LayoutsimError(f"{name} must contain only finite numbers")
    if nonnegative and np.any(arr < 0):
        raise LayoutsimError(f"{name} must be non-negative")
    return arr


def as_required(required: Iterable[int], m: int) -> np.ndarray:
    """Return the sorted unique required site indices, checked against ``m`` sites."""
    req = np.unique(np.asarray(list(required), dtype=np.int64))
    if req.size and (req.min() < 0 or req.max() >= m):
        raise LayoutsimError(f"required site indices must lie in 0..{m - 1}")
    return req


def add_row(
    prob: pulp.LpProblem,
    variables: Sequence[pulp.LpVariable],
    coefs: Sequence[float] | float,
    sense: int,
    rhs: float,
    name: str,
) -> None:
    """Add ``sum(coefs * variables) <sense> rhs`` to ``prob`` without building sums term by term."""
    if isinstance(coefs, (int, float)):
        terms = [(v, float(coefs)) for v in variables]
    else:
        terms = list(zip(variables, coefs))
    prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, rhs))


def values(variables: Sequence[pulp.LpVariable]) -> np.ndarray:
    """Solution values of ``variables`` as a float array (unset values become 0)."""
    return np.array([v.varValue or 0.0 for v in variables], dtype=float)
