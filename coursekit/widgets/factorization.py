"""The factorization chapter's panel (see ``coursekit.widgets``)."""


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

    from .. import factorization, models

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
