"""How arrays reach the core: dimensionality, strides passed without copies, odd layouts."""

from __future__ import annotations

import numpy as np
import pytest

import medkern
from medkern import _arrays


def operand_descriptor(array, name="a", allowed=("int16", "uint16", "float32"), **kwargs):
    op = _arrays.as_operand(array, name, allowed, **kwargs)
    return op, _arrays.descriptor(op)


@pytest.mark.parametrize(
    "shape,expected",
    [((5,), (1, 1, 5)), ((4, 5), (1, 4, 5)), ((3, 4, 5), (3, 4, 5)), ((), (1, 1, 1))],
)
def test_lower_dimensional_arrays_become_volumes(shape, expected):
    a = np.zeros(shape, np.float32)
    _, (pointer, code, shape3, strides, spacing, device) = operand_descriptor(a)
    assert shape3 == expected
    assert pointer == a.ctypes.data and code == _arrays._DTYPE_CODES["float32"]
    assert spacing == (1.0, 1.0, 1.0) and device == -1
    # A contiguous input stays contiguous in element strides.
    assert strides[1:] == (expected[2], 1) or a.ndim == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda b: b[::2, :, ::3],
        lambda b: b.transpose(2, 0, 1),
        lambda b: b[::-1, 1:, ::-2],
        lambda b: np.broadcast_to(b[:1, :1, :], (3, 4, b.shape[2])),
    ],
)
def test_views_are_passed_by_strides_without_copy(make):
    base = np.arange(6 * 8 * 9, dtype=np.int16).reshape(6, 8, 9)
    view = make(base)
    op, (pointer, _, shape3, strides, _, _) = operand_descriptor(view)
    assert op.array is view or np.shares_memory(op.array, base)
    assert pointer == view.__array_interface__["data"][0]
    assert shape3 == view.shape
    assert strides == tuple(s // 2 for s in view.strides)
    # ... and the op reads them right.
    got = medkern.threshold(view, 100, 300, device="cpu")
    np.testing.assert_array_equal(got, ((view >= 100) & (view <= 300)).astype(np.uint8))


def test_unaligned_memory_is_copied_and_still_correct():
    record = np.dtype([("pad", np.uint8), ("value", np.int16)])  # packed: value at offset 1
    packed = np.zeros(50, dtype=record)
    packed["value"] = np.arange(50)
    values = packed["value"]
    assert values.strides[0] % 2 == 1 or values.__array_interface__["data"][0] % 2 == 1
    got = medkern.threshold(values, 10, 19, device="cpu")
    assert got.tolist() == [1 if 10 <= v <= 19 else 0 for v in range(50)]
    counts = medkern.histogram(values, 5, range=(0, 50), device="cpu")
    assert counts.tolist() == [10] * 5


def test_bool_mask_is_reinterpreted_not_converted():
    mask = np.array([True, False, True])
    op, (pointer, code, _, _, _, _) = operand_descriptor(
        mask, "mask", ("uint8",), bool_as_uint8=True
    )
    assert op.dtype == "uint8" and code == _arrays._DTYPE_CODES["uint8"]
    assert pointer == mask.ctypes.data


def test_read_only_input():
    a = np.arange(12, dtype=np.uint16).reshape(3, 4)
    a.setflags(write=False)
    got = medkern.threshold(a, 3, 8, device="cpu")
    assert got.shape == (3, 4) and int(got.sum()) == 6


def test_numpy_subclass_and_scalar_input():
    m = np.arange(20, dtype=np.float32).reshape(4, 5).view(np.matrix)
    got = medkern.histogram(m, 4, range=(0, 20), device="cpu")
    assert type(got) is np.ndarray and got.tolist() == [5, 5, 5, 5]
    scalar = np.float32(3.0)
    assert medkern.threshold(scalar, 2, 4, device="cpu").shape == ()
    assert medkern.threshold(scalar, 2, 4, device="cpu")[()] == 1


@pytest.mark.parametrize(
    "device,expected",
    [("cpu", -1), ("CUDA", -2), ("cuda:3", 3), ("gpu:1", 1), (0, 0), (-1, -1), (None, None)],
)
def test_parse_device(device, expected):
    assert _arrays.parse_device(device) == expected


def test_contexts_are_cached():
    plan = _arrays.Plan(device=-1, out_kind="numpy", out_device=-1, stream_kind=None)
    first = _arrays.context_for(plan)
    assert first is _arrays.context_for(plan)
    assert first.context.device == -1


def test_torch_cpu_tensors_give_tensors():
    torch = pytest.importorskip("torch")
    t = torch.arange(24, dtype=torch.int16).reshape(2, 3, 4)[:, ::2]
    got = medkern.threshold(t, 3, 14, device="cpu")
    assert isinstance(got, torch.Tensor) and got.dtype == torch.uint8
    assert got.tolist() == ((t >= 3) & (t <= 14)).to(torch.uint8).tolist()
    counts = medkern.histogram(t, 4, range=(0, 24), device="cpu")
    assert isinstance(counts, torch.Tensor)
    assert counts.tolist() == np.histogram(t.numpy(), 4, range=(0, 24))[0].tolist()
