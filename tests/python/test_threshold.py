"""medkern.threshold against (lo <= a <= hi) in double precision (ITK's inclusive bounds), and
medkern.otsu_threshold against skimage.filters.threshold_otsu."""

from __future__ import annotations

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, cases, make_view, random_array, random_mask

import medkern

try:
    from skimage.filters import threshold_otsu
except ImportError:  # the comparisons below skip themselves
    threshold_otsu = None

needs_skimage = pytest.mark.skipif(threshold_otsu is None, reason="scikit-image is not installed")

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


# ---------------------------------------------------------------------------- otsu_threshold


def bimodal(rng, shape, dtype):
    """Two tissue classes with unequal weights and spreads, plus sparse outliers."""
    n = int(np.prod(shape))
    first = rng.random(n) < 0.35
    values = np.where(first, rng.normal(40.0, 15.0, n), rng.normal(220.0, 40.0, n))
    outliers = rng.random(n) < 0.01
    values[outliers] = rng.uniform(-100.0, 900.0, int(outliers.sum()))
    if dtype == "uint16":
        values = np.clip(values, 0, None)
    if dtype != "float32":
        values = np.round(values)
    return values.astype(dtype).reshape(shape)


def check_otsu(got, expected, dtype):
    assert isinstance(got, float)
    if dtype == "float32":
        # The same bin must win: a neighbouring bin would differ by a whole bin width.
        assert got == pytest.approx(float(expected), rel=1e-6, abs=1e-6)
    else:
        assert got == float(expected)


@needs_skimage
@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape", [(9, 21, 23), (1, 64, 63), (500,), (30, 31)])
@pytest.mark.parametrize("view", ["contiguous", "strided", "transposed"])
def test_matches_skimage(rng, device, dtype, shape, view):
    base = bimodal(rng, shape if view != "strided" else tuple(2 * n for n in shape), dtype)
    a = make_view(base, view)
    got = medkern.otsu_threshold(a, device=device)
    check_otsu(got, threshold_otsu(np.ascontiguousarray(a)), dtype)


@needs_skimage
@pytest.mark.parametrize("bins", [2, 17, 100, 1024])
def test_float32_bins(rng, device, bins):
    a = bimodal(rng, (6, 30, 31), "float32")
    got = medkern.otsu_threshold(a, bins=bins, device=device)
    check_otsu(got, threshold_otsu(a, nbins=bins), "float32")


@needs_skimage
@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_integer_input_ignores_bins(rng, device, dtype):
    a = bimodal(rng, (4, 30, 31), dtype)
    expected = threshold_otsu(a)
    for bins in (2, 50, 256):
        check_otsu(medkern.otsu_threshold(a, bins=bins, device=device), expected, dtype)


@needs_skimage
@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("mask_kind", ["bool", "uint8"])
def test_mask(rng, device, dtype, mask_kind):
    a = bimodal(rng, (5, 33, 34), dtype)
    mask = random_mask(rng, a.shape, mask_kind)
    # A masked-out third class that would move the threshold if it were counted.
    a[:, :5, :] = np.asarray(800, dtype=dtype)
    mask[:, :5, :] = 0
    got = medkern.otsu_threshold(a, mask=mask, device=device)
    check_otsu(got, threshold_otsu(a[mask != 0]), dtype)
    assert got != float(threshold_otsu(a))


@needs_skimage
@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_constant_input_returns_its_value(device, dtype):
    a = np.full((3, 5, 7), 42, dtype=dtype)
    assert medkern.otsu_threshold(a, device=device) == 42.0 == float(threshold_otsu(a))


@needs_skimage
def test_nan_is_ignored(rng, device):
    a = bimodal(rng, (4, 20, 21), "float32")
    a.flat[rng.choice(a.size, 50, replace=False)] = np.nan
    got = medkern.otsu_threshold(a, device=device)
    check_otsu(got, threshold_otsu(a[~np.isnan(a)]), "float32")


@needs_skimage
def test_two_values(device):
    a = np.array([[10, 10, 10, 250, 250]], dtype=np.int16)
    assert medkern.otsu_threshold(a, device=device) == float(threshold_otsu(a)) == 10.0


def test_nothing_to_threshold_is_an_error(device):
    a = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    with pytest.raises(ValueError, match="voxel"):
        medkern.otsu_threshold(a, mask=np.zeros(a.shape, bool), device=device)
    with pytest.raises(ValueError, match="voxel"):
        medkern.otsu_threshold(np.full((2, 2), np.nan, np.float32), device=device)
    with pytest.raises(ValueError, match="a"):
        medkern.otsu_threshold(np.zeros((0,), np.float32), device=device)
