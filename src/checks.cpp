#include "checks.hpp"

#include <fmt/format.h>

#include <string>

namespace medkern {

void require_dtype(const VolumeRef& volume, const char* what,
                   std::initializer_list<DType> allowed) {
  for (DType dtype : allowed) {
    if (volume.dtype == dtype) return;
  }
  std::string names;
  for (DType dtype : allowed) {
    if (!names.empty()) names += ", ";
    names += dtype_name(dtype);
  }
  throw Error(Status::unsupported_dtype,
              fmt::format("{}: dtype {} is not supported (expected one of: {})", what,
                          dtype_name(volume.dtype), names));
}

void require_same_shape(const VolumeRef& a, const char* what_a, const VolumeRef& b,
                        const char* what_b) {
  if (a.shape != b.shape) {
    throw Error(
        Status::shape_mismatch,
        fmt::format("{} has shape ({}, {}, {}) but {} has shape ({}, {}, {})", what_b, b.shape[0],
                    b.shape[1], b.shape[2], what_a, a.shape[0], a.shape[1], a.shape[2]));
  }
}

void require_reachable(const Context& context, const VolumeRef& volume, const char* what) {
  if (volume.device.is_host() || volume.device == context.device()) return;
  throw Error(Status::invalid_argument,
              fmt::format("{} is in {} memory, which a context on {} cannot use", what,
                          volume.device.name(), context.device().name()));
}

void require_mask(const Context& context, const VolumeRef* mask, const VolumeRef& input) {
  if (mask == nullptr) return;
  validate_volume(*mask, "mask");
  require_dtype(*mask, "mask", {DType::uint8});
  require_same_shape(input, "input", *mask, "mask");
  require_reachable(context, *mask, "mask");
}

}  // namespace medkern
