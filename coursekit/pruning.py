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
from .data import load_mnist

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
    ``scope="layer"``). ``fit_options`` go to ``train.fit`` (e.g. ``batch_size``). Yields
    ``(sparsity, model)`` after each retraining, so callers can save each step's checkpoint.
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


def plain_state_dict(model):
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
    state = plain_state_dict(model)
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


# --- Tables 2-3: FLOPs ---------------------------------------------------------------------------


@torch.inference_mode()
def input_density(model, images):
    """``{layer name: fraction of nonzero entries in the layer's input}``, averaged over ``images``.

    LWC Tables 2-3's "act%" is this density at the next layer's input (after ReLU and pooling).
    """
    densities, hooks = {}, []
    for name, module in layers(model).items():
        hook = lambda m, args, name=name: densities.__setitem__(name, (args[0] != 0).float().mean().item())
        hooks.append(module.register_forward_pre_hook(hook))
    model.eval()(images)
    for hook in hooks:
        hook.remove()
    return densities


@torch.inference_mode()
def dense_flops(model):
    """``{layer name: FLOPs per image}`` of the dense model, counted as in LWC Tables 2-3:
    2 x multiply-adds (a conv's weight is used once per output position)."""
    flops, hooks = {}, []
    for name, module in layers(model).items():
        positions = lambda out: out[0, 0].numel() if out.dim() == 4 else 1
        hook = lambda m, args, out, name=name: flops.__setitem__(name, 2 * m.weight.numel() * positions(out))
        hooks.append(module.register_forward_hook(hook))
    model.eval()(torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device))
    for hook in hooks:
        hook.remove()
    return flops


def layer_table(model, images):
    """LWC Tables 2-3 measured: per layer the weights, FLOPs, input density, weights kept and
    FLOPs left. FLOPs left = weights kept x density of the layer's input (a zero input skips all
    its multiplies, a pruned weight skips its own)."""
    flops, density, kept = dense_flops(model), input_density(model, images), nonzero_weights(model)
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
    named = layers(model)
    if set(keep) != set(named):
        raise ValueError(f"keep rates given for {sorted(keep)}, but the layers are {list(named)}")
    biases = sum(m.bias.numel() for m in named.values() if m.bias is not None)
    return round(sum(keep[name] * m.weight.numel() for name, m in named.items())) + biases


# --- the chapter's experiments: `python -m coursekit.reproduce pruning` ----------------------------

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
        steps=4, epochs=3, lr=0.05, weight_decay=5e-4, batch_size=64,
    ),
}
# Retraining of the grid and the curves below: shorter, in batches of 256 to be quick.
RETRAIN = {
    "lenet_300_100": dict(lr=0.1, weight_decay=5e-4, batch_size=256),
    "lenet5": dict(lr=0.02, weight_decay=5e-4, batch_size=256),
}
# Sparsities of the retrained checkpoints (the slider's "retrained" grid and the curves of LWC
# Fig. 5), each reached from the previous one in one round of `GRID_EPOCHS`.
GRID = [0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99]
GRID_EPOCHS = {"lenet_300_100": 2, "lenet5": 0.25}
# Sparsities of the per-layer sensitivity scan (one layer pruned at a time, no retraining).
SCAN = [0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
# The slider: every whole percent from 0 to 99; LeNet-5 is evaluated on the first 2,000 test images.
SLIDER_PERCENTS = list(range(100))
SLIDER_IMAGES = {"lenet_300_100": None, "lenet5": 2000}
HISTOGRAM_BINS = 80


def geometric_schedule(sparsity, steps):
    """Per-layer sparsities of each round: the fraction kept goes from 1 to ``1 - sparsity`` in
    ``steps`` equal ratios (e.g. keep 20%, 6.3%, 4% in three steps)."""
    return [{name: 1 - (1 - s) ** ((i + 1) / steps) for name, s in sparsity.items()} for i in range(steps)]


def grid_path(name, scope, sparsity, root=PRUNING_DIR):
    return Path(root) / "grid" / f"{name}_{scope}_{round(100 * sparsity)}.safetensors"


def prune_final(name, progress=True):
    """Prune the baseline ``name`` to its ``FINAL`` rates; returns ``(model, info)``.

    ``info["history"]`` lists ``(epoch, nonzero parameters)`` from dense training through each
    prune and retrain (the network's own "synapse count" over its life).
    """
    recipe = FINAL[name]
    baseline = models.baseline_info(name)
    model = models.pretrained(name)
    epoch = baseline["epochs"]
    history = [(0, baseline["parameters"]), (epoch, baseline["parameters"])]
    schedule = geometric_schedule(recipe["sparsity"], recipe["steps"])
    fit = dict(weight_decay=recipe["weight_decay"], batch_size=recipe["batch_size"], progress=progress)
    for i, sparsity in enumerate(schedule):
        apply_masks(model, layerwise_masks(model, sparsity))
        history.append((epoch, nonzero_parameters(model)))
        retrain(model, recipe["epochs"], recipe["lr"], seed=i, desc=f"{name} round {i + 1}", **fit)
        epoch += recipe["epochs"]
        history.append((epoch, nonzero_parameters(model)))
    info = {
        "baseline_error": baseline["test_error"],
        "test_error": train.evaluate(model),
        "parameters": (baseline["parameters"], nonzero_parameters(model)),
        "recipe": recipe,
        "history": history,
    }
    return model, info


def retrained_grid(name, scope, progress=True):
    """Iterative prune + retrain through ``GRID`` (``scope`` "layer" or "global"), saving each
    checkpoint (fp16 values) for the slider. Returns the test error at each ``GRID`` sparsity."""
    model, errors = models.pretrained(name), []
    steps = prune_and_retrain(model, GRID, GRID_EPOCHS[name], scope=scope, progress=progress, **RETRAIN[name])
    for sparsity, model in steps:
        errors.append(train.evaluate(model, limit=SLIDER_IMAGES[name]))
        save_sparse(model, grid_path(name, scope, sparsity), name, torch.float16)
    return errors


def one_shot_errors(name, progress=True):
    """One-shot prune + retrain: the baseline pruned straight to each ``GRID`` sparsity (layer-wise),
    retrained as long as one iterative round. Returns the test error at each ``GRID`` sparsity."""
    errors = []
    for sparsity in GRID:
        model = models.pretrained(name)
        apply_masks(model, layerwise_masks(model, sparsity))
        retrain(model, GRID_EPOCHS[name], **RETRAIN[name], progress=progress, desc=f"one shot {sparsity}")
        errors.append(train.evaluate(model, limit=SLIDER_IMAGES[name]))
    return errors


def sensitivity_scan(name):
    """Prune one layer at a time to each ``SCAN`` sparsity, no retraining (LWC Fig. 6).

    Returns ``{layer name: [test error at each SCAN sparsity]}``.
    """
    scan = {}
    for layer in layers(models.build(name)):
        scan[layer] = []
        for sparsity in SCAN:
            model = models.pretrained(name)
            apply_masks(model, layerwise_masks(model, {layer: sparsity}))
            scan[layer].append(train.evaluate(model, limit=SLIDER_IMAGES[name]))
    return scan


def weight_histogram(model, edges):
    """Counts of the nonzero weights of all layers in the bins ``edges`` (values outside are clipped in)."""
    values = torch.cat([w[w != 0].flatten() for w in weights(model).values()]).numpy()
    return np.histogram(np.clip(values, edges[0], edges[-1]), edges)[0].tolist()


def model_bytes(model):
    """``(dense, csr)`` bytes of all parameters in float32: weights dense or CSR, biases dense."""
    named = layers(model)
    biases = 4 * sum(m.bias.numel() for m in named.values() if m.bias is not None)
    ws = weights(model).values()
    return sum(dense_bytes(w) for w in ws) + biases, sum(csr_bytes(w) for w in ws) + biases


def slider_point(model, scope, sparsity, name, edges):
    """What the slider shows for ``model`` pruned to ``sparsity``: error, nonzeros, sizes, histogram."""
    make_masks = layerwise_masks if scope == "layer" else global_masks
    apply_masks(model, make_masks(model, sparsity))
    dense, csr = model_bytes(model)
    return {
        "error": train.evaluate(model, limit=SLIDER_IMAGES[name]),
        "nonzero_weights": sum(nz for nz, _ in nonzero_weights(model).values()),
        "dense_kb": dense / 1024,
        "csr_kb": csr / 1024,
        "histogram": weight_histogram(model, edges),
    }


def slider_table(name, progress=True):
    """Every slider position precomputed (``SLIDER_PERCENTS`` x scope x retrained), so a slider
    move is a table lookup. "Retrained" starts from the retrained checkpoint of the largest
    ``GRID`` sparsity not above the position (the baseline below the first) and prunes it further.
    """
    from tqdm.auto import tqdm

    limit = max(w.abs().max().item() for w in weights(models.pretrained(name)).values())
    edges = np.linspace(-limit, limit, HISTOGRAM_BINS + 1)
    table = {"edges": edges.tolist(), "images": SLIDER_IMAGES[name] or 10_000, "percents": SLIDER_PERCENTS}
    for scope in ("layer", "global"):
        for retrained in (False, True):
            rows = []
            for percent in tqdm(SLIDER_PERCENTS, desc=f"slider {name} {scope} {retrained}", disable=not progress):
                start = max([0] + [g for g in GRID if g <= percent / 100]) if retrained else 0
                model = models.pretrained(name) if start == 0 else load_sparse(grid_path(name, scope, start))
                rows.append({"from": start, **slider_point(model, scope, percent / 100, name, edges)})
            table[f"{scope}/{'retrained' if retrained else 'pruned'}"] = rows
    return table


def write_json(data, filename, root=PRUNING_DIR):
    Path(root).mkdir(parents=True, exist_ok=True)
    (Path(root) / filename).write_text(json.dumps(data, separators=(",", ":")) + "\n")


def load_results(filename="results.json", root=PRUNING_DIR):
    """The numbers ``reproduce()`` wrote: ``results.json`` (tables, curves) or ``slider.json``."""
    path = Path(root) / filename
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: regenerate it with `python -m coursekit.reproduce pruning`.")
    return json.loads(path.read_text())


def reproduce_final(name):
    """The final model (``prune_final``) with its per-layer tables, saved to
    ``data/pruning/NAME_pruned.safetensors``; returns its ``info`` (``results["final"]``)."""
    model, info = prune_final(name)
    images = load_mnist("test")[0]
    info["layers"] = layer_table(model, images)
    info["dense_layers"] = layer_table(models.pretrained(name), images)
    save_sparse(model, PRUNING_DIR / f"{name}_pruned.safetensors", name, info=info)
    return info


def reproduce_model(name):
    """Everything the notebook loads for one model: ``(results, slider table)``."""
    results = {"final": reproduce_final(name), "sensitivity": sensitivity_scan(name)}
    results["iterative"] = {scope: retrained_grid(name, scope) for scope in ("layer", "global")}
    if name == "lenet_300_100":
        results["one_shot"] = one_shot_errors(name)
    return results, slider_table(name)


def reproduce(names=tuple(FINAL)):
    """Regenerate ``data/pruning/``: the final 12x models, the retrained grid, the curves of LWC
    Fig. 5, the sensitivity scans, Tables 1-3 measured and the slider's table."""
    import time

    torch.set_num_threads(1)  # the CPU is shared: one thread each runs faster than oversubscribed
    for name in names:
        start = time.perf_counter()
        results, slider = reproduce_model(name)
        results["seconds"] = round(time.perf_counter() - start)
        for filename, data in (("results.json", results), ("slider.json", slider)):
            previous = load_results(filename) if (PRUNING_DIR / filename).is_file() else {}
            write_json({**previous, name: data}, filename)
        before, after = results["final"]["parameters"]
        print(
            f"{name}: {100 * results['final']['baseline_error']:.2f}% -> {100 * results['final']['test_error']:.2f}% "
            f"test error, {before} -> {after} parameters ({before / after:.1f}x) in {results['seconds']} s"
        )
