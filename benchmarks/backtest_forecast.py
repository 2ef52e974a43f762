"""The cohort forecast against school statistics it was not fitted to (not a test: prints numbers).

    python benchmarks/backtest_forecast.py

The forecast's parameters come from the 2010 and 2020 censuses and Henan's 2020 school year only
(docs/forecast.md). This script runs it for all 157 county-level units of Henan (scenarios/henan) and
for 平顶山's ten, and prints each held-out figure found for a later school year next to the forecast,
with its source. Nothing here feeds back into the parameters. It also prints the same figures with the
migration switched off (``migration = 0``), to show what the two-census migration does, and the time the
province forecast takes.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import geopandas as gpd

from layoutsim.config.forecast import ForecastConfig
from layoutsim.forecast import forecast

ROOT = Path(__file__).resolve().parents[1]

BULLETIN_2021 = ("河南省教育厅《2021年河南省教育事业发展统计公报》(2022-03-22), 义务教育阶段在校生, as quoted "
                 "in the press (e.g. http://news.minqi.cn/edu/2022/0323/2432.html reports the bulletin)")
OVERVIEW_2023 = ("河南省教育概况(2024), describing 2023: "
                 "https://big5.huaxia.com/gate/big5/gd.huaxia.com/c/2024/04/15/1908194.shtml")
PDS_2021 = "2021年平顶山市教育事业统计主要结果 (shared/domain/calibration/census.md)"

#: (area, year, what, levels summed, column, observed, source)
HELD_OUT = [
    ("henan", 2021, "compulsory in school (primary + junior)", ("primary", "junior"), "pupils", 14_910_600,
     BULLETIN_2021),
    ("henan", 2023, "kindergarten in school (在园)", ("kindergarten",), "pupils", 3_236_200, OVERVIEW_2023),
    ("henan", 2023, "primary in school", ("primary",), "pupils", 9_628_800, OVERVIEW_2023),
    ("henan", 2023, "primary intake (招生)", ("primary",), "intake", 1_489_500, OVERVIEW_2023),
    ("henan", 2023, "junior in school (1,471.01 − 962.88万, D)", ("junior",), "pupils", 5_081_300, OVERVIEW_2023),
    ("pingdingshan", 2021, "kindergarten in school", ("kindergarten",), "pupils", 214_500, PDS_2021),
    ("pingdingshan", 2021, "primary in school", ("primary",), "pupils", 527_800, PDS_2021),
    ("pingdingshan", 2021, "junior in school", ("junior",), "pupils", 257_600, PDS_2021),
    ("pingdingshan", 2021, "general high in school", ("high",), "pupils", 124_600, PDS_2021),
    ("pingdingshan", 2021, "primary intake", ("primary",), "intake", 83_900, PDS_2021),
    ("pingdingshan", 2021, "junior intake", ("junior",), "intake", 93_900, PDS_2021),
    ("pingdingshan", 2021, "general high intake", ("high",), "intake", 47_300, PDS_2021),
]


def main() -> None:
    print(f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores")
    counties = gpd.read_file(ROOT / "data" / "henan" / "counties.geojson")
    areas = {"henan": counties, "pingdingshan": counties[counties["city"] == "平顶山市"]}
    totals = {}
    for migration in (1.0, 0.0):
        for area, units in areas.items():
            start = time.perf_counter()
            fc = forecast(None, None, units, ForecastConfig(method="cohort", migration=migration))
            totals[area, migration] = fc.total().set_index(["level", "year"])
            if area == "henan" and migration == 1.0:
                print(f"province forecast, {len(units)} units, 2020–2035: {time.perf_counter() - start:.2f} s")
    print(f"\n{'area':<13}{'year':>5}  {'figure':<42}{'observed':>11}{'forecast':>11}{'error':>8}"
          f"{'band':>20}{'no migration':>14}")
    for area, year, what, levels, column, observed, _ in HELD_OUT:
        got = sum(totals[area, 1.0].loc[(lv, year), column] for lv in levels)
        flat = sum(totals[area, 0.0].loc[(lv, year), column] for lv in levels)
        band = ""
        if column == "pupils":
            low = sum(totals[area, 1.0].loc[(lv, year), "pupils_low"] for lv in levels)
            high = sum(totals[area, 1.0].loc[(lv, year), "pupils_high"] for lv in levels)
            band = f"{low / 1e4:,.1f}–{high / 1e4:,.1f}万" + (" in" if low <= observed <= high else " OUT")
        print(f"{area:<13}{year:>5}  {what:<42}{observed / 1e4:>10,.2f}万{got / 1e4:>10,.2f}万"
              f"{(got / observed - 1) * 100:>+7.1f}%{band:>20}{(flat / observed - 1) * 100:>+13.1f}%")
    print("\nsources:")
    for source in dict.fromkeys(s for *_, s in HELD_OUT):
        print(f"  {source}")


if __name__ == "__main__":
    main()
