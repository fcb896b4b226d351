"""medkern.threshold against (lo <= a <= hi) in double precision (ITK's inclusive bounds)."""

from __future__ import annotations

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, cases, random_array

import medkern

BOUNDS = {"int16": (-100, 900), "uint16": (500, 2500), "float32": (-50.25, 300.5)}


def reference(a, lo, hi, inside=1, outside=0):
    wide = np.asarray(a, dtype=np.float64)
    return np.where((wide >= lo) & (wide <= hi), inside, outside).astype(np.uint8)


def check(got, a, expected):
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.uint8
    assert got.shape == a.shape
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape,view", list(cases()))
def test_matches_reference(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    lo, hi = BOUNDS[dtype]
    got = medkern.threshold(a, lo, hi, device=device)
    check(got, a, reference(a, lo, hi))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_inside_outside_values(rng, device, dtype):
    a = random_array(rng, (5, 9, 10), dtype, "strided")
    lo, hi = BOUNDS[dtype]
    got = medkern.threshold(a, lo, hi, inside=255, outside=7, device=device)
    check(got, a, reference(a, lo, hi, 255, 7))
    assert set(np.unique(got)) == {7, 255}
    inverted = medkern.threshold(a, lo, hi, inside=0, outside=1, device=device)
    check(inverted, a, 1 - reference(a, lo, hi))


@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_bounds_are_inclusive(device, dtype):
    a = np.arange(0, 40, dtype=dtype).reshape(2, 4, 5)
    got = medkern.threshold(a, 10, 20, device=device)
    check(got, a, reference(a, 10, 20))
    assert got.sum() == 11  # 10, 11, ..., 20
    point = medkern.threshold(a, 13, 13, device=device)
    assert point.sum() == 1 and point.ravel()[13] == 1


def test_float_bounds_compare_in_double(device):
    # float32(0.3) is 0.30000001192...: above hi = 0.3 in double (ITK/medkern), though
    # numpy's `a <= 0.3` on float32 data would round 0.3 to float32 first and take it.
    a = np.float32([0.0, 0.1, 0.3, np.nextafter(np.float32(0.3), np.float32(0)), 0.30000001])
    got = medkern.threshold(a, 0.0, 0.3, device=device)
    check(got, a, reference(a, 0.0, 0.3))
    assert got.tolist() == [1, 1, 0, 1, 0]


def test_nan_is_outside_and_infinite_bounds(rng, device):
    a = random_array(rng, (4, 6, 7), "float32", "contiguous")
    a.flat[::5] = np.nan
    a.flat[1] = np.inf
    a.flat[2] = -np.inf
    got = medkern.threshold(a, -np.inf, np.inf, inside=9, outside=3, device=device)
    check(got, a, reference(a, -np.inf, np.inf, 9, 3))
    assert np.all(got[np.isnan(a)] == 3)
    assert np.all(got[~np.isnan(a)] == 9)
    half = medkern.threshold(a, 0.0, np.inf, device=device)
    check(half, a, reference(a, 0.0, np.inf))


def test_integer_input_with_fractional_bounds(rng, device):
    a = random_array(rng, (3, 20, 21), "int16", "contiguous")
    got = medkern.threshold(a, -0.5, 99.5, device=device)
    check(got, a, reference(a, -0.5, 99.5))
    check(got, a, reference(a, 0, 99))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_all_equal_data(device, dtype):
    a = np.full((2, 3, 4), 5, dtype=dtype)
    check(medkern.threshold(a, 5, 5, device=device), a, np.ones(a.shape, np.uint8))
    check(medkern.threshold(a, 6, 9, device=device), a, np.zeros(a.shape, np.uint8))


def test_output_keeps_the_input_shape(device):
    for shape in [(5,), (3, 4), (2, 3, 4), (1, 1, 1), (0, 3)]:
        a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
        got = medkern.threshold(a, 2, 4, device=device)
        check(got, a, reference(a, 2, 4))
        assert got.flags.c_contiguous
