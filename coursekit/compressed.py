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
"""

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import huffman
from .models import ARCHITECTURES, build

MAGIC = b"CKDC"
VERSION = 1
MAX_SHARED_VALUES = 4096  # a layer with more distinct nonzero weights is not weight-shared
INDEX_BITS_TRIED = range(1, 9)  # relative-index widths tried per layer: the smallest file wins


class CompressedFileError(ValueError):
    """A compressed model file that cannot be read: it says which file and what is wrong."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")


# --- from a model to streams ----------------------------------------------------------------


def weight_layers(model):
    """The ``(name, module)`` of every ``nn.Linear`` and ``nn.Conv2d`` of ``model``, in order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def effective_weight(module):
    """The weight the module computes with, as a float32 numpy array.

    Works for plain modules, for ``torch.nn.utils.prune`` (``weight_orig * weight_mask``) and
    for ``torch.nn.utils.parametrize`` (``module.weight`` applies the parametrization).
    """
    with torch.no_grad():
        if hasattr(module, "weight_orig") and hasattr(module, "weight_mask"):
            weight = module.weight_orig * module.weight_mask
        else:
            weight = module.weight
        return weight.detach().cpu().float().numpy()


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
        name, tuple(weight.shape), codebook, index_bits, len(gaps), int(is_filler.sum()),
        weight_lengths, gap_lengths, weight_stream, gap_stream, weight_bits, gap_bits,
        None if bias is None else np.asarray(bias, dtype=np.float32),
    )


def layer_header_bytes(layer):
    """Bytes of one layer's header in the file (see the module docstring)."""
    name = len(layer.name.encode())
    return 1 + name + 1 + 4 * len(layer.shape) + 2 + 4 * len(layer.codebook) + 1 + 4 + len(layer.weight_lengths) + len(layer.gap_lengths) + 8 + 1


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
    for name, module in weight_layers(model):
        weight = effective_weight(module)
        bias = None if module.bias is None else module.bias.detach().cpu().float().numpy()
        tried = INDEX_BITS_TRIED if index_bits is None else [index_bits]
        candidates = [encode_layer(name, weight, bias, bits) for bits in tried]
        layers.append(min(candidates, key=layer_file_bytes))
    return layers


def architecture_of(model):
    """The name in ``models.ARCHITECTURES`` whose parameter shapes match ``model``'s."""
    shapes = [tuple(effective_weight(m).shape) for _, m in weight_layers(model)]
    for name in ARCHITECTURES:
        if shapes == [tuple(m.weight.shape) for _, m in weight_layers(build(name))]:
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


class Reader:
    """Reads little-endian values from bytes; running past the end is a ``CompressedFileError``."""

    def __init__(self, data, path):
        self.data, self.path, self.offset = data, path, 0

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
        return self.take(n, what).decode("utf-8", errors="replace")

    def array(self, dtype, count, what):
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count, what), dtype=dtype).copy()


def read_layer_header(reader, number):
    what = f"the header of layer {number}"
    name = reader.text(what)
    (ndim,) = reader.unpack("<B", what)
    shape = reader.unpack(f"<{ndim}I", what)
    (k,) = reader.unpack("<H", what)
    codebook = reader.array("<f4", k, what).astype(np.float32)
    index_bits, entries = reader.unpack("<BI", what)
    if not 1 <= index_bits <= 16:
        raise CompressedFileError(reader.path, f"layer {name!r}: relative indices of {index_bits} bits are not supported")
    weight_lengths = reader.array(np.uint8, k + 1, what).astype(np.int64)
    gap_lengths = reader.array(np.uint8, 1 << index_bits, what).astype(np.int64)
    weight_bytes, gap_bytes, has_bias = reader.unpack("<IIB", what)
    return dict(
        name=name, shape=shape, codebook=codebook, index_bits=index_bits, entries=entries,
        weight_lengths=weight_lengths, gap_lengths=gap_lengths, weight_bytes=weight_bytes,
        gap_bytes=gap_bytes, has_bias=bool(has_bias),
    )


def decode_weight(reader, header):
    """Read one layer's body; return ``(weight, bias)`` as float32 numpy arrays."""
    name, entries = header["name"], header["entries"]
    what = f"the streams of layer {name!r}"
    weight_stream = reader.take(header["weight_bytes"], what)
    gap_stream = reader.take(header["gap_bytes"], what)
    try:
        symbols = huffman.decode(weight_stream, entries, header["weight_lengths"])
        gaps = huffman.decode(gap_stream, entries, header["gap_lengths"]) + 1
    except ValueError as error:
        raise CompressedFileError(reader.path, f"layer {name!r}: {error}") from None
    size = int(np.prod(header["shape"]))
    positions = huffman.positions_from_gaps(gaps)
    if entries and positions[-1] >= size:
        raise CompressedFileError(reader.path, f"layer {name!r}: a relative index points past its {size} weights")
    values = np.concatenate([np.zeros(1, dtype=np.float32), header["codebook"]])
    weight = np.zeros(size, dtype=np.float32)
    weight[positions] = values[symbols]
    bias = reader.array("<f4", header["shape"][0], f"the bias of layer {name!r}") if header["has_bias"] else None
    return weight.reshape(header["shape"]), bias


def check_architecture(path, model_name, headers):
    """The layers in the file must be ``model_name``'s: same names, shapes and biases."""
    expected = [(name, tuple(m.weight.shape), m.bias is not None) for name, m in weight_layers(build(model_name))]
    found = [(h["name"], tuple(h["shape"]), h["has_bias"]) for h in headers]
    if found != expected:
        raise CompressedFileError(path, f"its layers {found} are not {model_name}'s {expected}")


def read_compressed(path):
    """Check and parse a compressed file: ``(model name, list of (header, weight, bias))``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such compressed model file (write one with `python -m coursekit compress`)")
    return parse_compressed(path.read_bytes(), path)


def parse_compressed(data, path):
    """``read_compressed`` on the bytes ``data`` of the file ``path`` (named in errors)."""
    if data[:4] != MAGIC:
        raise CompressedFileError(path, f"not a coursekit compressed model (it starts with {data[:4]!r}, not {MAGIC!r})")
    if len(data) < 9:
        raise CompressedFileError(path, f"only {len(data)} bytes: the file is truncated")
    version, checksum = struct.unpack("<BI", data[4:9])
    if zlib.crc32(data[9:]) != checksum:
        raise CompressedFileError(path, "the checksum does not match: the file is corrupted or truncated; write it again")
    if version != VERSION:
        raise CompressedFileError(path, f"format version {version}, but this coursekit reads version {VERSION}: upgrade coursekit")
    reader = Reader(data[9:], path)
    model_name = reader.text("the model name")
    if model_name not in ARCHITECTURES:
        raise CompressedFileError(path, f"unknown model {model_name!r}; this coursekit knows {sorted(ARCHITECTURES)}")
    (count,) = reader.unpack("<B", "the layer count")
    headers = [read_layer_header(reader, i) for i in range(count)]
    check_architecture(path, model_name, headers)
    layers = [(header, *decode_weight(reader, header)) for header in headers]
    if reader.offset != len(reader.data):
        raise CompressedFileError(path, f"{len(reader.data) - reader.offset} unexpected bytes after the last layer")
    return model_name, layers


def load_compressed(path):
    """Rebuild the dense model saved by ``save_compressed``, in eval mode.

    Raises ``CompressedFileError`` (a ``ValueError`` naming the file and the problem) for a
    corrupted, truncated or wrong-version file.
    """
    model_name, layers = read_compressed(path)
    model = build(model_name)
    modules = dict(weight_layers(model))
    with torch.no_grad():
        for header, weight, bias in layers:
            modules[header["name"]].weight.copy_(torch.from_numpy(weight))
            if bias is not None:
                modules[header["name"]].bias.copy_(torch.from_numpy(bias))
    return model.eval()
