"""Published statistics the generator is calibrated to, and the one place each figure is kept.

Every figure names its year and source (the city's or province's own words where they give them). The
generator reads them through :func:`layoutsim.synth.census.calibration_of`; the calibration test
(``tests/test_calibration.py``) prints each beside what the generated layers hold.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Pupils per 1,000 residents by level. Henan 2023 observed (standards.md §1.6: kindergarten 33.0,
#: primary 98.1, junior 51.8); high school 25.0 from 平顶山's 2021 count (12.46万 ÷ 4,987,137).
HENAN_PER_THOUSAND = {"kindergarten": 33.0, "primary": 98.1, "junior": 51.8, "high": 25.0}

#: 平顶山 2021 (2021年平顶山市教育事业统计主要结果, the city's education statistics): schools and pupils per
#: level, as the statistics count them: 小学 without its 730 教学点; 初中 with the nine-year schools.
PDS_COUNTS = {"kindergarten": (1659, 214_500), "primary": (1148, 527_800), "junior": (238, 257_600),
              "high": (47, 124_600)}
PDS_POPULATION = 4_987_137
#: The same statistics: 730 教学点, 22 中等职业学校, 9 特殊教育学校.
PDS_OTHER = {"teaching_point": 730, "vocational": 22, "special": 9}


@dataclass(frozen=True)
class Figure:
    """One published figure: its value, the year it describes and where it is published."""

    value: float
    year: int
    source: str


SOURCE_HENAN_2020 = "2020年河南省教育事业发展统计公报（大河网转载）"

#: 大班额 (56–65 pupils) and 超大班额 (66 and more) as shares of each level's classes, counted apart as the
#: statistics count them. Henan 2020: primary 0.82万 of 28.63万 classes (2.88 %) and 234 (0.08 %);
#: junior 0.4万 of 9.75万 (4.12 %) and about 58 (0.06 %: the compulsory 292 less primary's 234); high
#: school 0.91万 (21.48 %). The high schools' 超大班额 of 2020 is not published: 2019's ratio of 超大 to
#: 大 (13.28 % to 42.79 %) applied to 2020 gives 6.7 % (assumption).
HENAN_LARGE_CLASS = {
    "primary": Figure(0.0288, 2020, SOURCE_HENAN_2020),
    "junior": Figure(0.0412, 2020, SOURCE_HENAN_2020),
    "high": Figure(0.2148, 2020, SOURCE_HENAN_2020),
}
HENAN_SUPER_LARGE_CLASS = {
    "primary": Figure(0.0008, 2020, SOURCE_HENAN_2020),
    "junior": Figure(0.0006, 2020, SOURCE_HENAN_2020 + "（义务教育292个减小学234个）"),
    "high": Figure(0.067, 2019, "2019年河南省教育事业发展统计公报（超大13.28%比大42.79%，按2020年21.48%推算，假设）"),
}

#: Pupils of a 教学点 on average: Henan 2023, 39.60万 pupils in 0.89万 teaching points (44.5). A 教学点
#: teaches the lower grades (方便低年级学生就学, Henan's 2011 rural layout rule): the generator gives it
#: 一至三年级, some 一至四年级 (assumption on the split).
TEACHING_POINT_PUPILS = Figure(396000 / 8900, 2023, "河南省教育概况（2024）：教学点0.89万个，在校生39.60万")

#: Share of compulsory pupils in private (民办) schools. Henan's is not published; China's 2019: 944.91万
#: of 10,561.24万 primary pupils and 687.40万 of 4,827.14万 junior pupils (10.6 % of both).
HENAN_PRIVATE_COMPULSORY = Figure((944.91 + 687.40) / (10561.24 + 4827.14), 2019,
                                  "2019年全国教育事业发展统计公报（河南未公布，以全国代）")
#: Share of kindergarten children in public kindergartens (公办园在园幼儿占比). Henan's is not published;
#: 三门峡's 2020 figure (32.6 %), the one a Henan city gives, stands in for the others.
HENAN_PUBLIC_KG = Figure(0.326, 2020, "三门峡市“十四五”教育事业发展规划（公办园在园幼儿占比32.6%；河南未公布，以此代）")
#: 普惠性幼儿园覆盖率 (children in public and 普惠 private kindergartens ÷ all), Henan 2020.
HENAN_INCLUSIVE_KG = Figure(0.737, 2020, "2020年河南省教育事业发展统计公报（普惠性幼儿园覆盖率73.7%）")

# ---------------------------------------------------------------- the cities' own figures
#: The cities' plans (“十四五”教育事业发展规划, their review of 2016–2020) and 平顶山's 2021 statistics.
PDS_INCLUSIVE_KG = Figure(0.80, 2020, "平顶山市“十四五”教育事业发展规划（普惠性资源覆盖率达到80%）")
SMX_INCLUSIVE_KG = Figure(0.717, 2020, "三门峡市“十四五”教育事业发展规划（普惠性资源覆盖率71.7%）")
SMX_PUBLIC_KG = Figure(0.326, 2020, "三门峡市“十四五”教育事业发展规划（公办园在园幼儿占比32.6%）")
SMX_LARGE_COMPULSORY = (Figure(0.01, 2020, "三门峡市“十四五”教育事业发展规划（大班额比例由2017年的17.04%下降为1%）"),
                        Figure(0.0, 2020, "三门峡市“十四五”教育事业发展规划（全面消除了超大班额）"))
ZMD_INCLUSIVE_KG = Figure(0.696, 2020, "驻马店市“十四五”教育事业发展规划（普惠性幼儿园覆盖率69.6%）")
KF_INCLUSIVE_KG = Figure(0.80, 2020, "开封市“十四五”教育事业发展规划（全市普惠性资源覆盖率达到80%）")
#: 开封's 2.6 % and 0.24 % are read, like Henan's, as 56–65 and 66 and more apart.
KF_LARGE_COMPULSORY = (Figure(0.026, 2020, "开封市“十四五”教育事业发展规划（2020年秋季全市大班额比例下降到2.6%）"),
                       Figure(0.0024, 2020, "开封市“十四五”教育事业发展规划（超大班额比例下降到0.24%）"))
KF_VOCATIONAL = Figure(27, 2020, "开封市“十四五”教育事业发展规划（学校由35所整合至27所）")
BG_INCLUSIVE_KG = Figure(0.91, 2020, "安阳市北关区“十四五”教育事业发展规划（普惠性幼儿园覆盖率达到91%）")
