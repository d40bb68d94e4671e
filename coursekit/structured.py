"""Structured pruning: remove whole feature maps (or hidden neurons) ranked by the Taylor criterion.

Molchanov, Tyree, Karras, Aila, Kautz 2017, "Pruning Convolutional Neural Networks for Resource
Efficient Inference". A feature map ``z`` of a layer is one output channel of a convolution (or
one hidden neuron of a fully connected layer). Removing it means its output is 0 everywhere.

The methods take an ``nn.Sequential`` and its ``units``: ``{unit name: (index of the layer whose
output rows are removed, index of the module whose output is the map z)}``, e.g. for LeNet-5
``{"conv1": (0, 0), "conv2": (2, 2)}``.

The steps, one function each:

1. ``add_masks`` / ``remove_map``: hold the removed maps as ``torch.nn.utils.prune`` masks on the
   layer's weight rows and biases (the map then outputs exactly 0);
2. ``criteria``: score every map (Taylor, minimum weight, mean activation, APoZ, random) and
   ``oracle``: the actual change of the loss when that one map is removed;
3. ``lowest_maps`` / ``prune_iteratively``: remove the lowest-ranked maps, fine-tune a few steps
   (your ``fine_tune(model, step)``), repeat;
4. ``shrink``: rebuild a smaller dense ``nn.Sequential`` without the removed maps (surgery).

FLOPs are ``coursekit.network.flops``. The chapter's recipes and the runs that made
``data/structured/`` (notebook 05) are in ``coursekit.experiments.structured``.
"""

import copy
import statistics
import time

import torch
from scipy.stats import spearmanr
from torch import nn
from torch.nn.utils import prune

from . import arguments, network

__all__ = [
    "add_masks",
    "kept",
    "remove_map",
    "shrink",
    "from_state",
    "zero_smallest_weights",
    "maps_and_gradients",
    "taylor",
    "min_weight",
    "mean_activation",
    "apoz",
    "l2_normalize",
    "criteria",
    "loss",
    "oracle",
    "rank_correlations",
    "map_mflops",
    "lowest_maps",
    "prune_iteratively",
    "forward_times_ms",
    "latency_ms",
]


# ---------------------------------------------------------------- masks and surgery


def add_masks(model, units):
    """Give the layer of every unit of ``model`` all-ones masks on its weight and bias (in place).

    ``torch.nn.utils.prune`` then recomputes ``weight = weight_orig * weight_mask`` on every
    forward, so a removed map stays removed while the rest is fine-tuned.
    """
    for layer, _ in units.values():
        prune.identity(model[layer], "weight")
        prune.identity(model[layer], "bias")
    return model


def kept(layer):
    """Boolean vector, one entry per output map of ``layer``: True if the map is still there."""
    if not hasattr(layer, "bias_mask"):
        return torch.ones(layer.bias.shape[0], dtype=torch.bool)
    return layer.bias_mask.bool()


def remove_map(layer, k):
    """Remove output map ``k`` of a masked ``layer``: zero its weight row and its bias (in place).

    ``k`` is a kept map, 0 to maps - 1; a layer's last map cannot go (the network would compute nothing).
    """
    keep = kept(layer)
    k = arguments.integer(k, "k", 0, len(keep) - 1)
    if not keep[k]:
        raise ValueError(f"k: map {k} is already removed")
    if int(keep.sum()) == 1:
        raise ValueError(f"k: map {k} is the layer's last map; a layer keeps at least one")
    layer.weight_mask[k] = 0
    layer.bias_mask[k] = 0


def shrink(model):
    """Surgery: a plain dense ``nn.Sequential`` without the removed maps, same outputs as ``model``.

    Walks the layers in order: a layer loses the output rows of its removed maps, and the next
    layer loses the matching input columns (for the first ``nn.Linear`` after a convolution, each
    map is a block of ``H x W`` consecutive inputs of the flattened tensor).
    """
    layers, keep_in = [], None
    for module in model:
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            weight, bias = network.weight(module).cpu(), network.weight(module, "bias").cpu()
            keep_out = kept(module)
            if keep_in is not None:
                per_map = weight.shape[1] // len(keep_in)  # 1, or H x W after a Flatten
                weight = weight[:, keep_in.repeat_interleave(per_map)]
            weight, bias = weight[keep_out], bias[keep_out]
            module = _resized(module, weight, bias)
            keep_in = keep_out
        layers.append(copy.deepcopy(module))
    return nn.Sequential(*layers).eval()


def _resized(module, weight, bias):
    """A new ``nn.Conv2d`` / ``nn.Linear`` like ``module`` holding ``weight`` and ``bias``."""
    if isinstance(module, nn.Conv2d):
        new = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[2:])
    else:
        new = nn.Linear(weight.shape[1], weight.shape[0])
    new.weight.data.copy_(weight)
    new.bias.data.copy_(bias)
    return new


def from_state(model, state):
    """A plain ``nn.Sequential`` like ``model`` (e.g. ``models.lenet5()``), each layer sized by
    its tensors in ``state`` (keys ``"0.weight"``, ``"0.bias"``, ...), holding them.

    Loads what ``shrink`` produced (e.g. from a safetensors file): each layer takes the shape of
    its saved weight, so the pruned network runs as ordinary PyTorch, no masks or custom code.
    """
    layers = []
    for i, module in enumerate(model):
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            module = _resized(module, state[f"{i}.weight"], state[f"{i}.bias"])
        layers.append(module)
    return nn.Sequential(*layers).eval()


def zero_smallest_weights(model, amount):
    """A copy of ``model`` with the ``amount`` fraction of its smallest weights set to 0 (unstructured).

    ``torch.nn.utils.prune.global_unstructured`` over every conv and linear weight, made permanent:
    the tensors keep their shapes, so dense kernels do exactly the same work.
    """
    model = copy.deepcopy(model)
    weights = [(m, "weight") for m in network.layers(model).values()]
    prune.global_unstructured(weights, pruning_method=prune.L1Unstructured, amount=amount)
    for module, name in weights:
        prune.remove(module, name)
    return model


# ---------------------------------------------------------------- criteria and oracle


def maps_and_gradients(model, units, images, labels):
    """Forward + backward on a batch; each unit's map ``z`` and ``dC/dz``, shaped ``N x C x M``.

    ``C`` is the cross-entropy summed over the ``N`` examples, so ``dC/dz`` of example ``n`` is
    the gradient of its own loss. ``M`` is the number of positions of a map (1 for a neuron).
    """
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


def min_weight(layer):
    """Minimum-weight criterion: mean squared weight of the kernel that produces each map, ``C`` scores."""
    weight = network.weight(layer)
    return weight.reshape(weight.shape[0], -1).pow(2).mean(1)


def mean_activation(z):
    """Mean of ``|z|`` over examples and positions, ``C`` scores (``|z| = z`` after a ReLU)."""
    return z.abs().mean((0, 2))


def apoz(z):
    """Average Percentage of Zeros of each map over examples and positions, ``C`` fractions in [0, 1]."""
    return (z == 0).float().mean((0, 2))


def l2_normalize(scores):
    """Layer-wise normalization (Molchanov et al. Sec. 2.2): ``theta / sqrt(sum_j theta_j^2)``."""
    return scores / scores.norm()


def criteria(model, units, images, labels, seed=0):
    """Every criterion for every unit: ``{unit: {criterion: C scores}}``, higher = more important.

    The criteria: ``"taylor"``, ``"weight"`` (minimum weight), ``"activation"`` (mean
    activation), ``"random"`` (uniform noise from ``seed``) and ``"apoz"``. APoZ becomes
    ``1 - APoZ`` (many zeros = unimportant) and is only given where the map follows a ReLU:
    Caffe's LeNet-5 convolutions are not followed by one, their outputs are never exactly zero,
    so APoZ is 0 for every map and ranks nothing.
    """
    found = maps_and_gradients(model, units, images, labels)
    generator = torch.Generator().manual_seed(seed)
    result = {}
    for name, (layer, at) in units.items():
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
def oracle(model, units, images, labels):
    """The oracle: ``{unit: C values}``, ``|C(map k removed) - C|`` for each map ``k`` alone (mean loss).

    The network is split after the map: its first part computes ``z`` once, the rest runs again
    with channel ``k`` of ``z`` set to 0, which is what ``remove_map`` does to the network.
    """
    base = loss(model, images, labels)
    result = {}
    for name, (_, at) in units.items():
        z, rest = model[: at + 1](images), model[at + 1 :]
        changes = [abs(loss(rest, _zero_channel(z, k), labels) - base) for k in range(z.shape[1])]
        result[name] = torch.tensor(changes)
    return result


def _zero_channel(z, k):
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


def map_mflops(model, units, input_shape=(1, 1, 28, 28)):
    """What one map of each unit costs, ``{unit: MFLOPs}``: its share of its own layer and of the
    next conv/linear layer, which reads it, in the network as it is once shrunk (FLOPs of one
    input of ``input_shape``, ``network.layer_flops``)."""
    small = shrink(model)
    costs = network.layer_flops(small, input_shape)
    names = {id(module): name for name, module in network.layers(small).items()}
    order = list(costs)
    result = {}
    for unit, (layer, _) in units.items():
        own = names[id(small[layer])]
        reader = order[order.index(own) + 1]
        result[unit] = (costs[own] + costs[reader]) / int(kept(model[layer]).sum()) / 1e6
    return result


def lowest_maps(model, units, scores, count, flops_weight=0.0, input_shape=(1, 1, 28, 28)):
    """The ``count`` kept maps with the lowest layer-normalized score over all units, ``[(unit, k)]``.

    Scores are l2-normalized over each layer's kept maps, so layers of different sizes and scales
    compete on one list (Molchanov et al. Sec. 2.2). A layer's last map is never proposed.
    FLOPs regularization (Sec. 2.3): each score is lowered by ``flops_weight`` (lambda, per MFLOP)
    times what one map of its layer costs (``map_mflops`` for inputs of ``input_shape``), so maps
    of expensive layers go first.
    """
    flops_weight = arguments.number(flops_weight, "flops_weight", low=0)
    count = arguments.integer(count, "count", 0)  # more than can go: all that can (each layer keeps one)
    cost = map_mflops(model, units, input_shape) if flops_weight else {}
    candidates, left = [], {}
    for name, (layer, _) in units.items():
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


def _record(model, units, test_error, input_shape):
    """One point of a trajectory: maps kept per unit, FLOPs and test error of the shrunk network."""
    small = shrink(model)
    return {
        "kept": {name: int(kept(model[layer]).sum()) for name, (layer, _) in units.items()},
        "flops": network.flops(small, input_shape),
        "error": test_error(small),
        "network": small,
    }


def prune_iteratively(
    model, units, images, labels, criterion, steps, maps_per_step, fine_tune, test_error, flops_weight=0.0
):
    """Molchanov et al.'s loop: rank, remove the lowest-ranked maps, fine-tune a few steps; repeat.

    ``model`` (a trained ``nn.Sequential``, masked in place by ``add_masks``) is pruned over its
    ``units``. Each step scores the maps with ``criterion`` (a key of ``criteria``) on ``images``
    (``N x ...``, e.g. ``N x 1 x 28 x 28``) and ``labels``, removes ``maps_per_step`` maps (the paper removes one;
    ``flops_weight``: see ``lowest_maps``), then calls ``fine_tune(model, step)`` (e.g. a few
    SGD minibatches; the masks hold). ``test_error(network)`` measures each shrunk network.

    Returns:
        ``steps + 1`` points ``{"kept": {unit: maps}, "flops": FLOPs of one input, "error",
        "network": the shrunk network}``, the first one being the unpruned network.
    """
    input_shape = (1, *images.shape[1:])
    add_masks(model, units)
    history = [_record(model, units, test_error, input_shape)]
    for step in range(steps):
        scores = {unit: by[criterion] for unit, by in criteria(model, units, images, labels, seed=step).items()}
        for unit, k in lowest_maps(model, units, scores, maps_per_step, flops_weight, input_shape):
            remove_map(model[units[unit][0]], k)
        fine_tune(model, step)
        history.append(_record(model, units, test_error, input_shape))
    return history


# ---------------------------------------------------------------- what it buys: latency


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
