"""The command line: thin, parses arguments and calls the pipeline. The only place that prints."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .errors import LayoutsimError
from .terminal import STDERR

#: Exit statuses (README, "Exit status").
EXIT_OK, EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_INTERRUPTED = 0, 2, 3, 130

DEMO = "scenarios/beiguan/baseline.toml"
STEPS = {"load": "读取数据 loading layers", "demand": "计算学生数 pupils", "assign": "分配学位 assigning", "plan": "优化布局 optimizing",
         "map": "绘制地图 drawing the map", "write": "写出结果 writing outputs"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="layoutsim", description="School-layout and capacity planning simulator.")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="progress notes and, at the end, the solver's logs on standard error")
    sub = p.add_subparsers(dest="command", required=True)
    eng = argparse.ArgumentParser(add_help=False)
    eng.add_argument("--scheduler", metavar="ADDRESS",
                     help="solve the county models on the Dask cluster whose scheduler is at ADDRESS "
                          "(e.g. tcp://10.0.0.5:8786; its workers need layoutsim installed); default: this "
                          "machine, one worker per core ([plan] workers, [plan] scheduler)")
    r = sub.add_parser("run", help="run a scenario and write its map and tables", parents=[eng])
    r.add_argument("scenario", type=Path)
    r.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>/ in the current folder)")
    r.add_argument("--pdf", action="store_true", help="also print the report to report.pdf and the map, as it opens, to map.pdf (needs Chromium)")
    d = sub.add_parser("demo", help=f"run the packaged scenario {DEMO}")
    d.add_argument("--out", type=Path, help="output folder (default maps/beiguan-baseline/ in the current folder)")
    a = sub.add_parser("audit", help="check today's layout against the scenario's rulebook", parents=[eng])
    a.add_argument("scenario", type=Path)
    a.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>-audit/)")
    a.add_argument("--json", action="store_true", help="print the findings as JSON on standard output")
    a.add_argument("--proposed", action="store_true",
                   help="audit the layout the optimizer proposes for the target year instead of today's")
    f = sub.add_parser("forecast", help="pupils, intake, band and teachers by county, city, township, level and "
                       "year to 2035, and seat early-warnings (a scenario of counties alone: from the census)")
    f.add_argument("scenario", type=Path)
    f.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>-forecast/)")
    w = sub.add_parser("sweep", help="the trade-off curve: one plan per budget (元)", parents=[eng])
    w.add_argument("scenario", type=Path)
    w.add_argument("--budgets", nargs="+", required=True, metavar="CNY",
                   help="budgets in yuan, e.g. 0 2e8 5e8 none (none = unlimited)")
    w.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>-sweep/)")
    c = sub.add_parser("compare", help="方案比选: two or more scenarios side by side on one page", parents=[eng])
    c.add_argument("scenarios", type=Path, nargs="+")
    c.add_argument("--out", type=Path, help="output folder (default maps/compare-<a>-vs-<b>/)")
    v = sub.add_parser("validate", help="check a scenario and its data without running it")
    v.add_argument("scenario", type=Path)
    z = sub.add_parser("zones", help="学区划片: attendance zones of today's public schools, every residential unit "
                       "whole to one school per level, contiguous, within capacity, near")
    z.add_argument("scenario", type=Path)
    z.add_argument("--level", action="append", choices=["kindergarten", "primary", "junior", "high"],
                   help="a level to zone (repeat for several; default [zones] levels: primary and junior)")
    z.add_argument("--year", type=int, help="the year whose pupils are zoned (default the target year)")
    z.add_argument("--proposed", action="store_true",
                   help="zone the layout the optimizer proposes for the year (and compare with its assignment)")
    z.add_argument("--out", type=Path, help="output folder (default maps/<scenario id>-zones/)")
    tp = sub.add_parser("template", help="Excel workbooks to fill in (学校, 居住区, 候选用地) and a scenario reading them")
    tp.add_argument("folder", type=Path)
    s = sub.add_parser("synth", help="generate the synthetic data of a plan area (or 'all')")
    s.add_argument("area")
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--out", type=Path, help="folder (default data/<area>/ in the current folder)")
    return p


def _run(console: Console, scenario: Path, out: Path | None, pdf: bool = False) -> int:
    from .pipeline import run

    progress, step = _progress()
    with progress:
        result = run(scenario, out, step=step, pdf=pdf)
    area = result.kpis.area
    console.print(f"[bold]{result.scenario.scenario.title}[/] → {result.out_dir}")
    for level, k in area.items():
        console.print(f"  {level:<12} pupils {k.pupils:>9,} ({result.scenario.scenario.target_year})  "
                      f"enrolled today {k.enrolment:>9,} in {k.seats:>9,} seats ({k.utilisation or 0:6.1%})  "
                      f"within reach {k.within_reach_share or 0:6.1%}  large classes {k.large_class_share or 0:6.1%}")
    p = result.kpis.plan
    gap = f", gap ≤ {p.max_gap:.2%}" if p.max_gap is not None else ""
    y = p.years
    when = f"{y.horizon.first}–{y.horizon.last}" if y is not None else str(result.scenario.scenario.target_year)
    unmet_when = f" in {y.horizon.last}" if y is not None else ""
    console.print(f"  plan {when}: {p.new_schools} new schools, {p.expansions} "
                  f"expansions (+{p.added_classes} classes), {p.closures} closures, "
                  f"{p.cost_cny / 1e8:.2f}亿元, unmet {p.unmet_pupils:,} pupils"
                  f"{unmet_when}; solver "
                  f"{'/'.join(p.solver_status)}{gap} in {p.solver_seconds:.1f} s")
    if y is not None:
        acts = ", ".join(f"{n} {k}" for k, n in y.actions.items())
        without = y.stranded_seats_without_outlook
        blind = f"; {without:,} for the same plan blind to the outlook" if without is not None else ""
        console.print(f"    by year: {acts or 'nothing'}; lifetime cost to {y.horizon.outlook} "
                      f"{y.lifetime_cost_cny / 1e8:.2f}亿元 (discounted); {y.stranded_seats:,} seats stranded "
                      f"in {y.horizon.outlook} (below 60 % used{blind}) → plan_actions.csv, plan_years.csv")
    for r in p.hard_rules_left:
        console.print(f"    hard rule still broken: {r.rule_id} at {r.places} places: {r.why_en}")
    console.print(f"  map: {result.out_dir / 'index.html'}   report: {result.out_dir / 'report.html'}")
    return _plan_status(result.plan.counties_without_plan, result.out_dir)


def _plan_status(counties: list[str], folder: Path, see: str | None = None) -> int:
    """Exit status of a command that plans: 3 when some county got no plan (told on standard error, with
    where to look: ``see``, by default the plan's solver table and logs)."""
    if not counties:
        return EXIT_OK
    see = see or (f"the solver found no solution within its time limit or failed; their pupils are reported "
                  f"unmet with reason 'solver'. See {folder / 'plan_solver.csv'} and {folder / 'logs'}; raise "
                  f"[plan] time_limit_s.")
    STDERR.print(f"error: no plan for {len(counties)} county model(s) ({', '.join(counties)}): {see}",
                 markup=False, highlight=False, soft_wrap=True)
    return EXIT_NO_PLAN


def _progress():
    """A transient progress line on standard error (standard output carries only the results)."""
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=STDERR, transient=True)
    task = progress.add_task("start", total=len(STEPS))
    return progress, lambda name: progress.update(task, description=STEPS[name], advance=1)


def _audit(console: Console, scenario: Path, out: Path | None, as_json: bool, proposed: bool) -> int:
    from .pipeline import audit_only

    progress, step = _progress()
    with progress:
        findings, summary, folder, no_plan = audit_only(scenario, out, proposed=proposed, step=step)
    if as_json:
        sys.stdout.write(findings.to_json(orient="records", force_ascii=False) + "\n")
        return _plan_status(no_plan, folder)
    for row in summary.itertuples(index=False):
        text = str(row.source_text)
        console.print(f"  {row.rule_id:<28} {int(row.places):>5} places  {row.severity:<12} "
                      f"{text[:40] + ('…' if len(text) > 40 else '')}", markup=False, highlight=False)
    console.print(f"{len(findings)} findings → {folder / 'findings.csv'}")
    return _plan_status(no_plan, folder)


def _forecast(console: Console, scenario: Path, out: Path | None) -> None:
    from .pipeline import forecast_only

    progress, step = _progress()
    with progress:
        view, folder = forecast_only(scenario, out, step=step)
    for level, g in view.totals.groupby("level", sort=False):
        peak = g.loc[g["pupils"].idxmax()]
        last = g.iloc[-1]
        seats = f" for {last['seats']:,.0f} seats today" if "seats" in g else ""
        console.print(f"  {level:<12} peak {int(peak['year'])} ({peak['pupils']:,.0f} pupils); "
                      f"{int(last['year'])}: {last['pupils']:,.0f} pupils (band {last['pupils_low']:,.0f}–"
                      f"{last['pupils_high']:,.0f}){seats}")
        if view.township_warnings is None:
            continue
        w = view.township_warnings[view.township_warnings["level"] == level].dropna(subset=["deficit_year"])
        if len(w):
            first = w.sort_values(["deficit_year", "deficit_shortfall"], ascending=[True, False]).iloc[0]
            console.print(f"    first short of seats: {first['township_name']} in {int(first['deficit_year'])} "
                          f"(short {first['deficit_shortfall']:,.0f}, {first['short_in']}); "
                          f"{len(w)} townships short at some time")
    console.print(f"tables → {folder}")


def _budgets(values: list[str]) -> list[float | None]:
    out: list[float | None] = []
    for v in values:
        if v.lower() in ("none", "unlimited", "inf"):
            out.append(None)
            continue
        try:
            out.append(float(v))
        except ValueError:
            raise LayoutsimError(f"--budgets: {v!r} is not a number of yuan (or 'none')") from None
        if out[-1] is not None and out[-1] < 0:
            raise LayoutsimError(f"--budgets: {v!r} is negative")
    return out


def _sweep(console: Console, scenario: Path, budgets: list[str], out: Path | None) -> int:
    from .pipeline import sweep_only

    values = _budgets(budgets)
    progress, step = _progress()
    with progress:
        curve, folder = sweep_only(scenario, values, out, step=step)
    console.print(f"{'budget 亿元':>12}{'cost 亿元':>10}{'pupil-km':>12}{'unmet':>10}{'new':>6}{'+classes':>9}  solver")
    for r in curve.itertuples(index=False):
        budget = "unlimited" if pd.isna(r.budget_cny) else f"{r.budget_cny / 1e8:.2f}"
        console.print(f"{budget:>12}{r.cost_cny / 1e8:>10.2f}{r.pupil_km:>12,.0f}{r.unmet_pupils:>10,.0f}"
                      f"{r.new_schools:>6}{r.added_classes:>9}  {r.worst_status}, gap ≤ {r.max_gap:.2%}")
    console.print(f"trade-off curve → {folder / 'tradeoff.csv'}")
    from .optimize.result import has_plan

    return _plan_status([f"budget {b}" for b, st in zip(curve["budget_cny"], curve["worst_status"])
                         if not has_plan(st)], folder)


def _compare(console: Console, scenarios: list[Path], out: Path | None) -> int:
    from .render.compare import check_distinct, compare
    from .io import check_out_dir
    from .pipeline import needs_layout, out_dir_or_default, run
    from .config.scenario import Scenario, load_scenario

    if len(scenarios) < 2:
        raise LayoutsimError("compare needs at least two scenario files")
    loaded = [path if isinstance(path, Scenario) else load_scenario(path) for path in scenarios]
    for sc in loaded:
        needs_layout(sc, "compare")
    check_distinct(loaded)
    folder = out_dir_or_default(out, "compare-" + "-vs-".join(sc.id for sc in loaded))
    runs = [folder.parent / f"{folder.name}-runs" / sc.id for sc in loaded]
    for path in [folder, *runs]:  # every folder checked before the first run
        check_out_dir(path)
    results = []
    for sc, path in zip(loaded, runs):  # each run's own outputs beside the comparison
        progress, step = _progress()
        with progress:
            results.append(run(sc, path, step=step))
    console.print(f"compare: {compare(results, folder)}")
    return max(_plan_status(r.plan.counties_without_plan, r.out_dir) for r in results)


def _synth(console: Console, area: str, seed: int | None, out: Path | None) -> None:
    from .synth import AREAS, DEFAULT_SEED, write_area

    keys = list(AREAS) if area == "all" else [area]
    unknown = [k for k in keys if k not in AREAS]
    if unknown:
        raise LayoutsimError(f"unknown area {area!r}; choose one of: {', '.join(AREAS)}, all")
    for key in keys:
        folder = out if (out and len(keys) == 1) else (out or Path.cwd() / "data") / key
        counts = write_area(key, folder, DEFAULT_SEED if seed is None else seed)
        console.print(f"{key}: " + ", ".join(f"{n:,} {layer}" for layer, n in counts.items()) + f" → {folder}")


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends a run like Ctrl-C: the half-written output folder is removed, the workers are killed."""
    raise KeyboardInterrupt


def _province(console: Console, scenario, out: Path | None, pdf: bool) -> int | None:
    """``run`` of a scenario run county by county ([scenario] by_county): None for any other scenario."""
    from .config.scenario import Scenario, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if not sc.scenario.by_county:
        return None
    if pdf:
        raise LayoutsimError("--pdf prints one run's report and map; a run county by county has one per county "
                             "(run a county's own scenario from counties/<adcode>/ with --pdf)")
    from .province import run_by_county

    progress, step = _progress()
    with progress:
        result = run_by_county(sc, out, step=step)
    k = result.kpis()
    console.print(f"[bold]{sc.scenario.title}[/] → {result.out_dir}")
    console.print(f"  {k['counties']} counties, each with its forecast, audit, plan, map and report in counties/")
    for level, g in k["gap"].items():
        console.print(f"  {level:<12} {sc.scenario.target_year}: pupils {g['pupils']:>10,}  seats {g['seats']:>10,}  "
                      f"gap {g['gap']:>+10,}  ({g['short_townships']:,} townships short by {g['short_seats']:,})")
    p = k["plan"]
    console.print(f"  plans: {p['new_schools']:,} new schools, {p['expansions']:,} expansions (+{p['added_classes']:,} "
                  f"classes), {p['cost_cny'] / 1e8:.2f}亿元, unmet {p['unmet_pupils']:,} pupils")
    console.print(f"  province page: {result.out_dir / 'index.html'}")
    return _plan_status(result.failed, result.out_dir,
                        f"see the message column of {result.out_dir / 'province_plans.csv'} and each county's "
                        f"folder in {result.out_dir / 'counties'}.")


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    if args.command == "run":
        status = _province(console, args.scenario, args.out, args.pdf)
        if status is not None:
            return status
    if args.command in ("run", "demo"):
        from .pipeline import packaged

        return _run(console, args.scenario if args.command == "run" else packaged(DEMO), args.out,
                    pdf=args.command == "run" and args.pdf)
    if args.command == "audit":
        return _audit(console, args.scenario, args.out, args.json, args.proposed)
    elif args.command == "forecast":
        _forecast(console, args.scenario, args.out)
    elif args.command == "sweep":
        return _sweep(console, args.scenario, args.budgets, args.out)
    elif args.command == "compare":
        return _compare(console, args.scenarios, args.out)
    elif args.command == "validate":
        _validate(console, args.scenario)
    elif args.command == "synth":
        _synth(console, args.area, args.seed, args.out)
    elif args.command == "template":
        _template(console, args.folder)
    elif args.command == "zones":
        return _zones(console, args.scenario, args.level, args.year, args.out, args.proposed)
    return EXIT_OK


def _zones(console: Console, scenario: Path, levels: list[str] | None, year: int | None, out: Path | None,
           proposed: bool = False) -> int:
    from .pipeline import zones_only

    progress, step = _progress()
    with progress:
        zones, folder = zones_only(scenario, out, levels=levels, year=year, proposed=proposed, step=step)
    for r in zones.solver.itertuples(index=False):
        console.print(f"  {r.county} {r.level:<8} {r.status:<10} gap {r.gap:.2%}  {r.seconds:5.1f} s  {r.schools:>4} "
                      f"zones of {r.units:>5} units, largest {r.largest_zone_pupils:,.0f} pupils, "
                      f"{r.nearest_share:.0%} of pupils zoned to their nearest school"
                      + (f", {r.unzoned_units} units beyond reach" if r.unzoned_units else ""))
    console.print(f"zones: {len(zones.units):,} units zoned, {len(zones.findings)} findings → {folder}")
    failed = zones.solver[~zones.solver["status"].isin(["optimal", "time_limit"])]
    if failed.empty:
        return EXIT_OK
    STDERR.print(
        f"error: no zoning for {len(failed)} county model(s) ({', '.join(failed['county'] + ' ' + failed['level'])}): "
        f"the solver found no solution within [zones] time_limit_s or failed; their units are not zoned. See "
        f"{folder / 'zones_solver.csv'} and {folder / 'logs'}.", markup=False, highlight=False, soft_wrap=True)
    return EXIT_NO_PLAN


def _template(console: Console, folder: Path) -> None:
    """Write the templates into ``folder``, never over a file already there (it may be filled in)."""
    import shutil
    import tempfile

    from .template import TEMPLATES, write_templates

    names = [file for file, _, _ in TEMPLATES.values()] + ["scenario.toml"]
    there = [n for n in names if (folder / n).exists()]
    if there:
        raise LayoutsimError(f"{folder}: already has {', '.join(there)}; layoutsim template does not overwrite "
                             "files (they may be filled in): give a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".template-") as tmp:
        for path in write_templates(Path(tmp)):
            shutil.move(str(path), folder / path.name)
    console.print(f"template: {', '.join(names)} → {folder}")


def _validate(console: Console, scenario: Path) -> None:
    from .pipeline import rulebook_of
    from .region import load_region
    from .config.scenario import load_scenario

    sc = load_scenario(scenario)
    book = rulebook_of(sc)
    region = load_region(sc.data)
    if sc.scenario.by_county:
        console.print(f"{scenario}: valid; {len(region.counties)} counties, each run as a scenario of its own with "
                      f"layers generated when first needed ([data.generate] seed {sc.data.generate.seed if sc.data.generate else '-'}); "
                      f"rulebook {book.id} ({len(book.rules)} rules)")
        return
    if region.counties_only:
        console.print(f"{scenario}: valid; {len(region.counties)} counties and nothing below them (forecast "
                      f"and validate only); rulebook {book.id} ({len(book.rules)} rules)")
        return
    console.print(f"{scenario}: valid; {len(region.schools)} schools, {len(region.residential)} residential "
                  f"units, {len(region.townships)} townships; rulebook {book.id} ({len(book.rules)} rules)")


def _on_scheduler(args: argparse.Namespace) -> None:
    """``--scheduler`` wins over the scenario's ``[plan] scheduler``: the scenarios are loaded with it set."""
    address = getattr(args, "scheduler", None)
    if not address:
        return
    from .config.plan import scheduler_address
    from .config.scenario import load_scenario

    try:
        address = scheduler_address(address)
    except ValueError as exc:
        raise LayoutsimError(f"--scheduler: {exc}") from None

    def load(path: Path):
        sc = load_scenario(path)
        return sc.model_copy(update={"plan": sc.plan.model_copy(update={"scheduler": address})})

    if getattr(args, "scenario", None) is not None:
        args.scenario = load(args.scenario)
    if getattr(args, "scenarios", None):
        args.scenarios = [load(path) for path in args.scenarios]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="note: %(message)s")
    console = Console(stderr=False, soft_wrap=True)
    err = STDERR
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        _on_scheduler(args)
        return _dispatch(args, console)
    except LayoutsimError as exc:
        from .messages import bilingual

        for text in bilingual(str(exc)):  # Chinese first where the message has been rendered, then English
            err.print(text, markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a file that cannot be read or written (disk full, permissions) after the checks
        err.print(f"error: {exc.filename or ''}: {exc.strerror or exc}", markup=False, highlight=False,
                  soft_wrap=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.print("interrupted: the output folder being written was removed; no worker is left running")
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        if "layoutsim.cluster" in sys.modules:  # the run's LocalCluster (or client) ends with the command
            sys.modules["layoutsim.cluster"].close_all()


if __name__ == "__main__":
    sys.exit(main())
