"""The package's layers import only downward (pyproject.toml: [tool.importlinter])."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layers_import_only_downward() -> None:
    # the script beside this interpreter first: a venv used without activating it still has its own
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, 'lint-imports missing: pip install -e ".[test]"'
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_import_contract_has_no_exception() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "ignore_imports" not in text


def test_reading_a_scenario_loads_neither_the_solver_nor_geopandas() -> None:
    """Configs live below every stage (layoutsim.config): validating a scenario is light."""
    code = ("import sys, layoutsim.config as c; c.load_scenario(sys.argv[1]); "
            "print(sorted(m for m in ('pulp', 'highspy', 'geopandas', 'layoutsim.optimize') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "scenarios" / "beiguan" / "baseline.toml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_every_distance_is_computed_in_travel() -> None:
    """layoutsim.travel is the one place a distance is computed: no KD-tree, distance matrix or geometric
    distance between places anywhere else (polygon geometry in the generator aside)."""
    import re

    pattern = re.compile(r"cKDTree|KDTree|cdist|pdist|query_ball|hypot|haversine|\.geometry\.distance\(|"
                         r"np\.sqrt\(\(.*\*\*\s*2")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted((ROOT / "layoutsim").rglob("*.py"))
                 if p.name != "travel.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_types_check() -> None:
    """mypy with the pydantic plugin ([tool.mypy] in pyproject.toml) finds nothing."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_docstring_examples_run() -> None:
    import doctest
    import importlib
    import pkgutil

    import layoutsim

    failed, tried = 0, 0
    for info in pkgutil.walk_packages(layoutsim.__path__, "layoutsim."):
        result = doctest.testmod(importlib.import_module(info.name), optionflags=doctest.ELLIPSIS)
        failed, tried = failed + result.failed, tried + result.attempted
    assert tried >= 10 and failed == 0
