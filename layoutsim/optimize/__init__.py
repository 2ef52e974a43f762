"""The school-layout optimizer: one MILP per county proposing new schools, expansions and closures.

Entry points: :func:`plan` (a :class:`Plan` for a target year), :func:`sweep` (the trade-off curve over
budgets or weights), and :class:`PlanConfig` (the scenario's ``[plan]`` section).
"""
from __future__ import annotations

from layoutsim.config.plan import Costs, PlanConfig, Weights
from layoutsim.optimize.planner import SWEEP_COLUMNS, plan, sweep
from layoutsim.optimize.result import UNMET_REASONS, Plan

__all__ = ["Costs", "Plan", "PlanConfig", "SWEEP_COLUMNS", "UNMET_REASONS", "Weights", "plan", "sweep"]
