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
# small**, and retrain the rest. LeNet-300-100 and LeNet-5 end with 12x fewer weights (11 of
# every 12 removed) and, in the paper, no loss of accuracy; AlexNet with 9x fewer, VGG-16 13x.
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
# Every choice (a learning rate, a layer's rate) is made on the **validation** split, 5,000 of
# MNIST's training images held out; the test images only report the final errors.
#
# What takes minutes (retraining to each sparsity) was precomputed by
# `python -m coursekit.reproduce pruning` into `data/pruning/`; this notebook loads it. The slider
# of section 7 computes live, and one epoch of retraining runs live there too.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the recipe in one line: train, remove the small weights, retrain the rest; in the paper, 12x fewer weights on the LeNets, 9x AlexNet, 13x VGG-16, with no loss of accuracy; ours is measured in section 6. Ask the room: would you expect a network to survive losing 90% of its weights? Quote: Han, Pool, Tran, Dally 2015, Table 1. Time: 1.5 min.

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

import coursekit
from coursekit import checks, network, papers, plots, pruning, train, widgets
from coursekit.data import load_mnist
from coursekit.experiments import baselines
from coursekit.experiments import pruning as experiment

coursekit.set_language("en")  # the language of what coursekit prints (the Russian edition says "ru")
plots.style()
torch.manual_seed(0)
display_names = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}  # for titles and tables
results = experiment.load_results()
r300, r5 = results["lenet_300_100"], results["lenet5"]
baseline = {name: baselines.pretrained(name) for name in ("lenet_300_100", "lenet5")}
final = {name: experiment.load_pruned(name) for name in ("lenet_300_100", "lenet5")}

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. The brain grows connections, then prunes them
#
# At birth a human brain has about **50 trillion** synapses, at one year about **1000 trillion**,
# at ten years about **500 trillion** (figures from Han's lecture, citing C. A. Walsh, Nature
# 502:172, 2013). Learning first builds connections, then removes the ones that are not used.
# Three ages, not a time axis: drawn as bars.
#
# Right: the same story for LeNet-300-100, measured. Trained dense, then pruned and retrained in
# rounds until 1 weight in 12 is left.

# %% slideshow={"slide_type": "fragment"}
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
ages = ["birth", "1 year", "10 years"]  # papers.SYNAPSES_TRILLIONS's ages, in order (three categories)
assert len(ages) == len(papers.SYNAPSES_TRILLIONS)
left.bar(ages, list(papers.SYNAPSES_TRILLIONS.values()), color="tab:purple", width=0.6)
left.set(ylabel="synapses (trillions)", title="human brain (quoted)", ylim=(0, 1100))
epochs, params = zip(*r300["final"]["history"])
right.plot(epochs, np.array(params) / 1e3, "o-", color="tab:blue", markersize=3)
right.set(xlabel="epoch", ylabel="nonzero parameters (thousands)", title="LeNet-300-100 (measured)", ylim=(0, 1.1 * params[0] / 1e3))
right.annotate("dense training", (epochs[1] / 2, params[0] / 1e3), xytext=(epochs[-1] / 60, 0.45 * params[0] / 1e3), ha="left", arrowprops={"arrowstyle": "->"})
right.annotate("prune + retrain\nrounds", (epochs[-1], 0.72 * params[0] / 1e3), ha="right", va="center")  # right of the first step
fig.tight_layout()
plt.show()
print(f"LeNet-300-100: {params[0]:,} parameters trained dense for {epochs[1]} epochs -> {params[-1]:,} after {len(epochs) // 2 - 1} prune + retrain rounds")
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
# spread out and the distribution is **bimodal**: two humps, and few weights near zero. The axis
# stops at $\pm 0.25$; the few larger weights (counted below the figure) are left out, not piled
# into the edge bins.

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
    ax.hist(w[w != 0].numpy(), edges, color="tab:blue")  # weights beyond the edges are not drawn
    ax.set(title=title, xlabel="fc1 weight")
axes[0].set_ylabel("nonzero weights")
fig.tight_layout()
plt.show()
beyond = {title: (int((w.abs() > edges[-1]).sum()), int((w != 0).sum())) for title, w in stages.items()}
print(f"|w| > {edges[-1]} (not drawn): " + "; ".join(f"{title} {n:,} of {nonzero:,}" for title, (n, nonzero) in beyond.items()))
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
# Pruning alone costs accuracy; retraining the surviving weights (kept, not re-initialized) wins
# it back. The paper retrains at **1/10 of the original learning rate**. Our recipes do not all
# follow it: each round restarts a cosine decay, for LeNet-300-100 from whichever of a few
# candidate rates gave the lowest validation error, for LeNet-5 from a rate **above** its
# baseline's, fixed earlier on the test set (we say so; the rates are printed below). Why a larger
# start can help: pruning throws the network far from where its training left it, and each round's
# rate decays to zero again, so the start only sets how far the survivors may move.
#
# During retraining a pruned weight must **stay exactly zero**:
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
print("each retraining round restarts from:")
chosen_by = {  # how results.json says each rate was chosen, as shown here
    "lowest validation error among lr_candidates": "lowest validation error of the candidates",
    "fixed earlier (test error)": "fixed earlier, on test; its validation error",
}
for name, result in results.items():
    lr, base_lr = result["final"]["recipe"]["lr"], baselines.baseline_info(name)["lr"]
    tried = ", ".join(f"{candidate}: {100 * error:.2f}%" for candidate, error in result["final"]["lr_val_errors"].items())
    print(f"  {display_names[name]:14s} lr {lr} = {lr / base_lr:g} x the baseline's {base_lr}: {chosen_by[result['final']['chosen_by']]} ({tried})")
assert r5["final"]["recipe"]["lr"] > baselines.baseline_info("lenet5")["lr"]  # LeNet-5 restarts higher, as the text says


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: retrain the survivors, never from scratch, and keep every pruned weight at exactly zero: the layer computes with weight_orig x mask. The paper retrains at 1/10 of the original rate; our LeNet-5 restarts above its baseline's rate (pruning moves the network far, and each round decays the rate to zero again), and that rate was fixed on the test set before the validation split existed: say so. Ask the room: what goes wrong if you apply the mask only once? (momentum and weight decay bring the weights back). Quote: Han et al. 2015, Sec. 3.2-3.3 (retraining at 1/10 of the rate, dropout ratio). Time: 2 min.

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
# holds much further. All three on the 5,000 **validation** images: a figure one might choose a
# sparsity from never sees the test set.

# %% slideshow={"slide_type": "fragment"}
grid = np.array(experiment.GRID)


def pruned_error(sparsity, split="val"):
    """Error of LeNet-300-100 pruned layer-wise to ``sparsity``, no retraining (computed now), on ``split``."""
    model = baselines.pretrained("lenet_300_100")
    pruning.apply_masks(model, pruning.layerwise_masks(model, sparsity))
    return train.evaluate(model, split)


no_retrain = np.array([pruned_error(s) for s in grid])  # validation error, like the two stored curves
curves = {"no retraining": no_retrain, "one-shot prune + retrain": np.array(r300["one_shot_val"]), "iterative prune + retrain": np.array(r300["iterative_val"]["layer"])}
base_error = baselines.baseline_info("lenet_300_100")["val_error"]
fig, ax = plt.subplots()
for label, errors in curves.items():
    ax.plot(100 * grid, 100 * errors, "o-", label=label)
ax.axhline(100 * base_error, color="k", ls="--", lw=1, label="dense baseline")
ax.set(xlabel="weights pruned (%)", ylabel="validation error (%)", yscale="log", title="LeNet-300-100, layer-wise pruning")
plots.log_ticks_125(ax.yaxis)  # label 1, 2, 5, 10, 20, 50 %
ax.legend()
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: Fig. 5 of the paper is AlexNet's top-5 accuracy; here is the same experiment on
# LeNet-300-100. The paper: without retraining accuracy falls from about 1/3 of the weights left,
# with retraining from about 1/10; iterative pruning takes AlexNet from 5x to 9x.

# %% slideshow={"slide_type": "subslide"}
cells = [[label] + [f"{100 * e:.2f}%" for e in errors] for label, errors in curves.items()]
display(plots.table(cells, ["weights pruned"] + [f"{100 * s:.0f}%" for s in grid]))
at90 = {label: errors[list(grid).index(0.9)] for label, errors in curves.items()}
assert at90["iterative prune + retrain"] < at90["one-shot prune + retrain"] < at90["no retraining"]

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the numbers behind the curves, all validation error: at 90% pruned, 5.10% without retraining, 1.82% one-shot, 1.62% iterative; at 99%, 77.14%, 28.50% and 16.02%. Retraining holds the error near the dense baseline's much further, and iterative beats one-shot from 70% on. Ask the room: where would you stop with iterative pruning? Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Which layers can lose the most?
#
# Prune one layer at a time, from 0 to 99%, without retraining, and watch the **validation**
# error (all 5,000 validation images: a scan like this is what one would choose rates from, so it
# never sees the test set). A layer whose curve rises early is **sensitive** to pruning alone.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
scan = np.array(experiment.SCAN)
for ax, (name, result) in zip(axes, results.items()):
    for layer, errors in result["sensitivity"].items():
        ax.plot(100 * scan, 100 * np.array(errors), "o-", markersize=3, label=layer)
    ax.set(title=display_names[name], xlabel="weights pruned in one layer (%)", yscale="log")
    ax.legend()
plots.log_ticks_125(axes[0].yaxis)  # label 1, 2, 5, 10, 20, 50 %
axes[0].set_ylabel("validation error (%)")
fig.tight_layout()
plt.show()


def breaking_point(errors, rise=0.005):
    """The first scanned sparsity at which a layer's error is more than `rise` above the dense error."""
    return next((s for s, e in zip(scan, errors) if e > errors[0] + rise), 1.0)


print("sparsity at which the validation error first rises 0.5 points (one layer pruned):")
breaks = {name: {layer: breaking_point(e) for layer, e in result["sensitivity"].items()} for name, result in results.items()}
for name, points in breaks.items():
    print(f"  {display_names[name]:14s} " + ", ".join(f"{layer} {100 * s:.0f}%" for layer, s in points.items()))
assert all(result["sensitivity_split"] == "val" for result in results.values())

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: prune one layer at a time, no retraining, on validation images: read off which layer breaks first in each network. Ask the room: why would the first conv layer be sensitive? (few weights, each one used at every position). Quote: Han et al. 2015, Fig. 6 (AlexNet's per-layer sensitivity). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the per-layer rates come from
#
# Not from this scan: they are **the paper's Tables 2-3**, and the scan does not explain them all.
# It prunes one layer **in one shot, without retraining**, and compares layers at an equal
# **fraction** of their weights. The rates come after retraining, which wins back most of what
# pruning alone loses (section 3), and they favour the layers that hold the most weights:
# LeNet-300-100's fc1 holds 88% of them, so per weight removed it costs the least.

# %% slideshow={"slide_type": "fragment"}
cells, verdicts = [], []
at90 = list(scan).index(0.9)
for name, result in results.items():
    rates = result["final"]["recipe"]["sparsity"]
    paper = {layer: 1 - row["weights"] / 100 for layer, row in papers.LWC_LAYER_TABLES[name].items() if layer != "total"}
    sizes = {layer: w.numel() for layer, w in network.weights(baseline[name]).items()}
    # validation error added per 1,000 weights removed, with the layer 90% pruned (no retraining)
    cost = {layer: (errors[at90] - errors[0]) / (0.9 * sizes[layer]) * 1e3 for layer, errors in result["sensitivity"].items()}
    for layer in rates:
        cells.append([
            display_names[name] if layer == next(iter(rates)) else "", layer, f"{100 * sizes[layer] / sum(sizes.values()):.1f}%",
            f"{100 * breaks[name][layer]:.0f}%", f"{100 * cost[layer]:+.4f}", f"{100 * rates[layer]:.1f}%", f"{100 * paper[layer]:.0f}%",
        ])
    first, hardest = min(breaks[name], key=breaks[name].get), max(rates, key=rates.get)
    verdicts.append(f"{display_names[name]}: breaks first in the scan: {first}; pruned hardest: {hardest}")
    assert all(abs(rates[layer] - paper[layer]) < 0.01 for layer in rates)  # the paper's rates (fc1: 92.5% for its 92%)
    assert name != "lenet_300_100" or round(100 * sizes["fc1"] / sum(sizes.values())) == 88  # the text's 88%
    assert min(cost, key=cost.get) == hardest  # the largest layer is the cheapest per weight removed
display(plots.table(
    cells, ["network", "layer", "share of weights", "breaks at", "error per 1,000 removed", "pruned", "paper"],
    caption="The one-shot scan (validation) beside the rates", note="error per 1,000 removed: validation error points added per 1,000 weights removed, the layer 90% pruned, no retraining",
))
print("\n".join(verdicts))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the rates are the paper's (Tables 2-3), not read off our scan; read the printed lines: where the layer that breaks first is also the one pruned hardest (LeNet-300-100's fc1, if your scan shows it), the scan alone would have chosen wrongly: it prunes without retraining, and it compares equal fractions, while the largest layer costs the least per weight removed. Ask the room: which LeNet-5 layer keeps the largest fraction, and does the scan explain it? Quote: Han et al. 2015, Tables 2 and 3. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. What survives in the first layer
#
# fc1 of LeNet-300-100 has one weight from every input pixel to each of its 300 units. Counting
# the weights each pixel keeps after pruning draws a digit-shaped blob: nearly all the **border
# pixels**, which (almost) never carry ink, **lose all their weights** (the few that keep some carry
# ink in under 1% of the images). Every pixel that is blank in every training image loses all 300.

# %% slideshow={"slide_type": "fragment"}
kept_per_pixel = pruning.masks(experiment.load_pruned("lenet_300_100", keep_masks=True))["fc1"].sum(0).view(28, 28)
fig, ax = plt.subplots(figsize=(4.4, 3.4))
im = ax.imshow(kept_per_pixel, cmap="viridis")
fig.colorbar(im, label="weights kept (of 300)")
ax.set(title="fc1: weights kept per pixel", xticks=[], yticks=[])
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
assert bare_border.sum() >= 0.95 * border.sum() and kept_per_pixel[blank].sum() == 0
assert all(inked[i, j] < 0.01 for i, j in (border & ~bare_border).nonzero().tolist())  # the ones that keep some are inked in < 1% of images

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: count the weights each input pixel keeps: the border pixels, (almost) never inked, lose (nearly) all their weights; the picture is a digit-shaped blob. Ask the room: what does a pixel's surviving count tell us about the data? Quote: Han et al. 2015, Fig. 4 (the same picture of LeNet-300-100's first layer). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Table 1, measured
#
# The goal, relative to our own baseline: at least **12x fewer weights** (11 of every 12 removed)
# and a test error at most **0.1 points** above the baseline's. Each test error is measured once,
# on the 10,000 test images, with its standard error $\sqrt{e(1-e)/10^4}$ (about 0.1 point here):
# a difference smaller than that is noise, in either direction. The paper's numbers are beside
# ours (its baselines, 1.64% and 0.80%, were trained otherwise). The verdicts are computed from the
# numbers: a miss is printed as a miss.

# %% slideshow={"slide_type": "fragment"}
measured, cells = {}, []
for name in ("lenet_300_100", "lenet5"):
    before, after = network.count_parameters(baseline[name]), network.nonzero_parameters(final[name])
    errors = train.evaluate(baseline[name], "test"), train.evaluate(final[name], "test")
    standard_errors = [(e * (1 - e) / 10_000) ** 0.5 for e in errors]
    measured[name] = dict(errors=errors, standard_errors=standard_errors, rate=before / after)
    paper = papers.LWC_TABLE1[name]
    cells.append([
        display_names[name], "ours", f"{100 * errors[0]:.2f}% -> {100 * errors[1]:.2f}%", f"{100 * standard_errors[1]:.2f}",
        f"{before / 1e3:.0f}K -> {after / 1e3:.0f}K", f"{before / after:.1f}x",
    ])
    cells.append([
        "", "paper", f"{100 * paper['error'][0]:.2f}% -> {100 * paper['error'][1]:.2f}%", "",
        f"{paper['params'][0] / 1e3:.0f}K -> {paper['params'][1] / 1e3:.0f}K", f"{paper['rate']:d}x",
    ])
    assert errors == (results[name]["final"]["baseline_error"], results[name]["final"]["test_error"])
display(plots.table(
    cells, ["network", "", "test error", "± 1 s.e.", "parameters", "fewer"], caption="Table 1 (Han et al. 2015), measured", paper=[1, 3],
))
for name, m in measured.items():
    goal = results[name]["final"]["goal"]
    verdict = "goal met" if goal["met"] else "goal NOT met"
    print(
        f"{display_names[name]:14s} {m['rate']:.1f}x fewer parameters ({100 * (1 - 1 / m['rate']):.1f}% removed), test error "
        f"{100 * goal['increase']:+.2f} points = {goal['increase_in_se']:+.1f} standard errors: {verdict}"
    )
    within = round(m["errors"][1] * 10_000) - round(m["errors"][0] * 10_000) <= 10  # at most 10 more of the 10,000 images wrong
    assert goal["met"] == (m["rate"] >= 12 and within), name  # the printed verdict is what the numbers say
print(f"(goal: at least {experiment.GOAL_RATE}x fewer parameters, and a test error at most 0.1 points above the baseline's)")
assert experiment.GOAL_RATE == 12 and all(results[name]["final"]["goal"]["tolerance"] == 0.001 for name in measured)  # the goal as printed
assert all(round(papers.LWC_TABLE1[name]["params"][0] / papers.LWC_TABLE1[name]["params"][1]) == 12 for name in measured)  # the paper's 12x
assert all(m["rate"] >= 12 for m in measured.values())  # 11 of every 12 weights removed, or more: the recipe's rates

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the goal was 12x fewer weights and at most 0.1 point more test error than our own baseline; read the verdicts as printed (met or not met), with the standard error beside: one standard error is about 0.1 point, so a difference of a few hundredths is noise either way. The paper's row is beside ours. Ask the room: if a pruned network is 0.05 points better than its baseline, has pruning improved it? (no: within the noise). Quote: Han et al. 2015, Table 1. Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Per layer (Tables 2 and 3)
#
# FLOPs are 2 x multiply-adds. A pruned weight skips its multiply; so does a zero input
# (after ReLU or pooling). FLOPs left = weights kept x density of the layer's input. The paper's
# "act%" column is this density; Caffe's LeNet-5 has no ReLU after its convs, so its conv outputs
# are almost never zero.

# %% slideshow={"slide_type": "fragment"}
for name, result in results.items():
    cells = []
    for layer, row in result["final"]["layers"].items():
        density = f"{100 * row['input_density']:.0f}%" if "input_density" in row else ""
        paper = papers.LWC_LAYER_TABLES[name][layer]
        cells.append([
            layer, f"{row['weights'] / 1e3:.1f}K", f"{row['flops'] / 1e3:.0f}K", density, f"{100 * row['weights_kept']:.1f}%",
            f"{paper['weights']:d}%", f"{100 * row['flops_kept']:.1f}%", f"{paper['flops']:d}%",
        ])
    display(plots.table(
        cells, ["layer", "weights", "FLOPs", "input density", "weights kept", "paper", "FLOPs left", "paper"], caption=display_names[name],
    ))
total = r300["final"]["layers"]["total"]
assert total["weights_kept"] <= 1 / 12 and total["flops_kept"] <= 1 / 12

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: per layer, weights kept and FLOPs left: FLOPs fall more than weights because zero inputs (after ReLU) skip their multiplies too. Ask the room: which layer of LeNet-300-100 keeps the largest fraction, and why? Quote: Han et al. 2015, Tables 2 and 3. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### AlexNet and VGG-16: the paper's Table 1, and the parameter counts
#
# We cannot retrain ImageNet networks here, so their **accuracy is quoted, not reproduced**: top-1
# and top-5 error, as the paper gives them. What we can check is the arithmetic: torchvision's
# architectures (built on the `meta` device: shapes only, no weights) with the paper's per-layer
# "weights kept" (its Tables 4 and 5).

# %% slideshow={"slide_type": "fragment"}
cells = []
for name, percents in papers.IMAGENET_KEEP_PERCENT.items():
    with torch.device("meta"):
        net = getattr(torchvision.models, name)(weights=None)
    keep = {layer: p / 100 for layer, p in zip(network.layers(net), percents, strict=True)}
    before, after = network.count_parameters(net), pruning.kept_parameters(net, keep)
    paper = papers.LWC_TABLE1[name]
    (top1, top1_pruned), (top5, top5_pruned) = paper["error"], paper["top5"]
    cells.append([
        {"alexnet": "AlexNet", "vgg16": "VGG-16"}[name], f"{100 * top1:.2f}% -> {100 * top1_pruned:.2f}%", f"{100 * top5:.2f}% -> {100 * top5_pruned:.2f}%",
        f"{paper['params'][0] / 1e6:.0f}M -> {paper['params'][1] / 1e6:.1f}M", f"{paper['rate']}x",
        f"{before / 1e6:.1f}M -> {after / 1e6:.1f}M", f"{before / after:.1f}x",
    ])
    assert abs(after / paper["params"][1] - 1) < 0.05
    assert top5_pruned <= top5 and top1_pruned <= top1  # the paper loses no accuracy on either
display(plots.table(
    cells, ["network", "top-1 error", "top-5 error", "parameters", "fewer", "counted here", "fewer"],
    caption="Table 1 (Han et al. 2015): ImageNet, quoted", note="errors and the first parameter columns are the paper's; the last two are torchvision's layers with the paper's rates",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: we cannot retrain ImageNet networks here: their accuracy is quoted, top-1 and top-5 as the paper gives them (AlexNet 19.73% -> 19.67% top-5, VGG-16 11.32% -> 10.88%); only the arithmetic of the per-layer rates is checked (torchvision's AlexNet: 61.1M -> 6.9M, against the paper's 6.7M; VGG-16: 138.4M -> 10.5M, against 10.3M). Ask the room: which layers give most of AlexNet's 9x? (the fc layers). Quote: Han et al. 2015, Tables 1, 4 and 5. Time: 1 min.

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

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: what the panel on the next slide does: each move prunes LeNet-300-100 for real and evaluates it on all 10,000 test images, in tens of milliseconds; the blue curve is what you tried (no retraining), the gray squares the same pruning retrained, precomputed because it takes minutes. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# The panel takes any network and your own function: `widgets.pruning_panel(my_model)`,
# `widgets.pruning_panel(prune=magnitude_mask)` (exercise 1.1; with the global threshold it is
# applied to all weights at once), `widgets.pruning_panel("lenet5")` (LeNet-5, on the first 400
# test images: its forward pass costs 9x more).

# %% slideshow={"slide_type": "subslide"}
# NBVAL_IGNORE_OUTPUT
# (a widget's display is not text; the next cell drives it from Python)
panel = widgets.pruning_panel()
display(panel.widget)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: in the live notebook drag the slider: each move really prunes and evaluates on 10,000 images; in the static deck step through the frames (0, 50, 80, 90, 95, 99%). The gray squares are the retrained curve, precomputed. Ask the room: at what sparsity does the error take off without retraining? (layer-wise: flat to about 50%, 1.50% -> 1.59%; about twice the dense error at 80%, 2.95%; over three times at 90%, 5.10%; then it takes off: 23.84% at 95%, 76.94% at 99%). Watch the CSR size fall below the dense size past 50%. Time: 2.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 7. Prune it yourself: six settings
#
# Without a kernel (the static slides) the panel cannot move: here it is at six sparsities, one per
# press of the right arrow. The gap in the histogram opens; the error stays near the dense 1.50% up to
# 50%, has about doubled by 80%, is over three times the dense error at 90% and takes off beyond
# (each frame's caption gives its error).

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
# sparsity; watch the gap in the histogram open and the error: nearly flat to 50% (1.50% -> 1.59%),
# about doubled at 80% (2.95%), over three times the dense error at 90% (5.10%), then taking off
# (23.84% at 95%, 76.94% at 99%). Ask the room: where would you stop without retraining? Time: 1.5 min.

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
assert abs(sparse["error"] - pruned_error(0.9, "test")) < 1e-6  # the live panel prunes as section 3 does (on the test images)
assert retrained[0.9] < sparse["error"]  # retraining (precomputed) recovers what pruning alone lost
shown = panel.update()  # back to the controls' own positions, so the saved panel agrees with itself

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Retrain it yourself, live
#
# One point of the gray curve, for real: LeNet-300-100 pruned to 95% layer-wise (its error
# jumps), then one epoch of SGD on the 55,000 training images, a few seconds on a laptop CPU. The
# masks hold: the pruned weights stay exactly zero. Seeded and run on one torch thread, so the
# printed digits are the same on every run.

# %% slideshow={"slide_type": "fragment"}
model = baselines.pretrained("lenet_300_100")
pruning.apply_masks(model, pruning.layerwise_masks(model, 0.95))
before = train.evaluate(model)
assert len(load_mnist("train")[1]) == 55_000  # the text's training images (the 5,000 validation ones stay out)
threads = torch.get_num_threads()
torch.set_num_threads(1)  # one thread: the same sums in the same order, so the same digits on every run
try:
    train.fit(model, 1, 0.01, weight_decay=5e-4, desc="retrain, 1 epoch")
finally:
    torch.set_num_threads(threads)
after = train.evaluate(model)
kept = sum(nz for nz, _ in network.nonzero_weights(model).values())
print(f"95% pruned, layer-wise: test error {100 * before:.2f}% -> {100 * after:.2f}% after one epoch, {kept:,} weights left")
assert after < before / 5 and kept == sum(n - round(0.95 * n) for _, n in network.nonzero_weights(model).values())

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
# - Layers differ: a sensitivity scan (one layer at a time, no retraining, on validation images)
#   shows what pruning alone costs each layer. Our rates are the paper's (Tables 2-3): they prune
#   hardest the layers that hold the most weights, where a removed weight costs the least.
# - 12x fewer weights (11 of every 12 removed) for LeNet-300-100 and LeNet-5; whether the test
#   error stayed within 0.1 point of our baseline's is printed in section 6, with its standard error.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: remove the small weights, retrain with the masks held, in rounds; the per-layer rates are the paper's, and a one-shot scan alone would not have chosen them; 12x on the LeNets, and section 6's verdict on the error. Ask the room: what does pruning NOT give on an ordinary CPU? (speed: the tensors keep their shape; see structured pruning). Time: 0.5 min.

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
# 4. A one-shot sensitivity scan (no retraining) shows conv1's error rising first. What pruning rate do you give conv1, and would you give the lowest rate to every layer that breaks first?
#
#    <details><summary>Answer</summary>
#
#    The lowest of all layers for conv1 (the paper keeps 66% of it): it has few weights, so pruning it saves little, and every image goes through them. Not necessarily: a one-shot scan compares equal fractions without retraining. LeNet-300-100's fc1 holds 88% of the weights, each costs little, and retraining wins most of the loss back, so the paper prunes it hardest (92%), whatever the scan shows first.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: question 1 (ties at the cut) is the classic bug of exercise 1.1; give the room a minute, then reveal. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
#
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (Tables 1-5, Figs. 4-7: this chapter)
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - C. A. Walsh. *Peter Huttenlocher (1931-2013).* Nature 502:172, 2013 (the synapse counts)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proc. IEEE 1998 (LeNet-5, MNIST)
# - PyTorch, `torch.nn.utils.prune` (`custom_from_mask`, `global_unstructured`): the masks of section 2

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the pruning paper is this chapter's source; Deep Compression builds on it in the next chapters; Walsh for the synapse counts. Time: 0.5 min (point to it, do not read it).
