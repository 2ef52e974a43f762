"""The run's interactive map: counties, townships, residential demand, schools by level.

Schools are sized by seats and coloured by utilisation; each level is a layer that can be switched.
Data text is escaped (:func:`esc`) before it reaches a popup. The page is self-contained (offline_html).
"""
from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element

from ..i18n import t
from ..schema import LEVELS
from .offline import esc, offline_html

UTIL_COLOURS = (("util_low", 0.6, "#2c7bb6"), ("util_ok", 0.9, "#1a9641"),
                ("util_full", 1.1, "#fdae61"), ("util_over", np.inf, "#d7191c"))


def util_colour(u: float) -> str:
    """Colour of a utilisation ratio (enrolment ÷ seats)."""
    if not np.isfinite(u):
        return "#999999"
    return next(c for _, hi, c in UTIL_COLOURS if u < hi)


def _wgs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs("EPSG:4326")


def _props(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df[cols].copy()
    for c in cols:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(esc)
    return out


def _point_layer(gdf: gpd.GeoDataFrame, name: str, fields: list[str], aliases: list[str],
                 show: bool = True) -> folium.GeoJson:
    return folium.GeoJson(
        gdf.__geo_interface__,
        name=name,
        show=show,
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.8),
        style_function=lambda f: f["properties"]["_style"],
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=True, labels=True, max_width=360),
        tooltip=folium.GeoJsonTooltip(fields=[fields[0]], labels=False),
    )


def _legend(lang: str, synthetic: bool, title: str) -> Element:
    rows = "".join(
        f'<div><span class="ls-swatch" style="background:{c}"></span>{esc(t(k, lang))}</div>'
        for k, _, c in UTIL_COLOURS
    )
    note = f'<div class="ls-synthetic">{esc(t("synthetic_note", lang))}</div>' if synthetic else ""
    return Element(f"""
<style>
.ls-legend {{position:fixed; bottom:56px; left:12px; z-index:1000; background:#fff; padding:8px 10px;
  border:1px solid #888; border-radius:4px; font:13px/1.5 "Noto Sans CJK SC","Microsoft YaHei",sans-serif;}}
.ls-swatch {{display:inline-block; width:12px; height:12px; border-radius:6px; margin-right:6px;}}
.ls-title {{position:fixed; top:10px; left:60px; z-index:1000; background:rgba(255,255,255,.9); padding:4px 10px;
  font:bold 16px "Noto Sans CJK SC","Microsoft YaHei",sans-serif; border-radius:4px;}}
.ls-synthetic {{color:#b35900; font-weight:bold; max-width:260px;}}
</style>
<div class="ls-title" id="ls-title">{esc(title)}</div>
<div class="ls-legend" id="ls-legend"><b>{esc(t("legend_title", lang))}</b>{rows}
<div>{esc(t("size_note", lang))}</div><div>{esc(t("demand_note", lang))}</div>{note}</div>""")


def build_map(region, school_table: pd.DataFrame, pupils: pd.DataFrame, *, title: str,
              lang: str = "zh", tiles: str = "none") -> str:
    """The map as one self-contained HTML page."""
    counties = _wgs(region.counties)
    minx, miny, maxx, maxy = counties.total_bounds
    fmap = folium.Map(tiles=None if tiles == "none" else "OpenStreetMap",
                      control_scale=True, zoom_control=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    c = counties[["name", "population", "geometry"]].copy()
    c["name"] = c["name"].map(esc)
    folium.GeoJson(c.__geo_interface__, name=t("counties", lang),
                   style_function=lambda f: {"color": "#333", "weight": 2, "fill": False},
                   tooltip=folium.GeoJsonTooltip(["name", "population"],
                                                 aliases=[t("name", lang), t("population", lang)])).add_to(fmap)
    tw = _wgs(region.townships)
    tw = gpd.GeoDataFrame(_props(tw, ["name", "population", "terrain"]), geometry=tw.geometry)
    folium.GeoJson(tw.__geo_interface__, name=t("townships", lang),
                   style_function=lambda f: {"color": "#777", "weight": 0.8, "fillColor": "#f2efe9",
                                             "fillOpacity": 0.35},
                   tooltip=folium.GeoJsonTooltip(["name", "population", "terrain"],
                                                 aliases=[t("name", lang), t("population", lang),
                                                          t("terrain", lang)])).add_to(fmap)
    res = _wgs(region.residential)
    per_unit = pupils.groupby("unit")["pupils"].sum().reindex(res["id"]).fillna(0).to_numpy()
    rp = _props(res, ["name", "residents", "kind"])
    rp["kind"] = res["kind"].map(lambda k: t(k, lang))
    rp["pupils"] = np.round(per_unit).astype(int)
    rp["_style"] = [{"radius": float(2 + np.sqrt(p) / 6), "color": "#e6550d" if k == "new" else "#666",
                     "fillColor": "#e6550d" if k == "new" else "#999", "weight": 1}
                    for p, k in zip(per_unit, res["kind"])]
    _point_layer(gpd.GeoDataFrame(rp, geometry=res.geometry), t("residential", lang),
                 ["name", "kind", "residents", "pupils"],
                 [t("name", lang), t("kind", lang), t("residents", lang), t("pupils", lang)],
                 show=False).add_to(fmap)
    schools = _wgs(region.schools).set_index("id")
    for level in LEVELS:
        tl = school_table[school_table["level"] == level]
        if tl.empty:
            continue
        s = schools.loc[tl["school"]]
        props = _props(s.reset_index(), ["name"])
        props["type"] = s["type"].map(lambda k: t(k, lang)).to_numpy()
        props["ownership"] = s["ownership"].map(lambda k: t(k, lang)).to_numpy()
        props["classes"] = tl["classes"].astype(int).to_numpy()
        props["enrolment"] = tl["enrolment"].astype(int).to_numpy()
        props["seats"] = tl["seats"].astype(int).to_numpy()
        props["class_size"] = tl["class_size"].round(1).to_numpy()
        props["utilisation"] = [f"{u:.0%}" if np.isfinite(u) else "—" for u in tl["utilisation"]]
        props["_style"] = [{"radius": float(3 + np.sqrt(max(seat, 0)) / 5), "color": "#222", "weight": 0.6,
                            "fillColor": util_colour(u), "fillOpacity": 0.85}
                           for seat, u in zip(tl["seats"], tl["utilisation"])]
        fields = ["name", "type", "ownership", "classes", "enrolment", "seats", "class_size", "utilisation"]
        _point_layer(gpd.GeoDataFrame(props, geometry=s.geometry.to_numpy(), crs="EPSG:4326"),
                     t(level, lang), fields, [t(f, lang) for f in fields],
                     show=level in ("primary", "junior")).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(_legend(lang, region.synthetic, title))
    return offline_html(fmap, lang="zh-CN" if lang == "zh" else "en", title=title)
