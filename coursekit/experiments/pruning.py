"""The pruning chapter's experiments (notebook 01): the recipes, ``reproduce()`` and its results.

``python -m coursekit.reproduce pruning`` runs ``reproduce()``: from the trained baselines it
prunes and retrains the final 12x models of LWC Table 1, the retrained curves of LWC Fig. 5 and
the per-layer sensitivity scan, into ``data/pruning/``.
The method it applies is ``coursekit.pruning``; ``load_results``, ``load_pruned`` and
``pruned_info`` read what it wrote.
"""

import time

import torch

from .. import models, network, pruning, train
from ..data import load_mnist
from . import baselines, load_json, path, write_json

# The final models of LWC Table 1: per-layer sparsities read off the sensitivity scan (close to
# the paper's Tables 2-3), reached in `steps` rounds of prune + retrain (`epochs` each, SGD with
# the baselines' batch of 64 and L2 5e-4), the fraction kept shrinking geometrically. LWC
# retrains at 1/10 of the original learning rate; from our stronger baselines that left
# LeNet-300-100 at 1.65-1.9% (baseline 1.33%), so each round restarts a cosine decay from the
# baseline's own rate. LeNet-5 wanted a larger one: restarting from its baseline's 0.01 left it at
# 0.76-0.80% (2, 5 or 10 epochs a round; its baseline: 0.73%), from 0.003 at 0.85%, from 0.001 at
# 1.16%; from 0.05 it ends at 0.67% (0.73% with the rounds' seeds shifted by 10); 0.1 diverges.
FINAL = {
    "lenet_300_100": dict(
        sparsity={"fc1": 0.925, "fc2": 0.91, "fc3": 0.74}, steps=5, epochs=8, lr=0.05, weight_decay=5e-4, batch_size=64
    ),
    "lenet5": dict(
        sparsity={"conv1": 0.34, "conv2": 0.88, "fc1": 0.925, "fc2": 0.81},
        steps=4,
        epochs=3,
        lr=0.05,
        weight_decay=5e-4,
        batch_size=64,
    ),
}
# Retraining of the grid and the curves below: shorter, in batches of 256 to be quick.
RETRAIN = {
    "lenet_300_100": dict(lr=0.1, weight_decay=5e-4, batch_size=256),
    "lenet5": dict(lr=0.02, weight_decay=5e-4, batch_size=256),
}
# Sparsities of the retrained curves of LWC Fig. 5 (the live panel draws them beside its live
# curve), each reached from the previous one in one round of `GRID_EPOCHS`.
GRID = [0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
GRID_EPOCHS = {"lenet_300_100": 2, "lenet5": 0.25}
# Sparsities of the per-layer sensitivity scan (one layer pruned at a time, no retraining).
SCAN = [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
# Test images the curves and scans are evaluated on: LeNet-5 on the first 2,000 (None: all 10,000).
TEST_IMAGES = {"lenet_300_100": None, "lenet5": 2000}
# The retrained layer-wise checkpoints kept in data/pruning/grid/: the ones the quantization
# chapter starts from (its pruning-only and pruning + quantization curves).
CHECKPOINTS = {"lenet_300_100": (0.5, 0.7, 0.8, 0.9, 0.95, 0.97)}


# --- the results ------------------------------------------------------------------------------


def load_results(filename="results.json"):
    """The numbers ``reproduce()`` wrote to ``results.json`` (tables, curves)."""
    return load_json("pruning", filename)


def _final_path(name, must_exist=True):
    if name not in models.ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(models.ARCHITECTURES)}")
    return path("pruning", f"{name}_pruned.safetensors", must_exist)


def load_pruned(name, keep_masks=False):
    """The final pruned model of this chapter: ``"lenet_300_100"`` or ``"lenet5"`` (>= 12x fewer
    weights, LWC Table 1), written by ``python -m coursekit.reproduce pruning``."""
    return pruning.load_sparse(_final_path(name), keep_masks)


def pruned_info(name):
    """The JSON stored with a final pruned model: test error, recipe, per-layer rates."""
    return pruning.read_sparse(_final_path(name))[2]


def grid_path(name, scope, sparsity, must_exist=True):
    """The retrained checkpoint of ``name`` at ``sparsity`` (see ``CHECKPOINTS``), ``scope`` "layer" or "global"."""
    return path("pruning", f"grid/{name}_{scope}_{round(100 * sparsity)}.safetensors", must_exist)


# --- the runs ---------------------------------------------------------------------------------


def _retrain(epochs, lr, progress=True, desc="retrain", **fit_options):
    """A ``retrain(model, step)`` for ``pruning.prune_and_retrain``: ``train.fit`` on MNIST, seeded by the step."""
    return lambda model, step: train.fit(
        model, epochs, lr, seed=step, progress=progress, desc=f"{desc} {step + 1}", **fit_options
    )


def prune_final(name, progress=True):
    """Prune the baseline ``name`` to its ``FINAL`` rates; returns ``(model, info)``.

    ``info["history"]`` lists ``(epoch, nonzero parameters)`` from dense training through each
    prune and retrain (the network's own "synapse count" over its life).
    """
    recipe = FINAL[name]
    baseline = baselines.baseline_info(name)
    model = baselines.pretrained(name)
    history = [(0, baseline["parameters"]), (baseline["epochs"], baseline["parameters"])]
    retrain_once = _retrain(
        recipe["epochs"],
        recipe["lr"],
        progress,
        f"{name} round",
        weight_decay=recipe["weight_decay"],
        batch_size=recipe["batch_size"],
    )

    def retrain(model, step):  # the count right after pruning, and after retraining
        epoch = history[-1][0]
        history.append((epoch, network.nonzero_parameters(model)))
        retrain_once(model, step)
        history.append((epoch + recipe["epochs"], network.nonzero_parameters(model)))

    schedule = pruning.geometric_schedule(recipe["sparsity"], recipe["steps"])
    for _ in pruning.prune_and_retrain(model, schedule, retrain):
        pass
    info = {
        "baseline_error": baseline["test_error"],
        "test_error": train.evaluate(model),
        "parameters": (baseline["parameters"], network.nonzero_parameters(model)),
        "recipe": recipe,
        "history": history,
    }
    return model, info


def retrained_grid(name, scope, progress=True):
    """Iterative prune + retrain through ``GRID`` (``scope`` "layer" or "global"), saving the
    layer-wise checkpoints of ``CHECKPOINTS`` (fp16 values). Returns the test error at each ``GRID``
    sparsity."""
    errors = []
    retrain = _retrain(GRID_EPOCHS[name], progress=progress, desc="retrain step", **RETRAIN[name])
    for sparsity, model in pruning.prune_and_retrain(baselines.pretrained(name), GRID, retrain, scope=scope):
        errors.append(train.evaluate(model, limit=TEST_IMAGES[name]))
        if scope == "layer" and sparsity in CHECKPOINTS.get(name, ()):
            pruning.save_sparse(model, grid_path(name, scope, sparsity, must_exist=False), name, torch.float16)
    return errors


def one_shot_errors(name, progress=True):
    """One-shot prune + retrain: the baseline pruned straight to each ``GRID`` sparsity (layer-wise),
    retrained as long as one iterative round. Returns the test error at each ``GRID`` sparsity."""
    errors = []
    for sparsity in GRID:
        model = baselines.pretrained(name)
        pruning.apply_masks(model, pruning.layerwise_masks(model, sparsity))
        train.fit(model, GRID_EPOCHS[name], **RETRAIN[name], progress=progress, desc=f"one shot {sparsity}")
        errors.append(train.evaluate(model, limit=TEST_IMAGES[name]))
    return errors


def sensitivity_scan(name):
    """Prune one layer at a time to each ``SCAN`` sparsity, no retraining (LWC Fig. 6).

    Returns ``{layer name: [test error at each SCAN sparsity]}``.
    """
    scan = {}
    for layer in network.layers(models.build(name)):
        scan[layer] = []
        for sparsity in SCAN:
            model = baselines.pretrained(name)
            pruning.apply_masks(model, pruning.layerwise_masks(model, {layer: sparsity}))
            scan[layer].append(train.evaluate(model, limit=TEST_IMAGES[name]))
    return scan


# --- `python -m coursekit.reproduce pruning` ------------------------------------------------------


def reproduce_final(name):
    """The final model (``prune_final``) with its per-layer tables, saved to
    ``data/pruning/NAME_pruned.safetensors``; returns its ``info`` (``results["final"]``)."""
    model, info = prune_final(name)
    images = load_mnist("test")[0]
    info["layers"] = pruning.flops_table(model, images)
    info["dense_layers"] = pruning.flops_table(baselines.pretrained(name), images)
    pruning.save_sparse(model, _final_path(name, must_exist=False), name, info=info)
    return info


def reproduce_model(name):
    """Everything the notebook loads for one model (``results.json``'s entry)."""
    results = {"final": reproduce_final(name), "sensitivity": sensitivity_scan(name)}
    results["iterative"] = {scope: retrained_grid(name, scope) for scope in ("layer", "global")}
    if name == "lenet_300_100":
        results["one_shot"] = one_shot_errors(name)
    return results


def reproduce(names=tuple(FINAL)):
    """Regenerate ``data/pruning/``: the final 12x models, the retrained curves of LWC Fig. 5 (and
    the checkpoints of ``CHECKPOINTS``), the sensitivity scans, Tables 1-3 measured."""
    torch.set_num_threads(1)  # the CPU is shared: one thread each runs faster than oversubscribed
    for name in names:
        start = time.perf_counter()
        results = reproduce_model(name)
        results["seconds"] = round(time.perf_counter() - start)
        previous = load_results() if path("pruning", "results.json", must_exist=False).is_file() else {}
        write_json("pruning", "results.json", {**previous, name: results})
        before, after = results["final"]["parameters"]
        print(
            f"{name}: {100 * results['final']['baseline_error']:.2f}% -> {100 * results['final']['test_error']:.2f}% "
            f"test error, {before} -> {after} parameters ({before / after:.1f}x) in {results['seconds']} s"
        )
