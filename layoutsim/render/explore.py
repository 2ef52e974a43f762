"""The run's map as a folium map, for notebooks: ``result.explore()``, as ``GeoDataFrame.explore()`` does.

Built from the same map data the run's pages draw (:func:`layoutsim.render.map.map_spec`): the same
layers, colours, sizes and popups. No base tiles by default, so it works offline; pass ``tiles=`` (any
folium tiles name) when online. :func:`layoutsim.render.offline.offline_html` saves it as one
self-contained page.
"""
from __future__ import annotations

import html
from typing import Any

import folium

__all__ = ["explore_map"]


def _popup(sections: list[dict[str, Any]]) -> str:
    """A feature's popup: a heading and a table per section, quotes below (the pages' popup, in HTML)."""
    parts = []
    for sec in sections:
        rows = "".join(f"<tr><th>{html.escape(str(r[0]))}</th><td>{html.escape(str(r[1]))}</td></tr>"
                       for r in sec.get("r", ()))
        quotes = "".join(f"<p><i>{html.escape(str(q))}</i></p>" for q in sec.get("q", ()))
        parts.append(f"<b>{html.escape(str(sec.get('h', '')))}</b><table>{rows}</table>{quotes}")
    return "<hr>".join(parts)


def _add(feature: dict[str, Any], group: folium.FeatureGroup) -> None:
    props, style = feature.get("properties", {}), dict(feature.get("properties", {}).get("s", {}))
    popup = folium.Popup(_popup(props.get("p", [])), max_width=360) if props.get("p") else None
    tooltip = str(props["t"]) if props.get("t") else None
    geom = feature["geometry"]
    if geom["type"] == "Point":
        lon, lat = geom["coordinates"]
        folium.CircleMarker([lat, lon], radius=float(style.get("radius", style.get("size", 6)) or 6),
                            color=style.get("color", "#222"), weight=style.get("weight", 1),
                            fill=True, fill_color=style.get("fillColor", "#3388ff"),
                            fill_opacity=style.get("fillOpacity", 0.8), popup=popup, tooltip=tooltip).add_to(group)
        return
    keep = {k: v for k, v in style.items() if k in ("color", "weight", "opacity", "fillColor", "fillOpacity",
                                                      "dashArray")}
    shape = folium.GeoJson({"type": "Feature", "geometry": geom, "properties": {}},
                           style_function=lambda _f, s=keep: s, tooltip=tooltip).add_to(group)
    if popup is not None:
        popup.add_to(shape)


def explore_map(spec: dict[str, Any], tiles: str | None = None) -> folium.Map:
    """A folium map of ``spec`` (a map_spec): one switchable layer per map layer, fitted to its bounds."""
    fmap = folium.Map(tiles=tiles, control_scale=True)
    for layer in spec["layers"]:
        group = folium.FeatureGroup(name=str(layer["name"]), show=bool(layer.get("show", True)))
        for feature in layer.get("features", ()):
            _add(feature, group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    if spec.get("bounds"):
        fmap.fit_bounds(spec["bounds"])
    return fmap
