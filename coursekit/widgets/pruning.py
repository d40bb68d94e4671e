"""The pruning chapter's panel (see ``coursekit.widgets``)."""

import torch

from .. import network
from ..experiments import pruning as experiments
from ..i18n import message
from . import _live
from ._panel import canvas_png, freeze, legend, live_figure, styled

HISTOGRAM_BINS = 80


def _student_mask(prune, weight, sparsity, what):
    """``prune(weight, sparsity)`` checked: a 0/1 mask of ``weight``'s shape, else ``Problem``."""
    name = getattr(prune, "__name__", "prune")
    mask = _live.as_tensor(_live.call_student(prune, (weight.clone(), sparsity), what), prune, what)
    if mask.shape != weight.shape:
        raise _live.Problem(
            message(
                "widgets.pruning.bad_shape",
                name=name,
                sparsity=sparsity,
                got=tuple(mask.shape),
                what=what,
                expected=tuple(weight.shape),
            )
        )
    mask = mask.to(weight.dtype)
    if not ((mask == 0) | (mask == 1)).all():
        raise _live.Problem(message("widgets.pruning.not_binary", name=name, sparsity=sparsity, what=what))
    return mask


def pruning_panel(model=None, prune=None, images=None):
    """Notebook 01, live: magnitude pruning of ``model`` from 0 to 99% sparsity, computed on each move.

    Args:
        model: ``None`` or ``"lenet_300_100"`` (the course's trained LeNet-300-100), ``"lenet5"``,
            or any ``nn.Module`` with ``nn.Linear`` / ``nn.Conv2d`` layers taking MNIST images.
        prune: your ``magnitude_mask(weight, sparsity)`` (the exercise's signature: a 0/1 mask of
            ``weight``'s shape removing exactly round(sparsity x n) weights); ``None``: the course's
            own, with each layer's magnitudes sorted once so that a move is a cut.
        images: how many test images to evaluate on (``None``: 10,000; 400 for LeNet-5).

    Controls: sparsity (whole percent) and threshold (layer-wise: each layer loses that fraction of
    its own weights; global: one threshold over all layers, with ``prune`` applied to all weights
    at once). A move builds the masks, evaluates the pruned network on the test images and
    redraws: error vs sparsity (each setting computed so far, live) beside the precomputed curve of
    the same pruning *retrained* (``python -m coursekit.reproduce pruning``; course models only),
    and the histogram of the surviving weights. ``update(sparsity=90, scope="global")`` returns the
    numbers shown: test error, nonzero weights, dense and CSR KB.
    """
    import ipywidgets as widgets
    import numpy as np
    from matplotlib.lines import Line2D

    label, image = widgets.HTML(), widgets.Image(format="png")
    controls = {
        "sparsity": widgets.IntSlider(
            value=0, min=0, max=99, description=message("widgets.pruning.sparsity"), continuous_update=True
        ),
        "scope": widgets.ToggleButtons(
            options=[(message(f"widgets.pruning.{scope}"), scope) for scope in ("layer", "global")],
            description=message("widgets.pruning.threshold"),
        ),
    }
    try:
        evaluator, name = _live.evaluator(model, images)
    except _live.Problem as problem:
        return _live.problem_panel(controls, str(problem), label)

    weights = evaluator.weights
    layer_names = list(weights)
    sizes = [w.numel() for w in weights.values()]
    flat = torch.cat([w.flatten() for w in weights.values()])
    if prune is None:  # sort each layer's magnitudes once: a move is then a cut (same masks as pruning.*_masks)
        orders = {n: torch.sort(w.abs().flatten(), stable=True).indices for n, w in weights.items()}
        global_order = torch.sort(flat.abs(), stable=True).indices
    biases = 4 * sum(m.bias.numel() for m in evaluator.layers.values() if m.bias is not None)
    dense_kb = (sum(network.dense_bytes(w) for w in weights.values()) + biases) / 1024
    results, missing = _live.precomputed(lambda: experiments.load_results()[name], "pruning") if name else (None, "")
    precomputed = results["iterative"] if results else None  # test errors, drawn only (nothing is chosen on them)
    curve_images = results.get("curves_test_images", experiments.TEST_IMAGES[name]) if results else None
    on = message("widgets.on_images", images=curve_images) if curve_images else ""
    tested = len(evaluator.labels)

    def pruned(sparsity, scope, stale):
        if prune is None and scope == "layer":
            out = {}
            for n, w in weights.items():
                cut = w.flatten().clone()
                cut[orders[n][: round(sparsity * w.numel())]] = 0
                out[n] = cut.view_as(w)
            return out
        if prune is None:
            cut = flat.clone()
            cut[global_order[: round(sparsity * flat.numel())]] = 0
            return {n: part.view_as(weights[n]) for n, part in zip(layer_names, cut.split(sizes))}
        if scope == "layer":
            out = {}
            for n, w in weights.items():
                out[n] = w * _student_mask(
                    prune, w, sparsity, message("widgets.what.layer", layer=n, shape=tuple(w.shape))
                )
                if stale():
                    raise _live.Superseded
            return out
        cut = flat * _student_mask(prune, flat, sparsity, message("widgets.pruning.all_weights", count=flat.numel()))
        return {n: part.view_as(weights[n]) for n, part in zip(layer_names, cut.split(sizes))}

    # the figure: drawn once, then blitted (a move pastes the background, draws the live artists)
    limit = float(flat.abs().max()) or 1.0
    edges = np.linspace(-limit, limit, HISTOGRAM_BINS + 1)
    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig, (curve_ax, hist_ax) = live_figure()
        curve_ax.set(yscale="log", ylim=(0.3, 100), xlim=(0, 100))
        curve_ax.set(xlabel=message("widgets.pruning.xlabel"), ylabel=message("widgets.test_error_axis"))
        (live_line,) = curve_ax.plot(
            [], [], ".-", color="tab:blue", animated=True, label=message("widgets.pruning.live_curve")
        )
        (marker,) = curve_ax.plot([], [], "o", color="tab:red", markersize=8, animated=True)
        stairs = hist_ax.stairs(np.ones(HISTOGRAM_BINS), edges, fill=True, animated=True)
        hist_ax.set(yscale="log", ylim=(0.8, 3 * flat.numel()), xlim=(edges[0], edges[-1]))
        hist_ax.set(xlabel=message("widgets.weight_value"), title=message("widgets.pruning.histogram_title"))
        style = dict(color="0.45", linestyle="--", marker="s", label=message("widgets.pruning.precomputed_curve"))
        legend(fig, [live_line, Line2D([], [], **style)] if precomputed else [live_line])
        backgrounds = {}
        for scope in ("layer", "global"):
            for line in curve_ax.lines[2:]:
                line.remove()
            if precomputed:
                curve_ax.plot([100 * g for g in experiments.GRID], [100 * e for e in precomputed[scope]], **style)
            scope_name = message(f"widgets.pruning.{scope}")
            curve_ax.set_title(message("widgets.pruning.title", model=_live.display_name(name), scope=scope_name))
            if not backgrounds:
                freeze(fig)  # one layout for both backgrounds
            fig.canvas.draw()
            backgrounds[scope] = fig.canvas.copy_from_bbox(fig.bbox)
    seen = {"layer": {}, "global": {}}  # what this panel computed so far: the live curve

    def compute(values, stale):
        percent, scope = values["sparsity"], values["scope"]
        if scope not in seen:
            raise ValueError(message("widgets.pruning.bad_scope", scope=scope))
        if not 0 <= percent <= 99:
            raise ValueError(message("widgets.pruning.bad_sparsity", sparsity=percent))
        out = pruned(percent / 100, scope, stale)
        if stale():
            raise _live.Superseded
        error = evaluator.error(out)
        seen[scope][percent] = error
        csr_kb = (sum(network.csr_bytes(w) for w in out.values()) + biases) / 1024
        survivors = torch.cat([w.flatten() for w in out.values()])
        survivors = survivors[survivors != 0]
        return {
            "sparsity": percent,
            "scope": scope,
            "error": error,
            "nonzero_weights": int(survivors.numel()),
            "dense_kb": dense_kb,
            "csr_kb": csr_kb,
            "test_images": tested,
            "histogram": torch.histc(survivors, HISTOGRAM_BINS, -limit, limit).numpy(),  # uniform bins: no sort
        }

    def show(shown):
        if "problem" in shown:
            label.value = _live.problem_line(shown["problem"])
            return
        scope = shown["scope"]
        fig.canvas.restore_region(backgrounds[scope])
        points = sorted(seen[scope].items())
        live_line.set_data([p for p, _ in points], [max(100 * e, 0.3) for _, e in points])
        marker.set_data([shown["sparsity"]], [max(100 * shown["error"], 0.3)])
        stairs.set_data(np.maximum(shown["histogram"], 0.8), edges)
        for artist, ax in ((live_line, curve_ax), (marker, curve_ax), (stairs, hist_ax)):
            ax.draw_artist(artist)
        image.value = canvas_png(fig)
        percent = shown["sparsity"]
        retrained = missing
        if precomputed and percent / 100 in experiments.GRID:
            error = 100 * precomputed[scope][experiments.GRID.index(percent / 100)]
            retrained = message("widgets.pruning.retrained", percent=percent, error=error, on=on)
        line = message(
            "widgets.pruning.label",
            live=message("widgets.live"),
            percent=percent,
            scope=message(f"widgets.pruning.{scope}"),
            yours=message("widgets.pruning.yours") if prune else "",
            error=message("widgets.test_error_on", error=100 * shown["error"], images=tested),
            retrained=retrained,
        )
        sizes = message(
            "widgets.pruning.sizes", nonzero=shown["nonzero_weights"], dense=shown["dense_kb"], csr=shown["csr_kb"]
        )
        label.value = f"{line}<br>{sizes}"

    panel = _live.live_panel(controls, compute, show, [label, image])
    panel.figure = fig  # for tests: its layout (coursekit.plots.check_layout)
    return panel
