"""The ops: array adaptation around the ``_core`` calls, and the user-facing documentation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike

__all__ = [
    "LabelStats",
    "connected_threshold",
    "histogram",
    "label_components",
    "label_statistics",
    "otsu_threshold",
    "threshold",
]

Device = Union[None, str, int, Any]


def _check_bins(bins: Any, minimum: int) -> int:
    if isinstance(bins, (str, bytes)) or (
        not isinstance(bins, (int, np.integer)) and hasattr(bins, "__len__")
    ):
        raise _core.InvalidArgumentError(
            f"bins: {bins!r} is not an integer; medkern supports uniform bins only "
            "(give their number and `range`)"
        )
    n = ar.as_int(bins, "bins")
    if not minimum <= n <= _core.max_histogram_bins:
        raise _core.InvalidArgumentError(
            f"bins: {n} is outside {minimum}..{_core.max_histogram_bins}"
        )
    return n


def _check_range(value: Any) -> Tuple[float, float]:
    try:
        lo_raw, hi_raw = value
    except (TypeError, ValueError):
        raise _core.InvalidArgumentError(
            f"range: {value!r} is not a pair (lo, hi)"
        ) from None
    lo = ar.as_float(lo_raw, "range")
    hi = ar.as_float(hi_raw, "range")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _core.InvalidArgumentError(f"range: ({lo}, {hi}) is not finite")
    if lo > hi:
        raise _core.InvalidArgumentError(f"range: lo = {lo} is greater than hi = {hi}")
    return lo, hi


def _mask_operand(mask: Optional[ArrayLike]) -> Optional[ar.Operand]:
    if mask is None:
        return None
    return ar.as_operand(mask, "mask", ar.MASK_DTYPES, bool_as_uint8=True)


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
    the same, so ``histogram(a, bins)`` equals ``numpy.histogram(a, bins)[0]``. (A build
    whose core lacks float32 edge arithmetic, ``medkern._core.histogram_float32_range`` is
    False, builds them in double from those extremes instead, and a float32 value within
    one rounding of an interior edge can then land in the neighbouring bin.) NaN in the
    data with no `range` is an error, as in numpy.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        `a` or `mask` has an unsupported dtype (never converted).
    ValueError (InvalidArgumentError, ShapeMismatchError)
        `bins` outside 1..65536, `range` not finite or ``lo > hi``, more than 3
        dimensions, `mask` of another shape.
    """
    nbins = _check_bins(bins, 1)
    lo_hi = None if range is None else _check_range(range)
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    op_mask = _mask_operand(mask)
    if op_mask is not None:
        ar.require_same_shape(op_a, op_mask)
    p = ar.plan([op_a, op_mask], device)
    lo, hi = lo_hi if lo_hi is not None else _auto_range(op_a, op_mask)
    # numpy's automatic range on float32 data is two float32 scalars, and its edges come
    # out of float32 arithmetic; a given range is Python floats, edges in double.
    float32_range = (
        lo_hi is None and op_a.dtype == "float32" and bool(_core.histogram_float32_range)
    )
    if op_a.size == 0:
        return ar.zeros((nbins,), "uint64", p)
    counts = ar.empty((nbins,), "uint64", p)
    ar.run(
        p,
        _core.histogram,
        ar.descriptor(op_a),
        None if op_mask is None else ar.descriptor(op_mask),
        ar.output_descriptor(counts, "uint64", p.out_device),
        nbins,
        lo,
        hi,
        float32_range,
        host_arrays=[op_a.array, None if op_mask is None else op_mask.array, counts],
    )
    return counts


def threshold(
    a: ArrayLike,
    lo: float,
    hi: float,
    inside: int = 1,
    outside: int = 0,
    *,
    device: Device = None,
) -> Any:
    """Binary threshold with inclusive bounds, as ITK's ``BinaryThresholdImageFilter``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides.
    lo, hi : float
        Inclusive bounds, ``lo <= hi``, not NaN (infinities are allowed: an open bound).
    inside, outside : int
        Output values, 0 to 255.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    out : array of uint8, the shape of `a`
        ``inside`` where ``lo <= a <= hi``, else ``outside``: numpy for host input, CuPy /
        PyTorch on the input's device for GPU input.

    Notes
    -----
    The comparison is made in double precision, i.e. ``(a.astype(float64) >= lo) &
    (a.astype(float64) <= hi)``. This differs from numpy's ``a <= 0.3`` on a float32
    array, which (NEP 50) rounds 0.3 to float32 first: ``float32(0.3)`` is slightly above
    0.3 and so is outside ``[0, 0.3]`` here. NaN is always outside.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a`.
    ValueError (InvalidArgumentError)
        ``lo > hi``, a NaN bound, `inside` / `outside` outside 0..255, more than 3
        dimensions.
    """
    lo_f = ar.as_float(lo, "lo")
    hi_f = ar.as_float(hi, "hi")
    if math.isnan(lo_f) or math.isnan(hi_f):
        raise _core.InvalidArgumentError(f"lo, hi: ({lo_f}, {hi_f}) must not be NaN")
    if lo_f > hi_f:
        raise _core.InvalidArgumentError(f"lo: {lo_f} is greater than hi: {hi_f}")
    values = []
    for name, value in (("inside", inside), ("outside", outside)):
        v = ar.as_int(value, name)
        if not 0 <= v <= 255:
            raise _core.InvalidArgumentError(f"{name}: {v} does not fit in uint8 (0..255)")
        values.append(v)
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    p = ar.plan([op_a], device)
    out = ar.empty(op_a.shape, "uint8", p)
    if op_a.size == 0:
        return out
    ar.run(
        p,
        _core.threshold,
        ar.descriptor(op_a),
        ar.output_descriptor(out, "uint8", p.out_device),
        lo_f,
        hi_f,
        values[0],
        values[1],
        host_arrays=[op_a.array, out],
    )
    return out


def otsu_threshold(
    a: ArrayLike,
    bins: int = 256,
    mask: Optional[ArrayLike] = None,
    *,
    device: Device = None,
) -> float:
    """Otsu's threshold, as ``skimage.filters.threshold_otsu``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides.
    bins : int
        Histogram bins for float32 input, 2 to 65536. Integer input always uses one bin
        per integer value between its minimum and maximum, as scikit-image does.
    mask : array, uint8 or bool, same shape as `a`, optional
        Only voxels where the mask is non-zero take part.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    float
        ``skimage.filters.threshold_otsu(a[mask != 0], nbins=bins)``: the centre of the
        bin that maximises the between-class variance (an integer for integer input).

    Notes
    -----
    Constant data returns its value. NaN voxels are ignored (scikit-image would raise).
    For float32 input the histogram spans the data's minimum and maximum in float32
    arithmetic, as scikit-image's does.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a` or `mask`.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        `bins` outside 2..65536, no voxel left (empty, all masked out, or all NaN), more
        than 3 dimensions, `mask` of another shape.
    """
    nbins = _check_bins(bins, 2)
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    op_mask = _mask_operand(mask)
    if op_mask is not None:
        ar.require_same_shape(op_a, op_mask)
    if op_a.size == 0:
        raise _core.InvalidArgumentError("a: is empty; there is no voxel to threshold")
    p = ar.plan([op_a, op_mask], device)
    result = ar.run(
        p,
        _core.otsu_threshold,
        ar.descriptor(op_a),
        None if op_mask is None else ar.descriptor(op_mask),
        nbins,
        host_arrays=[op_a.array, None if op_mask is None else op_mask.array],
    )
    return float(result)


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


def _check_spacing(spacing: Any, ndim: int) -> Tuple[float, float, float]:
    if isinstance(spacing, (int, float, np.integer, np.floating)) and not isinstance(
        spacing, bool
    ):
        values = [float(spacing)] * 3
    else:
        try:
            values = [ar.as_float(s, "spacing") for s in spacing]
        except TypeError:
            raise _core.InvalidArgumentError(
                f"spacing: {spacing!r} is neither a number nor a sequence"
            ) from None
        if len(values) != 3 and len(values) != ndim:
            raise _core.InvalidArgumentError(
                f"spacing: has {len(values)} values for a {ndim}-D array (give {ndim} or 3)"
            )
        values = [1.0] * (3 - len(values)) + values
    for v in values:
        if not (math.isfinite(v) and v > 0):
            raise _core.InvalidArgumentError(
                f"spacing: {tuple(values)} must be finite and positive"
            )
    return values[0], values[1], values[2]


def label_statistics(
    a: ArrayLike,
    labels: ArrayLike,
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    *,
    include_background: bool = False,
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
    float32 inputs are summed in double. An empty input gives an empty list.

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
    sp = _check_spacing(spacing, ndim)
    if op_a.size == 0:
        return []
    p = ar.plan([op_a, op_labels], device)
    soa = ar.run(
        p,
        _core.label_statistics,
        ar.descriptor(op_a, sp),
        ar.descriptor(op_labels),
        bool(include_background),
        host_arrays=[op_a.array, op_labels.array],
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


_CONNECTIVITIES = (4, 6, 8, 18, 26)


# Masks (uint8, bool) and label images whose equal values connect (int16, uint16, int32).
_COMPONENT_DTYPES = ("uint8", "int16", "uint16", "int32")


def _check_connectivity(connectivity: Any) -> int:
    value = ar.as_int(connectivity, "connectivity")
    if value not in _CONNECTIVITIES:
        raise _core.InvalidArgumentError(
            f"connectivity: {value} is not one of 6, 18, 26 (3-D) or 4, 8 (per slice)")
    return value


def label_components(
    image: ArrayLike,
    connectivity: int = 26,
    *,
    device: Device = None,
) -> Tuple[Any, int]:
    """Connected components of a mask (``scipy.ndimage.label``) or of a label image
    (``skimage.measure.label(image, background=0)``).

    Parameters
    ----------
    image : array, bool, uint8, int16, uint16 or int32, 2-D or 3-D
        numpy array, CuPy array or PyTorch tensor; any strides (views are not copied). What
        connects depends on the dtype:

        - bool or uint8: a mask. Any non-zero voxel is foreground, and neighbouring
          foreground voxels connect whatever their values.
        - int16, uint16, int32: a label image. 0 is background and neighbouring voxels
          connect only when their values are equal, so touching regions of different
          values are different components.

        A 2-D image ``(ny, nx)`` is the volume ``(1, ny, nx)`` (a 1-D array ``(n,)`` is
        ``(1, 1, n)``).
    connectivity : {26, 18, 6, 8, 4}
        Which voxels touch. 6, 18, 26 (3-D): those sharing a face; a face or an edge; a
        face, an edge or a corner. 4, 8 (per slice): each z-slice is labelled on its own,
        with the in-plane neighbourhood (sharing an edge; an edge or a corner), as calcium
        scoring does slice by slice.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    labels : array of int32, the shape of `image`
        0 for background, components numbered 1..count in the raster (C) order of their
        first voxel. Same kind of array (numpy, CuPy, PyTorch) and device as `image`;
        C-contiguous.
    count : int
        The number of components.

    Notes
    -----
    Reference for masks: ``scipy.ndimage.label(image != 0, structure)`` with ``structure``
    = ``generate_binary_structure(3, 1)``, ``(3, 2)``, ``(3, 3)`` for 6, 18, 26, and for 4,
    8 a 3x3x3 structure holding ``generate_binary_structure(2, 1)`` or ``(2, 2)`` in its
    middle z-plane only. For label images: ``skimage.measure.label(image, background=0,
    connectivity=1 | 2 | 3)`` for 6 | 18 | 26 (skimage numbers components in the same
    raster order of their first voxel); for 4 | 8, skimage's connectivity 1 | 2 on each
    slice, renumbered across the slices in raster order. Labels and count are identical to
    the reference, voxel for voxel, on the CPU and on the GPU.

    A 2-D image is one slice, so 4 and 8 are its usual 2-D connectivities
    (``scipy.ndimage.label(image, generate_binary_structure(2, 1 | 2))``); 6, 18 and 26
    still act as 3-D neighbourhoods of that one slice, which makes 6 the same as 4 and 18
    and 26 the same as 8 there.

    An empty or all-background image gives count 0 and all-zero labels; an all-foreground
    mask (or a label image of a single value) gives one component (4 and 8: one per slice,
    numbered by slice).

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Another dtype (float32 among them; nothing is converted).
    ValueError (InvalidArgumentError)
        A connectivity other than 4, 6, 8, 18, 26; more than 3 dimensions.
    OverflowError (SizeOverflowError)
        2^31 voxels or more.

    Examples
    --------
    >>> import numpy as np, medkern
    >>> m = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0]], bool)
    >>> [medkern.label_components(m, c, device="cpu")[1] for c in (4, 8)]
    [2, 1]
    >>> regions = np.array([[5, 5, 7], [5, 7, 7]], np.int32)
    >>> medkern.label_components(regions, 8, device="cpu")[1]
    2
    """
    conn = _check_connectivity(connectivity)
    op_image = ar.as_operand(image, "image", _COMPONENT_DTYPES, bool_as_uint8=True)
    p = ar.plan([op_image], device)
    out = ar.empty(op_image.shape, "int32", p)
    if op_image.size == 0:
        return out, 0
    count = ar.run(
        p,
        _core.label_components,
        ar.descriptor(op_image),
        ar.output_descriptor(out, "int32", p.out_device),
        conn,
        host_arrays=[op_image.array, out],
    )
    return out, int(count)


def connected_threshold(
    volume: ArrayLike,
    seeds: Sequence[Sequence[int]],
    lo: float,
    hi: float,
    connectivity: int = 26,
    *,
    device: Device = None,
) -> Any:
    """Region growing from seeds through a band of values, as ITK ConnectedThreshold.

    Parameters
    ----------
    volume : array, int16, uint16 or float32, 1-D to 3-D
    seeds : sequence of (z, y, x)
        Voxel indices (for a 2-D array, (y, x)). A seed outside the array is an error; a
        seed whose value is outside [lo, hi] grows nothing.
    lo, hi : float
        Inclusive band, compared in double precision; lo <= hi.
    connectivity : {6, 18, 26, 4, 8}
        As :func:`label_components`. ITK's default is face connectivity (6); its
        ``FullyConnected`` is 26.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}

    Returns
    -------
    uint8 array, 1 on the voxels connected to a seed through voxels in [lo, hi], else 0:
    ``itk.ConnectedThresholdImageFilter`` with replace value 1.
    """
    conn = _check_connectivity(connectivity)
    lo_f = ar.as_float(lo, "lo")
    hi_f = ar.as_float(hi, "hi")
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    ndim = len(op_v.shape)
    seed_list = []
    for k, seed in enumerate(seeds):
        index = [ar.as_int(v, f"seeds[{k}]") for v in seed]
        if len(index) != ndim:
            raise _core.InvalidArgumentError(
                f"seeds[{k}]: {tuple(index)} has {len(index)} indices for a {ndim}-D array")
        seed_list.append(tuple([0] * (3 - ndim) + index))
    if not seed_list:
        raise _core.InvalidArgumentError("seeds: none given")
    p = ar.plan([op_v], device)
    out = ar.empty(op_v.shape, "uint8", p)
    ar.run(
        p,
        _core.connected_threshold,
        ar.descriptor(op_v),
        seed_list,
        ar.output_descriptor(out, "uint8", p.out_device),
        lo_f,
        hi_f,
        conn,
        host_arrays=[op_v.array, out],
    )
    return out
