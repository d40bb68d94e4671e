"""Magnitude pruning with retraining (Han, Pool, Tran, Dally 2015, "Learning both Weights and
Connections for Efficient Neural Networks", here LWC).

The method, one function per step, in the paper's order:

1. train a dense network;
2. choose a threshold per layer: ``std_threshold`` (LWC Sec. 3: quality x std of the layer's
   weights) or ``sparsity_threshold`` (the k-th smallest magnitude, for a target sparsity), one
   layer at a time (``layerwise_masks``) or one threshold for all layers (``global_masks``);
3. remove the connections below it: ``apply_masks`` attaches the masks with
   ``torch.nn.utils.prune.custom_from_mask``, so a pruned weight stays exactly zero while your
   ``retrain(model, step)`` fine-tunes the survivors;
4. repeat 2-3 (iterative pruning, LWC Sec. 3.3): ``prune_and_retrain``, e.g. through a
   ``geometric_schedule``.

Then: store the result compactly (``save_sparse`` / ``load_sparse``) and count what it saves
(``flops_table``: LWC Tables 2-3; ``kept_parameters``: Table 1 from per-layer rates).

Only weights (connections) are pruned, never biases, as in the paper. The layers, their
effective (masked) weights, FLOPs and byte counts come from ``coursekit.network``. The chapter's
recipes and the runs that made ``data/pruning/`` are in ``coursekit.experiments.pruning``.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch.nn.utils import prune

from . import arguments, models, network
from .i18n import message

__all__ = [
    "std_threshold",
    "sparsity_threshold",
    "threshold_mask",
    "smallest_mask",
    "layerwise_masks",
    "global_masks",
    "std_masks",
    "apply_masks",
    "masks",
    "make_permanent",
    "geometric_schedule",
    "prune_and_retrain",
    "save_sparse",
    "read_sparse",
    "load_sparse",
    "input_density",
    "flops_table",
    "kept_parameters",
]


# --- step 2: thresholds and masks ------------------------------------------------------------


def std_threshold(weight, quality):
    """LWC Sec. 3 / DC Sec. 2: threshold = quality parameter x standard deviation of the layer's weights."""
    return arguments.number(quality, "quality", low=0) * weight.std().item()


def sparsity_threshold(scores, sparsity):
    """The k-th smallest of ``scores`` (k = round(sparsity x numel)): pruning up to it gives ``sparsity``.

    Returns ``-inf`` when k = 0 (nothing to prune).
    """
    _check_sparsity(sparsity)
    k = round(sparsity * scores.numel())
    return -math.inf if k == 0 else scores.flatten().kthvalue(k).values.item()


def _check_sparsity(sparsity):
    """Raise a clear error unless ``0 <= sparsity <= 1`` (a fraction, not a percentage)."""
    try:
        arguments.number(sparsity, "sparsity", 0, 1)
    except ValueError:
        raise ValueError(message("pruning.sparsity", sparsity=sparsity)) from None


def threshold_mask(weight, threshold):
    """Mask (same shape as ``weight``, float 0/1) keeping the weights with ``|w| > threshold``."""
    return (weight.abs() > threshold).float()


def smallest_mask(scores, sparsity):
    """Mask that removes exactly round(sparsity x numel) entries: the smallest ``scores``.

    Ties are broken by position (the earlier entry in ``scores.flatten()`` goes first), so the
    sparsity is exact and the mask is the same on every run. ``scores`` are usually ``|w|``.
    """
    _check_sparsity(sparsity)
    k = round(sparsity * scores.numel())
    order = torch.sort(scores.flatten(), stable=True).indices
    mask = torch.ones(scores.numel())
    mask[order[:k]] = 0
    return mask.view_as(scores)


def layerwise_masks(model, sparsity):
    """One mask per layer, each pruning its own smallest magnitudes: ``{layer name: 0/1 mask}``.

    ``sparsity``: a fraction for every layer, or ``{layer name: fraction}`` (missing layers: 0).
    """
    named = network.layers(model)
    per_layer = sparsity if isinstance(sparsity, dict) else dict.fromkeys(named, sparsity)
    unknown = set(per_layer) - set(named)
    if unknown:
        raise ValueError(message("pruning.unknown_layers", unknown=sorted(unknown), layers=list(named)))
    return {name: smallest_mask(w.abs(), per_layer.get(name, 0.0)) for name, w in network.weights(model).items()}


def global_masks(model, sparsity):
    """Masks from one threshold shared by all layers: the smallest magnitudes of the whole net.

    Same result as ``prune.global_unstructured(..., prune.L1Unstructured, amount=sparsity)`` on a
    model without masks, but with deterministic ties and with ``sparsity`` counted over all
    weights even when the model is already pruned (``global_unstructured`` then applies ``amount``
    to the remaining weights only).
    """
    named = network.weights(model)
    flat = smallest_mask(torch.cat([w.abs().flatten() for w in named.values()]), sparsity)
    sizes = [w.numel() for w in named.values()]
    return {name: part.view_as(w) for (name, w), part in zip(named.items(), flat.split(sizes))}


def std_masks(model, quality):
    """LWC: keep ``|w| > quality x std(layer)``; ``quality`` is a number or ``{layer name: number}``."""
    named = network.weights(model)
    q = quality if isinstance(quality, dict) else dict.fromkeys(named, quality)
    unknown = set(q) - set(named)
    if unknown:
        raise ValueError(message("pruning.quality_layers", unknown=sorted(unknown), layers=list(named)))
    return {name: threshold_mask(w, std_threshold(w, q[name])) for name, w in named.items()}


# --- step 3: prune, and keep the masks while retraining ---------------------------------------


def apply_masks(model, masks):
    """Attach ``{layer name: mask}`` with ``torch.nn.utils.prune.custom_from_mask``; returns ``model``.

    The layer's parameter becomes ``weight_orig`` and its mask the buffer ``weight_mask``; every
    forward pass recomputes ``weight = weight_orig * weight_mask``, so SGD (momentum and weight
    decay included) can move ``weight_orig`` but never revive a pruned connection. A layer that
    already has a mask gets the new one in its place (the old zeros are made permanent first).
    """
    named = network.layers(model)
    for name, mask in masks.items():
        module = named[name]
        if prune.is_pruned(module):
            prune.remove(module, "weight")
        prune.custom_from_mask(module, "weight", mask.to(module.weight.device))
    return model


def masks(model):
    """``{layer name: mask}`` of the model (all ones for a layer without a mask)."""
    return {
        name: module.weight_mask.detach() if prune.is_pruned(module) else torch.ones_like(module.weight)
        for name, module in network.layers(model).items()
    }


def make_permanent(model):
    """Remove the masks' reparametrization: ``weight`` becomes a plain parameter with exact zeros."""
    for module in network.layers(model).values():
        if prune.is_pruned(module):
            prune.remove(module, "weight")
    return model


# --- step 4: iterate ---------------------------------------------------------------------------


def geometric_schedule(sparsity, steps):
    """Per-layer sparsities of each round: the fraction kept goes from 1 to ``1 - sparsity`` in
    ``steps`` equal ratios (e.g. keep 20%, 6.3%, 4% in three steps). ``sparsity``:
    ``{layer name: final fraction}`` (each in [0, 1]); returns ``steps`` (>= 1) such dicts."""
    steps = arguments.integer(steps, "steps", 1)
    for s in sparsity.values():
        _check_sparsity(s)
    return [{name: 1 - (1 - s) ** ((i + 1) / steps) for name, s in sparsity.items()} for i in range(steps)]


def prune_and_retrain(model, schedule, retrain, scope="layer"):
    """Iterative pruning (LWC Sec. 3.3): prune to each sparsity of ``schedule``, retrain, repeat.

    ``schedule``: increasing sparsities (fractions, or ``{layer: fraction}`` dicts for
    ``scope="layer"``; ``scope="global"``: one threshold for all layers). ``retrain(model, step)``
    fine-tunes the surviving weights in place (LWC Sec. 3.2: not re-initialized, usually at 1/10
    of the original learning rate; the masks hold through every SGD step); ``step`` = 0, 1, ...
    is the round (e.g. for its seed). Yields ``(sparsity, model)`` after each retraining, so
    callers can save each step's checkpoint.
    """
    make_masks = layerwise_masks if scope == "layer" else global_masks
    for step, sparsity in enumerate(schedule):
        apply_masks(model, make_masks(model, sparsity))
        retrain(model, step)
        yield sparsity, model


# --- compact checkpoints -----------------------------------------------------------------------


def _plain_state_dict(model):
    """``model``'s state dict as an unpruned model would have it: ``weight = weight_orig * weight_mask``
    under the key ``weight`` (the model itself keeps its masks)."""
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    plain = {}
    for key, value in state.items():
        if key.endswith("_orig"):
            plain[key.removesuffix("_orig")] = value * state[key.removesuffix("_orig") + "_mask"]
        elif not key.endswith("_mask"):
            plain[key] = value
    return plain


def save_sparse(model, path, name, value_dtype=torch.float32, info=None):
    """Write ``model``'s weights compactly to a safetensors file (no pickle).

    Each tensor ``key`` of the plain state dict is stored as ``key.mask`` (its nonzero pattern,
    8 entries per byte with ``numpy.packbits``) and ``key.values`` (its nonzeros, in
    ``value_dtype``). ``name`` is the architecture (``models.build(name)``); ``info`` (a
    JSON-able dict) goes in the metadata.
    """
    state = _plain_state_dict(model)
    tensors = {}
    for key, t in state.items():
        nonzero = t.flatten() != 0
        tensors[f"{key}.mask"] = torch.from_numpy(np.packbits(nonzero.numpy()))
        tensors[f"{key}.values"] = t.flatten()[nonzero].to(value_dtype).contiguous()
    shapes = {key: list(t.shape) for key, t in state.items()}
    metadata = {"model": name, "shapes": json.dumps(shapes), "info": json.dumps(info or {})}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, path, metadata=metadata)


def read_sparse(path):
    """Read a file written by ``save_sparse``: ``(architecture name, float32 state dict, info)``.

    Every field is checked before it is used: the architecture must be one of
    ``models.ARCHITECTURES`` and the stored shapes its own (so a file cannot ask for more memory
    than the model takes), each mask must cover its tensor and each ``values`` hold one number per
    set bit. Anything else is a ``ValueError`` naming the file.
    """

    def bad(problem):
        return ValueError(f"{path} was not written by pruning.save_sparse: {problem}")

    try:
        with safe_open(path, "pt") as f:
            metadata, keys = f.metadata() or {}, set(f.keys())
            name = metadata.get("model")
            if name not in models.ARCHITECTURES:
                raise bad(f"its model {name!r} is none of {sorted(models.ARCHITECTURES)}")
            try:
                shapes, info = json.loads(metadata["shapes"]), json.loads(metadata.get("info", "{}"))
            except (KeyError, TypeError, json.JSONDecodeError):
                raise bad("its 'shapes' metadata is missing or not JSON") from None
            expected = {key: list(t.shape) for key, t in models.build(name).state_dict().items()}
            if shapes != expected:
                raise bad(f"its tensor shapes are not those of {name}")
            missing = sorted({f"{key}.{part}" for key in shapes for part in ("mask", "values")} - keys)
            if missing:
                raise bad(f"tensors {missing} are missing")
            state = {}
            for key, shape in shapes.items():
                numel = math.prod(shape)
                mask = f.get_tensor(f"{key}.mask")
                if mask.dtype != torch.uint8 or mask.numel() != (numel + 7) // 8:
                    raise bad(f"{key}.mask is not {(numel + 7) // 8} bytes")
                nonzero = torch.from_numpy(np.unpackbits(mask.numpy(), count=numel).astype(bool))
                values = f.get_tensor(f"{key}.values")
                if not values.is_floating_point() or values.numel() != int(nonzero.sum()):
                    raise bad(f"{key}.values does not hold one number per set bit of its mask")
                flat = torch.zeros(numel)
                flat[nonzero] = values.float()
                state[key] = flat.view(shape)
    except SafetensorError as error:
        raise ValueError(f"{path}: not a readable safetensors file ({error})") from None
    return name, state, info


def load_sparse(path, keep_masks=False):
    """The model saved by ``save_sparse`` at ``path``, in eval mode.

    With ``keep_masks=True`` its zeros are attached as pruning masks (``apply_masks``), so
    further training keeps them at zero; otherwise it is a plain model whose pruned weights are 0.
    """
    name, state, _ = read_sparse(path)
    model = models.build(name)
    model.load_state_dict(state)
    if keep_masks:
        apply_masks(model, {layer: (w != 0).float() for layer, w in network.weights(model).items()})
    return model.eval()


# --- what it saves: LWC Tables 1-3 ---------------------------------------------------------------


@torch.inference_mode()
def input_density(model, images):
    """``{layer name: fraction of nonzero entries in the layer's input}``, averaged over ``images``
    (``N x C x H x W``).

    LWC Tables 2-3's "act%" is this density at the next layer's input (after ReLU and pooling).
    """
    densities, hooks = {}, []
    for name, module in network.layers(model).items():
        hook = lambda m, args, name=name: densities.__setitem__(name, (args[0] != 0).float().mean().item())
        hooks.append(module.register_forward_pre_hook(hook))
    model.eval()(images)
    for hook in hooks:
        hook.remove()
    return densities


def flops_table(model, images):
    """LWC Tables 2-3 measured: ``{layer name or "total": row}``, per layer the weights, FLOPs of
    one image (``network.layer_flops``), input density over ``images``, fraction of weights kept
    and fraction of FLOPs left. FLOPs left = weights kept x density of the layer's input (a zero
    input skips all its multiplies, a pruned weight skips its own)."""
    flops = network.layer_flops(model, input_shape=(1, *images.shape[1:]))
    density, kept = input_density(model, images), network.nonzero_weights(model)
    rows = {}
    for name, (nonzero, total) in kept.items():
        rows[name] = {
            "weights": total,
            "flops": flops[name],
            "input_density": density[name],
            "weights_kept": nonzero / total,
            "flops_kept": nonzero / total * density[name],
        }
    all_flops = sum(flops.values())
    rows["total"] = {
        "weights": sum(total for _, total in kept.values()),
        "flops": all_flops,
        "weights_kept": sum(nz for nz, _ in kept.values()) / sum(total for _, total in kept.values()),
        "flops_kept": sum(r["flops"] * r["flops_kept"] for r in rows.values()) / all_flops,
    }
    return rows


def kept_parameters(model, keep):
    """Parameters left when each prunable layer keeps the fraction ``keep[layer]`` of its weights
    (biases kept). ``model`` may live on the meta device (architecture only, no weights): used for
    AlexNet and VGG-16 with the paper's per-layer rates."""
    named = network.layers(model)
    if set(keep) != set(named):
        raise ValueError(message("pruning.keep_layers", given=sorted(keep), layers=list(named)))
    biases = sum(m.bias.numel() for m in named.values() if m.bias is not None)
    return round(sum(keep[name] * m.weight.numel() for name, m in named.items())) + biases
