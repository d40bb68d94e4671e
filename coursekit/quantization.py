"""Weight sharing by k-means, and trained quantization (Han, Mao, Dally 2016, "Deep Compression").

A layer's n weights are replaced by k = 2^b shared values (the *codebook*, k 32-bit floats) and
one b-bit *index* per weight saying which shared value it uses. Sec. 3 of the paper:

1. cluster the weights of each layer into k clusters with k-means (Eq. 2), one codebook per layer;
2. store the b-bit indices and the codebook: the compression rate is Eq. 1;
3. fine-tune the codebook: the gradient of a shared value is the sum of the gradients of the
   weights that use it (Eq. 3); the indices stay fixed.

Pruned weights (exact zeros) stay zero: they take no part in clustering or training.
"""

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

INITS = ("random", "density", "linear", "kmeans++")


# ---------------------------------------------------------------- centroid initialization (Sec. 3.2)
# Each takes the 1-D float64 numpy array ``x`` of a layer's weights and returns ``k`` centroids.
# (1-D k-means is a few small array operations per step: numpy runs them with less overhead.)


def init_random(x, k, seed=0):
    """Forgy: ``k`` weights drawn at random (without replacement when possible) from ``x``."""
    rng = np.random.default_rng(seed)
    return rng.choice(x, size=k, replace=k > len(x))


def init_density(x, k, seed=0):
    """Density-based: ``k`` values evenly spaced on the y-axis of the CDF of ``x`` (its quantiles)."""
    return np.quantile(x, (np.arange(k) + 0.5) / k)


def init_linear(x, k, seed=0):
    """Linear: ``k`` values evenly spaced between the smallest and the largest weight of ``x``."""
    return np.linspace(x.min(), x.max(), k)


def init_kmeanspp(x, k, seed=0):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it): draw a few
    candidate weights with probability proportional to their squared distance to the nearest
    centroid so far, keep the candidate that lowers the sum of squares most, repeat ``k - 1`` times.

    On sorted values a new centroid ``c`` only takes over the run of weights between the
    midpoints to its two neighbouring centroids, so each candidate is scored on that run only.
    """
    rng = np.random.default_rng(seed)
    x = np.sort(x)
    trials = 2 + int(math.log(k))
    centroids = np.array([x[rng.integers(len(x))]])  # kept sorted
    dist2 = (x - centroids[0]) ** 2  # squared distance of each weight to its nearest centroid
    for _ in range(k - 1):
        cdf = np.cumsum(dist2)
        if cdf[-1] == 0:  # fewer distinct values than k: repeat a centroid
            centroids = np.append(centroids, centroids[-1])
            continue
        draws = np.searchsorted(cdf, rng.uniform(0, cdf[-1], trials), side="right")
        best_gain, best = -1.0, None
        for c in x[np.minimum(draws, len(x) - 1)]:
            lo, hi = run_of(x, centroids, c)
            gain = (dist2[lo:hi] - (x[lo:hi] - c) ** 2).sum()
            if gain > best_gain:
                best_gain, best = gain, (c, lo, hi)
        c, lo, hi = best
        dist2[lo:hi] = (x[lo:hi] - c) ** 2
        centroids = np.insert(centroids, np.searchsorted(centroids, c), c)
    return centroids


def run_of(values, centroids, c):
    """``(lo, hi)``: the run ``values[lo:hi]`` (sorted) nearer to a new centroid ``c`` than to
    any of the sorted ``centroids``, i.e. between the midpoints to its two neighbours."""
    j = np.searchsorted(centroids, c)
    left = (centroids[j - 1] + c) / 2 if j > 0 else -np.inf
    right = (c + centroids[j]) / 2 if j < len(centroids) else np.inf
    return np.searchsorted(values, left), np.searchsorted(values, right)


INIT_FUNCTIONS = {"random": init_random, "density": init_density, "linear": init_linear, "kmeans++": init_kmeanspp}


def init_centroids(x, k, init="linear", seed=0):
    """``k`` starting centroids for the 1-D values ``x`` (tensor or array) by ``init`` (one of ``INITS``)."""
    if init not in INIT_FUNCTIONS:
        raise ValueError(f"unknown init {init!r}: choose one of {list(INITS)}")
    return INIT_FUNCTIONS[init](as_float64(x), k, seed=seed)


def as_float64(x):
    """A 1-D float64 numpy array of the values ``x`` (a tensor or an array)."""
    x = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return x.astype(np.float64).ravel()


# ---------------------------------------------------------------- 1-D k-means (Eq. 2)


def kmeans_1d(x, centroids, max_iter=10_000):
    """Lloyd's k-means on 1-D values, started from ``centroids``.

    Minimizes the within-cluster sum of squares sum_i sum_{w in c_i} |w - c_i|^2 (DC Eq. 2).
    In one dimension each cluster is a run of the *sorted* values, cut where the values cross the
    midpoint between two neighbouring centroids. So one iteration is: ``searchsorted`` of the
    k - 1 midpoints into the sorted values (the assignment step), then each centroid becomes the
    mean of its run, read off a prefix sum (the update step): O(k log n) per iteration after one
    O(n log n) sort. An empty cluster keeps its centroid. Stops when no value changes cluster.

    Args:
        x: ``n`` values (1-D tensor or array).
        centroids: ``k`` starting centroids.
    Returns:
        ``(codebook, indices)``: float32 tensor of the ``k`` centroids in increasing order, and
        int64 tensor of shape ``n``: the cluster of each value of ``x``.
    """
    x = as_float64(x)
    if len(x) == 0:
        raise ValueError("kmeans_1d needs at least one value")
    order = np.argsort(x)
    values = x[order]
    prefix = np.concatenate([[0.0], np.cumsum(values)])
    c = np.sort(as_float64(centroids))
    edges = None
    for _ in range(max_iter):
        cuts = np.searchsorted(values, (c[1:] + c[:-1]) / 2)  # where clusters 1..k-1 start
        new_edges = np.concatenate([[0], cuts, [len(values)]])
        if edges is not None and np.array_equal(new_edges, edges):
            break
        edges = new_edges
        counts = np.diff(edges)
        sums = prefix[edges[1:]] - prefix[edges[:-1]]
        c = np.where(counts > 0, sums / np.maximum(counts, 1), c)
    indices = np.empty(len(x), dtype=np.int64)
    indices[order] = np.repeat(np.arange(len(c)), np.diff(edges))
    return torch.from_numpy(c.astype(np.float32)), torch.from_numpy(indices)


def inertia(x, codebook, indices):
    """Within-cluster sum of squares (DC Eq. 2) of values ``x`` coded as ``codebook[indices]``."""
    return float(((as_float64(x) - as_float64(codebook)[as_float64(indices).astype(np.int64)]) ** 2).sum())


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
    codebook, cluster = kmeans_1d(x, init_centroids(x, k, init, seed))
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


class SharedWeights(nn.Module):
    """Parametrization ``weight = codebook[indices] * mask`` for ``torch.nn.utils.parametrize``.

    The trainable tensor is the codebook (``k`` values); the indices and the mask of surviving
    (unpruned) weights are fixed buffers. Autograd of the gather ``codebook[indices]`` adds up the
    gradients of all the weights that share a value: dL/dC_k = sum_{i: I_i = k} dL/dW_i, DC Eq. 3.
    The mask zeroes both the pruned weights and their gradients, so pruned weights stay zero.
    """

    def __init__(self, indices, mask, k):
        super().__init__()
        self.k = k
        self.register_buffer("indices", indices)
        self.register_buffer("mask", mask)

    def forward(self, codebook):
        return codebook[self.indices] * self.mask

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


def layers(model):
    """The model's weight layers by name: ``{name: module}`` for every ``Linear`` and ``Conv2d``."""
    return {name: m for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))}


def quantize_model_(model, fc_bits, conv_bits=None, init="linear", seed=0):
    """Share weights in every layer: ``fc_bits`` for ``Linear``, ``conv_bits`` for ``Conv2d``.

    A bit width of ``None`` or 32 leaves those layers in 32-bit floats. Layers pruned with
    ``torch.nn.utils.prune`` must be made permanent first (``prune.remove``). Returns ``model``.
    """
    for module in layers(model).values():
        bits = fc_bits if isinstance(module, nn.Linear) else conv_bits
        if bits not in (None, 32):
            share_weights_(module, bits, init, seed)
    return model
