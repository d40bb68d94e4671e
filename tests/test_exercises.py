"""The exercises: nbgrader metadata in the instructor notebooks, the committed student release
(current, solutions removed), the release run top to bottom, and grading with nbgrader.

The instructor notebooks (notebooks/) are the source; `make assignments` writes the release
(release/notebooks/) with `nbgrader generate_assignment`; `make grade NB=...` autogrades. The
Russian edition (notebooks/ru/ -> release/notebooks/ru/) is released and graded the same way.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit import checks, grading

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
RELEASE = ROOT / "release" / "notebooks"
ENGLISH = sorted(SOURCE.glob("*.ipynb"))
RUSSIAN = sorted((SOURCE / "ru").glob("*.ipynb"))
NOTEBOOKS = ENGLISH + RUSSIAN
EDITIONS = {"en": ENGLISH, "ru": RUSSIAN}
NOT_DONE = {"en": "{name}: not done yet\n", "ru": "{name}: ещё не сделано\n"}  # coursekit.set_language


def _id(path):
    return path.relative_to(SOURCE).with_suffix("").as_posix()  # 01_pruning, ru/01_pruning


def _language(path):
    return "ru" if path.parent.name == "ru" else "en"


def _read(path):
    return nbformat.read(path, as_version=4)


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _answers(nb):
    return [c for c in nb.cells if _nbgrader(c).get("solution") and not _nbgrader(c).get("grade")]


def _tests(nb):
    return [c for c in nb.cells if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_exercises_are_nbgrader_cells(path):
    """3 to 6 exercises: an answer cell with the solution between the markers, then a read-only
    test cell with points that calls the exercise's check; every cell has its slide type."""
    nb = _read(path)
    answers, tests = _answers(nb), _tests(nb)
    assert 3 <= len(answers) <= 6 and len(tests) == len(answers)
    for cell in nb.cells:
        assert "slide_type" in cell.metadata.get("slideshow", {}), cell.source[:80]
    for answer in answers:
        at = nb.cells.index(answer)
        test = nb.cells[at + 1]
        name = _nbgrader(answer)["grade_id"]
        assert "### BEGIN SOLUTION" in answer.source and "### END SOLUTION" in answer.source
        assert f"def {name}(" in answer.source
        assert test in tests and _nbgrader(test)["locked"] and _nbgrader(test)["points"] > 0
        assert test.source == f"checks.check_{name}({name})"


@pytest.mark.parametrize("edition", EDITIONS)
def test_at_least_24_exercises_each_with_its_check(edition):
    names = [_nbgrader(c)["grade_id"] for path in EDITIONS[edition] for c in _answers(_read(path))]
    assert len(names) >= 24 and len(set(names)) == len(names)
    assert {f"check_{name}" for name in names} == {n for n in checks.__all__ if n.startswith("check_")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_later_cells_do_not_need_the_answers(path):
    """Only an exercise's own test cell (and a later answer) may call a student's function: the
    other cells use coursekit's, so an unanswered release still runs."""
    nb = _read(path)
    answers = {_nbgrader(c)["grade_id"] for c in _answers(nb)}
    for cell in nb.cells:
        if cell.cell_type != "code" or _nbgrader(cell):
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith(("%", "!")))
        used = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
        assert not used & answers, f"a cell uses the student's {used & answers}: use coursekit's function"


def test_release_is_current(tmp_path):
    """The committed release is what `make assignments` builds from the instructor notebooks now
    (both of its nbgrader commands: the English assignment, then the Russian one)."""
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    nbgrader = [str(Path(sys.executable).parent / "nbgrader"), "generate_assignment"]
    subprocess.run(
        nbgrader + ["notebooks", "--no-db", "--force", f"--CourseDirectory.release_directory={tmp_path}",
                    "--log-level=ERROR"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        nbgrader + ["ru", "--no-db", "--force", "--CourseDirectory.source_directory=notebooks",
                    f"--CourseDirectory.release_directory={tmp_path / 'notebooks'}", "--log-level=ERROR"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    built_dir = tmp_path / "notebooks"
    built = {p.relative_to(built_dir).as_posix(): json.loads(p.read_text()) for p in _released(built_dir)}
    committed = {p.relative_to(RELEASE).as_posix(): json.loads(p.read_text()) for p in _released(RELEASE)}
    assert sorted(built) == sorted(committed) == sorted(p.relative_to(SOURCE).as_posix() for p in NOTEBOOKS)
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"release/notebooks is stale for {stale}: run make assignments"


def _released(folder):
    return sorted(folder.glob("*.ipynb")) + sorted(folder.glob("ru/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_release_has_no_solutions(path):
    release = _read(RELEASE / path.relative_to(SOURCE))
    assert not any(c.get("outputs") for c in release.cells if c.cell_type == "code")
    assert "jupytext" not in release.metadata and not any("execution" in c.metadata for c in release.cells)
    for answer, original in zip(_answers(release), _answers(_read(path))):
        assert "BEGIN SOLUTION" not in answer.source and "raise NotImplementedError()" in answer.source
        stub = "# ВАШ КОД ЗДЕСЬ" if path.parent.name == "ru" else "# YOUR CODE HERE"  # in the notebook's language
        assert stub in answer.source, f"{path.name}: the exercise's stub should say {stub!r}"
        solution = original.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        assert not {line.strip() for line in solution.splitlines() if line.strip()} & set(
            map(str.strip, answer.source.splitlines())
        )


def _all_exercises():
    """One notebook of every exercise: the notebooks' import lines, then their answer and test cells."""
    cells = []
    for path in ENGLISH:
        nb = _read(path)
        setup = next(c for c in nb.cells if c.cell_type == "code" and not _nbgrader(c))
        imports = [line for line in setup.source.splitlines() if line.startswith(("import ", "from "))]
        cells.append(nbformat.v4.new_code_cell("\n".join(imports)))
        cells += [c for c in nb.cells if _nbgrader(c)]
    return nbformat.v4.new_notebook(cells=cells, metadata=_read(ENGLISH[0]).metadata)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Two nbgrader runs, as `make grade` does them: the untouched release ("student": every
    notebook runs top to bottom), the instructor's answers to every exercise ("teacher": all in
    one notebook, so it is quick), and the untouched Russian release ("student_ru", graded against
    notebooks/ru/)."""
    source = tmp_path_factory.mktemp("source")
    for path in ENGLISH:
        shutil.copy(path, source / path.name)
    nbformat.write(_all_exercises(), source / "exercises.ipynb")
    graded = grading.grade(
        {"student": [RELEASE / p.name for p in ENGLISH], "teacher": [source / "exercises.ipynb"]}, source
    )
    if RUSSIAN:
        russian = [RELEASE / "ru" / p.name for p in RUSSIAN]
        assert grading.source_of(russian[0]) == SOURCE / "ru"
        graded["student_ru"] = grading.grade({"student": russian}, SOURCE / "ru")["student"]
    return graded


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_untouched_release_runs_clean_and_scores_zero(path, graded):
    language = _language(path)
    rows, run = graded["student" if language == "en" else f"student_{language}"][path.name]
    assert rows and all(score == 0 and top > 0 for _, score, top in rows)
    for cell in run.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{path.name}: {output.get('ename')}: {output.get('evalue')}"
            assert "Traceback" not in str(output.get("text", ""))
    for test in _tests(run):
        name = _nbgrader(test)["grade_id"].removeprefix("check_")
        assert [(o.output_type, o.get("name"), o.get("text")) for o in test.outputs] == [
            ("stream", "stderr", NOT_DONE[language].format(name=name))
        ]


def test_solutions_score_full_points(graded):
    rows, run = graded["teacher"]["exercises.ipynb"]
    assert len(rows) >= 24 and all(score == top > 0 for _, score, top in rows), rows
    assert all(o.output_type == "stream" and o.name == "stdout" for t in _tests(run) for o in t.outputs)
