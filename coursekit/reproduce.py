"""Regenerate what the notebooks load: ``python -m coursekit.reproduce CHAPTER``.

Each chapter's module in ``coursekit.experiments`` has a ``reproduce()`` function that recomputes
its checkpoints and tables from the committed baselines and writes them under ``data/``. ``all``
runs every chapter in order, except the baselines (retrain them explicitly).
"""

import argparse
import importlib
import time

from .experiments import FOLDERS

# the chapters, in the order `all` runs them; each is the module coursekit.experiments.<chapter>
CHAPTERS = list(FOLDERS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=[*CHAPTERS, "all"])
    args = parser.parse_args(argv)
    chapters = CHAPTERS if args.chapter == "all" else [args.chapter]
    for chapter in chapters:
        if chapter == "baselines" and args.chapter == "all":
            continue  # `all` starts from the committed baselines; retrain them explicitly
        start = time.perf_counter()
        importlib.import_module(f"coursekit.experiments.{chapter}").reproduce()
        print(f"reproduce {chapter}: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
