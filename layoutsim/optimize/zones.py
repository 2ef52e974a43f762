"""Attendance zones (学区划片): every residential unit whole to one public school per level, exactly.

One MILP per county and level. Decisions: ``x[i,j] = 1`` when unit ``i`` is in school ``j``'s zone (its
``candidates`` nearest public schools within the reach limit). Constraints: every unit in one zone; a zone
holds at most ``max_utilisation`` of its school's seats in pupils (beyond it, each pupil costs ``over_cny``:
crowding no zoning can avoid is reported, not refused); and **contiguity** (:func:`contiguity`): units are
neighbours when their Voronoi cells (clipped to the county) share an edge; a school's zone starts from the
cell its point lies in (two schools in one cell: one of them gets it, the other an empty zone, since a unit
is zoned whole); by default (``ordered``) every other unit of a
zone has a neighbour in the zone nearer the school, or (``flow``) the school sends a unit of flow to each
unit of its zone through units of the zone. Either way every unit of a zone is joined to its school
through units of the same zone: a zone never has a piece that touches no other part of it. Objective (CNY equivalents): pupil-kilometres, seats
below ``min_utilisation`` (a band: no school half-empty while another is full), pupils above the band, and
each unit moved from the zones now published (``previous``) so a redrawing disturbs few families.

Pupils: the unit's pupils of the level times the county's share of that level's pupils in public schools
today (private schools enrol by themselves, outside the zones). Distances: :mod:`layoutsim.travel`.
就近入学 and contiguity are audited after the solve (:func:`audit_zoning`), on the zoning found and on the
zones now published when ``previous`` is given: a unit zoned more than ``nearest_tolerance_m`` farther than
a school whose zone has room, and a zone in pieces, are findings. The published zones' findings also join
the rulebook audit of ``layoutsim audit`` and ``run`` (:func:`published_findings`, rules ``zones.nearest``
and ``zones.split``: :mod:`layoutsim.rules.zoning`).
"""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import shapely

from layoutsim.config.plan import PlanConfig
from layoutsim.config.scenario import ReachConfig
from layoutsim.config.zones import ZonesConfig
from layoutsim.optimize.model import _expr, _value, solve_model
from layoutsim.region import Region
from layoutsim.rules.zoning import zoning_findings
from layoutsim.schema import CLASS_SIZE, classes_col, enrolment_col, teaches
from layoutsim.solver import Outcome, Status
from layoutsim.geo import voronoi_cells
from layoutsim.travel import nearest, pairwise, table, xy

log = logging.getLogger(__name__)

ZONE_COLUMNS = ("unit", "unit_name", "level", "school", "school_name", "pupils", "distance_m", "nearest",
                "county", "township")
SCHOOL_COLUMNS = ("school", "school_name", "level", "county", "units", "unit_names", "pupils", "seats",
                  "utilisation", "farthest_m")
SOLVER_COLUMNS = ("county", "level", "status", "objective", "bound", "gap", "seconds", "variables", "constraints",
                  "units", "schools", "unzoned_units", "largest_zone_pupils", "nearest_share")
FINDING_COLUMNS = ("zoning", "kind", "unit", "unit_name", "level", "school", "school_name", "distance_m",
                   "nearer_school", "nearer_school_name", "nearer_distance_m", "message_zh", "message_en")


@dataclass(frozen=True)
class ZoneProblem:
    """One county and level: units, public schools, the pairs a unit may join, the cells' neighbours."""

    county: str
    level: str
    unit_ids: np.ndarray        # (n_u,)
    pupils: np.ndarray          # (n_u,) pupils to zone
    school_ids: np.ndarray      # (n_s,)
    seats: np.ndarray           # (n_s,)
    pair_unit: np.ndarray       # (n_p,)
    pair_school: np.ndarray     # (n_p,)
    pair_dist_m: np.ndarray     # (n_p,)
    arcs: np.ndarray            # (n_a, 2) neighbouring units (each pair once)
    roots: tuple[np.ndarray, ...]  # per school: the unit its zone starts from (the cell its point is in)
    previous: np.ndarray        # (n_u,) the school a unit is zoned to now, -1 if none
    #: (unit, school, metres) of a published zoning's pairs that are not among the pairs a unit may join
    #: (a school beyond its nearest ``candidates`` or its reach): audited, never offered to the model
    published_far: tuple[tuple[int, int, float], ...] = ()

    @cached_property
    def distance(self) -> dict[tuple[int, int], float]:
        """(unit, school) → metres, for the pairs a unit may join (and the published pairs beyond them)."""
        out = {(i, j): d for i, j, d in self.published_far}
        out.update({(int(i), int(j)): float(d) for i, j, d in zip(self.pair_unit, self.pair_school, self.pair_dist_m)})
        return out


@dataclass(frozen=True)
class ZoneSolution:
    school_of: np.ndarray       # (n_u,) school index, -1 when the unit has no school within reach
    outcome: Outcome            # how the solve went (its seconds: building and solving)
    variables: int
    constraints: int


def neighbours(points: np.ndarray, outline: shapely.Geometry) -> tuple[list[shapely.Geometry], np.ndarray]:
    """Each point's Voronoi cell clipped to ``outline`` (:func:`layoutsim.geo.voronoi_cells`), and the pairs
    of points whose cells share an edge longer than a metre (points on one spot too), each pair once."""
    if len(points) == 0:
        return [], np.zeros((0, 2), int)
    cells, which = voronoi_cells(points, outline)
    tree = shapely.STRtree(cells)
    a, b = tree.query(cells, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    arr = np.asarray(cells, dtype=object)
    shared = shapely.length(shapely.intersection(arr[a], arr[b]))
    members = [np.flatnonzero(which == s) for s in range(len(cells))]
    pairs = {(int(u), int(v)) for m in members for u in m for v in m if u < v}
    for s, t in np.column_stack([a, b])[shared > 1.0]:
        pairs |= {(min(int(u), int(v)), max(int(u), int(v))) for u in members[s] for v in members[t]}
    return [cells[s] for s in which], np.array(sorted(pairs), dtype=int).reshape(-1, 2)


def adjacency(arcs: np.ndarray) -> dict[int, set[int]]:
    """Unit → its neighbouring units."""
    adj: dict[int, set[int]] = {}
    for u, v in arcs:
        adj.setdefault(int(u), set()).add(int(v))
        adj.setdefault(int(v), set()).add(int(u))
    return adj


def zone_problems(region: Region, pupils: pd.DataFrame, cfg: ZonesConfig, reach: ReachConfig,
                  levels: list[str], previous: pd.DataFrame | None = None) -> tuple[list[ZoneProblem], dict]:
    """One problem per county and level, and each unit's Voronoi cell (for the zone polygons)."""
    res = region.residential.reset_index(drop=True)
    res_county = region.units_county().to_numpy()
    sc = region.schools.reset_index(drop=True)
    by_unit = pupils.pivot_table(index="unit", columns="level", values="pupils", aggfunc="sum").fillna(0.0)
    prev = {} if previous is None else {(str(u), str(lv)): str(s) for u, lv, s in
                                        zip(previous["unit"], previous["level"], previous["school"])}
    problems, cells_of = [], {}
    for c, outline in zip(region.counties["adcode"].astype(str), region.counties.geometry):
        units = np.flatnonzero(res_county == c)
        if len(units) == 0:
            continue
        u_xy = xy(res.iloc[units])
        cells, arcs = neighbours(u_xy, outline)
        cells_of[c] = (res["id"].astype(str).to_numpy()[units], cells)
        urban = res["urban"].to_numpy(dtype=bool)[units]
        for level in levels:
            in_county = (sc["county"].astype(str) == c).to_numpy() & teaches(sc, level)
            public = in_county & (sc["ownership"] == "public").to_numpy() & (sc[classes_col(level)].fillna(0) > 0).to_numpy()
            if not public.any():
                continue
            enrol = sc[enrolment_col(level)].fillna(0).to_numpy(dtype=float)
            share = enrol[public].sum() / enrol[in_county].sum() if enrol[in_county].sum() > 0 else 1.0
            js = np.flatnonzero(public)
            s_xy = xy(sc.iloc[js])
            ids = res["id"].astype(str).to_numpy()[units]
            demand = by_unit.get(level, pd.Series(dtype=float)).reindex(ids).fillna(0.0).to_numpy() * share
            # the pairs a unit may join: its nearest public schools within the reach limit (the travel table)
            near = table(u_xy, s_xy, (level,), reach, k=cfg.candidates, urban=urban)
            pu, ps, pd_m = near.origin, near.destination, near.distance_m
            # each school's zone starts in the cell its point lies in (its nearest unit), which it may always take
            home_m, home = nearest(s_xy, u_xy, k=1)
            roots = tuple(np.array([int(h)]) for h in home[:, 0])
            extra = [(int(h), j, float(d)) for j, (h, d) in enumerate(zip(home[:, 0], home_m[:, 0]))
                     if not ((pu == h) & (ps == j)).any()]
            if extra:
                pu = np.append(pu, [e[0] for e in extra]).astype(int)
                ps = np.append(ps, [e[1] for e in extra]).astype(int)
                pd_m = np.append(pd_m, [e[2] for e in extra])
            school_ids = sc["id"].astype(str).to_numpy()[js]
            where = {s: n for n, s in enumerate(school_ids)}
            before = np.array([where.get(prev.get((u, level), ""), -1) for u in ids], dtype=int)
            offered = set(zip(pu.tolist(), ps.tolist()))
            far = tuple((int(i), int(j), float(pairwise(u_xy[[i]], s_xy[[j]])[0, 0]))
                        for i, j in enumerate(before) if j >= 0 and (i, int(j)) not in offered)
            problems.append(ZoneProblem(
                county=c, level=level, unit_ids=ids, pupils=demand, school_ids=school_ids,
                seats=sc[classes_col(level)].fillna(0).to_numpy(dtype=float)[js] * CLASS_SIZE[level],
                pair_unit=pu, pair_school=ps, pair_dist_m=pd_m, arcs=arcs, roots=roots, previous=before,
                published_far=far))
    return problems, cells_of


def contiguity(prob: pulp.LpProblem, x: dict, zp: ZoneProblem, j: int, units: list[int],
               dist: dict[tuple[int, int], float], adj: dict[int, set[int]], how: str) -> int:
    """Rows keeping school ``j``'s zone in one piece; returns how many.

    ``ordered``: a unit of the zone that is not one of the school's roots has a neighbour in the zone nearer
    the school, so following nearer neighbours always ends at a root (zones contiguous and star-shaped
    round their school: a stronger, smaller model than flow). ``flow``: the school sends one unit of flow
    to each unit of its zone from its roots along neighbouring units of the zone (any contiguous zone)."""
    mine = set(units)
    roots = {int(r) for r in zp.roots[j]}
    rows = 0
    if how == "ordered":
        for i in mine - roots:
            nearer = [k for k in adj.get(i, ()) if k in mine and dist[k, j] < dist[i, j]]
            prob += _expr([(x[i, j], 1.0)] + [(x[k, j], -1.0) for k in nearer]) <= 0
            rows += 1
        return rows
    big = float(len(mine))
    inflow: dict[int, list[tuple[pulp.LpVariable, float]]] = {i: [] for i in mine}
    for u, v in zp.arcs:
        u, v = int(u), int(v)
        if u in mine and v in mine:
            for a, b in ((u, v), (v, u)):
                f = pulp.LpVariable(f"f{j}_{a}_{b}", 0)
                prob += _expr([(f, 1.0), (x[b, j], -big)]) <= 0
                inflow[b].append((f, 1.0))
                inflow[a].append((f, -1.0))
                rows += 1
    for r in roots & mine:
        f = pulp.LpVariable(f"s{j}_{r}", 0)
        prob += _expr([(f, 1.0), (x[r, j], -big)]) <= 0
        inflow[r].append((f, 1.0))
        rows += 1
    for i in mine:  # each unit of the zone keeps one unit of flow
        prob += _expr(inflow[i] + [(x[i, j], -1.0)]) == 0
        rows += 1
    return rows


def solve_zones(zp: ZoneProblem, cfg: ZonesConfig, plan_cfg: PlanConfig, log_file: Path | None = None) -> ZoneSolution:
    """Build and solve one county's zoning of one level (module docstring)."""
    t0 = time.perf_counter()
    prob = pulp.LpProblem(f"zones_{zp.county}_{zp.level}", pulp.LpMinimize)
    n_u = len(zp.unit_ids)
    x = {(int(i), int(j)): pulp.LpVariable(f"x{i}_{j}", cat=pulp.LpBinary) for i, j in zip(zp.pair_unit, zp.pair_school)}
    dist = zp.distance
    obj: list[tuple[pulp.LpVariable, float]] = []
    rows = 0
    of_unit: dict[int, list[int]] = {}
    of_school: dict[int, list[int]] = {}
    adj = adjacency(zp.arcs)
    for i, j in x:
        of_unit.setdefault(i, []).append(j)
        of_school.setdefault(j, []).append(i)
        obj.append((x[i, j], zp.pupils[i] * dist[i, j] / 1000.0 * cfg.pupil_km_cny))
        if zp.previous[i] >= 0 and zp.previous[i] != j:
            obj.append((x[i, j], cfg.move_cny))
    for i, js in of_unit.items():  # in one zone, or (heavily penalised) in none: a unit no zone can reach
        lost = pulp.LpVariable(f"lost{i}", 0, 1)
        obj.append((lost, 10.0 * cfg.over_cny * (1.0 + float(zp.pupils[i]))))
        prob += _expr([(x[i, j], 1.0) for j in js] + [(lost, 1.0)]) == 1
        rows += 1
    for j, units in of_school.items():
        over = pulp.LpVariable(f"over{j}", 0)
        under = pulp.LpVariable(f"under{j}", 0)
        load = [(x[i, j], float(zp.pupils[i])) for i in units]
        prob += _expr(load + [(over, -1.0)]) <= cfg.max_utilisation * float(zp.seats[j])
        prob += _expr(load + [(under, 1.0)]) >= cfg.min_utilisation * float(zp.seats[j])
        obj += [(over, cfg.over_cny), (under, cfg.under_cny)]
        rows += 2
        rows += contiguity(prob, x, zp, j, units, dist, adj, cfg.contiguity)
    prob.setObjective(_expr(obj))
    n_var = len(prob.variables())
    school_of = np.full(n_u, -1, dtype=int)
    if not x:
        return ZoneSolution(school_of, Outcome(Status.OPTIMAL, 0.0, 0.0, 0.0, time.perf_counter() - t0), 0, 0)
    out = solve_model(prob, plan_cfg.model_copy(update={"time_limit_s": cfg.time_limit_s, "mip_gap": cfg.mip_gap}),
                      f"{zp.county} {zp.level}", log_file)
    if out.status.has_solution:
        for (i, j), v in x.items():
            if _value(v) > 0.5:
                school_of[i] = j
    return ZoneSolution(school_of, dataclasses.replace(out, seconds=time.perf_counter() - t0),
                        n_var, rows)


def audit_zoning(zp: ZoneProblem, school_of: np.ndarray, cfg: ZonesConfig, zoning: str, names: dict[str, str],
                 res: pd.DataFrame) -> list[dict]:
    """Findings on a zoning (``school_of``: each unit's school index, -1 none): 就近 — a unit zoned more than
    ``nearest_tolerance_m`` farther than a school whose zone has room for it; split — a zone in pieces
    (each piece but the largest named, by its first unit)."""
    dist = zp.distance
    load = np.zeros(len(zp.school_ids))
    np.add.at(load, school_of[school_of >= 0], zp.pupils[school_of >= 0])
    out = []

    def row(kind: str, i: int, j: int, zh: str, en: str, k: int = -1, d: float = float("nan")) -> dict:
        uid = zp.unit_ids[i]
        return {"zoning": zoning, "kind": kind, "unit": uid, "unit_name": str(res.at[uid, "name"]), "level": zp.level,
                "school": zp.school_ids[j], "school_name": names.get(zp.school_ids[j], ""),
                "distance_m": dist.get((i, j), float("nan")), "nearer_school": zp.school_ids[k] if k >= 0 else "",
                "nearer_school_name": names.get(zp.school_ids[k], "") if k >= 0 else "", "nearer_distance_m": d,
                "message_zh": zh, "message_en": en}

    for i, j in enumerate(school_of):
        if j < 0 or zp.pupils[i] <= 0 or (i, j) not in dist:
            continue
        room = [(dist[i, k], k) for k in range(len(zp.school_ids)) if (i, k) in dist and k != j
                and load[k] + zp.pupils[i] <= cfg.max_utilisation * zp.seats[k] + 1e-6
                and dist[i, k] + cfg.nearest_tolerance_m < dist[i, j]]
        if room:
            d, k = min(room)
            unit, far, near = res.at[zp.unit_ids[i], "name"], names.get(zp.school_ids[j], ""), names.get(zp.school_ids[k], "")
            out.append(row("nearest", i, int(j),
                           f"{unit}划入{far}（{dist[i, j]:,.0f}米），而{near}更近（{d:,.0f}米）且有学位（就近入学）",
                           f"{unit} is zoned to a school {dist[i, j]:,.0f} m away while one {d:,.0f} m away has room",
                           k, d))
    adj = adjacency(zp.arcs)
    for j in range(len(zp.school_ids)):
        members = set(np.flatnonzero(school_of == j).tolist())
        pieces: list[list[int]] = []
        while members:
            todo, found = [members.pop()], set()
            while todo:
                u = todo.pop()
                found.add(u)
                nxt = adj.get(u, set()) & members
                members -= nxt
                todo += list(nxt)
            pieces.append(sorted(found))
        for piece in sorted(pieces, key=len)[:-1]:
            units = "、".join(str(res.at[zp.unit_ids[i], "name"]) for i in piece)
            out.append(row("split", piece[0], j, f"{names.get(zp.school_ids[j], '')}学区不连片：{units}与学区其余部分不相连",
                           f"the zone of {zp.school_ids[j]} is in pieces: {len(piece)} unit(s) apart from the rest"))
    return out


def published_findings(region: Region, pupils: pd.DataFrame, cfg: ZonesConfig, reach: ReachConfig,
                       previous: pd.DataFrame) -> pd.DataFrame:
    """The zones now published (``previous``: unit, level, school) audited as :func:`zone` audits them
    (:func:`audit_zoning`, the same findings as its ``zones_findings.csv``), as rows of the rulebook audit's
    table with their rule ids (:mod:`layoutsim.rules.zoning`): for ``layoutsim audit`` and ``run``.
    ``pupils``: unit, level, pupils of the year audited. Nothing is solved."""
    levels = [lv for lv in cfg.levels if lv in set(previous["level"].astype(str))]
    problems, _ = zone_problems(region, pupils, cfg, reach, levels, previous) if levels else ([], {})
    res = region.residential.set_index(region.residential["id"].astype(str))
    names = dict(zip(region.schools["id"].astype(str), region.schools["name"].astype(str)))
    rows = [{**r, "county": zp.county} for zp in problems if (zp.previous >= 0).any()
            for r in audit_zoning(zp, zp.previous, cfg, "published", names, res)]
    return zoning_findings(rows, region.residential, cfg.nearest_tolerance_m)


@dataclass(frozen=True)
class Zones:
    """The zoning of an area: each unit's school, each school's zone, the solves, the 就近 findings, polygons."""

    units: pd.DataFrame      # ZONE_COLUMNS
    schools: pd.DataFrame    # SCHOOL_COLUMNS (学区划片表)
    solver: pd.DataFrame     # SOLVER_COLUMNS
    findings: pd.DataFrame   # FINDING_COLUMNS
    polygons: gpd.GeoDataFrame  # school, school_name, level, county, geometry (in the region's CRS)


def zone(region: Region, pupils: pd.DataFrame, cfg: ZonesConfig, reach: ReachConfig, plan_cfg: PlanConfig,
         levels: list[str] | None = None, previous: pd.DataFrame | None = None, log_dir: Path | None = None) -> Zones:
    """Zone every county and level of ``region`` (``pupils``: unit, level, pupils of the year zoned)."""
    problems, cells_of = zone_problems(region, pupils, cfg, reach, list(levels or cfg.levels), previous)
    res = region.residential.set_index(region.residential["id"].astype(str))
    names = dict(zip(region.schools["id"].astype(str), region.schools["name"].astype(str)))
    unit_rows, school_rows, solver_rows, finding_rows, polys = [], [], [], [], []
    for zp in problems:
        log_file = None if log_dir is None else Path(log_dir) / f"zones-{zp.county}-{zp.level}.log"
        sol = solve_zones(zp, cfg, plan_cfg, log_file)
        o = sol.outcome
        log.info("zones %s %s: %s, gap %.3g, %.1f s, %d variables", zp.county, zp.level, o.status, o.gap,
                 o.seconds, sol.variables)
        dist = zp.distance
        nearest_of: dict[int, int] = {}
        for i, j, d in zip(zp.pair_unit, zp.pair_school, zp.pair_dist_m):
            if int(i) not in nearest_of or d < dist[int(i), nearest_of[int(i)]]:
                nearest_of[int(i)] = int(j)
        load = np.zeros(len(zp.school_ids))
        for i, j in enumerate(sol.school_of):
            if j >= 0:
                load[j] += zp.pupils[i]
        cells = dict(zip(*cells_of[zp.county]))
        for i, j in enumerate(sol.school_of):
            uid = zp.unit_ids[i]
            if j < 0:
                continue
            unit_rows.append({"unit": uid, "unit_name": str(res.at[uid, "name"]), "level": zp.level,
                              "school": zp.school_ids[j], "school_name": names.get(zp.school_ids[j], ""),
                              "pupils": float(zp.pupils[i]), "distance_m": dist[i, j], "nearest": nearest_of[i] == j,
                              "county": zp.county, "township": str(res.at[uid, "township"])})
        finding_rows += audit_zoning(zp, sol.school_of, cfg, "proposed", names, res)
        if previous is not None and (zp.previous >= 0).any():  # the zones now published, audited alike
            finding_rows += audit_zoning(zp, zp.previous, cfg, "published", names, res)
        for j, sid in enumerate(zp.school_ids):
            members = np.flatnonzero(sol.school_of == j)
            school_rows.append({
                "school": sid, "school_name": names.get(sid, ""), "level": zp.level, "county": zp.county,
                "units": len(members), "unit_names": "、".join(str(res.at[zp.unit_ids[i], "name"]) for i in members),
                "pupils": float(load[j]), "seats": float(zp.seats[j]),
                "utilisation": float(load[j] / zp.seats[j]) if zp.seats[j] > 0 else float("nan"),
                "farthest_m": max((dist[int(i), j] for i in members), default=0.0)})
            if len(members):
                polys.append({"school": sid, "school_name": names.get(sid, ""), "level": zp.level, "county": zp.county,
                              "geometry": shapely.union_all([cells[zp.unit_ids[i]] for i in members])})
        zoned = sol.school_of >= 0
        near = sum(zp.pupils[i] for i in np.flatnonzero(zoned) if nearest_of.get(int(i)) == sol.school_of[i])
        solver_rows.append({
            "county": zp.county, "level": zp.level, "status": str(o.status), "objective": o.objective,
            "bound": o.bound, "gap": o.gap, "seconds": o.seconds, "variables": sol.variables,
            "constraints": sol.constraints, "units": len(zp.unit_ids), "schools": len(zp.school_ids),
            "unzoned_units": int((~zoned).sum()), "largest_zone_pupils": float(load.max()) if len(load) else 0.0,
            "nearest_share": float(near / zp.pupils[zoned].sum()) if zp.pupils[zoned].sum() > 0 else float("nan")})
    polygons = gpd.GeoDataFrame(polys, columns=["school", "school_name", "level", "county", "geometry"],
                                geometry="geometry", crs=region.crs)
    return Zones(pd.DataFrame(unit_rows, columns=list(ZONE_COLUMNS)),
                 pd.DataFrame(school_rows, columns=list(SCHOOL_COLUMNS)),
                 pd.DataFrame(solver_rows, columns=list(SOLVER_COLUMNS)),
                 pd.DataFrame(finding_rows, columns=list(FINDING_COLUMNS)), polygons)
