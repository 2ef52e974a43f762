"""Year by year: pupils against seats by township and by school catchment, and the seat early-warning.

学位预警: for each township and each school's catchment (the units it serves today), the first year demand
exceeds seats and by how much, the worst year, and where seats stand empty and from when.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .assign import Assignment
from .schema import classes_col, enrolment_col, seats, teaches
from .forecast import Forecast, peak_years, seat_warnings
from .region import Region
from .schema import LEVELS


@dataclass(frozen=True)
class Outlook:
    """Tidy tables of the forecast against today's seats.

    Every pupils table carries the forecast's values (pupils, intake, pupils_low, pupils_high) and the
    teachers the pupils need. A region of counties alone has no township or catchment tables (``None``).
    """

    by_county: pd.DataFrame      # county, name, level, year, values…, teachers (, teachers_today)
    by_township: pd.DataFrame | None    # township, level, year, values…, teachers, seats, gap (seats − pupils)
    township_warnings: pd.DataFrame | None
    catchment_warnings: pd.DataFrame | None
    peaks: pd.DataFrame          # county, level, peak_year, peak_pupils
    totals: pd.DataFrame         # level, year, values…, teachers (and seats with a layout)
    by_city: pd.DataFrame | None = None  # city, level, year, values…, teachers (counties with a city column)

    @property
    def seat_gap(self) -> pd.DataFrame:
        """``township, level, year, pupils, pupils_low, pupils_high, teachers, seats``: the map's and
        report's seat gap, with the band and teachers (a layout only)."""
        if self.by_township is None:
            raise ValueError("a region of counties alone has no seats by township")
        return self.by_township[["township", "level", "year", "pupils", "pupils_low", "pupils_high", "teachers",
                                 "seats"]]


def township_seats(region: Region) -> pd.DataFrame:
    """Seats today by ``township, level`` (classes × standard class size)."""
    frames = []
    for level in LEVELS:
        s = region.schools[teaches(region.schools, level)]
        frames.append(pd.DataFrame({"township": s["township"].to_numpy(), "level": level, "seats": seats(s, level)}))
    return pd.concat(frames).groupby(["township", "level"], as_index=False)["seats"].sum()


def catchments(assignment: Assignment) -> dict[str, pd.Series]:
    """Per level, unit → the school that takes most of its pupils today."""
    out = {}
    flows = assignment.flows
    for level in LEVELS:
        f = flows[flows["level"] == level].sort_values("pupils", ascending=False)
        out[level] = f.drop_duplicates("unit").set_index("unit")["school"]
    return out


def _named(by_county: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """County tables with the county's name (and city, when the layer has one) after its adcode."""
    extra = [c for c in ("name", "city") if c in counties.columns]
    names = counties.assign(adcode=counties["adcode"].astype(str)).set_index("adcode")[extra]
    out = by_county.copy()
    for i, column in enumerate(extra, start=1):
        out.insert(i, column, out["county"].map(names[column]))
    return out


def teachers_today(schools: pd.DataFrame) -> pd.DataFrame:
    """Today's teachers by ``county, level`` where the schools layer gives them (its ``teachers`` column):
    a school teaching several levels shares its teachers by its pupils of each level (by its classes when
    it has no pupils). Schools without a count are left out; no count at all gives an empty table."""
    known = schools[schools["teachers"].notna()] if "teachers" in schools.columns else schools.iloc[:0]
    frames = []
    if len(known):
        pupils = np.column_stack([known[enrolment_col(lv)].to_numpy(float) for lv in LEVELS])
        classes = np.column_stack([known[classes_col(lv)].to_numpy(float) for lv in LEVELS])
        weight = np.where(pupils.sum(axis=1, keepdims=True) > 0, pupils, classes)
        total = weight.sum(axis=1, keepdims=True)
        share = np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)
        staff = known["teachers"].to_numpy(float)[:, None] * share
        for i, lv in enumerate(LEVELS):
            frames.append(pd.DataFrame({"county": known["county"].astype(str).to_numpy(), "level": lv,
                                        "teachers_today": staff[:, i]}))
    table = pd.concat(frames) if frames else pd.DataFrame({"county": [], "level": [], "teachers_today": []})
    return table.groupby(["county", "level"], as_index=False)["teachers_today"].sum()


def outlook(region: Region, fc: Forecast, assignment: Assignment | None, *, surplus: float = 0.6) -> Outlook:
    """The forecast set against today's seats, with early-warnings by township and by catchment.

    A region of counties alone (no assignment) gets the county, city and total tables only.
    """
    by_county = fc.by_county()
    named = _named(by_county, region.counties)
    today = teachers_today(region.schools)
    if len(today):
        named = named.merge(today, on=["county", "level"], how="left")
    peaks = _named(peak_years(by_county, area="county"), region.counties)
    by_city = None
    if "city" in region.counties.columns:
        city_of = dict(zip(region.counties["adcode"].astype(str), region.counties["city"]))
        unit_county = fc.pupils.drop_duplicates("unit").set_index("unit")["county"]
        by_city = fc.by(unit_county.map(city_of).dropna(), name="city")
    if region.counties_only or assignment is None:
        return Outlook(named, None, None, None, peaks, fc.total(), by_city)
    tseats = township_seats(region)
    by_town = fc.by_township()
    town_table = by_town.merge(tseats, on=["township", "level"], how="left").fillna({"seats": 0.0})
    town_table["gap"] = town_table["seats"] - town_table["pupils"]
    t_warn = seat_warnings(by_town, tseats, area="township", surplus=surplus)
    names = region.townships.set_index("code")
    t_warn.insert(1, "township_name", t_warn["township"].map(names["name"]))
    t_warn.insert(2, "county", t_warn["township"].map(names["county"]))
    c_frames = []
    school_seats = []
    for level, mapping in catchments(assignment).items():
        if mapping.empty:
            continue
        pupils = fc.by(mapping, name="school")
        c_frames.append(pupils[pupils["level"] == level])
        s = region.schools[teaches(region.schools, level)]
        school_seats.append(pd.DataFrame({"school": s["id"].to_numpy(), "level": level, "seats": seats(s, level)}))
    c_warn = seat_warnings(pd.concat(c_frames), pd.concat(school_seats), area="school", surplus=surplus)
    c_warn.insert(1, "school_name", c_warn["school"].map(region.schools.set_index("id")["name"]))
    totals = fc.total().merge(tseats.groupby("level", as_index=False)["seats"].sum(), on="level", how="left")
    return Outlook(named, town_table, t_warn, c_warn, peaks, totals, by_city)


#: Years from the decision to build to the first intake (assumption: design, land, two years' building).
BUILD_YEARS = 2


def phase(new_schools: pd.DataFrame, expansions: pd.DataFrame, flows: pd.DataFrame, view: Outlook,
          region: Region, *, base_year: int, target_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """When each proposed school or expansion must open: the first year its pupils' townships run short.

    ``needed_year`` is the earliest deficit year (from the township early-warning) among the townships
    whose pupils it serves, or the completion year of the development it is tied to, and never later than
    the target year; ``open_by`` is that year (a school opens before its seats are needed) and
    ``start_by`` is ``open_by`` − :data:`BUILD_YEARS`, not before the base year.
    """
    unit_town = region.residential.set_index("id")["township"]
    unit_done = region.residential.set_index("id")["completion_year"]
    if view.township_warnings is None:
        raise ValueError("phasing needs the township early-warning of a region with a layout")
    warn = view.township_warnings.set_index(["township", "level"])["deficit_year"]
    tied = region.candidates.set_index("id")["tied_to"] if len(region.candidates) else pd.Series(dtype=object)

    def needed(site: str, level: str | None, candidate: str | None) -> int:
        f = flows[flows["school"] == site]
        if level is not None:
            f = f[f["level"] == level]
        years = []
        for unit, lv in zip(f["unit"], f["level"]):
            y = warn.get((unit_town.get(unit), lv))
            if y is not None and not pd.isna(y):
                years.append(int(y))
        unit = tied.get(candidate) if candidate is not None else None
        if isinstance(unit, str) and unit and not pd.isna(unit_done.get(unit)):
            years.append(int(unit_done[unit]))
        return min([target_year, *years])

    def dated(table: pd.DataFrame, site_col: str, level_col: str | None, cand_col: str | None) -> pd.DataFrame:
        if table.empty:
            return table.assign(needed_year=pd.Series(dtype=int), open_by=pd.Series(dtype=int),
                                start_by=pd.Series(dtype=int))
        need = [needed(r[site_col], r[level_col] if level_col else None, r[cand_col] if cand_col else None)
                for _, r in table.iterrows()]
        out = table.assign(needed_year=need)
        out["open_by"] = out["needed_year"]
        out["start_by"] = (out["open_by"] - BUILD_YEARS).clip(lower=base_year)
        return out.sort_values(["open_by", "county"], kind="stable").reset_index(drop=True)

    return dated(new_schools, "school", None, "candidate"), dated(expansions, "school", "level", None)
