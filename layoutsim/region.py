"""The Region: counties, townships, residential units, schools and candidate sites, validated.

Each layer is checked against the data contract in :mod:`layoutsim.schema`; every problem of a layer is
collected and reported at once, naming the file, the row and the column. The Region holds its layers in a
local metric CRS so distances are in metres.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .errors import DataError
from .geo import WGS84, local_crs, lonlat_hint, with_hints
from .i18n import t
from .io import read_layer
from .townships import estimate_townships, match_townships
from .config.scenario import DataConfig, LayerSource
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

#: Columns holding several values of a choice ("kindergarten;primary"), split by :func:`split_list`.
_LISTS = {("candidates", "levels"): LEVELS}

#: Plausible ranges (inclusive) of numeric columns, in one place. A value outside is a typing slip or a
#: wrong unit (yuan for 万元, m² for mu); it would overflow an integer or swamp the model, so it is reported.
_RANGES: dict[str, tuple[int, int]] = {
    # Henan had 99 million residents in 2020: no county or township of it holds 100 million
    "population": (0, 100_000_000),
    # a residential unit is an estate or a village (the largest in the data: 18,000): a million is beyond any
    "residents": (0, 1_000_000),
    # the largest schools in China (毛坦厂中学, 衡水中学) have 10,000–20,000 pupils in all levels together
    **{enrolment_col(lv): (0, 20_000) for lv in LEVELS},
    # 500 classes of 45 pupils is 22,500: beyond the enrolment bound
    **{classes_col(lv): (0, 500) for lv in LEVELS},
    # a site of under 1 m² is a slip; the largest campuses are about 1 km², 10 km² is a small town
    "site_area_m2": (1, 10_000_000),
    # a school's staff: 20,000 pupils at 1:10 is 2,000; 5,000 is beyond any school
    "teachers": (0, 5_000),
    # pupils with disabilities in a school's regular classes: a few dozen at most; 2,000 is a slip
    "disabled_pupils": (0, 2_000),
    # 0 for allocated land (划拨); 100亿元 is more than any school site costs (the data: 2亿 at most)
    "land_cost_cny": (0, 10_000_000_000),
    # years of the plans (2020–2035) with a wide margin, as the scenario's own years
    "completion_year": (1900, 2100),
    "earliest_year": (1900, 2100),
}

#: Layers that may have no rows (an area may have no candidate sites).
_MAY_BE_EMPTY = {"candidates"}


@dataclass(frozen=True)
class Region:
    """The five layers of a planning area, in a local metric CRS (metres)."""

    counties: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    residential: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    crs: CRS

    def units_county(self) -> pd.Series:
        """The county adcode of each residential unit, through its township ("" if none)."""
        town_county = dict(zip(self.townships["code"].astype(str), self.townships["county"].astype(str)))
        return self.residential["township"].astype(str).map(town_county).fillna("")

    @property
    def counties_only(self) -> bool:
        """True when the region has counties and nothing below them (a forecast from the census)."""
        return len(self.townships) == 0 and len(self.residential) == 0

    @property
    def synthetic(self) -> bool:
        """True when any row below the county is generated."""
        return any(
            bool(layer[SYNTHETIC_COL].any())
            for layer in (self.townships, self.residential, self.schools, self.candidates)
            if SYNTHETIC_COL in layer
        )


def plain(value: object) -> str:
    """A value as a reader writes it in a message: 12.5, -3, 1e+30, inf, 'text' (no numpy reprs)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return repr(value)


def split_list(text: object) -> list[str]:
    """The values of a list cell such as a candidate's levels ("kindergarten;primary", "primary, junior").

    The separators are those of :func:`layoutsim.optimize.inputs.split_levels` (which cannot import this:
    the scenario imports the optimizer's settings, and the Region the scenario).
    """
    return [t for t in re.split(r"[\s,;|/]+", str(text or "")) if t]


def _row_number(df: pd.DataFrame, i: int | np.integer) -> int:
    """The number the user sees for row ``i``: the sheet's own row number for an Excel sheet (the reader
    keeps them in ``attrs["rows"]``), else the row's place counting from 1."""
    rows = df.attrs.get("rows")
    return int(rows[i]) if rows is not None and i < len(rows) else int(i) + 1


def _row_label(df: pd.DataFrame, i: int | np.integer) -> str:
    ident = next((df[c].iloc[i] for c in ("id", "code", "adcode") if c in df.columns), None)
    if ident is None or pd.isna(ident) or ident == "":
        return f"row {_row_number(df, i)}"
    return f"row {_row_number(df, i)} (id {ident if isinstance(ident, str) else plain(ident)})"


def _check_range(df: pd.DataFrame, col: str, num: pd.Series, problems: list[str]) -> pd.Series:
    """Rows whose number is not finite or outside the column's plausible range (:data:`_RANGES`), noted."""
    lo, hi = _RANGES.get(col, (-np.inf, np.inf))
    values = num.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        low, high = finite & (values < lo), finite & (values > hi)
    nonfinite = ~finite & ~np.isnan(values)
    for i in np.flatnonzero(nonfinite | low | high):
        if nonfinite[i]:
            why = "is not a finite number"
        elif low[i]:
            why = "is negative" if lo == 0 else f"is below the plausible minimum {lo}"
        else:
            why = f"is above the plausible maximum {f'{hi:,}' if hi >= 10_000 else hi}"  # 20,000 but 2100
        problems.append(f"{_row_label(df, i)}: '{col}' = {plain(values[i])} {why}")
    return pd.Series(nonfinite | low | high, index=num.index)


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
        num = pd.to_numeric(raw.where(~blank), errors="coerce").astype("float64")
        bad = (num.isna() & ~blank) | (blank & (not optional))
        if base == "int":
            bad = bad | (np.isfinite(num) & (num.round() != num))
        # a value the range check names is reported once, there, and not converted (1e30 overflows Int64)
        num = num.where(~(bad | _check_range(df, col, num.where(~bad), problems)))
        out = num.round().astype("Int64") if base == "int" else num
    else:  # bool
        text = raw.astype(str).str.strip().str.lower()
        is_true, is_false = text.isin(_TRUE), text.isin(_FALSE)
        bad = ~(is_true | is_false)
        out = is_true
    for i in np.flatnonzero(np.asarray(bad)):
        value = "is empty" if blank.iloc[i] else f"has {plain(raw.iloc[i])}"
        problems.append(f"{_row_label(df, i)}: column '{col}' {value}, expected {base}")
    return out


def validate_layer(name: str, gdf: gpd.GeoDataFrame, where: str) -> gpd.GeoDataFrame:
    """Check one layer against the contract and return it with typed columns.

    Raises DataError listing every problem (missing columns, bad values, bad geometry, duplicate ids).
    """
    gdf = gdf.reset_index(drop=True)
    if len(gdf) == 0:
        if name in _MAY_BE_EMPTY:
            return _empty_layer(name, str(gdf.crs or WGS84))
        raise DataError(f"{where}: layer '{name}' has no rows; a planning area needs at least one",
                        ["check that the scenario's [data] table names the right file (and layer = of a GeoPackage)"])
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
        elif isinstance(default, float):
            out[col] = _coerce(gdf, col, "float?", problems)
        else:
            out[col] = out[col].fillna(default).astype(str)
    if SYNTHETIC_COL in out.columns:
        out[SYNTHETIC_COL] = _coerce(gdf, SYNTHETIC_COL, "bool", problems)
    else:
        out[SYNTHETIC_COL] = False
    for (layer, col), choices in {**_CHOICES, **_LISTS}.items():
        if layer != name:
            continue
        words = {t(c, "zh"): c for c in choices}  # the Chinese words of a template's drop-downs
        if (layer, col) in _LISTS:
            out[col] = [";".join(words.get(v, v) for v in split_list(value)) for value in out[col]]
        else:
            out[col] = [words.get(value, value) for value in out[col]]
        for i, value in enumerate(out[col]):
            if (layer, col) in _LISTS:
                wrong = [v for v in split_list(value) if v not in choices]
                what = f"has unknown level{'s' if len(wrong) > 1 else ''} {', '.join(map(repr, wrong))}"
            else:
                wrong = [value] if value not in choices and value != "" else []
                what = f"is {value!r}"
            if wrong:
                problems.append(f"{_row_label(out, i)}: '{col}' {what}; expected one of "
                                + ", ".join(f"{c} ({t(c, 'zh')})" for c in choices))
    geoms = out.geometry
    for i in map(int, np.flatnonzero((geoms.isna() | geoms.is_empty).to_numpy())):
        problems.append(f"{_row_label(out, i)}: empty or missing geometry")
    ok = ~(geoms.isna() | geoms.is_empty)
    wrong = ok & ~geoms.geom_type.isin(GEOMETRY[name])
    for i in map(int, np.flatnonzero(wrong.to_numpy())):
        problems.append(f"{_row_label(out, i)}: geometry is {geoms.iloc[i].geom_type}, expected {' or '.join(GEOMETRY[name])}")
    invalid = ok & ~wrong & ~geoms.is_valid
    for i in map(int, np.flatnonzero(invalid.to_numpy())):
        problems.append(f"{_row_label(out, i)}: invalid geometry (self-intersecting or broken ring)")
    key = next(c for c in ("id", "code", "adcode") if c in required)
    dup = out[key].duplicated(keep=False) & (out[key] != "")
    for value in sorted(out.loc[dup, key].unique()):
        rows = ", ".join(str(_row_number(out, i)) for i in np.flatnonzero((out[key] == value).to_numpy()))
        problems.append(f"duplicate {key} {value!r} in rows {rows}")
    if problems:
        raise DataError(f"{where}: {len(problems)} problem(s) in layer '{name}'", sorted(problems, key=_by_row))
    return out


def _empty_layer(name: str, crs: str) -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype=object) for c in (*LAYERS[name], *OPTIONAL[name], SYNTHETIC_COL)}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _place_problems(gdf: gpd.GeoDataFrame, rows: np.ndarray,
                    bounds: tuple[float, float, float, float] | None) -> tuple[str, list[str]]:
    """What looks wrong with the places of these rows (said once if shared), and a line per row."""
    corner = gdf.geometry.iloc[rows].bounds  # a point's own coordinates; a polygon's south-west corner
    lines = [f"{_row_label(gdf, i)} '{gdf['name'].iloc[i]}' at {x:.5f}, {y:.5f}"
             for i, x, y in zip(rows, corner["minx"], corner["miny"])]
    return with_hints(lines, [lonlat_hint(x, y, bounds) for x, y in zip(corner["minx"], corner["miny"])])


def _check_lonlat(gdf: gpd.GeoDataFrame, where: str, what: str) -> None:
    """A DataError naming the rows of a WGS84 layer with coordinates beyond longitude/latitude."""
    b = gdf.geometry.bounds
    wrong = ~(b["minx"].ge(-180) & b["maxx"].le(180) & b["miny"].ge(-90) & b["maxy"].le(90)).to_numpy()
    if wrong.any():
        shared, lines = _place_problems(gdf, np.flatnonzero(wrong), None)
        raise DataError(f"{where}: {int(wrong.sum())} {what} not in longitude/latitude{shared}", lines)


def _locate(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, key: str, where: str, what: str) -> pd.Series:
    """The ``key`` of the county polygon holding each point (both WGS84); a DataError lists points in none."""
    joined = gpd.sjoin(points[["geometry"]], polygons[[key, "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    outside = joined[key].isna().to_numpy()
    if outside.any():
        shared, lines = _place_problems(points, np.flatnonzero(outside), tuple(polygons.total_bounds))
        raise DataError(f"{where}: {int(outside.sum())} {what} outside every county{shared}", lines)
    return joined[key].astype(str)


def _check_references(region: dict[str, gpd.GeoDataFrame], sources: dict[str, str]) -> None:
    problems: list[str] = []
    counties = set(region["counties"]["adcode"])
    for i, c in enumerate(region["townships"]["county"]):
        if c not in counties:
            problems.append(f"{sources['townships']}: {_row_label(region['townships'], i)}: county {c!r} is not in the counties layer")
    towns = set(region["townships"]["code"])
    for i, town in enumerate(region["residential"]["township"]):
        if town not in towns:
            problems.append(f"{sources['residential']}: {_row_label(region['residential'], i)}: township {town!r} is not in the townships layer")
    units = set(region["residential"]["id"])
    for i, unit in enumerate(region["candidates"]["tied_to"]):
        if unit and unit not in units:
            problems.append(f"{sources['candidates']}: {_row_label(region['candidates'], i)}: tied_to {unit!r} is not in the residential layer")
    if problems:
        raise DataError("layers refer to places that do not exist", problems)


def _raise_all(errors: list[DataError]) -> None:
    """One DataError with the problems of every layer (a bureau fixes its workbooks in one round)."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DataError("\n".join(str(e) for e in errors))


def _by_row(problem: str) -> float:
    m = re.match(r"row (\d+)", problem)
    return float(m.group(1)) if m else float("inf")


def load_region(config: DataConfig) -> Region:
    """Read, validate and project the five layers named by a scenario's ``[data]`` table."""
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources: dict[str, str] = {}
    errors: list[DataError] = []  # every layer's problems, reported together
    for name in LAYERS:
        source: LayerSource | None = getattr(config, name)
        if source is None:
            continue
        sources[name] = str(Path(source.path)) + (f", sheet {source.sheet}" if source.sheet is not None else "")
        try:
            layers[name] = validate_layer(name, read_layer(source), sources[name])
            if name in ("counties", "townships"):
                _check_lonlat(layers[name], sources[name], name)
        except DataError as exc:
            errors.append(exc)
    _raise_all(errors)
    # every point in a county, checked in longitude/latitude: swapped or projected points stay readable
    county = {}
    for name in ("residential", "schools", "candidates"):
        if len(layers.get(name, ())):
            try:
                county[name] = _locate(layers[name], layers["counties"], "adcode", sources[name], name).to_numpy()
            except DataError as exc:
                errors.append(exc)
    _raise_all(errors)
    estimate = "townships" not in layers and len(layers.get("residential", ()))
    if estimate:  # townships named, not drawn (townships.py)
        res = layers["residential"]
        res["township"], given = match_townships(res["township"], pd.Series(county["residential"], index=res.index),
                                                 [_row_number(res, i) for i in range(len(res))], sources["residential"])
    crs = local_crs(layers["counties"])
    region = {name: gdf.to_crs(crs) for name, gdf in layers.items()}
    if estimate:
        region["townships"] = estimate_townships(region["counties"], region["residential"], given)
    for name in ("townships", "residential", "schools", "candidates"):
        region.setdefault(name, _empty_layer(name, crs.to_string()))
    _check_references(region, sources)
    for name in ("schools", "candidates"):
        gdf = region[name]
        if len(gdf):
            gdf["county"] = county[name]
            township = gpd.sjoin_nearest(gdf[["geometry"]], region["townships"][["code", "geometry"]], how="left")
            gdf["township"] = township[~township.index.duplicated()]["code"].astype(str).to_numpy()
    return Region(crs=crs, **region)
