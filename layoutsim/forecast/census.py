"""The 2020 and 2010 census child and youth age groups of Henan's 157 county-level units (file reading only).

Both tables are project copies of ``shared/domain/calibration/henan_counties_{2020,2010}.csv`` (attribution
in ``data/README.md``): one row per county-level unit of today's boundaries, the 2010 groups mapped onto
the 2020 units. Development zones that the census reports separately are folded into the district that
hosts them; ``census_units`` (2020) lists the statistical units summed into a row.
"""
from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

#: (column, first age, last age) of the census age groups: persons on 1 November of the census year.
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("age0", 0, 0), ("age1_4", 1, 4), ("age5_9", 5, 9), ("age10_14", 10, 14), ("age15_19", 15, 19))

#: The census columns the cohort model reads.
COHORT_COLUMNS = tuple(name for name, _, _ in AGE_GROUPS)

#: Census years the project holds.
CENSUS_YEARS = (2010, 2020)


@cache
def _read(year: int) -> pd.DataFrame:
    path = resources.files("layoutsim") / "reference" / f"henan_census_{year}.csv"
    with path.open("rb") as handle:
        return pd.read_csv(handle, dtype={"adcode": str, "census_units": str, "units_2010": str})


def load_census(year: int = 2020) -> pd.DataFrame:
    """Henan's census of ``year`` (2020 or 2010) by county-level unit.

    2020 columns: ``adcode, city, name, pop_2020, urban_pop_2020``, :data:`COHORT_COLUMNS`,
    ``census_units``. 2010: ``adcode, name, pop_2010, urban_pop_2010``, :data:`COHORT_COLUMNS`,
    ``units_2010`` (the 2010 units summed) and ``uncertain`` (True where a 2010 unit later split between
    several of today's units was kept whole in one of them: its 2010 figure covers a different area).
    """
    if year not in CENSUS_YEARS:
        raise ValueError(f"no census table for {year}; the project holds {CENSUS_YEARS}")
    return _read(year).copy()
