"""Structured pruning: remove whole feature maps (or hidden neurons) ranked by the Taylor criterion.

Molchanov, Tyree, Karras, Aila, Kautz 2017, "Pruning Convolutional Neural Networks for Resource
Efficient Inference". A feature map ``z`` of a layer is one output channel of a convolution (or
one hidden neuron of a fully connected layer). Removing it means its output is 0 everywhere.

The steps, one function each:

1. ``add_masks`` / ``remove_map``: hold the removed maps as ``torch.nn.utils.prune`` masks on the
   layer's weight rows and biases (the map then outputs exactly 0);
2. ``criteria``: score every map (Taylor, minimum weight, mean activation, APoZ, random) and
   ``oracle``: the actual change of the loss when that one map is removed;
3. ``prune_iteratively``: remove the lowest-ranked map, fine-tune a few steps, repeat;
4. ``shrink``: rebuild a smaller dense ``nn.Sequential`` without the removed maps (surgery).

``python -m coursekit.reproduce structured`` precomputes what notebook 05 shows into
``data/structured/``.
"""

import copy
import json
import statistics
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from scipy.stats import spearmanr
from torch import nn
from torch.nn.utils import prune

from .data import load_mnist
from .models import build, pretrained
from .train import evaluate, fit

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "structured"

# The prunable maps of each network: name -> (index of the layer whose output rows are removed,
# index of the module whose output is the map z). Caffe's LeNet-5 has no ReLU after its
# convolutions, so there z is the convolution's output; in LeNet-300-100 z is the ReLU's output.
UNITS = {
    "lenet5": {"conv1": (0, 0), "conv2": (2, 2)},
    "lenet_300_100": {"fc1": (1, 2), "fc2": (3, 4)},
}
CRITERIA = ("taylor", "weight", "activation", "apoz", "random")


# ---------------------------------------------------------------- masks and surgery


def add_masks(model):
    """Give every prunable layer of ``model`` all-ones masks on its weight and bias (in place).

    ``torch.nn.utils.prune`` then recomputes ``weight = weight_orig * weight_mask`` on every
    forward, so a removed map stays removed while the rest is fine-tuned.
    """
    for layer in prunable_layers(model):
        prune.identity(layer, "weight")
        prune.identity(layer, "bias")
    return model


def prunable_layers(model):
    """The ``nn.Conv2d`` / ``nn.Linear`` layers whose maps may be removed (not the classifier)."""
    return [model[layer] for layer, _ in UNITS[architecture(model)].values()]


def architecture(model):
    """``"lenet5"`` or ``"lenet_300_100"``, recognised from the first layer of the Sequential."""
    return "lenet5" if isinstance(model[0], nn.Conv2d) else "lenet_300_100"


def kept(layer):
    """Boolean vector, one entry per output map of ``layer``: True if the map is still there."""
    if not hasattr(layer, "bias_mask"):
        return torch.ones(layer.bias.shape[0], dtype=torch.bool)
    return layer.bias_mask.bool()


def remove_map(layer, k):
    """Remove output map ``k`` of a masked ``layer``: zero its weight row and its bias (in place)."""
    layer.weight_mask[k] = 0
    layer.bias_mask[k] = 0


def masked(layer, name):
    """``layer``'s parameter ``name`` with its mask applied, as the next forward pass will use it."""
    if hasattr(layer, name + "_mask"):
        return (getattr(layer, name + "_orig") * getattr(layer, name + "_mask")).detach()
    return getattr(layer, name).detach()


def shrink(model):
    """Surgery: a plain dense ``nn.Sequential`` without the removed maps, same outputs as ``model``.

    Walks the layers in order: a layer loses the output rows of its removed maps, and the next
    layer loses the matching input columns (for the first ``nn.Linear`` after a convolution, each
    map is a block of ``H x W`` consecutive inputs of the flattened tensor).
    """
    layers, keep_in = [], None
    for module in model:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            weight, bias = masked(module, "weight").cpu(), masked(module, "bias").cpu()
            keep_out = kept(module)
            if keep_in is not None:
                per_map = weight.shape[1] // len(keep_in)  # 1, or H x W after a Flatten
                weight = weight[:, keep_in.repeat_interleave(per_map)]
            weight, bias = weight[keep_out], bias[keep_out]
            module = resized(module, weight, bias)
            keep_in = keep_out
        layers.append(copy.deepcopy(module))
    return nn.Sequential(*layers).eval()


def resized(module, weight, bias):
    """A new ``nn.Conv2d`` / ``nn.Linear`` like ``module`` holding ``weight`` and ``bias``."""
    if isinstance(module, nn.Conv2d):
        new = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2:])
    else:
        new = nn.Linear(weight.shape[1], weight.shape[0])
    new.weight.data.copy_(weight)
    new.bias.data.copy_(bias)
    return new


def from_state(name, state):
    """A plain ``nn.Sequential`` of architecture ``name`` sized by the tensors in ``state``.

    Loads what ``shrink`` produced (e.g. from a safetensors file): each layer takes the shape of
    its saved weight, so the pruned network runs as ordinary PyTorch, no masks or custom code.
    """
    layers = []
    for i, module in enumerate(build(name)):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            module = resized(module, state[f"{i}.weight"], state[f"{i}.bias"])
        layers.append(module)
    return nn.Sequential(*layers).eval()


def zero_smallest_weights(model, amount):
    """A copy of ``model`` with the ``amount`` fraction of its smallest weights set to 0 (unstructured).

    ``torch.nn.utils.prune.global_unstructured`` over every conv and linear weight, made permanent:
    the tensors keep their shapes, so dense kernels do exactly the same work.
    """
    model = copy.deepcopy(model)
    weights = [(m, "weight") for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    prune.global_unstructured(weights, pruning_method=prune.L1Unstructured, amount=amount)
    for module, name in weights:
        prune.remove(module, name)
    return model


# ---------------------------------------------------------------- cost: FLOPs and latency


def layer_flops(model):
    """FLOPs of one 28 x 28 image in each module of ``model``, a list: 2 x multiply-adds of a conv
    or linear layer (as in LWC Table 3), 0 for pooling, ReLU and Flatten."""
    result, x = [], torch.zeros(1, 1, 28, 28)
    with torch.no_grad():
        for module in model:
            y = module(x)
            if isinstance(module, nn.Conv2d):
                result.append(2 * y.numel() * module.weight[0].numel())
            elif isinstance(module, nn.Linear):
                result.append(2 * module.weight.numel())
            else:
                result.append(0)
            x = y
    return result


def flops(model):
    """FLOPs of one 28 x 28 image through ``model`` (LeNet-5: 4,586,000; LeNet-300-100: 532,400).

    Counts the shapes as they are: a masked (not shrunk) network costs as much as the dense one.
    """
    return sum(layer_flops(model))


def map_mflops(model):
    """What one map of each unit costs, ``{unit: MFLOPs}``: its share of its own layer and of the
    next conv/linear layer, which reads it, in the network as it is once shrunk."""
    costs = layer_flops(shrink(model))
    result = {}
    for name, (layer, _) in UNITS[architecture(model)].items():
        reader = next(i for i in range(layer + 1, len(model)) if isinstance(model[i], (nn.Conv2d, nn.Linear)))
        result[name] = (costs[layer] + costs[reader]) / int(kept(model[layer]).sum()) / 1e6
    return result


def forward_times_ms(model, batch=256, repeats=15):
    """CPU wall times, in milliseconds, of ``repeats`` forward passes over ``batch`` images (after a warm-up)."""
    x = torch.randn(batch, 1, 28, 28)
    times = []
    with torch.inference_mode():
        model(x)
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append(1000 * (time.perf_counter() - start))
    return times


def latency_ms(model, batch=256, repeats=15):
    """Median CPU wall time, in milliseconds, of one forward pass over ``batch`` images."""
    return statistics.median(forward_times_ms(model, batch, repeats))


# ---------------------------------------------------------------- criteria and oracle


def maps_and_gradients(model, images, labels):
    """Forward + backward on a batch; each unit's map ``z`` and ``dC/dz``, shaped ``N x C x M``.

    ``C`` is the cross-entropy summed over the ``N`` examples, so ``dC/dz`` of example ``n`` is
    the gradient of its own loss. ``M`` is the number of positions of a map (1 for a neuron).
    """
    units = UNITS[architecture(model)]
    outputs = {}
    hooks = [
        model[at].register_forward_hook(lambda m, inp, out, name=name: outputs.__setitem__(name, out))
        for name, (_, at) in units.items()
    ]
    model.zero_grad()
    loss = nn.functional.cross_entropy(model(images), labels, reduction="sum")
    for z in outputs.values():
        z.retain_grad()
    loss.backward()
    for hook in hooks:
        hook.remove()
    flat = lambda t: t.detach().reshape(t.shape[0], t.shape[1], -1)
    return {name: (flat(z), flat(z.grad)) for name, z in outputs.items()}


def taylor(z, grad):
    """Taylor criterion (Molchanov et al. Eq. 8): ``|1/M sum_m dC/dz_m z_m|`` per example, mean over examples.

    Args:
        z, grad: ``N x C x M`` maps and their gradients.
    Returns:
        ``C`` scores. First-order estimate of ``|C(z = 0) - C|``, the change of the loss if the map is removed.
    """
    return (grad * z).mean(2).abs().mean(0)


def mean_activation(z):
    """Mean of ``|z|`` over examples and positions, ``C`` scores (``|z| = z`` after a ReLU)."""
    return z.abs().mean((0, 2))


def apoz(z):
    """Average Percentage of Zeros of each map over examples and positions, ``C`` fractions in [0, 1]."""
    return (z == 0).float().mean((0, 2))


def min_weight(layer):
    """Minimum-weight criterion: mean squared weight of the kernel that produces each map, ``C`` scores."""
    weight = masked(layer, "weight")
    return weight.reshape(weight.shape[0], -1).pow(2).mean(1)


def l2_normalize(scores):
    """Layer-wise normalization (Molchanov et al. Sec. 2.2): ``theta / sqrt(sum_j theta_j^2)``."""
    return scores / scores.norm()


def criteria(model, images, labels, seed=0):
    """Every criterion for every unit: ``{unit: {criterion: C scores}}``, higher = more important.

    APoZ becomes ``1 - APoZ`` (many zeros = unimportant) and is only given where the map follows
    a ReLU: Caffe's LeNet-5 convolutions are not followed by one, their outputs are never exactly
    zero, so APoZ is 0 for every map and ranks nothing.
    """
    found = maps_and_gradients(model, images, labels)
    generator = torch.Generator().manual_seed(seed)
    result = {}
    for name, (layer, at) in UNITS[architecture(model)].items():
        z, grad = found[name]
        result[name] = {
            "taylor": taylor(z, grad),
            "weight": min_weight(model[layer]),
            "activation": mean_activation(z),
            "random": torch.rand(z.shape[1], generator=generator),
        }
        if isinstance(model[at], nn.ReLU):
            result[name]["apoz"] = 1 - apoz(z)
    return result


@torch.no_grad()
def loss(model, images, labels):
    """Mean cross-entropy of ``model`` on a batch."""
    return nn.functional.cross_entropy(model(images), labels).item()


@torch.no_grad()
def oracle(model, images, labels):
    """The oracle: ``{unit: C values}``, ``|C(map k removed) - C|`` for each map ``k`` alone (mean loss).

    The network is split after the map: its first part computes ``z`` once, the rest runs again
    with channel ``k`` of ``z`` set to 0, which is what ``remove_map`` does to the network.
    """
    base = loss(model, images, labels)
    result = {}
    for name, (_, at) in UNITS[architecture(model)].items():
        z, rest = model[: at + 1](images), model[at + 1 :]
        changes = [abs(loss(rest, zero_channel(z, k), labels) - base) for k in range(z.shape[1])]
        result[name] = torch.tensor(changes)
    return result


def zero_channel(z, k):
    """A copy of ``z`` (``N x C x ...``) with channel ``k`` set to 0."""
    z = z.clone()
    z[:, k] = 0
    return z


def rank_correlations(scores, oracle_values):
    """Spearman rank correlation of each criterion with the oracle, per unit: ``{unit: {criterion: rho}}``."""
    return {
        unit: {name: float(spearmanr(values, oracle_values[unit]).statistic) for name, values in by_criterion.items()}
        for unit, by_criterion in scores.items()
    }


# ---------------------------------------------------------------- iterative pruning

# Fine-tuning between removals: a few SGD steps at a learning rate below the baseline's.
FINETUNE_LR = {"lenet5": 0.005, "lenet_300_100": 0.01}


def lowest_maps(model, scores, count, flops_weight=0.0):
    """The ``count`` kept maps with the lowest layer-normalized score over all units, ``[(unit, k)]``.

    Scores are l2-normalized over each layer's kept maps, so layers of different sizes and scales
    compete on one list (Molchanov et al. Sec. 2.2). A layer's last map is never proposed.
    FLOPs regularization (Sec. 2.3): each score is lowered by ``flops_weight`` (lambda, per MFLOP)
    times what one map of its layer costs, so maps of expensive layers go first.
    """
    cost = map_mflops(model) if flops_weight else {}
    candidates, left = [], {}
    for name, (layer, _) in UNITS[architecture(model)].items():
        keep = kept(model[layer])
        left[name] = int(keep.sum())
        normalized = l2_normalize(scores[name][keep]) - flops_weight * cost.get(name, 0.0)
        candidates += [(s, name, k) for s, k in zip(normalized.tolist(), keep.nonzero().flatten().tolist())]
    chosen = []
    for _, name, k in sorted(candidates):
        if len(chosen) == count:
            break
        if left[name] > 1:
            chosen.append((name, k))
            left[name] -= 1
    return chosen


def record(model, test_images):
    """One point of a trajectory: maps kept per unit, FLOPs and test error of the shrunk network."""
    network = shrink(model)
    return {
        "kept": {name: int(kept(model[layer]).sum()) for name, (layer, _) in UNITS[architecture(model)].items()},
        "flops": flops(network),
        "error": evaluate(network, "test", limit=test_images),
        "network": network,
    }


def prune_iteratively(name, criterion, steps, maps_per_step, finetune_steps=30, criteria_images=500, test_images=2000, flops_weight=0.0):
    """Molchanov et al.'s loop: rank, remove the lowest-ranked maps, fine-tune a few steps; repeat.

    Starts from the trained baseline ``name``. Each step scores the maps with ``criterion`` on the
    first ``criteria_images`` training images, removes ``maps_per_step`` maps (the paper removes
    one; ``flops_weight``: see ``lowest_maps``), then fine-tunes ``finetune_steps`` minibatches of 64.

    Returns:
        ``steps + 1`` points (see ``record``), the first one being the unpruned network.
    """
    images, labels = load_mnist("train")
    images, labels = images[:criteria_images], labels[:criteria_images]
    model = add_masks(pretrained(name))
    history = [record(model, test_images)]
    for step in range(steps):
        scores = {unit: by[criterion] for unit, by in criteria(model, images, labels, seed=step).items()}
        for unit, k in lowest_maps(model, scores, maps_per_step, flops_weight):
            remove_map(model[UNITS[name][unit][0]], k)
        fit(model, finetune_steps / 938, FINETUNE_LR[name], seed=step, progress=False)
        history.append(record(model, test_images))
    return history


# ---------------------------------------------------------------- precomputed results for notebook 05

# How each network is pruned by `reproduce`: maps removed per step (the paper removes one; two
# and ten keep the run short), steps, test images used for the trajectory's errors.
SCHEDULE = {
    "lenet5": dict(steps=30, maps_per_step=2, test_images=2000),
    "lenet_300_100": dict(steps=38, maps_per_step=10, test_images=None),
}
ORACLE_IMAGES = 1000  # training images on which the criteria are compared with the oracle
PAYOFF_TOLERANCE = 0.005  # the rebuilt LeNet-5: the smallest Taylor step within 0.5 points of the start
PAYOFF_EPOCHS = 1  # then fine-tuned this long, as a plain dense network
# lambda of the FLOPs regularization, per MFLOP of a map. The paper uses 1e-3 without saying the
# unit of its FLOPs; ours is chosen so that the term is comparable with the normalized scores.
FLOPS_WEIGHT = 0.3


def compare_with_oracle(name):
    """Every criterion and the oracle on the first ``ORACLE_IMAGES`` training images: ``{unit: {...: list}}``."""
    images, labels = load_mnist("train")
    images, labels = images[:ORACLE_IMAGES], labels[:ORACLE_IMAGES]
    model = pretrained(name)
    scores, truth = criteria(model, images, labels), oracle(model, images, labels)
    return {unit: {**{c: v.tolist() for c, v in scores[unit].items()}, "oracle": truth[unit].tolist()} for unit in scores}


def payoff(history):
    """The smallest network of a trajectory within ``PAYOFF_TOLERANCE`` of its start, fine-tuned; ``(network, step)``."""
    step = max(i for i, point in enumerate(history) if point["error"] <= history[0]["error"] + PAYOFF_TOLERANCE)
    network = copy.deepcopy(history[step]["network"])
    fit(network, PAYOFF_EPOCHS, FINETUNE_LR["lenet5"], progress=False, desc="fine-tune")
    return network, step


def reproduce():
    """Compare the criteria with the oracle, prune both networks with every criterion, rebuild a
    small LeNet-5; write ``data/structured/`` (JSON and one safetensors file)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    compared = {name: compare_with_oracle(name) for name in UNITS}
    (DATA_DIR / "criteria.json").write_text(json.dumps({"images": ORACLE_IMAGES, **compared}) + "\n")

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
    taylor = histories["lenet5", "taylor"]
    for point, saved in zip(taylor, trajectories["lenet5"]["taylor"]):
        saved["latency_ms"] = latency_ms(point["network"])

    network, step = payoff(taylor)
    save_file({k: v.contiguous() for k, v in network.state_dict().items()}, DATA_DIR / "lenet5_pruned.safetensors")
    info = {"step": step, "kept": taylor[step]["kept"], "finetune_epochs": PAYOFF_EPOCHS, "test_error": evaluate(network)}
    settings = {"schedule": SCHEDULE, "finetune_lr": FINETUNE_LR, "flops_weight": FLOPS_WEIGHT, "threads": torch.get_num_threads()}
    (DATA_DIR / "trajectories.json").write_text(json.dumps({**trajectories, "payoff": info, "settings": settings}) + "\n")
    print(f"rebuilt LeNet-5: step {step}, maps {info['kept']}, test error {100 * info['test_error']:.2f}%")


def load(what):
    """A precomputed result of ``reproduce``: ``"criteria"`` or ``"trajectories"`` (dict), or
    ``"lenet5_pruned"`` (the rebuilt network, a plain ``nn.Sequential``)."""
    if what == "lenet5_pruned":
        path = DATA_DIR / "lenet5_pruned.safetensors"
    else:
        path = DATA_DIR / f"{what}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m coursekit.reproduce structured`")
    try:
        return from_state("lenet5", load_file(path)) if what == "lenet5_pruned" else json.loads(path.read_text())
    except Exception as error:
        raise ValueError(f"{path} is unreadable ({error}): run `python -m coursekit.reproduce structured`") from error
