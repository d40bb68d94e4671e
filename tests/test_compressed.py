"""The compressed file: exact round trip, and a clear error for every damaged file."""

import os
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
import torch
from torch.nn.utils import prune

import coursekit
from coursekit import compressed, experiments, network
from coursekit.experiments.baselines import pretrained


def prune_and_share(model, keep=0.08, levels=15):
    """A quick stand-in for the pipeline: keep the largest weights, round them to a few values."""
    with torch.no_grad():
        for module in network.layers(model).values():
            w = module.weight
            threshold = w.abs().flatten().kthvalue(int((1 - keep) * w.numel())).values
            w[w.abs() <= threshold] = 0
            survivors = w[w != 0]
            codebook = torch.linspace(survivors.min().item(), survivors.max().item(), levels)
            w[w != 0] = codebook[(survivors[:, None] - codebook).abs().argmin(1)]
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = prune_and_share(pretrained("lenet_300_100"), keep=0.03)
    path = tmp_path_factory.mktemp("dc") / "lenet300.dc"
    layers = coursekit.save_compressed(model, path)
    return model, path, layers


def test_round_trip_is_exact(saved):
    model, path, layers = saved
    loaded = coursekit.load_compressed(path)
    for a, b in zip(network.layers(model).values(), network.layers(loaded).values()):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    x = torch.randn(16, 1, 28, 28)
    assert torch.equal(model.eval()(x), loaded(x))


def test_file_is_small_and_its_size_adds_up(saved):
    _, path, layers = saved
    size = path.stat().st_size
    assert 1_066_440 / size > 60  # 3% of the weights, 4-bit values, Huffman-coded
    assert sum(compressed.layer_file_bytes(layer) for layer in layers) + 9 + 1 + len("lenet_300_100") + 1 == size


def test_pruning_made_by_torch_prune_is_read_through_the_mask(tmp_path):
    model = pretrained("lenet_300_100")
    for module in network.layers(model).values():
        prune.custom_from_mask(module, "weight", torch.zeros_like(module.weight))
    coursekit.save_compressed(model, tmp_path / "empty.dc")
    loaded = coursekit.load_compressed(tmp_path / "empty.dc")
    assert all((m.weight == 0).all() for m in network.layers(loaded).values())


def test_unshared_weights_are_refused(tmp_path):
    with pytest.raises(ValueError, match="quantize it"):
        coursekit.save_compressed(pretrained("lenet_300_100"), tmp_path / "x.dc")


def test_unknown_architecture_is_refused(tmp_path):
    with pytest.raises(ValueError, match="match none"):
        coursekit.save_compressed(torch.nn.Sequential(torch.nn.Linear(3, 2)), tmp_path / "x.dc")


def test_fixed_index_bits(tmp_path, saved):
    model, _, _ = saved
    layers = coursekit.save_compressed(model, tmp_path / "x.dc", index_bits=5)
    assert [layer.index_bits for layer in layers] == [5, 5, 5]
    loaded = coursekit.load_compressed(tmp_path / "x.dc")
    assert torch.equal(loaded[1].weight, model[1].weight)


def load_bytes(tmp_path, data):
    """A loader of ``data`` as if read from ``damaged.dc`` (parsing bytes keeps the loops fast)."""
    path = tmp_path / "damaged.dc"
    return path, lambda: compressed.parse_compressed(data, path)


def with_checksum(data):
    """The same bytes with a checksum that matches again (to reach the parser's own checks)."""
    return data[:5] + struct.pack("<I", zlib.crc32(data[9:])) + data[9:]


def test_every_truncation_is_a_clear_error(saved, tmp_path):
    data = saved[1].read_bytes()
    for n in range(len(data)):
        path, load = load_bytes(tmp_path, data[:n])
        with pytest.raises(compressed.CompressedFileError, match="damaged.dc"):
            load()


def test_every_truncation_is_caught_by_the_parser_too(saved, tmp_path):
    # even with a matching checksum, a short file never crashes, hangs or loads
    data = saved[1].read_bytes()
    for n in range(10, len(data), 53):
        path, load = load_bytes(tmp_path, with_checksum(data[:n]))
        with pytest.raises(compressed.CompressedFileError):
            load()


def test_random_byte_flips_are_a_clear_error(saved, tmp_path):
    data = saved[1].read_bytes()
    rng = np.random.default_rng(0)
    for _ in range(300):
        damaged = bytearray(data)
        for position in rng.choice(len(data), size=rng.integers(1, 4), replace=False):
            damaged[position] ^= int(rng.integers(1, 256))
        path, load = load_bytes(tmp_path, bytes(damaged))
        with pytest.raises(compressed.CompressedFileError, match="damaged.dc"):
            load()


def test_byte_flips_behind_a_matching_checksum_never_crash(saved, tmp_path):
    # the parser alone: a flip either gives a clear error or a model; never another exception
    data = saved[1].read_bytes()
    rng = np.random.default_rng(1)
    errors = 0
    for position in rng.choice(np.arange(9, len(data)), size=100, replace=False):
        damaged = bytearray(data)
        damaged[position] ^= int(rng.integers(1, 256))
        path, load = load_bytes(tmp_path, with_checksum(bytes(damaged)))
        try:
            load()
        except compressed.CompressedFileError:
            errors += 1
    assert errors > 0


def test_wrong_version_magic_and_missing_file(saved, tmp_path):
    data = saved[1].read_bytes()
    newer = bytes([compressed.VERSION + 1])  # a later version's CRC covers its version byte too
    path, load = load_bytes(tmp_path, data[:4] + newer + struct.pack("<I", zlib.crc32(newer + data[9:])) + data[9:])
    with pytest.raises(compressed.CompressedFileError, match="format version 2"):
        load()
    path, load = load_bytes(tmp_path, b"PK\x03\x04" + data[4:])
    with pytest.raises(compressed.CompressedFileError, match="not a coursekit compressed model"):
        load()
    path, load = load_bytes(tmp_path, b"")
    with pytest.raises(compressed.CompressedFileError, match="empty"):
        load()
    with pytest.raises(FileNotFoundError, match="no such compressed model file"):
        coursekit.load_compressed(tmp_path / "missing.dc")


@pytest.mark.parametrize("bit", range(8))
def test_a_flipped_version_bit_is_damage_not_a_newer_format(saved, tmp_path, bit):
    data = bytearray(saved[1].read_bytes())
    data[4] ^= 1 << bit
    path, load = load_bytes(tmp_path, bytes(data))
    with pytest.raises(compressed.CompressedFileError, match="version byte is damaged") as error:
        load()
    assert "upgrade" not in str(error.value)


def test_what_is_not_a_file_is_named(tmp_path):
    with pytest.raises(compressed.CompressedFileError, match="is a directory"):
        coursekit.load_compressed(tmp_path)
    os.mkfifo(tmp_path / "fifo.dc")
    with pytest.raises(compressed.CompressedFileError, match="FIFO"):
        coursekit.load_compressed(tmp_path / "fifo.dc")  # refused before opening: it would block
    (tmp_path / "loop.dc").symlink_to(tmp_path / "loop.dc")
    with pytest.raises(compressed.CompressedFileError, match="symbolic links"):
        coursekit.load_compressed(tmp_path / "loop.dc")
    (tmp_path / "dangling.dc").symlink_to(tmp_path / "nowhere.dc")
    with pytest.raises(FileNotFoundError, match="broken symbolic link"):
        coursekit.load_compressed(tmp_path / "dangling.dc")


def test_a_huge_file_is_refused_before_it_is_read(saved, tmp_path):
    path = tmp_path / "huge.dc"
    with open(path, "wb") as file:  # a sparse 6 GB file that starts like a real one
        file.write(saved[1].read_bytes()[:64])
        file.truncate(6 << 30)
    tracemalloc.start()
    try:
        with pytest.raises(compressed.CompressedFileError, match="more than a compressed lenet_300_100 can take"):
            coursekit.load_compressed(path)
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["lenet_300_100", "lenet5"])
def test_shipped_files_load_and_save_to_the_same_bytes(name, tmp_path):
    shipped = experiments.path("deep_compression", f"{name}.dc")
    layers = coursekit.save_compressed(coursekit.load_compressed(shipped), tmp_path / "again.dc")
    assert (tmp_path / "again.dc").read_bytes() == shipped.read_bytes()
    assert [layer.name for layer in layers] == [name for name, _, _ in compressed._layers_of(name)]
