"""medkern.histogram against numpy.histogram."""

from __future__ import annotations

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, cases, random_array, random_mask, random_values

import medkern

# Ranges that cut into the generated data on both sides, so that out-of-range values occur.
RANGES = {"int16": (-500.0, 1500.0), "uint16": (100.0, 3000.0), "float32": (-200.0, 450.5)}


def reference(a, bins, range_, mask=None):
    data = a if mask is None else a[mask != 0]
    return np.histogram(data, bins=bins, range=range_)[0]


def check(got, expected):
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.uint64
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected.astype(np.uint64))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape,view", list(cases()))
def test_matches_numpy_with_range(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    for bins in (1, 7, 256):
        got = medkern.histogram(a, bins, range=RANGES[dtype], device=device)
        check(got, reference(a, bins, RANGES[dtype]))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape,view", [((7, 13, 17), "contiguous"), ((9, 11), "strided")])
def test_range_defaults_to_data_extremes(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    got = medkern.histogram(a, 50, device=device)
    check(got, auto_range_reference(a, 50))
    assert int(got.sum()) == a.size  # the extremes are inside the range


def auto_range_reference(a, bins):
    return np.histogram(a, bins)[0]


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_automatic_range_with_values_on_numpy_edges(rng, device, dtype):
    # Values placed on (and next to) the edges numpy derives from the data's extremes: in
    # float32 those edges come from float32 arithmetic, and a double-built edge often
    # differs from them by one unit in the last place.
    for _ in range(20):
        a = random_values(rng, 3000, dtype)
        scale = rng.uniform(0.001, 10.0) if dtype == "float32" else 1
        a = (a * scale).astype(dtype)
        bins = int(rng.integers(3, 300))
        edges = np.histogram_bin_edges(a, bins).astype(a.dtype)
        a[: edges.size] = edges
        if dtype == "float32":
            a[edges.size : 2 * edges.size] = np.nextafter(edges, np.float32(np.inf))
        check(medkern.histogram(a, bins, device=device), auto_range_reference(a, bins))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("mask_kind", ["bool", "uint8"])
@pytest.mark.parametrize("view", ["contiguous", "strided", "transposed"])
def test_mask(rng, device, dtype, mask_kind, view):
    a = random_array(rng, (6, 14, 15), dtype, view)
    mask = random_mask(rng, a.shape, mask_kind)
    for bins in (3, 100):
        got = medkern.histogram(a, bins, range=RANGES[dtype], mask=mask, device=device)
        check(got, reference(a, bins, RANGES[dtype], mask))
    # Without a range, the extremes come from the masked voxels only.
    got = medkern.histogram(a, 16, mask=mask, device=device)
    check(got, auto_range_reference(a[mask != 0], 16))


def test_mask_selecting_nothing_counts_nothing(device):
    a = np.arange(60, dtype=np.int16).reshape(3, 4, 5)
    got = medkern.histogram(a, 4, range=(0, 60), mask=np.zeros(a.shape, bool), device=device)
    check(got, np.zeros(4, np.int64))
    # No voxel and no range: numpy's (0, 1).
    got = medkern.histogram(a, 4, mask=np.zeros(a.shape, np.uint8), device=device)
    check(got, np.zeros(4, np.int64))


@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_integer_values_on_edges_and_on_lo_hi(device, dtype):
    # Every edge of range (0, 100) with 10 bins is an integer present in the data; 100
    # (== hi) goes to the last bin, -1 and 101 are outside.
    values = np.arange(0 if dtype == "uint16" else -1, 102).astype(dtype)
    a = np.repeat(values, 3).reshape(1, 3, -1)
    got = medkern.histogram(a, 10, range=(0, 100), device=device)
    expected = reference(a, 10, (0, 100))
    check(got, expected)
    assert got[0] == 30 and got[-1] == 33


@pytest.mark.parametrize("bins", [1, 3, 10, 256, 1000])
def test_float32_values_on_and_next_to_edges(device, bins):
    lo, hi = -1.25, 3.7
    edges = np.linspace(lo, hi, bins + 1).astype(np.float32)
    values = np.concatenate(
        [
            edges,
            np.nextafter(edges, np.float32(-np.inf)),
            np.nextafter(edges, np.float32(np.inf)),
            np.array([lo, hi], dtype=np.float32),
        ]
    ).astype(np.float32)
    a = values.reshape(1, 1, -1)
    got = medkern.histogram(a, bins, range=(lo, hi), device=device)
    check(got, reference(a, bins, (lo, hi)))


@pytest.mark.parametrize("bins", [1, 2, 3, 7, 10, 30, 256])
def test_float32_rounding_of_a_decimal_range(rng, device, bins):
    # float32(0.3) > 0.3 and float32(0.1) > 0.1: numpy compares float32 data with the
    # float32-rounded edges, so these values land where numpy puts them, not where a double
    # comparison would.
    lo, hi = 0.0, 0.3
    edges = np.linspace(lo, hi, bins + 1).astype(np.float32)
    special = np.concatenate(
        [
            edges,
            np.nextafter(edges, np.float32(-1)),
            np.nextafter(edges, np.float32(1)),
            np.float32([0.1, 0.2, 0.3, 0.0, -0.0]),
        ]
    )
    noise = rng.uniform(-0.01, 0.31, size=500).astype(np.float32)
    a = np.concatenate([special, noise]).astype(np.float32)
    rng.shuffle(a)
    got = medkern.histogram(a.reshape(1, 1, -1), bins, range=(lo, hi), device=device)
    expected = reference(a, bins, (lo, hi))
    check(got, expected)
    assert got[-1] >= np.count_nonzero(a == np.float32(0.3))


def test_nan_is_not_counted(rng, device):
    a = random_array(rng, (5, 8, 9), "float32", "contiguous")
    a.flat[rng.choice(a.size, 40, replace=False)] = np.nan
    a.flat[0] = np.inf
    a.flat[1] = -np.inf
    got = medkern.histogram(a, 32, range=(-300.0, 500.0), device=device)
    check(got, reference(a, 32, (-300.0, 500.0)))
    finite_in_range = np.count_nonzero((a >= -300.0) & (a <= 500.0))
    assert int(got.sum()) == finite_in_range


def test_nan_without_range_is_an_error_as_in_numpy(device):
    a = np.array([1.0, np.nan, 3.0], dtype=np.float32)
    with pytest.raises(ValueError, match="range"):
        np.histogram(a, 4)
    with pytest.raises(ValueError, match="range"):
        medkern.histogram(a, 4, device=device)


def test_bins_65536_over_uint16(rng, device):
    a = rng.integers(0, 65536, size=(3, 40, 41), dtype=np.uint16)
    a.flat[:2] = [0, 65535]
    got = medkern.histogram(a, 65536, range=(0, 65536), device=device)
    check(got, np.bincount(a.ravel(), minlength=65536))
    got = medkern.histogram(a, 65536, range=(0, 65535), device=device)
    check(got, reference(a, 65536, (0, 65535)))


def test_one_bin(rng, device):
    a = random_array(rng, (4, 5, 6), "int16", "contiguous")
    got = medkern.histogram(a, 1, range=(0, 1000), device=device)
    check(got, np.array([np.count_nonzero((a >= 0) & (a <= 1000))]))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_all_equal_data(device, dtype):
    a = np.full((3, 4, 5), 7, dtype=dtype)
    # lo == hi widens to (6.5, 7.5) as numpy does; also the automatic range.
    for range_ in [(7, 7), None]:
        got = medkern.histogram(a, 5, range=range_, device=device)
        check(got, np.histogram(a, 5, range=range_)[0])
        assert got[2] == a.size


def test_empty_array_gives_zero_counts(device):
    a = np.zeros((0, 4), dtype=np.float32)
    check(medkern.histogram(a, 6, device=device), np.histogram(a, 6)[0])
    check(medkern.histogram(a, 6, range=(1, 2), device=device), np.zeros(6, np.int64))


def test_counts_are_fresh_arrays(device):
    a = np.arange(10, dtype=np.int16)
    first = medkern.histogram(a, 5, range=(0, 10), device=device)
    second = medkern.histogram(a, 5, range=(0, 10), device=device)
    assert first is not second and not np.shares_memory(first, second)
    check(first, np.full(5, 2))
