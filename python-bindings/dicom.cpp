// medkern._core's DICOM functions (medkern/dicom.hpp): load_series and list_series return
// plain dicts; medkern/_dicom.py turns them into the documented classes.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "medkern/dicom.hpp"

namespace py = pybind11;

namespace {

using namespace medkern;

// Moves `data` into a numpy array of `shape` that owns it (no copy).
template <class T>
py::array owning_array(std::vector<T>&& data, const Shape3& shape) {
  auto* owner = new std::vector<T>(std::move(data));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({shape[0], shape[1], shape[2]}, owner->data(), free_owner);
}

dicom::LoadOptions make_options(const std::string& series_uid, int output,
                                bool allow_irregular_spacing, bool allow_gantry_tilt,
                                bool recursive, int num_threads) {
  dicom::LoadOptions options;
  options.series_uid = series_uid;
  if (output != 0 && output != static_cast<int>(DType::int16) &&
      output != static_cast<int>(DType::float32)) {
    throw Error(Status::unsupported_dtype, "dtype: code " + std::to_string(output) +
                                               " is neither automatic, int16 nor float32");
  }
  options.output = static_cast<dicom::OutputType>(output);
  options.allow_irregular_spacing = allow_irregular_spacing;
  options.allow_gantry_tilt = allow_gantry_tilt;
  options.recursive = recursive;
  if (num_threads < 0) {
    throw Error(Status::invalid_argument,
                "num_threads: " + std::to_string(num_threads) + " is negative");
  }
  options.num_threads = num_threads;
  return options;
}

}  // namespace

void register_dicom(py::module_& m) {
  m.def("dicom_available", &dicom::available, "True when this build reads DICOM (DCMTK).");
  m.def(
      "load_series",
      [](const std::vector<std::string>& paths, const std::string& series_uid, int output,
         bool allow_irregular_spacing, bool allow_gantry_tilt, bool recursive, int num_threads) {
        const dicom::LoadOptions options = make_options(series_uid, output, allow_irregular_spacing,
                                                        allow_gantry_tilt, recursive, num_threads);
        dicom::Series s;
        {
          py::gil_scoped_release release;
          s = dicom::load_series(paths, options);
        }
        py::dict d;
        d["volume"] = s.dtype == DType::int16 ? owning_array(std::move(s.int16_data), s.shape)
                                              : owning_array(std::move(s.float32_data), s.shape);
        d["spacing"] = py::make_tuple(s.spacing[0], s.spacing[1], s.spacing[2]);
        d["origin"] = py::make_tuple(s.origin[0], s.origin[1], s.origin[2]);
        d["orientation"] = s.orientation;
        d["slice_thickness"] = s.slice_thickness;
        d["patient_id"] = s.patient_id;
        d["study_uid"] = s.study_uid;
        d["series_uid"] = s.series_uid;
        d["series_description"] = s.series_description;
        d["modality"] = s.modality;
        d["warnings"] = s.warnings;
        return d;
      },
      py::arg("paths"), py::arg("series_uid") = "", py::arg("output") = 0,
      py::arg("allow_irregular_spacing") = false, py::arg("allow_gantry_tilt") = false,
      py::arg("recursive") = false, py::arg("num_threads") = 0,
      "Loads one DICOM series of `paths` (files and directories) as a dict: volume (numpy, "
      "int16 or float32), spacing, origin, orientation (3 rows: axes z, y, x), "
      "slice_thickness, identifiers, warnings.");
  m.def(
      "list_series",
      [](const std::vector<std::string>& paths, bool recursive, int num_threads) {
        const dicom::LoadOptions options =
            make_options("", 0, false, false, recursive, num_threads);
        std::vector<dicom::SeriesInfo> found;
        std::vector<std::string> warnings;
        {
          py::gil_scoped_release release;
          found = dicom::list_series(paths, options, &warnings);
        }
        py::list series;
        for (const dicom::SeriesInfo& info : found) {
          py::dict d;
          d["series_uid"] = info.series_uid;
          d["study_uid"] = info.study_uid;
          d["patient_id"] = info.patient_id;
          d["series_description"] = info.series_description;
          d["modality"] = info.modality;
          d["series_number"] = info.series_number;
          d["num_files"] = info.num_files;
          d["rows"] = info.rows;
          d["columns"] = info.columns;
          series.append(d);
        }
        return py::make_tuple(series, warnings);
      },
      py::arg("paths"), py::arg("recursive") = false, py::arg("num_threads") = 0,
      "The DICOM series of `paths`, largest first, as (list of dicts, warnings).");
}
