"""The cohort model: single years of age 0–17 per county from the 2020 census, aged forward a year at a time.

Three steps, each documented in ``docs/forecast.md``:

1. :func:`single_years`: the census groups 0, 1–4, 5–9, 10–14, 15–19 split into single years by a
   monotone mean-preserving spline (PCHIP through the cumulative counts at the group edges), rounded to
   whole persons group by group, so every group total is kept exactly.
2. :func:`migration`: each county's yearly net-migration factor from the 2010 and 2020 censuses
   (Hamilton–Perry cohort-change ratios).
3. :func:`age_forward`: age a+1 next year = age a this year × survival × migration; age 0 from births.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.interpolate import PchipInterpolator

from layoutsim.errors import DataError
from layoutsim.forecast.census import AGE_GROUPS, COHORT_COLUMNS
from layoutsim.config.forecast import MAX_AGE, EntryAges, PerLevel

#: Single years the split produces: 0 to the last age of the last census group (19).
SPLIT_AGES = AGE_GROUPS[-1][2] + 1

#: Ages whose yearly transition (a → a+1) carries a county's own migration factor: the ages the cohorts
#: aged 0–4 in 2010 passed through on their way to 10–14 in 2020 (0 … 13).
COUNTY_MIGRATION_AGES = range(0, 14)

#: Single years of age in 2010 of the cohorts whose change to 2020 sets the province's migration factor:
#: 5–7 in 2010 → 15–17 in 2020. Well counted at both censuses (school ages), unlike ages 0–4 in 2010
#: (infants and toddlers are under-counted) and 18–19 in 2020 (students and workers move away).
PROVINCE_COHORTS_2010 = range(5, 8)


def census_rows(counties: pd.DataFrame, census: pd.DataFrame) -> list[list[str]]:
    """The census rows (adcodes) each county is made of.

    A county is the whole row of its ``adcode`` unless the optional ``census_units`` column lists its census
    statistical units (``;``-separated, e.g. a district and a development zone reported apart). The units
    must make up whole rows of the census table: a row folds some zones into their host district, and
    its groups cannot be split again. Raises :class:`~layoutsim.errors.DataError` naming every county
    whose units the table lacks or cuts across, and every row two counties share.
    """
    _require(census, "2020", ["adcode", *COHORT_COLUMNS])
    row_units = {str(code): ([u.strip() for u in str(spec).split(";") if u.strip()]
                             if "census_units" in census and pd.notna(spec) else [str(code)])
                 for code, spec in zip(census["adcode"], census.get("census_units", census["adcode"]))}
    row_of = {unit: code for code, units in row_units.items() for unit in units}
    out, problems = [], []
    for code, spec in zip(counties["adcode"].astype(str),
                          counties.get("census_units", pd.Series([None] * len(counties))).to_numpy()):
        given = spec is not None and pd.notna(spec) and str(spec).strip()
        units = [u.strip() for u in str(spec).split(";") if u.strip()] if given else row_units.get(code, [code])
        unknown = [u for u in units if u not in row_of]
        rows = list(dict.fromkeys(row_of[u] for u in units if u in row_of))
        cut = sorted({u for r in rows for u in row_units[r]} - set(units))
        if unknown:
            problems.append(f"county {code}: census unit(s) {', '.join(unknown)} not in the census")
        elif cut:
            problems.append(f"county {code}: census row(s) {', '.join(rows)} also hold {', '.join(cut)}; "
                            f"list them in census_units too (a row's groups cannot be split)")
        out.append(rows)
    claimed: dict[str, list[str]] = {}
    for code, rows in zip(counties["adcode"].astype(str), out):
        for row in rows:
            claimed.setdefault(row, []).append(code)
    problems += [f"census row {row} is in counties {', '.join(codes)}: each row belongs to one county"
                 for row, codes in claimed.items() if len(codes) > 1]
    if problems:
        raise DataError("counties without census cohorts", problems)
    return out


def sum_rows(table: pd.DataFrame, rows: list[list[str]], columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of ``table`` (indexed by adcode) summed over each county's rows, one row per county."""
    indexed = table.assign(adcode=table["adcode"].astype(str)).set_index("adcode")
    return pd.DataFrame([indexed.loc[r, list(columns)].sum() for r in rows], columns=list(columns))


def single_years(groups: np.ndarray) -> np.ndarray:
    """Whole persons of each single year 0–19 from the census groups (columns :data:`COHORT_COLUMNS`).

    A monotone cubic (PCHIP, Fritsch–Carlson) through the cumulative count at the group edges 0, 1, 5,
    10, 15, 20 is differenced at whole ages: it passes through every edge, so each group keeps its total,
    and being monotone it never gives a negative age. The fractions are then rounded to whole persons
    within each group by largest remainder, so each group total is kept exactly.

    >>> single_years(np.array([[10, 48, 60, 60, 60]])).tolist()
    [[10, 11, 12, 13, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12]]
    """
    groups = np.asarray(groups, dtype=np.int64).reshape(-1, len(AGE_GROUPS))
    edges = np.array([first for _, first, _ in AGE_GROUPS] + [SPLIT_AGES], dtype=float)
    cumulative = np.concatenate([np.zeros((len(groups), 1)), np.cumsum(groups, axis=1)], axis=1)
    smooth = np.diff(PchipInterpolator(edges, cumulative, axis=1)(np.arange(SPLIT_AGES + 1)), axis=1)
    smooth = np.clip(smooth, 0.0, None)
    out = np.zeros_like(smooth, dtype=np.int64)
    for g, (_, first, last) in enumerate(AGE_GROUPS):
        part = smooth[:, first:last + 1]
        scale = np.divide(groups[:, g], part.sum(axis=1), out=np.zeros(len(groups)), where=part.sum(axis=1) > 0)
        part = part * scale[:, None]
        whole = np.floor(part).astype(np.int64)
        short = groups[:, g] - whole.sum(axis=1)
        order = np.argsort(-(part - whole), axis=1, kind="stable")
        bump = np.argsort(order, axis=1) < short[:, None]  # a zero group has nothing short
        out[:, first:last + 1] = whole + bump
    return out


def _uncertain(values: pd.Series) -> np.ndarray:
    """The 2010 table's ``uncertain`` column as booleans (True, "True", "yes", 1 …; empty is False)."""
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "y", "1.0"]).to_numpy()


def _require(table: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"the {name} census table lacks columns", missing)


def migration(rows: list[list[str]], census_2020: pd.DataFrame, census_2010: pd.DataFrame,
              survival: Sequence[float], scale: float = 1.0) -> np.ndarray:
    """Yearly net-migration factor of each county at each age ``a`` = 0..16 (the transition a → a+1).

    Hamilton–Perry: a cohort-change ratio compares a cohort at two censuses ten years apart.

    - **Province.** The cohorts aged :data:`PROVINCE_COHORTS_2010` in 2010 against the same cohorts ten
      years older in 2020 (single years from :func:`single_years` of every unit, summed), less survival,
      give Henan's yearly factor ``m_henan`` = (ratio ÷ survival over the ten years)^(1/10), at every age.
    - **County.** The ratio of the county's 2020 ages 10–14 to its 2010 ages 0–4 (the groups themselves,
      no split), divided by the same ratio for all of Henan, is how much more (or less) the county gained
      than the province: its drift to county seats and cities. Its tenth root, divided by the mean of all
      units' tenth roots weighted by their 2020 children aged 0–13 (so that the county pattern moves
      children between counties and adds none to Henan), multiplies ``m_henan`` at the ages those cohorts
      passed, :data:`COUNTY_MIGRATION_AGES`. Dividing by Henan's ratio also takes out the under-count of
      infants in the 2010 census, assumed to inflate every county's ratio alike.
    - A county any of whose 2010 rows is ``uncertain`` (its 2010 territory differs) takes the ratio of
      its city (or cities) instead: boundary moves within a city cancel in the city's sum. A county (or
      city) with no children in either group gets Henan's ratio.

    ``scale`` multiplies every factor's logarithm (0: no migration, survival only).
    """
    if scale == 0:
        return np.ones((len(rows), MAX_AGE))
    _require(census_2020, "2020", ["adcode", *COHORT_COLUMNS])
    _require(census_2010, "2010", ["adcode", *COHORT_COLUMNS])
    s = np.asarray(survival, dtype=float)
    p20 = single_years(census_2020[list(COHORT_COLUMNS)].to_numpy()).sum(axis=0)
    p10 = single_years(census_2010[list(COHORT_COLUMNS)].to_numpy()).sum(axis=0)
    ages = np.array(PROVINCE_COHORTS_2010)
    ratio = float(np.exp(np.mean(np.log(p20[ages + 10] / np.maximum(p10[ages], 1)))))
    middle = int(ages.mean())
    m_henan = (ratio / np.prod(s[middle:middle + 10])) ** 0.1

    young = census_2010.assign(
        young=census_2010["age0"] + census_2010["age1_4"],
        uncertain=_uncertain(census_2010["uncertain"]) if "uncertain" in census_2010 else False)
    table = census_2020.assign(
        city=census_2020["city"] if "city" in census_2020 else census_2020["adcode"],
        children=census_2020["age0"] + census_2020["age1_4"] + census_2020["age5_9"] + census_2020["age10_14"] * 0.8,
    )[["adcode", "city", "age10_14", "children"]].merge(
        young[["adcode", "young", "uncertain"]], on="adcode", how="left", validate="1:1")
    missing = table.loc[table["young"].isna(), "adcode"].tolist()
    if missing:
        raise DataError("the 2010 census table lacks rows of the 2020 table", missing[:20])
    henan_ratio = table["age10_14"].sum() / table["young"].sum()
    by_city = table.groupby("city")[["age10_14", "young"]].sum()

    def relative(codes: list[str]) -> float:
        """The units' yearly factor relative to Henan's (tenth root of the ratio of ratios)."""
        part = table[table["adcode"].isin(codes)]
        if part["uncertain"].astype(bool).any():
            part = by_city.loc[part["city"].unique()]
        after, before = float(part["age10_14"].sum()), float(part["young"].sum())
        return (after / before / henan_ratio) ** 0.1 if after > 0 and before > 0 else 1.0

    own = np.array([relative([code]) for code in table["adcode"]])
    norm = float(np.average(own, weights=table["children"])) if table["children"].sum() > 0 else 1.0
    factors = np.full((len(rows), MAX_AGE), m_henan)
    factors[:, list(COUNTY_MIGRATION_AGES)] *= np.array([relative(codes) / norm for codes in rows])[:, None]
    return np.exp(scale * np.log(factors))


def age_forward(initial: np.ndarray, births: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Single years of age for the census year and each year after it.

    Parameters
    ----------
    initial
        Persons by county and age 0–17 in the census year, shape (counties, 18).
    births
        Age-0 persons entering in each following year, shape (counties, years after the census).
    rates
        Share of age ``a`` that is age ``a + 1`` in the county a year later (survival × net migration),
        shape (counties, 17) or (17,).

    Returns
    -------
    Persons by county, year (census year first) and age, shape (counties, 1 + years after, 18).
    """
    rates = np.broadcast_to(np.asarray(rates, dtype=float), (initial.shape[0], MAX_AGE))
    n_years = births.shape[1] + 1
    ages = np.empty((initial.shape[0], n_years, MAX_AGE + 1))
    ages[:, 0] = initial
    for k in range(1, n_years):
        ages[:, k, 0] = births[:, k - 1]
        ages[:, k, 1:] = ages[:, k - 1, :-1] * rates
    return ages


def level_pupils(ages: np.ndarray, entry_ages: EntryAges, rates: PerLevel,
                 levels: Sequence[str], *, first_only: bool = False) -> np.ndarray:
    """Pupils by county, level and year: the persons of a level's ages × its rate.

    With ``first_only``, only the level's first age (its intake: pupils entering the first grade).
    ``ages`` has shape (counties, years, 18); the result has shape (counties, levels, years).
    """
    out = np.empty((ages.shape[0], len(levels), ages.shape[1]))
    for i, level in enumerate(levels):
        span = entry_ages.get(level)
        last = span.first if first_only else span.last
        out[:, i] = ages[:, :, span.first:last + 1].sum(axis=2) * rates.get(level)
    return out
