"""The live panels (notebooks 01, 02, 04): what one slider move costs when it computes for real.

Each move builds the masks / looks up or runs k-means / truncates the cached SVD, evaluates the
whole network on the test images in one batched forward pass and redraws the PNG the notebook
shows. Driven from Python through ``panel.update`` (the synchronous contract), on random moves.
Budget per move: p50 <= 50 ms, p95 <= 100 ms, LeNet-300-100 on all 10,000 test images; LeNet-5
on the subset ``coursekit.widgets._live.IMAGES["lenet5"]`` (the scan below is how it was chosen:
the largest subset whose moves of all three panels keep the budget).

k-means: the quantization panel computes every (layer, bits, init) codebook when it is built
(``warm=True``, the default with the course's k-means; its build time is in the table), so a
student's *first* visit of a bit width costs the evaluation only: the "first visit" row moves
once through all 32 settings of a fresh panel. The "k-means on the move" rows (not in the
budget) clear the codebooks before each move: what a move would cost without the warm-up.

The machine may be shared: recorded for each model are the 1-minute load average after it
(``os.getloadavg()``; this benchmark's own 2 threads count up to 2) and the CPU that *other*
processes used meanwhile, in cores (``/proc/stat`` busy time minus this process's CPU time, over
the wall time). Above 0.25 cores the numbers are not a quiet machine's and the table says so.
Also timed: a burst of 50 slider moves through the "latest value wins" worker. Prints a table,
writes ``benchmarks/results/live.json`` and the Markdown table ``benchmarks/results/live.md``
(what the README shows).
"""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import torch

from coursekit import quantization, widgets
from coursekit.widgets import _live

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET = (50, 100)  # p50, p95 in ms
SUBSETS = (300, 400, 500, 600, 800)  # LeNet-5 test subsets scanned
QUIET_CORES = 0.25  # CPU used by other processes (cores, on average) above which the machine was not quiet
INITS = list(quantization.INITS)


def percentiles(times):
    q = statistics.quantiles(times, n=100)
    return {"moves": len(times), "p50 ms": round(q[49], 1), "p95 ms": round(q[94], 1), "max ms": round(max(times), 1)}


def load():
    """The 1-minute load average (runnable processes, this one included)."""
    return round(os.getloadavg()[0], 2)


def _busy_seconds():
    """CPU seconds all processes have used since boot (``/proc/stat``: all but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class Others:
    """``with Others() as others:`` ... ``others.cores``: the CPU other processes used during the
    block, in cores on average (0: a quiet machine; 1: one core busy besides this benchmark)."""

    def __enter__(self):
        self._start = time.perf_counter(), _busy_seconds(), time.process_time()
        return self

    def __exit__(self, *exc):
        wall, busy, own = time.perf_counter(), _busy_seconds(), time.process_time()
        used = (busy - self._start[1]) - (own - self._start[2])
        self.cores = round(max(used, 0) / (wall - self._start[0]), 2)


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


def built(make, *args, **kwargs):
    """``(panel, seconds to build it)``."""
    start = time.perf_counter()
    panel = make(*args, **kwargs)
    return panel, round(time.perf_counter() - start, 2)


def pruning_moves(rng, n=80):
    return [dict(sparsity=rng.randint(0, 99), scope=rng.choice(["layer", "global"])) for _ in range(n)]


def quantization_moves(rng, n, conv=False, bits=None, inits=INITS):
    moves = [dict(bits=bits or rng.randint(1, 8), init=rng.choice(inits)) for _ in range(n)]
    for move in moves if conv else []:
        move["conv_bits"] = rng.randint(1, 8)
    return moves


def factorization_moves(rng, n=80):
    return [dict(rank=rng.randint(1, 100)) for _ in range(n)]


def bench_model(name, images=None):
    """``(rows, builds)``: ``{what: percentiles}`` for the three panels on the course model ``name``
    (rows whose name starts with "info:" are not in the budget) and the seconds each panel took to build."""
    rng = random.Random(0)
    rows, builds = {}, {}
    panel, builds["pruning"] = built(widgets.pruning_panel, name, images=images)
    timed(panel, pruning_moves(rng, 5))
    rows["pruning: random sparsity and threshold"] = percentiles(timed(panel, pruning_moves(rng)))

    panel, builds["quantization (k-means of all 32 settings)"] = built(widgets.quantization_panel, name, images=images)
    conv = "conv_bits" in panel.controls
    first = [dict(bits=b, init=i) for b in range(1, 9) for i in INITS]
    rng.shuffle(first)
    for move in first if conv else []:
        move["conv_bits"] = rng.randint(1, 8)
    rows["quantization: first visit of each (bits, init), random order"] = percentiles(timed(panel, first))
    rows["quantization: random bits and init"] = percentiles(timed(panel, quantization_moves(rng, 80, conv)))
    rows["quantization: 8 bits"] = percentiles(timed(panel, quantization_moves(rng, 40, conv, bits=8)))
    for init in INITS:
        rows[f"info: quantization, 8 bits, {init} init, k-means on the move"] = percentiles(
            timed(panel, quantization_moves(rng, 4, conv, bits=8, inits=[init]), before=panel.forget)
        )

    panel, builds["factorization"] = built(widgets.factorization_panel, name, images=images)
    timed(panel, factorization_moves(rng, 5))
    rows["factorization: random rank"] = percentiles(timed(panel, factorization_moves(rng)))
    return rows, builds


def scan_lenet5():
    """``{images: {panel: percentiles}}``: moves of the three panels on LeNet-5 for each test subset."""
    rng = random.Random(1)
    scan = {}
    for images in SUBSETS:
        pruning = widgets.pruning_panel("lenet5", images=images)
        quantized = widgets.quantization_panel("lenet5", images=images)
        factorized = widgets.factorization_panel("lenet5", images=images)
        scan[images] = {
            "pruning": percentiles(timed(pruning, pruning_moves(rng, 25))),
            "quantization": percentiles(timed(quantized, quantization_moves(rng, 25, conv=True))),
            "factorization": percentiles(timed(factorized, factorization_moves(rng, 25))),
        }
        print(f"LeNet-5 on {images} images: {scan[images]} (load {load()})", flush=True)
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


def within(row):
    return row["p50 ms"] <= BUDGET[0] and row["p95 ms"] <= BUDGET[1]


def markdown(result):
    """The README's table: p50 / p95 per panel, images, load."""
    lines = [
        f"Live panels, one slider move (`make bench`, benchmarks/bench_live.py; {result['threads']} torch threads, "
        f"budget p50 <= {BUDGET[0]} ms, p95 <= {BUDGET[1]} ms).",
        "",
        "| model, test images | move | p50 ms | p95 ms | budget | load (1 min) | other processes (cores) |",
        "|---|---|---:|---:|---|---|---|",
    ]
    for what, row in result["moves"].items():
        model, move = what.split(": ", 1)
        verdict = "not counted" if move.startswith("info:") else "met" if result["budget met"][what] else "NOT met"
        lines.append(
            f"| {model} | {move.removeprefix('info: ')} | {row['p50 ms']:.1f} | {row['p95 ms']:.1f} | {verdict} "
            f"| {result['load'][model]} | {result['cores used by other processes'][model]} |"
        )
    lines += ["", "Panel build times (s): " + "; ".join(f"{k}: {v}" for k, v in result["builds"].items())]
    lines += ["", "LeNet-5 moves by test subset (p50 / p95 ms):", ""]
    lines += ["| images | pruning | quantization | factorization | all within budget |", "|---:|---|---|---|---|"]
    for images, panels in result["lenet5 subset scan"].items():
        cells = " | ".join(f"{row['p50 ms']:.1f} / {row['p95 ms']:.1f}" for row in panels.values())
        lines.append(f"| {images} | {cells} | {'yes' if all(map(within, panels.values())) else 'no'} |")
    burst = result["burst"]
    lines += [
        "",
        f"LeNet-5 panels use {result['lenet5 images']} test images (`_live.IMAGES`); the scan's largest subset "
        f"within budget: {result['largest lenet5 subset within budget']}.",
        f"Burst of {burst['moves']} slider moves: {burst['computations']} computations, idle "
        f"{burst['ms from the last move to idle']:.0f} ms after the last move; final state is the last value: "
        f"{burst['final state is the last value']}.",
        f"Load average (1 min) at start / end: {result['load']['start']} / {result['load']['end']}; CPU used by "
        f"other processes (cores): {result['cores used by other processes']}"
        + ("" if result["quiet"] else f" (above {QUIET_CORES}: the CPU was shared, times are pessimistic)"),
    ]
    return "\n".join(lines) + "\n"


def main():
    rows, builds, loads, other_cores = {}, {}, {"start": load()}, {}
    for name, images in (("lenet_300_100", None), ("lenet5", _live.IMAGES["lenet5"])):
        shown = f"{_live.display_name(name)}, {images or 10_000:,}"
        with Others() as others:
            model_rows, model_builds = bench_model(name, images)
        loads[shown] = load()
        other_cores[shown] = others.cores
        for what, row in model_rows.items():
            rows[f"{shown}: {what}"] = row
            print(f"{shown}: {what}: {row}", flush=True)
        builds.update({f"{shown}: {what}": seconds for what, seconds in model_builds.items()})
    with Others() as others:
        scan = scan_lenet5()
    other_cores["LeNet-5 subset scan"] = others.cores
    coalescing = burst()
    loads["end"] = load()
    met = {what: within(row) for what, row in rows.items()}
    fits = [images for images, panels in scan.items() if all(map(within, panels.values()))]
    result = {
        "threads": torch.get_num_threads(),
        "budget ms": {"p50": BUDGET[0], "p95": BUDGET[1]},
        "load": loads,
        "cores used by other processes": other_cores,
        "quiet": max(other_cores.values()) <= QUIET_CORES,
        "moves": rows,
        "budget met": met,
        "all budget rows met": all(ok for what, ok in met.items() if ": info:" not in what),
        "builds": builds,
        "lenet5 subset scan": scan,
        "largest lenet5 subset within budget": max(fits) if fits else None,
        "lenet5 images": _live.IMAGES["lenet5"],
        "burst": coalescing,
    }
    table = markdown(result)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "live.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "live.md").write_text(table)


if __name__ == "__main__":
    main()
