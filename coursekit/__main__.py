"""Command line: ``python -m coursekit compress MODEL --out FILE`` and ``python -m coursekit inspect FILE``.

``compress`` runs Deep Compression (prune -> trained quantization -> Huffman) on a trained
baseline and writes one compressed file; ``inspect`` reads a compressed file and prints its layers.
"""

import argparse
import sys
from pathlib import Path

from safetensors import SafetensorError

from . import compressed, experiments, integrity, models, network, train
from .experiments import deep_compression


def compress(args):
    experiments.check_output(args.out, args.force)  # before any training
    report = deep_compression.compress(args.model, args.out)
    print(deep_compression.format_table(report["layers"]))
    print(deep_compression.summary(report))
    print(f"wrote {args.out} ({report['seconds']:.0f} s)")


def inspect(args):
    model_name, layers = compressed.read_compressed(args.file)
    integrity.verify(args.file, experiments.DATA, "deep_compression")  # a shipped file: its SHA-256 too
    size = args.file.stat().st_size
    print(f"{args.file}: {model_name}, format version {compressed.VERSION}, {size:,} bytes")
    print(
        f"{'layer':6s} {'shape':>18s} {'kept':>7s} {'values':>6s} {'index bits':>10s} "
        f"{'weight stream':>13s} {'gap stream':>10s}"
    )
    names = list(network.layers(models.build(model_name)))  # fc1, ... rather than module indices
    for name, (header, weight, _) in zip(names, layers):
        kept = (weight != 0).sum()
        print(
            f"{name:6s} {str(tuple(header['shape'])):>18s} {100 * kept / weight.size:6.2f}% "
            f"{len(header['codebook']):6d} {header['index_bits']:10d} {header['weight_bytes']:11,d} B "
            f"{header['gap_bytes']:8,d} B"
        )
    dense = deep_compression.dense_model_bytes(model_name)
    error = train.evaluate(compressed.load_compressed(args.file))
    print(f"{dense:,} bytes dense / {size:,} bytes = {dense / size:.1f}x smaller; test error {100 * error:.2f}%")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m coursekit", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("compress", help="prune, quantize and Huffman-code a trained baseline into one file")
    run.add_argument("model", choices=sorted(deep_compression.RECIPES))
    run.add_argument("--out", type=Path, required=True, help="the compressed file to write, e.g. lenet300.dc")
    run.add_argument("--force", action="store_true", help="overwrite a file the course ships in data/")
    run.set_defaults(action=compress)
    look = commands.add_parser("inspect", help="print the layers of a compressed file and its test error")
    look.add_argument("file", type=Path)
    look.set_defaults(action=inspect)
    args = parser.parse_args(argv)
    try:
        args.action(args)
    except (OSError, ValueError, RuntimeError, SafetensorError) as error:  # files, formats, DataError: one line
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
