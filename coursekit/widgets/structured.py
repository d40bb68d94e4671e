"""The structured chapter's panel (see ``coursekit.widgets``)."""


def structured_panel():
    """Notebook 05: a slider over the fraction of LeNet-5's feature maps kept (conv1 + conv2).

    Reads the Taylor pruning trajectory precomputed by ``python -m coursekit.reproduce structured``
    and shows, for the step that keeps at most that fraction: the maps left per layer, the test
    error, the FLOPs and the CPU latency of the rebuilt network (measured at build time), with a
    marker on the error-vs-FLOPs curve. ``update(kept=0.5)`` returns those numbers.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .. import arguments, plots
    from ..experiments import structured as experiment
    from ..i18n import message
    from ._panel import figure_png, panel, styled

    points = experiment.load("trajectories")["lenet5"]["taylor"]
    total = sum(points[0]["kept"].values())
    fractions = [sum(p["kept"].values()) / total for p in points]
    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig, ax = plt.subplots(figsize=(6, 2.5), dpi=plots.DPI)
        ax.plot([p["flops"] / 1e6 for p in points], [100 * p["error"] for p in points], ".-", color="tab:blue")
        (marker,) = ax.plot([], [], "o", color="tab:red", markersize=10)
        ax.set(
            xlabel=message("widgets.structured.xlabel"),
            ylabel=message("widgets.test_error_axis"),
            title=message("widgets.structured.title"),
        )
        fig.tight_layout()
        frames = []  # one PNG per step, drawn once here so that a slider move only swaps images
        for point in points:
            marker.set_data([point["flops"] / 1e6], [100 * point["error"]])
            frames.append(figure_png(fig))
        plt.close(fig)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(kept):
        kept = arguments.number(kept, "kept")  # a number; its range is checked below
        if not fractions[-1] - 1e-9 <= kept <= 1:
            raise ValueError(message("widgets.structured.bad_kept", kept=kept, low=fractions[-1]))
        step = next(i for i, f in enumerate(fractions) if f <= kept + 1e-9)
        point = points[step]
        image.value = frames[step]
        label.value = message(
            "widgets.structured.label",
            conv1=point["kept"]["conv1"],
            conv2=point["kept"]["conv2"],
            error=100 * point["error"],
            mflops=point["flops"] / 1e6,
            latency=point["latency_ms"],
        )
        return {"step": step, **point}

    slider = widgets.FloatSlider(
        value=1.0,
        min=fractions[-1],
        max=1.0,
        step=0.01,
        description=message("widgets.structured.kept"),
        readout_format=".2f",
    )
    return panel({"kept": slider}, update, label, image)
