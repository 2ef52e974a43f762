from pathlib import Path

import pytest

from layoutsim.errors import ScenarioError
from layoutsim.config.scenario import dump_scenario, load_scenario


def test_loads_and_resolves_paths_relative_to_the_file(tiny: Path) -> None:
    sc = load_scenario(tiny)
    assert sc.id == "tiny"
    assert sc.data.schools.path == (tiny.parent / "data" / "schools.geojson").resolve()
    assert sc.forecast.per_thousand.primary == 80
    assert sc.reach.metres("primary", urban=True) == 500


def test_unknown_keys_are_rejected_with_their_path(tiny: Path) -> None:
    text = tiny.read_text(encoding="utf-8").replace("[forecast]", "[forecast]\nper_thousnd = 3\n")
    text = text.replace('target_year = 2025', 'target_year = 2025\ncolour = "red"')
    tiny.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tiny)
    message = str(err.value)
    assert "forecast.per_thousnd: unknown key" in message
    assert "scenario.colour: unknown key" in message
    assert str(tiny) in message


def test_extends_merges_and_keeps_the_parents_paths(tiny: Path, tmp_path: Path) -> None:
    alt_dir = tmp_path / "alternatives"
    alt_dir.mkdir()
    alt = alt_dir / "low.toml"
    alt.write_text('extends = "../scenario.toml"\n[scenario]\nid = "tiny-low"\ntitle = "低方案"\n'
                   '[forecast]\nper_thousand = { kindergarten = 20, primary = 60, junior = 30, high = 30 }\n',
                   encoding="utf-8")
    sc = load_scenario(alt)
    assert sc.id == "tiny-low" and sc.scenario.target_year == 2025
    assert sc.forecast.per_thousand.primary == 60
    assert sc.data.counties.path == (tmp_path / "data" / "counties.geojson").resolve()


def test_circular_extends(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="circle"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda s: s.replace('schools = "data/schools.geojson"',
                             'schools = { path = "data/schools.geojson", crs = "EPSG:99999" }'),
         r"data.schools.crs: .*unknown coordinate system"),
        (lambda s: s.replace("target_year = 2025", "target_year = 1999"), r"scenario.target_year"),
        (lambda s: s.replace("primary = 80", "primary = -80", 1), r"forecast.per_thousand.primary: Input should be greater"),
        (lambda s: s.replace("target_year = 2025", "target_year = 2040"), "outside the forecast years"),
        (lambda s: s.replace('id = "tiny"', 'id = "has space"'), r"scenario.id"),
        (lambda s: s.replace("[scenario]", "[scenario"), "not valid TOML"),
        (lambda s: s.replace('counties = "data/counties.geojson"\n', ""), r"data.counties: Field required"),
    ],
)
def test_bad_values_name_their_key(tiny: Path, edit, match: str) -> None:
    tiny.write_text(edit(tiny.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ScenarioError, match=match):
        load_scenario(tiny)


def test_missing_file() -> None:
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(Path("no/such/scenario.toml"))


def test_resolved_scenario_reloads_to_the_same_object(tiny: Path, tmp_path: Path) -> None:
    sc = load_scenario(tiny)
    out = tmp_path / "resolved.toml"
    out.write_text(dump_scenario(sc), encoding="utf-8")
    again = load_scenario(out)
    assert again.model_dump(exclude={"source"}) == sc.model_dump(exclude={"source"})


def test_every_packaged_baseline_is_valid() -> None:
    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted(root.glob("*/*.toml"))
    assert len(files) >= 5
    for f in files:
        assert load_scenario(f).scenario.title
