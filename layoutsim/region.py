"""The Region: counties, townships, residential units, schools and candidate sites, validated.

Each layer is checked against the data contract in :mod:`layoutsim.schema`; every problem of a layer is
collected and reported at once, naming the file, the row and the column. The Region holds its layers in a
local metric CRS so distances are in metres.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .errors import DataError
from .geo import local_crs
from .io import read_layer
from .scenario import DataConfig, LayerSource
from .schema import (
    GEOMETRY, LAYERS, OPTIONAL, OWNERSHIP, RESIDENTIAL_KINDS, SCHOOL_TYPES, SYNTHETIC_COL, TERRAIN,
    TOWNSHIP_KINDS, classes_col, enrolment_col, LEVELS,
)

_TRUE = {"1", "true", "yes", "y", "t", "是", "true.0"}
_FALSE = {"0", "false", "no", "n", "f", "否", "", "false.0"}

#: Allowed values of enumerated columns.
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("schools", "type"): tuple(SCHOOL_TYPES),
    ("schools", "ownership"): OWNERSHIP,
    ("residential", "kind"): RESIDENTIAL_KINDS,
    ("townships", "kind"): TOWNSHIP_KINDS,
    ("townships", "terrain"): TERRAIN,
}

#: Columns that must not be negative.
_NON_NEGATIVE = {"population", "residents", "site_area_m2", "land_cost_cny"} | {
    f(lv) for lv in LEVELS for f in (classes_col, enrolment_col)
}


@dataclass(frozen=True)
class Region:
    """The five layers of a planning area, in a local metric CRS (metres)."""

    counties: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    residential: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    crs: CRS

    @property
    def synthetic(self) -> bool:
        """True when any row below the county is generated."""
        return any(
            bool(layer[SYNTHETIC_COL].any())
            for layer in (self.townships, self.residential, self.schools, self.candidates)
            if SYNTHETIC_COL in layer
        )


def _row_label(df: pd.DataFrame, i: int) -> str:
    ident = next((df[c].iloc[i] for c in ("id", "code", "adcode") if c in df.columns), None)
    return f"row {i + 1}" + (f" (id {ident})" if ident not in (None, "") else "")


def _coerce(df: pd.DataFrame, col: str, kind: str, problems: list[str]) -> pd.Series:
    """Convert a column to its contract type; note rows that do not convert."""
    optional = kind.endswith("?")
    base = kind.rstrip("?")
    raw = df[col]
    blank = raw.isna() | (raw.astype(str).str.strip() == "")
    if base == "str":
        out = raw.where(~blank, "").astype(str).str.strip()
        out = out.str.replace(r"\.0$", "", regex=True) if col in ("id", "code", "adcode", "county", "township") else out
        bad = blank & (not optional)
    elif base in ("int", "float"):
        num = pd.to_numeric(raw.where(~blank), errors="coerce")
        bad = (num.isna() & ~blank) | (blank & (not optional))
        if base == "int":
            frac = num.notna() & (num.round() != num)
            bad = bad | frac
            out = num.round().astype("Int64")
        else:
            out = num.astype(float)
    else:  # bool
        text = raw.astype(str).str.strip().str.lower()
        is_true, is_false = text.isin(_TRUE), text.isin(_FALSE)
        bad = ~(is_true | is_false)
        out = is_true
    for i in np.flatnonzero(np.asarray(bad)):
        problems.append(f"{_row_label(df, i)}: column '{col}' has {raw.iloc[i]!r}, expected {base}")
    return out


def validate_layer(name: str, gdf: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    """Check one layer against the contract and return it with typed columns.

    Raises DataError listing every problem (missing columns, bad values, bad geometry, duplicate ids).
    """
    gdf = gdf.reset_index(drop=True)
    required = LAYERS[name]
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise DataError(
            f"{where}: layer '{name}' lacks required columns: {', '.join(missing)}",
            [f"it has: {', '.join(str(c) for c in gdf.columns if c != 'geometry')}",
             "map your column names in the scenario: columns = { ours = \"yours\" }"],
        )
    problems: list[str] = []
    out = gdf.copy()
    for col, kind in required.items():
        out[col] = _coerce(gdf, col, kind, problems)
    for col, default in OPTIONAL[name].items():
        if col not in out.columns:
            out[col] = default
        elif isinstance(default, bool):
            out[col] = _coerce(gdf, col, "bool", problems)
        else:
            out[col] = out[col].fillna(default).astype(str)
    if SYNTHETIC_COL in out.columns:
        out[SYNTHETIC_COL] = _coerce(gdf, SYNTHETIC_COL, "bool", problems)
    else:
        out[SYNTHETIC_COL] = False
    for (layer, col), choices in _CHOICES.items():
        if layer == name:
            for i in np.flatnonzero(~out[col].isin(choices).to_numpy()):
                if out[col].iloc[i] != "":
                    problems.append(f"{_row_label(out, i)}: '{col}' is {out[col].iloc[i]!r}; expected one of {', '.join(choices)}")
    for col in _NON_NEGATIVE & set(required):
        values = pd.to_numeric(out[col], errors="coerce")
        for i in np.flatnonzero((values < 0).fillna(False).to_numpy()):
            problems.append(f"{_row_label(out, i)}: '{col}' = {values.iloc[i]} is negative")
    geoms = out.geometry
    for i in np.flatnonzero((geoms.isna() | geoms.is_empty).to_numpy()):
        problems.append(f"{_row_label(out, i)}: empty or missing geometry")
    ok = ~(geoms.isna() | geoms.is_empty)
    wrong = ok & ~geoms.geom_type.isin(GEOMETRY[name])
    for i in np.flatnonzero(wrong.to_numpy()):
        problems.append(f"{_row_label(out, i)}: geometry is {geoms.iloc[i].geom_type}, expected {' or '.join(GEOMETRY[name])}")
    invalid = ok & ~wrong & ~geoms.is_valid
    for i in np.flatnonzero(invalid.to_numpy()):
        problems.append(f"{_row_label(out, i)}: invalid geometry (self-intersecting or broken ring)")
    key = next(c for c in ("id", "code", "adcode") if c in required)
    dup = out[key].duplicated(keep=False) & (out[key] != "")
    for value in sorted(out.loc[dup, key].unique()):
        rows = ", ".join(str(i + 1) for i in np.flatnonzero((out[key] == value).to_numpy()))
        problems.append(f"duplicate {key} {value!r} in rows {rows}")
    if problems:
        raise DataError(f"{where}: {len(problems)} problem(s) in layer '{name}'", problems)
    return out


def _empty_candidates(crs: str) -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype=object) for c in (*LAYERS["candidates"], *OPTIONAL["candidates"], SYNTHETIC_COL)}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _locate(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, key: str, where: str, what: str) -> pd.Series:
    """The ``key`` of the county polygon holding each point; a DataError lists the points in none."""
    joined = gpd.sjoin(points[["geometry"]], polygons[[key, "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    outside = joined[key].isna().to_numpy()
    if outside.any():
        problems = [f"{_row_label(points, i)} '{points['name'].iloc[i]}' at "
                    f"{points.to_crs('EPSG:4326').geometry.iloc[i].x:.5f}, "
                    f"{points.to_crs('EPSG:4326').geometry.iloc[i].y:.5f}" for i in np.flatnonzero(outside)[:50]]
        raise DataError(f"{where}: {int(outside.sum())} {what} outside every county", problems)
    return joined[key].astype(str)


def _check_references(region: dict[str, gpd.GeoDataFrame], sources: dict[str, str]) -> None:
    problems: list[str] = []
    counties = set(region["counties"]["adcode"])
    for i, c in enumerate(region["townships"]["county"]):
        if c not in counties:
            problems.append(f"{sources['townships']}: {_row_label(region['townships'], i)}: county {c!r} is not in the counties layer")
    towns = set(region["townships"]["code"])
    for i, t in enumerate(region["residential"]["township"]):
        if t not in towns:
            problems.append(f"{sources['residential']}: {_row_label(region['residential'], i)}: township {t!r} is not in the townships layer")
    if problems:
        raise DataError("layers refer to places that do not exist", problems)


def load_region(config: DataConfig) -> Region:
    """Read, validate and project the five layers named by a scenario's ``[data]`` table."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources: dict[str, str] = {}
    for name in LAYERS:
        source: LayerSource | None = getattr(config, name)
        if source is None:
            continue
        sources[name] = str(Path(source.path))
        layers[name] = validate_layer(name, read_layer(source), sources[name])
    crs = local_crs(layers["counties"])
    region = {name: gdf.to_crs(crs) for name, gdf in layers.items()}
    region.setdefault("candidates", _empty_candidates(crs.to_string()))
    _check_references(region, sources)
    for name in ("schools", "candidates"):
        gdf = region[name]
        if len(gdf):
            gdf["county"] = _locate(gdf, region["counties"], "adcode", sources[name], name).to_numpy()
            township = gpd.sjoin_nearest(gdf[["geometry"]], region["townships"][["code", "geometry"]], how="left")
            gdf["township"] = township[~township.index.duplicated()]["code"].astype(str).to_numpy()
    return Region(crs=crs, **region)
