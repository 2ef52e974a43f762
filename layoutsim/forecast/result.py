"""The forecast as a value: tidy tables of pupils, residents, births and cohorts, with their totals."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from layoutsim.errors import DataError
from layoutsim.config.forecast import ForecastConfig
from layoutsim.schema import LEVELS

_LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}

#: The values of every forecast row: pupils (central), pupils entering the level's first grade that year,
#: and the band's low and high pupils.
VALUES = ("pupils", "intake", "pupils_low", "pupils_high")


def _sum_by(pupils: pd.DataFrame, key: str, config: ForecastConfig) -> pd.DataFrame:
    """Values summed by ``key, level, year``, with the teachers (staff posts) the pupils need."""
    values = [v for v in VALUES if v in pupils.columns]
    table = pupils.groupby([key, "level", "year"], sort=False, as_index=False)[values].sum()
    ratio = table["level"].map({level: config.staff_ratio.get(level) for level in LEVELS})
    table["teachers"] = table["pupils"] / ratio
    order = table["level"].map(_LEVEL_ORDER)
    return (table.assign(_order=order).sort_values([key, "_order", "year"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


@dataclass(frozen=True, eq=False)
class Forecast:
    """Pupils by residential unit, level and year, and the tables they came from.

    Attributes
    ----------
    config
        The configuration that produced it.
    pupils
        One row per unit × level × year: ``unit, township, county, level, year`` and the :data:`VALUES`
        (float). A county given without units below it is one unit (id and township = its adcode).
    residents
        One row per unit × year: ``unit, year, residents`` (float).
    births
        ``year, area, births``: births feeding the cohort model in each year after the census, per county
        (``area`` = adcode) and, when scaled from a Henan series, for the province (``area`` = ``"henan"``).
        Empty for the per-thousand method.
    cohorts
        ``county, year, age, persons``: single years of age 0–17 from the census year (2020) on.
        Empty for the per-thousand method.
    """

    config: ForecastConfig
    pupils: pd.DataFrame
    residents: pd.DataFrame
    births: pd.DataFrame
    cohorts: pd.DataFrame

    @property
    def method(self) -> str:
        """``"per_thousand"`` or ``"cohort"``."""
        return self.config.method

    def by_county(self) -> pd.DataFrame:
        """Pupils, intake, band and teachers by ``county, level, year``."""
        return _sum_by(self.pupils, "county", self.config)

    def by_township(self) -> pd.DataFrame:
        """Pupils by ``township, level, year``."""
        return _sum_by(self.pupils, "township", self.config)

    def by(self, groups: Mapping[str, str] | pd.Series, *, name: str = "area") -> pd.DataFrame:
        """Pupils summed over groups of units (e.g. a school's catchment): ``<name>, level, year, pupils``.

        ``groups`` maps unit id → group; units it does not name are left out. Raises
        :class:`~layoutsim.errors.DataError` when it names units the forecast does not have.
        """
        mapping = pd.Series(groups, dtype=object) if not isinstance(groups, pd.Series) else groups
        mapping.index = mapping.index.astype(str)
        unknown = sorted(set(mapping.index) - set(self.pupils["unit"]))
        if unknown:
            raise DataError("groups name units the forecast does not have", unknown[:20])
        table = self.pupils.assign(**{name: self.pupils["unit"].map(mapping)}).dropna(subset=[name])
        return _sum_by(table, name, self.config)

    def total(self) -> pd.DataFrame:
        """Pupils of the whole region by ``level, year``."""
        return _sum_by(self.pupils.assign(region="all"), "region", self.config).drop(columns="region")
