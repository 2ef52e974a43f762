"""An area's capital budget by period, shared among its counties by a price on capital (a Lagrangian split).

Counties are solved apart, but a budget is the area's: Σ over counties of the capital whose work starts in
period p ≤ B_p couples them. Relaxing that constraint with a price λ_p ≥ 0 on each period's capital leaves
one model per county (min its objective + Σ_p λ_p × its capital in p), and

    L(λ) = Σ_counties (that model's optimum) − Σ_p λ_p B_p

is a lower bound on the joint optimum for every λ ≥ 0 (with each county's proven solver bound in place of
its optimum, so MIP gaps only loosen it). The prices are searched period by period: raised fourfold from
:data:`FIRST_PRICE` while the counties together overspend a period, then halved between the last price that
overspent and the first that kept within it. Every round whose counties keep within every budget is a
plan; the cheapest one is kept, and its distance from the best bound is the split's reported gap: how far
at most the plan is from what one model of the whole area would find. When no round keeps within the
budgets (lumpy schools can make the prices see-saw between periods; or ``split_rounds`` is 0), the
fallback is greedy: the counties are taken in order of the objective a yuan of their unbudgeted capital
saves (against a plan with no capital at all), each solved with what the counties before it left of every
period's budget (its gap is reported the same way).
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layoutsim.optimize.multi import MultiProblem, MultiSolution

log = logging.getLogger(__name__)

#: The first price tried on an overspent period's capital (objective CNY per CNY of capital).
FIRST_PRICE = 0.25

#: Overspending below this (CNY) is rounding.
TOLERANCE_CNY = 1.0

BUDGET_COLUMNS = ("period", "county", "capital_cny", "budget_cny")


@dataclass(frozen=True)
class BudgetSplit:
    """How an area's budgets were shared among its counties, and how far the result is from the joint optimum."""

    method: str  # "county" (one county keeps them) | "unneeded" | "prices" | "greedy" (the fallback)
    periods: tuple[tuple[int, int, float], ...]  # (first, last, area budget CNY)
    prices: tuple[float, ...]                # the price on each period's capital of the plan kept
    rounds: int                              # rounds solved (each solves every county)
    objective: float                         # the plan's objective (CNY equivalents, prices excluded)
    bound: float                             # the best lower bound on the joint optimum
    table: pd.DataFrame                      # BUDGET_COLUMNS: each county's capital by period

    @property
    def gap(self) -> float:
        """(plan − bound) / plan: how far at most the split is from the joint optimum."""
        if not (np.isfinite(self.objective) and np.isfinite(self.bound)) or self.objective == 0:
            return float("nan")
        return max(self.objective - self.bound, 0.0) / abs(self.objective)

    def kpis(self) -> dict:
        return {"method": self.method, "rounds": self.rounds, "gap": self.gap, "objective_cny": self.objective,
                "bound_cny": self.bound,
                "periods": [{"period": _label(a, z), "budget_cny": b, "price": p,
                             "capital_cny": float(self.table.loc[self.table["period"] == _label(a, z),
                                                                 "capital_cny"].sum())}
                            for (a, z, b), p in zip(self.periods, self.prices)]}


def _label(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


Solutions = list  # MultiSolution, or a failed county's CountySolution (no plan, nothing spent)


def _spend(solutions: Solutions, n_periods: int) -> np.ndarray:
    """(counties, periods) capital."""
    return np.array([s.capital_by_period if isinstance(s, MultiSolution) and s.status.has_solution
                     else np.zeros(n_periods) for s in solutions]).reshape(len(solutions), n_periods)


def _primal(solutions: Solutions) -> float:
    return float(sum(s.objective - s.priced_cny if isinstance(s, MultiSolution) else float("nan")
                     for s in solutions))


def _dual(solutions: Solutions, prices: np.ndarray, budgets: np.ndarray) -> float:
    return float(sum(s.bound if isinstance(s, MultiSolution) else float("nan") for s in solutions)
                 - prices @ budgets)


def share(problems: Sequence[MultiProblem], solve: Callable[[list[MultiProblem]], Solutions],
          periods: Sequence[tuple[int, int, float]], rounds: int) -> tuple[list[MultiProblem], Solutions, BudgetSplit]:
    """Solve the counties under the area's ``periods`` budgets (module docstring). ``solve`` solves a list
    of county problems. Returns the problems as solved, their solutions and the split."""
    budgets = np.array([b for *_, b in periods], dtype=float)
    n_p = len(periods)
    spans = tuple((a, z) for a, z, _ in periods)
    alone = len(problems) == 1  # one county: its model keeps the budgets itself, exactly
    base = [dataclasses.replace(mp, periods=spans, budgets=tuple(budgets) if alone else None, prices=None)
            for mp in problems]
    solutions = solve(base)
    wish = _spend(solutions, n_p)
    bound = _dual(solutions, np.zeros(n_p), budgets)

    def result(method: str, used: list[MultiProblem], sols: Solutions, prices: np.ndarray,
               n: int) -> tuple[list[MultiProblem], Solutions, BudgetSplit]:
        spent = _spend(sols, n_p)
        table = pd.DataFrame([(_label(a, z), mp.county, float(spent[i, p]),
                               mp.budgets[p] if mp.budgets is not None else float("nan"))
                              for p, (a, z) in enumerate(spans) for i, mp in enumerate(used)],
                             columns=list(BUDGET_COLUMNS))
        split = BudgetSplit(method, tuple(periods), tuple(float(x) for x in prices), n, _primal(sols), bound, table)
        log.info("budget split: %s after %d rounds, objective %.6g, bound %.6g, gap %.3g", method, n,
                 split.objective, split.bound, split.gap)
        return used, sols, split

    if alone or (wish.sum(axis=0) <= budgets + TOLERANCE_CNY).all():
        return result("county" if alone else "unneeded", base, solutions, np.zeros(n_p), 0)
    prices, low, high = np.zeros(n_p), np.zeros(n_p), np.full(n_p, np.inf)
    spent = wish
    best: tuple[float, list[MultiProblem], Solutions, np.ndarray] | None = None
    for _ in range(rounds):
        over = spent.sum(axis=0) > budgets + TOLERANCE_CNY
        low, high = np.where(over, prices, low), np.where(over, high, prices)
        high = np.where(over & (high <= low), np.inf, high)  # work pushed into a period once within budget
        prices = np.where(np.isinf(high), np.where(prices > 0, 4 * prices, FIRST_PRICE), (low + high) / 2)
        priced = [dataclasses.replace(mp, prices=tuple(float(x) for x in prices)) for mp in base]
        sols = solve(priced)
        spent = _spend(sols, n_p)
        bound = max(bound, _dual(sols, prices, budgets))
        if (spent.sum(axis=0) <= budgets + TOLERANCE_CNY).all():
            value = _primal(sols)  # NaN when a county failed: such a round is never kept
            if np.isfinite(value) and (best is None or value < best[0]):
                best = (value, priced, sols, prices)
    if best is not None:
        return result("prices", best[1], best[2], best[3], rounds)
    # the fallback: counties in order of what a yuan of their wish buys them, each given what is left
    broke = solve([dataclasses.replace(mp, budgets=tuple(0.0 for _ in budgets)) for mp in base])
    gain = [(_primal([b]) - _primal([w])) / max(float(spend.sum()), 1.0) for b, w, spend in zip(broke, solutions, wish)]
    left = budgets.copy()
    used: list[MultiProblem] = list(base)
    final: Solutions = list(solutions)
    for i in sorted(range(len(base)), key=lambda k: -gain[k] if np.isfinite(gain[k]) else np.inf):
        used[i] = dataclasses.replace(base[i], budgets=tuple(float(x) for x in left))
        final[i] = solve([used[i]])[0]
        left = np.clip(left - _spend([final[i]], n_p)[0], 0.0, None)
    return result("greedy", used, final, np.zeros(n_p), rounds)
