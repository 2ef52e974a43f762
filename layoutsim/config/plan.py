"""The ``[plan]`` section of a scenario: budget, weights, unit costs, modules and solver settings.

Every default names its source. Figures a plan or a standard gives are cited (``rules.md`` / ``standards.md``);
the rest are marked **assumption** and are meant to be replaced by a bureau's own figures.

Cost anchor (``rules.md`` §F): 三门峡's 13th plan spent 26.49亿元 for 43,000 seats, about 6.2万元 a seat
including land. A new 24-class primary here costs 24 × 125万 = 3,000万 in buildings and equipment plus
about 3,000万 of land (the candidates' ``land_cost_cny``), 5.6万 a seat: the defaults sit on the anchor.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

import re

from layoutsim.config.base import Strict
from layoutsim.schema import LEVELS, LevelKey


def _by_level(kindergarten: float, primary: float, junior: float, high: float) -> dict[LevelKey, float]:
    return {"kindergarten": kindergarten, "primary": primary, "junior": junior, "high": high}


def _all_levels(value: dict, what: str) -> dict:
    missing = [lv for lv in LEVELS if lv not in value]
    if missing:
        raise ValueError(f"{what}: missing levels: {', '.join(missing)}")
    return value


class Weights(Strict):
    """The objective: ``cost × CNY + pupil_km × pupil-km + unmet × unmet pupils`` (all in CNY equivalents)."""

    cost: float = Field(1.0, ge=0, description="Multiplier on capital cost in CNY (1 = take costs at face value).")
    pupil_km: float = Field(
        3600.0, ge=0,
        description="CNY per pupil-kilometre of home-school distance. Assumption: 2 trips a day × 180 school "
                    "days × 10 years × about 1 CNY per km of family time and transport.",
    )
    unmet: float = Field(
        300000.0, ge=0,
        description="CNY per pupil left without a seat. Assumption: about 5 × the 三门峡 anchor of 6.2万元 a "
                    "seat (rules.md §F), so the model builds wherever a seat costs anything like the going rate.",
    )


class Costs(Strict):
    """Unit costs in CNY. Land is each candidate site's own ``land_cost_cny``."""

    new_class_cny: dict[LevelKey, float] = Field(
        default_factory=lambda: _by_level(900_000, 1_250_000, 1_500_000, 2_000_000),
        description="Building and equipment per class of a new school. Assumption: Henan county new primary "
                    "100–150万元 a class incl. equipment (primary 125万); kindergarten 90万, junior 150万, "
                    "high 200万 scaled by floor area per pupil (GB 50099-2011). Checked against the 三门峡 "
                    "anchor of 6.2万元 a seat incl. land (rules.md §F).",
    )
    added_class_cny: dict[LevelKey, float] = Field(
        default_factory=lambda: _by_level(500_000, 800_000, 900_000, 1_200_000),
        description="Per class added to an existing school (a new teaching block on its site, no land). "
                    "Assumption: about 60 % of a new class.",
    )
    land: Literal["candidate"] = Field(
        "candidate", description="Land cost of a new school: the candidate site's land_cost_cny (paid once).",
    )
    closure_saving_cny_per_class: float = Field(
        500_000.0, ge=0,
        description="Running cost saved per class of a closed school over the plan period. Assumption: about "
                    "10万元 a year per class in upkeep and staff over 5 years. Lowers the objective, not the "
                    "capital budget.",
    )
    inclusive_subsidy_cny_per_child_year: float = Field(
        1_000.0, ge=0,
        description="认定普惠: the yearly subsidy per child that turns a private kindergarten into a 普惠 one, "
                    "counted over inclusive_years for the seats it has. Assumption: Henan's cities pay "
                    "普惠性民办园 a per-child subsidy of this order; replace with the city's own figure.",
    )
    inclusive_years: int = Field(
        5, ge=1, description="Years a 认定普惠 subsidy is counted for in a plan's cost (the plan period).",
    )
    salary_cny_per_staff_year: float = Field(
        90_000.0, ge=0,
        description="A staff post's cost a year (salary and social insurance; multi-period plan). Staff follow "
                    "pupils at the staffing norms, so this prices what a closure saves: the staff a school's "
                    "half-empty classes need beyond what its pupils need elsewhere. Assumption: about Henan's "
                    "average wage in education; replace with the bureau's figure.",
    )
    upkeep_cny_per_class_year: float = Field(
        30_000.0, ge=0,
        description="Upkeep, utilities and supplies per class a year (multi-period plan). Assumption.",
    )
    temporary_cny_per_class_year: float = Field(
        150_000.0, ge=0,
        description="A temporary class for one year (multi-period plan): a rented, borrowed or prefab room with "
                    "its fit-out, on top of its upkeep. Assumption: about a tenth of a new class's building cost.",
    )
    temporary_max_classes: int = Field(
        6, ge=0, description="Temporary classes a school may run per level in a year (multi-period plan).",
    )
    temporary_max_years: int = Field(
        3, ge=0,
        description="Temporary classes are a stop-gap for peak years: a school may run at most "
                    "temporary_max_classes × this many class-years of them per level over the horizon "
                    "(multi-period plan). Assumption.",
    )
    conversion_cny_per_class: float = Field(
        150_000.0, ge=0,
        description="Refitting one classroom for another level on the same site (a nine-year school's primary "
                    "room for junior, a primary room for a kindergarten class; multi-period plan). Assumption.",
    )

    @field_validator("new_class_cny", "added_class_cny")
    @classmethod
    def _complete(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [f"{k} = {v}" for k, v in value.items() if v < 0]
        if bad:
            raise ValueError(f"negative cost: {', '.join(bad)}")
        return _all_levels(value, "costs")


def _span(key: str) -> tuple[int, int]:
    """A budget's key as (first, last) year: "2027" or "2026-2030"."""
    first, _, last = str(key).partition("-")
    if not (first.strip().isdigit() and (not last or last.strip().isdigit())):
        raise ValueError(f"budget_cny: key {key!r} is not a year (\"2027\") or a period (\"2026-2030\")")
    return int(first), int(last or first)


class Horizon(Strict):
    """A plan over years (the scenario's ``[plan.horizon]``): decisions year by year from ``first`` to
    ``last`` (the Five-Year period) and on to ``outlook``, each judged against the forecast of its year.

    Model years: every year of the plan period, then every ``step`` years after it, and ``outlook``; a
    model year stands for the years up to the next one (costs and pupil-km are counted that many times).
    """

    first: int = Field(2026, ge=2020, le=2100, description="First year of the plan (15th Five-Year: 2026).")
    last: int = Field(2030, ge=2020, le=2100, description="Last year of the plan period (2030).")
    outlook: int = Field(2035, ge=2020, le=2100, description="Last year the plan is judged against (2035).")
    step: int = Field(
        2, ge=1, le=10,
        description="Years between model years after the plan period (1 = yearly). 2: what is decided after "
                    "the plan period is the next plan's, and two-year steps keep the outlook's peak and "
                    "decline; measured on 驻马店's 驿城区 (2026–2035): 27 s against 73 s yearly, the same "
                    "capital (benchmarks/README.md).",
    )
    lead_years: int = Field(
        2, ge=0, le=10,
        description="Design and construction of a new school: the first one opens in first + lead_years "
                    "(assumption: land, design, two years' building).",
    )
    expansion_lead_years: int = Field(
        1, ge=0, le=10, description="A teaching block added to an existing school opens in first + this.",
    )
    discount_rate: float = Field(
        0.08, ge=0, lt=1,
        description="Discount rate for costs and savings over the years: 8 %, the social discount rate of "
                    "《建设项目经济评价方法与参数》(3rd edition, 2006), U: not in the project's references.",
    )
    life_years: int = Field(
        50, ge=1, le=200,
        description="Working life of a school building (GB 50068: 50 years for ordinary buildings): its cost "
                    "is spread over it as an equivalent annual cost, so a building opened late in the horizon "
                    "is charged only for the years it serves within it.",
    )

    budget_cny: dict[str, float] = Field(
        default_factory=dict,
        description="Capital budgets of the area by year or period: {\"2026-2030\" = 5.0e9, \"2031-2035\" = "
                    "3.0e9} or {\"2027\" = 1.0e9}. Capital counts in the year its work starts (a new school's "
                    "and its land's: the year it opens less lead_years; an added block's: less "
                    "expansion_lead_years; a refit's: its year), as 分年度投资计划 book it. Counties share an "
                    "area's budget by a price on capital (a Lagrangian split, optimize/budget.py) whose distance "
                    "from the joint optimum is reported. Empty: [plan] budget_cny, if given, is the budget of the "
                    "whole horizon.",
    )
    split_rounds: int = Field(
        8, ge=0, le=50,
        description="Rounds of the price search that shares a budget among counties; each round solves every "
                    "county again. 0: the greedy fallback at once (optimize/budget.py).",
    )
    compare_without_outlook: bool = Field(
        True,
        description="Also plan the same period blind to the years after it (the outlook cut to `last`) and "
                    "report the seats that plan would leave stranded in the outlook year, beside this plan's "
                    "(kpis.json: stranded_seats_without_outlook). Costs a second, shorter solve per county.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if not self.first <= self.last <= self.outlook:
            raise ValueError(f"horizon years must run first {self.first} ≤ last {self.last} ≤ outlook {self.outlook}")
        outside = [f"{a}-{b}" for a, b, _ in self.periods if a < self.first or b > self.outlook]
        if outside:
            raise ValueError(f"budget_cny: periods {', '.join(outside)} lie outside the horizon "
                             f"{self.first}-{self.outlook}")
        starts = {self.start_year(action, y) for y in self.years for action in ("build", "expand", "convert")}
        empty = [f"{a}-{b}" if a != b else str(a) for a, b, _ in self.periods
                 if not any(a <= y <= b for y in starts)]
        if empty:
            raise ValueError(f"budget_cny: no work can start in {', '.join(empty)} (work starts in "
                             f"{', '.join(map(str, sorted(y for y in starts if y >= self.first)))} with these "
                             f"model years and lead times): widen the period or set step = 1")
        return self

    @field_validator("budget_cny")
    @classmethod
    def _budgets(cls, value: dict[str, float]) -> dict[str, float]:
        spans = []
        for key, cny in value.items():
            if cny < 0:
                raise ValueError(f"budget_cny: {key} = {cny} is negative")
            first, last = _span(key)
            if first > last:
                raise ValueError(f"budget_cny: period {key} runs backwards")
            spans.append((first, last, key))
        spans.sort()
        for (_, end, key), (start, _, key2) in zip(spans, spans[1:]):
            if start <= end:
                raise ValueError(f"budget_cny: periods {key} and {key2} overlap")
        return value

    @property
    def periods(self) -> list[tuple[int, int, float]]:
        """The budgets as (first year, last year, CNY), in order."""
        return sorted((*_span(key), float(cny)) for key, cny in self.budget_cny.items())

    def start_year(self, action: str, year: int) -> int:
        """The year the work of an action taking effect in ``year`` starts, where its capital is booked: a
        new school and its land ``lead_years`` before it opens, an added block ``expansion_lead_years``
        before; anything else (a refit, rented rooms, a closure) in its year."""
        lead = {"build": self.lead_years, "land": self.lead_years, "expand": self.expansion_lead_years}
        return int(year) - lead.get(action, 0)

    @property
    def years(self) -> list[int]:
        """The model years: the plan period yearly, then every ``step`` years, and the outlook year."""
        out = list(range(self.first, self.last + 1)) + list(range(self.last + self.step, self.outlook, self.step))
        return sorted(set(out) | {self.outlook})


class PlanConfig(Strict):
    """How the optimizer proposes a layout (the scenario's ``[plan]`` table)."""

    budget_cny: float | None = Field(
        None, ge=0,
        description="Capital budget for the whole area (new classes, added classes, land); None = unlimited. "
                    "Split across counties in proportion to what each would spend without a budget; what they "
                    "leave unspent goes to the counties that gain most from it (see optimize/planner.py).",
    )
    weights: Weights = Field(default_factory=Weights, description="Objective weights (CNY equivalents).")
    costs: Costs = Field(default_factory=Costs, description="Unit costs.")
    modules: dict[LevelKey, tuple[int, ...]] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]  # mypy reads the dict literal's keys as str
            "kindergarten": (6, 9, 12), "primary": (12, 18, 24, 30, 36), "junior": (12, 18, 24, 30, 36),
            "high": (24, 36, 48, 60),
        },
        description="Classes a new school of a level may have. Kindergarten 6–12 (Henan 6–18 classes, "
                    "≤360 children per 幼儿园工作规程 = 12 × 30); primary/junior 12–36 (usual module "
                    "series of Henan plans; 36 × 50 = 1,800 ≤ 2,000 cap); high 24–60 (60 × 50 = 3,000 cap).",
    )
    land_per_pupil_m2: dict[LevelKey, float] = Field(
        default_factory=lambda: _by_level(13.0, 15.0, 18.0, 20.0),
        description="Site area per seat a school needs. Primary 15, junior 18, high 20: 开封's plan (rules.md "
                    "§F; old-city / day-school lower bounds; new city 17 / 20, boarding high 25). "
                    "Kindergarten 13: assumption (建标175-2016 order of magnitude).",
    )
    expansion_step: int = Field(6, gt=0, description="Classes added to an existing school at a time (one block).")
    max_added_classes: int = Field(
        12, ge=0, description="At most this many classes added per level of an existing school (assumption).",
    )
    allow_closures: bool = Field(
        False, description="May the plan close underused public schools? Off by default: the plans ask for "
                           "public consultation before a closure (三门峡 八, 驻马店 八).",
    )
    closure_max_utilisation: float = Field(
        0.3, ge=0, le=1,
        description="Only schools used below this share of their seats today may close (assumption: a small, "
                    "emptying rural school).",
    )
    boarding_reach_factor: float = Field(
        1.5, ge=1,
        description="Rural junior/high pupils may travel this many times their reach to a boarding school "
                    "(existing boarding schools; new rural junior/high schools are planned as boarding, "
                    "rules.md §D). Assumption.",
    )
    k_nearest: int = Field(
        8, gt=0, description="Per unit and level, the nearest existing schools and, separately, the nearest "
                             "candidate sites within reach that become assignment variables.",
    )
    soft_rule_penalty_cny: float = Field(
        20_000_000.0, ge=0,
        description="Objective penalty per in-principle (原则上) rule broken by the plan. Assumption: about a "
                    "new school's land; hard rules are constraints.",
    )
    max_variables: int = Field(
        1_500_000, gt=0,
        description="Largest county model built, in variables, estimated from its arrays before building. "
                    "PuLP holds about 0.6 KB per variable with its rows (measured), HiGHS as much again: "
                    "1.5 million is about 2 GB and already beyond a minute of solving on 2 cores.",
    )
    assignment: Literal["fractional", "zones"] = Field(
        "fractional",
        description="How the single-year plan assigns a residential unit's pupils of a level. 'fractional': "
                    "split among the schools within reach as seats allow (the least-cost plan). 'zones': "
                    "whole, as a bureau announces zones (划片招生; 《义务教育法》第十二条: 就近入学): each unit's "
                    "pupils of a level in zoned_levels go to one school within reach (a binary choice per "
                    "unit and school), and a unit no school can seat whole is wholly unmet. Zones are not "
                    "required to be contiguous here (`layoutsim zones --proposed` draws contiguous zones "
                    "on the plan's layout). The run also solves the fractional plan, a second solve per "
                    "county, and reports both (kpis.json: zones_vs_fractional). Not with [plan.horizon].",
    )
    zoned_levels: tuple[LevelKey, ...] = Field(
        ("primary", "junior"),
        description="Levels assigned whole under assignment = 'zones': compulsory education enrols by zone "
                    "(《义务教育法》第十二条; [zones] levels likewise); kindergartens and high schools (中招, by "
                    "examination) do not, so their pupils stay fractional.",
    )
    horizon: Horizon | None = Field(
        None, description="A plan over years (2026–2030, outlook 2035) instead of one target year; see Horizon.",
    )
    time_limit_s: float = Field(60.0, gt=0, description="Time limit per county model (seconds).")
    mip_gap: float = Field(0.01, ge=0, lt=1, description="Relative optimality gap at which a county model stops.")
    solver: Literal["highs", "cbc"] = Field("highs", description="MILP solver: HiGHS (highspy) or CBC.")
    threads: int | None = Field(None, gt=0, description="Solver threads; None = the solver's default.")
    workers: int | None = Field(None, ge=1, le=256, description="County models solved at once: the worker "
                                "processes of the run's dask LocalCluster; None = one per core of the machine; "
                                "1 = in the run's own process, without the hang watchdog (tests, debugging). "
                                "Results do not depend on it.")
    scheduler: str | None = Field(None, description="Address of an existing Dask scheduler to solve the county "
                                  "models on (e.g. \"tcp://10.0.0.5:8786\"; the command line's --scheduler wins); "
                                  "None = on this machine. Its workers need layoutsim at the same version.")

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, value: str | None) -> str | None:
        return None if value is None else scheduler_address(value)

    @field_validator("modules")
    @classmethod
    def _modules(cls, value: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
        bad = [f"{k}: {v}" for k, v in value.items() if not v or any(m <= 0 for m in v)]
        if bad:
            raise ValueError(f"modules need positive class counts: {'; '.join(bad)}")
        return {k: tuple(sorted(set(v))) for k, v in _all_levels(value, "modules").items()}

    @field_validator("land_per_pupil_m2")
    @classmethod
    def _land(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [f"{k} = {v}" for k, v in value.items() if v < 0]
        if bad:
            raise ValueError(f"negative land per pupil: {', '.join(bad)}")
        return _all_levels(value, "land_per_pupil_m2")

    def budget_periods(self) -> list[tuple[int, int, float]]:
        """A plan over years' capital budgets as (first year, last year, CNY): the horizon's by period, or
        ``budget_cny`` over the whole horizon, or none."""
        h = self.horizon or Horizon()
        if h.budget_cny:
            return h.periods
        return [] if self.budget_cny is None else [(h.first, h.outlook, float(self.budget_cny))]

    @model_validator(mode="after")
    def _steps(self) -> PlanConfig:
        if self.horizon is not None and self.assignment == "zones":
            raise ValueError("assignment = \"zones\" is not supported with [plan.horizon]: the plan over years "
                             "assigns pupils fractionally; set assignment = \"fractional\" or remove [plan.horizon] "
                             "(layoutsim zones draws the zones of a year)")
        if self.horizon is not None and self.horizon.budget_cny and self.budget_cny is not None:
            raise ValueError("give the budget either as [plan] budget_cny or by period as [plan.horizon] "
                             "budget_cny, not both")
        if self.max_added_classes and self.max_added_classes < self.expansion_step:
            raise ValueError(f"max_added_classes {self.max_added_classes} is below one expansion_step "
                             f"({self.expansion_step}); set it to 0 to forbid expansions")
        return self


#: A Dask scheduler's address: a protocol Dask speaks, a host and a port.
_SCHEDULER = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+:\d{1,5}$")


def scheduler_address(value: str) -> str:
    """``value`` if it is a Dask scheduler's address (``tcp://10.0.0.5:8786``), else a ValueError saying so.

    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if not _SCHEDULER.match(value.strip()):
        raise ValueError(f"{value!r} is not a Dask scheduler's address: write it as tcp://HOST:PORT "
                         "(e.g. tcp://10.0.0.5:8786, as `dask scheduler` prints it)")
    return value.strip()
