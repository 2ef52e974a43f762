"""Year by year: pupils against seats by township and by school catchment, and the seat early-warning.

学位预警: for each township and each school's catchment (the units it serves today), the first year demand
exceeds seats and by how much, the worst year, and where seats stand empty and from when.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .assign import Assignment, seats, teaches
from .forecast import Forecast, peak_years, seat_warnings
from .region import Region
from .schema import LEVELS


@dataclass(frozen=True)
class Outlook:
    """Tidy tables of the forecast against today's seats."""

    by_county: pd.DataFrame      # county, level, year, pupils
    by_township: pd.DataFrame    # township, level, year, pupils, seats, gap (seats − pupils)
    township_warnings: pd.DataFrame
    catchment_warnings: pd.DataFrame
    peaks: pd.DataFrame          # county, level, peak_year, peak_pupils
    totals: pd.DataFrame         # level, year, pupils, seats


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


def outlook(region: Region, fc: Forecast, assignment: Assignment, *, surplus: float = 0.6) -> Outlook:
    """The forecast set against today's seats, with early-warnings by township and by catchment."""
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
    by_county = fc.by_county()
    totals = fc.total().merge(tseats.groupby("level", as_index=False)["seats"].sum(), on="level", how="left")
    return Outlook(by_county, town_table, t_warn, c_warn, peak_years(by_county, area="county"), totals)
