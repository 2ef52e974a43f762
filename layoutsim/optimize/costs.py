"""What a new school is and what it costs: school type from the levels it opens, cost of a plan's parts.

The unit costs themselves are configuration (:class:`layoutsim.config.plan.Costs`, with their sources).
"""
from __future__ import annotations

from collections.abc import Iterable

from layoutsim.schema import LEVELS, SCHOOL_TYPES

#: Levels (without kindergarten) -> school type of a new school teaching exactly them.
_TYPE_OF: dict[frozenset[str], str] = {frozenset(v): k for k, v in SCHOOL_TYPES.items() if k != "teaching_point"}


def new_school_type(levels: Iterable[str]) -> str:
    """School type of a new school teaching ``levels`` (primary + junior = nine_year).

    >>> new_school_type(["junior", "primary"])
    'nine_year'
    >>> new_school_type(["primary", "high"])
    'twelve_year'
    """
    levels = frozenset(levels)
    if levels in _TYPE_OF:
        return _TYPE_OF[levels]
    if len(levels) == 1:
        return next(iter(levels))
    return "twelve_year"  # primary + high without junior: only a twelve-year school spans it


def ordered(levels: Iterable[str]) -> list[str]:
    """Levels in school order."""
    s = set(levels)
    return [lv for lv in LEVELS if lv in s]


def new_school_cost(classes: dict[str, int], new_class_cny: dict[str, float], land_cny: float) -> float:
    """Buildings and equipment per class of each level, plus the site's land."""
    return float(sum(n * new_class_cny[lv] for lv, n in classes.items()) + land_cny)


def expansion_cost(added_classes: int, level: str, added_class_cny: dict[str, float]) -> float:
    """Classes added to an existing school at the per-class cost of the level."""
    return float(added_classes * added_class_cny[level])
