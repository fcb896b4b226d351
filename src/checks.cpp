#include "checks.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

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

void require_volume(const Context& context, const VolumeRef& volume, const char* what,
                    std::initializer_list<DType> allowed) {
  validate_volume(volume, what);
  require_dtype(volume, what, allowed);
  require_reachable(context, volume, what);
}

void require_like(const Context& context, const VolumeRef& reference, const char* reference_what,
                  const VolumeRef& volume, const char* what, std::initializer_list<DType> allowed) {
  validate_volume(volume, what);
  require_dtype(volume, what, allowed);
  require_same_shape(reference, reference_what, volume, what);
  require_reachable(context, volume, what);
}

void require_mask(const Context& context, const VolumeRef* mask, const VolumeRef& input) {
  if (mask == nullptr) return;
  require_like(context, input, "input", *mask, "mask", {DType::uint8});
}

namespace {

// [first, last) byte addresses of the elements of `volume`.
std::pair<uintptr_t, uintptr_t> byte_span(const VolumeRef& volume) {
  int64_t low = 0, high = 0;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t reach = (volume.shape[axis] - 1) * volume.strides[axis];
    (reach < 0 ? low : high) += reach;
  }
  const auto base = reinterpret_cast<uintptr_t>(volume.data);
  const auto size = static_cast<int64_t>(dtype_size(volume.dtype));
  return {base + low * size, base + (high + 1) * size};
}

}  // namespace

bool memory_overlaps(const VolumeRef& a, const VolumeRef& b) {
  if (a.device != b.device) return false;
  const auto [a_first, a_last] = byte_span(a);
  const auto [b_first, b_last] = byte_span(b);
  return a_first < b_last && b_first < a_last;
}

void require_int32_voxels(const VolumeRef& volume, const char* what, const char* op) {
  if (volume.numel() > std::numeric_limits<int32_t>::max()) {
    throw Error(Status::overflow,
                fmt::format("{}: {} voxels; {} takes fewer than 2^31", what, volume.numel(), op));
  }
}

void require_finite(double value, const char* what, bool positive, const char* hint) {
  const bool ok = std::isfinite(value) && (positive ? value > 0.0 : value >= 0.0);
  if (!ok) {
    throw Error(Status::invalid_argument, fmt::format("{}: {} must be finite and {}{}", what, value,
                                                      positive ? "> 0" : ">= 0", hint));
  }
}

void check_filter_volumes(const Context& context, const VolumeRef& input, const VolumeRef& output,
                          DType output_dtype) {
  require_volume(context, input, "input", {DType::int16, DType::uint16, DType::float32});
  require_like(context, input, "input", output, "output", {output_dtype});
}

}  // namespace medkern
