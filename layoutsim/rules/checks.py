"""One check per rule kind. A check reads a rule and the :class:`Context` and returns findings: one dict
per place that breaks the rule (place, measured value, limit, unit, Chinese and English message, and the
place's geometry). :data:`CHECKS` maps each kind to its check; adding a kind means adding one function.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from layoutsim import travel
from layoutsim.i18n import LEVEL_EN, LEVEL_ZH
from layoutsim.rules.classes import classes_over
from layoutsim.rules.context import Context
from layoutsim.rules.params import KINDS
from layoutsim.schema import LEVELS, SCHOOL_TYPES, classes_col, enrolment_col

Finding = dict[str, Any]
Check = Callable[[Any, Context], list[Finding]]
CHECKS: dict[str, Check] = {}


def check(kind: str) -> Callable[[Check], Check]:
    """Register a check for a rule kind."""
    def register(fn: Check) -> Check:
        CHECKS[kind] = fn
        return fn
    return register


def _finding(place_kind: str, row: Any, county: str, measured: float | None, limit: float | None,
             unit: str, zh: str, en: str, *, level: str = "", severity: str | None = None,
             name_col: str = "name", id_col: str = "id") -> Finding:
    return {
        "place_kind": place_kind, "place_id": str(row[id_col]), "place_name": str(row[name_col]),
        "county": str(county), "level": level, "measured": measured, "limit": limit, "unit": unit,
        "message_zh": zh, "message_en": en, "geometry": row["geometry"], "severity": severity,
    }


def _county_rows(ctx: Context) -> pd.DataFrame:
    return ctx.region.counties.assign(adcode=ctx.region.counties["adcode"].astype(str))


@check("housing_school")
def housing_school(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    res = ctx.residential
    mask = res["area"].isin(rule.scope.areas) & (res["residents"] >= p.min_residents)
    if rule.scope.build == "new":
        mask &= res["kind"] == "new"
    if ctx.year is not None and "completion_year" in res.columns:
        mask &= res["completion_year"].isna() | (res["completion_year"] <= ctx.year)
    estates = res[mask]
    out: list[Finding] = []
    for level in rule.level:
        sc = ctx.schools[ctx.teaches(level) & ~ctx.schools["closing"]]
        if p.ownership == "public":
            sc = sc[sc["ownership"] == "public"]
        elif p.ownership == "public_or_inclusive":
            sc = sc[(sc["ownership"] == "public") | sc["inclusive"]]
        # a reserved site (candidate) is land, not a school: only schools built or proposed count
        near = ctx.count_within(estates.geometry, sc.geometry, p.within_m)
        for (_, row), n in zip(estates.iterrows(), near):
            have = int(n)
            if have >= p.schools:
                continue
            own_zh = {"public": "公办", "public_or_inclusive": "公办或普惠性", "any": ""}[p.ownership]
            own_en = {"public": "public ", "public_or_inclusive": "public or 普惠 ", "any": ""}[p.ownership]
            out.append(_finding(
                "residential", row, row["county"], have, p.schools, "schools",
                f"{row['name']}（{int(row['residents']):,}人）{p.within_m:,.0f}米内无配套{own_zh}{LEVEL_ZH[level]}",
                f"{row['name']} ({int(row['residents']):,} residents) has no {own_en}{LEVEL_EN[level]} "
                f"within {p.within_m:,.0f} m", level=level))
    return out


#: Pupil counts from a plan's continuous flows carry float noise; a cap is broken above it.
TOLERANCE = 1e-6


@check("school_size_cap")
def school_size_cap(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    sc = ctx.schools[ctx.schools["type"].isin(p.school_types)]
    total = ctx.school_total(sc)
    out: list[Finding] = []
    for (_, row), pupils in zip(sc.iterrows(), total):
        if pupils <= p.max_pupils + TOLERANCE:  # planned flows are continuous: 3,000.000000002 is 3,000
            continue
        info = rule.scope.build == "new" and not row["proposed"]
        note_zh = "（上限适用于新建学校，现有学校仅供参考）" if info else ""
        note_en = " (the cap is for new schools; existing school shown for information)" if info else ""
        out.append(_finding(
            "school", row, row["county"], float(pupils), p.max_pupils, "pupils",
            f"{row['name']}在校生{pupils:,.0f}人，超过{p.max_pupils:,}人规模上限{note_zh}",
            f"{row['name']} has {pupils:,.0f} pupils, above the cap of {p.max_pupils:,}{note_en}",
            severity="info" if info else None))
    return out


@check("land_per_pupil")
def land_per_pupil(rule: Any, ctx: Context) -> list[Finding]:
    """Schools of the rule's areas whose site is smaller than their pupils of the rule's levels need at
    the 生均用地 figures (a boarding school's where given). A finding measures the site per pupil against
    what the school's mix of levels needs per pupil."""
    p = rule.params
    sc = ctx.schools[ctx.schools["area"].isin(rule.scope.areas) & ~ctx.schools["closing"]]
    if rule.scope.build == "new":
        sc = sc[sc["proposed"]]
    need = pd.Series(0.0, index=sc.index)
    pupils = pd.Series(0.0, index=sc.index)
    for level in rule.level:
        here = sc[enrolment_col(level)].where(ctx.teaches(level, sc), 0.0)
        day = p.m2_per_pupil[level]
        need += here * np.where(sc["boarding"], p.boarding_m2_per_pupil.get(level, day), day)
        pupils += here
    out: list[Finding] = []
    for (_, row), n, e in zip(sc.iterrows(), need, pupils):
        site = float(row["site_area_m2"]) if pd.notna(row["site_area_m2"]) else np.nan
        if e < 1 or not np.isfinite(site) or site >= n - TOLERANCE:
            continue
        out.append(_finding(
            "school", row, row["county"], round(site / e, 1), round(n / e, 1), "m2/pupil",
            f"{row['name']}占地{site:,.0f}平方米、学生{e:,.0f}人，生均{site / e:.1f}平方米，"
            f"低于生均用地标准{n / e:.1f}平方米（应有{n:,.0f}平方米）",
            f"{row['name']}: a {site:,.0f} m² site for {e:,.0f} pupils, {site / e:.1f} m² each, below the "
            f"{n / e:.1f} m² a pupil the standard asks ({n:,.0f} m²)"))
    return out


@check("resource_room")
def resource_room(rule: Any, ctx: Context) -> list[Finding]:
    """Schools with the rule's number of pupils with disabilities in regular classes (随班就读) and no
    resource room. A county whose schools' layer gives no such numbers cannot be checked: it gets one
    ``info`` finding saying so, rather than passing silently."""
    p = rule.params
    sc = ctx.schools[ctx.schools["type"].isin(p.school_types) & ~ctx.schools["closing"]]
    sc = sc[sc["area"].isin(rule.scope.areas)]
    counts = pd.to_numeric(sc["disabled_pupils"], errors="coerce") if "disabled_pupils" in sc else \
        pd.Series(np.nan, index=sc.index)
    room = sc["resource_room"].fillna(False).astype(bool) if "resource_room" in sc else \
        pd.Series(False, index=sc.index)
    out: list[Finding] = []
    for (_, row), n, has in zip(sc.iterrows(), counts, room):
        if np.isfinite(n) and n >= p.min_pupils and not has:
            out.append(_finding(
                "school", row, row["county"], float(n), p.min_pupils, "pupils",
                f"{row['name']}随班就读残疾学生{n:.0f}人，未建资源教室",
                f"{row['name']} has {n:.0f} pupils with disabilities in regular classes and no resource room"))
    known = set(sc.loc[counts.notna(), "county"])
    for _, row in _county_rows(ctx).iterrows():
        if row["adcode"] in set(sc["county"]) and row["adcode"] not in known:
            out.append(_finding(
                "county", row, row["adcode"], None, p.min_pupils, "pupils",
                f"{row['name']}的学校数据没有随班就读残疾学生数（disabled_pupils），资源教室未能核查",
                f"{row['name']}: the schools layer gives no pupils with disabilities (disabled_pupils); resource "
                "rooms not checked", severity="info", id_col="adcode"))
    return out


def _townships_in(ctx: Context, rule: Any, kinds: Any) -> pd.DataFrame:
    """The townships of ``kinds`` (street, town, township, other) in the rule's areas."""
    t = ctx.townships
    return t[t["kind"].isin(kinds) & t["area"].isin(rule.scope.areas)]


@check("class_size")
def class_size(rule: Any, ctx: Context) -> list[Finding]:
    """Schools with classes over the rule's line, estimated from their classes and enrolment by the one
    estimator the audit and the indicators share (:func:`layoutsim.rules.classes.classes_over`): for whole
    pupils, those whose average is above the line. A finding measures the school's average class size; a
    大班额 or 超大班额 one also says how many of its classes are over the line."""
    p = rule.params
    word_zh = {"standard": "标准班额", "large": "大班额线", "super_large": "超大班额线"}[p.category]
    word_en = {"standard": "standard class size", "large": "large-class line (大班额)",
               "super_large": "super-large-class line (超大班额)"}[p.category]
    entry_zh = "（规划限新入学年级；无分年级班额数据，以该学段全部班级代之）" if p.grades == "entry" else ""
    entry_en = (" (the plan limits the entry grade; without classes by grade, all the level's classes stand "
                "in for it)") if p.grades == "entry" else ""
    out: list[Finding] = []
    for level in rule.level:
        sc = ctx.schools[ctx.teaches(level)]
        classes = sc[classes_col(level)].fillna(0)
        sc, classes = sc[classes > 0], classes[classes > 0]
        pupils = sc[enrolment_col(level)]
        over = classes_over(pupils, classes, p.max_per_class)
        for (_, row), n, e, c in zip(sc.iterrows(), over, pupils, classes):
            if n < 1:
                continue
            a = float(e) / float(c)
            count_zh = count_en = ""
            if p.category != "standard":
                count_zh = f"（按学生均匀分班估算，{c:.0f}个班中{n:.0f}个班超过{p.max_per_class}人）"
                count_en = f" ({n:.0f} of its {c:.0f} classes, its pupils spread evenly)"
            out.append(_finding(
                "school", row, row["county"], round(a, 1), p.max_per_class, "pupils/class",
                f"{row['name']}{LEVEL_ZH[level]}平均班额{a:.1f}人，超过{word_zh}{p.max_per_class}人{count_zh}{entry_zh}",
                f"{row['name']}: {LEVEL_EN[level]} classes average {a:.1f} pupils, above the {word_en} of "
                f"{p.max_per_class}{count_en}{entry_en}", level=level))
    return out


def _township_counts(ctx: Context, mask: pd.Series) -> pd.Series:
    return ctx.schools[mask].groupby("township").size()


def _short(places: pd.DataFrame, counts: pd.Series, key: str,
           need: int | Callable[[pd.Series], int]) -> Iterator[tuple[pd.Series, int, int]]:
    """Each place with fewer schools than it needs: its row, how many it has (``counts`` by ``key``)
    and how many it needs (a number, or one per row)."""
    for _, row in places.iterrows():
        wanted = need(row) if callable(need) else need
        have = int(counts.get(row[key], 0))
        if have < wanted:
            yield row, have, wanted


@check("kindergarten_ratio")
def kindergarten_ratio(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    counts = _township_counts(ctx, ctx.teaches("kindergarten") & ~ctx.schools["closing"])
    tw = ctx.townships[ctx.townships["area"].isin(rule.scope.areas)]
    return [_finding(
        "township", row, row["county"], have, need, "kindergartens",
        f"{row['name']}人口{int(row['population']):,}人，按每{p.residents_per_kindergarten:,}人1所应有"
        f"{need}所幼儿园，现有{have}所",
        f"{row['name']}: {int(row['population']):,} residents need {need} kindergartens at one per "
        f"{p.residents_per_kindergarten:,}; it has {have}", level="kindergarten", id_col="code")
        for row, have, need in _short(tw, counts, "code",
                                      lambda r: math.ceil(r["population"] / p.residents_per_kindergarten))]


@check("central_kindergarten")
def central_kindergarten(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    sc = ctx.schools
    mask = ctx.teaches("kindergarten") & (sc["ownership"] == "public") & sc["central"] & ~sc["closing"]
    counts = _township_counts(ctx, mask)
    tw = _townships_in(ctx, rule, p.township_kinds)

    def need(row: pd.Series) -> int:
        large = p.large_population is not None and row["population"] >= p.large_population
        return int(p.large_min_count if large else p.min_count)
    return [_finding(
        "township", row, row["county"], have, wanted, "kindergartens",
        f"{row['name']}（{int(row['population']):,}人）应有{wanted}所公办中心幼儿园，现有{have}所",
        f"{row['name']} ({int(row['population']):,} residents) needs {wanted} public central "
        f"kindergarten(s); it has {have}", level="kindergarten", id_col="code")
        for row, have, wanted in _short(tw, counts, "code", need)]


@check("county_seat_public_kindergartens")
def county_seat_public_kindergartens(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    urban = set(ctx.townships.loc[ctx.townships["area"] == "urban", "code"])
    sc = ctx.schools
    mask = ctx.teaches("kindergarten") & (sc["ownership"] == "public") & sc["township"].isin(urban)
    counts = sc[mask & ~sc["closing"]].groupby("county").size()
    return [_finding(
        "county", row, row["adcode"], have, need, "kindergartens",
        f"{row['name']}城区公办幼儿园{have}所，少于{need}所",
        f"{row['name']}: {have} public kindergartens in the county seat, fewer than {need}",
        level="kindergarten", id_col="adcode")
        for row, have, need in _short(_county_rows(ctx), counts, "adcode", p.min_count)]


_METRIC_TEXT = {
    "inclusive_kindergarten": ("普惠性幼儿园覆盖率", "普惠 kindergarten coverage"),
    "public_kindergarten": ("公办园在园幼儿占比", "public kindergartens' share of children"),
    "private_compulsory": ("民办义务教育在校生占比", "private share of compulsory pupils"),
}


def _share_parts(metric: str, ctx: Context) -> tuple[pd.Series, pd.Series]:
    """(numerator, denominator) enrolment per school for a share metric."""
    sc = ctx.schools
    if metric == "private_compulsory":
        total = sc[enrolment_col("primary")] + sc[enrolment_col("junior")]
        return total.where(sc["ownership"] == "private", 0), total
    total = sc[enrolment_col("kindergarten")].where(ctx.teaches("kindergarten"), 0)
    ok = sc["ownership"] == "public"
    if metric == "inclusive_kindergarten":
        ok |= sc["inclusive"]
    return total.where(ok, 0), total


@check("share_target")
def share_target(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    num, den = _share_parts(p.metric, ctx)
    by_county = pd.DataFrame({"num": num, "den": den, "county": ctx.schools["county"]}).groupby("county").sum()
    zh, en = _METRIC_TEXT[p.metric]
    when_zh = f"（{p.by_year}年目标）" if p.by_year else ""
    when_en = f" (target for {p.by_year})" if p.by_year else ""
    out: list[Finding] = []
    for _, row in _county_rows(ctx).iterrows():
        if row["adcode"] not in by_county.index or by_county.at[row["adcode"], "den"] <= 0:
            continue
        share = by_county.at[row["adcode"], "num"] / by_county.at[row["adcode"], "den"]
        broken = share < p.share if p.bound == "min" else share > p.share
        if not broken:
            continue
        rel_zh, rel_en = ("低于", "below") if p.bound == "min" else ("高于", "above")
        out.append(_finding(
            "county", row, row["adcode"], round(float(share), 4), p.share, "share",
            f"{row['name']}{zh}{share:.1%}，{rel_zh}{p.share:.0%}{when_zh}",
            f"{row['name']}: {en} {share:.1%}, {rel_en} {p.share:.0%}{when_en}", id_col="adcode"))
    return out


@check("county_population_school")
def county_population_school(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    sc = ctx.schools[ctx.schools["type"].isin(p.school_types) & ~ctx.schools["closing"]]
    if p.count == "proposed":
        sc = sc[sc["proposed"]]
    counts = sc.groupby("county").size()
    counties = _county_rows(ctx)
    if p.county_kinds is not None:
        counties = counties[counties["kind"].isin(p.county_kinds)]
    what_zh = "新建" if p.count == "proposed" else ""
    what_en = "new " if p.count == "proposed" else ""
    kinds_zh = "、".join(LEVEL_ZH.get(t, t) for t in rule.level) or "学校"
    kinds_en = ", ".join(LEVEL_EN.get(t, t) for t in rule.level) or "school"

    def needs(row: pd.Series) -> int:
        steps = [s for s in p.steps if row["population"] >= s.min_population]
        return max(steps, key=lambda s: s.min_population).min_count if steps else 0
    out: list[Finding] = []
    for row, have, need in _short(counties, counts, "adcode", needs):
        out.append(_finding(
            "county", row, row["adcode"], have, need, "schools",
            f"{row['name']}（{int(row['population']):,}人）应有{what_zh}{kinds_zh}{need}所，现有{have}所",
            f"{row['name']} ({int(row['population']):,} people) needs {need} {what_en}{kinds_en}(s); "
            f"it has {have}", id_col="adcode"))
    return out


def _reach_distances(rule: Any, level: str, units: pd.DataFrame, ctx: Context) -> pd.Series:
    """Distance (m) each unit's pupils of a level travel: the assignment's longest, else to the nearest school."""
    if ctx.assignment is not None:
        a = ctx.assignment[ctx.assignment["level"] == level]
        longest = a.groupby(a["residential"].astype(str))["distance_m"].max()
        return units["id"].map(longest)
    sc = ctx.schools[ctx.teaches(level) & ~ctx.schools["closing"]]
    return pd.Series(ctx.nearest_distance(units.geometry, sc.geometry), index=units.index)


@check("service_radius")
def service_radius(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    res = ctx.residential
    units = res[res["area"].isin(rule.scope.areas) & (res["residents"] > 0)]
    if rule.scope.build == "new":
        units = units[units["kind"] == "new"]
    out: list[Finding] = []
    for level in rule.level:
        lv_units = units
        if ctx.pupils is not None:
            pup = ctx.pupils[(ctx.pupils["level"] == level) & (ctx.pupils["pupils"] > 0)]
            lv_units = units[units["id"].isin(pup["residential"].astype(str))]
        dist = _reach_distances(rule, level, lv_units, ctx)
        for (_, row), d in zip(lv_units.iterrows(), dist):
            if pd.isna(d) or d <= p.radius_m:
                continue
            far_zh = "无可达学校" if math.isinf(d) else f"{d:,.0f}米"
            far_en = "no school reachable" if math.isinf(d) else f"{d:,.0f} m"
            out.append(_finding(
                "residential", row, row["county"], float(d), p.radius_m, "m",
                f"{row['name']}到最近{LEVEL_ZH[level]}{far_zh}，超过服务半径{p.radius_m:,.0f}米",
                f"{row['name']}: nearest {LEVEL_EN[level]} {far_en}, beyond the {p.radius_m:,.0f} m radius",
                level=level))
    return out


@check("boarding")
def boarding(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    out: list[Finding] = []
    for level in rule.level:
        sc = ctx.schools[ctx.teaches(level) & ctx.schools["area"].isin(rule.scope.areas)
                         & ~ctx.schools["closing"]]
        if p.min_share > 0:
            out += _boarding_share(rule, level, sc, ctx)
        if p.max_boarding_per_township is not None:
            counts = sc[sc["boarding"]].groupby("township").size()
            tw = ctx.townships.set_index("code")
            for code, n in counts.items():
                if n <= p.max_boarding_per_township or code not in tw.index:
                    continue
                row = tw.loc[code]
                out.append(_finding(
                    "township", {**row.to_dict(), "code": code}, row["county"], int(n),
                    p.max_boarding_per_township, "schools",
                    f"{row['name']}有寄宿制{LEVEL_ZH[level]}{n}所，多于{p.max_boarding_per_township}所",
                    f"{row['name']} has {n} boarding {LEVEL_EN[level]} schools, more than "
                    f"{p.max_boarding_per_township}", level=level, id_col="code"))
        if p.min_boarding_per_township is not None:
            out += _boarding_per_township_floor(rule, level, sc, ctx)
    return out


def _boarding_per_township_floor(rule: Any, level: str, sc: pd.DataFrame, ctx: Context) -> list[Finding]:
    """Townships (镇, 乡) of the rule's areas with fewer boarding schools of the level than the floor."""
    need = rule.params.min_boarding_per_township
    counts = sc[sc["boarding"]].groupby("township").size()
    tw = _townships_in(ctx, rule, ("town", "township"))
    return [_finding(
        "township", row, row["county"], have, need, "schools",
        f"{row['name']}有寄宿制{LEVEL_ZH[level]}{have}所，少于{need}所",
        f"{row['name']} has {have} boarding {LEVEL_EN[level]} school(s), fewer than {need}",
        level=level, id_col="code")
        for row, have, _ in _short(tw, counts, "code", need)]


def _boarding_share(rule: Any, level: str, sc: pd.DataFrame, ctx: Context) -> list[Finding]:
    p = rule.params
    want = sc["boarding"] if p.expect == "boarding" else ~sc["boarding"]
    pupils = sc[enrolment_col(level)]
    frame = pd.DataFrame({"num": pupils.where(want, 0), "den": pupils, "county": sc["county"]})
    by_county = frame.groupby("county").sum()
    mode_zh, mode_en = ("寄宿制", "boarding") if p.expect == "boarding" else ("走读", "day")
    out: list[Finding] = []
    for _, row in _county_rows(ctx).iterrows():
        if row["adcode"] not in by_county.index or by_county.at[row["adcode"], "den"] <= 0:
            continue
        share = by_county.at[row["adcode"], "num"] / by_county.at[row["adcode"], "den"]
        if share >= p.min_share:
            continue
        out.append(_finding(
            "county", row, row["adcode"], round(float(share), 4), p.min_share, "share",
            f"{row['name']}农村{LEVEL_ZH[level]}在校生在{mode_zh}学校的比例{share:.0%}，低于{p.min_share:.0%}",
            f"{row['name']}: {share:.0%} of rural {LEVEL_EN[level]} pupils attend {mode_en} schools, "
            f"below {p.min_share:.0%}", level=level, id_col="adcode"))
    return out


@check("closure_precondition")
def closure_precondition(rule: Any, ctx: Context) -> list[Finding]:
    """Schools marked ``closing`` need spare seats, already built, in open schools (same county, in reach)."""
    p = rule.params
    sc = ctx.schools
    out: list[Finding] = []
    for _, row in sc[sc["closing"]].iterrows():
        for level in SCHOOL_TYPES.get(row["type"], ()):
            if rule.level and level not in rule.level:
                continue
            pupils = float(row[enrolment_col(level)])
            if ctx.assignment is None and pupils <= 0:
                continue
            recv = sc[ctx.teaches(level) & ~sc["closing"] & (sc["county"] == row["county"])]
            if p.max_receiving_distance_m is not None:
                far = travel.to_point(travel.xy(recv.geometry), [row["geometry"].x, row["geometry"].y])
                recv = recv[far <= p.max_receiving_distance_m]
            size = ctx.rulebook.class_size(level)
            spare = float((recv[classes_col(level)].fillna(0) * size - recv[enrolment_col(level)]).clip(lower=0).sum())
            if pupils <= spare:
                continue
            out.append(_finding(
                "school", row, row["county"], spare, pupils, "seats",
                f"{row['name']}拟撤并，但接收学校仅有{spare:,.0f}个空余{LEVEL_ZH[level]}学位，少于其{pupils:,.0f}名在校生（先建后撤）",
                f"{row['name']} is to close, but receiving schools have only {spare:,.0f} spare {LEVEL_EN[level]} "
                f"seats for its {pupils:,.0f} pupils (build before closing)", level=level))
    return out


def kept_small_schools(rule: Any, schools: pd.DataFrame, areas: pd.Series) -> np.ndarray:
    """Which ``schools`` a keep_small_schools ``rule`` protects: of its types, in its areas (``areas``:
    each school's urban/rural/mountain), with fewer pupils today (all levels) than its ``max_pupils``.
    The audit and the optimizer (which never closes them) both ask this."""
    p = rule.params
    pupils = sum(pd.to_numeric(schools[enrolment_col(lv)], errors="coerce").fillna(0.0) for lv in LEVELS)
    return (schools["type"].isin(p.school_types) & pd.Series(areas, index=schools.index).isin(rule.scope.areas)
            & (pupils < p.max_pupils)).to_numpy(dtype=bool)


@check("keep_small_schools")
def keep_small_schools(rule: Any, ctx: Context) -> list[Finding]:
    """A plan that closes a small village school or teaching point the plan keeps (保留/办好)."""
    sc = ctx.schools
    today = ctx.region.schools.set_index(ctx.region.schools["id"].astype(str))
    kept = kept_small_schools(rule, today, sc.set_index(sc["id"].astype(str))["area"].reindex(today.index))
    protected = set(today.index[kept])
    out: list[Finding] = []
    for _, row in sc[sc["closing"] & sc["id"].astype(str).isin(protected)].iterrows():
        out.append(_finding(
            "school", row, row["county"], None, None, "",
            f"{row['name']}是规划要求保留的乡村小规模学校或教学点，不应撤并",
            f"{row['name']} is a small village school or teaching point the plan keeps: it should not close"))
    return out


@check("concentration")
def concentration(rule: Any, ctx: Context) -> list[Finding]:
    p = rule.params
    out: list[Finding] = []
    for level in rule.level:
        sc = ctx.schools[ctx.teaches(level)]
        pupils = sc[enrolment_col(level)]
        frame = pd.DataFrame({"num": pupils.where(sc["area"] == "urban", 0), "den": pupils,
                              "county": sc["county"]}).groupby("county").sum()
        for _, row in _county_rows(ctx).iterrows():
            if row["adcode"] not in frame.index or frame.at[row["adcode"], "den"] <= 0:
                continue
            share = frame.at[row["adcode"], "num"] / frame.at[row["adcode"], "den"]
            if p.min_share is not None and share >= p.min_share:
                continue
            out.append(_finding(
                "county", row, row["adcode"], round(float(share), 4), p.min_share, "share",
                f"{row['name']}{LEVEL_ZH[level]}在校生在县城（城区）的比例为{share:.0%}",
                f"{row['name']}: {share:.0%} of {LEVEL_EN[level]} pupils attend schools in the county seat",
                level=level, id_col="adcode"))
    return out


_missing = set(KINDS) - set(CHECKS)
if _missing:  # a kind without a check is a programming error, caught on import
    raise RuntimeError(f"rule kinds without a check: {sorted(_missing)}")
