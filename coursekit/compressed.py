"""The compressed model file: a pruned, weight-shared network as Huffman-coded bit streams.

``save_compressed(model, path)`` writes one file and ``load_compressed(path)`` rebuilds the
dense model from it, with exactly the same weights. No pickle: the file is plain bytes we lay
out ourselves, little-endian:

    magic  b"CKDC"                                   4 bytes
    format version                                   1 byte
    CRC32 of everything after it                     4 bytes
    model name                                       1 byte length + UTF-8
    number of layers                                 1 byte
    per layer, the header:
        name                                         1 byte length + UTF-8
        shape                                        1 byte ndim + 4 bytes per dimension
        codebook: k shared values                    2 bytes k + k float32
        relative-index bits b                        1 byte
        stored entries (nonzeros + fillers)          4 bytes
        Huffman code lengths, weight symbols 0..k    k + 1 bytes
        Huffman code lengths, gaps 1..2**b           2**b bytes
        byte lengths of the two streams              4 + 4 bytes
        has a bias                                   1 byte
    per layer, the body:
        Huffman stream of weight symbols             (0 = filler zero, s = codebook[s - 1])
        Huffman stream of gaps                       (Deep Compression Fig. 2, ``gap - 1`` coded)
        bias                                         float32 per output

The model's size on disk is this file's size, everything counted.

The CRC of version 1 covers everything after itself; later versions' CRC also covers the version
byte. So a reader that finds another version number checks which CRC matches: the payload's alone
(a damaged version byte of a version 1 file) or the version byte's and the payload's (a newer file).

Limits a reader checks before it allocates (a file is read only when all hold, so a crafted file
costs at most a few times its own size plus the model's in memory):

- the file's size: at most ``max_file_bytes(model)`` (LeNet-5: 5.5 MB, LeNet-300-100: 3.6 MB),
  from ``os.stat`` before reading and again from the model name before parsing;
- the layers are the model's: names, shapes and biases (the largest, LeNet-5's fc1, has 400,000
  weights), so ``entries`` <= the layer's weights;
- k <= ``MAX_SHARED_VALUES`` (4,096) finite, nonzero, increasing shared values; relative indices
  of 1 .. ``huffman.MAX_INDEX_BITS`` (16) bits; code lengths <= ``huffman.MAX_CODE_BITS`` (48) bits
  that satisfy Kraft's inequality;
- each stream's byte length fits ``entries`` codes of those lengths with at most 7 bits of zero
  padding, and the streams and biases add up to exactly the rest of the file.
"""

import functools
import os
import stat
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import huffman, network
from .models import ARCHITECTURES, build

__all__ = [
    "MAGIC",
    "VERSION",
    "MAX_SHARED_VALUES",
    "CompressedFileError",
    "EncodedLayer",
    "shared_values",
    "encode_layer",
    "layer_file_bytes",
    "encode_model",
    "architecture_of",
    "save_compressed",
    "read_compressed",
    "parse_compressed",
    "load_compressed",
    "max_file_bytes",
]

MAGIC = b"CKDC"
VERSION = 1
MAX_SHARED_VALUES = 4096  # a layer with more distinct nonzero weights is not weight-shared
INDEX_BITS_TRIED = range(1, 9)  # relative-index widths tried per layer: the smallest file wins
PREFIX_BYTES = 4 + 1 + 4 + 1 + 255  # magic, version, CRC and the model name: read before the rest


class CompressedFileError(ValueError):
    """A compressed model file that cannot be read: it says which file and what is wrong."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")


# --- from a model to streams ----------------------------------------------------------------


def _stored_layers(model):
    """The ``(name, module)`` of every weight layer of ``model`` (``network.layers``), in order, each
    named by its path in the model (``"1"``, ``"3"``, ... in a ``Sequential``): the name the file stores."""
    paths = {module: name for name, module in model.named_modules()}
    return [(paths[module], module) for module in network.layers(model).values()]


@dataclass
class EncodedLayer:
    """One layer in the file's terms; ``*_lengths`` are Huffman code lengths per symbol."""

    name: str
    shape: tuple
    codebook: np.ndarray  # k float32 shared values (the zero is implicit: symbol 0)
    index_bits: int
    entries: int  # nonzeros + fillers
    fillers: int
    weight_lengths: np.ndarray  # k + 1
    gap_lengths: np.ndarray  # 2**index_bits
    weight_stream: bytes
    gap_stream: bytes
    weight_stream_bits: int
    gap_stream_bits: int
    bias: np.ndarray | None  # float32

    @property
    def size(self):
        """Number of weights of the dense layer."""
        return int(np.prod(self.shape))

    @property
    def nonzeros(self):
        return self.entries - self.fillers


def shared_values(weight, layer="layer"):
    """The codebook of a weight-shared layer and each weight's symbol.

    Returns ``(codebook, symbols)``: the sorted distinct nonzero values (float32, k of them) and
    an int array shaped like ``weight`` with 0 for a zero weight and ``s`` for ``codebook[s - 1]``.
    """
    if not np.isfinite(weight).all():
        raise ValueError(f"{layer} has weights that are not finite (nan or inf): they cannot be saved")
    codebook = np.unique(weight[weight != 0]).astype(np.float32)
    if len(codebook) > MAX_SHARED_VALUES:
        raise ValueError(
            f"{layer} has {len(codebook):,} distinct nonzero weights: quantize it to at most "
            f"{MAX_SHARED_VALUES} shared values (weight sharing) before saving it compressed"
        )
    symbols = np.searchsorted(codebook, weight) + 1
    symbols[weight == 0] = 0
    return codebook, symbols


def encode_layer(name, weight, bias, index_bits):
    """Encode one pruned, weight-shared layer with ``index_bits``-bit relative indices."""
    codebook, symbols = shared_values(weight, layer=f"layer {name!r}")
    if bias is not None and not np.isfinite(bias).all():
        raise ValueError(f"layer {name!r} has a bias that is not finite (nan or inf): it cannot be saved")
    flat = symbols.reshape(-1)
    positions = np.flatnonzero(flat)
    gaps, is_filler = huffman.relative_indices(positions, index_bits)
    weight_symbols = np.zeros(len(gaps), dtype=np.int64)  # fillers store the weight 0
    weight_symbols[~is_filler] = flat[positions]
    weight_lengths = huffman.code_lengths(np.bincount(weight_symbols, minlength=len(codebook) + 1))
    gap_lengths = huffman.code_lengths(np.bincount(gaps - 1, minlength=1 << index_bits))
    weight_stream, weight_bits = huffman.encode(weight_symbols, weight_lengths)
    gap_stream, gap_bits = huffman.encode(gaps - 1, gap_lengths)
    return EncodedLayer(
        name,
        tuple(weight.shape),
        codebook,
        index_bits,
        len(gaps),
        int(is_filler.sum()),
        weight_lengths,
        gap_lengths,
        weight_stream,
        gap_stream,
        weight_bits,
        gap_bits,
        None if bias is None else np.asarray(bias, dtype=np.float32),
    )


def layer_header_bytes(layer):
    """Bytes of one layer's header in the file (see the module docstring)."""
    name = len(layer.name.encode())
    return (
        1
        + name
        + 1
        + 4 * len(layer.shape)
        + 2
        + 4 * len(layer.codebook)
        + 1
        + 4
        + len(layer.weight_lengths)
        + len(layer.gap_lengths)
        + 8
        + 1
    )


def layer_file_bytes(layer):
    """Bytes one layer takes in the file: header, both streams and the bias."""
    bias = 0 if layer.bias is None else 4 * len(layer.bias)
    return layer_header_bytes(layer) + len(layer.weight_stream) + len(layer.gap_stream) + bias


def encode_model(model, index_bits=None):
    """Encode every weight layer of ``model``: list of ``EncodedLayer``.

    ``index_bits``: the relative-index width of every layer, or ``None`` to try 1..8 bits per
    layer and keep the one that makes the layer smallest (few bits: many fillers; many bits:
    long codes; the Huffman code softens both).
    """
    layers = []
    for name, module in _stored_layers(model):
        weight = network.weight(module).cpu().float().numpy()
        bias = None if module.bias is None else network.weight(module, "bias").cpu().float().numpy()
        tried = INDEX_BITS_TRIED if index_bits is None else [index_bits]
        candidates = [encode_layer(name, weight, bias, bits) for bits in tried]
        layers.append(min(candidates, key=layer_file_bytes))
    return layers


def architecture_of(model):
    """The name in ``models.ARCHITECTURES`` whose parameter shapes match ``model``'s."""
    shapes = [tuple(network.weight(m).shape) for m in network.layers(model).values()]
    for name in ARCHITECTURES:
        if shapes == [shape for _, shape, _ in _layers_of(name)]:
            return name
    raise ValueError(f"the model's layers {shapes} match none of the course's models {sorted(ARCHITECTURES)}")


# --- bytes ----------------------------------------------------------------------------------


def pack_text(text):
    data = text.encode()
    return struct.pack("<B", len(data)) + data


def pack_layer_header(layer):
    return b"".join(
        [
            pack_text(layer.name),
            struct.pack(f"<B{len(layer.shape)}I", len(layer.shape), *layer.shape),
            struct.pack("<H", len(layer.codebook)),
            layer.codebook.astype("<f4").tobytes(),
            struct.pack("<BI", layer.index_bits, layer.entries),
            layer.weight_lengths.astype(np.uint8).tobytes(),
            layer.gap_lengths.astype(np.uint8).tobytes(),
            struct.pack("<IIB", len(layer.weight_stream), len(layer.gap_stream), layer.bias is not None),
        ]
    )


def pack_layer_body(layer):
    bias = b"" if layer.bias is None else layer.bias.astype("<f4").tobytes()
    return layer.weight_stream + layer.gap_stream + bias


def save_compressed(model, path, index_bits=None):
    """Write ``model`` (pruned and weight-shared) to ``path`` as one compressed file.

    Every ``nn.Linear``/``nn.Conv2d`` weight must have few distinct nonzero values (at most
    ``MAX_SHARED_VALUES``); zeros are pruned weights. Returns the list of ``EncodedLayer``
    written (for per-layer tables); the file's size is ``Path(path).stat().st_size``.
    """
    name = architecture_of(model)
    layers = encode_model(model, index_bits)
    payload = b"".join(
        [pack_text(name), struct.pack("<B", len(layers))]
        + [pack_layer_header(layer) for layer in layers]
        + [pack_layer_body(layer) for layer in layers]
    )
    Path(path).write_bytes(MAGIC + struct.pack("<BI", VERSION, zlib.crc32(payload)) + payload)
    return layers


# --- reading, with every field checked before it is used -----------------------------------


@functools.cache
def _layers_of(model_name):
    """``(name in the file, weight shape, has a bias)`` of each weight layer of ``model_name``."""
    return tuple((name, tuple(m.weight.shape), m.bias is not None) for name, m in _stored_layers(build(model_name)))


@functools.cache
def max_file_bytes(model_name):
    """The largest compressed file of ``model_name`` this format allows (every field at its limit)."""
    total = PREFIX_BYTES - 255 + len(model_name.encode()) + 1  # + the layer count
    for name, shape, has_bias in _layers_of(model_name):
        header = 1 + len(name.encode()) + 1 + 4 * len(shape) + 2 + 4 * MAX_SHARED_VALUES + 1 + 4
        header += MAX_SHARED_VALUES + 1 + (1 << huffman.MAX_INDEX_BITS) + 4 + 4 + 1
        stream = -(-int(np.prod(shape)) * huffman.MAX_CODE_BITS // 8)  # entries <= the layer's weights
        total += header + 2 * stream + (4 * shape[0] if has_bias else 0)
    return total


MAX_FILE_BYTES = max(max_file_bytes(name) for name in ARCHITECTURES)


class Reader:
    """Reads little-endian values from bytes; running past the end is a ``CompressedFileError``."""

    def __init__(self, data, path):
        self.data, self.path, self.offset = memoryview(data), path, 0

    def take(self, n, what):
        if self.offset + n > len(self.data):
            raise CompressedFileError(self.path, f"the file ends inside {what} (byte {self.offset}): it is truncated")
        chunk = self.data[self.offset : self.offset + n]
        self.offset += n
        return chunk

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def text(self, what):
        (n,) = self.unpack("<B", what)
        return bytes(self.take(n, what)).decode("utf-8", errors="replace")

    def array(self, dtype, count, what):
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count, what), dtype=dtype).copy()


def _code_lengths(reader, name, count, what):
    """``count`` Huffman code lengths (1 byte each), checked as ``huffman.decode`` will check them."""
    lengths = reader.array(np.uint8, count, what).astype(np.int64)
    try:
        return huffman.check_lengths(lengths)
    except ValueError as error:
        raise CompressedFileError(reader.path, f"layer {name!r}: {what}: {error}") from None


def read_layer_header(reader, number, expected=None):
    """One layer's header. ``expected``: the model's ``(name, shape, has_bias)`` for this layer,
    checked as soon as it is read (before anything sized by the header is read)."""
    what = f"the header of layer {number}"
    name = reader.text(what)
    (ndim,) = reader.unpack("<B", what)
    shape = reader.unpack(f"<{ndim}I", what)
    if expected is not None and (name, tuple(shape)) != expected[:2]:
        raise CompressedFileError(reader.path, f"layer {number} is {name!r} of shape {shape}, not {expected[:2]}")
    (k,) = reader.unpack("<H", what)
    if k > MAX_SHARED_VALUES:
        raise CompressedFileError(reader.path, f"layer {name!r}: {k} shared values, more than {MAX_SHARED_VALUES}")
    codebook = reader.array("<f4", k, what).astype(np.float32)
    if not np.isfinite(codebook).all() or (codebook == 0).any() or (np.diff(codebook) <= 0).any():
        raise CompressedFileError(reader.path, f"layer {name!r}: shared values must be finite, nonzero, increasing")
    index_bits, entries = reader.unpack("<BI", what)
    if not 1 <= index_bits <= huffman.MAX_INDEX_BITS:
        raise CompressedFileError(
            reader.path, f"layer {name!r}: relative indices of {index_bits} bits (1 to {huffman.MAX_INDEX_BITS})"
        )
    size = int(np.prod(shape, dtype=object))
    if entries > size:
        raise CompressedFileError(
            reader.path, f"layer {name!r}: {entries} stored entries, more than its {size} weights"
        )
    weight_lengths = _code_lengths(reader, name, k + 1, "the weight symbols' code")
    gap_lengths = _code_lengths(reader, name, 1 << index_bits, "the gaps' code")
    weight_bytes, gap_bytes, has_bias = reader.unpack("<IIB", what)
    if has_bias not in (0, 1) or (expected is not None and bool(has_bias) != expected[2]):
        raise CompressedFileError(reader.path, f"layer {name!r}: a bias flag of {has_bias}, not {int(expected[2])}")
    return dict(
        name=name, shape=shape, codebook=codebook, index_bits=index_bits, entries=entries,
        weight_lengths=weight_lengths, gap_lengths=gap_lengths, weight_bytes=weight_bytes,
        gap_bytes=gap_bytes, has_bias=bool(has_bias),
    )  # fmt: skip


def _body_bytes(header):
    return header["weight_bytes"] + header["gap_bytes"] + (4 * header["shape"][0] if header["has_bias"] else 0)


def decode_weight(reader, header):
    """Read one layer's body; return ``(weight, bias)`` as float32 numpy arrays."""
    name, entries = header["name"], header["entries"]
    what = f"the streams of layer {name!r}"
    weight_stream = reader.take(header["weight_bytes"], what)
    gap_stream = reader.take(header["gap_bytes"], what)
    try:
        positions = huffman.decode(gap_stream, entries, header["gap_lengths"])  # gap - 1 per entry
        positions += 1
        positions = huffman.positions_from_gaps(positions)
        size = int(np.prod(header["shape"]))
        if entries and positions[-1] >= size:
            raise ValueError(f"a relative index points past its {size} weights")
        values = np.concatenate([np.zeros(1, dtype=np.float32), header["codebook"]])
        weight = np.zeros(size, dtype=np.float32)
        weight[positions] = values[huffman.decode(weight_stream, entries, header["weight_lengths"])]
    except ValueError as error:
        raise CompressedFileError(reader.path, f"layer {name!r}: {error}") from None
    bias = None
    if header["has_bias"]:
        bias = reader.array("<f4", header["shape"][0], f"the bias of layer {name!r}")
        if not np.isfinite(bias).all():
            raise CompressedFileError(reader.path, f"layer {name!r}: its bias is not finite (nan or inf)")
    return weight.reshape(header["shape"]), bias


def check_architecture(path, model_name, headers):
    """The layers in the file must be ``model_name``'s: same names, shapes and biases."""
    expected = list(_layers_of(model_name))
    found = [(h["name"], tuple(h["shape"]), h["has_bias"]) for h in headers]
    if found != expected:
        raise CompressedFileError(path, f"its layers {found} are not {model_name}'s {expected}")


def _file_size(path):
    """The size of the regular file ``path``, or the error that says what ``path`` is instead."""
    try:
        status = path.stat()
    except FileNotFoundError:
        broken = " (a broken symbolic link)" if path.is_symlink() else ""
        raise FileNotFoundError(
            f"{path}: no such compressed model file{broken} (write one with `python -m coursekit compress`)"
        ) from None
    except OSError as error:  # a symbolic link loop, a path through a file, no permission, ...
        raise CompressedFileError(path, f"cannot be read: {os.strerror(error.errno).lower()}") from None
    if stat.S_ISDIR(status.st_mode):
        raise CompressedFileError(path, "is a directory, not a compressed model file")
    if not stat.S_ISREG(status.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(status.st_mode) else "not a regular file"
        raise CompressedFileError(path, f"is {kind}, not a compressed model file")
    return status.st_size


def _check_size(path, size, model_name=None):
    limit = max_file_bytes(model_name) if model_name in ARCHITECTURES else MAX_FILE_BYTES
    if size > limit:
        model = f"a compressed {model_name}" if model_name in ARCHITECTURES else "a compressed model"
        raise CompressedFileError(path, f"{size:,} bytes, more than {model} can take ({limit:,}): it is not one")


def read_compressed(path):
    """Check and parse a compressed file: ``(model name, list of (header, weight, bias))``.

    The file's size is checked (``os.stat``, then from its model name) before it is read whole.
    """
    path = Path(path)
    size = _file_size(path)
    try:
        with open(path, "rb") as file:
            prefix = file.read(PREFIX_BYTES)
            _check_magic(prefix, path)
            name = prefix[10 : 10 + prefix[9]].decode("utf-8", errors="replace") if len(prefix) > 9 else None
            _check_size(path, size, name)
            file.seek(0)
            data = file.read(size)  # the size checked (if the file grew meanwhile, its CRC fails)
    except OSError as error:
        raise CompressedFileError(path, f"cannot be read: {os.strerror(error.errno).lower()}") from None
    return parse_compressed(data, path)


def _check_magic(data, path):
    if not data:
        raise CompressedFileError(path, "the file is empty")
    if data[:4] != MAGIC:
        raise CompressedFileError(
            path, f"not a coursekit compressed model (it starts with {data[:4]!r}, not {MAGIC!r})"
        )


def parse_compressed(data, path):
    """``read_compressed`` on the bytes ``data`` of the file ``path`` (named in errors)."""
    _check_magic(data, path)
    if len(data) < 9:
        raise CompressedFileError(path, f"only {len(data)} bytes: the file is truncated")
    _check_size(path, len(data))
    version, checksum = struct.unpack("<BI", data[4:9])
    payload = memoryview(data)[9:]
    if version != VERSION and zlib.crc32(payload, zlib.crc32(bytes([version]))) == checksum:
        raise CompressedFileError(
            path, f"format version {version}, but this coursekit reads version {VERSION}: upgrade coursekit"
        )
    if zlib.crc32(payload) != checksum:
        raise CompressedFileError(
            path, "the checksum does not match: the file is corrupted or truncated; write it again"
        )
    if version != VERSION:
        raise CompressedFileError(
            path,
            f"the format version byte is damaged ({version}; the rest is an intact version {VERSION} file): restore it",
        )
    reader = Reader(payload, path)
    model_name = reader.text("the model name")
    if model_name not in ARCHITECTURES:
        raise CompressedFileError(path, f"unknown model {model_name!r}; this coursekit knows {sorted(ARCHITECTURES)}")
    _check_size(path, len(data), model_name)
    expected = _layers_of(model_name)
    (count,) = reader.unpack("<B", "the layer count")
    if count != len(expected):
        raise CompressedFileError(path, f"{count} layers, but {model_name} has {len(expected)}")
    headers = [read_layer_header(reader, i, expected[i]) for i in range(count)]
    check_architecture(path, model_name, headers)
    body, rest = sum(_body_bytes(header) for header in headers), len(payload) - reader.offset
    if rest < body:
        raise CompressedFileError(
            path, f"the layers need {body:,} bytes after the headers, the file has {rest:,}: it is truncated"
        )
    if rest > body:
        raise CompressedFileError(path, f"{rest - body} unexpected bytes after the last layer")
    layers = [(header, *decode_weight(reader, header)) for header in headers]
    return model_name, layers


def load_compressed(path):
    """Rebuild the dense model saved by ``save_compressed``, in eval mode.

    Raises ``CompressedFileError`` (a ``ValueError`` naming the file and the problem) for a
    corrupted, truncated, oversized or wrong-version file, or a path that is not a readable file;
    ``FileNotFoundError`` when there is no such file.
    """
    model_name, layers = read_compressed(path)
    model = build(model_name)
    modules = dict(_stored_layers(model))
    with torch.no_grad():
        for header, weight, bias in layers:
            modules[header["name"]].weight.copy_(torch.from_numpy(weight))
            if bias is not None:
                modules[header["name"]].bias.copy_(torch.from_numpy(bias))
    return model.eval()
