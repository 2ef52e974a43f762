"""A run end to end: the CLI in a subprocess, its outputs, and its behaviour on bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import pyogrio

from conftest import tiny_layers, write_tiny
from layoutsim.pipeline import run

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layoutsim.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_tiny_run_writes_every_output(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cli("run", str(tiny), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} >= {"index.html", "report.html", "kpis.json", "findings.csv", "plan.gpkg", "assignment.csv",
                                               "unmet.csv", "schools.csv", "scenario.resolved.toml"}
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    # 2025: 4,000 + 3,000 + 1,500 + 1,500 + 6,000 (new, done 2024) = 16,000 residents; primary 80 per 1,000
    assert kpis["area"]["primary"]["pupils"] == 1280
    assert kpis["area"]["primary"]["seats"] == (12 + 6 + 6) * 45
    assert kpis["area"]["primary"]["assigned"] + kpis["area"]["primary"]["unmet"] == 1280
    assert kpis["counties"]["419901"]["name"] == "样例县"
    assert set(pyogrio.list_layers(out / "plan.gpkg")[:, 0]) >= {"schools", "residential", "assignment", "counties"}
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "城关第一小学" in html or json.dumps("城关第一小学")[1:-1] in html
    assert "<script src" not in html and "<link" not in html


def test_assignment_conserves_pupils_and_respects_capacity(tiny: Path, tmp_path: Path) -> None:
    result = run(tiny, tmp_path / "out")
    flows, unmet = result.assignment.flows, result.assignment.unmet
    for level in ("kindergarten", "primary", "junior", "high"):
        demand = result.pupils.loc[result.pupils["level"] == level, "pupils"].sum()
        served = flows.loc[flows["level"] == level, "pupils"].sum() + unmet.loc[unmet["level"] == level, "pupils"].sum()
        assert served == pytest.approx(demand)
    seats = result.schools.set_index(["school", "level"])["seats"]
    used = flows.groupby(["school", "level"])["pupils"].sum()
    assert (used <= seats.reindex(used.index) + 1e-6).all()
    # 1,280 primary pupils, 1,080 seats: 200 unmet, and the new estate's pupils are the furthest from a school
    assert unmet.loc[unmet["level"] == "primary", "pupils"].sum() == pytest.approx(200)


def test_new_development_counts_only_from_its_completion_year(tiny: Path, tmp_path: Path) -> None:
    text = tiny.read_text(encoding="utf-8").replace("target_year = 2025", "target_year = 2023")
    tiny.write_text(text, encoding="utf-8")
    result = run(tiny, tmp_path / "out")
    assert result.kpis.area["primary"].pupils == 800


def test_bad_input_exits_2_with_a_message_and_writes_nothing(tiny: Path, tmp_path: Path) -> None:
    layers = tiny_layers()
    layers["schools"]["features"][1]["properties"]["classes_primary"] = -6
    layers["schools"]["features"][2]["properties"]["id"] = "S1"
    write_tiny(tiny.parent, layers)
    before = {p: p.read_bytes() for p in (tiny.parent / "data").iterdir()}
    out = tmp_path / "out"
    proc = cli("run", str(tiny), "--out", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "schools.geojson" in proc.stderr and "row 2 (id S2)" in proc.stderr and "duplicate id 'S1'" in proc.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temporary folder left
    assert {p: p.read_bytes() for p in (tiny.parent / "data").iterdir()} == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "no/such.toml"], "scenario file not found"),
        (["synth", "atlantis"], "unknown area 'atlantis'"),
        (["compare", "scenarios/beiguan/baseline.toml"], "compare needs at least two scenario files"),
    ],
)
def test_cli_errors(args: list[str], expected: str) -> None:
    proc = cli(*args)
    assert proc.returncode == 2 and expected in proc.stderr and "Traceback" not in proc.stderr


def test_failed_run_keeps_the_previous_output(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli("run", str(tiny), "--out", str(out)).returncode == 0
    before = (out / "kpis.json").read_bytes()
    (tiny.parent / "data" / "schools.geojson").write_text("{broken", encoding="utf-8")
    assert cli("run", str(tiny), "--out", str(out)).returncode == 2
    assert (out / "kpis.json").read_bytes() == before


def test_demo_baseline_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = cli("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["synthetic"] is True
    primary = kpis["area"]["primary"]
    assert 0.5 < primary["utilisation"] < 1.5 and 0 < primary["within_reach_share"] <= 1
    assert primary["large_class_share"] > 0  # the generated county town runs classes over 55
    schools = gpd.read_file(out / "plan.gpkg", layer="schools")
    assert len(schools) == len(gpd.read_file(ROOT / "data" / "beiguan" / "schools.geojson"))
    flows = pd.read_csv(out / "assignment.csv")
    assert flows["distance_m"].ge(0).all()


def test_compare_command(tiny: Path, tmp_path: Path) -> None:
    alt = tiny.parent / "alt.toml"
    alt.write_text('extends = "scenario.toml"\n[scenario]\nid = "tiny-2030"\ntitle = "样例县 2030"\n'
                   'target_year = 2030\n', encoding="utf-8")
    out = tmp_path / "cmp"
    proc = cli("compare", str(tiny), str(alt), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert "样例县 基准方案" in page and "样例县 2030" in page


def test_sweep_command_budget_bounds_cost(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = cli("sweep", str(tiny), "--budgets", "0", "3e7", "none", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    curve = pd.read_csv(out / "tradeoff.csv")
    assert len(curve) == 3
    assert curve.loc[0, "cost_cny"] == 0
    assert curve.loc[1, "cost_cny"] <= 3e7 + 1
    # more money never leaves more pupils unseated
    assert curve["unmet_pupils"].is_monotonic_decreasing


def test_run_proposes_a_plan_that_seats_the_new_estate(tiny: Path, tmp_path: Path) -> None:
    result = run(tiny, tmp_path / "out")
    p = result.plan
    # 1,280 primary pupils for 1,080 seats: the plan must add seats, and its cost is what kpis.json reports
    assert p.unmet_pupils < result.assignment.unmet["pupils"].sum()
    assert result.kpis.plan.cost_cny == round(p.cost_cny)
    seats_added = p.new_schools.get("seats", pd.Series(dtype=float)).sum() + p.expansions["seats_added"].sum()
    assert seats_added > 0
    for table in (p.new_schools, p.expansions):
        if len(table):
            assert (table["open_by"] <= 2025).all() and (table["start_by"] <= table["open_by"]).all()
    assert (result.out_dir / "plan_new_schools.csv").exists() and (result.out_dir / "findings_proposed.csv").exists()
