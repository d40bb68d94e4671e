"""Magnitude pruning with retraining (Han, Pool, Tran, Dally 2015, "Learning both Weights and
Connections for Efficient Neural Networks", here LWC).

The method, one function per step:

1. train a dense network (``coursekit.train``);
2. choose a threshold per layer: ``std_threshold`` (LWC Sec. 3: quality x std of the layer's
   weights) or ``sparsity_threshold`` (the k-th smallest magnitude, for a target sparsity), one
   layer at a time (``layerwise_masks``) or one threshold for all layers (``global_masks``);
3. remove the connections below it: ``apply_masks`` attaches the masks with
   ``torch.nn.utils.prune.custom_from_mask``, so a pruned weight stays exactly zero while
   ``retrain`` fine-tunes the survivors;
4. repeat 2-3 (iterative pruning, LWC Sec. 3.3): ``prune_and_retrain``.

Only weights (connections) are pruned, never biases, as in the paper. The final 12x models of
``python -m coursekit.reproduce pruning`` load with ``load_pruned("lenet_300_100")`` or
``load_pruned("lenet5")``.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils import prune

from . import models, train

PRUNING_DIR = Path(__file__).resolve().parent.parent / "data" / "pruning"


# --- which weights ---------------------------------------------------------------------------


def layers(model):
    """The prunable layers of ``model`` by the paper's names, in order.

    Conv2d layers are ``conv1, conv2, ...`` and Linear layers ``fc1, fc2, ...`` (LWC Tables 2-3
    call LeNet-5's ``fc1`` "ip1"). Returns ``{name: module}``.
    """
    named, counts = {}, {"conv": 0, "fc": 0}
    for module in model.modules():
        kind = "conv" if isinstance(module, nn.Conv2d) else "fc" if isinstance(module, nn.Linear) else None
        if kind:
            counts[kind] += 1
            named[f"{kind}{counts[kind]}"] = module
    return named


def weight_of(module):
    """The weight ``module`` computes with: ``weight_orig * weight_mask`` when it is pruned.

    (``module.weight`` itself is only refreshed on the next forward pass.)
    """
    if prune.is_pruned(module):
        return (module.weight_orig * module.weight_mask).detach()
    return module.weight.detach()


def weights(model):
    """``{layer name: weight tensor}`` of every prunable layer (masked weights where pruned)."""
    return {name: weight_of(module) for name, module in layers(model).items()}


# --- step 2: thresholds and masks ------------------------------------------------------------


def std_threshold(weight, quality):
    """LWC Sec. 3 / DC Sec. 2: threshold = quality parameter x standard deviation of the layer's weights."""
    return quality * weight.std().item()


def sparsity_threshold(scores, sparsity):
    """The k-th smallest of ``scores`` (k = round(sparsity x numel)): pruning up to it gives ``sparsity``.

    Returns ``-inf`` when k = 0 (nothing to prune).
    """
    check_sparsity(sparsity)
    k = round(sparsity * scores.numel())
    return -math.inf if k == 0 else scores.flatten().kthvalue(k).values.item()


def check_sparsity(sparsity):
    """Raise a clear error unless ``0 <= sparsity <= 1`` (a fraction, not a percentage)."""
    if not 0 <= sparsity <= 1:
        raise ValueError(f"sparsity must be a fraction in [0, 1] (e.g. 0.9 for 90%), not {sparsity!r}")


def threshold_mask(weight, threshold):
    """Mask (same shape as ``weight``, float 0/1) keeping the weights with ``|w| > threshold``."""
    return (weight.abs() > threshold).float()


def smallest_mask(scores, sparsity):
    """Mask that removes exactly round(sparsity x numel) entries: the smallest ``scores``.

    Ties are broken by position (the earlier entry in ``scores.flatten()`` goes first), so the
    sparsity is exact and the mask is the same on every run. ``scores`` are usually ``|w|``.
    """
    check_sparsity(sparsity)
    k = round(sparsity * scores.numel())
    order = torch.sort(scores.flatten(), stable=True).indices
    mask = torch.ones(scores.numel())
    mask[order[:k]] = 0
    return mask.view_as(scores)


def layerwise_masks(model, sparsity):
    """One mask per layer, each pruning its own smallest magnitudes.

    ``sparsity``: a fraction for every layer, or ``{layer name: fraction}`` (missing layers: 0).
    """
    per_layer = sparsity if isinstance(sparsity, dict) else dict.fromkeys(layers(model), sparsity)
    unknown = set(per_layer) - set(layers(model))
    if unknown:
        raise ValueError(f"unknown layers {sorted(unknown)}; this model has {list(layers(model))}")
    return {name: smallest_mask(w.abs(), per_layer.get(name, 0.0)) for name, w in weights(model).items()}


def global_masks(model, sparsity):
    """Masks from one threshold shared by all layers: the smallest magnitudes of the whole net.

    Same result as ``prune.global_unstructured(..., prune.L1Unstructured, amount=sparsity)`` on a
    model without masks, but with deterministic ties and with ``sparsity`` counted over all
    weights even when the model is already pruned (``global_unstructured`` then applies ``amount``
    to the remaining weights only).
    """
    named = weights(model)
    flat = smallest_mask(torch.cat([w.abs().flatten() for w in named.values()]), sparsity)
    sizes = [w.numel() for w in named.values()]
    return {name: part.view_as(w) for (name, w), part in zip(named.items(), flat.split(sizes))}


def std_masks(model, quality):
    """LWC: keep ``|w| > quality x std(layer)``; ``quality`` is a number or ``{layer name: number}``."""
    named = weights(model)
    q = quality if isinstance(quality, dict) else dict.fromkeys(named, quality)
    return {name: threshold_mask(w, std_threshold(w, q[name])) for name, w in named.items()}


# --- step 3: prune and retrain ---------------------------------------------------------------


def apply_masks(model, masks):
    """Attach ``{layer name: mask}`` with ``torch.nn.utils.prune.custom_from_mask``.

    The layer's parameter becomes ``weight_orig`` and its mask the buffer ``weight_mask``; every
    forward pass recomputes ``weight = weight_orig * weight_mask``, so SGD (momentum and weight
    decay included) can move ``weight_orig`` but never revive a pruned connection. A layer that
    already has a mask gets the new one in its place (the old zeros are made permanent first).
    """
    named = layers(model)
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
        for name, module in layers(model).items()
    }


def make_permanent(model):
    """Remove the masks' reparametrization: ``weight`` becomes a plain parameter with exact zeros."""
    for module in layers(model).values():
        if prune.is_pruned(module):
            prune.remove(module, "weight")
    return model


def retrain(model, epochs, lr, **fit_options):
    """LWC Sec. 3.2: fine-tune the surviving weights (not re-initialized), usually at 1/10 of the
    original learning rate. The masks attached by ``apply_masks`` hold through every step.
    Returns ``train.fit``'s per-epoch losses."""
    return train.fit(model, epochs, lr, **fit_options)


def prune_and_retrain(model, schedule, epochs, lr, scope="layer", progress=True, **fit_options):
    """Iterative pruning (LWC Sec. 3.3): prune to each sparsity of ``schedule``, retrain, repeat.

    ``schedule``: increasing sparsities (fractions, or ``{layer: fraction}`` dicts for
    ``scope="layer"``). ``fit_options`` go to ``train.fit`` (e.g. ``batch_size``). Yields ``(sparsity, model)`` after each retraining, so callers can save
    each step's checkpoint.
    """
    make_masks = layerwise_masks if scope == "layer" else global_masks
    for step, sparsity in enumerate(schedule):
        apply_masks(model, make_masks(model, sparsity))
        desc = f"retrain step {step + 1}/{len(schedule)}"
        retrain(model, epochs, lr, seed=step, progress=progress, desc=desc, **fit_options)
        yield sparsity, model


# --- measuring -------------------------------------------------------------------------------


def nonzero_weights(model):
    """``{layer name: (nonzero weights, all weights)}``; biases are not counted (never pruned)."""
    return {name: (int(w.count_nonzero()), w.numel()) for name, w in weights(model).items()}


def nonzero_parameters(model):
    """Nonzero weights plus all biases: the "params" column of LWC Table 1 after pruning."""
    biases = sum(m.bias.numel() for m in layers(model).values() if m.bias is not None)
    return sum(nz for nz, _ in nonzero_weights(model).values()) + biases


def csr_bytes(weight, value_bytes=4, index_bytes=4):
    """Bytes to store ``weight`` in compressed sparse row form (scipy/PyTorch CSR).

    A conv weight ``out x in x kh x kw`` is stored as the matrix ``out x (in*kh*kw)``: one value
    and one column index per nonzero, plus ``rows + 1`` row pointers.
    """
    matrix = weight.reshape(weight.shape[0], -1)
    nnz = int(matrix.count_nonzero())
    return nnz * (value_bytes + index_bytes) + (matrix.shape[0] + 1) * index_bytes


def dense_bytes(weight, value_bytes=4):
    """Bytes to store ``weight`` densely (float32 by default)."""
    return weight.numel() * value_bytes


# --- compact checkpoints -----------------------------------------------------------------------


def save_sparse(model, path, name, value_dtype=torch.float32, info=None):
    """Write ``model``'s weights compactly to a safetensors file (no pickle).

    Each tensor ``key`` of the plain state dict is stored as ``key.mask`` (its nonzero pattern,
    8 entries per byte with ``numpy.packbits``) and ``key.values`` (its nonzeros, in
    ``value_dtype``). ``name`` is the architecture (``models.build(name)``); ``info`` (a
    JSON-able dict) goes in the metadata.
    """
    state = {k: v.detach().cpu() for k, v in make_permanent(model).state_dict().items()}
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
    """Read a file written by ``save_sparse``: ``(architecture name, float32 state dict, info)``."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: regenerate it with `python -m coursekit.reproduce pruning`.")
    with safe_open(path, "pt") as f:
        metadata = f.metadata() or {}
    if "shapes" not in metadata:
        raise ValueError(f"{path} was not written by pruning.save_sparse (no 'shapes' metadata).")
    tensors, state = load_file(path), {}
    for key, shape in json.loads(metadata["shapes"]).items():
        numel = math.prod(shape)
        nonzero = torch.from_numpy(np.unpackbits(tensors[f"{key}.mask"].numpy(), count=numel).astype(bool))
        flat = torch.zeros(numel)
        flat[nonzero] = tensors[f"{key}.values"].float()
        state[key] = flat.view(shape)
    return metadata["model"], state, json.loads(metadata["info"])


def load_sparse(path, keep_masks=False):
    """The model saved by ``save_sparse`` at ``path``, in eval mode.

    With ``keep_masks=True`` its zeros are attached as pruning masks (``apply_masks``), so
    further training keeps them at zero; otherwise it is a plain model whose pruned weights are 0.
    """
    name, state, _ = read_sparse(path)
    model = models.build(name)
    model.load_state_dict(state)
    if keep_masks:
        apply_masks(model, {layer: (w != 0).float() for layer, w in weights(model).items()})
    return model.eval()


def load_pruned(name, keep_masks=False, root=PRUNING_DIR):
    """The final pruned model of this chapter: ``"lenet_300_100"`` or ``"lenet5"`` (>= 12x fewer
    weights, LWC Table 1), written by ``python -m coursekit.reproduce pruning``."""
    if name not in models.ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(models.ARCHITECTURES)}")
    return load_sparse(Path(root) / f"{name}_pruned.safetensors", keep_masks)


def pruned_info(name, root=PRUNING_DIR):
    """The JSON stored with a final pruned model: test error, recipe, per-layer rates."""
    return read_sparse(Path(root) / f"{name}_pruned.safetensors")[2]
