"""Indicators of a layout: pupils, seats, utilisation, reach and large classes, by level and county; and
the run's whole set of indicators (:class:`Kpis`, written as ``kpis.json``)."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .assign import Assignment
from .schema import seats, teaches
from .config.scenario import ReachConfig
from .optimize.result import ZonesVsFractional
from .rules.classes import large_classes
from .schema import LEVELS, classes_col, enrolment_col


def school_table(schools: pd.DataFrame, assignment: Assignment) -> pd.DataFrame:
    """One row per school and level it teaches: seats, enrolment, assigned pupils, class size, utilisation."""
    rows = []
    for level in LEVELS:
        mask = teaches(schools, level)
        sub = schools.loc[mask]
        cap = seats(sub, level)
        classes = sub[classes_col(level)].to_numpy(dtype=float)
        enrolled = sub[enrolment_col(level)].to_numpy(dtype=float)
        flows = assignment.flows[assignment.flows["level"] == level]
        assigned = flows.groupby("school")["pupils"].sum().reindex(sub["id"]).fillna(0).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rows.append(pd.DataFrame({
                "school": sub["id"].to_numpy(), "county": sub["county"].to_numpy(), "level": level,
                "classes": classes, "seats": cap, "enrolment": enrolled, "assigned": assigned,
                "class_size": np.where(classes > 0, enrolled / classes, 0.0),
                "utilisation": np.where(cap > 0, enrolled / cap, np.nan),
            }))
    return pd.concat(rows, ignore_index=True)


def _within_reach(residential: pd.DataFrame, assignment: Assignment, reach: ReachConfig) -> pd.DataFrame:
    flows = assignment.flows.merge(residential[["id", "urban"]], left_on="unit", right_on="id", how="left")
    limit = np.array([reach.metres(lv, bool(u)) for lv, u in zip(flows["level"], flows["urban"])])
    flows["within"] = np.where(flows["distance_m"].to_numpy() <= limit, flows["pupils"].to_numpy(), 0.0)
    return flows


class _Record:
    """A record of kpis.json: :meth:`as_dict` gives every field under its own name, in field order."""

    def as_dict(self) -> dict[str, Any]:
        return _fields_json(self)


@dataclass(frozen=True)
class LevelKpis(_Record):
    """One level's indicators in an area or a county (the target year's pupils, today's schools)."""

    pupils: int
    schools: int
    classes: int
    seats: int
    enrolment: int
    utilisation: float | None          # enrolment ÷ seats; None without seats
    assigned: int                      # pupils given a seat by today's assignment
    unmet: int                         # pupils without one
    within_reach_share: float | None   # share of the pupils within the norm's reach; None without pupils
    mean_distance_m: float | None      # pupil-weighted journey of those assigned; None when nobody is
    large_class_share: float | None    # share of the classes over 55 (大班额 and 超大班额); None without classes
    large_classes: int                 # 大班额 classes (56–65 pupils), estimated: layoutsim.rules.classes
    super_large_classes: int           # 超大班额 classes (66 pupils or more), estimated the same way


@dataclass(frozen=True)
class CountyKpis:
    """One county's name and its indicators by level (kpis.json: the levels beside the name)."""

    name: str
    levels: Mapping[str, LevelKpis]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, **{level: k.as_dict() for level, k in self.levels.items()}}


@dataclass(frozen=True)
class LayoutKpis:
    """Indicators of a layout by level: for the whole area and for each county (by code, sorted)."""

    area: Mapping[str, LevelKpis]
    counties: Mapping[str, CountyKpis]


@dataclass(frozen=True)
class RuleCount(_Record):
    """How many places break one rule of the rulebook, and how binding it is."""

    rule_id: str
    severity: str
    places: int


@dataclass(frozen=True)
class HardRuleLeft(_Record):
    """A hard rule the proposed layout still breaks, and why the plan could not meet it."""

    rule_id: str
    kind: str
    places: int
    why_zh: str
    why_en: str


@dataclass(frozen=True)
class PlanPeriod(_Record):
    """A plan over years' period, ``first``–``last``, and the year it is judged to (``outlook``)."""

    first: int
    last: int
    outlook: int


@dataclass(frozen=True)
class YearsKpis(_Record):
    """The plan over years: its period, actions by kind, lifetime cost and the seats it strands."""

    horizon: PlanPeriod
    actions: Mapping[str, int]                 # action kind -> how many
    lifetime_cost_cny: int                     # discounted to the outlook
    stranded_seats: int                        # seats below 60 % used in the outlook year
    stranded_seats_without_outlook: int | None  # the same for the plan blind to the outlook, when solved
    stranded_schools: int
    unmet_by_year: Mapping[int, int]           # model year -> pupils without a seat
    budget_split: Mapping[str, Any] | None     # the area's budget split (optimize/budget.py), if budgeted


@dataclass(frozen=True)
class PlanKpis:
    """The proposed plan's headline: what it builds, costs and leaves unmet, how it was solved, what it still
    breaks; over years, :class:`YearsKpis` too (kpis.json: its entries among the plan's own)."""

    cost_cny: int
    new_schools: int
    expansions: int
    added_classes: int
    closures: int
    unmet_pupils: int
    unmet_by_level: Mapping[str, int]          # level -> pupils the plan leaves without a seat
    unmet_by_reason: Mapping[str, int]         # why (no school within reach, no candidate site, cost, ...) -> pupils
    pupil_km: int
    solver_status: tuple[str, ...]
    max_gap: float | None
    solver_seconds: float
    counties_without_plan: tuple[str, ...]
    findings_after: tuple[RuleCount, ...]      # the rulebook's findings on the proposed layout
    hard_rules_left: tuple[HardRuleLeft, ...]
    years: YearsKpis | None                    # a plan over years ([plan.horizon]); None for one year
    inclusive_recognised: int                  # private kindergartens the plan makes 普惠
    inclusive_share_by_county: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        """As :func:`_fields_json`, the years' entries in place of ``years`` (none for a single year)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name == "years":
                out.update({} if self.years is None else self.years.as_dict())
            else:
                out[f.name] = _json(getattr(self, f.name))
        return out


@dataclass(frozen=True)
class Kpis(_Record):
    """A run's indicators: the scenario, today's layout by level for the area and each county, the audit's
    findings per rule and the proposed plan (:meth:`as_dict` is ``kpis.json``)."""

    scenario: str
    title: str
    target_year: int
    synthetic: bool
    area: Mapping[str, LevelKpis]
    counties: Mapping[str, CountyKpis]
    findings: tuple[RuleCount, ...]
    plan: PlanKpis
    #: with ``[plan] assignment = "zones"``: the zoned plan beside the same plan solved fractionally
    zones_vs_fractional: ZonesVsFractional | None = dataclasses.field(default=None, metadata={"optional": True})


def _json(value: Any) -> Any:
    """``value`` as JSON-ready data: a record by its ``as_dict``, mappings and sequences item by item."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    return value


def _fields_json(record: Any) -> dict[str, Any]:
    """A record's fields under their names, in field order, each JSON-ready; a field marked
    ``metadata={"optional": True}`` only when it has a value."""
    return {f.name: _json(getattr(record, f.name)) for f in dataclasses.fields(record)
            if getattr(record, f.name) is not None or not f.metadata.get("optional")}


def _level_kpis(t: pd.DataFrame, pupils: float, f: pd.DataFrame, unmet: float) -> LevelKpis:
    """One level's indicators from its schools ``t``, its pupils, their flows ``f`` and the unmet."""
    classes = float(t["classes"].sum())
    band, over = (float(n.sum()) for n in large_classes(t["enrolment"], t["classes"]))
    s = float(t["seats"].sum())
    e = float(t["enrolment"].sum())
    return LevelKpis(
        pupils=round(pupils), schools=int(len(t)), classes=int(classes), seats=round(s), enrolment=round(e),
        utilisation=round(e / s, 4) if s else None,
        assigned=round(float(f["pupils"].sum())),
        unmet=round(unmet),
        within_reach_share=round(float(f["within"].sum()) / pupils, 4) if pupils else None,
        mean_distance_m=round(float(np.average(f["distance_m"], weights=f["pupils"])), 1)
        if len(f) and f["pupils"].sum() > 0 else None,
        large_class_share=round((band + over) / classes, 4) if classes else None,
        large_classes=round(band), super_large_classes=round(over),
    )


def kpis(residential: pd.DataFrame, schools: pd.DataFrame, pupils: pd.DataFrame, assignment: Assignment,
         reach: ReachConfig, county_of_unit: pd.Series, county_names: dict[str, str]) -> LayoutKpis:
    """Indicators by level, for the whole area and for each county."""
    table = school_table(schools, assignment)
    flows = _within_reach(residential, assignment, reach)
    unit_county = dict(zip(residential["id"], county_of_unit))
    pupils = pupils.assign(county=pupils["unit"].map(unit_county))
    flows = flows.assign(county=flows["unit"].map(unit_county))
    unmet = assignment.unmet.assign(county=assignment.unmet["unit"].map(unit_county))

    def block(sel_t: pd.DataFrame, sel_p: pd.DataFrame, sel_f: pd.DataFrame,
              sel_u: pd.DataFrame) -> dict[str, LevelKpis]:
        return {level: _level_kpis(sel_t[sel_t["level"] == level],
                                   float(sel_p.loc[sel_p["level"] == level, "pupils"].sum()),
                                   sel_f[sel_f["level"] == level],
                                   float(sel_u.loc[sel_u["level"] == level, "pupils"].sum()))
                for level in LEVELS}

    counties = {code: CountyKpis(county_names[code], block(
        table[table["county"] == code], pupils[pupils["county"] == code], flows[flows["county"] == code],
        unmet[unmet["county"] == code])) for code in sorted(county_names)}
    return LayoutKpis(block(table, pupils, flows, unmet), counties)
