"""Build the reveal.js decks in slides/ from the notebooks' slide metadata.

    python slides/build.py [OUT_DIR]        (`make slides`; OUT_DIR defaults to slides/)

One deck per notebook, notebooks/NN_name.ipynb -> NN_name.slides.html, and lecture.slides.html:
the chapters in the notebooks' order (00 to 05), then the references of slides/references.py.
The Russian edition, notebooks/ru/ -> OUT_DIR/ru/, is built the same way, its fixed texts
(section times, "(continued)", the static-slider note) from TEXTS["ru"] and its references from
slides/references_ru.py; its decks load the same files of slides/ (one directory up).
Each deck is `jupyter nbconvert --to slides` (nbconvert's SlidesExporter) with the settings of
`exporter()`: reveal.js, require.js, jQuery, MathJax and the widget renderer are read from
slides/ (copied there by slides/vendor.sh), never from a CDN, so the decks work offline.

What a deck shows, from each cell's metadata:
- slide_type (slide, subslide, fragment, -, notes, skip) as in Jupyter's slideshow metadata;
  `notes` cells are speaker notes (press S in a deck), `skip` cells are left out;
- code is hidden, its output shown; tag a cell `show-input` when its code is the point (its
  `# NBVAL_...` marker lines are left out); a cell tagged `check` (asserts, debugging) is left
  out, its slide start kept;
- a slide with no heading of its own repeats its section's title, "(continued)";
- the lecture takes the cells of a chapter tagged `lecture`, or all of them if none is tagged.
The slides are 1280x720 (slides/template/coursekit/index.html.j2); tests/test_decks_browser.py
steps through every slide and fails on anything cut off, a stretched figure or wrapped text.
"""

import copy
import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

SLIDES = Path(__file__).resolve().parent
NOTEBOOKS = SLIDES.parent / "notebooks"
LANGUAGES = ("en", "ru")  # "ru": notebooks/ru/ -> slides/ru/
# The notebooks' order (one order for notebooks, decks and README): relevance, pruning,
# quantization, Huffman coding, factorization, structured pruning.
LECTURE_ORDER = ["00", "01", "02", "03", "04", "05"]
LECTURE_TAG = "lecture"
# The lecture's time per section (minutes; 90 in all), stated in the speaker notes of each
# section's first slide; the lecture's first slide gives the whole plan.
LECTURE_MINUTES = {
    "00": 10,
    "01": 20,
    "02": 18,
    "03": 15,
    "04": 12,
    "05": 12,
    "references": 3,
}
# The decks' fixed texts in each language (section titles of the lecture plan, notes, labels).
TEXTS = {
    "en": {
        "title": "Compressing neural networks",
        "sections": {
            "00": "Why compress",
            "01": "Pruning",
            "02": "Quantization",
            "03": "Huffman coding and Deep Compression",
            "04": "Low-rank factorization",
            "05": "Structured pruning",
            "references": "Wrap-up and references",
        },
        "plan": "**The lecture: {total} minutes.**",
        "plan_line": "- {start} {title}: {minutes} min",
        "section_time": "Lecture: {title}, {minutes} minutes for this section.",
        "continued": "(continued)",
        "static_note": "A static copy, frozen where the notebook left it: the frames step through its settings. "
        "Move it live in JupyterLab's presentation mode (README, Slides).",
    },
    "ru": {
        "title": "Сжатие нейронных сетей",
        "sections": {
            "00": "Зачем сжимать",
            "01": "Прореживание",
            "02": "Квантование",
            "03": "Кодирование Хаффмана и Deep Compression",
            "04": "Низкоранговое разложение",
            "05": "Структурное прореживание",
            "references": "Итоги и список литературы",
        },
        "plan": "**Лекция: {total} минут.**",
        "plan_line": "- {start} {title}: {minutes} мин",
        "section_time": "Лекция: {title}, на этот раздел {minutes} мин.",
        "continued": "(продолжение)",
        "static_note": "Статическая копия в том состоянии, в каком её оставил блокнот: кадры ниже показывают "
        "её настройки по шагам. Вживую — в режиме презентации JupyterLab (README.ru.md, «Слайды»).",
    },
}
# the heading of a chapter's last slide, left out of the lecture (which ends with slides/references*.py)
REFERENCES_HEADINGS = {"References", "Список литературы"}
CHECK_TAG = "check"  # a cell of checks: run by the notebook and nbval, never shown on a slide
NBVAL_MARKER = re.compile(r"^[ \t]*# ?NBVAL_\w+.*(\n|$)", re.M)
HEADING = re.compile(r"^\s{0,3}(#{1,3})\s+(.+?)\s*#*\s*$", re.M)
STARTS = ("slide", "subslide")
# Live slides (README, Slides): JupyterLab's presentation mode (jupyterlab-slideshow) shows a
# notebook's cells as they are; this style, in each notebook's metadata (jupyterlab-fonts applies
# it), hides there what the decks hide: code unless tagged `show-input`, cells tagged `check`.
PRESENTING = "body[data-jp-deck-mode='presenting'] &"
LIVE_STYLE = {
    "styles": {
        "": {
            PRESENTING: {
                "& .jp-CodeCell:not([data-jpf-cell-tags*='show-input']) .jp-Cell-inputWrapper": {"display": "none"},
                "& .jp-Cell[data-jpf-cell-tags*='check']": {"display": "none"},
            }
        }
    }
}
LIVE_STYLE_KEY = "@deathbeds/jupyterlab-fonts"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# nbconvert inlines the same ~260 KB of style sheets into every deck; they go to one shared file.
STYLE = re.compile(r'<style type="text/css">(.*?)</style>\n?', re.S)
SHARED_CSS = "deck.css"


def exporter(language="en"):
    """nbconvert's slide exporter, loading every file from slides/ (paths relative to the deck:
    a Russian deck, in slides/ru/, loads them from one directory up)."""
    up = "" if language == "en" else "../"
    c = Config()
    c.SlidesExporter.template_name = "coursekit"  # slides/template/coursekit: see its header
    c.SlidesExporter.extra_template_basedirs = [str(SLIDES / "template")]
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    c.SlidesExporter.reveal_url_prefix = up + "reveal.js"
    c.SlidesExporter.reveal_theme = "white"  # its font ships with reveal.js; "simple" loads Google Fonts
    c.SlidesExporter.require_js_url = up + "vendor/require.js"
    c.SlidesExporter.jquery_url = up + "vendor/jquery.min.js"
    c.SlidesExporter.mathjax_url = up + "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    c.SlidesExporter.widget_renderer_url = up + "@jupyter-widgets/html-manager/dist/embed-amd.js"
    c.SlidesExporter.language_code = language
    return SlidesExporter(config=c)


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def set_slide_type(cell, kind):
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind


def heading(cell):
    """The first heading (#, ## or ###) of a markdown cell: (level, text), or None."""
    found = cell.cell_type == "markdown" and HEADING.search(cell.source)
    return (len(found.group(1)), found.group(2)) if found else None


def slides_of(cells):
    """The shown cells (not skip, not notes) grouped by slide, each group a list of indices."""
    groups = []
    for i, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind in ("skip", "notes"):
            continue
        if kind in STARTS or not groups:
            groups.append([])
        groups[-1].append(i)
    return groups


def for_slides(nb, language="en"):
    """A copy of the notebook as its deck shows it: `check` cells left out (a slide they start
    starts at the next shown cell), `# NBVAL_` lines left out of the code, and every slide with a
    heading: one without repeats the last section title, "(continued)" (in ``language``)."""
    continued_mark = " " + TEXTS[language]["continued"]
    nb = copy.deepcopy(nb)
    cells, carried = [], None
    for cell in nb.cells:
        kind = slide_type(cell)
        if CHECK_TAG in cell.metadata.get("tags", []):
            if kind in STARTS and carried != "slide":
                carried = kind
            continue
        if carried and kind not in ("skip", "notes"):
            if kind != "slide":
                set_slide_type(cell, carried)
            carried = None
        if cell.cell_type == "code":
            cell.source = NBVAL_MARKER.sub("", cell.source)
        cells.append(cell)
    section, added = None, {}
    for group in slides_of(cells):
        titles = [heading(cells[i]) for i in group]
        if not any(titles) and section:
            first = cells[group[0]]
            continued = nbformat.v4.new_markdown_cell(f"### {section}{continued_mark}")
            continued.id = f"{first.get('id', 'cell')}-continued"  # a rebuild gives the same file
            set_slide_type(continued, slide_type(first) if slide_type(first) in STARTS else "slide")
            set_slide_type(first, "-")
            added[group[0]] = continued
        found = [title for title in titles if title]
        if found:
            section = min(found, key=lambda title: title[0])[1].removesuffix(continued_mark)
    nb.cells = [c for i, cell in enumerate(cells) for c in ([added[i]] if i in added else []) + [cell]]
    return nb


def with_live_style(nb):
    """The notebook with LIVE_STYLE in its metadata (what presentation mode hides)."""
    nb.metadata[LIVE_STYLE_KEY] = copy.deepcopy(LIVE_STYLE)
    return nb


def notebooks_dir(language="en"):
    """Where the chapters of an edition are: notebooks/ (English), notebooks/ru/ (Russian)."""
    return NOTEBOOKS if language == "en" else NOTEBOOKS / language


def chapters(language="en"):
    """The chapter notebooks of an edition that exist, by file name."""
    return sorted(notebooks_dir(language).glob("[0-9][0-9]_*.ipynb"))


def lecture_rank(name):
    """Position of a chapter (by its file name) in the lecture; others come last."""
    number = name[:2]
    return LECTURE_ORDER.index(number) if number in LECTURE_ORDER else len(LECTURE_ORDER)


def lecture_cells(nb):
    """The cells of a notebook that go into the lecture: those tagged `lecture`, or else all."""
    tagged = [cell for cell in nb.cells if LECTURE_TAG in cell.metadata.get("tags", [])]
    return tagged or nb.cells


def without_references(nb):
    """A copy of a chapter without its references slide (and that slide's notes): the lecture
    ends with all the references at once (slides/references.py)."""
    nb = copy.deepcopy(nb)
    kept, in_references = [], False
    for cell in nb.cells:
        if slide_type(cell) in STARTS:
            in_references = (heading(cell) or (0, ""))[1] in REFERENCES_HEADINGS
        if not in_references:
            kept.append(cell)
    nb.cells = kept
    return nb


def lecture_notebook(notebooks, language="en"):
    """One notebook made of the chapters' lecture cells in lecture order, with their widget states."""
    lecture = nbformat.v4.new_notebook()
    lecture.metadata.kernelspec = notebooks[0].metadata.kernelspec
    lecture.metadata.title = TEXTS[language]["title"]
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


def lecture_plan(language="en"):
    """The lecture's plan, one line per section with its minutes and start time."""
    texts = TEXTS[language]
    total = sum(LECTURE_MINUTES.values())
    lines, start = [texts["plan"].format(total=total), ""], 0
    for key, minutes in LECTURE_MINUTES.items():
        title = texts["sections"][key]
        lines.append(texts["plan_line"].format(start=f"{start // 60}:{start % 60:02d}", title=title, minutes=minutes))
        start += minutes
    return "\n".join(lines)


def timed(nb, key, language="en"):
    """A copy of a chapter whose first cell is followed by a notes cell with the lecture's time
    for its section (and, for the first section, the whole plan)."""
    if key not in LECTURE_MINUTES:
        return nb
    nb = copy.deepcopy(nb)
    texts = TEXTS[language]
    text = texts["section_time"].format(title=texts["sections"][key], minutes=LECTURE_MINUTES[key])
    if key == next(iter(LECTURE_MINUTES)):
        text += "\n\n" + lecture_plan(language)
    cells = lecture_cells(nb)
    tags = [LECTURE_TAG] if cells is not nb.cells else []  # kept by lecture_cells either way
    notes = nbformat.v4.new_markdown_cell(text, metadata={"slideshow": {"slide_type": "notes"}, "tags": tags})
    notes.id = f"{cells[0].get('id', key)}-time"
    nb.cells = [cells[0], notes] + list(cells[1:])
    return nb


def share_styles(html, out_dir):
    """Move the deck's inline style sheets into out_dir/deck.css (the same for every deck) and
    link it where the first one stood."""
    css = "\n".join(STYLE.findall(html))
    shared = out_dir / SHARED_CSS
    if shared.exists() and shared.read_text(encoding="utf-8") != css:
        raise RuntimeError(f"decks in {out_dir} need different style sheets: keep them inline")
    shared.write_text(css, encoding="utf-8")
    first = STYLE.search(html)
    link = f'<link rel="stylesheet" href="{SHARED_CSS}">\n'
    return html[: first.start()] + link + STYLE.sub("", html[first.start() :])


def write_deck(nb, name, out_dir, language="en"):
    """Render one notebook to out_dir/name.slides.html and return that path."""
    resources = {"metadata": {"name": name}, "coursekit": {"static_note": TEXTS[language]["static_note"]}}
    html, _ = exporter(language).from_notebook_node(nb, resources=resources)
    html = share_styles(html, out_dir)
    path = out_dir / f"{name}.slides.html"
    path.write_text(html, encoding="utf-8")
    return path


def numbered(nb, name):
    """The notebook with its cells' ids set to name-1, name-2, ...: jupytext draws new random ids
    each time it writes a notebook, and a deck should change only when what it shows changes."""
    for i, cell in enumerate(nb.cells, start=1):
        cell.id = f"{name}-{i}"
    return nb


def references_script(language="en"):
    """The lecture's last slides: slides/references.py, or slides/references_<language>.py."""
    return SLIDES / ("references.py" if language == "en" else f"references_{language}.py")


def decks(language="en"):
    """Each deck's name and the notebook it shows: one per chapter, then the lecture, which ends
    with the references of slides/references.py (a py:percent script)."""
    named = {path.stem: numbered(nbformat.read(path, as_version=4), path.stem) for path in chapters(language)}
    if not named:
        return {}
    in_order = [timed(without_references(named[name]), name[:2], language) for name in sorted(named, key=lecture_rank)]
    references = numbered(jupytext.read(references_script(language)), "references")
    named["lecture"] = lecture_notebook(in_order + [timed(references, "references", language)], language)
    return {name: for_slides(nb, language) for name, nb in named.items()}


def build(out_dir=SLIDES):
    """Write every deck into out_dir (English) and out_dir/ru/ (Russian), remove decks of
    notebooks that are gone; return the paths."""
    out_dir = Path(out_dir)
    paths = []
    for language in LANGUAGES:
        target = out_dir if language == "en" else out_dir / language
        target.mkdir(exist_ok=True)
        (target / SHARED_CSS).unlink(missing_ok=True)
        written = [write_deck(nb, name, target, language) for name, nb in decks(language).items()]
        for stale in set(target.glob("*.slides.html")) - set(written):
            stale.unlink()
        paths += written
    return paths


if __name__ == "__main__":
    for path in build(*sys.argv[1:]):
        print(path)
