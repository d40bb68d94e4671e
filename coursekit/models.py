"""The two networks of the papers' MNIST experiments: the architectures only.

Han et al. (2015) and Han, Mao, Dally (2016) prune and compress LeNet-300-100 (267K weights) and
Caffe's LeNet-5 (431K weights). Their trained baselines are loaded by
``coursekit.experiments.baselines.pretrained(name)``.
"""

import torch
from torch import nn

__all__ = ["lenet_300_100", "lenet5", "ARCHITECTURES", "build", "device"]


def lenet_300_100():
    """LeNet-300-100: a 784-300-100-10 fully connected net with ReLU (266,610 parameters).

    Input: ``N x 1 x 28 x 28`` images; output: ``N x 10`` logits.
    """
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 300),
        nn.ReLU(),
        nn.Linear(300, 100),
        nn.ReLU(),
        nn.Linear(100, 10),
    )


def lenet5():
    """Caffe's LeNet-5 (431,080 parameters).

    conv 20@5x5 -> max-pool 2 -> conv 50@5x5 -> max-pool 2 -> fc 500 + ReLU -> fc 10, with no
    ReLU after the convolutions, as in Caffe's ``lenet_train_test.prototxt``.
    Input: ``N x 1 x 28 x 28`` images; output: ``N x 10`` logits.
    """
    return nn.Sequential(
        nn.Conv2d(1, 20, kernel_size=5),  # 20 x 24 x 24
        nn.MaxPool2d(2),  # 20 x 12 x 12
        nn.Conv2d(20, 50, kernel_size=5),  # 50 x 8 x 8
        nn.MaxPool2d(2),  # 50 x 4 x 4
        nn.Flatten(),
        nn.Linear(800, 500),
        nn.ReLU(),
        nn.Linear(500, 10),
    )


ARCHITECTURES = {"lenet_300_100": lenet_300_100, "lenet5": lenet5}


def build(name):
    """A freshly initialized model by name: ``"lenet_300_100"`` or ``"lenet5"``."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]()


def device():
    """CUDA when present, else the CPU. The course never needs a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
