"""The library's layers, kept so: methods <- fast paths <- experiments <- widgets <- notebooks.

A method module (what a student reads) takes modules, tensors and data, never a model name or a
path: it imports no data loading, training recipe, experiment or widget, and holds no path into
``data/``. Fast paths import only methods. Experiments never import widgets.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "coursekit"

# the layer of every module of coursekit; a new module must be placed here
LAYERS = {
    "network": "method",
    "arguments": "method",
    "models": "method",
    "papers": "method",
    "plots": "method",
    "pruning": "method",
    "quantization": "method",
    "huffman": "method",
    "factorization": "method",
    "structured": "method",
    "compressed": "method",
    "deep_compression": "method",
    "i18n": "method",
    "kmeans_fast": "fast",
    "data": "experiment",
    "train": "experiment",
    "checks": "experiment",
    "grading": "experiment",
    "integrity": "experiment",
    "experiments": "experiment",
    "reproduce": "experiment",
    "__main__": "experiment",
    "__init__": "experiment",
    "widgets": "widget",
}
ORDER = ["method", "fast", "experiment", "widget"]


def _module_name(path):
    relative = path.relative_to(PACKAGE).with_suffix("")
    return relative.parts[0]  # a package (experiments/, widgets/) is one layer


def _imported(path):
    """The coursekit modules ``path`` imports (first component below ``coursekit``)."""
    return _imported_source(path.read_text(), path.relative_to(PACKAGE).parent.parts)


def _imported_source(text, package_parts=()):
    tree = ast.parse(text)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = list(package_parts[: len(package_parts) - (node.level - 1)])
                parts = base + (node.module.split(".") if node.module else [])
                if parts:
                    names.add(parts[0])
                else:
                    names.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("coursekit"):
                rest = node.module.split(".")[1:]
                names.update([rest[0]] if rest else [alias.name for alias in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("coursekit."):
                    names.add(alias.name.split(".")[1])
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    unplaced = sorted({_module_name(p) for p in SOURCES} - set(LAYERS))
    assert not unplaced, f"place these modules in LAYERS of {__file__}: {unplaced}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    own = _module_name(path)
    level = ORDER.index(LAYERS[own])
    upward = {
        name: LAYERS[name]
        for name in _imported(path)
        if name in LAYERS and name != own and ORDER.index(LAYERS[name]) > level
    }
    assert not upward, f"{path.name} ({LAYERS[own]}) imports from a higher layer: {upward}"


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if LAYERS.get(_module_name(p)) in ("method", "fast")], ids=lambda p: p.name
)
def test_methods_hold_no_data_path(path):
    source = path.read_text()
    assert "__file__" not in source and '"data"' not in source, (
        f"{path.name} points into data/: move that to experiments"
    )


def test_an_upward_import_is_caught():
    """The check above can fail: relative and absolute upward imports are both seen."""
    assert {"data", "experiments"} <= _imported_source(
        "from .data import load_mnist\nfrom coursekit.experiments import pruning\n"
    )
    assert _imported_source("from .. import train\n", ("widgets",)) == {"train"}
