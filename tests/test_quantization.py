"""Weight sharing by k-means and trained quantization (coursekit.quantization)."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from coursekit import kmeans_fast
from coursekit import quantization as q
from coursekit.experiments import quantization as results

KMEANS = {"plain": q.kmeans_1d, "fast": kmeans_fast.kmeans_1d}


def brute_force_kmeans(x, k):
    """Optimal 1-D k-means by trying every split of the sorted values into k contiguous runs."""
    x = np.sort(np.asarray(x, dtype=np.float64))
    best = (np.inf, None)
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        runs = np.split(x, cuts)
        best = min(best, (sum(((r - r.mean()) ** 2).sum() for r in runs), [r.mean() for r in runs]))
    return best


def small_inputs(seed, n=9):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=n))


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("init", q.INITS)
def test_kmeans_is_a_lloyd_fixed_point(kmeans, seed, init):
    """Each value goes to its nearest centroid, each used centroid is the mean of its cluster."""
    x = small_inputs(seed)
    codebook, indices = kmeans(x, 3, init, seed)
    distances = (x[:, None] - codebook.double()[None, :]).abs()
    assert torch.allclose(distances[torch.arange(len(x)), indices], distances.min(1).values)
    for j in indices.unique():
        assert codebook[j].item() == pytest.approx(x[indices == j].mean().item(), abs=1e-6)
    assert torch.all(codebook[1:] >= codebook[:-1])


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
@pytest.mark.parametrize("seed", range(6))
def test_kmeans_against_brute_force_optimum(kmeans, seed):
    """Lloyd's method finds a local optimum: never below the global one (found by brute force),
    and started at the global optimum it stays there."""
    x = small_inputs(seed)
    for k in (2, 3, 4):
        best, centroids = brute_force_kmeans(x, k)
        codebook, indices = kmeans(x, k, "kmeans++", seed)
        assert q.inertia(x, codebook, indices) >= best - 1e-9
        codebook, indices = kmeans(x, k, torch.tensor(centroids))
        assert q.inertia(x, codebook, indices) == pytest.approx(best, rel=1e-6)
        assert np.allclose(codebook, centroids, atol=1e-6)


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
def test_kmeans_reaches_the_optimum_on_this_example(kmeans):
    x = torch.tensor([0.0, 0.1, 0.2, 5.0, 5.1, 9.0, 9.5, 10.0, 20.0])
    codebook, indices = kmeans(x, 4, "kmeans++")
    assert q.inertia(x, codebook, indices) == pytest.approx(brute_force_kmeans(x, 4)[0])
    assert indices.tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 3]


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
def test_kmeans_on_separated_groups_finds_them_from_every_init(kmeans):
    x = torch.tensor([-5.0, -5.2, -4.9, 0.1, 0.0, -0.1, 7.0, 7.3])
    for init in q.INITS:
        codebook, indices = kmeans(x, 3, init)
        assert torch.allclose(codebook, torch.tensor([-5.1 + 0.2 / 3, 0.0, 7.15]), atol=1e-5), init
        assert indices.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
@pytest.mark.parametrize("init", q.INITS)
def test_more_clusters_than_distinct_values_is_exact(kmeans, init):
    x = torch.tensor([1.0, 2.0, 2.0, 3.0, 1.0, 3.0])
    codebook, indices = kmeans(x, 8, init)
    assert len(codebook) == 8
    assert torch.equal(codebook[indices], x)
    assert q.inertia(x, codebook, indices) == 0


@pytest.mark.parametrize("init", q.INITS)
def test_constant_layer(init):
    weight = torch.full((4, 5), 0.25)
    codebook, indices = q.quantize_layer(weight, 2, init)
    assert indices.shape == (4, 5)
    assert torch.equal(codebook[indices], weight)


def test_all_zero_layer_stays_zero():
    """Nothing to share: every index is 0 and the codebook is all zeros, so the layer decodes to
    zeros (the mask of ``share_weights_`` is not needed for that)."""
    codebook, indices = q.quantize_layer(torch.zeros(3, 3), 4)
    assert indices.shape == (3, 3) and len(codebook) == 16
    assert torch.equal(codebook[indices], torch.zeros(3, 3))
    layer = nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        layer.weight.zero_()
    q.share_weights_(layer, 2)
    assert torch.equal(layer.weight, torch.zeros(3, 3))


def test_init_functions_by_hand():
    x = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    assert np.allclose(q.init_linear(x, 3), [0.0, 5.0, 10.0])
    assert np.allclose(q.init_density(x, 2), np.quantile(x, [0.25, 0.75]))
    assert set(q.init_random(x, 5)) == set(x)  # without replacement: every weight once
    assert set(q.init_kmeanspp(x, 5)) == set(x)  # each new centroid is a weight not yet chosen
    with pytest.raises(ValueError, match="unknown init"):
        q.init_centroids(x, 2, "uniform")


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [2, 5, 16, 40])
def test_fast_kmeanspp_matches_the_plain_algorithm(seed, k):
    """The prefix-sum shortcuts (cells, O(1) sums of squares) pick exactly the plain algorithm's
    centroids. (Two candidates with exactly equal gains, likely once cells hold 2-3 values, may be
    ordered differently by rounding: hence hundreds of values for at most 40 centroids.)"""
    rng = np.random.default_rng(seed)
    values = np.sort(np.concatenate([rng.normal(size=300), rng.normal(3, 0.1, size=100), np.full(20, -2.0)]))
    fast, plain = kmeans_fast.init_kmeanspp(values, k, seed), q.init_kmeanspp(values, k, seed)
    assert np.array_equal(np.sort(fast), np.sort(plain))


def test_kmeanspp_with_more_clusters_than_values_repeats_the_largest():
    values = np.array([-1.0, -1.0, 0.5, 2.0, 2.0])
    fast, plain = np.sort(kmeans_fast.init_kmeanspp(values, 5)), np.sort(q.init_kmeanspp(values, 5))
    assert np.array_equal(fast, plain)
    assert np.array_equal(np.unique(plain), [-1.0, 0.5, 2.0]) and plain[-1] == plain[-2] == 2.0


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("init", q.INITS)
def test_fast_kmeans_matches_the_plain_loop(seed, init):
    """``kmeans_fast.kmeans_1d`` gives the plain Lloyd loop's clusters on random inputs: the same
    indices, the same centroids up to rounding (means from prefix sums vs. direct means)."""
    rng = np.random.default_rng(seed)
    n, k = [(50, 2), (300, 5), (1000, 16), (2000, 64)][seed % 4]
    x = torch.from_numpy(rng.standard_t(3, size=n).astype(np.float32))  # heavy tails, like weights
    plain_codebook, plain_indices = q.kmeans_1d(x, k, init, seed)
    fast_codebook, fast_indices = kmeans_fast.kmeans_1d(x, k, init, seed)
    assert torch.equal(fast_indices, plain_indices)
    assert torch.allclose(fast_codebook, plain_codebook, rtol=1e-6, atol=1e-7)


def test_run_cost_is_the_sum_of_squares():
    values = np.sort(np.random.default_rng(0).normal(size=30))
    sums = kmeans_fast._prefix_sums(values)
    for lo, hi, c in [(0, 30, 0.3), (4, 9, -1.0), (7, 7, 2.0), (29, 30, values[29])]:
        assert kmeans_fast._run_cost(sums, lo, hi, c) == pytest.approx(((values[lo:hi] - c) ** 2).sum(), abs=1e-12)


@pytest.mark.parametrize("kmeans", KMEANS.values(), ids=KMEANS)
def test_kmeans_starting_centroids_must_number_k(kmeans):
    with pytest.raises(ValueError, match="expected k = 3"):
        kmeans(torch.arange(10.0), 3, torch.tensor([0.0, 5.0]))


@pytest.mark.parametrize("bits", range(1, 9))
@pytest.mark.parametrize("init", q.INITS)
def test_b_bits_give_at_most_2_to_the_b_values_and_keep_zeros(bits, init):
    weight = torch.from_numpy(np.random.default_rng(bits).normal(size=(40, 30))).float()
    weight[weight.abs() < 0.5] = 0  # "pruned"
    codebook, indices = q.quantize_layer(weight, bits, init)
    fast_codebook, fast_indices = q.quantize_layer(weight, bits, init, kmeans=kmeans_fast.kmeans_1d)
    assert torch.equal(fast_indices, indices) and torch.allclose(fast_codebook, codebook, rtol=1e-6)
    quantized = codebook[indices] * (weight != 0)
    assert len(codebook) == 2**bits and indices.max() < 2**bits
    assert len(quantized[weight != 0].unique()) <= 2**bits
    assert torch.all(quantized[weight == 0] == 0)


@pytest.mark.parametrize("bits", [0, 9, 2.5, "4", True])
def test_out_of_range_bits_is_a_clear_error(bits):
    with pytest.raises(ValueError, match="bits must be an integer from 1 to 8"):
        q.quantize_layer(torch.ones(3), bits)


def test_compression_rate_paper_example():
    assert q.compression_rate(16, 4) == pytest.approx(3.2)  # DC Eq. 1: 16*32 / (16*2 + 4*32)
    assert q.compression_rate(1_000_000, 2, b=32) == pytest.approx(32, rel=1e-4)  # codebook vanishes
    with pytest.raises(ValueError):
        q.compression_rate(0, 4)


def test_summed_gradient_rule_by_hand():
    """DC Eq. 3 on Fig. 3's idea: a 2x2 layer, 2 shared values, one pruned weight."""
    layer = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 1.2]]))  # 0.0 is pruned
    q.share_weights_(layer, bits=1, init="linear")
    assert torch.allclose(q.codebook(layer), torch.tensor([-1.0, 1.1]))
    assert torch.allclose(layer.weight, torch.tensor([[1.1, -1.0], [0.0, 1.1]]))
    x = torch.tensor([[2.0, 3.0]])
    layer(x).sum().backward()
    # dL/dW_ij = x_j for every weight; cluster 0 = {W01} -> 3; cluster 1 = {W00, W11} -> 2 + 3.
    assert torch.allclose(q.codebook(layer).grad, torch.tensor([3.0, 5.0]))
    with torch.no_grad():
        q.codebook(layer).sub_(q.codebook(layer).grad)
    assert layer.weight[1, 0].item() == 0  # the pruned weight stays zero after a step


def test_trained_model_only_trains_the_codebooks():
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
    q.quantize_model_(model, fc_bits=2)
    shapes = sorted(tuple(p.shape) for p in model.parameters())
    assert shapes == [(3,), (4,), (4,), (4,)]  # two biases, two codebooks of 4 values


def test_linear_quantization_levels():
    w = torch.tensor([0.0, -1.0, -0.4, 0.1, 1.0, 0.6])
    out = q.linear_quantize(w, 1)  # 2 levels: -1 and 1
    assert out.tolist() == [0.0, -1.0, -1.0, 1.0, 1.0, 1.0]
    out = q.linear_quantize(w, 2)  # 4 levels: -1, -1/3, 1/3, 1
    assert torch.allclose(out, torch.tensor([0.0, -1.0, -1 / 3, 1 / 3, 1.0, 1 / 3]))


# ---------------------------------------------------------------- precomputed results (needs data/quantization/)


@pytest.mark.parametrize("model", ["lenet_300_100", "lenet5"])
def test_the_fine_tuned_settings_are_all_there(model):
    table = results.load_results(model)
    settings = (
        [(32, fc, init) for fc in range(1, 9) for init in q.INITS]
        if model == "lenet_300_100"
        else [(conv, fc, "linear") for conv, fc in results.LENET5_FINE_TUNED]
    )
    for conv, fc, init in settings:
        row = table["configs"][results.config_key(conv, fc, init)]
        quantized = {layer for layer in table["layers"] if (conv if layer.startswith("conv") else fc) < 32}
        assert 0 <= row["finetuned_error"] < 1 and set(row["finetuned_codebooks"]) == quantized


def test_fine_tuned_checkpoint_reloads_to_its_recorded_error():
    from coursekit import train

    model = results.load_fine_tuned("lenet_300_100", fc_bits=2, init="linear")
    recorded = results.load_results("lenet_300_100")["configs"][results.config_key(32, 2, "linear")]["finetuned_error"]
    assert train.evaluate(model) == pytest.approx(recorded, abs=3e-4)  # 3 of 10,000 images
    assert len(q.codebook(model[1])) == 4
    with pytest.raises(ValueError, match="no fine-tuned checkpoint"):
        results.load_fine_tuned("lenet_300_100", fc_bits=2, init="linear", conv_bits=4)


def test_missing_results_fail_with_the_command_that_makes_them(monkeypatch, tmp_path):
    """A missing data file is an error naming the command that regenerates it, never a skip."""
    import coursekit.experiments as experiments

    monkeypatch.setattr(experiments, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce quantization"):
        results.load_results("lenet_300_100")
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce quantization"):
        results.load_fine_tuned("lenet_300_100", fc_bits=2)


def test_best_tradeoffs_keeps_the_lower_envelope():
    points = [(3.0, 1.8), (1.0, 2.5), (2.0, 2.6), (1.5, 2.0), (2.5, 1.9)]
    assert results.best_tradeoffs(points) == [(1.0, 2.5), (1.5, 2.0), (2.5, 1.9), (3.0, 1.8)]


@pytest.mark.parametrize("model", ["lenet_300_100", "lenet5"])
def test_the_codebooks_learning_rate_was_chosen_on_validation(model):
    table = results.load_results(model)
    tune = table["finetune"]
    assert tune["lr_val_errors"][str(tune["lr"])] == min(tune["lr_val_errors"].values())
    assert set(tune["lr_val_errors"]) == {str(lr) for lr in results.FINE_TUNE[model]["lr_candidates"]}
    tuned = [row for row in table["configs"].values() if row.get("finetuned_error") is not None]
    assert tuned and all(0 <= row["finetuned_val_error"] < 1 for row in tuned)


def test_the_smallest_model_within_the_tolerance_is_chosen_on_validation():
    """results["goal"]: the smallest pruned + quantized LeNet-300-100 whose VALIDATION error is at
    most 0.1 points above the baseline's; its test error and the verdict follow from the rows."""
    table = results.load_results("lenet_300_100")
    goal = table["goal"]
    rows = [r for key, r in table["pruned"].items() if key.endswith("/linear")]
    fits = [r for r in rows if r["finetuned_val_error"] <= table["baseline_val_error"] + 0.001 + 1e-9]
    if not fits:
        assert goal["size_percent"] is None and goal["met"] is False
        return
    smallest = min(fits, key=lambda r: r["bits"])
    assert goal["size_percent"] == pytest.approx(100 * smallest["bits"] / table["dense_bits"])
    assert goal["test_error"] == smallest["finetuned_error"] and goal["val_error"] == smallest["finetuned_val_error"]
    within = round(10_000 * goal["test_error"]) - round(10_000 * table["baseline_error"]) <= 10
    assert goal["met"] is within
    assert goal["test_error_se"] == pytest.approx((goal["test_error"] * (1 - goal["test_error"]) / 10_000) ** 0.5)
    assert results.fig6_curves(table, "val").keys() == results.fig6_curves(table).keys()
