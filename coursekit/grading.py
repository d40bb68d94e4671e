"""Autograde filled-in notebooks with nbgrader and print a score table: ``make grade NB=path``.

    python -m coursekit.grading release/notebooks/01_pruning.ipynb [more notebooks]

Each notebook is graded against its instructor notebook in ``notebooks/`` (same file name), the
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
    """Autograde ``{student: notebook path}`` (all the same notebook name) against ``source``.

    Returns ``{student: [(test cell, score, max score), ...]}`` in notebook order.
    """
    from nbgrader.api import Gradebook

    names = {Path(path).name for path in submissions.values()}
    if len(names) != 1:
        raise ValueError(f"grade one notebook at a time, got {sorted(names)}")
    name = names.pop()
    instructor = Path(source) / name
    if not instructor.exists():
        raise FileNotFoundError(f"no instructor notebook {instructor} to grade {name} against")
    with tempfile.TemporaryDirectory(prefix="coursekit-grade-") as course:
        course = Path(course)
        db = str(course / "gradebook.db")
        (course / "nbgrader_config.py").write_text(_CONFIG.format(root=str(course), db=db, timeout=timeout))
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        shutil.copy(instructor, course / "source" / ASSIGNMENT / name)
        _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
        for student, path in submissions.items():
            (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
            shutil.copy(path, course / "submitted" / student / ASSIGNMENT / name)
        _nbgrader(course, "autograde", ASSIGNMENT, "--force", "--create")
        results = {}
        with Gradebook("sqlite:///" + db) as gradebook:
            order = {
                cell.name: i for i, cell in enumerate(gradebook.find_notebook(Path(name).stem, ASSIGNMENT).grade_cells)
            }
            for student in submissions:
                notebook = gradebook.find_submission_notebook(Path(name).stem, ASSIGNMENT, student)
                grades = sorted(notebook.grades, key=lambda g: order[g.name])
                results[student] = [(g.name, g.score, g.max_score) for g in grades]
        return results


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
    for path in args.notebooks:
        (rows,) = grade({"student": path}).values()
        print(table(path, rows))


if __name__ == "__main__":
    main()
