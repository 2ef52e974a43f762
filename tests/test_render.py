"""The planner's map and report.html: offline in a real Chromium, popups, layers, year slider, search,
escaping of hostile data text; and the pieces (charts, JSON embedding, plan frames, base maps)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from browser import open_page
from conftest import tiny_layers, write_tiny
from layoutsim.pipeline import run
from layoutsim.render.charts import Series, bar_chart, line_chart
from layoutsim.render.map import build_map, map_spec
from layoutsim.render.mapdata import tiles_spec
from layoutsim.render.page import json_script
from layoutsim.render.plan import as_plan
from layoutsim.render.report import build_report
from layoutsim.rules import FINDING_COLUMNS

EVIL = "<img src=x onerror=alert(1)>"
SENTENCE = "小学班额不超过45人，逐步消除56人以上大班额。"


def hostile_layers() -> dict:
    layers = tiny_layers()
    for f in layers["schools"]["features"]:
        if f["properties"]["id"] == "S2":
            f["properties"]["name"] = EVIL
        if f["properties"]["id"] == "S1":
            f["properties"]["enrolment_primary"] = 700  # 58.3 a class: a large class
    return layers


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    return run(write_tiny(folder, hostile_layers()), folder / "out")


def findings_frame(result) -> pd.DataFrame:
    s = result.region.schools.to_crs(4326).set_index("id")
    rows = []
    for sid, msg in (("S1", "班额 58.3 > 55"), ("S2", "规模不足")):
        rows.append({"rule_id": "class_size.primary", "kind": "class_size_cap", "severity": "hard",
                     "place_kind": "school", "place_id": sid, "place_name": s.loc[sid, "name"], "county": "419901",
                     "level": "primary", "measured": 58.3, "limit": 55.0, "unit": "人/班", "message_zh": msg,
                     "message_en": "class over 55", "source_text": SENTENCE, "source_plan": "样例规划",
                     "source_section": "§3.2", "default": False,
                     "lon": s.loc[sid].geometry.x, "lat": s.loc[sid].geometry.y})
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def plan_frames(result) -> dict:
    s = result.region.schools.to_crs(4326).set_index("id")
    new = gpd.GeoDataFrame({"school": ["N1"], "name": ["新城配套小学"], "levels": ["primary"], "classes": [24],
                            "cost_cny": [8.0e7], "reason_zh": ["锦绣新城配套"]},
                           geometry=[Point(s.loc["S1"].geometry.x + 0.02, s.loc["S1"].geometry.y + 0.01)], crs=4326)
    return {"new_schools": new,
            "expansions": pd.DataFrame({"school": ["S3"], "level": ["junior"], "added_classes": [6],
                                        "cost_cny": [1.5e7], "reason_zh": ["初中学位不足"]}),
            "closures": pd.DataFrame({"school": ["S2"], "reason_zh": ["生源不足，并入城关第一小学"],
                                      "receiving": ["S1"]})}


def seat_gap_frame() -> pd.DataFrame:
    rows = []
    for y in range(2025, 2031):
        rows += [("419901001", "primary", y, 600.0 + 80 * (y - 2025), 800.0),
                 ("419901002", "primary", y, 300.0, 270.0), ("419901001", "junior", y, 500.0, 450.0)]
    return pd.DataFrame(rows, columns=["township", "level", "year", "pupils", "seats"])


@pytest.fixture(scope="module")
def full_map(tiny_run, tmp_path_factory) -> Path:
    r = tiny_run
    html = build_map(r.region, r.schools, r.pupils, title="样例县 规划图", findings=findings_frame(r),
                     plan=plan_frames(r), unmet=pd.DataFrame({"unit": ["U3"], "level": ["primary"], "pupils": [40.0]}),
                     seat_gap=seat_gap_frame(), year=2025)
    path = tmp_path_factory.mktemp("map") / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- browser


def test_map_layers_legend_popups_offline(full_map: Path) -> None:
    with open_page(full_map, viewport=(1200, 800)) as (page, errors, blocked):
        control = page.locator(".leaflet-control-layers").inner_text()
        for label in ("小学", "初中", "乡镇学位缺口", "未满足的学位需求", "新建学校", "改扩建", "撤并", "规划审查问题"):
            assert label in control
        legend = page.locator("#ls-legend")
        assert legend.is_visible() and "大班额" in legend.inner_text()
        assert page.locator("path.ls-school").count() >= 3
        assert page.locator("path.ls-large").count() == 1  # S1's classes average 58.3
        assert page.locator(".leaflet-marker-pane .ls-icon-new").count() == 1
        assert page.locator(".leaflet-marker-pane .ls-icon-close").count() == 1
        assert page.locator("path.ls-unmet").count() == 1
        # the large-class school's popup says so, with the finding and the plan's sentence
        page.locator("path.ls-large").click(force=True)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        text = popup.inner_text()
        assert "城关第一小学" in text and "> 55" in text and SENTENCE in text
        # a finding marker's popup quotes the plan
        page.locator(".leaflet-popup-close-button").click()
        page.locator(".leaflet-marker-pane .ls-icon-find").first.click()
        page.locator(".leaflet-popup-content blockquote", has_text=SENTENCE).first.wait_for(state="visible")
        # the new school's popup carries its reason and cost
        page.locator(".leaflet-popup-close-button").click()
        page.locator(".leaflet-marker-pane .ls-icon-new").click()
        new = page.locator(".leaflet-popup-content").filter(has_text="新城配套小学").inner_text()
        assert "新城配套小学" in new and "锦绣新城配套" in new and "8,000" in new
    assert errors == [] and blocked == []


def test_year_slider_recolours_the_townships(full_map: Path) -> None:
    with open_page(full_map) as (page, errors, blocked):
        assert page.locator(".ls-year").inner_text() == "2025"
        first = page.locator("path.ls-gap").first
        before = first.get_attribute("fill")
        page.evaluate("""() => { const r = document.querySelector('.ls-year-range');
                                 r.value = r.max; r.dispatchEvent(new Event('input')); }""")
        assert page.locator(".ls-year").inner_text() == "2030"
        assert first.get_attribute("fill") != before  # 城关镇 primary: surplus in 2025, shortage in 2030
        first.dispatch_event("click")  # the path itself, whatever control sits over its corner
        pop = page.locator(".leaflet-popup-content")
        pop.wait_for(state="visible")
        assert "2030" in pop.inner_text()
    assert errors == [] and blocked == []


def test_the_year_slider_steps_through_a_plan_over_years(tiny_run, tmp_path: Path) -> None:
    """A new school opening in 2028, a closure in 2029 and two temporary classes rented for 2027 only:
    each shows on the map only from (and, rented rooms, until) its year as the slider moves."""
    r = tiny_run
    frames = plan_frames(r)
    frames["new_schools"]["open_by"] = [2028]
    frames["expansions"]["open_by"] = [2030]
    frames["closures"]["open_by"] = [2029]
    actions = pd.DataFrame([{"year": 2027, "until_year": 2027, "action": "temporary", "school": "S1",
                             "name": "城关第一小学", "level": "primary", "classes": 2, "reason_zh": "2027年高峰：租借或临时教室2间",
                             "reason_en": ""},
                            {"year": 2029, "until_year": pd.NA, "action": "convert", "school": "S3",
                             "name": "S3", "level": "junior", "classes": 1, "reason_zh": "1间小学教室改作初中使用",
                             "reason_en": ""}])
    html = build_map(r.region, r.schools, r.pupils, title="逐年", plan=frames, seat_gap=seat_gap_frame(), year=2025,
                     timeline=actions)
    path = tmp_path / "years.html"
    path.write_text(html, encoding="utf-8")
    pane = ".leaflet-marker-pane .ls-icon-"

    def at(page, year: int) -> dict[str, int]:
        page.evaluate("""(y) => { const r = document.querySelector('.ls-year-range');
                                  r.value = [2025, 2026, 2027, 2028, 2029, 2030].indexOf(y);
                                  r.dispatchEvent(new Event('input')); }""", year)
        assert page.locator(".ls-year").inner_text() == str(year)
        return {k: page.locator(pane + k).count() for k in ("new", "exp", "close", "tmp", "conv")}

    with open_page(path) as (page, errors, blocked):
        assert {k: page.locator(pane + k).count() for k in ("new", "tmp")} == {"new": 0, "tmp": 0}  # 2025
        assert at(page, 2027) == {"new": 0, "exp": 0, "close": 0, "tmp": 1, "conv": 0}
        assert at(page, 2028) == {"new": 1, "exp": 0, "close": 0, "tmp": 0, "conv": 0}
        assert at(page, 2030) == {"new": 1, "exp": 1, "close": 1, "tmp": 0, "conv": 1}
        legend = page.locator("#ls-legend").inner_text()
        assert "临时教室" in legend and "教室调整" in legend
    assert errors == [] and blocked == []


def test_search_finds_a_school_and_opens_it(full_map: Path) -> None:
    with open_page(full_map) as (page, errors, blocked):
        page.locator(".ls-search-input").fill("九年制")
        page.locator(".ls-hit").first.click()
        page.locator(".leaflet-popup-content", has_text="城关九年制学校").wait_for(state="visible")
    assert errors == [] and blocked == []


def test_hostile_school_name_is_text_and_runs_nothing(full_map: Path) -> None:
    with open_page(full_map) as (page, errors, blocked):
        page.locator(".ls-search-input").fill("onerror")
        hits = page.locator(".ls-hit")
        assert EVIL in hits.first.inner_text()
        hits.first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert EVIL in popup.inner_text()
        assert page.locator(".leaflet-popup-content img, .ls-search img, .leaflet-tooltip img").count() == 0
        page.wait_for_timeout(300)
    assert errors == [] and blocked == []


def test_report_offline_with_findings_tables_and_charts(tiny_run, tmp_path: Path) -> None:
    r = tiny_run
    html = build_report(r.region, r.schools, r.pupils, r.kpis, title="样例县 评估报告", findings=findings_frame(r),
                        plan=plan_frames(r), seat_gap=seat_gap_frame())
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with open_page(path, viewport=(1200, 900)) as (page, errors, blocked):
        body = page.evaluate("document.body.innerText")
        for text in ("主要指标", "普惠性幼儿园覆盖率", "服务半径内学生占比", "大班额占比", SENTENCE, "新城配套小学",
                     "分县（市、区）指标", "分乡镇学位供需", "分年度学位供需"):
            assert text in body
        assert EVIL in body and page.locator("img").count() == 0
        assert page.locator("svg.chart").count() >= 3
        assert page.locator("#year-table tr").count() == 1 + 12  # 2 levels × 6 years
        assert "0.95" in page.locator(".card").filter(has_text="投资").inner_text()  # 9,500万 = 0.95亿
        assert "9,500" in page.locator("#plan").evaluate("e => e.nextElementSibling.innerText")
        page.emulate_media(media="print")
        assert page.locator("nav.toc").is_hidden()
        page.wait_for_timeout(200)
    assert errors == [] and blocked == []


# ----------------------------------------------------------------------------- pieces


def test_json_script_cannot_close_the_script_tag() -> None:
    text = str(json_script({"name": "</script><script>alert(1)</script>&\u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>&\u2028"


def test_charts_escape_their_text_and_draw_every_series() -> None:
    svg = str(line_chart([2025, 2026], [Series(EVIL, [1.0, 2.0]), Series("学位", [3.0, 3.0], dash=True)], title="图"))
    assert "<img" not in svg and "&lt;img" in svg and svg.count("<polyline") == 2
    bars = str(bar_chart(["甲镇", "乙镇"], [Series("缺口", [120.0, -40.0])], title="缺口", diverging=True))
    assert bars.count("<rect") == 2 and "甲镇" in bars


def test_plan_frames_from_geometry_and_school_ids(tiny_run) -> None:
    plan = as_plan(plan_frames(tiny_run), tiny_run.region.schools)
    assert plan.cost_cny == pytest.approx(9.5e7)
    assert plan.new_schools.loc[0, ["lon", "lat"]].notna().all()
    assert plan.closures.loc[0, "name"] == EVIL  # name and point taken from the school
    assert np.isfinite(plan.expansions.loc[0, "lon"])
    assert as_plan(None) is None


def test_base_maps_online_only_when_asked(tiny_run) -> None:
    assert tiles_spec("none", None) == []
    with pytest.raises(ValueError, match="key"):
        tiles_spec("tianditu", None)
    assert "tk=abc" in tiles_spec("tianditu", "abc")[0]["url"]
    r = tiny_run
    plain = map_spec(r.region, r.schools, r.pupils)
    amap = map_spec(r.region, r.schools, r.pupils, tiles="amap")
    assert "autonavi" in amap["tiles"][0]["url"]
    # AMap tiles are GCJ-02: overlays shifted by a few hundred metres (east and north in Henan)
    (s0, w0), (s1, w1) = plain["bounds"][0], amap["bounds"][0]
    assert 0.001 < w1 - w0 < 0.01 and 0.0 < s1 - s0 < 0.01


def test_english_labels(tiny_run) -> None:
    r = tiny_run
    html = build_map(r.region, r.schools, r.pupils, title="Sample county", lang="en")
    assert '<html lang="en">' in html and "Primary schools" in html and "Search a school" in html
    assert not re.search(r"<script[^>]+src\s*=", html)


def test_render_reads_the_optimizers_own_tables(tiny_run) -> None:
    """The renderer read ``classes_added``/``merged_into`` while the optimizer writes ``added_classes``/
    ``receiving``: every expansion showed "+0" classes. Built from the run's real plan."""
    from layoutsim.render.plan import _COLUMNS, DEFINED, OPEN_BY

    for name, cols in _COLUMNS.items():
        assert set(cols) - {OPEN_BY} <= set(DEFINED[name]), name
    plan = tiny_run.plan
    assert len(plan.expansions) and (plan.expansions["added_classes"] > 0).all()
    html = (tiny_run.out_dir / "report.html").read_text(encoding="utf-8")
    table = html[html.index('id="plan-expand"'):]
    table = table[:table.index("</table>")]
    shown = [int(x) for x in re.findall(r"<td>\+(\d+)</td>", table)]
    assert sorted(shown) == sorted(plan.expansions["added_classes"].astype(int)) and 0 not in shown
    spec = json.dumps(map_spec(tiny_run.region, tiny_run.schools, tiny_run.pupils, plan=plan),
                      ensure_ascii=False)
    assert "+0" not in spec and f"+{int(plan.expansions['added_classes'].iloc[0])}" in spec
    assert str(int(plan.expansions[OPEN_BY].iloc[0])) in spec


def test_explore_is_the_runs_map_as_folium(tiny_run) -> None:
    """result.explore(): the page's layers, features and popups as a folium map, saved offline as one page."""
    import folium

    from layoutsim.results import map_layers
    from layoutsim.render.offline import check_self_contained, offline_html

    r = tiny_run
    fmap = r.explore()
    groups = [c for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)]
    spec = map_spec(r.region, r.schools, r.pupils, **map_layers(r.region, r.findings, r.plan, r.outlook, 2025))
    assert [g.layer_name for g in groups] == [layer["name"] for layer in spec["layers"]]
    primary = next(g for g in groups if g.layer_name == "小学")
    assert len(primary._children) == len(next(la for la in spec["layers"] if la["id"] == "primary")["features"])
    page = offline_html(fmap)
    check_self_contained(page)
    assert "城关第一小学" in page and "tile.openstreetmap" not in page
