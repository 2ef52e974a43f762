"""The ``[forecast]`` section of a scenario: how residents become pupils, year by year.

Every default names its source. Tags follow ``shared/domain/standards.md``: C = confirmed in the cited
page, D = derived by arithmetic from confirmed numbers (formula given), U = an assumption of ours.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from layoutsim.config.base import Strict

#: Henan births by calendar year on the resident (常住) basis, persons: Henan statistics bulletins and
#: population reports, rate ‰ × year-end residents (census.md; standards.md §4.3). 2020: 79.3万 + the
#: reported fall of 12.4万 = 91.7万 (9.24 ‰). 2024: 7.78 ‰ of 9,785万 = 76.2万, the dragon-year rebound.
#: The 2016–2019 figures usually quoted (142.6万 …) are on the registered (户籍) basis and are left out.
HENAN_BIRTHS: dict[int, float] = {
    2020: 917_000.0,
    2021: 793_000.0,
    2022: 733_000.0,
    2023: 695_000.0,
    2024: 762_000.0,
}

#: Henan's pupils in the 2020 school year (in school, intake), the only enrolment figures the rates are
#: fitted to (docs/forecast.md, sources there). High: 2019 general-high (普通高中) pupils, no intake.
HENAN_2020_PUPILS: dict[str, tuple[float, float | None]] = {
    "kindergarten": (4_255_848.0, 1_265_795.0),
    "primary": (10_215_900.0, 1_659_900.0),
    "junior": (4_721_400.0, 1_540_500.0),
    "high": (2_158_800.0, None),
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
    count is of Henan's 2020 births (``series[2020]``). With ``table``, the given numbers are used from
    its first year on (linear between given years, the last value held after the last one) and
    ``table_kind`` says what they are.
    """

    variant: Literal["low", "central", "high"] = Field(
        "central",
        description=(
            "How Henan births go on after the last year of `series` (2024). central: the mean of "
            "`central_years` (2023 and 2024: 72.85万), held: the dragon-year rebound averaged with the year "
            "before it, since births moved into a lucky year are partly taken from the years around it (U), "
            "and the women entering the peak child-bearing ages in 2025–2035 (born 1996–2007) are about as "
            "many as those in them in 2024 (Henan 2010 census, 123–130万 per single year, D), so their number "
            "neither lifts nor lowers births. low: from the `trend_years`' last level, the yearly fall of "
            "the trend years ((69.5/79.3)^(1/2) = 0.936, −6.4 %/yr, D) goes on down to `low_floor` × that "
            "level. high: the last observed year (2024, 76.2万) is held: fertility stays at the rebound."
        ),
    )
    series: dict[int, float] = Field(
        default_factory=lambda: dict(HENAN_BIRTHS),
        description="Observed Henan births, persons by year (常住 basis, census.md, C). Must hold 2020.",
    )
    central_years: tuple[int, ...] = Field(
        (2023, 2024), min_length=1, description="Years of `series` whose mean the central variant holds.",
    )
    trend_years: tuple[int, int] = Field(
        (2021, 2023),
        description="First and last year whose geometric trend the low variant continues from the last one.",
    )
    low_floor: float = Field(
        0.6, ge=0, le=1,
        description=(
            "low floor as a share of births in the last trend year: 0.6 × 69.5万 = 41.7万 ≈ 4.3 ‰ of 9,785万 "
            "(U, a stress case). 0 continues the decline without end."
        ),
    )
    table: dict[int, float] | None = Field(
        None, description=(
            "Given births (or an index) by year; from its first year on it replaces the Henan series and "
            "its projection (linear between given years, the last value held after them); before its first "
            "year the observed series is used."),
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
        absent = [y for y in self.central_years if y not in self.series]
        if absent:
            problems.append(f"births.central_years {absent} are not in births.series")
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
        PerLevel(kindergarten=0.9675, primary=0.9904, junior=0.9599, high=0.5389),
        description=(
            "Pupils of a level ÷ the persons of its ages (cohort method), fitted to Henan's 2020 school year "
            "and nothing later (HENAN_2020_PUPILS ÷ the 2020 census single years of the level's ages, all "
            "157 units, D): kindergarten 425.58万 ÷ 439.87万 (ages 3–5); primary 1,021.59万 ÷ 1,031.54万 "
            "(6–11); junior 472.14万 ÷ 491.88万 (12–14); high = general high school (普通高中) only, 2019 "
            "215.88万 ÷ 400.62万 (15–17; no 2020 figure was found)."
        ),
    )
    intake: PerLevel = Field(
        PerLevel(kindergarten=0.9016, primary=1.0018, junior=0.8776, high=0.5389),
        description=(
            "Pupils entering a level's first grade ÷ the persons of its first age (入园 at 3, grade 1 at 6, "
            "grade 7 at 12, grade 10 at 15), fitted to 2020 as `enrolment` is (D): 126.58万 ÷ 140.39万, "
            "165.99万 ÷ 165.70万, 154.05万 ÷ 175.53万; high: no intake figure, its enrolment rate."
        ),
    )
    migration: float = Field(
        1.0, ge=0, le=3,
        description=(
            "Scale of the net migration by age found between the 2010 and 2020 censuses (Hamilton–Perry "
            "cohort-change ratios, docs/forecast.md): 1 carries the 2010–2020 pattern on, 0 turns it off "
            "(survival only), 0.5 halves each yearly factor's effect."
        ),
    )
    band: float = Field(
        0.015, ge=0, lt=0.2,
        description=(
            "Uncertainty band beyond the birth variants: pupils_low = the low variant × (1 − band × h), "
            "pupils_high = the high variant × (1 + band × h), h = years after the 2020 census (U: 1.5 % a "
            "year; the backtest, benchmarks/backtest_forecast.py, shows which held-out figures fall inside)."
        ),
    )
    staff_ratio: PerLevel = Field(
        PerLevel(kindergarten=7.0, primary=19.0, junior=13.5, high=12.5),
        description=(
            "Pupils per staff post (教职工编制), teachers needed = pupils ÷ ratio. primary 19, junior 13.5, "
            "high 12.5: 中央编办 教育部 财政部 关于统一城乡中小学教职工编制标准的通知 (中央编办发〔2014〕72号), "
            "which raised the county-town and village ratios of 国办发〔2001〕74号 (小学 21/23, 初中 16/18, "
            "高中 13/13.5) to the city ones (C2). kindergarten 7: 幼儿园教职工配备标准（暂行）(教师〔2013〕1号), "
            "full-day 1:5–1:7 (U: not in the project's references)."
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
