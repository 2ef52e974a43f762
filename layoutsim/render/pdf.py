"""``report.pdf``: a local HTML page printed to PDF by Debian's Chromium, headless, with the network off.

The page size and margins are the page's own print CSS (``@page``). No Python dependency: Chromium runs
as a subprocess with a throw-away profile; the PDF is written beside its destination and renamed into
place, so a failed or interrupted print leaves no half-written file.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import LayoutsimError

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 120
#: Headless printing with no network at all (tests/browser.py uses the same walls).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-pdf-header-footer",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1123,794",  # A4 landscape at 96 dpi: a map's opening view is drawn for the page it prints on
]


def find_chromium() -> str | None:
    """Debian's Chromium: /usr/bin/chromium, else ``chromium`` or ``chromium-browser`` on PATH."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """Chromium's path, or :class:`LayoutsimError` telling how to install it."""
    exe = find_chromium()
    if exe is None:
        raise LayoutsimError(f"cannot print the PDF: Chromium not found ({CHROMIUM}, or chromium on PATH); "
                             "install it with `apt-get install chromium`")
    return exe


def print_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the local HTML file ``html_path`` to ``pdf_path`` (A4 by the page's ``@page`` rule)."""
    exe = require_chromium()
    pdf_path = Path(pdf_path)
    fd, name = tempfile.mkstemp(prefix=f".{pdf_path.name}.", suffix=".partial", dir=pdf_path.parent)
    os.close(fd)
    tmp = Path(name)
    profile = tempfile.mkdtemp(prefix="layoutsim-chromium-")
    cmd = [exe, *CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}",
           Path(html_path).resolve().as_uri()]
    try:
        # its own process group, so a timeout or Ctrl-C ends Chromium and all its helpers
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", start_new_session=True)
        try:
            _, err = proc.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise LayoutsimError(f"cannot print {pdf_path.name}: Chromium took more than {TIMEOUT_S} s") from None
        finally:
            _kill_group(proc)
        with open(tmp, "rb") as f:
            ok = f.read(5) == b"%PDF-"
        if proc.returncode != 0 or not ok:
            tail = "\n".join(err.strip().splitlines()[-5:])
            raise LayoutsimError(f"cannot print {pdf_path.name}: Chromium exited with status {proc.returncode} "
                                 f"and wrote no PDF" + (f":\n{tail}" if tail else ""))
        tmp.chmod(0o644)  # mkstemp makes it private; outputs are for sharing
        os.replace(tmp, pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """End Chromium's process group (its helpers may outlive the main process) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
