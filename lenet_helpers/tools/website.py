"""The executed series as a static web site: ``make site`` / ``python -m lenet_helpers site``.

:func:`build_site` turns the executed notebooks of ``artifacts/notebooks/`` (written by
``make run``) and the executed exercise solutions of ``artifacts/notebooks/solutions/`` into
``artifacts/site/``:

* ``index.html``, the course's landing page: what the series teaches (learning outcomes), what a
  student needs first, how to run it (the README's commands), the notebooks in order with one
  plain line each (:data:`STUDENT_BLURBS`, else the notebook's row of the README's table "What
  the series teaches", else the first sentence of its introduction) and the wall time each took
  (papermill's), and a results table read from the checkpoint the run wrote
  (``artifacts/lenet5_mnist.pt``, else the reference model shipped with the package);
* ``NN_name.html`` for every notebook, with its outputs and figures, links to the previous
  and next notebook, to the index and to its exercise solutions; a widget, which needs a
  kernel, is shown as a screenshot (:data:`WIDGET_SCREENSHOTS`: notebook 11's sketchpad);
* ``solutions/NN_name.html`` for every solution notebook.

Pages are rendered by nbconvert's ``HTMLExporter`` with the JupyterLab look (template
``lenet_helpers/tools/site_template``, which extends nbconvert's ``lab`` template and drops every
script it would fetch from a CDN: require.js, the widget manager, MathJax, Mermaid). Figures
are embedded as data URIs, so every page opens from the file system without a network and
the folder can be copied anywhere (a course web server, a USB stick). Absolute paths of the
machine that ran the notebooks (the repository, ``$LENET_ARTIFACTS_DIR``, the data folder,
the Python installation, the home and temporary folders) are replaced by relative names in
the outputs before rendering. Links between notebooks (``04_training.ipynb``) point to their
pages; links to other files of the repository are kept as text (they are not in the site).
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import os
import posixpath
import re
import shutil
import site
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from lenet_helpers.files import current_umask, file_in_the_way
from lenet_helpers.models import count_parameters
from lenet_helpers.readings.text import count
from lenet_helpers.settings import REPO_ROOT, artifacts_dir, data_dir, figures_dir, machine
from lenet_helpers.tools.notebooks import run_notebook
from lenet_helpers.training.checkpoint import load_checkpoint
from lenet_helpers.training.reference import reference_checkpoint

#: Folder of the nbconvert template the pages are rendered with.
TEMPLATE_DIR = Path(__file__).resolve().parent / "site_template"


#: Where the stored (unexecuted) notebooks and solutions live.
SOURCE_NOTEBOOKS = REPO_ROOT / "notebooks"


#: Added to every page: readable on a phone (no sideways scrolling of the page itself, only of
#: wide code and tables, each in its own box), comfortable on a projector (a wider column and
#: larger text on large screens). All code is monospace and keeps its lines: input cells, text
#: outputs, IPython's ``Code()`` (highlighted HTML, whose ``<pre>`` JupyterLab's export gives the
#: prose font) and code in the prose. ``!important`` because outputs bring their own CSS.
#: Docstrings take the comments' colour, not the strings' red: a class's source is mostly docstring.
#: On a phone, output tables keep each row on one line (they scroll instead of growing tall), and
#: a figure, scaled down to the column, opens at its own size on a tap (:data:`FIGURE_TAP_JS`;
#: it then scrolls sideways in its own box) so that its 10 pt labels can be read.
SITE_CSS = """
:root { --jp-code-font-size: 14px; --jp-content-font-size1: 15px; --jp-cell-prompt-width: 84px;
  --site-mono: Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; }
main, .site-index { max-width: 1100px; margin: 0 auto; padding: 0 16px 24px; box-sizing: border-box; }
body.jp-Notebook { padding: 0; }
.jp-Notebook main { padding-top: 8px; }
img { max-width: 100%; height: auto; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
pre, pre *, code, kbd, samp { font-family: var(--site-mono) !important; }
pre { white-space: pre !important; word-break: normal !important; overflow-wrap: normal !important;
  overflow-x: auto !important; max-width: 100%; }
.jp-OutputArea-output pre { padding-bottom: 4px; }
.jp-Cell, .jp-Cell-inputWrapper, .jp-Cell-outputWrapper, .jp-InputArea, .jp-InputArea-editor,
.jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { min-width: 0; max-width: 100%; }
.jp-InputArea-editor { overflow-x: auto; }
.jp-OutputArea-child .jp-OutputArea-output.jp-RenderedImage { display: block; overflow-x: auto; max-width: 100%; }
.jp-RenderedImage img.site-zoomable { cursor: zoom-in; }
.jp-RenderedImage img.site-full-size { max-width: none !important; cursor: zoom-out; }
.site-phone-hint { display: none; }
.site-scroll-hint { margin: 4px 0; font-family: system-ui, sans-serif; font-size: 14px; color: #444; }
.site-scroll-hint[hidden] { display: none; }
.jp-RenderedHTMLCommon table { display: block; overflow-x: auto; max-width: 100%; }
.highlight .sd { color: #3D7B7B; }
.jp-OutputArea-output .highlight { background: #f7f7f7; padding: 4px 6px; }
.jp-OutputArea-output .highlight pre { background: transparent; }
.site-widget-shot { margin: 8px 0 16px; padding: 8px; border: 1px solid #ccc; background: #fafafa;
  font-family: system-ui, sans-serif; }
.site-widget-shot img { display: block; border: 1px solid #ddd; background: #fff; }
.site-widget-shot figcaption { margin-top: 6px; font-size: 0.95em; color: #333; }
.site-nav { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: baseline; max-width: 1100px;
  margin: 0 auto; padding: 10px 16px; box-sizing: border-box; font-family: system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; font-size: 16px; border-bottom: 1px solid #ccc; background: #f7f7f7; }
.site-nav.bottom { border-bottom: 0; border-top: 1px solid #ccc; margin-top: 24px; }
.site-nav a { color: #0b57d0; text-decoration: none; }
.site-nav a:hover { text-decoration: underline; }
.site-nav .home { font-weight: 600; }
.site-nav .spacer { flex: 1 1 auto; }
.site-nav .solutions { font-weight: 600; }
.site-note { max-width: 1100px; margin: 8px auto; padding: 8px 16px; box-sizing: border-box;
  background: #fff4ce; border-left: 4px solid #e0a800; font-family: system-ui, sans-serif; font-size: 15px; }
a.repo-file { color: inherit; text-decoration: none; border-bottom: 1px dotted #888; }
@media only screen and (max-width: 760px) {
  .jp-InputPrompt, .jp-OutputPrompt { display: none; }
  .jp-OutputArea-output td, .jp-OutputArea-output th { white-space: nowrap; }
  .site-nav { font-size: 15px; }
  .site-phone-hint { display: block; max-width: 1100px; margin: 6px auto 0; padding: 0 16px; box-sizing: border-box;
    font-family: system-ui, sans-serif; font-size: 14px; color: #444; }
}
@media only screen and (min-width: 1600px) {
  :root { --jp-code-font-size: 16px; --jp-content-font-size1: 18px; }
  main, .site-index, .site-nav, .site-note { max-width: 1400px; }
  body { font-size: 18px; }
}
"""


#: Every page's one script (inline: the site fetches nothing): a figure shown smaller than its own
#: size (a phone, a narrow window) gets a zoom cursor, and a tap or click switches it between
#: fitting the column and its own size, where it scrolls sideways in its output box.
FIGURE_TAP_JS = """
document.querySelectorAll('.jp-RenderedImage img').forEach(function (img) {
  function mark() { img.classList.toggle('site-zoomable', img.naturalWidth > img.clientWidth + 1); }
  if (img.complete) { mark(); } else { img.addEventListener('load', mark); }
  window.addEventListener('resize', mark);
  img.addEventListener('click', function () {
    if (img.classList.contains('site-full-size') || img.naturalWidth > img.clientWidth + 1) {
      img.classList.toggle('site-full-size');
    }
  });
});
"""

#: A table wider than its column (output tables keep each row on one line on a phone; markdown
#: tables may be wide too) gets a line above it saying that it scrolls sideways; the line is
#: hidden while the table fits, and follows the window's size.
TABLE_HINT_JS = """
document.querySelectorAll('.jp-RenderedHTMLCommon table').forEach(function (table) {
  var hint = document.createElement('p');
  hint.className = 'site-scroll-hint';
  hint.textContent = 'This table is wider than the screen: scroll it sideways for the other columns \u2192';
  table.parentNode.insertBefore(hint, table);
  function mark() { hint.hidden = table.scrollWidth <= table.clientWidth + 1; }
  mark();
  window.addEventListener('resize', mark);
});
"""

#: Shown above each notebook page on a phone only (CSS), under the navigation.
PHONE_HINT = ('<p class="site-phone-hint">Figures are scaled to the screen: tap one to see it at its own '
              'size (then scroll it sideways), tap again to fit it.</p>')


#: The index page's own CSS (it is not a notebook, so it does not carry JupyterLab's).
INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  font-size: 17px; line-height: 1.5; color: #1f1f1f; background: #fff; }
h1 { font-size: 1.9em; margin: 0.6em 0 0.3em; }
h2 { font-size: 1.35em; margin: 1.4em 0 0.4em; border-bottom: 1px solid #ddd; }
code { font-size: 0.92em; background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #e2e2e2; }
th { background: #f7f7f7; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; max-width: 100%; }
ol.notebooks { padding-left: 0; list-style: none; }
ol.notebooks li { margin: 0 0 14px; }
ol.notebooks .title { font-size: 1.1em; font-weight: 600; }
ol.notebooks .meta { color: #555; font-size: 0.9em; }
a { color: #0b57d0; }
.small { color: #555; font-size: 0.9em; }
.lead { font-size: 1.15em; }
ul.outcomes li { margin: 0 0 6px; }
.meta { color: #555; font-size: 0.9em; }
p code, li code { white-space: nowrap; }
.code-block pre { background: #f2f2f2; padding: 10px 12px; border-radius: 4px; font-size: 14px; line-height: 1.45; }
"""


#: The output type of a Jupyter widget: a static page cannot run one.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

#: Screenshots shown on a static page in place of a notebook's widget, by notebook stem:
#: ``(PNG name, alt text, caption HTML)``. The PNG is taken from ``artifacts/figures/``
#: (tests/test_browser_sketchpad.py saves it there), else from the copy beside the template.
WIDGET_SCREENSHOTS = {
    "11_draw_a_digit": (
        "11_sketchpad_browser.png",
        "The sketchpad in JupyterLab: a hand-drawn 7 on the left; on the right the digit it was read as "
        "with its probability, the 28x28 and 32x32 images the drawing became, the softmax bars of the "
        "ten digits and the conv1 and conv2 feature maps.",
        "<strong>A screenshot of the sketchpad widget in JupyterLab</strong>, after drawing a 7. On this "
        "static page the drawing pad does not work: it needs a running Jupyter kernel to read the drawing. "
        "Open the notebook in JupyterLab (<code>make lab</code>) and run all cells to draw your own digits.",
    ),
}

#: Absolute path patterns that must not appear in a page (checked by :func:`leftover_paths`).
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+")


class SiteError(RuntimeError):
    """The site cannot be built (for example no executed notebooks); the message says what to do."""


@dataclass
class Page:
    """One notebook of the site: its executed copy, its title and summary, its solution."""

    path: Path                      # the executed notebook (or the stored one if not executed)
    number: str                     # "05"
    title: str                      # "05 · Learning curves"
    summary_html: str               # one line, HTML
    executed: bool
    seconds: float | None = None    # papermill wall time
    parameters: dict = field(default_factory=dict)  # injected by papermill
    solution: Path | None = None
    solution_executed: bool = False

    @property
    def html_name(self) -> str:
        return self.path.stem + ".html"


@dataclass
class SiteReport:
    """What :func:`build_site` wrote."""

    out_dir: Path
    pages: list[Path]
    bytes: int
    warnings: list[str]

    def __str__(self) -> str:
        return (f"Site: {len(self.pages)} pages, {self.bytes / 1e6:.1f} MB in {self.out_dir} "
                f"(open {self.out_dir / 'index.html'})")


def _is_executed(nb) -> bool:
    code = [c for c in nb.cells if c.cell_type == "code"]
    return bool(code) and any(c.get("execution_count") is not None for c in code)


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _first_sentence(nb) -> str:
    """The first sentence of the introduction, without the title and the bold "part N of M." lead."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = " ".join(line for line in cell.source.splitlines() if not line.startswith("#")).strip()
        text = re.sub(r"^\*\*[^*]*\*\*\s*", "", text)  # "**LeNet-5 on MNIST, part 5 of 9.**"
        if text:
            match = re.match(r"(.+?[.!?])(\s|$)", text)
            return (match.group(1) if match else text)[:300]
    return ""


def readme_summaries(readme: str | os.PathLike = REPO_ROOT / "README.md") -> dict[str, str]:
    """``{notebook stem: one-line Markdown}`` from the README's table rows ``| `01_data_loading` | ... |``."""
    try:
        text = Path(readme).read_text(encoding="utf-8")
    except OSError:
        return {}
    rows = re.findall(r"^\|\s*`(\d\d_[A-Za-z0-9_]+)`\s*\|\s*(.+?)\s*\|\s*$", text, flags=re.M)
    return dict(rows)


def _inline_markdown(text: str) -> str:
    """Markdown of one line (code spans, emphasis) as HTML, without the paragraph tags."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out = markdown2html_mistune(text).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", out, flags=re.S)


def _find_solution(number: str, executed_dir: Path, source_dir: Path) -> tuple[Path | None, bool]:
    for folder, executed in ((executed_dir, True), (source_dir, False)):
        found = sorted(folder.glob(f"{number}_*.ipynb")) if folder.is_dir() else []
        if found:
            nb = nbformat.read(found[0], as_version=4)
            return found[0], executed and _is_executed(nb)
    return None, False


def collect_pages(notebooks_dir: Path, solutions_dir: Path | None = None,
                  source_solutions_dir: Path | None = None) -> list[Page]:
    """The numbered notebooks of ``notebooks_dir`` in order, with their solutions.

    A solution is taken executed from ``solutions_dir`` (default ``notebooks_dir/solutions``),
    else as stored from ``source_solutions_dir`` (default ``notebooks/solutions``, shown
    without outputs).

    Raises:
        SiteError: no ``NN_*.ipynb`` in ``notebooks_dir``.
    """
    notebooks_dir = Path(notebooks_dir)
    solutions_dir = Path(solutions_dir) if solutions_dir else notebooks_dir / "solutions"
    source_solutions_dir = Path(source_solutions_dir) if source_solutions_dir else SOURCE_NOTEBOOKS / "solutions"
    paths = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SiteError(f"no executed notebooks (NN_*.ipynb) in {notebooks_dir}: run `make run` "
                        f"(or `python -m lenet_helpers run`) first")
    summaries = readme_summaries()
    pages = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        number = path.name[:2]
        summary = summaries.get(path.stem)
        if path.stem in STUDENT_BLURBS:
            summary_html = html.escape(STUDENT_BLURBS[path.stem])
        elif summary:
            summary_html = _inline_markdown(summary)
        else:
            summary_html = html.escape(_first_sentence(nb))
        pm = nb.metadata.get("papermill", {})
        solution, solution_executed = _find_solution(number, solutions_dir, source_solutions_dir)
        pages.append(Page(path=path, number=number, title=_title(nb, path.stem), summary_html=summary_html,
                          executed=_is_executed(nb), seconds=pm.get("duration"),
                          parameters=dict(pm.get("parameters") or {}), solution=solution,
                          solution_executed=solution_executed))
    return pages


def path_replacements(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """``(absolute prefix, replacement)`` pairs, longest prefix first.

    The artifacts folder becomes ``artifacts``, the data folder ``data``, the repository
    ``.``, the Python installation ``<python>``, the home folder ``~`` and the temporary
    folder ``<tmp>``; ``extra`` adds pairs (the folder of the executed notebooks, for one).
    """
    pairs = dict(extra or {})
    pairs.setdefault(str(artifacts_dir()), "artifacts")
    pairs.setdefault(str(data_dir()), "data")
    pairs.setdefault(str(REPO_ROOT), ".")
    for sp in [*getattr(site, "getsitepackages", lambda: [])(), site.getusersitepackages()]:
        pairs.setdefault(str(sp), "<python>/site-packages")
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        pairs.setdefault(str(prefix), "<python>")
    pairs.setdefault(str(Path.home()), "~")
    pairs.setdefault(tempfile.gettempdir(), "<tmp>")
    for key in list(pairs):  # the same folders through symlinks (e.g. /tmp -> /private/tmp)
        real = os.path.realpath(key)
        if real != key:
            pairs.setdefault(real, pairs[key])
    return sorted(((k, v) for k, v in pairs.items() if k not in ("", "/")), key=lambda kv: -len(kv[0]))


def _replace_paths(text: str, pairs) -> str:
    for prefix, repl in pairs:
        if prefix in text:
            text = re.sub(re.escape(prefix) + r"(?=[/\\'\"\s:,)\]]|$)", repl.replace("\\", r"\\"), text)
    return text


def scrub_paths(nb, pairs) -> None:
    """Replace absolute path prefixes in ``nb``'s outputs (text, HTML, tracebacks) in place.

    Images are left alone: only text fields are rewritten.
    """
    def fix(value):
        if isinstance(value, str):
            return _replace_paths(value, pairs)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [_replace_paths(v, pairs) for v in value]
        return value

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = fix(out["text"])
            if "traceback" in out:
                out["traceback"] = fix(out["traceback"])
            if "evalue" in out:
                out["evalue"] = fix(out["evalue"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime in ("application/json",):
                    out["data"][mime] = fix(value)
    for key in ("papermill",):  # not rendered, but keep the pages' sources clean too
        nb.metadata.pop(key, None)


def leftover_paths(text: str, prefixes=("/work", "/root", "/tmp", "/home", "/Users", "C:\\")) -> list[str]:
    """Absolute paths left in a page's text (data URIs excluded): the site must have none."""
    text = _DATA_URI.sub("data:", text)
    found = []
    for prefix in prefixes:
        # the prefix must be a whole folder name: /tmp/x and /tmp are paths, /tmpr_pvhio9 (the end of
        # "<tmp>/tmpr_pvhio9", a temporary folder already made relative) is not
        whole = "" if prefix.endswith(("/", "\\")) else r"(?=[/\\\s\"'<>:,;)\]]|$)"
        for match in re.finditer(re.escape(prefix) + whole + r"[^\s\"'<>]*", text):
            before = text[max(0, match.start() - 1):match.start()]
            if before and (before.isalnum() or before in "._-"):  # part of a longer word, e.g. a/work
                continue
            found.append(match.group(0))
    return found


def _nav(page: Page, pages: list[Page], bottom: bool = False, up: str = "") -> str:
    i = pages.index(page)
    prev_page = pages[i - 1] if i > 0 else None
    next_page = pages[i + 1] if i + 1 < len(pages) else None
    parts = [f'<a class="home" href="{up}index.html">LeNet-5 on MNIST</a>',
             f'<span class="where">{html.escape(page.number)} of {html.escape(pages[-1].number)}</span>',
             '<span class="spacer"></span>']
    if prev_page:
        parts.append(f'<a rel="prev" href="{up}{prev_page.html_name}">&larr; {html.escape(prev_page.title)}</a>')
    if next_page:
        parts.append(f'<a rel="next" href="{up}{next_page.html_name}">{html.escape(next_page.title)} &rarr;</a>')
    if page.solution is not None:
        parts.append(f'<a class="solutions" href="{up}solutions/{page.solution.stem}.html">Solutions to the exercises</a>')
    cls = "site-nav bottom" if bottom else "site-nav"
    return f'<nav class="{cls}" aria-label="series">{" ".join(parts)}</nav>'


def _solution_nav(page: Page, bottom: bool = False) -> str:
    cls = "site-nav bottom" if bottom else "site-nav"
    return (f'<nav class="{cls}" aria-label="series"><a class="home" href="../index.html">LeNet-5 on MNIST</a>'
            f'<span class="spacer"></span>'
            f'<a rel="up" href="../{page.html_name}">&larr; back to {html.escape(page.title)}</a></nav>')


def _rewrite_links(body: str, site_names: set[str], in_solutions: bool, warnings: list[str], page_name: str) -> str:
    """Point links to notebooks (``04_training.ipynb``, ``solutions/04_training.ipynb``) to their pages.

    Hrefs are read relative to the notebook's stored folder (``notebooks/`` or
    ``notebooks/solutions/``); links to other files of the repository are kept as text.
    """
    here = "notebooks/solutions" if in_solutions else "notebooks"

    def fix(match):
        tag, href = match.group(0), html.unescape(match.group(1))
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#", href):  # http:, https:, mailto:, data:, #anchor
            return tag
        target, _, anchor = href.partition("#")
        resolved = posixpath.normpath(posixpath.join(here, target)) if target else ""
        key = None
        if resolved.endswith((".ipynb", ".html")):  # nbconvert already turns x.ipynb into x.html
            stem = posixpath.splitext(posixpath.basename(resolved))[0]
            if posixpath.dirname(resolved) == "notebooks":
                key = f"{stem}.html"
            elif posixpath.dirname(resolved) == "notebooks/solutions":
                key = f"solutions/{stem}.html"
        if key in site_names:
            new = posixpath.relpath(key, "solutions") if in_solutions else key
            return f'<a href="{html.escape(new + ("#" + anchor if anchor else ""))}"'
        message = f"{page_name}: link to {href} kept as text (not part of the site)"
        if message not in warnings:
            warnings.append(message)
        return f'<a class="repo-file" title="{html.escape(href)} in the repository"'

    return re.sub(r'<a\s+href="([^"]*)"', fix, body)


def _strip_css_comments(page: str) -> str:
    """Remove ``/* ... */`` comments inside ``<style>`` blocks (JupyterLab's CSS cites web pages in them)."""
    def strip(match):
        return re.sub(r"/\*.*?\*/", "", match.group(0), flags=re.S)

    return re.sub(r"<style[^>]*>.*?</style>", strip, page, flags=re.S)


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATE_DIR.parent)], template_name=TEMPLATE_DIR.name)
    exporter.embed_images = True       # Markdown images too, as data URIs
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    exporter.exclude_anchor_links = True
    return exporter


def widget_screenshot(png_name: str) -> Path | None:
    """The PNG ``png_name`` from ``artifacts/figures/``, else from the template folder; None if in neither."""
    for folder in (figures_dir(), TEMPLATE_DIR):
        if (folder / png_name).is_file():
            return folder / png_name
    return None


def show_widget_screenshot(nb, stem: str) -> bool:
    """Put the screenshot of notebook ``stem``'s widget (:data:`WIDGET_SCREENSHOTS`) into ``nb``.

    The picture replaces the widget's output (which a static page leaves empty); a notebook
    without one (not executed) gets it in a new cell after its introduction. Returns whether
    a picture was added (False: no screenshot for this notebook, or its PNG is missing).
    """
    if stem not in WIDGET_SCREENSHOTS:
        return False
    png_name, alt, caption = WIDGET_SCREENSHOTS[stem]
    png = widget_screenshot(png_name)
    if png is None:
        return False
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    figure = (f'<figure class="site-widget-shot"><img src="data:image/png;base64,{data}" '
              f'alt="{html.escape(alt)}"><figcaption>{caption}</figcaption></figure>')
    widget_outputs = [out for cell in nb.cells for out in cell.get("outputs", []) if WIDGET_MIME in out.get("data", {})]
    for out in widget_outputs:
        out["data"] = {"text/html": figure}
    if not widget_outputs:
        nb.cells.insert(min(1, len(nb.cells)), nbformat.v4.new_markdown_cell(figure))
    return True


def render_notebook(path: Path, title: str, nav_top: str, nav_bottom: str, pairs, note: str = "",
                    screenshots: bool = True) -> str:
    """One notebook as a standalone HTML page (outputs and figures included).

    With ``screenshots``, a widget listed in :data:`WIDGET_SCREENSHOTS` is shown as its screenshot.
    """
    nb = nbformat.read(path, as_version=4)
    scrub_paths(nb, pairs)
    if screenshots:
        show_widget_screenshot(nb, path.stem)
    resources = {
        "metadata": {"name": title, "path": str(SOURCE_NOTEBOOKS)},
        "site": {"css": SITE_CSS, "nav_top": nav_top + note + PHONE_HINT, "nav_bottom": nav_bottom,
                 "script": FIGURE_TAP_JS + TABLE_HINT_JS},
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return _strip_css_comments(body)


def _results_rows(checkpoint: Path | None) -> tuple[str, list[tuple[str, str]]]:
    """(where the figures come from, rows of the results table) from a checkpoint's metadata."""

    candidates = []
    if checkpoint is not None:
        candidates.append((Path(checkpoint), "the checkpoint this run wrote"))
    try:
        candidates.append((reference_checkpoint(), "the reference model shipped with lenet_helpers "
                                                   "(no checkpoint beside the executed notebooks)"))
    except (ImportError, FileNotFoundError):
        pass
    for path, source in candidates:
        if not path.is_file():
            continue
        try:
            model, meta = load_checkpoint(path)
        except (RuntimeError, OSError):
            continue

        rows = [("model", f"{html.escape(str(meta.get('architecture', type(model).__name__)))}, "
                          f"{count_parameters(model):,} parameters")]
        training = f"{count(meta.get('epochs'), 'epoch')}, seed {meta.get('seed', '?')}"
        if meta.get("augment"):
            training += ", with augmentation"
        if meta.get("subset"):
            training += f", first {meta['subset']:,} digits of each split only (a quick run)"
        rows.append(("training", html.escape(training)))
        if "valid_acc" in meta:
            rows.append(("validation accuracy (last epoch)", f"{meta['valid_acc']:.2f}%"))
        if "test_acc" in meta:
            rows.append(("test accuracy (scored once)", f"<strong>{meta['test_acc']:.2f}%</strong>"))
        v = meta.get("versions", {})
        if v:
            rows.append(("trained with", html.escape(", ".join(f"{k} {v[k]}" for k in ("python", "torch", "torchvision") if k in v)
                                                     + (f" on {meta['device']}" if meta.get("device") else ""))))
        return source, rows
    return "no checkpoint found", []


#: One line per notebook for a student who has not started (the README's table is written for
#: the instructor, in the words the notebooks teach); a notebook not listed here gets its
#: README row, else the first sentence of its introduction.
STUDENT_BLURBS = {
    "01_data_loading": "Download the 70,000 handwritten digits of MNIST, look at one digit pixel by pixel "
                       "and count how many images there are of each digit.",
    "02_resizing_32x32": "Why LeNet-5 wants 32x32 images, how a digit is resized, and how the digits are "
                         "split into training, validation and test sets and served in small batches.",
    "03_lenet5_summary": "The network itself: its code, a table of its layers with the size of what each "
                         "one outputs, and how many numbers (parameters) it has to learn.",
    "04_training": "Train the network for 15 passes over the training digits, watch it on digits it does "
                   "not train on, and measure its accuracy on the test digits once, at the end.",
    "05_learning_curves": "Plot how the error and the accuracy changed during training, and learn to read "
                          "such curves.",
    "06_sample_predictions": "The network's answers on test digits with how sure it was: its mistakes, and "
                             "the right answers it was least sure of.",
    "07_confusion_matrix": "Count which digits are mistaken for which, in one table (a confusion matrix), "
                           "and find the hardest digits.",
    "08_feature_maps": "Look inside: the images each layer computes from one digit, and the small "
                       "filters the first layer learned.",
    "09_your_own_digits": "Prepare a picture of a digit written on paper the way MNIST was made, step by "
                          "step, and let the network read it; then try your own.",
    "10_architectures": "Eight networks trained the same way, from LeNet-5 variants to one without "
                        "convolutions: how accurate, how big and how fast each is.",
    "11_draw_a_digit": "Draw a digit with the mouse, a finger or a pen and watch the network read it after "
                       "each stroke (in JupyterLab; this site shows a screenshot).",
    "12_what_the_network_looks_at": "Why does the network get a digit wrong? Maps of the pixels its answer "
                                    "rests on, and the training digits most like the one it misread.",
    "13_robustness": "How robust is it? Accuracy when digits are shifted, rotated, resized, thickened or "
                     "noisy, and what training on randomly shifted, rotated and scaled digits changes.",
}

#: What a student can do after the series, with the notebooks that teach it.
LEARNING_OUTCOMES = [
    (("01", "02"), "Load the MNIST digits with torchvision and inspect them (pixel values, labels, digits "
                   "per class), then prepare them for LeNet-5: 28x28 resized to 32x32, a validation split "
                   "held out of the training set, batches from a <code>DataLoader</code>."),
    (("03",), "Build LeNet-5 in PyTorch, read its layer table (output shapes, parameters per layer) and "
              "count its parameters yourself."),
    (("04",), "Train it with Adam, watching a validation split, and score the test set only once."),
    (("05", "06", "07"), "Read learning curves, the network's confidence and a confusion matrix: is it still "
                         "learning, which digits does it confuse, how sure is it when it is wrong?"),
    (("08",), "Look at the feature maps of each layer and at the filters the first layer learned."),
    (("09", "11"), "Read your own handwriting: turn a photo or a drawing into an MNIST-like digit and let the "
                   "network read it."),
    (("10",), "Compare architectures under one training recipe: tanh and average pooling against ReLU and "
              "max pooling, a version closer to the 1998 paper, a network with no convolutions."),
    (("12", "13"), "Ask why it errs with attribution maps (saliency, occlusion) and nearest training digits, "
                   "and measure its robustness to shifts, rotation, scale, stroke width and noise, with and "
                   "without data augmentation."),
]

#: How to run the series, copied exactly from the README ("Set-up: two commands", "Getting started";
#: tests/test_site.py checks that every line is in README.md).
RUN_COMMANDS = """git clone <this repository's URL> lenet5-mnist
cd lenet5-mnist
make run    # creates .venv, installs the package, gets MNIST, executes notebooks 01-13, prints a summary
make lab    # JupyterLab on notebooks/
make test   # runs the test suite (unit tests + every notebook with quick settings)"""


def format_duration(seconds: float) -> str:
    """``12 s`` under a minute, else ``3 min 5 s``."""
    s = round(seconds)
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60} s"


def _notebook_links(numbers, pages: list[Page]) -> str:
    names = {p.number: p.html_name for p in pages}
    return ", ".join(f'<a href="{names[n]}">{n}</a>' if n in names else n for n in numbers)


def render_index(pages: list[Page], checkpoint: Path | None, built: str) -> str:
    """The index page, a course landing page.

    What the series teaches (learning outcomes), what a student needs before starting, how to
    run it, the notebooks in order with one line each and the wall time each took (and the
    total, and the machine), and the results table read from ``checkpoint``.
    """
    items = []
    timed = [p.seconds for p in pages if p.seconds is not None]
    for p in pages:
        meta = []
        if p.seconds is not None:
            meta.append(f"runs in {format_duration(p.seconds)}")
        if not p.executed:
            meta.append("not executed: shown without outputs")
        if p.solution is not None:
            meta.append(f'<a href="solutions/{p.solution.stem}.html">solutions to its exercises</a>')
        items.append(f'<li><a class="title" href="{p.html_name}">{html.escape(p.title)}</a><br>'
                     f'{p.summary_html}<br><span class="meta">{" · ".join(meta)}</span></li>')
    outcomes = "".join(f"<li>{text} <span class=\"meta\">(notebook{'s' if len(numbers) > 1 else ''} "
                       f"{_notebook_links(numbers, pages)})</span></li>" for numbers, text in LEARNING_OUTCOMES)
    if timed:
        which = f"the {len(pages)}" if len(timed) == len(pages) else f"{len(timed)} of the {len(pages)}"
        timing = (f"<p>Time to run: <strong>{format_duration(sum(timed))}</strong> for {which} notebooks, "
                  f"each one's below: the time it took when <code>make run</code> executed it, start to end. "
                  f"Notebook 10 reuses the networks an earlier run saved (and notebook 13 the augmented model, "
                  f"when you train your own), so its first run in a fresh clone can take longer than shown here. "
                  f"Reading a notebook and doing its exercises takes longer.</p>"
                  f'<p class="small">This site was built on {html.escape(machine())}: the times were measured '
                  f"there if <code>make run</code> ran on the same machine.</p>")
    else:
        timing = "<p>No run times: these notebooks were not executed by papermill (<code>make run</code>).</p>"
    params = {k: v for p in pages for k, v in p.parameters.items()}
    note = ""
    if params:
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        note = (f'<p class="small"><strong>Executed with changed settings:</strong> {html.escape(shown)} '
                f"(so figures, numbers and times differ from a run with the notebooks' own settings).</p>")
    source, rows = _results_rows(checkpoint)
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>LeNet-5 on MNIST: a course in {count(len(pages), 'notebook')}</title>
<style type="text/css">{INDEX_CSS}{SITE_CSS}</style>
</head>
<body>
<div class="site-index">
<h1>LeNet-5 on MNIST</h1>
<p class="lead">A hands-on course in {count(len(pages), 'Jupyter notebook')}: build, train and take apart LeNet-5
(LeCun et al. 1998), a classic convolutional network for reading handwritten digits, on the MNIST
digits.</p>
<p>Notebooks 01-09 follow <em>the reference tutorial</em>, a PyTorch tutorial that trains LeNet-5 on
MNIST: digits resized to 32x32, tanh activations, average pooling, the Adam optimiser for 15 epochs,
with a torchsummary table of the layers, learning curves, a confusion matrix and feature maps.
The series takes those steps one notebook at a time and explains what each figure shows (and it
checks the model on a validation split held out of the training digits, where the tutorial uses
the test digits). Notebooks 10-13 go beyond it: other architectures, drawing your own digit, why
the network errs and how robust it is. Every page below is a notebook executed top to bottom,
with its outputs and figures.</p>

<h2 id="outcomes">What you will learn</h2>
<ul class="outcomes">{outcomes}</ul>

<h2 id="prerequisites">Before you start</h2>
<ul>
<li><strong>Python</strong>: functions, loops, lists and dictionaries.</li>
<li><strong>NumPy</strong>: arrays, their shapes, indexing.</li>
<li><strong>A little PyTorch</strong>: what a tensor is. Having seen an <code>nn.Module</code> and a
training loop helps; notebooks 03 and 04 show and explain both.</li>
<li><strong>No GPU needed</strong>: every notebook runs on a laptop's CPU (a CUDA GPU or Apple MPS is
used when there is one). To run them: Python 3.10+ and <code>make</code>; the first install downloads
PyTorch (a few minutes).</li>
</ul>

<h2 id="run">Run it yourself</h2>
<div class="code-block"><pre>{html.escape(RUN_COMMANDS)}</pre></div>
<p class="small"><code>make run</code> writes the executed notebooks to <code>artifacts/notebooks/</code>
(these pages), <code>make lab</code> opens the notebooks in JupyterLab to work through them. Without
<code>make</code>, with conda or on Colab: see "Getting started on any machine" in the README.</p>

<h2 id="notebooks">The notebooks, in order</h2>
{timing}
{note}
<ol class="notebooks">
{"".join(items)}
</ol>

<h2 id="results">Results</h2>
<p class="small">From {html.escape(source)}.</p>
<div class="table-wrap"><table>{table}</table></div>
<p class="small">Site built {html.escape(built)} with <code>python -m lenet_helpers site</code>.</p>
</div>
</body>
</html>
"""


def run_solutions(solutions: list[Path], out_dir: Path, echo=print) -> list[Path]:
    """Execute the stored solution notebooks whose executed copy in ``out_dir`` is missing or older.

    Uses each solution's own settings (its ``parameters`` cell). Returns the executed copies.
    """

    done = []
    for path in solutions:
        target = out_dir / path.name
        if target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
            continue
        echo(f"Running solutions/{path.name} ...")
        output, seconds = run_notebook(path, out_dir)
        echo(f"  done in {seconds:.1f} s")
        done.append(output)
    return done


def build_site(notebooks_dir: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None, *,
               solutions_dir: str | os.PathLike | None = None, checkpoint: str | os.PathLike | None = None,
               execute_solutions: bool = False, echo=print) -> SiteReport:
    """Build the static site of the executed series.

    Args:
        notebooks_dir: the executed notebooks; default ``artifacts/notebooks`` (``make run``).
        out_dir: default ``artifacts/site``; emptied first (it holds only generated pages).
        solutions_dir: executed solutions; default ``<notebooks_dir>/solutions``.
        checkpoint: for the results table; default ``<notebooks_dir>/../lenet5_mnist.pt``
            (the checkpoint of the same run), else the shipped reference model.
        execute_solutions: first execute the solutions of ``notebooks/solutions/`` whose
            executed copy is missing or older than the stored notebook.

    Returns:
        A :class:`SiteReport` (pages written, total size in bytes, warnings).

    Raises:
        SiteError: no executed notebooks in ``notebooks_dir``, ``out_dir`` is not a
            folder this function made (it would be emptied), or cannot be made there.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else artifacts_dir() / "notebooks"
    out_dir = Path(out_dir) if out_dir else artifacts_dir() / "site"
    solutions_dir = Path(solutions_dir) if solutions_dir else notebooks_dir / "solutions"
    checkpoint = Path(checkpoint) if checkpoint else notebooks_dir.parent / "lenet5_mnist.pt"
    if execute_solutions:
        run_solutions(sorted((SOURCE_NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb")), solutions_dir, echo)
    pages = collect_pages(notebooks_dir, solutions_dir)
    not_run = [p.path.name for p in pages if not p.executed]

    marker = out_dir / ".lenet_site"
    if out_dir.exists() and any(out_dir.iterdir()) and not marker.exists():
        raise SiteError(f"{out_dir} exists and was not made by build_site: choose an empty or new folder")
    in_the_way = file_in_the_way(out_dir)
    if in_the_way is not None:
        raise SiteError(f"{out_dir} cannot be made: {in_the_way} is a file, not a folder; choose another folder "
                        f"(--out DIR)")
    try:  # the temporary folder is made beside out_dir, on its file system, so that the final rename works
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = Path(tempfile.mkdtemp(prefix=".site-", dir=out_dir.parent))
    except OSError as exc:
        raise SiteError(f"{out_dir} cannot be written ({exc.strerror or exc}): choose another folder "
                        f"(--out DIR)") from None
    tmp_out.chmod(0o777 & ~current_umask())  # mkdtemp makes it private (0700); a site is for others to read
    pairs = path_replacements({str(notebooks_dir.resolve()): "artifacts/notebooks",
                               str(notebooks_dir.resolve().parent): "artifacts"})
    warnings: list[str] = []
    if not_run:  # the pages say so; the terminal line should too
        warnings.append(f"{count(len(not_run), 'notebook')} of {len(pages)} not executed ({', '.join(not_run[:3])}"
                        f"{', ...' if len(not_run) > 3 else ''}): their pages show no outputs; run `make run` (or "
                        f"`python -m lenet_helpers run`) first")
    try:
        (tmp_out / "solutions").mkdir()
        (tmp_out / ".lenet_site").write_text("made by lenet_helpers.tools.website.build_site\n")
        site_names = {p.html_name for p in pages} | {f"solutions/{p.solution.stem}.html" for p in pages if p.solution}
        for page in pages:
            note = "" if page.executed else (
                '<div class="site-note">This notebook has not been executed: its outputs are not shown. '
                "Run <code>make run</code> and build the site again.</div>")
            body = render_notebook(page.path, page.title, _nav(page, pages), _nav(page, pages, bottom=True), pairs, note)
            body = _rewrite_links(body, site_names, False, warnings, page.html_name)
            (tmp_out / page.html_name).write_text(body, encoding="utf-8")
            if page.solution is not None:
                note = "" if page.solution_executed else (
                    '<div class="site-note">Outputs not shown: this solution has not been executed. '
                    "<code>python -m lenet_helpers site --run-solutions</code> runs it first.</div>")
                title = f"Solutions: {page.title}"
                body = render_notebook(page.solution, title, _solution_nav(page), _solution_nav(page, bottom=True),
                                       pairs, note, screenshots=False)
                body = _rewrite_links(body, site_names, True, warnings, f"solutions/{page.solution.stem}.html")
                (tmp_out / "solutions" / f"{page.solution.stem}.html").write_text(body, encoding="utf-8")
        built = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        (tmp_out / "index.html").write_text(render_index(pages, checkpoint, built), encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp_out, out_dir)
    finally:
        if tmp_out.exists():
            shutil.rmtree(tmp_out, ignore_errors=True)
    written = sorted(out_dir.rglob("*.html"))
    for w in warnings:
        echo(f"warning: {w}")
    report = SiteReport(out_dir=out_dir, pages=written, bytes=sum(p.stat().st_size for p in written),
                        warnings=warnings)
    for page in written:
        left = leftover_paths(page.read_text(encoding="utf-8"))
        if left:
            report.warnings.append(f"{page.name}: absolute paths left: {sorted(set(left))[:3]}")
            echo(f"warning: {page.relative_to(out_dir)} still shows absolute paths: {sorted(set(left))[:3]}")
    return report
