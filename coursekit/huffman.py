"""Huffman coding and relative-index coding: the last stage of Deep Compression.

Han, Mao, Dally 2016 ("Deep Compression", Sec. 4) store a pruned, quantized layer as two
streams of small integers, and both are skewed, so a Huffman code shortens them by 20-30%:

- the **weight indices**: which shared value (codebook entry) each surviving weight uses;
- the **relative indices**: where each surviving weight is, as the gap to the previous one
  (Fig. 2), in a fixed number of bits, with a *filler* entry when a gap is too long.

Huffman coding in four steps, one function each:

1. ``huffman_tree(counts)``: merge the two rarest subtrees until one is left (a heap);
2. ``code_lengths(counts)``: the depth of each symbol in that tree = its code length in bits;
3. ``canonical_codes(lengths)``: codes read off the lengths alone, so a file needs to store
   only the lengths (one small number per symbol), not the tree;
4. ``encode(symbols, lengths)`` / ``decode(data, count, lengths)``: symbols <-> packed bytes.

Symbols are the integers ``0 .. len(counts) - 1``; counts and lengths are indexed by symbol.
"""

import heapq
import itertools

import numpy as np

from .arguments import integer as _integer
from .arguments import integers as _integers

MAX_CODE_BITS = 48  # the longest code ``decode`` reads (and so the longest ``encode`` writes)
MAX_INDEX_BITS = 16  # the widest relative index: gaps of up to 2**16 positions


# --- checking arguments ---------------------------------------------------------------------


def _counts(counts, name="counts"):
    """Symbol counts as a 1-D float64 array: finite, >= 0, with a positive total."""
    try:
        array = np.asarray(counts, dtype=np.float64)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a 1-D sequence of numbers >= 0") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of numbers >= 0, got an array of shape {array.shape}")
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        raise ValueError(f"{name} must hold finite numbers >= 0, got {array[np.flatnonzero(bad)[0]]}")
    if array.sum() <= 0:
        raise ValueError(f"{name} must have a positive total (some symbol must occur)")
    return array


# --- Huffman coding ------------------------------------------------------------------------


def huffman_tree(counts):
    """The Huffman tree of symbol counts ``counts[s]`` (integers >= 0; symbols with count 0 are
    left out).

    Repeatedly take the two subtrees with the smallest total count off a heap and merge them.
    A leaf is a symbol (int); an inner node is a pair ``(left, right)``. Returns ``None`` when
    no symbol occurs. Ties are broken by creation order, so the tree is deterministic.
    """
    counts = _integers(counts, "counts", 0)
    order = itertools.count()  # tie-breaker: never compare two subtrees directly
    heap = [(int(c), next(order), s) for s, c in enumerate(counts) if c > 0]
    if not heap:
        return None
    heapq.heapify(heap)
    while len(heap) > 1:
        count_a, _, a = heapq.heappop(heap)
        count_b, _, b = heapq.heappop(heap)
        heapq.heappush(heap, (count_a + count_b, next(order), (a, b)))
    return heap[0][2]


def code_lengths(counts):
    """Huffman code length in bits of each symbol: int array, same length as ``counts``.

    Length = depth of the symbol's leaf in ``huffman_tree(counts)``; 0 for absent symbols.
    A lone symbol gets 1 bit (a code must have at least one bit to be read).
    """
    lengths = np.zeros(len(_integers(counts, "counts", 0)), dtype=np.int64)
    tree = huffman_tree(counts)
    stack = [] if tree is None else [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack += [(node[0], depth + 1), (node[1], depth + 1)]
        else:
            lengths[node] = max(depth, 1)
    return lengths


def check_lengths(lengths, max_length=MAX_CODE_BITS):
    """``lengths`` as an int64 array if they can be the code lengths of a prefix code, else
    ``ValueError``.

    Each length is 0 (symbol absent) to ``max_length`` bits (at most ``MAX_CODE_BITS``, the longest
    code ``decode`` reads), and Kraft's inequality holds: sum over used symbols of 2**-length <= 1.
    """
    max_length = _integer(max_length, "max_length", 1, MAX_CODE_BITS)
    lengths = _integers(lengths, "lengths", 0, max_length)
    per_length = np.bincount(lengths, minlength=max_length + 1)
    kraft = sum(int(n) << (max_length - length) for length, n in enumerate(per_length) if length)
    if kraft > 1 << max_length:
        total = kraft / 2.0**max_length
        raise ValueError(
            f"lengths break Kraft's inequality (sum of 2**-length is {total:g} > 1): no prefix code has them"
        )
    return lengths


def canonical_codes(lengths):
    """Canonical Huffman codes: int array, ``codes[s]`` is the code of symbol ``s``.

    Sort the symbols by (length, symbol); the first gets code 0; each next code is the
    previous one plus 1, shifted left by how much longer it is. The codes are prefix-free and
    depend only on the lengths (which ``check_lengths`` accepts). Absent symbols (length 0) get
    code 0 and are never used.
    """
    lengths = check_lengths(lengths)
    codes = [0] * len(lengths)
    code, previous_length = 0, 0
    for s in _canonical_order(lengths).tolist():
        length = int(lengths[s])
        code <<= length - previous_length
        codes[s] = code
        code, previous_length = code + 1, length
    return np.asarray(codes, dtype=np.int64)


def _canonical_order(lengths):
    """The used symbols (length > 0) sorted by (length, symbol): int64 array."""
    used = np.flatnonzero(lengths)
    return used[np.argsort(lengths[used], kind="stable")]


def encode(symbols, lengths):
    """Huffman-code ``symbols`` (ints) with the canonical code of ``lengths``.

    Returns ``(data, bits)``: the code bits packed most-significant-bit first into ``bytes``
    (the last byte padded with zeros) and the number of code bits.
    """
    lengths = check_lengths(lengths)
    symbols = _integers(symbols, "symbols", 0, max(len(lengths) - 1, 0))
    if len(lengths) == 0 and len(symbols):
        raise ValueError("symbols must be codes of lengths, but lengths is empty")
    if (lengths[symbols] == 0).any():
        raise ValueError("symbols holds a symbol with no code (length 0): compute lengths from the symbols' counts")
    sizes = lengths[symbols]  # bits of each code
    codes = canonical_codes(lengths)[symbols]
    starts = np.cumsum(sizes) - sizes  # where each code begins in the bit stream
    bits = np.zeros(int(sizes.sum()), dtype=np.uint8)
    for j in range(int(sizes.max(initial=0))):  # the j-th bit of every code at once
        has = sizes > j
        bits[starts[has] + j] = (codes[has] >> (sizes[has] - 1 - j)) & 1
    return np.packbits(bits).tobytes(), len(bits)


_CHUNK_BYTES = 1 << 12  # decode reads the stream 4 KB at a time: its memory does not grow with it


def _windows(padded, first, stop, width):
    """``windows[i]`` = the ``width`` bits of ``padded`` (bytes ending in 8 zero bytes) that start at
    bit ``8 * first + i``, for every bit of bytes ``first .. stop - 1``: uint64 array."""
    chunk = np.frombuffer(padded, dtype=np.uint8, count=stop - first + 7, offset=first).astype(np.uint64)
    words = np.zeros(stop - first, dtype=np.uint64)  # words[q] = the 8 bytes from byte first + q
    for j in range(8):
        words = (words << np.uint64(8)) | chunk[j : j + len(words)]
    shifts = np.uint64(64 - width) - np.arange(8, dtype=np.uint64)  # one per bit of a byte
    return ((words[:, None] >> shifts) & np.uint64((1 << width) - 1)).ravel()


def _hops(jump, start, limit):
    """``start, jump[start], jump[jump[start]], ...`` while below ``len(jump)``, at most ``limit`` of
    them: int64 array. Pointer doubling: after round ``r``, ``chain`` holds the first ``2**r`` hops
    and ``far[p]`` is where ``2**r`` hops from ``p`` land (``len(jump)``: past the end, for good)."""
    end = len(jump)
    far = np.append(np.minimum(jump, end), end)
    chain = np.array([start], dtype=np.int64)
    while len(chain) < limit:
        after = far[chain]
        chain = np.concatenate([chain, after[after < end]])
        if after[-1] >= end:  # the chain left the stretch
            break
        far = far[far]
    return chain[:limit]


def decode(data, count, lengths):
    """Decode ``count`` symbols from ``data`` (bytes made by ``encode``): int64 array.

    Canonical codes, left-aligned to ``L`` = the longest length, are sorted: the code of the
    ``i``-th symbol (in canonical order) covers the ``L``-bit values from its code up to the next
    symbol's. So numpy reads the ``L`` bits at every bit position of a stretch of the stream as one
    integer and finds by binary search the symbol a code starting there would be, and where the
    next code would start; a short Python loop then hops from code to code: one step per symbol.

    Cost: O(``count``) time and memory whatever ``data`` holds: a stream too short for ``count``
    symbols, or with more than 7 bits left over after them, is refused before decoding, and the
    stream is read 4 KB at a time. Raises ``ValueError`` when the bits are not a valid code, run out,
    or are followed by more than the (at most 7) zero bits that pad the last byte.
    """
    lengths = check_lengths(lengths)
    count = _integer(count, "count", 0)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"data must be bytes, got {type(data).__name__}")
    data = memoryview(data).cast("B")  # no copy until the stream passed the checks below
    total = 8 * len(data)  # bits in the stream
    order = _canonical_order(lengths)
    if count and not len(order):
        raise ValueError(f"{count} symbols to decode but the code has no symbols")
    shortest, width = (int(lengths[order[0]]), int(lengths[order[-1]])) if len(order) else (0, 0)
    if count * shortest > total:
        raise ValueError(
            f"the Huffman stream ends early: {count} symbols need {count * shortest}+ bits, it has {total}"
        )
    if total - count * width > 7:
        over = total - count * width
        raise ValueError(f"the Huffman stream is too long: {count} symbols leave {over}+ bits over (7 at most pad it)")
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    sizes = lengths[order]
    firsts = (canonical_codes(lengths)[order] << (width - sizes)).astype(np.uint64)  # sorted, left-aligned
    ends = firsts + (np.uint64(1) << (width - sizes).astype(np.uint64))
    padded = bytes(data) + bytes(8)
    found, position = [], 0  # found: canonical indices of the symbols decoded so far, per stretch
    while count > 0 and position <= total:
        first = position // 8
        windows = _windows(padded, first, min(first + _CHUNK_BYTES, len(data) + 1), width)
        index = np.searchsorted(firsts, windows, side="right") - 1  # the code starting at each bit
        valid = windows < ends[index]
        jump = np.arange(len(windows)) + np.where(valid, sizes[index], 1)  # where the next code starts
        starts = _hops(jump, position - 8 * first, count)
        if not valid[starts].all():
            raise ValueError(f"invalid Huffman code at bit {8 * first + starts[np.argmin(valid[starts])]}")
        found.append(index[starts].astype(np.int32))
        count -= len(starts)
        position = 8 * first + jump[starts[-1]]
    if count > 0 or position > total:
        raise ValueError(f"the Huffman stream ends early: its {total} bits hold fewer symbols than asked for")
    if total - position > 7:
        raise ValueError(
            f"the Huffman stream has {total - position} bits left over after the symbols (7 at most pad it)"
        )
    if data and data[-1] & ((1 << (total - position)) - 1):
        raise ValueError("the Huffman stream's padding after the last symbol is not zeros")
    return order[np.concatenate(found)]


def entropy_bits(counts):
    """Shannon entropy of the symbol frequencies, in bits per symbol: the bound no code beats."""
    counts = _counts(counts)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def mean_code_length(counts, lengths):
    """Average bits per symbol of a code with ``lengths`` on a stream with ``counts``."""
    counts = _counts(counts)
    lengths = _integers(lengths, "lengths", 0)
    if len(lengths) != len(counts):
        raise ValueError(f"lengths must have one entry per symbol of counts ({len(counts)}), got {len(lengths)}")
    return float((counts * lengths).sum() / counts.sum())


# --- Relative indices (Deep Compression Fig. 2) ---------------------------------------------


def _positions(positions):
    positions = _integers(positions, "positions", 0)
    if (np.diff(positions) <= 0).any():
        raise ValueError("positions must be distinct, sorted and >= 0")
    return positions


def relative_indices(positions, bits):
    """Store sorted nonzero ``positions`` of a flat layer as gaps that fit in ``bits`` bits.

    Each entry stores the gap to the previous entry, counted from a virtual entry at -1, so
    every gap is >= 1 and a ``bits``-bit field holds ``gap - 1``: gaps 1 .. 2**bits (with 3 bits
    the largest gap is 8, as in the paper's Fig. 2). A longer gap gets *filler* entries, each
    2**bits further on, which store the weight 0. ``bits`` is 1 to ``MAX_INDEX_BITS``.

    Returns ``(gaps, is_filler)``: int arrays of one value per stored entry (gaps are 1 .. 2**bits).
    """
    positions = _positions(positions)
    longest = 1 << _integer(bits, "bits", 1, MAX_INDEX_BITS)
    raw = np.diff(positions, prepend=-1)  # true gaps, >= 1
    fillers = (raw - 1) // longest  # filler entries needed before each real one
    gaps = np.full(len(raw) + int(fillers.sum()), longest, dtype=np.int64)
    real = np.arange(len(raw)) + np.cumsum(fillers)  # where the real entries land
    gaps[real] = raw - fillers * longest
    is_filler = np.ones(len(gaps), dtype=bool)
    is_filler[real] = False
    return gaps, is_filler


def positions_from_gaps(gaps):
    """Inverse of ``relative_indices``: the position of every stored entry (fillers included)."""
    return np.cumsum(_integers(gaps, "gaps", 1)) - 1


def filler_count(positions, bits):
    """How many filler entries ``relative_indices(positions, bits)`` inserts."""
    raw = np.diff(_positions(positions), prepend=-1)
    return int(((raw - 1) // (1 << _integer(bits, "bits", 1, MAX_INDEX_BITS))).sum())


def csr_index_bits(shape, nonzeros):
    """Bits of the index arrays of CSR (compressed sparse row) storage of a 2-D ``rows x cols`` matrix.

    CSR stores an absolute column index per nonzero (ceil(log2(cols)) bits each) and one row
    pointer per row + 1 (ceil(log2(nonzeros + 1)) bits each). Conv kernels are flattened to
    ``out_channels x (in_channels * kh * kw)``, as in the paper. ``shape``: positive sizes;
    ``nonzeros``: 0 to the number of entries.
    """
    shape = _integers(shape, "shape", 1)
    if len(shape) == 0:
        raise ValueError("shape must have at least one dimension")
    rows, cols = int(shape[0]), int(np.prod(shape[1:], dtype=object))
    nonzeros = _integer(nonzeros, "nonzeros", 0, rows * cols)
    column_bits = max(1, (cols - 1).bit_length())
    pointer_bits = max(1, nonzeros.bit_length())
    return nonzeros * column_bits + (rows + 1) * pointer_bits
