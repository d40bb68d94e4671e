"""Quantization chapter benchmarks: our fast 1-D k-means (``coursekit.kmeans_fast``, what the
library uses on real layers) against scikit-learn's KMeans (the live bits slider: bench_live.py).
Prints two tables and writes ``benchmarks/results/quantization.json``.

scikit-learn is not a course requirement: install it into .venv to get its column
(``.venv/bin/pip install scikit-learn``); without it that column is skipped.
"""

import json
import time
from pathlib import Path

import torch

from coursekit import kmeans_fast, network, quantization
from coursekit.experiments import baselines

RESULTS = Path(__file__).resolve().parent / "results"


def lenet_300_100_weights():
    """The 266,200 weights (no biases) of the trained LeNet-300-100, as one 1-D tensor."""
    model = baselines.pretrained("lenet_300_100")
    return torch.cat([w.flatten() for w in network.weights(model).values()])


def ours(weights, k):
    """Greedy k-means++ init, then Lloyd on sorted values until no weight changes cluster.
    Returns ``(codebook, indices, inertia)``: like scikit-learn's fitted ``KMeans`` (its
    ``labels_``), the result stays alive while the next repeat runs, so both sides allocate alike."""
    codebook, indices = kmeans_fast.kmeans_1d(weights, k, "kmeans++")
    return codebook, indices, quantization.inertia(weights, codebook, indices)


def best_time(fn, repeats):
    """(fastest wall time in seconds, result) over ``repeats`` calls."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def bench_kmeans(ks=(16, 64, 256)):
    try:
        from sklearn.cluster import KMeans
    except ImportError:
        KMeans = None
        print("scikit-learn is not installed: skipping its column (.venv/bin/pip install scikit-learn)")
    weights = lenet_300_100_weights()
    column = weights.double().numpy().reshape(-1, 1)
    rows = []
    print(f"\n1-D k-means on the {len(weights):,} weights of LeNet-300-100 (each: fastest of 3 runs)")
    print(
        f"{'k':>4s} {'ours s':>8s} {'sklearn s':>10s} {'speed-up':>9s} {'ours inertia':>13s} {'sklearn inertia':>16s}"
    )
    for k in ks:
        seconds, (_, _, inertia) = best_time(lambda k=k: ours(weights, k), 3)
        row = {"k": k, "ours_seconds": seconds, "ours_inertia": inertia}
        if KMeans is not None:
            sk_seconds, km = best_time(lambda k=k: KMeans(n_clusters=k, random_state=0).fit(column), 3)
            row.update(sklearn_seconds=sk_seconds, sklearn_inertia=float(km.inertia_), speedup=sk_seconds / seconds)
            print(
                f"{k:4d} {seconds:8.3f} {sk_seconds:10.3f} {row['speedup']:8.1f}x {inertia:13.6f} {km.inertia_:16.6f}"
            )
        else:
            print(f"{k:4d} {seconds:8.3f} {'-':>10s} {'-':>9s} {inertia:13.6f} {'-':>16s}")
        rows.append(row)
    return rows


def main():
    result = {"kmeans": bench_kmeans()}  # the live bits slider: benchmarks/bench_live.py
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quantization.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
