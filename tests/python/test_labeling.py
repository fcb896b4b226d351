"""label_components against scipy.ndimage.label (masks) and skimage.measure.label (label
images), on fresh random data (the seed is printed; MEDKERN_TEST_SEED replays it)."""

from __future__ import annotations

import numpy as np
import pytest

import medkern

ndimage = pytest.importorskip("scipy.ndimage")

CONNECTIVITIES = [4, 6, 8, 18, 26]

# scipy's structuring element for each connectivity: 3-D for 6 / 18 / 26; for 4 / 8 the
# 2-D element in the middle z-plane of a 3x3x3 one, so that each slice is labelled alone.
STRUCTURES = {
    6: ndimage.generate_binary_structure(3, 1),
    18: ndimage.generate_binary_structure(3, 2),
    26: ndimage.generate_binary_structure(3, 3),
}
for _conn, _rank in ((4, 1), (8, 2)):
    _s = np.zeros((3, 3, 3), bool)
    _s[1] = ndimage.generate_binary_structure(2, _rank)
    STRUCTURES[_conn] = _s

SHAPES = [(1, 1, 1), (1, 37, 53), (7, 1, 40), (9, 17, 23), (16, 31, 45), (3, 2, 1)]
DENSITIES = [0.05, 0.2, 0.45, 0.7]


def reference(mask, connectivity):
    """scipy.ndimage.label of a 3-D mask (any non-zero is foreground)."""
    labels, count = ndimage.label(np.asarray(mask) != 0, STRUCTURES[connectivity])
    return labels, int(count)


def reference_2d(image, connectivity):
    """scipy.ndimage.label of a 2-D image: 6 acts as 4 and 18 / 26 as 8 on one slice."""
    rank = 1 if connectivity in (4, 6) else 2
    labels, count = ndimage.label(image != 0, ndimage.generate_binary_structure(2, rank))
    return labels, int(count)


def check(mask, connectivity, device="cpu", expected_count=None):
    labels, count = medkern.label_components(mask, connectivity, device=device)
    expected, ref_count = reference(mask, connectivity)
    assert isinstance(labels, np.ndarray)
    assert labels.dtype == np.int32 and labels.shape == mask.shape
    assert isinstance(count, int)
    assert count == ref_count
    np.testing.assert_array_equal(labels, expected)
    if expected_count is not None:
        assert count == expected_count
    return labels, count


# ---------------------------------------------------------------------------- random masks


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("density", DENSITIES)
def test_equals_scipy(rng, device, connectivity, shape, density):
    check(rng.random(shape) < density, connectivity, device)


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("density", [0.25, 0.32, 0.6])
def test_large_components_equal_scipy(rng, device, connectivity, density):
    # Around the percolation thresholds of the three neighbourhoods (0.31, 0.14, 0.10 for
    # 6, 18, 26): long, branched components that merge across the whole volume.
    check(rng.random((24, 64, 80)) < density, connectivity, device)


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_uint8_mask_with_any_nonzero_value(rng, device, connectivity):
    shape = (6, 19, 27)
    keep = rng.random(shape) < 0.4
    values = rng.choice(np.array([1, 2, 7, 128, 255], dtype=np.uint8), size=shape)
    mask = np.where(keep, values, np.uint8(0)).astype(np.uint8)
    labels, count = medkern.label_components(mask, connectivity, device=device)
    expected, expected_count = reference(keep, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


VIEWS = {
    "z2_xrev": lambda m: m[::2, :, ::-1],
    "steps": lambda m: m[::2, ::3, ::2],
    "reversed": lambda m: m[::-1, ::-1, ::-1],
    "transposed": lambda m: m.transpose(2, 0, 1),
    "fortran": lambda m: np.asfortranarray(m),
}


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("kind", ["bool", "uint8"])
def test_strided_views(rng, device, connectivity, view, kind):
    base = rng.random((10, 21, 30)) < 0.35
    if kind == "uint8":
        base = base.astype(np.uint8) * rng.integers(1, 256, base.shape, dtype=np.uint8)
    mask = VIEWS[view](base)
    if mask.ndim == 3 and min(mask.shape) > 1:
        assert not mask.flags.c_contiguous
    labels, _ = check(mask, connectivity, device)
    assert labels.flags.c_contiguous


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("shape", [(1, 1), (37, 53), (1, 64), (40, 1)])
def test_2d_input_is_one_slice(rng, device, connectivity, shape):
    image = rng.random(shape) < 0.45
    labels, count = medkern.label_components(image, connectivity, device=device)
    expected, expected_count = reference_2d(image, connectivity)
    assert labels.shape == shape and labels.dtype == np.int32
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)
    # The same as the image as the volume (1, ny, nx).
    volume_labels, volume_count = medkern.label_components(
        image[None], connectivity, device=device
    )
    assert volume_count == count
    np.testing.assert_array_equal(volume_labels[0], labels)


def test_2d_strided_view(rng, device):
    base = rng.random((60, 70)) < 0.5
    view = base[::-2, 1::3]
    for connectivity in (4, 8):
        labels, count = medkern.label_components(view, connectivity, device=device)
        expected, expected_count = reference_2d(view, connectivity)
        assert count == expected_count
        np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("kind", ["bool", "uint8"])
def test_all_foreground(device, connectivity, kind):
    mask = np.ones((4, 5, 6), dtype=kind)
    labels, count = medkern.label_components(mask, connectivity, device=device)
    if connectivity in (4, 8):  # one component per slice, numbered by slice
        assert count == 4
        by_slice = np.broadcast_to(np.arange(1, 5)[:, None, None], mask.shape)
        np.testing.assert_array_equal(labels, by_slice)
    else:
        assert count == 1
        assert (labels == 1).all()
    check(mask, connectivity, device)


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 5, 6), (7, 9)])
def test_all_background(device, connectivity, shape):
    mask = np.zeros(shape, bool)
    labels, count = medkern.label_components(mask, connectivity, device=device)
    assert count == 0
    assert labels.shape == shape and labels.dtype == np.int32 and not labels.any()


def test_single_voxel():
    labels, count = medkern.label_components(np.ones((1, 1, 1), np.uint8), device="cpu")
    assert count == 1 and labels.tolist() == [[[1]]]


def test_default_connectivity_is_26(rng):
    mask = rng.random((8, 12, 14)) < 0.2
    labels, count = medkern.label_components(mask, device="cpu")
    expected, expected_count = reference(mask, 26)
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


def test_empty_array():
    labels, count = medkern.label_components(np.zeros((0, 4, 5), bool), device="cpu")
    assert count == 0 and labels.shape == (0, 4, 5) and labels.dtype == np.int32


# ---------------------------------------------------------------------------- hand cases


def spiral_path(n):
    """The cells, in order, of a square spiral in an n x n image from (0, 0) inwards: a
    simple 4-connected path whose rings are kept apart by one background ring."""
    path = []
    k = 0
    while True:
        top, left, bottom, right = k, k, n - 1 - k, n - 1 - k
        if top > bottom:
            break
        path += [(top, x) for x in range(left, right + 1)]
        path += [(y, right) for y in range(top + 1, bottom + 1)]
        if bottom > top:
            path += [(bottom, x) for x in range(right - 1, left - 1, -1)]
        if right > left:
            path += [(y, left) for y in range(bottom - 1, top + 1, -1)]
        if top + 2 > bottom - 2:
            break
        path.append((top + 2, left + 1))  # the step into the next ring
        k += 2
    return path


def test_spiral_path_is_a_path():
    for n in (1, 5, 7, 9, 21):
        path = spiral_path(n)
        assert len(set(path)) == len(path)
        for (y0, x0), (y1, x1) in zip(path, path[1:]):
            assert abs(y0 - y1) + abs(x0 - x1) == 1


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_3d_spiral_is_one_long_component(device, connectivity):
    # Spirals in slices 0, 2 and 4, joined by one voxel in slices 1 (at the spirals' inner
    # end) and 3 (at their outer end): one path of about 3 n^2 / 2 face steps, which a
    # labeller must follow through every turn.
    n = 21
    path = spiral_path(n)
    mask = np.zeros((5, n, n), np.uint8)
    for z in (0, 2, 4):
        for y, x in path:
            mask[z, y, x] = 1
    mask[(1,) + path[-1]] = 1
    mask[(3,) + path[0]] = 1
    expected_count = 1 if connectivity in (6, 18, 26) else 5
    labels, _ = check(mask, connectivity, device, expected_count)
    if connectivity in (6, 18, 26):
        assert (labels[mask != 0] == 1).all()
    # The 2-D spiral alone, as an image.
    image = mask[0].astype(bool)
    got, count = medkern.label_components(image, connectivity, device=device)
    assert count == 1
    np.testing.assert_array_equal(got, image.astype(np.int32))


def test_checkerboard_separates_connectivities(device):
    # A 3x3x3 checkerboard (foreground where z + y + x is even: 14 voxels that touch along
    # edges only) and, apart from it, two voxels that touch at a corner only.
    mask = np.zeros((3, 3, 8), bool)
    z, y, x = np.indices((3, 3, 3))
    mask[:, :, :3] = (z + y + x) % 2 == 0
    mask[0, 0, 5] = mask[1, 1, 6] = True
    # 6: every voxel alone. 18: the board is one, the corner pair two. 26: one and one.
    # 4: every voxel alone. 8: the board is one diamond or cross per slice, plus the pair.
    expected = {6: 16, 18: 3, 26: 2, 4: 16, 8: 5}
    for connectivity, count in expected.items():
        check(mask, connectivity, device, count)


def test_2x2x2_checkerboard(device):
    mask = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], np.uint8)
    labels, _ = check(mask, 6, device, 4)
    assert labels.ravel().tolist() == [1, 0, 0, 2, 0, 3, 4, 0]
    check(mask, 18, device, 1)
    check(mask, 26, device, 1)
    check(mask, 4, device, 4)
    labels, _ = check(mask, 8, device, 2)
    assert labels.ravel().tolist() == [1, 0, 0, 1, 0, 2, 2, 0]


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_u_shape_keeps_the_first_voxels_number(device, connectivity):
    # The arms of the U start on the first row, with a separate dot between them: the right
    # arm is met before the bottom joins it to the left one, so a labeller that numbered
    # components as it met them would give it its own number (3) and the dot 2. The joined
    # U must be 1 throughout and the dot 2, as in scipy.
    image = np.zeros((6, 7), np.uint8)
    image[:, 0] = image[:, 6] = 1
    image[5, :] = 1
    image[0, 3] = 1
    expected = np.where(image != 0, 1, 0).astype(np.int32)
    expected[0, 3] = 2
    labels, count = medkern.label_components(image, connectivity, device=device)
    assert count == 2
    np.testing.assert_array_equal(labels, expected)
    check(image[None], connectivity, device, 2)


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_pillars_joined_in_the_last_slice(device, connectivity):
    # Two pillars along z, joined by a bar in the last slice: one component in 3-D; per
    # slice, two in each of the first four slices and one in the last, numbered by slice.
    mask = np.zeros((5, 3, 5), np.uint8)
    mask[:, 1, 0] = mask[:, 1, 4] = 1
    mask[4, 1, :] = 1
    if connectivity in (6, 18, 26):
        labels, _ = check(mask, connectivity, device, 1)
        assert (labels[mask != 0] == 1).all()
    else:
        labels, _ = check(mask, connectivity, device, 9)
        assert labels[:4, 1, 0].tolist() == [1, 3, 5, 7]
        assert labels[:4, 1, 4].tolist() == [2, 4, 6, 8]
        assert (labels[4][mask[4] != 0] == 9).all()


def test_two_slices_per_slice_differs_from_3d(device):
    # The same voxel in two slices: joined through the face in 3-D, apart per slice.
    mask = np.zeros((2, 3, 3), bool)
    mask[0, 1, 1] = mask[1, 1, 1] = True
    for connectivity in (6, 18, 26):
        labels, _ = check(mask, connectivity, device, 1)
        assert labels[1, 1, 1] == 1
    for connectivity in (4, 8):
        labels, _ = check(mask, connectivity, device, 2)
        assert labels[0, 1, 1] == 1 and labels[1, 1, 1] == 2
    # Diagonal across the slices: an edge (18, 26) or a corner (26 only).
    edge = np.zeros((2, 3, 3), bool)
    edge[0, 1, 1] = edge[1, 1, 2] = True
    corner = np.zeros((2, 3, 3), bool)
    corner[0, 1, 1] = corner[1, 2, 2] = True
    for connectivity, edge_count, corner_count in (
        (4, 2, 2), (8, 2, 2), (6, 2, 2), (18, 1, 2), (26, 1, 1)
    ):
        check(edge, connectivity, device, edge_count)
        check(corner, connectivity, device, corner_count)


def test_diagonal_pair_in_plane(device):
    image = np.zeros((1, 3, 3), np.uint8)
    image[0, 0, 0] = image[0, 1, 1] = 1
    for connectivity, count in ((4, 2), (6, 2), (8, 1), (18, 1), (26, 1)):
        check(image, connectivity, device, count)


# ---------------------------------------------------------------------------- label images

measure = pytest.importorskip("skimage.measure")

# skimage's connectivity (number of non-zero offsets allowed) for the 3-D neighbourhoods,
# and per slice for 4 / 8.
SKIMAGE_CONNECTIVITY = {6: 1, 18: 2, 26: 3, 4: 1, 8: 2}
LABEL_IMAGE_DTYPES = ["int32", "int16", "uint16"]


def reference_label_image(image, connectivity):
    """skimage.measure.label(image, background=0): equal values connect. For 4 / 8 each
    slice alone, renumbered across slices in raster order of first voxels (the slices are
    raster-ordered, so adding the previous slices' counts is that order)."""
    conn = SKIMAGE_CONNECTIVITY[connectivity]
    if connectivity in (6, 18, 26):
        labels, count = measure.label(image, background=0, connectivity=conn, return_num=True)
        return labels.astype(np.int32), int(count)
    out = np.zeros(image.shape, np.int32)
    total = 0
    for z in range(image.shape[0]):
        labels, count = measure.label(
            image[z], background=0, connectivity=conn, return_num=True
        )
        out[z] = np.where(labels > 0, labels + total, 0)
        total += int(count)
    return out, total


def random_regions(rng, shape, cell, values, dtype):
    """Cells of `cell` voxels per side holding one of `values` small integers (0 is
    background), with one voxel in eight redrawn: regions of equal value that touch."""
    cells = rng.integers(0, values, [-(-n // cell) for n in shape])
    image = np.kron(cells, np.ones((cell, cell, cell), int))[: shape[0], : shape[1], : shape[2]]
    noise = rng.random(shape) < 0.125
    image = np.where(noise, rng.integers(0, values, shape), image)
    if np.dtype(dtype).kind == "i":
        image = np.where(image > 0, image * 3 - 5, 0)  # negative values are labels too
    return image.astype(dtype)


def first_voxel_order(labels):
    """True when labels 1..N appear in raster order of their first voxel."""
    flat = labels.ravel()
    seen = flat[flat > 0]
    _, first = np.unique(seen, return_index=True)
    return bool(np.all(np.diff(seen[np.sort(first)]) > 0)) and (
        len(first) == 0 or seen[np.sort(first)][0] == 1
    )


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 37, 53), (7, 1, 40), (9, 17, 23), (20, 33, 45)])
@pytest.mark.parametrize("cell", [1, 3, 7])
@pytest.mark.parametrize("dtype", LABEL_IMAGE_DTYPES)
def test_label_image_equals_skimage(rng, device, connectivity, shape, cell, dtype):
    image = random_regions(rng, shape, cell, 4, dtype)
    labels, count = medkern.label_components(image, connectivity, device=device)
    expected, expected_count = reference_label_image(image, connectivity)
    assert labels.dtype == np.int32 and labels.shape == image.shape
    assert count == expected_count
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("connectivity", [6, 18, 26])
def test_skimage_numbers_by_first_voxel(rng, connectivity):
    # The claim our numbering rests on: skimage.measure.label numbers components in raster
    # order of their first voxel, as scipy.ndimage.label does.
    image = random_regions(rng, (12, 30, 40), 3, 5, "int32")
    expected, _ = reference_label_image(image, connectivity)
    assert first_voxel_order(expected)
    # And a mask labelled by skimage equals scipy's labels.
    mask = image != 0
    labels = measure.label(mask, background=0, connectivity=SKIMAGE_CONNECTIVITY[connectivity])
    np.testing.assert_array_equal(labels, reference(mask, connectivity)[0])


@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_label_image_differs_from_mask(device, connectivity):
    # Two touching regions of different values: one component as a mask, two as labels.
    image = np.zeros((1, 4, 6), np.int32)
    image[0, 1:3, 1:3] = 2
    image[0, 1:3, 3:5] = 9
    labels, count = medkern.label_components(image, connectivity, device=device)
    assert count == 2
    np.testing.assert_array_equal(labels, np.where(image == 2, 1, np.where(image == 9, 2, 0)))
    _, mask_count = medkern.label_components(image.astype(np.uint8), connectivity, device=device)
    assert mask_count == 1


@pytest.mark.parametrize("dtype", LABEL_IMAGE_DTYPES)
def test_label_image_strided_and_2d(rng, device, dtype):
    base = random_regions(rng, (10, 21, 30), 2, 4, dtype)
    for connectivity in CONNECTIVITIES:
        view = base[::2, :, ::-1]
        labels, count = medkern.label_components(view, connectivity, device=device)
        expected, expected_count = reference_label_image(np.ascontiguousarray(view), connectivity)
        assert count == expected_count
        np.testing.assert_array_equal(labels, expected)
    image = base[3]
    for connectivity in (4, 8):
        labels, count = medkern.label_components(image, connectivity, device=device)
        expected, expected_count = measure.label(
            image, background=0, connectivity=SKIMAGE_CONNECTIVITY[connectivity], return_num=True
        )
        assert count == expected_count
        np.testing.assert_array_equal(labels, expected)


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("connectivity", [0, 5, 7, 27, -6, 2.5, "26", None])
def test_bad_connectivity(connectivity):
    with pytest.raises((ValueError, TypeError)) as info:
        medkern.label_components(np.ones((2, 2, 2), bool), connectivity)
    assert isinstance(info.value, medkern.MedkernError)
    assert "connectivity" in str(info.value)


def test_connectivity_5_is_invalid_argument():
    with pytest.raises(medkern.InvalidArgumentError, match="connectivity: 5"):
        medkern.label_components(np.ones((2, 2, 2), bool), 5, device="cpu")


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "uint32", "int64"])
def test_other_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match="mask") as info:
        medkern.label_components(np.ones((2, 2, 2), dtype), device="cpu")
    assert isinstance(info.value, medkern.UnsupportedDTypeError)


def test_more_than_3_dimensions_is_refused():
    with pytest.raises(ValueError):
        medkern.label_components(np.ones((1, 2, 2, 2), bool), device="cpu")


def test_bad_device():
    with pytest.raises((ValueError, RuntimeError)):
        medkern.label_components(np.ones((2, 2, 2), bool), device="nowhere")


# ---------------------------------------------------------------------------- GPU (CuPy)


@pytest.mark.gpu
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 37, 53), (7, 1, 40), (24, 40, 56)])
@pytest.mark.parametrize("density", [0.05, 0.32, 0.7])
def test_cupy_equals_scipy(rng, connectivity, shape, density):
    import cupy as cp

    mask = rng.random(shape) < density
    g = cp.asarray(mask)
    labels, count = medkern.label_components(g, connectivity)
    assert isinstance(labels, cp.ndarray) and labels.dtype == cp.int32
    assert labels.shape == shape and labels.device.id == g.device.id
    expected, expected_count = reference(mask, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)


@pytest.mark.gpu
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_cupy_strided_uint8_and_2d(rng, connectivity):
    import cupy as cp

    base = (rng.random((12, 30, 44)) < 0.4).astype(np.uint8) * rng.integers(
        1, 256, (12, 30, 44), dtype=np.uint8
    )
    g = cp.asarray(base)[::2, :, ::-1]
    assert not g.flags.c_contiguous
    labels, count = medkern.label_components(g, connectivity)
    assert isinstance(labels, cp.ndarray)
    expected, expected_count = reference(cp.asnumpy(g), connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)

    image = rng.random((61, 47)) < 0.5
    labels, count = medkern.label_components(cp.asarray(image), connectivity)
    assert isinstance(labels, cp.ndarray) and labels.shape == image.shape
    expected, expected_count = reference_2d(image, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)


@pytest.mark.gpu
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
@pytest.mark.parametrize("dtype", LABEL_IMAGE_DTYPES)
def test_cupy_label_image_equals_skimage(rng, connectivity, dtype):
    import cupy as cp

    image = random_regions(rng, (40, 70, 90), 5, 4, dtype)
    labels, count = medkern.label_components(cp.asarray(image), connectivity)
    assert isinstance(labels, cp.ndarray)
    expected, expected_count = reference_label_image(image, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)


@pytest.mark.gpu
@pytest.mark.parametrize("connectivity", CONNECTIVITIES)
def test_cupy_large_and_hand_cases(rng, connectivity):
    import cupy as cp

    mask = rng.random((64, 128, 128)) < 0.3
    labels, count = medkern.label_components(cp.asarray(mask), connectivity)
    expected, expected_count = reference(mask, connectivity)
    assert count == expected_count
    np.testing.assert_array_equal(cp.asnumpy(labels), expected)

    n = 41
    spiral = np.zeros((5, n, n), np.uint8)
    path = spiral_path(n)
    for z in (0, 2, 4):
        for y, x in path:
            spiral[z, y, x] = 1
    spiral[(1,) + path[-1]] = 1
    spiral[(3,) + path[0]] = 1
    for host in (spiral, np.zeros((3, 4, 5), np.uint8), np.ones((3, 4, 5), np.uint8)):
        labels, count = medkern.label_components(cp.asarray(host), connectivity)
        expected, expected_count = reference(host, connectivity)
        assert count == expected_count
        np.testing.assert_array_equal(cp.asnumpy(labels), expected)
