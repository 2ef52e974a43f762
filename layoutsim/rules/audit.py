"""Audit a layout against a rulebook: one finding per place that breaks a rule, with the plan's sentence.

Findings are results, not errors: :func:`audit` returns them as a table (with WGS84 lon/lat for a map
layer) and :func:`summarize` counts them per rule.
"""
from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from layoutsim.rules.book import Rulebook
from layoutsim.rules.checks import CHECKS
from layoutsim.rules.context import Context, Region

__all__ = ["FINDING_COLUMNS", "Region", "audit", "summarize"]

#: Columns of :func:`audit`'s table, in order.
FINDING_COLUMNS: tuple[str, ...] = (
    "rule_id", "kind", "severity", "place_kind", "place_id", "place_name", "county", "level",
    "measured", "limit", "unit", "message_zh", "message_en", "source_text", "source_plan",
    "source_section", "default", "lon", "lat",
)

#: Columns of :func:`summarize`'s table.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "rule_id", "kind", "severity", "places", "findings", "source_plan", "source_section", "source_text",
)


def audit(region: Region, rulebook: Rulebook, *, pupils: pd.DataFrame | None = None,
          assignment: pd.DataFrame | None = None, year: int | None = None) -> pd.DataFrame:
    """Check every rule of ``rulebook`` against ``region``; one row per place that breaks a rule.

    Parameters
    ----------
    region
        Anything with ``counties``, ``townships``, ``residential``, ``schools`` and ``candidates``
        GeoDataFrames (``layoutsim.schema`` columns) in a projected metric CRS.
    rulebook
        From :func:`layoutsim.rules.book.load_rulebook`.
    pupils
        Optional (``residential``, ``level``, ``pupils``): reach is then checked only for units with pupils.
    assignment
        Optional (``residential``, ``school``, ``level``, ``pupils``, ``distance_m``): school enrolment and
        travel distances are then taken from it instead of from the layers.
    year
        Optional calendar year: new estates count once completed (``completion_year <= year``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDING_COLUMNS`; ``severity`` is the rule's force (hard / in_principle / target /
        audit), or ``info`` where a rule for new schools is shown on an existing one.
    """
    ctx = Context.build(region, rulebook, pupils=pupils, assignment=assignment, year=year)
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for rule in rulebook.rules:
        for f in CHECKS[rule.kind](rule, ctx):
            geoms.append(f.pop("geometry"))
            severity = f.pop("severity") or rule.force
            rows.append({
                "rule_id": rule.id, "kind": rule.kind, "severity": severity, **f,
                "source_text": rule.source.text, "source_plan": rule.source.plan,
                "source_section": rule.source.section, "default": rule.default,
            })
    table = pd.DataFrame(rows, columns=[c for c in FINDING_COLUMNS if c not in ("lon", "lat")])
    table["lon"], table["lat"] = lonlat(geoms, region.schools.crs or region.townships.crs)
    return table[list(FINDING_COLUMNS)].reset_index(drop=True)


def lonlat(geoms: list[Any], crs: Any) -> tuple[list[float], list[float]]:
    """WGS84 lon/lat of each geometry (a polygon's representative point)."""
    if not geoms:
        return [], []
    points = gpd.GeoSeries([g.representative_point() if g is not None else None for g in geoms], crs=crs)
    if crs is not None:
        points = points.to_crs(4326)
    return [p.x if p is not None else float("nan") for p in points], \
           [p.y if p is not None else float("nan") for p in points]


def summarize(findings: pd.DataFrame, rulebook: Rulebook | None = None) -> pd.DataFrame:
    """One row per rule: how many places break it (and how many findings). With ``rulebook``, rules
    without findings are listed too, with zeros."""
    if len(findings):
        grouped = findings.groupby("rule_id", sort=False).agg(
            kind=("kind", "first"), severity=("severity", "first"),
            places=("place_id", lambda s: s.nunique()), findings=("place_id", "size"),
            source_plan=("source_plan", "first"), source_section=("source_section", "first"),
            source_text=("source_text", "first"),
        ).reset_index()
    else:
        grouped = pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    if rulebook is not None:
        seen = set(grouped["rule_id"])
        extra = pd.DataFrame([{
            "rule_id": r.id, "kind": r.kind, "severity": r.force, "places": 0, "findings": 0,
            "source_plan": r.source.plan, "source_section": r.source.section, "source_text": r.source.text,
        } for r in rulebook.rules if r.id not in seen], columns=list(SUMMARY_COLUMNS))
        grouped = pd.concat([grouped, extra], ignore_index=True) if len(extra) else grouped
        order = {r.id: i for i, r in enumerate(rulebook.rules)}
        grouped = grouped.sort_values("rule_id", key=lambda s: s.map(order)).reset_index(drop=True)
    grouped[["places", "findings"]] = grouped[["places", "findings"]].astype(int)
    return grouped[list(SUMMARY_COLUMNS)]
