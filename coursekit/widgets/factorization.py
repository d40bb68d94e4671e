"""The factorization chapter's panel (see ``coursekit.widgets``)."""

import torch
from torch import nn

from .. import factorization
from ..experiments import load_json
from ..i18n import message
from . import _live
from ._panel import canvas_png, freeze, legend, live_figure, styled


def _student_product(factors, weight, rank, what):
    """``factors(weight, rank)`` checked: ``(A, B)``, ``n x rank`` and ``rank x m``; returns ``A @ B``."""
    name = getattr(factors, "__name__", "factors")
    got = _live.call_student(factors, (weight.clone(), rank), what)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _live.Problem(
            message("widgets.problem.not_a_pair", name=name, type=type(got).__name__, what=what, pair="(A, B)")
        )
    A, B = (_live.as_tensor(t, factors, what) for t in got)
    n, m = weight.shape
    if tuple(A.shape) != (n, rank) or tuple(B.shape) != (rank, m):
        raise _live.Problem(
            message(
                "widgets.factorization.bad_shapes",
                name=name,
                rank=rank,
                got_a=tuple(A.shape),
                got_b=tuple(B.shape),
                what=what,
                want_a=(n, rank),
                want_b=(rank, m),
            )
        )
    if not (A.dtype.is_floating_point and B.dtype.is_floating_point):
        raise _live.Problem(message("widgets.factorization.bad_dtypes", name=name, a=A.dtype, b=B.dtype, what=what))
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

    label, image = widgets.HTML(), widgets.Image(format="png")
    controls = {"rank": widgets.IntSlider(value=100, min=1, max=100, description=message("widgets.factorization.rank"))}
    try:
        evaluator, name = _live.evaluator(model, images)
        linear = [n for n, m in evaluator.layers.items() if isinstance(m, nn.Linear)]
        layers = linear[:-1] if layers is None else list(layers)
        unknown = [n for n in layers if n not in linear]
        if not layers or unknown:
            if unknown:
                raise _live.Problem(message("widgets.factorization.unknown_layers", unknown=unknown, linear=linear))
            raise _live.Problem(message("widgets.factorization.no_layer", linear=linear))
    except _live.Problem as problem:
        return _live.problem_panel(controls, str(problem), label)

    weights = evaluator.weights
    if factors is None:  # one SVD per layer, once: a move keeps the first columns (factorization.low_rank's A @ B)
        svds = {n: torch.linalg.svd(weights[n], full_matrices=False) for n in layers}
        spectra = {n: S.numpy() for n, (_, S, _) in svds.items()}
    else:
        spectra = {n: torch.linalg.svdvals(weights[n]).numpy() for n in layers}
    biases = sum(m.bias.numel() for m in evaluator.layers.values() if m.bias is not None)
    dense_parameters = sum(w.numel() for w in weights.values()) + biases
    load = lambda: load_json("factorization", f"{name}.json")
    table, missing = _live.precomputed(load, "factorization") if name else (None, "")

    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig, (curve_ax, spectrum_ax) = live_figure()
        curve_ax.set(yscale="log", ylim=(0.3, 100), xlim=(0, 101))
        curve_ax.set(xlabel=message("widgets.factorization.xlabel"), ylabel=message("widgets.test_error_axis"))
        (live_line,) = curve_ax.plot(
            [], [], ".-", color="tab:blue", animated=True, label=message("widgets.factorization.live_curve")
        )
        (marker,) = curve_ax.plot([], [], "o", color="tab:red", markersize=8, animated=True)
        handles = [live_line]
        if table:
            rows = [r for r in table["rows"] if r.get("error_fine_tuned") is not None]
            handles += curve_ax.plot(
                [100 * r["fraction"] for r in rows],
                [100 * r["error_fine_tuned"] for r in rows],
                "s--",
                color="0.45",
                label=message("widgets.factorization.precomputed_curve"),
            )
        legend(fig, handles)
        curve_ax.set_title(
            message("widgets.factorization.title", model=_live.display_name(name), layers=", ".join(layers))
        )
        for n, S in spectra.items():
            spectrum_ax.semilogy(100 * np.arange(1, len(S) + 1) / len(S), S, label=n)
        spectrum_ax.set(
            xlabel=message("widgets.factorization.spectrum_xlabel"),
            ylabel=message("widgets.factorization.spectrum_ylabel"),
            title=message("widgets.factorization.spectrum_title"),
        )
        spectrum_ax.legend(loc="upper right")
        cut = spectrum_ax.axvline(100, color="tab:red", animated=True)
        freeze(fig)
        background = fig.canvas.copy_from_bbox(fig.bbox)
    seen = {}
    tested = len(evaluator.labels)
    # precomputed fine-tuned errors are on all 10,000 test images: say so when the live ones are not
    on = message("widgets.on_images", images=10_000) if tested < 10_000 else ""

    def compute(values, stale):
        percent = values["rank"]
        if not 1 <= percent <= 100:
            raise ValueError(message("widgets.factorization.bad_rank", rank=percent))
        ranks = {n: max(1, round(percent / 100 * min(weights[n].shape))) for n in layers}
        out = {}
        for n, r in ranks.items():
            if factors is None:
                U, S, Vh = svds[n]
                out[n] = (U[:, :r] * S[:r]) @ Vh[:r]
            else:
                what = message("widgets.what.layer", layer=n, shape=tuple(weights[n].shape))
                out[n] = _student_product(factors, weights[n], r, what)
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
                fine = message("widgets.factorization.fine_tuned", error=100 * row["error_fine_tuned"], on=on)
        ratio = shown["ratio"]
        if ratio >= 1:
            size = message("widgets.factorization.smaller", ratio=ratio)
        else:
            size = message("widgets.factorization.larger", ratio=1 / ratio)
        line = message(
            "widgets.factorization.label",
            live=message("widgets.live"),
            ranks=", ".join(f"{n} {r}" for n, r in shown["ranks"].items()),
            yours=message("widgets.factorization.yours") if factors else "",
            error=message("widgets.test_error_on", error=100 * shown["error"], images=tested),
            fine=fine,
        )
        sizes = message("widgets.factorization.sizes", parameters=shown["parameters"], kb=shown["kb"], size=size)
        label.value = f"{line}<br>{sizes}"

    panel = _live.live_panel(controls, compute, show, [label, image])
    panel.figure = fig  # for tests: its layout (coursekit.plots.check_layout)
    return panel
