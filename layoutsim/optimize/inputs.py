"""From a Region to arrays: one :class:`CountyProblem` per county, the only thing the model builder sees.

Here the layers become numbers: demand per unit and level, seats and expansion room of each school, the
size modules each candidate site may take (with their costs and the size caps they break), the unit–site
pairs within reach (the k nearest existing schools and the k nearest candidates), and the rulebook's
housing-linked rules as "open this tied site" requirements.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layoutsim import travel
from layoutsim.config.plan import PlanConfig
from layoutsim.optimize.costs import new_school_type
from layoutsim.i18n import LEVEL_ZH
from layoutsim.schema import LEVELS, area_of, classes_col, enrolment_col, teaches
from layoutsim.config.scenario import ReachConfig
from layoutsim.region import Region
from layoutsim.rules import Rulebook
from layoutsim.rules.checks import kept_small_schools


log = logging.getLogger(__name__)

L = len(LEVELS)
LEVEL_INDEX = {lv: i for i, lv in enumerate(LEVELS)}


@dataclass(frozen=True)
class Note:
    """Something the plan could not do or had to give up, with where (``id``) and why, zh and en."""

    kind: str        # "no candidate site", "partly met", "outside the model", "soft/hard rule broken"
    id: str          # the rule, estate, township or county concerned
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class CombinedCap:
    """A size cap on all the levels a new nine- or twelve-year school at candidate ``cand`` opens together."""

    cand: int
    levels: tuple[int, ...]  # indices into LEVELS
    cap: float               # pupils
    hard: bool
    rule_id: str


@dataclass(frozen=True)
class Designation:
    """An existing public kindergarten the plan makes its township's central kindergarten (no building)."""

    school: str
    name: str
    township: str
    rule_id: str
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Housing:
    """A rule asks that ``count`` of ``candidates`` open at ``level`` (index into LEVELS).

    Housing-linked schools, township central kindergartens and new schools by county population.
    """

    rule_id: str
    hard: bool
    unit: int
    level: int
    candidates: tuple[int, ...]
    text_zh: str
    text_en: str
    central: bool = False  # the kindergarten opened becomes the township's public central kindergarten
    count: int = 1


@dataclass(frozen=True)
class CountyProblem:
    """One county's model data as arrays. Sites are the existing schools ``0..n_s-1`` then the candidates."""

    county: str
    unit_ids: np.ndarray               # (n_u,) str
    unit_names: np.ndarray             # (n_u,) str
    demand: np.ndarray                 # (n_u, L) pupils
    school_ids: np.ndarray             # (n_s,) str
    school_cap: np.ndarray             # (n_s, L) seats today
    school_exp_max: np.ndarray         # (n_s, L) expansion steps allowed
    school_cap_room: np.ndarray        # (n_s,) seats the size cap leaves (inf: no cap)
    school_land_room: np.ndarray       # (n_s,) site m² left at land_per_pupil (inf: no limit)
    school_closable: np.ndarray        # (n_s,) bool
    school_saving: np.ndarray          # (n_s,) CNY saved if closed
    cand_ids: np.ndarray               # (n_c,) str
    cand_land_cost: np.ndarray         # (n_c,) CNY
    cand_area: np.ndarray              # (n_c,) m²
    opt_cand: np.ndarray               # (n_o,) candidate index of each module option
    opt_level: np.ndarray              # (n_o,) level index
    opt_classes: np.ndarray            # (n_o,)
    opt_seats: np.ndarray              # (n_o,)
    opt_cost: np.ndarray               # (n_o,) CNY (buildings; land is on the candidate)
    opt_penalty: np.ndarray            # (n_o,) CNY: soft size caps broken
    combined: tuple[CombinedCap, ...]
    pair_unit: np.ndarray              # (n_p,)
    pair_level: np.ndarray             # (n_p,)
    pair_site: np.ndarray              # (n_p,)
    pair_dist_m: np.ndarray            # (n_p,)
    housing: tuple[Housing, ...]
    class_size: np.ndarray             # (L,)
    land_per_pupil: np.ndarray         # (L,)
    added_class_cost: np.ndarray       # (L,)
    step: int
    budget_cny: float | None = None
    notes: tuple[Note, ...] = field(default=())
    #: 普惠 share the county's kindergartens must reach (a binding share_target rule), and its rule
    kg_share: float | None = None
    kg_share_rule: str = ""
    school_inclusive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (n_s,) public or 普惠
    school_subsidy: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (n_s,) CNY to make a private kg 普惠
    designated: tuple[Designation, ...] = ()  # existing public kindergartens made central (no building)

    @property
    def n_s(self) -> int:
        return len(self.school_ids)

    @property
    def n_c(self) -> int:
        return len(self.cand_ids)


def split_levels(text: object) -> list[str]:
    """The levels of a candidate's ``levels`` cell ("kindergarten;primary")."""
    return [t for t in re.split(r"[\s,;|/]+", str(text or "")) if t in LEVEL_INDEX]


def _caps(rulebook: Rulebook) -> dict[str, list[tuple[int, bool, str]]]:
    """School type -> [(max pupils, hard, rule id)] from the rulebook's school_size_cap rules."""
    out: dict[str, list[tuple[int, bool, str]]] = {}
    for rule in rulebook.of_kind("school_size_cap"):
        if rule.force == "audit":
            continue
        for stype in rule.params.school_types:
            out.setdefault(stype, []).append((int(rule.params.max_pupils), rule.force == "hard", rule.id))
    return out


@dataclass
class RegionArrays:
    """The region's layers tidied once for all counties."""

    res: pd.DataFrame
    schools: pd.DataFrame
    cands: pd.DataFrame
    demand: np.ndarray  # (n_res, L)
    class_size: np.ndarray


def tidy(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, year: int) -> RegionArrays:
    """Columns the builder needs, on every unit, school and available candidate of the region."""
    tw = region.townships
    t_urban = dict(zip(tw["code"].astype(str), tw["urban"].astype(bool)))
    t_terrain = dict(zip(tw["code"].astype(str), tw["terrain"].astype(str)))
    res = pd.DataFrame(region.residential.drop(columns="geometry"))
    res["id"] = res["id"].astype(str)
    res["county"] = region.units_county().to_numpy()
    res["area"] = [area_of(bool(u), t_terrain.get(str(t), "plain")) for u, t in zip(res["urban"], res["township"])]
    geo = region.residential.geometry
    res["x"], res["y"] = geo.x.to_numpy(), geo.y.to_numpy()
    unit_of = {u: i for i, u in enumerate(res["id"])}
    demand = np.zeros((len(res), L))
    if len(pupils):
        rows = pupils["unit"].astype(str).map(unit_of)
        ok = rows.notna() & pupils["level"].isin(LEVEL_INDEX)
        np.add.at(demand, (rows[ok].astype(int).to_numpy(), pupils.loc[ok, "level"].map(LEVEL_INDEX).to_numpy()),
                  pupils.loc[ok, "pupils"].to_numpy(dtype=float))
    demand = np.clip(demand, 0.0, None)

    sc = pd.DataFrame(region.schools.drop(columns="geometry"))
    sc["id"] = sc["id"].astype(str)
    sc["x"], sc["y"] = region.schools.geometry.x.to_numpy(), region.schools.geometry.y.to_numpy()
    sc["urban"] = sc["township"].astype(str).map(t_urban).fillna(False).astype(bool)
    sc["area"] = [area_of(bool(u), t_terrain.get(str(t), "plain")) for u, t in zip(sc["urban"], sc["township"])]
    sc["central"] = sc["central"].fillna(False).astype(bool) if "central" in sc else False

    cd = pd.DataFrame(region.candidates.drop(columns="geometry"))
    if len(cd):
        cd["id"] = cd["id"].astype(str)
        cd["x"], cd["y"] = region.candidates.geometry.x.to_numpy(), region.candidates.geometry.y.to_numpy()
        cd["urban"] = cd["township"].astype(str).map(t_urban).fillna(False).astype(bool)
        cd["tied_to"] = cd["tied_to"].fillna("").astype(str)
        cd = cd[pd.to_numeric(cd["earliest_year"], errors="coerce").fillna(0) <= year].reset_index(drop=True)
    else:
        cd = pd.DataFrame(columns=["id", "name", "levels", "site_area_m2", "land_cost_cny", "tied_to",
                                   "earliest_year", "county", "township", "x", "y", "urban"])
    size = np.array([rulebook.class_size(lv) for lv in LEVELS], dtype=float)
    return RegionArrays(res=res, schools=sc, cands=cd, demand=demand, class_size=size)


def _school_arrays(sc: pd.DataFrame, size: np.ndarray, cfg: PlanConfig, caps: dict, closable_levels: set[str],
                   keep: set[str]) -> dict[str, np.ndarray]:
    n = len(sc)
    classes = np.column_stack([sc[classes_col(lv)].fillna(0).to_numpy(dtype=float) for lv in LEVELS]) if n else np.zeros((0, L))
    enrol = np.column_stack([sc[enrolment_col(lv)].fillna(0).to_numpy(dtype=float) for lv in LEVELS]) if n else np.zeros((0, L))
    teach = np.column_stack([teaches(sc, lv) for lv in LEVELS]).reshape(n, L)
    cap = classes * size * teach
    public = (sc["ownership"].to_numpy() == "public") if n else np.zeros(0, bool)
    steps = cfg.max_added_classes // cfg.expansion_step
    # a 教学点 is a small village school run by the central school: grown, it would be a primary school
    grows = public & ((sc["type"] != "teaching_point").to_numpy() if n else np.zeros(0, bool))
    exp_max = np.where(teach & (classes > 0) & grows[:, None], steps, 0).astype(int)
    lpp = np.array([cfg.land_per_pupil_m2[lv] for lv in LEVELS])
    used = (cap * lpp).sum(axis=1)
    land_room = np.clip(sc["site_area_m2"].fillna(0).to_numpy(dtype=float) - used, 0.0, None) if n else np.zeros(0)
    cap_room = np.full(n, np.inf)
    for i, t in enumerate(sc["type"]):
        if t in caps:
            cap_room[i] = max(0.0, min(c for c, _, _ in caps[t]) - cap[i].sum())
    exp_max = np.where((land_room[:, None] > 0) & (cap_room[:, None] > 0), exp_max, 0)
    total_cap, total_enrol = cap.sum(axis=1), (enrol * teach).sum(axis=1)
    util = np.divide(total_enrol, total_cap, out=np.ones(n), where=total_cap > 0)
    levels_ok = np.array([all(LEVELS[j] in closable_levels for j in np.flatnonzero(teach[i] & (classes[i] > 0)))
                          for i in range(n)], dtype=bool)
    closable = (cfg.allow_closures & public & (util < cfg.closure_max_utilisation) & levels_ok
                & ~sc["central"].to_numpy(dtype=bool) & ~sc["id"].isin(keep).to_numpy() & (total_cap > 0))
    saving = (classes * teach).sum(axis=1) * cfg.costs.closure_saving_cny_per_class
    return {"cap": cap, "exp_max": exp_max, "cap_room": cap_room, "land_room": land_room,
            "closable": closable, "saving": saving}


def _options(cd: pd.DataFrame, cfg: PlanConfig, size: np.ndarray, caps: dict) -> tuple[dict[str, np.ndarray], tuple]:
    """Module options (candidate, level, classes) a candidate may open, their costs and size-cap penalties."""
    rows: list[tuple[int, int, int, float, float, float]] = []
    combined: list[CombinedCap] = []
    lpp = np.array([cfg.land_per_pupil_m2[lv] for lv in LEVELS])
    for k, (levels, area) in enumerate(zip(cd["levels"], cd["site_area_m2"].astype(float))):
        allowed = split_levels(levels)
        for lv in allowed:
            li = LEVEL_INDEX[lv]
            for m in cfg.modules[lv]:
                seats = m * size[li]
                if seats * lpp[li] > area:
                    continue  # the site is too small for this module (land per pupil)
                hard_cap = min((c for c, h, _ in caps.get(lv, []) if h), default=np.inf)
                if seats > hard_cap:
                    continue
                soft = sum(1 for c, h, _ in caps.get(lv, []) if not h and seats > c)
                rows.append((k, li, m, seats, m * cfg.costs.new_class_cny[lv], soft * cfg.soft_rule_penalty_cny))
        school_levels = [lv for lv in allowed if lv != "kindergarten"]
        if len(school_levels) >= 2:
            stype = new_school_type(school_levels)
            for c, hard, rule_id in caps.get(stype, []):
                combined.append(CombinedCap(k, tuple(LEVEL_INDEX[lv] for lv in school_levels), float(c), hard, rule_id))
    arr = np.array(rows, dtype=float).reshape(-1, 6)
    return ({"cand": arr[:, 0].astype(int), "level": arr[:, 1].astype(int), "classes": arr[:, 2].astype(int),
             "seats": arr[:, 3], "cost": arr[:, 4], "penalty": arr[:, 5]}, tuple(combined))


def _pairs(res: pd.DataFrame, demand: np.ndarray, sc: pd.DataFrame, cap: np.ndarray, cd: pd.DataFrame,
           opt: dict[str, np.ndarray], reach: ReachConfig, cfg: PlanConfig) -> tuple[np.ndarray, ...]:
    """Unit–site pairs within reach, read from the travel tables: per unit and level, the k nearest existing
    schools and the k nearest candidates (two tables: each kind of site has its own k)."""
    n_s = len(sc)
    u_xy, urban = res[["x", "y"]].to_numpy(dtype=float), res["urban"].to_numpy(dtype=bool)
    needs = {lv: demand[:, li] > 1e-9 for li, lv in enumerate(LEVELS)}
    stretch = {lv: cfg.boarding_reach_factor for lv in ("junior", "high")}

    def pairs_to(sites: pd.DataFrame, offers: dict[str, np.ndarray], boarding: np.ndarray) -> travel.Table:
        return travel.table(u_xy, sites[["x", "y"]].to_numpy(dtype=float), LEVELS, reach, k=cfg.k_nearest,
                            urban=urban, needs=needs, offers=offers, boarding=boarding, stretch=stretch)

    schools = pairs_to(sc, {lv: cap[:, li] > 0 for li, lv in enumerate(LEVELS)},
                       sc["boarding"].fillna(False).to_numpy(dtype=bool) if n_s else np.zeros(0, bool))
    cands = pairs_to(cd, {lv: np.isin(np.arange(len(cd)), opt["cand"][opt["level"] == li])
                          for li, lv in enumerate(LEVELS)},
                     ~cd["urban"].to_numpy(dtype=bool) if len(cd) else np.zeros(0, bool))
    out_u, out_l, out_s, out_d = [], [], [], []
    for li, lv in enumerate(LEVELS):
        for t, offset in ((schools.of(lv), 0), (cands.of(lv), n_s)):
            out_u.append(t.origin)
            out_l.append(np.full(len(t), li))
            out_s.append(t.destination + offset)
            out_d.append(t.distance_m)
    if not any(len(u) for u in out_u):
        return tuple(np.zeros(0, dtype=t) for t in (int, int, int, float))
    return (np.concatenate(out_u), np.concatenate(out_l), np.concatenate(out_s), np.concatenate(out_d))


def _housing(res: pd.DataFrame, sc: pd.DataFrame, cd: pd.DataFrame, rulebook: Rulebook, year: int,
             opt: dict[str, np.ndarray]) -> tuple[tuple[Housing, ...], set[str], list[Note]]:
    """Housing-linked rules as requirements on tied candidates; schools that already serve an estate."""
    out: list[Housing] = []
    keep: set[str] = set()
    notes: list[Note] = []
    for rule in rulebook.of_kind("housing_school"):
        if rule.force in ("audit", "target"):
            continue
        p = rule.params
        mask = res["area"].isin(rule.scope.areas) & (res["residents"] >= p.min_residents)
        if rule.scope.build == "new":
            mask &= res["kind"] == "new"
        done = pd.to_numeric(res["completion_year"], errors="coerce")
        mask &= done.isna() | (done <= year)
        for lv in rule.level:
            if lv not in LEVEL_INDEX:
                continue
            li = LEVEL_INDEX[lv]
            teach = teaches(sc, lv)
            if p.ownership == "public":
                teach = teach & (sc["ownership"].to_numpy() == "public")
            elif p.ownership == "public_or_inclusive":
                teach = teach & ((sc["ownership"].to_numpy() == "public")
                                 | sc["inclusive"].fillna(False).to_numpy(dtype=bool))
            estates = np.flatnonzero(mask.to_numpy())
            near = travel.table(res.loc[estates, ["x", "y"]].to_numpy(dtype=float),
                                sc.loc[teach, ["x", "y"]].to_numpy(dtype=float), (lv,), None, max_m=p.within_m)
            rows_of = near.by_origin()
            for n, i in enumerate(estates):
                hits = near.destination[rows_of[n]]
                if len(hits):
                    keep.update(sc.loc[teach, "id"].iloc[hits])
                    continue
                name, uid = str(res.at[i, "name"]), str(res.at[i, "id"])
                tied = [k for k in np.flatnonzero(cd["tied_to"].to_numpy() == uid)
                        if np.any((opt["cand"] == k) & (opt["level"] == li))] if len(cd) else []
                zh = f"{rule.id}：{name}（{int(res.at[i, 'residents']):,}人）须配套{LEVEL_ZH[lv]}——{rule.source.text}"
                en = f"{rule.id}: {name} ({int(res.at[i, 'residents']):,} residents) needs its own {lv} school"
                if not tied:
                    notes.append(Note("no candidate site", uid, zh + "；无可用配套用地", en + "; no tied site is available"))
                    continue
                out.append(Housing(rule.id, rule.force == "hard", int(i), li, tuple(int(k) for k in tied), zh, en))
    return tuple(out), keep, notes




def _inclusive_share(rulebook: Rulebook) -> tuple[float | None, str]:
    """The binding (hard or in-principle) 普惠 coverage a plan must reach, and its rule id."""
    for rule in rulebook.of_kind("share_target"):
        p = rule.params
        if p.metric == "inclusive_kindergarten" and p.bound == "min" and rule.force in ("hard", "in_principle"):
            return float(p.share), rule.id
    return None, ""


def _kept_small(sc: pd.DataFrame, rulebook: Rulebook) -> set[str]:
    """Small village schools and teaching points a keep_small_schools rule protects: never closed."""
    out: set[str] = set()
    for rule in rulebook.of_kind("keep_small_schools"):
        if rule.force not in ("audit", "target") and len(sc):
            out.update(sc.loc[kept_small_schools(rule, sc, sc["area"]), "id"].astype(str))
    return out


def _central_kg(towns: pd.DataFrame, sc: pd.DataFrame, cd: pd.DataFrame, rulebook: Rulebook,
                opt: dict[str, np.ndarray]) -> tuple[list[Housing], list[Note], list[Designation]]:
    """Townships without their public central kindergartens: designate the largest public kindergarten the
    township already has (no building), and open a new one on one of its sites only for what is still
    missing. A new one uses the same "one of these sites opens at this level" requirement as
    housing-linked schools; a township that needs two (平顶山: 30,000+ residents) gets one new per plan
    round here and a note.
    """
    out: list[Housing] = []
    notes: list[Note] = []
    named: list[Designation] = []
    li = LEVEL_INDEX["kindergarten"]
    public_kg = teaches(sc, "kindergarten") & (sc["ownership"].to_numpy() == "public")
    central = sc["central"].fillna(False).to_numpy(dtype=bool)
    counts = sc.loc[public_kg & central, "township"].astype(str).value_counts()
    spare = sc[public_kg & ~central].sort_values(enrolment_col("kindergarten"), ascending=False)
    for rule in rulebook.of_kind("central_kindergarten"):
        if rule.force in ("audit", "target"):
            continue
        p = rule.params
        area = [area_of(u, t) for u, t in zip(towns["urban"], towns["terrain"])]
        sel = towns[towns["kind"].isin(p.township_kinds).to_numpy() & np.isin(area, rule.scope.areas)]
        for _, t in sel.iterrows():
            large = p.large_population is not None and t["population"] >= p.large_population
            need = (p.large_min_count if large else p.min_count) - int(counts.get(str(t["code"]), 0))
            for _, k in spare[spare["township"].astype(str) == str(t["code"])].head(max(need, 0)).iterrows():
                named.append(Designation(str(k["id"]), str(k["name"]), str(t["code"]), rule.id,
                                         f"{rule.id}：确定为{t['name']}公办中心幼儿园（现有公办园，无需新建）——{rule.source.text}",
                                         f"{rule.id}: made {t['name']}'s public central kindergarten (an existing "
                                         "public kindergarten: nothing to build)"))
                need -= 1
            if need <= 0:
                continue
            here: np.ndarray | list[int] = (np.flatnonzero(cd["township"].astype(str).to_numpy() == str(t["code"]))
                                            if len(cd) else [])
            sites = [int(k) for k in here if np.any((opt["cand"] == k) & (opt["level"] == li))]
            zh = f"{rule.id}：{t['name']}须有公办中心幼儿园——{rule.source.text}"
            en = f"{rule.id}: {t['name']} needs a public central kindergarten"
            if not sites:
                notes.append(Note("no candidate site", str(t["code"]), zh + "；乡镇内无可用建设用地",
                                  en + "; the township has no site for one"))
                continue
            out.append(Housing(rule.id, rule.force == "hard", -1, li, tuple(sites), zh, en, central=True))
            if need > 1:
                notes.append(Note("partly met", str(t["code"]), zh + f"；还需{need - 1}所（乡镇内仅一处用地可建）",
                                  en + f"; {need - 1} more needed than the township's sites allow"))
    return out, notes, named


def _county_schools(adcode: str, county: pd.Series, sc: pd.DataFrame, rulebook: Rulebook,
                    opt: dict[str, np.ndarray]) -> tuple[list[Housing], list[Note]]:
    """Schools a county of its population must have (e.g. 驻马店: new high schools by population).

    A rule of a level the model plans becomes "``count`` of the county's sites open at this level"; one of
    other kinds of school (vocational, special: outside the pupil forecast) becomes a note.
    """
    out: list[Housing] = []
    notes: list[Note] = []
    for rule in rulebook.of_kind("county_population_school"):
        p = rule.params
        if rule.force in ("audit", "target") or (p.county_kinds is not None and county["kind"] not in p.county_kinds):
            continue
        steps = [st for st in p.steps if county["population"] >= st.min_population]
        if not steps:
            continue
        # today's layout has no proposed schools: for count = "proposed" every one is still to build
        have = 0 if p.count == "proposed" else int(sc["type"].isin(p.school_types).sum())
        need = max(steps, key=lambda st: st.min_population).min_count - have
        if need <= 0:
            continue
        zh = f"{rule.id}：{county['name']}应{'新建' if p.count == 'proposed' else '有'}{need}所——{rule.source.text}"
        en = f"{rule.id}: {county['name']} needs {need} {'new ' if p.count == 'proposed' else ''}school(s)"
        levels = [lv for lv in rule.level if lv in LEVEL_INDEX]
        if len(levels) != len(rule.level) or not levels:
            notes.append(Note("outside the model", adcode,
                              zh + "；此类学校不在学位测算范围内，须另行安排",
                              en + "; such schools are outside the pupil forecast: plan them by hand"))
            continue
        li = LEVEL_INDEX[levels[0]]
        sites = sorted({int(k) for k in opt["cand"][opt["level"] == li]})
        if len(sites) < need:
            notes.append(Note("no candidate site", adcode, zh + f"；县内仅{len(sites)}处可建用地",
                              en + f"; the county has {len(sites)} site(s) for one"))
        if sites:
            out.append(Housing(rule.id, rule.force == "hard", -1, li, tuple(sites), zh, en,
                               count=min(need, len(sites))))
    return out, notes


def county_problems(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, cfg: PlanConfig, reach: ReachConfig,
                    year: int) -> list[CountyProblem]:
    """One problem per county of the region, in the counties layer's order."""
    ra = tidy(region, pupils, rulebook, year)
    caps = _caps(rulebook)
    closure_rules = rulebook.of_kind("closure_precondition")
    closable_levels = set(LEVELS)
    if closure_rules and all(r.level for r in closure_rules):
        closable_levels = {lv for r in closure_rules for lv in r.level}
    lpp = np.array([cfg.land_per_pupil_m2[lv] for lv in LEVELS])
    added = np.array([cfg.costs.added_class_cny[lv] for lv in LEVELS])
    share, share_rule = _inclusive_share(rulebook)
    out = []
    for county in region.counties["adcode"].astype(str):
        um = (ra.res["county"] == county).to_numpy()
        res = ra.res[um].reset_index(drop=True)
        sc = ra.schools[(ra.schools["county"].astype(str) == county).to_numpy()].reset_index(drop=True)
        cd = ra.cands[(ra.cands["county"].astype(str) == county).to_numpy()].reset_index(drop=True)
        demand = ra.demand[um]
        opt, combined = _options(cd, cfg, ra.class_size, caps)
        housing, keep, notes = _housing(res, sc, cd, rulebook, year, opt)
        keep |= _kept_small(sc, rulebook)
        towns = region.townships[region.townships["county"].astype(str) == county]
        central, central_notes, designated = _central_kg(towns, sc, cd, rulebook, opt)
        keep |= {d.school for d in designated}  # a central kindergarten is not closed
        crow = region.counties[region.counties["adcode"].astype(str) == county].iloc[0]
        by_pop, by_pop_notes = _county_schools(county, crow, sc, rulebook, opt)
        housing, notes = (*housing, *central, *by_pop), [*notes, *central_notes, *by_pop_notes]
        s = _school_arrays(sc, ra.class_size, cfg, caps, closable_levels, keep)
        public = (sc["ownership"].astype(str) == "public").to_numpy(dtype=bool)
        inclusive = public | sc["inclusive"].fillna(False).to_numpy(dtype=bool) if len(sc) else np.zeros(0, bool)
        kg = LEVEL_INDEX["kindergarten"]
        subsidy = s["cap"][:, kg] * cfg.costs.inclusive_subsidy_cny_per_child_year * cfg.costs.inclusive_years
        pu, pl, ps, pd_ = _pairs(res, demand, sc, s["cap"], cd, opt, reach, cfg)
        out.append(CountyProblem(
            county=county, unit_ids=res["id"].to_numpy(dtype=str), unit_names=res["name"].astype(str).to_numpy(),
            demand=demand, school_ids=sc["id"].to_numpy(dtype=str), school_cap=s["cap"],
            school_exp_max=s["exp_max"], school_cap_room=s["cap_room"], school_land_room=s["land_room"],
            school_closable=s["closable"], school_saving=s["saving"],
            cand_ids=cd["id"].to_numpy(dtype=str), cand_land_cost=cd["land_cost_cny"].to_numpy(dtype=float),
            cand_area=cd["site_area_m2"].to_numpy(dtype=float),
            opt_cand=opt["cand"], opt_level=opt["level"], opt_classes=opt["classes"], opt_seats=opt["seats"],
            opt_cost=opt["cost"], opt_penalty=opt["penalty"], combined=combined,
            pair_unit=pu, pair_level=pl, pair_site=ps, pair_dist_m=pd_, housing=housing,
            class_size=ra.class_size, land_per_pupil=lpp, added_class_cost=added, step=cfg.expansion_step,
            notes=tuple(notes), kg_share=share, kg_share_rule=share_rule, school_inclusive=inclusive,
            school_subsidy=subsidy, designated=tuple(designated),
        ))
    return out
