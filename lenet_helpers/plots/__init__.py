"""Every figure of the series (``lh.plot_*``), legible on a projector.

:mod:`.figures` (``save_figure`` and the 10 pt legibility rule, grids), :mod:`.digits`,
:mod:`.results`, :mod:`.network`, :mod:`.explain` (attribution, neighbours, invariance).
"""
