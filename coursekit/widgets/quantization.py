"""The quantization chapter's panel (see ``coursekit.widgets``)."""


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

    from .. import network, quantization
    from ..experiments import baselines
    from ..experiments import quantization as results

    tables = {name: results.load_results(name) for name in ("lenet_300_100", "lenet5")}
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
        model = baselines.pretrained(name)
        named = network.layers(model)
        for ax, layer in zip(axes, shown_layers[name]):
            weights = named[layer].weight.detach().flatten().numpy()
            counts, edges = np.histogram(weights, bins=100)
            ax.clear()
            ax.stairs(np.maximum(counts, 0.8), edges, fill=True, color="0.75")
            ax.set(
                yscale="log",
                ylim=(0.8, 3 * len(weights)),
                title=f"{name} {layer}: {len(weights):,} weights",
                xlabel="weight value",
            )
            sizes[name, layer] = len(weights)
        axes[0].set_ylabel("weights (gray: per bin, red: per shared value)", fontsize=8)
        fig.tight_layout()
        fig.canvas.draw()
        backgrounds[name] = fig.canvas.copy_from_bbox(fig.bbox)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(fc_bits=4, conv_bits=8, init="linear", finetuned=False, model="lenet_300_100"):
        if model not in tables:
            raise ValueError(f"model={model!r}: choose one of {sorted(tables)}")
        if init not in quantization.INITS:
            raise ValueError(f"init={init!r}: choose one of {list(quantization.INITS)}")
        quantization.check_bits(fc_bits)
        quantization.check_bits(conv_bits)
        table = tables[model]
        conv = conv_bits if model == "lenet5" else 32  # LeNet-300-100 has no conv layer
        row = table["configs"][results.config_key(conv, fc_bits, init)]
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
            f"({table['dense_bits'] / 8 / 1024:.0f} KB) &nbsp; "
            f"Eq. 1 on {shown_layers[model][0]}: r = {shown['layer_rate']:.2f}"
        )
        return shown

    controls = {
        "fc_bits": widgets.IntSlider(value=4, min=1, max=8, description="fc bits"),
        "conv_bits": widgets.IntSlider(value=8, min=1, max=8, description="conv bits"),
        "init": widgets.Dropdown(options=list(quantization.INITS), value="linear", description="init"),
        "finetuned": widgets.Checkbox(value=False, description="fine-tuned"),
        "model": widgets.Dropdown(
            options=[("LeNet-300-100", "lenet_300_100"), ("LeNet-5", "lenet5")], description="model"
        ),
    }
    for control in controls.values():
        control.observe(lambda change: update(**{k: c.value for k, c in controls.items()}), names="value")
    update()
    return SimpleNamespace(widget=widgets.VBox([*controls.values(), label, image]), update=update)
