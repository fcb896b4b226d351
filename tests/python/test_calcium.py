"""medkern.calcium_score against an independent numpy/scipy implementation and hand cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import medkern
from conftest import HAVE_CUPY_GPU

ndimage = pytest.importorskip("scipy.ndimage")


# ------------------------------------------------------------------ the reference


def reference_score(ct, spacing, thickness=None, labels=None, threshold=130.0, min_area=1.0,
                    connectivity=8, normalize=True, calibration=None):
    """Agatston, volume and mass as docs/ops.md defines them, written from the definitions
    with scipy.ndimage.label on each slice."""
    sz, sy, sx = spacing
    thickness = sz if thickness is None else thickness
    step = 1 if thickness <= sz else max(1, math.ceil(thickness / sz * (1 - 1e-3)))
    structure = ndimage.generate_binary_structure(2, 2 if connectivity == 8 else 1)
    pixel_area = sy * sx
    voxel_volume = pixel_area * step * sz
    factor = thickness / 3.0 if normalize else 1.0
    lesions = []
    slice_labels = {}
    for z in range(0, ct.shape[0], step):
        candidates = ct[z] >= threshold
        if labels is not None:
            candidates &= labels[z] != 0
        components, n = ndimage.label(candidates, structure)
        kept = {}
        for i in range(1, n + 1):
            where = components == i
            voxels = int(where.sum())
            if voxels * pixel_area < min_area:
                continue
            values = ct[z][where].astype(np.int64)
            maximum = int(values.max())
            bands = [200 * threshold / 130, 300 * threshold / 130, 400 * threshold / 130]
            weight = 1 + sum(maximum >= b for b in bands)
            if labels is not None:
                votes = np.bincount(labels[z][where], minlength=256)
                label = int(np.argmax(votes))  # the first (smallest) of the largest counts
            else:
                label = 0
            ys, xs = np.nonzero(where)
            area = voxels * pixel_area
            kept[i] = len(lesions)
            lesions.append(dict(
                slice=z, label=label, voxels=voxels, area_mm2=area, max_hu=maximum,
                mean_hu=values.sum() / voxels, weight=weight, score=area * weight * factor,
                volume_mm3=voxels * voxel_volume,
                mass_mg=None if calibration is None
                else calibration * values.sum() * voxel_volume / 1000.0,
                centroid_mm=(z * sz, ys.mean() * sy, xs.mean() * sx)))
        slice_labels[z] = (components, kept)
    # 3-D lesions: lesions of consecutive scored slices sharing a (y, x) position.
    parent = list(range(len(lesions)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for z in range(0, ct.shape[0] - step, step):
        below, kept_below = slice_labels[z]
        above, kept_above = slice_labels[z + step]
        for a, b in set(zip(below.ravel().tolist(), above.ravel().tolist())):
            if a in kept_below and b in kept_above:
                ra, rb = find(kept_below[a]), find(kept_above[b])
                parent[max(ra, rb)] = min(ra, rb)
    roots = {}
    for i, lesion in enumerate(lesions):
        lesion["lesion_3d"] = roots.setdefault(find(i), len(roots) + 1)
    total = sum(l["score"] for l in lesions)
    return lesions, total, len(roots)


def random_ct(rng, shape):
    """Soft tissue with noise (some voxels reach 130 HU) and bright blobs of all sizes."""
    ct = rng.normal(40, 40, size=shape)
    for _ in range(max(1, ct.size // 300)):
        z, y, x = (int(rng.integers(0, n)) for n in shape)
        r = int(rng.integers(0, 4))
        ct[z, max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = rng.integers(130, 1100)
    return np.clip(ct, -1024, 3071).astype(np.int16)


def check_against_reference(got, ct, spacing, **kw):
    lesions, total, count_3d = reference_score(ct, spacing, **kw)
    assert len(got.lesions) == len(lesions)
    for mine, ref in zip(got.lesions, lesions):
        assert mine.slice == ref["slice"]
        assert mine.label == ref["label"]
        assert mine.voxels == ref["voxels"]
        assert mine.max_hu == ref["max_hu"]
        assert mine.weight == ref["weight"]
        assert mine.lesion_3d == ref["lesion_3d"]
        assert mine.area_mm2 == pytest.approx(ref["area_mm2"], rel=1e-12)
        assert mine.mean_hu == pytest.approx(ref["mean_hu"], rel=1e-12)
        assert mine.score == pytest.approx(ref["score"], rel=1e-12)
        assert mine.volume_mm3 == pytest.approx(ref["volume_mm3"], rel=1e-12)
        if ref["mass_mg"] is None:
            assert mine.mass_mg is None
        else:
            assert mine.mass_mg == pytest.approx(ref["mass_mg"], rel=1e-12)
        assert mine.centroid_mm == pytest.approx(ref["centroid_mm"], rel=1e-12, abs=1e-12)
    assert got.agatston == pytest.approx(total, rel=1e-12)
    assert got.lesions_3d == count_3d
    per_label = {}
    for ref in lesions:
        per_label[ref["label"]] = per_label.get(ref["label"], 0.0) + ref["score"]
    if kw.get("labels") is not None:
        assert sorted(got.per_label) == sorted(per_label)
        for label, score in per_label.items():
            assert got.per_label[label].agatston == pytest.approx(score, rel=1e-12)


# ------------------------------------------------------------------ against the reference


@pytest.mark.parametrize("connectivity", [8, 4])
@pytest.mark.parametrize(
    "spacing,thickness", [((3.0, 0.5, 0.5), None), ((1.5, 0.4, 0.45), 3.0), ((1.0, 0.7, 0.7), 2.5)]
)
def test_random_volumes_match_scipy_reference(rng, device, connectivity, spacing, thickness):
    shape = (7, 37, 45)
    ct = random_ct(rng, shape)
    labels = rng.integers(0, 6, size=shape).astype(np.uint8)
    labels[:, :, ::3] = 0  # some voxels outside every label
    for lab, cal in ((None, None), (labels, 0.8)):
        got = medkern.calcium_score(ct, spacing, thickness, labels=lab, connectivity=connectivity,
                                    calibration=cal, device=device)
        check_against_reference(got, ct, spacing, thickness=thickness, labels=lab,
                                connectivity=connectivity, calibration=cal)


def test_random_volume_other_parameters(rng, device):
    ct = random_ct(rng, (5, 30, 31))
    kw = dict(threshold=200.0, min_area=0.0, normalize=False)
    got = medkern.calcium_score(ct, (2.0, 0.6, 0.6), threshold=200, min_area_mm2=0.0,
                                normalize_thickness=False, device=device)
    check_against_reference(got, ct, (2.0, 0.6, 0.6), **kw)


# ------------------------------------------------------------------ by hand


def test_minimum_area_and_weights_by_hand():
    # 0.25 x 0.4 mm pixels: 9 pixels = 0.9 mm2 (dropped), 11 = 1.1 mm2 (kept).
    ct = np.zeros((1, 10, 30), np.int16)
    ct[0, 2, 2:11] = 300
    ct[0, 5, 2:13] = 199
    ct[0, 5, 12] = 200  # the maximum decides: weight 2
    r = medkern.calcium_score(ct, (3.0, 0.25, 0.4), device="cpu")
    assert len(r.lesions) == 1
    assert r.lesions[0].voxels == 11 and r.lesions[0].weight == 2
    assert r.agatston == pytest.approx(1.1 * 2)
    assert r.risk_category == "1-10"
    assert r.mass_mg is None
    ct[0, 5, 12] = 199
    assert medkern.calcium_score(ct, (3.0, 0.25, 0.4), device="cpu").lesions[0].weight == 1


def test_labels_mask_overlap_and_3d_by_hand():
    ct = np.zeros((4, 8, 12), np.int16)
    labels = np.zeros(ct.shape, np.uint8)
    ct[0, 2:4, 2:6] = 400  # 8 pixels: 5 on label 3, 3 on label 2 -> LCX
    labels[0, 2:4, 2:4] = 3
    labels[0, 2, 4] = 3
    labels[0, 3, 4:6] = 2
    labels[0, 2, 5] = 2
    ct[2, 2:4, 2:4] = 400  # above the first: one 3-D lesion when slices 0 and 2 are scored
    labels[2, 2:4, 2:4] = 3
    # 1.5 mm spacing, 3 mm thick: slices 0 and 2 are scored.
    r = medkern.calcium_score(ct, (1.5, 0.5, 0.5), 3.0, labels=labels, device="cpu")
    assert r.slice_step == 2
    assert [l.slice for l in r.lesions] == [0, 2]
    assert [l.label for l in r.lesions] == [3, 3]
    assert r.lesions_3d == 1
    assert r.per_label[3].agatston == pytest.approx((2.0 + 1.0) * 4)
    assert r.voxel_volume_mm3 == pytest.approx(0.25 * 3.0)
    assert r.as_dict()["risk_category"] == "11-100"
    # A mask (bool) cuts the first lesion to its left half (2 x 2 = 1 mm2).
    mask = np.zeros(ct.shape, bool)
    mask[..., :4] = True
    r = medkern.calcium_score(ct, (3.0, 0.5, 0.5), labels=mask, device="cpu")
    assert [l.voxels for l in r.lesions] == [4, 4]
    assert list(r.per_label) == [1]


# ------------------------------------------------------------------ errors


def test_errors():
    ct = np.zeros((2, 4, 4), np.int16)
    good = (3.0, 0.5, 0.5)
    with pytest.raises(TypeError, match="ct"):
        medkern.calcium_score(ct.astype(np.float32), good)
    with pytest.raises(TypeError, match="labels"):
        medkern.calcium_score(ct, good, labels=np.zeros(ct.shape, np.int32))
    with pytest.raises(ValueError, match="labels"):
        medkern.calcium_score(ct, good, labels=np.zeros((2, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="3-D"):
        medkern.calcium_score(ct[0], good)
    for spacing in [(0.0, 0.5, 0.5), (3.0, -0.5, 0.5), (3.0, float("nan"), 0.5), (0.5, 0.5)]:
        with pytest.raises(ValueError, match="spacing"):
            medkern.calcium_score(ct, spacing)
    for name, kw in [
        ("slice_thickness", dict(slice_thickness=0.0)),
        ("slice_thickness", dict(slice_thickness=float("nan"))),
        ("threshold", dict(threshold=float("nan"))),
        ("threshold", dict(threshold=-5)),
        ("min_area", dict(min_area_mm2=float("inf"))),
        ("connectivity", dict(connectivity=26)),
        ("calibration", dict(calibration=0.0)),
        ("calibration", dict(calibration=float("nan"))),
    ]:
        with pytest.raises(ValueError, match=name):
            medkern.calcium_score(ct, good, **kw)
    with pytest.raises(medkern.MedkernError):
        medkern.calcium_score(ct, good, connectivity="eight")


# ------------------------------------------------------------------ GPU


@pytest.mark.gpu
@pytest.mark.skipif(not HAVE_CUPY_GPU, reason="needs CuPy and a CUDA device")
def test_cupy_input_equals_cpu(rng):
    import cupy as cp

    ct = random_ct(rng, (9, 64, 70))
    labels = rng.integers(0, 12, size=ct.shape).astype(np.uint8)
    expected = medkern.calcium_score(ct, (1.5, 0.5, 0.5), 3.0, labels=labels, calibration=0.7,
                                     device="cpu")
    got = medkern.calcium_score(cp.asarray(ct), (1.5, 0.5, 0.5), 3.0, labels=cp.asarray(labels),
                                calibration=0.7)
    assert got == expected
