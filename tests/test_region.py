"""Loaders (every format, column mapping, GCJ-02) and their errors."""
from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from conftest import tiny_layers, write_tiny
from layoutsim.cli import main
from layoutsim.errors import DataError
from layoutsim.geo import gcj02_to_wgs84, wgs84_to_gcj02
from layoutsim.region import load_region
from layoutsim.config.scenario import load_scenario


def _region(path: Path):
    return load_region(load_scenario(path).data)


def test_tiny_region_loads_in_metres(tiny: Path) -> None:
    region = _region(tiny)
    assert region.crs.axis_info[0].unit_name == "metre"
    assert len(region.schools) == 5 and set(region.schools["county"]) == {"419901"}
    assert region.schools.set_index("id").loc["S2", "township"] == "419901002"
    assert region.schools["classes_primary"].dtype.kind in "iu" or str(region.schools["classes_primary"].dtype) == "Int64"
    # the county is about 0.1 degrees wide: about 9 km at 36 N
    width = region.counties.total_bounds[2] - region.counties.total_bounds[0]
    assert 8500 < width < 9500


def _swap_schools(tiny: Path, path_spec: str) -> None:
    text = tiny.read_text(encoding="utf-8").replace('schools = "data/schools.geojson"', f"schools = {path_spec}")
    tiny.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "parquet"])
def test_other_formats_read_the_same(tiny: Path, fmt: str) -> None:
    data = tiny.parent / "data"
    gdf = gpd.read_file(data / "schools.geojson")
    if fmt == "parquet":
        gdf.to_parquet(data / "schools.parquet")
    else:
        # shapefile column names are cut to 10 characters: map them back in the scenario
        with warnings.catch_warnings():  # shapefile truncates long column names
            warnings.simplefilter("ignore")
            gdf.to_file(data / f"schools.{fmt}")
    columns = ""
    if fmt == "shp":
        short = list(gpd.read_file(data / "schools.shp").columns)  # same order as written
        mapping = {c: s for c, s in zip(gdf.columns, short) if c != s}
        columns = ", columns = { " + ", ".join(f'{k} = "{v}"' for k, v in mapping.items()) + " }"
    _swap_schools(tiny, f'{{ path = "data/schools.{fmt}"{columns} }}')
    region = _region(tiny)
    assert sorted(region.schools["id"]) == ["S1", "S2", "S3", "S4", "S5"]
    assert int(region.schools["enrolment_primary"].sum()) == 640 + 150 + 300


def test_csv_with_own_column_names_and_gcj02(tiny: Path) -> None:
    gdf = gpd.read_file(tiny.parent / "data" / "schools.geojson")
    glon, glat = wgs84_to_gcj02(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    table = pd.DataFrame(gdf.drop(columns="geometry")).rename(columns={"name": "学校名称", "id": "学校代码"})
    table["经度"], table["纬度"] = glon, glat
    table.to_csv(tiny.parent / "data" / "schools.csv", index=False, encoding="utf-8-sig")
    _swap_schools(tiny, '{ path = "data/schools.csv", crs = "GCJ02", lon = "经度", lat = "纬度", '
                        'columns = { name = "学校名称", id = "学校代码" } }')
    region = _region(tiny)
    got = region.schools.to_crs("EPSG:4326").set_index("id").geometry
    want = gdf.set_index("id").geometry
    for sid in want.index:  # GCJ-02 offset (~500 m here) removed to well under a metre
        assert abs(got[sid].x - want[sid].x) < 1e-6 and abs(got[sid].y - want[sid].y) < 1e-6
    assert region.schools.set_index("id").loc["S1", "name"] == "城关第一小学"


def _schools_sheet(tiny: Path) -> tuple[gpd.GeoDataFrame, Path]:
    """The tiny schools as a bureau's workbook: an explanation sheet first, then 学校 in GCJ-02."""
    gdf = gpd.read_file(tiny.parent / "data" / "schools.geojson")
    glon, glat = wgs84_to_gcj02(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    table = pd.DataFrame(gdf.drop(columns="geometry")).rename(columns={"name": "学校名称", "id": "学校标识码"})
    table["经度"], table["纬度"] = glon, glat
    path = tiny.parent / "data" / "学校.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as xl:
        pd.DataFrame({"说明": ["学校名单"]}).to_excel(xl, sheet_name="说明", index=False)
        table.to_excel(xl, sheet_name="学校", index=False)
    return gdf, path


def test_an_excel_sheet_reads_like_a_csv(tiny: Path) -> None:
    gdf, _ = _schools_sheet(tiny)
    _swap_schools(tiny, '{ path = "data/学校.xlsx", sheet = "学校", crs = "GCJ02", lon = "经度", lat = "纬度", '
                        'columns = { name = "学校名称", id = "学校标识码" } }')
    region = _region(tiny)
    got = region.schools.to_crs("EPSG:4326").set_index("id").geometry
    want = gdf.set_index("id").geometry
    for sid in want.index:
        assert abs(got[sid].x - want[sid].x) < 1e-6 and abs(got[sid].y - want[sid].y) < 1e-6
    assert int(region.schools["enrolment_primary"].sum()) == 640 + 150 + 300


def test_an_excel_sheet_with_a_bad_row_or_no_such_sheet_says_where(tiny: Path, capsys) -> None:
    _, path = _schools_sheet(tiny)
    table = pd.read_excel(path, sheet_name="学校", engine="calamine", dtype=str)
    table.loc[2, "经度"] = "东经113度"
    with pd.ExcelWriter(path, engine="xlsxwriter") as xl:
        table.to_excel(xl, sheet_name="学校", index=False)
    _swap_schools(tiny, '{ path = "data/学校.xlsx", sheet = "学校", crs = "GCJ02", lon = "经度", lat = "纬度", '
                        'columns = { name = "学校名称", id = "学校标识码" } }')
    before = path.read_bytes()
    assert main(["validate", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert "学校.xlsx, sheet 学校" in err and "row 4" in err and "东经113度" in err  # Excel's own row number
    text = tiny.read_text(encoding="utf-8").replace('sheet = "学校"', 'sheet = "学校名单"')
    tiny.write_text(text, encoding="utf-8")
    assert main(["validate", str(tiny)]) == 2
    err = capsys.readouterr().err
    assert "no sheet '学校名单'" in err and "学校" in err
    assert path.read_bytes() == before  # the user's file is never touched


def test_gcj02_round_trip_and_offset_size() -> None:
    lon, lat = np.array([113.6, 114.3, 111.2]), np.array([34.7, 36.1, 34.8])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert np.all(np.abs(glon - lon) > 1e-3)  # the offset is hundreds of metres in Henan
    back = gcj02_to_wgs84(glon, glat)
    assert np.allclose(back[0], lon, atol=1e-9) and np.allclose(back[1], lat, atol=1e-9)


def _break(tiny: Path, layer: str, fn) -> None:
    layers = tiny_layers()
    fn(layers[layer]["features"])
    write_tiny(tiny.parent, layers)


@pytest.mark.parametrize(
    ("layer", "fn", "expected"),
    [
        ("schools", lambda f: f[1]["properties"].update(classes_primary=-3),
         ["row 2 (id S2): 'classes_primary' = -3 is negative"]),
        ("schools", lambda f: f[2]["properties"].update(id="S1"), ["duplicate id 'S1' in rows 1, 3"]),
        ("schools", lambda f: f[0]["properties"].update(type="college"),
         ["row 1 (id S1): 'type' is 'college'"]),
        ("schools", lambda f: f[3].update(geometry=None), ["row 4 (id S4): empty or missing geometry"]),
        ("schools", lambda f: f[0]["properties"].update(enrolment_primary="many"),
         ["row 1 (id S1): column 'enrolment_primary' has 'many', expected int"]),
        ("schools", lambda f: f[0]["geometry"].update(coordinates=[110.0, 30.0]),
         ["1 schools outside every county", "城关第一小学"]),
        ("townships", lambda f: f[0]["geometry"].update(
            coordinates=[[[114.3, 36.1], [114.35, 36.15], [114.35, 36.1], [114.3, 36.15], [114.3, 36.1]]]),
         ["row 1 (id 419901001): invalid geometry"]),
        ("residential", lambda f: f[0]["properties"].update(township="nowhere"),
         ["township 'nowhere' is not in the townships layer"]),
    ],
)
def test_bad_rows_are_named(tiny: Path, layer: str, fn, expected: list[str]) -> None:
    _break(tiny, layer, fn)
    with pytest.raises(DataError) as err:
        _region(tiny)
    for text in expected:
        assert text in str(err.value)


def test_all_problems_of_a_layer_at_once(tiny: Path) -> None:
    _break(tiny, "schools", lambda f: (f[0]["properties"].update(classes_primary=-1),
                                       f[4]["properties"].update(ownership="state")))
    with pytest.raises(DataError) as err:
        _region(tiny)
    assert "2 problem(s)" in str(err.value)
    assert "S1" in str(err.value) and "S5" in str(err.value)


def test_missing_column_lists_what_the_file_has(tiny: Path) -> None:
    _break(tiny, "schools", lambda f: [x["properties"].pop("site_area_m2") for x in f])
    with pytest.raises(DataError, match=r"lacks required columns: site_area_m2[\s\S]*map your column names"):
        _region(tiny)


def test_mapping_to_a_column_that_does_not_exist(tiny: Path) -> None:
    _swap_schools(tiny, '{ path = "data/schools.geojson", columns = { name = "学校名称" } }')
    with pytest.raises(DataError, match="name = '学校名称'"):
        _region(tiny)


def test_missing_and_unreadable_files(tiny: Path) -> None:
    (tiny.parent / "data" / "schools.geojson").unlink()
    with pytest.raises(DataError, match="schools.geojson: file not found"):
        _region(tiny)
    (tiny.parent / "data" / "schools.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read the file"):
        _region(tiny)


def test_input_files_are_not_modified(tiny: Path) -> None:
    files = sorted((tiny.parent / "data").iterdir())
    before = {f: f.read_bytes() for f in files}
    _region(tiny)
    assert {f: f.read_bytes() for f in files} == before
