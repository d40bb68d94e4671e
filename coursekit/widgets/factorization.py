"""The factorization chapter's panel (see ``coursekit.widgets``)."""


def factorization_panel():
    """Notebook 04: one fraction of full rank for LeNet-300-100's fc1 and fc2, fine-tuned or not.

    Reads the rank sweep of ``python -m coursekit.reproduce factorization`` (every position
    evaluated on all 10,000 test images, before and after fine-tuning) and shows the test error,
    the parameters, the float32 size and both layers' singular value spectra with the cut drawn
    (one PNG per position, drawn here, so a move swaps an image). ``update(fraction=0.1,
    fine_tuned=True)`` returns the numbers shown.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from .. import factorization, network
    from ..experiments import baselines, load_json
    from ._panel import figure_png, panel

    table = load_json("factorization", "lenet_300_100.json")
    rows = {row["fraction"]: row for row in table["rows"]}
    base = baselines.pretrained("lenet_300_100")
    layers = network.layers(base)
    spectra = factorization.spectra(base, table["factorized_layers"].values())
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.6), dpi=72)
    cuts = []
    for ax, (name, S) in zip(axes, spectra.items()):
        n, m = layers[name].weight.shape
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
        frames[fraction] = figure_png(fig)
    plt.close(fig)
    image, label = widgets.Image(format="png"), widgets.HTML()

    def update(fraction=1.0, fine_tuned=False):
        if fraction not in rows:
            raise ValueError(
                f"fraction={fraction!r}: choose one of the precomputed fractions of full rank {list(rows)}"
            )
        row = rows[fraction]
        error = row["error_fine_tuned"] if fine_tuned else row["error"]
        shown = {"ranks": row["ranks"], "error": error, "parameters": row["parameters"], "kb": row["bytes"] / 1024}
        image.value = frames[fraction]
        ratio = table["dense_bytes"] / row["bytes"]
        size = f"{ratio:.1f}x smaller" if ratio >= 1 else f"{1 / ratio:.2f}x LARGER"
        label.value = (
            f"ranks fc1 {row['ranks']['fc1']}, fc2 {row['ranks']['fc2']} "
            f"({'fine-tuned' if fine_tuned else 'no fine-tuning'})<br>"
            f"test error <b>{100 * error:.2f}%</b> (dense {100 * table['baseline_error']:.2f}%) &nbsp; "
            f"{row['parameters']:,} parameters &nbsp; {shown['kb']:.1f} KB ({size} than dense)"
        )
        return shown

    controls = {
        "fraction": widgets.SelectionSlider(options=[(f"{f:g}", f) for f in rows], value=1.0, description="rank kept"),
        "fine_tuned": widgets.Checkbox(value=False, description="fine-tuned"),
    }
    return panel(controls, update, label, image)
