"""Hand-made regions for the optimizer tests: GeoDataFrames in EPSG:32650 (UTM 50N, metres) built directly.

One county ``410001`` with an urban township ``T1`` (x < 5,000 m) and a rural one ``T2`` (x ≥ 5,000 m).
Places are given in metres from the county's corner.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS
from shapely.geometry import Point, box

from layoutsim.region import Region
from layoutsim.rules.book import Rulebook
from layoutsim.config.scenario import ReachConfig
from layoutsim.schema import LEVELS, classes_col, enrolment_col

CRS_M = "EPSG:32650"
X0, Y0 = 500_000.0, 4_000_000.0
COUNTY = "410001"


def _gdf(rows: list[dict[str, Any]], columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_M)


def unit(id_: str, x: float, y: float = 0.0, *, residents: int = 1000, urban: bool = True, kind: str = "existing",
         completion_year: int | None = None) -> dict[str, Any]:
    return {"id": id_, "name": f"小区{id_}", "township": "T1" if urban else "T2", "residents": residents,
            "kind": kind, "completion_year": completion_year, "urban": urban, "synthetic": False,
            "geometry": Point(X0 + x, Y0 + 1000 + y)}


def school(id_: str, x: float, y: float = 0.0, *, stype: str = "primary", ownership: str = "public",
           site_area_m2: float = 1e6, boarding: bool = False, central: bool = False,
           **levels: tuple[int, int]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": id_, "name": f"学校{id_}", "type": stype, "ownership": ownership,
                           "inclusive": stype == "kindergarten", "site_area_m2": site_area_m2,
                           "boarding": boarding, "central": central, "county": COUNTY,
                           "township": "T1" if x < 5000 else "T2", "synthetic": False,
                           "geometry": Point(X0 + x, Y0 + 1000 + y)}
    for lv in LEVELS:
        classes, enrol = levels.get(lv, (0, 0))
        row[classes_col(lv)], row[enrolment_col(lv)] = classes, enrol
    return row


def candidate(id_: str, x: float, y: float = 0.0, *, levels: str = "primary", site_area_m2: float = 1e6,
              land_cost_cny: float = 1e7, tied_to: str = "", earliest_year: int = 2020) -> dict[str, Any]:
    return {"id": id_, "name": f"用地{id_}", "levels": levels, "site_area_m2": site_area_m2,
            "land_cost_cny": land_cost_cny, "tied_to": tied_to, "earliest_year": earliest_year,
            "county": COUNTY, "township": "T1" if x < 5000 else "T2", "synthetic": False,
            "geometry": Point(X0 + x, Y0 + 1000 + y)}


def region(units: list[dict], schools: list[dict], candidates: list[dict] = ()) -> Region:  # type: ignore[assignment]
    counties = _gdf([{"adcode": COUNTY, "name": "样例县", "kind": "county", "population": 100000,
                      "geometry": box(X0, Y0, X0 + 10000, Y0 + 2000)}],
                    ["adcode", "name", "kind", "population"])
    townships = _gdf([
        {"code": "T1", "name": "城关镇", "county": COUNTY, "kind": "town", "urban": True, "terrain": "plain",
         "population": 60000, "geometry": box(X0, Y0, X0 + 5000, Y0 + 2000)},
        {"code": "T2", "name": "东乡", "county": COUNTY, "kind": "township", "urban": False, "terrain": "plain",
         "population": 40000, "geometry": box(X0 + 5000, Y0, X0 + 10000, Y0 + 2000)},
    ], ["code", "name", "county", "kind", "urban", "terrain", "population"])
    res_cols = ["id", "name", "township", "residents", "kind", "completion_year", "urban", "synthetic"]
    sc_cols = ["id", "name", "type", "ownership", "inclusive", "site_area_m2", "boarding", "central", "county",
               "township", "synthetic", *(f(lv) for lv in LEVELS for f in (classes_col, enrolment_col))]
    cd_cols = ["id", "name", "levels", "site_area_m2", "land_cost_cny", "tied_to", "earliest_year", "county",
               "township", "synthetic"]
    return Region(counties=counties, townships=townships, residential=_gdf(units, res_cols),
                  schools=_gdf(schools, sc_cols), candidates=_gdf(list(candidates), cd_cols), crs=CRS(CRS_M))


def joined(first: Region, second: Region, east_m: float = 20000.0) -> Region:
    """``first`` and ``second`` as one region of two counties: ``second`` becomes county ``410002`` (its
    townships ``Q1``, ``Q2``) ``east_m`` metres east."""
    reg = first
    for layer in ("counties", "townships", "residential", "schools", "candidates"):
        frame = getattr(second, layer).copy()
        for col in ("adcode", "county", "code", "township"):
            if col in frame.columns:
                frame[col] = frame[col].astype(str).str.replace(COUNTY, "410002").str.replace("T", "Q")
        frame.geometry = frame.geometry.translate(east_m, 0)
        reg = dataclasses.replace(reg, **{layer: pd.concat([getattr(reg, layer), frame], ignore_index=True)})
    return reg


def pupils(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "level", "pupils"])


def reach(primary: float = 1000.0, junior: float = 2000.0) -> ReachConfig:
    """Reach whose hard limit is the norm itself, so the hand-checked cases stay small."""
    radii = {"kindergarten": {"urban": 1000.0, "rural": 2000.0}, "primary": {"urban": primary, "rural": 2000.0},
             "junior": {"urban": junior, "rural": 3000.0}, "high": {"urban": 5000.0, "rural": 10000.0}}
    return ReachConfig(**radii, limit=radii)


def book(*rules: dict[str, Any]) -> Rulebook:
    return Rulebook.model_validate({"id": "test", "rules": list(rules)})


SOURCE = {"plan": "测试", "section": "1", "text": "测试条文", "text_en": "test rule"}


def housing_rule(level: str = "primary", force: str = "hard", min_residents: int = 5000,
                 within_m: float = 500.0) -> dict[str, Any]:
    return {"id": f"housing.{level}", "kind": "housing_school", "level": [level], "force": force,
            "scope": {"build": "new", "areas": ["urban"]}, "source": SOURCE,
            "params": {"min_residents": min_residents, "within_m": within_m}}


def size_rule(types: list[str], max_pupils: int, force: str = "hard") -> dict[str, Any]:
    return {"id": f"size.{'_'.join(types)}", "kind": "school_size_cap", "level": ["primary", "junior"],
            "force": force, "scope": {"build": "new"}, "source": SOURCE,
            "params": {"school_types": types, "max_pupils": max_pupils}}
