"""Every numbered notebook ends with takeaways, exercises and a "Next:" line, and has a solutions
notebook that runs: solutions are executed here with quick parameters so they cannot rot."""
import json
import re

import nbformat
import pytest

from lenet_helpers.tools.notebooks import NOTEBOOKS_DIR, notebook_paths, run_notebook

SOLUTIONS_DIR = NOTEBOOKS_DIR / "solutions"
QUICK = {"EPOCHS": 1, "SUBSET": 2000}


def _markdown(path) -> str:
    nb = json.loads(path.read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _solution_for(path):
    return SOLUTIONS_DIR / path.name


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.name[:2])
def test_notebook_ends_with_takeaways_exercises_and_next(path):
    text = _markdown(path)
    assert re.search(r"^## Takeaways", text, re.M), f"{path.name}: no '## Takeaways' section"
    exercises = re.search(r"^## Exercises\s*\n(.*)", text, re.M | re.S)
    assert exercises, f"{path.name}: no '## Exercises' section"
    items = re.findall(r"^\d+\. ", exercises.group(1), re.M)
    assert 2 <= len(items) <= 4, f"{path.name}: {len(items)} exercises (want 2-4)"
    last = path == notebook_paths()[-1]
    has_next = re.search(r"^\W*Next:", text, re.M)  # "Next: ..." or "**Next:** ..." at the start of a line
    assert has_next or (last and re.search(r"\b(end|last notebook)\b", text, re.I)), f"{path.name}: no 'Next:' line"
    assert _solution_for(path).is_file(), f"{path.name}: no solutions notebook {_solution_for(path)}"
    # a link (JupyterLab opens the notebook; the site points it to the solutions page), not code text
    assert f"Solutions: [solutions/{path.name}](solutions/{path.name})." in text, f"{path.name}: no link to its solutions"


def test_solutions_are_stored_clean_with_a_parameters_cell():
    for path in sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), f"{path.name} has outputs"
        assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1, path.name
        assert (NOTEBOOKS_DIR / path.name).is_file(), f"{path.name} solves no notebook of that name"


def test_every_cell_has_its_own_id():
    """nbformat 4.5 notebooks give every cell an id: a missing one is a warning in today's nbformat and an
    error in later ones (an edit that rebuilt cells without ids once left five solutions without)."""
    for path in notebook_paths() + sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")):
        ids = [c.get("id") for c in json.loads(path.read_text())["cells"]]
        assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: cells without an id or with the same id"


@pytest.fixture(scope="module")
def solutions_artifacts(tmp_path_factory, mnist):
    """One temporary artifacts folder for all solutions: the first that needs a model trains a
    quick one (EPOCHS=1, SUBSET=2000) and the others reuse it; artifacts/ is never touched."""
    return tmp_path_factory.mktemp("solutions_artifacts")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name[:2])
def test_solutions_run_with_quick_parameters(path, solutions_artifacts, monkeypatch):
    monkeypatch.setenv("LENET_ARTIFACTS_DIR", str(solutions_artifacts))
    checkpoint = solutions_artifacts / "lenet5_mnist.pt"
    before = checkpoint.read_bytes() if checkpoint.exists() else None
    output, _ = run_notebook(path, solutions_artifacts / "solutions", QUICK)
    nb = nbformat.read(output, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    if before is not None:  # a solution may create the series' checkpoint when absent, never overwrite it
        assert checkpoint.read_bytes() == before, f"{path.name} overwrote lenet5_mnist.pt"
    figures = solutions_artifacts / "figures"  # the notebooks' figures: a solution only shows its own
    assert not figures.exists() or not list(figures.iterdir()), f"{path.name} wrote {sorted(figures.iterdir())}"


def test_solutions_do_not_save_figures():
    """Solutions show their figures and never save them: artifacts/figures/ holds the notebooks' figures."""
    for path in sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")):
        assert "save_figure" not in path.read_text(), path.name


def test_no_notebook_claims_mnist_ink_never_touches_the_border():
    """813 training and 107 test digits have ink in the outermost row or column (notebook 01 counts
    them with lh.ink_at_border): no text may say the ink never reaches the border or that every
    digit keeps a fixed margin."""
    claims = re.compile(r"never (touch|reach)es the (border|edge)|ink never|about 4 pixels of margin|"
                        r"a 4-pixel margin|keep more than 4", re.I)
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")) + sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb")):
        text = " ".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        assert not claims.search(" ".join(text.split())), f"{path.name}: {claims.search(' '.join(text.split()))}"
