"""A scenario run county by county (``[scenario] by_county``): a province, a map over its counties.

Each county is a scenario of its own — the province's settings, the county's layers (generated and cached
when ``[data.generate]`` says so) — run whole (forecast, audit, plan, map, report) as one task on the
Dask cluster (:mod:`layoutsim.cluster`) into ``counties/<adcode>/`` of the output folder. Rules are then
checked county by county: a rule about a whole city sees one county at a time. The tasks return small
records (:class:`CountyRun`); the province page and tables are drawn from them in this process.

On an existing cluster the workers write the county folders themselves, so the output folder must be on
storage they share (README: The whole province, on a Dask cluster).
"""
from __future__ import annotations

import dataclasses
import resource
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .cluster import Failure, engine_of, map_counties
from .config.scenario import DataConfig, LayerSource, Scenario, load_scenario
from .errors import DataError
from .io import atomic_dir
from .optimize.planner import hang_limit_s
from .pipeline import Step, out_dir_or_default, run
from .region import load_region
from .results import GAP_COLUMNS, PLAN_COLUMNS, CountyRun, ProvinceResult, write_province
from .render.province import build_province_page
from .schema import LAYERS
from .synth.province import county_folder, county_known, default_cache

#: Seconds a county's whole run may take on a worker beyond its plan's hang limit (generation, forecast,
#: audit, map and report) before it counts as hung.
COUNTY_MARGIN_S = 600.0

#: What the generator needs of each county of the counties layer (besides its outline and name).
GENERATED_FROM = ("population", "urban_share", "census_units")


def county_scenario(province: Scenario, row: pd.Series, cache: Path) -> Scenario:
    """The county's own scenario: the province's settings and the county's layers, solved in one process."""
    meta, generate = province.scenario, province.data.generate
    adcode = str(row["adcode"])
    assert generate is not None  # the scenario's validation: by_county goes with [data.generate]
    folder = county_folder(row, generate.seed, cache)
    data = DataConfig(**{name: LayerSource(path=folder / f"{name}.geojson") for name in LAYERS})
    title = f"{row.get('city', '')}{row['name']}：{meta.title}"
    return province.model_copy(update={
        "scenario": meta.model_copy(update={"id": f"{meta.id}-{adcode}", "title": title,
                                            "title_en": f"{meta.title_en} — {adcode}", "by_county": False}),
        "data": data,
        "plan": province.plan.model_copy(update={"workers": 1, "scheduler": None}),
    })


def run_county(province: Scenario, row: pd.Series, folder: Path, cache: Path | None) -> CountyRun:
    """One county, whole, into ``folder`` (a task on a worker; ``cache`` None: the worker's own default)."""
    t0 = time.monotonic()
    result = run(county_scenario(province, row, cache or default_cache()), folder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return CountyRun(str(row["adcode"]), county_gap(result.outlook.seat_gap), result.kpis.plan,
                     time.monotonic() - t0, peak)


def county_gap(seat_gap: pd.DataFrame) -> pd.DataFrame:
    """A county's seat gap by level and year from its townships' (``township, level, year, pupils, seats``):
    pupils and seats summed, gap = pupils − seats, and the townships short of seats with their shortfall
    (a county with seats to spare overall may still have townships without enough). Whole pupils, so that
    the province's sums add up."""
    short = (seat_gap["pupils"] - seat_gap["seats"]).clip(lower=0)
    by = seat_gap.assign(short_seats=short, short_townships=(short > 0).astype(int)).groupby(
        ["level", "year"], as_index=False)[["pupils", "seats", "short_townships", "short_seats"]].sum()
    by[["pupils", "short_seats"]] = by[["pupils", "short_seats"]].round()
    by["gap"] = by["pupils"] - by["seats"]
    return by


def run_by_county(scenario: Scenario | str | Path, out_dir: Path | None = None, *,
                  step: Step = lambda s: None) -> ProvinceResult:
    """Every county of the scenario run as its own scenario on the cluster, and the province page."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    cache = sc.data.generate.cache if sc.data.generate else None
    step("load")
    counties = load_region(DataConfig(counties=sc.data.counties)).counties.to_crs("EPSG:4326")
    missing = [c for c in GENERATED_FROM if c not in counties]
    if missing:
        raise DataError(f"{sc.data.counties.path}: the counties layer lacks {', '.join(missing)}, which "
                        "[data.generate] makes each county's layers from (the census population, urban share "
                        "and census units, as in data/henan/counties.geojson)")
    counties["city"] = counties["city"].fillna("").astype(str) if "city" in counties else ""
    unknown = [str(a) for a in counties["adcode"] if not county_known(str(a))]
    if unknown:
        raise DataError(f"{sc.data.counties.path}: {len(unknown)} counties are not county-level units of Henan "
                        f"the generator knows the townships of: {', '.join(unknown[:10])}",
                        ["[data.generate] makes layers for Henan's 157 county-level units (adcode 41xxxx, "
                         "layoutsim/reference/henan_townships.csv)"])
    out = out_dir_or_default(out_dir, sc.id)
    with atomic_dir(out, about=sc.id) as tmp:
        step("plan")
        rows = [row for _, row in counties.iterrows()]
        order = sorted(range(len(rows)), key=lambda i: -int(rows[i]["population"]))
        runs = map_counties(run_county, [(sc, row, tmp / "counties" / str(row["adcode"]), cache) for row in rows],
                            names=[str(r["adcode"]) for r in rows], engine=engine_of(sc.plan),
                            hang_s=hang_limit_s(sc.plan) + COUNTY_MARGIN_S, order=order, label="counties")
        _check_written(tmp, runs)
        result = ProvinceResult(sc, counties, gap_table(counties, runs), plan_table(counties, runs), tmp)
        step("map")
        html = build_province_page(result.counties, result.gap, result.plans, result.totals(), result.failed,
                                   title=sc.scenario.title, lang=sc.scenario.language,
                                   synthetic=sc.scenario.synthetic, year=sc.scenario.target_year)
        step("write")
        write_province(tmp, result, html)
    return dataclasses.replace(result, out_dir=out)


def _check_written(tmp: Path, runs: list) -> None:
    """Workers of an existing cluster write the county folders themselves: refuse a province whose folders
    they wrote where this machine cannot see them (``--out`` not on storage they share)."""
    lost = [r.adcode for r in runs if isinstance(r, CountyRun) and not (tmp / "counties" / r.adcode / "index.html").is_file()]
    if lost:
        raise DataError(f"the workers wrote {len(lost)} county folders where this machine cannot see them "
                        f"({', '.join(lost[:5])}{'…' if len(lost) > 5 else ''})",
                        ["put --out (and [data.generate] cache) on storage every worker sees at the same path, "
                         "e.g. an NFS share (README: The whole province, on a Dask cluster)"])


def _names(counties: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame({"city": counties["city"].astype(str).to_numpy(),
                         "adcode": counties["adcode"].astype(str).to_numpy(),
                         "county": counties["name"].astype(str).to_numpy()})


def gap_table(counties: gpd.GeoDataFrame, runs: list) -> pd.DataFrame:
    """Seat gap by county, level and year (:data:`GAP_COLUMNS`); failed counties have no rows."""
    parts = [r.gap.assign(adcode=r.adcode) for r in runs if isinstance(r, CountyRun)]
    if not parts:
        return pd.DataFrame(columns=list(GAP_COLUMNS))
    gap = _names(counties).merge(pd.concat(parts, ignore_index=True), on="adcode")
    return gap[list(GAP_COLUMNS)].sort_values(["adcode", "level", "year"], kind="stable").reset_index(drop=True)


def plan_table(counties: gpd.GeoDataFrame, runs: list) -> pd.DataFrame:
    """Each county's plan in one row (:data:`PLAN_COLUMNS`); a failed county says why."""
    rows = []
    for run_, name in zip(runs, _names(counties).itertuples(index=False)):
        if isinstance(run_, Failure):
            rows.append({"city": name.city, "adcode": name.adcode, "county": name.county, "status": "failed",
                         "seconds": run_.seconds, "message": run_.reason})
            continue
        p = run_.plan
        rows.append({"city": name.city, "adcode": name.adcode, "county": name.county,
                     "status": "/".join(p.solver_status), "new_schools": p.new_schools, "expansions": p.expansions,
                     "added_classes": p.added_classes, "closures": p.closures, "cost_cny": p.cost_cny,
                     "unmet_pupils": p.unmet_pupils, "max_gap": p.max_gap, "solver_seconds": p.solver_seconds,
                     "seconds": run_.seconds, "worker_peak_mb": run_.worker_peak_mb, "message": ""})
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))
