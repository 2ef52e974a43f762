"""The ``[forecast]`` section of a scenario: how residents become pupils, year by year.

Every default names its source. Tags follow ``shared/domain/standards.md``: C = confirmed in the cited
page, D = derived by arithmetic from confirmed numbers (formula given), U = an assumption of ours.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from layoutsim.config.base import Strict

#: Henan births by calendar year, persons (standards.md §4.3, tag C / C2). 2017 has a conflicting
#: 143万 in one source; 140.1万 is used. 2020 = 91.7万 is the base the census age-0 counts are scaled to.
HENAN_BIRTHS: dict[int, float] = {
    2016: 1_426_000.0,
    2017: 1_401_000.0,
    2018: 1_270_000.0,
    2019: 1_204_000.0,
    2020: 917_000.0,
    2021: 793_000.0,
    2022: 733_000.0,
    2023: 695_000.0,
}

#: Oldest single year of age the cohort model follows (the last high-school age).
MAX_AGE = 17




class PerLevel(Strict):
    """One number per school level (pupils per 1,000 residents, or an enrolment rate)."""

    kindergarten: float = Field(ge=0)
    primary: float = Field(ge=0)
    junior: float = Field(ge=0)
    high: float = Field(ge=0)

    def get(self, level: str) -> float:
        """The value for ``level`` (one of :data:`layoutsim.schema.LEVELS`)."""
        return float(getattr(self, level))


class AgeRange(Strict):
    """The single years of age (inclusive) that attend one level."""

    first: int = Field(ge=0, le=MAX_AGE)
    last: int = Field(ge=0, le=MAX_AGE)

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.first > self.last:
            raise ValueError(f"first age {self.first} is after last age {self.last}")
        return self


class EntryAges(Strict):
    """Ages attending each level: 3–5 kindergarten (3-year 学前), 6–11 primary (6-year 小学, school
    entry at 6 by 31 August, 义务教育法 §11), 12–14 junior (3-year 初中), 15–17 high (3-year 高中)."""

    kindergarten: AgeRange = AgeRange(first=3, last=5)
    primary: AgeRange = AgeRange(first=6, last=11)
    junior: AgeRange = AgeRange(first=12, last=14)
    high: AgeRange = AgeRange(first=15, last=17)

    def get(self, level: str) -> AgeRange:
        """The age range of ``level``."""
        value: AgeRange = getattr(self, level)
        return value


class Births(Strict):
    """Births that feed the cohort model from the year after the census (2021) on.

    Without ``table``, the Henan series ``series`` is used for the years it covers and projected beyond
    its last year by ``variant``; each county gets the share of Henan births that its census age-0
    count is of Henan's 2020 births (``series[2020]``). With ``table``, the given numbers are used
    (linear between given years, the last value held after the last one) and ``table_kind`` says what
    they are.
    """

    variant: Literal["low", "central", "high"] = Field(
        "central",
        description=(
            "How Henan births go on after the last year of `series`. Let r be the yearly ratio of the "
            "trend years (2021→2023: (69.5/79.3)^(1/2) = 0.936, −6.4 %/yr, D). central: births fall by r "
            "a year down to `central_floor` × the last observed births and stay there; low: the same "
            "decline down to the lower `low_floor`; high: births recover at once to `high_level` × the "
            "last observed births (the 2024 rebound) and stay there."
        ),
    )
    series: dict[int, float] = Field(
        default_factory=lambda: dict(HENAN_BIRTHS),
        description="Observed Henan births, persons by year (default standards.md §4.3, C/C2). Must hold 2020.",
    )
    trend_years: tuple[int, int] = Field(
        (2021, 2023),
        description="First and last year whose geometric trend the low and central variants continue.",
    )
    central_floor: float = Field(
        0.85, gt=0, le=1,
        description=(
            "central floor as a share of the last observed births: 0.85 × 69.5万 = 59.1万 ≈ a crude birth "
            "rate of 6.0 ‰ on Henan's 2023 常住 9,815万 (U; Henan's 2023 rate was 7.1 ‰ (D: 69.5/9,815), "
            "安阳 6.3 ‰ in 2023 and 驿城区 6.3 ‰ in 2022 (census.md))."
        ),
    )
    low_floor: float = Field(
        0.6, ge=0, le=1,
        description=(
            "low floor as a share of the last observed births: 0.6 × 69.5万 = 41.7万 ≈ 4.2 ‰ (U, a stress "
            "case). 0 continues the decline without end."
        ),
    )
    high_level: float = Field(
        1.058, gt=0,
        description=(
            "high level as a multiple of the last observed births: China's 2024/2023 births 954/902 = 1.058 "
            "(standards.md §4.2, D), applied to Henan, whose 2024 figure is not in the references."
        ),
    )
    table: dict[int, float] | None = Field(
        None, description="Given births (or an index) by year; replaces the Henan series and projection."
    )
    table_kind: Literal["henan", "region", "index"] = Field(
        "region",
        description=(
            "henan: persons born in Henan (scaled to a county as the series is); region: persons born in "
            "the region's counties together (a county gets its share of the region's census age-0 "
            "count); index: births relative to the census year, 2020 = 1.0 (a county's births are its "
            "census age-0 count × the index)."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> Births:
        problems = []
        if 2020 not in self.series:
            problems.append("births.series must hold 2020 (the census year the counties are scaled to)")
        a, b = self.trend_years
        if a >= b or a not in self.series or b not in self.series:
            problems.append(f"births.trend_years {a}, {b} must be two increasing years of births.series")
        if self.low_floor > self.central_floor:
            problems.append(f"births.low_floor {self.low_floor} is above central_floor {self.central_floor}")
        for name, values in (("series", self.series), ("table", self.table or {})):
            bad = sorted(y for y, v in values.items() if not v >= 0)
            if bad:
                problems.append(f"births.{name} has negative or missing values in {bad}")
        if self.table is not None and not self.table:
            problems.append("births.table is empty")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _default_survival() -> list[float]:
    # Ages 0→1, 1→2 ... 16→17. China 2023: infant mortality 4.5 ‰, under-5 mortality 6.2 ‰
    # (国家卫生健康委 2023年我国卫生健康事业发展统计公报, U: not in the project's references).
    # The census age-0 count has already lived part of its first year, so 0→1 keeps 0.997;
    # 1–4: (1 − (6.2 − 4.5)/1000)^(1/4) ≈ 0.9996; 5–16: 0.9998 (child mortality near 0.2 ‰, U).
    return [0.997] + [0.9996] * 4 + [0.9998] * (MAX_AGE - 5)


class ForecastConfig(Strict):
    """How residents turn into pupils by level and year: the ``[forecast]`` section of a scenario."""

    method: Literal["per_thousand", "cohort"] = Field(
        "per_thousand",
        description=(
            "per_thousand: pupils = residents × coefficient / 1,000 (千人指标, the plans' own method); "
            "cohort: single years of age from the 2020 census, aged forward with births and survival."
        ),
    )
    per_thousand: PerLevel = Field(
        PerLevel(kindergarten=36, primary=80, junior=40, high=40),
        description=(
            "Pupils per 1,000 residents: 洛阳市城市区中小学校布局专项规划 (2021–2035), standards.md §1.6 "
            "(C2). Its high-school 40 is 普高 20 + 职高 20."
        ),
    )
    new_yield: PerLevel = Field(
        PerLevel(kindergarten=45, primary=100, junior=50, high=50),
        description=(
            "Pupils per 1,000 residents of a new development (kind 'new'), both methods: 1.25 × the "
            "Luoyang coefficients (U: new estates are bought by young families). Primary 100 stays under "
            "the 108 implied by Henan's 2011 urban rule (standards.md §2, D)."
        ),
    )
    new_from_county: float = Field(
        0.5, ge=0, le=1,
        description=(
            "Share of a new development's residents who move in from the county's own villages (U: "
            "county-seat housing is bought mostly by the county's rural families). They leave the "
            "villages in its completion year; only the other share adds residents and pupils to the county."
        ),
    )
    start_year: int = Field(2020, ge=2000, description="First forecast year; residents are given for it.")
    end_year: int = Field(2035, le=2100, description="Last forecast year (the plans' horizon, 2035).")
    births: Births = Field(default_factory=Births, description="Births feeding the cohort model.")
    survival: list[float] = Field(
        default_factory=_default_survival,
        min_length=MAX_AGE, max_length=MAX_AGE,
        description=(
            "Share of the children of age a (index a = 0..16) alive a year later. Default: 0.997 at 0, "
            "0.9996 at 1–4, 0.9998 at 5–16 (from China's 2023 infant 4.5 ‰ and under-5 6.2 ‰ mortality, U)."
        ),
    )
    entry_ages: EntryAges = Field(default_factory=EntryAges, description="Ages attending each level.")
    enrolment: PerLevel = Field(
        PerLevel(kindergarten=0.92, primary=1.0, junior=1.0, high=0.5),
        description=(
            "Share of the ages of a level enrolled at that level (cohort method). kindergarten 0.92: Henan "
            "2023 毛入园率 92.46 % (standards.md §4.4, C; 平顶山 91 % in 2020, plans/pingdingshan.md). "
            "primary, junior 1.0: compulsory (平顶山 入学率 100 %). high 0.5: general high school (普通高中) "
            "only, = general-high ÷ junior enrolment, a proxy for the 15–17 cohort: China 2023 19.9/37.2 "
            "= 0.535 per 1,000 (standards.md §1.6, D), 平顶山 2021 12.46/25.76 = 0.484 (census.md, D)."
        ),
    )
    urbanisation: float = Field(
        0.018, ge=0, lt=1,
        description=(
            "Share of village residents who move to the county's towns each year. Census-to-bulletin "
            "urban-share gains ÷ the rural share (census.md, D): 平顶山 53.42 → 54.45 % (2020→2021) = "
            "1.03/46.58 = 2.2 %; 三门峡 57.26 → 58.03 % = 0.77/42.74 = 1.8 %; 安阳 54.07 → 55.7 % "
            "(2021→2023) = 0.82/45.93 = 1.8 %/yr."
        ),
    )

    @model_validator(mode="after")
    def _check(self) -> ForecastConfig:
        problems = []
        if self.start_year > self.end_year:
            problems.append(f"start_year {self.start_year} is after end_year {self.end_year}")
        if self.method == "cohort" and self.start_year < 2020:
            problems.append(f"the cohort method starts from the 2020 census; start_year {self.start_year} < 2020")
        bad = [a for a, s in enumerate(self.survival) if not 0 < s <= 1]
        if bad:
            problems.append(f"survival must lie in (0, 1]; ages {bad} do not")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def years(self) -> list[int]:
        """The forecast years, ``start_year`` to ``end_year`` inclusive."""
        return list(range(self.start_year, self.end_year + 1))
