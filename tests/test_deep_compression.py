"""The pipeline's stages and bookkeeping, the CLI, and the committed compressed files."""

import json

import pytest
import torch

import coursekit
from coursekit import __main__ as cli
from coursekit import compressed, deep_compression, kmeans_fast, models, network, pruning
from coursekit.experiments import deep_compression as experiment
from coursekit.experiments import path


def test_schedule_shrinks_the_kept_fraction_geometrically():
    steps = pruning.geometric_schedule({"fc1": 0.96, "fc2": 0.0}, 2)
    assert [round(1 - s["fc1"], 6) for s in steps] == [0.2, 0.04]
    assert [s["fc2"] for s in steps] == [0.0, 0.0]


def test_the_three_stages_on_any_network(tmp_path):
    """The stages take a model and the training as callables: here a small untrained network and
    no training at all. Pruned weights stay zero, each layer keeps at most 2^bits values, and the
    file reloads to the same weights."""
    torch.manual_seed(0)
    model = models.lenet_300_100()
    calls = []
    schedule = pruning.geometric_schedule({"fc1": 0.9, "fc2": 0.8, "fc3": 0.5}, 2)
    deep_compression.prune(model, schedule, retrain=lambda m, step: calls.append(step))
    assert calls == [0, 1]
    kept = {name: nz / n for name, (nz, n) in network.nonzero_weights(model).items()}
    assert kept == pytest.approx({"fc1": 0.1, "fc2": 0.2, "fc3": 0.5}, abs=1e-3)
    zeros = {name: w == 0 for name, w in network.weights(model).items()}
    bits = {"fc1": 3, "fc2": 3, "fc3": 4}
    deep_compression.quantize(model, bits, fine_tune=calls.append, init="kmeans++", kmeans=kmeans_fast.kmeans_1d)
    assert calls[-1] is model
    for name, weight in network.weights(model).items():
        assert torch.equal(weight == 0, zeros[name])
        assert len(weight[weight != 0].unique()) <= 2 ** bits[name]
    size = deep_compression.write_file(model, tmp_path / "small.dc")
    assert size == (tmp_path / "small.dc").stat().st_size
    for name, weight in network.weights(compressed.load_compressed(tmp_path / "small.dc")).items():
        assert torch.equal(weight, network.weights(model)[name])


def test_layer_rows_count_bits_by_hand():
    model = models.build("lenet_300_100")
    with torch.no_grad():
        for module in network.layers(model).values():
            module.weight.zero_()
        model[5].weight[0, :4] = torch.tensor([1.0, 1.0, 2.0, 1.0])  # 4 kept, 2 shared values, no gap > 1
    rows, totals = deep_compression.layer_rows(model, {"fc1": 3, "fc2": 3, "fc3": 1})
    fc3 = rows[2]
    assert fc3["layer"] == "fc3" and fc3["weights %"] == pytest.approx(0.4)
    # fixed width: 4 entries x (1 + 5) bits + 2 x 32-bit codebook, over 1000 x 32 bits
    assert fc3["rate P+Q %"] == pytest.approx(100 * (4 * 6 + 64) / 32000)
    # Huffman: weight symbols 1,1,2,1 -> 1 bit each; gaps all 1 -> one symbol, 1 bit each
    assert fc3["weight bits P+Q+H"] == 1 and fc3["index bits P+Q+H"] == 1
    assert rows[-1]["layer"] == "total" and totals["nonzeros"] == 4


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_committed_files_reload_to_their_recorded_error(name):
    file = path("deep_compression", f"{name}.dc")
    report = json.loads(file.with_suffix(".json").read_text())
    model = coursekit.load_compressed(file)
    assert file.stat().st_size == report["file_bytes"]
    assert experiment.dense_model_bytes(name) / file.stat().st_size >= 50
    assert coursekit.train.evaluate(model) == report["test_error"]["file, reloaded"]


def test_cli_inspect(capsys, tmp_path):
    cli.main(["inspect", str(path("deep_compression", "lenet_300_100.dc"))])
    out = capsys.readouterr().out
    ratio = json.loads(path("deep_compression", "lenet_300_100.json").read_text())["ratio"]
    assert "fc1" in out and f"{ratio:.1f}x smaller" in out
    (tmp_path / "bad.dc").write_bytes(b"CKDC\x01")
    with pytest.raises(SystemExit, match="bad.dc: only 5 bytes"):
        cli.main(["inspect", str(tmp_path / "bad.dc")])


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_the_goal_verdict_follows_from_the_report(name):
    """Goal: a file >= 50x smaller than fp32 with a test error at most 0.1 points above the
    baseline's; the report's verdict is computed from its own numbers, and states the standard error."""
    report = json.loads(path("deep_compression", f"{name}.json").read_text())
    goal, errors = report["goal"], report["test_error"]
    within = round(10_000 * errors["file, reloaded"]) - round(10_000 * errors["baseline"]) <= 10
    assert goal["met"] is (within and report["ratio"] >= experiment.GOAL_RATE)
    assert goal["rate"] == report["ratio"] and goal["increase"] == pytest.approx(
        errors["file, reloaded"] - errors["baseline"]
    )
    se = report["test_error_se"]["file, reloaded"]
    assert se == pytest.approx((errors["file, reloaded"] * (1 - errors["file, reloaded"]) / 10_000) ** 0.5)
    assert 0 < report["val_error"]["file, reloaded"] < 0.05


def test_the_recipe_search_refuses_a_recipe_that_is_not_the_validation_winner(monkeypatch):
    """``_recipe_search`` keeps RECIPES' entry only when no variant at >= GOAL_RATE has a lower
    validation error; a smaller file with a lower error (ratio below the goal) does not count."""
    name = "lenet_300_100"
    chosen = {"val_error": {"file, reloaded": 0.016}, "ratio": 51.0}
    first, *rest = experiment.VARIANTS[name]
    outcomes = {first: (0.015, 49.0)} | {label: (0.017, 52.0) for label in rest}  # first: lower, but too big

    def fake_compress(model_name, file, recipe, progress):
        label = next(k for k, v in experiment.VARIANTS[name].items() if {**experiment.RECIPES[name], **v} == recipe)
        error, ratio = outcomes[label]
        return {"val_error": {"file, reloaded": error}, "ratio": ratio}

    monkeypatch.setattr(experiment, "compress", fake_compress)
    rows = experiment._recipe_search(name, chosen)
    assert rows["RECIPES' entry"]["val_error"] == 0.016 and rows[first] == {
        "changes": experiment.VARIANTS[name][first],
        "val_error": 0.015,
        "ratio": 49.0,
    }
    outcomes[rest[0]] = (0.0159, 50.5)  # a variant of the goal's size with a lower validation error
    with pytest.raises(RuntimeError, match=f"the recipe '{rest[0]}' has a lower validation error"):
        experiment._recipe_search(name, chosen)


def test_the_shipped_lenet_300_100_recipe_won_on_validation():
    report = json.loads(path("deep_compression", "lenet_300_100.json").read_text())
    assert report["recipe"] == experiment.RECIPES["lenet_300_100"]
    rows = report["recipe_search"]
    assert len(rows) == len(experiment.VARIANTS["lenet_300_100"]) + 1
    assert "test_error" not in json.dumps(rows)  # the choice saw validation errors only
    eligible = {label: row["val_error"] for label, row in rows.items() if row["ratio"] >= experiment.GOAL_RATE}
    assert min(eligible, key=eligible.get) == "RECIPES' entry"
    assert report["recipe_chosen_by"].startswith("lowest validation error among 8 recipes")
