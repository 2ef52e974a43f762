"""``layoutsim synth``: seeded, documented generation of the Region below the township.

Real: county outlines, 2020 census population and urban share, township names and counts.
Generated (every row marked ``synthetic = true``): township areas, estates, villages, new developments,
schools and candidate sites, calibrated to the census and the plans' counts (see ``data/README.md``).
The same seed gives byte-identical files.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
import shapely
from shapely.ops import nearest_points

from ..io import write_geojson
from ..geo import round_coords
from ..schema import LAYERS, SYNTHETIC_COL, classes_col, enrolment_col
from .census import AREAS, Area, Calibration, area_units, calibration_of, outlines, township_names
from .candidates import candidate_sites
from .places import split_integer
from .residents import URBAN_DISTRICT_SHARE, new_developments, townships_and_residents
from .schools import calibrate_ownership, enrol, place_schools, school_targets

DEFAULT_SEED = 20201101  # the census reference date
COUNTY_KIND = {"市辖区": "district", "县": "county", "县级市": "city"}


def _points(df: pd.DataFrame, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=crs)


def _inside(df: pd.DataFrame, geom, outline, back) -> pd.DataFrame:
    """Move points that jitter put outside the county — in the metric CRS ``geom``, or in WGS84 ``outline``
    once rounded as the files store them (``back`` transforms) — onto its edge, 30 m inside."""
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    lon, lat = back(x, y)
    stored = np.round(np.column_stack([lon, lat]), 6)
    out = ~shapely.contains_xy(geom, x, y) | ~shapely.contains_xy(outline, stored[:, 0], stored[:, 1])
    if out.any():
        inner = geom.buffer(-30.0)
        snapped = [nearest_points(inner, shapely.Point(x, y))[0] for x, y in df.loc[out, ["x", "y"]].to_numpy()]
        df.loc[out, "x"] = [p.x for p in snapped]
        df.loc[out, "y"] = [p.y for p in snapped]
    return df


@dataclass(frozen=True)
class CountyInput:
    """What the generator takes of one county-level unit: all real (census, outline, township names)."""

    adcode: str
    name: str
    kind: str  # district, county or city
    population: int
    urban_pop: int
    census_units: str  # the census units folded into it, ";"-joined
    townships: list[tuple[str, str]]  # (name, kind) of each township-level unit
    outline: Any  # shapely geometry, WGS84


def generate_county(county: CountyInput, crs: Any, cal: Calibration, seed: int) -> dict[str, gpd.GeoDataFrame]:
    """One county's five layers in ``crs`` (a metric CRS): its own random stream, seeded by (seed, adcode),
    so a county comes out the same whichever other counties are generated with it."""
    adcode = county.adcode
    rng = np.random.default_rng([seed, int(adcode)])
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform
    geom = gpd.GeoSeries([county.outline], crs="EPSG:4326").to_crs(crs).iloc[0]
    urban_district = county.kind == "district" and county.urban_pop >= URBAN_DISTRICT_SHARE * county.population
    towns, ttable, units = townships_and_residents(rng, adcode, geom, county.townships, county.population,
                                                   county.urban_pop, back, urban_district)
    news = new_developments(rng, towns, ttable["code"].tolist(), county.urban_pop)
    units = _inside(pd.concat([units, news], ignore_index=True), geom, county.outline, back)
    units.insert(0, "id", [f"{adcode}-R{i + 1:05d}" for i in range(len(units))])
    targets = school_targets(cal, county.population, county.population - county.urban_pop, county.kind)
    seats = np.array([t.seat for t in towns])
    placed = pd.DataFrame(place_schools(rng, adcode, county.name, ttable, seats, units, targets,
                                        cal.per_thousand["primary"]))
    placed = calibrate_ownership(rng, enrol(rng, placed, units, cal), cal, county.name).drop(columns="role")
    placed = _inside(placed, geom, county.outline, back)
    sites = _inside(candidate_sites(rng, adcode, towns, ttable, units), geom, county.outline, back)
    return {
        "counties": gpd.GeoDataFrame([dict(adcode=adcode, name=county.name, kind=county.kind,
                                           population=county.population,
                                           urban_share=round(county.urban_pop / county.population, 4),
                                           census_units=county.census_units)],
                                     geometry=[county.outline], crs="EPSG:4326"),
        "townships": gpd.GeoDataFrame(ttable, geometry=[t.cell for t in towns], crs=crs),
        "residential": _points(units, crs),
        "schools": _points(placed, crs),
        "candidates": _points(sites, crs),
    }


def finish(layers: dict[str, list[gpd.GeoDataFrame]]) -> dict[str, gpd.GeoDataFrame]:
    """The counties' layers joined, in WGS84, rounded, every row below the county marked synthetic."""
    out = {}
    for name, parts in layers.items():
        gdf = pd.concat([p.to_crs("EPSG:4326") for p in parts], ignore_index=True)
        gdf[SYNTHETIC_COL] = name != "counties"
        out[name] = gdf.set_geometry(round_coords(gdf.geometry.values))
    return out


def generate(area_key: str, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """The five layers of an area (WGS84), deterministic for a given seed."""
    area: Area = AREAS[area_key]
    units_census = area_units(area)
    shapes = outlines().set_index("adcode")
    hosted = set(area.hosts)
    legal = units_census[~units_census["adcode"].isin(hosted)]
    crs = gpd.GeoSeries(shapes.loc[legal["adcode"], "geometry"].to_numpy(), crs="EPSG:4326").estimate_utm_crs()
    cal = calibration_of(area)
    layers: dict[str, list[gpd.GeoDataFrame]] = {k: [] for k in LAYERS}
    for _, row in legal.iterrows():
        adcode = row["adcode"]
        guests = units_census[units_census["adcode"].isin([k for k, v in area.hosts.items() if v == adcode])]
        members = pd.concat([row.to_frame().T, guests])
        county = CountyInput(adcode, row["name"], COUNTY_KIND.get(row["kind"], "district"),
                             int(members["pop_2020"].astype(int).sum()),
                             int(members["urban_pop_2020"].astype(int).sum()), ";".join(members["adcode"]),
                             [n for _, m in members.iterrows() for n in township_names(m)],
                             shapes.loc[adcode, "geometry"])
        for name, gdf in generate_county(county, crs, cal, seed).items():
            layers[name].append(gdf)
    return finish(layers)


def write_area(area_key: str, out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Generate an area and write its layers as GeoJSON in ``out_dir``; returns row counts."""
    layers = generate(area_key, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, gdf in layers.items():
        write_geojson(out_dir / f"{name}.geojson", gdf)
    return {name: len(gdf) for name, gdf in layers.items()}


__all__ = ["AREAS", "DEFAULT_SEED", "generate", "write_area", "split_integer", "classes_col", "enrolment_col"]
