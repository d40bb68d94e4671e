"""Low-rank factorization of fully connected layers, and neural network matrix factorization.

A dense layer stores an ``n x m`` matrix: ``n * m`` numbers. A rank-``d`` factorization
``W ~ A @ B`` with ``A: n x d`` and ``B: d x m`` stores ``(n + m) * d`` numbers and costs
``(n + m) * d`` multiply-adds per input instead of ``n * m``. The best rank-``d`` approximation
in the Frobenius norm is the truncated SVD (Eckart-Young): keep the ``d`` largest singular
values; the squared error is the sum of the dropped squared singular values.

The second half is Dziugaite & Roy (2015), "Neural Network Matrix Factorization" (NNMF): matrix
completion where a small MLP replaces the inner product ``U_n . V_m`` of classic factorization.

The rank sweeps, the equal-size comparison and the NNMF experiment of notebook 04 live in
``coursekit.experiments.factorization``.
"""

import copy

import torch
from torch import nn

from . import arguments, network
from .i18n import message

__all__ = [
    "low_rank",
    "tail_energy",
    "rank_for_energy",
    "factorized_size",
    "break_even_rank",
    "factorize_linear",
    "factorize_network",
    "ranks_for_fraction",
    "spectra",
    "latent_ratings",
    "observe",
    "MatrixFactorization",
    "NNMF",
    "rmse",
    "fit_ratings",
]

# ---------------------------------------------------------------------------------------------
# One matrix
# ---------------------------------------------------------------------------------------------


def _check_rank(rank, n, m):
    """Raise a clear ``ValueError`` unless ``1 <= rank <= min(n, m)``."""
    if not isinstance(rank, int) or not 1 <= rank <= min(n, m):
        raise ValueError(message("factorization.rank", n=n, m=m, high=min(n, m), rank=rank))


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
    _check_rank(rank, n, m)
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
    try:
        energy = arguments.number(energy, "energy", above=0, high=1)
    except ValueError:
        raise ValueError(message("factorization.energy", energy=energy)) from None
    arguments.finite(singular_values, "singular_values")
    if singular_values.dim() != 1 or len(singular_values) == 0 or (singular_values < 0).any():
        raise ValueError(message("factorization.singular_values"))
    if (singular_values**2).sum() == 0:
        return 1  # the zero matrix: rank 1 keeps all of its (zero) energy
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    rank = int(torch.searchsorted(kept, torch.tensor(energy, dtype=kept.dtype) - 1e-6).item()) + 1
    return min(rank, len(singular_values))


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
    """A copy of ``model`` (in eval mode) with the layers that ``ranks`` names factorized.

    Args:
        ranks: ``{layer name: rank}``, names as in ``coursekit.network.layers``; e.g.
            ``{"fc1": 30, "fc2": 10}`` for LeNet-300-100. Each named layer must be an ``nn.Linear``.

    The factorized layer takes the dense layer's place in the model (same module path), so a
    state dict of the copy has ``<path>.0.weight`` (``B``) and ``<path>.1.weight`` (``A``).
    """
    factorized = copy.deepcopy(model)
    named = network.layers(model)
    paths = {module: path for path, module in model.named_modules()}
    for name, rank in ranks.items():
        if name not in named:
            raise ValueError(message("factorization.no_layer", name=name, layers=list(named)))
        layer = named[name]
        if not isinstance(layer, nn.Linear):
            raise ValueError(message("factorization.not_linear", name=name, kind=type(layer).__name__))
        parent, _, attribute = paths[layer].rpartition(".")
        setattr(factorized.get_submodule(parent), attribute, factorize_linear(layer, rank))
    return factorized.eval()


def ranks_for_fraction(model, fraction, layers):
    """``{layer name: rank}`` keeping ``fraction`` of each named layer's full rank ``min(n, m)``
    (at least 1); ``layers`` lists names as in ``coursekit.network.layers``."""
    if not 0 < fraction <= 1:
        raise ValueError(message("factorization.fraction", fraction=fraction))
    named = network.layers(model)
    return {name: max(1, round(fraction * min(named[name].weight.shape))) for name in layers}


def spectra(model, layers):
    """``{layer name: singular values}`` (1-D tensors, largest first) of the named layers' weights."""
    named = network.layers(model)
    return {name: torch.linalg.svdvals(network.weight(named[name])) for name in layers}


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

    def split(idx):
        return idx // n_items, idx % n_items, matrix.flatten()[idx]

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


def _latents(model):
    """The latent matrices of a factorization model (the parameters that L2 regularizes)."""
    return [p for name, p in model.named_parameters() if not name.startswith("mlp.")]


def rmse(model, users, items, ratings):
    """Root mean squared error of ``model``'s predictions on the given entries."""
    with torch.no_grad():
        return ((model(users, items) - ratings) ** 2).mean().sqrt().item()


def fit_ratings(model, users, items, ratings, steps=600, lr=3e-3, l2=1e-3):
    """Train ``model`` on the observed entries: full-batch RMSProp on the squared error plus
    ``l2 * ||latents||^2 / entries`` (the paper's L2 on the latents; the MLP is not penalized).

    ``users``, ``items``: 1-D int64 tensors of indices; ``ratings``: 1-D float tensor, same length.
    The paper alternates between updating the network and the latents; updating both at once
    is simpler and converges as well here. Full batch: nothing random happens. Returns the list
    of training losses (mean squared error of each step).
    """
    optimizer = torch.optim.RMSprop(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = ((model(users, items) - ratings) ** 2).mean()
        penalty = l2 * sum((p**2).sum() for p in _latents(model)) / len(ratings)
        optimizer.zero_grad()
        (loss + penalty).backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
