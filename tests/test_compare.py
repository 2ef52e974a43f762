"""方案比选: compare() writes one offline page whose maps move together and that shows what differs."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from browser import open_page
from conftest import HORIZON, SCENARIO, write_tiny
from layoutsim.render.compare import compare, compare_html
from layoutsim.pipeline import run
from test_render import EVIL, hostile_layers, plan_frames

ROOT = Path(__file__).resolve().parents[1]
ALT = """extends = "scenario.toml"
[scenario]
id = "tiny-alt"
title = "样例县 低出生方案"
target_year = 2030
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp")
    base = write_tiny(folder, hostile_layers(), SCENARIO)
    (folder / "alt.toml").write_text(ALT, encoding="utf-8")
    a = run(base, folder / "a")
    b = run(folder / "alt.toml", folder / "b")
    # a hand-made plan for the alternative, so what differs is known exactly
    b = SimpleNamespace(**{**vars(b), "plan": plan_frames(b)})
    return a, b


@pytest.fixture(scope="module")
def page_path(runs, tmp_path_factory) -> Path:
    return compare(list(runs), tmp_path_factory.mktemp("out") / "cmp")


def test_compare_writes_one_page_with_what_differs(page_path: Path) -> None:
    assert page_path.name == "compare.html" and page_path.is_file()
    assert [p.name for p in page_path.parent.iterdir() if not p.name.startswith(".")] == ["compare.html"]
    html = page_path.read_text(encoding="utf-8")
    assert "样例县 基准方案" in html and "样例县 低出生方案" in html
    assert EVIL not in html  # the hostile closure name is escaped


def test_compare_needs_two_runs(runs) -> None:
    with pytest.raises(ValueError, match="two"):
        compare_html([runs[0]])


def test_compare_maps_move_together_offline(page_path: Path) -> None:
    with open_page(page_path, viewport=(1400, 900)) as (page, errors, blocked):
        assert page.locator(".leaflet-container").count() == 2
        assert page.evaluate("window.LayoutsimMaps.length") == 2
        centre = "i => { const c = window.LayoutsimMaps[i].map.getCenter(); return [c.lat, c.lng]; }"
        before = page.evaluate(centre, 1)
        box = page.locator("#cmp-map-0").bounding_box()
        x, y = box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.8
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 150, y - 60, steps=8)
        page.mouse.up()
        page.wait_for_timeout(1500)  # let the drag's inertia finish
        after0, after1 = page.evaluate(centre, 0), page.evaluate(centre, 1)
        assert after1 != before
        assert after1 == pytest.approx(after0, abs=1e-7)
        # zoom the second: the first follows
        page.evaluate("window.LayoutsimMaps[1].map.zoomIn(1, {animate: false})")
        assert page.evaluate("window.LayoutsimMaps[0].map.getZoom()") == page.evaluate(
            "window.LayoutsimMaps[1].map.getZoom()")
        # indicators side by side with differences; what differs; overlaid charts
        table = page.locator("#indicator-table").inner_text()
        assert "差值" in table and "服务半径内学生占比" in table
        diff = page.locator("#difference-table").inner_text()
        assert "目标年" in diff and "2030" in diff and "新城配套小学" in diff and EVIL in diff
        assert page.locator("svg.chart").count() >= 2
        assert "样例县 低出生方案" in page.locator("svg.chart").first.inner_html()
        # a popup opens on the second map
        page.locator("#cmp-map-1 .leaflet-marker-pane .ls-icon-new").dispatch_event("click")
        page.locator("#cmp-map-1 .leaflet-popup-content", has_text="新城配套小学").wait_for(state="visible")
        assert page.locator("img[src='x']").count() == 0
    assert errors == [] and blocked == []


def test_alternative_scenarios_load() -> None:
    from layoutsim.config.scenario import load_scenario

    for path in sorted((ROOT / "scenarios").glob("*/alt-*.toml")):
        alt = load_scenario(path)
        base = load_scenario(path.parent / "baseline.toml")
        assert alt.id != base.id and alt.data == base.data
        assert alt.forecast != base.forecast or alt.scenario.target_year != base.scenario.target_year


def test_plans_over_years_are_compared_year_by_year(tmp_path: Path) -> None:
    """Two plans over 2026–2035, the second with nothing to spend: the page shows both timelines side by
    side, each year's capital as in each run's plan_actions.csv, and each run's seats against its pupils."""
    from layoutsim.render.compare import _timelines

    base = write_tiny(tmp_path, scenario=SCENARIO + HORIZON)
    (tmp_path / "tight.toml").write_text('extends = "scenario.toml"\n[scenario]\nid = "tiny-tight"\n'
                                         'title = "样例县 零预算"\n[plan]\nbudget_cny = 0\n', encoding="utf-8")
    a, b = run(base, tmp_path / "a"), run(tmp_path / "tight.toml", tmp_path / "b")
    view = _timelines([a, b], ["基准", "零预算"], "zh")
    assert view is not None
    spent = a.years_plan.actions.groupby("start_year")["capital_cny"].sum()  # booked where work starts
    assert spent.sum() > 0 and b.years_plan.actions["capital_cny"].sum() == 0
    by_year = {r["year"]: r["cells"] for r in view["rows"]}
    for year, cny in spent.items():
        assert by_year[year][1] == f"{cny / 1e4:,.0f}" and by_year[year][3] in ("0", "—")
    assert len(view["charts"]) >= 1 and "零预算" in str(view["charts"][0])
    html = compare([a, b], tmp_path / "cmp").read_text(encoding="utf-8")
    assert 'id="timeline-table"' in html and "展望年闲置学位" in html


def test_the_comparisons_maps_are_free_of_overlays_and_share_one_control(page_path: Path) -> None:
    with open_page(page_path, viewport=(1400, 900)) as (page, errors, blocked):
        covered = page.evaluate("""() => [0, 1].map(i => {
            const box = document.getElementById('cmp-map-' + i), b = box.getBoundingClientRect();
            const area = [...box.querySelectorAll('.leaflet-control')].reduce((s, c) => {
                const r = c.getBoundingClientRect(); return s + r.width * r.height; }, 0);
            return area / (b.width * b.height); })""")
        assert all(c < 0.10 for c in covered), covered
        assert page.locator("#ls-shared .ls-legend").count() == 1 and page.locator("#cmp-map-0 .ls-legend").count() == 0
        page.evaluate("""() => { const r = document.querySelector('#ls-shared .ls-year-range');
                                 r.value = r.max; r.dispatchEvent(new Event('input')); }""")
        years = page.evaluate("() => window.LayoutsimMaps.map(h => h.gap.lsState.year)")
        last = page.evaluate("() => Math.max(...window.LayoutsimMaps[0].spec.layers.find(l => l.kind === 'gap').years)")
        assert years == [last, last]  # the one control moved both maps to the last year
    assert errors == [] and blocked == []


def test_the_shared_legend_has_every_maps_items(page_path: Path) -> None:
    """The alternative has a hand-made plan (new school, expansion, closure) the baseline may lack: the one
    legend lists every item of either map's legend."""
    with open_page(page_path, viewport=(1400, 900)) as (page, errors, blocked):
        labels = page.evaluate("() => window.LayoutsimMaps.flatMap(h => h.spec.legend.map(i => i.label))")
        shared = page.locator("#ls-shared .ls-legend").inner_text()
        assert all(label in shared for label in labels)
    assert errors == [] and blocked == []
