"""Regenerate what the notebooks load: ``python -m coursekit.reproduce CHAPTER``.

Each chapter's module in ``coursekit.experiments`` has a ``reproduce()`` function that recomputes
its checkpoints and tables from the committed baselines and writes them under ``data/``. ``all``
runs every chapter in order, except the baselines (retrain them explicitly). Every choice a
chapter makes (learning rates, epochs, the kept step or rank) is made on the validation split
(``load_mnist("val")``); the test error is reported once, with its standard error.
"""

import argparse
import importlib
import os
import sys
import time

from .experiments import FOLDERS, folder, record

# the chapters, in the order `all` runs them; each is the module coursekit.experiments.<chapter>
CHAPTERS = list(FOLDERS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=[*CHAPTERS, "all"])
    parser.add_argument("--force", action="store_true", help="overwrite the files the course ships in data/")
    args = parser.parse_args(argv)
    chapters = [c for c in CHAPTERS if c != "baselines"] if args.chapter == "all" else [args.chapter]
    # `all` starts from the committed baselines; retrain them explicitly
    shipped = [p for c in chapters if folder(c).is_dir() for p in sorted(folder(c).rglob("*")) if p.is_file()]
    if shipped and not args.force:
        sys.exit(
            f"error: reproduce {args.chapter} would overwrite {len(shipped)} files the course ships in data/ "
            f"(e.g. {shipped[0]}): pass --force to regenerate them (`git checkout -- data/` restores them)"
        )
    try:
        for chapter in chapters:
            start, cpu = time.perf_counter(), time.process_time()
            importlib.import_module(f"coursekit.experiments.{chapter}").reproduce()
            record(chapter)  # the manifest follows the files written on purpose
            load = ", ".join(f"{x:.1f}" for x in os.getloadavg())  # 1, 5, 15 minutes: how shared the CPU was
            cpu = time.process_time() - cpu  # on one thread, about the wall time on a quiet core
            print(
                f"reproduce {chapter}: {time.perf_counter() - start:.0f} s, {cpu:.0f} s CPU (load {load})", flush=True
            )
    except (OSError, ValueError, RuntimeError) as error:  # DataError is a RuntimeError
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
