"""The generated layers beside the published figures they are calibrated to, one row per figure.

``python -m layoutsim.synth.calibration [AREA ...]`` prints the table; ``tests/test_calibration.py``
holds every row within 20 % of its figure (an exact zero must be met exactly, and the urban share of
compulsory pupils must reach the urban share of residents).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..rules.classes import large_classes
from ..schema import classes_col, enrolment_col, teaches
from .census import AREAS, Area, calibration_of
from .published import PDS_COUNTS, PDS_OTHER

#: How the statistics count schools of each kind: 初中 with the nine-year schools, 高中 with the
#: complete middle and twelve-year schools, 小学 without its teaching points.
COUNTED_AS = {"kindergarten": ("kindergarten",), "primary": ("primary",), "teaching_point": ("teaching_point",),
              "junior": ("junior", "nine_year"), "high": ("high", "complete_middle", "twelve_year"),
              "vocational": ("vocational",), "special": ("special",)}
TOLERANCE = 0.2


@dataclass(frozen=True)
class Row:
    figure: str
    synthetic: float
    published: float
    source: str
    rule: str = "within"  # within: |synthetic / published - 1| <= TOLERANCE; at_least: synthetic >= published
    #: two classes of all, as a share: counties round their large classes at random (so that they add up
    #: right), and a figure of a few classes in all may come out a class or two off
    grain: float = 0.0

    @property
    def ok(self) -> bool:
        if self.rule == "at_least":
            return self.synthetic >= self.published
        return abs(self.synthetic - self.published) <= max(TOLERANCE * self.published, self.grain)


def _class_shares(schools: pd.DataFrame, levels: tuple[str, ...]) -> tuple[float, float, float]:
    """Share of the levels' classes of 56–65 pupils and of 66 or more (``rules.classes`` estimates), and
    the share two classes are (:attr:`Row.grain`)."""
    large = super_large = total = 0.0
    for level in levels:
        m = teaches(schools, level)
        a, b = large_classes(schools.loc[m, enrolment_col(level)], schools.loc[m, classes_col(level)])
        large, super_large = large + a.sum(), super_large + b.sum()
        total += float(schools.loc[m, classes_col(level)].sum())
    return large / total, super_large / total, 2.0 / total


def measure(area: Area, layers: dict[str, pd.DataFrame]) -> list[Row]:
    """Each calibrated figure of ``area``: what ``layers`` hold beside the published value."""
    cal = calibration_of(area)
    s, res = layers["schools"], layers["residential"]
    kinds = s["type"]
    rows: list[Row] = []
    # large classes: a city's own compulsory figure pooled, else Henan's by level
    if area.large_compulsory is not None:
        over, over65 = area.large_compulsory
        large, super_large, grain = _class_shares(s, ("primary", "junior"))
        rows += [Row("compulsory classes of 56–65", large, over.value, over.source, grain=grain),
                 Row("compulsory classes of 66+", super_large, over65.value, over65.source, grain=grain)]
    for level in ("primary", "junior", "high"):
        if area.large_compulsory is not None and level != "high":
            continue
        large, super_large, grain = _class_shares(s, (level,))
        rows += [Row(f"{level} classes of 56–65", large, cal.large[level].value, cal.large[level].source, grain=grain),
                 Row(f"{level} classes of 66+", super_large, cal.super_large[level].value,
                     cal.super_large[level].source, grain=grain)]
    # schools: where the city publishes its counts
    if area.counts is not None:
        for kind, (n, _) in {**PDS_COUNTS, **{k: (v, 0) for k, v in PDS_OTHER.items()}}.items():
            rows.append(Row(f"{kind} schools", float(kinds.isin(COUNTED_AS[kind]).sum()), float(n),
                            "2021年平顶山市教育事业统计主要结果"))
    if area.total_schools is not None:
        rows.append(Row("schools of all kinds (without teaching points)",
                        float((kinds != "teaching_point").sum()), float(area.total_schools), "驻马店市“十四五”教育事业发展规划"))
    if area.vocational is not None:
        rows.append(Row("vocational schools", float((kinds == "vocational").sum()), area.vocational.value,
                        area.vocational.source))
    tp = s[kinds == "teaching_point"]
    if len(tp):
        rows.append(Row("pupils per teaching point", float(tp[enrolment_col("primary")].mean()),
                        cal.teaching_point_pupils.value, cal.teaching_point_pupils.source))
    # who runs them
    comp = s[enrolment_col("primary")] + s[enrolment_col("junior")]
    rows.append(Row("compulsory pupils in private schools", float(comp[s["ownership"] == "private"].sum() / comp.sum()),
                    cal.private_compulsory.value, cal.private_compulsory.source))
    kg = s[kinds == "kindergarten"]
    e = kg[enrolment_col("kindergarten")]
    rows.append(Row("kindergarten children in public kindergartens", float(e[kg["ownership"] == "public"].sum() / e.sum()),
                    cal.public_kg.value, cal.public_kg.source))
    covered = (kg["ownership"] == "public") | kg["inclusive"].astype(bool)
    rows.append(Row("普惠 coverage", float(e[covered].sum() / e.sum()), cal.inclusive_kg.value, cal.inclusive_kg.source))
    # 乡村弱、城镇挤: more of the pupils in town than of the residents
    today = res[res["kind"] != "new"]
    urban_pop = float(today.loc[today["urban"].astype(bool), "residents"].sum() / today["residents"].sum())
    rows.append(Row("compulsory pupils in urban (城镇) schools", float(comp[s["urban"].astype(bool)].sum() / comp.sum()),
                    urban_pop, "2020年第七次人口普查（城镇人口占比）", rule="at_least"))
    return rows


def table(area_key: str, data: Path) -> pd.DataFrame:
    """The rows of an area whose layers are in ``data/<area_key>/``."""
    layers = {n: gpd.read_file(data / area_key / f"{n}.geojson") for n in ("schools", "residential")}
    return pd.DataFrame([dict(area=area_key, figure=r.figure, synthetic=round(r.synthetic, 4),
                              published=round(r.published, 4), ok=r.ok, source=r.source)
                         for r in measure(AREAS[area_key], layers)])


if __name__ == "__main__":  # pragma: no cover - a report for people
    root = Path(sys.argv[1]) if len(sys.argv) > 1 and Path(sys.argv[1]).is_dir() else Path("data")
    keys = [a for a in sys.argv[1:] if a in AREAS] or list(AREAS)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", 500):
        print(pd.concat([table(k, root) for k in keys], ignore_index=True).drop(columns="source").to_string())
