"""Notebook 04's experiments: rank sweeps of both LeNets (with fine-tuned checkpoints), low rank
against pruning and quantization at equal size, and NNMF on synthetic ratings.

``python -m coursekit.reproduce factorization`` runs ``reproduce()``, which writes
``data/factorization/``: ``lenet_300_100.json`` / ``lenet5.json`` (the sweeps),
``lenet_300_100.safetensors`` / ``lenet5.safetensors`` (the fine-tuned factorized networks),
``equal_size.json`` and ``nnmf.json``. The methods are in ``coursekit.factorization``.
"""

import copy
import time

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from .. import factorization, models, network, train
from . import ERROR_TOLERANCE, baselines, error_goal, load_json, measured, path, write_json

CHAPTER = "factorization"
INDENT = 1  # the tables of data/factorization/ are written with json.dumps(indent=1)

# Fractions of each layer's full rank min(n, m) that the sweeps and the rank slider visit.
FRACTIONS = [0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.85, 1.0]

# LeNet-300-100: fc1 and fc2. fc3 stays dense: its break-even rank is 100 * 10 / 110 = 9.1, so
# only rank 9 would save anything (10 of its 1,000 weights), at the cost of one of the 10
# classes' directions. LeNet-5: its 800 x 500 fc1, 93% of its weights.
SWEEPS = {  # model: (layers, fractions, fine-tuned fractions, fine-tuning epochs, learning rate)
    "lenet_300_100": (["fc1", "fc2"], FRACTIONS, FRACTIONS, 0.25, 0.005),
    "lenet5": (["fc1"], [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 1.0], [0.02, 0.05], 0.25, 0.005),
}

# The fine-tuning learning rate (SWEEPS' last entry is only a default), chosen on the VALIDATION
# split for each fine-tuned rank: the factorized network is fine-tuned from each candidate and the
# lowest validation error wins (a low rank wants a larger rate than a high one). `fraction`: the
# rank whose rate "fine_tune" reports, for the notebook's live cell. The epochs (a quarter) were
# fixed earlier and are kept.
LR_CANDIDATES = {
    "lenet_300_100": dict(candidates=(0.001, 0.005, 0.02, 0.05), fraction=0.1),
    "lenet5": dict(candidates=(0.001, 0.005, 0.02, 0.05), fraction=0.05),
}

NNMF_SETUP = dict(n_users=600, n_items=400, observed=0.2, dim=3, dim_prime=3, hidden=32, steps=600, lr=3e-3, l2=1.0)


def _bytes(model):
    """Bytes of ``model``'s parameters stored as float32."""
    return sum(network.dense_bytes(p) for p in model.parameters())


def _fine_tune_on_val(base, ranks, epochs, lrs):
    """``base`` factorized at ``ranks`` and fine-tuned (both factors and the dense layers) from each
    learning rate of ``lrs``; returns ``(the net of the lowest validation error, its lr, {lr: validation error})``."""
    best, tried = None, {}
    for lr in lrs:
        net = factorization.factorize_network(base, ranks)
        train.fit(net, epochs, lr, progress=False)
        tried[str(lr)] = train.evaluate(net, "val")
        if best is None or tried[str(lr)] < tried[str(best[1])]:
            best = net, lr
    return best[0], best[1], tried


def rank_sweep(name, layers, fractions, fine_tune_fractions, epochs, lrs):
    """Factorize the baseline ``name`` at each fraction of full rank; evaluate, fine-tune some.

    Each fine-tuned fraction tries every learning rate of ``lrs`` and keeps the lowest VALIDATION
    error (``lr``, ``lr_val_errors`` in its row). Returns ``(rows, checkpoints)``: one dict per
    fraction (ranks, parameters, bytes, test error before and after fine-tuning as ``error`` /
    ``error_fine_tuned``, the validation errors as ``val_error`` / ``val_error_fine_tuned``) and
    ``{f"{fraction}/{key}": tensor}`` of the fine-tuned nets.
    """
    base = baselines.pretrained(name)
    rows, checkpoints = [], {}
    for fraction in fractions:
        ranks = factorization.ranks_for_fraction(base, fraction, layers)
        net = factorization.factorize_network(base, ranks)
        row = {
            "fraction": fraction,
            "ranks": ranks,
            "parameters": network.count_parameters(net),
            "bytes": _bytes(net),
            "error": train.evaluate(net),
            "val_error": train.evaluate(net, "val"),
        }
        if fraction in fine_tune_fractions:
            net, row["lr"], row["lr_val_errors"] = _fine_tune_on_val(base, ranks, epochs, lrs)
            row["error_fine_tuned"] = train.evaluate(net)
            row["val_error_fine_tuned"] = row["lr_val_errors"][str(row["lr"])]
            checkpoints.update({f"{fraction}/{k}": v.contiguous() for k, v in net.state_dict().items()})
        rows.append(row)
        print(f"{name} fraction {fraction}: ranks {row['ranks']}, error {100 * row['error']:.2f}%", flush=True)
    return rows, checkpoints


def load_fine_tuned(name, fraction):
    """The fine-tuned factorized ``name`` at ``fraction`` of full rank, from ``data/factorization/``."""
    state = load_file(path(CHAPTER, f"{name}.safetensors"))
    prefix = f"{fraction}/"
    if not any(k.startswith(prefix) for k in state):
        kept = sorted({float(k.split("/")[0]) for k in state})
        raise ValueError(f"no fine-tuned checkpoint of {name} at fraction {fraction}; available: {kept}")
    base = models.build(name)
    net = factorization.factorize_network(base, factorization.ranks_for_fraction(base, fraction, SWEEPS[name][0]))
    net.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
    return net.eval()


def svd_curve():
    """The SVD curve of LeNet-300-100 as compression rates, to set beside pruning and quantization
    (DC Fig. 6 compares them; notebook 04 prints its range).

    Returns a list of ``{"fraction", "compression", "error", "error_fine_tuned"}`` (compression =
    dense float32 bytes / factorized float32 bytes; errors as fractions; rows with
    ``compression < 1`` are larger than the dense net and left out).
    """
    table = load_json(CHAPTER, "lenet_300_100.json")
    dense = table["dense_bytes"]
    return [
        {
            "fraction": r["fraction"],
            "compression": dense / r["bytes"],
            "error": r["error"],
            "error_fine_tuned": r.get("error_fine_tuned"),
        }
        for r in table["rows"]
        if r["bytes"] < dense
    ]


def factorized_bytes(model, ranks):
    """float32 bytes of ``factorization.factorize_network(model, ranks)``, counted without building it."""
    named = network.layers(model)
    saved = sum(
        named[name].weight.numel() - factorization.factorized_size(*named[name].weight.shape, rank)
        for name, rank in ranks.items()
    )
    return _bytes(model) - 4 * saved


def low_rank_at_budget(model, budget_bytes, layers):
    """The factorized ``model`` with the largest common fraction of full rank of ``layers``
    (steps of 0.001) whose float32 parameters fit in ``budget_bytes``."""
    fits = [
        f / 1000
        for f in range(1, 1001)
        if factorized_bytes(model, factorization.ranks_for_fraction(model, f / 1000, layers)) <= budget_bytes
    ]
    if not fits:
        raise ValueError(f"even rank 1 does not fit in {budget_bytes} bytes")
    return factorization.factorize_network(model, factorization.ranks_for_fraction(model, max(fits), layers))


def equal_size_comparison(bits_list=(2, 3, 4, 5), index_bits=5):
    """LeNet-300-100 at equal bytes, one shot (no retraining): k-means quantization of every fc
    layer to ``bits``, magnitude pruning with the same bytes (values 32 bits + ``index_bits``
    relative index each), and low rank (float32 factors of fc1, fc2). Byte counts as in
    ``quantization.model_bits``. Returns one dict per bit width.
    """
    from .. import kmeans_fast, pruning, quantization  # the other chapters' methods

    base = baselines.pretrained("lenet_300_100")
    weights = sum(w.numel() for w in network.weights(base).values())
    bias_bits = 32 * sum(m.bias.numel() for m in network.layers(base).values())
    rows = []
    for bits in bits_list:
        quantized = quantization.quantize_model_(copy.deepcopy(base), bits, kmeans=kmeans_fast.kmeans_1d)
        budget_bits = quantization.model_bits(quantized, fc_bits=bits, index_bits=index_bits)
        sparsity = 1 - (budget_bits - bias_bits) / (32 + index_bits) / weights
        pruned = pruning.apply_masks(copy.deepcopy(base), pruning.layerwise_masks(base, sparsity))
        factorized = low_rank_at_budget(base, budget_bits / 8, SWEEPS["lenet_300_100"][0])
        rows.append({
            "bits": bits,
            "bytes": budget_bits / 8,
            "quantization": {"error": train.evaluate(quantized)},
            "pruning": {"error": train.evaluate(pruned), "sparsity": sparsity,
                        "bytes": quantization.model_bits(pruned, index_bits=index_bits) / 8},
            "low_rank": {"error": train.evaluate(factorized), "bytes": _bytes(factorized),
                         "ranks": [m[0].out_features for m in factorized if isinstance(m, nn.Sequential)]},
        })  # fmt: skip
    return rows


def nnmf_experiment(setup=NNMF_SETUP, seed=0):
    """Train plain MF and NNMF on the same observed entries of ``latent_ratings``; test RMSEs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # thousands of tiny full-batch steps: one thread beats two here
    try:
        return _nnmf_experiment(setup, seed)
    finally:
        torch.set_num_threads(threads)


def _nnmf_experiment(s, seed):
    train.seed_everything(seed)
    matrix = factorization.latent_ratings(s["n_users"], s["n_items"], seed=seed)
    (users, items, ratings), test = factorization.observe(matrix, s["observed"], seed=seed)
    mean = ratings.mean().item()
    result = {"setup": dict(s), "train_entries": len(ratings), "test_entries": len(test[0])}
    result["rmse_mean"] = ((test[2] - mean) ** 2).mean().sqrt().item()
    for label, model in [
        ("mf", factorization.MatrixFactorization(s["n_users"], s["n_items"], s["dim"], mean)),
        ("nnmf", factorization.NNMF(s["n_users"], s["n_items"], s["dim"], s["dim_prime"], s["hidden"], mean)),
    ]:
        start = time.perf_counter()
        train.seed_everything(seed)
        losses = factorization.fit_ratings(model, users, items, ratings, s["steps"], s["lr"], s["l2"])
        result[f"seconds_{label}"] = round(time.perf_counter() - start, 1)
        result[f"rmse_{label}"] = factorization.rmse(model, *test)
        result[f"train_rmse_{label}"] = losses[-1] ** 0.5
    return result


def reproduce_sweep(name):
    """Write ``data/factorization/NAME.json`` (the rank sweep) and ``NAME.safetensors`` (the
    fine-tuned nets)."""
    layers, fractions, tuned, epochs, _ = SWEEPS[name]
    start = time.perf_counter()
    setup = LR_CANDIDATES[name]
    rows, checkpoints = rank_sweep(name, layers, fractions, tuned, epochs, setup["candidates"])
    at = next(r for r in rows if r["fraction"] == setup["fraction"])  # the rate the live cells use
    base = baselines.pretrained(name)
    dense = measured(base)
    named = network.layers(base)
    # where each factorized layer sits in the model: the prefix of its keys in the checkpoints
    prefixes = {prefix: layer for prefix, module in base.named_modules() for layer in layers if module is named[layer]}
    table = {
        "model": name,
        "baseline_error": dense["test_error"],
        "baseline_test_error_se": dense["test_error_se"],
        "baseline_val_error": dense["val_error"],
        "dense_parameters": network.count_parameters(base),
        "dense_bytes": _bytes(base),
        "factorized_layers": prefixes,
        "fine_tune": {
            "epochs": epochs,
            "lr": at["lr"],
            "optimizer": "SGD momentum 0.9, cosine",
            "lr_val_errors": at["lr_val_errors"],
            "chosen_at_fraction": setup["fraction"],
            "lr_candidates": list(setup["candidates"]),
            "chosen_by": "per fine-tuned rank, the lowest validation error among lr_candidates (each row's lr); "
            "lr here: the one chosen at chosen_at_fraction (epochs fixed earlier)",
        },
        "rows": rows,
        "chosen": chosen_rank(rows, dense),
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json(CHAPTER, f"{name}.json", table, indent=INDENT)
    save_file(checkpoints, path(CHAPTER, f"{name}.safetensors", must_exist=False))


def chosen_rank(rows, dense):
    """The smallest fine-tuned factorized network whose VALIDATION error is at most
    ``ERROR_TOLERANCE`` above the dense network's, then its test error (with its standard error)
    and ``error_goal``'s verdict; ``None`` for the fraction when no fine-tuned row fits."""
    tuned = [r for r in rows if "val_error_fine_tuned" in r]
    fits = [r for r in tuned if r["val_error_fine_tuned"] <= dense["val_error"] + ERROR_TOLERANCE + 1e-9]
    if not fits:
        return {"fraction": None, "met": False, "reason": "no fine-tuned rank within the tolerance on validation"}
    row = min(fits, key=lambda r: r["bytes"])
    verdict = error_goal(row["error_fine_tuned"], dense["test_error"])
    return {
        "fraction": row["fraction"],
        "ranks": row["ranks"],
        "bytes": row["bytes"],
        "val_error": row["val_error_fine_tuned"],
        "test_error": row["error_fine_tuned"],
        "test_error_se": verdict.pop("standard_error"),
        **verdict,
        "chosen_by": "smallest fine-tuned network whose validation error is within the tolerance of dense",
    }


def reproduce():
    """Regenerate ``data/factorization/``: rank sweeps of both LeNets (with fine-tuned
    checkpoints), the equal-size comparison and the NNMF experiment."""
    torch.set_num_threads(1)  # small models on a shared CPU: one thread is faster than two oversubscribed
    for name in SWEEPS:
        reproduce_sweep(name)
    start = time.perf_counter()
    table = {"rows": equal_size_comparison(), "seconds": round(time.perf_counter() - start, 1)}
    write_json(CHAPTER, "equal_size.json", table, indent=INDENT)
    write_json(CHAPTER, "nnmf.json", nnmf_experiment(), indent=INDENT)
