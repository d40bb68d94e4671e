"""The two networks of the papers' MNIST experiments, and their trained baselines.

Han et al. (2015) and Han, Mao, Dally (2016) prune and compress LeNet-300-100 (267K weights) and
Caffe's LeNet-5 (431K weights). The baselines trained by ``python -m coursekit.train`` are stored
in ``data/weights/`` as safetensors files (no pickle), each with a JSON of its test error,
epochs, seed and torch version.
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "data" / "weights"


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


def count_parameters(model):
    """Number of scalar parameters (weights and biases) of ``model``."""
    return sum(p.numel() for p in model.parameters())


def weights_path(name, root=WEIGHTS_DIR):
    return Path(root) / f"{name}.safetensors"


def save_weights(model, name, info, root=WEIGHTS_DIR):
    """Write ``model``'s state dict to ``root/name.safetensors`` and ``info`` to ``name.json``."""
    Path(root).mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, weights_path(name, root))
    (Path(root) / f"{name}.json").write_text(json.dumps(info, indent=2) + "\n")


def baseline_info(name, root=WEIGHTS_DIR):
    """The JSON written beside a baseline: test error, epochs, seed, torch version, ..."""
    return json.loads((Path(root) / f"{name}.json").read_text())


def pretrained(name, root=WEIGHTS_DIR):
    """The trained baseline ``name`` (``"lenet_300_100"`` or ``"lenet5"``), in eval mode.

    The weights are read with safetensors, which cannot run code (no pickle).
    """
    model = build(name)
    path = weights_path(name, root)
    if not path.is_file():
        raise FileNotFoundError(
            f"baseline weights {path} are missing: restore them with `git checkout -- {path.name}` "
            f"in data/weights/, or retrain them with `python -m coursekit.train {name}`."
        )
    model.load_state_dict(load_file(path))
    return model.eval()


def device():
    """CUDA when present, else the CPU. The course never needs a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
