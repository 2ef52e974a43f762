"""Benchmark layoutsim.locate on OR-Library instances and a random 2,000 x 200 p-median.

Not a test: prints one line per instance with time, objective, bound, gap and
the published optimum.  Run ``python benchmarks/bench_locate.py --help``.
"""
from __future__ import annotations

import argparse
import csv
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layoutsim.errors import SolverError  # noqa: E402
from layoutsim.locate import facility_location, p_median, read_cap, read_pmed  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"


def machine_info() -> str:
    """One block of text describing the machine and library versions."""
    def ver(pkg: str) -> str:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "missing"

    return (
        f"platform: {platform.platform()}\n"
        f"cpu: {platform.processor() or platform.machine()}, os.cpu_count()={os.cpu_count()}, "
        f"usable={len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}\n"
        f"python: {sys.version.split()[0]}  highspy: {ver('highspy')}  pulp: {ver('pulp')}  "
        f"numpy: {ver('numpy')}  scipy: {ver('scipy')}\n"
        f"load average at start: {os.getloadavg() if hasattr(os, 'getloadavg') else '?'}"
    )


def random_instance(n: int = 2000, m: int = 200, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in a 10 km square, Euclidean metres, integer weights 1-11."""
    rng = np.random.default_rng(seed)
    clients = rng.uniform(0, 10_000, (n, 2))
    sites = rng.uniform(0, 10_000, (m, 2))
    diff = clients[:, None, :] - sites[None, :, :]
    cost = np.sqrt((diff**2).sum(axis=-1))
    weights = rng.integers(1, 12, n).astype(float)
    return cost, weights


def row(name: str, res, published: float | None, extra: str = "") -> str:
    """Format one result line."""
    pub = "" if published is None else f"{published:.3f}"
    err = ""
    if published is not None and np.isfinite(res.objective):
        err = f"{abs(res.objective - published) / max(abs(published), 1e-12):.1e}"
    return (
        f"{name:<14} {res.status:<10} {res.seconds:8.2f} {res.objective:16.3f} "
        f"{res.bound:16.3f} {res.gap:9.1e} {pub:>16} {err:>8} {extra}"
    )


HEADER = (
    f"{'instance':<14} {'status':<10} {'seconds':>8} {'objective':>16} {'bound':>16} "
    f"{'gap':>9} {'published':>16} {'relerr':>8} notes"
)


def parse_selection(text: str, pool: list[str]) -> list[str]:
    """``"1-10,15"`` style selection against numbered names; ``"all"`` for everything."""
    if text == "all":
        return pool
    if text in ("", "none"):
        return []
    out: list[str] = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = (int(v) for v in part.split("-"))
            out.extend(str(k) for k in range(lo, hi + 1))
        else:
            out.append(part)
    return out


def describe(stats: dict) -> str:
    """How a p-median was solved: branch-and-bound nodes or MIP rounds and model size."""
    lag = stats.get("lagrangian")
    root = f"root lag={lag['lower']:.6g} in {lag['seconds']:.1f}s pairs={lag['pairs_kept']} " if lag else ""
    if "nodes" in stats:
        return root + f"bb nodes={stats['nodes']} iters={stats['iterations']}"
    if not stats["variables"]:
        return root + "closed at the root"
    return root + (
        f"mip rounds={stats['rounds']} vars={stats['variables']} "
        f"solver_s={[round(x, 2) for x in stats['solve_seconds']]}"
    )


def bench_pmed(data: Path, which: str, time_limit: float | None, dense: bool, method: str) -> None:
    with open(data / "orlib" / "pmed" / "optimal.csv", newline="") as fh:
        opt = {r["instance"]: float(r["optimal"]) for r in csv.DictReader(fh)}
    ids = parse_selection(which, [str(k) for k in range(1, 41)])
    if not ids:
        return
    print("\n== OR-Library pmed (uncapacitated p-median)")
    print(HEADER)
    total = 0.0
    for k in ids:
        inst = read_pmed(data / "orlib" / "pmed" / f"pmed{k}.txt")
        res = p_median(inst.cost, inst.weights, inst.p, time_limit_s=time_limit, method=method)
        total += res.seconds
        extra = f"n={inst.n} p={inst.p} {describe(res.stats)}"
        print(row(inst.name, res, opt[inst.name], extra), flush=True)
        if dense:
            d = p_median(inst.cost, inst.weights, inst.p, time_limit_s=time_limit, sparse=False)
            print(row(inst.name + "-dense", d, opt[inst.name], f"vars={d.stats['variables'][-1]}"), flush=True)
    print(f"pmed total seconds: {total:.1f}")


def bench_cap(data: Path, which: str, time_limit: float | None) -> None:
    with open(data / "orlib" / "cap" / "optimal.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    small = [r for r in rows if not r["capacity_override"]]
    big = [r for r in rows if r["capacity_override"]]
    chosen = []
    if which in ("all", "small"):
        chosen += small
    if which in ("all", "abc"):
        chosen += big
    if which not in ("all", "small", "abc", "none"):
        names = set(which.split(","))
        chosen = [
            r for r in rows
            if r["instance"] in names or f"{r['instance']}@{r['capacity_override']}" in names
        ]
    if not chosen:
        return
    print("\n== OR-Library cap (capacitated facility location, split demand)")
    print(HEADER)
    totals: dict[str, float] = {}
    for r in chosen:
        override = float(r["capacity_override"]) if r["capacity_override"] else None
        inst = read_cap(data / "orlib" / "cap" / f"{r['instance']}.txt", capacity=override)
        name = r["instance"] + (f"@{int(override)}" if override else "")
        try:
            res = facility_location(
                inst.fixed_cost, inst.capacity, inst.demand, inst.cost, time_limit_s=time_limit
            )
        except SolverError as exc:
            print(f"{name:<14} error: {exc}")
            continue
        family = "capa/b/c" if override else "cap41-134"
        totals[family] = totals.get(family, 0.0) + res.seconds
        notes = f"m={len(inst.capacity)} n={len(inst.demand)} {cap_notes(res)}"
        print(row(name, res, float(r["optimal"]), notes), flush=True)
    for family, sec in totals.items():
        print(f"{family} total seconds: {sec:.1f}")


def cap_notes(res) -> str:
    """What the Lagrangian site fixing did (facility.py): per target tried, sites fixed closed/open."""
    s = res.stats
    if "targets" not in s:
        return ""
    tries = " ".join(
        f"{c}/{o}:{t:.1f}s" for c, o, t in zip(s["fixed_closed"], s["fixed_open"], s["solve_seconds"])
    )
    return (
        f"lagrange_s={s['reduce_seconds']:.1f} L={s['lagrangian_bound']:.1f} "
        f"U={s['heuristic']:.1f} closed/open:solve_s [{tries}]"
    )


def bench_random(seed: int, time_limit: float | None, dense: bool, method: str) -> None:
    print("\n== random p-median: 2000 clients x 200 sites, p=20, 10 km square, weights 1-11")
    print(HEADER)
    cost, w = random_instance(seed=seed)
    res = p_median(cost, w, 20, time_limit_s=time_limit, method=method)
    print(row(f"rand{seed}", res, None, describe(res.stats)), flush=True)
    if dense:
        d = p_median(cost, w, 20, time_limit_s=time_limit, sparse=False)
        print(row(f"rand{seed}-dense", d, None, f"vars={d.stats['variables']} rows={d.stats['rows']}"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/benchmarks folder")
    ap.add_argument("--pmed", default="all", help='pmed numbers, e.g. "1-10,15"; "none" to skip')
    ap.add_argument("--cap", default="all",
                    help='"all", "small" (cap41-134), "abc" (capa/b/c, all capacities), '
                         'a comma list of names such as cap41,capc (all capacities) or capc@7250, '
                         'or "none"')
    ap.add_argument("--random", action=argparse.BooleanOptionalAction, default=True,
                    help="run the 2000x200 p=20 random p-median")
    ap.add_argument("--seed", type=int, default=20240601, help="seed of the random instance")
    ap.add_argument("--dense", action="store_true",
                    help="also solve the p-medians without the candidate-list reduction")
    ap.add_argument("--method", default="auto", choices=("auto", "mip", "lagrangian"),
                    help="p-median method (see layoutsim.locate.p_median)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per instance")
    args = ap.parse_args(argv)
    print(machine_info())
    if args.random:
        bench_random(args.seed, args.time_limit, args.dense, args.method)
    bench_pmed(args.data, args.pmed, args.time_limit, args.dense, args.method)
    bench_cap(args.data, args.cap, args.time_limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
