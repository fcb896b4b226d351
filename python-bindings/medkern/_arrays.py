"""Array plumbing: from numpy / CuPy / PyTorch objects to the descriptors of ``_core``.

A descriptor is ``(data_ptr, dtype_code, shape, strides, spacing, device)`` with shape,
strides (in elements, not bytes) and spacing padded to three axes, slowest first, and device
-1 for host memory. Nothing here copies an array except where the caller asked for another
device (``device='cpu'`` on a GPU array), or where an array's memory cannot be described in
whole elements (an unaligned view, e.g. a field of a packed structured array).

CuPy and PyTorch are never imported here unless the caller handed us one of their arrays
(they are looked up in ``sys.modules``), so ``import medkern`` stays cheap and works without
either.
"""

from __future__ import annotations

import atexit
import operator
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence, Tuple

import numpy as np

from . import _core

HOST = -1

#: Anything medkern accepts as an array: a numpy array (or what ``numpy.asarray`` takes), a
#: CuPy array, a PyTorch tensor, or an object exposing ``__cuda_array_interface__``.
ArrayLike = Any

#: Input dtypes of the intensity ops (histogram, thresholds, label statistics).
INTENSITY_DTYPES: Tuple[str, ...] = ("int16", "uint16", "float32")
MASK_DTYPES: Tuple[str, ...] = ("uint8",)
LABEL_DTYPES: Tuple[str, ...] = ("int32", "uint8")

_DTYPE_CODES = dict(_core.dtype_codes)


# ------------------------------------------------------------------------------- devices


def parse_device(device: Any, what: str = "device") -> Optional[int]:
    """``None`` (automatic), ``'cpu'``, ``'cuda'``, ``'cuda:N'``, an int (N, or -1 for the
    CPU), or a ``torch.device`` / ``cupy.cuda.Device``. Returns None for automatic, -1 for
    the CPU, -2 for "some CUDA device", else the ordinal."""
    if device is None:
        return None
    if isinstance(device, bool):
        raise _core.InvalidArgumentError(f"{what}: {device!r} is not a device")
    if isinstance(device, (int, np.integer)):
        ordinal = int(device)
        if ordinal < -1:
            raise _core.InvalidArgumentError(
                f"{what}: {ordinal} is neither -1 (cpu) nor a CUDA ordinal"
            )
        return ordinal
    if not isinstance(device, str):
        # torch.device has .type/.index; cupy.cuda.Device has .id.
        kind = getattr(device, "type", None)
        if kind in ("cpu", "cuda"):
            index = getattr(device, "index", None)
            return HOST if kind == "cpu" else (-2 if index is None else int(index))
        ident = getattr(device, "id", None)
        if isinstance(ident, int):
            return ident
        raise _core.InvalidArgumentError(
            f"{what}: {device!r} is not a device ('cpu', 'cuda', 'cuda:N' or an int)"
        )
    text = device.strip().lower()
    if text == "cpu":
        return HOST
    if text in ("cuda", "gpu"):
        return -2
    for prefix in ("cuda:", "gpu:"):
        if text.startswith(prefix) and text[len(prefix) :].isdigit():
            return int(text[len(prefix) :])
    raise _core.InvalidArgumentError(
        f"{what}: {device!r} is not a device ('cpu', 'cuda', 'cuda:N' or an int)"
    )


def default_ordinal() -> int:
    """The device an op runs on when neither the arrays nor ``device=`` say."""
    return 0 if _core.device_count() > 0 else HOST


def device_name(ordinal: int) -> str:
    return "cpu" if ordinal < 0 else f"cuda:{ordinal}"


# ------------------------------------------------------------------------------- operands


@dataclass
class Operand:
    """One array argument of an op, in the form the op will use."""

    name: str  # the argument's name, for messages
    array: Any  # numpy.ndarray, cupy.ndarray or torch.Tensor
    kind: str  # "numpy", "cupy" or "torch"
    device: int  # -1 for host memory
    shape: Tuple[int, ...]  # the caller's shape (before padding to 3-D)
    dtype: str  # medkern's dtype name

    @property
    def size(self) -> int:
        n = 1
        for extent in self.shape:
            n *= extent
        return n


def _module(name: str) -> Any:
    return sys.modules.get(name)


def _dtype_name_numpy(dtype: np.dtype) -> str:
    if not dtype.isnative:
        return f"{dtype.str} (non-native byte order)"
    return dtype.name


def _unsupported(name: str, dtype: str, allowed: Sequence[str]) -> Exception:
    return _core.UnsupportedDTypeError(
        f"{name}: dtype {dtype} is not supported (expected one of: {', '.join(allowed)})"
    )


def as_operand(
    x: ArrayLike, name: str, allowed: Sequence[str], *, bool_as_uint8: bool = False
) -> Operand:
    """Classifies `x` and checks its dimensionality and dtype (never converting it).

    A boolean array passes as uint8 where `bool_as_uint8` (masks): the bytes are the same, so
    this is a reinterpretation, not a conversion.
    """
    torch = _module("torch")
    cupy = _module("cupy")
    if torch is not None and isinstance(x, torch.Tensor):
        return _torch_operand(x, name, allowed, bool_as_uint8)
    if cupy is not None and isinstance(x, cupy.ndarray):
        return _numpy_like_operand(x, "cupy", x.device.id, name, allowed, bool_as_uint8)
    if hasattr(x, "__cuda_array_interface__"):
        try:
            import cupy as cupy_module  # noqa: F401 (the only way we can own GPU outputs)
        except ImportError:
            raise _core.UnsupportedDTypeError(
                f"{name}: {type(x).__name__} exposes __cuda_array_interface__, but medkern "
                "needs CuPy or PyTorch to allocate GPU outputs and neither is installed"
            ) from None
        wrapped = cupy_module.asarray(x)  # zero-copy view of the same memory
        return _numpy_like_operand(
            wrapped, "cupy", wrapped.device.id, name, allowed, bool_as_uint8
        )
    array = np.asarray(x)
    return _numpy_like_operand(array, "numpy", HOST, name, allowed, bool_as_uint8)


def _check_ndim(name: str, ndim: int) -> None:
    if ndim > 3:
        raise _core.InvalidArgumentError(
            f"{name}: has {ndim} dimensions; medkern takes 1-D, 2-D or 3-D arrays "
            "(a 2-D image is a (1, ny, nx) volume)"
        )


def _numpy_like_operand(
    x: Any, kind: str, device: int, name: str, allowed: Sequence[str], bool_as_uint8: bool
) -> Operand:
    _check_ndim(name, x.ndim)
    dtype = np.dtype(x.dtype)
    if dtype == np.bool_ and bool_as_uint8:
        x = x.view(np.uint8)
        dtype = np.dtype(np.uint8)
    dname = _dtype_name_numpy(dtype)
    if dname not in allowed:
        raise _unsupported(name, dname, allowed)
    return Operand(name, x, kind, device, tuple(int(n) for n in x.shape), dname)


def _torch_operand(
    x: Any, name: str, allowed: Sequence[str], bool_as_uint8: bool
) -> Operand:
    torch = _module("torch")
    _check_ndim(name, x.dim())
    x = x.detach()
    if x.dtype == torch.bool and bool_as_uint8:
        x = x.view(torch.uint8)
    dname = str(x.dtype).replace("torch.", "")
    if dname not in allowed:
        raise _unsupported(name, dname, allowed)
    if x.is_cuda:
        device = x.device.index if x.device.index is not None else torch.cuda.current_device()
        return Operand(name, x, "torch", int(device), tuple(int(n) for n in x.shape), dname)
    if x.device.type != "cpu":
        raise _core.InvalidArgumentError(
            f"{name}: tensors on {x.device} are not supported (cpu or cuda only)"
        )
    # A CPU tensor is host memory: numpy's view of it is zero-copy and needs no torch path.
    array = x.numpy()
    return Operand(name, array, "torch", HOST, tuple(int(n) for n in array.shape), dname)


def require_same_shape(first: Operand, second: Operand) -> None:
    if first.shape != second.shape:
        raise _core.ShapeMismatchError(
            f"{second.name}: has shape {second.shape} but {first.name} has shape {first.shape}"
        )


# ------------------------------------------------------------------------------- planning


@dataclass
class Plan:
    """Where an op runs and what kind of arrays it returns."""

    device: int  # where the op runs; -1 for the CPU
    out_kind: str  # "numpy", "cupy" or "torch"
    out_device: int  # where its outputs live; -1 for host memory
    stream_kind: Optional[str]  # the library whose current stream orders the op, if any


def plan(operands: Iterable[Optional[Operand]], device: Any) -> Plan:
    """Chooses the device (the arrays' GPU, else ``device=``, else the default) and moves
    GPU operands to the host when the op is to run on the CPU."""
    ops = [op for op in operands if op is not None]
    primary = ops[0]
    on_gpu = [op for op in ops if op.device >= 0]
    gpus = sorted({op.device for op in on_gpu})
    if len(gpus) > 1:
        where = ", ".join(f"{op.name} on {device_name(op.device)}" for op in on_gpu)
        raise _core.InvalidArgumentError(f"arrays on different devices: {where}")
    requested = parse_device(device)
    if requested is None:
        target = gpus[0] if gpus else default_ordinal()
    elif requested == -2:
        target = gpus[0] if gpus else 0
    else:
        target = requested
    if target >= 0 and gpus and gpus[0] != target:
        raise _core.InvalidArgumentError(
            f"device: {device_name(target)} was asked for, but {on_gpu[0].name} is on "
            f"{device_name(gpus[0])}"
        )

    if target == HOST:
        for op in on_gpu:
            _move_to_host(op)
    # The outputs follow the first array: numpy in, numpy out (wherever the op ran); CuPy
    # in, CuPy out on its device; a tensor in, a tensor out on the tensor's device. Forced
    # to the CPU, a GPU tensor gives CPU tensors and a CuPy array numpy arrays (CuPy has no
    # host arrays).
    out_kind = primary.kind
    stream_kind = on_gpu[0].kind if on_gpu and target >= 0 else None
    return Plan(target, out_kind, primary.device, stream_kind)


def _move_to_host(op: Operand) -> None:
    if op.kind == "cupy":
        cupy = _module("cupy")
        op.array = cupy.asnumpy(op.array)  # ordered on CuPy's current stream; blocks
        op.kind = "numpy"
    else:
        op.array = op.array.cpu().numpy()
    op.device = HOST


# ------------------------------------------------------------------------------- outputs


def empty(shape: Tuple[int, ...], dtype: str, p: Plan) -> Any:
    """An uninitialised C-contiguous array for an op's output, of the library and on the
    device that `p` says."""
    if p.out_kind == "torch":
        torch = _module("torch")
        tdtype = getattr(torch, dtype, None)
        if tdtype is None and dtype == "uint64":
            # Older PyTorch has no uint64; counts stay far below 2**63, so int64 holds the
            # very same bits.
            tdtype = torch.int64
        where = "cpu" if p.out_device < 0 else f"cuda:{p.out_device}"
        return torch.empty(shape, dtype=tdtype, device=where)
    if p.out_kind == "cupy":
        cupy = _module("cupy")
        with cupy.cuda.Device(p.out_device):
            return cupy.empty(shape, dtype=dtype)
    return np.empty(shape, dtype=dtype)


def zeros(shape: Tuple[int, ...], dtype: str, p: Plan) -> Any:
    out = empty(shape, dtype, p)
    out[...] = 0
    return out


def is_host_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or (
        _module("torch") is not None
        and isinstance(x, _module("torch").Tensor)
        and not x.is_cuda
    )


# ------------------------------------------------------------------------------- descriptors


def _pad3(shape: Sequence[int], strides: Sequence[int]) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    shape = tuple(int(n) for n in shape)
    strides = tuple(int(s) for s in strides)
    while len(shape) < 3:
        # A new leading axis of extent 1: its stride never moves the pointer; giving it the
        # span of the axes below keeps a contiguous array contiguous by any definition.
        inner = shape[0] * strides[0] if shape else 1
        shape = (1,) + shape
        strides = (inner,) + strides
    return shape, strides


Descriptor = Tuple[Any, ...]  # see _core.pyi for the exact layout


def descriptor(op: Operand, spacing: Sequence[float] = (1.0, 1.0, 1.0)) -> Descriptor:
    """The ``_core`` descriptor of `op`. May replace `op.array` by a contiguous copy when its
    memory cannot be described in whole elements."""
    x = op.array
    code = _DTYPE_CODES[op.dtype]
    if op.kind == "torch" and op.device >= 0:
        shape, strides = _pad3(x.shape, x.stride())
        return (int(x.data_ptr()), code, shape, strides, tuple(spacing), op.device)
    itemsize = x.dtype.itemsize
    pointer = int(x.data.ptr) if op.kind == "cupy" else int(x.__array_interface__["data"][0])
    if pointer % itemsize or any(s % itemsize for s in x.strides):
        lib = _module("cupy") if op.kind == "cupy" else np
        x = lib.ascontiguousarray(x)
        op.array = x
        pointer = int(x.data.ptr) if op.kind == "cupy" else int(x.__array_interface__["data"][0])
    shape, strides = _pad3(x.shape, [s // itemsize for s in x.strides])
    return (pointer, code, shape, strides, tuple(float(s) for s in spacing), op.device)


def output_descriptor(array: Any, dtype: str, device: int) -> Descriptor:
    """The descriptor of an output `empty` made (so C-contiguous)."""
    code = _DTYPE_CODES[dtype]
    torch = _module("torch")
    if torch is not None and isinstance(array, torch.Tensor):
        pointer = int(array.data_ptr())
        shape, strides = _pad3(array.shape, array.stride())
        return (pointer, code, shape, strides, (1.0, 1.0, 1.0), device)
    if isinstance(array, np.ndarray):
        pointer = int(array.__array_interface__["data"][0])
    else:
        pointer = int(array.data.ptr)
    itemsize = array.dtype.itemsize
    shape, strides = _pad3(array.shape, [s // itemsize for s in array.strides])
    return (pointer, code, shape, strides, (1.0, 1.0, 1.0), device)


# ------------------------------------------------------------------------------- contexts

# A medkern Context on a CUDA stream synchronizes that stream when it is destroyed, so a
# context made for every call would make every op synchronous, and a context that outlives
# its stream (a CuPy stream the user has dropped) would touch a destroyed stream. Contexts
# are therefore cached, each together with the library's stream object, which the entry
# keeps alive and releases only after the context.
_CACHE_SIZE = 16
_contexts: "OrderedDict[Tuple[int, Optional[int]], Lease]" = OrderedDict()
_contexts_lock = threading.Lock()


class Lease:
    """A context and the stream object that must outlive it."""

    __slots__ = ("context", "_stream")

    def __init__(self, context: "_core.Context", stream: Any) -> None:
        self.context: Optional[_core.Context] = context
        self._stream = stream

    def __del__(self) -> None:
        self.context = None  # destroyed (and its stream synchronized) first
        self._stream = None


def _current_stream(kind: Optional[str], device: int) -> Tuple[Optional[int], Any]:
    """The pointer and the object of the library's current stream on `device`."""
    if kind == "cupy":
        cupy = _module("cupy")
        with cupy.cuda.Device(device):
            stream = cupy.cuda.get_current_stream()
        return int(stream.ptr), stream
    if kind == "torch":
        torch = _module("torch")
        stream = torch.cuda.current_stream(device)
        return int(stream.cuda_stream), stream
    return None, None


def context_for(p: Plan) -> Lease:
    """The context of `p`: the CPU; the caller's current CuPy/PyTorch stream on the device,
    so that the op is ordered after the work that produced its inputs and before the work
    that will read its outputs; or, for host arrays only, a stream of medkern's own.
    Keep the lease while the context is in use."""
    pointer, stream = (None, None) if p.device < 0 else _current_stream(p.stream_kind, p.device)
    key = (p.device, pointer)
    with _contexts_lock:
        lease = _contexts.get(key)
        if lease is not None:
            _contexts.move_to_end(key)
            return lease
    if p.device < 0:
        ctx = _core.Context.cpu()
    elif pointer is None:
        ctx = _core.Context.cuda(p.device)
    else:
        ctx = _core.Context.cuda_on_stream(p.device, pointer)
    lease = Lease(ctx, stream)
    evicted = []
    with _contexts_lock:
        lease = _contexts.setdefault(key, lease)
        while len(_contexts) > _CACHE_SIZE:
            evicted.append(_contexts.popitem(last=False)[1])
    del evicted  # outside the lock: destroying a context waits for its stream
    return lease


def run(
    p: Plan, function: Any, *args: Any, host_arrays: Iterable[Any] = (), **params: Any
) -> Any:
    """Calls ``function(context, *args, **params)`` on the context of `p`.

    A CUDA op returns before the GPU is done. That is what GPU arrays want, but host memory
    (an output the caller will read, an input the caller may free) must not be touched by
    the GPU after we return: with any host array in `host_arrays`, this waits.
    """
    lease = context_for(p)
    context = lease.context
    assert context is not None  # only cleared at exit
    try:
        result = function(context, *args, **params)
        if p.device >= 0 and any(is_host_array(a) for a in host_arrays if a is not None):
            context.synchronize()
        return result
    finally:
        del context  # before the lease: the lease must be the last to let go


@atexit.register
def _release_contexts() -> None:
    # While CUDA and the streams' libraries are still up: contexts first, then streams.
    with _contexts_lock:
        leases = list(_contexts.values())
        _contexts.clear()
    for lease in leases:
        lease.context = None
    leases.clear()


# ------------------------------------------------------------------------------- scalars


def as_int(value: Any, name: str) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise _core.InvalidArgumentError(f"{name}: {value!r} is not an integer")
    try:
        return operator.index(value)
    except TypeError:
        raise _core.InvalidArgumentError(
            f"{name}: {value!r} is not an integer"
        ) from None


def as_float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _core.InvalidArgumentError(f"{name}: {value!r} is not a number") from None
    except OverflowError:  # an int past the largest float64, such as 10**400
        raise _core.InvalidArgumentError(f"{name}: {value!r} is too large for a float64") from None
