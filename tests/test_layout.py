"""The package's floor plan: concept sub-packages, imports at the top, one namespace rule."""
import ast
import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path

import lenet_helpers as lh
from lenet_helpers.settings import REPO_ROOT

PKG = Path(lh.__file__).parent
SUBPACKAGES = {"data", "models", "training", "analysis", "readings", "digits", "plots", "tools"}
#: Heavy libraries that only some lessons or tools need, imported inside the functions that use them;
#: and torchsummary, one function's need, so that ``import lenet_helpers`` works where only PyTorch's
#: own stack is installed (a bare GPU server: ``benchmarks/gpu_check.sh``).
LAZY_OK = ("captum", "nbconvert", "papermill", "sklearn", "IPython", "torchsummary")


def _modules():
    return sorted(PKG.rglob("*.py"))


def test_at_most_ten_top_level_modules_none_named_after_the_standard_library():
    top = sorted(p.stem for p in PKG.glob("*.py"))
    assert len(top) <= 10, top
    assert not [m for m in top if m in sys.stdlib_module_names], top
    subs = {p.name for p in PKG.iterdir() if (p / "__init__.py").is_file()}
    assert subs == SUBPACKAGES


def test_every_module_imports_and_no_function_imports_the_package():
    inner = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").startswith("lenet_helpers")):
                        inner.append(f"{path.relative_to(PKG)}:{sub.lineno}")
                    if isinstance(sub, ast.Import) and any(a.name.startswith("lenet_helpers") for a in sub.names):
                        inner.append(f"{path.relative_to(PKG)}:{sub.lineno}")
    assert inner == [], f"imports of the package inside functions: {inner}"
    names = [m.name for m in pkgutil.walk_packages(lh.__path__, "lenet_helpers.") if not m.name.endswith("__main__")]
    assert len(names) >= 35
    for name in names:
        importlib.import_module(name)


def test_lazy_imports_are_only_heavy_optional_libraries():
    lazy = set()
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.ImportFrom) and not sub.level:
                        lazy.add(sub.module)
                    elif isinstance(sub, ast.Import):
                        lazy.update(a.name for a in sub.names)
    assert lazy and all(name.split(".")[0] in LAZY_OK for name in lazy), lazy


def test_namespace_all_names_exist_and_figures_are_plot_functions():
    assert len(lh.__all__) == len(set(lh.__all__))
    missing = [n for n in lh.__all__ if not hasattr(lh, n)]
    assert missing == []
    for name in lh.__all__:
        obj = getattr(lh, name)
        module = getattr(obj, "__module__", "") or ""
        if module.startswith("lenet_helpers.plots.") and callable(obj):
            assert name.startswith("plot_") or name in ("save_figure", "ink_box"), name
    assert set(lh.readings.__all__) <= set(dir(lh.readings))


def test_notebooks_reach_the_package_only_through_lh():
    bad = []
    for path in sorted((REPO_ROOT / "notebooks").rglob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] != "code":  # prose names only what exists
                bad += [f"{path.name} (text): lh.{n}" for n in re.findall(r"`lh\.([A-Za-z_]\w*)", src)
                        if n not in lh.__all__]
                continue
            for line in src.splitlines():
                if re.search(r"\bfrom lenet_helpers\b|\bimport lenet_helpers\.", line):
                    bad.append(f"{path.name}: {line.strip()}")
            for attr in re.findall(r"\blh\.([a-z_]+)\.", src):
                if attr != "readings" and not callable(getattr(lh, attr, None)) and attr not in ("TRANSFORMS",):
                    bad.append(f"{path.name}: lh.{attr}.")
            for name in re.findall(r"\blh\.([A-Za-z_]\w*)", src):
                if name not in lh.__all__:
                    bad.append(f"{path.name}: lh.{name} is not in lh.__all__")
            for name in re.findall(r"\blh\.readings\.([A-Za-z_]\w*)", src):
                if name not in lh.readings.__all__:
                    bad.append(f"{path.name}: lh.readings.{name} is not in lh.readings.__all__")
    assert bad == []


def test_one_place_saves_a_run():
    """Only training/runs.py renames checkpoints into place; notebooks save through lh.save_training_run."""
    writers = [p.relative_to(PKG).as_posix() for p in _modules() if "save_training_run(" in p.read_text()
               and "def save_training_run" in p.read_text()]
    assert writers == ["training/runs.py"]
    for path in sorted((REPO_ROOT / "notebooks").rglob("*.ipynb")):
        text = path.read_text()
        assert "save_checkpoint" not in text and "save_history" not in text, path.name
