"""Bad arguments: the right exception classes, with messages naming the argument."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import medkern
from medkern import _core

A = np.zeros((2, 3, 4), np.int16)
LABELS = np.zeros((2, 3, 4), np.int32)

OPS = {
    "histogram": lambda a, **kw: medkern.histogram(a, 4, range=(0, 1), **kw),
    "threshold": lambda a, **kw: medkern.threshold(a, 0, 1, **kw),
    "otsu_threshold": lambda a, **kw: medkern.otsu_threshold(a, **kw),
    "label_statistics": lambda a, **kw: medkern.label_statistics(a, LABELS, **kw),
}


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize(
    "dtype", ["float64", "int32", "int64", "uint8", "int8", "bool", "float16", "complex64"]
)
def test_unsupported_input_dtype_is_a_type_error_naming_it(op, dtype):
    a = np.zeros((2, 3, 4), dtype=dtype)
    with pytest.raises(TypeError, match=rf"^a: dtype {dtype} is not supported") as info:
        OPS[op](a, device="cpu")
    assert isinstance(info.value, medkern.UnsupportedDTypeError)
    assert isinstance(info.value, medkern.MedkernError)
    assert info.value.status == "MEDKERN_ERROR_UNSUPPORTED_DTYPE"
    assert "int16, uint16, float32" in str(info.value)


def test_non_native_byte_order_is_refused_not_swapped():
    a = np.arange(24, dtype=">i2").reshape(2, 3, 4)
    with pytest.raises(TypeError, match="a: dtype >i2 .*byte order"):
        medkern.threshold(a, 0, 5, device="cpu")


def test_python_lists_become_int64_and_are_refused():
    with pytest.raises(TypeError, match="int64"):
        medkern.histogram([1, 2, 3], 3, range=(0, 3), device="cpu")


def test_mask_and_label_dtypes():
    with pytest.raises(TypeError, match=r"^mask: dtype float32"):
        medkern.histogram(A, 4, range=(0, 1), mask=np.ones(A.shape, np.float32), device="cpu")
    with pytest.raises(TypeError, match=r"^mask: dtype int16"):
        medkern.otsu_threshold(A, mask=np.ones(A.shape, np.int16), device="cpu")
    with pytest.raises(TypeError, match=r"^labels: dtype int64 .*int32, uint8"):
        medkern.label_statistics(A, LABELS.astype(np.int64), device="cpu")
    with pytest.raises(TypeError, match=r"^labels: dtype uint16"):
        medkern.label_statistics(A, LABELS.astype(np.uint16), device="cpu")


def test_shape_mismatch():
    wrong = np.zeros((2, 4, 3), np.uint8)
    with pytest.raises(ValueError, match=r"^mask: has shape \(2, 4, 3\) but a has shape") as info:
        medkern.histogram(A, 4, range=(0, 1), mask=wrong, device="cpu")
    assert isinstance(info.value, medkern.ShapeMismatchError)
    assert info.value.status == "MEDKERN_ERROR_SHAPE_MISMATCH"
    with pytest.raises(ValueError, match="mask"):
        medkern.otsu_threshold(A, mask=wrong, device="cpu")
    with pytest.raises(medkern.ShapeMismatchError, match="labels"):
        medkern.label_statistics(A, LABELS[:, :, :3], device="cpu")
    # Same voxels, different dimensionality: still a mismatch (no broadcasting).
    with pytest.raises(medkern.ShapeMismatchError, match="mask"):
        medkern.histogram(A[0], 4, range=(0, 1), mask=np.ones((1, 3, 4), bool), device="cpu")


@pytest.mark.parametrize("bins", [0, -3, 65537, 2**32 + 1])
def test_bins_out_of_range(bins):
    with pytest.raises(ValueError, match=rf"^bins: {bins} is outside 1\.\.65536") as info:
        medkern.histogram(A, bins, range=(0, 1), device="cpu")
    assert info.value.status == "MEDKERN_ERROR_INVALID_ARGUMENT"


@pytest.mark.parametrize("bins", [1.5, "10", [0, 1, 2], np.array([0.0, 1.0]), True])
def test_bins_that_are_not_a_count(bins):
    with pytest.raises(ValueError, match="^bins"):
        medkern.histogram(A, bins, range=(0, 1), device="cpu")


def test_otsu_needs_two_bins():
    with pytest.raises(ValueError, match=r"^bins: 1 is outside 2\.\.65536"):
        medkern.otsu_threshold(A, bins=1, device="cpu")


@pytest.mark.parametrize(
    "range_,message",
    [
        ((5, 1), r"^range: lo = 5 is greater than hi = 1"),
        ((0, np.inf), r"^range: .* is not finite"),
        ((np.nan, 1), r"^range: .* is not finite"),
        ((1, 2, 3), r"^range: .* is not a pair"),
        (("a", 1), r"^range: 'a' is not a number"),
    ],
)
def test_bad_histogram_range(range_, message):
    with pytest.raises(ValueError, match=message):
        medkern.histogram(A, 4, range=range_, device="cpu")


def test_bad_threshold_bounds_and_values():
    with pytest.raises(ValueError, match=r"^lo: 5 is greater than hi: 1"):
        medkern.threshold(A, 5, 1, device="cpu")
    with pytest.raises(ValueError, match="NaN"):
        medkern.threshold(A, np.nan, 1, device="cpu")
    with pytest.raises(ValueError, match=r"^inside: 256 does not fit in uint8"):
        medkern.threshold(A, 0, 1, inside=256, device="cpu")
    with pytest.raises(ValueError, match=r"^outside: -1 does not fit in uint8"):
        medkern.threshold(A, 0, 1, outside=-1, device="cpu")
    with pytest.raises(ValueError, match=r"^inside: 1\.5 is not an integer"):
        medkern.threshold(A, 0, 1, inside=1.5, device="cpu")


@pytest.mark.parametrize("op", list(OPS))
def test_four_dimensional_input(op):
    a = np.zeros((2, 2, 3, 4), np.int16)
    with pytest.raises(ValueError, match=r"^a: has 4 dimensions") as info:
        OPS[op](a, device="cpu")
    assert isinstance(info.value, medkern.InvalidArgumentError)


def test_four_dimensional_mask_and_labels():
    with pytest.raises(ValueError, match=r"^mask: has 4 dimensions"):
        medkern.histogram(A, 4, range=(0, 1), mask=np.ones((1, 2, 3, 4), bool), device="cpu")
    with pytest.raises(ValueError, match=r"^labels: has 4 dimensions"):
        medkern.label_statistics(A, np.zeros((1, 2, 3, 4), np.int32), device="cpu")


@pytest.mark.parametrize("spacing", [(1, 1), (1, 0, 1), (1, -2, 1), (1, np.inf, 1), "x", None])
def test_bad_spacing(spacing):
    # A spacing of the wrong form is Python's error, a value that is not finite and positive
    # that of the descriptor's check in C++ (which names the input).
    with pytest.raises(ValueError, match=r"^(input: )?spacing"):
        medkern.label_statistics(A, LABELS, spacing=spacing, device="cpu")


@pytest.mark.parametrize("device", ["tpu", "cuda:x", -2, 1.0, True])
def test_bad_device(device):
    with pytest.raises(ValueError, match="^device"):
        medkern.threshold(A, 0, 1, device=device)


# Integers no C++ parameter holds, infinity and a fraction: for every op each is medkern's
# InvalidArgumentError naming the argument and its value, never pybind11's TypeError that
# prints the whole signature.
F = A.astype(np.float32)
INTEGER_ARGUMENTS = {
    "histogram bins": ("bins", lambda v: medkern.histogram(A, v, range=(0, 1), device="cpu")),
    "otsu bins": ("bins", lambda v: medkern.otsu_threshold(F, v, device="cpu")),
    "threshold inside": ("inside", lambda v: medkern.threshold(A, 0, 1, v, device="cpu")),
    "median radius": ("radius", lambda v: medkern.median(A, v, device="cpu")),
    "median radii": ("radius", lambda v: medkern.median(A, (1, v, 1), device="cpu")),
    "diffusion iterations": (
        "iterations", lambda v: medkern.anisotropic_diffusion(A, v, device="cpu")),
    "confidence iterations": (
        "iterations",
        lambda v: medkern.confidence_connected(A, [(0, 0, 0)], iterations=v, device="cpu"),
    ),
    "confidence initial_radius": (
        "initial_radius",
        lambda v: medkern.confidence_connected(A, [(0, 0, 0)], initial_radius=v, device="cpu"),
    ),
    "connected seeds": (
        "seeds[0]", lambda v: medkern.connected_threshold(A, [(0, 0, v)], 0, 1, device="cpu")),
    "confidence seeds": (
        "seeds[1]",
        lambda v: medkern.confidence_connected(A, [(0, 0, 0), (v, 0, 0)], device="cpu"),
    ),
    "labelling connectivity": (
        "connectivity", lambda v: medkern.label_components(A, v, device="cpu")),
    "watershed connectivity": (
        "connectivity",
        lambda v: medkern.watershed(F, LABELS, connectivity=v, device="cpu"),
    ),
    "calcium connectivity": (
        "connectivity", lambda v: medkern.calcium_score(A, (1, 1, 1), connectivity=v, device="cpu")),
    "context threads": ("num_threads", lambda v: medkern.Context.cpu(v)),
    "device ordinal": ("device", lambda v: medkern.threshold(A, 0, 1, device=v)),
    "pool device": ("device", lambda v: medkern.pool_stats(v)),
    "pool limit": ("limit_bytes", lambda v: medkern.set_pool_limit(v, device="cpu")),
    "pool tag": ("tag", lambda v: medkern.release_tag(v, device="cpu")),
}


@pytest.mark.parametrize("case", list(INTEGER_ARGUMENTS))
@pytest.mark.parametrize(
    "value,text",
    [(-(2**63) - 1, str(-(2**63) - 1)), (2**64, str(2**64)), (10**400, str(10**400)),
     (1e400, "inf"), (-1e400, "-inf"), (1.5, "1.5")],
    ids=["-2**63-1", "2**64", "10**400", "1e400", "-1e400", "1.5"],
)
def test_integer_arguments_out_of_range_name_argument_and_value(case, value, text):
    name, call = INTEGER_ARGUMENTS[case]
    with pytest.raises(medkern.InvalidArgumentError, match="^" + re.escape(name)) as info:
        call(value)
    assert text in str(info.value)
    assert "incompatible function arguments" not in str(info.value)


FLOAT_ARGUMENTS = {
    "histogram range": ("range", lambda v: medkern.histogram(A, 4, range=(0, v), device="cpu")),
    "threshold bound": ("hi", lambda v: medkern.threshold(A, 0, v, device="cpu")),
    "gaussian sigma": ("sigma_mm", lambda v: medkern.gaussian(F, v, device="cpu")),
    "gaussian sigmas": ("sigma_mm", lambda v: medkern.gaussian(F, (1, 1, v), device="cpu")),
    "gaussian truncate": ("truncate", lambda v: medkern.gaussian(F, 1.0, truncate=v, device="cpu")),
    "gradient spacing": ("spacing", lambda v: medkern.gradient_magnitude(F, spacing=v, device="cpu")),
    "diffusion conductance": (
        "conductance", lambda v: medkern.anisotropic_diffusion(A, 1, conductance=v, device="cpu")),
    "confidence multiplier": (
        "multiplier",
        lambda v: medkern.confidence_connected(A, [(0, 0, 0)], multiplier=v, device="cpu"),
    ),
    "calcium spacing": ("spacing", lambda v: medkern.calcium_score(A, (1, v, 1), device="cpu")),
    "calcium threshold": (
        "threshold_hu", lambda v: medkern.calcium_score(A, (1, 1, 1), threshold=v, device="cpu")),
    "stable time step": ("spacing", lambda v: _core.max_stable_time_step((1, 1, v))),
}


@pytest.mark.parametrize("case", list(FLOAT_ARGUMENTS))
@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["10**400", "-10**400"])
def test_float_arguments_beyond_float64_name_argument_and_value(case, value):
    name, call = FLOAT_ARGUMENTS[case]
    with pytest.raises(medkern.InvalidArgumentError, match="^" + re.escape(name)) as info:
        call(value)
    assert f"{value} is too large for a float64" in str(info.value)


@pytest.mark.skipif(_core.device_count() > 0, reason="a CUDA device is present")
def test_cuda_without_a_device_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="cuda:0") as info:
        medkern.threshold(A, 0, 1, device="cuda")
    assert isinstance(info.value, medkern.NoDeviceError)
    assert info.value.status == "MEDKERN_ERROR_NO_DEVICE"


def test_exception_hierarchy():
    pairs = {
        medkern.InvalidArgumentError: ValueError,
        medkern.UnsupportedDTypeError: TypeError,
        medkern.ShapeMismatchError: ValueError,
        medkern.OutOfMemoryError: MemoryError,
        medkern.NoDeviceError: RuntimeError,
        medkern.CudaError: RuntimeError,
        medkern.SizeOverflowError: OverflowError,
        medkern.InternalError: RuntimeError,
    }
    statuses = set()
    for cls, builtin in pairs.items():
        assert issubclass(cls, medkern.MedkernError) and issubclass(cls, builtin)
        assert cls.status.startswith("MEDKERN_ERROR_")
        statuses.add(cls.status)
    assert len(statuses) == len(pairs)
    assert medkern.MedkernError.status is None


# Below, the C++ translation itself: descriptors straight into _core, so that the core's
# own checks (not the Python layer's) raise.


def descriptor(array, dtype_code=None, spacing=(1.0, 1.0, 1.0)):
    a = np.asarray(array)
    code = _core.dtype_codes[a.dtype.name] if dtype_code is None else dtype_code
    shape = (1,) * (3 - a.ndim) + a.shape
    strides = (0,) * (3 - a.ndim) + tuple(s // a.itemsize for s in a.strides)
    return (a.ctypes.data, code, shape, strides, spacing, -1)


def test_core_errors_are_translated_with_status():
    ctx = _core.Context.cpu()
    a = np.zeros((2, 3, 4), np.float32)
    out = np.zeros((2, 3, 5), np.uint8)
    with pytest.raises(medkern.ShapeMismatchError, match="output") as info:
        _core.threshold(ctx, descriptor(a), descriptor(out), lo=0.0, hi=1.0)
    assert info.value.status == "MEDKERN_ERROR_SHAPE_MISMATCH"
    counts = np.zeros(4, np.uint64)
    with pytest.raises(medkern.UnsupportedDTypeError, match="input") as info:
        _core.histogram(ctx, descriptor(out), None, descriptor(counts), bins=4, lo=0.0, hi=1.0)
    assert info.value.status == "MEDKERN_ERROR_UNSUPPORTED_DTYPE"
    with pytest.raises(medkern.ShapeMismatchError, match="counts"):
        _core.histogram(ctx, descriptor(a), None, descriptor(counts), bins=5, lo=0.0, hi=1.0)
    with pytest.raises(medkern.InvalidArgumentError, match=r"bins: 1 is outside 2\.\.65536"):
        _core.otsu_threshold(ctx, descriptor(a), None, bins=1)
    with pytest.raises(medkern.InvalidArgumentError, match=r"bins: -1 does not fit in uint32"):
        _core.histogram(ctx, descriptor(a), None, descriptor(counts), bins=-1, lo=0.0, hi=1.0)
    with pytest.raises(medkern.InvalidArgumentError, match="spacing"):
        _core.label_statistics(
            ctx, descriptor(a, spacing=(1.0, -1.0, 1.0)), descriptor(np.zeros(a.shape, np.int32))
        )
    with pytest.raises(medkern.UnsupportedDTypeError, match="input: unknown dtype code 99"):
        _core.threshold(ctx, descriptor(a, dtype_code=99), descriptor(out), lo=0.0, hi=1.0)
    with pytest.raises(medkern.InvalidArgumentError, match="input: not an array descriptor"):
        _core.threshold(ctx, (1, 2, 3), descriptor(out), lo=0.0, hi=1.0)
    null = (0, 3, (2, 3, 4), (12, 4, 1), (1.0, 1.0, 1.0), -1)
    with pytest.raises(medkern.InvalidArgumentError, match="input: data pointer is null"):
        _core.threshold(ctx, null, descriptor(np.zeros(a.shape, np.uint8)), lo=0.0, hi=1.0)
    with pytest.raises(medkern.NoDeviceError):
        _core.pool_stats(1000)


def test_core_parameters_are_keywords_cast_by_field_type():
    ctx = _core.Context.cpu()
    a = np.zeros((2, 3, 4), np.float32)
    out = np.zeros(a.shape, np.uint8)
    with pytest.raises(medkern.InvalidArgumentError, match=r"^threshold: 'insde' is not one of"):
        _core.threshold(ctx, descriptor(a), descriptor(out), lo=0.0, hi=1.0, insde=2)
    with pytest.raises(medkern.InvalidArgumentError, match=r"^lo: 'x' is not a number"):
        _core.threshold(ctx, descriptor(a), descriptor(out), lo="x", hi=1.0)
    with pytest.raises(medkern.InvalidArgumentError, match=r"^bins: 4294967296 does not fit"):
        _core.otsu_threshold(ctx, descriptor(a), None, bins=2**32)
    with pytest.raises(medkern.InvalidArgumentError, match=r"^sigma_mm: 1\.0 is not a sequence"):
        _core.gaussian(ctx, descriptor(a), descriptor(np.zeros(a.shape, np.float32)), sigma_mm=1.0)
    # A parameter left out takes the C++ struct's default: inside = 1 where lo <= a <= hi.
    _core.threshold(ctx, descriptor(a), descriptor(out), lo=0.0, hi=1.0)
    assert (out == _core.defaults["threshold"]["inside"]).all()


# (Python function, its parameter, the C++ op, the field): the Python default is the C++ one.
PYTHON_DEFAULTS = [
    (medkern.threshold, "inside", "threshold", "inside"),
    (medkern.threshold, "outside", "threshold", "outside"),
    (medkern.otsu_threshold, "bins", "otsu_threshold", "bins"),
    (medkern.label_statistics, "include_background", "label_statistics", "include_background"),
    (medkern.label_components, "connectivity", "label_components", "connectivity"),
    (medkern.connected_threshold, "connectivity", "connected_threshold", "connectivity"),
    (medkern.confidence_connected, "multiplier", "confidence_connected", "multiplier"),
    (medkern.confidence_connected, "iterations", "confidence_connected", "iterations"),
    (medkern.confidence_connected, "initial_radius", "confidence_connected", "initial_radius"),
    (medkern.confidence_connected, "connectivity", "confidence_connected", "connectivity"),
    (medkern.watershed, "connectivity", "watershed", "connectivity"),
    (medkern.watershed, "watershed_line", "watershed", "watershed_line"),
    (medkern.regional_minima, "connectivity", "regional_minima", "connectivity"),
    (medkern.gaussian, "truncate", "gaussian", "truncate"),
    (medkern.gradient_magnitude, "use_spacing", "gradient_magnitude", "use_spacing"),
    (medkern.anisotropic_diffusion, "iterations", "anisotropic_diffusion", "iterations"),
    (medkern.anisotropic_diffusion, "time_step", "anisotropic_diffusion", "time_step"),
    (medkern.anisotropic_diffusion, "conductance", "anisotropic_diffusion", "conductance"),
    (medkern.calcium_score, "threshold", "calcium_score", "threshold_hu"),
    (medkern.calcium_score, "min_area_mm2", "calcium_score", "min_area_mm2"),
    (medkern.calcium_score, "connectivity", "calcium_score", "connectivity"),
    (medkern.calcium_score, "normalize_thickness", "calcium_score", "normalize_thickness"),
    (medkern.calcium_score, "calibration", "calcium_score", "calibration_mg_per_cm3_per_hu"),
]


@pytest.mark.parametrize("function,parameter,op,field", PYTHON_DEFAULTS)
def test_python_defaults_are_the_cpp_defaults(function, parameter, op, field):
    default = inspect.signature(function).parameters[parameter].default
    assert default == _core.defaults[op][field]
    assert type(default) is type(_core.defaults[op][field])


def test_gradient_method_default_names_the_cpp_default():
    default = inspect.signature(medkern.gradient_magnitude).parameters["method"].default
    assert _core.gradient_methods[default] == _core.defaults["gradient_magnitude"]["method"]
