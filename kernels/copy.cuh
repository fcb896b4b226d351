// Device code: strided copies between device views.
#pragma once

#include <cstdint>

namespace medkern::cuda::kernels {

struct StridedLayout {
  int64_t ny, nx;
  int64_t src_strides[3];
  int64_t dst_strides[3];
};

// One element per thread and grid-stride step; Element is an unsigned integer of the
// dtype's size, so that one instantiation serves every dtype of that size.
template <class Element>
__global__ void copy_strided(const Element* __restrict__ src, Element* __restrict__ dst,
                             int64_t count, StridedLayout layout) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t x = i % layout.nx;
    const int64_t y = (i / layout.nx) % layout.ny;
    const int64_t z = i / (layout.nx * layout.ny);
    dst[z * layout.dst_strides[0] + y * layout.dst_strides[1] + x * layout.dst_strides[2]] =
        src[z * layout.src_strides[0] + y * layout.src_strides[1] + x * layout.src_strides[2]];
  }
}

}  // namespace medkern::cuda::kernels
