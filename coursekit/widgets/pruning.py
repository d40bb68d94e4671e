"""The pruning chapter's panel (see ``coursekit.widgets``)."""


def pruning_panel():
    """Notebook 01: magnitude pruning of LeNet-300-100 or LeNet-5, from 0 to 99% sparsity.

    Controls: sparsity (whole percent), layer-wise or global threshold, model, and "retrained"
    (start from the checkpoint retrained at the largest precomputed sparsity not above the slider,
    then prune it further). Every position was evaluated by ``python -m coursekit.reproduce
    pruning`` (LeNet-300-100 on all 10,000 test images, LeNet-5 on the first 2,000), so a move is a
    table lookup plus one redraw. ``update(sparsity=90, scope="global", model="lenet5",
    retrained=True)`` returns the numbers shown: test error, nonzero weights, dense and CSR KB.
    """
    import ipywidgets as widgets
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..experiments import pruning as experiment
    from ._panel import canvas_png, panel

    table = experiment.load_results("slider.json")
    fig = Figure(figsize=(6, 2.6), dpi=72)  # drawn off-screen by Agg, shown as a PNG widget
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set(yscale="log", ylim=(0.8, 3e5), xlabel="weight value", ylabel="nonzero weights per bin")
    ax.set_title("nonzero weights of all layers")
    stairs = ax.stairs(
        np.ones(experiment.HISTOGRAM_BINS), np.arange(experiment.HISTOGRAM_BINS + 1), fill=True, animated=True
    )
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
        image.value = canvas_png(fig)
        shown = {
            "sparsity": percent,
            "error": row["error"],
            "nonzero_weights": row["nonzero_weights"],
            "dense_kb": row["dense_kb"],
            "csr_kb": row["csr_kb"],
            "retrained_at": round(100 * row["from"]) if retrained else None,
            "test_images": table[model]["images"],
        }
        start = {None: "", 0: f", the baseline: no checkpoint retrained below {100 * experiment.GRID[0]:.0f}%"}.get(
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
        "scope": widgets.ToggleButtons(
            options=[("layer-wise", "layer"), ("global", "global")], description="threshold"
        ),
        "model": widgets.Dropdown(
            options=[("LeNet-300-100", "lenet_300_100"), ("LeNet-5", "lenet5")], description="model"
        ),
        "retrained": widgets.Checkbox(value=False, description="retrained"),
    }
    return panel(controls, update, label, image)
