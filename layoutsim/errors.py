"""The one root error a user can cause, and its few kinds.

The CLI catches :class:`LayoutsimError` once, prints its message and exits with status 2.
Validators collect every problem of a layer or file first and raise once with all of them.
"""
from __future__ import annotations

from collections.abc import Iterable


class LayoutsimError(Exception):
    """Root of every error a user can cause: a bad scenario, a bad data file, an infeasible request."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        self.problems = list(problems)
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


class ScenarioError(LayoutsimError):
    """The scenario file (TOML) is unreadable, has unknown keys or wrong values."""


class DataError(LayoutsimError):
    """A data layer breaks its contract: missing file, missing column, bad geometry, duplicate ids."""


class RulebookError(LayoutsimError):
    """A rulebook has a wrong rule kind, parameter or type."""


class SolverError(LayoutsimError):
    """The solver failed or is unavailable."""
