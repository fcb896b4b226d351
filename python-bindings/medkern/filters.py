"""Filters: Gaussian smoothing, Sobel, gradient magnitude, Canny, median, anisotropic
diffusion."""

from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple, Union

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike
from ._common import Device, defaults, filter_op, ndim_of, sigma3

__all__ = [
    "anisotropic_diffusion",
    "canny",
    "gaussian",
    "gradient_magnitude",
    "median",
    "sobel",
]


# sigma_mm has no default, unlike the C++ struct's: scipy.ndimage.gaussian_filter requires it.
def gaussian(
    a: ArrayLike,
    sigma_mm: Union[float, Sequence[float]],
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    truncate: float = defaults("gaussian", "truncate"),
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
    mode='nearest', truncate=truncate)`` within 1e-5 of the largest magnitude: the same
    sampled weights, normalised in double and rounded to float32, and one pass per axis in
    scipy's order, z, then y, then x, each summing its taps in double and rounding to
    float32 (as scipy rounds its float32 output between axes). Edge voxels are repeated
    beyond the faces; NaN spreads over the kernel's reach, as in scipy.

    CPU and GPU: where any radius exceeds 8 voxels, the GPU sums as the CPU does and gives
    the same values bit for bit. Where every radius is at most 8 (sigma up to 2 voxels at
    truncate 4), the GPU sums each pass in float32 and agrees with the CPU within 3e-7 of
    the largest magnitude, not bit for bit (docs/ops.md).

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
    sigma = sigma3(sigma_mm, ndim_of(a))
    return filter_op(a, "float32", spacing, device, _core.gaussian, sigma_mm=sigma,
                     truncate=truncate)


# axis counts as numpy's do (-1 is the last axis of `a`), not as the C++ struct's (of the
# volume (z, y, x)): its default is numpy's.
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
    ndim = ndim_of(a)
    ax = ar.as_int(axis, "axis")
    if not -ndim <= ax < ndim:
        raise _core.InvalidArgumentError(f"axis: {ax} is out of range for a {ndim}-D array")
    ax %= ndim
    return filter_op(a, "float32", 1.0, device, _core.sobel, axis=ax + 3 - ndim,
                     ndim=max(ndim, 1))


_GRADIENT_METHODS: Dict[str, int] = dict(_core.gradient_methods)
_GRADIENT_METHOD_NAMES = {code: name for name, code in _GRADIENT_METHODS.items()}


def gradient_magnitude(
    a: ArrayLike,
    method: str = _GRADIENT_METHOD_NAMES[defaults("gradient_magnitude", "method")],
    spacing: Union[float, Sequence[float]] = (1.0, 1.0, 1.0),
    use_spacing: bool = defaults("gradient_magnitude", "use_spacing"),
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
            f"method: {method!r} is not one of {', '.join(map(repr, _GRADIENT_METHODS))}")
    return filter_op(a, "float32", spacing, device, _core.gradient_magnitude,
                     method=_GRADIENT_METHODS[method], use_spacing=use_spacing,
                     ndim=max(ndim_of(a), 1))


# sigma_mm, low and high are required, unlike the C++ struct's fields: what counts as an edge
# depends on the image's scale and contrast.
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
    # The C++ op's ndim is that of the array, which is why Python checks it.
    ndim = ndim_of(a)
    if ndim not in (2, 3):
        raise _core.InvalidArgumentError(
            f"a: has {ndim} dimensions; canny takes a 2-D image or a 3-D volume")
    return filter_op(a, "uint8", spacing, device, _core.canny, sigma_mm=sigma3(sigma_mm, ndim),
                     low=low, high=high, ndim=ndim)


def _radius3(radius: Any, ndim: int) -> Tuple[int, int, int]:
    """A radius for each of the 3 axes: a number for every axis of the array (0 on the axes
    it does not have), or one per axis (ndim or 3 values, missing leading axes 0)."""
    if isinstance(radius, (int, np.integer)) and not isinstance(radius, (bool, np.bool_)):
        values = [0] * (3 - ndim) + [int(radius)] * ndim
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
    return values[0], values[1], values[2]


# radius is a number by default, unlike the C++ struct's (1, 1, 1): a number applies to the
# axes that `a` has, so that an image is filtered in its plane, not with a window across its
# missing z axis.
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
    of up to 27 values; for larger ones bisection over the values' bits on the GPU and
    introselect on the CPU. The CPU and the GPU give the same values bit for bit.

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
    r = _radius3(radius, len(op_a.shape))
    p = ar.plan([op_a], device)
    out = ar.empty(op_a.shape, op_a.dtype, p)
    if op_a.size == 0:
        return out
    ar.run(
        p,
        _core.median,
        ar.descriptor(op_a),
        ar.output_descriptor(out, op_a.dtype, p.out_device),
        host_arrays=[op_a.array, out],
        radius=r,
    )
    return out


def anisotropic_diffusion(
    a: ArrayLike,
    iterations: int = defaults("anisotropic_diffusion", "iterations"),
    time_step: float = defaults("anisotropic_diffusion", "time_step"),
    conductance: float = defaults("anisotropic_diffusion", "conductance"),
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
        Voxel size in mm, slowest axis first: one value (for all three axes), one per axis
        of `a` (leading axes that `a` lacks are 1 mm), or 3. All three count in the
        time-step bound, as in a 3-D ITK image.
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
    SimpleITK to about 1e-5 of the data's range, and the CPU and the GPU within the same
    bound (their exp may differ in the last bit of a double).

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `a`.
    ValueError (InvalidArgumentError)
        iterations < 0; time_step not positive or above the stable bound; conductance not
        positive; bad spacing; with iterations > 0, NaN or infinity in `a`, or values of `a`
        spanning so much that the diffusion would overflow float32 (docs/ops.md).
    """
    return filter_op(a, "float32", spacing, device, _core.anisotropic_diffusion,
                     iterations=iterations, time_step=time_step, conductance=conductance)
