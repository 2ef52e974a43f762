"""Error messages in Chinese.

layoutsim writes its messages in English, each in one place with the check that raises it (and tested
there). The messages a bureau meets most, about its own files (a file, a sheet, a row, a column, a value),
are rendered here in Chinese, phrase by phrase, with the column names of the Excel templates; the command
line prints the Chinese first and the English original after it. A phrase not listed stays in English.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .i18n import t
from .template import TEMPLATES

#: Column name → its Chinese header in the templates (and the layers' own names).
COLUMN_ZH = {c.key: c.zh for _, _, cols in TEMPLATES.values() for c in cols}
LAYER_ZH = {"counties": "县界", "townships": "乡镇", "residential": "居住区", "schools": "学校", "candidates": "候选用地"}
KIND_ZH = {"int": "整数", "float": "数值", "str": "文字", "bool": "“是”或“否”"}


def _col(name: str) -> str:
    zh = COLUMN_ZH.get(name)
    return f"「{zh}」({name})" if zh else f"「{name}」"


def _choices(text: str) -> str:
    """"kindergarten (幼儿园), primary (小学)" → "幼儿园、小学"."""
    words = re.findall(r"\(([^)]+)\)", text)
    return "、".join(words) if words else text


Rule = tuple[str, str | Callable[[re.Match[str]], str]]

#: (pattern, Chinese), applied in order to the whole message.
RULES: tuple[Rule, ...] = (
    (r", sheet (\S+?)(?=:|,|\s|$)", r"，工作表「\1」"),
    (r"(\d+) problem\(s\) in layer '(\w+)'",
     lambda m: f"图层「{LAYER_ZH.get(m[2], m[2])}」有{m[1]}个问题"),
    (r"layer '(\w+)' lacks required columns: (.+)",
     lambda m: f"图层「{LAYER_ZH.get(m[1], m[1])}」缺少必需的列：" + "、".join(_col(c) for c in m[2].split(", "))),
    (r"layer '(\w+)' has no rows; a planning area needs at least one",
     lambda m: f"图层「{LAYER_ZH.get(m[1], m[1])}」没有数据行，规划区至少需要一行"),
    (r"row (\d+) \(id ([^)]*)\)", r"第\1行（编号\2）"),
    (r"\brow (\d+)", r"第\1行"),
    (r"column '(\w+)' is empty, expected (\w+)", lambda m: f"列{_col(m[1])}为空，应填{KIND_ZH.get(m[2], m[2])}"),
    (r"column '(\w+)' has (.+?), expected (\w+)",
     lambda m: f"列{_col(m[1])}的值{m[2]}不是{KIND_ZH.get(m[3], m[3])}"),
    (r"'(\w+)' is '(.*?)'; expected one of (.+)",
     lambda m: f"列{_col(m[1])}的值「{m[2]}」不是可选值（{_choices(m[3])}）"),
    (r"'(\w+)' has unknown levels? (.+?); expected one of (.+)",
     lambda m: f"列{_col(m[1])}含未知学段{m[2]}（可选：{_choices(m[3])}）"),
    (r"'(\w+)' = (\S+) is above the plausible maximum (\S+)",
     lambda m: f"列{_col(m[1])}的值{m[2]}超过合理上限{m[3]}"),
    (r"'(\w+)' = (\S+) is below (\S+)", lambda m: f"列{_col(m[1])}的值{m[2]}小于{m[3]}"),
    (r"(\d+) rows without a valid longitude/latitude", r"\1行没有有效的经纬度"),
    (r"lon (\S+), lat (\S+)", r"经度 \1、纬度 \2"),
    (r"needs longitude/latitude columns (.+?) \(set lon = / lat = in the scenario\)",
     r"缺少经纬度列 \1（在情景文件中用 lon = / lat = 指定）"),
    (r"no sheet '(.+?)'", r"没有工作表「\1」"),
    (r"the workbook has:", "工作簿中有："),
    (r"(\d+) township name\(s\) not found in Henan's township list \(NBS 2020\)",
     r"\1个乡镇名称不在河南省乡镇名录（国家统计局2020年）中"),
    (r"township '(.+?)' is not a township of county (\d+)", r"「\1」不是县（市、区）\2的乡镇"),
    (r"; did you mean (.+)\?", r"；是否为：\1？"),
    (r"duplicate (\w+) '(.+?)' in rows ([\d, ]+)", lambda m: f"{_col(m[1])}「{m[2]}」重复，见第{m[3]}行"),
    (r"(\d+) (\w+) outside every county", lambda m: f"{m[1]}个{LAYER_ZH.get(m[2], m[2])}点位不在任何县界内"),
    (r"file not found", "找不到文件"),
    (r"empty or missing geometry", "缺少几何（坐标）"),
    (r"it has: ", "现有："),
    (r"map your column names in the scenario: columns = \{ ours = \"yours\" \}",
     "在情景文件中对应列名：columns = { ours = \"yours\" }"),
    (r"assignment = \"zones\" is not supported with \[plan\.horizon\]: the plan over years assigns pupils "
     r"fractionally; set assignment = \"fractional\" or remove \[plan\.horizon\] \(layoutsim zones draws the "
     r"zones of a year\)",
     "assignment = \"zones\"（每个居住区整体划入一所学校）不能与 [plan.horizon]（分年度规划）同时使用：分年度规划按比例"
     "分配学生；请改为 assignment = \"fractional\"，或去掉 [plan.horizon]（某一年的学区用 layoutsim zones 划定）"),
)


def chinese(text: str) -> str:
    """``text`` with the phrases of :data:`RULES` in Chinese (unchanged when none applies)."""
    for pattern, repl in RULES:
        text = re.sub(pattern, repl, text)
    return text


def bilingual(text: str) -> list[str]:
    """What the command line prints for an error: Chinese first when any phrase was rendered, then English."""
    zh = chinese(text)
    return [f"{t('error', 'zh')}：{zh}", f"error: {text}"] if zh != text else [f"error: {text}"]
