"""``report.html``: the run's indicators, audit findings with the plan's sentences, tables by county,
township and year, and inline SVG charts. Printable, offline, readable on a projector."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..i18n import LEVEL_EN, LEVEL_ZH, t
from ..metrics import Kpis
from ..optimize.result import ZonesVsFractional
from ..rules import summarize
from ..schema import LEVELS
from .charts import PALETTE, Series, bar_chart, line_chart
from .indicators import kindergarten_shares, township_gap
from .page import render_page
from .plan import PlanFrames, as_plan, school_names
from .targets import targets_view

__all__ = ["build_report", "headline", "year_table", "township_table", "demand_chart", "gap_chart"]

MAX_FINDINGS = 400


def _pct(v: float | None) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.1%}"


def _n(v: float | None) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:,.0f}"


def headline(kpis: Kpis, schools: pd.DataFrame, plan: PlanFrames | None,
             findings: pd.DataFrame | None) -> dict[str, float | None]:
    """The area's headline numbers (raw values; formatting is the template's)."""
    levels = list(kpis.area.values())
    pupils = sum(k.pupils for k in levels)
    seats = sum(k.seats for k in levels)
    within = sum((k.within_reach_share or 0) * k.pupils for k in levels)
    classes = sum(k.classes for k in levels)
    large = sum(k.large_classes + k.super_large_classes for k in levels)
    enrol = sum(k.enrolment for k in levels)
    out: dict[str, float | None] = {
        "pupils": pupils, "seats": seats, "utilisation": enrol / seats if seats else None,
        "within_reach_share": within / pupils if pupils else None,
        "large_class_share": large / classes if classes else None,
        "unmet": sum(k.unmet for k in levels),
        **kindergarten_shares(schools),
        "cost_cny": plan.cost_cny if plan is not None else None,
        "findings": float(len(findings)) if findings is not None else None,
    }
    return out


def year_table(seat_gap: pd.DataFrame) -> pd.DataFrame:
    """Area totals by level and year: pupils, seats, gap (and the band and teachers where given)."""
    values = [c for c in ("pupils", "pupils_low", "pupils_high", "teachers", "seats") if c in seat_gap.columns]
    out = seat_gap.groupby(["level", "year"], as_index=False)[values].sum()
    out["gap"] = out["pupils"] - out["seats"]
    return out.sort_values(["level", "year"], key=lambda s: s.map({lv: i for i, lv in enumerate(LEVELS)})
                           if s.name == "level" else s).reset_index(drop=True)


def township_table(region, seat_gap: pd.DataFrame, year: int) -> pd.DataFrame:
    """Townships × levels in one year: pupils, seats and gap, with the township's name."""
    names = dict(zip(region.townships["code"].astype(str), region.townships["name"]))
    g = seat_gap[seat_gap["year"] == year].assign(township=lambda d: d["township"].astype(str))
    g = g.groupby(["township", "level"], as_index=False)[["pupils", "seats"]].sum()
    g["gap"] = g["pupils"] - g["seats"]
    wide = g.pivot(index="township", columns="level", values=["pupils", "seats", "gap"]).fillna(0.0)
    wide.insert(0, ("name", ""), [names.get(c, c) for c in wide.index])
    return wide


def demand_chart(tables: list[tuple[str, pd.DataFrame]], level: str, lang: str) -> Any:
    """Pupils (solid, in a fan from the band's low to its high forecast) and seats (dashed) of one level
    over the years, one colour per scenario."""
    years = sorted({int(y) for _, tb in tables for y in tb["year"]})
    series = []
    for i, (label, tb) in enumerate(tables):
        sub = tb[tb["level"] == level].set_index("year").reindex(years)
        prefix = f"{label} " if len(tables) > 1 else ""
        band = ((sub["pupils_low"].to_numpy(float), sub["pupils_high"].to_numpy(float))
                if {"pupils_low", "pupils_high"} <= set(sub.columns) else None)
        series += [Series(prefix + t("pupils_band" if band else "pupils", lang), sub["pupils"].to_numpy(float),
                          PALETTE[2 * i % 7], band=band),
                   Series(prefix + t("seats", lang), sub["seats"].to_numpy(float), PALETTE[(2 * i + 1) % 7], dash=True)]
    return line_chart(years, series, title=f"{t(level, lang)}：{t('demand_vs_seats', lang)}")


def teachers_chart(years: pd.DataFrame, lang: str) -> Any:
    """Teachers needed (staff posts by the national norms) of each level over the years."""
    order = [lv for lv in LEVELS if lv in set(years["level"])]
    xs = sorted(int(y) for y in years["year"].unique())
    series = [Series(t(lv, lang), years[years["level"] == lv].set_index("year")["teachers"].reindex(xs).to_numpy(float),
                     PALETTE[i % 7]) for i, lv in enumerate(order)]
    return line_chart(xs, series, title=t("teachers_needed", lang))


def gap_chart(tables: list[tuple[str, pd.DataFrame]], level: str, lang: str, limit: int = 25) -> Any:
    """Seat gap (pupils − seats) by township of one level, in the last year; one bar per scenario."""
    frames = []
    for label, tb in tables:
        sub = tb[(tb["level"] == level) & (tb["year"] == tb["year"].max())]
        frames.append(sub.assign(gap=sub["pupils"] - sub["seats"]).groupby("name")["gap"].sum().rename(label))
    wide = pd.concat(frames, axis=1).fillna(0.0)
    wide = wide.reindex(wide.abs().max(axis=1).sort_values(ascending=False).index[:limit])
    wide = wide.sort_values(wide.columns[0], ascending=False)
    series = [Series(c, wide[c].to_numpy(float), PALETTE[i % 7]) for i, c in enumerate(wide.columns)]
    year = int(max(tb["year"].max() for _, tb in tables))
    return bar_chart([str(n) for n in wide.index], series, diverging=True,
                     title=f"{t(level, lang)}：{t('gap_by_township', lang)}（{year}）")


ACTION_KINDS = ("build", "expand", "temporary", "convert", "close")


def timeline_view(years_plan: Any, forecast_years: pd.DataFrame, lang: str) -> dict | None:
    """The plan over years for the report: action counts by year, planned seats against pupils by level."""
    if years_plan is None:
        return None
    acts = years_plan.actions
    counts = acts.pivot_table(index="year", columns="action", values="classes", aggfunc="size", fill_value=0)
    temp = acts[acts["action"] == "temporary"].groupby("year")["classes"].sum()
    by_year = counts.reindex(columns=list(ACTION_KINDS), fill_value=0)
    by_year["temporary"] = temp.reindex(by_year.index, fill_value=0)
    starts = acts.groupby("start_year")["capital_cny"].sum()  # booked where work starts, as the budgets are
    by_year = by_year.reindex(sorted(set(by_year.index) | set(starts.index)), fill_value=0)
    by_year["capital_cny"] = starts.reindex(by_year.index, fill_value=0.0)
    seats = years_plan.years.groupby(["level", "year"], as_index=False)["seats"].sum()
    charts = []
    for lv in [lv for lv in LEVELS if lv in set(seats["level"])]:
        demand = forecast_years[forecast_years["level"] == lv].set_index("year")
        planned = seats[seats["level"] == lv].set_index("year")["seats"]
        xs = sorted(int(y) for y in planned.index)
        d = demand.reindex(xs)
        series = [Series(t("pupils_band", lang), d["pupils"].to_numpy(float), PALETTE[0],
                         band=(d["pupils_low"].to_numpy(float), d["pupils_high"].to_numpy(float))),
                  Series(t("planned_seats", lang), planned.reindex(xs).to_numpy(float), PALETTE[1], dash=True)]
        charts.append(line_chart(xs, series, title=f"{t(lv, lang)}：{t('seats_by_year', lang)}"))
    return {"kinds": ACTION_KINDS, "by_year": by_year, "charts": charts, "outlook": years_plan.horizon.outlook,
            "stranded": years_plan.stranded_seats,
            "budget": None if years_plan.budget is None else years_plan.budget.kpis()}


#: The rows of the zoned-against-fractional table: (field, zh, en, divisor, decimals).
ZONES_ROWS = (("cost_cny", "费用（万元）", "cost (10,000 CNY)", 1e4, 0),
              ("pupil_km", "学生上学距离（人·公里）", "pupil-km", 1.0, 0),
              ("unmet_pupils", "未满足学位（人）", "unmet pupils", 1.0, 0),
              ("new_schools", "新建学校（所）", "new schools", 1.0, 0),
              ("added_classes", "扩建班数", "classes added", 1.0, 0),
              ("solver_seconds", "求解时间（秒）", "solve time (s)", 1.0, 1))


def zones_view(versus: ZonesVsFractional | None, lang: str) -> dict | None:
    """The plan with units whole beside the plan solved fractionally (``[plan] assignment = "zones"``):
    a row per number, formatted, and the note under the table."""
    if versus is None:
        return None
    zh = lang == "zh"
    rows = []
    for key, label_zh, label_en, div, dec in ZONES_ROWS:
        z, f = float(getattr(versus.zoned, key)), float(getattr(versus.fractional, key))
        rows.append((label_zh if zh else label_en, f"{z / div:,.{dec}f}", f"{f / div:,.{dec}f}",
                     f"{(z - f) / div:+,.{dec}f}"))
    levels = "、".join(LEVEL_ZH[lv] for lv in versus.zoned_levels) if zh else \
        ", ".join(LEVEL_EN[lv] for lv in versus.zoned_levels)
    note = (f"整体划入：每个居住区的{levels}学生全部划入一所学校（可公布的学区）；按比例分配：学生可分到多所学校。"
            f"按比例分配的方案把{versus.units_split_by_fractional}个居住区（按学段计）的学生分到了多所学校。两个方案各求解一次。"
            if zh else
            f"Whole units: each unit's {levels} pupils go to one school (zones a bureau can announce); "
            f"fractional: pupils may be split among schools. The fractional plan splits "
            f"{versus.units_split_by_fractional} unit–levels. Each plan is a solve of its own.")
    head = (("学区划片（整体划入）与按比例分配对比", "整体划入", "按比例分配", "差值") if zh else
            ("Zoned (whole units) against fractional assignment", "zoned", "fractional", "difference"))
    return {"title": head[0], "columns": head[1:], "rows": rows, "note": note}


def named_gap(region, seat_gap: pd.DataFrame) -> pd.DataFrame:
    names = dict(zip(region.townships["code"].astype(str), region.townships["name"]))
    return seat_gap.assign(name=seat_gap["township"].astype(str).map(lambda c: names.get(c, c)))


def build_report(region, school_table: pd.DataFrame, pupils: pd.DataFrame, kpis: Kpis, *, title: str,
                 lang: str = "zh", findings: pd.DataFrame | None = None, plan: Any = None,
                 seat_gap: pd.DataFrame | None = None, rulebook: Any = None, years_plan: Any = None) -> str:
    """``report.html`` as one self-contained page.

    Parameters
    ----------
    region, school_table, pupils, kpis
        From the run (``RunResult.region``, ``.schools``, ``.pupils``, ``.kpis``: :class:`layoutsim.metrics.Kpis`).
    title, lang
        Page title; ``"zh"`` or ``"en"``.
    findings
        Optional audit table (:func:`layoutsim.rules.audit`): a summary per rule and the list, each with
        the plan's sentence. ``rulebook`` (optional) lists the rules with no findings too.
    plan
        Optional plan (new_schools / expansions / closures): its cost and its tables; with a ``rulebook``
        that has ``[[targets]]``, the plan's build targets beside what the plan builds
        (:func:`layoutsim.render.targets.targets_view`).
    years_plan
        Optional plan over years (:class:`layoutsim.optimize.horizon.YearsPlan`): actions by year and a
        chart per level of planned seats against pupils (needs ``seat_gap`` for the pupils).
    seat_gap
        Optional ``township, level, year, pupils, seats`` (forecast years); without it, the target year's
        pupils against today's seats.
    """
    plan_frames = as_plan(plan, region.schools)
    year = kpis.target_year
    gap = seat_gap if seat_gap is not None and len(seat_gap) else township_gap(region, pupils, school_table, year)
    last = int(gap["year"].max())
    years = year_table(gap)
    named = named_gap(region, gap)
    levels = [lv for lv in LEVELS if lv in set(gap["level"])]
    summary = summarize(findings, rulebook) if findings is not None else None
    listed = None
    if findings is not None:
        order = {"hard": 0, "in_principle": 1, "target": 2, "audit": 3, "info": 4}
        listed = findings.sort_values("severity", key=lambda s: s.map(order).fillna(9), kind="stable")
    ctx = dict(
        title=title, lang=lang, html_lang="zh-CN" if lang == "zh" else "en", t=lambda k: t(k, lang),
        kpis=kpis, levels=levels, all_levels=list(LEVELS), head=headline(kpis, region.schools, plan_frames, findings),
        synthetic=region.synthetic, n=_n, pct=_pct,
        years=years, township=township_table(region, gap, last), last_year=last,
        demand_charts=[demand_chart([(title, years)], lv, lang) for lv in levels]
        + ([teachers_chart(years, lang)] if "teachers" in years.columns else []),
        gap_charts=[gap_chart([(title, named)], lv, lang) for lv in levels if lv in ("primary", "junior")] or
        [gap_chart([(title, named)], lv, lang) for lv in levels[:1]],
        summary=summary, findings=listed.head(MAX_FINDINGS) if listed is not None else None,
        findings_total=len(listed) if listed is not None else 0, max_findings=MAX_FINDINGS,
        plan=plan_frames, school_names=school_names(region.schools, plan_frames),
        leaflet=False, timeline=timeline_view(years_plan, years, lang) if seat_gap is not None else None,
        zones=zones_view(kpis.zones_vs_fractional, lang),
        targets=targets_view(rulebook, plan_frames, lang, year) if plan_frames is not None else None,
    )
    return render_page("report.html", **ctx)
