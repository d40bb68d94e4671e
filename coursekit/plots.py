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


def draw_tree(ax, tree, names):
    """Draw a binary tree of nested pairs (leaves: ints, labelled ``names[leaf]``), root on top.

    Left edges are labelled 0 and right edges 1, so the path to a leaf spells its code
    (e.g. a Huffman tree from ``coursekit.huffman.huffman_tree``).
    """
    next_x = [0]

    def place(node, depth):  # a leaf's x is its rank from the left; a node sits above its children
        if not isinstance(node, tuple):
            x, next_x[0] = next_x[0], next_x[0] + 1
            ax.text(x, -depth, names[node], ha="center", va="top", fontsize=9, bbox=dict(fc="white", ec="tab:blue"))
            return x
        children = [place(child, depth + 1) for child in node]
        x = sum(children) / 2
        for bit, cx in enumerate(children):
            ax.plot([x, cx], [-depth, -depth - 1], color="gray", lw=1, zorder=0)
            ax.text((x + cx) / 2, -depth - 0.5, str(bit), color="tab:red", ha="center", va="center", fontsize=9)
        return x

    place(tree, 0)
    ax.set_xlim(-0.7, next_x[0] - 0.3)
    ax.axis("off")
    return ax
