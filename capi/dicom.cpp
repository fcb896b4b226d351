// medkern.h: DICOM series.
#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "capi.hpp"

namespace medkern::capi {

// No params table: the options hold a string and dtype codes with gaps, and
// dicom::LoadOptions has no field list.
template <>
struct Versioned<medkern_dicom_options> {
  static constexpr const char* name = "medkern_dicom_options";
  static std::size_t min_size() {
    return offsetof(medkern_dicom_options, output_dtype) + sizeof(medkern_dtype);
  }
  static medkern_dicom_options defaults() {
    const dicom::LoadOptions cpp;
    medkern_dicom_options o{};
    o.struct_size = sizeof(medkern_dicom_options);
    o.output_dtype = static_cast<medkern_dtype>(cpp.output);
    o.series_uid = nullptr;
    o.allow_irregular_spacing = cpp.allow_irregular_spacing ? 1 : 0;
    o.allow_gantry_tilt = cpp.allow_gantry_tilt ? 1 : 0;
    o.recursive = cpp.recursive ? 1 : 0;
    o.num_threads = cpp.num_threads;
    return o;
  }
};

namespace {

std::vector<std::string> dicom_paths(const char* const* paths, int64_t num_paths) {
  require_pointer(paths, "paths");
  if (num_paths < 1) throw_invalid("num_paths = " + std::to_string(num_paths) + " is below 1");
  std::vector<std::string> out;
  for (int64_t i = 0; i < num_paths; ++i) {
    if (paths[i] == nullptr) throw_invalid("paths[" + std::to_string(i) + "] is NULL");
    out.emplace_back(paths[i]);
  }
  return out;
}

dicom::LoadOptions dicom_options(const medkern_dicom_options* options) {
  const medkern_dicom_options o = read_struct_or_defaults(options, "options");
  dicom::LoadOptions cpp;
  switch (o.output_dtype) {
    case 0:
      cpp.output = dicom::OutputType::automatic;
      break;
    case MEDKERN_DTYPE_INT16:
      cpp.output = dicom::OutputType::int16;
      break;
    case MEDKERN_DTYPE_FLOAT32:
      cpp.output = dicom::OutputType::float32;
      break;
    default:
      throw Error(Status::unsupported_dtype,
                  "options->output_dtype = " + std::to_string(o.output_dtype) +
                      " is neither 0 (automatic), MEDKERN_DTYPE_INT16 nor MEDKERN_DTYPE_FLOAT32");
  }
  if (o.series_uid != nullptr) cpp.series_uid = o.series_uid;
  cpp.allow_irregular_spacing = o.allow_irregular_spacing != 0;
  cpp.allow_gantry_tilt = o.allow_gantry_tilt != 0;
  cpp.recursive = o.recursive != 0;
  if (o.num_threads < 0) {
    throw_invalid("options->num_threads = " + std::to_string(o.num_threads) + " is negative");
  }
  cpp.num_threads = o.num_threads;
  return cpp;
}

// What the getters of a loaded series read, beyond its struct: the struct stays as 0.1
// defined it. The live results are registered, so that a getter given a pointer that is not
// one (or one already freed) reports it instead of reading memory it does not own.
struct SeriesFrames {
  int64_t frames = 1;
  int64_t frame_stride = 0;  // elements
  const double* times_s = nullptr;
};

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::unordered_map<const medkern_dicom_series*, SeriesFrames>& registry() {
  static auto* live = new std::unordered_map<const medkern_dicom_series*, SeriesFrames>();
  return *live;
}

SeriesFrames frames_of(const medkern_dicom_series* series) {
  require_pointer(series, "series");
  const std::lock_guard<std::mutex> lock(registry_mutex());
  const auto found = registry().find(series);
  if (found == registry().end()) {
    throw_invalid(
        "series: not a live result of medkern_dicom_load_series (never loaded, or already "
        "freed)");
  }
  return found->second;
}

}  // namespace
}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

int32_t medkern_dicom_available(void) {
  return medkern::dicom::available() ? 1 : 0;
}

medkern_status medkern_dicom_options_init(medkern_dicom_options* options) {
  return MEDKERN_GUARDED({
    require_pointer(options, "options");
    *options = Versioned<medkern_dicom_options>::defaults();
  });
}

medkern_status medkern_dicom_load_series(const char* const* paths, int64_t num_paths,
                                         const medkern_dicom_options* options,
                                         medkern_dicom_series** series) {
  return MEDKERN_GUARDED({
    require_pointer(series, "series");
    *series = nullptr;
    const std::vector<std::string> files = dicom_paths(paths, num_paths);
    const medkern::dicom::LoadOptions cpp = dicom_options(options);
    const medkern::dicom::Series s = medkern::dicom::load_series(files, cpp);

    const std::string* ids[5] = {&s.patient_id, &s.study_uid, &s.series_uid, &s.series_description,
                                 &s.modality};
    BlockLayout layout;
    layout.add(sizeof(medkern_dicom_series), alignof(medkern_dicom_series));
    const std::size_t warnings_at = layout.add_array<const char*>(s.warnings.size(), "warnings");
    std::size_t id_at[5];
    for (int i = 0; i < 5; ++i) id_at[i] = layout.add_string(*ids[i]);
    std::vector<std::size_t> warning_at;
    for (const std::string& w : s.warnings) warning_at.push_back(layout.add_string(w));
    // Every frame, one after another; `volume` describes frame 0.
    const medkern::VolumeRef view = s.frame(0);
    const std::size_t frame_bytes = view.bytes();
    if (s.frames > 1 && frame_bytes > SIZE_MAX / static_cast<std::size_t>(s.frames)) {
      throw medkern::Error(medkern::Status::overflow, "the series' " + std::to_string(s.frames) +
                                                          " frames overflow the result");
    }
    const std::size_t data_bytes = frame_bytes * static_cast<std::size_t>(s.frames);
    const std::size_t times_at = layout.add_array<double>(s.frame_times_s.size(), "frame times");
    const std::size_t data_at = layout.add(data_bytes, 64);
    unsigned char* block = layout.allocate();

    auto* r = reinterpret_cast<medkern_dicom_series*>(block);
    std::memset(r, 0, sizeof *r);
    r->struct_size = sizeof(medkern_dicom_series);
    void* data = block + data_at;
    if (data_bytes > 0) std::memcpy(data, view.data, data_bytes);
    auto* times = reinterpret_cast<double*>(block + times_at);
    std::copy(s.frame_times_s.begin(), s.frame_times_s.end(), times);
    r->volume = Versioned<medkern_volume>::defaults();
    r->volume.dtype = static_cast<medkern_dtype>(view.dtype);
    r->volume.data = data;
    for (int a = 0; a < 3; ++a) {
      r->volume.shape[a] = view.shape[a];
      r->volume.strides[a] = view.strides[a];
      r->volume.spacing[a] = view.spacing[a];
      r->origin[a] = s.origin[a];
      for (int b = 0; b < 3; ++b) r->orientation[3 * a + b] = s.orientation[a][b];
    }
    r->slice_thickness = s.slice_thickness;
    const char** id_ptrs[5] = {&r->patient_id, &r->study_uid, &r->series_uid,
                               &r->series_description, &r->modality};
    for (int i = 0; i < 5; ++i) *id_ptrs[i] = place_string(block, id_at[i], *ids[i]);
    auto** warnings = reinterpret_cast<const char**>(block + warnings_at);
    for (std::size_t i = 0; i < s.warnings.size(); ++i) {
      warnings[i] = place_string(block, warning_at[i], s.warnings[i]);
    }
    r->num_warnings = static_cast<int64_t>(s.warnings.size());
    r->warnings = s.warnings.empty() ? nullptr : warnings;
    try {
      const std::lock_guard<std::mutex> lock(registry_mutex());
      registry()[r] = SeriesFrames{s.frames, static_cast<int64_t>(view.numel()), times};
    } catch (...) {
      std::free(block);
      throw;
    }
    *series = r;
  });
}

void medkern_dicom_series_free(medkern_dicom_series* series) {
  if (series == nullptr) return;
  try {
    const std::lock_guard<std::mutex> lock(registry_mutex());
    registry().erase(series);
  } catch (...) {
    // Locking can only fail for want of resources; the block is freed all the same.
  }
  std::free(series);
}

medkern_status medkern_dicom_series_frames(const medkern_dicom_series* series, int64_t* frames) {
  return MEDKERN_GUARDED({
    require_pointer(frames, "frames");
    *frames = frames_of(series).frames;
  });
}

medkern_status medkern_dicom_series_frame_times(const medkern_dicom_series* series,
                                                const double** times_s) {
  return MEDKERN_GUARDED({
    require_pointer(times_s, "times_s");
    *times_s = frames_of(series).times_s;
  });
}

medkern_status medkern_dicom_series_view(const medkern_dicom_series* series, medkern_series* view) {
  return MEDKERN_GUARDED({
    require_pointer(view, "view");
    const SeriesFrames frames = frames_of(series);
    medkern_series out = Versioned<medkern_series>::defaults();
    out.first = series->volume;
    out.frames = frames.frames;
    out.frame_stride = frames.frame_stride;
    write_struct(view, out, "view");
  });
}

medkern_status medkern_dicom_list_series(const char* const* paths, int64_t num_paths,
                                         const medkern_dicom_options* options,
                                         medkern_dicom_series_list** list) {
  return MEDKERN_GUARDED({
    require_pointer(list, "list");
    *list = nullptr;
    const std::vector<std::string> files = dicom_paths(paths, num_paths);
    const medkern::dicom::LoadOptions cpp = dicom_options(options);
    std::vector<std::string> warnings;
    const std::vector<medkern::dicom::SeriesInfo> found =
        medkern::dicom::list_series(files, cpp, &warnings);

    BlockLayout layout;
    layout.add(sizeof(medkern_dicom_series_list), alignof(medkern_dicom_series_list));
    const std::size_t records_at =
        layout.add_array<medkern_dicom_series_info>(found.size(), "series");
    const std::size_t warnings_at = layout.add_array<const char*>(warnings.size(), "warnings");
    std::vector<std::array<std::size_t, 5>> strings_at;
    for (const medkern::dicom::SeriesInfo& info : found) {
      strings_at.push_back({layout.add_string(info.series_uid), layout.add_string(info.study_uid),
                            layout.add_string(info.patient_id),
                            layout.add_string(info.series_description),
                            layout.add_string(info.modality)});
    }
    std::vector<std::size_t> warning_at;
    for (const std::string& w : warnings) warning_at.push_back(layout.add_string(w));
    unsigned char* block = layout.allocate();

    auto* r = reinterpret_cast<medkern_dicom_series_list*>(block);
    std::memset(r, 0, sizeof *r);
    r->struct_size = sizeof(medkern_dicom_series_list);
    auto* records = reinterpret_cast<medkern_dicom_series_info*>(block + records_at);
    for (std::size_t i = 0; i < found.size(); ++i) {
      const medkern::dicom::SeriesInfo& info = found[i];
      medkern_dicom_series_info& out = records[i];
      out.series_uid = place_string(block, strings_at[i][0], info.series_uid);
      out.study_uid = place_string(block, strings_at[i][1], info.study_uid);
      out.patient_id = place_string(block, strings_at[i][2], info.patient_id);
      out.series_description = place_string(block, strings_at[i][3], info.series_description);
      out.modality = place_string(block, strings_at[i][4], info.modality);
      out.series_number = info.series_number;
      out.num_files = info.num_files;
      out.rows = info.rows;
      out.columns = info.columns;
    }
    auto** warning_ptrs = reinterpret_cast<const char**>(block + warnings_at);
    for (std::size_t i = 0; i < warnings.size(); ++i) {
      warning_ptrs[i] = place_string(block, warning_at[i], warnings[i]);
    }
    r->num_series = static_cast<int64_t>(found.size());
    r->series = found.empty() ? nullptr : records;
    r->num_warnings = static_cast<int64_t>(warnings.size());
    r->warnings = warnings.empty() ? nullptr : warning_ptrs;
    *list = r;
  });
}

void medkern_dicom_series_list_free(medkern_dicom_series_list* list) {
  std::free(list);
}

}  // extern "C"
