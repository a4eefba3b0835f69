"""The static site (lenet_helpers.tools.website): built from small executed notebooks made here, then opened
in headless Chromium. The site of the real executed series is checked in test_notebooks.py."""
import base64
import io
import re

import matplotlib
import nbformat
import pytest
from bs4 import BeautifulSoup

from lenet_helpers.tools import website as lsite
from lenet_helpers.cli import main
from site_browser import check_pages

matplotlib.use("Agg")


def png_bytes() -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
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


@pytest.fixture
def tiny_series(tmp_path, monkeypatch):
    """Three executed notebooks (01, 02, 03) in artifacts/notebooks, a solution for 02, paths of this machine in outputs."""
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
    nbformat.write(executed_notebook("03", "Third", "We finish.", "three\n"), nbdir / "03_third.ipynb")
    nbformat.write(executed_notebook("02", "Second: solutions", "Answers.", "sol\n",
                                     "Back to [the notebook](../02_second.ipynb)."), nbdir / "solutions" / "02_second.ipynb")
    return art


def test_site_pages_links_and_no_machine_paths(tiny_series, capsys):
    assert main(["site"]) == 0
    out = capsys.readouterr().out
    site = tiny_series / "site"
    assert re.search(r"Site: 5 pages, [\d.]+ MB in ", out)
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}
    assert set(pages) == {"index.html", "01_first.html", "02_second.html", "03_third.html", "solutions/02_second.html"}

    index = pages["index.html"]
    assert index.index("01_first.html") < index.index("02_second.html") < index.index("03_third.html")
    assert "We load things." in index and "ran in 12 s" in index  # one line each, from the notebook
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


def test_site_pages_in_headless_chromium(tiny_series, tmp_path):
    lsite.build_site()
    assert check_pages(tiny_series / "site", tmp_path) == {}


def test_the_browser_check_finds_broken_pages(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "bad.html").write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>'
        '<img src="missing.png"><a href="nowhere.html">x</a><div style="width:2000px">wide</div>'
        '<script>undefined_function()</script></body></html>')
    problems = check_pages(site, tmp_path)["bad.html"]
    kinds = {p.split(":")[0] for p in problems}
    assert {"console", "broken image", "broken link", "wider than a phone"} <= kinds
