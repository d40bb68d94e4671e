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
# # Why compress neural networks?
#
# Deep networks now run where there is no data centre:
#
# - **phone apps**: photo search, speech, translation, on the device, offline;
# - **self-driving cars**: many cameras, every frame, with a hard deadline;
# - **VR and AR headsets**: tracking and rendering on a battery strapped to your head.
#
# Three problems follow them there:
#
# | problem | why it hurts |
# |---|---|
# | **delay** | a round trip to a server is too slow for a car's brake or a headset's frame |
# | **memory** | app stores cap download sizes; a 500 MB model does not ship in an app |
# | **energy** | the battery; and most of the energy goes to moving weights, not computing |
#
# This notebook puts a number on each: energy from the paper's 45 nm table, memory from the
# architectures, delay measured on this computer's CPU.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: networks now run on phones, in cars and headsets, away from the data centre; three problems follow them there: delay, memory, energy. Ask the room: who has a phone app that recognizes faces or speech offline? How big may its model be? Quote: Han et al. 2015, Introduction (app stores, battery). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Before you start
#
# **You will learn to**
#
# - say why reading weights from DRAM, not arithmetic, dominates a network's energy;
# - count a network's parameters and its size in megabytes;
# - compare a model with the on-chip memory of a mobile chip;
# - measure the delay of one inference and of a batch, and say what batching does and does not buy.
#
# **Prerequisites:** Python, and PyTorch's `nn.Module`, tensors and `model.parameters()`.
#
# **Time:** about 20 minutes to read and run, plus 3 exercises (about 15 minutes).
#
# **Exercises.** Each `Exercise` cell asks for one step of the method, a short function whose body
# is `raise NotImplementedError()`: replace it with your code and run the cell below it, which checks
# your function on cases of its own and prints `passed N cases`, or the first case that fails with a
# hint (`not done yet` while the body is unchanged). The rest of the notebook does not need your
# answers: it uses coursekit's own implementation. The solutions are in the instructor notebook of
# the same name in `notebooks/`, one folder away from your copy in `release/notebooks/`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: what the chapter teaches and how the exercises work (a check cell under each). In a lecture, skip it in 15 s; students read it at home. Time: 0.5 min.

# %% slideshow={"slide_type": "skip"}
import statistics
import time

import matplotlib.pyplot as plt
import torch
import torchvision

import coursekit
from coursekit import checks, models, network, papers, plots, train
from coursekit.data import load_mnist
from coursekit.experiments import baselines

coursekit.set_language("en")  # the language of what coursekit prints (the Russian edition says "ru")
plots.style()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Energy: memory access dominates
#
# The energy of one operation in a 45 nm process (Horowitz, as quoted by Han et al. 2015).
# Reading a 32-bit word from off-chip DRAM costs **640 pJ**: more than a hundred times an on-chip
# SRAM read and over six thousand times an integer add.

# %% slideshow={"slide_type": "fragment"}
# the bars' labels: papers.ENERGY_PJ's keys, written out so that a translation can change them
labels = {
    "32-bit int add": "32-bit int add",
    "32-bit float add": "32-bit float add",
    "32-bit register file": "32-bit register file",
    "32-bit int mult": "32-bit int mult",
    "32-bit float mult": "32-bit float mult",
    "32-bit SRAM read": "32-bit SRAM read",
    "32-bit DRAM read": "32-bit DRAM read",
}
assert list(labels) == list(papers.ENERGY_PJ)
fig, ax = plt.subplots(figsize=(7, 3))
plots.log_barh(ax, list(labels.values()), list(papers.ENERGY_PJ.values()), "energy per operation (pJ), paper's figures", highlight={labels["32-bit DRAM read"]})
ax.set_title("Energy table (45 nm), quoted from Han et al. 2015")
plt.show()

# %% slideshow={"slide_type": "fragment"}
ratio_sram = papers.ENERGY_PJ["32-bit DRAM read"] / papers.ENERGY_PJ["32-bit SRAM read"]
ratio_add = papers.ENERGY_PJ["32-bit DRAM read"] / papers.ENERGY_PJ["32-bit int add"]
print(f"DRAM read / SRAM read = {ratio_sram:.0f}x,  DRAM read / int add = {ratio_add:.0f}x")
assert ratio_sram > 100 and ratio_add > 6000

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the bar that matters is the red one: 640 pJ for one 32-bit DRAM read, against 5 pJ from SRAM and 0.1 pJ for an integer add (log scale!). Ask the room: where does the energy of a big network go, arithmetic or moving weights? Quote: Han et al. 2015, Fig. 1 / Table 1 (Horowitz's 45 nm energy table). Time: 2 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A worked example: 12.8 W just to fetch the weights
#
# A network with one billion connections, run at 20 frames per second, with every weight read
# from DRAM once per frame:
#
# $$ 20\ \text{Hz} \times 10^9 \times 640\ \text{pJ} = 12.8\ \text{W} $$
#
# A phone's whole power budget is a few watts. This is the paper's example; here is the sum.

# %% slideshow={"slide_type": "fragment"}
ex = papers.DRAM_EXAMPLE
watts = ex["hz"] * ex["connections"] * papers.ENERGY_PJ["32-bit DRAM read"] * 1e-12
print(f"{ex['hz']} Hz x {ex['connections']:.0e} connections x 640 pJ = {watts:.1f} W")
assert abs(watts - ex["watts"]) < 1e-9


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: do the sum aloud: 20 frames a second x a billion connections x 640 pJ = 12.8 W, several times a phone's whole budget, just to fetch weights. Ask the room: what could bring this down? (fewer weights, fewer bits, weights on chip). Quote: Han et al. 2015, Sec. 1 (the 12.8 W example). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 0.1 (1 point): the energy of one inference, weights from DRAM
#
# One inference of a fully connected network reads every weight once. If each weight comes from
# off-chip DRAM, how many **joules** does that cost? Use the 45 nm table above
# (`papers.ENERGY_PJ`, in picojoules; 1 pJ = 1e-12 J). For LeNet-300-100 (266,610 parameters)
# you should get about 0.17 mJ, so 20 inferences a second would already spend 3.4 mW on DRAM
# alone.
#
# The cell below checks your function on cases of its own against coursekit's `papers.ENERGY_PJ`.

# %% nbgrader={"grade": false, "grade_id": "dram_energy_joules", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def dram_energy_joules(n_weights):
    """Energy in joules to read ``n_weights`` 32-bit weights once each from DRAM."""
    ### BEGIN SOLUTION
    return n_weights * papers.ENERGY_PJ["32-bit DRAM read"] * 1e-12
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_dram_energy_joules", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_dram_energy_joules(dram_energy_joules)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Memory: how big are the networks?
#
# Parameter counts come from the architectures themselves: the two LeNets of this course and
# torchvision's AlexNet and VGG-16, built on PyTorch's `meta` device (shapes only, no memory,
# no weights downloaded). At 32 bits a weight, the size is 4 bytes per parameter.

# %% slideshow={"slide_type": "fragment"}
builders = {
    "LeNet-300-100": models.lenet_300_100,
    "LeNet-5": models.lenet5,
    "AlexNet": lambda: torchvision.models.alexnet(weights=None),
    "VGG-16": lambda: torchvision.models.vgg16(weights=None),
}
params = {}
for name, build in builders.items():
    with torch.device("meta"):
        params[name] = network.count_parameters(build())
    print(f"{name:14s} {params[name]:>12,d} parameters  {params[name] * 4 / 2**20:8.1f} MB at fp32")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: parameter counts straight from the architectures (meta device: no weights downloaded); 4 bytes each at fp32: AlexNet 233 MB, VGG-16 528 MB. Ask the room: which layers hold most of AlexNet's parameters? (the fully connected ones). Quote: Deep Compression, Table 1 (the original sizes). Time: 1.5 min.

# %% slideshow={"slide_type": "skip"}
# The figures the papers give: 267K, 431K, 61M, 138M.
assert params["LeNet-300-100"] == 266_610 and params["LeNet-5"] == 431_080
assert round(params["AlexNet"] / 1e6, 1) == 61.1 and round(params["VGG-16"] / 1e6, 1) == 138.4


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 0.2 (1 point): count a network's parameters
#
# Write `count_parameters(model)`: the number of scalar parameters of any `nn.Module`, weights
# **and** biases, of every kind of layer (convolutions, linear layers, batch norms ...). The
# table above was printed by coursekit's `network.count_parameters`; yours must agree with it.

# %% nbgrader={"grade": false, "grade_id": "count_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def count_parameters(model):
    """Number of scalar parameters (weights and biases) of ``model``."""
    ### BEGIN SOLUTION
    return sum(p.numel() for p in model.parameters())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_count_parameters", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_count_parameters(count_parameters)


# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 0.3 (1 point): from parameters to megabytes
#
# Write `fp32_megabytes(n_parameters)`: the size in MB of `n_parameters` stored as 32-bit
# floats, where 1 MB = 2**20 bytes as in the table above (AlexNet: 233 MB).

# %% nbgrader={"grade": false, "grade_id": "fp32_megabytes", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def fp32_megabytes(n_parameters):
    """Size in MB (2**20 bytes) of ``n_parameters`` 32-bit floats."""
    ### BEGIN SOLUTION
    return n_parameters * 4 / 2**20
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "check_fp32_megabytes", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
checks.check_fp32_megabytes(fp32_megabytes)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Against the on-chip memory
#
# On-chip SRAM is cheap to read (5 pJ) but small. We assume **8 MB** as an order of magnitude
# for a mobile chip's on-chip memory (an assumption, not a paper's figure: change it and re-run).
# The LeNets fit with room to spare; AlexNet and VGG-16 are 29 and 66 times too big, so every
# weight comes from DRAM at 640 pJ. Compression is what moves a model across that line.

# %% slideshow={"slide_type": "fragment"}
SRAM_MB = 8
sizes_mb = {name: n * 4 / 2**20 for name, n in params.items()}
fig, ax = plt.subplots(figsize=(7, 2.6))
plots.log_barh(ax, list(sizes_mb), [round(v, 2) for v in sizes_mb.values()], "fp32 model size (MB)", highlight={n for n, v in sizes_mb.items() if v > SRAM_MB})
ax.axvline(SRAM_MB, color="k", ls="--")
ax.text(SRAM_MB * 1.15, 0, f"{SRAM_MB} MB on-chip SRAM", va="center")  # in the LeNet-300-100 row, right of its short bar
plt.show()
too_big = {name: round(v / SRAM_MB) for name, v in sizes_mb.items() if v > SRAM_MB}
print("times too big for the SRAM:", too_big)
assert too_big == {"AlexNet": 29, "VGG-16": 66}

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: 8 MB of SRAM is our assumption for a mobile chip; the LeNets fit, AlexNet and VGG-16 are 29x and 66x too big, so every weight comes from DRAM. Ask the room: by how much must AlexNet shrink to fit? (about 30x: Deep Compression reaches 35x). Quote: Deep Compression, Sec. 1 (fitting in on-chip SRAM). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Delay: how long does one inference take?
#
# A car's brake or a headset's next frame waits for **one** input: the time of one forward pass. A
# server collects a **batch** and runs it at once: cheaper per image, but the first image waits for
# the whole batch. Timed on one core of this computer's CPU, median of several runs after a warm-up
# run, with random weights (the time does not depend on their values; nothing is downloaded). We
# count the CPU time the computation takes (`time.thread_time`), not the wall clock, so that other
# programs on a shared machine do not inflate it; on a device doing nothing else the two agree.
# Your milliseconds will differ from ours: the checks test only their order.

# %% slideshow={"slide_type": "fragment"}
def latency_seconds(model, inputs, runs):
    """Median CPU time in seconds of ``model(inputs)`` on one thread, over ``runs`` runs after one warm-up run."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core: the computation runs in this thread, so thread_time sees all of it
    model.eval()
    try:
        with torch.inference_mode():
            model(inputs)  # warm-up: the first call allocates memory and picks its kernels
            times = []
            for _ in range(runs):
                start = time.thread_time()
                model(inputs)
                times.append(time.thread_time() - start)
    finally:
        torch.set_num_threads(threads)
    return statistics.median(times)


BATCH = 256
FRAME_MS = 1000 / 30  # one frame of a 30 frames-per-second camera: 33 ms
torch.manual_seed(0)
timed = {  # name: (network with random weights, shape of one input)
    "LeNet-300-100": (models.lenet_300_100(), (1, 28, 28)),
    "LeNet-5": (models.lenet5(), (1, 28, 28)),
    "AlexNet": (torchvision.models.alexnet(weights=None), (3, 224, 224)),
}
one_ms, batch_ms = {}, {}
for name, (model, shape) in timed.items():
    one_ms[name] = 1e3 * latency_seconds(model, torch.randn(1, *shape), runs=20)
    batch_ms[name] = 1e3 * latency_seconds(model, torch.randn(BATCH, *shape), runs=3)
    print(f"{name:14s} one image {one_ms[name]:8.3f} ms   a batch of {BATCH}: {batch_ms[name]:9.1f} ms ({batch_ms[name] / BATCH:.4f} ms an image)")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: delay is what a car or a headset feels: the time of one forward pass. Read the printed times: the LeNets answer in a fraction of a millisecond, AlexNet in milliseconds to tens of milliseconds, a real share of a 33 ms camera frame, on a CPU that does nothing else. Ask the room: what else would this CPU have to do in the same 33 ms? Quote: Han's lecture (the problem list: delay, memory, energy). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One image against a batch

# %% slideshow={"slide_type": "-"}
fig, ax = plt.subplots(figsize=(8, 3.2))
bars = {f"{name}, {what}": ms for name in timed for what, ms in (("1 image", one_ms[name]), (f"{BATCH} images", batch_ms[name]))}
plots.log_barh(ax, list(bars), [float(f"{ms:.2g}") for ms in bars.values()], "time of one forward pass (ms), one CPU core", highlight={f"AlexNet, {BATCH} images"})
plt.show()
for name in timed:
    print(f"{name:14s} per image, a batch of {BATCH} is {one_ms[name] / (batch_ms[name] / BATCH):.1f}x cheaper than one image at a time")
print(f"AlexNet's batch of {BATCH} lasts as long as {batch_ms['AlexNet'] / FRAME_MS:.0f} camera frames at 30 fps")

# %% slideshow={"slide_type": "-"} tags=["check"]
assert one_ms["LeNet-300-100"] < one_ms["LeNet-5"] < one_ms["AlexNet"]  # more work, more delay
assert batch_ms["LeNet-300-100"] < batch_ms["LeNet-5"] < batch_ms["AlexNet"]
assert one_ms["AlexNet"] > 10 * one_ms["LeNet-5"]
for name in ("LeNet-300-100", "LeNet-5"):  # a small network's single pass is mostly fixed overhead
    assert batch_ms[name] / BATCH < one_ms[name], name
assert batch_ms["AlexNet"] > FRAME_MS  # the batch makes its first image wait far longer than a frame

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: batching makes each image cheaper, most of all for the small LeNets, whose single pass is mostly fixed overhead; but the batch's first image waits for all of it, and AlexNet's batch of 256 lasts seconds, many camera frames. Ask the room: why can a phone not simply batch its camera frames? Time: 1 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Our two baselines
#
# Every chapter starts from the same two trained networks, shipped with the course in
# `data/weights/` (safetensors: loading them runs no code).
# `python -m coursekit.train lenet5 --out my_lenet5.safetensors` (or `lenet_300_100`) retrains one
# from scratch with a fixed seed and writes it to that file, its JSON (errors, recipe, seed) beside
# it. Without `--out` it stops: the shipped file is overwritten only with `--force`, which replaces
# the baseline that every chapter's precomputed results were made from; `--no-save` writes nothing.
# Both networks learn from 55,000 of MNIST's 60,000 training images; the other 5,000 are the
# **validation** split, on which the training choices were made (when to stop; the learning rate
# too, where more than one was tried: the lines below say which).
# The 10,000 **test** images only report: each network's test error, once, with its standard
# error $\sqrt{e(1-e)/10^4}$, beside the papers' 1.64% and 0.80%.

# %% slideshow={"slide_type": "fragment"}
display_names = {"lenet_300_100": "LeNet-300-100", "lenet5": "LeNet-5"}
paper_error = {"lenet_300_100": papers.LWC_TABLE1["lenet_300_100"]["error"][0], "lenet5": papers.LWC_TABLE1["lenet5"]["error"][0]}
for name, reference in paper_error.items():
    info = baselines.baseline_info(name)
    error = train.evaluate(baselines.pretrained(name), "test")
    standard_error = (error * (1 - error) / 10_000) ** 0.5
    verdict = "below" if error < reference else "not below"
    print(
        f"{display_names[name]:14s} test error {100 * error:.2f}% +- {100 * standard_error:.2f} (paper's {100 * reference:.2f}%: "
        f"ours is {verdict} it, by {abs(error - reference) / standard_error:.1f} standard errors)"
    )
    if len(info["lr_candidates"]) > 1:
        rate = f"lr {info['lr']}: best of {', '.join(map(str, info['lr_candidates']))} on validation"
    else:
        rate = f"lr {info['lr']}: the only one tried, fixed earlier on test"
    print(f"{'':14s} {rate}; epoch {info['epochs']} of {info['schedule_epochs']} kept (lowest validation error, {100 * info['val_error']:.2f}%)")
    assert error == info["test_error"]  # the shipped weights are the ones measured when they were made
    assert info["train_images"] == 55_000 and len(load_mnist("val")[1]) == 5_000  # the text's split
    assert (verdict == "below") == (error < reference)  # the sentence says what the numbers say

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: every chapter starts from the same two trained networks, shipped as safetensors; every choice in training them was made on 5,000 held-out validation images, and the test error is reported once, with its standard error, beside the paper's (read the printed lines: below or not). Ask the room: why choose on a validation split rather than on the test set? (a choice fitted to the test set makes its error look better than it is). Why compare compressed networks against our own baseline rather than the paper's number? Quote: Han et al. 2015, Table 1 (reference errors). Time: 1.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The course
#
# | notebook | what you will see |
# |---|---|
# | `01_pruning` | magnitude pruning and retraining: 12x fewer weights, and what it costs in accuracy; the synapse analogy |
# | `02_quantization` | k-means weight sharing: a few bits per weight, trained centroids |
# | `03_huffman` | Huffman coding and the whole Deep Compression pipeline, written to a real file |
# | `04_factorization` | low-rank layers, O(nm) -> O((n+m)d), and neural network matrix factorization |
# | `05_structured_pruning` | removing whole feature maps with the Taylor criterion: a real speed-up |
#
# The pruning, quantization and factorization chapters have live sliders: each move really prunes,
# quantizes or truncates the network and evaluates it, and you watch error, size and the weights
# change. The structured-pruning chapter's slider only steps through a precomputed trajectory
# (`python -m coursekit.reproduce structured`): nothing is pruned or measured when you move it. The
# Huffman chapter has no slider: it writes a real compressed file and reads it back.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes: open with a phone in hand. Ask how big the photo app's model may be, then show
# the energy table: the point is that fetching a weight from DRAM costs 640 pJ, so a smaller
# model is not only smaller, it is cheaper to run. Quote Han et al. 2015 for the 12.8 W example.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Fetching a 32-bit weight from DRAM costs 640 pJ, over 100 times an SRAM read: the energy of
#   a big network goes into moving weights, not computing with them.
# - AlexNet (61M parameters, 233 MB) and VGG-16 (138M, 528 MB) are far too big for a few MB of
#   on-chip memory, so every inference reads them from DRAM.
# - Delay grows with the work: on a CPU one AlexNet image takes more than 10 times a LeNet-5 image.
#   Batching makes each image cheaper, but the first image waits for the whole batch.
# - Compression is what brings a model into on-chip memory, and into an app's download size.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three sentences: DRAM reads dominate the energy; the big networks do not fit on chip; compression moves them across that line. Ask the room: recap question 2 below (10 million parameters: fits in 8 MB?). Time: 0.5 min.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Check your understanding
#
# 1. Why does the course count weights read from DRAM rather than multiply-adds?
#
#    <details><summary>Answer</summary>
#
#    A 32-bit DRAM read costs 640 pJ, a float multiply 3.7 pJ: the reads dominate by two orders of magnitude.
#
#    </details>
#
# 2. A network has 10 million parameters. How many MB is it at 32 bits, and does it fit in 8 MB of SRAM?
#
#    <details><summary>Answer</summary>
#
#    10e6 x 4 / 2**20 = 38.1 MB: about 5 times too big.
#
#    </details>
#
# 3. By how much must that network shrink to fit, and which chapters can get it there?
#
#    <details><summary>Answer</summary>
#
#    About 5x. Pruning (about 10x on fully connected layers), quantization to a few bits (8x at 4 bits) and Huffman coding multiply; Deep Compression gets 35-49x.
#
#    </details>
#
# 4. Does a smaller model file always make inference faster?
#
#    <details><summary>Answer</summary>
#
#    No. A sparse or quantized model saves memory and energy, but only structured pruning or low-rank layers (chapters 04 and 05) cut the dense FLOPs on ordinary hardware.
#
#    </details>

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: give the room 1 minute on questions 1-2, then reveal the answers. Time: 1 min (skip in the lecture if late).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## References
#
# - S. Han, J. Pool, J. Tran, W. J. Dally. *Learning both Weights and Connections for Efficient
#   Neural Networks.* NIPS 2015. arXiv:1506.02626 (the energy table, the 12.8 W example)
# - S. Han, H. Mao, W. J. Dally. *Deep Compression: Compressing Deep Neural Networks with
#   Pruning, Trained Quantization and Huffman Coding.* ICLR 2016. arXiv:1510.00149
# - M. Horowitz. *Computing's Energy Problem (and what we can do about it).* ISSCC 2014 (45 nm energies)
# - Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. *Gradient-Based Learning Applied to Document
#   Recognition.* Proc. IEEE 1998 (LeNet, MNIST)
# - A. Krizhevsky, I. Sutskever, G. E. Hinton. *ImageNet Classification with Deep Convolutional
#   Neural Networks.* NIPS 2012 (AlexNet)
# - K. Simonyan, A. Zisserman. *Very Deep Convolutional Networks for Large-Scale Image
#   Recognition.* ICLR 2015 (VGG-16)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the two papers of the course (pruning, then Deep Compression), Horowitz's energy table, and the four networks' own papers. Time: 0.5 min (point to it, do not read it).
