"""Regenerate what the notebooks load: ``python -m coursekit.reproduce CHAPTER``.

Each chapter's module in ``coursekit.experiments`` has a ``reproduce()`` function that recomputes
its checkpoints and tables from the committed baselines and writes them under ``data/``. ``all``
runs every chapter except the baselines (retrain them explicitly), by default in two processes at
once (``--jobs 2``, see ``LANES``: one per core, each chapter on one thread). Every choice a
chapter makes (learning rates, epochs, the kept step or rank) is made on the validation split
(``load_mnist("val")``); the test error is reported once, with its standard error.
"""

import argparse
import importlib
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from .experiments import FOLDERS, folder, record

# the chapters, in the order `all` runs them; each is the module coursekit.experiments.<chapter>
CHAPTERS = list(FOLDERS)
# `all` with --jobs 2: each lane runs its chapters in order in its own process. Quantization starts
# from the pruning chapter's models, so it follows pruning in the same lane; the other chapters need
# only the baselines. Measured on a quiet 2-core CPU (2026-12-01): pruning + quantization 18 min,
# the rest 14 min, so `all` takes 18 minutes.
LANES = (("pruning", "quantization"), ("deep_compression", "factorization", "structured"))


def _load():
    """The load average over 1, 5 and 15 minutes, e.g. "1.9, 2.3, 2.4": how shared the CPU was."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run_lane(modules, record_chapters=True):
    """Run each module's ``reproduce()`` in order, in this process, and (``record_chapters``) put the
    chapter's new files in the manifest; returns ``[(module, seconds, CPU seconds)]``. CPU seconds on
    one thread are about the wall time the chapter takes on a quiet core."""
    timings = []
    for module in modules:
        start, cpu = time.perf_counter(), time.process_time()
        importlib.import_module(module).reproduce()
        if record_chapters:
            record(module.rsplit(".", 1)[-1])  # the manifest follows the files written on purpose (locked)
        timings.append((module, time.perf_counter() - start, time.process_time() - cpu))
        print(f"reproduce {module}: {timings[-1][1]:.0f} s, {timings[-1][2]:.0f} s CPU (load {_load()})", flush=True)
    return timings


def run_lanes(lanes, jobs=2, record_chapters=True):
    """Run the lanes (lists of module names) in ``jobs`` processes at once (each one ``run_lane``);
    returns every lane's timings. A chapter's error is raised here."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no torch threads inherited by fork
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(run_lane, lane, record_chapters) for lane in lanes]
        return [timing for future in futures for timing in future.result()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", choices=[*CHAPTERS, "all"])
    parser.add_argument("--force", action="store_true", help="overwrite the files the course ships in data/")
    parser.add_argument("--jobs", type=int, default=2, choices=[1, 2], help="`all`: chapters run in 1 or 2 processes")
    args = parser.parse_args(argv)
    chapters = [c for c in CHAPTERS if c != "baselines"] if args.chapter == "all" else [args.chapter]
    # `all` starts from the committed baselines; retrain them explicitly
    shipped = [p for c in chapters if folder(c).is_dir() for p in sorted(folder(c).rglob("*")) if p.is_file()]
    if shipped and not args.force:
        sys.exit(
            f"error: reproduce {args.chapter} would overwrite {len(shipped)} files the course ships in data/ "
            f"(e.g. {shipped[0]}): pass --force to regenerate them (`git checkout -- data/` restores them)"
        )
    start = time.perf_counter()
    try:
        if args.chapter == "all" and args.jobs == 2:
            run_lanes([[f"coursekit.experiments.{c}" for c in lane] for lane in LANES])
        else:
            run_lane([f"coursekit.experiments.{c}" for c in chapters])
        print(f"reproduce {args.chapter}: {time.perf_counter() - start:.0f} s in all (load {_load()})", flush=True)
    except (OSError, ValueError, RuntimeError) as error:  # DataError is a RuntimeError
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
