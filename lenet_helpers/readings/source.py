"""Long source code shown behind a collapsed view, so that a notebook's output stays about a screen.
"""
from __future__ import annotations

import inspect
import textwrap

from lenet_helpers.models import model_source
from lenet_helpers.models.summary import without_docstring
from lenet_helpers.readings.text import details_html


class SourceView:
    """Source code for a notebook output: a ``<details>`` element in Jupyter (closed unless
    ``collapsed=False``, highlighted as ``IPython.display.Code`` highlights it), one summary line
    in a plain-text front end.

    Attributes:
        name: what the code is, as the summary line names it.
        code: the source text.
        collapsed: whether the view starts closed.
    """

    def __init__(self, name: str, code: str, collapsed: bool = True):
        self.name, self.code, self.collapsed = name, code, collapsed

    @property
    def lines(self) -> int:
        """Number of lines of :attr:`code`."""
        return len(self.code.rstrip("\n").splitlines())

    def summary(self) -> str:
        """The one line shown while the view is closed: ``"show the code of lenet5 (34 lines)"``."""
        return f"show the code of {self.name} ({self.lines} lines)"

    def _repr_html_(self) -> str:
        from IPython.display import Code  # highlighted by Pygments, as IPython shows code

        return details_html(self.summary(), Code(self.code, language="python")._repr_html_(), not self.collapsed)

    def __repr__(self) -> str:
        if not self.collapsed:
            return f"{self.summary()}:\n{self.code}"
        return f"[{self.summary()}: collapsed; its .code attribute holds the text]"


def show_source(obj, collapsed: bool = True, docstring: bool = False) -> SourceView:
    """The source of a registered network, class or function, for display behind a collapsed view.

    Notebooks show long code this way (``display(lh.readings.show_source("lenet5"))``, or as a
    cell's last expression): closed, it takes one line, "show the code of lenet5 (34 lines)";
    a click opens it, highlighted.

    Args:
        obj: the name of a registered network (its class's source, as
            :func:`~lenet_helpers.model_source` gives it), or a class or function.
        collapsed: start closed (default) or open.
        docstring: keep the docstring of the network, class or function (left out by default, so
            the code fits on one screen; the docstring is what ``help(obj)`` shows).

    Returns:
        A :class:`SourceView`.

    Raises:
        ValueError: an unknown network name.
        TypeError: ``obj`` is neither a name nor something whose source Python can find.
    """
    if isinstance(obj, str):
        return SourceView(obj, model_source(obj, docstring=docstring), collapsed)
    try:
        code = textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as exc:
        raise TypeError(f"no source to show for {obj!r}: pass a registered network's name, a class or a "
                        f"function ({exc})") from None
    code = code if docstring else without_docstring(code)
    return SourceView(getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj))), code, collapsed)
