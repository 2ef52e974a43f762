"""Installed from a wheel, layoutsim runs its demo from any folder and writes there, never into site-packages."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DEMO = ("scenarios/beiguan/baseline.toml", *(f"data/beiguan/{n}.geojson" for n in
                                             ("counties", "townships", "residential", "schools", "candidates")))
#: what a build never reads: git, outputs, caches, earlier builds
NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "maps", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", ".import_linter_cache", ".venv")


def _python(*args: str, cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from a copy of the repository (a build in place would write build/ into it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=NOT_SOURCE)
    proc = _python("-m", "pip", "wheel", "--no-deps", "-w", str(tmp / "dist"), str(tmp / "src"), cwd=tmp)
    if "No matching distribution found for setuptools" in proc.stderr:
        pytest.skip("pip cannot fetch setuptools to build the wheel (no package index)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return next((tmp / "dist").glob("layoutsim-*.whl"))


def test_wheel_carries_the_repositorys_demo_files_unchanged(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        for name in DEMO:
            assert whl.read(f"layoutsim/demo/{name}") == (ROOT / name).read_bytes(), name


def test_demo_from_a_wheel_writes_into_the_current_folder(wheel: Path, tmp_path: Path) -> None:
    target, here = tmp_path / "site", tmp_path / "here"
    here.mkdir()
    proc = _python("-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the dependencies come from this environment; layoutsim from the wheel, not from the repository
    proc = _python("-c", "import sys, layoutsim.cli as c; print(c.__file__); sys.exit(c.main(['demo']))",
                   cwd=here, pythonpath=target)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == str(target / "layoutsim" / "cli.py")
    assert (here / "maps" / "beiguan-baseline" / "index.html").is_file()
    assert [p.name for p in here.iterdir()] == ["maps"]
    assert not list(target.rglob("maps"))


def test_every_folder_of_the_package_is_in_the_wheel() -> None:
    """pyproject lists the packages (the demo's folders are mapped from scenarios/ and data/): none forgotten."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    package = ROOT / "layoutsim"
    found = {".".join(p.relative_to(ROOT).parts) for p in [package, *package.rglob("*")]
             if p.is_dir() and "__pycache__" not in p.parts}
    assert found - listed == set()
    assert listed - found == {"layoutsim.demo.scenarios.beiguan", "layoutsim.demo.data.beiguan"}


def test_outputs_default_to_the_current_folder(tiny: Path, tmp_path: Path) -> None:
    here = tmp_path / "here"
    here.mkdir()
    proc = _python("-m", "layoutsim.cli", "audit", str(tiny), cwd=here)
    assert proc.returncode == 0, proc.stderr
    assert (here / "maps" / "tiny-audit" / "findings.csv").is_file()
    proc = _python("-m", "layoutsim.cli", "synth", "beiguan", cwd=here)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (here / "data" / "beiguan").iterdir()} == {Path(n).name for n in DEMO[1:]}
