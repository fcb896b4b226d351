"""Segmentation: thresholds, Otsu's threshold, connected components, region growing,
watershed and regional minima."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike
from ._common import Device, defaults, labels_and_count, mask_operand, seed_list

__all__ = [
    "confidence_connected",
    "connected_threshold",
    "label_components",
    "otsu_threshold",
    "regional_minima",
    "threshold",
    "watershed",
]


# lo and hi are required, unlike the C++ struct's fields (0, 0): a band has no natural default.
def threshold(
    a: ArrayLike,
    lo: float,
    hi: float,
    inside: int = defaults("threshold", "inside"),
    outside: int = defaults("threshold", "outside"),
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
        host_arrays=[op_a.array, out],
        lo=lo,
        hi=hi,
        inside=inside,
        outside=outside,
    )
    return out


def otsu_threshold(
    a: ArrayLike,
    bins: int = defaults("otsu_threshold", "bins"),
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
    op_a = ar.as_operand(a, "a", ar.INTENSITY_DTYPES)
    op_mask = mask_operand(mask)
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
        host_arrays=[op_a.array, None if op_mask is None else op_mask.array],
        bins=bins,
    )
    return float(result)


# Masks (uint8, bool) and label images whose equal values connect (int16, uint16, int32).
_COMPONENT_DTYPES = ("uint8", "int16", "uint16", "int32")


def label_components(
    mask: ArrayLike,
    connectivity: int = defaults("label_components", "connectivity"),
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
    op_image = ar.as_operand(mask, "mask", _COMPONENT_DTYPES, bool_as_uint8=True)
    return labels_and_count(_core.label_components, op_image, device, connectivity=connectivity)


# lo and hi are required, as threshold's are.
def connected_threshold(
    volume: ArrayLike,
    seeds: Sequence[Sequence[int]],
    lo: float,
    hi: float,
    connectivity: int = defaults("connected_threshold", "connectivity"),
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
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    seed_indices = seed_list(seeds, len(op_v.shape))
    p = ar.plan([op_v], device)
    out = ar.empty(op_v.shape, "uint8", p)
    ar.run(
        p,
        _core.connected_threshold,
        ar.descriptor(op_v),
        seed_indices,
        ar.output_descriptor(out, "uint8", p.out_device),
        host_arrays=[op_v.array, out],
        lo=lo,
        hi=hi,
        connectivity=connectivity,
    )
    return out


def confidence_connected(
    volume: ArrayLike,
    seeds: Sequence[Sequence[int]],
    multiplier: float = defaults("confidence_connected", "multiplier"),
    iterations: int = defaults("confidence_connected", "iterations"),
    initial_radius: int = defaults("confidence_connected", "initial_radius"),
    connectivity: int = defaults("confidence_connected", "connectivity"),
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
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    seed_indices = seed_list(seeds, len(op_v.shape))
    p = ar.plan([op_v], device)
    out = ar.empty(op_v.shape, "uint8", p)
    stats = ar.run(
        p,
        _core.confidence_connected,
        ar.descriptor(op_v),
        seed_indices,
        ar.output_descriptor(out, "uint8", p.out_device),
        host_arrays=[op_v.array, out],
        multiplier=multiplier,
        iterations=iterations,
        initial_radius=initial_radius,
        connectivity=connectivity,
    )
    if return_stats:
        return out, dict(stats)
    return out


def watershed(
    elevation: ArrayLike,
    markers: ArrayLike,
    mask: Optional[ArrayLike] = None,
    connectivity: int = defaults("watershed", "connectivity"),
    watershed_line: bool = defaults("watershed", "watershed_line"),
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
    op_e = ar.as_operand(elevation, "elevation", ar.INTENSITY_DTYPES)
    op_k = ar.as_operand(markers, "markers", ("int32",))
    ar.require_same_shape(op_e, op_k)
    op_mask = mask_operand(mask)
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
        host_arrays=[op_e.array, op_k.array, None if op_mask is None else op_mask.array, out],
        connectivity=connectivity,
        watershed_line=watershed_line,
    )
    return out


def regional_minima(
    volume: ArrayLike,
    connectivity: int = defaults("regional_minima", "connectivity"),
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
    op_v = ar.as_operand(volume, "volume", ar.INTENSITY_DTYPES)
    return labels_and_count(_core.regional_minima, op_v, device, connectivity=connectivity)
