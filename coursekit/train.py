"""The training and evaluation loop every chapter's experiments share (MNIST by default).

``fit`` trains any classifier on any ``(images, labels)``, by default MNIST's 55,000 training
images; ``evaluate`` measures its error on a split: ``"val"`` (5,000 held-out training images) for
every choice, ``"test"`` (10,000) to report the result once, with its ``standard_error``.
``python -m coursekit.train lenet_300_100`` (or ``lenet5``) retrains a baseline from scratch
with its recipe (``coursekit.experiments.baselines``) and writes it to ``data/weights/``.
"""

import argparse
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .data import load_mnist

__all__ = ["seed_everything", "predict", "evaluate", "standard_error", "split_size", "fit"]


def seed_everything(seed):
    """Seed Python, NumPy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


@torch.inference_mode()
def predict(model, images, batch_size=10_000):
    """Predicted class of each image: int64 tensor of shape ``N``."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat(
        [model(images[i : i + batch_size].to(dev)).argmax(1).cpu() for i in range(0, len(images), batch_size)]
    )


def evaluate(model, split="test", limit=None):
    """Top-1 error of ``model`` on an MNIST split, as a fraction in [0, 1].

    Args:
        split: ``"test"`` (10,000 images), ``"val"`` (5,000 held-out training images, the one
            to choose settings on) or ``"train"`` (the other 55,000).
        limit: evaluate on the first ``limit`` images only (``None``: all of them).
    """
    images, labels = load_mnist(split)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return (predict(model, images) != labels).float().mean().item()


def split_size(split="test", limit=None):
    """How many images ``evaluate(model, split, limit)`` counts."""
    size = len(load_mnist(split)[1])
    return size if limit is None else min(size, limit)


def standard_error(error, n):
    """Binomial standard error of an error rate measured on ``n`` images: ``sqrt(p (1 - p) / n)``,
    a fraction like ``error`` (0.0008 for 0.7% on 10,000 images)."""
    return math.sqrt(error * (1 - error) / n)


def fit(
    model,
    epochs,
    lr,
    *,
    batch_size=64,
    momentum=0.9,
    weight_decay=1e-4,
    seed=0,
    after_step=None,
    after_epoch=None,
    progress=True,
    desc="train",
    data=None,
):
    """Train ``model`` with SGD + momentum on ``data``, by default MNIST's 55,000 training images
    (``load_mnist("train")``: the validation images are never trained on).

    The learning rate follows a cosine from ``lr`` down to 0 over all steps. ``epochs`` may be a
    fraction (e.g. 0.25 trains on a quarter of an epoch). ``after_step(model)``, if given, is
    called after every optimizer step (e.g. to re-apply a constraint), ``after_epoch(model, epoch)``
    after each pass over the data (``epoch`` counts from 1; e.g. to measure the validation error:
    the model is put back in training mode after it). Pruning masks made with
    ``torch.nn.utils.prune`` hold by themselves: the masked weight is recomputed as
    ``weight_orig * mask`` on every forward.

    Args:
        data: ``(images, labels)``, tensors of ``N`` inputs (any shape ``model`` takes, e.g.
            ``N x 1 x 28 x 28``) and ``N`` int64 class labels; ``None``: ``load_mnist("train")``.
            Batches are moved to ``model``'s device one at a time.

    Returns:
        list of the mean training loss of each epoch.
    """
    seed_everything(seed)
    images, labels = load_mnist("train") if data is None else data
    dev = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    steps_per_epoch = math.ceil(len(images) / batch_size)
    total_steps = max(1, round(epochs * steps_per_epoch))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total_steps))
    )
    loss_fn = nn.CrossEntropyLoss()
    losses, step = [], 0
    bar = tqdm(total=total_steps, desc=desc, disable=not progress, leave=False)
    while step < total_steps:
        model.train()
        order = torch.randperm(len(images), generator=generator)
        epoch_loss, batches = 0.0, 0
        for i in range(0, len(images), batch_size):
            if step == total_steps:
                break
            idx = order[i : i + batch_size]
            loss = loss_fn(model(images[idx].to(dev)), labels[idx].to(dev))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            if after_step is not None:
                after_step(model)
            epoch_loss += loss.item()
            batches += 1
            step += 1
            bar.update()
        losses.append(epoch_loss / batches)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        if after_epoch is not None:
            after_epoch(model, len(losses))
    bar.close()
    model.eval()
    return losses


def _epochs(text):
    """``--epochs``: a finite number > 0 (fractions of an epoch allowed)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of epochs > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of epochs > 0, got {text!r}")
    return value


def main(argv=None):
    """``python -m coursekit.train MODEL [--epochs E] [--out FILE | --force] [--no-save]``: retrain
    one baseline. The shipped ``data/weights/MODEL.safetensors`` is overwritten only with ``--force``."""
    from . import experiments
    from .experiments import baselines  # imported here: baselines imports this module

    parser = argparse.ArgumentParser(description="Train a LeNet baseline from scratch on MNIST.")
    parser.add_argument("model", choices=sorted(baselines.RECIPES))
    parser.add_argument("--epochs", type=_epochs, help="override the recipe's epochs (a number > 0)")
    parser.add_argument("--out", type=Path, help="write the weights to this file (and its .json beside it)")
    parser.add_argument("--force", action="store_true", help="overwrite the shipped data/weights/MODEL.safetensors")
    parser.add_argument("--no-save", action="store_true", help="train and report, but write nothing")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # small models on a shared CPU: one thread is as fast
    try:
        target = None
        if not args.no_save:  # checked before training, not after
            target = experiments.check_output(args.out or baselines.weights_path(args.model), args.force)
            experiments.check_output(target.with_suffix(".json"), args.force)
        overrides = {} if args.epochs is None else {"epochs": args.epochs}
        model, info = baselines.train_baseline(args.model, **overrides)
        print(json.dumps(info, indent=2))
        if target is not None:
            baselines.save_weights(model.cpu(), args.model, info, target)
            if args.out is None:
                experiments.record("baselines")
            print(f"wrote {target}")
    except (OSError, ValueError, RuntimeError) as error:  # DataError is a RuntimeError
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
