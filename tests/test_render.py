"""The planner's map and report.html: offline in a real Chromium, popups, layers, year slider, search,
escaping of hostile data text; and the pieces (charts, JSON embedding, plan frames, base maps)."""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from browser import open_page
from conftest import tiny_layers, write_tiny
from layoutsim.assign import assign_nearest
from layoutsim.config.plan import Horizon
from layoutsim.metrics import Kpis, kpis, school_table
from layoutsim.optimize import Plan, PlanConfig, plan
from layoutsim.optimize.horizon import plan_years
from layoutsim.pipeline import audit_layout, audit_proposal, plan_summary, run, with_lonlat
from layoutsim.region import Region
from layoutsim.render.charts import Series, bar_chart, line_chart
from layoutsim.render.map import build_map, map_spec
from layoutsim.render.mapdata import tiles_spec
from layoutsim.render.page import json_script
from layoutsim.render.plan import as_plan
from layoutsim.render.report import build_report
from optimize_fixtures import book, candidate, housing_rule, pupils, reach, region, school, unit

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


def plan_frames(result) -> dict:
    """A hand-made plan on the tiny run, for tests/test_compare.py (what differs between two runs is then
    known exactly); the map and report tests here draw real plans (below)."""
    s = result.region.schools.to_crs(4326).set_index("id")
    new = gpd.GeoDataFrame({"school": ["N1"], "name": ["新城配套小学"], "levels": ["primary"], "classes": [24],
                            "cost_cny": [8.0e7], "reason_zh": ["锦绣新城配套"]},
                           geometry=[Point(s.loc["S1"].geometry.x + 0.02, s.loc["S1"].geometry.y + 0.01)], crs=4326)
    return {"new_schools": new,
            "expansions": pd.DataFrame({"school": ["S3"], "level": ["junior"], "added_classes": [6],
                                        "cost_cny": [1.5e7], "reason_zh": ["初中学位不足"]}),
            "closures": pd.DataFrame({"school": ["S2"], "reason_zh": ["生源不足，并入城关第一小学"],
                                      "receiving": ["S1"]})}


# ----------------------------------------------------------------------------- real plans
#
# The map and the report are drawn from what the optimizer and the audit really write, on hand-made
# regions (optimize_fixtures: county 410001, urban 城关镇 T1 west of x = 5,000 m, rural 东乡 T2 east of
# it), glued together by the pipeline's own functions: a column the renderer expects but the optimizer
# does not write cannot hide behind a hand-made table.

#: Solved exactly in the test's process.
EXACT = PlanConfig(workers=1, mip_gap=0.0, time_limit_s=30.0, allow_closures=True)
CLASS_RULE = {"id": "class.primary", "kind": "class_size", "level": ["primary"], "force": "hard",
              "source": {"plan": "样例规划", "section": "§3.2", "text": SENTENCE, "text_en": "at most 45 a class"},
              "params": {"max_per_class": 55, "category": "large"}}


def _named(row: dict, name: str) -> dict:
    return {**row, "name": name}


@dataclass(frozen=True)
class Planned:
    """A hand-made region, its pupils, today's school table and audit, and the plan for 2025, each as the
    pipeline makes it (new schools placed at their sites by :func:`with_lonlat`)."""

    region: Region
    pupils: pd.DataFrame
    schools: pd.DataFrame
    findings: pd.DataFrame
    plan: Plan
    kpis: Kpis


def planned_region() -> tuple[Region, pd.DataFrame]:
    """城关第一小学 (S1) teaches 58.3 a class; 城关九年制学校 (S3) has 450 junior seats for 600 pupils and no
    site near it (an expansion); the new estate U5 (6,000 residents) needs a school within 500 m and has
    a tied site C5 (a new school); the hostile-named village school SA teaches 20 pupils beside SB, which
    has room for them (a closure); U9 lies beyond every school's reach (unmet)."""
    units = [unit("U1", 200, residents=6000), unit("U3", 1600, residents=9000),
             unit("U5", 3000, residents=6000, kind="new", completion_year=2024),
             unit("UA", 6000, urban=False, residents=300), unit("UB", 6600, urban=False, residents=3000),
             unit("U9", 9500, urban=False, residents=500)]
    schools = [_named(school("S1", 0, primary=(12, 700)), "城关第一小学"),
               _named(school("S3", 1500, stype="nine_year", primary=(6, 300), junior=(9, 480)), "城关九年制学校"),
               _named(school("SA", 6000, primary=(6, 20)), EVIL),
               _named(school("SB", 6600, primary=(24, 400)), "东乡中心小学")]
    sites = [_named(candidate("C5", 3050, tied_to="U5"), "新城配套用地")]
    return region(units, schools, sites), pupils(
        ("U1", "primary", 500.0), ("U3", "primary", 260.0), ("U3", "junior", 600.0), ("U5", "primary", 300.0),
        ("UA", "primary", 20.0), ("UB", "primary", 300.0), ("U9", "primary", 40.0))


@pytest.fixture(scope="module")
def planned() -> Planned:
    reg, pup = planned_region()
    rules = book(housing_rule(), CLASS_RULE)
    proposal = plan(reg, pup, rules, EXACT, reach(), year=2025)
    proposal = dataclasses.replace(proposal, new_schools=with_lonlat(proposal.new_schools, reg))
    # the plan the tests are about: one of each kind of proposal
    assert proposal.new_schools["candidate"].tolist() == ["C5"]
    assert proposal.expansions[["school", "level"]].values.tolist() == [["S3", "junior"]]
    assert proposal.closures[["school", "receiving"]].values.tolist() == [["SA", "SB"]]
    assert proposal.unmet["unit"].tolist() == ["U9"]
    assignment = assign_nearest(reg.residential, reg.schools, pup, reg.units_county())
    findings = audit_layout(rules, reg, pup, 2025)
    assert "class.primary" in set(findings["rule_id"])
    layout = kpis(reg.residential, reg.schools, pup, assignment, reach(), reg.units_county(),
                  dict(zip(reg.counties["adcode"], reg.counties["name"])))
    indicators = Kpis(scenario="sample", title="样例县", target_year=2025, synthetic=False, area=layout.area,
                      counties=layout.counties, findings=(),
                      plan=plan_summary(reg, proposal, audit_proposal(rules, reg, pup, proposal, 2025)))
    return Planned(reg, pup, school_table(reg.schools, assignment), findings, proposal, indicators)


def seat_gap_frame() -> pd.DataFrame:
    rows = []
    for y in range(2025, 2031):
        rows += [("T1", "primary", y, 600.0 + 80 * (y - 2025), 800.0),
                 ("T2", "primary", y, 300.0, 270.0), ("T1", "junior", y, 500.0, 450.0)]
    return pd.DataFrame(rows, columns=["township", "level", "year", "pupils", "seats"])


@pytest.fixture(scope="module")
def full_map(planned: Planned, tmp_path_factory) -> Path:
    r = planned
    html = build_map(r.region, r.schools, r.pupils, title="样例县 规划图", findings=r.findings, plan=r.plan,
                     unmet=r.plan.unmet, seat_gap=seat_gap_frame(), year=2025)
    path = tmp_path_factory.mktemp("map") / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- browser


def test_map_layers_legend_popups_offline(full_map: Path, planned: Planned) -> None:
    new_school = planned.plan.new_schools.iloc[0]
    expansion = planned.plan.expansions.iloc[0]
    with open_page(full_map, viewport=(1200, 800)) as (page, errors, blocked):
        control = page.locator(".leaflet-control-layers").inner_text()
        for label in ("小学", "初中", "乡镇学位缺口", "未满足的学位需求", "新建学校", "改扩建", "撤并", "规划审查问题"):
            assert label in control
        legend = page.locator("#ls-legend")
        assert legend.is_visible() and "大班额" in legend.inner_text()
        assert page.locator("path.ls-school").count() >= 3
        assert page.locator("path.ls-large").count() == 1  # S1's classes average 58.3
        assert page.locator(".leaflet-marker-pane .ls-icon-new").count() == 1
        assert page.locator(".leaflet-marker-pane .ls-icon-exp").count() == 1
        assert page.locator(".leaflet-marker-pane .ls-icon-close").count() == 1
        assert page.locator("path.ls-unmet").count() == 1
        # Markers are opened by a click on themselves (dispatched: on a strip 10 km long some overlap).
        popup = page.locator(".leaflet-popup-content")

        def opened(selector: str, has_text: str) -> str:
            page.locator(selector).dispatch_event("click")
            shown = popup.filter(has_text=has_text)
            shown.wait_for(state="visible")
            return shown.inner_text()

        # the large-class school's popup says so, with the audit's finding and the plan's sentence
        text = opened("path.ls-large", "城关第一小学")
        assert "> 55" in text and SENTENCE in text
        # every finding marker's popup quotes its rule's sentence
        finds = page.locator(".leaflet-marker-pane .ls-icon-find")
        quoted = set()
        for i in range(finds.count()):
            finds.nth(i).dispatch_event("click")
            popup.locator("blockquote").first.wait_for(state="visible")
            quoted |= set(popup.locator("blockquote").all_inner_texts())
        assert quoted == set(planned.findings["source_text"]) and SENTENCE in quoted
        # the new school's popup carries the optimizer's name, reason and cost
        new = opened(".leaflet-marker-pane .ls-icon-new", new_school["name"])
        assert new_school["reason_zh"] in new and f"{new_school['cost_cny'] / 1e4:,.0f} 万元" in new
        # the expansion's popup, the classes the optimizer adds
        exp = opened(".leaflet-marker-pane .ls-icon-exp", expansion["reason_zh"])
        assert f"+{int(expansion['added_classes'])}" in exp and "初中" in exp
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


STAFF = {"kindergarten": 7.0, "primary": 19.0, "junior": 13.5, "high": 12.5}


def by_year(unit_id: str, level: str, values: dict[int, float]) -> pd.DataFrame:
    """A unit's pupils of a level in every year 2026–2035, each given value held until the next."""
    rows = [(unit_id, level, y, float(values[max(k for k in values if k <= y)])) for y in range(2026, 2036)]
    return pd.DataFrame(rows, columns=["unit", "level", "year", "pupils"])


def years_region() -> tuple[Region, pd.DataFrame]:
    """Five stories side by side, each out of the others' reach (each alone in tests/test_horizon.py): an
    estate lived in from 2029 with a tied site (C1); a one-year peak in 2027 at S1; a nine-year school
    whose pupils move from primary to junior in 2029 (S3); a village school of 30 pupils beside one with
    room (S7 beside S6); a lasting shortfall from 2027 at S8."""
    reg = region([unit("N1", 300, residents=6000, kind="new", completion_year=2029), unit("U1", 2200),
                  unit("U3", 4200), unit("U6", 6200, urban=False), unit("U7", 6700, urban=False, residents=500),
                  unit("U8", 9600, urban=False)],
                 [school("S1", 2000, primary=(9, 400)),
                  school("S3", 4000, stype="nine_year", primary=(12, 520), junior=(6, 280)),
                  school("S6", 6000, primary=(12, 400)), school("S7", 6800, primary=(6, 30)),
                  school("S8", 9500, primary=(9, 400))],
                 [candidate("C1", 350, tied_to="N1")])
    return reg, pd.concat([
        by_year("N1", "primary", {2026: 0.0, 2029: 480.0}), by_year("U1", "primary", {2026: 400, 2027: 495, 2028: 400}),
        by_year("U3", "primary", {2026: 520, 2029: 340}), by_year("U3", "junior", {2026: 280, 2029: 400}),
        by_year("U6", "primary", {2026: 400}), by_year("U7", "primary", {2026: 30}),
        by_year("U8", "primary", {2026: 400, 2027: 580})], ignore_index=True)


def test_the_year_slider_steps_through_a_plan_over_years(tmp_path: Path) -> None:
    """The optimizer's plan over years on the map: each new school, block and closure shows from its
    ``open_by`` year, rented rooms in their years only and room conversions from theirs, as the slider moves."""
    reg, pup = years_region()
    config = PlanConfig(workers=1, mip_gap=0.0, time_limit_s=60.0, allow_closures=True, horizon=Horizon())
    years = plan_years(reg, pup, book(housing_rule()), config, reach(), staff_ratio=STAFF)
    acts = years.actions[years.actions["action"] != "land"]
    assert acts[["year", "action", "school"]].values.tolist() == [
        [2026, "close", "S7"], [2027, "expand", "S8"], [2027, "temporary", "S1"], [2029, "build", "C1"],
        [2029, "convert", "S3"]]
    proposal = dataclasses.replace(years.plan, new_schools=with_lonlat(years.plan.new_schools, reg))
    today = pup[pup["year"] == 2026][["unit", "level", "pupils"]]
    table = school_table(reg.schools, assign_nearest(reg.residential, reg.schools, today, reg.units_county()))
    slider = list(range(2025, 2036))
    gap = pd.DataFrame([(tw, "primary", y, 1000.0, 900.0) for tw in ("T1", "T2") for y in slider],
                       columns=["township", "level", "year", "pupils", "seats"])
    html = build_map(reg, table, today, title="逐年", plan=proposal, seat_gap=years.township_gap(reg, gap),
                     year=2025, timeline=years.actions)
    path = tmp_path / "years.html"
    path.write_text(html, encoding="utf-8")
    pane = ".leaflet-marker-pane .ls-icon-"
    temporary = acts[acts["action"] == "temporary"]

    def due(year: int) -> dict[str, int]:
        """What the optimizer's own tables say stands in ``year``."""
        def opened(frame: pd.DataFrame) -> int:
            return int((frame["open_by"] <= year).sum())

        return {"new": opened(proposal.new_schools), "exp": opened(proposal.expansions),
                "close": opened(proposal.closures),
                "tmp": int(((temporary["year"] <= year) & (temporary["until_year"] >= year)).sum()),
                "conv": int(((acts["action"] == "convert") & (acts["year"] <= year)).sum())}

    def at(page, year: int) -> dict[str, int]:
        page.evaluate("""([years, y]) => { const r = document.querySelector('.ls-year-range');
                                          r.value = years.indexOf(y); r.dispatchEvent(new Event('input')); }""",
                      [slider, year])
        assert page.locator(".ls-year").inner_text() == str(year)
        return {k: page.locator(pane + k).count() for k in ("new", "exp", "close", "tmp", "conv")}

    with open_page(path) as (page, errors, blocked):
        assert page.locator(".ls-year").inner_text() == "2025"
        assert {k: page.locator(pane + k).count() for k in ("new", "exp", "close", "tmp", "conv")} == due(2025)
        for year in slider:
            assert at(page, year) == due(year), year
        assert at(page, 2028)["tmp"] == 0 and at(page, 2027)["tmp"] == 1  # rented for the peak alone
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


def test_report_offline_with_findings_tables_and_charts(planned: Planned, tmp_path: Path) -> None:
    r = planned
    html = build_report(r.region, r.schools, r.pupils, r.kpis, title="样例县 评估报告", findings=r.findings,
                        plan=r.plan, seat_gap=seat_gap_frame())
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with open_page(path, viewport=(1200, 900)) as (page, errors, blocked):
        body = page.evaluate("document.body.innerText")
        for text in ("主要指标", "普惠性幼儿园覆盖率", "服务半径内学生占比", "大班额占比", SENTENCE,
                     r.plan.new_schools["name"].iloc[0], "分县（市、区）指标", "分乡镇学位供需", "分年度学位供需"):
            assert text in body
        assert EVIL in body and page.locator("img").count() == 0  # the closing school's name, as text
        closing = page.locator("#plan-close").inner_text()
        assert EVIL in closing and "东乡中心小学" in closing  # the school the optimizer sends its pupils to
        expanded = page.locator("#plan-expand").inner_text()
        assert "城关九年制学校" in expanded and f"+{int(r.plan.expansions['added_classes'].iloc[0])}" in expanded
        assert page.locator("svg.chart").count() >= 3
        assert page.locator("#year-table tr").count() == 1 + 12  # 2 levels × 6 years
        # the optimizer's total, in 亿元 on the card and 万元 above the tables
        assert f"{r.plan.cost_cny / 1e8:,.2f}" in page.locator(".card").filter(has_text="投资").inner_text()
        assert f"{r.plan.cost_cny / 1e4:,.0f}" in page.locator("#plan").evaluate("e => e.nextElementSibling.innerText")
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


def test_plan_frames_from_the_optimizers_tables(planned: Planned) -> None:
    """New schools at their sites (lon/lat from the pipeline, or a geometry), expansions and closures at
    their schools, the total as the optimizer's."""
    reg, proposal = planned.region, planned.plan
    frames = as_plan(proposal, reg.schools)
    assert frames.cost_cny == pytest.approx(proposal.cost_cny)
    site = reg.candidates.to_crs(4326).set_index("id").geometry["C5"]
    assert frames.new_schools.loc[0, ["lon", "lat"]].tolist() == pytest.approx([site.x, site.y])
    sites = gpd.GeoDataFrame(proposal.new_schools.drop(columns=["lon", "lat"]), crs=reg.crs,
                             geometry=[reg.candidates.set_index("id").geometry[c] for c in proposal.new_schools["candidate"]])
    assert as_plan({"new_schools": sites}).new_schools.loc[0, ["lon", "lat"]].tolist() == pytest.approx([site.x, site.y])
    schools = reg.schools.to_crs(4326).set_index("id").geometry
    assert frames.closures.loc[0, "name"] == EVIL
    assert frames.closures.loc[0, ["lon", "lat"]].tolist() == pytest.approx([schools["SA"].x, schools["SA"].y])
    assert frames.expansions.loc[0, ["lon", "lat"]].tolist() == pytest.approx([schools["S3"].x, schools["S3"].y])
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


def test_a_closures_popup_names_the_school_taking_its_pupils(planned: Planned) -> None:
    """The map's closure popup said "并入 SB" (an id) where the report says the school's name."""
    spec = map_spec(planned.region, planned.schools, planned.pupils, plan=planned.plan)
    closures = next(layer for layer in spec["layers"] if layer["id"] == "closures")
    rows = [row for sec in closures["features"][0]["properties"]["p"] for row in sec["r"]]
    assert ["并入", "东乡中心小学"] in rows


# ----------------------------------------------------------------------------- the plan's targets


def _target(id: str, level: list[str], action: str, lo: int | None, hi: int | None, unit: str = "schools") -> dict:
    return {"id": id, "level": level, "action": action, "min": lo, "max": hi, "unit": unit, "period": "2021-2025",
            "source_text": f"规划原文{id}", "section": "专栏2"}


#: A hand-made target list for the planned region (one new primary school C5, its junior expansion at S3).
TARGETS = [_target("new.primary", ["primary"], "new", 1, 1),
           _target("expand.junior", ["junior"], "expand", 2, 3),
           _target("compulsory", ["primary", "junior"], "new_or_expand", None, 1),
           _target("seats.compulsory", ["primary", "junior"], "seats", 0, None, unit="seats"),
           _target("seats.new.junior", ["junior"], "new", 1, None, unit="seats"),
           _target("kindergarten", ["kindergarten"], "new_or_expand", 40, 50)]


def _targets_book():
    from layoutsim.rules.book import Rulebook

    base = book(housing_rule(), CLASS_RULE)
    return Rulebook.model_validate({"id": "test", "plan": "样例规划", "rules": [r.model_dump() for r in base],
                                    "targets": TARGETS})


def test_target_figures_count_the_real_plan(planned: Planned) -> None:
    """The proposal's figures toward each target, counted from the optimizer's own tables."""
    from layoutsim.render.targets import target_figures

    rb = _targets_book()
    p = planned.plan
    new, exp = p.new_schools.iloc[0], p.expansions.iloc[0]
    assert new["levels"] == "primary" and exp["level"] == "junior"
    new_seats = float(new["classes_primary"]) * rb.class_size("primary")
    assert new_seats == pytest.approx(float(new["seats"]))  # the optimizer's own seats
    got = {f.target.id: f for f in target_figures(p, rb.targets, rb.class_size)}
    assert [(got[i].proposed, got[i].status) for i in ("new.primary", "expand.junior", "compulsory",
                                                       "kindergarten")] == [
        (1, "within"), (1, "below"), (2, "above"), (0, "below")]
    assert (got["compulsory"].new_schools, got["compulsory"].expanded_schools) == (1, 1)
    seats = got["seats.compulsory"]
    assert seats.new_seats == pytest.approx(new_seats)
    assert seats.expansion_seats == pytest.approx(float(exp["seats_added"]))
    assert seats.proposed == pytest.approx(new_seats + float(exp["seats_added"])) and seats.status == "within"
    assert (got["seats.new.junior"].proposed, got["seats.new.junior"].status) == (0, "below")
    # the report's frames count the same; so do hand-made tables without classes by level or seats_added
    frames = as_plan(p, planned.region.schools)
    bare = {"new_schools": p.new_schools.drop(columns=[c for c in p.new_schools if c.startswith("classes_")]),
            "expansions": p.expansions.drop(columns=["seats_added"])}
    for plan_like in (frames, bare):
        again = {f.target.id: f.proposed for f in target_figures(plan_like, rb.targets, rb.class_size)}
        assert again == pytest.approx({i: f.proposed for i, f in got.items()})


def _report(planned: Planned, rulebook, lang: str = "zh") -> str:
    r = planned
    return build_report(r.region, r.schools, r.pupils, r.kpis, title="样例县", lang=lang, findings=r.findings,
                        plan=r.plan, seat_gap=seat_gap_frame(), rulebook=rulebook)


def test_report_sets_the_plans_targets_beside_the_proposal(planned: Planned) -> None:
    """规划目标与本方案对比: a row per target with the plan's figure, the proposal's, its new and expanded
    schools, the remark, the period and the plan's sentence; in English with lang = "en"."""
    html = _report(planned, _targets_book())
    table = html[html.index('id="plan-targets-table"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-target="([^"]+)" data-status="(\w+)">(.*?)</tr>', table, re.S)
    assert [(i, s) for i, s, _ in rows] == [
        ("new.primary", "within"), ("expand.junior", "below"), ("compulsory", "above"),
        ("seats.compulsory", "within"), ("seats.new.junior", "below"), ("kindergarten", "below")]
    cells = {i: re.findall(r"<td[^>]*>(.*?)</td>", body, re.S) for i, _, body in rows}
    assert cells["expand.junior"][:5] == ["改扩建初中", "2–3 所", "1 所", "新建 0、改扩建 1", "低于规划目标（少1）"]
    assert cells["compulsory"][:5] == ["新建、改扩建义务教育学校", "≤ 1 所", "2 所", "新建 1、改扩建 1", "高于规划目标（多1）"]
    assert cells["seats.new.junior"][:4] == ["新建初中新增学位", "≥ 1 个学位", "0 个学位",
                                         f"新建 0、改扩建 {planned.plan.expansions['seats_added'].sum():,.0f}"]
    assert cells["kindergarten"][1] == "40–50 所" and cells["new.primary"][4] == "与规划目标相同"
    assert cells["seats.compulsory"][4] == "在规划目标范围内"
    assert "规划原文expand.junior" in cells["expand.junior"][6] and cells["expand.junior"][7] == "样例规划 专栏2"
    assert "规划目标与本方案对比" in html and "对比仅供参考" in html and "2021-2025" in html
    en = _report(planned, _targets_book(), lang="en")
    assert "The plan&#39;s targets vs this proposal" in en and "indicative" in en and "expanded junior middle schools" in en
    assert "new or expanded kindergartens</td><td>40–50 schools</td><td>0 schools</td>" in en
    assert "1 school</td><td>1 school</td>" in en


def test_report_has_no_targets_table_without_targets(planned: Planned) -> None:
    """A book without [[targets]], or no book, draws no such table."""
    html = _report(planned, book(housing_rule(), CLASS_RULE))
    assert "plan-targets" not in html and "规划目标与本方案对比" not in html
    assert "plan-targets" not in _report(planned, None)
