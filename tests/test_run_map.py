"""The run's map in a real browser (Debian's Chromium) with the network cut."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from browser import open_page
from layoutsim.pipeline import run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("beiguan")
    run(ROOT / "scenarios" / "beiguan" / "baseline.toml", out)
    return out / "index.html"


def test_baseline_map_loads_offline_with_its_layers(baseline_map: Path) -> None:
    with open_page(baseline_map, viewport=(1200, 800)) as (page, errors, blocked):
        control = page.locator(".leaflet-control-layers").inner_text()
        for label in ("县（市、区）", "乡镇（街道）", "幼儿园", "小学", "初中", "高中", "居住区需求", "服务范围：小学"):
            assert label in control
        # shown by default: the county, its townships, and the primary and junior schools
        schools = gpd.read_file(ROOT / "data" / "beiguan" / "schools.geojson")
        shown = sum(int((schools[f"classes_{lv}"] > 0).sum()) for lv in ("primary", "junior"))
        townships = len(gpd.read_file(ROOT / "data" / "beiguan" / "townships.geojson"))
        drawn = page.evaluate("""() => [...document.querySelectorAll('path.leaflet-interactive:not(.ls-unmet)')]
                                     .filter(p => getComputedStyle(p).display !== 'none').length""")
        assert drawn == 1 + townships + shown
        legend = page.locator("#ls-legend")
        assert legend.is_visible() and "图例" in legend.inner_text()
        assert "合成数据" in legend.inner_text()  # synthetic data are labelled on the map
        # open a school's popup: switch on the high-school layer and click one of its circles
        page.get_by_role("checkbox", name="高中", exact=True).check()
        page.evaluate("""() => {
            const paths = [...document.querySelectorAll('path.leaflet-interactive')];
            const circle = paths.filter(p => (p.getAttribute('d') || '').includes('a')).pop();
            circle.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 1, clientY: 1}));
        }""")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert "学位" in popup.inner_text() and "班" in popup.inner_text()
        assert errors == [] and blocked == []


def test_catchment_layer_draws_one_line_per_unit(baseline_map: Path) -> None:
    with open_page(baseline_map, viewport=(1200, 800)) as (page, errors, blocked):
        before = page.locator("path.leaflet-interactive").count()
        page.locator(".leaflet-control-layers label", has_text="服务范围：小学").locator("input").check()
        lines = page.locator("path.leaflet-interactive").count() - before
        units = len(gpd.read_file(ROOT / "data" / "beiguan" / "residential.geojson"))
        # every unit with primary pupils in 2025 has its line (new estates completed later have none)
        assert 0.8 * units <= lines <= units
        assert errors == [] and blocked == []
