"""The plan's own build targets (a rulebook's ``[[targets]]``) beside what the proposal builds, for the
report's table 规划目标与本方案对比. Indicative only: the targets are never constraints of the plan."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..i18n import LEVEL_EN, LEVEL_ZH, t
from ..rules.book import Target
from ..schema import CLASS_SIZE, classes_col

__all__ = ["TargetFigure", "target_figures", "targets_view"]


@dataclass(frozen=True)
class TargetFigure:
    """What the proposal has toward one target: new and expanded schools of its levels, the seats they add,
    the figure compared with the plan's (schools or seats, as the target counts) and where it falls."""

    target: Target
    new_schools: int
    expanded_schools: int
    new_seats: float
    expansion_seats: float
    proposed: float
    status: str
    """within, below or above the plan's range."""


def _table(plan: Any, name: str) -> pd.DataFrame:
    table = plan.get(name) if isinstance(plan, dict) else getattr(plan, name, None)
    return pd.DataFrame() if table is None else pd.DataFrame(table)


def _levels_of(row_levels: object) -> set[str]:
    return {lv for lv in str(row_levels or "").split(";") if lv}


def target_figures(plan: Any, targets: Iterable[Target],
                   class_size: Callable[[str], int] = lambda lv: CLASS_SIZE.get(lv, 45)) -> list[TargetFigure]:
    """Count, for each of the plan's targets, what the proposal has toward it.

    ``plan`` is the optimizer's :class:`~layoutsim.optimize.Plan` (or anything with its ``new_schools``
    and ``expansions`` tables: :class:`~layoutsim.render.plan.PlanFrames`, a dict of frames).

    - **new schools**: distinct new schools (rows of ``new_schools``) with any of the target's levels
      (``levels``, ";"-joined). A school of several levels counts once: a new nine-year school is one
      new primary school, one new junior school and one new compulsory school; a kindergarten built
      beside a school is a school of its own (its own row).
    - **expanded schools**: distinct existing schools expanded (``expansions``) at any of the levels.
    - **seats**: a new school's seats of the levels (``classes_<level>`` × ``class_size(level)``, the
      book's standard class size, as the optimizer counts them) and the expansions' ``seats_added`` of the
      levels (``added_classes`` × the class size where a table has no ``seats_added``).

    The figure compared with the plan's is, by ``action``: new → new schools; expand → expanded
    schools; new_or_expand → both; seats → the seats both add. A target in seats (``unit = "seats"``)
    with action new or expand counts only the seats of that action. ``status`` is ``below`` under the
    target's ``min``, ``above`` over its ``max``, else ``within``.
    """
    new = _table(plan, "new_schools")
    exp = _table(plan, "expansions")
    new_levels = [_levels_of(v) for v in new["levels"]] if "levels" in new.columns else [set()] * len(new)
    out = []
    for target in targets:
        levels = set(target.level)
        built = [(row, lv_set) for row, lv_set in zip(new.to_dict("records"), new_levels) if lv_set & levels]
        new_count = len({str(row["school"]) for row, _ in built})
        new_seats = 0.0
        for row, lv_set in built:
            for lv in lv_set & levels:
                col = classes_col(lv)
                if col in row and pd.notna(row[col]):
                    new_seats += float(row[col]) * class_size(lv)
                elif lv_set == {lv}:  # a hand-made table without classes by level
                    new_seats += float(row.get("seats", float(row.get("classes", 0)) * class_size(lv)))
        grown = exp[exp["level"].isin(levels)] if len(exp) else exp
        exp_count = int(grown["school"].astype(str).nunique()) if len(grown) else 0
        exp_seats = 0.0
        for row in grown.to_dict("records"):
            seats = row.get("seats_added")
            exp_seats += float(seats) if seats is not None and pd.notna(seats) else \
                float(row.get("added_classes", 0)) * class_size(str(row["level"]))
        if target.unit == "seats":
            proposed = {"new": new_seats, "expand": exp_seats}.get(target.action, new_seats + exp_seats)
        else:
            proposed = float({"new": new_count, "expand": exp_count}.get(target.action, new_count + exp_count))
        if target.min is not None and proposed < target.min:
            status = "below"
        elif target.max is not None and proposed > target.max:
            status = "above"
        else:
            status = "within"
        out.append(TargetFigure(target, new_count, exp_count, new_seats, exp_seats, proposed, status))
    return out


# ---------------------------------------------------------------- the report's table

_ACTION_ZH = {"new": "新建", "expand": "改扩建", "new_or_expand": "新建、改扩建", "seats": "新增学位"}
_ACTION_EN = {"new": "new", "expand": "expanded", "new_or_expand": "new or expanded", "seats": "seats added"}


def _n(v: float) -> str:
    return f"{v:,.0f}"


#: Names of groups of levels as the plans write them (义务教育学校, 中小学校).
_GROUPS_ZH = {frozenset({"primary", "junior"}): "义务教育学校", frozenset({"primary", "junior", "high"}): "中小学校"}
_NOUN_EN = {"kindergarten": "kindergarten", "primary": "primary", "junior": "junior middle", "high": "high"}
_GROUPS_EN = {frozenset({"primary", "junior"}): "compulsory (primary and junior middle)",
              frozenset({"primary", "junior", "high"}): "primary and secondary"}


def _label(target: Target, lang: str) -> str:
    group = frozenset(target.level)
    if lang == "zh":
        levels = _GROUPS_ZH.get(group) or "、".join(LEVEL_ZH[lv] for lv in target.level)
        if target.unit == "seats":
            return f"{_ACTION_ZH[target.action] if target.action != 'seats' else '新建、改扩建'}{levels}新增学位"
        return f"{_ACTION_ZH[target.action]}{levels}"
    if target.unit == "seats":
        levels = _GROUPS_EN.get(group) or "/".join(LEVEL_EN[lv] for lv in target.level)
        by = "" if target.action == "seats" else f" ({_ACTION_EN[target.action]} schools)"
        return f"{levels} seats added{by}"
    if len(group) == 1:  # kindergartens, primary schools, junior middle schools, high schools
        schools = t(target.level[0], "en").lower()
    else:
        schools = (_GROUPS_EN.get(group) or "/".join(_NOUN_EN[lv] for lv in target.level)) + " schools"
    return f"{_ACTION_EN[target.action]} {schools}"


def _unit(target: Target, value: float, lang: str) -> str:
    """所 / 个学位; in English, school(s) / seat(s)."""
    unit = t("target_unit_" + target.unit, lang)
    return unit[:-1] if lang != "zh" and value == 1 and unit.endswith("s") else unit


def _figure(target: Target, lang: str) -> str:
    lo, hi = target.min, target.max
    unit = _unit(target, float(hi if hi is not None else lo or 0), lang)
    return f"{target.figure} {unit}".strip()


def _breakdown(f: TargetFigure, lang: str) -> str:
    """New and expanded schools (or the seats each adds) of the target's levels, whatever it counts."""
    seats = f.target.unit == "seats"
    parts = [(t("target_new", lang), f.new_seats if seats else f.new_schools),
             (t("target_expand", lang), f.expansion_seats if seats else f.expanded_schools)]
    return ("、" if lang == "zh" else ", ").join(f"{k} {_n(v)}" for k, v in parts)


def _remark(f: TargetFigure, lang: str) -> str:
    tg = f.target
    if f.status == "below":
        return t("target_below", lang).format(_n((tg.min or 0) - f.proposed))
    if f.status == "above":
        return t("target_above", lang).format(_n(f.proposed - (tg.max or 0)))
    return t("target_equal" if tg.min == tg.max else "target_within", lang)


def targets_view(rulebook: Any, plan: Any, lang: str, target_year: int) -> dict | None:
    """The report's table of the plan's targets against the proposal: a row per target (label, the plan's
    figure, the proposal's, its new / expanded breakdown, a remark, period, sentence, section, note) and the
    note under the table. ``None`` when the book has no targets or there is no plan."""
    targets = tuple(getattr(rulebook, "targets", ()) or ())
    if not targets or plan is None:
        return None
    class_size = getattr(rulebook, "class_size", None) or (lambda lv: CLASS_SIZE.get(lv, 45))
    rows = []
    for f in target_figures(plan, targets, class_size):
        tg = f.target
        rows.append({
            "id": tg.id, "label": _label(tg, lang), "figure": _figure(tg, lang),
            "proposed": f"{_n(f.proposed)} {_unit(tg, f.proposed, lang)}".strip(),
            "breakdown": _breakdown(f, lang), "status": f.status, "remark": _remark(f, lang),
            "period": tg.period, "source_text": tg.source_text,
            "source_text_en": tg.source_text_en, "note": tg.note,
            "section": " ".join(x for x in (str(getattr(rulebook, "plan", "") or ""), tg.section) if x),
        })
    periods = "、".join(dict.fromkeys(tg.period for tg in targets)) if lang == "zh" else \
        ", ".join(dict.fromkeys(tg.period for tg in targets))
    return {"rows": rows, "note": t("targets_note", lang).format(periods, target_year)}
