"""Low-rank factorization (notebook 04): is the factorized LeNet-300-100 faster, and how fast
does the rank slider answer?

Times the dense LeNet-300-100 and its fine-tuned factorizations (fc1 + fc2 at several fractions
of full rank) at batch 256 and batch 1; then drives the rank slider's callback from Python over
random positions (fraction and fine-tuned toggle). Prints a table, writes
``benchmarks/results/factorization.json``.
"""

import json
import random
import statistics
import time
from pathlib import Path

import torch

from coursekit import network, structured, widgets
from coursekit.experiments import baselines
from coursekit.experiments import factorization as results

RESULTS = Path(__file__).resolve().parent / "results"


def slider_times_ms(moves=300, seed=0):
    """Wall times, in milliseconds, of the slider callback on ``moves`` random positions."""
    panel = widgets.factorization_panel()
    rng = random.Random(seed)
    times = []
    for _ in range(moves):
        fraction, fine_tuned = rng.choice(results.FRACTIONS), rng.random() < 0.5
        start = time.perf_counter()
        panel.update(fraction=fraction, fine_tuned=fine_tuned)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main():
    networks = {"dense": baselines.pretrained("lenet_300_100")}
    for fraction in (0.5, 0.2, 0.1, 0.05):
        networks[f"rank {fraction:.0%}"] = results.load_fine_tuned("lenet_300_100", fraction)
    rows = {}
    for what, net in networks.items():
        rows[what] = {"parameters": network.count_parameters(net)}
        for batch, repeats in [(256, 50), (1, 300)]:
            times = structured.forward_times_ms(net, batch, repeats)
            # the best run is the cost of the computation; the median also counts the CPU's other users
            rows[what][f"batch {batch} best ms"] = min(times)
            rows[what][f"batch {batch} median ms"] = statistics.median(times)
    slider = slider_times_ms()
    q = statistics.quantiles(slider, n=100)
    result = {
        "threads": torch.get_num_threads(),
        "networks": rows,
        "slider_ms": {"moves": len(slider), "p50": q[49], "p95": q[94], "max": max(slider)},
    }
    print(f"{'network':10s} {'params':>8s} batch 256 best ms speed-up median ms batch 1 best ms")
    dense_ms = rows["dense"]["batch 256 best ms"]
    for what, row in rows.items():
        print(
            f"{what:10s} {row['parameters']:8,d} {row['batch 256 best ms']:17.3f} "
            f"{dense_ms / row['batch 256 best ms']:7.2f}x "
            f"{row['batch 256 median ms']:9.3f} {row['batch 1 best ms']:15.4f}"
        )
    s = result["slider_ms"]
    print(
        f"rank slider: {s['moves']} moves, p50 {s['p50']:.2f} ms, p95 {s['p95']:.2f} ms, "
        f"max {s['max']:.2f} ms (budget 50 / 100 ms)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "factorization.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"bench_factorization: {time.perf_counter() - start:.0f} s")
