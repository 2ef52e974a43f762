"""The province on dask.distributed: how time and memory grow with counties (not a test: prints numbers).

    python benchmarks/bench_scale.py [--counties 10 40 157] [--workers 1 2] [--time-limit S]

For each number of counties N (a fixed spread over Henan's 157 county-level units: every k-th by code) and
each number of workers W, starts a LocalCluster of W single-threaded workers, runs ``scenarios/henan/
baseline.toml`` restricted to those counties through it (every county: synthetic layers, forecast, audit,
plan, map and report, as ``layoutsim run`` does) and prints the wall time, the sum of the counties' own
times and of their solver times, each worker's peak memory, and the longest county (the critical path:
no run can end before it). The synthetic layers are generated once into the cache (the first pass pays
for it: its generation time is printed apart) and read afterwards. Ends with the slopes (seconds and
worker memory per county) fitted over the passes of each W.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layoutsim.cluster import close_all
from layoutsim.config.scenario import load_scenario
from layoutsim.province import run_by_county
from layoutsim.synth.province import county_folder, default_cache

ROOT = Path(__file__).resolve().parents[1]


def _subset(counties: gpd.GeoDataFrame, n: int) -> gpd.GeoDataFrame:
    """``n`` counties spread over the province: every k-th by code."""
    ordered = counties.sort_values("adcode").reset_index(drop=True)
    picks = np.unique(np.linspace(0, len(ordered) - 1, n).round().astype(int))
    return ordered.iloc[picks]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, nargs="+", default=[10, 40, 157])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per county model (default: scenario's)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores | "
          f"dask {metadata.version('distributed')} | highspy {metadata.version('highspy')}")
    scenario = load_scenario(ROOT / "scenarios" / "henan" / "baseline.toml")
    everything = gpd.read_file(scenario.data.counties.path)
    cache = default_cache()
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    t0 = time.perf_counter()
    for _, row in _subset(everything, max(args.counties)).iterrows():
        county_folder(row, scenario.data.generate.seed, cache)
    print(f"synthetic layers of {max(args.counties)} counties ready in {time.perf_counter() - t0:.1f} s "
          f"(cache {cache})")
    rows = []
    print(f"{'counties':>8}{'workers':>8}{'wall s':>9}{'county s':>10}{'solver s':>10}{'peak MB/worker':>16}"
          f"  longest county")
    for n in args.counties:
        subset = _subset(everything, n)
        path = work / f"counties-{n}.geojson"
        subset.to_file(path, driver="GeoJSON")
        for w in args.workers:
            from distributed import LocalCluster

            plan = {"scheduler": None, "workers": 1}
            if args.time_limit:
                plan["time_limit_s"] = args.time_limit
            with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=":0",
                              silence_logs=logging.ERROR, memory_limit=0) as cluster:
                plan["scheduler"] = cluster.scheduler_address
                data = scenario.data.model_copy(update={"counties": scenario.data.counties.model_copy(
                    update={"path": path})})
                sc = scenario.model_copy(update={"data": data, "plan": scenario.plan.model_copy(update=plan)})
                t1 = time.perf_counter()
                result = run_by_county(sc, work / f"out-{n}-{w}")
                wall = time.perf_counter() - t1
                close_all()
            p = result.plans
            longest = p.loc[p["seconds"].idxmax()]
            peak = p["worker_peak_mb"].max()  # each county reports its worker's peak so far: the largest worker's
            rows.append({"counties": n, "workers": w, "wall": wall, "county_s": p["seconds"].sum(),
                         "solver_s": p["solver_seconds"].sum(), "peak_mb": float(p["worker_peak_mb"].max())})
            print(f"{n:>8}{w:>8}{wall:>9.1f}{p['seconds'].sum():>10.1f}{p['solver_seconds'].sum():>10.1f}"
                  f"{peak:>16.0f}  {longest['county']} ({longest['adcode']}) {longest['seconds']:.1f} s, "
                  f"solver {longest['solver_seconds']:.1f} s; failed: {len(result.failed)}")
    df = pd.DataFrame(rows)
    for w, g in df.groupby("workers"):
        if len(g) >= 2:
            slope = np.polyfit(g["counties"], g["wall"], 1)[0]
            mem = np.polyfit(g["counties"], g["peak_mb"], 1)[0]
            print(f"{w} worker(s): {slope:.2f} s of wall time per county, {mem:+.2f} MB of peak worker memory "
                  f"per county (fitted over {', '.join(map(str, g['counties']))} counties)")


if __name__ == "__main__":
    main()
