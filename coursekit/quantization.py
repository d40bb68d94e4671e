"""Weight sharing by k-means, and trained quantization (Han, Mao, Dally 2016, "Deep Compression").

A layer's n weights are replaced by k = 2^b shared values (the *codebook*, k 32-bit floats) and
one b-bit *index* per weight saying which shared value it uses. Sec. 3 of the paper:

1. cluster the weights of each layer into k clusters with k-means (Eq. 2), one codebook per layer;
2. store the b-bit indices and the codebook: the compression rate is Eq. 1;
3. fine-tune the codebook: the gradient of a shared value is the sum of the gradients of the
   weights that use it (Eq. 3); the indices stay fixed.

Pruned weights (exact zeros) stay zero: they take no part in clustering or training.
"""

import copy
import json
import math
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils import parametrize
from tqdm.auto import tqdm

from . import data, models, pruning, train

INITS = ("random", "density", "linear", "kmeans++")


# ---------------------------------------------------------------- centroid initialization (Sec. 3.2)
# Each takes the *sorted* 1-D float64 numpy array ``values`` of a layer's weights and returns
# ``k`` centroids. (1-D k-means is a few small array operations per step: numpy runs them with
# less overhead than torch.) Sorted values are what make 1-D k-means fast: the weights nearest to
# one centroid are a run ``values[lo:hi]``, cut at the midpoints between neighbouring centroids.


def init_random(values, k, seed=0):
    """Forgy: ``k`` weights drawn at random (without replacement when possible)."""
    rng = np.random.default_rng(seed)
    return rng.choice(values, size=k, replace=k > len(values))


def init_density(values, k, seed=0):
    """Density-based: ``k`` values evenly spaced on the y-axis of the CDF (the quantiles)."""
    return np.quantile(values, (np.arange(k) + 0.5) / k)


def init_linear(values, k, seed=0):
    """Linear: ``k`` values evenly spaced between the smallest and the largest weight."""
    return np.linspace(values[0], values[-1], k)


def init_kmeanspp(values, k, seed=0, sums=None):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it): draw a few
    candidate weights with probability proportional to their squared distance to the nearest
    centroid so far, keep the candidate that lowers the sum of squares most, repeat ``k - 1`` times.

    On sorted values every sum of squares is O(1) from prefix sums (``run_cost``; pass ``sums``
    if you have them), so a step costs O(k log n), not the O(n) of the plain algorithm.
    """
    rng = np.random.default_rng(seed)
    sums = prefix_sums(values) if sums is None else sums
    trials = 2 + int(math.log(k))
    distinct = 1 + np.count_nonzero(values[1:] != values[:-1])
    centroids = np.array([values[rng.integers(len(values))]])  # kept sorted
    for _ in range(k - 1):
        if len(centroids) >= distinct:  # every distinct value is a centroid already: repeat one
            centroids = np.append(centroids, centroids[-1])
            continue
        # Draw: pick a cell with probability proportional to its sum of squares, then a weight
        # in it with probability proportional to its squared distance to the cell's centroid.
        edges = cell_edges(values, centroids)
        costs = np.maximum(run_cost(sums, edges[:-1], edges[1:], centroids), 0)
        total = np.cumsum(costs)
        draws = rng.uniform(0, total[-1], trials)
        cells = np.minimum(np.searchsorted(total, draws, side="right"), len(costs) - 1)
        amounts = draws - (total - costs)[cells]  # how far into its cell each draw falls
        candidates = values[[first_exceeding(sums, edges[i], edges[i + 1], centroids[i], a) for i, a in zip(cells, amounts)]]
        best = candidates[np.argmax(gains(values, sums, centroids, candidates))]
        centroids = np.insert(centroids, np.searchsorted(centroids, best), best)
    return centroids


def first_exceeding(sums, lo, hi, c, amount):
    """The first position ``j`` of the run ``values[lo:hi]`` where the running sum of squares
    around ``c``, ``run_cost(sums, lo, j + 1, c)``, exceeds ``amount`` (the last position if none
    does). That sum grows with ``j``, so bisection finds it in O(log n)."""
    left, right = lo, hi - 1
    while left < right:
        middle = (left + right) // 2
        if run_cost(sums, lo, middle + 1, c) <= amount:
            left = middle + 1
        else:
            right = middle
    return left


def prefix_sums(values):
    """``(s1, s2)``: ``s1[i]`` is the sum of ``values[:i]``, ``s2[i]`` the sum of their squares."""
    s1, s2 = np.zeros(len(values) + 1), np.zeros(len(values) + 1)
    np.cumsum(values, out=s1[1:])
    np.square(values, out=s2[1:])
    np.cumsum(s2[1:], out=s2[1:])
    return s1, s2


def run_cost(sums, lo, hi, c):
    """Sum of squares of ``values[lo:hi]`` around ``c``, sum (v - c)^2 = sum v^2 - 2c sum v + m c^2,
    from the ``prefix_sums`` of the values. Works elementwise on arrays of ``lo``, ``hi``, ``c``."""
    s1, s2 = sums
    return (s2[hi] - s2[lo]) - 2 * c * (s1[hi] - s1[lo]) + (hi - lo) * c * c


def cell_edges(values, centroids):
    """``k + 1`` edges: cluster ``i`` is ``values[edges[i]:edges[i + 1]]``, the sorted values
    nearer to the sorted ``centroids[i]`` than to its neighbours (cut at the midpoints)."""
    edges = np.empty(len(centroids) + 1, dtype=np.int64)
    edges[0], edges[-1] = 0, len(values)
    edges[1:-1] = np.searchsorted(values, (centroids[1:] + centroids[:-1]) / 2)
    return edges


def gains(values, sums, centroids, candidates):
    """For each candidate centroid ``c``: how much the sum of squares drops if ``c`` joins the sorted
    ``centroids``. ``c`` takes over the run between the midpoints to its two neighbours; that run
    now belongs partly to the left neighbour and partly to the right one (split at their midpoint)."""
    j = np.searchsorted(centroids, candidates)  # c lies between centroids[j - 1] and centroids[j]
    inf = np.array([np.inf])
    left, right = np.concatenate([-inf, centroids])[j], np.concatenate([centroids, inf])[j]
    lo = np.searchsorted(values, (left + candidates) / 2)
    hi = np.searchsorted(values, (candidates + right) / 2)
    split = np.searchsorted(values, (left + right) / 2)
    # A missing neighbour owns an empty part of the run; give it a finite centroid so 0 * c = 0.
    left, right = centroids[np.maximum(j - 1, 0)], centroids[np.minimum(j, len(centroids) - 1)]
    before = run_cost(sums, lo, split, left) + run_cost(sums, split, hi, right)
    return before - run_cost(sums, lo, hi, candidates)


INIT_FUNCTIONS = {"random": init_random, "density": init_density, "linear": init_linear, "kmeans++": init_kmeanspp}


def start_centroids(values, k, init, seed=0, sums=None):
    """``k`` starting centroids for the sorted float64 ``values``: ``init`` is one of ``INITS``
    or the ``k`` centroids themselves. Returned sorted. ``sums``: ``prefix_sums(values)``, if known."""
    if isinstance(init, str):
        if init not in INIT_FUNCTIONS:
            raise ValueError(f"unknown init {init!r}: choose one of {list(INITS)} or pass k centroids")
        if init == "kmeans++":  # it reuses the prefix sums Lloyd needs too
            return np.sort(init_kmeanspp(values, k, seed, sums))
        return np.sort(INIT_FUNCTIONS[init](values, k, seed=seed))
    centroids = np.sort(as_float64(init))
    if len(centroids) != k:
        raise ValueError(f"init has {len(centroids)} centroids, expected k = {k}")
    return centroids


def init_centroids(x, k, init="linear", seed=0):
    """``k`` sorted starting centroids for the 1-D values ``x`` (tensor or array, any order) by
    ``init``, one of ``INITS``."""
    return start_centroids(np.sort(as_float64(x)), k, init, seed)


def as_numpy(x):
    """The values ``x`` (a tensor or an array, any shape) as a 1-D numpy array of their own dtype."""
    return (x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)).ravel()


def as_float64(x):
    """A 1-D float64 numpy array of the values ``x`` (a tensor or an array)."""
    return as_numpy(x).astype(np.float64)


# ---------------------------------------------------------------- 1-D k-means (Eq. 2)


def kmeans_1d(x, k, init="linear", seed=0, max_iter=10_000):
    """Lloyd's k-means on 1-D values, started by ``init``.

    Minimizes the within-cluster sum of squares sum_i sum_{w in c_i} |w - c_i|^2 (DC Eq. 2).
    In one dimension each cluster is a run of the *sorted* values, cut where the values cross the
    midpoint between two neighbouring centroids. So after one O(n log n) sort (shared with the
    init), one iteration is a ``searchsorted`` of the k - 1 midpoints into the sorted values (the
    assignment step), then each centroid becomes the mean of its run, read off a prefix sum (the
    update step): O(k log n). An empty cluster keeps its centroid. Stops when no value changes
    cluster; then each value of ``x`` gets the cluster whose run it falls in (a ``searchsorted``
    of ``x`` into the first value of each run).

    Args:
        x: ``n`` values (1-D tensor or array).
        k: number of clusters.
        init: one of ``INITS``, or ``k`` starting centroids (tensor or array).
        seed: seed of the ``"random"`` and ``"kmeans++"`` inits.
    Returns:
        ``(codebook, indices)``: float32 tensor of the ``k`` centroids in increasing order, and
        int64 tensor of shape ``n``: the cluster of each value of ``x``.
    """
    x = as_numpy(x)
    if len(x) == 0:
        raise ValueError("kmeans_1d needs at least one value")
    if x.dtype.kind != "f":  # integers: cluster them as floats
        x = x.astype(np.float64)
    ordered = np.sort(x)  # in x's own precision: float32 sorts faster than float64
    values = ordered.astype(np.float64)
    sums = prefix_sums(values)
    c = start_centroids(values, k, init, seed, sums)
    running = sums[0]  # running[i]: the sum of values[:i]
    edges = cell_edges(values, c)  # assignment step
    for _ in range(max_iter):
        totals, counts = running[edges], edges[1:] - edges[:-1]
        means = (totals[1:] - totals[:-1]) / np.maximum(counts, 1)
        c = np.where(counts > 0, means, c)  # update step; an empty cluster keeps its centroid
        cuts = values.searchsorted((c[1:] + c[:-1]) / 2)  # assignment step
        if (cuts == edges[1:-1]).all():
            break
        edges[1:-1] = cuts
    # Each value of x goes to the last cluster whose smallest value it reaches (torch.bucketize
    # is numpy's searchsorted, on torch's threads).
    cuts = edges[1:-1]
    starts = ordered[np.minimum(cuts, len(x) - 1)]
    starts[cuts == len(x)] = np.inf  # an empty cluster at the top: no value reaches it
    indices = torch.bucketize(torch.from_numpy(x), torch.from_numpy(starts), right=True)
    return torch.from_numpy(c.astype(np.float32)), indices


def inertia(x, codebook, indices):
    """Within-cluster sum of squares (DC Eq. 2) of values ``x`` coded as ``codebook[indices]``."""
    errors = as_float64(codebook)[as_numpy(indices)]
    errors -= as_numpy(x)
    return float(errors @ errors)


def check_bits(bits):
    """Bits per shared-weight index: an integer in 1..8 (k = 2^bits clusters), else a clear error."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 8:
        raise ValueError(f"bits must be an integer from 1 to 8 (2 to 256 shared values), got {bits!r}")
    return bits


def quantize_layer(weight, bits, init="linear", seed=0):
    """Share the nonzero weights of one layer among k = 2^bits values (DC Sec. 3.1).

    Exact zeros (pruned weights) are left out of the clustering and stay zero.

    Args:
        weight: a layer's weight tensor, any shape.
        bits: index width b, 1..8.
        init: centroid initialization, one of ``INITS``.
    Returns:
        ``(codebook, indices)``: ``k`` float32 shared values, and int64 indices of ``weight``'s
        shape; ``codebook[indices] * (weight != 0)`` is the quantized layer.
    """
    k = 2 ** check_bits(bits)
    w = weight.detach().cpu().flatten()
    nonzero = w != 0
    indices = torch.zeros(len(w), dtype=torch.int64)
    if not nonzero.any():  # an all-zero layer: nothing to share
        return torch.zeros(k), indices.view(weight.shape)
    x = w[nonzero]
    codebook, cluster = kmeans_1d(x, k, init, seed)
    indices[nonzero] = cluster
    return codebook, indices.view(weight.shape)


def linear_quantize(weight, bits):
    """Uniform quantization, the contrast: round each nonzero weight to the nearest of 2^bits levels
    evenly spaced between the layer's min and max. No clustering, no training. Zeros stay zero."""
    k = 2 ** check_bits(bits)
    w = weight.detach()
    nonzero = w != 0
    if not nonzero.any():
        return w.clone()
    lo, hi = w[nonzero].min(), w[nonzero].max()
    step = (hi - lo) / (k - 1) if hi > lo else torch.ones(())
    levels = lo + torch.round((w - lo) / step).clamp(0, k - 1) * step
    return torch.where(nonzero, levels, torch.zeros_like(w))


# ---------------------------------------------------------------- the compression rate (Eq. 1)


def compression_rate(n, k, b=32):
    """DC Eq. 1: r = n b / (n log2(k) + k b).

    ``n`` weights of ``b`` bits each become ``n`` indices of log2(k) bits plus a codebook of ``k``
    values of ``b`` bits. Paper's example: ``compression_rate(16, 4) == 3.2``.
    """
    if n < 1 or k < 1 or b <= 0:
        raise ValueError(f"need n >= 1 weights, k >= 1 clusters and b > 0 bits, got n={n}, k={k}, b={b}")
    return n * b / (n * math.log2(k) + k * b)


# ---------------------------------------------------------------- trained quantization (Eq. 3)


class SharedLookup(torch.autograd.Function):
    """``codebook[indices]``, with DC Eq. 3 as its backward pass.

    Forward: each weight reads its shared value. Backward: the gradient of shared value ``k`` is
    the sum of the gradients of the weights whose index is ``k``, a scatter-add:
    dL/dC_k = sum_{i: I_i = k} dL/dW_i. (Autograd of plain indexing gives the same sum, more slowly.)
    """

    @staticmethod
    def forward(ctx, codebook, indices):
        ctx.save_for_backward(indices)
        ctx.k = len(codebook)
        return codebook[indices]

    @staticmethod
    def backward(ctx, grad_weight):
        (indices,) = ctx.saved_tensors
        grad_codebook = torch.zeros(ctx.k, dtype=grad_weight.dtype, device=grad_weight.device)
        return grad_codebook.scatter_add_(0, indices.flatten(), grad_weight.flatten()), None


class SharedWeights(nn.Module):
    """Parametrization ``weight = codebook[indices] * mask`` for ``torch.nn.utils.parametrize``.

    The trainable tensor is the codebook (``k`` values); the indices and the mask of surviving
    (unpruned) weights are fixed buffers. ``SharedLookup`` sums the gradients of all the weights
    that share a value (DC Eq. 3). The mask zeroes both the pruned weights and their gradients, so
    pruned weights stay zero.
    """

    def __init__(self, indices, mask, k):
        super().__init__()
        self.k = k
        self.register_buffer("indices", indices)
        self.register_buffer("mask", mask)

    def forward(self, codebook):
        return SharedLookup.apply(codebook, self.indices) * self.mask

    def right_inverse(self, weight):
        """The codebook that best fits ``weight`` with these fixed indices: the mean of each
        cluster's surviving weights (the k-means update step); an unused value is 0."""
        used = self.mask.flatten() != 0
        idx, w = self.indices.flatten()[used], weight.detach().flatten()[used]
        sums = torch.zeros(self.k, dtype=w.dtype, device=w.device).index_add_(0, idx, w)
        counts = torch.zeros(self.k, dtype=w.dtype, device=w.device).index_add_(0, idx, torch.ones_like(w))
        return sums / counts.clamp(min=1)


def share_weights_(module, bits, init="linear", seed=0):
    """Quantize ``module.weight`` in place to 2^bits shared values and make the codebook trainable.

    After this, ``module.parametrizations.weight.original`` is the codebook (the only weight
    parameter the optimizer sees) and ``module.weight`` is recomputed from it on every use.
    Remove with ``torch.nn.utils.parametrize.remove_parametrizations(module, "weight")``.
    """
    weight = module.weight.detach()
    _, indices = quantize_layer(weight, bits, init, seed)
    mask = (weight != 0).to(weight.dtype)
    shared = SharedWeights(indices.to(weight.device), mask, 2**bits)
    parametrize.register_parametrization(module, "weight", shared, unsafe=True)
    return module


def codebook(module):
    """The trained shared values of a layer quantized by ``share_weights_`` (``k`` floats)."""
    return module.parametrizations.weight.original


def quantize_model_(model, fc_bits, conv_bits=None, init="linear", seed=0):
    """Share weights in every layer: ``fc_bits`` for ``Linear``, ``conv_bits`` for ``Conv2d``.

    A bit width of ``None`` or 32 leaves those layers in 32-bit floats. Layers pruned with
    ``torch.nn.utils.prune`` must be made permanent first (``prune.remove``). Returns ``model``.
    """
    for module in pruning.layers(model).values():
        bits = fc_bits if isinstance(module, nn.Linear) else conv_bits
        if bits not in (None, 32):
            share_weights_(module, bits, init, seed)
    return model


# ---------------------------------------------------------------- storage


def layer_bits(n, nonzero, bits=32, index_bits=5):
    """Bits to store one layer of ``n`` weights, ``nonzero`` of which survive pruning.

    Each stored weight takes ``bits`` bits (a b-bit index into the codebook when ``bits < 32``).
    A pruned layer stores only its survivors, each with a relative index of ``index_bits`` bits
    (DC Sec. 2 uses 5 bits for fc layers; filler zeros are ignored here). A quantized layer adds
    its codebook of 2^bits 32-bit floats. Dense and quantized: the denominator of DC Eq. 1.
    """
    stored = nonzero if nonzero < n else n
    per_weight = bits + (index_bits if nonzero < n else 0)
    codebook = 2**bits * 32 if bits < 32 else 0
    return stored * per_weight + codebook


def model_bits(model, fc_bits=32, conv_bits=32, index_bits=5):
    """Bits to store ``model`` (weights as in ``layer_bits``, biases as 32-bit floats) if its fc
    and conv layers were quantized to ``fc_bits`` and ``conv_bits`` (32: left as floats)."""
    total = 0
    for module in pruning.layers(model).values():
        weight = pruning.weight_of(module)
        bits = fc_bits if isinstance(module, nn.Linear) else conv_bits
        total += layer_bits(weight.numel(), int(weight.count_nonzero()), bits, index_bits)
        total += 32 * (module.bias.numel() if module.bias is not None else 0)
    return total


# ---------------------------------------------------------------- the chapter's experiments

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "quantization"

# Trained quantization (Sec. 3.3): SGD on the codebooks and biases. A shared value's gradient is a
# sum over thousands of weights (Eq. 3), so the learning rate is far below the baseline's 0.05.
FINETUNE = {"lenet_300_100": dict(epochs=0.5, lr=3e-5), "lenet5": dict(epochs=0.05, lr=1e-5)}

# The pruning chapter's retrained layer-wise grid (fraction of weights pruned) used beside its final
# model (LWC's per-layer profile, 12.7x) for the pruning-only and pruning + quantization curves.
PRUNED_GRID = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97)


def config_key(conv_bits, fc_bits, init):
    """``"conv/fc/init"``, e.g. ``"32/6/linear"``: the key of one quantization setting."""
    return f"{conv_bits}/{fc_bits}/{init}"


def finetune_(model, name, after_step=None, progress=False):
    """Trained quantization (DC Sec. 3.3): fine-tune the shared values of ``model`` with the
    summed-gradient rule, the indices fixed; biases and layers left in 32-bit floats train as
    usual. Recipe: ``FINETUNE[name]``."""
    recipe = FINETUNE[name]
    train.fit(model, recipe["epochs"], recipe["lr"], weight_decay=0, after_step=after_step, progress=progress, desc="fine-tune codebooks")
    return model


def quantize_and_finetune(model, name, fc_bits, conv_bits=32, init="linear"):
    """Quantize a copy of ``model`` and fine-tune it. Returns ``(row, quantized, fine-tuned)``;
    ``row`` holds the test errors before and after fine-tuning, the size in bits and the
    fine-tuned codebooks."""
    quantized = quantize_model_(copy.deepcopy(model), fc_bits, conv_bits, init)
    tuned = finetune_(copy.deepcopy(quantized), name)
    row = {"error": train.evaluate(quantized), "finetuned_error": train.evaluate(tuned), "bits": model_bits(model, fc_bits, conv_bits)}
    row["finetuned_codebooks"] = {layer: entry["codebook"] for layer, entry in layer_table(tuned).items()}
    return row, quantized, tuned


def layer_table(model):
    """``{layer: {"codebook": k values, "counts": weights per value}}`` of a quantized model."""
    table = {}
    for name, module in pruning.layers(model).items():
        if parametrize.is_parametrized(module, "weight"):
            shared = module.parametrizations.weight[0]
            counts = torch.bincount(shared.indices[shared.mask != 0], minlength=shared.k)
            table[name] = {"codebook": codebook(module).tolist(), "counts": counts.tolist()}
    return table


def pruned_models(name):
    """The pruning chapter's models (``python -m coursekit.reproduce pruning``): ``{label: model}``
    with its final model (``"final"``) and its retrained layer-wise grid (``"layer 90%"``, ...)."""
    pruned = {"final": pruning.load_pruned(name)}
    for sparsity in PRUNED_GRID:
        pruned[f"layer {round(100 * sparsity)}%"] = pruning.load_sparse(pruning.grid_path(name, "layer", sparsity))
    return pruned


def recovery_curve(model, name, fc_bits, init="linear", every=25):
    """Test error every ``every`` steps while fine-tuning the codebooks of a quantized ``model``."""
    quantized = quantize_model_(copy.deepcopy(model), fc_bits, init=init)
    curve, step = [(0, train.evaluate(quantized))], [0]

    def record(m):
        step[0] += 1
        if step[0] % every == 0:
            curve.append((step[0], train.evaluate(m)))
            m.train()

    finetune_(quantized, name, after_step=record)
    return curve


def linear_quantized_errors(model, bits_range=range(1, 9)):
    """Uniform quantization (no clustering, no training) of every layer: test error per bits."""
    errors = {}
    for bits in bits_range:
        uniform = copy.deepcopy(model)
        for module in pruning.layers(uniform).values():
            with torch.no_grad():
                module.weight.copy_(linear_quantize(module.weight, bits))
        errors[bits] = train.evaluate(uniform)
    return errors


def reproduce_lenet_300_100(root=DATA_DIR):
    """All LeNet-300-100 experiments; writes ``root/lenet_300_100.json`` (errors, sizes,
    codebooks) and the fine-tuned codebooks ``root/lenet_300_100_finetuned.safetensors``."""
    name = "lenet_300_100"
    base = models.pretrained(name)
    out = {"baseline_error": train.evaluate(base), "dense_bits": model_bits(base), "finetune": FINETUNE[name]}
    pruned = pruned_models(name)
    out["pruning"] = {label: {"error": train.evaluate(m), "bits": model_bits(m)} for label, m in pruned.items()}
    print(f"pruning only: { {label: round(100 * r['error'], 2) for label, r in out['pruning'].items()} }")
    out["configs"], out["layers"], checkpoints = {}, {}, {}
    for init in INITS:  # quantization only: the widget's grid, Fig. 6 and the bits curve
        for bits in range(1, 9):
            row, quantized, tuned = quantize_and_finetune(base, name, bits, init=init)
            key = config_key(32, bits, init)
            out["configs"][key] = row
            for layer, entry in layer_table(quantized).items():
                out["layers"].setdefault(layer, {})[f"{bits}/{init}"] = entry
            checkpoints.update(checkpoint_tensors(key, tuned))
            print(f"{key}: {100 * row['error']:.2f}% -> fine-tuned {100 * row['finetuned_error']:.2f}%", flush=True)
    out["pruned"] = {}  # pruning + quantization, and the inits on a pruned model (Fig. 4, Fig. 8)
    for label, inits in [("final", INITS), ("layer 95%", ["linear"]), ("layer 97%", ["linear"])]:
        for init in inits:
            for bits in range(2, 7):
                row, _, _ = quantize_and_finetune(pruned[label], name, bits, init=init)
                out["pruned"][f"{label}/{bits}/{init}"] = row
                print(f"{label} {bits} bits {init}: {100 * row['error']:.2f}% -> {100 * row['finetuned_error']:.2f}%", flush=True)
    out["recovery"] = recovery_curve(pruned["layer 97%"], name, 2)
    out["uniform"] = linear_quantized_errors(base)
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")
    save_file(checkpoints, root / f"{name}_finetuned.safetensors")


def reproduce_lenet5(root=DATA_DIR):
    """LeNet-5: the grid of conv bits x fc bits x init (quantized, not fine-tuned; the conv
    features are computed once per conv setting), then every setting of the slider (conv and fc
    bits 1-8, each init) fine-tuned, plus Fig. 7's two curves (one kind of layer left at 32 bits,
    linear init). Writes ``root/lenet5.json`` and the linear-init fine-tuned checkpoints."""
    name = "lenet5"
    if models.baseline_info(name)["test_error"] > 0.02:
        raise RuntimeError("data/weights/lenet5 is not trained yet: run `python -m coursekit.train lenet5` first")
    base = models.pretrained(name)
    images, labels = data.load_mnist("test")
    out = {"baseline_error": train.evaluate(base), "dense_bits": model_bits(base), "finetune": FINETUNE[name]}
    out["configs"], out["layers"], checkpoints = {}, {}, {}
    bit_widths = [*range(1, 9), 32]
    conv_part, fc_part = base[:5], base[5:]  # conv, pool, conv, pool, flatten | fc1, ReLU, fc2
    for init in INITS:
        heads = {fc: quantize_model_(copy.deepcopy(fc_part), fc, init=init) for fc in bit_widths}
        for fc in range(1, 9):
            for layer, entry in layer_table(heads[fc]).items():
                out["layers"].setdefault(layer, {})[f"{fc}/{init}"] = entry
        for conv in bit_widths:
            features_of = quantize_model_(copy.deepcopy(conv_part), None, conv, init)
            if conv < 32:
                for layer, entry in layer_table(features_of).items():
                    out["layers"].setdefault(layer, {})[f"{conv}/{init}"] = entry
            with torch.inference_mode():  # in batches: conv1's output for 10,000 images is 460 MB
                features = torch.cat([features_of(images[i : i + 1000]) for i in range(0, len(images), 1000)])
            for fc in bit_widths:
                with torch.inference_mode():
                    error = (heads[fc](features).argmax(1) != labels).float().mean().item()
                out["configs"][config_key(conv, fc, init)] = {"error": error, "finetuned_error": None, "bits": model_bits(base, fc, conv)}
        print(f"lenet5 grid {init}: 8/5 {100 * out['configs'][config_key(8, 5, init)]['error']:.2f}%", flush=True)
    tuned_settings = [(c, 32, "linear") for c in range(1, 9)] + [(32, f, "linear") for f in range(1, 9)]
    tuned_settings += [(c, f, init) for init in INITS for c in range(1, 9) for f in range(1, 9)]  # the slider's
    for conv, fc, init in tqdm(tuned_settings, desc="lenet5 fine-tuning"):
        row, _, tuned = quantize_and_finetune(base, name, fc, conv, init)
        key = config_key(conv, fc, init)
        out["configs"][key].update(row)
        if conv < 32 and fc < 32 and init == "linear":  # keep the file small: no 32-bit layers (fc1 alone is 1.6 MB)
            checkpoints.update(checkpoint_tensors(key, tuned))
        tqdm.write(f"lenet5 {key}: {100 * row['error']:.2f}% -> fine-tuned {100 * row['finetuned_error']:.2f}%")
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.json").write_text(json.dumps(out, indent=1) + "\n")
    save_file(checkpoints, root / f"{name}_finetuned.safetensors")


def checkpoint_tensors(key, model):
    """The trained tensors of a fine-tuned quantized model (codebooks and biases, not the
    indices, which ``load_finetuned`` recomputes), under ``key/``."""
    return {f"{key}/{k}": v.detach().contiguous() for k, v in model.state_dict().items() if not k.endswith(("indices", "mask"))}


def reproduce(root=DATA_DIR):
    """``python -m coursekit.reproduce quantization``: every experiment of notebook 02."""
    torch.set_num_threads(1)  # small models on a shared CPU: one thread is as fast and kinder
    reproduce_lenet_300_100(root)
    reproduce_lenet5(root)


def load_results(name, root=DATA_DIR):
    """The JSON written by ``reproduce`` for model ``name`` (``"lenet_300_100"`` or ``"lenet5"``)."""
    path = Path(root) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: regenerate it with `python -m coursekit.reproduce quantization`.")
    return json.loads(path.read_text())


def fig6_curves(results):
    """DC Fig. 6 data from ``load_results("lenet_300_100")``: ``{method: [(size in % of the
    32-bit model, test error in %), ...]}`` for pruning only, quantization only (fine-tuned,
    linear init, 2-8 bits) and pruning + quantization (the pruning chapter's models quantized to
    2-6 bits), each reduced to its best trade-offs (``best_tradeoffs``). Add a method (e.g. SVD) by adding an
    entry; draw with ``plots.error_vs_size``."""
    size = lambda bits: 100 * bits / results["dense_bits"]
    quantized = [results["configs"][config_key(32, b, "linear")] for b in range(2, 9)]
    curves = {
        "pruning only": [(size(r["bits"]), 100 * r["error"]) for r in results["pruning"].values()],
        "quantization only": [(size(r["bits"]), 100 * r["finetuned_error"]) for r in quantized],
        "pruning + quantization": [(size(r["bits"]), 100 * r["finetuned_error"]) for key, r in results["pruned"].items() if key.endswith("/linear")],
    }
    return {method: best_tradeoffs(points) for method, points in curves.items()}


def best_tradeoffs(points):
    """The (size, error) points that no smaller model beats: sorted by size, each with a lower
    error than every smaller one (the lower envelope of several pruned models' curves)."""
    front = []
    for size, error in sorted(points):
        if not front or error < front[-1][1]:
            front.append((size, error))
    return front


def load_finetuned(name, fc_bits, conv_bits=32, init="linear", root=DATA_DIR):
    """A precomputed fine-tuned model: the baseline ``name`` quantized again (k-means is
    deterministic, so the indices are the same) with its trained codebooks and biases loaded."""
    path = Path(root) / f"{name}_finetuned.safetensors"
    prefix = config_key(conv_bits, fc_bits, init) + "/"
    state = {k[len(prefix) :]: v for k, v in load_file(path).items() if k.startswith(prefix)}
    if not state:
        raise ValueError(f"no fine-tuned checkpoint {prefix[:-1]!r} for {name} in {path}: see reproduce_{name}()")
    model = quantize_model_(models.pretrained(name), fc_bits, conv_bits, init)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith(("indices", "mask")) for k in missing), (missing, unexpected)
    return model.eval()
