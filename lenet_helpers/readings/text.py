"""How readings are printed and how numbers are written in them.
"""
from __future__ import annotations

import html
import textwrap

import pandas as pd
from pandas.api.types import is_numeric_dtype

#: Characters per printed line: fits a JupyterLab output at 1280 px with the file browser open.
WIDTH = 96


def details_html(summary: str, body_html: str, is_open: bool = False) -> str:
    """A collapsed view in HTML: ``<details>`` with ``summary`` (escaped) over ``body_html``.

    The one place notebooks' folded outputs (:class:`Folded`) and source views
    (:class:`~lenet_helpers.readings.source.SourceView`) are rendered, in Jupyter and on the site.
    """
    return f"<details{' open' if is_open else ''}><summary>{html.escape(summary)}</summary>\n{body_html}</details>"


class Folded:
    """Long output behind a collapsed view: a ``<details>`` element in Jupyter and on the site
    (closed until clicked: a table in monospace, sentences as a list), its summary line and first
    lines in a plain-text front end.

    Attributes:
        text: the whole text (sentences one per line, each starting with "- ").
        summary: the line shown while closed.
        sentences: the sentences when the text is a list of them, else None.
    """

    #: Lines shown in a plain-text front end before "...".
    PREVIEW = 3

    def __init__(self, text: str, summary: str, sentences: list | None = None):
        self.text, self.summary, self.sentences = text, summary, sentences

    def _repr_html_(self) -> str:
        body = (f"<pre>{html.escape(self.text)}</pre>" if self.sentences is None else
                "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences) + "</ul>")
        return details_html(self.summary, body)

    def __repr__(self) -> str:
        head = self.text.splitlines()[:self.PREVIEW]
        return "\n".join([f"[{self.summary}: folded]", *head, "..."])


def fold(text, summary: str) -> Folded:
    """Text folded behind ``summary`` so that a cell's output stays about a screen.

    Use it as a cell's last expression (or in ``display(...)``), e.g.
    ``lh.readings.fold(lh.readings.curves_table(curves), "The table")``.

    Args:
        text: a string (shown as is, monospace: a table), or a list of sentences (one line each).
        summary: what the folded text is; the number of lines or sentences is added.
    """
    if isinstance(text, str):
        return Folded(text, f"{summary} ({len(text.splitlines())} lines)")
    sentences = [str(line) for line in text]
    return Folded("\n".join(f"- {line}" for line in sentences), f"{summary} ({len(sentences)} sentences)", sentences)


class TextTable:
    """A table whose columns of words read left-aligned and numbers right-aligned, wherever shown.

    pandas' ``Styler`` aligns through a ``<style>`` block, which JupyterLab removes from the
    outputs of a notebook it does not trust (an executed copy opened for the first time), leaving
    a column of sentences right-aligned; here each cell carries its own ``style="text-align: ..."``,
    which JupyterLab's sanitizer keeps. A plain-text front end gets ``DataFrame.to_string``.

    Attributes:
        frame: the table as given; formats: column -> format string (e.g. ``"{:,}"``).
    """

    def __init__(self, frame, formats: dict | None = None):
        self.frame, self.formats = frame, dict(formats or {})

    def _cells(self, column: str) -> list[str]:
        form = self.formats.get(column, "{}")
        return [form.format(v) for v in self.frame[column]]

    def _is_text(self, column: str) -> bool:
        return not is_numeric_dtype(self.frame[column]) and column not in self.formats

    def _repr_html_(self) -> str:
        columns = list(self.frame.columns)
        align = {c: "left" if self._is_text(c) else "right" for c in columns}
        head = "".join(f'<th style="text-align: {align[c]}">{html.escape(str(c))}</th>' for c in columns)
        cells = {c: self._cells(c) for c in columns}
        rows = "".join("<tr>" + "".join(f'<td style="text-align: {align[c]}">{html.escape(cells[c][i])}</td>'
                                        for c in columns) + "</tr>" for i in range(len(self.frame)))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        shown = {}
        for column in self.frame.columns:
            cells, name = self._cells(column), str(column)
            if self._is_text(column):  # padded to one width, so that to_string's right-justifying leaves them left
                width = max([len(name), *map(len, cells)])
                cells, name = [c.ljust(width) for c in cells], name.ljust(width)
            shown[name] = cells
        return pd.DataFrame(shown).to_string(index=False)


def text_table(frame, formats: dict | None = None) -> TextTable:
    """``frame`` (a DataFrame, index left out) to show as a cell's last expression: words
    left-aligned, numbers right-aligned, also in an untrusted notebook (see :class:`TextTable`).

    Args:
        formats: column -> format string, e.g. ``{"parameters": "{:,}"}`` (that column is then
            right-aligned as a number).
    """
    return TextTable(frame, formats)


def say(*parts, sep: str = " ", width: int = WIDTH) -> None:
    """``print``, with each line of the text wrapped at word boundaries (``width`` characters).

    For a sentence computed in a notebook: a long ``print`` line wraps mid-word in JupyterLab and
    runs off the side of the page on the site; this keeps it to the width of the prose. Blank
    lines and line breaks in the text are kept.
    """
    text = sep.join(str(part) for part in parts)
    print("\n".join(textwrap.fill(line, width) if line.strip() else line for line in text.split("\n")))


def show(lines, width: int = WIDTH) -> None:
    """Print reading sentences as bullets wrapped at word boundaries (``width`` characters)."""
    for line in lines:
        print(textwrap.fill(line, width, initial_indent="* ", subsequent_indent="  "))


def count(n, noun: str) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1: ``count(1, "epoch")`` is "1 epoch",
    ``count(15, "epoch")`` "15 epochs"; a missing ``n`` (None) prints as "?"."""
    return f"{'?' if n is None else n} {noun}{'' if n == 1 else 's'}"


def _a(digit) -> str:
    """"a 7", "an 8": the article for a digit read aloud."""
    return f"an {int(digit)}" if int(digit) == 8 else f"a {int(digit)}"


def format_confidence(probability: float) -> str:
    """A softmax probability (0-1) as a percentage with one decimal, e.g. ``"87.8%"``.

    A softmax output is never exactly 1 or 0 (float32 can round it there), so values that would
    round to "100.0%" are shown as ``">99.9%"`` and values that would round to "0.0%", 0 included,
    as ``"<0.1%"``.

    Raises:
        ValueError: ``probability`` outside [0, 1] (pass probabilities, not logits or %).
    """
    probability = float(probability)
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"probability must lie in [0, 1], got {probability}: pass softmax outputs, not logits or %")
    percent = 100.0 * probability
    if percent >= 99.95:
        return ">99.9%"
    return "<0.1%" if percent < 0.05 else f"{percent:.1f}%"


def probability_text(name: str, probability: float) -> str:
    """``"p(true) = 13.0%"``, or ``"p(true) > 99.9%"`` when :func:`~lenet_helpers.readings.format_confidence`
    gives ``">99.9%"`` (never ``"= >99.9%"``)."""
    text = format_confidence(probability)
    return f"{name} > {text[1:]}" if text.startswith(">") else f"{name} = {text}"


def printed_difference(new: float, old: float, decimals: int) -> float:
    """``new - old`` as a reader computes it from the two values printed with ``decimals`` decimals.

    A difference taken before rounding can disagree with the printed values in its last digit
    (0.0343 - 0.0009 printed as "+0.0335"); a student who checks by hand should get the printed
    difference: ``printed_difference(0.03434, 0.00088, 4)`` is 0.0334 (up to float rounding).
    """
    return round(float(new), decimals) - round(float(old), decimals)


def format_level(level) -> str:
    """A transformation level as printed in tables and sentences: ``3`` not ``3.0``, ``0.7``, ``1.6``
    (``format(level, "g")``; levels are stored as floats once curves of ints and floats are concatenated)."""
    return f"{float(level):g}"
