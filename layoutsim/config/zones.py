"""The ``[zones]`` section of a scenario: how attendance zones (学区划片) are drawn (layoutsim zones)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from layoutsim.config.base import Strict
from layoutsim.schema import LevelKey


class ZonesConfig(Strict):
    """Every residential unit whole to one school per level; zones contiguous, within capacity, near."""

    levels: tuple[LevelKey, ...] = Field(
        ("primary", "junior"), description="Levels zoned (compulsory education enrols by zone: 划片招生).",
    )
    max_utilisation: float = Field(
        1.0, gt=0, le=2,
        description="A school's zone holds at most this share of its seats in pupils; beyond it each pupil "
                    "costs over_cny (crowding a zone cannot avoid is reported, not refused).",
    )
    min_utilisation: float = Field(
        0.85, ge=0, le=1,
        description="Below this share of its seats a zone costs under_cny per pupil short: zones shared "
                    "out so no school is left half-empty while another is full (a band, e.g. 85–100 %).",
    )
    over_cny: float = Field(
        50_000.0, ge=0,
        description="Cost of a pupil above a school's band (CNY eq.): as much as 14 km more of pupil-kilometres, "
                    "so a zone crowds its school only where every other zoning would send pupils far.")
    under_cny: float = Field(2_000.0, ge=0, description="Cost of a seat below the band's floor (CNY eq.).")
    pupil_km_cny: float = Field(
        3600.0, ge=0, description="CNY per pupil-kilometre of home-school distance (as [plan.weights]).",
    )
    nearest_tolerance_m: float = Field(
        500.0, ge=0,
        description="就近入学: a unit zoned to a school more than this farther than the nearest school that "
                    "has room in the zoning is reported (zones_findings.csv).",
    )
    previous: Path | None = Field(
        None, description="The zones now published (a zones.csv: unit, level, school): a unit moved from "
                          "its school costs move_cny, so a redrawing disturbs few families; and `layoutsim "
                          "audit` and `run` audit them (就近入学: rules zones.nearest and zones.split in "
                          "findings.csv and the report).",
    )
    move_cny: float = Field(50_000.0, ge=0, description="Cost of moving a unit to another school's zone.")
    contiguity: Literal["ordered", "flow"] = Field(
        "ordered",
        description="How zones are kept in one piece: 'ordered' (each unit has a neighbour in its zone nearer "
                    "the school: contiguous, star-shaped zones; a smaller, stronger model) or 'flow' (any "
                    "contiguous zone; weaker). Measured in benchmarks/bench_zones.py.",
    )
    candidates: int = Field(6, ge=1, le=30, description="The nearest schools within reach a unit may join.")
    time_limit_s: float = Field(60.0, gt=0, description="Time limit per county and level (seconds).")
    mip_gap: float = Field(0.01, ge=0, lt=1, description="Relative gap at which a zoning stops (as [plan]).")

    @model_validator(mode="after")
    def _band(self) -> ZonesConfig:
        if self.min_utilisation > self.max_utilisation:
            raise ValueError(f"min_utilisation {self.min_utilisation} is above max_utilisation {self.max_utilisation}")
        return self
