"""Residents of each unit year by year: village-to-town moves and new developments filling up.

Each year after the start year, in this order:

1. every village unit loses the share ``urbanisation`` of its residents; a county's movers go to its
   urban existing estates in proportion to their residents that year (a county without such estates
   keeps its villagers);
2. a new development completed that year gets its full residents; ``new_from_county`` of them leave the
   county's villages in proportion to the villages' residents (never more than the villages hold); the
   rest come from outside the county.

A new development with no completion year, or completed in or before the start year, is occupied from
the start. Without new developments, the county totals never change.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from layoutsim.forecast.units import Units

logger = logging.getLogger(__name__)


def occupied_at_start(units: Units, start_year: int) -> np.ndarray:
    """Units whose residents live there in the start year (all but new developments completed later)."""
    later = (units.kind == "new") & (units.completion > start_year)
    return ~later


def _spread(units: Units, amount: np.ndarray, weight: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each county's ``amount`` split over its ``members`` in proportion to ``weight`` (0 elsewhere)."""
    total = units.per_county(weight, members)[units.county]
    share = np.divide(weight, total, out=np.zeros_like(weight), where=members & (total > 0))
    return amount[units.county] * share


def resident_paths(units: Units, years: Sequence[int], *, urbanisation: float,
                   new_from_county: float) -> np.ndarray:
    """Residents of each unit in each year, shape (units, years); see the module text for the rules."""
    years = list(years)
    village = units.kind == "village"
    receiver = (units.kind == "existing") & units.urban
    arrives = np.where(occupied_at_start(units, years[0]), np.nan, units.completion)
    paths = np.empty((len(units.ids), len(years)))
    now = np.where(np.isnan(arrives), units.residents, 0.0)
    paths[:, 0] = now
    can_move = units.per_county(now, receiver) > 0
    if urbanisation > 0 and (units.per_county(now, village) > 0).any() and not can_move.all():
        stay = units.counties["adcode"][~can_move].tolist()
        logger.info("no urban estates to move villagers to in %s: their villages keep their residents", stay)
    for k, year in enumerate(years[1:], start=1):
        now = now.copy()
        moved = np.where(village, now * urbanisation, 0.0)
        moved_by_county = units.per_county(moved) * can_move
        now -= np.where(can_move[units.county], moved, 0.0)
        now += _spread(units, moved_by_county, now, receiver)
        new = arrives == year
        if new.any():
            now[new] = units.residents[new]
            wanted = units.per_county(units.residents * new_from_county, new)
            available = units.per_county(now, village)
            short = wanted > available + 1e-9
            if short.any():
                logger.warning(
                    "%d: new developments in county %s would draw %.0f residents from its villages, which "
                    "hold %.0f; the rest come from outside the county",
                    year, ", ".join(map(str, units.counties["adcode"][short])), wanted[short].sum(),
                    max(available[short].sum(), 0.0),
                )
            now -= _spread(units, np.minimum(wanted, available), now, village)
            now = np.clip(now, 0.0, None)  # a village emptied to the last resident, less rounding
        paths[:, k] = now
    return paths
