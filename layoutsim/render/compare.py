"""方案比选: one page putting two or more runs side by side for a review meeting.

``compare.html`` shows the indicators side by side with their differences from the first run, the maps
side by side with pan and zoom kept in step, what differs (assumptions, new sites chosen in one and not
another, expansions, closures, cost, reach), the charts of every run overlaid and, for plans over years,
their timelines side by side (actions and capital by year, planned seats against pupils, stranded seats).
Self-contained, offline.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ..config.scenario import Scenario
from ..errors import ScenarioError
from ..io import atomic_dir
from ..region import Region
from ..i18n import t
from ..metrics import Kpis, LevelKpis, YearsKpis
from ..schema import LEVELS
from .charts import PALETTE, Series, line_chart
from .map import map_spec
from .page import render_page
from .plan import PlanFrames, as_plan
from .report import demand_chart, gap_chart, headline, named_gap, timeline_view, year_table



class ComparedRun(Protocol):
    """What the comparison reads of a run (a :class:`layoutsim.pipeline.ComparedRun`)."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def region(self) -> Region: ...
    @property
    def pupils(self) -> pd.DataFrame: ...
    @property
    def schools(self) -> pd.DataFrame: ...
    @property
    def assignment(self) -> Any: ...
    @property
    def kpis(self) -> Kpis: ...
    @property
    def outlook(self) -> Any: ...
    @property
    def plan(self) -> Any: ...
    @property
    def out_dir(self) -> Path: ...
    @property
    def years_plan(self) -> Any: ...  # a plan over years, or None

__all__ = ["compare", "compare_html"]

#: Indicators per level: (label key, the indicator, format, higher is better).
LEVEL_ROWS: tuple[tuple[str, Callable[[LevelKpis], float | None], str, bool | None], ...] = (
    ("pupils", lambda k: k.pupils, "n", None), ("seats", lambda k: k.seats, "n", True),
    ("utilisation", lambda k: k.utilisation, "pct", None),
    ("within_reach_share", lambda k: k.within_reach_share, "pct", True),
    ("mean_distance_m", lambda k: k.mean_distance_m, "n", False),
    ("large_class_share", lambda k: k.large_class_share, "pct", False), ("unmet", lambda k: k.unmet, "n", False))
#: The plans over years side by side: (label key, the indicator, format).
YEARS_ROWS: tuple[tuple[str, Callable[[YearsKpis], float | None], str], ...] = (
    ("lifetime_cost_cny", lambda y: y.lifetime_cost_cny, "cny"), ("stranded_seats", lambda y: y.stranded_seats, "n"),
    ("stranded_seats_without_outlook", lambda y: y.stranded_seats_without_outlook, "n"))
HEAD_ROWS = (("pupils", "n", None), ("seats", "n", True), ("utilisation", "pct", None),
             ("within_reach_share", "pct", True), ("large_class_share", "pct", False), ("unmet", "n", False),
             ("inclusive_share", "pct", True), ("public_kg_share", "pct", True), ("public_share", "pct", True),
             ("cost_cny", "cny", False), ("findings", "n", False))


def _labels(results: Sequence[ComparedRun], lang: str) -> list[str]:
    """Each run's title; runs sharing a title are told apart by their scenario id (charts key on labels)."""
    metas = [r.scenario.scenario for r in results]
    titles = [m.title_en if lang == "en" and m.title_en else m.title for m in metas]
    return [f"{title}（{m.id}）" if titles.count(title) > 1 else title for title, m in zip(titles, metas)]


def check_distinct(scenarios: list[Any]) -> None:
    """Raise a ScenarioError when two of the scenarios to compare share an id (their outputs would collide)."""
    ids = [sc.id for sc in scenarios]
    same = sorted({i for i in ids if ids.count(i) > 1})
    if same:
        raise ScenarioError(
            "compare needs scenarios with different ids; give each its own [scenario] id",
            [f"id {i!r}: " + ", ".join(str(sc.source or "?") for sc in scenarios if sc.id == i) for i in same],
        )


def _gap(r: ComparedRun) -> pd.DataFrame:
    """Pupils against today's seats by township, level and year (the run's early-warning outlook)."""
    return r.outlook.seat_gap


def _years_plan(r: ComparedRun) -> Any:
    return getattr(r, "years_plan", None)


def _timelines(results: Sequence[ComparedRun], labels: list[str], lang: str) -> dict[str, Any] | None:
    """Plans over years side by side: each year's actions and capital by run, and per level each run's
    planned seats against its pupils year by year (None when no run is a plan over years)."""
    views = [timeline_view(_years_plan(r), year_table(_gap(r)), lang) if _years_plan(r) is not None else None
             for r in results]
    if all(v is None for v in views):
        return None
    years = sorted({int(y) for v in views if v is not None for y in v["by_year"].index})
    rows = []
    for y in years:
        cells = []
        for v in views:
            if v is None or y not in v["by_year"].index:
                cells += ["—", "—"]
                continue
            row = v["by_year"].loc[y]
            cells += ["　".join(f"{t('action_' + a, lang)} {int(row[a])}" for a in v["kinds"] if row[a]) or "—",
                      _fmt(float(row["capital_cny"]), "cny")]
        rows.append({"year": y, "cells": cells})
    charts = []
    for lv in LEVELS:
        series, xs = [], None
        for i, (r, lab) in enumerate(zip(results, labels)):
            yp = _years_plan(r)
            if yp is None:
                continue
            seats = yp.years[yp.years["level"] == lv].groupby("year")["seats"].sum()
            if seats.empty:
                continue
            xs = sorted(int(y) for y in seats.index) if xs is None else xs
            demand = year_table(_gap(r))
            pupils = demand[demand["level"] == lv].set_index("year")["pupils"].reindex(xs)
            colour = PALETTE[2 * i % 7]
            series += [Series(f"{lab}：{t('pupils', lang)}", pupils.to_numpy(float), colour),
                       Series(f"{lab}：{t('planned_seats', lang)}", seats.reindex(xs).to_numpy(float), colour,
                              dash=True)]
        if series and xs:
            charts.append(line_chart(xs, series, title=f"{t(lv, lang)}：{t('seats_by_year', lang)}"))
    summary = []
    for key, value, kind in YEARS_ROWS:
        vals = [None if r.kpis.plan.years is None else value(r.kpis.plan.years) for r in results]
        summary.append({"label": t(key, lang) + (f"（{t('wan_cny', lang)}）" if kind == "cny" else ""),
                        "values": [_fmt(v, kind) for v in vals]})
    return {"rows": rows, "charts": charts, "summary": summary}


def _fmt(v: Any, kind: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if kind == "pct":
        return f"{v:.1%}"
    if kind == "cny":
        return f"{v / 1e4:,.0f}"
    return f"{v:,.0f}"


def _diff(v: Any, base: Any, kind: str, better: bool | None) -> tuple[str, str]:
    """The difference from the base run, formatted, and a class: better / worse / same."""
    if v is None or base is None or pd.isna(v) or pd.isna(base):
        return "—", ""
    d = float(v) - float(base)
    if abs(d) < (5e-4 if kind == "pct" else 0.5):
        return "0", "same"
    text = f"{d * 100:+.1f} pp" if kind == "pct" else (f"{d / 1e4:+,.0f}" if kind == "cny" else f"{d:+,.0f}")
    cls = "" if better is None else ("better" if (d > 0) == better else "worse")
    return text, cls


def _indicator_rows(results: Sequence[ComparedRun], heads: list[dict], lang: str) -> list[dict[str, Any]]:
    rows = []
    for key, kind, better in HEAD_ROWS:
        vals = [h.get(key) for h in heads]
        if all(v is None for v in vals):
            continue
        label = t("findings_layer" if key == "findings" else key, lang) + (f"（{t('wan_cny', lang)}）" if kind == "cny" else "")
        rows.append({"group": t("area_total", lang), "label": label, "values": [_fmt(v, kind) for v in vals],
                     "diffs": [_diff(v, vals[0], kind, better) for v in vals[1:]]})
    for level in LEVELS:
        for label, value, kind, better in LEVEL_ROWS:
            vals = [value(r.kpis.area[level]) for r in results]
            rows.append({"group": t(level, lang), "label": t(label, lang), "values": [_fmt(v, kind) for v in vals],
                         "diffs": [_diff(v, vals[0], kind, better) for v in vals[1:]]})
    return rows


def _site_key(df: pd.DataFrame) -> pd.Series:
    ident = df["school"].astype(str) if "school" in df.columns else pd.Series("", index=df.index)
    place = df["lon"].round(4).astype(str) + "," + df["lat"].round(4).astype(str)
    return ident.where(ident != "", df["name"].astype(str) + "@" + place)


def _differences(results: Sequence[ComparedRun], plans: list[PlanFrames | None], lang: str) -> list[dict[str, Any]]:
    """What differs between the runs: assumptions, sites, expansions, closures, cost, reach."""
    out: list[dict[str, Any]] = []
    metas = [r.scenario.scenario for r in results]
    for field, key in (("target_year", "target_year"),):
        vals = [str(getattr(m, field)) for m in metas]
        if len(set(vals)) > 1:
            out.append({"what": t(key, lang), "values": vals})
    dumps = [r.scenario.model_dump(mode="json", exclude={"source", "scenario", "data"}) for r in results]
    flat = [pd.json_normalize(d, sep=".").iloc[0].to_dict() if d else {} for d in dumps]
    for k in sorted(set().union(*flat)):
        vals = [str(f.get(k, "—")) for f in flat]
        if len(set(vals)) > 1:
            out.append({"what": k, "values": vals})
    for attr, key in (("new_schools", "sites_chosen"), ("expansions", "plan_expand"), ("closures", "plan_close")):
        sets: list[dict[str, str]] = []
        for p in plans:
            if p is None:
                sets.append({})
                continue
            df = getattr(p, attr)
            keys = _site_key(df) if attr == "new_schools" else df["school"].astype(str)
            sets.append(dict(zip(keys, df["name"].astype(str) if "name" in df.columns else keys)))
        if not any(sets):
            continue
        common = set.intersection(*(set(s) for s in sets))
        vals = []
        for s in sets:
            only = [s[k] for k in s if k not in common]
            vals.append(f"{t('only_in', lang)}: " + ("、".join(only) if only else t("none", lang))
                        + f"（{len(s)}）")
        out.append({"what": t(key, lang), "values": vals})
    costs = [p.cost_cny if p is not None else None for p in plans]
    if any(c is not None for c in costs):
        out.append({"what": f"{t('cost', lang)}（{t('wan_cny', lang)}）", "values": [_fmt(c, "cny") for c in costs]})
    for level in LEVELS:
        shares = [r.kpis.area[level].within_reach_share for r in results]
        if len({_fmt(v, "pct") for v in shares}) > 1:
            out.append({"what": f"{t(level, lang)} · {t('within_reach_share', lang)}",
                        "values": [_fmt(v, "pct") for v in shares]})
    return out


def compare_html(results: Sequence[ComparedRun], *, lang: str | None = None) -> str:
    """The comparison page of two or more runs, as one self-contained HTML string."""
    if len(results) < 2:
        raise ValueError("compare needs at least two runs")
    check_distinct([r.scenario for r in results])
    lang = lang or results[0].scenario.scenario.language
    labels = _labels(results, lang)
    plans = [as_plan(getattr(r, "plan", None), r.region.schools) for r in results]
    findings = [getattr(r, "findings", None) for r in results]
    gaps = [_gap(r) for r in results]
    heads = [headline(r.kpis, r.region.schools, p, f) for r, p, f in zip(results, plans, findings)]
    specs = [map_spec(r.region, r.schools, r.pupils, lang=lang, findings=f, plan=p, unmet=r.assignment.unmet,
                      seat_gap=g if _years_plan(r) is None else _years_plan(r).township_gap(r.region, g),
                      timeline=None if _years_plan(r) is None else _years_plan(r).actions,
                      collapsed_layers=True, year=r.kpis.target_year)
             for r, p, f, g in zip(results, plans, findings, gaps)]
    for spec in specs:  # one legend and one set of controls outside the maps drive them all
        spec["embedded"] = True
    years = [(lab, year_table(g)) for lab, g in zip(labels, gaps)]
    named = [(lab, named_gap(r.region, g)) for lab, r, g in zip(labels, results, gaps)]
    levels = [lv for lv in LEVELS if any(lv in set(g["level"]) for g in gaps)]
    return render_page(
        "compare.html", title=f"{t('compare_title', lang)}：" + " / ".join(labels), lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en", t=lambda k: t(k, lang), labels=labels,
        ids=[r.scenario.id for r in results], colours=[PALETTE[2 * i % 7] for i in range(len(results))],
        specs=specs, rows=_indicator_rows(results, heads, lang), differences=_differences(results, plans, lang),
        demand_charts=[demand_chart(years, lv, lang) for lv in levels],
        gap_charts=[gap_chart(named, lv, lang) for lv in levels if lv in ("primary", "junior")],
        synthetic=any(r.region.synthetic for r in results), timeline=_timelines(results, labels, lang),
    )


def compare(results: Sequence[ComparedRun], out_dir: Path) -> Path:
    """Write ``compare.html`` comparing ``results`` (two or more runs) into ``out_dir``; return its path.

    The folder is filled whole or not at all, and replaced only if layoutsim wrote it
    (:func:`layoutsim.io.atomic_dir`), so a comparison can be run again into the same place.
    """
    html = compare_html(results)
    with atomic_dir(Path(out_dir), about="compare") as tmp:
        (tmp / "compare.html").write_text(html, encoding="utf-8")
    return Path(out_dir) / "compare.html"
