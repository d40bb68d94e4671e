"""Regenerate what the notebooks load: ``python -m coursekit.reproduce CHAPTER``.

Each chapter's module has a ``reproduce()`` function that recomputes its checkpoints and tables
from the committed baselines and writes them under ``data/``. ``all`` runs every chapter in order.
"""

import argparse
import importlib
import time

# chapter -> module whose reproduce() regenerates it, in the order `all` runs them
CHAPTERS = {
    "baselines": "coursekit.train",
    "pruning": "coursekit.pruning",
    "structured": "coursekit.structured",
    "quantization": "coursekit.quantization",
    "factorization": "coursekit.factorization",
    "deep_compression": "coursekit.deep_compression",
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=[*CHAPTERS, "all"])
    args = parser.parse_args(argv)
    chapters = list(CHAPTERS) if args.chapter == "all" else [args.chapter]
    for chapter in chapters:
        if chapter == "baselines" and args.chapter == "all":
            continue  # `all` starts from the committed baselines; retrain them explicitly
        start = time.perf_counter()
        importlib.import_module(CHAPTERS[chapter]).reproduce()
        print(f"reproduce {chapter}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
