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
# # Quantization: weight sharing by k-means
#
# Deep Compression (Han, Mao, Dally 2016), stage 2. After pruning, each surviving weight is still a
# 32-bit float. But a layer does not need 2^32 different values: a few dozen will do.
#
# 1. **cluster** a layer's weights into k = 2^b groups with k-means; each group shares one value;
# 2. **store** a b-bit index per weight plus a codebook of k 32-bit floats;
# 3. **fine-tune** the shared values: the indices stay fixed.
#
# Everything here runs on LeNet-300-100 and LeNet-5; the expensive runs (fine-tuning, grids) were
# done by `python -m coursekit.reproduce quantization` and are loaded from `data/quantization/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: stage 2 of Deep Compression: a layer does not need 2^32 values, a few dozen shared ones will do: cluster, store b-bit indices and a codebook, fine-tune the codebook. Ask the room: how many distinct values do you think a trained layer needs? Quote: Deep Compression, Sec. 3 and Fig. 3. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Before you start
#
# **You will learn to**
#
# - run Lloyd's k-means on one layer's weights (assignment and update steps);
# - compute Deep Compression's compression rate (Eq. 1), codebook included;
# - start the centroids by the linear and the density rules, and say which works better;
# - compute the codebook's gradient (Eq. 3) for trained quantization.
#
# **Prerequisites:** notebook 01; `torch` indexing, `torch.quantile`, `index_add_` or `bincount`.
#
# **Time:** about 40 minutes to read and run, plus 5 exercises (about 45 minutes).
#
# **Exercises.** Each `Exercise` cell asks for one step of the method, a short function whose body
# is `raise NotImplementedError()`: replace it with your code and run the cell below it, which checks
# your function on cases of its own and prints `passed N cases`, or the first case that fails with a
# hint (`not done yet` while the body is unchanged). The rest of the notebook does not need your
# answers: it uses coursekit's own implementation. The solutions are in the instructor notebook of
# the same name in `notebooks/`, one folder away from your copy in `release/notebooks/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: five exercises (Lloyd step, Eq. 1, the two initializations, Eq. 3's gradient); at home. Time: 0.5 min.

# %% slideshow={"slide_type": "skip"}
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Markdown, display

import coursekit
from coursekit import checks, kmeans_fast, models, network, papers, plots, train, widgets
from coursekit import quantization as q
from coursekit.experiments import ERROR_TOLERANCE, baselines
from coursekit.experiments import pruning as pruning_experiment
from coursekit.experiments import quantization as experiment

coursekit.set_language("en")
plots.style()
torch.manual_seed(0)
INIT_NAMES = {"random": "random", "density": "density", "linear": "linear", "kmeans++": "k-means++"}  # q.INITS, as shown
METHOD_NAMES = {
    "pruning only": "pruning only",
    "quantization only": "quantization only",
    "pruning + quantization": "pruning + quantization",
}  # experiment.fig6_curves's keys, as shown
assert list(INIT_NAMES) == list(q.INITS)
base = baselines.pretrained("lenet_300_100")
results = experiment.load_results("lenet_300_100")
pct = lambda error: f"{100 * error:.2f}%"
n_test = train.split_size("test")  # MNIST's 10,000 test images
se = lambda error: train.standard_error(error, n_test)  # one standard error of a test error (a fraction)
pm = lambda error: f"{pct(error)} ± {100 * se(error):.2f}"  # a test error with its standard error
say = lambda text: display(Markdown(text))  # a sentence written from the numbers above it


def fewest_bits(val_errors, baseline_val_error):
    """The fewest bits whose VALIDATION error is at most 0.1 points (ERROR_TOLERANCE) above the
    baseline's: ``val_errors`` is ``{bits: error}``. ``None`` when no width is that close."""
    close = [b for b, error in sorted(val_errors.items()) if error <= baseline_val_error + ERROR_TOLERANCE]
    return close[0] if close else None


def listing(items):
    """``[2, 3, 4]`` -> '2, 3 and 4' (for the sentences the notebook writes from its numbers)."""
    items = [str(i) for i in items]
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Weight sharing on one layer
#
# LeNet-300-100's first layer has 235,200 weights. k-means with k = 4 (2 bits) minimizes the
# within-cluster sum of squares (DC Eq. 2):
#
# $$ \min_C \sum_{i=1}^{k} \sum_{w \in c_i} |w - c_i|^2 $$
#
# `q.kmeans_1d` (`coursekit/quantization.py`) is Lloyd's loop: assign each weight to its nearest
# centroid, move each centroid to the mean of its weights, until no weight changes cluster.
# `coursekit/kmeans_fast.py` finds the same clusters faster: in one dimension a cluster is a run
# of the **sorted** weights, cut halfway between two centroids, so the assignment step is one
# `searchsorted` and the update step a difference of prefix sums. We use it on real layers.

# %% slideshow={"slide_type": "fragment"}
fc1 = network.layers(base)["fc1"].weight.detach()
codebook, indices = q.quantize_layer(fc1, bits=2, init="linear", kmeans=kmeans_fast.kmeans_1d)
plain_codebook, plain_indices = q.kmeans_1d(fc1.flatten(), 4, "linear")  # Lloyd's plain loop: the same clusters
assert torch.equal(plain_indices, indices.flatten()) and torch.allclose(plain_codebook, codebook)
shared = codebook[indices]
print("codebook (4 x 32-bit floats):", np.round(codebook.numpy(), 4))
print("indices:", tuple(indices.shape), "values in", indices.unique().tolist(), "-> 2 bits each")
print("distinct values after sharing:", len(shared.unique()))
assert len(shared.unique()) <= 4 and indices.max() < 4
stored_bytes = fc1.numel() * 2 / 8 + len(codebook) * 4  # 2-bit indices + 4 float32 values
print(f"storage: {fc1.numel() * 4:,} bytes as float32 -> {stored_bytes:,.0f} bytes ({fc1.numel() * 4 / stored_bytes:.2f}x)")
assert abs(fc1.numel() * 4 / stored_bytes - q.compression_rate(fc1.numel(), 4)) < 1e-9

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: k-means with k = 4 on fc1's 235,200 weights: assign each to the nearest centroid, move each centroid to its mean, repeat; in 1-D a cluster is a run of the sorted weights. Ask the room: what is stored afterwards? (2-bit indices plus 4 floats). Quote: Deep Compression, Eq. 2 and Fig. 3 (the 4x4 example). Time: 2 min.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
bins = np.linspace(fc1.min(), fc1.max(), 120)
axes[0].hist(fc1.flatten(), bins=bins, color="0.6")
axes[0].vlines(codebook, 0.8, np.bincount(indices.flatten(), minlength=4), color="tab:red", lw=2, label="centroids")
axes[0].set(title="before: 235,200 float32 weights", yscale="log", xlabel="weight value")
axes[0].legend()
axes[1].hist(shared.flatten(), bins=bins, color="tab:red")
axes[1].set(title="after: 4 shared values", yscale="log", xlabel="weight value")
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: the red lines on the left are the centroids, their height the number of weights
# in each cluster. On the right every weight has moved onto its centroid. DC Fig. 3 shows the same
# on a 4x4 toy matrix. Point out that the layer is stored as 2-bit indices plus 4 floats.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2.1 (2 points): one iteration of 1-D k-means
#
# Write `lloyd_step(weights, centroids)`: one Lloyd iteration on the 1-D tensor `weights` from
# the `k` sorted `centroids`. **Assignment**: each weight goes to its nearest centroid
# (smallest `|w - c|`). **Update**: each centroid moves to the mean of its weights; a centroid
# that got no weight keeps its value. Return the `k` new centroids, in the same order.
#
# The cell below checks your function on cases of its own against coursekit's `quantization.kmeans_1d(..., max_iter=1)`.

# %% nbgrader={"grade": false, "grade_id": "lloyd_step", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def lloyd_step(weights, centroids):
    """The k centroids after one assignment + update step of k-means on 1-D ``weights``."""
    ### BEGIN SOLUTION
    nearest = (weights[:, None] - centroids[None, :]).abs().argmin(1)
    new = centroids.clone()
    for j in range(len(centroids)):
        if (nearest == j).any():
            new[j] = weights[nearest == j].mean()
    return new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_lloyd_step", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_lloyd_step(lloyd_step)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. The compression rate (DC Eq. 1)
#
# n weights of b bits become n indices of log2(k) bits plus a codebook of k values of b bits:
#
# $$ r = \frac{n b}{n \log_2 k + k b} $$
#
# The paper's example: 16 weights, 4 clusters, 32-bit floats.

# %% slideshow={"slide_type": "fragment"} tags=["show-input"]
ex = papers.DC_EQ1_EXAMPLE
r = q.compression_rate(ex["n"], ex["k"], ex["b"])
print(f"r = 16*32 / (16*2 + 4*32) = {r:.1f}x   (paper: {ex['rate']}x)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: r = n b / (n log2 k + k b): on the paper's 16-weight example 3.2x; on a real layer the codebook is free and r tends to 32/b. Ask the room: when is the codebook NOT negligible? (small layers with many bits, e.g. LeNet-5's conv1 at 8 bits). Quote: Deep Compression, Eq. 1. Time: 2 min.

# %% slideshow={"slide_type": "skip"}
assert abs(r - ex["rate"]) < 1e-12

# %% slideshow={"slide_type": "subslide"}
ns = np.logspace(1, 6, 200)
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for bits in (2, 4, 8):
    ax.plot(ns, [q.compression_rate(n, 2**bits) for n in ns], label=f"k = {2**bits} ({bits} bits)")
    ax.axhline(32 / bits, color="0.6", lw=0.8, ls=":")
ax.axvline(235_200, color="tab:red", lw=1, ls="--", label="LeNet-300-100 fc1")
ax.set(xscale="log", xlabel="weights in the layer n", ylabel="compression rate r", ylim=(0, 17), xlim=(10, 1e6))
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
plt.show()

# %% slideshow={"slide_type": "fragment"}
for bits in (2, 4, 8):
    k = 2**bits
    n_equal = k * 32 / bits  # n at which the codebook costs as much as the indices
    r_fc1 = q.compression_rate(235_200, k)
    print(f"{bits} bits: codebook = indices at n = {n_equal:,.0f};  fc1 r = {r_fc1:.2f} (limit 32/{bits} = {32 / bits:.0f})")
    assert r_fc1 > 0.99 * 32 / bits
conv1 = network.layers(models.build("lenet5"))["conv1"].weight.numel()  # 20 filters of 5 x 5: 500 weights
layer_bytes, codebook_bytes, index_bytes = conv1 * 4, 256 * 4, conv1 * 8 // 8  # fp32 layer; 256 fp32 values; 8-bit indices
r_conv1 = q.compression_rate(conv1, 256)
print(f"LeNet-5 conv1 at 8 bits: {conv1} weights = {layer_bytes:,} bytes as float32 -> {index_bytes:,} bytes of indices "
      f"+ {codebook_bytes:,} bytes of codebook;  r = {r_conv1:.2f}x (limit 4x)")
assert index_bytes < codebook_bytes < layer_bytes  # the codebook outweighs the indices, not the layer
assert abs(layer_bytes / (index_bytes + codebook_bytes) - r_conv1) < 1e-9 and f"{r_conv1:.2f}" == "1.31"  # the notes' numbers


# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: r tends to 32/b once n is much larger than k*32/b (the dotted lines). For the
# paper's big layers the codebook is free. For LeNet-5's conv1 (500 weights) at 8 bits the
# 256-entry codebook (1,024 bytes) is twice its 8-bit indices (500 bytes), though still half the
# float32 layer (2,000 bytes): r = 1.31x instead of the 4x of a big layer.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2.2 (1 point): Eq. 1
#
# Write `compression_rate(n, k, b=32)`: `n` weights of `b` bits each are replaced by `n`
# indices of `log2(k)` bits plus a codebook of `k` values of `b` bits. Return the ratio of the
# sizes before and after. The paper's example: `compression_rate(16, 4) == 3.2`.
#
# The cell below checks your function on cases of its own against coursekit's `quantization.compression_rate`.

# %% nbgrader={"grade": false, "grade_id": "compression_rate", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def compression_rate(n, k, b=32):
    """DC Eq. 1: bits before / bits after sharing ``n`` weights among ``k`` values."""
    ### BEGIN SOLUTION
    return n * b / (n * math.log2(k) + k * b)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_compression_rate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_compression_rate(compression_rate)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Where to start the centroids
#
# k-means only finds a local optimum, so the start matters (DC Sec. 3.2, Fig. 4):
#
# - **random** (Forgy): k weights drawn at random;
# - **density**: evenly spaced on the y-axis of the CDF (many centroids where weights are dense);
# - **linear**: evenly spaced between the smallest and largest weight;
# - **k-means++**: each new centroid drawn far from the ones already chosen.
#
# The layer: fc1 of the pruning chapter's LeNet-300-100 (`load_pruned`: pruned to the paper's
# per-layer profile, retrained), the same layer of the same network as in Sec. 1, most of it gone.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: k-means only finds a local optimum; the start decides it: random, density (CDF), linear, k-means++. On the pruned, bimodal layer density crowds the humps, linear covers the large weights. Ask the room: which weights matter most to the output, the many small ones or the few large ones? Quote: Deep Compression, Fig. 4 (the three initializations on a pruned layer) and Fig. 10 (accuracy vs init). Time: 3 min.

# %% slideshow={"slide_type": "subslide"}
pruned = pruning_experiment.load_pruned("lenet_300_100")
w = network.layers(pruned)["fc1"].weight.detach().flatten()
w = w[w != 0].sort().values
fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
ax.plot(w, np.arange(1, len(w) + 1) / len(w), color="0.3", label="CDF of the nonzero weights")
for offset, (init, color) in enumerate(zip(q.INITS, ["tab:orange", "tab:green", "tab:blue", "tab:purple"])):
    start = np.sort(q.init_centroids(w, 16, init))
    ax.plot(start, np.full(16, -0.06 - 0.07 * offset), "|", ms=9, mew=2, color=color, label=INIT_NAMES[init])
ax.set(xlabel="weight value", ylabel="cumulative distribution", title=f"pruned fc1: {len(w):,} weights, 16 starting centroids")
ax.legend(loc="upper left")
plt.show()
pruned_error = results["pruning"]["final"]["error"]
print(f"pruned fc1: {len(w):,} of {fc1.numel():,} weights left ({100 * len(w) / fc1.numel():.1f}%); "
      f"the pruned network's test error {pm(pruned_error)}, the dense baseline's {pm(results['baseline_error'])}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: the pruned layer is bimodal (the small weights around 0 were removed). Density
# init crowds the centroids into the two humps; linear spreads them evenly, so a few land on the
# rare large weights. The paper argues large weights matter more, and finds linear best.

# %% slideshow={"slide_type": "subslide"}
rows = results["pruned"]
bit_range = range(2, 7)
cells = [
    [f"{bits:d}"]
    + [f"{pct(c['error'])} -> {pct(c['finetuned_error'])}" for c in (rows[f"final/{bits}/{init}"] for init in q.INITS)]
    for bits in bit_range
]
display(plots.table(
    cells, ["bits", *INIT_NAMES.values()], caption="pruned LeNet-300-100, test error after quantization -> after fine-tuning",
    note=f"pruned model before quantization: {pct(pruned_error)}; one standard error: about {100 * se(pruned_error):.2f} points",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the table: the pruned LeNet-300-100 quantized at 2-6 bits with each start, test error after quantization and after fine-tuning. Ask the room: from which bit width on does the start stop mattering? (where the four columns agree within about one standard error). Quote: Deep Compression, Fig. 10. Time: 1.5 min.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
for ax, field, title in zip(axes, ["error", "finetuned_error"], ["after quantization", "after fine-tuning"]):
    for init in q.INITS:
        ax.plot(list(bit_range), [100 * rows[f"final/{b}/{init}"][field] for b in bit_range], "o-", ms=4, label=INIT_NAMES[init])
    ax.set(title=title, xlabel="bits per weight")
axes[0].set_ylabel("test error (%)")
axes[0].legend()
plt.show()

# %% slideshow={"slide_type": "fragment"}
val = lambda b, init: rows[f"final/{b}/{init}"]["finetuned_val_error"]
tuned = lambda b, init: rows[f"final/{b}/{init}"]["finetuned_error"]
chosen = {b: min(q.INITS, key=lambda init: val(b, init)) for b in bit_range}  # on validation (ties: the first)
print("start chosen on the validation images, per bit width:\n ", {b: INIT_NAMES[i] for b, i in chosen.items()})
print("its test error:", {b: pm(tuned(b, i)) for b, i in chosen.items()})
spread = {b: max(tuned(b, i) for i in q.INITS) - min(tuned(b, i) for i in q.INITS) for b in bit_range}
print("test error, worst start minus best start (points):", {b: round(100 * x, 2) for b, x in spread.items()})
linear_chosen = [b for b in bit_range if chosen[b] == "linear"]
others = {i: [b for b in bit_range if chosen[b] == i] for i in q.INITS if i != "linear"}
other_chosen = [f"{INIT_NAMES[i]} at {listing(widths)} bits" for i, widths in others.items() if widths]
tied = [b for b in bit_range if spread[b] <= se(min(tuned(b, i) for i in q.INITS))]  # all starts within one SE
assert len(linear_chosen) + sum(len(widths) for widths in others.values()) == len(bit_range)
say(
    "**What we measure.** On the validation images linear is the best start "
    + (f"at {listing(linear_chosen)} bits" if linear_chosen else "at no width")
    + (f"; {listing(other_chosen)}." if other_chosen else ".")
    + (f" On the test images all four starts are within one standard error of each other at {listing(tied)} bits: "
       "there the start does not measurably matter." if tied else " On the test images the starts differ by more than one standard error at every width.")
    + " The paper finds linear best except at 3 bits (AlexNet); on LeNet-300-100 linear is "
    + ("chosen at 3 bits too." if 3 in linear_chosen else "not chosen at 3 bits either.")
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the same as curves; the start of each width is chosen on the validation images, then its test error is reported once; read the sentence under the plot, written from the numbers. Ask the room: does this match the paper's finding (linear best except at 3 bits)? Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2.3 (1 point): linear initialization
#
# Write `linear_init(weights, k)`: `k` centroids evenly spaced from the smallest to the largest
# of the 1-D `weights`, both ends included.
#
# The cell below checks your function on cases of its own against coursekit's `quantization.init_linear`.

# %% nbgrader={"grade": false, "grade_id": "linear_init", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def linear_init(weights, k):
    """``k`` values evenly spaced between min(weights) and max(weights), ends included."""
    ### BEGIN SOLUTION
    return torch.linspace(weights.min().item(), weights.max().item(), k)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_linear_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_linear_init(linear_init)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2.4 (1 point): density-based initialization
#
# Write `density_init(weights, k)`: `k` centroids evenly spaced on the y-axis of the weights'
# CDF, the quantiles at `(i + 0.5) / k` for `i = 0 .. k-1`, interpolated between weights as
# `torch.quantile` does (compute in float64).
#
# The cell below checks your function on cases of its own against coursekit's `quantization.init_density`.

# %% nbgrader={"grade": false, "grade_id": "density_init", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def density_init(weights, k):
    """The quantiles of ``weights`` at (i + 0.5) / k, i = 0 .. k-1."""
    ### BEGIN SOLUTION
    levels = (torch.arange(k, dtype=torch.float64) + 0.5) / k
    return torch.quantile(weights.double(), levels)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_density_init", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_density_init(density_init)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Trained quantization (DC Eq. 3)
#
# The shared values are trained; the indices are not. The gradient of a shared value is the sum
# of the gradients of every weight that uses it:
#
# $$ \frac{\partial L}{\partial C_k} = \sum_{i,j} \frac{\partial L}{\partial W_{ij}} \, \mathbb{1}(I_{ij} = k) $$
#
# `coursekit.quantization.SharedWeights` is a `torch.nn.utils.parametrize` parametrization:
# `weight = codebook[indices] * mask`. Its backward is a scatter-add of the weight gradients by
# index. The mask keeps pruned weights at zero. A 2 x 2 check by hand:

# %% slideshow={"slide_type": "fragment"}
layer = torch.nn.Linear(2, 2, bias=False)
with torch.no_grad():
    layer.weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 1.2]]))  # 0.0: a pruned weight
q.share_weights_(layer, bits=1)
x = torch.tensor([[2.0, 3.0]])
layer(x).sum().backward()  # dL/dW_ij = x_j
print("weight:", (layer.weight + 0.0).detach().numpy().round(2).tolist(), " codebook:", q.codebook(layer).detach().numpy().round(2).tolist())
print("codebook gradient:", q.codebook(layer).grad.tolist(), " by hand: [3 (W01), 2 + 3 (W00 + W11)]")
assert q.codebook(layer).grad.tolist() == [3.0, 5.0]

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the codebook is trained, the indices are not: the gradient of a shared value is the sum of the gradients of the weights that use it (a scatter-add). Ask the room: what happens to the pruned weights during this training? (the mask keeps them at zero). Quote: Deep Compression, Eq. 3 and Fig. 3 (gradient grouped by color). Time: 2 min.

# %% slideshow={"slide_type": "subslide"}
steps, errors = zip(*results["recovery"])
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.plot(steps, [100 * e for e in errors], "o-", ms=3, label="LeNet-300-100, 97% pruned, 2 bits: fine-tuning")
ax.axhline(100 * results["pruning"]["layer 97%"]["error"], color="0.4", ls="--", label="97% pruned, 32-bit")
ax.set(xlabel="fine-tuning steps (batches of 64)", ylabel="test error (%)")
ax.legend()
plt.show()
gain = errors[0] - errors[-1]
print(f"2 bits: {pm(errors[0])} after quantization -> {pm(errors[-1])} after {steps[-1]} steps of fine-tuning")
say(f"Fine-tuning the 4 shared values of each layer {'recovers' if gain > 0 else 'does not recover'} "
    f"{100 * abs(gain):.2f} points of the error ({abs(gain) / se(errors[-1]):.1f} standard errors"
    f"{'' if gain > 0 else ', the wrong way'}); the 32-bit 97%-pruned network is at "
    f"{pct(results['pruning']['layer 97%']['error'])}.")


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: fine-tuning the codebook after quantizing the 97%-pruned network to 2 bits: read the error at step 0 and at the end (the sentence under the plot). Ask the room: how few numbers are being trained here? (4 per layer, plus the biases). Quote: Deep Compression, Sec. 3.3. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2.5 (2 points): the codebook's gradient (Eq. 3)
#
# Write `codebook_gradient(weight_grad, indices, k)`: `weight_grad` holds dL/dW for every weight
# of a layer and `indices` (same shape) which of the `k` shared values each weight uses. Return
# the `k` gradients of the shared values: for each, the **sum** of the gradients of its weights
# (0 for a value no weight uses).
#
# The cell below checks your function on cases of its own against coursekit's `quantization.SharedLookup`.

# %% nbgrader={"grade": false, "grade_id": "codebook_gradient", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def codebook_gradient(weight_grad, indices, k):
    """DC Eq. 3: the k gradients dL/dC_j = sum of dL/dW over the weights with index j."""
    ### BEGIN SOLUTION
    return torch.zeros(k).index_add_(0, indices.flatten(), weight_grad.flatten())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_codebook_gradient", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_codebook_gradient(codebook_gradient)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. How many bits? (DC Table 6, Fig. 7)
#
# The paper quantizes AlexNet's conv and fc layers separately. Its finding: conv layers need
# about 4 bits or more, fc layers hold down to about 2. Our LeNet-5 analog (linear init; codebooks
# fine-tuned for a twentieth of an epoch at a learning rate of 3e-6), beside the paper's AlexNet
# numbers (ImageNet: quoted, not reproduced here). That rate was not really chosen: the three rates
# tried, 3e-6, 1e-5 and 3e-5, tie at 0.96% on the validation images (the line below), and the
# first, the smallest, is kept: a tie broken by order. Only LeNet-300-100's codebook rate was
# chosen on validation: 3e-5, at 1.58% against 1.62% (1e-5) and 1.66% (1e-4) ("Fine-tune it
# yourself, live" prints them).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the paper quantizes AlexNet's conv and fc layers separately: conv needs about 4 bits, fc holds down to about 2; our analog is LeNet-5 (linear init, codebooks fine-tuned for a twentieth of an epoch). Point out that its learning rate was not really chosen: the three rates tie on validation and the first is kept; only LeNet-300-100's rate was chosen. Time: 1 min.

# %% slideshow={"slide_type": "subslide"}
lenet5 = experiment.load_results("lenet5")
base5 = lenet5["baseline_error"]
assert lenet5["finetune"]["epochs"] == 0.05  # "a twentieth of an epoch"
# the three rates tie on validation: "the lowest" is the first of the tie (3e-6), kept by order
print(f"LeNet-5 codebooks fine-tuned at lr {lenet5['finetune']['lr']:g}, the lowest validation error of\n  "
      f"{ {lr: pct(e) for lr, e in lenet5['finetune']['lr_val_errors'].items()} }")
paper_top1, paper_top5 = papers.DC_TABLE6[32, 32]  # the paper's 32-bit AlexNet: its "increase" columns start here
points = lambda error, reference: f"{100 * (error - reference):+.2f}"  # an error increase, in points
cells, paper_rows = [], []
table6, paper_increase = {}, {}
for (conv, fc), (top1, top5) in papers.DC_TABLE6.items():
    row = lenet5["configs"][experiment.config_key(conv, fc, "linear")]
    tuned = row["finetuned_error"] if (conv, fc) != (32, 32) else row["error"]
    table6[conv, fc] = tuned
    paper_increase[conv, fc] = (points(top1, paper_top1), points(top5, paper_top5))
    cells.append([f"{conv:d} / {fc:d}", "ours", pct(row["error"]), pct(tuned), points(tuned, base5), "", "",
                  f"{lenet5['dense_bits'] / row['bits']:.1f}x"])
    paper_rows.append(len(cells))
    cells.append(["", "paper", "", f"{100 * top1:.2f}%", paper_increase[conv, fc][0], f"{100 * top5:.2f}%",
                  paper_increase[conv, fc][1], ""])
display(plots.table(
    cells, ["conv / fc bits", "", "quantized", "top-1 error", "top-1 increase", "top-5 error", "top-5 increase", "smaller"],
    paper=paper_rows, caption="DC Table 6: LeNet-5 (ours, MNIST, test) and AlexNet (paper, ImageNet, quoted)",
    note="error after fine-tuning the codebooks; increase: in points over the 32-bit network; MNIST has 10 classes, so no top-5",
))
# the paper's printed increase columns (DC Table 6), recomputed from its error columns
assert [paper_increase[c] for c in [(8, 5), (8, 4), (4, 2)]] == [("+0.00", "-0.03"), ("+0.01", "+0.00"), ("+1.99", "+2.60")]
costly = [f"{c} / {f}" for (c, f), e in table6.items() if e > base5 + ERROR_TOLERANCE]
paper_costly = [f"{c} / {f}" for (c, f), (top1, _) in papers.DC_TABLE6.items() if top1 > paper_top1 + ERROR_TOLERANCE]
assert paper_costly == ["4 / 2"]
say(f"Settings that cost more than 0.1 points of top-1 error: ours (LeNet-5, test, one standard error about "
    f"{100 * se(base5):.2f} points) {listing(costly) if costly else 'none'}; the paper's AlexNet {listing(paper_costly)}"
    f"{' (the same pattern).' if costly == paper_costly else '.'}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the paper's Table 6 with all four columns (top-1 and top-5, each with its increase over the 32-bit AlexNet) in grey, our LeNet-5 at the same bit widths above each paper row (MNIST has no meaningful top-5). Ask the room: why might conv layers need more bits than fc layers? Quote: Deep Compression, Table 6 and Fig. 7 (AlexNet: conv about 4 bits, fc about 2). Time: 2 min.

# %% slideshow={"slide_type": "subslide"}
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True, layout="constrained")
for ax, kind in zip(axes, ["conv", "fc"]):
    keys = [experiment.config_key(b, 32, "linear") if kind == "conv" else experiment.config_key(32, b, "linear") for b in range(1, 9)]
    for field, label in [("error", "quantized"), ("finetuned_error", "fine-tuned")]:
        ax.plot(range(1, 9), [100 * lenet5["configs"][k][field] for k in keys], "o-", ms=4, label=label)
    ax.axhline(100 * lenet5["baseline_error"], color="0.4", ls="--", lw=1, label="32-bit")
    ax.set(title=f"LeNet-5: only the {kind} layers quantized", xlabel="bits", yscale="log")
axes[0].set_ylabel("test error (%)")
axes[0].legend()
plt.show()
row5 = lambda conv, fc: lenet5["configs"][experiment.config_key(conv, fc, "linear")]
conv_curve = {b: row5(b, 32)["finetuned_error"] for b in range(1, 9)}
fc_curve = {b: row5(32, b)["finetuned_error"] for b in range(1, 9)}
print("conv bits -> test error:", {b: pct(e) for b, e in conv_curve.items()})
print("fc bits   -> test error:", {b: pct(e) for b, e in fc_curve.items()})
conv_bits = fewest_bits({b: row5(b, 32)["finetuned_val_error"] for b in range(1, 9)}, lenet5["baseline_val_error"])
fc_bits = fewest_bits({b: row5(32, b)["finetuned_val_error"] for b in range(1, 9)}, lenet5["baseline_val_error"])
hold = lambda bits, curve: f"{bits} bits (test error {pm(curve[bits])})" if bits else "no width up to 8 bits"
raw1 = {"conv": row5(1, 32)["error"], "fc": row5(32, 1)["error"]}
fragile = "conv" if raw1["conv"] > raw1["fc"] else "fc"
say(f"**What we measure on LeNet-5.** Before fine-tuning, 1-bit conv layers give {pct(raw1['conv'])} test error and "
    f"1-bit fc layers {pct(raw1['fc'])}: the {fragile} layers are the fragile ones"
    + (", the paper's direction." if fragile == "conv" else ", unlike the paper's AlexNet.")
    + f" After fine-tuning, the fewest bits within 0.1 points of the baseline on the validation images: conv layers "
    f"{hold(conv_bits, conv_curve)}, fc layers {hold(fc_bits, fc_curve)} (baseline {pm(base5)}). LeNet-5's two conv "
    "layers are small (25,500 weights) and fine-tuning their few shared values recovers much of the loss. The paper's "
    "AlexNet needs about 4 bits in conv layers and 2 in fc layers: a much bigger network on a much harder task.")
assert sum(network.layers(models.build("lenet5"))[n].weight.numel() for n in ("conv1", "conv2")) == 25_500

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: conv and fc layers of LeNet-5 quantized separately, before and after fine-tuning; the fewest bits that hold are chosen on the validation images (the sentence under the plot). Ask the room: why can a small conv layer recover from few bits? (few shared values to tune, few weights). Quote: Deep Compression, Fig. 7. Time: 1.5 min.

# %% slideshow={"slide_type": "subslide"}
fc_rows = [results["configs"][experiment.config_key(32, b, "linear")] for b in range(1, 9)]
cells = [
    [f"{b}", pct(row["error"]), pct(row["finetuned_error"]), f"{results['dense_bits'] / row['bits']:.1f}x"]
    for b, row in zip(range(1, 9), fc_rows)
]
display(plots.table(
    cells, ["fc bits", "error", "fine-tuned", "smaller"],
    caption="LeNet-300-100, all layers quantized (linear init)", note=f"32-bit baseline: {pct(results['baseline_error'])}",
))
fc_tuned = {b: row["finetuned_error"] for b, row in zip(range(1, 9), fc_rows)}
bits300 = fewest_bits({b: row["finetuned_val_error"] for b, row in zip(range(1, 9), fc_rows)}, results["baseline_val_error"])
rate300 = results["dense_bits"] / fc_rows[bits300 - 1]["bits"] if bits300 else None
say("Chosen on the validation images, the fewest bits within 0.1 points of the baseline: "
    + (f"**{bits300} bits**, {rate300:.1f}x smaller, test error {pm(fc_tuned[bits300])} against the baseline's "
       f"{pm(results['baseline_error'])}." if bits300 else "none up to 8 bits.")
    + f" At 1 bit (two values per layer) the test error is {pct(fc_tuned[1])}.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: LeNet-300-100 with every layer quantized, fc bits from 1 to 8; the bits to ship are chosen on the validation images, the test error reported once. Ask the room: what is the compression rate at 4 bits, codebook included? (about 8x: the "smaller" column). Quote: Deep Compression, Table 6. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Pruning and quantization together (DC Fig. 6)
#
# Size model (weights and biases): a pruned layer stores each surviving weight with a 5-bit
# relative index; a quantized one stores b-bit indices plus its codebook (`q.model_bits`).
# Three curves on LeNet-300-100: pruning only (the pruning chapter's retrained models: its
# layer-wise grid and its final model), quantization only (fine-tuned), and both (those
# pruned models quantized to 2-6 bits and fine-tuned). Each curve keeps its best trade-offs:
# the points that no smaller model beats. The curves show test errors; which model to ship (the
# smallest within 0.1 points of the baseline) is chosen on the validation errors of the same models,
# and its test error reported once (the star).

# %% slideshow={"slide_type": "fragment"}
curves = experiment.fig6_curves(results)  # {method: [(size %, test error %)]}: the three methods only, no SVD curve
goal = results["goal"]  # the smallest pruning + quantization model within 0.1 points, chosen on validation
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
plots.error_vs_size(ax, {METHOD_NAMES[m]: p for m, p in curves.items()}, baseline_error=100 * results["baseline_error"])
if goal["size_percent"] is not None:
    ax.plot(goal["size_percent"], 100 * goal["test_error"], "k*", ms=13, label="chosen on validation")
    ax.legend()
ax.set_ylim(1, 4)
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the size model (a 5-bit relative index per surviving weight when pruned, b-bit indices plus a codebook when quantized) and the three curves: pruning only, quantization only, both; each keeps the points no smaller model beats; the star is the model chosen on the validation images. Ask the room: why do the two methods multiply rather than overlap? Quote: Deep Compression, Fig. 6 (pruning + quantization works best together). Time: 1.5 min.

# %% slideshow={"slide_type": "subslide"}
def smallest_size(points, max_error):
    """Smallest model size (%) among the points whose error (%) is at most ``max_error`` (None: no point)."""
    return min((size for size, error in points if error <= max_error), default=None)


val_curves = experiment.fig6_curves(results, split="val")  # the same models' validation errors: to choose on
limit = 100 * (results["baseline_val_error"] + ERROR_TOLERANCE)  # validation error (%): 0.1 points above the baseline's
best = {method: smallest_size(points, limit) for method, points in val_curves.items()}
for method, size in best.items():
    rate = f"{size:.2f}% of 32-bit ({100 / size:.0f}x)" if size else "none"
    print(f"{METHOD_NAMES[method]:>24s}: smallest model within 0.1 points on validation: {rate}")
assert goal["size_percent"] == best["pruning + quantization"]  # the results file chose the same point
rates = {method: f"{100 / size:.0f}x" if size else "no model" for method, size in best.items()}
if goal["size_percent"] is not None:
    say(f"Chosen on validation, pruning + quantization is **{goal['rate']:.0f}x** smaller within 0.1 points of the "
        f"baseline, against {rates['pruning only']} for pruning alone and {rates['quantization only']} for quantization "
        f"alone. Its test error, measured once: {pm(goal['test_error'])} against the baseline's "
        f"{pm(results['baseline_error'])} ({100 * goal['increase']:+.2f} points, {goal['increase_in_se']:+.1f} standard "
        f"errors): the 0.1-point goal is **{'met' if goal['met'] else 'missed'}** on the test images.")
else:
    say("No pruning + quantization model comes within 0.1 points of the baseline on the validation images.")
pq6 = results["pruned"]["final/6/linear"]
print(f"paper's LeNet-300-100 setting (12x pruned, 6-bit weights, 5-bit indices):\n"
      f"  ours: {100 * pq6['bits'] / results['dense_bits']:.2f}% of the size, test error {pm(pq6['finetuned_error'])}\n"
      f"  paper: {papers.DC_LENET_300_100_PQ['size_percent']}% "
      f"({papers.DC_LENET_300_100_PQ['rate']}x), error {100 * papers.DC_TABLE1['lenet_300_100']['error'][1]:.2f}%")
assert abs(100 * pq6["bits"] / results["dense_bits"] - papers.DC_LENET_300_100_PQ["size_percent"]) < 0.3

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the choice behind the star: for each method the smallest model within 0.1 points of the baseline on the validation images; the chosen model's test error is reported once with its standard error (read the sentence: met or missed); last, the paper's own setting (12x pruned, 6-bit weights) beside ours. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. The contrast: linear (uniform) quantization
#
# Same bits, but the 2^b levels are evenly spaced between the layer's min and max, every weight is
# rounded to the nearest one, and nothing is trained. k-means instead puts its levels where the
# weights are, and minimizes the squared error directly.

# %% slideshow={"slide_type": "fragment"}
cells = []
for b in range(1, 9):
    uniform, kmeans = results["uniform"][str(b)], results["configs"][experiment.config_key(32, b, "linear")]["error"]
    cb, idx = q.quantize_layer(fc1, b, kmeans=kmeans_fast.kmeans_1d)
    sse_ratio = ((q.linear_quantize(fc1, b) - fc1) ** 2).sum().item() / q.inertia(fc1.flatten(), cb, idx.flatten())
    cells.append([f"{b:d}", pct(uniform), pct(kmeans), f"{sse_ratio:.1f}x"])
display(plots.table(
    cells, ["bits", "uniform", "k-means", "fc1 squared error: uniform / k-means"],
    caption="LeNet-300-100, all layers, no fine-tuning: test error",
))
uniform = {b: results["uniform"][str(b)] for b in range(1, 9)}
kmeans = {b: results["configs"][experiment.config_key(32, b, "linear")]["error"] for b in range(1, 9)}
close = lambda errors: min((b for b, e in errors.items() if e <= results["baseline_error"] + ERROR_TOLERANCE), default=None)
u_bits, k_bits = close(uniform), close(kmeans)  # a description on the test images: nothing is chosen here
say(f"On the test images (a description: nothing is chosen here), without fine-tuning, uniform levels come within "
    f"0.1 points of the baseline from {u_bits or 'no width up to 8'} bits, k-means levels from {k_bits or 'no width up to 8'} bits"
    + (f": uniform needs {u_bits - k_bits} more." if u_bits and k_bits and u_bits > k_bits else ".")
    + f" At 2 bits: uniform {pct(uniform[2])}, k-means {pct(kmeans[2])}.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: uniform levels are spaced for the extremes, so most levels sit in the near-empty
# tails and the dense middle gets one or two. k-means spends its levels where the weights are,
# and its fine-tuned codebook recovers even more. Uniform quantization wins on hardware
# simplicity: no codebook lookup, integer arithmetic.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Try it, live: the bits slider
#
# Bits per fc weight and the centroid start: each move quantizes every layer of LeNet-300-100,
# evaluates it on all 10,000 test images and redraws. Gray: fc1's weight histogram; red: the
# shared values, their height the number of weights that share them. The blue curve collects what
# you tried (no training). The gray squares are **precomputed** by
# `python -m coursekit.reproduce quantization`: the same codebooks *fine-tuned* (Sec. 3.3), which
# needs training. A codebook depends only on the layer, the bits and the start, so the panel runs
# k-means for real (1-D, on sorted values) for all 8 widths and 4 starts when it is built, about
# a second and a half: no move waits for k-means.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: what the panel does before you move it: each move quantizes every layer and evaluates all 10,000 test images; gray is fc1's histogram, red the shared values, blue what you tried (no training), the gray squares the fine-tuned codebooks computed beforehand. The k-means codebooks of all widths and starts are computed when the panel is built, so no move waits. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# `widgets.quantization_panel(my_model)` takes your network, `kmeans=` a function with
# `q.kmeans_1d`'s signature (e.g. one built on your `lloyd_step`), and
# `widgets.quantization_panel("lenet5")` adds a conv-bits slider (LeNet-5, first 400 test images).

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (an interactive widget: its numbers are printed and checked below)
panel = widgets.quantization_panel()
panel.widget

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: in the live notebook move the bits slider: the network is quantized with the k-means codebooks computed when the panel was built and evaluated on 10,000 images; in the static deck step through the frames (1 to 6 bits). Ask the room: at how many bits does the error stop changing? (read it off the blue curve; no fine-tuning here). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8. The bits slider: five settings
#
# Without a kernel (the static slides) the panel cannot move: here it is at 1, 2, 3, 4 and 6 bits
# per fc weight (linear start), one per press of the right arrow.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (pictures; the numbers are printed below)
plots.frames(
    panel,
    [{"bits": b} for b in (1, 2, 3, 4, 6)],
    lambda setting, shown: f"{setting['bits']} bits per fc weight: test error {100 * shown['error']:.2f}%, {shown['rate']:.1f}x smaller",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one frame per bit width: at 1 bit the shared values are two spikes and the error explodes;
# a few bits later the curve is flat. Ask the room: how many bits would you ship (and on which images would you decide)? Quote: Deep
# Compression, Fig. 7. Time: 1.5 min.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for setting in [dict(bits=1), dict(bits=2), dict(bits=4), dict(bits=8), dict(bits=2, init="kmeans++")]:
    shown = panel.update(**setting)
    print(setting, f"live: error {pct(shown['error'])}, {shown['rate']:.1f}x smaller, {shown['kb']:.1f} KB")
tuned = results["configs"][experiment.config_key(32, 2, "linear")]["finetuned_error"]
print(f"precomputed: 2 bits, linear start, fine-tuned: error {pct(tuned)}")
shown5 = widgets.quantization_panel("lenet5").update(bits=2, conv_bits=2)
print(f"live, LeNet-5 conv 2 / fc 2 bits: error {pct(shown5['error'])} on the first {shown5['test_images']:,} test images")
assert abs(panel.update(bits=2)["error"] - results["configs"][experiment.config_key(32, 2, "linear")]["error"]) < 1e-6
try:
    panel.update(bits=9)
except ValueError as error:
    print("bits=9 ->", error)
shown = panel.update()  # back to the controls' own positions, so the saved panel agrees with itself

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Fine-tune it yourself, live
#
# One gray square, for real: LeNet-300-100 at 2 bits per weight, then one epoch of SGD on the
# codebooks (Eq. 3: each shared value moves by the sum of its weights' gradients; the indices stay
# fixed), a few seconds on a laptop CPU. Seeded and run on one torch thread, so the printed digits
# are the same on every run.

# %% slideshow={"slide_type": "fragment"}
from coursekit import train

model = q.quantize_model_(baselines.pretrained("lenet_300_100"), 2, init="linear", kmeans=kmeans_fast.kmeans_1d)
before = train.evaluate(model)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: the same sums in the same order, so the same digits on every run
try:
    train.fit(model, 1, results["finetune"]["lr"], weight_decay=0, desc="fine-tune, 1 epoch")  # the rate chosen on validation
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
print(f"2 bits: test error {pct(before)} -> {pct(after)} after one epoch of codebook fine-tuning")
print(f"learning rate {results['finetune']['lr']:g}: the lowest validation error among "
      f"{ {lr: pct(e) for lr, e in results['finetune']['lr_val_errors'].items()} } (reproduce's choice)")
assert after < before and len(q.codebook(model[1])) == 4

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one gray square for real: 2 bits, one epoch of training the codebooks only, the indices fixed. Ask the room: how many numbers does this epoch train for fc1? (4: one per shared value). Quote: Deep Compression, Sec. 3.3. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What we measured
#
# Each line is written from the numbers computed above (choices on the validation images, test
# errors reported once):

# %% slideshow={"slide_type": "-"}
q1, q2 = (results["configs"][experiment.config_key(32, b, "linear")] for b in (1, 2))
pq6_size = 100 * pq6["bits"] / results["dense_bits"]
say("\n".join([
    f"- **k-means weight sharing** (1-D, on sorted values): 2 bits per weight keep LeNet-300-100 at "
    f"{pct(q2['finetuned_error'])} test error after fine-tuning ({pct(results['baseline_error'])} dense); "
    + (f"chosen on validation, {bits300} bits stay within 0.1 points, {rate300:.1f}x smaller." if bits300
       else "no width up to 8 bits stays within 0.1 points on validation."),
    f"- **Eq. 1**: {r:.1f}x on the paper's 16-weight example; on big layers r tends to 32/b, the codebook is free; "
    f"on LeNet-5's conv1 at 8 bits only {r_conv1:.2f}x.",
    f"- **Centroid start** (the pruned LeNet-300-100): linear is chosen on validation at "
    f"{listing(linear_chosen) + ' bits' if linear_chosen else 'no width'} of 2-6; the paper: linear best except at 3 bits.",
    f"- **Fine-tuning the codebook** (Eq. 3): 97% pruned at 2 bits, {pct(errors[0])} -> {pct(errors[-1])}; "
    f"all layers at 1 bit, {pct(q1['error'])} -> {pct(q1['finetuned_error'])}.",
    "- **Pruning + quantization**: "
    + (f"{goal['rate']:.0f}x smaller within 0.1 points (chosen on validation; on test {pm(goal['test_error'])}, "
       f"goal {'met' if goal['met'] else 'missed'}), against {rates['pruning only']} and {rates['quantization only']} alone"
       if goal["size_percent"] is not None else "no model within 0.1 points on validation")
    + f"; the paper's setting (12x pruned, 6-bit weights) gives {pq6_size:.2f}% of the size at "
    f"{pct(pq6['finetuned_error'])} (paper: {papers.DC_LENET_300_100_PQ['size_percent']}%, "
    f"{100 * papers.DC_TABLE1['lenet_300_100']['error'][1]:.2f}%).",
    f"- **Uniform levels** (test, no fine-tuning) come within 0.1 points from {u_bits or 'no width up to 8'} bits, "
    f"k-means levels from {k_bits or 'no width up to 8'}.",
    f"- **LeNet-5** (DC Table 6 analog): settings costing more than 0.1 points: {listing(costly) if costly else 'none'} "
    f"(the paper's AlexNet: {listing(paper_costly)}); fewest bits that hold, on validation: conv "
    f"{conv_bits or 'none up to 8'}, fc {fc_bits or 'none up to 8'}.",
]))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the take-aways in numbers, each written from the results: how many bits hold, which start wins, what fine-tuning recovers, how much pruning + quantization gives and whether its goal is met. Ask the room: which of these numbers would you check first on your own network? Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
#
# 1. Why is the codebook's k x 32 bits negligible for fc1 of LeNet-300-100 but not for a 16-weight layer?
#
#    <details><summary>Answer</summary>
#
#    fc1 has 235,200 weights: 16 shared values cost 512 bits against 940,800 bits of 4-bit indices. In the paper's 16-weight example the codebook's 4 x 32 = 128 bits are four times its 32 index bits.
#
#    </details>
#
# 2. In 1-D, why does k-means need no distance matrix?
#
#    <details><summary>Answer</summary>
#
#    Sorted, each cluster is a run of consecutive values cut at the midpoints between neighbouring centroids, so assignment is a binary search and each mean a difference of prefix sums (coursekit.kmeans_fast does this).
#
#    </details>
#
# 3. Why can linear initialization beat density-based initialization at low bit widths (the paper's Fig. 10)?
#
#    <details><summary>Answer</summary>
#
#    Density puts the centroids where most weights are, near zero; the few large weights, which matter most to the output, then get a poor value. Linear spreads centroids over the whole range.
#
#    </details>
#
# 4. During trained quantization, which tensors change and which stay fixed?
#
#    <details><summary>Answer</summary>
#
#    The k shared values (codebook) are trained with the summed gradients of Eq. 3; the indices, and the mask of pruned weights, stay fixed.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: question 2 (no distance matrix in 1-D) is worth a minute of discussion; reveal after. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
#
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (the pruned models of Sec. 3 and 6)
# - S. P. Lloyd. *Least Squares Quantization in PCM.* IEEE Transactions on Information Theory
#   28(2):129-137, 1982 (Lloyd's k-means loop)
# - E. W. Forgy. *Cluster Analysis of Multivariate Data: Efficiency versus Interpretability of
#   Classifications.* Biometrics 21:768-769, 1965 (the random start)
# - D. Arthur, S. Vassilvitskii. *k-means++: The Advantages of Careful Seeding.* SODA 2007
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the chapter follows Deep Compression's Sec. 3; k-means itself is Lloyd's 1982 loop, and the four starts are Forgy's (random), the paper's density and linear rules, and k-means++. Time: 0.5 min.
