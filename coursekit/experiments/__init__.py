"""The experiments: each chapter's recipes, its reproduce driver and the loading of its results.

One module per chapter (``baselines``, ``pruning``, ``structured``, ``quantization``,
``factorization``, ``deep_compression``), each with the chapter's recipes as constants and a
``reproduce()`` that writes the chapter's folder under ``data/``
(``python -m coursekit.reproduce CHAPTER``). The methods they call live one level down
(``coursekit.pruning``, ``coursekit.quantization``, ...) and never read ``data/``.

Everything the notebooks and widgets load from ``data/`` goes through ``path`` / ``load_json``
here, so a missing file always says the same thing: which command regenerates it.
"""

import json
from pathlib import Path

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
    ``FileNotFoundError`` naming the command that regenerates it."""
    result = folder(chapter) / filename
    if must_exist and not result.is_file():
        raise FileNotFoundError(f"{result} is missing: regenerate it with `python -m coursekit.reproduce {chapter}`.")
    return result


def load_json(chapter, filename):
    """The JSON file ``filename`` that ``python -m coursekit.reproduce CHAPTER`` wrote."""
    return json.loads(path(chapter, filename).read_text())


def write_json(chapter, filename, data, indent=None):
    """Write ``data`` as JSON to the chapter's folder (created if needed); returns the path."""
    target = path(chapter, filename, must_exist=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    separators = None if indent is not None else (",", ":")
    target.write_text(json.dumps(data, indent=indent, separators=separators) + "\n")
    return target
