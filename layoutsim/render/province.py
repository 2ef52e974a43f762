"""The province page: every county coloured by its seat gap by level, stepping through the years (the
forecast's early-warning), each linking to its own map and report; tables by city and county; the totals.

One self-contained page like every other (Leaflet and the page's script inlined, no tiles unless asked).
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from markupsafe import Markup

from ..geo import round_coords
from ..i18n import t
from ..schema import LEVELS
from .offline import inline_asset
from .page import render_page

#: Outlines drawn simplified to about 300 m: the page stays small (1.5 MB of outlines become ~0.4 MB).
SIMPLIFY_DEG = 0.003

#: Classes of the gap as a share of the pupils (positive = too few seats), from spare to short.
GAP_CLASSES = (-0.20, -0.05, 0.05, 0.15)
GAP_COLOURS = ("#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b")


def _features(counties: gpd.GeoDataFrame, failed: set[str]) -> dict:
    geoms = shapely.simplify(counties.geometry.to_numpy(), SIMPLIFY_DEG, preserve_topology=True)
    shapes = gpd.GeoSeries(round_coords(geoms), crs=counties.crs)
    feats = []
    for (_, row), geom in zip(counties.iterrows(), shapes):
        code = str(row["adcode"])
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": {"adcode": code, "name": str(row["name"]), "city": str(row.get("city", "")),
                                     "failed": code in failed, "map": f"counties/{code}/index.html",
                                     "report": f"counties/{code}/report.html"}})
    return {"type": "FeatureCollection", "features": feats}


def _series(gap: pd.DataFrame, years: list[int]) -> dict:
    """{adcode: {level: {pupils: [...], seats: [...], gap: [...], short: [...]}}} over ``years``."""
    out: dict = {}
    for (code, level), g in gap.groupby(["adcode", "level"], sort=False):
        g = g.set_index("year").reindex(years)
        out.setdefault(str(code), {})[str(level)] = {k: [None if pd.isna(v) else round(float(v)) for v in g[c]]
                                                      for k, c in (("pupils", "pupils"), ("seats", "seats"),
                                                                   ("gap", "gap"), ("short", "short_seats"))}
    return out


def _rows(counties: gpd.GeoDataFrame, gap: pd.DataFrame, plans: pd.DataFrame, year: int,
          levels: list[str]) -> list[dict]:
    """The table by city and county for ``year``: each city's row (its counties summed), then its counties,
    each with pupils and gap by level and its plan."""
    now = gap[gap["year"] == year]
    wide = now.pivot_table(index="adcode", columns="level", values=["pupils", "gap"], aggfunc="sum")
    plan = plans.set_index("adcode")
    rows = []
    for city, members in counties.groupby("city", sort=True):
        codes = [str(c) for c in members["adcode"]]
        rows.append(_row("city", str(city), "", "", codes, wide, plan, levels))
        for code, name in zip(codes, members["name"].astype(str)):
            status = str(plan.at[code, "status"]) if code in plan.index else ""
            rows.append(_row("county", name, code, status, [code], wide, plan, levels))
    return rows


def _row(kind: str, name: str, adcode: str, status: str, codes: list[str], wide: pd.DataFrame,
         plan: pd.DataFrame, levels: list[str]) -> dict:
    """One row of the table: the counties ``codes`` summed (a county alone, or a city)."""
    known = [c for c in codes if c in wide.index]
    planned = plan.loc[[c for c in codes if c in plan.index]]

    def level_sum(what: str, level: str) -> float | None:
        return round(float(wide.loc[known, (what, level)].sum())) if known and (what, level) in wide.columns else None

    def plan_sum(col: str) -> float | None:
        values = planned[col].dropna()
        return float(values.sum()) if len(values) else None

    cost = plan_sum("cost_cny")
    return {"kind": kind, "name": name, "adcode": adcode, "status": status,
            "gap": {lv: level_sum("gap", lv) for lv in levels}, "pupils": {lv: level_sum("pupils", lv) for lv in levels},
            **{k: None if v is None else int(v) for k, v in (("new_schools", plan_sum("new_schools")),
                                                              ("added_classes", plan_sum("added_classes")),
                                                              ("unmet", plan_sum("unmet_pupils")))},
            "cost": None if cost is None else cost / 1e8}


def build_province_page(counties: gpd.GeoDataFrame, gap: pd.DataFrame, plans: pd.DataFrame, totals: pd.DataFrame,
                        failed: list[str], *, title: str, lang: str = "zh", synthetic: bool = False,
                        year: int) -> str:
    """The province page as one self-contained HTML page (see the module's docstring): ``gap``, ``plans``
    and ``totals`` are :class:`layoutsim.results.ProvinceResult`'s tables."""
    years = sorted(int(y) for y in gap["year"].unique()) or [year]
    levels = [lv for lv in LEVELS if lv in set(gap["level"])]
    failed_set = set(failed)
    shown = year if year in years else years[0]
    spec = {"counties": _features(counties, failed_set), "years": years, "year": shown,
            "levels": levels, "series": _series(gap, years), "classes": list(GAP_CLASSES),
            "colours": list(GAP_COLOURS), "lang": lang,
            "labels": {k: t(k, lang) for k in ("province_year", "province_level", "pupils", "seats", "gap_short",
                                               "province_short", "province_map", "province_report",
                                               "province_failed", "province_no_data", *levels)}}
    return render_page(
        "province.html", title=title, lang=lang, html_lang="zh-CN" if lang == "zh" else "en",
        t=lambda k: t(k, lang), status=lambda st: "/".join(t(f"status_{x}", lang) for x in str(st).split("/") if x),
        spec=spec, levels=levels, years=years, year=shown, synthetic=synthetic,
        rows=_rows(counties, gap, plans, shown, levels), totals=totals, n_counties=len(counties),
        n_failed=len(failed_set), legend=_legend(lang), province_js=Markup(inline_asset("layoutsim_province", "js")))


def _legend(lang: str) -> list[tuple[str, str]]:
    """(colour, text) of each class of the gap, spare to short."""
    c = GAP_CLASSES
    texts = [f"≤ {c[0]:+.0%}", f"{c[0]:+.0%} – {c[1]:+.0%}", f"{c[1]:+.0%} – {c[2]:+.0%}",
             f"{c[2]:+.0%} – {c[3]:+.0%}", f"> {c[3]:+.0%}"]
    return list(zip(GAP_COLOURS, texts))
