// Device code: selection of the components that hold a seed.
#pragma once

#include <cstdint>

namespace medkern::cuda::kernels {

__global__ void mark_seeded(const int32_t* __restrict__ labels, const uint64_t* __restrict__ seeds,
                            int seed_count, uint8_t* __restrict__ seeded) {
  const int s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s < seed_count) {
    const int32_t label = labels[seeds[s]];
    if (label != 0) seeded[label] = 1;
  }
}

__global__ void select_seeded(const int32_t* __restrict__ labels,
                              const uint8_t* __restrict__ seeded, int64_t count,
                              uint8_t* __restrict__ output) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    output[i] = seeded[labels[i]];
  }
}

}  // namespace medkern::cuda::kernels
