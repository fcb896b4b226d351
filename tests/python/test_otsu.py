"""medkern.otsu_threshold against skimage.filters.threshold_otsu."""

from __future__ import annotations

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, make_view, random_mask

import medkern

threshold_otsu = pytest.importorskip("skimage.filters").threshold_otsu


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


def check(got, expected, dtype):
    assert isinstance(got, float)
    if dtype == "float32":
        # The same bin must win: a neighbouring bin would differ by a whole bin width.
        assert got == pytest.approx(float(expected), rel=1e-6, abs=1e-6)
    else:
        assert got == float(expected)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape", [(9, 21, 23), (1, 64, 63), (500,), (30, 31)])
@pytest.mark.parametrize("view", ["contiguous", "strided", "transposed"])
def test_matches_skimage(rng, device, dtype, shape, view):
    base = bimodal(rng, shape if view != "strided" else tuple(2 * n for n in shape), dtype)
    a = make_view(base, view)
    got = medkern.otsu_threshold(a, device=device)
    check(got, threshold_otsu(np.ascontiguousarray(a)), dtype)


@pytest.mark.parametrize("bins", [2, 17, 100, 1024])
def test_float32_bins(rng, device, bins):
    a = bimodal(rng, (6, 30, 31), "float32")
    got = medkern.otsu_threshold(a, bins=bins, device=device)
    check(got, threshold_otsu(a, nbins=bins), "float32")


@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_integer_input_ignores_bins(rng, device, dtype):
    a = bimodal(rng, (4, 30, 31), dtype)
    expected = threshold_otsu(a)
    for bins in (2, 50, 256):
        check(medkern.otsu_threshold(a, bins=bins, device=device), expected, dtype)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("mask_kind", ["bool", "uint8"])
def test_mask(rng, device, dtype, mask_kind):
    a = bimodal(rng, (5, 33, 34), dtype)
    mask = random_mask(rng, a.shape, mask_kind)
    # A masked-out third class that would move the threshold if it were counted.
    a[:, :5, :] = np.asarray(800, dtype=dtype)
    mask[:, :5, :] = 0
    got = medkern.otsu_threshold(a, mask=mask, device=device)
    check(got, threshold_otsu(a[mask != 0]), dtype)
    assert got != float(threshold_otsu(a))


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_constant_input_returns_its_value(device, dtype):
    a = np.full((3, 5, 7), 42, dtype=dtype)
    assert medkern.otsu_threshold(a, device=device) == 42.0 == float(threshold_otsu(a))


def test_nan_is_ignored(rng, device):
    a = bimodal(rng, (4, 20, 21), "float32")
    a.flat[rng.choice(a.size, 50, replace=False)] = np.nan
    got = medkern.otsu_threshold(a, device=device)
    check(got, threshold_otsu(a[~np.isnan(a)]), "float32")


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
