"""Structured pruning (notebook 05): does removing feature maps make LeNet-5 faster, and
zeroing 90% of its weights not? And the slider's latency.

Times the dense baseline, the same network with 90% of its weights zeroed (unstructured), and
the rebuilt network of ``data/structured/`` (whole maps removed), at batch 256 and batch 1;
then drives the slider's callback from Python. Prints a table, writes
``benchmarks/results/structured.json``.
"""

import json
import random
import statistics
import time
from pathlib import Path

import torch

from coursekit import network, structured, widgets
from coursekit.experiments import baselines
from coursekit.experiments import structured as experiment

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values, q):
    return statistics.quantiles(values, n=100)[q - 1]


def slider_times_ms(moves=200, seed=0):
    """Wall times of the slider callback on ``moves`` random positions, in milliseconds."""
    panel = widgets.structured_panel()
    points = experiment.load("trajectories")["lenet5"]["taylor"]
    lowest = sum(points[-1]["kept"].values()) / 70
    rng = random.Random(seed)
    times = []
    for _ in range(moves):
        kept = rng.uniform(lowest, 1.0)
        start = time.perf_counter()
        panel.update(kept=kept)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main():
    dense = baselines.pretrained("lenet5")
    networks = {
        "dense LeNet-5": dense,
        "90% of weights zeroed": structured.zero_smallest_weights(dense, 0.9),
        "feature maps removed": experiment.load("lenet5_pruned"),
    }
    rows = {}
    for what, net in networks.items():
        rows[what] = {"flops": network.flops(net), "parameters": network.count_parameters(net)}
        for batch, repeats in [(256, 40), (1, 200)]:
            times = structured.forward_times_ms(net, batch, repeats)
            rows[what][f"batch {batch} median ms"] = statistics.median(times)
    slider = slider_times_ms()
    result = {
        "threads": torch.get_num_threads(),
        "networks": rows,
        "speed-up batch 256, maps removed": rows["dense LeNet-5"]["batch 256 median ms"]
        / rows["feature maps removed"]["batch 256 median ms"],
        "speed-up batch 256, 90% zeroed": rows["dense LeNet-5"]["batch 256 median ms"]
        / rows["90% of weights zeroed"]["batch 256 median ms"],
        "slider p50 ms": statistics.median(slider),
        "slider p95 ms": percentile(slider, 95),
    }
    print(f"{'network':26s} {'MFLOPs':>7s} {'params':>8s} {'ms/256 img':>10s} {'ms/1 img':>9s}")
    for what, row in rows.items():
        print(
            f"{what:26s} {row['flops'] / 1e6:7.2f} {row['parameters']:8d} "
            f"{row['batch 256 median ms']:10.2f} {row['batch 1 median ms']:9.3f}"
        )
    print(
        f"speed-up at batch 256: maps removed {result['speed-up batch 256, maps removed']:.2f}x, "
        f"90% zeroed {result['speed-up batch 256, 90% zeroed']:.2f}x"
    )
    print(
        f"slider callback: p50 {result['slider p50 ms']:.3f} ms, p95 {result['slider p95 ms']:.3f} ms (limits 50 / 100)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "structured.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
