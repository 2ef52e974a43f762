"""Invariants of every plan, on random small instances (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layoutsim.optimize import PlanConfig, Weights, plan
from layoutsim.schema import CLASS_SIZE, classes_col
from optimize_fixtures import book, candidate, pupils, reach, region, school, size_rule, unit

LEVELS2 = ("primary", "junior")
REACH = reach(primary=1500.0, junior=2500.0)


@st.composite
def instances(draw: st.DrawFn) -> dict:
    n_u = draw(st.integers(1, 6))
    units = [unit(f"U{i}", draw(st.floats(0, 9000)), draw(st.floats(0, 900)), urban=None) for i in range(n_u)]
    for u in units:  # township and urban follow the side of the county a unit is on
        x = u["geometry"].x - 500_000.0
        u["urban"], u["township"] = (x < 5000), ("T1" if x < 5000 else "T2")
    schools = []
    for j in range(draw(st.integers(0, 3))):
        stype = draw(st.sampled_from(["primary", "junior", "nine_year"]))
        levels = {lv: (draw(st.integers(1, 12)), draw(st.integers(0, 400)))
                  for lv in LEVELS2 if lv in {"primary": ("primary",), "junior": ("junior",),
                                              "nine_year": LEVELS2}[stype]}
        schools.append(school(f"S{j}", draw(st.floats(0, 9000)), draw(st.floats(0, 900)), stype=stype,
                              boarding=draw(st.booleans()), site_area_m2=draw(st.sampled_from([2e4, 1e6])),
                              **levels))
    cands = [candidate(f"C{k}", draw(st.floats(0, 9000)), draw(st.floats(0, 900)),
                       levels=draw(st.sampled_from(["primary", "junior", "primary;junior"])),
                       site_area_m2=draw(st.sampled_from([1e4, 3e4, 1e6])),
                       land_cost_cny=draw(st.sampled_from([0.0, 1e7, 5e7])))
             for k in range(draw(st.integers(0, 2)))]
    demand = [(u["id"], lv, draw(st.floats(0, 1500))) for u in units for lv in LEVELS2]
    budget = draw(st.one_of(st.none(), st.sampled_from([0.0, 1e7, 3e7, 1e8])))
    closures = draw(st.booleans())
    return {"units": units, "schools": schools, "cands": cands, "demand": demand, "budget": budget,
            "closures": closures}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_keeps_the_invariants(inst: dict) -> None:
    reg = region(inst["units"], inst["schools"], inst["cands"])
    pup = pupils(*inst["demand"])
    config = PlanConfig(budget_cny=inst["budget"], allow_closures=inst["closures"], closure_max_utilisation=0.5,
                        mip_gap=0.0, time_limit_s=20, weights=Weights(pupil_km=100.0), workers=1)
    p = plan(reg, pup, book(size_rule(["nine_year"], 2500)), config, REACH, year=2025)

    # every pupil assigned once or counted unmet
    got = pd.concat([p.flows[["unit", "level", "pupils"]], p.unmet[["unit", "level", "pupils"]]])
    got = got.groupby(["unit", "level"])["pupils"].sum()
    want = pup.groupby(["unit", "level"])["pupils"].sum()
    assert np.allclose(got.reindex(want.index).fillna(0), want, atol=1e-4)
    assert (p.flows["pupils"] > 0).all() and (p.unmet["pupils"] > 0).all()

    # no school over capacity, closed schools empty, new schools within their size cap
    layout = p.proposed_schools(reg).set_index("id")
    load = p.flows.groupby(["school", "level"])["pupils"].sum()
    for (sid, lv), n in load.items():
        assert not layout.at[sid, "closing"]
        assert n <= layout.at[sid, classes_col(lv)] * CLASS_SIZE[lv] + 1e-4
    nine = p.new_schools[p.new_schools["type"] == "nine_year"]
    assert (nine["seats"] <= 2500).all()
    assert (p.expansions["added_classes"] <= config.max_added_classes).all()

    # every assignment within reach (boarding schools stretch rural junior reach)
    urban = dict(zip(reg.residential["id"], reg.residential["urban"]))
    boarding = layout["boarding"].astype(bool).to_dict()
    for _, f in p.flows.iterrows():
        limit = REACH.limit_metres(f["level"], bool(urban[f["unit"]]))
        if f["level"] == "junior" and not urban[f["unit"]] and boarding[f["school"]]:
            limit *= config.boarding_reach_factor
        assert f["distance_m"] <= limit + 1e-6

    # cost within budget, and the plan's cost is the sum of its parts
    assert p.cost_cny == np.float64(p.new_schools["cost_cny"].sum() + p.expansions["cost_cny"].sum())
    if inst["budget"] is not None:
        assert p.cost_cny <= inst["budget"] + 1e-3
    assert set(p.unmet["reason"]) <= {"no school within reach", "no candidate site", "budget", "cost"}
    assert p.solver["status"].tolist() == ["optimal"]
