"""The experiments: each chapter's recipes, its reproduce driver and the loading of its results.

One module per chapter (``baselines``, ``pruning``, ``structured``, ``quantization``,
``factorization``, ``deep_compression``), each with the chapter's recipes as constants and a
``reproduce()`` that writes the chapter's folder under ``data/``
(``python -m coursekit.reproduce CHAPTER``). The methods they call live one level down
(``coursekit.pruning``, ``coursekit.quantization``, ...) and never read ``data/``.

Everything the notebooks and widgets load from ``data/`` goes through ``path`` / ``load_json``
here, so a missing file always says the same thing: which command regenerates it.

Choices are made on the validation split, results reported on the test split: ``measured(model)``
gives both errors of a model (``val_error`` on the 5,000 held-out training images; ``test_error``
with its binomial ``test_error_se``), and ``error_goal`` the verdict "no more than 0.1 points above
the baseline's test error" that the results JSONs store, computed, for the notebooks to print.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

try:
    import fcntl  # POSIX: a lock on the manifest while it is rewritten
except ImportError:  # Windows: no lock (run one reproduce at a time)
    fcntl = None

from .. import integrity, train

DATA = Path(__file__).resolve().parents[2] / "data"

# chapter (the argument of `python -m coursekit.reproduce`) -> its folder under data/
FOLDERS = {
    "baselines": "weights",
    "pruning": "pruning",
    "structured": "structured",
    "quantization": "quantization",
    "factorization": "factorization",
    "deep_compression": "compressed",
}


def folder(chapter):
    """The folder under ``data/`` that ``python -m coursekit.reproduce CHAPTER`` writes."""
    if chapter not in FOLDERS:
        raise ValueError(f"unknown chapter {chapter!r}; choose one of {list(FOLDERS)}")
    return DATA / FOLDERS[chapter]


def path(chapter, filename, must_exist=True):
    """``data/<chapter's folder>/<filename>``; with ``must_exist``, a missing file raises
    ``FileNotFoundError`` naming the command that regenerates it, and a shipped file whose bytes
    are not the ones in ``data/SHA256SUMS`` raises ``integrity.DataError`` saying how to restore it."""
    result = folder(chapter) / filename
    if must_exist and not result.is_file():
        raise FileNotFoundError(f"{result} is missing: regenerate it with `python -m coursekit.reproduce {chapter}`.")
    return integrity.verify(result, DATA, chapter) if must_exist else result


def check_output(target, force=False):
    """Refuse, before any work, to write ``target`` where it cannot go: a missing folder, a directory,
    a folder without write permission, or a file shipped in ``data/`` (unless ``force``).
    Returns ``target`` as a ``Path``; raises ``FileExistsError`` / ``NotADirectoryError`` /
    ``IsADirectoryError`` / ``PermissionError`` with one line that says what to do."""
    target = Path(target)
    parent = target.parent
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a directory: give a file name, e.g. {target / 'model.dc'}")
    if not parent.is_dir():
        raise NotADirectoryError(f"{parent} is not an existing directory: create it first, or write elsewhere")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise PermissionError(f"{target} cannot be written (no permission): write elsewhere")
    shipped = target.resolve().is_relative_to(DATA.resolve())
    if shipped and target.exists() and not force:
        raise FileExistsError(
            f"{target} is a file the course ships: pass --force to overwrite it "
            f"(`git checkout -- {integrity._shown(target, DATA)}` restores it), or write elsewhere"
        )
    return target


def record(chapter):
    """After ``python -m coursekit.reproduce CHAPTER --force``: the new files' SHA-256 go in the manifest.
    The manifest is read, updated and written under an exclusive lock, so two chapters finishing at
    once in two processes (``reproduce all --jobs 2``) cannot lose each other's lines."""
    files = sorted(p for p in folder(chapter).rglob("*") if p.is_file())
    name = hashlib.sha256(str(DATA.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"coursekit-manifest-{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        integrity.record(files, DATA)


def load_json(chapter, filename):
    """The JSON file ``filename`` that ``python -m coursekit.reproduce CHAPTER`` wrote."""
    return json.loads(path(chapter, filename).read_text())


def write_json(chapter, filename, data, indent=None, compact=True):
    """Write ``data`` as JSON to the chapter's folder (created if needed); returns the path.
    ``indent``: as ``json.dumps``; without one, ``compact`` drops the spaces after separators."""
    target = path(chapter, filename, must_exist=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    separators = (",", ":") if indent is None and compact else None
    target.write_text(json.dumps(data, indent=indent, separators=separators) + "\n")
    return target


# A compressed model meets its accuracy goal when its test error is at most this far above its
# baseline's (0.1 points, i.e. 10 of the 10,000 test images); compared as image counts.
ERROR_TOLERANCE = 0.001


def measured(model, test_limit=None):
    """Both errors of ``model`` (fractions): ``{"val_error", "test_error", "test_error_se",
    "test_images"}``, the validation error on all 5,000 validation images (what choices use) and
    the test error on the first ``test_limit`` test images (``None``: all 10,000) with its
    binomial standard error ``sqrt(p (1 - p) / n)``."""
    test_error = train.evaluate(model, "test", test_limit)
    n = train.split_size("test", test_limit)
    return {
        "val_error": train.evaluate(model, "val"),
        "test_error": test_error,
        "test_error_se": train.standard_error(test_error, n),
        "test_images": n,
    }


def error_goal(test_error, baseline_error, n=10_000, tolerance=ERROR_TOLERANCE):
    """The verdict on "test error at most ``tolerance`` above the baseline's", on ``n`` test images.

    Returns ``{"criterion", "increase", "tolerance", "standard_error", "increase_in_se", "met"}``:
    ``increase`` in fractions (negative: better than the baseline), ``standard_error`` the binomial
    one of ``test_error``, ``met`` a bool computed on image counts (no float round-off at the edge).
    """
    se = train.standard_error(test_error, n)
    increase = test_error - baseline_error
    return {
        "criterion": f"test error at most {100 * tolerance:.1f} points above the baseline's ({n:,} test images)",
        "increase": increase,
        "tolerance": tolerance,
        "standard_error": se,
        "increase_in_se": increase / se if se else None,
        "met": round(test_error * n) - round(baseline_error * n) <= round(tolerance * n),
    }
