"""``[plan] assignment = "zones"``: the plan assigns each unit's pupils of a zoned level whole to one school,
on hand-made counties whose best plans are known by hand; the run sets it beside the fractional plan."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from layoutsim.config.plan import Horizon
from layoutsim.errors import ScenarioError
from layoutsim.optimize import PlanConfig, plan
from optimize_fixtures import book, pupils, reach, region, school, unit

EXACT = {"mip_gap": 0.0, "time_limit_s": 30.0, "workers": 1}


def cfg(**kw: object) -> PlanConfig:
    return PlanConfig(**{**EXACT, **kw})


def two_schools():
    """U1 (400 primary pupils) 100 m from S1 and 400 m from S2, U2 (100) 200 m from S2; both schools have 6
    classes (270 seats): 540 seats for 500 pupils, but U1 fits whole in neither. U1 also has 30 kindergarten
    children and no kindergarten within reach."""
    reg = region([unit("U1", 0), unit("U2", 600)],
                 [school("S1", 100, primary=(6, 0)), school("S2", 400, primary=(6, 0))])
    return reg, pupils(("U1", "primary", 400.0), ("U2", "primary", 100.0), ("U1", "kindergarten", 30.0))


def test_fractional_splits_a_unit_where_zones_must_build_and_cost_more() -> None:
    """Fractional: U1 split 270 at S1 + 130 at S2, nothing built. Zoned: U1 whole at S1, which needs 6 more
    classes (270 + 270 ≥ 400: 480万) — cheaper than leaving 400 pupils unmet (1.2亿) or sending U1 to S2
    (also an expansion, and farther)."""
    reg, pup = two_schools()
    frac = plan(reg, pup, book(), cfg(), reach(), year=2025)
    zoned = plan(reg, pup, book(), cfg(assignment="zones"), reach(), year=2025)
    split = frac.flows[(frac.flows["unit"] == "U1") & (frac.flows["level"] == "primary")]
    assert sorted(split["pupils"].tolist()) == pytest.approx([130.0, 270.0])
    assert frac.cost_cny == 0 and frac.expansions.empty
    u1 = zoned.flows[(zoned.flows["unit"] == "U1") & (zoned.flows["level"] == "primary")]
    assert u1[["school", "pupils"]].values.tolist() == [["S1", 400.0]]
    assert zoned.expansions[["school", "added_classes"]].values.tolist() == [["S1", 6]]
    assert zoned.cost_cny == pytest.approx(6 * 800_000) and zoned.cost_cny > frac.cost_cny
    assert zoned.pupil_km < frac.pupil_km  # whole, U1 goes to its nearest school
    assert zoned.unmet_pupils == pytest.approx(frac.unmet_pupils) == pytest.approx(30.0)  # kindergarten: no school


def test_a_unit_no_school_can_seat_whole_is_wholly_unmet() -> None:
    """No expansions: U1's 400 fit in neither 270-seat school, so the zoned plan leaves all 400 unmet (never
    270 seated and 130 unmet), where the fractional plan seats everyone."""
    reg, pup = two_schools()
    frac = plan(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025)
    zoned = plan(reg, pup, book(), cfg(max_added_classes=0, assignment="zones"), reach(), year=2025)
    primary = lambda t: t[t["level"] == "primary"]  # noqa: E731
    assert primary(frac.unmet).empty
    assert primary(zoned.unmet)[["unit", "pupils", "reason"]].values.tolist() == [["U1", 400.0, "no candidate site"]]
    assert "U1" not in set(primary(zoned.flows)["unit"])
    assert zoned.unmet_pupils > frac.unmet_pupils


def test_with_zones_every_unit_level_has_one_school() -> None:
    """A row of eight estates between three schools whose seats force sharing: fractional splits some units,
    zoned none; every zoned unit's pupils are all placed (or all unmet), and seats hold."""
    units = [unit(f"U{i}", 150 * i) for i in range(8)]
    schools = [school("A", 0, primary=(4, 0), junior=(0, 0)), school("B", 600, primary=(4, 0)),
               school("C", 1050, primary=(4, 0))]
    reg = region(units, schools)
    demand = [70.0, 55.0, 80.0, 35.0, 90.0, 45.0, 60.0, 65.0]  # 500 pupils, 540 seats
    pup = pupils(*[(f"U{i}", "primary", d) for i, d in enumerate(demand)])
    frac = plan(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025)
    zoned = plan(reg, pup, book(), cfg(max_added_classes=0, assignment="zones"), reach(), year=2025)
    assert (frac.flows.groupby("unit")["school"].nunique() > 1).any()
    per_unit = zoned.flows.groupby(["unit", "level"])
    assert (per_unit["school"].nunique() == 1).all()
    placed = per_unit["pupils"].sum().droplevel("level")
    unmet = zoned.unmet.set_index("unit")["pupils"] if len(zoned.unmet) else pd.Series(dtype=float)
    for i, d in enumerate(demand):  # whole: all at its school, or all unmet
        assert placed.get(f"U{i}", 0.0) + unmet.get(f"U{i}", 0.0) == pytest.approx(d)
        assert placed.get(f"U{i}", 0.0) in (0.0, pytest.approx(d))
    load = zoned.flows.groupby("school")["pupils"].sum()
    assert (load <= 4 * 45 + 1e-6).all()


def test_levels_outside_zoned_levels_stay_fractional() -> None:
    reg, pup = two_schools()
    zoned = plan(reg, pup, book(), cfg(max_added_classes=0, assignment="zones", zoned_levels=("junior",)),
                 reach(), year=2025)
    assert zoned.flows[zoned.flows["unit"] == "U1"]["school"].nunique() == 2


def test_zones_with_a_horizon_is_a_config_error(tmp_path, capsys) -> None:
    from conftest import HORIZON, SCENARIO, write_tiny
    from layoutsim.cli import main
    from layoutsim.optimize.multi import check_config

    with pytest.raises(ValidationError, match="assignment"):
        PlanConfig(assignment="zones", horizon=Horizon())
    scenario = write_tiny(tmp_path, scenario=SCENARIO + HORIZON.replace("[plan]\n", "[plan]\nassignment = \"zones\"\n"))
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "plan: Value error, assignment = \"zones\" is not supported with [plan.horizon]" in err
    assert err.index("不能与 [plan.horizon]") < err.index("is not supported")  # Chinese first
    assert not (tmp_path / "out").exists()
    # a config copied past validation is refused by the multi-period model too
    with pytest.raises(ScenarioError, match="assignment"):
        check_config(PlanConfig().model_copy(update={"assignment": "zones"}))


def test_a_zoned_run_sets_the_fractional_plan_beside_it(tmp_path) -> None:
    """The tiny county (its new estate U5 and two 城关 schools): zoned and fractional plans in kpis.json and
    in the report, a solver log per solve, the assignment table one school per unit and zoned level."""
    from conftest import SCENARIO, write_tiny
    from layoutsim.pipeline import run

    plan_toml = "\n[plan]\nworkers = 1\nmip_gap = 0.0\nassignment = \"zones\"\n"
    result = run(write_tiny(tmp_path, scenario=SCENARIO + plan_toml), tmp_path / "out")
    out = tmp_path / "out"
    versus = json.loads((out / "kpis.json").read_text(encoding="utf-8"))["zones_vs_fractional"]
    assert versus["zoned_levels"] == ["primary", "junior"]
    z, f = versus["zoned"], versus["fractional"]
    for key in ("cost_cny", "pupil_km", "unmet_pupils", "new_schools", "solver_seconds"):
        assert key in z and key in f
    assert versus["units_split_by_fractional"] >= 1 and versus["units_split_by_zoned"] == 0
    assert versus["zoned_minus_fractional"]["pupil_km"] == pytest.approx(z["pupil_km"] - f["pupil_km"], abs=0.2)
    flows = pd.read_csv(out / "plan_assignment.csv")
    zoned = flows[flows["level"].isin(["primary", "junior"])]
    assert (zoned.groupby(["unit", "level"])["school"].nunique() == 1).all()
    assert result.plan.pupil_km == pytest.approx(z["pupil_km"], abs=0.1)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="plan-zones-vs-fractional"' in report and "按比例分配" in report
    assert (out / "logs" / "fractional" / "solver-419901.log").is_file()


def test_a_fractional_run_has_no_comparison(tmp_path) -> None:
    from conftest import SCENARIO, write_tiny
    from layoutsim.pipeline import run

    run(write_tiny(tmp_path, scenario=SCENARIO + "\n[plan]\nworkers = 1\n"), tmp_path / "out")
    assert "zones_vs_fractional" not in json.loads((tmp_path / "out" / "kpis.json").read_text(encoding="utf-8"))
    assert "plan-zones-vs-fractional" not in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "logs" / "fractional").exists()
