"""Pupils from residents by per-1,000-resident coefficients (千人指标)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from layoutsim.config.forecast import PerLevel


def per_level(values: PerLevel, levels: Sequence[str]) -> np.ndarray:
    """The values of ``levels`` as an array, in that order."""
    return np.array([values.get(level) for level in levels])


def per_thousand_pupils(paths: np.ndarray, is_new: np.ndarray, coefficients: PerLevel, new_yield: PerLevel,
                        levels: Sequence[str]) -> np.ndarray:
    """Pupils by unit, level and year: residents × coefficient / 1,000.

    ``paths`` is residents by unit and year; new developments (``is_new``) use ``new_yield``, the other
    units ``coefficients``. Returns shape (units, levels, years).

    >>> import numpy as np
    >>> from layoutsim.config.forecast import PerLevel
    >>> c = PerLevel(kindergarten=36, primary=80, junior=40, high=40)
    >>> per_thousand_pupils(np.array([[1000.0]]), np.array([False]), c, c, ["primary"]).tolist()
    [[[80.0]]]
    """
    rate = np.where(is_new[:, None], per_level(new_yield, levels)[None, :], per_level(coefficients, levels)[None, :])
    return paths[:, None, :] * rate[:, :, None] / 1000.0
