"""Pupils by level from residents, per 1,000 residents, for one year.

New developments count from their completion year. The year-by-year forecast (cohorts, urbanisation)
lives in :mod:`layoutsim.forecast`; this is the plain coefficient method a run uses for one year.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import LEVELS


def residents_in(residential: pd.DataFrame, year: int) -> np.ndarray:
    """Residents of each unit in ``year``: a new development has none before its completion year."""
    done = residential["completion_year"].isna() | (residential["completion_year"].fillna(0) <= year)
    return np.where(done.to_numpy(), residential["residents"].to_numpy(dtype=float), 0.0)


def pupils_by_level(residential: pd.DataFrame, per_thousand: dict[str, float], year: int) -> pd.DataFrame:
    """Tidy table (unit, level, pupils) of pupils living in each residential unit in ``year``."""
    residents = residents_in(residential, year)
    frames = [
        pd.DataFrame({"unit": residential["id"].to_numpy(), "level": level,
                      "pupils": residents * per_thousand[level] / 1000.0})
        for level in LEVELS
    ]
    return pd.concat(frames, ignore_index=True)
