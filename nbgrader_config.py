"""nbgrader's configuration for this course (nbgrader 0.9.6, pinned in requirements.txt).

- Source: the instructor notebooks in ``notebooks/`` (the nbgrader assignment ``notebooks``), with
  the solutions between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and nbgrader cell metadata
  (autograded answer cells; read-only test cells with points).
- Release: ``nbgrader generate_assignment notebooks --no-db --force`` (``make assignments``)
  writes the student notebooks to ``release/notebooks/``, each exercise body replaced by
  ``raise NotImplementedError()``. The Russian edition is the assignment ``ru`` of the folder
  ``notebooks/``: ``nbgrader generate_assignment ru --no-db --force
  --CourseDirectory.source_directory=notebooks --CourseDirectory.release_directory=release/notebooks``
  (the second command of ``make assignments``) writes ``release/notebooks/ru/``.
- Grading: ``make grade NB=path`` (``python -m coursekit.grading``) autogrades one filled-in
  notebook with ``nbgrader autograde`` in a scratch course directory and prints a score table
  (a notebook in a folder ``ru/`` against ``notebooks/ru/``).

A test cell scores 0 when it writes to stderr: the checks of ``coursekit.checks`` print a
failing case or "not done yet" there, and print "passed N cases" to stdout.
"""

from pathlib import Path

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import ClearSolutions, NbGraderPreprocessor

c = get_config()  # noqa: F821 (nbgrader defines it)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "."  # the assignment "notebooks" is the folder notebooks/
c.CourseDirectory.release_directory = "release"
# the py:percent twins hold the solutions too: only the .ipynb notebooks are released
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]


class Unpaired(NbGraderPreprocessor):
    """Drop jupytext's pairing from a released notebook: students get plain .ipynb files (saving
    one in JupyterLab must not write a .py twin beside it). Drop too the times at which the
    instructor's run executed each cell: they mean nothing to a student and would change the
    release at every ``make notebooks``."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("jupytext", None)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        return nb, resources


class ClearSolutionsInTheirLanguage(ClearSolutions):
    """nbgrader's ClearSolutions, with the stub of the Russian edition (the assignment "ru") in
    Russian: a Russian student finds "# ВАШ КОД ЗДЕСЬ" where an English one finds "# YOUR CODE HERE"."""

    def preprocess(self, nb, resources):
        if resources["nbgrader"]["assignment"] == "ru":
            self.code_stub = {"python": "# ВАШ КОД ЗДЕСЬ\nraise NotImplementedError()"}
        return super().preprocess(nb, resources)


c.GenerateAssignment.preprocessors = [
    ClearSolutionsInTheirLanguage if preprocessor is ClearSolutions else preprocessor
    for preprocessor in GenerateAssignment.class_traits()["preprocessors"].default()
] + [Unpaired]
