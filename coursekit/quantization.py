"""Weight sharing by k-means, and trained quantization (Han, Mao, Dally 2016, "Deep Compression").

A layer's n weights are replaced by k = 2^b shared values (the *codebook*, k 32-bit floats) and
one b-bit *index* per weight saying which shared value it uses. Sec. 3 of the paper, in order:

1. start k centroids (Sec. 3.2: ``init_random``, ``init_density``, ``init_linear``, and
   ``init_kmeanspp``) and cluster the weights of each layer with k-means (``kmeans_1d``, Eq. 2),
   one codebook per layer (``quantize_layer``);
2. store the b-bit indices and the codebook: the compression rate is Eq. 1 (``compression_rate``;
   ``layer_bits`` / ``model_bits`` for a whole, possibly pruned, model);
3. fine-tune the codebook: the gradient of a shared value is the sum of the gradients of the
   weights that use it (Eq. 3, ``SharedLookup``); the indices stay fixed (``SharedWeights``,
   ``share_weights_``, ``quantize_model_``). Any training loop then trains the codebooks.

Pruned weights (exact zeros) stay zero: they take no part in clustering or training.
``linear_quantize`` (evenly spaced levels, no clustering) is the contrast.

The plain and the fast k-means. ``kmeans_1d`` here is Lloyd's loop as you would write it: assign
each weight to its nearest centroid, move each centroid to the mean of its weights, repeat. It
costs O(n k) per step. ``coursekit.kmeans_fast`` gives the same clusters in O(k log n) per step
(sorted weights and prefix sums); ``tests/test_quantization.py`` checks that the two agree. The
functions that cluster (``quantize_layer``, ``share_weights_``, ``quantize_model_``) take the
k-means to use as ``kmeans=`` (default: the plain one here); the experiments, notebooks and the
Deep Compression pipeline pass ``kmeans=kmeans_fast.kmeans_1d``.
"""

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from . import arguments, network
from .i18n import message

__all__ = [
    "INITS",
    "init_random",
    "init_density",
    "init_linear",
    "init_kmeanspp",
    "init_centroids",
    "kmeans_1d",
    "inertia",
    "check_bits",
    "quantize_layer",
    "linear_quantize",
    "compression_rate",
    "SharedLookup",
    "SharedWeights",
    "share_weights_",
    "codebook",
    "quantize_model_",
    "layer_bits",
    "model_bits",
]

INITS = ("random", "density", "linear", "kmeans++")


# ---------------------------------------------------------------- centroid initialization (Sec. 3.2)
# Each takes the *sorted* 1-D float64 numpy array ``values`` of a layer's weights and returns
# ``k`` centroids. (1-D k-means is a few small array operations per step: numpy runs them with
# less overhead than torch.)


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


def init_kmeanspp(values, k, seed=0):
    """Greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it): start with one
    weight drawn at random; then ``k - 1`` times draw a few candidate weights with probability
    proportional to their squared distance to the nearest centroid so far, and keep the
    candidate that lowers the sum of squares most. Once every distinct weight is a centroid,
    the largest centroid is repeated. O(n) per candidate (``kmeans_fast.init_kmeanspp``: O(log n)).
    """
    rng = np.random.default_rng(seed)
    trials = 2 + int(math.log(k))
    centroids = [values[rng.integers(len(values))]]
    for _ in range(k - 1):
        distance2 = np.min([(values - c) ** 2 for c in centroids], axis=0)  # to the nearest centroid
        total = np.cumsum(distance2)
        if total[-1] == 0:  # every weight is a centroid already
            centroids.append(max(centroids))
            continue
        drawn = np.searchsorted(total, rng.uniform(0, total[-1], trials), side="right")
        candidates = values[np.minimum(drawn, len(values) - 1)]
        gains = [(distance2 - np.minimum(distance2, (values - c) ** 2)).sum() for c in candidates]
        centroids.append(candidates[np.argmax(gains)])
    return np.array(centroids)


INIT_FUNCTIONS = {"random": init_random, "density": init_density, "linear": init_linear, "kmeans++": init_kmeanspp}


def init_centroids(x, k, init="linear", seed=0):
    """``k`` sorted float64 starting centroids for the 1-D values ``x`` (tensor or array, any
    order): ``init`` is one of ``INITS`` (its function gets the sorted values) or the ``k``
    centroids themselves."""
    return _start_centroids(np.sort(_as_float64(x)), k, init, seed)


def _check_kmeans(values, k, seed=0, max_iter=1):
    """The arguments of k-means on the sorted ``values``: ``k`` clusters, 1 to the number of values
    (or up to 256, 8-bit indices, for few values), finite values, ``seed`` and ``max_iter`` >= 0 / 1.
    Returns ``k`` as an int."""
    if len(values) and not (np.isfinite(values[0]) and np.isfinite(values[-1])):  # sorted: nan and inf at the ends
        raise ValueError(message("arguments.finite", name="x"))
    arguments.integer(seed, "seed", 0)
    arguments.integer(max_iter, "max_iter", 1)
    return arguments.integer(k, "k", 1, max(len(values), 256))


def _start_centroids(values, k, init, seed, functions=INIT_FUNCTIONS):
    """``init_centroids`` on the sorted float64 ``values``, with the init ``functions`` given."""
    k = _check_kmeans(values, k, seed)
    if isinstance(init, str):
        if init not in functions:
            raise ValueError(message("quantization.unknown_init", init=init, inits=list(INITS)))
        return np.sort(functions[init](values, k, seed=seed))
    centroids = np.sort(_as_float64(init))
    if len(centroids) != k:
        raise ValueError(message("quantization.init_count", count=len(centroids), k=k))
    return centroids


def _as_numpy(x):
    """The values ``x`` (a tensor or an array, any shape) as a 1-D numpy array of their own dtype."""
    return (x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)).ravel()


def _as_float64(x):
    """A 1-D float64 numpy array of the values ``x`` (a tensor or an array)."""
    return _as_numpy(x).astype(np.float64)


# ---------------------------------------------------------------- 1-D k-means (Eq. 2)


def kmeans_1d(x, k, init="linear", seed=0, max_iter=10_000):
    """Lloyd's k-means on 1-D values, started by ``init``: minimizes the within-cluster sum of
    squares sum_i sum_{w in c_i} |w - c_i|^2 (DC Eq. 2). Assignment step: each value goes to its
    nearest centroid; update step: each centroid moves to the mean of its values (an empty
    cluster keeps its centroid); repeat until no value changes cluster. Each step computes all
    n x k distances: for whole layers use ``kmeans_fast.kmeans_1d`` (same clusters, O(k log n)).

    Args:
        x: ``n`` values (1-D tensor or array).
        k: number of clusters.
        init: one of ``INITS``, or ``k`` starting centroids (tensor or array).
        seed: seed of the ``"random"`` and ``"kmeans++"`` inits.
    Returns:
        ``(codebook, indices)``: float32 tensor of the ``k`` centroids in increasing order, and
        int64 tensor of shape ``n``: the cluster of each value of ``x``.
    """
    x = _as_float64(x)
    if len(x) == 0:
        raise ValueError(message("quantization.no_values"))
    k = _check_kmeans(np.sort(x), k, seed, max_iter)
    centroids = init_centroids(x, k, init, seed)
    indices = None
    for _ in range(max_iter):
        nearest = np.abs(x[:, None] - centroids[None, :]).argmin(axis=1)  # assignment step
        if indices is not None and np.array_equal(nearest, indices):
            break  # no value changed cluster
        indices = nearest
        for j in range(k):  # update step: each centroid moves to the mean of its cluster
            members = x[indices == j]
            if len(members):  # an empty cluster keeps its centroid
                centroids[j] = members.mean()
    return torch.from_numpy(centroids.astype(np.float32)), torch.from_numpy(indices)


def inertia(x, codebook, indices):
    """Within-cluster sum of squares (DC Eq. 2) of values ``x`` coded as ``codebook[indices]``."""
    errors = _as_float64(codebook)[_as_numpy(indices)]
    errors -= _as_numpy(x)
    return float(errors @ errors)


def check_bits(bits):
    """Bits per shared-weight index: an integer in 1..8 (k = 2^bits clusters), else a clear error."""
    try:
        return arguments.integer(bits, "bits", 1, 8)
    except ValueError:
        raise ValueError(message("quantization.bits_range", bits=bits)) from None


def quantize_layer(weight, bits, init="linear", seed=0, kmeans=kmeans_1d):
    """Share the nonzero weights of one layer among k = 2^bits values (DC Sec. 3.1).

    Exact zeros (pruned weights) are left out of the clustering and stay zero.

    Args:
        weight: a layer's weight tensor, any shape.
        bits: index width b, 1..8.
        init: centroid initialization, one of ``INITS``.
        kmeans: ``kmeans(x, k, init, seed) -> (codebook, indices)``: ``kmeans_1d`` or
            ``kmeans_fast.kmeans_1d`` (same clusters, fast on real layers).
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
    codebook, cluster = kmeans(w[nonzero], k, init, seed)
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
    n, k = arguments.number(n, "n", low=1), arguments.number(k, "k", low=1)
    b = arguments.number(b, "b", above=0)
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


def share_weights_(module, bits, init="linear", seed=0, kmeans=kmeans_1d):
    """Quantize ``module.weight`` in place to 2^bits shared values and make the codebook trainable.

    After this, ``module.parametrizations.weight.original`` is the codebook (the only weight
    parameter the optimizer sees) and ``module.weight`` is recomputed from it on every use.
    Remove with ``torch.nn.utils.parametrize.remove_parametrizations(module, "weight")``.
    ``kmeans``: as in ``quantize_layer``.
    """
    weight = module.weight.detach()
    _, indices = quantize_layer(weight, bits, init, seed, kmeans)
    mask = (weight != 0).to(weight.dtype)
    shared = SharedWeights(indices.to(weight.device), mask, 2**bits)
    parametrize.register_parametrization(module, "weight", shared, unsafe=True)
    return module


def codebook(module):
    """The trained shared values of a layer quantized by ``share_weights_`` (``k`` floats)."""
    return module.parametrizations.weight.original


def quantize_model_(model, fc_bits, conv_bits=None, init="linear", seed=0, kmeans=kmeans_1d):
    """Share weights in every layer: ``fc_bits`` for ``Linear``, ``conv_bits`` for ``Conv2d``.

    A bit width of ``None`` or 32 leaves those layers in 32-bit floats. Layers pruned with
    ``torch.nn.utils.prune`` must be made permanent first (``prune.remove``). ``kmeans``: as in
    ``quantize_layer``. Returns ``model``; then any training loop fine-tunes its codebooks (Eq. 3).
    """
    for module in network.layers(model).values():
        bits = fc_bits if isinstance(module, nn.Linear) else conv_bits
        if bits not in (None, 32):
            share_weights_(module, bits, init, seed, kmeans)
    return model


# ---------------------------------------------------------------- storage


def layer_bits(n, nonzero, bits=32, index_bits=5):
    """Bits to store one layer of ``n`` weights, ``nonzero`` of which survive pruning.

    Each stored weight takes ``bits`` bits (a b-bit index into the codebook when ``bits < 32``).
    A pruned layer stores only its survivors, each with a relative index of ``index_bits`` bits
    (DC Sec. 2 uses 5 bits for fc layers; filler zeros are ignored here). A quantized layer adds
    its codebook of 2^bits 32-bit floats. Dense and quantized: the denominator of DC Eq. 1.
    """
    n = arguments.integer(n, "n", 0)
    nonzero = arguments.integer(nonzero, "nonzero", 0, n)
    bits = arguments.integer(bits, "bits", 1, 32)
    index_bits = arguments.integer(index_bits, "index_bits", 1)
    stored = nonzero if nonzero < n else n
    per_weight = bits + (index_bits if nonzero < n else 0)
    codebook = 2**bits * 32 if bits < 32 else 0
    return stored * per_weight + codebook


def model_bits(model, fc_bits=32, conv_bits=32, index_bits=5):
    """Bits to store ``model`` (weights as in ``layer_bits``, biases as 32-bit floats) if its fc
    and conv layers were quantized to ``fc_bits`` and ``conv_bits`` (32: left as floats)."""
    total = 0
    for module in network.layers(model).values():
        weight = network.weight(module)
        bits = fc_bits if isinstance(module, nn.Linear) else conv_bits
        total += layer_bits(weight.numel(), int(weight.count_nonzero()), bits, index_bits)
        total += 32 * (module.bias.numel() if module.bias is not None else 0)
    return total
