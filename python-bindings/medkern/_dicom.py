"""DICOM series: :func:`load_series`, :func:`list_series` and :func:`write_series` (DCMTK
underneath)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = [
    "DicomSeries",
    "SeriesInfo",
    "dicom_available",
    "list_series",
    "load_series",
    "write_series",
]

PathLike = Union[str, "os.PathLike[str]"]
Paths = Union[PathLike, Sequence[PathLike]]

_DTYPES = {None: 0, "int16": _core.dtype_codes["int16"], "float32": _core.dtype_codes["float32"]}


@dataclass
class DicomSeries:
    """One loaded series.

    Voxel ``volume[k, j, i]`` (of every frame ``volume[t]`` of a dynamic series) lies at the
    patient position (LPS, mm) ``origin + k*spacing[0]*orientation[0] +
    j*spacing[1]*orientation[1] + i*spacing[2]*orientation[2]``.

    Attributes:
        volume: ``(slices, rows, columns)``, or ``(frames, slices, rows, columns)`` for a
            dynamic series (CT perfusion, DSC-MRI: the same slice positions repeated over
            time), as :func:`perfusion_maps` takes it; int16 (HU for CT) when every rescaled
            value is an integer that fits, else float32 (see :func:`load_series`).
        spacing: ``(z, y, x)`` in mm; z is the step between slice positions, never
            SliceThickness; y, x are PixelSpacing (between rows, between columns).
        origin: ImagePositionPatient ``(x, y, z)`` of the first slice.
        orientation: 3x3, rows are the unit vectors (x, y, z in LPS) of the array axes z, y, x:
            the slice step direction (the normal, row x column, unless a gantry tilt was
            allowed), the column direction and the row direction of ImageOrientationPatient.
        slice_thickness: SliceThickness of the first slice in mm, NaN when absent.
        patient_id, study_uid, series_uid, series_description, modality: the only identifiers
            kept from the files, decoded by their SpecificCharacterSet (Latin-1, Cyrillic,
            UTF-8, ...); bytes that cannot be decoded become U+FFFD.
        warnings: what was tolerated (skipped files, other series in the directory, ...).
        frame_times: of a dynamic series, float64 ``(frames,)``: seconds after the first
            frame (so ``frame_times[0] == 0``), a frame's time being the earliest of its
            images' (TriggerTime where the files have one that varies, else
            AcquisitionTime); NaN, with a warning, where the files give neither. None for a
            static series, whose ``volume`` has no time axis.
        frame_grouping: how the frames were told apart: ``'none'`` (static),
            ``'temporal_position'`` (TemporalPositionIdentifier), ``'trigger_time'``,
            ``'acquisition_time'`` (the images of a frame share it) or
            ``'repeated_positions'`` (the k-th image at each slice position, in time or
            InstanceNumber order, is frame k).
    """

    volume: np.ndarray
    spacing: Tuple[float, float, float]
    origin: Tuple[float, float, float]
    orientation: np.ndarray
    slice_thickness: float
    patient_id: str
    study_uid: str
    series_uid: str
    series_description: str
    modality: str
    warnings: List[str] = field(default_factory=list)
    frame_times: Optional[np.ndarray] = None
    frame_grouping: str = "none"

    @property
    def is_dynamic(self) -> bool:
        """True for a series of several frames (``volume`` is 4-D)."""
        return self.frame_times is not None


@dataclass
class SeriesInfo:
    """One series found by :func:`list_series`."""

    series_uid: str
    study_uid: str
    patient_id: str
    series_description: str
    modality: str
    series_number: int  # -1 when absent
    num_files: int
    rows: int
    columns: int


def dicom_available() -> bool:
    """True when this build of medkern reads DICOM (it was built with DCMTK)."""
    return bool(_core.dicom_available())


def _paths(path: Any) -> List[str]:
    if isinstance(path, (str, bytes, os.PathLike)):
        items = [path]
    else:
        try:
            items = list(path)
        except TypeError:
            raise _core.InvalidArgumentError(
                f"path: {path!r} is neither a path nor a list of paths"
            ) from None
    out = []
    for item in items:
        if not isinstance(item, (str, bytes, os.PathLike)):
            raise _core.InvalidArgumentError(f"path: {item!r} is not a path")
        text = os.fsdecode(item)
        # The operating system would read the path only up to the NUL: another file.
        if "\0" in text:
            raise _core.InvalidArgumentError(f"path: {text!r} contains a NUL byte")
        out.append(text)
    if not out:
        raise _core.InvalidArgumentError("path: an empty list of files")
    return out


def _check_threads(num_threads: Any) -> int:
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)):
        raise _core.InvalidArgumentError(f"num_threads: {num_threads!r} is not an integer")
    if num_threads < 0:
        raise _core.InvalidArgumentError(f"num_threads: {num_threads} is negative")
    return int(num_threads)


def load_series(
    path: Paths,
    *,
    series_uid: Optional[str] = None,
    dtype: Optional[str] = None,
    allow_irregular_spacing: bool = False,
    allow_gantry_tilt: bool = False,
    recursive: bool = False,
    num_threads: int = 0,
) -> DicomSeries:
    """Loads one DICOM series into a volume, or a dynamic series into frames.

    Args:
        path: a directory (its files are read; subdirectories only with ``recursive``), a
            file, or a list of files and directories.
        series_uid: the SeriesInstanceUID to load; None loads the series with the most files
            (with a warning when there are several; :func:`list_series` lists them).
        dtype: None (automatic): int16 when every rescaled value ``stored * RescaleSlope +
            RescaleIntercept`` is an integer in int16's range (CT in HU; MR without rescale
            below 32768), float32 otherwise (non-integer rescale, uint16 MR above 32767).
            ``'int16'`` raises :class:`InvalidDataError` where int16 would not be exact;
            ``'float32'`` always gives float32 (the rescale in double, rounded once).
        allow_irregular_spacing: missing slices or uneven spacing give a warning and the mean
            step as z spacing instead of an error.
        allow_gantry_tilt: a tilted stack loads as a sheared grid (``orientation[0]`` is the
            slice step direction) with a warning instead of an error.
        num_threads: files decoded in parallel; 0 = all cores.

    Slices are sorted by ImagePositionPatient projected on the slice normal; RescaleSlope /
    RescaleIntercept are applied per slice (1 / 0 when absent). Transfer syntaxes: implicit
    and explicit VR little endian, explicit big endian, deflated, RLE, JPEG
    baseline/extended/lossless, JPEG-LS. Files that are not DICOM images are skipped with a
    warning.

    A series in which some slice position holds several images is dynamic: its frames are
    found by TemporalPositionIdentifier where every file has one, else by a TriggerTime or
    AcquisitionTime that the images of a frame share, else the k-th image at each position
    (ordered by time, else InstanceNumber) is frame k. ``volume`` is then
    ``(frames, slices, rows, columns)`` and ``frame_times`` the frame times, ready for
    ``perfusion_maps(s.volume, s.frame_times, ...)``.

    Raises:
        NotSupportedError: (also NotImplementedError) another transfer syntax such as JPEG
            2000 ("unsupported transfer syntax", naming the file), colour or multi-frame
            images, or a build without DICOM support.
        InvalidDataError: (also ValueError) a truncated file, a JPEG frame whose own header
            gives another size than Rows x Columns, a RescaleSlope or RescaleIntercept that is
            not a finite number, varying orientation or image size, two slices at one
            position, missing slices, gantry tilt, no DICOM image; a dynamic series whose
            frames do not hold one image at each slice position (naming the frame).
        FileError: (also OSError) a path that does not exist, or that is neither a regular
            file nor a directory (a FIFO, a device; inside a directory they are skipped).
        InvalidArgumentError: (also ValueError) a ``series_uid`` that is not there, a path
            with a NUL byte.
    """
    if dtype is not None and not isinstance(dtype, str):
        dtype = np.dtype(dtype).name
    if dtype not in _DTYPES:
        raise _core.UnsupportedDTypeError(f"dtype: {dtype!r} is not None, 'int16' or 'float32'")
    if series_uid is not None and not isinstance(series_uid, str):
        raise _core.InvalidArgumentError(f"series_uid: {series_uid!r} is not a string")
    d = _core.load_series(
        _paths(path),
        series_uid or "",
        _DTYPES[dtype],
        bool(allow_irregular_spacing),
        bool(allow_gantry_tilt),
        bool(recursive),
        _check_threads(num_threads),
    )
    return DicomSeries(
        volume=d["volume"],
        spacing=tuple(d["spacing"]),
        origin=tuple(d["origin"]),
        orientation=np.array(d["orientation"], dtype=np.float64),
        slice_thickness=float(d["slice_thickness"]),
        patient_id=d["patient_id"],
        study_uid=d["study_uid"],
        series_uid=d["series_uid"],
        series_description=d["series_description"],
        modality=d["modality"],
        warnings=list(d["warnings"]),
        frame_times=np.array(d["frame_times"], dtype=np.float64) if d["frames"] > 1 else None,
        frame_grouping=d["frame_grouping"],
    )


def list_series(
    path: Paths, *, recursive: bool = False, num_threads: int = 0
) -> List[SeriesInfo]:
    """The DICOM series among the files of ``path`` (as :func:`load_series`), the largest
    first. Reads headers only; files that are not DICOM images are skipped (with Python
    warnings of category ``UserWarning``)."""
    series, warnings = _core.list_series(
        _paths(path), bool(recursive), _check_threads(num_threads)
    )
    if warnings:
        import warnings as _w

        for text in warnings:
            _w.warn(text, UserWarning, stacklevel=2)
    return [SeriesInfo(**s) for s in series]


def _floats(values: Any, n: int, name: str) -> List[float]:
    try:
        out = [float(v) for v in np.asarray(values, dtype=np.float64).reshape(-1)]
    except (TypeError, ValueError):
        raise _core.InvalidArgumentError(f"{name}: {values!r} is not {n} numbers") from None
    if len(out) != n:
        raise _core.InvalidArgumentError(f"{name}: {len(out)} values, not {n}")
    return out


def write_series(
    path: PathLike,
    volume: np.ndarray,
    times: Optional[Sequence[float]] = None,
    *,
    spacing: Sequence[float] = (1.0, 1.0, 1.0),
    origin: Sequence[float] = (0.0, 0.0, 0.0),
    orientation: Optional[Any] = None,
    modality: Optional[str] = None,
    slice_thickness: Optional[float] = None,
    rescale_intercept: int = -1024,
    echo_time: Optional[float] = None,
    patient_id: str = "",
    patient_name: str = "",
    study_uid: Optional[str] = None,
    series_uid: Optional[str] = None,
    series_description: str = "",
    series_number: int = 1,
    start_time_of_day: float = 36000.0,
    slice_interval: float = 0.0,
    temporal_position: bool = True,
    acquisition_time: bool = True,
    trigger_time: bool = False,
    instance_number: bool = True,
    num_threads: int = 0,
) -> List[str]:
    """Writes a volume or a dynamic series as single-frame DICOM files (CT or MR Image
    Storage, explicit VR little endian), one per frame and slice, that :func:`load_series`
    reads back: e.g. the perfusion phantom, rounded to int16 HU, as a CT perfusion series.

    Args:
        path: the directory (created when missing; files of the same names are replaced).
            Files are named ``t<frame>_z<slice>.dcm``, zero-padded to four digits.
        volume: int16 (CT in HU) or uint16 (MR) numpy array, ``(slices, rows, columns)`` or
            ``(frames, slices, rows, columns)``. Other dtypes are refused, not converted.
        times: the frame times in seconds, finite and increasing, one per frame (None for a
            volume).
        spacing: ``(z, y, x)`` in mm: the step between slices, PixelSpacing.
        origin, orientation: the geometry as :class:`DicomSeries` holds it (LPS; rows of
            ``orientation`` the unit vectors of the axes z, y, x, orthonormal with
            ``orientation[0] = orientation[2] x orientation[1]``); None: axial.
        modality: ``'CT'`` or ``'MR'``; None: CT for int16, MR for uint16.
        slice_thickness: SliceThickness in mm; None: the slice step.
        rescale_intercept: CT: stored values are ``HU - rescale_intercept`` (RescaleSlope 1)
            and must fit the stored type. MR is stored as it is.
        echo_time: MR: EchoTime in seconds (written in ms); None: not written.
        study_uid, series_uid: None generates them (2.25. UUID form).
        start_time_of_day: AcquisitionTime of the first frame, seconds after midnight; image
            (t, k) is acquired at ``start + times[t] - times[0] + k * slice_interval``.
        temporal_position, acquisition_time, trigger_time, instance_number: whether
            TemporalPositionIdentifier, AcquisitionTime, TriggerTime (ms after the first
            frame) and InstanceNumber are written: each scanner writes its own subset.

    Returns:
        The paths written, frame after frame, slice after slice.

    Raises:
        UnsupportedDTypeError: (also TypeError) a dtype other than int16 or uint16.
        InvalidArgumentError: (also ValueError) bad times, geometry or identifiers, or a CT
            value that does not fit after the intercept (naming the voxel).
        FileError: (also OSError) a directory or file that cannot be written.
        NotSupportedError: a build without DICOM support.
    """
    if not isinstance(volume, np.ndarray):
        raise _core.InvalidArgumentError(
            f"volume: a numpy array is needed, not {type(volume).__name__}"
        )
    if volume.dtype not in (np.dtype(np.int16), np.dtype(np.uint16)):
        raise _core.UnsupportedDTypeError(
            f"volume: dtype {volume.dtype} is not int16 (CT in HU) or uint16 (MR)"
        )
    if volume.ndim not in (3, 4):
        raise _core.InvalidArgumentError(
            f"volume: {volume.ndim} dimensions; (slices, rows, columns) or "
            "(frames, slices, rows, columns)"
        )
    frames = volume.shape[0] if volume.ndim == 4 else 1
    if times is None:
        if volume.ndim == 4 and frames > 1:
            raise _core.InvalidArgumentError("times: needed for a series of several frames")
        time_list: List[float] = []
    else:
        time_list = [float(t) for t in np.asarray(times, dtype=np.float64).reshape(-1)]
    if orientation is None:
        orientation = ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0))
    rows = np.asarray(orientation, dtype=np.float64)
    if rows.shape != (3, 3):
        raise _core.InvalidArgumentError(f"orientation: shape {rows.shape}, not (3, 3)")
    if modality is not None and not isinstance(modality, str):
        raise _core.InvalidArgumentError(f"modality: {modality!r} is not a string")
    text = os.fspath(path)
    if "\0" in text:
        raise _core.InvalidArgumentError(f"path: {text!r} contains a NUL byte")
    return _core.write_series(
        text,
        np.ascontiguousarray(volume),
        time_list,
        _floats(spacing, 3, "spacing"),
        _floats(origin, 3, "origin"),
        [list(map(float, r)) for r in rows],
        (modality or "").upper(),
        float(slice_thickness or 0.0),
        float(rescale_intercept),
        float(echo_time or 0.0),
        patient_id,
        patient_name,
        study_uid or "",
        series_uid or "",
        series_description,
        int(series_number),
        float(start_time_of_day),
        float(slice_interval),
        bool(temporal_position),
        bool(acquisition_time),
        bool(trigger_time),
        bool(instance_number),
        _check_threads(num_threads),
    )
