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


#: In the page: code (every ``<pre>``) that is not monospace, wraps its lines or cannot scroll
#: sideways, and elements that stick out of the window's right edge other than inside a box
#: that scrolls sideways (cut off by an ``overflow: hidden`` box, or widening the page).
#: Monospace is measured, not read from the CSS: ten i and ten W must be equally wide in the
#: font the browser picked.
LAYOUT_PROBLEMS_JS = r"""
const problems = [];
const ctx = document.createElement('canvas').getContext('2d');
const where = el => (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined
    ? '.' + String(el.className).trim().split(/\s+/).join('.') : '') + ' "'
    + (el.textContent || '').trim().slice(0, 40).replace(/\s+/g, ' ') + '"';
const monospace = el => {
  const s = getComputedStyle(el);
  ctx.font = s.fontStyle + ' ' + s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
  return Math.abs(ctx.measureText('iiiiiiiiii').width - ctx.measureText('WWWWWWWWWW').width) < 0.5;
};
for (const pre of document.querySelectorAll('pre')) {
  const s = getComputedStyle(pre);
  const fonts = new Set([s.fontFamily]);
  for (const inner of pre.querySelectorAll('*')) fonts.add(getComputedStyle(inner).fontFamily);
  if (!monospace(pre) || fonts.size > 1) problems.push('code not monospace: ' + s.fontFamily + ' in pre' + where(pre));
  if (s.whiteSpace !== 'pre') problems.push('code wraps: white-space ' + s.whiteSpace + ' in pre' + where(pre));
  if (!['auto', 'scroll'].includes(s.overflowX)) problems.push('code does not scroll: overflow-x ' + s.overflowX + ' in pre' + where(pre));
}
const right = window.innerWidth + 1;
const reported = new Set();
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.right <= right) continue;
  if (reported.has(el.parentElement)) { reported.add(el); continue; }
  let box = el.parentElement;
  while (box && box !== document.body && getComputedStyle(box).overflowX === 'visible') box = box.parentElement;
  const overflow = box && box !== document.body ? getComputedStyle(box).overflowX : 'visible';
  if (overflow === 'auto' || overflow === 'scroll') continue;
  reported.add(el);
  problems.push((overflow === 'visible' ? 'sticks out: ' : 'cut off: ') + el.tagName.toLowerCase() + where(el)
                + ' ends at ' + Math.round(r.right) + 'px in a ' + window.innerWidth + 'px window');
}
return problems.slice(0, 20);
"""


def check_pages(site: Path, tmp_path: Path, screenshots: dict[str, Path] | None = None) -> dict[str, list[str]]:
    """Open every HTML page of ``site`` at phone width; return the problems found, by page.

    A problem is: a console message of level SEVERE (script errors, failed loads), an image
    that did not load, a link to a file that does not exist, a resource fetched from the
    network (anything but ``file:`` and ``data:``), a page wider than the phone's screen, and
    the problems of :data:`LAYOUT_PROBLEMS_JS` (code not monospace, wrapped or not scrolling;
    an element sticking out or cut off).
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
            found += browser.execute_script(LAYOUT_PROBLEMS_JS)
            if screenshots and name in screenshots:
                browser.set_window_size(1280, 900)
                browser.get(page.resolve().as_uri())
                browser.save_screenshot(str(screenshots[name]))
            if found:
                problems[name] = found
    finally:
        browser.quit()
    return problems
