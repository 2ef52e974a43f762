"""Time and peak memory of `layoutsim run` on each packaged baseline (not a test: prints numbers).

    python benchmarks/bench_runs.py [area ...]

Each run is a fresh subprocess, so the numbers include imports and reading the data, as a planner sees them.
"""
from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREAS = ["beiguan", "sanmenxia", "kaifeng", "pingdingshan", "zhumadian"]


def machine() -> str:
    return (f"{platform.platform()} | python {platform.python_version()} | {os.cpu_count()} cores | "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB")


def main(areas: list[str]) -> None:
    print(machine())
    print(f"{'scenario':<28}{'seconds':>9}{'peak MiB':>10}{'map MiB':>9}")
    for area in areas or AREAS:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "layoutsim.cli", "run",
                                   str(ROOT / "scenarios" / area / "baseline.toml"), "--out", str(out)],
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode:
                print(f"{area:<28} failed: {proc.stderr[-500:]}")
                continue
            size = (out / "index.html").stat().st_size / 2**20
            print(f"{area + '-baseline':<28}{seconds:>9.1f}{peak:>10.0f}{size:>9.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
