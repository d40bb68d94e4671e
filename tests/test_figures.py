"""Readable figures (issue 15): ``plots.check_layout`` finds overlapping tick labels, texts that
leave their axes or the figure, and overlapping texts; ``plots.style()``, which every notebook
calls in its setup cell, makes every pyplot figure check itself each time it is drawn.

So the notebooks' figures are checked where they are made: nbval's run of every notebook (``make
test``) draws each figure once, and a figure with a problem puts a ``LayoutError`` traceback under
its cell, which fails nbval ("Cell raised uncaught exception"). No notebook runs a second time
here; ``test_a_bad_figure_fails_a_notebook`` proves that the mechanism fires inside a kernel.

To check one notebook without writing it (a LayoutError per bad figure, with its cell):

    .venv/bin/python tests/test_figures.py notebooks/04_factorization.ipynb
"""

import io
import re
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from coursekit import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _own_rc():
    """Each test restores pyplot's settings (style() changes them) and closes its figures."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _good_figure():
    plots.style(check=False)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    left.plot([1, 10, 100], [0.5, 1.2, 3], "o-", label="ours")
    left.axhline(1, color="gray", linestyle="--", label="goal")
    left.set(xscale="log", yscale="log", xlabel="compression (x)", ylabel="error (%)", title="LeNet-300-100")
    left.legend()
    right.bar(["conv1", "conv2", "fc1"], [20, 50, 500])
    right.text(0, 25, "20", ha="center")
    right.set(ylabel="maps", title="kept")
    fig.tight_layout()
    return fig


def test_a_good_figure_has_no_problem():
    assert plots.check_layout(_good_figure()) == []
    assert plots.check_layout(_good_figure(), tight=False) == []


def test_overlapping_tick_labels():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(range(12), [f"layer {i}" for i in range(12)])
    fig.tight_layout()
    problems = plots.check_layout(fig)
    assert len(problems) == 1 and "x tick labels overlap: 'layer 0' and 'layer 1'" in problems[0], problems


def test_a_label_outside_the_figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_ylabel("test error (%)")
    fig.tight_layout()
    fig.text(0.9, 0.5, "a note that runs off the right edge")
    problems = plots.check_layout(fig, tight=False)
    # how far it runs off depends on the font size in force (plots.style() sets the course's)
    assert len(problems) == 1, problems
    assert re.fullmatch(r"figure text 'a note that runs off the ri\.\.\.' leaves the figure by \d+ px", problems[0])
    assert int(problems[0].split()[-2]) > 100, problems
    # shown cropped (bbox_inches="tight", as in a notebook) the note is seen: only a too wide crop is a problem
    assert plots.check_layout(fig) == []
    fig.text(0.9, 0.2, "x" * 400)
    assert any("more than a slide's 12 in" in p for p in plots.check_layout(fig))


def test_a_text_outside_its_axes():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(["a", "b"], [1, 2])
    ax.text(1, 2.2, "SRAM 8 MB")  # above the top of the axes (ylim ends at 2.1)
    fig.tight_layout()
    assert plots.check_layout(fig) == ["axes 1: text 'SRAM 8 MB' leaves the axes"]


def test_a_tree_drawn_without_axes():
    plots.style(check=False)
    fig, ax = plt.subplots(figsize=(5, 3))
    plots.draw_tree(ax, ((0, 1), (2, (3, 4))), ["A 40", "B 30", "C 15", "D 10", "E 5"])
    assert plots.check_layout(fig) == []


def test_overlapping_texts():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="a line with a long label")
    ax.text(0.05, 0.9, "a label in the corner")
    ax.legend(loc="upper left")
    fig.tight_layout()
    assert plots.check_layout(fig) == ["axes 1: text 'a label in the corner' overlaps axes 1: legend"]


def test_neighbouring_subplots_overlap():
    fig, axes = plt.subplots(1, 2, figsize=(5, 2))  # no tight_layout: the right y label sits on the left axes
    for ax in axes:
        ax.plot([0, 100000], [0, 100000])
        ax.set_ylabel("a long y label")
    assert "axes 2: 'a long y label' lies over axes 1" in plots.check_layout(fig)
    fig.tight_layout()
    assert plots.check_layout(fig) == []


def test_scientific_minor_labels_are_a_problem_and_the_style_avoids_them():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.semilogy([1, 2], [1.5, 4])  # less than a decade: matplotlib's own formatter labels minor ticks 2x10^0
    ax.yaxis.set_minor_formatter(matplotlib.ticker.LogFormatterSciNotation(labelOnlyBase=False))
    fig.tight_layout()
    assert any("in scientific notation" in p for p in plots.check_layout(fig))
    plots.style(check=False)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.semilogy([1, 2], [1.5, 4])
    fig.tight_layout()
    assert plots.check_layout(fig) == []
    labels = [label.get_text() for label in ax.yaxis.get_minorticklabels() if label.get_text()]
    assert "2" in labels and "3" in labels, labels
    # far from 1 only the powers of ten are labelled (3x10^-6 has no plain form a slide can show)
    plain = [plots._plain(v) for v in (3e-6, 1e-6, 0.0004, 2e4, 2e5, 1e6)]
    assert plain == ["", "$10^{-6}$", "0.0004", "20\u2009000", "", "$10^{6}$"], plain


def test_log_ticks_125():
    plots.style(check=False)
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.semilogy([0, 1], [1, 50])
    plots.log_ticks_125(ax.yaxis)
    fig.tight_layout()
    assert plots.check_layout(fig) == []
    labels = [t.get_text() for t in plots._tick_labels(ax.yaxis, ax.get_window_extent(fig.canvas.get_renderer()))]
    assert labels == ["1", "2", "5", "10", "20", "50"], labels


def test_style_makes_every_figure_check_itself_when_drawn():
    plots.style()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_xticks(range(12), [f"layer {i}" for i in range(12)])
    with pytest.raises(plots.LayoutError, match="x tick labels overlap"):
        fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    assert plots.check_layout(fig)  # asked directly, the checker lists the problems and does not raise
    good = _good_figure()  # made with style(check=False): not watched
    plots.style()
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")  # a good watched figure draws quietly
    assert plots.check_layout(good) == []
    assert plt.rcParams["figure.hooks"].count("coursekit.plots:watch_layout") == 1  # style() twice: one hook


def _run(cells, allow_errors=True):
    """Execute ``cells`` (code) in a fresh kernel, as nbval does; the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=allow_errors).execute()
    return notebook


def test_a_bad_figure_fails_a_notebook():
    """In a kernel (inline backend, as in nbval), a bad figure after style() puts an error output
    under its cell (nbval fails on it); a good one shows its picture."""
    notebook = _run(
        [
            "import matplotlib.pyplot as plt\nfrom coursekit import plots\nplots.style()",
            "fig, ax = plt.subplots(figsize=(3, 2))\nax.set_xticks(range(12), [f'layer {i}' for i in range(12)])\n"
            "plt.show()",
            "fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()",
        ]
    )
    bad, good = notebook.cells[1].outputs, notebook.cells[2].outputs
    errors = [o for o in bad if o.output_type == "error"]
    assert errors and errors[0].ename == "LayoutError" and "x tick labels overlap" in errors[0].evalue
    assert [o.output_type for o in good] == ["display_data"] and "image/png" in good[0].data


def _check_notebook(path):
    """Execute the notebook at ``path`` (not written back) and print its figures' layout problems."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3", allow_errors=True).execute()
    found = 0
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error" and output.ename != "LayoutError":
                print(f"{path}, cell {number}: {output.ename}: {output.evalue[:200]} (not a layout problem)")
            if output.output_type == "error" and output.ename == "LayoutError":
                found += 1
                first = cell.source.splitlines()[0] if cell.source else ""
                print(f"{path}, cell {number} ({first[:60]}):\n  {output.evalue}")
    print(f"{path}: {found} figure(s) with layout problems")
    return found


if __name__ == "__main__":
    sys.exit(1 if sum(_check_notebook(path) for path in sys.argv[1:]) else 0)
