"""Seat early-warning (学位预警): when and where pupils will outgrow seats, or leave them empty."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from layoutsim.errors import DataError
from layoutsim.schema import LEVELS

logger = logging.getLogger(__name__)

_LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}

#: ``short_in``: in which of the band's low, central and high forecasts an area runs short at some time.
SHORT_IN = ("all", "central and high", "high only", "none")


def _require(table: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{name} lacks columns", [f"missing column '{c}'" for c in missing])


def _matrix(table: pd.DataFrame, keys: list[str], value: str, years: list[int]) -> pd.DataFrame:
    """``value`` summed by ``keys`` and year, as rows (keys) × year columns."""
    summed = table.groupby([*keys, "year"], as_index=False)[value].sum()
    return summed.pivot(index=keys, columns="year", values=value).reindex(columns=years)


def _ordered(index: pd.MultiIndex) -> pd.MultiIndex:
    rank = [(str(a), _LEVEL_ORDER.get(lv, len(LEVELS)), str(lv)) for a, lv in index]
    return index[np.argsort(np.array([f"{a}\x00{r:02d}{lv}" for a, r, lv in rank], dtype=object), kind="stable")]


def _years(values: np.ndarray, known: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Years as nullable integers, ``<NA>`` where not ``known``."""
    out = pd.array(np.where(known, values, 0), dtype="Int64")
    out[~known] = pd.NA
    return out


def _first(mask: np.ndarray, years: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The first year each row of ``mask`` is true, ``<NA>`` if never."""
    return _years(years[mask.argmax(axis=1)], np.asarray(mask.any(axis=1)))


def seat_warnings(pupils_by_area: pd.DataFrame, seats_by_area: pd.DataFrame, *, threshold: float = 1.0,
                  surplus: float = 0.6, area: str = "area") -> pd.DataFrame:
    """For each area and level: the first year of too few seats, the worst year, and lasting empty seats.

    Parameters
    ----------
    pupils_by_area
        ``<area>, level, year, pupils`` (e.g. :meth:`Forecast.by_township`); rows repeating a key are summed.
    seats_by_area
        ``<area>, level, seats`` and optionally ``year``; rows repeating a key are summed (one row per
        school is fine). With ``year``, seats hold from their year until the next year given and are 0
        before the first one.
    threshold
        Utilisation (pupils ÷ seats) above which a year is in deficit. The shortfall is the seats to add to
        bring utilisation back to ``threshold``: pupils ÷ threshold − seats (with 1.0: pupils − seats).
    surplus
        Utilisation below which seats stand empty.
    area
        Name of the area column (``"township"``, ``"county"``, a catchment id …).

    Returns
    -------
    One row per area and level: ``<area>, level, deficit_year`` (first year in deficit, ``<NA>`` if
    none), ``deficit_shortfall`` (its shortfall), ``peak_shortfall_year``, ``peak_shortfall`` (the largest
    shortfall, ``<NA>``/0 if none), ``surplus_year`` (the year from which utilisation stays below
    ``surplus`` to the last year, ``<NA>`` if it does not), ``empty_seats_end`` (seats − pupils in the last
    year, at least 0) and ``utilisation_end``. When ``pupils_by_area`` has the band (``pupils_low``,
    ``pupils_high``), ``short_in`` says whether a shortfall holds in all three forecasts, in the central and
    high ones, in the high one only, or in none (:data:`SHORT_IN`).

    Examples
    --------
    >>> p = pd.DataFrame({"area": "A", "level": "primary", "year": [2025, 2026, 2027],
    ...                   "pupils": [900.0, 1100.0, 1300.0]})
    >>> s = pd.DataFrame({"area": ["A"], "level": ["primary"], "seats": [1000.0]})
    >>> w = seat_warnings(p, s)
    >>> int(w.deficit_year[0]), float(w.deficit_shortfall[0]), int(w.peak_shortfall_year[0])
    (2026, 100.0, 2027)
    """
    if not 0 < threshold:
        raise DataError(f"threshold must be positive, not {threshold}")
    _require(pupils_by_area, "pupils_by_area", [area, "level", "year", "pupils"])
    _require(seats_by_area, "seats_by_area", [area, "level", "seats"])
    years = sorted(int(y) for y in pd.unique(pupils_by_area["year"]))
    keys = [area, "level"]
    pupils = _matrix(pupils_by_area, keys, "pupils", years)
    if "year" in seats_by_area.columns:
        given = sorted(set(years) | {int(y) for y in pd.unique(seats_by_area["year"])})
        seats = _matrix(seats_by_area, keys, "seats", given).ffill(axis=1).fillna(0.0).reindex(columns=years)
    else:
        one = seats_by_area.groupby(keys)["seats"].sum()
        seats = pd.DataFrame(np.repeat(one.to_numpy(float)[:, None], len(years), axis=1),
                             index=one.index, columns=years)
    index = _ordered(pupils.index.union(seats.index))
    no_seats = index.difference(seats.index)
    if len(no_seats):
        logger.info("no seats given for %d area-levels; counted as 0 seats", len(no_seats))
    p = pupils.reindex(index).fillna(0.0).to_numpy(float)
    s = seats.reindex(index).fillna(0.0).to_numpy(float)
    year_arr = np.asarray(years)
    shortfall = p / threshold - s
    deficit = shortfall > 0  # utilisation above threshold
    first = _first(deficit, year_arr)
    first_short = np.where(deficit.any(axis=1), shortfall[np.arange(len(p)), deficit.argmax(axis=1)], np.nan)
    peak_col = np.where(deficit, shortfall, -np.inf).argmax(axis=1)
    peak = np.where(deficit.any(axis=1), shortfall[np.arange(len(p)), peak_col], 0.0)
    empty = (s > 0) & (p < surplus * s)
    # the year after the last one that is not empty, if that is a year of the forecast
    not_empty_from_end = (~empty)[:, ::-1].argmax(axis=1)
    lasting = np.where((~empty).any(axis=1), not_empty_from_end, len(years))
    surplus_year = _years(year_arr[len(years) - np.maximum(lasting, 1)], lasting > 0)
    out = index.to_frame(index=False)
    out["deficit_year"] = first
    out["deficit_shortfall"] = first_short
    out["peak_shortfall_year"] = _first(deficit & (np.arange(len(years))[None, :] == peak_col[:, None]), year_arr)
    out["peak_shortfall"] = peak
    out["surplus_year"] = surplus_year
    out["empty_seats_end"] = np.clip(s[:, -1] - p[:, -1], 0.0, None)
    out["utilisation_end"] = np.divide(p[:, -1], s[:, -1], out=np.full(len(p), np.nan), where=s[:, -1] > 0)
    if {"pupils_low", "pupils_high"} <= set(pupils_by_area.columns):
        short = {v: (_matrix(pupils_by_area, keys, v, years).reindex(index).fillna(0.0).to_numpy(float)
                     / threshold - s > 0).any(axis=1) for v in ("pupils_low", "pupils_high")}
        out["short_in"] = np.select(
            [short["pupils_low"], deficit.any(axis=1), short["pupils_high"]], list(SHORT_IN[:3]), SHORT_IN[3])
    return out


def peak_years(pupils_by_area: pd.DataFrame, *, area: str = "area") -> pd.DataFrame:
    """The year each area's pupils of each level peak (the first such year) and the peak: ``<area>, level,
    peak_year, peak_pupils``.

    >>> p = pd.DataFrame({"area": "A", "level": "junior", "year": [2025, 2026, 2027], "pupils": [5.0, 7.0, 6.0]})
    >>> peak_years(p).to_dict("records")
    [{'area': 'A', 'level': 'junior', 'peak_year': 2026, 'peak_pupils': 7.0}]
    """
    _require(pupils_by_area, "pupils_by_area", [area, "level", "year", "pupils"])
    years = sorted(int(y) for y in pd.unique(pupils_by_area["year"]))
    pupils = _matrix(pupils_by_area, [area, "level"], "pupils", years)
    pupils = pupils.reindex(_ordered(pupils.index)).fillna(0.0)
    values = pupils.to_numpy(float)
    col = values.argmax(axis=1)
    out = pupils.index.to_frame(index=False)
    out["peak_year"] = np.asarray(years, dtype="int64")[col]
    out["peak_pupils"] = values[np.arange(len(values)), col]
    return out
