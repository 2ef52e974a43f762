"""The plan as a value: tidy tables of new schools, expansions, closures, flows, unmet demand and the solves.

:func:`county_tables` turns one county's arrays and solution into rows; :class:`Plan` holds the tables of all
counties and builds the proposed layout (a schools layer the audit can read).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from layoutsim.config.plan import PlanConfig
from layoutsim.optimize.costs import expansion_cost, new_school_cost, new_school_type, ordered
from layoutsim.optimize.inputs import LEVEL_INDEX, CountyProblem
from layoutsim.optimize.model import CountySolution
from layoutsim.i18n import LEVEL_ZH
from layoutsim.region import Region
from layoutsim.schema import LEVELS, classes_col, enrolment_col
from layoutsim.solver import Status


NEW_SCHOOL_COLUMNS = ("school", "candidate", "name", "county", "township", "type", "levels",
                      *(classes_col(lv) for lv in LEVELS), "classes", "seats", "pupils", "cost_cny",
                      "reason_zh", "reason_en", "central")
EXPANSION_COLUMNS = ("school", "name", "county", "level", "added_classes", "seats_added", "pupils",
                     "cost_cny", "reason_zh", "reason_en")
CLOSURE_COLUMNS = ("school", "name", "county", "pupils_moved", "receiving", "saving_cny", "reason_zh", "reason_en")
FLOW_COLUMNS = ("unit", "school", "level", "pupils", "distance_m", "county")
UNMET_COLUMNS = ("unit", "level", "pupils", "reason", "reason_zh", "county")
SOLVER_COLUMNS = ("county", "status", "objective", "bound", "gap", "seconds", "variables", "constraints",
                  "budget_cny", "cost_cny", "message")
NOTE_COLUMNS = ("county", "kind", "id", "message_zh", "message_en")
DESIGNATED_COLUMNS = ("school", "name", "county", "township", "rule_id", "reason_zh", "reason_en")
INCLUSIVE_COLUMNS = ("school", "name", "county", "children", "seats", "subsidy_cny", "reason_zh", "reason_en")

#: Why pupils are left without a seat.
UNMET_REASONS = {
    "no school within reach": "服务半径内无学校或可用建设用地",
    "no candidate site": "服务半径内学校已无扩建余地且无可用建设用地",
    "budget": "预算不足",
    "cost": "按目标权重，新建或扩建的成本高于未满足学位的代价",
    "solver": "求解器未在时限内给出解",
}


def has_plan(status: str) -> bool:
    """Did a county's solve give a plan? Not after a time limit without a solution, or a failed worker."""
    return Status(status).has_solution


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def candidate_school_ids(cid: str, levels: list[str]) -> dict[str, str]:
    """Proposed-layout id of each opened level of a candidate: a kindergarten beside a school is ``<id>-kg``."""
    school = [lv for lv in levels if lv != "kindergarten"]
    return {lv: (f"{cid}-kg" if lv == "kindergarten" and school else cid) for lv in levels}


@dataclass(frozen=True, eq=False)
class Plan:
    """A proposed layout for a target year (one MILP per county). Tables are tidy; see the ``*_COLUMNS``."""

    year: int
    new_schools: pd.DataFrame
    expansions: pd.DataFrame
    closures: pd.DataFrame
    flows: pd.DataFrame
    unmet: pd.DataFrame
    solver: pd.DataFrame
    notes: pd.DataFrame
    cost_cny: float
    inclusive: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(INCLUSIVE_COLUMNS)))
    """Private kindergartens the plan makes 普惠 (认定普惠) to reach the binding coverage."""
    designated: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DESIGNATED_COLUMNS)))
    """Existing public kindergartens the plan makes their township's central kindergarten (no building)."""

    @property
    def pupil_km(self) -> float:
        """Sum of pupils × straight-line home-school distance in km."""
        return float((self.flows["pupils"] * self.flows["distance_m"]).sum() / 1000.0)

    @property
    def unmet_pupils(self) -> float:
        return float(self.unmet["pupils"].sum())

    @property
    def counties_without_plan(self) -> list[str]:
        """Counties whose solve gave no plan (their pupils are all in ``unmet`` with reason "solver")."""
        return [str(c) for c, st in zip(self.solver["county"], self.solver["status"]) if not has_plan(st)]

    def assignment(self) -> pd.DataFrame:
        """Flows as the audit reads them (``residential``, ``school``, ``level``, ``pupils``, ``distance_m``)."""
        return self.flows.rename(columns={"unit": "residential"})[
            ["residential", "school", "level", "pupils", "distance_m"]]

    def proposed_schools(self, region: Region) -> gpd.GeoDataFrame:
        """Existing + expanded + new schools; closures kept with ``closing = True``; new ones ``proposed = True``.

        Enrolment columns are the plan's flows, so the audit sees the planned use of every school.
        """
        sc = region.schools.copy()
        sc["id"] = sc["id"].astype(str)
        sc["proposed"] = False
        sc["closing"] = sc["id"].isin(set(self.closures["school"]))
        sc.loc[sc["id"].isin(set(self.inclusive["school"])), "inclusive"] = True
        sc.loc[sc["id"].isin(set(self.designated["school"])), "central"] = True
        for _, row in self.expansions.iterrows():
            col = classes_col(row["level"])
            sc.loc[sc["id"] == row["school"], col] = sc.loc[sc["id"] == row["school"], col] + int(row["added_classes"])
        cand = region.candidates.set_index(region.candidates["id"].astype(str))
        tw = region.townships
        urban = dict(zip(tw["code"].astype(str), tw["urban"].astype(bool)))
        new = []
        for _, row in self.new_schools.iterrows():
            c = cand.loc[row["candidate"]]
            rec: dict[str, object] = {col: 0 for lv in LEVELS for col in (classes_col(lv), enrolment_col(lv))}
            rec.update({lv_col: int(row[lv_col]) for lv_col in (classes_col(lv) for lv in LEVELS)})
            rec.update({
                "id": row["school"], "name": row["name"], "type": row["type"], "ownership": "public",
                "inclusive": row["type"] == "kindergarten", "site_area_m2": float(c["site_area_m2"]),
                "boarding": bool(set(row["levels"].split(";")) & {"junior", "high"})
                and not urban.get(str(row["township"]), False),
                "county": row["county"], "township": row["township"], "proposed": True,
                "central": bool(row["central"]),
                "closing": False, "geometry": c.geometry,
            })
            if "synthetic" in sc.columns:
                rec["synthetic"] = bool(c.get("synthetic", False))
            new.append(rec)
        if new:
            sc = pd.concat([sc, gpd.GeoDataFrame(new, geometry="geometry", crs=sc.crs)], ignore_index=True)
        enrol = self.flows.groupby(["school", "level"])["pupils"].sum()
        for lv in LEVELS:
            s = enrol.xs(lv, level="level") if lv in enrol.index.get_level_values("level") else pd.Series(dtype=float)
            sc[enrolment_col(lv)] = sc["id"].map(s).fillna(0.0).round().astype(int)
        sc["proposed"] = sc["proposed"].astype(bool)
        sc["closing"] = sc["closing"].astype(bool)
        return gpd.GeoDataFrame(sc, geometry="geometry", crs=region.schools.crs)


@dataclass(frozen=True)
class CountyContext:
    """Names and places of a county's units, schools and candidates, for the tables."""

    school_names: np.ndarray
    school_enrol: np.ndarray     # (n_s, L)
    cand: pd.DataFrame           # id, name, township, levels (the county's available candidates)


@dataclass(frozen=True)
class CountyTables:
    """One county's part of each of the plan's tables, as rows (see the ``*_COLUMNS``)."""

    new_schools: list[dict] = field(default_factory=list)
    expansions: list[dict] = field(default_factory=list)
    closures: list[dict] = field(default_factory=list)
    flows: list[dict] = field(default_factory=list)
    unmet: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    inclusive: list[dict] = field(default_factory=list)
    designated: list[dict] = field(default_factory=list)


#: The columns of each of the plan's tables.
TABLE_COLUMNS = {"new_schools": NEW_SCHOOL_COLUMNS, "expansions": EXPANSION_COLUMNS, "closures": CLOSURE_COLUMNS,
                 "flows": FLOW_COLUMNS, "unmet": UNMET_COLUMNS, "notes": NOTE_COLUMNS,
                 "inclusive": INCLUSIVE_COLUMNS, "designated": DESIGNATED_COLUMNS}


def county_tables(pb: CountyProblem, sol: CountySolution, ctx: CountyContext, cfg: PlanConfig) -> CountyTables:
    """Rows of every table for one county."""
    n_s = pb.n_s
    out = CountyTables()
    # ---------------------------------------------------------------- new schools
    opened_levels: dict[int, dict[str, int]] = {}
    for o in np.flatnonzero(sol.opened):
        opened_levels.setdefault(int(pb.opt_cand[o]), {})[LEVELS[pb.opt_level[o]]] = int(pb.opt_classes[o])
    ids = {k: candidate_school_ids(str(pb.cand_ids[k]), ordered(lv)) for k, lv in opened_levels.items()}
    site_id = np.array([pb.school_ids[s] if s < n_s else "" for s in pb.pair_site], dtype=object)
    for p in np.flatnonzero(pb.pair_site >= n_s):
        k = int(pb.pair_site[p] - n_s)
        site_id[p] = ids.get(k, {}).get(LEVELS[pb.pair_level[p]], str(pb.cand_ids[k]))
    live = np.flatnonzero(sol.flows > 1e-6)
    for p in live:
        out.flows.append({"unit": pb.unit_ids[pb.pair_unit[p]], "school": site_id[p],
                            "level": LEVELS[pb.pair_level[p]], "pupils": float(sol.flows[p]),
                            "distance_m": float(pb.pair_dist_m[p]), "county": pb.county})
    served = pd.DataFrame({"site": pb.pair_site[live], "level": pb.pair_level[live], "unit": pb.pair_unit[live],
                           "pupils": sol.flows[live]})
    for k, levels in opened_levels.items():
        c = ctx.cand.iloc[k]
        groups: dict[str, list[str]] = {}
        for lv in ordered(levels):
            groups.setdefault(ids[k][lv], []).append(lv)
        land_paid = False
        for sid, lvs in groups.items():
            classes = {lv: levels[lv] for lv in lvs}
            land = 0.0 if land_paid else float(pb.cand_land_cost[k])
            land_paid = True
            cost = new_school_cost(classes, cfg.costs.new_class_cny, land)
            here = served[(served["site"] == n_s + k) & served["level"].isin([LEVEL_INDEX[lv] for lv in lvs])]
            seats = sum(n * pb.class_size[LEVEL_INDEX[lv]] for lv, n in classes.items())
            zh, en = _new_reason(pb, k, lvs, here, seats)
            name = str(c["name"]) + ("（幼儿园）" if sid.endswith("-kg") else "")
            out.new_schools.append({
                "school": sid, "candidate": str(pb.cand_ids[k]), "name": name, "county": pb.county,
                "township": str(c["township"]), "type": new_school_type(lvs), "levels": ";".join(lvs),
                **{classes_col(lv): classes.get(lv, 0) for lv in LEVELS}, "classes": sum(classes.values()),
                "seats": float(seats), "pupils": float(here["pupils"].sum()), "cost_cny": float(cost),
                "reason_zh": zh, "reason_en": en,
                "central": "kindergarten" in lvs and any(hs.central and k in hs.candidates for hs in pb.housing)})
    # ---------------------------------------------------------------- expansions
    for j, li in zip(*np.nonzero(sol.expand > 0)):
        lv = LEVELS[li]
        added = int(sol.expand[j, li] * pb.step)
        used = float(served[(served["site"] == j) & (served["level"] == li)]["pupils"].sum())
        cap = float(pb.school_cap[j, li])
        out.expansions.append({
            "school": pb.school_ids[j], "name": ctx.school_names[j], "county": pb.county, "level": lv,
            "added_classes": added, "seats_added": float(added * pb.class_size[li]), "pupils": used,
            "cost_cny": expansion_cost(added, lv, cfg.costs.added_class_cny),
            "reason_zh": f"现有{LEVEL_ZH[lv]}学位{cap:,.0f}个，规划就读{used:,.0f}人，扩建{added}个班",
            "reason_en": f"{cap:,.0f} {lv} seats today for {used:,.0f} planned pupils: add {added} classes"})
    # ---------------------------------------------------------------- closures
    for j in np.flatnonzero(sol.closed):
        units = set(pb.pair_unit[pb.pair_site == j])
        recv = served[served["unit"].isin(units) & (served["site"] != j)].groupby("site")["pupils"].sum()
        recv = recv.sort_values(ascending=False).head(5)  # the main receivers
        names = [site_id_of(pb, int(s), ids) for s in recv.index]
        moved = float(ctx.school_enrol[j][pb.school_cap[j] > 0].sum())
        out.closures.append({
            "school": pb.school_ids[j], "name": ctx.school_names[j], "county": pb.county, "pupils_moved": moved,
            "receiving": ";".join(names), "saving_cny": float(pb.school_saving[j]),
            "reason_zh": f"使用率低于{cfg.closure_max_utilisation:.0%}，{moved:,.0f}名在校生由周边学校接收（先建后撤）",
            "reason_en": f"used below {cfg.closure_max_utilisation:.0%}; its {moved:,.0f} pupils are seated in "
                         "the receiving schools (build before closing)"})
    # ---------------------------------------------------------------- 认定普惠
    kg = LEVEL_INDEX["kindergarten"]
    for j in np.flatnonzero(sol.recognised if sol.recognised is not None else np.zeros(0, bool)):
        children = float(served[(served["site"] == j) & (served["level"] == kg)]["pupils"].sum())
        out.inclusive.append({
            "school": pb.school_ids[j], "name": ctx.school_names[j], "county": pb.county, "children": children,
            "seats": float(pb.school_cap[j, kg]), "subsidy_cny": float(pb.school_subsidy[j]),
            "reason_zh": f"认定为普惠性民办幼儿园（{pb.kg_share_rule}：普惠性幼儿园覆盖率不低于{(pb.kg_share or 0):.0%}）",
            "reason_en": f"recognised as 普惠 ({pb.kg_share_rule}: 普惠 coverage at least {(pb.kg_share or 0):.0%})"})
    out.designated.extend({"county": pb.county, **dataclasses.asdict(d)} for d in pb.designated)
    # ---------------------------------------------------------------- unmet
    out.unmet.extend(_unmet_rows(pb, sol, cfg))
    out.notes.extend({"county": pb.county, **dataclasses.asdict(note)} for note in (*pb.notes, *sol.broken))
    return out


def site_id_of(pb: CountyProblem, site: int, ids: dict[int, dict[str, str]]) -> str:
    if site < pb.n_s:
        return str(pb.school_ids[site])
    k = site - pb.n_s
    return next(iter(ids.get(k, {}).values()), str(pb.cand_ids[k]))


def _new_reason(pb: CountyProblem, k: int, levels: list[str], here: pd.DataFrame, seats: float) -> tuple[str, str]:
    pupils, units = float(here["pupils"].sum()), here["unit"].nunique()
    lz = "、".join(LEVEL_ZH[lv] for lv in levels)
    zh = [f"新建公办{lz}，{seats:,.0f}个学位，服务{units}个居住单元{pupils:,.0f}名学生"]
    en = [f"new public {'+'.join(levels)} school, {seats:,.0f} seats for {pupils:,.0f} pupils of {units} units"]
    for hs in pb.housing:
        if k in hs.candidates and LEVELS[hs.level] in levels:
            zh.append(hs.text_zh)
            en.append(hs.text_en)
    if set(levels) & {"primary", "junior"}:
        zh.append("新建义务教育学校为公办（不新增民办义务教育学校）")
        en.append("compulsory schools are built public (no new private compulsory schools)")
    return "；".join(zh), "; ".join(en)


def _unmet_rows(pb: CountyProblem, sol: CountySolution, cfg: PlanConfig) -> list[dict]:
    """Unmet pupils per unit and level, with the reason the plan could not seat them."""
    rows = []
    n_s = pb.n_s
    reason_all = None if has_plan(sol.status) else "solver"
    opened_cost = {(int(pb.opt_cand[o]), int(pb.opt_level[o])): float(pb.opt_cost[o]) for o in np.flatnonzero(sol.opened)}
    open_sites = {int(pb.opt_cand[o]) for o in np.flatnonzero(sol.opened)}
    left = None if pb.budget_cny is None else pb.budget_cny - sol.capital_cny
    for i, li in zip(*np.nonzero(sol.unmet > 1e-6)):
        sel = (pb.pair_unit == i) & (pb.pair_level == li)
        sites = pb.pair_site[sel]
        if reason_all:
            reason = reason_all
        elif len(sites) == 0:
            reason = "no school within reach"
        else:
            costs = []
            for s in sites:
                if s < n_s:
                    if not sol.closed[s] and sol.expand[s, li] < pb.school_exp_max[s, li]:
                        costs.append(pb.added_class_cost[li] * pb.step)
                else:
                    k = int(s - n_s)
                    here = (pb.opt_cand == k) & (pb.opt_level == li)
                    now = opened_cost.get((k, int(li)))
                    if now is None and here.any():
                        costs.append(pb.opt_cost[here].min() + (0.0 if k in open_sites else pb.cand_land_cost[k]))
                    elif now is not None and (pb.opt_cost[here] > now + 1e-6).any():  # a larger module
                        costs.append(pb.opt_cost[here][pb.opt_cost[here] > now + 1e-6].min() - now)
            if not costs:
                reason = "no candidate site"
            elif left is not None and left < min(costs) - 1e-6:
                reason = "budget"
            else:
                reason = "cost"
        rows.append({"unit": pb.unit_ids[i], "level": LEVELS[li], "pupils": float(sol.unmet[i, li]),
                     "reason": reason, "reason_zh": UNMET_REASONS[reason], "county": pb.county})
    return rows


def assemble(year: int, parts: list[tuple[CountyProblem, CountySolution, CountyTables]]) -> Plan:
    """One Plan from the counties' tables."""
    tables = {name: _frame([r for _, _, t in parts for r in getattr(t, name)], cols)
              for name, cols in TABLE_COLUMNS.items()}
    solver = _frame([{
        "county": pb.county, "status": str(sol.status), "objective": sol.objective, "bound": sol.bound, "gap": sol.gap,
        "seconds": sol.seconds, "variables": sol.variables, "constraints": sol.constraints,
        "budget_cny": pb.budget_cny, "cost_cny": sol.capital_cny, "message": sol.message} for pb, sol, _ in parts],
        SOLVER_COLUMNS)
    cost = float(tables["new_schools"]["cost_cny"].sum() + tables["expansions"]["cost_cny"].sum())
    return Plan(year=year, solver=solver, cost_cny=cost, **tables)


def split_units(p: Plan, levels: tuple[str, ...] | list[str]) -> int:
    """Unit–levels of ``levels`` whose pupils the plan sends to more than one school."""
    flows = p.flows[p.flows["level"].isin(list(levels))]
    return int((flows.groupby(["unit", "level"])["school"].nunique() > 1).sum())


@dataclass(frozen=True)
class AssignmentHeadline:
    """A plan's numbers for setting two ways of assigning pupils side by side."""

    cost_cny: int
    pupil_km: float
    unmet_pupils: float
    new_schools: int
    added_classes: int
    solver_seconds: float           # the counties' solves together
    solver_status: tuple[str, ...]

    @classmethod
    def of(cls, p: Plan) -> AssignmentHeadline:
        solver = p.solver
        return cls(cost_cny=round(float(p.cost_cny)), pupil_km=round(float(p.pupil_km), 1),
                   unmet_pupils=round(float(p.unmet_pupils), 1), new_schools=int(len(p.new_schools)),
                   added_classes=int(p.expansions["added_classes"].sum()) if len(p.expansions) else 0,
                   solver_seconds=round(float(solver["seconds"].sum()), 2) if len(solver) else 0.0,
                   solver_status=tuple(sorted(set(solver["status"]))) if len(solver) else ())

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "solver_status": list(self.solver_status)}


@dataclass(frozen=True)
class ZonesVsFractional:
    """The plan with units whole (``[plan] assignment = "zones"``) beside the same plan solved fractionally,
    and how many unit–levels of the zoned levels each sends to more than one school (kpis.json
    ``zones_vs_fractional``)."""

    zoned_levels: tuple[str, ...]
    zoned: AssignmentHeadline
    fractional: AssignmentHeadline
    units_split_by_fractional: int
    units_split_by_zoned: int

    @classmethod
    def of(cls, zoned: Plan, fractional: Plan, levels: tuple[str, ...] | list[str]) -> ZonesVsFractional:
        return cls(tuple(levels), AssignmentHeadline.of(zoned), AssignmentHeadline.of(fractional),
                   split_units(fractional, levels), split_units(zoned, levels))

    @property
    def difference(self) -> dict[str, float]:
        """Zoned minus fractional: cost, pupil-km, unmet pupils, new schools, added classes."""
        return {k: round(float(getattr(self.zoned, k)) - float(getattr(self.fractional, k)), 1)
                for k in ("cost_cny", "pupil_km", "unmet_pupils", "new_schools", "added_classes")}

    def as_dict(self) -> dict:
        return {"zoned_levels": list(self.zoned_levels), "zoned": self.zoned.as_dict(),
                "fractional": self.fractional.as_dict(), "zoned_minus_fractional": self.difference,
                "units_split_by_fractional": self.units_split_by_fractional,
                "units_split_by_zoned": self.units_split_by_zoned}
