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
    from ._panel import figure_png, panel, styled

    points = experiment.load("trajectories")["lenet5"]["taylor"]
    total = sum(points[0]["kept"].values())
    fractions = [sum(p["kept"].values()) / total for p in points]
    with styled():  # the course style: 100 dpi, 11-13 pt text
        fig, ax = plt.subplots(figsize=(6, 2.5), dpi=plots.DPI)
        ax.plot([p["flops"] / 1e6 for p in points], [100 * p["error"] for p in points], ".-", color="tab:blue")
        (marker,) = ax.plot([], [], "o", color="tab:red", markersize=10)
        ax.set(xlabel="MFLOPs per image", ylabel="test error (%)", title="LeNet-5, Taylor pruning")
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

    slider = widgets.FloatSlider(
        value=1.0, min=fractions[-1], max=1.0, step=0.01, description="maps kept", readout_format=".2f"
    )
    return panel({"kept": slider}, update, label, image)
