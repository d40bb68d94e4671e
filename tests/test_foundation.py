"""Foundation: data integrity, the two architectures, the committed baselines, the training loop."""

import multiprocessing
import os
import shutil

import pytest
import torch
from torchvision.datasets.utils import check_integrity

from coursekit import data, models, network, reproduce, train
from coursekit.experiments import baselines


def test_parameter_counts_match_the_papers():
    assert network.count_parameters(models.lenet_300_100()) == 266_610  # "267K"
    assert network.count_parameters(models.lenet5()) == 431_080  # "431K"


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_forward_shape(name):
    assert models.build(name)(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(ValueError, match="lenet5"):
        models.build("alexnet")


def test_shipped_files_match_their_checksums():
    for name in data.FILES:
        assert data.sha256(data.MNIST_DIR / name) == data.FILES[name][0]


@pytest.mark.parametrize("split,n", [("train", 55_000), ("val", 5_000), ("test", 10_000)])
def test_mnist_shapes_types_and_normalization(split, n):
    images, labels = data.load_mnist(split)
    assert images.shape == (n, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (n,) and labels.dtype == torch.int64
    assert set(labels.unique().tolist()) == set(range(10))
    if split == "train":  # normalized with the statistics of MNIST's 60,000 training images
        assert abs(images.mean().item()) < 2e-3 and abs(images.std().item() - 1) < 2e-3


def test_val_and_train_split_the_60000_training_images():
    """``val`` is a fixed 5,000 of MNIST's training images, ``train`` the other 55,000: disjoint,
    together exactly the original file, in its order."""
    train_images, train_labels = data.load_mnist("train")
    val_images, val_labels = data.load_mnist("val")
    original = data._load_original(True, str(data.MNIST_DIR))
    held_out = data.val_indices()
    assert len(held_out) == data.VAL_SIZE == 5_000 and len(set(held_out.tolist())) == 5_000
    assert held_out.tolist() == sorted(held_out.tolist()) and 0 <= held_out.min() and held_out.max() < 60_000
    assert torch.equal(val_images, original[0][held_out]) and torch.equal(val_labels, original[1][held_out])
    rest = torch.ones(60_000, dtype=torch.bool)
    rest[held_out] = False
    assert torch.equal(train_images, original[0][rest]) and torch.equal(train_labels, original[1][rest])
    # no image of one split is an image of the other (pixel for pixel), nor of the test set
    train_keys = {hash(x.numpy().tobytes()) for x in train_images}
    assert not any(hash(x.numpy().tobytes()) in train_keys for x in val_images[:500])
    assert set(torch.bincount(val_labels).tolist()) and torch.bincount(val_labels).min() > 400  # every class


def test_val_split_is_deterministic():
    """The same 5,000 indices on every call and every machine: seeded, not from the global RNG."""
    torch.manual_seed(123)
    first = data.val_indices()
    torch.manual_seed(456)
    assert torch.equal(first, data.val_indices())
    assert first[:5].tolist() == [15, 21, 25, 27, 30]  # pinned: a change would silently move images


def test_evaluate_accepts_the_val_split_and_gives_a_standard_error():
    model = models.lenet_300_100()
    torch.nn.init.zeros_(model[-1].weight)
    torch.nn.init.zeros_(model[-1].bias)  # predicts class 0 for everything
    labels = data.load_mnist("val")[1]
    assert train.evaluate(model, "val") == pytest.approx((labels != 0).float().mean().item())
    assert train.split_size("val") == 5_000 and train.split_size("test", limit=2000) == 2000
    assert train.standard_error(0.0073, 10_000) == pytest.approx(0.000851, abs=1e-6)
    assert train.standard_error(0, 10_000) == 0


def test_test_labels_are_the_original_ones():
    # the first ten labels of the original t10k file
    assert data.load_mnist("test")[1][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_bad_split_is_a_clear_error():
    with pytest.raises(ValueError, match="'train', 'val', 'test'"):
        data.load_mnist("validation")


def _copy_mnist(tmp_path):
    for name in data.FILES:
        shutil.copy(data.MNIST_DIR / name, tmp_path / name)
    return tmp_path


def test_corrupt_file_names_file_checksum_and_fix(tmp_path):
    root = _copy_mnist(tmp_path)
    path = root / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataError) as err:
        data.load_mnist("test", root=root)
    message = str(err.value)
    assert "t10k-labels-idx1-ubyte.gz" in message and "corrupt" in message
    assert data.FILES["t10k-labels-idx1-ubyte.gz"][0] in message
    assert "git checkout" in message


def test_missing_file_says_what_to_do(tmp_path):
    root = _copy_mnist(tmp_path)
    (root / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(data.DataError, match="train-images-idx3-ubyte.gz is missing.*git checkout"):
        data.load_mnist("train", root=root)


def test_tampered_unpacked_copy_is_unpacked_again(tmp_path):
    root = _copy_mnist(tmp_path)
    images, _ = data.load_mnist("test", root=root)
    unpacked = root / "MNIST" / "raw" / "t10k-images-idx3-ubyte"
    unpacked.write_bytes(unpacked.read_bytes()[:1000])  # a half-written file
    data.unpack(root)
    assert check_integrity(str(unpacked), data.FILES["t10k-images-idx3-ubyte.gz"][1])


def test_two_processes_can_unpack_at_once(tmp_path):
    """`reproduce all` runs two lanes at once: on a fresh clone both unpack MNIST (a shared
    temporary file once made one of them fail with "No such file or directory")."""
    root = _copy_mnist(tmp_path)
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.map(data.unpack, [root] * 4)
    for name, (_, md5) in data.FILES.items():
        assert check_integrity(str(root / "MNIST" / "raw" / name.removesuffix(".gz")), md5)
    assert not list((root / "MNIST" / "raw").glob("*.part"))


@pytest.mark.parametrize("name,paper_error", [("lenet_300_100", 0.0164), ("lenet5", 0.0080)])
def test_baselines_reach_the_papers_reference_error(name, paper_error):
    model = baselines.pretrained(name)
    error = train.evaluate(model, "test")
    assert error <= paper_error
    info = baselines.baseline_info(name)
    assert info["test_error"] == pytest.approx(error, abs=2e-4)  # the JSON tells the truth
    assert {"epochs", "seed", "torch_version"} <= set(info)
    # chosen on the validation split: the kept epoch is the lowest validation error of all tried
    assert info["train_images"] == 55_000 and info["lr"] in info["lr_candidates"]
    assert info["val_error"] == min(min(curve) for curve in info["val_errors"].values())
    assert info["val_errors"][str(info["lr"])][info["epochs"] - 1] == info["val_error"]
    assert train.evaluate(model, "val") == pytest.approx(info["val_error"], abs=2e-4)
    assert info["test_error_se"] == pytest.approx(train.standard_error(error, 10_000), abs=1e-6)


def test_pretrained_weights_are_safetensors_not_pickle():
    for name in models.ARCHITECTURES:
        head = baselines.weights_path(name).read_bytes()[:16]
        assert not head.startswith(b"\x80") and not head.startswith(b"PK")  # pickle / zip


def test_missing_weights_say_how_to_get_them(monkeypatch, tmp_path):
    import coursekit.experiments as experiments

    monkeypatch.setattr(experiments, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m coursekit.reproduce baselines"):
        baselines.pretrained("lenet5")


def test_evaluate_returns_a_fraction():
    model = models.lenet_300_100()
    torch.nn.init.zeros_(model[-1].weight)
    torch.nn.init.zeros_(model[-1].bias)  # predicts class 0 for everything
    labels = data.load_mnist("test")[1]
    assert train.evaluate(model) == pytest.approx((labels != 0).float().mean().item())
    assert train.evaluate(model, limit=100) == pytest.approx((labels[:100] != 0).float().mean().item())


def test_fit_is_deterministic_and_learns():
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = models.lenet_300_100()
        losses.append(train.fit(model, epochs=0.05, lr=0.05, seed=1, progress=False))
    assert losses[0] == losses[1]
    assert train.evaluate(model, limit=2000) < 0.2


def test_fit_trains_on_the_data_it_is_given():
    """``data=`` replaces MNIST: a separable toy problem is learned, and MNIST is the default."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 2, generator=g)
    y = (x[:, 0] > x[:, 1]).long()
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    losses = train.fit(model, epochs=20, lr=0.5, batch_size=32, progress=False, data=(x, y))
    assert len(losses) == 20 and losses[-1] < 0.3 * losses[0]
    assert (model(x).argmax(1) == y).float().mean() > 0.95
    runs = []
    for data_ in [None, data.load_mnist("train")]:
        torch.manual_seed(0)
        runs.append(train.fit(models.lenet_300_100(), epochs=0.01, lr=0.05, progress=False, data=data_))
    assert runs[0] == runs[1]


def test_train_cli_trains_a_baseline_without_saving(capsys):
    before = baselines.weights_path("lenet_300_100").read_bytes()
    train.main(["lenet_300_100", "--epochs", "0.01", "--no-save"])
    info = capsys.readouterr().out
    assert '"model": "lenet_300_100"' in info and '"epochs": 0.01' in info and '"test_error"' in info
    assert baselines.weights_path("lenet_300_100").read_bytes() == before


@pytest.mark.parametrize("chapter", reproduce.CHAPTERS)
def test_every_chapter_has_an_experiment_module_that_reproduces_it(chapter):
    import importlib

    assert callable(importlib.import_module(f"coursekit.experiments.{chapter}").reproduce)


def test_the_lanes_of_reproduce_all_cover_every_chapter_once_in_dependency_order():
    in_lanes = [c for lane in reproduce.LANES for c in lane]
    assert sorted(in_lanes) == sorted(c for c in reproduce.CHAPTERS if c != "baselines")
    lane = next(lane for lane in reproduce.LANES if "quantization" in lane)  # it loads pruning's models
    assert lane.index("pruning") < lane.index("quantization")


def test_run_lanes_runs_each_lane_in_its_own_process(tmp_path, monkeypatch):
    for name in ("fake_chapter_a", "fake_chapter_b", "fake_chapter_c"):
        (tmp_path / f"{name}.py").write_text(
            "import os, pathlib\n"
            f"def reproduce():\n    pathlib.Path({str(tmp_path)!r}, '{name}.pid').write_text(str(os.getpid()))\n"
        )
    monkeypatch.syspath_prepend(str(tmp_path))  # the spawned processes inherit sys.path
    timings = reproduce.run_lanes([["fake_chapter_a", "fake_chapter_b"], ["fake_chapter_c"]], record_chapters=False)
    assert [t[0] for t in timings] == ["fake_chapter_a", "fake_chapter_b", "fake_chapter_c"]
    pids = {
        name: (tmp_path / f"{name}.pid").read_text() for name in ("fake_chapter_a", "fake_chapter_b", "fake_chapter_c")
    }
    assert pids["fake_chapter_a"] == pids["fake_chapter_b"] != pids["fake_chapter_c"]
    assert str(os.getpid()) not in pids.values()


def test_record_keeps_every_chapters_lines_when_two_processes_record_at_once(tmp_path, monkeypatch):
    import threading

    import coursekit.experiments as experiments

    monkeypatch.setattr(experiments, "DATA", tmp_path)
    for chapter in ("pruning", "structured"):
        experiments.folder(chapter).mkdir()
        for i in range(20):
            (experiments.folder(chapter) / f"{i}.bin").write_bytes(bytes([i]))
    threads = [threading.Thread(target=experiments.record, args=(c,)) for c in ("pruning", "structured") * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len((tmp_path / "SHA256SUMS").read_text().splitlines()) == 40
