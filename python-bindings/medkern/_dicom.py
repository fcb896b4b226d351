"""DICOM series loading: :func:`load_series` and :func:`list_series` (DCMTK underneath)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = ["DicomSeries", "SeriesInfo", "dicom_available", "list_series", "load_series"]

PathLike = Union[str, "os.PathLike[str]"]
Paths = Union[PathLike, Sequence[PathLike]]

_DTYPES = {None: 0, "int16": _core.dtype_codes["int16"], "float32": _core.dtype_codes["float32"]}


@dataclass
class DicomSeries:
    """One loaded series.

    Voxel ``volume[k, j, i]`` lies at the patient position (LPS, mm)
    ``origin + k*spacing[0]*orientation[0] + j*spacing[1]*orientation[1]
    + i*spacing[2]*orientation[2]``.

    Attributes:
        volume: ``(slices, rows, columns)``; int16 (HU for CT) when every rescaled value is
            an integer that fits, else float32 (see :func:`load_series`).
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
    """Loads one DICOM series into a volume.

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

    Raises:
        NotSupportedError: (also NotImplementedError) another transfer syntax such as JPEG
            2000 ("unsupported transfer syntax", naming the file), colour or multi-frame
            images, or a build without DICOM support.
        InvalidDataError: (also ValueError) a truncated file, a JPEG frame whose own header
            gives another size than Rows x Columns, a RescaleSlope or RescaleIntercept that is
            not a finite number, varying orientation or image size, two slices at one
            position, missing slices, gantry tilt, no DICOM image.
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
