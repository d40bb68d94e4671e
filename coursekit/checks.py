"""Checks for the course's exercises: one ``check_<exercise>(student_function)`` per exercise.

A check makes its own cases (random shapes and values, ties, the edge cases: sparsity 0 and 1,
a one-symbol Huffman input, full rank, ...), runs the student's function on each and compares
the answer with coursekit's own implementation. It prints one line:

- ``<exercise>: passed N cases`` (on stdout), or
- the first failing case: its input, expected vs got, and a hint (on stderr), or
- ``<exercise>: not done yet`` (on stderr) when the function still raises ``NotImplementedError``.

It never prints the solution. It returns a ``Result``, true only when every case passed.
The lines are in the language chosen by ``coursekit.set_language`` (English by default): their
texts are the ``check.*`` entries of the catalogue in coursekit/i18n.py.

Grading: nbgrader's autograder gives a test cell no points when the cell wrote to stderr, and
full points otherwise. So a test cell that only calls a check scores 0 for a missing or wrong
answer and full points for a right one, and the notebook still runs on (no exception, no
traceback) for the student.
"""

import copy
import functools
import math
import sys

import numpy as np
import torch
from torch import nn

from .i18n import message

__all__ = [
    "Result",
    # 00: why compress
    "check_count_parameters",
    "check_fp32_megabytes",
    "check_dram_energy_joules",
    # 01: pruning
    "check_magnitude_mask",
    "check_quality_mask",
    "check_global_masks",
    "check_pruned_sgd_step",
    # 02: quantization
    "check_linear_init",
    "check_density_init",
    "check_lloyd_step",
    "check_compression_rate",
    "check_codebook_gradient",
    # 03: Huffman
    "check_entropy_bits",
    "check_huffman_code_lengths",
    "check_canonical_codes",
    "check_relative_gaps",
    "check_layer_bits",
    # 04: factorization
    "check_rank_r_factors",
    "check_break_even_rank",
    "check_factorized_linear",
    "check_rank_for_energy",
    # 05: structured pruning
    "check_taylor_scores",
    "check_l2_normalize",
    "check_maps_to_remove",
    "check_remove_units",
]


class Result:
    """What a check found. True when every case passed.

    ``status`` is ``"passed"``, ``"failed"`` or ``"not done"``; ``message`` is the printed line.
    """

    def __init__(self, exercise, status, cases, message):
        self.exercise, self.status, self.cases, self.message = exercise, status, cases, message

    def __bool__(self):
        return self.status == "passed"

    def __repr__(self):
        return f"Result({self.exercise!r}, {self.status!r})"

    def _ipython_display_(self):
        """Show nothing more in a notebook: the line is printed already (and nbgrader must not read
        the value of a test cell as a partial grade)."""


def _own_randomness(check):
    """Run ``check`` on its own random state: torch's and numpy's global generators are restored
    afterwards, so a notebook's later cells draw the same numbers as without the exercise."""

    @functools.wraps(check)
    def run(student):
        state = np.random.get_state()
        try:
            with torch.random.fork_rng(devices=[]):
                return check(student)
        finally:
            np.random.set_state(state)

    return run


class _Wrong(Exception):
    """A case failed: ``problem`` (expected vs got) and a ``hint``."""

    def __init__(self, problem, hint=""):
        super().__init__(problem)
        self.problem, self.hint = problem, hint


def _run(exercise, student, cases, compare):
    """Run ``student(*args)`` for every ``args`` in ``cases``; ``compare(args, got)`` raises ``_Wrong``.

    Each call gets deep copies of the inputs, so a function that changes its inputs in place does
    not change what ``compare`` sees.
    """
    for number, args in enumerate(cases, 1):
        try:
            got = student(*copy.deepcopy(args))
            compare(args, got)
        except NotImplementedError:
            return _report(exercise, "not done", len(cases), message("check.not_done", exercise=exercise))
        except _Wrong as wrong:
            line = message(
                "check.fails",
                exercise=exercise,
                number=number,
                cases=len(cases),
                input=_show_args(args),
                problem=wrong.problem,
            )
            return _report(
                exercise, "failed", len(cases), line + (message("check.hint", hint=wrong.hint) if wrong.hint else "")
            )
        except Exception as error:  # the student's code raised: say what, on which input
            line = message(
                "check.raised",
                exercise=exercise,
                number=number,
                cases=len(cases),
                error=type(error).__name__,
                text=error,
                input=_show_args(args),
            )
            return _report(exercise, "failed", len(cases), line)
    return _report(exercise, "passed", len(cases), message("check.passed", exercise=exercise, cases=len(cases)))


def _report(exercise, status, cases, line):
    print(line, file=sys.stdout if status == "passed" else sys.stderr, flush=True)
    return Result(exercise, status, cases, line)


# ---------------------------------------------------------------- showing inputs and values


def _show(x, limit=12):
    """A short text for an input or a value: small tensors in full, large ones by shape."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if isinstance(x, torch.Tensor):
        if x.numel() <= limit:
            return str(_rounded(x.tolist()))
        return message("check.tensor_of_shape", dtype=x.dtype, shape=tuple(x.shape))
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_show(v, limit)}" for k, v in x.items()) + "}"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, nn.Module):
        return repr(x).replace("\n", " ")
    if isinstance(x, (list, tuple)) and len(x) > limit:
        return message("check.many_values", kind=type(x).__name__, count=len(x))
    return repr(x)


def _rounded(values):
    if isinstance(values, list):
        return [_rounded(v) for v in values]
    return round(values, 4) + 0.0 if isinstance(values, float) else values


def _show_args(args):
    return ", ".join(_show(a) for a in args)


def _as_tensor(got, what=None):
    """``got`` as a tensor (a tensor, a numpy array or a list of numbers), else ``_Wrong``."""
    try:
        return torch.as_tensor(np.asarray(got) if not isinstance(got, torch.Tensor) else got)
    except (TypeError, ValueError, RuntimeError) as error:
        what = what or message("check.your_function")
        raise _Wrong(message("check.not_a_tensor", what=what, kind=type(got).__name__, error=error)) from None


def _as_number(got):
    try:
        return float(got)
    except (TypeError, ValueError, RuntimeError):
        raise _Wrong(message("check.not_a_number", kind=type(got).__name__, value=repr(got))) from None


def _close_number(expected, got, hint, rel=1e-6, abs_=1e-12):
    value = _as_number(got)
    if not math.isclose(value, expected, rel_tol=rel, abs_tol=abs_):
        raise _Wrong(message("check.expected_got", expected=f"{expected + 0.0:.6g}", got=f"{value + 0.0:.6g}"), hint)


def _same_shape(expected_shape, got, hint=""):
    if tuple(got.shape) != tuple(expected_shape):
        raise _Wrong(message("check.expected_shape", expected=tuple(expected_shape), got=tuple(got.shape)), hint)


def _close_tensor(expected, got, hint, rtol=1e-5, atol=1e-6):
    got = _as_tensor(got).to(expected.dtype if expected.is_floating_point() else torch.float64)
    _same_shape(expected.shape, got, hint)
    if not torch.allclose(got.to(torch.float64), expected.to(torch.float64), rtol=rtol, atol=atol, equal_nan=False):
        diff = (got.to(torch.float64) - expected.to(torch.float64)).abs()
        where = int(torch.nan_to_num(diff, nan=math.inf).flatten().argmax())
        e, g = expected.flatten()[where].item(), got.flatten()[where].item()
        raise _Wrong(
            message(
                "check.expected_entry",
                expected=_show(expected),
                got=_show(got),
                where=where,
                e=f"{e:.6g}",
                g=f"{g:.6g}",
            ),
            hint,
        )


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- 00: why compress


@_own_randomness
def check_count_parameters(count_parameters):
    """``count_parameters(model)``: the number of scalar parameters, weights and biases."""
    from . import models, network

    torch.manual_seed(0)
    cases = [
        (nn.Linear(3, 2),),
        (nn.Linear(5, 4, bias=False),),
        (nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2)),),
        (nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 1, bias=False)),),
        (models.lenet_300_100(),),
        (models.lenet5(),),
    ]

    def compare(args, got):
        expected = network.count_parameters(args[0])
        if not isinstance(got, (int, np.integer)) and not (isinstance(got, torch.Tensor) and got.numel() == 1):
            raise _Wrong(message("check.count.integer", kind=type(got).__name__))
        if int(got) != expected:
            raise _Wrong(
                message("check.count.problem", expected=expected, got=int(got)),
                message("check.count.hint"),
            )

    return _run("count_parameters", count_parameters, cases, compare)


@_own_randomness
def check_fp32_megabytes(fp32_megabytes):
    """``fp32_megabytes(n_parameters)``: the size in MB (2**20 bytes) at 32 bits a parameter."""
    rng = np.random.default_rng(0)
    cases = [(n,) for n in (0, 1, 1000, 266_610, 431_080, 61_100_840, 138_357_544)]
    cases += [(int(n),) for n in rng.integers(1, 10**9, 5)]

    def compare(args, got):
        hint = message("check.fp32.hint")
        _close_number(args[0] * 4 / 2**20, got, hint)

    return _run("fp32_megabytes", fp32_megabytes, cases, compare)


@_own_randomness
def check_dram_energy_joules(dram_energy_joules):
    """``dram_energy_joules(n_weights)``: energy in joules to read every weight once from DRAM."""
    from . import papers

    rng = np.random.default_rng(0)
    cases = [(n,) for n in (0, 1, 266_610, 10**9)] + [(int(n),) for n in rng.integers(1, 10**8, 6)]
    per_read = papers.ENERGY_PJ["32-bit DRAM read"]

    def compare(args, got):
        hint = message("check.dram.hint")
        _close_number(args[0] * per_read * 1e-12, got, hint, abs_=1e-18)

    return _run("dram_energy_joules", dram_energy_joules, cases, compare)


# ---------------------------------------------------------------- 01: pruning


def _weights(generator, ties=False, zeros=False):
    """A random weight tensor of 1 to 3 dimensions; with ``ties``, few distinct magnitudes."""
    dims = int(torch.randint(1, 4, (1,), generator=generator))
    shape = tuple(int(s) for s in torch.randint(1, 9, (dims,), generator=generator))
    if ties:
        weight = torch.randint(-3, 4, shape, generator=generator).float() / 4
    else:
        weight = torch.randn(shape, generator=generator) * 0.1
    if zeros:
        weight[torch.rand(shape, generator=generator) < 0.3] = 0
    return weight


def _sparsities(generator, count):
    return [0.0, 1.0, 0.5, 0.29] + [round(float(s), 3) for s in torch.rand(count, generator=generator)]


def _removal_problem(magnitudes, masks, sparsity):
    """What is wrong with masks (0 = removed) that should remove exactly round(sparsity x n) of the
    smallest ``magnitudes`` (one flat tensor each, in the same order); None if nothing."""
    magnitudes, masks = torch.cat(magnitudes), torch.cat(masks)
    if not ((masks == 0) | (masks == 1)).all():
        return _Wrong(message("check.mask.values"))
    expected = round(sparsity * magnitudes.numel())
    removed = int((masks == 0).sum())
    if removed != expected:
        return _Wrong(
            message("check.mask.count", expected=expected, total=magnitudes.numel(), removed=removed),
            message("check.mask.count_hint"),
        )
    gone, kept = magnitudes[masks == 0], magnitudes[masks == 1]
    if gone.numel() and kept.numel() and gone.max() > kept.min():
        return _Wrong(
            message("check.mask.order", gone=f"{gone.max():.4g}", kept=f"{kept.min():.4g}"),
            message("check.mask.order_hint"),
        )
    return None


@_own_randomness
def check_magnitude_mask(magnitude_mask):
    """``magnitude_mask(weight, sparsity)``: a 0/1 mask of weight's shape removing exactly
    round(sparsity x n) weights, the smallest in magnitude."""
    generator = _generator(1)
    cases = []
    for i, sparsity in enumerate(_sparsities(generator, 12)):
        cases.append((_weights(generator, ties=i % 2 == 1, zeros=i % 3 == 0), sparsity))
    cases.append((torch.randn(10, 10, generator=generator), 0.29))  # 0.29 x 100 = 28.999...

    def compare(args, got):
        weight, sparsity = args
        got = _as_tensor(got).float()
        _same_shape(weight.shape, got, message("check.mask.shape_hint"))
        wrong = _removal_problem([weight.abs().flatten()], [got.flatten()], sparsity)
        if wrong:
            raise wrong

    return _run("magnitude_mask", magnitude_mask, cases, compare)


@_own_randomness
def check_quality_mask(quality_mask):
    """``quality_mask(weight, quality)``: LWC's rule, keep |w| > quality x std of the layer's weights."""
    from . import pruning

    generator = _generator(2)
    cases = [(_weights(generator, ties=i % 2 == 1, zeros=True), q) for i, q in enumerate((0.0, 0.0, 0.5, 1.0, 2.0))]
    cases += [
        (_weights(generator, zeros=i % 2 == 0), round(float(q) * 2, 2))
        for i, q in enumerate(torch.rand(10, generator=generator))
    ]
    cases = [(w, q) for w, q in cases if w.numel() > 1]  # a std needs two weights

    def compare(args, got):
        weight, quality = args
        expected = pruning.threshold_mask(weight, pruning.std_threshold(weight, quality))
        got = _as_tensor(got).float()
        _same_shape(weight.shape, got, message("check.mask.shape_hint"))
        if not torch.equal(got, expected):
            problem = message("check.quality.problem", expected=int(expected.sum()), got=int(got.sum()))
            raise _Wrong(problem, message("check.quality.hint"))

    return _run("quality_mask", quality_mask, cases, compare)


@_own_randomness
def check_global_masks(global_masks):
    """``global_masks(weights, sparsity)``: ``{layer: mask}`` removing exactly round(sparsity x N)
    of all N weights, those smallest in magnitude over the whole network (one threshold)."""
    generator = _generator(3)
    cases = []
    for i, sparsity in enumerate(_sparsities(generator, 10)):
        layers = {name: _weights(generator, ties=i % 2 == 1, zeros=i % 4 == 0) for name in ("fc1", "fc2", "fc3")}
        layers["fc2"] = layers["fc2"] * 10  # layers of different scales: per-layer and global differ
        cases.append((layers, sparsity))

    def compare(args, got):
        weights, sparsity = args
        if not isinstance(got, dict) or set(got) != set(weights):
            raise _Wrong(message("check.global.keys", keys=sorted(weights), got=_show(got)))
        masks = []
        for name, weight in weights.items():
            mask = _as_tensor(got[name], message("check.global.mask_named", name=name)).float()
            _same_shape(weight.shape, mask, message("check.global.shape_hint", name=name))
            masks.append(mask.flatten())
        wrong = _removal_problem([w.abs().flatten() for w in weights.values()], masks, sparsity)
        if wrong:
            wrong.hint += message("check.global.hint")
            raise wrong

    return _run("global_masks", global_masks, cases, compare)


@_own_randomness
def check_pruned_sgd_step(pruned_sgd_step):
    """``pruned_sgd_step(weight, grad, mask, lr)``: one SGD step, and the pruned weights stay zero."""
    generator = _generator(4)
    cases = []
    for _ in range(10):
        shape = tuple(int(s) for s in torch.randint(1, 7, (2,), generator=generator))
        mask = (torch.rand(shape, generator=generator) > 0.5).float()
        weight = torch.randn(shape, generator=generator) * mask
        cases.append(
            (weight, torch.randn(shape, generator=generator), mask, round(float(torch.rand(1, generator=generator)), 3))
        )

    def compare(args, got):
        weight, grad, mask, lr = args
        got = _as_tensor(got)
        _same_shape(weight.shape, got)
        if (got[mask == 0] != 0).any():
            raise _Wrong(message("check.sgd.pruned"), message("check.sgd.pruned_hint"))
        _close_tensor((weight - lr * grad) * mask, got, message("check.sgd.hint"))

    return _run("pruned_sgd_step", pruned_sgd_step, cases, compare)


# ---------------------------------------------------------------- 02: quantization


def _values(generator, n, ties=False):
    if ties:
        return torch.randint(-4, 5, (n,), generator=generator).float() / 8
    return torch.randn(n, generator=generator) * 0.05


def _init_cases(seed):
    generator = _generator(seed)
    cases = [(torch.full((5,), 0.25), 4), (torch.tensor([0.3, -0.2]), 1)]
    for i in range(12):
        n = int(torch.randint(2, 300, (1,), generator=generator))
        cases.append((_values(generator, n, ties=i % 3 == 0), int(2 ** torch.randint(1, 6, (1,), generator=generator))))
    return cases


def _sorted64(values):
    return np.sort(values.double().numpy())


@_own_randomness
def check_linear_init(linear_init):
    """``linear_init(weights, k)``: k centroids evenly spaced from the smallest to the largest weight."""
    from . import quantization

    def compare(args, got):
        weights, k = args
        expected = torch.from_numpy(quantization.init_linear(_sorted64(weights), k))
        hint = message("check.linear_init.hint")
        _close_tensor(expected, torch.sort(_as_tensor(got).double().flatten()).values, hint)

    return _run("linear_init", linear_init, _init_cases(5), compare)


@_own_randomness
def check_density_init(density_init):
    """``density_init(weights, k)``: the k quantiles at (i + 0.5) / k of the weights, i = 0 .. k-1."""
    from . import quantization

    def compare(args, got):
        weights, k = args
        expected = torch.from_numpy(quantization.init_density(_sorted64(weights), k))
        hint = message("check.density_init.hint")
        _close_tensor(expected, torch.sort(_as_tensor(got).double().flatten()).values, hint)

    return _run("density_init", density_init, _init_cases(6), compare)


@_own_randomness
def check_lloyd_step(lloyd_step):
    """``lloyd_step(weights, centroids)``: one Lloyd iteration, the new centroids (same order).

    Assignment: each weight to its nearest centroid. Update: each centroid to the mean of its
    weights; a centroid with no weights keeps its value.
    """
    from . import quantization

    generator = _generator(7)
    cases = []
    for i in range(14):
        n, k = (
            int(torch.randint(1, 200, (1,), generator=generator)),
            int(torch.randint(1, 9, (1,), generator=generator)),
        )
        weights = _values(generator, n, ties=i % 3 == 0)
        centroids = torch.sort(torch.randn(k, generator=generator) * 0.05).values
        if i % 4 == 1:  # a centroid far from every weight: its cluster is empty
            centroids[-1] = 1.0
        cases.append((weights, centroids))

    def compare(args, got):
        weights, centroids = args
        expected, _ = quantization.kmeans_1d(weights, len(centroids), init=centroids, max_iter=1)
        got = _as_tensor(got).flatten()
        if torch.isnan(got.double()).any():
            raise _Wrong(message("check.lloyd.nan", got=_show(got)), message("check.lloyd.nan_hint"))
        hint = message("check.lloyd.hint")
        _close_tensor(expected.double(), got.double(), hint, rtol=1e-4, atol=1e-6)

    return _run("lloyd_step", lloyd_step, cases, compare)


@_own_randomness
def check_compression_rate(compression_rate):
    """``compression_rate(n, k, b)``: DC Eq. 1, r = n b / (n log2(k) + k b)."""
    from . import quantization

    rng = np.random.default_rng(8)
    cases = [(16, 4, 32), (1, 2, 32), (266_200, 16, 32), (1000, 256, 32), (10, 2, 8)]
    cases += [
        (int(rng.integers(1, 10**6)), int(2 ** rng.integers(1, 9)), int(rng.choice([8, 16, 32]))) for _ in range(8)
    ]

    def compare(args, got):
        hint = message("check.rate.hint")
        _close_number(quantization.compression_rate(*args), got, hint)

    return _run("compression_rate", compression_rate, cases, compare)


@_own_randomness
def check_codebook_gradient(codebook_gradient):
    """``codebook_gradient(weight_grad, indices, k)``: DC Eq. 3, the k gradients of the shared values."""
    from . import quantization

    generator = _generator(9)
    cases = []
    for i in range(12):
        shape = tuple(int(s) for s in torch.randint(1, 8, (2,), generator=generator))
        k = int(2 ** torch.randint(1, 4, (1,), generator=generator))
        top = k - 1 if i % 3 == 0 else k  # sometimes the last shared value is used by no weight
        indices = torch.randint(0, max(top, 1), shape, generator=generator)
        cases.append((torch.randn(shape, generator=generator), indices, k))

    def compare(args, got):
        weight_grad, indices, k = args
        codebook = torch.zeros(k, requires_grad=True)
        quantization.SharedLookup.apply(codebook, indices).backward(weight_grad)
        hint = message("check.codebook.hint")
        _close_tensor(codebook.grad, got, hint)

    return _run("codebook_gradient", codebook_gradient, cases, compare)


# ---------------------------------------------------------------- 03: Huffman


def _counts(generator, size, absent=True):
    counts = torch.randint(1, 50, (size,), generator=generator) ** 2 // 10 + 1
    if absent and size > 2:
        counts[torch.rand(size, generator=generator) < 0.25] = 0
    return counts.tolist()


def _count_cases(seed):
    generator = _generator(seed)
    cases = [([7],), ([0, 5, 0],), ([3, 3],), ([1, 1, 1, 1],), ([10, 1, 1, 1, 0],)]
    cases += [(_counts(generator, int(torch.randint(2, 40, (1,), generator=generator))),) for _ in range(10)]
    return cases


@_own_randomness
def check_entropy_bits(entropy_bits):
    """``entropy_bits(counts)``: the Shannon entropy of the symbol frequencies, bits per symbol."""
    from . import huffman

    def compare(args, got):
        hint = message("check.entropy.hint")
        _close_number(huffman.entropy_bits(args[0]), got, hint, abs_=1e-9)

    return _run("entropy_bits", entropy_bits, _count_cases(10), compare)


@_own_randomness
def check_huffman_code_lengths(huffman_code_lengths):
    """``huffman_code_lengths(counts)``: the code length of each symbol (0 for absent ones).

    Huffman trees are not unique when counts tie, so any optimal lengths pass: the check asks for
    the same total bits as coursekit's code and for lengths a prefix code can have.
    """
    from . import huffman

    def compare(args, got):
        counts = np.asarray(args[0])
        lengths = _as_tensor(got).flatten().long().numpy()
        if len(lengths) != len(counts):
            raise _Wrong(message("check.lengths.count", expected=len(counts), got=len(lengths)))
        expected = huffman.code_lengths(counts)
        if ((counts == 0) != (lengths == 0)).any():
            raise _Wrong(
                message("check.lengths.absent", expected=expected.tolist(), got=lengths.tolist()),
                message("check.lengths.absent_hint"),
            )
        used = lengths[counts > 0]
        if (2.0 ** -used.astype(float)).sum() > 1 + 1e-12:
            raise _Wrong(message("check.lengths.kraft", lengths=lengths.tolist()), "")
        total, best = int((counts * lengths).sum()), int((counts * expected).sum())
        if total != best:
            raise _Wrong(
                message(
                    "check.lengths.total", best=best, expected=expected.tolist(), total=total, got=lengths.tolist()
                ),
                message("check.lengths.hint"),
            )

    return _run("huffman_code_lengths", huffman_code_lengths, _count_cases(11), compare)


@_own_randomness
def check_canonical_codes(canonical_codes):
    """``canonical_codes(lengths)``: the canonical Huffman code (an int) of each symbol."""
    from . import huffman

    cases = [([1],), ([0, 1, 0],), ([1, 1],), ([2, 2, 2, 2],), ([1, 3, 3, 2],)]
    cases += [(huffman.code_lengths(counts).tolist(),) for (counts,) in _count_cases(12)[5:]]

    def compare(args, got):
        expected = torch.from_numpy(huffman.canonical_codes(args[0]))
        got = _as_tensor(got).flatten().long()
        hint = message("check.canonical.hint")
        _same_shape(expected.shape, got, message("check.canonical.shape_hint"))
        used = torch.tensor(args[0]) > 0  # an absent symbol's code is never used: any value passes
        if not torch.equal(got[used], expected[used]):
            raise _Wrong(message("check.expected_got", expected=expected.tolist(), got=got.tolist()), hint)

    return _run("canonical_codes", canonical_codes, cases, compare)


@_own_randomness
def check_relative_gaps(relative_gaps):
    """``relative_gaps(positions, bits)``: ``(gaps, is_filler)`` of DC Fig. 2, fillers included."""
    from . import huffman

    generator = _generator(13)
    cases = [([], 3), ([0], 3), ([7], 3), ([8], 3), ([3, 4, 20], 3), ([15, 16, 32, 33], 2), ([0, 1, 2], 1)]
    for _ in range(8):
        n = int(torch.randint(1, 300, (1,), generator=generator))
        density = float(torch.rand(1, generator=generator)) * 0.5 + 0.01
        cases.append(
            (
                (torch.rand(n, generator=generator) < density).nonzero().flatten().tolist(),
                int(torch.randint(1, 6, (1,), generator=generator)),
            )
        )

    def compare(args, got):
        positions, bits = args
        gaps, filler = huffman.relative_indices(positions, bits)
        if not isinstance(got, tuple) or len(got) != 2:
            raise _Wrong(message("check.gaps.pair", kind=type(got).__name__))
        got_gaps, got_filler = _as_tensor(got[0]).flatten().long(), _as_tensor(got[1]).flatten().bool()
        hint = message("check.gaps.hint", bits=bits, largest=2**bits)
        if not torch.equal(got_gaps, torch.from_numpy(gaps)):
            raise _Wrong(message("check.gaps.gaps", expected=_show(gaps, 20), got=_show(got_gaps, 20)), hint)
        if not torch.equal(got_filler, torch.from_numpy(filler)):
            raise _Wrong(message("check.gaps.filler", expected=_show(filler, 20), got=_show(got_filler, 20)), hint)

    return _run("relative_gaps", relative_gaps, cases, compare)


@_own_randomness
def check_layer_bits(layer_bits):
    """``layer_bits(weight, bits, index_bits)``: bits of one pruned, quantized layer stored as in
    DC's P+Q columns: per stored entry (survivors and fillers) a ``bits``-bit weight index and an
    ``index_bits``-bit relative index, plus the codebook of 2^bits 32-bit floats."""
    from . import huffman

    generator = _generator(14)
    cases = [(torch.zeros(6), 2, 3), (torch.ones(4, 4), 1, 5), (torch.tensor([0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5]), 2, 2)]
    for _ in range(10):
        weight = _weights(generator)
        weight[torch.rand(weight.shape, generator=generator) < float(torch.rand(1, generator=generator))] = 0
        cases.append(
            (
                weight,
                int(torch.randint(1, 9, (1,), generator=generator)),
                int(torch.randint(1, 6, (1,), generator=generator)),
            )
        )

    def compare(args, got):
        weight, bits, index_bits = args
        positions = weight.flatten().nonzero().flatten().numpy()
        entries = len(positions) + huffman.filler_count(positions, index_bits)
        expected = entries * (bits + index_bits) + 2**bits * 32
        hint = message("check.layer_bits.hint")
        _close_number(expected, got, hint, rel=0, abs_=0.5)

    return _run("layer_bits", layer_bits, cases, compare)


# ---------------------------------------------------------------- 04: factorization


def _matrix_cases(seed, count=12):
    generator = _generator(seed)
    cases = [(torch.randn(1, 1, generator=generator), 1), (torch.randn(6, 4, generator=generator), 4)]
    for _ in range(count):
        n, m = (int(s) for s in torch.randint(1, 25, (2,), generator=generator))
        cases.append(
            (torch.randn(n, m, generator=generator), int(torch.randint(1, min(n, m) + 1, (1,), generator=generator)))
        )
    return cases


@_own_randomness
def check_rank_r_factors(rank_r_factors):
    """``rank_r_factors(weight, rank)``: ``(A, B)``, ``A`` n x r and ``B`` r x m, ``A @ B`` the best
    rank-r approximation (the truncated SVD)."""
    from . import factorization

    def compare(args, got):
        weight, rank = args
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise _Wrong(message("check.factors.pair", kind=type(got).__name__))
        A, B = (_as_tensor(t).double() for t in got)
        n, m = weight.shape
        hint = message("check.factors.hint")
        _same_shape((n, rank), A, hint)
        _same_shape((rank, m), B, hint)
        ref_A, ref_B = factorization.low_rank(weight, rank)
        _close_tensor((ref_A @ ref_B).double(), A @ B, hint, rtol=1e-4, atol=1e-4)

    return _run("rank_r_factors", rank_r_factors, _matrix_cases(15), compare)


@_own_randomness
def check_break_even_rank(break_even_rank):
    """``break_even_rank(n, m)``: the rank at which the factors hold as many numbers as the matrix."""
    from . import factorization

    rng = np.random.default_rng(16)
    cases = [(1, 1), (300, 784), (100, 300), (10, 100), (500, 800)] + [
        tuple(int(v) for v in rng.integers(1, 3000, 2)) for _ in range(8)
    ]

    def compare(args, got):
        hint = message("check.break_even.hint")
        _close_number(factorization.break_even_rank(*args), got, hint)

    return _run("break_even_rank", break_even_rank, cases, compare)


@_own_randomness
def check_factorized_linear(factorized_linear):
    """``factorized_linear(layer, rank)``: ``nn.Sequential(nn.Linear(m, d, bias=False), nn.Linear(d, n))``
    computing the rank-d truncated SVD of ``layer`` (bias kept, on the second layer only)."""
    from . import factorization

    generator = _generator(17)
    torch.manual_seed(17)
    cases = []
    for i, (weight, rank) in enumerate(_matrix_cases(18, 8)):
        layer = nn.Linear(weight.shape[1], weight.shape[0], bias=i % 4 != 1)
        with torch.no_grad():
            layer.weight.copy_(weight)
        cases.append((layer, rank))

    def compare(args, got):
        layer, rank = args
        expected = factorization.factorize_linear(layer, rank)
        if not isinstance(got, nn.Module):
            raise _Wrong(message("check.factorized.module", kind=type(got).__name__))
        count = lambda module: sum(p.numel() for p in module.parameters())  # noqa: E731
        hint = message("check.factorized.hint")
        if count(got) != count(expected):
            raise _Wrong(message("check.factorized.count", expected=count(expected), got=count(got)), hint)
        x = torch.randn(5, layer.in_features, generator=generator)
        with torch.no_grad():
            _close_tensor(expected(x), got(x), hint, rtol=1e-4, atol=1e-4)

    return _run("factorized_linear", factorized_linear, cases, compare)


@_own_randomness
def check_rank_for_energy(rank_for_energy):
    """``rank_for_energy(singular_values, energy)``: the smallest rank whose squared singular values
    keep at least ``energy`` (a fraction) of their sum."""
    from . import factorization

    generator = _generator(19)
    ones = torch.ones(4)
    cases = [(ones, 0.5), (ones, 0.25), (ones, 1.0), (torch.tensor([3.0]), 0.9), (torch.tensor([2.0, 1.0, 1.0]), 0.5)]
    for _ in range(10):
        values = torch.sort(
            torch.rand(int(torch.randint(2, 30, (1,), generator=generator)), generator=generator), descending=True
        ).values
        cases.append((values, round(float(torch.rand(1, generator=generator)) * 0.98 + 0.01, 3)))

    def compare(args, got):
        expected = factorization.rank_for_energy(*args)
        hint = message("check.energy.hint")
        if _as_number(got) != expected:
            raise _Wrong(message("check.energy.rank", expected=expected, got=got), hint)

    return _run("rank_for_energy", rank_for_energy, cases, compare)


# ---------------------------------------------------------------- 05: structured pruning


@_own_randomness
def check_taylor_scores(taylor_scores):
    """``taylor_scores(z, grad)``: Molchanov Eq. 8, one score per map from ``N x C x M`` maps and gradients."""
    from . import structured

    generator = _generator(20)
    cases = []
    for i in range(12):
        n, c, m = (int(s) for s in torch.randint(1, 7, (3,), generator=generator))
        m, n = (m + 1, n + 1) if i % 2 else (m, n)
        z = torch.relu(torch.randn(n, c, m, generator=generator))
        cases.append((z, torch.randn(n, c, m, generator=generator)))

    def compare(args, got):
        hint = message("check.taylor.hint")
        _close_tensor(structured.taylor(*args), got, hint)

    return _run("taylor_scores", taylor_scores, cases, compare)


@_own_randomness
def check_l2_normalize(l2_normalize):
    """``l2_normalize(scores)``: Molchanov Sec. 2.2, scores / sqrt(sum of squared scores)."""
    from . import structured

    generator = _generator(21)
    cases = [(torch.tensor([2.0]),), (torch.tensor([1.0, 1.0, 1.0, 1.0]),), (torch.tensor([3.0, 4.0]),)]
    cases += [
        (torch.rand(int(torch.randint(2, 60, (1,), generator=generator)), generator=generator) * 5,) for _ in range(10)
    ]

    def compare(args, got):
        _close_tensor(structured.l2_normalize(args[0]), got, message("check.l2.hint"))

    return _run("l2_normalize", l2_normalize, cases, compare)


@_own_randomness
def check_maps_to_remove(maps_to_remove):
    """``maps_to_remove(scores, count)``: the ``count`` maps ``(layer, index)`` with the lowest
    scores after l2-normalizing each layer, never a layer's last map."""
    from . import structured

    generator = _generator(22)
    cases = []
    for i in range(12):
        sizes = [
            int(s)
            for s in torch.randint(1, 30, (int(torch.randint(1, 4, (1,), generator=generator)),), generator=generator)
        ]
        if i < 2:  # remove as many maps as there are: the last of each layer must stay
            sizes = [3, 5]
        scores = {}
        for j, size in enumerate(sizes):
            scale = 10 ** float(torch.randn(1, generator=generator))
            scores[f"fc{j + 1}"] = torch.rand(size, generator=generator) * scale
        count = 8 if i < 2 else int(torch.randint(1, 15, (1,), generator=generator))
        cases.append((scores, count))

    def compare(args, got):
        scores, count = args
        # a network whose hidden layers have these many units: fc1 -> ReLU -> fc2 -> ReLU ... -> out
        sizes = [len(v) for v in scores.values()]
        net = nn.Sequential(*(m for a, b in zip([4] + sizes, sizes) for m in (nn.Linear(a, b), nn.ReLU())))
        units = {name: (2 * j, 2 * j + 1) for j, name in enumerate(scores)}
        expected = structured.lowest_maps(net, units, scores, count)
        try:
            pairs = [(str(layer), int(k)) for layer, k in got]
        except (TypeError, ValueError):
            raise _Wrong(message("check.maps.pairs", got=_show(got))) from None
        hint = message("check.maps.hint")
        if sorted(pairs) != sorted(expected):
            missing, extra = sorted(set(expected) - set(pairs)), sorted(set(pairs) - set(expected))
            problem = message("check.maps.problem", expected=len(expected), missing=missing[:6], extra=extra[:6])
            raise _Wrong(problem, hint)

    return _run("maps_to_remove", maps_to_remove, cases, compare)


@_own_randomness
def check_remove_units(remove_units):
    """``remove_units(first, second, keep)``: the two ``nn.Linear`` layers without the hidden units
    ``keep`` marks False: fewer output rows (and biases) in ``first``, fewer input columns in ``second``."""
    from torch.nn.utils import prune

    from . import structured

    generator = _generator(23)
    torch.manual_seed(23)
    cases = []
    for i in range(10):
        m, hidden, out = (int(s) for s in torch.randint(2, 12, (3,), generator=generator))
        keep = torch.rand(hidden, generator=generator) < 0.6
        keep[int(torch.randint(0, hidden, (1,), generator=generator))] = True
        if i == 0:
            keep[:] = True
        cases.append((nn.Linear(m, hidden), nn.Linear(hidden, out), keep))

    def compare(args, got):
        first, second, keep = args
        net = nn.Sequential(copy.deepcopy(first), nn.ReLU(), copy.deepcopy(second))
        prune.custom_from_mask(net[0], "weight", keep[:, None].float() * torch.ones_like(first.weight))
        prune.custom_from_mask(net[0], "bias", keep.float())
        expected = structured.shrink(net)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise _Wrong(message("check.units.pair", kind=type(got).__name__))
        hint = message("check.units.hint")
        for index, mine, theirs in ((1, got[0], expected[0]), (2, got[1], expected[2])):
            if not isinstance(mine, nn.Linear):
                raise _Wrong(message("check.units.layer", index=index, kind=type(mine).__name__), hint)
            _close_tensor(theirs.weight.detach(), mine.weight.detach(), hint)
            if (mine.bias is None) != (theirs.bias is None):
                raise _Wrong(message("check.units.bias", index=index), hint)
            _close_tensor(theirs.bias.detach(), mine.bias.detach(), hint)

    return _run("remove_units", remove_units, cases, compare)
