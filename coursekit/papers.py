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

# Han's lecture slides, citing C. A. Walsh, Nature 502:172 (2013): synapses in a human brain.
SYNAPSES_TRILLIONS = {"newborn": 50, "1 year old": 1000, "adolescent": 500}

# LWC Table 1 (pruning only): top-1 error reference -> pruned, parameters reference -> pruned.
LWC_TABLE1 = {
    "lenet_300_100": {"error": (0.0164, 0.0159), "params": (267e3, 22e3), "rate": 12},
    "lenet5": {"error": (0.0080, 0.0077), "params": (431e3, 36e3), "rate": 12},
    "alexnet": {"error": (0.4278, 0.4277), "params": (61e6, 6.7e6), "rate": 9},
    "vgg16": {"error": (0.3150, 0.3134), "params": (138e6, 10.3e6), "rate": 13},
}

# DC Table 1: top-1 error reference -> compressed, size in KB reference -> compressed.
DC_TABLE1 = {
    "lenet_300_100": {"error": (0.0164, 0.0158), "kb": (1070, 27), "rate": 40},
    "lenet5": {"error": (0.0080, 0.0074), "kb": (1720, 44), "rate": 39},
    "alexnet": {"error": (0.4278, 0.4278), "kb": (240e3, 6.9e3), "rate": 35},
    "vgg16": {"error": (0.3150, 0.3117), "kb": (552e3, 11.3e3), "rate": 49},
}
