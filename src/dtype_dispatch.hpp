// Calls a generic function with the C++ type of a run-time dtype.
#pragma once

#include <cstdint>

#include "medkern/volume.hpp"

namespace medkern {

// Calls visitor(T{}) for the image types an op takes (int16, uint16, float32); the caller
// has already checked the dtype against the op's list.
template <class Visitor>
decltype(auto) visit_image_dtype(DType dtype, Visitor&& visitor) {
  switch (dtype) {
    case DType::int16:
      return visitor(int16_t{});
    case DType::uint16:
      return visitor(uint16_t{});
    case DType::float32:
      return visitor(float{});
    default:
      throw_dtype_mismatch("input", DType::float32, dtype);
  }
}

// Likewise for label images (int32, uint8).
template <class Visitor>
decltype(auto) visit_label_dtype(DType dtype, Visitor&& visitor) {
  switch (dtype) {
    case DType::int32:
      return visitor(int32_t{});
    case DType::uint8:
      return visitor(uint8_t{});
    default:
      throw_dtype_mismatch("labels", DType::int32, dtype);
  }
}

}  // namespace medkern
