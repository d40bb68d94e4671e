"""The skeleton every panel shares: a figure turned into PNG bytes, and the wiring of the
controls to ``update``.

A panel is ``SimpleNamespace(widget=..., update=...)``: ``widget`` is what the notebook displays,
``update(**values)`` what a control move calls (it redraws and returns the numbers it shows), so
tests and benchmarks drive a panel from Python, without a browser.
"""

import io
import struct
import zlib
from types import SimpleNamespace

# a panel's picture: 10x3 in at plots.DPI (100) = 1000x300 px: within the 1200 px a 1280x720 slide
# gives a figure, low enough to fit below the panel's controls (with the legend in a row above the
# two plots), with the course's 11-13 pt (15-18 px) text
SIZE = (10, 3.0)


def styled():
    """``with styled():`` draws with the course's figure style (``coursekit.plots.RC``) whether or
    not the notebook called ``plots.style()``: build a panel's figure and draw its text inside it.
    Log axes get plain tick labels (``plots.PlainLogScale``, registered as ``style()`` does)."""
    import matplotlib
    from matplotlib import scale

    from .. import plots

    if scale._scale_mapping.get("log") is not plots.PlainLogScale:  # once: what plots.style() registers
        scale.register_scale(plots.PlainLogScale)
    return matplotlib.rc_context(plots.RC)


def live_figure():
    """``(fig, (left, right))``: a live panel's figure, ``SIZE``, two axes side by side (the curve,
    and what a move changes), drawn off-screen (Agg). Its layout is computed by matplotlib
    (constrained, room for a figure ``legend`` above the plots) and fixed by ``freeze``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .. import plots

    fig = Figure(figsize=SIZE, dpi=plots.DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, 2)


def legend(fig, handles):
    """The curve's legend in one row above both plots: it never hides a point of the curves."""
    return fig.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False)


def freeze(fig):
    """Lay ``fig`` out once and keep that layout: the blitted backgrounds and the live artists
    drawn over them must agree on where the axes are."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


def figure_png(fig):
    """``fig`` drawn in full by matplotlib, as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def canvas_png(fig):
    """``fig``'s canvas as it stands (e.g. after blitting), as PNG bytes, for panels that redraw on
    every move: RGB (the figure is opaque), no PNG row filter, zlib level 1. Written here in a few
    lines (the PNG format: signature, IHDR, IDAT, IEND chunks) because it takes half the time of
    Pillow's encoder (4 ms instead of 9 ms for 1000x300 px), for the same size."""
    import numpy as np

    rgba = np.asarray(fig.canvas.buffer_rgba())
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # each row: filter type 0, then R G B ...
    rows[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, RGB
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 1)) + _chunk(b"IEND", b"")
    )


def _chunk(kind, data):
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def panel(controls, update, *outputs):
    """Wire ``controls`` (``{keyword of update: ipywidget}``) so that any change calls
    ``update(**{keyword: control.value, ...})``, draw once with the controls' initial values and
    return ``SimpleNamespace(widget=VBox([*controls, *outputs]), update=update)``."""
    import ipywidgets as widgets

    def refresh(change=None):
        return update(**{keyword: control.value for keyword, control in controls.items()})

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return SimpleNamespace(widget=widgets.VBox([*controls.values(), *outputs]), update=update)
