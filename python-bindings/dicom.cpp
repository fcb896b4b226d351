// medkern._core's DICOM functions (medkern/dicom.hpp): load_series and list_series return
// plain dicts; medkern/_dicom.py turns them into the documented classes and checks the
// arguments of write_series.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
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
py::array owning_array(std::vector<T>&& data, const std::vector<py::ssize_t>& shape) {
  auto* owner = new std::vector<T>(std::move(data));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owner->data(), free_owner);
}

template <class T>
std::array<T, 3> triple(const std::vector<T>& values, const char* what) {
  if (values.size() != 3) {
    throw Error(Status::invalid_argument,
                std::string(what) + ": " + std::to_string(values.size()) + " values, not 3");
  }
  return {values[0], values[1], values[2]};
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
        // A dynamic series is (frames, slices, rows, columns); a static one as before.
        std::vector<py::ssize_t> shape{s.shape[0], s.shape[1], s.shape[2]};
        if (s.frames > 1) shape.insert(shape.begin(), s.frames);
        d["volume"] = s.dtype == DType::int16 ? owning_array(std::move(s.int16_data), shape)
                                              : owning_array(std::move(s.float32_data), shape);
        d["frames"] = s.frames;
        d["frame_times"] = s.frame_times_s;
        d["frame_grouping"] = dicom::frame_grouping_name(s.frame_grouping);
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
      "int16 or float32; (frames, slices, rows, columns) for a dynamic series), frames, "
      "frame_times, frame_grouping, spacing, origin, orientation (3 rows: axes z, y, x), "
      "slice_thickness, identifiers, warnings.");
  m.def(
      "write_series",
      [](const std::string& directory, const py::array& voxels, const std::vector<double>& times,
         const std::vector<double>& spacing, const std::vector<double>& origin,
         const std::vector<std::vector<double>>& orientation, const std::string& modality,
         double slice_thickness, double rescale_intercept, double echo_time,
         const std::string& patient_id, const std::string& patient_name,
         const std::string& study_uid, const std::string& series_uid,
         const std::string& series_description, int64_t series_number, double start_time_of_day,
         double slice_interval, bool temporal_position, bool acquisition_time, bool trigger_time,
         bool instance_number, int num_threads) {
        // medkern/_dicom.py hands over a C-contiguous int16 or uint16 array of 3 or 4
        // dimensions; anything else is refused here too.
        const bool is_int16 = py::isinstance<py::array_t<int16_t>>(voxels);
        const bool is_uint16 = py::isinstance<py::array_t<uint16_t>>(voxels);
        if (!is_int16 && !is_uint16) {
          throw Error(Status::unsupported_dtype, "volume: dtype " +
                                                     std::string(py::str(voxels.dtype())) +
                                                     " is not int16 (CT in HU) or uint16 (MR)");
        }
        if ((voxels.ndim() != 3 && voxels.ndim() != 4) || !(voxels.flags() & py::array::c_style)) {
          throw Error(Status::invalid_argument,
                      "volume: not a C-contiguous array of 3 or 4 dimensions");
        }
        const bool dynamic = voxels.ndim() == 4;
        const int offset = dynamic ? 1 : 0;
        SeriesRef series;
        series.first.data = const_cast<void*>(voxels.data());
        series.first.dtype = is_int16 ? DType::int16 : DType::uint16;
        series.first.shape = {voxels.shape(offset), voxels.shape(offset + 1),
                              voxels.shape(offset + 2)};
        series.first.strides = contiguous_strides(series.first.shape);
        series.first.spacing = triple(spacing, "spacing");
        series.frames = dynamic ? voxels.shape(0) : 1;
        series.frame_stride = series.first.shape[0] * series.first.shape[1] * series.first.shape[2];
        dicom::WriteOptions options;
        options.origin = triple(origin, "origin");
        if (orientation.size() != 3) {
          throw Error(Status::invalid_argument, "orientation: not 3 rows");
        }
        for (int a = 0; a < 3; ++a) options.orientation[a] = triple(orientation[a], "orientation");
        options.modality = modality;
        options.slice_thickness = slice_thickness;
        options.rescale_intercept = rescale_intercept;
        options.echo_time_s = echo_time;
        options.patient_id = patient_id;
        options.patient_name = patient_name;
        options.study_uid = study_uid;
        options.series_uid = series_uid;
        options.series_description = series_description;
        options.series_number = series_number;
        options.start_time_of_day_s = start_time_of_day;
        options.slice_interval_s = slice_interval;
        options.temporal_position = temporal_position;
        options.acquisition_time = acquisition_time;
        options.trigger_time = trigger_time;
        options.instance_number = instance_number;
        options.num_threads = num_threads;
        std::vector<std::string> paths;
        {
          py::gil_scoped_release release;
          paths = dicom::write_series(directory, series, times, options);
        }
        return paths;
      },
      py::arg("directory"), py::arg("volume"), py::arg("times"), py::arg("spacing"),
      py::arg("origin"), py::arg("orientation"), py::arg("modality"), py::arg("slice_thickness"),
      py::arg("rescale_intercept"), py::arg("echo_time"), py::arg("patient_id"),
      py::arg("patient_name"), py::arg("study_uid"), py::arg("series_uid"),
      py::arg("series_description"), py::arg("series_number"), py::arg("start_time_of_day"),
      py::arg("slice_interval"), py::arg("temporal_position"), py::arg("acquisition_time"),
      py::arg("trigger_time"), py::arg("instance_number"), py::arg("num_threads"),
      "Writes a volume (3-D) or a dynamic series (4-D, frames first) of int16 CT or uint16 MR "
      "as single-frame DICOM files; returns their paths.");
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
