"""The quantization chapter's panel (see ``coursekit.widgets``)."""

import torch
from torch import nn

from .. import kmeans_fast, quantization
from ..experiments import quantization as experiments
from ..i18n import message
from . import _live
from ._panel import canvas_png, freeze, legend, live_figure, styled


def _student_codebook(kmeans, x, k, init, what):
    """``kmeans(x, k, init)`` checked: ``(codebook, indices)``, k values and n integers in [0, k)."""
    name = getattr(kmeans, "__name__", "kmeans")
    got = _live.call_student(kmeans, (x.clone(), k, init), what)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        pair = "(codebook, indices)"
        raise _live.Problem(
            message("widgets.problem.not_a_pair", name=name, type=type(got).__name__, what=what, pair=pair)
        )
    codebook, indices = (_live.as_tensor(t, kmeans, what) for t in got)
    if codebook.numel() > k:
        raise _live.Problem(message("widgets.quantization.too_many", name=name, count=codebook.numel(), what=what, k=k))
    if indices.shape != x.shape:
        got, expected = tuple(indices.shape), tuple(x.shape)
        raise _live.Problem(
            message("widgets.quantization.bad_indices_shape", name=name, got=got, what=what, expected=expected)
        )
    if indices.dtype.is_floating_point or indices.dtype == torch.bool:
        raise _live.Problem(
            message("widgets.quantization.bad_indices_dtype", name=name, dtype=indices.dtype, what=what)
        )
    if len(indices) and not (0 <= int(indices.min()) and int(indices.max()) < codebook.numel()):
        raise _live.Problem(
            message("widgets.quantization.indices_range", name=name, last=codebook.numel() - 1, what=what)
        )
    return codebook.flatten().float(), indices.long()


def quantization_panel(model=None, kmeans=None, images=None, warm=True):
    """Notebook 02, live: weight sharing by k-means, with bits per fc layer (and per conv layer,
    when ``model`` has some) and the centroid initialization, computed on each move.

    Args:
        model: ``None`` (the course's trained LeNet-300-100), ``"lenet5"``, or any ``nn.Module``
            with ``nn.Linear`` / ``nn.Conv2d`` layers taking MNIST images.
        kmeans: your ``kmeans(x, k, init) -> (codebook, indices)`` (``quantization.kmeans_1d``'s
            signature); ``None``: ``kmeans_fast.kmeans_1d``, the same clusters as the plain one.
        images: how many test images to evaluate on (``None``: 10,000; 400 for LeNet-5).
        warm: with ``kmeans=None``, compute every layer's codebook for all 8 bit widths and 4 inits
            when the panel is built (LeNet-300-100: about 1 s), so that no move waits for k-means
            (8-bit k-means to convergence takes 35-200 ms a layer); the label says so. Never done
            with your ``kmeans``: each move calls it.

    A move clusters each layer's nonzero weights into 2^bits shared values (zeros stay zero),
    evaluates the network and redraws: error vs bits (each setting computed so far, live) beside
    the precomputed curve of the same quantization *fine-tuned* (trained codebooks, DC Sec. 3.3,
    ``python -m coursekit.reproduce quantization``; course models only), and the shared values
    over the weight histogram of the largest layer. With ``kmeans=None`` each layer's codebook and
    quantized weight are memoized per (bits, init): they depend on nothing else, so a setting seen
    before costs only the evaluation. ``update(bits=4, init="linear")`` returns the numbers shown.
    """
    import ipywidgets as widgets
    import numpy as np

    label, image = widgets.HTML(), widgets.Image(format="png")
    controls = {
        "bits": widgets.IntSlider(value=4, min=1, max=8, description=message("widgets.quantization.fc_bits")),
        "init": widgets.Dropdown(
            options=[(message(f"widgets.quantization.init.{init}"), init) for init in quantization.INITS],
            value="linear",
            description=message("widgets.quantization.init"),
        ),
    }
    try:
        evaluator, name = _live.evaluator(model, images)
    except _live.Problem as problem:
        return _live.problem_panel(controls, str(problem), label)
    if any(isinstance(m, nn.Conv2d) for m in evaluator.layers.values()):
        controls["conv_bits"] = widgets.IntSlider(
            value=8, min=1, max=8, description=message("widgets.quantization.conv_bits")
        )

    weights = evaluator.weights
    nonzero = {n: w.flatten() != 0 for n, w in weights.items()}
    memo = {}  # (layer, bits, init) -> what `quantized_layer` returns

    def quantized_layer(layer, bits, init):
        """``(codebook, weights per shared value, the layer's quantized weight)`` of one layer. With
        ``kmeans=None`` it is memoized per (layer, bits, init): it depends on nothing else, so a
        setting seen before costs only the evaluation (LeNet-300-100, all 32 settings: 34 MB)."""
        key = (layer, bits, init)
        if kmeans is None and key in memo:
            return memo[key]
        x = weights[layer].flatten()[nonzero[layer]]
        k = 2**bits
        if kmeans is None:
            book, indices = kmeans_fast.kmeans_1d(x, k, init)
        else:
            what = message("widgets.quantization.nonzero", layer=layer, count=x.numel())
            book, indices = _student_codebook(kmeans, x, k, init, what)
        indices = indices.long()
        flat = torch.zeros(weights[layer].numel())
        flat[nonzero[layer]] = book[indices]
        result = book, torch.bincount(indices, minlength=book.numel()), flat.view_as(weights[layer])
        if kmeans is None:
            memo[key] = result
        return result

    def quantized(bits, conv_bits, init, stale):
        """``({layer: quantized weight}, (codebook, weights per shared value) of the shown layer)``."""
        out = {}
        for layer in weights:
            b = conv_bits if isinstance(evaluator.layers[layer], nn.Conv2d) else bits
            book, counts, out[layer] = quantized_layer(layer, b, init)
            if layer == shown_layer:
                shown_book = book.numpy(), counts.numpy()
            if stale():
                raise _live.Superseded
        return out, shown_book

    dense_bits = quantization.model_bits(evaluator.model)
    precomputed, missing = (
        _live.precomputed(lambda: experiments.load_results(name), "quantization") if name else (None, "")
    )
    # what `reproduce` fine-tunes: every LeNet-300-100 setting, LeNet-5's LENET5_FINE_TUNED (linear init)
    lenet5_tuned = set(experiments.LENET5_FINE_TUNED) if name == "lenet5" else None

    def tuned_error(conv_bits, bits, init):
        """The precomputed fine-tuned error of this setting, or None."""
        row = precomputed["configs"].get(experiments.config_key(conv_bits, bits, init)) if precomputed else None
        if row is None or row["finetuned_error"] is None:
            return None
        if lenet5_tuned is not None and (init != "linear" or (conv_bits, bits) not in lenet5_tuned):
            return None
        return row["finetuned_error"]

    shown_layer = max(weights, key=lambda n: weights[n].numel())
    values = weights[shown_layer][weights[shown_layer] != 0].numpy()
    counts_all, edges = np.histogram(values, bins=100)
    conv = "conv_bits" in controls

    def precomputed_curve(init, conv_bits):
        errors = [(b, tuned_error(conv_bits if conv else 32, b, init)) for b in range(1, 9)]
        return [(b, e) for b, e in errors if e is not None]

    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig, (curve_ax, hist_ax) = live_figure()
        curve_ax.set(yscale="log", ylim=(0.3, 100), xlim=(0.5, 8.5))
        curve_ax.set(xlabel=message("widgets.quantization.xlabel"), ylabel=message("widgets.test_error_axis"))
        (live_line,) = curve_ax.plot(
            [], [], ".-", color="tab:blue", animated=True, label=message("widgets.quantization.live_curve")
        )
        (marker,) = curve_ax.plot([], [], "o", color="tab:red", markersize=8, animated=True)
        hist_ax.stairs(np.maximum(counts_all, 0.8), edges, fill=True, color="0.75")
        hist_ax.set(yscale="log", ylim=(0.8, 3 * len(values)), xlabel=message("widgets.weight_value"))
        hist_ax.set_title(message("widgets.quantization.histogram_title", layer=shown_layer, count=len(values)))
        # one line through every shared value's bar (NaN between bars): one path to transform, not 256
        (centroids,) = hist_ax.plot([], [], color="tab:red", linewidth=1.2, animated=True)
        style = dict(color="0.45", linestyle="--", marker="s", label=message("widgets.quantization.precomputed_curve"))
        (tuned_line,) = curve_ax.plot([], [], animated=True, **style)
        legend(fig, [live_line, tuned_line] if precomputed else [live_line])
        longest = dict(model=_live.display_name(name), init="kmeans++", bits=8)  # the layout's room for the title
        title = "widgets.quantization.title_conv" if conv else "widgets.quantization.title"
        curve_ax.set_title(message(title, **longest), animated=True)  # drawn on each move: init, conv bits
        freeze(fig)
        # one background for every setting: what depends on init / conv bits (the precomputed
        # curve, the title) is drawn on each move, so a first visit of a setting costs no full redraw
        background = fig.canvas.copy_from_bbox(fig.bbox)

    seen = {}
    tested = len(evaluator.labels)
    # precomputed fine-tuned errors are on all 10,000 test images: say so when the live ones are not
    on = message("widgets.on_images", images=10_000) if tested < 10_000 else ""
    warmed = ""
    if kmeans is None and warm:  # every codebook a move can ask for, now: a first visit costs no k-means
        for init in quantization.INITS:
            for bits in range(1, 9):
                for layer in weights:
                    quantized_layer(layer, bits, init)
        warmed = message("widgets.quantization.warmed", settings=8 * len(quantization.INITS))

    def compute(values, stale):
        bits, init, conv_bits = values["bits"], values["init"], values.get("conv_bits", 32)
        quantization.check_bits(bits)
        if conv:
            quantization.check_bits(conv_bits)
        if init not in quantization.INITS:
            raise ValueError(message("widgets.quantization.bad_init", init=init, inits=list(quantization.INITS)))
        out, (book, counts) = quantized(bits, conv_bits, init, stale)
        error = evaluator.error(out)
        seen.setdefault((init, conv_bits), {})[bits] = error
        used = quantization.model_bits(evaluator.model, fc_bits=bits, conv_bits=conv_bits if conv else 32)
        return {
            "bits": bits,
            "conv_bits": conv_bits if conv else None,
            "init": init,
            "error": error,
            "rate": dense_bits / used,
            "kb": used / 8 / 1024,
            "test_images": tested,
            "codebook": book,
            "counts": counts,
        }

    def show(shown):
        if "problem" in shown:
            label.value = _live.problem_line(shown["problem"])
            return
        init, conv_bits = shown["init"], shown["conv_bits"] or 32
        fig.canvas.restore_region(background)
        tuned = precomputed_curve(init, conv_bits)
        tuned_line.set_data([b for b, _ in tuned], [100 * e for _, e in tuned])
        curve_ax.set_title(message(title, model=_live.display_name(name), init=init, bits=conv_bits))
        points = sorted(seen[init, conv_bits].items())
        live_line.set_data([b for b, _ in points], [max(100 * e, 0.3) for _, e in points])
        marker.set_data([shown["bits"]], [max(100 * shown["error"], 0.3)])
        pairs = zip(shown["codebook"], shown["counts"])
        used = [(c, n) for c, n in pairs if n > 0]
        centroids.set_data([x for c, _ in used for x in (c, c, np.nan)], [y for _, n in used for y in (0.8, n, np.nan)])
        for artist, ax in ((tuned_line, curve_ax), (live_line, curve_ax), (marker, curve_ax), (centroids, hist_ax)):
            ax.draw_artist(artist)
        with styled():  # the title's font: the course style
            fig.draw_artist(curve_ax.title)
        image.value = canvas_png(fig)
        tuned = tuned_error(conv_bits if conv else 32, shown["bits"], init)
        fine = missing
        if tuned is not None:
            fine = message("widgets.quantization.fine_tuned", error=100 * tuned, on=on)
        if conv:
            bits_text = message("widgets.quantization.bits_conv", bits=shown["bits"], conv_bits=conv_bits)
        else:
            bits_text = message("widgets.quantization.bits", bits=shown["bits"])
        line = message(
            "widgets.quantization.label",
            live=message("widgets.live"),
            bits=bits_text,
            init=init,
            yours=message("widgets.quantization.yours") if kmeans else "",
            error=message("widgets.test_error_on", error=100 * shown["error"], images=tested),
            fine=fine,
        )
        sizes = message("widgets.quantization.sizes", kb=shown["kb"], rate=shown["rate"])
        label.value = f"{line}<br>{sizes}{warmed}"

    panel = _live.live_panel(controls, compute, show, [label, image])
    panel.figure = fig  # for tests: its layout (coursekit.plots.check_layout)
    panel.forget = memo.clear  # for benchmarks: time moves that run k-means (what warm=True spares a move)
    return panel
