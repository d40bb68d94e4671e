"""Huffman coding and the compressed file: how fast (``make bench``).

Times ``huffman.encode``/``decode`` on 250,000 skewed symbols, and ``save_compressed`` /
``load_compressed`` on the committed LeNet-5 file. Prints a table and writes
``benchmarks/results/huffman.json``.
"""

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from coursekit import compressed, huffman
from coursekit.experiments import path as data_path

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(function, repeats=5):
    """Seconds of the fastest of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    symbols = np.random.default_rng(0).geometric(0.3, size=250_000) - 1
    lengths = huffman.code_lengths(np.bincount(symbols))
    data, _ = huffman.encode(symbols, lengths)
    path = data_path("deep_compression", "lenet5.dc")
    model = compressed.load_compressed(path)
    with tempfile.TemporaryDirectory() as scratch:
        rows = {
            "huffman.encode, 250K symbols": best_of(lambda: huffman.encode(symbols, lengths)),
            "huffman.decode, 250K symbols": best_of(lambda: huffman.decode(data, len(symbols), lengths)),
            "save_compressed LeNet-5 (tries 8 index widths)": best_of(
                lambda: compressed.save_compressed(model, Path(scratch) / "x.dc"), 2
            ),
            "load_compressed LeNet-5": best_of(lambda: compressed.load_compressed(path)),
        }
    print(f"{'what':50s} {'seconds':>8s}")
    for what, seconds in rows.items():
        print(f"{what:50s} {seconds:8.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "huffman.json").write_text(json.dumps({"seconds": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
