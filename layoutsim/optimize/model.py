"""The county MILP, built from a :class:`CountyProblem`'s arrays and solved with PuLP (HiGHS or CBC).

Variables (all sparse: only what the arrays list)

- ``f[p]``   pupils of pair ``p`` (unit, level, site within reach), continuous;
- ``u[i,l]`` unmet pupils of unit ``i`` at level ``l`` (continuous, heavily weighted: the model is always
  feasible, shortfalls are a result);
- ``z[o]``   candidate ``k`` opens level ``l`` with module ``m`` classes (binary), ``o[k]`` the site is used;
- ``e[j,l]`` expansion blocks (``expansion_step`` classes) added to existing school ``j`` (integer);
- ``x[j]``   existing school ``j`` closes (binary, only for closable schools);
- ``h``, ``b`` soft-rule slacks (a housing-linked rule or a combined size cap broken, penalised).

Constraints: demand (``Σ f + u = d``), capacity of existing and new schools, one module per level and
site, land per pupil on the site, combined size caps of nine-/twelve-year schools, expansion room (size cap
and land), 先建后撤 (closing ``j`` needs every unit within its reach fully seated), housing-linked sites,
budget. Objective (CNY equivalents, scaled to 万元): cost × capital − savings + pupil-km + unmet + penalties.

Whole units (``[plan] assignment = "zones"``, for the levels of ``zoned_levels``): ``f[p]`` and ``u[i,l]``
are binary and stand for the unit's whole demand ``d[i,l]`` (each appears with coefficient ``d`` wherever a
pupil count is meant), so demand reads ``Σ f + u = 1``: the unit's pupils of the level go to one school
within reach, or, when no school can seat them all, they are all unmet (never split between a school and
unmet). Zones are not kept contiguous here; ``layoutsim zones --proposed`` draws contiguous zones on the
layout found (:mod:`layoutsim.optimize.zones`).
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pulp

from layoutsim.errors import SolverError
from layoutsim.config.plan import PlanConfig
from layoutsim.optimize.inputs import L, LEVEL_INDEX, CountyProblem, Note
from layoutsim.schema import LEVELS
from layoutsim.solver import Outcome, Status, solve

log = logging.getLogger(__name__)

SCALE = 1e-4  # objective in 万元
#: Penalty (CNY) of a hard rule broken because nothing else is feasible (e.g. the budget): above any plan's cost.
HARD_PENALTY_CNY = 1e10


@dataclass(frozen=True)
class CountySolution:
    """Values of one county model, as arrays aligned with its problem, and how the solve went."""

    flows: np.ndarray        # (n_p,) pupils per pair
    unmet: np.ndarray        # (n_u, L)
    opened: np.ndarray       # (n_o,) bool, module options chosen
    expand: np.ndarray       # (n_s, L) expansion blocks
    closed: np.ndarray       # (n_s,) bool
    broken: tuple[Note, ...]  # rules the plan breaks (a slack taken)
    capital_cny: float
    status: Status
    objective: float
    bound: float
    gap: float
    seconds: float
    variables: int
    constraints: int
    message: str = ""        # why there is no plan (failed or no solution), for plan_solver.csv
    recognised: np.ndarray | None = None  # (n_s,) bool: private kindergartens made 普惠 (认定普惠)


def _expr(pairs: list[tuple[pulp.LpVariable, float]]) -> pulp.LpAffineExpression:
    """The sum of ``coefficient × variable``; a variable named twice gets the sum of its coefficients
    (PuLP's own constructor keeps only the last)."""
    coef: dict[pulp.LpVariable, float] = {}
    for var, c in pairs:
        coef[var] = coef.get(var, 0.0) + c
    return pulp.LpAffineExpression(list(coef.items()))


def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by equal key (keys: 1-D int array)."""
    if len(keys) == 0:
        return []
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(order, cuts)


class _Builder:
    def __init__(self, pb: CountyProblem, cfg: PlanConfig) -> None:
        self.pb, self.cfg = pb, cfg
        self.prob = pulp.LpProblem(f"layout_{pb.county}", pulp.LpMinimize)
        self.obj: list[tuple[pulp.LpVariable, float]] = []
        self.capital: list[tuple[pulp.LpVariable, float]] = []

    def add(self, pairs: list[tuple[pulp.LpVariable, float]], sense: int, rhs: float) -> None:
        if pairs:
            self.prob.addConstraint(pulp.LpConstraint(_expr(pairs), sense=sense, rhs=rhs))

    def build(self) -> None:
        pb, w = self.pb, self.cfg.weights
        n_u, n_s, n_c = len(pb.unit_ids), pb.n_s, pb.n_c
        d = pb.demand
        # ------------------------------------------------------------------ variables
        # pupils a variable stands for: 1 (continuous pupils), or, for a level assigned whole, the unit's
        # demand (a binary: the whole unit goes there)
        self.whole = whole_levels(self.cfg)
        pair_d = d[pb.pair_unit, pb.pair_level] if len(pb.pair_unit) else np.zeros(0)
        self.fs = np.where(self.whole[pb.pair_level], pair_d, 1.0) if len(pb.pair_unit) else np.zeros(0)
        self.f = [pulp.LpVariable(f"f{p}", cat=pulp.LpBinary) if self.whole[pb.pair_level[p]]
                  else pulp.LpVariable(f"f{p}", 0, float(pair_d[p])) for p in range(len(pb.pair_unit))]
        self.u = {(i, li): pulp.LpVariable(f"u{i}_{li}", cat=pulp.LpBinary) if self.whole[li]
                  else pulp.LpVariable(f"u{i}_{li}", 0, float(d[i, li]))
                  for i, li in zip(*np.nonzero(d > 1e-9))}
        self.us = {(i, li): float(d[i, li]) if self.whole[li] else 1.0 for i, li in self.u}
        self.z = [pulp.LpVariable(f"z{o}", cat=pulp.LpBinary) for o in range(len(pb.opt_cand))]
        self.o = {int(k): pulp.LpVariable(f"o{k}", cat=pulp.LpBinary) for k in np.unique(pb.opt_cand)}
        self.e = {(int(j), int(li)): pulp.LpVariable(f"e{j}_{li}", 0, int(pb.school_exp_max[j, li]), cat=pulp.LpInteger)
                  for j, li in zip(*np.nonzero(pb.school_exp_max > 0))}
        self.x = {int(j): pulp.LpVariable(f"x{j}", cat=pulp.LpBinary) for j in np.flatnonzero(pb.school_closable)}
        # ------------------------------------------------------------------ objective and capital
        km = pb.pair_dist_m / 1000.0
        self.obj += [(v, w.pupil_km * km[p] * self.fs[p] * SCALE) for p, v in enumerate(self.f)
                     if w.pupil_km * km[p] > 0]
        self.obj += [(v, w.unmet * self.us[key] * SCALE) for key, v in self.u.items()]
        for o, v in enumerate(self.z):
            self.capital.append((v, float(pb.opt_cost[o])))
            self.obj.append((v, (w.cost * pb.opt_cost[o] + pb.opt_penalty[o]) * SCALE))
        for k, v in self.o.items():
            self.capital.append((v, float(pb.cand_land_cost[k])))
            self.obj.append((v, w.cost * pb.cand_land_cost[k] * SCALE))
        for (j, li), v in self.e.items():
            c = float(pb.added_class_cost[li] * pb.step)
            self.capital.append((v, c))
            self.obj.append((v, w.cost * c * SCALE))
        self.obj += [(v, -w.cost * pb.school_saving[j] * SCALE) for j, v in self.x.items()]
        self._demand(n_u)
        self._capacity(n_s, n_c)
        self._rules()
        self._inclusive()
        if pb.budget_cny is not None:
            self.add([(v, c * SCALE) for v, c in self.capital], pulp.LpConstraintLE, pb.budget_cny * SCALE)
        self.prob.setObjective(_expr(self.obj))

    def _demand(self, n_u: int) -> None:
        pb = self.pb
        key = pb.pair_unit * L + pb.pair_level
        by_key = {int(key[g[0]]): g for g in _groups(key)}
        for (i, li), uv in self.u.items():
            g = by_key.get(i * L + li, ())
            if self.whole[li]:  # the unit whole: one school, or all unmet
                self.add([(self.f[p], 1.0) for p in g] + [(uv, 1.0)], pulp.LpConstraintEQ, 1.0)
            else:
                self.add([(self.f[p], 1.0) for p in g] + [(uv, 1.0)], pulp.LpConstraintEQ,
                         float(self.pb.demand[i, li]))

    def _capacity(self, n_s: int, n_c: int) -> None:
        pb = self.pb
        key = pb.pair_site * L + pb.pair_level
        for g in _groups(key):
            site, li = divmod(int(key[g[0]]), L)
            row = [(self.f[p], float(self.fs[p])) for p in g]
            if site < n_s:
                cap = float(pb.school_cap[site, li])
                if (site, li) in self.e:
                    row.append((self.e[site, li], -float(pb.step * pb.class_size[li])))
                if site in self.x:
                    row.append((self.x[site], cap))
                self.add(row, pulp.LpConstraintLE, cap)
            else:
                k = site - n_s
                opts = np.flatnonzero((pb.opt_cand == k) & (pb.opt_level == li))
                self.add(row + [(self.z[o], -float(pb.opt_seats[o])) for o in opts], pulp.LpConstraintLE, 0.0)
        # expansions: none at a closing school; size-cap and land room of the whole school
        for (j, li), v in self.e.items():
            if j in self.x:
                m = float(pb.school_exp_max[j, li])
                self.add([(v, 1.0), (self.x[j], m)], pulp.LpConstraintLE, m)
        for j in {j for j, _ in self.e}:
            es = [(li, v) for (jj, li), v in self.e.items() if jj == j]
            seats = [(v, float(pb.step * pb.class_size[li])) for li, v in es]
            if math.isfinite(pb.school_cap_room[j]):
                self.add(seats, pulp.LpConstraintLE, float(pb.school_cap_room[j]))
            land = [(v, c * float(pb.land_per_pupil[li])) for (li, v), (_, c) in zip(es, seats)]
            self.add(land, pulp.LpConstraintLE, float(pb.school_land_room[j]))
        # candidates: one module per level, the site used, land per pupil on the site
        for g in _groups(pb.opt_cand * L + pb.opt_level):
            k = int(pb.opt_cand[g[0]])
            self.add([(self.z[o], 1.0) for o in g] + [(self.o[k], -1.0)], pulp.LpConstraintLE, 0.0)
        for g in _groups(pb.opt_cand):
            k = int(pb.opt_cand[g[0]])
            if len(np.unique(pb.opt_level[g])) > 1:
                land = [(self.z[o], float(pb.opt_seats[o] * pb.land_per_pupil[pb.opt_level[o]])) for o in g]
                self.add(land + [(self.o[k], -float(pb.cand_area[k]))], pulp.LpConstraintLE, 0.0)
            self.add([(self.o[k], 1.0)] + [(self.z[o], -1.0) for o in g], pulp.LpConstraintLE, 0.0)

    def _rules(self) -> None:
        pb = self.pb
        pen = self.cfg.soft_rule_penalty_cny * SCALE
        self.soft: list[tuple[pulp.LpVariable, Note]] = []
        for cc in pb.combined:
            k, levels, cap, hard, rule_id = cc.cand, cc.levels, cc.cap, cc.hard, cc.rule_id
            g = np.flatnonzero((pb.opt_cand == k) & np.isin(pb.opt_level, levels))
            row = [(self.z[o], float(pb.opt_seats[o])) for o in g]
            if not hard:
                big = float(pb.opt_seats[g].sum())
                b = pulp.LpVariable(f"b{len(self.soft)}", cat=pulp.LpBinary)
                row.append((b, -big))
                self.obj.append((b, pen))
                self.soft.append((b, Note("soft rule broken", rule_id, f"{rule_id}：{pb.cand_ids[k]}超过{cap:,.0f}人",
                                          f"{rule_id}: {pb.cand_ids[k]} above {cap:,.0f} pupils")))
            self.add(row, pulp.LpConstraintLE, cap)
        for n, hs in enumerate(pb.housing):
            opts = np.flatnonzero(np.isin(pb.opt_cand, hs.candidates) & (pb.opt_level == hs.level))
            row = [(self.z[o], 1.0) for o in opts]
            # a hard rule's slack costs more than any school, so it is used only when nothing else is
            # feasible (a budget below the tied school's cost): the model stays feasible and says so
            h = pulp.LpVariable(f"h{n}", cat=pulp.LpBinary)
            row.append((h, float(hs.count)))
            self.obj.append((h, HARD_PENALTY_CNY * SCALE if hs.hard else pen))
            self.soft.append((h, Note("hard rule broken" if hs.hard else "soft rule broken", hs.rule_id,
                                      hs.text_zh + "（未能安排）",
                                      hs.text_en + (" (not opened: hard rule broken)" if hs.hard else " (not opened)"))))
            self.add(row, pulp.LpConstraintGE, float(hs.count))
        # 先建后撤: closing j needs every unit within its reach seated in full
        if self.x:
            n_s = pb.n_s
            for p in np.flatnonzero(np.isin(pb.pair_site, list(self.x)) & (pb.pair_site < n_s)):
                i, li, j = int(pb.pair_unit[p]), int(pb.pair_level[p]), int(pb.pair_site[p])
                d = float(pb.demand[i, li])
                self.add([(self.u[i, li], self.us[i, li]), (self.x[j], d)], pulp.LpConstraintLE, d)

    def _inclusive(self) -> None:
        """普惠 coverage planned for: the county's kindergarten children at public or 普惠 kindergartens (today's,
        new ones, which are public, and private ones the plan makes 普惠 at a subsidy) are at least
        ``kg_share`` of all its kindergarten children. A shortfall the levers cannot close is a slack at a
        hard rule's price, reported as the rule broken."""
        pb = self.pb
        self.r: dict[int, pulp.LpVariable] = {}
        if pb.kg_share is None:
            return
        kg = LEVEL_INDEX["kindergarten"]
        rows = np.flatnonzero(pb.pair_level == kg)
        if len(rows) == 0:
            return
        total = [(self.f[p], float(pb.kg_share) * float(self.fs[p])) for p in rows]
        counted: list[tuple[pulp.LpVariable, float]] = []
        by_site: dict[int, list[int]] = {}
        for p in rows:
            by_site.setdefault(int(pb.pair_site[p]), []).append(int(p))
        for site, ps in by_site.items():
            if site >= pb.n_s or pb.school_inclusive[site]:
                counted += [(self.f[p], float(self.fs[p])) for p in ps]
            else:  # a private kindergarten: 普惠 only if recognised
                r = pulp.LpVariable(f"r{site}", cat=pulp.LpBinary)
                g = pulp.LpVariable(f"g{site}", 0)
                self.r[site] = r
                self.obj.append((r, self.cfg.weights.cost * float(pb.school_subsidy[site]) * SCALE))
                self.add([(g, 1.0)] + [(self.f[p], -float(self.fs[p])) for p in ps], pulp.LpConstraintLE, 0.0)
                self.add([(g, 1.0), (r, -float(pb.school_cap[site, kg]))], pulp.LpConstraintLE, 0.0)
                counted.append((g, 1.0))
        short = pulp.LpVariable("kg_share_short", 0)
        self.obj.append((short, HARD_PENALTY_CNY / 1000.0 * SCALE))  # per child: above any lever's cost
        self.soft.append((short, Note("hard rule broken", pb.kg_share_rule,
                                      f"{pb.kg_share_rule}：普惠性幼儿园覆盖率未达到{pb.kg_share:.0%}",
                                      f"{pb.kg_share_rule}: 普惠 coverage below {pb.kg_share:.0%}")))
        row: dict[pulp.LpVariable, float] = {short: 1.0}
        for v, c in counted + [(v, -c) for v, c in total]:  # one term per variable: PuLP keeps the last
            row[v] = row.get(v, 0.0) + c
        self.add(list(row.items()), pulp.LpConstraintGE, 0.0)


def whole_levels(cfg: PlanConfig) -> np.ndarray:
    """(L,) bool: the levels whose units are assigned whole (``assignment = "zones"``: ``zoned_levels``)."""
    zoned = set(cfg.zoned_levels) if cfg.assignment == "zones" else set()
    return np.array([lv in zoned for lv in LEVELS], dtype=bool)


def unsolved(pb: CountyProblem, status: Status, seconds: float, message: str = "", variables: int = 0,
             constraints: int = 0) -> CountySolution:
    """A county without a plan (no solution in time, or its worker failed): nothing built, all demand unmet."""
    return CountySolution(np.zeros(len(pb.pair_unit)), pb.demand.copy(), np.zeros(len(pb.opt_cand), bool),
                          np.zeros((pb.n_s, L), int), np.zeros(pb.n_s, bool), (), 0.0, status,
                          float("nan"), float("nan"), float("nan"), seconds, variables, constraints, message)


def _value(v: pulp.LpVariable) -> float:
    return float(v.varValue) if v.varValue is not None else 0.0


def solve_model(prob: pulp.LpProblem, cfg: PlanConfig, county: str, log_file: Path | None) -> Outcome:
    """A county's model solved as ``[plan]`` says; a solver error names the county, and a model without a
    solution in time is logged (single-year and multi-period models alike)."""
    try:
        out = solve(prob, cfg.solver, time_limit_s=cfg.time_limit_s, mip_gap=cfg.mip_gap, threads=cfg.threads,
                    log_file=log_file)
    except SolverError as exc:
        raise SolverError(f"county {county}: {exc}") from None
    if not out.status.has_solution:
        log.warning("county %s: %s; reporting all demand unmet", county, out.status)
    return out


def no_solution_message(cfg: PlanConfig) -> str:
    """Why a county has no plan, for plan_solver.csv."""
    return f"no solution within {cfg.time_limit_s:g} s"


def solve_county(pb: CountyProblem, cfg: PlanConfig, log_file: Path | None = None) -> CountySolution:
    """Build and solve one county; a model without a solution in time is :func:`unsolved` (says so)."""
    t0 = time.perf_counter()
    b = _Builder(pb, cfg)
    b.build()
    n_var, n_con = len(b.prob.variables()), len(b.prob.constraints)
    if n_var == 0:  # no pupils and nothing to decide
        return CountySolution(np.zeros(0), pb.demand.copy(), np.zeros(0, bool), np.zeros((pb.n_s, L), int),
                              np.zeros(pb.n_s, bool), (), 0.0, Status.OPTIMAL, 0.0, 0.0, 0.0,
                              time.perf_counter() - t0, 0, 0)
    out = solve_model(b.prob, cfg, pb.county, log_file)
    seconds = time.perf_counter() - t0
    if not out.status.has_solution:
        return unsolved(pb, out.status, seconds, no_solution_message(cfg), n_var, n_con)
    n_u = len(pb.unit_ids)
    # a whole unit's binary is rounded, so its pupils sit at exactly one school (or are all unmet)
    taken = np.array([round(_value(v)) if b.whole[pb.pair_level[p]] else _value(v) for p, v in enumerate(b.f)])
    flows = np.clip(taken * b.fs, 0.0, None) if len(b.f) else np.zeros(0)
    unmet = np.zeros((n_u, L))
    for (i, li), v in b.u.items():
        unmet[i, li] = max(round(_value(v)) if b.whole[li] else _value(v), 0.0) * b.us[i, li]
    opened = np.array([_value(v) > 0.5 for v in b.z], dtype=bool)
    expand = np.zeros((pb.n_s, L), dtype=int)
    for (j, li), v in b.e.items():
        expand[j, li] = int(round(_value(v)))
    closed = np.zeros(pb.n_s, dtype=bool)
    for j, v in b.x.items():
        closed[j] = _value(v) > 0.5
    broken = tuple(note for v, note in b.soft if _value(v) > 0.5)
    recognised = np.zeros(pb.n_s, dtype=bool)
    for j, v in b.r.items():
        recognised[j] = _value(v) > 0.5
    capital = float(sum(c * _value(v) for v, c in b.capital))
    objective = float(pulp.value(b.prob.objective) or 0.0) / SCALE
    bound = out.bound / SCALE if math.isfinite(out.bound) else out.bound
    return CountySolution(flows, unmet, opened, expand, closed, broken, capital, out.status, objective,
                          bound, out.gap, seconds, n_var, n_con, recognised=recognised)
