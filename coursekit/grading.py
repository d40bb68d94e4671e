"""Autograde filled-in notebooks with nbgrader and print a score table: ``make grade NB=path``.

    python -m coursekit.grading release/notebooks/01_pruning.ipynb [more notebooks]

Each notebook is graded against its instructor notebook in ``notebooks/`` (same file name; a
notebook in a folder ``ru/``, e.g. release/notebooks/ru/01_pruning.ipynb, against ``notebooks/ru/``), the
way nbgrader grades on JupyterHub: in a scratch course directory, ``nbgrader generate_assignment``
records the test cells and their points from the instructor notebook, ``nbgrader autograde``
restores the read-only test cells, runs the submitted notebook top to bottom and scores each
test cell (0 when it wrote to stderr or raised, full points otherwise). Nothing is written into
the repository.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "notebooks"
ASSIGNMENT = "notebooks"

_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]
c.Execute.timeout = {timeout}
"""


def _nbgrader(course, *args):
    """Run the nbgrader command line in ``course`` (its own nbgrader_config.py), quietly."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader calls alembic from the same environment
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(
        [str(Path(bin_dir) / "nbgrader"), *args, "--log-level=ERROR"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def grade(submissions, source=SOURCE, timeout=600):
    """Autograde ``{student: notebook path or list of paths}`` against the instructor notebooks of
    the same file names in ``source``, in one nbgrader run.

    Returns ``{student: {notebook file name: (rows, notebook)}}``: ``rows`` is
    ``[(test cell, score, max score), ...]`` in notebook order, ``notebook`` the autograded
    notebook (nbformat) with the outputs of its run.
    """
    import nbformat
    from nbgrader.api import Gradebook

    submissions = {
        student: [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
        for student, paths in submissions.items()
    }
    names = sorted({path.name for paths in submissions.values() for path in paths})
    for name in names:
        if not (Path(source) / name).exists():
            raise FileNotFoundError(f"no instructor notebook {Path(source) / name} to grade {name} against")
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as course:
        course = Path(course)
        db = str(course / "gradebook.db")
        (course / "nbgrader_config.py").write_text(_CONFIG.format(root=str(course), db=db, timeout=timeout))
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        for name in names:
            shutil.copy(Path(source) / name, course / "source" / ASSIGNMENT / name)
        _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
        for student, paths in submissions.items():
            (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
            for path in paths:
                shutil.copy(path, course / "submitted" / student / ASSIGNMENT / path.name)
        _nbgrader(course, "autograde", ASSIGNMENT, "--force", "--create")
        results = {student: {} for student in submissions}
        with Gradebook("sqlite:///" + db) as gradebook:
            for student, paths in submissions.items():
                for path in paths:
                    stem = path.stem
                    order = {c.name: i for i, c in enumerate(gradebook.find_notebook(stem, ASSIGNMENT).grade_cells)}
                    notebook = gradebook.find_submission_notebook(stem, ASSIGNMENT, student)
                    grades = sorted(notebook.grades, key=lambda g: order[g.name])
                    run = nbformat.read(course / "autograded" / student / ASSIGNMENT / path.name, as_version=4)
                    results[student][path.name] = ([(g.name, g.score, g.max_score) for g in grades], run)
        return results


def source_of(path):
    """The instructor notebooks a filled-in notebook is graded against: ``notebooks/ru/`` for one
    in a folder ``ru/`` (the Russian edition), else ``notebooks/``."""
    return SOURCE / "ru" if Path(path).resolve().parent.name == "ru" else SOURCE


def table(path, rows):
    """The score table of one graded notebook, as text."""
    width = max([len("test cell")] + [len(name) for name, _, _ in rows])
    lines = [str(path), f"  {'test cell':{width}s}  points"]
    lines += [f"  {name:{width}s}  {score:g} / {top:g}" for name, score, top in rows]
    total, top = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines.append(f"  {'total':{width}s}  {total:g} / {top:g}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks", nargs="+", type=Path, help="filled-in notebooks (e.g. release/notebooks/01_pruning.ipynb)"
    )
    args = parser.parse_args(argv)
    graded = {}
    for source in dict.fromkeys(source_of(path) for path in args.notebooks):  # one nbgrader run per edition
        mine = [path for path in args.notebooks if source_of(path) == source]
        results = grade({"student": mine}, source)["student"]
        graded.update({path: results[path.name] for path in mine})
    for path in args.notebooks:
        print(table(path, graded[path][0]))


if __name__ == "__main__":
    main()
