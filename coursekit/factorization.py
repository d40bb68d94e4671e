"""Low-rank factorization of fully connected layers, and neural network matrix factorization.

A dense layer stores an ``n x m`` matrix: ``n * m`` numbers. A rank-``d`` factorization
``W ~ A @ B`` with ``A: n x d`` and ``B: d x m`` stores ``(n + m) * d`` numbers and costs
``(n + m) * d`` multiply-adds per input instead of ``n * m``. The best rank-``d`` approximation
in the Frobenius norm is the truncated SVD (Eckart-Young): keep the ``d`` largest singular
values; the squared error is the sum of the dropped squared singular values.

The second half is Dziugaite & Roy (2015), "Neural Network Matrix Factorization" (NNMF): matrix
completion where a small MLP replaces the inner product ``U_n . V_m`` of classic factorization.

``python -m coursekit.reproduce factorization`` writes the checkpoints and tables the notebook
reads into ``data/factorization/``.
"""

import copy
import json
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from . import models, train

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "factorization"

# ---------------------------------------------------------------------------------------------
# One matrix
# ---------------------------------------------------------------------------------------------


def check_rank(rank, n, m):
    """Raise a clear ``ValueError`` unless ``1 <= rank <= min(n, m)``."""
    if not isinstance(rank, int) or not 1 <= rank <= min(n, m):
        raise ValueError(f"rank must be an integer in [1, {min(n, m)}] for a {n} x {m} matrix, got {rank!r}")


def low_rank(weight, rank):
    """The best rank-``rank`` approximation of ``weight`` (truncated SVD, Eckart-Young).

    Args:
        weight: ``n x m`` tensor.
        rank: ``d``, an integer in ``[1, min(n, m)]``.

    Returns:
        ``(A, B)`` with ``A = U_d diag(S_d)`` of shape ``n x d`` and ``B = V_d^T`` of shape
        ``d x m``, so that ``A @ B`` is the truncated SVD of ``weight``.
    """
    n, m = weight.shape
    check_rank(rank, n, m)
    U, S, Vh = torch.linalg.svd(weight.detach(), full_matrices=False)
    return U[:, :rank] * S[:rank], Vh[:rank]


def tail_energy(singular_values, rank):
    """Sum of the squared singular values that a rank-``rank`` truncation drops.

    By Eckart-Young this equals ``||W - A @ B||_F^2`` for the truncated SVD ``A @ B``.
    """
    return (singular_values[rank:] ** 2).sum().item()


def rank_for_energy(singular_values, energy):
    """Smallest rank whose singular values keep at least ``energy`` (a fraction in (0, 1]) of
    ``sum(S^2)``, the squared Frobenius norm of the matrix."""
    if not 0 < energy <= 1:
        raise ValueError(f"energy must be a fraction in (0, 1], got {energy!r}")
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    return int(torch.searchsorted(kept, torch.tensor(energy, dtype=kept.dtype) - 1e-6).item()) + 1


def factorized_size(n, m, rank):
    """Numbers stored by a rank-``rank`` factorization of an ``n x m`` matrix: ``(n + m) * rank``."""
    return (n + m) * rank


def break_even_rank(n, m):
    """The rank ``n * m / (n + m)`` at which the factors hold as many numbers as the matrix.

    At any larger rank the "compressed" layer is bigger than the dense one.
    """
    return n * m / (n + m)


# ---------------------------------------------------------------------------------------------
# Layers and networks
# ---------------------------------------------------------------------------------------------


def factorize_linear(layer, rank):
    """Replace ``nn.Linear(m, n)`` by ``nn.Sequential(nn.Linear(m, d, bias=False), nn.Linear(d, n))``.

    The first layer holds ``B = V_d^T`` (``d x m``), the second ``A = U_d S_d`` (``n x d``) and the
    original bias, so ``y = A (B x) + b`` is the truncated-SVD layer. Parameters: ``(n + m) d + n``.
    """
    n, m = layer.weight.shape
    A, B = low_rank(layer.weight, rank)
    first, second = nn.Linear(m, rank, bias=False), nn.Linear(rank, n, bias=layer.bias is not None)
    with torch.no_grad():
        first.weight.copy_(B)
        second.weight.copy_(A)
        if layer.bias is not None:
            second.bias.copy_(layer.bias)
    return nn.Sequential(first, second)


def factorize_network(model, ranks):
    """A copy of the ``nn.Sequential`` ``model`` with the layers that ``ranks`` names factorized.

    Args:
        ranks: ``{index in model: rank}``, e.g. ``{1: 30, 3: 10}`` for LeNet-300-100's fc1, fc2.
    """
    factorized = copy.deepcopy(model)
    for index, rank in ranks.items():
        if not isinstance(model[index], nn.Linear):
            raise ValueError(f"layer {index} of the model is {type(model[index]).__name__}, not nn.Linear")
        factorized[index] = factorize_linear(model[index], rank)
    return factorized.eval()


# LeNet-300-100 = Flatten, fc1 (index 1), ReLU, fc2 (index 3), ReLU, fc3 (index 5).
# fc3 stays dense: its break-even rank is 100 * 10 / 110 = 9.1, so only rank 9 would save
# anything (10 of its 1,000 weights), at the cost of one of the 10 classes' directions.
LENET_300_100_LAYERS = {1: "fc1", 3: "fc2"}
LENET5_LAYERS = {5: "fc1"}  # LeNet-5's 800 x 500 fully connected layer, 93% of its weights
FRACTIONS = [0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 0.85, 1.0]


def ranks_for_fraction(model, fraction, layers=LENET_300_100_LAYERS):
    """``{index: rank}`` keeping ``fraction`` of each layer's full rank ``min(n, m)`` (at least 1)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction of the full rank must be in (0, 1], got {fraction!r}")
    return {i: max(1, round(fraction * min(model[i].weight.shape))) for i in layers}


# ---------------------------------------------------------------------------------------------
# Neural network matrix factorization (Dziugaite & Roy 2015)
# ---------------------------------------------------------------------------------------------


def latent_ratings(n_users=600, n_items=400, dim=3, noise=0.2, seed=0):
    """A ratings matrix from a known *nonlinear* latent model (we ship no real ratings data).

    ``r[n, m] = 3 + 2 * tanh(u_n . v_m) + 0.5 * cos(2 * u_n[0]) * v_m[1] + noise``,
    with ``u_n, v_m ~ N(0, I_dim / sqrt(dim))`` and Gaussian noise of std ``noise``: ratings near
    the 1..5 range of MovieLens. Returns an ``n_users x n_items`` float32 tensor.
    """
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(n_users, dim, generator=g) / dim**0.25
    v = torch.randn(n_items, dim, generator=g) / dim**0.25
    clean = 3 + 2 * torch.tanh(u @ v.T) + 0.5 * torch.cos(2 * u[:, :1]) * v[:, 1]
    return clean + noise * torch.randn(n_users, n_items, generator=g)


def observe(matrix, observed=0.1, test=0.2, seed=0):
    """Reveal a random ``observed`` fraction of the entries; hold out ``test`` of them.

    Returns ``(train, test)``, each a tuple ``(users, items, ratings)`` of 1-D tensors.
    """
    g = torch.Generator().manual_seed(seed)
    n_users, n_items = matrix.shape
    picked = torch.randperm(n_users * n_items, generator=g)[: round(observed * n_users * n_items)]
    n_test = round(test * len(picked))
    split = lambda idx: (idx // n_items, idx % n_items, matrix.flatten()[idx])
    return split(picked[n_test:]), split(picked[:n_test])


class MatrixFactorization(nn.Module):
    """Plain low-rank matrix factorization: ``r_nm ~ mean + U_n . V_m`` (rank ``dim``)."""

    def __init__(self, n_users, n_items, dim=10, mean=0.0):
        super().__init__()
        self.mean = mean
        self.U = nn.Parameter(0.1 * torch.randn(n_users, dim))
        self.V = nn.Parameter(0.1 * torch.randn(n_items, dim))

    def forward(self, users, items):
        return self.mean + (self.U[users] * self.V[items]).sum(1)


class NNMF(nn.Module):
    """Neural network matrix factorization (Dziugaite & Roy 2015, Sec. 2).

    Each user has latents ``U_n`` (``dim``) and ``U'_n`` (``dim_prime``), each item ``V_m`` and
    ``V'_m``; an MLP with sigmoid hidden units maps ``[U_n, V_m, U'_n * V'_m]`` (elementwise
    product) to the rating, in place of the inner product ``U_n . V_m``.
    """

    def __init__(self, n_users, n_items, dim=10, dim_prime=10, hidden=50, mean=0.0):
        super().__init__()
        self.mean = mean
        self.U = nn.Parameter(0.1 * torch.randn(n_users, dim))
        self.V = nn.Parameter(0.1 * torch.randn(n_items, dim))
        self.U_prime = nn.Parameter(0.1 * torch.randn(n_users, dim_prime))
        self.V_prime = nn.Parameter(0.1 * torch.randn(n_items, dim_prime))
        self.mlp = nn.Sequential(
            nn.Linear(2 * dim + dim_prime, hidden), nn.Sigmoid(),
            nn.Linear(hidden, hidden), nn.Sigmoid(),
            nn.Linear(hidden, 1),
        )  # fmt: skip

    def forward(self, users, items):
        x = torch.cat([self.U[users], self.V[items], self.U_prime[users] * self.V_prime[items]], 1)
        return self.mean + self.mlp(x).squeeze(1)


def latents(model):
    """The latent matrices of a factorization model (the parameters that L2 regularizes)."""
    return [p for name, p in model.named_parameters() if not name.startswith("mlp.")]


def rmse(model, users, items, ratings):
    """Root mean squared error of ``model``'s predictions on the given entries."""
    with torch.no_grad():
        return ((model(users, items) - ratings) ** 2).mean().sqrt().item()


def fit_ratings(model, users, items, ratings, steps=600, lr=3e-3, l2=1e-3, seed=0):
    """Train ``model`` on the observed entries: full-batch RMSProp on the squared error plus
    ``l2 * ||latents||^2 / entries`` (the paper's L2 on the latents; the MLP is not penalized).

    The paper alternates between updating the network and the latents; updating both at once
    is simpler and converges as well here. Returns the list of training losses.
    """
    train.seed_everything(seed)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = ((model(users, items) - ratings) ** 2).mean()
        penalty = l2 * sum((p**2).sum() for p in latents(model)) / len(ratings)
        optimizer.zero_grad()
        (loss + penalty).backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------------------------------
# Measurements and the precomputed tables (python -m coursekit.reproduce factorization)
# ---------------------------------------------------------------------------------------------


def size_bytes(model):
    """Bytes of ``model``'s parameters stored as float32 (4 bytes each)."""
    return 4 * models.count_parameters(model)


def spectra(model, layers):
    """``{name: singular values}`` (1-D tensors, largest first) of the named layers' weights."""
    return {name: torch.linalg.svdvals(model[i].weight.detach()) for i, name in layers.items()}


def rank_sweep(name, layers, fractions, fine_tune_fractions, epochs, lr):
    """Factorize the baseline ``name`` at each fraction of full rank; evaluate, fine-tune some.

    Returns ``(rows, checkpoints)``: one dict per fraction (ranks, parameters, bytes, test error
    before and after fine-tuning) and ``{f"{fraction}/{key}": tensor}`` of the fine-tuned nets.
    """
    base = models.pretrained(name)
    rows, checkpoints = [], {}
    for fraction in fractions:
        ranks = ranks_for_fraction(base, fraction, layers)
        net = factorize_network(base, ranks)
        row = {
            "fraction": fraction,
            "ranks": {layers[i]: r for i, r in ranks.items()},
            "parameters": models.count_parameters(net),
            "bytes": size_bytes(net),
            "error": train.evaluate(net),
        }
        if fraction in fine_tune_fractions:
            train.fit(net, epochs, lr, progress=False)  # both factors and the dense layers
            row["error_fine_tuned"] = train.evaluate(net)
            checkpoints.update({f"{fraction}/{k}": v.contiguous() for k, v in net.state_dict().items()})
        rows.append(row)
        print(f"{name} fraction {fraction}: ranks {row['ranks']}, error {100 * row['error']:.2f}%", flush=True)
    return rows, checkpoints


def load_fine_tuned(name, fraction, root=DATA_DIR):
    """The fine-tuned factorized ``name`` at ``fraction`` of full rank, from ``data/factorization/``."""
    state = load_file(Path(root) / f"{name}.safetensors")
    prefix = f"{fraction}/"
    if not any(k.startswith(prefix) for k in state):
        kept = sorted({float(k.split("/")[0]) for k in state})
        raise ValueError(f"no fine-tuned checkpoint of {name} at fraction {fraction}; available: {kept}")
    base = models.build(name)
    net = factorize_network(base, ranks_for_fraction(base, fraction, SWEEPS[name][0]))
    net.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
    return net.eval()


def load_table(name, root=DATA_DIR):
    """The JSON table that ``reproduce()`` wrote for ``name`` (or ``"nnmf"``)."""
    path = Path(root) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m coursekit.reproduce factorization`")
    return json.loads(path.read_text())


def svd_curve(root=DATA_DIR):
    """The SVD curve of LeNet-300-100 for the quantization chapter's P / Q / P+Q plot.

    Returns a list of ``{"fraction", "compression", "error", "error_fine_tuned"}`` (compression =
    dense float32 bytes / factorized float32 bytes; errors as fractions; rows with
    ``compression < 1`` are larger than the dense net and left out).
    """
    table = load_table("lenet_300_100", root)
    dense = table["dense_bytes"]
    return [
        {"fraction": r["fraction"], "compression": dense / r["bytes"], "error": r["error"], "error_fine_tuned": r.get("error_fine_tuned")}
        for r in table["rows"]
        if r["bytes"] < dense
    ]


def factorized_bytes(model, ranks):
    """float32 bytes of ``factorize_network(model, ranks)``, counted without building it."""
    saved = sum(model[i].weight.numel() - factorized_size(*model[i].weight.shape, r) for i, r in ranks.items())
    return size_bytes(model) - 4 * saved


def low_rank_at_budget(model, budget_bytes, layers=LENET_300_100_LAYERS):
    """The factorized ``model`` with the largest common fraction of full rank (steps of 0.001)
    whose float32 parameters fit in ``budget_bytes``."""
    fits = [f / 1000 for f in range(1, 1001) if factorized_bytes(model, ranks_for_fraction(model, f / 1000, layers)) <= budget_bytes]
    if not fits:
        raise ValueError(f"even rank 1 does not fit in {budget_bytes} bytes")
    return factorize_network(model, ranks_for_fraction(model, max(fits), layers))


def equal_size_comparison(bits_list=(2, 3, 4, 5), index_bits=5):
    """LeNet-300-100 at equal bytes, one shot (no retraining): k-means quantization of every fc
    layer to ``bits``, magnitude pruning with the same bytes (values 32 bits + ``index_bits``
    relative index each), and low rank (float32 factors of fc1, fc2). Byte counts as in
    ``quantization.model_bits``. Returns one dict per bit width.
    """
    from . import pruning, quantization  # the other chapters' libraries

    base = models.pretrained("lenet_300_100")
    weights = sum(w.numel() for w in pruning.weights(base).values())
    bias_bits = 32 * sum(m.bias.numel() for m in pruning.layers(base).values())
    rows = []
    for bits in bits_list:
        quantized = quantization.quantize_model_(copy.deepcopy(base), bits)
        budget_bits = quantization.model_bits(quantized, fc_bits=bits, index_bits=index_bits)
        sparsity = 1 - (budget_bits - bias_bits) / (32 + index_bits) / weights
        pruned = pruning.apply_masks(copy.deepcopy(base), pruning.layerwise_masks(base, sparsity))
        factorized = low_rank_at_budget(base, budget_bits / 8)
        rows.append({
            "bits": bits,
            "bytes": budget_bits / 8,
            "quantization": {"error": train.evaluate(quantized)},
            "pruning": {"error": train.evaluate(pruned), "sparsity": sparsity,
                        "bytes": quantization.model_bits(pruned, index_bits=index_bits) / 8},
            "low_rank": {"error": train.evaluate(factorized), "bytes": size_bytes(factorized),
                         "ranks": [m[0].out_features for m in factorized if isinstance(m, nn.Sequential)]},
        })  # fmt: skip
    return rows


NNMF_SETUP = dict(n_users=600, n_items=400, observed=0.2, dim=3, dim_prime=3, hidden=32, steps=600, lr=3e-3, l2=1.0)


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
    matrix = latent_ratings(s["n_users"], s["n_items"], seed=seed)
    (users, items, ratings), test = observe(matrix, s["observed"], seed=seed)
    mean = ratings.mean().item()
    result = {"setup": dict(s), "train_entries": len(ratings), "test_entries": len(test[0])}
    result["rmse_mean"] = ((test[2] - mean) ** 2).mean().sqrt().item()
    for label, model in [
        ("mf", MatrixFactorization(s["n_users"], s["n_items"], s["dim"], mean)),
        ("nnmf", NNMF(s["n_users"], s["n_items"], s["dim"], s["dim_prime"], s["hidden"], mean)),
    ]:
        start = time.perf_counter()
        losses = fit_ratings(model, users, items, ratings, s["steps"], s["lr"], s["l2"], seed)
        result[f"seconds_{label}"] = round(time.perf_counter() - start, 1)
        result[f"rmse_{label}"] = rmse(model, *test)
        result[f"train_rmse_{label}"] = losses[-1] ** 0.5
    return result


SWEEPS = {  # model: (layers, fractions, fine-tuned fractions, fine-tuning epochs, learning rate)
    "lenet_300_100": (LENET_300_100_LAYERS, FRACTIONS, FRACTIONS, 0.25, 0.005),
    "lenet5": (LENET5_LAYERS, [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 1.0], [0.02, 0.05], 0.25, 0.005),
}


def reproduce_sweep(name, root=DATA_DIR):
    """Write ``root/name.json`` (the rank sweep) and ``root/name.safetensors`` (fine-tuned nets)."""
    layers, fractions, tuned, epochs, lr = SWEEPS[name]
    start = time.perf_counter()
    rows, checkpoints = rank_sweep(name, layers, fractions, tuned, epochs, lr)
    base = models.pretrained(name)
    table = {
        "model": name,
        "baseline_error": train.evaluate(base),
        "dense_parameters": models.count_parameters(base),
        "dense_bytes": size_bytes(base),
        "factorized_layers": layers,
        "fine_tune": {"epochs": epochs, "lr": lr, "optimizer": "SGD momentum 0.9, cosine"},
        "rows": rows,
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json(table, Path(root) / f"{name}.json")
    save_file(checkpoints, Path(root) / f"{name}.safetensors")


def write_json(table, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(table, indent=1) + "\n")


def reproduce(root=DATA_DIR):
    """Regenerate ``data/factorization/``: rank sweeps of both LeNets (with fine-tuned
    checkpoints), the equal-size comparison and the NNMF experiment."""
    root = Path(root)
    for name in SWEEPS:
        reproduce_sweep(name, root)
    start = time.perf_counter()
    write_json({"rows": equal_size_comparison(), "seconds": round(time.perf_counter() - start, 1)}, root / "equal_size.json")
    write_json(nnmf_experiment(), root / "nnmf.json")
