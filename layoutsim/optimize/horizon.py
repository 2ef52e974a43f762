"""A plan over years: the counties' multi-period models (:mod:`layoutsim.optimize.multi`) built from a Region and
the forecast, solved county by county, and read back as a timeline of actions and of every school's years.

:func:`plan_years` returns a :class:`YearsPlan`: the actions by year (``plan_actions.csv``), every school ×
level × model year (``plan_years.csv``), the seats left standing empty in the outlook year (stranded
capacity), and a :class:`~layoutsim.optimize.result.Plan` of the plan period's last year that the map,
report and audit read as they read a single-year plan.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from layoutsim.config.plan import Horizon, PlanConfig
from layoutsim.i18n import LEVEL_ZH
from layoutsim.optimize.inputs import CountyProblem, county_problems
from layoutsim.optimize.model import CountySolution, unsolved
from layoutsim.optimize.budget import BudgetSplit, share
from layoutsim.optimize.multi import MultiProblem, MultiSolution, Timeline, annuity, conversions, solve_years
from layoutsim.optimize.planner import _check_pupils, _contexts, _solve_all, solve_logged
from layoutsim.optimize.result import Plan, assemble, candidate_school_ids, county_tables
from layoutsim.optimize.costs import ordered
from layoutsim.config.scenario import ReachConfig
from layoutsim.region import Region
from layoutsim.rules import Rulebook
from layoutsim.schema import LEVELS, enrolment_col

log = logging.getLogger(__name__)

ACTION_COLUMNS = ("year", "start_year", "until_year", "county", "action", "school", "name", "level", "classes", "seats", "capital_cny",
                  "annual_cny", "reason_zh", "reason_en")
YEAR_COLUMNS = ("school", "name", "county", "level", "year", "classes", "seats", "pupils", "utilisation", "new")
STRANDED_COLUMNS = ("school", "name", "county", "level", "year", "seats", "pupils", "utilisation", "empty_seats")

#: Below this share of its seats used in the outlook year, a school's empty seats count as stranded.
STRANDED_BELOW = 0.6

ACTION_ZH = {"land": "用地", "build": "新建", "expand": "扩建", "temporary": "临时学位", "convert": "调整教室用途",
             "close": "撤并"}


@dataclass(frozen=True, eq=False)
class YearsPlan:
    """A plan over years: its actions, every school's years, stranded seats, and the plan-year view."""

    horizon: Horizon
    plan: Plan                 # the plan period's last year, as a single-year plan (map, report, audit)
    actions: pd.DataFrame      # ACTION_COLUMNS
    years: pd.DataFrame        # YEAR_COLUMNS
    stranded: pd.DataFrame     # STRANDED_COLUMNS (schools and levels below STRANDED_BELOW in the outlook)
    lifetime_cny: float        # discounted cost to the outlook (capital as annual cost, running, rent, savings)
    unmet_by_year: pd.Series   # pupils without a seat in each model year (all counties)
    #: stranded seats in the outlook year of the same plan made blind to the years after the plan period
    #: (None unless ``Horizon.compare_without_outlook``); estimated, see :func:`stranded_without_outlook`
    stranded_without_outlook: float | None = None
    budget: BudgetSplit | None = None  # how the area's budgets were kept (None: no budget)

    @property
    def stranded_seats(self) -> float:
        return float(self.stranded["empty_seats"].sum())

    def township_gap(self, region: Region, seat_gap: pd.DataFrame) -> pd.DataFrame:
        """``seat_gap`` (township, level, year, pupils, seats) with the plan's seats from its first year:
        each calendar year takes the network of the latest model year at or before it."""
        township = dict(zip(region.schools["id"].astype(str), region.schools["township"].astype(str)))
        township.update(zip(self.plan.new_schools["school"].astype(str), self.plan.new_schools["township"].astype(str)))
        planned = self.years.assign(township=self.years["school"].astype(str).map(township))
        wide = planned.pivot_table(index=["township", "level"], columns="year", values="seats", aggfunc="sum")
        h = self.horizon
        later = sorted(y for y in seat_gap["year"].unique() if y >= h.first)
        wide = wide.reindex(columns=sorted(set(wide.columns) | set(later))).ffill(axis=1)[later]
        seats = wide.stack().rename("planned").reset_index()
        out = seat_gap.merge(seats, on=["township", "level", "year"], how="left")
        town_county = dict(zip(region.townships["code"].astype(str), region.townships["county"].astype(str)))
        planned_here = out["township"].astype(str).map(town_county).isin(set(self.years["county"].astype(str)))
        after = (out["year"] >= h.first) & planned_here  # a county without a plan keeps today's seats
        out.loc[after, "seats"] = out.loc[after, "planned"].fillna(0.0)
        return out.drop(columns="planned")


def _staff_cost(staff_ratio: dict[str, float], cfg: PlanConfig) -> np.ndarray:
    """A pupil's staff cost a year by level: a post's cost ÷ pupils per post (the norms)."""
    return np.array([cfg.costs.salary_cny_per_staff_year / staff_ratio[lv] for lv in LEVELS])


def _enrolled(region: Region) -> dict[str, dict[str, np.ndarray]]:
    """Today's pupils of each school by level: county → school id → (L,) array."""
    sc = region.schools
    table = np.column_stack([pd.to_numeric(sc[enrolment_col(lv)], errors="coerce").fillna(0.0).to_numpy(float)
                             for lv in LEVELS]).reshape(len(sc), len(LEVELS))
    out: dict[str, dict[str, np.ndarray]] = {}
    for county, sid, row in zip(sc["county"].astype(str), sc["id"].astype(str), table):
        out.setdefault(county, {})[sid] = row
    return out


def _closure_saving(pb: CountyProblem, staff: np.ndarray, upkeep: np.ndarray,
                    enrolled: dict[str, np.ndarray] | None) -> np.ndarray:
    """What closing each school saves a year: the upkeep of its rooms and the staff its classes need
    beyond what its pupils need elsewhere (staff follow pupils; a half-empty class needs a whole staff)."""
    enrolled = enrolled or {}
    classes = np.rint(pb.school_cap / pb.class_size[None, :])
    pupils = np.array([enrolled.get(str(s), np.zeros(len(LEVELS))) for s in pb.school_ids]).reshape(classes.shape)
    empty_seats = np.clip(pb.school_cap - pupils, 0.0, None)
    return (classes * upkeep[None, :] + empty_seats * staff[None, :]).sum(axis=1)


def year_problems(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, cfg: PlanConfig, reach: ReachConfig,
                  staff_ratio: dict[str, float]) -> list[MultiProblem]:
    """One multi-period problem per county. ``pupils``: ``unit, level, year, pupils`` for the model years."""
    h = cfg.horizon or Horizon()
    tl = Timeline.of(h)
    by_year = pupils[pupils["year"].isin(tl.years)]
    missing = sorted(set(tl.years) - set(by_year["year"]))
    if missing:
        raise ValueError(f"the forecast has no pupils for the plan's years {missing}")
    peak = by_year.groupby(["unit", "level"], as_index=False)["pupils"].max()
    bases = county_problems(region, peak, rulebook, cfg, reach, h.outlook)
    earliest = dict(zip(region.candidates["id"].astype(str),
                        pd.to_numeric(region.candidates["earliest_year"], errors="coerce").fillna(h.first)))
    done = dict(zip(region.residential["id"].astype(str),
                    pd.to_numeric(region.residential["completion_year"], errors="coerce")))
    public = dict(zip(region.schools["id"].astype(str), region.schools["ownership"].astype(str) == "public"))
    enrolled = _enrolled(region)
    wide = by_year.pivot_table(index="unit", columns=["year", "level"], values="pupils", aggfunc="sum").fillna(0.0)
    staff = _staff_cost(staff_ratio, cfg)
    upkeep = np.full(len(LEVELS), cfg.costs.upkeep_cny_per_class_year)
    out = []
    for pb in bases:
        demand = np.zeros((len(tl.years), len(pb.unit_ids), len(LEVELS)))
        rows = wide.reindex(pb.unit_ids).fillna(0.0)
        for t, year in enumerate(tl.years):
            for li, lv in enumerate(LEVELS):
                if (year, lv) in rows.columns:
                    demand[t, :, li] = np.clip(rows[(year, lv)].to_numpy(float), 0.0, None)
        opt_first = np.array([tl.index_from(max(h.first + h.lead_years, earliest.get(str(pb.cand_ids[k]), h.first)))
                              for k in pb.opt_cand], dtype=int)
        due = []
        for hs in pb.housing:
            if hs.unit >= 0:  # a housing-linked school: open when the estate is lived in, lead time allowing
                year = done.get(str(pb.unit_ids[hs.unit]), np.nan)
                due.append(tl.index_from(max(h.first + h.lead_years, year if np.isfinite(year) else h.first)))
            else:  # a township's or county's school: within the plan period
                due.append(max(tl.last, tl.index_from(h.first + h.lead_years)))
        temp = np.where((pb.school_cap > 0) & np.array([public.get(str(s), False) for s in pb.school_ids], dtype=bool)[:, None],
                        cfg.costs.temporary_max_classes, 0).astype(int).reshape(pb.n_s, len(LEVELS))
        out.append(MultiProblem(
            base=pb, demand=demand, timeline=tl, opt_first=opt_first,
            exp_first=tl.index_from(h.first + h.expansion_lead_years), housing_due=np.array(due, dtype=int),
            class_year_cny=upkeep, annuity=annuity(h.discount_rate, h.life_years), rate=h.discount_rate,
            closure_saving_cny=_closure_saving(pb, staff, upkeep, enrolled.get(pb.county)),
            temp_class_years=cfg.costs.temporary_max_classes * cfg.costs.temporary_max_years,
            conversions=conversions(pb), temp_max=temp, temp_cny=cfg.costs.temporary_cny_per_class_year,
            conversion_cny=cfg.costs.conversion_cny_per_class, horizon=h))
    return out


def _solve_one(mp: MultiProblem, config: PlanConfig, log_dir: Path | None = None) -> MultiSolution:
    return solve_logged(solve_years, mp, config, log_dir)  # type: ignore[no-any-return]


def _view(mp: MultiProblem, sol: MultiSolution | CountySolution, t: int) -> CountySolution:
    """The multi-period solution as a single-year one in model year ``t`` (for the plan's tables)."""
    if isinstance(sol, CountySolution):  # the county failed: nothing built, every pupil of the year unmet
        return unsolved(mp.base, sol.status, sol.seconds, sol.message)
    built = sol.open_year > 0
    flows = sol.flows[:, t]
    return CountySolution(flows, sol.unmet[t], built, sol.blocks.sum(axis=2), sol.close_year > 0, sol.broken,
                          sol.capital_cny, sol.status, sol.objective, sol.bound, sol.gap, sol.seconds, sol.variables,
                          sol.constraints, sol.message)


def _site_ids(pb: CountyProblem, sol: MultiSolution) -> dict[int, dict[str, str]]:
    levels: dict[int, list[str]] = {}
    for o in np.flatnonzero(sol.open_year > 0).tolist():
        levels.setdefault(int(pb.opt_cand[o]), []).append(LEVELS[pb.opt_level[o]])
    return {k: candidate_school_ids(str(pb.cand_ids[k]), ordered(lv)) for k, lv in levels.items()}


def _served(mp: MultiProblem, sol: MultiSolution) -> np.ndarray:
    """Pupils by site, level and model year, shape (n_s + n_c, L, T)."""
    pb = mp.base
    out = np.zeros((pb.n_s + len(pb.cand_ids), len(LEVELS), len(mp.timeline.years)))
    np.add.at(out, (pb.pair_site, pb.pair_level), sol.flows)
    return out


def timeline_tables(mp: MultiProblem, sol: MultiSolution, names: np.ndarray, cand_names: np.ndarray
                    ) -> tuple[list[dict], list[dict]]:
    """One county's actions and school-years (rows of ACTION_COLUMNS and YEAR_COLUMNS)."""
    pb, tl = mp.base, mp.timeline
    years, T = tl.years, len(tl.years)
    served = _served(mp, sol)
    ids = _site_ids(pb, sol)
    size = pb.class_size
    actions: list[dict] = []
    rows: list[dict] = []
    for k in np.flatnonzero(sol.site_year > 0).tolist():  # the land, bought in the year the site is taken
        actions.append({
            "year": int(sol.site_year[k]), "county": pb.county, "action": "land", "school": str(pb.cand_ids[k]),
            "name": str(cand_names[k]), "level": "", "classes": 0, "seats": 0.0,
            "capital_cny": float(pb.cand_land_cost[k]), "annual_cny": 0.0,
            "reason_zh": f"{int(sol.site_year[k])}年起用地（新建学校的土地）",
            "reason_en": f"the site, for the new school(s) on it, from {int(sol.site_year[k])}"})
    for o in np.argsort(sol.open_year, kind="stable"):
        if sol.open_year[o] == 0:
            continue
        k, li = int(pb.opt_cand[o]), int(pb.opt_level[o])
        lv, t0 = LEVELS[li], tl.index_from(sol.open_year[o])
        first, end = served[pb.n_s + k, li, t0], served[pb.n_s + k, li, -1]
        actions.append({
            "year": int(sol.open_year[o]), "county": pb.county, "action": "build", "school": ids[k][lv],
            "name": str(cand_names[k]), "level": lv, "classes": int(pb.opt_classes[o]),
            "seats": float(pb.opt_seats[o]), "capital_cny": float(pb.opt_cost[o]),
            "annual_cny": float(pb.opt_classes[o] * mp.class_year_cny[li]),
            "reason_zh": f"{int(sol.open_year[o])}年起{LEVEL_ZH[lv]}学位不足：开学当年就读{first:,.0f}人，"
                         f"{int(years[-1])}年{end:,.0f}人",
            "reason_en": f"{lv} seats short from {int(sol.open_year[o])}: {first:,.0f} pupils in its first year, "
                         f"{end:,.0f} in {int(years[-1])}"})
        for t in range(t0, T):
            rows.append(_year_row(ids[k][lv], str(cand_names[k]), pb.county, lv, int(years[t]),
                                  int(pb.opt_classes[o]), float(pb.opt_seats[o]), served[pb.n_s + k, li, t], True))
    conv_in = np.zeros((pb.n_s, len(LEVELS), T))
    for n, (j, a, b) in enumerate(mp.conversions):
        conv_in[j, b] += sol.converted[n]
        conv_in[j, a] -= sol.converted[n]
        before = 0
        for t in range(T):
            now = int(sol.converted[n, t])
            if now != before:
                more = now > before
                actions.append({
                    "year": int(years[t]), "county": pb.county, "action": "convert", "school": str(pb.school_ids[j]),
                    "name": str(names[j]), "level": LEVELS[b] if more else LEVELS[a], "classes": abs(now - before),
                    "seats": float(abs(now - before) * size[b if more else a]),
                    "capital_cny": mp.conversion_cny * max(now - before, 0), "annual_cny": 0.0,
                    "reason_zh": f"{abs(now - before)}间{LEVEL_ZH[LEVELS[a if more else b]]}教室改作"
                                 f"{LEVEL_ZH[LEVELS[b if more else a]]}使用",
                    "reason_en": f"{abs(now - before)} {LEVELS[a if more else b]} room(s) used for "
                                 f"{LEVELS[b if more else a]}"})
            before = now
    for j in range(pb.n_s):
        closed_from = tl.index_from(sol.close_year[j]) if sol.close_year[j] else T
        if sol.close_year[j]:
            actions.append({
                "year": int(sol.close_year[j]), "county": pb.county, "action": "close", "school": str(pb.school_ids[j]),
                "name": str(names[j]), "level": ";".join(LEVELS[li] for li in np.flatnonzero(pb.school_cap[j] > 0)),
                "classes": int(mp.classes[j].sum()), "seats": float(pb.school_cap[j].sum()), "capital_cny": 0.0,
                "annual_cny": -float(mp.closure_saving_cny[j]),
                "reason_zh": f"{int(sol.close_year[j])}年起学生由周边学校接收（先建后撤）",
                "reason_en": f"its pupils are seated nearby from {int(sol.close_year[j])} (build before closing)"})
        for li in range(len(LEVELS)):
            if pb.school_cap[j, li] <= 0 and not conv_in[j, li].any():
                continue
            lv = LEVELS[li]
            for t in np.flatnonzero(sol.blocks[j, li]).tolist():
                added = int(sol.blocks[j, li, t] * pb.step)
                actions.append({
                    "year": int(years[t]), "county": pb.county, "action": "expand", "school": str(pb.school_ids[j]),
                    "name": str(names[j]), "level": lv, "classes": added, "seats": float(added * size[li]),
                    "capital_cny": float(added * pb.added_class_cost[li]),
                    "annual_cny": float(added * mp.class_year_cny[li]),
                    "reason_zh": f"{int(years[t])}年起{LEVEL_ZH[lv]}学位不足，加建{added}个班",
                    "reason_en": f"{lv} seats short from {int(years[t])}: add {added} classes"})
            for t in np.flatnonzero(sol.temporary[j, li]).tolist():
                n = int(sol.temporary[j, li, t])
                actions.append({
                    "year": int(years[t]), "county": pb.county, "action": "temporary", "school": str(pb.school_ids[j]),
                    "name": str(names[j]), "level": lv, "classes": n, "seats": float(n * size[li]),
                    "until_year": int(years[t] + tl.span[t] - 1),
                    "capital_cny": 0.0, "annual_cny": float(n * (mp.temp_cny + mp.class_year_cny[li])),
                    "reason_zh": f"{int(years[t])}年高峰：租借或临时教室{n}间",
                    "reason_en": f"peak in {int(years[t])}: {n} rented, borrowed or prefab classroom(s)"})
            blocks = np.cumsum(sol.blocks[j, li]) * pb.step
            for t in range(T):
                open_ = t < closed_from
                classes = int((mp.classes[j, li] + blocks[t] + sol.temporary[j, li, t] + conv_in[j, li, t]) * open_)
                rows.append(_year_row(str(pb.school_ids[j]), str(names[j]), pb.county, lv, int(years[t]), classes,
                                      float(classes * size[li]), served[j, li, t], False))
    return actions, rows


def _year_row(school: str, name: str, county: str, level: str, year: int, classes: int, seats: float,
              pupils: float, new: bool) -> dict:
    return {"school": school, "name": name, "county": county, "level": level, "year": year, "classes": classes,
            "seats": seats, "pupils": float(pupils), "utilisation": pupils / seats if seats > 0 else float("nan"),
            "new": new}


def stranded(years: pd.DataFrame, outlook: int) -> pd.DataFrame:
    """Schools and levels used below :data:`STRANDED_BELOW` of their seats in the outlook year, with their
    empty seats (seats − pupils): capacity the plan built or kept that the outlook leaves standing."""
    last = years[(years["year"] == outlook) & (years["seats"] > 0)]
    low = last[last["pupils"] < STRANDED_BELOW * last["seats"]]
    return low.assign(empty_seats=low["seats"] - low["pupils"])[list(STRANDED_COLUMNS)].reset_index(drop=True)


def plan_years(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, config: PlanConfig, reach: ReachConfig, *,
               staff_ratio: dict[str, float], log_dir: Path | None = None) -> YearsPlan:
    """Propose what to build, expand, rent, convert and close in which year, county by county.

    ``pupils``: ``unit, level, year, pupils`` covering the horizon's model years (the forecast's table).
    ``staff_ratio``: pupils per staff post by level, for the running cost of a class (the forecast's norms).
    """
    _check_pupils(pupils)
    h = config.horizon or Horizon()
    problems = year_problems(region, pupils, rulebook, config, reach, staff_ratio)

    def solve(mps: list[MultiProblem]) -> list:
        return _solve_all(mps, config, log_dir, solve=_solve_one)  # type: ignore[arg-type]

    split = None
    if config.budget_periods():
        problems, solutions, split = share(problems, solve, config.budget_periods(), h.split_rounds)
    else:
        solutions = solve(problems)
    bases = [mp.base for mp in problems]
    contexts = _contexts(region, bases, h.last)
    t_last = problems[0].timeline.last if problems else 0
    views = [_view(mp, sol, t_last) for mp, sol in zip(problems, solutions)]
    parts = [(pb, view, county_tables(pb, view, ctx, config)) for pb, view, ctx in zip(bases, views, contexts)]
    plan = assemble(h.last, parts)
    actions: list[dict] = []
    rows: list[dict] = []
    lifetime = 0.0
    years = Timeline.of(h).years
    unmet = np.zeros(len(years))
    for mp, sol, ctx in zip(problems, solutions, contexts):
        if isinstance(sol, MultiSolution) and sol.status.has_solution:
            a, r = timeline_tables(mp, sol, ctx.school_names, ctx.cand["name"].to_numpy())
            actions += a
            rows += r
            lifetime += sol.lifetime_cny
            unmet += sol.unmet.sum(axis=(1, 2))
        else:  # no plan for the county: all its pupils are without one
            unmet += mp.demand.sum(axis=(1, 2))
    action_table = pd.DataFrame(actions, columns=[c for c in ACTION_COLUMNS if c != "start_year"])
    action_table["until_year"] = action_table["until_year"].astype("Int64")  # temporary classes: rented until
    action_table.insert(1, "start_year", [h.start_year(a, y) for a, y in zip(action_table["action"],
                                                                             action_table["year"])])
    order = {a: i for i, a in enumerate(ACTION_ZH)}
    action_table = action_table.sort_values(["year", "county", "action"], key=lambda s: s.map(order) if s.name == "action"
                                            else s, kind="stable").reset_index(drop=True)
    year_table = pd.DataFrame(rows, columns=list(YEAR_COLUMNS))
    plan = dataclasses.replace(plan, new_schools=_dated(plan.new_schools, action_table, "build", h),
                               expansions=_dated(plan.expansions, action_table, "expand", h),
                               closures=_dated(plan.closures, action_table, "close", h))
    blind = None
    if h.compare_without_outlook and h.outlook > h.last:
        short = config.model_copy(update={"horizon": h.model_copy(update={"outlook": h.last,
                                                                          "compare_without_outlook": False})})
        myopic = plan_years(region, pupils, rulebook, short, reach, staff_ratio=staff_ratio)
        blind = stranded_without_outlook(myopic.years, pupils, region, h.last, h.outlook)
    return YearsPlan(h, plan, action_table, year_table, stranded(year_table, h.outlook), lifetime,
                     pd.Series(unmet, index=pd.Index(years, name="year"), name="unmet"), blind, split)


def stranded_without_outlook(years: pd.DataFrame, pupils: pd.DataFrame, region: Region, last: int,
                             outlook: int) -> float:
    """Stranded seats in ``outlook`` of a plan that saw only the years to ``last``: its network of ``last``
    kept, each school's pupils of ``last`` scaled by its county's change of pupils of that level from
    ``last`` to ``outlook`` (an estimate: the plan makes no decisions after ``last`` to assign by)."""
    county_of = dict(zip(region.residential["id"].astype(str), region.units_county()))
    demand = pupils.assign(county=pupils["unit"].astype(str).map(county_of))
    totals = demand[demand["year"].isin([last, outlook])].pivot_table(
        index=["county", "level"], columns="year", values="pupils", aggfunc="sum").fillna(0.0)
    change = (totals[outlook] / totals[last].where(totals[last] > 0)).fillna(1.0)
    at_last = years[years["year"] == last]
    factor = [change.get((c, lv), 1.0) for c, lv in zip(at_last["county"].astype(str), at_last["level"])]
    scaled = at_last.assign(pupils=at_last["pupils"] * np.asarray(factor, dtype=float), year=outlook)
    return float(stranded(scaled, outlook)["empty_seats"].sum())


def _dated(table: pd.DataFrame, actions: pd.DataFrame, kind: str, h: Horizon) -> pd.DataFrame:
    """A plan table with the year the model opens each school (or its first block, or closes it):
    ``open_by``, and ``start_by`` = open_by − the lead time (the phasing a single-year plan works out
    afterwards)."""
    first = actions[actions["action"] == kind]
    if kind != "expand":
        year = first.groupby("school")["year"].min()
        opened = table["school"].map(year)
    else:
        year = first.groupby(["school", "level"])["year"].min()
        opened = pd.Series([year.get((s, lv)) for s, lv in zip(table["school"], table["level"])], index=table.index)
    out = table.assign(needed_year=opened, open_by=opened)
    out["start_by"] = [max(h.start_year(kind, y), h.first) if pd.notna(y) else np.nan for y in out["open_by"]]
    return out.sort_values(["open_by", "county"], kind="stable").reset_index(drop=True) if len(out) else out
