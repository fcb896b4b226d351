"""medkern.label_statistics against scipy.ndimage's measurements."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _support import INTENSITY_DTYPES, make_view, random_values

import medkern

ndimage = pytest.importorskip("scipy.ndimage")


def random_labels(rng, shape, dtype, count=12):
    """Labels 0..count-1 in blobs and speckle, with label 5 absent and a large label."""
    labels = rng.integers(0, count, size=shape)
    labels[labels == 5] = 0
    blob = tuple(slice(n // 4, max(n // 4 + 1, n // 2)) for n in shape)
    labels[blob] = count + 3
    if dtype == "int32":
        labels.flat[-1] = 70000  # beyond uint8 and uint16
    return labels.astype(dtype)


def expected_stats(a, labels, spacing, include_background):
    present = np.unique(labels)
    if not include_background:
        present = present[present != 0]
    index = present.tolist()
    wide = a.astype(np.float64)
    ones = np.ones(labels.shape)
    objects = ndimage.find_objects(labels.astype(np.int64)) if index else []
    out = []
    for i, label in enumerate(index):
        if label == 0:
            where = np.nonzero(labels == 0)
            bbox_min = tuple(int(w.min()) for w in where)
            bbox_max = tuple(int(w.max()) for w in where)
        else:
            slices = objects[label - 1]
            bbox_min = tuple(s.start for s in slices)
            bbox_max = tuple(s.stop - 1 for s in slices)
        centroid = ndimage.center_of_mass(ones, labels, label)
        out.append(
            dict(
                label=label,
                count=int(np.count_nonzero(labels == label)),
                sum=float(ndimage.sum(wide, labels, label)),
                mean=float(ndimage.mean(wide, labels, label)),
                std=float(ndimage.standard_deviation(wide, labels, label)),
                min=float(ndimage.minimum(a, labels, label)),
                max=float(ndimage.maximum(a, labels, label)),
                bbox_min=bbox_min,
                bbox_max=bbox_max,
                centroid_mm=tuple(c * s for c, s in zip(centroid, spacing)),
            )
        )
    return out


def check(got, expected, dtype):
    assert isinstance(got, list)
    assert [r.label for r in got] == [e["label"] for e in expected]
    exact = dtype != "float32"
    for record, e in zip(got, expected):
        assert isinstance(record, medkern.LabelStats)
        assert record.count == e["count"]
        assert record.bbox_min == e["bbox_min"]
        assert record.bbox_max == e["bbox_max"]
        assert record.min == e["min"] and record.max == e["max"]
        if exact:
            assert record.sum == e["sum"]
        else:
            assert record.sum == pytest.approx(e["sum"], rel=1e-9, abs=1e-6)
        assert record.mean == pytest.approx(e["mean"], rel=1e-12 if exact else 1e-9, abs=1e-9)
        assert record.std == pytest.approx(e["std"], rel=1e-9 if exact else 1e-6, abs=1e-6)
        assert record.centroid_mm == pytest.approx(e["centroid_mm"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
@pytest.mark.parametrize("label_dtype", ["int32", "uint8"])
@pytest.mark.parametrize("shape", [(6, 17, 19), (1, 40, 33), (200,), (25, 27), (1, 1, 1)])
def test_matches_scipy(rng, device, dtype, label_dtype, shape):
    a = random_values(rng, shape, dtype)
    labels = random_labels(rng, shape, label_dtype)
    spacing = tuple([2.5, 0.7, 0.45][3 - len(shape) :])
    got = medkern.label_statistics(a, labels, spacing=spacing, device=device)
    check(got, expected_stats(a, labels, spacing, False), dtype)


@pytest.mark.parametrize("dtype", INTENSITY_DTYPES)
def test_include_background(rng, device, dtype):
    a = random_values(rng, (5, 12, 13), dtype)
    labels = random_labels(rng, a.shape, "int32")
    got = medkern.label_statistics(a, labels, include_background=True, device=device)
    check(got, expected_stats(a, labels, (1, 1, 1), True), dtype)
    assert got[0].label == 0


@pytest.mark.parametrize("view", ["strided", "transposed", "reversed"])
def test_non_contiguous_views(rng, device, view):
    shape = (4, 10, 12) if view != "strided" else (8, 30, 24)
    a = make_view(random_values(rng, shape, "int16"), view)
    labels = make_view(random_labels(rng, shape, "int32"), view)
    spacing = (3.0, 0.5, 0.8)
    got = medkern.label_statistics(a, labels, spacing=spacing, device=device)
    check(got, expected_stats(a, labels, spacing, False), "int16")


def test_spacing_forms(rng, device):
    a = random_values(rng, (12, 14), "float32")
    labels = random_labels(rng, a.shape, "uint8")
    two = medkern.label_statistics(a, labels, spacing=(0.5, 2.0), device=device)
    three = medkern.label_statistics(a, labels, spacing=(9.0, 0.5, 2.0), device=device)
    assert two == three  # the z spacing of a 2-D image does not matter
    check(two, expected_stats(a, labels, (0.5, 2.0), False), "float32")
    iso = medkern.label_statistics(a, labels, spacing=1.5, device=device)
    check(iso, expected_stats(a, labels, (1.5, 1.5), False), "float32")
    assert len(two[0].bbox_min) == len(two[0].centroid_mm) == 2


def test_records_are_frozen_and_slice(rng, device):
    a = random_values(rng, (3, 8, 9), "uint16")
    labels = np.zeros(a.shape, np.int32)
    labels[1:3, 2:5, 4:9] = 4
    (record,) = medkern.label_statistics(a, labels, device=device)
    assert record.label == 4 and record.count == 2 * 3 * 5
    assert record.bbox_min == (1, 2, 4) and record.bbox_max == (2, 4, 8)
    assert record.slices == ndimage.find_objects(labels)[3]
    assert record.sum == int(a[record.slices].astype(np.int64).sum())
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.label = 3  # type: ignore[misc]


def test_float_extremes_and_known_values(device):
    a = np.array([[1.5, -2.25, 3.0, 8.0], [4.0, 0.5, -1.0, 2.0]], dtype=np.float32)
    labels = np.array([[1, 1, 2, 0], [2, 1, 2, 3]], dtype=np.uint8)
    got = medkern.label_statistics(a, labels, spacing=(2.0, 10.0), device=device)
    assert [r.label for r in got] == [1, 2, 3]
    one, two, three = got
    assert (one.count, one.sum, one.min, one.max) == (3, -0.25, -2.25, 1.5)
    assert one.bbox_min == (0, 0) and one.bbox_max == (1, 1)
    assert one.centroid_mm == pytest.approx((2.0 / 3.0, 10.0 * 2.0 / 3.0))
    assert (two.count, two.sum, two.mean) == (3, 6.0, 2.0)
    assert two.std == pytest.approx(np.std([3.0, 4.0, -1.0]))
    assert (three.count, three.std, three.centroid_mm) == (1, 0.0, (2.0, 30.0))


def test_all_background_and_empty(device):
    a = np.ones((3, 4, 5), np.int16)
    assert medkern.label_statistics(a, np.zeros(a.shape, np.int32), device=device) == []
    (background,) = medkern.label_statistics(
        a, np.zeros(a.shape, np.uint8), include_background=True, device=device
    )
    assert background.label == 0 and background.count == 60 and background.sum == 60.0
    assert background.bbox_min == (0, 0, 0) and background.bbox_max == (2, 3, 4)
    empty = np.zeros((0, 3), np.int16)
    assert medkern.label_statistics(empty, np.zeros((0, 3), np.int32), device=device) == []


def test_largest_label_and_beyond(device):
    a = np.arange(6, dtype=np.int16).reshape(1, 2, 3)
    labels = np.zeros(a.shape, np.int32)
    labels[0, 1, 2] = 2**24 - 1
    (record,) = medkern.label_statistics(a, labels, device=device)
    assert record.label == 2**24 - 1 and record.sum == 5.0
    labels[0, 0, 0] = 2**24
    with pytest.raises(ValueError, match="label"):
        medkern.label_statistics(a, labels, device=device)
    labels[0, 0, 0] = -1
    with pytest.raises(ValueError, match="label"):
        medkern.label_statistics(a, labels, device=device)
