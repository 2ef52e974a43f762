"""A tiny hand-made region (two counties, four townships, five estates, a dozen schools) in EPSG:32650,
laid out so that every rule kind holds with the parameters the tests use; tests break one thing at a
time. Shared by test_rules.py and test_audit.py."""
from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj
from pydantic import TypeAdapter
from shapely.geometry import Point, box

from layoutsim.region import Region
from layoutsim.rules.book import Rulebook
from layoutsim.rules.params import Rule
from layoutsim.schema import LEVELS, classes_col, enrolment_col

CRS = "EPSG:32650"
X0, Y0 = 150_000.0, 3_730_000.0  # near Pingdingshan in UTM zone 50


def _at(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def _box(x1: float, y1: float, x2: float, y2: float) -> Any:
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


C1, C2 = "410421", "410402"  # 宝丰县 (county, 300,000), 新华区 (district, 200,000)
T1, T2, T3, T4 = "410421100", "410421200", "410421300", "410402001"

_COUNTIES = [
    (C1, "宝丰县", "county", 300_000, _box(0, 0, 10_000, 10_000)),
    (C2, "新华区", "district", 200_000, _box(10_000, 0, 20_000, 10_000)),
]
_TOWNSHIPS = [  # code, name, county, kind, urban, terrain, population, polygon
    (T1, "城关镇", C1, "town", True, "plain", 18_000, _box(0, 0, 5_000, 5_000)),
    (T2, "李庄乡", C1, "township", False, "plain", 5_000, _box(5_000, 0, 10_000, 5_000)),
    (T3, "山头乡", C1, "township", False, "mountain", 3_000, _box(0, 5_000, 10_000, 10_000)),
    (T4, "光明街道", C2, "street", True, "plain", 9_000, _box(10_000, 0, 20_000, 10_000)),
]
_RESIDENTIAL = [  # id, name, township, residents, kind, completion_year, urban, x, y
    ("R1", "新城小区", T1, 6_000, "new", 2024, True, 1_000, 1_000),
    ("R2", "老城社区", T1, 3_000, "existing", None, True, 1_300, 1_300),
    ("R3", "李庄村", T2, 1_500, "village", None, False, 7_000, 2_000),
    ("R4", "山头村", T3, 800, "village", None, False, 5_000, 8_000),
    ("R5", "光明小区", T4, 5_000, "existing", None, True, 15_000, 5_000),
]
# id, name, type, ownership, inclusive, boarding, central, township, county, x, y, {level: (classes, pupils)}
_SCHOOLS = [
    ("S1", "城关镇中心幼儿园", "kindergarten", "public", True, False, True, T1, C1, 1_100, 1_000,
     {"kindergarten": (6, 170)}),
    ("S2", "城关一小", "primary", "public", False, False, False, T1, C1, 1_200, 1_100, {"primary": (30, 1_000)}),
    ("S3", "城关一中", "junior", "public", False, False, False, T1, C1, 1_500, 1_500, {"junior": (20, 900)}),
    ("S4", "李庄小学", "primary", "public", False, False, False, T2, C1, 7_000, 2_100, {"primary": (6, 200)}),
    ("S5", "李庄中学", "junior", "public", False, True, False, T2, C1, 7_500, 2_500, {"junior": (12, 550)}),
    ("S6", "李庄乡中心幼儿园", "kindergarten", "public", True, False, True, T2, C1, 7_100, 2_000,
     {"kindergarten": (3, 90)}),
    ("S7", "宝丰一高", "high", "public", False, True, False, T1, C1, 2_000, 4_000, {"high": (30, 1_400)}),
    ("S8", "阳光幼儿园", "kindergarten", "private", True, False, False, T1, C1, 1_300, 1_400,
     {"kindergarten": (5, 150)}),
    ("S9", "光明幼儿园", "kindergarten", "public", True, False, False, T4, C2, 15_000, 5_100,
     {"kindergarten": (4, 110)}),
    ("S10", "山头乡中心幼儿园", "kindergarten", "public", True, False, True, T3, C1, 5_000, 8_100,
     {"kindergarten": (2, 40)}),
    ("S11", "宝丰职专", "vocational", "public", False, True, False, T1, C1, 3_000, 4_000, {}),
    ("S13", "新华中学", "complete_middle", "public", False, False, False, T4, C2, 15_000, 4_900,
     {"junior": (12, 560), "high": (12, 580)}),
    ("S14", "光明小学", "primary", "public", False, False, False, T4, C2, 15_100, 5_000, {"primary": (18, 780)}),
]


def region() -> Region:
    """A fresh copy of the region; every rule kind holds with the tests' parameters."""
    counties = gpd.GeoDataFrame(
        [dict(zip(("adcode", "name", "kind", "population", "geometry"), c)) for c in _COUNTIES], crs=CRS)
    townships = gpd.GeoDataFrame([dict(zip(
        ("code", "name", "county", "kind", "urban", "terrain", "population", "geometry"), t)) for t in _TOWNSHIPS],
        crs=CRS)
    residential = gpd.GeoDataFrame([{
        "id": r[0], "name": r[1], "township": r[2], "residents": r[3], "kind": r[4],
        "completion_year": r[5], "urban": r[6], "geometry": _at(r[7], r[8]),
    } for r in _RESIDENTIAL], crs=CRS)
    rows = []
    for s in _SCHOOLS:
        row: dict[str, Any] = {
            "id": s[0], "name": s[1], "type": s[2], "ownership": s[3], "inclusive": s[4], "boarding": s[5],
            "central": s[6], "township": s[7], "county": s[8], "site_area_m2": 10_000.0,
            "geometry": _at(s[9], s[10]),
        }
        for level in LEVELS:
            classes, pupils = s[11].get(level, (0, 0))
            row[classes_col(level)], row[enrolment_col(level)] = classes, pupils
        rows.append(row)
    schools = gpd.GeoDataFrame(rows, crs=CRS)
    candidates = gpd.GeoDataFrame(
        {"id": pd.Series(dtype=str), "name": pd.Series(dtype=str), "levels": pd.Series(dtype=str),
         "site_area_m2": pd.Series(dtype=float), "land_cost_cny": pd.Series(dtype=float),
         "tied_to": pd.Series(dtype=str), "earliest_year": pd.Series(dtype=int)},
        geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    return Region(counties, townships, residential, schools, candidates, pyproj.CRS(CRS))


def set_school(reg: Region, school_id: str, **values: Any) -> None:
    """Change columns of one school in place."""
    for column, value in values.items():
        if column == "xy":
            reg.schools.loc[reg.schools["id"] == school_id, "geometry"] = _at(*value)
        else:
            reg.schools.loc[reg.schools["id"] == school_id, column] = value


def add_candidate(reg: Region, cid: str, levels: str, tied_to: str, x: float, y: float) -> Region:
    row = gpd.GeoDataFrame([{
        "id": cid, "name": cid, "levels": levels, "site_area_m2": 20_000.0, "land_cost_cny": 1e7,
        "tied_to": tied_to, "earliest_year": 2024, "geometry": _at(x, y),
    }], crs=CRS)
    return dataclasses.replace(reg, candidates=pd.concat([reg.candidates, row], ignore_index=True))


_RULE = TypeAdapter(Rule)
_SOURCE = {"plan": "测试", "section": "1", "text": "测试条文", "text_en": "test"}


def rule(kind: str, params: dict[str, Any], *, level: list[str] | None = None, rule_id: str = "r",
         force: str = "hard", **extra: Any) -> Any:
    """A validated rule of one kind, with a dummy source."""
    return _RULE.validate_python({
        "id": rule_id, "kind": kind, "params": params, "level": level or [], "force": force,
        "source": _SOURCE, **extra,
    })


def book(*rules: Any) -> Rulebook:
    return Rulebook(id="test", rules=tuple(rules))
