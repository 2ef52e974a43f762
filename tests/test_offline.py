"""offline_html: one self-contained page, no CDN, working in a Chromium with the network cut."""
from __future__ import annotations

import re

import folium
import pytest
from branca.element import MacroElement
from folium.template import Template

from layoutsim.render.offline import (
    ASSETS,
    OfflineAssetError,
    esc,
    inlined_bytes,
    offline_html,
)

try:
    from tests.browser import open_page, screenshot
except ImportError:  # tests/ run as a rootdir-less folder
    from browser import open_page, screenshot  # type: ignore[no-redef]

EVIL = "<img src=x onerror=alert(1)>`${alert(2)}`</script><script>alert(3)</script>\\"

DISTRICTS = [
    ("金水区第一学区", 1200, [[113.60, 34.74], [113.63, 34.74], [113.63, 34.77], [113.60, 34.77]]),
    ("二七区第二学区", 950, [[113.63, 34.74], [113.66, 34.74], [113.66, 34.77], [113.63, 34.77]]),
]
SCHOOLS = [
    ("郑州市第一中学", 34.750, 113.615),
    ("金水区实验小学", 34.760, 113.625),
    ("二七区育才小学", 34.755, 113.645),
]


class Legend(MacroElement):
    """A fixed HTML/CSS legend (the kind the map builder adds)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <div id="layoutsim-legend" style="position:fixed; bottom:24px; right:12px; z-index:1000;
             background:#fff; padding:6px 10px; border:1px solid #999; font-size:14px;">
          <b>{{ this.title }}</b><br>
          {% for color, label in this.items %}
          <span style="display:inline-block;width:12px;height:12px;background:{{ color }}"></span>
          {{ label }}<br>
          {% endfor %}
        </div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: list[tuple[str, str]]):
        super().__init__()
        self._name = "Legend"
        self.title = esc(title)
        self.items = [(color, esc(label)) for color, label in items]


def build_map(schools=SCHOOLS) -> folium.Map:
    m = folium.Map(location=[34.755, 113.63], zoom_start=13, tiles=None)
    features = [
        {
            "type": "Feature",
            "properties": {"name": esc(name), "capacity": cap},
            "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
        }
        for name, cap, ring in DISTRICTS
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="学区",
        style_function=lambda f: {"color": "#555", "fillColor": "#9cf", "weight": 1, "className": "district"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["学区"]),
        popup=folium.GeoJsonPopup(fields=["name", "capacity"], aliases=["学区", "学位数"]),
    ).add_to(m)
    group = folium.FeatureGroup(name="学校")
    for i, (name, lat, lon) in enumerate(schools):
        folium.CircleMarker(
            [lat, lon],
            radius=9,
            color="#c00",
            fill=True,
            fill_color="#f66",
            fill_opacity=0.9,
            class_name=f"school school-{i}",
            popup=folium.Popup(esc(name)),
            tooltip=folium.Tooltip(esc(name)),
        ).add_to(group)
    group.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    Legend("图例", [("#9cf", "学区"), ("#f66", "学校")]).add_to(m)
    return m


def write_page(tmp_path, m: folium.Map) -> tuple[str, object]:
    html = offline_html(m)
    path = tmp_path / "map.html"
    path.write_text(html, encoding="utf-8")
    return html, path


# ----------------------------------------------------------------------------- no browser


def test_no_remote_script_or_stylesheet():
    html = offline_html(build_map())
    assert not re.search(r"<script[^>]+src\s*=", html, re.I)
    assert not re.search(r"<link[^>]+href\s*=", html, re.I)
    # Leaflet's attribution has a plain <a href="https://leafletjs.com"> (a link, loads nothing):
    # look at everything but the vendored code.
    page_only = re.sub(r'<(script|style) data-asset="[^"]+">.*?</\1>', "", html, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page_only, re.I)
    assert not re.search(r"jsdelivr|cdnjs|bootstrapcdn|jquery\.com|unpkg", html)
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">")
    assert "郑州市第一中学" in html
    sizes = inlined_bytes(html)
    assert set(sizes) == {"leaflet", "leaflet_css", "jquery"}
    assert 150_000 < sum(sizes.values()) < 250_000, sizes
    assert "url(images/" not in html and "sourceMappingURL" not in html


def test_map_object_is_restored_after_render():
    m = build_map()
    offline_html(m)
    later = m.get_root().render()  # what m.save() would write: folium's own links, no placeholder
    assert "layoutsim-asset:" not in later
    assert 'src="https://' in later
    assert offline_html(m) == offline_html(m)  # rendering again gives the same page


def test_unvendored_plugin_asset_raises():
    from folium.plugins import Fullscreen

    m = build_map()
    Fullscreen().add_to(m)
    with pytest.raises(OfflineAssetError, match="not vendored"):
        offline_html(m)


def test_registering_an_asset_makes_it_inline(monkeypatch):
    from folium.elements import JSCSSMixin

    class Plugin(JSCSSMixin):
        default_js = [("layoutsim_test_js", "https://cdn.example.invalid/x.js")]

    m = build_map()
    Plugin().add_to(m)
    with pytest.raises(OfflineAssetError, match="layoutsim_test_js"):
        offline_html(m)
    monkeypatch.setitem(ASSETS, "layoutsim_test_js", ("shims/jquery-shim.js",))
    html = offline_html(m)
    assert '<script data-asset="layoutsim_test_js">' in html


def test_remote_tiles_and_awesome_icons_raise():
    with pytest.raises(OfflineAssetError, match="tiles=None"):
        offline_html(folium.Map(location=[34.7, 113.6]))
    m = build_map()
    folium.Marker([34.75, 113.62], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(OfflineAssetError, match="folium.Icon"):
        offline_html(m)


def test_esc_neutralises_html_and_template_literals():
    out = esc(EVIL)
    for ch in "<>`$\\\"'":
        assert ch not in out
    assert esc(None) == "" and esc(3) == "3" and esc("学校 & 幼儿园") == "学校 &amp; 幼儿园"


# ----------------------------------------------------------------------------- browser


def test_map_works_offline_in_chromium(tmp_path):
    _, path = write_page(tmp_path, build_map())
    with open_page(path) as (page, errors, blocked):
        page.wait_for_selector(".leaflet-container")
        assert page.evaluate("typeof L === 'object' && L.version") == "1.9.4"
        assert page.locator(".leaflet-container").count() == 1
        assert page.locator("path.district").count() == len(DISTRICTS)
        assert page.locator("path.school").count() == len(SCHOOLS)
        assert page.locator(".leaflet-overlay-pane path").count() == len(DISTRICTS) + len(SCHOOLS)

        # layer control with the two overlays, Chinese names
        control = page.locator(".leaflet-control-layers")
        assert control.is_visible()
        assert "学区" in control.inner_text() and "学校" in control.inner_text()

        # legend visible and on top of the map
        legend = page.locator("#layoutsim-legend")
        assert legend.is_visible()
        assert "图例" in legend.inner_text()
        box = legend.bounding_box()
        on_top = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('#layoutsim-legend') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top

        # popup opens on click of a school, with its Chinese name
        page.locator("path.school-1").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert popup.inner_text().strip() == "金水区实验小学"

        # tooltip on hover
        page.locator("path.school-2").hover()
        page.locator(".leaflet-tooltip").filter(has_text="二七区育才小学").wait_for(state="visible")

        # GeoJSON popup on a district
        page.locator(".leaflet-popup-close-button").click()
        page.locator("path.district").first.click(position={"x": 10, "y": 10})
        page.locator(".leaflet-popup-content").filter(has_text="学位数").wait_for(state="visible")

        # Chinese renders as text (not mojibake)
        body = page.evaluate("document.body.innerText")
        assert "学区" in body and "图例" in body
        assert page.evaluate("document.characterSet") == "UTF-8"
        assert page.evaluate("document.documentElement.lang") == "zh-CN"

        png = screenshot(page, tmp_path / "map.png")
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    assert errors == []
    assert blocked == []


def test_default_marker_icon_loads_offline(tmp_path):
    m = build_map()
    folium.Marker([34.752, 113.62], tooltip=esc("默认标记")).add_to(m)
    _, path = write_page(tmp_path, m)
    with open_page(path) as (page, errors, blocked):
        icon = page.locator("img.leaflet-marker-icon")
        icon.wait_for()
        assert icon.get_attribute("src").startswith("data:image/png;base64,")
        page.wait_for_function("document.querySelector('img.leaflet-marker-icon').naturalWidth > 0")
        page.wait_for_function("document.querySelector('img.leaflet-marker-shadow').naturalWidth > 0")
    assert errors == [] and blocked == []


def test_hostile_school_name_shows_as_text_and_runs_nothing(tmp_path):
    m = build_map(schools=[(EVIL, 34.750, 113.615), ("正常学校", 34.760, 113.625)])
    _, path = write_page(tmp_path, m)
    dialogs: list[str] = []
    with open_page(path) as (page, errors, blocked):
        page.on("dialog", lambda d: dialogs.append(d.message))
        page.locator("path.school-0").hover()
        tip = page.locator(".leaflet-tooltip").filter(has_text="onerror")
        tip.wait_for(state="visible")
        assert tip.inner_text().strip() == EVIL
        page.locator("path.school-0").click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(state="visible")
        assert popup.inner_text().strip() == EVIL
        assert page.locator(".leaflet-popup-content img, .leaflet-tooltip img").count() == 0
        page.wait_for_timeout(300)  # give a stray onerror time to fire
    assert dialogs == []
    assert errors == []
    assert blocked == []  # <img src=x> would have fetched file:///.../x, an <img src=http> would be blocked


def test_browser_harness_records_blocked_requests(tmp_path):
    path = tmp_path / "net.html"
    path.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        '<img src="https://example.com/x.png"><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    with open_page(path) as (page, errors, blocked):
        page.wait_for_timeout(200)
    assert any(u.startswith("https://example.com/") for u in blocked)
    assert any("boom" in e for e in errors)
