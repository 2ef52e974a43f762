"""Travel: the one place a distance between two places is computed.

Every stage asks here: today's assignment (the nearest schools with seats), the audit (the nearest school,
schools within a radius, receiving schools of a closure), the optimizer (unit–site pairs within reach, a
school beside an estate), the generator and the OR-Library reader. Places are ``(n, 2)`` arrays of x, y in
metres (a layer in its local metric CRS: :func:`xy`).

A :class:`Metric` turns straight-line geometry into travel distance. :class:`StraightLine` is the one
layoutsim has: the straight line times a detour factor (1.0 = as the crow flies; a uniform factor keeps
every order of nearness). A road-network metric plugs in by implementing the same three methods.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

__all__ = ["Metric", "StraightLine", "STRAIGHT", "xy", "nearest", "nearest_distance", "within", "count_within",
           "to_point", "pairwise"]


class Metric(Protocol):
    """How far apart places are by the way people travel."""

    def nearest(self, origins: np.ndarray, targets: np.ndarray, k: int,
                max_m: float) -> tuple[np.ndarray, np.ndarray]: ...

    def within(self, origins: np.ndarray, targets: np.ndarray, radius_m: float) -> list[np.ndarray]: ...

    def pairwise(self, a: np.ndarray, b: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class StraightLine:
    """The straight line in a metric CRS, times ``detour`` (≥ 1)."""

    detour: float = 1.0

    def nearest(self, origins: np.ndarray, targets: np.ndarray, k: int,
                max_m: float) -> tuple[np.ndarray, np.ndarray]:
        bound = max_m / self.detour if math.isfinite(max_m) else math.inf
        dist, idx = cKDTree(targets).query(origins, k=k, distance_upper_bound=bound)
        return np.asarray(dist, float).reshape(len(origins), k) * self.detour, np.asarray(idx).reshape(len(origins), k)

    def within(self, origins: np.ndarray, targets: np.ndarray, radius_m: float) -> list[np.ndarray]:
        hits = cKDTree(targets).query_ball_point(origins, r=radius_m / self.detour)
        return [np.asarray(sorted(h), dtype=int) for h in hits]

    def pairwise(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)) * self.detour


#: The metric every stage uses unless told otherwise.
STRAIGHT = StraightLine()


def _points(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(-1, 2)


def xy(points) -> np.ndarray:  # noqa: ANN001 - a GeoSeries or a GeoDataFrame of points
    """The ``(n, 2)`` coordinates of a layer's points (in the layer's CRS: give a metric one)."""
    geom = getattr(points, "geometry", points)
    return np.column_stack([geom.x.to_numpy(dtype=float), geom.y.to_numpy(dtype=float)]).reshape(-1, 2)


def nearest(origins: ArrayLike, targets: ArrayLike, k: int = 1, max_m: float = math.inf,
            metric: Metric = STRAIGHT) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest targets of each origin within ``max_m``, nearest first.

    Returns distances and target indices, both ``(n, k)``; where fewer than ``k`` targets are in range the
    distance is ``inf`` and the index ``len(targets)``.

    >>> d, j = nearest([[0, 0], [10, 0]], [[3, 4], [10, 1]], k=2)
    >>> d.tolist(), j.tolist()
    ([[5.0, 10.04987562112089], [1.0, 8.06225774829855]], [[0, 1], [1, 0]])
    """
    origins, targets = _points(origins), _points(targets)
    if len(targets) == 0 or k < 1:
        return np.full((len(origins), max(k, 0)), math.inf), np.full((len(origins), max(k, 0)), len(targets))
    return metric.nearest(origins, targets, k, max_m)


def nearest_distance(origins: ArrayLike, targets: ArrayLike, metric: Metric = STRAIGHT) -> np.ndarray:
    """Distance from each origin to its nearest target; ``inf`` when there is none."""
    return nearest(origins, targets, 1, metric=metric)[0][:, 0]


def within(origins: ArrayLike, targets: ArrayLike, radius_m: float, metric: Metric = STRAIGHT) -> list[np.ndarray]:
    """For each origin, the indices of the targets within ``radius_m`` (ascending)."""
    origins, targets = _points(origins), _points(targets)
    if len(targets) == 0:
        return [np.zeros(0, dtype=int) for _ in range(len(origins))]
    return metric.within(origins, targets, radius_m)


def count_within(origins: ArrayLike, targets: ArrayLike, radius_m: float,
                 metric: Metric = STRAIGHT) -> np.ndarray:
    """How many targets lie within ``radius_m`` of each origin."""
    return np.array([len(h) for h in within(origins, targets, radius_m, metric)], dtype=int)


def to_point(origins: ArrayLike, point: ArrayLike, metric: Metric = STRAIGHT) -> np.ndarray:
    """Distance from each origin to one point."""
    return pairwise(origins, _points(point), metric)[:, 0]


def pairwise(a: ArrayLike, b: ArrayLike, metric: Metric = STRAIGHT) -> np.ndarray:
    """The full ``(len(a), len(b))`` distance matrix (for small sets: it holds every pair)."""
    return metric.pairwise(_points(a), _points(b))
