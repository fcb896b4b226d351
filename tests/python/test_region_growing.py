"""Region growing: confidence_connected against SimpleITK.ConfidenceConnected, and
connected_threshold against SimpleITK.ConnectedThreshold (ITK 5.4) and
skimage.segmentation.flood, on fresh random data (the seed is printed; MEDKERN_TEST_SEED
replays it). The SimpleITK comparisons are skipped where SimpleITK does not import."""

from __future__ import annotations

import math

import numpy as np
import pytest

import medkern

ndimage = pytest.importorskip("scipy.ndimage")

try:
    import SimpleITK as sitk
except ImportError:  # the comparisons below skip themselves
    sitk = None

needs_sitk = pytest.mark.skipif(sitk is None, reason="SimpleITK is not installed")

DTYPES = ["int16", "uint16", "float32"]
# Non-cubic, thin (one slice, one row), a single voxel, and shapes with odd extents.
SHAPES = [(9, 12, 15), (1, 23, 31), (3, 1, 40), (2, 2, 2), (1, 1, 1), (14, 6, 5), (4, 17, 1)]


# ---------------------------------------------------------------------------- helpers


def ct_like(rng, shape, dtype):
    """A smooth CT-like scene (air, soft tissue, a brighter organ, bone) with noise."""
    smooth = ndimage.gaussian_filter(rng.normal(0.0, 1.0, shape), 1.5, mode="nearest")
    smooth /= max(float(np.abs(smooth).max()), 1e-9)
    hu = np.where(smooth < -0.4, -1000.0, 40.0)
    hu = np.where(smooth > 0.25, 180.0, hu)
    hu = np.where(smooth > 0.6, 900.0, hu)
    hu = hu + rng.normal(0.0, 15.0, shape)
    if dtype == "int16":
        return np.round(hu).astype(np.int16)
    if dtype == "uint16":
        return np.round(hu + 1024.0).clip(0, None).astype(np.uint16)
    return hu.astype(np.float32)


def noisy(rng, shape, dtype):
    """Independent values (no structure): regions stay small and irregular."""
    if dtype == "int16":
        return rng.integers(-300, 300, size=shape).astype(np.int16)
    if dtype == "uint16":
        return rng.integers(0, 2000, size=shape).astype(np.uint16)
    return rng.normal(50.0, 40.0, shape).astype(np.float32)


def random_seeds(rng, shape, count):
    return [tuple(int(rng.integers(0, n)) for n in shape) for _ in range(count)]


def sitk_image(volume):
    return sitk.GetImageFromArray(np.ascontiguousarray(volume))


def sitk_seeds(seeds):
    return [(int(x), int(y), int(z)) for z, y, x in seeds]  # SimpleITK indexes (x, y, z)


def sitk_confidence(volume, seeds, multiplier, iterations, radius, stats=False):
    f = sitk.ConfidenceConnectedImageFilter()
    f.SetSeedList(sitk_seeds(seeds))
    f.SetMultiplier(multiplier)
    f.SetNumberOfIterations(iterations)
    f.SetInitialNeighborhoodRadius(radius)
    f.SetReplaceValue(1)
    mask = sitk.GetArrayFromImage(f.Execute(sitk_image(volume)))
    if stats:
        return mask, f.GetMean(), f.GetVariance()
    return mask


def check_against_sitk(volume, seeds, multiplier, iterations, radius, device):
    expected = sitk_confidence(volume, seeds, multiplier, iterations, radius)
    actual = medkern.confidence_connected(
        volume, seeds, multiplier, iterations, radius, 6, device=device
    )
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == np.uint8 and actual.shape == volume.shape
    np.testing.assert_array_equal(
        actual,
        expected,
        err_msg=f"seeds={seeds} multiplier={multiplier} iterations={iterations} "
        f"radius={radius} dtype={volume.dtype}",
    )
    return actual


# ---------------------------------------------------------------------------- against ITK


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 2])
def test_random_volumes_equal_simpleitk(rng, device, dtype, shape, radius):
    for make in (noisy, ct_like):
        volume = make(rng, shape, dtype)
        for seed_count in (1, 2, 4):
            seeds = random_seeds(rng, shape, seed_count)
            for iterations in range(5):
                multiplier = float(rng.choice([0.5, 1.0, 1.7, 2.5, 3.0]))
                check_against_sitk(volume, seeds, multiplier, iterations, radius, device)


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
def test_ct_like_volume_equals_simpleitk(rng, device, dtype):
    volume = ct_like(rng, (24, 48, 56), dtype)
    grown_somewhere = False
    for _ in range(6):
        seeds = random_seeds(rng, volume.shape, 3)
        for radius, iterations, multiplier in ((1, 4, 2.5), (2, 2, 1.5), (0, 3, 2.0)):
            out = check_against_sitk(volume, seeds, multiplier, iterations, radius, device)
            grown_somewhere |= int(out.sum()) > 100
    assert grown_somewhere  # the comparison saw real regions, not only trivial masks


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
def test_seeds_on_edges_and_corners_equal_simpleitk(rng, device, dtype):
    # The cube around an edge seed repeats the volume's edge voxels (ZeroFluxNeumann).
    volume = ct_like(rng, (7, 9, 11), dtype)
    corners = [(0, 0, 0), (6, 8, 10), (0, 8, 0), (6, 0, 10), (3, 0, 5), (0, 4, 10)]
    for seed in corners:
        for radius in (1, 2, 3):
            for iterations in (0, 2):
                check_against_sitk(volume, [seed], 2.5, iterations, radius, device)
    check_against_sitk(volume, corners, 2.5, 4, 2, device)


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
def test_repeated_seeds_count_twice_like_simpleitk(rng, device, dtype):
    volume = ct_like(rng, (10, 14, 18), dtype)
    for _ in range(8):
        a, b = random_seeds(rng, volume.shape, 2)
        for radius in (0, 1):
            check_against_sitk(volume, [a, a, b], 2.0, 3, radius, device)
            check_against_sitk(volume, [a, a, a], 2.0, 3, radius, device)


def test_repeated_seed_changes_the_band_as_in_itk(device):
    # Seed x = 3 of one row, radius 1: the cube is 9 copies of {6, 6, 13}: mean 25/3, and
    # variance (2169 - (25/3)^2 * 27) / 26 = 11.31 once, (4338 - (25/3)^2 * 54) / 53 = 11.09
    # with the seed given twice (N = 54). Multiplier 1: [4.97, 11.70] -> [4, 11] once,
    # [5.003, 11.66] -> [5, 11] twice, so the 4 at x = 1 is in only the first region.
    volume = np.array([[[3, 4, 6, 6, 13, 16, 20, 22, 26, 28, 34, 35]]], np.int16)
    once = medkern.confidence_connected(volume, [(0, 0, 3)], 1.0, 0, 1, 6, device=device)
    twice = medkern.confidence_connected(
        volume, [(0, 0, 3), (0, 0, 3)], 1.0, 0, 1, 6, device=device
    )
    np.testing.assert_array_equal(once[0, 0], [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(twice[0, 0], [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    if sitk is not None:
        np.testing.assert_array_equal(once, sitk_confidence(volume, [(0, 0, 3)], 1.0, 0, 1))
        np.testing.assert_array_equal(
            twice, sitk_confidence(volume, [(0, 0, 3), (0, 0, 3)], 1.0, 0, 1)
        )


@needs_sitk
@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_integer_mean_and_variance_are_itks_bit_for_bit(rng, device, dtype):
    volume = ct_like(rng, (16, 20, 24), dtype)
    for _ in range(5):
        seeds = random_seeds(rng, volume.shape, 2)
        for radius, iterations in ((1, 0), (1, 3), (2, 4), (0, 2)):
            mask, mean, variance = sitk_confidence(volume, seeds, 2.5, iterations, radius, True)
            out, stats = medkern.confidence_connected(
                volume, seeds, 2.5, iterations, radius, 6, device=device, return_stats=True
            )
            np.testing.assert_array_equal(out, mask)
            assert stats["mean"] == mean or (math.isnan(mean) and math.isnan(stats["mean"]))
            assert stats["variance"] == variance or (
                math.isnan(variance) and math.isnan(stats["variance"])
            )


@needs_sitk
def test_float32_mean_and_variance_close_to_itk(rng, device):
    volume = ct_like(rng, (16, 20, 24), "float32")
    seeds = random_seeds(rng, volume.shape, 3)
    mask, mean, variance = sitk_confidence(volume, seeds, 2.5, 4, 1, True)
    out, stats = medkern.confidence_connected(
        volume, seeds, 2.5, 4, 1, 6, device=device, return_stats=True
    )
    np.testing.assert_array_equal(out, mask)
    assert stats["mean"] == pytest.approx(mean, rel=1e-12, abs=1e-9)
    assert stats["variance"] == pytest.approx(variance, rel=1e-9, abs=1e-9)


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
def test_radius_0_one_seed_gives_itks_nan_band(device, dtype):
    # One value has no variance (0 / 0): ITK's band is NaN. float32: nothing is inside;
    # integers: the cast of NaN gives the band [0, 0], which grows over the zeros of the
    # seed's slab when the seed is 0, and grows nothing when it is not.
    volume = np.full((5, 6, 7), 3, dtype=dtype)
    volume[2] = 0
    for seed in [(2, 3, 3), (0, 0, 0)]:
        for iterations in (0, 2):
            out = check_against_sitk(volume, [seed], 2.5, iterations, 0, device)
            if dtype != "float32" and volume[seed] == 0:
                assert out.sum() == 6 * 7
            else:
                assert out.sum() == 0


@needs_sitk
def test_nan_voxels_are_outside_and_a_nan_in_the_cube_empties_the_mask(rng, device):
    volume = ct_like(rng, (8, 16, 16), "float32")
    volume[0, 0, :] = np.nan  # far from the seed
    volume[7, 15, 15] = np.nan
    seed = (4, 8, 8)
    out = check_against_sitk(volume, [seed], 2.5, 3, 1, device)
    assert not out[np.isnan(volume)].any()
    volume[4, 8, 9] = np.nan  # in the seed's cube: the first band is NaN
    out = check_against_sitk(volume, [seed], 2.5, 3, 1, device)
    assert out.sum() == 0
    out = check_against_sitk(volume, [seed], 2.5, 3, 0, device)  # the cube is the seed alone
    assert not out[np.isnan(volume)].any()


@needs_sitk
@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_values_at_the_ends_of_the_dtype_range(rng, device, dtype):
    # The band is clamped to the dtype's range before the cast.
    info = np.iinfo(dtype)
    volume = rng.choice(np.array([info.min, info.min + 1, info.max - 1, info.max]), (6, 7, 8))
    volume = volume.astype(dtype)
    for seeds in ([(0, 0, 0)], [(1, 2, 3), (5, 6, 7)]):
        for radius in (0, 1, 2):
            check_against_sitk(volume, seeds, 2.5, 3, radius, device)
            check_against_sitk(volume, seeds, 0.0, 3, radius, device)


@needs_sitk
def test_connectivity_26_floods_the_band_itk_estimates(rng, device):
    # With no iterations the band is the initial estimate's, whatever the connectivity; the
    # 26-connected flood of that band is connected_threshold's.
    volume = ct_like(rng, (12, 16, 20), "int16")
    seeds = random_seeds(rng, volume.shape, 2)
    out, stats = medkern.confidence_connected(
        volume, seeds, 2.5, 0, 1, 26, device=device, return_stats=True
    )
    _, mean, variance = sitk_confidence(volume, seeds, 2.5, 0, 1, True)
    assert (stats["mean"], stats["variance"]) == (mean, variance)
    expected = medkern.connected_threshold(
        volume, seeds, stats["lower"], stats["upper"], 26, device=device
    )
    np.testing.assert_array_equal(out, expected)


# ---------------------------------------------------------------------------- by hand


def test_hand_computed_plateau():
    # A 3x3x3 plateau of 100 in zeros: the seed's 3^3 cube is all 100 (variance 0), so the
    # band is [100, 100] and the plateau is the region; its variance is 0 too, so the
    # iterations stop after the first estimate.
    volume = np.zeros((5, 5, 5), np.int16)
    volume[1:4, 1:4, 1:4] = 100
    out, stats = medkern.confidence_connected(
        volume, [(2, 2, 2)], device="cpu", return_stats=True
    )
    np.testing.assert_array_equal(out, (volume == 100).astype(np.uint8))
    assert stats == {"mean": 100.0, "variance": 0.0, "lower": 100.0, "upper": 100.0,
                     "iterations": 1}


def test_hand_computed_band_truncates_toward_zero():
    # Seeds 10 and 13 (radius 0): mean 11.5, variance 4.5, sd 2.1213...; multiplier 1:
    # [9.378..., 13.621...], widened to hold the seeds (no change), cast to int16 by
    # truncation: [9, 13]. 9 is inside (below the real bound), 14 is not.
    volume = np.array([[[8, 9, 10, 11, 12, 13, 14]]], np.int16)
    out, stats = medkern.confidence_connected(
        volume, [(0, 0, 2), (0, 0, 5)], 1.0, 0, 0, 6, device="cpu", return_stats=True
    )
    np.testing.assert_array_equal(out[0, 0], [0, 1, 1, 1, 1, 1, 0])
    assert stats["mean"] == 11.5 and stats["variance"] == 4.5
    assert (stats["lower"], stats["upper"]) == (9.0, 13.0)


def test_float32_band_is_rounded_to_float32():
    # Seeds 2 and 3 (radius 0): mean 2.5, sd sqrt(0.5); multiplier 1 gives a band wider
    # than the seeds, rounded to float32 at both ends.
    volume = np.array([[[1.0, 2.0, 3.0, 4.0]]], np.float32)
    out, stats = medkern.confidence_connected(
        volume, [(0, 0, 1), (0, 0, 2)], 1.0, 0, 0, 6, device="cpu", return_stats=True
    )
    sd = math.sqrt(0.5)
    assert stats["lower"] == float(np.float32(2.5 - sd))
    assert stats["upper"] == float(np.float32(2.5 + sd))
    np.testing.assert_array_equal(out[0, 0], [0, 1, 1, 0])


def test_strided_views_equal_contiguous(rng):
    base = ct_like(rng, (12, 20, 30), "int16")
    view = base[::2, ::-1, 1::3]
    seeds = random_seeds(rng, view.shape, 2)
    expected = medkern.confidence_connected(np.ascontiguousarray(view), seeds, device="cpu")
    np.testing.assert_array_equal(medkern.confidence_connected(view, seeds, device="cpu"),
                                  expected)
    transposed = base.T
    seeds = random_seeds(rng, transposed.shape, 2)
    np.testing.assert_array_equal(
        medkern.confidence_connected(transposed, seeds, device="cpu"),
        medkern.confidence_connected(np.ascontiguousarray(transposed), seeds, device="cpu"),
    )


def test_2d_image_is_one_slice(rng):
    image = ct_like(rng, (1, 40, 50), "float32")[0]
    seeds = [(20, 25), (3, 4)]
    out = medkern.confidence_connected(image, seeds, 2.0, 3, 1, 8, device="cpu")
    assert out.shape == image.shape
    expected = medkern.confidence_connected(
        image[None], [(0,) + s for s in seeds], 2.0, 3, 1, 8, device="cpu"
    )
    np.testing.assert_array_equal(out, expected[0])


def test_default_arguments_are_itks_but_26_connected(rng):
    volume = ct_like(rng, (10, 12, 14), "int16")
    seeds = [(5, 6, 7)]
    np.testing.assert_array_equal(
        medkern.confidence_connected(volume, seeds, device="cpu"),
        medkern.confidence_connected(volume, seeds, 2.5, 4, 1, 26, device="cpu"),
    )


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"multiplier": -1.0}, "multiplier"),
        ({"multiplier": float("nan")}, "multiplier"),
        ({"multiplier": float("inf")}, "multiplier"),
        ({"iterations": -1}, "iterations"),
        ({"initial_radius": -1}, "initial_radius"),
        ({"initial_radius": 65}, "initial_radius"),
        ({"connectivity": 5}, "connectivity"),
        ({"iterations": 1.5}, "iterations"),
    ],
)
def test_bad_parameters_name_themselves(kwargs, name):
    volume = np.zeros((3, 3, 3), np.int16)
    with pytest.raises(ValueError, match=name) as info:
        medkern.confidence_connected(volume, [(1, 1, 1)], device="cpu", **kwargs)
    assert isinstance(info.value, medkern.InvalidArgumentError)


def test_bad_seeds_and_dtypes():
    volume = np.zeros((3, 4, 5), np.int16)
    with pytest.raises(ValueError, match="seeds"):
        medkern.confidence_connected(volume, [], device="cpu")
    with pytest.raises(ValueError, match=r"seeds\[1\]"):
        medkern.confidence_connected(volume, [(0, 0, 0), (0, 4, 0)], device="cpu")
    with pytest.raises(ValueError, match=r"seeds\[0\]"):
        medkern.confidence_connected(volume, [(-1, 0, 0)], device="cpu")
    with pytest.raises(ValueError, match=r"seeds\[0\]"):
        medkern.confidence_connected(volume, [(0, 0)], device="cpu")
    with pytest.raises(TypeError):
        medkern.confidence_connected(volume.astype(np.float64), [(0, 0, 0)], device="cpu")
    with pytest.raises(TypeError):
        medkern.confidence_connected(volume.astype(np.uint8), [(0, 0, 0)], device="cpu")


# ---------------------------------------------------------------------------- GPU


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
def test_gpu_equals_cpu(rng, dtype):
    import cupy as cp

    for shape in [(1, 1, 1), (5, 33, 47), (40, 64, 96), (3, 100, 200)]:
        volume = ct_like(rng, shape, dtype)
        if dtype == "float32":
            volume.flat[rng.integers(0, volume.size, size=volume.size // 50 + 1)] = np.nan
        for seeds in (random_seeds(rng, shape, 1), random_seeds(rng, shape, 3)):
            for radius, iterations, connectivity in ((1, 4, 6), (0, 2, 26), (2, 3, 18)):
                cpu, cpu_stats = medkern.confidence_connected(
                    volume, seeds, 2.5, iterations, radius, connectivity, device="cpu",
                    return_stats=True,
                )
                gpu, gpu_stats = medkern.confidence_connected(
                    cp.asarray(volume), seeds, 2.5, iterations, radius, connectivity,
                    return_stats=True,
                )
                np.testing.assert_array_equal(cp.asnumpy(gpu), cpu)
                for key in ("mean", "variance", "lower", "upper"):
                    a, b = cpu_stats[key], gpu_stats[key]
                    assert a == b or (math.isnan(a) and math.isnan(b)), key
                assert cpu_stats["iterations"] == gpu_stats["iterations"]


# ---------------------------------------------------------------------------- connected_threshold


def sitk_connected_threshold(volume, seeds, lo, hi, connectivity):
    kind = (
        sitk.ConnectedThresholdImageFilter.FaceConnectivity
        if connectivity == 6
        else sitk.ConnectedThresholdImageFilter.FullConnectivity
    )
    out = sitk.ConnectedThreshold(
        sitk_image(volume), seedList=sitk_seeds(seeds), lower=float(lo), upper=float(hi),
        replaceValue=1, connectivity=kind,
    )
    return sitk.GetArrayFromImage(out)


@needs_sitk
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("connectivity", [6, 26])
@pytest.mark.parametrize("shape", [(9, 12, 15), (1, 23, 31), (3, 1, 40), (1, 1, 1), (20, 30, 8)])
def test_connected_threshold_equals_simpleitk(rng, device, dtype, connectivity, shape):
    # ITK casts lower / upper to the pixel type; with bounds that are values of the dtype
    # both compare the same numbers.
    for make in (noisy, ct_like):
        volume = make(rng, shape, dtype)
        for _ in range(4):
            seeds = random_seeds(rng, shape, int(rng.integers(1, 4)))
            centre = float(volume[seeds[0]])
            width = float(rng.choice([5.0, 40.0, 150.0, 400.0]))
            lo, hi = centre - width, centre + width * float(rng.uniform(0.2, 1.5))
            if dtype == "float32":
                lo, hi = float(np.float32(lo)), float(np.float32(hi))
            else:
                info = np.iinfo(dtype)
                lo = float(min(max(math.floor(lo), info.min), info.max))
                hi = float(min(max(math.floor(hi), info.min), info.max))
            expected = sitk_connected_threshold(volume, seeds, lo, hi, connectivity)
            actual = medkern.connected_threshold(
                volume, seeds, lo, hi, connectivity, device=device
            )
            np.testing.assert_array_equal(
                actual, expected, err_msg=f"seeds={seeds} lo={lo} hi={hi}"
            )


@pytest.mark.parametrize("connectivity,skimage_connectivity", [(6, 1), (18, 2), (26, 3)])
def test_connected_threshold_equals_flood(rng, connectivity, skimage_connectivity):
    flood = pytest.importorskip("skimage.segmentation").flood
    volume = ndimage.gaussian_filter(rng.normal(0, 100, (20, 30, 40)), 1.5).astype(np.float32)
    seed = (10, 15, 20)
    tolerance = 12.0
    value = float(volume[seed])
    grown = medkern.connected_threshold(
        volume, [seed], value - tolerance, value + tolerance, connectivity, device="cpu"
    )
    # flood compares |v - seed value| <= tolerance in the image's dtype; use float64 bounds
    # on a float64 copy so that both sides compare the same numbers.
    expected = flood(
        volume.astype(np.float64), seed, connectivity=skimage_connectivity, tolerance=tolerance
    )
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


@pytest.mark.gpu
def test_connected_threshold_gpu_equals_cpu(rng):
    import cupy as cp

    volume = ndimage.gaussian_filter(rng.normal(0, 100, (20, 30, 40)), 1.5).astype(np.float32)
    seeds = [(10, 15, 20), (0, 0, 0)]
    cpu = medkern.connected_threshold(volume, seeds, -20, 30, 26, device="cpu")
    gpu = medkern.connected_threshold(cp.asarray(volume), seeds, -20, 30, 26)
    np.testing.assert_array_equal(cp.asnumpy(gpu), cpu)