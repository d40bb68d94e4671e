"""The whole Deep Compression pipeline (Han, Mao, Dally 2016): prune -> quantize -> Huffman.

Three stages, each a function of a model (and of the training it needs, passed in as a callable,
so the pipeline runs on any network and data):

1. ``prune``: remove the smallest weights of each layer and retrain the survivors, a few times in
   a row (iterative pruning, ``coursekit.pruning``);
2. ``quantize``: share each layer's surviving weights among 2^b values found by k-means, then
   train those values (DC Eq. 3, ``coursekit.quantization``);
3. ``write_file``: Huffman-code the weight indices and the relative positions (``coursekit.huffman``)
   and write the file (``coursekit.compressed``). Its size on disk is the model's size.

``layer_rows`` and ``stage_sizes`` measure the result as DC Tables 2-3 do. The recipes for the two
LeNets, and the driver that runs the stages from the trained baselines, are in
``coursekit.experiments.deep_compression`` (``python -m coursekit compress lenet_300_100 --out
lenet300.dc``; ``python -m coursekit.reproduce deep_compression`` writes ``data/compressed/``). It
passes ``kmeans=kmeans_fast.kmeans_1d`` to ``quantize``: the same clusters as the plain
``quantization.kmeans_1d``, faster.
"""

import math
from pathlib import Path

from torch.nn.utils import parametrize

from . import compressed, network, pruning, quantization

__all__ = ["prune", "quantize", "write_file", "layer_rows", "stage_sizes", "FIXED_INDEX_BITS"]

FIXED_INDEX_BITS = 5  # the relative-index width of DC Tables 2-3 for the fixed-width (P+Q) columns


def prune(model, schedule, retrain, after_step=None):
    """Stage 1: iterative magnitude pruning with retraining; returns ``model`` with exact zeros.

    ``schedule``: one ``{layer: fraction of weights pruned}`` per step, increasing (e.g.
    ``pruning.geometric_schedule``). ``retrain(model, step)`` retrains the survivors after each
    step (the masks hold); ``after_step(model)``, if given, is called after it (masks attached).
    """
    for _ in pruning.prune_and_retrain(model, schedule, retrain):
        if after_step is not None:
            after_step(model)
    return pruning.make_permanent(model)


def quantize(model, bits, fine_tune, init="linear", kmeans=quantization.kmeans_1d):
    """Stage 2: trained quantization. k-means shares each layer's nonzero weights among 2^bits
    values (``bits``: ``{layer: bits}``; ``init`` starts them, DC Sec. 3.2; ``kmeans`` as in
    ``quantization.quantize_layer``), then ``fine_tune(model)`` trains the shared values (Eq. 3)
    with the indices fixed. Returns ``model`` with plain weight tensors of few distinct values."""
    layers = network.layers(model)
    for layer, layer_bits in bits.items():
        quantization.share_weights_(layers[layer], layer_bits, init=init, kmeans=kmeans)
    fine_tune(model)
    for module in layers.values():
        parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    return model.eval()


def write_file(model, path):
    """Stage 3: Huffman-code a pruned, quantized ``model`` and write it to ``path``
    (``compressed.save_compressed``). Returns the file's size in bytes: the model's size."""
    compressed.save_compressed(model, path)
    return Path(path).stat().st_size


def layer_rows(model, bits):
    """DC Tables 2-3 measured on a pruned, quantized ``model``: one dict per layer, then "total".

    ``bits``: ``{layer: bits per weight index}``. Fixed-width (P+Q) columns count ``bits`` per
    weight and 5-bit relative indices (with their fillers); P+Q+H columns are the Huffman
    streams the file holds. A rate is the bits of the weights (codebooks included, biases and
    file header excluded, as in the paper) over 32 bits per dense weight.
    """
    names = list(network.layers(model))
    fixed = compressed.encode_model(model, index_bits=FIXED_INDEX_BITS)
    coded = compressed.encode_model(model)
    rows = []
    totals = dict.fromkeys(
        ["weights", "nonzeros", "entries", "fixed_entries", "pq", "pqh", "w_bits", "w_huff", "i_huff"], 0
    )
    for name, f, c in zip(names, fixed, coded):
        codebook_bits = 32 * len(c.codebook)
        pq = f.entries * (bits[name] + FIXED_INDEX_BITS) + codebook_bits
        pqh = c.weight_stream_bits + c.gap_stream_bits + codebook_bits
        rows.append(
            {
                "layer": name,
                "weights": c.size,
                "weights %": 100 * c.nonzeros / c.size,
                "weight bits P+Q": bits[name],
                "weight bits P+Q+H": c.weight_stream_bits / max(c.entries, 1),
                "index bits P+Q": FIXED_INDEX_BITS,
                "index bits P+Q+H": c.gap_stream_bits / max(c.entries, 1),
                "relative index bits": c.index_bits,
                "fillers": c.fillers,
                "rate P+Q %": 100 * pq / (32 * c.size),
                "rate P+Q+H %": 100 * pqh / (32 * c.size),
            }
        )
        counted = dict(weights=c.size, nonzeros=c.nonzeros, entries=c.entries, fixed_entries=f.entries, pq=pq, pqh=pqh)
        counted.update(w_bits=f.entries * bits[name], w_huff=c.weight_stream_bits, i_huff=c.gap_stream_bits)
        for key, value in counted.items():
            totals[key] += value
    rows.append(
        {
            "layer": "total",
            "weights": totals["weights"],
            "weights %": 100 * totals["nonzeros"] / totals["weights"],
            "weight bits P+Q": totals["w_bits"] / totals["fixed_entries"],
            "weight bits P+Q+H": totals["w_huff"] / totals["entries"],
            "index bits P+Q": FIXED_INDEX_BITS,
            "index bits P+Q+H": totals["i_huff"] / totals["entries"],
            "relative index bits": None,
            "fillers": sum(r["fillers"] for r in rows),
            "rate P+Q %": 100 * totals["pq"] / (32 * totals["weights"]),
            "rate P+Q+H %": 100 * totals["pqh"] / (32 * totals["weights"]),
        }
    )
    return rows, totals


def stage_sizes(model, bits, file_bytes):
    """Model size in bytes after each stage, biases (float32) counted in every one.

    - dense: 32 bits per weight;
    - pruned: 32-bit values + 5-bit relative indices (fillers included);
    - quantized: ``bits``-bit indices + 5-bit relative indices + 32-bit codebooks;
    - Huffman-coded: the file on disk.
    """
    biases = 4 * sum(m.bias.numel() for m in network.layers(model).values())
    fixed = compressed.encode_model(model, index_bits=FIXED_INDEX_BITS)
    pruned = sum(f.entries * (32 + FIXED_INDEX_BITS) for f in fixed) / 8
    _, totals = layer_rows(model, bits)
    return {
        "dense": 4 * sum(f.size for f in fixed) + biases,
        "pruned": math.ceil(pruned) + biases,
        "pruned + quantized": math.ceil(totals["pq"] / 8) + biases,
        "pruned + quantized + Huffman (file)": file_bytes,
    }
