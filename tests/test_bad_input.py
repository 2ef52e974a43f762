"""Bad input stops with a clear message naming the file, the row or key and what is wrong; never a traceback.

Each case is a one-line change to a copy of the 北关区 data and baseline scenario.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from conftest import SCENARIO, write_tiny
from layoutsim.cli import main
from layoutsim.errors import DataError, RulebookError, ScenarioError
from layoutsim.region import load_region
from layoutsim.rules.book import load_rulebook
from layoutsim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def beiguan(tmp_path: Path) -> Path:
    """A copy of the 北关区 baseline scenario, its data in ``data/`` beside it."""
    shutil.copytree(ROOT / "data" / "beiguan", tmp_path / "data")
    text = (ROOT / "scenarios" / "beiguan" / "baseline.toml").read_text(encoding="utf-8")
    path = tmp_path / "baseline.toml"
    path.write_text(text.replace("../../data/beiguan/", "data/"), encoding="utf-8")
    return path


def _region(path: Path):
    return load_region(load_scenario(path).data)


def _layer(path: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(path.parent / "data" / f"{name}.geojson")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, toml: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + toml, encoding="utf-8")


def _to_csv(path: Path, name: str, gdf: gpd.GeoDataFrame, encoding: str = "utf-8", swap: bool = False) -> Path:
    """Write a layer as a CSV with lon/lat columns and point the scenario at it."""
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    x, y = gdf.geometry.x, gdf.geometry.y
    df["lon"], df["lat"] = (y, x) if swap else (x, y)
    csv = path.parent / "data" / f"{name}.csv"
    df.to_csv(csv, index=False, encoding=encoding)
    _edit(path, f"data/{name}.geojson", f"data/{name}.csv")
    return csv


def _cli_fails(capsys, path: Path, *names: str) -> str:
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for name in names:
        assert name in err, err
    return err


# ----------------------------------------------------------------- 1. empty layers


def test_header_only_schools_csv_has_no_rows(beiguan: Path, capsys) -> None:
    _to_csv(beiguan, "schools", _layer(beiguan, "schools").iloc[:0])
    with pytest.raises(DataError, match=r"schools\.csv: layer 'schools' has no rows"):
        _region(beiguan)
    _cli_fails(capsys, beiguan, "schools.csv", "has no rows")


@pytest.mark.parametrize("name", ["counties", "townships", "residential"])
def test_empty_geojson_layer_has_no_rows(beiguan: Path, name: str) -> None:
    (beiguan.parent / "data" / f"{name}.geojson").write_text(
        '{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(DataError, match=rf"{name}\.geojson: layer '{name}' has no rows") as info:
        _region(beiguan)
    assert "missing" not in str(info.value) and "lacks" not in str(info.value)


def test_empty_candidates_are_allowed(beiguan: Path) -> None:
    _to_csv(beiguan, "candidates", _layer(beiguan, "candidates").iloc[:0])
    assert len(_region(beiguan).candidates) == 0


# ----------------------------------------------------------------- 2. swapped or projected coordinates


def test_swapped_lonlat_in_residential_csv(beiguan: Path) -> None:
    res = _layer(beiguan, "residential")
    _to_csv(beiguan, "residential", res, swap=True)
    with pytest.raises(DataError, match=r"residential\.csv") as info:
        _region(beiguan)
    text = str(info.value)
    assert "swapped" in text and "row 1: lon " in text
    assert f"{res.geometry.y.iloc[0]:.5f}".rstrip("0") in text  # the row's own values


def test_swapped_xy_in_residential_geojson(beiguan: Path, capsys) -> None:
    res = _layer(beiguan, "residential")
    res.geometry = gpd.points_from_xy(res.geometry.y, res.geometry.x)
    res.to_file(beiguan.parent / "data" / "residential.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"residential\.geojson: 125 residential outside every county") as info:
        _region(beiguan)
    text = str(info.value)
    assert "swapped" in text and "inf" not in text and "row 1 (id 410503-R00001)" in text
    _cli_fails(capsys, beiguan, "residential.geojson", "row 1 (id 410503-R00001)", "swapped")


def test_projected_coordinates_are_named(beiguan: Path) -> None:
    res = _layer(beiguan, "residential").to_crs("EPSG:32650")
    res = res.set_crs("EPSG:4326", allow_override=True)  # metres written as if they were degrees
    res.to_file(beiguan.parent / "data" / "residential.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match="outside every county") as info:
        _region(beiguan)
    assert "projected" in str(info.value) and "crs" in str(info.value)


def test_residential_point_outside_every_county(beiguan: Path) -> None:
    res = _layer(beiguan, "residential")
    res.loc[5, "geometry"] = gpd.points_from_xy([113.0], [34.0])[0]  # a point in another city
    res.to_file(beiguan.parent / "data" / "residential.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"residential\.geojson: 1 residential outside every county") as info:
        _region(beiguan)
    assert "row 6 (id 410503-R00006)" in str(info.value) and "113.00000, 34.00000" in str(info.value)


def test_school_outside_every_county_has_the_same_wording(beiguan: Path) -> None:
    sc = _layer(beiguan, "schools")
    sc.loc[0, "geometry"] = gpd.points_from_xy([113.0], [34.0])[0]
    sc.to_file(beiguan.parent / "data" / "schools.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"schools\.geojson: 1 schools outside every county") as info:
        _region(beiguan)
    assert "row 1 (id 410503-S00001)" in str(info.value) and "113.00000, 34.00000" in str(info.value)


# ----------------------------------------------------------------- 3, 4. absurd numbers, plainly printed


@pytest.mark.parametrize("value, what", [
    ("1e30", "1e+30"), ("inf", "inf"), ("-5", "-5"), ("nan", "nan"), ("25000", "25000"),
])
def test_absurd_enrolment(beiguan: Path, value: str, what: str) -> None:
    sc = _layer(beiguan, "schools")
    csv = _to_csv(beiguan, "schools", sc)
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    df.loc[2, "enrolment_primary"] = value
    df.to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"schools\.csv") as info:
        _region(beiguan)
    text = str(info.value)
    assert f"row 3 (id {sc['id'].iloc[2]})" in text and "enrolment_primary" in text and what in text
    assert "np." not in text and "float64" not in text


def test_absurd_enrolment_via_cli(beiguan: Path, capsys) -> None:
    csv = _to_csv(beiguan, "schools", _layer(beiguan, "schools"))
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    df.loc[0, "enrolment_high"] = "1e30"
    df.to_csv(csv, index=False)
    err = _cli_fails(capsys, beiguan, "schools.csv", "row 1 (id 410503-S00001)", "enrolment_high")
    assert "20,000" in err


def test_infinite_candidate_site_area(beiguan: Path) -> None:
    csv = _to_csv(beiguan, "candidates", _layer(beiguan, "candidates"))
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    df.loc[1, "site_area_m2"] = "inf"
    df.loc[2, "site_area_m2"] = "0"
    df.to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"candidates\.csv: 2 problem") as info:
        _region(beiguan)
    assert "row 2 (id 410503-C0002): 'site_area_m2' = inf" in str(info.value)
    assert "row 3 (id 410503-C0003): 'site_area_m2' = 0" in str(info.value)


def test_numbers_in_messages_are_plain(beiguan: Path) -> None:
    sc = _layer(beiguan, "schools")
    sc["enrolment_junior"] = sc["enrolment_junior"].astype(float)
    sc.loc[0, "enrolment_junior"] = 12.5
    sc.loc[1, "enrolment_junior"] = -3.0
    sc.to_file(beiguan.parent / "data" / "schools.geojson", driver="GeoJSON")
    with pytest.raises(DataError) as info:
        _region(beiguan)
    text = str(info.value)
    assert "'enrolment_junior' has 12.5, expected int" in text and "'enrolment_junior' = -3 " in text
    assert "np." not in text and "float64" not in text


# ----------------------------------------------------------------- 5, 8. scenario numbers


@pytest.mark.parametrize("toml, key", [
    ("[reach]\nprimary = { urban = -500, rural = 2000 }\n", "reach.primary.urban"),
    ("[reach.limit]\njunior = { urban = 0, rural = 15000 }\n", "reach.limit.junior.urban"),
])
def test_negative_reach(beiguan: Path, toml: str, key: str) -> None:
    _append(beiguan, toml)
    with pytest.raises(ScenarioError, match=rf"baseline\.toml(.|\n)*{key}: Input should be greater than 0"):
        load_scenario(beiguan)


@pytest.mark.parametrize("old, new, key", [
    ("target_year = 2025", 'target_year = "2025"', "scenario.target_year"),
    ("synthetic = true", 'synthetic = "true"', "scenario.synthetic"),
    ("primary = 98.1", 'primary = "98.1"', "forecast.per_thousand.primary"),
])
def test_strings_are_not_numbers(beiguan: Path, old: str, new: str, key: str) -> None:
    _edit(beiguan, old, new)
    with pytest.raises(ScenarioError, match=rf"{key}: ") as info:
        load_scenario(beiguan)
    assert "baseline.toml" in str(info.value)


def test_toml_integers_are_fine_for_numbers(beiguan: Path) -> None:
    _append(beiguan, "[plan]\nbudget_cny = 200000000\ntime_limit_s = 30\n[reach]\nprimary = { urban = 500, rural = 2000 }\n")
    sc = load_scenario(beiguan)
    assert sc.plan.budget_cny == 2e8 and sc.reach.metres("primary", True) == 500


# ----------------------------------------------------------------- 6, 7. candidate fields


def test_unknown_candidate_levels(beiguan: Path) -> None:
    cd = _layer(beiguan, "candidates")
    cd.loc[3, "levels"] = "kindergarten;primry"
    cd.to_file(beiguan.parent / "data" / "candidates.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"candidates\.geojson") as info:
        _region(beiguan)
    text = str(info.value)
    assert "row 4 (id 410503-C0004): 'levels' has unknown level 'primry'" in text
    assert "kindergarten (幼儿园), primary (小学), junior (初中), high (高中)" in text


def test_unknown_tied_to(beiguan: Path) -> None:
    cd = _layer(beiguan, "candidates")
    cd.loc[0, "tied_to"] = "410503-R99999"
    cd.to_file(beiguan.parent / "data" / "candidates.geojson", driver="GeoJSON")
    with pytest.raises(DataError, match=r"candidates\.geojson: row 1 \(id 410503-C0001\): tied_to '410503-R99999' "
                                        r"is not in the residential layer"):
        _region(beiguan)


# ----------------------------------------------------------------- 9. rulebooks


def test_unknown_rulebook(beiguan: Path) -> None:
    _edit(beiguan, 'rulebook = "beiguan"', 'rulebook = "no-such-book"')
    sc = load_scenario(beiguan)
    with pytest.raises(RulebookError, match="no-such-book") as info:
        load_rulebook(sc.scenario.rulebook, sc.rules or None)
    assert "beiguan" in str(info.value) and "pingdingshan" in str(info.value)  # the packaged books


def test_unknown_rule_ids_in_overrides_and_disable(beiguan: Path) -> None:
    _append(beiguan, '[rules]\ndisable = ["no.such.rule2"]\n[rules.overrides."no.such.rule"]\nparams = { min_residents = 1 }\n')
    sc = load_scenario(beiguan)
    with pytest.raises(RulebookError) as info:
        load_rulebook(sc.scenario.rulebook, sc.rules or None)
    assert "'no.such.rule'" in str(info.value) and "'no.such.rule2'" in str(info.value)


# ----------------------------------------------------------------- 10. encodings


def test_utf16_csv_is_read(beiguan: Path) -> None:
    _to_csv(beiguan, "schools", _layer(beiguan, "schools"), encoding="utf-16")
    region = _region(beiguan)
    assert len(region.schools) == 190 and region.schools["name"].iloc[0] == "北关区第一高级中学"


def test_unreadable_encoding_says_how_to_save(beiguan: Path) -> None:
    csv = _to_csv(beiguan, "schools", _layer(beiguan, "schools"))
    csv.write_bytes(csv.read_text(encoding="utf-8").encode("utf-32-le"))  # no BOM
    with pytest.raises(DataError, match=r"schools\.csv: .*not UTF-8 or GB18030(.|\n)*UTF-8"):
        _region(beiguan)


# ----------------------------------------------------------------- 11. compare


def test_compare_of_two_scenarios_with_the_same_title(tmp_path: Path) -> None:
    from layoutsim.render.compare import compare_html
    from layoutsim.pipeline import run

    base = write_tiny(tmp_path, scenario=SCENARIO)
    (tmp_path / "alt.toml").write_text('extends = "scenario.toml"\n[scenario]\nid = "tiny-alt"\n', encoding="utf-8")
    a, b = run(base, tmp_path / "a"), run(tmp_path / "alt.toml", tmp_path / "b")
    html = compare_html([a, b])
    assert "样例县 基准方案（tiny）" in html and "样例县 基准方案（tiny-alt）" in html


def test_compare_of_two_scenarios_with_the_same_id(beiguan: Path) -> None:
    from layoutsim.render.compare import check_distinct

    twin = beiguan.with_name("twin.toml")
    shutil.copy(beiguan, twin)
    with pytest.raises(ScenarioError, match="different ids") as info:
        check_distinct([load_scenario(beiguan), load_scenario(twin)])
    assert "'beiguan-baseline'" in str(info.value) and "twin.toml" in str(info.value)


# ----------------------------------------------------------------- 12. GeoParquet without pyarrow


def test_geoparquet_without_pyarrow(beiguan: Path, monkeypatch) -> None:
    _layer(beiguan, "schools").to_parquet(beiguan.parent / "data" / "schools.parquet")
    _edit(beiguan, "data/schools.geojson", "data/schools.parquet")

    def no_pyarrow(*args, **kwargs):  # what geopandas raises when pyarrow is not installed
        raise ImportError("Missing optional dependency 'pyarrow'. pyarrow is required for Parquet support.")

    monkeypatch.setattr(gpd, "read_parquet", no_pyarrow)
    with pytest.raises(DataError, match=r"schools\.parquet: reading GeoParquet needs the pyarrow package") as info:
        _region(beiguan)
    assert "pip install pyarrow" in str(info.value)
