"""Structured pruning (notebook 05): surgery, criteria, oracle, its results, the slider."""

import copy

import pytest
import torch

from coursekit import experiments, models, network, structured, widgets
from coursekit.data import load_mnist
from coursekit.experiments import structured as experiment

UNITS = experiment.UNITS

REMOVED = {"lenet5": {0: [0, 3, 7], 2: [1, 2, 10, 49]}, "lenet_300_100": {1: [0, 5, 299], 3: [4, 99]}}


def masked_network(name):
    torch.manual_seed(0)
    model = structured.add_masks(models.build(name), UNITS[name]).eval()
    for layer, maps in REMOVED[name].items():
        for k in maps:
            structured.remove_map(model[layer], k)
    return model


def test_flops_match_the_papers_tables():
    assert network.flops(models.lenet5()) == 4_586_000  # LWC Table 3: 576K + 3200K + 800K + 10K
    assert network.flops(models.lenet_300_100()) == 532_400  # LWC Table 2: 532K


@pytest.mark.parametrize("name", ["lenet5", "lenet_300_100"])
def test_surgery_gives_the_masked_networks_outputs(name):
    model = masked_network(name)
    small = structured.shrink(model)
    x = torch.randn(16, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(small(x), model(x))
        torch.testing.assert_close(structured.from_state(models.build(name), small.state_dict())(x), model(x))
    for layer, maps in REMOVED[name].items():
        assert small[layer].weight.shape[0] == model[layer].weight.shape[0] - len(maps)
    assert network.flops(model) == network.flops(models.build(name))  # masks save nothing
    assert network.flops(small) < network.flops(model)
    assert not any(n.endswith("_mask") for n, _ in small.named_buffers())  # a plain network


def test_surgery_of_lenet5_by_hand():
    small = structured.shrink(masked_network("lenet5"))
    assert small[0].weight.shape == (17, 1, 5, 5)
    assert small[2].weight.shape == (46, 17, 5, 5)
    assert small[5].weight.shape == (500, 46 * 4 * 4)
    # FLOPs of the conv 17@24x24, conv 46@8x8 from 17 maps, fc 736 -> 500, fc 500 -> 10
    assert network.flops(small) == 2 * (17 * 576 * 25 + 46 * 64 * 17 * 25 + 736 * 500 + 500 * 10)


def test_taylor_on_a_hand_made_example():
    # 2 examples x 2 maps x 2 positions
    z = torch.tensor([[[1.0, 2.0], [1.0, 1.0]], [[0.0, 4.0], [2.0, 2.0]]])
    grad = torch.tensor([[[3.0, -1.0], [1.0, 1.0]], [[1.0, 1.0], [-1.0, -1.0]]])
    # map 0: |(3 - 2)/2| = 0.5 and |(0 + 4)/2| = 2 -> 1.25
    # map 1: |(1 + 1)/2| = 1 and |(-2 - 2)/2| = 2 -> 1.5 (absolute value per example, then the mean)
    torch.testing.assert_close(structured.taylor(z, grad), torch.tensor([1.25, 1.5]))
    torch.testing.assert_close(structured.l2_normalize(torch.tensor([3.0, 4.0])), torch.tensor([0.6, 0.8]))
    torch.testing.assert_close(structured.apoz(z), torch.tensor([0.25, 0.0]))
    torch.testing.assert_close(structured.mean_activation(-z), torch.tensor([1.75, 1.5]))


def test_min_weight_on_a_hand_made_layer():
    layer = torch.nn.Linear(2, 2)
    layer.weight.data = torch.tensor([[1.0, 3.0], [0.0, -2.0]])
    torch.testing.assert_close(structured.min_weight(layer), torch.tensor([5.0, 2.0]))


def test_oracle_agrees_with_a_direct_loss_difference():
    images, labels = load_mnist("test")
    images, labels = images[:200], labels[:200]
    for name in ["lenet5", "lenet_300_100"]:
        torch.manual_seed(1)
        model = models.build(name).eval()
        oracle = structured.oracle(model, UNITS[name], images, labels)
        base = structured.loss(model, images, labels)
        for unit, (layer, _) in UNITS[name].items():
            for k in [0, 7]:
                pruned = structured.add_masks(copy.deepcopy(model), UNITS[name])
                structured.remove_map(pruned[layer], k)
                direct = abs(structured.loss(pruned, images, labels) - base)
                assert oracle[unit][k].item() == pytest.approx(direct, rel=1e-4, abs=1e-7)


def test_lowest_maps_never_empties_a_layer():
    model = structured.add_masks(models.build("lenet_300_100"), UNITS["lenet_300_100"])
    for k in range(99):
        structured.remove_map(model[3], k)
    scores = {"fc1": torch.ones(300), "fc2": torch.zeros(100)}  # fc2 looks useless, but one map must stay
    chosen = structured.lowest_maps(model, UNITS["lenet_300_100"], scores, 3)
    assert len(chosen) == 3 and all(unit == "fc1" for unit, _ in chosen)


def test_one_pruning_step_removes_the_maps_and_records_the_cost():
    history = experiment.prune_iteratively(
        "lenet_300_100", "weight", steps=1, maps_per_step=5, finetune_steps=2, test_images=100
    )
    assert sum(history[1]["kept"].values()) == 400 - 5
    assert history[0]["flops"] == 532_400 and history[1]["flops"] < 532_400


def test_prune_iteratively_on_any_network_and_data():
    """The method takes a model, its units, data and callables: no model name, no MNIST."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
    images, labels = torch.randn(32, 4), torch.randint(0, 3, (32,))
    tuned = []
    history = structured.prune_iteratively(
        model, {"hidden": (0, 1)}, images, labels, "weight", steps=2, maps_per_step=2,
        fine_tune=lambda m, step: tuned.append(step), test_error=lambda network: 0.5,
    )  # fmt: skip
    assert [p["kept"] for p in history] == [{"hidden": 6}, {"hidden": 4}, {"hidden": 2}]
    assert [p["flops"] for p in history] == [2 * (24 + 18), 2 * (16 + 12), 2 * (8 + 6)] and tuned == [0, 1]
    x = torch.randn(5, 4)
    with torch.no_grad():
        torch.testing.assert_close(history[-1]["network"](x), model(x))


def test_slider_extremes_and_out_of_range():
    panel = widgets.structured_panel()
    full = panel.update(kept=1.0)
    assert full["step"] == 0 and full["kept"] == {"conv1": 20, "conv2": 50} and full["flops"] == 4_586_000
    points = experiment.load("trajectories")["lenet5"]["taylor"]
    lowest = sum(points[-1]["kept"].values()) / 70
    last = panel.update(kept=lowest)
    assert last["step"] == len(points) - 1 and last["flops"] == points[-1]["flops"]
    for bad in [1.01, lowest - 0.01, -1]:
        with pytest.raises(ValueError, match="fraction of feature maps kept must be between"):
            panel.update(kept=bad)


def test_the_rebuilt_lenet5_is_a_plain_smaller_network():
    rebuilt = experiment.load("lenet5_pruned")
    info = experiment.load("trajectories")["payoff"]
    assert rebuilt[0].out_channels == info["kept"]["conv1"] and rebuilt[2].out_channels == info["kept"]["conv2"]
    assert isinstance(rebuilt, torch.nn.Sequential) and rebuilt(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_the_committed_results_are_all_there():
    compared = experiment.load("criteria")
    assert compared["images"] == experiment.ORACLE_IMAGES
    trajectories = experiment.load("trajectories")
    for name, units in UNITS.items():
        assert set(compared[name]) == set(units)
        for points in trajectories[name].values():
            assert len(points) == experiment.SCHEDULE[name]["steps"] + 1


@pytest.mark.parametrize("what", ["criteria", "trajectories", "lenet5_pruned"])
def test_missing_precomputed_file_is_a_clear_error(monkeypatch, tmp_path, what):
    monkeypatch.setattr(experiments, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce structured"):
        experiment.load(what)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce structured"):
        widgets.structured_panel()


def test_corrupt_precomputed_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(experiments, "DATA", tmp_path)
    (tmp_path / "structured").mkdir()
    (tmp_path / "structured" / "trajectories.json").write_text('{"lenet5": ')
    (tmp_path / "structured" / "lenet5_pruned.safetensors").write_bytes(b"\x00" * 10)
    for what in ["trajectories", "lenet5_pruned"]:
        with pytest.raises(ValueError, match="unreadable.*coursekit.reproduce structured"):
            experiment.load(what)


def test_flops_regularization_removes_maps_of_the_costly_layer_first():
    model = structured.add_masks(models.build("lenet5"), UNITS["lenet5"])
    cost = structured.map_mflops(model, UNITS["lenet5"])  # conv1: (576K + 3200K) / 20 maps, conv2: (3200K + 800K) / 50
    assert cost == pytest.approx({"conv1": 0.1888, "conv2": 0.08})
    scores = {"conv1": torch.ones(20), "conv2": torch.ones(50)}  # normalized: 0.224 and 0.141
    assert {u for u, _ in structured.lowest_maps(model, UNITS["lenet5"], scores, 3)} == {"conv2"}
    assert {u for u, _ in structured.lowest_maps(model, UNITS["lenet5"], scores, 3, flops_weight=1.0)} == {"conv1"}


def test_map_mflops_after_removing_maps_by_hand():
    model = masked_network("lenet5")  # conv1 keeps 17 maps, conv2 46
    cost = structured.map_mflops(model, UNITS["lenet5"])
    conv1, conv2, fc1 = 2 * 17 * 576 * 25, 2 * 46 * 64 * 17 * 25, 2 * 736 * 500
    assert cost == pytest.approx({"conv1": (conv1 + conv2) / 17 / 1e6, "conv2": (conv2 + fc1) / 46 / 1e6})


def test_the_rebuilt_lenet5_was_chosen_on_validation():
    """The payoff step: the last Taylor step whose validation error is within the tolerance of the
    start's (the drawn test errors never choose); the file's errors are the recorded ones."""
    from coursekit import train

    trajectories = experiment.load("trajectories")
    taylor, info = trajectories["lenet5"]["taylor"], trajectories["payoff"]
    start = taylor[0]["val_error"]
    fits = [i for i, p in enumerate(taylor) if p["val_error"] <= start + experiment.PAYOFF_TOLERANCE]
    assert info["step"] == max(fits)
    rebuilt = experiment.load("lenet5_pruned")
    assert train.evaluate(rebuilt) == pytest.approx(info["test_error"], abs=1e-6)
    assert train.evaluate(rebuilt, "val") == pytest.approx(info["val_error"], abs=1e-6)
    assert info["test_error_se"] == pytest.approx((info["test_error"] * (1 - info["test_error"]) / 10_000) ** 0.5)
