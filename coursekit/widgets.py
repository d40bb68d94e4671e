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
        marker.set_data([point["flops"] / 1e6], [100 * point["error"]])
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        image.value = buffer.getvalue()
        shown = {"step": step, **point}
        label.value = (
            f"maps kept: conv1 {point['kept']['conv1']}/20, conv2 {point['kept']['conv2']}/50 &nbsp; "
            f"test error {100 * point['error']:.2f}% &nbsp; {point['flops'] / 1e6:.2f} MFLOPs &nbsp; "
            f"{point['latency_ms']:.1f} ms per 256 images"
        )
        return shown

    slider = widgets.FloatSlider(value=1.0, min=fractions[-1], max=1.0, step=0.01, description="maps kept", readout_format=".2f")
    slider.observe(lambda change: update(change["new"]), names="value")
    update(1.0)
    return SimpleNamespace(widget=widgets.VBox([slider, label, image]), update=update)
