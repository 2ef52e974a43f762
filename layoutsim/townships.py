"""Townships from names alone: when a scenario has no township outlines, its residential units name their
township (乡镇, by its real name or its 9-digit statistical code) and the townships are made from them.

Names are matched to Henan's real township list (``layoutsim/reference/henan_townships.csv``, NBS 2020)
within the county the unit lies in; a name that matches no township of its county is an error naming the
row and offering the closest names. The outline of each township is estimated: the Voronoi cells of its
units, clipped to the county and merged (every point then lies in the township it names). Its other
attributes follow from the data: kind from the list, population the sum of its units' residents, urban
when most of its residents live in urban units, terrain from the DEM at its centre. The outlines are
marked ``outline = "estimated"``. A county that is not in Henan's list numbers its townships in order.
"""
from __future__ import annotations

import difflib
from functools import cache
from importlib import resources

import geopandas as gpd
import pandas as pd
import shapely

from .errors import DataError
from .geo import terrain_at, voronoi_cells

#: The list's kinds as the townships layer's (乡 → township).
KIND = {"street": "street", "town": "town", "xiang": "township", "other": "other"}


@cache
def township_list() -> pd.DataFrame:
    """Henan's township-level units: county_adcode, township_code, township (name), kind."""
    with (resources.files("layoutsim") / "reference" / "henan_townships.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str)


def match_townships(named: pd.Series, county: pd.Series, rows: list[int], where: str) -> tuple[pd.Series, dict[str, str]]:
    """Each unit's township code from its township's name or code, matched within its county; every
    unmatched row in one DataError with the closest names of that county. Also the names given for the
    townships of counties not in the list (numbered in order), by code."""
    real = township_list()
    out, problems = [], []
    seen: dict[tuple[str, str], str] = {}  # townships of counties not in the list, numbered in order
    for value, c, row in zip(named.astype(str).str.strip(), county.astype(str), rows):
        towns = real[real["county_adcode"] == c]
        if towns.empty:
            code = seen.setdefault((c, value), f"{c}{len([k for k in seen if k[0] == c]) + 1:03d}")
            out.append(code)
            continue
        by_code = towns[towns["township_code"] == value]
        by_name = towns[towns["township"] == value]
        short = towns[towns["township"].str.startswith(value)] if value else towns.iloc[:0]
        hit = by_code if len(by_code) else by_name if len(by_name) else short if len(short) == 1 else None
        if hit is None:
            close = difflib.get_close_matches(value, towns["township"].tolist(), n=3, cutoff=0.3)
            problems.append(f"row {row}: township {value!r} is not a township of county {c}"
                            + (f"; did you mean {'、'.join(close)}?" if close else ""))
            out.append("")
        else:
            out.append(str(hit["township_code"].iloc[0]))
    if problems:
        raise DataError(f"{where}: {len(problems)} township name(s) not found in Henan's township list "
                        "(NBS 2020)", problems)
    return pd.Series(out, index=named.index), {code: name for (_, name), code in seen.items()}


def estimate_townships(counties: gpd.GeoDataFrame, residential: gpd.GeoDataFrame,
                       names: dict[str, str] | None = None) -> gpd.GeoDataFrame:
    """The townships layer from the residential units (their ``township`` already a code): outlines from
    their Voronoi cells clipped to the county. Both layers in the same metric CRS. ``names``: the names
    given for codes that are not in the list."""
    names = names or {}
    real = township_list().set_index("township_code")
    town_county = residential["township"].astype(str).str[:6]
    rows = []
    for c, outline in zip(counties["adcode"].astype(str), counties.geometry):
        units = residential[town_county == c]
        if units.empty:
            continue
        cells, which = voronoi_cells(shapely.get_coordinates(units.geometry.to_numpy()), outline)
        parts: dict[str, list] = {}
        for code, spot in zip(units["township"].astype(str), which):
            parts.setdefault(code, []).append(cells[int(spot)])
        for code, cell_list in parts.items():
            mine = units[units["township"].astype(str) == code]
            residents = mine["residents"].astype(float)
            urban = float(residents[mine["urban"].astype(bool)].sum()) > 0.5 * float(residents.sum())
            rows.append({"code": code, "name": str(real["township"].get(code, names.get(code, code))), "county": c,
                         "kind": KIND.get(str(real["kind"].get(code, "other")), "other"), "urban": urban,
                         "population": int(residents.sum()), "outline": "estimated",
                         "geometry": shapely.union_all(cell_list)})
    towns = gpd.GeoDataFrame(rows, geometry="geometry", crs=residential.crs)
    centres = towns.geometry.representative_point().to_crs(4326)
    towns["terrain"] = [terrain_at([x], [y], bool(u)) for x, y, u in zip(centres.x, centres.y, towns["urban"])]
    return towns[["code", "name", "county", "kind", "urban", "terrain", "population", "outline", "geometry"]]
