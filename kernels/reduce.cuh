// Device code: extremes and count of the non-NaN voxels under a mask.
#pragma once

#include <cstdint>
#include <cub/block/block_reduce.cuh>

#include "host_device.hpp"

namespace medkern::cuda::kernels {

struct MinMaxKeys {
  int32_t min_key;
  int32_t max_key;
  unsigned long long count;
};

// Integers are their own keys; float32 maps to order-preserving int32 keys so that one
// atomicMin/atomicMax serves every type.
template <class T>
__device__ inline int32_t order_key(T value) {
  if constexpr (std::is_same_v<T, float>) {
    return float_to_ordered(value);
  } else {
    return static_cast<int32_t>(value);
  }
}

template <class T>
__device__ inline bool is_nan(T value) {
  if constexpr (std::is_same_v<T, float>) {
    return value != value;
  } else {
    return false;
  }
}

struct MinimumOp {
  __device__ int32_t operator()(int32_t a, int32_t b) const { return min(a, b); }
};
struct MaximumOp {
  __device__ int32_t operator()(int32_t a, int32_t b) const { return max(a, b); }
};

template <class T, int Threads>
__global__ void __launch_bounds__(Threads)
    min_max(const T* __restrict__ input, const uint8_t* __restrict__ mask, int64_t count,
            MinMaxKeys* result) {
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  unsigned long long n = 0;
  for (int64_t i = blockIdx.x * int64_t(Threads) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * Threads) {
    if (mask != nullptr && mask[i] == 0) continue;
    const T value = input[i];
    if (is_nan(value)) continue;
    const int32_t key = order_key(value);
    lo = min(lo, key);
    hi = max(hi, key);
    ++n;
  }
  using Reduce32 = cub::BlockReduce<int32_t, Threads>;
  using Reduce64 = cub::BlockReduce<unsigned long long, Threads>;
  __shared__ union {
    typename Reduce32::TempStorage keys;
    typename Reduce64::TempStorage counts;
  } storage;
  lo = Reduce32(storage.keys).Reduce(lo, MinimumOp());
  __syncthreads();
  hi = Reduce32(storage.keys).Reduce(hi, MaximumOp());
  __syncthreads();
  n = Reduce64(storage.counts).Sum(n);
  if (threadIdx.x == 0 && n != 0) {
    atomicMin(&result->min_key, lo);
    atomicMax(&result->max_key, hi);
    atomicAdd(&result->count, n);
  }
}

}  // namespace medkern::cuda::kernels
