// medkern._core: the pybind11 layer under the pure-Python package `medkern`.
//
// It knows nothing of numpy, CuPy or PyTorch. Arrays arrive as descriptors, plain tuples
//   (data_ptr: int, dtype_code: int, shape: (z, y, x), strides: (z, y, x) in elements,
//    spacing: (z, y, x) in mm, device: int, -1 for host memory)
// built by medkern/_arrays.py, so that device memory of any library passes without a copy and
// without this module linking against any of them. Every op releases the GIL while it runs.
// This file holds what the families share: errors, descriptors, contexts, devices and pools;
// each family's ops are in python-bindings/<family>.cpp.
//
// Errors: medkern::Error becomes an instance of a subclass of medkern._core.MedkernError that
// also derives from the matching built-in exception (ValueError for invalid arguments and
// shape mismatches, TypeError for unsupported dtypes, MemoryError, OverflowError,
// RuntimeError), so that `except ValueError` works as it does with numpy, and `except
// MedkernError` catches everything the library raises. `.status` is the C ABI's status name.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "medkern/medkern.hpp"

namespace py = pybind11;
using namespace medkern;

// One per family, in python-bindings/<family>.cpp.
void register_histogram(py::module_& m);
void register_threshold(py::module_& m);
void register_label_statistics(py::module_& m);
void register_labeling(py::module_& m);
void register_region_growing(py::module_& m);
void register_watershed(py::module_& m);
void register_gaussian(py::module_& m);
void register_edges(py::module_& m);
void register_denoise(py::module_& m);
void register_calcium(py::module_& m);
void register_perfusion(py::module_& m);
void register_dicom(py::module_& m);

namespace {

// ---------------------------------------------------------------------------- exceptions

struct ErrorClass {
  Status status;
  const char* name;
  PyObject* builtin;
  const char* doc;
};

// Filled once at import; the module holds a reference to each class, and so does this table
// (never released: the classes must outlive any translation during interpreter shutdown).
PyObject* g_base_error = nullptr;
std::vector<std::pair<Status, PyObject*>> g_error_classes;

PyObject* error_class_for(Status status) {
  for (const auto& [s, cls] : g_error_classes) {
    if (s == status) return cls;
  }
  return g_base_error;
}

void register_errors(py::module_& m) {
  py::dict base_dict;
  base_dict["status"] = py::none();
  base_dict["__module__"] = "medkern";
  g_base_error = PyErr_NewExceptionWithDoc(
      "medkern._core.MedkernError",
      "Base class of every error medkern raises; `.status` is the C ABI status name "
      "(e.g. 'MEDKERN_ERROR_SHAPE_MISMATCH').",
      PyExc_Exception, base_dict.ptr());
  if (g_base_error == nullptr) throw py::error_already_set();
  m.add_object("MedkernError", py::handle(g_base_error));

  const ErrorClass classes[] = {
      {Status::invalid_argument, "InvalidArgumentError", PyExc_ValueError,
       "An argument has a value the op does not accept (MEDKERN_ERROR_INVALID_ARGUMENT)."},
      {Status::unsupported_dtype, "UnsupportedDTypeError", PyExc_TypeError,
       "An array has a dtype the op does not take (MEDKERN_ERROR_UNSUPPORTED_DTYPE)."},
      {Status::shape_mismatch, "ShapeMismatchError", PyExc_ValueError,
       "Arrays that must have one shape do not (MEDKERN_ERROR_SHAPE_MISMATCH)."},
      {Status::out_of_memory, "OutOfMemoryError", PyExc_MemoryError,
       "A memory pool could not satisfy an allocation (MEDKERN_ERROR_OUT_OF_MEMORY)."},
      {Status::no_device, "NoDeviceError", PyExc_RuntimeError,
       "The requested CUDA device does not exist or CUDA is not built in "
       "(MEDKERN_ERROR_NO_DEVICE)."},
      {Status::cuda_error, "CudaError", PyExc_RuntimeError,
       "The CUDA runtime reported an error (MEDKERN_ERROR_CUDA)."},
      {Status::overflow, "SizeOverflowError", PyExc_OverflowError,
       "A size or offset does not fit in 64 bits (MEDKERN_ERROR_OVERFLOW)."},
      {Status::internal, "InternalError", PyExc_RuntimeError,
       "A bug in medkern (MEDKERN_ERROR_INTERNAL)."},
      {Status::not_supported, "NotSupportedError", PyExc_NotImplementedError,
       "Left out of this build (DICOM without DCMTK) or an input format medkern does not "
       "handle, such as a DICOM transfer syntax (MEDKERN_ERROR_NOT_SUPPORTED)."},
      {Status::io, "FileError", PyExc_OSError,
       "A file or directory that cannot be read (MEDKERN_ERROR_IO)."},
      {Status::invalid_data, "InvalidDataError", PyExc_ValueError,
       "Malformed or inconsistent input data: a truncated DICOM file, a series with varying "
       "orientation (MEDKERN_ERROR_INVALID_DATA)."},
  };
  for (const ErrorClass& c : classes) {
    py::dict dict;
    dict["status"] = status_name(c.status);
    dict["__module__"] = "medkern";
    py::tuple bases = py::make_tuple(py::handle(g_base_error), py::handle(c.builtin));
    const std::string qualified = std::string("medkern._core.") + c.name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), c.doc, bases.ptr(), dict.ptr());
    if (cls == nullptr) throw py::error_already_set();
    m.add_object(c.name, py::handle(cls));
    g_error_classes.emplace_back(c.status, cls);
  }

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(error_class_for(e.status()), e.what());
    }
  });
}

// ---------------------------------------------------------------------------- descriptors, pools

constexpr int kHostDevice = -1;

Device device_from_ordinal(int ordinal) {
  return ordinal < 0 ? Device::host() : Device::cuda(ordinal);
}

// The pool of a device ordinal given from Python (-1: the host's).
Pool& pool_of(py::handle ordinal) {
  return pool_for(device_from_ordinal(python::from_python<int>(ordinal, "device")));
}

py::dict pool_stats_dict(const Pool& pool) {
  const PoolStats s = pool.stats();
  py::dict d;
  d["device"] = pool.device().name();
  d["bytes_in_use"] = s.bytes_in_use;
  d["peak_bytes_in_use"] = s.peak_bytes_in_use;
  d["bytes_reserved"] = s.bytes_reserved;
  d["limit_bytes"] = s.limit_bytes;
  d["allocations"] = s.allocations;
  d["deallocations"] = s.deallocations;
  d["failures"] = s.failures;
  d["live_allocations"] = s.live_allocations;
  return d;
}

}  // namespace

VolumeRef medkern::python::to_volume(py::handle descriptor, const char* what) {
  using Tuple = std::tuple<uintptr_t, int, std::array<int64_t, 3>, std::array<int64_t, 3>,
                           std::array<double, 3>, int>;
  Tuple t;
  try {
    t = descriptor.cast<Tuple>();
  } catch (const py::cast_error&) {
    invalid_argument(std::string(what) +
                     ": not an array descriptor (data_ptr, dtype_code, shape[3], strides[3], "
                     "spacing[3], device)");
  }
  const auto& [pointer, code, shape, strides, spacing, device] = t;
  if (dtype_size(static_cast<DType>(code)) == 0) {
    throw Error(Status::unsupported_dtype,
                std::string(what) + ": unknown dtype code " + std::to_string(code));
  }
  if (device < kHostDevice) {
    invalid_argument(std::string(what) + ": device " + std::to_string(device) +
                     " is neither -1 (host) nor a CUDA ordinal");
  }
  VolumeRef ref;
  ref.data = reinterpret_cast<void*>(pointer);
  ref.dtype = static_cast<DType>(code);
  ref.shape = shape;
  ref.strides = strides;
  ref.spacing = spacing;
  ref.device = device == kHostDevice ? Device::host() : Device::cuda(device);
  return ref;
}

PYBIND11_MODULE(_core, m) {
  m.doc() =
      "medkern._core: pybind11 bindings of the medkern C++ API. Use the `medkern` package; "
      "this module takes array descriptors, not arrays.";

  register_errors(m);

  // DType's values; _arrays.py reads them from here rather than repeating the numbers.
  py::dict codes;
  for (DType d :
       {DType::int16, DType::uint16, DType::float32, DType::uint8, DType::int32, DType::uint64}) {
    codes[dtype_name(d)] = static_cast<int>(d);
  }
  m.attr("dtype_codes") = codes;
  m.attr("HOST") = kHostDevice;
  // op name -> {parameter: default}, filled by the families from the C++ structs.
  m.attr("defaults") = py::dict();

  // ------------------------------------------------------------------------- Context
  py::class_<Context>(m, "Context",
                      "Where ops run: the CPU, or a CUDA device with its stream and pool.")
      .def_static(
          "cpu",
          [](py::object num_threads) {
            return Context::cpu(python::from_python<int>(num_threads, "num_threads"));
          },
          py::arg("num_threads") = 0, "A CPU context with `num_threads` threads (0: all cores).")
      .def_static(
          "cuda",
          [](py::object device, py::object priority) {
            return Context::cuda(python::from_python<int>(device, "device"),
                                 python::from_python<int>(priority, "priority"));
          },
          py::arg("device") = 0, py::arg("priority") = 0,
          "A context on a new non-blocking stream of CUDA device `device` with stream "
          "priority `priority` (0 normal, negative more urgent).")
      .def_static(
          "cuda_on_stream",
          [](py::object device, py::object stream) {
            return Context::cuda_on_stream(
                python::from_python<int>(device, "device"),
                reinterpret_cast<StreamHandle>(python::from_python<uintptr_t>(stream, "stream")));
          },
          py::arg("device"), py::arg("stream"),
          "A context whose ops are ordered on the caller's CUDA stream `stream` (a "
          "cudaStream_t as an int, e.g. cupy.cuda.get_current_stream().ptr); the caller "
          "keeps the stream alive.")
      .def_static("automatic", &Context::automatic,
                  "CUDA device 0 when there is one, else the CPU.")
      .def_property_readonly(
          "device", [](const Context& c) { return c.device().ordinal; },
          "The device ordinal: -1 for the CPU, N for cuda:N.")
      .def_property_readonly(
          "device_name", [](const Context& c) { return c.device().name(); }, "'cpu' or 'cuda:N'.")
      .def_property_readonly("is_cuda", &Context::is_cuda)
      .def_property_readonly(
          "stream", [](const Context& c) { return reinterpret_cast<uintptr_t>(c.stream()); },
          "The cudaStream_t as an int (0 on the CPU or for the legacy default stream).")
      .def_property_readonly("num_threads", &Context::num_threads)
      .def_property("tag", &Context::tag, &Context::set_tag,
                    "The pool tag given to the allocations made through this context.")
      .def(
          "synchronize",
          [](const Context& c) {
            py::gil_scoped_release release;
            c.synchronize();
          },
          "Blocks until the work submitted on this context has finished.")
      .def("__repr__", [](const Context& c) {
        return "<medkern Context " + c.device().name() +
               " stream=" + std::to_string(reinterpret_cast<uintptr_t>(c.stream())) + ">";
      });

  // ------------------------------------------------------------------------- devices, pools
  m.def("device_count", &device_count, "Usable CUDA devices (0 in a CPU-only build).");
  m.def(
      "devices",
      []() {
        py::list out;
        const int n = device_count();
        for (int i = 0; i < n; ++i) {
          const DeviceProperties p = device_properties(i);
          py::dict d;
          d["ordinal"] = p.ordinal;
          d["name"] = p.name;
          d["compute_capability"] =
              py::make_tuple(p.compute_capability_major, p.compute_capability_minor);
          d["multiprocessors"] = p.multiprocessors;
          d["total_memory_bytes"] = p.total_memory_bytes;
          d["free_memory_bytes"] = p.free_memory_bytes;
          out.append(d);
        }
        return out;
      },
      "Properties of each CUDA device, as dicts.");

  m.def(
      "pool_stats", [](py::object device) { return pool_stats_dict(pool_of(device)); },
      py::arg("device"), "Statistics of the memory pool of `device` (-1: host).");
  m.def(
      "pool_set_limit",
      [](py::object device, py::object bytes) {
        pool_of(device).set_limit(python::from_python<uint64_t>(bytes, "bytes"));
      },
      py::arg("device"), py::arg("bytes"), "Caps the bytes in use of a pool (0: no limit).");
  m.def(
      "pool_release_tag",
      [](py::object device, py::object tag) {
        Pool& pool = pool_of(device);
        const auto value = python::from_python<uint64_t>(tag, "tag");
        py::gil_scoped_release release;  // waits for the device to be idle
        return static_cast<uint64_t>(pool.release_tag(value));
      },
      py::arg("device"), py::arg("tag"),
      "Frees every live allocation with `tag`; returns the bytes freed.");
  m.def(
      "pool_reset_peak", [](py::object device) { pool_of(device).reset_peak(); },
      py::arg("device"));
  m.def(
      "pool_trim", [](py::object device) { pool_of(device).trim(); }, py::arg("device"),
      "Gives a pool's cached memory back to the system.");

  m.def("built_with_cuda", &built_with_cuda);
  m.def("version_string", []() { return std::string(version_string()); });
  m.def("versions", []() {
    py::dict d;
    d["medkern"] = std::string(version_string());
    d["built_with_cuda"] = built_with_cuda();
    d["cuda_driver"] = cuda_driver_version();
    d["cuda_runtime"] = cuda_runtime_version();
    return d;
  });

  // ------------------------------------------------------------------------- ops, by family
  register_histogram(m);
  register_threshold(m);
  register_label_statistics(m);
  register_labeling(m);
  register_region_growing(m);
  register_watershed(m);
  register_gaussian(m);
  register_edges(m);
  register_denoise(m);
  register_calcium(m);
  register_perfusion(m);
  register_dicom(m);
}
