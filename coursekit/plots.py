"""Small display helpers the notebooks share: the course's figure style, plots that draw on an
``Axes`` they are given, results as HTML tables, and a slider's effect as a few frames.

Every figure is seen three ways: in a notebook, in JupyterLab's presentation mode and in the static
decks (``slides/*.slides.html``, a 1280x720 slide with about 1200 px for a figure). ``style()`` sizes
figures for the slide: at ``DPI`` (100) a figure of w inches is 100 w pixels wide and is shown at
that natural size when it fits (never stretched), and its tick labels and legends are ``TEXT_PT``
(11 pt = 15.3 px), so they stay at least 14 px on the slide down to a 0.91x downscale: a figure up
to ``MAX_WIDTH_IN`` (12 in = 1200 px) needs none.
"""

import base64
import html
import io
import math
import re

import matplotlib.pyplot as plt
from matplotlib import scale as mscale
from matplotlib import ticker

from .i18n import message

DPI = 100
TEXT_PT = 11  # tick labels, legends: 11 pt x 100 dpi / 72 = 15.3 px
MAX_WIDTH_IN = 12  # 1200 px: the width a 1280x720 slide gives a figure
MIN_SLIDE_PX = 14  # the smallest text a slide may show


def px(points, dpi=DPI):
    """Size in pixels of text of ``points`` on a figure drawn at ``dpi``."""
    return points * dpi / 72


def _plain(value):
    """A log axis's tick as a plain number: 0.01, 0.5, 10, 1000; powers of ten below 10^-4 and from
    10^5 on; no label ("") for the ticks between those powers (3x10^-6 would need scientific notation)."""
    if value == 0:
        return "0"
    exponent = math.log10(abs(value))
    if -4 <= exponent < 5:
        return f"{value:,.6g}".replace(",", "\u2009")  # thin space between thousands: 10 000
    if abs(exponent - round(exponent)) < 1e-9:
        return f"$10^{{{round(exponent)}}}$"
    return ""


class _PlainLogFormatter(ticker.LogFormatter):
    """LogFormatter's choice of which ticks to label (decades; 2 and 5 or all minor ticks when the
    axis spans less than about a decade), written as plain numbers instead of 2x10^0."""

    def _num_to_string(self, x, vmin, vmax):
        return _plain(x)


class PlainLogScale(mscale.LogScale):
    """The "log" scale with plain tick labels (0.1, 1, 10) and no 2x10^0-style minor labels;
    ``style()`` makes it the scale behind ``set_xscale("log")``, ``semilogy``, ``loglog``."""

    name = "log"

    def set_default_locators_and_formatters(self, axis):
        super().set_default_locators_and_formatters(axis)
        axis.set_major_formatter(_PlainLogFormatter(self.base))
        axis.set_minor_formatter(_PlainLogFormatter(self.base, labelOnlyBase=self.subs is not None))


def log_ticks_125(axis):
    """Label a log axis (``ax.xaxis`` or ``ax.yaxis``) at 1, 2, 5, 10, 20, 50, ... in plain numbers,
    for an axis spanning a few decades whose interesting values lie between the decades (an error
    of 1-5% on a 1-50% axis); the other minor ticks stay unlabelled."""
    axis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: _plain(value)))
    axis.set_minor_formatter(ticker.NullFormatter())


# the course's matplotlib settings: style() applies them everywhere, the live panels
# (coursekit/widgets) draw inside matplotlib.rc_context(RC) so they look the same without style()
RC = {
    "figure.figsize": (8, 3.6),
    "figure.dpi": DPI,
    "savefig.dpi": "figure",
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": TEXT_PT,
    "ytick.labelsize": TEXT_PT,
    "legend.fontsize": TEXT_PT,
    "legend.title_fontsize": TEXT_PT,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 2,
    "lines.markersize": 6,
}


def style(check=True):
    """One look for every notebook figure, sized for the slides (see the module's docstring):
    100 dpi, an 8x3.6 in (800x360 px) default, 11-13 pt text, plain labels on log axes. Figures
    wider than ``MAX_WIDTH_IN`` inches are shrunk on a slide: keep them narrower; leave font sizes
    to the style (an explicit ``fontsize=8`` is 11 px, too small for the back row).

    With ``check`` (the default), every figure pyplot makes from now on is checked each time it
    is drawn (shown in a notebook, saved): ``check_layout`` must find no problem, else the
    drawing raises ``LayoutError`` (in a notebook: a traceback under the cell, which fails nbval).
    """
    plt.rcParams.update(RC)
    mscale.register_scale(PlainLogScale)
    hooks = [hook for hook in plt.rcParams["figure.hooks"] if hook != _HOOK]
    plt.rcParams["figure.hooks"] = hooks + ([_HOOK] if check else [])


# --- a figure's layout, checked ----------------------------------------------------------------

OVERLAP_PX = 1  # two texts overlap when their boxes share more than 1 px in x and in y
_HOOK = "coursekit.plots:watch_layout"  # pyplot calls it with every new figure (rcParams["figure.hooks"])
_drawing_to_check = set()  # ids of the figures check_layout is drawing itself (not to be checked twice)
_SCIENTIFIC = re.compile(r"\\times\s*10\^|\d[eE][-+\u2212]?\d")  # 2x10^0 (mathtext), 2e+05, 3e\u221206


class LayoutError(AssertionError):
    """A figure with overlapping or cut-off text (the problems ``check_layout`` found)."""


def _describe(text):
    """A text for a message: its string, shortened, without mathtext dollars."""
    words = text.get_text().replace("$", "").replace("\n", " ")
    return repr(words if len(words) <= 30 else words[:27] + "...")


def _shown(text):
    return text is not None and text.get_visible() and text.get_text().strip() != ""


def _tick_labels(axis, axes_box):
    """The visible labels of the ticks of ``axis`` inside the axes' span (pyplot keeps labels of
    ticks outside the view too; they are not drawn)."""
    labels = []
    for label in axis.get_majorticklabels() + axis.get_minorticklabels():
        if not _shown(label):
            continue
        x, y = label.get_position()
        position = label.get_transform().transform((x, y))
        along = position[0] if axis.axis_name == "x" else position[1]
        low, high = (axes_box.x0, axes_box.x1) if axis.axis_name == "x" else (axes_box.y0, axes_box.y1)
        if low - 0.5 <= along <= high + 0.5:
            labels.append(label)
    return labels


def _overlap(a, b):
    """Whether boxes ``a`` and ``b`` (display pixels) share more than ``OVERLAP_PX`` in x and in y."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return width > OVERLAP_PX and height > OVERLAP_PX


def _sticks_out(box, frame):
    """How many pixels ``box`` reaches beyond ``frame`` on its worst side (0: inside)."""
    return max(frame.x0 - box.x0, box.x1 - frame.x1, frame.y0 - box.y0, box.y1 - frame.y1, 0)


def _pairs(names):
    """``[("a", "b"), ...]`` as one short phrase: 'a' and 'b', 'c' and 'd' (and 3 more pairs)."""
    shown = ", ".join(f"{a} and {b}" for a, b in names[:2])
    return shown + (f" (and {len(names) - 2} more pairs)" if len(names) > 2 else "")


def check_layout(fig, renderer=None, tight=True):
    """The layout problems of a figure, one line each (``[]``: none). A problem is
    - two neighbouring tick labels of one axis that overlap (too many ticks, or labels too long);
    - a tick label in scientific notation (2x10^0, 2e+05) where a plain number reads better;
    - a text placed with ``ax.text``/``ax.annotate`` that leaves its axes (unless ``ax.axis("off")``);
    - two texts that overlap: titles, axis labels, tick labels, ``ax.text`` labels, legends, of all
      axes; or a text of one axes over another axes (a y label over the subplot on its left);
    - with ``tight`` (the figure is shown cropped to what it draws, ``bbox_inches="tight"``, as in a
      notebook and in ``figure_html``): a crop wider than a slide's ``MAX_WIDTH_IN``; without it
      (the figure saved at its own size): any text that leaves the figure.
    Text sizes are measured as drawn (``renderer``: the one drawing; ``None``: draw the figure
    without rendering it first). Boxes are in display pixels of the figure at its dpi."""
    if renderer is None:
        _drawing_to_check.add(id(fig))  # this draw is ours: the watch (if any) stays quiet
        try:
            fig.draw_without_rendering()
        finally:
            _drawing_to_check.discard(id(fig))
        renderer = fig.canvas.get_renderer()
    problems = []
    items = []  # (axes number or None, group, name, box) of every text or legend, for the overlap checks
    axes_boxes = {}
    for number, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        name = f"axes {number + 1}" + (f" ({ax.get_title()!r})" if ax.get_title() else "")
        axes_box = axes_boxes[number] = ax.get_window_extent(renderer)
        for axis in (ax.xaxis, ax.yaxis) if ax.axison else ():  # ax.axis("off"): no ticks drawn
            labels = _tick_labels(axis, axes_box)
            boxes = [label.get_window_extent(renderer) for label in labels]
            order = sorted(range(len(labels)), key=lambda i: boxes[i].x0 if axis.axis_name == "x" else boxes[i].y0)
            clashes = [
                (_describe(labels[i]), _describe(labels[j]))
                for i, j in zip(order, order[1:])
                if _overlap(boxes[i], boxes[j])
            ]
            if clashes:
                problems.append(f"{name}: {axis.axis_name} tick labels overlap: {_pairs(clashes)}")
            for label in labels:
                if _SCIENTIFIC.search(label.get_text()):
                    problems.append(f"{name}: {axis.axis_name} tick label {_describe(label)} in scientific notation")
            group = (number, axis.axis_name)  # overlaps within one axis's tick labels: reported above
            for label, box in zip(labels, boxes):
                items.append((number, group, f"{name}: {axis.axis_name} tick label {_describe(label)}", box))
        for text in ax.texts:
            if _shown(text):
                box = text.get_window_extent(renderer)
                if ax.axison and _sticks_out(box, axes_box) > 1:  # (axes drawn without a frame have no edge)
                    problems.append(f"{name}: text {_describe(text)} leaves the axes")
                items.append((number, None, f"{name}: text {_describe(text)}", box))
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.offsetText, ax.yaxis.offsetText):
            if _shown(text):
                items.append((number, None, f"{name}: {_describe(text)}", text.get_window_extent(renderer)))
        if ax.get_legend() is not None and ax.get_legend().get_visible():
            items.append((number, None, f"{name}: legend", ax.get_legend().get_window_extent(renderer)))
    figure_texts = list(fig.texts) + [getattr(fig, "_suptitle", None)]  # the suptitle is not in fig.texts
    for text in figure_texts:
        if _shown(text):
            items.append((None, None, f"figure text {_describe(text)}", text.get_window_extent(renderer)))
    items += [(None, None, "figure legend", legend.get_window_extent(renderer)) for legend in fig.legends]
    if tight:
        width = fig.get_tightbbox(renderer).width  # inches
        if width > MAX_WIDTH_IN + 0.01:
            problems.append(f"the figure is {width:.1f} in wide, more than a slide's {MAX_WIDTH_IN} in")
    else:
        for _, _, what, box in items:
            if _sticks_out(box, fig.bbox) > 1:
                problems.append(f"{what} leaves the figure by {_sticks_out(box, fig.bbox):.0f} px")
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            (_, group, first, a), (_, other, second, b) = items[i], items[j]
            if (group is None or group != other) and _overlap(a, b):
                problems.append(f"{first} overlaps {second}")
    for owner, _, what, box in items:  # (fig.text may lie over an axes: a note placed on purpose)
        for number, axes_box in axes_boxes.items():
            if owner is not None and number != owner and _overlap(box, axes_box):
                problems.append(f"{what} lies over axes {number + 1}")
    return problems


def _check_drawn(event):
    """A figure was drawn: raise ``LayoutError`` listing its layout problems, if any."""
    if id(event.canvas.figure) in _drawing_to_check:
        return
    problems = check_layout(event.canvas.figure, event.renderer)
    if problems:
        raise LayoutError("unreadable figure (coursekit.plots.check_layout):\n  " + "\n  ".join(problems))


def watch_layout(fig):
    """Check ``fig`` each time it is drawn (``style()`` makes pyplot call this for every new figure)."""
    fig.canvas.mpl_connect("draw_event", _check_drawn)


def log_barh(ax, labels, values, unit, highlight=()):
    """Horizontal bars on a log axis, each labelled with its value; ``highlight`` names bars to colour."""
    colors = ["tab:red" if label in highlight else "tab:blue" for label in labels]
    ax.barh(labels, values, color=colors)
    ax.set_xscale("log")
    ax.set_xlabel(unit)
    for y, v in enumerate(values):
        ax.text(v * 1.15, y, f"{v:g}", va="center", fontsize=TEXT_PT)
    ax.set_xlim(min(values) / 2, max(values) * 8)
    ax.invert_yaxis()
    return ax


def error_vs_size(ax, curves, baseline_error=None):
    """DC Fig. 6 style: test error (%) against model size (% of the 32-bit model), one line per
    method. ``curves``: ``{label: [(size_percent, error_percent), ...]}``; add a method (e.g. SVD)
    by adding an entry. ``baseline_error`` (%) draws the uncompressed model's error."""
    for label, points in curves.items():
        sizes, errors = zip(*sorted(points))
        ax.plot(sizes, errors, "o-", label=label, markersize=5)
    if baseline_error is not None:
        ax.axhline(baseline_error, color="0.4", linestyle="--", linewidth=1, label=message("plot.baseline_32bit"))
    ax.set(xscale="log", xlabel=message("plot.size_axis"), ylabel=message("plot.test_error_axis"))
    ax.legend()
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
            ax.text(
                x, -depth, names[node], ha="center", va="top", fontsize=TEXT_PT, bbox=dict(fc="white", ec="tab:blue")
            )
            return x
        children = [place(child, depth + 1) for child in node]
        x = sum(children) / 2
        for bit, cx in enumerate(children):
            ax.plot([x, cx], [-depth, -depth - 1], color="gray", lw=1, zorder=0)
            ax.text((x + cx) / 2, -depth - 0.5, str(bit), color="tab:red", ha="center", va="center", fontsize=TEXT_PT)
        return x

    place(tree, 0)
    depth = max(-y for line in ax.lines for y in line.get_ydata()) if ax.lines else 0
    ax.set_xlim(-0.7, next_x[0] - 0.3)
    ax.set_ylim(-depth - 0.9, 0.3)  # the leaves' boxes hang below their y (va="top")
    ax.axis("off")
    return ax


# --- results as tables -------------------------------------------------------------------------

# A cell that reads as a number (1.33%, 266,610, 8.9x, 1.33% -> 1.23%, 0.5 MB) is right-aligned.
_UNIT = r"\s*(%|x|×|B|KB|MB|GB|K|M|k|bits?|pJ|nJ|ms|µs|s)?"
_NUMBER = re.compile(rf"^[~<>≈]?\s*[-+−]?\d[\d.,]*{_UNIT}(\s*(->|→)\s*[-+−]?\d[\d.,]*{_UNIT})?$")
TABLE_CSS = (
    "table.coursekit-table{border-collapse:collapse;margin:0.3em 0;font-variant-numeric:tabular-nums}"
    "table.coursekit-table caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:0.2em}"
    "table.coursekit-table th,table.coursekit-table td{padding:0.15em 0.6em;border-bottom:1px solid #ddd;"
    "white-space:nowrap}"
    # JupyterLab right-aligns every cell (:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td): outweigh it
    "table.coursekit-table.coursekit-table th,table.coursekit-table.coursekit-table td{text-align:left}"
    "table.coursekit-table th{border-bottom:2px solid #888}"
    "table.coursekit-table.coursekit-table th.num,table.coursekit-table.coursekit-table td.num{text-align:right}"
    "table.coursekit-table tr.paper td{color:#555;font-style:italic;background:#f6f6f6}"
)


def _is_number(text):
    return bool(_NUMBER.match(text.strip()))


class Table:
    """An HTML table that also prints as aligned text (``str``); shown by IPython as HTML."""

    def __init__(self, rows, columns, caption=None, paper=(), note=None):
        self.columns = [str(c) for c in columns]
        self.rows = [[str(cell) for cell in row] for row in rows]
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table row {row} has {len(row)} cells, the columns are {self.columns}")
        self.caption, self.note = caption, note
        self.paper = set(paper)

    def _numeric_columns(self):
        return [all(_is_number(row[j]) or not row[j].strip() for row in self.rows) for j in range(len(self.columns))]

    def _repr_html_(self):
        numeric = self._numeric_columns()
        head = "".join(
            f'<th class="num">{html.escape(c)}</th>' if numeric[j] else f"<th>{html.escape(c)}</th>"
            for j, c in enumerate(self.columns)
        )
        body = []
        for i, row in enumerate(self.rows):
            cells = "".join(
                f'<td class="num">{html.escape(cell)}</td>'
                if numeric[j] or _is_number(cell)
                else f"<td>{html.escape(cell)}</td>"
                for j, cell in enumerate(row)
            )
            body.append(f'<tr class="paper">{cells}</tr>' if i in self.paper else f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        note = f'<p class="coursekit-table-note">{html.escape(self.note)}</p>' if self.note else ""
        return (
            f"<style>{TABLE_CSS}</style>"
            f'<table class="coursekit-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>{note}"
        )

    def __str__(self):
        numeric = self._numeric_columns()
        widths = [max(len(c), *(len(row[j]) for row in self.rows)) for j, c in enumerate(self.columns)]

        def line(cells):
            return "  ".join(c.rjust(w) if numeric[j] else c.ljust(w) for j, (c, w) in enumerate(zip(cells, widths)))

        text = [self.caption] if self.caption else []
        text += [line(self.columns).rstrip()] + [line(row).rstrip() for row in self.rows]
        return "\n".join(text + ([self.note] if self.note else []))

    def __repr__(self):
        return str(self)


def table(rows, columns, caption=None, paper=(), note=None):
    """Results as a table: an HTML table in the notebook and the decks (numbers right-aligned,
    the paper's rows in grey italics beside ours), aligned text when printed.

    Args:
        rows: sequences of cells, already formatted (``f"{100 * error:.2f}%"``): the table shows
            them as given, so it prints the same numbers as the notebook did.
        columns: the header, one name per cell.
        caption: a title above the table.
        paper: indices of the rows that quote a paper (e.g. ``paper=[1]`` for the row after ours).
        note: a line of text below the table (the source, a caveat).
    Returns a ``Table``: the last expression of a cell, or ``display(table(...))``.
    """
    return Table(rows, columns, caption=caption, paper=paper, note=note)


# --- a slider's effect, for the static decks ---------------------------------------------------


def _widgets(widget):
    """The widget and the widgets inside it, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _widgets(child)


def snapshot(widget):
    """What a panel (an ipywidgets box) shows now, as HTML: its text outputs (HTML, Label) and its
    pictures (Image), without its controls. The pictures keep their natural size."""
    parts = []
    for w in _widgets(widget):
        kind = type(w).__name__
        if kind in ("HTML", "HTMLMath") and w.value:
            parts.append(f'<div class="coursekit-frame-text">{w.value}</div>')
        elif kind == "Label" and w.value:
            parts.append(f'<div class="coursekit-frame-text">{html.escape(w.value)}</div>')
        elif kind == "Image" and w.value:
            data = base64.b64encode(bytes(w.value)).decode()
            parts.append(f'<img src="data:image/{w.format};base64,{data}" style="max-width:100%">')
    return "".join(parts)


def figure_html(fig):
    """A matplotlib figure as an <img> at its natural size (PNG at its dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img src="data:image/png;base64,{data}" style="max-width:100%">'


FRAMES_CSS = (
    ".coursekit-frames{display:flex;flex-wrap:wrap;gap:0.5em}"
    ".coursekit-frame{flex:1 1 45%;min-width:20em;background:white;border-top:1px solid #ddd}"
    ".coursekit-frame-caption{font-weight:600}"
)


class Frames:
    """A slider's effect as a few frames: in a notebook, side by side; in a static deck, stacked
    in one place, the first shown and each next one a fragment (the right arrow steps through)."""

    def __init__(self, frames):
        self.frames = list(frames)

    def _repr_html_(self):
        items = []
        for i, (caption, content) in enumerate(self.frames):
            fragment = " fragment" if i else ""
            items.append(
                f'<div class="coursekit-frame{fragment}">'
                f'<div class="coursekit-frame-caption">{html.escape(caption)}</div>{content}</div>'
            )
        return f'<style>{FRAMES_CSS}</style><div class="coursekit-frames r-stack">{"".join(items)}</div>'

    def __repr__(self):
        return "\n".join(caption for caption, _ in self.frames)


def frames(panel, settings, caption, restore=None):
    """A live panel at a few settings (4-6), for the static decks, where no kernel moves its
    sliders: ``panel.update(**setting)`` for each setting, the panel's texts and pictures kept
    as a frame captioned ``caption(setting, shown)`` (``shown``: what ``update`` returned); then
    ``panel.update(**restore)`` puts the panel back where its controls are (``None``: ``update()``,
    for panels whose update defaults to the controls' values).

    Example: ``plots.frames(panel, [{"sparsity": s} for s in (0, 50, 90, 99)],
    lambda setting, shown: f"{setting['sparsity']}% pruned: error {100 * shown['error']:.2f}%")``
    """
    if not 2 <= len(settings) <= 8:
        raise ValueError(f"frames: give 2 to 8 settings (4-6 read best), got {len(settings)}")
    shot = []
    for setting in settings:
        shown = panel.update(**setting)
        shot.append((caption(setting, shown), snapshot(panel.widget)))
    panel.update(**(restore or {}))
    return Frames(shot)
