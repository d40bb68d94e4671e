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
# # Pruning: learning both weights and connections
#
# Han, Pool, Tran and Dally (2015) train a network, **remove every connection whose weight is
# small**, and retrain the rest. LeNet-300-100 and LeNet-5 lose 12 of every 13 weights with no
# loss of accuracy; AlexNet 9x, VGG-16 13x.
#
# In this notebook:
#
# 1. the brain prunes too: synapses by age;
# 2. magnitude pruning, per layer or global, and what it does to the weights;
# 3. retraining, and why the masks must hold;
# 4. which layers are sensitive;
# 5. what survives in LeNet-300-100's first layer;
# 6. the paper's Table 1, measured;
# 7. prune it yourself, live, and retrain it yourself.
#
# What takes minutes (retraining to each sparsity) was precomputed by
# `python -m coursekit.reproduce pruning` into `data/pruning/`; this notebook loads it. The slider
# of section 7 computes live, and one epoch of retraining runs live there too.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the recipe in one line: train, remove the small weights, retrain the rest; 12x fewer weights on the LeNets, 9x AlexNet, 13x VGG-16, no loss of accuracy. Ask the room: would you expect a network to survive losing 90% of its weights? Quote: Han, Pool, Tran, Dally 2015, Table 1. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Before you start
#
# **You will learn to**
#
# - build magnitude-pruning masks per layer, by LWC's quality x std rule and for an exact target sparsity;
# - prune the whole network with one global threshold;
# - keep pruned weights at zero while retraining;
# - read a sensitivity scan to choose each layer's pruning rate.
#
# **Prerequisites:** notebook 00; PyTorch tensors, `torch.sort` / `argsort`, one SGD step.
#
# **Time:** about 35 minutes to read and run, plus 4 exercises (about 40 minutes).
#
# **Exercises.** Each `Exercise` cell asks for one step of the method, a short function whose body
# is `raise NotImplementedError()`: replace it with your code and run the cell below it, which checks
# your function on cases of its own and prints `passed N cases`, or the first case that fails with a
# hint (`not done yet` while the body is unchanged). The rest of the notebook does not need your
# answers: it uses coursekit's own implementation. The solutions are in the instructor notebook of
# the same name in `notebooks/`, one folder away from your copy in `release/notebooks/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the four exercises (exact-sparsity mask, quality x std, global masks, masked SGD step) are done at home; in the lecture, move on. Time: 0.5 min.

# %% slideshow={"slide_type": "skip"}
import matplotlib.pyplot as plt
import numpy as np
import torch
import torchvision
from IPython.display import display
from torch.nn.utils import prune

from coursekit import checks, network, papers, plots, pruning, train, widgets
from coursekit.data import load_mnist
from coursekit.experiments import baselines
from coursekit.experiments import pruning as experiment

plots.style()
torch.manual_seed(0)
results = experiment.load_results()
r300, r5 = results["lenet_300_100"], results["lenet5"]
baseline = {name: baselines.pretrained(name) for name in ("lenet_300_100", "lenet5")}
final = {name: experiment.load_pruned(name) for name in ("lenet_300_100", "lenet5")}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The brain grows connections, then prunes them
#
# A newborn has about **50 trillion** synapses, a one-year-old about **1000 trillion**, an
# adolescent about **500 trillion** (figures from Han's lecture, citing C. A. Walsh, Nature
# 502:172, 2013). Learning first builds connections, then removes the ones that are not used.
#
# Right: the same story for LeNet-300-100, measured. Trained dense for 30 epochs, then pruned
# and retrained in rounds until 1 weight in 12 is left.

# %% slideshow={"slide_type": "fragment"}
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
ages = list(papers.SYNAPSES_TRILLIONS)
left.plot(ages, list(papers.SYNAPSES_TRILLIONS.values()), "o-", color="tab:purple")
left.set(ylabel="synapses (trillions)", title="human brain (paper's figures)", ylim=(0, 1100))
epochs, params = zip(*r300["final"]["history"])
right.plot(epochs, np.array(params) / 1e3, "o-", color="tab:blue", markersize=3)
right.set(xlabel="epoch", ylabel="nonzero parameters (thousands)", title="LeNet-300-100 (measured)")
right.annotate("dense training", (15, params[0] / 1e3), ha="center", va="bottom")
right.annotate("prune + retrain rounds", (epochs[-1], params[-1] / 1e3), ha="right", va="bottom")
fig.tight_layout()
plt.show()
print(f"LeNet-300-100: {params[0]:,} parameters trained dense -> {params[-1]:,} after {len(epochs) // 2 - 1} prune + retrain rounds")
assert params[0] == network.count_parameters(baseline["lenet_300_100"]) and params[-1] == network.nonzero_parameters(final["lenet_300_100"])
assert all(b <= a for a, b in zip(params, params[1:]))  # the count only ever goes down

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: the analogy is loose (a synapse is not a float32), but the order is the point:
# first learn with many connections, then drop the ones that carry little. Han's lecture shows the
# brain figures beside the paper's pruning results.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Magnitude pruning: where to cut
#
# A layer's connection is removed when its weight is small: $|w| \le t$. Two ways to choose $t$:
#
# - **quality x std** (Han et al. 2015): $t = q\,\sigma$, the layer's weight standard deviation
#   times a quality parameter $q$; the sparsity follows from the shape of the distribution;
# - **target sparsity**: $t$ = the $k$-th smallest magnitude, $k = s \cdot n$; exactly a fraction
#   $s$ goes.
#
# Per layer, each layer gets its own $t$; **global**, one $t$ for the whole network.

# %% slideshow={"slide_type": "fragment"}
net = baseline["lenet_300_100"]
print("quality x std, per layer (LeNet-300-100 baseline):")
for q in (0.5, 1.0, 1.5):
    kept = {name: mask.mean().item() for name, mask in pruning.std_masks(net, q).items()}
    print(f"  q = {q}: weights kept " + ", ".join(f"{name} {100 * k:5.1f}%" for name, k in kept.items()))
print("90% sparsity, per layer vs one global threshold:")
for scope, make_masks in (("per layer", pruning.layerwise_masks), ("global", pruning.global_masks)):
    kept = {name: mask.mean().item() for name, mask in make_masks(net, 0.9).items()}
    print(f"  {scope:9s}: weights kept " + ", ".join(f"{name} {100 * k:5.1f}%" for name, k in kept.items()))
# A normal distribution would keep 2 x (1 - Phi(q)) of its weights: 62% at q = 0.5, 32% at q = 1.
# Trained weights keep fewer: they are more peaked around zero than a bell curve.
normal_kept = {0.5: 0.617, 1.0: 0.317}
assert all(pruning.std_masks(net, q)["fc1"].mean() < kept for q, kept in normal_kept.items())

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the cut is |w| <= t; t by quality x std (the paper) or by the k-th smallest magnitude (an exact sparsity); per layer or one global t. Ask the room: with a global threshold, which layer loses the most? (the one with the smallest weights). Quote: Han et al. 2015, Sec. 3.1 (the quality parameter times the layer's std). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The masks are attached with `torch.nn.utils.prune.custom_from_mask`. For the global threshold
# PyTorch also has `prune.global_unstructured`; we compute the mask ourselves (it is the lesson,
# and on an already-pruned model `global_unstructured` counts its `amount` among the *remaining*
# weights, while we count over all). On a fresh model both agree:

# %% slideshow={"slide_type": "fragment"}
theirs = baselines.pretrained("lenet_300_100")
prune.global_unstructured([(m, "weight") for m in network.layers(theirs).values()], prune.L1Unstructured, amount=0.9)
ours = pruning.global_masks(net, 0.9)
same = all(torch.equal(ours[name], mask) for name, mask in pruning.masks(theirs).items())
print(f"our global masks == torch global_unstructured(L1Unstructured, amount=0.9): {same}")
assert same


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: PyTorch's prune.global_unstructured gives the same masks as ours on a fresh model; on an already-pruned one it counts its amount among the remaining weights. Ask the room: why compute the masks ourselves? (it is the lesson, and the counting differs). Time: 1 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1.1 (2 points): a mask for an exact sparsity
#
# Write `magnitude_mask(weight, sparsity)`: a 0/1 mask of `weight`'s shape that removes
# **exactly** `k = round(sparsity * n)` of its `n` weights, those of smallest magnitude `|w|`.
# Mind the ties: several weights may share the magnitude at the cut, and a threshold test
# (`|w| > t` or `>=`) then removes too many or too few. Sparsity 0 removes nothing, 1 removes
# all.
#
# The cell below checks your function on cases of its own against coursekit's `pruning.smallest_mask` (ties may be broken either way).

# %% nbgrader={"grade": false, "grade_id": "magnitude_mask", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def magnitude_mask(weight, sparsity):
    """0/1 mask (``weight``'s shape) removing exactly round(sparsity x n) smallest |w|."""
    ### BEGIN SOLUTION
    k = round(sparsity * weight.numel())
    order = torch.argsort(weight.abs().flatten(), stable=True)
    mask = torch.ones(weight.numel())
    mask[order[:k]] = 0
    return mask.view_as(weight)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_magnitude_mask", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_magnitude_mask(magnitude_mask)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1.2 (1 point): LWC's quality x std threshold
#
# Han et al. (2015) cut at a threshold of `quality` times the standard deviation of the
# layer's weights. Write `quality_mask(weight, quality)`: 1 where `|w|` is strictly above
# `quality * std(w)` (PyTorch's `weight.std()`), else 0.
#
# The cell below checks your function on cases of its own against coursekit's `pruning.std_masks`.

# %% nbgrader={"grade": false, "grade_id": "quality_mask", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def quality_mask(weight, quality):
    """0/1 mask keeping the weights with |w| > quality x weight.std()."""
    ### BEGIN SOLUTION
    return (weight.abs() > quality * weight.std()).float()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_quality_mask", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_quality_mask(quality_mask)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1.3 (2 points): one threshold for the whole network
#
# Write `global_masks(weights, sparsity)`: `weights` is `{layer name: weight tensor}`; return
# `{layer name: mask}` removing exactly `round(sparsity * N)` of all `N` weights, the smallest
# magnitudes **of the whole network** (so layers with small weights lose more).
# `magnitude_mask` from exercise 1.1 may help.
#
# The cell below checks your function on cases of its own against coursekit's `pruning.global_masks` (ties may be broken either way).

# %% nbgrader={"grade": false, "grade_id": "global_masks", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def global_masks(weights, sparsity):
    """{layer: 0/1 mask} removing the round(sparsity x N) smallest |w| over all layers."""
    ### BEGIN SOLUTION
    flat = torch.cat([w.flatten() for w in weights.values()])
    keep = magnitude_mask(flat, sparsity)
    masks, start = {}, 0
    for name, w in weights.items():
        masks[name] = keep[start : start + w.numel()].view_as(w)
        start += w.numel()
    return masks
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_global_masks", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_global_masks(global_masks)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### What pruning does to fc1's weights
#
# Before pruning the weights are bell-shaped around zero. Right after pruning (to the final
# model's rates) the middle is **cut out**: a gap around zero. After retraining the survivors
# spread out and the distribution is **bimodal**: two humps, and few weights near zero.

# %% slideshow={"slide_type": "fragment"}
rates = r300["final"]["recipe"]["sparsity"]
one_shot = baselines.pretrained("lenet_300_100")
pruning.apply_masks(one_shot, pruning.layerwise_masks(one_shot, rates))
stages = {
    "before pruning": network.weights(baseline["lenet_300_100"])["fc1"],
    "right after pruning": network.weights(one_shot)["fc1"],
    "after retraining": network.weights(final["lenet_300_100"])["fc1"],
}
edges = np.linspace(-0.25, 0.25, 51)
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharex=True)
for ax, (title, w) in zip(axes, stages.items()):
    ax.hist(w[w != 0].clamp(-0.25, 0.25).numpy(), edges, color="tab:blue")
    ax.set(title=title, xlabel="fc1 weight")
axes[0].set_ylabel("nonzero weights")
fig.tight_layout()
plt.show()
threshold = pruning.sparsity_threshold(stages["before pruning"].abs(), rates["fc1"])
after_prune = stages["right after pruning"]
after_retrain = stages["after retraining"][stages["after retraining"] != 0].numpy()
counts = np.histogram(after_retrain, edges)[0]
print(f"fc1 threshold {threshold:.4f}: smallest surviving |w| right after pruning {after_prune[after_prune != 0].abs().min():.4f}")
print(f"after retraining: {counts[25]} weights in the bin at zero, peaks of {counts[:25].max()} and {counts[25:].max()} on either side")
assert after_prune[after_prune != 0].abs().min() > threshold  # the gap
assert counts[25] < counts[:25].max() / 2 and counts[25] < counts[25:].max() / 2  # bimodal

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: before pruning a bell around zero; right after, a gap in the middle; after retraining, two humps: the survivors move away from zero. Ask the room: why does retraining push the weights away from zero? Quote: Han et al. 2015, Fig. 7 (weight distribution before and after pruning) and Deep Compression Fig. 5. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Retrain, and keep the masks
#
# Pruning alone costs accuracy; retraining the surviving weights (at a lower learning rate, not
# re-initialized) wins it back. During retraining a pruned weight must **stay exactly zero**:
# `prune.custom_from_mask` makes the layer compute with `weight_orig * weight_mask` on every
# forward pass, so SGD's momentum and weight decay may move `weight_orig`, but never the weight
# the network uses. A few SGD steps on the final model check it:

# %% slideshow={"slide_type": "fragment"}
model = experiment.load_pruned("lenet_300_100", keep_masks=True)
masks = pruning.masks(model)
images, labels = load_mnist("train")
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
model.train()
for step in range(20):
    batch = slice(64 * step, 64 * (step + 1))
    loss = torch.nn.functional.cross_entropy(model(images[batch]), labels[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert all((w[masks[name] == 0] == 0).all() for name, w in network.weights(model).items())
print(f"after 20 SGD steps (momentum 0.9, weight decay 5e-4): nonzero weights {network.nonzero_weights(model)}")
assert network.nonzero_weights(model) == network.nonzero_weights(final["lenet_300_100"])


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: retrain the survivors at a lower rate, never from scratch, and keep every pruned weight at exactly zero: the layer computes with weight_orig x mask. Ask the room: what goes wrong if you apply the mask only once? (momentum and weight decay bring the weights back). Quote: Han et al. 2015, Sec. 3.2-3.3 (retraining, dropout ratio). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1.4 (1 point): retrain, and keep the masks
#
# `prune.custom_from_mask` keeps pruned weights at zero for us. Do it by hand: write
# `pruned_sgd_step(weight, grad, mask, lr)`, one plain SGD step on `weight` (already zero where
# `mask` is 0) that leaves every pruned weight exactly zero. Return the new weight.

# %% nbgrader={"grade": false, "grade_id": "pruned_sgd_step", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def pruned_sgd_step(weight, grad, mask, lr):
    """``weight`` after one SGD step of learning rate ``lr``, pruned weights (mask 0) kept at 0."""
    ### BEGIN SOLUTION
    return (weight - lr * grad) * mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_pruned_sgd_step", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_pruned_sgd_step(pruned_sgd_step)

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Error against sparsity (the shape of Han et al. 2015, Fig. 5)
#
# LeNet-300-100, each layer pruned to the same sparsity: **no retraining**; **one-shot** (prune
# once to the target, retrain); **iterative** (prune a little, retrain, prune more: each point
# starts from the previous one). Without retraining the error climbs early; with retraining it
# holds much further.

# %% slideshow={"slide_type": "fragment"}
grid = np.array(experiment.GRID)


def pruned_error(sparsity):
    """Test error of LeNet-300-100 pruned layer-wise to ``sparsity``, no retraining (computed now)."""
    model = baselines.pretrained("lenet_300_100")
    pruning.apply_masks(model, pruning.layerwise_masks(model, sparsity))
    return train.evaluate(model)


no_retrain = np.array([pruned_error(s) for s in grid])
curves = {"no retraining": no_retrain, "one-shot prune + retrain": np.array(r300["one_shot"]), "iterative prune + retrain": np.array(r300["iterative"]["layer"])}
base_error = baselines.baseline_info("lenet_300_100")["test_error"]
fig, ax = plt.subplots()
for label, errors in curves.items():
    ax.plot(100 * grid, 100 * errors, "o-", label=label)
ax.axhline(100 * base_error, color="k", ls="--", lw=1, label="dense baseline")
ax.set(xlabel="weights pruned (%)", ylabel="test error (%)", yscale="log", title="LeNet-300-100, layer-wise pruning")
ax.legend()
plt.show()
cells = [[label] + [f"{100 * e:.2f}%" for e in errors] for label, errors in curves.items()]
display(plots.table(cells, ["weights pruned"] + [f"{100 * s:.0f}%" for s in grid]))
at90 = {label: errors[list(grid).index(0.9)] for label, errors in curves.items()}
assert at90["iterative prune + retrain"] < at90["one-shot prune + retrain"] < at90["no retraining"]

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: Fig. 5 of the paper is AlexNet's top-5 accuracy; here is the same experiment on
# LeNet-300-100. The paper: without retraining accuracy falls from about 1/3 of the weights left,
# with retraining from about 1/10; iterative pruning takes AlexNet from 5x to 9x.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Which layers can lose the most?
#
# Prune one layer at a time, from 0 to 99%, without retraining, and watch the test error
# (LeNet-5 on its first 2,000 test images). A layer whose curve rises early is **sensitive**:
# give it a lower pruning rate.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
scan = np.array(experiment.SCAN)
for ax, (name, result) in zip(axes, results.items()):
    for layer, errors in result["sensitivity"].items():
        ax.plot(100 * scan, 100 * np.array(errors), "o-", markersize=3, label=layer)
    ax.set(title=name, xlabel="weights pruned in one layer (%)", yscale="log")
    ax.legend()
axes[0].set_ylabel("test error (%)")
fig.tight_layout()
plt.show()
def breaking_point(errors, rise=0.005):
    """The first scanned sparsity at which a layer's error is more than `rise` above the dense error."""
    return next((s for s, e in zip(scan, errors) if e > errors[0] + rise), 1.0)


print("sparsity at which the error first rises 0.5 points (one layer pruned):")
breaks = {name: {layer: breaking_point(e) for layer, e in result["sensitivity"].items()} for name, result in results.items()}
for name, points in breaks.items():
    print(f"  {name:14s} " + ", ".join(f"{layer} {100 * s:.0f}%" for layer, s in points.items()))
assert min(breaks["lenet5"], key=breaks["lenet5"].get) == "conv1"  # conv1 is the most sensitive
assert sorted(breaks["lenet5"].values()).count(breaks["lenet5"]["conv1"]) == 1

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: prune one layer at a time, no retraining: conv1 and the last fc layer rise early, they are sensitive; fc1 holds to 90% and more. Ask the room: why would the first conv layer be sensitive? (few weights, each one used at every position). Quote: Han et al. 2015, Fig. 6 (AlexNet's per-layer sensitivity). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# The rates we chose from these curves (close to the paper's Tables 2-3): the sensitive layers
# (conv1, the last fc layer) keep the most.

# %% slideshow={"slide_type": "fragment"}
for name, result in results.items():
    rates = result["final"]["recipe"]["sparsity"]
    print(f"{name:14s} sparsity per layer: " + ", ".join(f"{layer} {100 * s:.1f}%" for layer, s in rates.items()))
chosen = r5["final"]["recipe"]["sparsity"]
assert min(chosen, key=chosen.get) == "conv1"

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the per-layer rates we chose from the scan: the sensitive layers (conv1, the last fc layer) keep the most. Ask the room: which LeNet-5 layer keeps the largest fraction, and does the scan explain it? Quote: Han et al. 2015, Tables 2 and 3. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. What survives in the first layer
#
# fc1 of LeNet-300-100 has one weight from every input pixel to each of its 300 units. Counting
# the weights each pixel keeps after pruning draws a digit-shaped blob: the **border pixels**,
# which (almost) never carry ink, **lose all their weights**. Every pixel that is blank in all
# 60,000 training images loses all 300.

# %% slideshow={"slide_type": "fragment"}
kept_per_pixel = pruning.masks(experiment.load_pruned("lenet_300_100", keep_masks=True))["fc1"].sum(0).view(28, 28)
fig, ax = plt.subplots(figsize=(3.6, 3.2))
im = ax.imshow(kept_per_pixel, cmap="viridis")
fig.colorbar(im, label="weights kept (of 300)")
ax.set(title="fc1: weights kept per input pixel", xticks=[], yticks=[])
plt.show()
border = torch.ones(28, 28, dtype=torch.bool)
border[1:-1, 1:-1] = False
train_images = load_mnist("train")[0][:, 0]
inked = (train_images > train_images.min()).float().mean(0)  # fraction of images with ink, per pixel
blank = inked == 0
bare_border = border & (kept_per_pixel == 0)
print(f"pixels with no weight left: {int((kept_per_pixel == 0).sum())} of 784")
print(f"border pixels with no weight left: {int(bare_border.sum())} of {int(border.sum())}")
for i, j in (border & ~bare_border).nonzero().tolist():
    print(f"  border pixel ({i}, {j}) keeps {int(kept_per_pixel[i, j])}: it has ink in {100 * inked[i, j]:.3f}% of training images")
print(f"pixels blank in every training image: {int(blank.sum())}, weights they keep: {int(kept_per_pixel[blank].sum())}")
assert bare_border.sum() >= 0.99 * border.sum() and kept_per_pixel[blank].sum() == 0

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: count the weights each input pixel keeps: the border pixels, never inked, lose all their weights; the picture is a digit-shaped blob. Ask the room: what does a pixel's surviving count tell us about the data? Quote: Han et al. 2015, Fig. 4 (the same picture of LeNet-300-100's first layer). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Table 1, measured
#
# Goal: at least **12x fewer weights** with **no increase in test error** over our own baseline.
# The paper's numbers are beside ours (its baselines were weaker than ours: 1.64% and 0.80%).
# A test error measured on 10,000 images has a standard error of about
# $\sqrt{e(1-e)/10^4}$: 0.11 points at 1.3%, 0.09 points at 0.8%.
#
# Each retraining round restarts a cosine decay of the learning rate. LeNet-5 needed a larger
# start than its own baseline's: from 0.01 it ended 0.03-0.07 points above its baseline, from
# 0.05 below it (`coursekit/experiments/pruning.py`, `FINAL`).

# %% slideshow={"slide_type": "fragment"}
measured, cells = {}, []
for name in ("lenet_300_100", "lenet5"):
    before, after = network.count_parameters(baseline[name]), network.nonzero_parameters(final[name])
    errors = train.evaluate(baseline[name]), train.evaluate(final[name])
    measured[name] = dict(errors=errors, rate=before / after)
    paper = papers.LWC_TABLE1[name]
    cells.append([name, "ours", f"{100 * errors[0]:.2f}% -> {100 * errors[1]:.2f}%", f"{before / 1e3:.0f}K -> {after / 1e3:.0f}K", f"{before / after:.1f}x"])
    cells.append(["", "paper", f"{100 * paper['error'][0]:.2f}% -> {100 * paper['error'][1]:.2f}%",
                  f"{paper['params'][0] / 1e3:.0f}K -> {paper['params'][1] / 1e3:.0f}K", f"{paper['rate']:d}x"])
    assert before / after >= 12
    assert errors[1] == results[name]["final"]["test_error"]
display(plots.table(cells, ["network", "", "test error", "parameters", "fewer"], caption="Table 1 (Han et al. 2015), measured", paper=[1, 3]))
for name in measured:
    recipe = results[name]["final"]["recipe"]
    print(f"{name:14s} {recipe['steps']} rounds x {recipe['epochs']} epochs, learning rate from {recipe['lr']} (baseline's: {baselines.RECIPES[name]['lr']})")
for name, m in measured.items():
    standard_error = (m["errors"][0] * (1 - m["errors"][0]) / 10_000) ** 0.5
    change = m["errors"][1] - m["errors"][0]
    verdict = "no increase: goal met" if change <= 0 else "an increase: goal NOT met"
    print(f"{name:14s} {m['rate']:.1f}x fewer parameters, test error {100 * change:+.2f} points ({verdict}; one standard error {100 * standard_error:.2f})")
for name, m in measured.items():
    assert m["rate"] >= 12 and m["errors"][1] <= m["errors"][0], name  # the goal, for both networks

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the goal was 12x fewer weights with no loss over our own baseline: both networks meet it (12.7x and 12.4x); the paper's row is beside ours. The noise: one standard error is 0.1 point. Ask the room: is a 0.06-point improvement real? (no: within the noise). Quote: Han et al. 2015, Table 1. Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Per layer (Tables 2 and 3)
#
# FLOPs are 2 x multiply-adds. A pruned weight skips its multiply; so does a zero input
# (after ReLU or pooling). FLOPs left = weights kept x density of the layer's input. The paper's
# "act%" column is this density; Caffe's LeNet-5 has no ReLU after its convs, so its conv outputs
# are almost never zero.

# %% slideshow={"slide_type": "fragment"}
paper_tables = {
    "lenet_300_100": {"fc1": (8, 8), "fc2": (9, 4), "fc3": (26, 17), "total": (8, 8)},
    "lenet5": {"conv1": (66, 66), "conv2": (12, 10), "fc1": (8, 6), "fc2": (19, 10), "total": (8, 16)},
}
for name, result in results.items():
    cells = []
    for layer, row in result["final"]["layers"].items():
        density = f"{100 * row['input_density']:.0f}%" if "input_density" in row else ""
        paper_w, paper_f = paper_tables[name][layer]
        cells.append([
            layer, f"{row['weights'] / 1e3:.1f}K", f"{row['flops'] / 1e3:.0f}K", density, f"{100 * row['weights_kept']:.1f}%",
            f"{paper_w:d}%", f"{100 * row['flops_kept']:.1f}%", f"{paper_f:d}%",
        ])
    display(plots.table(
        cells, ["layer", "weights", "FLOPs", "input density", "weights kept", "paper", "FLOPs left", "paper"], caption=name,
    ))
total = r300["final"]["layers"]["total"]
assert total["weights_kept"] <= 1 / 12 and total["flops_kept"] <= 1 / 12

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: per layer, weights kept and FLOPs left: FLOPs fall more than weights because zero inputs (after ReLU) skip their multiplies too. Ask the room: which layer of LeNet-300-100 keeps the largest fraction, and why? Quote: Han et al. 2015, Tables 2 and 3. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### AlexNet and VGG-16: parameter counts only
#
# We cannot retrain ImageNet networks here, so their **accuracy is quoted, not reproduced**. What
# we can check is the arithmetic: torchvision's architectures (built on the `meta` device: shapes
# only, no weights) with the paper's per-layer "weights kept" (Deep Compression's tables).

# %% slideshow={"slide_type": "fragment"}
keep_percent = {
    "alexnet": [84, 38, 35, 37, 37, 9, 9, 25],
    "vgg16": [58, 22, 34, 36, 53, 24, 42, 32, 27, 34, 35, 29, 36, 4, 4, 23],
}
for name, percents in keep_percent.items():
    with torch.device("meta"):
        net = getattr(torchvision.models, name)(weights=None)
    keep = {layer: p / 100 for layer, p in zip(network.layers(net), percents, strict=True)}
    before, after = network.count_parameters(net), pruning.kept_parameters(net, keep)
    paper = papers.LWC_TABLE1[name]
    print(
        f"{name:8s} {before / 1e6:6.1f}M -> {after / 1e6:5.1f}M parameters ({before / after:4.1f}x); "
        f"paper {paper['params'][0] / 1e6:.0f}M -> {paper['params'][1] / 1e6:.1f}M ({paper['rate']}x); "
        f"top-1 error quoted from the paper: {100 * paper['error'][0]:.2f}% -> {100 * paper['error'][1]:.2f}%"
    )
    assert abs(after / paper["params"][1] - 1) < 0.05

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: we cannot retrain ImageNet networks here: their accuracy is quoted, only the arithmetic of the per-layer rates is checked (61M -> 6.9M, 138M -> 10.3M). Ask the room: which layers give most of AlexNet's 9x? (the fc layers). Quote: Han et al. 2015, Tables 4 and 5. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. Prune it yourself, live
#
# Drag the sparsity, switch between a per-layer and a global threshold: each move prunes
# LeNet-300-100 for real (each layer's magnitudes are sorted once, so a move is a cut), evaluates
# it on all 10,000 test images and redraws, in a few tens of milliseconds. The blue curve
# collects every sparsity you tried (no retraining). The gray squares are **precomputed** by
# `python -m coursekit.reproduce pruning`: the same pruning *retrained* (iterative), which takes
# minutes, so it is not done live. Watch the histogram's gap open and the CSR size fall below the
# dense size.

# %% [markdown] slideshow={"slide_type": "skip"}
# The panel takes any network and your own function: `widgets.pruning_panel(my_model)`,
# `widgets.pruning_panel(prune=magnitude_mask)` (exercise 1.1; with the global threshold it is
# applied to all weights at once), `widgets.pruning_panel("lenet5")` (LeNet-5, on the first 400
# test images: its forward pass costs 9x more).

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# (a widget's display is not text; the next cell drives it from Python)
panel = widgets.pruning_panel()
display(panel.widget)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: in the live notebook drag the slider: each move really prunes and evaluates on 10,000 images; in the static deck step through the frames (0, 50, 80, 90, 95, 99%). The gray squares are the retrained curve, precomputed. Ask the room: at what sparsity does the error take off without retraining? (about 90% layer-wise). Watch the CSR size fall below the dense size past 50%. Time: 3 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7. Prune it yourself: six settings
#
# Without a kernel (the static slides) the panel cannot move: here it is at six sparsities, one per
# press of the right arrow. The gap in the histogram opens; the error takes off past 90%.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (pictures; the numbers are printed below)
plots.frames(
    panel,
    [{"sparsity": s, "scope": "layer"} for s in (0, 50, 80, 90, 95, 99)],
    lambda setting, shown: f"{setting['sparsity']}% pruned, layer-wise: test error {100 * shown['error']:.2f}%",
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the static deck's stand-in for the slider: each press of the right arrow is one more
# sparsity; watch the gap in the histogram open and the error stay flat until about 90%, then take
# off. Ask the room: where would you stop without retraining? Time: 1.5 min.

# %% slideshow={"slide_type": "fragment"} tags=["check"]
for sparsity in (0, 50, 90, 99):
    shown = panel.update(sparsity=sparsity, scope="layer")
    print(
        f"live, layer-wise {sparsity:2d}%: error {100 * shown['error']:6.2f}% on {shown['test_images']:,} images, "
        f"{shown['nonzero_weights']:7,d} weights, dense {shown['dense_kb']:7.1f} KB, CSR {shown['csr_kb']:7.1f} KB"
    )
retrained = dict(zip(experiment.GRID, r300["iterative"]["layer"]))
print(f"precomputed: pruned to 90% and retrained, error {100 * retrained[0.9]:.2f}%")
shown5 = widgets.pruning_panel("lenet5").update(sparsity=90, scope="layer")
print(f"live, LeNet-5 layer-wise 90%: error {100 * shown5['error']:.2f}% on the first {shown5['test_images']:,} test images")
dense, sparse = panel.update(sparsity=0), panel.update(sparsity=90)
assert dense["csr_kb"] > dense["dense_kb"] and sparse["csr_kb"] < dense["dense_kb"] / 4
assert abs(sparse["error"] - no_retrain[list(grid).index(0.9)]) < 1e-6  # the live panel and the curve above agree
assert retrained[0.9] < sparse["error"]  # retraining (precomputed) recovers what pruning alone lost
shown = panel.update()  # back to the controls' own positions, so the saved panel agrees with itself

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Retrain it yourself, live
#
# One point of the gray curve, for real: LeNet-300-100 pruned to 95% layer-wise (its error
# jumps), then one epoch of SGD on the 60,000 training images, a few seconds on a laptop CPU. The
# masks hold: the pruned weights stay exactly zero. Seeded and run on one torch thread, so the
# printed digits are the same on every run.

# %% slideshow={"slide_type": "fragment"}
model = baselines.pretrained("lenet_300_100")
pruning.apply_masks(model, pruning.layerwise_masks(model, 0.95))
before = train.evaluate(model)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: the same sums in the same order, so the same digits on every run
try:
    train.fit(model, 1, 0.01, weight_decay=5e-4, desc="retrain, 1 epoch")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
kept = sum(nz for nz, _ in network.nonzero_weights(model).values())
print(f"95% pruned, layer-wise: test error {100 * before:.2f}% -> {100 * after:.2f}% after one epoch, {kept:,} weights left")
assert after < before / 10 and kept == sum(n - round(0.95 * n) for _, n in network.nonzero_weights(model).values())

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: CSR stores a column index beside every value, so it only pays once more than
# half the weights are gone. The paper's relative indices (4-8 bits) and the next chapters'
# quantization shrink this further: Deep Compression gets LeNet-300-100 from 1070 KB to 27 KB.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Magnitude pruning removes the connections with the smallest |w|: per layer (each its own
#   threshold) or globally (one threshold); LWC sets it to quality x std of the layer.
# - Pruning alone costs accuracy; retraining the survivors, with the masks held, wins it back.
#   Pruning and retraining in rounds goes further than one shot.
# - Layers differ: the sensitivity scan shows which layers can lose most, and which little
#   (LeNet-5's conv1); the rates per layer follow from it.
# - LeNet-300-100 and LeNet-5 keep their accuracy with about 1 weight in 12.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: remove the small weights, retrain with the masks held, in rounds; choose each layer's rate from its sensitivity; 12x on the LeNets. Ask the room: what does pruning NOT give on an ordinary CPU? (speed: the tensors keep their shape; see structured pruning). Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
#
# 1. You prune 90% of a layer with the test `|w| > t`, t = the k-th smallest magnitude. Why can more than 90% disappear?
#
#    <details><summary>Answer</summary>
#
#    Every weight whose magnitude equals t goes too: with ties at the cut (e.g. many exact zeros) more than k weights are removed. Removing exactly k needs a sort, ties broken by position.
#
#    </details>
#
# 2. Per-layer or global threshold: which one removes more from a layer whose weights are all small?
#
#    <details><summary>Answer</summary>
#
#    The global one: it compares magnitudes across layers, so a layer of small weights loses more than the target rate, a layer of large weights less.
#
#    </details>
#
# 3. Why must a pruned weight be masked again after every optimizer step, not only once?
#
#    <details><summary>Answer</summary>
#
#    The gradient (and momentum, weight decay) of a pruned weight is generally not zero: one step would bring it back. The mask must be applied to the weight the network computes with.
#
#    </details>
#
# 4. The sensitivity scan shows conv1's error rising first. What pruning rate do you give conv1?
#
#    <details><summary>Answer</summary>
#
#    The lowest of all layers (our recipe and the paper keep most of conv1): it has few weights and every image goes through them.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: question 1 (ties at the cut) is the classic bug of exercise 1.1; give the room a minute, then reveal. Time: 1 min.
