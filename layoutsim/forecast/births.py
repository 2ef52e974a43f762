"""Births by year: the Henan series and its projection variants, and each county's share of them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from layoutsim.config.forecast import Births

#: Census year: the age-0 counts the county shares are taken from.
CENSUS_YEAR = 2020

#: ``area`` label of the province rows in the births table.
HENAN = "henan"


def _interpolate(values: Mapping[int, float], years: Sequence[int]) -> np.ndarray:
    """Values at ``years``: linear between the given years, the nearest given value outside them."""
    known = sorted(values)
    return np.interp(np.asarray(years, dtype=float), known, [values[y] for y in known])


def henan_births(births: Births, years: Sequence[int]) -> pd.Series:
    """Henan births (persons) at ``years``: observed where ``births.series`` has them, else projected.

    Years between observed ones are interpolated; years after the last observed one follow
    ``births.variant`` (see :class:`~layoutsim.config.forecast.Births`).

    >>> from layoutsim.config.forecast import Births
    >>> [[round(v / 1e4, 1) for v in henan_births(Births(variant=v), [2023, 2024, 2025, 2030, 2035])]
    ...  for v in ("low", "central", "high")]
    [[69.5, 76.2, 60.9, 43.8, 41.7], [69.5, 76.2, 72.8, 72.8, 72.8], [69.5, 76.2, 76.2, 76.2, 76.2]]
    """
    series = births.series
    last_year = max(series)
    first, second = births.trend_years
    ratio = (series[second] / series[first]) ** (1.0 / (second - first)) if series[first] > 0 else 1.0
    projected = {}
    for year in range(last_year + 1, max(years, default=last_year) + 1):
        if births.variant == "high":
            projected[year] = series[last_year]
        elif births.variant == "central":
            projected[year] = float(np.mean([series[y] for y in births.central_years]))
        else:
            projected[year] = max(series[second] * ratio ** (year - second), births.low_floor * series[second])
    out = [projected[y] if y in projected else float(_interpolate(series, [y])[0]) for y in years]
    return pd.Series(out, index=pd.Index(list(years), name="year"), name="births", dtype=float)


def county_births(births: Births, age0: pd.Series, years: Sequence[int]) -> pd.DataFrame:
    """Births of each county in ``years`` as a tidy table (year, area, births).

    ``age0`` is the census age-0 count by county (index: county code): a county's share of Henan's 2020
    births (``births.series[2020]``) is its census age 0 ÷ that, and it keeps the share. A ``births.table``
    replaces the series from its first year on; before it, the observed (and projected) series is used.
    The table also holds the province rows (area ``"henan"``) where the counties follow a Henan series.
    """
    years = list(years)
    counts = age0.to_numpy(float)
    province = henan_births(births, years).to_numpy()
    per_county = np.outer(counts / births.series[CENSUS_YEAR], province)
    province_rows = np.ones(len(years), bool)
    if births.table is not None:
        after = np.asarray(years) >= min(births.table)
        given = _interpolate(births.table, years)
        if births.table_kind == "henan":
            province = np.where(after, given, province)
            per_county = np.outer(counts / births.series[CENSUS_YEAR], province)
        else:
            if births.table_kind == "region":
                total = float(counts.sum())
                share = counts / total if total > 0 else np.zeros(len(counts))
            else:  # index, 2020 = 1.0
                share = counts
            per_county[:, after] = np.outer(share, given[after])
            province_rows = ~after
    keep = np.asarray(years)[province_rows]
    rows = [pd.DataFrame({"year": keep, "area": HENAN, "births": province[province_rows]}),
            pd.DataFrame({"year": np.tile(years, len(age0)),
                          "area": np.repeat(age0.index.astype(str).to_numpy(), len(years)),
                          "births": per_county.ravel()})]
    table = pd.concat(rows, ignore_index=True)
    return table.astype({"year": "int64", "area": str, "births": "float64"})
