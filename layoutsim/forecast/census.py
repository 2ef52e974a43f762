"""The 2020 census child cohorts packaged with layoutsim (file reading only)."""
from __future__ import annotations

from importlib import resources

import pandas as pd

#: Census columns the cohort model reads: persons aged 0, 1–4, 5–9 and 10–14 on 2020-11-01.
COHORT_COLUMNS = ("age0", "age1_4", "age5_9", "age10_14")


def load_census() -> pd.DataFrame:
    """The county-level 2020 census table (``layoutsim/reference/counties_2020.csv``).

    One row per county-level statistical unit of the five Henan areas (development zones included) and
    one total row per city; source and caveats in ``shared/domain/calibration/census.md``.
    Columns used here: ``adcode`` (str), ``name``, ``pop_2020`` and :data:`COHORT_COLUMNS`.
    """
    path = resources.files("layoutsim") / "reference" / "counties_2020.csv"
    with path.open("rb") as handle:
        return pd.read_csv(handle, dtype={"adcode": str})
