# Type stub of the pybind11 module medkern._core (python-bindings/module.cpp and one
# python-bindings/<family>.cpp per op family).
# A descriptor is (data_ptr, dtype_code, shape, strides_in_elements, spacing_mm, device).
# An op's parameters are keyword arguments named as the fields of its C++ struct; those left
# out take the struct's defaults, which `defaults[op]` lists.
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

Descriptor = Tuple[
    int, int, Tuple[int, int, int], Tuple[int, int, int], Tuple[float, float, float], int
]
#: (descriptor of frame 0, frames, frame_stride in elements)
SeriesDescriptor = Tuple[Descriptor, int, int]

dtype_codes: Dict[str, int]
HOST: int
#: op name -> {parameter: default}, from the C++ parameter structs.
defaults: Dict[str, Dict[str, Any]]
max_histogram_bins: int
max_label_value: int
#: gradient_magnitude's methods: name -> the value of its `method` parameter.
gradient_methods: Dict[str, int]
#: perfusion_maps' and perfusion_phantom's enums: name -> the value of the parameter.
perfusion_modalities: Dict[str, int]
deconvolution_methods: Dict[str, int]
residue_shapes: Dict[str, int]

class MedkernError(Exception):
    status: Optional[str]

class InvalidArgumentError(MedkernError, ValueError): ...
class UnsupportedDTypeError(MedkernError, TypeError): ...
class ShapeMismatchError(MedkernError, ValueError): ...
class OutOfMemoryError(MedkernError, MemoryError): ...
class NoDeviceError(MedkernError, RuntimeError): ...
class CudaError(MedkernError, RuntimeError): ...
class SizeOverflowError(MedkernError, OverflowError): ...
class InternalError(MedkernError, RuntimeError): ...
class NotSupportedError(MedkernError, NotImplementedError): ...
class FileError(MedkernError, OSError): ...
class InvalidDataError(MedkernError, ValueError): ...

def dicom_available() -> bool: ...
def load_series(
    paths: List[str],
    series_uid: str = "",
    output: int = 0,
    allow_irregular_spacing: bool = False,
    allow_gantry_tilt: bool = False,
    recursive: bool = False,
    num_threads: int = 0,
) -> Dict[str, Any]: ...
def list_series(
    paths: List[str], recursive: bool = False, num_threads: int = 0
) -> Tuple[List[Dict[str, Any]], List[str]]: ...
def write_series(
    directory: str,
    volume: Any,
    times: List[float],
    spacing: List[float],
    origin: List[float],
    orientation: List[List[float]],
    modality: str,
    slice_thickness: float,
    rescale_intercept: float,
    echo_time: float,
    patient_id: str,
    patient_name: str,
    study_uid: str,
    series_uid: str,
    series_description: str,
    series_number: int,
    start_time_of_day: float,
    slice_interval: float,
    temporal_position: bool,
    acquisition_time: bool,
    trigger_time: bool,
    instance_number: bool,
    num_threads: int,
) -> List[str]: ...

class Context:
    @staticmethod
    def cpu(num_threads: int = 0) -> Context: ...
    @staticmethod
    def cuda(device: int = 0, priority: int = 0) -> Context: ...
    @staticmethod
    def cuda_on_stream(device: int, stream: int) -> Context: ...
    @staticmethod
    def automatic() -> Context: ...
    @property
    def device(self) -> int: ...
    @property
    def device_name(self) -> str: ...
    @property
    def is_cuda(self) -> bool: ...
    @property
    def stream(self) -> int: ...
    @property
    def num_threads(self) -> int: ...
    tag: int
    def synchronize(self) -> None: ...

def device_count() -> int: ...
def devices() -> List[Dict[str, Any]]: ...
def pool_stats(device: int) -> Dict[str, Any]: ...
def pool_set_limit(device: int, bytes: int) -> None: ...
def pool_release_tag(device: int, tag: int) -> int: ...
def pool_reset_peak(device: int) -> None: ...
def pool_trim(device: int) -> None: ...
def built_with_cuda() -> bool: ...
def version_string() -> str: ...
def versions() -> Dict[str, Any]: ...
def histogram(
    ctx: Context,
    input: Descriptor,
    mask: Optional[Descriptor],
    counts: Descriptor,
    **params: Any,
) -> None: ...
def threshold(ctx: Context, input: Descriptor, output: Descriptor, **params: Any) -> None: ...
def otsu_threshold(
    ctx: Context, input: Descriptor, mask: Optional[Descriptor], **params: Any
) -> float: ...
def label_statistics(
    ctx: Context, input: Descriptor, labels: Descriptor, **params: Any
) -> Dict[str, Any]: ...
def label_components(ctx: Context, image: Descriptor, labels: Descriptor, **params: Any) -> int: ...
def connected_threshold(
    ctx: Context,
    input: Descriptor,
    seeds: List[Tuple[int, int, int]],
    output: Descriptor,
    **params: Any,
) -> None: ...
def confidence_connected(
    ctx: Context,
    input: Descriptor,
    seeds: List[Tuple[int, int, int]],
    output: Descriptor,
    **params: Any,
) -> Dict[str, Any]: ...
def watershed(
    ctx: Context,
    elevation: Descriptor,
    markers: Descriptor,
    mask: Optional[Descriptor],
    labels: Descriptor,
    **params: Any,
) -> None: ...
def regional_minima(ctx: Context, volume: Descriptor, labels: Descriptor, **params: Any) -> int: ...
def gaussian(ctx: Context, input: Descriptor, output: Descriptor, **params: Any) -> None: ...
def sobel(ctx: Context, input: Descriptor, output: Descriptor, **params: Any) -> None: ...
def gradient_magnitude(
    ctx: Context, input: Descriptor, output: Descriptor, **params: Any
) -> None: ...
def canny(ctx: Context, input: Descriptor, output: Descriptor, **params: Any) -> None: ...
def median(ctx: Context, input: Descriptor, output: Descriptor, **params: Any) -> None: ...
def anisotropic_diffusion(
    ctx: Context, input: Descriptor, output: Descriptor, **params: Any
) -> None: ...
def max_stable_time_step(spacing: Tuple[float, float, float]) -> float: ...
def calcium_score(
    ctx: Context, ct: Descriptor, labels: Optional[Descriptor], **params: Any
) -> Dict[str, Any]: ...
def perfusion_maps(
    ctx: Context,
    series: SeriesDescriptor,
    times: Sequence[float],
    aif: Sequence[float],
    mask: Optional[Descriptor],
    maps: Sequence[Descriptor],
    vof: Optional[Sequence[float]] = None,
    **params: Any,
) -> Dict[str, Any]: ...
def perfusion_residues(
    ctx: Context,
    series: SeriesDescriptor,
    times: Sequence[float],
    aif: Sequence[float],
    mask: Optional[Descriptor],
    vof: Optional[Sequence[float]] = None,
    **params: Any,
) -> np.ndarray: ...
def perfusion_mean_curve(
    ctx: Context, series: SeriesDescriptor, aif_mask: Descriptor
) -> np.ndarray: ...
def time_intensity_curves(
    ctx: Context, series: SeriesDescriptor, labels: Descriptor
) -> Dict[str, np.ndarray]: ...
def select_aif(
    ctx: Context,
    series: SeriesDescriptor,
    times: Sequence[float],
    mask: Optional[Descriptor],
    selected: Descriptor,
    **params: Any,
) -> Dict[str, Any]: ...
def curve_parameters(
    curve: Sequence[float], times: Sequence[float], **params: Any
) -> Dict[str, Any]: ...
def kinetic_maps(
    ctx: Context,
    series: SeriesDescriptor,
    times: Sequence[float],
    mask: Optional[Descriptor],
    maps: Sequence[Descriptor],
    **params: Any,
) -> None: ...
def stroke_summary(
    ctx: Context,
    cbf: Descriptor,
    tmax: Descriptor,
    valid: Descriptor,
    reference_mask: Optional[Descriptor],
    **params: Any,
) -> Dict[str, Any]: ...
def perfusion_phantom(**params: Any) -> Dict[str, np.ndarray]: ...
