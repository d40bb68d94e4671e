"""Build the reveal.js decks in slides/ from the notebooks' slide metadata.

    python slides/build.py [OUT_DIR]        (`make slides`; OUT_DIR defaults to slides/)

One deck per notebook, notebooks/NN_name.ipynb -> NN_name.slides.html, and lecture.slides.html:
the chapters in the lecture's order, then the references of slides/references.py.
Each deck is `jupyter nbconvert --to slides` (nbconvert's SlidesExporter) with the settings of
`exporter()`: reveal.js, require.js, jQuery, MathJax and the widget renderer are read from
slides/ (copied there by slides/vendor.sh), never from a CDN, so the decks work offline.

What a deck shows, from each cell's metadata:
- slide_type (slide, subslide, fragment, -, notes, skip) as in RISE; `notes` cells are speaker
  notes (press S in a deck), `skip` cells are left out;
- code is hidden, its output shown; tag a cell `show-input` when its code is the point;
- the lecture takes the cells of a chapter tagged `lecture`, or all of them if none is tagged.
"""

import sys
from pathlib import Path

import jupytext
import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

SLIDES = Path(__file__).resolve().parent
NOTEBOOKS = SLIDES.parent / "notebooks"
# Relevance, pruning, structured pruning, quantization, Huffman coding, factorization.
LECTURE_ORDER = ["00", "01", "05", "02", "03", "04"]
LECTURE_TAG = "lecture"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def exporter():
    """nbconvert's slide exporter, loading every file from slides/ (paths relative to the deck)."""
    c = Config()
    c.SlidesExporter.template_name = "coursekit"  # slides/template/coursekit: see its header
    c.SlidesExporter.extra_template_basedirs = [str(SLIDES / "template")]
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.reveal_url_prefix = "reveal.js"
    c.SlidesExporter.reveal_theme = "white"  # its font ships with reveal.js; "simple" loads Google Fonts
    c.SlidesExporter.require_js_url = "vendor/require.js"
    c.SlidesExporter.jquery_url = "vendor/jquery.min.js"
    c.SlidesExporter.mathjax_url = "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    c.SlidesExporter.widget_renderer_url = "vendor/html-manager/embed-amd.js"
    return SlidesExporter(config=c)


def chapters():
    """The chapter notebooks that exist, by file name."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def lecture_rank(path):
    """Position of a chapter in the lecture; chapters not in LECTURE_ORDER come last."""
    number = path.name[:2]
    return LECTURE_ORDER.index(number) if number in LECTURE_ORDER else len(LECTURE_ORDER)


def lecture_cells(nb):
    """The cells of a notebook that go into the lecture: those tagged `lecture`, or else all."""
    tagged = [cell for cell in nb.cells if LECTURE_TAG in cell.metadata.get("tags", [])]
    return tagged or nb.cells


def lecture_notebook(notebooks):
    """One notebook made of the chapters' lecture cells in lecture order, with their widget states."""
    lecture = nbformat.v4.new_notebook()
    lecture.metadata.kernelspec = notebooks[0].metadata.kernelspec
    lecture.metadata.title = "Compressing neural networks"
    states = [nb.metadata.get("widgets", {}).get(WIDGET_STATE) for nb in notebooks]
    states = [state for state in states if state]
    for nb in notebooks:
        lecture.cells += lecture_cells(nb)
    if states:
        merged = dict(states[0], state={})
        for state in states:
            merged["state"].update(state["state"])
        lecture.metadata.widgets = {WIDGET_STATE: merged}
    return lecture


def write_deck(nb, name, out_dir):
    """Render one notebook to out_dir/name.slides.html and return that path."""
    html, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    path = out_dir / f"{name}.slides.html"
    path.write_text(html, encoding="utf-8")
    return path


def build(out_dir=SLIDES):
    """Write every deck into out_dir, remove decks of notebooks that are gone; return the paths."""
    out_dir = Path(out_dir)
    paths = [write_deck(nbformat.read(nb, as_version=4), nb.stem, out_dir) for nb in chapters()]
    in_order = [nbformat.read(nb, as_version=4) for nb in sorted(chapters(), key=lecture_rank)]
    references = jupytext.read(SLIDES / "references.py")
    for i, cell in enumerate(references.cells):
        cell.id = f"references-{i}"  # jupytext gives random ids to a script's cells
    paths.append(write_deck(lecture_notebook(in_order + [references]), "lecture", out_dir))
    for stale in set(out_dir.glob("*.slides.html")) - set(paths):
        stale.unlink()
    return paths


if __name__ == "__main__":
    for path in build(*sys.argv[1:]):
        print(path)
