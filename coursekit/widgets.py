"""The course's sliders.

Each panel is built by a function that returns an object with ``.widget`` (what the notebook
displays) and ``.update(**values)`` (what a slider move calls; it returns the numbers it shows),
so tests and benchmarks drive the same code from Python, without a browser. Slider callbacks
never train: they read checkpoints precomputed by ``python -m coursekit.reproduce``.
"""
