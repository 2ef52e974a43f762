"""The school-layout optimizer on a whole city, county by county (not a test: prints numbers).

    python benchmarks/bench_plan.py [area] [--workers N] [--mip-gap G]

Prints the machine, then per county the model size, status, objective, bound, gap and solver seconds,
and the wall time of the whole plan (default 驻马店, every county and level, target year 2025).
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from pathlib import Path

from importlib import metadata
import pulp

from layoutsim.optimize import plan
from layoutsim.pipeline import _today, rulebook_of
from layoutsim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("area", nargs="?", default="zhumadian")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--mip-gap", type=float, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores | "
          f"highspy {metadata.version('highspy')} | pulp {pulp.__version__}")
    sc = load_scenario(ROOT / "scenarios" / args.area / "baseline.toml")
    update = {k: v for k, v in (("workers", args.workers), ("mip_gap", args.mip_gap)) if v is not None}
    cfg = sc.plan.model_copy(update=update)
    today = _today(sc, lambda s: None)
    start = time.perf_counter()
    p = plan(today.region, today.pupils, rulebook_of(sc), cfg, sc.reach, year=sc.scenario.target_year)
    wall = time.perf_counter() - start
    print(f"{'county':<8}{'vars':>8}{'rows':>7}  {'status':<11}{'objective':>15}{'bound':>15}{'gap':>8}{'s':>7}")
    for r in p.solver.itertuples(index=False):
        print(f"{r.county:<8}{r.variables:>8}{r.constraints:>7}  {r.status:<11}{r.objective:>15.6g}"
              f"{r.bound:>15.6g}{r.gap:>8.2%}{r.seconds:>7.1f}")
    print(f"{sc.id}: {len(p.solver)} counties, workers {cfg.workers}, mip_gap {cfg.mip_gap}: wall {wall:.1f} s, "
          f"solver {p.solver['seconds'].sum():.1f} s; cost {p.cost_cny / 1e8:.2f}亿元, "
          f"{len(p.new_schools)} new schools, {len(p.expansions)} expansions, unmet {p.unmet_pupils:,.0f} pupils")


if __name__ == "__main__":
    main()
