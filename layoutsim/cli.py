"""The command line: thin, parses arguments and calls the pipeline. The only place that prints."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .errors import LayoutsimError

DEMO = "scenarios/beiguan/baseline.toml"
STEPS = {"load": "读取数据 loading layers", "demand": "计算学生数 pupils", "assign": "分配学位 assigning",
         "map": "绘制地图 drawing the map", "write": "写出结果 writing outputs"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="layoutsim", description="School-layout and capacity planning simulator.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario and write its map and tables")
    r.add_argument("scenario", type=Path)
    r.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>/)")
    d = sub.add_parser("demo", help=f"run the packaged scenario {DEMO}")
    d.add_argument("--out", type=Path)
    v = sub.add_parser("validate", help="check a scenario and its data without running it")
    v.add_argument("scenario", type=Path)
    s = sub.add_parser("synth", help="generate the synthetic data of a plan area (or 'all')")
    s.add_argument("area")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--out", type=Path, help="folder (default data/<area>/)")
    return p


def _run(console: Console, scenario: Path, out: Path | None) -> None:
    from .pipeline import run

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("start", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=STEPS[name], advance=1)

        result = run(scenario, out, step=step)
    area = result.kpis["area"]
    console.print(f"[bold]{result.scenario.scenario.title}[/] → {result.out_dir}")
    for level, k in area.items():
        console.print(f"  {level:<12} pupils {k['pupils']:>9,}  seats {k['seats']:>9,}  "
                      f"utilisation {k['utilisation'] or 0:6.1%}  within reach {k['within_reach_share'] or 0:6.1%}  "
                      f"large classes {k['large_class_share'] or 0:6.1%}")
    console.print(f"  map: {result.out_dir / 'index.html'}")


def _synth(console: Console, area: str, seed: int | None, out: Path | None) -> None:
    from .pipeline import REPO_ROOT
    from .synth import AREAS, DEFAULT_SEED, write_area

    keys = list(AREAS) if area == "all" else [area]
    unknown = [k for k in keys if k not in AREAS]
    if unknown:
        raise LayoutsimError(f"unknown area {area!r}; choose one of: {', '.join(AREAS)}, all")
    for key in keys:
        folder = out if (out and len(keys) == 1) else (out or REPO_ROOT / "data") / key
        counts = write_area(key, folder, DEFAULT_SEED if seed is None else seed)
        console.print(f"{key}: {counts} → {folder}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False)
    err = Console(stderr=True)
    try:
        if args.command == "run":
            _run(console, args.scenario, args.out)
        elif args.command == "demo":
            from .pipeline import REPO_ROOT

            _run(console, REPO_ROOT / DEMO, args.out)
        elif args.command == "validate":
            from .region import load_region
            from .scenario import load_scenario

            sc = load_scenario(args.scenario)
            region = load_region(sc.data)
            console.print(f"{args.scenario}: valid; {len(region.schools)} schools, "
                          f"{len(region.residential)} residential units, {len(region.townships)} townships")
        elif args.command == "synth":
            _synth(console, args.area, args.seed, args.out)
    except LayoutsimError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
