"""A proposed plan as three tidy tables in the optimizer's own vocabulary (``layoutsim.optimize.result``).

``new_schools``: school, name, levels, classes, cost_cny, reason_zh (reason_en), open_by, lon/lat or a geometry.
``expansions``: school (an existing school's id), level, added_classes, cost_cny, reason_zh, open_by.
``closures``: school, receiving (the school taking its pupils), reason_zh.
The plan may be an :class:`~layoutsim.optimize.Plan`, a dict of such tables, or None. Missing optional
columns are filled; points of expansions and closures come from the region's schools.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layoutsim.optimize.result import CLOSURE_COLUMNS, EXPANSION_COLUMNS, NEW_SCHOOL_COLUMNS

#: Year a school or block must open by: written by :func:`layoutsim.simulate.phase`.
OPEN_BY = "open_by"
_COLUMNS: dict[str, dict[str, Any]] = {
    "new_schools": {"school": "", "name": "", "levels": "", "classes": 0, "cost_cny": 0.0, "reason_zh": "",
                    "reason_en": "", OPEN_BY: None},
    "expansions": {"school": "", "level": "", "added_classes": 0, "cost_cny": 0.0, "reason_zh": "",
                   "reason_en": "", OPEN_BY: None},
    "closures": {"school": "", "receiving": "", "reason_zh": "", "reason_en": "", OPEN_BY: None},
}
#: Where each table's columns are defined (a test checks that render reads only those).
DEFINED = {"new_schools": NEW_SCHOOL_COLUMNS, "expansions": EXPANSION_COLUMNS, "closures": CLOSURE_COLUMNS}


@dataclass(frozen=True)
class PlanFrames:
    """The plan's three tables, each with ``lon``/``lat`` in WGS84 (NaN where unknown)."""

    new_schools: pd.DataFrame
    expansions: pd.DataFrame
    closures: pd.DataFrame

    @property
    def cost_cny(self) -> float:
        return float(self.new_schools["cost_cny"].sum() + self.expansions["cost_cny"].sum())

    @property
    def empty(self) -> bool:
        return not (len(self.new_schools) or len(self.expansions) or len(self.closures))


def school_names(schools: pd.DataFrame, plan: PlanFrames | None) -> dict[str, str]:
    """Each school's name by id, today's and the plan's new ones (a closure's receiving school may be new)."""
    names = dict(zip(schools["id"].astype(str), schools["name"].astype(str)))
    if plan is not None:
        names |= dict(zip(plan.new_schools["school"].astype(str), plan.new_schools["name"].astype(str)))
    return names


def _get(plan: Any, name: str) -> Any:
    if isinstance(plan, dict):
        return plan.get(name)
    return getattr(plan, name, None)


def _lonlat(df: pd.DataFrame) -> pd.DataFrame:
    if isinstance(df, gpd.GeoDataFrame) and df.geometry is not None and len(df):
        geo = df.to_crs(4326) if df.crs is not None else df
        pts = geo.geometry.representative_point()
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
        df["lon"], df["lat"] = pts.x.to_numpy(), pts.y.to_numpy()
    elif isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    return df


def _frame(raw: Any, name: str, school_points: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(columns=list(_COLUMNS[name])) if raw is None else _lonlat(raw.copy())
    df = pd.DataFrame(df).reset_index(drop=True)
    for col, default in _COLUMNS[name].items():
        if col not in df.columns:
            df[col] = default
    for col in ("lon", "lat"):
        if col not in df.columns:
            df[col] = np.nan
    if "school" in df.columns and len(df):
        pts = school_points.reindex(df["school"].astype(str))
        df["lon"] = df["lon"].astype(float).fillna(pd.Series(pts["lon"].to_numpy(), index=df.index))
        df["lat"] = df["lat"].astype(float).fillna(pd.Series(pts["lat"].to_numpy(), index=df.index))
        if "name" not in df.columns or df["name"].isna().all():
            df["name"] = pts["name"].to_numpy()
    for col in ("cost_cny",):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0)
    return df


def school_points(schools: gpd.GeoDataFrame) -> pd.DataFrame:
    """id → name, lon, lat (WGS84) of the region's schools."""
    wgs = schools.to_crs(4326) if schools.crs is not None else schools
    return pd.DataFrame({"name": schools["name"].to_numpy(), "lon": wgs.geometry.x.to_numpy(),
                         "lat": wgs.geometry.y.to_numpy()}, index=schools["id"].astype(str).to_numpy())


def as_plan(plan: Any, schools: gpd.GeoDataFrame | None = None) -> PlanFrames | None:
    """Normalise ``plan`` (an object or dict with new_schools / expansions / closures, or None)."""
    if plan is None:
        return None
    if isinstance(plan, PlanFrames):
        return plan
    pts = school_points(schools) if schools is not None else pd.DataFrame(columns=["name", "lon", "lat"])
    return PlanFrames(*(_frame(_get(plan, n), n, pts) for n in ("new_schools", "expansions", "closures")))
