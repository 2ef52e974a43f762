"""Attendance zones (学区划片) on hand-made lines and grids whose best zoning is known by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layoutsim.config.plan import PlanConfig
from layoutsim.config.zones import ZonesConfig
from layoutsim.optimize.zones import neighbours, zone, zone_problems
from optimize_fixtures import pupils, reach, region, school, unit

PLAN = PlanConfig(workers=1)


def cfg(**kw: object) -> ZonesConfig:
    return ZonesConfig(**{"levels": ("primary",), "mip_gap": 0.0, "min_utilisation": 0.0, **kw})


def zoned(z) -> dict[str, str]:
    return dict(zip(z.units["unit"], z.units["school"]))


def connected(reg, z) -> bool:
    """Every zone is one piece holding its school's own cell: all its units are reached from that cell
    through units of the zone (an empty zone is one piece too)."""
    (pb,), _ = zone_problems(reg, pupils(*[(u, "primary", 1.0) for u in reg.residential["id"]]), cfg(), reach(),
                             ["primary"])
    adj = {i: set() for i in range(len(pb.unit_ids))}
    for u, v in pb.arcs:
        adj[int(u)].add(int(v))
        adj[int(v)].add(int(u))
    of = zoned(z)
    for j, sid in enumerate(pb.school_ids):
        members = {i for i, u in enumerate(pb.unit_ids) if of.get(u) == sid}
        home = int(pb.roots[j][0])
        if members and home not in members:
            return False
        seen = {home} & members
        todo = list(seen)
        while todo:
            for v in adj[todo.pop()] & members - seen:
                seen.add(v)
                todo.append(v)
        if seen != members:
            return False
    return True


def line(pupil_counts: list[float], seats_a: int, seats_b: int = 40):
    """Units U0…U4 on a line 300 m apart; school A 50 m left of U0, school B 100 m right of U4."""
    units = [unit(f"U{i}", 300 * i) for i in range(len(pupil_counts))]
    schools = [school("A", -50, primary=(seats_a, 0)), school("B", 300 * (len(pupil_counts) - 1) + 100, primary=(seats_b, 0))]
    reg = region(units, schools)
    return reg, pupils(*[(f"U{i}", "primary", float(n)) for i, n in enumerate(pupil_counts)])


def test_neighbours_are_cells_sharing_an_edge() -> None:
    import shapely

    pts = np.array([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]], float) * 100
    _, arcs = neighbours(pts, shapely.box(-50, -50, 250, 150))
    assert {tuple(a) for a in arcs.tolist()} == {(0, 1), (1, 2), (3, 4), (4, 5), (0, 3), (1, 4), (2, 5)}


def test_with_room_everywhere_each_unit_goes_to_its_nearest_school() -> None:
    reg, pup = line([30, 30, 30, 30, 30], seats_a=40)
    z = zone(reg, pup, cfg(), reach(), PLAN)
    assert zoned(z) == {"U0": "A", "U1": "A", "U2": "A", "U3": "B", "U4": "B"}  # U2: 650 m to A, 700 m to B
    assert z.solver["status"].tolist() == ["optimal"] and z.solver["nearest_share"].iloc[0] == pytest.approx(1.0)
    assert z.findings.empty and connected(reg, z)


def test_capacity_holds_and_the_overflow_goes_to_the_next_school() -> None:
    """A has 45 seats: one unit of 30 at most (max_utilisation 1.0); the rest go to B."""
    reg, pup = line([30, 30, 30, 30, 30], seats_a=1)
    z = zone(reg, pup, cfg(), reach(), PLAN)
    assert zoned(z) == {"U0": "A", "U1": "B", "U2": "B", "U3": "B", "U4": "B"}
    load = z.schools.set_index("school")["pupils"]
    assert load["A"] <= 45 and load["B"] == 120 and connected(reg, z)


@pytest.mark.parametrize("how", ["ordered", "flow"])
def test_a_zone_is_never_split_by_another(how: str) -> None:
    """A (45 seats) must be filled: {U0, U2} fits it exactly (10 + 35) but U1 lies between them and goes to B.
    Contiguous, A keeps U0 alone (35 seats short) rather than take U1 (40 pupils over)."""
    reg, pup = line([10, 40, 35, 30, 10], seats_a=1)
    z = zone(reg, pup, cfg(min_utilisation=1.0, under_cny=1e5, over_cny=1e6, contiguity=how), reach(), PLAN)
    of = zoned(z)
    assert of["U0"] == "A" and of["U1"] == "B" and of["U2"] == "B"
    assert connected(reg, z)


def test_moving_cost_keeps_the_published_zones_when_nothing_requires_change() -> None:
    """Published: U2 in B's zone (a little farther). Moving it saves 30 pupils × 0.1 km × 3,600 = 1.08万:
    with a move cost of 5万 it stays; free to move, it goes to A."""
    reg, pup = line([30, 30, 30, 30, 30], seats_a=40)
    before = pd.DataFrame({"unit": ["U0", "U1", "U2", "U3", "U4"], "level": "primary",
                           "school": ["A", "A", "B", "B", "B"]})
    kept = zone(reg, pup, cfg(move_cny=50_000.0), reach(), PLAN, previous=before)
    assert zoned(kept) == dict(zip(before["unit"], before["school"]))
    moved = zone(reg, pup, cfg(move_cny=0.0), reach(), PLAN, previous=before)
    assert zoned(moved)["U2"] == "A"


@pytest.mark.parametrize("how", ["ordered", "flow"])
def test_a_grid_zoned_into_contiguous_zones_within_their_band(how: str) -> None:
    """A 6 × 4 grid of estates (40 pupils each) and three schools of 9 classes (405 seats): every zone
    contiguous, every school within 85–100 % (960 pupils for 1,215 seats cannot fill every one to 85 %:
    the band's floor is soft), nobody beyond reach."""
    units = [unit(f"U{r}{c}", 250 * c, 250 * r - 400) for r in range(4) for c in range(6)]
    schools = [school("A", 100, -300, primary=(9, 0)), school("B", 1200, 300, primary=(9, 0)),
               school("C", 600, 0, primary=(9, 0))]
    reg = region(units, schools)
    pup = pupils(*[(u["id"], "primary", 40.0) for u in units])
    z = zone(reg, pup, cfg(min_utilisation=0.85, contiguity=how), reach(primary=1500.0), PLAN)
    assert len(z.units) == 24 and connected(reg, z)
    assert (z.schools["pupils"] <= z.schools["seats"] + 1e-6).all()
    assert z.solver["gap"].iloc[0] <= 1e-6
    assert len(z.polygons) == 3 and z.polygons.geometry.is_valid.all()


def test_the_zones_command_writes_the_zones_the_table_and_the_map(tmp_path, capsys) -> None:
    """The tiny county zoned: every unit with pupils in a zone, a 学区划片表 whose zones hold the units'
    pupils, outlines in zones.gpkg, a zone layer on the map (offline, in Chromium)."""
    import geopandas as gpd

    from browser import open_page
    from conftest import write_tiny
    from layoutsim.cli import main

    scenario = write_tiny(tmp_path)
    assert main(["zones", str(scenario), "--out", str(tmp_path / "z")]) == 0
    out = tmp_path / "z"
    units = pd.read_csv(out / "zones.csv")
    by_school = pd.read_csv(out / "zones_by_school.csv")
    assert set(units["level"]) == {"primary", "junior"} and units["unit"].nunique() == 5
    for (lv, sid), group in units.groupby(["level", "school"]):
        row = by_school[(by_school["level"] == lv) & (by_school["school"] == sid)].iloc[0]
        assert row["pupils"] == pytest.approx(group["pupils"].sum(), abs=0.5) and row["units"] == len(group)
    assert (pd.read_csv(out / "zones_solver.csv")["status"] == "optimal").all()
    assert set(gpd.list_layers(out / "zones.gpkg")["name"]) == {"zones_primary", "zones_junior"}
    assert "units zoned" in capsys.readouterr().out
    with open_page(out / "index.html") as (page, errors, blocked):
        assert "学区：小学" in page.locator(".leaflet-control-layers").inner_text()
        assert page.locator("path.ls-zone").count() >= 2
    assert errors == [] and blocked == []


@pytest.mark.parametrize("how", ["ordered", "flow"])
def test_a_school_whose_cell_goes_elsewhere_cannot_keep_a_zone_around_it(how: str) -> None:
    """Three units on a line; A and B both stand in the middle unit's cell. Whoever gets it, the other has
    no zone of two pieces on either side of it (the reviewer's case)."""
    reg = region([unit("U0", -1000), unit("U1", 0), unit("U2", 1000)],
                 [school("A", 0, 10, primary=(20, 0)), school("B", 0, -5, primary=(20, 0))])
    z = zone(reg, pupils(("U0", "primary", 30.0), ("U1", "primary", 30.0), ("U2", "primary", 30.0)),
             cfg(contiguity=how), reach(primary=2000.0), PLAN)
    assert connected(reg, z) and len(set(zoned(z).values())) == 1


def test_published_zones_in_pieces_or_past_a_nearer_school_are_findings() -> None:
    """Published: U1 in B's zone while U0 and U2 are A's: A's zone is in two pieces and so is B's (U1 apart
    from U3, U4), and U1 lies 660 m past A, which has room. All are findings on the published zoning; the
    zoning found has none."""
    reg, pup = line([30, 30, 30, 30, 30], seats_a=40)
    before = pd.DataFrame({"unit": ["U0", "U1", "U2", "U3", "U4"], "level": "primary",
                           "school": ["A", "B", "A", "B", "B"]})
    z = zone(reg, pup, cfg(move_cny=0.0), reach(primary=1500.0), PLAN, previous=before)
    published = z.findings[z.findings["zoning"] == "published"]
    assert set(published["kind"]) == {"split", "nearest"}
    assert sorted(published[published["kind"] == "split"]["school"]) == ["A", "B"]
    assert "U1" in published[published["kind"] == "nearest"]["unit"].tolist()
    assert z.findings[z.findings["zoning"] == "proposed"].empty


def test_the_proposed_layout_is_zoned_and_set_beside_the_plan(tmp_path) -> None:
    """The tiny county's plan builds on 新城配套用地 (C1); zoned, its new primary school has a zone, and
    zones_vs_plan.csv sets pupil-km and crowding of the zones beside the plan's fractional assignment."""
    from conftest import write_tiny
    from layoutsim.pipeline import zones_only

    zones, out = zones_only(write_tiny(tmp_path), tmp_path / "z", levels=["primary"], proposed=True)
    new = [s for s in zones.schools["school"] if str(s).startswith("C1")]
    assert new and zones.schools.set_index("school").loc[new[0], "units"] >= 1
    versus = pd.read_csv(out / "zones_vs_plan.csv")
    assert versus["assignment"].tolist() == ["plan", "zones"] and (versus["pupil_km"] > 0).all()
    # whole units: a zone may crowd its school (here 城关第一小学 by 20), where the plan splits pupils to fit
    crowd = (zones.schools["pupils"] - zones.schools["seats"]).clip(lower=0).sum()
    assert versus.loc[1, "over_capacity_pupils"] == pytest.approx(crowd) and versus.loc[0, "over_capacity_pupils"] == 0
    assert versus.loc[0, "pupils"] == pytest.approx(versus.loc[1, "pupils"], rel=0.01)  # all public here


def test_a_zoning_without_a_solution_exits_3_and_says_which(tmp_path, monkeypatch, capsys) -> None:
    from conftest import write_tiny
    from layoutsim.cli import main
    from layoutsim.optimize import zones as zmod
    from layoutsim.solver import Outcome, Status

    def none_found(zp, cfg, plan_cfg, log_file=None):
        nan = float("nan")
        return zmod.ZoneSolution(np.full(len(zp.unit_ids), -1), Outcome(Status.NO_SOLUTION, nan, nan, nan, 0.0), 0, 0)

    monkeypatch.setattr(zmod, "solve_zones", none_found)
    assert main(["zones", str(write_tiny(tmp_path)), "--level", "primary", "--out", str(tmp_path / "z")]) == 3
    assert "no zoning for 1 county model(s) (419901 primary)" in capsys.readouterr().err
    assert (tmp_path / "z" / "zones_solver.csv").is_file()


def test_published_zones_are_findings_of_the_audit_with_a_rule_and_its_sentence() -> None:
    """The published zoning above as rows of the rulebook audit's table: rules zones.split (A's and B's zones)
    and zones.nearest (U1: 1,000 m to B, A 350 m away with room: past 350 + 500), with the law's sentence and
    the unit's place; a unit zoned to a school beyond its reach (U0 to B, 1,300 m) is found too."""
    from layoutsim.optimize.zones import published_findings
    from layoutsim.rules import FINDING_COLUMNS

    reg, pup = line([30, 30, 30, 30, 30], seats_a=40)
    before = pd.DataFrame({"unit": ["U0", "U1", "U2", "U3", "U4"], "level": "primary",
                           "school": ["A", "B", "A", "B", "B"]})
    f = published_findings(reg, pup, cfg(), reach(primary=1500.0), before)
    assert list(f.columns) == list(FINDING_COLUMNS)
    assert sorted(f["rule_id"]) == ["zones.nearest", "zones.split", "zones.split"]
    near = f[f["rule_id"] == "zones.nearest"].iloc[0]
    assert (near["place_id"], near["level"], near["unit"]) == ("U1", "primary", "m")
    assert near["measured"] == pytest.approx(1000.0) and near["limit"] == pytest.approx(850.0)
    assert "就近入学" in near["message_zh"] and near["message_en"]
    assert (f["kind"] == "attendance_zone").all() and (f["severity"] == "in_principle").all()
    assert (f["source_section"] == "第十二条").all() and f["source_text"].str.contains("就近入学").all()
    assert f["default"].all() and f[["lon", "lat"]].notna().all().all()
    far = pd.DataFrame({"unit": ["U0", "U1", "U2", "U3", "U4"], "level": "primary",
                        "school": ["B", "A", "A", "B", "B"]})
    f = published_findings(reg, pup, cfg(), reach(primary=1000.0), far)  # U0 is 1,300 m from B: beyond reach
    assert f[f["rule_id"] == "zones.nearest"][["place_id", "measured"]].values.tolist() == [["U0", pytest.approx(1300.0)]]
    assert published_findings(reg, pup, cfg(), reach(), before.iloc[:0]).empty


def test_layoutsim_audit_and_run_report_the_published_zones(tmp_path, capsys) -> None:
    """The tiny county with [zones] previous: 王庄村 (U3) published in 城关第一小学's zone, 5 km away, while
    东乡中心小学 529 m away has room: a zones.nearest finding in `layoutsim audit`'s findings.csv and in the
    run's findings.csv and report. Without previous the audit is what it was."""
    from conftest import SCENARIO, write_tiny
    from layoutsim.cli import main
    from layoutsim.pipeline import run

    scenario = write_tiny(tmp_path, scenario=SCENARIO + '\n[plan]\nworkers = 1\n[zones]\nprevious = "published.csv"\n')
    (tmp_path / "published.csv").write_text("unit,level,school\nU1,primary,S1\nU2,primary,S3\nU3,primary,S1\n"
                                            "U4,primary,S2\nU5,primary,S3\n", encoding="utf-8")
    assert main(["audit", str(scenario), "--out", str(tmp_path / "a")]) == 0
    found = pd.read_csv(tmp_path / "a" / "findings.csv", dtype={"place_id": str})
    zoned = found[found["kind"] == "attendance_zone"]
    assert zoned[["rule_id", "place_id", "level"]].values.tolist() == [["zones.nearest", "U3", "primary"]]
    assert "王庄村划入城关第一小学" in zoned["message_zh"].iloc[0]
    assert "zones.nearest" in pd.read_csv(tmp_path / "a" / "summary.csv")["rule_id"].tolist()
    capsys.readouterr()
    result = run(scenario, tmp_path / "r")
    assert "zones.nearest" in set(pd.read_csv(tmp_path / "r" / "findings.csv")["rule_id"])
    assert "王庄村划入城关第一小学" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "zones.nearest" in set(result.findings["rule_id"])
    plain = write_tiny(tmp_path / "plain")
    assert main(["audit", str(plain), "--out", str(tmp_path / "b")]) == 0
    assert "attendance_zone" not in set(pd.read_csv(tmp_path / "b" / "findings.csv")["kind"])
