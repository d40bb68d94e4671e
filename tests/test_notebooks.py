"""Every notebook, English and Russian (notebooks/ru/): paired with its py:percent script, slide
metadata on every cell, executed."""

from pathlib import Path

import jupytext
import nbformat
import pytest

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb")) + sorted(FOLDER.glob("ru/*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.relative_to(FOLDER).as_posix())
def notebook(request):
    return request.param


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


def test_paired_script_is_in_sync(notebook):
    script = notebook.with_suffix(".py")
    assert script.exists(), f"{script.name} is missing: run `make sync`"
    ipynb = nbformat.read(notebook, as_version=4)
    py = jupytext.read(script)
    as_cells = lambda nb: [(c.cell_type, c.source, c.metadata.get("slideshow")) for c in nb.cells]
    assert as_cells(py) == as_cells(ipynb), f"{notebook.name} and {script.name} differ: run `make sync`"


def test_every_cell_has_slide_metadata(notebook):
    for i, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        assert cell.metadata.get("slideshow", {}).get("slide_type") in SLIDE_TYPES, f"cell {i} has no slide type"


def test_executed_with_a_kernelspec_and_no_errors(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip():
            assert cell.execution_count is not None, f"cell {i} was never executed: run `make notebooks`"
            assert not [o for o in cell.outputs if o.output_type == "error"], f"cell {i} has an error output"
