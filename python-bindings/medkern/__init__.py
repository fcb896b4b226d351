"""medkern: medical-image kernels on the GPU and the CPU.

numpy arrays in, numpy arrays out; CuPy arrays and PyTorch CUDA tensors in, arrays of the
same library out on the same device, without copies, ordered on the library's current CUDA
stream. Each op matches a named reference (numpy, scikit-image, scipy.ndimage, ITK) and
says where it differs on purpose.

Arrays are C-order with the slowest axis first: a volume is ``(nz, ny, nx)``, a 2-D image
``(ny, nx)`` is the volume ``(1, ny, nx)``, and a 1-D array ``(n,)`` is ``(1, 1, n)``.
Strided views are used in place. Spacing is in millimetres, slowest axis first.

Every error medkern raises is a :class:`MedkernError` (with ``.status``, the C ABI status
name) and also the matching built-in: ``TypeError`` for an unsupported dtype (dtypes are
never converted), ``ValueError`` for a bad argument or a shape mismatch, ``MemoryError``
when a pool is exhausted, ``RuntimeError`` for a missing device or a CUDA error;
``NotImplementedError``, ``OSError`` and ``ValueError`` for DICOM that cannot be loaded.

Ops: :func:`calcium_score` (Agatston, volume and mass scores), :func:`histogram`,
:func:`threshold`, :func:`otsu_threshold`, :func:`label_statistics`,
:func:`label_components` (scipy.ndimage.label), :func:`connected_threshold`,
:func:`confidence_connected` (ITK), :func:`watershed` (skimage.segmentation.watershed),
:func:`regional_minima`, :func:`gaussian` (scipy.ndimage.gaussian_filter), :func:`sobel`,
:func:`gradient_magnitude` (scipy.ndimage, ITK), :func:`canny` (ITK), :func:`median`
(scipy.ndimage.median_filter), :func:`anisotropic_diffusion` (ITK). Perfusion:
:func:`perfusion_maps` (CBF, CBV, MTT, Tmax by SVD deconvolution), :func:`select_aif`,
:func:`stroke_summary`,
:func:`time_intensity_curves`, :func:`curve_parameters`, :func:`kinetic_maps`, :func:`perfusion_phantom` (a digital reference object). DICOM:
:func:`load_series` (a CT series in HU with its geometry; a dynamic series as frames with
their times), :func:`list_series`, :func:`write_series`. Devices and
memory: :func:`devices`, :func:`built_with_cuda`,
:func:`pool_stats`, :func:`set_pool_limit`, :func:`release_tag`, :func:`reset_pool_peak`,
:func:`trim_pool`, :func:`versions`.
"""

from __future__ import annotations

from . import _core
from ._core import (
    CudaError,
    FileError,
    InternalError,
    InvalidDataError,
    InvalidArgumentError,
    MedkernError,
    NoDeviceError,
    NotSupportedError,
    OutOfMemoryError,
    ShapeMismatchError,
    SizeOverflowError,
    UnsupportedDTypeError,
)
from ._dicom import (
    DicomSeries,
    SeriesInfo,
    dicom_available,
    list_series,
    load_series,
    write_series,
)
from .calcium import CalciumLesion, CalciumScore, CalciumTotals, calcium_score
from .filters import (
    anisotropic_diffusion,
    canny,
    gaussian,
    gradient_magnitude,
    median,
    sobel,
)
from .measure import LabelStats, histogram, label_statistics
from .perfusion import (
    CurveParameters,
    KineticMaps,
    PerfusionMaps,
    PerfusionPhantom,
    SelectedAif,
    StrokeSummary,
    TimeIntensityCurves,
    curve_parameters,
    kinetic_maps,
    perfusion_maps,
    perfusion_phantom,
    select_aif,
    stroke_summary,
    time_intensity_curves,
)
from .segmentation import (
    confidence_connected,
    connected_threshold,
    label_components,
    otsu_threshold,
    regional_minima,
    threshold,
    watershed,
)
from ._runtime import (
    DeviceInfo,
    built_with_cuda,
    devices,
    pool_stats,
    release_tag,
    reset_pool_peak,
    set_pool_limit,
    trim_pool,
    versions,
)

__version__: str = _core.version_string()

#: The low-level context class of ``medkern._core`` (CPU, CUDA device and stream, pool tag).
Context = _core.Context

__all__ = [
    "CalciumLesion",
    "CalciumScore",
    "CalciumTotals",
    "CurveParameters",
    "Context",
    "CudaError",
    "DeviceInfo",
    "DicomSeries",
    "FileError",
    "InternalError",
    "KineticMaps",
    "InvalidArgumentError",
    "InvalidDataError",
    "LabelStats",
    "MedkernError",
    "NoDeviceError",
    "NotSupportedError",
    "OutOfMemoryError",
    "PerfusionMaps",
    "PerfusionPhantom",
    "SelectedAif",
    "SeriesInfo",
    "ShapeMismatchError",
    "SizeOverflowError",
    "StrokeSummary",
    "TimeIntensityCurves",
    "UnsupportedDTypeError",
    "__version__",
    "built_with_cuda",
    "calcium_score",
    "curve_parameters",
    "kinetic_maps",
    "perfusion_maps",
    "perfusion_phantom",
    "select_aif",
    "stroke_summary",
    "time_intensity_curves",
    "devices",
    "dicom_available",
    "list_series",
    "load_series",
    "write_series",
    "histogram",
    "label_statistics",
    "otsu_threshold",
    "label_components",
    "connected_threshold",
    "confidence_connected",
    "watershed",
    "regional_minima",
    "median",
    "anisotropic_diffusion",
    "gaussian",
    "sobel",
    "gradient_magnitude",
    "canny",
    "pool_stats",
    "release_tag",
    "reset_pool_peak",
    "set_pool_limit",
    "threshold",
    "trim_pool",
    "versions",
]
