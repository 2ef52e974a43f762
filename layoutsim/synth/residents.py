"""Townships and residential units of one county, calibrated to its census population and urban share."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..geo import terrain_at
from .places import (
    TERRAIN_DENSITY, Township, estate_name, near_points, random_points, sizes_summing_to, split_integer,
    township_cells, village_name,
)

#: Estate sizes (residents): lognormal round 3,500, 500–15,000 (assumption, typical Henan 小区).
ESTATE: dict[str, Any] = dict(mean=3500.0, sigma=0.7, lo=500, hi=15000)
#: Village sizes: lognormal round 1,100 on the plain, 600 in hills and mountains, 150–4,000 (assumption).
VILLAGE: dict[str, Any] = dict(sigma=0.5, lo=150, hi=4000)
#: Most a street's estates spread round its seat (the sd, m; assumption: a county town's built-up area).
STREET_SPREAD_M = 1500.0
#: Urban weight of a township's seat: streets and 城关镇 carry the county town; other towns a small seat.
URBAN_WEIGHT = {"street": 1.0, "town": 0.12, "township": 0.03, "other": 0.3}


#: A city district this urban (census urban share) is urban throughout: none of its townships is mountain.
URBAN_DISTRICT_SHARE = 0.6


def townships_and_residents(rng: np.random.Generator, adcode: str, county_geom, names, population: int,
                            urban_pop: int, to_wgs84, urban_district: bool = False,
                            ) -> tuple[list[Township], pd.DataFrame, pd.DataFrame]:
    """Township cells and their residential units for one county; residents sum to ``population``.
    Terrain comes from the DEM at five points of each cell; a street, a 城关镇 or any township of an
    ``urban_district`` is never mountain."""
    towns = township_cells(rng, county_geom, names)
    n = len(towns)
    seats = np.array([t.seat for t in towns])
    lon, lat = to_wgs84(seats[:, 0], seats[:, 1])
    samples = [random_points(rng, t.cell, 5) for t in towns]
    kinds = np.array([t.kind for t in towns])
    is_cg = np.array(["城关" in t.name for t in towns])
    terrain = []
    for s, k, cg in zip(samples, kinds, is_cg):
        slon, slat = to_wgs84(s[:, 0], s[:, 1])
        terrain.append(terrain_at(slon, slat, urban=bool(urban_district or k == "street" or cg)))
    w_urban = np.array([URBAN_WEIGHT[k] for k in kinds]) * rng.lognormal(0, 0.3, n)
    w_urban[is_cg] = 2.5
    area = np.array([t.cell.area for t in towns])
    w_rural = area * np.array([TERRAIN_DENSITY[x] for x in terrain])
    w_rural[kinds == "street"] *= 0.1 if (kinds != "street").any() else 1.0
    urban_split = split_integer(urban_pop, w_urban)
    rural_split = split_integer(population - urban_pop, w_rural)
    rows: list[dict] = []
    used: set[str] = set()
    for i, t in enumerate(towns):
        code = f"{adcode}{i + 1:03d}"
        urban_sizes = sizes_summing_to(rng, int(urban_split[i]), **ESTATE)
        # a street's estates gather round its seat (a built-up area of a few km, however large the street's
        # territory); a town's round its seat, closer
        sigma = min(STREET_SPREAD_M, np.sqrt(t.cell.area) / 3) if t.kind == "street" else 900.0
        pts = near_points(rng, t.cell, t.seat, sigma, len(urban_sizes))
        for size, p in zip(urban_sizes, pts):
            rows.append(dict(township=code, name=estate_name(rng, used), residents=int(size), kind="existing",
                             completion_year=None, urban=True, x=p[0], y=p[1]))
        mean = 1100.0 if terrain[i] == "plain" else 600.0
        village_sizes = sizes_summing_to(rng, int(rural_split[i]), mean=mean, **VILLAGE)
        for size, p in zip(village_sizes, random_points(rng, t.cell, len(village_sizes))):
            rows.append(dict(township=code, name=village_name(rng, used), residents=int(size), kind="village",
                             completion_year=None, urban=False, x=p[0], y=p[1]))
    units = pd.DataFrame(rows)
    township_table = pd.DataFrame({
        "code": [f"{adcode}{i + 1:03d}" for i in range(n)],
        "name": [t.name for t in towns],
        "county": adcode,
        "kind": kinds,
        "urban": [k == "street" or (u > r) for k, u, r in zip(kinds, urban_split, rural_split)],
        "terrain": terrain,
        "population": (urban_split + rural_split).astype(int),
        "seat_lon": np.round(lon, 6), "seat_lat": np.round(lat, 6),
    })
    return towns, township_table, units


#: New developments completed 2021–2030: one per 60,000 urban residents (at least one); a third of them
#: 5,000–18,000 residents, the rest 1,500–5,000 (assumption; the plans' 5,000 / 10,000 thresholds).
def new_developments(rng: np.random.Generator, towns: list[Township], township_codes: list[str],
                     urban_pop: int) -> pd.DataFrame:
    urban_idx = [i for i, t in enumerate(towns) if t.kind == "street" or "城关" in t.name]
    if not urban_idx:
        urban_idx = [int(np.argmax([t.cell.area for t in towns]))]
    urban_area = shapely.union_all([towns[i].cell for i in urban_idx])
    n = max(1, int(round(urban_pop / 60000)))
    rows = []
    used: set[str] = set()
    for k in range(n):
        big = k % 3 == 0
        size = int(rng.integers(5000, 18001) if big else rng.integers(1500, 5000))
        # on the fringe of the town: the outer part of the urban townships
        ring = urban_area.buffer(-min(800.0, np.sqrt(urban_area.area) * 0.05))
        fringe = urban_area.difference(ring) if not ring.is_empty else urban_area
        fringe = fringe if fringe.area > 1e4 else urban_area
        p = random_points(rng, fringe, 1)[0]
        owner = min(urban_idx, key=lambda i: towns[i].cell.distance(shapely.Point(p)))
        rows.append(dict(township=township_codes[owner], name=estate_name(rng, used) + "(新建)",
                         residents=size, kind="new", completion_year=int(rng.integers(2021, 2031)),
                         urban=True, x=p[0], y=p[1]))
    return pd.DataFrame(rows)
