"""The live panels (notebooks 01, 02, 04): what one slider move costs when it computes for real.

Each move builds the masks / runs k-means / truncates the cached SVD, evaluates the whole network
on the test images in one batched forward pass and redraws the PNG the notebook shows. Driven from
Python through ``panel.update`` (the synchronous contract), on random moves. Budget per move:
p50 <= 50 ms, p95 <= 100 ms, LeNet-300-100 on all 10,000 test images; LeNet-5 on the subset
``coursekit.widgets._live.IMAGES["lenet5"]`` (the scan below is how it was chosen).

k-means: a codebook depends only on (layer, bits, init), so the panel memoizes it exactly. "cold"
rows clear that memo before every move (every move runs k-means), "warm" rows do not (a setting
seen before costs only the evaluation). Also timed: a burst of 50 slider moves through the
"latest value wins" worker (how many computations it ran, and how long until the panel was idle).
Prints a table, writes ``benchmarks/results/live.json``.
"""

import json
import random
import statistics
import sys
import time
from pathlib import Path

import torch

from coursekit import widgets
from coursekit.widgets import _live

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET = (50, 100)  # p50, p95 in ms
SUBSETS = (250, 400, 500, 1000, 2000)  # LeNet-5 test subsets scanned


def percentiles(times):
    q = statistics.quantiles(times, n=100)
    return {"moves": len(times), "p50 ms": round(q[49], 1), "p95 ms": round(q[94], 1), "max ms": round(max(times), 1)}


def timed(panel, moves, before=None):
    """Wall times in ms of ``panel.update(**values)`` for each ``values`` in ``moves``."""
    times = []
    for values in moves:
        if before:
            before()
        start = time.perf_counter()
        shown = panel.update(**values)
        times.append(1000 * (time.perf_counter() - start))
        if "problem" in shown:
            sys.exit(f"the panel could not compute {values}: {shown['problem']}")
    return times


def pruning_moves(rng, n=80):
    return [dict(sparsity=rng.randint(0, 99), scope=rng.choice(["layer", "global"])) for _ in range(n)]


def quantization_moves(rng, n, conv=False, bits=None, init="linear"):
    moves = [dict(bits=bits or rng.randint(1, 8), init=init) for _ in range(n)]
    for move in moves if conv else []:
        move["conv_bits"] = bits or rng.randint(1, 8)
    return moves


def factorization_moves(rng, n=80):
    return [dict(rank=rng.randint(1, 100)) for _ in range(n)]


def bench_model(name, images=None):
    """Rows ``{what: percentiles}`` for the three panels on the course model ``name``."""
    rng = random.Random(0)
    rows = {}
    panel = widgets.pruning_panel(name, images=images)
    timed(panel, pruning_moves(rng, 5))
    rows["pruning, random sparsity and threshold"] = percentiles(timed(panel, pruning_moves(rng)))
    panel = widgets.quantization_panel(name, images=images)
    conv = "conv_bits" in panel.controls
    timed(panel, quantization_moves(rng, 3, conv))
    rows["quantization, linear init, random bits, cold"] = percentiles(
        timed(panel, quantization_moves(rng, 40, conv), before=panel.forget)
    )
    for init in ("linear", "density", "random", "kmeans++"):
        rows[f"quantization, 8 bits, {init} init, cold"] = percentiles(
            timed(panel, quantization_moves(rng, 8, conv, bits=8, init=init), before=panel.forget)
        )
    everything = [
        dict(bits=b, init=i) | (dict(conv_bits=b) if conv else {}) for b in range(1, 9) for i in ("linear", "kmeans++")
    ]
    timed(panel, everything)  # every setting memoized once
    moves = [rng.choice(everything) for _ in range(80)]
    rows["quantization, random bits, linear or k-means++, warm"] = percentiles(timed(panel, moves))
    rows["quantization, 8 bits, warm"] = percentiles(timed(panel, [m for m in everything if m["bits"] == 8] * 20))
    panel = widgets.factorization_panel(name, images=images)
    timed(panel, factorization_moves(rng, 5))
    rows["factorization, random rank"] = percentiles(timed(panel, factorization_moves(rng)))
    return rows


def scan_lenet5():
    """p50 / p95 of pruning moves on LeNet-5 for each test subset in ``SUBSETS``."""
    rng = random.Random(1)
    scan = {}
    for images in SUBSETS:
        panel = widgets.pruning_panel("lenet5", images=images)
        timed(panel, pruning_moves(rng, 3))
        scan[images] = percentiles(timed(panel, pruning_moves(rng, 30)))
        print(f"LeNet-5 pruning on {images} images: {scan[images]}", flush=True)
    return scan


def burst(moves=50):
    """Move the pruning panel's slider ``moves`` times in a row (as a fast drag does), then wait."""
    panel = widgets.pruning_panel()
    slider = panel.controls["sparsity"]
    runs = panel.worker.runs
    start = time.perf_counter()
    for value in range(1, moves + 1):
        slider.value = value
    sent = time.perf_counter()
    panel.wait()
    done = time.perf_counter()
    expected = panel.update(sparsity=moves, scope=panel.controls["scope"].value)
    return {
        "moves": moves,
        "computations": panel.worker.runs - runs,
        "ms to send the moves": round(1000 * (sent - start), 1),
        "ms from the last move to idle": round(1000 * (done - sent), 1),
        "final state is the last value": panel.shown["sparsity"] == moves and panel.shown["error"] == expected["error"],
    }


def main():
    rows = {}
    for name, images in (("lenet_300_100", None), ("lenet5", _live.IMAGES["lenet5"])):
        shown = f"{name}, {images or 10_000:,} test images"
        for what, row in bench_model(name, images).items():
            rows[f"{shown}: {what}"] = row
            print(f"{shown}: {what}: {row}", flush=True)
    scan = scan_lenet5()
    coalescing = burst()
    met = {what: row["p50 ms"] <= BUDGET[0] and row["p95 ms"] <= BUDGET[1] for what, row in rows.items()}
    print(f"live panels, {torch.get_num_threads()} torch threads; budget p50 <= {BUDGET[0]} ms, p95 <= {BUDGET[1]} ms")
    print(f"{'move':90s} {'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s}  budget")
    for what, row in rows.items():
        verdict = "met" if met[what] else "NOT met"
        print(f"{what:90s} {row['p50 ms']:7.1f} {row['p95 ms']:7.1f} {row['max ms']:7.1f}  {verdict}")
    print("LeNet-5 pruning moves by test subset:")
    for images, row in scan.items():
        print(f"  {images:5d} images: p50 {row['p50 ms']:6.1f} ms, p95 {row['p95 ms']:6.1f} ms")
    print(
        f"burst of {coalescing['moves']} slider moves: {coalescing['computations']} computations, idle "
        f"{coalescing['ms from the last move to idle']:.0f} ms after the last move; final state is the last value: "
        f"{coalescing['final state is the last value']}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "threads": torch.get_num_threads(),
        "budget ms": {"p50": BUDGET[0], "p95": BUDGET[1]},
        "moves": rows,
        "budget met": met,
        "lenet5 subset scan": scan,
        "lenet5 images": _live.IMAGES["lenet5"],
        "burst": coalescing,
    }
    (RESULTS / "live.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
