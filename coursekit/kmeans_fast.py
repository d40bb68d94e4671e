"""The fast path of ``coursekit.quantization``: the same 1-D k-means and k-means++, on sorted values.

Read ``quantization.kmeans_1d`` and ``quantization.init_kmeanspp`` first: they are the method.
This module gives the same results (``tests/test_quantization.py`` checks it on random inputs)
with less work, for real layers (LeNet-300-100's fc1: 235,200 weights, up to 256 clusters):

- sort the values once (O(n log n)). In one dimension each cluster is then a *run* of the sorted
  values, cut where they cross the midpoint between two neighbouring centroids, so Lloyd's
  assignment step is a ``searchsorted`` of the k - 1 midpoints: O(k log n), not O(n k);
- with prefix sums of the values and of their squares, the mean of a run (the update step) and
  its sum of squares around any centroid are O(1) each, so a k-means++ step costs O(k log n)
  instead of the plain algorithm's O(n) per candidate.

``quantization.quantize_layer`` (and ``share_weights_``, ``quantize_model_``) use this module's
``kmeans_1d`` when given ``kmeans=kmeans_fast.kmeans_1d``: the experiments, the notebooks, the
Deep Compression pipeline and the benchmarks do so, and every file in ``data/`` was made with it.
"""

import math
from functools import partial

import numpy as np
import torch

from . import quantization
from .i18n import message
from .quantization import _as_numpy

__all__ = ["kmeans_1d", "init_kmeanspp"]


def kmeans_1d(x, k, init="linear", seed=0, max_iter=10_000):
    """``quantization.kmeans_1d`` on sorted values: same arguments, same ``(codebook, indices)``.

    After one O(n log n) sort (shared with the init), one iteration is a ``searchsorted`` of the
    k - 1 midpoints into the sorted values (the assignment step), then each centroid becomes the
    mean of its run, read off a prefix sum (the update step): O(k log n). An empty cluster keeps
    its centroid. Stops when no value changes cluster; then each value of ``x`` gets the cluster
    whose run it falls in (through the sorting permutation: no search).
    """
    x = _as_numpy(x)
    if len(x) == 0:
        raise ValueError(message("quantization.no_values"))
    if x.dtype.kind != "f":  # integers: cluster them as floats
        x = x.astype(np.float64)
    order = np.argsort(x)  # in x's own precision: float32 sorts faster than float64
    values = x[order].astype(np.float64)
    k = quantization._check_kmeans(values, k, seed, max_iter)
    sums = _prefix_sums(values)
    functions = {**quantization.INIT_FUNCTIONS, "kmeans++": partial(init_kmeanspp, sums=sums)}
    c = quantization._start_centroids(values, k, init, seed, functions)
    running = sums[0]  # running[i]: the sum of values[:i]
    edges = _cell_edges(values, c)  # assignment step
    for _ in range(max_iter):
        totals, counts = running[edges], edges[1:] - edges[:-1]
        means = (totals[1:] - totals[:-1]) / np.maximum(counts, 1)
        c = np.where(counts > 0, means, c)  # update step; an empty cluster keeps its centroid
        cuts = values.searchsorted((c[1:] + c[:-1]) / 2)  # assignment step
        if (cuts == edges[1:-1]).all():
            break
        edges[1:-1] = cuts
    # The sorted values of run i belong to cluster i; x[order[j]] is the j-th sorted value. Equal
    # values are never split between two runs (a cut falls where the values cross a midpoint).
    indices = np.empty(len(x), dtype=np.int64)
    indices[order] = np.repeat(np.arange(k), edges[1:] - edges[:-1])
    return torch.from_numpy(c.astype(np.float32)), torch.from_numpy(indices)


def init_kmeanspp(values, k, seed=0, sums=None):
    """``quantization.init_kmeanspp`` on the sorted ``values``: the same centroids, drawn with
    the same random numbers. On sorted values every sum of squares is O(1) from prefix sums
    (``_run_cost``; pass ``sums = _prefix_sums(values)`` if you have them), so a step costs
    O(k log n), not the O(n) of the plain algorithm.
    """
    rng = np.random.default_rng(seed)
    sums = _prefix_sums(values) if sums is None else sums
    trials = 2 + int(math.log(k))
    distinct = 1 + np.count_nonzero(values[1:] != values[:-1])
    centroids = np.array([values[rng.integers(len(values))]])  # kept sorted
    for _ in range(k - 1):
        if len(centroids) >= distinct:  # every distinct value is a centroid already: repeat one
            centroids = np.append(centroids, centroids[-1])
            continue
        # Draw: pick a cell with probability proportional to its sum of squares, then a weight
        # in it with probability proportional to its squared distance to the cell's centroid.
        edges = _cell_edges(values, centroids)
        costs = np.maximum(_run_cost(sums, edges[:-1], edges[1:], centroids), 0)
        total = np.cumsum(costs)
        draws = rng.uniform(0, total[-1], trials)
        cells = np.minimum(np.searchsorted(total, draws, side="right"), len(costs) - 1)
        amounts = draws - (total - costs)[cells]  # how far into its cell each draw falls
        drawn = [_first_exceeding(sums, edges[i], edges[i + 1], centroids[i], a) for i, a in zip(cells, amounts)]
        candidates = values[drawn]
        best = candidates[np.argmax(_gains(values, sums, centroids, candidates))]
        centroids = np.insert(centroids, np.searchsorted(centroids, best), best)
    return centroids


def _first_exceeding(sums, lo, hi, c, amount):
    """The first position ``j`` of the run ``values[lo:hi]`` where the running sum of squares
    around ``c``, ``_run_cost(sums, lo, j + 1, c)``, exceeds ``amount`` (the last position if none
    does). That sum grows with ``j``, so bisection finds it in O(log n)."""
    left, right = lo, hi - 1
    while left < right:
        middle = (left + right) // 2
        if _run_cost(sums, lo, middle + 1, c) <= amount:
            left = middle + 1
        else:
            right = middle
    return left


def _prefix_sums(values):
    """``(s1, s2)``: ``s1[i]`` is the sum of ``values[:i]``, ``s2[i]`` the sum of their squares."""
    s1, s2 = np.zeros(len(values) + 1), np.zeros(len(values) + 1)
    np.cumsum(values, out=s1[1:])
    np.square(values, out=s2[1:])
    np.cumsum(s2[1:], out=s2[1:])
    return s1, s2


def _run_cost(sums, lo, hi, c):
    """Sum of squares of ``values[lo:hi]`` around ``c``, sum (v - c)^2 = sum v^2 - 2c sum v + m c^2,
    from the ``_prefix_sums`` of the values. Works elementwise on arrays of ``lo``, ``hi``, ``c``."""
    s1, s2 = sums
    return (s2[hi] - s2[lo]) - 2 * c * (s1[hi] - s1[lo]) + (hi - lo) * c * c


def _cell_edges(values, centroids):
    """``k + 1`` edges: cluster ``i`` is ``values[edges[i]:edges[i + 1]]``, the sorted values
    nearer to the sorted ``centroids[i]`` than to its neighbours (cut at the midpoints)."""
    edges = np.empty(len(centroids) + 1, dtype=np.int64)
    edges[0], edges[-1] = 0, len(values)
    edges[1:-1] = np.searchsorted(values, (centroids[1:] + centroids[:-1]) / 2)
    return edges


def _gains(values, sums, centroids, candidates):
    """For each candidate centroid ``c``: how much the sum of squares drops if ``c`` joins the
    sorted ``centroids``. ``c`` takes over the run between the midpoints to its two neighbours;
    that run now belongs partly to the left neighbour and partly to the right one (split at
    their midpoint)."""
    j = np.searchsorted(centroids, candidates)  # c lies between centroids[j - 1] and centroids[j]
    inf = np.array([np.inf])
    left, right = np.concatenate([-inf, centroids])[j], np.concatenate([centroids, inf])[j]
    lo = np.searchsorted(values, (left + candidates) / 2)
    hi = np.searchsorted(values, (candidates + right) / 2)
    split = np.searchsorted(values, (left + right) / 2)
    # A missing neighbour owns an empty part of the run; give it a finite centroid so 0 * c = 0.
    left, right = centroids[np.maximum(j - 1, 0)], centroids[np.minimum(j, len(centroids) - 1)]
    before = _run_cost(sums, lo, split, left) + _run_cost(sums, split, hi, right)
    return before - _run_cost(sums, lo, hi, candidates)
