"""The structured pruning chapter's experiments (notebook 05): the recipes, ``reproduce()`` and ``load``.

``python -m coursekit.reproduce structured`` runs ``reproduce()``: it compares the criteria with
the oracle, prunes both networks with every criterion, rebuilds a small LeNet-5 and writes
``data/structured/``. The method it applies is ``coursekit.structured``; ``load`` reads what it wrote.
"""

import copy
import json
import math
import time

import torch
from safetensors.torch import load_file, save_file

from .. import models, structured, train
from ..data import load_mnist
from . import baselines, measured, path, write_json

# The prunable maps of each network: name -> (index of the layer whose output rows are removed,
# index of the module whose output is the map z). Caffe's LeNet-5 has no ReLU after its
# convolutions, so there z is the convolution's output; in LeNet-300-100 z is the ReLU's output.
UNITS = {
    "lenet5": {"conv1": (0, 0), "conv2": (2, 2)},
    "lenet_300_100": {"fc1": (1, 2), "fc2": (3, 4)},
}
CRITERIA = ("taylor", "weight", "activation", "apoz", "random")
# Fine-tuning between removals: a few SGD steps at a learning rate below the baseline's.
FINETUNE_LR = {"lenet5": 0.005, "lenet_300_100": 0.01}
FINETUNE_STEPS = 30  # minibatches of 64 after each removal
CRITERIA_IMAGES = 500  # training images on which each step scores the maps
# How each network is pruned by `reproduce`: maps removed per step (the paper removes one; two
# and ten keep the run short), steps, test images used for the trajectory's errors.
SCHEDULE = {
    "lenet5": dict(steps=30, maps_per_step=2, test_images=2000),
    "lenet_300_100": dict(steps=38, maps_per_step=10, test_images=None),
}
ORACLE_IMAGES = 1000  # training images on which the criteria are compared with the oracle
# The rebuilt LeNet-5: the smallest Taylor step whose VALIDATION error (all 5,000 images) is within
# 0.5 points of the start's; the trajectories drawn are test errors (first 2,000 images), never used to choose.
PAYOFF_TOLERANCE = 0.005
PAYOFF_EPOCHS = 1  # then fine-tuned this long, as a plain dense network
# lambda of the FLOPs regularization, per MFLOP of a map. The paper uses 1e-3 without saying the
# unit of its FLOPs; ours is chosen so that the term is comparable with the normalized scores.
FLOPS_WEIGHT = 0.3


def prune_iteratively(
    name,
    criterion,
    steps,
    maps_per_step,
    finetune_steps=FINETUNE_STEPS,
    criteria_images=CRITERIA_IMAGES,
    test_images=2000,
    flops_weight=0.0,
):
    """``structured.prune_iteratively`` on the trained baseline ``name`` with this chapter's
    settings: maps scored on the first ``criteria_images`` MNIST training images, fine-tuned
    ``finetune_steps`` minibatches of 64 after each step, errors on the first ``test_images``
    test images. Returns the ``steps + 1`` points of the trajectory."""
    images, labels = load_mnist("train")
    images, labels = images[:criteria_images], labels[:criteria_images]

    def fine_tune(model, step):
        train.fit(
            model,
            finetune_steps / math.ceil(train.split_size("train") / 64),
            FINETUNE_LR[name],
            seed=step,
            progress=False,
        )

    return structured.prune_iteratively(
        baselines.pretrained(name),
        UNITS[name],
        images,
        labels,
        criterion,
        steps,
        maps_per_step,
        fine_tune,
        lambda network: train.evaluate(network, "test", limit=test_images),
        flops_weight,
    )


def compare_with_oracle(name):
    """Every criterion and the oracle on the first ``ORACLE_IMAGES`` training images: ``{unit: {...: list}}``."""
    images, labels = load_mnist("train")
    images, labels = images[:ORACLE_IMAGES], labels[:ORACLE_IMAGES]
    model = baselines.pretrained(name)
    scores = structured.criteria(model, UNITS[name], images, labels)
    truth = structured.oracle(model, UNITS[name], images, labels)
    return {
        unit: {**{c: v.tolist() for c, v in scores[unit].items()}, "oracle": truth[unit].tolist()} for unit in scores
    }


def payoff(history):
    """The smallest network of a trajectory whose validation error is within ``PAYOFF_TOLERANCE``
    of its start's, fine-tuned: ``(network, step)``. Each point needs ``"val_error"`` (see
    ``add_val_errors``)."""
    start = history[0]["val_error"]
    step = max(i for i, point in enumerate(history) if point["val_error"] <= start + PAYOFF_TOLERANCE)
    network = copy.deepcopy(history[step]["network"])
    train.fit(network, PAYOFF_EPOCHS, FINETUNE_LR["lenet5"], progress=False, desc="fine-tune")
    return network, step


def add_val_errors(history):
    """Put each point's validation error (all 5,000 images) in ``point["val_error"]``."""
    for point in history:
        point["val_error"] = train.evaluate(point["network"], "val")
    return history


def reproduce():
    """Compare the criteria with the oracle, prune both networks with every criterion, rebuild a
    small LeNet-5; write ``data/structured/`` (JSON and one safetensors file)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small models on a shared CPU: one thread is faster than two oversubscribed
    try:
        _reproduce(threads)
    finally:
        torch.set_num_threads(threads)


def _reproduce(threads):
    """``reproduce``'s work on one thread; the latencies are measured on ``threads``, as in the notebook."""
    compared = {name: compare_with_oracle(name) for name in UNITS}
    write_json("structured", "criteria.json", {"images": ORACLE_IMAGES, **compared}, compact=False)

    trajectories, histories = {}, {}
    for name, schedule in SCHEDULE.items():
        # (label, criterion, FLOPs weight); no APoZ without a ReLU; FLOPs regularization on LeNet-5
        runs = [(c, c, 0.0) for c in CRITERIA if c != "apoz" or name != "lenet5"]
        runs += [("taylor+flops", "taylor", FLOPS_WEIGHT)] if name == "lenet5" else []
        for label, criterion, weight in runs:
            start = time.perf_counter()
            histories[name, label] = prune_iteratively(name, criterion, flops_weight=weight, **schedule)
            print(f"{name} {label}: {time.perf_counter() - start:.0f} s", flush=True)
        names = [label for label, _, _ in runs]
        trajectories[name] = {
            c: [{k: v for k, v in point.items() if k != "network"} for point in histories[name, c]] for c in names
        }
    taylor = add_val_errors(histories["lenet5", "taylor"])
    torch.set_num_threads(threads)  # latencies on the machine's threads, as the notebook measures them
    for point, saved in zip(taylor, trajectories["lenet5"]["taylor"]):
        saved["latency_ms"] = structured.latency_ms(point["network"])
        saved["val_error"] = point["val_error"]
    torch.set_num_threads(1)

    network, step = payoff(taylor)
    state = {k: v.contiguous() for k, v in network.state_dict().items()}
    save_file(state, path("structured", "lenet5_pruned.safetensors", must_exist=False))
    info = {
        "step": step,
        "kept": taylor[step]["kept"],
        "finetune_epochs": PAYOFF_EPOCHS,
        **measured(network),
        "chosen_by": f"smallest Taylor step whose validation error is within {PAYOFF_TOLERANCE} of the start's",
    }
    settings = {
        "schedule": SCHEDULE,
        "finetune_lr": FINETUNE_LR,
        "flops_weight": FLOPS_WEIGHT,
        "threads": 1,
        "latency_threads": threads,
        "payoff_tolerance": PAYOFF_TOLERANCE,
    }
    write_json("structured", "trajectories.json", {**trajectories, "payoff": info, "settings": settings}, compact=False)
    print(
        f"rebuilt LeNet-5: step {step}, maps {info['kept']}, validation error {100 * info['val_error']:.2f}%, "
        f"test error {100 * info['test_error']:.2f}% +- {100 * info['test_error_se']:.2f}"
    )


def sized_lenet5(kept):
    """A LeNet-5 with ``kept["conv1"]`` and ``kept["conv2"]`` feature maps (zero weights): the shape
    of a trajectory's point, which is all its latency depends on."""
    c1, c2 = kept["conv1"], kept["conv2"]
    shapes = {"0": ((c1, 1, 5, 5), c1), "2": ((c2, c1, 5, 5), c2), "5": ((500, 16 * c2), 500), "7": ((10, 500), 10)}
    state = {}
    for i, (weight, bias) in shapes.items():
        state[f"{i}.weight"], state[f"{i}.bias"] = torch.zeros(weight), torch.zeros(bias)
    return structured.from_state(models.lenet5(), state)


def remeasure_latencies(rounds=25, batch=256):
    """Measure again the ``latency_ms`` of LeNet-5's Taylor trajectory in ``trajectories.json`` (on this
    process's threads): each round times every point once, in turn, so a burst of load from other
    processes hits all points alike; each point keeps its median over ``rounds``."""
    file = path("structured", "trajectories.json")
    data = json.loads(file.read_text())
    points = data["lenet5"]["taylor"]
    nets = [sized_lenet5(point["kept"]) for point in points]
    times = [[] for _ in nets]
    for _ in range(rounds):
        for net, out in zip(nets, times):
            out.extend(structured.forward_times_ms(net, batch, repeats=1))
    for point, out in zip(points, times):
        point["latency_ms"] = sorted(out)[len(out) // 2]
    data["settings"]["latency_threads"] = torch.get_num_threads()
    data["settings"]["latency"] = f"median of {rounds} interleaved rounds, batch {batch}, at {time.strftime('%H:%M')}"
    write_json("structured", "trajectories.json", data, compact=False)
    return [point["latency_ms"] for point in points]


def load(what):
    """A precomputed result of ``reproduce``: ``"criteria"`` or ``"trajectories"`` (dict), or
    ``"lenet5_pruned"`` (the rebuilt network, a plain ``nn.Sequential``)."""
    file = path("structured", "lenet5_pruned.safetensors" if what == "lenet5_pruned" else f"{what}.json")
    try:
        if what == "lenet5_pruned":
            return structured.from_state(models.lenet5(), load_file(file))
        return json.loads(file.read_text())
    except Exception as error:
        raise ValueError(f"{file} is unreadable ({error}): run `python -m coursekit.reproduce structured`") from error
