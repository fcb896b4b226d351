#include <cstring>

#include "copy_backends.hpp"

namespace medkern::cpu {

void copy(const VolumeRef& src, const VolumeRef& dst) {
  const std::size_t item = dtype_size(src.dtype);
  const auto* in = static_cast<const unsigned char*>(src.data);
  auto* out = static_cast<unsigned char*>(dst.data);
  const int64_t ny = src.shape[1], nx = src.shape[2];
  const bool rows_contiguous = (src.strides[2] == 1 || nx == 1) && (dst.strides[2] == 1 || nx == 1);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t z = 0; z < src.shape[0]; ++z) {
    for (int64_t y = 0; y < ny; ++y) {
      const unsigned char* from = in + (z * src.strides[0] + y * src.strides[1]) * int64_t(item);
      unsigned char* to = out + (z * dst.strides[0] + y * dst.strides[1]) * int64_t(item);
      if (rows_contiguous) {
        std::memcpy(to, from, nx * item);
      } else {
        for (int64_t x = 0; x < nx; ++x) {
          std::memcpy(to + x * dst.strides[2] * int64_t(item),
                      from + x * src.strides[2] * int64_t(item), item);
        }
      }
    }
  }
}

}  // namespace medkern::cpu
