"""The optimizer on the packaged 北关区 baseline (target year 2025, per-1,000 demand): a plan the audit accepts."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from layoutsim.forecast import forecast
from layoutsim.optimize import PlanConfig, plan
from layoutsim.region import load_region
from layoutsim.rules import audit, load_rulebook
from layoutsim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def beiguan():
    sc = load_scenario(ROOT / "scenarios" / "beiguan" / "baseline.toml")
    region = load_region(sc.data)
    fc = forecast(region.residential, region.townships, region.counties,
                  sc.forecast.model_copy(update={"method": "per_thousand"}))
    pupils = fc.pupils[fc.pupils["year"] == 2025][["unit", "level", "pupils"]].reset_index(drop=True)
    book = load_rulebook(sc.scenario.rulebook)
    return sc, region, pupils, book, plan(region, pupils, book, PlanConfig(), sc.reach, year=2025)


def test_beiguan_plan_accounts_for_every_pupil(beiguan) -> None:
    _, _, pupils, _, p = beiguan
    assert set(p.solver["status"]) == {"optimal"}
    assert (p.solver["gap"] <= PlanConfig().mip_gap + 1e-9).all()
    assert p.flows["pupils"].sum() + p.unmet["pupils"].sum() == pytest.approx(pupils["pupils"].sum(), rel=1e-6)
    assert len(p.new_schools) > 0
    assert p.cost_cny == pytest.approx(p.new_schools["cost_cny"].sum() + p.expansions["cost_cny"].sum())
    assert np.isfinite(p.solver["bound"]).all()


def test_beiguan_proposed_layout_passes_the_rules_the_model_keeps(beiguan) -> None:
    _, region, pupils, book, p = beiguan
    layout = p.proposed_schools(region)
    assert layout["id"].is_unique
    assert (layout.loc[layout["proposed"], "ownership"] == "public").all()
    findings = audit(dataclasses.replace(region, schools=layout), book, year=2025,
                     pupils=pupils.rename(columns={"unit": "residential"}), assignment=p.assignment())
    kept = findings[findings["kind"].isin(["housing_school", "school_size_cap", "closure_precondition"])
                    & (findings["severity"] == "hard")]
    assert kept.empty, kept[["rule_id", "place_id", "message_en"]].to_string()
