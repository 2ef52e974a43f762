"""Synthetic layers for any county of Henan, generated when first needed and cached.

The five plan areas' data are committed (``data/<area>/``). For the province (157 county-level units) the
same generator runs county by county from the real inputs of each — its outline (the scenario's counties
layer), its 2020 census population and urban population (that layer's ``population`` and
``urban_share``) and the real names of its townships (``reference/henan_townships.csv``) — calibrated to
Henan's pupils per 1,000 residents and 平顶山's schools per 10,000 (``census.py``: the province has no
plan counts of its own). A county's files are written once per seed into the cache folder and read from
there afterwards: the whole province is about 64 MB of GeoJSON, too much to commit for what one command
regenerates byte for byte.
"""
from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..io import atomic_dir, write_geojson
from . import CountyInput, finish, generate_county
from ..schema import LAYERS
from .census import calibration_of

#: Bumped whenever the generator changes what it writes: a cache of an older version is not reused.
GENERATOR_VERSION = "3"  # 2: residential points kept inside the county too; 3: recalibrated (#14)


def default_cache() -> Path:
    """``$LAYOUTSIM_CACHE``, else ``$XDG_CACHE_HOME/layoutsim``, else ``~/.cache/layoutsim``."""
    if os.environ.get("LAYOUTSIM_CACHE"):
        return Path(os.environ["LAYOUTSIM_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "layoutsim"


#: The township list's kinds in the generator's words (乡 is a "township" there, as in the census table).
_KINDS = {"xiang": "township"}


@cache
def _townships() -> dict[str, list[tuple[str, str]]]:
    with (resources.files("layoutsim") / "reference" / "henan_townships.csv").open("rb") as handle:
        df = pd.read_csv(handle, dtype=str)
    kind = df["kind"].replace(_KINDS)
    return {code: list(zip(g["township"], kind[g.index])) for code, g in df.groupby("county_adcode", sort=False)}


def county_known(adcode: str) -> bool:
    """Is ``adcode`` a county-level unit of Henan whose townships the generator knows?"""
    return adcode in _townships()


def county_input(row: pd.Series) -> CountyInput:
    """A county of the province's counties layer (WGS84) as the generator's input."""
    population = int(row["population"])
    return CountyInput(str(row["adcode"]), str(row["name"]), str(row["kind"]), population,
                       int(round(population * float(row["urban_share"]))), str(row["census_units"]),
                       _townships().get(str(row["adcode"]), []), row.geometry)


def _key(county: CountyInput, seed: int) -> str:
    """The cache folder of a county: its code, the seed and a digest of every input and the generator."""
    text = repr((GENERATOR_VERSION, seed, county.adcode, county.name, county.kind, county.population,
                 county.urban_pop, county.townships, county.outline.wkb_hex))
    return f"{county.adcode}-{seed}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def county_folder(row: pd.Series, seed: int, cache_dir: Path) -> Path:
    """The folder holding the county's five layers (GeoJSON, WGS84), generated now if not cached yet."""
    county = county_input(row)
    folder = Path(cache_dir) / "henan" / _key(county, seed)
    if all((folder / f"{name}.geojson").is_file() for name in LAYERS):
        return folder
    crs = gpd.GeoSeries([county.outline], crs="EPSG:4326").estimate_utm_crs()
    layers = finish({name: [gdf] for name, gdf in generate_county(county, crs, calibration_of(None), seed).items()})
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(folder, about=f"synthetic layers of {county.adcode}") as tmp:
        for name, gdf in layers.items():
            write_geojson(tmp / f"{name}.geojson", gdf)
    return folder
