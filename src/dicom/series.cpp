// DICOM series: the files of the paths, their grouping by SeriesInstanceUID, the slice
// order and geometry checks, the rescale to HU. DCMTK itself is behind dicom/reader.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <system_error>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "dicom/reader.hpp"
#include "medkern/context.hpp"
#include "medkern/dicom.hpp"
#include "medkern/error.hpp"

namespace medkern::dicom {

bool available() noexcept {
  return MEDKERN_WITH_DCMTK != 0;
}

VolumeRef Series::view() const {
  VolumeRef ref;
  ref.dtype = dtype;
  ref.data = dtype == DType::int16 ? static_cast<void*>(const_cast<int16_t*>(int16_data.data()))
                                   : static_cast<void*>(const_cast<float*>(float32_data.data()));
  ref.shape = shape;
  ref.strides = contiguous_strides(shape);
  ref.spacing = spacing;
  ref.device = Device::host();
  return ref;
}

namespace {

using detail::FileHeader;
using detail::SlicePixels;
using Vec3 = std::array<double, 3>;

[[noreturn]] void throw_not_built() {
  throw Error(Status::not_supported,
              "medkern was built without DICOM support (configure with DCMTK installed and "
              "-DMEDKERN_WITH_DCMTK=ON)");
}

std::string format_double(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
double norm(const Vec3& a) {
  return std::sqrt(dot(a, a));
}

int thread_count(int requested, std::size_t jobs) {
  int n = requested;
#ifdef _OPENMP
  if (n <= 0) n = omp_get_max_threads();
#else
  n = 1;
#endif
  if (n < 1) n = 1;
  if (static_cast<std::size_t>(n) > jobs) n = static_cast<int>(std::max<std::size_t>(jobs, 1));
  return n;
}

// Runs body(i) for i in [0, n) on `threads` threads; rethrows the exception of the lowest i
// that threw, so that the error does not depend on the schedule.
template <class Body>
void parallel_for(std::size_t n, int threads, Body&& body) {
  std::vector<std::exception_ptr> errors(n);
  const auto count = static_cast<int64_t>(n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t i = 0; i < count; ++i) {
    try {
      body(static_cast<std::size_t>(i));
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// ------------------------------------------------------------------ files

// What a path that is neither a regular file nor a directory is, for the error message.
std::string kind_of(const std::filesystem::file_status& st) {
  namespace fs = std::filesystem;
  switch (st.type()) {
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::character:
      return "a character device";
    default:
      return "of another type";
  }
}

std::vector<std::string> collect_files(const std::vector<std::string>& paths, bool recursive) {
  namespace fs = std::filesystem;
  if (paths.empty()) throw Error(Status::invalid_argument, "paths: no file or directory given");
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    if (path.empty()) throw Error(Status::invalid_argument, "paths: an empty path");
    // The file system sees a path only up to its first NUL: another file would be read.
    if (path.find('\0') != std::string::npos) {
      std::string shown;
      for (const char c : path) shown += c == '\0' ? std::string("\\0") : std::string(1, c);
      throw Error(Status::invalid_argument, "paths: '" + shown + "' contains a NUL byte");
    }
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
      throw Error(Status::io, path + ": no such file or directory");
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      auto add = [&](const fs::directory_entry& entry) {
        std::error_code e;
        if (!entry.is_regular_file(e) || e) return;
        if (entry.path().filename() == "DICOMDIR") return;  // an index, not an image
        found.push_back(entry.path().string());
      };
      if (recursive) {
        fs::recursive_directory_iterator it(path, ec), end;
        if (ec) throw Error(Status::io, path + ": cannot list the directory: " + ec.message());
        for (; it != end; it.increment(ec)) {
          if (ec) throw Error(Status::io, path + ": cannot list the directory: " + ec.message());
          add(*it);
        }
      } else {
        fs::directory_iterator it(path, ec), end;
        if (ec) throw Error(Status::io, path + ": cannot list the directory: " + ec.message());
        for (; it != end; it.increment(ec)) {
          if (ec) throw Error(Status::io, path + ": cannot list the directory: " + ec.message());
          add(*it);
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(st)) {
      files.push_back(path);
    } else {
      // Reading a FIFO would wait for a writer, a device could stream forever.
      throw Error(Status::io, path + ": not a regular file or directory (" + kind_of(st) + ")");
    }
  }
  return files;
}

// The DICOM images among `files`; the others give warnings.
std::vector<FileHeader> scan(const std::vector<std::string>& paths, const LoadOptions& options,
                             std::vector<std::string>& warnings) {
  detail::initialize();
  const std::vector<std::string> files = collect_files(paths, options.recursive);
  std::vector<FileHeader> headers(files.size());
  std::vector<std::string> reasons(files.size());
  std::vector<char> ok(files.size(), 0);
  parallel_for(files.size(), thread_count(options.num_threads, files.size()), [&](std::size_t i) {
    ok[i] = detail::read_header(files[i], &headers[i], &reasons[i]) ? 1 : 0;
  });
  std::vector<FileHeader> images;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (ok[i]) {
      images.push_back(std::move(headers[i]));
    } else {
      warnings.push_back("skipped " + files[i] + ": " + reasons[i]);
    }
  }
  if (images.empty()) {
    std::string where = paths.size() == 1 ? paths[0] : std::to_string(paths.size()) + " paths";
    std::string why;
    if (!warnings.empty()) why = "; " + warnings.front();
    if (warnings.size() > 1) why += ", and " + std::to_string(warnings.size() - 1) + " more";
    throw Error(Status::invalid_data, "no DICOM image in " + where + " (" +
                                          std::to_string(files.size()) + " files" + why + ")");
  }
  return images;
}

struct Group {
  std::string uid;
  std::vector<std::size_t> members;  // indices into the headers
};

// Groups by SeriesInstanceUID, largest first (ties: by UID).
std::vector<Group> group_series(const std::vector<FileHeader>& headers) {
  std::map<std::string, std::vector<std::size_t>> by_uid;
  for (std::size_t i = 0; i < headers.size(); ++i) by_uid[headers[i].series_uid].push_back(i);
  std::vector<Group> groups;
  for (auto& [uid, members] : by_uid) groups.push_back(Group{uid, std::move(members)});
  std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
    return a.members.size() > b.members.size();
  });
  return groups;
}

SeriesInfo info_of(const Group& g, const std::vector<FileHeader>& headers) {
  const FileHeader& h = headers[g.members.front()];
  SeriesInfo info;
  info.series_uid = g.uid;
  info.study_uid = h.study_uid;
  info.patient_id = h.patient_id;
  info.series_description = h.series_description;
  info.modality = h.modality;
  info.series_number = h.series_number;
  info.num_files = static_cast<int64_t>(g.members.size());
  info.rows = h.rows;
  info.columns = h.columns;
  return info;
}

// ------------------------------------------------------------------ geometry

// Checks what a volume of single-frame greyscale images needs of each file.
void check_image(const FileHeader& h) {
  if (!h.transfer_syntax_supported) {
    throw Error(Status::not_supported, h.path + ": unsupported transfer syntax " +
                                           h.transfer_syntax_name + " (" + h.transfer_syntax_uid +
                                           "); medkern decodes uncompressed, deflated, RLE, "
                                           "JPEG baseline/extended/lossless and JPEG-LS");
  }
  if (h.frames != 1) {
    throw Error(Status::not_supported,
                h.path + ": multi-frame images are not supported (NumberOfFrames = " +
                    std::to_string(h.frames) + ")");
  }
  if (h.samples_per_pixel != 1 ||
      (h.photometric != "MONOCHROME1" && h.photometric != "MONOCHROME2")) {
    throw Error(Status::not_supported,
                h.path + ": only greyscale images are supported (SamplesPerPixel = " +
                    std::to_string(h.samples_per_pixel) + ", PhotometricInterpretation = '" +
                    h.photometric + "')");
  }
  if (h.bits_allocated != 8 && h.bits_allocated != 16) {
    throw Error(Status::not_supported, h.path +
                                           ": BitsAllocated = " + std::to_string(h.bits_allocated) +
                                           " is not supported (8 or 16)");
  }
  if (h.rows < 1 || h.columns < 1 || h.rows > 65535 || h.columns > 65535) {
    throw Error(Status::invalid_data, h.path + ": Rows x Columns = " + std::to_string(h.rows) +
                                          " x " + std::to_string(h.columns));
  }
}

struct Geometry {
  std::vector<std::size_t> order;  // members sorted by position along the normal
  Spacing3 spacing{1, 1, 1};
  Vec3 origin{0, 0, 0};
  std::array<Vec3, 3> orientation{};
};

Geometry geometry_of(const std::vector<FileHeader>& headers, std::vector<std::size_t> members,
                     const LoadOptions& options, std::vector<std::string>& warnings) {
  const FileHeader& first = headers[members.front()];
  for (std::size_t m : members) {
    const FileHeader& h = headers[m];
    check_image(h);
    if (h.rows != first.rows || h.columns != first.columns) {
      throw Error(Status::invalid_data,
                  "the series' images differ in size: " + first.path + " is " +
                      std::to_string(first.rows) + " x " + std::to_string(first.columns) + ", " +
                      h.path + " is " + std::to_string(h.rows) + " x " + std::to_string(h.columns));
    }
  }
  Geometry g;
  // In-plane spacing.
  if (first.has_pixel_spacing && first.pixel_spacing[0] > 0 && first.pixel_spacing[1] > 0) {
    g.spacing[1] = first.pixel_spacing[0];
    g.spacing[2] = first.pixel_spacing[1];
  } else {
    warnings.push_back(first.path + ": no valid PixelSpacing; 1 mm is assumed");
  }
  for (std::size_t m : members) {
    const FileHeader& h = headers[m];
    if (h.has_pixel_spacing != first.has_pixel_spacing ||
        (h.has_pixel_spacing &&
         (std::fabs(h.pixel_spacing[0] - first.pixel_spacing[0]) > 1e-4 * first.pixel_spacing[0] ||
          std::fabs(h.pixel_spacing[1] - first.pixel_spacing[1]) >
              1e-4 * first.pixel_spacing[1]))) {
      throw Error(Status::invalid_data,
                  "PixelSpacing varies within the series: " + first.path + " and " + h.path);
    }
  }

  // Orientation: one for the whole series.
  Vec3 row{1, 0, 0}, col{0, 1, 0};
  if (first.has_orientation) {
    row = {first.orientation[0], first.orientation[1], first.orientation[2]};
    col = {first.orientation[3], first.orientation[4], first.orientation[5]};
    const double nr = norm(row), nc = norm(col);
    if (nr < 0.5 || nc < 0.5 || std::fabs(dot(row, col)) > 1e-3 * nr * nc) {
      throw Error(Status::invalid_data,
                  first.path + ": ImageOrientationPatient is not two orthogonal directions");
    }
    for (int a = 0; a < 3; ++a) {
      row[a] /= nr;
      col[a] /= nc;
    }
  }
  for (std::size_t m : members) {
    const FileHeader& h = headers[m];
    if (h.has_orientation != first.has_orientation) {
      throw Error(Status::invalid_data, "ImageOrientationPatient is missing in " +
                                            (h.has_orientation ? first.path : h.path) +
                                            " but present in other files of the series");
    }
    if (!h.has_orientation) continue;
    for (int a = 0; a < 6; ++a) {
      if (std::fabs(h.orientation[a] - first.orientation[a]) > 1e-3) {
        throw Error(Status::invalid_data,
                    "varying orientation within the series: ImageOrientationPatient of " + h.path +
                        " differs from that of " + first.path +
                        " (medkern loads one orientation per volume)");
      }
    }
  }
  const Vec3 normal = cross(row, col);
  g.orientation[1] = col;
  g.orientation[2] = row;
  g.orientation[0] = normal;

  const std::size_t n = members.size();
  if (n == 1) {
    g.order = members;
    if (first.has_position) {
      g.origin = first.position;
    } else {
      warnings.push_back(first.path + ": no ImagePositionPatient; the origin is (0, 0, 0)");
    }
    if (!first.has_orientation) {
      warnings.push_back(first.path + ": no ImageOrientationPatient; axial is assumed");
    }
    if (std::isfinite(first.spacing_between_slices) && first.spacing_between_slices > 0) {
      g.spacing[0] = first.spacing_between_slices;
    } else if (std::isfinite(first.slice_thickness) && first.slice_thickness > 0) {
      g.spacing[0] = first.slice_thickness;
      warnings.push_back("one slice: its z spacing is SliceThickness (" +
                         format_double(first.slice_thickness) + " mm)");
    } else {
      warnings.push_back("one slice without SliceThickness: its z spacing is 1 mm");
    }
    return g;
  }

  for (std::size_t m : members) {
    if (!headers[m].has_position || !headers[m].has_orientation) {
      throw Error(Status::invalid_data,
                  headers[m].path + ": no ImagePositionPatient or ImageOrientationPatient; the " +
                      std::to_string(n) + " slices of the series cannot be ordered");
    }
  }
  // Sort by the position along the normal.
  std::vector<double> distance(headers.size(), 0.0);
  for (std::size_t m : members) distance[m] = dot(headers[m].position, normal);
  std::stable_sort(members.begin(), members.end(),
                   [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });

  // The same image twice (same SOPInstanceUID): keep one.
  {
    std::vector<std::size_t> unique;
    for (std::size_t m : members) {
      bool duplicate = false;
      for (std::size_t u : unique) {
        if (!headers[m].sop_uid.empty() && headers[u].sop_uid == headers[m].sop_uid) {
          warnings.push_back("skipped " + headers[m].path +
                             ": the same image (SOPInstanceUID) as " + headers[u].path);
          duplicate = true;
          break;
        }
      }
      if (!duplicate) unique.push_back(m);
    }
    members.swap(unique);
  }
  if (members.size() == 1) return geometry_of(headers, members, options, warnings);

  const std::size_t count = members.size();
  const FileHeader& lo = headers[members.front()];
  const FileHeader& hi = headers[members.back()];
  const double extent = distance[members.back()] - distance[members.front()];
  const double mean_step = extent / static_cast<double>(count - 1);
  // Two slices at one position.
  for (std::size_t k = 0; k + 1 < count; ++k) {
    const double gap = distance[members[k + 1]] - distance[members[k]];
    if (gap < 1e-3) {
      throw Error(Status::invalid_data, "two slices at one position (" +
                                            format_double(distance[members[k]]) +
                                            " mm along the normal): " + headers[members[k]].path +
                                            " and " + headers[members[k + 1]].path);
    }
  }
  // Even spacing: every step within 1% (and 0.01 mm) of the (lower) median step.
  std::vector<double> gaps;
  for (std::size_t k = 0; k + 1 < count; ++k) {
    gaps.push_back(distance[members[k + 1]] - distance[members[k]]);
  }
  std::vector<double> sorted_gaps = gaps;
  // The lower median: of two steps, the smaller (a missing slice makes a step longer).
  const std::size_t middle = (sorted_gaps.size() - 1) / 2;
  std::nth_element(sorted_gaps.begin(), sorted_gaps.begin() + middle, sorted_gaps.end());
  const double nominal = sorted_gaps[middle];
  const double tolerance = std::max(0.01, 0.01 * nominal);
  for (std::size_t k = 0; k + 1 < count; ++k) {
    const double gap = gaps[k];
    if (std::fabs(gap - nominal) <= tolerance) continue;
    const double ratio = gap / nominal;
    const std::string between = format_double(gap) + " mm between " + headers[members[k]].path +
                                " and " + headers[members[k + 1]].path + ", " +
                                format_double(nominal) + " mm between most slices";
    std::string what;
    if (ratio > 1.5 && std::fabs(ratio - std::round(ratio)) < 0.1) {
      const auto missing = static_cast<long>(std::round(ratio)) - 1;
      what = std::to_string(missing) + " missing slice" + (missing > 1 ? "s" : "") + ": " + between;
    } else {
      what = "uneven slice spacing: " + between;
    }
    if (!options.allow_irregular_spacing) {
      throw Error(Status::invalid_data, what + " (allow_irregular_spacing loads it anyway)");
    }
    warnings.push_back(what + "; the volume's z spacing is the mean step " +
                       format_double(mean_step) + " mm");
    break;
  }

  // The slice step: along the normal, or tilted (a sheared grid).
  Vec3 step{};
  for (int a = 0; a < 3; ++a) {
    step[a] = (hi.position[a] - lo.position[a]) / static_cast<double>(count - 1);
  }
  const double along = dot(step, normal);
  Vec3 across{};
  for (int a = 0; a < 3; ++a) across[a] = step[a] - along * normal[a];
  const double shear = norm(across) * static_cast<double>(count - 1);  // mm over the stack
  const double min_pixel = std::min(g.spacing[1], g.spacing[2]);
  // Each slice on the line from the first to the last.
  for (std::size_t k = 1; k + 1 < count; ++k) {
    const FileHeader& h = headers[members[k]];
    const double t = (distance[members[k]] - distance[members.front()]) / along;
    Vec3 off{};
    for (int a = 0; a < 3; ++a) off[a] = h.position[a] - (lo.position[a] + t * step[a]);
    if (norm(off) > std::max(0.05 * min_pixel, 0.01)) {
      throw Error(Status::invalid_data,
                  h.path + ": ImagePositionPatient is off the line through the other slices by " +
                      format_double(norm(off)) + " mm (inconsistent positions)");
    }
  }
  g.spacing[0] = mean_step;
  if (shear > std::max(0.05 * min_pixel, 0.01)) {
    const double degrees = std::atan2(norm(across), along) * 180.0 / M_PI;
    const std::string what = "gantry tilt: the slices are sheared by " + format_double(degrees) +
                             " degrees (" + format_double(shear) + " mm in-plane over the stack)";
    if (!options.allow_gantry_tilt) {
      throw Error(
          Status::invalid_data,
          what + "; resample the series, or pass allow_gantry_tilt to load the sheared grid");
    }
    warnings.push_back(what +
                       "; orientation[0] is the slice step direction, not the normal, and "
                       "spacing[0] the step length");
    const double len = norm(step);
    for (int a = 0; a < 3; ++a) g.orientation[0][a] = step[a] / len;
    g.spacing[0] = len;
  } else if (std::fabs(lo.gantry_tilt) > 0.01) {
    warnings.push_back("GantryDetectorTilt is " + format_double(lo.gantry_tilt) +
                       " degrees but the slice positions are not sheared");
  }
  g.origin = lo.position;
  g.order = members;
  return g;
}

bool is_integer(double v) {
  return std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e9;
}

Series load_impl(const std::vector<std::string>& paths, const LoadOptions& options) {
  if (!available()) throw_not_built();
  Series series;
  std::vector<FileHeader> headers = scan(paths, options, series.warnings);
  const std::vector<Group> groups = group_series(headers);
  const Group* chosen = &groups.front();
  if (!options.series_uid.empty()) {
    chosen = nullptr;
    std::string known;
    for (const Group& g : groups) {
      if (g.uid == options.series_uid) chosen = &g;
      known += (known.empty() ? "" : ", ") + g.uid;
    }
    if (chosen == nullptr) {
      throw Error(Status::invalid_argument, "series_uid: " + options.series_uid +
                                                " is not among the series found (" + known + ")");
    }
  } else if (groups.size() > 1) {
    series.warnings.push_back(
        std::to_string(groups.size()) + " series found; loaded the largest, " + chosen->uid + " (" +
        std::to_string(chosen->members.size()) + " files); choose another with series_uid");
  }
  const Geometry geometry = geometry_of(headers, chosen->members, options, series.warnings);
  const FileHeader& first = headers[geometry.order.front()];

  // Decode every slice in parallel.
  const std::size_t nz = geometry.order.size();
  std::vector<SlicePixels> slices(nz);
  parallel_for(nz, thread_count(options.num_threads, nz), [&](std::size_t k) {
    FileHeader& h = headers[geometry.order[k]];
    detail::decode_pixels(h, &slices[k]);
    h.handle.reset();  // the parsed file is no longer needed
  });

  // int16 when every rescaled value is an integer that fits.
  bool fits = true;
  std::string why;
  for (std::size_t k = 0; k < nz && fits; ++k) {
    const SlicePixels& s = slices[k];
    if (!is_integer(s.slope) || !is_integer(s.intercept)) {
      fits = false;
      why = "RescaleSlope " + format_double(s.slope) + " / RescaleIntercept " +
            format_double(s.intercept) + " of " + headers[geometry.order[k]].path +
            " are not integers";
      break;
    }
    const double a = s.slope * s.min + s.intercept, b = s.slope * s.max + s.intercept;
    if (std::min(a, b) < -32768.0 || std::max(a, b) > 32767.0) {
      fits = false;
      why = "the rescaled values of " + headers[geometry.order[k]].path + " reach " +
            format_double(a < -32768.0 || b < -32768.0 ? std::min(a, b) : std::max(a, b)) +
            ", outside int16";
    }
  }
  if (options.output == OutputType::int16 && !fits) {
    throw Error(Status::invalid_data, "int16 output asked for, but " + why);
  }
  series.dtype = options.output == OutputType::float32 || !fits ? DType::float32 : DType::int16;
  const int64_t plane = first.rows * first.columns;
  series.shape = {static_cast<int64_t>(nz), first.rows, first.columns};
  if (series.dtype == DType::int16) {
    series.int16_data.resize(static_cast<std::size_t>(plane) * nz);
  } else {
    series.float32_data.resize(static_cast<std::size_t>(plane) * nz);
  }
  parallel_for(nz, thread_count(options.num_threads, nz), [&](std::size_t k) {
    SlicePixels& s = slices[k];
    const int32_t* src = s.values.data();
    if (series.dtype == DType::int16) {
      int16_t* dst = series.int16_data.data() + k * plane;
      const auto slope = static_cast<int64_t>(s.slope);
      const auto intercept = static_cast<int64_t>(s.intercept);
      if (slope == 1 && intercept == 0) {
        for (int64_t i = 0; i < plane; ++i) dst[i] = static_cast<int16_t>(src[i]);
      } else {
        for (int64_t i = 0; i < plane; ++i)
          dst[i] = static_cast<int16_t>(slope * src[i] + intercept);
      }
    } else {
      float* dst = series.float32_data.data() + k * plane;
      for (int64_t i = 0; i < plane; ++i) {
        dst[i] = static_cast<float>(static_cast<double>(src[i]) * s.slope + s.intercept);
      }
    }
    std::vector<int32_t>().swap(s.values);
  });

  series.spacing = geometry.spacing;
  series.origin = geometry.origin;
  series.orientation = geometry.orientation;
  series.slice_thickness = first.slice_thickness;
  for (std::size_t k = 1; k < nz; ++k) {
    const double t = headers[geometry.order[k]].slice_thickness;
    if (!(t == first.slice_thickness || (std::isnan(t) && std::isnan(first.slice_thickness)))) {
      series.warnings.push_back("SliceThickness varies within the series (" +
                                format_double(first.slice_thickness) + " mm in " + first.path +
                                ", " + format_double(t) + " mm in " +
                                headers[geometry.order[k]].path + "); the first is reported");
      break;
    }
  }
  series.patient_id = first.patient_id;
  series.study_uid = first.study_uid;
  series.series_uid = first.series_uid;
  series.series_description = first.series_description;
  series.modality = first.modality;
  return series;
}

}  // namespace

std::vector<SeriesInfo> list_series(const std::vector<std::string>& paths,
                                    const LoadOptions& options,
                                    std::vector<std::string>* warnings) {
  require_thread_count(options.num_threads, "options.num_threads");
  if (!available()) throw_not_built();
  std::vector<std::string> local;
  const std::vector<FileHeader> headers = scan(paths, options, local);
  std::vector<SeriesInfo> result;
  for (const Group& g : group_series(headers)) result.push_back(info_of(g, headers));
  if (warnings != nullptr) warnings->insert(warnings->end(), local.begin(), local.end());
  return result;
}

Series load_series(const std::vector<std::string>& paths, const LoadOptions& options) {
  require_thread_count(options.num_threads, "options.num_threads");
  return load_impl(paths, options);
}

Series load_series(const std::string& path, const LoadOptions& options) {
  return load_series(std::vector<std::string>{path}, options);
}

}  // namespace medkern::dicom

#if !MEDKERN_WITH_DCMTK
// Without DCMTK the reader is never called (available() is false); these keep the link whole.
namespace medkern::dicom::detail {
void initialize() {
  throw Error(Status::not_supported, "medkern was built without DICOM support");
}
bool read_header(const std::string&, FileHeader*, std::string*) {
  initialize();
  return false;
}
void decode_pixels(const FileHeader&, SlicePixels*) {
  initialize();
}
}  // namespace medkern::dicom::detail
#endif
