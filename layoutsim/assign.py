"""Today's assignment: each unit's pupils go to the nearest school of the level with free seats.

A simple greedy rule, good enough to read today's layout: units are served in order of their distance to
their nearest school (closest first), each filling the nearest schools with seats left, within its county.
Pupils no school in the county can seat are unmet. The optimizer replaces this when a plan is asked for.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import travel
from .config.scenario import ReachConfig
from .schema import LEVELS, seats, teaches


@dataclass(frozen=True)
class Assignment:
    """Tidy results: ``flows`` (unit, school, level, pupils, distance_m) and ``unmet`` (unit, level, pupils)."""

    flows: pd.DataFrame
    unmet: pd.DataFrame


def _nearest(u_xy: np.ndarray, s_xy: np.ndarray, level: str, reach: ReachConfig | None, urban: np.ndarray | None,
             k: int) -> travel.Table:
    """The travel table of each unit's ``k`` nearest schools, however far (flagged by ``reach`` when given)."""
    return travel.table(u_xy, s_xy, (level,), reach, k=k, cut=False, urban=urban)


def _greedy(dem: np.ndarray, near: travel.Table, cap: np.ndarray,
            farther: Callable[[int], travel.Table]) -> tuple[list, np.ndarray]:
    """Fill nearest schools with capacity, reading the travel table ``near`` (each unit's nearest schools);
    ``farther(i)`` is unit ``i``'s table of every school, read when its nearest are full. Returns flows
    [(unit_i, school_j, pupils, d)] and unmet per unit."""
    rows = near.by_origin()
    left = cap.copy()
    unmet = np.zeros(near.n_origins)
    flows = []
    for i in np.argsort(near.nearest_m(), kind="stable"):
        need = dem[i]
        if need <= 0:
            continue
        d_i, j_i = near.distance_m[rows[i]], near.destination[rows[i]]
        if left[j_i].sum() < need and len(rows[i]) < near.n_destinations:  # look further when the nearest are full
            every = farther(int(i))
            d_i, j_i = every.distance_m, every.destination
        for d, j in zip(d_i, j_i):
            if left[j] <= 0:
                continue
            take = min(need, left[j])
            flows.append((i, j, take, d))
            left[j] -= take
            need -= take
            if need <= 1e-9:
                break
        unmet[i] = max(need, 0.0)
    return flows, unmet


def assign_nearest(residential: pd.DataFrame, schools: pd.DataFrame, pupils: pd.DataFrame,
                   county_of_unit: pd.Series, reach: ReachConfig | None = None) -> Assignment:
    """Assign every unit's pupils, level by level and county by county (high schools are county-bounded).

    Each county and level reads one travel table: each unit's 16 nearest schools with seats, however far
    (with ``reach``, flagged within the norm and the limit; the greedy rule itself does not read reach).
    """
    flows, unmet = [], []
    rxy = np.column_stack([residential.geometry.x, residential.geometry.y])
    sxy = np.column_stack([schools.geometry.x, schools.geometry.y])
    urban = residential["urban"].to_numpy(dtype=bool) if reach is not None else None
    unit_ids = residential["id"].to_numpy()
    school_ids = schools["id"].to_numpy()
    counties = county_of_unit.to_numpy()
    for level in LEVELS:
        demand = pupils[pupils["level"] == level].set_index("unit")["pupils"].reindex(unit_ids).fillna(0).to_numpy()
        cap = seats(schools, level)
        ok = teaches(schools, level) & (cap > 0)
        for county in np.unique(counties):
            units = np.flatnonzero(counties == county)
            here = np.flatnonzero(ok & (schools["county"].to_numpy() == county))
            if len(here) == 0:
                unmet += [(unit_ids[u], level, demand[u]) for u in units if demand[u] > 0]
                continue
            u_xy, s_xy, u_urban = rxy[units], sxy[here], None if urban is None else urban[units]
            near = _nearest(u_xy, s_xy, level, reach, u_urban, min(len(here), 16))
            f, u_left = _greedy(demand[units], near, cap[here], lambda i: _nearest(  # called within this loop
                u_xy[[i]], s_xy, level, reach, None if u_urban is None else u_urban[[i]], len(s_xy)))
            flows += [(unit_ids[units[i]], school_ids[here[j]], level, p, d) for i, j, p, d in f]
            unmet += [(unit_ids[units[i]], level, u_left[i]) for i in np.flatnonzero(u_left > 1e-9)]
    return Assignment(
        flows=pd.DataFrame(flows, columns=["unit", "school", "level", "pupils", "distance_m"]),
        unmet=pd.DataFrame(unmet, columns=["unit", "level", "pupils"]),
    )
