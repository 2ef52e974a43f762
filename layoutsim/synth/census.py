"""Real figures the generator is calibrated to: 2020 census by county, township names, plan counts, DEM.

All read from the project's copies in ``layoutsim/reference/`` (attribution in ``data/README.md``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import geopandas as gpd
import pandas as pd

from ..schema import CLASS_SIZE
from .published import (
    HENAN_INCLUSIVE_KG, HENAN_LARGE_CLASS, HENAN_PER_THOUSAND, HENAN_PRIVATE_COMPULSORY, HENAN_PUBLIC_KG,
    HENAN_SUPER_LARGE_CLASS, PDS_COUNTS, PDS_OTHER, PDS_POPULATION, TEACHING_POINT_PUPILS, Figure,
    BG_INCLUSIVE_KG, KF_INCLUSIVE_KG, KF_LARGE_COMPULSORY, PDS_INCLUSIVE_KG, SMX_INCLUSIVE_KG,
    KF_VOCATIONAL, SMX_LARGE_COMPULSORY, SMX_PUBLIC_KG, ZMD_INCLUSIVE_KG,
)

_REF = resources.files("layoutsim") / "reference"

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
    #: the city's own published figures where it gives them (``published.py``), else Henan's
    inclusive_kg: Figure | None = None       # 普惠性幼儿园覆盖率
    public_kg: Figure | None = None          # 公办园在园幼儿占比
    large_compulsory: tuple[Figure, Figure] | None = None  # compulsory classes of 56–65, of 66+
    large_high: tuple[Figure, Figure] | None = None        # high-school classes of 56–65, of 66+
    vocational: Figure | None = None         # 中等职业学校 count


AREAS: dict[str, Area] = {
    "pingdingshan": Area("pingdingshan", "平顶山市", "平顶山市", "Pingdingshan",
                         hosts={"410471": "410403", "410472": "410402"}, counts=PDS_COUNTS,
                         inclusive_kg=PDS_INCLUSIVE_KG),
    "sanmenxia": Area("sanmenxia", "三门峡市", "三门峡市", "Sanmenxia", hosts={"411271": "411202"},
                      inclusive_kg=SMX_INCLUSIVE_KG, public_kg=SMX_PUBLIC_KG, large_compulsory=SMX_LARGE_COMPULSORY),
    "zhumadian": Area("zhumadian", "驻马店市", "驻马店市", "Zhumadian", hosts={"411771": "411702"},
                      total_schools=3536, inclusive_kg=ZMD_INCLUSIVE_KG),
    "kaifeng": Area("kaifeng", "开封市", "开封市", "Kaifeng", inclusive_kg=KF_INCLUSIVE_KG,
                    large_compulsory=KF_LARGE_COMPULSORY, vocational=KF_VOCATIONAL),
    "beiguan": Area("beiguan", "安阳市", "安阳市北关区", "Beiguan District, Anyang", adcodes=("410503",),
                    inclusive_kg=BG_INCLUSIVE_KG),
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


def area_population(area: Area) -> int:
    """The area's 2020 census population (its development zones included)."""
    return int(area_units(area)["pop_2020"].astype(int).sum())


def per_thousand(area: Area) -> dict[str, float]:
    """Pupils per 1,000 residents the area's enrolment is calibrated to."""
    if area.counts is not None:
        pop = area_population(area)
        return {lv: pupils / pop * 1000 for lv, (_, pupils) in area.counts.items()}
    return dict(HENAN_PER_THOUSAND)


#: The kinds of school counted per 10,000 residents (teaching points are counted per rural resident).
COUNTED = ("kindergarten", "primary", "junior", "high", "vocational", "special")


def schools_per_10k(area: Area | None) -> dict[str, float]:
    """Schools per 10,000 residents by kind (:data:`COUNTED`): the plan's own where given, else
    平顶山's, scaled to the plan's count of all schools where that is given (驻马店: 3,536); Henan's
    counties (``None``) take 平顶山's."""
    counts = {**{k: n for k, (n, _) in ((area.counts if area else None) or PDS_COUNTS).items()},
              **{k: PDS_OTHER[k] for k in ("vocational", "special")}}
    if area is None:
        return {k: counts[k] / PDS_POPULATION * 1e4 for k in COUNTED}
    pop = area_population(area)
    rates = {k: counts[k] / (pop if area.counts else PDS_POPULATION) * 1e4 for k in COUNTED}
    if area.vocational is not None:
        rates["vocational"] = area.vocational.value / pop * 1e4
    if area.total_schools is not None:
        scale = area.total_schools / (pop / 1e4) / sum(rates.values())
        rates = {k: r * scale for k, r in rates.items()}
    return rates


@cache
def teaching_points_per_10k_rural() -> float:
    """教学点 per 10,000 rural (乡村) residents: 平顶山's 730 over its 2020 census rural population."""
    pds = area_units(AREAS["pingdingshan"])
    rural = area_population(AREAS["pingdingshan"]) - int(pds["urban_pop_2020"].astype(int).sum())
    return PDS_OTHER["teaching_point"] / rural * 1e4


@dataclass(frozen=True)
class Calibration:
    """What one area's (or Henan's) generated schools are calibrated to, level by level."""

    per_thousand: dict[str, float]   # pupils per 1,000 residents
    per_10k: dict[str, float]        # schools per 10,000 residents, by kind (COUNTED)
    teaching_points_per_10k_rural: float
    large: dict[str, Figure]         # share of classes of 56–65 pupils (大班额), by level
    super_large: dict[str, Figure]   # share of classes of 66 pupils or more (超大班额), by level
    teaching_point_pupils: Figure
    private_compulsory: Figure       # share of compulsory pupils in private schools
    public_kg: Figure                # 公办园在园幼儿占比
    inclusive_kg: Figure             # 普惠性幼儿园覆盖率


def calibration_of(area: Area | None) -> Calibration:
    """An area's calibration: its own published figures where it has them (``published.py``), else
    Henan's; ``None`` gives Henan's (the province's counties). A city's share of large compulsory
    classes is shared between primary and junior in Henan's proportion (weighted by their classes)."""
    large = dict(HENAN_LARGE_CLASS)
    super_large = dict(HENAN_SUPER_LARGE_CLASS)
    ratios = per_thousand(area) if area is not None else dict(HENAN_PER_THOUSAND)
    if area is not None and area.large_compulsory is not None:
        over55, over65 = area.large_compulsory
        w = {lv: ratios[lv] / CLASS_SIZE[lv] for lv in ("primary", "junior")}

        def pooled(shares: dict[str, Figure]) -> float:
            return sum(shares[lv].value * w[lv] for lv in w) / sum(w.values())
        henan55, henan65 = pooled(large), pooled(super_large)
        for lv in ("primary", "junior"):
            large[lv] = Figure(over55.value * large[lv].value / henan55, over55.year, over55.source)
            share65 = over65.value * super_large[lv].value / henan65 if henan65 else over65.value
            super_large[lv] = Figure(share65, over65.year, over65.source)
    if area is not None and area.large_high is not None:
        large["high"], super_large["high"] = area.large_high
    return Calibration(
        per_thousand=ratios,
        per_10k=schools_per_10k(area), teaching_points_per_10k_rural=teaching_points_per_10k_rural(),
        large=large, super_large=super_large, teaching_point_pupils=TEACHING_POINT_PUPILS,
        private_compulsory=HENAN_PRIVATE_COMPULSORY,
        public_kg=(area.public_kg if area is not None and area.public_kg else HENAN_PUBLIC_KG),
        inclusive_kg=(area.inclusive_kg if area is not None and area.inclusive_kg else HENAN_INCLUSIVE_KG))
