"""benchmarks/stroke_width.py runs end to end and prints before/after accuracy that add up."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lenet_helpers.training.checkpoint import save_checkpoint

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "stroke_width.py"


def test_stroke_width_benchmark_prints_before_and_after(trained_model, tmp_path):
    model, history = trained_model
    ckpt = save_checkpoint(tmp_path / "m.pt", model, history)
    out = subprocess.run([sys.executable, str(SCRIPT), "--checkpoint", str(ckpt), "--repeats", "1"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    rows = re.findall(r"(without|with)\s+stroke-width step:\s+([\d.]+)% right \((\d+) of 120\)", out.stdout)
    assert [r[0] for r in rows] == ["without", "with"]
    for _, acc, right in rows:
        assert float(acc) == round(100 * int(right) / 120, 1)
    gain = float(re.search(r"gain: ([+-][\d.]+) points", out.stdout).group(1))
    assert gain == pytest.approx(float(rows[1][1]) - float(rows[0][1]), abs=0.11)


def test_stroke_width_benchmark_names_a_missing_checkpoint(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "--checkpoint", str(tmp_path / "none.pt")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 1 and "does not exist" in out.stdout
