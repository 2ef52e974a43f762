"""plan.xlsx: the plan's tables as a plan's appendices, read back from the workbook."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import HORIZON, SCENARIO, write_tiny
from layoutsim.pipeline import run

@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("xlsx")
    result = run(write_tiny(folder, scenario=SCENARIO + HORIZON), folder / "out")
    return result, folder / "out" / "plan.xlsx"


def sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, engine="calamine")


def test_the_workbook_has_the_appendices_in_order(book) -> None:
    _, path = book
    with pd.ExcelFile(path, engine="calamine") as xl:
        names = xl.sheet_names
    assert names == ["新建学校一览表", "改扩建学校一览表", "撤并学校一览表", "分年度建设计划", "分乡镇学位供需表（2030年）",
                     "规划方案审查问题", "规划假设与参数"]
    with zipfile.ZipFile(path) as z:  # every sheet's header row is frozen
        assert all('state="frozen"' in z.read(f"xl/worksheets/sheet{i}.xml").decode() for i in range(1, 8))


def test_new_schools_and_the_plan_by_year_add_up_to_the_plan(book) -> None:
    result, path = book
    new = sheet(path, "新建学校一览表")
    assert list(new.columns[:6]) == ["学校名称", "县（市、区）", "乡镇（街道）", "学校类型", "学段", "班级数"]
    body, total = new.iloc[:-1], new.iloc[-1]
    assert total["学校名称"] == "合计" and len(body) == len(result.plan.new_schools) > 0
    assert total["投资（万元）"] == pytest.approx(result.plan.new_schools["cost_cny"].sum() / 1e4, abs=0.1)
    assert total["学位数"] == round(result.plan.new_schools["seats"].sum())
    assert set(body["县（市、区）"]) == {"样例县"} and (body["建成年份"] >= 2028).all()
    acts = sheet(path, "分年度建设计划")
    assert acts.iloc[-1]["投资（万元）"] == pytest.approx(result.years_plan.actions["capital_cny"].sum() / 1e4, abs=0.1)
    assert set(acts.iloc[:-1]["建设行动"]) <= {"用地", "新建", "扩建", "临时学位", "调整教室用途", "撤并"}
    assert acts.iloc[-1]["学位数"] != acts.iloc[-1]["学位数"]  # unlike rows (built, rented, closed): no seat total


def test_text_that_looks_like_a_formula_stays_text(tmp_path) -> None:
    import zipfile

    from layoutsim.render.workbook import NEW, Sheet, write_sheets

    table = pd.DataFrame([{"name": "=HYPERLINK(\"http://x\",\"点我\")", "classes": 12, "seats": 540, "pupils": 500,
                           "cost_cny": 1e7}])
    write_sheets(tmp_path / "t.xlsx", [Sheet("新建学校一览表", "New", table, NEW)])
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet(tmp_path / "t.xlsx", "新建学校一览表").iloc[0]["学校名称"].startswith("=HYPERLINK")


def test_the_township_table_and_the_assumptions(book) -> None:
    result, path = book
    supply = sheet(path, "分乡镇学位供需表（2030年）")
    assert {"乡镇（街道）", "学段", "学生数", "规划学位", "学位缺口"} <= set(supply.columns)
    body = supply.iloc[:-1]
    assert (abs(body["学位缺口"] - (body["学生数"] - body["规划学位"])) <= 1).all()  # each rounded to whole pupils
    assert "小学" in set(body["学段"])
    params = sheet(path, "规划假设与参数").set_index("参数")
    assert params.loc["plan.horizon.discount_rate", "取值"] == "0.08"
    assert "建设项目经济评价" in params.loc["plan.horizon.discount_rate", "来源与说明"]
