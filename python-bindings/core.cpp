// medkern._core: the pybind11 layer under the pure-Python package `medkern`.
//
// It knows nothing of numpy, CuPy or PyTorch. Arrays arrive as descriptors, plain tuples
//   (data_ptr: int, dtype_code: int, shape: (z, y, x), strides: (z, y, x) in elements,
//    spacing: (z, y, x) in mm, device: int, -1 for host memory)
// built by medkern/_arrays.py, so that device memory of any library passes without a copy and
// without this module linking against any of them. Every op releases the GIL while it runs.
//
// Errors: medkern::Error becomes an instance of a subclass of medkern._core.MedkernError that
// also derives from the matching built-in exception (ValueError for invalid arguments and
// shape mismatches, TypeError for unsupported dtypes, MemoryError, OverflowError,
// RuntimeError), so that `except ValueError` works as it does with numpy, and `except
// MedkernError` catches everything the library raises. `.status` is the C ABI's status name.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "medkern/medkern.hpp"

namespace py = pybind11;
using namespace medkern;

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

// ---------------------------------------------------------------------------- descriptors

constexpr int kHostDevice = -1;

// The dtype codes are DType's values; _arrays.py reads them from `dtype_codes` rather than
// repeating the numbers.
bool known_dtype_code(int code) {
  return dtype_size(static_cast<DType>(code)) != 0;
}

[[noreturn]] void raise_status(Status status, const std::string& message) {
  throw Error(status, message);
}

VolumeRef to_volume(py::handle descriptor, const char* what) {
  using Tuple = std::tuple<uintptr_t, int, std::array<int64_t, 3>, std::array<int64_t, 3>,
                           std::array<double, 3>, int>;
  Tuple t;
  try {
    t = descriptor.cast<Tuple>();
  } catch (const py::cast_error&) {
    raise_status(Status::invalid_argument,
                 std::string(what) +
                     ": not an array descriptor (data_ptr, dtype_code, shape[3], strides[3], "
                     "spacing[3], device)");
  }
  const auto& [pointer, code, shape, strides, spacing, device] = t;
  if (!known_dtype_code(code)) {
    raise_status(Status::unsupported_dtype,
                 std::string(what) + ": unknown dtype code " + std::to_string(code));
  }
  if (device < kHostDevice) {
    raise_status(Status::invalid_argument, std::string(what) + ": device " +
                                               std::to_string(device) +
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

// An optional descriptor (None for none) and the storage that keeps its VolumeRef alive.
struct OptionalVolume {
  VolumeRef ref;
  bool present = false;
  OptionalVolume(py::handle descriptor, const char* what) {
    if (!descriptor.is_none()) {
      ref = to_volume(descriptor, what);
      present = true;
    }
  }
  const VolumeRef* get() const { return present ? &ref : nullptr; }
};

Device device_from_ordinal(int ordinal) {
  return ordinal < 0 ? Device::host() : Device::cuda(ordinal);
}

uint32_t checked_bins(int64_t bins) {
  // The op checks the real range (1 .. kMaxHistogramBins); this only keeps the narrowing to
  // uint32 from turning e.g. 2**32 + 1 into a valid 1.
  if (bins < 0 || bins > int64_t{std::numeric_limits<uint32_t>::max()}) {
    raise_status(Status::invalid_argument, "bins: " + std::to_string(bins) + " is outside 1.." +
                                               std::to_string(kMaxHistogramBins));
  }
  return static_cast<uint32_t>(bins);
}

// HistogramParams::float32_range (edges in float32 arithmetic from float32 extremes, as
// numpy.histogram(a, bins) builds them when it takes the range from float32 data) is used
// where the C++ API has it, so that this file builds against the API with and without it.
template <class P, class = void>
struct HasFloat32Range : std::false_type {};
template <class P>
struct HasFloat32Range<P, std::void_t<decltype(std::declval<P&>().float32_range)>>
    : std::true_type {};
constexpr bool kHasFloat32Range = HasFloat32Range<HistogramParams>::value;

template <class P>
void set_float32_range(P& params, bool value) {
  if constexpr (HasFloat32Range<P>::value) {
    params.float32_range = value;
  } else if (value) {
    raise_status(Status::invalid_argument,
                 "float32_range: this build of medkern cannot build float32 edges");
  }
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

// Struct of arrays: one numpy array per field, so that a volume with millions of labels
// does not cost millions of Python objects here (the Python layer decides what to build).
py::dict label_stats_arrays(const std::vector<LabelStats>& stats) {
  const auto n = static_cast<py::ssize_t>(stats.size());
  py::array_t<int32_t> label(n);
  py::array_t<uint64_t> count(n);
  py::array_t<double> sum(n), mean(n), stddev(n), min(n), max(n);
  py::array_t<int64_t> bbox_min({n, py::ssize_t{3}}), bbox_max({n, py::ssize_t{3}});
  py::array_t<double> centroid({n, py::ssize_t{3}});
  auto l = label.mutable_unchecked<1>();
  auto c = count.mutable_unchecked<1>();
  auto s = sum.mutable_unchecked<1>();
  auto me = mean.mutable_unchecked<1>();
  auto sd = stddev.mutable_unchecked<1>();
  auto lo = min.mutable_unchecked<1>();
  auto hi = max.mutable_unchecked<1>();
  auto b0 = bbox_min.mutable_unchecked<2>();
  auto b1 = bbox_max.mutable_unchecked<2>();
  auto ce = centroid.mutable_unchecked<2>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const LabelStats& r = stats[static_cast<std::size_t>(i)];
    l(i) = r.label;
    c(i) = r.count;
    s(i) = r.sum;
    me(i) = r.mean;
    sd(i) = r.std;
    lo(i) = r.min;
    hi(i) = r.max;
    for (py::ssize_t axis = 0; axis < 3; ++axis) {
      b0(i, axis) = r.bbox_min[static_cast<std::size_t>(axis)];
      b1(i, axis) = r.bbox_max[static_cast<std::size_t>(axis)];
      ce(i, axis) = r.centroid_mm[static_cast<std::size_t>(axis)];
    }
  }
  py::dict d;
  d["label"] = label;
  d["count"] = count;
  d["sum"] = sum;
  d["mean"] = mean;
  d["std"] = stddev;
  d["min"] = min;
  d["max"] = max;
  d["bbox_min"] = bbox_min;
  d["bbox_max"] = bbox_max;
  d["centroid_mm"] = centroid;
  return d;
}

py::dict calcium_totals_dict(const CalciumTotals& t) {
  py::dict d;
  d["agatston"] = t.agatston;
  d["volume_mm3"] = t.volume_mm3;
  d["mass_mg"] = t.mass_mg;
  d["lesions"] = t.lesions;
  return d;
}

// One numpy array of `rows.size()` values of T, field(row) each; or of shape (n, 3) for
// fields that are arrays of three.
template <class T, class Row, class Field>
py::array_t<T> column(const std::vector<Row>& rows, Field field) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<T> out(n);
  auto o = out.template mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) o(i) = static_cast<T>(field(rows[std::size_t(i)]));
  return out;
}
template <class T, class Row, class Field>
py::array_t<T> column3(const std::vector<Row>& rows, Field field) {
  const auto n = static_cast<py::ssize_t>(rows.size());
  py::array_t<T> out({n, py::ssize_t{3}});
  auto o = out.template mutable_unchecked<2>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const auto& values = field(rows[std::size_t(i)]);
    for (py::ssize_t axis = 0; axis < 3; ++axis)
      o(i, axis) = static_cast<T>(values[std::size_t(axis)]);
  }
  return out;
}

// The result of calcium_score: totals as dicts, lesions as a struct of numpy arrays.
py::dict calcium_result_dict(const CalciumResult& r) {
  using L = CalciumLesion;
  const auto& rows = r.lesions;
  py::dict lesions;
  lesions["slice"] = column<int64_t>(rows, [](const L& l) { return l.slice; });
  lesions["label"] = column<int64_t>(rows, [](const L& l) { return l.label; });
  lesions["voxels"] = column<int64_t>(rows, [](const L& l) { return l.voxels; });
  lesions["area_mm2"] = column<double>(rows, [](const L& l) { return l.area_mm2; });
  lesions["max_hu"] = column<int64_t>(rows, [](const L& l) { return l.max_hu; });
  lesions["mean_hu"] = column<double>(rows, [](const L& l) { return l.mean_hu; });
  lesions["weight"] = column<int64_t>(rows, [](const L& l) { return l.weight; });
  lesions["score"] = column<double>(rows, [](const L& l) { return l.score; });
  lesions["volume_mm3"] = column<double>(rows, [](const L& l) { return l.volume_mm3; });
  lesions["mass_mg"] = column<double>(rows, [](const L& l) { return l.mass_mg; });
  lesions["centroid_mm"] = column3<double>(rows, [](const L& l) { return l.centroid_mm; });
  lesions["lesion_3d"] = column<int64_t>(rows, [](const L& l) { return l.lesion_3d; });
  py::dict per_label;
  for (const CalciumLabelTotals& entry : r.per_label) {
    per_label[py::int_(entry.label)] = calcium_totals_dict(entry.totals);
  }
  py::dict d;
  d["total"] = calcium_totals_dict(r.total);
  d["per_label"] = per_label;
  d["lesions"] = lesions;
  d["lesions_3d"] = r.lesions_3d;
  d["risk_category"] = std::string(risk_category_name(r.risk_category));
  d["slice_step"] = r.slice_step;
  d["voxel_volume_mm3"] = r.voxel_volume_mm3;
  d["has_mass"] = r.has_mass;
  return d;
}

}  // namespace

void register_dicom(py::module_& m);  // python-bindings/dicom.cpp

PYBIND11_MODULE(_core, m) {
  m.doc() =
      "medkern._core: pybind11 bindings of the medkern C++ API. Use the `medkern` package; "
      "this module takes array descriptors, not arrays.";

  register_errors(m);
  register_dicom(m);

  py::dict codes;
  for (DType d :
       {DType::int16, DType::uint16, DType::float32, DType::uint8, DType::int32, DType::uint64}) {
    codes[dtype_name(d)] = static_cast<int>(d);
  }
  m.attr("dtype_codes") = codes;
  m.attr("max_histogram_bins") = kMaxHistogramBins;
  m.attr("max_label_value") = kMaxLabelValue;
  m.attr("HOST") = kHostDevice;

  // ------------------------------------------------------------------------- Context
  py::class_<Context>(m, "Context",
                      "Where ops run: the CPU, or a CUDA device with its stream and pool.")
      .def_static("cpu", &Context::cpu, py::arg("num_threads") = 0,
                  "A CPU context with `num_threads` threads (0: all cores).")
      .def_static("cuda", &Context::cuda, py::arg("device") = 0, py::arg("priority") = 0,
                  "A context on a new non-blocking stream of CUDA device `device` with stream "
                  "priority `priority` (0 normal, negative more urgent).")
      .def_static(
          "cuda_on_stream",
          [](int device, uintptr_t stream) {
            return Context::cuda_on_stream(device, reinterpret_cast<StreamHandle>(stream));
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

  // ------------------------------------------------------------------------- ops
  m.def(
      "histogram",
      [](const Context& ctx, py::handle input, py::handle mask, py::handle counts, int64_t bins,
         double lo, double hi, bool float32_range) {
        const VolumeRef in = to_volume(input, "input");
        const OptionalVolume msk(mask, "mask");
        const VolumeRef out = to_volume(counts, "counts");
        HistogramParams params;
        params.bins = checked_bins(bins);
        params.lo = lo;
        params.hi = hi;
        set_float32_range(params, float32_range);
        py::gil_scoped_release release;
        histogram(ctx, in, msk.get(), out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("mask"), py::arg("counts"), py::arg("bins"),
      py::arg("lo"), py::arg("hi"), py::arg("float32_range") = false,
      "Counts `input` into `counts` (contiguous uint64, `bins` elements) as "
      "numpy.histogram(input[mask != 0], bins, range=(lo, hi)). With float32_range (float32 "
      "input, lo and hi float32 values) the edges are built in float32 arithmetic, as numpy "
      "does for a range taken from float32 data; see `histogram_float32_range`.");
  m.attr("histogram_float32_range") = kHasFloat32Range;

  m.def(
      "threshold",
      [](const Context& ctx, py::handle input, py::handle output, double lo, double hi, int inside,
         int outside) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        for (auto [name, value] : {std::pair<const char*, int>{"inside", inside},
                                   std::pair<const char*, int>{"outside", outside}}) {
          if (value < 0 || value > 255) {
            raise_status(Status::invalid_argument, std::string(name) + ": " +
                                                       std::to_string(value) +
                                                       " does not fit in uint8 (0..255)");
          }
        }
        const ThresholdParams params{lo, hi, static_cast<uint8_t>(inside),
                                     static_cast<uint8_t>(outside)};
        py::gil_scoped_release release;
        threshold(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("lo"), py::arg("hi"),
      py::arg("inside") = 1, py::arg("outside") = 0,
      "output = inside where lo <= input <= hi (compared in double), else outside.");

  m.def(
      "otsu_threshold",
      [](const Context& ctx, py::handle input, py::handle mask, int64_t bins) {
        const VolumeRef in = to_volume(input, "input");
        const OptionalVolume msk(mask, "mask");
        const OtsuParams params{checked_bins(bins)};
        py::gil_scoped_release release;
        return otsu_threshold(ctx, in, msk.get(), params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("mask"), py::arg("bins") = 256,
      "skimage.filters.threshold_otsu(input[mask != 0], nbins=bins).");

  m.def(
      "label_components",
      [](const Context& ctx, py::handle image, py::handle labels, int connectivity) {
        const VolumeRef img = to_volume(image, "image");
        const VolumeRef lab = to_volume(labels, "labels");
        py::gil_scoped_release release;
        return label_components(ctx, img, lab, {connectivity});
      },
      py::arg("ctx"), py::arg("image"), py::arg("labels"), py::arg("connectivity") = 26,
      "Labels the connected components of `image` into `labels` (int32, same shape), "
      "numbered in raster order of their first voxel; returns their number. uint8: a mask, "
      "any non-zero voxel is foreground (scipy.ndimage.label); int16, uint16, int32: equal "
      "non-zero values connect (skimage.measure.label(background=0)). connectivity: 6, 18, "
      "26 (3-D) or 4, 8 (each z-slice alone).");

  m.def(
      "connected_threshold",
      [](const Context& ctx, py::handle input, const std::vector<Seed>& seeds, py::handle output,
         double lo, double hi, int connectivity) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        py::gil_scoped_release release;
        connected_threshold(ctx, in, seeds, out, {lo, hi, connectivity});
      },
      py::arg("ctx"), py::arg("input"), py::arg("seeds"), py::arg("output"), py::arg("lo"),
      py::arg("hi"), py::arg("connectivity") = 26,
      "output = 1 on the voxels connected to a seed through lo <= value <= hi (ITK "
      "ConnectedThresholdImageFilter), else 0.");

  m.def(
      "watershed",
      [](const Context& ctx, py::handle elevation, py::handle markers, py::handle mask,
         py::handle labels, int connectivity, bool watershed_line) {
        const VolumeRef elev = to_volume(elevation, "elevation");
        const VolumeRef mark = to_volume(markers, "markers");
        const OptionalVolume msk(mask, "mask");
        const VolumeRef out = to_volume(labels, "labels");
        py::gil_scoped_release release;
        watershed(ctx, elev, mark, msk.get(), out, {connectivity, watershed_line});
      },
      py::arg("ctx"), py::arg("elevation"), py::arg("markers"), py::arg("mask"), py::arg("labels"),
      py::arg("connectivity") = 6, py::arg("watershed_line") = false,
      "Floods `elevation` (float32, int16, uint16) from `markers` (int32) into `labels` "
      "(int32) as skimage.segmentation.watershed; `mask` (uint8) may be None.");

  m.def(
      "regional_minima",
      [](const Context& ctx, py::handle volume, py::handle labels, int connectivity) {
        const VolumeRef in = to_volume(volume, "volume");
        const VolumeRef out = to_volume(labels, "labels");
        py::gil_scoped_release release;
        return regional_minima(ctx, in, out, {connectivity});
      },
      py::arg("ctx"), py::arg("volume"), py::arg("labels"), py::arg("connectivity") = 26,
      "Labels the regional minima of `volume` into `labels` (int32) as scipy.ndimage.label("
      "skimage.morphology.local_minima(volume)); returns their number.");

  m.def(
      "label_statistics",
      [](const Context& ctx, py::handle input, py::handle labels, bool include_background) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef lab = to_volume(labels, "labels");
        LabelStatisticsParams params;
        params.include_background = include_background;
        std::vector<LabelStats> stats;
        {
          py::gil_scoped_release release;
          stats = label_statistics(ctx, in, lab, params);
        }
        return label_stats_arrays(stats);
      },
      py::arg("ctx"), py::arg("input"), py::arg("labels"), py::arg("include_background") = false,
      "Per-label statistics as a dict of numpy arrays, one entry per label present, in "
      "increasing label order: label, count, sum, mean, std, min, max (shape (n,)), "
      "bbox_min, bbox_max (inclusive voxel indices) and centroid_mm (shape (n, 3), z y x).");

  m.def(
      "gaussian",
      [](const Context& ctx, py::handle input, py::handle output, std::array<double, 3> sigma_mm,
         double truncate) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        const GaussianParams params{sigma_mm, truncate};
        py::gil_scoped_release release;
        gaussian(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("sigma_mm"),
      py::arg("truncate") = 4.0,
      "output (float32) = scipy.ndimage.gaussian_filter(input, sigma_mm / spacing, "
      "mode='nearest', truncate=truncate); sigma_mm is (z, y, x) in mm, 0 skips an axis.");

  m.def(
      "sobel",
      [](const Context& ctx, py::handle input, py::handle output, int axis, int ndim) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        py::gil_scoped_release release;
        sobel(ctx, in, out, {axis, ndim});
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("axis"), py::arg("ndim") = 3,
      "output (float32) = scipy.ndimage.sobel(input, axis, mode='nearest') over the last ndim "
      "axes; axis is 0 (z), 1 (y) or 2 (x).");

  m.def(
      "gradient_magnitude",
      [](const Context& ctx, py::handle input, py::handle output, int method, bool use_spacing,
         int ndim) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        GradientMagnitudeParams params;
        params.method = static_cast<GradientMethod>(method);
        params.use_spacing = use_spacing;
        params.ndim = ndim;
        py::gil_scoped_release release;
        gradient_magnitude(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("method") = 0,
      py::arg("use_spacing") = true, py::arg("ndim") = 3,
      "output (float32) = the gradient magnitude of input over the last ndim axes; method 0: "
      "Sobel (scipy), 1: central differences (ITK GradientMagnitudeImageFilter).");

  m.def(
      "canny",
      [](const Context& ctx, py::handle input, py::handle output, std::array<double, 3> sigma_mm,
         double low, double high, int ndim) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        CannyParams params;
        params.sigma_mm = sigma_mm;
        params.low = low;
        params.high = high;
        params.ndim = ndim;
        py::gil_scoped_release release;
        canny(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("sigma_mm"), py::arg("low"),
      py::arg("high"), py::arg("ndim") = 3,
      "output (uint8) = 1 on the edges of ITK CannyEdgeDetectionImageFilter (variance = "
      "sigma_mm^2), else 0; ndim 2 runs on each z-slice.");

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
      "pool_stats",
      [](int device) { return pool_stats_dict(pool_for(device_from_ordinal(device))); },
      py::arg("device"), "Statistics of the memory pool of `device` (-1: host).");
  m.def(
      "pool_set_limit",
      [](int device, uint64_t bytes) { pool_for(device_from_ordinal(device)).set_limit(bytes); },
      py::arg("device"), py::arg("bytes"), "Caps the bytes in use of a pool (0: no limit).");
  m.def(
      "pool_release_tag",
      [](int device, uint64_t tag) {
        Pool& pool = pool_for(device_from_ordinal(device));
        py::gil_scoped_release release;  // waits for the device to be idle
        return static_cast<uint64_t>(pool.release_tag(tag));
      },
      py::arg("device"), py::arg("tag"),
      "Frees every live allocation with `tag`; returns the bytes freed.");
  m.def(
      "pool_reset_peak", [](int device) { pool_for(device_from_ordinal(device)).reset_peak(); },
      py::arg("device"));
  m.def(
      "pool_trim", [](int device) { pool_for(device_from_ordinal(device)).trim(); },
      py::arg("device"), "Gives a pool's cached memory back to the system.");

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

  // ------------------------------------------------------------------ confidence connected
  m.def(
      "confidence_connected",
      [](const Context& ctx, py::handle input, const std::vector<Seed>& seeds, py::handle output,
         double multiplier, int iterations, int initial_radius, int connectivity) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        ConfidenceConnectedParams params;
        params.multiplier = multiplier;
        params.iterations = iterations;
        params.initial_radius = initial_radius;
        params.connectivity = connectivity;
        ConfidenceConnectedStats stats;
        {
          py::gil_scoped_release release;
          stats = confidence_connected(ctx, in, seeds, out, params);
        }
        py::dict d;
        d["mean"] = stats.mean;
        d["variance"] = stats.variance;
        d["lower"] = stats.lower;
        d["upper"] = stats.upper;
        d["iterations"] = stats.iterations;
        return d;
      },
      py::arg("ctx"), py::arg("input"), py::arg("seeds"), py::arg("output"),
      py::arg("multiplier") = 2.5, py::arg("iterations") = 4, py::arg("initial_radius") = 1,
      py::arg("connectivity") = 26,
      "output = 1 on the region grown from the seeds with a band estimated from the data (ITK "
      "ConfidenceConnectedImageFilter), else 0. Returns the last estimate as a dict: mean, "
      "variance, lower, upper (the final band), iterations (estimates from the region made).");

  // ------------------------------------------------------------------ noise reduction
  m.def(
      "median",
      [](const Context& ctx, py::handle input, py::handle output, std::array<int, 3> radius) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        MedianParams params;
        params.radius = radius;
        py::gil_scoped_release release;
        median(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("radius"),
      "output = the median of the (2r+1)-voxel window around each voxel of `input`, radius "
      "(z, y, x), as scipy.ndimage.median_filter(mode='nearest').");

  m.def(
      "anisotropic_diffusion",
      [](const Context& ctx, py::handle input, py::handle output, int iterations, double time_step,
         double conductance) {
        const VolumeRef in = to_volume(input, "input");
        const VolumeRef out = to_volume(output, "output");
        AnisotropicDiffusionParams params;
        params.iterations = iterations;
        params.time_step = time_step;
        params.conductance = conductance;
        py::gil_scoped_release release;
        anisotropic_diffusion(ctx, in, out, params);
      },
      py::arg("ctx"), py::arg("input"), py::arg("output"), py::arg("iterations"),
      py::arg("time_step"), py::arg("conductance"),
      "output (float32) = `input` smoothed as ITK GradientAnisotropicDiffusionImageFilter; the "
      "spacing comes from the input descriptor.");
  m.def(
      "max_stable_time_step",
      [](const std::array<double, 3>& spacing) { return max_stable_time_step(spacing); },
      py::arg("spacing"), "ITK's stable bound on the time step: min(spacing) / 16.");

  // ------------------------------------------------------------------ calcium scoring
  m.def(
      "calcium_score",
      [](const Context& ctx, py::handle ct, py::handle labels, double slice_thickness,
         double threshold, double min_area_mm2, int connectivity, bool normalize_thickness,
         std::optional<double> calibration) {
        const VolumeRef in = to_volume(ct, "ct");
        const OptionalVolume lab(labels, "labels");
        CalciumParams params;
        params.slice_thickness_mm = slice_thickness;
        params.threshold_hu = threshold;
        params.min_area_mm2 = min_area_mm2;
        params.connectivity = connectivity;
        params.normalize_thickness = normalize_thickness;
        params.calibration_mg_per_cm3_per_hu = calibration;
        CalciumResult result;
        {
          py::gil_scoped_release release;
          result = calcium_score(ctx, in, lab.get(), params);
        }
        return calcium_result_dict(result);
      },
      py::arg("ctx"), py::arg("ct"), py::arg("labels"), py::arg("slice_thickness"),
      py::arg("threshold") = 130.0, py::arg("min_area_mm2") = 1.0, py::arg("connectivity") = 8,
      py::arg("normalize_thickness") = true, py::arg("calibration") = py::none(),
      "Agatston, volume and mass scores of `ct` (int16 HU; spacing from the descriptor) within "
      "`labels` (uint8 or None). Returns a dict: total, per_label (label -> totals), lesions "
      "(a dict of numpy arrays), lesions_3d, risk_category, slice_step, voxel_volume_mm3, "
      "has_mass.");
}
