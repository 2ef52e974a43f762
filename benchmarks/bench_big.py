"""A residential layer far too fine for one county model (not a test: prints numbers).

    python benchmarks/bench_big.py [--points 190000] [--seed 0]

Copies 北关区's scenario and data into a temporary folder, replaces its residential layer by N points
scattered (seeded) around its estates and villages inside the district, residents split among them, and
runs ``layoutsim run`` on it. The size guard (``[plan] max_variables``) should stop it with exit status 2
before a model is built; before the guard such a file built a 12 GB model and then ran for hours. Prints
the machine, the exit status, the message's first lines, the wall time and the peak memory of the run.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def scatter(residential: gpd.GeoDataFrame, county, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` points: the layer's own units, then copies jittered about 40 m, kept inside ``county``."""
    rng = np.random.default_rng(seed)
    reps = 2 * n // len(residential) + 1
    many = pd.concat([residential] * reps, ignore_index=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(many.geometry.x + rng.normal(0, 4e-4, len(many)),
                                           many.geometry.y + rng.normal(0, 4e-4, len(many))), crs=residential.crs)
    extra = many.set_geometry(pts)[pts.within(county).to_numpy()].iloc[: n - len(residential)].copy()
    extra["id"] = [f"X{i:06d}" for i in range(len(extra))]
    extra["name"] = [f"点{i}" for i in range(len(extra))]
    extra["residents"] = (extra["residents"] / (reps / 2)).round().clip(lower=1).astype(int)
    return gpd.GeoDataFrame(pd.concat([residential, extra], ignore_index=True), crs=residential.crs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=190_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "data" / "beiguan", folder / "data")
        text = (ROOT / "scenarios" / "beiguan" / "baseline.toml").read_text(encoding="utf-8")
        (folder / "scenario.toml").write_text(text.replace("../../data/beiguan", "data"), encoding="utf-8")
        res = gpd.read_file(folder / "data" / "residential.geojson")
        county = gpd.read_file(folder / "data" / "counties.geojson").union_all()
        big = scatter(res, county, args.points, args.seed)
        big.to_file(folder / "data" / "residential.geojson", driver="GeoJSON")
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "layoutsim.cli", "run", str(folder / "scenario.toml"),
                               "--out", str(folder / "out")], capture_output=True, text=True)
        wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{len(big):,} residential points: exit {proc.returncode} in {wall:.1f} s, peak {peak_mb:,.0f} MB")
    print("\n".join(proc.stderr.strip().splitlines()[:3]))


if __name__ == "__main__":
    main()
