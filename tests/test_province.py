"""A province run county by county on dask.distributed: the same bytes in this process, on a LocalCluster
and on a cluster reached by its scheduler's address; the province page works offline in Chromium.

Three small county-level units of Henan (real outlines and census, synthetic layers below the township,
generated into a cache folder shared by the runs of this module).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from layoutsim.cli import main
from layoutsim.cluster import close_all
from layoutsim.config.scenario import ScenarioError, load_scenario
from layoutsim.province import run_by_county
from layoutsim.synth.province import county_folder

try:
    from tests.browser import open_page
except ImportError:  # pytest run from inside tests/
    from browser import open_page  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
HENAN = ROOT / "data" / "henan" / "counties.geojson"
SMALL = ["410404", "410602", "410803"]  # 石龙区, 鹤山区, 中站区: the three smallest populations

#: What differs between two runs of the same inputs wherever they run: the measured times and the solver's
#: log (it prints them). Everything else must be the same bytes.
TIMING_COLUMNS = {"seconds", "solver_seconds", "worker_peak_mb"}

SCENARIO = """
[scenario]
id = "three"
title = "三县测试"
rulebook = "_national"
target_year = 2025
synthetic = true
by_county = true
[data]
counties = "counties.geojson"
[data.generate]
seed = 20201101
cache = "cache"
[forecast]
method = "cohort"
per_thousand = {{ kindergarten = 33.0, primary = 98.1, junior = 51.8, high = 25.0 }}
[plan]
time_limit_s = 30.0
mip_gap = 0.0
workers = {workers}
"""


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("province")
    counties = gpd.read_file(HENAN)
    counties[counties["adcode"].isin(SMALL)].to_file(folder / "counties.geojson", driver="GeoJSON")
    return folder


def _scenario(folder: Path, workers: int, scheduler: str | None = None):
    path = folder / f"s{workers}.toml"
    path.write_text(SCENARIO.format(workers=workers), encoding="utf-8")
    sc = load_scenario(path)
    return sc.model_copy(update={"plan": sc.plan.model_copy(update={"scheduler": scheduler})})


@pytest.fixture(scope="module")
def in_process(province: Path) -> Path:
    out = province / "out-here"
    run_by_county(_scenario(province, 1), out)
    return out


def _same_but_timings(a: Path, b: Path) -> None:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        if "logs" in rel.parts[:-1]:
            continue
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if x == y:
            continue
        if rel.suffix == ".csv":  # only the timing columns may differ
            fx, fy = pd.read_csv(a / rel), pd.read_csv(b / rel)
            cols = [c for c in fx.columns if c not in TIMING_COLUMNS]
            assert set(fx.columns) - set(cols), f"{rel} differs and has no timing column"
            pd.testing.assert_frame_equal(fx[cols], fy[cols], obj=str(rel))
        elif rel.name == "kpis.json":
            assert _drop_times(json.loads(x)) == _drop_times(json.loads(y)), rel
        else:
            pytest.fail(f"{rel} differs")


def _drop_times(obj):
    if isinstance(obj, dict):
        return {k: _drop_times(v) for k, v in obj.items() if "seconds" not in k}
    if isinstance(obj, list):
        return [_drop_times(v) for v in obj]
    return obj


def test_every_county_has_its_run_and_the_province_its_tables(in_process: Path) -> None:
    plans = pd.read_csv(in_process / "province_plans.csv", dtype={"adcode": str})
    assert sorted(plans["adcode"]) == SMALL and set(plans["status"]) == {"optimal"}
    for code in SMALL:
        for name in ("index.html", "report.html", "plan_new_schools.csv", "forecast_township.csv", "findings.csv"):
            assert (in_process / "counties" / code / name).is_file(), (code, name)
    gap = pd.read_csv(in_process / "province_gap.csv", dtype={"adcode": str})
    totals = pd.read_csv(in_process / "province_totals.csv")
    # the province's totals are the sum of its counties, level by level and year by year
    summed = gap.groupby(["level", "year"])["pupils"].sum()
    assert totals.set_index(["level", "year"])["pupils"].sub(summed).abs().max() < 1e-6
    # and each county's row is its own run's seats
    schools = pd.read_csv(in_process / "counties" / SMALL[0] / "schools.csv")
    assert len(schools) > 0
    kpis = json.loads((in_process / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["counties"] == 3 and kpis["counties_without_plan"] == []
    assert kpis["synthetic"] is True


def test_generated_layers_keep_the_census_population(province: Path) -> None:
    counties = gpd.read_file(province / "counties.geojson")
    row = counties.iloc[0]
    folder = county_folder(row, 20201101, province / "cache")
    res = gpd.read_file(folder / "residential.geojson")
    assert res["synthetic"].all()
    today = res[res["completion_year"].isna()]  # estates and villages of 2020 (new developments come later)
    assert int(today["residents"].sum()) == int(row["population"])
    towns = gpd.read_file(folder / "townships.geojson")
    from layoutsim.synth.province import _townships

    assert sorted(towns["name"]) == sorted(n for n, _ in _townships()[str(row["adcode"])])


def test_a_local_cluster_of_two_workers_gives_the_same_outputs(province: Path, in_process: Path) -> None:
    out = province / "out-cluster2"
    run_by_county(_scenario(province, 2), out)
    _same_but_timings(in_process, out)


def test_a_cluster_reached_by_its_address_gives_the_same_outputs(province: Path, in_process: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        out = province / "out-remote"
        try:
            result = run_by_county(_scenario(province, 1, scheduler=cluster.scheduler_address), out)
        finally:
            close_all()  # our client to it, before the cluster goes
    assert result.failed == []
    _same_but_timings(in_process, out)


def test_the_province_page_works_offline(in_process: Path, tmp_path: Path) -> None:
    page_dir = tmp_path / "page"
    shutil.copytree(in_process, page_dir)
    with open_page(page_dir / "index.html") as (page, console_errors, requests_blocked):
        assert page.locator("#pmap path.leaflet-interactive").count() == 3
        fills = lambda: page.evaluate(  # noqa: E731
            "() => Array.from(document.querySelectorAll('#pmap path.leaflet-interactive')).map(p => p.getAttribute('fill'))")
        page.select_option("#plevel", "high")
        first = fills()
        page.locator("#pyear").fill("0")  # 2020
        page.locator("#pyear").dispatch_event("input")
        assert page.locator("#pyear-label").text_content() == "2020"
        assert fills() != first  # the gap of 2020 is not the gap of 2025
        page.locator("#pmap path.leaflet-interactive").first.click()
        link = page.locator(".leaflet-popup-content a").first
        href = link.get_attribute("href")
        assert href is not None and href.startswith("counties/") and (page_dir / href).is_file()
        rows = page.locator("#county-table tr[data-adcode]")
        assert rows.count() == 3
        assert "最优" in rows.first.inner_text()  # the solver's status in Chinese
    assert console_errors == [] and requests_blocked == []


def test_by_county_without_generated_layers_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(workers=1).replace("[data.generate]\nseed = 20201101\ncache = \"cache\"\n", ""),
                    encoding="utf-8")
    shutil.copy(HENAN, tmp_path / "counties.geojson")
    with pytest.raises(ScenarioError, match="by_county"):
        load_scenario(path)
    assert main(["run", str(path)]) == 2
    assert "by_county" in capsys.readouterr().err


def test_a_counties_layer_without_census_figures_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    counties = gpd.read_file(HENAN)
    counties[counties["adcode"].isin(SMALL)].drop(columns=["urban_share"]).to_file(
        tmp_path / "counties.geojson", driver="GeoJSON")
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(workers=1), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "urban_share" in err and "counties.geojson" in err
    assert not (tmp_path / "out").exists()
