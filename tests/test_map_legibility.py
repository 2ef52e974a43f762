"""Maps a meeting room can read (Chromium, offline): the area in view on open, counties summed and schools
hidden at city zoom, every school from a county zoom on, names for every county and township that never
collide, a folding legend, presentation mode by flag and key; the comparison's maps free of overlays."""
from __future__ import annotations

from pathlib import Path

import pytest

from browser import open_page

ROOT = Path(__file__).resolve().parents[1]

VISIBLE = """(sel) => [...document.querySelectorAll(sel)].filter(e => {
    const s = getComputedStyle(e); return s.display !== 'none' && s.visibility !== 'hidden'; }).length"""
SYMBOLS = "path.leaflet-interactive, .leaflet-marker-icon"


@pytest.fixture(scope="module")
def pingdingshan(tmp_path_factory) -> tuple[Path, object]:
    """平顶山's map of today's layout: 10 counties, about 1,500 schools, the seat gap to 2035."""
    from layoutsim.config.scenario import load_scenario
    from layoutsim.metrics import school_table
    from layoutsim.pipeline import _today
    from layoutsim.render.map import build_map
    from layoutsim.simulate import outlook

    sc = load_scenario(ROOT / "scenarios" / "pingdingshan" / "baseline.toml")
    today = _today(sc, lambda s: None)
    table = school_table(today.region.schools, today.assignment)
    gap = outlook(today.region, today.forecast, today.assignment).seat_gap
    html = build_map(today.region, table, today.pupils, title=sc.scenario.title, seat_gap=gap, year=2025,
                     unmet=today.assignment.unmet)
    path = tmp_path_factory.mktemp("pds") / "index.html"
    path.write_text(html, encoding="utf-8")
    return path, today.region


@pytest.mark.parametrize("viewport", [(1600, 1000), (1024, 768)])
def test_the_area_opens_in_view_and_summed_by_county(pingdingshan, viewport) -> None:
    path, region = pingdingshan
    with open_page(path, viewport=viewport) as (page, errors, blocked):
        fit = page.evaluate("""() => { const h = window.LayoutsimMaps[0], m = h.map, b = L.latLngBounds(h.spec.bounds);
            const a = m.latLngToContainerPoint(b.getSouthWest()), c = m.latLngToContainerPoint(b.getNorthEast());
            const size = m.getSize();
            return [m.getBounds().contains(b), (c.x - a.x) / size.x, (a.y - c.y) / size.y]; }""")
        inside, width, height = fit
        assert inside and max(width, height) > 0.75  # the area fills the window in one direction
        assert page.evaluate(VISIBLE, SYMBOLS) < 300
        assert page.evaluate(VISIBLE, "path.ls-school") == 0 and page.evaluate(VISIBLE, "path.ls-gap-county") == 10
        assert page.locator(".ls-label-county").count() == len(region.counties)
        assert page.locator(".ls-label-township").count() == len(region.townships)
        assert page.evaluate(VISIBLE, ".ls-label-county") == len(region.counties)  # none hidden by a clash
    assert errors == [] and blocked == []


def test_a_county_zoom_shows_its_schools_and_names_its_townships_without_collisions(pingdingshan) -> None:
    path, region = pingdingshan
    with open_page(path, viewport=(1600, 1000)) as (page, errors, blocked):
        page.evaluate("""() => { const m = window.LayoutsimMaps[0].map;
            const c = window.LayoutsimMaps[0].layers.counties.getLayers().find(l => l.feature.properties.t === '新华区');
            m.fitBounds(c.getBounds(), {animate: false}); }""")
        page.wait_for_timeout(300)
        assert not page.evaluate("() => document.querySelector('.leaflet-container').classList.contains('ls-overview')")
        assert page.evaluate(VISIBLE, "path.ls-school") > 20
        assert page.evaluate(VISIBLE, ".ls-label-township") > 3
        overlaps = page.evaluate("""() => { const r = [...document.querySelectorAll('.ls-label')].filter(e => {
                const s = getComputedStyle(e); return s.display !== 'none' && s.visibility !== 'hidden'; })
              .map(e => e.getBoundingClientRect()).filter(b => b.width > 0);
            let n = 0; for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)
              if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++;
            return n; }""")
        assert overlaps == 0
    assert errors == [] and blocked == []


def test_presentation_mode_by_flag_and_key(pingdingshan) -> None:
    path, _ = pingdingshan
    with open_page(path, viewport=(1024, 768)) as (page, errors, blocked):
        page.goto(path.as_uri() + "?present")
        page.wait_for_selector(".leaflet-container")
        assert page.evaluate("() => document.body.classList.contains('ls-present')")
        bar = page.locator(".ls-present-bar")
        assert bar.is_visible() and "2025" in bar.inner_text() and "合成数据" in bar.inner_text()
        assert not page.locator(".leaflet-control-layers").is_visible()
        page.keyboard.press("ArrowRight")
        assert "2026" in bar.inner_text()
        page.keyboard.press("Escape")
        assert not page.evaluate("() => document.body.classList.contains('ls-present')")
        page.keyboard.press("p")
        assert page.evaluate("() => document.body.classList.contains('ls-present')")
    assert errors == [] and blocked == []


def test_the_legend_folds_and_starts_folded_on_a_small_window(pingdingshan) -> None:
    path, _ = pingdingshan
    with open_page(path, viewport=(800, 600)) as (page, errors, blocked):
        legend = page.locator("#ls-legend")
        assert "ls-folded" in legend.get_attribute("class")
        page.locator(".ls-legend-head").click()
        assert "ls-folded" not in legend.get_attribute("class") and "合成数据" in legend.inner_text()
    assert errors == [] and blocked == []
