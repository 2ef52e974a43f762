"""Texts shown to users, in Chinese and English. One place to change a label."""
from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "kindergarten": ("幼儿园", "Kindergartens"),
    "primary": ("小学", "Primary schools"),
    "junior": ("初中", "Junior middle schools"),
    "high": ("高中", "High schools"),
    "counties": ("县（市、区）", "Counties"),
    "townships": ("乡镇（街道）", "Townships"),
    "residential": ("居住区需求", "Residential demand"),
    "name": ("名称", "Name"),
    "type": ("类型", "Type"),
    "ownership": ("办学性质", "Ownership"),
    "classes": ("班数", "Classes"),
    "enrolment": ("在校生", "Pupils enrolled"),
    "seats": ("学位", "Seats"),
    "utilisation": ("学位使用率", "Utilisation"),
    "class_size": ("平均班额", "Average class size"),
    "residents": ("常住人口", "Residents"),
    "pupils": ("学生数", "Pupils"),
    "population": ("人口", "Population"),
    "kind": ("类别", "Kind"),
    "completion_year": ("建成年份", "Completion year"),
    "terrain": ("地形", "Terrain"),
    "synthetic": ("合成数据", "Synthetic"),
    "synthetic_note": ("乡镇以下数据为合成数据（按2020年人口普查校准，仅供演示）",
                       "Data below the township are synthetic (calibrated to the 2020 census; for demonstration)"),
    "legend_title": ("图例", "Legend"),
    "util_low": ("使用率 < 60%（富余）", "Utilisation < 60 % (half-empty)"),
    "util_ok": ("60%–90%", "60–90 %"),
    "util_full": ("90%–110%（满员）", "90–110 % (full)"),
    "util_over": ("> 110%（超员）", "> 110 % (over capacity)"),
    "size_note": ("圆圈大小：学位数", "Circle size: seats"),
    "demand_note": ("灰点：居住区（大小：学生数）", "Grey dots: residential units (size: pupils)"),
    "new_dev": ("新建居住区", "New development"),
    "public": ("公办", "Public"),
    "private": ("民办", "Private"),
    "existing": ("现状小区", "Existing estate"),
    "new": ("新建小区", "New development"),
    "village": ("村庄", "Village"),
    "street": ("街道", "Street"),
    "town": ("镇", "Town"),
    "township": ("乡", "Township"),
    "other": ("其他", "Other"),
    "teaching_point": ("教学点", "Teaching point"),
    "nine_year": ("九年一贯制", "Nine-year school"),
    "complete_middle": ("完全中学", "Complete middle school"),
    "twelve_year": ("十二年一贯制", "Twelve-year school"),
}


def t(key: str, lang: str = "zh") -> str:
    """The label for ``key`` in ``lang`` ('zh' or 'en'); the key itself when there is none."""
    pair = TEXTS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]
