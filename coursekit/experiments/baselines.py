"""The trained baselines every chapter starts from, and their recipes.

``python -m coursekit.reproduce baselines`` (or ``python -m coursekit.train MODEL``) retrains them
from scratch with a fixed seed; they are stored in ``data/weights/`` as safetensors files (no
pickle), each with a JSON of its test error, epochs, seed and torch version.
"""

import json
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .. import integrity, models, network, train
from . import DATA, folder

# The recipe of each baseline: SGD with momentum, cosine learning-rate decay, L2 weight decay.
RECIPES = {
    "lenet_300_100": dict(epochs=30, lr=0.05, batch_size=64, weight_decay=1e-4, seed=0),
    "lenet5": dict(epochs=20, lr=0.01, batch_size=64, weight_decay=5e-4, seed=0),
}


def weights_path(name):
    """``data/weights/NAME.safetensors``."""
    return folder("baselines") / f"{name}.safetensors"


def save_weights(model, name, info, path=None):
    """Write ``model``'s state dict to ``path`` (default ``data/weights/NAME.safetensors``) and
    ``info`` beside it (``.json``)."""
    path = weights_path(name) if path is None else Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, path)
    path.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")


def baseline_info(name):
    """The JSON written beside a baseline: test error, epochs, seed, torch version, ..."""
    return json.loads(integrity.verify(weights_path(name).with_suffix(".json"), DATA, "baselines").read_text())


def pretrained(name):
    """The trained baseline ``name`` (``"lenet_300_100"`` or ``"lenet5"``), in eval mode.

    The weights are read with safetensors, which cannot run code (no pickle).
    """
    model = models.build(name)
    path = weights_path(name)
    if not path.is_file():
        raise FileNotFoundError(
            f"baseline weights {path} are missing: restore them with `git checkout -- data/weights/{path.name}`, "
            f"or retrain them with `python -m coursekit.reproduce baselines`."
        )
    model.load_state_dict(load_file(integrity.verify(path, DATA, "baselines")))
    return model.eval()


def train_baseline(name, **overrides):
    """Train the baseline ``name`` from scratch with its recipe (``overrides`` replace recipe
    entries, e.g. ``epochs=1``); return ``(model, info)``, ``info`` as written beside it."""
    recipe = {**RECIPES[name], **overrides}
    train.seed_everything(recipe["seed"])
    model = models.build(name).to(models.device())
    start = time.perf_counter()
    train.fit(
        model,
        recipe["epochs"],
        recipe["lr"],
        batch_size=recipe["batch_size"],
        weight_decay=recipe["weight_decay"],
        seed=recipe["seed"],
        desc=name,
    )
    seconds = time.perf_counter() - start
    info = {
        "model": name,
        "test_error": train.evaluate(model, "test"),
        "train_error": train.evaluate(model, "train"),
        "parameters": network.count_parameters(model),
        **recipe,
        "optimizer": "SGD momentum 0.9, cosine learning rate",
        "train_seconds": round(seconds, 1),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    return model, info


def reproduce():
    """Retrain both baselines from scratch and overwrite ``data/weights/``."""
    for name in RECIPES:
        model, info = train_baseline(name)
        save_weights(model.cpu(), name, info)
        print(f"{name}: test error {100 * info['test_error']:.2f}% in {info['train_seconds']:.0f} s")
