"""medkern.sobel and gradient_magnitude against scipy.ndimage (mode='nearest') and SimpleITK's
GradientMagnitude; medkern.canny against SimpleITK.CannyEdgeDetection (ITK 5.4)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
from _support import random_array

import medkern

sitk = pytest.importorskip("SimpleITK")

SHAPES = [(7, 13, 17), (1, 31, 29), (9, 11), (41,), (2, 33, 67)]
VIEWS = ["contiguous", "strided", "transposed"]


def check_close(got, expected, tolerance=1e-5):
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    assert got.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1e-30)
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance * scale)


def sitk_image(a, spacing):
    image = sitk.GetImageFromArray(np.ascontiguousarray(a, dtype=np.float32))
    image.SetSpacing([float(s) for s in spacing[::-1]])
    return image


# ---------------------------------------------------------------------------- sobel


@pytest.mark.parametrize("dtype", ["int16", "uint16", "float32"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", VIEWS)
def test_sobel_matches_scipy(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    wide = np.asarray(a, np.float64)
    for axis in range(-a.ndim, a.ndim):
        got = medkern.sobel(a, axis, device=device)
        expected = ndi.sobel(wide, axis, mode="nearest")
        if dtype == "float32":
            check_close(got, expected)
        else:  # integer sums are exact in float32
            np.testing.assert_array_equal(got, expected.astype(np.float32))


def test_sobel_errors():
    a = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="axis"):
        medkern.sobel(a, 2)
    with pytest.raises(ValueError, match="axis"):
        medkern.sobel(a, -3)
    with pytest.raises(TypeError, match="dtype"):
        medkern.sobel(a.astype(np.int32), 0)


# ---------------------------------------------------------------------------- gradient magnitude


@pytest.mark.parametrize("dtype", ["int16", "float32"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("view", ["contiguous", "strided"])
def test_sobel_magnitude_matches_scipy(rng, device, dtype, shape, view):
    a = random_array(rng, shape, dtype, view)
    wide = np.asarray(a, np.float64)
    got = medkern.gradient_magnitude(a, use_spacing=False, device=device)
    check_close(got, ndi.generic_gradient_magnitude(wide, ndi.sobel, mode="nearest"))
    spacing = (2.5, 0.7, 1.2)[3 - a.ndim:]
    got = medkern.gradient_magnitude(a, "sobel", spacing=spacing, device=device)
    expected = np.sqrt(sum((ndi.sobel(wide, axis, mode="nearest") / spacing[axis]) ** 2
                           for axis in range(a.ndim)))
    check_close(got, expected)


@pytest.mark.parametrize("shape", [(9, 20, 23), (1, 25, 30), (26, 31), (3, 1, 40)])
@pytest.mark.parametrize("use_spacing", [True, False])
def test_central_magnitude_matches_itk(rng, device, shape, use_spacing):
    a = random_array(rng, shape, "float32", "strided")
    spacing = (2.0, 0.8, 1.25)[3 - a.ndim:]
    got = medkern.gradient_magnitude(a, "central", spacing=spacing, use_spacing=use_spacing,
                                     device=device)
    expected = sitk.GetArrayFromImage(
        sitk.GradientMagnitude(sitk_image(a, spacing), useImageSpacing=use_spacing))
    check_close(got, expected.reshape(a.shape))


def test_central_magnitude_of_int16_matches_itk_on_float(rng, device):
    a = random_array(rng, (8, 17, 19), "int16", "contiguous")
    got = medkern.gradient_magnitude(a, "central", spacing=(3.0, 0.5, 0.5), device=device)
    expected = sitk.GetArrayFromImage(sitk.GradientMagnitude(sitk_image(a, (3.0, 0.5, 0.5))))
    check_close(got, expected)


def test_gradient_magnitude_errors():
    a = np.zeros((3, 4, 5), np.float32)
    with pytest.raises(ValueError, match="method"):
        medkern.gradient_magnitude(a, "prewitt")
    with pytest.raises(ValueError, match="spacing"):
        medkern.gradient_magnitude(a, spacing=(1.0, -1.0, 1.0))


# ---------------------------------------------------------------------------- canny


def blobs(rng, shape, sigma=2.5):
    """Smooth random structures with edges of every orientation, float32."""
    noise = rng.standard_normal(shape)
    return (ndi.gaussian_filter(noise, sigma) * 1000.0).astype(np.float32)


def sitk_canny(a, sigma_mm, low, high, spacing):
    variance = [float(s) ** 2 for s in np.broadcast_to(sigma_mm, (a.ndim,))[::-1]]
    out = sitk.CannyEdgeDetection(sitk_image(a, spacing), float(low), float(high), variance)
    return sitk.GetArrayFromImage(out).astype(np.uint8)


def thresholds(a, fraction_low, fraction_high, sigma_voxels=0.0):
    """Quantiles of the gradient magnitude in voxel units (central differences) of `a`
    smoothed about as Canny smooths it."""
    smooth = ndi.gaussian_filter(a.astype(np.float64), sigma_voxels, mode="nearest")
    g = np.sqrt(sum(d**2 for d in np.gradient(smooth)))
    return float(np.quantile(g, fraction_low)), float(np.quantile(g, fraction_high))


def check_canny_like_itk(got, expected):
    assert got.dtype == np.uint8 and got.shape == expected.shape
    assert set(np.unique(got)) <= {0, 1}
    assert expected.sum() > 0, "a test without edges"
    # The same edges; float32 sums in another order than ITK's may flip a voxel whose
    # decision rests on the last bits (none in practice), so a handful is allowed.
    assert (got != expected).sum() <= max(2, expected.sum() // 1000)


@pytest.mark.parametrize("shape,spacing", [((48, 64), (1.0, 1.0)), ((40, 56), (0.7, 1.3)),
                                           ((16, 24, 28), (2.0, 0.8, 0.8))])
@pytest.mark.parametrize("sigma_mm", [0.0, 1.0, 2.0])
def test_canny_matches_itk(rng, device, shape, spacing, sigma_mm):
    a = blobs(rng, shape)
    low, high = thresholds(a, 0.5, 0.8, sigma_mm / np.asarray(spacing))
    got = medkern.canny(a, sigma_mm, low, high, spacing=spacing, device=device)
    check_canny_like_itk(got, sitk_canny(a, sigma_mm, low, high, spacing))


def test_canny_of_int16_and_a_strided_view_matches_itk(rng, device):
    base = (blobs(rng, (24, 60, 50)) * 4).astype(np.int16)
    a = base[::2, ::2, ::-1]
    low, high = thresholds(a, 0.6, 0.85, np.array([2.0, 1.0, 1.0]) / (1.5, 0.6, 0.6))
    got = medkern.canny(a, (2.0, 1.0, 1.0), low, high, spacing=(1.5, 0.6, 0.6), device=device)
    check_canny_like_itk(got, sitk_canny(a, (2.0, 1.0, 1.0), low, high, (1.5, 0.6, 0.6)))


def test_canny_puts_a_step_edge_on_the_step(device):
    # A step between x = 9 and x = 10, no smoothing: the edges are the plane x = 9 (ITK's zero
    # crossing takes the voxel before the step: |D| ties, and the tie goes to the voxel whose
    # neighbour on the + side crosses).
    a = np.zeros((6, 12, 20), np.float32)
    a[..., 10:] = 500.0
    got = medkern.canny(a, 0.0, 20.0, 60.0, device=device)
    expected = np.zeros(a.shape, np.uint8)
    expected[..., 9] = 1
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(sitk_canny(a, 0.0, 20.0, 60.0, (1, 1, 1)), expected)
    # 2-D, the step along y.
    image = np.zeros((15, 11), np.int16)
    image[7:] = 300
    got = medkern.canny(image, 0.0, 20.0, 60.0, device=device)
    assert got[6].all() and got.sum() == 11


@pytest.mark.parametrize("sigma_mm", [1.0, 2.0])
def test_canny_puts_a_smoothed_step_edge_next_to_the_step(device, sigma_mm):
    # Smoothed, the two voxels beside the step have |D| equal but for float rounding, which
    # decides the side (ITK's own sums may pick the other one): the edges are one whole
    # plane, x = 9 or x = 10, like ITK's.
    a = np.zeros((6, 12, 20), np.float32)
    a[..., 10:] = 500.0
    got = medkern.canny(a, sigma_mm, 20.0, 60.0, device=device)
    itk = sitk_canny(a, sigma_mm, 20.0, 60.0, (1, 1, 1))
    for edges in (got, itk):
        columns = np.nonzero(edges.any(axis=(0, 1)))[0]
        assert len(columns) == 1 and columns[0] in (9, 10)
        assert edges.sum() == 6 * 12


def test_canny_hysteresis_keeps_weak_edges_connected_to_strong_ones(device):
    # Two separate steps along x: a strong one (500) and a weak one (100); thresholds between
    # their strengths keep the weak step only where it touches the strong one.
    a = np.zeros((1, 20, 30), np.float32)
    a[:, :, 10:] = 500.0  # strong step, gradient 250 at x = 9
    a[:, 10:, 20:] = 600.0  # weak step, gradient 50 at x = 19, only in rows 10..19
    got = medkern.canny(a[0], 0.0, 30.0, 100.0, device=device)
    assert got[:, 9].all()
    weak_alone = medkern.canny(a[0, :, 15:], 0.0, 30.0, 100.0, device=device)
    assert weak_alone.sum() == 0  # the weak step with no strong edge: nothing
    np.testing.assert_array_equal(got, sitk_canny(a[0], 0.0, 30.0, 100.0, (1, 1)))


@pytest.mark.parametrize(
    "args,match",
    [
        ((1.0, 5.0, 2.0), "low"),
        ((1.0, float("nan"), 2.0), "low"),
        ((1.0, 0.0, float("inf")), "high"),
        ((-1.0, 0.0, 1.0), "sigma_mm"),
    ],
)
def test_canny_errors(args, match):
    a = np.zeros((5, 6), np.float32)
    with pytest.raises(ValueError, match=match):
        medkern.canny(a, *args, device="cpu")


def test_canny_takes_images_and_volumes_only():
    with pytest.raises(ValueError, match="2-D"):
        medkern.canny(np.zeros(9, np.float32), 1.0, 1.0, 2.0)
    with pytest.raises(TypeError, match="dtype"):
        medkern.canny(np.zeros((3, 3), np.uint8), 1.0, 1.0, 2.0)
