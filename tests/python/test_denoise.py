"""median against scipy.ndimage.median_filter (exact), anisotropic_diffusion against
SimpleITK.GradientAnisotropicDiffusion (ITK 5.4), on fresh random data (the seed is printed;
MEDKERN_TEST_SEED replays it). The SimpleITK comparisons skip where it does not import."""

from __future__ import annotations

import numpy as np
import pytest

import medkern
from _support import make_view, random_values

ndimage = pytest.importorskip("scipy.ndimage")

try:
    import SimpleITK as sitk
except ImportError:  # the comparisons below skip themselves
    sitk = None

needs_sitk = pytest.mark.skipif(sitk is None, reason="SimpleITK is not installed")

# Odd extents, thin volumes (one slice, one row, one voxel thick), a single voxel.
MEDIAN_SHAPES = [(7, 13, 17), (1, 9, 23), (11, 1, 6), (5, 8, 1), (1, 1, 1), (16, 17, 18)]
RADII = [1, 2, 3, (0, 1, 1), (1, 0, 2), (3, 1, 0), (2, 3, 1)]


def scipy_median(a, radius):
    size = tuple(2 * r + 1 for r in radius)
    return ndimage.median_filter(a, size=size, mode="nearest")


def full_radius(radius, ndim=3):
    return (radius,) * ndim if isinstance(radius, int) else tuple(radius)


# ---------------------------------------------------------------------------- median


@pytest.mark.parametrize("dtype", ["int16", "uint16", "float32"])
@pytest.mark.parametrize("shape", MEDIAN_SHAPES)
def test_median_equals_scipy(rng, device, dtype, shape):
    a = random_values(rng, shape, dtype)
    if dtype != "float32":
        a[rng.random(shape) < 0.3] = a.flat[0]  # many ties
    for radius in RADII:
        expected = scipy_median(a, full_radius(radius))
        actual = medkern.median(a, radius, device=device)
        assert actual.dtype == a.dtype and actual.shape == a.shape
        np.testing.assert_array_equal(actual, expected, err_msg=f"radius={radius}")


@pytest.mark.parametrize("view", ["strided", "transposed", "reversed"])
def test_median_of_views_equals_scipy(rng, device, view):
    base = random_values(rng, (18, 22, 27), "float32")
    a = make_view(base, view)
    assert not a.flags.c_contiguous
    for radius in (1, (1, 2, 0), 3):
        np.testing.assert_array_equal(
            medkern.median(a, radius, device=device), scipy_median(a, full_radius(radius))
        )


def test_median_of_2d_and_1d_arrays(rng, device):
    image = random_values(rng, (19, 23), "int16")
    np.testing.assert_array_equal(
        medkern.median(image, 2, device=device),
        ndimage.median_filter(image, size=5, mode="nearest"),
    )
    np.testing.assert_array_equal(
        medkern.median(image, (1, 3), device=device),
        ndimage.median_filter(image, size=(3, 7), mode="nearest"),
    )
    line = random_values(rng, (41,), "float32")
    np.testing.assert_array_equal(
        medkern.median(line, 3, device=device), ndimage.median_filter(line, 7, mode="nearest")
    )


def numpy_sorted_median(a, radius):
    """The median with numpy.sort's order (NaN last): medkern's definition for NaN."""
    padded = np.pad(a, [(r, r) for r in radius], mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, [2 * r + 1 for r in radius])
    flat = windows.reshape(a.shape + (-1,))
    return np.sort(flat, axis=-1)[..., flat.shape[-1] // 2]


@pytest.mark.parametrize("nan_fraction", [0.05, 0.5, 1.0])
def test_median_sorts_nan_last(rng, device, nan_fraction):
    a = random_values(rng, (6, 9, 11), "float32")
    a[rng.random(a.shape) < nan_fraction] = np.nan
    for radius in ((1, 1, 1), (0, 2, 2), (2, 1, 3)):
        np.testing.assert_array_equal(
            medkern.median(a, radius, device=device), numpy_sorted_median(a, radius)
        )


def test_median_by_hand(device):
    row = np.array([5, -3, 9, 9, 1, 100, 2], np.int16)
    np.testing.assert_array_equal(
        medkern.median(row, 1, device=device), [5, 5, 9, 9, 9, 2, 2]
    )
    spike = np.zeros((5, 5, 5), np.float32)
    spike[2, 2, 2] = 1000.0  # one voxel of 27: removed
    assert not medkern.median(spike, 1, device=device).any()


@pytest.mark.parametrize(
    "radius, message",
    [(0, "radius"), (4, "radius"), (-1, "radius"), ((0, 0, 0), "no window"),
     ((1, 4, 1), "radius"), ((1, 1), "2 values"), ("3", "radius"), (1.5, "radius")],
)
def test_median_bad_radius(radius, message):
    with pytest.raises(ValueError, match=message):
        medkern.median(np.zeros((4, 4, 4), np.int16), radius, device="cpu")


def test_median_bad_dtype():
    with pytest.raises(TypeError, match="dtype"):
        medkern.median(np.zeros((4, 4, 4), np.float64), 1, device="cpu")


# ---------------------------------------------------------------------------- diffusion

# medkern follows ITK operation for operation; only the order of the sum of the mean gradient
# differs, so the two agree far inside this tolerance (relative to the data's range).
DIFFUSION_TOLERANCE = 1e-5


def sitk_diffusion(a, iterations, time_step, conductance, spacing):
    image = sitk.GetImageFromArray(np.ascontiguousarray(a, dtype=np.float32))
    image.SetSpacing([float(s) for s in reversed(spacing)])  # SimpleITK: (x, y, z)
    result = sitk.GradientAnisotropicDiffusion(
        image, timeStep=time_step, conductanceParameter=conductance,
        conductanceScalingUpdateInterval=1, numberOfIterations=iterations,
    )
    return sitk.GetArrayFromImage(result)


def check_diffusion(a, iterations, time_step, conductance, spacing, device):
    expected = sitk_diffusion(a, iterations, time_step, conductance, spacing)
    actual = medkern.anisotropic_diffusion(
        a, iterations, time_step, conductance, spacing, device=device
    )
    assert actual.dtype == np.float32 and actual.shape == a.shape
    scale = max(1.0, float(np.abs(a.astype(np.float64)).max()))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=DIFFUSION_TOLERANCE * scale)
    return actual


@needs_sitk
@pytest.mark.parametrize("dtype", ["int16", "uint16", "float32"])
@pytest.mark.parametrize("shape", [(13, 17, 19), (1, 24, 31), (9, 1, 14), (3, 5, 1)])
def test_diffusion_equals_simpleitk(rng, device, dtype, shape):
    a = random_values(rng, shape, dtype)
    out = check_diffusion(a, 5, 0.0625, 1.5, (1.0, 1.0, 1.0), device)
    assert np.abs(out - a).max() > 0  # it did smooth


@needs_sitk
@pytest.mark.parametrize("spacing", [(2.5, 0.8, 0.8), (1.0, 0.5, 2.0)])
def test_diffusion_with_anisotropic_spacing_equals_simpleitk(rng, device, spacing):
    a = ndimage.gaussian_filter(rng.normal(0, 100, (20, 26, 30)), 1.0).astype(np.float32)
    a[:, :, 15:] += 300.0  # an edge to keep
    for iterations, conductance in ((1, 0.5), (4, 3.0)):
        check_diffusion(a, iterations, min(spacing) / 16, conductance, spacing, device)


@needs_sitk
def test_diffusion_of_2d_image_equals_simpleitk_volume(rng, device):
    image = random_values(rng, (30, 40), "float32")
    expected = sitk_diffusion(image[None], 3, 0.05, 2.0, (1.0, 1.0, 1.0))[0]
    actual = medkern.anisotropic_diffusion(image, 3, 0.05, 2.0, device=device)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=DIFFUSION_TOLERANCE * 1e3)


def test_diffusion_preserves_the_sum_and_constants(rng, device):
    a = random_values(rng, (10, 12, 14), "int16")
    out = medkern.anisotropic_diffusion(a, 4, 0.0625, 2.0, device=device)
    assert out.sum(dtype=np.float64) == pytest.approx(a.sum(dtype=np.float64), rel=1e-5)
    assert out.std() < a.std()
    flat = np.full((4, 5, 6), 7, np.uint16)
    np.testing.assert_array_equal(medkern.anisotropic_diffusion(flat, 3, device=device), 7.0)
    np.testing.assert_array_equal(
        medkern.anisotropic_diffusion(a, 0, device=device), a.astype(np.float32)
    )


def test_diffusion_of_views(rng, device):
    base = random_values(rng, (12, 14, 16), "float32")
    view = base[::-1, :, ::2]
    np.testing.assert_array_equal(
        medkern.anisotropic_diffusion(view, 2, device=device),
        medkern.anisotropic_diffusion(np.ascontiguousarray(view), 2, device=device),
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(iterations=-1), "iterations"),
        (dict(time_step=0.07), "stable bound"),
        (dict(time_step=0.0), "time_step"),
        (dict(time_step=float("nan")), "time_step"),
        (dict(conductance=0.0), "conductance"),
        (dict(conductance=-1.0), "conductance"),
        (dict(conductance=float("inf")), "conductance"),
        (dict(spacing=(1.0, 0.5, 1.0), time_step=0.05), "0.03125"),
        (dict(spacing=(1.0, -1.0, 1.0)), "spacing"),
    ],
)
def test_diffusion_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        medkern.anisotropic_diffusion(np.zeros((4, 4, 4), np.float32), device="cpu", **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_diffusion_refuses_nan_and_infinity(device, bad):
    a = np.ones((4, 5, 6), np.float32)
    a[1, 2, 3] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        medkern.anisotropic_diffusion(a, 1, device=device)


def test_diffusion_bad_dtype():
    with pytest.raises(TypeError, match="dtype"):
        medkern.anisotropic_diffusion(np.zeros((4, 4, 4), np.uint8), device="cpu")
