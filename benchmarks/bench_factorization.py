"""Low-rank factorization (notebook 04): is the factorized LeNet-300-100 faster?

Times the dense LeNet-300-100 and its fine-tuned factorizations (fc1 + fc2 at several fractions
of full rank) at batch 256 and batch 1 (the live rank slider: ``bench_live.py``). Prints a table,
writes
``benchmarks/results/factorization.json``.
"""

import json
import statistics
import time
from pathlib import Path

import torch

from coursekit import network, structured
from coursekit.experiments import baselines
from coursekit.experiments import factorization as results

RESULTS = Path(__file__).resolve().parent / "results"


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
    result = {"threads": torch.get_num_threads(), "networks": rows}
    print(f"{'network':10s} {'params':>8s} batch 256 best ms speed-up median ms batch 1 best ms")
    dense_ms = rows["dense"]["batch 256 best ms"]
    for what, row in rows.items():
        print(
            f"{what:10s} {row['parameters']:8,d} {row['batch 256 best ms']:17.3f} "
            f"{dense_ms / row['batch 256 best ms']:7.2f}x "
            f"{row['batch 256 median ms']:9.3f} {row['batch 1 best ms']:15.4f}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "factorization.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"bench_factorization: {time.perf_counter() - start:.0f} s")
