"""medkern.load_series / list_series / write_series against pydicom.

Real files written by others: pydicom's bundled test files (CT_small, MR_small in every
transfer syntax, the truncated MR, JPEG 2000), series written here with pydicom (its RLE
encoder too; dynamic series with each attribute that tells frames apart) and compressed
with DCMTK's command-line tools (JPEG lossless, baseline, JPEG-LS) where they are
installed; and the perfusion phantom written by medkern.write_series, read by pydicom.
Every volume is compared with pydicom's decoding (pixel_array + apply_modality_lut, slices
sorted by ImagePositionPatient on the normal); where pydicom has no decoder for a syntax,
with the uncompressed twin file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
from typing import List, Optional, Sequence

import numpy as np
import pytest

import medkern

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402
from pydicom.pixels import apply_modality_lut  # noqa: E402
from pydicom.uid import (  # noqa: E402
    CTImageStorage,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    MRImageStorage,
    RLELossless,
    generate_uid,
)

pytestmark = pytest.mark.skipif(
    not medkern.dicom_available(), reason="medkern built without DICOM support (DCMTK)"
)


# ---------------------------------------------------------------------------- helpers


def pydicom_pixels(path: str) -> Optional[np.ndarray]:
    """pydicom's rescaled values of a single-frame file, or None without a decoder."""
    ds = pydicom.dcmread(path)
    try:
        arr = ds.pixel_array
    except Exception:  # no pixel-data plugin for this transfer syntax here
        return None
    return np.asarray(apply_modality_lut(arr, ds))


def pydicom_volume(files: Sequence[str]) -> np.ndarray:
    """The reference: pydicom reads, sorts along the normal and rescales."""
    dss = [pydicom.dcmread(f) for f in files]
    iop = np.array(dss[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    dss.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    return np.stack([np.asarray(apply_modality_lut(d.pixel_array, d)) for d in dss])


def make_slice(
    pixels: np.ndarray,
    position: Sequence[float],
    *,
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    pixel_spacing=(0.7, 0.8),
    series_uid: str,
    study_uid: str = "1.2.826.0.1.3680043.8.498.1",
    thickness: float = 2.5,
    slope: float = 1.0,
    intercept: float = -1024.0,
    modality: str = "CT",
    syntax=ExplicitVRLittleEndian,
    description: str = "calcium score",
    series_number: int = 3,
) -> Dataset:
    meta = FileMetaDataset()
    sop_class = CTImageStorage if modality == "CT" else MRImageStorage
    sop_uid = generate_uid()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "PID-0042"
    ds.PatientBirthDate = "19600101"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = description
    ds.Modality = modality
    ds.ImagePositionPatient = [round(float(v), 4) for v in position]
    ds.ImageOrientationPatient = [float(v) for v in orientation]
    ds.PixelSpacing = [float(v) for v in pixel_spacing]
    ds.SliceThickness = thickness
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    if slope != 1.0 or intercept != 0.0 or modality == "CT":
        ds.RescaleSlope = slope
        ds.RescaleIntercept = intercept
    big = syntax == ExplicitVRBigEndian
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder(">" if big else "<")).tobytes()
    ds["PixelData"].VR = "OW" if bits == 16 else "OB"
    return ds


def write_series(
    folder: pathlib.Path,
    rng: np.random.Generator,
    *,
    n: int = 6,
    shape=(12, 10),
    step: float = 2.5,
    origin=(-40.0, -30.0, 80.0),
    orientation=(1, 0, 0, 0, 1, 0),
    series_uid: Optional[str] = None,
    positions: Optional[List[Sequence[float]]] = None,
    prefix: str = "im",
    dtype=np.int16,
    low: int = -1000,
    high: int = 3000,
    shuffle: bool = True,
    **kwargs,
) -> List[str]:
    """n slices; file names in a shuffled order so that names do not give the order."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    iop = np.array(orientation, float)
    normal = np.cross(iop[:3], iop[3:])
    if positions is None:
        positions = [np.array(origin) + k * step * normal for k in range(n)]
    names = list(range(len(positions)))
    if shuffle:
        rng.shuffle(names)
    files = []
    for k, pos in enumerate(positions):
        pixels = rng.integers(low, high, size=shape).astype(dtype)
        ds = make_slice(pixels, pos, orientation=orientation, series_uid=series_uid, **kwargs)
        path = folder / f"{prefix}{names[k]:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        files.append(str(path))
    return files


def assert_volume_equal(series: medkern.DicomSeries, reference: np.ndarray) -> None:
    assert series.volume.shape == reference.shape
    np.testing.assert_array_equal(series.volume, reference.astype(series.volume.dtype))
    # The cast above is exact: the values are the same numbers.
    np.testing.assert_array_equal(series.volume.astype(np.float64), reference)


# ---------------------------------------------------------------------------- pydicom's files

SINGLE_FILES = [
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_implicit.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_padded.dcm",
]


@pytest.mark.parametrize("name", SINGLE_FILES)
def test_pydicom_test_files_equal_pydicom(name: str) -> None:
    path = get_testdata_file(name)
    s = medkern.load_series(path)
    reference = pydicom_pixels(path)
    if reference is None:  # e.g. JPEG-LS without a pydicom plugin: the uncompressed twin
        reference = pydicom_pixels(get_testdata_file("MR_small.dcm"))
    assert s.volume.dtype == np.int16
    assert_volume_equal(s, reference[None])
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert s.spacing[1:] == tuple(float(v) for v in ds.PixelSpacing)
    assert s.spacing[0] == float(ds.SliceThickness)  # one slice: its thickness
    assert s.origin == tuple(float(v) for v in ds.ImagePositionPatient)
    iop = np.array(ds.ImageOrientationPatient, float)
    np.testing.assert_allclose(s.orientation[2], iop[:3] / np.linalg.norm(iop[:3]), atol=1e-12)
    np.testing.assert_allclose(s.orientation[1], iop[3:] / np.linalg.norm(iop[3:]), atol=1e-12)
    np.testing.assert_allclose(s.orientation[0], np.cross(s.orientation[2], s.orientation[1]))
    assert s.slice_thickness == float(ds.SliceThickness)
    assert s.series_uid == ds.SeriesInstanceUID
    assert s.study_uid == ds.StudyInstanceUID
    assert s.modality == ds.Modality
    assert s.patient_id == ds.get("PatientID", "")


def test_ct_small_is_hu() -> None:
    s = medkern.load_series(get_testdata_file("CT_small.dcm"))
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    assert float(ds.RescaleIntercept) == -1024.0
    np.testing.assert_array_equal(s.volume[0], ds.pixel_array.astype(np.int32) - 1024)


def test_mr_twins_decode_alike() -> None:
    """Every transfer syntax of MR_small gives the same voxels (pydicom's own test)."""
    base = medkern.load_series(get_testdata_file("MR_small.dcm")).volume
    for name in SINGLE_FILES[2:]:
        np.testing.assert_array_equal(medkern.load_series(get_testdata_file(name)).volume, base)


def test_jpeg_extended_12bit_against_pydicom() -> None:
    """JPGExtended.dcm: 12-bit lossy JPEG (process 2/4). Two lossy decoders (DCMTK's IJG and
    pydicom's plugin) may round the inverse DCT differently: at most 1 apart."""
    path = get_testdata_file("JPGExtended.dcm")
    reference = pydicom_pixels(path)
    if reference is None:
        pytest.skip("pydicom has no 12-bit JPEG decoder here (pylibjpeg-libjpeg)")
    s = medkern.load_series(path)
    assert s.volume.shape == (1,) + reference.shape
    assert np.abs(s.volume[0].astype(np.int64) - reference).max() <= 1
    assert any("no ImagePositionPatient" in w for w in s.warnings)


def test_truncated_file_is_an_error() -> None:
    path = get_testdata_file("MR_truncated.dcm")
    with pytest.raises(medkern.InvalidDataError, match="MR_truncated.dcm") as info:
        medkern.load_series(path)
    assert isinstance(info.value, ValueError)
    assert info.value.status == "MEDKERN_ERROR_INVALID_DATA"


def test_real_jpeg2000_is_unsupported() -> None:
    path = get_testdata_file("MR_small_jp2klossless.dcm")
    with pytest.raises(medkern.NotSupportedError, match="unsupported transfer syntax") as info:
        medkern.load_series(path)
    assert "MR_small_jp2klossless.dcm" in str(info.value)
    assert "JPEG 2000" in str(info.value)


def test_colour_is_unsupported() -> None:
    with pytest.raises(medkern.NotSupportedError, match="greyscale"):
        medkern.load_series(get_testdata_file("SC_rgb_rle.dcm"))


# ---------------------------------------------------------------------------- series


def test_shuffled_series_equals_pydicom(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=7, step=1.25, thickness=2.5)  # overlapping slices
    s = medkern.load_series(str(tmp_path))
    assert s.warnings == []
    assert_volume_equal(s, pydicom_volume(files))
    assert s.volume.dtype == np.int16
    assert s.spacing == pytest.approx((1.25, 0.7, 0.8), abs=1e-9)  # positions, not thickness
    assert s.slice_thickness == 2.5
    assert s.origin == pytest.approx((-40.0, -30.0, 80.0))
    np.testing.assert_allclose(s.orientation, np.eye(3)[::-1], atol=1e-12)
    assert s.patient_id == "PID-0042"
    assert s.series_description == "calcium score"
    assert s.modality == "CT"
    # No other identifier is kept.
    text = repr([getattr(s, f.name) for f in dataclasses.fields(s) if f.name != "volume"])
    assert "Doe" not in text and "19600101" not in text
    # A list of files in any order, and a Path, give the same volume.
    again = medkern.load_series(list(reversed(files)))
    np.testing.assert_array_equal(again.volume, s.volume)
    np.testing.assert_array_equal(medkern.load_series(tmp_path).volume, s.volume)


def test_oblique_series_sorts_along_the_normal(tmp_path, rng) -> None:
    c, d = np.cos(0.3), np.sin(0.3)
    iop = (c, d, 0.0, 0.0, 0.0, -1.0)  # an oblique coronal-ish plane
    files = write_series(tmp_path, rng, n=5, step=3.0, orientation=iop, origin=(5.0, 7.0, 9.0))
    s = medkern.load_series(tmp_path)
    assert_volume_equal(s, pydicom_volume(files))
    normal = np.cross(iop[:3], iop[3:])
    np.testing.assert_allclose(s.orientation[0], normal, atol=1e-12)
    assert s.spacing[0] == pytest.approx(3.0, abs=1e-3)
    assert s.origin == pytest.approx((5.0, 7.0, 9.0), abs=1e-3)


@pytest.mark.parametrize(
    "syntax", [ImplicitVRLittleEndian, ExplicitVRBigEndian], ids=["implicit", "big-endian"]
)
def test_series_in_other_syntaxes(tmp_path, rng, syntax) -> None:
    files = write_series(tmp_path, rng, n=4, syntax=syntax)
    assert_volume_equal(medkern.load_series(tmp_path), pydicom_volume(files))


def test_rle_series_written_by_pydicom(tmp_path, rng) -> None:
    plain = write_series(tmp_path / "plain", rng, n=5, shape=(20, 18))
    for f in plain:
        ds = pydicom.dcmread(f)
        ds.compress(RLELossless, generate_instance_uid=False)
        out = tmp_path / "rle" / os.path.basename(f)
        out.parent.mkdir(exist_ok=True)
        ds.save_as(out, enforce_file_format=True)
    rle = medkern.load_series(tmp_path / "rle")
    assert pydicom.dcmread(out).file_meta.TransferSyntaxUID == RLELossless
    assert_volume_equal(rle, pydicom_volume(plain))
    assert_volume_equal(rle, pydicom_volume(sorted(map(str, (tmp_path / "rle").iterdir()))))


DCMTK_TOOLS = [
    ("dcmcjpeg", ["+e1"], "1.2.840.10008.1.2.4.70", True),  # JPEG lossless SV1
    ("dcmcjpeg", ["+el"], "1.2.840.10008.1.2.4.57", True),  # JPEG lossless
    ("dcmcjpls", ["+el"], "1.2.840.10008.1.2.4.80", True),  # JPEG-LS lossless
    ("dcmcjpeg", ["+eb"], "1.2.840.10008.1.2.4.50", False),  # JPEG baseline (8 bits)
]


@pytest.mark.parametrize("tool,args,uid,lossless", DCMTK_TOOLS, ids=lambda v: str(v))
def test_series_compressed_by_dcmtk_tools(tmp_path, rng, tool, args, uid, lossless) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (Debian package dcmtk) is not installed")
    eight_bit = not lossless
    kwargs = dict(dtype=np.uint8, low=0, high=256, modality="MR") if eight_bit else {}
    plain = write_series(tmp_path / "plain", rng, n=4, shape=(24, 16), **kwargs)
    (tmp_path / "packed").mkdir()
    for f in plain:
        out = tmp_path / "packed" / os.path.basename(f)
        subprocess.run([tool, *args, f, str(out)], check=True, capture_output=True)
    packed = sorted(str(p) for p in (tmp_path / "packed").iterdir())
    assert pydicom.dcmread(packed[0]).file_meta.TransferSyntaxUID == uid
    s = medkern.load_series(tmp_path / "packed")
    if lossless:
        assert_volume_equal(s, pydicom_volume(plain))
    try:
        reference = pydicom_volume(packed)
    except Exception:  # pydicom without a JPEG plugin: the lossless case is checked above
        return
    if lossless:
        assert_volume_equal(s, reference)
    else:  # two lossy decoders (IJG in DCMTK, pydicom's plugin) round alike or 1 apart
        assert np.abs(s.volume.astype(np.int64) - reference).max() <= 1


def test_missing_slice(tmp_path, rng) -> None:
    positions = [(0.0, 0.0, 2.0 * k) for k in (0, 1, 2, 4, 5)]
    write_series(tmp_path, rng, positions=positions)
    with pytest.raises(medkern.InvalidDataError, match="missing slice"):
        medkern.load_series(tmp_path)
    s = medkern.load_series(tmp_path, allow_irregular_spacing=True)
    assert any("missing slice" in w for w in s.warnings)
    assert s.volume.shape[0] == 5
    assert s.spacing[0] == pytest.approx(2.5)  # the mean step, as the warning says


def test_two_slices_at_one_position(tmp_path, rng) -> None:
    positions = [(0.0, 0.0, z) for z in (0.0, 2.0, 2.0, 4.0)]
    write_series(tmp_path, rng, positions=positions)
    with pytest.raises(medkern.InvalidDataError, match="two slices at one position"):
        medkern.load_series(tmp_path)


def test_varying_orientation(tmp_path, rng) -> None:
    uid = generate_uid()
    write_series(tmp_path, rng, n=3, series_uid=uid, prefix="a")
    c, s = np.cos(0.2), np.sin(0.2)
    write_series(
        tmp_path,
        rng,
        n=1,
        series_uid=uid,
        prefix="b",
        orientation=(c, s, 0, -s, c, 0),
        origin=(-40.0, -30.0, 87.5),
    )
    with pytest.raises(medkern.InvalidDataError, match="varying orientation"):
        medkern.load_series(tmp_path)


def test_gantry_tilt(tmp_path, rng) -> None:
    tilt = np.deg2rad(15.0)
    # Axial images, each 2 mm further in z and 2*tan(15 deg) mm further in y.
    positions = [(0.0, 2.0 * k * np.tan(tilt), 2.0 * k) for k in range(5)]
    files = write_series(tmp_path, rng, positions=positions)
    with pytest.raises(medkern.InvalidDataError, match="gantry tilt"):
        medkern.load_series(tmp_path)
    s = medkern.load_series(tmp_path, allow_gantry_tilt=True)
    assert any("gantry tilt" in w and "15" in w for w in s.warnings)
    assert_volume_equal(s, pydicom_volume(files))
    step = np.array(positions[1]) - np.array(positions[0])
    np.testing.assert_allclose(s.orientation[0], step / np.linalg.norm(step), atol=1e-4)
    assert s.spacing[0] == pytest.approx(np.linalg.norm(step), abs=1e-3)


def test_two_series_in_one_directory(tmp_path, rng) -> None:
    big_uid, small_uid = generate_uid(), generate_uid()
    big = write_series(tmp_path, rng, n=5, series_uid=big_uid, prefix="big", series_number=2)
    small = write_series(
        tmp_path, rng, n=3, series_uid=small_uid, prefix="small", series_number=7,
        description="scout", shape=(8, 6),
    )
    listed = medkern.list_series(tmp_path)
    assert [x.series_uid for x in listed] == [big_uid, small_uid]
    assert [x.num_files for x in listed] == [5, 3]
    assert [x.series_number for x in listed] == [2, 7]
    assert (listed[1].rows, listed[1].columns) == (8, 6)
    assert listed[1].series_description == "scout"
    assert listed[0].patient_id == "PID-0042" and listed[0].modality == "CT"

    s = medkern.load_series(tmp_path)
    assert s.series_uid == big_uid
    assert any("2 series" in w and big_uid in w for w in s.warnings)
    assert_volume_equal(s, pydicom_volume(big))
    t = medkern.load_series(tmp_path, series_uid=small_uid)
    assert t.series_uid == small_uid and t.warnings == []
    assert_volume_equal(t, pydicom_volume(small))
    with pytest.raises(medkern.InvalidArgumentError, match=small_uid):
        medkern.load_series(tmp_path, series_uid="1.2.3.4")


def test_non_dicom_file_is_skipped(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=3)
    (tmp_path / "notes.txt").write_text("not DICOM\n" * 50)
    (tmp_path / "sub").mkdir()  # a subdirectory is not read
    s = medkern.load_series(tmp_path)
    assert_volume_equal(s, pydicom_volume(files))
    assert len(s.warnings) == 1 and "notes.txt" in s.warnings[0]
    with pytest.warns(UserWarning, match="notes.txt"):
        assert len(medkern.list_series(tmp_path)) == 1


def test_fake_jpeg2000_names_the_file(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=3)
    ds = pydicom.dcmread(files[1])
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(60)])
    ds["PixelData"].VR = "OB"
    ds.save_as(files[1], enforce_file_format=True)
    with pytest.raises(medkern.NotSupportedError, match="unsupported transfer syntax") as info:
        medkern.load_series(tmp_path)
    assert os.path.basename(files[1]) in str(info.value)
    assert "1.2.840.10008.1.2.4.90" in str(info.value)


def test_float32_when_rescale_is_not_integral(tmp_path, rng) -> None:
    files = write_series(
        tmp_path, rng, n=3, modality="MR", slope=0.37, intercept=1.5, low=0, high=4000
    )
    s = medkern.load_series(tmp_path)
    assert s.volume.dtype == np.float32
    reference = pydicom_volume(files)
    np.testing.assert_array_equal(s.volume, reference.astype(np.float32))
    with pytest.raises(medkern.InvalidDataError, match="not integers"):
        medkern.load_series(tmp_path, dtype="int16")


def test_uint16_mr_above_int16(tmp_path, rng) -> None:
    files = write_series(
        tmp_path, rng, n=3, modality="MR", intercept=0.0, dtype=np.uint16, low=0, high=65536
    )
    s = medkern.load_series(tmp_path)
    assert s.volume.dtype == np.float32
    np.testing.assert_array_equal(s.volume, pydicom_volume(files))
    forced = medkern.load_series(tmp_path, dtype="float32")
    np.testing.assert_array_equal(forced.volume, s.volume)
    ct = medkern.load_series(get_testdata_file("CT_small.dcm"), dtype=np.float32)
    assert ct.volume.dtype == np.float32
    np.testing.assert_array_equal(ct.volume[0], pydicom_pixels(get_testdata_file("CT_small.dcm")))


def test_per_slice_rescale(tmp_path, rng) -> None:
    a = write_series(tmp_path, rng, n=2, prefix="a", intercept=-1024.0, series_uid="1.2.3.9")
    b = write_series(
        tmp_path, rng, n=2, prefix="b", intercept=-1000.0, slope=2.0, series_uid="1.2.3.9",
        origin=(-40.0, -30.0, 85.0), low=-500, high=1500,
    )
    s = medkern.load_series(tmp_path)
    assert s.volume.dtype == np.int16
    assert_volume_equal(s, pydicom_volume(a + b))


# ---------------------------------------------------------------------------- text


def test_latin1_strings_decode_by_the_character_set(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=3, description="Thorax tête")
    for f in files:
        ds = pydicom.dcmread(f)
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.PatientID = "Müller-7"
        ds.save_as(f, enforce_file_format=True)
    raw = pathlib.Path(files[0]).read_bytes()
    assert b"Thorax t\xeate" in raw and "Thorax tête".encode() not in raw  # Latin-1 bytes
    s = medkern.load_series(tmp_path)
    assert s.series_description == "Thorax tête"
    assert s.patient_id == "Müller-7"
    assert_volume_equal(s, pydicom_volume(files))
    listed = medkern.list_series(tmp_path)
    assert listed[0].series_description == "Thorax tête"
    assert listed[0].patient_id == "Müller-7"


@pytest.mark.parametrize(
    "charset,text",
    [
        ("ISO_IR 144", "Грудная клетка"),  # Cyrillic, ISO 8859-5
        ("ISO_IR 126", "Θώρακας"),  # Greek, ISO 8859-7
        ("ISO_IR 192", "Thorax tête ✓"),  # UTF-8
        ("ISO 2022 IR 6\\ISO 2022 IR 100", "Thorax tête"),  # Latin-1 with code extensions
    ],
)
def test_other_character_sets_decode_as_pydicom(tmp_path, rng, charset, text) -> None:
    files = write_series(tmp_path, rng, n=2)
    for f in files:
        ds = pydicom.dcmread(f)
        ds.SpecificCharacterSet = charset.split("\\")
        ds.SeriesDescription = text
        ds.save_as(f, enforce_file_format=True)
    assert pydicom.dcmread(files[0]).SeriesDescription == text
    assert medkern.load_series(tmp_path).series_description == text
    assert medkern.list_series(tmp_path)[0].series_description == text


def test_undeclared_non_utf8_bytes_are_replaced(tmp_path, rng) -> None:
    """Without SpecificCharacterSet the text must be ASCII; other bytes that are not UTF-8
    come back as U+FFFD rather than as an undecodable string."""
    files = write_series(tmp_path, rng, n=2)
    for f in files:
        ds = pydicom.dcmread(f)
        ds.SeriesDescription = b"Thorax t\xeate"
        ds.save_as(f, enforce_file_format=True)
    assert "SpecificCharacterSet" not in pydicom.dcmread(files[0])
    s = medkern.load_series(tmp_path)
    assert s.series_description == "Thorax t\ufffdte"
    assert medkern.list_series(tmp_path)[0].series_description == "Thorax t\ufffdte"


# ---------------------------------------------------------------------------- values


def forge_jpeg_series(tmp_path, rng, tool, args, encoded_shape, declared_shape) -> List[str]:
    """A JPEG series of `declared_shape` images, one of whose files holds a frame of
    `encoded_shape` under the Rows x Columns of the others."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (Debian package dcmtk) is not installed")
    plain = write_series(tmp_path / "plain", rng, n=3, shape=declared_shape)
    odd = write_series(tmp_path / "odd", rng, n=1, shape=encoded_shape)
    (tmp_path / "packed").mkdir()
    packed = []
    for f in plain:
        out = tmp_path / "packed" / os.path.basename(f)
        subprocess.run([tool, *args, f, str(out)], check=True, capture_output=True)
        packed.append(str(out))
    forged = tmp_path / "odd.dcm"
    subprocess.run([tool, *args, odd[0], str(forged)], check=True, capture_output=True)
    victim = pydicom.dcmread(packed[1])
    ds = pydicom.dcmread(forged)
    ds.Rows, ds.Columns = declared_shape
    ds.SeriesInstanceUID = victim.SeriesInstanceUID
    ds.ImagePositionPatient = victim.ImagePositionPatient
    ds.save_as(packed[1], enforce_file_format=True)
    return packed


@pytest.mark.parametrize(
    "tool,args,encoded",
    [
        ("dcmcjpeg", ["+e1"], (32, 24)),  # larger than Rows x Columns
        ("dcmcjpeg", ["+e1"], (8, 6)),  # smaller
        ("dcmcjpeg", ["+e1"], (16, 24)),  # as many pixels, transposed
        ("dcmcjpls", ["+el"], (32, 24)),
    ],
    ids=["jpeg-larger", "jpeg-smaller", "jpeg-transposed", "jpeg-ls-larger"],
)
def test_compressed_frame_of_another_size_is_an_error(tmp_path, rng, tool, args, encoded) -> None:
    packed = forge_jpeg_series(tmp_path, rng, tool, args, encoded, (24, 16))
    assert pydicom.dcmread(packed[1]).Rows == 24
    with pytest.raises(medkern.InvalidDataError) as info:
        medkern.load_series(tmp_path / "packed")
    message = str(info.value)
    assert os.path.basename(packed[1]) in message
    assert f"{encoded[0]} x {encoded[1]}" in message and "24 x 16" in message
    medkern.list_series(tmp_path / "packed")  # headers alone are fine


@pytest.mark.parametrize("attribute", ["RescaleSlope", "RescaleIntercept"])
@pytest.mark.parametrize("value", [b"abc ", b"NaN ", b"inf ", b"-Infinity ", b"1e999 "])
def test_unreadable_rescale_is_an_error(tmp_path, rng, attribute, value) -> None:
    files = write_series(tmp_path, rng, n=3)
    tag = {"RescaleSlope": 0x00281053, "RescaleIntercept": 0x00281052}[attribute]
    # A raw element: pydicom itself would refuse to write these values.
    ds = pydicom.dcmread(files[2])
    ds[tag] = pydicom.dataelem.RawDataElement(
        pydicom.tag.Tag(tag), "DS", len(value), value, 0, False, True
    )
    ds.save_as(files[2], enforce_file_format=True)
    assert value in pathlib.Path(files[2]).read_bytes()
    with pytest.raises(medkern.InvalidDataError) as info:
        medkern.load_series(tmp_path)
    message = str(info.value)
    assert os.path.basename(files[2]) in message
    assert attribute in message
    assert value.decode().strip() in message


def test_missing_rescale_is_identity(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=3, modality="MR", intercept=0.0, dtype=np.uint16,
                         low=0, high=4000)
    assert "RescaleSlope" not in pydicom.dcmread(files[0])
    s = medkern.load_series(tmp_path)
    assert s.volume.dtype == np.int16
    assert_volume_equal(s, pydicom_volume(files))


# ---------------------------------------------------------------------------- bad input


def test_bad_paths(tmp_path) -> None:
    with pytest.raises(medkern.FileError, match="no such file") as info:
        medkern.load_series(tmp_path / "missing")
    assert isinstance(info.value, OSError)
    with pytest.raises(medkern.InvalidDataError, match="no DICOM image"):
        medkern.load_series(tmp_path)  # empty directory
    (tmp_path / "x.bin").write_bytes(b"\0" * 10)
    with pytest.raises(medkern.InvalidDataError, match="x.bin"):
        medkern.load_series(tmp_path / "x.bin")
    with pytest.raises(medkern.InvalidArgumentError):
        medkern.load_series([])
    with pytest.raises(medkern.InvalidArgumentError):
        medkern.load_series(None)
    with pytest.raises(medkern.InvalidArgumentError):
        medkern.load_series([str(tmp_path), 3])
    with pytest.raises(medkern.UnsupportedDTypeError):
        medkern.load_series(tmp_path, dtype="uint8")
    with pytest.raises(medkern.InvalidArgumentError):
        medkern.load_series(tmp_path, num_threads=-1)
    # Thread counts the system could not start are refused before any thread is made.
    with pytest.raises(medkern.InvalidArgumentError, match="hardware threads"):
        medkern.load_series(tmp_path, num_threads=100000)
    with pytest.raises(medkern.InvalidArgumentError, match="hardware threads"):
        medkern.list_series(tmp_path, num_threads=100000)
    with pytest.raises(medkern.FileError):
        medkern.list_series(tmp_path / "missing")


def run_with_deadline(code: str, seconds: float = 30.0) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter that imports this medkern, killed at the deadline,
    so that a call that blocks fails the test instead of hanging it."""
    env = dict(os.environ)
    package_root = str(pathlib.Path(medkern.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    try:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=seconds,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {seconds} s (blocked?): {code}")


@pytest.mark.parametrize("function", ["load_series", "list_series"])
def test_fifo_given_as_a_path_is_refused(tmp_path, function) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    fifo = tmp_path / "pipe.dcm"
    os.mkfifo(fifo)
    code = (
        "import medkern\n"
        f"try:\n    medkern.{function}({str(fifo)!r})\n"
        "except medkern.MedkernError as e:\n"
        "    print(type(e).__name__, e.status, e)\n"
        "else:\n    print('no error')\n"
    )
    run = run_with_deadline(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("FileError MEDKERN_ERROR_IO"), run.stdout
    assert str(fifo) in run.stdout and "not a regular file" in run.stdout


def test_fifo_inside_a_directory_is_skipped(tmp_path, rng) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    write_series(tmp_path, rng, n=2)
    os.mkfifo(tmp_path / "pipe.dcm")
    code = (
        "import medkern\n"
        f"print(medkern.load_series({str(tmp_path)!r}).volume.shape[0])\n"
    )
    run = run_with_deadline(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2"


@pytest.mark.parametrize("function", ["load_series", "list_series"])
def test_path_with_a_nul_byte_is_refused(tmp_path, rng, function) -> None:
    files = write_series(tmp_path, rng, n=1)
    call = getattr(medkern, function)
    call(files[0])  # the file itself is readable
    for bad in (files[0] + "\0.txt", os.fsencode(files[0]) + b"\0.txt", [str(tmp_path) + "\0x"]):
        with pytest.raises(medkern.InvalidArgumentError, match="NUL") as info:
            call(bad)
        assert isinstance(info.value, ValueError)
        assert os.path.basename(files[0]) in str(info.value) or str(tmp_path) in str(info.value)
    with pytest.raises(medkern.InvalidArgumentError, match="NUL"):
        medkern._core.load_series([files[0] + "\0.txt"], "", 0, False, False, False, 0)
    with pytest.raises(medkern.InvalidArgumentError, match="NUL"):
        medkern._core.list_series([files[0] + "\0.txt"], False, 0)


def test_truncated_copies_never_crash(tmp_path, rng) -> None:
    """Every prefix length of a file: an error or a volume, never a crash."""
    files = write_series(tmp_path / "src", rng, n=1, shape=(8, 8))
    data = pathlib.Path(files[0]).read_bytes()
    target = tmp_path / "cut.dcm"
    for length in list(range(0, len(data), 37)) + [len(data) - 1]:
        target.write_bytes(data[:length])
        try:
            medkern.load_series(target)
        except medkern.MedkernError as e:
            assert e.status in ("MEDKERN_ERROR_INVALID_DATA", "MEDKERN_ERROR_NOT_SUPPORTED")


# ---------------------------------------------------------------------------- the CLI


def medkern_cli() -> Optional[str]:
    """The `medkern` program of the build whose Python package is imported (build/bin)."""
    build = pathlib.Path(medkern.__file__).resolve().parents[2]
    path = build / "bin" / "medkern"
    return str(path) if path.is_file() else shutil.which("medkern")


def test_cli_scores_a_dicom_series_as_the_python_api(tmp_path, rng) -> None:
    # Calcified spots (raw 1200..1800, i.e. 176..776 HU) in soft tissue, 3 mm slices
    # written 2.5 mm apart: `medkern calcium DIR` must read the same volume and
    # thickness and score it as calcium_score does.
    cli = medkern_cli()
    if cli is None:
        pytest.skip("no medkern program next to the Python package")
    write_series(tmp_path, rng, n=8, shape=(40, 36), step=2.5, low=1000, high=1100,
                 thickness=3.0)
    for path in tmp_path.iterdir():  # add spots of calcium to every slice
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array.copy()
        for _ in range(4):
            y, x = rng.integers(0, 34, size=2)
            pixels[y:y + 3, x:x + 2] = rng.integers(1200, 1800)
        ds.PixelData = pixels.astype("<i2").tobytes()
        ds.save_as(path)
    series = medkern.load_series(str(tmp_path))
    expected = medkern.calcium_score(series.volume, series.spacing,
                                     slice_thickness=series.slice_thickness, device="cpu")
    assert expected.agatston > 0
    run = subprocess.run([cli, "calcium", str(tmp_path), "--json", "--device", "cpu"],
                         capture_output=True, text=True, check=True)
    got = json.loads(run.stdout)
    assert got["agatston"] == pytest.approx(expected.agatston)
    assert got["volume_mm3"] == pytest.approx(expected.volume_mm3)
    assert got["risk_category"] == expected.risk_category
    assert got["lesions_3d"] == expected.lesions_3d
    assert len(got["lesions"]) == len(expected.lesions)


# ---------------------------------------------------------------------------- dynamic series


def tm_seconds(text: str) -> float:
    """A DICOM TM value as seconds after midnight (pydicom gives the text)."""
    text = str(text).replace(":", "")
    whole, _, fraction = text.partition(".")
    h, m, s = int(whole[0:2]), int(whole[2:4] or 0), int(whole[4:6] or 0)
    return h * 3600 + m * 60 + s + (float("0." + fraction) if fraction else 0.0)


def pydicom_frames(files: Sequence[str]):
    """The reference of a series medkern wrote: pydicom reads every file, groups them by
    TemporalPositionIdentifier, sorts each frame along the normal and rescales; the frame
    times come from AcquisitionTime. Returns (volume (nt, nz, ny, nx), times, datasets)."""
    dss = [pydicom.dcmread(f) for f in files]
    iop = np.array(dss[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    frames: dict = {}
    for d in dss:
        frames.setdefault(int(d.TemporalPositionIdentifier), []).append(d)
    volume, times = [], []
    for key in sorted(frames):
        frame = sorted(frames[key], key=lambda d: float(np.dot(normal, d.ImagePositionPatient)))
        volume.append(np.stack([np.asarray(apply_modality_lut(d.pixel_array, d)) for d in frame]))
        times.append(min(tm_seconds(d.AcquisitionTime) for d in frame))
    times = np.array(times) - times[0]
    return np.stack(volume), times, dss


def phantom_ct(nz: int = 3, frames: int = 20) -> tuple:
    """The perfusion phantom as int16 HU over nz slices (slice k = phantom + 10 k HU)."""
    phantom = medkern.perfusion_phantom(frames=frames, block=1, cbf=[20, 60], mtt=[4, 8],
                                        delay=[0, 2], aif_peak=300.0)
    hu = np.rint(phantom.series[:, 0]).astype(np.int16)  # (nt, ny, nx)
    volume = np.stack([hu + np.int16(10 * k) for k in range(nz)], axis=1)
    return phantom, volume


@pytest.mark.parametrize("uneven", [False, True], ids=["phantom-times", "uneven-times"])
def test_perfusion_phantom_written_and_read_back_equals_pydicom(tmp_path, uneven) -> None:
    phantom, volume = phantom_ct()
    nt = volume.shape[0]
    times = phantom.times.copy()
    if uneven:  # fast over the bolus, slow after it
        times = np.where(np.arange(nt) < 10, 1.5 * np.arange(nt), 13.5 + 3.25 * (np.arange(nt) - 9))
    c, s = np.cos(0.3), np.sin(0.3)
    orientation = np.array([[-s, c, 0.0], [0.0, 0.0, -1.0], [c, s, 0.0]])
    files = medkern.write_series(tmp_path, volume, times, spacing=(2.5, 0.8, 0.7),
                                 origin=(-100.5, 50.25, 30.0), orientation=orientation,
                                 patient_id="DRO-1", series_description="perfusion DRO")
    assert len(files) == volume.shape[0] * volume.shape[1]

    reference, reference_times, dss = pydicom_frames(files)
    series = medkern.load_series(tmp_path)
    assert series.warnings == []
    assert series.is_dynamic and series.frame_grouping == "temporal_position"
    assert series.volume.shape == volume.shape and series.volume.dtype == np.int16
    np.testing.assert_array_equal(series.volume, reference)  # pydicom's reading
    np.testing.assert_array_equal(series.volume, volume)  # what was written
    np.testing.assert_allclose(series.frame_times, reference_times, atol=1e-6)
    np.testing.assert_allclose(series.frame_times, times - times[0], atol=1e-6)
    # The geometry pydicom reads.
    first = min(dss, key=lambda d: (int(d.TemporalPositionIdentifier),
                                    float(np.dot(orientation[0], d.ImagePositionPatient))))
    np.testing.assert_allclose(series.origin, np.array(first.ImagePositionPatient, float),
                               atol=1e-9)
    np.testing.assert_allclose(series.orientation[2], first.ImageOrientationPatient[:3], atol=1e-9)
    np.testing.assert_allclose(series.orientation[1], first.ImageOrientationPatient[3:], atol=1e-9)
    np.testing.assert_allclose(series.orientation, orientation, atol=1e-9)
    assert series.spacing == pytest.approx((2.5, 0.8, 0.7))
    assert [float(v) for v in first.PixelSpacing] == [0.8, 0.7]
    assert float(first.SliceThickness) == 2.5
    assert first.Modality == "CT" and first.SOPClassUID == CTImageStorage
    assert float(first.RescaleIntercept) == -1024.0 and float(first.RescaleSlope) == 1.0
    assert int(first.NumberOfTemporalPositions) == nt
    assert len({d.SOPInstanceUID for d in dss}) == len(dss)
    assert len({d.SeriesInstanceUID for d in dss}) == 1
    assert series.patient_id == "DRO-1" and series.series_description == "perfusion DRO"
    # The loaded series feeds the perfusion maps as the array written does.
    a = medkern.perfusion_maps(volume, times, phantom.aif, method="csvd", device="cpu")
    b = medkern.perfusion_maps(series.volume, series.frame_times, phantom.aif, method="csvd",
                               device="cpu")
    assert a.valid.sum() > 0
    np.testing.assert_array_equal(a.valid, b.valid)
    np.testing.assert_allclose(b.cbf, a.cbf, rtol=1e-5, atol=1e-5)


def write_dynamic_with_pydicom(folder: pathlib.Path, rng, *, nt=5, nz=3, tags=("tpi", "acq"),
                               slice_interval=0.0, gap=None) -> tuple:
    """A dynamic CT series written by pydicom, file names shuffled: `tags` chooses what tells
    the frames apart ('tpi', 'acq', 'trigger', 'instance'); 'ge' writes one AcquisitionTime
    for the whole series, as GE does. Returns (volume, times, files by (t, k))."""
    folder.mkdir(parents=True, exist_ok=True)
    uid = generate_uid()
    times = np.cumsum(rng.uniform(0.8, 3.0, nt))
    times -= times[0]
    volume = rng.integers(-1000, 2000, size=(nt, nz, 6, 5)).astype(np.int16)
    names = rng.permutation(nt * nz)
    files = {}
    for t in range(nt):
        for k in range(nz):
            if gap == (t, k):
                continue
            ds = make_slice(volume[t, k] + 1024, (0.0, 0.0, 3.0 * k), series_uid=uid,
                            thickness=3.0)
            if "tpi" in tags:
                ds.TemporalPositionIdentifier = t + 1
            seconds = 9 * 3600 + 30 + times[t] + k * slice_interval
            if "acq" in tags:
                h, rest = divmod(seconds, 3600)
                m, sec = divmod(rest, 60)
                ds.AcquisitionTime = f"{int(h):02d}{int(m):02d}{sec:09.6f}"
            if "ge" in tags:
                ds.AcquisitionTime = "093000"
            if "trigger" in tags:
                ds.TriggerTime = f"{times[t] * 1000:.3f}"
            if "instance" in tags:
                ds.InstanceNumber = t * nz + k + 1
            path = folder / f"x{names[t * nz + k]:03d}.dcm"
            ds.save_as(path, enforce_file_format=True)
            files[(t, k)] = str(path)
    return volume, times, files


DYNAMIC_CASES = [
    (("tpi", "acq"), 0.0, "temporal_position"),
    (("acq",), 0.0, "acquisition_time"),
    (("trigger", "ge"), 0.0, "trigger_time"),
    (("acq", "instance"), 0.05, "repeated_positions"),
    (("instance",), 0.0, "repeated_positions"),
]


@pytest.mark.parametrize("tags,slice_interval,grouping", DYNAMIC_CASES,
                         ids=["tpi", "acquisition-time", "trigger-time-ge", "per-slice-times",
                              "instance-number"])
def test_dynamic_series_written_by_pydicom(tmp_path, rng, tags, slice_interval, grouping) -> None:
    volume, times, files = write_dynamic_with_pydicom(tmp_path, rng, tags=tags,
                                                      slice_interval=slice_interval)
    nt, nz = volume.shape[:2]
    reference = np.stack([np.stack([np.asarray(apply_modality_lut(
        pydicom.dcmread(files[(t, k)]).pixel_array, pydicom.dcmread(files[(t, k)])))
        for k in range(nz)]) for t in range(nt)])
    s = medkern.load_series(tmp_path)
    assert s.frame_grouping == grouping
    assert s.volume.shape == (nt, nz, 6, 5)
    np.testing.assert_array_equal(s.volume, reference)
    np.testing.assert_array_equal(s.volume, volume)
    assert s.spacing == pytest.approx((3.0, 0.7, 0.8))
    if grouping == "repeated_positions" and "acq" not in tags:
        assert np.isnan(s.frame_times).all()
        assert any("frame times are unknown" in w for w in s.warnings)
    else:
        assert s.warnings == []
        np.testing.assert_allclose(s.frame_times, times, atol=2e-6)
    # Shuffled lists of files give the same series.
    listed = list(files.values())
    rng.shuffle(listed)
    np.testing.assert_array_equal(medkern.load_series(listed).volume, s.volume)


MISSING_SLICE_CASES = [
    (("tpi", "acq"), r"frame 2 \(TemporalPositionIdentifier 3\)"),
    (("acq",), r"frame 2 \(AcquisitionTime 09:00:3"),
    (("instance",), "two slices at one position"),
]


@pytest.mark.parametrize("tags,name", MISSING_SLICE_CASES,
                         ids=["tpi", "acquisition-time", "instance-number"])
def test_dynamic_frame_without_a_slice_is_an_error(tmp_path, rng, tags, name) -> None:
    write_dynamic_with_pydicom(tmp_path, rng, tags=tags, gap=(2, 1))
    with pytest.raises(medkern.InvalidDataError, match=name) as info:
        medkern.load_series(tmp_path)
    assert "has no image at" in str(info.value)


def test_one_temporal_position_with_a_slice_twice_is_static(tmp_path, rng) -> None:
    # Every file of temporal position 1 (a single phase): the repeated slice is the static
    # series' error, not a second frame.
    uid = generate_uid()
    for n, z in enumerate((0.0, 2.0, 2.0, 4.0)):
        ds = make_slice(rng.integers(0, 100, (4, 4)).astype(np.int16), (0.0, 0.0, z),
                        series_uid=uid)
        ds.TemporalPositionIdentifier = 1
        ds.AcquisitionTime = f"1000{n:02d}"
        ds.save_as(tmp_path / f"s{n}.dcm", enforce_file_format=True)
    with pytest.raises(medkern.InvalidDataError, match="two slices at one position") as info:
        medkern.load_series(tmp_path)
    assert "frame" not in str(info.value)


def test_static_series_has_no_frame_times(tmp_path, rng) -> None:
    files = write_series(tmp_path, rng, n=4)
    s = medkern.load_series(tmp_path)
    assert s.frame_times is None and not s.is_dynamic and s.frame_grouping == "none"
    assert s.volume.ndim == 3
    assert_volume_equal(s, pydicom_volume(files))


def test_write_series_mr_and_errors(tmp_path, rng) -> None:
    mr = rng.integers(0, 60000, size=(4, 2, 5, 6)).astype(np.uint16)
    times = [0.0, 1.2, 2.4, 3.6]
    files = medkern.write_series(tmp_path / "mr", mr, times, echo_time=0.03, trigger_time=True)
    ds = pydicom.dcmread(files[-1])
    assert ds.Modality == "MR" and ds.SOPClassUID == MRImageStorage
    assert float(ds.EchoTime) == 30.0 and float(ds.TriggerTime) == 3600.0
    assert "RescaleIntercept" not in ds
    np.testing.assert_array_equal(ds.pixel_array, mr[3, 1])
    s = medkern.load_series(tmp_path / "mr")
    assert s.frame_grouping == "temporal_position" and s.modality == "MR"
    np.testing.assert_array_equal(s.volume, mr)  # float32: values above int16
    np.testing.assert_allclose(s.frame_times, times, atol=1e-9)
    # A static volume: no time axis.
    medkern.write_series(tmp_path / "static", mr[0])
    static = medkern.load_series(tmp_path / "static")
    assert static.frame_times is None
    np.testing.assert_array_equal(static.volume, mr[0])

    with pytest.raises(medkern.UnsupportedDTypeError, match="float32"):
        medkern.write_series(tmp_path / "x", mr.astype(np.float32), times)
    with pytest.raises(medkern.InvalidArgumentError, match="3 times for 4 frames"):
        medkern.write_series(tmp_path / "x", mr, times[:3])
    with pytest.raises(medkern.InvalidArgumentError, match="times"):
        medkern.write_series(tmp_path / "x", mr, [0.0, 2.0, 1.0, 3.0])
    with pytest.raises(medkern.InvalidArgumentError, match="orientation"):
        medkern.write_series(tmp_path / "x", mr, times, orientation=np.eye(3))
    hot = np.full((1, 2, 2), 32000, np.int16)
    with pytest.raises(medkern.InvalidArgumentError, match="32000"):
        medkern.write_series(tmp_path / "x", hot)
    assert not (tmp_path / "x").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    cli = medkern_cli()
    if cli is None:
        pytest.skip("no medkern program next to the Python package")
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True)


def round_half_up(values: np.ndarray) -> np.ndarray:
    """std::round of positive values (np.rint would round halves to even)."""
    return np.floor(np.asarray(values, dtype=np.float64) + 0.5)


@pytest.mark.parametrize("modality", ["ct", "mr"])
def test_cli_writes_the_phantom_as_a_dicom_series(tmp_path, modality) -> None:
    run = run_cli("perfusion", "--phantom", "--dicom", tmp_path, "--frames", 30, "--modality",
                  modality, "--json")
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert got["files"] == 30 and got["frames"] == 30 and got["shape"] == [1, 144, 28]
    phantom = medkern.perfusion_phantom(modality=modality, frames=30,
                                        aif_peak=300.0 if modality == "ct" else 60.0)
    s = medkern.load_series(tmp_path)
    assert s.volume.shape == (30, 1, 144, 28)
    np.testing.assert_allclose(s.frame_times, np.arange(30.0), atol=1e-9)
    assert s.spacing == pytest.approx((5.0, 1.0, 1.0))
    np.testing.assert_array_equal(s.volume[:, :, :140], round_half_up(phantom.series))
    arterial = np.broadcast_to(round_half_up(phantom.aif)[:, None, None, None], (30, 1, 4, 28))
    np.testing.assert_array_equal(s.volume[:, :, 140:], arterial)
    ds = pydicom.dcmread(next(tmp_path.iterdir()))
    assert ds.Modality == modality.upper() and ds.PatientID == "MEDKERN-DRO"
    if modality == "mr":
        assert float(ds.EchoTime) == pytest.approx(30.0)
        assert ds.PixelRepresentation == 0
    else:
        assert float(ds.RescaleIntercept) == -1024.0


def test_cli_perfusion_maps_as_nifti_equal_the_python_api(tmp_path) -> None:
    nibabel = pytest.importorskip("nibabel")
    # The phantom over two slices of an oblique geometry, with rows of arterial voxels.
    phantom = medkern.perfusion_phantom(frames=40, block=2, aif_peak=300.0)
    nt, _, ny, nx = phantom.series.shape
    tissue = round_half_up(phantom.series[:, 0])
    arterial = np.broadcast_to(round_half_up(phantom.aif)[:, None, None], (nt, 4, nx))
    frame = np.concatenate([tissue, arterial], axis=1).astype(np.int16)
    volume = np.stack([frame, frame + np.int16(5)], axis=1)  # (nt, 2, ny + 4, nx)
    c, s = np.cos(0.4), np.sin(0.4)
    orientation = np.array([[0.0, -s, c], [0.0, c, s], [1.0, 0.0, 0.0]])  # tilted axial
    assert np.allclose(np.cross(orientation[2], orientation[1]), orientation[0])
    dicom_dir, out = tmp_path / "dicom", tmp_path / "maps"
    files = medkern.write_series(dicom_dir, volume, phantom.times, spacing=(4.0, 0.9, 0.8),
                                 origin=(-60.0, 25.0, 110.0), orientation=orientation)
    run = run_cli("perfusion", dicom_dir, "--out", out, "--json", "--device", "cpu")
    if run.returncode != 0 and "NIfTI output is not built" in run.stderr:
        pytest.skip("medkern built without NIfTI output (libnifti)")
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)

    # The same series through the Python API.
    series = medkern.load_series(dicom_dir)
    chosen = medkern.select_aif(series.volume, series.frame_times, device="cpu")
    maps = medkern.perfusion_maps(series.volume, series.frame_times, chosen.curve,
                                  method="osvd", device="cpu")
    assert got["aif_voxels"] == chosen.voxels > 0
    np.testing.assert_allclose(got["aif_curve"], chosen.curve, rtol=1e-12)
    assert got["valid_voxels"] == int(maps.valid.sum()) > 0.9 * maps.valid.size
    expected = {n: getattr(maps, n) for n in ("cbf", "cbv", "mtt", "tmax", "ttp", "arrival",
                                              "valid")}
    expected["aif_mask"] = chosen.mask
    assert sorted(got["files"]) == sorted(str(out / f"{n}.nii") for n in expected)

    # RAS world position of voxel (i, j, k) = (column, row, slice): the LPS position pydicom
    # reads from the files, x and y negated.
    first = pydicom.dcmread(files[0])   # frame 0, slice 0
    second = pydicom.dcmread(files[1])  # frame 0, slice 1
    iop = np.array(first.ImageOrientationPatient, float)
    dy, dx = map(float, first.PixelSpacing)

    def lps(i, j, ipp):
        return np.array(ipp, float) + i * dx * iop[:3] + j * dy * iop[3:]

    flip = np.array([-1.0, -1.0, 1.0])
    for name, values in expected.items():
        img = nibabel.load(out / f"{name}.nii")
        assert isinstance(img, nibabel.Nifti1Image)
        assert img.header["sform_code"] == 1 and img.header["qform_code"] == 1
        data = np.asarray(img.dataobj).transpose(2, 1, 0)  # (x, y, z) -> (z, y, x)
        assert data.dtype == values.dtype
        np.testing.assert_array_equal(data, values)
        for affine in (img.get_sform(), img.get_qform()):
            for i, j, k, ipp in [(0, 0, 0, first.ImagePositionPatient),
                                 (nx - 1, 3, 0, first.ImagePositionPatient),
                                 (5, ny + 3, 1, second.ImagePositionPatient)]:
                world = nibabel.affines.apply_affine(affine, [i, j, k])
                np.testing.assert_allclose(world, flip * lps(i, j, ipp), atol=1e-4)
        assert img.header.get_zooms() == pytest.approx((0.8, 0.9, 4.0))

    # The stroke summary against the reference outside the AIF.
    summary = medkern.stroke_summary(maps, spacing=series.spacing,
                                     reference_mask=(maps.valid == 1) & (chosen.mask == 0),
                                     device="cpu")
    assert got["stroke"]["reference_cbf"] == pytest.approx(summary.reference_cbf)
    assert got["stroke"]["core_ml"] == pytest.approx(summary.core_ml)
    assert got["stroke"]["hypoperfusion_ml"] == pytest.approx(summary.hypoperfusion_ml)

    # The AIF from a NIfTI mask (the one written) gives the same maps; a mask on another grid
    # is refused.
    run = run_cli("perfusion", dicom_dir, "--aif", out / "aif_mask.nii", "--out",
                  tmp_path / "again", "--device", "cpu", "--method", "csvd")
    assert run.returncode == 0, run.stderr
    by_mask = medkern.perfusion_maps(series.volume, series.frame_times, chosen.mask == 1,
                                     method="csvd", device="cpu")
    again = np.asarray(nibabel.load(tmp_path / "again" / "cbf.nii").dataobj).transpose(2, 1, 0)
    np.testing.assert_array_equal(again, by_mask.cbf)
    nibabel.Nifti1Image(np.ones((nx, ny + 4, 2), np.uint8), np.eye(4)).to_filename(
        tmp_path / "other.nii")
    run = run_cli("perfusion", dicom_dir, "--aif", tmp_path / "other.nii")
    assert run.returncode == 1 and "another grid" in run.stderr


def test_cli_perfusion_errors(tmp_path, rng) -> None:
    write_series(tmp_path / "static", rng, n=3)
    run = run_cli("perfusion", tmp_path / "static")
    assert run.returncode == 1 and "static series" in run.stderr
    run = run_cli("perfusion", tmp_path / "static", "--frames", 3)
    assert run.returncode == 2 and "--frames is for --phantom only" in run.stderr
    run = run_cli("perfusion", "--phantom", "--aif", "auto")
    assert run.returncode == 2 and "--aif is for a DICOM directory only" in run.stderr
    run = run_cli("calcium", tmp_path / "static")
    assert run.returncode == 0
    volume = np.zeros((3, 2, 4, 4), np.int16)
    medkern.write_series(tmp_path / "dynamic", volume, [0.0, 1.0, 2.0])
    run = run_cli("calcium", tmp_path / "dynamic")
    assert run.returncode == 1 and "dynamic series (3 frames)" in run.stderr
