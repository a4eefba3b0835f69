"""The static site (lenet_helpers.tools.website): built from small executed notebooks made here, then opened
in headless Chromium. The site of the real executed series is checked in test_notebooks.py."""
import base64
import io
import os
import re
import stat

import matplotlib
import nbformat
import pytest
from bs4 import BeautifulSoup
from site_browser import check_pages

from lenet_helpers.cli import main
from lenet_helpers.tools import website as lsite

matplotlib.use("Agg")


def png_bytes(figsize=(2, 2)) -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    ax.plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def executed_notebook(number: str, title: str, intro: str, stream: str, extra_md: str = "") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.papermill = {"duration": 12.5, "parameters": {}}
    code = nbformat.v4.new_code_cell("print('hello')\nplt.show()", execution_count=1)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stream),
                    nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png_bytes()).decode(),
                                                                 "text/plain": "<Figure>"})]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {number} · {title}\n\n**Part {int(number)}.** {intro} More text."),
                code, nbformat.v4.new_markdown_cell(extra_md or "## Exercises\n\n1. Do it.")]
    return nb


LONG_LINE = " ".join(f"word{i}" for i in range(60))  # about 400 characters, with spaces to wrap at


def wide_outputs() -> list:
    """What made the real pages too wide or proportional: IPython's Code(), a long text line, a wide styled table,
    a 1,000-px figure."""
    import pandas as pd
    from IPython.core.formatters import DisplayFormatter
    from IPython.display import Code

    code = Code(f"class LeNet5:\n    def forward(self, x):  # {LONG_LINE}\n        return x\n", language="python")
    code_data, _ = DisplayFormatter().format(code)
    table = pd.DataFrame([[f"value {r}-{c}" for c in range(20)] for r in range(3)],
                         columns=[f"column {c}" for c in range(20)]).style.format(precision=2).to_html()
    figure = base64.b64encode(png_bytes((10, 3))).decode()  # 1,000 px wide at matplotlib's 100 dpi
    return [nbformat.v4.new_output("execute_result", data=code_data, execution_count=1),
            nbformat.v4.new_output("stream", name="stdout", text=LONG_LINE + "\n"),
            nbformat.v4.new_output("display_data", data={"text/html": table, "text/plain": "<table>"}),
            nbformat.v4.new_output("display_data", data={"text/html": pd.DataFrame({"a": [1]}).to_html(),
                                                         "text/plain": "<narrow table>"}),
            nbformat.v4.new_output("display_data", data={"image/png": figure, "text/plain": "<Figure>"})]


def sketchpad_notebook() -> nbformat.NotebookNode:
    """Notebook 11 as it is executed: the fallback line, then the widget's view (which a static page cannot run)."""
    nb = executed_notebook("11", "Draw a digit", "Draw here.", "model loaded\n")
    pad = nbformat.v4.new_code_cell("pad = lh.Sketchpad(model)\npad", execution_count=2)
    pad.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "needs a live front end",
                                                                "text/html": "<div>needs a live front end</div>"}),
                   nbformat.v4.new_output("display_data", data={
                       lsite.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                       "text/plain": ""})]
    nb.cells.insert(2, pad)
    return nb


@pytest.fixture
def tiny_series(tmp_path, monkeypatch):
    """Executed notebooks 01, 02, 03 and 11 in artifacts/notebooks, a solution for 02, paths of this machine in
    outputs; 03 has IPython's Code(), a long text line and a wide table, 11 has the sketchpad widget."""
    art = tmp_path / "artifacts"
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(art))
    monkeypatch.setattr(lsite, "SOURCE_NOTEBOOKS", tmp_path / "stored")  # not the repository's stored solutions
    nbdir = art / "notebooks"
    (nbdir / "solutions").mkdir(parents=True)
    ckpt_line = f"Saved {art / 'lenet5_mnist.pt'} and {lsite.REPO_ROOT / 'README.md'} from {tmp_path / 'x'}\n"
    nbformat.write(executed_notebook("01", "First", "We load things.", ckpt_line,
                                     "Next: [the second](02_second.ipynb), see [the code](../lenet_helpers/site.py)."),
                   nbdir / "01_first.ipynb")
    nbformat.write(executed_notebook("02", "Second", "We look at things.", "two\n",
                                     "Solutions: [here](solutions/02_second.ipynb)."), nbdir / "02_second.ipynb")
    third = executed_notebook("03", "Third", "We finish.", "three\n")
    third.cells[1].source += f"  # {LONG_LINE}"
    third.cells[1].outputs += wide_outputs()
    nbformat.write(third, nbdir / "03_third.ipynb")
    nbformat.write(sketchpad_notebook(), nbdir / "11_draw_a_digit.ipynb")
    nbformat.write(executed_notebook("02", "Second: solutions", "Answers.", "sol\n",
                                     "Back to [the notebook](../02_second.ipynb)."), nbdir / "solutions" / "02_second.ipynb")
    return art


def test_site_pages_links_and_no_machine_paths(tiny_series, capsys):
    assert main(["site"]) == 0
    out = capsys.readouterr().out
    site = tiny_series / "site"
    assert re.search(r"Site: 6 pages, [\d.]+ MB in ", out)
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}
    assert set(pages) == {"index.html", "01_first.html", "02_second.html", "03_third.html", "11_draw_a_digit.html",
                          "solutions/02_second.html"}

    index = pages["index.html"]
    assert index.index("01_first.html") < index.index("02_second.html") < index.index("03_third.html")
    assert "We load things." in index and "runs in 12 s" in index  # one line each, from the notebook
    assert 'href="solutions/02_second.html"' in index

    def nav(page, selector):
        found = BeautifulSoup(pages[page], "html.parser").select_one(f"nav {selector}")
        return found["href"] if found else None

    assert (nav("01_first.html", "a[rel=prev]"), nav("01_first.html", "a[rel=next]")) == (None, "02_second.html")
    assert (nav("02_second.html", "a[rel=prev]"), nav("02_second.html", "a[rel=next]")) == ("01_first.html", "03_third.html")
    assert nav("02_second.html", "a.solutions") == "solutions/02_second.html" and nav("03_third.html", "a.solutions") is None
    assert nav("solutions/02_second.html", "a[rel=up]") == "../02_second.html"
    assert nav("solutions/02_second.html", "a.home") == "../index.html"
    links = {a.get_text(): a.get("href") for p in pages.values() for a in BeautifulSoup(p, "html.parser").find_all("a")}
    assert links["the second"] == "02_second.html"  # links in the prose go to the pages
    assert links["the notebook"] == "../02_second.html"
    assert links["the code"] is None  # a repository file: kept as text
    first = pages["01_first.html"]
    assert "Saved artifacts/lenet5_mnist.pt and ./README.md from &lt;tmp&gt;/" in first

    for name, text in pages.items():
        viewport = BeautifulSoup(text, "html.parser").find("meta", attrs={"name": "viewport"})
        assert viewport and viewport["content"].startswith("width=device-width"), name
        assert lsite.leftover_paths(text) == [], name
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", text):
            assert "http" not in tag, (name, tag)  # nothing fetched from a CDN
    assert first.count('src="data:image/png;base64,') == 1


def test_leftover_paths_finds_paths_outside_data_uris():
    assert lsite.leftover_paths("see /tmp/x/a.png and /work/main") == ["/work/main", "/tmp/x/a.png"]
    assert lsite.leftover_paths('<img src="data:image/png;base64,AAAA/tmp/workBBBB=">') == []
    # a temporary folder already replaced by <tmp> (HTML-escaped) is not a path of the machine; /tmp alone is
    assert lsite.leftover_paths("Saved &lt;tmp&gt;/tmpr_pvhio9/small_cnn_sgd.pt and /tmpfoo") == []
    assert lsite.leftover_paths("in /tmp and C:\\Users\\me") == ["/tmp", "C:\\Users\\me"]


def test_site_without_executed_notebooks_says_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(tmp_path))
    assert main(["site"]) == 1
    assert "run `make run`" in capsys.readouterr().err


def test_site_refuses_to_empty_a_folder_it_did_not_make(tiny_series):
    other = tiny_series / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(lsite.SiteError, match="not made by build_site"):
        lsite.build_site(out_dir=other)
    assert (other / "notes.txt").read_text() == "keep me"


def test_the_terminal_line_says_when_notebooks_were_not_executed(tiny_series, capsys):
    """`site --notebooks notebooks` (the stored, unexecuted sources) reported success with no word that the
    pages show no outputs (review of 2026-11-29); the pages said so, the terminal did not."""
    stored = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 04 · Fourth\n\nText."),
                                             nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(stored, tiny_series / "notebooks" / "04_fourth.ipynb")
    assert main(["site"]) == 0
    out = capsys.readouterr().out
    assert "warning: 1 notebook of 5 not executed (04_fourth.ipynb): their pages show no outputs; run `make run`" in out


def test_site_folder_is_readable_by_others_and_made_where_asked(tiny_series, capsys):
    """The site goes to a web server or a shared folder: not the private 0700 of a temporary folder (review of
    2026-11-29), made with its missing parents, the temporary folder beside it (the rename crossed file systems
    when it was made in /tmp); a place that cannot hold it is one line."""
    nested = tiny_series / "course" / "week 3" / "site"
    lsite.build_site(out_dir=nested)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(nested.stat().st_mode) == 0o777 & ~umask
    assert (nested / "index.html").is_file() and not list(nested.parent.glob(".site-*"))
    (tiny_series / "a file").write_text("not a folder")
    assert main(["site", "--out", str(tiny_series / "a file" / "site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("site: error: ") and "a file/site cannot be made: " in err and "a file is a file, not a folder; choose another" in err
    assert err.count("\n") == 1


def test_site_pages_in_headless_chromium(tiny_series, tmp_path):
    lsite.build_site()
    assert check_pages(tiny_series / "site", tmp_path) == {}


def test_the_browser_check_finds_broken_pages(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "bad.html").write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>'
        '<img src="missing.png"><a href="nowhere.html">x</a><div style="width:2000px">wide</div>'
        f'<pre style="font-family: serif; white-space: pre-wrap; overflow-x: visible">{LONG_LINE}</pre>'
        '<div style="overflow: hidden; width: 300px"><table style="width: 900px"><tr><td>a cut-off table</td></tr>'
        '</table></div><script>undefined_function()</script></body></html>')
    problems = check_pages(site, tmp_path)["bad.html"]
    kinds = {p.split(":")[0] for p in problems}
    assert {"console", "broken image", "broken link", "wider than a phone", "code not monospace", "code wraps",
            "code does not scroll", "cut off", "sticks out"} <= kinds, problems


def test_code_is_monospace_and_scrolls_at_phone_width(tiny_series, tmp_path):
    """Page 03's input code, IPython Code() output, text output and wide table (the widest of each kind), at
    390 px: monospace, not wrapped, each scrolling sideways in its own box."""
    from site_browser import PHONE, open_browser

    lsite.build_site()
    page = tiny_series / "site" / "03_third.html"
    assert 'class="highlight"' in page.read_text()  # Code()'s highlighted HTML is there
    browser = open_browser(tmp_path)
    try:
        browser.set_window_size(*PHONE)
        browser.get(page.resolve().as_uri())
        boxes = browser.execute_script("""
            const probe = document.createElement('canvas').getContext('2d');
            return Object.fromEntries(Object.entries(arguments[0]).map(([name, selector]) => {
              const el = Array.from(document.querySelectorAll(selector)).sort((a, b) => b.scrollWidth - a.scrollWidth)[0];
              const s = getComputedStyle(el);
              probe.font = s.fontSize + ' ' + s.fontFamily;
              return [name, {mono: probe.measureText('iiiii').width === probe.measureText('WWWWW').width,
                             whiteSpace: s.whiteSpace, overflowX: s.overflowX, scrolls: el.scrollWidth > el.clientWidth,
                             fits: el.getBoundingClientRect().right <= window.innerWidth}];
            }));""", {"input": ".jp-InputArea-editor pre", "Code()": ".jp-OutputArea-output .highlight pre",
                      "text": ".jp-RenderedText pre", "table": ".jp-RenderedHTMLCommon table"})
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        hints = [tuple(h) for h in browser.execute_script("""
            return Array.from(document.querySelectorAll('.jp-RenderedHTMLCommon table')).map(t => {
              const hint = t.previousElementSibling, shown = hint.offsetHeight > 0;
              return [t.scrollWidth > t.clientWidth, shown, shown ? hint.textContent : null];
            });""")]
    finally:
        browser.quit()
    for name in ("input", "Code()", "text"):
        assert boxes[name] == {"mono": True, "whiteSpace": "pre", "overflowX": "auto", "scrolls": True, "fits": True}, name
    assert boxes["table"]["overflowX"] == "auto" and boxes["table"]["scrolls"] and boxes["table"]["fits"]
    assert width[0] <= width[1]  # the page itself does not scroll sideways
    # the wide table says that it scrolls, in a visible line just above it; the narrow one does not
    assert hints == [(True, True, "This table is wider than the screen: scroll it sideways for the other columns \u2192"),
                     (False, False, None)]


def test_a_tap_shows_a_figure_at_its_own_size_on_a_phone(tiny_series, tmp_path):
    """At 390 px a 1,000-px figure is scaled to the column (its 10 pt text about 4 pt); a tap shows it at its
    own size, scrolling sideways in its own box (the page does not), and a second tap fits it again."""
    from selenium.webdriver.common.by import By
    from site_browser import PHONE, open_browser

    lsite.build_site()
    page = tiny_series / "site" / "03_third.html"
    browser = open_browser(tmp_path)
    try:
        browser.set_window_size(*PHONE)
        browser.get(page.resolve().as_uri())
        assert browser.find_element(By.CSS_SELECTOR, ".site-phone-hint").is_displayed()
        img = max(browser.find_elements(By.CSS_SELECTOR, ".jp-RenderedImage img"),
                  key=lambda el: browser.execute_script("return arguments[0].naturalWidth", el))
        state = lambda: browser.execute_script(  # noqa: E731  (scrolls: the box really moves sideways)
            "const img = arguments[0], box = img.closest('.jp-RenderedImage');"
            "box.scrollLeft = 200; const moved = box.scrollLeft; box.scrollLeft = 0;"
            "return [img.naturalWidth, img.clientWidth, moved > 0,"
            " document.documentElement.scrollWidth <= window.innerWidth, getComputedStyle(img).cursor]", img)
        natural, shown, scrolls, page_fits, cursor = state()
        assert natural == 1000 and shown < 400 and not scrolls and page_fits and cursor == "zoom-in"
        img.click()
        natural, shown, scrolls, page_fits, cursor = state()
        assert shown == natural and scrolls and page_fits and cursor == "zoom-out"
        img.click()
        assert state()[1] < 400
        small = min(browser.find_elements(By.CSS_SELECTOR, ".jp-RenderedImage img"),
                    key=lambda el: browser.execute_script("return arguments[0].naturalWidth", el))
        assert browser.execute_script("return getComputedStyle(arguments[0]).cursor", small) != "zoom-in"  # fits already
        browser.set_window_size(1280, 900)
        assert not browser.find_element(By.CSS_SELECTOR, ".site-phone-hint").is_displayed()
    finally:
        browser.quit()


def test_page_11_shows_the_sketchpad_screenshot_where_the_widget_would_be(tiny_series):
    lsite.build_site()
    soup = BeautifulSoup((tiny_series / "site" / "11_draw_a_digit.html").read_text(), "html.parser")
    figure = soup.select_one("figure.site-widget-shot")
    assert figure is not None
    img = figure.find("img")
    assert img["src"].startswith("data:image/png;base64,") and "sketchpad" in img["alt"]
    caption = figure.figcaption.get_text(" ", strip=True)
    assert "screenshot of the sketchpad widget in JupyterLab" in caption and "running Jupyter kernel" in caption
    cell = figure.find_parent(class_="jp-CodeCell")
    assert cell is not None and "lh.Sketchpad(model)" in cell.get_text()  # in the widget's cell
    assert "needs a live front end" in cell.get_text()  # the notebook's own line for static pages stays
    assert lsite.WIDGET_MIME not in str(soup)  # the widget's empty view is gone
    shipped = lsite.TEMPLATE_DIR / "11_sketchpad_browser.png"  # artifacts/figures has none in this test
    assert base64.b64decode(img["src"].split(",", 1)[1]) == shipped.read_bytes()


def test_the_screenshot_from_the_browser_test_is_preferred_and_placed_without_a_widget(tiny_series):
    fresh = tiny_series / "figures" / "11_sketchpad_browser.png"
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(png_bytes())
    assert lsite.widget_screenshot("11_sketchpad_browser.png") == fresh
    nb = executed_notebook("11", "Draw a digit", "Draw here.", "not run\n")  # no widget output: not executed
    assert lsite.show_widget_screenshot(nb, "11_draw_a_digit")
    assert nb.cells[1].cell_type == "markdown" and 'class="site-widget-shot"' in nb.cells[1].source
    assert not lsite.show_widget_screenshot(executed_notebook("03", "Third", "x.", "y\n"), "03_third")


def section_text(soup, heading_id: str) -> str:
    """The text from the <h2 id=heading_id> to the next <h2>."""
    parts = []
    for sibling in soup.find(id=heading_id).find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(sibling.get_text(" ", strip=True))
    return " ".join(parts)


def test_index_is_a_course_landing_page(tiny_series, monkeypatch):
    monkeypatch.setattr(lsite, "machine", lambda: "Test CPU, 2 logical CPUs")
    lsite.build_site()
    soup = BeautifulSoup((tiny_series / "site" / "index.html").read_text(), "html.parser")
    outcomes = soup.select("ul.outcomes > li")
    assert 5 <= len(outcomes) <= 8
    assert any("LeNet-5" in o.get_text() and "parameters" in o.get_text() for o in outcomes)
    assert soup.select_one('ul.outcomes a[href="03_third.html"]')  # outcomes link to their notebooks
    prerequisites = section_text(soup, "prerequisites")
    assert all(word in prerequisites for word in ("Python", "NumPy", "PyTorch", "No GPU needed"))
    notebooks = section_text(soup, "notebooks")
    assert notebooks.count("runs in 12 s") == 4  # 12.5 s each in papermill's metadata
    assert "50 s for the 4 notebooks" in notebooks and "Test CPU, 2 logical CPUs" in notebooks
    readme = (lsite.REPO_ROOT / "README.md").read_text()
    shown = soup.select_one("#run ~ .code-block pre").get_text()
    assert shown == lsite.RUN_COMMANDS
    for line in lsite.RUN_COMMANDS.splitlines():  # copied from the README, not paraphrased
        assert line in readme, line
    assert "make run" in shown and "make lab" in shown and "make test" in shown
    text = soup.get_text(" ", strip=True)
    assert "the reference tutorial" in text and "http" not in str(soup)  # described, with no invented citation


def test_every_notebook_has_a_plain_blurb():
    stems = {p.stem for p in (lsite.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert stems and stems <= set(lsite.STUDENT_BLURBS)
    for stem, blurb in lsite.STUDENT_BLURBS.items():  # for a student who has not started: no jargon yet
        assert not re.search(r"fc1|logit|softmax|t-SNE|Captum|papermill|torchsummary|hook", blurb), stem


def test_format_duration():
    assert [lsite.format_duration(s) for s in (0.4, 12.5, 59.6, 61, 185.2)] == ["0 s", "12 s", "1 min 0 s", "1 min 1 s",
                                                                              "3 min 5 s"]
