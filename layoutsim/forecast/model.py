"""``forecast``: residents → pupils by unit, level and year, by either method."""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from layoutsim.forecast.births import CENSUS_YEAR, HENAN, county_births
from layoutsim.forecast.census import load_census
from layoutsim.forecast.cohort import age_forward, census_cohorts, initial_ages, level_pupils
from layoutsim.config.forecast import MAX_AGE, ForecastConfig
from layoutsim.forecast.perthousand import per_level, per_thousand_pupils
from layoutsim.forecast.residents import occupied_at_start, resident_paths
from layoutsim.forecast.result import Forecast
from layoutsim.forecast.units import Units, prepare_units
from layoutsim.schema import LEVELS

logger = logging.getLogger(__name__)


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


def _cohort_pupils(units: Units, paths: np.ndarray, config: ForecastConfig,
                   census: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    cohorts = census_cohorts(units.counties, census)
    later = list(range(CENSUS_YEAR + 1, config.end_year + 1))
    births = county_births(config.births, cohorts["age0"], later)
    matrix = (births[births["area"] != HENAN].pivot(index="area", columns="year", values="births")
              .reindex(index=cohorts.index.astype(str), columns=later).to_numpy())
    ages = age_forward(initial_ages(cohorts), matrix.reshape(len(cohorts), len(later)), config.survival)
    county = level_pupils(ages, config.entry_ages, config.enrolment, LEVELS)[:, :, config.start_year - CENSUS_YEAR:]
    n_years = ages.shape[1]
    table = pd.DataFrame({
        "county": np.repeat(cohorts.index.astype(str).to_numpy(), n_years * (MAX_AGE + 1)),
        "year": np.tile(np.repeat(np.arange(CENSUS_YEAR, CENSUS_YEAR + n_years), MAX_AGE + 1), len(cohorts)),
        "age": np.tile(np.arange(MAX_AGE + 1), len(cohorts) * n_years),
        "persons": ages.ravel(),
    })
    return _distribute(county, units, paths, config), births, table


def forecast(residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame,
             config: ForecastConfig, *, census: pd.DataFrame | None = None) -> Forecast:
    """Pupils of every residential unit by level and year, ``config.start_year`` to ``config.end_year``.

    Parameters
    ----------
    residential
        Columns ``id, township, residents, kind, completion_year, urban``. ``residents`` are those of the
        start year; for a new development (kind ``"new"``) those it will have once completed.
    townships
        Columns ``code, county``.
    counties
        Columns ``adcode, population`` and, optionally, ``census_units``: the census adcodes a county is
        made of, ``;``-separated (a district merged with a development zone's statistical unit).
    config
        The ``[forecast]`` section.
    census
        Census cohorts per adcode (``adcode, pop_2020, age0, age1_4, age5_9, age10_14``); the packaged
        2020 table by default. Only the cohort method reads it.

    Raises
    ------
    DataError
        The tables break their contract (every problem listed) or a county has no census cohorts.
    """
    units = prepare_units(residential, townships, counties)
    years = config.years
    paths = resident_paths(units, years, urbanisation=config.urbanisation, new_from_county=config.new_from_county)
    if config.method == "cohort":
        values, births, cohorts = _cohort_pupils(units, paths, config, load_census() if census is None else census)
    else:
        values = per_thousand_pupils(paths, units.kind == "new", config.per_thousand, config.new_yield, LEVELS)
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
    }).astype({"unit": str, "township": str, "county": str, "level": str})
    residents = pd.DataFrame({
        "unit": np.repeat(units.ids, n_years),
        "year": np.tile(np.asarray(years, dtype="int64"), n_units),
        "residents": paths.ravel(),
    }).astype({"unit": str})
    return Forecast(config=config, pupils=pupils, residents=residents, births=births, cohorts=cohorts)
