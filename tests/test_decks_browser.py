"""What an instructor sees when presenting, in Debian's Chromium driven by Playwright at 1280x720
(a 16:9 projector), with every request that leaves the machine aborted and recorded.

- The static decks (slides/*.slides.html, and the Russian ones in slides/ru/): every slide of
  every deck, with all its fragments shown, fits the slide box (nothing scrolls, nothing sticks
  out), its figures are not stretched more than 1.25x, and no printed text wraps.
  A failure names the deck and the slide.
- Live slides (jupyterlab-slideshow in JupyterLab): a chapter's slider slide, run by a real
  kernel and shown in presentation mode, answers the keyboard: the panel's error changes.
"""

import os
import re
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from browsing import KERNEL_IDLE, REVEAL, jupyter_lab, wait_for

from coursekit import plots

ROOT = Path(__file__).resolve().parent.parent
DECKS = sorted((ROOT / "slides").glob("*.slides.html")) + sorted((ROOT / "slides").glob("ru/*.slides.html"))
VIEWPORT = {"width": 1280, "height": 720}  # the projector (the `watched` fixture reads it)
MAX_STRETCH = 1.25
# The live test's notebook and the code its slider slide runs.
LIVE_NOTEBOOK = ROOT / "notebooks" / "01_pruning.ipynb"
LIVE_PANEL = "pruning_panel("


# ---------------------------------------------------------------------------------------------
# What the decks are made of (no browser)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "notebooks").glob("ru/[0-9]*.ipynb")
)


def _id(path):
    """A notebook or deck as a test id: 01_pruning.ipynb, ru/01_pruning.ipynb."""
    return f"ru/{path.name}" if path.parent.name == "ru" else path.name


SMALL_FONT = re.compile(r"fontsize\s*=\s*(\d+(\.\d+)?)")


def png_width(data):
    """The width in pixels of a base64 PNG (its IHDR chunk)."""
    import base64

    return int.from_bytes(base64.b64decode(data[:64])[16:20], "big")


def test_the_plot_style_gives_14_px_text_on_a_slide():
    import matplotlib.pyplot as plt

    plots.style()
    fig, ax = plt.subplots()
    ax.plot([1, 10, 100], [0.5, 2, 30], label="a line")
    ax.set(xscale="log", yscale="log", xlabel="x", ylabel="y")
    legend = ax.legend()
    fig.canvas.draw()
    width_px = fig.get_size_inches()[0] * fig.dpi
    assert fig.dpi == plots.DPI and width_px <= plots.MAX_WIDTH_IN * plots.DPI
    texts = ax.get_xticklabels() + ax.get_yticklabels() + legend.get_texts() + [ax.xaxis.label]
    assert min(plots.px(text.get_fontsize()) for text in texts) >= plots.MIN_SLIDE_PX
    labels = [text.get_text() for text in ax.get_yticklabels(minor=True) + ax.get_yticklabels() if text.get_text()]
    assert labels and not any("times" in label or "^{0}" in label for label in labels), labels  # 1, 10: plain
    plt.close(fig)


WIDGETS = sorted((ROOT / "coursekit" / "widgets").glob("*.py"))


@pytest.mark.parametrize("source", WIDGETS, ids=lambda path: path.name)
def test_live_panels_draw_at_the_course_dpi_without_small_fonts(source):
    """The live panels' pictures: drawn at plots.DPI inside _panel.styled() (the course style),
    no font size set by hand, and no wider than the 1200 px a slide gives a figure."""
    from coursekit.widgets import _panel

    text = source.read_text()
    assert not SMALL_FONT.search(text), f"{source.name}: a fontsize set by hand: leave it to plots.RC"
    assert "dpi=72" not in text, f"{source.name}: draw at plots.DPI"
    if "figsize=" in text:
        assert "dpi=plots.DPI" in text and "styled()" in text, f"{source.name}: draw at plots.DPI in styled()"
    assert _panel.SIZE[0] * plots.DPI <= plots.MAX_WIDTH_IN * plots.DPI


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_notebook_figures_fit_a_slide_with_the_style_font_sizes(notebook):
    """Figures no wider than 1280 px (on a slide at least 0.94x: 11 pt stays >= 14 px), and no
    font size under the style's TEXT_PT set by hand."""
    nb = nbformat.read(notebook, as_version=4)
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        small = [float(size) for size, _ in SMALL_FONT.findall(cell.source) if float(size) < plots.TEXT_PT]
        assert not small, (
            f"{notebook.name} cell {i}: fontsize={small[0]:g} is under {plots.TEXT_PT} pt: leave it to plots.style()"
        )
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                assert png_width(data) <= 1280, f"{notebook.name} cell {i}: a figure {png_width(data)} px wide"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_presentation_mode_hides_code_and_checks(notebook, slides_build):
    nb = nbformat.read(notebook, as_version=4)
    styled = nb.metadata.get(slides_build.LIVE_STYLE_KEY) == slides_build.LIVE_STYLE
    assert styled, f"{notebook.name}: no live-slide style in its metadata (slides/build.py, with_live_style)"


def test_a_deck_leaves_out_checks_and_markers_and_titles_every_slide(slides_build):
    def cell(kind, source, slide_type, tags=()):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        return make(source, metadata={"slideshow": {"slide_type": slide_type}, "tags": list(tags)})

    nb = nbformat.v4.new_notebook(
        cells=[
            cell("markdown", "## 1. Magnitude pruning\n\ntext", "slide"),
            cell("code", "# NBVAL_IGNORE_OUTPUT\nshow(x)", "fragment", tags=["show-input"]),
            cell("code", "assert x == 1", "subslide", tags=["check"]),
            cell("code", "plot(y)", "-"),
            cell("markdown", "notes", "notes"),
        ]
    )
    shown = slides_build.for_slides(nb).cells
    assert [c.source for c in shown] == [
        "## 1. Magnitude pruning\n\ntext",
        "show(x)",
        "### 1. Magnitude pruning (continued)",
        "plot(y)",
        "notes",
    ]
    assert [slides_build.slide_type(c) for c in shown] == ["slide", "fragment", "subslide", "-", "notes"]
    assert len(nb.cells) == 5 and "NBVAL" in nb.cells[1].source  # the notebook itself is untouched


def test_a_table_right_aligns_numbers_and_marks_the_papers_rows():
    table = plots.table(
        [["ours", "1.33%", "266,610"], ["paper", "1.64%", "267K"]], ["", "error", "parameters"], paper=[1]
    )
    page = table._repr_html_()
    assert page.count('<td class="num">') == 4 and '<tr class="paper">' in page
    assert str(table).splitlines() == [
        "       error  parameters",
        "ours   1.33%     266,610",
        "paper  1.64%        267K",
    ]
    with pytest.raises(ValueError):
        plots.table([["a", "1"]], ["only one column"])


def test_frames_show_a_panel_at_each_setting_then_put_it_back():
    import ipywidgets

    text, image = ipywidgets.HTML(), ipywidgets.Image(format="png")
    calls = []

    def update(sparsity=0):
        calls.append(sparsity)
        text.value = f"error {sparsity / 10:.2f}%"
        image.value = bytes([137, 80, 78, 71, sparsity])
        return {"error": sparsity / 1000}

    panel = SimpleNamespace(widget=ipywidgets.VBox([ipywidgets.IntSlider(), text, image]), update=update)
    shown = plots.frames(panel, [{"sparsity": s} for s in (0, 50, 90, 99)], lambda s, out: f"{s['sparsity']}%")
    page = shown._repr_html_()
    assert calls == [0, 50, 90, 99, 0] and repr(shown).splitlines() == ["0%", "50%", "90%", "99%"]
    assert page.count('class="coursekit-frame fragment"') == 3 and page.count('class="coursekit-frame"') == 1
    assert "error 9.90%" in page and page.count("data:image/png;base64,") == 4
    with pytest.raises(ValueError):
        plots.frames(panel, [{"sparsity": 0}], str)


# ---------------------------------------------------------------------------------------------
# Static decks

# Measured on the slide shown, with all its fragments visible, against reveal's 1280x720 slide box
# (at a 1280x720 window its scale is 1: CSS pixels are screen pixels).
MEASURE = r"""(maxStretch) => {
  const slide = Reveal.getCurrentSlide();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const problems = [];
  const where = r => `(${Math.round(r.left - box.left)},${Math.round(r.top - box.top)})`
    + `-(${Math.round(r.right - box.left)},${Math.round(r.bottom - box.top)})`;
  const parts = 'img, pre, table, .jupyter-widgets, .MathJax_CHTML, .jp-RenderedMarkdown > *';
  const outside = [...slide.querySelectorAll(parts)].filter(element => {
    const r = element.getBoundingClientRect();
    return r.width > 0 && r.height > 0
      && (r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1 || r.top < box.top - 1);
  });
  if (slide.scrollHeight > slide.clientHeight + 1 || slide.scrollWidth > slide.clientWidth + 1) {
    const below = slide.scrollHeight - slide.clientHeight, right = slide.scrollWidth - slide.clientWidth;
    problems.push(`cut off: ${below > 1 ? below + ' px below the bottom' : right + ' px past the right edge'}`
      + ` (${outside.length} parts outside)`);
  } else {
    for (const element of outside) {
      problems.push(`a ${element.tagName.toLowerCase()} outside the slide: ${where(element.getBoundingClientRect())}`);
    }
  }
  for (const image of slide.querySelectorAll('img')) {
    const r = image.getBoundingClientRect();
    if (!image.naturalWidth || r.width === 0) continue;
    const stretch = r.width / image.naturalWidth;
    if (stretch > maxStretch) {
      const sizes = `${image.naturalWidth} px shown at ${Math.round(r.width)}`;
      problems.push(`a figure stretched ${stretch.toFixed(2)}x: ${sizes}`);
    }
  }
  for (const pre of slide.querySelectorAll('pre')) {
    if (pre.getBoundingClientRect().height === 0) continue;
    const style = getComputedStyle(pre);
    const line = pre.textContent.trim().split('\n')[0].slice(0, 50);
    if (!['pre', 'nowrap'].includes(style.whiteSpace)) problems.push(`printed text may wrap: "${line}"`);
    if (pre.scrollWidth > pre.clientWidth + 1) problems.push(`printed text cut on the right: "${line}"`);
    if (parseFloat(style.fontSize) < 14) problems.push(`printed text under 14 px: "${line}"`);
  }
  const heading = slide.querySelector('h1, h2, h3');
  if (!heading) problems.push('no heading');
  const notes = [...slide.querySelectorAll('aside.notes')].map(n => n.textContent.trim()).join(' ');
  if (!notes) problems.push('no speaker notes');
  return {problems, title: (heading ? heading.textContent : slide.textContent).trim().replace(/¶$/, '').slice(0, 40)};
}"""


def deck_problems(page, deck):
    """Every slide of the deck in turn with all its fragments shown; the problems found on each,
    as 'slide N (title): problem'."""
    page.goto(deck.as_uri())
    page.wait_for_selector(".reveal.ready", timeout=20_000)
    reveal = REVEAL.replace("'reveal.js/", "'../reveal.js/") if deck.parent.name == "ru" else REVEAL  # slides/ru/
    page.evaluate(f"{reveal}.then(R => {{ window.Reveal = R; }})")
    page.wait_for_timeout(300)  # MathJax typesets, the widget renderer draws
    total = page.evaluate("Reveal.getTotalSlides()")
    problems = []
    for number in range(1, total + 1):
        if number > 1:
            page.evaluate("Reveal.next()")
        page.evaluate("while (Reveal.availableFragments().next) Reveal.nextFragment();")
        page.wait_for_timeout(30)
        found = page.evaluate(MEASURE, MAX_STRETCH)
        problems += [f"slide {number} ({found['title']!r}): {problem}" for problem in found["problems"]]
    return problems, total


@pytest.mark.parametrize("deck", DECKS, ids=_id)
def test_every_slide_fits_1280x720_with_sharp_figures_and_unwrapped_text(deck, watched):
    problems, total = deck_problems(watched.page, deck)
    assert total > 1
    slides = len({problem.split(":")[0] for problem in problems})
    assert not problems, f"{_id(deck)}: {slides} of {total} slides with problems:\n" + "\n".join(problems)
    assert not watched.outside, f"requests outside the machine: {watched.outside}"


# ---------------------------------------------------------------------------------------------
# Live slides: jupyterlab-slideshow


def live_notebook(path, code):
    """The chapter reduced to what its slider slide needs: the cells up to its first code cell
    (the imports), then the slide whose code contains `code`: its cells up to that one, and its
    markdown cells after it (its speaker notes).
    Outputs cleared: the kernel runs it."""
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    first_code = next(i for i, cell in enumerate(cells) if cell.cell_type == "code")
    target = next(i for i, cell in enumerate(cells) if cell.cell_type == "code" and code in cell.source)

    def starts_slide(cell):
        return cell.metadata.get("slideshow", {}).get("slide_type") in ("slide", "subslide")

    start = max(i for i in range(target + 1) if starts_slide(cells[i]))
    end = next((i for i in range(target + 1, len(cells)) if starts_slide(cells[i])), len(cells))
    after = [cell for cell in cells[target + 1 : end] if cell.cell_type == "markdown"]  # e.g. its notes
    nb.cells = cells[: first_code + 1] + cells[start : target + 1] + after
    nb.metadata["live_test_heading"] = first_code + 1  # where the slider slide starts
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


@pytest.fixture
def live_lab(tmp_path):
    """JupyterLab serving the live notebook; stopped after."""
    root = tmp_path / "root"
    root.mkdir()
    nbformat.write(live_notebook(LIVE_NOTEBOOK, LIVE_PANEL), root / "live.ipynb")
    with jupyter_lab(root, tmp_path) as (base, token):
        heading = nbformat.read(root / "live.ipynb", as_version=4).metadata["live_test_heading"]
        yield SimpleNamespace(url=f"{base}/lab/tree/live.ipynb?token={token}", heading=heading)


PRESENTING = "() => document.body.dataset.jpDeckMode === 'presenting'"


def error_text(panel):
    """The panel's line with the test error, e.g. '... test error 1.33% on 10,000 test images'."""
    texts = panel.locator(".widget-html").all_inner_texts()
    return next((t for t in texts if re.search(r"error\D*\d+\.\d+ ?%", t)), "")


def test_live_slides_run_the_notebook_and_the_slider_answers_the_keyboard(live_lab, watched, tmp_path):
    page = watched.page
    page.goto(live_lab.url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile("^Run All Cells")).click()
    try:
        page.wait_for_selector(".widget-slider .noUi-handle", timeout=90_000)
    finally:
        page.screenshot(path=tmp_path / "live_run.png")
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)

    # the deck starts at the active cell: the slider slide's heading, then its fragments one by one
    page.locator(".jp-NotebookPanel .jp-Cell").nth(live_lab.heading).click()
    page.locator(".jp-NotebookPanel-toolbar [data-command='deck:toggle']").click()  # the deck button
    page.wait_for_function(PRESENTING, timeout=10_000)
    panel = page.locator(".jp-OutputArea-output", has=page.locator(".widget-slider")).first
    for _ in range(5):
        if panel.locator(".noUi-handle").first.is_visible():
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
    handle = panel.locator(".noUi-handle").first
    assert handle.is_visible(), "the slider slide was not reached in presentation mode"
    code = page.locator(".jp-CodeCell", has=page.locator(".widget-slider")).first.locator(".jp-Cell-inputWrapper")
    assert not code.is_visible(), "presentation mode shows the slider cell's code (slides/build.py, LIVE_STYLE)"
    before = error_text(panel)
    assert before, "no test error shown beside the slider"
    page.screenshot(path=tmp_path / "live_before.png")
    low = float(handle.get_attribute("aria-valuenow")) < float(handle.get_attribute("aria-valuemax"))
    handle.focus()
    page.keyboard.press("End" if low else "Home")  # to the far end: the error must change
    wait_for(lambda: error_text(panel) not in ("", before), 20, "the error beside the slider to change")
    page.wait_for_timeout(500)
    assert page.evaluate(PRESENTING), "moving the slider left presentation mode"
    page.screenshot(path=tmp_path / "live_after.png")
    if os.environ.get("SCREENSHOT_TO"):
        (ROOT / os.environ["SCREENSHOT_TO"]).write_bytes((tmp_path / "live_after.png").read_bytes())
    assert not watched.outside, f"requests outside the machine: {watched.outside}"
    widget_errors = [e for e in watched.errors if "widget" in e.lower() or "shared module" in e.lower()]
    assert not widget_errors, f"widget errors in the console: {widget_errors}"
