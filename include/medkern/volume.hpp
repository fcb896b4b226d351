// Views of 3-D arrays (never owning) and the element types medkern knows.
// Shapes, strides and spacing are in numpy's order: (z, y, x), slowest axis first.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "medkern/error.hpp"

namespace medkern {

enum class DType : int32_t {
  int16 = 1,
  uint16 = 2,
  float32 = 3,
  uint8 = 4,
  int32 = 5,
  uint64 = 6,
};

const char* dtype_name(DType dtype) noexcept;
std::size_t dtype_size(DType dtype) noexcept;

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<int16_t> {
  static constexpr DType value = DType::int16;
};
template <>
struct DTypeOf<uint16_t> {
  static constexpr DType value = DType::uint16;
};
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::float32;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::uint8;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::int32;
};
template <>
struct DTypeOf<uint64_t> {
  static constexpr DType value = DType::uint64;
};
template <class T>
struct DTypeOf<const T> : DTypeOf<T> {};
template <class T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

// Where memory lives: the host (ordinal -1) or CUDA device `ordinal`.
struct Device {
  int32_t ordinal = -1;

  static constexpr Device host() { return Device{-1}; }
  static constexpr Device cuda(int32_t ordinal) { return Device{ordinal}; }
  constexpr bool is_host() const { return ordinal < 0; }
  constexpr bool is_cuda() const { return ordinal >= 0; }
  friend constexpr bool operator==(Device a, Device b) { return a.ordinal == b.ordinal; }
  friend constexpr bool operator!=(Device a, Device b) { return a.ordinal != b.ordinal; }
  std::string name() const;  // "cpu" or "cuda:N"
};

using Shape3 = std::array<int64_t, 3>;    // (nz, ny, nx)
using Strides3 = std::array<int64_t, 3>;  // in elements
using Spacing3 = std::array<double, 3>;   // (sz, sy, sx) in mm

constexpr Strides3 contiguous_strides(const Shape3& shape) {
  return {shape[1] * shape[2], shape[2], 1};
}

template <class T>
struct VolumeView;

// A type-erased view: what the ops take, so that one function serves every dtype and the
// C and Python façades can pass what they receive at run time.
struct VolumeRef {
  void* data = nullptr;
  DType dtype = DType::float32;
  Shape3 shape{1, 1, 1};
  Strides3 strides{1, 1, 1};
  Spacing3 spacing{1.0, 1.0, 1.0};
  Device device = Device::host();

  int64_t numel() const { return shape[0] * shape[1] * shape[2]; }
  bool is_contiguous() const;  // C-contiguous (strides of extent-1 axes ignored)
  std::size_t bytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype); }

  // The typed view; throws Error(unsupported_dtype) naming `what` if the dtype differs.
  template <class T>
  VolumeView<T> as(const char* what = "volume") const;
};

template <class T>
struct VolumeView {
  T* data = nullptr;
  Shape3 shape{1, 1, 1};
  Strides3 strides{1, 1, 1};
  Spacing3 spacing{1.0, 1.0, 1.0};
  Device device = Device::host();

  int64_t numel() const { return shape[0] * shape[1] * shape[2]; }
  T& operator()(int64_t z, int64_t y, int64_t x) const {
    return data[z * strides[0] + y * strides[1] + x * strides[2]];
  }
  operator VolumeRef() const {
    using Plain = std::remove_const_t<T>;
    return VolumeRef{const_cast<Plain*>(data), dtype_of<Plain>, shape, strides, spacing, device};
  }
};

// A C-contiguous view of `data`.
template <class T>
VolumeView<T> make_view(T* data, const Shape3& shape, const Spacing3& spacing = {1, 1, 1},
                        Device device = Device::host()) {
  return VolumeView<T>{data, shape, contiguous_strides(shape), spacing, device};
}

[[noreturn]] void throw_dtype_mismatch(const char* what, DType expected, DType actual);

template <class T>
VolumeView<T> VolumeRef::as(const char* what) const {
  if (dtype != dtype_of<T>) throw_dtype_mismatch(what, dtype_of<T>, dtype);
  return VolumeView<T>{static_cast<T*>(data), shape, strides, spacing, device};
}

// Checks what every op needs of a view (non-null data, extents >= 1, a byte size that fits
// in 63 bits, finite positive spacing) and throws an Error naming `what` otherwise.
void validate_volume(const VolumeRef& volume, const char* what);

}  // namespace medkern
