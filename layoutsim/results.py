"""What a run produced and every file a command writes, in one place: which table goes to which file
(CSV through :func:`layoutsim.io.write_table`: UTF-8 with BOM, rounded for people), the pages, kpis.json,
the resolved scenario and the GeoPackage for QGIS; and the run's map layers (page and notebook alike)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from shapely import LineString

from .assign import Assignment
from .config.scenario import Scenario, dump_scenario
from .forecast import Forecast
from .io import write_gpkg, write_json, write_table
from .metrics import Kpis, PlanKpis
from .optimize import Plan
from .optimize.result import has_plan
from .optimize.horizon import YearsPlan
from .optimize.zones import Zones
from .region import Region
from .render.explore import explore_map
from .render.map import map_spec
from .render.workbook import write_plan_workbook
from .schema import LEVELS
from .simulate import Outlook


@dataclass(frozen=True)
class RunResult:
    """What a run computed and where it wrote it."""

    scenario: Scenario
    region: Region
    pupils: pd.DataFrame
    assignment: Assignment
    schools: pd.DataFrame
    kpis: Kpis
    findings: pd.DataFrame
    forecast: Forecast
    outlook: Outlook
    plan: Plan
    proposed_findings: pd.DataFrame
    out_dir: Path
    years_plan: YearsPlan | None = None  # the plan over years, when the scenario has [plan.horizon]

    def explore(self, *, tiles: str | None = None) -> folium.Map:
        """The run's map as a folium map for a notebook, drawn from the same data as ``index.html`` (no base
        tiles unless ``tiles`` names some; :func:`layoutsim.render.offline.offline_html` saves it offline)."""
        sc = self.scenario.scenario
        return explore_map(map_spec(self.region, self.schools, self.pupils, lang=sc.language,
                                    **map_layers(self.region, self.findings, self.plan, self.outlook, sc.target_year,
                                                self.years_plan)),
                           tiles)


def map_layers(region: Region, findings: pd.DataFrame, proposal: Plan, seat_outlook: Outlook, year: int,
               years_plan: YearsPlan | None = None) -> dict:
    """What the run's map shows besides schools and pupils: findings, the plan, unmet pupils, catchments and
    the township seat gap by year (the page and :meth:`RunResult.explore` alike). A plan over years puts
    its own seats of each year in the seat gap and its rented rooms and conversions on the map."""
    gap = seat_outlook.seat_gap
    return {"findings": findings, "plan": proposal, "unmet": proposal.unmet, "year": year,
            "seat_gap": gap if years_plan is None else years_plan.township_gap(region, gap),
            "timeline": None if years_plan is None else years_plan.actions,
            "catchments": catchment_lines(region, proposal)}


def catchment_lines(region: Region, proposal: Plan) -> pd.DataFrame:
    """For each unit and level, the school (existing or new) taking most of its pupils in the plan."""
    flows = proposal.flows.sort_values("pupils", ascending=False).drop_duplicates(["unit", "level"])
    res = region.residential.to_crs("EPSG:4326").set_index("id")
    sch = region.schools.to_crs("EPSG:4326").set_index("id")
    where = {sid: (g.x, g.y, name) for sid, g, name in zip(sch.index, sch.geometry, sch["name"])}
    for row in proposal.new_schools.itertuples(index=False):
        where[row.school] = (row.lon, row.lat, row.name)
    rows = []
    for f in flows.itertuples(index=False):
        if f.unit not in res.index or f.school not in where:
            continue
        u, (sx, sy, sname) = res.loc[f.unit], where[f.school]
        rows.append((f.level, u["name"], sname, f.pupils, u.geometry.x, u.geometry.y, sx, sy))
    return pd.DataFrame(rows, columns=["level", "unit_name", "school_name", "pupils", "unit_lon", "unit_lat",
                                       "school_lon", "school_lat"])


def write_plan(folder: Path, proposal: Plan, proposed_findings: pd.DataFrame) -> None:
    """The proposal's tables as CSV (UTF-8 with BOM for Excel)."""
    tables = {"plan_new_schools.csv": proposal.new_schools, "plan_expansions.csv": proposal.expansions,
              "plan_closures.csv": proposal.closures, "plan_assignment.csv": proposal.flows,
              "plan_unmet.csv": proposal.unmet, "plan_solver.csv": proposal.solver,
              "plan_notes.csv": proposal.notes, "plan_inclusive.csv": proposal.inclusive,
              "plan_central_kg.csv": proposal.designated,
              "findings_proposed.csv": proposed_findings}
    for name, table in tables.items():
        write_table(folder / name, table)


def write_years(folder: Path, years: YearsPlan) -> None:
    """The plan over years: its actions by year, every school × level × year, the stranded seats, and
    each county's capital by budget period when the plan has budgets."""
    write_table(folder / "plan_actions.csv", years.actions)
    write_table(folder / "plan_years.csv", years.years)
    write_table(folder / "plan_stranded.csv", years.stranded)
    if years.budget is not None:
        write_table(folder / "plan_budget.csv", years.budget.table)


def write_outlook(folder: Path, view: Outlook) -> None:
    """The forecast tables and early-warnings as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
    tables = {"forecast_county.csv": view.by_county, "forecast_city.csv": view.by_city,
              "forecast_township.csv": view.by_township, "forecast_total.csv": view.totals,
              "peaks_county.csv": view.peaks, "warnings_township.csv": view.township_warnings,
              "warnings_catchment.csv": view.catchment_warnings}
    for name, table in tables.items():
        if table is not None:  # a region of counties alone has no township or catchment tables
            write_table(folder / name, table)


def _flow_lines(region: Region, flows: pd.DataFrame) -> gpd.GeoDataFrame:
    r = region.residential.set_index("id").geometry
    s = region.schools.set_index("id").geometry
    lines = [LineString([r[u].coords[0], s[j].coords[0]]) for u, j in zip(flows["unit"], flows["school"])]
    return gpd.GeoDataFrame(flows.reset_index(drop=True), geometry=lines, crs=region.crs)


def write_scenario(folder: Path, scenario: Scenario) -> None:
    """The scenario as it was run, every default filled in (``scenario.resolved.toml``)."""
    (folder / "scenario.resolved.toml").write_text(dump_scenario(scenario), encoding="utf-8")


def write_run(folder: Path, result: RunResult, html: str, report: str) -> None:
    """Everything ``layoutsim run`` writes (README: What it does)."""
    (folder / "index.html").write_text(html, encoding="utf-8")
    (folder / "report.html").write_text(report, encoding="utf-8")
    write_json(folder / "kpis.json", result.kpis.as_dict())
    write_scenario(folder, result.scenario)
    write_table(folder / "assignment.csv", result.assignment.flows)
    write_table(folder / "unmet.csv", result.assignment.unmet)
    write_table(folder / "schools.csv", result.schools)
    write_table(folder / "findings.csv", result.findings)
    write_outlook(folder, result.outlook)
    write_plan(folder, result.plan, result.proposed_findings)
    if result.years_plan is not None:
        write_years(folder, result.years_plan)
    write_plan_workbook(folder / "plan.xlsx", result)
    region = result.region
    util = result.schools.pivot_table(index="school", columns="level", values="utilisation")
    schools = region.schools.join(util.add_prefix("utilisation_"), on="id")
    write_gpkg(folder / "plan.gpkg", {
        "counties": region.counties, "townships": region.townships, "residential": region.residential,
        "schools": schools, "candidates": region.candidates,
        "assignment": _flow_lines(region, result.assignment.flows),
    })


def write_audit(folder: Path, findings: pd.DataFrame, summary: pd.DataFrame, plan: Plan | None = None) -> None:
    """``layoutsim audit``: the findings and their summary per rule (and, for ``--proposed``, how the
    planned layout's county models were solved)."""
    write_table(folder / "findings.csv", findings)
    write_table(folder / "summary.csv", summary)
    if plan is not None:
        write_table(folder / "plan_solver.csv", plan.solver)


def write_sweep(folder: Path, curve: pd.DataFrame, scenario: Scenario) -> None:
    """``layoutsim sweep``: the trade-off curve and the scenario it was run on."""
    write_table(folder / "tradeoff.csv", curve)
    write_scenario(folder, scenario)


def write_zones(folder: Path, zones: Zones, html: str, versus: pd.DataFrame | None = None) -> None:
    """``layoutsim zones``: each unit's school, the 学区划片表 by school, the solves, the 就近 findings, the
    zones' outlines (zones.gpkg, a layer per level), the map, and (``--proposed``) the zones beside the plan."""
    if versus is not None:
        write_table(folder / "zones_vs_plan.csv", versus)
    write_table(folder / "zones.csv", zones.units)
    write_table(folder / "zones_by_school.csv", zones.schools)
    write_table(folder / "zones_solver.csv", zones.solver)
    write_table(folder / "zones_findings.csv", zones.findings)
    if len(zones.polygons):
        write_gpkg(folder / "zones.gpkg", {f"zones_{lv}": zones.polygons[zones.polygons["level"] == lv]
                                           for lv in zones.polygons["level"].unique()})
    (folder / "index.html").write_text(html, encoding="utf-8")


def read_zones(path: Path) -> pd.DataFrame:
    """Published zones (a zones.csv: unit, level, school), for [zones] previous."""
    from .errors import DataError

    if not Path(path).is_file():
        raise DataError(f"{path}: file not found ([zones] previous)")
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    missing = [c for c in ("unit", "level", "school") if c not in table.columns]
    if missing:
        raise DataError(f"{path}: [zones] previous lacks columns {', '.join(missing)}",
                        [f"it has: {', '.join(table.columns)}"])
    return table


# --------------------------------------------------------------------------- a province, county by county

GAP_COLUMNS = ("city", "adcode", "county", "level", "year", "pupils", "seats", "gap", "short_townships",
               "short_seats")
PLAN_COLUMNS = ("city", "adcode", "county", "status", "new_schools", "expansions", "added_classes", "closures",
                "cost_cny", "unmet_pupils", "max_gap", "solver_seconds", "seconds", "worker_peak_mb", "message")
_SUMS = ["pupils", "seats", "gap", "short_townships", "short_seats"]


@dataclass(frozen=True)
class CountyRun:
    """What a county's run gives the province: its seat gap by level and year, its plan's headline, and
    what it cost to compute (wall seconds on its worker, the worker's peak memory when it ended)."""

    adcode: str
    gap: pd.DataFrame  # level, year, pupils, seats, gap (pupils − seats), short_townships, short_seats
    plan: PlanKpis
    seconds: float
    worker_peak_mb: float  # its worker's peak resident memory so far (the process's, in this process)


@dataclass(frozen=True)
class ProvinceResult:
    """A run county by county: the counties (WGS84, with ``city``), their seat gaps by level and year
    (gap = pupils − seats, positive = too few; short_* = the townships short of seats and by how much),
    their plans in a row each, and the output folder."""

    scenario: Scenario
    counties: gpd.GeoDataFrame
    gap: pd.DataFrame    # GAP_COLUMNS
    plans: pd.DataFrame  # PLAN_COLUMNS
    out_dir: Path

    @property
    def failed(self) -> list[str]:
        """Counties without a plan: their run failed, or the solver found none."""
        return [a for a, st in zip(self.plans["adcode"], self.plans["status"])
                if not all(has_plan(s) for s in str(st).split("/"))]

    def by_city(self) -> pd.DataFrame:
        """The seat gap summed by city, level and year."""
        return _sum_by(self.gap, ["city", "level", "year"])

    def totals(self) -> pd.DataFrame:
        """The seat gap of the whole province by level and year."""
        return _sum_by(self.gap, ["level", "year"])

    def kpis(self) -> dict:
        """kpis.json of the province: counties, failures, the plan's totals and the target year's gap."""
        p, year = self.plans, self.scenario.scenario.target_year
        now = self.totals()
        return {
            "scenario": self.scenario.id, "title": self.scenario.scenario.title, "target_year": year,
            "synthetic": self.scenario.scenario.synthetic, "counties": int(len(self.counties)),
            "counties_without_plan": self.failed,
            "plan": {k: (float(p[k].sum()) if k == "cost_cny" else int(p[k].fillna(0).sum()))
                     for k in ("new_schools", "expansions", "added_classes", "closures", "cost_cny", "unmet_pupils")},
            "gap": {str(r.level): {"pupils": round(r.pupils), "seats": round(r.seats), "gap": round(r.gap),
                                   "short_townships": int(r.short_townships), "short_seats": round(r.short_seats)}
                    for r in now[now["year"] == year].itertuples(index=False)},
        }


def _sum_by(gap: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The gap's counts summed by ``keys``, levels in school order."""
    order = gap.assign(level=pd.Categorical(gap["level"], categories=list(LEVELS), ordered=True))
    out = order.groupby(keys, as_index=False, sort=True, observed=True)[_SUMS].sum()
    return out.assign(level=out["level"].astype(str))


def write_province(folder: Path, result: ProvinceResult, html: str) -> None:
    """Everything a run county by county writes besides the county folders (README: A province)."""
    (folder / "index.html").write_text(html, encoding="utf-8")
    write_json(folder / "kpis.json", result.kpis())
    write_scenario(folder, result.scenario)
    write_table(folder / "province_gap.csv", result.gap)
    write_table(folder / "province_cities.csv", result.by_city())
    write_table(folder / "province_totals.csv", result.totals())
    write_table(folder / "province_plans.csv", result.plans)
