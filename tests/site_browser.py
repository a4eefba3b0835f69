"""Opening the static site's pages in headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Used by tests/test_site.py and tests/test_notebooks.py. Tests skip when Chromium, its driver or
selenium is missing, and fail instead when ``LENET_REQUIRE_BROWSER=1`` (as CI sets it).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
#: A phone's viewport (CSS pixels): pages must not scroll sideways at this width.
PHONE = (390, 844)


def require_browser():
    """``(chromium, chromedriver)`` paths; skips (or fails under LENET_REQUIRE_BROWSER=1) when absent."""
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    if chromium and driver:
        return chromium, driver
    message = ("headless Chromium not available (apt-get install chromium chromium-driver; "
               "pip install selenium)")
    if os.environ.get("LENET_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " and LENET_REQUIRE_BROWSER=1")
    pytest.skip(message)


def open_browser(tmp_path: Path):
    """A selenium Chrome driver on headless Chromium with a fresh profile; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def check_pages(site: Path, tmp_path: Path, screenshots: dict[str, Path] | None = None) -> dict[str, list[str]]:
    """Open every HTML page of ``site`` at phone width; return the problems found, by page.

    A problem is: a console message of level SEVERE (script errors, failed loads), an image
    that did not load, a link to a file that does not exist, a resource fetched from the
    network (anything but ``file:`` and ``data:``), or a page wider than the phone's screen.
    ``screenshots`` maps a page name (``index.html``) to a PNG path to save, at 1280x900.
    """
    problems: dict[str, list[str]] = {}
    browser = open_browser(tmp_path)
    try:
        for page in sorted(site.rglob("*.html")):
            name = page.relative_to(site).as_posix()
            found = []
            browser.set_window_size(*PHONE)
            browser.get(page.resolve().as_uri())
            found += [f"console: {e['message'][:200]}" for e in browser.get_log("browser") if e["level"] == "SEVERE"]
            broken = browser.execute_script(
                "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.src.slice(0, 80))")
            found += [f"broken image: {src}" for src in broken]
            for href in browser.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
                url = urlparse(href)
                if url.scheme == "file" and not Path(unquote(url.path)).exists():
                    found.append(f"broken link: {href}")
            resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            found += [f"network resource: {r}" for r in resources if not r.startswith(("file:", "data:"))]
            width, inner = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]")
            if width > inner + 1:
                found.append(f"wider than a phone: {width}px in a {inner}px window")
            if screenshots and name in screenshots:
                browser.set_window_size(1280, 900)
                browser.get(page.resolve().as_uri())
                browser.save_screenshot(str(screenshots[name]))
            if found:
                problems[name] = found
    finally:
        browser.quit()
    return problems
