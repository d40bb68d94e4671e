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
