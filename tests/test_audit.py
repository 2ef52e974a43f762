"""Audit: for every rule kind, a region where the rule holds (no finding) and one where it is broken in a
known way (exactly that finding)."""
from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from layoutsim.region import Region
from layoutsim.rules.audit import FINDING_COLUMNS, SUMMARY_COLUMNS, audit, summarize
from layoutsim.rules.book import load_rulebook, packaged_books
from layoutsim.rules.checks import CHECKS
from layoutsim.rules.params import KINDS
from rules_fixtures import C1, C2, T1, T2, T3, add_candidate, book, region, rule, set_school


def places(findings: pd.DataFrame) -> list[str]:
    return sorted(findings["place_id"])


def run(reg, *rules, **kw) -> pd.DataFrame:
    return audit(reg, book(*rules), **kw)


def test_every_kind_has_a_check() -> None:
    assert set(CHECKS) == set(KINDS)


# ---------------------------------------------------------------- housing_school

HOUSING = dict(kind="housing_school", params={"min_residents": 5000, "within_m": 500.0}, level=["primary"],
               scope={"build": "new", "areas": ["urban"]})


def test_housing_school_holds() -> None:
    assert run(region(), rule(**HOUSING)).empty


def test_housing_school_broken_when_no_primary_near_new_estate() -> None:
    reg = region()
    set_school(reg, "S2", xy=(4_000, 4_500))
    found = run(reg, rule(**HOUSING))
    assert places(found) == ["R1"]  # R5 has 5,000 residents but is not new
    row = found.iloc[0]
    assert (row["measured"], row["limit"], row["unit"], row["place_kind"]) == (0, 1, "schools", "residential")
    assert "新城小区" in row["message_zh"] and "primary" in row["message_en"]


def test_housing_school_reserved_site_is_not_a_school() -> None:
    """Land reserved for the estate's school does not seat anyone until a school is built on it."""
    reg = region()
    set_school(reg, "S2", xy=(4_000, 4_500))
    reg = add_candidate(reg, "K1", "primary,junior", "R1", 900, 900)
    assert places(run(reg, rule(**HOUSING))) == ["R1"]


def test_housing_school_year_before_completion_skips_estate() -> None:
    reg = region()
    set_school(reg, "S2", xy=(4_000, 4_500))
    assert run(reg, rule(**HOUSING), year=2023).empty
    assert places(run(reg, rule(**HOUSING), year=2024)) == ["R1"]


def test_housing_school_ownership() -> None:
    kg = dict(HOUSING, level=["kindergarten"], params={"min_residents": 5000, "within_m": 300.0,
                                                         "ownership": "public_or_inclusive"})
    reg = region()
    assert run(reg, rule(**kg)).empty
    set_school(reg, "S1", inclusive=False, ownership="private")
    assert places(run(reg, rule(**kg))) == ["R1"]


# ---------------------------------------------------------------- school_size_cap

SIZE = dict(kind="school_size_cap", params={"school_types": ["primary", "junior"], "max_pupils": 2000},
            level=["primary", "junior"], scope={"build": "new"}, force="in_principle")


def test_school_size_cap_holds() -> None:
    assert run(region(), rule(**SIZE)).empty


def test_school_size_cap_broken() -> None:
    reg = region()
    set_school(reg, "S2", enrolment_primary=2300)
    found = run(reg, rule(**SIZE))
    assert places(found) == ["S2"]
    assert found.iloc[0]["measured"] == 2300 and found.iloc[0]["limit"] == 2000
    assert found.iloc[0]["severity"] == "info"  # cap for new schools, shown on an existing one
    set_school(reg, "S2", proposed=True)
    assert run(reg, rule(**SIZE)).iloc[0]["severity"] == "in_principle"


def test_school_size_cap_counts_all_levels_of_a_through_school() -> None:
    cap = dict(SIZE, params={"school_types": ["complete_middle"], "max_pupils": 1100}, scope={"build": "all"})
    assert places(run(region(), rule(**cap))) == ["S13"]  # 560 + 580 = 1,140


def test_school_size_cap_uses_assignment() -> None:
    assignment = pd.DataFrame({"residential": ["R1", "R2"], "school": ["S2", "S2"], "level": "primary",
                               "pupils": [1500, 700], "distance_m": [200.0, 250.0]})
    assert places(run(region(), rule(**SIZE), assignment=assignment)) == ["S2"]


# ---------------------------------------------------------------- class_size

CLASS = dict(kind="class_size", params={"max_per_class": 55, "category": "large"}, level=["primary", "junior"])


def test_class_size_holds() -> None:
    assert run(region(), rule(**CLASS)).empty


def test_class_size_broken() -> None:
    reg = region()
    set_school(reg, "S4", enrolment_primary=6 * 58)
    found = run(reg, rule(**CLASS))
    assert places(found) == ["S4"]
    row = found.iloc[0]
    assert (row["measured"], row["limit"], row["unit"], row["level"]) == (58.0, 55, "pupils/class", "primary")
    assert "大班额" in row["message_zh"] and "6个班中6个班超过55人" in row["message_zh"]


def test_large_classes_are_counted_per_class_not_per_school() -> None:
    """大班额 is a per-class measure: a school averaging 55.7 (6 classes, 334 pupils) has 4 classes of 56
    when its pupils are spread evenly, not 6; one averaging 70 has all 20 over 65 (超大班额)."""
    reg = region()
    set_school(reg, "S4", enrolment_primary=6 * 55 + 4)
    set_school(reg, "S3", enrolment_junior=20 * 70)
    large = rule(**CLASS, rule_id="large")
    huge = rule(**dict(CLASS, params={"max_per_class": 65, "category": "super_large"}), rule_id="super")
    found = run(reg, large, huge).set_index(["rule_id", "place_id"])["message_zh"].to_dict()
    assert set(found) == {("large", "S4"), ("large", "S3"), ("super", "S3")}
    assert "6个班中4个班超过55人" in found["large", "S4"]
    assert "20个班中20个班超过65人" in found["super", "S3"]


def test_class_size_ignores_the_float_noise_of_a_plans_flows() -> None:
    """Pupils from continuous flows are whole pupils first: 55.0000001 a class is no class over 55."""
    assignment = pd.DataFrame({"residential": ["R3"], "school": ["S4"], "level": "primary",
                               "pupils": [6 * 55 + 1e-6], "distance_m": [200.0]})
    assert run(region(), rule(**CLASS), assignment=assignment).empty
    assignment["pupils"] = 6 * 55 + 1
    assert places(run(region(), rule(**CLASS), assignment=assignment)) == ["S4"]


def test_standard_class_size_measures_the_average() -> None:
    standard = dict(CLASS, params={"max_per_class": 45, "category": "standard"}, level=["primary"])
    reg = region()
    set_school(reg, "S4", enrolment_primary=6 * 47)
    row = run(reg, rule(**standard)).iloc[0]
    assert (row["place_id"], row["measured"], row["limit"], row["unit"]) == ("S4", 47.0, 45, "pupils/class")
    assert "班超过" not in row["message_zh"]  # a norm on the size, not a count of 大班额


def test_entry_grade_rule_says_the_school_stands_in_for_the_grade() -> None:
    entry = dict(CLASS, params={"max_per_class": 55, "category": "large", "grades": "entry"}, level=["high"])
    reg = region()
    set_school(reg, "S7", enrolment_high=30 * 57)
    row = run(reg, rule(**entry)).iloc[0]
    assert row["place_id"] == "S7" and row["measured"] == 57.0
    assert "新入学年级" in row["message_zh"] and "stand in" in row["message_en"]


# ---------------------------------------------------------------- kindergarten_ratio

RATIO = dict(kind="kindergarten_ratio", params={"residents_per_kindergarten": 10000}, level=["kindergarten"],
             scope={"areas": ["urban"]})


def test_kindergarten_ratio_holds() -> None:
    assert run(region(), rule(**RATIO)).empty


def test_kindergarten_ratio_broken() -> None:
    reg = region()
    reg.townships.loc[reg.townships["code"] == T1, "population"] = 25_000
    found = run(reg, rule(**RATIO))
    assert places(found) == [T1]
    assert (found.iloc[0]["measured"], found.iloc[0]["limit"]) == (2, 3)


def test_kindergarten_ratio_rural_scope_skips_mountain() -> None:
    rural = dict(RATIO, params={"residents_per_kindergarten": 1000}, scope={"areas": ["rural"]})
    assert places(run(region(), rule(**rural))) == [T2]  # 5,000 residents, 1 kindergarten; 山头乡 is mountain


# ---------------------------------------------------------------- central_kindergarten

CENTRAL = dict(kind="central_kindergarten", params={"min_count": 1, "large_population": 30000,
                                                    "large_min_count": 2}, level=["kindergarten"])


def test_central_kindergarten_holds() -> None:
    assert run(region(), rule(**CENTRAL)).empty


def test_central_kindergarten_broken_for_large_township() -> None:
    reg = region()
    reg.townships.loc[reg.townships["code"] == T1, "population"] = 35_000
    found = run(reg, rule(**CENTRAL))
    assert places(found) == [T1]
    assert (found.iloc[0]["measured"], found.iloc[0]["limit"]) == (1, 2)


def test_central_kindergarten_broken_when_township_has_none() -> None:
    reg = region()
    set_school(reg, "S6", central=False)
    assert places(run(reg, rule(**CENTRAL))) == [T2]  # streets (光明街道) are not 乡镇


# ---------------------------------------------------------------- county_seat_public_kindergartens

SEAT = dict(kind="county_seat_public_kindergartens", params={"min_count": 1}, level=["kindergarten"])


def test_county_seat_public_kindergartens_holds() -> None:
    assert run(region(), rule(**SEAT)).empty


def test_county_seat_public_kindergartens_broken() -> None:
    found = run(region(), rule(**dict(SEAT, params={"min_count": 2})))
    assert places(found) == [C2, C1]  # each has one public kindergarten in its urban townships
    assert set(found["place_kind"]) == {"county"}


# ---------------------------------------------------------------- share_target

INCLUSIVE = dict(kind="share_target", params={"metric": "inclusive_kindergarten", "bound": "min",
                                              "share": 0.85, "by_year": 2025}, force="target")
PRIVATE = dict(kind="share_target", params={"metric": "private_compulsory", "bound": "max", "share": 0.05})


def test_share_target_holds() -> None:
    assert run(region(), rule(**INCLUSIVE), rule(**PRIVATE, rule_id="p")).empty


def test_share_target_inclusive_broken() -> None:
    reg = region()
    set_school(reg, "S8", inclusive=False)
    found = run(reg, rule(**INCLUSIVE))
    assert places(found) == [C1]
    assert found.iloc[0]["measured"] == pytest.approx(300 / 450, abs=1e-4)


def test_share_target_private_cap_broken() -> None:
    reg = region()
    set_school(reg, "S4", ownership="private")
    found = run(reg, rule(**PRIVATE))
    assert places(found) == [C1]
    assert found.iloc[0]["measured"] == pytest.approx(200 / 2650, abs=1e-4)


# ---------------------------------------------------------------- county_population_school

VOC = dict(kind="county_population_school", level=["vocational"],
           params={"school_types": ["vocational"], "steps": [{"min_population": 0, "min_count": 1}]})


def test_county_population_school_holds() -> None:
    high = dict(VOC, level=["high"], params={"school_types": ["high", "complete_middle"],
                                              "steps": [{"min_population": 50000, "min_count": 1}]})
    assert run(region(), rule(**high)).empty


def test_county_population_school_broken() -> None:
    assert places(run(region(), rule(**VOC))) == [C2]


def test_county_population_school_steps_and_proposed() -> None:
    new_high = dict(VOC, level=["high"], params={
        "school_types": ["high", "complete_middle"], "count": "proposed",
        "steps": [{"min_population": 0, "min_count": 1}, {"min_population": 250000, "min_count": 2}]})
    reg = region()
    set_school(reg, "S7", proposed=True)
    found = run(reg, rule(**new_high))
    assert places(found) == [C2, C1]
    assert found.set_index("place_id").loc[C1, "limit"] == 2  # 300,000 people ≥ 250,000


# ---------------------------------------------------------------- service_radius

REACH = dict(kind="service_radius", params={"radius_m": 2000.0}, level=["primary"], scope={"areas": ["rural"]})


def test_service_radius_holds() -> None:
    urban = dict(REACH, params={"radius_m": 500.0}, scope={"areas": ["urban"]})
    assert run(region(), rule(**REACH), rule(**urban, rule_id="u")).empty


def test_service_radius_broken() -> None:
    reg = region()
    reg = dataclasses.replace(reg, schools=reg.schools[reg.schools["id"] != "S4"])
    found = run(reg, rule(**REACH))
    assert places(found) == ["R3"]  # 山头村 is mountain: outside the rule's areas
    assert found.iloc[0]["measured"] > 5000


def test_service_radius_uses_assignment_and_pupils() -> None:
    assignment = pd.DataFrame({"residential": ["R3"], "school": ["S4"], "level": ["primary"],
                               "pupils": [120], "distance_m": [2500.0]})
    assert places(run(region(), rule(**REACH), assignment=assignment)) == ["R3"]
    pupils = pd.DataFrame({"residential": ["R3"], "level": ["primary"], "pupils": [0]})
    assert run(region(), rule(**REACH), assignment=assignment, pupils=pupils).empty


def test_service_radius_no_school_of_level() -> None:
    reach = dict(REACH, level=["special"])
    found = run(region(), rule(**reach))
    assert places(found) == ["R3"] and math.isinf(found.iloc[0]["measured"])


# ---------------------------------------------------------------- boarding

BOARD = dict(kind="boarding", params={"expect": "boarding", "min_share": 0.5}, level=["junior"],
             scope={"areas": ["rural", "mountain"]}, force="in_principle")


def test_boarding_holds() -> None:
    day = dict(BOARD, level=["primary"], params={"expect": "day", "min_share": 0.5})
    assert run(region(), rule(**BOARD), rule(**day, rule_id="d")).empty


def test_boarding_broken() -> None:
    reg = region()
    set_school(reg, "S5", boarding=False)
    found = run(reg, rule(**BOARD))
    assert places(found) == [C1] and found.iloc[0]["measured"] == 0


def test_boarding_primaries_per_township() -> None:
    per = dict(BOARD, level=["primary"], params={"expect": "boarding", "min_share": 0.0,
                                                 "max_boarding_per_township": 1})
    reg = region()
    assert run(reg, rule(**per)).empty
    set_school(reg, "S4", boarding=True)
    set_school(reg, "S5", type="nine_year", boarding=True, classes_primary=6, enrolment_primary=250)
    found = run(reg, rule(**per))
    assert places(found) == [T2] and found.iloc[0]["measured"] == 2


def test_boarding_primaries_floor_per_township() -> None:
    """A floor (开封: a 乡镇 without a boarding primary builds one): rural 镇/乡 with fewer are findings, the
    county seat's town is not in the rule's areas, and nothing is capped."""
    floor = dict(BOARD, level=["primary"], params={"expect": "boarding", "min_share": 0.0,
                                                   "min_boarding_per_township": 1}, force="target")
    reg = region()
    found = run(reg, rule(**floor))
    assert places(found) == [T2, T3] and found["severity"].eq("target").all()
    assert (found.iloc[0]["measured"], found.iloc[0]["limit"]) == (0, 1)
    set_school(reg, "S4", boarding=True)
    assert places(run(reg, rule(**floor))) == [T3]
    set_school(reg, "S5", type="nine_year", boarding=True, classes_primary=6, enrolment_primary=250)
    assert places(run(reg, rule(**floor))) == [T3]  # two in 李庄乡: no cap


# ---------------------------------------------------------------- closure_precondition

CLOSE = dict(kind="closure_precondition", params={}, level=["primary", "junior"])


def test_closure_precondition_holds() -> None:
    reg = region()
    assert run(reg, rule(**CLOSE)).empty  # nothing closes
    set_school(reg, "S4", closing=True)  # 200 pupils; 城关一小 has 30 × 45 − 1,000 = 350 spare seats
    assert run(reg, rule(**CLOSE)).empty


def test_closure_precondition_broken() -> None:
    reg = region()
    set_school(reg, "S4", closing=True)
    set_school(reg, "S2", classes_primary=24)  # 24 × 45 − 1,000 = 80 spare
    found = run(reg, rule(**CLOSE))
    assert places(found) == ["S4"]
    assert (found.iloc[0]["measured"], found.iloc[0]["limit"]) == (80, 200)


def test_closure_precondition_distance() -> None:
    reg = region()
    set_school(reg, "S4", closing=True)
    near = dict(CLOSE, params={"max_receiving_distance_m": 3000.0})
    assert places(run(reg, rule(**near))) == ["S4"]  # 城关一小 is ~5.9 km away


# ---------------------------------------------------------------- keep_small_schools

KEEP = dict(kind="keep_small_schools", params={"school_types": ["teaching_point", "primary"], "max_pupils": 100},
            level=["primary"], scope={"areas": ["rural", "mountain"]})


def test_keep_small_schools_holds() -> None:
    reg = region()
    set_school(reg, "S4", enrolment_primary=60)
    assert run(reg, rule(**KEEP)).empty  # a small village school that stays open
    set_school(reg, "S4", enrolment_primary=200, closing=True)
    assert run(reg, rule(**KEEP)).empty  # 200 pupils: not a small school
    set_school(reg, "S4", closing=False)
    set_school(reg, "S2", enrolment_primary=60, closing=True)
    assert run(reg, rule(**KEEP)).empty  # a town school: the rule keeps rural ones


def test_keep_small_schools_broken_when_a_kept_village_school_closes() -> None:
    reg = region()
    set_school(reg, "S4", enrolment_primary=60, closing=True)
    found = run(reg, rule(**KEEP))
    assert places(found) == ["S4"] and "李庄小学" in found.iloc[0]["message_zh"]


# ---------------------------------------------------------------- concentration

CONC = dict(kind="concentration", params={"toward": "county_seat", "min_share": 0.5}, level=["junior"],
            force="audit")


def test_concentration_holds() -> None:
    assert run(region(), rule(**CONC)).empty


def test_concentration_broken_and_informational() -> None:
    found = run(region(), rule(**dict(CONC, params={"min_share": 0.7})))
    assert places(found) == [C1]
    assert found.iloc[0]["measured"] == pytest.approx(900 / 1450, abs=1e-4)
    info = run(region(), rule(**dict(CONC, params={})))
    assert places(info) == [C2, C1] and set(info["severity"]) == {"audit"}


# ---------------------------------------------------------------- the table, the summary, the books


def test_findings_table_shape_and_lonlat() -> None:
    reg = region()
    set_school(reg, "S8", inclusive=False)
    set_school(reg, "S4", enrolment_primary=6 * 58)
    found = run(reg, rule(**INCLUSIVE), rule(**CLASS, rule_id="c"))
    assert tuple(found.columns) == FINDING_COLUMNS
    assert found["lon"].between(110, 118).all() and found["lat"].between(31, 37).all()
    assert (found["source_text"] == "测试条文").all()
    county = found[found["place_kind"] == "county"].iloc[0]
    assert county["place_name"] == "宝丰县" and county["county"] == C1


def test_empty_findings_have_columns() -> None:
    found = run(region(), rule(**CLASS))
    assert found.empty and tuple(found.columns) == FINDING_COLUMNS


def test_summarize() -> None:
    reg = region()
    set_school(reg, "S4", enrolment_primary=6 * 58)
    set_school(reg, "S3", enrolment_junior=20 * 60)
    b = book(rule(**CLASS, rule_id="c"), rule(**INCLUSIVE, rule_id="i"))
    summary = summarize(audit(reg, b), b)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary.set_index("rule_id")["places"].to_dict() == {"c": 2, "i": 0}
    assert summarize(audit(region(), b)).empty


@pytest.mark.parametrize("name", packaged_books())
def test_packaged_books_audit_the_region(name: str) -> None:
    b = load_rulebook(name)
    found = audit(region(), b, year=2025)
    assert tuple(found.columns) == FINDING_COLUMNS
    assert set(found["rule_id"]) <= {r.id for r in b}
    assert found["source_text"].str.len().gt(0).all()
    summary = summarize(found, b)
    assert len(summary) == len(b)


# ---------------------------------------------------------------- land_per_pupil

LAND = dict(kind="land_per_pupil", level=["primary", "junior"], scope={"areas": ["urban"]}, force="in_principle",
            params={"m2_per_pupil": {"primary": 15.0, "junior": 18.0}, "boarding_m2_per_pupil": {"junior": 25.0}})


def _roomy() -> Region:
    """The test region with every site large (100,000 m²): no school short of land."""
    reg = region()
    reg.schools["site_area_m2"] = 100_000.0
    return reg


def test_land_per_pupil_holds() -> None:
    assert run(_roomy(), rule(**LAND)).empty
    assert places(run(region(), rule(**LAND))) == ["S13", "S14", "S2", "S3"]  # 10,000 m² each: too small


def test_land_per_pupil_broken_and_boarding_asks_more() -> None:
    reg = _roomy()
    set_school(reg, "S2", site_area_m2=14_000.0)  # 1,000 primary pupils need 15,000 m²
    found = run(reg, rule(**LAND))
    assert places(found) == ["S2"]
    assert (found.iloc[0]["measured"], found.iloc[0]["limit"]) == (14.0, 15.0)
    reg = _roomy()
    set_school(reg, "S3", site_area_m2=20_000.0)  # 900 junior pupils: 16,200 m² by day, 22,500 boarding
    assert run(reg, rule(**LAND)).empty
    set_school(reg, "S3", boarding=True)
    found = run(reg, rule(**LAND))
    assert places(found) == ["S3"] and found.iloc[0]["limit"] == 25.0
    set_school(reg, "S3", closing=True)  # a school the plan closes needs no land
    assert run(reg, rule(**LAND)).empty


def test_land_per_pupil_needs_a_figure_per_level() -> None:
    with pytest.raises(Exception, match="m2_per_pupil needs a figure for each of the rule's levels; missing: high"):
        rule(**dict(LAND, level=["primary", "high"]))


# ---------------------------------------------------------------- resource_room

ROOM = dict(kind="resource_room", level=["primary", "junior"], force="target", params={"min_pupils": 5})


def test_resource_room_without_data_says_so_per_county() -> None:
    found = run(region(), rule(**ROOM))
    assert set(found["place_kind"]) == {"county"} and set(found["severity"]) == {"info"}
    assert sorted(found["place_id"]) == sorted({C1, C2}) and "未能核查" in found.iloc[0]["message_zh"]


def test_resource_room_broken_where_five_pupils_have_none() -> None:
    reg = region()
    reg.schools["disabled_pupils"] = 0.0
    set_school(reg, "S2", disabled_pupils=5.0)   # five: needs a room, has none
    set_school(reg, "S4", disabled_pupils=4.0)   # four: needs none
    set_school(reg, "S14", disabled_pupils=7.0, resource_room=True)  # has one
    found = run(reg, rule(**ROOM))
    assert places(found) == ["S2"] and found.iloc[0]["measured"] == 5.0
    set_school(reg, "S2", resource_room=True)
    assert run(reg, rule(**ROOM)).empty
