"""pytest setup for medkern's Python tests.

`medkern` is imported from wherever Python finds it (an installed wheel, or PYTHONPATH set
to a build tree's `python/` folder). Failing that, the newest build tree under the
repository root (`build*/python`) is used, so that `pytest` works right after a CMake build
with -DMEDKERN_BUILD_PYTHON=ON.

Random data are fresh on every run; the seed is printed (pytest shows it with a failure)
and MEDKERN_TEST_SEED=<n> replays it.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import sys

import numpy as np
import pytest

_ROOT = pathlib.Path(__file__).resolve().parents[2]
_HERE = pathlib.Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))  # for _support

try:
    import medkern  # noqa: F401
except ImportError:
    _built = sorted(
        _ROOT.glob("build*/python/medkern/_core*"), key=lambda p: p.stat().st_mtime
    )
    if not _built:
        raise
    sys.path.insert(0, str(_built[-1].parent.parent))
    import medkern  # noqa: F401

from medkern import _core  # noqa: E402


def _cupy_gpu() -> bool:
    """CuPy importable, a CUDA device present, and medkern able to use it."""
    if _core.device_count() == 0:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, or CuPy without a usable driver
        return False


HAVE_GPU = _core.device_count() > 0
HAVE_CUPY_GPU = _cupy_gpu()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gpu: needs CuPy and a CUDA device medkern can use")


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"medkern {medkern.__version__} from {pathlib.Path(medkern.__file__).parent}, "
        f"built_with_cuda={medkern.built_with_cuda()}, CUDA devices={_core.device_count()}, "
        f"cupy GPU tests={'on' if HAVE_CUPY_GPU else 'skipped'}"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA device that medkern can use")
    for item in items:
        if "gpu" in item.keywords and not HAVE_CUPY_GPU:
            item.add_marker(skip)


@pytest.fixture
def rng() -> np.random.Generator:
    seed = int(os.environ.get("MEDKERN_TEST_SEED", secrets.randbits(32)))
    print(f"random seed: MEDKERN_TEST_SEED={seed}")
    return np.random.default_rng(seed)


# numpy arrays run on the CPU, and also on the GPU (staged through host memory) where
# medkern has one.
DEVICES = ["cpu"] + (["cuda"] if HAVE_GPU else [])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    return request.param
