"""``plan.xlsx``: the plan's tables as a plan's appendices, for the document a bureau sends the city.

Sheets in the order and wording of a layout plan's appendices: 新建学校一览表, 改扩建学校一览表,
撤并学校一览表, 分年度建设计划 (a plan over years), 分乡镇学位供需表, 规划方案审查问题 (the rules on the
planned layout), and 规划假设与参数
(every figure of the scenario's ``[plan]`` with its source or its mark as an assumption). Chinese headers
(English with ``language = "en"``), whole pupils and seats, money in 万元, frozen header rows, column
widths that fit, a totals row. Written with xlsxwriter.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from ..i18n import LEVEL_ZH, t
from ..io import FILE_DATE
from ..optimize.horizon import ACTION_ZH

#: A column: (source column, Chinese header, English header, kind). Kinds: text, n (whole number),
#: wan (CNY shown in 万元), year, level (level keys shown in words), dec (one decimal); n and wan are totalled,
#: count and money are shown as n and wan but not totalled (rows of unlike actions: built, rented, closed).
Column = tuple[str, str, str, str]
TOTALLED = {"n", "wan"}

NEW = (("name", "学校名称", "School", "text"), ("county_name", "县（市、区）", "County", "text"),
       ("township_name", "乡镇（街道）", "Township", "text"), ("type", "学校类型", "Type", "level"),
       ("levels", "学段", "Levels", "level"), ("classes", "班级数", "Classes", "n"),
       ("seats", "学位数", "Seats", "n"), ("pupils", "规划就读人数", "Pupils planned", "n"),
       ("cost_cny", "投资（万元）", "Cost (10k CNY)", "wan"), ("start_by", "开工年份", "Start", "year"),
       ("open_by", "建成年份", "Open", "year"), ("reason", "建设理由", "Reason", "text"))
EXPANSIONS = (("name", "学校名称", "School", "text"), ("county_name", "县（市、区）", "County", "text"),
              ("level", "学段", "Level", "level"), ("added_classes", "新增班级", "Classes added", "n"),
              ("seats_added", "新增学位", "Seats added", "n"), ("pupils", "规划就读人数", "Pupils planned", "n"),
              ("cost_cny", "投资（万元）", "Cost (10k CNY)", "wan"), ("start_by", "开工年份", "Start", "year"),
              ("open_by", "建成年份", "Open", "year"), ("reason", "建设理由", "Reason", "text"))
CLOSURES = (("name", "学校名称", "School", "text"), ("county_name", "县（市、区）", "County", "text"),
            ("pupils_moved", "分流学生", "Pupils moved", "n"), ("receiving", "接收学校", "Receiving school", "text"),
            ("saving_cny", "节约费用（万元）", "Saving (10k CNY)", "wan"), ("open_by", "撤并年份", "Year", "year"),
            ("reason", "撤并理由", "Reason", "text"))
ACTIONS = (("year", "年份", "Year", "year"), ("start_year", "开工年份", "Start", "year"),
           ("county_name", "县（市、区）", "County", "text"), ("action_name", "建设行动", "Action", "text"),
           ("name", "学校", "School", "text"), ("level", "学段", "Level", "level"), ("classes", "班级数", "Classes", "count"),
           ("seats", "学位数", "Seats", "count"), ("capital_cny", "投资（万元）", "Capital (10k CNY)", "wan"),
           ("annual_cny", "年运行费用（万元）", "Annual cost (10k CNY)", "money"), ("reason", "理由", "Reason", "text"))
SUPPLY = (("county_name", "县（市、区）", "County", "text"), ("township_name", "乡镇（街道）", "Township", "text"),
          ("level", "学段", "Level", "level"), ("pupils", "学生数", "Pupils", "n"), ("seats", "现有学位", "Seats today", "n"),
          ("gap", "学位缺口", "Seat gap", "n"))
#: A plan over years' supply: its own seats of the year.
SUPPLY_PLANNED = (*SUPPLY[:4], ("seats", "规划学位", "Planned seats", "n"), SUPPLY[5])
FINDINGS = (("rule_id", "规则", "Rule", "text"), ("severity_name", "性质", "Force", "text"),
            ("place_name", "地点", "Place", "text"), ("county_name", "县（市、区）", "County", "text"),
            ("level", "学段", "Level", "level"), ("measured", "实测", "Measured", "dec"), ("limit", "限值", "Limit", "dec"),
            ("message", "问题", "Finding", "text"), ("source_text", "规划条文", "The plan's words", "text"),
            ("source_plan", "出处", "Source", "text"))
ASSUMPTIONS = (("key", "参数", "Parameter", "text"), ("value", "取值", "Value", "text"),
               ("about", "来源与说明", "Source and notes", "text"))

@dataclass(frozen=True)
class Sheet:
    name_zh: str
    name_en: str
    table: pd.DataFrame
    columns: Sequence[Column]
    totals: bool = True


def _level_words(value: Any, lang: str) -> str:
    parts = [p for p in str(value or "").split(";") if p]
    return "、".join(LEVEL_ZH.get(p, p) if lang == "zh" else t(p, "en") for p in parts)


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _cell(value: Any, kind: str, lang: str) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if kind in ("n", "count"):
        return int(round(float(value)))
    if kind in ("wan", "money"):
        return round(float(value) / 1e4, 1)
    if kind == "year":
        return int(value) if str(value).strip() not in ("", "nan") else ""
    if kind == "level":
        return _level_words(value, lang)
    if kind == "dec":  # a measured value: one decimal, a share or ratio (below 10) two
        number = pd.to_numeric(value, errors="coerce")
        return str(value) if pd.isna(number) else round(float(number), 2 if abs(float(number)) < 10 else 1)
    return str(value)


def write_sheets(path: Path, sheets: Sequence[Sheet], lang: str = "zh") -> None:
    """One worksheet per sheet: header, rows, a totals row, frozen header, fitted widths."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})  # text stays text
    wb.set_properties({"created": FILE_DATE.replace(tzinfo=None)})  # the same bytes from the same run
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True, "valign": "vcenter"})
    body = wb.add_format({"border": 1, "valign": "top"})
    wrap = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
    number = wb.add_format({"border": 1, "valign": "top", "num_format": "#,##0"})
    money = wb.add_format({"border": 1, "valign": "top", "num_format": "#,##0.0"})
    total = wb.add_format({"bold": True, "border": 1, "top": 2})
    total_n = wb.add_format({"bold": True, "border": 1, "top": 2, "num_format": "#,##0"})
    total_m = wb.add_format({"bold": True, "border": 1, "top": 2, "num_format": "#,##0.0"})
    for sheet in sheets:
        ws = wb.add_worksheet(sheet.name_zh if lang == "zh" else sheet.name_en)
        headers = [c[1] if lang == "zh" else c[2] for c in sheet.columns]
        widths = [_width(h) + 2 for h in headers]
        ws.write_row(0, 0, headers, head)
        for r, row in enumerate(sheet.table.itertuples(index=False), start=1):
            record = row._asdict()
            for c, (col, _, _, kind) in enumerate(sheet.columns):
                value = _cell(record.get(col), kind, lang)
                fmt = number if kind in ("n", "count") else money if kind in ("wan", "money") else \
                    wrap if kind == "text" else body
                ws.write(r, c, value, fmt)
                widths[c] = max(widths[c], _width(str(value)) + 2)
        if sheet.totals and len(sheet.table):
            last = len(sheet.table) + 1
            ws.write(last, 0, "合计" if lang == "zh" else "Total", total)
            for c, (col, _, _, kind) in enumerate(sheet.columns[1:], start=1):
                if kind in TOTALLED:
                    values = pd.to_numeric(sheet.table[col], errors="coerce").fillna(0.0)
                    ws.write(last, c, _cell(values.sum(), kind, lang), total_n if kind == "n" else total_m)
                else:
                    ws.write_blank(last, c, None, total)
        for c, w in enumerate(widths):
            ws.set_column(c, c, min(max(w, 6), 60))
        ws.freeze_panes(1, 0)
    wb.close()


def _named(table: pd.DataFrame, names: dict[str, str], column: str, out: str) -> pd.DataFrame:
    if column not in table.columns:
        return table.assign(**{out: ""})
    return table.assign(**{out: table[column].astype(str).map(lambda c: names.get(c, c))})


def plan_sheets(result: Any, lang: str = "zh") -> list[Sheet]:
    """The sheets of ``plan.xlsx`` for a run (:class:`layoutsim.results.RunResult`)."""
    region, plan = result.region, result.plan
    counties = dict(zip(region.counties["adcode"].astype(str), region.counties["name"].astype(str)))
    towns = dict(zip(region.townships["code"].astype(str), region.townships["name"].astype(str)))
    reason = "reason_zh" if lang == "zh" else "reason_en"

    def prepared(table: pd.DataFrame) -> pd.DataFrame:
        out = _named(_named(table, counties, "county", "county_name"), towns, "township", "township_name")
        if reason in out.columns:
            out = out.assign(reason=out[reason])
        for col in ("open_by", "start_by"):
            if col not in out.columns:
                out = out.assign(**{col: np.nan})
        return out

    sheets = [Sheet("新建学校一览表", "New schools", prepared(plan.new_schools), NEW),
              Sheet("改扩建学校一览表", "Expansions", prepared(plan.expansions), EXPANSIONS),
              Sheet("撤并学校一览表", "Closures", prepared(plan.closures), CLOSURES)]
    if result.years_plan is not None:
        acts = prepared(result.years_plan.actions)
        acts = acts.assign(action_name=acts["action"].map(ACTION_ZH) if lang == "zh" else acts["action"])
        sheets.append(Sheet("分年度建设计划", "Plan by year", acts, ACTIONS))
    year = int(plan.year)
    by_town = result.outlook.by_township
    if by_town is not None:
        gap = result.outlook.seat_gap
        if result.years_plan is not None:
            gap = result.years_plan.township_gap(region, gap)
        supply = gap[gap["year"] == year].assign(gap=lambda d: d["pupils"] - d["seats"])
        county_of = dict(zip(region.townships["code"].astype(str), region.townships["county"].astype(str)))
        supply = supply.assign(county=supply["township"].astype(str).map(county_of))
        supply = prepared(supply).sort_values(["county", "township", "level"], kind="stable")
        sheets.append(Sheet(f"分乡镇学位供需表（{year}年）" if lang == "zh" else f"Seats by township {year}",
                            f"Seats by township {year}", supply,
                            SUPPLY if result.years_plan is None else SUPPLY_PLANNED))
    found = prepared(result.proposed_findings)
    found = found.assign(message=found["message_zh" if lang == "zh" else "message_en"],
                         severity_name=found["severity"].map(lambda s: t(f"sev_{s}", lang)))
    sheets.append(Sheet("规划方案审查问题", "Findings on the plan", found, FINDINGS, totals=False))
    sheets.append(Sheet("规划假设与参数", "Assumptions", assumptions(result.scenario), ASSUMPTIONS, totals=False))
    return sheets


def assumptions(scenario: Any) -> pd.DataFrame:
    """Every setting of the scenario's ``[plan]`` (and the scenario's identity) with its documented source."""
    from pydantic import BaseModel

    rows = [("scenario.id", scenario.id, ""), ("scenario.title", scenario.scenario.title, ""),
            ("scenario.target_year", scenario.scenario.target_year, "")]

    def walk(model: BaseModel, prefix: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
            else:
                rows.append((f"{prefix}{name}", value, field.description or ""))

    walk(scenario.plan, "plan.")
    return pd.DataFrame([(k, "—" if v is None else str(v), about) for k, v, about in rows],
                        columns=["key", "value", "about"])


def write_plan_workbook(path: Path, result: Any) -> None:
    """``plan.xlsx`` of a run, in the scenario's language."""
    lang = result.scenario.scenario.language
    write_sheets(path, plan_sheets(result, lang), lang)
