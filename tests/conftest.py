"""Tiny readable fixtures: one square county near 安阳, two townships, five units, three schools."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

LON0, LAT0 = 114.30, 36.10
D = 0.05  # about 4.5 km east-west, 5.5 km north-south


def _square(x0: float, y0: float, w: float, h: float) -> list:
    return [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]]


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(props: dict, geom: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geom}


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def school(id_: str, name: str, stype: str, lon: float, lat: float, **levels: tuple[int, int]) -> dict:
    props = {"id": id_, "name": name, "type": stype, "ownership": "public", "inclusive": stype == "kindergarten",
             "site_area_m2": 20000.0, "boarding": False}
    for lv in ("kindergarten", "primary", "junior", "high"):
        classes, enrol = levels.get(lv, (0, 0))
        props[f"classes_{lv}"] = classes
        props[f"enrolment_{lv}"] = enrol
    return _feature(props, _point(lon, lat))


def tiny_layers() -> dict[str, dict]:
    """Layers as GeoJSON dicts. 10,000 residents; primary demand at 80/1000 = 800 pupils."""
    counties = _fc([_feature({"adcode": "419901", "name": "样例县", "kind": "county", "population": 10000},
                             {"type": "Polygon", "coordinates": _square(LON0, LAT0, 2 * D, D)})])
    townships = _fc([
        _feature({"code": "419901001", "name": "城关镇", "county": "419901", "kind": "town", "urban": True,
                  "terrain": "plain", "population": 7000},
                 {"type": "Polygon", "coordinates": _square(LON0, LAT0, D, D)}),
        _feature({"code": "419901002", "name": "东乡", "county": "419901", "kind": "township", "urban": False,
                  "terrain": "hill", "population": 3000},
                 {"type": "Polygon", "coordinates": _square(LON0 + D, LAT0, D, D)}),
    ])
    units = [("U1", "幸福小区", "419901001", 4000, "existing", None, True, 0.2, 0.5),
             ("U2", "阳光花园", "419901001", 3000, "existing", None, True, 0.3, 0.6),
             ("U3", "王庄村", "419901002", 1500, "village", None, False, 1.4, 0.5),
             ("U4", "李营村", "419901002", 1500, "village", None, False, 1.8, 0.3),
             ("U5", "锦绣新城", "419901001", 6000, "new", 2024, True, 0.8, 0.8)]
    residential = _fc([_feature({"id": i, "name": n, "township": t, "residents": r, "kind": k,
                                 "completion_year": c, "urban": u}, _point(LON0 + fx * D, LAT0 + fy * D))
                       for i, n, t, r, k, c, u, fx, fy in units])
    schools = _fc([
        school("S1", "城关第一小学", "primary", LON0 + 0.25 * D, LAT0 + 0.55 * D, primary=(12, 640)),
        school("S2", "东乡中心小学", "primary", LON0 + 1.5 * D, LAT0 + 0.45 * D, primary=(6, 150)),
        school("S3", "城关九年制学校", "nine_year", LON0 + 0.5 * D, LAT0 + 0.5 * D, primary=(6, 300), junior=(9, 480)),
        school("S4", "城关中心幼儿园", "kindergarten", LON0 + 0.3 * D, LAT0 + 0.4 * D, kindergarten=(9, 280)),
        school("S5", "县第一高级中学", "high", LON0 + 0.4 * D, LAT0 + 0.7 * D, high=(12, 600)),
    ])
    candidates = _fc([_feature({"id": "C1", "name": "新城配套用地", "levels": "kindergarten;primary",
                                "site_area_m2": 30000.0, "land_cost_cny": 3.0e7, "tied_to": "U5",
                                "earliest_year": 2023}, _point(LON0 + 0.82 * D, LAT0 + 0.82 * D))])
    return {"counties": counties, "townships": townships, "residential": residential, "schools": schools,
            "candidates": candidates}


SCENARIO = """
[scenario]
id = "tiny"
title = "样例县 基准方案"
target_year = 2025

[data]
counties = "data/counties.geojson"
townships = "data/townships.geojson"
residential = "data/residential.geojson"
schools = "data/schools.geojson"
candidates = "data/candidates.geojson"

[forecast]
# hand-checkable: no drift to towns, new estates yield like the rest and bring their own residents
per_thousand = { kindergarten = 30, primary = 80, junior = 40, high = 40 }
new_yield = { kindergarten = 30, primary = 80, junior = 40, high = 40 }
new_from_county = 0.0
urbanisation = 0.0
"""


#: The tiny scenario planned over years (2026–2030, outlook 2035), solved exactly in the test's process.
HORIZON = "\n[plan]\nworkers = 1\nmip_gap = 0.0\n[plan.horizon]\nfirst = 2026\nlast = 2030\noutlook = 2035\n"


def write_tiny(folder: Path, layers: dict[str, dict] | None = None, scenario: str = SCENARIO) -> Path:
    """Write the tiny region and its scenario under ``folder``; return the scenario path."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, fc in (layers or tiny_layers()).items():
        (data / f"{name}.geojson").write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    path = folder / "scenario.toml"
    path.write_text(scenario, encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Path of the tiny scenario file, its data beside it."""
    return write_tiny(tmp_path)
