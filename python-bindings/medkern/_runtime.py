"""Devices, memory pools and versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from . import _arrays as ar
from . import _core

__all__ = [
    "DeviceInfo",
    "built_with_cuda",
    "devices",
    "pool_stats",
    "release_tag",
    "reset_pool_peak",
    "set_pool_limit",
    "trim_pool",
    "versions",
]


@dataclass(frozen=True)
class DeviceInfo:
    """A CUDA device as medkern sees it."""

    ordinal: int
    name: str
    compute_capability: Tuple[int, int]
    multiprocessors: int
    total_memory_bytes: int
    free_memory_bytes: int  #: when devices() was called

    @property
    def device(self) -> str:
        """The name to pass as ``device=``: ``'cuda:N'``."""
        return f"cuda:{self.ordinal}"


def devices() -> List[DeviceInfo]:
    """The usable CUDA devices; empty in a CPU-only build or on a machine without a GPU.

    The CPU is always available as ``device='cpu'`` and is not listed.
    """
    return [
        DeviceInfo(
            ordinal=int(d["ordinal"]),
            name=str(d["name"]),
            compute_capability=(int(d["compute_capability"][0]), int(d["compute_capability"][1])),
            multiprocessors=int(d["multiprocessors"]),
            total_memory_bytes=int(d["total_memory_bytes"]),
            free_memory_bytes=int(d["free_memory_bytes"]),
        )
        for d in _core.devices()
    ]


def built_with_cuda() -> bool:
    """True when this build of medkern has CUDA support compiled in (whether or not a GPU
    is present: see :func:`devices`)."""
    return bool(_core.built_with_cuda())


def versions() -> Dict[str, Any]:
    """medkern's version, whether CUDA is built in, and the CUDA driver and runtime
    versions (``1000 * major + 10 * minor``; 0 where there is none)."""
    return dict(_core.versions())


def _pool_ordinal(device: Any) -> int:
    ordinal = ar.parse_device(device)
    if ordinal is None:
        return ar.default_ordinal()
    return 0 if ordinal == -2 else ordinal


def pool_stats(device: Any = None) -> Dict[str, Any]:
    """Statistics of a device's memory pool.

    Parameters
    ----------
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        The pool: ``'cpu'`` (or -1) is the host pool; None is the device ops run on by
        default (GPU 0 if there is one, else the CPU).

    Returns
    -------
    dict
        ``device`` (``'cpu'`` or ``'cuda:N'``), ``bytes_in_use``, ``peak_bytes_in_use``,
        ``bytes_reserved`` (held from the system, in use or cached), ``limit_bytes`` (0: no
        limit), ``allocations``, ``deallocations``, ``failures`` (refused allocations) and
        ``live_allocations``.

    Raises
    ------
    RuntimeError (NoDeviceError)
        The CUDA device does not exist.
    """
    return dict(_core.pool_stats(_pool_ordinal(device)))


def set_pool_limit(limit_bytes: int, device: Any = None) -> None:
    """Caps the bytes a pool may have in use; 0 removes the cap. An allocation past it
    raises ``MemoryError`` (OutOfMemoryError) and counts as a failure in
    :func:`pool_stats`. `device` as in :func:`pool_stats`."""
    limit = ar.as_int(limit_bytes, "limit_bytes")
    if not 0 <= limit < 2**64:
        raise _core.InvalidArgumentError(f"limit_bytes: {limit} is outside 0..2**64 - 1")
    _core.pool_set_limit(_pool_ordinal(device), limit)


def release_tag(tag: int, device: Any = None) -> int:
    """Frees every live allocation of a pool made with `tag` (e.g. a study's), after the
    device has finished its queued work; returns the bytes freed. `device` as in
    :func:`pool_stats`."""
    value = ar.as_int(tag, "tag")
    if not 0 <= value < 2**64:
        raise _core.InvalidArgumentError(f"tag: {value} is outside 0..2**64 - 1")
    return int(_core.pool_release_tag(_pool_ordinal(device), value))


def reset_pool_peak(device: Any = None) -> None:
    """Sets a pool's ``peak_bytes_in_use`` to its current ``bytes_in_use``."""
    _core.pool_reset_peak(_pool_ordinal(device))


def trim_pool(device: Any = None) -> None:
    """Gives a pool's cached, unused memory back to the system."""
    _core.pool_trim(_pool_ordinal(device))
