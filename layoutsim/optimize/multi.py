"""The multi-period county model: build, expand, rent, convert and close year by year at least lifetime cost.

One MILP per county over the model years of a :class:`~layoutsim.config.plan.Horizon` (the plan period
yearly, then to the outlook year), on the arrays of the single-year model (:class:`CountyProblem`, built on
each unit's largest demand of any year, so every pair a year needs exists) and the demand of each year.

Variables, by model year ``t`` (all sparse)

- ``f[p,t]``, ``u[i,l,t]``: pupils of a pair and unmet pupils, as in the single-year model;
- ``y[o,t]``: module ``o`` of a candidate opens in year ``t`` (binary, not before the lead time or the
  site's ``earliest_year``); ``v[k,t]``: site ``k`` is taken in year ``t`` (its land);
- ``e[j,l,t]``: expansion blocks whose teaching block opens in ``t`` (integer, after the expansion lead);
- ``q[j,l,t]``: temporary classes in year ``t`` (rented, borrowed or prefab rooms; integer, each year anew);
- ``g[j,a→b,t]``: rooms of level ``a`` used by level ``b`` in year ``t`` (a nine-year school's primary rooms
  for junior, a primary school's rooms for kindergarten classes), ``up`` their increase (refits);
- ``c[j,t]``: school ``j`` closes in year ``t`` (binary, once; its seats are gone from then on).

Constraints: demand each year; capacity each year (today's seats unless closed, + opened blocks, +
temporary, ± converted rooms; new modules once open); one module per level and site, opened once; land
per pupil; expansion room; 先建后撤 each year (a school closes only in a year every unit within its reach
is fully seated); housing-linked and township requirements met by their year; a cap on the capital whose
work starts in each budget period (a county alone), or a price on it (an area's budget shared among its
counties, :mod:`layoutsim.optimize.budget`).

Objective (CNY discounted to ``first``): a building's equivalent annual cost (its cost spread over its
working life) and its rooms' upkeep for every year from its opening to the outlook; land at its
interest; temporary classes' rent and upkeep in their years (at most ``temp_class_years`` per school and
level: a stop-gap for peaks); refits once; what a closure saves (upkeep and the staff its half-empty
classes need beyond what its pupils need elsewhere) from its year on; pupil-km and unmet pupils each year
(the single-year weights are for ten years of schooling: a year counts a tenth). Staff follow pupils at
the staffing norms, the same wherever a pupil sits, so they cancel except in closures; existing rooms'
upkeep is sunk.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

from layoutsim.config.plan import Horizon, PlanConfig
from layoutsim.errors import ScenarioError
from layoutsim.optimize.inputs import L, LEVEL_INDEX, CountyProblem, Note
from layoutsim.optimize.model import HARD_PENALTY_CNY, SCALE, _expr, _value, no_solution_message, solve_model
from layoutsim.solver import Status

log = logging.getLogger(__name__)

#: The single-year weights (pupil-km, unmet) price ten years of schooling; one model year counts this share.
YEAR_SHARE = 0.1

#: Level conversions a school may make: (from, to) and which schools (both levels taught / any public).
CONVERSIONS = (("primary", "junior"), ("junior", "primary"), ("primary", "kindergarten"))


@dataclass(frozen=True)
class Timeline:
    """The model years, how many calendar years each stands for and their discounted weights."""

    years: np.ndarray     # (T,) model years
    span: np.ndarray      # (T,) calendar years each stands for (to the next model year; the last: 1)
    present: np.ndarray   # (T,) Σ of the discount factors of the calendar years it stands for
    discount: np.ndarray  # (T,) discount factor of the model year itself (one-off costs)
    last: int             # index of the plan period's last year

    @classmethod
    def of(cls, horizon: Horizon) -> Timeline:
        years = np.array(horizon.years)
        span = np.append(np.diff(years), 1)
        factor = 1.0 / (1.0 + horizon.discount_rate)
        present = np.array([sum(factor ** (y + k - horizon.first) for k in range(n)) for y, n in zip(years, span)])
        last = int(np.flatnonzero(years <= horizon.last).max())
        return cls(years, span, present, factor ** (years - horizon.first), last)

    def index_from(self, year: float) -> int:
        """The first model year at or after ``year`` (``len(years)`` when there is none)."""
        later = np.flatnonzero(self.years >= year)
        return int(later[0]) if len(later) else len(self.years)

    @property
    def tail(self) -> np.ndarray:
        """Present value of 1 CNY a year from each model year to the end of the outlook."""
        return self.present[::-1].cumsum()[::-1]


@dataclass(frozen=True)
class MultiProblem:
    """One county's multi-period model data: the single-year arrays plus the years."""

    base: CountyProblem
    demand: np.ndarray            # (T, n_u, L) pupils each model year
    timeline: Timeline
    opt_first: np.ndarray         # (n_o,) first model-year index a module may open
    exp_first: int                # first model-year index an expansion block may open
    housing_due: np.ndarray       # (n_h,) model-year index by which each requirement of base.housing is met
    class_year_cny: np.ndarray    # (L,) running cost of a room a year (upkeep; staff follow pupils, see below)
    closure_saving_cny: np.ndarray  # (n_s,) what closing a school saves a year (upkeep and idle staff)
    temp_class_years: float       # temporary classes a school may run per level over the horizon (class-years)
    annuity: float                # equivalent annual cost of 1 CNY of building
    rate: float                   # discount rate (land's annual cost: its interest)
    conversions: np.ndarray       # (n_v, 3) school, from level, to level
    temp_max: np.ndarray          # (n_s, L) temporary classes allowed
    temp_cny: float
    conversion_cny: float
    horizon: Horizon = Horizon()  # lead times: where capital is booked (Horizon.start_year)
    periods: tuple[tuple[int, int], ...] = ()  # budget periods (first, last calendar year)
    budgets: tuple[float, ...] | None = None   # this county's capital cap per period (None: no cap)
    prices: tuple[float, ...] | None = None    # price on each period's capital (the area's budget split)

    # what the planner's worker pool and its failure path read off a problem
    @property
    def county(self) -> str:
        return self.base.county

    @property
    def pair_unit(self) -> np.ndarray:
        return self.base.pair_unit

    @property
    def n_s(self) -> int:
        return self.base.n_s

    @property
    def opt_cand(self) -> np.ndarray:
        return self.base.opt_cand

    @property
    def classes(self) -> np.ndarray:
        """Classes of each existing school and level today."""
        return np.rint(np.divide(self.base.school_cap, self.base.class_size[None, :])).astype(int)


@dataclass(frozen=True)
class MultiSolution:
    """Values of one county's multi-period model, aligned with its problem, and how the solve went."""

    flows: np.ndarray        # (n_p, T)
    unmet: np.ndarray        # (T, n_u, L)
    open_year: np.ndarray    # (n_o,) year a module opens, 0 if never
    blocks: np.ndarray       # (n_s, L, T) expansion blocks opening each year
    temporary: np.ndarray    # (n_s, L, T) temporary classes each year
    converted: np.ndarray    # (n_v, T) rooms converted each year
    close_year: np.ndarray   # (n_s,) year a school closes, 0 if never
    broken: tuple[Note, ...]
    capital_cny: float
    lifetime_cny: float      # discounted cost terms of the objective (CNY)
    capital_by_period: np.ndarray  # (P,) capital whose work starts in each budget period
    site_year: np.ndarray    # (n_c,) year each candidate site is taken (its land bought), 0 if never
    priced_cny: float        # Σ price × capital of the periods: in ``objective`` and ``bound``, not a cost
    status: Status
    objective: float
    bound: float
    gap: float
    seconds: float
    variables: int
    constraints: int
    message: str = ""


def annuity(rate: float, life: int) -> float:
    """Equivalent annual cost of 1 CNY spent now, over ``life`` years at ``rate`` (1/life at rate 0).

    >>> round(annuity(0.08, 50), 5)
    0.08174
    """
    return 1.0 / life if rate == 0 else rate / (1.0 - (1.0 + rate) ** -life)


class _Builder:
    def __init__(self, mp: MultiProblem, cfg: PlanConfig) -> None:
        self.mp, self.cfg, self.pb = mp, cfg, mp.base
        self.prob = pulp.LpProblem(f"years_{mp.county}", pulp.LpMinimize)
        self.obj: list[tuple[pulp.LpVariable, float]] = []
        self.capital: list[tuple[pulp.LpVariable, float, int]] = []  # variable, CNY, year its work starts
        self.lifetime: list[tuple[pulp.LpVariable, float]] = []
        self.soft: list[tuple[pulp.LpVariable, Note]] = []

    def add(self, pairs: list[tuple[pulp.LpVariable, float]], sense: int, rhs: float) -> None:
        if pairs:
            self.prob.addConstraint(pulp.LpConstraint(_expr(pairs), sense=sense, rhs=rhs))

    def cost(self, var: pulp.LpVariable, cny: float) -> None:
        """A cost term (CNY, discounted) in the objective, weighted by ``weights.cost``."""
        self.obj.append((var, self.cfg.weights.cost * cny * SCALE))
        self.lifetime.append((var, cny))

    def build(self) -> None:
        mp, pb, w = self.mp, self.pb, self.cfg.weights
        tl = mp.timeline
        T, tail = len(tl.years), tl.tail
        d = mp.demand
        size = pb.class_size
        # -------------------------------------------------------------- pupils
        self.f: dict[tuple[int, int], pulp.LpVariable] = {}
        for p in range(len(pb.pair_unit)):
            i, li = int(pb.pair_unit[p]), int(pb.pair_level[p])
            for t in np.flatnonzero(d[:, i, li] > 1e-9).tolist():
                v = pulp.LpVariable(f"f{p}_{t}", 0, float(d[t, i, li]))
                self.f[p, int(t)] = v
                km = pb.pair_dist_m[p] / 1000.0
                if w.pupil_km * km > 0:
                    self.obj.append((v, w.pupil_km * YEAR_SHARE * km * tl.present[t] * SCALE))
        self.u = {(int(t), int(i), int(li)): pulp.LpVariable(f"u{t}_{i}_{li}", 0, float(d[t, i, li]))
                  for t, i, li in zip(*np.nonzero(d > 1e-9))}
        for (t, _, _), v in self.u.items():
            self.obj.append((v, w.unmet * YEAR_SHARE * tl.present[t] * SCALE))
        # -------------------------------------------------------------- new schools
        self.y = {(o, t): pulp.LpVariable(f"y{o}_{t}", cat=pulp.LpBinary)
                  for o in range(len(pb.opt_cand)) for t in range(int(mp.opt_first[o]), T)}
        for (o, t), v in self.y.items():
            li = int(pb.opt_level[o])
            building = float(pb.opt_cost[o])
            self.capital.append((v, building, mp.horizon.start_year("build", tl.years[t])))
            self.cost(v, (mp.annuity * building + pb.opt_classes[o] * mp.class_year_cny[li]) * tail[t])
            if pb.opt_penalty[o]:
                self.obj.append((v, float(pb.opt_penalty[o]) * SCALE))
        first_site = {int(k): int(mp.opt_first[pb.opt_cand == k].min()) for k in np.unique(pb.opt_cand)}
        self.v = {(k, t): pulp.LpVariable(f"v{k}_{t}", cat=pulp.LpBinary)
                  for k, t0 in first_site.items() for t in range(t0, T)}
        for (k, t), v in self.v.items():
            land = float(pb.cand_land_cost[k])
            self.capital.append((v, land, mp.horizon.start_year("land", tl.years[t])))
            self.cost(v, mp.rate * land * tail[t])
        # -------------------------------------------------------------- existing schools
        self.e = {(int(j), int(li), t): pulp.LpVariable(f"e{j}_{li}_{t}", 0, int(pb.school_exp_max[j, li]),
                                                         cat=pulp.LpInteger)
                  for j, li in zip(*np.nonzero(pb.school_exp_max > 0)) for t in range(mp.exp_first, T)}
        for (j, li, t), v in self.e.items():
            building = float(pb.added_class_cost[li] * pb.step)
            self.capital.append((v, building, mp.horizon.start_year("expand", tl.years[t])))
            self.cost(v, (mp.annuity * building + pb.step * mp.class_year_cny[li]) * tail[t])
        self.q = {(int(j), int(li), t): pulp.LpVariable(f"q{j}_{li}_{t}", 0, int(mp.temp_max[j, li]),
                                                         cat=pulp.LpInteger)
                  for j, li in zip(*np.nonzero(mp.temp_max > 0)) for t in range(T)}
        for (j, li, t), v in self.q.items():
            self.cost(v, (mp.temp_cny + mp.class_year_cny[li]) * tl.present[t])
        classes = mp.classes
        self.g = {(n, t): pulp.LpVariable(f"g{n}_{t}", 0, int(classes[j, a]), cat=pulp.LpInteger)
                  for n, (j, a, _) in enumerate(mp.conversions) for t in range(T)}
        self.up = {(n, t): pulp.LpVariable(f"r{n}_{t}", 0) for n, t in self.g}
        for (n, t), v in self.up.items():
            self.capital.append((v, mp.conversion_cny, int(tl.years[t])))
            self.cost(v, mp.conversion_cny * tl.discount[t])
            self.add([(v, 1.0), (self.g[n, t], -1.0)] + ([(self.g[n, t - 1], 1.0)] if t else []),
                     pulp.LpConstraintGE, 0.0)
        self.c = {(int(j), t): pulp.LpVariable(f"c{j}_{t}", cat=pulp.LpBinary)
                  for j in np.flatnonzero(pb.school_closable) for t in range(T)}
        for (j, t), v in self.c.items():
            self.cost(v, -float(mp.closure_saving_cny[j]) * tail[t])
        self._demand()
        self._capacity(size)
        self._once()
        self._rules()
        self.priced: list[tuple[pulp.LpVariable, float]] = []
        for p, (a, z) in enumerate(mp.periods):
            spent = [(v, c) for v, c, year in self.capital if a <= year <= z]
            if mp.budgets is not None:
                self.add([(v, c * SCALE) for v, c in spent], pulp.LpConstraintLE, mp.budgets[p] * SCALE)
            if mp.prices is not None and mp.prices[p] > 0:
                self.priced += [(v, mp.prices[p] * c) for v, c in spent]
        self.obj += [(v, c * SCALE) for v, c in self.priced]
        self.prob.setObjective(_expr(self.obj))

    def _demand(self) -> None:
        pb = self.pb
        by_key: dict[tuple[int, int, int], list[pulp.LpVariable]] = {}
        for (p, t), v in self.f.items():
            by_key.setdefault((t, int(pb.pair_unit[p]), int(pb.pair_level[p])), []).append(v)
        for key, uv in self.u.items():
            self.add([(v, 1.0) for v in by_key.get(key, [])] + [(uv, 1.0)], pulp.LpConstraintEQ,
                     float(self.mp.demand[key]))

    def _closed(self, j: int, t: int) -> list[tuple[pulp.LpVariable, float]]:
        """Terms of 'school j is closed in year t' (Σ of its closure variables up to t)."""
        return [(self.c[j, s], 1.0) for s in range(t + 1) if (j, s) in self.c]

    def _capacity(self, size: np.ndarray) -> None:
        mp, pb = self.mp, self.pb
        T = len(mp.timeline.years)
        flows: dict[tuple[int, int, int], list[pulp.LpVariable]] = {}
        for (p, t), v in self.f.items():
            flows.setdefault((int(pb.pair_site[p]), int(pb.pair_level[p]), t), []).append(v)
        conv_in: dict[tuple[int, int], list[int]] = {}
        conv_out: dict[tuple[int, int], list[int]] = {}
        for n, (j, a, b) in enumerate(mp.conversions):
            conv_out.setdefault((int(j), int(a)), []).append(n)
            conv_in.setdefault((int(j), int(b)), []).append(n)
        keys = {(j, li) for j, li in zip(*np.nonzero(pb.school_cap > 0))} | set(conv_in)
        for j, li in sorted((int(a), int(b)) for a, b in keys):
            cap = float(pb.school_cap[j, li])
            for t in range(T):
                row = [(v, 1.0) for v in flows.get((j, li, t), [])]
                if not row:
                    continue
                row += [(v, cap * k) for v, k in self._closed(j, t)]
                row += [(self.e[j, li, s], -float(pb.step * size[li])) for s in range(t + 1) if (j, li, s) in self.e]
                if (j, li, t) in self.q:
                    row.append((self.q[j, li, t], -float(size[li])))
                row += [(self.g[n, t], -float(size[li])) for n in conv_in.get((j, li), [])]
                row += [(self.g[n, t], float(size[li])) for n in conv_out.get((j, li), [])]
                self.add(row, pulp.LpConstraintLE, cap)
        for k in np.unique(pb.opt_cand).tolist():
            for li in np.unique(pb.opt_level[pb.opt_cand == k]).tolist():
                opts = np.flatnonzero((pb.opt_cand == k) & (pb.opt_level == li)).tolist()
                site = pb.n_s + int(k)
                for t in range(T):
                    row = [(v, 1.0) for v in flows.get((site, int(li), t), [])]
                    if row:
                        row += [(self.y[o, s], -float(pb.opt_seats[o])) for o in opts for s in range(t + 1)
                                if (o, s) in self.y]
                        self.add(row, pulp.LpConstraintLE, 0.0)

    def _once(self) -> None:
        """Modules and sites open once, a module only on a taken site; blocks, rooms and closures fit."""
        mp, pb = self.mp, self.pb
        T = len(mp.timeline.years)
        classes = mp.classes
        for k in np.unique(pb.opt_cand).tolist():
            k = int(k)
            self.add([(v, 1.0) for (kk, _), v in self.v.items() if kk == k], pulp.LpConstraintLE, 1.0)
            for li in np.unique(pb.opt_level[pb.opt_cand == k]).tolist():
                opts = np.flatnonzero((pb.opt_cand == k) & (pb.opt_level == li)).tolist()
                for t in range(T):  # open by t only on a site taken by t; one module per level
                    row = [(self.y[o, s], 1.0) for o in opts for s in range(t + 1) if (o, s) in self.y]
                    if row:
                        self.add(row + [(self.v[k, s], -1.0) for s in range(t + 1) if (k, s) in self.v],
                                 pulp.LpConstraintLE, 0.0)
            g = np.flatnonzero(pb.opt_cand == k).tolist()
            if len(np.unique(pb.opt_level[g])) > 1:
                land = [(self.y[o, t], float(pb.opt_seats[o] * pb.land_per_pupil[pb.opt_level[o]]))
                        for o in g for t in range(T) if (o, t) in self.y]
                self.add(land, pulp.LpConstraintLE, float(pb.cand_area[k]))
        closes = {j: [(v, 1.0) for (jj, _), v in self.c.items() if jj == j] for j in {j for j, _ in self.c}}
        for row in closes.values():
            self.add(row, pulp.LpConstraintLE, 1.0)
        blocks: dict[tuple[int, int], list[pulp.LpVariable]] = {}
        for (j, li, _), v in self.e.items():
            blocks.setdefault((j, li), []).append(v)
        for (j, li), vs in blocks.items():
            m = float(pb.school_exp_max[j, li])
            self.add([(v, 1.0) for v in vs] + [(v, m) for v, _ in closes.get(j, [])], pulp.LpConstraintLE, m)
        for j in {j for j, _ in blocks}:
            seats = [(v, float(pb.step * pb.class_size[li])) for (jj, li), vs in blocks.items() if jj == j for v in vs]
            if math.isfinite(pb.school_cap_room[j]):
                self.add(seats, pulp.LpConstraintLE, float(pb.school_cap_room[j]))
            land = [(v, c * float(pb.land_per_pupil[li])) for ((jj, li), vs) in blocks.items() if jj == j
                    for v, c in ((v, float(pb.step * pb.class_size[li])) for v in vs)]
            self.add(land, pulp.LpConstraintLE, float(pb.school_land_room[j]))
        spells: dict[tuple[int, int], list[tuple[pulp.LpVariable, float]]] = {}
        for (j, li, t), v in self.q.items():
            spells.setdefault((j, li), []).append((v, float(mp.timeline.span[t])))
        for row in spells.values():  # a stop-gap for peak years, not a school
            self.add(row, pulp.LpConstraintLE, float(mp.temp_class_years))
        for t in range(T):
            for (j, li, tt), v in self.q.items():
                if tt == t and j in closes:
                    self.add([(v, 1.0)] + [(c, float(mp.temp_max[j, li])) for c, _ in self._closed(j, t)],
                             pulp.LpConstraintLE, float(mp.temp_max[j, li]))
            rooms: dict[tuple[int, int], list[pulp.LpVariable]] = {}
            for n, (j, a, _) in enumerate(mp.conversions):
                rooms.setdefault((int(j), int(a)), []).append(self.g[n, t])
            for (j, a), vs in rooms.items():
                self.add([(v, 1.0) for v in vs], pulp.LpConstraintLE, float(classes[j, a]))

    def _rules(self) -> None:
        mp, pb = self.mp, self.pb
        T = len(mp.timeline.years)
        pen = self.cfg.soft_rule_penalty_cny * SCALE
        for cc in pb.combined:
            g = np.flatnonzero((pb.opt_cand == cc.cand) & np.isin(pb.opt_level, cc.levels)).tolist()
            row = [(self.y[o, t], float(pb.opt_seats[o])) for o in g for t in range(T) if (o, t) in self.y]
            if not cc.hard:
                b = pulp.LpVariable(f"b{len(self.soft)}", cat=pulp.LpBinary)
                row.append((b, -float(pb.opt_seats[g].sum())))
                self.obj.append((b, pen))
                self.soft.append((b, Note("soft rule broken", cc.rule_id, f"{cc.rule_id}：{pb.cand_ids[cc.cand]}超过"
                                          f"{cc.cap:,.0f}人", f"{cc.rule_id}: {pb.cand_ids[cc.cand]} above {cc.cap:,.0f}")))
            self.add(row, pulp.LpConstraintLE, cc.cap)
        for n, (hs, due) in enumerate(zip(pb.housing, mp.housing_due)):
            opts = np.flatnonzero(np.isin(pb.opt_cand, hs.candidates) & (pb.opt_level == hs.level)).tolist()
            row = [(self.y[o, t], 1.0) for o in opts for t in range(min(int(due), T - 1) + 1) if (o, t) in self.y]
            h = pulp.LpVariable(f"h{n}", cat=pulp.LpBinary)
            row.append((h, float(hs.count)))
            self.obj.append((h, HARD_PENALTY_CNY * SCALE if hs.hard else pen))
            self.soft.append((h, Note("hard rule broken" if hs.hard else "soft rule broken", hs.rule_id,
                                      hs.text_zh + f"（未能于{mp.timeline.years[min(int(due), T - 1)]}年前安排）",
                                      hs.text_en + f" (not opened by {mp.timeline.years[min(int(due), T - 1)]})")))
            self.add(row, pulp.LpConstraintGE, float(hs.count))
        # 先建后撤, each year: a school closed by t leaves every unit within its reach fully seated in t
        for (p, t), _ in self.f.items():
            j = int(pb.pair_site[p])
            if j < pb.n_s and pb.school_closable[j]:
                i, li = int(pb.pair_unit[p]), int(pb.pair_level[p])
                dd = float(mp.demand[t, i, li])
                self.add([(self.u[t, i, li], 1.0)] + [(c, dd) for c, _ in self._closed(j, t)], pulp.LpConstraintLE, dd)


def check_config(cfg: PlanConfig) -> None:
    """The multi-period model assigns pupils fractionally: ``[plan] assignment = "zones"`` is refused (a
    scenario says so when it is read, :class:`PlanConfig`; this catches a config copied past validation)."""
    if cfg.assignment != "fractional":
        raise ScenarioError(f"[plan] assignment = {cfg.assignment!r} is not supported with [plan.horizon]: the plan "
                            "over years assigns pupils fractionally")


def solve_years(mp: MultiProblem, cfg: PlanConfig, log_file: Path | None = None) -> MultiSolution:
    """Build and solve one county's multi-period model."""
    check_config(cfg)
    t0 = time.perf_counter()
    b = _Builder(mp, cfg)
    b.build()
    pb, tl = mp.base, mp.timeline
    T, n_o, n_s = len(tl.years), len(pb.opt_cand), pb.n_s
    n_var, n_con = len(b.prob.variables()), len(b.prob.constraints)
    empty = MultiSolution(np.zeros((len(pb.pair_unit), T)), mp.demand.copy(), np.zeros(n_o, int),
                          np.zeros((n_s, L, T), int), np.zeros((n_s, L, T), int), np.zeros((len(mp.conversions), T), int),
                          np.zeros(n_s, int), (), 0.0, 0.0, np.zeros(len(mp.periods)), np.zeros(len(pb.cand_ids), int),
                          0.0, Status.OPTIMAL, 0.0,
                          0.0, 0.0, 0.0, n_var, n_con)
    if n_var == 0:
        return empty
    out = solve_model(b.prob, cfg, pb.county, log_file)
    seconds = time.perf_counter() - t0
    if not out.status.has_solution:
        return dataclasses.replace(empty, status=out.status, seconds=seconds, objective=float("nan"),
                                   bound=float("nan"), gap=float("nan"), message=no_solution_message(cfg))
    flows = np.zeros((len(pb.pair_unit), T))
    for (p, t), v in b.f.items():
        flows[p, t] = max(_value(v), 0.0)
    unmet = np.zeros_like(mp.demand)
    for key, v in b.u.items():
        unmet[key] = max(_value(v), 0.0)
    open_year = np.zeros(n_o, int)
    for (o, t), v in b.y.items():
        if _value(v) > 0.5:
            open_year[o] = int(tl.years[t])
    blocks, temporary = np.zeros((n_s, L, T), int), np.zeros((n_s, L, T), int)
    for (j, li, t), v in b.e.items():
        blocks[j, li, t] = int(round(_value(v)))
    for (j, li, t), v in b.q.items():
        temporary[j, li, t] = int(round(_value(v)))
    converted = np.zeros((len(mp.conversions), T), int)
    for (n, t), v in b.g.items():
        converted[n, t] = int(round(_value(v)))
    site_year = np.zeros(len(pb.cand_ids), int)
    for (k, t), v in b.v.items():
        if _value(v) > 0.5:
            site_year[k] = int(tl.years[t])
    close_year = np.zeros(n_s, int)
    for (j, t), v in b.c.items():
        if _value(v) > 0.5:
            close_year[j] = int(tl.years[t])
    broken = tuple(note for v, note in b.soft if _value(v) > 0.5)
    capital = float(sum(c * _value(v) for v, c, _ in b.capital))
    by_period = np.array([sum(c * _value(v) for v, c, year in b.capital if a <= year <= z) for a, z in mp.periods])
    lifetime = float(sum(c * _value(v) for v, c in b.lifetime))
    priced = float(sum(c * _value(v) for v, c in b.priced))
    objective = float(pulp.value(b.prob.objective) or 0.0) / SCALE
    bound = out.bound / SCALE if math.isfinite(out.bound) else out.bound
    return MultiSolution(flows, unmet, open_year, blocks, temporary, converted, close_year, broken, capital, lifetime,
                         by_period, site_year, priced, out.status, objective, bound, out.gap, seconds, n_var, n_con)


def conversions(pb: CountyProblem) -> np.ndarray:
    """The room conversions each existing school may make (:data:`CONVERSIONS`): between the primary and
    junior sections of a school teaching both, and primary rooms for kindergarten classes at a public
    school teaching primary (the kindergarten class then counts as the school's)."""
    rows = []
    teaches = pb.school_cap > 0
    for j in range(pb.n_s):
        for a, b in CONVERSIONS:
            ia, ib = LEVEL_INDEX[a], LEVEL_INDEX[b]
            both = teaches[j, ia] and teaches[j, ib]
            if (b == "kindergarten" and teaches[j, ia] and pb.school_exp_max[j, ia] > 0) or (b != "kindergarten" and both):
                rows.append((j, ia, ib))
    return np.array(rows, dtype=int).reshape(-1, 3)
