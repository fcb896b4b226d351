"""medkern.gaussian against scipy.ndimage.gaussian_filter(mode='nearest') on float64 data:
within 1e-5 of the largest magnitude (float32 sums), on every dtype, layout and spacing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
from _support import INTENSITY_DTYPES, random_array

import medkern

SHAPES = [(7, 13, 17), (1, 31, 29), (9, 11), (41,), (2, 33, 67)]
VIEWS = ["contiguous", "strided", "reversed"]


def reference(a, sigma_mm, spacing, truncate=4.0):
    ndim = a.ndim
    sigma = np.broadcast_to(np.asarray(sigma_mm, float), (ndim,))
    spacing = np.broadcast_to(np.asarray(spacing, float), (ndim,))
    return ndi.gaussian_filter(np.asarray(a, np.float64), sigma / spacing, mode="nearest",
                               truncate=truncate)


def check(got, a, expected, tolerance=1e-5):
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.float32
    assert got.shape == a.shape
    scale = max(float(np.abs(expected).max()), 1e-30)
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * scale)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", VIEWS)
def test_matches_scipy(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    got = medkern.gaussian(a, 1.5, device=device)
    check(got, a, reference(a, 1.5, 1.0))


@pytest.mark.parametrize("dtype", ["int16", "float32"])
@pytest.mark.parametrize(
    "sigma_mm,spacing",
    [
        (2.0, (2.5, 0.7, 1.0)),  # anisotropic spacing: sigma in voxels differs per axis
        ((0.0, 1.0, 3.0), (1.0, 1.0, 1.0)),  # z skipped
        ((2.0, 0.0, 0.0), (0.5, 1.0, 1.0)),  # z only
        (1.0, 0.25),  # sigma 4 voxels everywhere: radius 16, the z path's limit
        ((1.0, 2.0, 2.0), (0.25, 0.25, 0.25)),  # in-plane radius 32, the tile's limit
    ],
)
def test_sigma_in_mm_with_spacing(rng, device, dtype, sigma_mm, spacing):
    a = random_array(rng, (21, 40, 38), dtype, "contiguous")
    got = medkern.gaussian(a, sigma_mm, spacing=spacing, device=device)
    check(got, a, reference(a, sigma_mm, spacing))


def test_two_dimensional_sigma_and_spacing(rng, device):
    a = random_array(rng, (45, 52), "float32", "transposed")
    got = medkern.gaussian(a, (1.0, 2.0), spacing=(0.5, 1.0), device=device)
    check(got, a, reference(a, (1.0, 2.0), (0.5, 1.0)))


@pytest.mark.parametrize("sigma_mm", [(20.0, 17.0, 25.0), (0.0, 0.0, 40.0)])
def test_large_radii_beyond_the_fast_paths(rng, device, sigma_mm):
    # Radii 68..160 voxels, larger than the volume: the edge voxels repeat far beyond it.
    a = random_array(rng, (9, 30, 44), "float32", "contiguous")
    got = medkern.gaussian(a, sigma_mm, device=device)
    check(got, a, reference(a, sigma_mm, 1.0))


@pytest.mark.parametrize("truncate", [0.0, 1.0, 2.5, 6.0])
def test_truncate(rng, device, truncate):
    a = random_array(rng, (6, 19, 23), "int16", "contiguous")
    got = medkern.gaussian(a, 2.0, truncate=truncate, device=device)
    check(got, a, reference(a, 2.0, 1.0, truncate))


@pytest.mark.parametrize("sigma_mm,spacing", [(1.0, 1.0), (3.0, 1.5), (2.0, 0.5)])
def test_impulse_response_sums_to_one_with_variance_sigma_squared(device, sigma_mm, spacing):
    n = 161
    a = np.zeros((3, 5, n), np.float32)
    a[1, 2, n // 2] = 1.0
    got = medkern.gaussian(a, (0.0, 0.0, sigma_mm), spacing=spacing, device=device)
    row = got[1, 2].astype(np.float64)
    assert np.abs(got.sum() - 1.0) < 1e-6
    offsets = np.arange(n) - n // 2
    sigma_voxels = sigma_mm / spacing
    # Truncation at 4 sigma takes 1.1e-3 of the variance away.
    np.testing.assert_allclose((row * offsets**2).sum(), sigma_voxels**2, rtol=2e-3)
    assert (row * offsets).sum() == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_array_equal(row, row[::-1])


def test_sigma_zero_is_the_conversion(rng, device):
    a = random_array(rng, (4, 7, 9), "int16", "strided")
    got = medkern.gaussian(a, 0.0, device=device)
    np.testing.assert_array_equal(got, a.astype(np.float32))


def test_nan_spreads_as_in_scipy(rng, device):
    a = random_array(rng, (5, 16, 18), "float32", "contiguous")
    a[2, 8, 9] = np.nan
    got = medkern.gaussian(a, 1.0, device=device)
    expected = reference(a, 1.0, 1.0)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    finite = ~np.isnan(expected)
    check(got[finite], got[finite], expected[finite])


def test_empty_array(device):
    got = medkern.gaussian(np.zeros((0, 4), np.float32), 1.0, device=device)
    assert got.shape == (0, 4) and got.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(sigma_mm=-1.0), "sigma_mm"),
        (dict(sigma_mm=float("nan")), "sigma_mm"),
        (dict(sigma_mm=(1.0, 2.0)), "sigma_mm"),
        (dict(sigma_mm="wide"), "sigma_mm"),
        (dict(sigma_mm=1.0, truncate=-1.0), "truncate"),
        (dict(sigma_mm=1.0, truncate=float("inf")), "truncate"),
        (dict(sigma_mm=1.0, spacing=0.0), "spacing"),
        (dict(sigma_mm=1e7), "radius"),
    ],
)
def test_errors(kwargs, match):
    a = np.zeros((3, 4, 5), np.float32)
    with pytest.raises(ValueError, match=match):
        medkern.gaussian(a, **kwargs, device="cpu")


def test_unsupported_dtype_and_dimensions():
    with pytest.raises(TypeError, match="dtype"):
        medkern.gaussian(np.zeros((3, 4), np.float64), 1.0)
    with pytest.raises(ValueError, match="dimensions"):
        medkern.gaussian(np.zeros((2, 2, 2, 2), np.float32), 1.0)
