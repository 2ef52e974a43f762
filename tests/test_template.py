"""layoutsim template: workbooks a bureau fills in, read back (Chinese words, Excel's row numbers) and run."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_layers
from layoutsim.cli import main
from layoutsim.config.scenario import load_scenario
from layoutsim.geo import wgs84_to_gcj02
from layoutsim.i18n import t
from layoutsim.region import load_region
from layoutsim.template import TEMPLATES, check_templates, write_templates

YES = {True: "是", False: "否"}


def test_every_column_of_the_contract_has_a_template_column() -> None:
    assert check_templates() == []


def filled_rows() -> dict[str, list[dict]]:
    """The tiny county's points as a bureau types them: Chinese words, 是/否, GCJ-02 from AMap."""
    out: dict[str, list[dict]] = {}
    for layer in TEMPLATES:
        rows = []
        for f in tiny_layers()[layer]["features"]:
            row = {k: v for k, v in f["properties"].items() if v is not None}
            lon, lat = wgs84_to_gcj02(np.array([f["geometry"]["coordinates"][0]]),
                                      np.array([f["geometry"]["coordinates"][1]]))
            row["lon"], row["lat"] = float(lon[0]), float(lat[0])
            for key in ("type", "ownership", "kind"):
                if key in row:
                    row[key] = t(row[key], "zh")
            if "levels" in row:
                row["levels"] = ";".join(t(lv, "zh") for lv in row["levels"].split(";"))
            rows.append({k: YES[v] if isinstance(v, bool) else v for k, v in row.items()})
        out[layer] = rows
    return out


def template_folder(tmp_path: Path, rows: dict[str, list[dict]]) -> Path:
    """The templates filled with ``rows``, the tiny county's outlines beside them and named in the scenario."""
    write_templates(tmp_path, rows)
    for layer in ("counties", "townships"):
        (tmp_path / f"{layer}.geojson").write_text(json.dumps(tiny_layers()[layer], ensure_ascii=False),
                                                   encoding="utf-8")
    scenario = tmp_path / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    assert '# townships = "townships.geojson"' in text  # optional in the template
    scenario.write_text(text.replace('# townships = "townships.geojson"', 'townships = "townships.geojson"'),
                        encoding="utf-8")
    return scenario


def test_a_filled_template_reads_as_the_same_county(tmp_path: Path) -> None:
    region = load_region(load_scenario(template_folder(tmp_path, filled_rows())).data)
    schools = region.schools.set_index("id")
    assert sorted(schools.index) == ["S1", "S2", "S3", "S4", "S5"]
    assert schools.loc["S3", "type"] == "nine_year" and schools.loc["S1", "ownership"] == "public"
    assert int(schools["enrolment_primary"].sum()) == 640 + 150 + 300
    assert region.candidates.set_index("id").loc["C1", "levels"] == "kindergarten;primary"
    units = region.residential.set_index("id")
    assert units.loc["U3", "kind"] == "village" and not units.loc["U3", "urban"]
    assert units.loc["U5", "completion_year"] == 2024
    want = pd.DataFrame(tiny_layers()["schools"]["features"][0]["geometry"]["coordinates"]).T
    got = region.schools.to_crs(4326).set_index("id").geometry["S1"]
    assert abs(got.x - want.iloc[0, 0]) < 1e-6 and abs(got.y - want.iloc[0, 1]) < 1e-6  # GCJ-02 undone


def test_every_problem_of_a_filled_template_at_once_by_sheet_row_and_column(tmp_path: Path, capsys) -> None:
    rows = filled_rows()
    rows["schools"][0]["type"] = "小学校"              # Excel row 3: not a school type
    rows["schools"][2]["classes_primary"] = "六个"     # Excel row 5: not a number
    scenario = template_folder(tmp_path, rows)
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "学校.xlsx, sheet 学校" in err and "2 problem(s)" in err
    assert "row 3 (id S1): 'type' is '小学校'" in err
    assert "row 5 (id S3): column 'classes_primary' has '六个'" in err
    # and first in Chinese, with the template's own column names
    assert err.index("错误：") < err.index("error:")
    assert "工作表「学校」: 图层「学校」有2个问题" in err
    assert "第3行（编号S1）: 列「学校类型」(type)的值「小学校」不是可选值（幼儿园、小学、教学点" in err
    assert "第5行（编号S3）: 列「小学班级数」(classes_primary)的值'六个'不是整数" in err


def test_the_template_command_writes_the_workbooks(tmp_path: Path, capsys) -> None:
    assert main(["template", str(tmp_path / "tpl")]) == 0
    names = sorted(p.name for p in (tmp_path / "tpl").iterdir())
    assert names == sorted(["scenario.toml", *(file for file, _, _ in TEMPLATES.values())])
    with pd.ExcelFile(tmp_path / "tpl" / "学校.xlsx", engine="calamine") as xl:
        assert xl.sheet_names == ["学校", "填写说明"]
        head = pd.read_excel(xl, sheet_name="学校", header=None, dtype=str)
    assert head.iloc[0, :3].tolist() == ["学校标识码", "学校名称", "学校类型"]
    assert head.iloc[1, :3].tolist() == ["id", "name", "type"] and len(head) == 4  # 2 header rows, 2 examples
    assert str(tmp_path / "tpl") in capsys.readouterr().out


def named_townships(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The tiny county as 北关区 (410503), its villages naming real townships, one of them by code."""
    for u in rows["residential"]:
        u["township"] = "柏庄镇" if u["township"] == "419901002" else "红旗路街道"
    rows["residential"][0]["township"] = "410503001"  # a code is a name too
    return rows


def as_beiguan(tmp_path: Path) -> None:
    """The county outline renamed 北关区 and the townships file removed from the scenario."""
    counties = tiny_layers()["counties"]
    counties["features"][0]["properties"].update({"adcode": "410503", "name": "北关区"})
    (tmp_path / "counties.geojson").write_text(json.dumps(counties, ensure_ascii=False), encoding="utf-8")
    text = (tmp_path / "scenario.toml").read_text(encoding="utf-8").replace('\ntownships = "townships.geojson"', "")
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")


def test_townships_by_name_alone_get_estimated_outlines(tmp_path: Path) -> None:
    scenario = template_folder(tmp_path, named_townships(filled_rows()))
    as_beiguan(tmp_path)
    region = load_region(load_scenario(scenario).data)
    towns = region.townships.set_index("code")
    assert sorted(towns.index) == ["410503001", "410503100"]  # 红旗路街道, 柏庄镇
    assert towns.loc["410503100", "name"] == "柏庄镇" and towns.loc["410503100", "kind"] == "town"
    assert towns.loc["410503001", "kind"] == "street" and bool(towns.loc["410503001", "urban"])
    assert towns.loc["410503100", "population"] == 1500 + 1500 and (towns["outline"] == "estimated").all()
    county = region.counties.geometry.iloc[0]
    assert abs(towns.geometry.area.sum() - county.area) < 1e-3 * county.area  # the cells tile the county
    inside = region.residential.sjoin(region.townships[["code", "geometry"]], predicate="within")
    assert (inside["township"] == inside["code"]).all() and len(inside) == 5  # every unit in its township
    assert set(region.schools["township"]) <= set(towns.index)


def test_a_township_name_not_in_the_county_offers_the_closest(tmp_path: Path, capsys) -> None:
    rows = named_townships(filled_rows())
    rows["residential"][3]["township"] = "柏庄"      # a unique prefix is taken
    rows["residential"][2]["township"] = "柏桩镇"    # a slip: row 5 of the sheet
    scenario = template_folder(tmp_path, rows)
    as_beiguan(tmp_path)
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "居住区.xlsx, sheet 居住区" in err and "1 township name(s) not found" in err
    assert "row 5: township '柏桩镇' is not a township of county 410503; did you mean 柏庄镇" in err
    assert "第5行: 「柏桩镇」不是县（市、区）410503的乡镇；是否为：柏庄镇？" in err


def test_the_template_command_never_overwrites_a_filled_workbook(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "tpl"
    assert main(["template", str(folder)]) == 0
    filled = (folder / "学校.xlsx").read_bytes()
    assert main(["template", str(folder)]) == 2
    assert "already has" in capsys.readouterr().err and (folder / "学校.xlsx").read_bytes() == filled


def test_a_filled_template_with_townships_by_name_runs_end_to_end(tmp_path: Path) -> None:
    """The tiny county typed into the templates (GCJ-02, Chinese words, townships by name, no township
    outlines) runs whole, and plan.xlsx reads back with its sheets, headers and totals."""
    from layoutsim.pipeline import run

    scenario = template_folder(tmp_path, named_townships(filled_rows()))
    as_beiguan(tmp_path)
    result = run(scenario, tmp_path / "out")
    book = tmp_path / "out" / "plan.xlsx"
    with pd.ExcelFile(book, engine="calamine") as xl:
        names = xl.sheet_names
        new = pd.read_excel(xl, sheet_name="新建学校一览表")
        supply = pd.read_excel(xl, sheet_name=names[3])
    assert names[:3] == ["新建学校一览表", "改扩建学校一览表", "撤并学校一览表"] and names[3].startswith("分乡镇学位供需表")
    assert list(new.columns[:3]) == ["学校名称", "县（市、区）", "乡镇（街道）"]
    assert len(new) == len(result.plan.new_schools) + 1 and new.iloc[-1]["学校名称"] == "合计"
    assert new.iloc[-1]["投资（万元）"] == pytest.approx(result.plan.new_schools["cost_cny"].sum() / 1e4, abs=0.1)
    assert set(new.iloc[:-1]["县（市、区）"]) == {"北关区"}
    assert set(supply.iloc[:-1]["乡镇（街道）"]) == {"红旗路街道", "柏庄镇"}


def test_a_missing_column_names_the_sheet_and_the_column(tmp_path: Path, capsys) -> None:
    rows = filled_rows()
    scenario = template_folder(tmp_path, rows)
    cols = tuple(c for c in TEMPLATES["schools"][2] if c.key != "ownership")
    from layoutsim.template import _workbook
    _workbook(tmp_path / "学校.xlsx", "学校", cols, rows["schools"])
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "学校.xlsx, sheet 学校: layer 'schools' lacks required columns: ownership" in err


def test_the_problems_of_every_workbook_come_in_one_round(tmp_path: Path, capsys) -> None:
    rows = filled_rows()
    rows["schools"][1]["ownership"] = "公私合办"     # 学校.xlsx row 4
    rows["candidates"][0]["site_area_m2"] = "四十亩"  # 候选用地.xlsx row 3
    scenario = template_folder(tmp_path, rows)
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "学校.xlsx, sheet 学校" in err and "row 4 (id S2): 'ownership' is '公私合办'" in err
    assert "候选用地.xlsx, sheet 候选用地" in err and "row 3 (id C1): column 'site_area_m2' has '四十亩'" in err


def test_a_slip_in_a_column_name_of_row_2_is_named(tmp_path: Path, capsys) -> None:
    from dataclasses import replace

    from layoutsim.template import _workbook

    rows = filled_rows()
    scenario = template_folder(tmp_path, rows)
    cols = tuple(replace(c, key="ownershp") if c.key == "ownership" else c for c in TEMPLATES["schools"][2])
    _workbook(tmp_path / "学校.xlsx", "学校", cols, [{("ownershp" if k == "ownership" else k): v for k, v in r.items()}
                                                    for r in rows["schools"]])
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "lacks required columns: ownership" in err and "ownershp" in err


def test_townships_of_a_county_outside_henans_list_keep_the_names_given(tmp_path: Path) -> None:
    rows = filled_rows()
    for u in rows["residential"]:
        u["township"] = "城关镇" if u["township"] == "419901001" else "东乡"
    scenario = template_folder(tmp_path, rows)
    text = scenario.read_text(encoding="utf-8").replace('\ntownships = "townships.geojson"', "")
    scenario.write_text(text, encoding="utf-8")
    region = load_region(load_scenario(scenario).data)
    assert sorted(region.townships["name"]) == ["东乡", "城关镇"]
    assert sorted(region.townships["code"]) == ["419901001", "419901002"]
