"""Numbers the map and the report show that the run does not already compute: seat gap by township,
普惠 coverage and public share, findings on each school. Computation only; no drawing here."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..schema import LEVELS, enrolment_col


def school_townships(region) -> pd.Series:
    """Township code of each school (id → code): its ``township`` column, else the polygon it lies in."""
    schools = region.schools
    given = schools["township"].astype(str) if "township" in schools.columns else pd.Series("", index=schools.index)
    codes = set(region.townships["code"].astype(str))
    out = given.where(given.isin(codes), "")
    missing = out == ""
    if missing.any():
        pts = schools.loc[missing, ["geometry"]]
        tw = region.townships[["code", "geometry"]].to_crs(pts.crs)
        joined = gpd.sjoin_nearest(pts, tw, how="left")
        joined = joined[~joined.index.duplicated()]
        out.loc[missing] = joined["code"].astype(str).reindex(pts.index).to_numpy()
    return pd.Series(out.to_numpy(), index=schools["id"].astype(str).to_numpy())


def township_gap(region, pupils: pd.DataFrame, school_table: pd.DataFrame, year: int) -> pd.DataFrame:
    """Pupils living in each township against the seats located there, one year: ``township, level, year,
    pupils, seats`` (the same shape as a forecast's township table joined with seats)."""
    unit_town = dict(zip(region.residential["id"].astype(str), region.residential["township"].astype(str)))
    p = pupils.assign(township=pupils["unit"].astype(str).map(unit_town))
    p = p.groupby(["township", "level"], as_index=False)["pupils"].sum()
    town_of = school_townships(region)
    s = school_table.assign(township=school_table["school"].astype(str).map(town_of))
    s = s.groupby(["township", "level"], as_index=False)["seats"].sum()
    out = p.merge(s, on=["township", "level"], how="outer").fillna({"pupils": 0.0, "seats": 0.0})
    out["year"] = int(year)
    return out[["township", "level", "year", "pupils", "seats"]]


def kindergarten_shares(schools: pd.DataFrame) -> dict[str, float | None]:
    """普惠 coverage (pupils in inclusive or public kindergartens ÷ all) and public share of kindergarten
    pupils, the two kindergarten targets of the plans; and the public share of pupils at every level."""
    kg = schools[schools[enrolment_col("kindergarten")] > 0]
    total = float(kg[enrolment_col("kindergarten")].sum())
    public = kg["ownership"] == "public"
    inclusive = public | kg["inclusive"].astype(bool)
    out: dict[str, float | None] = {
        "inclusive_share": float(kg.loc[inclusive, enrolment_col("kindergarten")].sum()) / total if total else None,
        "public_kg_share": float(kg.loc[public, enrolment_col("kindergarten")].sum()) / total if total else None,
    }
    all_pupils = sum(float(schools[enrolment_col(lv)].sum()) for lv in LEVELS)
    pub = schools["ownership"] == "public"
    out["public_share"] = (sum(float(schools.loc[pub, enrolment_col(lv)].sum()) for lv in LEVELS) / all_pupils
                           if all_pupils else None)
    return out


def findings_by_place(findings: pd.DataFrame | None, kind: str = "school") -> dict[str, pd.DataFrame]:
    """Findings on each place of one kind: place id → its findings."""
    if findings is None or not len(findings):
        return {}
    sub = findings[findings["place_kind"] == kind]
    return {str(k): g for k, g in sub.groupby("place_id", sort=False)}


def unmet_by_unit(unmet: pd.DataFrame | None) -> pd.DataFrame:
    """Unmet pupils per unit and level, wide (unit × level), units with any unmet only."""
    if unmet is None or not len(unmet):
        return pd.DataFrame(columns=list(LEVELS))
    wide = unmet.pivot_table(index="unit", columns="level", values="pupils", aggfunc="sum").fillna(0.0)
    wide = wide.reindex(columns=list(LEVELS), fill_value=0.0)
    return wide[wide.sum(axis=1) > 0.5]


def large_class(class_size: float, limit: float) -> bool:
    return bool(np.isfinite(class_size) and class_size > limit)
