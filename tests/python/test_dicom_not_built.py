"""A build without DCMTK: the DICOM functions raise a clear NotSupportedError."""

from __future__ import annotations

import pytest

import medkern


@pytest.mark.skipif(medkern.dicom_available(), reason="this build reads DICOM")
def test_load_series_without_dcmtk(tmp_path) -> None:
    with pytest.raises(medkern.NotSupportedError, match="without DICOM support") as info:
        medkern.load_series(tmp_path)
    assert isinstance(info.value, NotImplementedError)
    assert info.value.status == "MEDKERN_ERROR_NOT_SUPPORTED"
    with pytest.raises(medkern.NotSupportedError, match="without DICOM support"):
        medkern.list_series([str(tmp_path)])


def test_dicom_available_is_a_bool() -> None:
    assert isinstance(medkern.dicom_available(), bool)
