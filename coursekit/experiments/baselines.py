"""The trained baselines every chapter starts from, and their recipes.

``python -m coursekit.reproduce baselines`` (or ``python -m coursekit.train MODEL``) retrains them
from scratch with a fixed seed; they are stored in ``data/weights/`` as safetensors files (no
pickle), each with a JSON of its validation and test errors, epochs, seed and torch version.

How a baseline is chosen, on the validation split only: each learning rate of its recipe's
``lr_candidates`` trains the recipe's cosine schedule on the 55,000 training images, the
validation error (5,000 held-out images) is measured after every epoch, and the weights kept are
those of the (learning rate, epoch) with the lowest validation error (ties: the first). The test
error is measured once, on the kept weights, and reported with its standard error.
"""

import json
import time
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from .. import integrity, models, network, train
from . import DATA, folder

# The recipe of each baseline: SGD with momentum, a cosine learning-rate decay over `epochs`, L2
# weight decay. `lr` was fixed earlier by test error (0.05 and 0.01); it is now one of the
# `lr_candidates` the validation error chooses among (with the epoch to stop at). LeNet-5 tries only
# its old rate: an epoch takes ~17 s on one core, a second rate would double its 6 minutes.
RECIPES = {
    "lenet_300_100": dict(
        epochs=30, lr=0.05, lr_candidates=(0.02, 0.05, 0.1), batch_size=64, weight_decay=1e-4, seed=0
    ),
    "lenet5": dict(epochs=20, lr=0.01, lr_candidates=(0.01,), batch_size=64, weight_decay=5e-4, seed=0),
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
    entries, e.g. ``epochs=1``; ``lr=`` alone tries that rate only) and keep the weights of the
    (learning rate, epoch) with the lowest validation error. Returns ``(model, info)``, ``info`` as
    written beside it: ``val_errors`` ({lr: error after each epoch}), the chosen ``lr`` and
    ``epochs``, ``val_error``, and the ``test_error`` of the kept weights with ``test_error_se``."""
    recipe = {**RECIPES[name], **overrides}
    if "lr" in overrides and "lr_candidates" not in overrides:
        recipe["lr_candidates"] = (overrides["lr"],)
    schedule = recipe["epochs"]
    best = {"val_error": float("inf")}
    val_errors = {}
    start = time.perf_counter()
    for lr in recipe["lr_candidates"]:
        curve = val_errors[str(lr)] = []

        def after_epoch(model, epoch, lr=lr, curve=curve):  # also after a last, partial pass
            curve.append(train.evaluate(model, "val"))
            if curve[-1] < best["val_error"]:
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best.update(val_error=curve[-1], lr=lr, epochs=min(epoch, schedule), state=state)
            tqdm.write(f"{name} lr {lr} epoch {epoch}: validation error {100 * curve[-1]:.2f}%")

        train.seed_everything(recipe["seed"])
        model = models.build(name).to(models.device())
        train.fit(
            model,
            schedule,
            lr,
            batch_size=recipe["batch_size"],
            weight_decay=recipe["weight_decay"],
            seed=recipe["seed"],
            after_epoch=after_epoch,
            desc=f"{name} lr {lr}",
        )
    seconds = time.perf_counter() - start
    model.load_state_dict(best["state"])
    model.eval()
    test_error = train.evaluate(model, "test")
    info = {
        "model": name,
        "val_error": best["val_error"],
        "test_error": test_error,
        "test_error_se": train.standard_error(test_error, train.split_size("test")),
        "train_error": train.evaluate(model, "train"),
        "parameters": network.count_parameters(model),
        **{k: v for k, v in recipe.items() if k != "lr_candidates"},
        "lr_candidates": list(recipe["lr_candidates"]),
        "lr": best["lr"],
        "epochs": best["epochs"],
        "schedule_epochs": schedule,
        "val_errors": val_errors,
        "chosen_by": "lowest validation error over the learning rates and epochs tried (5,000 held-out images)",
        "train_images": train.split_size("train"),
        "optimizer": "SGD momentum 0.9, cosine learning rate over schedule_epochs",
        "train_seconds": round(seconds, 1),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    return model, info


def reproduce():
    """Retrain both baselines from scratch and overwrite ``data/weights/``."""
    torch.set_num_threads(1)  # small models on a shared CPU: one thread each is as fast
    for name in RECIPES:
        model, info = train_baseline(name)
        save_weights(model.cpu(), name, info)
        print(
            f"{name}: lr {info['lr']}, {info['epochs']} epochs chosen on validation ({100 * info['val_error']:.2f}%), "
            f"test error {100 * info['test_error']:.2f}% +- {100 * info['test_error_se']:.2f} "
            f"in {info['train_seconds']:.0f} s"
        )
