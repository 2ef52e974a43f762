"""Today's assignment: each unit's pupils go to the nearest school of the level with free seats.

A simple greedy rule, good enough to read today's layout: units are served in order of their distance to
their nearest school (closest first), each filling the nearest schools with seats left, within its county.
Pupils no school in the county can seat are unmet. The optimizer replaces this when a plan is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import travel
from .schema import LEVELS, seats, teaches


@dataclass(frozen=True)
class Assignment:
    """Tidy results: ``flows`` (unit, school, level, pupils, distance_m) and ``unmet`` (unit, level, pupils)."""

    flows: pd.DataFrame
    unmet: pd.DataFrame


def _greedy(dem: np.ndarray, dxy: np.ndarray, cap: np.ndarray, sxy: np.ndarray) -> tuple[list, np.ndarray]:
    """Fill nearest schools with capacity; returns flows [(unit_i, school_j, pupils, d)] and unmet per unit."""
    k = min(len(sxy), 16)
    dist, idx = travel.nearest(dxy, sxy, k=k)
    left = cap.copy()
    unmet = np.zeros(len(dxy))
    flows = []
    for i in np.argsort(dist[:, 0], kind="stable"):
        need = dem[i]
        if need <= 0:
            continue
        d_i, j_i = dist[i], idx[i]
        if left[j_i].sum() < need and k < len(sxy):  # look further when the nearest are full
            d_i, j_i = (a[0] for a in travel.nearest(dxy[i], sxy, k=len(sxy)))
        for d, j in zip(np.atleast_1d(d_i), np.atleast_1d(j_i)):
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
                   county_of_unit: pd.Series) -> Assignment:
    """Assign every unit's pupils, level by level and county by county (high schools are county-bounded)."""
    flows, unmet = [], []
    rxy = np.column_stack([residential.geometry.x, residential.geometry.y])
    sxy = np.column_stack([schools.geometry.x, schools.geometry.y])
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
            f, u_left = _greedy(demand[units], rxy[units], cap[here], sxy[here])
            flows += [(unit_ids[units[i]], school_ids[here[j]], level, p, d) for i, j, p, d in f]
            unmet += [(unit_ids[units[i]], level, u_left[i]) for i in np.flatnonzero(u_left > 1e-9)]
    return Assignment(
        flows=pd.DataFrame(flows, columns=["unit", "school", "level", "pupils", "distance_m"]),
        unmet=pd.DataFrame(unmet, columns=["unit", "level", "pupils"]),
    )
