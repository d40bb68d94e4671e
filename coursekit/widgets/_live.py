"""What the live panels share: a model evaluated on the test images with some layers' weights
replaced, the "latest value wins" worker behind the controls, and one-line problems.

A live panel computes on every move (masks, k-means, truncated SVD, then the test error of the
whole network), so a move costs tens of milliseconds, not a table lookup. Two rules keep it
responsive:

- everything that does not depend on the control's value is computed once, when the panel is
  built (the order of each layer's magnitudes, its sorted values, its SVD, the test images as
  one contiguous float32 tensor), and what a move computes depends only on its own value, so a
  panel can also memoize it exactly (k-means codebooks);
- a control callback never computes: it hands its value to a :class:`Latest` worker, which
  computes only the newest value it was given. Values that arrive while it computes replace one
  another, so a fast drag costs at most one computation beyond the last value.

``update(**values)`` stays the synchronous contract tests and benchmarks use: it computes, shows
and returns the numbers, on the calling thread.
"""

import copy
import html
import threading
from types import SimpleNamespace

import torch
from torch import nn
from torch.nn.utils import parametrize

from .. import arguments, network
from ..data import load_mnist
from ..i18n import message
from ..integrity import DataError
from . import _messages  # noqa: F401  (the panels' texts join the catalogue)

# How many test images a course model is evaluated on by default (None: all 10,000). LeNet-5 costs
# 4.6 MFLOPs an image, 9x LeNet-300-100: 400 images is the largest subset that keeps a move within
# the budget (p50 50 ms, p95 100 ms) on a quiet 2-core CPU (benchmarks/bench_live.py scans subsets).
IMAGES = {"lenet_300_100": None, "lenet5": 400}
# What titles call the course's models (their names in code are lenet_300_100, lenet5).
DISPLAY_NAMES = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}


def display_name(name):
    """``"LeNet-300-100"`` for ``"lenet_300_100"``; "your model" (translated) for ``None``."""
    return DISPLAY_NAMES.get(name, name) if name else message("widgets.model.yours")


class Problem(Exception):
    """Something the panel cannot compute (bad model, bad student function): one line to show."""


class Superseded(Exception):
    """A newer value arrived while this one was computing: drop this one."""


def _never():
    return False


def _plain_copy(model):
    """A CPU copy of ``model`` in eval mode whose weight layers hold plain tensors: pruning masks
    (``torch.nn.utils.prune``) and parametrizations (e.g. shared weights) are folded in, and whose
    non-overlapping max-pooling layers are ``_StridedMax`` (the same numbers, faster)."""
    plain = copy.deepcopy(model).cpu().eval()
    for module in network.layers(plain).values():
        if parametrize.is_parametrized(module):
            parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
        if hasattr(module, "weight_orig"):
            torch.nn.utils.prune.remove(module, "weight")
    for parent in list(plain.modules()):
        for child_name, child in parent.named_children():
            size = _StridedMax.size_of(child)
            if size:
                setattr(parent, child_name, _StridedMax(size))
    return plain


class _StridedMax(nn.Module):
    """``nn.MaxPool2d(k)`` (stride k, no padding, no dilation) as the elementwise maximum of its
    k x k strided views of the input: exactly the same outputs, without max_pool2d's search for
    the index of each maximum; on LeNet-5's 400 x 20 x 24 x 24 maps 6x faster on this CPU, where
    max pooling cost as much as the two convolutions."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    @staticmethod
    def size_of(module):
        """``k`` when ``module`` is an ``nn.MaxPool2d`` this class can replace, else ``None``."""
        if type(module) is not nn.MaxPool2d or module.return_indices or module.ceil_mode:
            return None
        pairs = [
            nn.modules.utils._pair(v) for v in (module.kernel_size, module.stride, module.padding, module.dilation)
        ]
        (kernel, _), stride, padding, dilation = pairs
        if pairs[0] == stride == (kernel, kernel) and padding == (0, 0) and dilation == (1, 1):
            return kernel
        return None

    def forward(self, x):
        k = self.size
        height, width = x.shape[-2] // k * k, x.shape[-1] // k * k  # rows / columns a window covers
        out = x[..., 0:height:k, 0:width:k]
        for i in range(k):
            for j in range(k):
                if i or j:
                    out = torch.maximum(out, x[..., i:height:k, j:width:k])
        return out


class Evaluator:
    """The test error of ``model`` on the first ``images`` MNIST test images (all 10,000 when
    ``None``), with any of its weight layers' weights replaced.

    ``weights`` are the layers' own weights (``{"fc1": tensor, ...}``, as ``network.layers`` names
    them), detached copies on the CPU. ``error({"fc1": w1})`` runs one batched forward pass with
    ``w1`` in place of fc1's weight (``torch.func.functional_call``: the model is never changed).
    Raises ``Problem`` for a model without Linear/Conv2d layers or one that does not take MNIST
    images (``N x 1 x 28 x 28``).
    """

    def __init__(self, model, images=None):
        if not isinstance(model, nn.Module):
            raise Problem(message("widgets.problem.not_module", type=type(model).__name__))
        self.model = _plain_copy(model)
        self.layers = network.layers(self.model)
        if not self.layers:
            has = ", ".join(sorted({type(m).__name__ for m in model.modules()}))
            raise Problem(message("widgets.problem.no_layer", has=has or message("widgets.problem.nothing")))
        paths = {module: path for path, module in self.model.named_modules()}
        self.paths = {name: f"{paths[module]}.weight" for name, module in self.layers.items()}
        self.weights = {name: network.weight(module).clone() for name, module in self.layers.items()}
        test_images, test_labels = load_mnist("test")
        count = len(test_images) if images is None else min(int(images), len(test_images))
        self.images = test_images[:count].float().contiguous()
        self.labels = test_labels[:count]
        self.error(self.weights)  # a model that cannot take the images fails here, once

    @torch.inference_mode()
    def error(self, weights):
        """Fraction of the test images misclassified with ``weights`` (``{layer name: tensor}``,
        any subset of the layers) in place of the model's own."""
        replaced = {self.paths[name]: w for name, w in weights.items()}
        try:
            logits = torch.func.functional_call(self.model, replaced, (self.images,))
        except Exception as error:
            shape = "x".join(map(str, self.images.shape))
            failed = message("widgets.problem.model_failed", shape=shape, error=type(error).__name__, text=error)
            raise Problem(failed) from None
        return int((logits.argmax(1) != self.labels).sum()) / len(self.labels)


class Latest:
    """Run ``run(values, stale)`` on the newest ``values`` submitted, in a background thread.

    ``submit(values)`` never waits: it stores ``values`` as *the* pending value (replacing any
    older pending one) and starts the worker thread when none is running. The worker takes the
    pending value, runs it, and repeats until nothing is pending, then ends. ``stale()`` (passed
    to ``run``) is true when a newer value is waiting, so ``run`` can stop early between steps
    (raise ``Superseded``) and never draws an outdated result. So a burst of N moves costs at
    most two computations after the first one: the one running when the burst ends, and the last
    value. ``runs`` counts the computations started, ``wait()`` blocks until the worker is idle.
    """

    def __init__(self, run):
        self._run = run
        self._lock = threading.Lock()
        self._pending = None
        self._worker = None
        self._idle = threading.Event()
        self._idle.set()
        self.runs = 0

    def submit(self, values):
        with self._lock:
            self._pending = values
            if self._worker is None:
                self._idle.clear()
                self._worker = threading.Thread(target=self._loop, name="live-panel", daemon=True)
                self._worker.start()

    def stale(self):
        return self._pending is not None

    def _loop(self):
        while True:
            with self._lock:
                values, self._pending = self._pending, None
                if values is None:
                    self._worker = None
                    self._idle.set()
                    return
                self.runs += 1
            try:
                self._run(values, self.stale)
            except Superseded:
                pass

    def wait(self, timeout=None):
        """Block until every submitted value has been handled; true unless ``timeout`` ran out."""
        return self._idle.wait(timeout)


def problem_line(text):
    """The HTML of a one-line problem shown on a panel."""
    return f'<span style="color:#b00020"><b>{message("widgets.cannot_compute")}</b> {html.escape(str(text))}</span>'


def live_panel(controls, compute, show, outputs):
    """Wire ``controls`` (``{keyword: ipywidget}``) to ``compute`` through a :class:`Latest` worker.

    ``compute(values, stale)`` returns the numbers to show (a dict) or raises ``Problem`` (one
    line) or ``Superseded``; any other exception from a student's function or model is shown as
    one line too. ``show(shown)`` draws them (it gets ``{"problem": line}`` for a problem).

    Returns ``SimpleNamespace``: ``widget`` (what the notebook displays), ``update(**values)``
    (computes and shows on the calling thread, returns the numbers shown: the contract tests and
    benchmarks use), ``submit(**values)`` (what a control move does: latest value wins),
    ``wait()`` (blocks until the worker is idle), ``shown`` (the numbers on display now),
    ``controls`` and ``worker``.
    """
    import ipywidgets as widgets

    drawing = threading.Lock()  # update() and the worker never draw at the same time
    panel = SimpleNamespace(controls=controls, shown=None)

    def run(values, stale=_never):
        with drawing:
            try:
                shown = compute(values, stale)
            except Superseded:
                raise
            except Problem as problem:
                shown = {"problem": str(problem)}
            except Exception as error:  # a student's function or model raised: one line, not a traceback
                shown = {"problem": message("widgets.problem.exception", error=type(error).__name__, text=error)}
            if stale():
                raise Superseded
            show(shown)
            panel.shown = shown
            return shown

    def current(values):
        unknown = sorted(set(values) - set(controls))
        if unknown:
            raise ValueError(message("widgets.problem.unknown_control", name=unknown[0], controls=list(controls)))
        checked = {keyword: control_value(controls[keyword], keyword, value) for keyword, value in values.items()}
        return {**{keyword: control.value for keyword, control in controls.items()}, **checked}

    def update(**values):
        return run(current(values))

    worker = Latest(run)
    for control in controls.values():
        control.observe(lambda change: worker.submit(current({})), names="value")
    panel.widget = widgets.VBox([*controls.values(), *outputs])
    panel.update = update
    panel.submit = lambda **values: worker.submit(current(values))
    panel.wait = worker.wait
    panel.worker = worker
    update()
    return panel


def control_value(control, keyword, value):
    """``value`` if ``control`` could show it, else a one-line ``ValueError``: ``update(sparsity="50")``
    or ``update(fine_tuned="no")`` are refused, not half-read."""
    if hasattr(control, "options"):
        options = control.options.values() if isinstance(control.options, dict) else control.options
        allowed = [o[1] if isinstance(o, tuple) else o for o in options]
        return arguments.choice(value, keyword, allowed)
    if isinstance(control.value, bool):
        return arguments.boolean(value, keyword)
    if isinstance(control.value, int):
        return arguments.integer(value, keyword, control.min, control.max)
    if isinstance(control.value, float):
        return arguments.number(value, keyword, control.min, control.max)
    return value


def problem_panel(controls, message, label):
    """A live panel that can only say ``message`` (e.g. a model with no layer to compress): its
    controls still move, and every move shows the same one line."""

    def compute(values, stale):
        raise Problem(message)

    def show(shown):
        label.value = problem_line(shown["problem"])

    return live_panel(controls, compute, show, [label])


def course_model(model):
    """``(model, name)``: ``None`` or one of the course's model names gives its trained baseline
    and that name; any other ``nn.Module`` is returned as it is, with name ``None``."""
    from ..experiments import baselines

    if model is None:
        model = "lenet_300_100"
    if isinstance(model, str):
        return baselines.pretrained(model), model
    return model, None


def evaluator(model, images):
    """``(Evaluator, name)`` for a panel's ``model`` argument (``course_model``) on ``images``
    (default: the course model's test subset, ``IMAGES``); raises ``Problem`` for a model it
    cannot evaluate."""
    model, name = course_model(model)
    return Evaluator(model, IMAGES.get(name) if images is None else images), name


def call_student(function, args, what):
    """``function(*args)``; an exception becomes one ``Problem`` line naming the call and ``what``."""
    name = getattr(function, "__name__", "your function")
    try:
        return function(*args)
    except Exception as error:
        shown = ", ".join(
            "weight" if isinstance(a, torch.Tensor) else f"{a:g}" if isinstance(a, float) else repr(a) for a in args
        )
        call = f"{name}({shown})"
        raise Problem(
            message("widgets.problem.raised", call=call, error=type(error).__name__, text=error, what=what)
        ) from None


def as_tensor(got, function, what):
    """What a student's function returned, as a real-valued tensor, else one ``Problem`` line."""
    name = getattr(function, "__name__", "your function")
    try:
        tensor = torch.as_tensor(got)
    except Exception:
        raise Problem(message("widgets.problem.not_tensor", name=name, type=type(got).__name__, what=what)) from None
    if tensor.dtype.is_complex:
        raise Problem(message("widgets.problem.complex", name=name, dtype=tensor.dtype, what=what))
    return tensor


def precomputed(load, chapter):
    """``(load(), "")``, or ``(None, note)`` when the results are missing: the panel still computes
    live and its label says which command makes the precomputed curve."""
    try:
        return load(), ""
    except (FileNotFoundError, KeyError, DataError):  # not made yet, made before this model was added, or changed
        return None, message("widgets.no_precomputed", chapter=chapter)
