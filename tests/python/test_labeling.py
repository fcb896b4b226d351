"""label_components against scipy.ndimage.label, and connected_threshold against
skimage.segmentation.flood, on fresh random data."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.segmentation import flood

import medkern

STRUCTURES = {
    6: ndimage.generate_binary_structure(3, 1),
    18: ndimage.generate_binary_structure(3, 2),
    26: ndimage.generate_binary_structure(3, 3),
}
for conn, rank in ((4, 1), (8, 2)):
    s = np.zeros((3, 3, 3), bool)
    s[1] = ndimage.generate_binary_structure(2, rank)
    STRUCTURES[conn] = s

SHAPES = [(1, 1, 1), (1, 37, 53), (7, 1, 40), (9, 17, 23), (16, 31, 45)]


@pytest.fixture
def rng(request):
    seed = np.random.SeedSequence().entropy
    print(f"seed {seed}")
    return np.random.default_rng(seed)


def reference(mask, connectivity):
    return ndimage.label(mask, STRUCTURES[connectivity])


@pytest.mark.parametrize("connectivity", [4, 6, 8, 18, 26])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("density", [0.05, 0.3, 0.7])
def test_label_components_equals_scipy(rng, connectivity, shape, density):
    mask = rng.random(shape) < density
    labels, count = medkern.label_components(mask, connectivity, device="cpu")
    expected, expected_count = reference(mask, connectivity)
    assert labels.dtype == np.int32
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("connectivity", [6, 26, 8])
def test_strided_and_uint8_views(rng, connectivity):
    base = (rng.random((10, 20, 30)) < 0.4).astype(np.uint8) * rng.integers(1, 255, (10, 20, 30), dtype=np.uint8)
    view = base[::2, ::-1, ::3]
    labels, count = medkern.label_components(view, connectivity, device="cpu")
    expected, expected_count = reference(view != 0, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


def test_all_foreground_and_background():
    full = np.ones((4, 5, 6), bool)
    assert medkern.label_components(full, 6, device="cpu")[1] == 1
    assert medkern.label_components(full, 4, device="cpu")[1] == 4  # one per slice
    labels, count = medkern.label_components(np.zeros((4, 5, 6), bool), device="cpu")
    assert count == 0 and not labels.any()


def test_checkerboard_separates_connectivities():
    z, y, x = np.indices((3, 3, 3))
    board = (z + y + x) % 2 == 0
    counts = {c: medkern.label_components(board, c, device="cpu")[1] for c in (6, 18, 26)}
    assert counts == {c: reference(board, c)[1] for c in (6, 18, 26)}
    assert counts[6] == 14 and counts[18] == 1


def test_spiral_is_one_component():
    n = 21
    img = np.zeros((n, n), bool)
    top, left, bottom, right = 0, 0, n - 1, n - 1
    while top <= bottom and left <= right:
        img[top, left:right + 1] = True
        img[top:bottom + 1, right] = True
        if bottom > top + 1:
            img[bottom, left:right + 1] = True
        if left < right - 1:
            img[top + 2:bottom + 1, left] = True
        if top + 2 <= bottom and left < right:
            img[top + 2, left + 1] = True
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
    labels, count = medkern.label_components(img, 4, device="cpu")
    expected, expected_count = ndimage.label(img)
    assert labels.shape == img.shape
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


def test_two_slices_differ_per_slice_and_in_3d():
    mask = np.zeros((2, 3, 3), bool)
    mask[0, 1, 1] = mask[1, 1, 1] = True
    assert medkern.label_components(mask, 6, device="cpu")[1] == 1
    assert medkern.label_components(mask, 4, device="cpu")[1] == 2


def test_label_components_errors():
    with pytest.raises(ValueError, match="connectivity"):
        medkern.label_components(np.ones((2, 2, 2), bool), 5)
    with pytest.raises(TypeError, match="mask"):
        medkern.label_components(np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError):
        medkern.label_components(np.ones((1, 2, 2, 2), bool))


@pytest.mark.parametrize("connectivity,skimage_connectivity", [(6, 1), (18, 2), (26, 3)])
def test_connected_threshold_equals_flood(rng, connectivity, skimage_connectivity):
    volume = ndimage.gaussian_filter(rng.normal(0, 100, (20, 30, 40)), 1.5).astype(np.float32)
    seed = (10, 15, 20)
    tolerance = 12.0
    value = float(volume[seed])
    grown = medkern.connected_threshold(volume, [seed], value - tolerance, value + tolerance,
                                        connectivity, device="cpu")
    # flood compares |v - seed value| <= tolerance in the image's dtype; use float64 bounds
    # on a float64 copy so that both sides compare the same numbers.
    expected = flood(volume.astype(np.float64), seed, connectivity=skimage_connectivity,
                     tolerance=tolerance)
    lo, hi = value - tolerance, value + tolerance
    band = (volume >= lo) & (volume <= hi)
    expected &= band
    np.testing.assert_array_equal(grown.astype(bool), expected)
    assert grown.dtype == np.uint8


def test_connected_threshold_seed_outside_band_and_volume():
    volume = np.arange(27, dtype=np.int16).reshape(3, 3, 3)
    out = medkern.connected_threshold(volume, [(0, 0, 0)], 10, 20, device="cpu")
    assert not out.any()
    with pytest.raises(ValueError, match="seeds"):
        medkern.connected_threshold(volume, [(3, 0, 0)], 0, 20, device="cpu")
    with pytest.raises(ValueError, match="seeds"):
        medkern.connected_threshold(volume, [], 0, 20, device="cpu")



def _gpu_available():
    try:
        import cupy as cp
        return cp.cuda.runtime.getDeviceCount() > 0 and medkern.built_with_cuda()
    except Exception:
        return False


@pytest.mark.skipif(not _gpu_available(), reason="needs CuPy and a GPU")
@pytest.mark.parametrize("connectivity", [4, 6, 8, 18, 26])
def test_label_components_gpu_equals_scipy(rng, connectivity):
    import cupy as cp
    mask = rng.random((24, 40, 56)) < 0.35
    labels, count = medkern.label_components(cp.asarray(mask), connectivity)
    assert isinstance(labels, cp.ndarray)
    expected, expected_count = reference(mask, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)


@pytest.mark.skipif(not _gpu_available(), reason="needs CuPy and a GPU")
def test_connected_threshold_gpu_equals_cpu(rng):
    import cupy as cp
    volume = ndimage.gaussian_filter(rng.normal(0, 100, (20, 30, 40)), 1.5).astype(np.float32)
    seeds = [(10, 15, 20), (0, 0, 0)]
    cpu = medkern.connected_threshold(volume, seeds, -20, 30, 26, device="cpu")
    gpu = medkern.connected_threshold(cp.asarray(volume), seeds, -20, 30, 26)
    np.testing.assert_array_equal(cp.asnumpy(gpu), cpu)
