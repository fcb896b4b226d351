"""Data and view generators shared by the medkern Python tests."""

from __future__ import annotations

from typing import Iterator, List, Tuple

import numpy as np

INTENSITY_DTYPES = ["int16", "uint16", "float32"]

# Odd extents, a 2-D image as a volume, one voxel, 1-D and 2-D arrays, a thin slab.
SHAPES: List[Tuple[int, ...]] = [
    (7, 13, 17),
    (1, 31, 29),
    (1, 1, 1),
    (3, 1, 50),
    (41,),
    (9, 11),
    (2, 33, 67),
]

# How a test array is laid out in memory: the names index VIEWS below.
VIEWS = ["contiguous", "strided", "transposed", "reversed"]


def random_values(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    """CT-like int16, MR-like uint16, or float32 with both signs and a wide range."""
    if dtype == "int16":
        return rng.integers(-1024, 3072, size=shape, dtype=np.int16)
    if dtype == "uint16":
        return rng.integers(0, 4096, size=shape, dtype=np.uint16)
    if dtype == "float32":
        return (rng.standard_normal(shape) * 300.0 + 100.0).astype(np.float32)
    raise ValueError(dtype)


def make_view(base: np.ndarray, view: str) -> np.ndarray:
    """A non-contiguous view of `base` (never a copy)."""
    if view == "contiguous":
        return base
    if view == "strided":
        index = tuple(slice(None, None, 2 if axis % 2 == 0 else 3) for axis in range(base.ndim))
        return base[index]
    if view == "transposed":
        return base.T
    if view == "reversed":
        return base[tuple(slice(None, None, -1) for _ in range(base.ndim))]
    raise ValueError(view)


def random_array(rng: np.random.Generator, shape, dtype: str, view: str) -> np.ndarray:
    """Random data of `dtype` in the layout `view`; the base is made large enough that a
    strided view keeps every axis non-empty."""
    if view == "strided":
        base_shape = tuple(n * (2 if axis % 2 == 0 else 3) for axis, n in enumerate(shape))
    else:
        base_shape = tuple(shape)
    out = make_view(random_values(rng, base_shape, dtype), view)
    moving_axes = sum(n > 1 for n in out.shape)
    if moving_axes >= (2 if view == "transposed" else 1) and view != "contiguous":
        assert not out.flags.c_contiguous
    return out


def random_mask(rng: np.random.Generator, shape, kind: str = "bool") -> np.ndarray:
    """A mask keeping about 60% of the voxels; uint8 masks use several non-zero values."""
    keep = rng.random(shape) < 0.6
    if kind == "bool":
        return keep
    values = rng.choice(np.array([1, 2, 7, 255], dtype=np.uint8), size=shape)
    return np.where(keep, values, np.uint8(0)).astype(np.uint8)


def cases() -> Iterator[Tuple[Tuple[int, ...], str]]:
    for shape in SHAPES:
        for view in VIEWS:
            if view == "strided" and len(shape) == 3 and shape[0] * shape[1] * shape[2] > 2000:
                continue  # the base would be large; smaller shapes cover the layout
            yield shape, view
