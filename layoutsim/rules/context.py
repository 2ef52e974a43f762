"""What every audit check reads: the region's layers, tidied once (area of each place, county of each
school and estate, enrolment by school and level), plus the optional pupils and assignment tables."""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from layoutsim import travel
from layoutsim.region import Region
from layoutsim.rules.book import Rulebook
from layoutsim.schema import LEVELS, area_of, enrolment_col, teaches



def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index)
    return frame[column].fillna("").astype(str)


@dataclass
class Context:
    """The region seen by the checks. Build with :meth:`build`."""

    region: Region
    rulebook: Rulebook
    pupils: pd.DataFrame | None
    assignment: pd.DataFrame | None
    year: int | None
    townships: pd.DataFrame = field(init=False)
    residential: pd.DataFrame = field(init=False)
    schools: pd.DataFrame = field(init=False)
    county_names: dict[str, str] = field(init=False)

    @classmethod
    def build(cls, region: Region, rulebook: Rulebook, *, pupils: pd.DataFrame | None,
              assignment: pd.DataFrame | None, year: int | None) -> Context:
        ctx = cls(region, rulebook, pupils, assignment, year)
        ctx._prepare()
        return ctx

    def _prepare(self) -> None:
        r = self.region
        self.county_names = dict(zip(r.counties["adcode"].astype(str), r.counties["name"].astype(str)))
        tw = r.townships.copy()
        tw["code"] = tw["code"].astype(str)
        tw["county"] = tw["county"].astype(str)
        tw["area"] = [area_of(u, t) for u, t in zip(tw["urban"], tw["terrain"])]
        self.townships = tw
        tw_county = dict(zip(tw["code"], tw["county"]))
        tw_terrain = dict(zip(tw["code"], tw["terrain"]))
        tw_area = dict(zip(tw["code"], tw["area"]))

        res = r.residential.copy()
        res["id"] = res["id"].astype(str)
        res["township"] = res["township"].astype(str)
        res["county"] = r.units_county().to_numpy()
        res["area"] = [area_of(u, tw_terrain.get(t)) for u, t in zip(res["urban"], res["township"])]
        self.residential = res

        sc = r.schools.copy()
        sc["id"] = sc["id"].astype(str)
        sc["township"] = _text(sc, "township")
        missing = sc["township"] == ""
        if missing.any() and len(tw):
            joined = gpd.sjoin(sc.loc[missing, ["geometry"]], tw[["code", "geometry"]], how="left",
                               predicate="within")
            sc.loc[missing, "township"] = joined["code"].groupby(level=0).first().fillna("")
        sc["county"] = _text(sc, "county")
        no_county = sc["county"] == ""
        sc.loc[no_county, "county"] = sc.loc[no_county, "township"].map(tw_county).fillna("")
        sc["area"] = sc["township"].map(tw_area).fillna("rural")
        sc["central"] = _flag(sc, "central")
        sc["boarding"] = _flag(sc, "boarding")
        sc["inclusive"] = _flag(sc, "inclusive")
        sc["proposed"] = _flag(sc, "proposed")
        sc["closing"] = _flag(sc, "closing")
        sc["type"] = sc["type"].astype(str)
        for level in LEVELS:
            sc[enrolment_col(level)] = self._enrolment(sc, level)
        self.schools = sc

    def _enrolment(self, sc: pd.DataFrame, level: str) -> pd.Series:
        """Pupils of a level per school: the assignment's when given, else the layer's."""
        col = enrolment_col(level)
        if self.assignment is None:
            return sc[col].fillna(0) if col in sc.columns else pd.Series(0, index=sc.index)
        a = self.assignment
        sums = a[a["level"] == level].groupby(a["school"].astype(str))["pupils"].sum()
        return sc["id"].map(sums).fillna(0)

    # ---------------------------------------------------------------- helpers for the checks

    def teaches(self, level: str, schools: pd.DataFrame | None = None) -> pd.Series:
        """Mask of schools teaching a level (by their type)."""
        sc = self.schools if schools is None else schools
        return pd.Series(teaches(sc, level), index=sc.index)

    def school_total(self, schools: pd.DataFrame) -> pd.Series:
        """Pupils of all the levels a school's type teaches."""
        total = pd.Series(0.0, index=schools.index)
        for level in LEVELS:
            taught = pd.Series(teaches(schools, level), index=schools.index)
            total += schools[enrolment_col(level)].where(taught, 0)
        return total

    def county_name(self, adcode: str) -> str:
        return self.county_names.get(str(adcode), str(adcode))

    def nearest_distance(self, points: gpd.GeoSeries, targets: gpd.GeoSeries) -> np.ndarray:
        """Distance (m) from each point to the nearest target, read from the travel table of each point's
        nearest target; inf when there is none."""
        return travel.table(travel.xy(points), travel.xy(targets), ("nearest",), None, k=1).nearest_m()

    def count_within(self, points: gpd.GeoSeries, targets: gpd.GeoSeries, radius_m: float) -> np.ndarray:
        """Number of targets within ``radius_m`` of each point: its rows in the travel table to that radius."""
        return travel.table(travel.xy(points), travel.xy(targets), ("within",), None, max_m=radius_m).count()
