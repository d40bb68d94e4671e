"""Hostile inputs: crafted .dc files with a valid CRC, and out-of-range arguments.

A crafted file passes the CRC (anyone can compute one), so the loader's own checks are all that
stand between it and memory: every file below is either loaded or refused with a
``CompressedFileError``, in bounded time and with peak memory (numpy and Python allocations,
measured with tracemalloc) of at most a few times the file's size plus the model's.
"""

import dataclasses
import importlib
import json
import os
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.torch import save_file

import coursekit
from coursekit import __main__ as cli
from coursekit import (
    arguments,
    compressed,
    data,
    experiments,
    factorization,
    huffman,
    integrity,
    kmeans_fast,
    models,
    pruning,
    quantization,
    reproduce,
    structured,
    train,
    widgets,
)
from coursekit.experiments import baselines
from coursekit.experiments import deep_compression as experiment_deep_compression
from coursekit.experiments import structured as experiment_structured

MODEL = "lenet_300_100"
MODEL_BYTES = 4 * 266_610  # its float32 parameters
SLOWDOWN = 30  # a crafted file may take this many times as long as the shipped one (+ 1 s)


# --- a writer of the format, field by field, independent of compressed.py's -------------------


@dataclasses.dataclass
class Layer:
    name: bytes
    shape: tuple
    codebook: bytes  # k float32
    k: int
    index_bits: int
    entries: int
    weight_lengths: bytes
    gap_lengths: bytes
    weight_bytes: int  # declared in the header
    gap_bytes: int
    has_bias: int
    weight_stream: bytes  # what the body holds
    gap_stream: bytes
    bias: bytes


def fields(encoded):
    """The raw fields of ``compressed.EncodedLayer`` ``encoded``."""
    bias = b"" if encoded.bias is None else encoded.bias.astype("<f4").tobytes()
    return Layer(
        encoded.name.encode(), tuple(encoded.shape), encoded.codebook.astype("<f4").tobytes(), len(encoded.codebook),
        encoded.index_bits, encoded.entries, bytes(encoded.weight_lengths.astype(np.uint8)),
        bytes(encoded.gap_lengths.astype(np.uint8)), len(encoded.weight_stream), len(encoded.gap_stream),
        int(encoded.bias is not None), encoded.weight_stream, encoded.gap_stream, bias,
    )  # fmt: skip


def write(layers, name=None, count=None, version=1, tail=b""):
    """A file of ``layers`` with a CRC that matches, whatever the fields say."""
    header = b"".join(
        struct.pack("<B", len(layer.name)) + layer.name
        + struct.pack(f"<B{len(layer.shape)}I", len(layer.shape), *layer.shape)
        + struct.pack("<H", layer.k) + layer.codebook
        + struct.pack("<BI", layer.index_bits, layer.entries) + layer.weight_lengths + layer.gap_lengths
        + struct.pack("<IIB", layer.weight_bytes, layer.gap_bytes, layer.has_bias)
        for layer in layers
    )  # fmt: skip
    body = b"".join(layer.weight_stream + layer.gap_stream + layer.bias for layer in layers)
    count = len(layers) if count is None else count
    name = MODEL.encode() if name is None else name
    payload = struct.pack("<B", len(name)) + name + struct.pack("<B", count) + header + body + tail
    return compressed.MAGIC + struct.pack("<BI", version, zlib.crc32(payload)) + payload


@pytest.fixture(scope="module")
def shipped():
    path = experiments.path("deep_compression", f"{MODEL}.dc")
    layers = [fields(layer) for layer in compressed.encode_model(compressed.load_compressed(path))]
    assert write(layers) == path.read_bytes()  # the writer above is the format
    return layers


def with_stream(layer, symbols, lengths, which="weight"):
    """``layer`` whose ``which`` stream codes ``symbols`` with ``lengths`` (fields kept consistent)."""
    stream, _ = huffman.encode(symbols, lengths)
    changes = {f"{which}_stream": stream, f"{which}_bytes": len(stream), f"{which}_lengths": bytes(np.uint8(lengths))}
    return dataclasses.replace(layer, entries=len(symbols), **changes)


def kraft_complete(symbols, longest=huffman.MAX_CODE_BITS):
    """Lengths 1, 2, ..., longest - 1, longest, longest: a complete code with ``longest``-bit codes."""
    lengths = np.zeros(symbols, dtype=np.int64)
    lengths[: longest + 1] = list(range(1, longest + 1)) + [longest]
    return lengths


def crafted_files(layers):
    """``(what, bytes)`` of files with a valid CRC, each one field (or stream) off."""
    fc1, fc2, fc3 = layers
    size = int(np.prod(fc1.shape))

    def one(what, layer=0, **changes):
        changed = list(layers)
        changed[layer] = dataclasses.replace(layers[layer], **changes)
        return what, write(changed)

    yield "as shipped", write(layers)
    yield "unknown model", write(layers, name=b"alexnet")
    yield "empty model name", write(layers, name=b"")
    yield "no layers", write([], count=0)
    yield "layer count 255", write(layers, count=255)
    yield "layer count 2", write(layers, count=2)
    yield "version 0", write(layers, version=0)
    yield "junk after the last layer", write(layers, tail=b"\0")
    yield "12 MB after the last layer", write(layers, tail=bytes(12 << 20))
    for value in (b"", b"fc1", b"1" * 255, b"\xff\xfe"):
        yield one(f"layer name {value[:8]!r}", name=value)
    for shape in ((), (300,), (300, 784, 1), (784, 300), (2**32 - 1, 784), (300,) * 255):
        yield one(f"shape {shape[:4]}", shape=shape)
    for k in (0, 1, fc1.k + 1, compressed.MAX_SHARED_VALUES, compressed.MAX_SHARED_VALUES + 1, 65535):
        yield one(f"k={k}", k=k)
    for value in (np.nan, np.inf, 0.0, -0.0):
        codebook = np.frombuffer(fc1.codebook, "<f4").copy()
        codebook[3] = value
        yield one(f"codebook value {value}", codebook=codebook.tobytes())
    yield one("codebook unsorted", codebook=np.frombuffer(fc1.codebook, "<f4")[::-1].tobytes())
    for bits in (0, 9, 16, 17, 255):
        gap_lengths = bytes(np.uint8(huffman.code_lengths(np.ones(1 << min(bits, 16), dtype=int))))
        yield one(f"index bits {bits}", index_bits=bits, gap_lengths=gap_lengths)
    for entries in (0, 1, fc1.entries - 1, fc1.entries + 1, size, size + 1, 2**32 - 1):
        yield one(f"entries {entries}", entries=entries)
    for value in (0, 49, 255):
        lengths = bytearray(fc1.weight_lengths)
        lengths[1] = value
        yield one(f"a weight code length {value}", weight_lengths=bytes(lengths))
    yield one("weight code breaks Kraft", weight_lengths=bytes([1] * (fc1.k + 1)))
    yield one("gap code breaks Kraft", gap_lengths=bytes([1] * len(fc1.gap_lengths)))
    yield one("no gap code", gap_lengths=bytes(len(fc1.gap_lengths)))
    for name in ("weight_bytes", "gap_bytes"):
        for value in (0, getattr(fc1, name) - 1, getattr(fc1, name) + 1, 2**32 - 1):
            yield one(f"{name} {value}", **{name: value})
    for has_bias in (0, 2, 255):
        yield one(f"bias flag {has_bias}", has_bias=has_bias)
    yield one("bias nan", layer=2, bias=struct.pack("<f", np.nan) + fc3.bias[4:])
    # streams: padded with junk or zeros, cut short, nonzero padding bits, one bit too many
    for pad in (b"\0", b"\xff", bytes(64), os.urandom(4096)):
        stream = fc1.weight_stream + pad
        yield one(f"weight stream + {pad[:2]!r}.. ({len(pad)} B)", weight_stream=stream, weight_bytes=len(stream))
    stream = fc1.gap_stream[:-1]
    yield one("gap stream short a byte", gap_stream=stream, gap_bytes=len(stream))
    stream = fc1.gap_stream[:-1] + bytes([fc1.gap_stream[-1] | 1])
    yield one("gap stream padding bit set", gap_stream=stream)
    for seed in range(4):  # junk streams of the right length
        junk = np.random.default_rng(seed).bytes(fc1.weight_bytes)
        yield one(f"weight stream of junk {seed}", weight_stream=junk)
        junk = np.random.default_rng(seed).bytes(fc1.gap_bytes)
        yield one(f"gap stream of junk {seed}", gap_stream=junk)
    # extreme lengths: a Kraft-complete code with 48-bit codes, every entry used, junk behind it
    codebook = np.linspace(-1, 1, 50, dtype="<f4")
    codebook = codebook[codebook != 0][:48].tobytes()
    lengths = kraft_complete(49)
    rng = np.random.default_rng(0)
    gaps1 = with_stream(fc1, np.zeros(size, dtype=np.int64), [1] + [0] * (len(fc1.gap_lengths) - 1), "gap")
    long_codes = dict(k=48, codebook=codebook, weight_lengths=bytes(np.uint8(lengths)))
    for what, n_bytes in (("exactly entries x 48 bits", size * 6), ("3 MB", 3 << 20), ("12 MB", 12 << 20)):
        junk = rng.bytes(n_bytes)
        layer = dataclasses.replace(gaps1, weight_stream=junk, weight_bytes=len(junk), **long_codes)
        yield f"48-bit code, {what} of junk", write([layer, fc2, fc3])
    symbols = rng.integers(0, 49, size=size)
    longest = dataclasses.replace(with_stream(gaps1, symbols, lengths), k=48, codebook=codebook)  # valid
    yield "48-bit code, all entries", write([longest, fc2, fc3])
    n = size // 2 + 1  # gaps of 2 from position 1: the last one lands past the layer's end
    past = with_stream(dataclasses.replace(gaps1, k=1, codebook=codebook[:4]), np.ones(n, dtype=np.int64), [1, 1])
    past = with_stream(past, np.ones(n, dtype=np.int64), [1, 1], "gap")
    yield "gaps past the end", write([dataclasses.replace(past, index_bits=1), fc2, fc3])


def attempt(path):
    """Read the file at ``path``: ``"loaded"`` (checked) or ``"refused: why"``."""
    try:
        model_name, layers = compressed.read_compressed(path)
    except compressed.CompressedFileError as error:
        assert "\n" not in str(error) and str(path) in str(error)
        return f"refused: {str(error).split(': ', 1)[1]}"
    assert model_name == MODEL
    for (_, shape, has_bias), (_, weight, bias) in zip(compressed._layers_of(MODEL), layers):
        assert weight.shape == shape and np.isfinite(weight).all() and (bias is not None) == has_bias
    return "loaded"


def test_crafted_files_load_or_are_refused_in_bounded_memory_and_time(shipped, tmp_path):
    report, worst, shipped_seconds = [], (0.0, 0.0), None
    for what, content in crafted_files(shipped):
        path = tmp_path / "crafted.dc"
        path.write_bytes(content)
        size = len(content)
        del content
        start = time.perf_counter()
        outcome = attempt(path)
        seconds = time.perf_counter() - start
        tracemalloc.start()  # again, for the peak memory (tracemalloc slows Python's allocations)
        try:
            assert attempt(path) == outcome
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        report.append(f"{what:40s} {size:>11,d} B  peak {peak / 2**20:5.1f} MiB  {seconds:5.2f} s  {outcome[:80]}")
        shipped_seconds = shipped_seconds or seconds  # the first file is the shipped one
        assert seconds < 1 + SLOWDOWN * shipped_seconds, report[-1]
        assert peak < 3 * size + 8 * MODEL_BYTES, report[-1]
        worst = max(worst[0], peak / (size + MODEL_BYTES)), max(worst[1], seconds)
        assert outcome == "loaded" or what != "as shipped"
    print("\n".join(report), f"\nworst peak / (file + model) = {worst[0]:.2f}, slowest {worst[1]:.2f} s")


def test_shipped_file_and_a_valid_crafted_file_load(shipped, tmp_path):
    # the fuzz above must be able to load: the 48-bit stream of every entry is a valid file
    files = dict(crafted_files(shipped))
    for what in ("as shipped", "48-bit code, all entries"):
        (tmp_path / "x.dc").write_bytes(files[what])
        model = compressed.load_compressed(tmp_path / "x.dc")
        assert sum(p.numel() for p in model.parameters()) * 4 == MODEL_BYTES


def test_huffman_decode_refuses_a_huge_stream_before_reading_it():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="too long"):
            huffman.decode(bytes(50 << 20), 10, [1, 1])
        assert tracemalloc.get_traced_memory()[1] < (50 << 20) + (1 << 20)  # the one copy of the bytes
    finally:
        tracemalloc.stop()
    with pytest.raises(ValueError, match="ends early"):
        huffman.decode(b"\0", 10**12, [1, 1])


# --- out-of-range arguments: a ValueError naming the argument ---------------------------------

negative = st.integers(max_value=-1)
not_an_integer = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: x != int(x) if np.isfinite(x) else True),
    st.text(max_size=3),
    st.booleans(),
    st.none(),
)


def raises_naming(name, function, *args):
    with pytest.raises(ValueError, match=name):
        function(*args)


@settings(max_examples=50, deadline=None)
@given(count=st.one_of(negative, not_an_integer))
def test_decode_count(count):
    raises_naming("count", huffman.decode, b"", count, [1, 1])


@settings(max_examples=50, deadline=None)
@given(lengths=st.lists(st.one_of(negative, st.integers(huffman.MAX_CODE_BITS + 1, 2**70)), min_size=1, max_size=5))
def test_lengths_out_of_range(lengths):
    for function in (huffman.check_lengths, huffman.canonical_codes):
        raises_naming("lengths", function, lengths)
    raises_naming("lengths", huffman.encode, [0], lengths)
    raises_naming("lengths", huffman.decode, b"", 0, lengths)


@settings(max_examples=50, deadline=None)
@given(lengths=st.lists(st.integers(1, 6), min_size=2, max_size=70))
def test_lengths_that_break_kraft_are_refused_by_encode_and_decode(lengths):
    if sum(2.0**-n for n in lengths) <= 1:
        assert huffman.decode(b"", 0, lengths).tolist() == []
        return
    raises_naming("Kraft", huffman.encode, [0], lengths)
    raises_naming("Kraft", huffman.decode, b"\0", 1, lengths)


@settings(max_examples=50, deadline=None)
@given(symbol=st.one_of(negative, st.integers(3, 2**70)))
def test_encode_symbols_out_of_range(symbol):
    raises_naming("symbols", huffman.encode, [0, symbol], [1, 2, 2])


@settings(max_examples=50, deadline=None)
@given(counts=st.lists(st.one_of(negative, st.floats(allow_nan=True).filter(lambda x: not x >= 0)), min_size=1))
def test_counts_out_of_range(counts):
    for function in (huffman.huffman_tree, huffman.code_lengths, huffman.entropy_bits):
        raises_naming("counts", function, counts)
    raises_naming("counts", huffman.mean_code_length, counts, [1] * len(counts))


@settings(max_examples=50, deadline=None)
@given(bits=st.one_of(st.integers(max_value=0), st.integers(huffman.MAX_INDEX_BITS + 1, 2**70), not_an_integer))
def test_index_bits_out_of_range(bits):
    raises_naming("bits", huffman.relative_indices, [0, 3], bits)
    raises_naming("bits", huffman.filler_count, [0, 3], bits)


@settings(max_examples=50, deadline=None)
@given(positions=st.lists(st.integers(), min_size=2, max_size=10))
def test_positions_not_sorted_distinct_nonnegative(positions):
    if min(positions) >= 0 and all(a < b for a, b in zip(positions, positions[1:])):
        return
    raises_naming("positions", huffman.relative_indices, positions, 3)
    raises_naming("positions", huffman.filler_count, positions, 3)


@settings(max_examples=50, deadline=None)
@given(gap=st.integers(max_value=0))
def test_gaps_below_one(gap):
    raises_naming("gaps", huffman.positions_from_gaps, [1, gap])


@settings(max_examples=50, deadline=None)
@given(dim=st.integers(max_value=0), nonzeros=st.one_of(negative, st.integers(33, 2**70)))
def test_csr_index_bits_out_of_range(dim, nonzeros):
    raises_naming("shape", huffman.csr_index_bits, (4, dim), 1)
    raises_naming("nonzeros", huffman.csr_index_bits, (4, 8), nonzeros)


def test_numpy_integers_are_integers():
    lengths = np.array([1, 2, 2], dtype=np.uint8)
    data_, bits = huffman.encode(np.array([2, 0, 1], dtype=np.int16), lengths)
    assert huffman.decode(data_, np.int64(3), lengths).tolist() == [2, 0, 1]
    assert huffman.relative_indices(np.array([0, 9]), np.int32(3))[0].tolist() == [1, 8, 1]
    assert huffman.csr_index_bits((np.int64(4), np.int64(8)), np.uint16(5)) == 30
    assert huffman.check_lengths([1, 1], max_length=np.int8(1)).tolist() == [1, 1]


# --- shipped data: missing folders are not created, every shipped file has its SHA-256 ----------


def test_load_mnist_from_a_missing_folder_creates_nothing(tmp_path):
    root = tmp_path / "nowhere"
    with pytest.raises(data.DataError) as error:
        data.load_mnist("test", root=root)
    assert not root.exists() and "\n" not in str(error.value) and "is missing" in str(error.value)


def test_the_manifest_lists_every_shipped_file_with_its_sha256():
    manifest = integrity.read_manifest(experiments.DATA)
    assert sorted(manifest) == integrity.shipped_files(experiments.DATA)
    for name, digest in manifest.items():
        assert integrity.sha256(experiments.DATA / name) == digest, f"data/{name} differs from data/SHA256SUMS"


def test_a_flipped_bit_in_a_shipped_file_is_caught(tmp_path):
    root = tmp_path / "data"
    (root / "weights").mkdir(parents=True)
    shipped = experiments.DATA / "weights" / "lenet5.safetensors"
    copy = root / "weights" / shipped.name
    copy.write_bytes(shipped.read_bytes())
    integrity.write_manifest(root, {"weights/lenet5.safetensors": integrity.sha256(shipped)})
    assert integrity.verify(copy, root, "baselines") == copy
    damaged = bytearray(copy.read_bytes())
    damaged[len(damaged) // 2] ^= 0x10
    copy.write_bytes(bytes(damaged))
    with pytest.raises(data.DataError) as error:
        integrity.verify(copy, root, "baselines")
    message = str(error.value)
    assert "\n" not in message and str(copy) in message
    assert "`git checkout -- data/weights/lenet5.safetensors`" in message
    assert "`python -m coursekit.reproduce baselines`" in message
    (root / "weights" / "mine.safetensors").write_bytes(b"a student's own file")  # not listed: not checked
    integrity.verify(root / "weights" / "mine.safetensors", root)


# --- every public method: out-of-range arguments name themselves (issue 17, group 4) ------------


bad_k = st.one_of(st.integers(max_value=0), st.integers(300, 2**80), not_an_integer)


@settings(max_examples=40, deadline=None)
@given(k=bad_k)
def test_kmeans_k_out_of_range(k):
    x = np.linspace(-1, 1, 299)
    for kmeans in (quantization.kmeans_1d, kmeans_fast.kmeans_1d):
        raises_naming("k", kmeans, x, k)


@pytest.mark.parametrize("kmeans", [quantization.kmeans_1d, kmeans_fast.kmeans_1d])
def test_kmeans_refuses_nan_and_takes_numpy_integers(kmeans):
    raises_naming("finite", kmeans, np.array([0.1, np.nan, 0.3]), 2)
    raises_naming("finite", kmeans, np.array([0.1, np.inf, 0.3]), 2)
    codebook, indices = kmeans(np.array([0.1, 0.2, 0.9, 1.0]), np.int64(2), "linear", np.int32(0))
    assert len(codebook) == 2 and indices.tolist() == [0, 0, 1, 1]


@settings(max_examples=40, deadline=None)
@given(value=st.one_of(st.floats(max_value=-1e-9), st.just(float("nan")), st.just(float("inf")), st.text(max_size=2)))
def test_pruning_arguments(value):
    model = models.build("lenet_300_100")
    raises_naming("quality", pruning.std_masks, model, value)
    raises_naming("sparsity", pruning.geometric_schedule, {"fc1": value}, 3)
    raises_naming("sparsity", pruning.geometric_schedule, {"fc1": 1.5}, 3)
    raises_naming("steps", pruning.geometric_schedule, {"fc1": 0.5}, 0)
    raises_naming("energy", factorization.rank_for_energy, torch.tensor([3.0, 2.0, 1.0]), value)
    raises_naming("n", quantization.compression_rate, value, 4)
    raises_naming("nonzero", quantization.layer_bits, 10, -5)


def test_rank_for_energy_never_exceeds_the_matrix():
    for s in (torch.tensor([1.0, 1e-9, 1e-12]), torch.rand(50), torch.zeros(4)):
        assert 1 <= factorization.rank_for_energy(s, 1.0) <= len(s)


def test_structured_arguments():
    units = experiment_structured.UNITS["lenet_300_100"]
    model = structured.add_masks(models.build("lenet_300_100"), units)
    layer = model[units["fc1"][0]]
    for k in (-1, 300, 2.0, "3"):
        raises_naming("k", structured.remove_map, layer, k)
    scores = {unit: torch.rand(len(structured.kept(model[layer_]))) for unit, (layer_, _) in units.items()}
    raises_naming("count", structured.lowest_maps, model, units, scores, -1)
    small = structured.add_masks(
        torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2)), {"fc1": (0, 1)}
    )
    structured.remove_map(small[0], np.int64(0))
    raises_naming("last map", structured.remove_map, small[0], 1)  # the network would compute nothing


# --- the argument checks speak the chosen language (coursekit/i18n.py, keys arguments.*) ---------


ARGUMENT_ERRORS = [  # (check, its arguments, the English text, the Russian text)
    (arguments.integer, (9, "bits", 1, 8),
     "bits must be an integer from 1 to 8, got 9",
     "bits: ожидается целое число от 1 до 8, получено 9"),
    (arguments.integer, ("3", "rank", 1),
     "rank must be an integer >= 1, got '3' (str)",
     "rank: ожидается целое число >= 1, получено '3' (str)"),
    (arguments.number, (1.5, "sparsity", 0, 1),
     "sparsity must be a finite number >= 0 and <= 1, got 1.5",
     "sparsity: ожидается конечное число >= 0 и <= 1, получено 1.5"),
    (arguments.number, ("a", "b", None, None, 0),
     "b must be a finite number > 0, got 'a' (str)",
     "b: ожидается конечное число > 0, получено 'a' (str)"),
    (arguments.integers, ([[1, 2]], "counts", 0, 5),
     "counts must be a 1-D sequence of integers from 0 to 5, got an array of shape (1, 2)",
     "counts: ожидается одномерная последовательность целых чисел от 0 до 5, получен массив формы (1, 2)"),
    (arguments.integers, ([[1], [2, 3]], "counts", 0),
     "counts must be a 1-D sequence of integers >= 0",
     "counts: ожидается одномерная последовательность целых чисел >= 0"),
    (arguments.integers, ([1, -1], "counts", 0),
     "counts must hold integers >= 0, got -1",
     "counts: ожидаются целые числа >= 0, получено -1"),
    (arguments.integers, ([True], "counts"),
     "counts must hold integers, got bool values",
     "counts: ожидаются целые числа, получены значения типа bool"),
    (arguments.finite, (np.array([1.0, np.inf]), "x"),
     "x must be finite: it holds nan or inf",
     "x: ожидаются конечные значения, а встречаются nan или inf"),
    (arguments.choice, ("z", "init", ("linear", "density")),
     "init must be one of ['linear', 'density'], got 'z'",
     "init: ожидается одно из значений ['linear', 'density'], получено 'z'"),
    (arguments.boolean, ("no", "flag"),
     "flag must be True or False, got 'no' (str)",
     "flag: ожидается True или False, получено 'no' (str)"),
]  # fmt: skip


# --- so do the method modules' own argument errors (keys factorization.*, pruning.*, quantization.*)

LINEAR, CONV = models.build("lenet_300_100"), models.build("lenet5")  # layers fc1..fc3; conv1, conv2, fc1..fc3

METHOD_ERRORS = [  # (function, its arguments, the English text, the Russian text)
    (factorization.low_rank, (torch.zeros(5, 7), 0),
     "rank must be an integer in [1, 5] for a 5 x 7 matrix, got 0",
     "rank: для матрицы 5 x 7 ожидается целое число в диапазоне [1, 5], получено 0"),
    (factorization.rank_for_energy, (torch.ones(3), 1.5),
     "energy must be a fraction in (0, 1], got 1.5",
     "energy: ожидается доля в диапазоне (0, 1], получено 1.5"),
    (factorization.rank_for_energy, (torch.ones(2, 2), 0.5),
     "singular_values must be a non-empty 1-D tensor of numbers >= 0",
     "singular_values: ожидается непустой одномерный тензор чисел >= 0"),
    (factorization.factorize_network, (LINEAR, {"fc4": 3}),
     "the model has no layer 'fc4'; its layers are ['fc1', 'fc2', 'fc3']",
     "в модели нет слоя 'fc4'; её слои: ['fc1', 'fc2', 'fc3']"),
    (factorization.factorize_network, (CONV, {"conv1": 3}),
     "layer conv1 of the model is Conv2d, not nn.Linear",
     "слой conv1 модели — Conv2d, а не nn.Linear"),
    (factorization.ranks_for_fraction, (LINEAR, 0, ["fc1"]),
     "fraction of the full rank must be in (0, 1], got 0",
     "доля полного ранга: ожидается число в диапазоне (0, 1], получено 0"),
    (pruning.smallest_mask, (torch.ones(4), 90),
     "sparsity must be a fraction in [0, 1] (e.g. 0.9 for 90%), not 90",
     "sparsity: ожидается доля в диапазоне [0, 1] (например, 0.9 для 90%), а не 90"),
    (pruning.layerwise_masks, (LINEAR, {"fc9": 0.5}),
     "unknown layers ['fc9']; this model has ['fc1', 'fc2', 'fc3']",
     "неизвестные слои ['fc9']; слои этой модели: ['fc1', 'fc2', 'fc3']"),
    (pruning.std_masks, (LINEAR, {"fc9": 1.0}),
     "quality names unknown layers ['fc9']; this model has ['fc1', 'fc2', 'fc3']",
     "в quality указаны неизвестные слои ['fc9']; слои этой модели: ['fc1', 'fc2', 'fc3']"),
    (pruning.kept_parameters, (LINEAR, {"fc1": 0.5}),
     "keep rates given for ['fc1'], but the layers are ['fc1', 'fc2', 'fc3']",
     "доли оставляемых весов (keep) заданы для ['fc1'], а слои модели: ['fc1', 'fc2', 'fc3']"),
    (quantization.kmeans_1d, (np.array([1.0, np.nan]), 2),
     "x must be finite: it holds nan or inf",
     "x: ожидаются конечные значения, а встречаются nan или inf"),
    (quantization.kmeans_1d, (np.array([1.0, 2.0]), 2, "z"),
     "unknown init 'z': choose one of ['random', 'density', 'linear', 'kmeans++'] or pass k centroids",
     "неизвестная инициализация 'z': выберите одну из ['random', 'density', 'linear', 'kmeans++'] или передайте "
     "k центроидов"),
    (quantization.kmeans_1d, (np.array([1.0, 2.0, 3.0]), 2, [1.0, 2.0, 3.0]),
     "init has 3 centroids, expected k = 2",
     "в init центроидов: 3, а ожидается k = 2"),
    (quantization.kmeans_1d, (np.array([]), 2),
     "kmeans_1d needs at least one value",
     "kmeans_1d: нужно хотя бы одно значение"),
    (kmeans_fast.kmeans_1d, (np.array([]), 2),
     "kmeans_1d needs at least one value",
     "kmeans_1d: нужно хотя бы одно значение"),
]  # fmt: skip


@pytest.mark.parametrize(
    "function, args, english, russian",
    ARGUMENT_ERRORS + METHOD_ERRORS,
    ids=[
        f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}-{i}"
        for i, (f, *_) in enumerate(ARGUMENT_ERRORS + METHOD_ERRORS)
    ],
)
def test_errors_in_english_and_russian(function, args, english, russian):
    """Each error of arguments.py and of the methods' own checks, word for word in both languages."""
    with pytest.raises(ValueError) as error:
        function(*args)
    assert str(error.value) == english
    coursekit.set_language("ru")
    try:
        with pytest.raises(ValueError) as error:
            function(*args)
        assert str(error.value) == russian
    finally:
        coursekit.set_language("en")


# --- command lines: arguments checked and shipped data kept before any work (groups 2, 5, 6) ----


def never(*args, **kwargs):
    raise AssertionError("the work started before the arguments were checked")


@pytest.mark.parametrize("epochs", ["0", "-3", "nan", "inf", "x"])
def test_train_refuses_bad_epochs(epochs, monkeypatch, capsys):
    monkeypatch.setattr(baselines, "train_baseline", never)
    with pytest.raises(SystemExit):
        train.main(["lenet5", "--epochs", epochs])
    assert "--epochs" in capsys.readouterr().err


def test_train_never_overwrites_the_shipped_baseline_unasked(monkeypatch, tmp_path):
    monkeypatch.setattr(baselines, "train_baseline", never)
    for argv in (["lenet5"], ["lenet5", "--epochs", "1"], ["lenet5", "--out", str(tmp_path / "no" / "x.safetensors")]):
        with pytest.raises(SystemExit) as error:
            train.main(argv)
        assert "\n" not in str(error.value.code) and ("--force" in error.value.code or "directory" in error.value.code)


def test_reproduce_never_overwrites_shipped_data_unasked(monkeypatch):
    monkeypatch.setattr(importlib, "import_module", never)
    for chapter in ("baselines", "pruning", "deep_compression", "all"):
        with pytest.raises(SystemExit) as error:
            reproduce.main([chapter])
        assert "--force" in error.value.code and "\n" not in error.value.code


def test_compress_checks_its_output_before_any_training(monkeypatch, tmp_path):
    monkeypatch.setattr(experiment_deep_compression, "_run_pipeline", never)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    targets = [tmp_path / "missing" / "x.dc", tmp_path, "data/compressed/lenet5.dc"]
    if os.geteuid() != 0:  # root writes anywhere
        targets.append(locked / "x.dc")
    for target in targets:
        with pytest.raises(SystemExit) as error:
            cli.main(["compress", "lenet_300_100", "--out", str(target)])
        assert error.value.code.startswith("error: ") and "\n" not in error.value.code
    for target in targets[:2]:
        with pytest.raises(OSError):
            experiment_deep_compression.compress("lenet_300_100", target)  # the function checks first too


def test_inspect_reports_what_a_path_is_in_one_line(tmp_path):
    os.mkfifo(tmp_path / "fifo.dc")
    (tmp_path / "loop.dc").symlink_to(tmp_path / "loop.dc")
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    expected = {tmp_path: "directory", tmp_path / "fifo.dc": "FIFO", tmp_path / "loop.dc": "symbolic link"}
    for path, what in expected.items():
        with pytest.raises(SystemExit) as error:
            cli.main(["inspect", str(path)])
        assert what in error.value.code and "\n" not in error.value.code


def test_load_sparse_bounds_shapes_and_names_malformed_files(tmp_path):
    shipped = experiments.path("pruning", "lenet_300_100_pruned.safetensors")
    with safe_open(shipped, "pt") as f:
        metadata, tensors = f.metadata(), {key: f.get_tensor(key) for key in f.keys()}
    shapes = json.loads(metadata["shapes"])
    edited = {**shapes, next(iter(shapes)): [100_000, 100_000]}  # asks for 40 GB
    cases = {
        "shapes": {**metadata, "shapes": json.dumps(edited)},
        "not JSON": {**metadata, "shapes": "{"},
        "missing": {k: v for k, v in metadata.items() if k != "shapes"},
        "model": {**metadata, "model": "alexnet"},
    }
    for what, meta in cases.items():
        save_file(tensors, tmp_path / "x.safetensors", metadata=meta)
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match=what):
                pruning.load_sparse(tmp_path / "x.safetensors")
            assert tracemalloc.get_traced_memory()[1] < 50 << 20
        finally:
            tracemalloc.stop()
    (tmp_path / "x.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="x.safetensors"):
        pruning.load_sparse(tmp_path / "x.safetensors")


def test_panel_update_refuses_wrong_types_in_one_line():
    panel = widgets.pruning_panel()
    for values in ({"sparsity": "50"}, {"sparsity": 50.5}, {"sparsity": 150}, {"scope": "x"}, {"retrained": "no"}):
        with pytest.raises(ValueError) as error:
            panel.update(**values)
        assert "\n" not in str(error.value) and next(iter(values)) in str(error.value)
    assert panel.update(sparsity=np.int64(50))["sparsity"] == 50


def test_a_flipped_bit_in_shipped_weights_stops_the_loader(tmp_path, monkeypatch):
    root = tmp_path / "data"
    (root / "weights").mkdir(parents=True)
    for name in ("weights/lenet5.safetensors", "weights/lenet5.json", integrity.MANIFEST):
        (root / name).write_bytes((experiments.DATA / name).read_bytes())
    monkeypatch.setattr(experiments, "DATA", root)
    monkeypatch.setattr(baselines, "DATA", root)
    assert baselines.pretrained("lenet5") is not None
    weights = root / "weights" / "lenet5.safetensors"
    damaged = bytearray(weights.read_bytes())
    damaged[-100] ^= 0x04
    weights.write_bytes(bytes(damaged))
    with pytest.raises(data.DataError, match="git checkout -- data/weights/lenet5.safetensors"):
        baselines.pretrained("lenet5")
    with pytest.raises(data.DataError, match="python -m coursekit.reproduce baselines"):
        experiments.path("baselines", "lenet5.safetensors")
