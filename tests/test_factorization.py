"""Low-rank layers (truncated SVD, Eckart-Young), factorized networks, NNMF, the rank slider."""

import pytest
import torch
from torch import nn

from coursekit import factorization as F
from coursekit import models, network
from coursekit.experiments import baselines, load_json
from coursekit.experiments import factorization as results


def random_matrix(n=7, m=5, seed=0):
    return torch.randn(n, m, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("rank", [1, 2, 3, 4, 5])
def test_reconstruction_error_equals_tail_energy(rank):
    W = random_matrix()
    A, B = F.low_rank(W, rank)
    assert A.shape == (7, rank) and B.shape == (rank, 5)
    error = ((W - A @ B) ** 2).sum().item()
    assert error == pytest.approx(F.tail_energy(torch.linalg.svdvals(W), rank), rel=1e-10, abs=1e-12)


def test_hand_made_diagonal_matrix():
    W = torch.diag(torch.tensor([3.0, 2.0, 1.0]))
    A, B = F.low_rank(W, 2)
    assert torch.allclose(A @ B, torch.diag(torch.tensor([3.0, 2.0, 0.0])), atol=1e-6)
    assert F.tail_energy(torch.tensor([3.0, 2.0, 1.0]), 1) == 5.0  # 2^2 + 1^2


def test_full_rank_reproduces_the_matrix():
    W = random_matrix()
    A, B = F.low_rank(W, 5)
    assert torch.allclose(A @ B, W, atol=1e-12)


def test_break_even_rank():
    assert F.break_even_rank(784, 300) == pytest.approx(784 * 300 / 1084)  # 216.97
    assert F.break_even_rank(100, 100) == 50
    assert F.factorized_size(784, 300, 216) < 784 * 300 < F.factorized_size(784, 300, 217)
    assert F.factorized_size(100, 10, 10) > 100 * 10  # fc3 of LeNet-300-100: full rank is bigger


def test_rank_for_energy():
    S = torch.tensor([3.0, 2.0, 1.0])  # energies 9, 4, 1 of 14
    assert F.rank_for_energy(S, 9 / 14) == 1
    assert F.rank_for_energy(S, 0.7) == 2
    assert F.rank_for_energy(S, 1.0) == 3
    with pytest.raises(ValueError, match="fraction"):
        F.rank_for_energy(S, 1.5)


@pytest.mark.parametrize("rank", [0, 6, -1, 2.5])
def test_out_of_range_rank_is_a_clear_error(rank):
    with pytest.raises(ValueError, match=r"rank must be an integer in \[1, 5\]"):
        F.low_rank(random_matrix(), rank)


def test_factorize_linear_at_full_rank_matches_the_layer():
    torch.manual_seed(0)
    layer = nn.Linear(6, 4)
    two = F.factorize_linear(layer, 4)
    assert [type(m) for m in two] == [nn.Linear, nn.Linear]
    assert two[0].bias is None and two[0].weight.shape == (4, 6) and two[1].weight.shape == (4, 4)
    x = torch.randn(3, 6)
    assert torch.allclose(two(x), layer(x), atol=1e-5)
    assert network.count_parameters(F.factorize_linear(layer, 2)) == (6 + 4) * 2 + 4


def test_factorized_network_matches_dense_at_full_rank():
    dense = baselines.pretrained("lenet_300_100")
    full = F.factorize_network(dense, {"fc1": 300, "fc2": 100, "fc3": 10})
    x = torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(full(x), dense(x), atol=1e-4)
    assert isinstance(dense[1], nn.Linear)  # the original is left untouched


def test_factorize_network_rejects_a_conv_or_unknown_layer():
    with pytest.raises(ValueError, match="not nn.Linear"):
        F.factorize_network(models.lenet5(), {"conv2": 1})
    with pytest.raises(ValueError, match="no layer 'fc4'"):
        F.factorize_network(models.lenet_300_100(), {"fc4": 1})


def test_factorize_network_replaces_a_layer_inside_a_nested_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Sequential(nn.Flatten(), nn.Linear(12, 8)), nn.ReLU(), nn.Linear(8, 3))
    small = F.factorize_network(model, {"fc1": 2})
    assert isinstance(small[0][1], nn.Sequential) and small[0][1][0].weight.shape == (2, 12)
    assert small[2] is not model[2] and torch.equal(small[2].weight, model[2].weight)
    x = torch.randn(4, 3, 4)
    A, B = F.low_rank(model[0][1].weight, 2)
    assert torch.allclose(small(x), model[2](torch.relu(x.flatten(1) @ (A @ B).T + model[0][1].bias)), atol=1e-5)


def test_ranks_for_fraction_and_bytes():
    model = models.lenet_300_100()
    assert F.ranks_for_fraction(model, 0.1, ["fc1", "fc2"]) == {"fc1": 30, "fc2": 10}
    assert F.ranks_for_fraction(model, 0.001, ["fc1", "fc2"]) == {"fc1": 1, "fc2": 1}
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        F.ranks_for_fraction(model, 0, ["fc1"])
    ranks = {"fc1": 30, "fc2": 10}
    factorized = F.factorize_network(model, ranks)
    assert results.factorized_bytes(model, ranks) == 4 * network.count_parameters(factorized)
    assert network.count_parameters(factorized) == (784 + 300) * 30 + (300 + 100) * 10 + 300 + 100 + 1010


def test_spectra_are_the_singular_values_of_the_named_layers():
    model = models.lenet_300_100()
    spectra = F.spectra(model, ["fc2"])
    assert list(spectra) == ["fc2"] and spectra["fc2"].shape == (100,)
    assert torch.allclose(spectra["fc2"], torch.linalg.svdvals(model[3].weight.detach()))


def test_nnmf_shapes_and_mean_start():
    model = F.NNMF(5, 4, dim=2, dim_prime=3, hidden=6, mean=3.0)
    assert model.mlp[0].in_features == 2 + 2 + 3
    assert model(torch.tensor([0, 4]), torch.tensor([3, 1])).shape == (2,)


def test_observe_splits_disjoint_entries():
    matrix = F.latent_ratings(20, 10)
    (u, i, r), (tu, ti, tr) = F.observe(matrix, observed=0.5, test=0.2)
    assert len(r) == 80 and len(tr) == 20
    assert not set(zip(u.tolist(), i.tolist())) & set(zip(tu.tolist(), ti.tolist()))
    assert torch.equal(r, matrix[u, i])


def small_nnmf_run():
    matrix = F.latent_ratings(60, 40, seed=1)
    (u, i, r), test = F.observe(matrix, observed=0.5, seed=1)
    torch.manual_seed(0)
    model = F.NNMF(60, 40, dim=3, dim_prime=3, hidden=16, mean=r.mean().item())
    losses = F.fit_ratings(model, u, i, r, steps=150, lr=1e-2, l2=0.1)
    mean_rmse = ((test[2] - r.mean()) ** 2).mean().sqrt().item()
    return losses, F.rmse(model, *test), mean_rmse


def test_nnmf_beats_the_mean_and_trains_deterministically():
    losses, test_rmse, mean_rmse = small_nnmf_run()
    assert losses[-1] < 0.5 * losses[0]
    assert test_rmse < 0.9 * mean_rmse
    again = small_nnmf_run()
    assert again[0] == losses and again[1] == test_rmse


def test_fine_tuned_checkpoint_at_an_unknown_fraction_is_a_clear_error():
    with pytest.raises(ValueError, match="no fine-tuned checkpoint"):
        results.load_fine_tuned("lenet_300_100", 0.123)


def test_fine_tuned_checkpoint_gives_the_tables_error():
    from coursekit import train

    table = load_json("factorization", "lenet_300_100.json")
    row = next(r for r in table["rows"] if r["fraction"] == 0.05)
    net = results.load_fine_tuned("lenet_300_100", 0.05)
    assert network.count_parameters(net) == row["parameters"]
    assert train.evaluate(net) == row["error_fine_tuned"]


def test_svd_curve_keeps_only_the_points_smaller_than_dense():
    curve = results.svd_curve()
    table = load_json("factorization", "lenet_300_100.json")
    assert [p["fraction"] for p in curve] == [r["fraction"] for r in table["rows"] if r["bytes"] < table["dense_bytes"]]
    assert all(p["compression"] > 1 for p in curve) and curve[0]["compression"] > curve[-1]["compression"]


def test_missing_results_fail_and_name_the_command(monkeypatch, tmp_path):
    import coursekit.experiments as experiments

    monkeypatch.setattr(experiments, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce factorization"):
        results.load_fine_tuned("lenet_300_100", 0.1)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce factorization"):
        results.svd_curve()


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_learning_rate_and_rank_were_chosen_on_validation(name):
    """The fine-tuning rate is the lowest validation error among the candidates; the "chosen" rank is
    the smallest fine-tuned network within 0.1 points of dense on validation, reported on test."""
    table = load_json("factorization", f"{name}.json")
    tune = table["fine_tune"]
    assert tune["lr_val_errors"][str(tune["lr"])] == min(tune["lr_val_errors"].values())
    tuned = [r for r in table["rows"] if "error_fine_tuned" in r]
    assert any(r["fraction"] == tune["chosen_at_fraction"] and r["lr"] == tune["lr"] for r in tuned)
    for r in tuned:  # each fine-tuned rank: its own rate, the lowest validation error of the candidates
        assert set(r["lr_val_errors"]) == {str(lr) for lr in tune["lr_candidates"]}
        assert r["val_error_fine_tuned"] == r["lr_val_errors"][str(r["lr"])] == min(r["lr_val_errors"].values())
    fits = [r for r in tuned if r["val_error_fine_tuned"] <= table["baseline_val_error"] + 0.001 + 1e-9]
    chosen = table["chosen"]
    if not fits:
        assert chosen["fraction"] is None and chosen["met"] is False
        return
    row = min(fits, key=lambda r: r["bytes"])
    assert chosen["fraction"] == row["fraction"] and chosen["test_error"] == row["error_fine_tuned"]
    within = round(10_000 * row["error_fine_tuned"]) - round(10_000 * table["baseline_error"]) <= 10
    assert chosen["met"] is within
