"""Measurements: histograms and per-label statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike
from ._common import Device, defaults, mask_operand, spacing3

__all__ = ["LabelStats", "histogram", "label_statistics"]


def _bin_count(bins: Any) -> int:
    """The number of bins. It sizes the counts, which are allocated here before the op runs
    (and are all the result for an empty input, which the op never sees), so unlike the
    op's other parameters it is checked here as well as in C++."""
    if isinstance(bins, (str, bytes)) or (
        not isinstance(bins, (int, np.integer)) and hasattr(bins, "__len__")
    ):
        raise _core.InvalidArgumentError(
            f"bins: {bins!r} is not an integer; medkern supports uniform bins only "
            "(give their number and `range`)"
        )
    n = ar.as_int(bins, "bins")
    if not 1 <= n <= _core.max_histogram_bins:
        raise _core.InvalidArgumentError(f"bins: {n} is outside 1..{_core.max_histogram_bins}")
    return n


def _range_pair(value: Any) -> Tuple[float, float]:
    """`range` as (lo, hi); C++ checks that they are finite and ordered."""
    try:
        lo_raw, hi_raw = value
    except (TypeError, ValueError):
        raise _core.InvalidArgumentError(
            f"range: {value!r} is not a pair (lo, hi)"
        ) from None
    return ar.as_float(lo_raw, "range"), ar.as_float(hi_raw, "range")


def _numel(x: Any) -> int:
    size = x.size
    return int(size() if callable(size) else size)  # torch's size is a method


def _auto_range(a: ar.Operand, mask: Optional[ar.Operand]) -> Tuple[float, float]:
    values = a.array if mask is None else a.array[mask.array != 0]
    if _numel(values) == 0:
        return 0.0, 1.0  # numpy's choice for an empty array
    lo, hi = float(values.min()), float(values.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _core.InvalidArgumentError(
            f"range: autodetected range of [{lo}, {hi}] is not finite (a holds NaN or "
            "infinity); pass range=(lo, hi)"
        )
    return lo, hi


# bins defaults to numpy.histogram's 10, not to the C++ struct's 256 (skimage's nbins).
def histogram(
    a: ArrayLike,
    bins: int = 10,
    range: Optional[Tuple[float, float]] = None,  # noqa: A002 (numpy's name)
    mask: Optional[ArrayLike] = None,
    *,
    device: Device = None,
) -> Any:
    """Histogram of `a` with uniform bins, as ``numpy.histogram``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides (views are not copied).
    bins : int
        Number of equal-width bins, 1 to 65536. Explicit bin edges are not supported.
    range : (float, float), optional
        Lower and upper edge of the bins, ``lo <= hi``, both finite. ``lo == hi`` widens
        to ``(lo - 0.5, hi + 0.5)`` as numpy does. Default: the minimum and maximum of
        the (masked) data, and ``(0, 1)`` when there is none.
    mask : array, uint8 or bool, same shape as `a`, optional
        Only voxels where the mask is non-zero are counted.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run. None: the GPU that holds the arrays, else GPU 0 if there is one,
        else the CPU. 'cpu' on a GPU array copies it to the host.

    Returns
    -------
    counts : array of uint64, shape (bins,)
        numpy for host input (wherever it ran), CuPy / PyTorch on the input's device for
        GPU input.

    Notes
    -----
    The result equals ``numpy.histogram(a[mask != 0], bins, range=(lo, hi))[0]`` with
    `lo`, `hi` Python floats: voxel ``v`` is in bin ``i`` when
    ``edge[i] <= v < edge[i + 1]``, the last bin also takes ``v == hi``, and the edges are
    ``lo + i * (hi - lo) / bins`` computed in double and, for float32 input, rounded to
    float32 as numpy does. So a float32 value equal to ``float32(hi)`` is counted even
    when it exceeds `hi` in double (e.g. ``range=(0, 0.3)``). Values outside the range
    and NaN are not counted.

    Without `range`, the range is the minimum and maximum of the (masked) data, as in
    numpy, which for float32 data then builds the edges in float32 arithmetic; medkern does
    the same, so ``histogram(a, bins)`` equals ``numpy.histogram(a, bins)[0]``. NaN in the
    data with no `range` is an error, as in numpy.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        `a` or `mask` has an unsupported dtype (never converted).
    ValueError (InvalidArgumentError, ShapeMismatchError)
        `bins` outside 1..65536, `range` not finite or ``lo > hi``, more than 3
        dimensions, `mask` of another shape.
    """
    nbins = _bin_count(bins)
    lo_hi = None if range is None else _range_pair(range)
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    op_mask = mask_operand(mask)
    if op_mask is not None:
        ar.require_same_shape(op_a, op_mask)
    p = ar.plan([op_a, op_mask], device)
    lo, hi = lo_hi if lo_hi is not None else _auto_range(op_a, op_mask)
    # numpy's automatic range on float32 data is two float32 scalars, and its edges come
    # out of float32 arithmetic; a given range is Python floats, edges in double.
    float32_range = lo_hi is None and op_a.dtype == "float32"
    if op_a.size == 0:
        return ar.zeros((nbins,), "uint64", p)
    counts = ar.empty((nbins,), "uint64", p)
    ar.run(
        p,
        _core.histogram,
        ar.descriptor(op_a),
        None if op_mask is None else ar.descriptor(op_mask),
        ar.output_descriptor(counts, "uint64", p.out_device),
        host_arrays=[op_a.array, None if op_mask is None else op_mask.array, counts],
        bins=nbins,
        lo=lo,
        hi=hi,
        float32_range=float32_range,
    )
    return counts


@dataclass(frozen=True)
class LabelStats:
    """Statistics of one label of :func:`label_statistics`.

    Index tuples (`bbox_min`, `bbox_max`, `centroid_mm`) have one entry per axis of the
    input, slowest axis first (z, y, x for a volume; y, x for an image).
    """

    label: int
    count: int  #: voxels with this label
    sum: float
    mean: float
    std: float  #: population standard deviation (ddof=0), as scipy.ndimage
    min: float
    max: float
    bbox_min: Tuple[int, ...]  #: first voxel index on each axis (inclusive)
    bbox_max: Tuple[int, ...]  #: last voxel index on each axis (inclusive)
    centroid_mm: Tuple[float, ...]  #: mean voxel index times the spacing, in mm

    @property
    def slices(self) -> Tuple[slice, ...]:
        """The bounding box as slices, like ``scipy.ndimage.find_objects``."""
        return tuple(slice(lo, hi + 1) for lo, hi in zip(self.bbox_min, self.bbox_max))


def label_statistics(
    a: ArrayLike,
    labels: ArrayLike,
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    *,
    include_background: bool = defaults("label_statistics", "include_background"),
    device: Device = None,
) -> List[LabelStats]:
    """Per-label statistics, as ``scipy.ndimage``'s measurements (and ITK's
    ``LabelStatisticsImageFilter``).

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        Intensities: numpy array, CuPy array or PyTorch tensor; any strides.
    labels : array, int32 or uint8, same shape as `a`
        Label image; 0 is background; values from 0 to 16777215.
    spacing : float or sequence of float
        Voxel size in mm, slowest axis first: one value (isotropic), one per axis of `a`,
        or 3. Only the centroid uses it.
    include_background : bool
        Report label 0 too.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    list of LabelStats
        One record per label present, in increasing label order, matching
        ``scipy.ndimage.sum / mean / standard_deviation / minimum / maximum`` (std with
        ddof=0), ``find_objects`` (as inclusive `bbox_min` / `bbox_max`) and
        ``center_of_mass`` of the label's voxels times `spacing` (`centroid_mm`).

    Notes
    -----
    Sums of integer inputs are exact (64-bit integers), so CPU and GPU agree bit for bit;
    float32 inputs are summed in double (on the GPU by atomics, so their last bits can
    differ between runs and from the CPU, within 1e-9 relative). An empty input gives an
    empty list.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a` or `labels`.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        Shapes differ, a label is negative or above 16777215, bad `spacing`, more than 3
        dimensions.
    """
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    op_labels = ar.as_operand(labels, "labels", ar.LABEL_DTYPES)
    ar.require_same_shape(op_a, op_labels)
    ndim = len(op_a.shape)
    sp = spacing3(spacing, ndim)
    if op_a.size == 0:
        return []
    p = ar.plan([op_a, op_labels], device)
    soa = ar.run(
        p,
        _core.label_statistics,
        ar.descriptor(op_a, sp),
        ar.descriptor(op_labels),
        host_arrays=[op_a.array, op_labels.array],
        include_background=include_background,
    )
    return _records(soa, ndim)


def _records(soa: Dict[str, Any], ndim: int) -> List[LabelStats]:
    axes = slice(3 - ndim, 3)
    columns = [
        soa["label"].tolist(),
        soa["count"].tolist(),
        soa["sum"].tolist(),
        soa["mean"].tolist(),
        soa["std"].tolist(),
        soa["min"].tolist(),
        soa["max"].tolist(),
        [tuple(r) for r in soa["bbox_min"][:, axes].tolist()],
        [tuple(r) for r in soa["bbox_max"][:, axes].tolist()],
        [tuple(r) for r in soa["centroid_mm"][:, axes].tolist()],
    ]
    return [LabelStats(*row) for row in zip(*columns)]
