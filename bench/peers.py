#!/usr/bin/env python3
"""Times medkern against its peers on the same inputs in one run.

GPU: medkern (CuPy arrays in, zero-copy) against CuPy; CPU: medkern's CPU context against
numpy / scikit-image / scipy. GPU times are medians of CUDA-event timings
(cupyx.profiler.benchmark); CPU times are medians of wall-clock repeats. For each op the
script prints the ratio peer/medkern and the fraction of the memory-bandwidth limit
(bytes the op must move / BANDWIDTH) that medkern reached.

The comparisons are in sections by op family; --only runs some of their groups (GROUPS).

Usage: PYTHONPATH=build/python python3 bench/peers.py [--size 512] [--cpu-size 256]
       [--only core,labeling,...] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

import medkern

BANDWIDTH = 4.23e12  # bytes read + written per second, device-to-device copy on the H200


# ----------------------------------------------------------- inputs and timing


def ct_like(shape, seed=0):
    rng = np.random.default_rng(seed)
    tissue = rng.choice(np.array([-1000, 40, 300, 900], np.int16), size=shape, p=[0.3, 0.5, 0.15, 0.05])
    noise = rng.normal(0, 25, size=shape).astype(np.float32)
    return (tissue + noise).clip(-1024, 3071).astype(np.int16)


def ball_mask(shape, balls, seed=0):
    """About `balls` random balls of radius 8..23: 2,000 in 512^3 is about 30 % foreground."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, bool)
    zz, yy, xx = (np.arange(n) for n in shape)
    for _ in range(balls):
        c = [int(rng.integers(0, n)) for n in shape]
        r = int(rng.integers(8, 24))
        lo = [max(0, ci - r) for ci in c]
        hi = [min(n, ci + r + 1) for ci, n in zip(c, shape)]
        ball = ((zz[lo[0]:hi[0], None, None] - c[0]) ** 2 + (yy[None, lo[1]:hi[1], None] - c[1]) ** 2
                + (xx[None, None, lo[2]:hi[2]] - c[2]) ** 2) <= r * r
        mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] |= ball
    return mask


def body_ct(shape, seed=0):
    """A CT-like body: soft tissue (40 HU) in an elliptic cylinder with bone balls, air
    around it, noise everywhere; int16."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    y = (np.arange(ny)[:, None] - ny / 2) / (0.4 * ny)
    x = (np.arange(nx)[None, :] - nx / 2) / (0.45 * nx)
    inside = np.broadcast_to((y * y + x * x) <= 1.0, shape)
    bone = ball_mask(shape, max(1, 200 * nz * ny * nx // 512 ** 3), seed=seed + 9)
    hu = np.where(inside, np.where(bone, 700, 40), -1000).astype(np.int16)
    return hu + rng.integers(-20, 20, size=shape, dtype=np.int16)


def gpu_time(fn, repeat=30):
    from cupyx.profiler import benchmark
    result = benchmark(fn, n_repeat=repeat, n_warmup=3)
    return float(np.median(result.gpu_times[0])) * 1e3  # ms


def cpu_time(fn, repeat=3):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


# ----------------- histogram, threshold, Otsu, label statistics (group "core")


def core_peers(n, c, have_gpu, row):
    """Group "core": on n^3 on the GPU, on its first c^3 on the CPU."""
    host = ct_like((n, n, n))
    if have_gpu:
        core_gpu_peers(host, row)
    core_cpu_peers(host[:c, :c, :c].copy(), row)


def core_gpu_peers(host, row):
    """histogram, threshold and label statistics on the GPU against CuPy."""
    import cupy as cp
    from cupyx.scipy import ndimage as cnd

    n = host.shape[0]
    a = cp.asarray(host)
    af = a.astype(cp.float32)
    for name, arr in (("histogram int16 4096 bins", a), ("histogram float32 4096 bins", af)):
        mine = medkern.histogram(arr, 4096, range=(-1024, 3072))
        theirs = cp.histogram(arr, bins=4096, range=(-1024, 3072))[0]
        row(name, "gpu", gpu_time(lambda: medkern.histogram(arr, 4096, range=(-1024, 3072))),
            "cupy.histogram", gpu_time(lambda: cp.histogram(arr, bins=4096, range=(-1024, 3072))),
            arr.nbytes, cp.array_equal(mine.astype(cp.int64), theirs))
    mine = medkern.threshold(a, 130, 3000)
    theirs = (a >= 130) & (a <= 3000)
    row("threshold int16 -> uint8", "gpu", gpu_time(lambda: medkern.threshold(a, 130, 3000)),
        "cupy (a>=lo)&(a<=hi)", gpu_time(lambda: (a >= 130) & (a <= 3000)),
        a.nbytes + a.size, cp.array_equal(mine.astype(bool), theirs))
    labels = cp.asarray(((host > 200) * (np.arange(n)[:, None, None] // 8 + 1)).astype(np.int32))
    index = cp.arange(1, int(labels.max()) + 1)
    mine = medkern.label_statistics(a, labels)

    def cupy_stats():
        # What a CuPy user would write: bincount for count, sum and sum of squares
        # (cupyx's standard_deviation broadcasts labels x voxels and runs out of memory
        # here), cupyx.scipy.ndimage for the extremes.
        flat, values = labels.ravel(), a.ravel().astype(cp.float64)
        count = cp.bincount(flat)[1:]
        total = cp.bincount(flat, weights=values)[1:]
        squares = cp.bincount(flat, weights=values * values)[1:]
        mean = total / count
        std = cp.sqrt(squares / count - mean * mean)
        return (total, mean, std, cnd.minimum(a, labels, index), cnd.maximum(a, labels, index))
    sums = cupy_stats()[0].get()
    row("label statistics (sum, mean, std, min, max)", "gpu",
        gpu_time(lambda: medkern.label_statistics(a, labels), repeat=10),
        "cupy bincount + ndimage min/max", gpu_time(cupy_stats, repeat=10),
        a.nbytes + 2 * labels.nbytes, np.allclose([r.sum for r in mine], sums))


def core_cpu_peers(small, row):
    """histogram, threshold and Otsu on the CPU against numpy and scikit-image."""
    mine = medkern.histogram(small, 4096, range=(-1024, 3072), device="cpu")
    row("histogram int16 4096 bins", "cpu",
        cpu_time(lambda: medkern.histogram(small, 4096, range=(-1024, 3072), device="cpu")),
        "numpy.histogram", cpu_time(lambda: np.histogram(small, 4096, range=(-1024, 3072))),
        small.nbytes, np.array_equal(mine, np.histogram(small, 4096, range=(-1024, 3072))[0]))
    row("threshold int16 -> uint8", "cpu",
        cpu_time(lambda: medkern.threshold(small, 130, 3000, device="cpu")),
        "numpy (a>=lo)&(a<=hi)", cpu_time(lambda: (small >= 130) & (small <= 3000)),
        small.nbytes * 1.5, True)
    from skimage.filters import threshold_otsu
    row("otsu int16", "cpu", cpu_time(lambda: medkern.otsu_threshold(small, device="cpu")),
        "skimage threshold_otsu", cpu_time(lambda: threshold_otsu(small)), small.nbytes,
        medkern.otsu_threshold(small, device="cpu") == threshold_otsu(small))


# -------------------------------------------------------------------- labeling


def labeling_peers(n, c, have_gpu, row):
    """Group "labeling": n^3 on the GPU, c^3 on the CPU."""
    if have_gpu:
        labeling_gpu_peers(n, row)
    labeling_cpu_peers(c, row)


def labeling_gpu_peers(n, row):
    """26-connectivity labelling of random balls on the GPU against cupyx."""
    import cupy as cp
    from cupyx.scipy import ndimage as cnd

    balls = ball_mask((n, n, n), 2000 * (n // 512) ** 3 or 16)
    m = cp.asarray(balls.view(np.uint8))
    structure = cp.ones((3, 3, 3), bool)
    mine, mine_count = medkern.label_components(m, 26)
    theirs, their_count = cnd.label(m, structure)
    row(f"label components 26-conn ({balls.mean():.0%} foreground)", "gpu",
        gpu_time(lambda: medkern.label_components(m, 26), repeat=10),
        "cupyx.scipy.ndimage.label", gpu_time(lambda: cnd.label(m, structure), repeat=10),
        m.nbytes * 5, mine_count == their_count and bool(cp.array_equal(mine, theirs)))


def labeling_cpu_peers(c, row):
    """26-connectivity labelling on the CPU against scipy."""
    from scipy import ndimage as snd
    small_balls = ball_mask((c, c, c), max(1, 2000 * c ** 3 // 512 ** 3), seed=1)
    structure = np.ones((3, 3, 3), bool)
    mine, mine_count = medkern.label_components(small_balls, 26, device="cpu")
    theirs, their_count = snd.label(small_balls, structure)
    row("label components 26-conn", "cpu",
        cpu_time(lambda: medkern.label_components(small_balls, 26, device="cpu")),
        "scipy.ndimage.label", cpu_time(lambda: snd.label(small_balls, structure)),
        small_balls.nbytes * 5, mine_count == their_count and np.array_equal(mine, theirs))


# -------------------------------------------------------------- region growing


def region_growing_group(sitk, c, have_gpu, row):
    """Group "region_growing": scikit-image's flood, and SimpleITK where it is installed."""
    flood_peers(c, have_gpu, row)
    if sitk is not None:
        region_growing_peers(sitk, c, have_gpu, row)


def flood_peers(c, have_gpu, row):
    """connected_threshold against scikit-image's flood (the band seed value +- tolerance),
    on a c^3 body; flood runs on the CPU only."""
    from skimage.segmentation import flood
    volume = body_ct((c, c, c))
    seed = (c // 2, c // 2, c // 2)
    tolerance = 250
    lo, hi = int(volume[seed]) - tolerance, int(volume[seed]) + tolerance
    for conn, sk_conn in ((6, 1), (26, 3)):
        expected = flood(volume, seed, connectivity=sk_conn, tolerance=tolerance)
        peer_ms = cpu_time(lambda: flood(volume, seed, connectivity=sk_conn, tolerance=tolerance))
        name = f"connected threshold {conn}-conn (band of the seed)"
        mine = medkern.connected_threshold(volume, [seed], lo, hi, conn, device="cpu")
        row(name, "cpu", cpu_time(lambda: medkern.connected_threshold(volume, [seed], lo, hi, conn,
                                                                      device="cpu")),
            "skimage.segmentation.flood", peer_ms, volume.nbytes + volume.size * 9,
            np.array_equal(mine.astype(bool), expected))
        if have_gpu:
            import cupy as cp
            device_volume = cp.asarray(volume)
            mine = medkern.connected_threshold(device_volume, [seed], lo, hi, conn)
            row(name, "gpu", gpu_time(lambda: medkern.connected_threshold(device_volume, [seed], lo,
                                                                          hi, conn), repeat=10),
                "skimage.segmentation.flood", peer_ms, volume.nbytes + volume.size * 9,
                np.array_equal(cp.asnumpy(mine).astype(bool), expected))


def region_growing_peers(sitk, c, have_gpu, row):
    """connected_threshold and confidence_connected against SimpleITK (ITK 5.4, whose flood
    fill is serial) on a c^3 body, medkern on the CPU and on the GPU; "same" is an equal
    mask (connectivity 6 for ConfidenceConnected, ITK's)."""
    volume = body_ct((c, c, c))
    image = sitk.GetImageFromArray(volume)
    seeds = [(c // 2, c // 2, c // 2)]
    sitk_seeds = [(x, y, z) for z, y, x in seeds]
    face = sitk.ConnectedThresholdImageFilter.FaceConnectivity
    full = sitk.ConnectedThresholdImageFilter.FullConnectivity
    cases = []
    for conn, kind in ((6, face), (26, full)):
        cases.append((
            f"connected threshold {conn}-conn",
            lambda v, dev, conn=conn: medkern.connected_threshold(v, seeds, -200, 300, conn,
                                                                  device=dev),
            "SimpleITK.ConnectedThreshold",
            lambda kind=kind: sitk.ConnectedThreshold(image, sitk_seeds, -200, 300, 1, kind),
            volume.nbytes + volume.size * 9))
    cases.append((
        "confidence connected 6-conn (2.5, 4, r=1)",
        lambda v, dev: medkern.confidence_connected(v, seeds, 2.5, 4, 1, 6, device=dev),
        "SimpleITK.ConfidenceConnected",
        lambda: sitk.ConfidenceConnected(image, sitk_seeds, 4, 2.5, 1, 1),
        (volume.nbytes + volume.size * 9) * 5))
    for name, mine_fn, peer, peer_fn, bytes_moved in cases:
        expected = sitk.GetArrayFromImage(peer_fn())
        peer_ms = cpu_time(peer_fn)
        mine = mine_fn(volume, "cpu")
        row(name, "cpu", cpu_time(lambda: mine_fn(volume, "cpu")), peer, peer_ms, bytes_moved,
            np.array_equal(mine, expected))
        if have_gpu:
            import cupy as cp
            device_volume = cp.asarray(volume)
            mine = mine_fn(device_volume, None)
            row(name, "gpu", gpu_time(lambda: mine_fn(device_volume, None), repeat=10), peer,
                peer_ms, bytes_moved, np.array_equal(cp.asnumpy(mine), expected))


# ------------------------------------------------------------------- watershed


def watershed_peers(have_gpu, row, n=128):
    """scikit-image's watershed (single-threaded; 256^3 takes about 20 s, so 128^3 here) on
    the gradient of a smoothed random volume with 100 markers; float32, all values distinct
    in practice, so the labels must be identical."""
    from scipy import ndimage
    from skimage.segmentation import watershed

    rng = np.random.default_rng(3)
    relief = ndimage.gaussian_filter(rng.standard_normal((n, n, n)), 4.0)
    elevation = ndimage.gaussian_gradient_magnitude(relief, 1.0).astype(np.float32)
    markers = np.zeros(elevation.shape, np.int32)
    markers.flat[rng.choice(elevation.size, 100, replace=False)] = np.arange(1, 101)
    t0 = time.perf_counter()
    expected = watershed(elevation, markers, connectivity=1)
    peer_ms = (time.perf_counter() - t0) * 1e3
    name = f"watershed {n}^3, 100 markers"
    got = medkern.watershed(elevation, markers, device="cpu")
    row(name, "cpu", cpu_time(lambda: medkern.watershed(elevation, markers, device="cpu"), repeat=1),
        "skimage.segmentation.watershed", peer_ms, elevation.size * 12,
        np.array_equal(got, expected))
    if have_gpu:
        import cupy as cp

        e, m = cp.asarray(elevation), cp.asarray(markers)
        got = cp.asnumpy(medkern.watershed(e, m))
        row(name, "gpu", gpu_time(lambda: medkern.watershed(e, m), repeat=5),
            "skimage.segmentation.watershed", peer_ms, elevation.size * 12,
            np.array_equal(got, expected))


# --------------------------------------------------------------------- denoise


def denoise_peers(sitk, n, c, have_gpu, row):
    """median against cupyx.scipy.ndimage.median_filter (GPU, n^3) and
    scipy.ndimage.median_filter (CPU, c^3), equal voxel for voxel; anisotropic diffusion
    (5 iterations, time step 0.0625, conductance 3) against SimpleITK's
    GradientAnisotropicDiffusion on the CPU, "same" within 1e-5 of the data's range."""
    from scipy import ndimage as snd

    volume = ct_like((n, n, n)).astype(np.float32)
    if have_gpu:
        import cupy as cp
        from cupyx.scipy import ndimage as cnd

        v = cp.asarray(volume)
        for r in (1, 2):
            size = 2 * r + 1
            same = bool(cp.array_equal(medkern.median(v, r), cnd.median_filter(v, size, mode="nearest")))
            row(f"median r={r} float32", "gpu", gpu_time(lambda: medkern.median(v, r), repeat=10),
                "cupyx median_filter", gpu_time(lambda: cnd.median_filter(v, size, mode="nearest"),
                                                 repeat=3),
                2 * v.nbytes, same)
        del v
    small = volume[:c, :c, :c].copy()
    expected = snd.median_filter(small, 3, mode="nearest")
    row("median r=1 float32", "cpu", cpu_time(lambda: medkern.median(small, 1, device="cpu")),
        "scipy median_filter", cpu_time(lambda: snd.median_filter(small, 3, mode="nearest"), repeat=1),
        2 * small.nbytes, np.array_equal(medkern.median(small, 1, device="cpu"), expected))
    if sitk is None:
        return
    name = "anisotropic diffusion 5 it float32"
    for where, data in (("cpu", small), ("gpu", volume)):
        if where == "gpu" and not have_gpu:
            continue
        image = sitk.GetImageFromArray(data)

        def peer(image=image):
            return sitk.GradientAnisotropicDiffusion(image, timeStep=0.0625, conductanceParameter=3.0,
                                                     numberOfIterations=5)
        expected = sitk.GetArrayFromImage(peer())
        peer_ms = cpu_time(peer, repeat=1)
        if where == "cpu":
            mine_fn = lambda: medkern.anisotropic_diffusion(small, 5, 0.0625, 3.0, device="cpu")  # noqa: E731
            mine = mine_fn()
            mine_ms = cpu_time(mine_fn, repeat=1)
        else:
            import cupy as cp
            v = cp.asarray(volume)
            mine_fn = lambda: medkern.anisotropic_diffusion(v, 5, 0.0625, 3.0)  # noqa: E731
            mine = cp.asnumpy(mine_fn())
            mine_ms = gpu_time(mine_fn, repeat=5)
        same = np.abs(mine - expected).max() <= 1e-5 * max(1.0, float(np.abs(data).max()))
        row(name + (f" {n}^3" if where == "gpu" else f" {c}^3"), where, mine_ms,
            "SimpleITK GradientAnisotropicDiffusion", peer_ms, data.size * 4 * (2 + 3 * 5), same)


# ------------------------------------------- gaussian, edges (group "filters")


def filter_peers(n, c, have_gpu, row, sitk=None):
    """gaussian (sigma 1, 2) and the Sobel gradient magnitude of a float32 CT-like volume:
    against CuPy (cupyx.scipy.ndimage) and cuCIM (cucim.skimage.filters, when importable) on
    n^3 on the GPU, scipy.ndimage on c^3 on the CPU; canny against SimpleITK on c^3. "same":
    within 1e-5 of the largest magnitude (Canny: equal edges but for 0.1 %)."""
    from scipy import ndimage as snd

    def close(mine, theirs):
        mine, theirs = np.asarray(mine, np.float64), np.asarray(theirs, np.float64)
        return bool(np.abs(mine - theirs).max() <= 1e-5 * np.abs(theirs).max())

    if have_gpu:
        import cupy as cp
        from cupyx.scipy import ndimage as cnd
        try:
            from cucim.skimage import filters as cucim_filters
        except Exception as error:  # no cuCIM, or one that cannot load here: CuPy only
            print(f"cuCIM not used: {error!r}", file=sys.stderr)
            cucim_filters = None
        a = cp.asarray(ct_like((n, n, n), seed=10)).astype(cp.float32)
        for sigma in (1.0, 2.0):
            mine = medkern.gaussian(a, sigma)
            theirs = cnd.gaussian_filter(a, sigma, mode="nearest")
            same = close(cp.asnumpy(mine), cp.asnumpy(theirs))
            row(f"gaussian sigma {sigma:g} float32", "gpu",
                gpu_time(lambda: medkern.gaussian(a, sigma)),
                "cupyx.scipy.ndimage.gaussian_filter",
                gpu_time(lambda: cnd.gaussian_filter(a, sigma, mode="nearest")), a.nbytes * 2, same)
            if cucim_filters is not None:
                row(f"gaussian sigma {sigma:g} float32", "gpu",
                    gpu_time(lambda: medkern.gaussian(a, sigma)), "cucim.skimage.filters.gaussian",
                    gpu_time(lambda: cucim_filters.gaussian(a, sigma, mode="nearest", truncate=4.0,
                                                            preserve_range=True)),
                    a.nbytes * 2, same)
        mine = medkern.gradient_magnitude(a, use_spacing=False)
        theirs = cnd.generic_gradient_magnitude(a, cnd.sobel, mode="nearest")
        row("gradient magnitude (sobel) float32", "gpu",
            gpu_time(lambda: medkern.gradient_magnitude(a, use_spacing=False)),
            "cupyx generic_gradient_magnitude(sobel)",
            gpu_time(lambda: cnd.generic_gradient_magnitude(a, cnd.sobel, mode="nearest")),
            a.nbytes * 2, close(cp.asnumpy(mine), cp.asnumpy(theirs)))
        if cucim_filters is not None:
            row("gradient magnitude (sobel) float32", "gpu",
                gpu_time(lambda: medkern.gradient_magnitude(a, use_spacing=False)),
                "cucim.skimage.filters.sobel", gpu_time(lambda: cucim_filters.sobel(a)),
                a.nbytes * 2, True)  # skimage's sobel is normalised: timing only
        del a, mine, theirs

    small = ct_like((c, c, c), seed=10).astype(np.float32)
    for sigma in (1.0, 2.0):
        mine = medkern.gaussian(small, sigma, device="cpu")
        theirs = snd.gaussian_filter(small, sigma, mode="nearest")
        row(f"gaussian sigma {sigma:g} float32", "cpu",
            cpu_time(lambda: medkern.gaussian(small, sigma, device="cpu")),
            "scipy.ndimage.gaussian_filter",
            cpu_time(lambda: snd.gaussian_filter(small, sigma, mode="nearest")), small.nbytes * 2,
            close(mine, theirs))
    mine = medkern.gradient_magnitude(small, use_spacing=False, device="cpu")
    theirs = snd.generic_gradient_magnitude(small, snd.sobel, mode="nearest")
    row("gradient magnitude (sobel) float32", "cpu",
        cpu_time(lambda: medkern.gradient_magnitude(small, use_spacing=False, device="cpu")),
        "scipy generic_gradient_magnitude(sobel)",
        cpu_time(lambda: snd.generic_gradient_magnitude(small, snd.sobel, mode="nearest")),
        small.nbytes * 2, close(mine, theirs))
    if sitk is not None:
        body = body_ct((c, c, c)).astype(np.float32)
        image = sitk.GetImageFromArray(body)

        def itk_canny():
            return sitk.CannyEdgeDetection(image, 100.0, 300.0, [1.0, 1.0, 1.0])

        expected = sitk.GetArrayFromImage(itk_canny()).astype(np.uint8)
        peer_ms = cpu_time(itk_canny, repeat=1)
        mine = medkern.canny(body, 1.0, 100.0, 300.0, device="cpu")
        same = (mine != expected).sum() <= max(2, expected.sum() // 1000)
        row("canny sigma 1 mm, body", "cpu",
            cpu_time(lambda: medkern.canny(body, 1.0, 100.0, 300.0, device="cpu"), repeat=1),
            "SimpleITK.CannyEdgeDetection", peer_ms, body.size * 63, same)
        if have_gpu:
            import cupy as cp
            device_body = cp.asarray(body)
            mine = cp.asnumpy(medkern.canny(device_body, 1.0, 100.0, 300.0))
            row("canny sigma 1 mm, body", "gpu",
                gpu_time(lambda: medkern.canny(device_body, 1.0, 100.0, 300.0), repeat=10),
                "SimpleITK.CannyEdgeDetection", peer_ms, body.size * 63,
                (mine != expected).sum() <= max(2, expected.sum() // 1000))


# --------------------------------------------------------------------- calcium


def calcium_ct(shape=(64, 512, 512), spots=300, seed=0):
    """A calcium CT: soft tissue (40 HU, noise 20 HU) in air, and `spots` calcified
    spheres of radius 1.5..4 pixels at 150..900 HU; 3 mm slices, 0.5 mm pixels."""
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    y = (np.arange(ny)[:, None] - ny / 2) / (0.4 * ny)
    x = (np.arange(nx)[None, :] - nx / 2) / (0.45 * nx)
    hu = np.where(np.broadcast_to((y * y + x * x) <= 1.0, shape), 40, -1000).astype(np.int16)
    hu = hu + rng.normal(0, 20, size=shape).astype(np.int16)
    zz, yy, xx = np.ogrid[:nz, :ny, :nx]
    for _ in range(spots):
        cz, cy, cx = int(rng.integers(0, nz)), int(rng.integers(ny // 4, 3 * ny // 4)), int(
            rng.integers(nx // 4, 3 * nx // 4))
        r = float(rng.uniform(1.5, 4.0))
        lo = [max(0, cz - 1), max(0, cy - 5), max(0, cx - 5)]
        hi = [min(nz, cz + 2), min(ny, cy + 6), min(nx, cx + 6)]
        box = ((zz[lo[0]:hi[0]] - cz) * 6.0) ** 2 + (yy[:, lo[1]:hi[1]] - cy) ** 2 + (
            xx[:, :, lo[2]:hi[2]] - cx) ** 2 <= r * r
        hu[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]][box] = int(rng.integers(150, 900))
    return hu


def calcium_peers(have_gpu, row):
    """Agatston on the standard 64x512x512 calcium CT against the same computation composed
    from CuPy: cupyx.scipy.ndimage.label per slice (the 8-connected 2-D structure in the
    middle plane of a 3x3x3 one), then sum_labels / maximum per label, the area filter, the
    density weights and the sum. "same": equal Agatston (to 1e-9), volume and lesion count."""
    if not have_gpu:
        return
    import cupy as cp
    from cupyx.scipy import ndimage as cnd

    spacing = (3.0, 0.5, 0.5)
    host = calcium_ct()
    ct = cp.asarray(host)
    structure = cp.zeros((3, 3, 3), bool)
    structure[1] = True
    pixel_area = spacing[1] * spacing[2]

    def cupy_agatston():
        lesions, n = cnd.label(ct >= 130, structure)
        index = cp.arange(1, n + 1)
        voxels = cnd.sum_labels(cp.ones(ct.shape, cp.float32), lesions, index)
        maximum = cnd.maximum(ct, lesions, index)
        area = voxels * pixel_area
        kept = area >= 1.0
        weight = cp.where(maximum >= 400, 4, cp.where(maximum >= 300, 3, cp.where(maximum >= 200, 2, 1)))
        return (float((area * weight * kept).sum()), float((voxels * kept).sum()) * pixel_area * spacing[0],
                int(kept.sum()))

    mine = medkern.calcium_score(ct, spacing)
    agatston, volume, count = cupy_agatston()
    same = (abs(mine.agatston - agatston) <= 1e-9 * max(1.0, agatston)
            and abs(mine.volume_mm3 - volume) <= 1e-9 * max(1.0, volume) and len(mine.lesions) == count)
    row(f"calcium score 64x512x512 ({count} lesions)", "gpu",
        gpu_time(lambda: medkern.calcium_score(ct, spacing), repeat=20),
        "cupyx label + sum_labels + maximum", gpu_time(cupy_agatston, repeat=10),
        host.nbytes, same)


# ------------------------------------------------------------------ perfusion


def perfusion_series(frame, frames=40, seed=0):
    """A (frames, *frame) float32 series tiling a noisy digital reference object, its times
    and AIF (what bench/perfusion_bench.cpp times)."""
    phantom = medkern.perfusion_phantom(frames=frames, block=1, snr=50.0, seed=seed + 1)
    tile = phantom.series[:, 0]  # (frames, ty, tx)
    nz, ny, nx = frame
    reps = (1, -(-ny // tile.shape[1]), -(-nx // tile.shape[2]))
    plane = np.tile(tile, reps)[:, :ny, :nx]
    series = np.ascontiguousarray(np.broadcast_to(plane[:, None], (frames, nz, ny, nx)))
    return series, np.asarray(phantom.times), np.asarray(phantom.aif)


def csvd_operator(xp, aif, times, baseline, truncation=0.1):
    """cSVD as a numpy / CuPy user writes it (Wu et al. 2003): the block-circulant matrix of
    the AIF's concentration, its truncated pseudo-inverse (first n rows and columns), and
    the scale of the area ratio."""
    dt = float(times[1] - times[0])
    c_aif = aif - aif[:baseline].mean()
    n = len(c_aif)
    padded = np.concatenate([c_aif, np.zeros(n)])
    lags = (np.arange(2 * n)[:, None] - np.arange(2 * n)[None, :]) % (2 * n)
    u, s, vt = np.linalg.svd(dt * padded[lags])
    inverse_s = np.where(s >= truncation * s[0], 1.0 / s, 0.0)
    operator = (vt.T[:n] * inverse_s) @ u[:n].T
    weights = np.zeros(n)  # the trapezoid rule over the frames
    weights[:-1] += np.diff(times) / 2
    weights[1:] += np.diff(times) / 2
    return xp.asarray(operator, dtype=xp.float32), xp.asarray(weights, dtype=xp.float32), float(
        weights @ c_aif)


def perfusion_peers(have_gpu, row, cpu_frame=(16, 128, 128), gpu_frame=(320, 256, 256)):
    """Group "perfusion": all maps by cSVD against the same method composed from CuPy (GPU,
    40 x 320 x 256 x 256: CBF and CBV by a GEMM and a max) and from numpy (CPU, 40 x 16 x
    128 x 128); "same": CBF within 1e-3 relative where medkern's map is valid."""
    kh = (1 - 0.45) / (1 - 0.25) / 1.04
    baseline = 6

    def compare(xp, series, times, aif, where):
        operator, weights, aif_area = csvd_operator(xp, aif, times, baseline)

        def peer():
            c = series - series[:baseline].mean(axis=0)
            flat = c.reshape(c.shape[0], -1)
            cbf = (operator @ flat).max(axis=0) * (6000 * kh)
            cbv = (weights @ flat) * (100 * kh / aif_area)
            return cbf, cbv

        def mine():
            return medkern.perfusion_maps(series, times, aif, method="csvd",
                                          baseline_frames=baseline)
        maps, (cbf, _) = mine(), peer()
        valid = maps.valid.reshape(-1) == 1
        theirs = cbf[valid]
        same = bool(xp.allclose(maps.cbf.reshape(-1)[valid], theirs, rtol=1e-3,
                                atol=1e-3 * float(theirs.max())))
        timer = gpu_time if where == "gpu" else cpu_time
        shape = "x".join(str(d) for d in series.shape)
        row(f"perfusion maps csvd {shape} float32", where,
            timer(mine, repeat=10) if where == "gpu" else timer(mine),
            f"{'cupy' if where == 'gpu' else 'numpy'} GEMM + max (CBF, CBV)",
            timer(peer, repeat=10) if where == "gpu" else timer(peer),
            series.nbytes + series[0].size * 25, same)
        for method in ("ssvd", "osvd", "tikhonov"):
            run = lambda: medkern.perfusion_maps(series, times, aif, method=method,  # noqa: E731
                                                 baseline_frames=baseline)
            row(f"perfusion maps {method} {shape} float32", where,
                timer(run, repeat=5) if where == "gpu" else timer(run),
                "-", float("nan"), series.nbytes + series[0].size * 25, True)

    if have_gpu:
        import cupy as cp
        series, times, aif = perfusion_series(gpu_frame)
        compare(cp, cp.asarray(series), times, aif, "gpu")
        del series
    series, times, aif = perfusion_series(cpu_frame)
    compare(np, series, times, aif, "cpu")


# ---------------------------------------------------------------------------- main


# The groups of --only, in the order they run.


GROUPS = ("core", "labeling", "region_growing", "watershed", "denoise", "filters", "calcium",
          "perfusion")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--cpu-size", type=int, default=256)
    parser.add_argument("--json")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups to run, of {', '.join(GROUPS)} (default: all)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only <= set(GROUPS):
        parser.error(f"--only: unknown group(s) {', '.join(sorted(only - set(GROUPS)))}")
    rows = []

    def row(op, where, mine_ms, peer, peer_ms, bytes_moved, check):
        limit_ms = bytes_moved / BANDWIDTH * 1e3
        rows.append(dict(op=op, device=where, medkern_ms=mine_ms, peer=peer, peer_ms=peer_ms,
                         speedup=peer_ms / mine_ms, of_limit=(limit_ms / mine_ms) if where == "gpu" else None,
                         identical=bool(check)))

    n, c = args.size, args.cpu_size
    try:
        import cupy as cp
        have_gpu = medkern.devices() != [] and cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy or no GPU: CPU comparisons only
        have_gpu = False
    try:
        import SimpleITK as sitk
    except ImportError:  # no SimpleITK: no ITK comparisons
        sitk = None
    runs = {
        "core": lambda: core_peers(n, c, have_gpu, row),
        "labeling": lambda: labeling_peers(n, c, have_gpu, row),
        "region_growing": lambda: region_growing_group(sitk, c, have_gpu, row),
        "watershed": lambda: watershed_peers(have_gpu, row),
        "denoise": lambda: denoise_peers(sitk, n, c, have_gpu, row),
        "filters": lambda: filter_peers(n, c, have_gpu, row, sitk),
        "calcium": lambda: calcium_peers(have_gpu, row),
        "perfusion": lambda: perfusion_peers(have_gpu, row),
    }
    for group in GROUPS:
        if group in only:
            runs[group]()
            if args.json:  # after each group, so that a run stopped midway keeps what it measured
                with open(args.json, "w") as f:
                    json.dump(rows, f, indent=1)

    print(f"{'op':48} {'dev':4} {'medkern ms':>11} {'peer':32} {'peer ms':>9} {'x faster':>9} {'of limit':>9} same")
    for r in rows:
        limit = f"{r['of_limit']:.0%}" if r["of_limit"] is not None else "-"
        print(f"{r['op']:48} {r['device']:4} {r['medkern_ms']:11.3f} {r['peer']:32} {r['peer_ms']:9.3f} "
              f"{r['speedup']:9.1f} {limit:>9} {'yes' if r['identical'] else 'NO'}")


if __name__ == "__main__":
    main()
