"""What the op modules share: parameter defaults from ``_core``, per-axis arguments, and the
run of an op of shape (input, output, params).

Parameters reach ``_core`` as keyword arguments named as the C++ structs' fields; ``_core``
casts them and the C++ ops check them, so nothing here re-checks a value that C++ checks.
What stays here is Python's own: arguments given per axis of the array (padded to three axes,
slowest first), and arrays that are empty (the ops take none, so their results are made here).
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike

#: Where an op runs: None (automatic), 'cpu', 'cuda', 'cuda:N', an ordinal, or a torch /
#: CuPy device object.
Device = Union[None, str, int, Any]


def defaults(op: str, field: str) -> Any:
    """The default of a parameter of `op`: the initialiser of the C++ struct's field."""
    return _core.defaults[op][field]


def mask_operand(mask: Optional[ArrayLike]) -> Optional[ar.Operand]:
    if mask is None:
        return None
    return ar.as_operand(mask, "mask", ar.MASK_DTYPES, bool_as_uint8=True)


def ndim_of(a: ArrayLike) -> int:
    shape = getattr(a, "shape", None)
    return len(shape) if shape is not None else np.ndim(a)


def per_axis(value: Any, ndim: int, name: str, pad: float) -> List[float]:
    """Three values, slowest axis first, from a number (every axis) or one per axis (ndim or
    3 values); missing leading axes get `pad`."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return [ar.as_float(value, name)] * 3
    try:
        values = [ar.as_float(s, name) for s in value]
    except TypeError:
        raise _core.InvalidArgumentError(
            f"{name}: {value!r} is neither a number nor a sequence"
        ) from None
    if len(values) != 3 and len(values) != ndim:
        raise _core.InvalidArgumentError(
            f"{name}: has {len(values)} values for a {ndim}-D array (give {ndim} or 3)"
        )
    return [pad] * (3 - len(values)) + values


def spacing3(spacing: Any, ndim: int) -> Tuple[float, float, float]:
    """The spacing of a descriptor; C++ checks that it is finite and positive."""
    values = per_axis(spacing, ndim, "spacing", 1.0)
    return values[0], values[1], values[2]


def sigma3(sigma_mm: Any, ndim: int) -> Tuple[float, float, float]:
    """One sigma (mm) for each of the 3 axes, from a number or one per axis (ndim or 3 values);
    axes that the array does not have (the leading ones of a 1-D or 2-D array) get 0."""
    values = per_axis(sigma_mm, ndim, "sigma_mm", 0.0)
    values = [0.0 if axis < 3 - ndim else v for axis, v in enumerate(values)]
    return values[0], values[1], values[2]


def filter_op(
    a: ArrayLike,
    out_dtype: str,
    spacing: Any,
    device: Device,
    function: Callable[..., Any],
    **params: Any,
) -> Any:
    """Runs an op of ``_core`` from `a` (int16, uint16, float32) into a new array of
    `out_dtype` and of the shape of `a`, with `params` as its keyword arguments."""
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    sp = spacing3(spacing, len(op_a.shape))
    p = ar.plan([op_a], device)
    out = ar.empty(op_a.shape, out_dtype, p)
    if op_a.size == 0:
        return out
    ar.run(
        p,
        function,
        ar.descriptor(op_a, sp),
        ar.output_descriptor(out, out_dtype, p.out_device),
        host_arrays=[op_a.array, out],
        **params,
    )
    return out


def labels_and_count(
    function: Callable[..., Any], operand: ar.Operand, device: Device, **params: Any
) -> Tuple[Any, int]:
    """Runs an op that writes int32 labels of the operand's shape and returns their count."""
    p = ar.plan([operand], device)
    out = ar.empty(operand.shape, "int32", p)
    if operand.size == 0:
        return out, 0
    count = ar.run(
        p,
        function,
        ar.descriptor(operand),
        ar.output_descriptor(out, "int32", p.out_device),
        host_arrays=[operand.array, out],
        **params,
    )
    return out, int(count)


def seed_list(seeds: Sequence[Sequence[int]], ndim: int) -> List[Tuple[int, ...]]:
    """Seeds as (z, y, x) tuples, a 2-D array's (y, x) padded with z = 0."""
    result = []
    for k, seed in enumerate(seeds):
        index = [ar.as_int(v, f"seeds[{k}]") for v in seed]
        if len(index) != ndim:
            raise _core.InvalidArgumentError(
                f"seeds[{k}]: {tuple(index)} has {len(index)} indices for a {ndim}-D array")
        result.append(tuple([0] * (3 - ndim) + index))
    return result
