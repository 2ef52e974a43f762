"""Indicators of a layout: pupils, seats, utilisation, reach and large classes, by level and county."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .assign import Assignment
from .schema import seats, teaches
from .config.scenario import ReachConfig
from .schema import LARGE_CLASS, LEVELS, classes_col, enrolment_col


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


def kpis(residential: pd.DataFrame, schools: pd.DataFrame, pupils: pd.DataFrame, assignment: Assignment,
         reach: ReachConfig, county_of_unit: pd.Series, county_names: dict[str, str]) -> dict:
    """Indicators by level, for the whole area and for each county (a JSON-ready dict)."""
    table = school_table(schools, assignment)
    flows = _within_reach(residential, assignment, reach)
    unit_county = dict(zip(residential["id"], county_of_unit))
    pupils = pupils.assign(county=pupils["unit"].map(unit_county))
    flows = flows.assign(county=flows["unit"].map(unit_county))
    unmet = assignment.unmet.assign(county=assignment.unmet["unit"].map(unit_county))

    def block(sel_t: pd.DataFrame, sel_p: pd.DataFrame, sel_f: pd.DataFrame, sel_u: pd.DataFrame) -> dict:
        out = {}
        for level in LEVELS:
            t = sel_t[sel_t["level"] == level]
            p = float(sel_p.loc[sel_p["level"] == level, "pupils"].sum())
            f = sel_f[sel_f["level"] == level]
            classes = float(t["classes"].sum())
            large = float(t.loc[t["class_size"] > LARGE_CLASS, "classes"].sum())
            s = float(t["seats"].sum())
            e = float(t["enrolment"].sum())
            out[level] = {
                "pupils": round(p), "schools": int(len(t)), "classes": int(classes), "seats": round(s),
                "enrolment": round(e),
                "utilisation": round(e / s, 4) if s else None,
                "assigned": round(float(f["pupils"].sum())),
                "unmet": round(float(sel_u.loc[sel_u["level"] == level, "pupils"].sum())),
                "within_reach_share": round(float(f["within"].sum()) / p, 4) if p else None,
                "mean_distance_m": round(float(np.average(f["distance_m"], weights=f["pupils"])), 1)
                if len(f) and f["pupils"].sum() > 0 else None,
                "large_class_share": round(large / classes, 4) if classes else None,
            }
        return out

    result = {"area": block(table, pupils, flows, unmet), "counties": {}}
    for code in sorted(county_names):
        result["counties"][code] = {
            "name": county_names[code],
            **block(table[table["county"] == code], pupils[pupils["county"] == code],
                    flows[flows["county"] == code], unmet[unmet["county"] == code]),
        }
    return result
