"""The course's sliders.

Each panel is built by a function that returns an object with ``.widget`` (what the notebook
displays) and ``.update(**values)`` (what a slider move calls; it returns the numbers it shows),
so tests and benchmarks drive the same code from Python, without a browser. Slider callbacks
never train: they read checkpoints precomputed by ``python -m coursekit.reproduce``.
"""


def structured_panel():
    """Notebook 05: a slider over the fraction of LeNet-5's feature maps kept (conv1 + conv2).

    Reads the Taylor pruning trajectory precomputed by ``python -m coursekit.reproduce structured``
    and shows, for the step that keeps at most that fraction: the maps left per layer, the test
    error, the FLOPs and the CPU latency of the rebuilt network (measured at build time), with a
    marker on the error-vs-FLOPs curve. ``update(kept=0.5)`` returns those numbers.
    """
    import io
    from types import SimpleNamespace

    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import structured

    points = structured.load("trajectories")["lenet5"]["taylor"]
    total = sum(points[0]["kept"].values())
    fractions = [sum(p["kept"].values()) / total for p in points]
    fig, ax = plt.subplots(figsize=(5, 2.6), dpi=72)
    ax.plot([p["flops"] / 1e6 for p in points], [100 * p["error"] for p in points], ".-", color="tab:blue")
    (marker,) = ax.plot([], [], "o", color="tab:red", markersize=10)
    ax.set(xlabel="MFLOPs per image", ylabel="test error (%)", title="LeNet-5, Taylor pruning")
    fig.tight_layout()
    frames = []  # one PNG per step, drawn once here so that a slider move only swaps images
    for point in points:
        marker.set_data([point["flops"] / 1e6], [100 * point["error"]])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        frames.append(buffer.getvalue())
    plt.close(fig)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(kept):
        if not fractions[-1] - 1e-9 <= kept <= 1:
            raise ValueError(
                f"kept={kept!r}: the fraction of feature maps kept must be between "
                f"{fractions[-1]:.3f} (the last precomputed step) and 1"
            )
        step = next(i for i, f in enumerate(fractions) if f <= kept + 1e-9)
        point = points[step]
        image.value = frames[step]
        label.value = (
            f"maps kept: conv1 {point['kept']['conv1']}/20, conv2 {point['kept']['conv2']}/50 &nbsp; "
            f"test error {100 * point['error']:.2f}% &nbsp; {point['flops'] / 1e6:.2f} MFLOPs &nbsp; "
            f"{point['latency_ms']:.1f} ms per 256 images"
        )
        return {"step": step, **point}

    slider = widgets.FloatSlider(value=1.0, min=fractions[-1], max=1.0, step=0.01, description="maps kept", readout_format=".2f")
    slider.observe(lambda change: update(change["new"]), names="value")
    update(1.0)
    return SimpleNamespace(widget=widgets.VBox([slider, label, image]), update=update)


def pruning_panel():
    """Notebook 01: magnitude pruning of LeNet-300-100 or LeNet-5, from 0 to 99% sparsity.

    Controls: sparsity (whole percent), layer-wise or global threshold, model, and "retrained"
    (start from the checkpoint retrained at the largest precomputed sparsity not above the slider,
    then prune it further). Every position was evaluated by ``python -m coursekit.reproduce
    pruning`` (LeNet-300-100 on all 10,000 test images, LeNet-5 on the first 2,000), so a move is a
    table lookup plus one redraw. ``update(sparsity=90, scope="global", model="lenet5",
    retrained=True)`` returns the numbers shown: test error, nonzero weights, dense and CSR KB.
    """
    import io
    from types import SimpleNamespace

    import ipywidgets as widgets
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from . import pruning

    table = pruning.load_results("slider.json")
    fig = Figure(figsize=(6, 2.6), dpi=72)  # drawn off-screen by Agg, shown as a PNG widget
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set(yscale="log", ylim=(0.8, 3e5), xlabel="weight value", ylabel="nonzero weights per bin")
    ax.set_title("nonzero weights of all layers")
    stairs = ax.stairs(np.ones(pruning.HISTOGRAM_BINS), np.arange(pruning.HISTOGRAM_BINS + 1), fill=True, animated=True)
    fig.tight_layout()
    # Blitting: draw each model's empty axes once, then per move paste that background and draw
    # only the histogram on it (a full matplotlib redraw takes longer than the 50 ms budget).
    backgrounds = {}
    for name, model_table in table.items():
        ax.set_xlim(model_table["edges"][0], model_table["edges"][-1])
        ax.set_title(f"{name}: nonzero weights of all layers")
        fig.canvas.draw()
        backgrounds[name] = fig.canvas.copy_from_bbox(fig.bbox)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(sparsity=0, scope="layer", model="lenet_300_100", retrained=False):
        if model not in table:
            raise ValueError(f"model={model!r}: choose one of {sorted(table)}")
        if scope not in ("layer", "global"):
            raise ValueError(f"scope={scope!r}: choose 'layer' (one threshold per layer) or 'global' (one for all)")
        percents = table[model]["percents"]
        if not percents[0] <= sparsity <= percents[-1]:
            raise ValueError(f"sparsity={sparsity!r}: give a percentage between {percents[0]} and {percents[-1]}")
        percent = round(sparsity)
        row = table[model][f"{scope}/{'retrained' if retrained else 'pruned'}"][percents.index(percent)]
        fig.canvas.restore_region(backgrounds[model])
        stairs.set_data(np.maximum(row["histogram"], 0.8), table[model]["edges"])
        ax.draw_artist(stairs)
        png = io.BytesIO()
        Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(png, format="png", compress_level=1)
        image.value = png.getvalue()
        shown = {
            "sparsity": percent,
            "error": row["error"],
            "nonzero_weights": row["nonzero_weights"],
            "dense_kb": row["dense_kb"],
            "csr_kb": row["csr_kb"],
            "retrained_at": round(100 * row["from"]) if retrained else None,
            "test_images": table[model]["images"],
        }
        start = {None: "", 0: f", the baseline: no checkpoint retrained below {100 * pruning.GRID[0]:.0f}%"}.get(
            shown["retrained_at"], f", from the checkpoint retrained at {shown['retrained_at']}%"
        )
        label.value = (
            f"<b>{model}</b>, {percent}% of weights pruned ({scope}{start})<br>"
            f"test error <b>{100 * row['error']:.2f}%</b> on {shown['test_images']:,} test images &nbsp; "
            f"nonzero weights {row['nonzero_weights']:,} &nbsp; "
            f"dense {row['dense_kb']:.1f} KB &nbsp; sparse (CSR) {row['csr_kb']:.1f} KB"
        )
        return shown

    controls = {
        "sparsity": widgets.IntSlider(value=0, min=0, max=99, description="sparsity %"),
        "scope": widgets.ToggleButtons(options=[("layer-wise", "layer"), ("global", "global")], description="threshold"),
        "model": widgets.Dropdown(options=[("LeNet-300-100", "lenet_300_100"), ("LeNet-5", "lenet5")], description="model"),
        "retrained": widgets.Checkbox(value=False, description="retrained"),
    }
    for control in controls.values():
        control.observe(lambda change: update(**{k: c.value for k, c in controls.items()}), names="value")
    update()
    return SimpleNamespace(widget=widgets.VBox([*controls.values(), label, image]), update=update)


def quantization_panel():
    """Notebook 02: weight sharing by k-means, with bits per fc layer and per conv layer (1-8),
    the centroid initialization, "fine-tuned" (trained codebooks, DC Sec. 3.3) and the model.

    Every setting was quantized, fine-tuned and evaluated on all 10,000 test images by
    ``python -m coursekit.reproduce quantization``; a move looks the numbers up and redraws the
    centroids on the weight histogram of the model's largest fc layer and of its second layer
    (a conv layer of LeNet-5). ``update(fc_bits=4, conv_bits=8, init="linear", finetuned=False,
    model="lenet_300_100")`` returns the numbers shown: test error, compression rate, size in KB.
    """
    import io
    from types import SimpleNamespace

    import ipywidgets as widgets
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from PIL import Image

    from . import models, pruning, quantization

    tables = {name: quantization.load_results(name) for name in ("lenet_300_100", "lenet5") if (quantization.DATA_DIR / f"{name}.json").is_file()}
    shown_layers = {"lenet_300_100": ("fc1", "fc2"), "lenet5": ("fc1", "conv2")}
    fig = Figure(figsize=(8, 2.8), dpi=72)  # drawn off-screen by Agg, shown as a PNG widget
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    lines = [LineCollection([], colors="tab:red", linewidths=1.5, animated=True) for _ in axes]
    for ax, collection in zip(axes, lines):
        ax.add_collection(collection)
    # Blitting: draw each model's weight histograms once; a move pastes that background and
    # draws only the centroids (a full matplotlib redraw would take most of the 50 ms budget).
    backgrounds, sizes = {}, {}
    for name in tables:
        model = models.pretrained(name)
        named = pruning.layers(model)
        for ax, layer in zip(axes, shown_layers[name]):
            weights = named[layer].weight.detach().flatten().numpy()
            counts, edges = np.histogram(weights, bins=100)
            ax.clear()
            ax.stairs(np.maximum(counts, 0.8), edges, fill=True, color="0.75")
            ax.set(yscale="log", ylim=(0.8, 3 * len(weights)), title=f"{name} {layer}: {len(weights):,} weights", xlabel="weight value")
            sizes[name, layer] = len(weights)
        axes[0].set_ylabel("weights (gray: per bin, red: per shared value)", fontsize=8)
        fig.tight_layout()
        fig.canvas.draw()
        backgrounds[name] = fig.canvas.copy_from_bbox(fig.bbox)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(fc_bits=4, conv_bits=8, init="linear", finetuned=False, model="lenet_300_100"):
        if model not in tables:
            raise ValueError(f"model={model!r}: choose one of {sorted(tables)} (others need `python -m coursekit.reproduce quantization`)")
        if init not in quantization.INITS:
            raise ValueError(f"init={init!r}: choose one of {list(quantization.INITS)}")
        quantization.check_bits(fc_bits)
        quantization.check_bits(conv_bits)
        table = tables[model]
        conv = conv_bits if model == "lenet5" else 32  # LeNet-300-100 has no conv layer
        row = table["configs"][quantization.config_key(conv, fc_bits, init)]
        error = row["finetuned_error"] if finetuned else row["error"]
        fig.canvas.restore_region(backgrounds[model])
        for ax, collection, layer in zip(axes, lines, shown_layers[model]):
            bits = conv_bits if layer.startswith("conv") else fc_bits
            entry = table["layers"][layer][f"{bits}/{init}"]
            values = row["finetuned_codebooks"][layer] if finetuned else entry["codebook"]
            collection.set_segments([[(c, 0.8), (c, max(n, 0.8))] for c, n in zip(values, entry["counts"]) if n > 0])
            ax.draw_artist(collection)
        png = io.BytesIO()
        Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).save(png, format="png", compress_level=1)
        image.value = png.getvalue()
        shown = {
            "error": error,
            "rate": table["dense_bits"] / row["bits"],
            "kb": row["bits"] / 8 / 1024,
            "layer_rate": quantization.compression_rate(sizes[model, shown_layers[model][0]], 2**fc_bits),
        }
        state = "fine-tuned" if finetuned else "quantized, not fine-tuned"
        label.value = (
            f"<b>{model}</b>, {state}, {init} init &nbsp; test error (10,000 images) <b>{100 * error:.2f}%</b> &nbsp; "
            f"size {shown['kb']:.1f} KB, <b>{shown['rate']:.1f}x</b> smaller than 32-bit "
            f"({table['dense_bits'] / 8 / 1024:.0f} KB) &nbsp; Eq. 1 on {shown_layers[model][0]}: r = {shown['layer_rate']:.2f}"
        )
        return shown

    controls = {
        "fc_bits": widgets.IntSlider(value=4, min=1, max=8, description="fc bits"),
        "conv_bits": widgets.IntSlider(value=8, min=1, max=8, description="conv bits"),
        "init": widgets.Dropdown(options=list(quantization.INITS), value="linear", description="init"),
        "finetuned": widgets.Checkbox(value=False, description="fine-tuned"),
        "model": widgets.Dropdown(options=[(n.replace("lenet_300_100", "LeNet-300-100").replace("lenet5", "LeNet-5"), n) for n in tables], description="model"),
    }
    for control in controls.values():
        control.observe(lambda change: update(**{k: c.value for k, c in controls.items()}), names="value")
    update()
    return SimpleNamespace(widget=widgets.VBox([*controls.values(), label, image]), update=update)


def factorization_panel():
    """Notebook 04: one fraction of full rank for LeNet-300-100's fc1 and fc2, fine-tuned or not.

    Reads the rank sweep of ``python -m coursekit.reproduce factorization`` (every position
    evaluated on all 10,000 test images, before and after fine-tuning) and shows the test error,
    the parameters, the float32 size and both layers' singular value spectra with the cut drawn
    (one PNG per position, drawn here, so a move swaps an image). ``update(fraction=0.1,
    fine_tuned=True)`` returns the numbers shown.
    """
    import io
    from types import SimpleNamespace

    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from . import factorization, models

    table = factorization.load_table("lenet_300_100")
    rows = {row["fraction"]: row for row in table["rows"]}
    base = models.pretrained("lenet_300_100")
    spectra = factorization.spectra(base, factorization.LENET_300_100_LAYERS)
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.6), dpi=72)
    cuts = []
    for ax, (name, S), index in zip(axes, spectra.items(), factorization.LENET_300_100_LAYERS):
        n, m = base[index].weight.shape
        ax.semilogy(range(1, len(S) + 1), S, color="tab:blue")
        ax.axvline(factorization.break_even_rank(n, m), color="gray", linestyle=":", label="break-even")
        cuts.append(ax.axvline(1, color="tab:red", label="cut"))
        ax.set(xlabel="rank", ylabel="singular value", title=f"{name} ({m} -> {n})")
    axes[0].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    frames = {}  # one PNG per slider position
    for fraction, row in rows.items():
        for cut, rank in zip(cuts, row["ranks"].values()):
            cut.set_xdata([rank, rank])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        frames[fraction] = buffer.getvalue()
    plt.close(fig)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(fraction=1.0, fine_tuned=False):
        if fraction not in rows:
            raise ValueError(f"fraction={fraction!r}: choose one of the precomputed fractions of full rank {list(rows)}")
        row = rows[fraction]
        error = row["error_fine_tuned"] if fine_tuned else row["error"]
        shown = {"ranks": row["ranks"], "error": error, "parameters": row["parameters"], "kb": row["bytes"] / 1024}
        image.value = frames[fraction]
        ratio = table["dense_bytes"] / row["bytes"]
        label.value = (
            f"ranks fc1 {row['ranks']['fc1']}, fc2 {row['ranks']['fc2']} ({'fine-tuned' if fine_tuned else 'no fine-tuning'})<br>"
            f"test error <b>{100 * error:.2f}%</b> (dense {100 * table['baseline_error']:.2f}%) &nbsp; "
            f"{row['parameters']:,} parameters &nbsp; {shown['kb']:.1f} KB "
            f"({'%.1fx smaller' % ratio if ratio >= 1 else '%.2fx LARGER' % (1 / ratio)} than dense)"
        )
        return shown

    controls = {
        "fraction": widgets.SelectionSlider(options=[(f"{f:g}", f) for f in rows], value=1.0, description="rank kept"),
        "fine_tuned": widgets.Checkbox(value=False, description="fine-tuned"),
    }
    for control in controls.values():
        control.observe(lambda change: update(**{k: c.value for k, c in controls.items()}), names="value")
    update()
    return SimpleNamespace(widget=widgets.VBox([*controls.values(), label, image]), update=update)
