"""The school-layout optimizer on a whole city, county by county (not a test: prints numbers).

    python benchmarks/bench_plan.py [area] [--workers N] [--mip-gap G] [--horizon] [--step S]

Prints the machine, then per county the model size, status, objective, bound, gap and solver seconds,
and the wall time of the whole plan (default 驻马店, every county and level, target year 2025). With
``--horizon`` it also plans 2026–2030 with the 2035 outlook year by year (model years every ``--step``
years after 2030) and prints the same per county, beside the single-year plan's.
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

from layoutsim.config.plan import Horizon
from layoutsim.optimize import plan
from layoutsim.optimize.horizon import plan_years
from layoutsim.schema import LEVELS
from layoutsim.pipeline import _today, rulebook_of
from layoutsim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("area", nargs="?", default="zhumadian")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--mip-gap", type=float, default=None)
    ap.add_argument("--horizon", action="store_true", help="also the multi-period plan 2026–2030, outlook 2035")
    ap.add_argument("--step", type=int, default=2, help="years between model years after 2030")
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
    if args.horizon:
        years_cfg = cfg.model_copy(update={"horizon": Horizon(step=args.step)})
        start = time.perf_counter()
        yp = plan_years(today.region, today.forecast.pupils, rulebook_of(sc), years_cfg, sc.reach,
                        staff_ratio={lv: sc.forecast.staff_ratio.get(lv) for lv in LEVELS})
        wall = time.perf_counter() - start
        print(f"\nmulti-period 2026–2030, outlook 2035, model years {Horizon(step=args.step).years}")
        single = p.solver.set_index("county")
        print(f"{'county':<8}{'vars':>8}{'rows':>7}  {'status':<11}{'gap':>8}{'s':>7}   single-year: {'vars':>7}{'gap':>8}{'s':>7}")
        for r in yp.plan.solver.itertuples(index=False):
            one = single.loc[r.county]
            print(f"{r.county:<8}{r.variables:>8}{r.constraints:>7}  {r.status:<11}{r.gap:>8.2%}{r.seconds:>7.1f}   "
                  f"{'':>13}{one['variables']:>7}{one['gap']:>8.2%}{one['seconds']:>7.1f}")
        acts = yp.actions.groupby("action").size().to_dict()
        print(f"{sc.id} over years: wall {wall:.1f} s, solver {yp.plan.solver['seconds'].sum():.1f} s, worst gap "
              f"{yp.plan.solver['gap'].max():.2%}; actions {acts}; capital {yp.actions['capital_cny'].sum() / 1e8:.2f}亿元, "
              f"lifetime {yp.lifetime_cny / 1e8:.2f}亿元; stranded {yp.stranded_seats:,.0f} seats in 2035; unmet by "
              f"year {yp.unmet_by_year.round().astype(int).to_dict()}")


if __name__ == "__main__":
    main()
