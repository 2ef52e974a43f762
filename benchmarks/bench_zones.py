"""Attendance zones on the largest county of an area (not a test: prints numbers).

    python benchmarks/bench_zones.py [area] [--county ADCODE] [--level primary] [--time-limit S]

Zones the county with most residential units (or ``--county``) for each level, with each contiguity
formulation of ``[zones] contiguity`` ('ordered', 'flow'), and prints the machine, the model's size, the
solve time, status, gap, the largest zone and the share of pupils zoned to their nearest school.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from importlib import metadata
from pathlib import Path

from layoutsim.config.scenario import load_scenario
from layoutsim.optimize.zones import zone
from layoutsim.pipeline import _today, pupils_in
from layoutsim.region import Region

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("area", nargs="?", default="zhumadian")
    ap.add_argument("--county", default=None)
    ap.add_argument("--level", action="append", default=None)
    ap.add_argument("--time-limit", type=float, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores | "
          f"highspy {metadata.version('highspy')}")
    sc = load_scenario(ROOT / "scenarios" / args.area / "baseline.toml")
    today = _today(sc, lambda s: None)
    counties = today.region.units_county()
    county = args.county or counties.value_counts().index[0]
    region = today.region
    keep = (region.counties["adcode"].astype(str) == county).to_numpy()
    one = Region(counties=region.counties[keep], townships=region.townships, residential=region.residential,
                 schools=region.schools, candidates=region.candidates, crs=region.crs)
    pupils = pupils_in(today.forecast, sc.scenario.target_year)
    print(f"{sc.id}: county {county}, {int((counties == county).sum())} residential units, year "
          f"{sc.scenario.target_year}")
    print(f"{'contiguity':<10}{'level':<9}{'vars':>7}{'rows':>7}  {'status':<11}{'gap':>7}{'s':>7}"
          f"{'zones':>6}{'largest':>9}{'nearest':>9}")
    for how in ("ordered", "flow"):
        update = {"contiguity": how, **({"time_limit_s": args.time_limit} if args.time_limit else {})}
        cfg = sc.zones.model_copy(update=update)
        t0 = time.perf_counter()
        z = zone(one, pupils, cfg, sc.reach, sc.plan, args.level or list(cfg.levels))
        for r in z.solver.itertuples(index=False):
            print(f"{how:<10}{r.level:<9}{r.variables:>7}{r.constraints:>7}  {r.status:<11}{r.gap:>7.2%}"
                  f"{r.seconds:>7.1f}{r.schools:>6}{r.largest_zone_pupils:>9,.0f}{r.nearest_share:>9.0%}")
        print(f"{how}: wall {time.perf_counter() - t0:.1f} s (both levels, with the cells and the map data)")


if __name__ == "__main__":
    main()
