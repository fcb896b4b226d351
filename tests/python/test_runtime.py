"""Devices, pools, versions and the package surface."""

from __future__ import annotations

import pathlib
import re

import pytest

import medkern
from medkern import _core

POOL_KEYS = {
    "device",
    "bytes_in_use",
    "peak_bytes_in_use",
    "bytes_reserved",
    "limit_bytes",
    "allocations",
    "deallocations",
    "failures",
    "live_allocations",
}


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", medkern.__version__)
    assert medkern.versions()["medkern"] == medkern.__version__
    pyproject = pathlib.Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.exists():
        declared = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M).group(1)
        assert declared == medkern.__version__


def test_versions_and_cuda_flags():
    v = medkern.versions()
    assert set(v) == {"medkern", "built_with_cuda", "cuda_driver", "cuda_runtime"}
    assert v["built_with_cuda"] is medkern.built_with_cuda()
    assert isinstance(v["cuda_driver"], int) and isinstance(v["cuda_runtime"], int)
    if not medkern.built_with_cuda():
        assert v["cuda_runtime"] == 0


def test_devices():
    found = medkern.devices()
    assert isinstance(found, list)
    assert len(found) == _core.device_count()
    if not medkern.built_with_cuda():
        assert found == []
    for i, d in enumerate(found):
        assert isinstance(d, medkern.DeviceInfo)
        assert d.ordinal == i and d.device == f"cuda:{i}"
        assert isinstance(d.name, str) and d.name
        major, minor = d.compute_capability
        assert major >= 3 and minor >= 0
        assert d.multiprocessors > 0
        assert 0 < d.free_memory_bytes <= d.total_memory_bytes


@pytest.mark.parametrize("device", ["cpu", -1, "CPU"])
def test_pool_stats_of_the_host(device):
    stats = medkern.pool_stats(device)
    assert set(stats) == POOL_KEYS
    assert stats["device"] == "cpu"
    for key in POOL_KEYS - {"device"}:
        assert isinstance(stats[key], int) and stats[key] >= 0, key
    assert stats["peak_bytes_in_use"] >= stats["bytes_in_use"]
    assert stats["allocations"] >= stats["deallocations"]
    assert stats["live_allocations"] == stats["allocations"] - stats["deallocations"]


def test_pool_stats_default_device():
    expected = "cuda:0" if _core.device_count() > 0 else "cpu"
    assert medkern.pool_stats()["device"] == expected


def test_pool_limit_round_trip():
    before = medkern.pool_stats("cpu")["limit_bytes"]
    try:
        medkern.set_pool_limit(123 << 20, device="cpu")
        assert medkern.pool_stats("cpu")["limit_bytes"] == 123 << 20
        medkern.set_pool_limit(0, device="cpu")
        assert medkern.pool_stats("cpu")["limit_bytes"] == 0
    finally:
        medkern.set_pool_limit(before, device="cpu")
    with pytest.raises(ValueError, match="limit_bytes"):
        medkern.set_pool_limit(-1, device="cpu")


def test_release_tag_and_reset_peak():
    # No allocation carries this tag: nothing is freed.
    assert medkern.release_tag(0xDEADBEEF, device="cpu") == 0
    with pytest.raises(ValueError, match="tag"):
        medkern.release_tag(-5, device="cpu")
    # Tag 0 is every untagged allocation's, other threads' included: never released.
    before = medkern.pool_stats("cpu")["deallocations"]
    with pytest.raises(ValueError, match="tag: 0"):
        medkern.release_tag(0, device="cpu")
    assert medkern.pool_stats("cpu")["deallocations"] == before
    medkern.reset_pool_peak("cpu")
    stats = medkern.pool_stats("cpu")
    assert stats["peak_bytes_in_use"] == stats["bytes_in_use"]
    medkern.trim_pool("cpu")


def test_missing_cuda_device_pool():
    with pytest.raises(RuntimeError) as info:
        medkern.pool_stats(f"cuda:{_core.device_count() + 7}")
    assert isinstance(info.value, medkern.MedkernError)


def test_public_names():
    for name in medkern.__all__:
        assert hasattr(medkern, name), name
    for name in ["histogram", "threshold", "otsu_threshold", "label_statistics"]:
        doc = getattr(medkern, name).__doc__
        assert doc and "Parameters" in doc and "Returns" in doc and "Raises" in doc


def test_package_is_typed():
    package = pathlib.Path(medkern.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_core.pyi").exists()


def test_context_binding():
    ctx = medkern.Context.cpu(2)
    assert ctx.device == -1 and ctx.device_name == "cpu" and not ctx.is_cuda
    assert ctx.num_threads == 2 and ctx.stream == 0
    ctx.tag = 77
    assert ctx.tag == 77
    ctx.synchronize()
    assert "cpu" in repr(ctx)
    with pytest.raises(ValueError, match="num_threads"):
        medkern.Context.cpu(-1)
    # Thread counts the system could not start are refused before any thread is made.
    with pytest.raises(ValueError, match="hardware threads"):
        medkern.Context.cpu(100000)
    auto = medkern.Context.automatic()
    assert auto.is_cuda == (_core.device_count() > 0)
