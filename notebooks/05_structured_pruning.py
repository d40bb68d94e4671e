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
# # Structured pruning: remove whole feature maps
#
# Magnitude pruning (notebook 01) zeroes 90% of the weights, but the tensors keep their shape.
# Here we remove **whole feature maps** (output channels of a convolution, or hidden neurons),
# which leaves a smaller *dense* network that runs faster on any hardware.
#
# Which maps? Molchanov, Tyree, Karras, Aila, Kautz, *Pruning Convolutional Neural Networks for
# Resource Efficient Inference* (ICLR 2017) rank them with a first-order **Taylor** estimate of
# how much the loss changes when a map is removed, then prune iteratively:
# rank, remove the lowest, fine-tune a little, repeat.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: remove whole maps, not single weights: what is left is a smaller dense network, faster anywhere; maps ranked by a first-order Taylor estimate of the loss change. Ask the room: why would removing 90% of the weights not make a network faster? Quote: Molchanov et al. 2017, Sec. 1 and Fig. 1 (the prune-finetune loop). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Before you start
#
# **You will learn to**
#
# - compute the Taylor criterion of every feature map from activations and gradients (Eq. 8);
# - normalize scores per layer so that layers compete on one list;
# - choose the next maps to remove;
# - remove hidden units from a pair of layers (surgery) and get a smaller dense network.
#
# **Prerequisites:** notebooks 01 and 04; tensor reductions (`mean` over dimensions), boolean indexing.
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
# Say: four exercises (Taylor scores, per-layer normalization, choosing maps, surgery); at home. Time: 0.5 min.

# %% slideshow={"slide_type": "skip"}
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from IPython.display import display
from safetensors.torch import load_file, save_file
from torch import nn

import coursekit
from coursekit import checks, network, papers, plots, structured, train, widgets
from coursekit.data import load_mnist
from coursekit.experiments import baselines
from coursekit.experiments import structured as experiment

coursekit.set_language("en")  # the language of what coursekit prints (the Russian edition says "ru")
plots.style()
# how the figures and tables name the networks and the criteria (the data's keys are identifiers)
NETWORKS = {"lenet5": "LeNet-5", "lenet_300_100": "LeNet-300-100"}
CRITERIA = {"taylor": "Taylor", "taylor+flops": "Taylor + FLOPs", "weight": "min weight", "activation": "mean activation", "apoz": "APoZ", "random": "random"}
dense = baselines.pretrained("lenet5")
trajectories = experiment.load("trajectories")
small = experiment.load("lenet5_pruned")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Why structure matters
#
# Take the trained LeNet-5 and zero its 90% smallest weights (unstructured). Every tensor keeps
# its shape, so a dense kernel does exactly the same multiply-adds, zeros included. Beside it,
# the LeNet-5 that this notebook builds by removing whole feature maps (section 4).

# %% slideshow={"slide_type": "fragment"}
sparse = structured.zero_smallest_weights(dense, 0.9)
nets = {"dense LeNet-5": dense, "90% of weights zeroed": sparse, "feature maps removed": small}
nonzero = lambda m: sum(int((p != 0).sum()) for p in m.parameters())
print(f"{'network':24s} {'conv1':>16s} {'conv2':>16s} {'nonzero params':>15s} {'MFLOPs':>7s}")
for name, net in nets.items():
    print(f"{name:24s} {str(tuple(net[0].weight.shape)):>16s} {str(tuple(net[2].weight.shape)):>16s} {nonzero(net):15,d} {network.flops(net) / 1e6:7.2f}")
assert network.flops(sparse) == network.flops(dense) == 4_586_000  # zeros are still multiplied
assert abs(nonzero(sparse) / nonzero(dense) - 0.1) < 0.01
assert network.flops(small) < network.flops(dense) / 3

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Why: wall-clock timings vary from run to run and machine to machine.
# The careful measurement (more repeats, batch 1 too) is benchmarks/bench_structured.py.
latency = {name: structured.latency_ms(net, batch=256, repeats=10) for name, net in nets.items()}
for name, ms in latency.items():
    print(f"{name:24s} {ms:6.2f} ms per 256 images (median of 10)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: the zeroed network is no faster; say why: a dense convolution or matrix
# multiply does not look at the values. Sparse kernels exist but need very high sparsity and
# special hardware (EIE) to win. Removing maps is a different network, smaller in every tensor.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Which map to remove? Five criteria and the oracle
#
# For a feature map $z$ of $M$ positions (a neuron: $M = 1$) and the loss $C$:
#
# | criterion | score of a map (low = remove first) |
# |---|---|
# | **Taylor** (Eq. 8) | $\left\lvert \frac{1}{M} \sum_m \frac{\partial C}{\partial z_m} z_m \right\rvert$ per example, averaged over the batch |
# | minimum weight | mean squared weight of the kernel that produces the map |
# | mean activation | mean of $\lvert z\rvert$ (after a ReLU this is the mean activation) |
# | APoZ | 1 - average percentage of zeros of $z$ (only after a ReLU) |
# | random | uniform noise |
#
# Each is normalized per layer, $\Theta / \sqrt{\sum_j \Theta_j^2}$, so layers compete on one list.
# Taylor is the first-order estimate of $\lvert C(z = 0) - C \rvert$; the **oracle** is that change
# itself, measured by removing each map alone. We compute both on 1,000 training images.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: five criteria: Taylor (activation x gradient), minimum weight, mean activation, APoZ (only on ReLU neurons), random, against the oracle that really removes each map; in the paper Taylor correlates best. The paper also tries activation std and mutual information: we quote its numbers under the table, we do not compute them. Ask the room: why is the oracle too expensive to use? (one forward pass per map per step). Quote: Molchanov et al. 2017, Eq. 8 and Table 2 (Spearman correlation with the oracle). Time: 3 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **APoZ on LeNet-5.** Caffe's LeNet-5 has no ReLU after its convolutions: a conv map is never
# exactly zero, so its APoZ is 0 for every map and ranks nothing. We do not invent a threshold;
# we use APoZ only where it is defined, on LeNet-300-100's ReLU neurons.

# %% slideshow={"slide_type": "fragment"}
compared = experiment.load("criteria")
units = {("lenet5", "conv1"), ("lenet5", "conv2"), ("lenet_300_100", "fc1"), ("lenet_300_100", "fc2")}
rho = {}
for name, unit in sorted(units):
    scores = {c: torch.tensor(v) for c, v in compared[name][unit].items() if c != "oracle"}
    rho[unit] = structured.rank_correlations({unit: scores}, {unit: compared[name][unit]["oracle"]})[unit]
names = ["taylor", "weight", "activation", "apoz", "random"]
cells = [[unit] + [f"{by[c]:.2f}" if c in by else "-" for c in names] for unit, by in rho.items()]
paper = papers.MOLCHANOV_SPEARMAN["vgg16 per layer"]
cells.append(["VGG-16 (paper)", f"{paper['taylor']:.2f}", f"{paper['min weight']:.2f}", f"{paper['mean activation']:.2f}", "-", "-"])
display(plots.table(
    cells, ["layer"] + [CRITERIA[c] for c in names], caption="Spearman rank correlation with the oracle (ours, 1,000 MNIST training images)",
    paper=[len(cells) - 1],
    note=f"paper: Molchanov et al. 2017, VGG-16 on Birds-200, per layer; also activation std {paper['activation std']:.2f}, "
         f"mutual info {paper['mutual info']:.2f}",
))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the rank correlations of each criterion with the oracle, layer by layer; APoZ ranks nothing on Caffe's LeNet-5 (no ReLU after its convs). Ask the room: why is random a useful row in this table? Quote: Molchanov et al. 2017, Table 2. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# What the table says, layer by layer (read from its numbers; "best" allows a tie of 0.01):

# %% slideshow={"slide_type": "fragment"}
best = {unit: [c for c in by if by[c] >= max(by.values()) - 0.01] for unit, by in rho.items()}
for unit, winners in best.items():
    print(f"{unit}: best {' and '.join(CRITERIA[c] for c in winners)} ({max(rho[unit].values()):.2f}); Taylor {rho[unit]['taylor']:.2f}")
taylor_best = [unit for unit, winners in best.items() if "taylor" in winners]
print(f"Taylor is the best criterion on {len(taylor_best)} of {len(best)} layers ({', '.join(taylor_best)}); "
      f"random ranks nothing (|rho| at most {max(abs(by['random']) for by in rho.values()):.2f}).")
gap = max(by["taylor"] - by["weight"] for by in rho.values())
print(f"Taylor minus min weight: at most {gap:.2f} here, {paper['taylor'] - paper['min weight']:.2f} in the paper.")
for unit, by in rho.items():
    assert by["taylor"] > 0.5 and abs(by["random"]) < 0.35, unit  # Taylor tracks the oracle, random does not
assert gap < paper["taylor"] - paper["min weight"]  # our gaps are smaller

# %% [markdown] slideshow={"slide_type": "fragment"}
# Taylor tracks the oracle on every layer, but the paper's wide gap over the minimum weight does
# not appear on these small MNIST networks (the last line above). The paper measured it on
# VGG-16 fine-tuned to a new task (Birds-200), where the weights say less about the new loss.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the printed lines say where Taylor is best and where the minimum weight wins; Taylor tracks the oracle on every layer, but the paper's wide gap over the minimum weight does not appear on these small networks. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# Spearman's correlation is the ordinary correlation of the **ranks**: so we draw each map's rank
# by a criterion (1 = removed first) against its rank by the oracle.

# %% slideshow={"slide_type": "fragment"}
def ranks(values):
    """The rank of each value, 1 for the smallest (ties broken by position)."""
    return torch.tensor(values).argsort().argsort() + 1


fig, axes = plt.subplots(2, 4, figsize=(11, 5.6))
for row, (name, unit) in zip(axes, [("lenet5", "conv2"), ("lenet_300_100", "fc1")]):
    oracle = ranks(compared[name][unit]["oracle"])
    for ax, c in zip(row, ["taylor", "weight", "activation", "apoz" if name == "lenet_300_100" else "random"]):
        ax.scatter(ranks(compared[name][unit][c]), oracle, s=8)
        ax.set(title=f"{NETWORKS[name]} {unit}\n{CRITERIA[c]}: \u03c1 = {rho[unit][c]:.2f}", xlabel=f"rank by {CRITERIA[c]}")
    row[0].set_ylabel("rank by the oracle")
fig.tight_layout()
plt.show()
for name, unit in [("lenet5", "conv2"), ("lenet_300_100", "fc1")]:  # the drawn ranks give the table's rho
    oracle = ranks(compared[name][unit]["oracle"]).double()
    for c in ["taylor", "weight"]:
        r = ranks(compared[name][unit][c]).double()
        pearson = torch.corrcoef(torch.stack([r, oracle]))[0, 1].item()
        assert abs(pearson - rho[unit][c]) < 0.02, (unit, c, pearson, rho[unit][c])


# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: a perfect criterion puts the maps on the diagonal; random scatters them over
# the square. Quote the paper's Table 2: on VGG-16 fine-tuned on Birds-200 Taylor reaches
# 0.73 against 0.27 (min weight), 0.56 (mean activation), 0.57 (activation std) per layer; on
# AlexNet/ImageNet 0.58 against 0.57 for the weights. Our MNIST LeNets are tiny, so the gaps
# are smaller: read the table above, not the paper's.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 5.1 (2 points): the Taylor criterion (Eq. 8)
#
# Write `taylor_scores(z, grad)`: `z` and `grad` are `N x C x M` tensors, the `C` maps of a
# layer at `M` positions for `N` examples, and dC/dz. For each example and map, take the
# absolute value of the mean over the positions of `z * grad`; then average over the examples.
# Return `C` scores.
#
# The cell below checks your function on cases of its own against coursekit's `structured.taylor`.

# %% nbgrader={"grade": false, "grade_id": "taylor_scores", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def taylor_scores(z, grad):
    """Molchanov Eq. 8: |mean over positions of z dC/dz|, averaged over examples; C scores."""
    ### BEGIN SOLUTION
    return (z * grad).mean(2).abs().mean(0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_taylor_scores", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_taylor_scores(taylor_scores)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 5.2 (1 point): layer-wise normalization
#
# Write `l2_normalize(scores)`: the layer's scores divided by their L2 norm,
# `theta / sqrt(sum_j theta_j**2)` (Sec. 2.2).
#
# The cell below checks your function on cases of its own against coursekit's `structured.l2_normalize`.

# %% nbgrader={"grade": false, "grade_id": "l2_normalize", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def l2_normalize(scores):
    """``scores`` divided by their Euclidean norm."""
    ### BEGIN SOLUTION
    return scores / torch.sqrt((scores**2).sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_l2_normalize", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_l2_normalize(l2_normalize)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Iterative pruning: error against FLOPs
#
# From the trained network: score every map, remove the lowest-ranked, fine-tune for 30
# minibatches of 64, repeat (precomputed by `python -m coursekit.reproduce structured`).
# LeNet-5: the 70 conv maps, two per step; LeNet-300-100: the 400 hidden neurons, ten per step
# (the paper removes one per step; we remove more to keep the run short).
# `taylor+flops` adds the paper's FLOPs regularization, $\Theta - \lambda\,\Theta^{flops}_l$: a map's
# score is lowered by $\lambda$ = 0.3 per MFLOP it costs (its share of its layer and of the next
# one), so the expensive maps of conv1 go first.

# %% slideshow={"slide_type": "fragment"}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.7))
for ax, name in zip(axes, ["lenet5", "lenet_300_100"]):
    for criterion, points in trajectories[name].items():
        ax.plot([p["flops"] / 1e6 for p in points], [100 * p["error"] for p in points], ".-", label=CRITERIA[criterion])
    ax.set(xlabel="MFLOPs per image", ylabel="test error (%)", yscale="log", title=NETWORKS[name])
    plots.log_ticks_125(ax.yaxis)
    ax.set_ylim(bottom=1)  # so that the 1% line is labelled
    ax.invert_xaxis()
    ax.legend()
fig.tight_layout()
plt.show()


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: rank, remove the lowest maps, fine-tune a little, repeat; the curves of error against the FLOPs left (fewer FLOPs to the right): by half the FLOPs random is the highest curve on both networks, and on LeNet-300-100 APoZ and mean activation run above Taylor and min weight; Taylor and min weight run close together, and the next slide's table says which is ahead where. Ask the room: why normalize the scores per layer? (layers compete on one list). Mention: the paper's lambda = 1e-3 comes without the unit of its FLOPs, so ours (0.3 per MFLOP) is our own choice; FLOPs = 2 x multiply-adds per image, as in Han et al.'s Table 3 (LeNet-5: 4.59 MFLOPs). Quote: Molchanov et al. 2017, Fig. 4 (pruning VGG-16 on Birds-200: there Taylor is best). Time: 2.5 min.

# %% slideshow={"slide_type": "subslide"}
def error_at(points, fraction):
    """Test error of the first step at or below ``fraction`` of the starting FLOPs."""
    return next(p["error"] for p in points if p["flops"] <= fraction * points[0]["flops"])


assert trajectories["settings"]["flops_weight"] == 0.3  # the lambda stated above
at = {name: {c: {f: error_at(points, f) for f in (0.5, 0.25)} for c, points in trajectories[name].items()} for name in ("lenet5", "lenet_300_100")}
cells = [[NETWORKS[name], CRITERIA[c], f"{100 * e[0.5]:.2f}%", f"{100 * e[0.25]:.2f}%"] for name, by in at.items() for c, e in by.items()]
display(plots.table(cells, ["network", "criterion", "50% of the FLOPs", "25% of the FLOPs"], caption="test error at 50% / 25% of the FLOPs"))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the table reads the curves at half and a quarter of the FLOPs; random is the worst everywhere. Ask the room: which criterion would you pick from this table alone? Time: 1 min.

# %% slideshow={"slide_type": "subslide"}
for name, by in at.items():
    assert by["taylor"][0.25] < by["random"][0.25] and by["weight"][0.25] < by["random"][0.25]  # ranking matters
    n = trajectories["settings"]["schedule"][name]["test_images"] or 10_000
    t, w = by["taylor"][0.25], by["weight"][0.25]
    se = (train.standard_error(t, n) ** 2 + train.standard_error(w, n) ** 2) ** 0.5  # of the difference
    verdict = "within noise" if abs(t - w) < 2 * se else ("Taylor ahead" if t < w else "min weight ahead")
    print(f"{NETWORKS[name]} at 25% of the FLOPs ({n:,} test images): Taylor {100 * t:.2f}%, min weight {100 * w:.2f}%,\n"
          f"  difference {100 * (w - t):+.2f} points, standard error {100 * se:.2f}: {verdict}")


# %% [markdown] slideshow={"slide_type": "fragment"}
# Any sensible ranking beats random once a quarter of the FLOPs is left. Between Taylor and the
# minimum weight, the lines above say which is ahead, and whether the difference is more than two
# standard errors (a smaller one is noise: these curves are measured on a few thousand test
# images, only to be drawn and compared, never to choose anything). The paper's gap
# (min weight 0.27 against Taylor 0.73) was measured on VGG-16 fine-tuned on Birds-200, where
# the weights of a network trained on ImageNet say little about the new task; we cannot run
# that here, and do not claim it.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the printed lines compare Taylor with the minimum weight at a quarter of the FLOPs. LeNet-5: Taylor 1.45% / 1.75%, min weight 1.40% / 1.65%, Taylor + FLOPs 1.45% / 1.55%: all within noise (2,000 test images; the printed standard error of the Taylor - min weight difference at 25% is 0.41 points). LeNet-300-100: min weight is lower at half the FLOPs (2.02% against Taylor's 2.24%), Taylor at a quarter (3.90% against 4.80%: 0.90 points, standard error 0.29, Taylor ahead). So no criterion holds longest everywhere on these small networks; the paper's clear Taylor win is on VGG-16 fine-tuned to Birds-200. Ask the room: why can the minimum weight do well here but not on VGG-16 fine-tuned to birds? (here the weights were learned for this very task; VGG-16's for ImageNet). Quote: Molchanov et al. 2017, Fig. 4. Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 5.3 (2 points): the maps to remove next
#
# Write `maps_to_remove(scores, count)`: `scores` is `{layer name: 1-D tensor of scores}`.
# Normalize each layer's scores by their own L2 norm (exercise 5.2), then return the `count`
# pairs `(layer name, map index)` with the lowest normalized scores over all layers, never
# taking a layer's last remaining map (fewer than `count` pairs if that stops you).
#
# The cell below checks your function on cases of its own against coursekit's `structured.lowest_maps`.

# %% nbgrader={"grade": false, "grade_id": "maps_to_remove", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def maps_to_remove(scores, count):
    """The ``count`` (layer, index) pairs of lowest layer-normalized score; no layer emptied."""
    ### BEGIN SOLUTION
    ranked = sorted(
        (s, name, k) for name, layer in scores.items() for k, s in enumerate(l2_normalize(layer).tolist())
    )
    left = {name: len(layer) for name, layer in scores.items()}
    chosen = []
    for _, name, k in ranked:
        if len(chosen) < count and left[name] > 1:
            chosen.append((name, k))
            left[name] -= 1
    return chosen
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_maps_to_remove", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_maps_to_remove(maps_to_remove)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. The payoff: a smaller dense network
#
# `structured.shrink` does the surgery: each layer loses the rows of its removed maps, the next
# layer the matching input columns (for the first fully connected layer, a block of 4 x 4 inputs
# per map). We take the smallest network on the Taylor trajectory whose **validation** error
# (the 5,000 images held out of training) is within 0.5 points of the start's, fine-tune it for
# one epoch, and save it with safetensors. Its test error is then read once, with its standard error.

# %% slideshow={"slide_type": "fragment"}
print(small)

# %% slideshow={"slide_type": "fragment"}
payoff = trajectories["payoff"]
taylor = trajectories["lenet5"]["taylor"]
tolerance = trajectories["settings"]["payoff_tolerance"]
print(f"chosen on validation: step {payoff['step']} of the Taylor trajectory, the last within {100 * tolerance:.1f} points\n"
      f"of the start ({100 * taylor[payoff['step']]['val_error']:.2f}% against {100 * taylor[0]['val_error']:.2f}%); "
      f"after one epoch of fine-tuning {100 * payoff['val_error']:.2f}%")
limit = taylor[0]["val_error"] + tolerance + 1e-9
assert payoff["step"] == max(i for i, p in enumerate(taylor) if p["val_error"] <= limit)  # chosen on validation
dense_error, small_error = train.evaluate(dense), train.evaluate(small)
rows = {"dense LeNet-5": (dense, dense_error), "feature maps removed": (small, small_error)}
for name, (net, error) in rows.items():
    se = train.standard_error(error, 10_000)
    print(f"{name:22s} {network.count_parameters(net):8,d} parameters  {network.flops(net) / 1e6:5.2f} MFLOPs  "
          f"test error {100 * error:.2f}% +- {100 * se:.2f}")
speedup = network.flops(dense) / network.flops(small)
change = (small_error - dense_error) / train.standard_error(small_error, 10_000)
print(f"{speedup:.1f}x fewer FLOPs, {network.count_parameters(dense) / network.count_parameters(small):.1f}x fewer parameters, "
      f"test error {100 * (small_error - dense_error):+.2f} points ({change:+.1f} standard errors)")
assert abs(small_error - payoff["test_error"]) < 1e-9  # the file holds what reproduce measured
assert speedup > 3

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Why: wall-clock timings (measured in section 1) vary from run to run; benchmarks/bench_structured.py measures them carefully.
before, after = latency["dense LeNet-5"], latency["feature maps removed"]
print(f"CPU latency per 256 images: {before:.2f} ms -> {after:.2f} ms ({before / after:.1f}x faster)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: after surgery the network is dense and smaller in every tensor: fewer parameters, fewer FLOPs, measured faster on a CPU. Ask the room: which layer lost the most maps, and why? Quote: Molchanov et al. 2017, Table 3 (speed-ups measured). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# It is an ordinary PyTorch model: written out by hand, with the channel counts read from the
# file, it loads with `load_state_dict` and predicts exactly what the rebuilt network predicts.

# %% slideshow={"slide_type": "fragment"} tags=["show-input"]
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "lenet5_small.safetensors"
    save_file(small.state_dict(), path)
    state = load_file(path)
c1, c2 = state["0.weight"].shape[0], state["2.weight"].shape[0]
plain = nn.Sequential(
    nn.Conv2d(1, c1, 5), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 5), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(c2 * 16, 500), nn.ReLU(), nn.Linear(500, 10),
)
plain.load_state_dict(state)
images, _ = load_mnist("test")
same = (train.predict(plain, images) == train.predict(small, images)).all().item()
print(f"conv1 {c1} maps, conv2 {c2} maps; same predictions on the 10,000 test images: {same}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the pruned network is an ordinary PyTorch model: written by hand with the channel counts from the file, it predicts exactly the same. Ask the room: what would you need to deploy it? (nothing special: it is dense). Time: 1 min.

# %% slideshow={"slide_type": "skip"}
assert same


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 5.4 (2 points): surgery on two layers
#
# Write `remove_units(first, second, keep)`: `first` is `nn.Linear(m, h)`, `second` is
# `nn.Linear(h, p)`, `keep` a boolean tensor of the `h` hidden units. Return two new `nn.Linear`
# layers without the removed units: `first` loses their rows and biases, `second` their input
# columns (its bias stays).
#
# The cell below checks your function on cases of its own against coursekit's `structured.shrink`.

# %% nbgrader={"grade": false, "grade_id": "remove_units", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def remove_units(first, second, keep):
    """New (first, second) nn.Linear pair without the hidden units where ``keep`` is False."""
    ### BEGIN SOLUTION
    kept = int(keep.sum())
    new_first = torch.nn.Linear(first.in_features, kept)
    new_second = torch.nn.Linear(kept, second.out_features)
    with torch.no_grad():
        new_first.weight.copy_(first.weight[keep])
        new_first.bias.copy_(first.bias[keep])
        new_second.weight.copy_(second.weight[:, keep])
        new_second.bias.copy_(second.bias)
    return new_first, new_second
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_remove_units", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_remove_units(remove_units)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. Slider: how many feature maps to keep
#
# Drag the fraction of LeNet-5's 70 conv maps kept; the panel shows the step of the Taylor
# trajectory that keeps at most that fraction: maps per layer, test error (first 2,000 test
# images), FLOPs, and the CPU latency of the rebuilt network **measured when it was precomputed**
# (`python -m coursekit.reproduce structured`), not now: see the comparison below the panel.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Why: a widget (its display is interactive); the next cell drives it from Python.
panel = widgets.structured_panel()
display(panel.widget)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: drag the slider: the panel jumps to the step of the Taylor trajectory that keeps at most
# that fraction of the 70 conv maps, with its maps per layer, test error, FLOPs and the latency
# measured when it was precomputed. Ask the room: where does the error start to climb?
# Time: 1 min.

# %% slideshow={"slide_type": "subslide"}
points = trajectories["lenet5"]["taylor"]
lowest = sum(points[-1]["kept"].values()) / 70
for kept in [1.0, 0.75, 0.5, 0.25, lowest]:
    shown = panel.update(kept=kept)
    print(f"kept {kept:.2f}: conv1 {shown['kept']['conv1']:2d}/20, conv2 {shown['kept']['conv2']:2d}/50, "
          f"test error {100 * shown['error']:.2f}%, {shown['flops'] / 1e6:.2f} MFLOPs, {shown['latency_ms']:.1f} ms per 256 images")
assert panel.update(kept=1.0)["flops"] == 4_586_000

# %% [markdown] slideshow={"slide_type": "fragment"}
# The panel's milliseconds and section 1's are two measurements of the same networks at different
# moments: section 1 timed them just now, on this machine as loaded as it is now; the panel shows
# what `reproduce` timed when it ran (the threads it used are in the data). Wall-clock times
# change with the machine, its load and the number of threads: do not compare milliseconds from
# two runs. Even the ratio (dense over pruned) moves on a busy machine; the FLOPs ratio of
# section 4 does not, and `benchmarks/bench_structured.py` times both networks carefully.

# %% slideshow={"slide_type": "fragment"}
# NBVAL_IGNORE_OUTPUT
# Why: wall-clock timings vary from run to run and machine to machine.
step = payoff["step"]
then = taylor[0]["latency_ms"], taylor[step]["latency_ms"]
now = latency["dense LeNet-5"], latency["feature maps removed"]
print(f"precomputed ({trajectories['settings']['latency_threads']} threads): dense {then[0]:.1f} ms, step {step} {then[1]:.1f} ms, "
      f"{then[0] / then[1]:.1f}x faster")
print(f"section 1, just now ({torch.get_num_threads()} threads): dense {now[0]:.1f} ms, rebuilt {now[1]:.1f} ms, {now[0] / now[1]:.1f}x faster")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the printed lines are the panel at five settings; do not compare the panel's milliseconds
# with section 1's, only the FLOPs ratio is stable. Time: 0.5 min.
# Speaker notes: the paper's headline is a 3D-CNN for gesture recognition pruned from 37.8 to
# 3.0 GFLOPs (12.6x) for a 2.5% accuracy drop. Its FLOPs regularization
# Theta - lambda * FLOPs_l (lambda = 1e-3) prefers maps of expensive layers: show the
# taylor+flops curve of section 3 (our lambda is per MFLOP, the paper does not give its unit).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 5. How many maps to keep: five settings
#
# Without a kernel (the static slides) the panel cannot move: here it is at five steps of the
# trajectory, one per press of the right arrow.

# %% slideshow={"slide_type": "-"}
# NBVAL_IGNORE_OUTPUT
# (pictures; the numbers are printed below)
plots.frames(
    panel,
    [{"kept": k} for k in (1.0, 0.75, 0.5, 0.25, lowest)],
    lambda setting, shown: f"{100 * setting['kept']:.0f}% of the maps kept: test error {100 * shown['error']:.2f}%, {shown['flops'] / 1e6:.2f} MFLOPs",
    restore={"kept": 1.0},
)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one frame per step of the Taylor trajectory: the FLOPs fall much faster than the error
# rises until the last steps. Ask the room: which layer gives up its maps first? Quote: Molchanov
# et al. 2017, Fig. 1. Time: 1.5 min.


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Removing whole feature maps (or neurons) keeps the network dense: it runs faster on any
#   hardware, unlike unstructured sparsity.
# - The Taylor criterion |mean(z dC/dz)| estimates the change of the loss when a map is removed,
#   from one forward and backward pass; it tracks the oracle on every layer, though on our small
#   LeNets the plain minimum weight is not far behind, or ahead (section 2).
# - Scores are l2-normalized per layer so that layers compete fairly; FLOPs regularization makes
#   maps of expensive layers go first.
# - Prune a few maps, fine-tune, repeat; then rebuild a smaller dense network (surgery).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: structured pruning gives a smaller dense network and a real speed-up; the Taylor criterion is cheap and close to the oracle; prune iteratively with fine-tuning. Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
#
# 1. Why is |mean over positions of z dC/dz| the first-order change of the loss when a map is set to zero?
#
#    <details><summary>Answer</summary>
#
#    Setting z to 0 changes it by -z; the first-order Taylor term of C is then -sum dC/dz z, so its magnitude (averaged) estimates |C(z = 0) - C|.
#
#    </details>
#
# 2. Why take the absolute value before averaging over examples, not after?
#
#    <details><summary>Answer</summary>
#
#    Per example the change can be positive or negative; averaging first lets opposite signs cancel and makes an important map look unimportant.
#
#    </details>
#
# 3. What goes wrong without the per-layer normalization?
#
#    <details><summary>Answer</summary>
#
#    Layers differ in scale (number of maps, activation sizes): one layer's raw scores can all lie below another's, so it would be emptied first.
#
#    </details>
#
# 4. After removing hidden unit k of fc1, which tensors of fc2 change?
#
#    <details><summary>Answer</summary>
#
#    Column k of fc2's weight goes; fc2's bias and its output rows stay.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one minute on the questions, then reveal. Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
#
# - P. Molchanov, S. Tyree, T. Karras, T. Aila, J. Kautz. *Pruning Convolutional Neural Networks
#   for Resource Efficient Inference.* ICLR 2017. arXiv:1611.06440 (the Taylor criterion, Eq. 8;
#   Table 2; the FLOPs regularization)
# - H. Hu, R. Peng, Y.-W. Tai, C.-K. Tang. *Network Trimming: A Data-Driven Neuron Pruning
#   Approach towards Efficient Deep Architectures.* arXiv:1607.03250, 2016 (APoZ)
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (unstructured pruning, notebook 01; FLOPs of Table 3)
# - S. Han, X. Liu, H. Mao, J. Pu, A. Pedram, M. A. Horowitz, W. J. Dally. *EIE: Efficient
#   Inference Engine on Compressed Deep Neural Network.* ISCA 2016. arXiv:1602.01528 (sparse hardware)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proceedings of the IEEE 86(11):2278-2324, 1998 (LeNet-300-100, LeNet-5, MNIST)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Molchanov et al. is the method of this chapter; APoZ comes from Hu et al.; Han et al. is the unstructured pruning it is compared with, EIE the hardware that makes sparsity pay. Time: 0.5 min (point to it, do not read it).
