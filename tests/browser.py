"""Open a local HTML file in a real Chromium with the network cut (test helper, not a conftest).

    from browser import open_page, screenshot    # or: from tests.browser import ...

    def test_map(tmp_path):
        path = tmp_path / "map.html"
        path.write_text(html, encoding="utf-8")
        with open_page(path) as (page, console_errors, requests_blocked):
            assert page.locator(".leaflet-container").count() == 1
            screenshot(page, tmp_path / "map.png")
        assert console_errors == [] and requests_blocked == []

Uses Playwright's Python API driving Debian's Chromium at /usr/bin/chromium (never
``playwright install``). Every request that is not file:, data: or blob: is aborted
and recorded in ``requests_blocked``; the browser also resolves no host names at all.
``console_errors`` collects console.error messages, uncaught page errors and any
alert/confirm/prompt dialog (dismissed): none of those is ever expected in our pages.

No Chromium: tests FAIL, telling to ``apt-get install chromium``, unless the
environment has LAYOUTSIM_NO_BROWSER=1, which makes them skip.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Second wall behind the request routing: no host name resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 20_000


def require_browser() -> None:
    """Fail (or skip with LAYOUTSIM_NO_BROWSER=1) when Chromium or Playwright is missing."""
    if os.environ.get("LAYOUTSIM_NO_BROWSER") == "1":
        pytest.skip("LAYOUTSIM_NO_BROWSER=1: browser tests skipped")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's Chromium with "
            "`apt-get update && apt-get install -y chromium` "
            "(or set LAYOUTSIM_NO_BROWSER=1 to skip browser tests)",
            pytrace=False,
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail('Playwright missing: pip install -e ".[test]" (never `playwright install`)', pytrace=False)


@contextmanager
def open_page(
    path: str | os.PathLike[str],
    *,
    viewport: tuple[int, int] = (1000, 700),
    locale: str = "zh-CN",
) -> Iterator[tuple[Page, list[str], list[str]]]:
    """Load the local file ``path`` in a fresh offline Chromium context.

    Yields ``(page, console_errors, requests_blocked)``; both lists keep filling
    while the block runs, so assert on them after the interactions you test.
    The page has loaded (``load`` event) when the block starts.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    url = Path(path).resolve().as_uri()
    console_errors: list[str] = []
    requests_blocked: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]},
                locale=locale,
                service_workers="block",
            )
            context.set_default_timeout(TIMEOUT_MS)

            def route(r) -> None:  # type: ignore[no-untyped-def]
                if r.request.url.startswith(LOCAL_SCHEMES):
                    r.continue_()
                else:
                    requests_blocked.append(r.request.url)
                    r.abort("internetdisconnected")

            context.route("**/*", route)
            if hasattr(context, "route_web_socket"):  # Playwright >= 1.48

                def ws_route(ws) -> None:  # type: ignore[no-untyped-def]
                    requests_blocked.append(ws.url)
                    ws.close()

                context.route_web_socket("**/*", ws_route)

            page = context.new_page()
            page.on(
                "console",
                lambda msg: console_errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type in ("error", "assert")
                else None,
            )
            page.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))

            def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
                console_errors.append(f"dialog {dialog.type}: {dialog.message}")
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(url, wait_until="load")
            yield page, console_errors, requests_blocked
        finally:
            browser.close()


def screenshot(page: Page, path: str | os.PathLike[str], *, full_page: bool = False) -> bytes:
    """Save a PNG of ``page`` to ``path`` (folders made as needed) and return its bytes."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(out), full_page=full_page, type="png")
    return data


def chromium_available() -> bool:
    """True when /usr/bin/chromium exists (for callers that only want to know)."""
    return shutil.which(CHROMIUM) is not None
