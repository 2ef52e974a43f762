"""The layout optimizer on hand-made regions whose optimum is known by hand."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from pydantic import ValidationError

from layoutsim.errors import LayoutsimError
from layoutsim.optimize import PlanConfig, Weights, plan, sweep
from layoutsim.region import Region
from layoutsim.rules import audit
from optimize_fixtures import (
    book, candidate, housing_rule, joined, pupils, reach, region, school, size_rule, unit,
)

EXACT = {"mip_gap": 0.0, "time_limit_s": 30.0, "workers": 1}  # in this process: fast, no spawn


def cfg(**kw: object) -> PlanConfig:
    return PlanConfig(**{**EXACT, **kw})


def crowded(demand: float = 1300.0, with_candidate: bool = True):
    """One 12-class primary (540 seats), one unit of ``demand`` pupils beside it, one free site."""
    cands = [candidate("C1", 400, land_cost_cny=1e7)] if with_candidate else []
    return region([unit("U1", 200)], [school("S1", 0, primary=(12, 540))], cands), \
        pupils(("U1", "primary", demand))


def test_crowded_school_opens_candidate_with_smallest_sufficient_module() -> None:
    reg, pup = crowded()
    p = plan(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025)
    assert p.new_schools["candidate"].tolist() == ["C1"]
    row = p.new_schools.iloc[0]
    assert (row["type"], row["classes_primary"], row["seats"]) == ("primary", 18, 810.0)  # 760 short → 18 × 45
    assert row["cost_cny"] == pytest.approx(18 * 1_250_000 + 1e7)
    assert p.cost_cny == pytest.approx(row["cost_cny"])
    assert p.unmet.empty
    assert p.flows.groupby("school")["pupils"].sum().to_dict() == pytest.approx({"S1": 540.0, "C1": 760.0})
    assert p.solver["status"].tolist() == ["optimal"]
    assert "新建公办小学" in row["reason_zh"] and "no new private compulsory" in row["reason_en"]


def test_cbc_finds_the_same_optimum() -> None:
    reg, pup = crowded()
    highs = plan(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025)
    cbc = plan(reg, pup, book(), cfg(max_added_classes=0, solver="cbc"), reach(), year=2025)
    assert cbc.solver["objective"].iloc[0] == pytest.approx(highs.solver["objective"].iloc[0], rel=1e-6)
    assert cbc.new_schools["classes"].tolist() == [18]


def test_budget_too_small_leaves_pupils_unmet_for_budget() -> None:
    reg, pup = crowded()
    p = plan(reg, pup, book(), cfg(max_added_classes=0, budget_cny=2e7), reach(), year=2025)  # 12 classes cost 2.5e7
    assert p.new_schools.empty and p.cost_cny == 0
    assert p.unmet[["unit", "level", "reason"]].values.tolist() == [["U1", "primary", "budget"]]
    assert p.unmet["pupils"].sum() == pytest.approx(760.0)
    assert p.unmet["reason_zh"].iloc[0] == "预算不足"


def test_expansion_in_steps_when_no_site() -> None:
    reg, pup = crowded(demand=800.0, with_candidate=False)
    p = plan(reg, pup, book(), cfg(), reach(), year=2025)
    assert p.expansions[["school", "level", "added_classes"]].values.tolist() == [["S1", "primary", 6]]
    assert p.cost_cny == pytest.approx(6 * 800_000)
    assert p.unmet.empty


def test_capacity_used_up_gives_no_candidate_site() -> None:
    reg, pup = crowded(demand=1300.0, with_candidate=False)
    p = plan(reg, pup, book(), cfg(), reach(), year=2025)  # 540 + 12 added × 45 = 1,080
    assert p.expansions["added_classes"].tolist() == [12]
    assert p.unmet["reason"].tolist() == ["no candidate site"]
    assert p.unmet["pupils"].sum() == pytest.approx(220.0)


def test_unit_out_of_reach_is_reported() -> None:
    reg = region([unit("U1", 200), unit("U2", 3000)], [school("S1", 0, primary=(12, 540))])
    p = plan(reg, pupils(("U1", "primary", 100), ("U2", "primary", 50)), book(), cfg(), reach(), year=2025)
    assert p.unmet[["unit", "reason"]].values.tolist() == [["U2", "no school within reach"]]


def test_cheap_unmet_weight_gives_cost_reason() -> None:
    reg, pup = crowded()
    p = plan(reg, pup, book(), cfg(max_added_classes=0, weights=Weights(unmet=1000.0)), reach(), year=2025)
    assert p.new_schools.empty
    assert set(p.unmet["reason"]) == {"cost"}


def closing_region(b_demand: float, a_enrolment: int = 20):
    reg = region([unit("UA", 0), unit("UB", 600)],
                 [school("A", 0, primary=(6, a_enrolment)), school("B", 600, primary=(24, 300))])
    return reg, pupils(("UA", "primary", 20.0), ("UB", "primary", b_demand))


def test_underused_school_closes_when_receiving_seats_exist() -> None:
    reg, pup = closing_region(300.0)
    p = plan(reg, pup, book(), cfg(allow_closures=True, max_added_classes=0), reach(), year=2025)
    assert p.closures[["school", "receiving"]].values.tolist() == [["A", "B"]]
    assert p.closures["pupils_moved"].iloc[0] == 20
    assert p.unmet.empty and set(p.flows["school"]) == {"B"}
    layout = p.proposed_schools(reg)
    assert layout.set_index("id")["closing"].to_dict() == {"A": True, "B": False}


def test_no_closure_without_receiving_capacity_even_when_unmet_is_cheap() -> None:
    reg, pup = closing_region(1080.0)  # B is full with its own pupils
    config = cfg(allow_closures=True, max_added_classes=0, weights=Weights(unmet=50_000.0))
    p = plan(reg, pup, book(), config, reach(), year=2025)  # closing saves 3e6 > 20 × 5e4 of unmet
    assert p.closures.empty and p.unmet.empty


@pytest.mark.parametrize("config", [cfg(allow_closures=False, max_added_classes=0),
                                    cfg(allow_closures=True, closure_max_utilisation=0.3, max_added_classes=0)])
def test_closure_needs_permission_and_low_use(config: PlanConfig) -> None:
    enrolment = 20 if not config.allow_closures else 100  # 100 / 270 = 37 % is above the 30 % threshold
    reg, pup = closing_region(300.0, a_enrolment=enrolment)
    assert plan(reg, pup, book(), config, reach(), year=2025).closures.empty


def housing_region(earliest_year: int = 2020):
    reg = region([unit("U5", 2000, residents=6000, kind="new", completion_year=2024)],
                 [school("S1", 2800, primary=(24, 300))],  # 800 m: in reach, not within the rule's 500 m
                 [candidate("C5", 2050, tied_to="U5", earliest_year=earliest_year)])
    return reg, pupils(("U5", "primary", 300.0))


def test_hard_housing_rule_opens_the_tied_site() -> None:
    reg, pup = housing_region()
    p = plan(reg, pup, book(housing_rule(force="hard")), cfg(), reach(), year=2025)
    assert p.new_schools["candidate"].tolist() == ["C5"]
    assert "housing.primary" in p.new_schools["reason_zh"].iloc[0]


def test_soft_housing_rule_is_a_penalty() -> None:
    reg, pup = housing_region()
    cheap = plan(reg, pup, book(housing_rule(force="in_principle")), cfg(soft_rule_penalty_cny=1e6), reach(), year=2025)
    assert cheap.new_schools.empty  # 12 classes + land = 2.5e7 > penalty 1e6
    assert cheap.notes["kind"].tolist() == ["soft rule broken"]
    dear = plan(reg, pup, book(housing_rule(force="in_principle")), cfg(soft_rule_penalty_cny=5e7), reach(), year=2025)
    assert dear.new_schools["candidate"].tolist() == ["C5"]


def test_housing_rule_without_available_site_is_a_note() -> None:
    reg, pup = housing_region(earliest_year=2030)
    p = plan(reg, pup, book(housing_rule(force="hard")), cfg(), reach(), year=2025)
    assert p.new_schools.empty and p.unmet.empty
    assert p.notes[["kind", "id"]].values.tolist() == [["no candidate site", "U5"]]


def test_nine_year_school_keeps_its_size_cap() -> None:
    reg = region([unit("U1", 100)], [], [candidate("C1", 0, levels="primary;junior")])
    pup = pupils(("U1", "primary", 1600.0), ("U1", "junior", 1800.0))
    p = plan(reg, pup, book(size_rule(["nine_year"], 2500)), cfg(), reach(), year=2025)
    row = p.new_schools.iloc[0]
    assert row["type"] == "nine_year" and row["seats"] <= 2500
    assert p.unmet["pupils"].sum() == pytest.approx(3400 - p.flows["pupils"].sum())
    free = plan(reg, pup, book(), cfg(), reach(), year=2025)
    assert free.new_schools["seats"].iloc[0] == 36 * 45 + 36 * 50


def test_site_area_limits_the_module() -> None:
    reg = region([unit("U1", 100)], [], [candidate("C1", 0, site_area_m2=12 * 45 * 15.0)])
    p = plan(reg, pupils(("U1", "primary", 1000.0)), book(), cfg(), reach(), year=2025)
    assert p.new_schools["classes"].tolist() == [12]  # 15 m² a pupil: the site holds 540 seats
    assert p.unmet["reason"].tolist() == ["no candidate site"]


def test_kindergarten_beside_a_school_is_its_own_row_and_the_audit_reads_the_layout() -> None:
    reg = region([unit("U1", 100)], [], [candidate("C1", 0, levels="kindergarten;primary")])
    pup = pupils(("U1", "kindergarten", 200.0), ("U1", "primary", 500.0))
    p = plan(reg, pup, book(), cfg(), reach(), year=2025)
    assert sorted(p.new_schools["school"]) == ["C1", "C1-kg"]
    assert set(p.flows["school"]) == {"C1", "C1-kg"}
    assert p.new_schools.set_index("school")["cost_cny"].sum() == pytest.approx(p.cost_cny)
    layout = p.proposed_schools(reg)
    new = layout[layout["proposed"]].set_index("id")
    assert new.loc["C1-kg", "type"] == "kindergarten" and new.loc["C1", "type"] == "primary"
    assert (new["ownership"] == "public").all()
    assert new.loc["C1", "enrolment_primary"] == 500
    findings = audit(dataclasses.replace(reg, schools=layout), book(size_rule(["primary"], 2000)),
                     pupils=pup.rename(columns={"unit": "residential"}), assignment=p.assignment())
    assert findings.empty


def test_sweep_over_budgets_trades_cost_for_unmet() -> None:
    reg, pup = crowded()
    curve = sweep(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025, budgets=[0.0, 2.6e7, None])
    assert curve["cost_cny"].tolist() == pytest.approx([0.0, 2.5e7, 3.25e7])
    assert curve["unmet_pupils"].tolist() == pytest.approx([760.0, 220.0, 0.0])
    assert curve["unmet_pupils"].is_monotonic_decreasing
    by_weight = sweep(reg, pup, book(), cfg(max_added_classes=0), reach(), year=2025,
                      weights=[{"unmet": 1000.0}, Weights()])
    assert by_weight["unmet_pupils"].tolist() == pytest.approx([760.0, 0.0])


def test_sweep_needs_one_axis() -> None:
    reg, pup = crowded()
    with pytest.raises(LayoutsimError, match="either budgets or weights"):
        sweep(reg, pup, book(), cfg(), reach(), year=2025)


def test_plan_config_is_strict() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        PlanConfig.model_validate({"budget": 1})
    with pytest.raises(ValidationError, match="missing levels: high"):
        PlanConfig.model_validate({"modules": {"kindergarten": [6], "primary": [12], "junior": [12]}})
    with pytest.raises(ValidationError, match="below one expansion_step"):
        PlanConfig(expansion_step=6, max_added_classes=3)
    config = PlanConfig.model_validate({"budget_cny": 3e9, "allow_closures": True, "time_limit_s": 120,
                                        "weights": {"unmet": 1e6}, "costs": {"closure_saving_cny_per_class": 0}})
    assert config.weights.pupil_km == 3600.0 and config.costs.new_class_cny["primary"] == 1_250_000
    with pytest.raises(ValidationError):
        config.budget_cny = 1.0  # type: ignore[misc]


def test_pupils_table_is_checked() -> None:
    reg, _ = crowded()
    with pytest.raises(LayoutsimError, match="lacks columns: pupils"):
        plan(reg, pd.DataFrame({"unit": ["U1"], "level": ["primary"]}), book(), cfg(), reach(), year=2025)


def test_county_without_pupils_or_schools_is_an_empty_plan() -> None:
    reg = region([unit("U1", 100)], [], [])
    p = plan(reg, pupils(("U1", "primary", 0.0)), book(), cfg(), reach(), year=2025)
    assert p.flows.empty and p.unmet.empty and p.cost_cny == 0
    assert p.solver[["status", "variables"]].values.tolist() == [["optimal", 0]]


def test_soft_combined_size_cap_is_penalised_not_forbidden() -> None:
    reg = region([unit("U1", 100)], [], [candidate("C1", 0, levels="primary;junior")])
    pup = pupils(("U1", "primary", 1600.0), ("U1", "junior", 1800.0))
    p = plan(reg, pup, book(size_rule(["nine_year"], 2500, force="in_principle")), cfg(soft_rule_penalty_cny=1e6),
             reach(), year=2025)
    assert p.new_schools["seats"].iloc[0] > 2500
    assert p.notes["kind"].tolist() == ["soft rule broken"]


def test_budget_below_a_hard_housing_school_keeps_the_model_feasible() -> None:
    reg, pup = housing_region()
    p = plan(reg, pup, book(housing_rule(force="hard")), cfg(budget_cny=0.0), reach(), year=2025)
    assert p.solver["status"].tolist() == ["optimal"]
    assert p.new_schools.empty and p.unmet.empty  # S1 seats the estate's pupils
    assert p.notes[["kind", "id"]].values.tolist() == [["hard rule broken", "housing.primary"]]


def two_counties() -> tuple[Region, pd.DataFrame]:
    """``crowded()`` plus a second county like it 20 km east, each short of a school."""
    reg, pup = crowded()
    second = region([unit("V1", 200)], [school("R1", 0, primary=(12, 540))], [candidate("D1", 400, land_cost_cny=1e7)])
    pup = pd.concat([pup, pupils(("V1", "primary", 1300.0))], ignore_index=True)
    return joined(reg, second), pup


def test_area_budget_is_shared_between_counties_and_kept() -> None:
    reg, pup = two_counties()
    p = plan(reg, pup, book(), cfg(max_added_classes=0, budget_cny=6e7), reach(), year=2025)
    assert p.cost_cny <= 6e7
    assert len(p.solver) == 2 and p.solver["budget_cny"].sum() <= 6e7 + 1e-3
    assert len(p.new_schools) == 2  # 2 × 12 classes (2.5e7 each) fit; 2 × 18 (3.25e7 each) do not
    assert set(p.unmet["reason"]) == {"budget"}


def test_unspent_budget_goes_whole_to_a_county_that_can_use_it() -> None:
    """3e7 split in proportion gives each county 1.5e7, too little for any school (2.5e7 at the least), so
    both spend nothing; offered whole, the pool buys one school in one county."""
    reg, pup = two_counties()
    p = plan(reg, pup, book(), cfg(max_added_classes=0, budget_cny=3e7), reach(), year=2025)
    assert len(p.new_schools) == 1
    assert 2.5e7 - 1 <= p.cost_cny <= 3e7
    assert p.solver["budget_cny"].sum() == pytest.approx(3e7)
    assert (p.solver["cost_cny"] <= p.solver["budget_cny"] + 1e-6).all()


def _county_rule(rule_id: str, level: str, types: list[str], min_count: int, count: str = "proposed") -> dict:
    return {"id": rule_id, "kind": "county_population_school", "level": [level], "force": "hard",
            "params": {"school_types": types, "count": count,
                       "steps": [{"min_population": 0, "min_count": 1},
                                 {"min_population": 50000, "min_count": min_count}]},
            "source": {"plan": "测试", "section": "1", "text": "县新建普通高中", "text_en": "new high schools"}}


def test_county_population_rule_builds_new_high_schools() -> None:
    """A county of 100,000 (step 50,000+: two new high schools) gets two, though its few high-school pupils
    fit in the existing one; a vocational rule (outside the pupil forecast) becomes a note, not a school."""
    reg = region([unit("U1", 200), unit("U2", 6000, urban=False)],
                 [school("H1", 100, stype="high", high=(30, 1400))],
                 [candidate("C1", 1500, levels="high"), candidate("C2", 6200, levels="high"),
                  candidate("C3", 9000, levels="high")])
    pup = pupils(("U1", "high", 300.0), ("U2", "high", 200.0))
    rules = book(_county_rule("county.high_new", "high", ["high", "complete_middle", "twelve_year"], 2),
                 _county_rule("county.vocational", "vocational", ["vocational"], 1, count="all"))
    without = plan(reg, pup, book(), PlanConfig(), reach(), year=2025)
    assert without.new_schools.empty
    p = plan(reg, pup, rules, PlanConfig(), reach(), year=2025)
    assert len(p.new_schools) == 2 and set(p.new_schools["levels"]) == {"high"}
    assert all("县新建普通高中" in r for r in p.new_schools["reason_zh"])
    notes = " ".join(p.notes["message_en"])
    assert "county.vocational" in notes and "outside the pupil forecast" in notes
    layout = dataclasses.replace(reg, schools=p.proposed_schools(reg))
    assert set(audit(reg, rules)["rule_id"]) == {"county.high_new", "county.vocational"}
    assert set(audit(layout, rules)["rule_id"]) == {"county.vocational"}  # the plan mends the high schools


def _central_rule() -> dict:
    return {"id": "central_kg", "kind": "central_kindergarten", "level": ["kindergarten"], "force": "hard",
            "params": {"min_count": 1}, "source": {"plan": "测试", "section": "1", "text": "每个乡镇至少办好1所公办中心幼儿园",
                                                                  "text_en": "a central kindergarten per township"}}


def test_township_without_central_kindergarten_gets_one_on_its_site() -> None:
    """东乡 (T2) has no public kindergarten at all (K2 is private): the plan opens one on its reserved site,
    though the pupils alone would not pay for it, and the proposed layout passes the audit's check."""
    reg = region([unit("U1", 200), unit("U2", 6000, urban=False, residents=600)],
                 [school("K1", 100, stype="kindergarten", central=True, kindergarten=(6, 150)),
                  school("K2", 5500, stype="kindergarten", ownership="private", kindergarten=(3, 60))],
                 [candidate("C2", 6200, levels="kindergarten")])
    pup = pupils(("U1", "kindergarten", 40.0), ("U2", "kindergarten", 20.0))
    rules = book(_central_rule())
    p = plan(reg, pup, rules, PlanConfig(), reach(), year=2025)
    assert p.new_schools["candidate"].tolist() == ["C2"]
    assert bool(p.new_schools["central"].iloc[0])
    assert "每个乡镇至少办好1所公办中心幼儿园" in p.new_schools["reason_zh"].iloc[0]
    layout = dataclasses.replace(reg, schools=p.proposed_schools(reg))
    assert audit(reg, rules).shape[0] == 1  # today: 东乡 lacks one
    assert audit(layout, rules).empty       # the plan mends it


def test_a_township_public_kindergarten_is_designated_central_before_anything_is_built() -> None:
    """东乡's public kindergarten K2 is not yet its central one: the plan designates it (plan_central_kg) and
    builds nothing on C2; the proposed layout passes the audit's central-kindergarten check."""
    reg = region([unit("U1", 200), unit("U2", 6000, urban=False, residents=600)],
                 [school("K1", 100, stype="kindergarten", central=True, kindergarten=(6, 150)),
                  school("K2", 5500, stype="kindergarten", kindergarten=(3, 60))],
                 [candidate("C2", 6200, levels="kindergarten")])
    pup = pupils(("U1", "kindergarten", 40.0), ("U2", "kindergarten", 20.0))
    rules = book(_central_rule())
    p = plan(reg, pup, rules, PlanConfig(), reach(), year=2025)
    assert p.new_schools.empty
    assert p.designated[["school", "township"]].values.tolist() == [["K2", "T2"]]
    assert "无需新建" in p.designated["reason_zh"].iloc[0]
    layout = dataclasses.replace(reg, schools=p.proposed_schools(reg))
    assert audit(reg, rules).shape[0] == 1 and audit(layout, rules).empty


def test_a_kept_small_village_school_is_never_closed() -> None:
    """The closure test's region with a keep_small_schools rule: the small village school A stays open."""
    reg = region([unit("U1", 4700), unit("U2", 5400, urban=False, residents=300)],
                 [school("B", 4800, primary=(12, 400)), school("A", 5500, primary=(6, 20))])
    pup = pupils(("U1", "primary", 400.0), ("U2", "primary", 20.0))
    keep = {"id": "keep.small", "kind": "keep_small_schools", "level": ["primary"], "force": "hard",
            "scope": {"areas": ["rural", "mountain"]}, "source": {"plan": "测试", "section": "1", "text": "保留教学点",
                                                                   "text_en": "keep"},
            "params": {"school_types": ["primary"], "max_pupils": 100}}
    config = cfg(allow_closures=True, max_added_classes=0)
    assert plan(reg, pup, book(), config, reach(), year=2025).closures["school"].tolist() == ["A"]
    assert plan(reg, pup, book(keep), config, reach(), year=2025).closures.empty


def test_inclusive_coverage_is_planned_for_by_recognising_a_private_kindergarten() -> None:
    """A binding 普惠 ≥85 % rule: 300 of 400 children are in a private kindergarten, so coverage is 25 %;
    the plan makes the private kindergarten 普惠 (1,000 × 5 years × 300 seats = 150万) and reaches 100 %."""
    from layoutsim.pipeline import inclusive_share

    reg = region([unit("U1", 200)],
                 [school("K1", 0, stype="kindergarten", kindergarten=(4, 100)),
                  school("K2", 100, stype="kindergarten", ownership="private", kindergarten=(10, 300))])
    reg.schools.loc[reg.schools["id"] == "K2", "inclusive"] = False
    share = {"id": "share.inclusive_kg", "kind": "share_target", "level": ["kindergarten"], "force": "hard",
             "source": {"plan": "测试", "section": "1", "text": "普惠性幼儿园覆盖率达到85%以上", "text_en": "85 %"},
             "params": {"metric": "inclusive_kindergarten", "bound": "min", "share": 0.85, "by_year": 2025}}
    pup = pupils(("U1", "kindergarten", 400.0))
    without = plan(reg, pup, book(), cfg(), reach(), year=2025)
    assert without.inclusive.empty and inclusive_share(reg, without)["410001"] == pytest.approx(0.25)
    p = plan(reg, pup, book(share), cfg(), reach(), year=2025)
    assert p.inclusive[["school", "seats", "subsidy_cny"]].values.tolist() == [["K2", 300.0, 1_500_000.0]]
    assert inclusive_share(reg, p)["410001"] == 1.0 and p.unmet.empty
    assert p.proposed_schools(reg).set_index("id").loc["K2", "inclusive"]


def test_a_teaching_point_is_not_expanded() -> None:
    """A crowded 教学点 (6 classes, 300 pupils for 270 seats) with no other school in reach: it gets no
    added classes (grown, it would be a primary school); its extra pupils stay unmet."""
    reg = region([unit("U1", 200)], [school("S1", 0, stype="teaching_point", primary=(6, 300))])
    p = plan(reg, pupils(("U1", "primary", 300.0)), book(), cfg(), reach(), year=2025)
    assert p.expansions.empty and p.unmet["pupils"].sum() == pytest.approx(30.0)
