// The extern "C" façade of medkern (medkern.h) over the C++ API (medkern/medkern.hpp).
//
// Each entry point converts its C arguments, calls the C++ API inside guarded(), and turns
// whatever is thrown into a medkern_status plus a thread-local message: no exception may
// cross the C boundary, whatever the caller passes.
#include "medkern/medkern.h"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "medkern/medkern.hpp"

struct medkern_context {
  medkern::Context context;
};

namespace {

using medkern::Error;
using medkern::Status;

// ---------------------------------------------------------------------------- last error

thread_local std::string t_last_error;
// Points at a static text when even storing the message ran out of memory.
thread_local const char* t_last_error_fallback = nullptr;

void clear_last_error() noexcept {
  t_last_error.clear();  // keeps the capacity, so it never allocates
  t_last_error_fallback = nullptr;
}

void set_last_error(const char* function, const char* message) noexcept {
  try {
    t_last_error.assign(function);
    t_last_error.append(": ");
    t_last_error.append(message);
    t_last_error_fallback = nullptr;
  } catch (...) {
    t_last_error_fallback = "out of host memory while storing the error message";
  }
}

// Runs `body` and maps what it throws to a status and the last-error text, prefixed with
// the C function's name so that a log line says where it came from.
template <class Body>
medkern_status guarded(const char* function, Body&& body) noexcept {
  clear_last_error();
  try {
    body();
    return MEDKERN_OK;
  } catch (const Error& error) {
    set_last_error(function, error.what());
    const auto status = static_cast<medkern_status>(error.status());
    // An Error built with Status::ok would look like success to the caller.
    return status == MEDKERN_OK ? MEDKERN_ERROR_INTERNAL : status;
  } catch (const std::bad_alloc&) {
    set_last_error(function, "out of host memory");
    return MEDKERN_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception& error) {
    set_last_error(function, error.what());
    return MEDKERN_ERROR_INTERNAL;
  } catch (...) {
    set_last_error(function, "unknown exception");
    return MEDKERN_ERROR_INTERNAL;
  }
}

// Returns the status of the enclosing C function; __func__ is that function's name.
#define MEDKERN_GUARDED(...) guarded(__func__, [&]() { __VA_ARGS__ })

[[noreturn]] void throw_invalid(const std::string& message) {
  throw Error(Status::invalid_argument, message);
}

template <class T>
void require_pointer(const T* pointer, const char* what) {
  if (pointer == nullptr) throw_invalid(std::string(what) + " is NULL");
}

// The seeds of region growing: seed_count (z, y, x) triples.
std::vector<medkern::Seed> read_seeds(const int64_t* seeds, int64_t seed_count) {
  require_pointer(seeds, "seeds");
  if (seed_count < 1 || seed_count > (int64_t(1) << 32)) {
    throw_invalid("seed_count: " + std::to_string(seed_count) + " is outside 1..2^32");
  }
  std::vector<medkern::Seed> seed_list(static_cast<std::size_t>(seed_count));
  for (int64_t s = 0; s < seed_count; ++s) {
    seed_list[s] = {seeds[3 * s], seeds[3 * s + 1], seeds[3 * s + 2]};
  }
  return seed_list;
}

// ---------------------------------------------------------------------------- versioned structs

// For each versioned struct: its name for messages, the smallest struct_size accepted (the
// end of the first field after struct_size, which every version has), and the values of
// fields that a caller compiled against an older, shorter struct does not know.
template <class T>
struct StructTraits;

// The end of `field` in `type`: the smallest struct_size that holds it.
#define MEDKERN_END_OF(type, field) (offsetof(type, field) + sizeof(type::field))

template <>
struct StructTraits<medkern_volume> {
  static constexpr const char* name = "medkern_volume";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_volume, dtype);
  static medkern_volume defaults() {
    medkern_volume v{};
    v.struct_size = sizeof(medkern_volume);
    v.dtype = MEDKERN_DTYPE_FLOAT32;
    for (int axis = 0; axis < 3; ++axis) {
      v.shape[axis] = 1;
      v.strides[axis] = 1;
      v.spacing[axis] = 1.0;
    }
    v.device = MEDKERN_DEVICE_HOST;
    return v;
  }
};

template <>
struct StructTraits<medkern_context_options> {
  static constexpr const char* name = "medkern_context_options";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_context_options, device);
  static medkern_context_options defaults() {
    medkern_context_options o{};
    o.struct_size = sizeof(medkern_context_options);
    o.device = MEDKERN_DEVICE_AUTO;
    o.priority = 0;
    o.num_threads = 0;
    o.tag = 0;
    return o;
  }
};

template <>
struct StructTraits<medkern_device_info> {
  static constexpr const char* name = "medkern_device_info";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_device_info, ordinal);
  static medkern_device_info defaults() {
    medkern_device_info i{};
    i.struct_size = sizeof(medkern_device_info);
    return i;
  }
};

template <>
struct StructTraits<medkern_pool_stats> {
  static constexpr const char* name = "medkern_pool_stats";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_pool_stats, device);
  static medkern_pool_stats defaults() {
    medkern_pool_stats s{};
    s.struct_size = sizeof(medkern_pool_stats);
    return s;
  }
};

template <>
struct StructTraits<medkern_histogram_params> {
  static constexpr const char* name = "medkern_histogram_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_histogram_params, bins);
  static medkern_histogram_params defaults() {
    const medkern::HistogramParams cpp;
    medkern_histogram_params p{};
    p.struct_size = sizeof(medkern_histogram_params);
    p.bins = cpp.bins;
    p.lo = cpp.lo;
    p.hi = cpp.hi;
    p.float32_range = cpp.float32_range;
    return p;
  }
};

template <>
struct StructTraits<medkern_threshold_params> {
  static constexpr const char* name = "medkern_threshold_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_threshold_params, inside);
  static medkern_threshold_params defaults() {
    const medkern::ThresholdParams cpp;
    medkern_threshold_params p{};
    p.struct_size = sizeof(medkern_threshold_params);
    p.inside = cpp.inside;
    p.outside = cpp.outside;
    p.lo = cpp.lo;
    p.hi = cpp.hi;
    return p;
  }
};

template <>
struct StructTraits<medkern_label_statistics_params> {
  static constexpr const char* name = "medkern_label_statistics_params";
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_label_statistics_params, include_background);
  static medkern_label_statistics_params defaults() {
    medkern_label_statistics_params p{};
    p.struct_size = sizeof(medkern_label_statistics_params);
    p.include_background = medkern::LabelStatisticsParams{}.include_background ? 1 : 0;
    return p;
  }
};

template <>
struct StructTraits<medkern_label_components_params> {
  static constexpr const char* name = "medkern_label_components_params";
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_label_components_params, connectivity);
  static medkern_label_components_params defaults() {
    medkern_label_components_params p{};
    p.struct_size = sizeof(medkern_label_components_params);
    p.connectivity = medkern::LabelComponentsParams{}.connectivity;
    return p;
  }
};

template <>
struct StructTraits<medkern_connected_threshold_params> {
  static constexpr const char* name = "medkern_connected_threshold_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_connected_threshold_params, hi);
  static medkern_connected_threshold_params defaults() {
    const medkern::ConnectedThresholdParams cpp;
    medkern_connected_threshold_params p{};
    p.struct_size = sizeof(medkern_connected_threshold_params);
    p.connectivity = cpp.connectivity;
    p.lo = cpp.lo;
    p.hi = cpp.hi;
    return p;
  }
};

template <>
struct StructTraits<medkern_watershed_params> {
  static constexpr const char* name = "medkern_watershed_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_watershed_params, watershed_line);
  static medkern_watershed_params defaults() {
    const medkern::WatershedParams cpp;
    medkern_watershed_params p{};
    p.struct_size = sizeof(medkern_watershed_params);
    p.connectivity = cpp.connectivity;
    p.watershed_line = cpp.watershed_line ? 1 : 0;
    return p;
  }
};

template <>
struct StructTraits<medkern_regional_minima_params> {
  static constexpr const char* name = "medkern_regional_minima_params";
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_regional_minima_params, connectivity);
  static medkern_regional_minima_params defaults() {
    medkern_regional_minima_params p{};
    p.struct_size = sizeof(medkern_regional_minima_params);
    p.connectivity = medkern::RegionalMinimaParams{}.connectivity;
    return p;
  }
};

template <>
struct StructTraits<medkern_calcium_params> {
  static constexpr const char* name = "medkern_calcium_params";
  // The thickness has no default: a caller must know the field.
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_calcium_params, slice_thickness_mm);
  static medkern_calcium_params defaults() {
    const medkern::CalciumParams cpp;
    medkern_calcium_params p{};
    p.struct_size = sizeof(medkern_calcium_params);
    p.connectivity = cpp.connectivity;
    p.slice_thickness_mm = cpp.slice_thickness_mm;
    p.threshold_hu = cpp.threshold_hu;
    p.min_area_mm2 = cpp.min_area_mm2;
    p.calibration_mg_per_cm3_per_hu = 0.0;
    p.normalize_thickness = cpp.normalize_thickness ? 1 : 0;
    return p;
  }
};

template <>
struct StructTraits<medkern_dicom_options> {
  static constexpr const char* name = "medkern_dicom_options";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_dicom_options, output_dtype);
  static medkern_dicom_options defaults() {
    const medkern::dicom::LoadOptions cpp;
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

// The bytes of *given that both the caller and this library know: struct_size, capped at
// our sizeof(T). Older callers pass less, newer callers more.
template <class T>
std::size_t known_size(const T* given, const char* what) {
  const uint32_t size = given->struct_size;
  if (size < StructTraits<T>::min_size) {
    throw_invalid(std::string(what) + "->struct_size = " + std::to_string(size) +
                  " is smaller than " + std::to_string(StructTraits<T>::min_size) +
                  ", the smallest " + StructTraits<T>::name + " (set it to sizeof(" +
                  StructTraits<T>::name + "))");
  }
  return size < sizeof(T) ? size : sizeof(T);
}

// Reads a caller's struct: the fields it knows over the defaults of the ones it does not.
template <class T>
T read_struct(const T* given, const char* what) {
  require_pointer(given, what);
  T value = StructTraits<T>::defaults();
  std::memcpy(&value, given, known_size(given, what));
  return value;
}

// As read_struct, with the defaults for NULL (optional params and options).
template <class T>
T read_struct_or_defaults(const T* given, const char* what) {
  return given == nullptr ? StructTraits<T>::defaults() : read_struct(given, what);
}

// Writes a result struct: only the fields the caller knows, leaving its struct_size as it is.
template <class T>
void write_struct(T* given, T value, const char* what) {
  require_pointer(given, what);
  const std::size_t size = known_size(given, what);
  value.struct_size = given->struct_size;
  std::memcpy(given, &value, size);
}

// ---------------------------------------------------------------------------- conversions

medkern::DType to_dtype(medkern_dtype code, const char* what) {
  if (code < MEDKERN_DTYPE_INT16 || code > MEDKERN_DTYPE_UINT64) {
    throw Error(Status::unsupported_dtype,
                std::string(what) + ": unknown dtype code " + std::to_string(code));
  }
  return static_cast<medkern::DType>(code);
}

void require_device_ordinal(int32_t device, const char* what) {
  if (device != MEDKERN_DEVICE_HOST && device < 0) {
    throw_invalid(std::string(what) + ": " + std::to_string(device) +
                  " is neither MEDKERN_DEVICE_HOST (-1) nor a CUDA ordinal (>= 0)");
  }
}

// Shape, strides and spacing are checked by the ops themselves (medkern::validate_volume);
// here only what the C++ types cannot represent: an unknown dtype code or device number.
medkern::VolumeRef to_ref(const medkern_volume* volume, const char* what) {
  const medkern_volume v = read_struct(volume, what);
  medkern::VolumeRef ref;
  ref.dtype = to_dtype(v.dtype, what);
  require_device_ordinal(v.device, (std::string(what) + "->device").c_str());
  ref.data = v.data;
  for (int axis = 0; axis < 3; ++axis) {
    ref.shape[axis] = v.shape[axis];
    ref.strides[axis] = v.strides[axis];
    ref.spacing[axis] = v.spacing[axis];
  }
  ref.device = medkern::Device{v.device};
  return ref;
}

medkern::Context& context_of(medkern_context* context) {
  require_pointer(context, "context");
  return context->context;
}

const medkern::Context& context_of(const medkern_context* context) {
  require_pointer(context, "context");
  return context->context;
}

medkern::Pool& pool_of(int32_t device) {
  require_device_ordinal(device, "device");
  return medkern::pool_for(medkern::Device{device});
}

// ---------------------------------------------------------------------------- allocations

// medkern_volume_free gets back only the medkern_volume, which has no room for the pool's
// Allocation (its byte count and the id that protects against a double free after a tag
// release), and callers copy volumes by value. So the façade remembers each allocation it
// made, by device and pointer, in one process-wide table: a volume may be freed through any
// context of its device, from any thread. After a tag release the entry stays; freeing the
// volume then passes its stale id to the pool, which ignores it, as medkern.h promises. Only
// if a later medkern_volume_allocate is handed the same address is the entry replaced.
class AllocationTable {
 public:
  void insert(int32_t device, const medkern::Allocation& allocation) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_[{device, allocation.pointer}] = allocation;
  }

  // Removes and returns the allocation at (device, pointer); false when there is none.
  bool take(int32_t device, void* pointer, medkern::Allocation* allocation) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find({device, pointer});
    if (it == entries_.end()) return false;
    *allocation = it->second;
    entries_.erase(it);
    return true;
  }

  bool contains_pointer(void* pointer) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries_) {
      if (entry.first.second == pointer) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<int32_t, void*>, medkern::Allocation> entries_;
};

AllocationTable& allocations() {
  // Never destroyed, like the pools: a volume may be freed from an atexit handler or a
  // thread that outlives static destruction.
  static AllocationTable* table = new AllocationTable();
  return *table;
}

// ---------------------------------------------------------------------------- result blocks

// Lays out a result that the caller frees with one free(): the struct, then arrays, strings
// and voxels at aligned offsets of one malloc'ed block.
class BlockLayout {
 public:
  std::size_t add(std::size_t bytes, std::size_t align) {
    const std::size_t offset = (size_ + align - 1) / align * align;
    if (offset < size_ || bytes > SIZE_MAX - offset) {
      throw Error(Status::overflow, "the result does not fit in memory");
    }
    size_ = offset + bytes;
    return offset;
  }
  // `count` values of T; `what` names them in the error when they cannot fit.
  template <class T>
  std::size_t add_array(std::size_t count, const char* what) {
    if (count > SIZE_MAX / sizeof(T)) {
      throw Error(Status::overflow, std::to_string(count) + " " + what + " overflow the result");
    }
    return add(count * sizeof(T), alignof(T));
  }
  std::size_t add_string(const std::string& s) { return add(s.size() + 1, 1); }

  // The block (malloc), or std::bad_alloc.
  unsigned char* allocate() const {
    void* block = std::malloc(size_ == 0 ? 1 : size_);
    if (block == nullptr) throw std::bad_alloc();
    return static_cast<unsigned char*>(block);
  }

 private:
  std::size_t size_ = 0;
};

const char* place_string(unsigned char* block, std::size_t offset, const std::string& s) {
  char* dst = reinterpret_cast<char*>(block + offset);
  std::memcpy(dst, s.c_str(), s.size() + 1);
  return dst;
}

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

medkern::dicom::LoadOptions dicom_options(const medkern_dicom_options* options) {
  const medkern_dicom_options o = read_struct_or_defaults(options, "options");
  medkern::dicom::LoadOptions cpp;
  switch (o.output_dtype) {
    case 0:
      cpp.output = medkern::dicom::OutputType::automatic;
      break;
    case MEDKERN_DTYPE_INT16:
      cpp.output = medkern::dicom::OutputType::int16;
      break;
    case MEDKERN_DTYPE_FLOAT32:
      cpp.output = medkern::dicom::OutputType::float32;
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

}  // namespace

// ============================================================================ status

extern "C" {

const char* medkern_last_error(void) {
  return t_last_error_fallback != nullptr ? t_last_error_fallback : t_last_error.c_str();
}

// medkern_status_name and medkern_version leave the last error alone: a caller may well
// evaluate them in the same printf as medkern_last_error(), in either order.
const char* medkern_status_name(medkern_status status) {
  return medkern::status_name(static_cast<Status>(status));
}

#define MEDKERN_STRINGIFY_(x) #x
#define MEDKERN_STRINGIFY(x) MEDKERN_STRINGIFY_(x)

const char* medkern_version(void) {
  return MEDKERN_STRINGIFY(MEDKERN_VERSION_MAJOR) "." MEDKERN_STRINGIFY(
      MEDKERN_VERSION_MINOR) "." MEDKERN_STRINGIFY(MEDKERN_VERSION_PATCH);
}

// ============================================================================ devices

medkern_status medkern_device_count(int32_t* count) {
  return MEDKERN_GUARDED({
    require_pointer(count, "count");
    *count = static_cast<int32_t>(medkern::device_count());
  });
}

medkern_status medkern_device_get_info(int32_t ordinal, medkern_device_info* info) {
  return MEDKERN_GUARDED({
    require_pointer(info, "info");
    known_size(info, "info");  // reject a bad struct_size before touching the device
    const medkern::DeviceProperties props = medkern::device_properties(ordinal);
    medkern_device_info result = StructTraits<medkern_device_info>::defaults();
    result.ordinal = props.ordinal;
    const std::size_t length =
        props.name.size() < sizeof(result.name) - 1 ? props.name.size() : sizeof(result.name) - 1;
    std::memcpy(result.name, props.name.data(), length);
    result.name[length] = '\0';
    result.compute_capability_major = props.compute_capability_major;
    result.compute_capability_minor = props.compute_capability_minor;
    result.multiprocessors = props.multiprocessors;
    result.total_memory_bytes = props.total_memory_bytes;
    result.free_memory_bytes = props.free_memory_bytes;
    write_struct(info, result, "info");
  });
}

medkern_status medkern_cuda_versions(int32_t* driver_version, int32_t* runtime_version) {
  return MEDKERN_GUARDED({
    require_pointer(driver_version, "driver_version");
    require_pointer(runtime_version, "runtime_version");
    *driver_version = medkern::cuda_driver_version();
    *runtime_version = medkern::cuda_runtime_version();
  });
}

// ============================================================================ volumes

medkern_status medkern_volume_init(medkern_volume* volume, medkern_dtype dtype, void* data,
                                   int64_t nz, int64_t ny, int64_t nx) {
  return MEDKERN_GUARDED({
    require_pointer(volume, "volume");
    medkern_volume v = StructTraits<medkern_volume>::defaults();
    v.dtype = dtype;
    v.data = data;
    v.shape[0] = nz;
    v.shape[1] = ny;
    v.shape[2] = nx;
    // Unsigned, so that absurd extents wrap instead of overflowing; the ops reject them.
    v.strides[0] = static_cast<int64_t>(static_cast<uint64_t>(ny) * static_cast<uint64_t>(nx));
    v.strides[1] = nx;
    v.strides[2] = 1;
    *volume = v;
  });
}

// ============================================================================ contexts

medkern_status medkern_context_options_init(medkern_context_options* options) {
  return MEDKERN_GUARDED({
    require_pointer(options, "options");
    *options = StructTraits<medkern_context_options>::defaults();
  });
}

medkern_status medkern_context_create(const medkern_context_options* options,
                                      medkern_context** context) {
  return MEDKERN_GUARDED({
    require_pointer(context, "context");
    *context = nullptr;
    const medkern_context_options o = read_struct_or_defaults(options, "options");
    if (o.num_threads < 0) {
      throw_invalid("options->num_threads: " + std::to_string(o.num_threads) +
                    " must be 0 (all cores) or positive");
    }
    int32_t device = o.device;
    if (device == MEDKERN_DEVICE_AUTO) {
      device = medkern::device_count() > 0 ? 0 : MEDKERN_DEVICE_HOST;
    } else if (device != MEDKERN_DEVICE_HOST && device < 0) {
      throw_invalid("options->device: " + std::to_string(device) +
                    " is neither MEDKERN_DEVICE_HOST (-1), MEDKERN_DEVICE_AUTO (-2) nor a CUDA "
                    "ordinal (>= 0)");
    }
    medkern::Context created = device == MEDKERN_DEVICE_HOST
                                   ? medkern::Context::cpu(o.num_threads)
                                   : medkern::Context::cuda(device, o.priority);
    created.set_tag(o.tag);
    *context = new medkern_context{std::move(created)};
  });
}

void medkern_context_destroy(medkern_context* context) {
  // ~Context waits for the stream and never throws; delete of NULL does nothing.
  delete context;
}

medkern_status medkern_context_device(const medkern_context* context, int32_t* device) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    require_pointer(device, "device");
    *device = ctx.device().ordinal;
  });
}

medkern_status medkern_context_synchronize(medkern_context* context) {
  return MEDKERN_GUARDED({ context_of(context).synchronize(); });
}

medkern_status medkern_context_set_tag(medkern_context* context, uint64_t tag) {
  return MEDKERN_GUARDED({ context_of(context).set_tag(tag); });
}

// ============================================================================ memory

medkern_status medkern_volume_allocate(medkern_context* context, medkern_dtype dtype, int64_t nz,
                                       int64_t ny, int64_t nx, medkern_volume* volume) {
  return MEDKERN_GUARDED({
    medkern::Context& ctx = context_of(context);
    require_pointer(volume, "volume");
    medkern::VolumeRef ref;
    ref.dtype = to_dtype(dtype, "dtype");
    ref.shape = {nz, ny, nx};
    // Strides are computed only once the shape is known not to overflow.
    ref.strides = {0, 0, 0};
    ref.device = ctx.device();
    // Any non-null, aligned address: validate_volume checks the shape, not the memory.
    ref.data = reinterpret_cast<void*>(alignof(std::max_align_t));
    medkern::validate_volume(ref, "shape");
    ref.strides = medkern::contiguous_strides(ref.shape);

    medkern::Pool& pool = ctx.pool();
    const medkern::Allocation allocation = pool.allocate(ref.bytes(), ctx.stream(), ctx.tag());
    try {
      allocations().insert(ctx.device().ordinal, allocation);
    } catch (...) {
      pool.deallocate(allocation, ctx.stream());
      throw;
    }
    medkern_volume v = StructTraits<medkern_volume>::defaults();
    v.dtype = dtype;
    v.data = allocation.pointer;
    for (int axis = 0; axis < 3; ++axis) {
      v.shape[axis] = ref.shape[axis];
      v.strides[axis] = ref.strides[axis];
    }
    v.device = ctx.device().ordinal;
    *volume = v;
  });
}

medkern_status medkern_volume_free(medkern_context* context, medkern_volume* volume) {
  return MEDKERN_GUARDED({
    medkern::Context& ctx = context_of(context);
    require_pointer(volume, "volume");
    if (volume->data == nullptr) return;
    const int32_t device = ctx.device().ordinal;
    medkern::Allocation allocation;
    if (!allocations().take(device, volume->data, &allocation)) {
      if (allocations().contains_pointer(volume->data)) {
        throw_invalid("volume->data was allocated on another device than the context's (" +
                      ctx.device().name() + "): free it on a context of its device");
      }
      throw_invalid(
          "volume->data was not allocated by medkern_volume_allocate, or was freed already");
    }
    ctx.pool().deallocate(allocation, ctx.stream());
    volume->data = nullptr;
  });
}

medkern_status medkern_volume_copy(medkern_context* context, const medkern_volume* src,
                                   const medkern_volume* dst) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    medkern::copy(ctx, to_ref(src, "src"), to_ref(dst, "dst"));
  });
}

medkern_status medkern_pool_get_stats(int32_t device, medkern_pool_stats* stats) {
  return MEDKERN_GUARDED({
    require_pointer(stats, "stats");
    known_size(stats, "stats");
    const medkern::PoolStats s = pool_of(device).stats();
    medkern_pool_stats result = StructTraits<medkern_pool_stats>::defaults();
    result.device = device;
    result.bytes_in_use = s.bytes_in_use;
    result.peak_bytes_in_use = s.peak_bytes_in_use;
    result.bytes_reserved = s.bytes_reserved;
    result.limit_bytes = s.limit_bytes;
    result.allocations = s.allocations;
    result.deallocations = s.deallocations;
    result.failures = s.failures;
    result.live_allocations = s.live_allocations;
    write_struct(stats, result, "stats");
  });
}

medkern_status medkern_pool_reset_peak(int32_t device) {
  return MEDKERN_GUARDED({ pool_of(device).reset_peak(); });
}

medkern_status medkern_pool_set_limit(int32_t device, uint64_t limit_bytes) {
  return MEDKERN_GUARDED({
    if (limit_bytes > SIZE_MAX) {
      throw Error(Status::overflow,
                  "limit_bytes: " + std::to_string(limit_bytes) + " exceeds size_t");
    }
    pool_of(device).set_limit(static_cast<std::size_t>(limit_bytes));
  });
}

medkern_status medkern_pool_release_tag(int32_t device, uint64_t tag, uint64_t* bytes_released) {
  return MEDKERN_GUARDED({
    if (bytes_released != nullptr) *bytes_released = 0;
    if (tag == 0) {
      throw_invalid("tag: 0 is the default tag of every allocation and cannot be released");
    }
    const std::size_t bytes = pool_of(device).release_tag(tag);
    if (bytes_released != nullptr) *bytes_released = bytes;
  });
}

medkern_status medkern_pool_trim(int32_t device) {
  return MEDKERN_GUARDED({ pool_of(device).trim(); });
}

// ============================================================================ histogram

medkern_status medkern_histogram(medkern_context* context, const medkern_volume* input,
                                 const medkern_volume* mask, const medkern_histogram_params* params,
                                 const medkern_volume* counts) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    medkern::VolumeRef mask_ref;
    if (mask != nullptr) mask_ref = to_ref(mask, "mask");
    const medkern_histogram_params p = read_struct(params, "params");
    const medkern::VolumeRef counts_ref = to_ref(counts, "counts");
    medkern::HistogramParams cpp;
    cpp.bins = p.bins;
    cpp.lo = p.lo;
    cpp.hi = p.hi;
    cpp.float32_range = p.float32_range != 0;
    medkern::histogram(ctx, input_ref, mask != nullptr ? &mask_ref : nullptr, counts_ref, cpp);
  });
}

// ============================================================================ threshold

medkern_status medkern_threshold(medkern_context* context, const medkern_volume* input,
                                 const medkern_volume* output,
                                 const medkern_threshold_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_threshold_params p = read_struct(params, "params");
    medkern::ThresholdParams cpp;
    cpp.lo = p.lo;
    cpp.hi = p.hi;
    cpp.inside = p.inside;
    cpp.outside = p.outside;
    medkern::threshold(ctx, input_ref, output_ref, cpp);
  });
}

medkern_status medkern_otsu_threshold(medkern_context* context, const medkern_volume* input,
                                      const medkern_volume* mask, uint32_t bins,
                                      double* threshold) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    medkern::VolumeRef mask_ref;
    if (mask != nullptr) mask_ref = to_ref(mask, "mask");
    require_pointer(threshold, "threshold");
    medkern::OtsuParams cpp;
    // medkern.h: integer inputs use one bin per value and ignore `bins`, whatever it is.
    if (input_ref.dtype == medkern::DType::float32) cpp.bins = bins;
    *threshold =
        medkern::otsu_threshold(ctx, input_ref, mask != nullptr ? &mask_ref : nullptr, cpp);
  });
}

// ============================================================================ label statistics

medkern_status medkern_label_statistics(medkern_context* context, const medkern_volume* input,
                                        const medkern_volume* labels,
                                        const medkern_label_statistics_params* params,
                                        medkern_label_statistics_result** result) {
  return MEDKERN_GUARDED({
    require_pointer(result, "result");
    *result = nullptr;
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    const medkern_label_statistics_params p = read_struct_or_defaults(params, "params");
    medkern::LabelStatisticsParams cpp;
    cpp.include_background = p.include_background != 0;
    const std::vector<medkern::LabelStats> stats =
        medkern::label_statistics(ctx, input_ref, labels_ref, cpp);

    BlockLayout layout;
    layout.add(sizeof(medkern_label_statistics_result), alignof(medkern_label_statistics_result));
    const std::size_t records_at = layout.add_array<medkern_label_stats>(stats.size(), "labels");
    unsigned char* block = layout.allocate();
    auto* header = reinterpret_cast<medkern_label_statistics_result*>(block);
    auto* records = reinterpret_cast<medkern_label_stats*>(block + records_at);
    for (std::size_t i = 0; i < stats.size(); ++i) {
      const medkern::LabelStats& s = stats[i];
      medkern_label_stats& r = records[i];
      r.label = s.label;
      r.reserved0 = 0;
      r.count = s.count;
      r.sum = s.sum;
      r.mean = s.mean;
      r.std = s.std;
      r.min = s.min;
      r.max = s.max;
      for (int axis = 0; axis < 3; ++axis) {
        r.bbox_min[axis] = s.bbox_min[axis];
        r.bbox_max[axis] = s.bbox_max[axis];
        r.centroid_mm[axis] = s.centroid_mm[axis];
      }
    }
    header->struct_size = sizeof(medkern_label_statistics_result);
    header->reserved0 = 0;
    header->num_labels = static_cast<int64_t>(stats.size());
    header->labels = stats.empty() ? nullptr : records;
    *result = header;
  });
}

void medkern_label_statistics_free(medkern_label_statistics_result* result) {
  std::free(result);
}

// ============================================================================ labelling

medkern_status medkern_label_components(medkern_context* context, const medkern_volume* image,
                                        const medkern_volume* labels,
                                        const medkern_label_components_params* params,
                                        int64_t* count) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef image_ref = to_ref(image, "image");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    require_pointer(count, "count");
    const medkern_label_components_params p = read_struct_or_defaults(params, "params");
    *count = medkern::label_components(ctx, image_ref, labels_ref, {p.connectivity});
  });
}

// ============================================================================ region growing

medkern_status medkern_connected_threshold(medkern_context* context, const medkern_volume* input,
                                           const int64_t* seeds, int64_t seed_count,
                                           const medkern_volume* output,
                                           const medkern_connected_threshold_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const std::vector<medkern::Seed> seed_list = read_seeds(seeds, seed_count);
    const medkern_connected_threshold_params p = read_struct(params, "params");
    medkern::connected_threshold(ctx, input_ref, seed_list, output_ref,
                                 {p.lo, p.hi, p.connectivity});
  });
}

// ============================================================================ watershed

medkern_status medkern_watershed(medkern_context* context, const medkern_volume* elevation,
                                 const medkern_volume* markers, const medkern_volume* mask,
                                 const medkern_volume* labels,
                                 const medkern_watershed_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef elevation_ref = to_ref(elevation, "elevation");
    const medkern::VolumeRef markers_ref = to_ref(markers, "markers");
    medkern::VolumeRef mask_ref;
    if (mask != nullptr) mask_ref = to_ref(mask, "mask");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    const medkern_watershed_params p = read_struct_or_defaults(params, "params");
    medkern::watershed(ctx, elevation_ref, markers_ref, mask != nullptr ? &mask_ref : nullptr,
                       labels_ref, {p.connectivity, p.watershed_line != 0});
  });
}

medkern_status medkern_regional_minima(medkern_context* context, const medkern_volume* volume,
                                       const medkern_volume* labels,
                                       const medkern_regional_minima_params* params,
                                       int64_t* count) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef volume_ref = to_ref(volume, "volume");
    const medkern::VolumeRef labels_ref = to_ref(labels, "labels");
    require_pointer(count, "count");
    const medkern_regional_minima_params p = read_struct_or_defaults(params, "params");
    *count = medkern::regional_minima(ctx, volume_ref, labels_ref, {p.connectivity});
  });
}

}  // extern "C"

// ============================================================================ confidence connected

namespace {

template <>
struct StructTraits<medkern_confidence_connected_params> {
  static constexpr const char* name = "medkern_confidence_connected_params";
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_confidence_connected_params, multiplier);
  static medkern_confidence_connected_params defaults() {
    const medkern::ConfidenceConnectedParams cpp;
    medkern_confidence_connected_params p{};
    p.struct_size = sizeof(medkern_confidence_connected_params);
    p.connectivity = cpp.connectivity;
    p.iterations = cpp.iterations;
    p.initial_radius = cpp.initial_radius;
    p.multiplier = cpp.multiplier;
    return p;
  }
};

}  // namespace

extern "C" {

medkern_status medkern_confidence_connected(medkern_context* context, const medkern_volume* input,
                                            const int64_t* seeds, int64_t seed_count,
                                            const medkern_volume* output,
                                            const medkern_confidence_connected_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const std::vector<medkern::Seed> seed_list = read_seeds(seeds, seed_count);
    const medkern_confidence_connected_params p = read_struct_or_defaults(params, "params");
    medkern::ConfidenceConnectedParams cpp;
    cpp.multiplier = p.multiplier;
    cpp.iterations = p.iterations;
    cpp.initial_radius = p.initial_radius;
    cpp.connectivity = p.connectivity;
    medkern::confidence_connected(ctx, input_ref, seed_list, output_ref, cpp);
  });
}

}  // extern "C"

// ============================================================================ noise reduction

namespace {

template <>
struct StructTraits<medkern_median_params> {
  static constexpr const char* name = "medkern_median_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_median_params, radius);
  static medkern_median_params defaults() {
    const medkern::MedianParams cpp;
    medkern_median_params p{};
    p.struct_size = sizeof(medkern_median_params);
    for (int axis = 0; axis < 3; ++axis) p.radius[axis] = cpp.radius[axis];
    return p;
  }
};

template <>
struct StructTraits<medkern_anisotropic_diffusion_params> {
  static constexpr const char* name = "medkern_anisotropic_diffusion_params";
  static constexpr std::size_t min_size =
      MEDKERN_END_OF(medkern_anisotropic_diffusion_params, conductance);
  static medkern_anisotropic_diffusion_params defaults() {
    const medkern::AnisotropicDiffusionParams cpp;
    medkern_anisotropic_diffusion_params p{};
    p.struct_size = sizeof(medkern_anisotropic_diffusion_params);
    p.iterations = cpp.iterations;
    p.time_step = cpp.time_step;
    p.conductance = cpp.conductance;
    return p;
  }
};

}  // namespace

extern "C" {

medkern_status medkern_median(medkern_context* context, const medkern_volume* input,
                              const medkern_volume* output, const medkern_median_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_median_params p = read_struct_or_defaults(params, "params");
    medkern::MedianParams cpp;
    for (int axis = 0; axis < 3; ++axis) cpp.radius[axis] = p.radius[axis];
    medkern::median(ctx, input_ref, output_ref, cpp);
  });
}

medkern_status medkern_anisotropic_diffusion(medkern_context* context, const medkern_volume* input,
                                             const medkern_volume* output,
                                             const medkern_anisotropic_diffusion_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_anisotropic_diffusion_params p = read_struct_or_defaults(params, "params");
    medkern::AnisotropicDiffusionParams cpp;
    cpp.iterations = p.iterations;
    cpp.time_step = p.time_step;
    cpp.conductance = p.conductance;
    medkern::anisotropic_diffusion(ctx, input_ref, output_ref, cpp);
  });
}

// ============================================================================ DICOM

int32_t medkern_dicom_available(void) {
  return medkern::dicom::available() ? 1 : 0;
}

medkern_status medkern_dicom_options_init(medkern_dicom_options* options) {
  return MEDKERN_GUARDED({
    require_pointer(options, "options");
    *options = StructTraits<medkern_dicom_options>::defaults();
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
    const medkern::VolumeRef view = s.view();
    const std::size_t data_at = layout.add(view.bytes(), 64);
    unsigned char* block = layout.allocate();

    auto* r = reinterpret_cast<medkern_dicom_series*>(block);
    std::memset(r, 0, sizeof *r);
    r->struct_size = sizeof(medkern_dicom_series);
    void* data = block + data_at;
    if (view.bytes() > 0) std::memcpy(data, view.data, view.bytes());
    r->volume = StructTraits<medkern_volume>::defaults();
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
    *series = r;
  });
}

void medkern_dicom_series_free(medkern_dicom_series* series) {
  std::free(series);
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

// ============================================================================ gaussian, edges

namespace {

template <>
struct StructTraits<medkern_gaussian_params> {
  static constexpr const char* name = "medkern_gaussian_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_gaussian_params, sigma_mm);
  static medkern_gaussian_params defaults() {
    const medkern::GaussianParams cpp;
    medkern_gaussian_params p{};
    p.struct_size = sizeof(medkern_gaussian_params);
    for (int axis = 0; axis < 3; ++axis) p.sigma_mm[axis] = cpp.sigma_mm[axis];
    p.truncate = cpp.truncate;
    return p;
  }
};

template <>
struct StructTraits<medkern_sobel_params> {
  static constexpr const char* name = "medkern_sobel_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_sobel_params, axis);
  static medkern_sobel_params defaults() {
    const medkern::SobelParams cpp;
    medkern_sobel_params p{};
    p.struct_size = sizeof(medkern_sobel_params);
    p.axis = cpp.axis;
    p.ndim = cpp.ndim;
    return p;
  }
};

template <>
struct StructTraits<medkern_gradient_magnitude_params> {
  static constexpr const char* name = "medkern_gradient_magnitude_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_gradient_magnitude_params, method);
  static medkern_gradient_magnitude_params defaults() {
    const medkern::GradientMagnitudeParams cpp;
    medkern_gradient_magnitude_params p{};
    p.struct_size = sizeof(medkern_gradient_magnitude_params);
    p.method = static_cast<int32_t>(cpp.method);
    p.use_spacing = cpp.use_spacing ? 1 : 0;
    p.ndim = cpp.ndim;
    return p;
  }
};

template <>
struct StructTraits<medkern_canny_params> {
  static constexpr const char* name = "medkern_canny_params";
  static constexpr std::size_t min_size = MEDKERN_END_OF(medkern_canny_params, high);
  static medkern_canny_params defaults() {
    const medkern::CannyParams cpp;
    medkern_canny_params p{};
    p.struct_size = sizeof(medkern_canny_params);
    p.ndim = cpp.ndim;
    for (int axis = 0; axis < 3; ++axis) p.sigma_mm[axis] = cpp.sigma_mm[axis];
    p.low = cpp.low;
    p.high = cpp.high;
    return p;
  }
};

}  // namespace

extern "C" {

medkern_status medkern_gaussian(medkern_context* context, const medkern_volume* input,
                                const medkern_volume* output,
                                const medkern_gaussian_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_gaussian_params p = read_struct_or_defaults(params, "params");
    medkern::GaussianParams cpp;
    for (int axis = 0; axis < 3; ++axis) cpp.sigma_mm[axis] = p.sigma_mm[axis];
    cpp.truncate = p.truncate;
    medkern::gaussian(ctx, input_ref, output_ref, cpp);
  });
}

medkern_status medkern_sobel(medkern_context* context, const medkern_volume* input,
                             const medkern_volume* output, const medkern_sobel_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_sobel_params p = read_struct_or_defaults(params, "params");
    medkern::sobel(ctx, input_ref, output_ref, {p.axis, p.ndim});
  });
}

medkern_status medkern_gradient_magnitude(medkern_context* context, const medkern_volume* input,
                                          const medkern_volume* output,
                                          const medkern_gradient_magnitude_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_gradient_magnitude_params p = read_struct_or_defaults(params, "params");
    if (p.method != MEDKERN_GRADIENT_SOBEL && p.method != MEDKERN_GRADIENT_CENTRAL) {
      throw_invalid("params->method: " + std::to_string(p.method) +
                    " is neither MEDKERN_GRADIENT_SOBEL (0) nor MEDKERN_GRADIENT_CENTRAL (1)");
    }
    medkern::GradientMagnitudeParams cpp;
    cpp.method = static_cast<medkern::GradientMethod>(p.method);
    cpp.use_spacing = p.use_spacing != 0;
    cpp.ndim = p.ndim;
    medkern::gradient_magnitude(ctx, input_ref, output_ref, cpp);
  });
}

medkern_status medkern_canny(medkern_context* context, const medkern_volume* input,
                             const medkern_volume* output, const medkern_canny_params* params) {
  return MEDKERN_GUARDED({
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef input_ref = to_ref(input, "input");
    const medkern::VolumeRef output_ref = to_ref(output, "output");
    const medkern_canny_params p = read_struct(params, "params");
    medkern::CannyParams cpp;
    for (int axis = 0; axis < 3; ++axis) cpp.sigma_mm[axis] = p.sigma_mm[axis];
    cpp.low = p.low;
    cpp.high = p.high;
    cpp.ndim = p.ndim;
    medkern::canny(ctx, input_ref, output_ref, cpp);
  });
}

}  // extern "C"

// ============================================================================ calcium scoring

namespace {

medkern_calcium_totals to_c(const medkern::CalciumTotals& t) {
  return medkern_calcium_totals{t.agatston, t.volume_mm3, t.mass_mg, t.lesions};
}

}  // namespace

extern "C" {

medkern_status medkern_calcium_score(medkern_context* context, const medkern_volume* ct,
                                     const medkern_volume* labels_or_null,
                                     const medkern_calcium_params* params,
                                     medkern_calcium_result** result) {
  return MEDKERN_GUARDED({
    require_pointer(result, "result");
    *result = nullptr;
    const medkern::Context& ctx = context_of(context);
    const medkern::VolumeRef ct_ref = to_ref(ct, "ct");
    medkern::VolumeRef labels_ref;
    if (labels_or_null != nullptr) labels_ref = to_ref(labels_or_null, "labels");
    const medkern_calcium_params p = read_struct(params, "params");
    medkern::CalciumParams cpp;
    cpp.connectivity = p.connectivity;
    cpp.slice_thickness_mm = p.slice_thickness_mm;
    cpp.threshold_hu = p.threshold_hu;
    cpp.min_area_mm2 = p.min_area_mm2;
    cpp.normalize_thickness = p.normalize_thickness != 0;
    // 0 is "no calibration"; anything else is checked by the op.
    if (p.calibration_mg_per_cm3_per_hu != 0.0) {
      cpp.calibration_mg_per_cm3_per_hu = p.calibration_mg_per_cm3_per_hu;
    }
    const medkern::CalciumResult scores =
        medkern::calcium_score(ctx, ct_ref, labels_or_null != nullptr ? &labels_ref : nullptr, cpp);

    BlockLayout layout;
    layout.add(sizeof(medkern_calcium_result), alignof(medkern_calcium_result));
    const std::size_t labels_at =
        layout.add_array<medkern_calcium_label_totals>(scores.per_label.size(), "labels");
    const std::size_t lesions_at =
        layout.add_array<medkern_calcium_lesion>(scores.lesions.size(), "lesions");
    unsigned char* block = layout.allocate();
    auto* header = reinterpret_cast<medkern_calcium_result*>(block);
    auto* label_records = reinterpret_cast<medkern_calcium_label_totals*>(block + labels_at);
    auto* lesion_records = reinterpret_cast<medkern_calcium_lesion*>(block + lesions_at);
    for (std::size_t i = 0; i < scores.per_label.size(); ++i) {
      label_records[i] = medkern_calcium_label_totals{scores.per_label[i].label, 0,
                                                      to_c(scores.per_label[i].totals)};
    }
    for (std::size_t i = 0; i < scores.lesions.size(); ++i) {
      const medkern::CalciumLesion& l = scores.lesions[i];
      medkern_calcium_lesion& r = lesion_records[i];
      r.slice = l.slice;
      r.voxels = l.voxels;
      r.lesion_3d = l.lesion_3d;
      r.label = l.label;
      r.max_hu = l.max_hu;
      r.weight = l.weight;
      r.reserved0 = 0;
      r.area_mm2 = l.area_mm2;
      r.mean_hu = l.mean_hu;
      r.score = l.score;
      r.volume_mm3 = l.volume_mm3;
      r.mass_mg = l.mass_mg;
      for (int axis = 0; axis < 3; ++axis) r.centroid_mm[axis] = l.centroid_mm[axis];
    }
    header->struct_size = sizeof(medkern_calcium_result);
    header->risk_category = static_cast<int32_t>(scores.risk_category);
    header->total = to_c(scores.total);
    header->lesions_3d = scores.lesions_3d;
    header->slice_step = scores.slice_step;
    header->voxel_volume_mm3 = scores.voxel_volume_mm3;
    header->has_mass = scores.has_mass ? 1 : 0;
    header->reserved0 = 0;
    header->num_labels = static_cast<int64_t>(scores.per_label.size());
    header->labels = scores.per_label.empty() ? nullptr : label_records;
    header->num_lesions = static_cast<int64_t>(scores.lesions.size());
    header->lesions = scores.lesions.empty() ? nullptr : lesion_records;
    *result = header;
  });
}

void medkern_calcium_result_free(medkern_calcium_result* result) {
  std::free(result);
}

const char* medkern_calcium_risk_name(int32_t risk_category) {
  if (risk_category < MEDKERN_CALCIUM_RISK_0 || risk_category > MEDKERN_CALCIUM_RISK_OVER_400) {
    return "unknown";
  }
  return medkern::risk_category_name(static_cast<medkern::RiskCategory>(risk_category));
}

}  // extern "C"
