"""What a command writes: output folders that cannot destroy anything, clean stdout, honest exit statuses,
numbers rounded for people. The --out cases check every input file's hash after the command."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layoutsim import cli, pipeline
from layoutsim.io import OUTPUT_MARKER

ROOT = Path(__file__).resolve().parents[1]


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the 北关区 scenario and its data, as a user keeps them: scenario.toml beside data/."""
    shutil.copytree(ROOT / "data" / "beiguan", tmp_path / "data")
    text = (ROOT / "scenarios" / "beiguan" / "baseline.toml").read_text(encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(text.replace("../../data/beiguan", "data"), encoding="utf-8")
    return tmp_path


@pytest.fixture()
def no_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refusals must come before any computing."""
    def boom(*a: object, **k: object) -> None:
        raise AssertionError("computed before the output folder was checked")
    monkeypatch.setattr(pipeline, "_today", boom)


@pytest.mark.parametrize("target", ["data", "."])
def test_out_pointing_at_the_inputs_deletes_nothing(project: Path, capsys: pytest.CaptureFixture, target: str,
                                                    no_compute: None) -> None:
    before = _hashes(project)
    out = project / target  # the data folder, and the scenario's own folder
    assert cli.main(["run", str(project / "scenario.toml"), "--out", str(out)]) == 2
    assert "not a layoutsim output folder" in capsys.readouterr().err
    assert _hashes(project) == before


def test_out_at_a_folder_of_the_users_files_deletes_nothing(project: Path, tmp_path: Path, no_compute: None,
                                                            capsys: pytest.CaptureFixture) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "规划说明书.docx").write_bytes(b"PK\x03\x04 plan")
    (mine / "照片.jpg").write_bytes(b"\xff\xd8\xff photo")
    before = _hashes(mine)
    assert cli.main(["run", str(project / "scenario.toml"), "--out", str(mine)]) == 2
    assert str(mine) in capsys.readouterr().err
    assert _hashes(mine) == before


def test_out_dot_a_file_and_under_a_file_are_refused(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                     no_compute: None, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(project / "data")
    before = _hashes(project)
    assert cli.main(["run", str(project / "scenario.toml"), "--out", "."]) == 2
    assert "current folder" in capsys.readouterr().err
    assert cli.main(["run", str(project / "scenario.toml"), "--out", "schools.geojson"]) == 2
    assert "is a file" in capsys.readouterr().err
    assert cli.main(["run", str(project / "scenario.toml"), "--out", "schools.geojson/out"]) == 2
    assert "which is a file" in capsys.readouterr().err
    assert _hashes(project) == before


def test_an_unwritable_place_is_refused_before_computing(project: Path, no_compute: None,
                                                         capsys: pytest.CaptureFixture) -> None:
    # /proc takes no new folders, even for root (a chmod'ed folder would not stop root)
    assert cli.main(["run", str(project / "scenario.toml"), "--out", "/proc/layoutsim-test/out"]) == 2
    assert "cannot" in capsys.readouterr().err


def test_compare_checks_every_folder_before_the_first_run(project: Path, no_compute: None,
                                                          capsys: pytest.CaptureFixture) -> None:
    other = project / "other.toml"
    other.write_text((project / "scenario.toml").read_text(encoding="utf-8").replace(
        'id = "beiguan-baseline"', 'id = "beiguan-other"'), encoding="utf-8")
    before = _hashes(project)
    assert cli.main(["compare", str(project / "scenario.toml"), str(other), "--out", str(project / "data")]) == 2
    assert "not a layoutsim output folder" in capsys.readouterr().err
    assert _hashes(project) == before


def test_a_previous_output_or_an_empty_folder_is_replaced(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    pipeline.forecast_only(tiny, out)  # an empty folder may be used
    assert (out / OUTPUT_MARKER).is_file() and (out / "forecast_total.csv").is_file()
    (out / "stale.csv").write_text("old")
    pipeline.forecast_only(tiny, out)  # a previous output is replaced whole
    assert not (out / "stale.csv").exists() and (out / "forecast_total.csv").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []  # no temporary left


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layoutsim.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


@pytest.mark.parametrize("proposed", [False, True])
def test_audit_json_is_json_and_nothing_else(project: Path, proposed: bool) -> None:
    """HiGHS 1.16 printed its banner on stdout, before any option could silence it."""
    proc = _cli("audit", str(project / "scenario.toml"), "--json", "--out", str(project / "audit"),
                *(["--proposed"] if proposed else []))
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert findings and {"rule_id", "severity"} <= set(findings[0])
    # Excel on a Chinese Windows needs the BOM: run wrote findings.csv without one, audit with one
    assert (project / "audit" / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    if proposed:
        assert list((project / "audit" / "logs").glob("solver-*.log"))


def test_run_prints_only_its_results_and_rounds_what_people_read(project: Path) -> None:
    out = project / "out"
    proc = _cli("run", str(project / "scenario.toml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "HiGHS" not in proc.stdout and "Copyright" not in proc.stdout
    assert proc.stdout.splitlines()[0].endswith(str(out))
    log = next((out / "logs").glob("solver-*.log")).read_text(encoding="utf-8")
    assert "HiGHS" in log or "MIP" in log  # the solver's log went to the file
    for name, cols in {"plan_new_schools.csv": ["pupils", "seats", "cost_cny"],
                       "plan_expansions.csv": ["pupils", "seats_added", "cost_cny"],
                       "plan_unmet.csv": ["pupils"], "forecast_county.csv": ["pupils"],
                       "plan_assignment.csv": ["pupils", "distance_m"]}.items():
        with open(out / name, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
        assert set(cols) <= set(reader.fieldnames or ()), name
        # 北关's plan today builds, and seats everyone: no expansion, nobody unmet
        assert rows or name in ("plan_expansions.csv", "plan_unmet.csv"), name
        for col in cols:
            assert all(r[col] == "" or r[col].lstrip("-").isdigit() for r in rows), (name, col, rows[0][col])
    for name in ("findings.csv", "findings_proposed.csv", "plan_solver.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name  # Excel reads the Chinese


def test_no_plan_within_the_time_limit_is_said_and_exits_3(project: Path, capsys: pytest.CaptureFixture) -> None:
    text = (project / "scenario.toml").read_text(encoding="utf-8")
    assert "[plan]" not in text
    (project / "scenario.toml").write_text(text + "\n[plan]\ntime_limit_s = 0.001\n", encoding="utf-8")
    out = project / "out"
    assert cli.main(["run", str(project / "scenario.toml"), "--out", str(out)]) == cli.EXIT_NO_PLAN
    assert "no plan for 1 county" in capsys.readouterr().err
    kpis = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["plan"]["counties_without_plan"] == ["410503"]
    with open(out / "plan_unmet.csv", encoding="utf-8-sig", newline="") as fh:
        assert {r["reason"] for r in csv.DictReader(fh)} == {"solver"}


def test_a_model_too_large_stops_before_it_is_built(project: Path, capsys: pytest.CaptureFixture) -> None:
    text = (project / "scenario.toml").read_text(encoding="utf-8")
    (project / "scenario.toml").write_text(text + "\n[plan]\nmax_variables = 1000\n", encoding="utf-8")
    assert cli.main(["run", str(project / "scenario.toml"), "--out", str(project / "out")]) == 2
    err = capsys.readouterr().err
    assert "county 410503: about" in err and "max_variables" in err
    assert not (project / "out").exists()


def test_validate_loads_the_rulebook(project: Path, capsys: pytest.CaptureFixture) -> None:
    text = (project / "scenario.toml").read_text(encoding="utf-8")
    (project / "scenario.toml").write_text(text + '\n[rules]\ndisable = ["no.such.rule"]\n', encoding="utf-8")
    assert cli.main(["validate", str(project / "scenario.toml")]) == 2
    assert "no.such.rule" in capsys.readouterr().err


def test_rounded_shows_people_whole_pupils_and_yuan() -> None:
    import pandas as pd

    from layoutsim.io import rounded

    table = pd.DataFrame({"pupils": [1883.0585671865003], "unmet_pupils": [42.79499999999999],
                          "cost_cny": [7_200_000.4], "distance_m": [1234.56], "pupil_km": [823777.9],
                          "max_gap": [0.000412345], "utilisation": [0.876543], "seconds": [0.29871],
                          "deficit_year": [float("nan")], "name": ["北关区第三高级中学"]})
    row = rounded(table).iloc[0]
    assert (row["pupils"], row["unmet_pupils"], row["cost_cny"], row["distance_m"], row["pupil_km"]) == \
        (1883, 43, 7_200_000, 1235, 823778)
    assert row["max_gap"] == 0.0004 and row["utilisation"] == 0.8765 and row["seconds"] == 0.3
    assert pd.isna(row["deficit_year"]) and row["name"] == "北关区第三高级中学"


def test_rounded_keeps_places_findings_and_weights_exact_enough() -> None:
    import pandas as pd

    from layoutsim.io import rounded

    table = pd.DataFrame({"lon": [114.3456789], "lat": [36.1234567], "measured": [0.84964], "limit": [0.85],
                          "weight_pupil_km": [0.5], "pupils": [float("inf")], "gap": [0.004123]})
    row = rounded(table).iloc[0]
    assert (row["lon"], row["lat"]) == (114.345679, 36.123457)
    assert (row["measured"], row["limit"]) == (0.8496, 0.85) and row["weight_pupil_km"] == 0.5
    assert pd.isna(row["pupils"]) and row["gap"] == 0.0041


def test_compare_runs_again_into_its_own_folder(tiny: Path, tmp_path: Path) -> None:
    other = tiny.with_name("other.toml")
    other.write_text(tiny.read_text(encoding="utf-8").replace('id = "', 'id = "other-', 1), encoding="utf-8")
    out = tmp_path / "cmp"
    for _ in range(2):  # the second run replaces the first (it failed: compare.html had no marker beside it)
        assert cli.main(["compare", str(tiny), str(other), "--out", str(out)]) == 0
    assert (out / "compare.html").is_file()


def test_audit_of_a_plan_that_could_not_be_made_exits_3(project: Path, capsys: pytest.CaptureFixture) -> None:
    text = (project / "scenario.toml").read_text(encoding="utf-8")
    (project / "scenario.toml").write_text(text + "\n[plan]\ntime_limit_s = 0.001\n", encoding="utf-8")
    out = project / "audit"
    assert cli.main(["audit", str(project / "scenario.toml"), "--proposed", "--out", str(out)]) == cli.EXIT_NO_PLAN
    assert "no plan for 1 county" in capsys.readouterr().err
    assert (out / "plan_solver.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[1] == "no_solution"
