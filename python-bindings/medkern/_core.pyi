# Type stub of the pybind11 module medkern._core (python-bindings/core.cpp).
# A descriptor is (data_ptr, dtype_code, shape, strides_in_elements, spacing_mm, device).
from typing import Any, Dict, List, Optional, Tuple

Descriptor = Tuple[
    int, int, Tuple[int, int, int], Tuple[int, int, int], Tuple[float, float, float], int
]

dtype_codes: Dict[str, int]
max_histogram_bins: int
max_label_value: int
histogram_float32_range: bool
HOST: int

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

def histogram(
    ctx: Context,
    input: Descriptor,
    mask: Optional[Descriptor],
    counts: Descriptor,
    bins: int,
    lo: float,
    hi: float,
    float32_range: bool = False,
) -> None: ...
def threshold(
    ctx: Context,
    input: Descriptor,
    output: Descriptor,
    lo: float,
    hi: float,
    inside: int = 1,
    outside: int = 0,
) -> None: ...
def otsu_threshold(
    ctx: Context, input: Descriptor, mask: Optional[Descriptor], bins: int = 256
) -> float: ...
def label_statistics(
    ctx: Context, input: Descriptor, labels: Descriptor, include_background: bool = False
) -> Dict[str, Any]: ...
def label_components(
    ctx: Context, image: Descriptor, labels: Descriptor, connectivity: int = 26
) -> int: ...
def connected_threshold(
    ctx: Context,
    input: Descriptor,
    seeds: List[Tuple[int, int, int]],
    output: Descriptor,
    lo: float,
    hi: float,
    connectivity: int = 26,
) -> None: ...
def watershed(
    ctx: Context,
    elevation: Descriptor,
    markers: Descriptor,
    mask: Optional[Descriptor],
    labels: Descriptor,
    connectivity: int = 6,
    watershed_line: bool = False,
) -> None: ...
def regional_minima(
    ctx: Context, volume: Descriptor, labels: Descriptor, connectivity: int = 26
) -> int: ...
def gaussian(
    ctx: Context,
    input: Descriptor,
    output: Descriptor,
    sigma_mm: Tuple[float, float, float],
    truncate: float = 4.0,
) -> None: ...
def sobel(ctx: Context, input: Descriptor, output: Descriptor, axis: int, ndim: int = 3) -> None: ...
def gradient_magnitude(
    ctx: Context,
    input: Descriptor,
    output: Descriptor,
    method: int = 0,
    use_spacing: bool = True,
    ndim: int = 3,
) -> None: ...
def canny(
    ctx: Context,
    input: Descriptor,
    output: Descriptor,
    sigma_mm: Tuple[float, float, float],
    low: float,
    high: float,
    ndim: int = 3,
) -> None: ...
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
def confidence_connected(
    ctx: Context,
    input: Descriptor,
    seeds: List[Tuple[int, int, int]],
    output: Descriptor,
    multiplier: float = 2.5,
    iterations: int = 4,
    initial_radius: int = 1,
    connectivity: int = 26,
) -> Dict[str, Any]: ...
def median(
    ctx: Context, input: Descriptor, output: Descriptor, radius: Tuple[int, int, int]
) -> None: ...
def anisotropic_diffusion(
    ctx: Context,
    input: Descriptor,
    output: Descriptor,
    iterations: int,
    time_step: float,
    conductance: float,
) -> None: ...
def max_stable_time_step(spacing: Tuple[float, float, float]) -> float: ...
def calcium_score(
    ctx: Context,
    ct: Descriptor,
    labels: Optional[Descriptor],
    slice_thickness: float,
    threshold: float = 130.0,
    min_area_mm2: float = 1.0,
    connectivity: int = 8,
    normalize_thickness: bool = True,
    calibration: Optional[float] = None,
) -> Dict[str, Any]: ...
