"""The course's sliders.

Each panel is built by a function that returns an object with ``.widget`` (what the notebook
displays) and ``.update(**values)`` (what a slider move calls; it returns the numbers it shows),
so tests and benchmarks drive the same code from Python, without a browser.

The pruning, quantization and factorization panels are *live*: a move prunes / runs k-means /
truncates an SVD of the model it was given (the course's network by default, or the student's,
with the student's own function if given) and evaluates it on the test images. What needs
training (retrained, fine-tuned results) is precomputed by ``python -m coursekit.reproduce`` and
drawn beside, labelled as such. ``_live.py`` holds what they share: the evaluation, the
"latest value wins" worker behind the controls, one-line problems. The structured panel reads
its trajectory precomputed.

``_panel.py`` is the skeleton they share: ``panel(controls, update, *outputs)`` wires every
control to ``update(**values)`` and returns that object; ``figure_png`` / ``canvas_png`` turn a
matplotlib figure into the PNG an image widget shows.
"""

from . import _messages  # noqa: F401  (the panels' texts join coursekit's message catalogue)
from .factorization import factorization_panel
from .pruning import pruning_panel
from .quantization import quantization_panel
from .structured import structured_panel

__all__ = ["pruning_panel", "quantization_panel", "factorization_panel", "structured_panel"]
