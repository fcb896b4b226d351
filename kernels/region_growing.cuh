// Device code: selection of the components that hold a seed; moments over a region.
#pragma once

#include <cstdint>
#include <cub/warp/warp_reduce.cuh>
#include <type_traits>

#include "region_growing_backends.hpp"

namespace medkern::cuda::kernels {

__global__ void mark_seeded(const int32_t* __restrict__ labels, const uint64_t* __restrict__ seeds,
                            int seed_count, uint8_t* __restrict__ seeded) {
  const int s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s < seed_count) {
    const int32_t label = labels[seeds[s]];
    if (label != 0) seeded[label] = 1;
  }
}

// One warp per chunk of kMomentChunk voxels, in the order region_growing_backends.hpp fixes
// (and src/cpu/region_growing.cpp follows): lane l adds voxels l, l + 32, ... of its chunk in
// turn, then the lanes combine and lane 0 writes the chunk's sums. The integer sums, exact in
// any order, combine with cub::WarpReduce; the float32 sums by shuffles with offsets 16, 8, 4,
// 2, 1, the order the CPU repeats. Rounded double operations (__dadd_rn, __dmul_rn) keep nvcc
// from fusing them.
template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    region_moments(const T* __restrict__ input, const uint8_t* __restrict__ mask, int64_t count,
                   int64_t chunks, RegionMoments* __restrict__ partials) {
  using CountSum = cub::WarpReduce<unsigned long long>;
  using SignedSum = cub::WarpReduce<long long>;
  __shared__ union {
    typename CountSum::TempStorage counts;
    typename SignedSum::TempStorage sums;
  } storage[Threads / kMomentLanes];
  const int lane = threadIdx.x % kMomentLanes;
  const int warp = threadIdx.x / kMomentLanes;
  const int64_t warps = int64_t(gridDim.x) * (Threads / kMomentLanes);
  for (int64_t chunk = blockIdx.x * int64_t(Threads / kMomentLanes) + warp; chunk < chunks;
       chunk += warps) {
    unsigned long long n = 0;
    long long sum_int = 0;
    unsigned long long sum_squares_int = 0;
    double sum_float = 0.0, sum_squares_float = 0.0;
    const int64_t base = chunk * kMomentChunk + lane;
    for (int k = 0; k < kMomentsPerLane; ++k) {
      const int64_t i = base + int64_t(kMomentLanes) * k;
      if (i >= count) break;
      if (mask[i] == 0) continue;
      const T value = input[i];
      ++n;
      if constexpr (std::is_same_v<T, float>) {
        const double v = value;
        sum_float = __dadd_rn(sum_float, v);
        sum_squares_float = __dadd_rn(sum_squares_float, __dmul_rn(v, v));
      } else {
        const long long v = value;
        sum_int += v;
        sum_squares_int += static_cast<unsigned long long>(v * v);
      }
    }
    n = CountSum(storage[warp].counts).Sum(n);
    if constexpr (std::is_same_v<T, float>) {
#pragma unroll
      for (int offset = kMomentLanes / 2; offset >= 1; offset /= 2) {
        sum_float = __dadd_rn(sum_float, __shfl_down_sync(0xffffffffu, sum_float, offset));
        sum_squares_float =
            __dadd_rn(sum_squares_float, __shfl_down_sync(0xffffffffu, sum_squares_float, offset));
      }
    } else {
      sum_int = SignedSum(storage[warp].sums).Sum(sum_int);
      sum_squares_int = CountSum(storage[warp].counts).Sum(sum_squares_int);
    }
    if (lane == 0) {
      partials[chunk] = RegionMoments{n, sum_int, sum_squares_int, sum_float, sum_squares_float};
    }
  }
}

}  // namespace medkern::cuda::kernels
