"""Travel: the one place a distance between two places is computed.

Every stage that pairs residential units with schools or candidate sites reads one sparse :class:`Table`
(unit, site, level, distance_m, time_s, within_norm, within_limit) built here by :func:`table`: today's
assignment (the nearest schools with seats), the audit's nearest-school and schools-within-a-radius
measures, the optimizer's unit–site pairs within reach and the schools beside an estate, the attendance
zones' pairs. The table, not the metric, is what they read: a road network changes how the table is
filled, not the stages. What is not a unit→school pair still asks the functions below (:func:`nearest`,
:func:`within`, :func:`pairwise`…): the generator, the OR-Library reader, a closure's receiving schools, the
cell a school stands in. Places are ``(n, 2)`` arrays of x, y in metres (a layer in its local metric CRS:
:func:`xy`).

A :class:`Metric` turns straight-line geometry into travel distance. :class:`StraightLine` is the one
layoutsim has: the straight line times a detour factor (1.0 = as the crow flies; a uniform factor keeps
every order of nearness). A road-network metric plugs in by implementing the same three methods.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

if TYPE_CHECKING:
    from layoutsim.config.scenario import ReachConfig

__all__ = ["Metric", "StraightLine", "STRAIGHT", "SPEED_KMH", "TOLERANCE_M", "Table", "table", "xy", "nearest",
           "nearest_distance", "within", "count_within", "to_point", "pairwise"]


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

#: Door-to-door speed of a pupil of each level, km/h, for the table's ``time_s``. An assumption, stated
#: here once (no standard gives a pupil's speed): kindergarten and primary pupils walk, accompanied, at
#: 4.5 km/h, an adult's usual pace on a path (GB 50180-2018's 5-, 10- and 15-minute walking life circles,
#: 300, 500 and 800–1,000 m, imply 3–4 km/h as the crow flies: the same pace once paths detour 1.2–1.4×);
#: junior pupils cycle at 12 km/h; high-school pupils ride a bus at 25 km/h door to door. A road-network
#: metric would give times of its own; a label that is no level has no speed (``time_s`` NaN).
SPEED_KMH: dict[str, float] = {"kindergarten": 4.5, "primary": 4.5, "junior": 12.0, "high": 25.0}

#: A place this far (m) beyond a limit still counts as within it: float noise of the detour factor and of
#: the search bound never moves a place at the limit outside it.
TOLERANCE_M = 1e-6


@dataclass(frozen=True, eq=False)
class Table:
    """Origin→destination pairs by level, one row each, as columns (:func:`table` builds it).

    Rows are ordered by level (in the order asked), origin, then nearness: ``rank`` is how many of the
    level's destinations are nearer the origin (0: its nearest; a nearer one beyond its limit still counts). ``origin`` and ``destination`` index the places given to :func:`table`
    (``origin_id``/``destination_id`` name them when ids were given). ``within_norm``: within the standard's
    service radius (:meth:`ReachConfig.metres`); ``within_limit``: within the farthest a pupil may travel
    (:meth:`ReachConfig.limit_metres`, stretched to boarding destinations); without reach both are measured
    against ``max_m`` when one was given, and are ``True`` when neither was.
    """

    levels: tuple[str, ...]
    n_origins: int
    n_destinations: int
    origin: np.ndarray        # (n,) int
    destination: np.ndarray   # (n,) int
    level: np.ndarray         # (n,) str
    rank: np.ndarray          # (n,) int
    distance_m: np.ndarray    # (n,) float
    time_s: np.ndarray        # (n,) float: distance ÷ the level's speed (SPEED_KMH)
    within_norm: np.ndarray   # (n,) bool
    within_limit: np.ndarray  # (n,) bool
    origin_ids: np.ndarray | None = None       # (n_origins,)
    destination_ids: np.ndarray | None = None  # (n_destinations,)

    _COLUMNS: ClassVar[tuple[str, ...]] = ("origin", "destination", "level", "rank", "distance_m", "time_s",
                                           "within_norm", "within_limit")

    def __len__(self) -> int:
        return len(self.origin)

    def where(self, mask: np.ndarray) -> Table:
        """The rows where ``mask`` holds (in their order)."""
        cols = {c: getattr(self, c)[mask] for c in self._COLUMNS}
        return Table(self.levels, self.n_origins, self.n_destinations, origin_ids=self.origin_ids,
                     destination_ids=self.destination_ids, **cols)

    def of(self, level: str) -> Table:
        """The rows of one level."""
        return self.where(self.level == level)

    @property
    def origin_id(self) -> np.ndarray:
        """Each row's origin id (its index when no ids were given)."""
        return self.origin if self.origin_ids is None else np.asarray(self.origin_ids)[self.origin]

    @property
    def destination_id(self) -> np.ndarray:
        """Each row's destination id (its index when no ids were given)."""
        return self.destination if self.destination_ids is None else np.asarray(self.destination_ids)[self.destination]

    def nearest_m(self) -> np.ndarray:
        """``(n_origins,)``: each origin's distance to its nearest destination in the table; inf if none."""
        out = np.full(self.n_origins, math.inf)
        np.minimum.at(out, self.origin, self.distance_m)
        return out

    def count(self) -> np.ndarray:
        """``(n_origins,)``: how many rows each origin has."""
        return np.bincount(self.origin, minlength=self.n_origins).astype(int)

    def by_origin(self) -> list[np.ndarray]:
        """For each origin, the indices of its rows (in table order)."""
        order = np.argsort(self.origin, kind="stable")
        return np.split(order, np.searchsorted(self.origin[order], np.arange(1, self.n_origins)))

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (with ``origin_id`` and ``destination_id`` when ids were given)."""
        out = pd.DataFrame({c: getattr(self, c) for c in self._COLUMNS})
        if self.origin_ids is not None:
            out.insert(1, "origin_id", self.origin_id)
        if self.destination_ids is not None:
            out.insert(out.columns.get_loc("destination") + 1, "destination_id", self.destination_id)
        return out


def _no_rows() -> dict[str, np.ndarray]:
    return {"origin": np.zeros(0, int), "destination": np.zeros(0, int), "level": np.zeros(0, dtype=str),
            "rank": np.zeros(0, int), "distance_m": np.zeros(0), "time_s": np.zeros(0),
            "within_norm": np.zeros(0, bool), "within_limit": np.zeros(0, bool)}


def table(origins: ArrayLike, destinations: ArrayLike, levels: Sequence[str], reach: ReachConfig | None,
          metric: Metric = STRAIGHT, *, k: int | None = None, urban: ArrayLike | None = None,
          needs: Mapping[str, ArrayLike] | None = None, offers: Mapping[str, ArrayLike] | None = None,
          boarding: ArrayLike | None = None, stretch: Mapping[str, float] | None = None,
          max_m: float | None = None, cut: bool = True, origin_ids: ArrayLike | None = None,
          destination_ids: ArrayLike | None = None) -> Table:
    """The travel table: for each origin and level, its destinations within reach, measured once.

    ``origins`` and ``destinations`` are ``(n, 2)`` places; ``levels`` the levels to pair (:data:`SPEED_KMH`
    gives their times). ``needs[level]`` marks the origins that travel at a level (default: all),
    ``offers[level]`` the destinations that teach it (default: all).

    Reach: with ``reach`` each origin's norm and limit are its level's urban or rural ones (``urban``, per
    origin); a rural origin's limit to a ``boarding`` destination is stretched by ``stretch[level]`` (the
    boarding factor of junior and high schools). Without ``reach``, ``max_m`` (a rule's own radius) is both
    norm and limit; with neither there is no limit. ``k``: each origin's ``k`` nearest destinations of the
    level within the farthest limit (``None``: all of them). ``cut`` keeps only rows within their limit;
    ``cut=False`` keeps the ``k`` nearest however far (flagged by ``within_limit``).

    >>> t = table([[0, 0], [5000, 0]], [[300, 400], [0, 900], [5000, 2500]], ["primary"], None, k=2, max_m=1000)
    >>> t.origin.tolist(), t.destination.tolist(), t.distance_m.tolist(), t.time_s.round(0).tolist()
    ([0, 0], [0, 1], [500.0, 900.0], [400.0, 720.0])
    """
    o_xy, d_xy = _points(origins), _points(destinations)
    n_o, n_d = len(o_xy), len(d_xy)
    levels = tuple(levels)
    o_ids = None if origin_ids is None else np.asarray(origin_ids)
    d_ids = None if destination_ids is None else np.asarray(destination_ids)
    if reach is not None and max_m is not None:
        raise ValueError("give reach or max_m, not both")
    if k is None and not cut:
        raise ValueError("cut=False needs k (the k nearest however far)")
    if reach is not None and urban is None:
        raise ValueError("reach needs urban (per origin: urban or rural norms)")
    is_urban = np.zeros(n_o, bool) if urban is None else np.asarray(urban, dtype=bool).reshape(n_o)
    board = np.zeros(n_d, bool) if boarding is None else np.asarray(boarding, dtype=bool).reshape(n_d)
    parts: list[dict[str, np.ndarray]] = []
    for lv in levels:
        o = np.flatnonzero(np.ones(n_o, bool) if needs is None or lv not in needs else np.asarray(needs[lv], bool))
        d = np.flatnonzero(np.ones(n_d, bool) if offers is None or lv not in offers else np.asarray(offers[lv], bool))
        if len(o) == 0 or len(d) == 0:
            continue
        if reach is not None:
            norm = np.array([reach.metres(lv, bool(u)) for u in is_urban[o]])
            limit = np.array([reach.limit_metres(lv, bool(u)) for u in is_urban[o]])
        else:
            norm = limit = np.full(len(o), math.inf if max_m is None else float(max_m))
        s = float((stretch or {}).get(lv, 1.0))
        if k is not None:
            bound = float(limit.max() * s) + TOLERANCE_M if cut else math.inf
            dist, idx = nearest(o_xy[o], d_xy[d], k=min(k, len(d)), max_m=bound, metric=metric)
            rows, rank = np.nonzero(idx < len(d))
            row_o, row_d, row_m = rows, d[idx[rows, rank]], dist[rows, rank]
        else:
            bound = float(limit.max() * s)
            hits = (metric.within(o_xy[o], d_xy[d], bound) if math.isfinite(bound)
                    else [np.arange(len(d))] * len(o))
            row_o_l, row_d_l, row_m_l, rank_l = [], [], [], []
            for i, h in enumerate(hits):
                m = metric.pairwise(o_xy[o[i]:o[i] + 1], d_xy[d[h]])[0]
                by = np.argsort(m, kind="stable")
                row_o_l.append(np.full(len(h), i))
                row_d_l.append(d[h[by]])
                row_m_l.append(m[by])
                rank_l.append(np.arange(len(h)))
            row_o, row_d = np.concatenate(row_o_l).astype(int), np.concatenate(row_d_l).astype(int)
            row_m, rank = np.concatenate(row_m_l).astype(float), np.concatenate(rank_l).astype(int)
        lim = limit[row_o] * np.where(board[row_d] & ~is_urban[o][row_o], s, 1.0)
        in_limit = row_m <= lim + TOLERANCE_M
        keep = in_limit if cut else np.ones(len(row_m), bool)
        speed = SPEED_KMH.get(lv, math.nan) / 3.6
        parts.append({"origin": o[row_o][keep], "destination": row_d[keep], "level": np.full(int(keep.sum()), lv),
                      "rank": rank[keep], "distance_m": row_m[keep], "time_s": row_m[keep] / speed,
                      "within_norm": (row_m <= norm[row_o] + TOLERANCE_M)[keep], "within_limit": in_limit[keep]})
    cols = ({c: np.concatenate([p[c] for p in parts]) for c in parts[0]} if parts
            else _no_rows())
    return Table(levels, n_o, n_d, origin_ids=o_ids, destination_ids=d_ids, **cols)


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
