"""Small matplotlib helpers the notebooks share. Each draws on an ``Axes`` it is given."""

import matplotlib.pyplot as plt


def style():
    """One look for every notebook figure (fixed size and resolution, so outputs are stable)."""
    plt.rcParams.update({"figure.figsize": (7, 3.5), "figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})


def log_barh(ax, labels, values, unit, highlight=()):
    """Horizontal bars on a log axis, each labelled with its value; ``highlight`` names bars to colour."""
    colors = ["tab:red" if label in highlight else "tab:blue" for label in labels]
    ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.set_xlabel(unit)
    for y, v in enumerate(values):
        ax.text(v * 1.15, y, f"{v:g}", va="center", fontsize=9)
    ax.set_xlim(min(values) / 2, max(values) * 8)
    ax.invert_yaxis()
    return ax


def error_vs_size(ax, curves, baseline_error=None):
    """DC Fig. 6 style: test error (%) against model size (% of the 32-bit model), one line per
    method. ``curves``: ``{label: [(size_percent, error_percent), ...]}``; add a method (e.g. SVD)
    by adding an entry. ``baseline_error`` (%) draws the uncompressed model's error."""
    for label, points in curves.items():
        sizes, errors = zip(*sorted(points))
        ax.plot(sizes, errors, "o-", label=label, markersize=4)
    if baseline_error is not None:
        ax.axhline(baseline_error, color="0.4", linestyle="--", linewidth=1, label="32-bit baseline")
    ax.set(xscale="log", xlabel="model size (% of the 32-bit model)", ylabel="test error (%)")
    ax.legend(fontsize=8)
    return ax
