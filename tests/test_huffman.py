"""Huffman coding and relative indices: hand-made examples, the paper's Fig. 2, round trips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import huffman

symbol_lists = st.lists(st.integers(0, 40), max_size=300)


def counts_of(symbols, size=41):
    return np.bincount(np.asarray(symbols, dtype=np.int64), minlength=size)


def test_textbook_example_lengths_and_codes():
    # counts 45, 13, 12, 16, 9, 5 (CLRS's example): lengths 1, 3, 3, 3, 4, 4
    lengths = huffman.code_lengths([45, 13, 12, 16, 9, 5])
    assert lengths.tolist() == [1, 3, 3, 3, 4, 4]
    codes = huffman.canonical_codes(lengths)
    as_text = [format(int(c), f"0{n}b") for c, n in zip(codes, lengths)]
    assert as_text == ["0", "100", "101", "110", "1110", "1111"]


def test_tree_merges_the_two_rarest_first():
    assert huffman.huffman_tree([5, 1, 1]) == ((1, 2), 0)
    assert huffman.huffman_tree([0, 0]) is None


def test_single_and_absent_symbols():
    assert huffman.code_lengths([0, 7, 0]).tolist() == [0, 1, 0]
    data, bits = huffman.encode([1] * 10, [0, 1, 0])
    assert (data, bits) == (b"\x00\x00", 10)
    assert huffman.decode(data, 10, [0, 1, 0]).tolist() == [1] * 10


def test_encode_packs_bits_msb_first():
    lengths = [1, 2, 2]  # codes 0, 10, 11
    data, bits = huffman.encode([1, 2, 0, 0], lengths)
    assert bits == 6 and data == bytes([0b10110000])


@settings(max_examples=200, deadline=None)
@given(symbol_lists)
def test_round_trip(symbols):
    lengths = huffman.code_lengths(counts_of(symbols))
    data, bits = huffman.encode(symbols, lengths)
    assert len(data) == (bits + 7) // 8
    assert bits == int((counts_of(symbols) * lengths).sum())
    assert huffman.decode(data, len(symbols), lengths).tolist() == symbols


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=60))
def test_canonical_codes_are_prefix_free_and_within_one_bit_of_entropy(counts):
    counts = np.asarray(counts)
    if counts.sum() == 0:
        return
    lengths = huffman.code_lengths(counts)
    huffman.check_lengths(lengths)
    words = [format(int(c), f"0{n}b") for c, n in zip(huffman.canonical_codes(lengths), lengths) if n]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    entropy = huffman.entropy_bits(counts)
    mean = huffman.mean_code_length(counts, lengths)
    assert entropy - 1e-9 <= mean < entropy + 1 + 1e-9 or (counts > 0).sum() == 1


def test_empty_input():
    lengths = huffman.code_lengths([0, 0, 0])
    assert huffman.encode([], lengths) == (b"", 0)
    assert huffman.decode(b"", 0, lengths).tolist() == []


def test_decode_rejects_bad_streams():
    lengths = [1, 2, 0]  # codes 0, 10; "11" is not a code
    with pytest.raises(ValueError, match="invalid Huffman code"):
        huffman.decode(bytes([0b11000000]), 1, lengths)
    with pytest.raises(ValueError, match="ends early"):
        huffman.decode(bytes([0b10101010]), 9, lengths)
    with pytest.raises(ValueError, match="Kraft"):
        huffman.decode(b"\x00", 1, [1, 1, 1])


def test_encode_rejects_symbols_without_a_code():
    with pytest.raises(ValueError, match="no code"):
        huffman.encode([2], [1, 1, 0])


def test_decodes_250k_symbols():
    rng = np.random.default_rng(0)
    symbols = rng.geometric(0.3, size=250_000) - 1
    lengths = huffman.code_lengths(np.bincount(symbols))
    data, _ = huffman.encode(symbols, lengths)
    assert np.array_equal(huffman.decode(data, len(symbols), lengths), symbols)


# --- relative indices ----------------------------------------------------------------------


def test_paper_fig2_example_with_3_bits():
    # Fig. 2: nonzeros 3.4, 0.9, 1.7 with gaps 1, 3, then 11 > 8: a filler zero 8 further on,
    # then 3. (The figure counts positions from 1; ours count from 0: positions 0, 3, 14.)
    gaps, is_filler = huffman.relative_indices([0, 3, 14], bits=3)
    assert gaps.tolist() == [1, 3, 8, 3]
    assert is_filler.tolist() == [False, False, True, False]
    assert huffman.positions_from_gaps(gaps).tolist() == [0, 3, 11, 14]
    assert huffman.filler_count([0, 3, 14], bits=3) == 1


def test_maximal_gaps():
    # gap exactly 2**bits needs no filler; one more needs one; 3 * 2**bits + 1 needs three
    assert huffman.relative_indices([7], 3)[0].tolist() == [8]
    assert huffman.relative_indices([8], 3)[0].tolist() == [8, 1]
    assert huffman.relative_indices([24], 3)[0].tolist() == [8, 8, 8, 1]
    assert huffman.filler_count([24], 3) == 3


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 5000), max_size=200), st.integers(1, 8))
def test_relative_indices_round_trip(positions, bits):
    positions = sorted(positions)
    gaps, is_filler = huffman.relative_indices(positions, bits)
    assert gaps.min(initial=1) >= 1 and gaps.max(initial=1) <= 2**bits
    assert huffman.positions_from_gaps(gaps)[~is_filler].tolist() == positions
    assert is_filler.sum() == huffman.filler_count(positions, bits)


def test_relative_indices_reject_unsorted_positions():
    with pytest.raises(ValueError, match="sorted"):
        huffman.relative_indices([3, 1], 3)


def test_csr_index_bits():
    # 4 x 8 matrix, 5 nonzeros: 5 column indices of 3 bits + 5 row pointers of 3 bits
    assert huffman.csr_index_bits((4, 8), 5) == 5 * 3 + 5 * 3
    assert huffman.csr_index_bits((2, 2, 2, 2), 3) == 3 * 3 + 3 * 2


def test_long_codes_across_the_decoders_stretches():
    # lengths 1, 2, ..., 48, 48: codes of up to 48 bits, straddling every 4 KB stretch decode reads
    lengths = np.array(list(range(1, huffman.MAX_CODE_BITS + 1)) + [huffman.MAX_CODE_BITS])
    symbols = np.random.default_rng(0).integers(0, len(lengths), size=20_000)
    data, bits = huffman.encode(symbols, lengths)
    assert bits > 8 * 4096 * 10
    assert np.array_equal(huffman.decode(data, len(symbols), lengths), symbols)
    assert np.array_equal(huffman.decode(data + b"", len(symbols), np.uint8(lengths)), symbols)


def test_decode_refuses_padding_and_junk_after_the_symbols():
    lengths = [1, 2, 2]  # codes 0, 10, 11
    data, bits = huffman.encode([1, 2, 0], lengths)  # 10 11 0 + 3 zero bits
    assert huffman.decode(data, 3, lengths).tolist() == [1, 2, 0]
    with pytest.raises(ValueError, match="too long"):
        huffman.decode(data + b"\0", 3, lengths)  # a whole byte more
    with pytest.raises(ValueError, match="padding"):
        huffman.decode(bytes([data[0] | 1]), 3, lengths)  # a padding bit set
    with pytest.raises(ValueError, match="padding"):
        huffman.decode(data, 1, lengths)  # fewer symbols than the stream holds: the rest is not padding
    with pytest.raises(ValueError, match="count"):
        huffman.decode(data, -4, lengths)
