"""The decks and a notebook in a real browser: Debian's Chromium driven by Playwright, network off.

Chromium comes from Debian (`make browser`, which `make test` runs; as root it installs it);
Playwright never downloads a browser. Every request that is not for a file or for 127.0.0.1 is
aborted and recorded, and each test asserts that there was none: the decks and the course work
offline. The JupyterLab test leaves its screenshots in its tmp_path; set
SCREENSHOT_TO=docs/jupyterlab_slider.png to also write the README's picture.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from browsing import KERNEL_IDLE, REVEAL, jupyter_lab, wait_for

VIEWPORT = {"width": 1280, "height": 800}  # JupyterLab with its toolbars (the `watched` fixture reads it)
ROOT = Path(__file__).resolve().parent.parent
DECKS = sorted((ROOT / "slides").glob("*.slides.html"))
# The pruning chapter's slider, or notebook 00 until the pruning chapter exists.
PRUNING = ROOT / "notebooks" / "01_pruning.ipynb"
LAB_NOTEBOOK = PRUNING if PRUNING.exists() else ROOT / "notebooks" / "00_why_compress.ipynb"


def expected_slides(nb):
    """Reveal's slide count for a notebook: its first shown cell and each later slide or subslide."""
    types = [cell.metadata.get("slideshow", {}).get("slide_type", "-") for cell in nb.cells]
    shown = [t for t in types if t not in ("skip", "notes")]
    return 1 + sum(t in ("slide", "subslide") for t in shown[1:])


WIDGETS_DRAWN = """() => [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')]
    .every(view => view.parentElement.querySelector('.lm-Widget'))"""


@pytest.mark.parametrize("deck", DECKS, ids=lambda path: path.name)
def test_deck_opens_offline_and_steps_with_the_arrow_key(deck, watched, slides_build):
    page = watched.page
    page.goto(deck.as_uri())
    page.wait_for_selector(".reveal.ready", timeout=20_000)
    page.wait_for_function(WIDGETS_DRAWN, timeout=20_000)
    nb = slides_build.decks()[deck.name.removesuffix(".slides.html")]
    assert page.evaluate(f"{REVEAL}.then(R => R.getTotalSlides())") == expected_slides(nb)
    broken = page.evaluate(
        "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))"
    )
    assert not broken, f"images that did not load: {broken}"

    fragments = page.evaluate(f"{REVEAL}.then(R => R.getCurrentSlide().querySelectorAll('.fragment').length)")
    for _ in range(fragments + 1):  # the right arrow shows a slide's fragments first, then moves on
        page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => {REVEAL}.then(R => R.getIndices().h === 1)", timeout=5_000)
    page.evaluate(f"{REVEAL}.then(R => {{ while (!R.isLastSlide() || R.availableFragments().next) R.next(); }})")
    page.wait_for_timeout(500)  # MathJax typesets each slide as it is shown
    assert not watched.errors, f"console errors: {watched.errors}"
    assert not watched.outside, f"requests outside the machine: {watched.outside}"


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving a copy of the notebook (the committed one stays as it is)."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(LAB_NOTEBOOK, root)
    with jupyter_lab(root, tmp_path) as (base, token):
        yield f"{base}/lab/tree/{LAB_NOTEBOOK.name}?token={token}"


ERRORS = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
ALL_RUN = f"""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .every(prompt => /\\[\\d+\\]/.test(prompt.textContent))
    || [...document.querySelectorAll("{ERRORS}")].some(output => output.textContent.includes('Traceback'))"""


def slider_panel(page, label):
    """The output area that holds the slider whose label contains `label`."""
    slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(label, re.I)))
    return page.locator(".jp-OutputArea", has=slider).first, slider.first


def shown(panel):
    """What a panel shows besides its slider: its texts (the error) and its pictures (the histogram)."""
    texts = panel.locator(
        ".widget-html, .widget-label:not(.widget-slider .widget-label), .jp-RenderedText"
    ).all_inner_texts()
    return " | ".join(texts), [image.screenshot() for image in panel.locator("img").all()]


def error_shown(texts_and_images):
    """The error in % that a panel shows, e.g. 'test error 1.33%' -> '1.33'."""
    found = re.search(r"error\D*(\d+\.\d+) ?%", texts_and_images[0], re.I)
    return found and found.group(1)


def live_pruning_panel():
    """The notebook's first panel, built here: ``widgets.pruning_panel()`` (LeNet-300-100, 10,000 images)."""
    from coursekit import widgets

    return widgets.pruning_panel()


def test_jupyterlab_runs_the_notebook_and_the_slider_answers_the_keyboard(lab, watched, tmp_path):
    page = watched.page
    page.goto(lab)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile("^Run All Cells")).click()
    try:
        page.wait_for_function(ALL_RUN, timeout=120_000)
    finally:
        page.screenshot(path=tmp_path / "after_run_all.png", full_page=True)
    page.wait_for_function(KERNEL_IDLE, timeout=60_000)
    raised = page.locator(ERRORS, has_text="Traceback").all_inner_texts()
    assert not raised, f"a cell raised an error: {raised[0][-2000:] if raised else ''}"
    page.screenshot(path=tmp_path / "notebook_run.png")

    if LAB_NOTEBOOK == PRUNING:
        panel, slider = slider_panel(page, "sparsity")
        panel.scroll_into_view_if_needed()
        before = shown(panel)
        assert error_shown(before), f"no error in % shown beside the slider: {before[0]}"
        assert before[1], "no histogram beside the slider"
        handle = slider.locator(".noUi-handle")
        low = float(handle.get_attribute("aria-valuenow")) < float(handle.get_attribute("aria-valuemax"))
        handle.focus()
        page.keyboard.press("End" if low else "Home")  # to the far end: the error must change
        page.keyboard.press("ArrowLeft" if low else "ArrowRight")  # and one step back: 98% (or 1%)
        wait_for(
            lambda: error_shown(shown(panel)) != error_shown(before) and shown(panel)[1] != before[1],
            30,
            "the error and the histogram to change",
        )
        # The live panel computed that setting in the kernel: the error it shows is what update() returns.
        wait_for(lambda: float(handle.get_attribute("aria-valuenow")) in (1, 98), 10, "the slider to settle")
        sparsity = round(float(handle.get_attribute("aria-valuenow")))
        expected = f"{100 * live_pruning_panel().update(sparsity=sparsity, scope='layer')['error']:.2f}"
        wait_for(lambda: error_shown(shown(panel)) == expected, 30, f"the panel to show update()'s {expected}%")
        page.keyboard.press("Control+b")  # hide the file browser: the notebook takes the width
        panel.evaluate("element => element.scrollIntoView({block: 'center'})")
        page.screenshot(path=tmp_path / "pruning_slider.png")
        if os.environ.get("SCREENSHOT_TO"):
            shutil.copy(tmp_path / "pruning_slider.png", ROOT / os.environ["SCREENSHOT_TO"])
    assert not watched.errors, f"console errors: {watched.errors}"
    assert not watched.outside, f"requests outside the machine: {watched.outside}"
