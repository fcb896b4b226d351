// DICOM writing: a volume or a dynamic series -> single-frame CT or MR image files with
// geometry, identifiers and the attributes that split frames (so that the perfusion digital
// reference object can be read back by load_series). The checks, geometry, times and
// identifiers are here; the encoding is DCMTK's (dicom/writer.hpp).
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "dicom/parallel.hpp"
#include "dicom/writer.hpp"
#include "medkern/context.hpp"
#include "medkern/dicom.hpp"
#include "medkern/error.hpp"

namespace medkern::dicom {

namespace {

using Vec3 = std::array<double, 3>;

constexpr uint32_t tag(uint16_t group, uint16_t element) {
  return (uint32_t{group} << 16) | element;
}

[[noreturn]] void invalid(const std::string& what) {
  throw Error(Status::invalid_argument, what);
}

std::string shortest(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

// A decimal string (DS) of at most 16 characters, as precise as that allows.
std::string ds_text(double v) {
  if (v == 0.0) return "0";  // also -0
  char text[64];
  for (int digits = 16; digits >= 1; --digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::string(text).size() <= 16) return text;
  }
  return text;
}

std::string ds_list(std::initializer_list<double> values) {
  std::string out;
  for (const double v : values) out += (out.empty() ? "" : "\\") + ds_text(v);
  return out;
}

// A time of day (TM) "HHMMSS.FFFFFF" of `seconds` after midnight, modulo a day.
std::string tm_text(double seconds) {
  constexpr int64_t kDay = int64_t(86400) * 1000000;
  int64_t us = static_cast<int64_t>(std::llround(seconds * 1e6)) % kDay;
  if (us < 0) us += kDay;
  const int64_t whole = us / 1000000;
  char text[32];
  std::snprintf(text, sizeof text, "%02d%02d%02d.%06d", static_cast<int>(whole / 3600),
                static_cast<int>(whole / 60 % 60), static_cast<int>(whole % 60),
                static_cast<int>(us % 1000000));
  return text;
}

// A UID of the 2.25 root (ISO/IEC 9834-8): a random (version 4) UUID as a decimal integer.
std::string new_uid() {
  static thread_local std::mt19937_64 random = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  std::array<uint32_t, 4> limbs{};  // most significant first
  const uint64_t hi = random(), lo = random();
  limbs[0] = static_cast<uint32_t>(hi >> 32);
  limbs[1] = static_cast<uint32_t>(hi);
  limbs[2] = static_cast<uint32_t>(lo >> 32);
  limbs[3] = static_cast<uint32_t>(lo);
  limbs[1] = (limbs[1] & 0xFFFF0FFFu) | 0x00004000u;  // version 4
  limbs[2] = (limbs[2] & 0x3FFFFFFFu) | 0x80000000u;  // variant 10
  std::string digits;
  for (;;) {
    uint64_t remainder = 0;
    bool zero = true;
    for (uint32_t& limb : limbs) {
      const uint64_t value = (remainder << 32) | limb;
      limb = static_cast<uint32_t>(value / 10);
      remainder = value % 10;
      zero = zero && limb == 0;
    }
    digits.insert(digits.begin(), static_cast<char>('0' + remainder));
    if (zero) break;
  }
  return "2.25." + digits;
}

// A UID given by the caller: digits and dots, components without leading zeros, at most 64.
void check_uid(const std::string& uid, const char* what) {
  bool ok = !uid.empty() && uid.size() <= 64 && uid.front() != '.' && uid.back() != '.';
  for (std::size_t i = 0; ok && i < uid.size(); ++i) {
    const char c = uid[i];
    if (c == '.') {
      ok = uid[i + 1] != '.';
    } else if (c < '0' || c > '9') {
      ok = false;
    } else if (c == '0' && (i == 0 || uid[i - 1] == '.') && i + 1 < uid.size() &&
               uid[i + 1] != '.') {
      ok = false;  // a leading zero
    }
  }
  if (!ok) {
    invalid(std::string(what) + ": '" + uid +
            "' is not a UID (digits and dots, no leading zeros, at most 64 characters)");
  }
}

// A text value of the caller: no backslash (the value separator) and no control character.
void check_text(const std::string& text, const char* what, std::size_t limit) {
  for (const char c : text) {
    if (c == '\\' || (static_cast<unsigned char>(c) < 0x20)) {
      invalid(std::string(what) + ": '" + text + "' holds a backslash or a control character");
    }
  }
  if (text.size() > limit) {
    invalid(std::string(what) + ": " + std::to_string(text.size()) + " characters, at most " +
            std::to_string(limit));
  }
}

double dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void check_options(const WriteOptions& o) {
  for (int a = 0; a < 3; ++a) {
    if (!std::isfinite(o.origin[a])) invalid("options.origin: not finite");
    for (int b = 0; b < 3; ++b) {
      if (!std::isfinite(o.orientation[a][b])) invalid("options.orientation: not finite");
    }
  }
  // Orthonormal and right-handed: load_series sorts slices along row x column.
  constexpr double kTolerance = 1e-6;
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      const double expected = a == b ? 1.0 : 0.0;
      if (std::fabs(dot(o.orientation[a], o.orientation[b]) - expected) > kTolerance) {
        invalid("options.orientation: its rows are not orthonormal (row " + std::to_string(a) +
                " . row " + std::to_string(b) + " = " +
                shortest(dot(o.orientation[a], o.orientation[b])) + ")");
      }
    }
  }
  const Vec3& row = o.orientation[2];
  const Vec3& col = o.orientation[1];
  const Vec3 normal{row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2],
                    row[0] * col[1] - row[1] * col[0]};
  if (dot(normal, o.orientation[0]) < 1.0 - kTolerance) {
    invalid(
        "options.orientation: orientation[0] is not orientation[2] x orientation[1] (the "
        "slice order load_series reads); reverse the slices instead");
  }
  if (!std::isfinite(o.slice_thickness) || o.slice_thickness < 0) {
    invalid("options.slice_thickness: " + shortest(o.slice_thickness) + " is not finite and >= 0");
  }
  if (!(o.rescale_intercept == std::floor(o.rescale_intercept)) || o.rescale_intercept < -32768 ||
      o.rescale_intercept > 32767) {
    invalid("options.rescale_intercept: " + shortest(o.rescale_intercept) +
            " is not an integer in [-32768, 32767]");
  }
  if (!std::isfinite(o.echo_time_s) || o.echo_time_s < 0) {
    invalid("options.echo_time_s: " + shortest(o.echo_time_s) + " is not finite and >= 0");
  }
  if (!std::isfinite(o.start_time_of_day_s) || o.start_time_of_day_s < 0 ||
      o.start_time_of_day_s >= 86400) {
    invalid("options.start_time_of_day_s: " + shortest(o.start_time_of_day_s) +
            " is not in [0, 86400)");
  }
  if (!std::isfinite(o.slice_interval_s) || o.slice_interval_s < 0) {
    invalid("options.slice_interval_s: " + shortest(o.slice_interval_s) +
            " is not finite and >= 0");
  }
  if (o.series_number < 0 || o.series_number > 2147483647) {
    invalid("options.series_number: " + std::to_string(o.series_number) +
            " is not in [0, 2147483647]");
  }
  if (!o.study_uid.empty()) check_uid(o.study_uid, "options.study_uid");
  if (!o.series_uid.empty()) check_uid(o.series_uid, "options.series_uid");
  check_text(o.patient_id, "options.patient_id", 64);
  check_text(o.patient_name, "options.patient_name", 64);
  check_text(o.series_description, "options.series_description", 64);
}

// A voxel (t, k, j, i) as text, for messages.
std::string voxel_name(int64_t t, int64_t k, int64_t j, int64_t i) {
  return "(" + std::to_string(t) + ", " + std::to_string(k) + ", " + std::to_string(j) + ", " +
         std::to_string(i) + ")";
}

}  // namespace

std::vector<std::string> write_series(const std::string& directory, const SeriesRef& series,
                                      const std::vector<double>& times_s,
                                      const WriteOptions& options) {
  if (!available()) {
    throw Error(Status::not_supported,
                "medkern was built without DICOM support (configure with DCMTK installed and "
                "-DMEDKERN_WITH_DCMTK=ON)");
  }
  require_thread_count(options.num_threads, "options.num_threads");
  validate_series(series, "series");
  const VolumeRef& first = series.first;
  if (!first.device.is_host()) {
    invalid("series: in " + first.device.name() + " memory; write_series reads host memory");
  }
  if (first.dtype != DType::int16 && first.dtype != DType::uint16) {
    throw Error(Status::unsupported_dtype, std::string("series: dtype ") + dtype_name(first.dtype) +
                                               " is not int16 (CT in HU) or uint16 (MR)");
  }
  if (directory.empty()) invalid("directory: empty");
  if (directory.find('\0') != std::string::npos) invalid("directory: contains a NUL byte");
  check_options(options);
  std::string modality = options.modality;
  if (modality.empty()) modality = first.dtype == DType::int16 ? "CT" : "MR";
  if (modality != "CT" && modality != "MR") {
    invalid("options.modality: '" + modality + "' is not CT or MR");
  }
  const bool ct = modality == "CT";

  const int64_t nt = series.frames;
  const int64_t nz = first.shape[0], ny = first.shape[1], nx = first.shape[2];
  if (ny > 65535 || nx > 65535) {
    invalid("series: a slice of " + std::to_string(ny) + " x " + std::to_string(nx) +
            " voxels; DICOM holds at most 65535 x 65535");
  }
  std::vector<double> times = times_s;
  if (times.empty() && nt == 1) times = {0.0};
  if (static_cast<int64_t>(times.size()) != nt) {
    invalid("times_s: " + std::to_string(times.size()) + " times for " + std::to_string(nt) +
            " frames");
  }
  for (std::size_t t = 0; t < times.size(); ++t) {
    if (!std::isfinite(times[t]) || (t > 0 && !(times[t] > times[t - 1]))) {
      invalid("times_s[" + std::to_string(t) + "] = " + shortest(times[t]) +
              (std::isfinite(times[t]) ? " does not increase" : " is not finite"));
    }
  }
  const double duration =
      times.back() - times.front() + static_cast<double>(nz - 1) * options.slice_interval_s;
  if (!(duration < 43200.0)) {
    invalid("the series lasts " + shortest(duration) +
            " s (times and slice_interval_s); at most 12 hours can be read back in order");
  }

  // Every stored value must fit, before any file is written.
  const int64_t intercept = static_cast<int64_t>(options.rescale_intercept);
  const int64_t offset = ct ? intercept : 0;
  const bool is_signed = first.dtype == DType::int16;
  const int64_t lo = is_signed ? -32768 : 0, hi = is_signed ? 32767 : 65535;
  const auto value_at = [is_signed](const VolumeRef& frame, int64_t at) {
    return is_signed ? int64_t{static_cast<const int16_t*>(frame.data)[at]}
                     : int64_t{static_cast<const uint16_t*>(frame.data)[at]};
  };
  if (offset != 0) {
    for (int64_t t = 0; t < nt; ++t) {
      const VolumeRef frame = series.frame(t);
      for (int64_t k = 0; k < nz; ++k) {
        for (int64_t j = 0; j < ny; ++j) {
          for (int64_t i = 0; i < nx; ++i) {
            const int64_t value =
                value_at(frame, k * frame.strides[0] + j * frame.strides[1] + i * frame.strides[2]);
            if (value - offset < lo || value - offset > hi) {
              invalid("series: the value " + std::to_string(value) + " at " +
                      voxel_name(t, k, j, i) + " minus RescaleIntercept " + std::to_string(offset) +
                      " does not fit the stored " + (is_signed ? "int16" : "uint16") +
                      "; choose another rescale_intercept");
            }
          }
        }
      }
    }
  }

  // Identifiers shared by every file.
  const std::string study_uid = options.study_uid.empty() ? new_uid() : options.study_uid;
  const std::string series_uid = options.series_uid.empty() ? new_uid() : options.series_uid;
  const std::string frame_of_reference_uid = new_uid();
  const std::string start = tm_text(options.start_time_of_day_s);
  const int64_t files = nt * nz;
  std::vector<std::string> sop_uids(static_cast<std::size_t>(files));
  for (std::string& uid : sop_uids) uid = new_uid();

  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error || !fs::is_directory(directory)) {
    throw Error(Status::io, directory + ": cannot create the directory" +
                                (error ? ": " + error.message() : std::string()));
  }
  const auto width = [](int64_t n) {
    return std::max<std::size_t>(4, std::to_string(std::max<int64_t>(n - 1, 0)).size());
  };
  const std::size_t t_width = width(nt), z_width = width(nz);
  const auto padded = [](int64_t v, std::size_t w) {
    std::string s = std::to_string(v);
    return std::string(w > s.size() ? w - s.size() : 0, '0') + s;
  };
  std::vector<std::string> paths(static_cast<std::size_t>(files));
  for (int64_t t = 0; t < nt; ++t) {
    for (int64_t k = 0; k < nz; ++k) {
      paths[static_cast<std::size_t>(t * nz + k)] =
          (fs::path(directory) / ("t" + padded(t, t_width) + "_z" + padded(k, z_width) + ".dcm"))
              .string();
    }
  }

  const Spacing3& spacing = first.spacing;
  const double thickness = options.slice_thickness > 0 ? options.slice_thickness : spacing[0];
  const auto& o = options.orientation;
  const std::string orientation = ds_list({o[2][0], o[2][1], o[2][2], o[1][0], o[1][1], o[1][2]});
  detail::parallel_for(
      static_cast<std::size_t>(files),
      detail::thread_count(options.num_threads, static_cast<std::size_t>(files)),
      [&](std::size_t index) {
        const int64_t t = static_cast<int64_t>(index) / nz, k = static_cast<int64_t>(index) % nz;
        detail::ImageFile f;
        f.path = paths[index];
        auto put = [&](uint16_t group, uint16_t element, std::string value) {
          f.text.emplace_back(tag(group, element), std::move(value));
        };
        Vec3 position{};
        for (int a = 0; a < 3; ++a) {
          position[a] = options.origin[a] + static_cast<double>(k) * spacing[0] * o[0][a];
        }
        put(0x0008, 0x0008, ct ? "DERIVED\\SECONDARY\\AXIAL" : "DERIVED\\SECONDARY");
        put(0x0008, 0x0016, ct ? "1.2.840.10008.5.1.4.1.1.2" : "1.2.840.10008.5.1.4.1.1.4");
        put(0x0008, 0x0018, sop_uids[index]);
        put(0x0008, 0x0020, "");  // StudyDate
        put(0x0008, 0x0030, start);
        put(0x0008, 0x0031, start);
        if (options.acquisition_time) {
          put(0x0008, 0x0032,
              tm_text(options.start_time_of_day_s + times[static_cast<std::size_t>(t)] -
                      times.front() + static_cast<double>(k) * options.slice_interval_s));
        }
        put(0x0008, 0x0050, "");  // AccessionNumber
        put(0x0008, 0x0060, modality);
        put(0x0008, 0x0070, "");  // Manufacturer
        put(0x0008, 0x0090, "");  // ReferringPhysicianName
        if (!options.series_description.empty()) put(0x0008, 0x103E, options.series_description);
        put(0x0010, 0x0010, options.patient_name);
        put(0x0010, 0x0020, options.patient_id);
        put(0x0010, 0x0030, "");  // PatientBirthDate
        put(0x0010, 0x0040, "");  // PatientSex
        if (ct) {
          put(0x0018, 0x0060, "");  // KVP
        } else {
          put(0x0018, 0x0020, "EP");    // ScanningSequence: echo planar (DSC)
          put(0x0018, 0x0021, "NONE");  // SequenceVariant
          put(0x0018, 0x0022, "");      // ScanOptions
          put(0x0018, 0x0023, "2D");    // MRAcquisitionType
          put(0x0018, 0x0081, options.echo_time_s > 0 ? ds_text(options.echo_time_s * 1000.0) : "");
          put(0x0018, 0x0091, "");  // EchoTrainLength
        }
        put(0x0018, 0x0050, ds_text(thickness));
        put(0x0018, 0x0088, ds_text(spacing[0]));  // SpacingBetweenSlices
        if (options.trigger_time) {
          put(0x0018, 0x1060,
              ds_text((times[static_cast<std::size_t>(t)] - times.front()) * 1000.0));
        }
        put(0x0020, 0x000D, study_uid);
        put(0x0020, 0x000E, series_uid);
        put(0x0020, 0x0010, "");  // StudyID
        put(0x0020, 0x0011, std::to_string(options.series_number));
        put(0x0020, 0x0012, "");  // AcquisitionNumber
        put(0x0020, 0x0013, options.instance_number ? std::to_string(index + 1) : "");
        put(0x0020, 0x0020, "");  // PatientOrientation
        put(0x0020, 0x0032, ds_list({position[0], position[1], position[2]}));
        put(0x0020, 0x0037, orientation);
        put(0x0020, 0x0052, frame_of_reference_uid);
        if (options.temporal_position && nt > 1) {
          put(0x0020, 0x0100, std::to_string(t + 1));
          put(0x0020, 0x0105, std::to_string(nt));
        }
        put(0x0020, 0x1040, "");                            // PositionReferenceIndicator
        put(0x0020, 0x1041, ds_text(dot(position, o[0])));  // SliceLocation
        put(0x0028, 0x0004, "MONOCHROME2");
        put(0x0028, 0x0030, ds_list({spacing[1], spacing[2]}));
        if (ct) {
          put(0x0028, 0x1052, std::to_string(intercept));
          put(0x0028, 0x1053, "1");
          put(0x0028, 0x1054, "HU");
        }
        f.us = {{tag(0x0028, 0x0002), 1},
                {tag(0x0028, 0x0010), static_cast<uint16_t>(ny)},
                {tag(0x0028, 0x0011), static_cast<uint16_t>(nx)},
                {tag(0x0028, 0x0100), 16},
                {tag(0x0028, 0x0101), 16},
                {tag(0x0028, 0x0102), 15},
                {tag(0x0028, 0x0103), static_cast<uint16_t>(is_signed ? 1 : 0)}};

        // The stored values (checked above): HU - intercept for CT, the values for MR.
        const VolumeRef frame = series.frame(t);
        f.pixels.resize(static_cast<std::size_t>(ny * nx));
        for (int64_t j = 0; j < ny; ++j) {
          for (int64_t i = 0; i < nx; ++i) {
            const int64_t at = k * frame.strides[0] + j * frame.strides[1] + i * frame.strides[2];
            f.pixels[static_cast<std::size_t>(j * nx + i)] =
                static_cast<uint16_t>(static_cast<int32_t>(value_at(frame, at) - offset) & 0xFFFF);
          }
        }
        detail::write_image_file(f);
      });
  return paths;
}

std::vector<std::string> write_series(const std::string& directory, const VolumeRef& volume,
                                      const WriteOptions& options) {
  validate_volume(volume, "volume");
  SeriesRef series;
  series.first = volume;
  series.frames = 1;
  series.frame_stride = 0;
  return write_series(directory, series, {}, options);
}

}  // namespace medkern::dicom

#if !MEDKERN_WITH_DCMTK
// Without DCMTK the writer is never called (available() is false); this keeps the link whole.
namespace medkern::dicom::detail {
void write_image_file(const ImageFile&) {
  throw Error(Status::not_supported, "medkern was built without DICOM support");
}
}  // namespace medkern::dicom::detail
#endif
