"""Propose a layout: one MILP per county (一县一策), all levels of a county in one model; and sweeps.

A budget is for the whole area. Counties are solved apart, so the budget is shared out first: each county
is solved without a budget; when their total is within the budget that is the plan, otherwise each county
gets the budget in proportion to what it wanted and is solved again. Modules are lumpy, so a thin share
can buy nothing while pupils go unseated: what the counties leave unspent (the pool) is then offered,
whole, to every county still short of its wish; their offers are accepted in order of objective gained per
extra yuan while the pool lasts, and this repeats up to ``REDISTRIBUTE_ROUNDS`` times (a heuristic split,
not a joint optimum). Each county's reported budget is what it spends plus its original share of the pool
left at the end, so the budgets add up to the area's.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from layoutsim.errors import LayoutsimError
from layoutsim.config.plan import PlanConfig, Weights
from layoutsim.optimize.inputs import CountyProblem, county_problems
from layoutsim.optimize.model import CountySolution, solve_county, unsolved
from layoutsim.optimize.result import CountyContext, Plan, assemble, county_tables
from layoutsim.schema import LEVELS, enrolment_col
from layoutsim.solver import Status
from layoutsim.cluster import Failure, engine_of, map_counties
from layoutsim.config.scenario import ReachConfig
from layoutsim.region import Region
from layoutsim.rules import Rulebook


log = logging.getLogger(__name__)

#: Seconds on top of twice a county's time limit before its worker counts as hung (:func:`hang_limit_s`).
HANG_MARGIN_S = 120.0

#: Rounds of offering the unspent budget to the counties still short (each solves those counties again).
REDISTRIBUTE_ROUNDS = 3

SWEEP_COLUMNS = ("point", "budget_cny", "weight_cost", "weight_pupil_km", "weight_unmet", "cost_cny", "pupil_km",
                 "unmet_pupils", "new_schools", "added_classes", "closures", "worst_status", "max_gap", "seconds")


def _check_pupils(pupils: pd.DataFrame) -> None:
    missing = [c for c in ("unit", "level", "pupils") if c not in pupils.columns]
    if missing:
        raise LayoutsimError(f"pupils table lacks columns: {', '.join(missing)}",
                             [f"it has: {', '.join(map(str, pupils.columns))}"])
    bad = sorted(set(pupils["level"]) - set(LEVELS))
    if bad:
        raise LayoutsimError(f"pupils table has unknown levels: {', '.join(map(str, bad))}")


def _contexts(region: Region, problems: list[CountyProblem], year: int) -> list[CountyContext]:
    sc = region.schools
    names = dict(zip(sc["id"].astype(str), sc["name"].astype(str)))
    enrol = {lv: dict(zip(sc["id"].astype(str), sc[enrolment_col(lv)].fillna(0).astype(float))) for lv in LEVELS}
    cd = region.candidates.drop(columns="geometry").copy()
    cd["id"] = cd["id"].astype(str)
    cd = cd.set_index("id", drop=False)
    out = []
    for pb in problems:
        ids = list(pb.school_ids)
        out.append(CountyContext(
            school_names=np.array([names[i] for i in ids], dtype=object),
            school_enrol=np.array([[enrol[lv][i] for lv in LEVELS] for i in ids], dtype=float).reshape(len(ids), len(LEVELS)),
            cand=cd.loc[list(pb.cand_ids), ["id", "name", "township", "levels"]].reset_index(drop=True),
        ))
    return out


def solve_logged(solve: Callable[..., Any], pb: Any, config: PlanConfig, log_dir: Path | None = None) -> Any:
    """``solve(pb, config, log_file)`` with the solver's log in ``log_dir/solver-<county>.log`` and one line
    on the run's log (single-year and multi-period county models alike)."""
    log_file = None if log_dir is None else Path(log_dir) / f"solver-{pb.county}.log"
    sol = solve(pb, config, log_file)
    log.info("county %s: %s, objective %.4g, gap %.3g, %.1f s, %d variables", pb.county, sol.status,
             sol.objective, sol.gap, sol.seconds, sol.variables)
    return sol


def _solve_one(pb: CountyProblem, config: PlanConfig, log_dir: Path | None = None) -> CountySolution:
    return solve_logged(solve_county, pb, config, log_dir)


def hang_limit_s(config: PlanConfig) -> float:
    """Seconds a county may run on a worker before it counts as hung: its time limit twice (the solver may
    overrun it while it stops; a worker runs one county at a time, so waiting does not count) plus model
    building and start-up."""
    return 2 * config.time_limit_s + HANG_MARGIN_S


def _solve_all(problems: Sequence[Any], config: PlanConfig, log_dir: Path | None = None, *,
               solve: Callable[..., Any] = _solve_one) -> list[Any]:
    """Solve the counties' models (:func:`layoutsim.cluster.map_counties`: in this process, or on a dask
    cluster of ``config.workers`` or at ``config.scheduler``).

    Each county is its own model, so the results do not depend on the order or the number of workers.
    Largest models start first so the workers finish together. A county that hangs, raises or kills its
    worker twice is reported failed (:func:`unsolved`) and the others go on.
    ``solve`` is what a worker runs for a county (tests put a hanging one there).
    """
    order = sorted(range(len(problems)), key=lambda i: -len(problems[i].pair_unit))
    out = map_counties(solve, [(pb, config, log_dir) for pb in problems], names=[pb.county for pb in problems],
                       engine=engine_of(config), hang_s=hang_limit_s(config), order=order, label="county models")
    return [_failed(pb, sol.reason, sol.seconds) if isinstance(sol, Failure) else sol
            for pb, sol in zip(problems, out)]


def _failed(pb: Any, why: str, seconds: float) -> Any:
    log.warning("county %s: failed: %s", pb.county, why)
    return unsolved(pb, Status.FAILED, seconds, why)


def plan(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, config: PlanConfig, reach: ReachConfig, *,
         year: int, log_dir: Path | None = None) -> Plan:
    """Propose new schools, expansions and closures and assign pupils, county by county.

    Parameters
    ----------
    region
        A :class:`layoutsim.region.Region` (layers in a metric CRS; schools and candidates carry ``county``).
    pupils
        Tidy (``unit``, ``level``, ``pupils``) for ``year``, e.g. :func:`layoutsim.pipeline.pupils_in`.
    rulebook
        From :func:`layoutsim.rules.load_rulebook`: size caps, housing-linked schools, closure rules.
    config
        The scenario's ``[plan]``.
    reach
        The scenario's ``[reach]``: how far a pupil may live from a school of a level.
    year
        Target year: candidates with ``earliest_year`` after it are not available; estates count once built.
    log_dir
        Folder for the solver's log of each county (``solver-<county>.log``); None = no logs.

    Returns
    -------
    Plan
        Always a plan: pupils that cannot be seated are in ``Plan.unmet`` with the reason.
    """
    _check_pupils(pupils)
    problems = county_problems(region, pupils, rulebook, config, reach, year)
    _check_size(problems, config)
    solutions = _solve_all(problems, config, log_dir)
    if config.budget_cny is not None:
        wanted = np.array([s.capital_cny for s in solutions])
        if wanted.sum() > config.budget_cny + 1e-6:
            share = config.budget_cny * wanted / wanted.sum()
            problems = [dataclasses.replace(pb, budget_cny=float(b)) for pb, b in zip(problems, share)]
            solutions = _solve_all(problems, config, log_dir)
            problems, solutions = _redistribute(problems, solutions, wanted, config, log_dir)
    _echo_logs(problems, log_dir)
    contexts = _contexts(region, problems, year)
    parts = [(pb, sol, county_tables(pb, sol, ctx, config)) for pb, sol, ctx in zip(problems, solutions, contexts)]
    return assemble(year, parts)


def model_variables(pb: CountyProblem) -> int:
    """Variables a county model will have (model.py: flows, unmet, modules, sites, expansions, closures)."""
    return int(len(pb.pair_unit) + np.count_nonzero(pb.demand > 1e-9) + len(pb.opt_cand)
               + len(np.unique(pb.opt_cand)) + np.count_nonzero(pb.school_exp_max > 0) + pb.school_closable.sum())


def _check_size(problems: list[CountyProblem], config: PlanConfig) -> None:
    """Stop before building a model too large for memory or the time limit, with what to change."""
    big = [(pb, model_variables(pb)) for pb in problems if model_variables(pb) > config.max_variables]
    if big:
        raise LayoutsimError(
            f"the plan's county models would be too large (more than [plan] max_variables = "
            f"{config.max_variables:,} variables)",
            [f"county {pb.county}: about {n:,} variables from {len(pb.unit_ids):,} residential units; "
             f"aggregate the residential points (villages, estates) or lower [plan] k_nearest "
             f"(now {config.k_nearest})" for pb, n in big])


def _echo_logs(problems: list[CountyProblem], log_dir: Path | None) -> None:
    """The solver's log of each county on the log (standard error under ``--verbose``)."""
    if log_dir is None or not log.isEnabledFor(logging.INFO):
        return
    for pb in problems:
        path = Path(log_dir) / f"solver-{pb.county}.log"
        if path.is_file():
            log.info("solver log of county %s (%s):\n%s", pb.county, path.name, path.read_text(errors="replace"))


def _redistribute(problems: list[CountyProblem], solutions: list[CountySolution], wanted: np.ndarray,
                  config: PlanConfig, log_dir: Path | None) -> tuple[list[CountyProblem], list[CountySolution]]:
    """Offer the unspent pool to the counties still short; accept the best gains per yuan (module docstring)."""
    budget = float(config.budget_cny or 0.0)
    share = np.array([pb.budget_cny or 0.0 for pb in problems])
    solutions = list(solutions)
    for _ in range(REDISTRIBUTE_ROUNDS):
        spent = np.array([s.capital_cny for s in solutions])
        pool = budget - spent.sum()
        short = [int(i) for i in np.flatnonzero(wanted > spent + 1.0)]
        if pool <= 1.0 or not short:
            break
        offers = _solve_all([dataclasses.replace(problems[i], budget_cny=float(spent[i] + pool)) for i in short],
                            config, log_dir)
        ranked = sorted(((solutions[i].objective - sol.objective) / (sol.capital_cny - spent[i]), i, sol)
                        for i, sol in zip(short, offers)
                        if sol.capital_cny > spent[i] + 1.0 and sol.objective < solutions[i].objective)
        accepted = False
        for _, i, sol in reversed(ranked):
            extra = sol.capital_cny - spent[i]
            if extra <= pool + 1e-6:
                solutions[i], pool, accepted = sol, pool - extra, True
        if not accepted:
            break
    spent = np.array([s.capital_cny for s in solutions])
    pool = max(budget - spent.sum(), 0.0)
    weights = share / share.sum() if share.sum() > 0 else np.full(len(share), 1.0 / max(len(share), 1))
    problems = [dataclasses.replace(pb, budget_cny=float(s + pool * w)) for pb, s, w in zip(problems, spent, weights)]
    return problems, solutions


def sweep(region: Region, pupils: pd.DataFrame, rulebook: Rulebook, config: PlanConfig, reach: ReachConfig, *,
          year: int, budgets: Sequence[float | None] | None = None,
          weights: Sequence[Weights | dict[str, float]] | None = None, log_dir: Path | None = None) -> pd.DataFrame:
    """The trade-off curve: one plan per budget (or per set of weights), one row per plan.

    Give exactly one of ``budgets`` and ``weights``. Columns: :data:`SWEEP_COLUMNS`.
    """
    if (budgets is None) == (weights is None):
        raise LayoutsimError("sweep: give either budgets or weights, not both or neither")
    if budgets is not None:
        configs = [config.model_copy(update={"budget_cny": b}) for b in budgets]
    else:
        configs = [config.model_copy(update={"weights": w if isinstance(w, Weights) else Weights(**w)})
                   for w in weights or ()]
    rows = []
    for n, cfg in enumerate(configs):
        p = plan(region, pupils, rulebook, cfg, reach, year=year, log_dir=log_dir)
        rows.append({
            "point": n, "budget_cny": cfg.budget_cny, "weight_cost": cfg.weights.cost,
            "weight_pupil_km": cfg.weights.pupil_km, "weight_unmet": cfg.weights.unmet, "cost_cny": p.cost_cny,
            "pupil_km": p.pupil_km, "unmet_pupils": p.unmet_pupils, "new_schools": len(p.new_schools),
            "added_classes": int(p.expansions["added_classes"].sum()), "closures": len(p.closures),
            "worst_status": _worst(p.solver["status"]), "max_gap": float(p.solver["gap"].max(skipna=True))
            if p.solver["gap"].notna().any() else float("nan"), "seconds": float(p.solver["seconds"].sum()),
        })
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))


def _worst(statuses: pd.Series) -> str:
    """The worst of the counties' statuses (optimal < time_limit < no_solution < infeasible < failed)."""
    return str(max((Status(s) for s in statuses), key=list(Status).index, default=Status.OPTIMAL))
