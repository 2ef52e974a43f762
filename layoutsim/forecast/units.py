"""The forecast's inputs checked and laid out as arrays: residential units, their townships and counties."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from layoutsim.errors import DataError
from layoutsim.schema import RESIDENTIAL_KINDS

REQUIRED = {
    "residential": ("id", "township", "residents", "kind", "completion_year", "urban"),
    "townships": ("code", "county"),
    "counties": ("adcode", "population"),
}


@dataclass(frozen=True, eq=False)
class Units:
    """Residential units as aligned arrays, each with the index of its county in ``counties``."""

    ids: np.ndarray
    township: np.ndarray
    county: np.ndarray  # index into ``counties``
    kind: np.ndarray
    residents: np.ndarray  # float, as given (the start year, or from completion for new developments)
    completion: np.ndarray  # float, NaN when not given
    urban: np.ndarray  # bool
    counties: pd.DataFrame  # the counties that have units, in index order (adcode, population, ...)

    @property
    def n_counties(self) -> int:
        """Number of counties with at least one unit."""
        return len(self.counties)

    def per_county(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum of ``values`` (one per unit, or units × anything) over each county's units in ``mask``."""
        keep = np.ones(len(self.ids), bool) if mask is None else mask
        out = np.zeros((self.n_counties, *values.shape[1:]))
        np.add.at(out, self.county[keep], values[keep])
        return out


def _missing_columns(tables: dict[str, pd.DataFrame]) -> list[str]:
    return [
        f"{name}: missing column '{col}'" for name, cols in REQUIRED.items() for col in cols
        if col not in tables[name].columns
    ]


def _duplicates(values: pd.Series, what: str) -> list[str]:
    dup = values[values.duplicated()].astype(str).unique().tolist()
    return [f"{what}: duplicate {', '.join(dup[:10])}{' …' if len(dup) > 10 else ''}"] if dup else []


def prepare_units(residential: pd.DataFrame, townships: pd.DataFrame, counties: pd.DataFrame) -> Units:
    """Check the three tables and join each unit to its county.

    Raises :class:`~layoutsim.errors.DataError` once, listing every problem found.
    """
    tables = {"residential": residential, "townships": townships, "counties": counties}
    problems = _missing_columns(tables)
    if problems:
        raise DataError("the forecast inputs lack columns", problems)
    res = residential.reset_index(drop=True)
    ids = res["id"].astype(str)
    township = res["township"].astype(str)
    town_county = pd.Series(townships["county"].astype(str).to_numpy(), index=townships["code"].astype(str))
    county_codes = counties["adcode"].astype(str)
    problems += _duplicates(ids, "residential ids")
    problems += _duplicates(town_county.index.to_series(), "township codes")
    problems += _duplicates(county_codes, "county adcodes")

    residents = pd.to_numeric(res["residents"], errors="coerce")
    bad = ids[~(residents >= 0)]
    if len(bad):
        problems.append(f"residents missing or negative for units {', '.join(bad[:10])}")
    kind = res["kind"].astype(str)
    bad = ids[~kind.isin(RESIDENTIAL_KINDS)]
    if len(bad):
        problems.append(f"kind not one of {', '.join(RESIDENTIAL_KINDS)} for units {', '.join(bad[:10])}")
    completion = pd.to_numeric(res["completion_year"], errors="coerce")
    bad = ids[(completion.notna() & (completion % 1 != 0)) | (res["completion_year"].notna() & completion.isna())]
    if len(bad):
        problems.append(f"completion_year is not a whole year for units {', '.join(bad[:10])}")
    urban = res["urban"]
    bad = ids[~urban.isin([True, False, 0, 1])]
    if len(bad):
        problems.append(f"urban is not true/false for units {', '.join(bad[:10])}")

    town_county = town_county[~town_county.index.duplicated()]
    bad = ids[~township.isin(town_county.index)]
    if len(bad):
        problems.append(f"township not in the townships layer for units {', '.join(bad[:10])}")
    unit_county = township.map(town_county)
    used = pd.unique(unit_county.dropna())
    lost = [c for c in used if c not in set(county_codes)]
    if lost:
        problems.append(f"county not in the counties layer: {', '.join(lost)}")
    if problems:
        raise DataError("the forecast inputs break their contract", problems)

    table = counties.assign(adcode=county_codes).drop_duplicates("adcode").set_index("adcode")
    table = table.loc[[c for c in table.index if c in set(used)]]
    population = pd.to_numeric(table["population"], errors="coerce")
    bad_pop = population.index[~(population > 0)].tolist()
    if bad_pop:
        raise DataError("county population must be positive", [f"county {c}" for c in bad_pop])
    position = pd.Series(np.arange(len(table)), index=table.index)
    return Units(
        ids=ids.to_numpy(dtype=object),
        township=township.to_numpy(dtype=object),
        county=position.loc[unit_county].to_numpy(),
        kind=kind.to_numpy(dtype=object),
        residents=residents.to_numpy(dtype=float),
        completion=completion.to_numpy(dtype=float),
        urban=urban.astype(bool).to_numpy(),
        counties=table.assign(population=population.astype(float)).reset_index(),
    )
