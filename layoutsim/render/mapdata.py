"""The map as data: a JSON-ready spec of layers, features, popups and legend that planmap.js draws.

Each feature's properties carry only what the page shows: ``t`` (tooltip), ``p`` (popup sections:
``h`` heading, ``r`` rows of [label, value, class], ``q`` quoted plan sentences, ``n`` a source note),
``s`` (Leaflet style or ``icon``) and ``k`` (the name searched by the search box).
Coordinates are WGS84, or GCJ-02 when the base map is AMap (its tiles are in GCJ-02).
"""
from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geo import round_coords, wgs84_to_gcj02
from ..i18n import t
from ..schema import LARGE_CLASS, LEVELS
from .indicators import findings_by_place, unmet_by_unit
from .plan import OPEN_BY, PlanFrames

UTIL_COLOURS = (("util_low", 0.6, "#2c7bb6"), ("util_ok", 0.9, "#1a9641"),
                ("util_full", 1.1, "#fdae61"), ("util_over", np.inf, "#d7191c"))
LARGE_RING = "#7b2cbf"
GAP_STEPS = {"breaks": [-0.2, 0.0, 0.1, 0.3], "none": "#eeeeee",
             "colours": ["#4393c3", "#d1e5f0", "#fddbc7", "#f4a582", "#b2182b"]}
GAP_KEYS = ("gap_surplus", "gap_balanced", "gap_small", "gap_medium", "gap_large")

#: Base maps. ``{key}`` is the user's 天地图 key. AMap tiles are GCJ-02: overlays are shifted to match.
TILES: dict[str, list[dict[str, Any]]] = {
    "openstreetmap": [{"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                       "options": {"maxZoom": 19, "attribution": "© OpenStreetMap contributors"}}],
    "tianditu": [{"name": "天地图 Tianditu",
                  "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                         "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                         "&TILECOL={x}&tk={key}",
                  "options": {"subdomains": "01234567", "maxZoom": 18, "attribution": "© 天地图 GS(2024)0568号"}},
                 {"name": "天地图 注记", "overlay": True,
                  "url": "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                         "&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                         "&TILECOL={x}&tk={key}",
                  "options": {"subdomains": "01234567", "maxZoom": 18}}],
    "amap": [{"name": "高德 AMap", "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
                                          "&scale=1&style=8&x={x}&y={y}&z={z}",
              "options": {"subdomains": "1234", "maxZoom": 18, "attribution": "© 高德地图 AutoNavi"}}],
}


def util_colour(u: float) -> str:
    """Colour of a utilisation ratio (enrolment ÷ seats)."""
    if not np.isfinite(u):
        return "#999999"
    return next(c for _, hi, c in UTIL_COLOURS if u < hi)


def tiles_spec(tiles: str, tianditu_key: str | None) -> list[dict[str, Any]]:
    """The base-map layers for ``tiles`` ('none', 'openstreetmap', 'tianditu', 'amap')."""
    if tiles in (None, "", "none"):
        return []
    if tiles not in TILES:
        raise ValueError(f"unknown base map {tiles!r}; use none, openstreetmap, tianditu or amap")
    if tiles == "tianditu" and not tianditu_key:
        raise ValueError("天地图 tiles need a key (tianditu_key): apply at console.tianditu.gov.cn")
    return [{**d, "url": d["url"].replace("{key}", tianditu_key or "")} for d in TILES[tiles]]


class Projector:
    """WGS84 → the coordinates of the base map (identity, or GCJ-02 for AMap)."""

    def __init__(self, tiles: str):
        self.gcj = tiles == "amap"

    def geoms(self, gdf: gpd.GeoDataFrame) -> np.ndarray:
        g = gdf.to_crs(4326).geometry.to_numpy() if gdf.crs is not None else gdf.geometry.to_numpy()
        if self.gcj:
            g = shapely.transform(g, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
        return round_coords(g, 6)

    def point(self, lon: float, lat: float) -> list[float]:
        if self.gcj:
            glon, glat = wgs84_to_gcj02(np.array([lon], float), np.array([lat], float))
            lon, lat = float(glon[0]), float(glat[0])
        return [round(float(lon), 6), round(float(lat), 6)]


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    g = geom if isinstance(geom, dict) else shapely.geometry.mapping(geom)
    return {"type": "Feature", "geometry": g, "properties": props}


def _point(xy: list[float], props: dict[str, Any]) -> dict[str, Any]:
    return _feature({"type": "Point", "coordinates": xy}, props)


def _n(v: float) -> str:
    return f"{v:,.0f}" if np.isfinite(v) else "—"


def _pct(v: float | None) -> str:
    return f"{v:.0%}" if v is not None and np.isfinite(v) else "—"


def finding_section(f: pd.Series, lang: str) -> dict[str, Any]:
    """One finding as a popup section: the message, the plan's sentence, its source."""
    msg = f["message_zh"] if lang == "zh" else (f["message_en"] or f["message_zh"])
    src = " ".join(str(x) for x in (f["source_plan"], f["source_section"]) if x)
    return {"h": str(msg), "q": [str(f["source_text"])] if f["source_text"] else [],
            "n": f"{f['rule_id']} · {t('sev_' + str(f['severity']), lang)} · {src}",
            "c": f"sev-{f['severity']}"}


def school_layers(region, table: pd.DataFrame, proj: Projector, lang: str,
                  findings: pd.DataFrame | None) -> list[dict[str, Any]]:
    """One layer per level: circles sized by seats, filled by utilisation, ringed when classes exceed 55."""
    schools = region.schools.set_index(region.schools["id"].astype(str))
    geoms = pd.Series(list(proj.geoms(region.schools)), index=schools.index)
    on_place = findings_by_place(findings, "school")
    layers = []
    for level in LEVELS:
        tl = table[table["level"] == level]
        feats = []
        for r in tl.itertuples(index=False):
            sid = str(r.school)
            s = schools.loc[sid]
            large = bool(np.isfinite(r.class_size) and r.class_size > LARGE_CLASS)
            rows: list[list[str]] = [[t("type", lang), t(s["type"], lang)], [t("ownership", lang), t(s["ownership"], lang)],
                    [t("classes", lang), _n(r.classes)], [t("enrolment", lang), _n(r.enrolment)],
                    [t("seats", lang), _n(r.seats)],
                    [t("class_size", lang), f"{r.class_size:.1f}" + (f" > {LARGE_CLASS}" if large else ""),
                     "alert" if large else ""],
                    [t("utilisation", lang), _pct(r.utilisation), "alert" if r.utilisation > 1.1 else ""]]
            if large:
                rows.append([t("large_class", lang), t("large_class_note", lang), "alert"])
            sections = [{"h": str(s["name"]), "r": rows}]
            sections += [finding_section(f, lang) for _, f in on_place.get(sid, pd.DataFrame()).iterrows()]
            style = {"radius": round(float(3 + np.sqrt(max(r.seats, 0)) / 5), 2), "fillColor": util_colour(r.utilisation),
                     "fillOpacity": 0.85, "color": LARGE_RING if large else "#222", "weight": 3.5 if large else 0.7,
                     "className": "ls-school ls-" + level + (" ls-large" if large else "")}
            feats.append(_feature(geoms[sid], {"t": str(s["name"]), "p": sections, "s": style, "k": str(s["name"])}))
        if feats:
            layers.append({"id": level, "name": t(level, lang), "show": level in ("primary", "junior"),
                           "search": True, "detail": True, "features": feats})
    return layers


def _label_point(geoms: np.ndarray, proj: Projector, crs: Any) -> list[list[float]]:
    """A point inside each polygon (in the base map's coordinates) to hang its name on."""
    pts = gpd.GeoSeries(list(geoms), crs=crs).representative_point().to_crs(4326)
    return [proj.point(x, y) for x, y in zip(pts.x, pts.y)]


def county_seats(region) -> pd.DataFrame:
    """Each county's seat (县城), as the data know it: a point inside its first township by code (the
    statistical codes number the seat's streets or 城关镇 first)."""
    tw = region.townships.assign(code=region.townships["code"].astype(str)).sort_values("code")
    first = tw.drop_duplicates("county")
    names = dict(zip(region.counties["adcode"].astype(str), region.counties["name"].astype(str)))
    return first.assign(county_name=first["county"].astype(str).map(names))[["county", "county_name", "name",
                                                                            "geometry"]]


def context_layers(region, pupils: pd.DataFrame, proj: Projector, lang: str,
                   plan: PlanFrames | None = None) -> list[dict[str, Any]]:
    """Counties (with a label: name and the plan's counts), their seats, townships (labels from the detail
    zoom on) and residential units (demand, detail only)."""
    c = region.counties
    counts = _plan_counts(plan, lang)
    counties = [_feature(g, {"t": str(n), "l": str(n) + counts.get(str(a), ""), "lp": lp,
                             "s": {"color": "#333", "weight": 2, "fill": False, "className": "ls-county"}})
                for g, n, a, lp in zip(proj.geoms(c), c["name"], c["adcode"].astype(str),
                                       _label_point(c.geometry.to_numpy(), proj, c.crs))]
    tw = region.townships
    towns = [_feature(g, {"t": str(n), "l": str(n), "lp": lp, "lr": int(p),
                          "p": [{"h": str(n), "r": [[t("kind", lang), t(k, lang)], [t("population", lang), _n(p)]]}],
                          "s": {"color": "#777", "weight": 0.8, "fillColor": "#f2efe9", "fillOpacity": 0.3}})
             for g, n, k, p, lp in zip(proj.geoms(tw), tw["name"], tw["kind"], tw["population"],
                                       _label_point(tw.geometry.to_numpy(), proj, tw.crs) if len(tw) else [])]
    seats_ = county_seats(region) if len(tw) else None
    seats = [] if seats_ is None else [
        _point(lp, {"t": f"{cn} {t('county_seat', lang)}（{n}）", "s": {"icon": "seat", "size": 12}})
        for cn, n, lp in zip(seats_["county_name"], seats_["name"],
                             _label_point(seats_.geometry.to_numpy(), proj, tw.crs))]
    res = region.residential
    per_unit = pupils.groupby("unit")["pupils"].sum().reindex(res["id"]).fillna(0).to_numpy()
    units = []
    for g, n, k, r, p in zip(proj.geoms(res), res["name"], res["kind"], res["residents"], per_unit):
        colour = "#e6550d" if k == "new" else "#888"
        units.append(_feature(g, {"t": str(n), "p": [{"h": str(n), "r": [
            [t("kind", lang), t(k, lang)], [t("residents", lang), _n(r)], [t("pupils", lang), _n(p)]]}],
            "s": {"radius": round(float(2 + np.sqrt(p) / 6), 2), "color": colour, "fillColor": colour,
                  "weight": 1, "fillOpacity": 0.6, "className": "ls-unit"}}))
    layers = [{"id": "counties", "name": t("counties", lang), "show": True, "labels": "county", "features": counties},
              {"id": "townships", "name": t("townships", lang), "show": True, "labels": "township", "features": towns},
              {"id": "residential", "name": t("residential", lang), "show": False, "detail": True, "features": units}]
    if seats:
        layers.insert(1, {"id": "county_seats", "name": t("county_seats", lang), "show": True, "features": seats})
    return layers


def _plan_counts(plan: PlanFrames | None, lang: str) -> dict[str, str]:
    """Per county, the plan's counts for its label: "  +3 ↑2 ×1" (new schools, expansions, closures)."""
    if plan is None:
        return {}
    out: dict[str, list[str]] = {}
    for attr, mark in (("new_schools", "+"), ("expansions", "↑"), ("closures", "×")):
        df = getattr(plan, attr)
        if "county" not in df.columns:
            continue
        for county, n in df.groupby(df["county"].astype(str)).size().items():
            out.setdefault(str(county), []).append(f"{mark}{n}")
    return {k: "  " + " ".join(v) for k, v in out.items()}


def detail_bounds(region, proj: Projector) -> list[list[float]]:
    """Bounds of the county of median size: from the zoom that fits it, the map shows schools one by one
    and names the townships; below it, counties and their summaries (layoutsim maps, issue of legibility)."""
    c = region.counties.to_crs(4326)
    b = c.bounds
    area = (b["maxx"] - b["minx"]) * (b["maxy"] - b["miny"])
    row = b.loc[area.sort_values().index[len(area) // 2]]
    sw, ne = proj.point(row["minx"], row["miny"]), proj.point(row["maxx"], row["maxy"])
    return [[sw[1], sw[0]], [ne[1], ne[0]]]


def unmet_layer(region, unmet: pd.DataFrame | None, proj: Projector, lang: str) -> dict[str, Any] | None:
    wide = unmet_by_unit(unmet)
    if not len(wide):
        return None
    res = region.residential.set_index(region.residential["id"].astype(str))
    geoms = pd.Series(list(proj.geoms(region.residential)), index=res.index)
    feats = []
    for unit, row in wide.iterrows():
        if str(unit) not in res.index:
            continue
        total = float(row.sum())
        rows = [[t(lv, lang), _n(row[lv])] for lv in LEVELS if row[lv] > 0.5]
        feats.append(_feature(geoms[str(unit)], {
            "t": f"{res.loc[str(unit), 'name']}: {t('unmet', lang)} {_n(total)}",
            "p": [{"h": str(res.loc[str(unit), "name"]), "r": [[t("unmet", lang), _n(total), "alert"], *rows]}],
            "s": {"radius": round(float(3 + np.sqrt(total) / 3), 2), "color": "#67001f", "weight": 1,
                  "fillColor": "#d6604d", "fillOpacity": 0.75, "className": "ls-unmet"}}))
    return {"id": "unmet", "name": t("unmet_layer", lang), "show": True, "detail": True, "features": feats}


def findings_layer(findings: pd.DataFrame | None, proj: Projector, lang: str) -> dict[str, Any] | None:
    """One diamond per place with findings; its popup lists each finding with the plan's sentence."""
    if findings is None or not len(findings):
        return None
    f = findings.dropna(subset=["lon", "lat"])
    feats = []
    for (kind, pid), g in f.groupby(["place_kind", "place_id"], sort=False):
        first = g.iloc[0]
        hard = (g["severity"] == "hard").any()
        sections = [{"h": str(first["place_name"]), "r": [[t("place_kind", lang), t(str(kind), lang)],
                                                         [t("findings", lang), str(len(g))]]}]
        sections += [finding_section(r, lang) for _, r in g.iterrows()]
        feats.append(_point(proj.point(first["lon"], first["lat"]), {
            "t": f"{first['place_name']} · {len(g)} {t('findings', lang)}", "p": sections,
            "s": {"icon": "find", "size": 16 if hard else 13}, "k": str(first["place_name"])}))
    # A few hundred markers hide the schools: then the layer starts switched off.
    return {"id": "findings", "name": t("findings_layer", lang), "show": len(feats) <= 60, "detail": True,
            "features": feats}


def plan_layers(plan: PlanFrames | None, proj: Projector, lang: str,
                names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Proposed new schools, expansions and closures (``names``: schools' names by id, for the school a
    closure sends its pupils to)."""
    if plan is None:
        return []
    reason = "reason_zh" if lang == "zh" else "reason_en"

    def why(r: pd.Series) -> str:
        return str(r.get(reason) or r.get("reason_zh") or "")

    out = []
    specs = (("new_schools", "new", "plan_new"), ("expansions", "exp", "plan_expand"),
             ("closures", "close", "plan_close"))
    for attr, icon, key in specs:
        df = getattr(plan, attr).dropna(subset=["lon", "lat"])
        feats = []
        for _, r in df.iterrows():
            rows = []
            levels = r.get("level") or r.get("levels")
            if levels:
                rows.append([t("level", lang), "、".join(t(lv, lang) for lv in str(levels).split(";"))])
            if attr == "new_schools":
                rows.append([t("classes", lang), _n(float(r["classes"]))])
            if attr == "expansions":
                rows.append([t("classes_added", lang), f"+{_n(float(r['added_classes']))}"])
            if attr == "closures" and r.get("receiving"):
                rows.append([t("merged_into", lang), (names or {}).get(str(r["receiving"]), str(r["receiving"]))])
            if attr != "closures":
                rows.append([t("cost", lang), f"{float(r['cost_cny']) / 1e4:,.0f} {t('wan_cny', lang)}"])
            props: dict[str, Any] = {}
            if r.get(OPEN_BY) is not None and pd.notna(r.get(OPEN_BY)):
                rows.append([t("year", lang), str(int(r[OPEN_BY]))])
                props["y0"] = int(r[OPEN_BY])  # shown from this year on the year slider
            name = str(r.get("name") or r.get("school") or "")
            sec = {"h": f"{t(key, lang)}: {name}", "r": rows}
            if why(r):
                sec["q"] = [why(r)]
            feats.append(_point(proj.point(r["lon"], r["lat"]), {"t": f"{t(key, lang)}: {name}", "p": [sec],
                                                                  "s": {"icon": icon, "size": 18}, "k": name,
                                                                  **props}))
        if feats:
            out.append({"id": attr, "name": t(key, lang), "show": True, "search": True, "features": feats})
    return out


#: The plan over years' stop-gaps on the map: action → icon.
TIMELINE_ICONS = {"temporary": "tmp", "convert": "conv"}


def timeline_layer(region, actions: pd.DataFrame | None, proj: Projector, lang: str) -> dict[str, Any] | None:
    """A plan over years' temporary classes (in their years: ``year`` to ``until_year``) and room
    conversions (from their year on): the year slider steps through them."""
    if actions is None or not len(actions):
        return None
    acts = actions[actions["action"].isin(list(TIMELINE_ICONS))]
    if not len(acts):
        return None
    where = dict(zip(region.schools["id"].astype(str), proj.geoms(region.schools)))
    reason = "reason_zh" if lang == "zh" else "reason_en"
    feats = []
    for r in acts.itertuples(index=False):
        if str(r.school) not in where:
            continue
        y0 = int(r.year)
        name = str(r.name)
        key = f"action_{r.action}"
        rows = [[t("year", lang), str(y0)], [t("level", lang), t(str(r.level), lang)],
                [t("classes", lang), _n(float(r.classes))]]
        props: dict[str, Any] = {"t": f"{t(key, lang)}: {name} {y0}", "y0": y0,
                                 "p": [{"h": f"{t(key, lang)}: {name}", "r": rows, "q": [str(getattr(r, reason))]}],
                                 "s": {"icon": TIMELINE_ICONS[str(r.action)], "size": 16}, "k": name}
        if pd.notna(r.until_year):  # temporary classes: rented for the years of their model year only
            props["y1"] = int(r.until_year)
        feats.append(_feature(where[str(r.school)], props))
    return {"id": "timeline", "name": t("timeline_layer", lang), "show": True, "features": feats} if feats else None


def _gap_cells(table: pd.DataFrame, key: str) -> dict[str, dict[str, dict[str, list[float]]]]:
    """place → level → year → [pupils, seats], as the gap layer's features carry them."""
    cells: dict[str, dict[str, dict[str, list[float]]]] = {}
    for place, level, year, pupils, seats in zip(table[key], table["level"], table["year"], table["pupils"],
                                                 table["seats"]):
        cells.setdefault(str(place), {}).setdefault(level, {})[str(int(year))] = [round(float(pupils), 1),
                                                                                round(float(seats), 1)]
    return cells


def gap_layer(region, seat_gap: pd.DataFrame | None, proj: Projector, lang: str) -> dict[str, Any] | None:
    """Township choropleth of pupils − seats, by level, stepping through the years."""
    if seat_gap is None or not len(seat_gap):
        return None
    tw = region.townships
    codes = tw["code"].astype(str)
    by_name = dict(zip(tw["name"].astype(str), codes))
    gap = seat_gap.assign(township=seat_gap["township"].astype(str))
    gap["township"] = gap["township"].where(gap["township"].isin(set(codes)), gap["township"].map(by_name))
    gap = gap.dropna(subset=["township"])
    summed = gap.groupby(["township", "level", "year"], as_index=False)[["pupils", "seats"]].sum()
    cells = _gap_cells(summed, "township")
    feats = [_feature(g, {"t": str(n), "g": cells.get(c, {}), "k": "township"})
             for g, n, c in zip(proj.geoms(tw), tw["name"], codes)]
    county_of = dict(zip(codes, tw["county"].astype(str)))
    ccells = _gap_cells(summed.assign(county=summed["township"].map(county_of)).groupby(
        ["county", "level", "year"], as_index=False)[["pupils", "seats"]].sum(), "county")
    co = region.counties
    feats += [_feature(g, {"t": str(n), "g": ccells.get(a, {}), "k": "county"})  # drawn below the detail zoom
              for g, n, a in zip(proj.geoms(co), co["name"], co["adcode"].astype(str))]
    levels = [lv for lv in LEVELS if lv in set(gap["level"])]
    years = sorted(int(y) for y in gap["year"].unique())
    return {"id": "seat_gap", "kind": "gap", "name": t("gap_layer", lang), "show": True, "features": feats,
            "levels": [{"key": lv, "label": t(lv, lang)} for lv in levels], "years": years,
            "start_level": "primary" if "primary" in levels else levels[0], "steps": GAP_STEPS,
            "legend": [[c, t(k, lang)] for c, k in zip(GAP_STEPS["colours"], GAP_KEYS)]}


#: Line colour of each level's catchment (服务范围).
CATCHMENT_COLOURS = {"kindergarten": "#e7298a", "primary": "#1b9e77", "junior": "#7570b3", "high": "#d95f02"}


def catchment_layers(lines: pd.DataFrame | None, proj: Projector, lang: str) -> list[dict[str, Any]]:
    """One hidden layer per level: a line from each residential unit to the school that takes most of its
    pupils of that level. ``lines``: level, unit_name, school_name, pupils, unit_lon/lat, school_lon/lat."""
    if lines is None or lines.empty:
        return []
    out = []
    for level in LEVELS:
        sel = lines[lines["level"] == level]
        if sel.empty:
            continue
        feats = []
        for r in sel.itertuples(index=False):
            a, b = proj.point(r.unit_lon, r.unit_lat), proj.point(r.school_lon, r.school_lat)
            feats.append(_feature({"type": "LineString", "coordinates": [a, b]}, {
                "t": f"{r.unit_name} → {r.school_name}: {_n(r.pupils)}",
                "s": {"color": CATCHMENT_COLOURS[level], "weight": 1.2, "opacity": 0.7}}))
        out.append({"id": f"catchment_{level}", "name": f"{t('catchments', lang)}：{t(level, lang)}",
                    "show": False, "features": feats})
    return out


#: Colours of neighbouring zones (no two touching zones of a level share one).
ZONE_COLOURS = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
                "#d9d9d9", "#bc80bd")


def _colouring(geoms: list) -> list[int]:
    """A colour index per polygon, touching polygons apart (greedy, largest degree first)."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    adj: dict[int, set[int]] = {i: set() for i in range(len(geoms))}
    for i, j in zip(a.tolist(), b.tolist()):
        if i != j:
            adj[i].add(j)
    colour: dict[int, int] = {}
    for i in sorted(adj, key=lambda k: -len(adj[k])):
        used = {colour[j] for j in adj[i] if j in colour}
        colour[i] = next(c for c in range(len(geoms) + 1) if c not in used)
    return [colour[i] % len(ZONE_COLOURS) for i in range(len(geoms))]


def zone_layers(zones: Any, region, proj: Projector, lang: str) -> list[dict[str, Any]]:
    """One layer per level: each school's zone (学区) coloured apart from its neighbours, labelled with its
    school; each unit a dot whose popup names its school and the distance."""
    if zones is None or not len(zones.polygons):
        return []
    res = region.residential.set_index(region.residential["id"].astype(str))
    unit_geom = dict(zip(res.index, proj.geoms(region.residential)))
    out = []
    for level in [lv for lv in LEVELS if lv in set(zones.polygons["level"])]:
        polys = zones.polygons[zones.polygons["level"] == level].reset_index(drop=True)
        info = zones.schools[zones.schools["level"] == level].set_index("school")
        colours = _colouring(list(polys.geometry))
        feats = []
        for (_, z), c, g in zip(polys.iterrows(), colours, proj.geoms(polys)):
            row = info.loc[z["school"]]
            feats.append(_feature(g, {"t": str(z["school_name"]), "p": [{"h": f"{t('zone', lang)}：{z['school_name']}", "r": [
                [t("level", lang), t(level, lang)], [t("units", lang), _n(float(row["units"]))],
                [t("pupils", lang), _n(float(row["pupils"]))], [t("seats", lang), _n(float(row["seats"]))],
                [t("utilisation", lang), _pct(float(row["utilisation"]))]]}],
                "s": {"color": "#333", "weight": 1.2, "fillColor": ZONE_COLOURS[c], "fillOpacity": 0.55,
                      "className": "ls-zone"}}))
        units = zones.units[zones.units["level"] == level]
        for u in units.itertuples(index=False):
            if str(u.unit) not in unit_geom:
                continue
            feats.append(_feature(unit_geom[str(u.unit)], {
                "t": f"{u.unit_name} → {u.school_name}",
                "p": [{"h": str(u.unit_name), "r": [[t("zone", lang), str(u.school_name)],
                                                   [t("distance_m", lang), _n(float(u.distance_m))],
                                                   [t("pupils", lang), _n(float(u.pupils))]]}],
                "s": {"radius": 3, "color": "#333", "weight": 0.6, "fillColor": "#fff", "fillOpacity": 0.9,
                      "className": "ls-zone-unit ls-detail"}}))
        out.append({"id": f"zones_{level}", "name": f"{t('zone', lang)}：{t(level, lang)}",
                    "show": level == "primary", "search": True, "features": feats})
    return out
