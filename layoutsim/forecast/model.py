"""``forecast``: residents → pupils by unit, level and year, by either method, with intake and a band."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layoutsim.config.forecast import MAX_AGE, ForecastConfig
from layoutsim.forecast.births import CENSUS_YEAR, HENAN, county_births
from layoutsim.forecast.census import COHORT_COLUMNS, load_census
from layoutsim.forecast.cohort import age_forward, census_rows, level_pupils, migration, single_years, sum_rows
from layoutsim.forecast.perthousand import per_level, per_thousand_pupils
from layoutsim.forecast.residents import occupied_at_start, resident_paths
from layoutsim.forecast.result import VALUES, Forecast
from layoutsim.forecast.units import Units, prepare_units
from layoutsim.schema import LEVELS

logger = logging.getLogger(__name__)

#: The birth variants that bound the band (the scenario's own births give the central values).
BAND_VARIANTS = ("low", "high")


@dataclass(frozen=True)
class CountyLevels:
    """Cohort-model values by county, level and year (arrays of shape (counties, levels, years)).

    ``pupils`` and ``intake`` follow the scenario's births; ``low`` and ``high`` bound pupils by the low
    and high birth variants widened by ``band`` per year after the census. ``births`` and ``cohorts`` are
    the tidy tables of the central run.
    """

    pupils: np.ndarray
    intake: np.ndarray
    low: np.ndarray
    high: np.ndarray
    births: pd.DataFrame
    cohorts: pd.DataFrame


def _widen(years: list[int], band: float, origin: int) -> np.ndarray:
    """band × years after ``origin`` (the year the data describe), per year (0 in that year)."""
    return band * np.clip(np.asarray(years, dtype=float) - origin, 0.0, None)


def county_levels(counties: pd.DataFrame, config: ForecastConfig, census_2020: pd.DataFrame,
                  census_2010: pd.DataFrame) -> CountyLevels:
    """The cohort model for each county of ``counties`` (``adcode`` and optional ``census_units``)."""
    rows = census_rows(counties, census_2020)
    groups = sum_rows(census_2020, rows, COHORT_COLUMNS)
    initial = single_years(groups.to_numpy())[:, :MAX_AGE + 1].astype(float)
    rates = np.asarray(config.survival)[None, :] * migration(rows, census_2020, census_2010, config.survival,
                                                             config.migration)
    age0 = pd.Series(groups["age0"].to_numpy(float), index=counties["adcode"].astype(str).to_numpy())
    later = list(range(CENSUS_YEAR + 1, config.end_year + 1))
    keep = slice(config.start_year - CENSUS_YEAR, None)

    def run(births_config):
        births = county_births(births_config, age0, later)
        matrix = (births[births["area"] != HENAN].pivot(index="area", columns="year", values="births")
                  .reindex(index=age0.index, columns=later).to_numpy().reshape(len(age0), len(later)))
        ages = age_forward(initial, matrix, rates)
        pupils = level_pupils(ages, config.entry_ages, config.enrolment, LEVELS)[:, :, keep]
        intake = level_pupils(ages, config.entry_ages, config.intake, LEVELS, first_only=True)[:, :, keep]
        return ages, births, pupils, intake

    ages, births, pupils, intake = run(config.births)
    bounds = [pupils if config.births.table is not None else
              run(config.births.model_copy(update={"variant": v}))[2] for v in BAND_VARIANTS]
    widen = _widen(config.years, config.band, CENSUS_YEAR)[None, None, :]
    low = np.minimum(np.minimum(*bounds), pupils) * (1.0 - widen).clip(0.0)
    high = np.maximum(np.maximum(*bounds), pupils) * (1.0 + widen)
    n_years = ages.shape[1]
    cohorts = pd.DataFrame({
        "county": np.repeat(age0.index.to_numpy(), n_years * (MAX_AGE + 1)),
        "year": np.tile(np.repeat(np.arange(CENSUS_YEAR, CENSUS_YEAR + n_years), MAX_AGE + 1), len(age0)),
        "age": np.tile(np.arange(MAX_AGE + 1), len(age0) * n_years),
        "persons": ages.ravel(),
    })
    return CountyLevels(pupils, intake, low, high, births, cohorts)


def _distribute(county_pupils: np.ndarray, units: Units, paths: np.ndarray, config: ForecastConfig) -> np.ndarray:
    """County pupils (counties, levels, years) spread over the units: returns (units, levels, years).

    New developments get residents × ``new_yield``. The county's cohort pupils, scaled by the share of
    the county's population its units hold in the start year, less the pupils of new-development
    residents who were already counted in it (all of those occupied at the start, ``new_from_county`` of
    later ones), go to the other units in proportion to their residents that year.
    """
    new = units.kind == "new"
    counted = np.where(occupied_at_start(units, config.start_year), 1.0, config.new_from_county) * new
    new_pupils = paths[:, None, :] * per_level(config.new_yield, LEVELS)[None, :, None] / 1000.0 * new[:, None, None]
    coverage = units.per_county(paths[:, 0]) / units.counties["population"].to_numpy()
    wanted = county_pupils * coverage[:, None, None] - units.per_county(new_pupils * counted[:, None, None])
    over = (wanted < -1e-9).any(axis=(1, 2))
    if over.any():
        logger.warning("new developments hold more pupils than their counties' cohorts in %s; those "
                       "counties' other units get none", units.counties["adcode"][over].tolist())
    pool = np.clip(wanted, 0.0, None)
    others = ~new
    total = units.per_county(paths, others)[units.county]
    share = np.divide(paths, total, out=np.zeros_like(paths), where=others[:, None] & (total > 0))
    return np.where(new[:, None, None], new_pupils, pool[units.county] * share[:, None, :])


def _ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


def _county_units(counties: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A residential and a townships table in which each county is one unit holding all its people."""
    codes = counties["adcode"].astype(str).to_numpy()
    residential = pd.DataFrame({"id": codes, "township": codes, "residents": counties["population"].to_numpy(),
                                "kind": "existing", "completion_year": np.nan, "urban": True})
    return residential, pd.DataFrame({"code": codes, "county": codes})


def forecast(residential: pd.DataFrame | None, townships: pd.DataFrame | None, counties: pd.DataFrame,
             config: ForecastConfig, *, census: pd.DataFrame | None = None,
             census_2010: pd.DataFrame | None = None) -> Forecast:
    """Pupils of every residential unit by level and year, ``config.start_year`` to ``config.end_year``.

    Parameters
    ----------
    residential
        Columns ``id, township, residents, kind, completion_year, urban``. ``residents`` are those of the
        start year; for a new development (kind ``"new"``) those it will have once completed. ``None`` or
        empty: each county is one unit (its id and township are its adcode) holding its ``population``.
    townships
        Columns ``code, county`` (unused when ``residential`` is empty).
    counties
        Columns ``adcode, population`` and, optionally, ``census_units``: the census adcodes a county is
        made of, ``;``-separated (a district merged with a development zone's statistical unit).
    config
        The ``[forecast]`` section.
    census, census_2010
        Census groups per county-level unit (:func:`~layoutsim.forecast.census.load_census`); the
        packaged Henan tables by default. Only the cohort method reads them.

    Returns
    -------
    A :class:`~layoutsim.forecast.result.Forecast` whose ``pupils`` hold, per unit, level and year,
    ``pupils``, ``intake``, ``pupils_low`` and ``pupils_high`` (:data:`~layoutsim.forecast.result.VALUES`).

    Raises
    ------
    DataError
        The tables break their contract (every problem listed) or a county has no census cohorts.
    """
    if residential is None or len(residential) == 0:
        residential, townships = _county_units(counties)
    units = prepare_units(residential, townships if townships is not None else pd.DataFrame(), counties)
    years = config.years
    paths = resident_paths(units, years, urbanisation=config.urbanisation, new_from_county=config.new_from_county)
    if config.method == "cohort":
        levels = county_levels(units.counties, config, load_census(2020) if census is None else census,
                               load_census(2010) if census_2010 is None else census_2010)
        values = _distribute(levels.pupils, units, paths, config)
        by_unit = {name: values * _ratio(array, levels.pupils)[units.county]
                   for name, array in (("intake", levels.intake), ("pupils_low", levels.low),
                                       ("pupils_high", levels.high))}
        births, cohorts = levels.births, levels.cohorts
    else:
        values = per_thousand_pupils(paths, units.kind == "new", config.per_thousand, config.new_yield, LEVELS)
        widen = _widen(years, config.band, config.start_year)[None, None, :]  # residents are the start year's
        grades = np.array([config.entry_ages.get(lv).last - config.entry_ages.get(lv).first + 1 for lv in LEVELS])
        by_unit = {"intake": values / grades[None, :, None], "pupils_low": values * (1.0 - widen).clip(0.0),
                   "pupils_high": values * (1.0 + widen)}
        births = pd.DataFrame({"year": pd.Series(dtype="int64"), "area": pd.Series(dtype=str),
                               "births": pd.Series(dtype="float64")})
        cohorts = pd.DataFrame({"county": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
                                "age": pd.Series(dtype="int64"), "persons": pd.Series(dtype="float64")})
    n_units, n_levels, n_years = values.shape
    adcodes = units.counties["adcode"].astype(str).to_numpy()[units.county]
    pupils = pd.DataFrame({
        "unit": np.repeat(units.ids, n_levels * n_years),
        "township": np.repeat(units.township, n_levels * n_years),
        "county": np.repeat(adcodes, n_levels * n_years),
        "level": np.tile(np.repeat(np.array(LEVELS, dtype=object), n_years), n_units),
        "year": np.tile(np.asarray(years, dtype="int64"), n_units * n_levels),
        "pupils": values.ravel(),
        **{name: by_unit[name].ravel() for name in VALUES[1:]},
    }).astype({"unit": str, "township": str, "county": str, "level": str})
    residents = pd.DataFrame({
        "unit": np.repeat(units.ids, n_years),
        "year": np.tile(np.asarray(years, dtype="int64"), n_units),
        "residents": paths.ravel(),
    }).astype({"unit": str})
    return Forecast(config=config, pupils=pupils, residents=residents, births=births, cohorts=cohorts)
