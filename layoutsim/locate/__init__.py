"""Generic, exact facility-location core: p-median, capacitated facility location, max coverage.

Models are built with PuLP from NumPy arrays and solved with HiGHS (in-process
through highspy) or CBC.  Every solver returns a :class:`LocateResult` whose
objective is recomputed from the inputs and whose bound is valid for the full
problem.  :mod:`layoutsim.locate.orlib` reads the OR-Library benchmark files.
"""
from __future__ import annotations

from layoutsim.locate.coverage import max_coverage
from layoutsim.locate.facility import facility_location
from layoutsim.locate.orlib import (
    CapInstance,
    PMedCapInstance,
    PMedInstance,
    read_cap,
    read_pmed,
    read_pmedcap,
)
from layoutsim.locate.median import p_median
from layoutsim.locate.result import LocateResult

__all__ = [
    "LocateResult",
    "p_median",
    "facility_location",
    "max_coverage",
    "PMedInstance",
    "CapInstance",
    "PMedCapInstance",
    "read_pmed",
    "read_cap",
    "read_pmedcap",
]
