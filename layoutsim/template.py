"""``layoutsim template DIR``: Excel workbooks a bureau fills in, one per point layer, and a scenario that
reads them.

Each workbook has the layer's sheet (row 1: the Chinese header; row 2: layoutsim's column name, which the
reader uses, so the Chinese header may be reworded freely; rows 3–4: two example rows to overwrite or
delete), drop-downs for the columns with fixed values (学校类型, 办学性质, 是否普惠, 城乡 …, in Chinese:
the reader takes the Chinese words), and a sheet 填写说明 explaining every column, its unit and whether it
must be filled. Coordinates are GCJ-02 as copied from AMap (高德); the scenario says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from .i18n import t
from .schema import LAYERS, LEVELS, OPTIONAL, OWNERSHIP, RESIDENTIAL_KINDS, SCHOOL_TYPES, classes_col, enrolment_col

#: Rows of a sheet that take drop-downs and validation (a county has a few thousand villages at most).
MAX_ROWS = 5000

YES_NO = ("是", "否")


@dataclass(frozen=True)
class Col:
    key: str            # layoutsim's column name (row 2 of the sheet)
    zh: str             # the Chinese header (row 1)
    about: str          # what it is and its unit (填写说明)
    examples: tuple[object, object]
    choices: tuple[str, ...] = ()
    required: bool = True


def _zh(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t(v, "zh") for v in values)


LON = Col("lon", "经度", "经度（度），从高德地图拾取（GCJ-02）", (114.3566, 114.4102))
LAT = Col("lat", "纬度", "纬度（度），从高德地图拾取（GCJ-02）", (36.1085, 36.1352))

SCHOOLS = (
    Col("id", "学校标识码", "教育统计系统的学校标识码，每校唯一", ("4141000001", "4141000002")),
    Col("name", "学校名称", "学校全称", ("城关第一小学", "东关镇中心幼儿园")),
    Col("type", "学校类型", "幼儿园、小学、教学点、初中、九年一贯制、完全中学、十二年一贯制、高中、中等职业学校、特殊教育学校",
        (t("primary", "zh"), t("kindergarten", "zh")), _zh(tuple(SCHOOL_TYPES))),
    Col("ownership", "办学性质", "公办或民办", ("公办", "公办"), _zh(OWNERSHIP)),
    Col("inclusive", "是否普惠", "幼儿园是否为普惠性幼儿园（公办园填“是”）", ("否", "是"), YES_NO),
    Col("site_area_m2", "占地面积（平方米）", "校园用地面积，平方米（1亩≈666.7平方米）", (32000, 6000)),
    Col("boarding", "是否寄宿", "是否有寄宿生", ("否", "否"), YES_NO),
    *(Col(classes_col(lv), f"{t(lv, 'zh')}班级数", f"{t(lv, 'zh')}学段的班级数（个），不办该学段填0",
          (36 if lv == "primary" else 0, 9 if lv == "kindergarten" else 0)) for lv in LEVELS),
    *(Col(enrolment_col(lv), f"{t(lv, 'zh')}在校生数", f"{t(lv, 'zh')}学段的在校生（人），不办该学段填0",
          (1850 if lv == "primary" else 0, 260 if lv == "kindergarten" else 0)) for lv in LEVELS),
    Col("central", "是否中心校（园）", "是否为乡镇中心学校或中心幼儿园", ("否", "是"), YES_NO, required=False),
    Col("teachers", "教职工数", "教职工（人），不详可空", (96, 31), required=False),
    Col("disabled_pupils", "随班就读残疾学生数", "在普通班级随班就读的残疾学生（人），不详可空", (6, ""), required=False),
    Col("resource_room", "是否有资源教室", "是否建有特殊教育资源教室", ("否", "否"), YES_NO, required=False),
    LON, LAT,
)
RESIDENTIAL = (
    Col("id", "编号", "居住区（小区或行政村）编号，每个唯一", ("R001", "V001")),
    Col("name", "名称", "小区或行政村名称", ("锦绣花园", "王庄村")),
    Col("township", "所属乡镇（名称或代码）",
        "所属乡镇（街道）的名称（如“柏庄镇”）或9位统计代码。没有乡镇界线文件时，按名称在国家统计局2020年乡镇名录中"
        "匹配（本县范围内），乡镇界线由各居住区的位置估算；有界线文件时填其中的代码", ("红旗路街道", "柏庄镇")),
    Col("residents", "常住人口（人）", "常住人口；新建小区按规划户数×户均人口", (8600, 1450)),
    Col("kind", "类型", "现状小区、新建小区或村庄", (t("existing", "zh"), t("village", "zh")), _zh(RESIDENTIAL_KINDS)),
    Col("completion_year", "竣工年份", "新建小区的竣工（交付）年份，其他可空", ("", ""), required=False),
    Col("urban", "是否城镇", "位于城区或镇区填“是”，乡村填“否”", ("是", "否"), YES_NO),
    LON, LAT,
)
CANDIDATES = (
    Col("id", "用地编号", "规划教育用地编号，每块唯一", ("C01", "C02")),
    Col("name", "用地名称", "用地名称或位置", ("新区配套学校用地", "东关镇学校预留地")),
    Col("levels", "可建学段", "可建的学段，多个用分号隔开，如“小学;初中”", ("小学;初中", "幼儿园")),
    Col("site_area_m2", "用地面积（平方米）", "用地面积，平方米", (40000, 5400)),
    Col("land_cost_cny", "土地费用（元）", "取得土地的费用，元；划拨用地填0", (30000000, 0)),
    Col("tied_to", "配套居住区编号", "为某新建小区配套的用地：填该小区编号，否则空", ("R001", ""), required=False),
    Col("earliest_year", "最早可用年份", "用地最早可以开工建设的年份", (2026, 2027)),
    LON, LAT,
)

#: The workbooks: layer → (file, sheet, columns).
TEMPLATES = {"schools": ("学校.xlsx", "学校", SCHOOLS), "residential": ("居住区.xlsx", "居住区", RESIDENTIAL),
             "candidates": ("候选用地.xlsx", "候选用地", CANDIDATES)}

SCENARIO = """# 县（市、区）学校布局规划情景 —— 由 layoutsim template 生成
# Fill 学校.xlsx, 居住区.xlsx and 候选用地.xlsx, add the county outline (township outlines are optional), then:
#   layoutsim validate scenario.toml      (every problem of the workbooks at once, by sheet, row and column)
#   layoutsim run scenario.toml
[scenario]
id = "my-county"
title = "某县中小学幼儿园布局规划"
target_year = 2030
# The rules audited and planned for: Henan's and the national defaults; an area's own plan has its book
# (beiguan, kaifeng, pingdingshan, sanmenxia, zhumadian) or a TOML of your own.
rulebook = "_national"

[data]
# The county outline (GeoJSON, GeoPackage or Shapefile, WGS84 or CGCS2000); layoutsim's repository has
# every county of Henan in data/henan/counties.geojson. Township outlines are optional: without them the
# residential units name their township (居住区.xlsx) and the outlines are estimated.
counties = "counties.geojson"
# townships = "townships.geojson"
{layers}
"""


def write_templates(folder: Path, rows: dict[str, list[dict]] | None = None) -> list[Path]:
    """Write the three workbooks and ``scenario.toml`` into ``folder``; return their paths. ``rows``
    (layer → rows of column → value) fills a workbook instead of its two example rows."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for layer, (file, sheet, cols) in TEMPLATES.items():
        path = folder / file
        _workbook(path, sheet, cols, (rows or {}).get(layer))
        written.append(path)
    layers = "\n".join(f'{layer} = {{ path = "{file}", sheet = "{sheet}", crs = "GCJ02" }}'
                       for layer, (file, sheet, _) in TEMPLATES.items())
    scenario = folder / "scenario.toml"
    scenario.write_text(SCENARIO.format(layers=layers), encoding="utf-8")
    return [*written, scenario]


def _workbook(path: Path, sheet: str, cols: tuple[Col, ...], rows: list[dict] | None = None) -> None:
    """One template workbook; ``rows`` (column → value) fill it instead of the two examples."""
    rows = rows if rows is not None else [{c.key: c.examples[n] for c in cols} for n in range(2)]
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True})
    key = wb.add_format({"italic": True, "font_color": "#666666", "bg_color": "#F2F2F2", "border": 1})
    example = wb.add_format({"font_color": "#1F5FA0"})
    ws = wb.add_worksheet(sheet)
    for c, col in enumerate(cols):
        ws.write(0, c, col.zh, head)
        ws.write(1, c, col.key, key)
        for r, row in enumerate(rows, start=2):
            ws.write(r, c, row.get(col.key, ""), example)
        ws.set_column(c, c, max(10, 2 * len(col.zh) + 2))
        if col.choices:
            ws.data_validation(2, c, MAX_ROWS, c, {"validate": "list", "source": list(col.choices),
                                                   "error_message": f"{col.zh}：请从下拉列表中选择"})
    ws.freeze_panes(2, 0)
    notes = wb.add_worksheet("填写说明")
    notes.write_row(0, 0, ["列名", "英文列名（第2行，勿改）", "说明与单位", "可选值", "必填"], head)
    for r, col in enumerate(cols, start=1):
        notes.write_row(r, 0, [col.zh, col.key, col.about, "、".join(col.choices), "是" if col.required else "否"])
    notes.write(len(cols) + 2, 0, "第1行为中文列名，可改写；第2行为layoutsim列名，请勿修改；第3、4行为示例，请覆盖或删除。")
    notes.set_column(0, 1, 22)
    notes.set_column(2, 2, 60)
    notes.set_column(3, 3, 40)
    wb.close()


def check_templates() -> list[str]:
    """Columns of the data contract a template lacks (a test keeps this empty). A school's or site's
    county and township are found from its point, so they are not asked for."""
    missing = []
    for layer, (_, _, cols) in TEMPLATES.items():
        keys = {c.key for c in cols}
        wanted = [*LAYERS[layer], *(k for k in OPTIONAL[layer] if k not in ("county", "township"))]
        missing += [f"{layer}.{k}" for k in wanted if k not in keys]
    return missing
