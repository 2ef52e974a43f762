"""report.pdf: `run --pdf` prints the report with headless Chromium into the run's folder, A4, with its
Chinese text; a missing or failing Chromium is a clear error that leaves nothing behind.

Reads the PDF with poppler-utils (pdftotext, pdftoppm). No Chromium or poppler-utils: the tests FAIL,
telling what to install, unless LAYOUTSIM_NO_BROWSER=1, which makes them skip (as tests/browser.py).
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import write_tiny
from layoutsim import cli
from layoutsim.errors import LayoutsimError
from layoutsim.i18n import t
from layoutsim.pipeline import run
from layoutsim.render import pdf

TITLE = "样例县 基准方案"  # conftest.SCENARIO's title
FIRST_TABLE_HEADER = [t(k) for k in ("level", "pupils", "schools", "classes", "seats")]  # report's #by-level


def require_pdf_tools() -> None:
    """Fail (or skip with LAYOUTSIM_NO_BROWSER=1) when Chromium or poppler-utils is missing."""
    if os.environ.get("LAYOUTSIM_NO_BROWSER") == "1":
        pytest.skip("LAYOUTSIM_NO_BROWSER=1: browser tests skipped")
    if pdf.find_chromium() is None:
        pytest.fail("Chromium not found: `apt-get update && apt-get install -y chromium` "
                    "(or set LAYOUTSIM_NO_BROWSER=1 to skip browser tests)", pytrace=False)
    missing = [exe for exe in ("pdftotext", "pdftoppm") if shutil.which(exe) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: `apt-get update && apt-get install -y poppler-utils` "
                    "(or set LAYOUTSIM_NO_BROWSER=1 to skip browser tests)", pytrace=False)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario's output folder, run with pdf=True."""
    require_pdf_tools()
    base = tmp_path_factory.mktemp("pdf")
    return run(write_tiny(base), base / "out", pdf=True).out_dir


def _tool(*args: str) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_run_writes_the_report_as_pdf_beside_its_html(printed: Path) -> None:
    path = printed / "report.pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    assert (printed / "report.html").is_file()
    assert [p.name for p in printed.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left
    assert [p.name for p in printed.iterdir() if p.suffix == ".partial"] == []
    first_page = _tool("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-")
    assert TITLE in first_page
    for label in FIRST_TABLE_HEADER:
        assert label in first_page, label
    info = _tool("pdfinfo", str(path))
    assert "(A4)" in info


def test_the_map_prints_as_it_opens(printed: Path, tmp_path: Path) -> None:
    path = printed / "map.pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    text = _tool("pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", str(path), "-")
    assert TITLE in text and "图例" in text  # the title bar and the legend are on the printed map
    _tool("pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "map"))
    (png,) = tmp_path.glob("map-*.png")
    assert png.stat().st_size > 10_000, "the printed map looks blank"


def test_the_first_pages_render(printed: Path, tmp_path: Path) -> None:
    _tool("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(printed / "report.pdf"), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    for page in pages:
        data = page.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert sorted((width, height)) == [496, 702]  # A4 at 60 dpi
        assert len(data) > 10_000, f"{page.name} looks blank"


def test_missing_chromium_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    html = tmp_path / "report.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(LayoutsimError, match="apt-get install chromium"):
        pdf.print_pdf(html, tmp_path / "report.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    with pytest.raises(LayoutsimError, match="apt-get install chromium"):  # before anything is computed
        run(write_tiny(tmp_path / "sc"), tmp_path / "out", pdf=True)
    assert not (tmp_path / "out").exists()


def test_cli_pdf_without_chromium_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    status = cli.main(["run", str(write_tiny(tmp_path)), "--out", str(tmp_path / "out"), "--pdf"])
    out, err = capsys.readouterr()
    assert status == cli.EXIT_BAD_INPUT and out == ""
    assert "apt-get install chromium" in err
    assert not (tmp_path / "out").exists()


def test_a_failing_chromium_leaves_no_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_chromium", lambda: shutil.which("false"))
    html = tmp_path / "report.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(LayoutsimError, match="status 1"):
        pdf.print_pdf(html, tmp_path / "report.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
