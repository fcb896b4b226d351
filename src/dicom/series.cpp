// DICOM series: the files of the paths, their grouping by SeriesInstanceUID, the frames of a
// dynamic series, the slice order and geometry checks, the rescale to HU. DCMTK itself is
// behind dicom/reader.hpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <system_error>
#include <vector>

#include "dicom/parallel.hpp"
#include "dicom/reader.hpp"
#include "medkern/context.hpp"
#include "medkern/dicom.hpp"
#include "medkern/error.hpp"

namespace medkern::dicom {

bool available() noexcept {
  return MEDKERN_WITH_DCMTK != 0;
}

const char* frame_grouping_name(FrameGrouping grouping) noexcept {
  switch (grouping) {
    case FrameGrouping::none:
      return "none";
    case FrameGrouping::temporal_position:
      return "temporal_position";
    case FrameGrouping::trigger_time:
      return "trigger_time";
    case FrameGrouping::acquisition_time:
      return "acquisition_time";
    case FrameGrouping::repeated_positions:
      return "repeated_positions";
  }
  return "unknown";
}

VolumeRef Series::frame(int64_t t) const {
  if (t < 0 || t >= frames) {
    throw Error(Status::invalid_argument,
                "frame: " + std::to_string(t) + " is outside 0 .. " + std::to_string(frames - 1));
  }
  const int64_t voxels = shape[0] * shape[1] * shape[2];
  const std::size_t needed = static_cast<std::size_t>(voxels * frames);
  const std::size_t held = dtype == DType::int16 ? int16_data.size() : float32_data.size();
  if (held < needed) {
    throw Error(Status::invalid_argument, "Series: " + std::to_string(held) +
                                              " voxels held, its shape and frames need " +
                                              std::to_string(needed));
  }
  VolumeRef ref;
  ref.dtype = dtype;
  ref.data = dtype == DType::int16
                 ? static_cast<void*>(const_cast<int16_t*>(int16_data.data()) + t * voxels)
                 : static_cast<void*>(const_cast<float*>(float32_data.data()) + t * voxels);
  ref.shape = shape;
  ref.strides = contiguous_strides(shape);
  ref.spacing = spacing;
  ref.device = Device::host();
  return ref;
}

VolumeRef Series::view() const {
  if (frames != 1) {
    throw Error(Status::invalid_argument, "view: the series is dynamic (" + std::to_string(frames) +
                                              " frames); take series_view() or frame(t)");
  }
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

SeriesRef Series::series_view() const {
  SeriesRef ref;
  ref.first = frame(0);
  ref.frames = frames;
  ref.frame_stride = shape[0] * shape[1] * shape[2];
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

using detail::parallel_for;
using detail::thread_count;

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

// ------------------------------------------------------------------ frames

// The frames of a dynamic series: the images of each (indices into the headers), their
// times (seconds after the first frame) and the rule that found them.
struct Frames {
  std::vector<std::vector<std::size_t>> members;  // empty: a static series
  std::vector<double> times_s;
  FrameGrouping grouping = FrameGrouping::none;
};

std::string format_time_of_day(double seconds) {
  const double day = 86400.0;
  seconds = std::fmod(std::fmod(seconds, day) + day, day);
  const int h = static_cast<int>(seconds / 3600.0);
  const int m = static_cast<int>((seconds - h * 3600.0) / 60.0);
  const double sec = seconds - h * 3600.0 - m * 60.0;
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%09.6f", h, m, sec);
  return text;
}

// How a frame is named in messages: its index and what made it a frame.
std::string frame_name(const Frames& f, std::size_t t, const std::vector<FileHeader>& headers) {
  std::string name = "frame " + std::to_string(t);
  if (f.members[t].empty()) return name;
  const FileHeader& h = headers[f.members[t].front()];
  switch (f.grouping) {
    case FrameGrouping::temporal_position:
      return name + " (TemporalPositionIdentifier " + std::to_string(h.temporal_position) + ")";
    case FrameGrouping::trigger_time:
      return name + " (TriggerTime " + format_double(h.trigger_time_ms) + " ms)";
    case FrameGrouping::acquisition_time:
      return name + " (AcquisitionTime " + format_time_of_day(h.acquisition_time_s) + ")";
    default:
      return name;
  }
}

// Splits the images of one series into frames (FrameGrouping states the rules); a series in
// which no slice position holds two images is static (no members), and is then checked as
// it always was. Throws Error(invalid_data) naming the frame where the frames do not hold
// one image at each position, or where the images at one position cannot be put in order.
Frames split_frames(const std::vector<FileHeader>& headers, std::vector<std::size_t> members,
                    std::vector<std::string>& warnings) {
  Frames result;
  // What is tolerated, reported only for a dynamic series (a static one reports its own).
  std::vector<std::string> notes;
  if (members.size() < 2) return result;
  // Positions along the normal of the first image's orientation; without a position or an
  // orientation, or with a malformed one, the geometry checks of a static series report it.
  const FileHeader& first = headers[members.front()];
  for (std::size_t m : members) {
    if (!headers[m].has_position || !headers[m].has_orientation) return result;
  }
  const Vec3 row{first.orientation[0], first.orientation[1], first.orientation[2]};
  const Vec3 col{first.orientation[3], first.orientation[4], first.orientation[5]};
  const Vec3 cross_product = cross(row, col);
  const double length = norm(cross_product);
  if (!(length > 0.5)) return result;
  Vec3 normal{};
  for (int a = 0; a < 3; ++a) normal[a] = cross_product[a] / length;

  // The same image twice (same SOPInstanceUID) counts once, as in a static series.
  std::vector<std::string> duplicates;
  {
    std::map<std::string, std::size_t> seen;
    std::vector<std::size_t> unique;
    for (std::size_t m : members) {
      const std::string& uid = headers[m].sop_uid;
      const auto found = uid.empty() ? seen.end() : seen.find(uid);
      if (found != seen.end()) {
        duplicates.push_back("skipped " + headers[m].path +
                             ": the same image (SOPInstanceUID) as " + headers[found->second].path);
        continue;
      }
      if (!uid.empty()) seen.emplace(uid, m);
      unique.push_back(m);
    }
    members.swap(unique);
  }

  // Slice positions: images less than 1 um apart along the normal share one (the tolerance
  // of "two slices at one position" in a static series).
  std::vector<double> distance(headers.size(), 0.0);
  for (std::size_t m : members) distance[m] = dot(headers[m].position, normal);
  std::vector<std::size_t> by_distance = members;
  std::stable_sort(by_distance.begin(), by_distance.end(),
                   [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
  std::vector<std::size_t> position_of(headers.size(), 0);
  std::vector<std::vector<std::size_t>> at_position;  // the images at each position
  for (std::size_t i = 0; i < by_distance.size(); ++i) {
    const std::size_t m = by_distance[i];
    if (i == 0 || distance[m] - distance[by_distance[i - 1]] >= 1e-3) at_position.emplace_back();
    position_of[m] = at_position.size() - 1;
    at_position.back().push_back(m);
  }
  std::size_t most = 0;
  for (const auto& images : at_position) most = std::max(most, images.size());
  if (most < 2) return result;  // static
  notes.insert(notes.end(), duplicates.begin(), duplicates.end());
  const std::size_t positions = at_position.size();

  // The times. TriggerTime wins where every image has one and it varies: scanners that write
  // it for dynamic MR (GE, Philips) give the images of one temporal position the same
  // TriggerTime, the offset of that position in the run, whereas their AcquisitionTime may be
  // the start of the whole series (GE) or the time of each slice. Elsewhere (CT perfusion,
  // Siemens) TriggerTime is absent or the same everywhere, and AcquisitionTime is the clock.
  const auto all_have = [&](bool FileHeader::*has) {
    for (std::size_t m : members) {
      if (!(headers[m].*has)) return false;
    }
    return true;
  };
  std::vector<double> time(headers.size(), 0.0);
  const auto varies = [&] {
    for (std::size_t m : members) {
      if (time[m] != time[members.front()]) return true;
    }
    return false;
  };
  enum class Clock { none, trigger, acquisition } clock = Clock::none;
  if (all_have(&FileHeader::has_trigger_time)) {
    for (std::size_t m : members) time[m] = headers[m].trigger_time_ms / 1000.0;
    if (varies()) clock = Clock::trigger;
  }
  if (clock == Clock::none && all_have(&FileHeader::has_acquisition_time)) {
    for (std::size_t m : members) time[m] = headers[m].acquisition_time_s;
    // A series that passes midnight: its times span more than half a day, and the early
    // ones belong to the next day (no dynamic series lasts 12 hours).
    double lo = time[members.front()], hi = lo;
    for (std::size_t m : members) {
      lo = std::min(lo, time[m]);
      hi = std::max(hi, time[m]);
    }
    if (hi - lo > 43200.0) {
      for (std::size_t m : members) {
        if (time[m] < 43200.0) time[m] += 86400.0;
      }
    }
    if (varies()) clock = Clock::acquisition;
  }
  const char* clock_name = clock == Clock::trigger ? "TriggerTime" : "AcquisitionTime";

  std::vector<std::vector<std::size_t>>& frames = result.members;
  if (all_have(&FileHeader::has_temporal_position)) {
    result.grouping = FrameGrouping::temporal_position;
    std::map<int64_t, std::vector<std::size_t>> by_value;
    for (std::size_t m : members) by_value[headers[m].temporal_position].push_back(m);
    for (auto& [value, images] : by_value) frames.push_back(std::move(images));
  } else {
    for (std::size_t m : members) {
      if (headers[m].has_temporal_position) {
        notes.push_back("TemporalPositionIdentifier is in some files of the series (" +
                        headers[m].path + ") but not in all; the frames are found without it");
        break;
      }
    }
    // Images that share a time make a frame; where every image has its own time (slices
    // acquired one after another), the times order the images at each position instead.
    std::map<double, std::vector<std::size_t>> by_time;
    if (clock != Clock::none) {
      for (std::size_t m : members) by_time[time[m]].push_back(m);
    }
    if (clock != Clock::none && by_time.size() < members.size()) {
      result.grouping =
          clock == Clock::trigger ? FrameGrouping::trigger_time : FrameGrouping::acquisition_time;
      for (auto& [value, images] : by_time) frames.push_back(std::move(images));
    } else {
      result.grouping = FrameGrouping::repeated_positions;
      const bool numbered = all_have(&FileHeader::has_instance_number);
      for (const auto& images : at_position) {
        if (images.size() == most) continue;
        // Fewer images at this position than at another: a frame lacks it, or, in a series
        // that is not dynamic, a slice was written twice.
        const std::size_t full =
            static_cast<std::size_t>(std::find_if(at_position.begin(), at_position.end(),
                                                  [&](const auto& p) { return p.size() == most; }) -
                                     at_position.begin());
        const std::vector<std::size_t>& twice = at_position[full];
        throw Error(Status::invalid_data,
                    "two slices at one position (" + format_double(distance[twice[0]]) +
                        " mm along the normal): " + headers[twice[0]].path + " and " +
                        headers[twice[1]].path +
                        "; as a dynamic series (the k-th image at each "
                        "position is frame k), frame " +
                        std::to_string(images.size()) + " has no image at " +
                        format_double(distance[images[0]]) + " mm along the normal, where " +
                        headers[images[0]].path + " is (" + std::to_string(images.size()) +
                        " images there, " + std::to_string(most) + " at " +
                        format_double(distance[twice[0]]) + " mm)");
      }
      if (clock == Clock::none && !numbered) {
        throw Error(Status::invalid_data,
                    "the series holds " + std::to_string(most) +
                        " images at each slice position, but nothing tells their order in "
                        "time: no TemporalPositionIdentifier, TriggerTime, AcquisitionTime or "
                        "InstanceNumber in every file (e.g. " +
                        headers[members.front()].path + ")");
      }
      frames.assign(most, {});
      for (std::vector<std::size_t> images : at_position) {
        std::stable_sort(images.begin(), images.end(), [&](std::size_t a, std::size_t b) {
          if (clock != Clock::none && time[a] != time[b]) return time[a] < time[b];
          if (numbered && headers[a].instance_number != headers[b].instance_number) {
            return headers[a].instance_number < headers[b].instance_number;
          }
          return headers[a].path < headers[b].path;
        });
        for (std::size_t k = 0; k < most; ++k) frames[k].push_back(images[k]);
      }
    }
  }

  // One frame (every image with the same TemporalPositionIdentifier) is a static series with
  // a slice twice, which the static checks report as they always did.
  if (frames.size() == 1) return Frames{};
  // One image at each position in every frame.
  for (std::size_t t = 0; t < frames.size(); ++t) {
    std::vector<std::size_t> seen(positions, SIZE_MAX);
    for (std::size_t m : frames[t]) {
      const std::size_t p = position_of[m];
      if (seen[p] != SIZE_MAX) {
        throw Error(Status::invalid_data,
                    frame_name(result, t, headers) + " has two images at one position (" +
                        format_double(distance[m]) + " mm along the normal): " +
                        headers[seen[p]].path + " and " + headers[m].path);
      }
      seen[p] = m;
    }
    for (std::size_t p = 0; p < positions; ++p) {
      if (seen[p] != SIZE_MAX) continue;
      const std::size_t there = at_position[p].front();
      throw Error(Status::invalid_data,
                  frame_name(result, t, headers) + " has no image at slice position " +
                      format_double(distance[there]) + " mm along the normal (" +
                      std::to_string(frames[t].size()) + " of the series' " +
                      std::to_string(positions) + " positions; " + headers[there].path +
                      " is there in another frame)");
    }
  }

  // A frame's time: the earliest of its images'.
  if (clock == Clock::none) {
    result.times_s.assign(frames.size(), std::numeric_limits<double>::quiet_NaN());
    const FileHeader& h = headers[members.front()];
    notes.push_back(
        "the frame times are unknown (NaN): the files have no TriggerTime or AcquisitionTime "
        "that varies (e.g. " +
        h.path +
        (h.has_acquisition_time ? ", AcquisitionTime " + format_time_of_day(h.acquisition_time_s)
                                : std::string(", no AcquisitionTime")) +
        ")");
  } else {
    std::vector<double> start(frames.size(), 0.0);
    for (std::size_t t = 0; t < frames.size(); ++t) {
      start[t] = time[frames[t].front()];
      for (std::size_t m : frames[t]) start[t] = std::min(start[t], time[m]);
    }
    for (std::size_t t = 0; t < frames.size(); ++t) result.times_s.push_back(start[t] - start[0]);
    for (std::size_t t = 1; t < frames.size(); ++t) {
      if (!(result.times_s[t] > result.times_s[t - 1])) {
        notes.push_back(std::string("the frame times (") + clock_name +
                        ") do not increase: " + frame_name(result, t, headers) + " is at " +
                        format_double(result.times_s[t]) + " s, " +
                        frame_name(result, t - 1, headers) + " at " +
                        format_double(result.times_s[t - 1]) + " s");
        break;
      }
    }
  }
  warnings.insert(warnings.end(), notes.begin(), notes.end());
  return result;
}

// Checks that frame `t` has the geometry of frame 0 (whose slices, sorted, are `reference`)
// and returns its images in the same slice order.
std::vector<std::size_t> frame_order(const std::vector<FileHeader>& headers, const Frames& frames,
                                     std::size_t t, const std::vector<std::size_t>& reference,
                                     const Geometry& geometry) {
  const FileHeader& first = headers[reference.front()];
  std::vector<std::size_t> order = frames.members[t];
  const Vec3 row{first.orientation[0], first.orientation[1], first.orientation[2]};
  const Vec3 col{first.orientation[3], first.orientation[4], first.orientation[5]};
  const Vec3 normal = cross(row, col);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return dot(headers[a].position, normal) < dot(headers[b].position, normal);
  });
  const double tolerance =
      std::max(0.05 * std::min(geometry.spacing[1], geometry.spacing[2]), 0.01);
  const std::string name = frame_name(frames, t, headers);
  for (std::size_t k = 0; k < order.size(); ++k) {
    const FileHeader& h = headers[order[k]];
    const FileHeader& r = headers[reference[k]];
    check_image(h);
    if (h.rows != first.rows || h.columns != first.columns) {
      throw Error(Status::invalid_data,
                  name + ": the images differ in size from frame 0's: " + first.path + " is " +
                      std::to_string(first.rows) + " x " + std::to_string(first.columns) + ", " +
                      h.path + " is " + std::to_string(h.rows) + " x " + std::to_string(h.columns));
    }
    for (int a = 0; a < 6; ++a) {
      if (std::fabs(h.orientation[a] - first.orientation[a]) > 1e-3) {
        throw Error(Status::invalid_data,
                    "varying orientation within the series: ImageOrientationPatient of " + h.path +
                        " (" + name + ") differs from that of " + first.path + " (frame 0)");
      }
    }
    if (h.has_pixel_spacing != first.has_pixel_spacing ||
        (h.has_pixel_spacing &&
         (std::fabs(h.pixel_spacing[0] - first.pixel_spacing[0]) > 1e-4 * first.pixel_spacing[0] ||
          std::fabs(h.pixel_spacing[1] - first.pixel_spacing[1]) >
              1e-4 * first.pixel_spacing[1]))) {
      throw Error(Status::invalid_data, "PixelSpacing varies within the series: " + first.path +
                                            " (frame 0) and " + h.path + " (" + name + ")");
    }
    Vec3 off{};
    for (int a = 0; a < 3; ++a) off[a] = h.position[a] - r.position[a];
    if (norm(off) > tolerance) {
      throw Error(Status::invalid_data, name + ": slice " + std::to_string(k) + " (" + h.path +
                                            ") is not where frame 0's is (" + r.path +
                                            "): ImagePositionPatient " + format_double(norm(off)) +
                                            " mm apart");
    }
  }
  return order;
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
  // A dynamic series: frame 0 is checked as a static series is, every other frame against it.
  const Frames frames = split_frames(headers, chosen->members, series.warnings);
  const Geometry geometry =
      geometry_of(headers, frames.members.empty() ? chosen->members : frames.members.front(),
                  options, series.warnings);
  std::vector<std::size_t> order = geometry.order;  // every image, frame after frame
  for (std::size_t t = 1; t < frames.members.size(); ++t) {
    const std::vector<std::size_t> frame =
        frame_order(headers, frames, t, geometry.order, geometry);
    order.insert(order.end(), frame.begin(), frame.end());
  }
  const FileHeader& first = headers[geometry.order.front()];

  // Decode every slice in parallel.
  const std::size_t count = order.size();
  std::vector<SlicePixels> slices(count);
  parallel_for(count, thread_count(options.num_threads, count), [&](std::size_t k) {
    FileHeader& h = headers[order[k]];
    detail::decode_pixels(h, &slices[k]);
    h.handle.reset();  // the parsed file is no longer needed
  });

  // int16 when every rescaled value is an integer that fits.
  bool fits = true;
  std::string why;
  for (std::size_t k = 0; k < count && fits; ++k) {
    const SlicePixels& s = slices[k];
    if (!is_integer(s.slope) || !is_integer(s.intercept)) {
      fits = false;
      why = "RescaleSlope " + format_double(s.slope) + " / RescaleIntercept " +
            format_double(s.intercept) + " of " + headers[order[k]].path + " are not integers";
      break;
    }
    const double a = s.slope * s.min + s.intercept, b = s.slope * s.max + s.intercept;
    if (std::min(a, b) < -32768.0 || std::max(a, b) > 32767.0) {
      fits = false;
      why = "the rescaled values of " + headers[order[k]].path + " reach " +
            format_double(a < -32768.0 || b < -32768.0 ? std::min(a, b) : std::max(a, b)) +
            ", outside int16";
    }
  }
  if (options.output == OutputType::int16 && !fits) {
    throw Error(Status::invalid_data, "int16 output asked for, but " + why);
  }
  series.dtype = options.output == OutputType::float32 || !fits ? DType::float32 : DType::int16;
  const int64_t plane = first.rows * first.columns;
  const std::size_t nz = geometry.order.size();
  series.shape = {static_cast<int64_t>(nz), first.rows, first.columns};
  if (series.dtype == DType::int16) {
    series.int16_data.resize(static_cast<std::size_t>(plane) * count);
  } else {
    series.float32_data.resize(static_cast<std::size_t>(plane) * count);
  }
  parallel_for(count, thread_count(options.num_threads, count), [&](std::size_t k) {
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
  for (std::size_t k = 1; k < count; ++k) {
    const double t = headers[order[k]].slice_thickness;
    if (!(t == first.slice_thickness || (std::isnan(t) && std::isnan(first.slice_thickness)))) {
      series.warnings.push_back("SliceThickness varies within the series (" +
                                format_double(first.slice_thickness) + " mm in " + first.path +
                                ", " + format_double(t) + " mm in " + headers[order[k]].path +
                                "); the first is reported");
      break;
    }
  }
  if (!frames.members.empty()) {
    series.frames = static_cast<int64_t>(frames.members.size());
    series.frame_times_s = frames.times_s;
    series.frame_grouping = frames.grouping;
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
