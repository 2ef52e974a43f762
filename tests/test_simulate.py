"""Forecast against today's seats, the early-warnings, and the audit and forecast commands."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from layoutsim.pipeline import forecast_only, run
from layoutsim.simulate import township_seats
from test_pipeline import cli

ROOT = Path(__file__).resolve().parents[1]


def test_township_seats_by_level(tiny: Path, tmp_path: Path) -> None:
    result = run(tiny, tmp_path / "out")
    seats = township_seats(result.region).set_index(["township", "level"])["seats"]
    # 城关镇: S1 12 primary classes + S3 6 primary classes, 9 junior classes; S4 9 kindergarten classes
    assert seats[("419901001", "primary")] == (12 + 6) * 45
    assert seats[("419901001", "junior")] == 9 * 50
    assert seats[("419901002", "primary")] == 6 * 45
    assert seats[("419901001", "kindergarten")] == 9 * 30


def test_warning_year_is_the_completion_of_the_new_estate(tiny: Path, tmp_path: Path) -> None:
    """城关镇's primary demand: 7,000 residents × 0.08 = 560 pupils for 810 seats until the 6,000-resident
    estate completes in 2024 (+480 pupils = 1,040): the warning names 2024 and a shortfall of 230."""
    view, _ = forecast_only(tiny, tmp_path / "fc")
    w = view.township_warnings.set_index(["township", "level"])
    row = w.loc[("419901001", "primary")]
    assert row["deficit_year"] == 2024
    assert row["deficit_shortfall"] == pytest.approx(1040 - 810)
    assert row["township_name"] == "城关镇"
    east = w.loc[("419901002", "primary")]  # 3,000 villagers: 240 pupils for 270 seats, never short
    assert pd.isna(east["deficit_year"])


def test_forecast_command_writes_tables(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "fc"
    proc = cli("forecast", str(tiny), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "first short of seats: 城关镇 in 2024" in proc.stdout
    town = pd.read_csv(out / "forecast_township.csv", dtype={"township": str})
    assert set(town["year"]) == set(range(2020, 2036))
    assert {"township", "level", "year", "pupils", "seats", "gap"} <= set(town.columns)


def test_audit_command_json_and_files(tmp_path: Path) -> None:
    out = tmp_path / "audit"
    proc = cli("audit", str(ROOT / "scenarios" / "beiguan" / "baseline.toml"), "--json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert findings and all(f["source_text"] for f in findings)  # every finding carries the plan's sentence
    assert {"rule_id", "place_id", "measured", "limit", "severity"} <= set(findings[0])
    summary = pd.read_csv(out / "summary.csv")
    assert summary["places"].sum() >= len({(f["rule_id"], f["place_id"]) for f in findings}) > 0
    large = [f for f in findings if f["rule_id"] == "class.large"]
    assert large and all(f["measured"] > 55 for f in large)


def test_audit_of_the_proposed_layout_has_no_large_classes(tmp_path: Path) -> None:
    """The plan seats pupils at the standard class size, so the large classes of today are gone."""
    scenario = str(ROOT / "scenarios" / "beiguan" / "baseline.toml")
    today = json.loads(cli("audit", scenario, "--json", "--out", str(tmp_path / "a")).stdout)
    proc = cli("audit", scenario, "--json", "--proposed", "--out", str(tmp_path / "b"))
    assert proc.returncode == 0, proc.stderr
    planned = json.loads(proc.stdout)
    assert any(f["rule_id"] == "class.large" for f in today)
    assert not any(f["rule_id"] in ("class.large", "class.super_large") for f in planned)


def test_province_forecast_from_counties_alone(tmp_path: Path) -> None:
    """scenarios/henan/forecast.toml: all 157 units from the census, tables by county, city and province
    with intake, the band and teachers; the layout commands refuse it with a message."""
    scenario = str(ROOT / "scenarios" / "henan" / "forecast.toml")
    out = tmp_path / "henan"
    proc = cli("forecast", scenario, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".csv") == [
        "forecast_city.csv", "forecast_county.csv", "forecast_total.csv", "peaks_county.csv"]
    county = pd.read_csv(out / "forecast_county.csv", dtype={"county": str})
    total = pd.read_csv(out / "forecast_total.csv")
    city = pd.read_csv(out / "forecast_city.csv")
    assert county["county"].nunique() == 157 and city["city"].nunique() == 18
    columns = ["pupils", "intake", "pupils_low", "pupils_high", "teachers"]
    assert set(columns) <= set(county.columns) & set(total.columns) & set(city.columns)
    for table in (county, city):  # the parts add up to the province, to rounding
        summed = table.groupby(["level", "year"])[columns].sum()
        want = total.set_index(["level", "year"])[columns]
        assert (summed - want).abs().max().max() <= len(table["year"]) * 2
    first = total[total["year"] == 2020].set_index("level")
    # the 2020 school year the rates are fitted to: Henan 在园 425.58万, primary 1,021.59万 (intake 165.99万)
    assert first.loc["kindergarten", "pupils"] == pytest.approx(4_255_848, rel=1e-3)
    assert first.loc["primary", "pupils"] == pytest.approx(10_215_900, rel=1e-3)
    assert first.loc["primary", "intake"] == pytest.approx(1_659_900, rel=1e-3)
    assert (total["pupils_low"] <= total["pupils"]).all() and (total["pupils"] <= total["pupils_high"]).all()
    assert cli("validate", scenario).returncode == 0
    for command, *args in (("run",), ("audit",), ("compare", str(ROOT / "scenarios" / "beiguan" / "baseline.toml"))):
        proc = cli(command, scenario, *args, "--out", str(tmp_path / command))
        assert proc.returncode == 2 and "counties only" in proc.stderr and not proc.stdout
        assert not (tmp_path / command).exists()


def test_a_layout_needs_residential_units_and_schools_together(tmp_path: Path) -> None:
    from layoutsim.config.scenario import load_scenario
    from layoutsim.errors import ScenarioError

    text = (ROOT / "scenarios" / "henan" / "forecast.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('counties = "../../data/henan/counties.geojson"',
                                f'counties = "{ROOT / "data" / "henan" / "counties.geojson"}"\n'
                                f'schools = "{ROOT / "data" / "beiguan" / "schools.geojson"}"'), encoding="utf-8")
    with pytest.raises(ScenarioError, match="give residential and schools together"):
        load_scenario(bad)


def test_warnings_say_whether_a_shortfall_holds_in_all_three_forecasts(tiny: Path, tmp_path: Path) -> None:
    view, _ = forecast_only(tiny, tmp_path / "fc")
    w = view.township_warnings
    assert set(w["short_in"]) <= {"all", "central and high", "high only", "none"}
    assert (w.loc[w["deficit_year"].isna(), "short_in"].isin(["high only", "none"])).all()
    assert (w.loc[w["deficit_year"].notna(), "short_in"].isin(["all", "central and high"])).all()


def test_teachers_today_beside_those_needed(tmp_path: Path) -> None:
    """A schools layer with a teachers column: the nine-year school's 60 teachers shared by its pupils
    (300 primary, 480 junior); a school without a count is left out."""
    from conftest import tiny_layers, write_tiny

    layers = tiny_layers()
    counts = {"S1": 40, "S3": 60, "S4": None}
    for feature in layers["schools"]["features"]:
        feature["properties"]["teachers"] = counts.get(feature["properties"]["id"])
    view, _ = forecast_only(write_tiny(tmp_path, layers), tmp_path / "fc")
    today = view.by_county.drop_duplicates("level").set_index("level")["teachers_today"]
    assert today["primary"] == pytest.approx(40 + 60 * 300 / 780)
    assert today["junior"] == pytest.approx(60 * 480 / 780)
    assert today["kindergarten"] == 0.0 and today["high"] == 0.0
    assert "teachers" in view.by_county.columns
