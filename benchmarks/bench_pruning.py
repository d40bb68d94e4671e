"""Pruning (notebook 01): the sparsity slider's latency, driven from Python.

Builds the panel once, then moves it to random positions (sparsity 0-99%, layer-wise or global,
pruned or retrained) for each model, timing the callback: the table lookup, the histogram redraw
and the PNG the notebook shows. Budget: p50 <= 50 ms, p95 <= 100 ms. Prints a table, writes
``benchmarks/results/pruning.json``.
"""

import json
import random
import statistics
import time
from pathlib import Path

import torch

from coursekit import widgets

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"lenet_300_100": "10,000 test images", "lenet5": "first 2,000 test images"}


def slider_times_ms(panel, model, moves=300, seed=0):
    """Wall times of ``panel.update`` on ``moves`` random positions of ``model``, in milliseconds."""
    rng = random.Random(seed)
    times = []
    for _ in range(moves):
        values = dict(sparsity=rng.randint(0, 99), scope=rng.choice(["layer", "global"]), retrained=rng.random() < 0.5)
        start = time.perf_counter()
        panel.update(model=model, **values)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main():
    start = time.perf_counter()
    panel = widgets.pruning_panel()
    build_ms = 1000 * (time.perf_counter() - start)
    rows = {}
    for model, images in MODELS.items():
        times = slider_times_ms(panel, model)
        q = statistics.quantiles(times, n=100)
        rows[model] = {
            "test images": images,
            "moves": len(times),
            "p50 ms": q[49],
            "p95 ms": q[94],
            "max ms": max(times),
        }
    print(f"slider callback (panel built in {build_ms:.0f} ms), {torch.get_num_threads()} threads")
    print(f"{'model':15s} {'evaluated on':25s} {'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s}")
    for model, row in rows.items():
        print(f"{model:15s} {row['test images']:25s} {row['p50 ms']:7.1f} {row['p95 ms']:7.1f} {row['max ms']:7.1f}")
    ok = all(row["p50 ms"] <= 50 and row["p95 ms"] <= 100 for row in rows.values())
    print("budget p50 <= 50 ms, p95 <= 100 ms:", "met" if ok else "NOT met")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"build ms": build_ms, "slider": rows, "budget met": ok}
    (RESULTS / "pruning.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
