"""就近入学 findings on the attendance zones a bureau publishes, as rows of the audit's table.

When a scenario gives the zones now published (``[zones] previous``: a zones.csv of unit, level, school),
:func:`layoutsim.optimize.zones.published_findings` audits them exactly as ``layoutsim zones`` does in its
``zones_findings.csv`` (:func:`layoutsim.optimize.zones.audit_zoning`): a unit zoned more than
``[zones] nearest_tolerance_m`` farther than a school whose zone has room for it, and a zone in pieces.
This module gives those findings a rule id, a force and a source, so they stand in ``findings.csv`` and
the report beside the rulebook's own (:data:`layoutsim.rules.audit.FINDING_COLUMNS`). Without published
zones there are none.

The rules are the national law's, marked ``default`` (no plan's rulebook states them as a rule:
北关区's plan is silent on enrolment by zone): 《中华人民共和国义务教育法》第十二条.
"""
from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from layoutsim.rules.audit import FINDING_COLUMNS, lonlat

#: The kind of both rules (findings.csv's ``kind``).
KIND = "attendance_zone"

LAW = {
    "source_plan": "《中华人民共和国义务教育法》",
    "source_section": "第十二条",
    "source_text": "适龄儿童、少年免试入学。地方各级人民政府应当保障适龄儿童、少年在户籍所在地学校就近入学。",
}

#: audit_zoning's finding kind → the rule's id and force.
RULES: dict[str, dict[str, str]] = {
    "nearest": {"rule_id": "zones.nearest", "severity": "in_principle"},
    "split": {"rule_id": "zones.split", "severity": "in_principle"},
}


def zoning_findings(rows: list[dict[str, Any]], residential: gpd.GeoDataFrame, tolerance_m: float) -> pd.DataFrame:
    """``rows`` (from :func:`layoutsim.optimize.zones.audit_zoning`, each with its ``county``) as findings:
    the place is the unit (a unit zoned past a nearer school; the first unit of a zone's detached piece);
    for 就近, measured is the distance to the zoned school and the limit the nearer school's distance plus
    the tolerance (m)."""
    where = dict(zip(residential["id"].astype(str), residential.geometry))
    out, geoms = [], []
    for r in rows:
        rule = RULES[r["kind"]]
        near = r["kind"] == "nearest"
        out.append({
            **rule, "kind": KIND, "place_kind": "residential", "place_id": str(r["unit"]),
            "place_name": str(r["unit_name"]), "county": str(r.get("county", "")), "level": r["level"],
            "measured": float(r["distance_m"]) if near else None,
            "limit": float(r["nearer_distance_m"]) + tolerance_m if near else None,
            "unit": "m" if near else "",
            "message_zh": r["message_zh"], "message_en": r["message_en"], **LAW, "default": True,
        })
        geoms.append(where.get(str(r["unit"])))
    table = pd.DataFrame(out, columns=[c for c in FINDING_COLUMNS if c not in ("lon", "lat")])
    table["lon"], table["lat"] = lonlat(geoms, residential.crs)
    return table[list(FINDING_COLUMNS)]
