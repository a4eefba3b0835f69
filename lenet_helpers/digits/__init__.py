"""Your own digits: reading a photo or a drawing as MNIST was made, and digits made with code.

:mod:`.page` (``load_image``, ``preprocess_steps``, ``read_digit``: one ``DigitReading``),
:mod:`.strokes` (stroke width), :mod:`.synthetic` (drawn digits, pen strokes, synthetic
photos, the fixed drawn set), :mod:`.sketchpad` (the drawing widget of notebook 11, with its
``sketchpad.js`` / ``sketchpad.css`` front end).
"""
