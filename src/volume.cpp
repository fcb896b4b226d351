#include "medkern/volume.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace medkern {

const char* dtype_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::int16:
      return "int16";
    case DType::uint16:
      return "uint16";
    case DType::float32:
      return "float32";
    case DType::uint8:
      return "uint8";
    case DType::int32:
      return "int32";
    case DType::uint64:
      return "uint64";
  }
  return "unknown";
}

std::size_t dtype_size(DType dtype) noexcept {
  switch (dtype) {
    case DType::int16:
      return 2;
    case DType::uint16:
      return 2;
    case DType::float32:
      return 4;
    case DType::uint8:
      return 1;
    case DType::int32:
      return 4;
    case DType::uint64:
      return 8;
  }
  return 0;
}

std::string Device::name() const {
  return is_host() ? std::string("cpu") : fmt::format("cuda:{}", ordinal);
}

bool VolumeRef::is_contiguous() const {
  int64_t expected = 1;
  for (int axis = 2; axis >= 0; --axis) {
    if (shape[axis] != 1 && strides[axis] != expected) return false;
    expected *= shape[axis];
  }
  return true;
}

void throw_dtype_mismatch(const char* what, DType expected, DType actual) {
  throw Error(Status::unsupported_dtype, fmt::format("{}: expected dtype {}, got {}", what,
                                                     dtype_name(expected), dtype_name(actual)));
}

void validate_volume(const VolumeRef& volume, const char* what) {
  if (dtype_size(volume.dtype) == 0) {
    throw Error(Status::unsupported_dtype,
                fmt::format("{}: unknown dtype code {}", what, static_cast<int>(volume.dtype)));
  }
  if (volume.data == nullptr) {
    throw Error(Status::invalid_argument, fmt::format("{}: data pointer is null", what));
  }
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max();
  int64_t elements = 1;
  for (int axis = 0; axis < 3; ++axis) {
    if (volume.shape[axis] < 1) {
      throw Error(Status::invalid_argument,
                  fmt::format("{}: shape ({}, {}, {}) has an extent below 1 on axis {}", what,
                              volume.shape[0], volume.shape[1], volume.shape[2], axis));
    }
    if (volume.shape[axis] > kLimit / elements) {
      throw Error(Status::overflow,
                  fmt::format("{}: shape ({}, {}, {}) has too many elements", what, volume.shape[0],
                              volume.shape[1], volume.shape[2]));
    }
    elements *= volume.shape[axis];
    const double spacing = volume.spacing[axis];
    if (!(std::isfinite(spacing) && spacing > 0.0)) {
      throw Error(
          Status::invalid_argument,
          fmt::format("{}: spacing[{}] = {} must be finite and positive", what, axis, spacing));
    }
  }
  if (elements > kLimit / static_cast<int64_t>(dtype_size(volume.dtype))) {
    throw Error(Status::overflow, fmt::format("{}: {} elements of {} overflow a 64-bit byte count",
                                              what, elements, dtype_name(volume.dtype)));
  }
  // The largest offset reachable through the strides must fit in 64 bits as well.
  int64_t reach = 0;
  for (int axis = 0; axis < 3; ++axis) {
    // INT64_MIN has no positive counterpart; any stride near it overflows anyway.
    const int64_t raw = volume.strides[axis];
    const int64_t stride = raw == INT64_MIN ? INT64_MAX : (raw < 0 ? -raw : raw);
    if (stride != 0 && volume.shape[axis] - 1 > (kLimit / 8 - reach) / stride) {
      throw Error(Status::overflow,
                  fmt::format("{}: strides ({}, {}, {}) overflow 64-bit offsets", what,
                              volume.strides[0], volume.strides[1], volume.strides[2]));
    }
    reach += (volume.shape[axis] - 1) * stride;
  }
}

}  // namespace medkern
