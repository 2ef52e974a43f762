"""The cohort model: single years of age 0–17 per county from the 2020 census, aged forward a year at a time.

The census gives persons aged 0, 1–4, 5–9 and 10–14. Each group is split evenly over its single years
(whole persons: the remainder goes to the youngest years), so a county's ages 0–14 add up exactly to its
census count. Ages 15–17 are not in the table; each is taken as the per-year average of the 10–14 group
(an assumption: nationally the 15–19 group of the 2020 census is smaller than the 10–14 group, so this
over-states them, see ``docs/forecast.md``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from layoutsim.errors import DataError
from layoutsim.forecast.census import COHORT_COLUMNS
from layoutsim.config.forecast import MAX_AGE, EntryAges, PerLevel

#: (census column, first age, last age) of each census age group; ages 15–17 come from 10–14.
AGE_GROUPS = (("age0", 0, 0), ("age1_4", 1, 4), ("age5_9", 5, 9), ("age10_14", 10, 14))


def census_cohorts(counties: pd.DataFrame, census: pd.DataFrame) -> pd.DataFrame:
    """Census cohorts and population of each county, summed over its census units.

    A county is one census unit (its ``adcode``) unless the optional ``census_units`` column lists
    several, separated by ``;`` (e.g. a district and the development zone the region merges into it).

    Returns a table indexed by county adcode with :data:`COHORT_COLUMNS` and ``pop_2020``.
    Raises :class:`~layoutsim.errors.DataError` naming every county whose units the census lacks.
    """
    needed = ["adcode", "pop_2020", *COHORT_COLUMNS]
    missing_cols = [c for c in needed if c not in census.columns]
    if missing_cols:
        raise DataError("the census table lacks columns", missing_cols)
    table = census.assign(adcode=census["adcode"].astype(str)).drop_duplicates("adcode").set_index("adcode")
    if "census_units" in counties.columns:
        units = [
            [u.strip() for u in str(spec).split(";") if u.strip()] if pd.notna(spec) and str(spec).strip()
            else [str(code)]
            for code, spec in zip(counties["adcode"], counties["census_units"])
        ]
    else:
        units = [[str(code)] for code in counties["adcode"]]
    problems = [
        f"county {code}: census unit(s) {', '.join(u for u in codes if u not in table.index)} not in the census"
        for code, codes in zip(counties["adcode"], units)
        if any(u not in table.index for u in codes)
    ]
    if problems:
        raise DataError("counties without census cohorts", problems)
    rows = [table.loc[codes, needed[1:]].astype("int64").sum() for codes in units]
    out = pd.DataFrame(rows, index=pd.Index(counties["adcode"].astype(str), name="county"))
    return out.astype("int64")


def _split_evenly(total: np.ndarray, parts: int) -> np.ndarray:
    """Split whole numbers into ``parts`` whole numbers that differ by at most one, larger ones first."""
    quotient, remainder = np.divmod(total.astype(np.int64), parts)
    return quotient[:, None] + (np.arange(parts)[None, :] < remainder[:, None])


def initial_ages(cohorts: pd.DataFrame) -> np.ndarray:
    """Persons of each single year of age 0–17 at the census, one row per county.

    >>> t = pd.DataFrame({"age0": [10], "age1_4": [41], "age5_9": [50], "age10_14": [52]})
    >>> initial_ages(t).tolist()
    [[10.0, 11.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 11.0, 10.0, 10.0, 10.0, 10.4, 10.4, 10.4]]
    """
    ages = np.zeros((len(cohorts), MAX_AGE + 1))
    for column, first, last in AGE_GROUPS:
        ages[:, first:last + 1] = _split_evenly(cohorts[column].to_numpy(), last - first + 1)
    ages[:, 15:] = cohorts["age10_14"].to_numpy(float)[:, None] / 5.0
    return ages


def age_forward(initial: np.ndarray, births: np.ndarray, survival: Sequence[float]) -> np.ndarray:
    """Single years of age for the census year and each year after it.

    Parameters
    ----------
    initial
        Persons by county and age 0–17 in the census year, shape (counties, 18).
    births
        Age-0 persons entering in each following year, shape (counties, years after the census).
    survival
        Share of age ``a`` alive a year later, ``a`` = 0..16.

    Returns
    -------
    Persons by county, year (census year first) and age, shape (counties, 1 + years after, 18).
    """
    rates = np.asarray(survival, dtype=float)
    n_years = births.shape[1] + 1
    ages = np.empty((initial.shape[0], n_years, MAX_AGE + 1))
    ages[:, 0] = initial
    for k in range(1, n_years):
        ages[:, k, 0] = births[:, k - 1]
        ages[:, k, 1:] = ages[:, k - 1, :-1] * rates
    return ages


def level_pupils(ages: np.ndarray, entry_ages: EntryAges, enrolment: PerLevel,
                 levels: Sequence[str]) -> np.ndarray:
    """Pupils by county, level and year: the persons of a level's ages × its enrolment rate.

    ``ages`` has shape (counties, years, 18); the result has shape (counties, levels, years).
    """
    out = np.empty((ages.shape[0], len(levels), ages.shape[1]))
    for i, level in enumerate(levels):
        span = entry_ages.get(level)
        out[:, i] = ages[:, :, span.first:span.last + 1].sum(axis=2) * enrolment.get(level)
    return out
