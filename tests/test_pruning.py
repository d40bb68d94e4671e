"""Magnitude pruning (coursekit.pruning), its results (coursekit.experiments.pruning) and the
live pruning panel (tests/test_live_panels.py)."""

import json

import pytest
import torch
import torchvision
from safetensors.torch import save_file
from torch import nn
from torch.nn.utils import prune

from coursekit import experiments, integrity, models, network, pruning, train
from coursekit.experiments import baselines
from coursekit.experiments import pruning as experiment
from coursekit.experiments import quantization as quantization_experiments


def tiny_net(w1, w2):
    """Linear(2 -> 2) then Linear(2 -> 1), with the given weights (layers fc1, fc2)."""
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(w1))
        net[2].weight.copy_(torch.tensor(w2))
    return net


# --- masks on hand-made tensors ----------------------------------------------------------------


def test_smallest_mask_removes_the_k_smallest():
    scores = torch.tensor([[3.0, 1.0], [0.5, 2.0]])
    assert torch.equal(pruning.smallest_mask(scores, 0.5), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))


def test_smallest_mask_ties_are_broken_by_position():
    assert pruning.smallest_mask(torch.ones(4), 0.5).tolist() == [0, 0, 1, 1]
    assert pruning.smallest_mask(torch.tensor([2.0, 1.0, 2.0, 1.0, 2.0]), 0.6).tolist() == [0, 0, 1, 0, 1]


def test_smallest_mask_extremes_and_empty_layer():
    scores = torch.tensor([0.3, 0.1, 0.2])
    assert pruning.smallest_mask(scores, 0).tolist() == [1, 1, 1]
    assert pruning.smallest_mask(scores, 1).tolist() == [0, 0, 0]
    assert pruning.smallest_mask(torch.empty(0, 5), 0.5).shape == (0, 5)


@pytest.mark.parametrize("bad", [-0.1, 1.01, 90])
def test_sparsity_out_of_range_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="fraction in \\[0, 1\\]"):
        pruning.smallest_mask(torch.ones(3), bad)


def test_sparsity_threshold_is_the_kth_smallest():
    scores = torch.tensor([4.0, 1.0, 3.0, 2.0])
    assert pruning.sparsity_threshold(scores, 0.5) == 2.0
    assert pruning.sparsity_threshold(scores, 0) == float("-inf")
    assert pruning.threshold_mask(scores, 2.0).tolist() == [1, 0, 1, 0]


def test_std_threshold_quality_times_std():
    w = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])  # sample std = sqrt(10 / 4) = 1.5811
    assert pruning.std_threshold(w, 1.0) == pytest.approx(1.5811, abs=1e-4)
    assert pruning.threshold_mask(w, pruning.std_threshold(w, 1.0)).tolist() == [1, 0, 0, 0, 1]
    net = tiny_net([[0.1, -3.0], [2.0, 0.2]], [[1.0, -0.1]])
    assert pruning.std_masks(net, 0.5)["fc1"].tolist() == [[0, 1], [1, 0]]


def test_layerwise_and_global_masks():
    net = tiny_net([[0.1, -3.0], [2.0, 0.2]], [[1.0, -0.15]])
    layer = pruning.layerwise_masks(net, 0.5)
    assert layer["fc1"].tolist() == [[0, 1], [1, 0]] and layer["fc2"].tolist() == [[1, 0]]
    # one threshold for all six weights: the three smallest magnitudes are 0.1, 0.15, 0.2
    both = pruning.global_masks(net, 0.5)
    assert both["fc1"].tolist() == [[0, 1], [1, 0]] and both["fc2"].tolist() == [[1, 0]]
    assert pruning.layerwise_masks(net, {"fc2": 1.0})["fc1"].tolist() == [[1, 1], [1, 1]]
    with pytest.raises(ValueError, match="unknown layers"):
        pruning.layerwise_masks(net, {"conv1": 0.5})


def test_global_masks_match_torch_global_unstructured():
    torch.manual_seed(0)
    ours, theirs = models.lenet_300_100(), models.lenet_300_100()
    theirs.load_state_dict(ours.state_dict())
    masks = pruning.global_masks(ours, 0.8)
    prune.global_unstructured(
        [(m, "weight") for m in network.layers(theirs).values()], prune.L1Unstructured, amount=0.8
    )
    assert all(torch.equal(masks[name], mask) for name, mask in pruning.masks(theirs).items())


def test_layerwise_masks_match_torch_l1_unstructured():
    """Without ties (random weights), each layer's mask is ``prune.l1_unstructured``'s, amount = sparsity."""
    torch.manual_seed(0)
    ours, theirs = models.lenet5(), models.lenet5()
    theirs.load_state_dict(ours.state_dict())
    masks = pruning.layerwise_masks(ours, 0.7)
    for module in network.layers(theirs).values():
        prune.l1_unstructured(module, "weight", amount=0.7)
    for name, mask in pruning.masks(theirs).items():
        assert torch.equal(masks[name], mask), name
        assert int((mask == 0).sum()) == round(0.7 * mask.numel())


def test_prune_and_retrain_prunes_then_calls_retrain_each_round():
    net = tiny_net([[0.1, -3.0], [2.0, 0.2]], [[1.0, -0.15]])
    seen = []
    retrain = lambda model, step: seen.append((step, dict(network.nonzero_weights(model))))
    schedule = pruning.geometric_schedule({"fc1": 0.75, "fc2": 0.5}, 2)
    assert schedule[-1] == pytest.approx({"fc1": 0.75, "fc2": 0.5})
    assert schedule[0] == pytest.approx({"fc1": 0.5, "fc2": 1 - 0.5**0.5})  # kept: 1 -> 1/2 -> 1/4
    steps = list(pruning.prune_and_retrain(net, schedule, retrain))
    assert [s for s, _ in steps] == schedule and steps[-1][1] is net
    # retrain sees the model already pruned: fc1 keeps 2 of 4 then 1 of 4; fc2 keeps 1 of 2 (0.29 x 2 rounds to 1)
    assert seen == [(0, {"fc1": (2, 4), "fc2": (1, 2)}), (1, {"fc1": (1, 4), "fc2": (1, 2)})]


# --- masks hold through training -----------------------------------------------------------------


def test_masks_hold_through_sgd_with_momentum_and_weight_decay():
    torch.manual_seed(0)
    net = models.lenet_300_100()
    pruning.apply_masks(net, pruning.layerwise_masks(net, 0.9))
    masks = pruning.masks(net)
    before = network.weights(net)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    for _ in range(5):
        loss = nn.functional.cross_entropy(net(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        for name, w in network.weights(net).items():
            assert (w[masks[name] == 0] == 0).all(), f"a pruned weight of {name} came back"
    after = network.weights(net)
    assert not torch.equal(before["fc1"], after["fc1"]), "the surviving weights should have trained"
    pruning.make_permanent(net)
    assert network.nonzero_weights(net)["fc1"] == (23520, 235200)


def test_apply_masks_twice_replaces_the_mask():
    net = tiny_net([[0.1, -3.0], [2.0, 0.2]], [[1.0, -0.15]])
    pruning.apply_masks(net, pruning.layerwise_masks(net, 0.25))
    pruning.apply_masks(net, pruning.layerwise_masks(net, 0.5))
    assert pruning.masks(net)["fc1"].tolist() == [[0, 1], [1, 0]]
    assert network.nonzero_weights(net) == {"fc1": (2, 4), "fc2": (1, 2)}


# --- storage and counting --------------------------------------------------------------------------


def test_sparse_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    net = models.lenet_300_100()
    pruning.apply_masks(net, pruning.global_masks(net, 0.9))
    pruning.save_sparse(net, tmp_path / "net.safetensors", "lenet_300_100", info={"note": "test"})
    back = pruning.load_sparse(tmp_path / "net.safetensors", keep_masks=True)
    assert all(torch.equal(a, b) for a, b in zip(network.weights(net).values(), network.weights(back).values()))
    assert all(torch.equal(a, b) for a, b in zip(pruning.masks(net).values(), pruning.masks(back).values()))
    assert pruning.read_sparse(tmp_path / "net.safetensors")[2] == {"note": "test"}


def test_reading_a_file_that_is_not_a_sparse_checkpoint_says_so(tmp_path):
    save_file(
        {k: v.contiguous() for k, v in models.lenet_300_100().state_dict().items()}, tmp_path / "plain.safetensors"
    )
    with pytest.raises(ValueError, match="not written by pruning.save_sparse"):
        pruning.read_sparse(tmp_path / "plain.safetensors")
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        pruning.read_sparse(tmp_path / "missing.safetensors")


def test_csr_bytes_counts_values_indices_and_row_pointers():
    w = torch.tensor([[0.0, 1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 4.0, 5.0, 0.0]])
    assert network.csr_bytes(w) == 5 * (4 + 4) + 4 * 4
    assert network.dense_bytes(w) == 12 * 4
    assert network.csr_bytes(torch.zeros(20, 1, 5, 5)) == 21 * 4  # a conv: 20 rows of 25


def test_flops_match_the_papers_tables_2_and_3():
    assert network.layer_flops(models.lenet_300_100()) == {"fc1": 470_400, "fc2": 60_000, "fc3": 2_000}
    lenet5 = {"conv1": 576_000, "conv2": 3_200_000, "fc1": 800_000, "fc2": 10_000}
    assert network.layer_flops(models.lenet5()) == lenet5


def test_flops_table_by_hand():
    # fc1 (2 -> 2) keeps 2 of 4 weights; fc2 (2 -> 1) keeps 1 of 2 and reads fc1's ReLU output
    net = tiny_net([[1.0, -1.0], [-1.0, 1.0]], [[1.0, 0.5]])
    with torch.no_grad():
        net[0].bias.zero_()
    pruning.apply_masks(net, {"fc1": torch.tensor([[1.0, 0.0], [0.0, 1.0]]), "fc2": torch.tensor([[1.0, 0.0]])})
    images = torch.tensor([[2.0, 0.0], [0.0, 3.0]])  # fc1 input density 1/2; fc1 outputs (2, 0), (0, 3): density 1/2
    table = pruning.flops_table(net, images)
    assert table["fc1"] == {"weights": 4, "flops": 8, "input_density": 0.5, "weights_kept": 0.5, "flops_kept": 0.25}
    assert table["fc2"] == {"weights": 2, "flops": 4, "input_density": 0.5, "weights_kept": 0.5, "flops_kept": 0.25}
    assert table["total"] == {"weights": 6, "flops": 12, "weights_kept": 0.5, "flops_kept": 0.25}


def test_kept_parameters_with_real_fractions_by_hand():
    net = models.lenet5()  # conv1 500 weights + 20 biases, conv2 25,000 + 50, fc1 400,000 + 500, fc2 5,000 + 10
    keep = {"conv1": 0.66, "conv2": 0.12, "fc1": 0.08, "fc2": 0.19}
    by_hand = 330 + 3_000 + 32_000 + 950 + (20 + 50 + 500 + 10)
    assert pruning.kept_parameters(net, keep) == by_hand == 36_860
    assert pruning.kept_parameters(net, dict.fromkeys(keep, 1.0)) == network.count_parameters(net) == 431_080
    # the counts a pruned model actually has agree
    pruning.apply_masks(net, pruning.layerwise_masks(net, {name: 1 - k for name, k in keep.items()}))
    assert network.nonzero_parameters(net) == by_hand


def test_kept_parameters_on_the_meta_device():
    with torch.device("meta"):
        alexnet = torchvision.models.alexnet(weights=None)
    keep = dict.fromkeys(network.layers(alexnet), 1.0)
    assert pruning.kept_parameters(alexnet, keep) == network.count_parameters(alexnet) == 61_100_840
    keep["fc3"] = 0.25  # 1000 x 4096 weights: 3,072,000 of them go
    assert pruning.kept_parameters(alexnet, keep) == 61_100_840 - 3_072_000
    with pytest.raises(ValueError, match="keep rates"):
        pruning.kept_parameters(alexnet, {"fc1": 0.1})


# --- the committed results ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_final_pruned_models_are_12x_smaller(name):
    model = experiment.load_pruned(name)
    assert network.count_parameters(model) / network.nonzero_parameters(model) >= 12
    assert experiment.pruned_info(name)["parameters"][1] == network.nonzero_parameters(model)


def test_load_pruned_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown model"):
        experiment.load_pruned("alexnet")


@pytest.mark.parametrize(
    "load",
    [
        lambda: experiment.load_pruned("lenet5"),
        lambda: experiment.pruned_info("lenet_300_100"),
    ],
)
def test_missing_results_fail_naming_the_command(monkeypatch, tmp_path, load):
    monkeypatch.setattr(experiments, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce pruning"):
        load()


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_the_committed_results_are_all_there(name):
    results = experiment.load_results()[name]
    assert len(results["sensitivity"]) == len(network.layers(models.build(name)))
    assert all(len(errors) == len(experiment.SCAN) for errors in results["sensitivity"].values())
    assert all(len(results["iterative"][scope]) == len(experiment.GRID) for scope in ("layer", "global"))
    assert all(len(results["iterative_val"][scope]) == len(experiment.GRID) for scope in ("layer", "global"))
    if name == "lenet_300_100":
        assert len(results["one_shot"]) == len(results["one_shot_val"]) == len(experiment.GRID)
    if name == "lenet_300_100":  # the retrained checkpoints the quantization chapter starts from
        for sparsity in quantization_experiments.PRUNED_GRID:
            assert experiment.grid_path(name, "layer", sparsity).is_file()


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_choices_were_made_on_validation_and_the_goal_is_computed(name):
    """The rounds' learning rate is the lowest validation error among the candidates tried; the
    sensitivity scan (what rates are read from) is on the validation split; the goal's verdict in
    results.json follows from the numbers beside it (so a notebook can print it, not assert a hope)."""
    results = experiment.load_results()[name]
    final = results["final"]
    assert results["sensitivity_split"] == "val"
    tried = final["lr_val_errors"]
    assert str(final["recipe"]["lr"]) in tried and tried[str(final["recipe"]["lr"])] == min(tried.values())
    assert set(tried) == {str(lr) for lr in experiment.FINAL[name]["lr_candidates"]}
    assert final["val_error"] == tried[str(final["recipe"]["lr"])]
    assert final["test_error_se"] == pytest.approx(train.standard_error(final["test_error"], 10_000))
    goal = final["goal"]
    before, after = final["parameters"]
    assert goal["rate"] == pytest.approx(before / after)
    assert goal["increase"] == pytest.approx(final["test_error"] - final["baseline_error"])
    within = round(10_000 * final["test_error"]) - round(10_000 * final["baseline_error"]) <= 10
    assert goal["met"] is (within and before / after >= experiment.GOAL_RATE)
    assert final["baseline_error"] == baselines.baseline_info(name)["test_error"]
    # the scan at 0% is the dense baseline on the validation images
    assert all(
        errors[0] == pytest.approx(final["baseline_val_error"], abs=1e-6) for errors in results["sensitivity"].values()
    )


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_final_pruned_model_gives_its_recorded_errors(name):
    model = experiment.load_pruned(name)
    info = experiment.pruned_info(name)
    assert train.evaluate(model) == pytest.approx(info["test_error"], abs=1e-6)
    assert train.evaluate(model, "val") == pytest.approx(info["val_error"], abs=1e-6)


def test_reproduce_writes_both_models_into_a_shipped_results_json(monkeypatch, tmp_path):
    """`reproduce pruning --force` rewrites results.json once per model; the second model must not
    read the file back (it is no longer the shipped one until the chapter is recorded)."""
    monkeypatch.setattr(experiments, "DATA", tmp_path)
    shipped = experiments.folder("pruning") / "results.json"
    shipped.parent.mkdir(parents=True)
    final = {"baseline_error": 0.015, "test_error": 0.015, "test_error_se": 0.001, "val_error": 0.014,
             "parameters": [12, 1], "goal": {"met": True}}  # fmt: skip
    monkeypatch.setattr(experiment, "reproduce_model", lambda name: {"final": final, "name": name})
    for names in [tuple(experiment.FINAL), ("lenet5",)]:
        shipped.write_text(json.dumps({"lenet_300_100": {"old": 1}, "lenet5": {"old": 1}}))
        integrity.record([shipped], tmp_path)  # as shipped
        experiment.reproduce(names)
        written = json.loads(shipped.read_text())
        assert list(written) == list(experiment.FINAL)
        assert [name for name, entry in written.items() if "old" in entry] == [
            name for name in experiment.FINAL if name not in names
        ]
