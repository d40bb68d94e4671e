"""Every exercise check passes a right answer, catches plausible wrong ones, and says "not done yet"
to an unanswered exercise (``raise NotImplementedError``) without failing loudly.

The right answers here are the notebooks' solutions, written the way a student would.
"""

import heapq
import itertools
import math
import re

import numpy as np
import pytest
import torch
from torch import nn

import coursekit
from coursekit import checks, papers

# ---------------------------------------------------------------- 00: why compress


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_weights_only(model):
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d)))


def count_linear_only(model):
    return sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters())


def fp32_megabytes(n_parameters):
    return n_parameters * 4 / 2**20


def dram_energy_joules(n_weights):
    return n_weights * papers.ENERGY_PJ["32-bit DRAM read"] * 1e-12


# ---------------------------------------------------------------- 01: pruning


def magnitude_mask(weight, sparsity):
    k = round(sparsity * weight.numel())
    order = torch.argsort(weight.abs().flatten(), stable=True)
    mask = torch.ones(weight.numel())
    mask[order[:k]] = 0
    return mask.view_as(weight)


def magnitude_mask_threshold_ge(weight, sparsity):  # keeps every weight at the k-th magnitude
    k = round(sparsity * weight.numel())
    if k == 0:
        return torch.ones_like(weight)
    threshold = weight.abs().flatten().kthvalue(k).values
    return (weight.abs() >= threshold).float()


def magnitude_mask_threshold_gt(weight, sparsity):  # removes every weight at the k-th magnitude
    k = round(sparsity * weight.numel())
    if k == 0:
        return torch.ones_like(weight)
    return (weight.abs() > weight.abs().flatten().kthvalue(k).values).float()


def magnitude_mask_int_k(weight, sparsity):  # int() truncates: 0.29 x 100 -> 28
    k = int(sparsity * weight.numel())
    mask = torch.ones(weight.numel())
    mask[torch.argsort(weight.abs().flatten(), stable=True)[:k]] = 0
    return mask.view_as(weight)


def magnitude_mask_signed(weight, sparsity):  # the smallest values, not magnitudes
    k = round(sparsity * weight.numel())
    mask = torch.ones(weight.numel())
    mask[torch.argsort(weight.flatten(), stable=True)[:k]] = 0
    return mask.view_as(weight)


def quality_mask(weight, quality):
    return (weight.abs() > quality * weight.std()).float()


def quality_mask_ge(weight, quality):
    return (weight.abs() >= quality * weight.std()).float()


def quality_mask_std_of_abs(weight, quality):
    return (weight.abs() > quality * weight.abs().std()).float()


def quality_mask_signed(weight, quality):
    return (weight > quality * weight.std()).float()


def global_masks(weights, sparsity):
    flat = torch.cat([w.abs().flatten() for w in weights.values()])
    k = round(sparsity * flat.numel())
    keep = torch.ones(flat.numel())
    keep[torch.argsort(flat, stable=True)[:k]] = 0
    masks, start = {}, 0
    for name, w in weights.items():
        masks[name] = keep[start : start + w.numel()].view_as(w)
        start += w.numel()
    return masks


def global_masks_per_layer(weights, sparsity):
    return {name: magnitude_mask(w, sparsity) for name, w in weights.items()}


def global_masks_threshold_gt(weights, sparsity):
    flat = torch.cat([w.abs().flatten() for w in weights.values()])
    k = round(sparsity * flat.numel())
    threshold = flat.kthvalue(k).values if k else -1
    return {name: (w.abs() > threshold).float() for name, w in weights.items()}


def pruned_sgd_step(weight, grad, mask, lr):
    return (weight - lr * grad) * mask


def pruned_sgd_step_no_mask(weight, grad, mask, lr):
    return weight - lr * grad


def pruned_sgd_step_ascent(weight, grad, mask, lr):
    return (weight + lr * grad) * mask


# ---------------------------------------------------------------- 02: quantization


def linear_init(weights, k):
    return torch.linspace(weights.min().item(), weights.max().item(), k)


def linear_init_symmetric(weights, k):
    top = weights.abs().max().item()
    return torch.linspace(-top, top, k)


def linear_init_no_endpoint(weights, k):
    lo, hi = weights.min().item(), weights.max().item()
    return lo + (hi - lo) * torch.arange(k) / k


def density_init(weights, k):
    return torch.quantile(weights.double(), (torch.arange(k, dtype=torch.float64) + 0.5) / k)


def density_init_endpoints(weights, k):
    return torch.quantile(weights.double(), torch.linspace(0, 1, k, dtype=torch.float64))


def density_init_no_interpolation(weights, k):
    ordered = torch.sort(weights).values
    return ordered[((torch.arange(k) + 0.5) / k * len(weights)).long()]


def lloyd_step(weights, centroids):
    nearest = (weights[:, None] - centroids[None, :]).abs().argmin(1)
    new = centroids.clone()
    for j in range(len(centroids)):
        if (nearest == j).any():
            new[j] = weights[nearest == j].mean()
    return new


def lloyd_step_empty_nan(weights, centroids):  # the mean of an empty cluster is NaN
    nearest = (weights[:, None] - centroids[None, :]).abs().argmin(1)
    return torch.stack([weights[nearest == j].mean() for j in range(len(centroids))])


def lloyd_step_no_abs(weights, centroids):  # nearest without |.|: always the largest centroid below
    nearest = (weights[:, None] - centroids[None, :]).argmin(1)
    new = centroids.clone()
    for j in range(len(centroids)):
        if (nearest == j).any():
            new[j] = weights[nearest == j].mean()
    return new


def compression_rate(n, k, b=32):
    return n * b / (n * math.log2(k) + k * b)


def compression_rate_no_codebook(n, k, b=32):
    return n * b / (n * math.log2(k))


def compression_rate_k_not_log(n, k, b=32):
    return n * b / (n * k + k * b)


def codebook_gradient(weight_grad, indices, k):
    return torch.zeros(k).index_add_(0, indices.flatten(), weight_grad.flatten())


def codebook_gradient_mean(weight_grad, indices, k):
    sums = torch.zeros(k).index_add_(0, indices.flatten(), weight_grad.flatten())
    return sums / torch.bincount(indices.flatten(), minlength=k).clamp(min=1)


def codebook_gradient_bincount(weight_grad, indices, k):  # forgets minlength: too short when the top value is unused
    return torch.bincount(indices.flatten(), weights=weight_grad.flatten()).float()


# ---------------------------------------------------------------- 03: Huffman


def entropy_bits(counts):
    counts = np.asarray(counts, dtype=float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def entropy_nats(counts):
    counts = np.asarray(counts, dtype=float)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def entropy_with_zeros(counts):
    p = np.asarray(counts, dtype=float) / sum(counts)
    return float(-np.nansum(p * np.log2(np.where(p > 0, p, 1))) + (p == 0).sum())


def huffman_code_lengths(counts):
    lengths = [0] * len(counts)
    heap = [(c, s, [s]) for s, c in enumerate(counts) if c > 0]
    heapq.heapify(heap)
    if len(heap) == 1:
        lengths[heap[0][1]] = 1
    while len(heap) > 1:
        count_a, tie, a = heapq.heappop(heap)
        count_b, _, b = heapq.heappop(heap)
        for s in a + b:
            lengths[s] += 1
        heapq.heappush(heap, (count_a + count_b, tie, a + b))
    return lengths


def huffman_lone_symbol_zero(counts):  # a lone symbol keeps depth 0
    lengths = huffman_code_lengths(counts)
    return [0] * len(counts) if sum(c > 0 for c in counts) == 1 else lengths


def huffman_largest_first(counts):  # merges the two most frequent subtrees
    lengths = [0] * len(counts)
    heap = [(-c, s, [s]) for s, c in enumerate(counts) if c > 0]
    heapq.heapify(heap)
    if len(heap) == 1:
        lengths[heap[0][1]] = 1
    while len(heap) > 1:
        count_a, tie, a = heapq.heappop(heap)
        count_b, _, b = heapq.heappop(heap)
        for s in a + b:
            lengths[s] += 1
        heapq.heappush(heap, (count_a + count_b, tie, a + b))
    return lengths


def huffman_absent_symbols_too(counts):  # gives codes to symbols that never occur
    return huffman_code_lengths([c + 1 for c in counts])


def canonical_codes(lengths):
    codes = [0] * len(lengths)
    code, previous = 0, 0
    for s in sorted((s for s in range(len(lengths)) if lengths[s] > 0), key=lambda s: (lengths[s], s)):
        code <<= lengths[s] - previous
        codes[s] = code
        code, previous = code + 1, lengths[s]
    return codes


def canonical_codes_by_symbol(lengths):  # forgets to sort by length first
    codes = [0] * len(lengths)
    code, previous = 0, 0
    for s in (s for s in range(len(lengths)) if lengths[s] > 0):
        code <<= max(lengths[s] - previous, 0)
        codes[s] = code
        code, previous = code + 1, lengths[s]
    return codes


def canonical_codes_no_shift(lengths):  # counts up without shifting
    codes = [0] * len(lengths)
    for i, s in enumerate(sorted((s for s in range(len(lengths)) if lengths[s] > 0), key=lambda s: (lengths[s], s))):
        codes[s] = i
    return codes


def relative_gaps(positions, bits, longest_offset=0, start=-1):
    longest = 2**bits + longest_offset
    gaps, is_filler, previous = [], [], start
    for p in positions:
        gap = p - previous
        while gap > longest:
            gaps.append(longest)
            is_filler.append(True)
            gap -= longest
        gaps.append(gap)
        is_filler.append(False)
        previous = p
    return gaps, is_filler


def relative_gaps_short(positions, bits):  # the largest gap taken as 2**bits - 1
    return relative_gaps(positions, bits, longest_offset=-1)


def relative_gaps_from_zero(positions, bits):  # counts the first gap from position 0
    return relative_gaps(positions, bits, start=0)


def layer_bits(weight, bits, index_bits):
    positions = weight.flatten().nonzero().flatten().tolist()
    gaps, _ = relative_gaps(positions, index_bits)
    return len(gaps) * (bits + index_bits) + 2**bits * 32


def layer_bits_no_codebook(weight, bits, index_bits):
    return layer_bits(weight, bits, index_bits) - 2**bits * 32


def layer_bits_no_fillers(weight, bits, index_bits):
    return int(weight.count_nonzero()) * (bits + index_bits) + 2**bits * 32


# ---------------------------------------------------------------- 04: factorization


def rank_r_factors(weight, rank):
    U, S, Vh = torch.linalg.svd(weight, full_matrices=False)
    return U[:, :rank] * S[:rank], Vh[:rank]


def rank_r_factors_no_s(weight, rank):
    U, S, Vh = torch.linalg.svd(weight, full_matrices=False)
    return U[:, :rank], Vh[:rank]


def rank_r_factors_smallest(weight, rank):  # keeps the smallest singular values
    U, S, Vh = torch.linalg.svd(weight, full_matrices=False)
    return U[:, -rank:] * S[-rank:], Vh[-rank:]


def break_even_rank(n, m):
    return n * m / (n + m)


def break_even_rank_twice(n, m):  # counts the factors twice
    return n * m / (2 * (n + m))


def break_even_rank_half_min(n, m):
    return min(n, m) / 2


def factorized_linear(layer, rank, bias_first=False, bias_second=True):
    A, B = rank_r_factors(layer.weight.detach(), rank)
    first = nn.Linear(layer.in_features, rank, bias=bias_first)
    second = nn.Linear(rank, layer.out_features, bias=layer.bias is not None and bias_second)
    with torch.no_grad():
        first.weight.copy_(B)
        second.weight.copy_(A)
        if bias_first:
            first.bias.zero_()
        if second.bias is not None:
            second.bias.copy_(layer.bias)
    return nn.Sequential(first, second)


def factorized_linear_two_biases(layer, rank):
    return factorized_linear(layer, rank, bias_first=True)


def factorized_linear_no_bias(layer, rank):
    return factorized_linear(layer, rank, bias_second=False)


def rank_for_energy(singular_values, energy):
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    return int((kept >= energy - 1e-9).nonzero()[0]) + 1


def rank_for_energy_not_squared(singular_values, energy):
    kept = torch.cumsum(singular_values, 0) / singular_values.sum()
    return int((kept >= energy - 1e-9).nonzero()[0]) + 1


def rank_for_energy_strict(singular_values, energy):
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    return min(int((kept > energy).sum() and (kept > energy).nonzero()[0]) + 1, len(kept))


# ---------------------------------------------------------------- 05: structured pruning


def taylor_scores(z, grad):
    return (z * grad).mean(2).abs().mean(0)


def taylor_scores_abs_inside(z, grad):
    return (z * grad).abs().mean(2).mean(0)


def taylor_scores_mean_first(z, grad):
    return (z * grad).mean((0, 2)).abs()


def l2_normalize(scores):
    return scores / torch.sqrt((scores**2).sum())


def l2_normalize_sum(scores):
    return scores / scores.sum()


def l2_normalize_max(scores):
    return scores / scores.max()


def maps_to_remove(scores, count, per_layer=True, keep_last=True):
    norm = torch.cat(list(scores.values())).norm()
    ranked = sorted(
        (s, name, k)
        for name, layer in scores.items()
        for k, s in enumerate((layer / (layer.norm() if per_layer else norm)).tolist())
    )
    left = {name: len(layer) for name, layer in scores.items()}
    chosen = []
    for _, name, k in ranked:
        if len(chosen) < count and (left[name] > 1 or not keep_last):
            chosen.append((name, k))
            left[name] -= 1
    return chosen


def maps_to_remove_whole_net(scores, count):
    return maps_to_remove(scores, count, per_layer=False)


def maps_to_remove_empties_layers(scores, count):
    return maps_to_remove(scores, count, keep_last=False)


def remove_units(first, second, keep):
    kept = int(keep.sum())
    new_first, new_second = nn.Linear(first.in_features, kept), nn.Linear(kept, second.out_features)
    with torch.no_grad():
        new_first.weight.copy_(first.weight[keep])
        new_first.bias.copy_(first.bias[keep])
        new_second.weight.copy_(second.weight[:, keep])
        new_second.bias.copy_(second.bias)
    return new_first, new_second


def remove_units_keep_bias(first, second, keep):  # forgets to drop the removed units' biases
    a, b = remove_units(first, second, keep)
    a.bias = nn.Parameter(first.bias.detach().clone())
    return a, b


def remove_units_second_unchanged(first, second, keep):  # forgets the next layer's columns
    a, _ = remove_units(first, second, keep)
    return a, second


# ---------------------------------------------------------------- the table

EXERCISES = {  # check: (right answer, [wrong answers])
    "count_parameters": (count_parameters, [count_weights_only, count_linear_only]),
    "fp32_megabytes": (fp32_megabytes, [lambda n: n * 4 / 1e6, lambda n: n * 32 / 2**20]),
    "dram_energy_joules": (
        dram_energy_joules,
        [
            lambda n: n * papers.ENERGY_PJ["32-bit SRAM read"] * 1e-12,
            lambda n: n * papers.ENERGY_PJ["32-bit DRAM read"],
        ],  # noqa: E501
    ),
    "magnitude_mask": (
        magnitude_mask,
        [magnitude_mask_threshold_ge, magnitude_mask_threshold_gt, magnitude_mask_int_k, magnitude_mask_signed],
    ),
    "quality_mask": (quality_mask, [quality_mask_ge, quality_mask_std_of_abs, quality_mask_signed]),
    "global_masks": (global_masks, [global_masks_per_layer, global_masks_threshold_gt]),
    "pruned_sgd_step": (pruned_sgd_step, [pruned_sgd_step_no_mask, pruned_sgd_step_ascent]),
    "linear_init": (linear_init, [linear_init_symmetric, linear_init_no_endpoint]),
    "density_init": (density_init, [density_init_endpoints, density_init_no_interpolation]),
    "lloyd_step": (lloyd_step, [lloyd_step_empty_nan, lloyd_step_no_abs]),
    "compression_rate": (compression_rate, [compression_rate_no_codebook, compression_rate_k_not_log]),
    "codebook_gradient": (codebook_gradient, [codebook_gradient_mean, codebook_gradient_bincount]),
    "entropy_bits": (entropy_bits, [entropy_nats, entropy_with_zeros]),
    "huffman_code_lengths": (
        huffman_code_lengths,
        [huffman_lone_symbol_zero, huffman_largest_first, huffman_absent_symbols_too],
    ),
    "canonical_codes": (canonical_codes, [canonical_codes_by_symbol, canonical_codes_no_shift]),
    "relative_gaps": (relative_gaps, [relative_gaps_short, relative_gaps_from_zero]),
    "layer_bits": (layer_bits, [layer_bits_no_codebook, layer_bits_no_fillers]),
    "rank_r_factors": (rank_r_factors, [rank_r_factors_no_s, rank_r_factors_smallest]),
    "break_even_rank": (break_even_rank, [break_even_rank_twice, break_even_rank_half_min]),
    "factorized_linear": (factorized_linear, [factorized_linear_two_biases, factorized_linear_no_bias]),
    "rank_for_energy": (rank_for_energy, [rank_for_energy_not_squared, rank_for_energy_strict]),
    "taylor_scores": (taylor_scores, [taylor_scores_abs_inside, taylor_scores_mean_first]),
    "l2_normalize": (l2_normalize, [l2_normalize_sum, l2_normalize_max]),
    "maps_to_remove": (maps_to_remove, [maps_to_remove_whole_net, maps_to_remove_empties_layers]),
    "remove_units": (remove_units, [remove_units_keep_bias, remove_units_second_unchanged]),
}
WRONG = [(name, wrong) for name, (_, wrongs) in EXERCISES.items() for wrong in wrongs]


def test_every_check_is_tested():
    assert {name.removeprefix("check_") for name in checks.__all__ if name.startswith("check_")} == set(EXERCISES)
    assert len(EXERCISES) >= 24


@pytest.mark.parametrize("name", EXERCISES)
def test_right_answer_passes(name, capsys):
    result = getattr(checks, f"check_{name}")(EXERCISES[name][0])
    out, err = capsys.readouterr()
    assert result and result.status == "passed", err
    assert out == f"{name}: passed {result.cases} cases\n" and err == ""
    assert result.cases >= 5


@pytest.mark.parametrize("name, wrong", WRONG, ids=[f"{n}-{w.__name__}" for n, w in WRONG])
def test_wrong_answer_is_caught(name, wrong, capsys):
    result = getattr(checks, f"check_{name}")(wrong)
    out, err = capsys.readouterr()
    assert not result and result.status == "failed"
    assert out == "" and err.count("\n") == 1 and err.startswith(f"{name}: case ")  # one line, on stderr
    assert "Traceback" not in err


@pytest.mark.parametrize("name", EXERCISES)
def test_unanswered_is_not_done_yet(name, capsys):
    def unanswered(*args):
        raise NotImplementedError

    result = getattr(checks, f"check_{name}")(unanswered)
    out, err = capsys.readouterr()
    assert not result and result.status == "not done"
    assert (out, err) == ("", f"{name}: not done yet\n")


def test_a_crash_is_reported_not_raised(capsys):
    result = checks.check_magnitude_mask(lambda weight, sparsity: weight.no_such_method())
    assert not result and "raised AttributeError" in capsys.readouterr().err


def test_inputs_are_not_shared_with_the_student(capsys):
    """A function that changes its input in place is judged on the original input."""

    def zeroing(weight, sparsity):
        mask = magnitude_mask(weight, sparsity)
        weight.zero_()
        return mask

    assert checks.check_magnitude_mask(zeroing)


def test_the_solution_is_never_printed(capsys):
    """A failure shows input, expected vs got and a hint, never coursekit's code."""
    checks.check_huffman_code_lengths(huffman_largest_first)
    err = capsys.readouterr().err
    assert "expected" in err.lower() and "Hint:" in err and "def " not in err and "heappush" not in err
    assert len(list(itertools.chain(err.splitlines()))) == 1


def test_a_check_leaves_the_global_random_state_alone(capsys):
    """A notebook's later cells draw the same random numbers with or without an exercise."""
    torch.manual_seed(5)
    np.random.seed(5)
    expected = torch.rand(3), np.random.rand(3)
    torch.manual_seed(5)
    np.random.seed(5)
    for name, (right, _) in EXERCISES.items():
        getattr(checks, f"check_{name}")(right)
    assert torch.equal(torch.rand(3), expected[0]) and np.array_equal(np.random.rand(3), expected[1])


# ---------------------------------------------------------------- in Russian (coursekit.set_language("ru"))

ENGLISH_WORDS = re.compile(r"\b(Expected|expected|got|Hint|Input|case|passed|not done|returned|tensor of shape)\b")


@pytest.fixture
def russian():
    coursekit.set_language("ru")
    yield
    coursekit.set_language("en")


@pytest.mark.parametrize("name, wrong", WRONG, ids=[f"{n}-{w.__name__}" for n, w in WRONG])
def test_wrong_answer_is_caught_in_russian(name, wrong, capsys, russian):
    result = getattr(checks, f"check_{name}")(wrong)
    out, err = capsys.readouterr()
    assert not result and result.status == "failed"
    assert out == "" and err.count("\n") == 1 and err.startswith(f"{name}: случай ")
    assert "Подсказка: " in err or "Вход: " in err
    assert not ENGLISH_WORDS.search(err), f"English left in: {err}"


@pytest.mark.parametrize("name", ["magnitude_mask", "huffman_code_lengths", "remove_units"])
def test_passed_and_not_done_in_russian(name, capsys, russian):
    def unanswered(*args):
        raise NotImplementedError

    result = getattr(checks, f"check_{name}")(EXERCISES[name][0])
    assert result and capsys.readouterr() == (f"{name}: пройдено случаев: {result.cases}\n", "")
    assert not getattr(checks, f"check_{name}")(unanswered)
    assert capsys.readouterr() == ("", f"{name}: ещё не сделано\n")


def test_a_crash_is_reported_in_russian(capsys, russian):
    assert not checks.check_magnitude_mask(lambda weight, sparsity: weight.no_such_method())
    assert "вызвал исключение AttributeError" in capsys.readouterr().err
