"""The ops: array adaptation around the ``_core`` calls, and the user-facing documentation."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike

__all__ = [
    "CalciumLesion",
    "CalciumScore",
    "CalciumTotals",
    "LabelStats",
    "calcium_score",
    "anisotropic_diffusion",
    "canny",
    "confidence_connected",
    "connected_threshold",
    "gaussian",
    "gradient_magnitude",
    "histogram",
    "label_components",
    "label_statistics",
    "median",
    "otsu_threshold",
    "regional_minima",
    "sobel",
    "threshold",
    "watershed",
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


def _per_axis(value: Any, ndim: int, name: str, pad: float) -> List[float]:
    """Three values, slowest axis first, from a number or one per axis (ndim or 3 values);
    missing leading axes get `pad`."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return [float(value)] * 3
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


def _check_spacing(spacing: Any, ndim: int) -> Tuple[float, float, float]:
    values = _per_axis(spacing, ndim, "spacing", 1.0)
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


def _labels_and_count(core_op, operand, connectivity: int, device: Device) -> Tuple[Any, int]:
    """Runs an op that writes int32 labels of the operand's shape and returns their count."""
    p = ar.plan([operand], device)
    out = ar.empty(operand.shape, "int32", p)
    if operand.size == 0:
        return out, 0
    count = ar.run(
        p,
        core_op,
        ar.descriptor(operand),
        ar.output_descriptor(out, "int32", p.out_device),
        connectivity,
        host_arrays=[operand.array, out],
    )
    return out, int(count)


def label_components(
    mask: ArrayLike,
    connectivity: int = 26,
    *,
    device: Device = None,
) -> Tuple[Any, int]:
    """Connected components of a mask (``scipy.ndimage.label``) or of a label image
    (``skimage.measure.label(mask, background=0)``).

    Parameters
    ----------
    mask : array, bool, uint8, int16, uint16 or int32, 2-D or 3-D
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
    labels : array of int32, the shape of `mask`
        0 for background, components numbered 1..count in the raster (C) order of their
        first voxel. Same kind of array (numpy, CuPy, PyTorch) and device as `mask`;
        C-contiguous.
    count : int
        The number of components.

    Notes
    -----
    Reference for masks: ``scipy.ndimage.label(mask != 0, structure)`` with ``structure``
    = ``generate_binary_structure(3, 1)``, ``(3, 2)``, ``(3, 3)`` for 6, 18, 26, and for 4,
    8 a 3x3x3 structure holding ``generate_binary_structure(2, 1)`` or ``(2, 2)`` in its
    middle z-plane only. For label images: ``skimage.measure.label(mask, background=0,
    connectivity=1 | 2 | 3)`` for 6 | 18 | 26 (skimage numbers components in the same
    raster order of their first voxel); for 4 | 8, skimage's connectivity 1 | 2 on each
    slice, renumbered across the slices in raster order. Labels and count are identical to
    the reference, voxel for voxel, on the CPU and on the GPU.

    A 2-D array is one slice, so 4 and 8 are its usual 2-D connectivities
    (``scipy.ndimage.label(mask, generate_binary_structure(2, 1 | 2))``); 6, 18 and 26
    still act as 3-D neighbourhoods of that one slice, which makes 6 the same as 4 and 18
    and 26 the same as 8 there.

    An empty or all-background array gives count 0 and all-zero labels; an all-foreground
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
    op_image = ar.as_operand(mask, "mask", _COMPONENT_DTYPES, bool_as_uint8=True)
    return _labels_and_count(_core.label_components, op_image, conn, device)


def _seed_list(seeds: Sequence[Sequence[int]], ndim: int) -> List[Tuple[int, ...]]:
    """Seeds as (z, y, x) tuples, a 2-D array's (y, x) padded with z = 0."""
    seed_list = []
    for k, seed in enumerate(seeds):
        index = [ar.as_int(v, f"seeds[{k}]") for v in seed]
        if len(index) != ndim:
            raise _core.InvalidArgumentError(
                f"seeds[{k}]: {tuple(index)} has {len(index)} indices for a {ndim}-D array")
        seed_list.append(tuple([0] * (3 - ndim) + index))
    if not seed_list:
        raise _core.InvalidArgumentError("seeds: none given")
    return seed_list


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
    seed_list = _seed_list(seeds, len(op_v.shape))
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


_WATERSHED_CONNECTIVITIES = (6, 18, 26)


def _check_watershed_connectivity(connectivity: Any) -> int:
    value = ar.as_int(connectivity, "connectivity")
    if value not in _WATERSHED_CONNECTIVITIES:
        raise _core.InvalidArgumentError(f"connectivity: {value} is not one of 6, 18, 26")
    return value


def watershed(
    elevation: ArrayLike,
    markers: ArrayLike,
    mask: Optional[ArrayLike] = None,
    connectivity: int = 6,
    watershed_line: bool = False,
    *,
    device: Device = None,
) -> Any:
    """Marker-controlled watershed, as ``skimage.segmentation.watershed``.

    Parameters
    ----------
    elevation : array, float32, int16 or uint16, 1-D to 3-D
        The relief to flood (often a gradient magnitude). NaN voxels are never flooded.
    markers : array, int32, same shape
        Seeds: every non-zero value floods as that label. Markers outside `mask` are
        dropped, as in scikit-image.
    mask : array, uint8 or bool, same shape, optional
        Only its non-zero voxels are flooded; the others get 0.
    connectivity : {6, 18, 26}
        Voxels sharing a face; a face or an edge; a face, an edge or a corner
        (scikit-image's 1, 2, 3).
    watershed_line : bool
        Leave one-voxel lines of 0 between the basins. This flood follows scikit-image's
        queue order exactly and runs on the CPU, also for GPU arrays (copied there and
        back).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    labels : array of int32, the shape of `elevation`
        Each voxel's basin (the label of the marker whose flood reached it), 0 where no
        marker reaches or outside `mask`. Same kind of array and device as `elevation`.

    Notes
    -----
    Where all elevations differ, the result equals scikit-image's voxel for voxel, on the
    CPU and the GPU. On plateaus both follow one fixed rule: a voxel joins the basin that
    reaches it over the lowest pass, then the one whose entry into the voxel's flood level
    is fewest steps away, then the one whose entry came from the lower voxel the flood
    reached first (two levels of that history), then that of its first neighbour in raster
    order. scikit-image breaks such ties by queue order instead; the two agree on nearly all
    voxels (at 20 grey levels typically 99.8-99.9 %, at 10 levels about 99 %).

    Examples
    --------
    >>> import numpy as np, medkern
    >>> relief = np.array([[0, 1, 2, 3, 2, 1, 0]], dtype=np.float32)
    >>> seeds = np.array([[1, 0, 0, 0, 0, 0, 2]], dtype=np.int32)
    >>> medkern.watershed(relief, seeds, device="cpu")
    array([[1, 1, 1, 1, 2, 2, 2]], dtype=int32)
    """
    conn = _check_watershed_connectivity(connectivity)
    op_e = ar.as_operand(elevation, "elevation", ar.INTENSITY_DTYPES)
    op_k = ar.as_operand(markers, "markers", ("int32",))
    ar.require_same_shape(op_e, op_k)
    op_mask = _mask_operand(mask)
    if op_mask is not None:
        ar.require_same_shape(op_e, op_mask)
    p = ar.plan([op_e, op_k, op_mask], device)
    out = ar.empty(op_e.shape, "int32", p)
    if op_e.size == 0:
        return out
    ar.run(
        p,
        _core.watershed,
        ar.descriptor(op_e),
        ar.descriptor(op_k),
        None if op_mask is None else ar.descriptor(op_mask),
        ar.output_descriptor(out, "int32", p.out_device),
        conn,
        bool(watershed_line),
        host_arrays=[op_e.array, op_k.array, None if op_mask is None else op_mask.array, out],
    )
    return out


def regional_minima(
    volume: ArrayLike,
    connectivity: int = 26,
    *,
    device: Device = None,
) -> Tuple[Any, int]:
    """Labelled regional minima: the markers of a marker-free watershed.

    Parameters
    ----------
    volume : array, float32, int16 or uint16, 1-D to 3-D
    connectivity : {6, 18, 26}
        As :func:`watershed`; it decides both which voxels are neighbours and how plateaus
        connect.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}

    Returns
    -------
    labels : array of int32
        Each connected plateau of equal value whose every neighbour is higher, numbered
        1..count in raster order of its first voxel; 0 elsewhere. Equals
        ``scipy.ndimage.label(skimage.morphology.local_minima(volume, connectivity=c),
        generate_binary_structure(3, c))`` for c = 1, 2, 3; plateaus on the border count.
        NaN voxels are never minima and are no one's neighbour.
    count : int

    Examples
    --------
    >>> import numpy as np, medkern
    >>> medkern.regional_minima(np.array([3, 1, 2, 0, 0, 5], dtype=np.int16), device="cpu")
    (array([0, 1, 0, 2, 2, 0], dtype=int32), 2)
    """
    conn = _check_watershed_connectivity(connectivity)
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    return _labels_and_count(_core.regional_minima, op_v, conn, device)


# ---------------------------------------------------------------------------- confidence_connected

_INT32_MAX = 2**31 - 1


def _int_in(value: Any, name: str, lo: int, hi: int) -> int:
    """`value` as an int in lo..hi, else an InvalidArgumentError naming it."""
    number = ar.as_int(value, name)
    if not lo <= number <= hi:
        raise _core.InvalidArgumentError(f"{name}: {number} is outside {lo}..{hi}")
    return number


def confidence_connected(
    volume: ArrayLike,
    seeds: Sequence[Sequence[int]],
    multiplier: float = 2.5,
    iterations: int = 4,
    initial_radius: int = 1,
    connectivity: int = 26,
    *,
    device: Device = None,
    return_stats: bool = False,
) -> Any:
    """Region growing with a band estimated from the data, as ITK ConfidenceConnected.

    Parameters
    ----------
    volume : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides.
    seeds : sequence of (z, y, x)
        Voxel indices (for a 2-D array, (y, x)). A seed outside the array is an error.
        A seed given twice counts twice in the statistics, as in ITK.
    multiplier : float
        Half-width of the band in standard deviations; finite and >= 0.
    iterations : int
        How many times the band is re-estimated from the grown region; >= 0.
    initial_radius : int
        Half-width of the cube around each seed for the first estimate, 0 to 64; 0 uses
        the seeds' values alone.
    connectivity : {6, 18, 26, 4, 8}
        As :func:`label_components`. ITK floods face-connected: use 6 for ITK's result.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
    return_stats : bool
        Also return the last estimate (ITK's ``GetMean()``, ``GetVariance()``).

    Returns
    -------
    uint8 array, 1 on the grown region, else 0 (numpy for host input, CuPy / PyTorch on the
    input's device for GPU input). With ``return_stats``, ``(mask, stats)`` where
    ``stats`` is a dict: ``mean``, ``variance`` (the last estimate), ``lower``, ``upper``
    (the band of the final flood, as values of the dtype) and ``iterations`` (estimates from
    the region that were made; fewer than asked when it stopped early).

    Notes
    -----
    Reference: ``itk.ConfidenceConnectedImageFilter`` (ITK 5.4) with replace value 1, i.e.
    ``SimpleITK.ConfidenceConnected(image, seeds (x, y, z), numberOfIterations, multiplier,
    initialNeighborhoodRadius, replaceValue=1)``; equal voxel for voxel with
    ``connectivity=6``.

    1. Mean and variance (denominator n - 1) of the (2r+1)^3 cubes around the seeds, the
       volume's edge voxels repeated beyond its faces (ITK's ZeroFluxNeumann boundary):
       the mean is the average of the cubes' means, the variance pools all their values.
       With ``initial_radius=0``, of the seeds' values alone.
    2. Band ``mean -+ multiplier * sqrt(variance)``, widened to hold every seed's value,
       clamped to the dtype's range and cast to the dtype as ITK does (integers truncate
       toward zero, float32 rounds to nearest).
    3. The voxels connected to a seed through voxels inside the band (inclusive).
    4. ``iterations`` times: mean and variance over the region, a new band, a new flood;
       it stops early when the variance is 0 (``|variance| <= 0.1 * DBL_EPSILON``, ITK's
       ``AlmostEquals``) or the band no longer changes.

    Where the variance is undefined (``initial_radius=0`` with one seed, or a region of one
    voxel) ITK's band is NaN: float32 input then gives an all-zero mask, and integer input
    the band [0, 0] (what ITK's cast of NaN yields on x86-64); medkern reproduces both.
    NaN voxels are never inside the band; a NaN within a seed's cube gives an all-zero
    mask, as in ITK.

    int16 / uint16 sums are exact (64-bit integers), so the band is ITK's bit for bit.
    float32 sums are in double in a fixed order, the same on the CPU and the GPU, so both
    give the same mask; ITK sums in flood order, so a float32 voxel within rounding of a
    band edge could differ from ITK.

    Raises
    ------
    ValueError (InvalidArgumentError)
        No seeds or a seed outside the array; a multiplier that is negative, NaN or
        infinite; iterations < 0; initial_radius outside 0..64; a bad connectivity.
    TypeError (UnsupportedDTypeError)
        A dtype other than int16, uint16, float32.

    Examples
    --------
    >>> import numpy as np, medkern
    >>> v = np.zeros((5, 5, 5), np.int16); v[1:4, 1:4, 1:4] = 100
    >>> int(medkern.confidence_connected(v, [(2, 2, 2)], device="cpu").sum())
    27
    """
    conn = _check_connectivity(connectivity)
    mult = ar.as_float(multiplier, "multiplier")
    if not (math.isfinite(mult) and mult >= 0.0):
        raise _core.InvalidArgumentError(f"multiplier: {mult} must be finite and >= 0")
    n_iter = _int_in(iterations, "iterations", 0, _INT32_MAX)
    radius = _int_in(initial_radius, "initial_radius", 0, 64)
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    seed_list = _seed_list(seeds, len(op_v.shape))
    p = ar.plan([op_v], device)
    out = ar.empty(op_v.shape, "uint8", p)
    stats = ar.run(
        p,
        _core.confidence_connected,
        ar.descriptor(op_v),
        seed_list,
        ar.output_descriptor(out, "uint8", p.out_device),
        mult,
        n_iter,
        radius,
        conn,
        host_arrays=[op_v.array, out],
    )
    if return_stats:
        return out, dict(stats)
    return out


# ---------------------------------------------------------------------------- noise reduction

_MAX_MEDIAN_RADIUS = 3


def _check_radius(radius: Any, ndim: int) -> Tuple[int, int, int]:
    if isinstance(radius, (int, np.integer)) and not isinstance(radius, (bool, np.bool_)):
        r = int(radius)
        if not 1 <= r <= _MAX_MEDIAN_RADIUS:
            raise _core.InvalidArgumentError(
                f"radius: {r} is outside 1..{_MAX_MEDIAN_RADIUS}")
        values = [0] * (3 - ndim) + [r] * ndim  # axes the array does not have: no window
    else:
        try:
            values = [ar.as_int(v, "radius") for v in radius]
        except TypeError:
            raise _core.InvalidArgumentError(
                f"radius: {radius!r} is neither an integer nor a sequence") from None
        if len(values) != 3 and len(values) != ndim:
            raise _core.InvalidArgumentError(
                f"radius: has {len(values)} values for a {ndim}-D array (give {ndim} or 3)")
        values = [0] * (3 - len(values)) + values
        if any(not 0 <= v <= _MAX_MEDIAN_RADIUS for v in values) or not any(values):
            raise _core.InvalidArgumentError(
                f"radius: {tuple(values)} must be 0..{_MAX_MEDIAN_RADIUS} on each axis and not "
                "all 0")
    return values[0], values[1], values[2]


def median(
    a: ArrayLike,
    radius: Union[int, Sequence[int]] = 1,
    *,
    device: Device = None,
) -> Any:
    """Median filter, as ``scipy.ndimage.median_filter(a, size=2 * radius + 1,
    mode='nearest')``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides (views are not copied).
    radius : int or sequence of int
        Half-width of the window: one number, 1 to 3, for every axis of `a`; or one per
        axis (or 3), each 0 to 3 and not all 0. The window is ``2 * r + 1`` voxels along an
        axis; 0 leaves an axis out (``(0, 1, 1)`` filters each z-slice on its own).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    out : array of the dtype and shape of `a`
        numpy for host input, CuPy / PyTorch on the input's device for GPU input.

    Notes
    -----
    Equal voxel for voxel to ``scipy.ndimage.median_filter(a, size=tuple(2 * r + 1 for r
    in radius), mode='nearest')``: the window's values beyond the edges repeat the edge
    voxels. The selection is exact (no histogram binning): forgetful selection for windows
    of up to 27 values, bisection over the values' bits for larger ones on the GPU.

    NaN (float32): scipy's result depends on where the NaN are (its selection compares with
    ``<``). medkern sorts NaN above +inf, as ``numpy.sort`` does, so a window where more than
    half the values are NaN gives NaN and any other window the median of its values with the
    NaN counted as the largest. -0.0 sorts below +0.0.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a`.
    ValueError (InvalidArgumentError)
        A radius outside 0..3 (1..3 for one number), all 0, or of the wrong length; more
        than 3 dimensions.

    Examples
    --------
    >>> import numpy as np, medkern
    >>> medkern.median(np.array([5, -3, 9, 9, 1, 100, 2], np.int16), 1, device="cpu")
    array([5, 5, 9, 9, 9, 2, 2], dtype=int16)
    """
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    r = _check_radius(radius, len(op_a.shape))
    p = ar.plan([op_a], device)
    out = ar.empty(op_a.shape, op_a.dtype, p)
    if op_a.size == 0:
        return out
    ar.run(
        p,
        _core.median,
        ar.descriptor(op_a),
        ar.output_descriptor(out, op_a.dtype, p.out_device),
        r,
        host_arrays=[op_a.array, out],
    )
    return out


def anisotropic_diffusion(
    a: ArrayLike,
    iterations: int = 5,
    time_step: float = 0.0625,
    conductance: float = 1.0,
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    *,
    device: Device = None,
) -> Any:
    """Edge-preserving smoothing, as ITK's ``GradientAnisotropicDiffusionImageFilter``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides.
    iterations : int
        Number of steps, >= 0 (0 returns `a` as float32).
    time_step : float
        Step per iteration, > 0 and at most ITK's stable bound ``min(spacing) / 2**(3+1)``
        (0.0625 for 1 mm voxels). ITK only warns above it; medkern refuses.
    conductance : float
        > 0. Larger values smooth across stronger edges.
    spacing : float or sequence of float
        Voxel size in mm, slowest axis first: one value, one per axis of `a`, or 3. Missing
        leading axes are 1 mm (they count in the time-step bound, as in a 3-D ITK image).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    out : float32 array, the shape of `a`

    Notes
    -----
    Reference: ``SimpleITK.GradientAnisotropicDiffusion(image, timeStep, conductance,
    conductanceScalingUpdateInterval=1, numberOfIterations)`` on ``a`` cast to float32
    with the same spacing. Every iteration, ITK scales the conductance by the image's mean
    squared gradient magnitude (central differences divided by the spacing):
    ``K = -2 * conductance**2 * mean``; each voxel then moves by ``time_step`` times the sum
    over the axes of ``exp(g_f**2 / K) * forward difference - exp(g_b**2 / K) * backward
    difference`` (differences divided by the spacing, ``g`` the gradient magnitude at the
    face between the voxels). Edge voxels are repeated beyond the faces (ITK's
    ZeroFluxNeumann boundary), so the sum of the image is preserved. medkern follows ITK
    operation for operation (float differences, double the rest); the result agrees with
    SimpleITK to about 1e-5 of the data's range, and the CPU and GPU to float rounding.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a`.
    ValueError (InvalidArgumentError)
        iterations < 0; time_step not positive or above the stable bound; conductance not
        positive; bad spacing; NaN or infinity in `a` (with iterations > 0).
    """
    n_iter = _int_in(iterations, "iterations", 0, _INT32_MAX)
    dt = ar.as_float(time_step, "time_step")
    k = ar.as_float(conductance, "conductance")
    return _filter(a, "float32", spacing, device, _core.anisotropic_diffusion, n_iter, dt, k)


# ---------------------------------------------------------------------------- gaussian, edges


def _check_sigma(sigma_mm: Any, ndim: int) -> Tuple[float, float, float]:
    """One sigma (mm) for each of the 3 axes, from a number or one per axis (ndim or 3 values);
    axes that the array does not have (the leading ones of a 1-D or 2-D array) get 0."""
    values = _per_axis(sigma_mm, ndim, "sigma_mm", 0.0)
    for v in values:
        if not (math.isfinite(v) and v >= 0):
            raise _core.InvalidArgumentError(
                f"sigma_mm: {tuple(values)} must be finite and >= 0"
            )
    values = [0.0 if axis < 3 - ndim else v for axis, v in enumerate(values)]
    return values[0], values[1], values[2]


def _filter(
    a: ArrayLike,
    out_dtype: str,
    spacing: Any,
    device: Device,
    function: Any,
    *args: Any,
) -> Any:
    """Runs a neighbourhood filter of ``_core`` from `a` (int16, uint16, float32) into a new
    array of `out_dtype` and of the shape of `a`."""
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    sp = _check_spacing(spacing, len(op_a.shape))
    p = ar.plan([op_a], device)
    out = ar.empty(op_a.shape, out_dtype, p)
    if op_a.size == 0:
        return out
    ar.run(
        p,
        function,
        ar.descriptor(op_a, sp),
        ar.output_descriptor(out, out_dtype, p.out_device),
        *args,
        host_arrays=[op_a.array, out],
    )
    return out


def _ndim(a: ArrayLike) -> int:
    shape = getattr(a, "shape", None)
    return len(shape) if shape is not None else np.ndim(a)


def gaussian(
    a: ArrayLike,
    sigma_mm: Union[float, Sequence[float]],
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    truncate: float = 4.0,
    *,
    device: Device = None,
) -> Any:
    """Gaussian smoothing with sigma in millimetres, as ``scipy.ndimage.gaussian_filter``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
        numpy array, CuPy array or PyTorch tensor; any strides.
    sigma_mm : float or sequence of float
        Standard deviation in mm: one value for every axis, or one per axis (slowest
        first). 0 leaves an axis alone.
    spacing : float or sequence of float
        Voxel size in mm (one value, one per axis, or 3). sigma in voxels is
        ``sigma_mm / spacing``.
    truncate : float
        The kernel reaches ``int(truncate * sigma_voxels + 0.5)`` voxels on each side.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    out : array of float32, the shape of `a`

    Notes
    -----
    Equals ``scipy.ndimage.gaussian_filter(a.astype(np.float32), sigma=sigma_mm / spacing,
    mode='nearest', truncate=truncate)`` within 1e-5 of the largest magnitude (the same
    sampled, normalised weights; float32 sums, x then y then z). Edge voxels are repeated
    beyond the faces. The CPU and the GPU give the same values bit for bit.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Another dtype of `a`.
    ValueError (InvalidArgumentError)
        A negative, NaN or infinite sigma or truncate, a kernel radius above 100000 voxels,
        bad `spacing`, more than 3 dimensions.

    Examples
    --------
    >>> import numpy as np, medkern
    >>> impulse = np.zeros(9, np.float32); impulse[4] = 1
    >>> round(float(medkern.gaussian(impulse, 1.0, device="cpu").sum()), 6)
    1.0
    """
    ndim = _ndim(a)
    sigma = _check_sigma(sigma_mm, ndim)
    trunc = ar.as_float(truncate, "truncate")
    if not (math.isfinite(trunc) and trunc >= 0):
        raise _core.InvalidArgumentError(f"truncate: {trunc} must be finite and >= 0")
    return _filter(a, "float32", spacing, device, _core.gaussian, sigma, trunc)


def sobel(a: ArrayLike, axis: int = -1, *, device: Device = None) -> Any:
    """Sobel derivative along `axis`, as ``scipy.ndimage.sobel(a, axis, mode='nearest')``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
    axis : int
        The axis of the derivative (negative counts from the last).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}

    Returns
    -------
    out : array of float32, the shape of `a`
        The difference ``[-1, 0, 1]`` along `axis` smoothed by ``[1, 2, 1]`` along every
        other axis of `a` (not normalised, no spacing), edge voxels repeated: equals
        ``scipy.ndimage.sobel(a.astype(np.float32), axis, mode='nearest')`` within float32
        rounding (exactly for integer input).

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Another dtype of `a`.
    ValueError (InvalidArgumentError)
        `axis` out of range, more than 3 dimensions.
    """
    ndim = _ndim(a)
    ax = ar.as_int(axis, "axis")
    if not -ndim <= ax < ndim:
        raise _core.InvalidArgumentError(f"axis: {ax} is out of range for a {ndim}-D array")
    ax %= ndim
    return _filter(a, "float32", 1.0, device, _core.sobel, ax + 3 - ndim, max(ndim, 1))


_GRADIENT_METHODS = {"sobel": 0, "central": 1}


def gradient_magnitude(
    a: ArrayLike,
    method: str = "sobel",
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    use_spacing: bool = True,
    *,
    device: Device = None,
) -> Any:
    """Gradient magnitude, by Sobel (scipy) or central differences (ITK).

    Parameters
    ----------
    a : array, int16, uint16 or float32, 1-D to 3-D
    method : {'sobel', 'central'}
        'sobel': ``sqrt(sum_axis (sobel(a, axis) / spacing[axis]) ** 2)``; without
        `use_spacing` this is ``scipy.ndimage.generic_gradient_magnitude(a,
        scipy.ndimage.sobel)``. 'central': ``sqrt(sum_axis ((a[i+1] - a[i-1]) / (2 *
        spacing[axis])) ** 2)``, ITK's ``GradientMagnitudeImageFilter``
        (``SimpleITK.GradientMagnitude(image, useImageSpacing=use_spacing)``).
    spacing : float or sequence of float
        Voxel size in mm (one value, one per axis, or 3).
    use_spacing : bool
        Divide each axis's derivative by its spacing.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}

    Returns
    -------
    out : array of float32, the shape of `a`
        Over the axes of `a` only (a 2-D array is an image). Edge voxels are repeated beyond
        the faces (scipy's 'nearest', ITK's zero-flux Neumann). Within 1e-5 of the largest
        magnitude of scipy's (float64) and ITK's results.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Another dtype of `a`.
    ValueError (InvalidArgumentError)
        An unknown `method`, bad `spacing`, more than 3 dimensions.
    """
    if method not in _GRADIENT_METHODS:
        raise _core.InvalidArgumentError(
            f"method: {method!r} is not one of 'sobel', 'central'")
    ndim = max(_ndim(a), 1)
    return _filter(a, "float32", spacing, device, _core.gradient_magnitude,
                   _GRADIENT_METHODS[method], bool(use_spacing), ndim)


def canny(
    a: ArrayLike,
    sigma_mm: Union[float, Sequence[float]],
    low: float,
    high: float,
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    *,
    device: Device = None,
) -> Any:
    """Canny edges, as ITK's ``CannyEdgeDetectionImageFilter``.

    Parameters
    ----------
    a : array, int16, uint16 or float32, 2-D or 3-D
        An image or a volume (a 2-D array is an image, with 2-D neighbourhoods).
    sigma_mm : float or sequence of float
        Standard deviation of the smoothing in mm (ITK's variance is its square), one value
        or one per axis; 0 leaves an axis unsmoothed.
    low, high : float
        Hysteresis thresholds on the gradient magnitude (voxel units), ``low <= high``.
    spacing : float or sequence of float
        Voxel size in mm; only the smoothing uses it, as in ITK.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}

    Returns
    -------
    edges : array of uint8, the shape of `a`
        1 on the edges, 0 elsewhere.

    Notes
    -----
    ``SimpleITK.CannyEdgeDetection(image, low, high, variance=sigma_mm ** 2,
    maximumError=0.01)``: ITK's discrete Gaussian, then the voxels where the second
    derivative along the gradient crosses zero (ITK's non-maximum suppression), with
    strength the gradient magnitude, kept by hysteresis: strength > high, or > low and
    connected (26-connectivity; 8 in 2-D) to such a voxel. Float32 throughout; a voxel
    whose decision rests on the last bits of a float can differ from ITK, whose sums run in
    another order. The CPU and the GPU give the same edges. docs/ops.md has the formulas.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Another dtype of `a`.
    ValueError (InvalidArgumentError)
        A bad sigma, NaN or infinite thresholds, ``low > high``, a 1-D array.
    OverflowError (SizeOverflowError)
        2^31 voxels or more.
    """
    ndim = _ndim(a)
    if ndim not in (2, 3):
        raise _core.InvalidArgumentError(
            f"a: has {ndim} dimensions; canny takes a 2-D image or a 3-D volume")
    sigma = _check_sigma(sigma_mm, ndim)
    lo = ar.as_float(low, "low")
    hi = ar.as_float(high, "high")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _core.InvalidArgumentError(f"low, high: ({lo}, {hi}) must be finite")
    if lo > hi:
        raise _core.InvalidArgumentError(f"low: {lo} is greater than high: {hi}")
    return _filter(a, "uint8", spacing, device, _core.canny, sigma, lo, hi, ndim)


# ------------------------------------------------------------------------- calcium scoring


@dataclass(frozen=True)
class CalciumTotals:
    """Scores summed over a set of lesions (all of them, or one label's)."""

    agatston: float  #: Agatston score (normalised to 3 mm slices unless asked otherwise)
    volume_mm3: float  #: scored voxels times the voxel volume, in mm^3
    mass_mg: Optional[float]  #: calibration * mean HU * volume / 1000 per lesion; None without
    lesions: int  #: scored 2-D lesions


@dataclass(frozen=True)
class CalciumLesion:
    """One scored lesion: voxels >= threshold connected within one slice, of area >= the
    minimum."""

    slice: int  #: z index
    label: int  #: majority label of its voxels (ties: the smaller); 0 without labels
    voxels: int  #: its pixels
    area_mm2: float
    max_hu: int
    mean_hu: float
    weight: int  #: density weight 1..4 from max_hu
    score: float  #: its Agatston score: area * weight (* thickness / 3 when normalised)
    volume_mm3: float
    mass_mg: Optional[float]  #: None without calibration
    centroid_mm: Tuple[float, float, float]  #: (z, y, x): mean voxel index times spacing
    lesion_3d: int  #: 1-based index of its 3-D lesion


@dataclass(frozen=True)
class CalciumScore:
    """The result of :func:`calcium_score`."""

    agatston: float
    volume_mm3: float
    mass_mg: Optional[float]  #: None without calibration
    risk_category: str  #: '0', '1-10', '11-100', '101-400' or '>400'
    per_label: Dict[int, CalciumTotals]  #: labels that have lesions; {} without labels
    lesions: List[CalciumLesion]  #: raster order of their first voxel
    lesions_3d: int  #: 2-D lesions joined across consecutive scored slices
    slice_step: int  #: every slice_step-th slice was scored (1: all)
    voxel_volume_mm3: float  #: sy * sx * slice_step * sz

    def as_dict(self) -> Dict[str, Any]:
        """Plain Python values (what ``medkern calcium --json`` prints; JSON keys of
        `per_label` are strings there)."""
        return dataclasses.asdict(self)


def _mass(value: float, has_mass: bool) -> Optional[float]:
    return float(value) if has_mass else None


def _calcium_totals(d: Dict[str, Any], has_mass: bool) -> CalciumTotals:
    return CalciumTotals(
        float(d["agatston"]), float(d["volume_mm3"]), _mass(d["mass_mg"], has_mass),
        int(d["lesions"]),
    )


def calcium_score(
    ct: ArrayLike,
    spacing: Sequence[float],
    slice_thickness: Optional[float] = None,
    labels: Optional[ArrayLike] = None,
    threshold: float = 130,
    min_area_mm2: float = 1.0,
    connectivity: int = 8,
    normalize_thickness: bool = True,
    calibration: Optional[float] = None,
    *,
    device: Device = None,
) -> CalciumScore:
    """Coronary artery calcium scores: Agatston, volume and mass (Agatston et al., J Am Coll
    Cardiol 1990; McCollough et al., Radiology 2007; 243:527).

    Parameters
    ----------
    ct : array of int16, 3-D (z, y, x)
        CT in Hounsfield units: numpy array, CuPy array or PyTorch tensor; any strides.
    spacing : sequence of 3 floats
        Voxel size (z, y, x) in mm, each finite and > 0.
    slice_thickness : float, optional
        The reconstructed slice thickness in mm; None: the z spacing (contiguous slices).
        When the z spacing is smaller (overlapping slices), only slices 0, k, 2k, ... are
        scored, k = ceil(slice_thickness / z spacing), so that scored slices do not overlap.
    labels : array of uint8 or bool, the shape of `ct`, optional
        Where calcium is counted, and its artery: 0 not counted, 1 LM, 2 LAD, 3 LCX, 4 RCA,
        other values user-defined. A mask (bool, or one non-zero value) restricts scoring.
    threshold : float
        Voxels with HU >= threshold are calcium (> 0; 130 is Agatston's). The density
        weight's bands scale with it (threshold * 200/130, 300/130, 400/130: 200, 300, 400
        HU at 130).
    min_area_mm2 : float
        Lesions of smaller in-plane area are dropped (>= 0).
    connectivity : {8, 4}
        In-plane connectivity of a lesion's pixels (8: edges and corners; 4: edges).
    normalize_thickness : bool
        Multiply Agatston scores by slice_thickness / 3 mm.
    calibration : float, optional
        mg of calcium hydroxyapatite per cm^3 per HU, from a calibration phantom; without it
        ``mass_mg`` is None.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    CalciumScore
        ``agatston``, ``volume_mm3``, ``mass_mg``, ``risk_category``, ``per_label`` (label ->
        :class:`CalciumTotals`), ``lesions`` (:class:`CalciumLesion` records), ``lesions_3d``.

    Notes
    -----
    Lesions are the connected components of the voxels >= threshold (inside `labels`) of
    each scored slice. A lesion scores area (mm^2) times the density weight of its maximum
    HU (1: 130-199, 2: 200-299, 3: 300-399, 4: >= 400 at the default threshold); the
    Agatston score is their sum, times slice_thickness / 3 when normalised. Volume: voxels
    times ``voxel_volume_mm3`` (sy * sx * slice_step * sz). Mass: calibration * mean HU *
    volume (mm^3) / 1000 per lesion (mg/cm^3 times cm^3). A lesion over two labels goes to
    the label of most of its voxels, the smaller label on a tie. 3-D lesions: lesions on
    consecutive scored slices that share at least one (y, x) position are joined. The risk
    category is that of the unrounded total. docs/ops.md ("Calcium scoring") has every
    convention. CPU and GPU give identical results.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        `ct` not int16, `labels` not uint8 / bool.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        Not 3-D; bad spacing, thickness, threshold, area, connectivity or calibration;
        `labels` of another shape.
    """
    op_ct = ar.as_operand(ct, "ct", ("int16",))
    if len(op_ct.shape) != 3:
        raise _core.InvalidArgumentError(
            f"ct: has {len(op_ct.shape)} dimensions; calcium scoring takes a 3-D (z, y, x) volume"
        )
    op_labels = (
        None if labels is None
        else ar.as_operand(labels, "labels", ("uint8",), bool_as_uint8=True)
    )
    if op_labels is not None:
        ar.require_same_shape(op_ct, op_labels)
    try:
        n_spacing = len(spacing)
    except TypeError:
        raise _core.InvalidArgumentError(
            f"spacing: {spacing!r} is not a sequence of 3 values (z, y, x)"
        ) from None
    if n_spacing != 3:
        raise _core.InvalidArgumentError(
            f"spacing: has {n_spacing} values; give 3 (z, y, x) in mm"
        )
    sp = _check_spacing(spacing, 3)
    thickness = sp[0] if slice_thickness is None else ar.as_float(slice_thickness, "slice_thickness")
    conn = ar.as_int(connectivity, "connectivity")
    cal = None if calibration is None else ar.as_float(calibration, "calibration")
    if op_ct.size == 0:
        raise _core.InvalidArgumentError(f"ct: shape {op_ct.shape} is empty")
    p = ar.plan([op_ct, op_labels], device)
    result = ar.run(
        p,
        _core.calcium_score,
        ar.descriptor(op_ct, sp),
        None if op_labels is None else ar.descriptor(op_labels),
        thickness,
        ar.as_float(threshold, "threshold"),
        ar.as_float(min_area_mm2, "min_area_mm2"),
        conn,
        bool(normalize_thickness),
        cal,
        host_arrays=[op_ct.array, None if op_labels is None else op_labels.array],
    )
    has_mass = bool(result["has_mass"])
    les = result["lesions"]
    columns = [
        les["slice"].tolist(), les["label"].tolist(), les["voxels"].tolist(),
        les["area_mm2"].tolist(), les["max_hu"].tolist(), les["mean_hu"].tolist(),
        les["weight"].tolist(), les["score"].tolist(), les["volume_mm3"].tolist(),
        [m if has_mass else None for m in les["mass_mg"].tolist()],
        [tuple(c) for c in les["centroid_mm"].tolist()], les["lesion_3d"].tolist(),
    ]
    total = _calcium_totals(result["total"], has_mass)
    return CalciumScore(
        agatston=total.agatston,
        volume_mm3=total.volume_mm3,
        mass_mg=total.mass_mg,
        risk_category=str(result["risk_category"]),
        per_label={int(k): _calcium_totals(v, has_mass) for k, v in result["per_label"].items()},
        lesions=[CalciumLesion(*row) for row in zip(*columns)],
        lesions_3d=int(result["lesions_3d"]),
        slice_step=int(result["slice_step"]),
        voxel_volume_mm3=float(result["voxel_volume_mm3"]),
    )
