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

import bisect
import heapq
import itertools

import numpy as np


# --- Huffman coding ------------------------------------------------------------------------


def huffman_tree(counts):
    """The Huffman tree of symbol counts ``counts[s]`` (symbols with count 0 are left out).

    Repeatedly take the two subtrees with the smallest total count off a heap and merge them.
    A leaf is a symbol (int); an inner node is a pair ``(left, right)``. Returns ``None`` when
    no symbol occurs. Ties are broken by creation order, so the tree is deterministic.
    """
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
    lengths = np.zeros(len(counts), dtype=np.int64)
    tree = huffman_tree(counts)
    stack = [] if tree is None else [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack += [(node[0], depth + 1), (node[1], depth + 1)]
        else:
            lengths[node] = max(depth, 1)
    return lengths


def canonical_codes(lengths):
    """Canonical Huffman codes: int array, ``codes[s]`` is the code of symbol ``s``.

    Sort the symbols by (length, symbol); the first gets code 0; each next code is the
    previous one plus 1, shifted left by how much longer it is. The codes are prefix-free and
    depend only on the lengths. Absent symbols (length 0) get code 0 and are never used.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    codes = np.zeros(len(lengths), dtype=np.int64)
    code, previous_length = 0, 0
    for s in sorted(np.flatnonzero(lengths), key=lambda s: (lengths[s], s)):
        code <<= int(lengths[s]) - previous_length
        codes[s] = code
        code, previous_length = code + 1, int(lengths[s])
    return codes


def check_lengths(lengths, max_length=48):
    """Raise ``ValueError`` unless ``lengths`` can be the code lengths of a prefix code.

    Kraft's inequality: sum over used symbols of 2**-length <= 1. Also bounds the lengths
    (``decode`` reads ``max_length`` bits at a time into a 64-bit integer).
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    used = lengths[lengths > 0]
    if (lengths < 0).any() or (used > max_length).any():
        raise ValueError(f"code lengths must be between 0 and {max_length} bits, got {lengths.tolist()}")
    if (2.0 ** (max_length - used)).sum() > 2.0**max_length:
        raise ValueError(f"code lengths {lengths.tolist()} break Kraft's inequality: no prefix code has them")


def encode(symbols, lengths):
    """Huffman-code ``symbols`` (ints) with the canonical code of ``lengths``.

    Returns ``(data, bits)``: the code bits packed most-significant-bit first into ``bytes``
    (the last byte padded with zeros) and the number of code bits.
    """
    symbols = np.asarray(symbols, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if symbols.size and (symbols.min() < 0 or symbols.max() >= len(lengths) or (lengths[symbols] == 0).any()):
        raise ValueError("a symbol to encode has no code: compute the lengths from these symbols' counts")
    sizes = lengths[symbols]  # bits of each code
    codes = canonical_codes(lengths)[symbols]
    starts = np.cumsum(sizes) - sizes  # where each code begins in the bit stream
    bits = np.zeros(int(sizes.sum()), dtype=np.uint8)
    for j in range(int(sizes.max(initial=0))):  # the j-th bit of every code at once
        has = sizes > j
        bits[starts[has] + j] = (codes[has] >> (sizes[has] - 1 - j)) & 1
    return np.packbits(bits).tobytes(), len(bits)


def decode(data, count, lengths):
    """Decode ``count`` symbols from ``data`` (bytes made by ``encode``): int64 array.

    Canonical codes, left-aligned to ``L`` = the longest length, are sorted: the code of the
    ``i``-th symbol (in canonical order) covers the ``L``-bit values from its code up to the next
    symbol's. So at each bit position we read the next ``L`` bits as one integer (precomputed
    for every position with numpy) and find the symbol by binary search: one step per symbol,
    not per bit. Raises ``ValueError`` when the bits are not a valid code or run out.
    """
    check_lengths(lengths)
    lengths = np.asarray(lengths, dtype=np.int64)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    order = sorted(np.flatnonzero(lengths), key=lambda s: (lengths[s], s))
    if not order:
        raise ValueError(f"{count} symbols to decode but the code has no symbols")
    width = int(lengths.max())
    codes = canonical_codes(lengths)
    firsts = [int(codes[s]) << (width - int(lengths[s])) for s in order]  # sorted, left-aligned
    ends = [first + (1 << (width - int(lengths[s]))) for first, s in zip(firsts, order)]
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    padded = np.concatenate([bits, np.zeros(width, dtype=np.uint8)]).astype(np.int64)
    window = np.zeros(len(bits) + 1, dtype=np.int64)  # window[p] = bits p .. p + width - 1
    for j in range(width):
        window = (window << 1) | padded[j : j + len(window)]
    window = window.tolist()
    sizes = [int(lengths[s]) for s in order]
    out, position = [], 0
    for _ in range(count):
        if position > len(bits):
            break
        value = window[position]
        i = bisect.bisect_right(firsts, value) - 1
        if value >= ends[i]:
            raise ValueError(f"invalid Huffman code at bit {position}")
        out.append(i)
        position += sizes[i]
    if position > len(bits):
        raise ValueError(f"the Huffman stream ends early: {count} symbols need more than its {len(bits)} bits")
    return np.asarray(order, dtype=np.int64)[out]


def entropy_bits(counts):
    """Shannon entropy of the symbol frequencies, in bits per symbol: the bound no code beats."""
    counts = np.asarray(counts, dtype=np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def mean_code_length(counts, lengths):
    """Average bits per symbol of a code with ``lengths`` on a stream with ``counts``."""
    counts = np.asarray(counts, dtype=np.float64)
    return float((counts * np.asarray(lengths)).sum() / counts.sum())


# --- Relative indices (Deep Compression Fig. 2) ---------------------------------------------


def relative_indices(positions, bits):
    """Store sorted nonzero ``positions`` of a flat layer as gaps that fit in ``bits`` bits.

    Each entry stores the gap to the previous entry, counted from a virtual entry at -1, so
    every gap is >= 1 and a ``bits``-bit field holds ``gap - 1``: gaps 1 .. 2**bits (with 3 bits
    the largest gap is 8, as in the paper's Fig. 2). A longer gap gets *filler* entries, each
    2**bits further on, which store the weight 0.

    Returns ``(gaps, is_filler)``: int arrays of one value per stored entry (gaps are 1 .. 2**bits).
    """
    positions = np.asarray(positions, dtype=np.int64)
    if positions.size and (positions[0] < 0 or (np.diff(positions) <= 0).any()):
        raise ValueError("positions must be distinct, sorted and >= 0")
    longest = 1 << bits
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
    return np.cumsum(np.asarray(gaps, dtype=np.int64)) - 1


def filler_count(positions, bits):
    """How many filler entries ``relative_indices(positions, bits)`` inserts."""
    raw = np.diff(np.asarray(positions, dtype=np.int64), prepend=-1)
    return int(((raw - 1) // (1 << bits)).sum())


def csr_index_bits(shape, nonzeros):
    """Bits of the index arrays of CSR (compressed sparse row) storage of a 2-D ``rows x cols`` matrix.

    CSR stores an absolute column index per nonzero (ceil(log2(cols)) bits each) and one row
    pointer per row + 1 (ceil(log2(nonzeros + 1)) bits each). Conv kernels are flattened to
    ``out_channels x (in_channels * kh * kw)``, as in the paper.
    """
    rows, cols = shape[0], int(np.prod(shape[1:]))
    column_bits = max(1, int(np.ceil(np.log2(cols))))
    pointer_bits = max(1, int(np.ceil(np.log2(nonzeros + 1))))
    return nonzeros * column_bits + (rows + 1) * pointer_bits
