"""The run's interactive map, the planner's map: schools by level, large classes, audit findings,
proposed new schools / expansions / closures, unmet demand, the township seat gap through the years,
a search box, Chinese or English.

The page is one self-contained HTML file (Leaflet and planmap.js inlined, no CDN). Map data go into
the page as JSON and are shown with ``textContent`` only, so data text never runs (see :mod:`.page`).
Online base maps only when asked: OpenStreetMap, 天地图 (with the user's key; CGCS2000 ≈ WGS84, no shift)
or AMap (GCJ-02 tiles: every overlay coordinate is shifted WGS84 → GCJ-02 before it is written, so points
sit on AMap's streets; the map is then in GCJ-02 and its coordinates should not be copied as WGS84).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import t
from ..schema import LARGE_CLASS
from .mapdata import (
    GAP_STEPS, LARGE_RING, TIMELINE_ICONS, UTIL_COLOURS, Projector, context_layers, detail_bounds, findings_layer,
    gap_layer,
    plan_layers, school_layers, tiles_spec, timeline_layer, unmet_layer, util_colour, catchment_layers, zone_layers,
)
from .page import render_page
from .plan import as_plan, school_names

__all__ = ["UI_KEYS", "build_map", "map_spec", "util_colour", "GAP_STEPS"]

#: Labels planmap.js needs, by key.
UI_KEYS = ("legend_title", "search", "no_match", "level", "year", "pupils", "seats", "seat_gap", "play",
           "present", "synthetic_note")


def _legend(lang: str, synthetic: bool, has: set[str], icons: set[str] = frozenset()  # type: ignore[assignment]
            ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    items: list[dict[str, Any]] = [{"shape": "dot", "fill": c, "label": t(k, lang)} for k, _, c in UTIL_COLOURS]
    items.append({"shape": "ring", "stroke": LARGE_RING, "label": t("large_class_legend", lang).format(LARGE_CLASS)})
    if "unmet" in has:
        items.append({"shape": "dot", "fill": "#d6604d", "label": t("unmet_layer", lang)})
    for layer_id, icon, key in (("new_schools", "new", "plan_new"), ("expansions", "exp", "plan_expand"),
                                ("closures", "close", "plan_close"), ("findings", "find", "findings_layer")):
        if layer_id in has:
            items.append({"shape": "icon", "icon": icon, "label": t(key, lang)})
    items += [{"shape": "icon", "icon": icon, "label": t(f"action_{a}", lang)} for a, icon in TIMELINE_ICONS.items()
              if icon in icons]  # the stop-gaps the plan has
    notes = [{"text": t("size_note", lang)}, {"text": t("demand_note", lang)}]
    if synthetic:
        notes.append({"text": t("synthetic_note", lang), "c": "warn"})
    return items, notes


def map_spec(region, school_table: pd.DataFrame, pupils: pd.DataFrame, *, lang: str = "zh",
             tiles: str = "none", tianditu_key: str | None = None, findings: pd.DataFrame | None = None,
             plan: Any = None, unmet: pd.DataFrame | None = None, seat_gap: pd.DataFrame | None = None,
             collapsed_layers: bool = False, year: int | None = None,
             catchments: pd.DataFrame | None = None, timeline: pd.DataFrame | None = None,
             title: str | None = None, zones: Any = None) -> dict[str, Any]:
    """The map as a JSON-ready dict for planmap.js (also used by the compare page)."""
    proj = Projector(tiles)
    plan_frames = as_plan(plan, region.schools)
    gap = gap_layer(region, seat_gap, proj, lang)
    layers = context_layers(region, pupils, proj, lang, plan_frames)
    if gap is not None:
        towns = next(i for i, layer in enumerate(layers) if layer["id"] == "townships")
        layers[towns]["show"] = False  # the seat gap draws the townships (their names stay with their layer)
        gap["start_year"] = year if year in gap["years"] else gap["years"][0]
        layers.insert(towns + 1, gap)
    layers += school_layers(region, school_table, proj, lang, findings)
    for extra in (unmet_layer(region, unmet, proj, lang), *plan_layers(plan_frames, proj, lang, school_names(region.schools, plan_frames)),
                  timeline_layer(region, timeline, proj, lang), *zone_layers(zones, region, proj, lang),
                  *catchment_layers(catchments, proj, lang), findings_layer(findings, proj, lang)):
        if extra is not None:
            layers.append(extra)
    icons = {f["properties"]["s"].get("icon") for layer in layers if layer["id"] == "timeline" for f in layer["features"]}
    legend, notes = _legend(lang, region.synthetic, {layer["id"] for layer in layers}, icons)
    bounds = region.counties.to_crs(4326).total_bounds
    sw, ne = proj.point(bounds[0], bounds[1]), proj.point(bounds[2], bounds[3])
    return {"lang": lang, "labels": {k: t(k, lang) for k in UI_KEYS}, "tiles": tiles_spec(tiles, tianditu_key),
            "bounds": [[sw[1], sw[0]], [ne[1], ne[0]]], "detail_bounds": detail_bounds(region, proj),
            "layers": layers, "legend": legend, "notes": notes, "collapsed_layers": collapsed_layers,
            "title": title or "", "synthetic": bool(region.synthetic)}


def build_map(region, school_table: pd.DataFrame, pupils: pd.DataFrame, *, title: str, lang: str = "zh",
              tiles: str = "none", tianditu_key: str | None = None, findings: pd.DataFrame | None = None,
              plan: Any = None, unmet: pd.DataFrame | None = None, seat_gap: pd.DataFrame | None = None,
              year: int | None = None, catchments: pd.DataFrame | None = None,
              timeline: pd.DataFrame | None = None, zones: Any = None) -> str:
    """The map as one self-contained HTML page.

    Parameters
    ----------
    region
        The run's Region (layers in a metric CRS).
    school_table
        :func:`layoutsim.metrics.school_table`: one row per school and level.
    pupils
        ``unit, level, pupils`` (the target year).
    title, lang
        Page title; ``"zh"`` or ``"en"`` for every label.
    tiles, tianditu_key
        Base map: ``"none"`` (offline), ``"openstreetmap"``, ``"tianditu"`` (needs the key) or ``"amap"``
        (overlays shifted to GCJ-02).
    findings
        Optional :func:`layoutsim.rules.audit` table: a layer of diamonds, and the findings in the popups of
        the schools they concern, each with the plan's sentence.
    plan
        Optional proposed plan: anything with (or a dict of) ``new_schools``, ``expansions``, ``closures``
        DataFrames (see :mod:`layoutsim.render.plan`).
    unmet
        Optional ``unit, level, pupils`` that no school seats (``Assignment.unmet``).
    seat_gap
        Optional ``township, level, year, pupils, seats``: a township layer of pupils − seats with a year
        slider and a level switch; the slider starts at ``year`` (e.g. the target year) when given.
    catchments
        Optional lines unit → school (``level, unit_name, school_name, pupils, unit_lon, unit_lat,
        school_lon, school_lat``), one hidden layer per level.
    timeline
        Optional actions of a plan over years (``plan_actions.csv``): its temporary classes and room
        conversions as a layer. Plan markers with an ``open_by`` year (and these) show on the seat gap's
        year slider from their year on: the network year by year.
    zones
        Optional attendance zones (:class:`layoutsim.optimize.zones.Zones`): a layer per level, each
        school's zone coloured, its units' popups naming their school and distance.
    """
    spec = map_spec(region, school_table, pupils, lang=lang, tiles=tiles, tianditu_key=tianditu_key,
                    findings=findings, plan=plan, unmet=unmet, seat_gap=seat_gap, year=year,
                    catchments=catchments, timeline=timeline, title=title, zones=zones)
    return render_page("map.html", title=title, spec=spec, html_lang="zh-CN" if lang == "zh" else "en")
