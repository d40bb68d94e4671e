"""Course benchmarks: ``make bench``.

Times loading MNIST and executing each notebook, then runs every ``benchmarks/bench_*.py``
(each chapter's own measurements, e.g. slider latency). Prints a table and writes
``benchmarks/results/course.json``.
"""

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import torch
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

LOAD = """
import time, torch
start = time.perf_counter()
from coursekit.data import load_mnist
load_mnist("train"); load_mnist("test")
print(time.perf_counter() - start)
"""


def time_data_load(repeats=3):
    """Seconds to load both MNIST splits in a fresh process (torch already imported), best of N."""
    runs = [float(subprocess.check_output([sys.executable, "-c", LOAD], cwd=ROOT)) for _ in range(repeats)]
    return min(runs)


def time_notebook(path):
    """Seconds to execute one notebook from a fresh kernel (outputs are not written back)."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main():
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = [("load MNIST (train + test)", time_data_load())]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        rows.append((f"execute {nb.name}", time_notebook(nb)))
    print(f"{'what':45s} {'seconds':>8s}")
    for what, seconds in rows:
        print(f"{what:45s} {seconds:8.2f}")
    result = {
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "cpus": torch.get_num_threads()},
        "seconds": dict(rows),
    }
    (RESULTS / "course.json").write_text(json.dumps(result, indent=2) + "\n")
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        print(f"\n== {script.name} ==", flush=True)
        subprocess.run([sys.executable, str(script)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
