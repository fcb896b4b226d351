"""CuPy (and PyTorch) arrays: zero-copy GPU in, GPU out, on the caller's stream, and the
same answers as numpy / the CPU. Skipped unless CuPy and a CUDA device medkern can use are
present."""

from __future__ import annotations

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, random_array, random_mask, random_values

import medkern
from medkern import _arrays

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")


def to_gpu(a, layout="same"):
    """A CuPy copy of `a`: 'same' keeps a non-contiguous numpy view non-contiguous,
    'strided' (3-D) and 'fortran' (2-D) make a non-contiguous device layout from any `a`."""
    if layout == "same":
        if a.flags.c_contiguous:
            return cp.asarray(a)
        layout = "strided" if a.ndim == 3 else "fortran"
    base = cp.asarray(np.ascontiguousarray(a))
    if layout == "strided":
        big = cp.zeros((a.shape[0] * 2, a.shape[1], a.shape[2] * 3), dtype=a.dtype)
        view = big[::2, :, ::3]
        view[...] = base
    else:
        view = base.T.copy().T  # Fortran order
    assert not view.flags.c_contiguous
    return view


def ranges(dtype):
    return {"int16": (-500.0, 1500.0), "uint16": (100.0, 3000.0), "float32": (-200.0, 450.5)}[dtype]


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "strided", "fortran"])
def test_histogram_cupy(rng, dtype, layout):
    shape = (5, 33, 47) if layout != "fortran" else (40, 61)
    a = random_values(rng, shape, dtype)
    mask = random_mask(rng, shape, "uint8")
    g = cp.asarray(a) if layout == "contiguous" else to_gpu(a, layout)
    gm = cp.asarray(mask)
    for bins in (1, 97, 4096):
        got = medkern.histogram(g, bins, range=ranges(dtype), mask=gm)
        assert isinstance(got, cp.ndarray) and got.dtype == cp.uint64
        assert got.device.id == g.device.id
        expected = np.histogram(a[mask != 0], bins, range=ranges(dtype))[0]
        np.testing.assert_array_equal(cp.asnumpy(got), expected)
        cpu = medkern.histogram(a, bins, range=ranges(dtype), mask=mask, device="cpu")
        np.testing.assert_array_equal(cp.asnumpy(got), cpu)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_threshold_cupy(rng, dtype):
    a = random_array(rng, (9, 40, 41), dtype, "contiguous")
    if dtype == "float32":
        a.flat[::7] = np.nan
    g = to_gpu(a)
    assert g.flags.c_contiguous
    lo, hi = ranges(dtype)
    got = medkern.threshold(g, lo, hi, inside=200, outside=3)
    assert isinstance(got, cp.ndarray) and got.dtype == cp.uint8 and got.shape == a.shape
    wide = a.astype(np.float64)
    expected = np.where((wide >= lo) & (wide <= hi), 200, 3)
    np.testing.assert_array_equal(cp.asnumpy(got), expected)
    strided = to_gpu(random_array(rng, (4, 10, 11), dtype, "strided"))
    got = medkern.threshold(strided, lo, hi)
    host = cp.asnumpy(strided)
    np.testing.assert_array_equal(
        cp.asnumpy(got), ((host.astype(np.float64) >= lo) & (host <= hi)).astype(np.uint8)
    )


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_otsu_cupy(rng, dtype):
    skimage_filters = pytest.importorskip("skimage.filters")
    n = 20000
    values = np.where(rng.random(n) < 0.4, rng.normal(50, 10, n), rng.normal(300, 50, n))
    a = (np.clip(np.round(values), 0, None) if dtype != "float32" else values).astype(dtype)
    a = a.reshape(8, 50, 50)
    mask = random_mask(rng, a.shape, "bool")
    got = medkern.otsu_threshold(cp.asarray(a), mask=cp.asarray(mask))
    expected = float(skimage_filters.threshold_otsu(a[mask]))
    assert got == pytest.approx(expected, rel=1e-6)
    assert got == medkern.otsu_threshold(a, mask=mask, device="cpu")


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_label_statistics_cupy_equals_cpu(rng, dtype):
    a = random_values(rng, (6, 30, 31), dtype)
    labels = rng.integers(0, 40, size=a.shape).astype(np.int32)
    spacing = (2.0, 0.5, 0.75)
    got = medkern.label_statistics(cp.asarray(a), cp.asarray(labels), spacing=spacing)
    cpu = medkern.label_statistics(a, labels, spacing=spacing, device="cpu")
    assert [r.label for r in got] == [r.label for r in cpu] == list(range(1, 40))
    for g, c in zip(got, cpu):
        assert (g.count, g.min, g.max, g.bbox_min, g.bbox_max) == (
            c.count, c.min, c.max, c.bbox_min, c.bbox_max
        )
        if dtype == "float32":
            assert g.sum == pytest.approx(c.sum, rel=1e-12, abs=1e-9)
            assert g.std == pytest.approx(c.std, rel=1e-9, abs=1e-9)
        else:
            assert (g.sum, g.mean, g.std) == (c.sum, c.mean, c.std)  # exact integer sums
        assert g.centroid_mm == pytest.approx(c.centroid_mm, rel=1e-12)


def test_numpy_input_on_the_gpu_returns_numpy(rng):
    a = random_values(rng, (4, 20, 21), "int16")
    got = medkern.threshold(a, 0, 500, device="cuda")
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, ((a >= 0) & (a <= 500)).astype(np.uint8))
    counts = medkern.histogram(a, 64, range=(-1024, 3072), device="cuda:0")
    assert isinstance(counts, np.ndarray)
    np.testing.assert_array_equal(counts, np.histogram(a, 64, range=(-1024, 3072))[0])


def test_device_cpu_on_cupy_copies_to_host(rng):
    a = random_values(rng, (3, 10, 11), "float32")
    got = medkern.threshold(cp.asarray(a), 0, 100, device="cpu")
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, ((a >= 0) & (a.astype(np.float64) <= 100)).astype(np.uint8))


def test_mixed_host_mask_with_gpu_input(rng):
    a = random_values(rng, (3, 16, 17), "uint16")
    mask = random_mask(rng, a.shape, "bool")
    got = medkern.histogram(cp.asarray(a), 32, range=(0, 4096), mask=mask)
    assert isinstance(got, cp.ndarray)
    np.testing.assert_array_equal(cp.asnumpy(got), np.histogram(a[mask], 32, range=(0, 4096))[0])


SPIN_THEN_FILL = r"""
extern "C" __global__ void spin_then_fill(float* x, long long n, long long cycles) {
  const long long start = clock64();
  while (clock64() - start < cycles) {
  }
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    x[i] = i < n / 2 ? -5.0f : 1.0f;
  }
}
"""


def test_the_current_cupy_stream_is_used_and_ordered():
    kernel = cp.RawKernel(SPIN_THEN_FILL, "spin_then_fill")
    stream = cp.cuda.Stream(non_blocking=True)
    n = 1 << 20
    with stream:
        x = cp.zeros(n, dtype=cp.float32)
        # About 0.1 s of spinning before x gets its values: an op that ran on any other
        # stream (this one is non-blocking) would see the zeros.
        kernel((64,), (256,), (x, cp.int64(n), cp.int64(200_000_000)))
        plan = _arrays.plan([_arrays.as_operand(x, "a", ("float32",))], None)
        assert _arrays.context_for(plan).context.stream == stream.ptr
        inside = medkern.threshold(x, 0.5, 1e9)
        counts = medkern.histogram(x, 2, range=(-10.0, 10.0))
        masked = medkern.histogram(x, 2, range=(-10.0, 10.0), mask=inside)
    stream.synchronize()
    assert int(inside.sum()) == n - n // 2
    assert cp.asnumpy(counts).tolist() == [n // 2, n - n // 2]
    assert cp.asnumpy(masked).tolist() == [0, n - n // 2]


def test_arrays_on_different_devices_are_refused():
    if cp.cuda.runtime.getDeviceCount() < 2 or medkern._core.device_count() < 2:
        pytest.skip("needs two GPUs")
    with cp.cuda.Device(0):
        a = cp.zeros((4, 4), cp.int16)
    with cp.cuda.Device(1):
        m = cp.ones((4, 4), cp.uint8)
    with pytest.raises(ValueError, match="different devices"):
        medkern.histogram(a, 4, range=(0, 1), mask=m)


def test_torch_cuda_tensors(rng):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    a = random_values(rng, (4, 30, 31), "float32")
    t = torch.from_numpy(a).cuda()[:, ::2, :]
    got = medkern.threshold(t, 0.0, 200.0)
    assert isinstance(got, torch.Tensor) and got.is_cuda and got.dtype == torch.uint8
    host = a[:, ::2, :]
    expected = ((host.astype(np.float64) >= 0) & (host.astype(np.float64) <= 200)).astype(np.uint8)
    np.testing.assert_array_equal(got.cpu().numpy(), expected)
    counts = medkern.histogram(t, 10, range=(-100.0, 400.0))
    assert isinstance(counts, torch.Tensor) and counts.is_cuda
    assert counts.cpu().tolist() == np.histogram(host, 10, range=(-100.0, 400.0))[0].tolist()


def test_ops_on_a_dropped_stream_then_exit_cleanly():
    # A context on a user's stream synchronizes that stream when destroyed; medkern keeps
    # the stream object alive as long as its cached context, so dropping the stream and
    # exiting must not touch a destroyed stream (this crashed at interpreter exit once).
    import os
    import subprocess
    import sys

    code = (
        "import gc, cupy as cp, medkern\n"
        "for _ in range(3):\n"
        "    s = cp.cuda.Stream(non_blocking=True)\n"
        "    with s:\n"
        "        x = cp.arange(1000, dtype=cp.float32)\n"
        "        out = medkern.threshold(x, 10, 20)\n"
        "    s.synchronize()\n"
        "    assert int(out.sum()) == 11\n"
        "    del s, x, out\n"
        "    gc.collect()\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"
