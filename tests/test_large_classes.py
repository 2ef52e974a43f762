"""大班额 and 超大班额 are counts of classes, estimated from each school's classes and enrolment by one
function (layoutsim.rules.classes) that the audit and the indicators share."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from layoutsim import metrics
from layoutsim.rules import checks, classes
from layoutsim.rules.audit import audit
from layoutsim.rules.classes import classes_over, large_classes
from rules_fixtures import book, region, rule, set_school


@pytest.mark.parametrize("pupils, rooms, limit, expected", [
    (6 * 55, 6, 55, 0),          # at the line: none over it
    (6 * 55 + 4, 6, 55, 4),      # 4 classes of 56, 2 of 55
    (6 * 56, 6, 55, 6),          # every class 56
    (6 * 80, 6, 55, 6),          # never more than the classes
    (6 * 40, 6, 55, 0),
    (6 * 55 + 0.4, 6, 55, 0),    # whole pupils: a flow's fraction is no pupil
    (float("nan"), 6, 55, 0),
    (300, 0, 55, 0),             # no classes, nothing to count
    (6 * 65 + 2, 6, 65, 2),
])
def test_classes_over(pupils: float, rooms: int, limit: int, expected: int) -> None:
    assert classes_over([pupils], [rooms], limit).tolist() == [expected]


def test_large_and_super_large_split_the_classes_over_55() -> None:
    band, over = large_classes([6 * 55 + 4, 10 * 70, 12 * 65 + 3, 20 * 40], [6, 10, 12, 20])
    assert band.tolist() == [4, 0, 9, 0]    # 56–65: 12 classes of 781 pupils are 9 of 65, 3 of 66
    assert over.tolist() == [0, 10, 3, 0]   # 66 and more
    assert (band + over).tolist() == classes_over([6 * 55 + 4, 10 * 70, 12 * 65 + 3, 20 * 40],
                                                  [6, 10, 12, 20], 55).tolist()


def test_indicators_count_classes_not_schools() -> None:
    """A school averaging 55.7 counts 4 of its 6 classes, not all 6 (as averaging over 55 used to)."""
    t = pd.DataFrame({"classes": [6.0, 10.0, 20.0], "enrolment": [6 * 55 + 4.0, 10 * 70.0, 20 * 40.0],
                      "seats": [270.0, 450.0, 900.0]})
    t["class_size"] = t["enrolment"] / t["classes"]
    flows = pd.DataFrame({"pupils": [100.0], "within": [100.0], "distance_m": [300.0]})
    k = metrics._level_kpis(t, 100.0, flows, 0.0)
    assert (k.large_classes, k.super_large_classes) == (4, 10)
    assert k.large_class_share == round(14 / 36, 4)
    assert k.as_dict()["large_classes"] == 4 and k.as_dict()["super_large_classes"] == 10
    empty = metrics._level_kpis(t.iloc[:0], 0.0, flows.iloc[:0], 0.0)
    assert (empty.large_classes, empty.super_large_classes, empty.large_class_share) == (0, 0, None)


def test_audit_and_indicators_use_the_one_estimator() -> None:
    """The audit flags exactly the schools the estimator puts classes over the line at, and says how many."""
    assert checks.classes_over is classes.classes_over and metrics.large_classes is classes.large_classes
    reg = region()
    set_school(reg, "S4", enrolment_primary=6 * 55 + 4)
    set_school(reg, "S2", enrolment_primary=30 * 67)
    set_school(reg, "S14", enrolment_primary=18 * 55)  # at the line: none
    large = rule("class_size", {"max_per_class": 55, "category": "large"}, level=["primary"], rule_id="large")
    huge = rule("class_size", {"max_per_class": 65, "category": "super_large"}, level=["primary"],
                rule_id="super")
    found = audit(reg, book(large, huge))
    primary = reg.schools[reg.schools["classes_primary"] > 0]
    band, over = large_classes(primary["enrolment_primary"], primary["classes_primary"])
    for rule_id, counts in (("large", band + over), ("super", over)):
        expected = {sid: n for sid, n in zip(primary["id"], counts) if n >= 1}
        got = found[found["rule_id"] == rule_id]
        assert set(got["place_id"]) == set(expected), rule_id
        for _, f in got.iterrows():
            assert re.search(rf"个班中{expected[f['place_id']]:.0f}个班超过", f["message_zh"]), f["message_zh"]
    assert {sid: n for sid, n in zip(primary["id"], band + over) if n} == {"S4": 4, "S2": 30}
