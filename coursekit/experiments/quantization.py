"""The quantization chapter's experiments (notebook 02): recipes, the reproduce driver, results.

``python -m coursekit.reproduce quantization`` quantizes the baselines and the pruning chapter's
models with every init and bit width (``coursekit.quantization``, clustered by
``kmeans_fast.kmeans_1d``), fine-tunes their codebooks on MNIST and writes ``data/quantization/``:
``NAME.json`` (errors, sizes, codebooks) and ``lenet_300_100_finetuned.safetensors`` (the
fine-tuned codebooks and biases). ``load_results`` and ``load_fine_tuned`` read them back.
"""

import copy

import torch
from safetensors.torch import load_file, save_file
from torch.nn.utils import parametrize
from tqdm.auto import tqdm

from .. import kmeans_fast, network, pruning, train
from ..data import load_mnist
from ..papers import DC_TABLE6
from ..quantization import INITS, codebook, linear_quantize, model_bits, quantize_model_
from . import ERROR_TOLERANCE, baselines, error_goal, load_json, measured, path, write_json
from . import pruning as pruning_experiments

# Trained quantization (Sec. 3.3): SGD on the codebooks and biases. A shared value's gradient is a
# sum over thousands of weights (Eq. 3), so the learning rate is far below the baseline's 0.05.
# `lr` is the default (a notebook's live cell, ``fine_tune_``); `reproduce` chooses the rate it uses
# on the VALIDATION split, among `lr_candidates`, at the setting `choose_at` (conv bits, fc bits,
# linear init), and records it in NAME.json's "finetune". The epochs were fixed earlier (kept).
FINE_TUNE = {
    "lenet_300_100": dict(epochs=0.5, lr=3e-5, lr_candidates=(1e-5, 3e-5, 1e-4), choose_at=(32, 3)),
    "lenet5": dict(epochs=0.05, lr=1e-5, lr_candidates=(3e-6, 1e-5, 3e-5), choose_at=(32, 2)),
}

# LeNet-5's fine-tuned settings (conv bits, fc bits), linear init: Fig. 7's two curves (one kind of
# layer left at 32 bits), DC Table 6's rows, and the conv-at-8-bits row the live panel draws beside
# its live curve. (The old slider fine-tuned every conv x fc x init setting: 256 more runs, ~35 min.)
LENET5_FINE_TUNED = sorted(
    ({(c, 32) for c in range(1, 9)} | {(32, f) for f in range(1, 9)} | {(8, f) for f in range(1, 9)} | set(DC_TABLE6))
    - {(32, 32)}  # the baseline itself
)

# The pruning chapter's retrained layer-wise grid (fraction of weights pruned) used beside its final
# model (LWC's per-layer profile, 12.7x) for the pruning-only and pruning + quantization curves.
PRUNED_GRID = pruning_experiments.CHECKPOINTS["lenet_300_100"]


def config_key(conv_bits, fc_bits, init):
    """``"conv/fc/init"``, e.g. ``"32/6/linear"``: the key of one quantization setting."""
    return f"{conv_bits}/{fc_bits}/{init}"


def quantized_copy(model, fc_bits, conv_bits=None, init="linear"):
    """A copy of ``model`` quantized by ``quantization.quantize_model_`` with the fast k-means."""
    return quantize_model_(copy.deepcopy(model), fc_bits, conv_bits, init, kmeans=kmeans_fast.kmeans_1d)


def fine_tune_(model, name, after_step=None, progress=False, lr=None):
    """Trained quantization (DC Sec. 3.3) of a model quantized by ``quantized_copy``: SGD on MNIST with
    the recipe ``FINE_TUNE[name]`` (learning rate ``lr`` if given) trains its parameters, i.e. the
    shared values (their gradient is the summed-gradient rule, Eq. 3; the indices stay fixed) and
    the biases, plus any layer left in 32-bit floats. Returns ``model``."""
    recipe = FINE_TUNE[name]
    train.fit(
        model, recipe["epochs"], recipe["lr"] if lr is None else lr, weight_decay=0, after_step=after_step,
        progress=progress, desc="fine-tune codebooks",
    )  # fmt: skip
    return model


def choose_fine_tune_lr(model, name):
    """The codebooks' learning rate, chosen on the VALIDATION split: ``model`` quantized at
    ``FINE_TUNE[name]["choose_at"]`` (linear init) and fine-tuned with each of ``lr_candidates``;
    the lowest validation error wins (ties: the first). Returns ``(lr, {lr: validation error})``."""
    recipe = FINE_TUNE[name]
    conv_bits, fc_bits = recipe["choose_at"]
    quantized = quantized_copy(model, fc_bits, conv_bits, "linear")
    tried = {}
    for lr in recipe["lr_candidates"]:
        tried[str(lr)] = train.evaluate(fine_tune_(copy.deepcopy(quantized), name, lr=lr), "val")
        print(f"{name} codebooks fine-tuned from lr {lr}: validation error {100 * tried[str(lr)]:.2f}%", flush=True)
    best = min(recipe["lr_candidates"], key=lambda lr: tried[str(lr)])
    return best, tried


def quantize_and_fine_tune(model, name, fc_bits, conv_bits=32, init="linear", lr=None):
    """Quantize a copy of ``model`` and fine-tune it (at ``lr``, default ``FINE_TUNE[name]["lr"]``).
    Returns ``(row, quantized, fine-tuned)``; ``row`` holds the validation and test errors before
    and after fine-tuning (``val_error``, ``error``, ``finetuned_val_error``, ``finetuned_error``),
    the size in bits and the fine-tuned codebooks (its keys are those of ``data/quantization/*.json``)."""
    quantized = quantized_copy(model, fc_bits, conv_bits, init)
    tuned = fine_tune_(copy.deepcopy(quantized), name, lr=lr)
    row = {
        "error": train.evaluate(quantized),
        "finetuned_error": train.evaluate(tuned),
        "val_error": train.evaluate(quantized, "val"),
        "finetuned_val_error": train.evaluate(tuned, "val"),
        "bits": model_bits(model, fc_bits, conv_bits),
    }
    row["finetuned_codebooks"] = {layer: entry["codebook"] for layer, entry in codebook_table(tuned).items()}
    return row, quantized, tuned


def codebook_table(model):
    """``{layer: {"codebook": k values, "counts": weights per value}}`` of a quantized model."""
    table = {}
    for name, module in network.layers(model).items():
        if parametrize.is_parametrized(module, "weight"):
            shared = module.parametrizations.weight[0]
            counts = torch.bincount(shared.indices[shared.mask != 0], minlength=shared.k)
            table[name] = {"codebook": codebook(module).tolist(), "counts": counts.tolist()}
    return table


def pruned_models(name):
    """The pruning chapter's models (``python -m coursekit.reproduce pruning``): ``{label: model}``
    with its final model (``"final"``) and its retrained layer-wise grid (``"layer 90%"``, ...)."""
    pruned = {"final": pruning_experiments.load_pruned(name)}
    for sparsity in PRUNED_GRID:
        grid_path = pruning_experiments.grid_path(name, "layer", sparsity)
        pruned[f"layer {round(100 * sparsity)}%"] = pruning.load_sparse(grid_path)
    return pruned


def recovery_curve(model, name, fc_bits, init="linear", every=25, lr=None):
    """Test error every ``every`` steps while fine-tuning the codebooks of a quantized ``model``."""
    quantized = quantized_copy(model, fc_bits, init=init)
    curve, step = [(0, train.evaluate(quantized))], [0]

    def record(m):
        step[0] += 1
        if step[0] % every == 0:
            curve.append((step[0], train.evaluate(m)))
            m.train()

    fine_tune_(quantized, name, after_step=record, lr=lr)
    return curve


def linear_quantized_errors(model, bits_range=range(1, 9)):
    """Uniform quantization (no clustering, no training) of every layer: test error per bits."""
    errors = {}
    for bits in bits_range:
        uniform = copy.deepcopy(model)
        for module in network.layers(uniform).values():
            with torch.no_grad():
                module.weight.copy_(linear_quantize(module.weight, bits))
        errors[bits] = train.evaluate(uniform)
    return errors


def _checkpoint_tensors(key, model):
    """The trained tensors of a fine-tuned quantized model (codebooks and biases, not the
    indices, which ``load_fine_tuned`` recomputes), under ``key/``."""
    state = model.state_dict().items()
    return {f"{key}/{k}": v.detach().contiguous() for k, v in state if not k.endswith(("indices", "mask"))}


def _checkpoints_path(name, must_exist=True):
    return path("quantization", f"{name}_finetuned.safetensors", must_exist)


def reproduce_lenet_300_100():
    """All LeNet-300-100 experiments; writes ``lenet_300_100.json`` (errors, sizes, codebooks)
    and the fine-tuned codebooks ``lenet_300_100_finetuned.safetensors``."""
    name = "lenet_300_100"
    base = baselines.pretrained(name)
    lr, tried = choose_fine_tune_lr(base, name)
    out = {**_baseline_errors(base), "dense_bits": model_bits(base), "finetune": _fine_tune_record(name, lr, tried)}
    pruned = pruned_models(name)
    out["pruning"] = {
        label: {"error": train.evaluate(m), "val_error": train.evaluate(m, "val"), "bits": model_bits(m)}
        for label, m in pruned.items()
    }
    print(f"pruning only: { {label: round(100 * r['error'], 2) for label, r in out['pruning'].items()} }")
    out["configs"], out["layers"], checkpoints = {}, {}, {}
    for init in INITS:  # quantization only: the widget's grid, Fig. 6 and the bits curve
        for bits in range(1, 9):
            row, quantized, tuned = quantize_and_fine_tune(base, name, bits, init=init, lr=lr)
            key = config_key(32, bits, init)
            out["configs"][key] = row
            for layer, entry in codebook_table(quantized).items():
                out["layers"].setdefault(layer, {})[f"{bits}/{init}"] = entry
            checkpoints.update(_checkpoint_tensors(key, tuned))
            print(f"{key}: {100 * row['error']:.2f}% -> fine-tuned {100 * row['finetuned_error']:.2f}%", flush=True)
    out["pruned"] = {}  # pruning + quantization, and the inits on a pruned model (Fig. 4, Fig. 8)
    for label, inits in [("final", INITS), ("layer 95%", ["linear"]), ("layer 97%", ["linear"])]:
        for init in inits:
            for bits in range(2, 7):
                row, _, _ = quantize_and_fine_tune(pruned[label], name, bits, init=init, lr=lr)
                out["pruned"][f"{label}/{bits}/{init}"] = row
                errors = f"{100 * row['error']:.2f}% -> {100 * row['finetuned_error']:.2f}%"
                print(f"{label} {bits} bits {init}: {errors}", flush=True)
    out["recovery"] = recovery_curve(pruned["layer 97%"], name, 2, lr=lr)
    out["uniform"] = linear_quantized_errors(base)
    out["goal"] = smallest_within_tolerance(out)
    print(f"goal: {out['goal']}", flush=True)
    write_json("quantization", f"{name}.json", out, indent=1)
    save_file(checkpoints, _checkpoints_path(name, must_exist=False))


def reproduce_lenet5():
    """LeNet-5: the grid of conv bits x fc bits x init (quantized, not fine-tuned; the conv
    features are computed once per conv setting), then the settings of ``LENET5_FINE_TUNED``
    fine-tuned (linear init). Writes ``lenet5.json``."""
    name = "lenet5"
    if baselines.baseline_info(name)["test_error"] > 0.02:
        raise RuntimeError("data/weights/lenet5 is not trained yet: run `python -m coursekit.train lenet5` first")
    base = baselines.pretrained(name)
    images, labels = load_mnist("test")
    lr, tried = choose_fine_tune_lr(base, name)
    out = {**_baseline_errors(base), "dense_bits": model_bits(base), "finetune": _fine_tune_record(name, lr, tried)}
    out["configs"], out["layers"] = {}, {}
    bit_widths = [*range(1, 9), 32]
    conv_part, fc_part = base[:5], base[5:]  # conv, pool, conv, pool, flatten | fc1, ReLU, fc2
    for init in INITS:
        heads = {fc: quantized_copy(fc_part, fc, init=init) for fc in bit_widths}
        for fc in range(1, 9):
            for layer, entry in codebook_table(heads[fc]).items():
                out["layers"].setdefault(layer, {})[f"{fc}/{init}"] = entry
        for conv in bit_widths:
            features_of = quantized_copy(conv_part, None, conv, init)
            if conv < 32:
                for layer, entry in codebook_table(features_of).items():
                    out["layers"].setdefault(layer, {})[f"{conv}/{init}"] = entry
            with torch.inference_mode():  # in batches: conv1's output for 10,000 images is 460 MB
                features = torch.cat([features_of(images[i : i + 1000]) for i in range(0, len(images), 1000)])
            for fc in bit_widths:
                with torch.inference_mode():
                    error = (heads[fc](features).argmax(1) != labels).float().mean().item()
                row = {"error": error, "finetuned_error": None, "bits": model_bits(base, fc, conv)}
                out["configs"][config_key(conv, fc, init)] = row
        print(f"lenet5 grid {init}: 8/5 {100 * out['configs'][config_key(8, 5, init)]['error']:.2f}%", flush=True)
    for conv, fc in tqdm(LENET5_FINE_TUNED, desc="lenet5 fine-tuning"):
        row, _, _ = quantize_and_fine_tune(base, name, fc, conv, "linear", lr=lr)
        key = config_key(conv, fc, "linear")
        out["configs"][key].update(row)
        tqdm.write(f"lenet5 {key}: {100 * row['error']:.2f}% -> fine-tuned {100 * row['finetuned_error']:.2f}%")
    write_json("quantization", f"{name}.json", out, indent=1)


def _baseline_errors(model):
    """``baseline_error`` (test), ``baseline_test_error_se`` and ``baseline_val_error`` of the dense ``model``."""
    errors = measured(model)
    return {
        "baseline_error": errors["test_error"],
        "baseline_test_error_se": errors["test_error_se"],
        "baseline_val_error": errors["val_error"],
    }


def _fine_tune_record(name, lr, tried):
    """NAME.json's ``"finetune"``: the epochs, the chosen ``lr`` and how it was chosen."""
    recipe = FINE_TUNE[name]
    return {
        "epochs": recipe["epochs"],
        "lr": lr,
        "lr_val_errors": tried,
        "chosen_at": {"conv_bits": recipe["choose_at"][0], "fc_bits": recipe["choose_at"][1], "init": "linear"},
        "chosen_by": "lowest validation error among lr_candidates (epochs fixed earlier)",
    }


def smallest_within_tolerance(results, method="pruning + quantization"):
    """The goal "smallest model within 0.1 points of the baseline", chosen on VALIDATION and
    reported on test: among ``fig6_curves(results, "val")[method]``, the smallest size whose
    validation error is at most ``ERROR_TOLERANCE`` above the baseline's validation error; then its
    test error with its standard error and ``error_goal``'s verdict. Returns a JSON-able dict."""
    limit = 100 * (results["baseline_val_error"] + ERROR_TOLERANCE)
    fits = [row for row in _fig6_rows(results)[method] if row[1] <= limit + 1e-9]
    if not fits:
        return {"method": method, "size_percent": None, "met": False, "reason": "no point within the tolerance"}
    size, val_error, test_error = (x / 100 if i else x for i, x in enumerate(min(fits)))
    verdict = error_goal(test_error, results["baseline_error"])
    return {
        "method": method,
        "size_percent": size,
        "rate": 100 / size,
        "val_error": val_error,
        "test_error": test_error,
        "test_error_se": verdict["standard_error"],
        "baseline_error": results["baseline_error"],
        **{k: v for k, v in verdict.items() if k != "standard_error"},
        "chosen_by": "smallest size whose validation error is within the tolerance of the baseline's",
    }


def reproduce():
    """``python -m coursekit.reproduce quantization``: every experiment of notebook 02."""
    torch.set_num_threads(1)  # small models on a shared CPU: one thread is as fast and kinder
    reproduce_lenet_300_100()
    reproduce_lenet5()


def load_results(name):
    """The JSON written by ``reproduce`` for model ``name`` (``"lenet_300_100"`` or ``"lenet5"``)."""
    return load_json("quantization", f"{name}.json")


def fig6_curves(results, split="test"):
    """DC Fig. 6 data from ``load_results("lenet_300_100")``: ``{method: [(size in % of the
    32-bit model, error in %), ...]}`` for pruning only, quantization only (fine-tuned,
    linear init, 2-8 bits) and pruning + quantization (the pruning chapter's models quantized to
    2-6 bits), each reduced to its best trade-offs (``best_tradeoffs``). ``split``: ``"test"``
    (the errors to report) or ``"val"`` (the ones to choose a point on). Add a method (e.g. SVD)
    by adding an entry; draw with ``plots.error_vs_size``."""
    return {method: best_tradeoffs(points) for method, points in _fig6_points(results, split).items()}


def _fig6_points(results, split="test"):
    """All the (size %, error %) points of ``fig6_curves``, before ``best_tradeoffs``."""
    column = 1 if split == "val" else 2
    return {method: [(row[0], row[column]) for row in rows] for method, rows in _fig6_rows(results).items()}


def _fig6_rows(results):
    """``{method: [(size %, validation error %, test error %), ...]}``: every point of Fig. 6."""

    def size(bits):
        return 100 * bits / results["dense_bits"]

    quantized = [results["configs"][config_key(32, b, "linear")] for b in range(2, 9)]
    pruned = [r for key, r in results["pruned"].items() if key.endswith("/linear")]
    return {
        "pruning only": [
            (size(r["bits"]), 100 * r["val_error"], 100 * r["error"]) for r in results["pruning"].values()
        ],
        "quantization only": [
            (size(r["bits"]), 100 * r["finetuned_val_error"], 100 * r["finetuned_error"]) for r in quantized
        ],
        "pruning + quantization": [
            (size(r["bits"]), 100 * r["finetuned_val_error"], 100 * r["finetuned_error"]) for r in pruned
        ],
    }


def best_tradeoffs(points):
    """The (size, error) points that no smaller model beats: sorted by size, each with a lower
    error than every smaller one (the lower envelope of several pruned models' curves)."""
    front = []
    for size, error in sorted(points):
        if not front or error < front[-1][1]:
            front.append((size, error))
    return front


def load_fine_tuned(name, fc_bits, conv_bits=32, init="linear"):
    """A precomputed fine-tuned model: the baseline ``name`` quantized again (k-means is
    deterministic, so the indices are the same) with its trained codebooks and biases loaded.
    Only LeNet-300-100's are kept (``lenet_300_100_finetuned.safetensors``)."""
    checkpoints = _checkpoints_path(name)
    prefix = config_key(conv_bits, fc_bits, init) + "/"
    state = {k[len(prefix) :]: v for k, v in load_file(checkpoints).items() if k.startswith(prefix)}
    if not state:
        raise ValueError(
            f"no fine-tuned checkpoint {prefix[:-1]!r} for {name} in {checkpoints}: see reproduce_{name}()"
        )
    model = quantize_model_(baselines.pretrained(name), fc_bits, conv_bits, init, kmeans=kmeans_fast.kmeans_1d)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith(("indices", "mask")) for k in missing), (missing, unexpected)
    return model.eval()
