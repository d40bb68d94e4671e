"""The papers' own figures, quoted so the notebooks can print them beside our measurements.

Every number here is the paper's, not ours: label it "paper" wherever it is shown.
LWC = Han, Pool, Tran, Dally 2015, "Learning both Weights and Connections for Efficient Neural
Networks"; DC = Han, Mao, Dally 2016, "Deep Compression".
"""

# LWC Sec. 1 (Horowitz, 45 nm CMOS): energy of one operation, in picojoules.
ENERGY_PJ = {
    "32-bit int add": 0.1,
    "32-bit float add": 0.9,
    "32-bit register file": 1.0,
    "32-bit int mult": 3.1,
    "32-bit float mult": 3.7,
    "32-bit SRAM read": 5.0,
    "32-bit DRAM read": 640.0,
}

# LWC Sec. 1: "running a 1 billion connection neural network at 20 Hz would require
# (20 Hz)(1G)(640 pJ) = 12.8 W just for DRAM access".
DRAM_EXAMPLE = {"connections": 1e9, "hz": 20, "watts": 12.8}

# Han's lecture slides, citing C. A. Walsh, Nature 502:172 (2013): synapses in a human brain, by
# age. Three ages, not a time axis: at birth, at one year, and at ten years (the lecture's label for
# adolescence). Draw them as categories (bars), not joined by a line.
SYNAPSES_TRILLIONS = {"birth": 50, "1 year": 1000, "10 years": 500}

# LWC Table 1 (pruning only): top-1 error reference -> pruned, top-5 error reference -> pruned
# (ImageNet networks only; MNIST has 10 classes), parameters reference -> pruned.
LWC_TABLE1 = {
    "lenet_300_100": {"error": (0.0164, 0.0159), "params": (267e3, 22e3), "rate": 12},
    "lenet5": {"error": (0.0080, 0.0077), "params": (431e3, 36e3), "rate": 12},
    "alexnet": {"error": (0.4278, 0.4277), "top5": (0.1973, 0.1967), "params": (61e6, 6.7e6), "rate": 9},
    "vgg16": {"error": (0.3150, 0.3134), "top5": (0.1132, 0.1088), "params": (138e6, 10.3e6), "rate": 13},
}

# LWC Tables 2 and 3, per layer of the pruned LeNets: the fraction of the layer's input that is
# nonzero ("act%"), weights kept ("weights%") and FLOPs left ("FLOP%"), in percent. Layer names are
# ours: the paper's ip1, ip2, ip3 are our fc1, fc2, fc3. Caffe's LeNet-5 has no ReLU after its convs.
LWC_LAYER_TABLES = {
    "lenet_300_100": {
        "fc1": {"act": 38, "weights": 8, "flops": 8},
        "fc2": {"act": 65, "weights": 9, "flops": 4},
        "fc3": {"act": 100, "weights": 26, "flops": 17},
        "total": {"act": 46, "weights": 8, "flops": 8},
    },
    "lenet5": {
        "conv1": {"act": 82, "weights": 66, "flops": 66},
        "conv2": {"act": 72, "weights": 12, "flops": 10},
        "fc1": {"act": 55, "weights": 8, "flops": 6},
        "fc2": {"act": 100, "weights": 19, "flops": 10},
        "total": {"act": 77, "weights": 8, "flops": 16},
    },
}

# LWC Tables 4 and 5 (also in DC): weights kept per layer (%) of the pruned AlexNet and VGG-16, in
# the order of torchvision's layers (AlexNet conv1-5, fc6-8; VGG-16 conv1_1 ... conv5_3, fc6-8).
IMAGENET_KEEP_PERCENT = {
    "alexnet": [84, 38, 35, 37, 37, 9, 9, 25],
    "vgg16": [58, 22, 34, 36, 53, 24, 42, 32, 27, 34, 35, 29, 36, 4, 4, 23],
}

# DC Table 1: top-1 error reference -> compressed, size in KB reference -> compressed.
DC_TABLE1 = {
    "lenet_300_100": {"error": (0.0164, 0.0158), "kb": (1070, 27), "rate": 40},
    "lenet5": {"error": (0.0080, 0.0074), "kb": (1720, 44), "rate": 39},
    "alexnet": {"error": (0.4278, 0.4278), "kb": (240e3, 6.9e3), "rate": 35},
    "vgg16": {"error": (0.3150, 0.3117), "kb": (552e3, 11.3e3), "rate": 49},
}

# DC Tables 2-3, per layer: weights, weights% after pruning, weight bits P+Q
# and P+Q+H, index bits P+Q and P+Q+H, compress rate P+Q and P+Q+H (%). Layer names are ours:
# the paper's ip1, ip2, ip3 are our fc1, fc2, fc3.
DC_LAYER_TABLES = {
    "lenet_300_100": {
        "fc1": (235e3, 8, 6, 4.4, 5, 3.7, 3.1, 2.32),
        "fc2": (30e3, 9, 6, 4.4, 5, 4.3, 3.8, 3.04),
        "fc3": (1e3, 26, 6, 4.3, 5, 3.2, 15.7, 12.70),
        "total": (266e3, 8, 6, 5.1, 5, 3.7, 3.1, 2.49),
    },
    "lenet5": {
        "conv1": (0.5e3, 66, 8, 7.2, 5, 1.5, 78.5, 67.45),
        "conv2": (25e3, 12, 8, 7.2, 5, 3.9, 6.0, 5.28),
        "fc1": (400e3, 8, 5, 4.5, 5, 4.5, 2.7, 2.45),
        "fc2": (5e3, 19, 5, 5.2, 5, 3.7, 6.9, 6.13),
        "total": (431e3, 8, 5.3, 4.1, 5, 4.4, 3.05, 2.55),
    },
}

# Molchanov, Tyree, Karras, Aila, Kautz 2017, "Pruning Convolutional Neural Networks for Resource
# Efficient Inference": Spearman rank correlation of each criterion with the oracle ranking.
# VGG-16 fine-tuned on Birds-200, mean over layers ("per layer") and over all layers together
# with l2 normalization ("all layers"); AlexNet on ImageNet, per layer.
MOLCHANOV_SPEARMAN = {
    "vgg16 per layer": {
        "mutual info": 0.28,
        "min weight": 0.27,
        "mean activation": 0.56,
        "activation std": 0.57,
        "taylor": 0.73,
    },
    "vgg16 all layers": {
        "mutual info": 0.47,
        "min weight": 0.33,
        "mean activation": 0.64,
        "activation std": 0.66,
        "taylor": 0.73,
    },
    "alexnet per layer": {"min weight": 0.57, "mean activation": 0.11, "taylor": 0.58},
}

# DC Eq. 1 worked example (Sec. 3): 16 weights, 4 shared values, 32-bit floats -> 3.2x.
DC_EQ1_EXAMPLE = {"n": 16, "k": 4, "b": 32, "rate": 3.2}

# DC Table 6 (AlexNet on ImageNet): conv bits / fc bits -> top-1, top-5 error, after fine-tuning.
DC_TABLE6 = {
    (32, 32): (0.4278, 0.1973),
    (8, 5): (0.4278, 0.1970),
    (8, 4): (0.4279, 0.1973),
    (4, 2): (0.4477, 0.2233),
}

# DC per-layer tables, LeNet-300-100 after pruning + quantization: 6-bit weights, 5-bit relative
# indices, 3.1% of the 32-bit size (32x); with Huffman coding 2.49% (40x).
DC_LENET_300_100_PQ = {"weight_bits": 6, "index_bits": 5, "size_percent": 3.1, "rate": 32}

# Dziugaite & Roy 2015, "Neural Network Matrix Factorization": reported test RMSE of NNMF.
NNMF_RMSE = {"movielens_100k": "0.90-0.91", "movielens_1m": "0.84"}
