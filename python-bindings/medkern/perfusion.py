"""Perfusion: CBF, CBV, MTT, Tmax, TTP and bolus-arrival maps of CT perfusion and DSC-MRI
series by deconvolution with an arterial input function, time-intensity curves of labelled
regions, and a digital reference object to check them against."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _arrays as ar
from . import _core
from ._arrays import ArrayLike
from ._common import Device, defaults, mask_operand, ndim_of, spacing3

__all__ = [
    "PerfusionMaps",
    "PerfusionPhantom",
    "CurveParameters",
    "KineticMaps",
    "SelectedAif",
    "StrokeSummary",
    "TimeIntensityCurves",
    "curve_parameters",
    "kinetic_maps",
    "perfusion_maps",
    "perfusion_phantom",
    "select_aif",
    "stroke_summary",
    "time_intensity_curves",
]

_MODALITIES: Dict[str, int] = dict(_core.perfusion_modalities)
_METHODS: Dict[str, int] = dict(_core.deconvolution_methods)
_RESIDUES: Dict[str, int] = dict(_core.residue_shapes)
_MODALITY_NAMES = {code: name for name, code in _MODALITIES.items()}
_METHOD_NAMES = {code: name for name, code in _METHODS.items()}
_RESIDUE_NAMES = {code: name for name, code in _RESIDUES.items()}


def _phantom_default(field: str) -> Any:
    return _core.defaults["perfusion_phantom"][field]


def _code(value: Any, table: Dict[str, int], name: str) -> int:
    if not isinstance(value, str) or value not in table:
        raise _core.InvalidArgumentError(
            f"{name}: {value!r} is not one of {', '.join(map(repr, table))}"
        )
    return table[value]


# ------------------------------------------------------------------------------- series


def _series_operand(series: ArrayLike, allowed: Sequence[str]) -> ar.Operand:
    """The whole series as one operand, frames on axis 0, classified and dtype-checked as
    its frames would be (never converted)."""
    torch = sys.modules.get("torch")
    cupy = sys.modules.get("cupy")
    x = series
    is_torch = torch is not None and isinstance(x, torch.Tensor)
    is_cupy = cupy is not None and isinstance(x, cupy.ndarray)
    if not (is_torch or is_cupy):
        if hasattr(x, "__cuda_array_interface__"):
            try:
                import cupy as cupy_module
            except ImportError:
                raise _core.UnsupportedDTypeError(
                    f"series: {type(x).__name__} exposes __cuda_array_interface__, but medkern "
                    "needs CuPy or PyTorch to allocate GPU outputs and neither is installed"
                ) from None
            x = cupy_module.asarray(x)  # zero-copy view of the same memory
        else:
            x = np.asarray(x)
    shape = tuple(int(n) for n in x.shape)
    if len(shape) not in (3, 4):
        raise _core.InvalidArgumentError(
            f"series: has {len(shape)} dimensions; a series is (nt, nz, ny, nx) or (nt, ny, nx)"
        )
    # A frame (or, with no frame, the empty series itself) says what kind of array this is.
    probe = x[0] if shape[0] > 0 else x.reshape(-1)
    frame = ar.as_operand(probe, "series", allowed)
    if frame.kind == "torch":
        x = x.detach()
        if frame.device < 0:
            x = x.numpy()  # host memory: numpy's zero-copy view
    return ar.Operand("series", x, frame.kind, frame.device, shape, frame.dtype)


def _series_descriptor(op: ar.Operand) -> Tuple[Any, int, int]:
    """``(descriptor of frame 0, frames, frame_stride)``; the series is copied to a
    contiguous array only where its memory cannot be described in whole elements."""
    x = op.array
    if op.kind == "torch" and op.device >= 0:
        strides = tuple(int(s) for s in x.stride())
    else:
        itemsize = x.dtype.itemsize
        pointer = int(x.data.ptr) if op.kind == "cupy" else int(x.__array_interface__["data"][0])
        if pointer % itemsize or any(s % itemsize for s in x.strides):
            lib = sys.modules["cupy"] if op.kind == "cupy" else np
            x = lib.ascontiguousarray(x)
            op.array = x
        strides = tuple(int(s) // itemsize for s in x.strides)
    frame = ar.Operand(op.name, x[0], op.kind, op.device, op.shape[1:], op.dtype)
    return ar.descriptor(frame), op.shape[0], strides[0]


def _host_curve(values: ArrayLike, name: str) -> List[float]:
    """A 1-D sequence of numbers, from the host or a GPU, as Python floats."""
    torch = sys.modules.get("torch")
    cupy = sys.modules.get("cupy")
    if torch is not None and isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    elif cupy is not None and isinstance(values, cupy.ndarray):
        values = cupy.asnumpy(values)
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise _core.InvalidArgumentError(
            f"{name}: {values!r} is not a sequence of numbers"
        ) from None
    if array.ndim != 1:
        raise _core.InvalidArgumentError(
            f"{name}: has shape {array.shape}; give one value per frame (1-D)"
        )
    return array.tolist()


# ------------------------------------------------------------------------------- maps


@dataclass(frozen=True, eq=False)
class PerfusionMaps:
    """The result of :func:`perfusion_maps`. Maps have a frame's shape and live where the
    series did (numpy for host input, CuPy / PyTorch on the input's GPU)."""

    cbf: Any  #: float32, ml/100 g/min
    cbv: Any  #: float32, ml/100 g
    mtt: Any  #: float32, s: 60 * CBV / CBF
    tmax: Any  #: float32, s: time of the residue function's peak
    ttp: Any  #: float32, s after the first frame: time of the tissue curve's peak
    arrival: Any  #: float32, s after the first frame: the tissue curve's bolus arrival
    valid: Any  #: uint8: 1 where the maps hold values, 0 elsewhere (every map 0 there)
    aif_curve: np.ndarray  #: float64, the AIF as concentration, one value per frame
    baseline_frames: int  #: frames averaged for the baseline S0
    truncation: float  #: the SVD threshold or Tikhonov parameter used (osvd: 0.95, its largest)
    sample_interval: float  #: s, of the uniform grid the deconvolution ran on
    samples: int  #: points of that grid
    #: With residues=True: CBF x R(t) of every voxel, float32 numpy (samples, *frame shape);
    #: its peak is the CBF map's value. None otherwise.
    residues: Optional[np.ndarray] = None


def perfusion_maps(
    series: ArrayLike,
    times: ArrayLike,
    aif: ArrayLike,
    *,
    modality: str = _MODALITY_NAMES[defaults("perfusion_maps", "modality")],
    te: Optional[float] = None,
    method: str = _METHOD_NAMES[defaults("perfusion_maps", "method")],
    truncation: Optional[float] = None,
    oscillation_index: float = defaults("perfusion_maps", "oscillation_index"),
    baseline_frames: Optional[int] = None,
    mask: Optional[ArrayLike] = None,
    vof: Optional[ArrayLike] = None,
    hematocrit_large: float = defaults("perfusion_maps", "hematocrit_large"),
    hematocrit_small: float = defaults("perfusion_maps", "hematocrit_small"),
    density: float = defaults("perfusion_maps", "density_g_per_ml"),
    residues: bool = False,
    device: Device = None,
) -> PerfusionMaps:
    """CBF, CBV, MTT, Tmax, TTP and bolus-arrival maps by deconvolution of each voxel's
    concentration curve with the arterial input function (AIF): truncated SVD (Østergaard et
    al., MRM 1996;36:715), block-circulant and oscillation-index SVD (Wu et al., MRM
    2003;50:164) or Tikhonov regularisation.

    Parameters
    ----------
    series : array, int16, uint16 or float32, (nt, nz, ny, nx) or (nt, ny, nx)
        The dynamic series, frames first: CT in HU, MR signal, or concentrations; numpy
        array, CuPy array or PyTorch tensor, any strides (views are not copied). 2 to 512
        frames.
    times : sequence of float, (nt,)
        Acquisition time of each frame in seconds, finite and increasing, any spacing: the
        curves are resampled linearly onto a uniform grid of the smallest interval (at most
        256 points) before deconvolution.
    aif : sequence of float (nt,), or array of uint8 / bool of a frame's shape
        The arterial input: a curve of the series' values (converted to concentration as
        the tissue is), or a mask of the arterial voxels, whose mean curve is taken. A 1-D
        argument is a curve, one of 2 or more dimensions a mask.
    modality : {'ct', 'mr', 'concentration'}
        How values become concentration C(t): S(t) - S0 (CT, HU); -ln(S(t) / S0) / te
        (DSC-MRI); the values themselves. S0 is the mean of the baseline frames.
    te : float, optional
        Echo time in seconds; needed for 'mr', unused otherwise.
    method : {'osvd', 'csvd', 'ssvd', 'tikhonov'}
        Deconvolution: 'ssvd' the lower-triangular matrix (sensitive to the tissue's delay),
        'csvd' the block-circulant matrix (delay-insensitive), 'osvd' csvd with a threshold
        per voxel by the oscillation index, 'tikhonov' the regularised circulant inverse.
    truncation : float, optional
        ssvd / csvd: singular values below this fraction of the largest are dropped;
        tikhonov: the regularisation parameter as a fraction of the largest singular value;
        in [0, 1). None: the method's default, 0.2 (ssvd), 0.1 (csvd, tikhonov). osvd
        ignores it.
    oscillation_index : float
        osvd: the largest oscillation index a residue may have (> 0).
    baseline_frames : int, optional
        Frames averaged for S0 (1 to nt). None: the frames before the AIF's arrival (the
        first frame whose AIF concentration reaches 10 % of its peak), at least one.
    mask : array of uint8 or bool, a frame's shape, optional
        Only its non-zero voxels are computed; the others are 0 and not valid.
    vof : sequence of float (nt,), or array of uint8 / bool of a frame's shape, optional
        A venous output function (a curve, or a mask of venous voxels as for `aif`): the AIF
        is scaled to its area, against the partial volume of a small artery, which
        shrinks CBF and CBV alike.
    hematocrit_large, hematocrit_small : float
        Hematocrit of large and small vessels, each in [0, 1): CBF and CBV are scaled by
        kH = (1 - hematocrit_large) / (1 - hematocrit_small).
    density : float
        Brain tissue density in g/ml (> 0): CBF and CBV are per 100 g. Hematocrits 0 and
        density 1 give unscaled values (OSIPI's convention).
    residues : bool
        Also return the residue functions CBF x R(t) of every voxel on the uniform grid
        (``residues``, numpy on the host), for inspecting a region: at most 2^26 values.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    PerfusionMaps
        The maps (cbf, cbv, mtt, tmax, ttp, arrival, valid) of a frame's shape on the
        series' device, and ``aif_curve`` (the AIF as concentration), ``baseline_frames``,
        ``truncation``, ``sample_interval`` (s) and ``samples`` of the grid.

    Notes
    -----
    CBF = 6000 kH / density * max of the residue function (ml/100 g/min); CBV = 100 kH /
    density * the area under the tissue curve over the AIF's (trapezoids over the frames);
    MTT = 60 CBV / CBF (s); Tmax the residue's peak, refined by a parabola through its
    neighbours; TTP and arrival (where the curve first reaches 10 % of its peak, linear
    between frames) in seconds after the first frame. Voxels outside `mask`, without
    enhancement or whose residue has no positive peak are 0 in every map and not valid; no
    map holds NaN or infinity. CPU and GPU compute each voxel with the same code.
    docs/ops.md ("Perfusion") states every convention and the accuracy of each method.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        A series, mask or AIF mask of an unsupported dtype (never converted).
    ValueError (InvalidArgumentError, ShapeMismatchError)
        A series that is not 3-D or 4-D or is empty, fewer than 2 or more than 512 frames,
        times not increasing or not one per frame, an AIF without a bolus (no positive area)
        or of the wrong length or shape, an unknown modality or method, 'mr' without `te`,
        parameters out of range, a mask of another shape.
    """
    modality_code = _code(modality, _MODALITIES, "modality")
    method_code = _code(method, _METHODS, "method")
    op_series = _series_operand(series, ar.INTENSITY_DTYPES)
    times_list = _host_curve(times, "times")
    aif_is_mask = ndim_of(aif) >= 2
    op_aif_mask = (
        ar.as_operand(aif, "aif", ar.MASK_DTYPES, bool_as_uint8=True) if aif_is_mask else None
    )
    aif_list = None if aif_is_mask else _host_curve(aif, "aif")
    vof_is_mask = vof is not None and ndim_of(vof) >= 2
    op_vof_mask = (
        ar.as_operand(vof, "vof", ar.MASK_DTYPES, bool_as_uint8=True) if vof_is_mask else None
    )
    vof_list = None if vof is None or vof_is_mask else _host_curve(vof, "vof")
    op_mask = mask_operand(mask)
    if op_series.size == 0:
        raise _core.InvalidArgumentError(
            f"series: shape {op_series.shape} is empty; perfusion maps need a voxel and 2 frames"
        )
    p = ar.plan([op_series, op_mask, op_aif_mask, op_vof_mask], device)
    frame_shape = op_series.shape[1:]
    params = dict(
        modality=modality_code,
        te_s=defaults("perfusion_maps", "te_s") if te is None else te,
        method=method_code,
        truncation=-1.0 if truncation is None else truncation,
        oscillation_index=oscillation_index,
        baseline_frames=0 if baseline_frames is None else baseline_frames,
        hematocrit_large=hematocrit_large,
        hematocrit_small=hematocrit_small,
        density_g_per_ml=density,
    )
    maps = [ar.empty(frame_shape, "float32", p) for _ in range(6)]
    maps.append(ar.empty(frame_shape, "uint8", p))
    series_descriptor = _series_descriptor(op_series)
    if op_aif_mask is not None:
        curve = ar.run(
            p,
            _core.perfusion_mean_curve,
            series_descriptor,
            ar.descriptor(op_aif_mask),
            host_arrays=[op_series.array, op_aif_mask.array],
        )
        aif_list = curve.tolist()
    if op_vof_mask is not None:
        vof_list = ar.run(
            p,
            _core.perfusion_mean_curve,
            series_descriptor,
            ar.descriptor(op_vof_mask),
            host_arrays=[op_series.array, op_vof_mask.array],
        ).tolist()
    info = ar.run(
        p,
        _core.perfusion_maps,
        series_descriptor,
        times_list,
        aif_list,
        None if op_mask is None else ar.descriptor(op_mask),
        [ar.output_descriptor(m, "uint8" if i == 6 else "float32", p.out_device)
         for i, m in enumerate(maps)],
        vof_list,
        host_arrays=[op_series.array, None if op_mask is None else op_mask.array, *maps],
        **params,
    )
    residue_values = None
    if residues:
        residue_values = ar.run(
            p,
            _core.perfusion_residues,
            series_descriptor,
            times_list,
            aif_list,
            None if op_mask is None else ar.descriptor(op_mask),
            vof_list,
            host_arrays=[op_series.array, None if op_mask is None else op_mask.array],
            **params,
        ).reshape((-1,) + tuple(frame_shape))
    cbf, cbv, mtt, tmax, ttp, arrival, valid = maps
    return PerfusionMaps(
        cbf=cbf,
        cbv=cbv,
        mtt=mtt,
        tmax=tmax,
        ttp=ttp,
        arrival=arrival,
        valid=valid,
        aif_curve=np.asarray(info["aif"], dtype=np.float64),
        baseline_frames=int(info["baseline_frames"]),
        truncation=float(info["truncation"]),
        sample_interval=float(info["sample_interval_s"]),
        samples=int(info["samples"]),
        residues=residue_values,
    )


# ------------------------------------------------------------------------------- AIF


@dataclass(frozen=True, eq=False)
class SelectedAif:
    """The result of :func:`select_aif`."""

    mask: Any  #: uint8, a frame's shape, where the series lives: 1 on the selected voxels
    curve: np.ndarray  #: float64, the selected voxels' mean signal, one value per frame
    voxels: int  #: voxels selected


def select_aif(
    series: ArrayLike,
    times: ArrayLike,
    *,
    mask: Optional[ArrayLike] = None,
    modality: str = "ct",
    te: Optional[float] = None,
    baseline_frames: Optional[int] = None,
    area_fraction: float = 0.1,
    roughness_fraction: float = 0.25,
    clusters: int = 5,
    device: Device = None,
) -> SelectedAif:
    """Selects the arterial input function automatically, after Mouridsen et al., "Automatic
    selection of arterial input function using cluster analysis", MRM 2006;55:524: among the
    voxels of `mask`, the `area_fraction` with the largest concentration areas, of them the
    `roughness_fraction` least rough (second differences against first differences of the
    area-normalised curve), then k-means clustering (`clusters`) of their normalised curves,
    keeping the cluster whose mean curve comes earliest (smallest first moment), twice.

    Parameters
    ----------
    series : array, int16, uint16 or float32, (nt, nz, ny, nx) or (nt, ny, nx)
        The dynamic series, frames first.
    times : sequence of float
        Frame times in seconds, increasing.
    mask : array, uint8 or bool, a frame's shape, optional
        Where to look (e.g. a slab around the middle cerebral arteries); every voxel if None.
    modality, te, baseline_frames
        As in :func:`perfusion_maps`; without `baseline_frames`, the frames before the
        mask's mean curve reaches 10 % of its peak enhancement.
    area_fraction, roughness_fraction : float in (0, 1]
    clusters : int, 1 to 64

    Returns
    -------
    SelectedAif
        ``mask`` of the selected voxels (where the series lives), ``curve`` (their mean
        signal, ready to pass as :func:`perfusion_maps`'s `aif`) and ``voxels``.

    Notes
    -----
    Runs on the host (device data is copied). The clustering is deterministic: it starts
    from curves spread evenly in order of first moment.

    Raises
    ------
    ValueError (InvalidArgumentError, ShapeMismatchError)
        No enhancing voxel in the mask, parameters out of range, shapes that differ.
    TypeError (UnsupportedDTypeError)
        Unsupported dtypes.
    """
    modality_code = _code(modality, _MODALITIES, "modality")
    op_series = _series_operand(series, ar.INTENSITY_DTYPES)
    times_list = _host_curve(times, "times")
    op_mask = mask_operand(mask)
    if op_series.size == 0:
        raise _core.InvalidArgumentError(f"series: shape {op_series.shape} is empty")
    p = ar.plan([op_series, op_mask], device)
    selected = ar.empty(op_series.shape[1:], "uint8", p)
    result = ar.run(
        p,
        _core.select_aif,
        _series_descriptor(op_series),
        times_list,
        None if op_mask is None else ar.descriptor(op_mask),
        ar.output_descriptor(selected, "uint8", p.out_device),
        host_arrays=[op_series.array, None if op_mask is None else op_mask.array, selected],
        modality=modality_code,
        te_s=defaults("select_aif", "te_s") if te is None else te,
        baseline_frames=0 if baseline_frames is None else baseline_frames,
        area_fraction=area_fraction,
        roughness_fraction=roughness_fraction,
        clusters=clusters,
    )
    return SelectedAif(mask=selected, curve=np.asarray(result["curve"], np.float64),
                       voxels=int(result["voxels"]))


# ------------------------------------------------------------------------------- stroke


@dataclass(frozen=True)
class StrokeSummary:
    """The result of :func:`stroke_summary`."""

    hypoperfusion_ml: float  #: valid voxels with Tmax above the threshold
    core_ml: float  #: valid voxels with CBF below the threshold
    mismatch_ml: float  #: hypoperfusion_ml - core_ml
    mismatch_ratio: float  #: hypoperfusion / core; inf with no core, 0 with neither
    reference_cbf: float  #: ml/100 g/min, the reference the core threshold is relative to
    valid_voxels: int  #: voxels counted (valid == 1)


def stroke_summary(
    maps: PerfusionMaps,
    *,
    spacing: Any = (1.0, 1.0, 1.0),
    reference_mask: Optional[ArrayLike] = None,
    reference_cbf: Optional[float] = None,
    tmax_threshold: float = 6.0,
    relative_cbf_threshold: float = 0.3,
    device: Device = None,
) -> StrokeSummary:
    """The figures acute stroke triage reads from perfusion maps, as RAPID and the DEFUSE 3
    trial define them (Albers et al., N Engl J Med 2018;378:708): the hypoperfused volume
    (Tmax > `tmax_threshold`), the ischaemic core (CBF < `relative_cbf_threshold` x the
    reference CBF) and their mismatch (volume and ratio).

    Parameters
    ----------
    maps : PerfusionMaps
        The result of :func:`perfusion_maps`; its ``cbf``, ``tmax`` and ``valid`` are read.
    spacing : float or sequence of float
        Voxel size (z, y, x) in mm: a voxel counts spacing[0] * spacing[1] * spacing[2] / 1000
        ml.
    reference_mask : array, uint8 or bool, the maps' shape, optional
        Where the reference CBF is measured (e.g. the unaffected hemisphere): the mean CBF
        of its valid voxels. Required unless `reference_cbf` is given.
    reference_cbf : float, optional
        The reference CBF in ml/100 g/min, > 0.
    tmax_threshold, relative_cbf_threshold : float
        6 s and 0.3 by default (DEFUSE 3).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`); the sums run on the host either way.

    Returns
    -------
    StrokeSummary

    Notes
    -----
    Only voxels whose ``valid`` map is 1 count: tissue that shows no enhancement at all is
    not part of the core, so restrict the maps with a brain mask and read such voxels
    separately where that matters.

    Raises
    ------
    ValueError (InvalidArgumentError, ShapeMismatchError)
        No reference (neither `reference_cbf` nor a mask with a valid voxel of positive CBF),
        thresholds out of range, arrays of other shapes.
    TypeError (UnsupportedDTypeError)
        Maps of other dtypes.
    """
    op_cbf = ar.as_operand(maps.cbf, "cbf", ("float32",))
    op_tmax = ar.as_operand(maps.tmax, "tmax", ("float32",))
    op_valid = ar.as_operand(maps.valid, "valid", ("uint8",))
    op_mask = None
    if reference_mask is not None:
        op_mask = ar.as_operand(reference_mask, "reference_mask", ar.MASK_DTYPES,
                                bool_as_uint8=True)
    sp = spacing3(spacing, len(op_cbf.shape))
    p = ar.plan([op_cbf, op_tmax, op_valid, op_mask], device)
    result = ar.run(
        p,
        _core.stroke_summary,
        ar.descriptor(op_cbf, sp),
        ar.descriptor(op_tmax),
        ar.descriptor(op_valid),
        None if op_mask is None else ar.descriptor(op_mask),
        host_arrays=[op_cbf.array, op_tmax.array, op_valid.array,
                     None if op_mask is None else op_mask.array],
        tmax_threshold_s=tmax_threshold,
        relative_cbf_threshold=relative_cbf_threshold,
        reference_cbf=0.0 if reference_cbf is None else reference_cbf,
    )
    return StrokeSummary(
        hypoperfusion_ml=float(result["hypoperfusion_ml"]),
        core_ml=float(result["core_ml"]),
        mismatch_ml=float(result["mismatch_ml"]),
        mismatch_ratio=float(result["mismatch_ratio"]),
        reference_cbf=float(result["reference_cbf"]),
        valid_voxels=int(result["valid_voxels"]),
    )


# ------------------------------------------------------------------------------- curves


@dataclass(frozen=True)
class CurveParameters:
    """The parameters of one time-intensity curve (:func:`curve_parameters`); times in s
    after the first frame, slopes per s."""

    baseline: float  #: mean of the baseline frames
    peak_enhancement: float  #: peak - baseline
    relative_enhancement: float  #: (peak - baseline) / baseline; 0 for a baseline <= 0
    time_to_peak_s: float
    arrival_s: float  #: where the enhancement first reaches 10 % of its peak
    area: float  #: of the enhancement (trapezoid)
    wash_in_slope: float  #: the steepest rise between frames up to the peak
    wash_out_slope: float  #: (last - peak) / (time between them)
    first_moment_s: float  #: of the enhancement
    fwhm_s: float  #: width where the enhancement is at least half its peak
    signal_enhancement_ratio: float  #: (early peak - baseline) / (last - baseline)
    kinetic_type: int  #: 1 persistent, 2 plateau, 3 washout; 0 no enhancement


_CURVE_FIELDS = tuple(CurveParameters.__dataclass_fields__)


def curve_parameters(
    curve: ArrayLike,
    times: ArrayLike,
    *,
    baseline_frames: Optional[int] = None,
    early_window: float = 120.0,
    type_threshold: float = 0.1,
) -> CurveParameters:
    """The parameters of a time-intensity curve as DCE-MRI and CT perfusion reports give them:
    baseline, peak enhancement (absolute and relative), time to peak, bolus arrival, area
    under the enhancement (trapezoid), maximum wash-in and wash-out slopes, first moment,
    full width at half maximum, signal enhancement ratio and the kinetic curve type of
    Kuhl et al. (Radiology 1999;211:101).

    Parameters
    ----------
    curve, times : sequences of float of one length (at least 2)
        The curve's values and their times in seconds, increasing.
    baseline_frames : int, optional
        Frames averaged for the baseline; by default the frames before the curve first
        reaches 10 % of its peak over the first frame (at least one).
    early_window : float
        Seconds after the bolus arrival that make the early phase: its peak is the "early"
        signal of the enhancement ratio and of the kinetic type.
    type_threshold : float
        The late change (last frame against the early peak, over the early enhancement)
        above +threshold is type 1 (persistent), below -threshold type 3 (washout), else type
        2 (plateau).

    Returns
    -------
    CurveParameters
        All 0 but the baseline (and kinetic type 0) for a curve that never rises above it.

    Raises
    ------
    ValueError (InvalidArgumentError, ShapeMismatchError)
        Lengths that differ, fewer than 2 values, times not increasing, non-finite values,
        options out of range.
    """
    result = _core.curve_parameters(
        _host_curve(curve, "curve"),
        _host_curve(times, "times"),
        baseline_frames=0 if baseline_frames is None else baseline_frames,
        early_window_s=early_window,
        type_threshold=type_threshold,
    )
    return CurveParameters(**{field: result[field] for field in _CURVE_FIELDS})


_KINETIC_MAPS = ("baseline", "peak_enhancement", "relative_enhancement", "time_to_peak",
                 "arrival", "area", "wash_in_slope", "wash_out_slope", "first_moment", "fwhm",
                 "signal_enhancement_ratio", "kinetic_type")


@dataclass(frozen=True, eq=False)
class KineticMaps:
    """The result of :func:`kinetic_maps`: the fields of :class:`CurveParameters` of every
    voxel, each a frame's shape where the series lives (float32; kinetic_type uint8)."""

    baseline: Any
    peak_enhancement: Any
    relative_enhancement: Any
    time_to_peak: Any  #: s after the first frame
    arrival: Any  #: s after the first frame
    area: Any
    wash_in_slope: Any  #: per s
    wash_out_slope: Any  #: per s
    first_moment: Any  #: s after the first frame
    fwhm: Any  #: s
    signal_enhancement_ratio: Any
    kinetic_type: Any  #: 1 persistent, 2 plateau, 3 washout; 0 no enhancement or masked out


def kinetic_maps(
    series: ArrayLike,
    times: ArrayLike,
    *,
    mask: Optional[ArrayLike] = None,
    baseline_frames: Optional[int] = None,
    early_window: float = 120.0,
    type_threshold: float = 0.1,
    device: Device = None,
) -> KineticMaps:
    """The parameters of :func:`curve_parameters` of every voxel's curve as maps: the kinetic
    maps of DCE-MRI (enhancement, wash-in and wash-out, signal enhancement ratio, the
    kinetic curve type of Kuhl et al. 1999) and their CT perfusion counterparts.

    Parameters
    ----------
    series : array, int16, uint16 or float32, (nt, nz, ny, nx) or (nt, ny, nx)
        The dynamic series, frames first; at least 2 frames.
    times : sequence of float
        Frame times in seconds, increasing.
    mask : array, uint8 or bool, a frame's shape, optional
        Voxels outside are 0 in every map.
    baseline_frames, early_window, type_threshold
        As in :func:`curve_parameters` (the same for every voxel).
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where the maps live (see :func:`histogram`); the parameters are computed on the host
        either way (device data is copied there and the maps back).

    Returns
    -------
    KineticMaps

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtypes.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        Fewer than 2 or more than 512 frames, times not increasing, options out of range,
        a mask of another shape.
    """
    op_series = _series_operand(series, ar.INTENSITY_DTYPES)
    times_list = _host_curve(times, "times")
    op_mask = mask_operand(mask)
    if op_series.size == 0:
        raise _core.InvalidArgumentError(f"series: shape {op_series.shape} is empty")
    p = ar.plan([op_series, op_mask], device)
    frame_shape = op_series.shape[1:]
    maps = [ar.empty(frame_shape, "uint8" if name == "kinetic_type" else "float32", p)
            for name in _KINETIC_MAPS]
    ar.run(
        p,
        _core.kinetic_maps,
        _series_descriptor(op_series),
        times_list,
        None if op_mask is None else ar.descriptor(op_mask),
        [ar.output_descriptor(m, "uint8" if name == "kinetic_type" else "float32", p.out_device)
         for m, name in zip(maps, _KINETIC_MAPS)],
        host_arrays=[op_series.array, None if op_mask is None else op_mask.array, *maps],
        baseline_frames=0 if baseline_frames is None else baseline_frames,
        early_window_s=early_window,
        type_threshold=type_threshold,
    )
    return KineticMaps(**dict(zip(_KINETIC_MAPS, maps)))


@dataclass(frozen=True, eq=False)
class TimeIntensityCurves:
    """The result of :func:`time_intensity_curves`: numpy arrays, one row per label."""

    labels: np.ndarray  #: int32, (n,): the labels present, increasing
    count: np.ndarray  #: int64, (n,): voxels of each label
    mean: np.ndarray  #: float64, (n, nt): the mean of each label's voxels at every frame
    std: np.ndarray  #: float64, (n, nt): their population standard deviation (ddof=0)
    #: With `times`: each field of :class:`CurveParameters` of each label's mean curve, as an
    #: array of length n (kinetic_type int32, the rest float64); empty without times.
    parameters: Dict[str, np.ndarray]


def time_intensity_curves(
    series: ArrayLike,
    labels: ArrayLike,
    times: Optional[ArrayLike] = None,
    *,
    device: Device = None,
) -> TimeIntensityCurves:
    """Time-intensity curves of labelled regions: for each label present, its voxel count
    and the mean and standard deviation of its voxels at every frame (``scipy.ndimage.mean``
    and ``standard_deviation`` of each frame).

    Parameters
    ----------
    series : array, int16, uint16 or float32, (nt, nz, ny, nx) or (nt, ny, nx)
        The dynamic series, frames first; numpy array, CuPy array or PyTorch tensor, any
        strides. At most 512 frames.
    labels : array, int32 or uint8, a frame's shape
        Label image; 0 is background; values from 0 to 16777215.
    times : sequence of float, optional
        Frame times in seconds: with them, the parameters of each mean curve
        (:func:`curve_parameters` with its defaults) come too.
    device : {None, 'cpu', 'cuda', 'cuda:N', int}
        Where to run (see :func:`histogram`).

    Returns
    -------
    TimeIntensityCurves
        ``labels`` (int32, increasing), ``count`` (int64), ``mean`` and ``std`` (float64,
        shape (labels, nt)), as numpy arrays wherever the series lives.

    Notes
    -----
    Sums of integer series are exact; float32 values are summed in double. An empty series
    (no frame or no voxel) gives no labels.

    Raises
    ------
    TypeError (UnsupportedDTypeError)
        Unsupported dtype of `series` or `labels`.
    ValueError (InvalidArgumentError, ShapeMismatchError)
        A series that is not 3-D or 4-D, more than 512 frames, labels of another shape or
        out of range.
    """
    op_series = _series_operand(series, ar.INTENSITY_DTYPES)
    op_labels = ar.as_operand(labels, "labels", ar.LABEL_DTYPES)
    times_list = None if times is None else _host_curve(times, "times")
    if op_series.size == 0:
        return TimeIntensityCurves(
            labels=np.empty(0, np.int32),
            count=np.empty(0, np.int64),
            mean=np.empty((0, op_series.shape[0]), np.float64),
            std=np.empty((0, op_series.shape[0]), np.float64),
            parameters=_parameters_of([], times_list),
        )
    p = ar.plan([op_series, op_labels], device)
    series_descriptor = _series_descriptor(op_series)
    result = ar.run(
        p,
        _core.time_intensity_curves,
        series_descriptor,
        ar.descriptor(op_labels),
        host_arrays=[op_series.array, op_labels.array],
    )
    return TimeIntensityCurves(
        labels=result["labels"],
        count=result["count"],
        mean=result["mean"],
        std=result["std"],
        parameters=_parameters_of(list(result["mean"]), times_list),
    )


def _parameters_of(curves: List[np.ndarray], times: Optional[List[float]]) -> Dict[str, np.ndarray]:
    """The curve parameters of each curve, field by field; {} without times."""
    if times is None:
        return {}
    rows = [_core.curve_parameters(list(map(float, c)), times) for c in curves]
    return {
        field: np.array([r[field] for r in rows],
                        dtype=np.int32 if field == "kinetic_type" else np.float64)
        for field in _CURVE_FIELDS
    }


# ------------------------------------------------------------------------------- phantom


@dataclass(frozen=True, eq=False)
class PerfusionPhantom:
    """The digital reference object of :func:`perfusion_phantom` and its true values."""

    series: np.ndarray  #: float32, (nt, 1, ny, nx): the signal (or concentration)
    times: np.ndarray  #: float64, (nt,): s
    aif: np.ndarray  #: float64, (nt,): the AIF's signal, in the series' units
    cbf: np.ndarray  #: float32, (1, ny, nx): true CBF, ml/100 g/min
    cbv: np.ndarray  #: float32, (1, ny, nx): true CBV, ml/100 g (CBF * MTT / 60)
    mtt: np.ndarray  #: float32, (1, ny, nx): true MTT, s
    delay: np.ndarray  #: float32, (1, ny, nx): the tissue's delay after the AIF, s


def perfusion_phantom(
    modality: str = _MODALITY_NAMES[_phantom_default("modality")],
    residue: str = _RESIDUE_NAMES[_phantom_default("residue")],
    cbf: Sequence[float] = _phantom_default("cbf"),
    mtt: Sequence[float] = _phantom_default("mtt"),
    delay: Sequence[float] = _phantom_default("delay"),
    block: int = _phantom_default("block"),
    frames: int = _phantom_default("frames"),
    interval: float = _phantom_default("interval_s"),
    snr: float = _phantom_default("snr"),
    seed: int = _phantom_default("seed"),
    *,
    ct_baseline: float = _phantom_default("ct_baseline_hu"),
    te: float = _phantom_default("te_s"),
    mr_s0: float = _phantom_default("mr_s0"),
    aif_peak: float = _phantom_default("aif_peak"),
    aif_arrival: float = _phantom_default("aif_arrival_s"),
    hematocrit_large: float = _phantom_default("hematocrit_large"),
    hematocrit_small: float = _phantom_default("hematocrit_small"),
    density: float = _phantom_default("density_g_per_ml"),
) -> PerfusionPhantom:
    """A digital reference object for perfusion, in the manner of Kudo et al. (Radiology
    2013;267:201) and the QIBA DSC DRO: a gamma-variate AIF and, for every combination of
    CBF x delay x MTT, a block of voxels with the tissue curve density / kH * CBF *
    (AIF(. - delay) (x) R)(t) for the residue shape R.

    Parameters
    ----------
    modality : {'ct', 'mr', 'concentration'}
        The signal: ct_baseline + C (HU), mr_s0 * exp(-te * C), or C itself.
    residue : {'exponential', 'boxcar', 'linear'}
        R(t): exp(-t / MTT); 1 up to MTT; 1 - t / (2 MTT) up to 2 MTT. Each integrates to
        MTT.
    cbf, mtt, delay : sequence of float
        The values combined: CBF (ml/100 g/min, > 0), MTT (s, > 0), delay of the tissue
        after the AIF (s, >= 0).
    block : int
        Each combination is a block x block patch (1 to 64).
    frames, interval : int, float
        Frames (2 to 512) and the interval between them in seconds.
    snr : float
        Peak enhancement over the noise's standard deviation (mr_s0 / snr for MR, aif_peak /
        snr for CT); 0: no noise.
    seed : int
        Of the noise generator (0 to 2**64 - 1).
    ct_baseline, te, mr_s0, aif_peak, aif_arrival : float
        CT baseline (HU); MR echo time (s) and baseline signal; the AIF's peak concentration
        and its arrival time (s; the peak comes 4.5 s later).
    hematocrit_large, hematocrit_small, density : float
        As in :func:`perfusion_maps`: the true maps are what it recovers with the same values.

    Returns
    -------
    PerfusionPhantom
        ``series`` (float32, (frames, 1, ny, nx), ny = len(cbf) * len(delay) * block, nx =
        len(mtt) * block; rows run through the delays within each CBF), ``times``, ``aif``
        (its signal) and the true ``cbf``, ``cbv``, ``mtt``, ``delay`` of every voxel, shape
        (1, ny, nx). numpy arrays.

    Raises
    ------
    ValueError (InvalidArgumentError)
        An unknown modality or residue, empty or non-positive value lists, block or frames
        out of range, non-finite or non-positive signal parameters, too many voxels.
    """
    result = _core.perfusion_phantom(
        modality=_code(modality, _MODALITIES, "modality"),
        residue=_code(residue, _RESIDUES, "residue"),
        cbf=_number_list(cbf, "cbf"),
        mtt=_number_list(mtt, "mtt"),
        delay=_number_list(delay, "delay"),
        block=block,
        frames=frames,
        interval_s=interval,
        snr=snr,
        seed=seed,
        ct_baseline_hu=ct_baseline,
        te_s=te,
        mr_s0=mr_s0,
        aif_peak=aif_peak,
        aif_arrival_s=aif_arrival,
        hematocrit_large=hematocrit_large,
        hematocrit_small=hematocrit_small,
        density_g_per_ml=density,
    )
    return PerfusionPhantom(**result)


def _number_list(values: Any, name: str) -> List[float]:
    """A number or a sequence of numbers as a list (1-D numpy arrays included)."""
    if isinstance(values, (int, float, np.integer, np.floating)) and not isinstance(values, bool):
        return [ar.as_float(values, name)]
    try:
        return [ar.as_float(v, name) for v in values]
    except TypeError:
        raise _core.InvalidArgumentError(
            f"{name}: {values!r} is neither a number nor a sequence of numbers"
        ) from None
