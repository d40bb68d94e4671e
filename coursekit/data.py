"""MNIST, offline and verified.

The four original IDX files ship gzip-compressed in ``data/mnist/``. On first use each ``.gz``
is checked against its SHA-256, unpacked once into torchvision's MNIST layout
(``data/mnist/MNIST/raw/``, checked against the MD5 published for the original files) and then
read by ``torchvision.datasets.MNIST``. Nothing is ever downloaded.

Three splits. ``"test"`` is MNIST's 10,000 test images, untouched: the course reports each result
on it once. ``"val"`` is a fixed 5,000 of the 60,000 training images, held out for every choice
(learning rates, epochs, per-layer rates, ranks, "best" settings), and ``"train"`` is the other
55,000. Which images go to ``"val"`` is decided by a permutation of the 60,000 indices seeded with
``VAL_SEED`` (``torch.randperm``): its first ``VAL_SIZE`` indices, sorted, are the validation
images; both splits keep MNIST's original order. ``val_indices()`` returns them.
"""

import functools
import gzip
import os
import shutil
from pathlib import Path

import torch
from torchvision.datasets import MNIST
from torchvision.datasets.utils import check_integrity

from .integrity import DataError, sha256

MNIST_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"

# Mean and standard deviation of the 60,000 training images' pixels (scaled to [0, 1]).
MEAN, STD = 0.1307, 0.3081

# The validation split: VAL_SIZE training images chosen by a permutation seeded with VAL_SEED.
VAL_SIZE, VAL_SEED = 5000, 2015
SPLITS = ("train", "val", "test")

# file -> (SHA-256 of the .gz we ship, MD5 of the uncompressed original as published by LeCun)
FILES = {
    "train-images-idx3-ubyte.gz": (
        "db8f937d487057fb14a9f0fbe97f0bc8d311ab41b750d41e1ff37c43b9e55e19",
        "6bbc9ace898e44ae57da46a324031adb",
    ),
    "train-labels-idx1-ubyte.gz": (
        "51fc562b6747b666fbf6e84ce29d43c3cb5f9c388c664d43b33f02095313405a",
        "a25bea736e30d166cdddb491f175f624",
    ),
    "t10k-images-idx3-ubyte.gz": (
        "cfeddb84311ecf044fc6a5b0f6ee8a24d265d4e83e388400186eb114082f4209",
        "2646ac647ad5339dbf082846283269ea",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "e41c74e484045d39b462a7790a4af51301bd9b0b24f0154798d713ec68c45920",
        "27ae3e4e09519cfbb04c329615203637",
    ),
}

RESTORE_HINT = (
    "Restore the original file with `git checkout -- data/mnist/` "
    "(or copy it again from the course's shared data folder)."
)


def verify(name, root=MNIST_DIR):
    """Check ``root/name`` against its SHA-256; raise :class:`DataError` saying what to do."""
    path = Path(root) / name
    expected = FILES[name][0]
    if not path.is_file():
        raise DataError(f"MNIST file {path} is missing. {RESTORE_HINT}")
    actual = sha256(path)
    if actual != expected:
        raise DataError(f"MNIST file {path} is corrupt: its SHA-256 is {actual}, expected {expected}. {RESTORE_HINT}")
    return path


def unpack(root=MNIST_DIR):
    """Verify the four ``.gz`` files and unpack them into ``root/MNIST/raw/`` (once).

    All four are verified before anything is written, so a wrong ``root`` creates no folder. The
    unpacked files are checked against the MD5 sums published with the original MNIST, so a
    half-written or edited copy is unpacked again rather than trusted.
    """
    sources = {name: verify(name, root) for name in FILES}
    raw = Path(root) / "MNIST" / "raw"
    try:
        raw.mkdir(parents=True, exist_ok=True)
        for name, (_, md5) in FILES.items():
            target = raw / name[: -len(".gz")]
            if check_integrity(str(target), md5):
                continue
            # a name of this process's own: two processes unpacking at once (`reproduce all`'s two
            # lanes on a fresh clone) each write a whole copy, and each atomic replace leaves a whole file
            tmp = target.with_name(f"{target.name}.{os.getpid()}.part")
            with gzip.open(sources[name], "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            tmp.replace(target)
            if not check_integrity(str(target), md5):
                raise DataError(f"unpacking {sources[name]} gave a file whose MD5 is not {md5}. {RESTORE_HINT}")
    except OSError as error:  # a read-only or full disk, a file where a folder should be, ...
        raise DataError(f"cannot unpack MNIST into {raw}: {error.strerror or error}") from None


def val_indices():
    """The indices (into MNIST's 60,000 training images) of the ``"val"`` split: int64 tensor of
    shape ``VAL_SIZE``, sorted. The same on every machine: a CPU ``torch.randperm`` seeded with ``VAL_SEED``."""
    permutation = torch.randperm(60_000, generator=torch.Generator().manual_seed(VAL_SEED))
    return permutation[:VAL_SIZE].sort().values


@functools.cache
def _load_original(train, root):
    """One of MNIST's two original files, normalized: ``(images N x 1 x 28 x 28, labels N)``."""
    unpack(root)
    dataset = MNIST(root, train=train, download=False)
    images = dataset.data.unsqueeze(1).float().div_(255).sub_(MEAN).div_(STD)
    return images, dataset.targets.long()


@functools.cache
def _load(split, root):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    if split == "test":
        return _load_original(False, root)
    images, labels = _load_original(True, root)
    held_out = torch.zeros(len(labels), dtype=torch.bool)
    held_out[val_indices()] = True
    keep = held_out if split == "val" else ~held_out
    return images[keep], labels[keep]


def load_mnist(split, root=MNIST_DIR):
    """Load an MNIST split as tensors.

    Args:
        split: ``"train"`` (55,000 images: MNIST's 60,000 training images minus the validation
            ones), ``"val"`` (the 5,000 held out, see ``val_indices``) or ``"test"`` (MNIST's
            10,000 test images).
        root: folder holding the four ``*-ubyte.gz`` files.

    Returns:
        ``(images, labels)``: ``images`` is float32 of shape ``N x 1 x 28 x 28``, normalized to
        zero mean and unit variance with the training set's ``MEAN`` and ``STD``; ``labels`` is
        int64 of shape ``N`` with values 0-9. The tensors are cached per process: treat them as
        read-only.

    Raises:
        DataError: a file is missing or its checksum is wrong (the message names the file, the
            expected SHA-256, and how to restore it).
    """
    return _load(split, str(root))
