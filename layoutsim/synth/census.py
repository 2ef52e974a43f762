"""Real figures the generator is calibrated to: 2020 census by county, township names, plan counts, DEM.

All read from the project's copies in ``layoutsim/reference/`` (attribution in ``data/README.md``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import geopandas as gpd
import pandas as pd

_REF = resources.files("layoutsim") / "reference"

#: Pupils per 1,000 residents by level. Henan 2023 observed (standards.md §1.6: kindergarten 33.0,
#: primary 98.1, junior 51.8); high school 25.0 from 平顶山's 2021 count (12.46万 ÷ 4,987,137).
HENAN_PER_THOUSAND = {"kindergarten": 33.0, "primary": 98.1, "junior": 51.8, "high": 25.0}

#: 平顶山 2021 (2021年平顶山市教育事业统计主要结果, the city's education statistics): schools and pupils per level.
PDS_COUNTS = {"kindergarten": (1659, 214_500), "primary": (1148, 527_800), "junior": (238, 257_600),
              "high": (47, 124_600)}
PDS_POPULATION = 4_987_137


@dataclass(frozen=True)
class Area:
    """A plan area: which census units it covers and the plan's own figures, where it gives them."""

    key: str
    city: str
    name_zh: str
    name_en: str
    adcodes: tuple[str, ...] | None = None  # None: every county-level unit of the city
    #: development-zone statistical units (no outline of their own) -> the district they lie in
    hosts: dict[str, str] = field(default_factory=dict)
    #: the plan's counts (schools, pupils) by level; None where the plan gives none
    counts: dict[str, tuple[int, int]] | None = None
    #: the plan's count of schools of all kinds
    total_schools: int | None = None


AREAS: dict[str, Area] = {
    "pingdingshan": Area("pingdingshan", "平顶山市", "平顶山市", "Pingdingshan",
                         hosts={"410471": "410403", "410472": "410402"}, counts=PDS_COUNTS),
    "sanmenxia": Area("sanmenxia", "三门峡市", "三门峡市", "Sanmenxia", hosts={"411271": "411202"}),
    "zhumadian": Area("zhumadian", "驻马店市", "驻马店市", "Zhumadian", hosts={"411771": "411702"},
                      total_schools=3536),
    "kaifeng": Area("kaifeng", "开封市", "开封市", "Kaifeng"),
    "beiguan": Area("beiguan", "安阳市", "安阳市北关区", "Beiguan District, Anyang", adcodes=("410503",)),
}


@cache
def census() -> pd.DataFrame:
    """The 2020 census table of the five areas, one row per county-level statistical unit (development
    zones separate, city totals dropped), with the NBS 2020 township names."""
    with (_REF / "counties_2020.csv").open("rb") as handle:
        df = pd.read_csv(handle, dtype={"adcode": str})
    df = df.fillna({c: "" for c in ("streets_names_2020", "towns_names_2020", "xiang_names_2020",
                                                "other_names_2020", "kind")})
    return df[~df["kind"].str.startswith("地级市")].reset_index(drop=True)


@cache
def outlines() -> gpd.GeoDataFrame:
    """Real county outlines (WGS84) of the five areas."""
    with resources.as_file(_REF / "counties_five_areas.geojson") as path:
        return gpd.read_file(path)


def area_units(area: Area) -> pd.DataFrame:
    """Census rows of an area: the units with an outline, plus the development zones they host."""
    df = census()
    rows = df[df["city"] == area.city]
    if area.adcodes is not None:
        rows = rows[rows["adcode"].isin(area.adcodes)]
    return rows.reset_index(drop=True)


def township_names(row: pd.Series) -> list[tuple[str, str]]:
    """(name, kind) of each township-level unit of a census row: street, town, township or other."""
    out: list[tuple[str, str]] = []
    for col, kind in (("streets_names_2020", "street"), ("towns_names_2020", "town"),
                      ("xiang_names_2020", "township"), ("other_names_2020", "other")):
        text = str(row[col]).strip()
        out += [(name.strip(), kind) for name in text.split("、") if name.strip()]
    return out


def per_thousand(area: Area) -> dict[str, float]:
    """Pupils per 1,000 residents the area's enrolment is calibrated to."""
    if area.counts is not None:
        pop = int(area_units(area)["pop_2020"].sum())
        return {lv: pupils / pop * 1000 for lv, (_, pupils) in area.counts.items()}
    return dict(HENAN_PER_THOUSAND)


def schools_per_10k(area: Area) -> dict[str, float]:
    """Schools per 10,000 residents by level: the plan's own where given, else 平顶山's, scaled to the
    plan's count of all schools where that is given (驻马店: 3,536)."""
    counts = area.counts or PDS_COUNTS
    pop = int(area_units(area)["pop_2020"].sum()) if area.counts else PDS_POPULATION
    rates = {lv: n / pop * 1e4 for lv, (n, _) in counts.items()}
    if area.total_schools is not None:
        scale = area.total_schools / (int(area_units(area)["pop_2020"].sum()) / 1e4) / sum(rates.values())
        rates = {lv: r * scale for lv, r in rates.items()}
    return rates


