// medkern.h: status and version, devices, contexts.
#include "capi.hpp"

namespace medkern::capi {

template <>
struct Versioned<medkern_context_options> {
  static constexpr const char* name = "medkern_context_options";
  static std::size_t min_size() {
    return offsetof(medkern_context_options, device) + sizeof(int32_t);
  }
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
struct Versioned<medkern_device_info> {
  static constexpr const char* name = "medkern_device_info";
  static std::size_t min_size() { return offsetof(medkern_device_info, ordinal) + sizeof(int32_t); }
  static medkern_device_info defaults() {
    medkern_device_info i{};
    i.struct_size = sizeof(medkern_device_info);
    return i;
  }
};

}  // namespace medkern::capi

using namespace medkern::capi;

extern "C" {

// ============================================================================ status, version

const char* medkern_last_error(void) {
  return last_error();
}

// medkern_status_name and medkern_version leave the last error alone: a caller may well
// evaluate them in the same printf as medkern_last_error(), in either order.
const char* medkern_status_name(medkern_status status) {
  return medkern::status_name(static_cast<medkern::Status>(status));
}

#define MEDKERN_STRINGIFY_(x) #x
#define MEDKERN_STRINGIFY(x) MEDKERN_STRINGIFY_(x)

const char* medkern_version(void) {
  return MEDKERN_STRINGIFY(MEDKERN_VERSION_MAJOR) "." MEDKERN_STRINGIFY(
      MEDKERN_VERSION_MINOR) "." MEDKERN_STRINGIFY(MEDKERN_VERSION_PATCH);
}

uint32_t medkern_version_number(void) {
  return MEDKERN_VERSION_NUMBER;
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
    medkern_device_info result = Versioned<medkern_device_info>::defaults();
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

// ============================================================================ contexts

medkern_status medkern_context_options_init(medkern_context_options* options) {
  return MEDKERN_GUARDED({
    require_pointer(options, "options");
    *options = Versioned<medkern_context_options>::defaults();
  });
}

medkern_status medkern_context_create(const medkern_context_options* options,
                                      medkern_context** context) {
  return MEDKERN_GUARDED({
    require_pointer(context, "context");
    *context = nullptr;
    const medkern_context_options o = read_struct_or_defaults(options, "options");
    medkern::require_thread_count(o.num_threads, "options->num_threads");
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

}  // extern "C"
