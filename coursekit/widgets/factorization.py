"""The factorization chapter's panel (see ``coursekit.widgets``)."""

import torch
from torch import nn

from .. import factorization
from ..experiments import load_json
from . import _live
from ._panel import SIZE, canvas_png, styled


def _student_product(factors, weight, rank, what):
    """``factors(weight, rank)`` checked: ``(A, B)``, ``n x rank`` and ``rank x m``; returns ``A @ B``."""
    name = getattr(factors, "__name__", "factors")
    got = _live.call_student(factors, (weight.clone(), rank), what)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _live.Problem(f"{name} returned {type(got).__name__} for {what}: expected a pair (A, B)")
    A, B = (_live.as_tensor(t, factors, what) for t in got)
    n, m = weight.shape
    if tuple(A.shape) != (n, rank) or tuple(B.shape) != (rank, m):
        raise _live.Problem(
            f"{name}(weight, {rank}) returned A {tuple(A.shape)} and B {tuple(B.shape)} for {what}, "
            f"expected A {(n, rank)} and B {(rank, m)}"
        )
    if not (A.dtype.is_floating_point and B.dtype.is_floating_point):
        raise _live.Problem(f"{name} returned dtypes {A.dtype} and {B.dtype} for {what}: expected floating point")
    return (A.float() @ B.float()).view_as(weight)


def factorization_panel(model=None, factors=None, layers=None, images=None):
    """Notebook 04, live: every factorized layer truncated to one percentage of its full rank,
    computed on each move.

    Args:
        model: ``None`` (the course's trained LeNet-300-100), ``"lenet5"``, or any ``nn.Module``
            with ``nn.Linear`` layers taking MNIST images.
        factors: your ``rank_r_factors(weight, rank) -> (A, B)`` (the exercise's signature,
            ``A @ B`` the truncated SVD); ``None``: ``factorization.low_rank`` on an SVD computed
            once per layer, so that a move only multiplies the kept columns.
        layers: names of the Linear layers to factorize (``None``: every Linear layer but the
            last, the classifier: fc1 and fc2 of LeNet-300-100, fc1 of LeNet-5).
        images: how many test images to evaluate on (``None``: 10,000; 400 for LeNet-5).

    A move keeps ``rank`` percent of each layer's full rank ``min(n, m)`` (at least 1), evaluates
    the network and redraws: error vs rank kept (each setting computed so far, live) beside the
    precomputed curve *fine-tuned* after factorizing (``python -m coursekit.reproduce
    factorization``; course models only), and the singular value spectra with the cut.
    ``update(rank=10)`` returns the numbers shown: ranks, error, parameters, KB.
    """
    import ipywidgets as widgets
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots

    label, image = widgets.HTML(), widgets.Image(format="png")
    controls = {"rank": widgets.IntSlider(value=100, min=1, max=100, description="rank kept %")}
    try:
        evaluator, name = _live.evaluator(model, images)
        linear = [n for n, m in evaluator.layers.items() if isinstance(m, nn.Linear)]
        layers = linear[:-1] if layers is None else list(layers)
        unknown = [n for n in layers if n not in linear]
        if not layers or unknown:
            raise _live.Problem(
                f"no layer to factorize: {'layers ' + str(unknown) + ' are not' if unknown else 'factorize needs'} "
                f"Linear layers other than the classifier; this model's Linear layers: {linear}"
            )
    except _live.Problem as problem:
        return _live.problem_panel(controls, str(problem), label)

    weights = evaluator.weights
    if factors is None:  # one SVD per layer, once: a move keeps the first columns (factorization.low_rank's A @ B)
        svds = {n: torch.linalg.svd(weights[n], full_matrices=False) for n in layers}
    spectra = {n: torch.linalg.svdvals(weights[n]).numpy() for n in layers}
    biases = sum(m.bias.numel() for m in evaluator.layers.values() if m.bias is not None)
    dense_parameters = sum(w.numel() for w in weights.values()) + biases
    load = lambda: load_json("factorization", f"{name}.json")
    table, missing = _live.precomputed(load, "factorization") if name else (None, "")

    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig = Figure(figsize=SIZE, dpi=plots.DPI)
        FigureCanvasAgg(fig)
        curve_ax, spectrum_ax = fig.subplots(1, 2)
        curve_ax.set(
            yscale="log", ylim=(0.3, 100), xlim=(0, 101), xlabel="rank kept (% of full rank)", ylabel="test error (%)"
        )
        (live_line,) = curve_ax.plot(
            [], [], ".-", color="tab:blue", animated=True, label="live: truncated SVD now, no training"
        )
        (marker,) = curve_ax.plot([], [], "o", color="tab:red", markersize=8, animated=True)
        if table:
            rows = [r for r in table["rows"] if r.get("error_fine_tuned") is not None]
            curve_ax.plot(
                [100 * r["fraction"] for r in rows],
                [100 * r["error_fine_tuned"] for r in rows],
                "s--",
                color="0.45",
                label="precomputed (reproduce): fine-tuned",
            )
        curve_ax.legend(handles=curve_ax.lines[:1] + curve_ax.lines[2:], loc="upper right")
        curve_ax.set_title(f"factorized: {', '.join(layers)}")
        for n, S in spectra.items():
            spectrum_ax.semilogy(100 * np.arange(1, len(S) + 1) / len(S), S, label=n)
        spectrum_ax.set(xlabel="rank (% of full rank)", ylabel="singular value")
        spectrum_ax.legend(loc="upper right")
        spectrum_ax.set_title("singular values, the cut (live)")
        cut = spectrum_ax.axvline(100, color="tab:red", animated=True)
        fig.tight_layout()
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
    seen = {}
    tested = len(evaluator.labels)

    def compute(values, stale):
        percent = values["rank"]
        if not 1 <= percent <= 100:
            raise ValueError(f"rank={percent!r}: give a percentage of the full rank from 1 to 100")
        ranks = {n: max(1, round(percent / 100 * min(weights[n].shape))) for n in layers}
        out = {}
        for n, r in ranks.items():
            if factors is None:
                U, S, Vh = svds[n]
                out[n] = (U[:, :r] * S[:r]) @ Vh[:r]
            else:
                out[n] = _student_product(factors, weights[n], r, f"layer {n} {tuple(weights[n].shape)}")
            if stale():
                raise _live.Superseded
        error = evaluator.error(out)
        seen[percent] = error
        saved = sum(weights[n].numel() - factorization.factorized_size(*weights[n].shape, r) for n, r in ranks.items())
        parameters = dense_parameters - saved
        return {
            "rank": percent,
            "ranks": ranks,
            "error": error,
            "parameters": parameters,
            "kb": 4 * parameters / 1024,
            "ratio": dense_parameters / parameters,
            "test_images": tested,
        }

    def show(shown):
        if "problem" in shown:
            label.value = _live.problem_line(shown["problem"])
            return
        fig.canvas.restore_region(background)
        points = sorted(seen.items())
        live_line.set_data([p for p, _ in points], [max(100 * e, 0.3) for _, e in points])
        marker.set_data([shown["rank"]], [max(100 * shown["error"], 0.3)])
        cut.set_xdata([shown["rank"], shown["rank"]])
        for artist, ax in ((live_line, curve_ax), (marker, curve_ax), (cut, spectrum_ax)):
            ax.draw_artist(artist)
        image.value = canvas_png(fig)
        fine = missing
        if table:
            row = next((r for r in table["rows"] if round(100 * r["fraction"]) == shown["rank"]), None)
            if row and row.get("error_fine_tuned") is not None:
                fine = f" &nbsp; <i>precomputed, fine-tuned: {100 * row['error_fine_tuned']:.2f}%</i>"
        ratio = shown["ratio"]
        size = f"{ratio:.1f}x smaller than dense" if ratio >= 1 else f"{1 / ratio:.2f}x LARGER than dense"
        ranks = ", ".join(f"{n} {r}" for n, r in shown["ranks"].items())
        label.value = (
            f"<b>live</b>: ranks {ranks}{' (your factors)' if factors else ''}, no training: test error "
            f"<b>{100 * shown['error']:.2f}%</b> on {tested:,} test images{fine}<br>"
            f"{shown['parameters']:,} parameters &nbsp; {shown['kb']:.1f} KB ({size})"
        )

    return _live.live_panel(controls, compute, show, [label, image])
